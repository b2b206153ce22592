/* SPDX-License-Identifier: MIT */
/*
 * capture.c - the capture loop: capture threads drain the engines into the
 * writer; the main thread watches signals, limits, the clock and the
 * status line.
 *
 * DESIGN: each capture thread owns its engines outright (taking blocks,
 * reading their counters), so engine state needs no lock; it publishes the
 * counters under stats_lock once a second for the main thread. Each thread
 * feeds its own writer lane, so every queue keeps one producer.
 *
 * A stop (signal, -a, -c, a vanished interface) first closes every
 * socket's intake with a drop-all filter, then the threads keep draining
 * for two block timeouts, the longest the kernel can take to retire the
 * block it was filling. After that the rings hold nothing more and the
 * kernel's counters no longer move, so the ISBs add up: received =
 * delivered + dropped. A stop by -c or a write error skips the wait: the
 * writer takes no more.
 */
#include "capture.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

#define NS_PER_MS 1000000ull
#define TICK_NS (1000 * NS_PER_MS)
#define DRAIN_MARGIN_NS (50 * NS_PER_MS)
#define DROP_WARN_INTERVAL_NS (5000 * NS_PER_MS)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int ms_until(uint64_t until, uint64_t now)
{
	return until <= now ? 0 : (int)((until - now + NS_PER_MS - 1) / NS_PER_MS);
}

/* ---- capture threads ---------------------------------------------------- */

enum link_state { LINK_UP, LINK_DOWN, LINK_GONE };

struct worker {
	struct capture *cap;
	unsigned id;
	pthread_t thread;
	enum link_state link[CLI_MAX_ENGINES];
};

static void worker_take_blocks(struct worker *wk, struct rc_engine *e)
{
	struct capture *cap = wk->cap;
	bool own_writer = cap->n_writers > 1;
	struct rc_writer *w = cap->writers[own_writer ? wk->id : 0];
	unsigned lane = own_writer ? 0 : wk->id;
	struct rc_block *b;

	while (rc_engine_take_block(e, &b) == 1) {
		/* Engine -> writer. The lane holds every block of this
		 * thread's rings, so this cannot fail; if it did, the block
		 * goes back. */
		if (rc_writer_submit_lane(w, lane, b) < 0)
			rc_block_release(b);
	}
}

/* With fanout an interface has an engine per thread; thread 0's speaks. */
static void worker_say_link(struct worker *wk, unsigned e, const char *what)
{
	if (wk->id == 0)
		report_line("%s: %s", rc_engine_ifname(wk->cap->engines[e]), what);
}

static void worker_check_link(struct worker *wk, unsigned e)
{
	int r = rc_engine_check_link(wk->cap->engines[e]);
	uint64_t one = 1;

	if (r == RC_ENGINE_IFACE_DOWN && wk->link[e] == LINK_UP) {
		worker_say_link(wk, e, "interface went down; waiting for it to come back");
		wk->link[e] = LINK_DOWN;
	} else if (r == 0 && wk->link[e] == LINK_DOWN) {
		worker_say_link(wk, e, "interface is up again");
		wk->link[e] = LINK_UP;
	} else if (r == RC_ENGINE_IFACE_GONE && wk->link[e] != LINK_GONE) {
		worker_say_link(wk, e, "interface was removed; capture stopped");
		wk->link[e] = LINK_GONE;
		(void)!write(wk->cap->gone_fd, &one, sizeof(one));
	}
}

/* Reads this thread's engines' counters and publishes them. */
static void worker_publish_stats(struct worker *wk, bool check_links)
{
	struct capture *cap = wk->cap;
	struct rc_engine_stats st[CLI_MAX_ENGINES];

	for (unsigned e = wk->id; e < cap->n_engines; e += cap->n_threads) {
		if (check_links && wk->link[e] == LINK_DOWN)
			worker_check_link(wk, e);
		rc_engine_stats(cap->engines[e], &st[e]);
	}
	pthread_mutex_lock(&cap->stats_lock);
	for (unsigned e = wk->id; e < cap->n_engines; e += cap->n_threads)
		cap->engine_stats[e] = st[e];
	pthread_mutex_unlock(&cap->stats_lock);
}

static bool worker_poll_once(struct worker *wk, bool draining, uint64_t until)
{
	struct pollfd pfd[1 + 2 * CLI_MAX_ENGINES];
	struct capture *cap = wk->cap;
	unsigned n = 1;

	/* Once draining, the stop eventfd stays readable: leave it out. */
	pfd[0] = (struct pollfd){ .fd = draining ? -1 : cap->stop_fd, .events = POLLIN };
	for (unsigned e = wk->id; e < cap->n_engines; e += cap->n_threads, n += 2)
		rc_engine_pollfds(cap->engines[e], &pfd[n]);
	poll(pfd, n, ms_until(until, mono_ns()));
	n = 1;
	for (unsigned e = wk->id; e < cap->n_engines; e += cap->n_threads, n += 2) {
		if (pfd[n].revents & POLLERR)
			worker_check_link(wk, e);
		worker_take_blocks(wk, cap->engines[e]);
	}
	return pfd[0].revents & POLLIN;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct capture *cap = wk->cap;
	uint64_t next_tick = mono_ns() + TICK_NS, stop_at = 0;
	bool draining = false;

	while (!draining || mono_ns() < stop_at) {
		uint64_t until = draining && stop_at < next_tick ? stop_at : next_tick;

		if (worker_poll_once(wk, draining, until) && !draining) {
			/* Pairs with the release store in loop_request_stop(). */
			stop_at = __atomic_load_n(&cap->stop_at_ns, __ATOMIC_ACQUIRE);
			draining = true;
		}
		if (mono_ns() >= next_tick) {
			worker_publish_stats(wk, true);
			next_tick += TICK_NS;
		}
	}
	/* One last pass: a block retired just at the deadline. */
	for (unsigned e = wk->id; e < cap->n_engines; e += cap->n_threads)
		worker_take_blocks(wk, cap->engines[e]);
	worker_publish_stats(wk, false);
	return NULL;
}

/* ---- the main thread ------------------------------------------------------ */

struct loop {
	struct capture *cap;
	bool draining;
	uint64_t start_ns;
	uint64_t stop_at_ns;
	uint64_t next_tick_ns;
	uint64_t last_status_packets;
};

static void loop_request_stop(struct loop *l, enum capture_end end, bool wait_for_kernel)
{
	struct capture *cap = l->cap;
	uint64_t tov_ns = 0, one = 1;

	if (l->draining)
		return;
	l->draining = true;
	cap->end = end;
	for (unsigned e = 0; e < cap->n_engines; e++) {
		uint64_t t = rc_engine_block_timeout_ms(cap->engines[e]) * NS_PER_MS;

		/* A setsockopt on the engine's socket: safe beside the thread
		 * that drains it. */
		rc_engine_stop_intake(cap->engines[e]);
		if (t > tov_ns)
			tov_ns = t;
	}
	l->stop_at_ns = mono_ns() + (wait_for_kernel ? 2 * tov_ns + DRAIN_MARGIN_NS : 0);
	__atomic_store_n(&cap->stop_at_ns, l->stop_at_ns, __ATOMIC_RELEASE);
	(void)!write(cap->stop_fd, &one, sizeof(one));
}

static void loop_on_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	if (read(l->cap->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		loop_request_stop(l, CAPTURE_END_SIGNAL, true);
}

static void loop_on_writer_stopped(struct loop *l, unsigned w)
{
	struct rc_writer_progress p;

	rc_writer_progress(l->cap->writers[w], &p);
	if (p.error) {
		l->cap->error = p.error;
		loop_request_stop(l, CAPTURE_END_WRITE_ERROR, false);
	} else {
		l->cap->limit = p.stopped;
		loop_request_stop(l, CAPTURE_END_LIMIT, false);
	}
}

/* Per-interface sums of the engines' published counters. */
static void loop_sum_stats(struct capture *cap)
{
	memset(cap->stats, 0, sizeof(cap->stats));
	pthread_mutex_lock(&cap->stats_lock);
	for (unsigned e = 0; e < cap->n_engines; e++) {
		struct rc_engine_stats *to = &cap->stats[cap->engine_iface[e]];

		to->packets += cap->engine_stats[e].packets;
		to->drops += cap->engine_stats[e].drops;
		to->freezes += cap->engine_stats[e].freezes;
		to->blocks += cap->engine_stats[e].blocks;
		to->seq_gaps += cap->engine_stats[e].seq_gaps;
	}
	pthread_mutex_unlock(&cap->stats_lock);
}

/* Kernel drops are loud but rate-limited: one line per 5 s at most. */
static void loop_warn_drops(struct capture *cap, uint64_t drops, uint64_t now, bool last)
{
	if (drops <= cap->drops_warned || (!last && now - cap->drop_warn_ns < DROP_WARN_INTERVAL_NS))
		return;
	report_line("warning: the kernel dropped %" PRIu64 " packets (%" PRIu64
		    " in all): the ring overflowed; a larger -B or a faster disk helps",
		    drops - cap->drops_warned, drops);
	cap->drops_warned = drops;
	cap->drop_warn_ns = now;
}

/* What writer w's ISBs count: its interfaces' totals, or with a writer
 * per thread, that thread's engines only. */
void capture_writer_stats(const struct capture *cap, unsigned w, struct rc_writer_iface_stats *ret)
{
	for (unsigned i = 0; i < cap->n_ifaces; i++) {
		const struct rc_engine_stats *st = cap->n_writers > 1 ?
			&cap->engine_stats[i * cap->n_threads + w] : &cap->stats[i];

		ret[i] = (struct rc_writer_iface_stats){ .received = st->packets,
							 .dropped = st->drops };
	}
}

/* Counters to the writers (for their ISBs), drop warnings, the status line. */
static void loop_on_tick(struct loop *l, uint64_t now)
{
	struct rc_writer_iface_stats ws[CLI_MAX_IFACES];
	struct capture *cap = l->cap;
	uint64_t drops = 0, packets = 0, bytes = 0;

	if (!l->draining && cap->duration_s && now - l->start_ns >= cap->duration_s * 1000000000ull)
		loop_request_stop(l, CAPTURE_END_DURATION, true);
	if (now < l->next_tick_ns)
		return;
	l->next_tick_ns = now + TICK_NS;
	loop_sum_stats(cap);
	for (unsigned i = 0; i < cap->n_ifaces; i++)
		drops += cap->stats[i].drops;
	for (unsigned w = 0; w < cap->n_writers; w++) {
		struct rc_writer_progress p;

		pthread_mutex_lock(&cap->stats_lock);
		capture_writer_stats(cap, w, ws);
		pthread_mutex_unlock(&cap->stats_lock);
		rc_writer_update_stats(cap->writers[w], ws);
		rc_writer_progress(cap->writers[w], &p);
		packets += p.packets;
		bytes += p.bytes;
	}
	loop_warn_drops(cap, drops, now, false);
	if (cap->status_line)
		report_status(packets, bytes, drops, packets - l->last_status_packets);
	l->last_status_packets = packets;
	if (cap->on_tick)
		cap->on_tick(cap->on_tick_ctx);
}

static void loop_poll_once(struct loop *l)
{
	struct capture *cap = l->cap;
	struct pollfd pfd[3 + CLI_MAX_ENGINES] = {
		{ .fd = cap->signal_fd, .events = POLLIN },
		{ .fd = cap->gone_fd, .events = POLLIN },
	};
	uint64_t now = mono_ns(), until = l->next_tick_ns;

	for (unsigned w = 0; w < cap->n_writers; w++)
		pfd[2 + w] = (struct pollfd){ .fd = rc_writer_stopped_fd(cap->writers[w]), .events = POLLIN };
	if (!l->draining && cap->duration_s && l->start_ns + cap->duration_s * 1000000000ull < until)
		until = l->start_ns + cap->duration_s * 1000000000ull;
	if (l->draining && l->stop_at_ns < until)
		until = l->stop_at_ns;
	if (poll(pfd, 2 + cap->n_writers, ms_until(until, now)) < 0 && errno != EINTR) {
		cap->error = -errno;
		loop_request_stop(l, CAPTURE_END_ERROR, false);
	}
	if (pfd[0].revents & POLLIN)
		loop_on_signal(l);
	if (pfd[1].revents & POLLIN)
		loop_request_stop(l, CAPTURE_END_IFACE_GONE, true);
	for (unsigned w = 0; w < cap->n_writers; w++)
		if (pfd[2 + w].revents & POLLIN)
			loop_on_writer_stopped(l, w);
	loop_on_tick(l, mono_ns());
}

static int capture_start_threads(struct capture *cap, struct worker *wk)
{
	for (unsigned t = 0; t < cap->n_threads; t++) {
		wk[t] = (struct worker){ .cap = cap, .id = t };
		if (pthread_create(&wk[t].thread, NULL, worker_main, &wk[t]) != 0)
			return (int)t;
	}
	return (int)cap->n_threads;
}

void capture_run(struct capture *cap)
{
	struct worker wk[CLI_MAX_ENGINES];
	struct loop l = { .cap = cap };
	int started;

	cap->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	cap->gone_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&cap->stats_lock, NULL);
	l.start_ns = mono_ns();
	l.next_tick_ns = l.start_ns + TICK_NS;
	started = capture_start_threads(cap, wk);
	if (started < (int)cap->n_threads) {
		cap->error = -EAGAIN;
		loop_request_stop(&l, CAPTURE_END_ERROR, false);
	}
	while (!l.draining || mono_ns() < l.stop_at_ns)
		loop_poll_once(&l);
	for (int t = 0; t < started; t++)
		pthread_join(wk[t].thread, NULL);
	loop_sum_stats(cap);
	if (cap->status_line)
		report_clear_status();
	{ /* drops since the last warning are not left to the summary alone */
		uint64_t drops = 0;

		for (unsigned i = 0; i < cap->n_ifaces; i++)
			drops += cap->stats[i].drops;
		loop_warn_drops(cap, drops, mono_ns(), true);
	}
	pthread_mutex_destroy(&cap->stats_lock);
	close(cap->stop_fd);
	close(cap->gone_fd);
}
