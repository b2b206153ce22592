/* SPDX-License-Identifier: MIT */
/*
 * ringcap/engine.h - capture from one interface through a TPACKET_V3 ring.
 *
 * DESIGN: an engine owns one AF_PACKET socket and its mmap'd ring. It yields
 * retired ring blocks whole (struct rc_block), in the kernel's order, and
 * never copies a packet. A block is owned by exactly one party at a time:
 *
 *   kernel --(rc_engine_take_block)--> caller --(rc_block_release)--> kernel
 *
 * Threads: an engine belongs to the thread that takes its blocks (the
 * owner): every call but these is the owner's. rc_block_release and the
 * rc_block_* accessors go with the block, to whichever thread holds it;
 * rc_engine_stop_intake is safe from any thread (a setsockopt beside the
 * owner's reads); the const getters (ifname, linktype, ...) read values
 * fixed at open and are safe from any thread. The log hook is called on
 * the owner's thread. rc_engine_list_interfaces, rc_engine_iface_linktype:
 * any thread.
 *
 * The wire as it is: packets come out as the link type of the interface
 * says (the ARPHRD to LINKTYPE table follows libpcap's), with a VLAN tag
 * the kernel stripped put back in place, and CAN frames rewritten in
 * place into LINKTYPE_CAN_SOCKETCAN's byte order and flags. Interfaces without a link-layer
 * header of their own that libpcap captures "cooked", and the pseudo
 * interface "any" (every interface of the namespace), are read through a
 * SOCK_DGRAM socket, and the engine writes a LINKTYPE_LINUX_SLL2 header in
 * front of each packet, in the ring, from the kernel's sockaddr_ll.
 *
 * Namespaces: everything that names an interface happens in rc_engine_open,
 * in the network namespace the calling thread is in then. The engine keeps
 * only its packet socket, which stays in that namespace, so later calls
 * from any thread, in any namespace, still see the same interface.
 */
#ifndef RINGCAP_ENGINE_H
#define RINGCAP_ENGINE_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include <ringcap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rc_engine;
struct rc_block;
struct sock_filter;

enum rc_engine_fanout {
	RC_ENGINE_FANOUT_NONE = 0,
	RC_ENGINE_FANOUT_HASH,  /* by flow: a flow stays on one socket, in order */
	RC_ENGINE_FANOUT_CPU,   /* by the CPU that received the packet */
	RC_ENGINE_FANOUT_LB,    /* round robin */
	RC_ENGINE_FANOUT_QM,    /* by the NIC's receive queue */
};

/* Which packets the engine takes, by direction (tcpdump -Q). Loopback
 * shows each packet twice, leaving and arriving: INOUT and IN keep the
 * arriving copy, OUT the leaving one, so each packet is seen once. On
 * "any", IN and OUT do the same for lo's packets, but INOUT keeps both
 * copies (telling lo's apart takes more than RC_LOOPBACK_PROLOGUE_INSNS
 * instructions). */
enum rc_engine_direction {
	RC_ENGINE_DIRECTION_INOUT = 0, /* both (the default) */
	RC_ENGINE_DIRECTION_IN,        /* received: pkttype != PACKET_OUTGOING */
	RC_ENGINE_DIRECTION_OUT,       /* sent by this host: PACKET_OUTGOING */
};

/* Where the kernel says a packet's timestamp came from (struct rc_packet
 * ts_source), from the tpacket status bits. */
enum rc_ts_source {
	RC_TS_SOURCE_UNKNOWN = 0,  /* the kernel did not say (it read its clock late) */
	RC_TS_SOURCE_SOFTWARE,     /* TP_STATUS_TS_SOFTWARE: the kernel's receive time */
	RC_TS_SOURCE_HARDWARE,     /* TP_STATUS_TS_RAW_HARDWARE: the NIC's */
};

/* The ifname that captures on every interface of the namespace, as
 * libpcap's "any": LINKTYPE_LINUX_SLL2, never promiscuous. */
#define RC_ENGINE_IFNAME_ANY "any"

/* Limits of the ring geometry (rc_engine_config_check enforces them). */
#define RC_ENGINE_MIN_BLOCKS 2u
#define RC_ENGINE_MAX_BLOCK_SIZE (128u << 20)
#define RC_ENGINE_MAX_BLOCK_TIMEOUT_MS 60000u
#define RC_ENGINE_MIN_SNAPLEN 14u

/* A zeroed config means "default" for every field but sz and ifname. */
struct rc_engine_config {
	size_t sz;                 /* sizeof(struct rc_engine_config): RC_OPTS */
	const char *ifname;
	uint32_t snaplen;          /* bytes kept per packet; 0 = RC_SNAPLEN_MAX */
	uint32_t ring_size;        /* bytes of ring; 0 = 32 MiB */
	uint32_t block_size;       /* bytes per ring block; 0 = derived from ring_size */
	uint32_t block_timeout_ms; /* retire a partly filled block after; 0 = 100 */
	bool no_promisc;           /* do not join PACKET_MR_PROMISC */
	/* Optional classic BPF program, attached before bind. On a cooked
	 * link type (SLL2) the kernel runs it on the packet from its network
	 * header, without the SLL2 header: compile for SLL2 and rewrite the
	 * header's offsets into SKF_AD loads, as libpcap's fix_program does.
	 * At most BPF_MAXINSNS - RC_LOOPBACK_PROLOGUE_INSNS instructions. */
	const struct sock_filter *filter;
	uint16_t filter_len;
	/* Join a PACKET_FANOUT group of sockets on the same interface, so
	 * several engines (one per thread) share its traffic. */
	enum rc_engine_fanout fanout;
	uint16_t fanout_group;
	/* Carried on every block; ringcap uses it as the pcapng interface id. */
	uint32_t tag;
	rc_log_fn log;
	void *log_ctx;
	/* Fields below were added after 0.2.0; configs are size-versioned (sz),
	 * so only ever append. */
	/* IN uses PACKET_IGNORE_OUTGOING (Linux 4.20), so the kernel never
	 * even copies what the host sends; on older kernels, and for OUT, a
	 * RC_LOOPBACK_PROLOGUE_INSNS program goes in front of filter. */
	enum rc_engine_direction direction;
	/* HOST: the kernel's clock. ADAPTER, ADAPTER_UNSYNCED: ask the socket
	 * for the NIC's raw hardware stamp (PACKET_TIMESTAMP); the NIC must
	 * be told to stamp (SIOCSHWTSTAMP), which the engine does not do. A
	 * packet without one gets the kernel's; rc_packet.ts_source says. */
	enum rc_tstamp_type tstamp;
};

/* One packet, as it was on the wire (a VLAN tag the kernel stripped is
 * back in place; on a cooked link type, behind the SLL2 header the engine
 * wrote). data points into the ring and is valid until the block that
 * holds it is released. caplen never exceeds the engine's snaplen, the
 * SLL2 header included. */
struct rc_packet {
	const uint8_t *data;
	uint32_t caplen;   /* bytes at data */
	uint32_t origlen;  /* length on the wire */
	uint64_t ts_ns;    /* nanoseconds since the epoch */
	uint8_t pkttype;   /* PACKET_HOST, PACKET_OUTGOING ... (linux/if_packet.h) */
	uint8_t ts_source; /* enum rc_ts_source; in former padding, so the size stays */
};

/* Cumulative counters since the engine opened. The kernel's own counters
 * are clear-on-read; the engine adds them up. */
struct rc_engine_stats {
	uint64_t packets;      /* seen by the socket (after any filter), drops included */
	uint64_t drops;        /* lost because the ring was full */
	uint64_t freezes;      /* times the kernel froze the ring (freeze_q_cnt) */
	uint64_t blocks;       /* ring blocks taken */
	uint64_t seq_gaps;     /* blocks whose seq_num skipped (should stay 0) */
};

/* Interface events: the socket reports POLLERR (see rc_engine_pollfds),
 * and rc_engine_check_link() then returns one of these. */
#define RC_ENGINE_IFACE_DOWN  (-ENETDOWN) /* link went down; capture resumes when it is up */
#define RC_ENGINE_IFACE_GONE  (-ENODEV)   /* interface removed; nothing more will come */

/* Validates config (errors name the field through the log hook), opens the
 * socket and ring. Returns 0 or -errno: -ENODEV no such interface, -EPERM no
 * CAP_NET_RAW, -EINVAL bad config, -E2BIG config from a newer header,
 * -EPROTONOSUPPORT unsupported link type (the log line names the ARPHRD),
 * or what the kernel said to the time stamp request. Any thread; it becomes the
 * engine's owner's. */
RC_API int rc_engine_open(const struct rc_engine_config *config, struct rc_engine **ret);
RC_API void rc_engine_close(struct rc_engine *engine);

/* Checks a config without opening anything; same errors as rc_engine_open
 * for the geometry fields. Any thread. */
RC_API int rc_engine_config_check(const struct rc_engine_config *config,
				  rc_log_fn log, void *log_ctx);

/* What to poll before the next rc_engine_take_block(): the socket for a
 * ready block, or, while every block is still held by the consumer, an
 * eventfd that rc_block_release() kicks. Fills at most n entries of ret
 * (RC_ENGINE_POLLFDS of them are enough) and returns how many it filled,
 * or -EINVAL if n is too small. POLLERR on the first entry is an
 * interface event: call rc_engine_check_link(). */
#define RC_ENGINE_POLLFDS 2u
RC_API int rc_engine_pollfds(struct rc_engine *engine, struct pollfd *ret, unsigned n);
RC_API int rc_engine_fd(const struct rc_engine *engine);

/* Takes the oldest retired block. Returns 1 and sets *ret, or 0 when none
 * is ready. */
RC_API int rc_engine_take_block(struct rc_engine *engine, struct rc_block **ret);

/* After POLLERR, or while the link is down: 0 up, RC_ENGINE_IFACE_DOWN,
 * RC_ENGINE_IFACE_GONE, or another -errno. Asks through the engine's own
 * socket, so it sees the namespace the engine was opened in. "any" is
 * always up. */
RC_API int rc_engine_check_link(struct rc_engine *engine);

/* Stops new packets from entering the ring (a drop-all filter), so that a
 * drain after it is complete: counters then add up exactly. Blocks the
 * kernel is still filling retire within block_timeout_ms. */
RC_API int rc_engine_stop_intake(struct rc_engine *engine);

/* Reads the kernel counters into the running totals and returns them. */
RC_API int rc_engine_stats(struct rc_engine *engine, struct rc_engine_stats *ret);

RC_API const char *rc_engine_ifname(const struct rc_engine *engine);
RC_API uint16_t rc_engine_linktype(const struct rc_engine *engine); /* LINKTYPE_* */
RC_API uint32_t rc_engine_snaplen(const struct rc_engine *engine);
RC_API uint32_t rc_engine_block_count(const struct rc_engine *engine);
RC_API uint32_t rc_engine_block_timeout_ms(const struct rc_engine *engine);

/* Block accessors. rc_block_next_packet returns 1 and fills *ret, or 0 at
 * the end of the block. */
RC_API int rc_block_next_packet(struct rc_block *block, struct rc_packet *ret);
RC_API uint32_t rc_block_tag(const struct rc_block *block);
RC_API uint32_t rc_block_packet_count(const struct rc_block *block);
/* Kernel drops first reported just before this block (0 if none): they
 * happened between the previous block's last packet and this one's first. */
RC_API uint64_t rc_block_drops_before(const struct rc_block *block);
/* Packets of the block the walker had to refuse because their headers
 * pointed outside the block (a corrupt ring); they are lost. */
RC_API uint64_t rc_block_bad_packets(const struct rc_block *block);
/* The block's position in its ring, 0 to rc_engine_block_count() - 1:
 * constant for the block, so a caller can keep per-block state. */
RC_API uint32_t rc_block_index(const struct rc_block *block);
/* Gives the block back to the kernel. Safe from any thread. */
RC_API void rc_block_release(struct rc_block *block);

/* Interface listing for -D: calls fn for each interface ringcap can
 * capture on, in the calling thread's network namespace, in ifindex order,
 * with the link type rc_engine_open would use; then "any" (ifindex 0,
 * LINKTYPE_LINUX_SLL2, up and running, pseudo). The struct is filled by
 * the library, so fields may be appended. */
struct rc_iface_info {
	const char *name;
	int ifindex;
	bool up;
	bool running;
	bool loopback;
	uint16_t linktype;
	bool pseudo;       /* "any": no device of its own; not a default to pick */
};
typedef void (*rc_iface_fn)(void *ctx, const struct rc_iface_info *info);
RC_API int rc_engine_list_interfaces(rc_iface_fn fn, void *ctx);

/* The link type rc_engine_open would give ifname, without opening
 * anything (LINKTYPE_LINUX_SLL2 for "any"), so a caller can compile its
 * filter for it first. Looked up in the calling thread's network
 * namespace; needs no privilege. Returns the LINKTYPE_* value, -ENODEV
 * (no such interface), -EPROTONOSUPPORT (a link type ringcap does not
 * capture) or -EINVAL (ifname NULL). Silent: rc_engine_open logs the
 * same refusal with the ARPHRD's name. Any thread. */
RC_API int rc_engine_iface_linktype(const char *ifname);

/* The direction the engine was opened with. Any thread. */
RC_API enum rc_engine_direction rc_engine_direction(const struct rc_engine *engine);

#ifdef __cplusplus
}
#endif

#endif
