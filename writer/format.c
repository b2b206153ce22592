/* SPDX-License-Identifier: MIT */
/*
 * format.c - the writer's format table: pcapng (pcapng.c's encoders) and
 * classic pcap (encoded here: two fixed headers).
 *
 * DESIGN: classic pcap (pcap-savefile(5)) is written with the nanosecond
 * magic, or the microsecond one at RC_WRITER_TS_MICRO, in host byte order,
 * which the magic lets readers detect. Each format has an entry per
 * timestamp precision; the writer hands every encoder timestamps already
 * in the file's units. It has one link type and one
 * snaplen per file, no interface records, no statistics and no per-packet
 * options: epb_flags, drop counts and comments have no place in it, so with
 * pcap the kernel's drops are only in the capture's summary, not the file.
 * It also has no padding record, so a file cannot be padded to O_DIRECT's
 * alignment: pcap files are always written through the page cache.
 */
#include "format.h"

#include <string.h>

#include "formats.h"
#include "pcapng.h"

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

size_t pcap_file_head(uint8_t *buf, uint32_t snaplen, uint32_t linktype, bool micro)
{
	put32(buf, micro ? RC_PCAP_MAGIC_US : RC_PCAP_MAGIC_NS);
	put16(buf + 4, 2);  /* version_major */
	put16(buf + 6, 4);  /* version_minor */
	put32(buf + 8, 0);  /* thiszone: timestamps are UTC */
	put32(buf + 12, 0); /* sigfigs */
	put32(buf + 16, snaplen);
	put32(buf + 20, linktype);
	return PCAP_FILE_HEAD_LEN;
}

static size_t pcap_record_head(uint8_t *buf, const struct rc_writer_packet *pkt, uint32_t per_s)
{
	put32(buf, (uint32_t)(pkt->ts_ns / per_s));
	put32(buf + 4, (uint32_t)(pkt->ts_ns % per_s));
	put32(buf + 8, pkt->caplen);
	put32(buf + 12, pkt->origlen);
	return PCAP_RECORD_HEAD_LEN;
}

static size_t pcap_record_nodata_ns(uint8_t *buf, const struct rc_writer_packet *pkt, uint64_t drops)
{
	(void)drops;
	return pcap_record_head(buf, pkt, 1000000000u);
}

static size_t pcap_record_nodata_us(uint8_t *buf, const struct rc_writer_packet *pkt, uint64_t drops)
{
	(void)drops;
	return pcap_record_head(buf, pkt, 1000000u);
}

size_t pcap_record(uint8_t *buf, const struct rc_writer_packet *pkt)
{
	pcap_record_nodata_ns(buf, pkt, 0);
	memcpy(buf + PCAP_RECORD_HEAD_LEN, pkt->data, pkt->caplen);
	return PCAP_RECORD_HEAD_LEN + pkt->caplen;
}

static size_t pcap_record_us(uint8_t *buf, const struct rc_writer_packet *pkt, uint64_t drops)
{
	pcap_record_nodata_us(buf, pkt, drops);
	memcpy(buf + PCAP_RECORD_HEAD_LEN, pkt->data, pkt->caplen);
	return PCAP_RECORD_HEAD_LEN + pkt->caplen;
}

static size_t pcap_head_size(const struct format_head *h)
{
	(void)h;
	return PCAP_FILE_HEAD_LEN;
}

/* The largest snaplen; the link type all interfaces share (the writer
 * refused a set that does not). */
static size_t pcap_head(uint8_t *buf, const struct format_head *h, bool micro)
{
	uint32_t snaplen = 0;

	for (unsigned i = 0; i < h->n_ifaces; i++)
		if (h->ifaces[i].snaplen > snaplen)
			snaplen = h->ifaces[i].snaplen;
	return pcap_file_head(buf, snaplen, h->n_ifaces ? h->ifaces[0].linktype : 0, micro);
}

static size_t pcap_head_ns(uint8_t *buf, const struct format_head *h)
{
	return pcap_head(buf, h, false);
}

static size_t pcap_head_us(uint8_t *buf, const struct format_head *h)
{
	return pcap_head(buf, h, true);
}

static size_t pcap_iface_size(const struct rc_writer_iface *iface)
{
	(void)iface;
	return 0;
}

static size_t pcap_iface(uint8_t *buf, const struct rc_writer_iface *iface)
{
	(void)buf;
	(void)iface;
	return 0;
}

static size_t pcap_record_size(const struct rc_writer_packet *pkt, uint64_t drops)
{
	(void)drops;
	return PCAP_RECORD_HEAD_LEN + pkt->caplen;
}

static size_t pcap_record_ns(uint8_t *buf, const struct rc_writer_packet *pkt, uint64_t drops)
{
	(void)drops;
	return pcap_record(buf, pkt);
}

static size_t ng_head_size(const struct format_head *h)
{
	size_t len = pcapng_shb_size(h->hardware, h->os, h->userappl);

	for (unsigned i = 0; i < h->n_ifaces; i++)
		len += pcapng_idb_size(&h->ifaces[i]);
	return len;
}

static size_t ng_head(uint8_t *buf, const struct format_head *h, uint8_t tsresol)
{
	size_t len = pcapng_shb(buf, h->hardware, h->os, h->userappl);

	for (unsigned i = 0; i < h->n_ifaces; i++)
		len += pcapng_idb(buf + len, &h->ifaces[i], tsresol);
	return len;
}

/* if_tsresol: 10^-9 or 10^-6 seconds. */
static size_t ng_head_ns(uint8_t *buf, const struct format_head *h)
{
	return ng_head(buf, h, 9);
}

static size_t ng_head_us(uint8_t *buf, const struct format_head *h)
{
	return ng_head(buf, h, 6);
}

static size_t ng_idb_ns(uint8_t *buf, const struct rc_writer_iface *iface)
{
	return pcapng_idb(buf, iface, 9);
}

static size_t ng_idb_us(uint8_t *buf, const struct rc_writer_iface *iface)
{
	return pcapng_idb(buf, iface, 6);
}

/* What the entries of one format share whatever the precision. */
#define PCAPNG_FORMAT(head_fn, iface_fn)                                         \
	{                                                                        \
		.name = "pcapng",                                                \
		.head_size = ng_head_size, .head = head_fn,                      \
		.iface_size = pcapng_idb_size, .iface = iface_fn,                \
		.record_size = pcapng_epb_size, .record = pcapng_epb,            \
		.record_nodata = pcapng_epb_nodata,                              \
		.record_head_len = PCAPNG_EPB_HEAD_LEN,                          \
		.record_max_overhead = PCAPNG_EPB_MAX_OVERHEAD,                  \
		.record_min = 32,    /* an EPB with no data and no options */    \
		.len_off = 4,        /* block total length (pcapng section 3.1) */ \
		.len_add = 0,                                                    \
		.len_min = 12,       /* type, length, trailing length */         \
		.file_head_len = 0,  /* the SHB is a block like any other */     \
		.stats = true,                                                   \
		.direct_io = true,   /* dio.c pads with a block of an unknown type */ \
	}

#define PCAP_FORMAT(head_fn, record_fn, nodata_fn)                               \
	{                                                                        \
		.name = "pcap",                                                  \
		.head_size = pcap_head_size, .head = head_fn,                    \
		.iface_size = pcap_iface_size, .iface = pcap_iface,              \
		.record_size = pcap_record_size, .record = record_fn,             \
		.record_nodata = nodata_fn,                                      \
		.record_head_len = PCAP_RECORD_HEAD_LEN,                         \
		.record_max_overhead = PCAP_RECORD_HEAD_LEN,                     \
		.record_min = PCAP_RECORD_HEAD_LEN,                              \
		.len_off = 8,        /* incl_len: the bytes after the record header */ \
		.len_add = PCAP_RECORD_HEAD_LEN,                                 \
		.len_min = PCAP_RECORD_HEAD_LEN,                                 \
		.file_head_len = PCAP_FILE_HEAD_LEN,                             \
		.one_linktype = true,                                            \
	}

static const struct writer_format formats[][2] = {
	[RC_WRITER_PCAPNG] = {
		[RC_WRITER_TS_NANO] = PCAPNG_FORMAT(ng_head_ns, ng_idb_ns),
		[RC_WRITER_TS_MICRO] = PCAPNG_FORMAT(ng_head_us, ng_idb_us),
	},
	[RC_WRITER_PCAP] = {
		[RC_WRITER_TS_NANO] = PCAP_FORMAT(pcap_head_ns, pcap_record_ns, pcap_record_nodata_ns),
		[RC_WRITER_TS_MICRO] = PCAP_FORMAT(pcap_head_us, pcap_record_us, pcap_record_nodata_us),
	},
};

const struct writer_format *writer_format_get(enum rc_writer_format format,
					      enum rc_writer_ts_precision precision)
{
	if ((unsigned)format >= sizeof(formats) / sizeof(formats[0]) ||
	    (unsigned)precision >= sizeof(formats[0]) / sizeof(formats[0][0]))
		return NULL;
	return &formats[format][precision];
}
