/* SPDX-License-Identifier: MIT */
/*
 * dio.h - the direct-I/O sink under the writer: staging buffers and the
 * I/O thread that writes them with O_DIRECT. Private to writer/.
 *
 * The writer thread encodes whole pcapng blocks into a staging buffer
 * (dio_buffer), hands it over when it is full (dio_submit ... last) or
 * once a second while it fills (dio_submit, not last), and at the end of a
 * file (dio_submit ... close). The I/O thread writes in order; it pads
 * what it writes to the alignment O_DIRECT needs with a block of a
 * local-use type (pcapng 4: bit 31 set; every reader skips it), so the
 * file on disk always ends on a whole block, and writes the exact tail
 * at a file's close without the padding.
 */
#ifndef RINGCAP_WRITER_DIO_H
#define RINGCAP_WRITER_DIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/writer.h>

/* pcapng block type of the padding: local use ("RC"), body zero. */
#define DIO_PAD_BLOCK 0x80005243u
/* The least a padding block takes: type, length, length. */
#define DIO_PAD_MIN 12u
/* Staging buffers are this big (a write of this size reaches the disk's
 * full O_DIRECT rate here: BENCHMARKS.md) unless the total is smaller. */
#define DIO_BUFFER_SIZE (4u << 20)
#define DIO_DEFAULT_STAGING (64u << 20)

struct dio;

/* A file the sink writes: the fd (O_DIRECT), and where its bytes start. */
struct dio_file_done {
	void (*fn)(void *ctx, const char *path);
	void *ctx;
};

/* staging bytes in all (rounded to whole buffers, at least 2); align is
 * the O_DIRECT alignment (a power of two). Starts the I/O thread. */
int dio_open(size_t staging, unsigned align, struct dio_file_done done, rc_log_fn log,
	     void *log_ctx, struct dio **ret);
/* Waits for every write, stops the thread, frees. */
void dio_close(struct dio *d);

/* A free buffer to fill (dio_capacity bytes of blocks), waiting while the
 * I/O thread holds them all: that wait is what makes the ring fill, so the
 * kernel's drops are where the disk fell behind. NULL after an error. */
uint8_t *dio_buffer(struct dio *d);
size_t dio_capacity(const struct dio *d);

struct dio_range {
	int fd;
	const char *path;      /* for the file-done callback and messages */
	uint8_t *buf;          /* from dio_buffer() */
	uint64_t base;         /* file offset of buf[0], aligned */
	size_t from, to;       /* new blocks: buf[from, to), both block boundaries */
	uint32_t packets;      /* EPBs in [from, to) */
	uint64_t bytes;        /* their caplen */
	bool last;             /* the buffer is full: it goes back to the free list */
	bool close;            /* the file ends at to: exact tail, close fd, callback */
};

/* Queues a write. Returns the file offset where the next buffer starts
 * (base + the padded length) for a last range. Never blocks. */
uint64_t dio_submit(struct dio *d, const struct dio_range *r);
/* Waits until every queued write is done. */
void dio_drain(struct dio *d);

/* What reached the files: EPBs, their bytes, file bytes; and the first
 * error (-errno), after which nothing more is written. Any thread. */
void dio_progress(const struct dio *d, uint64_t *packets, uint64_t *bytes, uint64_t *file_bytes,
		  int *error);
/* How full the staging is: bytes held by the I/O thread, of *ret_total. */
uint64_t dio_busy(const struct dio *d, uint64_t *ret_total);

#endif
