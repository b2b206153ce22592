/* SPDX-License-Identifier: MIT */
/*
 * ringcap/filter.h - capture filters: the pcap-filter(7) language compiled
 * to classic BPF, and a user-space classic BPF interpreter.
 *
 * DESIGN: compile once, attach the result to a socket (or run it here).
 * The compiler reads the expression text, builds a small syntax tree and
 * emits straight-line code whose jumps all go forward, so the kernel's
 * limits (4096 instructions, forward jumps, 8-bit conditional offsets) hold
 * by construction. Failures come back as -errno plus a struct that names
 * the offending token and its column, for the caller to put into words.
 * The interpreter follows the kernel's semantics, including the Linux
 * ancillary loads, which it reads from a struct the caller fills.
 *
 * Threads: the compiler and the interpreter keep no state between calls;
 * a compiled filter is read-only once made, so any thread may use it.
 */
#ifndef RINGCAP_FILTER_H
#define RINGCAP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rc_filter;
struct sock_filter;

/* The most instructions a compiled program has: the kernel's
 * BPF_MAXINSNS (4096) less the engine's loopback prologue. */
#define RC_FILTER_MAX_INSNS (4096u - RC_LOOPBACK_PROLOGUE_INSNS)

/* A zeroed config means: Ethernet, snaplen 262144, savefile semantics. */
struct rc_filter_config {
	size_t sz;         /* sizeof(struct rc_filter_config): RC_OPTS */
	uint32_t snaplen;  /* the accept return value; 0 = 262144 */
	/* 0 = RC_LINKTYPE_ETHERNET; also RC_LINKTYPE_LINUX_SLL2, _LINUX_SLL,
	 * _RAW, _IPV4 and _IPV6, with libpcap's meaning of each primitive. */
	uint32_t linktype;
	/* Live Linux capture: the kernel strips the outer VLAN tag and offers
	 * it (and the packet type) as ancillary loads (SO_BPF_EXTENSIONS).
	 * On raw IP it is what makes inbound/outbound/ifindex possible; SLL2
	 * has them in its header either way. */
	bool linux_ext;
	/* IPv4 netmask in host order for "ip broadcast"; 0 = unknown. */
	uint32_t netmask;
};

/* Where and why compilation failed. column is 1-based, in bytes. */
struct rc_filter_error {
	unsigned column;
	char token[48];    /* the offending token, shortened; "" at end of input */
	char message[128]; /* "syntax error", "unknown port 'foo'" ... */
};

/* What the kernel knows about a packet that is not in its bytes. */
struct rc_filter_aux {
	uint32_t wire_len;      /* 0 = caplen */
	bool vlan_present;      /* the outer tag was stripped into metadata */
	uint16_t vlan_tci;
	uint16_t vlan_tpid;
	uint16_t protocol;      /* skb->protocol, network order as the kernel loads it */
	uint8_t pkttype;        /* PACKET_HOST, PACKET_OUTGOING ... */
	uint32_t ifindex;
	uint16_t hatype;        /* the device's ARPHRD_* type */
};

/* Compiles expr (NULL or blank: accept everything) for config->linktype.
 * Returns 0, -EINVAL with *err filled (err may be NULL; a primitive the
 * link type cannot have, such as "vlan" on SLL2 or "ether host" on raw IP,
 * is refused naming the link type, and so is an expression that matches
 * nothing there, raw IP's "arp"), -E2BIG for a program over 4093
 * instructions (the kernel's 4096, less room for the engine's loopback
 * prologue), -EPROTONOSUPPORT for another link type, or -ENOMEM. */
RC_API int rc_filter_compile(const char *expr, const struct rc_filter_config *config,
			     struct rc_filter **ret, struct rc_filter_error *err);
RC_API void rc_filter_free(struct rc_filter *filter);

/* The program; valid until rc_filter_free(). */
RC_API const struct sock_filter *rc_filter_insns(const struct rc_filter *filter, size_t *ret_len);

/* Runs a classic BPF program over one packet the way the kernel would:
 * the return value is the number of bytes to keep, 0 = drop. aux may be
 * NULL (no metadata). Malformed programs return 0. */
RC_API uint32_t rc_filter_run(const struct sock_filter *insns, size_t len,
			      const uint8_t *pkt, uint32_t caplen,
			      const struct rc_filter_aux *aux);

/* A program compiled for a Linux cooked link type (RC_LINKTYPE_LINUX_SLL2
 * or _LINUX_SLL), rewritten for the kernel. A SOCK_DGRAM packet socket
 * (-i any, cooked interfaces) runs its filter on the packet from the
 * network header, with no cooked header in front: loads past the header
 * move down by its length, loads of its protocol, packet type, interface
 * and ARPHRD type become the ancillary loads of the same values, and
 * "len" gets the header's length added back. Returns 0 and a malloc'd
 * program in *ret (free() it), -EOPNOTSUPP when the program reads header
 * bytes the kernel does not have (the link-layer address, a load across
 * the header's end, an indexed load that could reach the header): filter
 * in user space or tell the user; -EINVAL for another link type or a
 * program rc_filter_check() refuses; -E2BIG when the rewritten program no
 * longer fits (RC_FILTER_MAX_INSNS, 8-bit jumps); -ENOMEM. Keeps no
 * state: any thread. */
RC_API int rc_filter_cooked_for_kernel(const struct sock_filter *insns, size_t len,
				       uint32_t linktype, struct sock_filter **ret,
				       size_t *ret_len);

/* 1 if this kernel offers the ancillary loads live-capture programs use
 * (SO_BPF_EXTENSIONS reaches SKF_AD_VLAN_TAG_PRESENT), 0 if not, or -errno. */
RC_API int rc_filter_probe_linux_ext(void);

/* The rules the kernel's bpf_check_classic() applies at SO_ATTACH_FILTER,
 * checked in user space: 0, or -EINVAL with err->message naming the
 * instruction and the rule ("instruction 3: shift by 32 ..."); -ENOMEM.
 * Every program rc_filter_compile() returns passes it. */
RC_API int rc_filter_check(const struct sock_filter *insns, size_t len,
			   struct rc_filter_error *err);

/* Attaches the program to a throwaway AF_UNIX socket (no privilege
 * needed), which is what no user-space rule can predict: whether the
 * kernel has room for it. The kernel charges the program, converted to
 * eBPF, to the socket's option memory, at most net.core.optmem_max bytes.
 * 0, -ENOMEM when it does not fit, -EINVAL for a program the kernel's
 * checker refuses, or another -errno. */
RC_API int rc_filter_probe_attach(const struct sock_filter *insns, size_t len);

/* tcpdump -d's text for instruction pc ("(000) ldh      [12]"), into buf. */
RC_API void rc_filter_image(const struct sock_filter *insn, unsigned pc, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
