/* SPDX-License-Identifier: MIT */
/*
 * ringcap/compare.h - two-point loss analysis: line up two captures of
 * the same traffic taken at two places and say which packets were lost,
 * duplicated or reordered between them, and how long the trip took.
 *
 * DESIGN: rc_compare_run() reads both files once, in step, through a
 * matcher that only remembers packets younger than the time window, so
 * memory follows the packet rate times the window, not the file size.
 * Packets are matched on a hash of the fields routers leave alone (see
 * key.c); TCP payload by the sequence ranges it covers, so segmentation
 * offloads and NAT between the points do not break the match
 * (match_tcp.c), and a UDP GSO datagram by the segments it was cut into
 * (match_udp.c). The hosts' clocks differ, so the offset is estimated first from
 * the opening packets of both files (offset.c) and B's times corrected
 * by it before matching. The result is a plain struct; turning it into
 * words or JSON is the caller's business.
 *
 * Threads: no state is shared between calls, so two comparisons may run on
 * two threads at once; each call, and the readers and the report it uses,
 * belong to the thread that makes it. The log hook is called on it.
 */
#ifndef RINGCAP_COMPARE_H
#define RINGCAP_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/common.h>
#include <ringcap/reader.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rc_compare_config {
	size_t sz;               /* sizeof(struct rc_compare_config): RC_OPTS */
	uint64_t window_ns;      /* how long a packet may take, or wait for its copy; 0: 1 s */
	uint32_t sample_packets; /* packets of each file for the clock estimate; 0: 20000 */
	/* A file that cannot be read is said through log, once, by these
	 * names ("A.pcapng: not a valid capture file: ..."); NULL: "A", "B". */
	const char *a_name;
	const char *b_name;
	rc_log_fn log;
	void *log_ctx;
};

enum rc_compare_offset_method {
	RC_COMPARE_OFFSET_NONE = 0,      /* nothing matched: offset 0 */
	RC_COMPARE_OFFSET_SYMMETRIC = 1, /* from flows seen both ways, assuming equal paths */
	RC_COMPARE_OFFSET_MIN_DELAY = 2, /* one-way traffic: the fastest packet took ~0 */
};

struct rc_compare_delay {
	int64_t min, median, p99, max; /* ns; median and p99 within 1% */
	uint64_t samples;
};

struct rc_compare_flow {
	uint8_t family;          /* 4, 6, or 0 for non-IP (ethertype says what) */
	uint8_t proto;
	uint16_t ethertype;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint64_t packets_a, packets_b, matched, lost_a_to_b, lost_b_to_a, duplicated, reordered;
	uint64_t lost_bytes_a_to_b, lost_bytes_b_to_a; /* payload bytes */
};

/* One connection seen under two identities: flows[flow_a] at A is
 * flows[flow_b] at B (addresses or ports rewritten between the points). */
struct rc_compare_nat {
	uint32_t flow_a, flow_b;
};

enum rc_compare_mark {
	RC_COMPARE_LOST = 1 << 0,       /* an A packet that never reached B */
	RC_COMPARE_DUPLICATED = 1 << 1, /* an A packet that reached B more than once */
	RC_COMPARE_LATE = 1 << 2,       /* reached B after a packet sent after it */
	RC_COMPARE_COPY = 1 << 3,       /* an A packet that is a second copy of one B sent */
};

/* A packet of A or B with something to say about it. */
struct rc_compare_event {
	char file;      /* 'a' or 'b' */
	uint8_t marks;  /* enum rc_compare_mark; a B packet's loss is RC_COMPARE_LOST */
	uint64_t index; /* 1-based packet number in that file */
	int64_t ts_ns;  /* in that file's clock */
	uint32_t flow;  /* index into flows */
	uint32_t bytes; /* payload bytes of it lost (for TCP, maybe part of it); in what
			 * was tail padding, so the struct's size is unchanged */
};

/* matched: A packets paired with a B packet, for TCP payload A packets
 * any byte of which reached B; duplicated: extra copies, of A->B packets
 * in B and of B->A packets in A. lost_*: packets, and lost TCP payload
 * counted in segments of the flow's MSS; lost_bytes_*: payload bytes.
 * Without TCP payload, packets_a = matched + lost_a_to_b + A's copies,
 * packets_b = matched + lost_b_to_a + B's. */
struct rc_compare_report {
	uint64_t packets_a, packets_b, matched, lost_a_to_b, lost_b_to_a, duplicated, reordered;
	int64_t clock_offset_ns; /* B's clock minus A's */
	enum rc_compare_offset_method offset_method;
	struct rc_compare_delay delay;
	struct rc_compare_flow *flows; /* sorted by loss, most first */
	size_t n_flows;
	struct rc_compare_event *lost; /* lost packets of both files, A's first, in file order */
	size_t n_lost;
	struct rc_compare_event *marked; /* A packets lost, duplicated or late, by index;
					  * only index and marks are set */
	size_t n_marked;
	/* Of the lost, those sent while the other capture was not running
	 * (before its first packet or after its last, on A's clock). */
	uint64_t lost_a_outside_b, lost_b_outside_a;
	uint64_t peak_window_packets; /* most packets held at once: what memory follows */
	/* Added last, so the fields above keep their place. */
	uint64_t lost_bytes_a_to_b, lost_bytes_b_to_a;
	struct rc_compare_nat *nat;   /* translations learnt, each direction of a connection */
	size_t n_nat;
};

/* Reads a and b to their end. -EBADMSG or -errno when a reader fails
 * (rc_reader_error() of the one that did says why), -ENOMEM. */
/* Reads both files through once. Returns 0 and the report, or -EBADMSG or
 * another -errno of the file that failed (said through c->log, naming it),
 * -ENOMEM, -EINVAL/-E2BIG for the config. The calling thread. */
RC_API int rc_compare_run(const struct rc_compare_config *c, struct rc_reader *a,
			  struct rc_reader *b, struct rc_compare_report **ret);
RC_API void rc_compare_report_free(struct rc_compare_report *rep);

/* Copies a (a fresh reader of the same A file) to fd as pcapng, with an
 * opt_comment on every packet rep->marked names; fd is closed either way. */
RC_API int rc_compare_annotate(const struct rc_compare_report *rep, struct rc_reader *a, int fd);

#ifdef __cplusplus
}
#endif

#endif
