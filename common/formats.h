/* SPDX-License-Identifier: MIT */
/*
 * formats.h - the capture-file and socket-filter facts that more than one
 * library module needs (private: not installed). The writer encodes these
 * numbers, the reader checks them.
 */
#ifndef RINGCAP_COMMON_FORMATS_H
#define RINGCAP_COMMON_FORMATS_H

/* pcapng (draft-ietf-opsawg-pcapng): the SHB's block type, which is also
 * the first four bytes of every pcapng file, and its byte-order magic. */
#define RC_PCAPNG_SHB 0x0A0D0D0Au
#define RC_PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define RC_PCAPNG_IDB 0x00000001u
#define RC_PCAPNG_ISB 0x00000005u
#define RC_PCAPNG_EPB 0x00000006u

/* Classic pcap's magic: microsecond and nanosecond timestamps. */
#define RC_PCAP_MAGIC_US 0xA1B2C3D4u
#define RC_PCAP_MAGIC_NS 0xA1B23C4Du

#endif
