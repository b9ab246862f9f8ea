// C twin of examples/lang/tail-calls.ts (instruction counts against clang-19 -O2).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static void count(__u32 proto)
{
	__u64 *n = bpf_map_lookup_elem(&counts, &proto);
	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("xdp")
int on_tcp(struct xdp_md *ctx)
{
	count(IPPROTO_TCP);
	return XDP_PASS;
}

SEC("xdp")
int on_udp(struct xdp_md *ctx)
{
	count(IPPROTO_UDP);
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct udphdr *udp = (void *)(ip + 1);
	if (ip->protocol != IPPROTO_UDP || (void *)(udp + 1) > end || udp->dest != bpf_htons(9999))
		return XDP_PASS;
	return XDP_DROP;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 256);
	__uint(key_size, 4);
	__uint(value_size, 4);
	__array(values, int (struct xdp_md *));
} handlers SEC(".maps") = { .values = { [IPPROTO_TCP] = &on_tcp, [IPPROTO_UDP] = &on_udp } };

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	bpf_tail_call(ctx, &handlers, ip->protocol);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
