/* SPDX-License-Identifier: MIT */
/*
 * pcapng_parse.c - see pcapng_parse.h. Host byte order only: the tests read
 * files written on the same machine.
 */
#include "pcapng_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint64_t rdts(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

static int fail(struct tp_file *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct tp_file *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->error, sizeof(f->error), fmt, ap);
	va_end(ap);
	return -1;
}

typedef int (*opt_fn)(struct tp_file *f, void *ctx, uint16_t code, const uint8_t *v, uint16_t len);

/* Walks an option list: padding must be zero and opt_endofopt must end it. */
static int walk_options(struct tp_file *f, const uint8_t *p, size_t len, opt_fn fn, void *ctx)
{
	size_t off = 0;

	if (len == 0)
		return 0;
	while (off + 4 <= len) {
		uint16_t code = rd16(p + off), olen = rd16(p + off + 2);
		size_t padded = (olen + 3u) & ~3u;

		if (code == 0)
			return olen == 0 && off + 4 == len ? 0 : fail(f, "opt_endofopt not last or not empty");
		if (off + 4 + padded > len)
			return fail(f, "option %u overruns its block", code);
		for (size_t i = olen; i < padded; i++)
			if (p[off + 4 + i])
				return fail(f, "option %u: non-zero padding", code);
		if (fn(f, ctx, code, p + off + 4, olen) < 0)
			return -1;
		off += 4 + padded;
	}
	return fail(f, "option list not terminated by opt_endofopt");
}

static void copy_str(char *dst, size_t size, const uint8_t *v, uint16_t len)
{
	size_t n = len < size - 1 ? len : size - 1;

	memcpy(dst, v, n);
	dst[n] = 0;
}

static int shb_opt(struct tp_file *f, void *ctx, uint16_t code, const uint8_t *v, uint16_t len)
{
	(void)ctx;
	if (code == 3)
		copy_str(f->shb_os, sizeof(f->shb_os), v, len);
	if (code == 4)
		copy_str(f->shb_userappl, sizeof(f->shb_userappl), v, len);
	return 0;
}

static int idb_opt(struct tp_file *f, void *ctx, uint16_t code, const uint8_t *v, uint16_t len)
{
	struct tp_idb *idb = ctx;

	if (code == 2)
		copy_str(idb->name, sizeof(idb->name), v, len);
	if (code == 9 && len != 1)
		return fail(f, "if_tsresol length %u", len);
	if (code == 9)
		idb->tsresol = v[0];
	if (code == 11 && len >= 1)
		copy_str(idb->filter, sizeof(idb->filter), v + 1, (uint16_t)(len - 1));
	return 0;
}

static int epb_opt(struct tp_file *f, void *ctx, uint16_t code, const uint8_t *v, uint16_t len)
{
	struct tp_epb *e = ctx;

	if (code == 2) {
		if (len != 4 || e->has_flags)
			return fail(f, "bad or repeated epb_flags");
		e->has_flags = true;
		e->flags = rd32(v);
	}
	if (code == 4) {
		if (len != 8 || e->has_dropcount)
			return fail(f, "bad or repeated epb_dropcount");
		e->has_dropcount = true;
		e->dropcount = rd64(v);
	}
	if (code == 1)
		copy_str(e->comment, sizeof(e->comment), v, len);
	return 0;
}

static int isb_opt(struct tp_file *f, void *ctx, uint16_t code, const uint8_t *v, uint16_t len)
{
	struct tp_isb *s = ctx;
	uint64_t x;

	if (code < 2 || code > 8)
		return 0;
	if (len != 8)
		return fail(f, "ISB option %u length %u", code, len);
	x = code <= 3 ? rdts(v) : rd64(v);
	switch (code) {
	case 2: s->starttime = x; s->has_starttime = true; break;
	case 3: s->endtime = x; s->has_endtime = true; break;
	case 4: s->ifrecv = x; s->has_ifrecv = true; break;
	case 6: s->filteraccept = x; s->has_filteraccept = true; break;
	case 7: s->osdrop = x; s->has_osdrop = true; break;
	case 8: s->usrdeliv = x; s->has_usrdeliv = true; break;
	default: break;
	}
	return 0;
}

static int parse_shb(struct tp_file *f, const uint8_t *b, uint32_t len)
{
	if (len < 28 || rd32(b + 8) != 0x1A2B3C4D)
		return fail(f, "bad SHB");
	if (rd16(b + 12) != 1 || rd16(b + 14) != 0)
		return fail(f, "SHB version %u.%u", rd16(b + 12), rd16(b + 14));
	f->n_shb++;
	return walk_options(f, b + 24, len - 28, shb_opt, NULL);
}

static int parse_idb(struct tp_file *f, const uint8_t *b, uint32_t len)
{
	struct tp_idb *idb;

	if (len < 20 || f->n_idb == 16)
		return fail(f, "bad IDB");
	idb = &f->idb[f->n_idb++];
	*idb = (struct tp_idb){ .linktype = rd16(b + 8), .snaplen = rd32(b + 12), .tsresol = -1 };
	return walk_options(f, b + 16, len - 20, idb_opt, idb);
}

static int parse_epb(struct tp_file *f, const uint8_t *b, uint32_t len)
{
	struct tp_epb e = { 0 };
	uint32_t padded;

	if (len < 32)
		return fail(f, "EPB too short");
	e.iface = rd32(b + 8);
	e.ts = rdts(b + 12);
	e.caplen = rd32(b + 20);
	e.origlen = rd32(b + 24);
	e.data = b + 28;
	padded = (e.caplen + 3u) & ~3u;
	if (e.iface >= f->n_idb)
		return fail(f, "EPB for interface %u with %u IDBs", e.iface, f->n_idb);
	if (28 + (uint64_t)padded + 4 > len)
		return fail(f, "EPB caplen %u overruns the block", e.caplen);
	for (uint32_t i = e.caplen; i < padded; i++)
		if (b[28 + i])
			return fail(f, "EPB: non-zero packet padding");
	if (walk_options(f, b + 28 + padded, len - 32 - padded, epb_opt, &e) < 0)
		return -1;
	if (f->n_epb % 1024 == 0) {
		struct tp_epb *n = realloc(f->epb, (f->n_epb + 1024) * sizeof(*n));

		if (!n)
			return fail(f, "out of memory");
		f->epb = n;
	}
	f->epb[f->n_epb++] = e;
	return 0;
}

static int parse_isb(struct tp_file *f, const uint8_t *b, uint32_t len)
{
	struct tp_isb *s;

	if (len < 24 || f->n_isb == 64)
		return fail(f, "bad ISB");
	s = &f->isb[f->n_isb++];
	*s = (struct tp_isb){ .iface = rd32(b + 8), .ts = rdts(b + 12) };
	if (s->iface >= f->n_idb)
		return fail(f, "ISB for interface %u with %u IDBs", s->iface, f->n_idb);
	return walk_options(f, b + 20, len - 24, isb_opt, s);
}

static int parse_block(struct tp_file *f, const uint8_t *b, uint32_t type, uint32_t len)
{
	if (f->n_shb == 0 && type != 0x0A0D0D0A)
		return fail(f, "file does not start with an SHB");
	switch (type) {
	case 0x0A0D0D0A:
		return parse_shb(f, b, len);
	case 1:
		return parse_idb(f, b, len);
	case 5:
		return parse_isb(f, b, len);
	case 6:
		return parse_epb(f, b, len);
	default:
		return 0;
	}
}

int tp_parse_buffer(uint8_t *buf, size_t len, struct tp_file *f)
{
	size_t off = 0;

	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->len = len;
	while (off < len) {
		uint32_t type, blen;

		if (len - off < 12)
			return fail(f, "truncated block at offset %zu", off);
		type = rd32(buf + off);
		blen = rd32(buf + off + 4);
		if (blen < 12 || blen % 4 || blen > len - off)
			return fail(f, "block at offset %zu: bad length %u", off, blen);
		if (rd32(buf + off + blen - 4) != blen)
			return fail(f, "block at offset %zu: trailing length differs", off);
		if (parse_block(f, buf + off, type, blen) < 0)
			return -1;
		off += blen;
	}
	return f->n_shb ? 0 : fail(f, "empty file");
}

int tp_parse_file(const char *path, struct tp_file *f)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0, n;

	memset(f, 0, sizeof(*f));
	if (!fp)
		return fail(f, "cannot open %s", path);
	do {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 1 << 20);

			if (!nb) {
				free(buf);
				fclose(fp);
				return fail(f, "out of memory");
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	if (tp_parse_buffer(buf, len, f) < 0) {
		f->buf = buf; /* keep for tp_free */
		return -1;
	}
	return 0;
}

void tp_free(struct tp_file *f)
{
	free(f->buf);
	free(f->epb);
	f->buf = NULL;
	f->epb = NULL;
}
