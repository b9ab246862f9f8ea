/* Times N bpf_map_lookup_elem calls (libbpf 1.1) on a one-element array map and prints the
 * median per-call cost in nanoseconds over R rounds. Built by bench/map-lookup.mjs:
 * cc -O2 bench/map-lookup.c -lbpf. Needs CAP_BPF. */
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: %s N ROUNDS\n", argv[0]); return 2; }
	int n = atoi(argv[1]), rounds = atoi(argv[2]);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_c", 4, 8, 1, NULL);
	if (fd < 0) { perror("bpf_map_create"); return 1; }
	double *ns = calloc(rounds, sizeof(double));
	unsigned int key = 0;
	unsigned long long value;
	for (int i = 0; i < n; i++) bpf_map_lookup_elem(fd, &key, &value); /* warm-up */
	for (int r = 0; r < rounds; r++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < n; i++)
			if (bpf_map_lookup_elem(fd, &key, &value)) { perror("lookup"); return 1; }
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns[r] = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
	}
	qsort(ns, rounds, sizeof(double), cmp);
	printf("%.1f\n", ns[rounds / 2]);
	close(fd);
	return 0;
}
