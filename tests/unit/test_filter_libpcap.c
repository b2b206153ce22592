/* SPDX-License-Identifier: MIT */
/*
 * test_filter_libpcap.c - differential tests against libpcap's own filter
 * test suite (testprogs/TESTrun, pcaps from libpcap tests/filter/; BSD-2-
 * Clause), as extracted into tests/data/filter/ (see the README there).
 *
 * DESIGN: three tables, four tests, and the kernel as a fifth judge.
 * "apply": compile with ringcap, run
 * the program with ringcap's interpreter over the pcap, and compare every
 * packet's verdict with libpcap's. "reject": libpcap refuses these, so
 * must ringcap. "accept": libpcap compiles these, so should ringcap; and
 * where the table has libpcap's own program, both programs run over every
 * packet of every pcap here and must agree on each ("same"). What
 * ringcap does not support yet is named in expected-failures.txt, and the
 * test fails both on a new failure and on a listed one that now passes,
 * so the list stays exact and progress shows. Counts go to stdout.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/filter.h>
#include <ringcap/filter.h>

#define DATA FILTER_DATA_DIR

/* ---- small helpers: files, lines, the expected-failure list ---- */

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	if (ret_len)
		*ret_len = (size_t)n;
	return buf;
}

/* Splits line at tabs into at most max fields; returns the count. */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;

	while (n < max) {
		fields[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = 0;
	}
	return n;
}

struct xfail {
	char *text;
	size_t len;
};

static struct xfail xfail_load(void)
{
	struct xfail x;

	x.text = slurp(DATA "/expected-failures.txt", &x.len);
	return x;
}

/* Is "kind<TAB>key" a line of the list? Marks found lines with '!' so that
 * stale entries can be reported. */
static bool xfail_has(struct xfail *x, const char *kind, const char *key)
{
	size_t kl = strlen(kind), keyl = strlen(key);

	for (char *p = x->text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *q = p + (*p == '!');

		if (strncmp(q, kind, kl) == 0 && q[kl] == '\t' && strncmp(q + kl + 1, key, keyl) == 0 &&
		    (q[kl + 1 + keyl] == '\n' || q[kl + 1 + keyl] == 0)) {
			*p = '!';
			return true;
		}
	}
	return false;
}

/* Lines of kind the run never matched: listed as failing, now passing. */
static unsigned xfail_stale(const struct xfail *x, const char *kind)
{
	size_t kl = strlen(kind);
	unsigned n = 0;

	for (const char *p = x->text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, kind, kl) == 0 && p[kl] == '\t') {
			const char *e = strchr(p, '\n');

			printf("  now passes, remove from expected-failures.txt: %.*s\n",
			       (int)(e ? e - p : (long)strlen(p)), p);
			n++;
		}
	}
	return n;
}

static uint32_t netmask_of(const char *s)
{
	unsigned a, b, c, d;

	/* 255.255.255.255 is libpcap's PCAP_NETMASK_UNKNOWN. */
	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || (a & b & c & d) == 255)
		return 0;
	return a << 24 | b << 16 | c << 8 | d;
}

static int compile_live(const char *expr, uint32_t netmask, bool live, struct rc_filter **ret)
{
	struct rc_filter_config c = { .sz = sizeof(struct rc_filter_config), .snaplen = 262144, .netmask = netmask, .linux_ext = live };
	struct rc_filter_error err;

	return rc_filter_compile(expr, &c, ret, &err);
}

static int compile(const char *expr, uint32_t netmask, struct rc_filter **ret)
{
	return compile_live(expr, netmask, false, ret);
}

/* ---- a classic pcap reader, just enough for these files ---- */

struct pcap_file {
	char name[64];
	char *buf;
	size_t len, off;
	bool swap;
};

static uint32_t pcap_u32(const struct pcap_file *f, size_t off)
{
	const uint8_t *p = (const uint8_t *)f->buf + off;

	return f->swap ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]
		       : (uint32_t)p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0];
}

static void pcap_open(const char *name, struct pcap_file *f)
{
	char path[512];
	uint32_t magic;

	snprintf(path, sizeof(path), DATA "/pcaps/%s", name);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->buf = slurp(path, &f->len);
	assert_true(f->len >= 24);
	f->swap = false;
	magic = pcap_u32(f, 0);
	if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d)
		f->swap = true;
	magic = pcap_u32(f, 0);
	assert_true(magic == 0xa1b2c3d4 || magic == 0xa1b23c4d);
	assert_int_equal(pcap_u32(f, 20), 1); /* LINKTYPE_ETHERNET */
	f->off = 24;
}

/* Next record: false at the end of the file. */
static bool pcap_next(struct pcap_file *f, const uint8_t **pkt, uint32_t *caplen, uint32_t *len)
{
	if (f->off + 16 > f->len)
		return false;
	*caplen = pcap_u32(f, f->off + 8);
	*len = pcap_u32(f, f->off + 12);
	assert_true(*caplen <= f->len - f->off - 16);
	*pkt = (const uint8_t *)f->buf + f->off + 16;
	f->off += 16 + *caplen;
	return true;
}

/* ---- the three tables ---- */

/* Runs one apply test; returns NULL on agreement or why it disagrees. */
static const char *apply_one(const char *pcap, const char *netmask, const char *expr,
			     const char *verdicts, char *why, size_t size)
{
	struct pcap_file f;
	struct rc_filter *prog;
	const struct sock_filter *insns;
	const uint8_t *pkt;
	uint32_t caplen, len;
	size_t n, i = 0;
	const char *res = NULL;

	if (compile(expr, netmask_of(netmask), &prog) < 0)
		return "does not compile";
	insns = rc_filter_insns(prog, &n);
	pcap_open(pcap, &f);
	while (!res && pcap_next(&f, &pkt, &caplen, &len)) {
		struct rc_filter_aux aux = { .wire_len = len };
		bool accepted = rc_filter_run(insns, n, pkt, caplen, &aux) != 0;

		if (!verdicts[i] || accepted != (verdicts[i] == '1')) {
			snprintf(why, size, "packet %zu: %s, libpcap %s", i + 1,
				 accepted ? "accepted" : "rejected",
				 verdicts[i] == '1' ? "accepts" : "rejects");
			res = why;
		}
		i++;
	}
	if (!res && verdicts[i])
		res = "fewer packets than verdicts";
	free(f.buf);
	rc_filter_free(prog);
	return res;
}

static void test_libpcap_apply(void **state)
{
	char *text = slurp(DATA "/apply.tsv", NULL), *line, *save = NULL;
	struct xfail x = xfail_load();
	unsigned total = 0, pass = 0, regress = 0;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fld[5] = { NULL, NULL, NULL, NULL, NULL }, why[128];
		const char *res;

		assert_int_equal(split_tabs(line, fld, 5), 5);
		total++;
		res = apply_one(fld[1], fld[2], fld[3], fld[4], why, sizeof(why));
		if (!res) {
			pass++;
		} else if (!xfail_has(&x, "apply", fld[0])) {
			printf("  REGRESSION apply %s '%s': %s\n", fld[0], fld[3], res);
			regress++;
		}
	}
	printf("libpcap Ethernet apply tests: %u of %u pass\n", pass, total);
	assert_int_equal(regress, 0);
	assert_int_equal(xfail_stale(&x, "apply"), 0);
	free(x.text);
	free(text);
}

static void test_libpcap_reject(void **state)
{
	char *text = slurp(DATA "/reject.tsv", NULL), *line, *save = NULL;
	struct xfail x = xfail_load();
	unsigned total = 0, pass = 0, regress = 0;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fld[3] = { NULL, NULL, NULL };
		struct rc_filter *prog;

		assert_int_equal(split_tabs(line, fld, 3), 3);
		total++;
		if (compile(fld[2], netmask_of(fld[1]), &prog) < 0) {
			pass++;
			continue;
		}
		rc_filter_free(prog);
		if (!xfail_has(&x, "reject", fld[2])) {
			printf("  REGRESSION reject %s: '%s' compiles\n", fld[0], fld[2]);
			regress++;
		}
	}
	printf("libpcap Ethernet reject tests: %u of %u rejected\n", pass, total);
	assert_int_equal(regress, 0);
	assert_int_equal(xfail_stale(&x, "reject"), 0);
	free(x.text);
	free(text);
}

static void test_libpcap_accept(void **state)
{
	char *text = slurp(DATA "/accept.tsv", NULL), *line, *save = NULL;
	struct xfail x = xfail_load();
	unsigned total = 0, pass = 0, regress = 0;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct rc_filter *prog;
		char *fld[3] = { NULL, NULL, NULL };

		assert_int_equal(split_tabs(line, fld, 3), 3);
		total++;
		if (compile_live(fld[1], 0, strcmp(fld[0], "live") == 0, &prog) == 0) {
			rc_filter_free(prog);
			pass++;
		} else if (!xfail_has(&x, "accept", fld[1])) {
			printf("  REGRESSION accept: '%s' does not compile\n", fld[1]);
			regress++;
		}
	}
	printf("libpcap Ethernet accept expressions: %u of %u compile\n", pass, total);
	assert_int_equal(regress, 0);
	assert_int_equal(xfail_stale(&x, "accept"), 0);
	free(x.text);
	free(text);
}

/* "c,jt,jf,k c,jt,jf,k ..." into instructions; returns the count. */
static size_t parse_program(const char *s, struct sock_filter *out, size_t max)
{
	size_t n = 0;
	unsigned c, jt, jf, k;
	int used;

	while (n < max && sscanf(s, "%u,%u,%u,%u%n", &c, &jt, &jf, &k, &used) == 4) {
		out[n++] = (struct sock_filter){ (uint16_t)c, (uint8_t)jt, (uint8_t)jf, k };
		s += used;
	}
	return n;
}

struct packets {
	struct pcap_file files[32];
	unsigned n;
};

static void packets_load(struct packets *p)
{
	DIR *d = opendir(DATA "/pcaps");
	struct dirent *e;

	assert_non_null(d);
	p->n = 0;
	while ((e = readdir(d)) && p->n < 32)
		if (e->d_name[0] != '.')
			pcap_open(e->d_name, &p->files[p->n++]);
	closedir(d);
}

/* NULL when both programs agree on every packet, else which packet not. */
static const char *same_verdicts(struct packets *p, const struct sock_filter *a, size_t na,
				 const struct sock_filter *b, size_t nb, char *why, size_t size)
{
	const uint8_t *pkt;
	uint32_t caplen, len;

	for (unsigned i = 0; i < p->n; i++) {
		unsigned k = 0;

		for (p->files[i].off = 24; pcap_next(&p->files[i], &pkt, &caplen, &len); k++) {
			struct rc_filter_aux aux = { .wire_len = len };
			bool va = rc_filter_run(a, na, pkt, caplen, &aux) != 0;
			bool vb = rc_filter_run(b, nb, pkt, caplen, &aux) != 0;

			if (va != vb) {
				snprintf(why, size, "packet %u of %s: ringcap %s", k + 1,
					 p->files[i].name, va ? "accepts" : "rejects");
				return why;
			}
		}
	}
	return NULL;
}

static void test_libpcap_same_verdicts(void **state)
{
	char *text = slurp(DATA "/accept.tsv", NULL), *line, *save = NULL;
	struct xfail x = xfail_load();
	unsigned total = 0, pass = 0, regress = 0;
	static struct packets pk;

	(void)state;
	packets_load(&pk);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fld[3] = { NULL, NULL, NULL }, why[160];
		struct sock_filter theirs[BPF_MAXINSNS];
		const struct sock_filter *ours;
		struct rc_filter *prog;
		size_t nt, no;
		const char *res;

		assert_int_equal(split_tabs(line, fld, 3), 3);
		if (strcmp(fld[2], "-") == 0 ||
		    compile_live(fld[1], 0, strcmp(fld[0], "live") == 0, &prog) < 0)
			continue; /* no program to compare, or the accept test reports it */
		total++;
		nt = parse_program(fld[2], theirs, BPF_MAXINSNS);
		ours = rc_filter_insns(prog, &no);
		res = same_verdicts(&pk, ours, no, theirs, nt, why, sizeof(why));
		rc_filter_free(prog);
		if (!res)
			pass++;
		else if (!xfail_has(&x, "same", fld[1])) {
			printf("  REGRESSION same '%s': %s\n", fld[1], res);
			regress++;
		}
	}
	printf("libpcap Ethernet programs: %u of %u agree with ringcap's on all %u pcaps\n",
	       pass, total, pk.n);
	for (unsigned i = 0; i < pk.n; i++)
		free(pk.files[i].buf);
	assert_int_equal(regress, 0);
	assert_int_equal(xfail_stale(&x, "same"), 0);
	free(x.text);
	free(text);
}

/* The kernel's classic BPF checker is the judge of what attaches, and it
 * runs for any socket, no privileges needed: every program ringcap makes
 * for libpcap's expressions, live and savefile flavour, must pass it. */
static void test_kernel_accepts(void **state)
{
	char *text = slurp(DATA "/accept.tsv", NULL), *line, *save = NULL;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	unsigned total = 0;

	(void)state;
	assert_true(fd >= 0);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fld[3] = { NULL, NULL, NULL };

		assert_int_equal(split_tabs(line, fld, 3), 3);
		for (int live = 0; live < 2; live++) {
			struct rc_filter *prog;
			struct sock_fprog fp;
			size_t n;

			if (compile_live(fld[1], 0, live, &prog) < 0)
				continue;
			fp.filter = (struct sock_filter *)rc_filter_insns(prog, &n);
			fp.len = (unsigned short)n;
			if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0)
				fail_msg("kernel refused '%s' (%s): %s", fld[1], live ? "live" : "savefile",
					 strerror(errno));
			rc_filter_free(prog);
			total++;
		}
	}
	printf("kernel accepted all %u programs\n", total);
	close(fd);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libpcap_apply),
		cmocka_unit_test(test_libpcap_reject),
		cmocka_unit_test(test_libpcap_accept),
		cmocka_unit_test(test_libpcap_same_verdicts),
		cmocka_unit_test(test_kernel_accepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
