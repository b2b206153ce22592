/* SPDX-License-Identifier: MIT */
/*
 * rcc_relay - a deterministic stand-in for tc netem (which this test's
 * kernels may lack): forwards Ethernet frames between two interfaces
 * with AF_PACKET, holding every frame the same delay, decrementing IPv4
 * TTLs like a router, and dropping, duplicating or swapping chosen UDP
 * frames. Every impairment is logged on stdout, so a test can check
 * ringcap compare against exactly what happened.
 *
 *   rcc_relay IF_A IF_B [--delay-ms N] [--drop-ab LIST] [--dup-ab LIST]
 *             [--swap-ab LIST] [--drop-ba LIST] [--dup-ba LIST] [--swap-ba LIST]
 *
 * LIST is comma-separated 1-based numbers of the IPv4 UDP frames in that
 * direction (ab: arriving on IF_A, leaving on IF_B). "swap" holds frame n
 * and sends it right after frame n+1. Log lines: "ready", then
 * "<drop|dup|swap> <ab|ba> <n> seq <payload seq>", and at exit
 * "summary <ab|ba> udp <n> sent <frames>".
 *
 * DESIGN: test tool, not product code: one thread, poll() on both
 * sockets with the next release time as timeout, a small array as the
 * delay queue. The delay is the same both ways so ringcap's symmetric
 * clock estimate has a known answer (offset 0, delay = --delay-ms).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME 2048
#define MAX_QUEUE 4096
#define MAX_LIST 64

struct frame {
	uint8_t b[MAX_FRAME];
	size_t len;
	int64_t release;
	int out;      /* socket to send on */
	uint64_t order; /* ties keep arrival order */
};

struct direction {
	const char *name;
	int in, out;
	uint64_t udp, sent;
	unsigned drop[MAX_LIST], dup[MAX_LIST], swap[MAX_LIST];
	unsigned n_drop, n_dup, n_swap;
	struct frame held;
	bool holding;
};

static struct frame queue[MAX_QUEUE];
static size_t queued;
static uint64_t order_seq;
static volatile sig_atomic_t stop;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned parse_list(const char *s, unsigned *v)
{
	unsigned n = 0;

	while (*s && n < MAX_LIST) {
		char *end;

		v[n++] = (unsigned)strtoul(s, &end, 10);
		s = *end == ',' ? end + 1 : end + strlen(end);
	}
	return n;
}

static bool in_list(const unsigned *v, unsigned n, uint64_t x)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static int open_sock(const char *ifname)
{
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	a.sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || !a.sll_ifindex || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "rcc_relay: %s: %s\n", ifname, strerror(errno));
		exit(1);
	}
	return fd;
}

/* Offset of the UDP header in an untagged IPv4 frame, or 0. */
static size_t udp_offset(const uint8_t *b, size_t len)
{
	size_t hl;

	if (len < 14 + 20 || b[12] != 0x08 || b[13] != 0x00 || b[14] >> 4 != 4 || b[23] != 17)
		return 0;
	hl = (b[14] & 15u) * 4;
	return len >= 14 + hl + 8 ? 14 + hl : 0;
}

/* Like a router: TTL down by one, header checksum patched (RFC 1624). */
static void decrement_ttl(uint8_t *b, size_t len)
{
	uint32_t sum;

	if (len < 34 || b[12] != 0x08 || b[13] != 0x00 || b[22] <= 1)
		return;
	b[22]--;
	sum = (uint32_t)((b[24] << 8) | b[25]) + 0x0100;
	sum = (sum & 0xFFFF) + (sum >> 16);
	b[24] = (uint8_t)(sum >> 8);
	b[25] = (uint8_t)sum;
}

/* The sender's payload starts "seq NNNNNN". */
static long payload_seq(const uint8_t *b, size_t len, size_t udp)
{
	if (len < udp + 8 + 10 || memcmp(b + udp + 8, "seq ", 4) != 0)
		return -1;
	return strtol((const char *)b + udp + 12, NULL, 10);
}

static void enqueue(const struct frame *f, int64_t release)
{
	if (queued == MAX_QUEUE) {
		fprintf(stderr, "rcc_relay: delay queue full\n");
		exit(1);
	}
	queue[queued] = *f;
	queue[queued].release = release;
	queue[queued++].order = order_seq++;
}

static void release_due(struct direction *d, int64_t now)
{
	for (;;) {
		size_t best = queued;

		for (size_t i = 0; i < queued; i++)
			if (queue[i].release <= now &&
			    (best == queued || queue[i].order < queue[best].order))
				best = i;
		if (best == queued)
			return;
		if (send(queue[best].out, queue[best].b, queue[best].len, 0) < 0)
			fprintf(stderr, "rcc_relay: send: %s\n", strerror(errno));
		d[queue[best].out == d[0].out ? 0 : 1].sent++;
		queue[best] = queue[--queued];
	}
}

static void handle(struct direction *d, struct frame *f, int64_t delay)
{
	size_t udp = udp_offset(f->b, f->len);
	int64_t at = now_ns() + delay;
	uint64_t n;

	decrement_ttl(f->b, f->len);
	f->out = d->out;
	if (!udp) {
		enqueue(f, at);
		return;
	}
	n = ++d->udp;
	if (in_list(d->drop, d->n_drop, n)) {
		printf("drop %s %llu seq %ld\n", d->name, (unsigned long long)n,
		       payload_seq(f->b, f->len, udp));
		return;
	}
	if (!d->holding && in_list(d->swap, d->n_swap, n)) {
		printf("swap %s %llu seq %ld\n", d->name, (unsigned long long)n,
		       payload_seq(f->b, f->len, udp));
		d->held = *f;
		d->holding = true;
		return;
	}
	enqueue(f, at);
	if (d->holding) {
		enqueue(&d->held, at);
		d->holding = false;
	}
	if (in_list(d->dup, d->n_dup, n)) {
		printf("dup %s %llu seq %ld\n", d->name, (unsigned long long)n,
		       payload_seq(f->b, f->len, udp));
		enqueue(f, at);
	}
}

static int receive(struct direction *d, int64_t delay)
{
	static struct frame f;
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(d->in, f.b, sizeof(f.b), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	/* Our own transmissions come back as outgoing: not traffic. */
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	f.len = (size_t)n;
	handle(d, &f, delay);
	return 0;
}

static int parse_args(int argc, char **argv, struct direction *d, int64_t *delay)
{
	for (int i = 3; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		struct direction *x = strstr(o, "-ab") ? &d[0] : &d[1];

		if (strcmp(o, "--delay-ms") == 0)
			*delay = strtoll(v, NULL, 10) * 1000000;
		else if (strncmp(o, "--drop", 6) == 0)
			x->n_drop = parse_list(v, x->drop);
		else if (strncmp(o, "--dup", 5) == 0)
			x->n_dup = parse_list(v, x->dup);
		else if (strncmp(o, "--swap", 6) == 0)
			x->n_swap = parse_list(v, x->swap);
		else
			return -1;
	}
	return argc >= 3 && argc % 2 == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct direction d[2] = { { .name = "ab" }, { .name = "ba" } };
	int64_t delay = 0;

	if (parse_args(argc, argv, d, &delay) < 0) {
		fprintf(stderr, "usage: rcc_relay IF_A IF_B [--delay-ms N] [--drop-ab LIST] ...\n");
		return 2;
	}
	d[0].in = d[1].out = open_sock(argv[1]);
	d[1].in = d[0].out = open_sock(argv[2]);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (!stop) {
		struct pollfd p[2] = { { .fd = d[0].in, .events = POLLIN },
				       { .fd = d[1].in, .events = POLLIN } };

		poll(p, 2, 1);
		for (int i = 0; i < 2; i++)
			if ((p[i].revents & POLLIN) && receive(&d[i], delay) < 0)
				return 1;
		release_due(d, now_ns());
	}
	for (int i = 0; i < 2; i++)
		printf("summary %s udp %llu sent %llu\n", d[i].name, (unsigned long long)d[i].udp,
		       (unsigned long long)d[i].sent);
	return 0;
}
