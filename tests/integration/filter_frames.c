/* SPDX-License-Identifier: MIT */
/*
 * filter_frames.c - sends a fixed, varied set of raw Ethernet frames out of
 * one interface, for the live filter test (filter_live.sh).
 *
 * DESIGN: each frame is built from small layer helpers, so the set reads
 * as a list of cases: IPv4 with and without options, both fragments of a
 * datagram, TCP with every flag, UDP, ICMP, IPv6 with extension headers
 * and a fragment header, ICMPv6, ARP, 802.1Q and 802.1ad (QinQ) tags, an
 * unknown ethertype, multicast and broadcast MACs, MPLS, PPPoE, AH, and
 * Geneve tunnels with and without options. Only locally
 * administered MACs and 198.18.0.0/15 addresses; the test runs it inside
 * a network namespace of its own.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct frame {
	uint8_t b[512];
	size_t n;
};

static const uint8_t mac_a[6] = { 0x02, 0x52, 0x43, 0, 0, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x52, 0x43, 0, 0, 0x02 };
static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_mcast[6] = { 0x03, 0x52, 0x43, 0, 0, 0x09 };

static void put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(f, b, 2);
}

static void eth(struct frame *f, const uint8_t *dst)
{
	f->n = 0;
	put(f, dst, 6);
	put(f, mac_a, 6);
}

/* An inner Ethernet header (for tunnels), before its type field. */
static void eth_inner(struct frame *f)
{
	static const uint8_t inner_a[6] = { 0x02, 0x52, 0x43, 0, 0, 0x05 };

	put(f, mac_b, 6);
	put(f, inner_a, 6);
}

static void tag(struct frame *f, uint16_t tpid, uint16_t vid)
{
	put16(f, tpid);
	put16(f, vid);
}

/* An IPv4 header without the ethertype before it. */
static void ip4_hdr(struct frame *f, uint8_t proto, uint8_t src, uint8_t dst, unsigned optwords,
		    uint16_t frag, uint16_t paylen)
{
	uint8_t h[60] = { 0 };
	size_t hl = 20 + 4 * optwords;

	h[0] = (uint8_t)(0x40 | hl / 4);
	h[2] = (uint8_t)((hl + paylen) >> 8);
	h[3] = (uint8_t)(hl + paylen);
	h[6] = (uint8_t)(frag >> 8);
	h[7] = (uint8_t)frag;
	h[8] = 64;
	h[9] = proto;
	h[12] = 198; h[13] = 18; h[15] = src;
	h[16] = 198; h[17] = 18; h[19] = dst;
	memset(h + 20, 1, 4 * optwords); /* NOP options */
	put(f, h, hl);
}

static void ip4(struct frame *f, uint8_t proto, uint8_t src, uint8_t dst, unsigned optwords,
		uint16_t frag, uint16_t paylen)
{
	put16(f, 0x0800);
	ip4_hdr(f, proto, src, dst, optwords, frag, paylen);
}

static void ip4_bare(struct frame *f, uint8_t proto, uint8_t src, uint8_t dst, uint16_t paylen)
{
	ip4_hdr(f, proto, src, dst, 0, 0, paylen);
}

/* IPv6 with optional hop-by-hop (0) and fragment (44) headers before nh. */
static void ip6(struct frame *f, uint8_t nh, uint8_t src, uint8_t dst, bool hbh, bool frag,
		uint16_t paylen)
{
	uint8_t h[40] = { 0x60 }, e[8] = { 0 };
	uint16_t len = (uint16_t)(paylen + 8 * hbh + 8 * frag);

	put16(f, 0x86dd);
	h[4] = (uint8_t)(len >> 8);
	h[5] = (uint8_t)len;
	h[6] = hbh ? 0 : frag ? 44 : nh;
	h[7] = 64;
	h[8] = 0x20; h[9] = 0x01; h[10] = 0x0d; h[11] = 0xb8; h[23] = src; /* 2001:db8::src */
	h[24] = 0x20; h[25] = 0x01; h[26] = 0x0d; h[27] = 0xb8; h[39] = dst;
	put(f, h, 40);
	if (hbh) {
		e[0] = frag ? 44 : nh;
		e[2] = 1; /* PadN */
		e[3] = 4;
		put(f, e, 8);
	}
	if (frag) {
		memset(e, 0, 8);
		e[0] = nh;
		e[7] = 7; /* identification */
		put(f, e, 8);
	}
}

static void tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t h[20] = { 0 };

	h[0] = (uint8_t)(sport >> 8); h[1] = (uint8_t)sport;
	h[2] = (uint8_t)(dport >> 8); h[3] = (uint8_t)dport;
	h[12] = 0x50;
	h[13] = flags;
	h[15] = 0xff;
	put(f, h, 20);
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport, uint16_t pad)
{
	uint8_t zero[128] = { 0 };

	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + pad));
	put16(f, 0);
	put(f, zero, pad);
}

static void arp(struct frame *f, uint16_t op, uint8_t spa, uint8_t tpa)
{
	uint8_t h[28] = { 0, 1, 8, 0, 6, 4 };

	put16(f, 0x0806);
	h[7] = (uint8_t)op;
	memcpy(h + 8, mac_a, 6);
	h[14] = 198; h[15] = 18; h[17] = spa;
	h[24] = 198; h[25] = 18; h[27] = tpa;
	put(f, h, 28);
}

static int send_frame(int fd, const struct sockaddr_ll *to, const struct frame *f)
{
	struct timespec gap = { 0, 2000000 };
	uint8_t b[512] = { 0 };
	size_t n = f->n < 60 ? 60 : f->n; /* Ethernet minimum, zero padded */

	memcpy(b, f->b, f->n);
	nanosleep(&gap, NULL);
	return sendto(fd, b, n, 0, (const struct sockaddr *)to, sizeof(*to)) == (ssize_t)n ? 0 : -1;
}

/* Builds frame number i into f; returns 0 past the last one. */
static int build(unsigned i, struct frame *f)
{
	static const uint8_t flags[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x12 };
	unsigned nflags = sizeof(flags) / sizeof(flags[0]);

	if (i < nflags) {                  /* TCP, each flag, to port 80 */
		eth(f, mac_b); ip4(f, 6, 1, 2, 0, 0x4000, 20); tcp(f, 40000, 80, flags[i]);
		return 1;
	}
	i -= nflags;
	switch (i) {
	case 0: eth(f, mac_b); ip4(f, 17, 1, 2, 0, 0, 8); udp(f, 1000, 53, 0); return 1;
	case 1: eth(f, mac_b); ip4(f, 6, 2, 1, 3, 0, 20); tcp(f, 80, 40001, 0x02); return 1;
	case 2: eth(f, mac_b); ip4(f, 17, 1, 3, 1, 0x2000, 16); udp(f, 2000, 53, 8); return 1;
	case 3: eth(f, mac_b); ip4(f, 17, 1, 3, 0, 2, 8); udp(f, 80, 80, 0); return 1;
	case 4: eth(f, mac_b); ip4(f, 1, 1, 2, 0, 0, 8); put16(f, 0x0800); put16(f, 0); return 1;
	case 5: eth(f, mac_b); ip4(f, 1, 2, 1, 0, 0, 8); put16(f, 0x0000); put16(f, 0); return 1;
	case 6: eth(f, mac_b); ip6(f, 17, 1, 2, false, false, 8); udp(f, 5353, 53, 0); return 1;
	case 7: eth(f, mac_b); ip6(f, 17, 1, 2, true, false, 8); udp(f, 1000, 80, 0); return 1;
	case 8: eth(f, mac_b); ip6(f, 6, 2, 1, false, true, 20); tcp(f, 443, 40002, 0x02); return 1;
	case 9: eth(f, mac_b); ip6(f, 58, 1, 2, false, false, 8); put16(f, 0x8000); put16(f, 0);
		return 1;
	case 10: eth(f, mac_bcast); arp(f, 1, 1, 2); return 1;
	case 11: eth(f, mac_b); arp(f, 2, 2, 1); return 1;
	case 12: eth(f, mac_b); tag(f, 0x8100, 100); ip4(f, 17, 1, 2, 0, 0, 8); udp(f, 1000, 53, 0);
		return 1;
	case 13: eth(f, mac_b); tag(f, 0x8100, 0x2000 | 200); ip4(f, 6, 1, 2, 0, 0, 20);
		tcp(f, 40003, 80, 0x02); return 1;
	case 14: eth(f, mac_b); tag(f, 0x88a8, 300); tag(f, 0x8100, 100); ip4(f, 17, 1, 2, 0, 0, 8);
		udp(f, 1000, 80, 0); return 1;
	case 15: eth(f, mac_bcast); tag(f, 0x8100, 100); arp(f, 1, 1, 2); return 1;
	case 16: eth(f, mac_b); tag(f, 0x8100, 100); ip6(f, 6, 1, 2, false, false, 20);
		tcp(f, 40004, 22, 0x02); return 1;
	case 17: eth(f, mac_mcast); ip4(f, 17, 1, 4, 0, 0, 108); udp(f, 1000, 5353, 100); return 1;
	case 18: eth(f, mac_b); put16(f, 0x88b5); put(f, "ringcap filter test", 19); return 1;
	case 19: eth(f, mac_bcast); ip4(f, 17, 1, 255, 0, 0, 8); udp(f, 68, 67, 0); return 1;
	case 20: /* MPLS label 5, bottom of stack, over IPv4 */
		eth(f, mac_b); put16(f, 0x8847); put16(f, 0x0000); put16(f, 0x51ff);
		ip4_bare(f, 17, 1, 2, 8); udp(f, 1000, 53, 0); return 1;
	case 21: /* PPPoE session 0x1234, PPP protocol IPv4 */
		eth(f, mac_b); put16(f, 0x8864); put16(f, 0x1100); put16(f, 0x1234);
		put16(f, 30); put16(f, 0x0021); ip4_bare(f, 17, 1, 2, 8); udp(f, 1000, 53, 0);
		return 1;
	case 23: /* Geneve VNI 10, no options, Ethernet inside: TCP SYN to 22 */
		eth(f, mac_b); ip4(f, 17, 1, 2, 0, 0, 8 + 8 + 54); udp(f, 50000, 6081, 0);
		put16(f, 0x0000); put16(f, 0x6558); put16(f, 0x0000); put16(f, 0x0a00);
		eth_inner(f); ip4(f, 6, 5, 6, 0, 0, 20); tcp(f, 40005, 22, 0x02); return 1;
	case 24: /* Geneve VNI 11 with one 4-byte option, Ethernet inside: UDP */
		eth(f, mac_b); ip4(f, 17, 1, 2, 0, 0, 8 + 12 + 42); udp(f, 50001, 6081, 0);
		put16(f, 0x0100); put16(f, 0x6558); put16(f, 0x0000); put16(f, 0x0b00);
		put16(f, 0x0101); put16(f, 0x0100); /* option class, type, length 0 */
		eth_inner(f); ip4(f, 17, 5, 6, 0, 0, 8); udp(f, 1000, 53, 0); return 1;
	case 22: /* IPv4 with AH, then UDP: "ip protochain 17" */
		eth(f, mac_b); ip4(f, 51, 1, 2, 0, 0, 24); put16(f, 0x1104); put16(f, 0);
		put(f, "\0\0\0\1\0\0\0\1\0\0\0\0", 12); udp(f, 1000, 53, 0); return 1;
	default: return 0;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct frame f;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: filter_frames IFACE\n");
		return 2;
	}
	to.sll_ifindex = (int)if_nametoindex(argv[1]);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (!to.sll_ifindex || fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (unsigned i = 0; build(i, &f); i++) {
		if (send_frame(fd, &to, &f) < 0) {
			perror("sendto");
			return 1;
		}
	}
	close(fd);
	return 0;
}
