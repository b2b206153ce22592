/* SPDX-License-Identifier: MIT */
/*
 * flows.c - the flow table: one entry per direction of a 5-tuple (or per
 * ethertype and MAC pair for non-IP), with the counters of the report.
 *
 * DESIGN: a growing array the report hands out as is, indexed by a hash
 * of the identity fields. Directions are kept apart because loss often
 * is one-way, and because the clock estimate needs to see a flow's two
 * directions side by side (cmp_flows_reverse()).
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
	cmp_table_free(&f->index);
}

static int64_t flows_add(struct cmp_flows *f, const struct rc_compare_flow *id)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct rc_compare_flow *v = realloc(f->v, cap * sizeof(*v));
		uint8_t *dir = v ? realloc(f->dir, cap) : NULL;

		if (v)
			f->v = v;
		if (!dir)
			return -ENOMEM;
		f->dir = dir;
		f->cap = cap;
	}
	f->v[f->n] = *id;
	f->dir[f->n] = CMP_DIR_UNKNOWN;
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

int64_t cmp_flows_reverse(const struct cmp_flows *f, uint32_t id)
{
	struct rc_compare_flow r = f->v[id];
	const struct cmp_slot *s;

	memcpy(r.src, f->v[id].dst, sizeof(r.src));
	memcpy(r.dst, f->v[id].src, sizeof(r.dst));
	r.sport = f->v[id].dport;
	r.dport = f->v[id].sport;
	s = cmp_table_find(&f->index, flow_hash(&r));
	return s ? (int64_t)s->v[0] : -1;
}
