// C twin of examples/lang/syscall-trail.ts (instruction counts against clang-19 -O2).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 target = 0;

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4096);
	__type(value, __u32);
} trail SEC(".maps");

SEC("raw_tp/sys_enter")
int on_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target)
		return 0;
	__u32 id = ctx->args[1];
	bpf_map_push_elem(&trail, &id, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
