/* SPDX-License-Identifier: MIT */
/*
 * parse.c - recursive descent over the token array into a syntax tree.
 *
 * DESIGN: the grammar is libpcap's, re-derived from pcap-filter(7):
 * "and" and "or" share one precedence and associate to the left, "not"
 * binds tighter, and a bare value after "and"/"or" takes the qualifiers of
 * the last primitive ("host a or b"). Two places need a guess: a '(' and a
 * leading number may open an arithmetic relation or a boolean group, so
 * the parser tries the relation first and rewinds on failure. Errors from
 * failed attempts are kept only if they got further into the input than
 * anything else, so the reported token is the one a human would blame.
 * Semantic checks (a port number over 65535, "host" with a prefix) happen
 * here too, while the offending token is at hand.
 */
#include "filter_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parse_qual {
	enum rc_filter_proto proto;
	enum rc_filter_dir dir;
	enum { AQ_DEFAULT, AQ_HOST, AQ_NET, AQ_PORT, AQ_PORTRANGE, AQ_PROTO, AQ_GATEWAY,
	       AQ_PROTOCHAIN } addr;
	const struct rc_filter_token *proto_tok;
};

struct parser {
	const struct rc_filter_token *t;
	size_t pos;
	const struct rc_filter_config *cfg;
	struct rc_filter_arena *arena;
	struct rc_filter_error *err;
	size_t err_pos;     /* token index of the recorded error; SIZE_MAX: none */
	bool nomem;
	bool fatal;         /* a semantic error: no rewinding can fix it */
	struct parse_qual last;
	unsigned depth;     /* nesting, bounded so no input exhausts the stack */
};

#define PARSE_MAX_DEPTH 200
/* Bounds the tree, and so the recursion of code generation, on any input;
 * no program of this many nodes fits the kernel's 4096 instructions. */
#define PARSE_MAX_NODES 16384

static const struct rc_filter_token *cur(const struct parser *p)
{
	return &p->t[p->pos];
}

static const struct rc_filter_token *peek(const struct parser *p, size_t k)
{
	size_t i = p->pos;

	while (k-- && p->t[i].type != TK_EOF)
		i++;
	return &p->t[i];
}

static bool tok_is(const struct rc_filter_token *t, const char *word)
{
	return (t->type == TK_WORD) && strlen(word) == t->len && strncmp(t->text, word, t->len) == 0;
}

static bool accept_word(struct parser *p, const char *word)
{
	if (!tok_is(cur(p), word))
		return false;
	p->pos++;
	return true;
}

static bool take(struct parser *p, enum rc_filter_tok type)
{
	if (cur(p)->type != type)
		return false;
	p->pos++;
	return true;
}

/* Records an error at token t unless an error further along is known. */
static void *fail_at(struct parser *p, const struct rc_filter_token *t, bool fatal,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void *fail_at(struct parser *p, const struct rc_filter_token *t, bool fatal,
		     const char *fmt, ...)
{
	size_t at = (size_t)(t - p->t);
	va_list ap;
	char msg[128];

	if (p->fatal)
		return NULL;
	if (p->err_pos != SIZE_MAX && at < p->err_pos && !fatal)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc_filter_set_error(p->err, t, "%s", msg);
	p->err_pos = at;
	p->fatal = fatal;
	return NULL;
}

#define SYNTAX(p) fail_at(p, cur(p), false, "syntax error")
#define SEMANTIC(p, t, ...) fail_at(p, t, true, __VA_ARGS__)

static struct rc_filter_node *node_new(struct parser *p, enum rc_filter_kind kind)
{
	struct rc_filter_arena *a = p->arena;
	struct rc_filter_node *n;

	if (a->n >= PARSE_MAX_NODES) {
		rc_filter_set_error(p->err, cur(p), "expression too large");
		p->err_pos = p->pos;
		p->fatal = true;
		return NULL;
	}
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		struct rc_filter_node **nn = realloc(a->nodes, ncap * sizeof(*nn));

		if (!nn) {
			p->nomem = true;
			return NULL;
		}
		a->nodes = nn;
		a->cap = ncap;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		p->nomem = true;
		return NULL;
	}
	n->kind = kind;
	n->tok = &p->t[p->pos ? p->pos - 1 : 0]; /* the token that completed it */
	a->nodes[a->n++] = n;
	return n;
}

static struct rc_filter_node *node2(struct parser *p, enum rc_filter_kind kind,
				    struct rc_filter_node *l, struct rc_filter_node *r)
{
	struct rc_filter_node *n;

	if (!l || !r || !(n = node_new(p, kind)))
		return NULL;
	n->l = l;
	n->r = r;
	return n;
}

void rc_filter_arena_free(struct rc_filter_arena *arena)
{
	for (size_t i = 0; i < arena->n; i++)
		free(arena->nodes[i]);
	free(arena->nodes);
	*arena = (struct rc_filter_arena){ 0 };
}

/* ---- keywords ---- */

static const struct { const char *word; enum rc_filter_proto proto; } parse_protos[] = {
	{ "ether", PR_LINK }, { "link", PR_LINK }, { "fddi", PR_LINK }, { "tr", PR_LINK },
	{ "wlan", PR_LINK }, { "ppp", PR_LINK }, { "slip", PR_LINK }, { "ip", PR_IP }, { "ip6", PR_IP6 },
	{ "arp", PR_ARP }, { "rarp", PR_RARP }, { "tcp", PR_TCP }, { "udp", PR_UDP },
	{ "sctp", PR_SCTP }, { "icmp", PR_ICMP }, { "icmp6", PR_ICMP6 }, { "igmp", PR_IGMP },
	{ "igrp", PR_IGRP }, { "pim", PR_PIM }, { "vrrp", PR_VRRP }, { "carp", PR_CARP },
	{ "ah", PR_AH }, { "esp", PR_ESP }, { "decnet", PR_DECNET }, { "iso", PR_ISO },
	{ "clnp", PR_CLNP }, { "esis", PR_ESIS }, { "es-is", PR_ESIS }, { "isis", PR_ISIS },
	{ "is-is", PR_ISIS },
};

static bool word_proto(const struct rc_filter_token *t, enum rc_filter_proto *ret)
{
	for (size_t i = 0; i < sizeof(parse_protos) / sizeof(parse_protos[0]); i++) {
		if (tok_is(t, parse_protos[i].word)) {
			*ret = parse_protos[i].proto;
			return true;
		}
	}
	return false;
}

static const char *proto_name(enum rc_filter_proto pr)
{
	for (size_t i = 0; i < sizeof(parse_protos) / sizeof(parse_protos[0]); i++)
		if (parse_protos[i].proto == pr)
			return parse_protos[i].word;
	return "default";
}

static bool is_keyword(const struct rc_filter_token *t)
{
	static const char *const words[] = {
		"and", "or", "not", "src", "dst", "host", "net", "port", "portrange", "proto",
		"gateway", "protochain", "less", "greater", "len", "broadcast", "multicast",
		"vlan", "mpls", "pppoes", "pppoed", "inbound", "outbound", "mask", "llc", "ifindex",
		"vxlan", "geneve",
		"decnet", "lat", "mopdl", "moprc", "sca", "stp", "netbeui", "atalk", "aarp", "ipx", "iso",
	};
	enum rc_filter_proto pr;

	if (t->type != TK_WORD)
		return false;
	if (word_proto(t, &pr))
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (tok_is(t, words[i]))
			return true;
	return false;
}

/* ---- arithmetic ---- */

static struct rc_filter_node *parse_arith(struct parser *p, int level);

static struct rc_filter_node *parse_load(struct parser *p, enum rc_filter_proto pr)
{
	const struct rc_filter_token *start = cur(p);
	struct rc_filter_node *n, *idx;
	uint32_t size = 1;

	p->pos++; /* '[' */
	if (!(idx = parse_arith(p, 0)))
		return NULL;
	if (take(p, TK_COLON)) {
		if (cur(p)->type != TK_NUM)
			return SYNTAX(p);
		size = cur(p)->num;
		if (size != 1 && size != 2 && size != 4)
			return SEMANTIC(p, cur(p), "data size must be 1, 2, or 4");
		p->pos++;
	}
	if (!take(p, TK_RBRACK))
		return SYNTAX(p);
	if (pr == PR_AH || pr == PR_ESP || pr >= PR_DECNET)
		return SEMANTIC(p, start - 1, "'%s' does not support the index operation",
				proto_name(pr));
	if (!(n = node_new(p, NK_LOAD)))
		return NULL;
	n->proto = pr;
	n->r = idx;
	n->v[0] = size;
	return n;
}

static struct rc_filter_node *parse_operand(struct parser *p)
{
	const struct rc_filter_token *t = cur(p);
	struct rc_filter_node *n;
	enum rc_filter_proto pr;
	uint32_t v;

	if (++p->depth > PARSE_MAX_DEPTH)
		return SEMANTIC(p, t, "expression nested too deeply");
	if (take(p, TK_MINUS)) {
		n = parse_operand(p);
		if (n && (n = node2(p, NK_NEG, n, n)))
			n->r = NULL;
	} else if (take(p, TK_LPAREN)) {
		n = parse_arith(p, 0);
		if (n && !take(p, TK_RPAREN))
			n = SYNTAX(p);
	} else if (t->type == TK_NUM || (t->type == TK_WORD &&
					 rc_filter_arith_constant(t->text, t->len, &v))) {
		if ((n = node_new(p, NK_NUM)))
			n->v[0] = t->type == TK_NUM ? t->num : v;
		p->pos++;
	} else if (tok_is(t, "len")) {
		n = node_new(p, NK_LEN);
		p->pos++;
	} else if (word_proto(t, &pr) && peek(p, 1)->type == TK_LBRACK) {
		p->pos++;
		n = parse_load(p, pr);
	} else {
		n = SYNTAX(p);
	}
	p->depth--;
	return n;
}

/* Binary operator levels, loosest first, as in libpcap's grammar. */
static int arith_op(enum rc_filter_tok t, int level)
{
	static const struct { enum rc_filter_tok tok; int level; uint16_t op; } ops[] = {
		{ TK_PIPE, 0, BPF_OR }, { TK_CARET, 0, BPF_XOR }, { TK_AMP, 1, BPF_AND },
		{ TK_LSH, 2, BPF_LSH }, { TK_RSH, 2, BPF_RSH }, { TK_PLUS, 3, BPF_ADD },
		{ TK_MINUS, 3, BPF_SUB }, { TK_STAR, 4, BPF_MUL }, { TK_SLASH, 4, BPF_DIV },
		{ TK_PERCENT, 4, BPF_MOD },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].tok == t && ops[i].level == level)
			return ops[i].op;
	return -1;
}

static struct rc_filter_node *parse_arith(struct parser *p, int level)
{
	struct rc_filter_node *l, *n;
	int op;

	if (level > 4)
		return parse_operand(p);
	l = parse_arith(p, level + 1);
	while (l && (op = arith_op(cur(p)->type, level)) >= 0) {
		const struct rc_filter_token *optok = cur(p);

		p->pos++;
		n = node2(p, NK_BINOP, l, parse_arith(p, level + 1));
		if (!n)
			return NULL;
		n->op = (uint16_t)op;
		if ((op == BPF_DIV || op == BPF_MOD) && n->r->kind == NK_NUM && n->r->v[0] == 0)
			return SEMANTIC(p, optok, "division by zero");
		/* bpf_check_classic refuses a constant shift of 32 or more (it
		 * would be undefined in the eBPF it becomes), so -d must too. */
		if ((op == BPF_LSH || op == BPF_RSH) && n->r->kind == NK_NUM && n->r->v[0] >= 32)
			return SEMANTIC(p, optok, "shift by %u: the kernel allows shifts of 0 to 31 only",
					n->r->v[0]);
		l = n;
	}
	return l;
}

static int rel_op(enum rc_filter_tok t)
{
	switch (t) {
	case TK_EQ: return BPF_JEQ;
	case TK_NE: return BPF_JEQ | RC_FILTER_REL_NEG;
	case TK_GT: return BPF_JGT;
	case TK_GE: return BPF_JGE;
	case TK_LT: return BPF_JGE | RC_FILTER_REL_NEG;
	case TK_LE: return BPF_JGT | RC_FILTER_REL_NEG;
	default: return -1;
	}
}

static struct rc_filter_node *parse_relation(struct parser *p)
{
	struct rc_filter_node *l = parse_arith(p, 0), *n;
	int op;

	if (!l)
		return NULL;
	if ((op = rel_op(cur(p)->type)) < 0)
		return SYNTAX(p);
	p->pos++;
	n = node2(p, NK_REL, l, parse_arith(p, 0));
	if (n)
		n->op = (uint16_t)op;
	return n;
}

/* ---- values after qualifiers ---- */

/* Dotted IPv4, one to four parts (libpcap's short forms); returns the bit
 * count parsed (8 per part) or -1. */
static int parse_dotted(const struct rc_filter_token *t, uint32_t *ret)
{
	uint32_t addr = 0, part = 0;
	int parts = 0, digits = 0;

	for (unsigned i = 0; i <= t->len; i++) {
		char c = i < t->len ? t->text[i] : '.';

		if (c >= '0' && c <= '9') {
			part = part * 10 + (uint32_t)(c - '0');
			if (part > 255 || ++digits > 3)
				return -1;
			continue;
		}
		if (!digits || ++parts > 4)
			return -1;
		addr = addr << 8 | part;
		part = 0;
		digits = 0;
	}
	*ret = addr;
	return parts * 8;
}

static struct rc_filter_node *make_host4(struct parser *p, const struct parse_qual *q,
					 const struct rc_filter_token *t, uint32_t a, uint32_t m)
{
	struct rc_filter_node *n;

	if (q->proto == PR_LINK)
		return SEMANTIC(p, t, "illegal link layer address");
	if (q->proto != PR_DEFAULT && q->proto != PR_IP && q->proto != PR_ARP &&
	    q->proto != PR_RARP)
		return SEMANTIC(p, q->proto_tok, "'%s' is not a valid qualifier for '%s <IPv4 address>'",
				proto_name(q->proto), q->addr == AQ_NET ? "net" : "host");
	if (a & ~m)
		return SEMANTIC(p, t, "non-network bits set in the address");
	if (!(n = node_new(p, NK_HOST4)))
		return NULL;
	n->proto = q->proto;
	n->dir = q->dir;
	n->v[0] = a;
	n->v[1] = m;
	return n;
}

static bool addr_is_value_qual(const struct parse_qual *q)
{
	return q->addr == AQ_DEFAULT || q->addr == AQ_HOST || q->addr == AQ_NET;
}

static const char *addr_name(const struct parse_qual *q)
{
	static const char *const names[] = { "host", "host", "net", "port", "portrange",
					     "proto", "gateway", "protochain" };
	return names[q->addr];
}

/* "/len" or "mask a.b.c.d" after an IPv4 network; only "net" takes them. */
static struct rc_filter_node *parse_ipv4(struct parser *p, const struct parse_qual *q)
{
	const struct rc_filter_token *t = cur(p);
	uint32_t a, m;
	int bits = parse_dotted(t, &a), mbits;

	if (bits < 0)
		return SEMANTIC(p, t, "invalid IPv4 address");
	p->pos++;
	if (!addr_is_value_qual(q) || q->addr == AQ_GATEWAY)
		return SEMANTIC(p, t, "'%s' qualifier applied to IPv4 address", addr_name(q));
	a <<= 32 - bits;
	m = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
	if (cur(p)->type == TK_SLASH || tok_is(cur(p), "mask")) {
		bool slash = take(p, TK_SLASH);
		const struct rc_filter_token *mt;

		if (!slash)
			p->pos++;
		mt = cur(p);
		if (q->addr == AQ_HOST)
			return SEMANTIC(p, t, "'host' is not a valid qualifier for a network");
		if (slash && mt->type == TK_NUM && mt->num <= 32)
			m = mt->num ? ~(0xffffffffu >> (mt->num - 1) >> 1) : 0;
		else if (!slash && (mt->type == TK_IPV4 || mt->type == TK_NUM) &&
			 (mbits = parse_dotted(mt, &m)) > 0)
			m <<= 32 - mbits; /* "mask 255.255" is 255.255.0.0 */
		else
			return SEMANTIC(p, mt, "invalid netmask");
		p->pos++;
		if (!slash && m != 0 && (~m & (~m + 1)) != 0) /* contiguous, as libpcap wants */
			return SEMANTIC(p, mt, "invalid netmask");
	}
	return make_host4(p, q, t, a, m);
}

static struct rc_filter_node *parse_ipv6(struct parser *p, const struct parse_qual *q)
{
	const struct rc_filter_token *t = cur(p);
	uint32_t bits = 128;
	struct rc_filter_node *n;
	uint8_t mask[16];

	p->pos++;
	if (!addr_is_value_qual(q))
		return SEMANTIC(p, t, "'%s' qualifier applied to IPv6 address", addr_name(q));
	if (take(p, TK_SLASH)) {
		if (cur(p)->type != TK_NUM || cur(p)->num > 128)
			return SEMANTIC(p, cur(p), "invalid IPv6 prefix length");
		bits = cur(p)->num;
		p->pos++;
		if (q->addr == AQ_HOST)
			return SEMANTIC(p, t, "'host' is not a valid qualifier for a prefix");
	}
	if (q->proto != PR_DEFAULT && q->proto != PR_IP6)
		return SEMANTIC(p, q->proto_tok ? q->proto_tok : t,
				"'%s' is not a valid qualifier for an IPv6 address",
				proto_name(q->proto));
	for (unsigned i = 0; i < 16; i++)
		mask[i] = (uint8_t)(bits >= 8 * (i + 1) ? 0xff :
				    bits <= 8 * i ? 0 : 0xff << (8 - (bits - 8 * i)));
	for (unsigned i = 0; i < 16; i++)
		if (t->addr[i] & ~mask[i])
			return SEMANTIC(p, t, "non-network bits set in the address");
	if (!(n = node_new(p, NK_HOST6)))
		return NULL;
	n->proto = q->proto;
	n->dir = q->dir;
	memcpy(&n->v[0], t->addr, 16);
	memcpy(&n->v[4], mask, 16);
	return n;
}

static struct rc_filter_node *make_port(struct parser *p, const struct parse_qual *q,
					const struct rc_filter_token *t, uint32_t lo, uint32_t hi)
{
	struct rc_filter_node *n;

	if (q->proto != PR_DEFAULT && q->proto != PR_TCP && q->proto != PR_UDP &&
	    q->proto != PR_SCTP)
		return SEMANTIC(p, q->proto_tok ? q->proto_tok : t,
				"'%s' is not a valid qualifier for '%s'", proto_name(q->proto),
				addr_name(q));
	if (lo > 65535 || hi > 65535)
		return SEMANTIC(p, t, "illegal port number > 65535");
	if (!(n = node_new(p, NK_PORT)))
		return NULL;
	n->proto = q->proto;
	n->dir = q->dir;
	n->v[0] = lo < hi ? lo : hi;
	n->v[1] = lo < hi ? hi : lo;
	return n;
}

/* Digits from s up to end, at most five. */
static bool parse_decimal(const char *s, const char *end, uint32_t *ret)
{
	uint32_t v = 0;

	if (s == end || end - s > 5)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint32_t)(*s - '0');
	}
	*ret = v;
	return true;
}

/* One end of a port range: a number or a service name. */
static bool port_value(const char *s, size_t len, uint32_t *ret)
{
	uint32_t v;

	if (len && s[0] >= '0' && s[0] <= '9') {
		if (!parse_decimal(s, s + len, &v))
			return false;
		*ret = v;
		return true;
	}
	return rc_filter_service_port(s, len, ret);
}

static struct rc_filter_node *make_proto(struct parser *p, const struct parse_qual *q,
					 const struct rc_filter_token *t, uint32_t v)
{
	struct rc_filter_node *n;

	if (q->proto == PR_LINK) {
		if (v > 65535)
			return SEMANTIC(p, t, "Ethernet type %u greater than maximum 65535", v);
		if (v > 255 && v <= 1500)
			return SEMANTIC(p, t, "LLC DSAP %u greater than maximum 255", v);
		if ((n = node_new(p, NK_ETHERTYPE)))
			n->v[0] = v;
		return n;
	}
	if (q->proto == PR_ISO || q->proto == PR_ISIS) {
		uint32_t max = q->proto == PR_ISO ? 255 : 31; /* IS-IS PDU type: 5 bits */

		if (v > max)
			return SEMANTIC(p, t, "%s protocol %u greater than maximum %u",
					proto_name(q->proto), v, max);
		if ((n = node_new(p, q->proto == PR_ISO ? NK_ISO : NK_ISIS))) {
			n->v[0] = v;
			n->v[5] = 1;
		}
		return n;
	}
	if (q->proto != PR_DEFAULT && q->proto != PR_IP && q->proto != PR_IP6)
		return SEMANTIC(p, q->proto_tok, "'%s' is not a valid qualifier for 'proto'",
				proto_name(q->proto));
	if (v > 255)
		return SEMANTIC(p, t, "IP protocol %u greater than maximum 255", v);
	if ((n = node_new(p, NK_PROTO))) {
		n->proto = q->proto;
		n->v[0] = v;
	}
	return n;
}

static struct rc_filter_node *make_protochain(struct parser *p, const struct parse_qual *q,
					      const struct rc_filter_token *t, uint32_t v)
{
	struct rc_filter_node *n;

	if (q->proto != PR_DEFAULT && q->proto != PR_IP && q->proto != PR_IP6)
		return SEMANTIC(p, q->proto_tok, "'%s' is not a valid qualifier for 'protochain'",
				proto_name(q->proto));
	if (v > 255)
		return SEMANTIC(p, t, "IP protocol %u greater than maximum 255", v);
	if ((n = node_new(p, NK_PROTOCHAIN))) {
		n->proto = q->proto;
		n->v[0] = v;
	}
	return n;
}

static struct rc_filter_node *parse_number(struct parser *p, const struct parse_qual *q)
{
	const struct rc_filter_token *t = cur(p);
	uint32_t v = t->num, m = 0xffffffffu;

	p->pos++;
	switch (q->addr) {
	case AQ_PORT:
	case AQ_PORTRANGE:
		return make_port(p, q, t, v, v);
	case AQ_PROTO:
		return make_proto(p, q, t, v);
	case AQ_GATEWAY:
		return SEMANTIC(p, t, "'gateway' requires a name");
	case AQ_PROTOCHAIN:
		return make_protochain(p, q, t, v);
	case AQ_NET:
		/* "net 10" is 10.0.0.0/8: promote the short network number. */
		while (v && !(v & 0xff000000u)) {
			v <<= 8;
			m <<= 8;
		}
		if (cur(p)->type == TK_SLASH || tok_is(cur(p), "mask"))
			return SYNTAX(p);
		return make_host4(p, q, t, v, m);
	default:
		return make_host4(p, q, t, v, m);
	}
}

static struct rc_filter_node *make_ehost(struct parser *p, const struct parse_qual *q,
					 const struct rc_filter_token *t, const uint8_t mac[6])
{
	struct rc_filter_node *n;

	if (q->proto != PR_LINK || !(q->addr == AQ_DEFAULT || q->addr == AQ_HOST))
		return SEMANTIC(p, t, "Ethernet address used in non-ether expression");
	if (!(n = node_new(p, NK_EHOST)))
		return NULL;
	n->dir = q->dir;
	memcpy(n->v, mac, 6);
	return n;
}

/* The other spellings of a MAC address libpcap takes: six groups split by
 * '.' or '-', three groups of four hex digits, or twelve digits. */
static bool word_mac(const char *s, size_t len, uint8_t mac[6])
{
	unsigned groups = 1, digits = 0, glen[6] = { 0 }, nd = 0;
	uint8_t nib[12];

	for (size_t i = 0; i < len; i++) {
		int c = s[i];

		if (c == '.' || c == '-') {
			if (++groups > 6 || !glen[groups - 2])
				return false;
			continue;
		}
		if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) || nd == 12)
			return false;
		glen[groups - 1]++;
		nib[nd++] = (uint8_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		digits++;
	}
	if (groups == 6) {
		for (unsigned g = 0, k = 0; g < 6; k += glen[g++]) {
			if (glen[g] < 1 || glen[g] > 2)
				return false;
			mac[g] = (uint8_t)(glen[g] == 2 ? nib[k] << 4 | nib[k + 1] : nib[k]);
		}
		return true;
	}
	if ((groups == 3 && glen[0] == 4 && glen[1] == 4 && glen[2] == 4) ||
	    (groups == 1 && digits == 12)) {
		for (unsigned i = 0; i < 6; i++)
			mac[i] = (uint8_t)(nib[2 * i] << 4 | nib[2 * i + 1]);
		return true;
	}
	return false;
}

/* A protocol name after "proto", in the number space of the qualifier. */
static bool proto_number(enum rc_filter_proto pr, const char *s, size_t len, uint32_t *ret)
{
	if (pr == PR_LINK)
		return rc_filter_ether_proto_number(s, len, ret);
	if (pr == PR_ISO)
		return rc_filter_iso_proto_number(s, len, ret);
	return rc_filter_ip_proto_number(s, len, ret);
}

static struct rc_filter_node *parse_name(struct parser *p, const struct parse_qual *q)
{
	const struct rc_filter_token *t = cur(p);
	const char *s = t->text + (t->type == TK_ESC);
	size_t len = t->len - (t->type == TK_ESC);
	uint32_t lo, hi;
	const char *dash;
	uint8_t mac[6];

	p->pos++;
	switch (q->addr) {
	case AQ_PORT:
		if (!rc_filter_service_port(s, len, &lo))
			return SEMANTIC(p, t, "unknown port name");
		return make_port(p, q, t, lo, lo);
	case AQ_PORTRANGE:
		dash = memchr(s, '-', len);
		if (!dash || !port_value(s, (size_t)(dash - s), &lo) ||
		    !port_value(dash + 1, len - (size_t)(dash - s) - 1, &hi))
			return SEMANTIC(p, t, "invalid port range");
		return make_port(p, q, t, lo, hi);
	case AQ_PROTO:
		if (!proto_number(q->proto, s, len, &lo))
			return SEMANTIC(p, t, "unknown protocol name");
		return make_proto(p, q, t, lo);
	case AQ_PROTOCHAIN:
		if (!rc_filter_ip_proto_number(s, len, &lo))
			return SEMANTIC(p, t, "unknown protocol name");
		return make_protochain(p, q, t, lo);
	default:
		if (q->proto == PR_LINK && word_mac(s, len, mac))
			return make_ehost(p, q, t, mac);
		return SEMANTIC(p, t, "unknown host (ringcap does not resolve names; use an address)");
	}
}

static struct rc_filter_node *parse_mac(struct parser *p, const struct parse_qual *q)
{
	const struct rc_filter_token *t = &p->t[p->pos++];

	return make_ehost(p, q, t, t->addr);
}

static bool is_value(const struct rc_filter_token *t)
{
	return t->type == TK_NUM || t->type == TK_IPV4 || t->type == TK_IPV6 ||
	       t->type == TK_MAC || t->type == TK_ESC || (t->type == TK_WORD && !is_keyword(t));
}

/* DECnet "area.node" (6 and 10 bits); libpcap takes no plain number. */
static struct rc_filter_node *parse_decnet(struct parser *p, const struct parse_qual *q)
{
	const struct rc_filter_token *t = &p->t[p->pos++];
	const char *dot = memchr(t->text, '.', t->len);
	uint32_t area, node;
	struct rc_filter_node *n;
	uint32_t v;

	if (q->addr != AQ_DEFAULT && q->addr != AQ_HOST)
		return SEMANTIC(p, q->proto_tok, "'decnet' is not a valid qualifier for '%s'",
				addr_name(q));
	if (t->type == TK_IPV4 && dot && parse_decimal(t->text, dot, &area) &&
		 parse_decimal(dot + 1, t->text + t->len, &node) && area <= 63 && node <= 1023)
		v = area << 10 | node;
	else
		return SEMANTIC(p, t, "invalid DECnet address");
	if (!(n = node_new(p, NK_DNHOST)))
		return NULL;
	n->dir = q->dir;
	n->v[0] = v;
	return n;
}

/* A value with the qualifiers q; remembers q for bare values after it. */
static struct rc_filter_node *parse_id(struct parser *p, const struct parse_qual *q)
{
	struct rc_filter_node *n;

	p->last = *q;
	if (tok_is(cur(p), "not") || cur(p)->type == TK_BANG) {
		/* "decnet src not 1.1": libpcap lets a value be negated in place */
		p->pos++;
		n = parse_id(p, q);
		if (n && (n = node2(p, NK_NOT, n, n)))
			n->r = NULL;
		return n;
	}
	if (q->proto == PR_DECNET && (cur(p)->type == TK_NUM || cur(p)->type == TK_IPV4))
		return parse_decnet(p, q);
	switch (cur(p)->type) {
	case TK_NUM:
		return parse_number(p, q);
	case TK_IPV4:
		if (q->proto == PR_LINK)
			return parse_name(p, q);
		return parse_ipv4(p, q);
	case TK_IPV6:
		return parse_ipv6(p, q);
	case TK_MAC:
		return parse_mac(p, q);
	default:
		return is_value(cur(p)) ? parse_name(p, q) : SYNTAX(p);
	}
}

/* ---- primitives ---- */

static bool parse_dir(struct parser *p, struct parse_qual *q)
{
	bool src = tok_is(cur(p), "src");

	if (!src && !tok_is(cur(p), "dst"))
		return false;
	p->pos++;
	q->dir = src ? DIR_SRC : DIR_DST;
	if ((tok_is(cur(p), "or") || tok_is(cur(p), "and")) &&
	    tok_is(peek(p, 1), src ? "dst" : "src")) {
		q->dir = tok_is(cur(p), "or") ? DIR_OR : DIR_AND;
		p->pos += 2;
	}
	return true;
}

static bool parse_addr_qual(struct parser *p, struct parse_qual *q)
{
	static const char *const words[] = { "host", "net", "port", "portrange", "proto",
					     "gateway", "protochain" };

	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (accept_word(p, words[i])) {
			q->addr = AQ_HOST + i;
			return true;
		}
	}
	return false;
}

/* "tcp", "ip6", "arp" alone. */
static struct rc_filter_node *proto_abbrev(struct parser *p, const struct parse_qual *q)
{
	static const struct { enum rc_filter_proto proto, on; uint32_t v; } tab[] = {
		{ PR_TCP, PR_DEFAULT, 6 }, { PR_UDP, PR_DEFAULT, 17 }, { PR_SCTP, PR_DEFAULT, 132 },
		{ PR_ICMP, PR_IP, 1 }, { PR_ICMP6, PR_IP6, 58 }, { PR_IGMP, PR_IP, 2 },
		{ PR_IGRP, PR_IP, 9 }, { PR_PIM, PR_DEFAULT, 103 }, { PR_VRRP, PR_IP, 112 },
		{ PR_CARP, PR_IP, 112 }, { PR_AH, PR_DEFAULT, 51 }, { PR_ESP, PR_DEFAULT, 50 },
		{ PR_IP, PR_LINK, 0x0800 }, { PR_IP6, PR_LINK, 0x86dd }, { PR_ARP, PR_LINK, 0x0806 },
		{ PR_RARP, PR_LINK, 0x8035 }, { PR_DECNET, PR_LINK, 0x6003 },
		{ PR_ISO, PR_LINK, 0xfe }, { PR_CLNP, PR_ISO, 0x81 }, { PR_ESIS, PR_ISO, 0x82 },
		{ PR_ISIS, PR_ISO, 0x83 },
	};
	struct rc_filter_node *n;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (tab[i].proto != q->proto)
			continue;
		if (!(n = node_new(p, tab[i].on == PR_LINK ? NK_ETHERTYPE :
				      tab[i].on == PR_ISO ? NK_ISO : NK_PROTO)))
			return NULL;
		n->proto = tab[i].on;
		n->v[0] = tab[i].v;
		return n;
	}
	return SEMANTIC(p, q->proto_tok, "link layer applied in wrong context");
}

static struct rc_filter_node *parse_cast(struct parser *p, const struct parse_qual *q)
{
	const struct rc_filter_token *t = cur(p);
	bool bcast = tok_is(t, "broadcast");
	enum rc_filter_kind k;

	p->pos++;
	switch (q->proto) {
	case PR_DEFAULT:
	case PR_LINK:
		k = bcast ? NK_EBCAST : NK_EMCAST;
		break;
	case PR_IP:
		if (bcast && !p->cfg->netmask)
			return SEMANTIC(p, t, "netmask not known, so 'ip broadcast' not supported");
		k = bcast ? NK_IPBCAST : NK_IPMCAST;
		break;
	case PR_IP6:
		if (bcast)
			return SEMANTIC(p, t, "only link-layer/IP broadcast filters supported");
		k = NK_IP6MCAST;
		break;
	default:
		return SEMANTIC(p, t, "'%s' is not a valid qualifier for '%.*s'",
				proto_name(q->proto), (int)t->len, t->text);
	}
	return node_new(p, k);
}

static struct rc_filter_node *parse_qualified(struct parser *p)
{
	struct parse_qual q = { .proto = PR_DEFAULT };
	bool has_dir, has_addr;

	if (word_proto(cur(p), &q.proto))
		q.proto_tok = &p->t[p->pos++];
	has_dir = parse_dir(p, &q);
	has_addr = parse_addr_qual(p, &q);
	if (has_dir && (q.addr == AQ_PROTO || q.addr == AQ_PROTOCHAIN))
		return fail_at(p, cur(p) - 1, false, "syntax error");
	if (has_dir || has_addr)
		return parse_id(p, &q);
	if (tok_is(cur(p), "broadcast") || tok_is(cur(p), "multicast"))
		return parse_cast(p, &q);
	/* "tcp or 80" is an error in libpcap: nothing to inherit. */
	p->last = (struct parse_qual){ .proto = PR_DEFAULT, .addr = AQ_GATEWAY };
	if (is_value(cur(p)))
		return SYNTAX(p);
	return proto_abbrev(p, &q);
}

/* Packet type and interface: the kernel knows them in a live capture
 * (ancillary loads), an SLL2 file has them in each packet's header, an
 * SLL (v1) file only the packet type. */
static bool parse_knows_direction(const struct parser *p, enum rc_filter_kind k)
{
	return p->cfg->linux_ext || p->cfg->linktype == RC_LINKTYPE_LINUX_SLL2 ||
	       (p->cfg->linktype == RC_LINKTYPE_LINUX_SLL && k != NK_IFINDEX);
}

/* vlan/mpls/pppoes with an optional number, pppoed, inbound/outbound. */
static struct rc_filter_node *parse_link_keyword(struct parser *p)
{
	static const struct { const char *word; enum rc_filter_kind kind; uint32_t max; } tab[] = {
		{ "vlan", NK_VLAN, 4095 }, { "mpls", NK_MPLS, 1048575 },
		{ "pppoes", NK_PPPOES, 65535 }, { "pppoed", NK_PPPOED, 0 },
		{ "inbound", NK_INBOUND, 0 }, { "outbound", NK_OUTBOUND, 0 },
		{ "less", NK_LESS, UINT32_MAX }, { "greater", NK_GREATER, UINT32_MAX },
		{ "ifindex", NK_IFINDEX, UINT32_MAX }, { "vxlan", NK_VXLAN, 0xffffff },
		{ "geneve", NK_GENEVE, 0xffffff },
	};
	const struct rc_filter_token *t = cur(p);
	struct rc_filter_node *n;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!tok_is(t, tab[i].word))
			continue;
		p->pos++;
		if ((tab[i].kind == NK_INBOUND || tab[i].kind == NK_OUTBOUND ||
		     tab[i].kind == NK_IFINDEX) && !parse_knows_direction(p, tab[i].kind))
			return p->cfg->linktype && p->cfg->linktype != RC_LINKTYPE_ETHERNET
				? SEMANTIC(p, t, "'%s' not supported on %s when reading savefiles",
					   tab[i].word, rc_filter_link_name(p->cfg->linktype))
				: SEMANTIC(p, t, "not a live capture, '%s' not supported", tab[i].word);
		if (!(n = node_new(p, tab[i].kind)))
			return NULL;
		if (tab[i].max && cur(p)->type == TK_NUM) {
			if (cur(p)->num > tab[i].max)
				return SEMANTIC(p, cur(p), "%s %u greater than maximum %u",
						tab[i].word, cur(p)->num, tab[i].max);
			n->v[0] = cur(p)->num;
			n->has_value = 1;
			p->pos++;
		} else if (tab[i].kind == NK_LESS || tab[i].kind == NK_GREATER ||
			   tab[i].kind == NK_IFINDEX) {
			return SYNTAX(p);
		}
		return n;
	}
	return NULL;
}

/* Link-layer protocols named by a single word: an Ethernet type, or an
 * 802.2 LLC SAP (gen.c tells them apart by value, as libpcap does). The
 * values are names.c's, the one table of them. */
static struct rc_filter_node *parse_link_abbrev(struct parser *p)
{
	static const char *const words[] = {
		"lat", "atalk", "aarp", "ipx", "mopdl", "moprc", "sca", "stp", "netbeui",
	};
	struct rc_filter_node *n;
	uint32_t type;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!rc_filter_ether_proto_number(words[i], strlen(words[i]), &type) ||
		    !accept_word(p, words[i]))
			continue;
		if ((n = node_new(p, NK_ETHERTYPE)))
			n->v[0] = type;
		return n;
	}
	return NULL;
}

/* IS-IS PDU classes (ISO 10589 PDU type numbers). */
static struct rc_filter_node *parse_isis_class(struct parser *p)
{
	static const struct { const char *word; uint32_t n, types[5]; } tab[] = {
		{ "l1", 5, { 0x1a, 0x18, 0x12, 0x0f, 0x11 } },
		{ "l2", 5, { 0x1b, 0x19, 0x14, 0x10, 0x11 } },
		{ "iih", 3, { 0x11, 0x0f, 0x10 } }, { "lsp", 2, { 0x12, 0x14 } },
		{ "snp", 4, { 0x1b, 0x1a, 0x18, 0x19 } }, { "csnp", 2, { 0x18, 0x19 } },
		{ "psnp", 2, { 0x1a, 0x1b } },
	};
	struct rc_filter_node *n;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!accept_word(p, tab[i].word))
			continue;
		if ((n = node_new(p, NK_ISIS))) {
			memcpy(n->v, tab[i].types, sizeof(tab[i].types));
			n->v[5] = tab[i].n;
		}
		return n;
	}
	return NULL;
}

/* "llc" and its frame types and commands (IEEE 802.2 control field). */
static struct rc_filter_node *parse_llc(struct parser *p)
{
	static const struct { const char *word; uint32_t kind, value; } tab[] = {
		{ "i", 1, 0 }, { "s", 2, 0 }, { "u", 3, 0 }, { "rr", 4, 0x01 }, { "rnr", 4, 0x05 },
		{ "rej", 4, 0x09 }, { "ui", 5, 0x03 }, { "ua", 5, 0x63 }, { "disc", 5, 0x43 },
		{ "dm", 5, 0x0f }, { "sabme", 5, 0x6f }, { "test", 5, 0xe3 }, { "xid", 5, 0xaf },
		{ "frmr", 5, 0x87 },
	};
	struct rc_filter_node *n;

	if (!accept_word(p, "llc") || !(n = node_new(p, NK_LLC)))
		return NULL;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (accept_word(p, tab[i].word)) {
			n->v[0] = tab[i].kind;
			n->v[1] = tab[i].value;
			break;
		}
	}
	return n;
}

static struct rc_filter_node *parse_expr(struct parser *p);

/* Tries an arithmetic relation at the current token; rewinds on failure. */
static struct rc_filter_node *try_relation(struct parser *p, bool *tried)
{
	size_t save = p->pos;
	struct rc_filter_node *n = parse_relation(p);

	*tried = true;
	if (!n && !p->fatal && !p->nomem)
		p->pos = save;
	return n;
}

static bool starts_relation(const struct parser *p)
{
	const struct rc_filter_token *t = cur(p);
	enum rc_filter_proto pr;
	uint32_t v;

	return t->type == TK_NUM || t->type == TK_MINUS || t->type == TK_LPAREN ||
	       tok_is(t, "len") || (word_proto(t, &pr) && peek(p, 1)->type == TK_LBRACK) ||
	       (t->type == TK_WORD && rc_filter_arith_constant(t->text, t->len, &v));
}

static struct rc_filter_node *parse_primary(struct parser *p)
{
	const struct rc_filter_token *t = cur(p);
	struct rc_filter_node *n;
	enum rc_filter_proto pr;
	bool tried = false;

	if (starts_relation(p) && ((n = try_relation(p, &tried)) || p->fatal || p->nomem))
		return n;
	if (take(p, TK_LPAREN)) {
		n = parse_expr(p);
		return n && take(p, TK_RPAREN) ? n : (n ? SYNTAX(p) : NULL);
	}
	if ((n = parse_link_keyword(p)) || p->fatal || p->nomem)
		return n;
	if ((n = parse_link_abbrev(p)) || (n = parse_llc(p)) || (n = parse_isis_class(p)) ||
	    p->nomem)
		return n;
	if (tok_is(t, "broadcast") || tok_is(t, "multicast") || word_proto(t, &pr) ||
	    tok_is(t, "src") || tok_is(t, "dst") || tok_is(t, "host") || tok_is(t, "net") ||
	    tok_is(t, "port") || tok_is(t, "portrange") || tok_is(t, "proto") ||
	    tok_is(t, "gateway") || tok_is(t, "protochain"))
		return parse_qualified(p);
	if (is_value(t)) {
		if (p->last.addr == AQ_GATEWAY)
			return SYNTAX(p);
		return parse_id(p, &p->last);
	}
	return SYNTAX(p);
}

static struct rc_filter_node *parse_unary(struct parser *p)
{
	struct rc_filter_node *n;

	if (++p->depth > PARSE_MAX_DEPTH)
		return SEMANTIC(p, cur(p), "expression nested too deeply");
	if (accept_word(p, "not") || take(p, TK_BANG)) {
		n = parse_unary(p);
		if (n && (n = node2(p, NK_NOT, n, n)))
			n->r = NULL;
	} else {
		n = parse_primary(p);
	}
	p->depth--;
	return n;
}

static struct rc_filter_node *parse_expr(struct parser *p)
{
	struct rc_filter_node *l = parse_unary(p);

	while (l) {
		enum rc_filter_kind k;

		if (accept_word(p, "and") || take(p, TK_ANDAND))
			k = NK_AND;
		else if (accept_word(p, "or") || take(p, TK_OROR))
			k = NK_OR;
		else
			break;
		l = node2(p, k, l, parse_unary(p));
	}
	return l;
}

int rc_filter_parse(const struct rc_filter_token *toks, const struct rc_filter_config *cfg,
		    struct rc_filter_arena *arena, struct rc_filter_node **ret,
		    struct rc_filter_error *err)
{
	struct parser p = { .t = toks, .cfg = cfg, .arena = arena, .err = err,
			    .err_pos = SIZE_MAX, .last = { .proto = PR_DEFAULT } };
	struct rc_filter_node *root;

	if (toks[0].type == TK_EOF) {
		*ret = NULL;
		return 0;
	}
	root = parse_expr(&p);
	if (root && cur(&p)->type != TK_EOF)
		root = SYNTAX(&p);
	if (p.nomem)
		return -ENOMEM;
	if (!root)
		return -EINVAL;
	*ret = root;
	return 0;
}
