/* SPDX-License-Identifier: MIT */
/*
 * synth_block.h - builds TPACKET_V3 blocks in ordinary memory, laid out as
 * the kernel lays them out (net/packet/af_packet.c: prb_fill_curr_block,
 * tpacket_rcv), so the engine's walker can be tested without a socket.
 */
#ifndef RINGCAP_TESTS_SYNTH_BLOCK_H
#define RINGCAP_TESTS_SYNTH_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/if_packet.h>

struct synth_block {
	uint8_t *mem;            /* block_size bytes, page aligned */
	uint32_t block_size;
	uint32_t fill;           /* offset of the next packet */
	struct tpacket3_hdr *last;
};

struct synth_packet {
	const uint8_t *frame;    /* as the socket sees it: any VLAN tag already stripped */
	uint32_t caplen;
	uint32_t len;            /* on the wire, minus a stripped tag */
	uint64_t ts_ns;
	uint8_t pkttype;
	uint32_t status;         /* TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID ... */
	uint16_t vlan_tci;
	uint16_t vlan_tpid;
	/* A SOCK_DGRAM socket's packet: frame starts at the network header,
	 * and the link layer is in the sockaddr_ll (PACKET_RESERVE 24). */
	bool cooked;
	uint16_t protocol;       /* sll_protocol, host order here */
	int ifindex;
	uint16_t hatype;
	uint8_t halen;
	uint8_t addr[8];
};

void synth_block_init(struct synth_block *b, uint32_t block_size, uint32_t seq_num);
void synth_block_add(struct synth_block *b, const struct synth_packet *p);
/* Marks the block retired (TP_STATUS_USER), as the kernel does. */
void synth_block_close(struct synth_block *b);
void synth_block_free(struct synth_block *b);

#endif
