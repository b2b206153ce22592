/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ring.c - libFuzzer target: any bytes as one retired TPACKET_V3
 * block, walked by the engine's block walker.
 *
 * DESIGN: ring.c reads memory the kernel wrote, so a kernel bug or a
 * stray write in the process must end a walk, never read past the block.
 * The first four bytes are the snaplen (its top bit: walk the block as a
 * cooked socket's, building SLL2 headers; the next: as a CAN socket's),
 * the rest is the block itself,
 * copied into a buffer of exactly the block's size (8-byte aligned, as
 * the kernel's blocks are page aligned) so ASan sees any read past it.
 * The walker may rewrite a VLAN tag or write an SLL2 header in place,
 * which the copy allows.
 * Seeds (fuzz/corpus/fuzz_ring) are blocks built by tests/lib/synth_block.c.
 */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The smallest block the engine can be configured with is a page; one
 * that cannot hold a descriptor and a packet header is not a block. */
#define FUZZ_MIN_BLOCK (TPACKET_ALIGN(sizeof(struct tpacket_block_desc)) + TPACKET3_HDRLEN)

static void fuzz_check_packet(const uint8_t *mem, uint32_t block_size, uint32_t snaplen,
			      const struct rc_packet *p)
{
	volatile uint8_t sink = 0;

	if (p->data < mem || p->caplen > block_size ||
	    p->data + p->caplen > mem + block_size || p->caplen > snaplen ||
	    p->origlen < p->caplen)
		abort();
	for (uint32_t i = 0; i < p->caplen; i++)
		sink ^= p->data[i];
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_block rb;
	struct rc_packet p;
	uint32_t snaplen, block_size, n = 0, limit;
	uint8_t *mem;

	if (size < 4 + FUZZ_MIN_BLOCK || size > (1u << 24))
		return 0;
	memcpy(&snaplen, data, 4);
	block_size = (uint32_t)((size - 4 + 7) & ~(size_t)7);
	mem = aligned_alloc(8, block_size);
	if (!mem)
		return 0;
	memset(mem, 0, block_size);
	memcpy(mem, data + 4, size - 4);
	memset(&rb, 0, sizeof(rb));
	rb.cooked = snaplen >> 31;
	rb.can = (snaplen >> 30) & 1;
	snaplen &= 0x3fffffffu;
	ring_block_begin(&rb, (void *)mem, block_size, snaplen);
	limit = rb.remaining;
	while (ring_block_next(&rb, &p) == 1) {
		fuzz_check_packet(mem, block_size, snaplen, &p);
		if (++n > limit)
			abort();
	}
	if (n + rb.bad_frames != limit)
		abort();
	free(mem);
	return 0;
}
