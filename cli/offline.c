/* SPDX-License-Identifier: MIT */
/*
 * offline.c - -r FILE, as tcpdump -r FILE -w OUT EXPR: the file's packets
 * through the capture filter (run here by the user-space interpreter, with
 * savefile semantics: a VLAN tag is in the bytes, not in metadata) into
 * the writer, which does -c, -a, -b, --tee and rotation as for a capture.
 *
 * The filter is compiled for each link type the file's interfaces have,
 * as tcpdump compiles it for the file's one.
 *
 * DESIGN: the command's one loop of its own, because there is nothing to
 * drain and no counters but what is read: reader -> filter -> writer, one
 * packet at a time (rc_writer_write_packet copies it, the reader's buffer
 * is reused). The file's interfaces become the output's, in the file's
 * order, the first time a packet names one, so interface ids carry over.
 */
#include "offline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcap/filter.h>

#include "input.h"
#include "report.h"

/* A file may hold interfaces of several link types (pcapng): the filter
 * is compiled once for each, the first time an interface of it comes. */
#define OFFLINE_MAX_LINKTYPES 8

struct offline {
	const char *path;
	struct cli_input in;
	struct rc_writer *w;
	const struct cli_filter *f;
	uint32_t snaplen;
	struct {
		uint32_t linktype;
		struct rc_filter *prog;
	} progs[OFFLINE_MAX_LINKTYPES];
	unsigned n_progs;
	const struct rc_filter **by_iface; /* the program of each interface added */
	uint32_t added;           /* the file's interfaces given to the writer */
	uint64_t read, matched;
};

/* The filter for interface `added`, of link type lt: compiled here once
 * per link type (savefile semantics: the file's bytes are all there is). */
static int offline_filter_for(struct offline *x, uint32_t lt)
{
	RC_OPTS(rc_filter_config, c, .snaplen = x->snaplen, .linktype = lt);
	const struct rc_filter **by = realloc(x->by_iface, (x->added + 1) * sizeof(*by));
	const struct rc_filter *prog = NULL;
	struct rc_filter_error err = { 0 };
	int r;

	if (!by)
		return -ENOMEM;
	x->by_iface = by;
	for (unsigned i = 0; x->f->text && i < x->n_progs && !prog; i++)
		if (x->progs[i].linktype == lt)
			prog = x->progs[i].prog;
	if (x->f->text && !prog) {
		char where[4200];

		if (x->n_progs == OFFLINE_MAX_LINKTYPES)
			return -E2BIG;
		r = rc_filter_compile(x->f->text, &c, &x->progs[x->n_progs].prog, &err);
		if (r < 0) {
			snprintf(where, sizeof(where), "%s: interface %u (link type %u): ", x->path,
				 x->added, lt);
			cli_filter_report(r, &err, lt, where);
			return -EPROTONOSUPPORT;
		}
		x->progs[x->n_progs].linktype = lt;
		prog = x->progs[x->n_progs++].prog;
	}
	x->by_iface[x->added] = prog;
	return 0;
}

/* The file's interfaces up to id, as IDBs, each with its filter. */
static int offline_add_ifaces(struct offline *x, uint32_t id)
{
	for (; x->added <= id; x->added++) {
		struct rc_reader_iface ri;
		int r = rc_reader_iface(x->in.reader, x->added, &ri);

		if (r == 0)
			r = offline_filter_for(x, ri.linktype);
		if (r < 0)
			return r;
		RC_OPTS(rc_writer_iface, wi, .name = ri.name[0] ? ri.name : NULL,
			.linktype = ri.linktype, .snaplen = ri.snaplen);
		if ((r = rc_writer_add_iface(x->w, 0, &wi)) < 0) {
			report_line("%s: interface %u (link type %u) cannot go into the output: %s%s",
				    x->path, x->added, ri.linktype, strerror(-r),
				    r == -EINVAL ? " (classic pcap holds one link type; write pcapng)" : "");
			return r;
		}
	}
	return 0;
}

/* One packet: filtered, cut to what the filter keeps, written. */
static int offline_packet(struct offline *x, const struct rc_reader_packet *p)
{
	uint32_t keep = p->caplen;
	int r = offline_add_ifaces(x, p->iface);

	if (r < 0)
		return r;
	x->read++;
	if (x->by_iface[p->iface]) {
		struct rc_filter_aux aux = { .wire_len = p->origlen };
		size_t n;
		const struct sock_filter *insns = rc_filter_insns(x->by_iface[p->iface], &n);

		keep = rc_filter_run(insns, n, p->data, p->caplen, &aux);
		if (!keep)
			return 0;
	}
	x->matched++;
	return rc_writer_write_packet(x->w, 0, &(struct rc_writer_packet){
		.data = p->data, .caplen = keep < p->caplen ? keep : p->caplen, .origlen = p->origlen,
		.ts_ns = (uint64_t)p->ts_ns, .iface = p->iface });
}

static int offline_read_error(const struct offline *x, int e)
{
	if (e == -EBADMSG)
		report_line("%s: not a valid capture file: %s", x->path, rc_reader_error(x->in.reader));
	else if (e < 0)
		report_line("%s: cannot read: %s", x->path, strerror(-e));
	return e;
}

/* From the packet in *p on (e is what reading it returned). */
static int offline_loop(struct offline *x, struct rc_reader_packet *p, int e)
{
	struct rc_writer_progress pr;

	for (; e > 0; e = rc_reader_next(x->in.reader, p)) {
		if ((e = offline_packet(x, p)) < 0)
			return e;
		/* -c, -a: the writer stopped; the rest need not be read. */
		rc_writer_progress(x->w, &pr);
		if (pr.stopped)
			return 0;
	}
	return offline_read_error(x, e);
}

static void offline_summary(const struct offline *x, const struct rc_writer_progress *p,
			    const char *name)
{
	char b[32];

	fprintf(stderr, "%" PRIu64 " packets read from %s\n", x->read, x->path);
	if (x->f->text)
		fprintf(stderr, "%" PRIu64 " packets matched the filter\n", x->matched);
	fprintf(stderr, "%" PRIu64 " packets written to %s (%s)\n", p->packets, name,
		report_bytes(p->file_bytes, b, sizeof(b)));
}

/* The interfaces the file has declared by its first packet, for the
 * writer's open: classic pcap's header must name the link type. */
static int offline_open_writer(struct offline *x, struct rc_writer_config *c)
{
	struct rc_writer_iface ifaces[64];
	uint32_t n = rc_reader_iface_count(x->in.reader);

	for (x->added = 0; x->added < n && x->added < 64; x->added++) {
		struct rc_reader_iface ri;

		int r;

		if (rc_reader_iface(x->in.reader, x->added, &ri) < 0)
			break;
		if ((r = offline_filter_for(x, ri.linktype)) < 0)
			return r;
		ifaces[x->added] = (struct rc_writer_iface){ .sz = sizeof(ifaces[0]),
			.name = ri.name[0] ? ri.name : NULL, .linktype = ri.linktype,
			.snaplen = ri.snaplen };
	}
	c->ifaces = ifaces;
	c->n_ifaces = x->added;
	return rc_writer_open(c, &x->w);
}

static void offline_free(struct offline *x)
{
	for (unsigned i = 0; i < x->n_progs; i++)
		rc_filter_free(x->progs[i].prog);
	free(x->by_iface);
}

int offline_run(const struct cli_options *o, const struct cli_filter *f,
		const struct rc_writer_config *out, const char *name)
{
	struct offline x = { .path = o->read_file, .f = f, .snaplen = o->snaplen };
	struct rc_writer_config c = *out;
	struct rc_writer_progress p = { 0 };
	struct rc_reader_packet pkt;
	int e, r;

	if (cli_input_open(o->read_file, &x.in))
		return 1;
	/* A copy of packets: no capture counters for ISBs to report. */
	c.flags |= RC_WRITER_F_NO_ISB;
	e = rc_reader_next(x.in.reader, &pkt);
	r = e < 0 ? offline_read_error(&x, e) : offline_open_writer(&x, &c);
	if (r < 0) {
		if (r != -EPROTONOSUPPORT && e >= 0)
			report_line("%s: cannot create the output file: %s", name, strerror(-r));
		cli_input_close(&x.in);
		offline_free(&x);
		return r == -EBADMSG || r == -EPROTONOSUPPORT ? 2 : 1;
	}
	e = offline_loop(&x, &pkt, e);
	r = rc_writer_close(x.w, NULL, 0, &p);
	cli_input_close(&x.in);
	offline_free(&x);
	if (r < 0)
		report_line("%s: write failed: %s; it holds the %" PRIu64 " packets written before "
			    "the failure", name, strerror(-r), p.packets);
	if (p.stopped == RC_WRITER_STOP_PACKETS)
		fprintf(stderr, "stopped: -c %" PRIu64 " reached\n", o->limits.packets);
	offline_summary(&x, &p, name);
	return e == -EBADMSG || e == -EPROTONOSUPPORT ? 2 : e < 0 || r < 0 ? 1 : 0;
}
