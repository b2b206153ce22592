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

#include <ringcap/writer.h>

#include "formats.h"

/* EPB header (28) + trailer length (4) + epb_flags (8) + epb_dropcount (12)
 * + opt_endofopt (4) + packet padding (3), for a packet with no comment. */
#define PCAPNG_EPB_MAX_OVERHEAD 59u

struct pcapng_isb {
	uint32_t iface_id;
	uint64_t start_ts; /* in the interface's if_tsresol units */
	uint64_t end_ts;
	bool counted;    /* received and dropped are known: write them */
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
/* tsresol: if_tsresol's value, 9 (nanoseconds) or 6 (microseconds). */
size_t pcapng_idb(uint8_t *buf, const struct rc_writer_iface *iface, uint8_t tsresol);
/* An EPB with the packet's options (epb_flags, opt_comment when set) and
 * epb_dropcount when dropcount is not 0. */
size_t pcapng_epb_size(const struct rc_writer_packet *pkt, uint64_t dropcount);
size_t pcapng_epb(uint8_t *buf, const struct rc_writer_packet *pkt, uint64_t dropcount);
/* The EPB of pkt without its packet bytes, for a writer that sends them
 * from elsewhere (writev from the producer's memory): PCAPNG_EPB_HEAD_LEN
 * bytes that go before the packet, then at once those that go after it
 * (padding, options, trailer). Needs pcapng_epb_size() - caplen bytes. */
#define PCAPNG_EPB_HEAD_LEN 28u
size_t pcapng_epb_nodata(uint8_t *buf, const struct rc_writer_packet *pkt, uint64_t dropcount);
size_t pcapng_isb_size(const struct pcapng_isb *isb);
size_t pcapng_isb(uint8_t *buf, const struct pcapng_isb *isb);

#endif
