/* SPDX-License-Identifier: MIT */
/*
 * capture.c - the capture loop: one thread polls every engine and hands
 * their blocks to the writer thread.
 *
 * DESIGN: a stop (signal, -a, -c, a vanished interface) first closes every
 * socket's intake with a drop-all filter, then keeps draining for two block
 * timeouts, the longest the kernel can take to retire the block it was
 * filling. After that the rings hold nothing more and the kernel's counters
 * no longer move, so the ISBs add up: received = delivered + dropped.
 * A stop by -c or a write error skips the wait: the writer takes no more.
 */
#include "capture.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

#define NS_PER_MS 1000000ull
#define STATUS_INTERVAL_NS (1000 * NS_PER_MS)
#define DRAIN_MARGIN_NS (50 * NS_PER_MS)
#define DROP_WARN_INTERVAL_NS (5000 * NS_PER_MS)

struct loop {
	struct capture *cap;
	bool draining;
	uint64_t start_ns;
	uint64_t stop_at_ns;       /* -a duration, then the end of the drain */
	uint64_t next_status_ns;
	uint64_t last_status_packets;
	bool link_down[CLI_MAX_IFACES];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void loop_request_stop(struct loop *l, enum capture_end end, bool wait_for_kernel)
{
	uint64_t tov_ns = 0;

	if (l->draining)
		return;
	l->draining = true;
	l->cap->end = end;
	for (unsigned i = 0; i < l->cap->n_engines; i++) {
		uint64_t t = rc_engine_block_timeout_ms(l->cap->engines[i]) * NS_PER_MS;

		rc_engine_stop_intake(l->cap->engines[i]);
		if (t > tov_ns)
			tov_ns = t;
	}
	l->stop_at_ns = mono_ns() + (wait_for_kernel ? 2 * tov_ns + DRAIN_MARGIN_NS : 0);
}

static void loop_take_blocks(struct loop *l, struct rc_engine *e)
{
	struct rc_block *b;

	while (rc_engine_take_block(e, &b) == 1) {
		/* Engine -> writer. The queue holds every block of every
		 * ring, so this cannot fail; if it did, the block goes back. */
		if (rc_writer_submit(l->cap->writer, b) < 0)
			rc_block_release(b);
	}
}

static void loop_check_link(struct loop *l, unsigned i)
{
	struct rc_engine *e = l->cap->engines[i];
	int r = rc_engine_check_link(e);

	if (r == RC_ENGINE_IFACE_DOWN && !l->link_down[i]) {
		report_line("%s: interface went down; waiting for it to come back",
			    rc_engine_ifname(e));
		l->link_down[i] = true;
	} else if (r == 0 && l->link_down[i]) {
		report_line("%s: interface is up again", rc_engine_ifname(e));
		l->link_down[i] = false;
	} else if (r == RC_ENGINE_IFACE_GONE) {
		report_line("%s: interface was removed; capture stopped", rc_engine_ifname(e));
		loop_request_stop(l, CAPTURE_END_IFACE_GONE, true);
	}
}

static void loop_on_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	if (read(l->cap->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		loop_request_stop(l, CAPTURE_END_SIGNAL, true);
}

static void loop_on_writer_stopped(struct loop *l)
{
	struct rc_writer_progress p;

	rc_writer_progress(l->cap->writer, &p);
	if (p.error) {
		l->cap->error = p.error;
		loop_request_stop(l, CAPTURE_END_WRITE_ERROR, false);
	} else {
		l->cap->limit = p.stopped;
		loop_request_stop(l, CAPTURE_END_LIMIT, false);
	}
}

/* Kernel drops are loud but rate-limited: one line per 5 s at most. */
static void loop_warn_drops(struct loop *l, uint64_t drops, uint64_t now)
{
	struct capture *cap = l->cap;

	if (drops <= cap->drops_warned || now - cap->drop_warn_ns < DROP_WARN_INTERVAL_NS)
		return;
	report_line("warning: the kernel dropped %" PRIu64 " packets (%" PRIu64
		    " in all): the ring overflowed; a larger -B or a faster disk helps",
		    drops - cap->drops_warned, drops);
	cap->drops_warned = drops;
	cap->drop_warn_ns = now;
}

/* Kernel counters to the writer (for its ISBs) and the status line. */
static void loop_refresh_stats(struct loop *l, uint64_t now)
{
	struct rc_writer_iface_stats ws[CLI_MAX_IFACES];
	struct capture *cap = l->cap;
	struct rc_writer_progress p;
	uint64_t drops = 0;

	for (unsigned i = 0; i < cap->n_engines; i++) {
		if (l->link_down[i])
			loop_check_link(l, i);
		rc_engine_stats(cap->engines[i], &cap->stats[i]);
		ws[i] = (struct rc_writer_iface_stats){ .received = cap->stats[i].packets,
							.dropped = cap->stats[i].drops };
		drops += cap->stats[i].drops;
	}
	rc_writer_update_stats(cap->writer, ws);
	loop_warn_drops(l, drops, now);
	rc_writer_progress(cap->writer, &p);
	if (cap->status_line)
		report_status(p.packets, p.bytes, drops, p.packets - l->last_status_packets);
	l->last_status_packets = p.packets;
}

static void loop_on_tick(struct loop *l, uint64_t now)
{
	if (!l->draining && l->cap->duration_s &&
	    now - l->start_ns >= l->cap->duration_s * 1000000000ull)
		loop_request_stop(l, CAPTURE_END_DURATION, true);
	if (now < l->next_status_ns)
		return;
	l->next_status_ns = now + STATUS_INTERVAL_NS;
	loop_refresh_stats(l, now);
	if (l->cap->on_tick)
		l->cap->on_tick(l->cap->on_tick_ctx);
}

static int loop_timeout_ms(const struct loop *l, uint64_t now)
{
	uint64_t until = l->next_status_ns;

	if (l->draining || l->cap->duration_s) {
		uint64_t stop = l->draining ? l->stop_at_ns
					    : l->start_ns + l->cap->duration_s * 1000000000ull;
		if (stop < until)
			until = stop;
	}
	return until <= now ? 0 : (int)((until - now + NS_PER_MS - 1) / NS_PER_MS);
}

static void loop_poll_once(struct loop *l)
{
	struct pollfd pfd[2 + 2 * CLI_MAX_IFACES];
	struct capture *cap = l->cap;
	unsigned n = 2;

	pfd[0] = (struct pollfd){ .fd = cap->signal_fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = rc_writer_stopped_fd(cap->writer), .events = POLLIN };
	for (unsigned i = 0; i < cap->n_engines; i++, n += 2)
		rc_engine_pollfds(cap->engines[i], &pfd[n]);
	if (poll(pfd, n, loop_timeout_ms(l, mono_ns())) < 0 && errno != EINTR) {
		cap->error = -errno;
		loop_request_stop(l, CAPTURE_END_ERROR, false);
	}
	if (pfd[0].revents & POLLIN)
		loop_on_signal(l);
	if (pfd[1].revents & POLLIN)
		loop_on_writer_stopped(l);
	for (unsigned i = 0; i < cap->n_engines; i++) {
		if (pfd[2 + 2 * i].revents & POLLERR)
			loop_check_link(l, i);
		loop_take_blocks(l, cap->engines[i]);
	}
	loop_on_tick(l, mono_ns());
}

void capture_run(struct capture *cap)
{
	struct loop l = { .cap = cap };

	l.start_ns = mono_ns();
	l.next_status_ns = l.start_ns + STATUS_INTERVAL_NS;
	while (!l.draining || mono_ns() < l.stop_at_ns)
		loop_poll_once(&l);
	/* One last pass: a block retired just at the deadline. */
	for (unsigned i = 0; i < cap->n_engines; i++) {
		loop_take_blocks(&l, cap->engines[i]);
		rc_engine_stats(cap->engines[i], &cap->stats[i]);
	}
	if (cap->status_line)
		report_clear_status();
}
