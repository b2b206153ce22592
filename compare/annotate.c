/* SPDX-License-Identifier: MIT */
/*
 * annotate.c - rc_compare_annotate(): A's packets again, as pcapng, with
 * a comment on each one the comparison found lost, duplicated or late,
 * for Wireshark's frame.comment filter.
 *
 * DESIGN: a second read of A rather than holding A's packets through the
 * comparison, so memory stays bounded; the report's marked list is sorted
 * by packet number and walked alongside. The blocks come from the
 * writer's encoders, so there is one pcapng encoder in the project. All
 * interfaces go into one section with nanosecond timestamps, an IDB
 * written the first time a packet needs it.
 */
#include "compare_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapng.h"

#define OUT_BUF (1u << 20)

struct out {
	int fd;
	uint8_t *buf;
	size_t used, cap;
};

static int out_flush(struct out *o)
{
	size_t done = 0;

	while (done < o->used) {
		ssize_t n = write(o->fd, o->buf + done, o->used - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	o->used = 0;
	return 0;
}

/* Room for n bytes at the end of the buffer, or NULL after setting *err. */
static uint8_t *out_reserve(struct out *o, size_t n, int *err)
{
	if (o->cap - o->used < n && (*err = out_flush(o)) < 0)
		return NULL;
	if (o->cap < n) {
		uint8_t *p = realloc(o->buf, n);

		if (!p) {
			*err = -ENOMEM;
			return NULL;
		}
		o->buf = p;
		o->cap = n;
	}
	return o->buf + o->used;
}

static int write_idbs(struct out *o, struct rc_reader *a, uint32_t *written, uint32_t upto)
{
	int e = 0;

	for (; *written <= upto; (*written)++) {
		struct rc_reader_iface ri;
		struct rc_writer_iface wi;
		uint8_t *p;

		if ((e = rc_reader_iface(a, *written, &ri)) < 0)
			return e;
		wi = (struct rc_writer_iface){ .name = ri.name, .linktype = ri.linktype,
					       .snaplen = ri.snaplen };
		if (!(p = out_reserve(o, pcapng_idb_size(&wi), &e)))
			return e;
		o->used += pcapng_idb(p, &wi);
	}
	return 0;
}

static const char *comment_for(uint8_t marks, char *buf, size_t len)
{
	snprintf(buf, len, "ringcap compare:%s%s%s%s",
		 marks & RC_COMPARE_LOST ? " lost (never reached B)" : "",
		 marks & RC_COMPARE_DUPLICATED ? " duplicated (reached B more than once)" : "",
		 marks & RC_COMPARE_LATE ? " late (reached B after a packet sent after it)" : "",
		 marks & RC_COMPARE_COPY ? " duplicate (a second copy of a packet from B)" : "");
	return buf;
}

static int annotate_packets(const struct rc_compare_report *rep, struct rc_reader *a,
			    struct out *o)
{
	struct rc_reader_packet p;
	uint32_t idbs = 0;
	size_t next = 0;
	char text[256];
	int e;

	while ((e = rc_reader_next(a, &p)) > 0) {
		const char *comment = NULL;
		struct rc_packet pkt = { .data = p.data, .caplen = p.caplen, .origlen = p.origlen,
					 .ts_ns = (uint64_t)p.ts_ns };
		uint8_t *buf;

		if ((e = write_idbs(o, a, &idbs, p.iface)) < 0)
			return e;
		while (next < rep->n_marked && rep->marked[next].index < p.number)
			next++;
		if (next < rep->n_marked && rep->marked[next].index == p.number)
			comment = comment_for(rep->marked[next].marks, text, sizeof(text));
		if (!(buf = out_reserve(o, pcapng_epb_comment_size(p.caplen, comment), &e)))
			return e;
		o->used += pcapng_epb_comment(buf, p.iface, &pkt, comment);
	}
	return e;
}

int rc_compare_annotate(const struct rc_compare_report *rep, struct rc_reader *a, int fd)
{
	struct out o = { .fd = fd, .buf = malloc(OUT_BUF), .cap = OUT_BUF };
	uint8_t *p;
	int e = o.buf ? 0 : -ENOMEM;

	if (e == 0 && (p = out_reserve(&o, pcapng_shb_size(NULL, NULL, "ringcap compare"), &e)))
		o.used += pcapng_shb(p, NULL, NULL, "ringcap compare");
	if (e == 0)
		e = annotate_packets(rep, a, &o);
	if (e == 0)
		e = out_flush(&o);
	free(o.buf);
	return e;
}
