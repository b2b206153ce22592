/* SPDX-License-Identifier: MIT */
/*
 * ringcap/netdev.h - what a capture must know and may change about the
 * interface it captures on: driver, address, speed and kernel for the
 * pcapng interface block; the offloads that reshape packets before a
 * packet socket sees them; the time stamp sources; and, for --no-offload
 * and hardware time stamps, changes that are undone exactly.
 *
 * DESIGN: a capture file is evidence, so it must say when GRO, LRO or TSO
 * merged or kept whole what it holds, and ringcap must be able to turn the
 * receive merges off and later put back exactly what it changed, nothing
 * else. A handle keeps one control socket (ioctl SIOCETHTOOL and
 * SIOCxIFxxx), opened in the network namespace current in the calling
 * thread at rc_netdev_open: every later call goes through that socket, so
 * it reaches the same device even from a thread in another namespace (a
 * caller may setns() into a namespace, open, and setns() back). Nothing
 * opens a fresh socket or resolves the name elsewhere (if_nametoindex
 * would, in the caller's current namespace).
 *
 * Feature changes go through the "requested" (wanted) bits of
 * ETHTOOL_SFEATURES, never the legacy per-offload calls, which miss
 * rx-gro-hw and rx-gro-list. The kernel derives the active bits from the
 * requested ones and the device's constraints, so putting back the
 * requested bits we cleared puts back every active bit that followed.
 *
 * Restore: rc_netdev_restore() undoes what rc_netdev_disable_rx_offloads()
 * and rc_netdev_enable_tstamp() changed; rc_netdev_close() calls it too.
 * A caller calls it on every way out (normal end, error, a stop a signal
 * asked for: from the code that runs after the stop, not from the signal
 * handler). SIGKILL, a crash or a power cut cannot be covered: the text
 * rc_netdev_disable_rx_offloads() writes names every change, and the log
 * says the ethtool command that undoes it.
 *
 * Threads: a handle is used by one thread at a time, any thread, in any
 * namespace; the log hook is called on that thread. rc_tstamp_type_name
 * and rc_tstamp_type_from_name: any thread.
 *
 * A handle is one device: each call first checks that ifname still names
 * the device found at open (its ifindex), so a device created later under
 * the same name is never read or changed.
 *
 * Errors: -errno, with one line through the log hook: -ENODEV the
 * interface is gone (or was never there), -EPERM no CAP_NET_ADMIN for a
 * change, -EOPNOTSUPP the device cannot do what was asked.
 */
#ifndef RINGCAP_NETDEV_H
#define RINGCAP_NETDEV_H

#include <stddef.h>
#include <stdint.h>

#include <ringcap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rc_netdev;

struct rc_netdev_config {
	size_t sz;            /* sizeof(struct rc_netdev_config): RC_OPTS */
	const char *ifname;
	rc_log_fn log;
	void *log_ctx;
};

/* Opens the control socket in the calling thread's current network
 * namespace and finds ifname there. 0 or -errno: -ENODEV no such
 * interface, -EINVAL no ifname, -E2BIG config from a newer header. */
RC_API int rc_netdev_open(const struct rc_netdev_config *config, struct rc_netdev **ret);
/* Restores what is still changed (as rc_netdev_restore, errors logged),
 * then frees. NULL is fine. */
RC_API void rc_netdev_close(struct rc_netdev *nd);

/* For the pcapng interface block (if_hardware, if_MACaddr, if_speed,
 * if_os). An output struct, versioned as the configs: set sz = sizeof;
 * the library writes only the fields that fit in it (and, from a newer
 * header, sets sz to the bytes it wrote). Strings are
 * NUL-terminated, "" where the device says nothing. */
struct rc_netdev_info {
	size_t sz;
	char driver[32];      /* ETHTOOL_GDRVINFO: "veth", "ixgbe" */
	char version[32];     /* the driver's version */
	char firmware[32];
	char bus[32];         /* "0000:03:00.0" */
	char hardware[160];   /* the four above in one line, for if_hardware */
	char os[128];         /* "Linux 6.8.0-45-generic", uname, for if_os */
	uint16_t arphrd;      /* ARPHRD_* of the device */
	uint8_t addr_len;     /* bytes of addr: 6 for Ethernet, 0 for none */
	uint8_t addr[14];     /* SIOCGIFHWADDR */
	uint64_t speed_bps;   /* link speed, bits/s; 0 unknown (or link down) */
};
/* 0 or -errno (-ENODEV, -EINVAL sz not set). A driver without
 * ETHTOOL_GDRVINFO or link settings is not an error: those stay empty. */
RC_API int rc_netdev_info(struct rc_netdev *nd, struct rc_netdev_info *ret);

/* What the on-features do to the packets a capture sees. */
#define RC_NETDEV_F_RX_MERGE   (1u << 0) /* GRO, LRO, rx-gro-hw, rx-gro-list: received
					  * packets may be merged into super-packets */
#define RC_NETDEV_F_TX_SEGMENT (1u << 1) /* TSO, USO, UFO: sent packets are captured before
					  * the device splits them (larger than the MTU) */
#define RC_NETDEV_F_TX_CSUM    (1u << 2) /* tx-checksum-*: sent packets are captured before
					  * the device fills their checksum (they look wrong) */
/* A buffer of this size always holds the texts below. */
#define RC_NETDEV_TEXT_MAX 1024u

/* Writes the capture-relevant features, present ones only, in one line:
 * "rx-gro on, rx-lro off [fixed], rx-gro-hw off [fixed], ...": [fixed]
 * where the device cannot change it. Returns the RC_NETDEV_F_* that apply
 * (>= 0), or -errno; -ENOSPC when the text did not fit (it is cut, still
 * terminated). buf may be NULL with len 0: the flags only. */
RC_API int rc_netdev_offloads(struct rc_netdev *nd, char *buf, size_t len);

/* --no-offload: requests rx-gro, rx-lro, rx-gro-hw and rx-gro-list off
 * where they are active and changeable, reads the features back, and
 * remembers which it changed, for rc_netdev_restore. Writes what happened:
 * "changed: rx-gro on->off; kept: rx-gro-hw on [fixed]" ("changed: none"
 * when nothing was on), cut to len (RC_NETDEV_TEXT_MAX always holds it).
 * Returns how many of the four it turned off (>= 0), or -errno (-EPERM
 * without CAP_NET_ADMIN: nothing is changed then).
 * Calling it again changes what has been turned back on since. */
RC_API int rc_netdev_disable_rx_offloads(struct rc_netdev *nd, char *buf, size_t len);

/* Puts back exactly what this handle changed (the requested bits it
 * cleared, the hardware time stamp config it replaced), nothing else, and
 * forgets it. Idempotent: 0 when nothing is left to restore. -ENODEV when
 * the interface is gone (or another device now has its name): there is
 * nothing left to restore then either, and the change is forgotten. */
RC_API int rc_netdev_restore(struct rc_netdev *nd);

/* Forgets what this handle changed without undoing it, for a caller that
 * handed the undoing to another process: one forked with the handle,
 * which keeps the privilege to restore after this one gave it up (see
 * ringcap's --no-offload). rc_netdev_close then restores nothing. */
RC_API void rc_netdev_forget(struct rc_netdev *nd);

/* Time stamps: a bit per enum rc_tstamp_type (common.h). */
#define RC_NETDEV_TSTAMP_BIT(type) (1u << (type))
/* The types the interface offers, as libpcap lists them
 * (ETHTOOL_GET_TS_INFO): host always; the adapter types only where the
 * device time-stamps all received packets (HWTSTAMP_FILTER_ALL). A driver
 * without the call offers host only. 0 and *ret, or -errno. */
RC_API int rc_netdev_tstamp_types(struct rc_netdev *nd, unsigned *ret);
/* Makes type's clock run for received packets: for the adapter types,
 * saves the device's hwtstamp_config (SIOCGHWTSTAMP) and sets rx_filter
 * HWTSTAMP_FILTER_ALL (SIOCSHWTSTAMP), undone by rc_netdev_restore. The
 * packet socket must still ask for the hardware stamps (PACKET_TIMESTAMP).
 * host: nothing to do. 0 or -errno: -EOPNOTSUPP the interface does not
 * offer type (the log line lists what it offers), -EPERM. */
RC_API int rc_netdev_enable_tstamp(struct rc_netdev *nd, enum rc_tstamp_type type);

/* pcap-tstamp(7)'s name of type ("host", "adapter", "adapter_unsynced"),
 * or NULL for a value out of range. */
RC_API const char *rc_tstamp_type_name(enum rc_tstamp_type type);
/* The type a name stands for, case-insensitive, libpcap's aliases
 * included ("host_lowprec" and "host_hiprec" are host: Linux host stamps
 * are nanosecond ones). 0 and *ret, or -EINVAL. */
RC_API int rc_tstamp_type_from_name(const char *name, enum rc_tstamp_type *ret);

#ifdef __cplusplus
}
#endif

#endif
