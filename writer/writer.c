/* SPDX-License-Identifier: MIT */
/*
 * writer.c - the writer thread: batches of packets in, pcapng (or classic
 * pcap) out.
 *
 * DESIGN: small packets are copied into a 1 MiB buffer with their EPB;
 * packets of WRITEV_MIN bytes or more are not: their EPB head and tail go
 * into the buffer and a writev() takes the packet bytes straight from the
 * producer's memory (a ring block), which is written out before the batch
 * is released. Both were measured (BENCHMARKS.md): at 1514 bytes the copy
 * of cache-cold ring data was a fifth of the CPU and writev saves 17 % to
 * tmpfs, half to /dev/null; at 64 bytes one memcpy beats an iovec. The
 * price is that a batch with large packets is held until its write
 * returns, so a stalled disk is absorbed by the producer (the ring).
 *
 * The buffer is written when it passes the threshold, and whenever the
 * queue runs dry, so at low rates a batch reaches the output (a pipe to
 * tshark, say) as soon as it is submitted.
 *
 * The format is a table of encoders (format.h): below, "EPB" is whichever
 * record the format writes per packet, "IDB" its interface record, if any.
 *
 * Counting: a packet counts as written (rc_writer_progress) only once the
 * write that carried its EPB has returned, and after a failed write only
 * if its EPB lies in the whole blocks that reached the output; the
 * encoder remembers where each pending EPB ends to tell. So every number
 * a caller prints is what is in the files or the pipe.
 *
 * Sleep/wake: the writer announces "sleeping" and then looks at the queue
 * once more before it blocks on the eventfd; the producer pushes and then
 * looks at "sleeping". With seq_cst on both pairs at least one side sees the
 * other, so a submitted batch is never left waiting, and the producer pays a
 * syscall only when the writer really sleeps.
 */
#include <ringcap/writer.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "dio.h"
#include "opts.h"
#include "thread.h"
#include "format.h"
#include "output.h"
#include "pcapng.h"
#include "spsc.h"

#define FLUSH_THRESHOLD (1u << 20)
/* Direct I/O: the most a SIGKILL or a power cut may cost. */
#define DIO_SYNC_NS 1000000000ull
/* Direct I/O reserves the file's space this far ahead (fallocate), so
 * the file is laid out in large extents and a full disk shows before
 * the write that would fail. */
#define DIO_ALLOC_STEP (64ull << 20)
/* O_DIRECT's alignment: the largest logical block size of this
 * machine's disks; 512-byte-sector disks take it too. */
#define DIO_ALIGN 4096u
/* Packets this big are written from the ring, not copied (BENCHMARKS.md:
 * -17 % CPU per 1514-byte frame to tmpfs, -51 % to /dev/null; at 64 bytes
 * one memcpy is cheaper than an iovec). */
#define WRITEV_MIN 256u
#define DEFAULT_QUEUE_BATCHES 1024u
#define NS_PER_S 1000000000ull
#define DISK_WARN_INTERVAL_NS (60 * NS_PER_S)

struct writer_iface {
	uint64_t delivered;       /* EPBs encoded, for isb_usrdeliv */
	uint64_t pending_drops; /* kernel drops not yet put on an EPB */
	bool filtered;
};

/* Where a pending EPB ends in the stream of the next flush, and the packet
 * bytes up to there: what a failed flush still wrote. */
struct pending_epb {
	uint32_t end;
	uint32_t bytes;
};

struct rc_writer {
	struct output out;
	const struct writer_format *fmt;
	uint16_t linktype;        /* the file's, when the format has only one */
	unsigned n_ifaces;
	struct writer_iface *ifaces;
	uint8_t *buf;
	size_t used;
	size_t cap;
	/* What goes out next is the stream iov[0..n_iov) then buf[seg..used):
	 * packets of WRITEV_MIN bytes or more are not copied but referenced
	 * in their ring block, between the buffer's pieces around them. */
	struct iovec iov[OUTPUT_IOV_MAX];
	unsigned n_iov;
	size_t seg;
	size_t ref_bytes;         /* packet bytes referenced in iov[] */
	struct pending_epb *pend; /* the EPBs of the next flush, in stream order */
	uint32_t n_pend, max_pend;
	uint32_t pend_bytes;      /* their caplen */
	uint64_t encoded;         /* EPBs encoded in all, for the limits */
	bool warned_iface;
	struct rc_ratelimit room_warn;
	struct rc_ratelimit slow_warn;
	bool no_isb;
	/* Direct I/O (dio.h): while the current file is written with O_DIRECT,
	 * buf is a staging buffer of the sink, at file offset dio_base, of
	 * which [0, dio_synced) was handed to the sink already. */
	struct dio *dio;
	bool direct;
	uint8_t *own_buf;         /* the buffered path's buffer */
	size_t own_cap;
	uint64_t dio_base;
	size_t dio_synced;
	size_t dio_tee_skip;      /* buf[0, this) is a file's header: not for the tee */
	uint32_t dio_packets;     /* EPBs in [dio_synced, used) */
	uint64_t dio_bytes;
	uint64_t dio_alloc_end;   /* the file's space reserved up to here */
	uint64_t next_sync_ns;
	uint64_t staging;
	int io_mode;
	uint8_t *header;          /* SHB + IDBs, written at the start of every file */
	size_t header_len;
	struct rc_writer_rotation rotate;
	struct rc_writer_limits limits;
	uint64_t stats_interval_ns;
	uint64_t max_delay_ns;
	uint64_t start_ns;
	uint32_t ts_div;  /* nanoseconds per unit of the file's timestamps: 1 or 1000 */
	/* The current file. */
	uint64_t file_packets;
	uint64_t file_opened_ns;
	uint64_t rotate_at_ns;    /* next time-based rotation; UINT64_MAX = none */
	uint64_t next_stats_ns;
	uint64_t next_disk_warn_ns;
	/* Capture-side counters for the ISBs, from rc_writer_update_stats(). */
	pthread_mutex_t stats_lock;
	struct rc_writer_iface_stats *stats; /* stats_cap entries, under stats_lock */
	unsigned stats_cap;
	unsigned announced;       /* interfaces given and added: the next index */
	bool stats_known;         /* updated at least once */
	struct spsc *lanes;       /* one queue per producer thread */
	unsigned n_lanes;
	unsigned next_lane;       /* round-robin start */
	int wake_fd;
	int sleeping;             /* seq_cst; see the DESIGN note */
	int closing;              /* seq_cst */
	int stopped_fd;
	pthread_t thread;
	bool thread_started;
	/* Published for rc_writer_progress() with relaxed atomics: what has
	 * reached the output. */
	uint64_t packets;
	uint64_t bytes;
	uint64_t file_bytes;
	uint64_t file_size;       /* the current file's, for the status line */
	uint32_t files;
	int stopped;              /* enum rc_writer_stop */
	char pending_note[PATH_MAX + 64]; /* an ISB comment to write after a flush */
	int error;
	void (*file_closed)(void *ctx, const char *path);
	void *file_closed_ctx;
	rc_log_fn log;
	void *log_ctx;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void writer_stop(struct rc_writer *w, enum rc_writer_stop why, int error)
{
	uint64_t one = 1;

	if (w->stopped)
		return;
	__atomic_store_n(&w->error, error, __ATOMIC_RELAXED);
	__atomic_store_n(&w->stopped, (int)why, __ATOMIC_RELEASE);
	(void)!write(w->stopped_fd, &one, sizeof(one));
}

/* Ring-buffer mode under a full disk: make room by deleting the oldest
 * file, and note it in the file where it happened (an ISB comment, written
 * by the caller once the retry has gone through). */
static bool writer_make_room(struct rc_writer *w, int err, char *note, size_t size)
{
	char name[PATH_MAX];

	unsigned held;

	if ((err != -ENOSPC && err != -EDQUOT) || !output_delete_oldest(&w->out, name, sizeof(name)))
		return false;
	if (rc_ratelimit_ok(&w->room_warn, 10 * NS_PER_S, &held))
		rc_logf(w->log, w->log_ctx, RC_LOG_WARNING, "disk full: deleted the oldest file %s to make "
			"room%s", name, held ? " (and more since the last such warning)" : "");
	snprintf(note, size, "disk full: ringcap deleted the oldest file %s to make room", name);
	return true;
}

static void writer_iov_push(struct rc_writer *w, const void *base, size_t len)
{
	if (len)
		w->iov[w->n_iov++] = (struct iovec){ .iov_base = (void *)base, .iov_len = len };
}

/* bytes of the pending stream reached the output: publish them and the
 * packets whose EPBs they hold whole. */
static void writer_flush_done(struct rc_writer *w, size_t bytes)
{
	uint32_t n = w->n_pend, b = w->pend_bytes;

	if (bytes < w->used + w->ref_bytes) {
		for (n = 0; n < w->n_pend && w->pend[n].end <= bytes; n++)
			;
		b = n ? w->pend[n - 1].bytes : 0;
	}
	w->used = w->seg = w->ref_bytes = 0;
	w->n_iov = 0;
	w->n_pend = w->pend_bytes = 0;
	__atomic_store_n(&w->file_bytes, w->file_bytes + bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&w->file_size, w->out.committed, __ATOMIC_RELAXED);
	__atomic_store_n(&w->bytes, w->bytes + b, __ATOMIC_RELAXED);
	/* Packets last: whoever sees them sees their bytes (progress reads
	 * in the other order). */
	__atomic_store_n(&w->packets, w->packets + n, __ATOMIC_RELEASE);
}

static int writer_dio_flush(struct rc_writer *w, bool last, bool close);

static int writer_flush(struct rc_writer *w)
{
	struct iovec *v = w->iov;
	size_t off = 0, written;
	unsigned n;
	int r;

	if (w->direct)
		return writer_dio_flush(w, true, false);
	writer_iov_push(w, w->buf + w->seg, w->used - w->seg);
	n = w->n_iov;
	while ((r = output_writev(&w->out, v, n, true, &written)) < 0) {
		off += output_iov_advance(&v, &n, written);
		if (!writer_make_room(w, r, w->pending_note, sizeof(w->pending_note))) {
			writer_flush_done(w, off);
			writer_stop(w, RC_WRITER_STOP_ERROR, r);
			return r;
		}
	}
	writer_flush_done(w, off + written);
	return 0;
}

/* Reserves the file's space ahead in large steps (no bigger than a file
 * of the ring); on a full disk in ring mode, makes room as the buffered
 * path does. A reservation that fails is no error: the write will tell. */
static void writer_dio_reserve(struct rc_writer *w, uint64_t end)
{
	uint64_t step = w->rotate.filesize_bytes && w->rotate.filesize_bytes < DIO_ALLOC_STEP ?
			w->rotate.filesize_bytes + (1u << 20) : DIO_ALLOC_STEP;

	while (end > w->dio_alloc_end) {
		int r = fallocate(w->out.fd, FALLOC_FL_KEEP_SIZE, (off_t)w->dio_alloc_end, (off_t)step);

		if (r == 0) {
			w->dio_alloc_end += step;
		} else if (errno == EOPNOTSUPP ||
			   !writer_make_room(w, -errno, w->pending_note, sizeof(w->pending_note))) {
			w->dio_alloc_end = UINT64_MAX;
		}
	}
}

static bool writer_dio_failed(struct rc_writer *w)
{
	uint64_t p, b, f;
	int err;

	dio_progress(w->dio, &p, &b, &f, &err);
	if (err)
		writer_stop(w, RC_WRITER_STOP_ERROR, err);
	return err != 0;
}

/* Hands [dio_synced, used) of the staging buffer to the I/O thread: the
 * whole buffer (last), which then belongs to the sink, or what it holds
 * so far (once a second), or the end of the file (close: the sink closes
 * the fd). Without a buffer, takes a fresh one first. */
static int writer_dio_flush(struct rc_writer *w, bool last, bool close)
{
	struct dio_range r = { .fd = w->out.fd, .path = w->out.path, .buf = w->buf,
			       .base = w->dio_base, .from = w->dio_synced, .to = w->used,
			       .packets = w->dio_packets, .bytes = w->dio_bytes,
			       .last = last && w->buf, .close = close };
	uint64_t next;

	if (!w->buf && !close) {
		w->buf = dio_buffer(w->dio);
		w->cap = dio_capacity(w->dio);
		w->used = w->dio_synced = w->dio_tee_skip = 0;
		if (w->buf)
			return 0;
		writer_dio_failed(w);
		return -EIO;
	}
	if (w->out.fd < 0)
		return -EBADF;
	writer_dio_reserve(w, w->dio_base + w->used + dio_capacity(w->dio) / 64);
	if (w->used > w->dio_tee_skip) {
		size_t from = w->dio_synced > w->dio_tee_skip ? w->dio_synced : w->dio_tee_skip;

		output_write_tee(&w->out, w->buf + from, w->used - from);
	}
	next = dio_submit(w->dio, &r);
	__atomic_store_n(&w->file_size, w->dio_base + w->used, __ATOMIC_RELAXED);
	w->dio_packets = 0;
	w->dio_bytes = 0;
	w->dio_synced = w->used;
	if (r.last) {
		w->buf = NULL;
		w->dio_base = w->out.committed = next;
	}
	if (close) {
		w->out.fd = -1;
		w->dio_base = w->out.committed = w->dio_alloc_end = 0;
	}
	return writer_dio_failed(w) ? -EIO : 0;
}

/* Room for size more bytes in the buffer, flushing first if need be. */
static uint8_t *writer_reserve(struct rc_writer *w, size_t size)
{
	if (w->used + size > w->cap && writer_flush(w) < 0)
		return NULL;
	/* Direct I/O: a full buffer went to the sink; the next one. */
	if (w->direct && !w->buf && writer_dio_flush(w, false, false) < 0)
		return NULL;
	if (size > w->cap)
		return NULL;
	return w->buf + w->used;
}

/* The SHB and IDBs at the start of a file: written at once, or with direct
 * I/O staged like any block. */
static int writer_write_header(struct rc_writer *w)
{
	size_t written;
	uint8_t *p;
	int r;

	w->direct = w->out.direct;
	if (w->direct && !w->dio) {
		struct dio_file_done done = { w->file_closed, w->file_closed_ctx };
		struct dio *d;

		r = dio_open(w->staging ? w->staging : DIO_DEFAULT_STAGING, DIO_ALIGN, done, w->log,
			     w->log_ctx, &d);
		if (r < 0)
			return r;
		/* Pairs with the acquire load in rc_writer_progress(). */
		__atomic_store_n(&w->dio, d, __ATOMIC_RELEASE);
	}
	if (!w->direct) {
		w->buf = w->own_buf;
		w->cap = w->own_cap;
		return output_write(&w->out, w->header, w->header_len, false, &written);
	}
	w->buf = NULL;
	w->used = 0;
	p = writer_reserve(w, w->header_len);
	if (!p)
		return -EIO;
	memcpy(p, w->header, w->header_len);
	w->used += w->header_len;
	w->dio_tee_skip = w->used; /* the tee, one section, has it already */
	w->next_sync_ns = now_ns() + DIO_SYNC_NS;
	return 0;
}

/* ISBs for every interface: the capture so far, as the spec's counters
 * are "from the beginning of the capture"; the comment says what the
 * reader is looking at. */
static void writer_write_isbs(struct rc_writer *w, const char *comment)
{
	uint64_t end = now_ns();
	uint8_t *p;

	if (w->no_isb)
		return;
	pthread_mutex_lock(&w->stats_lock);
	for (unsigned i = 0; i < w->n_ifaces && w->stopped != RC_WRITER_STOP_ERROR; i++) {
		struct pcapng_isb isb = {
			.iface_id = i,
			.start_ts = w->start_ns / w->ts_div,
			.end_ts = end / w->ts_div,
			.counted = w->stats_known,
			.received = w->stats[i].received,
			.dropped = w->stats[i].dropped,
			.delivered = w->ifaces[i].delivered,
			.filtered = w->ifaces[i].filtered,
			.comment = i == 0 ? comment : NULL,
		};

		p = writer_reserve(w, pcapng_isb_size(&isb));
		if (p)
			w->used += pcapng_isb(p, &isb);
	}
	pthread_mutex_unlock(&w->stats_lock);
}
/* The next multiple of interval on the local clock (e.g. every full
 * minute), as dumpcap's -b interval. */
static uint64_t next_interval_ns(uint64_t now, uint64_t interval_s)
{
	time_t t = (time_t)(now / NS_PER_S);
	struct tm tm;
	int64_t local, next;

	localtime_r(&t, &tm);
	local = (int64_t)t + tm.tm_gmtoff;
	next = (local / (int64_t)interval_s + 1) * (int64_t)interval_s - tm.tm_gmtoff;
	return (uint64_t)next * NS_PER_S;
}

static void writer_schedule(struct rc_writer *w, uint64_t now)
{
	uint64_t at = UINT64_MAX;

	if (w->rotate.duration_s)
		at = now + w->rotate.duration_s * NS_PER_S;
	if (w->rotate.interval_s) {
		uint64_t i = next_interval_ns(now, w->rotate.interval_s);

		if (i < at)
			at = i;
	}
	w->rotate_at_ns = at;
}

static void writer_check_disk(struct rc_writer *w, uint64_t now)
{
	struct statvfs st;
	uint64_t avail, total;

	if (now < w->next_disk_warn_ns || fstatvfs(w->out.fd, &st) < 0 || !st.f_blocks)
		return;
	avail = (uint64_t)st.f_bavail * st.f_frsize;
	total = (uint64_t)st.f_blocks * st.f_frsize;
	if (avail < total / 20 || (w->rotate.filesize_bytes && avail < 2 * w->rotate.filesize_bytes)) {
		rc_logf(w->log, w->log_ctx, RC_LOG_WARNING, "the disk holding %s is nearly full (%" PRIu64 " MB free)",
			   w->out.path[0] ? w->out.path : "the output", avail / 1000000);
		w->next_disk_warn_ns = now + DISK_WARN_INTERVAL_NS;
	}
}

/* A new file of the set, with its own SHB and IDBs (the tee, one
 * continuous section, does not get them again). */
static int writer_write_header(struct rc_writer *w);

static int writer_open_file(struct rc_writer *w, uint64_t now)
{
	int r = output_open_next(&w->out, (int64_t)(now / NS_PER_S));

	if (r == 0)
		r = writer_write_header(w);
	if (r < 0) {
		rc_logf(w->log, w->log_ctx, RC_LOG_ERROR, "%s: %s", w->out.path, strerror(-r));
		writer_stop(w, RC_WRITER_STOP_ERROR, r);
		return r;
	}
	__atomic_store_n(&w->files, w->files + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&w->file_size, w->direct ? w->used : w->out.committed, __ATOMIC_RELAXED);
	w->file_packets = 0;
	w->file_opened_ns = now;
	writer_schedule(w, now);
	return 0;
}

static void writer_close_file(struct rc_writer *w, const char *why)
{
	char comment[160];

	snprintf(comment, sizeof(comment),
		 "%s: counters cover the whole capture so far; this file holds %" PRIu64 " packets",
		 why, w->file_packets);
	writer_write_isbs(w, comment);
	if (w->direct) {
		/* The sink closes the file once its tail is on disk. */
		writer_dio_flush(w, true, true);
		return;
	}
	if (writer_flush(w) < 0)
		return;
	output_close_current(&w->out);
	if (w->file_closed && w->out.path[0])
		w->file_closed(w->file_closed_ctx, w->out.path);
}

/* Between two packets, so nothing is lost or written twice. A rotation
 * the clock asked for opens the new file at the boundary itself (so an
 * interval file is named for its minute), whenever it actually happens. */
static void writer_rotate(struct rc_writer *w, uint64_t now)
{
	uint64_t t0 = now_ns();
	unsigned held;

	if (now >= w->rotate_at_ns)
		now = w->rotate_at_ns;

	if (w->limits.files && w->files >= w->limits.files) {
		writer_stop(w, RC_WRITER_STOP_FILES, 0);
		return;
	}
	writer_close_file(w, "end of file");
	if (w->stopped || writer_open_file(w, now) < 0)
		return;
	writer_check_disk(w, t0);
	if (w->rotate_at_ns != UINT64_MAX && now_ns() - t0 > w->rotate_at_ns - now &&
	    rc_ratelimit_ok(&w->slow_warn, 10 * NS_PER_S, &held))
		rc_logf(w->log, w->log_ctx, RC_LOG_WARNING, "rotating to %s took longer than the time "
			"between rotations%s", w->out.path, held ? " (and before, since the last such warning)" : "");
}

/* The current file's size once what is queued is written. */
static uint64_t writer_file_size(const struct rc_writer *w)
{
	if (w->direct)
		return w->dio_base + w->used;
	return w->out.committed + w->used + w->ref_bytes;
}

static bool writer_rotation_due(const struct rc_writer *w, uint64_t ts_ns)
{
	if (!w->out.files_mode)
		return false;
	return ts_ns >= w->rotate_at_ns ||
	       (w->rotate.packets && w->file_packets >= w->rotate.packets) ||
	       (w->rotate.filesize_bytes && writer_file_size(w) >= w->rotate.filesize_bytes);
}

/* Work that comes with the clock rather than with packets. */
static void writer_on_time(struct rc_writer *w, uint64_t now)
{
	if (w->stopped)
		return;
	if (w->out.files_mode && now >= w->rotate_at_ns && now - w->rotate_at_ns >= w->max_delay_ns)
		writer_rotate(w, now);
	if (w->stats_interval_ns && now >= w->next_stats_ns) {
		writer_write_isbs(w, "periodic statistics: counters cover the whole capture so far");
		w->next_stats_ns = now + w->stats_interval_ns;
		writer_check_disk(w, now);
	}
	if (w->pending_note[0]) {
		writer_write_isbs(w, w->pending_note);
		w->pending_note[0] = 0;
	}
	/* Direct I/O: what the buffer holds reaches the disk once a second. */
	if (w->direct && now >= w->next_sync_ns) {
		if (w->buf && w->used > w->dio_synced)
			writer_dio_flush(w, false, false);
		w->next_sync_ns = now + DIO_SYNC_NS;
	}
}

/* Remembers where the EPB just encoded ends in the pending stream (which
 * is the buffer with the referenced packets spliced in). */
static void writer_pend(struct rc_writer *w, uint32_t caplen)
{
	if (w->direct) {
		w->dio_packets++;
		w->dio_bytes += caplen;
		return;
	}
	w->pend_bytes += caplen;
	w->pend[w->n_pend++] = (struct pending_epb){ .end = (uint32_t)(w->used + w->ref_bytes),
						     .bytes = w->pend_bytes };
}

/* The EPB into the buffer; a large packet's bytes by reference instead
 * (its batch is written out before it is released, writer_handle_batch). */
static bool writer_put_epb(struct rc_writer *w, const struct rc_writer_packet *pkt, uint64_t drops)
{
	const struct writer_format *f = w->fmt;
	struct rc_writer_packet coarse;
	size_t size;
	uint8_t *p;

	/* The encoders write timestamps in the file's units. */
	if (w->ts_div != 1) {
		coarse = *pkt;
		coarse.ts_ns /= w->ts_div;
		pkt = &coarse;
	}
	/* The bound, not the size, is enough to reserve: one less call per
	 * packet for the usual packet, which has no comment. */
	size = pkt->comment ? f->record_size(pkt, drops) : pkt->caplen + f->record_max_overhead;

	if (w->n_pend == w->max_pend && writer_flush(w) < 0)
		return false;
	/* Direct I/O copies everything: the ring block goes back at once. */
	if (pkt->caplen < WRITEV_MIN || w->direct) {
		p = writer_reserve(w, size);
		if (p) {
			w->used += f->record(p, pkt, drops);
			writer_pend(w, pkt->caplen);
		}
		return p != NULL;
	}
	/* Up to three pieces: the buffer so far, the packet, what follows. */
	if (w->n_iov + 3 > OUTPUT_IOV_MAX && writer_flush(w) < 0)
		return false;
	p = writer_reserve(w, size - pkt->caplen);
	if (!p)
		return false;
	w->used += f->record_nodata(p, pkt, drops);
	writer_iov_push(w, w->buf + w->seg, (size_t)(p - w->buf) + f->record_head_len - w->seg);
	writer_iov_push(w, pkt->data, pkt->caplen);
	w->ref_bytes += pkt->caplen;
	w->seg = (size_t)(p - w->buf) + f->record_head_len;
	writer_pend(w, pkt->caplen);
	return true;
}

/* Limits checked after each packet; true when the writer must stop. */
static bool writer_limit_reached(struct rc_writer *w)
{
	if (w->encoded == w->limits.packets) {
		writer_stop(w, RC_WRITER_STOP_PACKETS, 0);
		return true;
	}
	if (w->limits.filesize_bytes && writer_file_size(w) >= w->limits.filesize_bytes) {
		writer_stop(w, RC_WRITER_STOP_FILESIZE, 0);
		return true;
	}
	return false;
}

/* A producer's interface index outside the IDBs: its packets cannot be
 * written, and are lost like drops, with one warning. */
static bool writer_iface_ok(struct rc_writer *w, const struct rc_writer_packet *pkt)
{
	if (pkt->iface < w->n_ifaces)
		return true;
	if (!w->warned_iface)
		rc_logf(w->log, w->log_ctx, RC_LOG_WARNING,
			"a packet named interface %u of %u; such packets are not written",
			pkt->iface, w->n_ifaces);
	w->warned_iface = true;
	return false;
}

/* One packet or loss record of a batch; false when the writer stops. */
static bool writer_take_packet(struct rc_writer *w, const struct rc_writer_packet *pkt)
{
	struct writer_iface *ifc;

	if (!writer_iface_ok(w, pkt))
		return true;
	ifc = &w->ifaces[pkt->iface];
	ifc->pending_drops += pkt->lost;
	if (!pkt->data)
		return true;
	if (writer_rotation_due(w, pkt->ts_ns)) {
		writer_rotate(w, pkt->ts_ns);
		if (w->stopped)
			return false;
	}
	if (!writer_put_epb(w, pkt, ifc->pending_drops))
		return false;
	ifc->pending_drops = 0;
	ifc->delivered++;
	w->file_packets++;
	w->encoded++;
	return !writer_limit_reached(w);
}

static const struct rc_writer_batch_ops iface_ops;
static void writer_add_iface(struct rc_writer *w, struct rc_writer_batch *b);

static void writer_handle_batch(struct rc_writer *w, struct rc_writer_batch *b)
{
	struct rc_writer_packet pkt;

	if (b->ops == &iface_ops) {
		writer_add_iface(w, b);
		b->ops->release(b);
		return;
	}

	while (!w->stopped && b->ops->next(b, &pkt) == 1 && writer_take_packet(w, &pkt))
		;
	/* Packets referenced in the batch go out before the batch does. */
	if (w->n_iov)
		writer_flush(w);
	/* Writer -> producer: the packets are written or in our buffer now. */
	b->ops->release(b);
	if (w->used >= FLUSH_THRESHOLD && !w->direct)
		writer_flush(w);
}

static int writer_sleep_ms(const struct rc_writer *w)
{
	uint64_t now = now_ns(), until = UINT64_MAX;

	if (w->out.files_mode && w->rotate_at_ns != UINT64_MAX)
		until = w->rotate_at_ns + w->max_delay_ns;
	if (w->stats_interval_ns && w->next_stats_ns < until)
		until = w->next_stats_ns;
	if (w->direct && w->buf && w->used > w->dio_synced && w->next_sync_ns < until)
		until = w->next_sync_ns;
	if (until == UINT64_MAX)
		return -1;
	return until <= now ? 0 : (int)((until - now) / 1000000 + 1);
}

static bool writer_lanes_empty(struct rc_writer *w)
{
	for (unsigned i = 0; i < w->n_lanes; i++)
		if (!spsc_empty_seq_cst(&w->lanes[i]))
			return false;
	return true;
}

/* The lanes in turn, so no producer starves the others. Within a lane
 * batches keep their order, and with PACKET_FANOUT_HASH a flow stays in one
 * lane, so a flow's packets keep their order in the file. */
static struct rc_writer_batch *writer_pop(struct rc_writer *w)
{
	for (unsigned k = 0; k < w->n_lanes; k++) {
		unsigned i = (w->next_lane + k) % w->n_lanes;
		struct rc_writer_batch *b = spsc_pop(&w->lanes[i]);

		if (b) {
			w->next_lane = i + 1;
			return b;
		}
	}
	return NULL;
}

static void writer_sleep(struct rc_writer *w)
{
	struct pollfd pfd = { .fd = w->wake_fd, .events = POLLIN };
	uint64_t kicks;

	__atomic_store_n(&w->sleeping, 1, __ATOMIC_SEQ_CST);
	if (writer_lanes_empty(w) && !__atomic_load_n(&w->closing, __ATOMIC_SEQ_CST) &&
	    poll(&pfd, 1, writer_sleep_ms(w)) > 0)
		(void)!read(w->wake_fd, &kicks, sizeof(kicks));
	__atomic_store_n(&w->sleeping, 0, __ATOMIC_SEQ_CST);
}

static void *writer_main(void *arg)
{
	struct rc_writer *w = arg;
	struct rc_writer_batch *b;

	for (;;) {
		b = writer_pop(w);
		if (b) {
			writer_handle_batch(w, b);
			continue;
		}
		writer_on_time(w, now_ns());
		/* The buffered path writes whenever the queue runs dry; the
		 * direct one once a second (writer_on_time), as O_DIRECT
		 * writes whole units. */
		if (w->used && !w->direct)
			writer_flush(w);
		/* Pairs with the seq_cst store in rc_writer_close(), made after
		 * the producer's last push: once we see it, one more empty pop
		 * means the queue is drained for good. */
		if (__atomic_load_n(&w->closing, __ATOMIC_SEQ_CST) && writer_lanes_empty(w))
			break;
		writer_sleep(w);
	}
	return NULL;
}

int rc_writer_submit(struct rc_writer *writer, unsigned lane, struct rc_writer_batch *batch)
{
	uint64_t one = 1;

	if (lane >= writer->n_lanes)
		return -EINVAL;
	if (!spsc_push(&writer->lanes[lane], batch))
		return -ENOBUFS;
	if (__atomic_exchange_n(&writer->sleeping, 0, __ATOMIC_SEQ_CST))
		(void)!write(writer->wake_fd, &one, sizeof(one));
	return 0;
}

/* rc_writer_write_packet's batch: one packet and its bytes, on the heap. */
struct copied_packet {
	struct rc_writer_batch batch;
	struct rc_writer_packet pkt;
	bool taken;
	uint8_t bytes[];
};

static int copied_next(struct rc_writer_batch *b, struct rc_writer_packet *ret)
{
	struct copied_packet *c = (struct copied_packet *)b;

	if (c->taken)
		return 0;
	c->taken = true;
	*ret = c->pkt;
	return 1;
}

static void copied_release(struct rc_writer_batch *b)
{
	free(b);
}

static const struct rc_writer_batch_ops copied_ops = {
	.next = copied_next,
	.release = copied_release,
};

/* A full lane drains in microseconds (the writer is behind by at most a
 * queue of single packets), so a short sleep beats a second wake-up
 * channel for the rare producer that outruns it. */
static int writer_submit_wait(struct rc_writer *w, unsigned lane, struct rc_writer_batch *b)
{
	int r;

	while ((r = rc_writer_submit(w, lane, b)) == -ENOBUFS)
		nanosleep(&(struct timespec){ .tv_nsec = 50000 }, NULL);
	if (r < 0)
		free(b);
	return r;
}

int rc_writer_write_packet(struct rc_writer *writer, unsigned lane,
			   const struct rc_writer_packet *packet)
{
	size_t clen = packet->comment ? strlen(packet->comment) + 1 : 0;
	size_t dlen = packet->data ? packet->caplen : 0;
	struct copied_packet *c = malloc(sizeof(*c) + dlen + clen);

	if (!c)
		return -ENOMEM;
	c->batch.ops = &copied_ops;
	c->pkt = *packet;
	c->taken = false;
	if (packet->data)
		c->pkt.data = memcpy(c->bytes, packet->data, dlen);
	if (packet->comment)
		c->pkt.comment = memcpy(c->bytes + dlen, packet->comment, clen);
	return writer_submit_wait(writer, lane, &c->batch);
}

/* rc_writer_add_iface's batch: an IDB in the lane's order, no packets. */
struct added_iface {
	struct rc_writer_batch batch;
	struct rc_writer_iface ifc;
	char strings[];
};

static const struct rc_writer_batch_ops iface_ops = {
	.next = copied_next, /* never called: writer_handle_batch knows it */
	.release = copied_release,
};

/* Copies *s to *to and points *s there; returns the end of the copy. */
static char *copy_string(char *to, const char **s)
{
	size_t len = *s ? strlen(*s) + 1 : 0;

	if (*s)
		*s = memcpy(to, *s, len);
	return to + len;
}

int rc_writer_add_iface(struct rc_writer *writer, unsigned lane, const struct rc_writer_iface *iface)
{
	struct rc_writer_iface ifc;
	struct added_iface *a;
	const char **strs[] = { &ifc.name, &ifc.filter, &ifc.description, &ifc.hardware,
				&ifc.os, &ifc.comment };
	size_t len = 0;
	char *to;
	int r = rc_opts_copy(&ifc, sizeof(ifc), iface);

	if (r < 0)
		return r;
	/* The file header named the one link type already. */
	if (writer->fmt->one_linktype && ifc.linktype != writer->linktype)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		len += *strs[i] ? strlen(*strs[i]) + 1 : 0;
	a = malloc(sizeof(*a) + len);
	if (!a)
		return -ENOMEM;
	a->batch.ops = &iface_ops;
	ifc.snaplen = ifc.snaplen ? ifc.snaplen : RC_SNAPLEN_MAX;
	to = a->strings;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		to = copy_string(to, strs[i]);
	a->ifc = ifc;
	r = writer_submit_wait(writer, lane, &a->batch);
	return r < 0 ? r : (int)__atomic_fetch_add(&writer->announced, 1, __ATOMIC_RELAXED);
}

/* The new IDB goes into the stream now, before any packet that names it,
 * and into the header, so every later file of a set has it too. */
static void writer_add_iface(struct rc_writer *w, struct rc_writer_batch *b)
{
	const struct rc_writer_iface *ifc = &((struct added_iface *)b)->ifc;
	size_t size = w->fmt->iface_size(ifc);
	struct writer_iface *ifaces = realloc(w->ifaces, (w->n_ifaces + 1) * sizeof(*ifaces));
	uint8_t *header = realloc(w->header, w->header_len + size), *p;
	struct rc_writer_iface_stats *st;

	if (ifaces)
		w->ifaces = ifaces;
	if (header)
		w->header = header;
	pthread_mutex_lock(&w->stats_lock);
	st = realloc(w->stats, (w->n_ifaces + 1) * sizeof(*st));
	if (st) {
		w->stats = st;
		st[w->n_ifaces] = (struct rc_writer_iface_stats){ 0 };
		w->stats_cap = w->n_ifaces + 1;
	}
	pthread_mutex_unlock(&w->stats_lock);
	if (!ifaces || !header || !st) {
		writer_stop(w, RC_WRITER_STOP_ERROR, -ENOMEM);
		return;
	}
	w->fmt->iface(w->header + w->header_len, ifc);
	w->header_len += size;
	w->ifaces[w->n_ifaces] = (struct writer_iface){ .filtered = ifc->filter && *ifc->filter };
	if (!w->stopped && (p = writer_reserve(w, size)))
		w->used += w->fmt->iface(p, ifc);
	w->n_ifaces++;
}

int rc_writer_stopped_fd(const struct rc_writer *writer)
{
	return writer->stopped_fd;
}

void rc_writer_progress(const struct rc_writer *writer, struct rc_writer_progress *ret)
{
	/* Pairs with the release store in writer_stop(): the error is set
	 * before "stopped" is. */
	ret->stopped = (enum rc_writer_stop)__atomic_load_n(&writer->stopped, __ATOMIC_ACQUIRE);
	ret->error = __atomic_load_n(&writer->error, __ATOMIC_RELAXED);
	/* Pairs with the release store in writer_flush_done(). */
	ret->packets = __atomic_load_n(&writer->packets, __ATOMIC_ACQUIRE);
	ret->bytes = __atomic_load_n(&writer->bytes, __ATOMIC_RELAXED);
	ret->file_bytes = __atomic_load_n(&writer->file_bytes, __ATOMIC_RELAXED);
	ret->files = __atomic_load_n(&writer->files, __ATOMIC_RELAXED);
	/* The sink is set once, before the first direct file, by the writer
	 * thread: whoever sees a file counted sees it (acquire on files). */
	if (__atomic_load_n(&writer->dio, __ATOMIC_ACQUIRE)) {
		uint64_t p, b, f;
		int err;

		dio_progress(writer->dio, &p, &b, &f, &err);
		ret->packets += p;
		ret->bytes += b;
		ret->file_bytes += f;
		ret->staging_used = dio_busy(writer->dio, &ret->staging_size);
	} else {
		ret->staging_used = ret->staging_size = 0;
	}
	ret->file_size = __atomic_load_n(&writer->file_size, __ATOMIC_RELAXED);
}

void rc_writer_update_stats(struct rc_writer *writer, const struct rc_writer_iface_stats *stats,
			    unsigned n)
{
	pthread_mutex_lock(&writer->stats_lock);
	if (n > writer->stats_cap)
		n = writer->stats_cap;
	memcpy(writer->stats, stats, n * sizeof(*stats));
	writer->stats_known = true;
	pthread_mutex_unlock(&writer->stats_lock);
}

/* Batches still queued when the writer closes go back unwritten. */
static void writer_release_queued(struct rc_writer *w)
{
	struct rc_writer_batch *b;

	while (w->lanes && w->thread_started && (b = writer_pop(w)))
		b->ops->release(b);
}

static void writer_free(struct rc_writer *w)
{
	writer_release_queued(w);
	output_free(&w->out);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	if (w->stopped_fd >= 0)
		close(w->stopped_fd);
	pthread_mutex_destroy(&w->stats_lock);
	for (unsigned i = 0; w->lanes && i < w->n_lanes; i++)
		spsc_free(&w->lanes[i]);
	free(w->lanes);
	free(w->ifaces);
	free(w->stats);
	free(w->header);
	free(w->pend);
	free(w->own_buf);
	dio_close(w->dio);
	free(w);
}

/* The file header (pcapng: SHB and IDBs), encoded once: every file of a
 * set starts with it. */
static int writer_build_header(struct rc_writer *w, const struct rc_writer_config *c,
			       const struct rc_writer_iface *ifaces)
{
	struct utsname u;
	char os[sizeof(u.sysname) + sizeof(u.release) + 1] = "";
	struct format_head h = { .userappl = c->userappl ? c->userappl : "ringcap " RC_VERSION_STRING,
				 .os = os, .ifaces = ifaces, .n_ifaces = w->n_ifaces };

	if (uname(&u) == 0) {
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
		h.hardware = u.machine;
	}
	w->header = malloc(w->fmt->head_size(&h));
	if (!w->header)
		return -ENOMEM;
	w->header_len = w->fmt->head(w->header, &h);
	for (unsigned i = 0; i < w->n_ifaces; i++)
		w->ifaces[i].filtered = ifaces[i].filter && *ifaces[i].filter;
	return 0;
}

static int writer_alloc(struct rc_writer *w, const struct rc_writer_config *c,
			const struct rc_writer_iface *ifaces)
{
	uint32_t max_snaplen = 0;

	for (unsigned i = 0; i < w->n_ifaces; i++)
		if (ifaces[i].snaplen > max_snaplen)
			max_snaplen = ifaces[i].snaplen;
	/* Room for a full buffer plus the largest EPB, and ISBs with comments;
	 * a packet's comment may be up to 64 KiB (an option's length field). */
	w->cap = FLUSH_THRESHOLD + max_snaplen + w->fmt->record_max_overhead + (192u << 10);
	w->buf = w->own_buf = malloc(w->cap);
	w->own_cap = w->cap;
	w->max_pend = (uint32_t)(w->cap / w->fmt->record_min) + OUTPUT_IOV_MAX;
	w->pend = malloc(w->max_pend * sizeof(*w->pend));
	w->ifaces = calloc(w->n_ifaces + 1, sizeof(*w->ifaces));
	w->stats_cap = w->n_ifaces;
	w->stats = calloc(w->n_ifaces + 1, sizeof(*w->stats));
	w->n_lanes = c->lanes ? c->lanes : 1;
	w->lanes = calloc(w->n_lanes, sizeof(*w->lanes));
	if (!w->buf || !w->pend || !w->ifaces || !w->stats || !w->lanes)
		return -ENOMEM;
	for (unsigned i = 0; i < w->n_lanes; i++)
		if (spsc_init(&w->lanes[i], c->queue_batches ? c->queue_batches : DEFAULT_QUEUE_BATCHES) < 0)
			return -ENOMEM;
	w->wake_fd = eventfd(0, EFD_CLOEXEC);
	w->stopped_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake_fd < 0 || w->stopped_fd < 0)
		return -errno;
	return writer_build_header(w, c, ifaces);
}

/* The first file (or the fd) and the tee get the header now, so a bad
 * output is an error of rc_writer_open() itself. */
static int writer_start_output(struct rc_writer *w, const struct rc_writer_config *c)
{
	int r = output_init(&w->out, c, w->fmt);

	if (r < 0)
		return r;
	if (w->out.files_mode)
		r = writer_open_file(w, w->start_ns);
	else
		r = writer_write_header(w);
	if (r < 0)
		return w->error ? w->error : r;
	if (!w->out.files_mode)
		w->files = 1;
	w->rotate_at_ns = w->out.files_mode ? w->rotate_at_ns : UINT64_MAX;
	/* Direct I/O counts the header once it is on disk. */
	if (!w->direct)
		__atomic_store_n(&w->file_bytes, w->header_len, __ATOMIC_RELAXED);
	__atomic_store_n(&w->file_size, w->direct ? w->used : w->out.committed, __ATOMIC_RELAXED);
	return output_write_tee(&w->out, w->header, w->header_len);
}

static void writer_configure(struct rc_writer *w, const struct rc_writer_config *c)
{
	w->out.fd = -1;
	w->out.tee_fd = -1;
	w->wake_fd = w->stopped_fd = -1;
	w->n_ifaces = c->n_ifaces;
	w->announced = c->n_ifaces;
	w->fmt = writer_format_get(c->format, c->ts_precision);
	w->ts_div = c->ts_precision == RC_WRITER_TS_MICRO ? 1000u : 1u;
	/* pcap has no ISBs: the kernel's drops are then only in the
	 * capture's summary (and rc_writer_progress), not in the file. */
	w->no_isb = (c->flags & RC_WRITER_F_NO_ISB) || !w->fmt->stats;
	w->rotate = c->rotate;
	w->limits = c->limits;
	w->stats_interval_ns = (uint64_t)c->stats_interval_s * NS_PER_S;
	w->max_delay_ns = (uint64_t)c->max_delay_ms * 1000000u;
	w->file_closed = c->file_closed;
	w->file_closed_ctx = c->file_closed_ctx;
	w->staging = c->staging_bytes;
	w->log = c->log;
	w->log_ctx = c->log_ctx;
	w->start_ns = now_ns();
	w->next_stats_ns = w->start_ns + w->stats_interval_ns;
	pthread_mutex_init(&w->stats_lock, NULL);
}

/* A format with one link type per file (classic pcap) needs the
 * interfaces at open, all of one link type. */
static int writer_check_format(const struct rc_writer_config *c, const struct rc_writer_iface *ifaces)
{
	const struct writer_format *f = writer_format_get(c->format, c->ts_precision);
	const char *why = NULL;

	if (!f)
		why = "rc_writer_config: no such format or timestamp precision";
	else if (f->one_linktype && !c->n_ifaces)
		why = "pcap: give the interfaces at open (the file header names their link type)";
	for (unsigned i = 1; f && f->one_linktype && i < c->n_ifaces && !why; i++)
		if (ifaces[i].linktype != ifaces[0].linktype)
			why = "pcap holds one link type per file, and the interfaces have different "
			      "ones; write pcapng";
	if (why)
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "%s", why);
	return why ? -EINVAL : 0;
}

/* The caller's config and IDBs, each read as the size it was built with;
 * snaplen 0 becomes the largest, which is what the IDB must say. */
static int writer_read_config(const struct rc_writer_config *config, struct rc_writer_config *c,
			      struct rc_writer_iface **ret_ifaces)
{
	struct rc_writer_iface *ifaces;
	int r = rc_opts_copy(c, sizeof(*c), config);

	if (r < 0) {
		rc_opts_log_error(r, "rc_writer_config", c->log, c->log_ctx);
		return r;
	}
	if ((c->n_ifaces && !c->ifaces) || !!c->path == !!(c->flags & RC_WRITER_F_FD)) {
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "rc_writer_config: %s",
			c->n_ifaces && !c->ifaces ? "n_ifaces without ifaces" :
			"give one output: path or RC_WRITER_F_FD");
		return -EINVAL;
	}
	ifaces = calloc(c->n_ifaces + 1, sizeof(*ifaces));
	if (!ifaces)
		return -ENOMEM;
	for (unsigned i = 0; i < c->n_ifaces && r == 0; i++) {
		r = rc_opts_copy(&ifaces[i], sizeof(*ifaces),
				 (const uint8_t *)c->ifaces + i * c->ifaces[0].sz);
		if (!ifaces[i].snaplen)
			ifaces[i].snaplen = RC_SNAPLEN_MAX;
	}
	if (r < 0)
		rc_opts_log_error(r, "rc_writer_iface", c->log, c->log_ctx);
	else
		r = writer_check_format(c, ifaces);
	if (r < 0) {
		free(ifaces);
		return r;
	}
	*ret_ifaces = ifaces;
	return 0;
}

static int writer_start_thread(struct rc_writer *w)
{
	int r = rc_thread_create(&w->thread, writer_main, w);

	w->thread_started = r == 0;
	return r;
}

int rc_writer_open(const struct rc_writer_config *config, struct rc_writer **ret)
{
	struct rc_writer_config c;
	struct rc_writer_iface *ifaces = NULL;
	struct rc_writer *w;
	int r = writer_read_config(config, &c, &ifaces);

	if (r < 0)
		return r;
	w = calloc(1, sizeof(*w));
	if (!w) {
		free(ifaces);
		return -ENOMEM;
	}
	writer_configure(w, &c);
	w->linktype = c.n_ifaces ? ifaces[0].linktype : 0;
	r = writer_alloc(w, &c, ifaces);
	if (r == 0)
		r = writer_start_output(w, &c);
	if (r == 0)
		r = writer_start_thread(w);
	free(ifaces);
	if (r < 0) {
		/* The fds were given to the writer: it closes them either way. */
		if (w->out.fd < 0 && (c.flags & RC_WRITER_F_FD))
			close(c.fd);
		if (w->out.tee_fd < 0 && (c.flags & RC_WRITER_F_TEE))
			close(c.tee_fd);
		writer_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

int rc_writer_close(struct rc_writer *writer, const struct rc_writer_iface_stats *stats,
		    unsigned n, struct rc_writer_progress *ret_final)
{
	uint64_t one = 1;
	int r;

	if (!writer)
		return 0;
	__atomic_store_n(&writer->closing, 1, __ATOMIC_SEQ_CST);
	(void)!write(writer->wake_fd, &one, sizeof(one));
	pthread_join(writer->thread, NULL);
	/* The thread is gone: the buffer and the output are ours alone now. */
	if (stats)
		rc_writer_update_stats(writer, stats, n);
	if (writer->out.fd >= 0 && writer->stopped != RC_WRITER_STOP_ERROR)
		writer_close_file(writer, "end of capture");
	/* The sink's last writes, before the fd they use is closed. */
	if (writer->dio)
		dio_drain(writer->dio);
	output_close_current(&writer->out);
	r = writer->error;
	if (ret_final)
		rc_writer_progress(writer, ret_final);
	writer_free(writer);
	return r;
}
