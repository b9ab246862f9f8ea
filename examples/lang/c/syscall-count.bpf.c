// The C twin of examples/lang/syscall-count.ts (clang-19 -O2).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct task {
  __u32 tgid;
  char comm[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 10240);
  __type(key, struct task);
  __type(value, __u64);
} syscalls SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int count_syscalls(void *ctx) {
  struct task key = {};
  key.tgid = bpf_get_current_pid_tgid() >> 32;
  bpf_get_current_comm(key.comm, sizeof(key.comm));
  __u64 *n = bpf_map_lookup_elem(&syscalls, &key);
  if (n) {
    __sync_fetch_and_add(n, 1);
  } else {
    __u64 one = 1;
    bpf_map_update_elem(&syscalls, &key, &one, BPF_NOEXIST);
  }
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
