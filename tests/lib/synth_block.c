/* SPDX-License-Identifier: MIT */
/*
 * synth_block.c - see synth_block.h. The frame offset follows tpacket_rcv():
 * netoff = TPACKET_ALIGN(hdrlen + max(maclen, 16)) + reserve,
 * macoff = netoff - maclen, with ringcap's PACKET_RESERVE of 4; for a
 * SOCK_DGRAM socket macoff = netoff = TPACKET_ALIGN(hdrlen) + 16 + reserve,
 * with the cooked reserve of 24. Packets follow each other at 8-byte
 * alignment (V3_ALIGNMENT).
 */
#include "synth_block.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#define RESERVE 4u
#define COOKED_RESERVE 24u
#define MACLEN 14u

void synth_block_init(struct synth_block *b, uint32_t block_size, uint32_t seq_num)
{
	struct tpacket_block_desc *d;

	b->mem = aligned_alloc(4096, block_size);
	memset(b->mem, 0, block_size);
	b->block_size = block_size;
	d = (void *)b->mem;
	d->version = TPACKET_V3;
	d->hdr.bh1.seq_num = seq_num;
	d->hdr.bh1.offset_to_first_pkt = TPACKET_ALIGN(sizeof(*d));
	b->fill = d->hdr.bh1.offset_to_first_pkt;
	b->last = NULL;
}

void synth_block_add(struct synth_block *b, const struct synth_packet *p)
{
	struct tpacket_block_desc *d = (void *)b->mem;
	struct tpacket3_hdr *h = (void *)(b->mem + b->fill);
	struct sockaddr_ll *sll;
	uint32_t netoff = p->cooked ? TPACKET_ALIGN(TPACKET3_HDRLEN) + 16 + COOKED_RESERVE
				    : TPACKET_ALIGN(TPACKET3_HDRLEN + 16) + RESERVE;
	uint32_t macoff = p->cooked ? netoff : netoff - MACLEN;

	h->tp_sec = (uint32_t)(p->ts_ns / 1000000000u);
	h->tp_nsec = (uint32_t)(p->ts_ns % 1000000000u);
	h->tp_snaplen = p->caplen;
	h->tp_len = p->len;
	h->tp_status = TP_STATUS_USER | p->status;
	h->tp_mac = (uint16_t)macoff;
	h->tp_net = (uint16_t)netoff;
	h->hv1.tp_vlan_tci = p->vlan_tci;
	h->hv1.tp_vlan_tpid = p->vlan_tpid;
	sll = (void *)((uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
	sll->sll_family = AF_PACKET;
	sll->sll_pkttype = p->pkttype;
	sll->sll_protocol = htons(p->protocol);
	sll->sll_ifindex = p->ifindex;
	sll->sll_hatype = p->hatype;
	sll->sll_halen = p->halen;
	memcpy(sll->sll_addr, p->addr, sizeof(sll->sll_addr));
	memcpy((uint8_t *)h + macoff, p->frame, p->caplen);
	if (b->last)
		b->last->tp_next_offset = (uint32_t)((uint8_t *)h - (uint8_t *)b->last);
	b->last = h;
	b->fill += (macoff + p->caplen + 7u) & ~7u; /* V3_ALIGNMENT: 8 */
	d->hdr.bh1.num_pkts++;
	d->hdr.bh1.blk_len = b->fill;
}

void synth_block_close(struct synth_block *b)
{
	struct tpacket_block_desc *d = (void *)b->mem;

	d->hdr.bh1.block_status = TP_STATUS_USER;
}

void synth_block_free(struct synth_block *b)
{
	free(b->mem);
	b->mem = NULL;
}
