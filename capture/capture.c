/* SPDX-License-Identifier: MIT */
/*
 * capture.c - opening and closing a capture, and its public getters.
 *
 * DESIGN: everything that can fail is done in rc_capture_open, in the
 * order that keeps a failure harmless: the config is checked, the rings
 * are held against the machine's memory, every engine is opened (so a
 * typo in an interface name does not truncate yesterday's capture), in
 * the config's network namespace, with each interface's facts read and
 * its changes made (evidence.c) and the guard that undoes them forked,
 * then before_output (privileges can go now: the sockets are open), then
 * the writers, which create the files. rc_capture_run only starts threads.
 */
#include "capture_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <ringcap/filter.h>

#include "log.h"
#include "netns.h"
#include "opts.h"
#include "thread.h"

#define DEFAULT_RING_SIZE (32ull << 20) /* rc_engine_config's default */

static int capture_check_config(const struct rc_capture_config *c)
{
	const char *why = NULL;

	if (!c->n_ifaces || !c->ifaces || c->n_ifaces > RC_CAPTURE_MAX_IFACES)
		why = "n_ifaces must be 1 to RC_CAPTURE_MAX_IFACES, with ifaces";
	else if (c->threads > RC_CAPTURE_MAX_THREADS)
		why = "threads must be at most RC_CAPTURE_MAX_THREADS";
	else if (!c->output == !c->on_packet)
		why = "give output or on_packet, not both";
	else if (c->file_per_thread && (!c->output || !c->output->path))
		why = "file_per_thread needs an output path";
	if (why)
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "rc_capture_config: %s", why);
	for (unsigned i = 0; !why && i < c->n_ifaces; i++) {
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(c->ifaces[i], c->ifaces[j]) == 0) {
				rc_logf(c->log, c->log_ctx, RC_LOG_ERROR,
					"%s: given twice; every packet would be written twice", c->ifaces[i]);
				return -EINVAL;
			}
		}
	}
	return why ? -EINVAL : 0;
}

/* MemAvailable from /proc/meminfo, in bytes; 0 if unknown. */
static uint64_t capture_mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	unsigned long long kib = 0;
	char line[128];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return (uint64_t)kib * 1024;
}

/* Rings are locked kernel memory: a request the machine cannot hold would
 * evict everything else (or fail half-way through), so it is refused with
 * the numbers; one that takes over half of what is free is warned about. */
static int capture_check_memory(const struct rc_capture *cap)
{
	uint64_t ring = cap->cfg.ring_size ? cap->cfg.ring_size : DEFAULT_RING_SIZE;
	uint64_t total = ring * cap->n_ifaces * cap->n_threads, avail = capture_mem_available();

	if (!avail || total <= avail / 2)
		return 0;
	rc_logf(cap->cfg.log, cap->cfg.log_ctx, total > avail ? RC_LOG_ERROR : RC_LOG_WARNING,
		"%u rings of %" PRIu64 " MiB (%" PRIu64 " MiB in all) %s the %" PRIu64
		" MiB of memory available", cap->n_ifaces * cap->n_threads, ring >> 20, total >> 20,
		total > avail ? "do not fit in" : "take over half of", avail >> 20);
	return total > avail ? -ENOMEM : 0;
}

static const char *capture_open_error(int r)
{
	switch (r) {
	case -ENODEV:
		return "no such interface";
	case -EPERM:
	case -EACCES:
		return "cannot open a packet socket: needs CAP_NET_RAW (run as root, or "
		       "setcap cap_net_raw+ep on the program)";
	default:
		return NULL;
	}
}

static void capture_vnote(struct rc_capture *cap, unsigned i, bool line, const char *fmt,
			  va_list ap) __attribute__((format(printf, 4, 0)));
static void capture_vnote(struct rc_capture *cap, unsigned i, bool line, const char *fmt,
			  va_list ap)
{
	char *ev = cap->evidence[i];
	size_t len = strlen(ev);

	if (line && len && len + 1 < sizeof(cap->evidence[i]))
		ev[len++] = '\n';
	vsnprintf(ev + len, sizeof(cap->evidence[i]) - len, fmt, ap);
}

void capture_note(struct rc_capture *cap, unsigned i, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	capture_vnote(cap, i, true, fmt, ap);
	va_end(ap);
}

void capture_note_more(struct rc_capture *cap, unsigned i, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	capture_vnote(cap, i, false, fmt, ap);
	va_end(ap);
}

/* The program for interface i's socket: the caller's, or, on a cooked
 * socket, the caller's rewritten for the kernel's view of the packet
 * (from the network header on: the SLL2 header is built after). */
static int capture_filter_for(struct rc_capture *cap, unsigned i, struct sock_filter **ret,
			      size_t *ret_len)
{
	const struct rc_capture_config *c = &cap->cfg;
	uint32_t want = c->filter_linktype ? c->filter_linktype : RC_LINKTYPE_ETHERNET;
	int lt = rc_engine_iface_linktype(c->ifaces[i]), r;

	*ret = NULL;
	*ret_len = c->filter_len;
	if (!c->filter || lt < 0) /* the engine's open says why */
		return 0;
	if ((uint32_t)lt != want) {
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "%s: the capture filter was compiled for "
			"link type %u, and this interface is link type %d", c->ifaces[i], want, lt);
		return -EINVAL;
	}
	if (lt != RC_LINKTYPE_LINUX_SLL2)
		return 0;
	r = rc_filter_cooked_for_kernel(c->filter, c->filter_len, (uint32_t)lt, ret, ret_len);
	if (r == -EOPNOTSUPP)
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "%s: the capture filter reads bytes of the "
			"SLL2 header the kernel does not have when it filters (only the protocol, "
			"packet type, ifindex and ARPHRD type are known to it); filter after "
			"capturing instead", c->ifaces[i]);
	else if (r < 0)
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "%s: cannot rewrite the capture filter "
			"for the kernel: %s", c->ifaces[i], strerror(-r));
	return r;
}

static int capture_open_engine(struct rc_capture *cap, unsigned e, uint16_t group,
			       const struct sock_filter *kernel_filter, size_t kernel_len)
{
	const struct rc_capture_config *c = &cap->cfg;
	unsigned i = e / cap->n_threads;
	RC_OPTS(rc_engine_config, ec, .ifname = c->ifaces[i], .snaplen = c->snaplen,
		.ring_size = c->ring_size, .block_size = c->block_size,
		.block_timeout_ms = c->block_timeout_ms, .no_promisc = c->no_promisc,
		.fanout = cap->n_threads > 1 ? (c->fanout ? c->fanout : RC_ENGINE_FANOUT_HASH)
					     : RC_ENGINE_FANOUT_NONE,
		.fanout_group = (uint16_t)(group + i), .tag = i,
		.filter = kernel_filter ? kernel_filter : c->filter,
		.filter_len = (uint16_t)kernel_len, .log = c->log, .log_ctx = c->log_ctx,
		.direction = c->direction, .tstamp = c->tstamp);
	int r = rc_engine_open(&ec, &cap->engines[e]);
	const char *why = capture_open_error(r);

	if (r < 0 && why)
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "%s: %s", c->ifaces[i], why);
	else if (r < 0 && r != -EINVAL && r != -EPROTONOSUPPORT) /* those the engine named */
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "%s: cannot start capturing: %s",
			c->ifaces[i], strerror(-r));
	if (r < 0)
		return r;
	cap->n_engines++;
	cap->batches[e] = calloc(rc_engine_block_count(cap->engines[e]), sizeof(struct block_batch));
	if (!cap->batches[e])
		return -ENOMEM;
	return 0;
}

static int capture_open_engines(struct rc_capture *cap)
{
	/* One fanout group id per process and interface. */
	uint16_t group = (uint16_t)(getpid() * RC_CAPTURE_MAX_IFACES);
	struct sock_filter *kernel_filter = NULL;
	size_t kernel_len = 0;
	int r = 0;

	for (unsigned e = 0; e < cap->n_ifaces * cap->n_threads && r == 0; e++) {
		unsigned i = e / cap->n_threads;

		/* One program per interface, for all its threads' sockets. */
		if (e % cap->n_threads == 0) {
			free(kernel_filter);
			r = capture_filter_for(cap, i, &kernel_filter, &kernel_len);
		}
		if (r == 0)
			r = capture_open_engine(cap, e, group, kernel_filter, kernel_len);
	}
	free(kernel_filter);
	return r;
}

/* "dir/name.pcapng" -> "dir/name_t2.pcapng": thread 2's file. */
static void capture_thread_path(const char *path, unsigned t, char *ret, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	int base = dot && dot != (slash ? slash + 1 : path) ? (int)(dot - path) : (int)strlen(path);

	snprintf(ret, size, "%.*s_t%u%s", base, path, t, path + base);
}

/* pcapng holds interfaces of different link types, but libpcap reads a
 * pcapng file as one link type and refuses the rest: said once, before the
 * writers (one per thread with file_per_thread) open. pcap refuses them
 * itself (rc_writer_open). */
static void capture_warn_linktypes(const struct rc_capture *cap, const struct rc_writer_config *wc)
{
	for (unsigned i = 1; wc->format == RC_WRITER_PCAPNG && i < wc->n_ifaces; i++) {
		if (wc->ifaces[i].linktype == wc->ifaces[0].linktype)
			continue;
		rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_WARNING,
			"%s and %s have different link types: tshark reads the file, but "
			"libpcap-based readers (tcpdump -r) refuse it", wc->ifaces[0].name,
			wc->ifaces[i].name);
		return;
	}
}

/* What the IDB says of interface i beyond its name and link type. */
static void capture_iface_evidence(const struct rc_capture *cap, unsigned i,
				   struct rc_writer_iface *ifc)
{
	const struct rc_netdev_info *info = &cap->info[i];

	ifc->comment = cap->evidence[i][0] ? cap->evidence[i] : NULL;
	if (!cap->netdevs[i])
		return;
	ifc->hardware = info->hardware[0] ? info->hardware : NULL;
	ifc->os = info->os[0] ? info->os : NULL;
	ifc->speed_bps = info->speed_bps;
	ifc->has_mac = info->addr_len == sizeof(ifc->mac);
	if (ifc->has_mac)
		memcpy(ifc->mac, info->addr, sizeof(ifc->mac));
}

static int capture_open_writers(struct rc_capture *cap)
{
	struct rc_writer_iface ifaces[RC_CAPTURE_MAX_IFACES];
	struct rc_writer_config wc;
	char path[4096];
	int r = rc_opts_copy(&wc, sizeof(wc), cap->cfg.output);

	if (r < 0) {
		rc_opts_log_error(r, "rc_writer_config", cap->cfg.log, cap->cfg.log_ctx);
		return r;
	}
	if (!wc.log) {
		wc.log = cap->cfg.log;
		wc.log_ctx = cap->cfg.log_ctx;
	}
	wc.queue_batches = 0;
	for (unsigned e = 0; e < cap->n_engines; e++) {
		struct rc_engine *eng = cap->engines[e];
		uint32_t delay = 2 * rc_engine_block_timeout_ms(eng) + 100;

		ifaces[e / cap->n_threads] = (struct rc_writer_iface){
			.sz = sizeof(struct rc_writer_iface), .name = rc_engine_ifname(eng),
			.linktype = rc_engine_linktype(eng), .snaplen = rc_engine_snaplen(eng),
			.filter = cap->cfg.filter_text,
		};
		capture_iface_evidence(cap, e / cap->n_threads, &ifaces[e / cap->n_threads]);
		/* A lane holds all blocks of the rings its thread drains. */
		wc.queue_batches += rc_engine_block_count(eng);
		wc.max_delay_ms = delay > wc.max_delay_ms ? delay : wc.max_delay_ms;
	}
	wc.ifaces = ifaces;
	wc.n_ifaces = cap->n_ifaces;
	capture_warn_linktypes(cap, &wc);
	wc.lanes = cap->cfg.file_per_thread ? 1 : cap->n_threads;
	cap->n_writers = cap->cfg.file_per_thread ? cap->n_threads : 1;
	for (unsigned w = 0; w < cap->n_writers; w++) {
		if (cap->cfg.file_per_thread) {
			capture_thread_path(cap->cfg.output->path, w, path, sizeof(path));
			wc.path = path;
		}
		r = rc_writer_open(&wc, &cap->writers[w]);
		if (r < 0) {
			rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_ERROR,
				"%s: cannot create the output file: %s", wc.path ? wc.path : "output",
				strerror(-r));
			cap->n_writers = w;
			return r;
		}
	}
	return 0;
}

static int capture_init(struct rc_capture *cap, const struct rc_capture_config *config)
{
	int r = rc_opts_copy(&cap->cfg, sizeof(cap->cfg), config);

	cap->stop_fd = cap->drain_fd = cap->gone_fd = -1;
	cap->guard_fd = cap->guard_report_fd = -1;
	pthread_mutex_init(&cap->stats_lock, NULL);
	if (r < 0) {
		rc_opts_log_error(r, "rc_capture_config", cap->cfg.log, cap->cfg.log_ctx);
		return r;
	}
	r = capture_check_config(&cap->cfg);
	if (r < 0)
		return r;
	cap->n_ifaces = cap->cfg.n_ifaces;
	cap->n_threads = cap->cfg.threads ? cap->cfg.threads : 1;
	for (unsigned i = 0; i < cap->n_ifaces; i++)
		snprintf(cap->names[i], sizeof(cap->names[i]), "%s", cap->cfg.ifaces[i]);
	cap->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	cap->drain_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	cap->gone_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cap->stop_fd < 0 || cap->drain_fd < 0 || cap->gone_fd < 0)
		return -errno;
	return capture_check_memory(cap);
}

/* The sockets are created inside the namespace and keep it for life
 * (common/netns.h); everything else, the files included, happens in the
 * caller's. */
static int capture_open_in_netns(struct rc_capture *cap)
{
	const char *ns = cap->cfg.netns;
	char path[4096];
	int saved, r = rc_netns_enter(ns, &saved), back;

	if (r < 0) {
		rc_netns_path(ns, path, sizeof(path));
		rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_ERROR, "--netns %s: %s", ns,
			r == -ENOENT ? "no such network namespace (no such file as the name stands for)" :
			r == -EPERM ? "entering a network namespace needs CAP_SYS_ADMIN" :
			r == -EINVAL ? "not a network namespace" : strerror(-r));
		return r;
	}
	for (unsigned i = 0; ns && *ns && i < cap->n_ifaces; i++) {
		rc_netns_path(ns, path, sizeof(path));
		capture_note(cap, i, "network namespace: %s", path);
	}
	r = capture_open_engines(cap);
	for (unsigned i = 0; r == 0 && i < cap->n_ifaces; i++)
		r = capture_evidence_open(cap, i);
	back = rc_netns_leave(saved);
	if (back < 0) {
		/* Files must not be created in a namespace the caller did not
		 * ask for, and this thread would stay there. */
		rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_ERROR,
			"cannot return from network namespace %s: %s", ns, strerror(-back));
		return r < 0 ? r : back;
	}
	return r;
}

static int capture_linktype(void *ctx)
{
	return rc_engine_iface_linktype(ctx);
}

int rc_capture_iface_linktype(const char *netns, const char *ifname)
{
	return rc_capture_in_netns(netns, capture_linktype, (void *)ifname);
}

int rc_capture_in_netns(const char *netns, int (*fn)(void *ctx), void *ctx)
{
	int saved, r = rc_netns_enter(netns, &saved), back;

	if (r < 0)
		return r;
	r = fn(ctx);
	back = rc_netns_leave(saved);
	return back < 0 ? back : r;
}

struct list_call {
	rc_iface_fn fn;
	void *ctx;
};

static int capture_list(void *ctx)
{
	struct list_call *c = ctx;

	return rc_engine_list_interfaces(c->fn, c->ctx);
}

int rc_capture_list_interfaces(const char *netns, rc_iface_fn fn, void *ctx)
{
	struct list_call c = { fn, ctx };

	return rc_capture_in_netns(netns, capture_list, &c);
}

int rc_capture_open(const struct rc_capture_config *config, struct rc_capture **ret)
{
	struct rc_capture *cap = calloc(1, sizeof(*cap));
	int r;

	if (!cap)
		return -ENOMEM;
	r = capture_init(cap, config);
	if (r == 0)
		r = capture_open_in_netns(cap);
	if (r == 0)
		r = capture_guard_start(cap);
	if (r == 0 && cap->cfg.before_output)
		r = cap->cfg.before_output(cap->cfg.before_output_ctx);
	if (r == 0 && cap->cfg.output)
		r = capture_open_writers(cap);
	if (r < 0) {
		rc_capture_close(cap);
		return r;
	}
	*ret = cap;
	return 0;
}

static void *capture_run_thread(void *arg)
{
	struct rc_capture *cap = arg;

	cap->run_result = rc_capture_run(cap);
	return NULL;
}

int rc_capture_start(struct rc_capture *cap)
{
	int r;

	if (cap->ran || cap->run_thread_started)
		return -EALREADY;
	r = rc_thread_create(&cap->run_thread, capture_run_thread, cap);
	cap->run_thread_started = r == 0;
	return r;
}

int rc_capture_wait(struct rc_capture *cap)
{
	if (!cap->run_thread_started)
		return -EINVAL;
	pthread_join(cap->run_thread, NULL);
	cap->run_thread_started = false;
	return cap->run_result;
}

void rc_capture_stats(struct rc_capture *cap, struct rc_capture_stats *ret)
{
	struct rc_capture_iface_stats st[RC_CAPTURE_MAX_IFACES];

	memset(ret, 0, sizeof(*ret));
	capture_sum_stats(cap, st);
	for (unsigned i = 0; i < cap->n_ifaces; i++) {
		ret->received += st[i].received;
		ret->dropped += st[i].dropped;
	}
	/* Once the writers are closed their last word is the result's; see
	 * run_close_writers for the lock. */
	pthread_mutex_lock(&cap->stats_lock);
	if (cap->writers_closed) {
		ret->written = cap->result.total.written;
	} else {
		for (unsigned w = 0; w < cap->n_writers; w++) {
			struct rc_writer_progress p;

			rc_writer_progress(cap->writers[w], &p);
			capture_progress_add(&ret->written, &p);
		}
	}
	pthread_mutex_unlock(&cap->stats_lock);
}

void capture_progress_add(struct rc_writer_progress *t, const struct rc_writer_progress *p)
{
	t->packets += p->packets;
	t->bytes += p->bytes;
	t->file_bytes += p->file_bytes;
	t->files += p->files;
	t->file_size += p->file_size;
	t->staging_used += p->staging_used;
	t->staging_size += p->staging_size;
	if (p->stopped && !t->stopped) {
		t->stopped = p->stopped;
		t->error = p->error;
	}
}

void rc_capture_result(const struct rc_capture *cap, struct rc_capture_result *ret)
{
	*ret = cap->result;
}

const char *rc_capture_ifname(const struct rc_capture *cap, unsigned iface)
{
	return iface < cap->n_ifaces ? cap->names[iface] : NULL;
}

void rc_capture_close(struct rc_capture *cap)
{
	if (!cap)
		return;
	if (cap->run_thread_started) {
		rc_capture_stop(cap);
		rc_capture_wait(cap);
	}
	/* Writers first: they give every block back to its engine. */
	for (unsigned w = 0; w < cap->n_writers; w++)
		rc_writer_close(cap->writers[w], NULL, 0, NULL);
	for (unsigned e = 0; e < cap->n_engines; e++) {
		rc_engine_close(cap->engines[e]);
		free(cap->batches[e]);
	}
	/* The guard restores the interfaces; whatever it was not handed
	 * (an open that failed before it started) rc_netdev_close does. */
	capture_guard_finish(cap);
	for (unsigned i = 0; i < cap->n_ifaces; i++)
		rc_netdev_close(cap->netdevs[i]);
	if (cap->stop_fd >= 0)
		close(cap->stop_fd);
	if (cap->drain_fd >= 0)
		close(cap->drain_fd);
	if (cap->gone_fd >= 0)
		close(cap->gone_fd);
	pthread_mutex_destroy(&cap->stats_lock);
	free(cap);
}
