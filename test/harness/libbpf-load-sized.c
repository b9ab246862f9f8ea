// Loads an object through libbpf after sizing its maps, and pins every program as
// `bpftool prog loadall` does: the reference for maps sized before load.
//   libbpf-load-sized OBJ PINDIR [MAP.FIELD=N]...
// FIELD is max_entries, value_size, key_size or map_flags (bpf_map__set_<FIELD>).
// Prints "map NAME max_entries key_size value_size flags" for every map after load.
// Built at test time: cc -O2 libbpf-load-sized.c -lbpf.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void die(const char *what, int err) { fprintf(stderr, "libbpf-load-sized: %s: %s\n", what, strerror(err < 0 ? -err : err)); exit(1); }

int main(int argc, char **argv)
{
	if (argc < 3) { fprintf(stderr, "usage: libbpf-load-sized OBJ PINDIR [MAP.FIELD=N]...\n"); return 2; }
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) die("open", errno);
	for (int i = 3; i < argc; i++) {
		char name[256], field[64];
		unsigned long n;
		if (sscanf(argv[i], "%255[^.].%63[^=]=%lu", name, field, &n) != 3) { fprintf(stderr, "bad edit %s\n", argv[i]); return 2; }
		struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
		if (!m) { fprintf(stderr, "no map %s\n", name); return 2; }
		int err;
		if (!strcmp(field, "max_entries")) err = bpf_map__set_max_entries(m, n);
		else if (!strcmp(field, "value_size")) err = bpf_map__set_value_size(m, n);
		else if (!strcmp(field, "key_size")) err = bpf_map__set_key_size(m, n);
		else if (!strcmp(field, "map_flags")) err = bpf_map__set_map_flags(m, n);
		else { fprintf(stderr, "bad field %s\n", field); return 2; }
		if (err) die(argv[i], err);
	}
	int err = bpf_object__load(obj);
	if (err) die("load", err);
	mkdir(argv[2], 0700);
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[2], bpf_program__name(p));
		if (bpf_program__pin(p, path)) die(path, errno);
	}
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_map__fd(m), &info, &len)) die("map info", errno);
		printf("map %s %u %u %u %u\n", bpf_map__name(m), info.max_entries, info.key_size, info.value_size, info.map_flags);
	}
	bpf_object__close(obj);
	return 0;
}
