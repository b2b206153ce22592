/* SPDX-License-Identifier: MIT */
/*
 * pcapng.h - encoders for the pcapng blocks ringcap writes, private to the
 * writer. Pure functions over byte buffers, so unit tests can hold them
 * against byte arrays written from the spec.
 *
 * All values are in host byte order, which pcapng allows: the SHB's
 * byte-order magic tells readers which order the section uses.
 */
#ifndef RINGCAP_WRITER_PCAPNG_H
#define RINGCAP_WRITER_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/engine.h>
#include <ringcap/writer.h>

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_ISB 0x00000005u
#define PCAPNG_EPB 0x00000006u

/* EPB header (28) + trailer length (4) + epb_flags (8) + epb_dropcount (12)
 * + opt_endofopt (4) + packet padding (3). */
#define PCAPNG_EPB_MAX_OVERHEAD 59u

struct pcapng_isb {
	uint32_t iface_id;
	uint64_t start_ns;
	uint64_t end_ns;
	uint64_t received;
	uint64_t dropped;
	uint64_t delivered;
	bool filtered;   /* received is isb_filteraccept rather than isb_ifrecv */
	const char *comment; /* opt_comment, or NULL */
};

/* Each returns the bytes written at buf, which must have room for the
 * block: pcapng_*_size() tells how much. */
size_t pcapng_shb_size(const char *hardware, const char *os, const char *userappl);
size_t pcapng_shb(uint8_t *buf, const char *hardware, const char *os, const char *userappl);
size_t pcapng_idb_size(const struct rc_writer_iface *iface);
size_t pcapng_idb(uint8_t *buf, const struct rc_writer_iface *iface);
size_t pcapng_epb_size(uint32_t caplen, uint64_t dropcount);
size_t pcapng_epb(uint8_t *buf, uint32_t iface_id, const struct rc_packet *pkt, uint64_t dropcount);
/* The EPB of pkt without its packet bytes, for a writer that sends them
 * from elsewhere (writev from the ring): PCAPNG_EPB_HEAD_LEN bytes that go
 * before the packet, then at once those that go after it (padding,
 * options, trailer). Needs PCAPNG_EPB_MAX_OVERHEAD bytes at buf. */
#define PCAPNG_EPB_HEAD_LEN 28u
size_t pcapng_epb_nodata(uint8_t *buf, uint32_t iface_id, const struct rc_packet *pkt,
			 uint64_t dropcount);
size_t pcapng_isb_size(const struct pcapng_isb *isb);
size_t pcapng_isb(uint8_t *buf, const struct pcapng_isb *isb);

/* epb_flags word for a packet of the given sll_pkttype. */
uint32_t pcapng_epb_flags(uint8_t pkttype);

/* An EPB with an opt_comment (none when comment is NULL or empty) and
 * no flags; ringcap compare --annotate writes these. */
size_t pcapng_epb_comment_size(uint32_t caplen, const char *comment);
size_t pcapng_epb_comment(uint8_t *buf, uint32_t iface_id, const struct rc_packet *pkt,
			  const char *comment);

#endif
