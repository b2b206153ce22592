/* SPDX-License-Identifier: MIT */
/*
 * compare_internal.h - the pieces of the comparison: packet keys, a
 * hash table, the flow table, the delay histogram, the clock estimate
 * and the matcher.
 *
 * DESIGN: packets are reduced at once to a struct cmp_pkt (a 64-bit key,
 * a time, a number, a flow), so nothing downstream holds packet bytes and
 * the reader is free to reuse its buffer. Two different packets sharing a
 * 64-bit key is a 1-in-10^9 event for two 10-million-packet files within
 * one window, and would show as one wrong match, not a crash.
 */
#ifndef RINGCAP_COMPARE_INTERNAL_H
#define RINGCAP_COMPARE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/compare.h>

#define CMP_NONE UINT64_MAX
/* UDP payload above what one 1500-byte IPv4 frame carries: at A, maybe a
 * GSO datagram that B sees cut (match_udp.c). */
#define CMP_GSO_MIN_PAYLOAD 1473

struct cmp_pkt {
	uint64_t key;
	uint64_t head; /* IPv4 UDP: the key a GSO datagram shares with its first segment */
	int64_t t;      /* A's clock; for B, corrected to A's clock */
	uint64_t index; /* 1-based number in its file */
	uint32_t flow;
	uint32_t seq;   /* TCP: sequence number of the first payload byte; UDP: IP ID */
	uint32_t len;   /* payload bytes: after the TCP or UDP header, else the IP payload */
	uint16_t mss;   /* a TCP SYN's MSS option, less 12 with timestamps; 0 if none */
	bool data;      /* TCP payload, no SYN or RST: matched as the range [seq, seq+len) */
	bool udp;       /* IPv4 UDP, head and seq set */
};

/* key.c: the identity of a packet, and its flow's fields into *flow;
 * with ret, key, seq, len, mss and data into it too. */
uint64_t cmp_key(uint16_t linktype, const uint8_t *p, uint32_t len, struct rc_compare_flow *flow,
		 struct cmp_pkt *ret);
uint64_t cmp_hash(uint64_t h, const void *data, size_t len);
uint64_t cmp_hash_final(uint64_t h);

/* table.c: open addressing, uint64 key -> three uint64 values. */
struct cmp_slot {
	uint64_t key;
	uint64_t v[3];
	bool used;
};

struct cmp_table {
	struct cmp_slot *s;
	size_t mask, used;
};

int cmp_table_init(struct cmp_table *t);
struct cmp_slot *cmp_table_find(const struct cmp_table *t, uint64_t key);
/* The key's slot, new ones with values CMP_NONE; NULL if out of memory. */
struct cmp_slot *cmp_table_get(struct cmp_table *t, uint64_t key);
void cmp_table_remove(struct cmp_table *t, struct cmp_slot *slot);
void cmp_table_free(struct cmp_table *t);
/* v (of *cap elements of elem bytes) reallocated to twice as many, or to
 * first; *cap updated. NULL, v untouched, if out of memory. */
void *cmp_grow(void *v, size_t *cap, size_t first, size_t elem);

/* flows.c */
enum { CMP_DIR_UNKNOWN, CMP_DIR_AB, CMP_DIR_BA };

struct cmp_flows {
	struct rc_compare_flow *v;
	uint8_t *dir;     /* CMP_DIR_*, learnt from the flow's matched packets */
	uint32_t *stream; /* for B's packets: the A flow whose stream they join */
	size_t n, cap;
	struct cmp_table index;
	struct rc_compare_nat *nat; /* learnt pairs, flow ids before sorting */
	size_t n_nat, cap_nat;
};

int cmp_flows_init(struct cmp_flows *f);
/* Id of the flow with id's fields, added if new; -ENOMEM. */
int64_t cmp_flows_get(struct cmp_flows *f, const struct rc_compare_flow *id);
/* Id of the flow going the other way, or -1. */
int64_t cmp_flows_reverse(const struct cmp_flows *f, uint32_t id);
/* B's flow b is A's flow a through NAT: b, and b's reverse, join the
 * streams of a and a's reverse (created if new). 1 when learnt now, with
 * the two B flows rebound in ret; 0 if known already; -ENOMEM. */
int cmp_flows_nat(struct cmp_flows *f, uint32_t a, uint32_t b, uint32_t ret[static 2]);
void cmp_flows_free(struct cmp_flows *f);

/* hist.c: log-linear histogram, 128 steps per power of two. */
#define CMP_HIST_BUCKETS (128 * 57)
struct cmp_hist {
	uint64_t b[CMP_HIST_BUCKETS];
	uint64_t n;
	int64_t min, max;
};

void cmp_hist_add(struct cmp_hist *h, int64_t v);
int64_t cmp_hist_quantile(const struct cmp_hist *h, double q);

/* offset.c: B's clock minus A's from the first packets of each file. */
int cmp_offset_estimate(const struct cmp_pkt *a, size_t na, const struct cmp_pkt *b, size_t nb,
			const struct cmp_flows *flows, int64_t *ret,
			enum rc_compare_offset_method *ret_method);

/* ranges.c: a TCP stream's pending byte ranges, per side (0 A, 1 B). */
struct cmp_range {
	uint64_t lo, hi; /* unwrapped sequence numbers */
	uint64_t owner;  /* FIFO number of the packet the bytes came in */
};

struct cmp_range_list {
	struct cmp_range *v;
	size_t n, cap;
};

struct cmp_stream_side {
	struct cmp_range *v; /* sorted by lo; emptied pieces (hi == lo) wait for a sweep */
	size_t n, cap, dead;
	uint64_t max_piece;  /* the longest piece ever stored */
	uint64_t lo_seen, hi_seen, max_len;
	bool seen;
};

struct cmp_stream {
	struct cmp_stream_side side[2];
	uint64_t ref; /* the last unwrapped sequence number */
	bool based;
	uint16_t syn_mss;
};

struct cmp_streams {
	struct cmp_stream **v; /* by stream id: the flow id at A */
	size_t cap;
	struct cmp_range_list hits, rest, cand; /* cmp_stream_take()'s results and scratch */
};

/* The stream with this id, created empty if new; NULL if out of memory. */
struct cmp_stream *cmp_streams_get(struct cmp_streams *s, uint32_t id);
void cmp_streams_free(struct cmp_streams *s);
uint64_t cmp_stream_unwrap(struct cmp_stream *st, uint32_t seq);
/* Widens what side has seen of the stream. */
void cmp_stream_seen(struct cmp_stream *st, int side, uint64_t lo, uint64_t hi);
/* The segment size loss is counted in: the smaller side's largest
 * payload, or the SYN's MSS if smaller. */
uint64_t cmp_stream_mss(const struct cmp_stream *st);
int cmp_stream_put(struct cmp_stream *st, int side, uint64_t lo, uint64_t hi, uint64_t owner);
/* Removes what is left of owner's bytes in [lo, hi). */
void cmp_stream_drop(struct cmp_stream *st, int side, uint64_t lo, uint64_t hi, uint64_t owner);
/* Side's new range [lo, hi) takes the other side's pending bytes, newest
 * owner first: s->hits lists what it took (owner on the other side),
 * s->rest, sorted, what no pending piece had (entries may be empty). */
int cmp_stream_take(struct cmp_streams *s, struct cmp_stream *st, int side, uint64_t lo,
		    uint64_t hi);

/* match.c */
struct cmp_matcher;
int cmp_matcher_new(uint64_t window_ns, int64_t offset_ns, struct rc_compare_report *rep,
		    struct cmp_flows *flows, struct cmp_matcher **ret);
int cmp_match_a(struct cmp_matcher *m, const struct cmp_pkt *p);
int cmp_match_b(struct cmp_matcher *m, const struct cmp_pkt *p);
/* Settles every packet older than now minus the window. */
int cmp_expire(struct cmp_matcher *m, int64_t now);
/* Settles everything, fills rep's delay, lost and marked lists. */
int cmp_matcher_finish(struct cmp_matcher *m);
void cmp_matcher_free(struct cmp_matcher *m);

#endif
