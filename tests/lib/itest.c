/* SPDX-License-Identifier: MIT */
/*
 * itest.c - what every integration test does: a namespace per test, start
 * and stop ringcap, and the checks a user would make of its file.
 */
#include "itest.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int itest_setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	snprintf(c->dir, sizeof(c->dir), "/tmp/rc-it-XXXXXX");
	if (!mkdtemp(c->dir) || netns_enter() < 0) {
		free(c);
		return -1;
	}
	snprintf(c->out, sizeof(c->out), "%s/out.pcapng", c->dir);
	*state = c;
	return 0;
}

int itest_teardown(void **state)
{
	struct ctx *c = *state;

	/* A failed assertion skips the test's own stop: no capture may
	 * outlive it (it would keep its namespace alive, and run forever). */
	proc_kill_all();
	/* Captures started through a shell (in a private mount namespace)
	 * leave their PID here. */
	netns_sh("test -s %s/pid && kill -9 $(cat %s/pid) 2>/dev/null", c->dir, c->dir);
	netns_leave();
	netns_sh("rm -rf %s", c->dir);
	free(c);
	return 0;
}

/* Starts ringcap and waits until its header is in the file: from then on
 * its sockets are bound and nothing sent is missed. */
void start_capture(struct proc *p, const struct ctx *c, const char *const *argv)
{
	start_capture_waiting_for(p, c->out, argv);
}

void start_capture_waiting_for(struct proc *p, const char *path, const char *const *argv)
{
	assert_int_equal(proc_start(p, argv, -1), 0);
	if (wait_file_size(path, 64, 5000) < 0) {
		proc_wait(p, 100);
		fail_msg("ringcap did not start: %s", p->err);
	}
}

int stop_capture(struct proc *p)
{
	kill(p->pid, SIGINT);
	return proc_wait(p, 5000);
}

/* The file holds exactly frames[0..n) on interface iface, in order. */
void assert_frames(const struct tp_file *t, uint32_t iface, const struct frame *f,
			  size_t n, uint64_t t0, uint64_t t1)
{
	size_t k = 0;
	uint64_t prev = 0;

	for (size_t e = 0; e < t->n_epb; e++) {
		const struct tp_epb *p = &t->epb[e];

		if (p->iface != iface)
			continue;
		assert_true(k < n);
		assert_int_equal(p->caplen, f[k].len);
		assert_int_equal(p->origlen, f[k].len);
		assert_memory_equal(p->data, f[k].data, f[k].len);
		assert_true(p->has_flags);
		assert_int_equal(p->flags, f[k].epb_flags);
		assert_false(p->has_dropcount);
		assert_true(p->ts >= t0 && p->ts <= t1);
		assert_true(p->ts >= prev);
		prev = p->ts;
		k++;
	}
	assert_int_equal(k, n);
}

/* ISB per interface: received = delivered + dropped, delivered as given. */
void assert_isb(const struct tp_file *t, uint32_t iface, uint64_t delivered)
{
	for (unsigned i = 0; i < t->n_isb; i++) {
		const struct tp_isb *s = &t->isb[i];

		if (s->iface != iface)
			continue;
		assert_true(s->has_ifrecv && s->has_osdrop && s->has_usrdeliv);
		assert_int_equal(s->usrdeliv, delivered);
		assert_int_equal(s->osdrop, 0);
		assert_int_equal(s->ifrecv, s->usrdeliv + s->osdrop);
		assert_true(s->starttime <= s->endtime);
		return;
	}
	fail_msg("no ISB for interface %u", iface);
}

/* tshark, capinfos and tcpdump all read the file and count n packets. */
void assert_readers_agree(const char *path, size_t n)
{
	assert_int_equal(netns_sh("bash %s --isb %s %zu >%s.check 2>&1 || { cat %s.check; false; }",
				  getenv("PCAPNG_CHECK"), path, n, path, path), 0);
}

void assert_pcap_readers_agree(const char *path, size_t n)
{
	assert_int_equal(netns_sh("f=%s; [ \"$(head -c 4 $f | od -An -tx1 | tr -d ' \\n')\" = 4d3cb2a1 ] "
				  "|| { echo \"$f: not nanosecond pcap\"; false; }", path), 0);
	assert_int_equal(netns_sh("n=$(tcpdump -tt -r %s 2>/dev/null | grep -c '^[0-9]*\\.[0-9]* '); [ \"$n\" = %zu ] "
				  "|| { echo \"tcpdump -r: $n packets\"; false; }", path, n), 0);
	assert_int_equal(netns_sh("n=$(tshark -r %s 2>/dev/null | wc -l); [ \"$n\" = %zu ] "
				  "|| { echo \"tshark -r: $n packets\"; false; }", path, n), 0);
	assert_int_equal(netns_sh("capinfos -M -c %s | grep -Eq 'Number of packets: +%zu$' "
				  "|| { capinfos -M -c %s; false; }", path, n, path), 0);
}

void parse_ok(const char *path, struct tp_file *t)
{
	if (tp_parse_file(path, t) < 0)
		fail_msg("%s: %s", path, t->error);
}

int run_ringcap(const char *const *argv, struct proc *p)
{
	assert_int_equal(proc_start(p, argv, -1), 0);
	return proc_wait(p, 5000);
}


int itest_main(const char *name, const struct CMUnitTest *tests, size_t n)
{
	if (!netns_have_root()) {
		fprintf(stderr, "integration tests need root (network namespaces)\n");
		return getenv("CI") && strcmp(getenv("CI"), "true") == 0 ? 1 : 77;
	}
	/* ITEST_FILTER=test_pcap_* runs those tests only (a developer's aid). */
	if (getenv("ITEST_FILTER"))
		cmocka_set_test_filter(getenv("ITEST_FILTER"));
	return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}
