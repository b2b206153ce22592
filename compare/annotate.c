/* SPDX-License-Identifier: MIT */
/*
 * annotate.c - rc_compare_annotate(): A's packets again, as pcapng, with
 * a comment on each one the comparison found lost, duplicated or late,
 * for Wireshark's frame.comment filter.
 *
 * DESIGN: a second read of A rather than holding A's packets through the
 * comparison, so memory stays bounded; the report's marked list is sorted
 * by packet number and walked alongside. The packets go through the
 * writer's public packet API, so there is one pcapng encoder in the
 * project; each of A's interfaces is added the first time a packet needs
 * it, into one section with nanosecond timestamps. The copy carries no
 * epb_flags (a copied packet's direction is not known to us) and no ISBs
 * (there are no counters of a capture to report).
 */
#include "compare_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ringcap/writer.h>

static int add_ifaces(struct rc_writer *w, struct rc_reader *a, uint32_t *added, uint32_t upto)
{
	for (; *added <= upto; (*added)++) {
		struct rc_reader_iface ri;
		int e = rc_reader_iface(a, *added, &ri);

		if (e < 0)
			return e;
		RC_OPTS(rc_writer_iface, wi, .name = ri.name, .linktype = ri.linktype,
			.snaplen = ri.snaplen);
		if ((e = rc_writer_add_iface(w, 0, &wi)) < 0)
			return e;
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
			    struct rc_writer *w)
{
	struct rc_reader_packet p;
	uint32_t added = 0;
	size_t next = 0;
	char text[256];
	int e;

	while ((e = rc_reader_next(a, &p)) > 0) {
		struct rc_writer_packet pkt = { .data = p.data, .caplen = p.caplen,
						.origlen = p.origlen, .ts_ns = (uint64_t)p.ts_ns,
						.iface = p.iface };

		if ((e = add_ifaces(w, a, &added, p.iface)) < 0)
			return e;
		while (next < rep->n_marked && rep->marked[next].index < p.number)
			next++;
		if (next < rep->n_marked && rep->marked[next].index == p.number)
			pkt.comment = comment_for(rep->marked[next].marks, text, sizeof(text));
		if ((e = rc_writer_write_packet(w, 0, &pkt)) < 0)
			return e;
	}
	return e;
}

int rc_compare_annotate(const struct rc_compare_report *rep, struct rc_reader *a, int fd)
{
	RC_OPTS(rc_writer_config, c, .fd = fd, .flags = RC_WRITER_F_FD | RC_WRITER_F_NO_ISB,
		.userappl = "ringcap compare");
	struct rc_writer_progress p;
	struct rc_writer *w;
	int e = rc_writer_open(&c, &w), r;

	if (e < 0)
		return e;
	e = annotate_packets(rep, a, w);
	r = rc_writer_close(w, NULL, 0, &p);
	return e < 0 ? e : r;
}
