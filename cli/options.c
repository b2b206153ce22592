/* SPDX-License-Identifier: MIT */
/*
 * options.c - parses the command line.
 *
 * DESIGN: flags mean what they mean to tcpdump and dumpcap (-i, -w, -s, -c,
 * -p, -B in KiB, -q, -D, -L, -y, -a duration:S, -n, -U), so habits carry
 * over; every other tcpdump or dumpcap flag is refused with a line that
 * names the ringcap way (foreign_flags). Numbers are parsed strictly: "10k"
 * or "-5" is an error naming the flag, never a silent 10 or a huge unsigned
 * value. What depends on the system's interfaces (-i N, -y, -L) is only
 * recorded here and resolved in ifaces.c, so parsing stays pure.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_VERSION = 256,
	OPT_BLOCK_SIZE,
	OPT_BLOCK_TIMEOUT,
	OPT_STATS_INTERVAL,
	OPT_TEE,
	OPT_THREADS,
	OPT_FANOUT,
	OPT_FANOUT_FILES,
	OPT_IO,
	OPT_STAGING,
	OPT_STATUS_INTERVAL,
	OPT_NO_SANDBOX,
	OPT_NETNS,
	OPT_TS_PRECISION,
	OPT_MICRO,
	OPT_NANO,
	OPT_NO_OFFLOAD,
};


#define DEFAULT_STATS_INTERVAL_S 10
/* A line a minute: enough to see a service is alive in journalctl, little
 * enough not to drown it. */
#define DEFAULT_STATUS_INTERVAL_S 60
#define KB 1000u /* dumpcap's kB: 1000 bytes */

void cli_print_usage(void)
{
	printf("Usage: ringcap [-i IFACE]... [-r FILE] [-w FILE|-] [-P] [-s SNAPLEN] [-c COUNT]\n"
	      "               [-p] [-B KIB]\n"
	      "               [-b KEY:VALUE]... [-a KEY:VALUE]... [-z CMD] [--tee -] [-q] [-U]\n"
	      "               [--stats-interval S] [--status-interval S] [--block-size KIB]\n"
	      "               [--block-timeout MS] [--threads N] [--fanout MODE] [--io MODE]\n"
	      "               [--staging MIB] [-y TYPE] [-Z USER] [--no-sandbox] [-d|-dd|-ddd]\n"
	      "               [-Q in|out|inout] [--netns NS] [--no-offload] [-j TYPE]\n"
	      "               [--time-stamp-precision micro|nano]\n"
	      "               [-f EXPRESSION | -F FILE | EXPRESSION...]\n"
	      "       ringcap compare A.pcapng B.pcapng [--json] [--window MS] [--annotate OUT]\n"
	      "       ringcap -D | -L [-i IFACE]... | -J [-i IFACE] [--netns NS] | --help | --version\n"
	      "\n"
	      "Capture packets through a TPACKET_V3 ring and write them as pcapng\n"
	      "(or, with -P, classic pcap).\n"
	      "\n"
	      "  -i, --interface IFACE\n"
	      "                      interface to capture on, by name or by its number in\n"
	      "                      -D's list; repeat for several (one file, one IDB each).\n"
	      "                      'any': all interfaces, in LINUX_SLL2 framing, with the\n"
	      "                      VLAN tags the kernel stripped put back.\n"
	      "                      Default: the first up, non-loopback one\n"
	      "  -w FILE             pcapng output; '-' for stdout. Default: a temporary file\n"
	      "  -r FILE             read packets from a pcap or pcapng file ('-': stdin; gzip'd\n"
	      "                      files too) instead of capturing: the filter, -c, -a, -b,\n"
	      "                      -w, --tee and -z apply, as tcpdump -r FILE -w OUT EXPR\n"
	      "  -P                  write classic pcap (nanosecond time stamps, or as\n"
	      "                      --time-stamp-precision says) instead of\n"
	      "                      pcapng, for tools that read nothing else: one link type\n"
	      "                      per file, no counters or packet flags in it\n"
	      "  -s SNAPLEN          bytes kept per packet (0 or default: %u)\n"
	      "  -c COUNT            stop after COUNT packets\n"
	      "  -a KEY:VALUE        stop when met: duration:SECONDS, filesize:KB, files:N,\n"
	      "                      packets:N (kB are 1000 bytes, as dumpcap counts)\n"
	      "  -b KEY:VALUE        ring buffer, as dumpcap: a new file on filesize:KB,\n"
	      "                      duration:SECONDS, interval:SECONDS (on the clock),\n"
	      "                      packets:N; files:N keeps the newest N. Files are named\n"
	      "                      PREFIX_NNNNN_YYYYMMDDHHMMSS.EXT from -w PREFIX.EXT\n"
	      "  -z CMD              run CMD FILE on each file once it is complete\n"
	      "  --tee -             also stream the capture to stdout (with -w FILE)\n"
	      "  --stats-interval S  an ISB with the counters every S seconds (default 10;\n"
	      "                      0: only at the end of each file)\n"
	      "  --threads N         N capture threads, each with its own socket and ring in a\n"
	      "                      PACKET_FANOUT group per interface, into one file\n"
	      "  --fanout MODE       how the group shares packets: hash (default; a flow\n"
	      "                      stays on one thread, in order), cpu, lb, qm\n"
	      "  --fanout-files      a file per thread (PREFIX_tN.EXT) instead of one file\n"
	      "  --io MODE           how files are written: auto (default: direct I/O where\n"
	      "                      the file system takes it, not tmpfs), direct, buffered\n"
	      "  --staging MIB       direct I/O's buffers in all (default 64): they absorb a\n"
	      "                      slow disk before the ring has to\n",
	      RC_SNAPLEN_MAX);
	/* In two: C99 promises string literals of 4095 bytes, no more. */
	fputs("  -p                  do not put the interface into promiscuous mode\n"
	      "  -U                  hand packets to the file within a few ms, as tcpdump\n"
	      "                      -U (--block-timeout 1, unless given)\n"
	      "  -n                  accepted and ignored: ringcap never resolves names\n"
	      "  -B KIB              ring size per interface in KiB (default 32768)\n"
	      "  -q                  no status line while capturing\n"
	      "  --status-interval S without a terminal (a service, a script): a status line\n"
	      "                      in the log every S seconds (default 60; 0: none)\n"
	      "  -D, --list-interfaces\n"
	      "                      list the interfaces ringcap can capture on, numbered\n"
	      "  -L                  list the link type of each -i interface, as tcpdump -L\n"
	      "  -y TYPE             the link type to capture as: the interface's own\n"
	      "                      (EN10MB for Ethernet and loopback, RAW for tun/wireguard)\n"
	      "  -Z USER             once the sockets are open, become USER (its groups,\n"
	      "                      gid, uid), so files are created as USER\n"
	      "  --no-sandbox        no seccomp filter (for debugging; capabilities are\n"
	      "                      still dropped)\n"
	      "  -Q, --direction DIR only packets received (in), sent (out), or both (inout,\n"
	      "                      the default); the choice is in the file\n"
	      "  --netns NS          capture in network namespace NS: a name from ip netns, or\n"
	      "                      a path such as /proc/PID/ns/net (with -D: list its\n"
	      "                      interfaces)\n"
	      "  --no-offload        turn GRO, LRO, rx-gro-hw and rx-gro-list off on the\n"
	      "                      interfaces while capturing, and back on after\n"
	      "  -J, --list-time-stamp-types\n"
	      "                      the time stamp types an interface offers, and exit\n"
	      "  -j, --time-stamp-type TYPE\n"
	      "                      host (default), adapter or adapter_unsynced\n"
	      "  --time-stamp-precision P\n"
	      "                      nano (default) or micro\n"
	      "  --micro, --nano     the same, for short\n"
	      "  -f EXPRESSION       capture filter (pcap-filter(7)); or give it as the\n"
	      "                      trailing arguments\n"
	      "  -F FILE             read the capture filter from FILE\n"
	      "  -d, -dd, -ddd       print the compiled filter (as tcpdump) and exit\n"
	      "  --block-size KIB    ring block size (power of two; default 1024)\n"
	      "  --block-timeout MS  hand over a partly filled block after MS (default 100)\n"
	      "  -h, --help          this text\n"
	      "  -v, --version       ringcap's version (-v as dumpcap's, on its own)\n"
	      "\n"
	      "ringcap does not print packets: ringcap -w - | tcpdump -r -\n"
	      "Exit status: 0 success, 1 runtime failure, 2 usage error.\n",
	      stdout);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ringcap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (ringcap --help)\n", stderr);
	return 2;
}

/* A whole decimal number in [min, max], or an error naming the flag. */
static int parse_u64(const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	char *end;
	uint64_t v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return usage_error("%s: '%s' is not a number", flag, s);
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return usage_error("%s: '%s' is not a number", flag, s);
	if (v < min || v > max) {
		char range[64];

		snprintf(range, sizeof(range), "%" PRIu64 " to %" PRIu64, min, max);
		fprintf(stderr, "ringcap: %s: %s is out of range (%s)\n", flag, s, range);
		return 2;
	}
	*ret = v;
	return 0;
}

static int parse_u32(const char *flag, const char *s, uint64_t min, uint64_t max, uint32_t *ret)
{
	uint64_t v;
	int r = parse_u64(flag, s, min, max, &v);

	if (r == 0)
		*ret = (uint32_t)v;
	return r;
}

/* -a and -b take dumpcap's KEY:VALUE form; *ret_key is the KEY's index
 * in keys, *ret_value what follows the colon. */
static int parse_key_value(const char *flag, const char *arg, const char *const *keys,
			   const char *key_list, unsigned *ret_key, const char **ret_value)
{
	const char *colon = strchr(arg, ':');

	for (unsigned i = 0; colon && keys[i]; i++) {
		if (strlen(keys[i]) == (size_t)(colon - arg) && !strncmp(arg, keys[i], strlen(keys[i]))) {
			*ret_key = i;
			*ret_value = colon + 1;
			return 0;
		}
	}
	return usage_error("%s: '%s' is not KEY:VALUE with KEY one of %s", flag, arg, key_list);
}

static int parse_autostop(const char *arg, struct cli_options *o)
{
	static const char *const keys[] = { "duration", "filesize", "files", "packets", NULL };
	const char *v = NULL;
	unsigned k = 0;
	int r = parse_key_value("-a", arg, keys, "duration, filesize, files, packets", &k, &v);

	if (r)
		return r;
	switch (k) {
	case 0:
		o->duration_text = arg;
		return parse_u64("-a duration", v, 1, UINT32_MAX, &o->duration_s);
	case 1:
		o->filesize_text = arg;
		r = parse_u64("-a filesize", v, 1, UINT64_MAX / KB, &o->limits.filesize_bytes);
		o->limits.filesize_bytes *= KB;
		return r;
	case 2:
		o->files_text = arg;
		return parse_u32("-a files", v, 1, UINT32_MAX, &o->limits.files);
	default:
		o->packets_text = arg;
		return parse_u64("-a packets", v, 1, UINT64_MAX - 1, &o->limits.packets);
	}
}

static int parse_ring(const char *arg, struct cli_options *o)
{
	static const char *const keys[] = { "filesize", "duration", "interval", "packets", "files",
					    NULL };
	struct rc_writer_rotation *b = &o->rotate;
	const char *v = NULL;
	unsigned k = 0;
	int r = parse_key_value("-b", arg, keys, "filesize, duration, interval, packets, files",
				&k, &v);

	if (r)
		return r;
	switch (k) {
	case 0:
		r = parse_u64("-b filesize", v, 1, UINT64_MAX / KB, &b->filesize_bytes);
		b->filesize_bytes *= KB;
		return r;
	case 1:
		return parse_u64("-b duration", v, 1, UINT32_MAX, &b->duration_s);
	case 2:
		return parse_u64("-b interval", v, 1, 31u * 86400, &b->interval_s);
	case 3:
		return parse_u64("-b packets", v, 1, UINT64_MAX - 1, &b->packets);
	default:
		return parse_u32("-b files", v, 1, 100000, &b->files);
	}
}

static int parse_fanout(const char *arg, struct cli_options *o)
{
	static const char *const names[] = { "hash", "cpu", "lb", "qm" };
	static const enum rc_engine_fanout modes[] = { RC_ENGINE_FANOUT_HASH, RC_ENGINE_FANOUT_CPU,
						       RC_ENGINE_FANOUT_LB, RC_ENGINE_FANOUT_QM };

	for (unsigned i = 0; i < 4; i++) {
		if (strcmp(arg, names[i]) == 0) {
			o->fanout = modes[i];
			return 0;
		}
	}
	return usage_error("--fanout: '%s' is not one of hash, cpu, lb, qm", arg);
}

static int parse_io(const char *arg, struct cli_options *o)
{
	static const char *const names[] = { "auto", "buffered", "direct" };
	static const enum rc_writer_io modes[] = { RC_WRITER_IO_AUTO, RC_WRITER_IO_BUFFERED,
						   RC_WRITER_IO_DIRECT };

	for (unsigned i = 0; i < 3; i++) {
		if (strcmp(arg, names[i]) == 0) {
			o->io = modes[i];
			return 0;
		}
	}
	return usage_error("--io: '%s' is not one of auto, buffered, direct", arg);
}

static int parse_one(int c, const char *arg, struct cli_options *o)
{
	switch (c) {
	case 'r':
		o->read_file = arg;
		return 0;
	case 'i':
		if (o->n_ifaces == CLI_MAX_IFACES)
			return usage_error("-i: at most %d interfaces", CLI_MAX_IFACES);
		/* Two sockets on one interface see every packet twice, and the
		 * file would hold both copies. */
		for (unsigned i = 0; i < o->n_ifaces; i++)
			if (strcmp(o->ifaces[i], arg) == 0)
				return usage_error("-i %s: given twice (each packet would be "
						   "written twice)", arg);
		o->ifaces[o->n_ifaces++] = arg;
		return 0;
	case 'w':
		o->output = arg;
		return 0;
	case 's':
		return parse_u32("-s", arg, 0, RC_SNAPLEN_MAX, &o->snaplen);
	case 'c':
		o->packets_text = NULL; /* "-c N" in the summary */
		return parse_u64("-c", arg, 1, UINT64_MAX - 1, &o->limits.packets);
	case 'a':
		return parse_autostop(arg, o);
	case 'b':
		return parse_ring(arg, o);
	case 'z':
		o->post_cmd = arg;
		return 0;
	case OPT_STATS_INTERVAL:
		return parse_u32("--stats-interval", arg, 0, 86400, &o->stats_interval_s);
	case OPT_THREADS:
		return parse_u32("--threads", arg, 1, RC_CAPTURE_MAX_THREADS, &o->threads);
	case OPT_FANOUT:
		return parse_fanout(arg, o);
	case OPT_FANOUT_FILES:
		o->fanout_files = true;
		return 0;
	case OPT_IO:
		return parse_io(arg, o);
	case OPT_STAGING:
		return parse_u32("--staging", arg, 8, 65536, &o->staging_mib);
	case OPT_STATUS_INTERVAL:
		return parse_u32("--status-interval", arg, 0, 86400, &o->status_interval_s);
	case OPT_TEE:
		if (strcmp(arg, "-") != 0)
			return usage_error("--tee: only '-' (stdout) is supported, not '%s'", arg);
		o->tee_stdout = true;
		return 0;
	case 'B':
		/* ring_size is a uint32_t of bytes. */
		return parse_u32("-B", arg, 8, UINT32_MAX >> 10, &o->ring_kib);
	case OPT_BLOCK_SIZE:
		return parse_u32("--block-size", arg, 4, RC_ENGINE_MAX_BLOCK_SIZE >> 10, &o->block_kib);
	case OPT_BLOCK_TIMEOUT:
		return parse_u32("--block-timeout", arg, 1, RC_ENGINE_MAX_BLOCK_TIMEOUT_MS,
				 &o->block_timeout_ms);
	case 'p':
		o->no_promisc = true;
		return 0;
	case 'P':
		o->format = RC_WRITER_PCAP;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case 'n':
		/* tcpdump's "no name resolution" (and dumpcap's "pcapng"): both
		 * what ringcap does anyway, and in many people's fingers. */
		return 0;
	case 'U':
		o->packet_buffered = true;
		return 0;
	case 'D':
		o->action = CLI_LIST_INTERFACES;
		return 0;
	case 'L':
		o->action = CLI_LIST_LINKTYPES;
		return 0;
	case 'y':
		o->linktype_name = arg;
		return 0;
	case 'f':
		o->filter_expr = arg;
		return 0;
	case 'F':
		o->filter_file = arg;
		return 0;
	case 'd':
		o->dump++;
		return 0;
	case 'h':
		o->action = CLI_HELP;
		return 0;
	case OPT_VERSION:
	case 'v':
		o->action = CLI_VERSION;
		return 0;
	case 'Z':
		/* Checked now, so a typo is refused before anything is captured. */
		if (!getpwnam(arg))
			return usage_error("-Z %s: no such user", arg);
		o->user = arg;
		return 0;
	case OPT_NO_SANDBOX:
		o->no_sandbox = true;
		return 0;
	case OPT_NETNS:
		if (!*arg)
			return usage_error("--netns: needs a name or a path");
		o->netns = arg;
		return 0;
	case 'Q':
		if (strcmp(arg, "in") && strcmp(arg, "out") && strcmp(arg, "inout"))
			return usage_error("-Q: '%s' is not one of in, out, inout", arg);
		o->direction = arg;
		return 0;
	case 'j':
		o->tstamp_type = arg; /* checked against the interface, cli_tstamp */
		return 0;
	case 'J':
		o->action = CLI_LIST_TSTAMP_TYPES;
		return 0;
	case OPT_TS_PRECISION:
		if (strcmp(arg, "micro") && strcmp(arg, "nano"))
			return usage_error("--time-stamp-precision: '%s' is not micro or nano", arg);
		o->ts_precision = strcmp(arg, "micro") ? RC_WRITER_TS_NANO : RC_WRITER_TS_MICRO;
		return 0;
	case OPT_MICRO:
	case OPT_NANO:
		o->ts_precision = c == OPT_MICRO ? RC_WRITER_TS_MICRO : RC_WRITER_TS_NANO;
		return 0;
	case OPT_NO_OFFLOAD:
		o->no_offload = true;
		return 0;
	default:
		return 2;
	}
}

/*
 * tcpdump(8) and dumpcap(1) flags ringcap does not take, each with what to
 * use instead, so a habit costs one reading of one line. Where the two
 * programs give a letter different meanings, both are answered. PRINTS
 * marks tcpdump's printing flags: the answer is a pipe into tcpdump with
 * that very flag. (-Z is left for its own change.)
 */
#define PRINTS NULL

static const struct foreign_flag {
	int flag;
	const char *hint;
} foreign_flags[] = {
	{ 'C', "tcpdump's -C MB is -b filesize:KB here (dumpcap's -C memory limit: the ring "
	       "size, -B KIB)" },
	{ 'G', "tcpdump's -G SECONDS is -b duration:SECONDS (or -b interval:SECONDS) here" },
	{ 'W', "tcpdump's -W N is -b files:N here" },
	{ 'V', "ringcap only captures; read files with tshark -r or tcpdump -r" },
	{ 'S', "ringcap does not print packets (tcpdump -S: ringcap -w - | tcpdump -S -r -); "
	       "its counters are on the status line and in the file's ISBs (dumpcap -S)" },
	{ 't', "ringcap does not print packets (tcpdump -t: ringcap -w - | tcpdump -t -r -); "
	       "dumpcap's -t (a thread per interface) is --threads N here" },
	{ 'N', "ringcap never resolves names (tcpdump -N); its buffer is the ring, -B KIB "
	       "(dumpcap -N)" },
	{ 'M', "-D and -L already print one item per line; tcpdump's -M decodes, "
	       "pipe to it (ringcap -w - | tcpdump -M SECRET -r -)" },
	{ 'l', "ringcap does not print packets; -U hands them to -w - within a few ms "
	       "(ringcap -U -w - | tcpdump -l -r -)" },
	{ 'I', "ringcap has no monitor mode: it captures Ethernet-framed and raw-IP "
	       "interfaces" },
	{ 'k', "ringcap has no monitor mode: it captures Ethernet-framed and raw-IP "
	       "interfaces" },
	{ 'O', "ringcap's filter compiler has no optimiser to turn off; -d shows its program" },
	{ 'g', "ringcap's files follow the umask: umask 027 makes them group-readable" },
	{ 'A', PRINTS }, { 'e', PRINTS }, { 'x', PRINTS }, { 'X', PRINTS }, { 'E', PRINTS },
	{ 'K', PRINTS }, { 'm', PRINTS }, { 'T', PRINTS }, { 'u', PRINTS }, { 'H', PRINTS },
	{ '#', PRINTS },
};

/* The same for long options, by name. */
static const struct foreign_long {
	const char *name;
	const char *hint;
} foreign_longs[] = {
	{ "snapshot-length", "use -s SNAPLEN" },
	{ "buffer-size", "use -B KIB" },
	{ "immediate-mode", "use -U" },
	{ "packet-buffered", "use -U" },
	{ "no-promiscuous-mode", "use -p" },
	{ "linktype", "use -y TYPE" },
	{ "list-data-link-types", "use -L" },
	{ "no-optimize", "ringcap's filter compiler has no optimiser to turn off; -d shows its program" },
	{ "ifname", "the IDB carries the interface's own name" },
	{ "ifdescr", "the IDB carries the interface's own name" },
	{ "monitor-mode", "ringcap has no monitor mode" },
	{ "temp-dir", "without -w ringcap writes to $TMPDIR (default /tmp): TMPDIR=DIR ringcap ..." },
	{ "update-interval", "how soon packets reach the file is --block-timeout MS" },
	{ "capture-comment", "editcap --capture-comment TEXT IN OUT adds one to a file" },
	{ "print", "ringcap does not print packets: ringcap -w - | tcpdump -r -" },
	{ "number", "ringcap does not print packets: ringcap -w - | tcpdump -# -r -" },
	{ "dont-verify-checksums", "ringcap does not print packets: ringcap -w - | tcpdump -K -r -" },
	{ "count", "the summary counts the packets; use -c COUNT to stop after COUNT" },
};

static int foreign_flag_error(int c)
{
	for (size_t i = 0; i < sizeof(foreign_flags) / sizeof(foreign_flags[0]); i++) {
		if (foreign_flags[i].flag != c)
			continue;
		if (foreign_flags[i].hint)
			return usage_error("-%c: unknown flag; %s", c, foreign_flags[i].hint);
		return usage_error("-%c: ringcap does not print packets: ringcap -w - | "
				   "tcpdump -%c -r -", c, c);
	}
	return usage_error("-%c: unknown flag", c);
}

static int foreign_long_error(const char *arg)
{
	const char *name = arg + strspn(arg, "-");
	size_t len = strcspn(name, "=");

	for (size_t i = 0; i < sizeof(foreign_longs) / sizeof(foreign_longs[0]); i++)
		if (strlen(foreign_longs[i].name) == len && !strncmp(name, foreign_longs[i].name, len))
			return usage_error("--%.*s: unknown flag; %s", (int)len, name,
					   foreign_longs[i].hint);
	return usage_error("%.*s: unknown flag", (int)(name - arg + len), arg);
}

/* getopt's own complaints name the program by its path; ours name the
 * flag. For a long option optopt is its value (OPT_THREADS...), not a
 * letter, and the word itself is argv[optind - 1]. */
static int getopt_error(int c, char **argv)
{
	char flag[3] = { '-', (char)optopt, 0 };
	const char *word = argv[optind - 1];

	if (c == ':')
		return usage_error("%s: needs a value", strncmp(word, "--", 2) ? flag : word);
	if (optopt)
		return foreign_flag_error(optopt);
	return foreign_long_error(argv[optind - 1]);
}

/* dumpcap's -v is its version, tcpdump's is "more verbose". Alone (or as
 * -vv) it can only be asked for the version; among a capture's flags it is
 * tcpdump's, and ringcap prints no packets to be verbose about. */
static int check_v_alone(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-' || !argv[i][1] || argv[i][1 + strspn(argv[i] + 1, "v")])
			return usage_error("-v: alone it prints the version (dumpcap -v); ringcap has no "
					   "verbose mode, it does not print packets "
					   "(ringcap -w - | tcpdump -v -r -)");
	return 0;
}

static bool rotation_set(const struct rc_writer_rotation *b)
{
	return b->filesize_bytes || b->duration_s || b->interval_s || b->packets;
}

/* What dumpcap refuses, we refuse too, with the fix in the message; what
 * it refuses for no good reason (a file ring and stdout at once), we do. */
static int check_combinations(const struct cli_options *o)
{
	bool to_file = o->output && strcmp(o->output, "-") != 0;

	if ((rotation_set(&o->rotate) || o->rotate.files) && !to_file)
		return usage_error("-b: a ring buffer needs -w FILE (a name, not '-')");
	if (o->rotate.files && !rotation_set(&o->rotate))
		return usage_error("-b files:%u: also give when to switch files "
				   "(-b filesize:KB, duration:S, interval:S or packets:N)", o->rotate.files);
	if (o->tee_stdout && !to_file)
		return usage_error("--tee -: needs -w FILE (with -w - the capture is on stdout already)");
	if (o->post_cmd && !to_file)
		return usage_error("-z: needs -w FILE");
	if (o->fanout_files && (o->threads < 2 || !to_file || o->tee_stdout))
		return usage_error("--fanout-files: needs --threads N (N > 1) and -w FILE, and no --tee");
	if (o->fanout_files && (o->limits.packets || o->limits.filesize_bytes || o->limits.files))
		return usage_error("--fanout-files: -c and -a packets/filesize/files would count "
				   "per file; use -a duration, or one file");
	if (o->read_file && (o->n_ifaces || o->threads > 1 || o->user || o->netns || o->direction ||
			     o->tstamp_type || o->no_offload))
		return usage_error("-r: reads a file; -i, --threads, -Z, -Q, -j, --netns and "
				   "--no-offload are for capturing");
	if (o->read_file && !o->output)
		return usage_error("-r: give -w OUT (ringcap does not print packets: tcpdump -r FILE)");
	if (o->read_file && (o->duration_s || o->rotate.duration_s || o->rotate.interval_s))
		return usage_error("-r: -a duration and -b duration/interval go by the clock, "
				   "which a file does not have; use packets or filesize");
	if (o->format == RC_WRITER_PCAP && o->io == RC_WRITER_IO_DIRECT)
		return usage_error("-P: classic pcap is written buffered (it has no padding "
				   "record for direct I/O); drop --io direct, or -P for pcapng");
	if ((o->n_ifaces ? o->n_ifaces : 1) * o->threads > 64)
		return usage_error("--threads %u: at most 64 sockets in all (interfaces x threads)",
				   o->threads);
	return 0;
}

int cli_parse_options(int argc, char **argv, struct cli_options *ret)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "block-size", required_argument, NULL, OPT_BLOCK_SIZE },
		{ "block-timeout", required_argument, NULL, OPT_BLOCK_TIMEOUT },
		{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
		{ "tee", required_argument, NULL, OPT_TEE },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "fanout", required_argument, NULL, OPT_FANOUT },
		{ "fanout-files", no_argument, NULL, OPT_FANOUT_FILES },
		{ "io", required_argument, NULL, OPT_IO },
		{ "staging", required_argument, NULL, OPT_STAGING },
		{ "status-interval", required_argument, NULL, OPT_STATUS_INTERVAL },
		{ "interface", required_argument, NULL, 'i' },
		{ "list-interfaces", no_argument, NULL, 'D' },
		{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
		{ "netns", required_argument, NULL, OPT_NETNS },
		{ "direction", required_argument, NULL, 'Q' },
		{ "time-stamp-type", required_argument, NULL, 'j' },
		{ "list-time-stamp-types", no_argument, NULL, 'J' },
		{ "time-stamp-precision", required_argument, NULL, OPT_TS_PRECISION },
		{ "micro", no_argument, NULL, OPT_MICRO },
		{ "nano", no_argument, NULL, OPT_NANO },
		{ "no-offload", no_argument, NULL, OPT_NO_OFFLOAD },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_options o = { .action = CLI_CAPTURE, .stats_interval_s = DEFAULT_STATS_INTERVAL_S,
				 .status_interval_s = DEFAULT_STATUS_INTERVAL_S,
				 .threads = 1, .fanout = RC_ENGINE_FANOUT_HASH };
	bool short_v = false;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:w:s:c:a:b:z:B:r:pPqnUDLy:vhf:F:dZ:Q:j:J", longopts,
				NULL)) != -1) {
		r = c == '?' || c == ':' ? getopt_error(c, argv) : parse_one(c, optarg, &o);
		if (r)
			return r;
		short_v |= c == 'v';
	}
	if (short_v && (r = check_v_alone(argc, argv)))
		return r;
	if (optind < argc) {
		o.filter_argv = argv + optind;
		o.filter_argc = (unsigned)(argc - optind);
	}
	/* -D once took "extra words" silently; a filter means nothing to it. */
	if (o.action == CLI_LIST_INTERFACES && optind < argc)
		return usage_error("-D: takes no arguments, not '%s'", argv[optind]);
	if ((o.filter_expr != NULL) + (o.filter_file != NULL) + (o.filter_argc != 0) > 1)
		return usage_error("give the filter once: -f, -F or trailing arguments");
	if (o.dump > 3)
		return usage_error("-d: at most -ddd");
	if (o.packet_buffered && !o.block_timeout_ms)
		o.block_timeout_ms = 1;
	r = check_combinations(&o);
	if (r)
		return r;
	*ret = o;
	return 0;
}
