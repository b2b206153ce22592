/* SPDX-License-Identifier: MIT */
/*
 * ringcap/common.h - what every ringcap library module shares: the export
 * attribute, the per-instance log hook, the versioned-config convention,
 * the library version, and the facts more than one module needs (link
 * types, the snaplen).
 *
 * DESIGN: library code never prints. Each handle carries a log callback the
 * embedder sets in its config struct (NULL means silent), so two engines in
 * one process can log to two places and no global state is needed.
 *
 * Error detail, one convention in every module: a function returns 0 (or a
 * count) or -errno, and the words that say which thing failed and why go,
 * once, through the log hook of the handle or config involved, as one line
 * at RC_LOG_ERROR, before the function returns. No module keeps a sticky
 * error string or fills an error struct, except the filter compiler, whose
 * error carries a column for the caller to point at.
 *
 * Config structs grow: each starts with `size_t sz`, which the caller sets
 * to sizeof the struct it was compiled with (RC_OPTS does it). The library
 * reads only the fields that fit in sz, treats the rest as zero (default),
 * and refuses (-E2BIG) a struct from a newer header whose extra fields are
 * not all zero. This is libbpf's OPTS_VALID scheme; it lets fields be
 * appended without breaking a binary built against an older header.
 */
#ifndef RINGCAP_COMMON_H
#define RINGCAP_COMMON_H

#include <stddef.h>

#include <ringcap/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RC_API __attribute__((visibility("default")))

/* "0.2.0": the library's version, as `ringcap --version` prints it. Any thread. */
RC_API const char *rc_version(void);

enum rc_log_level {
	RC_LOG_ERROR = 0,
	RC_LOG_WARNING = 1,
	RC_LOG_INFO = 2,
	RC_LOG_DEBUG = 3,
};

/* msg is one line without a trailing newline, valid only during the call.
 * Called from whichever thread the message arises on (each public function
 * says which threads that can be): the hook must be thread-safe. */
typedef void (*rc_log_fn)(void *ctx, enum rc_log_level level, const char *msg);

/* Declares a config struct with .sz set and the named fields, the rest zero:
 *   RC_OPTS(rc_engine_config, c, .ifname = "eth1");
 * C11 wants at least one field named; for none, { .sz = sizeof(c) }.   */
#define RC_OPTS(type, name, ...) \
	struct type name = { .sz = sizeof(struct type), __VA_ARGS__ }

/* Link-layer header types (LINKTYPE_* of the tcpdump.org registry) that
 * ringcap reads or writes. */
#define RC_LINKTYPE_ETHERNET 1
#define RC_LINKTYPE_EXP_ETHERNET 2    /* 3 Mbit/s experimental Ethernet */
#define RC_LINKTYPE_PRONET 4
#define RC_LINKTYPE_CHAOS 5
#define RC_LINKTYPE_IEEE802_5 6       /* token ring */
#define RC_LINKTYPE_FDDI 10
#define RC_LINKTYPE_RAW 101           /* raw IPv4 or IPv6 */
#define RC_LINKTYPE_C_HDLC 104        /* Cisco HDLC */
#define RC_LINKTYPE_IEEE802_11 105
#define RC_LINKTYPE_FRELAY 107
#define RC_LINKTYPE_LINUX_SLL 113
#define RC_LINKTYPE_LTALK 114
#define RC_LINKTYPE_IEEE802_11_PRISM 119
#define RC_LINKTYPE_IP_OVER_FC 122
#define RC_LINKTYPE_IEEE802_11_RADIOTAP 127
#define RC_LINKTYPE_ARCNET_LINUX 129
#define RC_LINKTYPE_AX25_KISS 202
#define RC_LINKTYPE_FC_2 224
#define RC_LINKTYPE_CAN_SOCKETCAN 227
#define RC_LINKTYPE_IPV4 228
#define RC_LINKTYPE_IPV6 229
#define RC_LINKTYPE_IEEE802_15_4_NOFCS 230
#define RC_LINKTYPE_VSOCK 271
#define RC_LINKTYPE_LINUX_SLL2 276

/* The SLL2 pseudo-header ringcap builds for -i any and for interfaces
 * whose frames have no link-layer header of their own (the cooked ones):
 * protocol, reserved, ifindex, ARPHRD type, packet type, address length,
 * address (8 bytes). */
#define RC_SLL2_HDR_LEN 20u

/* Where a packet's timestamp comes from: libpcap's time stamp types, in
 * pcap-tstamp(7)'s names (host, adapter, adapter_unsynced). */
enum rc_tstamp_type {
	RC_TSTAMP_HOST = 0,           /* the kernel's clock, at receive */
	RC_TSTAMP_ADAPTER,            /* the NIC's clock, synchronized to the host's */
	RC_TSTAMP_ADAPTER_UNSYNCED,   /* the NIC's own clock, as it runs */
};
#define RC_TSTAMP_TYPES 3u

/* The largest snaplen and the default, as libpcap's MAXIMUM_SNAPLEN: any
 * larger packet (a 256 KiB GRO super-packet) is cut to this. */
#define RC_SNAPLEN_MAX 262144u

/* Instructions the engine puts in front of a capture filter on loopback
 * (drop the PACKET_OUTGOING copy); the filter compiler leaves room. */
#define RC_LOOPBACK_PROLOGUE_INSNS 3u

#ifdef __cplusplus
}
#endif

#endif
