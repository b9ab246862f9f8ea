// The C twin of examples/lang/call-latency.ts (clang-19 -O2).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define BUCKETS 64

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 10240);
  __type(key, __u32);
  __type(value, __u64);
} starts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, BUCKETS);
  __type(key, __u32);
  __type(value, __u64);
} latency SEC(".maps");

SEC("uprobe/libc.so.6:getpid")
int call_enter(void *ctx) {
  __u32 tid = bpf_get_current_pid_tgid();
  __u64 now = bpf_ktime_get_ns();
  bpf_map_update_elem(&starts, &tid, &now, BPF_ANY);
  return 0;
}

SEC("uretprobe/libc.so.6:getpid")
int call_return(void *ctx) {
  __u32 tid = bpf_get_current_pid_tgid();
  __u64 *start = bpf_map_lookup_elem(&starts, &tid);
  if (!start) return 0;
  __u64 ns = bpf_ktime_get_ns() - *start;
  bpf_map_delete_elem(&starts, &tid);
  __u32 bucket = 0;
  while (ns > 1 && bucket < BUCKETS - 1) {
    ns >>= 1;
    bucket++;
  }
  __u64 *n = bpf_map_lookup_elem(&latency, &bucket);
  if (n) __sync_fetch_and_add(n, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
