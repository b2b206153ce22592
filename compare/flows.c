/* SPDX-License-Identifier: MIT */
/*
 * flows.c - the flow table: one entry per direction of a 5-tuple (or per
 * ethertype and MAC pair for non-IP), with the counters of the report.
 *
 * DESIGN: a growing array the report hands out as is, indexed by a hash
 * of the identity fields. Directions are kept apart because loss often
 * is one-way, and because the clock estimate needs to see a flow's two
 * directions side by side (cmp_flows_reverse()).
 *
 * NAT between the points gives one connection two identities, A's and
 * B's. The matcher learns the pair from a TCP packet seen on both sides
 * (its key leaves the addresses out), and from then on a B flow's bytes
 * are matched in the stream of the A flow it is (stream[]): the report
 * keeps both flows, and lists the pairs.
 */
#include "compare_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t flow_hash(const struct rc_compare_flow *f)
{
	uint64_t h = cmp_hash(f->family, f->src, sizeof(f->src));

	h = cmp_hash(h, f->dst, sizeof(f->dst));
	h = cmp_hash(h, (uint64_t[]){ (uint64_t)f->proto << 48 | (uint64_t)f->ethertype << 32 |
				     (uint64_t)f->sport << 16 | f->dport }, 8);
	return cmp_hash_final(h);
}

int cmp_flows_init(struct cmp_flows *f)
{
	memset(f, 0, sizeof(*f));
	return cmp_table_init(&f->index);
}

void cmp_flows_free(struct cmp_flows *f)
{
	free(f->v);
	free(f->dir);
	free(f->stream);
	free(f->nat);
	cmp_table_free(&f->index);
}

static int64_t flows_add(struct cmp_flows *f, const struct rc_compare_flow *id)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct rc_compare_flow *v = realloc(f->v, cap * sizeof(*v));
		uint8_t *dir = v ? realloc(f->dir, cap) : NULL;
		uint32_t *stream;

		if (v)
			f->v = v;
		if (dir)
			f->dir = dir;
		stream = dir ? realloc(f->stream, cap * sizeof(*stream)) : NULL;
		if (!stream)
			return -ENOMEM;
		f->stream = stream;
		f->cap = cap;
	}
	f->v[f->n] = *id;
	f->dir[f->n] = CMP_DIR_UNKNOWN;
	f->stream[f->n] = (uint32_t)f->n;
	return (int64_t)f->n++;
}

int64_t cmp_flows_get(struct cmp_flows *f, const struct rc_compare_flow *id)
{
	struct cmp_slot *s = cmp_table_get(&f->index, flow_hash(id));
	int64_t n;

	if (!s)
		return -ENOMEM;
	if (s->v[0] != CMP_NONE)
		return (int64_t)s->v[0];
	n = flows_add(f, id);
	if (n < 0) {
		cmp_table_remove(&f->index, s);
		return n;
	}
	s->v[0] = (uint64_t)n;
	return n;
}

/* The identity of the flow going the other way, no counters. */
static struct rc_compare_flow flow_reversed(const struct rc_compare_flow *v)
{
	struct rc_compare_flow r = { .family = v->family, .proto = v->proto,
				     .ethertype = v->ethertype, .sport = v->dport,
				     .dport = v->sport };

	memcpy(r.src, v->dst, sizeof(r.src));
	memcpy(r.dst, v->src, sizeof(r.dst));
	return r;
}

int64_t cmp_flows_reverse(const struct cmp_flows *f, uint32_t id)
{
	struct rc_compare_flow r = flow_reversed(&f->v[id]);
	const struct cmp_slot *s = cmp_table_find(&f->index, flow_hash(&r));

	return s ? (int64_t)s->v[0] : -1;
}

static int nat_add(struct cmp_flows *f, uint32_t a, uint32_t b)
{
	if (f->n_nat == f->cap_nat) {
		struct rc_compare_nat *v = cmp_grow(f->nat, &f->cap_nat, 16, sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->nat = v;
	}
	f->nat[f->n_nat++] = (struct rc_compare_nat){ .flow_a = a, .flow_b = b };
	f->stream[b] = a;
	return 0;
}

int cmp_flows_nat(struct cmp_flows *f, uint32_t a, uint32_t b, uint32_t ret[static 2])
{
	struct rc_compare_flow ra, rb;
	int64_t xa, xb;
	int e;

	if (f->stream[b] == a)
		return 0;
	ra = flow_reversed(&f->v[a]);
	rb = flow_reversed(&f->v[b]);
	if ((e = nat_add(f, a, b)) < 0)
		return e;
	if ((xa = cmp_flows_get(f, &ra)) < 0)
		return (int)xa;
	if ((xb = cmp_flows_get(f, &rb)) < 0)
		return (int)xb;
	if (f->stream[xb] != (uint32_t)xa && (e = nat_add(f, (uint32_t)xa, (uint32_t)xb)) < 0)
		return e;
	ret[0] = b;
	ret[1] = (uint32_t)xb;
	return 1;
}
