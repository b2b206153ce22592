/* SPDX-License-Identifier: MIT */
/*
 * ring.h - the TPACKET_V3 block walker, private to the engine.
 *
 * DESIGN: kept apart from the socket code so that unit tests can build
 * synthetic blocks in ordinary memory and walk them with the very code that
 * walks the kernel's ring.
 */
#ifndef RINGCAP_ENGINE_RING_H
#define RINGCAP_ENGINE_RING_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/if_packet.h>

#include <ringcap/engine.h>

struct rc_block {
	struct rc_engine *engine;          /* NULL for a synthetic block */
	struct tpacket_block_desc *desc;
	uint32_t block_size;
	uint32_t snaplen;                  /* caps caplen after a VLAN tag is put back */
	uint32_t tag;
	bool cooked;                       /* SOCK_DGRAM: write an SLL2 header (fixed at open) */
	bool can;                          /* LINKTYPE_CAN_SOCKETCAN: fix each header (fixed at open) */
	/* Walk state. */
	uint32_t remaining;
	uint32_t offset;                   /* of the next tpacket3_hdr in the block */
	uint64_t drops_before;
	uint64_t bad_frames;               /* frames the walker refused (bounds) */
	/* 1 while the block is outside the kernel's and the engine's hands.
	 * Written by rc_block_release (any thread), read by the engine. */
	int in_flight;
};

/* Headroom a cooked packet needs in front of its network header: the
 * SLL2 header and a VLAN tag put back behind it (PACKET_RESERVE). */
#define RING_VLAN_HLEN 4u
#define RING_COOKED_HEADROOM (RC_SLL2_HDR_LEN + RING_VLAN_HLEN)

/* Prepares a retired block for walking (cooked and can are left as they are). */
void ring_block_begin(struct rc_block *block, struct tpacket_block_desc *desc,
		      uint32_t block_size, uint32_t snaplen);

/* Returns 1 and the next packet, or 0 at the end of the block. */
int ring_block_next(struct rc_block *block, struct rc_packet *ret);

/* Per-block status word, read with acquire: pairs with the kernel's
 * smp_wmb() in prb_close_block() before it publishes TP_STATUS_USER, so
 * every packet header in the block is visible once the status says so. */
static inline uint32_t ring_block_status(const struct tpacket_block_desc *desc)
{
	return __atomic_load_n(&desc->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
}

/* Hands the block to the kernel. Release: every read of (and the in-place
 * VLAN rewrite in) the block happens before the kernel may refill it. */
static inline void ring_block_give_to_kernel(struct tpacket_block_desc *desc)
{
	__atomic_store_n(&desc->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

#endif
