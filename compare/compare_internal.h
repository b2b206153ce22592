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

struct cmp_pkt {
	uint64_t key;
	int64_t t;      /* A's clock; for B, corrected to A's clock */
	uint64_t index; /* 1-based number in its file */
	uint32_t flow;
};

/* key.c: the identity of a packet, and its flow's fields into *flow. */
uint64_t cmp_key(uint16_t linktype, const uint8_t *p, uint32_t len, struct rc_compare_flow *flow);
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

/* flows.c */
enum { CMP_DIR_UNKNOWN, CMP_DIR_AB, CMP_DIR_BA };

struct cmp_flows {
	struct rc_compare_flow *v;
	uint8_t *dir; /* CMP_DIR_*, learnt from the flow's matched packets */
	size_t n, cap;
	struct cmp_table index;
};

int cmp_flows_init(struct cmp_flows *f);
/* Id of the flow with id's fields, added if new; -ENOMEM. */
int64_t cmp_flows_get(struct cmp_flows *f, const struct rc_compare_flow *id);
/* Id of the flow going the other way, or -1. */
int64_t cmp_flows_reverse(const struct cmp_flows *f, uint32_t id);
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
