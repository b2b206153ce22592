/* SPDX-License-Identifier: MIT */
/*
 * options.h - the ringcap command line, parsed into one struct.
 */
#ifndef RINGCAP_CLI_OPTIONS_H
#define RINGCAP_CLI_OPTIONS_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <ringcap/capture.h>
#include <ringcap/engine.h>
#include <ringcap/writer.h>

#define CLI_MAX_IFACES RC_CAPTURE_MAX_IFACES

enum cli_action {
	CLI_CAPTURE,
	CLI_LIST_INTERFACES,
	CLI_LIST_LINKTYPES,         /* -L */
	CLI_LIST_TSTAMP_TYPES,      /* -J */
	CLI_HELP,
	CLI_VERSION,
};

struct cli_options {
	enum cli_action action;
	const char *ifaces[CLI_MAX_IFACES];
	unsigned n_ifaces;
	/* Names -i N stands for, filled by cli_ifaces_resolve() (ifaces.h). */
	char iface_by_number[CLI_MAX_IFACES][IF_NAMESIZE];
	const char *linktype_name;  /* -y; checked by cli_ifaces_resolve() */
	const char *output;         /* NULL: a temporary file; "-": stdout */
	const char *read_file;      /* -r: packets from this file, not interfaces */
	uint32_t snaplen;           /* 0: default */
	uint64_t duration_s;        /* -a duration:S; 0: no limit */
	struct rc_writer_rotation rotate;   /* -b */
	struct rc_writer_limits limits;     /* -c, -a packets/filesize/files */
	/* The words each stop condition was given in, for the summary. */
	const char *duration_text;
	const char *packets_text;
	const char *filesize_text;
	const char *files_text;
	uint32_t stats_interval_s;  /* --stats-interval */
	uint32_t status_interval_s; /* --status-interval: log lines without a terminal */
	const char *post_cmd;       /* -z */
	bool tee_stdout;            /* --tee - */
	uint32_t threads;           /* --threads: capture threads, one fanout socket each */
	enum rc_engine_fanout fanout; /* --fanout */
	bool fanout_files;          /* --fanout-files: a file per thread */
	enum rc_writer_io io;       /* --io */
	enum rc_writer_format format; /* -P: classic pcap */
	uint32_t staging_mib;       /* --staging; 0: the writer's default */
	uint32_t ring_kib;          /* -B */
	uint32_t block_kib;         /* --block-size */
	uint32_t block_timeout_ms;  /* --block-timeout; -U makes 0 (default) 1 */
	bool packet_buffered;       /* -U */
	bool no_promisc;            /* -p */
	bool quiet;                 /* -q */
	const char *filter_expr;    /* -f */
	const char *filter_file;    /* -F */
	char **filter_argv;         /* trailing arguments: the filter, as tcpdump */
	unsigned filter_argc;
	unsigned dump;              /* -d, -dd, -ddd: print the filter program and exit */
	const char *user;           /* -Z: become this user once the sockets are open */
	bool no_sandbox;            /* --no-sandbox: no seccomp filter */
	/* The wire as it is. */
	const char *netns;          /* --netns NAME|PATH */
	const char *direction;      /* -Q, --direction: in, out, inout */
	const char *tstamp_type;    /* -j, --time-stamp-type */
	enum rc_writer_ts_precision ts_precision; /* --time-stamp-precision, --micro, --nano */
	bool no_offload;            /* --no-offload: GRO/LRO off while capturing */
};

/* Returns 0, or 2 after printing one line that names the bad argument. */
int cli_parse_options(int argc, char **argv, struct cli_options *ret);
void cli_print_usage(void);

#endif
