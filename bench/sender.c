/* SPDX-License-Identifier: MIT */
/*
 * sender.c - bench/'s traffic source: a fixed number of Ethernet frames, as
 * fast as one core can push them, out of one interface.
 *
 * DESIGN: an AF_PACKET socket with PACKET_QDISC_BYPASS, fed by sendmmsg()
 * in batches, so the only per-frame cost is the kernel's own (skb, veth
 * hand-over and, on a veth, the receive side and every tap on it, which run
 * on this core in the softirq that local_bh_enable() triggers). No qdisc
 * means no queue to overflow: a veth never pushes back, so the count that
 * leaves is exactly the count asked for. Frames carry EtherType 0x88B5
 * (IEEE local experimental), so the receiving stack drops them right after
 * the taps and answers nothing; each carries a 32-bit sequence number and
 * a flow id (sequence mod 16) so a reader can check order per flow.
 *
 * Usage: sender IFACE COUNT PROFILE DST-MAC SRC-MAC [RATE]
 *   PROFILE: a frame length (60..1514) or "imix" (7:4:1 of 64, 594, 1514).
 *   RATE: frames per second, 0 or absent for as fast as possible; paced
 *   per batch against an absolute clock, so sleeps do not drift.
 * Prints "sent N frames B bytes in S s" on stdout.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define BATCH 256
#define MAX_FRAME 1514
#define ETHERTYPE_LOCAL_EXP 0x88B5

static const unsigned imix_pattern[] = { 64, 594, 64, 64, 1514, 64, 594, 64, 64, 594, 64, 594 };

struct sender {
	int fd;
	uint64_t count;
	unsigned fixed_len;     /* 0: imix */
	uint64_t rate;          /* frames per second; 0: unpaced */
	uint8_t frames[BATCH][MAX_FRAME];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
};

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static unsigned frame_len(const struct sender *s, uint64_t seq)
{
	return s->fixed_len ? s->fixed_len : imix_pattern[seq % (sizeof(imix_pattern) / sizeof(imix_pattern[0]))];
}

static void prepare_frames(struct sender *s, const uint8_t dst[6], const uint8_t src[6])
{
	for (unsigned i = 0; i < BATCH; i++) {
		uint8_t *f = s->frames[i];

		memcpy(f, dst, 6);
		memcpy(f + 6, src, 6);
		f[12] = ETHERTYPE_LOCAL_EXP >> 8;
		f[13] = ETHERTYPE_LOCAL_EXP & 0xff;
		for (unsigned j = 22; j < MAX_FRAME; j++)
			f[j] = (uint8_t)(j * 7);
		s->iov[i].iov_base = f;
		s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
		s->msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

/* Stamps sequence numbers and lengths into the batch starting at seq. */
static void stamp_batch(struct sender *s, uint64_t seq, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t be_seq = htonl((uint32_t)(seq + i));
		uint32_t be_flow = htonl((uint32_t)((seq + i) % 16));

		memcpy(s->frames[i] + 14, &be_seq, 4);
		memcpy(s->frames[i] + 18, &be_flow, 4);
		s->iov[i].iov_len = frame_len(s, seq + i);
	}
}

static int open_socket(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int one = 1, sndbuf = 4 << 20;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int r = -errno;

		close(fd);
		return r ? r : -ENODEV;
	}
	/* A bigger send buffer only avoids ENOBUFS retries; best effort. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return fd;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps until frame seq is due at s->rate, counted from start. */
static void pace(const struct sender *s, const struct timespec *start, uint64_t seq)
{
	uint64_t due_ns = seq * 1000000000ull / s->rate;
	struct timespec t = {
		.tv_sec = start->tv_sec + (time_t)(due_ns / 1000000000ull),
		.tv_nsec = start->tv_nsec + (long)(due_ns % 1000000000ull),
	};

	if (t.tv_nsec >= 1000000000l) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000l;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static int send_all(struct sender *s, uint64_t *ret_bytes)
{
	uint64_t seq = 0, bytes = 0;
	struct timespec start;
	/* Paced: batches of about a millisecond's worth of frames. */
	unsigned batch = s->rate && s->rate < 1000u * BATCH ? (unsigned)(s->rate / 1000u) + 1u : BATCH;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (seq < s->count) {
		unsigned n = s->count - seq < batch ? (unsigned)(s->count - seq) : batch;
		int sent;

		if (s->rate)
			pace(s, &start, seq);

		stamp_batch(s, seq, n);
		sent = sendmmsg(s->fd, s->msgs, n, 0);
		if (sent < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < sent; i++)
			bytes += s->iov[i].iov_len;
		seq += (unsigned)sent;
	}
	*ret_bytes = bytes;
	return 0;
}

int main(int argc, char **argv)
{
	static struct sender s;
	uint8_t dst[6], src[6];
	uint64_t bytes = 0;
	double t0, t1;
	int r;

	if (argc < 6 || argc > 7 || parse_mac(argv[4], dst) || parse_mac(argv[5], src)) {
		fprintf(stderr, "usage: sender IFACE COUNT 60..1514|imix DST-MAC SRC-MAC [RATE]\n");
		return 2;
	}
	s.rate = argc == 7 ? strtoull(argv[6], NULL, 10) : 0;
	s.count = strtoull(argv[2], NULL, 10);
	s.fixed_len = strcmp(argv[3], "imix") == 0 ? 0 : (unsigned)atoi(argv[3]);
	if (s.fixed_len && (s.fixed_len < 60 || s.fixed_len > MAX_FRAME)) {
		fprintf(stderr, "sender: frame length %s: must be 60 to %d or imix\n", argv[3], MAX_FRAME);
		return 2;
	}
	s.fd = open_socket(argv[1]);
	if (s.fd < 0) {
		fprintf(stderr, "sender: %s: %s\n", argv[1], strerror(-s.fd));
		return 1;
	}
	prepare_frames(&s, dst, src);
	t0 = mono_s();
	r = send_all(&s, &bytes);
	t1 = mono_s();
	if (r < 0) {
		fprintf(stderr, "sender: sendmmsg: %s\n", strerror(-r));
		return 1;
	}
	printf("sent %" PRIu64 " frames %" PRIu64 " bytes in %.3f s\n", s.count, bytes, t1 - t0);
	return 0;
}
