/* SPDX-License-Identifier: MIT */
/*
 * offset.c - the clock offset between the two capture hosts.
 *
 * DESIGN: a packet seen at both points gives d = tB - tA = offset + delay
 * when it went A->B, offset - delay when it went B->A; one direction
 * alone cannot tell offset from delay. So, as NTP does, we take flows
 * seen in both directions: the A->B one is the one whose d are all
 * higher, and the midpoint between its smallest d and the B->A one's
 * largest is the offset if the path is equally fast both ways. The median
 * over such flow pairs resists one odd pair. With one-way traffic only,
 * the offset is the smallest d, which makes the fastest packet's delay 0:
 * delays are then relative, and the report says so (offset_method).
 * Only keys seen once in each sample are used, so a retransmission cannot
 * pair with the wrong copy.
 */
#include "compare_internal.h"

#include <errno.h>
#include <stdlib.h>

struct span {
	int64_t min, max;
	bool seen;
};

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

/* Indexes A's sample by key: v[0] the packet, v[1] set to 0 when the key
 * shows up twice in A or in B (ambiguous), v[2] B's packet. */
static int offset_index(struct cmp_table *t, const struct cmp_pkt *a, size_t na,
			const struct cmp_pkt *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		struct cmp_slot *s = cmp_table_get(t, a[i].key);

		if (!s)
			return -ENOMEM;
		if (s->v[0] == CMP_NONE)
			s->v[0] = i;
		else
			s->v[1] = 0;
	}
	for (size_t i = 0; i < nb; i++) {
		struct cmp_slot *s = cmp_table_find(t, b[i].key);

		if (s && s->v[2] == CMP_NONE)
			s->v[2] = i;
		else if (s)
			s->v[1] = 0;
	}
	return 0;
}

/* Per flow, the range of d over packets matched without ambiguity. */
static int offset_spans(const struct cmp_pkt *a, size_t na, const struct cmp_pkt *b, size_t nb,
			struct span *spans)
{
	struct cmp_table t;
	int e = cmp_table_init(&t);

	if (e == 0)
		e = offset_index(&t, a, na, b, nb);
	for (size_t i = 0; e == 0 && i < nb; i++) {
		const struct cmp_slot *s = cmp_table_find(&t, b[i].key);
		struct span *sp;
		int64_t d;

		if (!s || s->v[1] != CMP_NONE || __builtin_sub_overflow(b[i].t, a[s->v[0]].t, &d))
			continue;
		sp = &spans[a[s->v[0]].flow];
		sp->min = !sp->seen || d < sp->min ? d : sp->min;
		sp->max = !sp->seen || d > sp->max ? d : sp->max;
		sp->seen = true;
	}
	cmp_table_free(&t);
	return e;
}

/* One estimate per pair of opposite flows whose d ranges do not overlap. */
static size_t offset_pairs(const struct cmp_flows *flows, const struct span *sp, int64_t *est)
{
	size_t n = 0;

	for (uint32_t f = 0; f < flows->n; f++) {
		int64_t g = cmp_flows_reverse(flows, f);

		if (!sp[f].seen || g < 0 || !sp[g].seen || sp[f].min < sp[g].max)
			continue;
		/* f went A->B: even its fastest packet is behind g's slowest. */
		est[n++] = sp[f].min / 2 + sp[g].max / 2 + (sp[f].min % 2 + sp[g].max % 2) / 2;
	}
	return n;
}

int cmp_offset_estimate(const struct cmp_pkt *a, size_t na, const struct cmp_pkt *b, size_t nb,
			const struct cmp_flows *flows, int64_t *ret,
			enum rc_compare_offset_method *ret_method)
{
	struct span *sp = calloc(flows->n + 1, sizeof(*sp));
	int64_t *est = calloc(flows->n + 1, sizeof(*est)), min = 0;
	enum rc_compare_offset_method method = RC_COMPARE_OFFSET_NONE;
	size_t n;
	int e = sp && est ? offset_spans(a, na, b, nb, sp) : -ENOMEM;

	if (e < 0)
		goto out_free;
	n = offset_pairs(flows, sp, est);
	if (n) {
		qsort(est, n, sizeof(*est), cmp_i64);
		min = est[n / 2];
		method = RC_COMPARE_OFFSET_SYMMETRIC;
	}
	for (size_t f = 0; !n && f < flows->n; f++) {
		if (sp[f].seen && (method == RC_COMPARE_OFFSET_NONE || sp[f].min < min))
			min = sp[f].min;
		if (sp[f].seen)
			method = RC_COMPARE_OFFSET_MIN_DELAY;
	}
	*ret = min;
	*ret_method = method;
out_free:
	free(sp);
	free(est);
	return e;
}
