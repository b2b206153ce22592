/* SPDX-License-Identifier: MIT */
/*
 * match_internal.h - the matcher's state, shared by match.c (packets
 * matched whole, by key) and match_tcp.c (TCP payload, by byte range).
 *
 * DESIGN: both kinds of packet go through the same two FIFOs, so they
 * leave the window in the same order and memory follows the window for
 * both. An entry is 56 bytes whichever it is: the key and its chain link
 * of a whole packet share room with the unwrapped start and the bytes
 * accounted of a TCP range, which has no key chain. The start is kept
 * unwrapped, not recomputed when the entry leaves, because by then the
 * stream may have moved on (a new connection on the same ports).
 */
#ifndef RINGCAP_COMPARE_MATCH_INTERNAL_H
#define RINGCAP_COMPARE_MATCH_INTERNAL_H

#include "compare_internal.h"

enum { PENDING, MATCHED, DUPLICATE };
enum { SIDE_A, SIDE_B };

struct entry {
	union {
		struct {
			uint64_t key;
			uint64_t next; /* seq of the next entry with this key on this side */
		};              /* matched whole */
		struct {
			uint64_t lo;   /* first byte, unwrapped in its stream (raw until placed) */
			uint64_t got;  /* bytes matched or found duplicate so far */
		} d;            /* TCP payload (data) */
	};
	int64_t t;
	uint64_t index;
	uint64_t peer;    /* index of the (first) packet matched in the other file; 0 none */
	uint32_t flow;
	uint32_t len;     /* payload bytes */
	uint8_t state;
	bool ab;          /* matched, and went A->B (it was at A first) */
	bool data;
	bool gso;         /* A: a UDP datagram that may reach B cut (match_udp.c) */
};

struct fifo {
	struct entry *e;
	uint64_t head, tail, mask; /* entries are seqs [head, tail), at e[seq & mask] */
};

struct event_list {
	struct rc_compare_event *v;
	size_t n, cap;
};

struct cmp_matcher {
	struct fifo fa, fb;
	struct cmp_table ta, tb; /* v[0] first seq, v[1] last seq, v[2] (A) first unmatched */
	struct cmp_streams streams;
	struct cmp_table gso, gso_head, gso_id, gso_flow; /* match_udp.c */
	int64_t window, offset;
	uint64_t max_a_index, max_b_index;
	struct cmp_hist hist;
	struct event_list lost_a, lost_b, marks;
	struct rc_compare_report *rep;
	struct cmp_flows *flows;
};

static inline struct entry *at(const struct fifo *f, uint64_t seq)
{
	return &f->e[seq & f->mask];
}

static inline struct fifo *fifo_of(struct cmp_matcher *m, int side)
{
	return side == SIDE_A ? &m->fa : &m->fb;
}

/* match.c */
int cmp_mark_a(struct cmp_matcher *m, uint64_t a_index, uint8_t marks);
/* a (of A) and b (of B) carried the same bytes: delay, direction, peers. */
void cmp_note_match(struct cmp_matcher *m, struct entry *a, struct entry *b);
/* side's entry e is lost (bytes of payload, counted as units). */
int cmp_count_lost(struct cmp_matcher *m, int side, const struct entry *e, uint32_t bytes,
		   uint64_t units);

/* match_tcp.c */
int cmp_data_arrive(struct cmp_matcher *m, int side, uint64_t seq);
/* Settles entry seq of side as it leaves the window. */
int cmp_data_leave(struct cmp_matcher *m, int side, uint64_t seq);
/* A SYN: its MSS option bounds the segments of the flow coming back. */
void cmp_data_syn(struct cmp_matcher *m, int side, uint32_t flow, uint16_t mss);
/* B flow b now joins A flow a's stream: what waits in b's own moves over. */
int cmp_data_rebind(struct cmp_matcher *m, uint32_t b);

/* match_udp.c */
/* A's entry seq (p) may be a GSO datagram: remember it. */
int cmp_gso_a(struct cmp_matcher *m, const struct cmp_pkt *p, uint64_t seq);
/* B's entry seq (p), matched by nothing else: 1 if a segment of one. */
int cmp_gso_b(struct cmp_matcher *m, const struct cmp_pkt *p, uint64_t seq);
/* A's candidate seq leaves: the bytes no segment covered are lost. */
int cmp_gso_leave(struct cmp_matcher *m, uint64_t seq);

#endif
