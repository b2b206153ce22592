/* SPDX-License-Identifier: MIT */
/*
 * cooked.c - a program compiled for a Linux cooked link type (SLL, SLL2),
 * rewritten for what the kernel's filter sees on a SOCK_DGRAM socket.
 *
 * DESIGN: on -i any and on cooked interfaces the engine opens a SOCK_DGRAM
 * packet socket, and the kernel runs the attached filter on the packet
 * from its network header: the cooked header a file has in front is
 * built later, in user space. libpcap meets this in pcap-linux.c
 * (fix_program, fix_offset) and so does this file, with the same rules:
 * a load at or past the header's end moves down by the header's length;
 * a load of exactly one header field (protocol, packet type, interface,
 * ARPHRD type) becomes the ancillary load of the same value; any other
 * load of header bytes (the link-layer address, a load across the
 * header's end, an indexed load whose constant lies in the header and so
 * could reach it) has no kernel equivalent, and the caller must filter in
 * user space or say why not. One rule is ringcap's: skb->len on such a
 * socket does not count the header, so "len" gets the header's length
 * added back (libpcap leaves it short), which keeps "len > 100" meaning
 * what it means in the file. That add is an inserted instruction, so the
 * jumps over it are recomputed; a conditional jump the insertion pushes
 * past 255 instructions, or a program pushed past RC_FILTER_MAX_INSNS,
 * is too big to rewrite.
 */
#include "filter_internal.h"

#include <errno.h>
#include <stdlib.h>

struct cooked_field {
	uint32_t off;
	uint16_t size; /* BPF_B, BPF_H, BPF_W */
	uint32_t anc;  /* SKF_AD_* */
};

struct cooked_layout {
	uint32_t linktype, hdr_len;
	struct cooked_field field[4];
	unsigned nfields;
};

/* The header fields the kernel also knows. SLL2: protocol, reserved,
 * ifindex, hatype, packet type, address length, address. SLL (v1): packet
 * type, hatype, address length, address, protocol. */
static const struct cooked_layout cooked_layouts[] = {
	{ RC_LINKTYPE_LINUX_SLL2, RC_SLL2_HDR_LEN,
	  { { 0, BPF_H, SKF_AD_PROTOCOL }, { 4, BPF_W, SKF_AD_IFINDEX },
	    { 8, BPF_H, SKF_AD_HATYPE }, { 10, BPF_B, SKF_AD_PKTTYPE } }, 4 },
	{ RC_LINKTYPE_LINUX_SLL, 16,
	  { { 0, BPF_H, SKF_AD_PKTTYPE }, { 2, BPF_H, SKF_AD_HATYPE },
	    { 14, BPF_H, SKF_AD_PROTOCOL } }, 3 },
};

/* The kernel's view of one load's offset k; false: it has none. */
static bool cooked_fix_load(const struct cooked_layout *l, uint16_t code, uint32_t *k)
{
	/* The kernel reads negative offsets as ancillary data or relative
	 * to the network or link header (SKF_NET_OFF, SKF_LL_OFF), which the
	 * cooked header does not move. */
	if ((int32_t)*k < 0)
		return true;
	if (*k >= l->hdr_len) {
		*k -= l->hdr_len;
		return true;
	}
	if (BPF_MODE(code) != BPF_ABS || BPF_CLASS(code) != BPF_LD)
		return false;
	for (unsigned i = 0; i < l->nfields; i++) {
		if (l->field[i].off == *k && l->field[i].size == BPF_SIZE(code)) {
			*k = (uint32_t)SKF_AD_OFF + l->field[i].anc;
			return true;
		}
	}
	return false;
}

/* Where each old instruction lands: after every "ld len" comes an add. */
static size_t cooked_positions(const struct sock_filter *insns, size_t len, size_t *pos)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		pos[i] = n++;
		if (insns[i].code == (BPF_LD | BPF_W | BPF_LEN))
			n++;
	}
	pos[len] = n;
	return n;
}

/* A jump's new offset from old instruction i to old instruction t. */
static bool cooked_jump(const size_t *pos, size_t i, size_t t, uint32_t max, uint32_t *ret)
{
	size_t off = pos[t] - pos[i] - 1;

	if (off > max)
		return false;
	*ret = (uint32_t)off;
	return true;
}

static int cooked_rewrite(const struct cooked_layout *l, const struct sock_filter *insns,
			  size_t len, const size_t *pos, struct sock_filter *out)
{
	for (size_t i = 0; i < len; i++) {
		struct sock_filter in = insns[i];
		uint32_t jt, jf;
		uint16_t mode = BPF_MODE(in.code);
		uint16_t cls = BPF_CLASS(in.code);

		if ((cls == BPF_LD || cls == BPF_LDX) &&
		    (mode == BPF_ABS || mode == BPF_IND || mode == BPF_MSH) &&
		    !cooked_fix_load(l, in.code, &in.k))
			return -EOPNOTSUPP;
		if (in.code == (BPF_LDX | BPF_W | BPF_LEN))
			return -EOPNOTSUPP; /* no room to add to X; ringcap never emits it */
		if (in.code == (BPF_JMP | BPF_JA)) {
			if (!cooked_jump(pos, i, i + 1 + in.k, UINT32_MAX, &in.k))
				return -E2BIG;
		} else if (cls == BPF_JMP) {
			if (!cooked_jump(pos, i, i + 1 + in.jt, 255, &jt) ||
			    !cooked_jump(pos, i, i + 1 + in.jf, 255, &jf))
				return -E2BIG;
			in.jt = (uint8_t)jt;
			in.jf = (uint8_t)jf;
		}
		out[pos[i]] = in;
		if (in.code == (BPF_LD | BPF_W | BPF_LEN))
			out[pos[i] + 1] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_ADD | BPF_K,
								       l->hdr_len);
	}
	return 0;
}

int rc_filter_cooked_for_kernel(const struct sock_filter *insns, size_t len, uint32_t linktype,
				struct sock_filter **ret, size_t *ret_len)
{
	const struct cooked_layout *l = NULL;
	struct sock_filter *out;
	size_t *pos, n;
	int r;

	for (size_t i = 0; i < sizeof(cooked_layouts) / sizeof(cooked_layouts[0]); i++)
		if (cooked_layouts[i].linktype == linktype)
			l = &cooked_layouts[i];
	/* The checker also proves every jump lands inside the program. */
	if (!l || rc_filter_check(insns, len, NULL) < 0)
		return -EINVAL;
	pos = malloc((len + 1) * sizeof(*pos));
	if (!pos)
		return -ENOMEM;
	n = cooked_positions(insns, len, pos);
	/* The compiler's budget, which leaves the engine room for its prologue. */
	out = n <= RC_FILTER_MAX_INSNS ? malloc(n * sizeof(*out)) : NULL;
	r = n > RC_FILTER_MAX_INSNS ? -E2BIG : !out ? -ENOMEM : cooked_rewrite(l, insns, len, pos, out);
	free(pos);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret = out;
	*ret_len = n;
	return 0;
}
