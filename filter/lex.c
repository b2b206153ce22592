/* SPDX-License-Identifier: MIT */
/*
 * lex.c - splits a filter expression into tokens, all of them up front.
 *
 * DESIGN: a token array (not a pull lexer) lets the parser backtrack by
 * saving an index. The lexer follows libpcap's scanner where the language
 * is ambiguous: a word may hold '-' and '.' ("tcp-syn", "20-30", a host
 * name), an IPv6 address or MAC address is recognised as a whole before a
 * ':' can be read as the "[off:size]" separator, and keywords are not
 * reserved here: the parser decides, so "\tcp" can name a protocol.
 */
#include "filter_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rc_filter_set_error(struct rc_filter_error *err, const struct rc_filter_token *t,
			 const char *fmt, ...)
{
	va_list ap;
	unsigned n;

	if (!err)
		return;
	err->column = t->col;
	n = t->len < sizeof(err->token) - 1 ? t->len : (unsigned)sizeof(err->token) - 1;
	memcpy(err->token, t->text, n);
	err->token[n] = 0;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static bool lex_is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

/* Two-character operators first, so "<=" is not "<" "=". */
static unsigned lex_punct(const char *s, enum rc_filter_tok *ret)
{
	static const struct { const char *text; enum rc_filter_tok type; } ops[] = {
		{ "<<", TK_LSH }, { ">>", TK_RSH }, { "==", TK_EQ }, { "!=", TK_NE },
		{ "<=", TK_LE }, { ">=", TK_GE }, { "&&", TK_ANDAND }, { "||", TK_OROR },
		{ "(", TK_LPAREN }, { ")", TK_RPAREN }, { "[", TK_LBRACK }, { "]", TK_RBRACK },
		{ ":", TK_COLON }, { "+", TK_PLUS }, { "-", TK_MINUS }, { "*", TK_STAR },
		{ "/", TK_SLASH }, { "%", TK_PERCENT }, { "&", TK_AMP }, { "|", TK_PIPE },
		{ "^", TK_CARET }, { "=", TK_EQ }, { "<", TK_LT }, { ">", TK_GT }, { "!", TK_BANG },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (strncmp(s, ops[i].text, n) == 0) {
			*ret = ops[i].type;
			return (unsigned)n;
		}
	}
	return 0;
}

/* xx:xx:xx:xx:xx:xx with one or two hex digits per octet. */
static bool lex_mac(const char *s, size_t n, uint8_t out[6])
{
	unsigned octet = 0;

	for (size_t i = 0; i < n; octet++) {
		size_t start = i;
		unsigned v = 0;

		if (octet == 6)
			return false;
		while (i < n && isxdigit((unsigned char)s[i]) && i - start < 2) {
			v = v * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0'
							: (tolower((unsigned char)s[i]) - 'a' + 10));
			i++;
		}
		if (i == start || (i < n && s[i] != ':') || (i + 1 == n && s[i] == ':'))
			return false;
		out[octet] = (uint8_t)v;
		if (i < n)
			i++;
	}
	return octet == 6;
}

/* An address with colons: MAC or IPv6. Returns its length or 0. */
static unsigned lex_colon_addr(const char *s, struct rc_filter_token *t)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF:.");
	char buf[64];

	if (!memchr(s, ':', n) || n >= sizeof(buf) || lex_is_word_char(s[n]))
		return 0;
	if (lex_mac(s, n, t->addr)) {
		t->type = TK_MAC;
		return (unsigned)n;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(AF_INET6, buf, t->addr) == 1) {
		t->type = TK_IPV6;
		return (unsigned)n;
	}
	return 0;
}

/* libpcap reads numbers as C does: 0x hex, leading-0 octal, else decimal.
 * Returns 1 and the value, 0 if s is not a number, -1 if it is one that
 * does not fit in 32 bits. */
static int lex_number(const char *s, size_t n, uint32_t *ret)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;
	bool big = false;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (n > 1 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	for (; i < n; i++) {
		int c = tolower((unsigned char)s[i]);
		unsigned d = isdigit(c) ? (unsigned)(c - '0') : isxdigit(c) ? (unsigned)(c - 'a' + 10) : 99;

		if (d >= base)
			return 0;
		v = v * base + d;
		if (v > UINT32_MAX) {
			big = true;
			v = UINT32_MAX; /* keep scanning: "1234567890123abc" is a word */
		}
	}
	if (big)
		return -1;
	*ret = (uint32_t)v;
	return 1;
}

static void lex_classify_word(struct rc_filter_token *t)
{
	const char *s = t->text;
	size_t digits_dots = strspn(s, "0123456789.");
	int num = isdigit((unsigned char)s[0]) ? lex_number(s, t->len, &t->num) : 0;

	if (digits_dots >= t->len && memchr(s, '.', t->len))
		t->type = TK_IPV4;
	else if (num == 1)
		t->type = TK_NUM;
	else if (num == -1)
		t->type = TK_BIGNUM;
	else
		t->type = TK_WORD;
}

static unsigned lex_word(const char *s)
{
	unsigned n = 0;

	while (lex_is_word_char(s[n]))
		n++;
	while (n > 0 && (s[n - 1] == '-' || s[n - 1] == '_'))
		n--;
	return n;
}

/* One token at s; sets type and len (0 len: a character nothing accepts). */
static void lex_one(const char *s, struct rc_filter_token *t)
{
	if (*s == '\\') {
		t->len = 1 + lex_word(s + 1);
		t->type = t->len > 1 ? TK_ESC : TK_BAD;
		t->len = t->len > 1 ? t->len : 1;
		return;
	}
	if ((t->len = lex_colon_addr(s, t)) != 0)
		return;
	if (isalnum((unsigned char)*s) && (t->len = lex_word(s)) != 0) {
		lex_classify_word(t);
		return;
	}
	if ((t->len = lex_punct(s, &t->type)) != 0)
		return;
	t->type = TK_BAD;
	t->len = 1;
}

int rc_filter_lex(const char *expr, struct rc_filter_token **ret, struct rc_filter_error *err)
{
	struct rc_filter_token *toks = NULL;
	size_t n = 0, cap = 0;
	const char *s = expr;

	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct rc_filter_token *nt = realloc(toks, ncap * sizeof(*nt));

			if (!nt) {
				free(toks);
				return -ENOMEM;
			}
			toks = nt;
			cap = ncap;
		}
		memset(&toks[n], 0, sizeof(toks[n]));
		toks[n].text = s;
		toks[n].col = (unsigned)(s - expr) + 1;
		if (!*s)
			break;
		lex_one(s, &toks[n]);
		if (toks[n].type == TK_BAD || toks[n].type == TK_BIGNUM) {
			/* A too-big number once lexed as a word, and the parser then
			 * blamed whatever came before it. */
			rc_filter_set_error(err, &toks[n], toks[n].type == TK_BAD ? "illegal character"
					    : "constant out of 32-bit range (at most 4294967295)");
			free(toks);
			return -EINVAL;
		}
		s += toks[n++].len;
	}
	toks[n].type = TK_EOF;
	*ret = toks;
	return (int)n;
}
