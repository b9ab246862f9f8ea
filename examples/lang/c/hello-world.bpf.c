// C twin of examples/lang/hello-world.ts (instruction counts against clang-19 -O2).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_execve")
int hello(void *ctx)
{
	bpf_printk("Hello, BPF world!");
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
