/* SPDX-License-Identifier: MIT */
/*
 * reader.c - the reader handle: opening, the input buffer, format
 * detection, and what both formats share (interfaces, timestamps, errors).
 *
 * DESIGN: input is read with plain read() into one growing buffer rather
 * than mmap()ed, so pipes and stdin work and a file truncated under us is
 * an error message instead of a SIGBUS. The buffer only ever holds the
 * block being parsed plus read-ahead, so memory is bounded by the largest
 * block (RD_MAX_BLOCK), not by the file. Memory input skips the buffer
 * entirely and packets point into the caller's bytes. What the reader
 * refuses stops it with an error; what it tolerates (as tshark does) it
 * reads, and says once per kind through the log hook (rd_warn).
 */
#include "reader_internal.h"

#include "formats.h"
#include "log.h"

#include <byteswap.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK (256u << 10)

#define PCAPNG_SHB_TYPE RC_PCAPNG_SHB
#define PCAP_MAGIC_US RC_PCAP_MAGIC_US
#define PCAP_MAGIC_NS RC_PCAP_MAGIC_NS

static int reader_new(int fd, struct rc_reader **ret)
{
	struct rc_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->fd = fd;
	*ret = r;
	return 0;
}

int rc_reader_open_fd(int fd, struct rc_reader **ret)
{
	int r = reader_new(fd, ret);

	if (r < 0)
		close(fd);
	return r;
}

int rc_reader_open(const char *path, struct rc_reader **ret)
{
	int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return rc_reader_open_fd(fd, ret);
}

int rc_reader_open_mem(const void *buf, size_t len, struct rc_reader **ret)
{
	int r = reader_new(-1, ret);

	if (r < 0)
		return r;
	(*ret)->data = buf;
	(*ret)->end = len;
	(*ret)->eof = true;
	return 0;
}

void rc_reader_close(struct rc_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->own);
	free(r->ifaces);
	free(r);
}

/* Moves the unread bytes to the front and makes room for n of them. */
static int fill_make_room(struct rc_reader *r, size_t n)
{
	size_t have = r->end - r->start, want = n > READ_CHUNK ? n : READ_CHUNK;
	uint8_t *p;

	if (r->own && r->start)
		memmove(r->own, r->own + r->start, have);
	r->start = 0;
	r->end = have;
	if (r->cap >= want)
		return 0;
	p = realloc(r->own, want);
	if (!p)
		return -ENOMEM;
	r->own = p;
	r->data = p;
	r->cap = want;
	return 0;
}

int rd_fill(struct rc_reader *r, size_t n)
{
	int e;

	if (r->end - r->start >= n)
		return 0;
	if (r->eof)
		return 1;
	if (r->start + n > r->cap && (e = fill_make_room(r, n)) < 0)
		return e;
	while (r->end - r->start < n) {
		ssize_t got = read(r->fd, r->own + r->end, r->cap - r->end);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0) {
			r->eof = true;
			return 1;
		}
		r->end += (size_t)got;
	}
	return 0;
}

void rd_take(struct rc_reader *r, size_t n)
{
	r->start += n;
	r->base_off += n;
}

int rd_fail(struct rc_reader *r, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->errmsg, sizeof(r->errmsg), "offset %llu: ", (unsigned long long)off);

	va_start(ap, fmt);
	vsnprintf(r->errmsg + n, sizeof(r->errmsg) - (size_t)n, fmt, ap);
	va_end(ap);
	r->error = -EBADMSG;
	return -EBADMSG;
}

void rd_warn(struct rc_reader *r, enum rd_warning kind, uint64_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (r->warned & (1u << kind))
		return;
	r->warned |= 1u << kind;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc_logf(r->log, r->log_ctx, RC_LOG_WARNING, "offset %llu: %s (read anyway; "
		"not repeated for later ones)", (unsigned long long)off, msg);
}

void rc_reader_set_log(struct rc_reader *r, rc_log_fn log, void *ctx)
{
	r->log = log;
	r->log_ctx = ctx;
}

uint16_t rd16(const struct rc_reader *r, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return r->swapped ? bswap_16(v) : v;
}

uint32_t rd32(const struct rc_reader *r, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return r->swapped ? bswap_32(v) : v;
}

uint64_t rd64(const struct rc_reader *r, const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return r->swapped ? bswap_64(v) : v;
}

struct rd_iface *rd_iface_add(struct rc_reader *r, uint16_t linktype, uint32_t snaplen)
{
	struct rd_iface *ifc;

	if (r->n_ifaces == RD_MAX_IFACES)
		return NULL;
	if (r->n_ifaces == r->cap_ifaces) {
		uint32_t cap = r->cap_ifaces ? r->cap_ifaces * 2 : 4;
		struct rd_iface *p = realloc(r->ifaces, cap * sizeof(*p));

		if (!p)
			return NULL;
		r->ifaces = p;
		r->cap_ifaces = cap;
	}
	ifc = &r->ifaces[r->n_ifaces++];
	*ifc = (struct rd_iface){ .linktype = linktype, .snaplen = snaplen,
				  .section = r->section ? r->section - 1 : 0,
				  .mul = 1000, .div = 1 };
	return ifc;
}

/* The captured length is the smaller of the original length and the
 * snaplen (pcapng draft 4.3, and pcap's caplen likewise). Files break it
 * (tshark shows them); say so, keep the bytes. */
void rd_packet_lengths(struct rc_reader *r, const struct rd_iface *ifc,
		       const struct rc_reader_packet *p)
{
	if (p->caplen > p->origlen)
		rd_warn(r, RD_W_CAPLEN_ORIGLEN, p->offset, "captured length %u is more than the "
			"original length %u", p->caplen, p->origlen);
	if (ifc->snaplen && p->caplen > ifc->snaplen)
		rd_warn(r, RD_W_CAPLEN_SNAPLEN, p->offset, "captured length %u is more than the "
			"interface's snaplen %u", p->caplen, ifc->snaplen);
}

/* 128-bit intermediate: units can use all 64 bits and mul is up to 1e9. */
__extension__ typedef __int128 rd_i128;

/* Saturates rather than fails: real files carry garbage timestamps
 * (Wireshark's dhcp sample says the year 150000), and tshark shows
 * their packets, so we hand them out too, with ts_clamped set. */
void rd_ts(struct rc_reader *r, const struct rd_iface *ifc, uint64_t units,
	   struct rc_reader_packet *pkt)
{
	rd_i128 ns = (rd_i128)units * ifc->mul / ifc->div + (rd_i128)ifc->offset_s * 1000000000;

	pkt->ts_clamped = ns > INT64_MAX || ns < INT64_MIN;
	if (pkt->ts_clamped)
		rd_warn(r, RD_W_TS_RANGE, pkt->offset, "timestamp is %s, beyond 64-bit nanoseconds; "
			"clamped", ns > 0 ? "after the year 2262" : "before the year 1677");
	pkt->ts_ns = ns > INT64_MAX ? INT64_MAX : ns < INT64_MIN ? INT64_MIN : (int64_t)ns;
}

static int detect_format(struct rc_reader *r)
{
	uint32_t magic;
	int e = rd_fill(r, 4);

	if (e < 0)
		return e;
	if (e > 0)
		return rd_fail(r, 0, "%s: not a pcap or pcapng file",
			       r->end == r->start ? "empty file" : "file shorter than any header");
	memcpy(&magic, r->data + r->start, 4);
	if (magic == PCAPNG_SHB_TYPE) {
		r->format = RC_READER_PCAPNG;
		return 0;
	}
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS || magic == bswap_32(PCAP_MAGIC_US) ||
	    magic == bswap_32(PCAP_MAGIC_NS)) {
		r->format = RC_READER_PCAP;
		return rd_pcap_header(r);
	}
	return rd_fail(r, 0, "magic 0x%08x is neither pcapng's Section Header Block nor a pcap "
		       "magic number", magic);
}

int rc_reader_next(struct rc_reader *r, struct rc_reader_packet *ret)
{
	int e;

	if (r->error)
		return r->error;
	if (!r->format && (e = detect_format(r)) < 0)
		goto out;
	e = r->format == RC_READER_PCAPNG ? rd_pcapng_next(r, ret) : rd_pcap_next(r, ret);
out:
	if (e < 0)
		r->error = e;
	return e;
}

const char *rc_reader_error(const struct rc_reader *r)
{
	return r->errmsg;
}

enum rc_reader_format rc_reader_format(const struct rc_reader *r)
{
	return r->format;
}

uint32_t rc_reader_iface_count(const struct rc_reader *r)
{
	return r->n_ifaces;
}

int rc_reader_iface(const struct rc_reader *r, uint32_t id, struct rc_reader_iface *ret)
{
	const struct rd_iface *ifc;

	if (id >= r->n_ifaces)
		return -ENOENT;
	ifc = &r->ifaces[id];
	*ret = (struct rc_reader_iface){ .name = ifc->name, .linktype = ifc->linktype,
					 .snaplen = ifc->snaplen, .section = ifc->section };
	return 0;
}
