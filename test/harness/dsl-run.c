// Runs a DSL example object (or its C twin) through libbpf and a fixed workload.
//   dsl-run exec OBJ [MAP]    load, attach every program (by section), fork+exec /bin/true,
//                             print "child PID" of the process that called execve and
//                             "parent PID"; with MAP (a u32 → u64 hash), "entry KEY VALUE" for
//                             the slot of this process's tgid
//   dsl-run tcp-rb OBJ MAP PORT  in a new network namespace: load, attach every program, make one
//                             TCP connection on 127.0.0.1 (server PORT, client PORT+1, aborted
//                             with RST), print the ring buffer MAP's events of those two ports as
//                             "oldstate newstate sport dport family saddr daddr"
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
	int oldstate, newstate;
	unsigned short sport, dport, family;
	unsigned int saddr, daddr;
};
static int port_a, port_b;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct tcp_event *e = data;
	(void)ctx;
	if (size < sizeof(*e)) return 0;
	if (e->sport != port_a && e->sport != port_b && e->dport != port_a && e->dport != port_b) return 0;
	printf("%d %d %u %u %u %08x %08x\n", e->oldstate, e->newstate, e->sport, e->dport, e->family, e->saddr, e->daddr);
	return 0;
}

static int run_tcp_rb(const char *path, const char *map, int port)
{
	if (unshare(CLONE_NEWNET)) die("unshare(CLONE_NEWNET)");
	lo_up();
	port_a = port;
	port_b = port + 1;
	struct bpf_object *obj = load(path);
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) die("attach");
	}
	struct ring_buffer *rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, map), on_event, NULL, NULL);
	if (!rb) die("ring_buffer__new");
	struct sockaddr_in srv = { .sin_family = AF_INET, .sin_port = htons(port_a), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in cli = { .sin_family = AF_INET, .sin_port = htons(port_b), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&srv, sizeof(srv)) || listen(l, 1)) die("listen");
	if (bind(c, (struct sockaddr *)&cli, sizeof(cli))) die("bind client");
	if (connect(c, (struct sockaddr *)&srv, sizeof(srv))) die("connect");
	int s = accept(l, NULL, NULL);
	if (s < 0) die("accept");
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	close(s);
	close(l);
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
