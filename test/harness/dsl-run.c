// Runs a DSL example object (or its C twin) through libbpf and a fixed workload.
//   dsl-run exec OBJ [MAP]    load, attach every program (by section), fork+exec /bin/true,
//                             print "child PID" of the process that called execve and
//                             "parent PID"; with MAP (a u32 → u64 hash), "entry KEY VALUE" for
//                             the slot of this process's tgid
//   dsl-run tcp-rb OBJ MAP PORT  in a new network namespace: load, attach every program, make one
//                             TCP connection on 127.0.0.1 (server PORT, client PORT+1) and one on
//                             ::1 (server PORT+2, client PORT+3), each aborted with RST; print
//                             "self PID" (getpid), for each connection "conn client|server LOCAL
//                             LPORT REMOTE RPORT" as getsockname/getpeername + inet_ntop report the
//                             two connected sockets, then the ring buffer MAP's events of those
//                             ports as "event pid cpu oldstate newstate sport dport family
//                             protocol saddr daddr saddr_v6 daddr_v6" (addresses by inet_ntop)
//   dsl-run xdp-lo OBJ MAP    in a new network namespace: lo up, attach the object's XDP program
//                             to lo (generic mode), send UDP and TCP traffic over 127.0.0.1,
//                             print "key packets bytes" for every non-zero slot of array MAP
// Built at test time: cc -O2 dsl-run.c -lbpf.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) { fprintf(stderr, "dsl-run: %s: %s\n", what, strerror(errno)); exit(1); }

static struct bpf_object *load(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) die("open");
	if (bpf_object__load(obj)) die("load");
	return obj;
}

static int run_exec(const char *path, const char *map)
{
	struct bpf_object *obj = load(path);
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) die("attach");
	}
	pid_t pid = fork();
	if (pid < 0) die("fork");
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("child %d\nparent %d\n", (int)pid, (int)getpid());
	if (map) {
		int fd = bpf_object__find_map_fd_by_name(obj, map);
		if (fd < 0) die("map");
		__u32 key = (__u32)getpid();
		__u64 value = 0;
		if (bpf_map_lookup_elem(fd, &key, &value) == 0) printf("entry %u %llu\n", key, (unsigned long long)value);
	}
	return 0;
}

static void lo_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr)) die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr)) die("SIOCSIFFLAGS");
	close(s);
}

static void udp_traffic(int count, int size)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9999), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(rx, (struct sockaddr *)&a, sizeof(a))) die("bind udp");
	char buf[2048] = { 0 };
	for (int i = 0; i < count; i++) {
		if (sendto(tx, buf, size, 0, (struct sockaddr *)&a, sizeof(a)) != size) die("sendto");
		if (recv(rx, buf, sizeof(buf), 0) != size) die("recv udp");
	}
	close(rx);
	close(tx);
}

static void tcp_traffic(int bytes)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9998), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1)) die("listen");
	if (connect(c, (struct sockaddr *)&a, sizeof(a))) die("connect");
	int s = accept(l, NULL, NULL);
	if (s < 0) die("accept");
	char buf[4096] = { 0 };
	if (send(c, buf, bytes, 0) != bytes) die("send");
	int got = 0;
	while (got < bytes) {
		int n = recv(s, buf, sizeof(buf), 0);
		if (n <= 0) die("recv tcp");
		got += n;
	}
	// An abortive close (RST) keeps the packet count independent of FIN/ACK timing.
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	close(s);
	close(l);
}

static int run_xdp_lo(const char *path, const char *map)
{
	if (unshare(CLONE_NEWNET)) die("unshare(CLONE_NEWNET)");
	lo_up();
	struct bpf_object *obj = load(path);
	struct bpf_program *prog = bpf_object__next_program(obj, NULL);
	if (!prog) die("no program");
	if (bpf_xdp_attach(1, bpf_program__fd(prog), XDP_FLAGS_SKB_MODE, NULL)) die("bpf_xdp_attach lo");
	udp_traffic(10, 100);
	tcp_traffic(1000);
	usleep(100000);
	int fd = bpf_object__find_map_fd_by_name(obj, map);
	if (fd < 0) die("map");
	for (__u32 k = 0; k < 256; k++) {
		__u64 v[2];
		if (bpf_map_lookup_elem(fd, &k, v)) die("lookup");
		if (v[0] || v[1]) printf("%u %llu %llu\n", k, (unsigned long long)v[0], (unsigned long long)v[1]);
	}
	return 0;
}

struct tcp_event {
	__u32 pid, cpu;
	int oldstate, newstate;
	__u16 sport, dport, family, protocol;
	__u8 saddr[4], daddr[4], saddr_v6[16], daddr_v6[16];
};
static int first_port;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct tcp_event *e = data;
	(void)ctx;
	if (size < sizeof(*e)) return 0;
	int ours = 0;
	for (int p = first_port; p < first_port + 4; p++) ours |= e->sport == p || e->dport == p;
	if (!ours) return 0;
	char s4[INET_ADDRSTRLEN], d4[INET_ADDRSTRLEN], s6[INET6_ADDRSTRLEN], d6[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET, e->saddr, s4, sizeof(s4));
	inet_ntop(AF_INET, e->daddr, d4, sizeof(d4));
	inet_ntop(AF_INET6, e->saddr_v6, s6, sizeof(s6));
	inet_ntop(AF_INET6, e->daddr_v6, d6, sizeof(d6));
	printf("event %u %u %d %d %u %u %u %u %s %s %s %s\n", e->pid, e->cpu, e->oldstate, e->newstate, e->sport,
	       e->dport, e->family, e->protocol, s4, d4, s6, d6);
	return 0;
}

/* "conn ROLE LOCAL LPORT REMOTE RPORT" for a connected socket, as the OS reports it. */
static void print_endpoints(const char *role, int fd)
{
	struct sockaddr_storage a[2];
	char text[2][INET6_ADDRSTRLEN];
	int port[2];
	for (int i = 0; i < 2; i++) {
		socklen_t len = sizeof(a[i]);
		if ((i == 0 ? getsockname : getpeername)(fd, (struct sockaddr *)&a[i], &len)) die("getsockname/getpeername");
		if (a[i].ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)&a[i];
			inet_ntop(AF_INET, &in->sin_addr, text[i], sizeof(text[i]));
			port[i] = ntohs(in->sin_port);
		} else {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a[i];
			inet_ntop(AF_INET6, &in6->sin6_addr, text[i], sizeof(text[i]));
			port[i] = ntohs(in6->sin6_port);
		}
	}
	printf("conn %s %s %d %s %d\n", role, text[0], port[0], text[1], port[1]);
}

/* One connection from `loopback` port+1 to `loopback` port, reset by the client. */
static void tcp_connection(int family, int port)
{
	struct sockaddr_storage srv = { 0 }, cli = { 0 };
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&srv, *c = (struct sockaddr_in *)&cli;
		s->sin_family = c->sin_family = AF_INET;
		s->sin_addr.s_addr = c->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s->sin_port = htons(port);
		c->sin_port = htons(port + 1);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&srv, *c = (struct sockaddr_in6 *)&cli;
		s->sin6_family = c->sin6_family = AF_INET6;
		s->sin6_addr = c->sin6_addr = in6addr_loopback;
		s->sin6_port = htons(port);
		c->sin6_port = htons(port + 1);
		len = sizeof(*s);
	}
	int one = 1, l = socket(family, SOCK_STREAM, 0), c = socket(family, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&srv, len) || listen(l, 1)) die("listen");
	if (bind(c, (struct sockaddr *)&cli, len)) die("bind client");
	if (connect(c, (struct sockaddr *)&srv, len)) die("connect");
	int s = accept(l, NULL, NULL);
	if (s < 0) die("accept");
	print_endpoints("client", c);
	print_endpoints("server", s);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	close(s);
	close(l);
}

static int run_tcp_rb(const char *path, const char *map, int port)
{
	if (unshare(CLONE_NEWNET)) die("unshare(CLONE_NEWNET)");
	lo_up();
	first_port = port;
	struct bpf_object *obj = load(path);
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) die("attach");
	}
	struct ring_buffer *rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, map), on_event, NULL, NULL);
	if (!rb) die("ring_buffer__new");
	printf("self %d\n", (int)getpid());
	tcp_connection(AF_INET, port);
	tcp_connection(AF_INET6, port + 2);
	while (ring_buffer__poll(rb, 100) > 0) {}
	ring_buffer__free(rb);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "tcp-rb")) return run_tcp_rb(argv[2], argv[3], atoi(argv[4]));
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "exec")) return run_exec(argv[2], argc == 4 ? argv[3] : NULL);
	if (argc == 4 && !strcmp(argv[1], "xdp-lo")) return run_xdp_lo(argv[2], argv[3]);
	fprintf(stderr, "usage: dsl-run exec OBJ | dsl-run xdp-lo OBJ MAP | dsl-run tcp-rb OBJ MAP PORT\n");
	return 2;
}
