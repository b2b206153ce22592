/* SPDX-License-Identifier: MIT */
/*
 * match_udp.c - UDP segmentation offload: one large datagram at A, the
 * datagrams a router or NIC cut it into at B.
 *
 * DESIGN: a UDP GSO datagram (UDP_SEGMENT) is cut into segments of the
 * sender's gso_size, each with its own UDP header and the IP ID counting
 * up from the datagram's; the payload is the datagram's, in order. UDP
 * has no sequence numbers, so the first segment is found by content: it
 * shares addresses, ports, IP ID and its first payload bytes with the
 * datagram (key.c's head key), and gives the segment size. The rest of a
 * flow's segments then follow by position: IP ID k past the datagram's,
 * k segments in, the size right for that place; if the first segment
 * was lost, a full-size one a few IP IDs past a datagram's opens it, its
 * size taken for the segment size. A datagram too large for
 * one 1500-byte frame is a candidate; its record lives as long as its A
 * entry, so memory follows the window. When it leaves, what no segment
 * covered is lost, in bytes and in segments of the size learnt; one no
 * segment matched at all was matched whole or is lost whole, as before.
 */
#include "match_internal.h"

#include <errno.h>

#define GSO_MAX_SEGS 128     /* UDP_MAX_SEGMENTS in the kernel */

/* m->gso, by A FIFO seq: a candidate's v[0] head key, v[1] bytes covered
 * | segment size << 32 | next segment << 48 (0 while unopened), v[2] IP
 * ID. m->gso_id, by flow and IP ID: v[0] the candidate's seq. m->gso_flow,
 * by flow: v[0] the datagram being filled (CMP_NONE), v[1] candidates. */
static uint64_t rec_key(uint64_t a_seq)
{
	return cmp_hash_final(a_seq + 1);
}

static uint64_t flow_key(uint32_t flow)
{
	return cmp_hash_final((uint64_t)flow << 1 | 1);
}

static uint64_t id_key(uint32_t flow, uint32_t id)
{
	return cmp_hash_final((uint64_t)flow << 17 | (id & 0xFFFF) << 1);
}

int cmp_gso_a(struct cmp_matcher *m, const struct cmp_pkt *p, uint64_t seq)
{
	struct cmp_slot *r, *h, *i, *f;

	if (!p->udp || p->len < CMP_GSO_MIN_PAYLOAD)
		return 0;
	if (!(r = cmp_table_get(&m->gso, rec_key(seq))) ||
	    !(h = cmp_table_get(&m->gso_head, p->head)) ||
	    !(i = cmp_table_get(&m->gso_id, id_key(p->flow, p->seq))) ||
	    !(f = cmp_table_get(&m->gso_flow, flow_key(p->flow))))
		return -ENOMEM;
	r->v[0] = p->head;
	r->v[1] = 0;
	r->v[2] = p->seq;
	h->v[0] = i->v[0] = seq; /* a later one with the same (a resend) takes over */
	f->v[1] = f->v[1] == CMP_NONE ? 1 : f->v[1] + 1;
	at(&m->fa, seq)->gso = true;
	return 0;
}

/* Segment b covers len bytes of A's datagram a, whose record is r. */
static void gso_attach(struct cmp_matcher *m, struct entry *a, struct entry *b,
		       struct cmp_slot *r, uint64_t size, uint64_t next)
{
	uint64_t got = (r->v[1] & 0xFFFFFFFF) + b->len;

	if (a->state != MATCHED) {
		m->rep->matched++;
		m->flows->v[a->flow].matched++;
	}
	cmp_note_match(m, a, b);
	r->v[1] = got | size << 32 | next << 48;
}

/* Opens candidate a_seq with segment b, k segments in, of b's size. */
static int gso_open(struct cmp_matcher *m, struct entry *b, uint64_t a_seq, uint64_t k)
{
	struct cmp_slot *r = cmp_table_find(&m->gso, rec_key(a_seq));
	struct cmp_slot *f = cmp_table_find(&m->gso_flow, flow_key(b->flow));
	struct entry *a = at(&m->fa, a_seq);

	if (!r || !f || r->v[1] || a->flow != b->flow || b->len == 0 || (k + 1) * b->len > a->len)
		return 0;
	if (k == 0 && b->len == a->len)
		return 0; /* not cut: the same datagram, changed on the way */
	f->v[0] = a_seq;
	gso_attach(m, a, b, r, b->len, k + 1);
	return 1;
}

/* The first segment, by content: the head key. */
static int gso_first(struct cmp_matcher *m, struct entry *b, const struct cmp_pkt *p)
{
	const struct cmp_slot *h = cmp_table_find(&m->gso_head, p->head);

	return h ? gso_open(m, b, h->v[0], 0) : 0;
}

/* The first segment lost: a full-size one k IP IDs past a datagram. */
static int gso_first_lost(struct cmp_matcher *m, struct entry *b, const struct cmp_pkt *p)
{
	const struct cmp_slot *f = cmp_table_find(&m->gso_flow, flow_key(b->flow));

	for (uint32_t k = 1; f && f->v[1] && k < GSO_MAX_SEGS; k++) {
		const struct cmp_slot *i = cmp_table_find(&m->gso_id, id_key(b->flow, p->seq - k));

		if (i && gso_open(m, b, i->v[0], k))
			return 1;
	}
	return 0;
}

/* A later segment of the flow's open datagram, by IP ID and size. */
static int gso_next(struct cmp_matcher *m, struct entry *b, const struct cmp_pkt *p)
{
	const struct cmp_slot *o = cmp_table_find(&m->gso_flow, flow_key(b->flow));
	struct cmp_slot *r = o && o->v[0] != CMP_NONE ? cmp_table_find(&m->gso, rec_key(o->v[0])) : NULL;
	uint64_t size, next, k;
	struct entry *a;

	if (!r || !r->v[1])
		return 0;
	a = at(&m->fa, o->v[0]);
	size = r->v[1] >> 32 & 0xFFFF;
	next = r->v[1] >> 48;
	k = (uint16_t)(p->seq - r->v[2]);
	if (k < next || k * size >= a->len)
		return 0;
	if (b->len != (a->len - k * size < size ? a->len - k * size : size))
		return 0;
	gso_attach(m, a, b, r, size, k + 1);
	return 1;
}

int cmp_gso_b(struct cmp_matcher *m, const struct cmp_pkt *p, uint64_t seq)
{
	struct entry *b = at(&m->fb, seq);
	int e;

	if (!p->udp)
		return 0;
	e = gso_first(m, b, p);
	if (e == 0)
		e = gso_next(m, b, p);
	return e ? e : gso_first_lost(m, b, p);
}

int cmp_gso_leave(struct cmp_matcher *m, uint64_t seq)
{
	struct entry *a = at(&m->fa, seq);
	struct cmp_slot *r = cmp_table_find(&m->gso, rec_key(seq)), *h, *i, *f;
	uint64_t got, size;
	int e = 0;

	if (!r)
		return 0;
	got = r->v[1] & 0xFFFFFFFF;
	size = r->v[1] >> 32 & 0xFFFF;
	if ((h = cmp_table_find(&m->gso_head, r->v[0])) && h->v[0] == seq)
		cmp_table_remove(&m->gso_head, h);
	if ((i = cmp_table_find(&m->gso_id, id_key(a->flow, (uint32_t)r->v[2]))) && i->v[0] == seq)
		cmp_table_remove(&m->gso_id, i);
	if ((f = cmp_table_find(&m->gso_flow, flow_key(a->flow)))) {
		if (f->v[0] == seq)
			f->v[0] = CMP_NONE;
		if (--f->v[1] == 0)
			cmp_table_remove(&m->gso_flow, f);
	}
	cmp_table_remove(&m->gso, r);
	if (got && got < a->len)
		e = cmp_count_lost(m, SIDE_A, a, (uint32_t)(a->len - got),
				   (a->len - got + size - 1) / size);
	return e;
}
