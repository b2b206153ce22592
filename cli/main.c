/* SPDX-License-Identifier: MIT */
/*
 * main.c - the ringcap command: parse flags, open one engine per interface
 * and one writer, run the capture loop, print the summary.
 *
 * DESIGN: the only place that turns errors into words. Engines are opened
 * before the output file is created, so a typo in -i does not truncate
 * yesterday's capture. Signals are blocked before the writer thread starts
 * (it inherits the mask) and read through a signalfd by the capture loop,
 * so a stop is an ordinary event and not an async handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <ringcap/engine.h>
#include <ringcap/filter.h>
#include <ringcap/writer.h>

#include "capture.h"
#include "compare_cmd.h"
#include "filter.h"
#include "options.h"
#include "postcmd.h"
#include "privs.h"
#include "report.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static void list_one(void *ctx, const struct rc_iface_info *info)
{
	unsigned *n = ctx;

	printf("%u.%s [%s%s%s]\n", ++*n, info->name, info->up ? "Up" : "Down",
	       info->running ? ", Running" : "", info->loopback ? ", Loopback" : "");
}

static int list_interfaces(void)
{
	unsigned n = 0;
	int r = rc_engine_list_interfaces(list_one, &n);

	if (r < 0) {
		report_line("cannot list interfaces: %s", strerror(-r));
		return EXIT_RUNTIME;
	}
	return 0;
}

static void pick_default(void *ctx, const struct rc_iface_info *info)
{
	char *name = ctx;

	if (!*name && info->up && info->running && !info->loopback)
		snprintf(name, 64, "%s", info->name);
}

/* Like tcpdump: no -i means the first interface that is up and not lo. */
static int choose_default_interface(struct cli_options *o, char name[64])
{
	name[0] = 0;
	if (rc_engine_list_interfaces(pick_default, name) < 0 || !name[0]) {
		report_line("no interface is up to capture on; name one with -i (ringcap -D lists them)");
		return EXIT_RUNTIME;
	}
	o->ifaces[o->n_ifaces++] = name;
	report_line("no -i given; capturing on %s", name);
	return 0;
}

static int explain_open_error(const char *ifname, int r)
{
	switch (r) {
	case -ENODEV:
		if (strcmp(ifname, "any") == 0)
			report_line("any: the 'any' pseudo-interface is not supported; "
				    "give each interface with -i (ringcap -D lists them)");
		else
			report_line("%s: no such interface (ringcap -D lists them)", ifname);
		return EXIT_RUNTIME;
	case -EPERM:
	case -EACCES:
		report_line("%s: cannot open a packet socket: %s (needs CAP_NET_RAW: run as root, "
			    "or setcap cap_net_raw+ep on ringcap)", ifname, strerror(-r));
		return EXIT_RUNTIME;
	case -EINVAL:
		return EXIT_USAGE; /* the engine's log named the bad field */
	case -EPROTONOSUPPORT:
		return EXIT_RUNTIME; /* the engine's log named the link type */
	default:
		report_line("%s: cannot start capturing: %s", ifname, strerror(-r));
		return EXIT_RUNTIME;
	}
}

static int open_engines(const struct cli_options *o, const struct cli_filter *f,
			struct capture *cap)
{
	size_t filter_len = 0;
	const struct sock_filter *filter = f->prog ? rc_filter_insns(f->prog, &filter_len) : NULL;
	/* One group id per ringcap process and interface. */
	uint16_t group = (uint16_t)(getpid() * CLI_MAX_IFACES);

	cap->n_ifaces = o->n_ifaces;
	cap->n_threads = o->threads ? o->threads : 1;
	for (unsigned e = 0; e < o->n_ifaces * cap->n_threads; e++) {
		unsigned i = e / cap->n_threads;
		struct rc_engine_config c = {
			.ifname = o->ifaces[i],
			.snaplen = o->snaplen,
			.ring_size = o->ring_kib * 1024u,
			.block_size = o->block_kib * 1024u,
			.block_timeout_ms = o->block_timeout_ms,
			.no_promisc = o->no_promisc,
			.fanout = cap->n_threads > 1 ? o->fanout : RC_ENGINE_FANOUT_NONE,
			.fanout_group = (uint16_t)(group + i),
			.tag = i,
			.filter = filter,
			.filter_len = (uint16_t)filter_len,
			.log = report_log,
		};
		int r = rc_engine_open(&c, &cap->engines[e]);

		if (r < 0)
			return explain_open_error(o->ifaces[i], r);
		cap->engine_iface[e] = i;
		cap->n_engines++;
		/* The filter was compiled for Ethernet framing. */
		if (filter && rc_engine_linktype(cap->engines[e]) != RC_FILTER_LINKTYPE_ETHERNET) {
			report_line("%s: capture filters need an Ethernet-framed interface "
				    "(this one is link type %u)", o->ifaces[i],
				    rc_engine_linktype(cap->engines[e]));
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Fills the writer's output: a path it opens itself (a file or a file
 * set), stdout, or dumpcap's temporary file. *name is for messages. */
static int choose_output(const struct cli_options *o, struct rc_writer_config *c,
			 char *tmp_path, const char **name)
{
	c->fd = -1;
	if (o->output && strcmp(o->output, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			report_line("-w -: stdout is a terminal; pipe it (ringcap -w - | tshark -r -)");
			return -1;
		}
		*name = "stdout";
		c->fd = dup(STDOUT_FILENO);
		return c->fd;
	}
	if (o->tee_stdout) {
		if (isatty(STDOUT_FILENO)) {
			report_line("--tee -: stdout is a terminal; pipe it (| tshark -r -)");
			return -1;
		}
		c->tee_fd = dup(STDOUT_FILENO);
	}
	if (o->output) {
		*name = c->path = o->output;
		return 0;
	}
	snprintf(tmp_path, 4096, "%s/ringcap_XXXXXX.pcapng", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	c->fd = mkostemps(tmp_path, 7, O_CLOEXEC);
	*name = tmp_path;
	if (c->fd < 0)
		report_line("%s: cannot create the output file: %s", tmp_path, strerror(errno));
	else
		report_line("no -w given; writing to %s", tmp_path);
	return c->fd;
}

static int block_stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	/* A reader that quits (tshark, head) is a write error, not a death. */
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* "dir/name.pcapng" -> "dir/name_t2.pcapng": thread 2's file with
 * --fanout-files. */
static void thread_path(const char *path, unsigned t, char *ret, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	int base = dot && dot != (slash ? slash + 1 : path) ? (int)(dot - path) : (int)strlen(path);

	snprintf(ret, size, "%.*s_t%u%s", base, path, t, path + base);
}

static int open_writers(const struct cli_options *o, const struct cli_filter *f,
			struct capture *cap, struct postcmd *pc, char *tmp_path, const char **name)
{
	struct rc_writer_iface ifaces[CLI_MAX_IFACES];
	char path[4096];
	struct rc_writer_config c = {
		.rotate = o->rotate,
		.limits = o->limits,
		.stats_interval_s = o->stats_interval_s,
		.userappl = "ringcap " RINGCAP_VERSION,
		.file_closed = postcmd_file_closed,
		.file_closed_ctx = pc,
		.log = report_log,
	};
	int r = 0;

	if (choose_output(o, &c, tmp_path, name) < 0)
		return -1;
	for (unsigned e = 0; e < cap->n_engines; e++) {
		struct rc_engine *eng = cap->engines[e];

		ifaces[cap->engine_iface[e]] = (struct rc_writer_iface){
			.name = rc_engine_ifname(eng),
			.linktype = rc_engine_linktype(eng),
			.snaplen = rc_engine_snaplen(eng),
			.filter = f->text,
		};
		/* A lane holds all blocks of the rings its thread drains. */
		c.queue_blocks += rc_engine_block_count(eng);
		if (2 * rc_engine_block_timeout_ms(eng) + 100 > c.max_delay_ms)
			c.max_delay_ms = 2 * rc_engine_block_timeout_ms(eng) + 100;
	}
	cap->n_writers = o->fanout_files ? cap->n_threads : 1;
	c.lanes = o->fanout_files ? 1 : cap->n_threads;
	for (unsigned w = 0; w < cap->n_writers && r == 0; w++) {
		if (o->fanout_files) {
			thread_path(o->output, w, path, sizeof(path));
			c.path = path;
		}
		r = rc_writer_open(&c, ifaces, cap->n_ifaces, &cap->writers[w]);
		if (r < 0) {
			report_line("%s: cannot create the output file: %s", c.path ? c.path : *name,
				    strerror(-r));
			cap->n_writers = w;
		}
	}
	return r;
}

static void print_stop_reason(const struct capture *cap, const struct cli_options *o)
{
	const char *words = NULL;
	char c_words[40];

	if (cap->end == CAPTURE_END_DURATION)
		words = o->duration_text;
	else if (cap->end == CAPTURE_END_LIMIT && cap->limit == RC_WRITER_STOP_FILESIZE)
		words = o->filesize_text;
	else if (cap->end == CAPTURE_END_LIMIT && cap->limit == RC_WRITER_STOP_FILES)
		words = o->files_text;
	else if (cap->end == CAPTURE_END_LIMIT && cap->limit == RC_WRITER_STOP_PACKETS)
		words = o->packets_text;
	if (!words && cap->end == CAPTURE_END_LIMIT && cap->limit == RC_WRITER_STOP_PACKETS) {
		snprintf(c_words, sizeof(c_words), "-c %" PRIu64, o->limits.packets);
		words = c_words;
	}
	if (words)
		fprintf(stderr, "stopped: %s reached\n", words);
}

static void print_summary(const struct capture *cap, const struct rc_writer_progress *p,
			  const struct postcmd *pc, const char *name)
{
	uint64_t received = 0, dropped = 0;
	char b[32];

	for (unsigned i = 0; i < cap->n_ifaces; i++) {
		received += cap->stats[i].packets;
		dropped += cap->stats[i].drops;
	}
	fprintf(stderr, "%" PRIu64 " packets captured\n", p->packets);
	fprintf(stderr, "%" PRIu64 " packets received by filter\n", received);
	fprintf(stderr, "%" PRIu64 " packets dropped by kernel\n", dropped);
	if (cap->n_ifaces > 1)
		for (unsigned i = 0; i < cap->n_ifaces; i++)
			fprintf(stderr, "  %s: %" PRIu64 " received, %" PRIu64 " dropped\n",
				rc_engine_ifname(cap->engines[i * cap->n_threads]), cap->stats[i].packets,
				cap->stats[i].drops);
	report_bytes(p->file_bytes, b, sizeof(b));
	if (pc->files_closed > 1)
		fprintf(stderr, "written to %u files, %s to %s (%s)\n", pc->files_closed,
			pc->first_file, pc->last_file, b);
	else
		fprintf(stderr, "written to %s (%s)\n", pc->files_closed ? pc->last_file : name, b);
}

/* Closes every writer with its ISB counters; *ret sums what they wrote. */
static int close_writers(struct capture *cap, struct rc_writer_progress *ret)
{
	struct rc_writer_iface_stats st[CLI_MAX_IFACES];
	int first = 0;

	memset(ret, 0, sizeof(*ret));
	for (unsigned w = 0; w < cap->n_writers; w++) {
		struct rc_writer_progress p;
		int r;

		capture_writer_stats(cap, w, st);
		r = rc_writer_close(cap->writers[w], st, &p);
		if (r < 0 && !first)
			first = r;
		ret->packets += p.packets;
		ret->bytes += p.bytes;
		ret->file_bytes += p.file_bytes;
		ret->files += p.files;
	}
	return first;
}

static int finish(struct capture *cap, const struct cli_options *o, struct postcmd *pc,
		  const char *name)
{
	struct rc_writer_progress p;
	int r = close_writers(cap, &p);

	if (r < 0 && !cap->error)
		cap->error = r;
	if (cap->error) {
		report_line("%s: write failed: %s; the file holds the %" PRIu64
			    " packets written before the failure", pc->files_closed ? pc->last_file : name,
			    strerror(-cap->error), p.packets);
		if (cap->end != CAPTURE_END_IFACE_GONE)
			cap->end = CAPTURE_END_WRITE_ERROR;
	}
	postcmd_finish(pc);
	print_stop_reason(cap, o);
	print_summary(cap, &p, pc, name);
	return cap->end == CAPTURE_END_WRITE_ERROR || cap->end == CAPTURE_END_IFACE_GONE ||
	       cap->end == CAPTURE_END_ERROR ? EXIT_RUNTIME : 0;
}

static int run_capture(struct cli_options *o, const struct cli_filter *f)
{
	struct capture cap = { .duration_s = o->duration_s, .signal_fd = -1 };
	char default_if[64], tmp_path[4096];
	const char *name = NULL;
	struct postcmd pc;
	int r;

	if (!o->n_ifaces && (r = choose_default_interface(o, default_if)))
		return r;
	postcmd_init(&pc, o->post_cmd);
	r = open_engines(o, f, &cap);
	if (r)
		goto out_engines;
	r = EXIT_RUNTIME;
	if (privs_drop(o))
		goto out_engines;
	cap.signal_fd = block_stop_signals();
	if (cap.signal_fd < 0 || open_writers(o, f, &cap, &pc, tmp_path, &name) < 0)
		goto out_engines;
	if (privs_confine(o)) {
		struct rc_writer_progress unused;

		close_writers(&cap, &unused);
		goto out_engines;
	}
	cap.status_line = !o->quiet && isatty(STDERR_FILENO);
	cap.on_tick = postcmd_reap;
	cap.on_tick_ctx = &pc;
	capture_run(&cap);
	r = finish(&cap, o, &pc, name);
out_engines:
	/* The writer is closed, so every block is back with its engine. */
	for (unsigned i = 0; i < cap.n_engines; i++)
		rc_engine_close(cap.engines[i]);
	if (cap.signal_fd >= 0)
		close(cap.signal_fd);
	return r;
}

/* The filter compiles before anything is opened: a typo costs nothing. */
static int filter_then_capture(struct cli_options *o)
{
	struct cli_filter f;
	int r = cli_filter_prepare(o, &f);

	if (r)
		return r;
	if (o->dump)
		r = cli_filter_dump(o, &f);
	else
		r = run_capture(o, &f);
	cli_filter_release(&f);
	return r;
}

int main(int argc, char **argv)
{
	struct cli_options o;
	int r;

	/* A subcommand with its own arguments, before the capture flags. */
	if (argc > 1 && strcmp(argv[1], "compare") == 0)
		return compare_main(argc - 1, argv + 1);
	r = cli_parse_options(argc, argv, &o);
	if (r)
		return EXIT_USAGE;
	switch (o.action) {
	case CLI_HELP:
		cli_print_usage();
		return 0;
	case CLI_VERSION:
		printf("ringcap %s\n", RINGCAP_VERSION);
		return 0;
	case CLI_LIST_INTERFACES:
		return list_interfaces();
	case CLI_CAPTURE:
	default:
		return filter_then_capture(&o);
	}
}
