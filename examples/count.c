/* SPDX-License-Identifier: MIT */
/* count IFACE SECONDS: packets and bytes per second through a callback, as
 * with pcap_loop, no file. Build: cc count.c $(pkg-config --cflags --libs ringcap) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <ringcap/capture.h>

struct tally { uint64_t packets, bytes, lost; };

/* On the capture thread; with one thread (the default) no lock is needed. */
static void on_packet(void *ctx, uint32_t iface, const struct rc_packet *p, uint64_t lost)
{
	struct tally *t = ctx;

	(void)iface;
	t->packets++, t->bytes += p->origlen, t->lost += lost;
}

int main(int argc, char **argv)
{
	struct tally t = { 0 };
	struct rc_capture *cap;

	if (argc != 3)
		return fprintf(stderr, "usage: count IFACE SECONDS\n"), 2;
	RC_OPTS(rc_capture_config, c, .ifaces = (const char *const *)&argv[1], .n_ifaces = 1,
		.duration_ms = strtoull(argv[2], NULL, 10) * 1000, .on_packet = on_packet,
		.on_packet_ctx = &t);
	if (rc_capture_open(&c, &cap) < 0 || rc_capture_run(cap) < 0)
		return 1;
	printf("%" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64 " lost\n", t.packets, t.bytes, t.lost);
	rc_capture_close(cap);
	return 0;
}
