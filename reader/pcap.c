/* SPDX-License-Identifier: MIT */
/*
 * pcap.c - classic libpcap files: a 24-byte file header, then 16-byte
 * record headers each followed by the packet (draft-ietf-opsawg-pcap).
 *
 * DESIGN: the magic number says both the byte order and whether the
 * fraction field is in microseconds or nanoseconds; both become one
 * interface that records the fraction's scale, so the rest of the
 * reader sees a pcap file as a one-interface pcapng section.
 */
#include "reader_internal.h"

#include "formats.h"

#include <errno.h>
#include <string.h>

#define FILE_HEADER_LEN 24
#define RECORD_HEADER_LEN 16
#define MAGIC_NS RC_PCAP_MAGIC_NS
#define NATIVE_MAGIC_US RC_PCAP_MAGIC_US

int rd_pcap_header(struct rc_reader *r)
{
	const uint8_t *p;
	struct rd_iface *ifc;
	uint32_t magic, network;
	int e = rd_fill(r, FILE_HEADER_LEN);

	if (e < 0)
		return e;
	if (e > 0)
		return rd_fail(r, 0, "pcap file header is cut short (%zu of 24 bytes)",
			       r->end - r->start);
	p = r->data + r->start;
	memcpy(&magic, p, 4);
	r->swapped = magic != NATIVE_MAGIC_US && magic != MAGIC_NS;
	if (rd16(r, p + 4) != 2)
		return rd_fail(r, 4, "pcap major version %u is not 2", rd16(r, p + 4));
	/* The top bits of the link-type field carry FCS information. */
	network = rd32(r, p + 20);
	ifc = rd_iface_add(r, (uint16_t)(network & 0xFFFF), rd32(r, p + 16));
	if (!ifc)
		return -ENOMEM;
	if (rd32(r, p) == MAGIC_NS)
		ifc->mul = 1;
	rd_take(r, FILE_HEADER_LEN);
	return 0;
}

int rd_pcap_next(struct rc_reader *r, struct rc_reader_packet *ret)
{
	const struct rd_iface *ifc = &r->ifaces[0];
	uint64_t off = r->base_off;
	uint32_t caplen, frac_scale = ifc->mul == 1 ? 1 : 1000;
	const uint8_t *p;
	int e = rd_fill(r, RECORD_HEADER_LEN);

	if (e < 0)
		return e;
	if (e > 0 && r->end == r->start)
		return 0;
	if (e > 0)
		return rd_fail(r, off, "record header is cut short by the end of the file");
	p = r->data + r->start;
	caplen = rd32(r, p + 8);
	if (caplen > RD_MAX_BLOCK)
		return rd_fail(r, off, "captured length %u is larger than any sane packet", caplen);
	e = rd_fill(r, RECORD_HEADER_LEN + (size_t)caplen);
	if (e < 0)
		return e;
	if (e > 0)
		return rd_fail(r, off, "packet of %u bytes is cut short by the end of the file", caplen);
	p = r->data + r->start;
	*ret = (struct rc_reader_packet){
		.data = p + RECORD_HEADER_LEN,
		.caplen = caplen,
		.origlen = rd32(r, p + 12),
		.ts_ns = (int64_t)rd32(r, p) * 1000000000 + (int64_t)rd32(r, p + 4) * frac_scale,
		.linktype = ifc->linktype,
		.number = ++r->number,
		.offset = off,
	};
	rd_packet_lengths(r, ifc, ret);
	rd_take(r, RECORD_HEADER_LEN + caplen);
	return 1;
}
