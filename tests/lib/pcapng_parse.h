/* SPDX-License-Identifier: MIT */
/*
 * pcapng_parse.h - a deliberately small pcapng parser for the tests.
 *
 * DESIGN: an oracle must not share code with what it checks, so the tests
 * read ringcap's files with this, written straight from the spec and
 * separately from writer/pcapng.c. It is strict: any length, padding or
 * ordering problem fails the parse with a message.
 */
#ifndef RINGCAP_TESTS_PCAPNG_PARSE_H
#define RINGCAP_TESTS_PCAPNG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tp_idb {
	uint16_t linktype;
	uint32_t snaplen;
	char name[64];
	char filter[256];
	int tsresol;                 /* -1 when absent */
};

struct tp_epb {
	uint32_t iface;
	uint64_t ts;                 /* raw, in if_tsresol units */
	uint32_t caplen;
	uint32_t origlen;
	const uint8_t *data;         /* into the parsed buffer */
	bool has_flags;
	uint32_t flags;
	bool has_dropcount;
	uint64_t dropcount;
	char comment[64];            /* opt_comment, cut; "" when absent */
};

struct tp_isb {
	uint32_t iface;
	uint64_t ts;
	uint64_t starttime, endtime, ifrecv, filteraccept, osdrop, usrdeliv;
	bool has_ifrecv, has_filteraccept, has_osdrop, has_usrdeliv, has_starttime, has_endtime;
};

struct tp_file {
	uint8_t *buf;
	size_t len;
	unsigned n_shb;
	char shb_os[128];
	char shb_userappl[128];
	struct tp_idb idb[16];
	unsigned n_idb;
	struct tp_epb *epb;
	size_t n_epb;
	struct tp_isb isb[64];
	unsigned n_isb;
	char error[160];             /* empty when the parse succeeded */
};

/* Reads and parses path; returns 0, or -1 with f->error set. */
int tp_parse_file(const char *path, struct tp_file *f);
int tp_parse_buffer(uint8_t *buf, size_t len, struct tp_file *f);
void tp_free(struct tp_file *f);

#endif
