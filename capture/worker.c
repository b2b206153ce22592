/* SPDX-License-Identifier: MIT */
/*
 * worker.c - the capture threads: each drains its engines into its writer
 * lane (or the packet callback), follows their links, and publishes their
 * counters.
 *
 * DESIGN: each capture thread owns its engines outright (taking blocks,
 * reading their counters), so engine state needs no lock. It reads an
 * engine's counters after it takes blocks and before it submits them, so
 * the writer, which sees the counters before it sees the blocks, never
 * writes an ISB whose received is older than its delivered. Each thread
 * feeds its own writer lane, so every queue keeps one producer.
 *
 * A ring block goes to the writer as a batch (struct block_batch, one per
 * block of the ring): its packets as the engine walks them, the kernel's
 * drops on the first, and packets the walker had to refuse as a loss
 * after the last, so every loss lands on the next epb_dropcount.
 */
#include "capture_internal.h"

#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "thread.h"

#define TICK_NS 1000000000ull

enum link_state { LINK_UP, LINK_DOWN, LINK_GONE };

struct worker {
	struct rc_capture *cap;
	unsigned id;
	enum link_state link[CAPTURE_MAX_ENGINES];
};

/* ---- a ring block as a writer batch ------------------------------------- */

static int block_next(struct rc_writer_batch *wb, struct rc_writer_packet *ret)
{
	struct block_batch *bb = (struct block_batch *)wb;
	uint64_t lost = bb->lost;
	struct rc_packet pkt;

	bb->lost = 0;
	if (rc_block_next_packet(bb->block, &pkt) == 1) {
		*ret = (struct rc_writer_packet){ .data = pkt.data, .caplen = pkt.caplen,
						  .origlen = pkt.origlen, .ts_ns = pkt.ts_ns,
						  .iface = bb->iface, .lost = lost,
						  .epb_flags = rc_writer_epb_flags(pkt.pkttype) };
		/* The file says where the first such stamp is. */
		if (bb->ts_fallbacks && capture_ts_fell_back(bb->ts_fallbacks, &pkt))
			ret->comment = "time stamp from the host clock, not the adapter's asked "
				       "for (-j): the kernel fell back; the summary counts all "
				       "such packets";
		return 1;
	}
	if (!bb->lost_told) {
		unsigned held;

		bb->lost_told = true;
		lost += rc_block_bad_packets(bb->block);
		/* The rate limit is the engine's; one writer thread walks its blocks. */
		if (rc_block_bad_packets(bb->block) && rc_ratelimit_ok(bb->warn, 10000000000ull, &held))
			rc_logf(bb->log, bb->log_ctx, RC_LOG_WARNING,
				"a ring block held %llu unreadable packets; they are lost "
				"(counted on the next packet's epb_dropcount)%s",
				(unsigned long long)rc_block_bad_packets(bb->block),
				held ? "; more blocks did since the last such warning" : "");
	}
	if (!lost)
		return 0;
	*ret = (struct rc_writer_packet){ .iface = bb->iface, .lost = lost };
	return 1;
}

static void block_release(struct rc_writer_batch *wb)
{
	/* Writer -> kernel. */
	rc_block_release(((struct block_batch *)wb)->block);
}

bool capture_ts_fell_back(uint64_t *fallbacks, const struct rc_packet *pkt)
{
	if (pkt->ts_source == RC_TS_SOURCE_HARDWARE)
		return false;
	return __atomic_fetch_add(fallbacks, 1, __ATOMIC_RELAXED) == 0;
}

const struct rc_writer_batch_ops capture_block_ops = {
	.next = block_next,
	.release = block_release,
};

/* ---- draining ------------------------------------------------------------ */

/* The packet callback's way: the block is walked and given back here. */
static void worker_deliver(struct rc_capture *cap, unsigned e, struct rc_block *b)
{
	uint32_t iface = e / cap->n_threads;
	uint64_t lost = rc_block_drops_before(b);
	struct rc_packet pkt;

	while (rc_block_next_packet(b, &pkt) == 1) {
		if (cap->cfg.tstamp != RC_TSTAMP_HOST)
			capture_ts_fell_back(&cap->ts_fallbacks[iface], &pkt);
		cap->cfg.on_packet(cap->cfg.on_packet_ctx, iface, &pkt, lost);
		lost = 0;
	}
	rc_block_release(b);
}

static void worker_take_blocks(struct worker *wk, unsigned e)
{
	struct rc_capture *cap = wk->cap;
	struct rc_engine *eng = cap->engines[e];
	bool own_writer = cap->n_writers > 1;
	struct rc_writer *w = cap->writers[own_writer ? wk->id : 0];
	unsigned lane = own_writer ? 0 : wk->id, n = 0;
	struct rc_block *taken[64];
	struct rc_engine_stats st;

	do {
		for (n = 0; n < 64 && rc_engine_take_block(eng, &taken[n]) == 1; n++)
			;
		if (!n)
			return;
		/* Counters after the take, before the submit: see DESIGN. */
		rc_engine_stats(eng, &st);
		capture_publish(cap, e, &st);
		for (unsigned k = 0; k < n; k++) {
			struct block_batch *bb;

			if (cap->cfg.on_packet) {
				worker_deliver(cap, e, taken[k]);
				continue;
			}
			bb = &cap->batches[e][rc_block_index(taken[k])];
			*bb = (struct block_batch){ .batch.ops = &capture_block_ops, .block = taken[k],
						    .iface = e / cap->n_threads,
						    .lost = rc_block_drops_before(taken[k]),
						    .warn = &cap->bad_warn[e],
						    .ts_fallbacks = cap->cfg.tstamp == RC_TSTAMP_HOST ? NULL :
							    &cap->ts_fallbacks[e / cap->n_threads],
						    .log = cap->cfg.log, .log_ctx = cap->cfg.log_ctx };
			/* Engine -> writer. The lane holds every block of this
			 * thread's rings, so this cannot fail; if it did, the
			 * block goes back. */
			if (rc_writer_submit(w, lane, &bb->batch) < 0)
				rc_block_release(taken[k]);
		}
	} while (n == 64);
}

/* With fanout an interface has an engine per thread; thread 0's speaks. */
static void worker_say_link(struct worker *wk, unsigned e, enum rc_log_level level, const char *what)
{
	if (wk->id == 0)
		rc_logf(wk->cap->cfg.log, wk->cap->cfg.log_ctx, level, "%s: %s",
			rc_engine_ifname(wk->cap->engines[e]), what);
}

static void worker_check_link(struct worker *wk, unsigned e)
{
	int r = rc_engine_check_link(wk->cap->engines[e]);
	uint64_t one = 1;

	if (r == RC_ENGINE_IFACE_DOWN && wk->link[e] == LINK_UP) {
		worker_say_link(wk, e, RC_LOG_WARNING, "interface went down; waiting for it to come back");
		wk->link[e] = LINK_DOWN;
	} else if (r == 0 && wk->link[e] == LINK_DOWN) {
		worker_say_link(wk, e, RC_LOG_INFO, "interface is up again");
		wk->link[e] = LINK_UP;
	} else if (r == RC_ENGINE_IFACE_GONE && wk->link[e] != LINK_GONE) {
		worker_say_link(wk, e, RC_LOG_WARNING, "interface was removed; capture stopped");
		wk->link[e] = LINK_GONE;
		(void)!write(wk->cap->gone_fd, &one, sizeof(one));
	}
}

/* Once a second: counters move even when no block retires. */
static void worker_tick(struct worker *wk, bool check_links)
{
	struct rc_capture *cap = wk->cap;

	for (unsigned e = wk->id; e < cap->n_engines; e += cap->n_threads) {
		struct rc_engine_stats st;

		if (check_links && wk->link[e] == LINK_DOWN)
			worker_check_link(wk, e);
		rc_engine_stats(cap->engines[e], &st);
		capture_publish(cap, e, &st);
	}
}

static bool worker_poll_once(struct worker *wk, bool draining, uint64_t until)
{
	struct pollfd pfd[1 + RC_ENGINE_POLLFDS * RC_CAPTURE_MAX_IFACES];
	struct rc_capture *cap = wk->cap;
	unsigned n = 1;

	/* Once draining, the drain eventfd stays readable: leave it out. */
	pfd[0] = (struct pollfd){ .fd = draining ? -1 : cap->drain_fd, .events = POLLIN };
	for (unsigned e = wk->id; e < cap->n_engines; e += cap->n_threads)
		n += (unsigned)rc_engine_pollfds(cap->engines[e], &pfd[n], RC_ENGINE_POLLFDS);
	poll(pfd, n, capture_ms_until(until, capture_mono_ns()));
	n = 1;
	for (unsigned e = wk->id; e < cap->n_engines; e += cap->n_threads, n += RC_ENGINE_POLLFDS) {
		if (pfd[n].revents & POLLERR)
			worker_check_link(wk, e);
		worker_take_blocks(wk, e);
	}
	return pfd[0].revents & POLLIN;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct rc_capture *cap = wk->cap;
	uint64_t next_tick = capture_mono_ns() + TICK_NS, until_drained = 0;
	bool draining = false;

	while (!draining || capture_mono_ns() < until_drained) {
		uint64_t until = draining && until_drained < next_tick ? until_drained : next_tick;

		if (worker_poll_once(wk, draining, until) && !draining) {
			/* Pairs with the release store in run_request_stop(). */
			until_drained = __atomic_load_n(&cap->drain_until_ns, __ATOMIC_ACQUIRE);
			draining = true;
		}
		if (capture_mono_ns() >= next_tick) {
			worker_tick(wk, true);
			next_tick += TICK_NS;
		}
	}
	/* One last pass: a block retired just at the deadline. */
	for (unsigned e = wk->id; e < cap->n_engines; e += cap->n_threads)
		worker_take_blocks(wk, e);
	worker_tick(wk, false);
	return NULL;
}

struct capture_workers {
	unsigned started;
	pthread_t threads[RC_CAPTURE_MAX_THREADS];
	struct worker wk[RC_CAPTURE_MAX_THREADS];
};

/* The threads start with every link taken to be up. */
struct capture_workers *capture_workers_start(struct rc_capture *cap)
{
	struct capture_workers *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return NULL;
	for (unsigned t = 0; t < cap->n_threads; t++) {
		ws->wk[t] = (struct worker){ .cap = cap, .id = t };
		if (rc_thread_create(&ws->threads[t], worker_main, &ws->wk[t]) < 0)
			break;
		ws->started++;
	}
	return ws;
}

unsigned capture_workers_started(const struct capture_workers *ws)
{
	return ws ? ws->started : 0;
}

void capture_workers_join(struct capture_workers *ws)
{
	for (unsigned t = 0; ws && t < ws->started; t++)
		pthread_join(ws->threads[t], NULL);
	free(ws);
}
