/* SPDX-License-Identifier: MIT */
/*
 * fuzz_reader.c - libFuzzer target: any bytes, read as a capture file.
 *
 * DESIGN: reads from memory, which is the path that hands out pointers
 * into the input, so ASan sees any read past a packet's end. Every
 * packet's bytes are touched for the same reason.
 */
#include <stddef.h>
#include <stdint.h>

#include <ringcap/reader.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Warnings are formatted, so the hook is set: its text is read too. */
static void fuzz_log(void *ctx, enum rc_log_level level, const char *msg)
{
	volatile const char *sink = msg;

	(void)ctx;
	(void)level;
	while (*sink)
		sink++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_reader *r;
	struct rc_reader_packet p;
	struct rc_reader_iface ifc;
	volatile uint8_t sink = 0;

	if (rc_reader_open_mem(data, size, &r) < 0)
		return 0;
	rc_reader_set_log(r, fuzz_log, NULL);
	while (rc_reader_next(r, &p) > 0) {
		for (uint32_t i = 0; i < p.caplen; i++)
			sink ^= p.data[i];
		if (rc_reader_iface(r, p.iface, &ifc) == 0)
			sink ^= (uint8_t)ifc.name[0];
	}
	(void)rc_reader_error(r);
	rc_reader_close(r);
	return sink & 0;
}
