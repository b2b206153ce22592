/* SPDX-License-Identifier: MIT */
/*
 * test_filter_linktype.c - the compiler on Linux cooked (SLL2, SLL) and
 * raw IP framing, judged by libpcap, and cooked programs rewritten for
 * the kernel's view of a SOCK_DGRAM socket.
 *
 * DESIGN: libpcap is the specification. For every link type the test
 * writes a pcap file with no packets and that link type, and asks
 * "tcpdump -dd -r FILE EXPR" for libpcap's program (tcpdump compiles for
 * the savefile's link type). Both programs then run, in ringcap's
 * interpreter, over a corpus of packets built here byte by byte with that
 * framing (IPv4/IPv6 TCP, UDP, ICMP, GRE, SCTP, fragments, ARP, IP
 * options, 802.2 and 802.3 on the cooked links, outgoing and incoming,
 * two interfaces), and must agree on every packet. What libpcap refuses,
 * ringcap must refuse with a message naming the link type. Every SLL2 and
 * SLL program, ringcap's and libpcap's, also goes through
 * rc_filter_cooked_for_kernel and runs over the same packets without
 * their cooked header, the header's fields handed over as the kernel's
 * ancillary data: the verdicts must not change. Last, libpcap's whole
 * accept list (tests/data/filter/accept.tsv) on each link type: refused
 * by both, or the same verdicts. No tcpdump is a skip on a laptop and a
 * failure under CI=true.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/filter.h>
#include <sys/wait.h>
#include <unistd.h>
#include <ringcap/filter.h>

#define PKT_MAX 320
#define CORPUS_MAX 1024
#define ARPHRD_ETHER 1
#define ARPHRD_NONE 65534
#define PACKET_HOST 0
#define PACKET_BROADCAST 1
#define PACKET_OUTGOING 4

/* ---- packets ---- */

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
};

struct corpus {
	struct pkt p[CORPUS_MAX];
	unsigned n;
};

static const uint8_t addr4[][4] = {
	{ 10, 0, 0, 1 }, { 10, 0, 0, 2 }, { 192, 168, 1, 5 }, { 8, 8, 8, 8 }, { 224, 0, 0, 251 },
};
static const uint8_t addr6[][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
	{ 0xfe, 0x80, [15] = 1 }, { 0xff, 0x02, [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x99 },
};
/* (source, destination) indexes into the tables above */
static const int pairs[][2] = { { 0, 1 }, { 1, 0 }, { 2, 3 }, { 3, 4 } };
#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The transport header for proto at p; returns its length. */
static uint32_t put_l4(uint8_t *p, uint8_t proto, int variant)
{
	static const uint16_t ports[][2] = { { 1234, 80 }, { 53, 40000 } };
	static const uint8_t tcp_flags[] = { 0x02, 0x12 }; /* SYN, SYN|ACK */

	switch (proto) {
	case 6:
		put16(p, ports[variant][0]);
		put16(p + 2, ports[variant][1]);
		p[12] = 0x50;
		p[13] = tcp_flags[variant];
		return 20;
	case 17:
	case 132:
		put16(p, ports[variant][1]);
		put16(p + 2, ports[variant][0]);
		return proto == 17 ? 8 : 12;
	case 47:
		put16(p + 2, 0x0800);
		return 4;
	default: /* ICMP, ICMPv6: echo request or reply */
		p[0] = (uint8_t)(proto == 1 ? (variant ? 0 : 8) : (variant ? 129 : 128));
		return 8;
	}
}

/* IPv4: frag 0 (whole), 0x2000 (first fragment) or 0x00b9 (a later one);
 * options adds 4 bytes of header. */
static uint32_t put_ip4(uint8_t *p, uint8_t proto, const int *pair, int variant,
			uint16_t frag, bool options, uint32_t pad)
{
	uint32_t hl = options ? 24 : 20, len = hl + put_l4(p + hl, proto, variant) + pad;

	p[0] = (uint8_t)(0x40 | hl / 4);
	put16(p + 2, len);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, addr4[pair[0]], 4);
	memcpy(p + 16, addr4[pair[1]], 4);
	return len;
}

/* IPv6, optionally with a fragment header in front of the transport. */
static uint32_t put_ip6(uint8_t *p, uint8_t proto, const int *pair, int variant, bool frag,
			uint32_t pad)
{
	uint32_t hl = frag ? 48 : 40, len = hl + put_l4(p + hl, proto, variant) + pad;

	p[0] = 0x60;
	put16(p + 4, len - 40);
	p[6] = frag ? 44 : proto;
	p[7] = 64;
	memcpy(p + 8, addr6[pair[0]], 16);
	memcpy(p + 24, addr6[pair[1]], 16);
	if (frag)
		p[40] = proto;
	return len;
}

static uint32_t put_arp(uint8_t *p, const int *pair, int op)
{
	static const uint8_t head[] = { 0, 1, 8, 0, 6, 4, 0 };

	memcpy(p, head, sizeof(head));
	p[7] = (uint8_t)op;
	memset(p + 8, 0x02, 6);
	memcpy(p + 14, addr4[pair[0]], 4);
	memcpy(p + 24, addr4[pair[1]], 4);
	return 28;
}

struct netpkt {
	uint16_t type; /* ethertype */
	uint8_t b[PKT_MAX - 24];
	uint32_t len;
};

/* Frames that are not Ethernet II, as Linux cooked headers name them:
 * 802.2 LLC (STP, OSI CLNP and IS-IS, IPX, NetBEUI, SNAP AppleTalk and
 * IPX) and raw 802.3 (Novell IPX). */
static void each_llc(void (*f)(void *, const struct netpkt *), void *ctx)
{
	static const struct { uint16_t type; uint8_t head[8]; } llc[] = {
		{ 0x0004, { 0x42, 0x42, 0x03 } },
		{ 0x0004, { 0xfe, 0xfe, 0x03, 0x81 } },
		{ 0x0004, { 0xfe, 0xfe, 0x03, 0x83, 0, 0, 0, 0x0f } },
		{ 0x0004, { 0xe0, 0xe0, 0x03, 0xff, 0xff } },
		{ 0x0004, { 0xf0, 0xf0, 0x03 } },
		{ 0x0004, { 0x06, 0x06, 0x03, 0x45 } },
		{ 0x0004, { 0xaa, 0xaa, 0x03, 0x08, 0x00, 0x07, 0x80, 0x9b } },
		{ 0x0004, { 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x81, 0x37 } },
		{ 0x0001, { 0xff, 0xff, 0x00, 0x20 } },
		{ 0x8137, { 0xff, 0xff, 0x00, 0x20 } },
		{ 0x809b, { 0 } }, { 0x80f3, { 0 } }, { 0x6003, { 0x81, 0x02 } },
	};

	for (size_t i = 0; i < sizeof(llc) / sizeof(llc[0]); i++) {
		struct netpkt n = { .type = llc[i].type, .len = 46 };

		memcpy(n.b, llc[i].head, sizeof(llc[i].head));
		f(ctx, &n);
	}
}

/* Beside IP and ARP: PPPoE discovery, a PPPoE session carrying IPv4/UDP
 * (session 0x1234), and LLDP, which no expression here names. */
static void each_other(void (*f)(void *, const struct netpkt *), void *ctx)
{
	struct netpkt n = { .type = 0x8863, .len = 20 };

	each_llc(f, ctx);
	f(ctx, &n);
	n.type = 0x8864;
	n.b[0] = 0x11;
	put16(n.b + 2, 0x1234);
	put16(n.b + 6, 0x0021);
	n.len = 8 + put_ip4(n.b + 8, 17, pairs[0], 1, 0, false, 0);
	put16(n.b + 4, n.len - 6);
	f(ctx, &n);
	n.type = 0x88cc;
	n.len = 60;
	memset(n.b, 0x5a, sizeof(n.b));
	f(ctx, &n);
}

/* Every network-layer packet the corpus frames; f(ctx, packet) for each. */
static void each_netpkt(void (*f)(void *, const struct netpkt *), void *ctx)
{
	static const uint8_t protos4[] = { 6, 17, 1, 47, 132 };
	static const uint8_t protos6[] = { 6, 17, 58 };
	static const uint16_t frags[] = { 0, 0x2000, 0x00b9 };

	for (unsigned pr = 0; pr < NPAIRS; pr++)
		for (int v = 0; v < 2; v++)
			for (uint32_t pad = 0; pad <= 120; pad += 120) {
				struct netpkt n = { .type = 0x0800 };

				for (size_t i = 0; i < sizeof(protos4); i++) {
					for (size_t fr = 0; fr < 3; fr++) {
						memset(n.b, 0, sizeof(n.b));
						n.len = put_ip4(n.b, protos4[i], pairs[pr], v, frags[fr],
								false, pad);
						f(ctx, &n);
					}
				}
				n.type = 0x86dd;
				for (size_t i = 0; i < sizeof(protos6) + 1; i++) {
					bool frag = i == sizeof(protos6);

					memset(n.b, 0, sizeof(n.b));
					n.len = put_ip6(n.b, frag ? 17 : protos6[i], pairs[pr], v, frag, pad);
					f(ctx, &n);
				}
				n.type = 0x0800;
				memset(n.b, 0, sizeof(n.b));
				n.len = put_ip4(n.b, 6, pairs[pr], v, 0, true, pad);
				f(ctx, &n);
				n.type = v ? 0x8035 : 0x0806;
				memset(n.b, 0, sizeof(n.b));
				n.len = put_arp(n.b, pairs[pr], 1 + v);
				f(ctx, &n);
			}
	each_other(f, ctx);
}

struct framing {
	struct corpus *c;
	uint32_t linktype;
	unsigned seq;
};

static void add_pkt(struct corpus *c, const uint8_t *hdr, uint32_t hlen, const struct netpkt *n)
{
	struct pkt *p;

	assert_true(c->n < CORPUS_MAX);
	p = &c->p[c->n++];
	if (hlen) /* raw IP has no header: hdr is NULL then */
		memcpy(p->b, hdr, hlen);
	memcpy(p->b + hlen, n->b, n->len);
	p->len = hlen + n->len;
}

/* SLL2 (LINKTYPE_LINUX_SLL2): every packet twice, as sent and as
 * received, on one of two interfaces, from an Ethernet or a tun device.
 * libpcap's SLL2 code compares the protocol field with an LLC SAP as it
 * is ("stp" is protocol 0x0042), so each 802.2 frame also comes labelled
 * with its DSAP, which makes those programs testable. */
static void frame_sll2(struct framing *fr, const struct netpkt *n)
{
	for (int dir = 0; dir < 3; dir++) {
		uint8_t h[20] = { 0 };
		unsigned s = fr->seq++;

		if (dir == 2 && n->type != 0x0004)
			break;
		put16(h, dir == 2 ? n->b[0] : n->type);
		h[7] = (uint8_t)(2 + s / 2 % 2);                  /* ifindex */
		put16(h + 8, s % 3 ? ARPHRD_ETHER : ARPHRD_NONE);
		h[10] = dir == 1 ? PACKET_OUTGOING : s % 5 ? PACKET_HOST : PACKET_BROADCAST;
		h[11] = 6;
		memset(h + 12, (int)(s & 0xff), 6);
		add_pkt(fr->c, h, sizeof(h), n);
	}
}

/* SLL (LINKTYPE_LINUX_SLL): packet type, ARPHRD type, address length,
 * address, protocol; sent and received as for SLL2. */
static void frame_sll(struct framing *fr, const struct netpkt *n)
{
	for (int dir = 0; dir < 2; dir++) {
		uint8_t h[16] = { 0 };
		unsigned s = fr->seq++;

		put16(h, dir ? PACKET_OUTGOING : s % 5 ? PACKET_HOST : PACKET_BROADCAST);
		put16(h + 2, s % 3 ? ARPHRD_ETHER : ARPHRD_NONE);
		put16(h + 4, 6);
		memset(h + 6, (int)(s & 0xff), 6);
		put16(h + 14, n->type);
		add_pkt(fr->c, h, sizeof(h), n);
	}
}

static void frame(void *ctx, const struct netpkt *n)
{
	struct framing *fr = ctx;

	switch (fr->linktype) {
	case RC_LINKTYPE_LINUX_SLL2:
		frame_sll2(fr, n);
		return;
	case RC_LINKTYPE_LINUX_SLL:
		frame_sll(fr, n);
		return;
	case RC_LINKTYPE_RAW:
		if (n->type == 0x0800 || n->type == 0x86dd)
			add_pkt(fr->c, NULL, 0, n);
		else if (n->type == 0x88cc)
			add_pkt(fr->c, NULL, 0, n); /* version nibble 5: neither */
		return;
	default: /* LINKTYPE_IPV4, LINKTYPE_IPV6: only their own */
		if (n->type == (fr->linktype == RC_LINKTYPE_IPV4 ? 0x0800 : 0x86dd))
			add_pkt(fr->c, NULL, 0, n);
		return;
	}
}

static void corpus_build(struct corpus *c, uint32_t linktype)
{
	struct framing fr = { c, linktype, 0 };

	c->n = 0;
	each_netpkt(frame, &fr);
}

/* ---- libpcap, through tcpdump ---- */

static bool have_tcpdump(void)
{
	static int known = -1;

	if (known < 0)
		known = system("command -v tcpdump >/dev/null 2>&1") == 0;
	if (!known && getenv("CI") && strcmp(getenv("CI"), "true") == 0)
		fail_msg("tcpdump is not installed (scripts/install-deps installs it)");
	return known;
}

/* A pcap file with no packets, only the link type tcpdump compiles for. */
static void write_pcap(const char *path, uint32_t linktype)
{
	uint32_t h[6] = { 0xa1b2c3d4, 2 | 4u << 16, 0, 0, 262144, linktype };
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(h, sizeof(h), 1, f), 1);
	assert_int_equal(fclose(f), 0);
}

/* libpcap's program for expr on the file's link type: its length, or 0
 * when libpcap refuses the expression. */
static size_t libpcap_compile(const char *pcap, const char *expr, struct sock_filter *out,
			      size_t max)
{
	int fds[2], status;
	pid_t pid;
	FILE *f;
	char line[128];
	size_t n = 0;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		if (!freopen("/dev/null", "w", stderr))
			_exit(126);
		close(fds[0]);
		close(fds[1]);
		execlp("tcpdump", "tcpdump", "-dd", "-r", pcap, expr, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned c, jt, jf, k;

		if (n < max && sscanf(line, "{ %x, %u, %u, %x }", &c, &jt, &jf, &k) == 4)
			out[n++] = (struct sock_filter){ (uint16_t)c, (uint8_t)jt, (uint8_t)jf, k };
	}
	fclose(f);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 127);
	return WEXITSTATUS(status) == 0 ? n : 0;
}

/* ---- running programs ---- */

static int compile_for(const char *expr, uint32_t linktype, bool live, struct rc_filter **ret,
		       struct rc_filter_error *err)
{
	struct rc_filter_config c = { .sz = sizeof(c), .linktype = linktype, .linux_ext = live };

	return rc_filter_compile(expr, &c, ret, err);
}

static bool verdict(const struct sock_filter *p, size_t n, const struct pkt *pk)
{
	struct rc_filter_aux aux = { .wire_len = pk->len };

	return rc_filter_run(p, n, pk->b, pk->len, &aux) != 0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The kernel's view of a cooked packet: no header, its fields as metadata. */
static bool verdict_kernel(uint32_t linktype, const struct sock_filter *p, size_t n,
			   const struct pkt *pk)
{
	const uint8_t *h = pk->b;
	bool v2 = linktype == RC_LINKTYPE_LINUX_SLL2;
	uint32_t hl = v2 ? RC_SLL2_HDR_LEN : 16;
	struct rc_filter_aux aux = {
		.wire_len = pk->len - hl,
		.protocol = get16(h + (v2 ? 0 : 14)),
		.ifindex = v2 ? (uint32_t)get16(h + 4) << 16 | get16(h + 6) : 0,
		.hatype = get16(h + (v2 ? 8 : 2)),
		.pkttype = v2 ? h[10] : h[1],
	};

	return rc_filter_run(p, n, pk->b + hl, pk->len - hl, &aux) != 0;
}

/* Index of the first packet the two programs disagree on, or -1; b runs
 * in the kernel's view of cooked link type b_kernel, if not 0. */
static int first_disagreement(const struct corpus *c, const struct sock_filter *a, size_t na,
			      const struct sock_filter *b, size_t nb, uint32_t b_kernel)
{
	for (unsigned i = 0; i < c->n; i++) {
		bool vb = b_kernel ? verdict_kernel(b_kernel, b, nb, &c->p[i])
				   : verdict(b, nb, &c->p[i]);

		if (verdict(a, na, &c->p[i]) != vb)
			return (int)i;
	}
	return -1;
}

/* Both programs accept something and reject something: an expression
 * the corpus cannot tell apart from "true" or "false" tests nothing. */
static bool discriminates(const struct corpus *c, const struct sock_filter *p, size_t n)
{
	unsigned yes = 0;

	for (unsigned i = 0; i < c->n; i++)
		yes += verdict(p, n, &c->p[i]);
	return yes > 0 && yes < c->n;
}

/* ---- the tables ---- */

/* On IP over any of the link types. No "protochain": libpcap's loops
 * backwards, which neither the kernel nor ringcap's interpreter runs. */
static const char *const ip_exprs[] = {
	"ip", "ip6", "tcp", "udp", "icmp", "icmp6", "sctp", "ip proto 47", "ip6 proto 17",
	"proto 17", "host 10.0.0.1", "src host 10.0.0.1", "dst host 10.0.0.2",
	"ip host 192.168.1.5", "host 2001:db8::1", "ip6 src host fe80::1",
	"net 10.0.0.0/8", "src net 192.168.1.0/24", "src net 2001:db8::/32", "port 53",
	"tcp port 80", "udp port 53", "src port 1234", "dst port 40000", "portrange 1-1024",
	"tcp dst portrange 80-443", "udp portrange 50-60", "tcp[tcpflags] & tcp-syn != 0",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", "tcp[13] & 2 != 0",
	"icmp[icmptype] = icmp-echo", "icmp6[0] = 129", "ip[6:2] & 0x1fff != 0",
	"ip[0] & 0xf > 5", "ip[2:2] > 60", "ip6[6] = 58", "ip6 and udp port 53",
	"len > 100", "less 60", "greater 100", "not ip", "ip and not tcp", "tcp or udp",
	"(tcp port 80 or udp port 53) and host 10.0.0.1", "not (ip6 or icmp)",
	"ip multicast", "ip6 multicast",
	"ip[ip[0] & 0xf] = 0", "udp[2:2] = 53 and not src net 192.168.0.0/16",
	"host 8.8.8.8 or host ff02::1", "ether proto 0x0800", "ether proto \\ip6",
};

/* On SLL2 only: its header and the protocols beside IP. Not "clnp",
 * "isis" or "iso proto": on cooked links libpcap reads the NLPID where
 * the LLC header starts (its off_nl_nosnap is 0), and so does ringcap,
 * which matches no real frame, so the corpus cannot test them. */
static const char *const sll2_exprs[] = {
	"arp", "rarp", "arp host 10.0.0.2", "host 10.0.0.1 and not arp", "inbound",
	"outbound", "ifindex 3", "inbound and tcp", "outbound or arp",
	"not inbound and ifindex 2", "ether[0:2] = 0x0806", "link[10] = 4",
	"ether[12:4] = 0x03030303", "ether[8:2] = 65534", "ether proto 0x88cc",
	"len >= 80 and inbound", "pppoes", "pppoed", "pppoes 0x1234 and udp port 53",
	"pppoes and host 10.0.0.2", "ip or pppoes and ip", "stp", "iso", "ipx", "netbeui",
	"atalk", "aarp", "decnet", "ether proto 0x0004", "ether proto 0x8137",
};

/* On SLL (v1): its header (no interface in a file) and 802.2. */
static const char *const sll_exprs[] = {
	"arp", "rarp", "arp host 10.0.0.2", "inbound", "outbound", "inbound and tcp",
	"outbound or arp", "link[0:2] = 4", "ether[6:4] = 0x03030303", "ether[2:2] = 65534",
	"ether proto 0x88cc", "len >= 80 and inbound", "pppoes", "pppoed",
	"pppoes 0x1234 and udp port 53", "stp", "iso", "ipx", "netbeui", "atalk", "aarp",
	"decnet", "ether proto 6", "not stp and not ip", "ether proto 0x8137", "ipx and not stp",
};

struct linktype_case {
	uint32_t linktype;
	const char *name;  /* what the refusal messages must name */
	const char *const *extra;
	size_t nextra;
	bool all_compile;  /* the tables are written for it: libpcap must compile them */
};

static const struct linktype_case cases[] = {
	{ RC_LINKTYPE_LINUX_SLL2, "LINKTYPE_LINUX_SLL2", sll2_exprs,
	  sizeof(sll2_exprs) / sizeof(sll2_exprs[0]), true },
	{ RC_LINKTYPE_LINUX_SLL, "LINKTYPE_LINUX_SLL", sll_exprs,
	  sizeof(sll_exprs) / sizeof(sll_exprs[0]), true },
	{ RC_LINKTYPE_RAW, "LINKTYPE_RAW", NULL, 0, true },
	{ RC_LINKTYPE_IPV4, "LINKTYPE_IPV4", NULL, 0, false },
	{ RC_LINKTYPE_IPV6, "LINKTYPE_IPV6", NULL, 0, false },
};

static const char *case_name(uint32_t linktype)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].linktype == linktype)
			return cases[i].name;
	fail_msg("no case for link type %u", linktype);
	return NULL;
}

struct tally {
	unsigned same, refused_both, kernel, kernel_unsupported;
};

/* ringcap's cooked program and libpcap's, rewritten for the kernel, give
 * the file's verdicts on the packets without their header; the address
 * bytes are the one thing that cannot be rewritten. */
static void check_kernel_view(const struct corpus *c, uint32_t linktype, const char *expr,
			      const struct sock_filter *p, size_t n, struct tally *t)
{
	struct sock_filter *k;
	size_t nk;
	int r = rc_filter_cooked_for_kernel(p, n, linktype, &k, &nk);
	int bad;

	if (strstr(expr, linktype == RC_LINKTYPE_LINUX_SLL2 ? "ether[12:4]" : "ether[6:4]")) {
		assert_int_equal(r, -EOPNOTSUPP);
		t->kernel_unsupported++;
		return;
	}
	if (r != 0)
		fail_msg("'%s': rc_filter_cooked_for_kernel returned %d", expr, r);
	assert_int_equal(rc_filter_check(k, nk, NULL), 0);
	assert_int_equal(rc_filter_probe_attach(k, nk), 0); /* the kernel's own word */
	bad = first_disagreement(c, p, n, k, nk, linktype);
	if (bad >= 0)
		fail_msg("'%s': the kernel's view disagrees on packet %d", expr, bad);
	free(k);
	t->kernel++;
}

static void check_expr(const struct linktype_case *lc, const struct corpus *c, const char *pcap,
		       const char *expr, struct tally *t)
{
	static struct sock_filter theirs[BPF_MAXINSNS];
	const struct sock_filter *ours;
	struct rc_filter_error err;
	struct rc_filter *f = NULL;
	size_t nt = libpcap_compile(pcap, expr, theirs, BPF_MAXINSNS), no;
	int r = compile_for(expr, lc->linktype, false, &f, &err), bad;

	if (!nt) {
		if (lc->all_compile)
			fail_msg("%s: libpcap refuses '%s': the table is wrong", lc->name, expr);
		if (r == 0)
			fail_msg("%s: libpcap refuses '%s', ringcap compiles it", lc->name, expr);
		t->refused_both++;
		return;
	}
	if (r != 0)
		fail_msg("%s: '%s' does not compile: %s", lc->name, expr, err.message);
	ours = rc_filter_insns(f, &no);
	assert_true(no <= RC_FILTER_MAX_INSNS);
	bad = first_disagreement(c, ours, no, theirs, nt, 0);
	if (bad >= 0)
		fail_msg("%s: '%s': packet %d: ringcap %s, libpcap does not", lc->name, expr, bad,
			 verdict(ours, no, &c->p[bad]) ? "accepts" : "rejects");
	if (lc->all_compile && !discriminates(c, ours, no))
		fail_msg("%s: '%s' matches all or none of the corpus", lc->name, expr);
	t->same++;
	if (lc->linktype == RC_LINKTYPE_LINUX_SLL2 || lc->linktype == RC_LINKTYPE_LINUX_SLL) {
		check_kernel_view(c, lc->linktype, expr, ours, no, t);
		check_kernel_view(c, lc->linktype, expr, theirs, nt, t);
	}
	rc_filter_free(f);
}

static void test_same_as_libpcap(void **state)
{
	static struct corpus c;
	char dir[] = "/tmp/rc-linktype-XXXXXX", pcap[64];

	(void)state;
	if (!have_tcpdump())
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(pcap, sizeof(pcap), "%s/lt.pcap", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct linktype_case *lc = &cases[i];
		struct tally t = { 0 };

		write_pcap(pcap, lc->linktype);
		corpus_build(&c, lc->linktype);
		for (size_t e = 0; e < sizeof(ip_exprs) / sizeof(ip_exprs[0]); e++)
			check_expr(lc, &c, pcap, ip_exprs[e], &t);
		for (size_t e = 0; e < lc->nextra; e++)
			check_expr(lc, &c, pcap, lc->extra[e], &t);
		printf("%s: %u expressions agree with libpcap on %u packets, %u refused by both;"
		       " %u kernel rewrites agree, %u need the address\n", lc->name, t.same, c.n,
		       t.refused_both, t.kernel, t.kernel_unsupported);
	}
	unlink(pcap);
	rmdir(dir);
}

/* The next expression of libpcap's accept list (tests/data/filter/
 * accept.tsv: kind, expression, program), or NULL at its end. */
static const char *accept_next(FILE *f, char *line, size_t size)
{
	char *expr, *end;

	while (fgets(line, (int)size, f)) {
		if (!(expr = strchr(line, '\t')))
			continue;
		expr++;
		if ((end = strchr(expr, '\t')))
			*end = 0;
		return expr;
	}
	return NULL;
}

/* One expression on one link type: both refuse it, or both compile it
 * and agree on every packet. A refusal only the installed libpcap makes
 * on Ethernet too is its age (the list comes from a newer one: "vxlan"),
 * and a libpcap program the kernel would refuse (protochain loops back)
 * cannot be run to compare. */
static bool accept_agrees(const struct linktype_case *lc, const struct corpus *c,
			  const char *pcap, const char *eth_pcap, const char *expr)
{
	static struct sock_filter theirs[BPF_MAXINSNS];
	struct rc_filter *f = NULL;
	size_t nt = libpcap_compile(pcap, expr, theirs, BPF_MAXINSNS), no;
	int r = compile_for(expr, lc->linktype, false, &f, NULL);
	bool ok = true;

	if (r == 0 && nt) {
		const struct sock_filter *ours = rc_filter_insns(f, &no);

		ok = rc_filter_check(theirs, nt, NULL) != 0 ||
		     first_disagreement(c, ours, no, theirs, nt, 0) < 0;
	} else if (r == 0) {
		ok = !libpcap_compile(eth_pcap, expr, theirs, BPF_MAXINSNS);
	} else {
		ok = !nt;
	}
	if (!ok)
		printf("  %s: '%s': ringcap %s, libpcap %s\n", lc->name, expr,
		       r == 0 ? "compiles" : "refuses", nt ? "compiles" : "refuses");
	rc_filter_free(f);
	return ok;
}

static void test_accept_list(void **state)
{
	static struct corpus c;
	char dir[] = "/tmp/rc-linktype-XXXXXX", pcap[64], eth[64], line[1024];
	unsigned bad = 0;

	(void)state;
	if (!have_tcpdump())
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(pcap, sizeof(pcap), "%s/lt.pcap", dir);
	snprintf(eth, sizeof(eth), "%s/eth.pcap", dir);
	write_pcap(eth, RC_LINKTYPE_ETHERNET);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(FILTER_DATA_DIR "/accept.tsv", "r");
		unsigned n = 0;
		const char *expr;

		assert_non_null(f);
		write_pcap(pcap, cases[i].linktype);
		corpus_build(&c, cases[i].linktype);
		while ((expr = accept_next(f, line, sizeof(line)))) {
			bad += !accept_agrees(&cases[i], &c, pcap, eth, expr);
			n++;
		}
		fclose(f);
		printf("%s: libpcap's %u accept-list expressions, refused or matched alike\n",
		       cases[i].name, n);
	}
	unlink(pcap);
	unlink(eth);
	rmdir(dir);
	assert_int_equal(bad, 0);
}

/* What libpcap refuses on these link types; ringcap's message must say
 * which link type lacks it. */
static void test_refusals(void **state)
{
	static const struct { uint32_t linktype; const char *expr; } refused[] = {
		{ RC_LINKTYPE_LINUX_SLL2, "ether host 00:11:22:33:44:55" },
		{ RC_LINKTYPE_LINUX_SLL2, "ether src 00:11:22:33:44:55 and ip" },
		{ RC_LINKTYPE_LINUX_SLL2, "vlan" },
		{ RC_LINKTYPE_LINUX_SLL2, "ip or vlan 10" },
		{ RC_LINKTYPE_LINUX_SLL2, "mpls" },
		{ RC_LINKTYPE_LINUX_SLL2, "llc" },
		{ RC_LINKTYPE_LINUX_SLL2, "broadcast" },
		{ RC_LINKTYPE_LINUX_SLL2, "ether multicast" },
		{ RC_LINKTYPE_LINUX_SLL, "ether dst 00:11:22:33:44:55" },
		{ RC_LINKTYPE_LINUX_SLL, "vlan 20" },
		{ RC_LINKTYPE_LINUX_SLL, "mpls" },
		{ RC_LINKTYPE_LINUX_SLL, "llc i" },
		{ RC_LINKTYPE_LINUX_SLL, "ifindex 2" },
		{ RC_LINKTYPE_LINUX_SLL, "ether broadcast" },
		{ RC_LINKTYPE_RAW, "ether host 00:11:22:33:44:55" },
		{ RC_LINKTYPE_RAW, "vlan and ip" },
		{ RC_LINKTYPE_RAW, "mpls 100" },
		{ RC_LINKTYPE_RAW, "llc" },
		{ RC_LINKTYPE_RAW, "ether broadcast" },
		{ RC_LINKTYPE_RAW, "inbound" },
		{ RC_LINKTYPE_RAW, "tcp and outbound" },
		{ RC_LINKTYPE_RAW, "ifindex 2" },
		{ RC_LINKTYPE_RAW, "arp" },
		{ RC_LINKTYPE_RAW, "rarp and host 10.0.0.1" },
		{ RC_LINKTYPE_RAW, "pppoes" },
		{ RC_LINKTYPE_IPV4, "ip6" },
		{ RC_LINKTYPE_IPV4, "icmp6 or arp" },
		{ RC_LINKTYPE_IPV6, "ip and tcp" },
		{ RC_LINKTYPE_IPV6, "vlan" },
	};
	char dir[] = "/tmp/rc-linktype-XXXXXX", pcap[64];
	bool judge = have_tcpdump();

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(pcap, sizeof(pcap), "%s/lt.pcap", dir);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct rc_filter_error err;
		struct rc_filter *f = NULL;
		const char *name = case_name(refused[i].linktype);
		struct sock_filter prog[64];
		int r = compile_for(refused[i].expr, refused[i].linktype, false, &f, &err);

		if (r != -EINVAL)
			fail_msg("'%s' on %s: %d, not -EINVAL", refused[i].expr, name, r);
		if (!strstr(err.message, name))
			fail_msg("'%s': the message '%s' does not name %s", refused[i].expr,
				 err.message, name);
		if (!judge)
			continue;
		write_pcap(pcap, refused[i].linktype);
		if (libpcap_compile(pcap, refused[i].expr, prog, 64))
			fail_msg("libpcap compiles '%s' on %s: the table is wrong", refused[i].expr,
				 name);
	}
	printf("%zu refusals name their link type\n", sizeof(refused) / sizeof(refused[0]));
	unlink(pcap);
	rmdir(dir);
}

/* Raw IP live: the packet type and interface come from the kernel. */
static void test_raw_live(void **state)
{
	struct netpkt n = { .type = 0x0800 };
	struct rc_filter_aux aux = { .pkttype = PACKET_OUTGOING, .ifindex = 7 };
	struct rc_filter *f;
	const struct sock_filter *p;
	size_t len;

	(void)state;
	n.len = put_ip4(n.b, 6, pairs[0], 0, 0, false, 0);
	assert_int_equal(compile_for("tcp and inbound", RC_LINKTYPE_RAW, true, &f, NULL), 0);
	p = rc_filter_insns(f, &len);
	assert_int_equal(rc_filter_run(p, len, n.b, n.len, &aux), 0);
	aux.pkttype = PACKET_HOST;
	assert_int_not_equal(rc_filter_run(p, len, n.b, n.len, &aux), 0);
	rc_filter_free(f);
	assert_int_equal(compile_for("ifindex 7", RC_LINKTYPE_RAW, true, &f, NULL), 0);
	p = rc_filter_insns(f, &len);
	assert_int_not_equal(rc_filter_run(p, len, n.b, n.len, &aux), 0);
	aux.ifindex = 8;
	assert_int_equal(rc_filter_run(p, len, n.b, n.len, &aux), 0);
	rc_filter_free(f);
	/* vlan stays refused live: the kernel's tag is Ethernet's */
	assert_int_equal(compile_for("vlan", RC_LINKTYPE_RAW, true, &f, NULL), -EINVAL);
	assert_int_equal(compile_for("ifindex 7", RC_LINKTYPE_LINUX_SLL, true, &f, NULL), 0);
	rc_filter_free(f);
	assert_int_equal(compile_for("ip", 105, false, &f, NULL), -EPROTONOSUPPORT);
}

static int rewrite(const struct sock_filter *p, size_t n, uint32_t linktype,
		   struct sock_filter *out, size_t *ret_n)
{
	struct sock_filter *k = NULL;
	int r = rc_filter_cooked_for_kernel(p, n, linktype, &k, ret_n);

	if (r == 0) {
		memcpy(out, k, *ret_n * sizeof(*k));
		free(k);
	}
	return r;
}

#define LD(size, k) BPF_STMT(BPF_LD | (size) | BPF_ABS, (k))
#define RET_ALL BPF_STMT(BPF_RET | BPF_K, 65535)

/* Hand-built programs: what has no kernel form, and what does. */
static void test_cooked_rewrite_rules(void **state)
{
	static const struct {
		uint32_t linktype;
		struct sock_filter load;
		int expect;
		struct sock_filter becomes;
	} rules[] = {
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_W, 12), -EOPNOTSUPP, { 0 } },   /* address */
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_B, 11), -EOPNOTSUPP, { 0 } },   /* its length */
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_W, 18), -EOPNOTSUPP, { 0 } },   /* across the end */
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_B, 0), -EOPNOTSUPP, { 0 } },    /* half a field */
		{ RC_LINKTYPE_LINUX_SLL2, BPF_STMT(BPF_LD | BPF_B | BPF_IND, 4), -EOPNOTSUPP, { 0 } },
		{ RC_LINKTYPE_LINUX_SLL2, BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 2), -EOPNOTSUPP, { 0 } },
		{ RC_LINKTYPE_LINUX_SLL2, BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), -EOPNOTSUPP, { 0 } },
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_H, 0), 0, LD(BPF_H, SKF_AD_OFF + SKF_AD_PROTOCOL) },
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_W, 4), 0, LD(BPF_W, SKF_AD_OFF + SKF_AD_IFINDEX) },
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_H, 8), 0, LD(BPF_H, SKF_AD_OFF + SKF_AD_HATYPE) },
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_B, 10), 0, LD(BPF_B, SKF_AD_OFF + SKF_AD_PKTTYPE) },
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_W, 32), 0, LD(BPF_W, 12) },
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_B, SKF_AD_OFF + SKF_AD_CPU), 0,
		  LD(BPF_B, SKF_AD_OFF + SKF_AD_CPU) },
		{ RC_LINKTYPE_LINUX_SLL2, LD(BPF_B, SKF_NET_OFF + 9), 0, LD(BPF_B, SKF_NET_OFF + 9) },
		{ RC_LINKTYPE_LINUX_SLL2, BPF_STMT(BPF_LD | BPF_H | BPF_IND, 22), 0,
		  BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2) },
		{ RC_LINKTYPE_LINUX_SLL2, BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 20), 0,
		  BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0) },
		{ RC_LINKTYPE_LINUX_SLL, LD(BPF_H, 0), 0, LD(BPF_H, SKF_AD_OFF + SKF_AD_PKTTYPE) },
		{ RC_LINKTYPE_LINUX_SLL, LD(BPF_H, 2), 0, LD(BPF_H, SKF_AD_OFF + SKF_AD_HATYPE) },
		{ RC_LINKTYPE_LINUX_SLL, LD(BPF_H, 14), 0, LD(BPF_H, SKF_AD_OFF + SKF_AD_PROTOCOL) },
		{ RC_LINKTYPE_LINUX_SLL, LD(BPF_W, 6), -EOPNOTSUPP, { 0 } },
		{ RC_LINKTYPE_LINUX_SLL, LD(BPF_B, 25), 0, LD(BPF_B, 9) },
		{ RC_LINKTYPE_ETHERNET, LD(BPF_B, 25), -EINVAL, { 0 } },
		{ RC_LINKTYPE_RAW, LD(BPF_B, 25), -EINVAL, { 0 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct sock_filter in[2] = { rules[i].load, RET_ALL }, out[4];
		size_t n = 0;
		int r = rewrite(in, 2, rules[i].linktype, out, &n);

		if (r != rules[i].expect)
			fail_msg("rule %zu: %d, expected %d", i, r, rules[i].expect);
		if (r)
			continue;
		assert_int_equal(n, 2);
		assert_int_equal(out[0].code, rules[i].becomes.code);
		assert_int_equal(out[0].k, rules[i].becomes.k);
	}
}

/* "len" counts the header again; the jumps over the added instruction
 * are recomputed, the ones that cannot stretch are an error. */
static void test_cooked_len(void **state)
{
	static struct sock_filter big[300], out[310];
	const struct sock_filter prog[] = {
		BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 100, 0, 1),
		RET_ALL,
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	uint8_t pkt[140] = { 0x08, 0x00 };
	struct rc_filter_aux aux = { .wire_len = 81 };
	size_t n;

	(void)state;
	assert_int_equal(rewrite(prog, 6, RC_LINKTYPE_LINUX_SLL2, out, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(out[0].k, 1);
	assert_int_equal(out[3].code, BPF_ALU | BPF_ADD | BPF_K);
	assert_int_equal(out[3].k, RC_SLL2_HDR_LEN);
	assert_int_equal(rc_filter_run(out, n, pkt, 81, &aux), 65535);
	aux.wire_len = 80;
	assert_int_equal(rc_filter_run(out, n, pkt, 80, &aux), 0);
	/* a conditional jump 255 ahead over an "ld len" no longer reaches */
	big[0] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 255, 0);
	for (size_t i = 1; i < 299; i++)
		big[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0);
	big[299] = (struct sock_filter)RET_ALL;
	big[256] = (struct sock_filter)RET_ALL;
	assert_int_equal(rewrite(big, 300, RC_LINKTYPE_LINUX_SLL2, out, &n), -E2BIG);
}

/* The rewrite keeps the compiler's budget: a full-size program with one
 * "len" in it no longer fits. */
static void test_cooked_budget(void **state)
{
	static struct sock_filter full[RC_FILTER_MAX_INSNS];
	struct sock_filter *k = NULL;
	size_t n;

	(void)state;
	for (size_t i = 0; i < RC_FILTER_MAX_INSNS - 1; i++)
		full[i] = (struct sock_filter)LD(BPF_B, 20);
	full[RC_FILTER_MAX_INSNS - 1] = (struct sock_filter)RET_ALL;
	assert_int_equal(rc_filter_cooked_for_kernel(full, RC_FILTER_MAX_INSNS,
						     RC_LINKTYPE_LINUX_SLL2, &k, &n), 0);
	assert_int_equal(n, RC_FILTER_MAX_INSNS);
	assert_int_equal(k[0].k, 0);
	free(k);
	full[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0);
	assert_int_equal(rc_filter_cooked_for_kernel(full, RC_FILTER_MAX_INSNS,
						     RC_LINKTYPE_LINUX_SLL2, &k, &n), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_libpcap),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_accept_list),
		cmocka_unit_test(test_raw_live),
		cmocka_unit_test(test_cooked_rewrite_rules),
		cmocka_unit_test(test_cooked_len),
		cmocka_unit_test(test_cooked_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
