/* SPDX-License-Identifier: MIT */
/*
 * match_tcp.c - TCP payload matched as byte ranges: a packet at either
 * point is the part of its stream's sequence space it carries, whatever
 * the offloads on the way made of it.
 *
 * DESIGN: a TSO super-packet at A is the union of the segments a router
 * cut it into; a GRO packet at B is the union of A's segments, cut
 * elsewhere. So each direction of a connection is a stream (ranges.c)
 * where each side's bytes wait for the other's, and a new range takes
 * the other side's newest pending transmission of each byte. That keeps
 * each transmission on its own: a retransmission meets its own arrival
 * (it was sent last before it), the original that never arrived expires
 * as lost, once; B bytes that A's side no longer has pending but did see
 * are a second copy, a duplicate. Entries leave the window as every
 * other packet does; what is left unaccounted of one then is lost, in
 * bytes and in segments of the stream's MSS. A B flow joins the stream
 * of the A flow it is, through NAT once that has been learnt
 * (flows.c); before that, its bytes wait in a stream of their own and
 * move over when the translation is found.
 */
#include "match_internal.h"

#include <errno.h>
#include <stdlib.h>

#define DUP_SEARCH 4096 /* A packets looked back through to name a duplicate */

static uint32_t stream_id(const struct cmp_matcher *m, int side, uint32_t flow)
{
	return side == SIDE_A ? flow : m->flows->stream[flow];
}

static uint64_t segments(const struct cmp_stream *st, uint64_t bytes)
{
	uint64_t mss = cmp_stream_mss(st);

	return (bytes + mss - 1) / mss;
}

/* The A packet that carried byte lo of stream sid most recently, to hang a
 * duplicate's mark on; 0 if it left the window or is further back. */
static uint64_t dup_origin(struct cmp_matcher *m, uint32_t sid, uint64_t lo)
{
	const struct fifo *f = &m->fa;

	for (uint64_t s = f->tail, n = 0; s > f->head && n < DUP_SEARCH; n++) {
		const struct entry *e = at(f, --s);

		if (e->data && e->flow == sid && e->d.lo <= lo && lo < e->d.lo + e->len)
			return e->index;
	}
	return 0;
}

/* Bytes [lo, hi) of side's entry e were seen by the other side already
 * and are accounted there: this is a second copy. */
static int data_duplicate(struct cmp_matcher *m, int side, struct entry *e, uint32_t sid,
			  const struct cmp_stream *st, uint64_t lo, uint64_t hi)
{
	uint64_t units = segments(st, hi - lo), origin;

	e->d.got += hi - lo;
	m->rep->duplicated += units;
	m->flows->v[e->flow].duplicated += units;
	if (side == SIDE_A)
		return cmp_mark_a(m, e->index, RC_COMPARE_COPY);
	origin = dup_origin(m, sid, lo);
	return origin ? cmp_mark_a(m, origin, RC_COMPARE_DUPLICATED) : 0;
}

/* Whether side receives the stream: its copies are duplicates. */
static bool receives(const struct cmp_matcher *m, int side, uint32_t sid)
{
	return m->flows->dir[sid] == (side == SIDE_B ? CMP_DIR_AB : CMP_DIR_BA);
}

/* What the other side had nothing pending for: a duplicate where the
 * other side saw it already and this side receives, else it waits. */
static int data_rest(struct cmp_matcher *m, int side, uint64_t seq, uint32_t sid,
		     struct cmp_stream *st)
{
	const struct cmp_stream_side *o = &st->side[!side];
	struct cmp_range_list rest = m->streams.rest;
	struct entry *e = at(fifo_of(m, side), seq);
	bool dup = receives(m, side, sid) && o->seen;
	int r = 0;

	for (size_t i = 0; r == 0 && i < rest.n; i++) {
		uint64_t lo = rest.v[i].lo, hi = rest.v[i].hi;
		uint64_t dlo = dup && o->lo_seen > lo ? o->lo_seen : lo;
		uint64_t dhi = dup && o->hi_seen < hi ? o->hi_seen : hi;

		if (!dup || dlo >= dhi) {
			r = lo < hi ? cmp_stream_put(st, side, lo, hi, seq) : 0;
			continue;
		}
		r = data_duplicate(m, side, e, sid, st, dlo, dhi);
		if (r == 0 && lo < dlo)
			r = cmp_stream_put(st, side, lo, dlo, seq);
		if (r == 0 && dhi < hi)
			r = cmp_stream_put(st, side, dhi, hi, seq);
	}
	return r;
}

/* Side's entry seq carries [lo, hi) of stream sid. */
static int data_offer(struct cmp_matcher *m, int side, uint64_t seq, uint32_t sid,
		      struct cmp_stream *st, uint64_t lo, uint64_t hi)
{
	struct entry *e = at(fifo_of(m, side), seq);
	struct fifo *of = fifo_of(m, !side);
	int r;

	cmp_stream_seen(st, side, lo, hi);
	if ((r = cmp_stream_take(&m->streams, st, side, lo, hi)) < 0)
		return r;
	for (size_t i = 0; i < m->streams.hits.n; i++) {
		const struct cmp_range *h = &m->streams.hits.v[i];
		struct entry *o = at(of, h->owner);

		e->d.got += h->hi - h->lo;
		o->d.got += h->hi - h->lo;
		cmp_note_match(m, side == SIDE_A ? e : o, side == SIDE_A ? o : e);
	}
	return data_rest(m, side, seq, sid, st);
}

int cmp_data_arrive(struct cmp_matcher *m, int side, uint64_t seq)
{
	struct entry *e = at(fifo_of(m, side), seq);
	uint32_t sid = stream_id(m, side, e->flow);
	struct cmp_stream *st = cmp_streams_get(&m->streams, sid);
	if (!st)
		return -ENOMEM;
	e->d.lo = cmp_stream_unwrap(st, (uint32_t)e->d.lo);
	return data_offer(m, side, seq, sid, st, e->d.lo, e->d.lo + e->len);
}

int cmp_data_leave(struct cmp_matcher *m, int side, uint64_t seq)
{
	struct entry *e = at(fifo_of(m, side), seq);
	uint32_t sid = stream_id(m, side, e->flow);
	struct cmp_stream *st = cmp_streams_get(&m->streams, sid);
	uint32_t lost = e->len - (uint32_t)e->d.got;

	if (!st)
		return -ENOMEM;
	if (side == SIDE_A && e->peer) {
		m->rep->matched++;
		m->flows->v[e->flow].matched++;
	}
	if (!lost)
		return 0;
	cmp_stream_drop(st, side, e->d.lo, e->d.lo + e->len, seq);
	return cmp_count_lost(m, side, e, lost, segments(st, lost));
}

void cmp_data_syn(struct cmp_matcher *m, int side, uint32_t flow, uint16_t mss)
{
	int64_t back = cmp_flows_reverse(m->flows, flow);
	struct cmp_stream *st;

	if (back < 0)
		return; /* nothing came back yet; the segments seen will do */
	st = cmp_streams_get(&m->streams, stream_id(m, side, (uint32_t)back));
	if (st && (!st->syn_mss || mss < st->syn_mss))
		st->syn_mss = mss;
}

int cmp_data_rebind(struct cmp_matcher *m, uint32_t b)
{
	struct cmp_stream *old = b < m->streams.cap ? m->streams.v[b] : NULL;
	uint32_t sid = m->flows->stream[b];
	struct cmp_stream *st;
	struct cmp_range *v;
	size_t n;
	int r = 0;

	if (!old || sid == b || !old->side[SIDE_B].n)
		return 0;
	if (!(st = cmp_streams_get(&m->streams, sid)))
		return -ENOMEM;
	/* Taken out first: offering them to the new stream reuses the scratch. */
	v = old->side[SIDE_B].v;
	n = old->side[SIDE_B].n;
	old->side[SIDE_B] = (struct cmp_stream_side){ 0 };
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct entry *e = at(&m->fb, v[i].owner);
		uint64_t lo = cmp_stream_unwrap(st, (uint32_t)v[i].lo);

		/* Low 32 bits of an unwrapped number are the raw one: placed
		 * again in the new stream, piece and entry alike. */
		e->d.lo = cmp_stream_unwrap(st, (uint32_t)e->d.lo);
		if (v[i].hi > v[i].lo)
			r = data_offer(m, SIDE_B, v[i].owner, sid, st, lo, lo + (v[i].hi - v[i].lo));
	}
	free(v);
	return r;
}
