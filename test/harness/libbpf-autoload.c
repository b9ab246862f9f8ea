// Loads an object through libbpf and reports, for every program, whether libbpf loaded it and
// what the kernel holds for it: the reference for `?` sections (autoload off) and for objects
// whose BTF the kernel refuses (libbpf loads them without it).
//   libbpf-autoload OBJ [PROG]...   (each PROG: bpf_program__set_autoload(true) before load)
// Prints "prog NAME loaded TYPE BTF_ID NR_FUNC_INFO NR_LINE_INFO" or "prog NAME not-loaded".
// Built at test time: cc -O2 libbpf-autoload.c -lbpf.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 2) { fprintf(stderr, "usage: libbpf-autoload OBJ [PROG]...\n"); return 2; }
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) { fprintf(stderr, "open: %s\n", strerror(errno)); return 1; }
	for (int i = 2; i < argc; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, argv[i]);
		if (!p) { fprintf(stderr, "no program %s\n", argv[i]); return 2; }
		bpf_program__set_autoload(p, true);
	}
	int err = bpf_object__load(obj);
	if (err) { fprintf(stderr, "load: %s\n", strerror(-err)); return 1; }
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj) {
		int fd = bpf_program__fd(p);
		if (fd < 0) { printf("prog %s not-loaded\n", bpf_program__name(p)); continue; }
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) { fprintf(stderr, "info: %s\n", strerror(errno)); return 1; }
		printf("prog %s loaded %u %u %u %u\n", bpf_program__name(p), info.type, info.btf_id, info.nr_func_info, info.nr_line_info);
	}
	bpf_object__close(obj);
	return 0;
}
