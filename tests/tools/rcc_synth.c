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
 * DESIGN: test tool. Uses the writer's pcapng encoders, one buffered
 * stdio stream per file; packets differ by a counter in IP ID and
 * payload so no two are identical.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng.h"

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

static void put(FILE *f, int64_t t, const uint8_t *b)
{
	static uint8_t buf[256];
	struct rc_packet p = { .data = b, .caplen = 60, .origlen = 60, .ts_ns = (uint64_t)t };

	fwrite(buf, 1, pcapng_epb(buf, 0, &p, 0), f);
}

int main(int argc, char **argv)
{
	struct rc_writer_iface ifc = { .name = "synth", .linktype = 1, .snaplen = 262144 };
	uint64_t n = argc == 4 ? strtoull(argv[1], NULL, 10) : 0, lost = 0, dup = 0;
	FILE *fa = n ? fopen(argv[2], "w") : NULL, *fb = n ? fopen(argv[3], "w") : NULL;
	int64_t t0 = 1700000000000000000LL;
	uint8_t buf[512], b[64];

	if (!fa || !fb) {
		fprintf(stderr, "usage: rcc_synth COUNT A.pcapng B.pcapng\n");
		return 2;
	}
	for (FILE *f = fa; f; f = f == fa ? fb : NULL) {
		fwrite(buf, 1, pcapng_shb(buf, NULL, NULL, "rcc_synth"), f);
		fwrite(buf, 1, pcapng_idb(buf, &ifc), f);
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
	fclose(fa);
	fclose(fb);
	printf("packets %" PRIu64 " lost_a_to_b %" PRIu64 " duplicated %" PRIu64
	       " clock_offset_ns %lld delay_ns %lld\n", n, lost, dup, OFFSET_NS, DELAY_NS);
	return 0;
}
