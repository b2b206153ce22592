/* SPDX-License-Identifier: MIT */
/*
 * run.c - the controlling loop: stop requests, the duration, writer
 * limits and errors, removed interfaces, the once-a-second tick; then the
 * drain and the final counters.
 *
 * DESIGN: a stop (rc_capture_stop, the duration, a removed interface)
 * first closes every socket's intake with a drop-all filter, then the
 * threads keep draining for two block timeouts, the longest the kernel can
 * take to retire the block it was filling. After that the rings hold
 * nothing more and the kernel's counters no longer move, so the final
 * ISBs add up: received = delivered + dropped. A stop by a writer (a
 * packet limit, a write error) skips the wait: the writer takes no more.
 * rc_capture_stop only writes an eventfd, which is async-signal-safe.
 */
#include "capture_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define NS_PER_MS 1000000ull
#define TICK_NS (1000 * NS_PER_MS)
#define DRAIN_MARGIN_NS (50 * NS_PER_MS)
#define DROP_WARN_INTERVAL_NS (5000 * NS_PER_MS)

uint64_t capture_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int capture_ms_until(uint64_t until, uint64_t now)
{
	return until <= now ? 0 : (int)((until - now + NS_PER_MS - 1) / NS_PER_MS);
}

struct loop {
	struct rc_capture *cap;
	bool draining;
	uint64_t start_ns;
	uint64_t stop_at_ns;
	uint64_t next_tick_ns;
};

static void run_request_stop(struct loop *l, enum rc_capture_end end, bool wait_for_kernel)
{
	struct rc_capture *cap = l->cap;
	uint64_t tov_ns = 0, one = 1;

	if (l->draining)
		return;
	l->draining = true;
	cap->result.end = end;
	for (unsigned e = 0; e < cap->n_engines; e++) {
		uint64_t t = rc_engine_block_timeout_ms(cap->engines[e]) * NS_PER_MS;

		rc_engine_stop_intake(cap->engines[e]);
		if (t > tov_ns)
			tov_ns = t;
	}
	l->stop_at_ns = capture_mono_ns() + (wait_for_kernel ? 2 * tov_ns + DRAIN_MARGIN_NS : 0);
	__atomic_store_n(&cap->drain_until_ns, l->stop_at_ns, __ATOMIC_RELEASE);
	(void)!write(cap->drain_fd, &one, sizeof(one));
}

static void run_on_writer_stopped(struct loop *l, unsigned w)
{
	struct rc_writer_progress p;

	rc_writer_progress(l->cap->writers[w], &p);
	if (p.error) {
		l->cap->result.error = p.error;
		run_request_stop(l, RC_CAPTURE_END_WRITE_ERROR, false);
	} else {
		l->cap->result.limit = p.stopped;
		run_request_stop(l, RC_CAPTURE_END_LIMIT, false);
	}
}

/* Kernel drops are loud but rate-limited: one line per 5 s at most, and
 * whatever is left at the end. */
static void run_warn_drops(struct rc_capture *cap, uint64_t now, bool last)
{
	struct rc_capture_iface_stats st[RC_CAPTURE_MAX_IFACES];
	uint64_t drops = 0;

	capture_sum_stats(cap, st);
	for (unsigned i = 0; i < cap->n_ifaces; i++)
		drops += st[i].dropped;
	if (drops <= cap->drops_warned || (!last && now - cap->drop_warn_ns < DROP_WARN_INTERVAL_NS))
		return;
	rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_WARNING,
		"the kernel dropped %" PRIu64 " packets (%" PRIu64 " in all): the ring "
		"overflowed; a larger ring or a faster disk helps", drops - cap->drops_warned, drops);
	cap->drops_warned = drops;
	cap->drop_warn_ns = now;
}

static void run_on_tick(struct loop *l, uint64_t now)
{
	struct rc_capture *cap = l->cap;
	uint64_t duration_ns = cap->cfg.duration_ms * NS_PER_MS;

	if (!l->draining && duration_ns && now - l->start_ns >= duration_ns)
		run_request_stop(l, RC_CAPTURE_END_DURATION, true);
	if (now < l->next_tick_ns)
		return;
	l->next_tick_ns = now + TICK_NS;
	run_warn_drops(cap, now, false);
	if (cap->cfg.on_tick)
		cap->cfg.on_tick(cap->cfg.on_tick_ctx, cap);
}

static void run_poll_once(struct loop *l)
{
	struct rc_capture *cap = l->cap;
	/* Once draining, every event has been acted on, and the eventfds stay
	 * readable (nobody reads them): only the clock matters, and polling
	 * them would spin for the whole drain. */
	int live = l->draining ? -1 : 0;
	struct pollfd pfd[2 + RC_CAPTURE_MAX_THREADS] = {
		{ .fd = live ? -1 : cap->stop_fd, .events = POLLIN },
		{ .fd = live ? -1 : cap->gone_fd, .events = POLLIN },
	};
	uint64_t now = capture_mono_ns(), until = l->next_tick_ns;
	uint64_t duration_ns = cap->cfg.duration_ms * NS_PER_MS;

	for (unsigned w = 0; w < cap->n_writers; w++)
		pfd[2 + w] = (struct pollfd){ .fd = live ? -1 : rc_writer_stopped_fd(cap->writers[w]),
					      .events = POLLIN };
	if (!l->draining && duration_ns && l->start_ns + duration_ns < until)
		until = l->start_ns + duration_ns;
	if (l->draining && l->stop_at_ns < until)
		until = l->stop_at_ns;
	if (poll(pfd, 2 + cap->n_writers, capture_ms_until(until, now)) < 0 && errno != EINTR) {
		cap->result.error = -errno;
		run_request_stop(l, RC_CAPTURE_END_ERROR, false);
	}
	if (pfd[0].revents & POLLIN)
		run_request_stop(l, RC_CAPTURE_END_STOP, true);
	if (pfd[1].revents & POLLIN)
		run_request_stop(l, RC_CAPTURE_END_IFACE_GONE, true);
	for (unsigned w = 0; w < cap->n_writers; w++)
		if (pfd[2 + w].revents & POLLIN)
			run_on_writer_stopped(l, w);
	run_on_tick(l, capture_mono_ns());
}

/* What writer w's ISBs count (ret has n_ifaces entries): its interfaces'
 * totals, or with a writer per thread, that thread's engines only. Under
 * stats_lock. */
static void run_writer_stats(const struct rc_capture *cap, unsigned w,
			     struct rc_writer_iface_stats *ret)
{
	for (unsigned i = 0; i < cap->n_ifaces; i++) {
		ret[i] = (struct rc_writer_iface_stats){ 0 };
		for (unsigned t = 0; t < cap->n_threads; t++) {
			const struct rc_engine_stats *st = &cap->engine_stats[i * cap->n_threads + t];

			if (cap->n_writers > 1 && t != w)
				continue;
			ret[i].received += st->packets;
			ret[i].dropped += st->drops;
		}
	}
}

void capture_publish(struct rc_capture *cap, unsigned e, const struct rc_engine_stats *st)
{
	struct rc_writer_iface_stats ws[RC_CAPTURE_MAX_IFACES];
	unsigned w = cap->n_writers > 1 ? e % cap->n_threads : 0;

	pthread_mutex_lock(&cap->stats_lock);
	cap->engine_stats[e] = *st;
	if (cap->n_writers) {
		run_writer_stats(cap, w, ws);
		rc_writer_update_stats(cap->writers[w], ws, cap->n_ifaces);
	}
	pthread_mutex_unlock(&cap->stats_lock);
}

void capture_sum_stats(struct rc_capture *cap, struct rc_capture_iface_stats *ret)
{
	memset(ret, 0, cap->n_ifaces * sizeof(*ret));
	pthread_mutex_lock(&cap->stats_lock);
	for (unsigned e = 0; e < cap->n_engines; e++) {
		ret[e / cap->n_threads].received += cap->engine_stats[e].packets;
		ret[e / cap->n_threads].dropped += cap->engine_stats[e].drops;
	}
	pthread_mutex_unlock(&cap->stats_lock);
}

/* The drain is over: the writers get their final counters and close. */
static void run_close_writers(struct rc_capture *cap)
{
	struct rc_writer_iface_stats ws[RC_CAPTURE_MAX_IFACES];
	struct rc_capture_result *res = &cap->result;
	struct rc_writer_progress *t = &res->total.written;

	/* Under stats_lock: rc_capture_stats, on any thread, must see either
	 * the open writers or their final word, never a writer being freed.
	 * (The capture threads, the lock's other users, are joined.) */
	pthread_mutex_lock(&cap->stats_lock);
	for (unsigned w = 0; w < cap->n_writers; w++) {
		struct rc_writer_progress p;
		int r;

		run_writer_stats(cap, w, ws);
		r = rc_writer_close(cap->writers[w], ws, cap->n_ifaces, &p);
		cap->writers[w] = NULL;
		if (r < 0 && !res->error)
			res->error = r;
		capture_progress_add(t, &p);
	}
	cap->writers_closed = true;
	pthread_mutex_unlock(&cap->stats_lock);
	if (res->error && res->end != RC_CAPTURE_END_IFACE_GONE && res->end != RC_CAPTURE_END_ERROR)
		res->end = RC_CAPTURE_END_WRITE_ERROR;
}

static void run_finish(struct rc_capture *cap)
{
	struct rc_capture_result *res = &cap->result;

	run_warn_drops(cap, capture_mono_ns(), true);
	res->n_ifaces = cap->n_ifaces;
	capture_sum_stats(cap, res->ifaces);
	run_close_writers(cap);
	for (unsigned i = 0; i < cap->n_ifaces; i++) {
		res->total.received += res->ifaces[i].received;
		res->total.dropped += res->ifaces[i].dropped;
	}
	if (cap->n_writers && res->total.received > res->total.written.packets + res->total.dropped)
		res->not_written = res->total.received - res->total.written.packets - res->total.dropped;
	for (unsigned i = 0; i < cap->n_ifaces; i++)
		if (cap->ts_fallbacks[i])
			rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_WARNING,
				"%s: %llu packets have time stamps from the host clock, not the "
				"adapter's asked for (-j): the kernel fell back; the first one's EPB "
				"comment says so", cap->names[i],
				(unsigned long long)cap->ts_fallbacks[i]);
}

int rc_capture_run(struct rc_capture *cap)
{
	struct loop l = { .cap = cap };
	struct capture_workers *ws;

	if (cap->ran)
		return -EALREADY;
	cap->ran = true;
	l.start_ns = capture_mono_ns();
	l.next_tick_ns = l.start_ns + TICK_NS;
	ws = capture_workers_start(cap);
	if (capture_workers_started(ws) < cap->n_threads) {
		cap->result.error = -EAGAIN;
		rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_ERROR, "cannot start the capture threads");
		run_request_stop(&l, RC_CAPTURE_END_ERROR, false);
	}
	while (!l.draining || capture_mono_ns() < l.stop_at_ns)
		run_poll_once(&l);
	capture_workers_join(ws);
	run_finish(cap);
	return 0;
}

void rc_capture_stop(struct rc_capture *cap)
{
	uint64_t one = 1;

	(void)!write(cap->stop_fd, &one, sizeof(one));
}
