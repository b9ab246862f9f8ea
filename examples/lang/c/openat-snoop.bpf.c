// The C twin of examples/lang/openat-snoop.ts (clang-19 -O2).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct open_event {
  __u32 pid;
  __u32 flags;
  char comm[16];
  char filename[256];
};

struct sys_enter_openat {
  unsigned short common_type;
  unsigned char common_flags;
  unsigned char common_preempt_count;
  int common_pid;
  int __syscall_nr;
  long dfd;
  const char *filename;
  long flags;
  long mode;
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int snoop_openat(struct sys_enter_openat *ctx) {
  struct open_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) return 0;
  e->pid = bpf_get_current_pid_tgid() >> 32;
  e->flags = ctx->flags;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  bpf_probe_read_user_str(e->filename, sizeof(e->filename), ctx->filename);
  bpf_ringbuf_submit(e, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
