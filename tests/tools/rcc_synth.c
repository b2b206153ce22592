/* SPDX-License-Identifier: MIT */
/*
 * rcc_synth - writes two large pcapng files of the same UDP traffic as
 * seen at two points, for measuring ringcap compare's time and memory:
 *
 *   rcc_synth COUNT A.pcapng B.pcapng
 *
 * COUNT packets 1 us apart over 500 flows, each both ways; B's
 * clock is 1.5 s ahead, every packet takes 300 us; every 1000th A->B
 * packet is lost, every 5000th duplicated. It prints the counts
 * ringcap compare should report.
 *
 * DESIGN: test tool. Writes through libringcap's writer, packet by
 * packet, one writer per file; packets differ by a counter in IP ID and
 * payload so no two are identical.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcap/writer.h>

#define OFFSET_NS 1500000000LL
#define DELAY_NS 300000LL

static void frame(uint8_t *b, uint64_t i, int reverse)
{
	uint16_t flow = (uint16_t)(i / 2 % 500);

	memset(b, 0, 60);
	memcpy(b, reverse ? "\x02\0\0\0\0\x0a" : "\x02\0\0\0\0\x0b", 6);
	memcpy(b + 6, reverse ? "\x02\0\0\0\0\x0b" : "\x02\0\0\0\0\x0a", 6);
	b[12] = 0x08;
	b[14] = 0x45, b[17] = 46, b[18] = (uint8_t)(i >> 8), b[19] = (uint8_t)i;
	b[22] = 64, b[23] = 17;
	memcpy(b + 26, reverse ? "\xc6\x13\0\x01\xc6\x12\0\x01" : "\xc6\x12\0\x01\xc6\x13\0\x01", 8);
	b[34] = (uint8_t)(0x40 | flow >> 8), b[35] = (uint8_t)flow; /* ports 16384+flow, 9 */
	b[37] = 9;
	if (reverse) {
		memcpy(b + 34, "\0\x09", 2);
		b[36] = (uint8_t)(0x40 | flow >> 8), b[37] = (uint8_t)flow;
	}
	b[39] = 26;
	memcpy(b + 42, &i, 8);
}

static void put(struct rc_writer *w, int64_t t, const uint8_t *b)
{
	struct rc_writer_packet p = { .data = b, .caplen = 60, .origlen = 60, .ts_ns = (uint64_t)t };

	if (rc_writer_write_packet(w, 0, &p) < 0)
		exit(1);
}

static struct rc_writer *open_file(const char *path)
{
	RC_OPTS(rc_writer_iface, ifc, .name = "synth", .linktype = 1);
	RC_OPTS(rc_writer_config, c, .path = path, .flags = RC_WRITER_F_NO_ISB, .ifaces = &ifc,
		.n_ifaces = 1, .userappl = "rcc_synth");
	struct rc_writer *w = NULL;

	return rc_writer_open(&c, &w) == 0 ? w : NULL;
}

int main(int argc, char **argv)
{
	uint64_t n = argc == 4 ? strtoull(argv[1], NULL, 10) : 0, lost = 0, dup = 0;
	struct rc_writer *fa = n ? open_file(argv[2]) : NULL, *fb = n ? open_file(argv[3]) : NULL;
	int64_t t0 = 1700000000000000000LL;
	uint8_t b[64];

	if (!fa || !fb) {
		fprintf(stderr, "usage: rcc_synth COUNT A.pcapng B.pcapng\n");
		return 2;
	}
	/* Each side's file must be in its own time order: A sends at t,
	 * B sends at t too (B->A), and each sees the other's DELAY later;
	 * at 1 us spacing that is a fixed shift of DELAY/1000 packets. */
	for (uint64_t i = 0; i < n + DELAY_NS / 1000; i++) {
		uint64_t s = i - DELAY_NS / 1000; /* packet arriving now */
		int64_t t = t0 + (int64_t)i * 1000;

		if (i < n) {
			frame(b, i, i % 2);
			put(i % 2 ? fb : fa, i % 2 ? t + OFFSET_NS : t, b);
		}
		if (i < DELAY_NS / 1000)
			continue;
		frame(b, s, s % 2);
		if (s % 2 == 0 && s % 1000 == 0) {
			lost++;
			continue;
		}
		put(s % 2 ? fa : fb, s % 2 ? t : t + OFFSET_NS, b);
		if (s % 2 == 0 && s % 5000 == 2) {
			put(fb, t + OFFSET_NS, b);
			dup++;
		}
	}
	if (rc_writer_close(fa, NULL, 0, NULL) < 0 || rc_writer_close(fb, NULL, 0, NULL) < 0)
		return 1;
	printf("packets %" PRIu64 " lost_a_to_b %" PRIu64 " duplicated %" PRIu64
	       " clock_offset_ns %lld delay_ns %lld\n", n, lost, dup, OFFSET_NS, DELAY_NS);
	return 0;
}
