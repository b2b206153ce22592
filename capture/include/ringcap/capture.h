/* SPDX-License-Identifier: MIT */
/*
 * ringcap/capture.h - a whole capture: interfaces in, pcapng files (or a
 * packet callback) out, with counters that add up.
 *
 * DESIGN: a capture owns an engine per interface and capture thread (with
 * threads > 1, a PACKET_FANOUT group per interface), the threads that drain
 * them, and the writer they feed through one lane each. It owns the stop
 * protocol that makes the counters exact: intake is closed with a drop-all
 * filter, the threads drain for two block timeouts (the longest the kernel
 * takes to retire a partly filled block), and only then are the kernel's
 * counters read and the final ISBs written, so received = written +
 * dropped. Before each block goes to the writer its engine's counters are
 * read, so every ISB on the way (rotations, periodic ones) has received >=
 * delivered + dropped. Link events (down, up, removed) are followed and
 * said through the log hook.
 *
 *   RC_OPTS(rc_writer_config, out, .path = "x.pcapng");
 *   const char *ifs[] = { "eth1" };
 *   RC_OPTS(rc_capture_config, c, .ifaces = ifs, .n_ifaces = 1, .output = &out);
 *   rc_capture_open(&c, &cap);  rc_capture_run(cap);  (rc_capture_stop() from
 *   a signal handler or another thread)  rc_capture_result(cap, &res);
 *   rc_capture_close(cap);
 *
 * Threads: open, run (or start and wait), result and close from one
 * controlling thread; stop from anywhere, signal handlers included; stats
 * from any thread. The library's threads block every asynchronous signal.
 */
#ifndef RINGCAP_CAPTURE_H
#define RINGCAP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/common.h>
#include <ringcap/engine.h>
#include <ringcap/writer.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rc_capture;
struct sock_filter;

/* Interfaces and capture threads, at most. */
#define RC_CAPTURE_MAX_IFACES 16u
#define RC_CAPTURE_MAX_THREADS 16u

/* A packet for rc_capture_config.on_packet: iface is the index into the
 * config's ifaces; lost is how many of that interface's packets the kernel
 * dropped (or the walker could not read) just before this one. */
typedef void (*rc_capture_packet_fn)(void *ctx, uint32_t iface, const struct rc_packet *packet,
				     uint64_t lost);

struct rc_capture;

/* Zero means default for every field but sz, ifaces and one of output
 * or on_packet. */
struct rc_capture_config {
	size_t sz;                  /* sizeof(struct rc_capture_config): RC_OPTS */
	const char *const *ifaces;  /* interface names */
	unsigned n_ifaces;          /* 1 to RC_CAPTURE_MAX_IFACES */
	/* Per engine, as in rc_engine_config. */
	uint32_t snaplen;           /* 0 = RC_SNAPLEN_MAX */
	uint32_t ring_size;         /* bytes per engine; 0 = 32 MiB */
	uint32_t block_size;
	uint32_t block_timeout_ms;
	bool no_promisc;
	const struct sock_filter *filter; /* classic BPF for filter_linktype's framing */
	uint16_t filter_len;
	const char *filter_text;    /* recorded as if_filter */
	unsigned threads;           /* capture threads, a fanout socket each; 0 = 1 */
	enum rc_engine_fanout fanout; /* with threads > 1; 0 = hash */
	uint64_t duration_ms;       /* stop after this long; 0 = no limit */
	/* Where packets go: a writer with this config (its ifaces, lanes,
	 * queue_batches and max_delay_ms are the capture's to set), or, with
	 * file_per_thread, one writer per thread, path PREFIX_tN.EXT. */
	const struct rc_writer_config *output;
	bool file_per_thread;
	/* Or, instead of output, each packet to this function, on the
	 * capture thread that drained it (threads > 1: several at once). */
	rc_capture_packet_fn on_packet;
	void *on_packet_ctx;
	/* Called once the sockets are open and before the output is: the
	 * place to give up privileges, so files are created as the user the
	 * program becomes. A negative return (-errno) fails the open. */
	int (*before_output)(void *ctx);
	void *before_output_ctx;
	/* About once a second, on the thread in rc_capture_run. */
	void (*on_tick)(void *ctx, struct rc_capture *capture);
	void *on_tick_ctx;
	/* Errors, kernel drops (rate-limited), link events: one line each. */
	rc_log_fn log;
	void *log_ctx;
	/* Appended after 0.2.0: the wire as it is. */
	/* Open the sockets in this network namespace: a name as `ip netns`
	 * knows it, or a path such as /proc/PID/ns/net (needs CAP_SYS_ADMIN).
	 * Each IDB says which. NULL: the caller's. */
	const char *netns;
	/* Turn the receive merges (rx-gro, rx-lro, rx-gro-hw, rx-gro-list) off
	 * on the interfaces while capturing (needs CAP_NET_ADMIN). A process
	 * forked at open keeps the privilege and puts back exactly what was
	 * changed when the capture closes or the process dies, SIGKILL
	 * included; without it, the offloads in force are in each IDB and
	 * warned about once. */
	bool no_offload;
	/* Where time stamps come from (the interfaces must offer it: -J); the
	 * adapter types turn the NIC's receive time stamping on for the
	 * capture, undone as no_offload's changes. */
	enum rc_tstamp_type tstamp;
	/* Only the packets received, or sent (tcpdump -Q); recorded in each
	 * IDB, and every EPB's flags say the packet's direction. */
	enum rc_engine_direction direction;
	/* The link type filter was compiled for (0: Ethernet). Every
	 * interface must have it (rc_capture_iface_linktype tells); on a
	 * cooked one ("any", SLL2) the program is rewritten for the kernel,
	 * which filters before the SLL2 header exists. */
	uint32_t filter_linktype;
};

enum rc_capture_end {
	RC_CAPTURE_RUNNING = 0,
	RC_CAPTURE_END_STOP,        /* rc_capture_stop() */
	RC_CAPTURE_END_DURATION,
	RC_CAPTURE_END_LIMIT,       /* the writer reached a limit: see limit */
	RC_CAPTURE_END_WRITE_ERROR,
	RC_CAPTURE_END_IFACE_GONE,  /* an interface was removed */
	RC_CAPTURE_END_ERROR,       /* see error */
};

/* Counters of one interface, all its engines added up. */
struct rc_capture_iface_stats {
	uint64_t received;          /* seen by the sockets (after the filter), drops included */
	uint64_t dropped;           /* lost because a ring was full */
};

/* Live counters. */
struct rc_capture_stats {
	uint64_t received;          /* all interfaces */
	uint64_t dropped;
	struct rc_writer_progress written; /* all writers added up; zero with on_packet */
};

struct rc_capture_result {
	enum rc_capture_end end;
	enum rc_writer_stop limit;  /* for RC_CAPTURE_END_LIMIT */
	int error;                  /* -errno for WRITE_ERROR and ERROR */
	unsigned n_ifaces;
	struct rc_capture_iface_stats ifaces[RC_CAPTURE_MAX_IFACES];
	struct rc_capture_stats total; /* final: what is in the files */
	/* Packets received after a packet limit (-c) stopped the writer:
	 * counted by the kernel, not written. received = written + dropped +
	 * this. */
	uint64_t not_written;
};

/* Opens every engine, calls before_output, opens the output (the writer
 * writes SHB and IDBs). Nothing is captured until run. Returns 0 or
 * -errno (-EINVAL, -E2BIG for the config; -ENODEV, -EPERM,
 * -EPROTONOSUPPORT for an interface; -ENOMEM when the rings would not fit
 * in memory; the output's error), having said which and why through the
 * log hook. */
RC_API int rc_capture_open(const struct rc_capture_config *config, struct rc_capture **ret);

/* Captures until rc_capture_stop(), the duration, a writer limit, a write
 * error or a removed interface; then drains, closes the writers with their
 * final ISBs, and returns 0 (or -EALREADY if it ran before). The result
 * is ready when it returns. */
RC_API int rc_capture_run(struct rc_capture *capture);

/* rc_capture_run on a thread of the library's; rc_capture_wait joins it. */
RC_API int rc_capture_start(struct rc_capture *capture);
RC_API int rc_capture_wait(struct rc_capture *capture);

/* Asks the capture to stop: async-signal-safe, any thread, any number of
 * times. Returns at once; run returns once the rings are drained. */
RC_API void rc_capture_stop(struct rc_capture *capture);

/* Live counters (at most a second old while running). Any thread. */
RC_API void rc_capture_stats(struct rc_capture *capture, struct rc_capture_stats *ret);

/* How and why the capture ended, and the final counters. After run. */
RC_API void rc_capture_result(const struct rc_capture *capture, struct rc_capture_result *ret);

/* The interface names, as given (index = the pcapng interface id). */
RC_API const char *rc_capture_ifname(const struct rc_capture *capture, unsigned iface);

/* rc_engine_list_interfaces inside network namespace netns (as the
 * config's; NULL: the caller's), for -D --netns. 0 or -errno (the
 * namespace's errors as for rc_capture_open). Any thread. */
RC_API int rc_capture_list_interfaces(const char *netns, rc_iface_fn fn, void *ctx);

/* The link type the capture would give ifname in network namespace netns
 * (NULL: the caller's): for compiling its filter. LINKTYPE_* or -errno
 * (-ENODEV, -EPROTONOSUPPORT, the namespace's). */
RC_API int rc_capture_iface_linktype(const char *netns, const char *ifname);

/* Calls fn(ctx) on the calling thread inside network namespace netns
 * (NULL: the caller's) and comes back: sockets fn creates stay in it, as
 * the capture's do (for ringcap -J --netns: an rc_netdev opened there).
 * fn's return value, or the namespace's -errno. */
RC_API int rc_capture_in_netns(const char *netns, int (*fn)(void *ctx), void *ctx);

/* Closes the engines (and the writers if run never did) and frees. NULL
 * is a no-op. */
RC_API void rc_capture_close(struct rc_capture *capture);

#ifdef __cplusplus
}
#endif

#endif
