/* SPDX-License-Identifier: MIT */
/*
 * run.c - a classic BPF interpreter with the kernel's semantics.
 *
 * DESIGN: what the kernel does, not what is convenient: a load past the
 * captured bytes or a division by zero ends the program with 0 (drop);
 * scratch memory starts at zero; loads at SKF_AD_OFF + n read packet
 * metadata, here from struct rc_filter_aux. Any malformed program (a jump
 * out of range, an unknown opcode, no final return) also yields 0, so the
 * interpreter is safe on arbitrary input. Used by the tests, and meant for
 * filtering saved files.
 */
#include <ringcap/filter.h>

#include <linux/filter.h>
#include <string.h>

struct run_state {
	const uint8_t *pkt;
	uint32_t caplen;
	const struct rc_filter_aux *aux;
};

static bool run_ancillary(const struct run_state *st, uint32_t k, uint32_t *ret)
{
	static const struct rc_filter_aux none;
	const struct rc_filter_aux *aux = st->aux ? st->aux : &none;

	switch ((int32_t)k - SKF_AD_OFF) {
	case SKF_AD_PROTOCOL: *ret = aux->protocol; return true;
	case SKF_AD_PKTTYPE: *ret = aux->pkttype; return true;
	case SKF_AD_IFINDEX: *ret = aux->ifindex; return true;
	case SKF_AD_HATYPE: *ret = aux->hatype; return true;
	case SKF_AD_VLAN_TAG: *ret = aux->vlan_tci; return true;
	case SKF_AD_VLAN_TAG_PRESENT: *ret = aux->vlan_present; return true;
	case SKF_AD_VLAN_TPID: *ret = aux->vlan_tpid; return true;
	default: return false;
	}
}

/* A load of size bytes at off; false if it falls outside the packet.
 * Only absolute loads reach the metadata, as in the kernel. */
static bool run_load(const struct run_state *st, uint16_t size, uint32_t off, bool abs,
		     uint32_t *ret)
{
	uint32_t n = size == BPF_W ? 4 : size == BPF_H ? 2 : 1, v = 0;

	if (abs && (int32_t)off < 0 && (int32_t)off >= SKF_AD_OFF)
		return run_ancillary(st, off, ret);
	if (off >= st->caplen || n > st->caplen - off)
		return false;
	for (uint32_t i = 0; i < n; i++)
		v = v << 8 | st->pkt[off + i];
	*ret = v;
	return true;
}

static bool run_alu(uint16_t op, uint32_t *a, uint32_t v)
{
	switch (op) {
	case BPF_ADD: *a += v; return true;
	case BPF_SUB: *a -= v; return true;
	case BPF_MUL: *a *= v; return true;
	case BPF_DIV: if (!v) return false; *a /= v; return true;
	case BPF_MOD: if (!v) return false; *a %= v; return true;
	case BPF_AND: *a &= v; return true;
	case BPF_OR: *a |= v; return true;
	case BPF_XOR: *a ^= v; return true;
	case BPF_LSH: *a = v < 32 ? *a << v : 0; return true;
	case BPF_RSH: *a = v < 32 ? *a >> v : 0; return true;
	case BPF_NEG: *a = (uint32_t)-*a; return true;
	default: return false;
	}
}

static bool run_cond(uint16_t op, uint32_t a, uint32_t v, bool *ret)
{
	switch (op) {
	case BPF_JEQ: *ret = a == v; return true;
	case BPF_JGT: *ret = a > v; return true;
	case BPF_JGE: *ret = a >= v; return true;
	case BPF_JSET: *ret = (a & v) != 0; return true;
	default: return false;
	}
}

struct run_regs {
	uint32_t a, x, mem[BPF_MEMWORDS];
};

/* One load/store/move; false ends the program with 0. */
static bool run_data(const struct run_state *st, const struct sock_filter *in, struct run_regs *r)
{
	uint16_t c = in->code;
	uint32_t v;

	switch (c) {
	case BPF_LD | BPF_W | BPF_LEN:
		r->a = st->aux && st->aux->wire_len ? st->aux->wire_len : st->caplen;
		return true;
	case BPF_LDX | BPF_W | BPF_LEN:
		r->x = st->aux && st->aux->wire_len ? st->aux->wire_len : st->caplen;
		return true;
	case BPF_LD | BPF_IMM: r->a = in->k; return true;
	case BPF_LDX | BPF_IMM: r->x = in->k; return true;
	case BPF_LD | BPF_MEM: if (in->k >= BPF_MEMWORDS) return false; r->a = r->mem[in->k]; return true;
	case BPF_LDX | BPF_MEM: if (in->k >= BPF_MEMWORDS) return false; r->x = r->mem[in->k]; return true;
	case BPF_ST: if (in->k >= BPF_MEMWORDS) return false; r->mem[in->k] = r->a; return true;
	case BPF_STX: if (in->k >= BPF_MEMWORDS) return false; r->mem[in->k] = r->x; return true;
	case BPF_MISC | BPF_TAX: r->x = r->a; return true;
	case BPF_MISC | BPF_TXA: r->a = r->x; return true;
	case BPF_LDX | BPF_MSH | BPF_B:
		if (!run_load(st, BPF_B, in->k, false, &v))
			return false;
		r->x = (v & 0xf) * 4;
		return true;
	default:
		break;
	}
	if (BPF_CLASS(c) == BPF_LD && BPF_MODE(c) == BPF_ABS)
		return run_load(st, BPF_SIZE(c), in->k, true, &r->a);
	if (BPF_CLASS(c) == BPF_LD && BPF_MODE(c) == BPF_IND)
		return run_load(st, BPF_SIZE(c), r->x + in->k, false, &r->a);
	if (BPF_CLASS(c) == BPF_ALU)
		return run_alu(BPF_OP(c), &r->a, BPF_SRC(c) == BPF_X ? r->x : in->k);
	return false;
}

uint32_t rc_filter_run(const struct sock_filter *insns, size_t len, const uint8_t *pkt,
		       uint32_t caplen, const struct rc_filter_aux *aux)
{
	struct run_state st = { pkt, caplen, aux };
	struct run_regs r;
	size_t pc = 0;

	memset(&r, 0, sizeof(r));
	while (pc < len) {
		const struct sock_filter *in = &insns[pc++];
		bool taken;

		if (BPF_CLASS(in->code) == BPF_RET)
			return BPF_RVAL(in->code) == BPF_A ? r.a : BPF_RVAL(in->code) == BPF_X ? r.x
											: in->k;
		if (in->code == (BPF_JMP | BPF_JA)) {
			if (in->k >= len - pc)
				return 0;
			pc += in->k;
			continue;
		}
		if (BPF_CLASS(in->code) == BPF_JMP) {
			if (!run_cond(BPF_OP(in->code), r.a,
				      BPF_SRC(in->code) == BPF_X ? r.x : in->k, &taken))
				return 0;
			pc += taken ? in->jt : in->jf;
			continue;
		}
		if (!run_data(&st, in, &r))
			return 0;
	}
	return 0;
}
