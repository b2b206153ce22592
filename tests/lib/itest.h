/* SPDX-License-Identifier: MIT */
/*
 * itest.h - shared steps and checks of the integration tests.
 */
#ifndef RINGCAP_TESTS_ITEST_H
#define RINGCAP_TESTS_ITEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frames.h"
#include "netns.h"
#include "pcapng_parse.h"
#include "proc.h"

struct ctx {
	char dir[64];     /* a fresh temporary directory */
	char out[96];     /* dir/out.pcapng */
};

uint64_t now_ns(void);
/* cmocka setup/teardown: a temporary directory and a network namespace
 * with the veth pair rc0 (capture) <-> rc1 (sender). */
int itest_setup(void **state);
int itest_teardown(void **state);
/* Starts ringcap and waits until its header is in c->out (or path): from
 * then on its sockets are bound and nothing sent is missed. */
void start_capture(struct proc *p, const struct ctx *c, const char *const *argv);
void start_capture_waiting_for(struct proc *p, const char *path, const char *const *argv);
/* SIGINT, then the exit status. */
int stop_capture(struct proc *p);
/* Runs ringcap to completion (5 s at most); the exit status. */
int run_ringcap(const char *const *argv, struct proc *p);
/* The file holds exactly f[0..n) on interface iface, in order, byte for
 * byte, with their flags and timestamps within [t0, t1]. */
void assert_frames(const struct tp_file *t, uint32_t iface, const struct frame *f,
		   size_t n, uint64_t t0, uint64_t t1);
/* An ISB for iface: received = delivered + dropped, delivered as given. */
void assert_isb(const struct tp_file *t, uint32_t iface, uint64_t delivered);
/* tshark, capinfos and tcpdump all read the file and count n packets. */
void assert_readers_agree(const char *path, size_t n);
/* The same for a classic pcap file (-P), which pcapng-check.sh does not
 * take: nanosecond magic, and tcpdump, tshark and capinfos count n. */
void assert_pcap_readers_agree(const char *path, size_t n);
void parse_ok(const char *path, struct tp_file *t);
/* Skips (77) without root, fails under CI=true; else runs the tests. */
int itest_main(const char *name, const struct CMUnitTest *tests, size_t n);

#endif
