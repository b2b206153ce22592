/* SPDX-License-Identifier: MIT */
/*
 * fuzz_compare.c - libFuzzer target: the input split in two capture
 * files, compared, then A annotated to /dev/null.
 *
 * DESIGN: the reader has its own target; this one reaches what parses
 * packet bytes (key.c's link, VLAN, IPv4 and IPv6 headers) and the
 * matcher's bookkeeping with arbitrary times, both untrusted input too.
 * The split point is the first byte, so the fuzzer can move it.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <ringcap/compare.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	RC_OPTS(rc_compare_config, c, .window_ns = 1000000, .sample_packets = 16);
	struct rc_reader *a = NULL, *b = NULL;
	struct rc_compare_report *rep = NULL;
	size_t cut;

	if (size < 1)
		return 0;
	cut = 1 + (size - 1) * data[0] / 255;
	if (rc_reader_open_mem(data + 1, cut - 1, &a) == 0 &&
	    rc_reader_open_mem(data + cut, size - cut, &b) == 0 &&
	    rc_compare_run(&c, a, b, &rep) == 0) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		rc_reader_close(a);
		a = NULL;
		if (fd >= 0 && rc_reader_open_mem(data + 1, cut - 1, &a) == 0)
			(void)rc_compare_annotate(rep, a, fd);
		if (fd >= 0)
			close(fd);
	}
	rc_compare_report_free(rep);
	rc_reader_close(a);
	rc_reader_close(b);
	return 0;
}
