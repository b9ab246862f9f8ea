// The C twin of examples/lang/tcp-states.ts (clang-19 -O2).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define IPPROTO_TCP 6

struct inet_sock_set_state {
  unsigned short common_type;
  unsigned char common_flags;
  unsigned char common_preempt_count;
  int common_pid;
  const void *skaddr;
  int oldstate;
  int newstate;
  __u16 sport;
  __u16 dport;
  __u16 family;
  __u16 protocol;
  __u8 saddr[4];
  __u8 daddr[4];
  __u8 saddr_v6[16];
  __u8 daddr_v6[16];
};

struct tcp_event {
  __u32 pid;
  __u32 cpu;
  int oldstate;
  int newstate;
  __u16 sport;
  __u16 dport;
  __u16 family;
  __u16 protocol;
  __u8 saddr[4];
  __u8 daddr[4];
  __u8 saddr_v6[16];
  __u8 daddr_v6[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 16);
} events SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int tcp_state(struct inet_sock_set_state *ctx) {
  if (ctx->protocol != IPPROTO_TCP) return 0;
  struct tcp_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) return 0;
  e->pid = bpf_get_current_pid_tgid() >> 32;
  e->cpu = bpf_get_smp_processor_id();
  e->oldstate = ctx->oldstate;
  e->newstate = ctx->newstate;
  e->sport = ctx->sport;
  e->dport = ctx->dport;
  e->family = ctx->family;
  e->protocol = ctx->protocol;
  __builtin_memcpy(e->saddr, ctx->saddr, sizeof(e->saddr));
  __builtin_memcpy(e->daddr, ctx->daddr, sizeof(e->daddr));
  __builtin_memcpy(e->saddr_v6, ctx->saddr_v6, sizeof(e->saddr_v6));
  __builtin_memcpy(e->daddr_v6, ctx->daddr_v6, sizeof(e->daddr_v6));
  bpf_ringbuf_submit(e, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
