/* SPDX-License-Identifier: MIT */
/*
 * test_engine_wire.c - the engine gives packets as they were on the wire
 * (root): direction (-Q in / out) on a veth and on lo, "any" with 802.1Q
 * frames and its SLL2 header, a tun (LINKTYPE_RAW) and a tun made to look
 * like PPP (cooked, SLL2), an ARPHRD the engine refuses, check_link
 * from another namespace, and which clock stamped each packet.
 *
 * DESIGN: rc_engine is driven directly, in the namespace itest_setup makes
 * (veth rc0 <-> rc1). Frames are sent with AF_PACKET out of either end, or
 * written to a tun's fd (which the kernel receives on the tun); each
 * carries a sequence number, so the test counts exactly the ones it sent
 * and ignores anything else the namespace says. A drain stops intake
 * first, so every packet the kernel took is in the blocks read after.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ringcap/engine.h>

#include "itest.h"

#define MAX_SEEN 64
#define SEQ_FROM_CAPTURE 1000u /* sent out of rc0 */
#define SEQ_FROM_SENDER 2000u  /* sent out of rc1, received on rc0 */

struct seen {
	uint8_t data[FRAME_MAX + 32];
	uint32_t caplen, origlen;
	uint8_t pkttype, ts_source;
};

struct capture {
	struct seen pkt[MAX_SEEN];
	size_t n;
	size_t other; /* packets that are not the test's */
};

static char last_log[512];

static void log_keep(void *ctx, enum rc_log_level level, const char *msg)
{
	(void)ctx;
	if (level == RC_LOG_ERROR)
		snprintf(last_log, sizeof(last_log), "%s", msg);
}

static struct rc_engine *open_engine(const char *ifname, enum rc_engine_direction dir)
{
	RC_OPTS(rc_engine_config, c, .ifname = ifname, .ring_size = 1u << 20,
		.block_size = 1u << 16, .block_timeout_ms = 10, .direction = dir,
		.log = log_keep);
	struct rc_engine *e = NULL;
	int r = rc_engine_open(&c, &e);

	if (r < 0)
		fail_msg("rc_engine_open(%s): %s (%s)", ifname, strerror(-r), last_log);
	return e;
}

/* Where the test's marker starts in a packet of this link type: the
 * EtherType 0x88b5 and "RCAP" after 12 bytes of MACs (Ethernet), or after
 * an SLL2 header whose protocol is 0x8100 and the TCI (any: the protocol
 * field holds the first EtherType, so the inner one follows the TCI).
 * -1: not a test frame. */
static long marker_at(const struct seen *s, uint16_t linktype)
{
	size_t at = 12;

	if (linktype == RC_LINKTYPE_LINUX_SLL2) {
		if (s->caplen < RC_SLL2_HDR_LEN || s->data[0] != 0x81 || s->data[1] != 0x00)
			return -1;
		at = RC_SLL2_HDR_LEN + 2;
	}
	return s->caplen >= at + 10 && memcmp(s->data + at, "\x88\xb5RCAP", 6) == 0 ? (long)at : -1;
}

static uint32_t seen_seq(const struct seen *s, uint16_t linktype)
{
	long at = marker_at(s, linktype);
	uint32_t be;

	memcpy(&be, s->data + at + 6, 4);
	return ntohl(be);
}

static void keep(struct capture *cap, const struct rc_packet *p, uint16_t linktype, bool all)
{
	struct seen *s = &cap->pkt[cap->n];

	s->caplen = p->caplen < sizeof(s->data) ? p->caplen : (uint32_t)sizeof(s->data);
	memcpy(s->data, p->data, s->caplen);
	s->origlen = p->origlen;
	s->pkttype = p->pkttype;
	s->ts_source = p->ts_source;
	if (!all && marker_at(s, linktype) < 0) {
		cap->other++;
		return;
	}
	assert_true(cap->n + 1 < MAX_SEEN);
	cap->n++;
}

/* Stops intake, then takes blocks until the ring has been quiet for ten
 * block timeouts: everything the kernel accepted is then in *cap. */
static void drain(struct rc_engine *e, struct capture *cap, bool all)
{
	uint16_t lt = rc_engine_linktype(e);
	int quiet = 0;

	memset(cap, 0, sizeof(*cap));
	assert_int_equal(rc_engine_stop_intake(e), 0);
	while (quiet < 10) {
		struct pollfd pfd[RC_ENGINE_POLLFDS];
		struct rc_block *b;
		struct rc_packet p;

		assert_int_equal(rc_engine_pollfds(e, pfd, RC_ENGINE_POLLFDS), RC_ENGINE_POLLFDS);
		(void)poll(pfd, RC_ENGINE_POLLFDS, 20);
		if (rc_engine_take_block(e, &b) != 1) {
			quiet++;
			continue;
		}
		quiet = 0;
		while (rc_block_next_packet(b, &p) == 1)
			keep(cap, &p, lt, all);
		rc_block_release(b);
	}
}

static void send_both_ways(unsigned n_out, unsigned n_in)
{
	struct frame *f = calloc(n_out + n_in, sizeof(*f));

	assert_non_null(f);
	for (unsigned i = 0; i < n_out; i++)
		frame_make(&f[i], DST_FOREIGN, 100 + i, SEQ_FROM_CAPTURE + i, 0, 0, 0, 0);
	for (unsigned i = 0; i < n_in; i++)
		frame_make(&f[n_out + i], DST_CAPTURE_HOST, 100 + i, SEQ_FROM_SENDER + i, 0, 0, 0, 0);
	assert_int_equal(frames_send("rc0", f, n_out), 0);
	assert_int_equal(frames_send("rc1", f + n_out, n_in), 0);
	free(f);
}

/* IN sees only what arrived, OUT only what was sent, INOUT both, each
 * frame exactly once. */
static void test_direction_veth(void **state)
{
	struct rc_engine *in, *out, *both;
	struct capture *cap = malloc(sizeof(*cap));
	size_t n_out = 0, n_in = 0;

	(void)state;
	assert_non_null(cap);
	in = open_engine("rc0", RC_ENGINE_DIRECTION_IN);
	out = open_engine("rc0", RC_ENGINE_DIRECTION_OUT);
	both = open_engine("rc0", RC_ENGINE_DIRECTION_INOUT);
	assert_int_equal(rc_engine_direction(in), RC_ENGINE_DIRECTION_IN);
	assert_int_equal(rc_engine_direction(out), RC_ENGINE_DIRECTION_OUT);
	send_both_ways(5, 7);

	drain(in, cap, false);
	assert_int_equal(cap->n, 7);
	for (size_t i = 0; i < cap->n; i++) {
		assert_int_equal(seen_seq(&cap->pkt[i], RC_LINKTYPE_ETHERNET), SEQ_FROM_SENDER + i);
		assert_int_equal(cap->pkt[i].pkttype, PACKET_HOST);
	}
	drain(out, cap, false);
	assert_int_equal(cap->n, 5);
	for (size_t i = 0; i < cap->n; i++) {
		assert_int_equal(seen_seq(&cap->pkt[i], RC_LINKTYPE_ETHERNET), SEQ_FROM_CAPTURE + i);
		assert_int_equal(cap->pkt[i].pkttype, PACKET_OUTGOING);
	}
	drain(both, cap, false);
	for (size_t i = 0; i < cap->n; i++) {
		bool outgoing = seen_seq(&cap->pkt[i], RC_LINKTYPE_ETHERNET) < SEQ_FROM_SENDER;

		assert_int_equal(cap->pkt[i].pkttype == PACKET_OUTGOING, outgoing);
		n_out += outgoing;
		n_in += !outgoing;
	}
	assert_int_equal(n_out, 5);
	assert_int_equal(n_in, 7);
	rc_engine_close(in);
	rc_engine_close(out);
	rc_engine_close(both);
	free(cap);
}

/* lo shows each frame twice, leaving and arriving: every direction keeps
 * one copy, and OUT keeps the leaving one. */
static void test_direction_loopback(void **state)
{
	static const enum rc_engine_direction dirs[] = {
		RC_ENGINE_DIRECTION_INOUT, RC_ENGINE_DIRECTION_IN, RC_ENGINE_DIRECTION_OUT,
	};
	struct rc_engine *e[3];
	struct capture *cap = malloc(sizeof(*cap));
	struct frame *f = calloc(4, sizeof(*f));

	(void)state;
	assert_non_null(cap);
	assert_non_null(f);
	for (int d = 0; d < 3; d++)
		e[d] = open_engine("lo", dirs[d]);
	for (unsigned i = 0; i < 4; i++)
		frame_make(&f[i], DST_FOREIGN, 80, SEQ_FROM_CAPTURE + i, 0, 0, 0, 0);
	assert_int_equal(frames_send("lo", f, 4), 0);
	for (int d = 0; d < 3; d++) {
		drain(e[d], cap, false);
		assert_int_equal(cap->n, 4);
		for (size_t i = 0; i < cap->n; i++) {
			assert_int_equal(seen_seq(&cap->pkt[i], RC_LINKTYPE_ETHERNET),
					 SEQ_FROM_CAPTURE + i);
			assert_int_equal(cap->pkt[i].pkttype == PACKET_OUTGOING,
					 dirs[d] == RC_ENGINE_DIRECTION_OUT);
		}
		rc_engine_close(e[d]);
	}
	free(f);
	free(cap);
}

/* What the veth does with an 802.1Q tag (found by experiment, kernel
 * 6.x): __netif_receive_skb_core untags every VLAN frame into the skb's
 * metadata before the packet taps run, 8021q module or not, so on rc0 the
 * tpacket header says TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID.
 * On rc1's way out the tag is still in the frame. Either way the engine's
 * SLL2 packet must be the frame minus its MAC addresses: the header with
 * protocol 0x8100, then TCI, inner type, payload. */
static void check_any_packet(const struct seen *s, const struct frame *f, int ifindex,
			     uint8_t pkttype)
{
	uint8_t hdr[RC_SLL2_HDR_LEN] = { 0x81, 0x00, 0, 0 };

	hdr[4] = (uint8_t)(ifindex >> 24);
	hdr[5] = (uint8_t)(ifindex >> 16);
	hdr[6] = (uint8_t)(ifindex >> 8);
	hdr[7] = (uint8_t)ifindex;
	hdr[9] = 1; /* ARPHRD_ETHER */
	hdr[10] = pkttype;
	hdr[11] = 6;
	memcpy(hdr + 12, netns_mac_sender, 6);
	/* The frame's TPID is the header's protocol field. */
	assert_int_equal(s->caplen, RC_SLL2_HDR_LEN + f->len - 14);
	assert_int_equal(s->origlen, s->caplen);
	assert_memory_equal(s->data, hdr, sizeof(hdr));
	assert_memory_equal(s->data + RC_SLL2_HDR_LEN, f->data + 14, f->len - 14);
}

static void test_any_vlan(void **state)
{
	struct rc_engine *e;
	struct capture *cap = malloc(sizeof(*cap));
	struct frame *f = calloc(3, sizeof(*f));
	int rc0 = (int)if_nametoindex("rc0"), rc1 = (int)if_nametoindex("rc1");
	size_t on_rc0 = 0, on_rc1 = 0;

	(void)state;
	assert_non_null(cap);
	assert_non_null(f);
	assert_int_equal(rc_engine_iface_linktype("any"), RC_LINKTYPE_LINUX_SLL2);
	e = open_engine("any", RC_ENGINE_DIRECTION_INOUT);
	assert_int_equal(rc_engine_linktype(e), RC_LINKTYPE_LINUX_SLL2);
	assert_int_equal(rc_engine_check_link(e), 0);
	for (unsigned i = 0; i < 3; i++)
		frame_make(&f[i], DST_CAPTURE_HOST, 64 + 500 * i, SEQ_FROM_SENDER + i, 0x8100,
			   (uint16_t)(0xa064 + i), 0, 0);
	assert_int_equal(frames_send("rc1", f, 3), 0);
	drain(e, cap, false);
	for (size_t i = 0; i < cap->n; i++) {
		const struct seen *s = &cap->pkt[i];
		int ifindex = s->data[4] << 24 | s->data[5] << 16 | s->data[6] << 8 | s->data[7];
		uint32_t k = seen_seq(s, RC_LINKTYPE_LINUX_SLL2) - SEQ_FROM_SENDER;

		assert_true(k < 3);
		if (ifindex == rc0) {
			assert_int_equal(k, on_rc0);
			check_any_packet(s, &f[k], rc0, PACKET_HOST);
			on_rc0++;
		} else {
			assert_int_equal(ifindex, rc1);
			check_any_packet(s, &f[k], rc1, PACKET_OUTGOING);
			on_rc1++;
		}
	}
	assert_int_equal(on_rc0, 3);
	assert_int_equal(on_rc1, 3);
	rc_engine_close(e);
	free(f);
	free(cap);
}

/* A tun the test holds open (so it has carrier), with the given ARPHRD
 * (TUNSETLINK works while it is down). Returns the fd. */
static int tun_make(const char *name, int arphrd)
{
	/* With packet information (no IFF_NO_PI) the writer names the
	 * protocol, which a CAN frame needs. */
	struct ifreq ifr = { .ifr_flags = (short)(IFF_TUN | (arphrd == 280 ? 0 : IFF_NO_PI)) };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail_msg("/dev/net/tun: %s (CONFIG_TUN?)", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	if (arphrd >= 0)
		assert_int_equal(ioctl(fd, TUNSETLINK, (unsigned long)arphrd), 0);
	assert_int_equal(netns_sh("ip link set %s up", name), 0);
	return fd;
}

/* IPv4/UDP 198.18.7.1 -> 198.18.7.2, with the test's marker as payload. */
static size_t ip_packet(uint8_t *p, uint32_t seq)
{
	static const uint8_t hdr[28] = {
		0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 17, 0, 0, 198, 18, 7, 1, 198, 18, 7, 2,
		0x30, 0x39, 0, 9, 0, 20, 0, 0,
	};
	uint32_t sum = 0, be = htonl(seq);

	memcpy(p, hdr, sizeof(hdr));
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p[10] = (uint8_t)(~sum >> 8);
	p[11] = (uint8_t)~sum;
	memcpy(p + 28, "\x88\xb5RCAP", 6);
	memcpy(p + 34, &be, 4);
	memset(p + 38, 0x5a, 2);
	return 40;
}

/* What the tun's reader writes, the kernel receives on the tun: on an
 * ARPHRD_NONE device the packet socket's bytes are the IP packet. */
static void test_tun_is_raw(void **state)
{
	int fd = tun_make("rctun0", -1);
	struct capture *cap = malloc(sizeof(*cap));
	uint8_t pkt[64];
	size_t len = ip_packet(pkt, 7);
	struct rc_engine *e;

	(void)state;
	assert_non_null(cap);
	assert_int_equal(rc_engine_iface_linktype("rctun0"), RC_LINKTYPE_RAW);
	e = open_engine("rctun0", RC_ENGINE_DIRECTION_INOUT);
	assert_int_equal(rc_engine_linktype(e), RC_LINKTYPE_RAW);
	assert_int_equal(write(fd, pkt, len), (ssize_t)len);
	drain(e, cap, true);
	assert_int_equal(cap->n, 1);
	assert_int_equal(cap->pkt[0].caplen, len);
	assert_int_equal(cap->pkt[0].pkttype, PACKET_HOST);
	assert_memory_equal(cap->pkt[0].data, pkt, len);
	rc_engine_close(e);
	close(fd);
	free(cap);
}

/* A PPP device (a tun made to say ARPHRD_PPP) is read cooked: SLL2 header
 * with protocol IPv4, hatype 512, no address, then the IP packet. */
static void test_ppp_is_cooked(void **state)
{
	static const uint8_t hdr[RC_SLL2_HDR_LEN - 8] = {
		0x08, 0x00, 0, 0, 0, 0, 0, 0, 0x02, 0x00, PACKET_HOST, 0,
	};
	int fd = tun_make("rcppp0", 512), ifindex = (int)if_nametoindex("rcppp0");
	struct capture *cap = malloc(sizeof(*cap));
	uint8_t pkt[64], want_hdr[RC_SLL2_HDR_LEN] = { 0 };
	size_t len = ip_packet(pkt, 8);
	struct rc_engine *e;

	(void)state;
	assert_non_null(cap);
	memcpy(want_hdr, hdr, sizeof(hdr));
	want_hdr[6] = (uint8_t)(ifindex >> 8);
	want_hdr[7] = (uint8_t)ifindex;
	assert_int_equal(rc_engine_iface_linktype("rcppp0"), RC_LINKTYPE_LINUX_SLL2);
	e = open_engine("rcppp0", RC_ENGINE_DIRECTION_INOUT);
	assert_int_equal(write(fd, pkt, len), (ssize_t)len);
	drain(e, cap, true);
	assert_int_equal(cap->n, 1);
	assert_int_equal(cap->pkt[0].caplen, RC_SLL2_HDR_LEN + len);
	assert_memory_equal(cap->pkt[0].data, want_hdr, RC_SLL2_HDR_LEN);
	assert_memory_equal(cap->pkt[0].data + RC_SLL2_HDR_LEN, pkt, len);
	rc_engine_close(e);
	close(fd);
	free(cap);
}

/* An ARPHRD without a link type: refused, and the message says which. */
static void test_unknown_arphrd_refused(void **state)
{
	int fd = tun_make("rcnl0", 824);
	RC_OPTS(rc_engine_config, c, .ifname = "rcnl0", .log = log_keep);
	struct rc_engine *e = NULL;

	(void)state;
	assert_int_equal(rc_engine_iface_linktype("rcnl0"), -EPROTONOSUPPORT);
	last_log[0] = 0;
	assert_int_equal(rc_engine_open(&c, &e), -EPROTONOSUPPORT);
	assert_null(e);
	assert_string_equal(last_log, "rcnl0: ARPHRD 824 (NETLINK) has no link type ringcap knows");
	close(fd);
}

/* A CAN device (a tun set to ARPHRD_CAN, fed ETH_P_CAN frames): the
 * engine gives LINKTYPE_CAN_SOCKETCAN, the CAN id big-endian. */
static void test_can_socketcan(void **state)
{
	static const uint8_t want[16] = {
		0x80, 0x00, 0x01, 0x23, 8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
	};
	int fd = tun_make("rccan0", 280);
	uint8_t pkt[4 + 16] = { 0, 0, 0x00, 0x0c }; /* tun_pi: ETH_P_CAN */
	uint32_t id = 0x80000123;                   /* extended frame, host order */
	struct capture *cap = malloc(sizeof(*cap));
	struct rc_engine *e;

	(void)state;
	assert_non_null(cap);
	memcpy(pkt + 4, &id, 4);
	memcpy(pkt + 8, "\x08\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08", 12);
	assert_int_equal(rc_engine_iface_linktype("rccan0"), RC_LINKTYPE_CAN_SOCKETCAN);
	e = open_engine("rccan0", RC_ENGINE_DIRECTION_INOUT);
	assert_int_equal(write(fd, pkt, sizeof(pkt)), (ssize_t)sizeof(pkt));
	drain(e, cap, true);
	assert_int_equal(cap->n, 1);
	assert_int_equal(cap->pkt[0].caplen, 16);
	assert_memory_equal(cap->pkt[0].data, want, 16);
	rc_engine_close(e);
	close(fd);
	free(cap);
}

/* Opened here, checked from a thread in another namespace: the engine
 * asks through its own socket, so it still finds rc0, and sees it go
 * down. */
static void test_check_link_other_netns(void **state)
{
	struct rc_engine *e = open_engine("rc0", RC_ENGINE_DIRECTION_INOUT);
	int here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(here >= 0);
	assert_int_equal(unshare(CLONE_NEWNET), 0); /* a namespace with no rc0 */
	assert_int_equal(rc_engine_check_link(e), 0);
	assert_int_equal(setns(here, CLONE_NEWNET), 0);
	assert_int_equal(netns_sh("ip link set rc0 down"), 0);
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	assert_int_equal(rc_engine_check_link(e), RC_ENGINE_IFACE_DOWN);
	assert_int_equal(setns(here, CLONE_NEWNET), 0);
	close(here);
	rc_engine_close(e);
}

/* A veth has no hardware clock: asked for adapter stamps, the engine
 * still delivers every packet, and ts_source tells the caller which
 * clock each one has, the kernel's, as with host stamps. The kernel only
 * stamps skbs at receive while some socket wants it (net_enable_timestamp,
 * here through SO_TIMESTAMPNS); without, tpacket_rcv reads the clock
 * itself and says nothing (RC_TS_SOURCE_UNKNOWN). */
static void test_tstamp_source(void **state)
{
	static const enum rc_tstamp_type types[] = {
		RC_TSTAMP_HOST, RC_TSTAMP_ADAPTER, RC_TSTAMP_ADAPTER_UNSYNCED,
	};
	struct capture *cap = malloc(sizeof(*cap));
	struct rc_engine *e[3];
	struct frame f;
	int stamper = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

	(void)state;
	assert_non_null(cap);
	for (int t = 0; t < 3; t++) {
		RC_OPTS(rc_engine_config, c, .ifname = "rc0", .ring_size = 1u << 20,
			.block_size = 1u << 16, .block_timeout_ms = 10, .tstamp = types[t]);

		assert_int_equal(rc_engine_open(&c, &e[t]), 0);
	}
	frame_make(&f, DST_CAPTURE_HOST, 60, SEQ_FROM_SENDER, 0, 0, 0, 0);
	assert_int_equal(frames_send("rc1", &f, 1), 0);
	assert_true(stamper >= 0);
	assert_int_equal(setsockopt(stamper, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)), 0);
	usleep(100000); /* the static key flips from a work item */
	frame_make(&f, DST_CAPTURE_HOST, 60, SEQ_FROM_SENDER + 1, 0, 0, 0, 0);
	assert_int_equal(frames_send("rc1", &f, 1), 0);
	for (int t = 0; t < 3; t++) {
		drain(e[t], cap, false);
		assert_int_equal(cap->n, 2);
		assert_true(cap->pkt[0].ts_source != RC_TS_SOURCE_HARDWARE);
		assert_int_equal(cap->pkt[1].ts_source, RC_TS_SOURCE_SOFTWARE);
		rc_engine_close(e[t]);
	}
	close(stamper);
	free(cap);
}

#define WIRE_TEST(f) cmocka_unit_test_setup_teardown(f, itest_setup, itest_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		WIRE_TEST(test_direction_veth),
		WIRE_TEST(test_direction_loopback),
		WIRE_TEST(test_any_vlan),
		WIRE_TEST(test_tun_is_raw),
		WIRE_TEST(test_ppp_is_cooked),
		WIRE_TEST(test_unknown_arphrd_refused),
		WIRE_TEST(test_can_socketcan),
		WIRE_TEST(test_check_link_other_netns),
		WIRE_TEST(test_tstamp_source),
	};

	return itest_main("engine_wire", tests, sizeof(tests) / sizeof(tests[0]));
}
