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
 * pair with the wrong copy. TCP payload that offloads cut differently at
 * the two points has no key in common; there a B packet's first byte
 * found in exactly one A packet of its flow gives d, so a capture started
 * mid-connection (no handshake to match whole) still has both directions;
 * a UDP GSO datagram gives d with its first segment.
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

/* The key a packet is matched on in one pass, CMP_NONE to leave it out:
 * whole packets by their key; UDP GSO datagrams at A by their head, which
 * the first segment at B shares (match_udp.c). */
typedef uint64_t key_fn(const struct cmp_pkt *p, bool at_a);

static uint64_t whole_key(const struct cmp_pkt *p, bool at_a)
{
	(void)at_a;
	return p->data ? CMP_NONE : p->key;
}

static uint64_t gso_key(const struct cmp_pkt *p, bool at_a)
{
	return p->udp && (!at_a || p->len >= CMP_GSO_MIN_PAYLOAD) ? p->head : CMP_NONE;
}

/* Indexes A's sample by key: v[0] the packet, v[1] set to 0 when the key
 * shows up twice in A or in B (ambiguous), v[2] B's packet. */
static int offset_index(struct cmp_table *t, key_fn *key_of, const struct cmp_pkt *a, size_t na,
			const struct cmp_pkt *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		struct cmp_slot *s;

		if (key_of(&a[i], true) == CMP_NONE)
			continue;
		if (!(s = cmp_table_get(t, key_of(&a[i], true))))
			return -ENOMEM;
		if (s->v[0] == CMP_NONE)
			s->v[0] = i;
		else
			s->v[1] = 0;
	}
	for (size_t i = 0; i < nb; i++) {
		struct cmp_slot *s = key_of(&b[i], false) == CMP_NONE ? NULL :
				     cmp_table_find(t, key_of(&b[i], false));

		if (s && s->v[2] == CMP_NONE)
			s->v[2] = i;
		else if (s)
			s->v[1] = 0;
	}
	return 0;
}

static void span_add(struct span *sp, int64_t d)
{
	sp->min = !sp->seen || d < sp->min ? d : sp->min;
	sp->max = !sp->seen || d > sp->max ? d : sp->max;
	sp->seen = true;
}

#define RANGE_LOOKBACK 64 /* A packets before the nearest checked for a second copy */

static int cmp_by_flow_seq(const void *x, const void *y)
{
	const struct cmp_pkt *a = x, *b = y;

	if (a->flow != b->flow)
		return (a->flow > b->flow) - (a->flow < b->flow);
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static bool holds(const struct cmp_pkt *a, const struct cmp_pkt *b)
{
	return a->flow == b->flow && (uint32_t)(b->seq - a->seq) < a->len;
}

/* The one A packet (sorted by flow and sequence) holding b's first byte;
 * NULL if none, or more than one (a retransmission: which copy is b?). */
static const struct cmp_pkt *range_find(const struct cmp_pkt *v, size_t n, const struct cmp_pkt *b)
{
	size_t lo = 0, hi = n, k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_by_flow_seq(&v[mid], b) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || !holds(&v[lo - 1], b))
		return NULL;
	k = lo - 1;
	for (size_t j = k; j > 0 && k - j < RANGE_LOOKBACK && v[j - 1].flow == b->flow; j--)
		if (holds(&v[j - 1], b))
			return NULL;
	return &v[k];
}

/* d of TCP payload matched by range, added to the spans. Sequence
 * numbers are taken relative to a point well before the flow's first one
 * in A's sample, so that sorting and containment do not see the wrap. */
static int offset_ranges(const struct cmp_pkt *a, size_t na, const struct cmp_pkt *b, size_t nb,
			 size_t n_flows, const uint32_t *as_a, struct span *spans)
{
	struct cmp_pkt *v = malloc((na + 1) * sizeof(*v));
	uint64_t *base = malloc((n_flows + 1) * sizeof(*base));
	size_t n = 0;

	if (!v || !base) {
		free(v);
		free(base);
		return -ENOMEM;
	}
	for (size_t f = 0; f < n_flows; f++)
		base[f] = CMP_NONE;
	for (size_t i = 0; i < na; i++) {
		if (!a[i].data)
			continue;
		if (base[a[i].flow] == CMP_NONE)
			base[a[i].flow] = (uint32_t)(a[i].seq - (1u << 30));
		v[n] = a[i];
		v[n++].seq -= (uint32_t)base[a[i].flow];
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_by_flow_seq);
	for (size_t i = 0; n && i < nb; i++) {
		struct cmp_pkt q = b[i];
		const struct cmp_pkt *p;
		int64_t d;

		q.flow = as_a[q.flow];
		if (!q.data || base[q.flow] == CMP_NONE)
			continue;
		q.seq -= (uint32_t)base[q.flow];
		p = range_find(v, n, &q);
		if (p && !__builtin_sub_overflow(q.t, p->t, &d))
			span_add(&spans[p->flow], d);
	}
	free(v);
	free(base);
	return 0;
}

/* A TCP packet matched whole in two flows is NAT between the points: B's
 * flow, and its reverse, are A's for the ranges (as flows.c learns it). */
static void offset_nat(const struct cmp_flows *flows, uint32_t *as_a, uint32_t fa, uint32_t fb)
{
	int64_t ra = cmp_flows_reverse(flows, fa), rb = cmp_flows_reverse(flows, fb);

	as_a[fb] = fa;
	if (ra >= 0 && rb >= 0)
		as_a[rb] = (uint32_t)ra;
}

/* One pass of key_of matches over the samples into the spans. */
static int offset_keyed(const struct cmp_pkt *a, size_t na, const struct cmp_pkt *b, size_t nb,
			key_fn *key_of, const struct cmp_flows *flows, uint32_t *as_a,
			struct span *spans)
{
	struct cmp_table t;
	int e = cmp_table_init(&t);

	if (e == 0)
		e = offset_index(&t, key_of, a, na, b, nb);
	for (size_t i = 0; e == 0 && i < nb; i++) {
		const struct cmp_slot *s;
		int64_t d;

		if (key_of(&b[i], false) == CMP_NONE)
			continue;
		s = cmp_table_find(&t, key_of(&b[i], false));
		if (!s || s->v[1] != CMP_NONE || s->v[0] == CMP_NONE ||
		    __builtin_sub_overflow(b[i].t, a[s->v[0]].t, &d))
			continue;
		span_add(&spans[a[s->v[0]].flow], d);
		if (a[s->v[0]].flow != b[i].flow)
			offset_nat(flows, as_a, a[s->v[0]].flow, b[i].flow);
	}
	cmp_table_free(&t);
	return e;
}

/* Per flow, the range of d over packets matched without ambiguity. */
static int offset_spans(const struct cmp_pkt *a, size_t na, const struct cmp_pkt *b, size_t nb,
			const struct cmp_flows *flows, struct span *spans)
{
	uint32_t *as_a = malloc((flows->n + 1) * sizeof(*as_a));
	int e = as_a ? 0 : -ENOMEM;

	for (size_t f = 0; e == 0 && f < flows->n; f++)
		as_a[f] = (uint32_t)f;
	if (e == 0)
		e = offset_keyed(a, na, b, nb, whole_key, flows, as_a, spans);
	if (e == 0)
		e = offset_keyed(a, na, b, nb, gso_key, flows, as_a, spans);
	if (e == 0)
		e = offset_ranges(a, na, b, nb, flows->n, as_a, spans);
	free(as_a);
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
	int e = sp && est ? offset_spans(a, na, b, nb, flows, sp) : -ENOMEM;

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
