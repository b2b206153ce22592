/* SPDX-License-Identifier: MIT */
/*
 * ranges.c - per TCP stream and side, the sequence ranges one capture
 * saw that the other has not yet accounted for.
 *
 * DESIGN: offloads cut and merge segments between the two points (TSO
 * at a sender, a router segmenting, GRO at a receiver), so a packet at A
 * rarely equals a packet at B; the bytes do. Each side of a stream keeps
 * its pending pieces, [lo, hi) in unwrapped sequence space plus the
 * FIFO number of the packet they came in, in one array sorted by lo.
 * Pieces may overlap: a retransmission sends the same bytes again, and
 * each transmission is accounted on its own. A new range takes, byte by
 * byte, the other side's newest transmission still pending (the one sent
 * last before it arrived: an original that was lost stays pending and
 * expires as lost, once). A piece never grows, so the longest piece ever
 * stored bounds how far left of a range an overlap can begin, and the
 * search is a binary search plus the pieces that really overlap. Pieces
 * that are used up or expire are emptied in place (hi = lo keeps the
 * order) and swept out when they are half the array, so removing from
 * the front costs no memmove per packet.
 */
#include "compare_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define STREAMS_INITIAL 64

static int cmp_owner_desc(const void *x, const void *y)
{
	const struct cmp_range *a = x, *b = y;

	return (a->owner < b->owner) - (a->owner > b->owner);
}

static int list_push(struct cmp_range_list *l, uint64_t lo, uint64_t hi, uint64_t owner)
{
	if (l->n == l->cap) {
		struct cmp_range *v = cmp_grow(l->v, &l->cap, 16, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
	}
	l->v[l->n++] = (struct cmp_range){ .lo = lo, .hi = hi, .owner = owner };
	return 0;
}

struct cmp_stream *cmp_streams_get(struct cmp_streams *s, uint32_t id)
{
	if (id >= s->cap) {
		size_t cap = s->cap ? s->cap : STREAMS_INITIAL;
		struct cmp_stream **v;

		while (cap <= id)
			cap *= 2;
		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		memset(v + s->cap, 0, (cap - s->cap) * sizeof(*v));
		s->v = v;
		s->cap = cap;
	}
	if (!s->v[id])
		s->v[id] = calloc(1, sizeof(*s->v[id]));
	return s->v[id];
}

void cmp_streams_free(struct cmp_streams *s)
{
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->v[i])
			continue;
		free(s->v[i]->side[0].v);
		free(s->v[i]->side[1].v);
		free(s->v[i]);
	}
	free(s->v);
	free(s->hits.v);
	free(s->rest.v);
	free(s->cand.v);
	memset(s, 0, sizeof(*s));
}

/* Sequence numbers wrap at 2^32; within a window a stream moves far less
 * than 2^31, so each is placed nearest the last one. The first is put at
 * 2^32 so a retransmission from before it stays positive. */
uint64_t cmp_stream_unwrap(struct cmp_stream *st, uint32_t seq)
{
	if (!st->based) {
		st->ref = (1ull << 32) | seq;
		st->based = true;
	}
	st->ref += (uint64_t)(int64_t)(int32_t)(seq - (uint32_t)st->ref);
	return st->ref;
}

void cmp_stream_seen(struct cmp_stream *st, int side, uint64_t lo, uint64_t hi)
{
	struct cmp_stream_side *sd = &st->side[side];

	if (!sd->seen || lo < sd->lo_seen)
		sd->lo_seen = lo;
	if (!sd->seen || hi > sd->hi_seen)
		sd->hi_seen = hi;
	sd->seen = true;
	if (hi - lo > sd->max_len)
		sd->max_len = hi - lo;
}

uint64_t cmp_stream_mss(const struct cmp_stream *st)
{
	uint64_t m = st->side[0].max_len;

	if (st->side[1].max_len && (!m || st->side[1].max_len < m))
		m = st->side[1].max_len;
	if (st->syn_mss && (!m || st->syn_mss < m))
		m = st->syn_mss;
	return m ? m : 1;
}

/* First index whose piece starts at or after lo. */
static size_t side_lower_bound(const struct cmp_stream_side *sd, uint64_t lo)
{
	size_t a = 0, b = sd->n;

	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (sd->v[mid].lo < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

static void side_sweep(struct cmp_stream_side *sd)
{
	size_t out = 0;

	for (size_t i = 0; i < sd->n; i++)
		if (sd->v[i].hi > sd->v[i].lo)
			sd->v[out++] = sd->v[i];
	sd->n = out;
	sd->dead = 0;
}

/* Empties piece i; the array is swept later, never under a scan that
 * holds indices into it. */
static void side_kill(struct cmp_stream_side *sd, size_t i)
{
	sd->v[i].hi = sd->v[i].lo;
	sd->dead++;
}

static void side_maybe_sweep(struct cmp_stream_side *sd)
{
	if (sd->dead > 64 && sd->dead * 2 > sd->n)
		side_sweep(sd);
}

int cmp_stream_put(struct cmp_stream *st, int side, uint64_t lo, uint64_t hi, uint64_t owner)
{
	struct cmp_stream_side *sd = &st->side[side];
	size_t i;

	if (sd->n == sd->cap) {
		struct cmp_range *v = cmp_grow(sd->v, &sd->cap, 64, sizeof(*v));

		if (!v)
			return -ENOMEM;
		sd->v = v;
	}
	/* Usually the newest bytes, so at the end: the memmove is empty. */
	i = sd->n && sd->v[sd->n - 1].lo <= lo ? sd->n : side_lower_bound(sd, lo);
	memmove(sd->v + i + 1, sd->v + i, (sd->n - i) * sizeof(*sd->v));
	sd->v[i] = (struct cmp_range){ .lo = lo, .hi = hi, .owner = owner };
	sd->n++;
	if (hi - lo > sd->max_piece)
		sd->max_piece = hi - lo;
	return 0;
}

void cmp_stream_drop(struct cmp_stream *st, int side, uint64_t lo, uint64_t hi, uint64_t owner)
{
	struct cmp_stream_side *sd = &st->side[side];

	for (size_t i = side_lower_bound(sd, lo); i < sd->n && sd->v[i].lo < hi; i++)
		if (sd->v[i].owner == owner && sd->v[i].hi > sd->v[i].lo)
			side_kill(sd, i);
	side_maybe_sweep(sd);
}

/* Removes [lo, hi) from the remaining list, recording what it covered. */
static int rest_cut(struct cmp_streams *s, uint64_t lo, uint64_t hi, uint64_t owner)
{
	size_t n = s->rest.n;

	for (size_t i = 0; i < n; i++) {
		struct cmp_range r = s->rest.v[i];
		uint64_t a = r.lo > lo ? r.lo : lo, b = r.hi < hi ? r.hi : hi;
		int e;

		if (a >= b)
			continue;
		if ((e = list_push(&s->hits, a, b, owner)) < 0)
			return e;
		s->rest.v[i].hi = a; /* the left part stays; the right one is added */
		if (b < r.hi && (e = list_push(&s->rest, b, r.hi, 0)) < 0)
			return e;
	}
	return 0;
}

/* Piece i lost what the hits from first_hit on took (sorted, inside it):
 * the gap left of the first hit stays in place, as it keeps the piece's
 * start; later gaps go to the candidate list's tail, to be stored after
 * the scan, since storing moves the array. */
static int piece_trim(struct cmp_streams *s, struct cmp_stream_side *sd, size_t i, size_t first_hit)
{
	struct cmp_range p = sd->v[i];
	uint64_t at = s->hits.v[first_hit].hi;
	int e;

	if (s->hits.v[first_hit].lo > p.lo)
		sd->v[i].hi = s->hits.v[first_hit].lo;
	else
		side_kill(sd, i);
	for (size_t h = first_hit + 1; h < s->hits.n; h++) {
		if (s->hits.v[h].lo > at && (e = list_push(&s->cand, at, s->hits.v[h].lo, p.owner)) < 0)
			return e;
		at = s->hits.v[h].hi;
	}
	return at < p.hi ? list_push(&s->cand, at, p.hi, p.owner) : 0;
}

static int cmp_range_lo(const void *x, const void *y)
{
	const struct cmp_range *a = x, *b = y;

	return (a->lo > b->lo) - (a->lo < b->lo);
}

/* The pieces of the other side overlapping [lo, hi), newest first. */
static int take_candidates(struct cmp_streams *s, const struct cmp_stream_side *o, uint64_t lo,
			   uint64_t hi)
{
	uint64_t from = lo > o->max_piece ? lo - o->max_piece : 0;
	int e;

	s->cand.n = 0;
	for (size_t i = side_lower_bound(o, from); i < o->n && o->v[i].lo < hi; i++) {
		if (o->v[i].hi <= lo || o->v[i].hi <= o->v[i].lo)
			continue;
		/* lo carries the index here, hi the piece's start for ties */
		if ((e = list_push(&s->cand, i, o->v[i].lo, o->v[i].owner)) < 0)
			return e;
	}
	if (s->cand.n > 1)
		qsort(s->cand.v, s->cand.n, sizeof(*s->cand.v), cmp_owner_desc);
	return 0;
}

int cmp_stream_take(struct cmp_streams *s, struct cmp_stream *st, int side, uint64_t lo,
		    uint64_t hi)
{
	struct cmp_stream_side *o = &st->side[!side];
	size_t n_cand, leftovers;
	int e;

	s->hits.n = s->rest.n = 0;
	if ((e = list_push(&s->rest, lo, hi, 0)) < 0 || (e = take_candidates(s, o, lo, hi)) < 0)
		return e;
	n_cand = s->cand.n;
	for (size_t c = 0; c < n_cand; c++) {
		size_t i = (size_t)s->cand.v[c].lo, first = s->hits.n;
		const struct cmp_range p = o->v[i];

		if ((e = rest_cut(s, p.lo, p.hi, p.owner)) < 0)
			return e;
		if (s->hits.n == first)
			continue;
		if (s->hits.n - first > 1)
			qsort(s->hits.v + first, s->hits.n - first, sizeof(*s->hits.v), cmp_range_lo);
		if ((e = piece_trim(s, o, i, first)) < 0)
			return e;
	}
	/* Right remainders of trimmed pieces, stored now that the scan is done. */
	leftovers = s->cand.n;
	for (size_t c = n_cand; e == 0 && c < leftovers; c++)
		e = cmp_stream_put(st, !side, s->cand.v[c].lo, s->cand.v[c].hi, s->cand.v[c].owner);
	side_maybe_sweep(o);
	if (s->rest.n > 1)
		qsort(s->rest.v, s->rest.n, sizeof(*s->rest.v), cmp_range_lo);
	return e;
}
