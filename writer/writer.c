/* SPDX-License-Identifier: MIT */
/*
 * writer.c - the writer thread: ring blocks in, pcapng out.
 *
 * DESIGN: one copy per packet, into a 1 MiB buffer that leaves in one
 * write(). Copying lets the ring block go back to the kernel the moment
 * its packets are in the buffer, not when the disk is done with them, so a
 * slow disk stalls the buffer and not the ring; and at 64-byte frames one
 * memcpy costs less than the three iovecs per packet a writev() straight
 * from the ring would need (IOV_MAX caps a writev at 1024 of them).
 *
 * The buffer is written when it passes the threshold, and whenever the
 * queue runs dry, so at low rates a block reaches the output (a pipe to
 * tshark, say) as soon as the kernel retires it.
 *
 * Sleep/wake: the writer announces "sleeping" and then looks at the queue
 * once more before it blocks on the eventfd; the producer pushes and then
 * looks at "sleeping". With seq_cst on both pairs at least one side sees the
 * other, so a submitted block is never left waiting, and the producer pays a
 * syscall only when the writer really sleeps.
 */
#include <ringcap/engine.h>
#include <ringcap/writer.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "pcapng.h"
#include "spsc.h"

#define FLUSH_THRESHOLD (1u << 20)
#define DEFAULT_QUEUE_BLOCKS 1024u

/*
 * EXPERIMENT (bench/, issue 5): packets of at least RC_WRITER_WRITEV_MIN
 * bytes are not copied: their EPB head and tail go into the buffer and a
 * writev() takes the packet bytes straight from the ring block, which is
 * then written out before it is released. 0 (the default) turns it off;
 * build with -Dc_args=-DRC_WRITER_WRITEV_MIN=256 to try it.
 */
#ifndef RC_WRITER_WRITEV_MIN
#define RC_WRITER_WRITEV_MIN 0u
#endif
#define WRITER_IOV_MAX 1024u /* IOV_MAX on Linux */

struct writer_iface {
	uint64_t delivered;
	uint64_t pending_drops; /* kernel drops not yet put on an EPB */
	bool filtered;
};

struct rc_writer {
	int fd;
	bool seekable;
	unsigned n_ifaces;
	struct writer_iface *ifaces;
	uint8_t *buf;
	size_t used;
	size_t cap;
	uint64_t committed;       /* file bytes, always on a block boundary */
	/* writev experiment: the file is iov[0..n_iov) then buf[seg..used). */
	struct iovec iov[WRITER_IOV_MAX];
	unsigned n_iov;
	size_t seg;
	size_t iov_bytes;
	uint32_t writev_min;      /* RC_WRITER_WRITEV_MIN */
	uint64_t packet_limit;
	uint64_t start_ns;
	struct spsc queue;
	int wake_fd;
	int sleeping;             /* seq_cst; see the DESIGN note */
	int closing;              /* seq_cst */
	int stopped_fd;
	bool thread_started;
	pthread_t thread;
	/* Published for rc_writer_progress() with relaxed atomics. */
	uint64_t packets;
	uint64_t bytes;
	uint64_t file_bytes;
	int stopped;
	int error;
	rc_log_fn log;
	void *log_ctx;
};

static void writer_log(struct rc_writer *w, enum rc_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void writer_log(struct rc_writer *w, enum rc_log_level level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!w->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->log(w->log_ctx, level, msg);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void writer_stop(struct rc_writer *w, int error)
{
	uint64_t one = 1;

	if (w->stopped)
		return;
	__atomic_store_n(&w->error, error, __ATOMIC_RELAXED);
	__atomic_store_n(&w->stopped, 1, __ATOMIC_RELEASE);
	(void)!write(w->stopped_fd, &one, sizeof(one));
}

/* After a failed or short write of buf[0..used), keeps the whole blocks
 * that made it (written bytes) and cuts the file back to them. */
static void writer_cut_back(struct rc_writer *w, size_t written)
{
	size_t whole = 0;
	uint32_t len;

	while (whole + 8 <= written) {
		memcpy(&len, w->buf + whole + 4, sizeof(len));
		if (whole + len > written)
			break;
		whole += len;
	}
	w->committed += whole;
	if (whole == written)
		return;
	if (!w->seekable || ftruncate(w->fd, (off_t)w->committed) < 0 ||
	    lseek(w->fd, (off_t)w->committed, SEEK_SET) < 0)
		writer_log(w, RC_LOG_ERROR, "output ends in a partial block that cannot be cut off");
}

static void writer_iov_push(struct rc_writer *w, const void *base, size_t len)
{
	if (!len)
		return;
	w->iov[w->n_iov++] = (struct iovec){ .iov_base = (void *)base, .iov_len = len };
	w->iov_bytes += len;
}

/* writev()s iov[] and the buffer's open segment, partial writes resumed. */
static int writer_flush_iov(struct rc_writer *w)
{
	struct iovec *v = w->iov;
	unsigned left;
	ssize_t n;
	int r = 0;

	writer_iov_push(w, w->buf + w->seg, w->used - w->seg);
	left = w->n_iov;
	while (left) {
		n = writev(w->fd, v, (int)(left < WRITER_IOV_MAX ? left : WRITER_IOV_MAX));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -ENOSPC;
			writer_log(w, RC_LOG_ERROR, "writev failed; the file may end in a partial block");
			writer_stop(w, r);
			break;
		}
		while (left && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++;
			left--;
		}
		if (left) {
			v->iov_base = (uint8_t *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	if (!r)
		w->committed += w->iov_bytes;
	w->n_iov = 0;
	w->iov_bytes = 0;
	w->used = w->seg = 0;
	__atomic_store_n(&w->file_bytes, w->committed, __ATOMIC_RELAXED);
	return r;
}

static int writer_flush(struct rc_writer *w)
{
	size_t off = 0;
	ssize_t n;
	int r;

	if (w->n_iov)
		return writer_flush_iov(w);

	while (off < w->used) {
		n = write(w->fd, w->buf + off, w->used - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -ENOSPC;
			writer_cut_back(w, off);
			w->used = 0;
			writer_stop(w, r);
			return r;
		}
		off += (size_t)n;
	}
	w->committed += w->used;
	w->used = 0;
	__atomic_store_n(&w->file_bytes, w->committed, __ATOMIC_RELAXED);
	return 0;
}

/* Room for size more bytes in the buffer, flushing first if need be. */
static uint8_t *writer_reserve(struct rc_writer *w, size_t size)
{
	if (w->used + size > w->cap && writer_flush(w) < 0)
		return NULL;
	if (size > w->cap)
		return NULL;
	return w->buf + w->used;
}

/* The EPB's head and tail into the buffer, the packet bytes by reference. */
static bool writer_put_epb_by_ref(struct rc_writer *w, uint32_t id, const struct rc_packet *pkt,
				  uint64_t drops)
{
	size_t n;
	uint8_t *p;

	if (w->n_iov + 3 > WRITER_IOV_MAX && writer_flush(w) < 0)
		return false;
	p = writer_reserve(w, PCAPNG_EPB_MAX_OVERHEAD);
	if (!p)
		return false;
	n = pcapng_epb_nodata(p, id, pkt, drops);
	writer_iov_push(w, w->buf + w->seg, w->used + PCAPNG_EPB_HEAD_LEN - w->seg);
	writer_iov_push(w, pkt->data, pkt->caplen);
	w->seg = w->used + PCAPNG_EPB_HEAD_LEN;
	w->used += n;
	return true;
}

static void writer_write_packets(struct rc_writer *w, struct rc_block *b)
{
	uint32_t id = rc_block_tag(b);
	struct writer_iface *ifc = &w->ifaces[id];
	uint64_t packets = w->packets, bytes = w->bytes;
	struct rc_packet pkt;
	uint8_t *p;

	ifc->pending_drops += rc_block_drops_before(b);
	while (!w->stopped && rc_block_next_packet(b, &pkt) == 1) {
		if (w->writev_min && pkt.caplen >= w->writev_min) {
			if (!writer_put_epb_by_ref(w, id, &pkt, ifc->pending_drops))
				break;
		} else {
			p = writer_reserve(w, pcapng_epb_size(pkt.caplen, ifc->pending_drops));
			if (!p)
				break;
			w->used += pcapng_epb(p, id, &pkt, ifc->pending_drops);
		}
		ifc->pending_drops = 0;
		ifc->delivered++;
		packets++;
		bytes += pkt.caplen;
		if (packets == w->packet_limit)
			writer_stop(w, 0);
	}
	__atomic_store_n(&w->packets, packets, __ATOMIC_RELAXED);
	__atomic_store_n(&w->bytes, bytes, __ATOMIC_RELAXED);
}

static void writer_handle_block(struct rc_writer *w, struct rc_block *b)
{
	if (!w->stopped && rc_block_tag(b) < w->n_ifaces)
		writer_write_packets(w, b);
	/* iov[] points into the block: out it goes before the block does. */
	if (w->n_iov)
		writer_flush(w);
	/* Writer -> kernel: the packets are in our buffer now. */
	rc_block_release(b);
	if (w->used >= FLUSH_THRESHOLD)
		writer_flush(w);
}

static void writer_sleep(struct rc_writer *w)
{
	uint64_t kicks;

	__atomic_store_n(&w->sleeping, 1, __ATOMIC_SEQ_CST);
	if (spsc_empty_seq_cst(&w->queue) && !__atomic_load_n(&w->closing, __ATOMIC_SEQ_CST))
		(void)!read(w->wake_fd, &kicks, sizeof(kicks));
	__atomic_store_n(&w->sleeping, 0, __ATOMIC_SEQ_CST);
}

static void *writer_main(void *arg)
{
	struct rc_writer *w = arg;
	struct rc_block *b;

	for (;;) {
		b = spsc_pop(&w->queue);
		if (b) {
			writer_handle_block(w, b);
			continue;
		}
		if (w->used)
			writer_flush(w);
		/* Pairs with the seq_cst store in rc_writer_close(), made after
		 * the producer's last push: once we see it, one more empty pop
		 * means the queue is drained for good. */
		if (__atomic_load_n(&w->closing, __ATOMIC_SEQ_CST) && spsc_empty_seq_cst(&w->queue))
			break;
		writer_sleep(w);
	}
	return NULL;
}

int rc_writer_submit(struct rc_writer *writer, struct rc_block *block)
{
	uint64_t one = 1;

	if (!spsc_push(&writer->queue, block))
		return -ENOBUFS;
	if (__atomic_exchange_n(&writer->sleeping, 0, __ATOMIC_SEQ_CST))
		(void)!write(writer->wake_fd, &one, sizeof(one));
	return 0;
}

int rc_writer_stopped_fd(const struct rc_writer *writer)
{
	return writer->stopped_fd;
}

void rc_writer_progress(const struct rc_writer *writer, struct rc_writer_progress *ret)
{
	ret->packets = __atomic_load_n(&writer->packets, __ATOMIC_RELAXED);
	ret->bytes = __atomic_load_n(&writer->bytes, __ATOMIC_RELAXED);
	ret->file_bytes = __atomic_load_n(&writer->file_bytes, __ATOMIC_RELAXED);
	/* Pairs with the release store in writer_stop(): error is set first. */
	ret->stopped = __atomic_load_n(&writer->stopped, __ATOMIC_ACQUIRE);
	ret->error = __atomic_load_n(&writer->error, __ATOMIC_RELAXED);
}

static void writer_free(struct rc_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	if (w->stopped_fd >= 0)
		close(w->stopped_fd);
	spsc_free(&w->queue);
	free(w->ifaces);
	free(w->buf);
	free(w);
}

/* SHB and IDBs go out before the thread starts, so a bad output is an
 * error of rc_writer_open() itself. */
static int writer_write_header(struct rc_writer *w, const struct rc_writer_config *c,
			       const struct rc_writer_iface *ifaces, unsigned n)
{
	struct utsname u;
	char os[sizeof(u.sysname) + sizeof(u.release) + 1] = "";
	const char *hw = NULL;
	uint8_t *p;

	if (uname(&u) == 0) {
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
		hw = u.machine;
	}
	p = writer_reserve(w, pcapng_shb_size(hw, os, c->userappl));
	if (!p)
		return -E2BIG;
	w->used += pcapng_shb(p, hw, os, c->userappl);
	for (unsigned i = 0; i < n; i++) {
		p = writer_reserve(w, pcapng_idb_size(&ifaces[i]));
		if (!p)
			return w->error ? w->error : -E2BIG;
		w->used += pcapng_idb(p, &ifaces[i]);
		w->ifaces[i].filtered = ifaces[i].filter && *ifaces[i].filter;
	}
	return writer_flush(w);
}

static int writer_alloc(struct rc_writer *w, const struct rc_writer_config *c,
			const struct rc_writer_iface *ifaces, unsigned n)
{
	uint32_t max_snaplen = 0;
	struct stat st;

	for (unsigned i = 0; i < n; i++)
		if (ifaces[i].snaplen > max_snaplen)
			max_snaplen = ifaces[i].snaplen;
	/* Room for a full buffer plus the largest EPB, and the biggest IDB
	 * (a long filter text) on its own. */
	w->cap = FLUSH_THRESHOLD + max_snaplen + PCAPNG_EPB_MAX_OVERHEAD + (64u << 10);
	w->buf = malloc(w->cap);
	w->ifaces = calloc(n, sizeof(*w->ifaces));
	if (!w->buf || !w->ifaces ||
	    spsc_init(&w->queue, c->queue_blocks ? c->queue_blocks : DEFAULT_QUEUE_BLOCKS) < 0)
		return -ENOMEM;
	w->wake_fd = eventfd(0, EFD_CLOEXEC);
	w->stopped_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake_fd < 0 || w->stopped_fd < 0)
		return -errno;
	w->seekable = fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode);
	return 0;
}

int rc_writer_open(const struct rc_writer_config *config, const struct rc_writer_iface *ifaces,
		   unsigned n_ifaces, struct rc_writer **ret)
{
	struct rc_writer *w;
	int r;

	if (!config || config->fd < 0 || !n_ifaces)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = config->fd;
	w->wake_fd = w->stopped_fd = -1;
	w->n_ifaces = n_ifaces;
	w->packet_limit = config->packet_limit;
	w->writev_min = RC_WRITER_WRITEV_MIN;
	w->log = config->log;
	w->log_ctx = config->log_ctx;
	w->start_ns = now_ns();
	r = writer_alloc(w, config, ifaces, n_ifaces);
	if (r < 0)
		goto out_free;
	r = writer_write_header(w, config, ifaces, n_ifaces);
	if (r < 0)
		goto out_free;
	r = -pthread_create(&w->thread, NULL, writer_main, w);
	if (r < 0)
		goto out_free;
	w->thread_started = true;
	*ret = w;
	return 0;
out_free:
	writer_free(w);
	return r;
}

static int writer_write_isbs(struct rc_writer *w, const struct rc_writer_iface_stats *stats)
{
	uint64_t end = now_ns();
	uint8_t *p;

	for (unsigned i = 0; i < w->n_ifaces; i++) {
		struct pcapng_isb isb = {
			.iface_id = i,
			.start_ns = w->start_ns,
			.end_ns = end,
			.received = stats[i].received,
			.dropped = stats[i].dropped,
			.delivered = w->ifaces[i].delivered,
			.filtered = w->ifaces[i].filtered,
		};

		p = writer_reserve(w, pcapng_isb_size());
		if (!p)
			return w->error;
		w->used += pcapng_isb(p, &isb);
	}
	return writer_flush(w);
}

int rc_writer_close(struct rc_writer *writer, const struct rc_writer_iface_stats *stats)
{
	uint64_t one = 1;
	int r;

	if (!writer)
		return 0;
	__atomic_store_n(&writer->closing, 1, __ATOMIC_SEQ_CST);
	(void)!write(writer->wake_fd, &one, sizeof(one));
	pthread_join(writer->thread, NULL);
	/* The thread is gone: the buffer and the fd are ours alone now. */
	r = writer->error;
	if (!r && stats)
		r = writer_write_isbs(writer, stats);
	if (close(writer->fd) < 0 && !r)
		r = -errno;
	writer->fd = -1;
	writer_free(writer);
	return r;
}
