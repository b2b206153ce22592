/* SPDX-License-Identifier: MIT */
/*
 * pcapng.c - block encoders (pcapng draft, sections 4.1 SHB, 4.2 IDB,
 * 4.3 EPB, 4.6 ISB; options in 3.5).
 *
 * DESIGN: every block is built by the same three steps, block_begin(),
 * a run of opt_*() calls, block_end(), so the length and padding rules live
 * in one place: the body and every option are padded to 32 bits with zero
 * bytes, the option list ends with opt_endofopt, and the total length is
 * repeated after the body so readers can walk backwards.
 */
#include "pcapng.h"

#include <string.h>
#include <linux/if_packet.h>

#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_HARDWARE 2
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_MACADDR 6
#define IF_SPEED 8
#define IF_TSRESOL 9
#define IF_FILTER 11
#define IF_OS 12
#define IF_HARDWARE 15
#define EPB_FLAGS 2
#define EPB_DROPCOUNT 4
#define ISB_STARTTIME 2
#define ISB_ENDTIME 3
#define ISB_IFRECV 4
#define ISB_FILTERACCEPT 6
#define ISB_OSDROP 7
#define ISB_USRDELIV 8

#define BLOCK_HEADER_LEN 8  /* type + total length */
#define BLOCK_TRAILER_LEN 4 /* total length again */
#define OPT_HEADER_LEN 4

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static size_t opt_size(size_t len)
{
	return OPT_HEADER_LEN + pad4(len);
}

/* An optional string option: nothing at all when absent or empty. */
static size_t opt_str_size(const char *s)
{
	return s && *s ? opt_size(strlen(s)) : 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Timestamps are two 32-bit words, high first, in if_tsresol units: the
 * writer hands the encoders timestamps already in the file's units. */
static void put_ts(uint8_t *p, uint64_t ns)
{
	put32(p, (uint32_t)(ns >> 32));
	put32(p + 4, (uint32_t)ns);
}

static uint8_t *opt_put(uint8_t *p, uint16_t code, const void *data, size_t len)
{
	put16(p, code);
	put16(p + 2, (uint16_t)len);
	memcpy(p + OPT_HEADER_LEN, data, len);
	memset(p + OPT_HEADER_LEN + len, 0, pad4(len) - len);
	return p + opt_size(len);
}

static uint8_t *opt_str(uint8_t *p, uint16_t code, const char *s)
{
	return s && *s ? opt_put(p, code, s, strlen(s)) : p;
}

static uint8_t *opt_u64(uint8_t *p, uint16_t code, uint64_t v)
{
	return opt_put(p, code, &v, sizeof(v));
}

static uint8_t *opt_ts(uint8_t *p, uint16_t code, uint64_t ns)
{
	uint8_t ts[8];

	put_ts(ts, ns);
	return opt_put(p, code, ts, sizeof(ts));
}

static uint8_t *opt_end(uint8_t *p)
{
	put32(p, OPT_ENDOFOPT);
	return p + OPT_HEADER_LEN;
}

static uint8_t *block_begin(uint8_t *buf, uint32_t type)
{
	put32(buf, type);
	return buf + BLOCK_HEADER_LEN;
}

/* Writes the total length at both ends; p is where the trailer goes. */
static size_t block_end(uint8_t *buf, uint8_t *p)
{
	uint32_t total = (uint32_t)(p - buf) + BLOCK_TRAILER_LEN;

	put32(buf + 4, total);
	put32(p, total);
	return total;
}

size_t pcapng_shb_size(const char *hardware, const char *os, const char *userappl)
{
	return BLOCK_HEADER_LEN + 16 + opt_str_size(hardware) + opt_str_size(os) +
	       opt_str_size(userappl) + OPT_HEADER_LEN + BLOCK_TRAILER_LEN;
}

size_t pcapng_shb(uint8_t *buf, const char *hardware, const char *os, const char *userappl)
{
	uint8_t *p = block_begin(buf, RC_PCAPNG_SHB);
	uint64_t unknown_length = UINT64_MAX; /* we never seek back to fill it in */

	put32(p, RC_PCAPNG_BYTE_ORDER_MAGIC);
	put16(p + 4, 1);
	put16(p + 6, 0);
	memcpy(p + 8, &unknown_length, sizeof(unknown_length));
	p += 16;
	p = opt_str(p, SHB_HARDWARE, hardware);
	p = opt_str(p, SHB_OS, os);
	p = opt_str(p, SHB_USERAPPL, userappl);
	return block_end(buf, opt_end(p));
}

/* if_filter holds a type octet (0: libpcap filter string) and the text. */
static size_t idb_filter_len(const struct rc_writer_iface *iface)
{
	return iface->filter && *iface->filter ? 1 + strlen(iface->filter) : 0;
}

/* Options in the spec's order; each only when the caller knows it. */
size_t pcapng_idb_size(const struct rc_writer_iface *iface)
{
	size_t flen = idb_filter_len(iface);

	return BLOCK_HEADER_LEN + 8 + opt_str_size(iface->comment) + opt_str_size(iface->name) +
	       opt_str_size(iface->description) + (iface->has_mac ? opt_size(6) : 0) +
	       (iface->speed_bps ? opt_size(8) : 0) + opt_size(1) + (flen ? opt_size(flen) : 0) +
	       opt_str_size(iface->os) + opt_str_size(iface->hardware) + OPT_HEADER_LEN +
	       BLOCK_TRAILER_LEN;
}

size_t pcapng_idb(uint8_t *buf, const struct rc_writer_iface *iface, uint8_t tsresol)
{
	uint8_t *p = block_begin(buf, RC_PCAPNG_IDB);
	size_t flen = idb_filter_len(iface);

	put16(p, iface->linktype);
	put16(p + 2, 0);
	put32(p + 4, iface->snaplen);
	p += 8;
	p = opt_str(p, OPT_COMMENT, iface->comment);
	p = opt_str(p, IF_NAME, iface->name);
	p = opt_str(p, IF_DESCRIPTION, iface->description);
	if (iface->has_mac)
		p = opt_put(p, IF_MACADDR, iface->mac, 6);
	if (iface->speed_bps)
		p = opt_u64(p, IF_SPEED, iface->speed_bps);
	p = opt_put(p, IF_TSRESOL, &tsresol, 1);
	if (flen) {
		put16(p, IF_FILTER);
		put16(p + 2, (uint16_t)flen);
		p[OPT_HEADER_LEN] = 0;
		memcpy(p + OPT_HEADER_LEN + 1, iface->filter, flen - 1);
		memset(p + OPT_HEADER_LEN + flen, 0, pad4(flen) - flen);
		p += opt_size(flen);
	}
	p = opt_str(p, IF_OS, iface->os);
	p = opt_str(p, IF_HARDWARE, iface->hardware);
	return block_end(buf, opt_end(p));
}

uint32_t rc_writer_epb_flags(uint8_t pkttype)
{
	enum { IN = 1, OUT = 2, UNICAST = 1 << 2, MULTICAST = 2 << 2,
	       BROADCAST = 3 << 2, PROMISCUOUS = 4 << 2 };
	/* By sll_pkttype; PACKET_LOOPBACK is our own multicast, looped back. */
	static const uint8_t flags[] = {
		[PACKET_HOST] = IN | UNICAST,
		[PACKET_BROADCAST] = IN | BROADCAST,
		[PACKET_MULTICAST] = IN | MULTICAST,
		[PACKET_OTHERHOST] = IN | PROMISCUOUS,
		[PACKET_OUTGOING] = OUT,
		[PACKET_LOOPBACK] = IN | MULTICAST,
	};

	return pkttype < sizeof(flags) ? flags[pkttype] : 0;
}

size_t pcapng_epb_size(const struct rc_writer_packet *pkt, uint64_t dropcount)
{
	return BLOCK_HEADER_LEN + 20 + pad4(pkt->caplen) + (pkt->epb_flags ? opt_size(4) : 0) +
	       (dropcount ? opt_size(8) : 0) + opt_str_size(pkt->comment) + OPT_HEADER_LEN +
	       BLOCK_TRAILER_LEN;
}

/* The EPB's first 28 bytes: everything before the packet data. */
static uint8_t *epb_head(uint8_t *buf, const struct rc_writer_packet *pkt)
{
	uint8_t *p = block_begin(buf, RC_PCAPNG_EPB);

	put32(p, pkt->iface);
	put_ts(p + 4, pkt->ts_ns);
	put32(p + 12, pkt->caplen);
	put32(p + 16, pkt->origlen);
	return p + 20;
}

/* Options in the order Wireshark writes them; each only when it says
 * something (3.5: an absent option is "unknown"). */
static uint8_t *epb_options(uint8_t *p, const struct rc_writer_packet *pkt, uint64_t dropcount)
{
	if (pkt->epb_flags)
		p = opt_put(p, EPB_FLAGS, &pkt->epb_flags, sizeof(pkt->epb_flags));
	if (dropcount)
		p = opt_u64(p, EPB_DROPCOUNT, dropcount);
	p = opt_str(p, OPT_COMMENT, pkt->comment);
	return opt_end(p);
}

size_t pcapng_epb(uint8_t *buf, const struct rc_writer_packet *pkt, uint64_t dropcount)
{
	uint8_t *p = epb_head(buf, pkt);

	/* Zero the last word first and let the copy overwrite its head: one
	 * store instead of a memset() call per packet. */
	if (pad4(pkt->caplen) != pkt->caplen)
		put32(p + pad4(pkt->caplen) - 4, 0);
	memcpy(p, pkt->data, pkt->caplen);
	p += pad4(pkt->caplen);
	return block_end(buf, epb_options(p, pkt, dropcount));
}

size_t pcapng_epb_nodata(uint8_t *buf, const struct rc_writer_packet *pkt, uint64_t dropcount)
{
	uint32_t total = (uint32_t)pcapng_epb_size(pkt, dropcount);
	size_t pad = pad4(pkt->caplen) - pkt->caplen;
	uint8_t *p = epb_head(buf, pkt);

	memset(p, 0, pad);
	p = epb_options(p + pad, pkt, dropcount);
	/* block_end() counts the bytes at buf; the packet's are elsewhere. */
	put32(buf + 4, total);
	put32(p, total);
	return (size_t)(p - buf) + BLOCK_TRAILER_LEN;
}

size_t pcapng_isb_size(const struct pcapng_isb *isb)
{
	return BLOCK_HEADER_LEN + 12 + opt_str_size(isb->comment) + 2 * opt_size(8) +
	       (isb->counted ? 2 * opt_size(8) : 0) + opt_size(8) + OPT_HEADER_LEN +
	       BLOCK_TRAILER_LEN;
}

size_t pcapng_isb(uint8_t *buf, const struct pcapng_isb *isb)
{
	uint8_t *p = block_begin(buf, RC_PCAPNG_ISB);

	put32(p, isb->iface_id);
	put_ts(p + 4, isb->end_ts);
	p += 12;
	p = opt_str(p, OPT_COMMENT, isb->comment);
	p = opt_ts(p, ISB_STARTTIME, isb->start_ts);
	p = opt_ts(p, ISB_ENDTIME, isb->end_ts);
	if (isb->counted) {
		p = opt_u64(p, isb->filtered ? ISB_FILTERACCEPT : ISB_IFRECV, isb->received);
		p = opt_u64(p, ISB_OSDROP, isb->dropped);
	}
	p = opt_u64(p, ISB_USRDELIV, isb->delivered);
	return block_end(buf, opt_end(p));
}
