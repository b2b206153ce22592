/* SPDX-License-Identifier: MIT */
/*
 * test_compare.c - rc_compare_run() on pairs of files built here, where
 * the answer is known exactly: B is A with chosen packets removed,
 * duplicated, held back past their successor, their TTL decremented,
 * DSCP rewritten, a VLAN tag added, and every timestamp shifted by a fixed
 * clock offset; some packets of B are missing from A (lost B->A).
 *
 * DESIGN: each logical packet is built once and written to A, B or both,
 * so the expected counts and packet numbers are computed from the same
 * table the files come from, not written down separately.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <ringcap/compare.h>
#include <ringcap/reader.h>
#include <ringcap/writer.h>

#include "compare_internal.h"

#define MS 1000000LL
#define T0 1700000000000000000LL
#define OFFSET (3 * 1000 * MS + 123457) /* B's clock is 3.000123457 s ahead */

struct frame {
	uint8_t b[96];
	uint32_t len;
	int64_t t;
	uint64_t index; /* in its file, once placed */
	int logical;
};

struct file {
	struct frame *f;
	size_t n, cap;
};

static void file_add(struct file *fl, const struct frame *fr)
{
	if (fl->n == fl->cap) {
		fl->cap = fl->cap ? fl->cap * 2 : 1024;
		fl->f = realloc(fl->f, fl->cap * sizeof(*fl->f));
		assert_non_null(fl->f);
	}
	fl->f[fl->n++] = *fr;
}

/* Ethernet, optional 802.1Q tag, IPv4, UDP; the payload holds seq. */
static void build_udp(struct frame *fr, bool reverse, uint32_t seq, uint8_t ttl, uint8_t tos,
		      bool vlan)
{
	static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a }, mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
	static const uint8_t ip_a[4] = { 198, 18, 0, 1 }, ip_b[4] = { 198, 19, 0, 1 };
	uint8_t *p = fr->b;
	size_t off = 12;

	memset(fr->b, 0, sizeof(fr->b));
	memcpy(p, reverse ? mac_a : mac_b, 6);
	memcpy(p + 6, reverse ? mac_b : mac_a, 6);
	if (vlan) {
		memcpy(p + 12, "\x81\x00\x00\x2a", 4);
		off += 4;
	}
	memcpy(p + off, "\x08\x00", 2);
	p += off + 2;
	p[0] = 0x45, p[1] = tos, p[3] = 20 + 8 + 12;           /* total length 40 */
	p[4] = (uint8_t)(seq >> 8), p[5] = (uint8_t)seq;        /* IP ID */
	p[8] = ttl, p[9] = 17, p[10] = ttl, p[11] = tos;        /* a "checksum" that changes */
	memcpy(p + 12, reverse ? ip_b : ip_a, 4);
	memcpy(p + 16, reverse ? ip_a : ip_b, 4);
	memcpy(p + 20, reverse ? "\x07\xd0\x03\xe8" : "\x03\xe8\x07\xd0", 4); /* 1000, 2000 */
	p[25] = 20;
	memcpy(p + 28, &seq, 4);
	fr->len = (uint32_t)(off + 2 + 40);
}

static int by_time(const void *x, const void *y)
{
	const struct frame *a = x, *b = y;

	if (a->t != b->t)
		return (a->t > b->t) - (a->t < b->t);
	return (a->logical > b->logical) - (a->logical < b->logical);
}

/* Sorts by time and writes as pcapng to a memfd (through the writer's
 * public packet API); returns a reader of it. */
static struct rc_reader *file_reader(struct file *fl)
{
	RC_OPTS(rc_writer_iface, ifc, .name = "veth0", .linktype = 1);
	int fd = memfd_create("cmp", 0);
	RC_OPTS(rc_writer_config, c, .fd = dup(fd), .flags = RC_WRITER_F_FD | RC_WRITER_F_NO_ISB,
		.ifaces = &ifc, .n_ifaces = 1, .userappl = "test");
	struct rc_writer *w;
	struct rc_reader *r;

	assert_true(fd >= 0);
	qsort(fl->f, fl->n, sizeof(*fl->f), by_time);
	assert_int_equal(rc_writer_open(&c, &w), 0);
	for (size_t i = 0; i < fl->n; i++) {
		struct rc_writer_packet p = { .data = fl->f[i].b, .caplen = fl->f[i].len,
					      .origlen = fl->f[i].len, .ts_ns = (uint64_t)fl->f[i].t };

		fl->f[i].index = i + 1;
		assert_int_equal(rc_writer_write_packet(w, 0, &p), 0);
	}
	assert_int_equal(rc_writer_close(w, NULL, 0, NULL), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(rc_reader_open_fd(fd, &r), 0);
	return r;
}

struct scenario {
	int n;
	bool one_way;
	struct file a, b;
	/* expected */
	uint64_t lost_ab, lost_ba, dup, reord, copies_in_a;
};

static bool in(int i, const int *set, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (set[k] == i)
			return true;
	return false;
}

#define IN(i, set) in(i, set, sizeof(set) / sizeof(set[0]))

static const int removed_in_b[] = { 10, 57, 58, 201 };   /* lost A->B */
static const int missing_in_a[] = { 31, 99 };            /* lost B->A */
static const int duplicated_in_b[] = { 20, 300 };
static const int held_back[] = { 100, 148 };             /* arrive after their successor */
static const int duplicated_in_a[] = { 35 };             /* B->A, reaches A twice */
static const int resent_by_b[] = { 43, 47 };             /* B sends the same bytes twice */
#define RESENT_LOST 47 /* and only the first copy of this one reaches A */
#define DELAY (2 * MS) /* every packet's trip, either way */
#define RETRANSMITTED 200 /* A sends it twice, identical; B sees it once */

static void scenario_packet(struct scenario *s, int i)
{
	bool reverse = !s->one_way && i % 4 == 3;
	struct frame fa = { .t = T0 + i * MS, .logical = i }, fb = fa;

	build_udp(&fa, reverse, (uint32_t)i, 64, 0, false);
	build_udp(&fb, reverse, (uint32_t)i, 63, i % 3 ? 0 : 0xb8, i % 5 == 0);
	fb.t = fa.t + OFFSET + (reverse ? 0 : DELAY) + (IN(i, held_back) ? 3 * MS / 2 : 0);
	fa.t += reverse ? DELAY : 0;
	if (!(reverse && IN(i, missing_in_a)))
		file_add(&s->a, &fa);
	if (reverse && IN(i, resent_by_b)) {
		struct frame again_a = fa, again_b = fb;

		again_a.t += MS / 2, again_b.t += MS / 2;
		again_a.logical = again_b.logical = -i;
		if (i != RESENT_LOST)
			file_add(&s->a, &again_a);
		file_add(&s->b, &again_b);
		s->lost_ba += i == RESENT_LOST;
	}
	if (reverse && IN(i, duplicated_in_a)) {
		fa.t += MS / 10;
		fa.logical = -i;
		file_add(&s->a, &fa);
		s->dup++;
		s->copies_in_a++;
	}
	if (i == RETRANSMITTED) {
		fa.t += MS / 2;
		fa.logical = -i;
		file_add(&s->a, &fa);
		s->lost_ab++;
	}
	if (!(!reverse && IN(i, removed_in_b)))
		file_add(&s->b, &fb);
	if (!reverse && IN(i, duplicated_in_b))
		file_add(&s->b, &fb);
	s->lost_ab += !reverse && IN(i, removed_in_b);
	s->lost_ba += reverse && IN(i, missing_in_a);
	s->dup += !reverse && IN(i, duplicated_in_b);
	s->reord += !reverse && IN(i, held_back);
}

static void scenario_build(struct scenario *s)
{
	for (int i = 0; i < s->n; i++)
		scenario_packet(s, i);
}

/* Every lost packet is one the scenario lost, at its time in its file;
 * with the count right, that makes the list exactly the expected one. */
static void check_lost_list(const struct scenario *s, const struct rc_compare_report *rep)
{
	assert_int_equal(rep->n_lost, s->lost_ab + s->lost_ba);
	for (size_t j = 0; j < rep->n_lost; j++) {
		const struct rc_compare_event *e = &rep->lost[j];
		const struct file *fl = e->file == 'a' ? &s->a : &s->b;
		const struct frame *f = &fl->f[e->index - 1];

		assert_int_equal(f->index, e->index);
		assert_true(e->file == 'a' ? (f->logical == -RETRANSMITTED ||
					      IN(f->logical, removed_in_b))
					   : (IN(f->logical, missing_in_a) ||
					      f->logical == -RESENT_LOST));
		assert_int_equal(e->ts_ns, f->t);
		if (j)
			assert_true(rep->lost[j - 1].file != e->file ||
				    rep->lost[j - 1].index < e->index);
	}
}

/* compare on the two files as they stand. */
static struct rc_compare_report *compare_files(struct scenario *s, const struct rc_compare_config *c)
{
	struct rc_reader *a = file_reader(&s->a), *b = file_reader(&s->b);
	struct rc_compare_report *rep;

	assert_int_equal(rc_compare_run(c, a, b, &rep), 0);
	rc_reader_close(a);
	rc_reader_close(b);
	return rep;
}

/* The standard impaired scenario, built and compared. */
static struct rc_compare_report *run(struct scenario *s, const struct rc_compare_config *c)
{
	scenario_build(s);
	return compare_files(s, c);
}

static void scenario_free(struct scenario *s, struct rc_compare_report *rep)
{
	rc_compare_report_free(rep);
	free(s->a.f);
	free(s->b.f);
}

/* offset: what compare should find; base: the delay it should then
 * see for an unimpaired packet. */
static void check_counts(const struct scenario *s, const struct rc_compare_report *rep,
			 int64_t offset, int64_t base)
{
	assert_int_equal(rep->packets_a, s->a.n);
	assert_int_equal(rep->packets_b, s->b.n);
	assert_int_equal(rep->lost_a_to_b, s->lost_ab);
	assert_int_equal(rep->lost_b_to_a, s->lost_ba);
	assert_int_equal(rep->duplicated, s->dup);
	assert_int_equal(rep->reordered, s->reord);
	assert_int_equal(rep->matched, s->a.n - s->lost_ab - s->copies_in_a);
	assert_int_equal(rep->clock_offset_ns, offset);
	assert_int_equal(rep->delay.min, base);
	assert_int_equal(rep->delay.max, base + 3 * MS / 2);
	assert_true(llabs(rep->delay.median - base) <= base / 100); /* histogram: 1% */
}

static void test_two_way(void **state)
{
	struct scenario s = { .n = 400 };
	RC_OPTS(rc_compare_config, c, .window_ns = 0);
	struct rc_compare_report *rep = run(&s, &c);

	(void)state;
	check_counts(&s, rep, OFFSET, DELAY);
	assert_int_equal(s.lost_ab, 5);
	assert_int_equal(s.dup, 3);
	assert_int_equal(s.lost_ba, 3);
	assert_int_equal(rep->offset_method, RC_COMPARE_OFFSET_SYMMETRIC);
	assert_int_equal(rep->lost_a_outside_b + rep->lost_b_outside_a, 0);
	check_lost_list(&s, rep);
	assert_int_equal(rep->n_flows, 2);
	assert_int_equal(rep->flows[0].lost_a_to_b, 5); /* most loss first */
	assert_int_equal(rep->flows[0].reordered, 2);
	assert_int_equal(rep->flows[1].lost_b_to_a, 3);
	scenario_free(&s, rep);
}

static void test_one_way(void **state)
{
	struct scenario s = { .n = 400, .one_way = true };
	RC_OPTS(rc_compare_config, c, .window_ns = 50 * MS);
	struct rc_compare_report *rep = run(&s, &c);

	(void)state;
	/* One way only: the offset takes in the delay, which becomes relative. */
	check_counts(&s, rep, OFFSET + DELAY, 0);
	assert_int_equal(rep->offset_method, RC_COMPARE_OFFSET_MIN_DELAY);
	assert_int_equal(rep->n_flows, 1);
	check_lost_list(&s, rep);
	scenario_free(&s, rep);
}

static size_t count_in(const uint8_t *p, size_t n, const char *needle)
{
	size_t c = 0, l = strlen(needle);

	for (const uint8_t *q = p; (q = memmem(q, n - (size_t)(q - p), needle, l)); q += l)
		c++;
	return c;
}

static void test_annotate(void **state)
{
	struct scenario s = { .n = 400 };
	RC_OPTS(rc_compare_config, c, .window_ns = 0);
	struct rc_compare_report *rep = run(&s, &c);
	struct rc_reader *a = file_reader(&s.a), *back;
	struct rc_reader_packet p;
	int fd = memfd_create("annotated", 0);
	uint8_t *bytes;
	off_t len;
	size_t n = 0;

	(void)state;
	assert_int_equal(rc_compare_annotate(rep, a, dup(fd)), 0); /* it closes its fd */
	len = lseek(fd, 0, SEEK_END);
	bytes = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(bytes != MAP_FAILED);
	assert_int_equal(count_in(bytes, (size_t)len, "lost (never"), s.lost_ab);
	assert_int_equal(count_in(bytes, (size_t)len, "duplicated (reached"),
			 s.dup - s.copies_in_a);
	assert_int_equal(count_in(bytes, (size_t)len, "duplicate (a second copy"), s.copies_in_a);
	assert_int_equal(count_in(bytes, (size_t)len, "late (reached"), s.reord);
	assert_int_equal(rc_reader_open_mem(bytes, (size_t)len, &back), 0);
	while (rc_reader_next(back, &p) > 0)
		assert_int_equal(p.ts_ns, s.a.f[n++].t);
	assert_int_equal(n, s.a.n);
	rc_reader_close(back);
	munmap(bytes, (size_t)len);
	close(fd);
	rc_reader_close(a);
	scenario_free(&s, rep);
}

/* 100k packets 10 us apart, a 10 ms window: the matcher holds about a
 * window's worth of each file (~1000 each), not the file. */
static void test_memory_follows_window(void **state)
{
	struct scenario s = { .n = 100000 };
	RC_OPTS(rc_compare_config, c, .window_ns = 10 * MS, .sample_packets = 1000);
	struct rc_compare_report *rep;

	(void)state;
	for (int i = 0; i < s.n; i++) {
		struct frame f = { .t = T0 + i * 10000LL, .logical = i };

		build_udp(&f, i % 2, (uint32_t)i * 7919u, 64, 0, false);
		file_add(&s.a, &f);
		f.t += OFFSET + 2 * MS;
		if (i % 1000)
			file_add(&s.b, &f);
	}
	rep = compare_files(&s, &c);
	printf("# 100000 packets, 10 ms window: peak %llu packets held\n",
	       (unsigned long long)rep->peak_window_packets);
	assert_true(rep->peak_window_packets < 3000);
	assert_int_equal(rep->lost_a_to_b + rep->lost_b_to_a, 100);
	assert_int_equal(rep->matched, 99900);
	scenario_free(&s, rep);
}

/* B's capture started 0.5 s (50000 packets) after A's: the first
 * samples share nothing, so compare must sample further to find the
 * clock. */
static void test_late_start(void **state)
{
	struct scenario s = { .n = 100000 };
	RC_OPTS(rc_compare_config, c, .window_ns = 10 * MS, .sample_packets = 1000);
	struct rc_compare_report *rep;

	(void)state;
	for (int i = 0; i < s.n; i++) {
		struct frame f = { .t = T0 + i * 10000LL, .logical = i };

		build_udp(&f, false, (uint32_t)i * 7919u, 64, 0, false);
		file_add(&s.a, &f);
		f.t += OFFSET + DELAY;
		if (i >= 50000)
			file_add(&s.b, &f);
	}
	rep = compare_files(&s, &c);
	assert_int_equal(rep->clock_offset_ns, OFFSET + DELAY);
	assert_int_equal(rep->matched, 50000);
	assert_int_equal(rep->lost_a_to_b, 50000);
	assert_int_equal(rep->lost_a_outside_b, 50000); /* all before B started */
	assert_int_equal(rep->lost_b_to_a, 0);
	scenario_free(&s, rep);
}

/* TCP between A and B, as offloads and routers leave it: A's packets cut
 * the stream at a_cut bytes, B's at b_cut (TSO at A, a router
 * segmenting, GRO at B), with a handshake and B's ACKs so the clock can
 * be found. Frames hold headers only, as a capture with a small snaplen
 * would: matching needs the sequence range, not the bytes. */
struct tcp_end {
	uint8_t ip[4];
	uint16_t port;
};

struct tcp_case {
	uint32_t a_cut, b_cut, total;
	int drop[4], n_drop;        /* B segments lost, retransmitted by A later */
	int resend_ok;              /* a B segment A sends again though it arrived (-1 none) */
	int dup;                    /* a B segment B sees twice (-1 none) */
	bool nat;                   /* B sees A's end as 198.18.5.5:7000 */
	bool no_handshake;          /* captures started mid-connection */
	struct scenario s;
	uint16_t ipid_a, ipid_b;
	uint32_t seq_b;
};

#define ISN 0xfffff000u /* wraps inside the stream */

static const struct tcp_end end_a = { { 198, 18, 0, 1 }, 1000 },
			    end_b = { { 198, 19, 0, 1 }, 2000 },
			    end_nat = { { 198, 18, 5, 5 }, 7000 };

static void build_tcp(struct frame *fr, const struct tcp_end *src, const struct tcp_end *dst,
		      uint32_t seq, uint32_t ack, uint8_t flags, uint32_t len, uint16_t ipid)
{
	uint32_t thl = flags & 0x02 ? 24 : 20, tot = 20 + thl + len;
	uint8_t *p = fr->b + 14;

	memset(fr->b, 0, sizeof(fr->b));
	memcpy(fr->b, "\x02\0\0\0\0\x0b\x02\0\0\0\0\x0a\x08\x00", 14);
	p[0] = 0x45, p[2] = (uint8_t)(tot >> 8), p[3] = (uint8_t)tot;
	p[4] = (uint8_t)(ipid >> 8), p[5] = (uint8_t)ipid, p[8] = 64, p[9] = 6;
	memcpy(p + 12, src->ip, 4);
	memcpy(p + 16, dst->ip, 4);
	p += 20;
	p[0] = (uint8_t)(src->port >> 8), p[1] = (uint8_t)src->port;
	p[2] = (uint8_t)(dst->port >> 8), p[3] = (uint8_t)dst->port;
	for (int i = 0; i < 4; i++) {
		p[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		p[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	p[12] = (uint8_t)(thl / 4 << 4), p[13] = flags, p[14] = 0xff;
	p[16] = (uint8_t)(src->port ^ seq); /* a checksum NAT would change */
	if (flags & 0x02)
		memcpy(p + 20, "\x02\x04\x05\xb4", 4); /* MSS 1460 */
	fr->len = 14 + 20 + thl;
}

/* One packet as A sent it (at ta) and B got it, DELAY later on B's clock;
 * toward_b says which end sent it. */
static void tcp_both(struct tcp_case *c, bool toward_b, int64_t ta, uint32_t seq, uint32_t ack,
		     uint8_t flags)
{
	const struct tcp_end *a_side = &end_a, *b_side = c->nat ? &end_nat : &end_a;
	struct frame fa = { .logical = c->s.n }, fb = { .logical = c->s.n++ };
	uint16_t id = toward_b ? c->ipid_a++ : c->ipid_b++;

	if (toward_b) {
		build_tcp(&fa, a_side, &end_b, seq, ack, flags, 0, id);
		build_tcp(&fb, b_side, &end_b, seq, ack, flags, 0, id);
		fa.t = ta, fb.t = ta + OFFSET + DELAY;
	} else {
		build_tcp(&fa, &end_b, a_side, seq, ack, flags, 0, id);
		build_tcp(&fb, &end_b, b_side, seq, ack, flags, 0, id);
		fb.t = ta + OFFSET - DELAY, fa.t = ta;
	}
	file_add(&c->s.a, &fa);
	file_add(&c->s.b, &fb);
}

static void tcp_a_data(struct tcp_case *c, int64_t t, uint32_t off, uint32_t len)
{
	struct frame f = { .t = t, .logical = c->s.n++ };

	build_tcp(&f, &end_a, &end_b, ISN + off, c->seq_b, 0x18, len, c->ipid_a++);
	file_add(&c->s.a, &f);
}

/* B's segment [off, off+len) arriving at A-time t (plus the offset), and
 * the ACK B sends for it, reaching A DELAY later. */
static void tcp_b_data(struct tcp_case *c, int64_t t, uint32_t off, uint32_t len)
{
	struct frame f = { .t = t + OFFSET, .logical = c->s.n++ };

	build_tcp(&f, c->nat ? &end_nat : &end_a, &end_b, ISN + off, c->seq_b, 0x18, len,
		  c->ipid_a++);
	file_add(&c->s.b, &f);
	tcp_both(c, false, t + 1000 + DELAY, c->seq_b, ISN + off + len, 0x10);
}

static bool tcp_dropped(const struct tcp_case *c, int seg)
{
	return in(seg, c->drop, (size_t)c->n_drop);
}

/* A's packets every 100 us; B's segment k gets there DELAY after the A
 * packet holding its last byte, and k us more, so GRO never runs ahead. */
static void tcp_build(struct tcp_case *c)
{
	int64_t t0 = T0 + 10 * MS, tr = t0 + (int64_t)(c->total / c->a_cut + 1) * 100000 + 5 * MS;
	uint32_t nseg = (c->total + c->b_cut - 1) / c->b_cut;

	c->seq_b = 0x12345678;
	if (!c->no_handshake) {
		tcp_both(c, true, T0, ISN - 1, 0, 0x02);
		tcp_both(c, false, T0 + DELAY + 10000, c->seq_b - 1, ISN, 0x12);
		tcp_both(c, true, T0 + 2 * DELAY + 20000, ISN, c->seq_b, 0x10);
	}
	for (uint32_t off = 0, i = 0; off < c->total; off += c->a_cut, i++)
		tcp_a_data(c, t0 + i * 100000LL, off, c->total - off < c->a_cut ? c->total - off : c->a_cut);
	for (uint32_t k = 0; k < nseg; k++) {
		uint32_t off = k * c->b_cut, len = c->total - off < c->b_cut ? c->total - off : c->b_cut;
		int64_t t = t0 + (off + len - 1) / c->a_cut * 100000LL + DELAY + k * 1000LL;

		if (!tcp_dropped(c, (int)k))
			tcp_b_data(c, t, off, len);
		if ((int)k == c->dup)
			tcp_b_data(c, t + 5000, off, len);
		if (tcp_dropped(c, (int)k) || (int)k == c->resend_ok) {
			tcp_a_data(c, tr, off, len); /* the retransmission, which arrives */
			tcp_b_data(c, tr + DELAY, off, len);
			tr += 100000;
		}
	}
}

/* Loss A->B as given, in bytes and in segments, and none B->A. */
static void check_loss_ab(const struct rc_compare_report *rep, uint64_t bytes, uint64_t segments)
{
	assert_int_equal(rep->lost_bytes_a_to_b, bytes);
	assert_int_equal(rep->lost_a_to_b, segments);
	assert_int_equal(rep->lost_b_to_a, 0);
	assert_int_equal(rep->lost_bytes_b_to_a, 0);
}

static struct rc_compare_report *tcp_run(struct tcp_case *c)
{
	RC_OPTS(rc_compare_config, cfg, .window_ns = 0);
	struct rc_compare_report *rep;

	tcp_build(c);
	rep = compare_files(&c->s, &cfg);
	assert_int_equal(rep->packets_a, c->s.a.n);
	assert_int_equal(rep->packets_b, c->s.b.n);
	/* Symmetric even without the handshake: A->B from the ranges. */
	assert_int_equal(rep->clock_offset_ns, OFFSET);
	assert_int_equal(rep->offset_method, RC_COMPARE_OFFSET_SYMMETRIC);
	assert_int_equal(rep->delay.min, DELAY);
	assert_int_equal(rep->lost_b_to_a, 0);
	assert_int_equal(rep->reordered, 0);
	return rep;
}

/* TSO: A's 64000-byte super-packets, B's 1448-byte segments; segments 3
 * and 50 (in two super-packets) lost and sent again, segment 7 sent
 * again though it arrived. Each transmission on its own: the two
 * originals are lost once, both resends matched, nothing duplicated. */
static void test_tcp_super_packet_against_segments(void **state)
{
	struct tcp_case c = { .a_cut = 64000, .b_cut = 1448, .total = 200000,
			      .drop = { 3, 50 }, .n_drop = 2, .resend_ok = 7, .dup = -1 };
	struct rc_compare_report *rep = tcp_run(&c);

	(void)state;
	check_loss_ab(rep, 2 * 1448, 2);
	assert_int_equal(rep->duplicated, 0);
	assert_int_equal(rep->n_lost, 2);
	assert_int_equal(rep->lost[0].index, 4); /* A's first super-packet, after the handshake */
	assert_int_equal(rep->lost[0].bytes, 1448);
	assert_int_equal(rep->n_nat, 0);
	scenario_free(&c.s, rep);
}

/* B cuts at other boundaries than A: A's 1000-byte segments arrive in
 * 2896-byte packets; one of those lost. Its bytes, 31856..34751, were
 * parts of 4 of A's packets, and segments are counted per packet that
 * lost bytes (each at least one): 4, not 2896 / 1000 rounded up. */
static void test_tcp_segments_against_merged(void **state)
{
	struct tcp_case c = { .a_cut = 1000, .b_cut = 2896, .total = 100000,
			      .drop = { 11 }, .n_drop = 1, .resend_ok = -1, .dup = -1 };
	struct rc_compare_report *rep = tcp_run(&c);

	(void)state;
	check_loss_ab(rep, 2896, 4);
	assert_int_equal(rep->duplicated, 0);
	assert_int_equal(rep->n_lost, 4);
	assert_int_equal(rep->lost[0].bytes, 144);
	assert_int_equal(rep->lost[3].bytes, 752);
	scenario_free(&c.s, rep);
}

/* A segment B sees twice from one transmission is a duplicate, and the
 * A packet that sent it is marked. */
static void test_tcp_duplicate(void **state)
{
	struct tcp_case c = { .a_cut = 1448, .b_cut = 1448, .total = 50 * 1448, .resend_ok = -1,
			      .dup = 20 };
	struct rc_compare_report *rep = tcp_run(&c);

	(void)state;
	check_loss_ab(rep, 0, 0);
	assert_int_equal(rep->duplicated, 1);
	assert_int_equal(rep->n_marked, 1);
	assert_int_equal(rep->marked[0].index, 4 + 20);
	assert_int_equal(rep->marked[0].marks, RC_COMPARE_DUPLICATED);
	scenario_free(&c.s, rep);
}

/* NAT between the points: B sees A's end as 198.18.5.5:7000. The
 * handshake teaches the translation, both directions are reported, and
 * the loss is found through it, with TSO at A. */
static void test_tcp_nat(void **state)
{
	struct tcp_case c = { .a_cut = 16384, .b_cut = 1448, .total = 100000, .drop = { 9 },
			      .n_drop = 1, .resend_ok = -1, .dup = -1, .nat = true };
	struct rc_compare_report *rep = tcp_run(&c);
	const struct rc_compare_flow *fa, *fb;

	(void)state;
	check_loss_ab(rep, 1448, 1);
	assert_int_equal(rep->n_nat, 2);
	fa = &rep->flows[rep->nat[0].flow_a];
	fb = &rep->flows[rep->nat[0].flow_b];
	assert_memory_equal(fa->src, end_a.ip, 4);
	assert_int_equal(fa->sport, end_a.port);
	assert_memory_equal(fb->src, end_nat.ip, 4);
	assert_int_equal(fb->sport, end_nat.port);
	assert_int_equal(fb->dport, fa->dport);
	fb = &rep->flows[rep->nat[1].flow_b];
	assert_memory_equal(fb->dst, end_nat.ip, 4);
	assert_int_equal(rep->flows[rep->nat[0].flow_a].lost_bytes_a_to_b, 1448);
	scenario_free(&c.s, rep);
}

/* NAT again, but the captures start mid-connection: the translation is
 * learnt from B's first ACK, after B's first segments arrived; those
 * waited in a stream of their own and must move over, not be lost. Only
 * ACKs match whole, so the clock's A->B side comes from byte ranges
 * (through the translation, as the sample sees it). */
static void test_tcp_nat_learnt_late(void **state)
{
	struct tcp_case c = { .a_cut = 16384, .b_cut = 1448, .total = 100000, .drop = { 30 },
			      .n_drop = 1, .resend_ok = -1, .dup = -1, .nat = true,
			      .no_handshake = true };
	struct rc_compare_report *rep = tcp_run(&c);

	(void)state;
	assert_int_equal(rep->n_nat, 2);
	check_loss_ab(rep, 1448, 1);
	assert_int_equal(rep->duplicated, 0);
	scenario_free(&c.s, rep);
}

/* UDP GSO: A sends datagrams of 5000 bytes that B receives cut into
 * 1200-byte segments (and a 200-byte last one), IP IDs counting up from
 * the datagram's; payload bytes are a running count, so each segment's
 * first bytes are where it sits in its datagram. Lost: datagram 1's third
 * segment and datagram 2's first (found through its second, by IP ID). */
static void build_udp_gso(struct frame *fr, uint16_t id, uint32_t off, uint32_t len, uint32_t dgram)
{
	uint8_t *p = fr->b + 14;
	uint32_t tot = 28 + len;

	memset(fr->b, 0, sizeof(fr->b));
	memcpy(fr->b, "\x02\0\0\0\0\x0b\x02\0\0\0\0\x0a\x08\x00", 14);
	p[0] = 0x45, p[2] = (uint8_t)(tot >> 8), p[3] = (uint8_t)tot;
	p[4] = (uint8_t)(id >> 8), p[5] = (uint8_t)id, p[8] = 64, p[9] = 17;
	memcpy(p + 12, end_a.ip, 4);
	memcpy(p + 16, end_b.ip, 4);
	memcpy(p + 20, "\x03\xe8\x07\xd0", 4);
	p[24] = (uint8_t)((len + 8) >> 8), p[25] = (uint8_t)(len + 8);
	p[26] = (uint8_t)(off ^ len); /* a checksum per segment */
	for (uint32_t i = 0; i < 32 && i < len; i++)
		p[28 + i] = (uint8_t)(dgram * 131 + off + i);
	fr->len = 14 + 28 + (len < 32 ? len : 32);
}

static void test_udp_gso(void **state)
{
	struct scenario s = { 0 };
	RC_OPTS(rc_compare_config, c, .window_ns = 100 * MS);
	struct rc_compare_report *rep;

	(void)state;
	for (uint32_t d = 0; d < 20; d++) {
		struct frame f = { .t = T0 + d * MS, .logical = s.n++ };
		uint16_t id = (uint16_t)(0xfff0 + d * 7); /* IDs wrap */

		build_udp_gso(&f, id, 0, 5000, d);
		file_add(&s.a, &f);
		for (uint32_t k = 0; k * 1200 < 5000; k++) {
			struct frame g = { .t = f.t + OFFSET + DELAY + k * 1000, .logical = s.n++ };

			if ((d == 1 && k == 2) || (d == 2 && k == 0))
				continue;
			build_udp_gso(&g, (uint16_t)(id + k), k * 1200, k < 4 ? 1200 : 200, d);
			file_add(&s.b, &g);
		}
	}
	rep = compare_files(&s, &c);
	/* The clock from the first segments: one-way, so relative to them. */
	assert_int_equal(rep->clock_offset_ns, OFFSET + DELAY);
	assert_int_equal(rep->offset_method, RC_COMPARE_OFFSET_MIN_DELAY);
	assert_int_equal(rep->matched, 20);
	check_loss_ab(rep, 2400, 2);
	assert_int_equal(rep->n_lost, 2);
	assert_int_equal(rep->lost[0].index, 2);
	assert_int_equal(rep->lost[1].index, 3);
	scenario_free(&s, rep);
}

/* The same IPv4 packet framed five ways, and with the fields a router
 * rewrites changed, has one key; a changed IP ID or payload byte does
 * not. */
static void test_key_ignores_what_routers_change(void **state)
{
	static const uint8_t ip[28] = { 0x45, 0, 0, 28, 0x12, 0x34, 0x40, 0, 64, 17, 0xaa, 0xbb,
					198, 18, 0, 1, 198, 19, 0, 1, 0x03, 0xe8, 0x07, 0xd0,
					0, 8, 0, 0 };
	uint8_t eth[64] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00 };
	uint8_t vlan[64] = { 2, 0, 0, 0, 0, 3, 2, 0, 0, 0, 0, 4, 0x81, 0x00, 0, 7, 0x08, 0x00 };
	uint8_t sll[64] = { [14] = 0x08, [15] = 0x00 }, sll2[64] = { 0x08, 0x00 }, raw[28];
	struct rc_compare_flow f;
	uint64_t k;

	(void)state;
	memcpy(eth + 14, ip, 28);
	memcpy(vlan + 18, ip, 28);
	memcpy(sll + 16, ip, 28);
	memcpy(sll2 + 20, ip, 28);
	memcpy(raw, ip, 28);
	k = cmp_key(1, eth, 60, &f, NULL); /* with Ethernet padding */
	assert_int_equal(f.family, 4);
	assert_int_equal(f.sport, 1000);
	assert_int_equal(f.dport, 2000);
	assert_true(cmp_key(1, vlan, 46, &f, NULL) == k);
	assert_true(cmp_key(113, sll, 44, &f, NULL) == k);
	assert_true(cmp_key(276, sll2, 48, &f, NULL) == k);
	assert_true(cmp_key(101, raw, 28, &f, NULL) == k);
	raw[1] = 0xb8, raw[8] = 63, raw[10] = 0x12, raw[11] = 0x34; /* DSCP, TTL, checksum */
	assert_true(cmp_key(228, raw, 28, &f, NULL) == k);
	raw[5] = 0x35; /* IP ID */
	assert_true(cmp_key(228, raw, 28, &f, NULL) != k);
	raw[5] = 0x34, raw[27] = 1; /* payload */
	assert_true(cmp_key(228, raw, 28, &f, NULL) != k);
}

static void test_key_ipv6_hop_limit_and_class(void **state)
{
	uint8_t a[48] = { 0x60, 0x00, 0x01, 0x23, 0, 8, 17, 64 }, b[48];
	struct rc_compare_flow f;
	uint64_t k;

	(void)state;
	a[8] = 0x20, a[9] = 0x01, a[24] = 0x20, a[25] = 0x02; /* addresses differ */
	a[40] = 0x03, a[41] = 0xe8, a[42] = 0x07, a[43] = 0xd0, a[45] = 8;
	k = cmp_key(229, a, 48, &f, NULL);
	assert_int_equal(f.family, 6);
	assert_int_equal(f.dport, 2000);
	memcpy(b, a, sizeof(b));
	b[0] = 0x6b, b[1] = 0x80 | (a[1] & 0x0f), b[7] = 3; /* traffic class, hop limit */
	assert_true(cmp_key(229, b, 48, &f, NULL) == k);
	b[3] = 0x24; /* flow label */
	assert_true(cmp_key(229, b, 48, &f, NULL) != k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_way),
		cmocka_unit_test(test_one_way),
		cmocka_unit_test(test_annotate),
		cmocka_unit_test(test_memory_follows_window),
		cmocka_unit_test(test_late_start),
		cmocka_unit_test(test_key_ignores_what_routers_change),
		cmocka_unit_test(test_key_ipv6_hop_limit_and_class),
		cmocka_unit_test(test_tcp_super_packet_against_segments),
		cmocka_unit_test(test_tcp_segments_against_merged),
		cmocka_unit_test(test_tcp_duplicate),
		cmocka_unit_test(test_tcp_nat),
		cmocka_unit_test(test_tcp_nat_learnt_late),
		cmocka_unit_test(test_udp_gso),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
