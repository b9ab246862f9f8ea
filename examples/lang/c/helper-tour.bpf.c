// The C twin of examples/lang/helper-tour.ts (clang-19 -O2).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
  __u32 pid;
  __u32 numa;
  __u64 cgroup;
  __u64 jiffies;
  __s64 stack_bytes;
  __s64 name_len;
  __s64 text_len;
  char comm[16];
  char name[64];
  char text[48];
  __u64 stack[4];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 18);
} events SEC(".maps");

SEC("raw_tp/task_rename")
int onRename(struct bpf_raw_tracepoint_args *ctx) {
  struct event e = {};
  e.pid = bpf_get_current_pid_tgid() >> 32;
  e.numa = bpf_get_numa_node_id();
  e.cgroup = bpf_get_current_cgroup_id();
  e.jiffies = bpf_jiffies64();
  bpf_get_current_comm(e.comm, sizeof(e.comm));
  e.stack_bytes = bpf_get_stack(ctx, e.stack, sizeof(e.stack), 0);
  /* task_rename(struct task_struct *task, const char *comm): the new name, in kernel memory. */
  e.name_len = bpf_probe_read_kernel_str(e.name, sizeof(e.name), (void *)ctx->args[1]);
  __u64 args[2] = { e.pid, e.numa };
  static const char fmt[] = "pid %u on node %u";
  e.text_len = bpf_snprintf(e.text, sizeof(e.text), fmt, args, sizeof(args));
  bpf_ringbuf_output(&events, &e, sizeof(e), 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
