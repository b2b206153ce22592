/* SPDX-License-Identifier: MIT */
/*
 * main.c - the ringcap command: parse flags, run a capture, print the
 * summary.
 *
 * DESIGN: flags become a capture config (libringcap's capture/ does the
 * rest: engines before the output, so a typo in -i does not truncate
 * yesterday's capture; threads, drain, counters); this file only turns
 * results into words and exit codes. SIGINT, SIGTERM and SIGHUP call
 * rc_capture_stop(), which is async-signal-safe; the library's threads
 * block signals, so the handler runs on this one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <unistd.h>

#include <ringcap/capture.h>
#include <ringcap/engine.h>
#include <ringcap/filter.h>
#include <ringcap/writer.h>

#include "compare_cmd.h"
#include "filter.h"
#include "ifaces.h"
#include "offline.h"
#include "options.h"
#include "postcmd.h"
#include "privs.h"
#include "report.h"
#include "tstamp.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static void list_one(void *ctx, const struct rc_iface_info *info)
{
	unsigned *n = ctx;

	printf("%u.%s%s [%s%s%s]\n", ++*n, info->name,
	       info->pseudo ? " (Pseudo-device that captures on all interfaces)" : "",
	       info->up ? "Up" : "Down", info->running ? ", Running" : "",
	       info->loopback ? ", Loopback" : "");
}

/* --netns: every listing is of that namespace's interfaces. */
static const char *list_netns;

static int list_in_netns(rc_iface_fn fn, void *ctx)
{
	return rc_capture_list_interfaces(list_netns, fn, ctx);
}

/* One line for a listing that failed: the namespace's errors by name. */
static int list_failed(int r)
{
	if (list_netns && (r == -ENOENT || r == -EPERM || r == -EINVAL))
		report_line("--netns %s: %s", list_netns,
			    r == -ENOENT ? "no such network namespace" :
			    r == -EPERM ? "entering a network namespace needs CAP_SYS_ADMIN" :
					  "not a network namespace");
	else
		report_line("cannot list interfaces: %s", strerror(-r));
	return EXIT_RUNTIME;
}

static int list_interfaces(void)
{
	unsigned n = 0;
	int r = list_in_netns(list_one, &n);

	return r < 0 ? list_failed(r) : 0;
}

static void pick_default(void *ctx, const struct rc_iface_info *info)
{
	char *name = ctx;

	if (!*name && cli_iface_is_default(info))
		snprintf(name, IF_NAMESIZE, "%s", info->name);
}

/* Like tcpdump: no -i means the first interface that is up and not lo. */
static int choose_default_interface(struct cli_options *o, char name[IF_NAMESIZE])
{
	int r;

	name[0] = 0;
	r = list_in_netns(pick_default, name);
	if (r < 0)
		return list_failed(r);
	if (!name[0]) {
		report_line("no interface is up to capture on; name one with -i (ringcap -D lists them)");
		return EXIT_RUNTIME;
	}
	o->ifaces[o->n_ifaces++] = name;
	report_line("no -i given; capturing on %s", name);
	return 0;
}

static void report_no_such_interface(const struct cli_options *o, const char *name)
{
	report_line("%s: no such interface%s%s (ringcap%s%s -D lists them)", name,
		    o->netns ? " in network namespace " : "", o->netns ? o->netns : "",
		    o->netns ? " --netns " : "", o->netns ? o->netns : "");
}

struct find_iface {
	const char *name;
	bool found;
};

static void find_one(void *ctx, const struct rc_iface_info *info)
{
	struct find_iface *f = ctx;

	f->found |= strcmp(info->name, f->name) == 0;
}

/* The engine would say "no such interface" too; the command knows the
 * way out (-D), and says it before anything is opened. Looked up in the
 * namespace the capture will be in. */
static int check_interfaces(const struct cli_options *o)
{
	for (unsigned i = 0; i < o->n_ifaces; i++) {
		struct find_iface f = { .name = o->ifaces[i] };
		int r = list_in_netns(find_one, &f);

		if (r < 0)
			return list_failed(r);
		if (f.found)
			continue;
		/* if_nametoindex looks in the caller's namespace only. */
		if ((!o->netns && if_nametoindex(o->ifaces[i])) || strcmp(o->ifaces[i], "any") == 0)
			report_line("%s: ringcap cannot capture on this kind of interface "
				    "(ringcap -D lists those it can)", o->ifaces[i]);
		else
			report_no_such_interface(o, o->ifaces[i]);
		return EXIT_RUNTIME;
	}
	return 0;
}

/* -J: for each -i interface, or the default one. */
static int list_tstamp_types(struct cli_options *o)
{
	int r = 0;

	if (!o->n_ifaces && (r = choose_default_interface(o, o->iface_by_number[0])))
		return r;
	for (unsigned i = 0; i < o->n_ifaces && r == 0; i++)
		r = cli_tstamp_list(o, o->ifaces[i]);
	return r;
}

/* -w NAME.pcap without -P: pcapng all the same, as dumpcap does, but said. */
static void warn_pcap_name(const struct cli_options *o)
{
	size_t len = strlen(o->output);

	if (o->format == RC_WRITER_PCAPNG && len > 5 && strcmp(o->output + len - 5, ".pcap") == 0)
		report_line("%s: writing pcapng (use -P for classic pcap)", o->output);
}

/* Fills the writer's output: a path it opens itself (a file or a file
 * set), stdout, or dumpcap's temporary file. *name is for messages. */
static int choose_output(const struct cli_options *o, struct rc_writer_config *c,
			 char *tmp_path, const char **name)
{
	const char *ext;

	if (o->output && strcmp(o->output, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			report_line("-w -: stdout is a terminal; pipe it (ringcap -w - | tshark -r -)");
			return -1;
		}
		*name = "stdout";
		c->fd = dup(STDOUT_FILENO);
		c->flags |= RC_WRITER_F_FD;
		return c->fd;
	}
	if (o->tee_stdout) {
		if (isatty(STDOUT_FILENO)) {
			report_line("--tee -: stdout is a terminal; pipe it (| tshark -r -)");
			return -1;
		}
		c->tee_fd = dup(STDOUT_FILENO);
		c->flags |= RC_WRITER_F_TEE;
	}
	if (o->output) {
		*name = c->path = o->output;
		warn_pcap_name(o);
		return 0;
	}
	ext = o->format == RC_WRITER_PCAP ? ".pcap" : ".pcapng";
	snprintf(tmp_path, 4096, "%s/ringcap_XXXXXX%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", ext);
	c->fd = mkostemps(tmp_path, (int)strlen(ext), O_CLOEXEC);
	c->flags |= RC_WRITER_F_FD;
	*name = tmp_path;
	if (c->fd < 0)
		report_line("%s: cannot create the output file: %s", tmp_path, strerror(errno));
	else
		report_line("no -w given; writing to %s", tmp_path);
	return c->fd;
}

/* The capture a stop signal stops; set once it is open. A signal before
 * that is remembered and delivered as soon as it is. */
static struct rc_capture *stop_target;
static volatile sig_atomic_t stop_early;

static void on_stop_signal(int sig)
{
	struct rc_capture *cap = __atomic_load_n(&stop_target, __ATOMIC_ACQUIRE);

	(void)sig;
	if (cap)
		rc_capture_stop(cap); /* an eventfd write: async-signal-safe */
	else
		stop_early = 1;
}

static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A reader that quits (tshark, head) is a write error, not a death. */
	signal(SIGPIPE, SIG_IGN);
}

struct status {
	struct postcmd *pc;
	bool line;                /* a terminal: the line redrawn in place */
	uint32_t log_interval_s;  /* no terminal: a log line this often; 0 never */
	uint64_t start_ns, next_log_ns;
	uint64_t last_packets, last_bytes, last_ns;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* About once a second, on the thread in rc_capture_run. */
static void on_tick(void *ctx, struct rc_capture *cap)
{
	struct status *s = ctx;
	struct rc_capture_stats st;
	uint64_t now = mono_ns(), dt = now - s->last_ns;
	struct report_status rs;
	char line[256];

	rc_capture_stats(cap, &st);
	rs = (struct report_status){
		.elapsed_s = (now - s->start_ns) / 1000000000u, .packets = st.written.packets,
		.bytes = st.written.bytes, .drops = st.dropped,
		.pkt_rate = dt ? (st.written.packets - s->last_packets) * 1000000000u / dt : 0,
		.bit_rate = dt ? (st.written.bytes - s->last_bytes) * 8000000000u / dt : 0,
		.files = st.written.files, .file_size = st.written.file_size,
		.staging_used = st.written.staging_used, .staging_size = st.written.staging_size,
	};
	if (s->line) {
		report_status(&rs);
	} else if (s->log_interval_s && now >= s->next_log_ns) {
		report_format_status(&rs, line, sizeof(line));
		report_line("status: %s", line);
		s->next_log_ns = now + s->log_interval_s * 1000000000ull;
	}
	s->last_packets = st.written.packets;
	s->last_bytes = st.written.bytes;
	s->last_ns = now;
	postcmd_reap(s->pc);
}

static void print_stop_reason(const struct rc_capture_result *res, const struct cli_options *o)
{
	const char *words = NULL;
	char c_words[40];

	if (res->end == RC_CAPTURE_END_DURATION)
		words = o->duration_text;
	else if (res->end == RC_CAPTURE_END_LIMIT && res->limit == RC_WRITER_STOP_FILESIZE)
		words = o->filesize_text;
	else if (res->end == RC_CAPTURE_END_LIMIT && res->limit == RC_WRITER_STOP_FILES)
		words = o->files_text;
	else if (res->end == RC_CAPTURE_END_LIMIT && res->limit == RC_WRITER_STOP_PACKETS)
		words = o->packets_text;
	if (!words && res->end == RC_CAPTURE_END_LIMIT && res->limit == RC_WRITER_STOP_PACKETS) {
		snprintf(c_words, sizeof(c_words), "-c %" PRIu64, o->limits.packets);
		words = c_words;
	}
	if (words)
		fprintf(stderr, "stopped: %s reached\n", words);
}

static void print_summary(const struct rc_capture *cap, const struct rc_capture_result *res,
			  const struct postcmd *pc, const char *name)
{
	char b[32];

	fprintf(stderr, "%" PRIu64 " packets captured\n", res->total.written.packets);
	fprintf(stderr, "%" PRIu64 " packets received by filter\n", res->total.received);
	fprintf(stderr, "%" PRIu64 " packets dropped by kernel\n", res->total.dropped);
	if (res->not_written && res->end != RC_CAPTURE_END_LIMIT)
		fprintf(stderr, "%" PRIu64 " packets received after the failure were not written\n",
			res->not_written);
	if (res->n_ifaces > 1)
		for (unsigned i = 0; i < res->n_ifaces; i++)
			fprintf(stderr, "  %s: %" PRIu64 " received, %" PRIu64 " dropped\n",
				rc_capture_ifname(cap, i), res->ifaces[i].received, res->ifaces[i].dropped);
	report_bytes(res->total.written.file_bytes, b, sizeof(b));
	if (pc->files_closed > 1)
		fprintf(stderr, "written to %u files, %s to %s (%s)\n", pc->files_closed,
			pc->first_file, pc->last_file, b);
	else
		fprintf(stderr, "written to %s (%s)\n", pc->files_closed ? pc->last_file : name, b);
}

static int finish(const struct rc_capture *cap, const struct cli_options *o, struct postcmd *pc,
		  const char *name)
{
	bool to_pipe = strcmp(name, "stdout") == 0;
	struct rc_capture_result res;

	rc_capture_result(cap, &res);

	if (res.error)
		report_line("%s: write failed: %s; the %s the %" PRIu64
			    " packets written before the failure", pc->files_closed ? pc->last_file : name,
			    strerror(-res.error), to_pipe ? "pipe took" : "file holds",
			    res.total.written.packets);
	postcmd_finish(pc);
	print_stop_reason(&res, o);
	print_summary(cap, &res, pc, name);
	return res.end == RC_CAPTURE_END_WRITE_ERROR || res.end == RC_CAPTURE_END_IFACE_GONE ||
	       res.end == RC_CAPTURE_END_ERROR ? EXIT_RUNTIME : 0;
}

/* rc_capture_config.before_output: the sockets are open, nothing else is
 * yet, and the process has one thread (capset only changes the caller):
 * -Z, capabilities, no_new_privs and the set-up allowlist. privs_drop has
 * said what went wrong. */
static int drop_privileges(void *ctx)
{
	return privs_drop(ctx) ? -EPERM : 0;
}

/* rc_capture_open's -errno as an exit status; the library said why. */
static int open_failed(int r)
{
	return r == -EINVAL || r == -E2BIG ? EXIT_USAGE : EXIT_RUNTIME;
}

static int run_capture(struct cli_options *o, const struct cli_filter *f)
{
	size_t filter_len = 0;
	const struct sock_filter *filter = f->prog ? rc_filter_insns(f->prog, &filter_len) : NULL;
	char tmp_path[4096];
	const char *name = NULL;
	struct rc_capture *cap;
	struct postcmd pc;
	struct status st = { .pc = &pc, .line = !o->quiet && isatty(STDERR_FILENO),
			     .log_interval_s = o->quiet ? 0 : o->status_interval_s,
			     .start_ns = mono_ns() };
	RC_OPTS(rc_writer_config, out, .rotate = o->rotate, .limits = o->limits,
		.stats_interval_s = o->stats_interval_s, .file_closed = postcmd_file_closed,
		.file_closed_ctx = &pc, .log = report_log, .io = o->io, .format = o->format,
		.staging_bytes = (uint64_t)o->staging_mib << 20, .ts_precision = o->ts_precision);
	RC_OPTS(rc_capture_config, c, .ifaces = o->ifaces, .snaplen = o->snaplen,
		.ring_size = o->ring_kib * 1024u, .block_size = o->block_kib * 1024u,
		.block_timeout_ms = o->block_timeout_ms, .no_promisc = o->no_promisc,
		.filter = filter, .filter_len = (uint16_t)filter_len, .filter_text = f->text,
		.threads = o->threads, .fanout = o->fanout, .file_per_thread = o->fanout_files,
		.duration_ms = o->duration_s * 1000, .output = &out, .on_tick = on_tick,
		.on_tick_ctx = &st, .before_output = drop_privileges, .before_output_ctx = o,
		.log = report_log, .netns = o->netns, .filter_linktype = f->linktype);
	int r;

	if (o->tstamp_type && (r = cli_tstamp_parse(o->tstamp_type, &c.tstamp)))
		return r;
	c.no_offload = o->no_offload;
	if (o->direction)
		c.direction = !strcmp(o->direction, "in")    ? RC_ENGINE_DIRECTION_IN :
			      !strcmp(o->direction, "out")   ? RC_ENGINE_DIRECTION_OUT :
							       RC_ENGINE_DIRECTION_INOUT;
	if (o->read_file) {
		postcmd_init(&pc, o->post_cmd);
		if (choose_output(o, &out, tmp_path, &name) < 0)
			return EXIT_RUNTIME;
		r = offline_run(o, f, &out, name);
		postcmd_finish(&pc);
		return r;
	}
	if ((r = check_interfaces(o)))
		return r;
	c.n_ifaces = o->n_ifaces;
	postcmd_init(&pc, o->post_cmd);
	catch_stop_signals();
	if (choose_output(o, &out, tmp_path, &name) < 0)
		return EXIT_RUNTIME;
	r = rc_capture_open(&c, &cap);
	if (r < 0)
		return open_failed(r);
	/* The output is open: from here on the capture's own allowlist. */
	if (privs_confine(o)) {
		rc_capture_close(cap);
		return EXIT_RUNTIME;
	}
	st.start_ns = st.last_ns = mono_ns();
	st.next_log_ns = st.start_ns + st.log_interval_s * 1000000000ull;
	__atomic_store_n(&stop_target, cap, __ATOMIC_RELEASE);
	if (stop_early)
		rc_capture_stop(cap);
	rc_capture_run(cap);
	if (st.line)
		report_clear_status();
	r = finish(cap, o, &pc, name);
	__atomic_store_n(&stop_target, NULL, __ATOMIC_RELEASE);
	rc_capture_close(cap);
	return r;
}

/* The framing the filter is for: -y's; or the interfaces', which must
 * share it (one program for all); or, for -d without -i and for -r (whose
 * files say theirs), Ethernet. */
static int filter_linktype(const struct cli_options *o, uint32_t *ret)
{
	int lt = RC_LINKTYPE_ETHERNET;

	*ret = RC_LINKTYPE_ETHERNET;
	if (o->linktype_name) {
		lt = cli_linktype_by_name(o->linktype_name);
		*ret = (uint32_t)lt;
		return 0; /* cli_ifaces_resolve checked it against the interfaces */
	}
	/* No filter: nothing to compile, the interfaces may differ. */
	if (!o->filter_expr && !o->filter_file && !o->filter_argc && !o->dump)
		return 0;
	for (unsigned i = 0; i < o->n_ifaces && !o->read_file; i++) {
		lt = rc_capture_iface_linktype(o->netns, o->ifaces[i]);
		if (lt == -ENODEV) {
			report_no_such_interface(o, o->ifaces[i]);
			return EXIT_RUNTIME;
		}
		if (lt < 0) {
			/* The open will name the ARPHRD; -d has nothing to open. */
			if (!o->dump)
				return 0;
			report_line("%s: ringcap has no link type for this interface", o->ifaces[i]);
			return EXIT_RUNTIME;
		}
		if (i && (uint32_t)lt != *ret) {
			report_line("%s and %s have different link types (%u, %d): one capture "
				    "filter cannot serve both; capture them separately",
				    o->ifaces[0], o->ifaces[i], *ret, lt);
			return EXIT_USAGE;
		}
		*ret = (uint32_t)lt;
	}
	return 0;
}

/* The filter compiles before anything is opened: a typo costs nothing. */
static int filter_then_capture(struct cli_options *o)
{
	struct cli_filter f;
	uint32_t linktype;
	int r;

	/* Without -i: the default interface now, as its framing matters. */
	if (!o->dump && !o->read_file && !o->n_ifaces &&
	    (r = choose_default_interface(o, o->iface_by_number[0])))
		return r;
	r = filter_linktype(o, &linktype);
	if (r == 0)
		r = cli_filter_prepare(o, linktype, &f);

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
	list_netns = o.netns;
	r = cli_ifaces_resolve(&o, list_in_netns);
	if (r)
		return r;
	switch (o.action) {
	case CLI_HELP:
		cli_print_usage();
		return 0;
	case CLI_VERSION:
		printf("ringcap %s\n", rc_version());
		return 0;
	case CLI_LIST_INTERFACES:
		return list_interfaces();
	case CLI_LIST_LINKTYPES:
		return cli_ifaces_print_linktypes(&o, list_in_netns);
	case CLI_LIST_TSTAMP_TYPES:
		return list_tstamp_types(&o);
	case CLI_CAPTURE:
	default:
		return filter_then_capture(&o);
	}
}
