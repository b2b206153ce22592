/* SPDX-License-Identifier: MIT */
/*
 * test_capture.c - ringcap end to end, as root, in a private network
 * namespace per test: known frames go in on a veth pair, and the file must
 * hold exactly those frames, byte for byte, in order, with the right flags,
 * plausible nanosecond timestamps and ISB counters that add up; tshark and
 * tcpdump must read it cleanly. Also the things a user notices: promiscuous
 * mode on and off, -c, -a, SIGINT, -w -, several interfaces, loopback, an
 * interface that goes down or away, a full disk, and bad input.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "itest.h"

static void test_frames_byte_for_byte(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, NULL };
	struct frame *f;
	size_t n = frames_standard_set(&f);
	struct proc p;
	struct tp_file t;
	uint64_t t0, t1;

	assert_false(netns_if_flags("rc0") & IFF_PROMISC);
	start_capture(&p, c, argv);
	assert_true(netns_if_flags("rc0") & IFF_PROMISC);
	t0 = now_ns();
	assert_int_equal(frames_send("rc1", f, n), 0);
	t1 = now_ns();
	assert_int_equal(stop_capture(&p), 0);
	/* A socket membership: gone with the socket. */
	assert_false(netns_if_flags("rc0") & IFF_PROMISC);
	assert_non_null(strstr(p.err, "packets captured"));

	parse_ok(c->out, &t);
	assert_int_equal(t.n_idb, 1);
	assert_string_equal(t.idb[0].name, "rc0");
	assert_int_equal(t.idb[0].linktype, 1);
	assert_int_equal(t.idb[0].tsresol, 9);
	assert_int_equal(t.idb[0].snaplen, 262144);
	assert_non_null(strstr(t.shb_userappl, "ringcap"));
	assert_frames(&t, 0, f, n, t0, t1);
	assert_isb(&t, 0, n);
	tp_free(&t);
	assert_readers_agree(c->out, n);
	proc_free(&p);
	free(f);
}

/* -p: the flag is never set, yet on a veth foreign frames still arrive,
 * recorded as seen in promiscuous reception. */
static void test_no_promisc(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-p", "-i", "rc0", "-w", c->out, NULL };
	struct frame *f;
	size_t n = frames_standard_set(&f);
	struct proc p;
	struct tp_file t;

	start_capture(&p, c, argv);
	assert_false(netns_if_flags("rc0") & IFF_PROMISC);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(stop_capture(&p), 0);
	parse_ok(c->out, &t);
	assert_frames(&t, 0, f, n, 0, UINT64_MAX);
	assert_int_equal(t.epb[n - 1].flags, 0x11);
	tp_free(&t);
	proc_free(&p);
	free(f);
}

/* -c stops exactly, on its own, with the first COUNT frames. */
static void test_count_exact(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-c", "37", "-i", "rc0", "-w", c->out, NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 100, 0);
	struct proc p;
	struct tp_file t;

	start_capture(&p, c, argv);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(proc_wait(&p, 5000), 0);
	parse_ok(c->out, &t);
	assert_frames(&t, 0, f, 37, 0, UINT64_MAX);
	assert_int_equal(t.n_isb, 1);
	assert_int_equal(t.isb[0].usrdeliv, 37);
	tp_free(&t);
	assert_readers_agree(c->out, 37);
	proc_free(&p);
	free(f);
}

/* On a terminal: one status line on stderr, redrawn about once a second
 * in place (\r), erased before the summary. `script` gives ringcap a pty. */
static void test_status_line_on_terminal(void **state)
{
	struct ctx *c = *state;
	char log[128];

	snprintf(log, sizeof(log), "%s/tty", c->dir);
	assert_int_equal(netns_sh("script -qec '%s -i rc0 -w %s -a duration:3' /dev/null >%s 2>&1",
				  getenv("RINGCAP"), c->out, log), 0);
	/* Two or three redraws, each "\r\033[K<packets> packets, ..." with
	 * the rates, the elapsed time and the file's size. */
	assert_int_equal(netns_sh("n=$(grep -aoP '\\r\\x1b\\[K[0-9]+ packets, [0-9.]+ [kMG]?B, [0-9]+ "
				  "dropped, [0-9]+ pkt/s, [0-9.]+ [kMG]?bit/s, 0:00:0[0-3], file 1 "
				  "[0-9.]+ [kMG]?B' %s | wc -l); [ \"$n\" -ge 2 ]", log), 0);
	assert_int_equal(netns_sh("grep -aq '^0 packets captured' %s", log), 0);
	/* No terminal (a service): a plain log line every --status-interval. */
	assert_int_equal(netns_sh("%s -i rc0 -w %s -a duration:3 --status-interval 1 2>%s </dev/null",
				  getenv("RINGCAP"), c->out, log), 0);
	assert_int_equal(netns_sh("n=$(grep -cE '^ringcap: status: 0 packets, 0 B, 0 dropped, 0 pkt/s, "
				  "0 bit/s, 0:00:0[0-3], file 1 ' %s); [ \"$n\" -ge 2 ]", log), 0);
	assert_int_equal(netns_sh("! grep -q $'\\r' %s", log), 0);
}

/* -a duration:1 ends the capture after about a second, exit 0. */
static void test_duration(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-a", "duration:1", "-i", "rc0", "-w", c->out, NULL };
	struct proc p;
	uint64_t t0 = now_ns();
	struct tp_file t;

	start_capture(&p, c, argv);
	assert_int_equal(proc_wait(&p, 4000), 0);
	assert_true(now_ns() - t0 >= 1000000000ull);
	assert_non_null(strstr(p.err, "stopped: duration:1 reached\n"));
	parse_ok(c->out, &t);
	assert_int_equal(t.n_isb, 1);
	tp_free(&t);
	proc_free(&p);
}

static pid_t start_flood(const struct frame *f, size_t n)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* Bounded: at most 3 s, even if nobody stops us. */
		uint64_t end = now_ns() + 3000000000ull;

		while (now_ns() < end)
			frames_send("rc1", f, n);
		_exit(0);
	}
	return pid;
}

/* SIGINT in the middle of traffic: exit 0, a complete file, counters that
 * add up, and the frames are an unbroken run of what was sent. */
static void test_sigint_mid_traffic(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 50, 0);
	struct proc p;
	struct tp_file t;
	pid_t flood;

	start_capture(&p, c, argv);
	flood = start_flood(f, n);
	sleep_ms(400);
	assert_int_equal(stop_capture(&p), 0);
	kill(flood, SIGKILL);
	waitpid(flood, NULL, 0);
	parse_ok(c->out, &t);
	assert_true(t.n_epb > 100);
	assert_int_equal(t.n_isb, 1);
	assert_int_equal(t.isb[0].usrdeliv, t.n_epb);
	assert_int_equal(t.isb[0].ifrecv, t.isb[0].usrdeliv + t.isb[0].osdrop);
	if (t.isb[0].osdrop == 0)
		for (size_t e = 1; e < t.n_epb; e++)
			assert_int_equal((t.epb[e].data[21] + 50 - t.epb[e - 1].data[21]) % 50, 1);
	assert_readers_agree(c->out, t.n_epb);
	tp_free(&t);
	proc_free(&p);
	free(f);
}

/* SIGTERM and SIGHUP stop it as cleanly as SIGINT: every frame, ISBs,
 * exit 0. */
static void test_sigterm_sighup(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, NULL };
	const int sigs[] = { SIGTERM, SIGHUP };
	struct frame *f;
	size_t n = frames_simple_set(&f, 20, 0);

	for (unsigned i = 0; i < 2; i++) {
		struct proc p;
		struct tp_file t;

		start_capture(&p, c, argv);
		assert_int_equal(frames_send("rc1", f, n), 0);
		kill(p.pid, sigs[i]);
		assert_int_equal(proc_wait(&p, 5000), 0);
		parse_ok(c->out, &t);
		assert_frames(&t, 0, f, n, 0, UINT64_MAX);
		assert_isb(&t, 0, n);
		tp_free(&t);
		proc_free(&p);
		unlink(c->out);
	}
	free(f);
}

static ssize_t read_some(int fd, uint8_t *buf, size_t cap, size_t *len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t r;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	r = read(fd, buf + *len, cap - *len);
	if (r > 0)
		*len += (size_t)r;
	return r;
}

/* Bytes of EPBs in a pcapng stream prefix. */
static size_t count_epbs(const uint8_t *buf, size_t len)
{
	size_t off = 0, n = 0;
	uint32_t type, blen;

	while (off + 8 <= len) {
		memcpy(&type, buf + off, 4);
		memcpy(&blen, buf + off + 4, 4);
		if (blen < 12 || off + blen > len)
			break;
		n += type == 6;
		off += blen;
	}
	return n;
}

/* A reader that quits (ringcap -w - | head -c 100): a write error, exit 1,
 * and the count in the message is what went into the pipe: after the
 * header, nothing did. */
static void test_closed_pipe(void **state)
{
	const char *argv[] = { "ringcap", "-q", "-U", "-i", "rc0", "-w", "-", NULL };
	static uint8_t buf[256];
	struct frame *f;
	size_t n = frames_simple_set(&f, 50, 0), len = 0;
	struct proc p;
	int pipefd[2];

	(void)state;
	/* O_CLOEXEC: ringcap must not hold the read end open itself. */
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	assert_int_equal(proc_start(&p, argv, pipefd[1]), 0);
	close(pipefd[1]);
	while (len < 100 && read_some(pipefd[0], buf, 100, &len, 5000) > 0)
		;
	close(pipefd[0]); /* head -c 100 exits */
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(proc_wait(&p, 5000), 1);
	assert_non_null(strstr(p.err, "ringcap: stdout: write failed: Broken pipe; the pipe took "
				      "the 0 packets written before the failure\n"));
	assert_non_null(strstr(p.err, "\n0 packets captured\n"));
	proc_free(&p);
	free(f);
}

/* -U -w -, as a tcpdump user pipes into tshark: the first packet shows up
 * on the pipe at low traffic (in 9 ms here with -U, against about 90 with
 * the default 100 ms block timeout; the bound is loose for valgrind), and
 * the stream is a file tshark and tcpdump read. */
static void test_stdout_stream(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-U", "-c", "20", "-i", "rc0", "-w", "-", NULL };
	static uint8_t buf[1 << 20];
	struct frame *f;
	size_t n = frames_simple_set(&f, 20, 0), len = 0;
	struct proc p;
	int pipefd[2];
	uint64_t t0, latency_ms;
	FILE *out;

	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(proc_start(&p, argv, pipefd[1]), 0);
	close(pipefd[1]);
	while (len < 28 && read_some(pipefd[0], buf, sizeof(buf), &len, 5000) > 0)
		;
	assert_true(len >= 28); /* SHB and IDB: bound and listening */
	t0 = now_ns();
	assert_int_equal(frames_send("rc1", f, 1), 0);
	while (count_epbs(buf, len) == 0 && now_ns() - t0 < 3000000000ull)
		read_some(pipefd[0], buf, sizeof(buf), &len, 100);
	latency_ms = (now_ns() - t0) / 1000000;
	print_message("first packet through the pipe after %llu ms\n", (unsigned long long)latency_ms);
	assert_int_equal(count_epbs(buf, len), 1);
	assert_true(latency_ms < 1000);
	assert_int_equal(frames_send("rc1", f + 1, n - 1), 0);
	while (read_some(pipefd[0], buf, sizeof(buf), &len, 5000) > 0)
		;
	close(pipefd[0]);
	assert_int_equal(proc_wait(&p, 5000), 0);
	out = fopen(c->out, "wb");
	fwrite(buf, 1, len, out);
	fclose(out);
	assert_int_equal(netns_sh("n=$(tshark -r - <%s 2>/dev/null | wc -l); [ \"$n\" = 20 ]", c->out), 0);
	assert_int_equal(netns_sh("n=$(tcpdump -tt -r - <%s 2>/dev/null | grep -c '^[0-9]*\\.[0-9]* '); [ \"$n\" = 20 ]", c->out), 0);
	proc_free(&p);
	free(f);
}

/* A ring far too small for a flood: the kernel drops, and the user is
 * told at once, in the summary, and in the file where it happened
 * (epb_dropcount), with ISB counters that still add up. */
static void test_drops_are_recorded(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-i", "rc0", "-w", c->out, "-B", "8", "--block-size", "4",
			       NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 64, 0);
	uint64_t dropcounts = 0;
	struct proc p;
	struct tp_file t;
	pid_t flood;

	for (size_t i = 0; i < n; i++)
		frame_make(&f[i], DST_CAPTURE_HOST, 1514, (uint32_t)i, 0, 0, 0, 0);
	start_capture(&p, c, argv);
	flood = start_flood(f, n);
	sleep_ms(1500);
	kill(flood, SIGKILL);
	waitpid(flood, NULL, 0);
	assert_int_equal(stop_capture(&p), 0);
	parse_ok(c->out, &t);
	for (size_t e = 0; e < t.n_epb; e++)
		dropcounts += t.epb[e].has_dropcount ? t.epb[e].dropcount : 0;
	print_message("%zu packets written, %llu dropped (epb_dropcount sum %llu)\n", t.n_epb,
		      (unsigned long long)t.isb[0].osdrop, (unsigned long long)dropcounts);
	assert_true(t.isb[0].osdrop > 0);
	assert_int_equal(t.isb[0].ifrecv, t.isb[0].usrdeliv + t.isb[0].osdrop);
	assert_int_equal(t.isb[0].usrdeliv, t.n_epb);
	assert_true(dropcounts > 0 && dropcounts <= t.isb[0].osdrop);
	assert_non_null(strstr(p.err, "warning: the kernel dropped"));
	assert_null(strstr(p.err, "\n0 packets dropped by kernel"));
	tp_free(&t);
	proc_free(&p);
	free(f);
}

/* --threads 2: two sockets in a PACKET_FANOUT group, two capture threads,
 * one file with one IDB; nothing lost, nothing twice, and in hash mode
 * every flow's packets in the order they were sent. */
static void check_fanout(struct ctx *c, const char *mode, bool flows_in_order)
{
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "--threads", "2",
			       "--fanout", mode, NULL };
	enum { FLOWS = 16, PER_FLOW = 40 };
	unsigned seen[FLOWS] = { 0 };
	struct frame *f;
	size_t n = frames_udp_flows(&f, FLOWS, PER_FLOW);
	struct proc p;
	struct tp_file t;

	start_capture(&p, c, argv);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(stop_capture(&p), 0);
	parse_ok(c->out, &t);
	assert_int_equal(t.n_idb, 1);
	assert_int_equal(t.n_epb, n);
	for (size_t e = 0; e < t.n_epb; e++) {
		const uint8_t *d = t.epb[e].data;
		unsigned flow = (unsigned)(d[34] << 8 | d[35]) - 1000;
		uint32_t seq = (uint32_t)d[46] << 24 | (uint32_t)d[47] << 16 | d[48] << 8 | d[49];

		assert_true(flow < FLOWS && seq < PER_FLOW);
		assert_true(t.epb[e].caplen == f[0].len);
		if (flows_in_order)
			assert_int_equal(seq, seen[flow]);
		seen[flow]++;
	}
	for (unsigned k = 0; k < FLOWS; k++)
		assert_int_equal(seen[k], PER_FLOW);
	assert_isb(&t, 0, n);
	tp_free(&t);
	assert_readers_agree(c->out, n);
	proc_free(&p);
	free(f);
}

static void test_fanout_hash(void **state)
{
	check_fanout(*state, "hash", true);
}

static void test_fanout_lb(void **state)
{
	check_fanout(*state, "lb", false);
}

/* --fanout-files: a file per thread, each complete on its own with its
 * own counters; between them, every frame exactly once. */
static void test_fanout_files(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "--threads", "2",
			       "--fanout", "lb", "--fanout-files", NULL };
	enum { FLOWS = 8, PER_FLOW = 25 };
	unsigned seen[FLOWS * PER_FLOW] = { 0 };
	char path[2][128];
	struct frame *f;
	size_t n = frames_udp_flows(&f, FLOWS, PER_FLOW), total = 0;
	struct proc p;

	for (int t = 0; t < 2; t++)
		snprintf(path[t], sizeof(path[t]), "%s/out_t%d.pcapng", c->dir, t);
	start_capture_waiting_for(&p, path[1], argv);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(stop_capture(&p), 0);
	for (int t = 0; t < 2; t++) {
		struct tp_file tf;

		parse_ok(path[t], &tf);
		assert_true(tf.n_epb > 0); /* lb shares out packets round robin */
		for (size_t e = 0; e < tf.n_epb; e++) {
			const uint8_t *d = tf.epb[e].data;
			unsigned flow = (unsigned)(d[34] << 8 | d[35]) - 1000, seq = d[49];

			assert_true(flow < FLOWS && seq < PER_FLOW);
			seen[seq * FLOWS + flow]++;
		}
		assert_isb(&tf, 0, tf.n_epb);
		total += tf.n_epb;
		assert_readers_agree(path[t], tf.n_epb);
		tp_free(&tf);
	}
	assert_int_equal(total, n);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(seen[k], 1);
	proc_free(&p);
	free(f);
}

/* Two interfaces (the two halves of a tap): one file, one IDB and ISB
 * each, every frame on the interface it arrived on. */
static void test_two_interfaces(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-i", "rc2", "-w", c->out, NULL };
	struct frame *a, *b;
	size_t na = frames_simple_set(&a, 30, 0), nb = frames_simple_set(&b, 20, 1000);
	struct proc p;
	struct tp_file t;

	assert_int_equal(netns_sh("ip link add rc2 address 02:72:63:00:00:01 type veth peer name rc3 "
				  "&& ip link set rc2 up && ip link set rc3 up"), 0);
	assert_int_equal(netns_wait_running("rc2"), 0);
	start_capture(&p, c, argv);
	assert_int_equal(frames_send("rc1", a, na), 0);
	assert_int_equal(frames_send("rc3", b, nb), 0);
	assert_int_equal(stop_capture(&p), 0);
	parse_ok(c->out, &t);
	assert_int_equal(t.n_idb, 2);
	assert_string_equal(t.idb[0].name, "rc0");
	assert_string_equal(t.idb[1].name, "rc2");
	assert_frames(&t, 0, a, na, 0, UINT64_MAX);
	assert_frames(&t, 1, b, nb, 0, UINT64_MAX);
	assert_isb(&t, 0, na);
	assert_isb(&t, 1, nb);
	tp_free(&t);
	assert_readers_agree(c->out, na + nb);
	proc_free(&p);
	free(a);
	free(b);
}

/* lo shows every packet leaving and arriving; the file has each once. */
static void test_loopback_once(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "lo", "-w", c->out, NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 25, 0);
	struct proc p;
	struct tp_file t;

	for (size_t i = 0; i < n; i++) /* to lo's own (all-zero) MAC */
		memset(f[i].data, 0, 6);
	start_capture(&p, c, argv);
	assert_int_equal(frames_send("lo", f, n), 0);
	assert_int_equal(stop_capture(&p), 0);
	parse_ok(c->out, &t);
	assert_int_equal(t.n_epb, n);
	for (size_t i = 0; i < n; i++) {
		assert_memory_equal(t.epb[i].data, f[i].data, f[i].len);
		assert_int_equal(t.epb[i].flags, 0x5); /* the arriving copy */
	}
	assert_isb(&t, 0, n);
	tp_free(&t);
	proc_free(&p);
	free(f);
}

/* The interface vanishes: a clear message, exit 1, and a valid file with
 * everything captured before. */
static void test_interface_removed(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 10, 0);
	struct proc p;
	struct tp_file t;

	start_capture(&p, c, argv);
	assert_int_equal(frames_send("rc1", f, n), 0);
	sleep_ms(50);
	assert_int_equal(netns_sh("ip link del rc1"), 0);
	assert_int_equal(proc_wait(&p, 5000), 1);
	assert_non_null(strstr(p.err, "rc0: interface was removed"));
	parse_ok(c->out, &t);
	assert_frames(&t, 0, f, n, 0, UINT64_MAX);
	assert_int_equal(t.n_isb, 1);
	tp_free(&t);
	assert_readers_agree(c->out, n);
	proc_free(&p);
	free(f);
}

/* Down and up again: said once, capture goes on across it. */
static void test_interface_down_up(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 20, 0);
	struct proc p;
	struct tp_file t;

	start_capture(&p, c, argv);
	assert_int_equal(frames_send("rc1", f, 10), 0);
	sleep_ms(50);
	assert_int_equal(netns_sh("ip link set rc0 down"), 0);
	sleep_ms(1200);
	assert_int_equal(netns_sh("ip link set rc0 up"), 0);
	assert_int_equal(netns_wait_running("rc0"), 0);
	sleep_ms(1200); /* the status tick notices */
	assert_int_equal(frames_send("rc1", f + 10, 10), 0);
	assert_int_equal(stop_capture(&p), 0);
	assert_non_null(strstr(p.err, "rc0: interface went down; waiting"));
	assert_null(strstr(strstr(p.err, "went down") + 1, "went down"));
	parse_ok(c->out, &t);
	assert_frames(&t, 0, f, n, 0, UINT64_MAX);
	tp_free(&t);
	proc_free(&p);
	free(f);
}

/* Bad input: one clear line, the right exit code, no output file. */
static void test_bad_input(void **state)
{
	struct ctx *c = *state;
	const char *no_iface[] = { "ringcap", "-i", "rc9", "-w", c->out, NULL };
	const char *bad_count[] = { "ringcap", "-c", "12x", "-i", "rc0", "-w", c->out, NULL };
	const char *bad_flag[] = { "ringcap", "--frobnicate", NULL };
	const char *tcpdump_flag[] = { "ringcap", "-G", "60", "-w", c->out, NULL };
	const char *bad_block[] = { "ringcap", "--block-size", "1000", "-i", "rc0", "-w", c->out, NULL };
	const char *bad_dir[] = { "ringcap", "-i", "rc0", "-w", "/nonexistent/x.pcapng", NULL };
	struct proc p;

	assert_int_equal(run_ringcap(no_iface, &p), 1);
	assert_string_equal(p.err, "ringcap: rc9: no such interface (ringcap -D lists them)\n");
	proc_free(&p);
	assert_int_equal(run_ringcap(bad_count, &p), 2);
	assert_string_equal(p.err, "ringcap: -c: '12x' is not a number (ringcap --help)\n");
	proc_free(&p);
	assert_int_equal(run_ringcap(bad_flag, &p), 2);
	assert_string_equal(p.err, "ringcap: --frobnicate: unknown flag (ringcap --help)\n");
	proc_free(&p);
	assert_int_equal(run_ringcap(tcpdump_flag, &p), 2);
	assert_string_equal(p.err, "ringcap: -G: unknown flag; tcpdump's -G SECONDS is "
			   "-b duration:SECONDS (or -b interval:SECONDS) here (ringcap --help)\n");
	proc_free(&p);
	assert_int_equal(run_ringcap(bad_block, &p), 2);
	assert_non_null(strstr(p.err, "block_size"));
	proc_free(&p);
	assert_int_equal(access(c->out, F_OK), -1); /* nothing created on the way */
	assert_int_equal(run_ringcap(bad_dir, &p), 1);
	assert_non_null(strstr(p.err, "/nonexistent/x.pcapng: cannot create the output file"));
	proc_free(&p);
}

/* A full disk: exit 1 with a clear message whose count is what the file
 * holds, and the file reads cleanly up to its last whole packet. The disk
 * is a small file system in a private mount namespace: a 64 KiB tmpfs (the
 * buffered path, unless RINGCAP_TEST_IO says otherwise), or a 16 MiB ext4
 * image on a loop device (direct I/O); ringcap's file is copied out after
 * it exits. */
static void disk_full(struct ctx *c, const char *mount, size_t n)
{
	struct frame *f;
	struct tp_file t;
	char err[128];
	unsigned long long said = 0;
	FILE *e;

	frames_simple_set(&f, n, 0);
	snprintf(err, sizeof(err), "%s/err", c->dir);
	assert_int_equal(netns_sh(
		"unshare -m sh -c 'mkdir -p %s/small && %s && "
		"(%s -q -i rc0 -w %s/small/f.pcapng 2>%s & echo $! >%s/pid; wait $!; echo $? >%s/rc); "
		"cp %s/small/f.pcapng %s' &",
		c->dir, mount, getenv("RINGCAP"), c->dir, err, c->dir, c->dir, c->dir, c->out), 0);
	assert_int_equal(wait_file_size(err, 0, 2000), 0);
	sleep_ms(500);
	assert_int_equal(frames_send("rc1", f, n), 0);
	for (int i = 0; i < 1000 && access(c->out, F_OK) < 0; i++)
		sleep_ms(10);
	sleep_ms(200);
	netns_sh("cat %s/rc %s >&2", c->dir, err); /* for the log, if what follows fails */
	assert_int_equal(netns_sh("grep -q '^1$' %s/rc", c->dir), 0);
	assert_int_equal(netns_sh("grep -q 'write failed: No space left on device; the file holds the [0-9]* packets' %s", err), 0);
	e = fopen(err, "r");
	assert_non_null(e);
	for (char line[512]; fgets(line, sizeof(line), e);) {
		const char *h = strstr(line, "the file holds the ");

		if (h)
			said = strtoull(h + 19, NULL, 10);
	}
	fclose(e);
	parse_ok(c->out, &t);
	print_message("disk full: %zu of %zu packets in the file, the message said %llu\n", t.n_epb, n, said);
	assert_true(t.n_epb > 10 && t.n_epb < n);
	assert_int_equal(said, t.n_epb);
	assert_frames(&t, 0, f, t.n_epb, 0, UINT64_MAX);
	assert_int_equal(netns_sh("tshark -r %s >/dev/null 2>&1 && tcpdump -r %s >/dev/null 2>&1", c->out, c->out), 0);
	tp_free(&t);
	free(f);
}

static void test_disk_full(void **state)
{
	struct ctx *c = *state;
	char mount[256];

	snprintf(mount, sizeof(mount), "mount -t tmpfs -o size=64k tmpfs %s/small", c->dir);
	disk_full(c, mount, 200);
}

static void test_disk_full_direct(void **state)
{
	struct ctx *c = *state;
	char mount[512];

	snprintf(mount, sizeof(mount), "truncate -s 16M %s/img && mkfs.ext4 -q -F -b 4096 %s/img && "
		 "mount -o loop %s/img %s/small", c->dir, c->dir, c->dir, c->dir);
	disk_full(c, mount, 30000);
}

/* A tun device has no link header: LINKTYPE_RAW in the IDB. */
static void test_tun_is_raw(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-a", "duration:1", "-i", "rctun", "-w", c->out, NULL };
	struct proc p;
	struct tp_file t;

	assert_int_equal(netns_sh("ip tuntap add dev rctun mode tun && ip link set rctun up"), 0);
	assert_int_equal(run_ringcap(argv, &p), 0);
	parse_ok(c->out, &t);
	assert_int_equal(t.idb[0].linktype, 101);
	tp_free(&t);
	proc_free(&p);
}

static void test_list_interfaces(void **state)
{
	struct ctx *c = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/list", c->dir);
	assert_int_equal(netns_sh("%s -D >%s", getenv("RINGCAP"), path), 0);
	assert_int_equal(netns_sh("grep -q '^[0-9]*\\.rc0 \\[Up, Running\\]$' %s", path), 0);
	assert_int_equal(netns_sh("grep -q '^[0-9]*\\.lo \\[Up, Running, Loopback\\]$' %s", path), 0);
}

/* A classic pcap file: its 24-byte header, then each frame's record. */
static void assert_pcap_frames(const char *path, const struct frame *f, size_t n, uint32_t linktype)
{
	static uint8_t buf[1 << 20];
	FILE *in = fopen(path, "rb");
	size_t len, off = 24;
	uint32_t h[6], r[4];

	assert_non_null(in);
	len = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	assert_true(len >= 24);
	memcpy(h, buf, sizeof(h));
	assert_int_equal(h[0], 0xA1B23C4D);
	assert_int_equal(h[1], 2 | 4 << 16);
	assert_int_equal(h[4], 262144);
	assert_int_equal(h[5], linktype);
	for (size_t k = 0; k < n; k++) {
		assert_true(off + 16 <= len);
		memcpy(r, buf + off, sizeof(r));
		assert_true(r[1] < 1000000000u); /* nanoseconds */
		assert_int_equal(r[2], f[k].len);
		assert_int_equal(r[3], f[k].len);
		assert_true(off + 16 + r[2] <= len);
		assert_memory_equal(buf + off + 16, f[k].data, f[k].len);
		off += 16 + r[2];
	}
	assert_int_equal(off, len);
}

/* -P: classic pcap, the frames byte for byte, and tcpdump, tshark and
 * capinfos read it; no "writing pcapng" note for the .pcap name. */
static void test_pcap_output(void **state)
{
	struct ctx *c = *state;
	char path[128];
	const char *argv[] = { "ringcap", "-q", "-P", "-i", "rc0", "-w", path, NULL };
	struct frame *f;
	size_t n = frames_standard_set(&f);
	struct proc p;

	snprintf(path, sizeof(path), "%s/x.pcap", c->dir);
	assert_int_equal(proc_start(&p, argv, -1), 0);
	if (wait_file_size(path, 24, 5000) < 0) {
		proc_wait(&p, 100);
		fail_msg("ringcap did not start: %s", p.err);
	}
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(stop_capture(&p), 0);
	assert_null(strstr(p.err, "writing pcapng"));
	assert_non_null(strstr(p.err, "packets captured"));
	assert_pcap_frames(path, f, n, 1);
	assert_pcap_readers_agree(path, n);
	proc_free(&p);
	free(f);
}

/* -w NAME.pcap without -P: pcapng, as dumpcap writes, said once. */
static void test_pcap_name_is_pcapng(void **state)
{
	struct ctx *c = *state;
	char path[128];
	const char *argv[] = { "ringcap", "-q", "-a", "duration:1", "-i", "rc0", "-w", path, NULL };
	struct proc p;
	struct tp_file t;
	const char *note;

	snprintf(path, sizeof(path), "%s/x.pcap", c->dir);
	assert_int_equal(run_ringcap(argv, &p), 0);
	note = strstr(p.err, "x.pcap: writing pcapng (use -P for classic pcap)\n");
	assert_non_null(note);
	assert_null(strstr(note + strlen("x.pcap: writing"), "writing pcapng")); /* once */
	parse_ok(path, &t);
	tp_free(&t);
	proc_free(&p);
}

/* -P -w -: the pcap stream through a pipe, which the readers take. */
static void test_pcap_stdout(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-P", "-U", "-c", "20", "-i", "rc0", "-w", "-", NULL };
	static uint8_t buf[1 << 20];
	struct frame *f;
	size_t n = frames_simple_set(&f, 20, 0), len = 0;
	struct proc p;
	int pipefd[2];
	FILE *out;

	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(proc_start(&p, argv, pipefd[1]), 0);
	close(pipefd[1]);
	while (len < 24 && read_some(pipefd[0], buf, sizeof(buf), &len, 5000) > 0)
		;
	assert_true(len >= 24); /* the header: bound and listening */
	assert_int_equal(frames_send("rc1", f, n), 0);
	while (read_some(pipefd[0], buf, sizeof(buf), &len, 5000) > 0)
		;
	close(pipefd[0]);
	assert_int_equal(proc_wait(&p, 5000), 0);
	out = fopen(c->out, "wb");
	fwrite(buf, 1, len, out);
	fclose(out);
	assert_pcap_frames(c->out, f, n, 1);
	assert_pcap_readers_agree(c->out, n);
	proc_free(&p);
	free(f);
}

/* Interfaces of two link types: -P refuses them (pcap holds one), pcapng
 * takes them and warns that libpcap's readers will not. */
static void test_pcap_one_linktype(void **state)
{
	struct ctx *c = *state;
	const char *pcap[] = { "ringcap", "-q", "-P", "-a", "duration:1", "-i", "rc0", "-i", "rctun",
			       "-w", c->out, NULL };
	const char *ng[] = { "ringcap", "-q", "-a", "duration:1", "-i", "rc0", "-i", "rctun",
			     "-w", c->out, NULL };
	struct proc p;

	assert_int_equal(netns_sh("ip tuntap add dev rctun mode tun && ip link set rctun up"), 0);
	assert_int_equal(run_ringcap(pcap, &p), 2);
	assert_non_null(strstr(p.err, "pcap holds one link type"));
	proc_free(&p);
	assert_int_equal(run_ringcap(ng, &p), 0);
	assert_non_null(strstr(p.err, "libpcap-based readers (tcpdump -r) refuse it"));
	proc_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, itest_setup, itest_teardown)
		T(test_frames_byte_for_byte),
		T(test_no_promisc),
		T(test_count_exact),
		T(test_duration),
		T(test_status_line_on_terminal),
		T(test_sigint_mid_traffic),
		T(test_sigterm_sighup),
		T(test_stdout_stream),
		T(test_closed_pipe),
		T(test_drops_are_recorded),
		T(test_two_interfaces),
		T(test_fanout_hash),
		T(test_fanout_lb),
		T(test_fanout_files),
		T(test_loopback_once),
		T(test_interface_removed),
		T(test_interface_down_up),
		T(test_bad_input),
		T(test_disk_full),
		T(test_disk_full_direct),
		T(test_tun_is_raw),
		T(test_list_interfaces),
		T(test_pcap_output),
		T(test_pcap_name_is_pcapng),
		T(test_pcap_stdout),
		T(test_pcap_one_linktype),
#undef T
	};

	return itest_main("capture", tests, sizeof(tests) / sizeof(tests[0]));
}
