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
#include <ringcap/writer.h>

#include "capture.h"
#include "compare_cmd.h"
#include "options.h"
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
		report_line("%s: no such interface (ringcap -D lists them)", ifname);
		return EXIT_RUNTIME;
	case -EPERM:
	case -EACCES:
		report_line("%s: cannot open a packet socket: %s (needs CAP_NET_RAW: run as root, "
			    "or setcap cap_net_raw,cap_net_admin+ep on ringcap)", ifname, strerror(-r));
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

static int open_engines(const struct cli_options *o, struct capture *cap)
{
	for (unsigned i = 0; i < o->n_ifaces; i++) {
		struct rc_engine_config c = {
			.ifname = o->ifaces[i],
			.snaplen = o->snaplen,
			.ring_size = o->ring_kib * 1024u,
			.block_size = o->block_kib * 1024u,
			.block_timeout_ms = o->block_timeout_ms,
			.no_promisc = o->no_promisc,
			.tag = i,
			.log = report_log,
		};
		int r = rc_engine_open(&c, &cap->engines[i]);

		if (r < 0)
			return explain_open_error(o->ifaces[i], r);
		cap->n_engines++;
	}
	return 0;
}

/* The output fd, or -1 after saying why. *name is what the summary shows. */
static int open_output(const char *path, char *tmp_path, const char **name)
{
	int fd;

	if (path && strcmp(path, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			report_line("-w -: stdout is a terminal; pipe it (ringcap -w - | tshark -r -)");
			return -1;
		}
		*name = "stdout";
		return dup(STDOUT_FILENO);
	}
	if (!path) {
		const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

		snprintf(tmp_path, 4096, "%s/ringcap_XXXXXX.pcapng", dir);
		fd = mkostemps(tmp_path, 7, O_CLOEXEC);
		path = tmp_path;
		report_line("no -w given; writing to %s", path);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		report_line("%s: cannot create the output file: %s", path, strerror(errno));
	*name = path;
	return fd;
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

static int open_writer(const struct cli_options *o, struct capture *cap, int fd)
{
	struct rc_writer_iface ifaces[CLI_MAX_IFACES];
	uint32_t blocks = 0;
	struct rc_writer_config c = {
		.fd = fd,
		.userappl = "ringcap " RINGCAP_VERSION,
		.packet_limit = o->count,
		.log = report_log,
	};

	for (unsigned i = 0; i < cap->n_engines; i++) {
		ifaces[i] = (struct rc_writer_iface){
			.name = rc_engine_ifname(cap->engines[i]),
			.linktype = rc_engine_linktype(cap->engines[i]),
			.snaplen = rc_engine_snaplen(cap->engines[i]),
		};
		blocks += rc_engine_block_count(cap->engines[i]);
	}
	c.queue_blocks = blocks;
	return rc_writer_open(&c, ifaces, cap->n_engines, &cap->writer);
}

static void print_summary(const struct capture *cap, const struct rc_writer_progress *p,
			  const char *name)
{
	uint64_t received = 0, dropped = 0;
	char b[32];

	for (unsigned i = 0; i < cap->n_engines; i++) {
		received += cap->stats[i].packets;
		dropped += cap->stats[i].drops;
	}
	fprintf(stderr, "%" PRIu64 " packets captured\n", p->packets);
	fprintf(stderr, "%" PRIu64 " packets received by filter\n", received);
	fprintf(stderr, "%" PRIu64 " packets dropped by kernel\n", dropped);
	if (cap->n_engines > 1)
		for (unsigned i = 0; i < cap->n_engines; i++)
			fprintf(stderr, "  %s: %" PRIu64 " received, %" PRIu64 " dropped\n",
				rc_engine_ifname(cap->engines[i]), cap->stats[i].packets,
				cap->stats[i].drops);
	fprintf(stderr, "written to %s (%s)\n", name, report_bytes(p->file_bytes, b, sizeof(b)));
}

static int finish(struct capture *cap, const char *name)
{
	struct rc_writer_iface_stats st[CLI_MAX_IFACES];
	struct rc_writer_progress p;
	int r;

	for (unsigned i = 0; i < cap->n_engines; i++)
		st[i] = (struct rc_writer_iface_stats){ .received = cap->stats[i].packets,
							.dropped = cap->stats[i].drops };
	rc_writer_progress(cap->writer, &p);
	r = rc_writer_close(cap->writer, st);
	if (r < 0 && !cap->error)
		cap->error = r;
	if (cap->error) {
		report_line("%s: write failed: %s; the file holds the %" PRIu64
			    " packets written before the failure", name, strerror(-cap->error),
			    p.packets);
		if (cap->end != CAPTURE_END_IFACE_GONE)
			cap->end = CAPTURE_END_WRITE_ERROR;
	}
	print_summary(cap, &p, name);
	return cap->end == CAPTURE_END_WRITE_ERROR || cap->end == CAPTURE_END_IFACE_GONE ||
	       cap->end == CAPTURE_END_ERROR ? EXIT_RUNTIME : 0;
}

static int run_capture(struct cli_options *o)
{
	struct capture cap = { .duration_s = o->duration_s, .signal_fd = -1 };
	char default_if[64], tmp_path[4096];
	const char *name = NULL;
	int fd, r;

	if (!o->n_ifaces && (r = choose_default_interface(o, default_if)))
		return r;
	r = open_engines(o, &cap);
	if (r)
		goto out_engines;
	r = EXIT_RUNTIME;
	cap.signal_fd = block_stop_signals();
	fd = cap.signal_fd < 0 ? -1 : open_output(o->output, tmp_path, &name);
	if (fd < 0)
		goto out_engines;
	r = open_writer(o, &cap, fd);
	if (r < 0) {
		report_line("%s: cannot write: %s", name, strerror(-r));
		r = EXIT_RUNTIME;
		goto out_engines;
	}
	cap.status_line = !o->quiet && isatty(STDERR_FILENO);
	capture_run(&cap);
	r = finish(&cap, name);
out_engines:
	/* The writer is closed, so every block is back with its engine. */
	for (unsigned i = 0; i < cap.n_engines; i++)
		rc_engine_close(cap.engines[i]);
	if (cap.signal_fd >= 0)
		close(cap.signal_fd);
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
		return run_capture(&o);
	}
}
