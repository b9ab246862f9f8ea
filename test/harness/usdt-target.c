// A program with USDT probes (systemtap's <sys/sdt.h>, Debian's systemtap-sdt-dev) for the USDT
// attach tests. Every probe has a semaphore (section .probes): `guarded` fires only while one is
// attached. `usdt-target N` fires the probes N times with arguments that depend on the iteration,
// after waiting for a line on stdin (so the test attaches first); prints each iteration's values.
//   args:    -1@%dil 2@%si -4@%edx 8@%rcx -4@$42 -4@%eax style: registers of each width and sign, a constant
//   memory:  an int64 and an int32 read from the stack (memory operands)
//   guarded: the same uint64 as args' fourth, only when the semaphore says a probe is attached
// Built at test time: cc -O2 usdt-target.c.
#define _SDT_HAS_SEMAPHORES 1
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>

#define SEMA(n) unsigned short tsbpf_test_##n##_semaphore __attribute__((unused)) __attribute__((section(".probes")))
SEMA(args); SEMA(memory); SEMA(guarded);

__attribute__((noinline)) static void fire(int8_t a, uint16_t b, int32_t c, uint64_t d)
{
	volatile int64_t slot = -1234567890123LL - a;
	volatile int32_t onstack = c * 3;
	int32_t m = onstack;

	DTRACE_PROBE6(tsbpf_test, args, a, b, c, d, 42, m);
	STAP_PROBE2(tsbpf_test, memory, slot, onstack);
	if (tsbpf_test_guarded_semaphore)
		STAP_PROBE1(tsbpf_test, guarded, d);
	printf("%d %u %d %" PRIu64 " %d %" PRId64 " %d %u\n", a, b, c, d, m, (int64_t)slot, (int32_t)onstack, tsbpf_test_guarded_semaphore);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	char line[16];

	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (int i = 0; i < n; i++)
		fire(-5 - i, 65000 + i, -100000 - i, 0xfedcba9876543210ULL + i);
	return 0;
}
