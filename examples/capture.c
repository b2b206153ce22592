/* SPDX-License-Identifier: MIT */
/* capture IFACE COUNT OUT.pcapng: exactly COUNT packets from IFACE into a
 * pcapng file, then the counters. Build: cc capture.c $(pkg-config --cflags --libs ringcap) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <ringcap/capture.h>

static void say(void *ctx, enum rc_log_level level, const char *msg)
{
	(void)ctx, (void)level;
	fprintf(stderr, "capture: %s\n", msg);
}

int main(int argc, char **argv)
{
	struct rc_capture *cap;
	struct rc_capture_result res;

	if (argc != 4)
		return fprintf(stderr, "usage: capture IFACE COUNT OUT.pcapng\n"), 2;
	RC_OPTS(rc_writer_config, out, .path = argv[3], .limits.packets = strtoull(argv[2], NULL, 10));
	RC_OPTS(rc_capture_config, c, .ifaces = (const char *const *)&argv[1], .n_ifaces = 1,
		.output = &out, .log = say);
	if (rc_capture_open(&c, &cap) < 0 || rc_capture_run(cap) < 0)
		return 1;
	rc_capture_result(cap, &res);
	printf("%" PRIu64 " written, %" PRIu64 " received, %" PRIu64 " dropped\n",
	       res.total.written.packets, res.total.received, res.total.dropped);
	rc_capture_close(cap);
	return res.end == RC_CAPTURE_END_LIMIT ? 0 : 1;
}
