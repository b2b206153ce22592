/* SPDX-License-Identifier: MIT */
/*
 * filter_internal.h - the pieces of the filter compiler and how they meet:
 * lex.c turns text into tokens, parse.c tokens into a syntax tree,
 * gen.c the tree into instructions with symbolic forward labels, and
 * prog.c lays those out into a kernel-ready program.
 *
 * DESIGN: the tree exists so that the parser can backtrack (a '(' opens
 * either a boolean group or an arithmetic operand; only trying tells) and
 * so that code generation walks the expression in source order, which is
 * what gives "vlan" its libpcap meaning: it moves every later offset.
 */
#ifndef RINGCAP_FILTER_INTERNAL_H
#define RINGCAP_FILTER_INTERNAL_H

#include <ringcap/filter.h>

#include <linux/filter.h>
#include <stdint.h>

/* ---- tokens (lex.c) ---- */

enum rc_filter_tok {
	TK_EOF, TK_WORD, TK_NUM, TK_IPV4, TK_IPV6, TK_MAC, TK_ESC,
	TK_LPAREN, TK_RPAREN, TK_LBRACK, TK_RBRACK, TK_COLON,
	TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT, TK_AMP, TK_PIPE, TK_CARET,
	TK_LSH, TK_RSH, TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
	TK_BANG, TK_ANDAND, TK_OROR, TK_BAD,
	TK_BIGNUM, /* a number over 32 bits: an error, never reaches the parser */
};

struct rc_filter_token {
	enum rc_filter_tok type;
	unsigned col;        /* 1-based */
	unsigned len;
	const char *text;    /* into the expression, len bytes */
	uint32_t num;        /* TK_NUM */
	uint8_t addr[16];    /* TK_IPV6, TK_MAC */
};

/* Tokens end with TK_EOF. Returns the count or -ENOMEM / -EINVAL (err set). */
int rc_filter_lex(const char *expr, struct rc_filter_token **ret, struct rc_filter_error *err);
void rc_filter_set_error(struct rc_filter_error *err, const struct rc_filter_token *t,
			 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- syntax tree (parse.c) ---- */

enum rc_filter_proto {
	PR_DEFAULT, PR_LINK, PR_IP, PR_IP6, PR_ARP, PR_RARP, PR_TCP, PR_UDP,
	PR_SCTP, PR_ICMP, PR_ICMP6, PR_IGMP, PR_IGRP, PR_PIM, PR_VRRP, PR_CARP,
	PR_AH, PR_ESP, PR_DECNET, PR_ISO, PR_CLNP, PR_ESIS, PR_ISIS,
};
enum rc_filter_dir { DIR_DEFAULT, DIR_SRC, DIR_DST, DIR_OR, DIR_AND };

enum rc_filter_kind {
	/* boolean */
	NK_AND, NK_OR, NK_NOT, NK_REL,
	/* primitives */
	NK_HOST4, NK_HOST6, NK_EHOST, NK_DNHOST, NK_PORT, NK_PROTO, NK_PROTOCHAIN, NK_ETHERTYPE,
	NK_LESS, NK_GREATER, NK_EBCAST, NK_EMCAST, NK_IPBCAST, NK_IPMCAST, NK_IP6MCAST,
	NK_VLAN, NK_MPLS, NK_PPPOES, NK_PPPOED, NK_INBOUND, NK_OUTBOUND, NK_IFINDEX, NK_LLC, NK_ISO, NK_ISIS, NK_VXLAN, NK_GENEVE,
	/* arithmetic */
	NK_NUM, NK_LEN, NK_LOAD, NK_BINOP, NK_NEG,
};

struct rc_filter_node {
	enum rc_filter_kind kind;
	struct rc_filter_node *l, *r;   /* operands; NK_LOAD: r = index */
	enum rc_filter_proto proto;
	enum rc_filter_dir dir;
	uint16_t op;                    /* NK_REL: BPF_JEQ...|negate bits; NK_BINOP: BPF_ADD... */
	uint32_t v[8];                  /* addresses, masks, ports, sizes, ids */
	int has_value;                  /* vlan/mpls/pppoes with an id */
	const struct rc_filter_token *tok; /* where it was written, for errors */
};

#define RC_FILTER_REL_NEG 0x100    /* invert the jump: != <= < */
#define RC_FILTER_REL_SWAP 0x200   /* compare b to a (the kernel has no jlt) */

/* Every node the parser made, including those of abandoned attempts, so
 * that one call frees them all. */
struct rc_filter_arena {
	struct rc_filter_node **nodes;
	size_t n, cap;
};

/* Parses the tokens; returns the root (NULL for an empty expression) in
 * *ret, 0 or -EINVAL with err set, or -ENOMEM. */
int rc_filter_parse(const struct rc_filter_token *toks, const struct rc_filter_config *cfg,
		    struct rc_filter_arena *arena, struct rc_filter_node **ret,
		    struct rc_filter_error *err);
void rc_filter_arena_free(struct rc_filter_arena *arena);

/* Name tables (names.c): return false when the name is unknown. */
bool rc_filter_service_port(const char *name, size_t len, uint32_t *ret);
bool rc_filter_ip_proto_number(const char *name, size_t len, uint32_t *ret);
bool rc_filter_ether_proto_number(const char *name, size_t len, uint32_t *ret);
bool rc_filter_iso_proto_number(const char *name, size_t len, uint32_t *ret);
bool rc_filter_arith_constant(const char *name, size_t len, uint32_t *ret);

/* ---- code (gen.c, prog.c) ---- */

#define RC_FILTER_LBL_NEXT (-1)

struct rc_filter_ins {
	struct sock_filter s;
	int jt, jf;  /* label ids for conditional jumps (or NEXT); ja: jt */
};

/* What A or X is known to hold at a point: the load that set it. */
struct rc_filter_known {
	uint16_t code;      /* RC_FILTER_UNKNOWN, RC_FILTER_UNSET (no path yet), or a load */
	uint32_t k;
};
#define RC_FILTER_UNKNOWN 0xffff
#define RC_FILTER_UNSET 0xfffe

struct rc_filter_regs {
	struct rc_filter_known a, x;
};

struct rc_filter_code {
	struct rc_filter_ins *ins;
	unsigned n, cap;
	int *label_at;      /* label -> instruction index, -1 while unplaced */
	struct rc_filter_regs *label_in; /* registers on the jumps to each label */
	unsigned nlabels, label_cap;
	struct rc_filter_regs now;       /* registers where the next insn goes */
	bool dead;          /* no path falls through to the next insn */
	bool constant;      /* a test the link type decides (raw IP's "arp", IPv4's "ip") */
	int failed;         /* -ENOMEM, -E2BIG */
};

int rc_filter_code_label(struct rc_filter_code *c);
void rc_filter_code_place(struct rc_filter_code *c, int label);
void rc_filter_code_emit(struct rc_filter_code *c, uint16_t code, uint32_t k, int jt, int jf);
/* Resolves labels, adds ja trampolines for far jumps. */
int rc_filter_code_layout(struct rc_filter_code *c, struct sock_filter **ret, size_t *ret_len);
void rc_filter_code_free(struct rc_filter_code *c);

/* "LINKTYPE_RAW (raw IP)" ..., or NULL for a link type the compiler lacks. */
const char *rc_filter_link_name(uint32_t linktype);

int rc_filter_generate(const struct rc_filter_node *root, const struct rc_filter_config *cfg,
		       struct rc_filter_code *code, struct rc_filter_error *err);

#endif
