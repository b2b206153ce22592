/* SPDX-License-Identifier: MIT */
/*
 * output.c - the writer's destinations: a plain fd, or dumpcap-style
 * numbered files, and an optional tee.
 *
 * DESIGN: file names follow dumpcap (PREFIX_NNNNN_YYYYMMDDHHMMSS.EXT from
 * -w PREFIX.EXT, numbered from 00001, local time of opening) so scripts
 * written for dumpcap's ring buffers work unchanged. The output only ever
 * grows by whole pcapng blocks: a write that fails part-way is cut back to
 * the last whole block, so every file stays readable after any error. The
 * tee carries one continuous section across rotations (its reader sees a
 * single capture), so it gets the header once and never the per-file ones.
 */
#include "output.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

int output_init(struct output *o, const struct rc_writer_config *c)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->tee_fd = c->tee_fd > 0 ? c->tee_fd : -1;
	o->log = c->log;
	o->log_ctx = c->log_ctx;
	if (!c->path) {
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
		o->fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		o->seekable = true;
		o->file_no = 1;
		o->files_mode = false;
		return o->fd >= 0 ? 0 : -errno;
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

static void output_delete(struct output *o, uint32_t no)
{
	const char *name = o->names[no % o->keep];

	if (unlink(name) < 0 && errno != ENOENT)
		rc_logf(o->log, o->log_ctx, RC_LOG_WARNING, "%s: cannot delete: %s", name, strerror(errno));
}

int output_open_next(struct output *o, int64_t now_s)
{
	time_t t = (time_t)now_s;
	struct tm tm;
	char stamp[16];

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	o->file_no++;
	if ((size_t)snprintf(o->path, sizeof(o->path), "%s_%05u_%s%s", o->base, o->file_no, stamp,
			     o->ext) >= sizeof(o->path))
		return -ENAMETOOLONG;
	o->fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0)
		return -errno;
	o->seekable = true;
	o->committed = 0;
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

/* Bytes of buf[0..len) that are whole pcapng blocks. */
static size_t whole_blocks(const uint8_t *buf, size_t len)
{
	size_t whole = 0;
	uint32_t blen;

	while (whole + 8 <= len) {
		memcpy(&blen, buf + whole + 4, sizeof(blen));
		if (blen < 12 || whole + blen > len)
			break;
		whole += blen;
	}
	return whole;
}

static ssize_t write_all(int fd, const uint8_t *buf, size_t len, int *ret_err)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*ret_err = n < 0 ? -errno : -ENOSPC;
			break;
		}
		off += (size_t)n;
	}
	return (ssize_t)off;
}

int output_write_tee(struct output *o, const uint8_t *buf, size_t len)
{
	int err = 0;

	if (o->tee_fd < 0)
		return 0;
	if ((size_t)write_all(o->tee_fd, buf, len, &err) == len)
		return 0;
	rc_logf(o->log, o->log_ctx, RC_LOG_WARNING, "tee: %s; the files go on without it", strerror(-err));
	close(o->tee_fd);
	o->tee_fd = -1;
	return err;
}

int output_write(struct output *o, const uint8_t *buf, size_t len, bool tee, size_t *ret_written)
{
	size_t done, whole;
	int err = 0;

	done = (size_t)write_all(o->fd, buf, len, &err);
	if (done == len) {
		o->committed += len;
		*ret_written = len;
		if (tee)
			output_write_tee(o, buf, len);
		return 0;
	}
	whole = whole_blocks(buf, done);
	if (whole != done && (!o->seekable || ftruncate(o->fd, (off_t)(o->committed + whole)) < 0 ||
			      lseek(o->fd, (off_t)(o->committed + whole), SEEK_SET) < 0))
		rc_logf(o->log, o->log_ctx, RC_LOG_ERROR, "%s: ends in a partial block that cannot be cut off",
			   o->files_mode ? o->path : "output");
	o->committed += whole;
	*ret_written = whole;
	if (tee)
		output_write_tee(o, buf, whole);
	return err;
}
