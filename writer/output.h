/* SPDX-License-Identifier: MIT */
/*
 * output.h - where the writer's bytes go: one fd, or a numbered set of
 * files (dumpcap's ring buffer), plus an optional tee. Private to writer/.
 */
#ifndef RINGCAP_WRITER_OUTPUT_H
#define RINGCAP_WRITER_OUTPUT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <ringcap/writer.h>

#include "format.h"
#include "log.h"

struct output {
	/* The current file (or the single fd). */
	int fd;
	bool seekable;
	uint64_t committed;        /* bytes in it, always on a record boundary */
	const struct writer_format *fmt; /* how to find whole records */
	/* The file set; files_mode is false for a plain fd. */
	bool files_mode;
	char base[PATH_MAX];       /* -w dir/name.pcapng -> "dir/name" */
	char ext[32];              /*                    -> ".pcapng" */
	uint32_t file_no;          /* of the current file, from 1 */
	uint32_t keep;             /* -b files:N; 0 keeps all */
	uint32_t oldest_no;        /* lowest file number not yet deleted */
	char (*names)[PATH_MAX];   /* the last `keep` file names, by file_no % keep */
	char path[PATH_MAX];       /* current file */
	int io_mode;               /* enum rc_writer_io */
	bool direct;               /* the current file is open with O_DIRECT */
	/* The tee: the same section, continuous across rotations. */
	int tee_fd;
	struct rc_ratelimit delete_warn;
	rc_log_fn log;
	void *log_ctx;
};

int output_init(struct output *o, const struct rc_writer_config *c, const struct writer_format *fmt);
void output_free(struct output *o);

/* Opens the next file of the set (named for the local time now_s) and
 * deletes the one that falls out of the ring. */
int output_open_next(struct output *o, int64_t now_s);
/* Closes the current file; returns its name (valid until the next open). */
const char *output_close_current(struct output *o);

/* A writev() takes at most this many pieces (IOV_MAX on Linux). */
#define OUTPUT_IOV_MAX 1024u

/* Writes the byte stream iov[0..n) (n <= OUTPUT_IOV_MAX), as output_write. */
int output_writev(struct output *o, const struct iovec *iov, unsigned n, bool tee,
		  size_t *ret_written);
/* Steps past bytes of the stream (for a retry); returns the bytes passed. */
size_t output_iov_advance(struct iovec **iov, unsigned *n, size_t bytes);

/* Writes buf to the current file and the tee. On a failure the file is
 * cut back to its last whole record (of the format) and *ret_written says
 * how many bytes of buf (whole records) made it. The tee failing only ends the tee. */
int output_write(struct output *o, const uint8_t *buf, size_t len, bool tee, size_t *ret_written);
int output_write_tee(struct output *o, const uint8_t *buf, size_t len);

/* Ring mode under a full disk: deletes the oldest file still kept, other
 * than the current one. Returns its name, or NULL if there is none. */
const char *output_delete_oldest(struct output *o, char *name, size_t size);

#endif
