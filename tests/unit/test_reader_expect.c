/* SPDX-License-Identifier: MIT */
/*
 * test_reader_expect.c - what the reader does with broken pcapng files:
 * each file of tests/data/pcapng-corpus/RINGCAP-EXPECT.tsv is refused,
 * or read with exactly the warnings listed, or read without a word, as
 * that table says; every other MANIFEST.tsv file the reader takes must
 * read without a warning, and every file MANIFEST says tshark refuses
 * (tshark_rc 2) or finds malformed (structure_expert) must be refused
 * or listed in the table.
 *
 * DESIGN: the warnings are caught with the reader's own log hook, so the
 * test sees exactly what `ringcap compare` prints.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ringcap/reader.h>

#define MAX_WARN 16

static const char *corpus_dir;

struct outcome {
	int rc;                 /* 0 or the error */
	long packets;
	char error[256];
	unsigned n_warn;
	char warn[MAX_WARN][320];
};

static void collect(void *ctx, enum rc_log_level level, const char *msg)
{
	struct outcome *o = ctx;

	assert_int_equal(level, RC_LOG_WARNING);
	assert_true(strncmp(msg, "offset ", 7) == 0); /* names the byte offset */
	if (o->n_warn < MAX_WARN)
		snprintf(o->warn[o->n_warn], sizeof(o->warn[0]), "%s", msg);
	o->n_warn++;
}

static void read_file(const char *file, struct outcome *o)
{
	char path[4096];
	struct rc_reader *r;
	struct rc_reader_packet p;
	int e;

	memset(o, 0, sizeof(*o));
	snprintf(path, sizeof(path), "%s/%s", corpus_dir, file);
	assert_int_equal(rc_reader_open(path, &r), 0);
	rc_reader_set_log(r, collect, o);
	while ((e = rc_reader_next(r, &p)) > 0)
		o->packets++;
	o->rc = e;
	snprintf(o->error, sizeof(o->error), "%s", rc_reader_error(r));
	rc_reader_close(r);
}

/* Splits a tab-separated line in place into at most n fields. */
static unsigned fields(char *line, char **f, unsigned n)
{
	unsigned i = 0;

	line[strcspn(line, "\n")] = 0;
	while (i < n) {
		f[i++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = 0;
	}
	return i;
}

/* Every warning matches one expected text and every text one warning. */
static void check_warnings(const char *file, const struct outcome *o, char *texts)
{
	unsigned n = 0;

	for (char *t = strtok(texts, "|"); t; t = strtok(NULL, "|"), n++) {
		bool found = false;

		for (unsigned i = 0; i < o->n_warn && i < MAX_WARN; i++)
			found |= strstr(o->warn[i], t) != NULL;
		if (!found)
			fail_msg("%s: no warning says '%s' (first: '%s')", file, t,
				 o->n_warn ? o->warn[0] : "none");
	}
	if (o->n_warn != n)
		fail_msg("%s: %u warnings, %u expected (first: '%s')", file, o->n_warn, n,
			 o->n_warn ? o->warn[0] : "none");
}

static void check_expect_row(char **f, unsigned *refused, unsigned *warned)
{
	struct outcome o;

	read_file(f[0], &o);
	printf("# %-52s %-6s %s\n", f[0], f[1], o.rc ? o.error : o.n_warn ? o.warn[0] : "");
	if (strcmp(f[1], "refuse") == 0) {
		if (o.rc != -EBADMSG || !strstr(o.error, f[4]))
			fail_msg("%s: want refused with '%s', got %d '%s'", f[0], f[4], o.rc, o.error);
		assert_true(strncmp(o.error, "offset ", 7) == 0);
		(*refused)++;
		return;
	}
	if (o.rc != 0)
		fail_msg("%s: refused: %s", f[0], o.error);
	assert_int_equal(o.packets, atol(f[2]));
	if (strcmp(f[1], "warn") == 0) {
		check_warnings(f[0], &o, f[4]);
		(*warned)++;
	} else {
		assert_string_equal(f[1], "ok");
		check_warnings(f[0], &o, f[4]);
	}
}

static void test_expectations(void **state)
{
	char path[4096], line[1024], *f[6];
	unsigned refused = 0, warned = 0;
	FILE *t;

	(void)state;
	snprintf(path, sizeof(path), "%s/RINGCAP-EXPECT.tsv", corpus_dir);
	t = fopen(path, "re");
	assert_non_null(t);
	while (fgets(line, sizeof(line), t)) {
		if (line[0] == '#')
			continue;
		assert_int_equal(fields(line, f, 6), 6);
		check_expect_row(f, &refused, &warned);
	}
	fclose(t);
	printf("# RINGCAP-EXPECT.tsv: %u refused, %u read with warnings\n", refused, warned);
	assert_int_equal(refused, 13);
	assert_int_equal(warned, 14);
}

static bool listed(const char *file)
{
	char path[4096], line[1024];
	bool found = false;
	FILE *t;

	snprintf(path, sizeof(path), "%s/RINGCAP-EXPECT.tsv", corpus_dir);
	t = fopen(path, "re");
	assert_non_null(t);
	while (!found && fgets(line, sizeof(line), t))
		found = strncmp(line, file, strlen(file)) == 0 && line[strlen(file)] == '\t';
	fclose(t);
	return found;
}

/* MANIFEST.tsv columns: 0 file, 2 tshark_rc, 8 structure_expert. */
static void test_manifest_files_not_listed(void **state)
{
	char path[4096], line[1024], *f[9];
	unsigned clean = 0;
	FILE *m;

	(void)state;
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", corpus_dir);
	m = fopen(path, "re");
	assert_non_null(m);
	assert_non_null(fgets(line, sizeof(line), m)); /* header */
	while (fgets(line, sizeof(line), m)) {
		struct outcome o;
		unsigned n = fields(line, f, 9);

		if (listed(f[0]))
			continue;
		read_file(f[0], &o);
		if (o.rc == 0 && o.n_warn)
			fail_msg("%s: unexpected warning '%s'", f[0], o.warn[0]);
		if (o.rc == 0 && (strcmp(f[2], "0") != 0 || (n > 8 && f[8][0])))
			fail_msg("%s: tshark says rc %s '%s', we read it without a word", f[0], f[2],
				 n > 8 ? f[8] : "");
		clean += o.rc == 0;
	}
	fclose(m);
	printf("# MANIFEST.tsv: %u more files read without a warning\n", clean);
}

/* Classic pcap has the same two length rules; each warned once, though
 * both records break both. */
static void test_pcap_lengths_warned_once(void **state)
{
	static const uint32_t file[] = {
		0xA1B2C3D4, 0x00040002, 0, 0, 2 /* snaplen */, 1,
		1000, 0, 4 /* caplen */, 2 /* origlen */, 0x64636261,
		1001, 0, 4, 2, 0x64636261,
	};
	struct outcome o = { 0 };
	struct rc_reader *r;
	struct rc_reader_packet p;

	(void)state;
	assert_int_equal(rc_reader_open_mem(file, sizeof(file), &r), 0);
	rc_reader_set_log(r, collect, &o);
	while (rc_reader_next(r, &p) > 0)
		o.packets++;
	rc_reader_close(r);
	assert_int_equal(o.packets, 2);
	assert_int_equal(o.n_warn, 2);
	assert_string_equal(o.warn[0], "offset 24: captured length 4 is more than the original "
			    "length 2 (read anyway; not repeated for later ones)");
	assert_non_null(strstr(o.warn[1], "interface's snaplen 2"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expectations),
		cmocka_unit_test(test_manifest_files_not_listed),
		cmocka_unit_test(test_pcap_lengths_warned_once),
	};

	corpus_dir = argc > 1 ? argv[1] : "tests/data/pcapng-corpus";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
