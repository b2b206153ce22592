/* SPDX-License-Identifier: MIT */
/*
 * output.c - the writer's destinations: a plain fd, or dumpcap-style
 * numbered files, and an optional tee.
 *
 * DESIGN: file names follow dumpcap (PREFIX_NNNNN_YYYYMMDDHHMMSS.EXT from
 * -w PREFIX.EXT, numbered from 00001, local time of opening) so scripts
 * written for dumpcap's ring buffers work unchanged. The output only ever
 * grows by whole records (pcapng blocks, pcap's file header and packet
 * records): a write that fails part-way is cut back to the last whole
 * record, so every file stays readable after any error. The
 * tee carries one continuous section across rotations (its reader sees a
 * single capture), so it gets the header once and never the per-file ones.
 */
#include "output.h"

#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* A file of the set (or the single file), opened for the I/O mode: with
 * O_DIRECT unless told not to or the filesystem refuses it; in auto mode
 * not on tmpfs, where O_DIRECT is only a copy into the same page cache. */
static int output_open_file(struct output *o)
{
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	struct statfs sf;

	o->direct = false;
	o->fd = o->io_mode == RC_WRITER_IO_BUFFERED ? -1 : open(o->path, flags | O_DIRECT, 0644);
	if (o->fd < 0 && (o->io_mode == RC_WRITER_IO_BUFFERED || errno == EINVAL)) {
		if (o->io_mode == RC_WRITER_IO_DIRECT) {
			rc_logf(o->log, o->log_ctx, RC_LOG_ERROR,
				"%s: the file system does not take direct I/O", o->path);
			return -EINVAL;
		}
		o->fd = open(o->path, flags, 0644);
	} else if (o->fd >= 0) {
		struct stat st;

		/* Not a device (-w /dev/null takes O_DIRECT and ignores it), and
		 * in auto mode not tmpfs. */
		o->direct = true;
		if (o->io_mode == RC_WRITER_IO_AUTO &&
		    ((fstat(o->fd, &st) == 0 && !S_ISREG(st.st_mode)) ||
		     (fstatfs(o->fd, &sf) == 0 && sf.f_type == TMPFS_MAGIC)) &&
		    fcntl(o->fd, F_SETFL, fcntl(o->fd, F_GETFL) & ~O_DIRECT) == 0)
			o->direct = false;
	}
	o->seekable = true;
	o->committed = 0;
	return o->fd >= 0 ? 0 : -errno;
}

/* "dir/name.pcapng" -> base "dir/name", ext ".pcapng"; no dot, no ext. */
static int output_split_path(struct output *o, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	size_t base_len = dot && dot != (slash ? slash + 1 : path) ? (size_t)(dot - path) : strlen(path);

	if (base_len + 32 >= sizeof(o->base) || strlen(path) - base_len >= sizeof(o->ext))
		return -ENAMETOOLONG;
	memcpy(o->base, path, base_len);
	o->base[base_len] = 0;
	snprintf(o->ext, sizeof(o->ext), "%s", path + base_len);
	return 0;
}

/* A format that cannot pad a file (classic pcap) to O_DIRECT's alignment
 * is written buffered; asked for direct I/O by name, that is an error. */
static int output_io_mode(struct output *o, const struct rc_writer_config *c)
{
	o->io_mode = (int)c->io;
	if (o->fmt->direct_io || c->io == RC_WRITER_IO_BUFFERED)
		return 0;
	o->io_mode = RC_WRITER_IO_BUFFERED;
	if (c->io != RC_WRITER_IO_DIRECT)
		return 0;
	rc_logf(o->log, o->log_ctx, RC_LOG_ERROR, "direct I/O needs padding records, which %s "
		"has not; write it buffered or as pcapng", o->fmt->name);
	return -EINVAL;
}

int output_init(struct output *o, const struct rc_writer_config *c, const struct writer_format *fmt)
{
	struct stat st;
	int r;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->tee_fd = c->flags & RC_WRITER_F_TEE ? c->tee_fd : -1;
	o->fmt = fmt;
	o->log = c->log;
	o->log_ctx = c->log_ctx;
	if ((r = output_io_mode(o, c)) < 0)
		return r;
	if (c->flags & RC_WRITER_F_FD) {
		o->fd = c->fd;
		o->seekable = fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode);
		return o->fd >= 0 ? 0 : -EINVAL;
	}
	o->files_mode = true;
	o->keep = c->rotate.files;
	o->oldest_no = 1;
	if (o->keep && !(o->names = calloc(o->keep, sizeof(*o->names))))
		return -ENOMEM;
	if (!c->rotate.filesize_bytes && !c->rotate.duration_s && !c->rotate.interval_s &&
	    !c->rotate.packets) {
		/* No rotation: the file is called what the user said. */
		snprintf(o->path, sizeof(o->path), "%s", c->path);
		o->file_no = 1;
		o->files_mode = false;
		return output_open_file(o);
	}
	return output_split_path(o, c->path);
}

void output_free(struct output *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tee_fd >= 0)
		close(o->tee_fd);
	free(o->names);
	o->fd = o->tee_fd = -1;
	o->names = NULL;
}

#define DELETE_WARN_INTERVAL_NS (10 * 1000000000ull)

static void output_warn_delete(struct output *o, const char *name, int err)
{
	unsigned held;

	if (rc_ratelimit_ok(&o->delete_warn, DELETE_WARN_INTERVAL_NS, &held))
		rc_logf(o->log, o->log_ctx, RC_LOG_WARNING, "%s: cannot delete: %s%s", name,
			strerror(err), held ? " (and others since the last such warning)" : "");
}

/* A file of the ring under whatever name a post-rotate command (-z) made
 * of it: gone as NAME, it is NAME.SOMETHING (gzip's NAME.gz, xz's NAME.xz). */
static void output_delete_derived(struct output *o, const char *name)
{
	const char *slash = strrchr(name, '/');
	char dir[PATH_MAX], path[PATH_MAX + sizeof(((struct dirent *)0)->d_name) + 1];
	size_t blen = strlen(slash ? slash + 1 : name);
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - name) : 1, slash ? name : ".");
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, slash ? slash + 1 : name, blen) || de->d_name[blen] != '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) < 0 && errno != ENOENT)
			output_warn_delete(o, path, errno);
	}
	closedir(d);
}

static void output_delete(struct output *o, uint32_t no)
{
	const char *name = o->names[no % o->keep];

	if (unlink(name) == 0)
		return;
	if (errno == ENOENT)
		output_delete_derived(o, name);
	else
		output_warn_delete(o, name, errno);
}

int output_open_next(struct output *o, int64_t now_s)
{
	time_t t = (time_t)now_s;
	struct tm tm;
	char stamp[16];
	int r;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	o->file_no++;
	if ((size_t)snprintf(o->path, sizeof(o->path), "%s_%05u_%s%s", o->base, o->file_no, stamp,
			     o->ext) >= sizeof(o->path))
		return -ENAMETOOLONG;
	r = output_open_file(o);
	if (r < 0)
		return r;
	if (o->keep) {
		while (o->file_no - o->oldest_no >= o->keep)
			output_delete(o, o->oldest_no++);
		snprintf(o->names[o->file_no % o->keep], PATH_MAX, "%s", o->path);
	}
	return 0;
}

const char *output_close_current(struct output *o)
{
	if (o->fd >= 0 && close(o->fd) < 0)
		rc_logf(o->log, o->log_ctx, RC_LOG_WARNING, "%s: close: %s", o->path, strerror(errno));
	o->fd = -1;
	return o->path;
}

const char *output_delete_oldest(struct output *o, char *name, size_t size)
{
	if (!o->keep || o->oldest_no >= o->file_no)
		return NULL;
	snprintf(name, size, "%s", o->names[o->oldest_no % o->keep]);
	output_delete(o, o->oldest_no++);
	return name;
}

/* The 32-bit word at logical offset off of the byte stream iov[0..n). */
static uint32_t iov_read32(const struct iovec *iov, unsigned n, size_t off)
{
	uint8_t b[4] = { 0 };
	uint32_t v;

	for (unsigned k = 0, i = 0; i < n && k < 4; i++) {
		for (; off < iov[i].iov_len && k < 4; off++)
			b[k++] = ((const uint8_t *)iov[i].iov_base)[off];
		off = off >= iov[i].iov_len ? off - iov[i].iov_len : off;
	}
	memcpy(&v, b, sizeof(v));
	return v;
}

/* The length of the record at offset off of the stream, which starts at
 * the file's offset o->committed; 0 if its length word is not all there. */
static size_t record_len(const struct output *o, const struct iovec *iov, unsigned n, size_t off,
			 size_t len)
{
	const struct writer_format *f = o->fmt;

	if (o->committed + off == 0 && f->file_head_len)
		return f->file_head_len;
	if (off + f->len_off + 4 > len)
		return 0;
	return iov_read32(iov, n, off + f->len_off) + f->len_add;
}

/* Bytes of the first len of the stream that are whole records. */
static size_t whole_blocks(const struct output *o, const struct iovec *iov, unsigned n, size_t len)
{
	size_t whole = 0, rlen;

	for (;;) {
		rlen = record_len(o, iov, n, whole, len);
		if (rlen < o->fmt->len_min || rlen > len - whole)
			break;
		whole += rlen;
	}
	return whole;
}

size_t output_iov_advance(struct iovec **iov, unsigned *n, size_t bytes)
{
	size_t moved = 0;

	while (*n && bytes >= (*iov)->iov_len) {
		bytes -= (*iov)->iov_len;
		moved += (*iov)->iov_len;
		(*iov)++;
		(*n)--;
	}
	if (*n && bytes) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + bytes;
		(*iov)->iov_len -= bytes;
		moved += bytes;
	}
	return moved;
}

/* writev()s the whole stream, resuming short writes; iov is consumed.
 * Returns the bytes written; *ret_err is set when that is not all. */
static size_t writev_all(int fd, struct iovec *iov, unsigned n, int *ret_err)
{
	size_t done = 0;
	ssize_t w;

	while (n) {
		w = writev(fd, iov, (int)(n < OUTPUT_IOV_MAX ? n : OUTPUT_IOV_MAX));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*ret_err = w < 0 ? -errno : -ENOSPC;
			break;
		}
		done += output_iov_advance(&iov, &n, (size_t)w);
	}
	return done;
}

/* The first len bytes of the stream to the tee (its own copy of iov). */
static int output_tee(struct output *o, const struct iovec *iov, unsigned n, size_t len)
{
	struct iovec copy[OUTPUT_IOV_MAX];
	unsigned k = 0;
	size_t left = len;
	int err = 0;

	if (o->tee_fd < 0)
		return 0;
	for (; k < n && left; k++) {
		copy[k] = iov[k];
		if (copy[k].iov_len > left)
			copy[k].iov_len = left;
		left -= copy[k].iov_len;
	}
	if (writev_all(o->tee_fd, copy, k, &err) == len)
		return 0;
	rc_logf(o->log, o->log_ctx, RC_LOG_WARNING, "tee: %s; the files go on without it", strerror(-err));
	close(o->tee_fd);
	o->tee_fd = -1;
	return err;
}

int output_write_tee(struct output *o, const uint8_t *buf, size_t len)
{
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };

	return output_tee(o, &v, 1, len);
}

int output_writev(struct output *o, const struct iovec *iov, unsigned n, bool tee,
		  size_t *ret_written)
{
	struct iovec scratch[OUTPUT_IOV_MAX];
	size_t total = 0, done, whole;
	int err = 0;

	for (unsigned i = 0; i < n; i++)
		total += iov[i].iov_len;
	memcpy(scratch, iov, n * sizeof(*iov));
	done = writev_all(o->fd, scratch, n, &err);
	whole = done == total ? total : whole_blocks(o, iov, n, done);
	if (whole != done && (!o->seekable || ftruncate(o->fd, (off_t)(o->committed + whole)) < 0 ||
			      lseek(o->fd, (off_t)(o->committed + whole), SEEK_SET) < 0))
		rc_logf(o->log, o->log_ctx, RC_LOG_ERROR, "%s: ends in a partial record that cannot be cut off",
			o->files_mode ? o->path : "output");
	o->committed += whole;
	*ret_written = whole;
	if (tee)
		output_tee(o, iov, n, whole);
	return done == total ? 0 : err;
}

int output_write(struct output *o, const uint8_t *buf, size_t len, bool tee, size_t *ret_written)
{
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };

	return output_writev(o, &v, 1, tee, ret_written);
}
