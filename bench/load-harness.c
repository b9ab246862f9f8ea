/* Times libbpf 1.1 loading BPF objects: bpf_object__open_file + bpf_object__load + bpf_object__close,
 * in-process. Usage: load-harness ROUNDS OBJ...; after one untimed load of each object, ROUNDS
 * rounds each load every object once; prints one line per object, "<median ms> <path>", or
 * "FAIL <errno> <path>" when libbpf cannot load it. Built by bench/load.mjs:
 * cc -O2 bench/load-harness.c -lbpf. Needs CAP_BPF. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap) {
	(void)level; (void)fmt; (void)ap;
	return 0;
}

static int cmp(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Milliseconds for one open+load+close, or a negative errno. */
static double load_once(const char *path) {
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) return -errno;
	int err = bpf_object__load(obj);
	bpf_object__close(obj);
	if (err) return err < 0 ? err : -err;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: %s ROUNDS OBJ...\n", argv[0]); return 2; }
	int rounds = atoi(argv[1]), n = argc - 2;
	libbpf_set_print(quiet);
	double *ms = calloc((size_t)rounds * n, sizeof(double));
	int *failed = calloc(n, sizeof(int));
	for (int f = 0; f < n; f++) {
		double t = load_once(argv[2 + f]); /* warm-up: page cache, kernel BTF */
		if (t < 0) failed[f] = (int)-t;
	}
	for (int r = 0; r < rounds; r++)
		for (int f = 0; f < n; f++)
			if (!failed[f]) {
				double t = load_once(argv[2 + f]);
				if (t < 0) failed[f] = (int)-t;
				else ms[f * rounds + r] = t;
			}
	for (int f = 0; f < n; f++) {
		if (failed[f]) { printf("FAIL %d %s\n", failed[f], argv[2 + f]); continue; }
		qsort(ms + f * rounds, rounds, sizeof(double), cmp);
		printf("%.4f %s\n", ms[f * rounds + rounds / 2], argv[2 + f]);
	}
	return 0;
}
