/* SPDX-License-Identifier: MIT */
/*
 * prog.c - instruction buffer with symbolic labels, and the layout pass
 * that turns it into a kernel-ready program.
 *
 * DESIGN: conditional jumps in classic BPF reach at most 255 instructions
 * ahead. Layout therefore gives each conditional jump room for up to two
 * "ja" trampolines right after it (ja takes a 32-bit offset) and grows that
 * room until every short offset fits; growing only ever lengthens jumps,
 * so the loop ends. Every label is placed after its jumps by construction
 * (gen.c), so a backward target here is a compiler bug and fails loudly.
 * A "ja" to the very next instruction (where generation fell through to a
 * label anyway) takes no space.
 */
#include "filter_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PROG_MAX_INSNS RC_FILTER_MAX_INSNS

static bool prog_grow(void **p, unsigned *cap, unsigned need, size_t elem)
{
	unsigned ncap;
	void *np;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, (size_t)ncap * elem);
	if (!np)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

/* ---- redundant loads ----
 * Every jump is emitted before the label it targets is placed, so when a
 * label is placed all the ways into it are known, and with them what A and
 * X hold there. A load that would put into a register what it provably
 * holds already is not emitted: generation can then re-load freely (each
 * primitive starts with "ldh [12]") and the program stays small enough for
 * the kernel's socket memory. Only loads that depend on nothing but the
 * packet or scratch memory are tracked; an indexed load is never skipped. */

static const struct rc_filter_known prog_unknown = { RC_FILTER_UNKNOWN, 0 };

static bool prog_same(struct rc_filter_known a, struct rc_filter_known b)
{
	return a.code == b.code && a.k == b.k;
}

static struct rc_filter_known prog_merge(struct rc_filter_known a, struct rc_filter_known b)
{
	if (a.code == RC_FILTER_UNSET)
		return b;
	if (b.code == RC_FILTER_UNSET || prog_same(a, b))
		return a;
	return prog_unknown;
}

static bool prog_tracked_a(uint16_t code)
{
	return BPF_CLASS(code) == BPF_LD && BPF_MODE(code) != BPF_IND;
}

static bool prog_tracked_x(uint16_t code)
{
	return BPF_CLASS(code) == BPF_LDX;
}

static void prog_edge(struct rc_filter_code *c, int label)
{
	struct rc_filter_regs *in;

	if (label < 0)
		return;
	in = &c->label_in[label];
	in->a = prog_merge(in->a, c->now.a);
	in->x = prog_merge(in->x, c->now.x);
}

/* The registers after instruction code/k; false: emitting it is useless. */
static bool prog_track(struct rc_filter_code *c, uint16_t code, uint32_t k, int jt, int jf)
{
	struct rc_filter_known mem = { BPF_LD | BPF_MEM, k }, xmem = { BPF_LDX | BPF_MEM, k };
	struct rc_filter_known load = { code, k };

	switch (BPF_CLASS(code)) {
	case BPF_LD:
		if (prog_same(c->now.a, load))
			return false;
		c->now.a = prog_tracked_a(code) ? load : prog_unknown;
		return true;
	case BPF_LDX:
		if (prog_same(c->now.x, load) && prog_tracked_x(code))
			return false;
		c->now.x = prog_tracked_x(code) ? load : prog_unknown;
		return true;
	case BPF_ST:
		if (prog_same(c->now.x, xmem))
			c->now.x = prog_unknown;
		if (c->now.a.code == RC_FILTER_UNKNOWN)
			c->now.a = mem;
		return true;
	case BPF_STX:
		if (prog_same(c->now.a, mem))
			c->now.a = prog_unknown;
		return true;
	case BPF_JMP:
		prog_edge(c, jt);
		if (BPF_OP(code) != BPF_JA)
			prog_edge(c, jf);
		c->dead = BPF_OP(code) == BPF_JA || (jt >= 0 && jf >= 0);
		return true;
	case BPF_RET:
		c->dead = true;
		return true;
	case BPF_MISC:
		if (BPF_MISCOP(code) == BPF_TAX)
			c->now.x = prog_unknown;
		else
			c->now.a = prog_unknown;
		return true;
	default: /* BPF_ALU */
		c->now.a = prog_unknown;
		return true;
	}
}

int rc_filter_code_label(struct rc_filter_code *c)
{
	unsigned cap = c->label_cap;

	if (c->failed || !prog_grow((void **)&c->label_at, &c->label_cap, c->nlabels + 1,
				    sizeof(int)) ||
	    !prog_grow((void **)&c->label_in, &cap, c->nlabels + 1, sizeof(*c->label_in))) {
		c->failed = c->failed ? c->failed : -ENOMEM;
		return RC_FILTER_LBL_NEXT;
	}
	c->label_at[c->nlabels] = -1;
	c->label_in[c->nlabels].a = (struct rc_filter_known){ RC_FILTER_UNSET, 0 };
	c->label_in[c->nlabels].x = (struct rc_filter_known){ RC_FILTER_UNSET, 0 };
	return (int)c->nlabels++;
}

void rc_filter_code_place(struct rc_filter_code *c, int label)
{
	struct rc_filter_regs in;

	if (c->failed || label < 0)
		return;
	c->label_at[label] = (int)c->n;
	in = c->label_in[label];
	if (!c->dead) {
		in.a = prog_merge(in.a, c->now.a);
		in.x = prog_merge(in.x, c->now.x);
	}
	/* No jump lands here and nothing falls through: what follows is
	 * unreachable until a label that something does reach. */
	c->dead = c->dead && in.a.code == RC_FILTER_UNSET;
	c->now.a = in.a.code == RC_FILTER_UNSET ? prog_unknown : in.a;
	c->now.x = in.x.code == RC_FILTER_UNSET ? prog_unknown : in.x;
}

void rc_filter_code_emit(struct rc_filter_code *c, uint16_t code, uint32_t k, int jt, int jf)
{
	if (c->failed)
		return;
	/* Far beyond what layout could fit: stop early, bounded memory. */
	if (c->n >= 4 * BPF_MAXINSNS) {
		c->failed = -E2BIG;
		return;
	}
	if (!prog_grow((void **)&c->ins, &c->cap, c->n + 1, sizeof(*c->ins))) {
		c->failed = -ENOMEM;
		return;
	}
	/* Unreachable code is not emitted (raw IP's "host" has ARP branches
	 * that a constant jump skips); its jumps reach no label either. */
	if (c->dead || !prog_track(c, code, k, jt, jf))
		return;
	c->ins[c->n++] = (struct rc_filter_ins){ .s = { .code = code, .k = k }, .jt = jt, .jf = jf };
}

void rc_filter_code_free(struct rc_filter_code *c)
{
	free(c->ins);
	free(c->label_at);
	free(c->label_in);
	*c = (struct rc_filter_code){ 0 };
}

static bool prog_is_cond(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

/* Where a jump to label lands, given the positions of instructions. */
static unsigned prog_target(const struct rc_filter_code *c, const unsigned *pos, int label,
			    unsigned after)
{
	int at;

	if (label == RC_FILTER_LBL_NEXT)
		return after;
	at = c->label_at[label];
	return pos[at < 0 ? c->n : (unsigned)at];
}

/* A "ja" whose label is placed right after it. */
static bool prog_is_nop(const struct rc_filter_code *c, unsigned i)
{
	const struct rc_filter_ins *in = &c->ins[i];

	return in->s.code == (BPF_JMP | BPF_JA) && in->jt >= 0 &&
	       c->label_at[in->jt] == (int)i + 1;
}

/* Positions from the current trampoline counts; returns the length. */
static unsigned prog_positions(const struct rc_filter_code *c, const uint8_t *extra, unsigned *pos)
{
	unsigned p = 0;

	for (unsigned i = 0; i < c->n; i++) {
		pos[i] = p;
		p += prog_is_nop(c, i) ? 0 : 1u + extra[i];
	}
	pos[c->n] = p;
	return p;
}

static bool prog_relax(const struct rc_filter_code *c, uint8_t *extra, unsigned *pos)
{
	bool changed = false;

	prog_positions(c, extra, pos);
	for (unsigned i = 0; i < c->n; i++) {
		unsigned base, t, f;
		uint8_t need;

		if (!prog_is_cond(c->ins[i].s.code))
			continue;
		base = pos[i] + 1 + extra[i];
		t = prog_target(c, pos, c->ins[i].jt, base);
		f = prog_target(c, pos, c->ins[i].jf, base);
		need = (uint8_t)((t - base > 255) + (f - base > 255));
		if (need > extra[i]) {
			extra[i] = need;
			changed = true;
		}
	}
	return changed;
}

/* Writes instruction i (and its trampolines) at out. */
static int prog_write(const struct rc_filter_code *c, unsigned i, const uint8_t *extra,
		      const unsigned *pos, struct sock_filter *out)
{
	const struct rc_filter_ins *in = &c->ins[i];
	unsigned here = pos[i], base = here + 1 + extra[i], t, f, slot = here + 1;

	if (prog_is_nop(c, i))
		return 0;
	out[here] = in->s;
	if (BPF_CLASS(in->s.code) == BPF_JMP && BPF_OP(in->s.code) == BPF_JA) {
		t = prog_target(c, pos, in->jt, here + 1);
		if (t < here + 1)
			return -EFAULT;
		out[here].k = t - (here + 1);
		return 0;
	}
	if (!prog_is_cond(in->s.code))
		return 0;
	t = prog_target(c, pos, in->jt, base);
	f = prog_target(c, pos, in->jf, base);
	if (t < base || f < base)
		return -EFAULT;
	if (t - base > 255) {
		out[slot] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, t - (slot + 1));
		t = slot++;
	}
	if (f - base > 255) {
		out[slot] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, f - (slot + 1));
		f = slot++;
	}
	out[here].jt = (uint8_t)(t - (here + 1));
	out[here].jf = (uint8_t)(f - (here + 1));
	return 0;
}

int rc_filter_code_layout(struct rc_filter_code *c, struct sock_filter **ret, size_t *ret_len)
{
	uint8_t *extra = calloc(c->n + 1, 1);
	unsigned *pos = calloc(c->n + 1, sizeof(*pos));
	struct sock_filter *out = NULL;
	unsigned len;
	int r = -ENOMEM;

	if (c->failed) {
		r = c->failed;
		goto out_free;
	}
	if (!extra || !pos)
		goto out_free;
	while (prog_relax(c, extra, pos))
		;
	len = prog_positions(c, extra, pos);
	r = -E2BIG;
	if (len > PROG_MAX_INSNS)
		goto out_free;
	r = -ENOMEM;
	if (!(out = calloc(len, sizeof(*out))))
		goto out_free;
	for (unsigned i = 0; i < c->n; i++) {
		if ((r = prog_write(c, i, extra, pos, out)) < 0)
			goto out_free;
	}
	*ret = out;
	*ret_len = len;
	out = NULL;
	r = 0;
out_free:
	free(out);
	free(pos);
	free(extra);
	return r;
}
