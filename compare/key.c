/* SPDX-License-Identifier: MIT */
/*
 * key.c - what identifies a packet on both sides of a network path.
 *
 * DESIGN: the key hashes only the fields a router leaves alone. IPv4:
 * addresses, protocol, IP ID, fragment field, total length and the first
 * KEY_L4_BYTES of what follows the header (for TCP that covers ports,
 * sequence and acknowledgement numbers); not TTL, checksum, DSCP/ECN or
 * options (record-route rewrites them). IPv6: addresses, next header,
 * flow label, payload length and the first payload bytes; not hop limit
 * or traffic class. Link headers are skipped, VLAN tags included, so one
 * side's tag does not hide a match. Payload is read up to the IP length
 * and never into Ethernet padding, which differs between NICs. Anything
 * else is keyed on all its bytes, MAC addresses included.
 *
 * TCP is keyed without addresses, ports and checksum, which NAT rewrites,
 * so a pure ACK or SYN seen on both sides of a NAT still pairs off and the
 * matcher learns the translation from it; sequence and acknowledgement
 * numbers, IP ID and timestamps make the key specific enough without them.
 * A TCP packet that carries payload is also described by the sequence
 * range it covers (struct cmp_pkt's seq, len, data), because offloads cut
 * and merge segments on the way and only the byte range survives.
 */
#include "compare_internal.h"

#include <string.h>

#define KEY_L4_BYTES 64
#define UDP_HEAD_BYTES 32

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD

#define TCP_SYN 0x02
#define TCP_RST 0x04

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A multiply-xorshift over 8-byte words: not for adversaries, but spread
 * well enough that a table of window-many keys sees no clustering. */
uint64_t cmp_hash(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	w = len;
	memcpy((uint8_t *)&w + 1, p, len);
	h = (h ^ w) * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

uint64_t cmp_hash_final(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 27;
	h *= 0x94D049BB133111EBull;
	return h ^ (h >> 31);
}

static void flow_ports(struct rc_compare_flow *flow, const uint8_t *l4, size_t avail)
{
	if (avail < 4 || (flow->proto != 6 && flow->proto != 17 && flow->proto != 132))
		return;
	flow->sport = be16(l4);
	flow->dport = be16(l4 + 2);
}

static uint64_t key_bytes(uint64_t seed, const uint8_t *p, size_t len)
{
	return cmp_hash_final(cmp_hash(seed, p, len));
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The MSS a SYN announces, less the 12 bytes the timestamp option takes
 * from every later segment when it is on (RFC 7323 section 3). */
static uint16_t tcp_syn_mss(const uint8_t *opt, size_t n)
{
	unsigned mss = 0, ts = 0;

	for (size_t i = 0; i < n && opt[i] != 0;) {
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n)
			break;
		if (opt[i] == 2 && opt[i + 1] == 4)
			mss = be16(opt + i + 2);
		if (opt[i] == 8)
			ts = 12;
		i += opt[i + 1];
	}
	return (uint16_t)(mss > ts ? mss - ts : 0);
}

/* h already holds the IP fields. l4len is the length the IP header claims,
 * avail what the capture holds of it: offloaded super-packets are often
 * captured short, and the range needs only the claim. */
static uint64_t key_tcp(uint64_t h, const uint8_t *th, size_t avail, size_t l4len,
			struct cmp_pkt *ret)
{
	size_t thl = avail >= 20 ? (th[12] >> 4) * 4u : 0;

	if (thl < 20 || thl > avail || thl > l4len)
		return cmp_hash_final(cmp_hash(h, th, avail < KEY_L4_BYTES ? avail : KEY_L4_BYTES));
	h = cmp_hash(h, th + 4, 12); /* sequence, acknowledgement, offset, flags, window */
	h = cmp_hash(h, th + 18, (avail < KEY_L4_BYTES ? avail : KEY_L4_BYTES) - 18);
	if (ret) {
		ret->seq = be32(th + 4);
		ret->len = (uint32_t)(l4len - thl);
		ret->data = ret->len > 0 && !(th[13] & (TCP_SYN | TCP_RST));
		ret->mss = th[13] & TCP_SYN ? tcp_syn_mss(th + 20, thl - 20) : 0;
	}
	return cmp_hash_final(h);
}

/* What a UDP GSO datagram at one point and the first of the datagrams it
 * is cut into at the other have in common: addresses, ports, IP ID (the
 * segments count up from it) and the first payload bytes. */
static void udp_gso_head(struct cmp_pkt *ret, const uint8_t *ip, size_t hl, size_t avail)
{
	uint64_t h = cmp_hash(17, ip + 4, 2);

	h = cmp_hash(h, ip + 12, 8);
	h = cmp_hash(h, ip + hl, 4);
	h = cmp_hash(h, ip + hl + 8, avail - 8 < UDP_HEAD_BYTES ? avail - 8 : UDP_HEAD_BYTES);
	ret->head = cmp_hash_final(h);
	ret->seq = be16(ip + 4);
	ret->udp = true;
}

/* Payload bytes of a packet other than TCP: after the UDP header, or all
 * of the IP payload. */
static void info_other(struct cmp_pkt *ret, uint8_t proto, size_t l4len)
{
	if (ret)
		ret->len = (uint32_t)(proto == 17 && l4len >= 8 ? l4len - 8 : l4len);
}

static uint64_t key_ipv4(const uint8_t *p, size_t len, struct rc_compare_flow *flow,
			 struct cmp_pkt *ret)
{
	size_t hl, avail;
	uint8_t fixed[16];
	uint64_t h;
	bool first, tcp;

	if (len < 20 || p[0] >> 4 != 4 || (p[0] & 15) < 5 || be16(p + 2) < (p[0] & 15) * 4u)
		return key_bytes(ETH_IPV4, p, len);
	hl = (p[0] & 15) * 4u;
	avail = be16(p + 2) < len ? be16(p + 2) : len;
	avail = avail > hl ? avail - hl : 0;
	first = (be16(p + 6) & 0x3FFF) == 0; /* not a fragment */
	tcp = first && p[9] == 6;
	/* total length, id, fragment field, then protocol and addresses */
	memcpy(fixed, p + 2, 6);
	fixed[6] = p[9];
	fixed[7] = 4;
	memcpy(fixed + 8, p + 12, 8);
	h = cmp_hash(ETH_IPV4, fixed, tcp ? 8 : sizeof(fixed));
	flow->family = 4;
	flow->proto = p[9];
	memcpy(flow->src, p + 12, 4);
	memcpy(flow->dst, p + 16, 4);
	if ((be16(p + 6) & 0x1FFF) == 0)
		flow_ports(flow, p + hl, avail);
	if (tcp)
		return key_tcp(h, p + hl, avail, be16(p + 2) - hl, ret);
	info_other(ret, first ? p[9] : 0, be16(p + 2) - hl);
	if (ret && first && p[9] == 17 && avail >= 8)
		udp_gso_head(ret, p, hl, avail);
	h = cmp_hash(h, p + hl, avail < KEY_L4_BYTES ? avail : KEY_L4_BYTES);
	return cmp_hash_final(h);
}

static uint64_t key_ipv6(const uint8_t *p, size_t len, struct rc_compare_flow *flow,
			 struct cmp_pkt *ret)
{
	uint8_t fixed[40];
	size_t avail;
	uint64_t h;

	if (len < 40 || p[0] >> 4 != 6)
		return key_bytes(ETH_IPV6, p, len);
	avail = be16(p + 4) < len - 40 ? be16(p + 4) : len - 40;
	memcpy(fixed, p, 40);
	fixed[0] &= 0xF0; /* traffic class (DSCP/ECN) spans these 8 bits */
	fixed[1] &= 0x0F;
	fixed[7] = 0;     /* hop limit */
	/* Addresses (the last 32 bytes) left out for TCP, as for IPv4. */
	h = cmp_hash(ETH_IPV6, fixed, p[6] == 6 ? 8 : sizeof(fixed));
	flow->family = 6;
	flow->proto = p[6];
	memcpy(flow->src, p + 8, 16);
	memcpy(flow->dst, p + 24, 16);
	flow_ports(flow, p + 40, avail);
	if (p[6] == 6)
		return key_tcp(h, p + 40, avail, be16(p + 4), ret);
	info_other(ret, p[6], be16(p + 4));
	h = cmp_hash(h, p + 40, avail < KEY_L4_BYTES ? avail : KEY_L4_BYTES);
	return cmp_hash_final(h);
}

static uint64_t key_l3(uint16_t ethertype, const uint8_t *p, size_t len,
		       struct rc_compare_flow *flow, struct cmp_pkt *ret)
{
	flow->ethertype = ethertype;
	if (ethertype == ETH_IPV4)
		return key_ipv4(p, len, flow, ret);
	if (ethertype == ETH_IPV6)
		return key_ipv6(p, len, flow, ret);
	return key_bytes(ethertype, p, len);
}

static bool is_vlan(uint16_t ethertype)
{
	return ethertype == 0x8100 || ethertype == 0x88A8 || ethertype == 0x9100;
}

static uint64_t key_ether(const uint8_t *p, size_t len, struct rc_compare_flow *flow,
			  struct cmp_pkt *ret)
{
	size_t off = 12;
	uint16_t et;
	uint64_t h;

	if (len < 14)
		return key_bytes(0, p, len);
	et = be16(p + off);
	while (is_vlan(et) && off + 6 <= len) {
		off += 4;
		et = be16(p + off);
	}
	if (et == ETH_IPV4 || et == ETH_IPV6)
		return key_l3(et, p + off + 2, len - off - 2, flow, ret);
	flow->ethertype = et;
	memcpy(flow->dst, p, 6);
	memcpy(flow->src, p + 6, 6);
	h = cmp_hash(1, p, 12);
	return cmp_hash_final(cmp_hash(h, p + off, len - off));
}

static uint64_t key_link(uint16_t linktype, const uint8_t *p, uint32_t len,
			 struct rc_compare_flow *flow, struct cmp_pkt *ret)
{
	switch (linktype) {
	case RC_LINKTYPE_ETHERNET:
		return key_ether(p, len, flow, ret);
	case RC_LINKTYPE_LINUX_SLL:
		return len < 16 ? key_bytes(2, p, len) :
		       key_l3(be16(p + 14), p + 16, len - 16, flow, ret);
	case RC_LINKTYPE_LINUX_SLL2:
		return len < 20 ? key_bytes(2, p, len) : key_l3(be16(p), p + 20, len - 20, flow, ret);
	case RC_LINKTYPE_RAW:
		if (len && p[0] >> 4 == 6)
			return key_l3(ETH_IPV6, p, len, flow, ret);
		return key_l3(ETH_IPV4, p, len, flow, ret);
	case RC_LINKTYPE_IPV4:
		return key_l3(ETH_IPV4, p, len, flow, ret);
	case RC_LINKTYPE_IPV6:
		return key_l3(ETH_IPV6, p, len, flow, ret);
	default:
		return key_bytes(3, p, len);
	}
}

uint64_t cmp_key(uint16_t linktype, const uint8_t *p, uint32_t len, struct rc_compare_flow *flow,
		 struct cmp_pkt *ret)
{
	uint64_t key;

	memset(flow, 0, sizeof(*flow));
	if (ret) {
		ret->seq = 0;
		ret->len = len; /* not IP: the whole frame is its payload */
		ret->mss = 0;
		ret->data = false;
		ret->udp = false;
		ret->head = 0;
	}
	key = key_link(linktype, p, len, flow, ret);
	if (ret)
		ret->key = key;
	return key;
}
