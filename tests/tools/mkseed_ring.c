/* SPDX-License-Identifier: MIT */
/*
 * mkseed_ring - writes a seed for the fuzz_ring target (engine/fuzz):
 *
 *   mkseed_ring CAPTURE SNAPLEN OUT
 *
 * packs the first packets of CAPTURE (a test-data pcap or pcapng) into
 * one 4 KiB synthetic TPACKET_V3 block and writes SNAPLEN (4 bytes,
 * host order) then the block. Every other packet has its VLAN tag in
 * the header, as when the NIC stripped it, so the seeds reach the
 * walker's tag reinsertion.
 *
 * DESIGN: test tool, run by fuzz/make-seeds; the seeds it wrote
 * are committed under fuzz/corpus/fuzz_ring. Packets are cut to 256
 * bytes so a block holds several and the seed stays small.
 */
#include <stdio.h>
#include <stdlib.h>

#include <ringcap/reader.h>

#include "synth_block.h"

#define SEED_BLOCK 4096u
#define SEED_CUT 256u

static void pack(struct rc_reader *r, struct synth_block *b)
{
	struct rc_reader_packet p;
	unsigned i = 0;

	while (rc_reader_next(r, &p) > 0) {
		uint32_t cut = p.caplen < SEED_CUT ? p.caplen : SEED_CUT;

		if (b->fill + 96u + cut > SEED_BLOCK)
			break;
		synth_block_add(b, &(struct synth_packet){
			.frame = p.data, .caplen = cut, .len = p.origlen,
			.ts_ns = (uint64_t)p.ts_ns, .pkttype = (uint8_t)(i % 5),
			.status = i % 2 ? TP_STATUS_VLAN_VALID | (i % 4 == 3 ? TP_STATUS_VLAN_TPID_VALID : 0) : 0,
			.vlan_tci = (uint16_t)(100 + i), .vlan_tpid = 0x88a8 });
		i++;
	}
}

int main(int argc, char **argv)
{
	struct synth_block b;
	struct rc_reader *r;
	uint32_t snaplen;
	FILE *out;

	if (argc != 4) {
		fprintf(stderr, "usage: mkseed_ring CAPTURE SNAPLEN OUT\n");
		return 2;
	}
	if (rc_reader_open(argv[1], &r) < 0) {
		fprintf(stderr, "mkseed_ring: %s: cannot read\n", argv[1]);
		return 1;
	}
	snaplen = (uint32_t)strtoul(argv[2], NULL, 0);
	synth_block_init(&b, SEED_BLOCK, 1);
	pack(r, &b);
	synth_block_close(&b);
	rc_reader_close(r);
	out = fopen(argv[3], "wb");
	if (!out || fwrite(&snaplen, 4, 1, out) != 1 || fwrite(b.mem, SEED_BLOCK, 1, out) != 1 ||
	    fclose(out) != 0) {
		fprintf(stderr, "mkseed_ring: %s: cannot write\n", argv[3]);
		return 1;
	}
	synth_block_free(&b);
	return 0;
}
