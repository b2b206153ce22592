/* SPDX-License-Identifier: MIT */
/*
 * options.c - parses the command line.
 *
 * DESIGN: flags mean what they mean to tcpdump and dumpcap (-i, -w, -s, -c,
 * -p, -B in KiB, -q, -D, -a duration:S), so habits carry over. Numbers are
 * parsed strictly: "10k" or "-5" is an error naming the flag, never a
 * silent 10 or a huge unsigned value.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_VERSION = 256,
	OPT_BLOCK_SIZE,
	OPT_BLOCK_TIMEOUT,
};

void cli_print_usage(void)
{
	fputs("Usage: ringcap [-i IFACE]... [-w FILE|-] [-s SNAPLEN] [-c COUNT] [-p] [-B KIB]\n"
	      "               [-a duration:SECONDS] [-q] [--block-size KIB] [--block-timeout MS]\n"
	      "               [-d|-dd|-ddd] [-f EXPRESSION | -F FILE | EXPRESSION...]\n"
	      "       ringcap -D | --help | --version\n"
	      "\n"
	      "Capture packets through a TPACKET_V3 ring and write them as pcapng.\n"
	      "\n"
	      "  -i IFACE            interface to capture on; repeat for several (one file,\n"
	      "                      one IDB each). Default: the first up, non-loopback one\n"
	      "  -w FILE             pcapng output; '-' for stdout. Default: a temporary file\n"
	      "  -s SNAPLEN          bytes kept per packet (0 or default: 262144)\n"
	      "  -c COUNT            stop after COUNT packets\n"
	      "  -a duration:SECONDS stop after SECONDS\n"
	      "  -p                  do not put the interface into promiscuous mode\n"
	      "  -B KIB              ring size per interface in KiB (default 32768)\n"
	      "  -q                  no status line while capturing\n"
	      "  -D                  list the interfaces ringcap can capture on\n"
	      "  -f EXPRESSION       capture filter (pcap-filter(7)); or give it as the\n"
	      "                      trailing arguments\n"
	      "  -F FILE             read the capture filter from FILE\n"
	      "  -d, -dd, -ddd       print the compiled filter (as tcpdump) and exit\n"
	      "  --block-size KIB    ring block size (power of two; default 1024)\n"
	      "  --block-timeout MS  hand over a partly filled block after MS (default 100)\n"
	      "  -h, --help          this text\n"
	      "  --version           ringcap's version\n"
	      "\n"
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

/* -a takes dumpcap's KEY:VALUE form. */
static int parse_autostop(const char *arg, struct cli_options *o)
{
	const char *colon = strchr(arg, ':');

	if (!colon)
		return usage_error("-a: '%s' is not KEY:VALUE", arg);
	if (strncmp(arg, "duration", (size_t)(colon - arg)) == 0 && colon - arg == 8)
		return parse_u64("-a duration", colon + 1, 1, UINT32_MAX, &o->duration_s);
	return usage_error("-a: unknown condition '%s' (supported: duration)", arg);
}

static int parse_one(int c, const char *arg, struct cli_options *o)
{
	switch (c) {
	case 'i':
		if (o->n_ifaces == CLI_MAX_IFACES)
			return usage_error("-i: at most %d interfaces", CLI_MAX_IFACES);
		o->ifaces[o->n_ifaces++] = arg;
		return 0;
	case 'w':
		o->output = arg;
		return 0;
	case 's':
		return parse_u32("-s", arg, 0, 262144, &o->snaplen);
	case 'c':
		return parse_u64("-c", arg, 1, UINT64_MAX - 1, &o->count);
	case 'a':
		return parse_autostop(arg, o);
	case 'B':
		return parse_u32("-B", arg, 8, 4194300, &o->ring_kib);
	case OPT_BLOCK_SIZE:
		return parse_u32("--block-size", arg, 4, 131072, &o->block_kib);
	case OPT_BLOCK_TIMEOUT:
		return parse_u32("--block-timeout", arg, 1, 60000, &o->block_timeout_ms);
	case 'p':
		o->no_promisc = true;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case 'D':
		o->action = CLI_LIST_INTERFACES;
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
		o->action = CLI_VERSION;
		return 0;
	default:
		return 2;
	}
}

/* getopt's own complaints name the program by its path; ours name the flag. */
static int getopt_error(int c, char **argv)
{
	char flag[3] = { '-', (char)optopt, 0 };
	const char *name = optopt ? flag : argv[optind - 1];

	if (c == ':')
		return usage_error("%s: needs a value", name);
	return usage_error("%s: unknown flag", name);
}

int cli_parse_options(int argc, char **argv, struct cli_options *ret)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "block-size", required_argument, NULL, OPT_BLOCK_SIZE },
		{ "block-timeout", required_argument, NULL, OPT_BLOCK_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_options o = { .action = CLI_CAPTURE };
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:w:s:c:a:B:pqDhf:F:d", longopts, NULL)) != -1) {
		r = c == '?' || c == ':' ? getopt_error(c, argv) : parse_one(c, optarg, &o);
		if (r)
			return r;
	}
	if (optind < argc) {
		o.filter_argv = argv + optind;
		o.filter_argc = (unsigned)(argc - optind);
	}
	if ((o.filter_expr != NULL) + (o.filter_file != NULL) + (o.filter_argc != 0) > 1)
		return usage_error("give the filter once: -f, -F or trailing arguments");
	if (o.dump > 3)
		return usage_error("-d: at most -ddd");
	*ret = o;
	return 0;
}
