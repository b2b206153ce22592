/* SPDX-License-Identifier: MIT */
/*
 * ring.c - walks the packets of one retired TPACKET_V3 block.
 *
 * DESIGN: the kernel lays a block out as a block descriptor, then packets
 * chained by tp_next_offset; each packet is a tpacket3_hdr, a sockaddr_ll
 * at TPACKET_ALIGN(sizeof(tpacket3_hdr)), and the frame at tp_mac. When the
 * NIC or the stack stripped the outer VLAN tag, the tag travels in the
 * header instead of the frame; we put it back *in place*, moving the 12 MAC
 * address bytes 4 bytes down into the headroom that PACKET_RESERVE
 * guarantees, so the frame stays one contiguous run of bytes and the writer
 * never has to know VLANs exist. The block is ours until it is released, so
 * writing into it is safe; the walk is one pass, so no tag goes in twice.
 *
 * A cooked socket (SOCK_DGRAM: "any", PPP ...) hands over the packet from
 * its network header, with the link-layer facts only in the sockaddr_ll.
 * The walker writes the LINKTYPE_LINUX_SLL2 header from them into the
 * headroom in front of the packet, the same in-place way, and a stripped
 * VLAN tag goes between that header and the packet as libpcap's cooked
 * capture puts it: SLL2 protocol = the TPID, then TCI, then the packet's
 * own protocol. The sockaddr_ll is copied out first: the headroom is
 * after it today (tpacket_rcv), but nothing in the ABI promises that.
 *
 * CAN frames are rewritten in place too, because LINKTYPE_CAN_SOCKETCAN
 * is not quite the kernel's struct can_frame: the CAN id is big-endian,
 * and CAN FD and XL frames are told apart by flag bits that the kernel
 * only says in sll_protocol (libpcap's pcap-linux.c does the same).
 *
 * The walker trusts nothing it does not have to: every offset is checked
 * against the block size, so a corrupt (or synthetic) block ends the walk
 * instead of reading out of bounds.
 */
#include "ring.h"

#include <string.h>
#include <linux/if_ether.h>

#define VLAN_HLEN RING_VLAN_HLEN
#define MAC_ADDRS_LEN 12 /* destination + source */
/* V3 packets follow each other at 8-byte alignment (V3_ALIGNMENT in
 * af_packet.c, not in the uapi), not at TPACKET_ALIGNMENT (16). */
#define RING_V3_ALIGNMENT 8
/* The kernel wrote the block on another core, so every packet header is a
 * cache miss; packets lie one after the other, so fetch ahead (measured:
 * -14 to -21 % CPU per packet at 64-byte frames, BENCHMARKS.md). */
#define RING_PREFETCH_AHEAD 1024u

void ring_block_begin(struct rc_block *block, struct tpacket_block_desc *desc,
		      uint32_t block_size, uint32_t snaplen)
{
	block->desc = desc;
	block->block_size = block_size;
	block->snaplen = snaplen;
	block->remaining = desc->hdr.bh1.num_pkts;
	block->offset = desc->hdr.bh1.offset_to_first_pkt;
	block->bad_frames = 0;
}

/* The kernel keeps packets 8-byte aligned (checked before use), so going
 * through void * here hides no misalignment. */
static void *ring_at(const struct rc_block *block, uint32_t offset)
{
	return (uint8_t *)block->desc + offset;
}

/* The header and frame of the packet at offset lie inside the block. */
static bool ring_frame_in_bounds(const struct rc_block *block, uint32_t offset)
{
	const struct tpacket3_hdr *h;

	if (offset < sizeof(struct tpacket_block_desc) ||
	    offset > block->block_size - TPACKET3_HDRLEN ||
	    offset % RING_V3_ALIGNMENT != 0)
		return false;
	h = ring_at(block, offset);
	if (h->tp_mac < TPACKET3_HDRLEN)
		return false;
	return (uint64_t)offset + h->tp_mac + h->tp_snaplen <= block->block_size;
}

/* Puts a stripped VLAN tag back in front of the EtherType. Needs the MAC
 * addresses in the frame and VLAN_HLEN bytes of headroom above them. */
static bool ring_reinsert_vlan(uint8_t **frame, const struct tpacket3_hdr *h,
			       uint32_t headroom)
{
	uint16_t tpid = ETH_P_8021Q;
	uint8_t *f = *frame;

	if (h->tp_snaplen < MAC_ADDRS_LEN || headroom < VLAN_HLEN)
		return false;
	if (h->tp_status & TP_STATUS_VLAN_TPID_VALID)
		tpid = h->hv1.tp_vlan_tpid;
	memmove(f - VLAN_HLEN, f, MAC_ADDRS_LEN);
	f -= VLAN_HLEN;
	f[12] = (uint8_t)(tpid >> 8);
	f[13] = (uint8_t)tpid;
	f[14] = (uint8_t)(h->hv1.tp_vlan_tci >> 8);
	f[15] = (uint8_t)h->hv1.tp_vlan_tci;
	*frame = f;
	return true;
}

static void ring_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static bool ring_is_vlan_tpid(uint16_t type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD || type == 0x9100;
}

/* The protocol that followed the stripped tag. sll_protocol says it,
 * except since Linux 6.10 (79eecf631c14) on a cooked socket when more tags
 * follow in the packet: it names the innermost protocol then, while the
 * packet still starts with the inner tags, less their first TPID. That is
 * seen when the packet does not start as an IPv4 or IPv6 header should
 * and its third and fourth bytes are a tag's next type; the lost TPID is
 * taken to be 802.1Q's, the usual inner one (the kernel does not keep it). */
static uint16_t ring_inner_protocol(const uint8_t *pkt, uint32_t caplen, uint16_t protocol_be)
{
	uint16_t proto = (uint16_t)(((const uint8_t *)&protocol_be)[0] << 8 |
				    ((const uint8_t *)&protocol_be)[1]);
	uint16_t next;

	if (caplen < VLAN_HLEN || (proto != ETH_P_IP && proto != ETH_P_IPV6))
		return proto;
	next = (uint16_t)(pkt[2] << 8 | pkt[3]);
	if ((pkt[0] >> 4) != (proto == ETH_P_IP ? 4 : 6) && (next == proto || ring_is_vlan_tpid(next)))
		return ETH_P_8021Q;
	return proto;
}

/* Writes the SLL2 header (and a stripped VLAN tag behind it) in front of
 * the network header; returns the bytes it added, or 0 when the headroom
 * cannot hold them (a corrupt block: PACKET_RESERVE guarantees it). */
static uint32_t ring_build_sll2(uint8_t **frame, const struct tpacket3_hdr *h,
				const struct sockaddr_ll *sll_in, uint32_t headroom)
{
	struct sockaddr_ll sll;
	bool vlan = h->tp_status & TP_STATUS_VLAN_VALID;
	uint32_t len = RC_SLL2_HDR_LEN + (vlan ? VLAN_HLEN : 0);
	uint8_t *p;

	if (headroom < len)
		return 0;
	p = *frame - len;
	memcpy(&sll, sll_in, sizeof(sll));
	memset(p, 0, RC_SLL2_HDR_LEN);
	/* sll_protocol, sll_ifindex's bytes and sll_hatype come as the
	 * kernel has them: protocol in network order, the rest host. */
	memcpy(p, &sll.sll_protocol, 2);
	p[4] = (uint8_t)((uint32_t)sll.sll_ifindex >> 24);
	p[5] = (uint8_t)((uint32_t)sll.sll_ifindex >> 16);
	ring_put16(p + 6, (uint16_t)sll.sll_ifindex);
	ring_put16(p + 8, sll.sll_hatype);
	p[10] = sll.sll_pkttype;
	p[11] = sll.sll_halen;
	memcpy(p + 12, sll.sll_addr, sll.sll_halen < 8 ? sll.sll_halen : 8);
	if (vlan) {
		ring_put16(p, (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ?
				      h->hv1.tp_vlan_tpid : ETH_P_8021Q);
		ring_put16(p + 20, h->hv1.tp_vlan_tci);
		ring_put16(p + 22, ring_inner_protocol(*frame, h->tp_snaplen, sll.sll_protocol));
	}
	*frame = p;
	return len;
}

/* Kernel CAN frame -> LINKTYPE_CAN_SOCKETCAN, on the bytes captured:
 * classic and FD frames start with the 32-bit CAN id, XL frames with
 * priority/VCID (both big-endian in the link type), and XL keeps its
 * payload length and acceptance field little-endian. */
#define RING_ETH_P_CAN 0x000c
#define RING_ETH_P_CANFD 0x000d
#define RING_ETH_P_CANXL 0x000e
#define RING_CANFD_FDF 0x04   /* byte 5 of a classic/FD frame */
#define RING_CANXL_XLF 0x80   /* byte 4, which is the length otherwise */

static void ring_put32_le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void ring_fix_can(uint8_t *f, uint32_t caplen, uint16_t protocol_be)
{
	uint16_t protocol = (uint16_t)(((const uint8_t *)&protocol_be)[0] << 8 |
				       ((const uint8_t *)&protocol_be)[1]);
	uint32_t v;
	uint16_t len;

	if (caplen < 8)
		return;
	if (protocol == RING_ETH_P_CAN || protocol == RING_ETH_P_CANFD) {
		f[4] &= (uint8_t)~RING_CANXL_XLF;
		f[5] = protocol == RING_ETH_P_CANFD ? f[5] | RING_CANFD_FDF
						    : f[5] & (uint8_t)~RING_CANFD_FDF;
	} else if (protocol == RING_ETH_P_CANXL) {
		f[4] |= RING_CANXL_XLF;
	}
	memcpy(&v, f, 4);
	ring_put16(f, (uint16_t)(v >> 16));
	ring_put16(f + 2, (uint16_t)v);
	if (!(f[4] & RING_CANXL_XLF))
		return;
	memcpy(&len, f + 6, 2);
	f[6] = (uint8_t)len;
	f[7] = (uint8_t)(len >> 8);
	if (caplen >= 12) {
		memcpy(&v, f + 8, 4);
		ring_put32_le(f + 8, v);
	}
}

/* Which clock stamped the packet (tpacket_get_timestamp). SYS_HARDWARE is
 * no longer set by any kernel (3.17 removed it) but meant the NIC's too. */
static uint8_t ring_ts_source(uint32_t status)
{
	if (status & (TP_STATUS_TS_RAW_HARDWARE | TP_STATUS_TS_SYS_HARDWARE))
		return RC_TS_SOURCE_HARDWARE;
	if (status & TP_STATUS_TS_SOFTWARE)
		return RC_TS_SOURCE_SOFTWARE;
	return RC_TS_SOURCE_UNKNOWN;
}

/* The frame with its link-layer header, as on the wire: false if the
 * block is too corrupt to build it. */
static bool ring_restore_frame(const struct rc_block *block, const struct tpacket3_hdr *h,
			       const struct sockaddr_ll *sll, uint8_t **frame, uint32_t *added)
{
	uint32_t headroom = h->tp_mac - TPACKET3_HDRLEN;

	*added = 0;
	if (block->cooked) {
		*added = ring_build_sll2(frame, h, sll, headroom);
		return *added != 0;
	}
	if (block->can)
		ring_fix_can(*frame, h->tp_snaplen, sll->sll_protocol);
	else if ((h->tp_status & TP_STATUS_VLAN_VALID) && ring_reinsert_vlan(frame, h, headroom))
		*added = VLAN_HLEN;
	return true;
}

/* Moves to the packet after h. tp_next_offset is 0 on the last packet; a
 * 0 earlier means a corrupt block. The kernel only chains forward
 * (prb_fill_curr_block adds the aligned packet length), so a link that
 * wraps or lands inside this header is corrupt too: followed, two packets
 * pointing at each other would hand out the same frames num_pkts (up to
 * 2^32) times. */
static void ring_block_advance(struct rc_block *block, const struct tpacket3_hdr *h)
{
	block->remaining--;
	if (block->remaining == 0)
		return;
	if (h->tp_next_offset < TPACKET3_HDRLEN ||
	    h->tp_next_offset > block->block_size - block->offset) {
		block->bad_frames += block->remaining;
		block->remaining = 0;
		return;
	}
	block->offset += h->tp_next_offset;
}

int ring_block_next(struct rc_block *block, struct rc_packet *ret)
{
	const struct tpacket3_hdr *h;
	const struct sockaddr_ll *sll;
	uint8_t *frame;
	uint32_t caplen, origlen, added;

	for (;;) {
		if (block->remaining == 0)
			return 0;
		if (!ring_frame_in_bounds(block, block->offset)) {
			block->bad_frames += block->remaining;
			block->remaining = 0;
			return 0;
		}
		h = ring_at(block, block->offset);
		if (block->offset + RING_PREFETCH_AHEAD < block->block_size)
			__builtin_prefetch((const uint8_t *)h + RING_PREFETCH_AHEAD);
		sll = ring_at(block, block->offset + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
		frame = (uint8_t *)h + h->tp_mac;
		if (ring_restore_frame(block, h, sll, &frame, &added))
			break;
		block->bad_frames++;
		ring_block_advance(block, h);
	}
	caplen = h->tp_snaplen + added;
	origlen = h->tp_len + added;
	if (caplen > block->snaplen)
		caplen = block->snaplen;
	*ret = (struct rc_packet){
		.data = frame,
		.caplen = caplen,
		.origlen = origlen < caplen ? caplen : origlen,
		.ts_ns = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec,
		.pkttype = sll->sll_pkttype,
		.ts_source = ring_ts_source(h->tp_status),
	};
	ring_block_advance(block, h);
	return 1;
}
