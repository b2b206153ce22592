/* SPDX-License-Identifier: MIT */
/*
 * test_capture_lib.c - libringcap's capture module driven as an embedder
 * drives it (ringcap/capture.h only), on veth pairs in a namespace of the
 * test's own: the counters add up after a stop under load, every ISB of a
 * rotated set carries real counters, a link that goes down and up, an
 * interface that is removed, two interfaces with two fanout threads each,
 * and the packet callback. Runs under TSan too (suite 'threads').
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ringcap/capture.h>

#include "itest.h"

/* The log hook is called from the library's threads. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[8192];

static void collect_log(void *ctx, enum rc_log_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	pthread_mutex_lock(&log_lock);
	if (strlen(log_text) + strlen(msg) + 2 < sizeof(log_text)) {
		strcat(log_text, msg);
		strcat(log_text, "\n");
	}
	pthread_mutex_unlock(&log_lock);
}

static bool log_has(const char *what)
{
	bool r;

	pthread_mutex_lock(&log_lock);
	r = strstr(log_text, what) != NULL;
	pthread_mutex_unlock(&log_lock);
	return r;
}

/* Link events are said by a capture thread: give it 2.5 s. */
static void wait_log(const char *what)
{
	for (int i = 0; i < 50 && !log_has(what); i++)
		sleep_ms(50);
	assert_true(log_has(what));
}

static const char *const rc0[] = { "rc0" };

/* Small, quick rings, so a stop drains in ~50 ms. */
#define FAST_RING .ring_size = 4u << 20, .block_size = 256u << 10, .block_timeout_ms = 20

static struct rc_capture *start(const struct rc_capture_config *c)
{
	struct rc_capture *cap = NULL;

	log_text[0] = 0;
	assert_int_equal(rc_capture_open(c, &cap), 0);
	assert_int_equal(rc_capture_start(cap), 0);
	return cap;
}

static void stop(struct rc_capture *cap, struct rc_capture_result *res)
{
	rc_capture_stop(cap);
	assert_int_equal(rc_capture_wait(cap), 0);
	rc_capture_result(cap, res);
}

/* Every ISB adds up; those written at the end exactly. */
static void assert_isbs_add_up(const struct tp_file *t, bool last_exact)
{
	for (unsigned i = 0; i < t->n_isb; i++) {
		const struct tp_isb *s = &t->isb[i];

		assert_true(s->has_ifrecv && s->has_osdrop && s->has_usrdeliv);
		assert_true(s->ifrecv >= s->usrdeliv + s->osdrop);
	}
	if (last_exact && t->n_isb)
		assert_int_equal(t->isb[t->n_isb - 1].ifrecv,
				 t->isb[t->n_isb - 1].usrdeliv + t->isb[t->n_isb - 1].osdrop);
}

/* Frames sent as fast as one socket sends them, into a small ring: what
 * the kernel saw is exactly what is in the file plus what it dropped. */
static void test_counters_add_up_under_load(void **state)
{
	struct ctx *c = *state;
	RC_OPTS(rc_writer_config, out, .path = c->out);
	RC_OPTS(rc_capture_config, cc, .ifaces = rc0, .n_ifaces = 1, .ring_size = 1u << 20,
		.block_size = 128u << 10, .block_timeout_ms = 20, .output = &out, .log = collect_log);
	struct rc_capture_result res;
	struct rc_capture *cap = start(&cc);
	struct frame *f;
	size_t n = frames_simple_set(&f, 30000, 0);
	uint64_t dropcounts = 0;
	struct tp_file t;

	assert_int_equal(frames_send("rc1", f, n), 0);
	stop(cap, &res);
	assert_int_equal(res.end, RC_CAPTURE_END_STOP);
	assert_int_equal(res.total.received, n);
	assert_int_equal(res.total.received, res.total.written.packets + res.total.dropped);
	assert_int_equal(res.not_written, 0);
	parse_ok(c->out, &t);
	assert_int_equal(t.n_epb, res.total.written.packets);
	assert_int_equal(t.len, res.total.written.file_bytes);
	for (size_t e = 0; e < t.n_epb; e++)
		dropcounts += t.epb[e].dropcount;
	assert_true(dropcounts <= res.total.dropped);
	assert_isbs_add_up(&t, true);
	assert_int_equal(t.isb[t.n_isb - 1].ifrecv, n);
	print_message("%zu sent, %llu written, %llu dropped\n", n,
		      (unsigned long long)res.total.written.packets,
		      (unsigned long long)res.total.dropped);
	tp_free(&t);
	rc_capture_close(cap);
	free(f);
}

/* A file per 400 packets and an ISB every second: each one's received is
 * at least what it says was delivered and dropped (packets still in the
 * ring are received, not yet delivered), and is not zero; the last file's
 * last ISB, written after the drain, is exact. */
static void test_rotation_isbs_carry_counters(void **state)
{
	struct ctx *c = *state;
	RC_OPTS(rc_writer_config, out, .path = c->out, .rotate.packets = 400, .stats_interval_s = 1);
	RC_OPTS(rc_capture_config, cc, .ifaces = rc0, .n_ifaces = 1, FAST_RING, .output = &out,
		.log = collect_log);
	struct rc_capture_result res;
	struct rc_capture *cap = start(&cc);
	struct frame *f;
	size_t n = frames_simple_set(&f, 2000, 0), files = 0, total = 0;
	char cmd[256], path[256], last[256] = "";
	FILE *ls;

	for (size_t k = 0; k < n; k += 100) {
		assert_int_equal(frames_send("rc1", f + k, 100), 0);
		sleep_ms(30);
	}
	sleep_ms(1100); /* at least one periodic ISB */
	stop(cap, &res);
	assert_int_equal(res.total.written.packets, n);
	snprintf(cmd, sizeof(cmd), "ls %s/out_*.pcapng", c->dir);
	ls = popen(cmd, "r");
	while (fgets(path, sizeof(path), ls)) {
		struct tp_file t;

		path[strcspn(path, "\n")] = 0;
		parse_ok(path, &t);
		assert_true(t.n_isb >= 1);
		assert_isbs_add_up(&t, false);
		for (unsigned i = 0; i < t.n_isb; i++)
			assert_true(t.isb[i].ifrecv > 0);
		total += t.n_epb;
		files++;
		snprintf(last, sizeof(last), "%s", path); /* ls sorts by file number */
		tp_free(&t);
	}
	pclose(ls);
	assert_int_equal(files, n / 400);
	assert_int_equal(total, n);
	{
		struct tp_file t;

		parse_ok(last, &t);
		assert_isbs_add_up(&t, true);
		assert_int_equal(t.isb[t.n_isb - 1].ifrecv, n);
		tp_free(&t);
	}
	rc_capture_close(cap);
	free(f);
}

static void test_link_down_and_up(void **state)
{
	struct ctx *c = *state;
	RC_OPTS(rc_writer_config, out, .path = c->out);
	RC_OPTS(rc_capture_config, cc, .ifaces = rc0, .n_ifaces = 1, FAST_RING, .output = &out,
		.log = collect_log);
	struct rc_capture_result res;
	struct rc_capture *cap = start(&cc);
	struct frame *f;
	size_t n = frames_simple_set(&f, 200, 0);
	struct tp_file t;

	assert_int_equal(frames_send("rc1", f, 100), 0);
	sleep_ms(50);
	assert_int_equal(netns_sh("ip link set rc0 down"), 0);
	wait_log("rc0: interface went down; waiting for it to come back");
	assert_int_equal(netns_sh("ip link set rc0 up"), 0);
	assert_int_equal(netns_wait_running("rc0"), 0);
	wait_log("rc0: interface is up again");
	assert_int_equal(frames_send("rc1", f + 100, 100), 0);
	stop(cap, &res);
	assert_int_equal(res.end, RC_CAPTURE_END_STOP);
	parse_ok(c->out, &t);
	assert_frames(&t, 0, f, n, 0, UINT64_MAX);
	assert_isb(&t, 0, n);
	tp_free(&t);
	rc_capture_close(cap);
	free(f);
}

/* Removing the interface ends the run by itself, with a whole file. */
static void test_interface_removed(void **state)
{
	struct ctx *c = *state;
	RC_OPTS(rc_writer_config, out, .path = c->out);
	RC_OPTS(rc_capture_config, cc, .ifaces = rc0, .n_ifaces = 1, FAST_RING, .output = &out,
		.log = collect_log);
	struct rc_capture_result res;
	struct rc_capture *cap = start(&cc);
	struct frame *f;
	size_t n = frames_simple_set(&f, 50, 0);
	struct tp_file t;

	assert_int_equal(frames_send("rc1", f, n), 0);
	sleep_ms(100);
	assert_int_equal(netns_sh("ip link del rc0"), 0);
	assert_int_equal(rc_capture_wait(cap), 0);
	rc_capture_result(cap, &res);
	assert_int_equal(res.end, RC_CAPTURE_END_IFACE_GONE);
	assert_true(log_has("rc0: interface was removed; capture stopped"));
	assert_int_equal(res.total.written.packets, n);
	parse_ok(c->out, &t);
	assert_frames(&t, 0, f, n, 0, UINT64_MAX);
	assert_isb(&t, 0, n);
	tp_free(&t);
	rc_capture_close(cap);
	free(f);
}

/* Two interfaces with two fanout threads each, into one file: every
 * frame once, on its own interface, and per-interface counters. */
static void test_two_ifaces_two_threads(void **state)
{
	struct ctx *c = *state;
	static const char *const two[] = { "rc0", "rc2" };
	RC_OPTS(rc_writer_config, out, .path = c->out);
	RC_OPTS(rc_capture_config, cc, .ifaces = two, .n_ifaces = 2, FAST_RING, .threads = 2,
		.output = &out, .log = collect_log);
	struct rc_capture_result res;
	struct rc_capture *cap;
	struct frame *f;
	size_t n = frames_udp_flows(&f, 16, 40), on[2] = { 0, 0 };
	struct tp_file t;

	assert_int_equal(netns_sh("ip link add rc2 type veth peer name rc3 && "
				  "ip link set rc2 up && ip link set rc3 up"), 0);
	assert_int_equal(netns_wait_running("rc2"), 0);
	cap = start(&cc);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(frames_send("rc3", f, n / 2), 0);
	stop(cap, &res);
	assert_int_equal(res.n_ifaces, 2);
	assert_int_equal(res.ifaces[0].received, n);
	assert_int_equal(res.ifaces[1].received, n / 2);
	assert_int_equal(res.total.written.packets, n + n / 2);
	assert_string_equal(rc_capture_ifname(cap, 1), "rc2");
	parse_ok(c->out, &t);
	assert_int_equal(t.n_idb, 2);
	for (size_t e = 0; e < t.n_epb; e++)
		on[t.epb[e].iface]++;
	assert_int_equal(on[0], n);
	assert_int_equal(on[1], n / 2);
	assert_isb(&t, 0, n);
	assert_isb(&t, 1, n / 2);
	tp_free(&t);
	rc_capture_close(cap);
	free(f);
}

struct tally {
	uint64_t packets, bytes, lost;
};

/* Two capture threads call it at once: atomics. */
static void count_packet(void *ctx, uint32_t iface, const struct rc_packet *p, uint64_t lost)
{
	struct tally *t = ctx;

	assert_int_equal(iface, 0);
	__atomic_add_fetch(&t->packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&t->bytes, p->caplen, __ATOMIC_RELAXED);
	__atomic_add_fetch(&t->lost, lost, __ATOMIC_RELAXED);
}

static void test_packet_callback(void **state)
{
	struct tally tally = { 0 };
	RC_OPTS(rc_capture_config, cc, .ifaces = rc0, .n_ifaces = 1, FAST_RING, .threads = 2,
		.on_packet = count_packet, .on_packet_ctx = &tally, .log = collect_log);
	struct rc_capture_result res;
	struct rc_capture *cap = start(&cc);
	struct frame *f;
	size_t n = frames_udp_flows(&f, 8, 50);
	uint64_t bytes = 0;

	(void)state;
	for (size_t i = 0; i < n; i++)
		bytes += f[i].len;
	assert_int_equal(frames_send("rc1", f, n), 0);
	stop(cap, &res);
	assert_int_equal(tally.packets, n);
	assert_int_equal(tally.bytes, bytes);
	assert_int_equal(tally.lost, 0);
	assert_int_equal(res.total.received, n);
	rc_capture_close(cap);
	free(f);
}

/* Refused before anything is opened, with the reason in the log. */
static void test_bad_configs(void **state)
{
	struct ctx *c = *state;
	static const char *const twice[] = { "rc0", "rc0" };
	static const char *const nope[] = { "rc9" };
	RC_OPTS(rc_writer_config, out, .path = c->out);
	RC_OPTS(rc_capture_config, cc, .ifaces = twice, .n_ifaces = 2, .output = &out,
		.log = collect_log);
	struct rc_capture_config unsized = { .ifaces = rc0, .n_ifaces = 1, .output = &out };
	struct rc_capture *cap;

	log_text[0] = 0;
	assert_int_equal(rc_capture_open(&cc, &cap), -EINVAL);
	assert_true(log_has("rc0: given twice"));
	cc.ifaces = nope;
	cc.n_ifaces = 1;
	assert_int_equal(rc_capture_open(&cc, &cap), -ENODEV);
	assert_true(log_has("rc9: no such interface"));
	cc.ifaces = rc0;
	cc.ring_size = 1u << 31;
	cc.threads = 16;      /* 32 GiB of rings on a 24 GiB machine */
	assert_int_equal(rc_capture_open(&cc, &cap), -ENOMEM);
	assert_true(log_has("do not fit in"));
	assert_int_equal(rc_capture_open(&unsized, &cap), -EINVAL);
	/* Nothing was created on the way. */
	assert_int_equal(access(c->out, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counters_add_up_under_load, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_rotation_isbs_carry_counters, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_link_down_and_up, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_interface_removed, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_two_ifaces_two_threads, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_packet_callback, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_bad_configs, itest_setup, itest_teardown),
	};

	return itest_main("capture_lib", tests, sizeof(tests) / sizeof(tests[0]));
}
