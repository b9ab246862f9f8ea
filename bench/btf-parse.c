/* Times libbpf's btf__parse on one file over N iterations (after one warm-up) and prints the
 * median in milliseconds. Built by bench/btf.mjs: cc -O2 bench/btf-parse.c -lbpf. */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int cmp(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: %s FILE N\n", argv[0]); return 2; }
	int n = atoi(argv[2]);
	double *ms = calloc(n, sizeof(double));
	struct btf *w = btf__parse(argv[1], NULL);
	if (!w) { fprintf(stderr, "btf__parse failed\n"); return 1; }
	btf__free(w);
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		struct btf *x = btf__parse(argv[1], NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (!x) return 1;
		btf__free(x);
		ms[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	}
	qsort(ms, n, sizeof(double), cmp);
	printf("%.3f\n", ms[n / 2]);
	return 0;
}
