/* SPDX-License-Identifier: MIT */
/*
 * pcapng.c - pcapng blocks (pcapng draft: 3.1 block structure, 3.5
 * options, 4.1 SHB, 4.2 IDB, 4.3 EPB, 4.4 SPB, appendix A obsolete PB).
 *
 * DESIGN: one loop walks blocks; the generic rules (length at least 12, a
 * multiple of 4, equal in header and trailer, the whole block present)
 * are checked once there, before any block type's parser runs, so each
 * parser only checks its own fields against a body it knows is complete.
 * A Section Header Block restarts byte order and interface numbering
 * (3.2: interface ids are per section); ids we hand out stay global so a
 * caller can tell two sections' interface 0 apart. Unknown block types
 * are skipped, as the spec asks (3.1).
 *
 * Beyond the block rules, a defect is refused when tshark refuses it too
 * (an EPB option of the wrong length, a name record past its block), and
 * read with a warning through the log hook when tshark reads it (rd_warn:
 * a captured length over the original, an ISB naming no interface, an IDB
 * or ISB option of the wrong length); RINGCAP-EXPECT.tsv in the test
 * corpus (tests/data/pcapng-corpus) lists one file per case.
 */
#include "reader_internal.h"

#include "formats.h"

#include <errno.h>
#include <string.h>

/* Block types the reader knows; the ones the writer writes too come from
 * common/formats.h. */
#define BT_SHB RC_PCAPNG_SHB
#define BT_IDB RC_PCAPNG_IDB
#define BT_PB 0x00000002u
#define BT_SPB 0x00000003u
#define BT_NRB 0x00000004u
#define BT_ISB RC_PCAPNG_ISB
#define BT_EPB RC_PCAPNG_EPB
#define BOM RC_PCAPNG_BYTE_ORDER_MAGIC

#define OPT_ENDOFOPT 0
#define IF_NAME 2
#define IF_TSRESOL 9
#define IF_TSOFFSET 14

#define BLOCK_MIN 12u /* type, length, trailing length */
#define SHB_MIN 28u

struct block {
	uint32_t type;
	uint64_t off;        /* of the block in the file */
	const uint8_t *body; /* after type and length */
	uint32_t len;        /* of the body */
};

static uint64_t body_off(const struct block *b, const uint8_t *p)
{
	return b->off + 8 + (uint64_t)(p - b->body);
}

struct opt_rule;
static int opts_check(struct rc_reader *r, const struct block *b, const uint8_t *p,
		      const struct opt_rule *rules, size_t n_rules);

/* Checks the generic block rules and makes the whole block readable. */
static int block_load(struct rc_reader *r, uint32_t min, struct block *ret)
{
	uint64_t off = r->base_off;
	uint32_t len = rd32(r, r->data + r->start + 4);
	int e;

	if (len < min)
		return rd_fail(r, off, "block length %u is less than the minimum %u", len, min);
	if (len % 4)
		return rd_fail(r, off, "block length %u is not a multiple of 4", len);
	if (len > RD_MAX_BLOCK)
		return rd_fail(r, off, "block length %u is larger than the %u this reader accepts",
			       len, RD_MAX_BLOCK);
	e = rd_fill(r, len);
	if (e < 0)
		return e;
	if (e > 0)
		return rd_fail(r, off, "block of %u bytes is cut short by the end of the file "
			       "(%zu bytes left)", len, r->end - r->start);
	if (rd32(r, r->data + r->start + len - 4) != len)
		return rd_fail(r, off, "block length %u in the header and %u in the trailer differ",
			       len, rd32(r, r->data + r->start + len - 4));
	*ret = (struct block){ .type = rd32(r, r->data + r->start), .off = off,
			       .body = r->data + r->start + 8, .len = len - BLOCK_MIN };
	return 0;
}

static int shb_parse(struct rc_reader *r, struct block *b)
{
	uint32_t bom;
	uint16_t major, minor;
	int e = rd_fill(r, 12);

	if (e < 0)
		return e;
	if (e > 0)
		return rd_fail(r, r->base_off, "Section Header Block is cut short (%zu of 12 bytes "
			       "up to the byte-order magic)", r->end - r->start);
	memcpy(&bom, r->data + r->start + 8, 4);
	if (bom != BOM && bom != __builtin_bswap32(BOM))
		return rd_fail(r, r->base_off + 8, "byte-order magic 0x%08x is not 0x1A2B3C4D in "
			       "either byte order", bom);
	r->swapped = bom != BOM;
	if ((e = block_load(r, SHB_MIN, b)) < 0)
		return e;
	major = rd16(r, b->body + 4);
	minor = rd16(r, b->body + 6);
	/* 1.2 was written by some old tools and means the same as 1.0
	 * (pcapng draft 4.1); 1.1 never existed. */
	if (major != 1 || (minor != 0 && minor != 2))
		return rd_fail(r, b->off + 12, "unsupported pcapng version %u.%u (1.0 expected)",
			       major, minor);
	r->section++;
	r->section_first = r->n_ifaces;
	return opts_check(r, b, b->body + 16, NULL, 0);
}

/* Next option at *p, or 0 at the end of the list. An option running
 * past the block is refused everywhere (tshark does too); an
 * opt_endofopt with a length only in an IDB, as libpcap does, and merely
 * reported elsewhere, as tshark reads such files. */
static int opt_next(struct rc_reader *r, const struct block *b, const uint8_t **p,
		    const uint8_t *end, uint16_t *code, uint16_t *len)
{
	const uint8_t *o = *p;

	if (end - o < 4)
		return 0; /* no room for another option header: the list just ends */
	*code = rd16(r, o);
	*len = rd16(r, o + 2);
	if ((size_t)(end - o - 4) < ((size_t)*len + 3) / 4 * 4)
		return rd_fail(r, body_off(b, o), "option %u of length %u runs past the end of "
			       "the block", *code, *len);
	if (*code == OPT_ENDOFOPT && *len && b->type == BT_IDB)
		return rd_fail(r, body_off(b, o), "opt_endofopt has length %u, not 0", *len);
	if (*code == OPT_ENDOFOPT && *len)
		rd_warn(r, RD_W_ENDOFOPT_LEN, body_off(b, o), "opt_endofopt has length %u, not 0",
			*len);
	*p = o + 4 + ((size_t)*len + 3) / 4 * 4;
	return *code != OPT_ENDOFOPT;
}

/* Options of a fixed length (pcapng draft 4.2, 4.3, 4.6); most may
 * appear once per block. */
struct opt_rule {
	uint16_t code, len;
	bool many;
	const char *name;
};

static const struct opt_rule idb_rules[] = {
	{ 4, 8, true, "if_IPv4addr" }, { 5, 17, true, "if_IPv6addr" },
	{ 6, 6, false, "if_MACaddr" }, { 7, 8, false, "if_EUIaddr" },
	{ 8, 8, false, "if_speed" }, { 10, 4, false, "if_tzone" },
	{ 13, 1, false, "if_fcslen" }, { 16, 8, false, "if_txspeed" },
	{ 17, 8, false, "if_rxspeed" },
};
static const struct opt_rule epb_rules[] = {
	{ 2, 4, false, "epb_flags" }, { 4, 8, false, "epb_dropcount" },
	{ 5, 8, false, "epb_packetid" }, { 6, 4, false, "epb_queue" },
};
static const struct opt_rule isb_rules[] = {
	{ 2, 8, false, "isb_starttime" }, { 3, 8, false, "isb_endtime" },
	{ 4, 8, false, "isb_ifrecv" }, { 5, 8, false, "isb_ifdrop" },
	{ 6, 8, false, "isb_filteraccept" }, { 7, 8, false, "isb_osdrop" },
	{ 8, 8, false, "isb_usrdeliv" },
};
#define RULES(a) a, sizeof(a) / sizeof(a[0])

/* A wrong length is refused in an EPB, as tshark refuses it there (the
 * packet's flags or counters would be garbage), and reported in an IDB
 * or ISB, whose fields tshark just leaves out; a repeat is reported. */
static int opt_rule_apply(struct rc_reader *r, const struct block *b, uint64_t off, uint16_t code,
			  uint16_t len, const struct opt_rule *rules, size_t n_rules, uint32_t *seen)
{
	for (size_t i = 0; i < n_rules; i++) {
		if (rules[i].code != code)
			continue;
		if (len != rules[i].len && b->type == BT_EPB)
			return rd_fail(r, off, "%s has length %u, not %u", rules[i].name, len,
				       rules[i].len);
		if (len != rules[i].len)
			rd_warn(r, RD_W_OPT_LEN, off, "%s has length %u, not %u", rules[i].name, len,
				rules[i].len);
		if ((*seen & (1u << i)) && !rules[i].many)
			rd_warn(r, RD_W_OPT_REPEATED, off, "%s appears more than once in one block",
				rules[i].name);
		*seen |= 1u << i;
	}
	return 0;
}

/* Walks the options from p to the end of the block against rules. */
static int opts_check(struct rc_reader *r, const struct block *b, const uint8_t *p,
		      const struct opt_rule *rules, size_t n_rules)
{
	const uint8_t *end = b->body + b->len;
	uint32_t seen = 0;
	uint16_t code, len;
	int e;

	while ((e = opt_next(r, b, &p, end, &code, &len)) > 0) {
		uint64_t off = body_off(b, p - ((size_t)len + 3) / 4 * 4 - 4);

		if ((e = opt_rule_apply(r, b, off, code, len, rules, n_rules, &seen)) < 0)
			return e;
	}
	return e;
}

static int idb_tsresol(struct rc_reader *r, uint64_t off, struct rd_iface *ifc, uint8_t v)
{
	static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
					  100000000, 1000000000, 10000000000ull };
	unsigned exp = v & 0x7F;

	if (v & 0x80) {
		/* 2^-exp seconds: 2^63 is the finest a 64-bit divisor holds. */
		if (exp > 63)
			return rd_fail(r, off, "if_tsresol 2^-%u is finer than 2^-63", exp);
		ifc->mul = 1000000000;
		ifc->div = 1ull << exp;
	} else if (exp <= 9) {
		ifc->mul = pow10[9 - exp];
		ifc->div = 1;
	} else {
		/* 10^-19 is the finest whose units still fit a 64-bit divisor. */
		if (exp > 19)
			return rd_fail(r, off, "if_tsresol 10^-%u is finer than 10^-19", exp);
		ifc->mul = 1;
		ifc->div = pow10[exp - 9];
	}
	return 0;
}

static int idb_option(struct rc_reader *r, uint64_t off, struct rd_iface *ifc, uint16_t code,
		      uint16_t len, const uint8_t *v, unsigned *seen)
{
	unsigned bit = code == IF_TSRESOL ? 1 : code == IF_TSOFFSET ? 2 : 0;
	unsigned want = code == IF_TSRESOL ? 1 : 8;

	if (code == IF_NAME) {
		size_t n = len < RD_NAME_MAX - 1 ? len : RD_NAME_MAX - 1;

		memcpy(ifc->name, v, n);
		ifc->name[n] = 0;
		return 0;
	}
	if (!bit)
		return 0;
	if (*seen & bit)
		return rd_fail(r, off, "more than one %s option in one Interface Description Block",
			       bit == 1 ? "if_tsresol" : "if_tsoffset");
	*seen |= bit;
	if (len != want)
		return rd_fail(r, off, "%s has length %u, not %u",
			       bit == 1 ? "if_tsresol" : "if_tsoffset", len, want);
	if (bit == 1)
		return idb_tsresol(r, off, ifc, v[0]);
	ifc->offset_s = (int64_t)rd64(r, v);
	return 0;
}

static int idb_parse(struct rc_reader *r, const struct block *b)
{
	const uint8_t *p = b->body + 8, *end = b->body + b->len;
	struct rd_iface *ifc;
	unsigned seen = 0;
	uint32_t seen_fixed = 0;
	uint16_t code, len;
	int e;

	if (b->len < 8)
		return rd_fail(r, b->off, "Interface Description Block body of %u bytes is shorter "
			       "than 8", b->len);
	ifc = rd_iface_add(r, rd16(r, b->body), rd32(r, b->body + 4));
	if (!ifc)
		return rd_fail(r, b->off, "more than %u interfaces", RD_MAX_IFACES);
	while ((e = opt_next(r, b, &p, end, &code, &len)) > 0) {
		const uint8_t *v = p - ((size_t)len + 3) / 4 * 4;

		e = idb_option(r, body_off(b, v - 4), ifc, code, len, v, &seen);
		if (e == 0)
			e = opt_rule_apply(r, b, body_off(b, v - 4), code, len, RULES(idb_rules),
					   &seen_fixed);
		if (e < 0)
			return e;
	}
	return e;
}

static const struct rd_iface *packet_iface(struct rc_reader *r, const struct block *b,
					   uint32_t id)
{
	if (id >= r->n_ifaces - r->section_first) {
		rd_fail(r, b->off, "packet names interface %u but the section has %u Interface "
			"Description Blocks before it", id, r->n_ifaces - r->section_first);
		return NULL;
	}
	return &r->ifaces[r->section_first + id];
}

/* ISB (4.6): nothing here is handed out, but its interface MUST exist and
 * its counters have fixed sizes. */
static int isb_parse(struct rc_reader *r, const struct block *b)
{
	uint32_t id;

	if (b->len < 12)
		return rd_fail(r, b->off, "Interface Statistics Block body of %u bytes is shorter "
			       "than 12", b->len);
	id = rd32(r, b->body);
	if (id >= r->n_ifaces - r->section_first)
		rd_warn(r, RD_W_ISB_IFACE, b->off, "Interface Statistics Block names interface %u "
			"but the section has %u Interface Description Blocks before it", id,
			r->n_ifaces - r->section_first);
	return opts_check(r, b, b->body + 12, RULES(isb_rules));
}

/* NRB (4.5): records (type, length, value padded to 32 bits) up to
 * nrb_record_end, then options. Names are not used, but a record running
 * past its block is a broken file, and tshark refuses it. */
static int nrb_parse(struct rc_reader *r, const struct block *b)
{
	const uint8_t *p = b->body, *end = b->body + b->len;

	while (end - p >= 4) {
		uint16_t type = rd16(r, p), len = rd16(r, p + 2);

		if ((size_t)(end - p - 4) < ((size_t)len + 3) / 4 * 4)
			return rd_fail(r, body_off(b, p), "name resolution record of length %u runs "
				       "past the end of the block", len);
		p += 4 + ((size_t)len + 3) / 4 * 4;
		if (type == 0)
			return opts_check(r, b, p, NULL, 0);
	}
	return 0;
}

/* EPB (4.3) and the obsolete PB (appendix A) differ only in the width
 * of the interface id. */
static int epb_parse(struct rc_reader *r, const struct block *b, bool obsolete,
		     struct rc_reader_packet *ret)
{
	const struct rd_iface *ifc;
	uint32_t id, caplen;
	uint64_t units;
	int e;

	if (b->len < 20)
		return rd_fail(r, b->off, "packet block body of %u bytes is shorter than 20", b->len);
	id = obsolete ? rd16(r, b->body) : rd32(r, b->body);
	if (!(ifc = packet_iface(r, b, id)))
		return -EBADMSG;
	caplen = rd32(r, b->body + 12);
	if (caplen > b->len - 20)
		return rd_fail(r, b->off + 20, "captured length %u runs past the end of the block",
			       caplen);
	if (!obsolete && (e = opts_check(r, b, b->body + 20 + ((size_t)caplen + 3) / 4 * 4,
					 RULES(epb_rules))) < 0)
		return e;
	units = (uint64_t)rd32(r, b->body + 4) << 32 | rd32(r, b->body + 8);
	*ret = (struct rc_reader_packet){ .data = b->body + 20, .caplen = caplen,
					  .origlen = rd32(r, b->body + 16),
					  .iface = (uint32_t)(ifc - r->ifaces),
					  .linktype = ifc->linktype, .offset = b->off };
	rd_packet_lengths(r, ifc, ret);
	rd_ts(r, ifc, units, ret);
	return 0;
}

/* SPB (4.4): no timestamp and no captured length; the packet is what
 * fits, cut at interface 0's snaplen. */
static int spb_parse(struct rc_reader *r, const struct block *b, struct rc_reader_packet *ret)
{
	const struct rd_iface *ifc;
	uint32_t caplen;

	if (b->len < 4)
		return rd_fail(r, b->off, "Simple Packet Block body of %u bytes is shorter than 4",
			       b->len);
	if (!(ifc = packet_iface(r, b, 0)))
		return -EBADMSG;
	caplen = rd32(r, b->body);
	if (caplen > b->len - 4)
		caplen = b->len - 4;
	if (ifc->snaplen && caplen > ifc->snaplen)
		caplen = ifc->snaplen;
	*ret = (struct rc_reader_packet){ .data = b->body + 4, .caplen = caplen,
					  .origlen = rd32(r, b->body),
					  .iface = (uint32_t)(ifc - r->ifaces),
					  .linktype = ifc->linktype, .offset = b->off };
	return 0;
}

/* 1 with a packet, 0 for a block that holds none. */
static int block_parse(struct rc_reader *r, uint32_t type, const struct block *b,
		       struct rc_reader_packet *ret)
{
	int e;

	switch (type) {
	case BT_IDB:
		return idb_parse(r, b);
	case BT_EPB:
	case BT_PB:
		e = epb_parse(r, b, type == BT_PB, ret);
		return e < 0 ? e : 1;
	case BT_SPB:
		e = spb_parse(r, b, ret);
		return e < 0 ? e : 1;
	case BT_ISB:
		return isb_parse(r, b);
	case BT_NRB:
		return nrb_parse(r, b);
	default:
		return 0;
	}
}

int rd_pcapng_next(struct rc_reader *r, struct rc_reader_packet *ret)
{
	struct block b;
	uint32_t type;
	int e;

	for (;;) {
		e = rd_fill(r, 8);
		if (e < 0)
			return e;
		if (e > 0 && r->end == r->start)
			return 0;
		if (e > 0)
			return rd_fail(r, r->base_off, "block header is cut short by the end of "
				       "the file (%zu of 8 bytes)", r->end - r->start);
		type = rd32(r, r->data + r->start);
		if (type == BT_SHB)
			e = shb_parse(r, &b);
		else
			e = block_load(r, BLOCK_MIN, &b);
		if (e < 0)
			return e;
		e = type == BT_SHB ? 0 : block_parse(r, type, &b, ret);
		if (e < 0)
			return e;
		rd_take(r, b.len + BLOCK_MIN);
		if (e > 0) {
			ret->number = ++r->number;
			return 1;
		}
	}
}
