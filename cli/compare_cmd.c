/* SPDX-License-Identifier: MIT */
/*
 * compare_cmd.c - the compare subcommand: parse its arguments, run
 * rc_compare_run() on two readers, print the report as text or JSON,
 * and write the annotated copy of A if asked.
 *
 * DESIGN: the library returns numbers; all wording lives here, as for the
 * capture command. The text and the JSON are two printers over the same
 * report, so they cannot disagree. Flow names are built once by
 * flow_name() and used by both. The annotated copy never costs the
 * user a file: an output that is an input is refused by inode, and the
 * copy is written under a temporary name and renamed into place.
 */
#include "compare_cmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ringcap/compare.h>
#include <ringcap/reader.h>

#include "input.h"
#include "report.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

struct compare_args {
	const char *a, *b, *annotate;
	bool json;
	uint64_t window_ns;
};

static void compare_usage(void)
{
	fputs("usage: ringcap compare A.pcapng B.pcapng [--json] [--window MS] "
	      "[--annotate OUT.pcapng]\n"
	      "  A and B: captures of the same traffic at two points (pcapng or pcap)\n"
	      "  --json           one JSON object on stdout\n"
	      "  --window MS      how long a packet may take to cross, or wait for its copy "
	      "(default 1000)\n"
	      "  --annotate OUT   write A's packets to OUT with a comment on each lost,\n"
	      "                   duplicated or late one (Wireshark: frame.comment)\n", stderr);
}

static int parse_window(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long ms;

	errno = 0;
	ms = strtoull(s, &end, 10);
	if (errno || end == s || *end || ms == 0 || ms > 3600ull * 1000) {
		report_line("--window %s: give milliseconds, 1 to 3600000", s);
		return -1;
	}
	*ret = ms * 1000000ull;
	return 0;
}

static int parse_compare_args(int argc, char **argv, struct compare_args *ret)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "window", required_argument, NULL, 'w' },
		{ "annotate", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*ret = (struct compare_args){ 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'j')
			ret->json = true;
		else if (c == 'w' && parse_window(optarg, &ret->window_ns) < 0)
			return -1;
		else if (c == 'o')
			ret->annotate = optarg;
		else if (c == 'h' || c == '?')
			return -1;
	}
	if (argc - optind != 2) {
		report_line("compare needs two capture files, A and B");
		return -1;
	}
	ret->a = argv[optind];
	ret->b = argv[optind + 1];
	return 0;
}

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	default:
		snprintf(buf, len, "ip-proto-%u", proto);
		return buf;
	}
}

static void flow_name(const struct rc_compare_flow *f, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], p[16];
	const uint8_t *m = f->src, *n = f->dst;

	if (!f->family) {
		snprintf(buf, len, "ethertype 0x%04x %02x:%02x:%02x:%02x:%02x:%02x -> "
			 "%02x:%02x:%02x:%02x:%02x:%02x", f->ethertype, m[0], m[1], m[2], m[3],
			 m[4], m[5], n[0], n[1], n[2], n[3], n[4], n[5]);
		return;
	}
	inet_ntop(f->family == 4 ? AF_INET : AF_INET6, f->src, s, sizeof(s));
	inet_ntop(f->family == 4 ? AF_INET : AF_INET6, f->dst, d, sizeof(d));
	if (f->sport || f->dport)
		snprintf(buf, len, f->family == 4 ? "%s %s:%u -> %s:%u" : "%s [%s]:%u -> [%s]:%u",
			 proto_name(f->proto, p, sizeof(p)), s, f->sport, d, f->dport);
	else
		snprintf(buf, len, "%s %s -> %s", proto_name(f->proto, p, sizeof(p)), s, d);
}

/* Seconds since the epoch with all nine decimals; valid JSON number. */
static const char *ts_text(int64_t ns, char *buf, size_t len)
{
	uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	snprintf(buf, len, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "", mag / 1000000000,
		 mag % 1000000000);
	return buf;
}

/* UTC wall-clock time for people: 2026-11-26 09:36:12.123456789. */
static const char *ts_human(int64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000 - (ns % 1000000000 < 0));
	long frac = (long)(ns % 1000000000 + (ns % 1000000000 < 0 ? 1000000000 : 0));
	struct tm tm;

	if (!gmtime_r(&sec, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		return ts_text(ns, buf, len);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%09ld", frac);
	return buf;
}

static const char *method_name(enum rc_compare_offset_method m)
{
	return m == RC_COMPARE_OFFSET_SYMMETRIC ? "symmetric" :
	       m == RC_COMPARE_OFFSET_MIN_DELAY ? "min-delay" : "none";
}

static void print_json_flows(const struct rc_compare_report *r)
{
	char name[160];

	printf("  \"flows\": [");
	for (size_t i = 0; i < r->n_flows; i++) {
		const struct rc_compare_flow *f = &r->flows[i];

		flow_name(f, name, sizeof(name));
		printf("%s\n    {\"flow\": \"%s\", \"packets_a\": %" PRIu64 ", \"packets_b\": %" PRIu64
		       ", \"matched\": %" PRIu64 ", \"lost_a_to_b\": %" PRIu64 ", \"lost_b_to_a\": %"
		       PRIu64 ", \"lost_bytes_a_to_b\": %" PRIu64 ", \"lost_bytes_b_to_a\": %" PRIu64
		       ", \"duplicated\": %" PRIu64 ", \"reordered\": %" PRIu64 "}",
		       i ? "," : "", name, f->packets_a, f->packets_b, f->matched, f->lost_a_to_b,
		       f->lost_b_to_a, f->lost_bytes_a_to_b, f->lost_bytes_b_to_a, f->duplicated,
		       f->reordered);
	}
	printf("\n  ],\n");
}

static void print_json_lost(const struct rc_compare_report *r)
{
	char name[160], t[32];

	printf("  \"lost\": [");
	for (size_t i = 0; i < r->n_lost; i++) {
		const struct rc_compare_event *e = &r->lost[i];

		flow_name(&r->flows[e->flow], name, sizeof(name));
		printf("%s\n    {\"file\": \"%c\", \"index\": %" PRIu64 ", \"time\": %s, "
		       "\"bytes\": %" PRIu32 ", \"flow\": \"%s\"}", i ? "," : "", e->file, e->index,
		       ts_text(e->ts_ns, t, sizeof(t)), e->bytes, name);
	}
	printf("\n  ],\n");
}

static void print_json_nat(const struct rc_compare_report *r)
{
	char a[160], b[160];

	printf("  \"nat\": [");
	for (size_t i = 0; i < r->n_nat; i++) {
		flow_name(&r->flows[r->nat[i].flow_a], a, sizeof(a));
		flow_name(&r->flows[r->nat[i].flow_b], b, sizeof(b));
		printf("%s\n    {\"a\": \"%s\", \"b\": \"%s\"}", i ? "," : "", a, b);
	}
	printf("\n  ]\n");
}

static void print_json(const struct rc_compare_report *r)
{
	printf("{\n  \"packets_a\": %" PRIu64 ",\n  \"packets_b\": %" PRIu64 ",\n  \"matched\": %"
	       PRIu64 ",\n  \"lost_a_to_b\": %" PRIu64 ",\n  \"lost_b_to_a\": %" PRIu64
	       ",\n  \"lost_bytes_a_to_b\": %" PRIu64 ",\n  \"lost_bytes_b_to_a\": %" PRIu64
	       ",\n  \"duplicated\": %" PRIu64 ",\n  \"reordered\": %" PRIu64 ",\n",
	       r->packets_a, r->packets_b, r->matched, r->lost_a_to_b, r->lost_b_to_a,
	       r->lost_bytes_a_to_b, r->lost_bytes_b_to_a, r->duplicated, r->reordered);
	printf("  \"clock_offset_ns\": %" PRId64 ",\n  \"clock_offset_method\": \"%s\",\n",
	       r->clock_offset_ns, method_name(r->offset_method));
	printf("  \"delay_ns\": {\"min\": %" PRId64 ", \"median\": %" PRId64 ", \"p99\": %" PRId64
	       ", \"max\": %" PRId64 ", \"samples\": %" PRIu64 "},\n", r->delay.min,
	       r->delay.median, r->delay.p99, r->delay.max, r->delay.samples);
	printf("  \"lost_a_to_b_outside_b_capture\": %" PRIu64 ",\n  \"lost_b_to_a_outside_a_capture\": %"
	       PRIu64 ",\n", r->lost_a_outside_b, r->lost_b_outside_a);
	printf("  \"peak_window_packets\": %" PRIu64 ",\n", r->peak_window_packets);
	print_json_flows(r);
	print_json_lost(r);
	print_json_nat(r);
	printf("}\n");
}

static void print_text_flows(const struct rc_compare_report *r)
{
	char name[160];

	printf("\nflows, most loss first (lost: packets or segments, and bytes):\n"
	       "  %8s %8s %8s %8s %10s %8s %10s %8s %8s  flow\n", "in A", "in B", "matched",
	       "lost A>B", "bytes", "lost B>A", "bytes", "dup", "reorder");
	for (size_t i = 0; i < r->n_flows; i++) {
		const struct rc_compare_flow *f = &r->flows[i];

		flow_name(f, name, sizeof(name));
		printf("  %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %10" PRIu64 " %8" PRIu64
		       " %10" PRIu64 " %8" PRIu64 " %8" PRIu64 "  %s\n", f->packets_a, f->packets_b,
		       f->matched, f->lost_a_to_b, f->lost_bytes_a_to_b, f->lost_b_to_a,
		       f->lost_bytes_b_to_a, f->duplicated, f->reordered, name);
	}
	for (size_t i = 0; i < r->n_nat; i++) {
		char b[160];

		flow_name(&r->flows[r->nat[i].flow_a], name, sizeof(name));
		flow_name(&r->flows[r->nat[i].flow_b], b, sizeof(b));
		printf("%s  %s  is, at B,  %s\n", i ? "" : "\nNAT between the points:\n", name, b);
	}
}

static const char *outside(uint64_t n, const char *other, char *buf, size_t len)
{
	if (!n)
		return "";
	snprintf(buf, len, " (%" PRIu64 " of them sent while %s was not capturing)", n, other);
	return buf;
}

static void print_text(const struct compare_args *args, const struct rc_compare_report *r)
{
	char name[160], t[48], o1[80], o2[80];

	printf("A: %s, %" PRIu64 " packets\nB: %s, %" PRIu64 " packets\n", args->a, r->packets_a,
	       args->b, r->packets_b);
	printf("matched     %" PRIu64 "\nlost A->B   %" PRIu64 " (%" PRIu64 " payload bytes)%s"
	       "\nlost B->A   %" PRIu64 " (%" PRIu64 " payload bytes)%s"
	       "\nduplicated  %" PRIu64 "\nreordered   %" PRIu64 "\n", r->matched, r->lost_a_to_b,
	       r->lost_bytes_a_to_b, outside(r->lost_a_outside_b, "B", o1, sizeof(o1)),
	       r->lost_b_to_a, r->lost_bytes_b_to_a, outside(r->lost_b_outside_a, "A", o2, sizeof(o2)),
	       r->duplicated, r->reordered);
	printf("clock offset (B - A): %s s, %s\n", ts_text(r->clock_offset_ns, t, sizeof(t)),
	       r->offset_method == RC_COMPARE_OFFSET_SYMMETRIC ?
	       "from flows seen both ways, assuming equal delay each way" :
	       r->offset_method == RC_COMPARE_OFFSET_MIN_DELAY ?
	       "one-way traffic only: delays are relative to the fastest packet" :
	       "no packet matched: assumed 0");
	printf("one-way delay: min %.3f ms, median %.3f ms, p99 %.3f ms, max %.3f ms\n",
	       (double)r->delay.min / 1e6, (double)r->delay.median / 1e6,
	       (double)r->delay.p99 / 1e6, (double)r->delay.max / 1e6);
	print_text_flows(r);
	if (r->n_lost)
		printf("\nlost packets (file, packet number, UTC time in that file's clock, flow):\n");
	for (size_t i = 0; i < r->n_lost; i++) {
		const struct rc_compare_event *e = &r->lost[i];

		flow_name(&r->flows[e->flow], name, sizeof(name));
		printf("  %c #%-8" PRIu64 " %s  %s\n", e->file, e->index,
		       ts_human(e->ts_ns, t, sizeof(t)), name);
	}
}

/* The reader's warnings (what it tolerates in a broken file) name the
 * file; ctx is its path. */
static void input_log(void *ctx, enum rc_log_level level, const char *msg)
{
	report_line("%s: %s%s", (const char *)ctx, level == RC_LOG_WARNING ? "warning: " : "", msg);
}

/* Warnings are shown for the first read of a file only, not again when
 * A is read a second time for --annotate. */
/* A file, plain or gzip'd (input.c); reading warnings named for it. */
static int open_input(const char *path, bool warn, struct cli_input *ret)
{
	if (cli_input_open(path, ret))
		return -1;
	if (warn)
		rc_reader_set_log(ret->reader, input_log, (void *)path);
	return 0;
}

static void explain_read_error(const char *path, struct rc_reader *rd, int r)
{
	if (r == -EBADMSG)
		report_line("%s: not a valid capture file: %s", path, rc_reader_error(rd));
	else
		report_line("%s: cannot read: %s", path, strerror(-r));
}

/* The annotated copy must not be one of the inputs under another name
 * (a hard link, a symlink, ./a.pcap): opening it would truncate the very
 * file about to be read. Compared by inode, before anything is read. */
static int check_annotate_target(const struct compare_args *args)
{
	const char *in[2] = { args->a, args->b };
	struct stat out, st;

	if (strcmp(args->a, "-") == 0) {
		report_line("--annotate: needs A to be a file, not stdin (it is read twice)");
		return EXIT_USAGE;
	}
	if (stat(args->annotate, &out) < 0)
		return 0; /* does not exist yet: cannot be an input */
	for (int i = 0; i < 2; i++) {
		if ((strcmp(in[i], "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(in[i], &st)) == 0 &&
		    st.st_dev == out.st_dev && st.st_ino == out.st_ino) {
			report_line("--annotate %s: is also input %c (%s); give another name",
				    args->annotate, i ? 'B' : 'A', in[i]);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Opens where the annotated copy is written: for a regular file (or a new
 * one), a temporary name beside it, renamed over it only once complete, so
 * a failed run never leaves a destroyed or half-written file under the
 * name; a device or pipe (/dev/stdout) is written in place. */
static int annotate_open(const char *path, char **ret_tmp)
{
	struct stat st;
	char *tmp;
	int fd;
	mode_t mask;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd >= 0)
			*ret_tmp = NULL;
		return fd;
	}
	if (asprintf(&tmp, "%s.XXXXXX.tmp", path) < 0) {
		errno = ENOMEM;
		return -1;
	}
	fd = mkostemps(tmp, 4, O_CLOEXEC);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask); /* as open(O_CREAT, 0666) would; mkstemp gives 0600 */
	*ret_tmp = tmp;
	return fd;
}

static int annotate_finish(const char *path, char *tmp, int r)
{
	if (tmp && r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (tmp && r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

static int write_annotated(const struct compare_args *args, const struct rc_compare_report *rep)
{
	struct cli_input a;
	char *tmp;
	bool in_place;
	int fd, r;

	if (open_input(args->a, false, &a) < 0)
		return EXIT_USAGE;
	fd = annotate_open(args->annotate, &tmp);
	if (fd < 0) {
		report_line("%s: cannot create: %s", args->annotate, strerror(errno));
		cli_input_close(&a);
		return EXIT_RUNTIME;
	}
	in_place = !tmp;
	/* The library closes the fd it is given; ours stays for the sync. */
	r = rc_compare_annotate(rep, a.reader, dup(fd));
	if (r == 0 && !in_place && fdatasync(fd) < 0) /* complete on disk before the rename */
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	r = annotate_finish(args->annotate, tmp, r);
	if (r == -EBADMSG)
		explain_read_error(args->a, a.reader, r);
	else if (r < 0)
		report_line("%s: cannot write: %s%s", args->annotate, strerror(-r),
			    in_place ? "" : " (any file of that name is left as it was)");
	cli_input_close(&a);
	return r == 0 ? 0 : r == -EBADMSG ? EXIT_USAGE : EXIT_RUNTIME;
}

static int run_compare(const struct compare_args *args)
{
	RC_OPTS(rc_compare_config, c, .window_ns = args->window_ns, .a_name = args->a,
		.b_name = args->b, .log = report_log);
	struct rc_compare_report *rep = NULL;
	struct cli_input a = { 0 }, b = { 0 };
	int r = EXIT_USAGE, e;

	if (args->annotate && check_annotate_target(args))
		return EXIT_USAGE;
	if (open_input(args->a, true, &a) < 0 || open_input(args->b, true, &b) < 0)
		goto out;
	e = rc_compare_run(&c, a.reader, b.reader, &rep);
	if (e < 0) {
		/* The library named the file that failed. */
		if (e == -ENOMEM)
			report_line("compare: out of memory (a smaller --window holds fewer packets)");
		r = e == -ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
		goto out;
	}
	if (args->json)
		print_json(rep);
	else
		print_text(args, rep);
	r = args->annotate ? write_annotated(args, rep) : 0;
out:
	rc_compare_report_free(rep);
	cli_input_close(&a);
	cli_input_close(&b);
	return r;
}

int compare_main(int argc, char **argv)
{
	struct compare_args args;

	if (parse_compare_args(argc, argv, &args) < 0) {
		compare_usage();
		return EXIT_USAGE;
	}
	return run_compare(&args);
}
