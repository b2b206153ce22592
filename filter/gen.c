/* SPDX-License-Identifier: MIT */
/*
 * gen.c - the syntax tree to classic BPF, with symbolic forward labels.
 *
 * DESIGN: every boolean node is generated as "jump to Ltrue or Lfalse",
 * both labels placed later in the program, so all jumps go forward and no
 * control-flow graph is needed: and/or are short-circuit label plumbing,
 * not is a label swap. Offsets follow libpcap's model: a "vlan", "mpls" or
 * "pppoes" moves the network layer of everything generated after it, in
 * source order. For live Linux capture the kernel has already removed the
 * outer VLAN tag, so the first "vlan" asks the kernel (ancillary loads) and
 * otherwise looks for a tag still in the frame; which case held is kept in
 * a scratch slot and later loads are indexed by it, as libpcap's live code
 * does. "vxlan" and "geneve" move the link, type and network offsets to
 * the inner frame the same way. Each of the three offsets is a constant
 * plus, once something made it variable, the value of its own scratch
 * slot; those slots start at zero, so every path stores before it loads
 * (the kernel checks). Arithmetic uses the other slots as a stack.
 *
 * Link types other than Ethernet follow libpcap's gencode.c: Linux cooked
 * v2 (SLL2) has a plain protocol field at 0 and the network layer at 20,
 * so every type test is one compare; v1 (SLL) has it at 14 and says in it
 * when an 802.2 LLC header (or raw 802.3) follows; raw IP has no type
 * field at all, so "ip" and "ip6" look at the version nibble
 * (LINKTYPE_RAW) or are known from the link type (LINKTYPE_IPV4/IPV6), and
 * every other protocol never matches. What needs Ethernet's header (MAC
 * addresses, 802.1Q, MPLS, "llc") is refused there, naming the link type,
 * as libpcap refuses it.
 */
#include "filter_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_SLOT_BASE (BPF_MEMWORDS - 3) /* + enum gen_base: LINK, LL, NL */
#define GEN_MAX_STACK GEN_SLOT_BASE
#define GEN_ETHERMTU 1500
#define GEN_PACKET_OUTGOING 4
#define GEN_SLL2_PKTTYPE 10  /* the packet type byte of the SLL2 header */
#define GEN_SLL2_IFINDEX 4
#define GEN_LLCSAP_IPX 0xe0
#define GEN_ETHERTYPE_IPX 0x8137
#define GEN_SLL_P_802_3 0x0001 /* SLL's protocol for raw 802.3 frames (Novell IPX) */
#define GEN_SLL_P_802_2 0x0004 /* and for frames with an 802.2 LLC header */

enum gen_base {
	BASE_LINK,   /* from the start of the (innermost) frame */
	BASE_LL,     /* from the link-layer type field (12, moved by vlan) */
	BASE_NL,     /* from the network-layer header */
	BASE_TRANS4, /* from the header after IPv4's options */
};

struct gen_off {
	uint32_t k;  /* constant part */
	bool var;    /* plus scratch slot GEN_SLOT_BASE + base */
};

struct gen {
	struct rc_filter_code *c;
	const struct rc_filter_config *cfg;
	struct rc_filter_error *err;
	struct gen_off off[3]; /* by enum gen_base, BASE_LINK to BASE_NL */
	bool ppp;         /* after pppoes: the network layer is PPP's */
	unsigned mpls;    /* labels seen */
	unsigned vlans;
	unsigned sp;      /* arithmetic stack depth */
	const struct rc_filter_node *at; /* the primitive being generated */
	uint32_t link;    /* the framing at this point: the capture's, or an inner Ethernet */
	bool failed;
};

/* The link types the compiler knows, their names in error messages, and
 * where their type field and network layer are (libpcap's init_linktype). */
static const struct gen_link {
	uint32_t linktype;
	const char *name;
	uint32_t ll, nl;
} gen_links[] = {
	{ RC_LINKTYPE_ETHERNET, "LINKTYPE_ETHERNET", 12, 14 },
	{ RC_LINKTYPE_LINUX_SLL2, "LINKTYPE_LINUX_SLL2 (Linux cooked v2)", 0, RC_SLL2_HDR_LEN },
	{ RC_LINKTYPE_LINUX_SLL, "LINKTYPE_LINUX_SLL (Linux cooked v1)", 14, 16 },
	{ RC_LINKTYPE_RAW, "LINKTYPE_RAW (raw IP)", 0, 0 },
	{ RC_LINKTYPE_IPV4, "LINKTYPE_IPV4 (raw IPv4)", 0, 0 },
	{ RC_LINKTYPE_IPV6, "LINKTYPE_IPV6 (raw IPv6)", 0, 0 },
};

static const struct gen_link *gen_link_of(uint32_t linktype)
{
	for (size_t i = 0; i < sizeof(gen_links) / sizeof(gen_links[0]); i++)
		if (gen_links[i].linktype == (linktype ? linktype : RC_LINKTYPE_ETHERNET))
			return &gen_links[i];
	return NULL;
}

const char *rc_filter_link_name(uint32_t linktype)
{
	const struct gen_link *l = gen_link_of(linktype);

	return l ? l->name : NULL;
}

/* Raw IP: no link-layer header, no type field. */
static bool gen_link_raw(uint32_t linktype)
{
	return linktype == RC_LINKTYPE_RAW || linktype == RC_LINKTYPE_IPV4 ||
	       linktype == RC_LINKTYPE_IPV6;
}

/* Errors found while generating name the primitive being generated. */
static void gen_fail(struct gen *g, const char *msg)
{
	struct rc_filter_token none = { .text = "", .col = 0 };

	if (!g->failed)
		rc_filter_set_error(g->err, g->at && g->at->tok ? g->at->tok : &none, "%s", msg);
	g->failed = true;
}

static void emit(struct gen *g, uint16_t code, uint32_t k)
{
	rc_filter_code_emit(g->c, code, k, RC_FILTER_LBL_NEXT, RC_FILTER_LBL_NEXT);
}

static void jump(struct gen *g, uint16_t op, uint32_t k, int lt, int lf)
{
	rc_filter_code_emit(g->c, BPF_JMP | op | BPF_K, k, lt, lf);
}

static void place(struct gen *g, int label)
{
	rc_filter_code_place(g->c, label);
}

static int label(struct gen *g)
{
	return rc_filter_code_label(g->c);
}

static uint16_t size_code(uint32_t bytes)
{
	return bytes == 4 ? BPF_W : bytes == 2 ? BPF_H : BPF_B;
}

/* X = length of the IPv4 header (+ the run-time offset, if any). */
static void gen_ldx_iphdrlen(struct gen *g)
{
	const struct gen_off *nl = &g->off[BASE_NL];

	if (!nl->var) {
		emit(g, BPF_LDX | BPF_MSH | BPF_B, nl->k);
		return;
	}
	emit(g, BPF_LDX | BPF_MEM, GEN_SLOT_BASE + BASE_NL);
	emit(g, BPF_LD | BPF_B | BPF_IND, nl->k);
	emit(g, BPF_ALU | BPF_AND | BPF_K, 0xf);
	emit(g, BPF_ALU | BPF_LSH | BPF_K, 2);
	emit(g, BPF_ALU | BPF_ADD | BPF_X, 0);
	emit(g, BPF_MISC | BPF_TAX, 0);
}

/* A = bytes at base + off. */
static void gen_load(struct gen *g, enum gen_base base, uint32_t bytes, uint32_t off)
{
	uint16_t sz = size_code(bytes);

	if (base == BASE_TRANS4) {
		gen_ldx_iphdrlen(g);
		emit(g, BPF_LD | sz | BPF_IND, g->off[BASE_NL].k + off);
		return;
	}
	off += g->off[base].k;
	if (g->off[base].var) {
		emit(g, BPF_LDX | BPF_MEM, GEN_SLOT_BASE + base);
		emit(g, BPF_LD | sz | BPF_IND, off);
	} else {
		emit(g, BPF_LD | sz | BPF_ABS, off);
	}
}

/* Jump on (bytes at base+off & mask) op k. */
static void gen_cmp(struct gen *g, enum gen_base base, uint32_t bytes, uint32_t off,
		    uint32_t mask, uint16_t op, uint32_t k, int lt, int lf)
{
	gen_load(g, base, bytes, off);
	if (mask != 0xffffffffu)
		emit(g, BPF_ALU | BPF_AND | BPF_K, mask);
	jump(g, op, k, lt, lf);
}

struct gen_chunk {
	uint32_t off, n, v, m;
};

/* len bytes at base+off equal val under mask, compared a word, a half
 * and a byte at a time; chunks whose mask is zero are skipped. */
static void gen_bytes(struct gen *g, enum gen_base base, uint32_t off, const uint8_t *val,
		      const uint8_t *mask, uint32_t len, int lt, int lf)
{
	struct gen_chunk chunk[8];
	unsigned nchunks = 0;

	for (uint32_t i = 0; i < len && nchunks < 8;) {
		uint32_t n = len - i >= 4 ? 4 : len - i >= 2 ? 2 : 1, v = 0, m = 0;
		uint32_t full = n == 4 ? 0xffffffffu : (1u << (8 * n)) - 1;

		for (uint32_t j = 0; j < n; j++) {
			v = v << 8 | (val[i + j] & mask[i + j]);
			m = m << 8 | mask[i + j];
		}
		if (m)
			chunk[nchunks++] = (struct gen_chunk){ off + i, n, v,
							       m == full ? 0xffffffffu : m };
		i += n;
	}
	if (!nchunks)
		jump(g, BPF_JA, 0, lt, lt);
	for (unsigned i = 0; i < nchunks; i++)
		gen_cmp(g, base, chunk[i].n, chunk[i].off, chunk[i].m, BPF_JEQ, chunk[i].v,
			i + 1 == nchunks ? lt : RC_FILTER_LBL_NEXT, lf);
}

/* AppleTalk, AARP and IPX also travel in 802.2 SNAP frames (AppleTalk
 * with Apple's OUI 08:00:07). "ipx" is libpcap's IPX SAP (0xe0), which
 * means every IPX framing: Ethernet II (type 0x8137), SNAP, 802.2 with
 * that SAP and "raw" 802.3 (0xffff where the LLC header would be). */
static void gen_linktype_snap(struct gen *g, uint32_t v, int lt, int lf)
{
	bool ipx = v == GEN_LLCSAP_IPX;
	uint32_t type = ipx ? GEN_ETHERTYPE_IPX : v;
	uint32_t oui = v == 0x809b ? 0x080007 : 0;
	int is802 = label(g), snap = label(g), other = ipx ? label(g) : lf;

	gen_cmp(g, BASE_LL, 2, 0, 0xffffffffu, BPF_JEQ, type, lt, RC_FILTER_LBL_NEXT);
	if (g->link == RC_LINKTYPE_LINUX_SLL) {
		/* SLL names raw 802.3 (IPX only) and 802.2 in its protocol field */
		if (ipx)
			jump(g, BPF_JEQ, GEN_SLL_P_802_3, lt, RC_FILTER_LBL_NEXT);
		jump(g, BPF_JEQ, GEN_SLL_P_802_2, is802, lf);
	} else {
		jump(g, BPF_JGT, GEN_ETHERMTU, lf, is802);
	}
	place(g, is802);
	gen_cmp(g, BASE_NL, 4, 4, 0xffffffffu, BPF_JEQ, (oui & 0xffff) << 16 | type, snap, other);
	place(g, snap);
	gen_cmp(g, BASE_NL, 4, 0, 0xffffffffu, BPF_JEQ, 0xaaaa0300u | oui >> 16, lt, other);
	if (!ipx)
		return;
	place(g, other);
	if (g->link == RC_LINKTYPE_LINUX_SLL) {
		gen_cmp(g, BASE_NL, 1, 0, 0xffffffffu, BPF_JEQ, GEN_LLCSAP_IPX, lt, lf);
		return;
	}
	gen_cmp(g, BASE_NL, 1, 0, 0xffffffffu, BPF_JEQ, GEN_LLCSAP_IPX, lt, RC_FILTER_LBL_NEXT);
	gen_cmp(g, BASE_NL, 2, 0, 0xffffffffu, BPF_JEQ, 0xffff, lt, lf);
}

/* PPP's protocol number for an Ethernet type; libpcap compares types it
 * has no mapping for as they are. */
static uint32_t gen_ppp_proto(uint32_t v)
{
	static const uint32_t map[][2] = {
		{ 0x0800, 0x0021 }, { 0x86dd, 0x0057 }, { 0x6003, 0x0027 }, { 0x809b, 0x0029 },
		{ GEN_LLCSAP_IPX, 0x002b }, { 0x8847, 0x0281 }, { 0x0600, 0x0025 },
		{ 0xfe, 0x0023 }, { 0x42, 0x0031 }, /* OSI, and STP as bridging PDUs */
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i][0] == v)
			return map[i][1];
	return v;
}

/* Raw IP has no type field: LINKTYPE_RAW tells IPv4 from IPv6 by the
 * version nibble, LINKTYPE_IPV4/IPV6 by the link type itself, and any
 * other protocol never matches (libpcap's gen_true and gen_false; if the
 * whole expression then matches nothing, as "not ip" on LINKTYPE_IPV4,
 * compilation fails as libpcap's does, see filter.c). */
static void gen_linktype_raw(struct gen *g, uint32_t v, int lt, int lf)
{
	uint32_t version = v == 0x0800 ? 4 : v == 0x86dd ? 6 : 0;
	uint32_t only = g->link == RC_LINKTYPE_IPV4 ? 4 : g->link == RC_LINKTYPE_IPV6 ? 6 : 0;

	if (version && g->link == RC_LINKTYPE_RAW) {
		gen_cmp(g, BASE_LINK, 1, 0, 0xf0, BPF_JEQ, version << 4, lt, lf);
		return;
	}
	g->c->constant = true;
	if (version && version == only)
		jump(g, BPF_JA, 0, lt, lt);
	else
		jump(g, BPF_JA, 0, lf, lf);
}

/* The frame carries ethertype v at the current network layer. */
static void gen_linktype(struct gen *g, uint32_t v, int lt, int lf)
{
	if (g->mpls) {
		/* After MPLS labels there is no type field: the previous label
		 * must be the bottom of the stack and the version nibble tells. */
		int l = label(g);

		if (v != 0x0800 && v != 0x86dd) {
			gen_fail(g, "unsupported protocol over MPLS");
			return;
		}
		gen_cmp(g, BASE_NL, 1, (uint32_t)-2, 0x01, BPF_JEQ, 1, l, lf);
		place(g, l);
		gen_cmp(g, BASE_NL, 1, 0, 0xf0, BPF_JEQ, v == 0x0800 ? 0x40 : 0x60, lt, lf);
		return;
	}
	if (g->ppp) {
		gen_cmp(g, BASE_NL, 2, (uint32_t)-2, 0xffffffffu, BPF_JEQ, gen_ppp_proto(v), lt, lf);
		return;
	}
	if (gen_link_raw(g->link)) {
		gen_linktype_raw(g, v, lt, lf);
		return;
	}
	if (g->link == RC_LINKTYPE_LINUX_SLL2) {
		/* libpcap compares the protocol field with the value as it is,
		 * SAPs included ("iso" is 0x00fe, "ipx" 0x00e0). */
		gen_cmp(g, BASE_LL, 2, 0, 0xffffffffu, BPF_JEQ, v, lt, lf);
		return;
	}
	if (v == 0x809b || v == 0x80f3 || v == GEN_LLCSAP_IPX) {
		gen_linktype_snap(g, v, lt, lf);
		return;
	}
	if (v <= GEN_ETHERMTU) {
		/* An 802.3 frame: the type field is a length; match the DSAP.
		 * SLL says 802.2 in its protocol field instead. */
		int l = label(g);
		bool sll = g->link == RC_LINKTYPE_LINUX_SLL;

		if (sll)
			gen_cmp(g, BASE_LL, 2, 0, 0xffffffffu, BPF_JEQ, GEN_SLL_P_802_2, l, lf);
		else
			gen_cmp(g, BASE_LL, 2, 0, 0xffffffffu, BPF_JGT, GEN_ETHERMTU, lf, l);
		place(g, l);
		/* ISO and NetBEUI (on SLL also IP over 802.2, as libpcap's
		 * gen_linux_sll_linktype) use the same SAP on both sides. */
		if (v == 0xfe || v == 0xf0 || (sll && v == 0x06))
			gen_cmp(g, BASE_NL, 2, 0, 0xffffffffu, BPF_JEQ, v << 8 | v, lt, lf);
		else
			gen_cmp(g, BASE_NL, 1, 0, 0xffffffffu, BPF_JEQ, v, lt, lf);
		return;
	}
	gen_cmp(g, BASE_LL, 2, 0, 0xffffffffu, BPF_JEQ, v, lt, lf);
}

/* A check that must hold before what follows; its failure is lf. */
static void gen_guard_linktype(struct gen *g, uint32_t v, int lf)
{
	int l = label(g);

	gen_linktype(g, v, l, lf);
	place(g, l);
}

/* Source and destination: one comparison each, combined per dir. */
struct gen_match {
	enum gen_base base;
	uint32_t src_off, dst_off, len;
	const uint8_t *val, *mask;
	uint32_t lo, hi; /* len == 0: a 2-byte range match (ports) */
};

static void gen_match_one(struct gen *g, const struct gen_match *m, uint32_t off, int lt, int lf)
{
	if (m->len) {
		gen_bytes(g, m->base, off, m->val, m->mask, m->len, lt, lf);
	} else if (m->lo == m->hi) {
		gen_cmp(g, m->base, 2, off, 0xffffffffu, BPF_JEQ, m->lo, lt, lf);
	} else {
		int l = label(g);

		gen_cmp(g, m->base, 2, off, 0xffffffffu, BPF_JGE, m->lo, l, lf);
		place(g, l);
		jump(g, BPF_JGT, m->hi, lf, lt);
	}
}

static void gen_dir(struct gen *g, enum rc_filter_dir dir, const struct gen_match *m,
		    int lt, int lf)
{
	int l;

	switch (dir) {
	case DIR_SRC:
		gen_match_one(g, m, m->src_off, lt, lf);
		return;
	case DIR_DST:
		gen_match_one(g, m, m->dst_off, lt, lf);
		return;
	case DIR_AND:
		l = label(g);
		gen_match_one(g, m, m->src_off, l, lf);
		place(g, l);
		gen_match_one(g, m, m->dst_off, lt, lf);
		return;
	default:
		l = label(g);
		gen_match_one(g, m, m->src_off, lt, l);
		place(g, l);
		gen_match_one(g, m, m->dst_off, lt, lf);
		return;
	}
}

/* "host" with no protocol on a plain type field: one look at the type
 * picks the IPv4 or the ARP/RARP addresses. */
static void gen_host4_any(struct gen *g, const struct rc_filter_node *n, const uint8_t *val,
			  const uint8_t *mask, int lt, int lf)
{
	struct gen_match ip = { BASE_NL, 12, 16, 4, val, mask, 0, 0 };
	struct gen_match arp = { BASE_NL, 14, 24, 4, val, mask, 0, 0 };
	int lip = label(g), larp = label(g);

	gen_load(g, BASE_LL, 2, 0);
	jump(g, BPF_JEQ, 0x0800, lip, RC_FILTER_LBL_NEXT);
	jump(g, BPF_JEQ, 0x0806, larp, RC_FILTER_LBL_NEXT);
	jump(g, BPF_JEQ, 0x8035, larp, lf);
	place(g, lip);
	gen_dir(g, n->dir, &ip, lt, lf);
	place(g, larp);
	gen_dir(g, n->dir, &arp, lt, lf);
}

static void gen_host4(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	static const struct { enum rc_filter_proto proto; uint32_t type, src, dst; } tab[] = {
		{ PR_IP, 0x0800, 12, 16 }, { PR_ARP, 0x0806, 14, 24 }, { PR_RARP, 0x8035, 14, 24 },
	};
	uint8_t val[4], mask[4];
	int next = RC_FILTER_LBL_NEXT;

	for (unsigned i = 0; i < 4; i++) {
		val[i] = (uint8_t)(n->v[0] >> (24 - 8 * i));
		mask[i] = (uint8_t)(n->v[1] >> (24 - 8 * i));
	}
	if (n->proto == PR_DEFAULT && !g->mpls && !g->ppp && !gen_link_raw(g->link)) {
		gen_host4_any(g, n, val, mask, lt, lf);
		return;
	}
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct gen_match m = { BASE_NL, tab[i].src, tab[i].dst, 4, val, mask, 0, 0 };
		/* Under MPLS there is no ARP: "host" means IPv4 only, as in libpcap. */
		bool last = n->proto != PR_DEFAULT || g->mpls ||
			    i + 1 == sizeof(tab) / sizeof(tab[0]);

		if (n->proto != PR_DEFAULT && n->proto != tab[i].proto)
			continue;
		next = last ? lf : label(g);
		gen_guard_linktype(g, tab[i].type, next);
		gen_dir(g, n->dir, &m, lt, next);
		if (last)
			break;
		place(g, next);
	}
}

/* DECnet routing header: a padding byte may come first, and long and
 * short headers put the addresses at different places. sh/lh are the
 * offsets of the address in the short and long header. The address is
 * little-endian on the wire. */
static void gen_dn_one(struct gen *g, uint32_t sh, uint32_t lh, uint32_t addr, int lt, int lf)
{
	const struct { uint32_t size, mask, flags, off; } alt[] = {
		{ 2, 0xff07, 0x8106, 3 + lh }, /* pad byte, long header */
		{ 1, 0x07, 0x06, 2 + lh },     /* long header */
		{ 2, 0xff07, 0x8102, 3 + sh }, /* pad byte, short header */
		{ 1, 0x07, 0x02, 2 + sh },     /* short header */
	};
	uint32_t swapped = (addr >> 8 | addr << 8) & 0xffff;

	for (unsigned i = 0; i < 4; i++) {
		int hit = label(g), next = i == 3 ? lf : label(g);

		gen_cmp(g, BASE_NL, alt[i].size, 2, alt[i].mask, BPF_JEQ, alt[i].flags, hit, next);
		place(g, hit);
		gen_cmp(g, BASE_NL, 2, alt[i].off, 0xffffffffu, BPF_JEQ, swapped, lt, next);
		if (i < 3)
			place(g, next);
	}
}

static void gen_dnhost(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	int l = label(g);

	gen_guard_linktype(g, 0x6003, lf);
	switch (n->dir) {
	case DIR_SRC:
		gen_dn_one(g, 3, 15, n->v[0], lt, lf);
		return;
	case DIR_DST:
		gen_dn_one(g, 1, 7, n->v[0], lt, lf);
		return;
	case DIR_AND:
		gen_dn_one(g, 3, 15, n->v[0], l, lf);
		place(g, l);
		gen_dn_one(g, 1, 7, n->v[0], lt, lf);
		return;
	default:
		gen_dn_one(g, 3, 15, n->v[0], lt, l);
		place(g, l);
		gen_dn_one(g, 1, 7, n->v[0], lt, lf);
		return;
	}
}

static void gen_host6(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	struct gen_match m = { BASE_NL, 8, 24, 16, (const uint8_t *)&n->v[0],
			       (const uint8_t *)&n->v[4], 0, 0 };

	gen_guard_linktype(g, 0x86dd, lf);
	gen_dir(g, n->dir, &m, lt, lf);
}

static void gen_ehost(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	static const uint8_t ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct gen_match m = { BASE_LINK, 6, 0, 6, (const uint8_t *)n->v, ones, 0, 0 };

	gen_dir(g, n->dir, &m, lt, lf);
}

/* Jump to lt if the byte A holds is one of the transport protocols
 * "port" means for proto. */
static void gen_port_protos(struct gen *g, enum rc_filter_proto proto, int lt, int lf)
{
	static const struct { enum rc_filter_proto proto; uint32_t num; } tab[] = {
		{ PR_TCP, 6 }, { PR_UDP, 17 }, { PR_SCTP, 132 },
	};
	unsigned left = proto == PR_DEFAULT ? 3 : 1;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (proto != PR_DEFAULT && proto != tab[i].proto)
			continue;
		jump(g, BPF_JEQ, tab[i].num, lt, --left ? RC_FILTER_LBL_NEXT : lf);
	}
}

static void gen_port(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	struct gen_match m6 = { BASE_NL, 40, 42, 0, NULL, NULL, n->v[0], n->v[1] };
	struct gen_match m4 = { BASE_TRANS4, 0, 2, 0, NULL, NULL, n->v[0], n->v[1] };
	int not6 = label(g), l = label(g), l4 = label(g);

	gen_guard_linktype(g, 0x86dd, not6);
	gen_load(g, BASE_NL, 1, 6);
	gen_port_protos(g, n->proto, l, lf);
	place(g, l);
	gen_dir(g, n->dir, &m6, lt, lf);
	place(g, not6);
	gen_guard_linktype(g, 0x0800, lf);
	gen_load(g, BASE_NL, 1, 9);
	gen_port_protos(g, n->proto, l4, lf);
	place(g, l4);
	/* Only the first fragment holds the transport header. */
	gen_cmp(g, BASE_NL, 2, 6, 0xffffffffu, BPF_JSET, 0x1fff, lf, RC_FILTER_LBL_NEXT);
	gen_dir(g, n->dir, &m4, lt, lf);
}

/* IPv6: the next header, or the one after a fragment header. */
static void gen_ip6_proto(struct gen *g, uint32_t v, int lt, int lf)
{
	int frag = label(g);

	gen_guard_linktype(g, 0x86dd, lf);
	gen_load(g, BASE_NL, 1, 6);
	jump(g, BPF_JEQ, v, lt, RC_FILTER_LBL_NEXT);
	jump(g, BPF_JEQ, 44, frag, lf);
	place(g, frag);
	gen_cmp(g, BASE_NL, 1, 40, 0xffffffffu, BPF_JEQ, v, lt, lf);
}

static void gen_ip4_proto(struct gen *g, uint32_t v, int lt, int lf)
{
	gen_guard_linktype(g, 0x0800, lf);
	gen_cmp(g, BASE_NL, 1, 9, 0xffffffffu, BPF_JEQ, v, lt, lf);
}

static void gen_proto(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	int l;

	switch (n->proto) {
	case PR_IP:
		gen_ip4_proto(g, n->v[0], lt, lf);
		return;
	case PR_IP6:
		gen_ip6_proto(g, n->v[0], lt, lf);
		return;
	default:
		l = label(g);
		gen_ip4_proto(g, n->v[0], lt, l);
		place(g, l);
		gen_ip6_proto(g, n->v[0], lt, lf);
		return;
	}
}

/* Tag protocol identifiers libpcap accepts for "vlan". */
static void gen_tpid(struct gen *g, int lt, int lf)
{
	gen_load(g, BASE_LL, 2, 0);
	jump(g, BPF_JEQ, 0x8100, lt, RC_FILTER_LBL_NEXT);
	jump(g, BPF_JEQ, 0x88a8, lt, RC_FILTER_LBL_NEXT);
	jump(g, BPF_JEQ, 0x9100, lt, lf);
}

/* The first "vlan" of a live capture: the kernel may have taken the tag
 * out of the frame (SKF_AD_VLAN_TAG_PRESENT) or left it in (a tag the
 * device did not strip, or the inner one of two). */
static void gen_vlan_live(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	int inband = label(g), meta = label(g), vid = label(g);

	emit(g, BPF_LD | BPF_B | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT));
	jump(g, BPF_JEQ, 1, meta, inband);
	place(g, meta);
	if (n->has_value) {
		emit(g, BPF_LD | BPF_H | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TAG));
		emit(g, BPF_ALU | BPF_AND | BPF_K, 0x0fff);
		jump(g, BPF_JEQ, n->v[0], lt, lf);
	} else {
		jump(g, BPF_JA, 0, lt, lt);
	}
	place(g, inband);
	emit(g, BPF_LD | BPF_IMM, 4);
	emit(g, BPF_ST, GEN_SLOT_BASE + BASE_LL);
	emit(g, BPF_ST, GEN_SLOT_BASE + BASE_NL);
	gen_tpid(g, n->has_value ? vid : lt, lf);
	place(g, vid);
	if (n->has_value)
		gen_cmp(g, BASE_LINK, 2, 14, 0x0fff, BPF_JEQ, n->v[0], lt, lf);
	g->off[BASE_LL].var = true;
	g->off[BASE_NL].var = true;
}

static void gen_vlan(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	int vid = label(g);

	if (g->mpls || g->ppp) {
		gen_fail(g, "'vlan' after 'mpls' or 'pppoes' is not supported");
		return;
	}
	if (g->cfg->linux_ext && g->vlans++ == 0 && !g->off[BASE_LL].var) {
		gen_vlan_live(g, n, lt, lf);
		return;
	}
	gen_tpid(g, n->has_value ? vid : lt, lf);
	place(g, vid);
	if (n->has_value)
		gen_cmp(g, BASE_NL, 2, 0, 0x0fff, BPF_JEQ, n->v[0], lt, lf);
	g->off[BASE_LL].k += 4;
	g->off[BASE_NL].k += 4;
}

static void gen_mpls(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	int l = label(g);

	if (g->mpls)  /* the previous label must not be the bottom of the stack */
		gen_cmp(g, BASE_NL, 1, (uint32_t)-2, 0x01, BPF_JEQ, 0, l, lf);
	else if (g->ppp) /* PPP's protocol number for MPLS unicast */
		gen_cmp(g, BASE_NL, 2, (uint32_t)-2, 0xffffffffu, BPF_JEQ, 0x0281, l, lf);
	else
		gen_cmp(g, BASE_LL, 2, 0, 0xffffffffu, BPF_JEQ, 0x8847, l, lf);
	place(g, l);
	if (n->has_value)
		gen_cmp(g, BASE_NL, 4, 0, 0xfffff000u, BPF_JEQ, n->v[0] << 12, lt, lf);
	else
		jump(g, BPF_JA, 0, lt, lt);
	g->off[BASE_NL].k += 4;
	g->mpls++;
}

static void gen_pppoes(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	int l = label(g);

	if (g->ppp || g->mpls) {
		gen_fail(g, "nested 'pppoes' is not supported");
		return;
	}
	gen_linktype(g, 0x8864, l, lf);
	place(g, l);
	if (n->has_value)
		gen_cmp(g, BASE_NL, 4, 0, 0xffff, BPF_JEQ, n->v[0], lt, lf);
	else
		jump(g, BPF_JA, 0, lt, lt);
	g->off[BASE_NL].k += 8; /* PPPoE header and the PPP protocol field */
	g->ppp = true;
}

static void gen_cast(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	static const uint8_t ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t host = ~g->cfg->netmask;
	int l;

	switch (n->kind) {
	case NK_EBCAST:
		gen_bytes(g, BASE_LINK, 0, ones, ones, 6, lt, lf);
		return;
	case NK_EMCAST:
		gen_cmp(g, BASE_LINK, 1, 0, 0xffffffffu, BPF_JSET, 1, lt, lf);
		return;
	case NK_IPMCAST:
		gen_guard_linktype(g, 0x0800, lf);
		gen_cmp(g, BASE_NL, 1, 16, 0xffffffffu, BPF_JGE, 224, lt, lf);
		return;
	case NK_IP6MCAST:
		gen_guard_linktype(g, 0x86dd, lf);
		gen_cmp(g, BASE_NL, 1, 24, 0xffffffffu, BPF_JEQ, 255, lt, lf);
		return;
	default: /* NK_IPBCAST: host part all zeros or all ones */
		l = label(g);
		gen_guard_linktype(g, 0x0800, lf);
		gen_cmp(g, BASE_NL, 4, 16, host, BPF_JEQ, 0, lt, l);
		place(g, l);
		jump(g, BPF_JEQ, host, lt, lf);
		return;
	}
}

/* An 802.2 LLC frame (a length, not a type, and not raw IPX's 0xffff),
 * optionally of one frame type (v[0] 1-3) or command (4: S, 5: U). */
static void gen_llc(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	static const uint32_t mask[] = { 0, 0x01, 0x03, 0x03, 0x0f, 0xef };
	static const uint32_t value[] = { 0, 0x00, 0x01, 0x03, 0, 0 };
	int l1 = label(g), l2 = label(g);
	uint32_t kind = n->v[0];

	gen_cmp(g, BASE_LL, 2, 0, 0xffffffffu, BPF_JGT, GEN_ETHERMTU, lf, l1);
	place(g, l1);
	gen_cmp(g, BASE_NL, 2, 0, 0xffffffffu, BPF_JEQ, 0xffff, lf, l2);
	place(g, l2);
	if (!kind)
		jump(g, BPF_JA, 0, lt, lt);
	else
		gen_cmp(g, BASE_NL, 1, 2, mask[kind], BPF_JEQ, kind >= 4 ? n->v[1] : value[kind],
			lt, lf);
}

/* OSI over 802.2 (SAP 0xfe): the network-layer protocol identifier after
 * the 3-byte LLC header, and for IS-IS the PDU type 4 bytes further.
 * Links without 802.2 have no LLC header to skip (libpcap's off_nl_nosnap
 * is 0 there). */
static void gen_iso(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	uint32_t nlpid = n->kind == NK_ISO ? n->v[0] : 0x83;
	uint32_t llc = g->link == RC_LINKTYPE_ETHERNET ? 3 : 0;
	int l = label(g);

	gen_guard_linktype(g, 0xfe, lf);
	if (n->kind == NK_ISO) {
		gen_cmp(g, BASE_NL, 1, llc, 0xffffffffu, BPF_JEQ, nlpid, lt, lf);
		return;
	}
	gen_cmp(g, BASE_NL, 1, llc, 0xffffffffu, BPF_JEQ, nlpid, l, lf);
	place(g, l);
	gen_load(g, BASE_NL, 1, llc + 4);
	for (uint32_t i = 0; i < n->v[5]; i++)
		jump(g, BPF_JEQ, n->v[i], lt, i + 1 == n->v[5] ? lf : RC_FILTER_LBL_NEXT);
}

/* "protochain": follow the header chain to v. Classic BPF has no loops in
 * the kernel, so the walk is unrolled GEN_CHAIN_STEPS times; a chain
 * longer than that does not match. The steps mirror libpcap's (IPv6
 * extension headers in 8-byte units, AH in 4-byte units, and for IPv4
 * only AH), including how its AH step sets the offset. A holds the next
 * protocol and X the offset of its header from the network layer. */
#define GEN_CHAIN_STEPS 12

static void gen_chain_step(struct gen *g, bool ip6, uint32_t v, int done)
{
	int ext = label(g), ah = label(g), next = label(g);
	uint32_t nl = g->off[BASE_NL].k;

	jump(g, BPF_JEQ, v, done, RC_FILTER_LBL_NEXT);
	jump(g, BPF_JEQ, 59, done, RC_FILTER_LBL_NEXT); /* no next header */
	if (ip6) {
		jump(g, BPF_JEQ, 0, ext, RC_FILTER_LBL_NEXT);
		jump(g, BPF_JEQ, 60, ext, RC_FILTER_LBL_NEXT);
		jump(g, BPF_JEQ, 43, ext, RC_FILTER_LBL_NEXT);
		jump(g, BPF_JEQ, 44, ext, RC_FILTER_LBL_NEXT);
	}
	jump(g, BPF_JEQ, 51, ah, done);
	place(g, ext);
	emit(g, BPF_LD | BPF_B | BPF_IND, nl);
	emit(g, BPF_ST, g->sp);
	emit(g, BPF_LD | BPF_B | BPF_IND, nl + 1);
	emit(g, BPF_ALU | BPF_ADD | BPF_K, 1);
	emit(g, BPF_ALU | BPF_MUL | BPF_K, 8);
	emit(g, BPF_ALU | BPF_ADD | BPF_X, 0);
	emit(g, BPF_MISC | BPF_TAX, 0);
	emit(g, BPF_LD | BPF_MEM, g->sp);
	jump(g, BPF_JA, 0, next, next);
	place(g, ah);
	emit(g, BPF_LD | BPF_B | BPF_IND, nl);
	emit(g, BPF_ST, g->sp);
	emit(g, BPF_MISC | BPF_TXA, 0);
	emit(g, BPF_ALU | BPF_ADD | BPF_K, 1);
	emit(g, BPF_MISC | BPF_TAX, 0);
	emit(g, BPF_LD | BPF_B | BPF_IND, nl);
	emit(g, BPF_ALU | BPF_ADD | BPF_K, 2);
	emit(g, BPF_ALU | BPF_MUL | BPF_K, 4);
	emit(g, BPF_MISC | BPF_TAX, 0);
	emit(g, BPF_LD | BPF_MEM, g->sp);
	place(g, next);
}

static void gen_chain_one(struct gen *g, bool ip6, uint32_t v, int lt, int lf)
{
	int done = label(g);

	if (g->off[BASE_NL].var) {
		gen_fail(g, "'protochain' after a variable-length header is not supported");
		return;
	}
	gen_guard_linktype(g, ip6 ? 0x86dd : 0x0800, lf);
	if (ip6) {
		emit(g, BPF_LDX | BPF_IMM, 40);
		emit(g, BPF_LD | BPF_B | BPF_ABS, g->off[BASE_NL].k + 6);
	} else {
		emit(g, BPF_LDX | BPF_MSH | BPF_B, g->off[BASE_NL].k);
		emit(g, BPF_LD | BPF_B | BPF_ABS, g->off[BASE_NL].k + 9);
	}
	for (unsigned i = 0; i < GEN_CHAIN_STEPS; i++)
		gen_chain_step(g, ip6, v, done);
	place(g, done);
	jump(g, BPF_JEQ, v, lt, lf);
}

static void gen_protochain(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	int l = label(g);

	if (n->proto == PR_IP || n->proto == PR_IP6) {
		gen_chain_one(g, n->proto == PR_IP6, n->v[0], lt, lf);
		return;
	}
	gen_chain_one(g, false, n->v[0], lt, l);
	place(g, l);
	gen_chain_one(g, true, n->v[0], lt, lf);
}

/* ---- tunnels: VXLAN (RFC 7348) and Geneve (RFC 8926) over UDP ---- */

struct gen_tunnel {
	uint32_t port;         /* UDP destination port */
	uint32_t flags_mask, flags; /* first header byte */
};

/* The outer checks over IPv4 or IPv6; on success A = the offset of the
 * UDP header from the network layer, run-time part included. */
static void gen_tunnel_outer(struct gen *g, const struct gen_tunnel *t,
			     const struct rc_filter_node *n, int lt, int lf)
{
	int try6 = label(g), ok4 = label(g);
	int l[4] = { label(g), label(g), label(g), label(g) };

	gen_ip4_proto(g, 17, l[0], try6);
	place(g, l[0]);
	gen_cmp(g, BASE_NL, 2, 6, 0xffffffffu, BPF_JSET, 0x1fff, try6, RC_FILTER_LBL_NEXT);
	gen_cmp(g, BASE_TRANS4, 2, 2, 0xffffffffu, BPF_JEQ, t->port, l[1], try6);
	place(g, l[1]);
	gen_cmp(g, BASE_TRANS4, 1, 8, t->flags_mask, BPF_JEQ, t->flags, n->has_value ? l[2] : ok4,
		try6);
	place(g, l[2]);
	if (n->has_value)
		gen_cmp(g, BASE_TRANS4, 4, 12, 0xffffff00u, BPF_JEQ, n->v[0] << 8, ok4, try6);
	place(g, ok4);
	gen_ldx_iphdrlen(g);
	emit(g, BPF_MISC | BPF_TXA, 0);
	jump(g, BPF_JA, 0, lt, lt);
	place(g, try6);
	gen_guard_linktype(g, 0x86dd, lf);
	gen_cmp(g, BASE_NL, 1, 6, 0xffffffffu, BPF_JEQ, 17, l[3], lf);
	place(g, l[3]);
	gen_cmp(g, BASE_NL, 2, 42, 0xffffffffu, BPF_JEQ, t->port, RC_FILTER_LBL_NEXT, lf);
	gen_cmp(g, BASE_NL, 1, 48, t->flags_mask, BPF_JEQ, t->flags, RC_FILTER_LBL_NEXT, lf);
	if (n->has_value)
		gen_cmp(g, BASE_NL, 4, 52, 0xffffff00u, BPF_JEQ, n->v[0] << 8, RC_FILTER_LBL_NEXT,
			lf);
	emit(g, BPF_LD | BPF_IMM, 40);
	if (g->off[BASE_NL].var) {
		emit(g, BPF_LDX | BPF_MEM, GEN_SLOT_BASE + BASE_NL);
		emit(g, BPF_ALU | BPF_ADD | BPF_X, 0);
	}
}

/* From here on the frame is the inner one: slots hold its start. */
static void gen_tunnel_enter(struct gen *g)
{
	g->off[BASE_LINK] = (struct gen_off){ 0, true };
	g->off[BASE_LL] = (struct gen_off){ 12, true };
	g->off[BASE_NL] = (struct gen_off){ 14, true };
	g->link = RC_LINKTYPE_ETHERNET;
}

static void gen_vxlan(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	static const struct gen_tunnel vxlan = { 4789, 0xff, 0x08 }; /* flags: I only */
	int inner = label(g);

	gen_tunnel_outer(g, &vxlan, n, inner, lf);
	place(g, inner);
	/* inner Ethernet = network layer + UDP header + VXLAN header */
	emit(g, BPF_ALU | BPF_ADD | BPF_K, g->off[BASE_NL].k + 8 + 8);
	for (unsigned b = BASE_LINK; b <= BASE_NL; b++)
		emit(g, BPF_ST, GEN_SLOT_BASE + b);
	jump(g, BPF_JA, 0, lt, lt);
	gen_tunnel_enter(g);
}

/* Geneve has options (6 bits, in 4-byte units) and a protocol type: an
 * Ethernet frame (0x6558) or a bare network-layer packet, whose type is
 * then the header's protocol field. */
static void gen_geneve(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	static const struct gen_tunnel geneve = { 6081, 0xc0, 0x00 }; /* version 0 */
	int inner = label(g), bare = label(g);

	gen_tunnel_outer(g, &geneve, n, inner, lf);
	place(g, inner);
	emit(g, BPF_ALU | BPF_ADD | BPF_K, g->off[BASE_NL].k + 8);
	emit(g, BPF_MISC | BPF_TAX, 0);                  /* X = Geneve header */
	emit(g, BPF_LD | BPF_B | BPF_IND, 0);
	emit(g, BPF_ALU | BPF_AND | BPF_K, 0x3f);
	emit(g, BPF_ALU | BPF_MUL | BPF_K, 4);
	emit(g, BPF_ALU | BPF_ADD | BPF_K, 8);
	emit(g, BPF_ALU | BPF_ADD | BPF_X, 0);
	emit(g, BPF_ST, GEN_SLOT_BASE + BASE_LINK);      /* the payload */
	emit(g, BPF_LD | BPF_H | BPF_IND, 2);
	jump(g, BPF_JEQ, 0x6558, RC_FILTER_LBL_NEXT, bare);
	emit(g, BPF_LD | BPF_MEM, GEN_SLOT_BASE + BASE_LINK);
	emit(g, BPF_ST, GEN_SLOT_BASE + BASE_LL);
	emit(g, BPF_ST, GEN_SLOT_BASE + BASE_NL);
	jump(g, BPF_JA, 0, lt, lt);
	place(g, bare);
	emit(g, BPF_MISC | BPF_TXA, 0);                  /* type field at X + 2 */
	emit(g, BPF_ALU | BPF_SUB | BPF_K, 10);
	emit(g, BPF_ST, GEN_SLOT_BASE + BASE_LL);
	emit(g, BPF_LD | BPF_MEM, GEN_SLOT_BASE + BASE_LINK);
	emit(g, BPF_ALU | BPF_SUB | BPF_K, 14);
	emit(g, BPF_ST, GEN_SLOT_BASE + BASE_NL);
	jump(g, BPF_JA, 0, lt, lt);
	gen_tunnel_enter(g);
}

/* ---- arithmetic ---- */

static bool gen_is_transport(enum rc_filter_proto p)
{
	return p == PR_TCP || p == PR_UDP || p == PR_SCTP || p == PR_ICMP || p == PR_IGMP ||
	       p == PR_IGRP || p == PR_PIM || p == PR_VRRP || p == PR_CARP;
}

/* What must hold before proto[...] may be read: the protocol, and for
 * transport headers over IPv4 (the only ones libpcap indexes through the
 * real header length) the first fragment. */
static void gen_load_guard(struct gen *g, enum rc_filter_proto p, int lf)
{
	static const struct { enum rc_filter_proto proto; uint32_t num; } ipnum[] = {
		{ PR_TCP, 6 }, { PR_UDP, 17 }, { PR_SCTP, 132 }, { PR_ICMP, 1 }, { PR_IGMP, 2 },
		{ PR_IGRP, 9 }, { PR_PIM, 103 }, { PR_VRRP, 112 }, { PR_CARP, 112 },
	};
	int l = label(g);

	switch (p) {
	case PR_LINK:
		return;
	case PR_IP:
		gen_guard_linktype(g, 0x0800, lf);
		return;
	case PR_IP6:
		gen_guard_linktype(g, 0x86dd, lf);
		return;
	case PR_ARP:
		gen_guard_linktype(g, 0x0806, lf);
		return;
	case PR_RARP:
		gen_guard_linktype(g, 0x8035, lf);
		return;
	case PR_ICMP6:
		gen_guard_linktype(g, 0x86dd, lf);
		gen_cmp(g, BASE_NL, 1, 6, 0xffffffffu, BPF_JEQ, 58, l, lf);
		place(g, l);
		return;
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(ipnum) / sizeof(ipnum[0]); i++) {
		if (ipnum[i].proto != p)
			continue;
		gen_ip4_proto(g, ipnum[i].num, l, lf);
		place(g, l);
		gen_cmp(g, BASE_NL, 2, 6, 0xffffffffu, BPF_JSET, 0x1fff, lf, RC_FILTER_LBL_NEXT);
	}
}

static void gen_guards(struct gen *g, const struct rc_filter_node *n, uint32_t *done, int lf)
{
	if (!n)
		return;
	if (n->kind == NK_LOAD && !(*done & (1u << n->proto))) {
		*done |= 1u << n->proto;
		gen_load_guard(g, n->proto, lf);
	}
	gen_guards(g, n->l, done, lf);
	if (n->kind != NK_NEG)
		gen_guards(g, n->r, done, lf);
}

static void gen_arith(struct gen *g, const struct rc_filter_node *n);

static bool gen_push(struct gen *g)
{
	if (g->sp >= GEN_MAX_STACK) {
		gen_fail(g, "expression too complex");
		return false;
	}
	emit(g, BPF_ST, g->sp++);
	return true;
}

/* A = proto[index]. */
static void gen_arith_load(struct gen *g, const struct rc_filter_node *n)
{
	uint16_t sz = size_code(n->v[0]);
	uint32_t k = n->proto == PR_ICMP6 ? 40 : 0;
	enum gen_base base = n->proto == PR_LINK ? BASE_LINK : BASE_NL;
	bool transport = gen_is_transport(n->proto);

	if (n->r->kind == NK_NUM) {
		/* The kernel reads a load offset as a signed int, and offsets
		 * from -2 MiB up as its ancillary data (SKF_AD_OFF: ifindex,
		 * protocol ...): index + header offsets must stay below 2^31,
		 * or ether[4294963200] would quietly test skb->protocol and
		 * ip[4294967290] byte 8. Run-time parts get room too: 60 for
		 * an IPv4 header, 64 KiB for a base found at run time (VLAN
		 * and MPLS stacks, PPPoE). */
		if ((uint64_t)n->r->v[0] + k + g->off[base].k + n->v[0] + (transport ? 60 : 0) +
		    (g->off[base].var ? 65536 : 0) > INT32_MAX) {
			const struct rc_filter_node *at = g->at;

			g->at = n->r; /* the error names the index */
			gen_fail(g, "index too large: packet offsets must stay below 2^31");
			g->at = at;
			return;
		}
		gen_load(g, transport ? BASE_TRANS4 : base, n->v[0], k + n->r->v[0]);
		return;
	}
	gen_arith(g, n->r);
	if (transport) {
		if (!gen_push(g))
			return;
		gen_ldx_iphdrlen(g);
		emit(g, BPF_LD | BPF_MEM, --g->sp);
		emit(g, BPF_ALU | BPF_ADD | BPF_X, 0);
	} else if (g->off[base].var) {
		emit(g, BPF_LDX | BPF_MEM, GEN_SLOT_BASE + base);
		emit(g, BPF_ALU | BPF_ADD | BPF_X, 0);
	}
	emit(g, BPF_MISC | BPF_TAX, 0);
	emit(g, BPF_LD | sz | BPF_IND, g->off[base].k + k);
}

/* A = the value of n; uses the scratch stack for the left operands. */
static void gen_arith(struct gen *g, const struct rc_filter_node *n)
{
	switch (n->kind) {
	case NK_NUM:
		emit(g, BPF_LD | BPF_IMM, n->v[0]);
		return;
	case NK_LEN:
		emit(g, BPF_LD | BPF_W | BPF_LEN, 0);
		return;
	case NK_LOAD:
		gen_arith_load(g, n);
		return;
	case NK_NEG:
		gen_arith(g, n->l);
		emit(g, BPF_ALU | BPF_NEG, 0);
		return;
	default:
		break;
	}
	gen_arith(g, n->l);
	if (n->r->kind == NK_NUM) {
		emit(g, BPF_ALU | n->op | BPF_K, n->r->v[0]);
		return;
	}
	if (!gen_push(g))
		return;
	gen_arith(g, n->r);
	emit(g, BPF_MISC | BPF_TAX, 0);
	emit(g, BPF_LD | BPF_MEM, --g->sp);
	emit(g, BPF_ALU | n->op | BPF_X, 0);
}

static void gen_relation(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	uint16_t op = n->op & 0xf0;
	bool neg = n->op & RC_FILTER_REL_NEG;
	uint32_t done = 0;

	gen_guards(g, n, &done, lf);
	gen_arith(g, n->l);
	if (n->r->kind == NK_NUM) {
		jump(g, op, n->r->v[0], neg ? lf : lt, neg ? lt : lf);
		return;
	}
	if (!gen_push(g))
		return;
	gen_arith(g, n->r);
	emit(g, BPF_MISC | BPF_TAX, 0);
	emit(g, BPF_LD | BPF_MEM, --g->sp);
	rc_filter_code_emit(g->c, BPF_JMP | op | BPF_X, 0, neg ? lf : lt, neg ? lt : lf);
}

/* Tests of one load and one jump: length, packet type, interface. */
static void gen_meta(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	bool out = n->kind == NK_OUTBOUND;
	bool sll2 = g->cfg->linktype == RC_LINKTYPE_LINUX_SLL2;

	switch (n->kind) {
	case NK_PPPOED:
		gen_linktype(g, 0x8863, lt, lf);
		return;
	case NK_LESS:
		emit(g, BPF_LD | BPF_W | BPF_LEN, 0);
		jump(g, BPF_JGT, n->v[0], lf, lt);
		return;
	case NK_GREATER:
		emit(g, BPF_LD | BPF_W | BPF_LEN, 0);
		jump(g, BPF_JGE, n->v[0], lt, lf);
		return;
	case NK_IFINDEX:
		/* SLL2 carries the interface (rc_filter_cooked_for_kernel turns
		 * the header loads back into ancillary ones for the kernel). */
		emit(g, BPF_LD | BPF_W | BPF_ABS, sll2 ? GEN_SLL2_IFINDEX
						       : (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX));
		jump(g, BPF_JEQ, n->v[0], lt, lf);
		return;
	default: /* inbound, outbound: the kernel's packet type */
		if (sll2)
			emit(g, BPF_LD | BPF_B | BPF_ABS, GEN_SLL2_PKTTYPE);
		else if (g->cfg->linktype == RC_LINKTYPE_LINUX_SLL)
			emit(g, BPF_LD | BPF_H | BPF_ABS, 0); /* SLL's packet type, 2 bytes */
		else
			emit(g, BPF_LD | BPF_H | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE));
		jump(g, BPF_JEQ, GEN_PACKET_OUTGOING, out ? lt : lf, out ? lf : lt);
		return;
	}
}

/* What libpcap refuses on a link without Ethernet's header: NULL, or what
 * is missing. A tunnel's inner frame is Ethernet again (g->link), and
 * after "pppoes" MPLS may follow PPP, as in libpcap. */
static const char *gen_link_refusal(const struct gen *g, const struct rc_filter_node *n)
{
	if (g->link == RC_LINKTYPE_ETHERNET)
		return NULL;
	switch (n->kind) {
	case NK_EHOST: return "Ethernet addresses are";
	case NK_EBCAST: return "link-layer broadcast is";
	case NK_EMCAST: return "link-layer multicast is";
	case NK_VLAN: return "'vlan' is";
	case NK_MPLS: return g->ppp || g->mpls ? NULL : "'mpls' is";
	case NK_LLC: return "'llc' is";
	default: return NULL;
	}
}

/* ---- boolean structure ---- */

static void gen_bool(struct gen *g, const struct rc_filter_node *n, int lt, int lf)
{
	const char *missing;
	char msg[128];
	int l;

	g->at = n;
	missing = gen_link_refusal(g, n);
	if (missing) {
		snprintf(msg, sizeof(msg), "%s not supported on %s", missing,
			 rc_filter_link_name(g->link));
		gen_fail(g, msg);
		return;
	}
	switch (n->kind) {
	case NK_AND:
		l = label(g);
		gen_bool(g, n->l, l, lf);
		place(g, l);
		gen_bool(g, n->r, lt, lf);
		return;
	case NK_OR:
		l = label(g);
		gen_bool(g, n->l, lt, l);
		place(g, l);
		gen_bool(g, n->r, lt, lf);
		return;
	case NK_NOT:
		gen_bool(g, n->l, lf, lt);
		return;
	case NK_REL: gen_relation(g, n, lt, lf); return;
	case NK_HOST4: gen_host4(g, n, lt, lf); return;
	case NK_HOST6: gen_host6(g, n, lt, lf); return;
	case NK_EHOST: gen_ehost(g, n, lt, lf); return;
	case NK_DNHOST: gen_dnhost(g, n, lt, lf); return;
	case NK_PORT: gen_port(g, n, lt, lf); return;
	case NK_PROTO: gen_proto(g, n, lt, lf); return;
	case NK_PROTOCHAIN: gen_protochain(g, n, lt, lf); return;
	case NK_ETHERTYPE: gen_linktype(g, n->v[0], lt, lf); return;
	case NK_VLAN: gen_vlan(g, n, lt, lf); return;
	case NK_MPLS: gen_mpls(g, n, lt, lf); return;
	case NK_PPPOES: gen_pppoes(g, n, lt, lf); return;
	case NK_VXLAN: gen_vxlan(g, n, lt, lf); return;
	case NK_GENEVE: gen_geneve(g, n, lt, lf); return;
	case NK_PPPOED:
	case NK_LESS:
	case NK_GREATER:
	case NK_INBOUND:
	case NK_OUTBOUND:
	case NK_IFINDEX:
		gen_meta(g, n, lt, lf);
		return;
	case NK_LLC:
		gen_llc(g, n, lt, lf);
		return;
	case NK_ISO:
	case NK_ISIS:
		gen_iso(g, n, lt, lf);
		return;
	default:
		gen_cast(g, n, lt, lf);
		return;
	}
}

/* Will some offset become variable, so the slots must start at zero? */
static bool gen_needs_slots(const struct rc_filter_node *n, bool live)
{
	if (!n)
		return false;
	if ((n->kind == NK_VLAN && live) || n->kind == NK_VXLAN || n->kind == NK_GENEVE)
		return true;
	if (n->kind >= NK_NUM || n->kind == NK_REL)
		return false;
	return gen_needs_slots(n->l, live) || (n->kind != NK_NOT && gen_needs_slots(n->r, live));
}

int rc_filter_generate(const struct rc_filter_node *root, const struct rc_filter_config *cfg,
		       struct rc_filter_code *code, struct rc_filter_error *err)
{
	const struct gen_link *known = gen_link_of(cfg->linktype);
	const struct gen_link *link = known ? known : &gen_links[0]; /* filter.c checked */
	struct gen g = { .c = code, .cfg = cfg, .err = err, .link = link->linktype,
			 .off = { { 0, false }, { link->ll, false }, { link->nl, false } } };
	uint32_t snaplen = cfg->snaplen ? cfg->snaplen : 262144;
	int lt, lf;

	if (!root) {
		emit(&g, BPF_RET | BPF_K, snaplen);
		return code->failed;
	}
	if (gen_needs_slots(root, cfg->linux_ext)) {
		/* Every path must store before it loads, or the kernel refuses. */
		emit(&g, BPF_LD | BPF_IMM, 0);
		for (unsigned b = BASE_LINK; b <= BASE_NL; b++)
			emit(&g, BPF_ST, GEN_SLOT_BASE + b);
	}
	lt = label(&g);
	lf = label(&g);
	gen_bool(&g, root, lt, lf);
	place(&g, lt);
	emit(&g, BPF_RET | BPF_K, snaplen);
	place(&g, lf);
	emit(&g, BPF_RET | BPF_K, 0);
	if (g.failed)
		return -EINVAL;
	return code->failed;
}
