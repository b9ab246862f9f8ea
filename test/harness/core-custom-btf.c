// Test oracle for CO-RE against another kernel's layout: opens a BPF object with libbpf 1.1,
// btf_custom_path = the target BTF, prints libbpf's debug log to stderr and tries to load.
// The load itself may fail in the kernel (the programs are not meant to run); the CO-RE log
// lines are printed before any program reaches the kernel.
// Build: clang-19 -O1 core-custom-btf.c -lbpf -o core-custom-btf
// Usage: core-custom-btf OBJECT.bpf.o TARGET-BTF
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>

static int print_all(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s OBJECT TARGET-BTF\n", argv[0]);
		return 2;
	}
	libbpf_set_print(print_all);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = argv[2]);
	struct bpf_object *obj = bpf_object__open_file(argv[1], &opts);
	if (!obj) {
		fprintf(stderr, "harness: open failed\n");
		return 2;
	}
	int err = bpf_object__load(obj);
	fprintf(stderr, "harness: load returned %d\n", err);
	bpf_object__close(obj);
	return 0;
}
