/* SPDX-License-Identifier: MIT */
/*
 * match.c - the matcher: packets of A and B go in, in time order (B's
 * times already on A's clock), and each leaves the window matched, lost,
 * or, for B, a duplicate.
 *
 * DESIGN: each side keeps its packets in a FIFO in arrival order, and a
 * table from key to the chain of that side's entries with the key, also
 * in arrival order. On A's side the chain holds matched entries (kept to
 * recognise a later duplicate) followed by unmatched ones: a B packet
 * takes the oldest unmatched, so identical packets pair off in order,
 * and the table remembers where the unmatched part starts. On B's side
 * the chain holds only B packets still waiting for their A (B's copy can
 * come first when the clock estimate is a little off, or for B->A
 * traffic). A B packet never waits while an unmatched A with its key
 * exists, so the two never need to look past a chain's head.
 * A packet leaves when it is a window older than the newest packet: a
 * waiting A is then lost, a waiting B lost or a late duplicate. B's
 * packets leave in B's order, which is what "reordered" is defined on
 * for A->B packets: one that left A before one that already reached B.
 * B->A packets are judged the mirror way, in A's order. A matched
 * packet's direction is the sign of its corrected delay.
 *
 * TCP payload does not go through the key tables: match_tcp.c matches it
 * by byte range, in the same FIFOs. A TCP packet matched whole whose two
 * copies are in flows of different addresses or ports teaches the flow
 * table a NAT translation (cmp_flows_nat()).
 */
#include "match_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int fifo_grow(struct fifo *f)
{
	uint64_t mask = f->mask ? f->mask * 2 + 1 : 1023;
	struct entry *e = malloc((mask + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	for (uint64_t s = f->head; s < f->tail; s++)
		e[s & mask] = *at(f, s);
	free(f->e);
	f->e = e;
	f->mask = mask;
	return 0;
}

static int fifo_push(struct fifo *f, const struct cmp_pkt *p, uint64_t *seq)
{
	if ((!f->e || f->tail - f->head > f->mask) && fifo_grow(f) < 0)
		return -ENOMEM;
	*seq = f->tail++;
	*at(f, *seq) = (struct entry){ .key = p->key, .t = p->t, .index = p->index,
				       .next = CMP_NONE, .flow = p->flow, .len = p->len,
				       .state = PENDING, .data = p->data };
	if (p->data)
		at(f, *seq)->d.lo = p->seq, at(f, *seq)->d.got = 0;
	return 0;
}

static int event_add(struct event_list *l, char file, uint8_t marks, const struct entry *e,
		     int64_t ts)
{
	if (l->n == l->cap) {
		struct rc_compare_event *v = cmp_grow(l->v, &l->cap, 256, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
	}
	l->v[l->n++] = (struct rc_compare_event){ .file = file, .marks = marks, .index = e->index,
						  .ts_ns = ts, .flow = e->flow };
	return 0;
}

int cmp_mark_a(struct cmp_matcher *m, uint64_t a_index, uint8_t marks)
{
	struct entry e = { .index = a_index };

	return event_add(&m->marks, 'a', marks, &e, 0);
}

int cmp_matcher_new(uint64_t window_ns, int64_t offset_ns, struct rc_compare_report *rep,
		    struct cmp_flows *flows, struct cmp_matcher **ret)
{
	struct cmp_matcher *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->window = window_ns > INT64_MAX ? INT64_MAX : (int64_t)window_ns;
	m->offset = offset_ns;
	m->rep = rep;
	m->flows = flows;
	if (cmp_table_init(&m->ta) < 0 || cmp_table_init(&m->tb) < 0 ||
	    cmp_table_init(&m->gso) < 0 || cmp_table_init(&m->gso_head) < 0 ||
	    cmp_table_init(&m->gso_id) < 0 || cmp_table_init(&m->gso_flow) < 0) {
		cmp_matcher_free(m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

void cmp_matcher_free(struct cmp_matcher *m)
{
	if (!m)
		return;
	free(m->fa.e);
	free(m->fb.e);
	cmp_table_free(&m->ta);
	cmp_table_free(&m->tb);
	cmp_table_free(&m->gso);
	cmp_table_free(&m->gso_head);
	cmp_table_free(&m->gso_id);
	cmp_table_free(&m->gso_flow);
	free(m->lost_a.v);
	free(m->lost_b.v);
	free(m->marks.v);
	cmp_streams_free(&m->streams);
	free(m);
}

/* Appends seq to key's chain on one side. */
static int chain_append(struct cmp_table *t, struct fifo *f, uint64_t key, uint64_t seq,
			bool unmatched)
{
	struct cmp_slot *s = cmp_table_get(t, key);

	if (!s)
		return -ENOMEM;
	if (s->v[0] == CMP_NONE)
		s->v[0] = seq;
	else
		at(f, s->v[1])->next = seq;
	s->v[1] = seq;
	if (unmatched && s->v[2] == CMP_NONE)
		s->v[2] = seq;
	return 0;
}

/* Drops the head of the chain s, which must be entry e. */
static void chain_pop(struct cmp_table *t, struct cmp_slot *s, const struct entry *e)
{
	if (s->v[2] == s->v[0])
		s->v[2] = e->next;
	s->v[0] = e->next;
	if (s->v[0] == CMP_NONE)
		cmp_table_remove(t, s);
}

void cmp_note_match(struct cmp_matcher *m, struct entry *a, struct entry *b)
{
	int64_t d;

	a->state = b->state = MATCHED;
	if (!b->peer || a->index < b->peer)
		b->peer = a->index;
	if (!a->peer || b->index < a->peer)
		a->peer = b->index;
	if (__builtin_sub_overflow(b->t, a->t, &d))
		d = b->t > a->t ? INT64_MAX : INT64_MIN;
	cmp_hist_add(&m->hist, d);
	/* On the corrected clock a packet shows up where it was sent first. */
	a->ab = b->ab = d >= 0;
	m->flows->dir[a->flow] = m->flows->dir[b->flow] = d >= 0 ? CMP_DIR_AB : CMP_DIR_BA;
}

/* The two copies in different flows: the same packet, its addresses or
 * ports rewritten on the way (keys leave them out only for TCP). */
static int pair_nat(struct cmp_matcher *m, uint32_t a_flow, uint32_t b_flow)
{
	uint32_t rebound[2];
	int e = cmp_flows_nat(m->flows, a_flow, b_flow, rebound);

	if (e > 0 && (e = cmp_data_rebind(m, rebound[0])) == 0)
		e = cmp_data_rebind(m, rebound[1]);
	return e < 0 ? e : 0;
}

static int pair(struct cmp_matcher *m, struct entry *a, struct entry *b)
{
	cmp_note_match(m, a, b);
	m->rep->matched++;
	m->flows->v[a->flow].matched++;
	return a->flow == b->flow ? 0 : pair_nat(m, a->flow, b->flow);
}

/* Identical packets in the sender's file are retransmissions, in the
 * receiver's file a copy made on the way; which file is the sender's is
 * learnt from the flow's matched packets. */
static bool flow_from_b(const struct cmp_matcher *m, uint32_t flow)
{
	return m->flows->dir[flow] == CMP_DIR_BA;
}

/* A second copy at A of a packet B sent: a duplicate made on the way to A.
 * (For A->B traffic an identical A packet is a retransmission that B
 * may still see, so it waits like any other.) */
static bool a_is_duplicate(const struct cmp_matcher *m, const struct cmp_slot *sa,
			   const struct cmp_pkt *p)
{
	return sa && sa->v[2] == CMP_NONE && flow_from_b(m, p->flow);
}

int cmp_match_a(struct cmp_matcher *m, const struct cmp_pkt *p)
{
	struct cmp_slot *s = cmp_table_find(&m->tb, p->key);
	uint64_t seq;
	int e = fifo_push(&m->fa, p, &seq);

	if (e < 0)
		return e;
	if (p->data)
		return cmp_data_arrive(m, SIDE_A, seq);
	if (p->mss)
		cmp_data_syn(m, SIDE_A, p->flow, p->mss);
	if (!s && a_is_duplicate(m, cmp_table_find(&m->ta, p->key), p)) {
		at(&m->fa, seq)->state = DUPLICATE;
		m->rep->duplicated++;
		m->flows->v[p->flow].duplicated++;
		if ((e = cmp_mark_a(m, p->index, RC_COMPARE_COPY)) < 0)
			return e;
		return chain_append(&m->ta, &m->fa, p->key, seq, false);
	}
	if (s) {
		struct entry *b = at(&m->fb, s->v[0]);

		chain_pop(&m->tb, s, b);
		if ((e = pair(m, at(&m->fa, seq), b)) < 0)
			return e;
	} else if ((e = cmp_gso_a(m, p, seq)) < 0) {
		return e;
	}
	return chain_append(&m->ta, &m->fa, p->key, seq, !s);
}

int cmp_match_b(struct cmp_matcher *m, const struct cmp_pkt *p)
{
	struct cmp_slot *s = cmp_table_find(&m->ta, p->key);
	struct entry *b;
	uint64_t seq;
	int e = fifo_push(&m->fb, p, &seq);

	if (e < 0)
		return e;
	if (p->data)
		return cmp_data_arrive(m, SIDE_B, seq);
	if (p->mss)
		cmp_data_syn(m, SIDE_B, p->flow, p->mss);
	b = at(&m->fb, seq);
	if (s && s->v[2] != CMP_NONE) {
		struct entry *a = at(&m->fa, s->v[2]);

		s->v[2] = a->next;
		return pair(m, a, b);
	}
	if (s && !flow_from_b(m, p->flow)) {
		/* Its A was matched already: this is a second copy of it. (In a
		 * B->A flow it is B sending the same bytes again, which A may
		 * see later: it waits like any other.) */
		b->state = DUPLICATE;
		m->rep->duplicated++;
		m->flows->v[b->flow].duplicated++;
		return cmp_mark_a(m, at(&m->fa, s->v[1])->index, RC_COMPARE_DUPLICATED);
	}
	if ((e = cmp_gso_b(m, p, seq)) != 0)
		return e < 0 ? e : 0;
	return chain_append(&m->tb, &m->fb, p->key, seq, false);
}

/* t is more than a window older than now (times can be anything). */
static bool expired(const struct cmp_matcher *m, int64_t t, int64_t now)
{
	int64_t limit;

	return !__builtin_sub_overflow(now, m->window, &limit) && t < limit;
}

/* Called in arrival order at the receiving side: a packet is reordered
 * when one sent after it (a higher number at the sender) arrived first.
 * Equal numbers are pieces of one offloaded packet, in order. */
static int reorder_check(struct cmp_matcher *m, uint32_t flow, uint64_t sent_index,
			 uint64_t *max_sent, uint64_t a_index)
{
	if (sent_index >= *max_sent) {
		*max_sent = sent_index;
		return 0;
	}
	m->rep->reordered++;
	m->flows->v[flow].reordered++;
	return cmp_mark_a(m, a_index, RC_COMPARE_LATE);
}

int cmp_count_lost(struct cmp_matcher *m, int side, const struct entry *e, uint32_t bytes,
		   uint64_t units)
{
	struct rc_compare_flow *f = &m->flows->v[e->flow];
	int64_t raw;
	int r;

	if (side == SIDE_A) {
		m->rep->lost_a_to_b += units;
		m->rep->lost_bytes_a_to_b += bytes;
		f->lost_a_to_b += units;
		f->lost_bytes_a_to_b += bytes;
		r = event_add(&m->lost_a, 'a', RC_COMPARE_LOST, e, e->t);
		if (r == 0)
			m->lost_a.v[m->lost_a.n - 1].bytes = bytes;
		return r < 0 ? r : cmp_mark_a(m, e->index, RC_COMPARE_LOST);
	}
	m->rep->lost_b_to_a += units;
	m->rep->lost_bytes_b_to_a += bytes;
	f->lost_b_to_a += units;
	f->lost_bytes_b_to_a += bytes;
	if (__builtin_add_overflow(e->t, m->offset, &raw))
		raw = e->t;
	r = event_add(&m->lost_b, 'b', RC_COMPARE_LOST, e, raw);
	if (r == 0)
		m->lost_b.v[m->lost_b.n - 1].bytes = bytes;
	return r;
}

static int leave_a(struct cmp_matcher *m)
{
	struct entry *a = at(&m->fa, m->fa.head);
	int e = 0;

	if (a->data)
		e = cmp_data_leave(m, SIDE_A, m->fa.head);
	else
		chain_pop(&m->ta, cmp_table_find(&m->ta, a->key), a);
	if (e == 0 && a->gso)
		e = cmp_gso_leave(m, m->fa.head);
	if (e == 0 && a->state == MATCHED && !a->ab)
		e = reorder_check(m, a->flow, a->peer, &m->max_b_index, a->index);
	if (e == 0 && a->state == PENDING && !a->data)
		e = cmp_count_lost(m, SIDE_A, a, a->len, 1);
	m->fa.head++;
	return e;
}

/* A waiting B packet whose key A still holds came before the copy that
 * matched (a duplicate), unless B sent it (a retransmission A never
 * saw); one A never had is lost B->A. */
static int leave_b_unmatched(struct cmp_matcher *m, struct entry *b)
{
	struct cmp_slot *sa = cmp_table_find(&m->ta, b->key);

	if (sa && !flow_from_b(m, b->flow)) {
		m->rep->duplicated++;
		m->flows->v[b->flow].duplicated++;
		return cmp_mark_a(m, at(&m->fa, sa->v[1])->index, RC_COMPARE_DUPLICATED);
	}
	return cmp_count_lost(m, SIDE_B, b, b->len, 1);
}

static int leave_b(struct cmp_matcher *m)
{
	struct entry *b = at(&m->fb, m->fb.head);
	int e = 0;

	if (b->data) {
		e = cmp_data_leave(m, SIDE_B, m->fb.head);
		if (e == 0 && b->state == MATCHED && b->ab)
			e = reorder_check(m, b->flow, b->peer, &m->max_a_index, b->peer);
	} else if (b->state == PENDING) {
		chain_pop(&m->tb, cmp_table_find(&m->tb, b->key), b);
		e = leave_b_unmatched(m, b);
	} else if (b->state == MATCHED && b->ab) {
		e = reorder_check(m, b->flow, b->peer, &m->max_a_index, b->peer);
	}
	m->fb.head++;
	return e;
}

static void note_peak(struct cmp_matcher *m)
{
	uint64_t held = (m->fa.tail - m->fa.head) + (m->fb.tail - m->fb.head);

	if (held > m->rep->peak_window_packets)
		m->rep->peak_window_packets = held;
}

int cmp_expire(struct cmp_matcher *m, int64_t now)
{
	int e = 0;

	note_peak(m);
	/* B first: a waiting B copy asks A's table whether it is a duplicate. */
	while (e == 0 && m->fb.head < m->fb.tail && expired(m, at(&m->fb, m->fb.head)->t, now))
		e = leave_b(m);
	while (e == 0 && m->fa.head < m->fa.tail && expired(m, at(&m->fa, m->fa.head)->t, now))
		e = leave_a(m);
	return e;
}

static int cmp_event_index(const void *x, const void *y)
{
	const struct rc_compare_event *a = x, *b = y;

	return (a->index > b->index) - (a->index < b->index);
}

/* Sorts A's marks by packet number and folds each packet's into one. */
static void marks_fold(struct event_list *l)
{
	size_t out = 0;

	if (l->n > 1) /* v is NULL while empty, which qsort may not take */
		qsort(l->v, l->n, sizeof(*l->v), cmp_event_index);
	for (size_t i = 0; i < l->n; i++) {
		if (out && l->v[out - 1].index == l->v[i].index)
			l->v[out - 1].marks |= l->v[i].marks;
		else
			l->v[out++] = l->v[i];
	}
	l->n = out;
}

static int lost_join(struct cmp_matcher *m)
{
	struct rc_compare_report *rep = m->rep;
	size_t n = m->lost_a.n + m->lost_b.n;

	rep->lost = malloc((n ? n : 1) * sizeof(*rep->lost));
	if (!rep->lost)
		return -ENOMEM;
	if (m->lost_a.n)
		memcpy(rep->lost, m->lost_a.v, m->lost_a.n * sizeof(*rep->lost));
	if (m->lost_b.n)
		memcpy(rep->lost + m->lost_a.n, m->lost_b.v, m->lost_b.n * sizeof(*rep->lost));
	rep->n_lost = n;
	return 0;
}

int cmp_matcher_finish(struct cmp_matcher *m)
{
	struct rc_compare_report *rep = m->rep;
	int e = 0;

	note_peak(m);
	while (e == 0 && m->fb.head < m->fb.tail)
		e = leave_b(m);
	while (e == 0 && m->fa.head < m->fa.tail)
		e = leave_a(m);
	if (e < 0 || (e = lost_join(m)) < 0)
		return e;
	marks_fold(&m->marks);
	rep->marked = m->marks.v;
	rep->n_marked = m->marks.n;
	m->marks = (struct event_list){ 0 };
	rep->delay = (struct rc_compare_delay){
		.min = m->hist.min, .median = cmp_hist_quantile(&m->hist, 0.5),
		.p99 = cmp_hist_quantile(&m->hist, 0.99), .max = m->hist.max,
		.samples = m->hist.n,
	};
	return 0;
}
