/* SPDX-License-Identifier: MIT */
/*
 * test_reader.c - the capture-file reader against the public corpus
 * (tests/data/pcapng-corpus, MANIFEST.tsv) and against small files built
 * here from the pcap and pcapng specs.
 *
 * DESIGN: the corpus verdict comes from its own metadata: a file libpcap
 * rejects (libpcap-reject/expected-errstr.tsv) must give an error, any
 * other must give MANIFEST's packet count. The one disagreement is listed
 * with its reason. Every prefix of the built files is read too, which is
 * where a reader that trusts a length reads out of bounds (ASan in CI).
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ringcap/reader.h>

static const char *corpus_dir;

/* libpcap rejects a section with no IDB; the pcapng draft (4.2) allows
 * one, tshark reads it as 0 packets, and so do we. */
static const char *const accepted_despite_libpcap[] = { "pcapng-no-idb.pcapng" };

/* Packets in the file, or the negative error. */
static long count_file(const char *path, char *err, size_t errlen)
{
	struct rc_reader *r;
	struct rc_reader_packet p;
	long n = 0;
	int e = rc_reader_open(path, &r);

	if (e < 0)
		return e;
	while ((e = rc_reader_next(r, &p)) > 0)
		n++;
	snprintf(err, errlen, "%s", rc_reader_error(r));
	rc_reader_close(r);
	return e < 0 ? e : n;
}

static int libpcap_rejects(const char *name)
{
	char path[4096], line[512];
	FILE *f;
	int found = 0;

	for (size_t i = 0; i < sizeof(accepted_despite_libpcap) / sizeof(char *); i++)
		if (strcmp(name, accepted_despite_libpcap[i]) == 0)
			return 0;
	snprintf(path, sizeof(path), "%s/libpcap-reject/expected-errstr.tsv", corpus_dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, name, strlen(name)) == 0 && line[strlen(name)] == '\t';
	fclose(f);
	return found;
}

static void check_manifest_row(char *line, unsigned *valid, unsigned *bad)
{
	char *file = strtok(line, "\t"), *expected, *tshark_rc, *tshark_n, path[4096], err[256];
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	long n;

	/* Empty expected_packets collapses under strtok; split by hand. */
	expected = file + strlen(file) + 1;
	tshark_rc = strchr(expected, '\t') + 1;
	tshark_n = strchr(tshark_rc, '\t') + 1;
	snprintf(path, sizeof(path), "%s/%s", corpus_dir, file);
	n = count_file(path, err, sizeof(err));
	if (libpcap_rejects(base)) {
		printf("# %-60s error: %s\n", file, err);
		assert_int_equal(n, -EBADMSG);
		assert_true(strncmp(err, "offset ", 7) == 0);
		(*bad)++;
		return;
	}
	printf("# %-60s %ld packets\n", file, n);
	if (n < 0)
		fail_msg("%s: %s", file, err);
	assert_int_equal(n, atol(*expected != '\t' ? expected : tshark_n));
	(*valid)++;
}

static void test_corpus_manifest(void **state)
{
	char path[4096], line[1024];
	unsigned valid = 0, bad = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", corpus_dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		check_manifest_row(line, &valid, &bad);
	}
	fclose(f);
	printf("# corpus: %u valid files with the expected counts, %u malformed rejected\n",
	       valid, bad);
	assert_int_equal(valid + bad, 73);
}

/* --- files built here --- */

static size_t put(uint8_t *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return n;
}

static void read_prefixes(const uint8_t *buf, size_t len);

static size_t put32x(uint8_t *p, uint32_t v, bool be)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	for (int i = 0; i < 4; i++)
		p[i] = be ? b[i] : b[3 - i];
	return 4;
}

/* Classic pcap, two packets, in either byte order, us or ns. */
static size_t build_pcap(uint8_t *b, bool be, bool ns)
{
	size_t n = 0;

	n += put32x(b + n, ns ? 0xA1B23C4D : 0xA1B2C3D4, be);
	n += put32x(b + n, be ? 0x00020004 : 0x00040002, be); /* two 16-bit fields */
	n += put32x(b + n, 0, be);
	n += put32x(b + n, 0, be);
	n += put32x(b + n, 65535, be);
	n += put32x(b + n, 1, be);
	for (uint32_t i = 0; i < 2; i++) {
		n += put32x(b + n, 1000 + i, be);
		n += put32x(b + n, ns ? 999999999 : 999999, be);
		n += put32x(b + n, 3, be);
		n += put32x(b + n, 60, be);
		n += put(b + n, "abc", 3);
	}
	return n;
}

static void test_pcap_all_forms(void **state)
{
	uint8_t buf[256];
	struct rc_reader *r;
	struct rc_reader_packet p;

	(void)state;
	for (int form = 0; form < 4; form++) {
		bool be = form & 1, ns = form & 2;
		size_t len = build_pcap(buf, be, ns);

		assert_int_equal(rc_reader_open_mem(buf, len, &r), 0);
		assert_int_equal(rc_reader_next(r, &p), 1);
		assert_int_equal(rc_reader_format(r), RC_READER_PCAP);
		assert_int_equal(p.ts_ns, ns ? 1000999999999LL : 1000999999000LL);
		assert_int_equal(p.caplen, 3);
		assert_int_equal(p.origlen, 60);
		assert_memory_equal(p.data, "abc", 3);
		assert_int_equal(p.linktype, 1);
		assert_int_equal(rc_reader_next(r, &p), 1);
		assert_int_equal(p.number, 2);
		assert_int_equal(p.ts_ns, ns ? 1001999999999LL : 1001999999000LL);
		assert_int_equal(rc_reader_next(r, &p), 0);
		rc_reader_close(r);
		read_prefixes(buf, len);
	}
}

static size_t opt(uint8_t *p, uint16_t code, const void *v, uint16_t len)
{
	size_t pad = (len + 3u) & ~3u;

	memcpy(p, &code, 2);
	memcpy(p + 2, &len, 2);
	memset(p + 4, 0, pad);
	if (len)
		memcpy(p + 4, v, len);
	return 4 + pad;
}

static size_t block(uint8_t *p, uint32_t type, const uint8_t *body, uint32_t blen)
{
	uint32_t total = 12 + blen;

	memcpy(p, &type, 4);
	memcpy(p + 4, &total, 4);
	memcpy(p + 8, body, blen);
	memcpy(p + 8 + blen, &total, 4);
	return total;
}

/* Host-order pcapng: two sections, the second with tsresol 2^-10 and a
 * tsoffset of 100 s. */
static size_t build_pcapng(uint8_t *b)
{
	uint8_t body[64];
	uint32_t shb[4] = { 0x1A2B3C4D, 1, 0xFFFFFFFF, 0xFFFFFFFF };
	uint32_t idb[2] = { 1, 0 }, epb[5];
	uint8_t resol = 0x80 | 10;
	int64_t toff = 100;
	size_t n = 0, bl;

	for (int s = 0; s < 2; s++) {
		n += block(b + n, 0x0A0D0D0A, (const uint8_t *)shb, sizeof(shb));
		bl = put(body, idb, sizeof(idb));
		if (s == 1) {
			bl += opt(body + bl, 9, &resol, 1);
			bl += opt(body + bl, 14, &toff, 8);
		}
		bl += opt(body + bl, 0, NULL, 0);
		n += block(b + n, 1, body, (uint32_t)bl);
		n += block(b + n, 0x0BAD, body, 4); /* unknown: skipped */
		epb[0] = 0, epb[1] = 0, epb[2] = 3072, epb[3] = 4, epb[4] = 64;
		bl = put(body, epb, sizeof(epb));
		bl += put(body + bl, "wxyz", 4);
		n += block(b + n, 6, body, (uint32_t)bl);
	}
	return n;
}

static void test_pcapng_sections_tsresol_tsoffset(void **state)
{
	uint8_t buf[512];
	size_t len = build_pcapng(buf);
	struct rc_reader *r;
	struct rc_reader_packet p;
	struct rc_reader_iface ifc;

	(void)state;
	assert_int_equal(rc_reader_open_mem(buf, len, &r), 0);
	assert_int_equal(rc_reader_next(r, &p), 1);
	assert_int_equal(p.ts_ns, 3072000LL); /* microseconds by default */
	assert_int_equal(p.iface, 0);
	assert_ptr_equal(p.data, buf + p.offset + 28); /* not copied */
	assert_int_equal(rc_reader_next(r, &p), 1);
	assert_int_equal(p.ts_ns, 103000000000LL); /* 3072/1024 s + 100 s */
	assert_int_equal(p.iface, 1);
	assert_int_equal(rc_reader_iface(r, 1, &ifc), 0);
	assert_int_equal(ifc.section, 1);
	assert_int_equal(rc_reader_next(r, &p), 0);
	rc_reader_close(r);
}

/* Every prefix reads as a complete file, a shorter one, or an error. */
static void read_prefixes(const uint8_t *buf, size_t len)
{
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		struct rc_reader *r;
		struct rc_reader_packet p;
		int e;

		memcpy(copy, buf, cut);
		assert_int_equal(rc_reader_open_mem(copy, cut, &r), 0);
		while ((e = rc_reader_next(r, &p)) > 0)
			assert_true(p.data + p.caplen <= copy + cut);
		assert_true(e == 0 || e == -EBADMSG);
		if (e < 0)
			assert_true(strncmp(rc_reader_error(r), "offset ", 7) == 0);
		rc_reader_close(r);
		free(copy);
	}
}

static void test_truncated_files(void **state)
{
	uint8_t buf[512];

	(void)state;
	read_prefixes(buf, build_pcapng(buf));
}

static void test_garbage_rejected(void **state)
{
	static const uint8_t junk[] = "GET / HTTP/1.1\r\n";
	struct rc_reader *r;
	struct rc_reader_packet p;

	(void)state;
	assert_int_equal(rc_reader_open_mem(junk, sizeof(junk), &r), 0);
	assert_int_equal(rc_reader_next(r, &p), -EBADMSG);
	assert_string_equal(rc_reader_error(r), "offset 0: magic 0x20544547 is neither pcapng's "
			    "Section Header Block nor a pcap magic number");
	assert_int_equal(rc_reader_next(r, &p), -EBADMSG); /* sticky */
	rc_reader_close(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_manifest),
		cmocka_unit_test(test_pcap_all_forms),
		cmocka_unit_test(test_pcapng_sections_tsresol_tsoffset),
		cmocka_unit_test(test_truncated_files),
		cmocka_unit_test(test_garbage_rejected),
	};

	corpus_dir = argc > 1 ? argv[1] : "tests/data/pcapng-corpus";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
