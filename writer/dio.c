/* SPDX-License-Identifier: MIT */
/*
 * dio.c - the direct-I/O sink: staging buffers, and the I/O thread that
 * writes them with O_DIRECT.
 *
 * DESIGN: why not the page cache. On this project's test VM buffered
 * writes with fdatasync sustain ~0.43 GB/s while 4 MiB O_DIRECT writes
 * sustain 2.8-3.3 GB/s; a capture of a 1 GB/s link through the page
 * cache loses half its packets to dirty throttling and writeback, in
 * every tool (BENCHMARKS.md). So the writer copies every packet into a
 * staging buffer (its ring block goes back to the kernel at once) and
 * this thread writes full buffers straight to the disk. The staging
 * buffers, not the ring, absorb a slow or stalling disk; when all are
 * held here the writer waits, the ring fills and the kernel drops, and
 * the drops are counted as ever.
 *
 * The file on disk always ends on a whole pcapng block. O_DIRECT writes
 * whole aligned units, so what a write does not fill is padded with a
 * block of a local-use type (type bit 31 set, pcapng 4; Wireshark,
 * tcpdump and capinfos skip it), built in a bounce page so the writer may
 * go on filling the buffer meanwhile. A buffer written before it was full
 * (once a second, so a SIGKILL or a power cut costs at most that) is
 * rewritten from its last partial unit the next time, over the padding.
 * At a file's close the tail is written exactly, without O_DIRECT, and the
 * file is cut to its length (which also frees the space reserved ahead).
 *
 * A write that fails part-way leaves the file cut back to the last whole
 * block it holds, and the packets counted are those in that file: the
 * blocks of the failed range are walked to count them.
 */
#include "dio.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "formats.h"
#include "log.h"
#include "thread.h"

#define QUEUE_EXTRA 64u /* room for once-a-second syncs and closes besides the buffers */

struct dio {
	size_t buf_size;
	unsigned n_bufs;
	unsigned align;
	uint8_t *mem;             /* n_bufs * buf_size */
	uint8_t *bounce;          /* 2 * align: a tail unit and its padding */
	pthread_mutex_t lock;
	pthread_cond_t work;      /* -> I/O thread: a request, or stop */
	pthread_cond_t done;      /* -> writer: a buffer is free, or the queue drained */
	struct dio_range *q;
	unsigned q_cap, q_head, q_len;
	bool working;             /* the I/O thread holds a request */
	bool stop;
	uint8_t **free;
	unsigned n_free;
	/* Published for dio_progress with relaxed atomics. */
	uint64_t packets, bytes, file_bytes;
	int error;
	struct dio_file_done file_done;
	rc_log_fn log;
	void *log_ctx;
	pthread_t thread;
	bool thread_started;
};

static size_t align_down(size_t v, unsigned a)
{
	return v & ~((size_t)a - 1);
}

static size_t align_up(size_t v, unsigned a)
{
	return align_down(v + a - 1, a);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Where the padded write of [.., to) ends: the file stays block-whole. */
static size_t dio_padded_end(const struct dio *d, size_t to)
{
	return to % d->align ? align_up(to + DIO_PAD_MIN, d->align) : to;
}

/* The unit holding `to`, its blocks' tail and a padding block after. */
static size_t dio_fill_bounce(struct dio *d, const struct dio_range *r, size_t tail, size_t end)
{
	uint32_t pad = (uint32_t)(end - r->to);

	memcpy(d->bounce, r->buf + tail, r->to - tail);
	memset(d->bounce + (r->to - tail), 0, pad);
	memcpy(d->bounce + (r->to - tail), &(uint32_t){ DIO_PAD_BLOCK }, 4);
	memcpy(d->bounce + (r->to - tail) + 4, &pad, 4);
	memcpy(d->bounce + (end - tail) - 4, &pad, 4);
	return end - tail;
}

/* After a failed write: the whole blocks of [from, to) that made it (the
 * file ends at base + good), and the packets among them. */
static size_t dio_count_whole(const struct dio_range *r, size_t good, uint32_t *ret_packets,
			      uint64_t *ret_bytes)
{
	size_t off = r->from;

	*ret_packets = 0;
	*ret_bytes = 0;
	while (off + 12 <= r->to) {
		uint32_t type = rd32(r->buf + off), len = rd32(r->buf + off + 4);

		if (len < 12 || off + len > r->to || off + len > good)
			break;
		if (type == RC_PCAPNG_EPB && len >= 28) {
			(*ret_packets)++;
			*ret_bytes += rd32(r->buf + off + 20);
		}
		off += len;
	}
	return off;
}

static void dio_fail(struct dio *d, const struct dio_range *r, ssize_t n, size_t a, int err)
{
	size_t good = a + (n > 0 ? (size_t)n : 0), end;
	uint32_t packets;
	uint64_t bytes;

	end = dio_count_whole(r, good, &packets, &bytes);
	if (ftruncate(r->fd, (off_t)(r->base + end)) < 0)
		rc_logf(d->log, d->log_ctx, RC_LOG_ERROR, "%s: ends in a partial block that cannot be cut off",
			r->path);
	__atomic_store_n(&d->packets, d->packets + packets, __ATOMIC_RELAXED);
	__atomic_store_n(&d->bytes, d->bytes + bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&d->file_bytes, d->file_bytes + (end - r->from), __ATOMIC_RELAXED);
	__atomic_store_n(&d->error, err, __ATOMIC_RELEASE);
}

/* O_DIRECT write of buf[a, tail) and then n_bounce bytes of the bounce
 * unit, at base + a. Returns the bytes written, or -errno. */
static ssize_t dio_pwrite(struct dio *d, const struct dio_range *r, size_t a, size_t tail,
			  size_t n_bounce)
{
	struct iovec v[2] = {
		{ .iov_base = r->buf + a, .iov_len = tail - a },
		{ .iov_base = d->bounce, .iov_len = n_bounce },
	};
	size_t want = v[0].iov_len + v[1].iov_len, done = 0;

	while (done < want) {
		struct iovec *p = v;
		unsigned n = 2;
		ssize_t w;
		size_t skip = done;

		/* Resume after a short write: step past what went out. */
		for (; n && skip >= p->iov_len; skip -= p->iov_len, p++, n--)
			;
		p->iov_base = (uint8_t *)p->iov_base + skip;
		p->iov_len -= skip;
		w = pwritev(r->fd, p, (int)n, (off_t)(r->base + a + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return done ? (ssize_t)done : (w < 0 ? -errno : -ENOSPC);
		done += (size_t)w;
	}
	return (ssize_t)done;
}

/* The file's last unaligned bytes, written through the page cache (an
 * O_DIRECT write could only add padding), and the file cut to length. */
static int dio_write_tail(const struct dio_range *r, size_t tail)
{
	int fl = fcntl(r->fd, F_GETFL);
	size_t done = tail;

	if (fl >= 0 && fcntl(r->fd, F_SETFL, fl & ~O_DIRECT) < 0)
		return -errno;
	while (done < r->to) {
		ssize_t w = pwrite(r->fd, r->buf + done, r->to - done, (off_t)(r->base + done));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -ENOSPC;
		done += (size_t)w;
	}
	return ftruncate(r->fd, (off_t)(r->base + r->to)) < 0 ? -errno : 0;
}

static void dio_do_write(struct dio *d, const struct dio_range *r)
{
	size_t a = align_down(r->from, d->align), tail = align_down(r->to, d->align);
	size_t end = dio_padded_end(d, r->to), n_bounce = 0;
	ssize_t n;
	int err = 0;

	if (!r->close && end != r->to)
		n_bounce = dio_fill_bounce(d, r, tail, end);
	else
		end = r->close ? tail : r->to;
	n = a < tail || n_bounce ? dio_pwrite(d, r, a, tail, n_bounce) : 0;
	if (n < 0 || (size_t)n < (tail - a) + n_bounce)
		err = n < 0 ? (int)n : -ENOSPC;
	if (!err && r->close)
		err = dio_write_tail(r, tail);
	if (err) {
		/* Said once, by whoever reads the error (rc_writer_progress). */
		dio_fail(d, r, n < 0 ? 0 : n, a, err);
		return;
	}
	__atomic_store_n(&d->file_bytes,
			 d->file_bytes + (r->to - r->from) + (r->last && !r->close ? end - r->to : 0),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&d->bytes, d->bytes + r->bytes, __ATOMIC_RELAXED);
	/* Packets last: whoever sees them sees their bytes. */
	__atomic_store_n(&d->packets, d->packets + r->packets, __ATOMIC_RELEASE);
}

static void dio_handle(struct dio *d, const struct dio_range *r)
{
	bool failed = __atomic_load_n(&d->error, __ATOMIC_ACQUIRE) != 0;

	if (!failed)
		dio_do_write(d, r);
	if (r->close) {
		if (close(r->fd) < 0 && !failed)
			rc_logf(d->log, d->log_ctx, RC_LOG_WARNING, "%s: close: %s", r->path, strerror(errno));
		/* The file is complete only if everything reached it. */
		if (!__atomic_load_n(&d->error, __ATOMIC_ACQUIRE) && d->file_done.fn && r->path[0])
			d->file_done.fn(d->file_done.ctx, r->path);
		free((void *)r->path);
	}
}

static void *dio_main(void *arg)
{
	struct dio *d = arg;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct dio_range r;

		while (!d->q_len && !d->stop)
			pthread_cond_wait(&d->work, &d->lock);
		if (!d->q_len)
			break;
		r = d->q[d->q_head];
		d->working = true;
		pthread_mutex_unlock(&d->lock);
		dio_handle(d, &r);
		pthread_mutex_lock(&d->lock);
		d->q_head = (d->q_head + 1) % d->q_cap;
		d->q_len--;
		d->working = false;
		if (r.last)
			d->free[d->n_free++] = r.buf;
		pthread_cond_broadcast(&d->done);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

uint64_t dio_submit(struct dio *d, const struct dio_range *r)
{
	struct dio_range copy = *r;

	if (r->close)
		copy.path = strdup(r->path ? r->path : "");
	pthread_mutex_lock(&d->lock);
	while (d->q_len == d->q_cap)
		pthread_cond_wait(&d->done, &d->lock);
	d->q[(d->q_head + d->q_len) % d->q_cap] = copy;
	d->q_len++;
	pthread_cond_signal(&d->work);
	pthread_mutex_unlock(&d->lock);
	return r->base + dio_padded_end(d, r->to);
}

uint8_t *dio_buffer(struct dio *d)
{
	uint8_t *b = NULL;

	pthread_mutex_lock(&d->lock);
	while (!d->n_free && !__atomic_load_n(&d->error, __ATOMIC_ACQUIRE))
		pthread_cond_wait(&d->done, &d->lock);
	if (d->n_free)
		b = d->free[--d->n_free];
	pthread_mutex_unlock(&d->lock);
	return b;
}

size_t dio_capacity(const struct dio *d)
{
	/* What a last range's padding may need at the end. */
	return d->buf_size - d->align - DIO_PAD_MIN;
}

void dio_drain(struct dio *d)
{
	pthread_mutex_lock(&d->lock);
	while (d->q_len || d->working)
		pthread_cond_wait(&d->done, &d->lock);
	pthread_mutex_unlock(&d->lock);
}

void dio_progress(const struct dio *d, uint64_t *packets, uint64_t *bytes, uint64_t *file_bytes,
		  int *error)
{
	/* Pairs with the release stores in dio_do_write and dio_fail. */
	*error = __atomic_load_n(&d->error, __ATOMIC_ACQUIRE);
	*packets = __atomic_load_n(&d->packets, __ATOMIC_ACQUIRE);
	*bytes = __atomic_load_n(&d->bytes, __ATOMIC_RELAXED);
	*file_bytes = __atomic_load_n(&d->file_bytes, __ATOMIC_RELAXED);
}

uint64_t dio_busy(const struct dio *d, uint64_t *ret_total)
{
	struct dio *m = (struct dio *)d; /* the lock only */
	unsigned busy;

	pthread_mutex_lock(&m->lock);
	busy = d->n_bufs - d->n_free;
	pthread_mutex_unlock(&m->lock);
	*ret_total = (uint64_t)d->n_bufs * d->buf_size;
	/* The buffer the writer fills is not the disk's to take. */
	return (uint64_t)(busy ? busy - 1 : 0) * d->buf_size;
}

void dio_close(struct dio *d)
{
	if (!d)
		return;
	if (d->thread_started) {
		pthread_mutex_lock(&d->lock);
		d->stop = true;
		pthread_cond_signal(&d->work);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->thread, NULL);
	}
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->work);
	pthread_cond_destroy(&d->done);
	free(d->q);
	free(d->free);
	free(d->mem);
	free(d->bounce);
	free(d);
}

static int dio_alloc(struct dio *d, size_t staging)
{
	d->buf_size = staging / 2 < DIO_BUFFER_SIZE ? align_down(staging / 2, d->align) : DIO_BUFFER_SIZE;
	if (d->buf_size < 16 * (size_t)d->align)
		d->buf_size = 16 * (size_t)d->align;
	d->n_bufs = (unsigned)(staging / d->buf_size);
	if (d->n_bufs < 2)
		d->n_bufs = 2;
	d->q_cap = d->n_bufs + QUEUE_EXTRA;
	d->q = calloc(d->q_cap, sizeof(*d->q));
	d->free = calloc(d->n_bufs, sizeof(*d->free));
	if (!d->q || !d->free || posix_memalign((void **)&d->mem, d->align, d->n_bufs * d->buf_size) ||
	    posix_memalign((void **)&d->bounce, d->align, 2 * (size_t)d->align))
		return -ENOMEM;
	for (unsigned i = 0; i < d->n_bufs; i++)
		d->free[d->n_free++] = d->mem + (size_t)i * d->buf_size;
	return 0;
}

int dio_open(size_t staging, unsigned align, struct dio_file_done done, rc_log_fn log,
	     void *log_ctx, struct dio **ret)
{
	struct dio *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->align = align;
	d->file_done = done;
	d->log = log;
	d->log_ctx = log_ctx;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->work, NULL);
	pthread_cond_init(&d->done, NULL);
	r = dio_alloc(d, staging);
	if (r == 0) {
		r = rc_thread_create(&d->thread, dio_main, d);
		d->thread_started = r == 0;
	}
	if (r < 0) {
		dio_close(d);
		return r;
	}
	*ret = d;
	return 0;
}
