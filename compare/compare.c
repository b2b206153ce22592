/* SPDX-License-Identifier: MIT */
/*
 * compare.c - rc_compare_run(): sample, estimate the clock, then one
 * merged pass over both files through the matcher.
 *
 * DESIGN: the clock estimate needs matched packets before matching can
 * start (the window is on A's clock). Rather than read the files twice,
 * which a pipe cannot do, the first sample_packets of each are reduced
 * to keys, kept, estimated from, and then fed to the matcher ahead of the
 * rest of the file (if they have nothing in common, more is sampled,
 * up to a fixed cap). The merge takes whichever side's next packet is
 * earlier on A's clock, so both files are read once, in step.
 */
#include "compare_internal.h"

#include "log.h"
#include "opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WINDOW_NS 1000000000LL
#define DEFAULT_SAMPLE 20000u
#define MAX_SAMPLE (1u << 21) /* 96 MB of key records per file at most */

struct source {
	struct rc_reader *r;
	struct cmp_pkt *sample;
	size_t n_sample, pos;
	int64_t shift;       /* subtracted from times: the offset, for B */
	bool b;
	bool ended;          /* the sample reached the end of the file */
	bool seen;
	int64_t first, last; /* the file's earliest and latest time, own clock */
	struct cmp_pkt next; /* valid when have */
	bool have;
	const char *name;    /* for the one line that says why it cannot be read */
	const struct rc_compare_config *c;
};

/* A read error, said once, naming the file: the caller then knows which
 * of the two it was without guessing. */
static int source_failed(struct source *s, int e)
{
	if (e == -EBADMSG)
		rc_logf(s->c->log, s->c->log_ctx, RC_LOG_ERROR, "%s: not a valid capture file: %s",
			s->name, rc_reader_error(s->r));
	else if (e != -ENOMEM)
		rc_logf(s->c->log, s->c->log_ctx, RC_LOG_ERROR, "%s: cannot read: %s", s->name,
			strerror(-e));
	return e;
}

/* Next packet of the file as a key record, counted; 0 at the end. */
static int source_read(struct source *s, struct rc_compare_report *rep, struct cmp_flows *flows,
		       struct cmp_pkt *ret)
{
	struct rc_reader_packet p;
	struct rc_compare_flow id;
	int64_t flow;
	int e = rc_reader_next(s->r, &p);

	if (e < 0)
		return source_failed(s, e);
	if (e == 0)
		return 0;
	cmp_key(p.linktype, p.data, p.caplen, &id, ret);
	ret->t = p.ts_ns;
	if (!s->seen || p.ts_ns < s->first)
		s->first = p.ts_ns;
	if (!s->seen || p.ts_ns > s->last)
		s->last = p.ts_ns;
	s->seen = true;
	ret->index = p.number;
	flow = cmp_flows_get(flows, &id);
	if (flow < 0)
		return (int)flow;
	ret->flow = (uint32_t)flow;
	if (s->b) {
		rep->packets_b++;
		flows->v[flow].packets_b++;
	} else {
		rep->packets_a++;
		flows->v[flow].packets_a++;
	}
	return 1;
}

/* Grows the sample to max packets, or to the end of the file. */
static int source_sample(struct source *s, size_t max, struct rc_compare_report *rep,
			 struct cmp_flows *flows)
{
	struct cmp_pkt *v = s->ended ? s->sample : realloc(s->sample, max * sizeof(*v));
	int e = 1;

	if (!v)
		return -ENOMEM;
	s->sample = v;
	while (!s->ended && s->n_sample < max &&
	       (e = source_read(s, rep, flows, &s->sample[s->n_sample])) > 0)
		s->n_sample++;
	s->ended = s->ended || e == 0;
	return e < 0 ? e : 0;
}

/* Samples until some packet is in both, doubling up to MAX_SAMPLE: when
 * one capture started well before the other, their first packets do not
 * overlap. The cap keeps memory independent of the file size. */
static int estimate_offset(struct source *a, struct source *b, size_t n,
			   struct rc_compare_report *rep, struct cmp_flows *flows)
{
	int e = 0;

	for (; e == 0; n *= 2) {
		e = source_sample(a, n, rep, flows);
		if (e == 0)
			e = source_sample(b, n, rep, flows);
		if (e == 0)
			e = cmp_offset_estimate(a->sample, a->n_sample, b->sample, b->n_sample,
						flows, &rep->clock_offset_ns, &rep->offset_method);
		if (rep->offset_method != RC_COMPARE_OFFSET_NONE || n >= MAX_SAMPLE ||
		    (a->ended && b->ended))
			break;
	}
	b->shift = rep->clock_offset_ns;
	return e;
}

/* Makes s->next the next packet, sample first; s->have false at the end. */
static int source_advance(struct source *s, struct rc_compare_report *rep,
			  struct cmp_flows *flows)
{
	int e = 1;

	if (s->pos < s->n_sample)
		s->next = s->sample[s->pos++];
	else
		e = source_read(s, rep, flows, &s->next);
	if (e < 0)
		return e;
	s->have = e > 0;
	if (s->have && __builtin_sub_overflow(s->next.t, s->shift, &s->next.t))
		s->next.t = s->shift > 0 ? INT64_MIN : INT64_MAX;
	return 0;
}

static int merge(struct source *a, struct source *b, struct cmp_matcher *m,
		 struct rc_compare_report *rep, struct cmp_flows *flows)
{
	int e = source_advance(a, rep, flows);

	if (e == 0)
		e = source_advance(b, rep, flows);
	while (e == 0 && (a->have || b->have)) {
		struct source *s = !b->have || (a->have && a->next.t <= b->next.t) ? a : b;

		e = cmp_expire(m, s->next.t);
		if (e == 0)
			e = s == a ? cmp_match_a(m, &s->next) : cmp_match_b(m, &s->next);
		if (e == 0)
			e = source_advance(s, rep, flows);
	}
	return e;
}

static uint64_t flow_loss(const struct rc_compare_flow *f)
{
	return f->lost_a_to_b + f->lost_b_to_a;
}

static int flow_by_loss(const void *x, const void *y)
{
	const struct rc_compare_flow *a = *(const struct rc_compare_flow *const *)x;
	const struct rc_compare_flow *b = *(const struct rc_compare_flow *const *)y;

	if (flow_loss(a) != flow_loss(b))
		return flow_loss(a) < flow_loss(b) ? 1 : -1;
	return (a > b) - (a < b); /* stable: first seen first */
}

/* Hands the flows to the report sorted, renumbering the events' flows. */
static int flows_publish(struct rc_compare_report *rep, struct cmp_flows *flows)
{
	const struct rc_compare_flow **order = malloc((flows->n + 1) * sizeof(*order));
	uint32_t *new_id = malloc((flows->n + 1) * sizeof(*new_id));
	int e = order && new_id ? 0 : -ENOMEM;

	rep->flows = malloc((flows->n + 1) * sizeof(*rep->flows));
	if (e < 0 || !rep->flows)
		goto out;
	for (size_t i = 0; i < flows->n; i++)
		order[i] = &flows->v[i];
	qsort(order, flows->n, sizeof(*order), flow_by_loss);
	for (size_t i = 0; i < flows->n; i++) {
		rep->flows[i] = *order[i];
		new_id[order[i] - flows->v] = (uint32_t)i;
	}
	rep->n_flows = flows->n;
	for (size_t i = 0; i < rep->n_lost; i++)
		rep->lost[i].flow = new_id[rep->lost[i].flow];
	for (size_t i = 0; i < flows->n_nat; i++)
		flows->nat[i] = (struct rc_compare_nat){ .flow_a = new_id[flows->nat[i].flow_a],
							 .flow_b = new_id[flows->nat[i].flow_b] };
	rep->nat = flows->nat;
	rep->n_nat = flows->n_nat;
	flows->nat = NULL;
	flows->n_nat = flows->cap_nat = 0;
out:
	free(order);
	free(new_id);
	return e < 0 || rep->flows ? e : -ENOMEM;
}

static int64_t to_a_clock(int64_t t, int64_t offset)
{
	int64_t r;

	return __builtin_sub_overflow(t, offset, &r) ? (offset > 0 ? INT64_MIN : INT64_MAX) : r;
}

/* Lost packets sent while the other capture was not running could not
 * have been seen there, whatever the network did: counted apart so a
 * late start is not mistaken for loss. */
static void count_outside(struct rc_compare_report *rep, const struct source *a,
			  const struct source *b)
{
	int64_t off = rep->clock_offset_ns;

	for (size_t i = 0; i < rep->n_lost; i++) {
		const struct rc_compare_event *e = &rep->lost[i];
		const struct source *other = e->file == 'a' ? b : a;
		int64_t t = e->file == 'a' ? e->ts_ns : to_a_clock(e->ts_ns, off);
		int64_t lo = other->b ? to_a_clock(other->first, off) : other->first;
		int64_t hi = other->b ? to_a_clock(other->last, off) : other->last;

		if (other->seen && t >= lo && t <= hi)
			continue;
		if (e->file == 'a')
			rep->lost_a_outside_b++;
		else
			rep->lost_b_outside_a++;
	}
}

static int compare_pass(const struct rc_compare_config *c, struct source *a, struct source *b,
			struct rc_compare_report *rep, struct cmp_flows *flows)
{
	size_t sample = c->sample_packets ? c->sample_packets : DEFAULT_SAMPLE;
	uint64_t window = c->window_ns ? c->window_ns : DEFAULT_WINDOW_NS;
	struct cmp_matcher *m = NULL;
	int e = estimate_offset(a, b, sample, rep, flows);

	if (e == 0)
		e = cmp_matcher_new(window, rep->clock_offset_ns, rep, flows, &m);
	if (e == 0)
		e = merge(a, b, m, rep, flows);
	if (e == 0)
		e = cmp_matcher_finish(m);
	if (e == 0)
		count_outside(rep, a, b);
	cmp_matcher_free(m);
	return e;
}

int rc_compare_run(const struct rc_compare_config *config, struct rc_reader *ra,
		   struct rc_reader *rb, struct rc_compare_report **ret)
{
	struct rc_compare_config cfg, *c = &cfg;
	int e = rc_opts_copy(&cfg, sizeof(cfg), config);
	struct source a = { .r = ra, .name = cfg.a_name ? cfg.a_name : "A", .c = c };
	struct source b = { .r = rb, .b = true, .name = cfg.b_name ? cfg.b_name : "B", .c = c };
	struct rc_compare_report *rep;
	struct cmp_flows flows;

	if (e < 0) {
		rc_opts_log_error(e, "rc_compare_config", cfg.log, cfg.log_ctx);
		return e;
	}
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return -ENOMEM;
	e = cmp_flows_init(&flows);
	if (e == 0)
		e = compare_pass(c, &a, &b, rep, &flows);
	if (e == 0)
		e = flows_publish(rep, &flows);
	free(a.sample);
	free(b.sample);
	cmp_flows_free(&flows);
	if (e < 0) {
		rc_compare_report_free(rep);
		return e;
	}
	*ret = rep;
	return 0;
}

void rc_compare_report_free(struct rc_compare_report *rep)
{
	if (!rep)
		return;
	free(rep->flows);
	free(rep->lost);
	free(rep->marked);
	free(rep->nat);
	free(rep);
}
