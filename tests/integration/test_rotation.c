/* SPDX-License-Identifier: MIT */
/*
 * test_rotation.c - long captures: dumpcap-style ring buffers (-b), stop
 * conditions (-a), a full disk in ring mode, -z, --tee, periodic ISBs and
 * what SIGKILL leaves behind. The frames of all files together must be
 * exactly the frames sent, in order, none missing, none twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define MAX_FILES 64

struct file_set {
	size_t n;
	char names[MAX_FILES][PATH_MAX];
	struct tp_file files[MAX_FILES];
};

/* The set's files in name order (the number comes first), each parsed. */
static void load_set(const struct ctx *c, const char *glob_tail, struct file_set *s)
{
	char pattern[256];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/%s", c->dir, glob_tail);
	memset(s, 0, sizeof(*s));
	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc && i < MAX_FILES; i++) {
		snprintf(s->names[i], PATH_MAX, "%s", g.gl_pathv[i]);
		parse_ok(s->names[i], &s->files[i]);
		s->n++;
	}
	globfree(&g);
}

static void free_set(struct file_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		tp_free(&s->files[i]);
}

/* All files of the set hold f[first..first+n) between them, in order. */
static void assert_set_frames(const struct file_set *s, const struct frame *f, size_t first, size_t n)
{
	size_t k = first;

	for (size_t i = 0; i < s->n; i++) {
		const struct tp_file *t = &s->files[i];

		for (size_t e = 0; e < t->n_epb; e++, k++) {
			assert_true(k < first + n);
			assert_int_equal(t->epb[e].caplen, f[k].len);
			assert_memory_equal(t->epb[e].data, f[k].data, f[k].len);
		}
		/* Every file is complete on its own: it ends with ISBs. */
		assert_true(t->n_isb >= 1);
		assert_true(t->isb[t->n_isb - 1].usrdeliv >= t->n_epb);
	}
	assert_int_equal(k, first + n);
}

/* dumpcap's names: PREFIX_NNNNN_YYYYMMDDHHMMSS.pcapng, numbered from 1. */
static void assert_names(const struct ctx *c, const struct file_set *s, unsigned first_no)
{
	for (size_t i = 0; i < s->n; i++) {
		char want[128];
		const char *base = strrchr(s->names[i], '/') + 1;

		snprintf(want, sizeof(want), "out_%05u_", first_no + (unsigned)i);
		assert_memory_equal(base, want, strlen(want));
		assert_int_equal(strlen(base), strlen("out_00001_20261126093000.pcapng"));
	}
	(void)c;
}

/* Starts ringcap on a file set and waits for its first file's header. */
static void start_set(struct proc *p, const struct ctx *c, const char *const *argv)
{
	char pattern[256];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/out_00001_*", c->dir);
	assert_int_equal(proc_start(p, argv, -1), 0);
	for (int i = 0; i < 500; i++) {
		if (glob(pattern, 0, NULL, &g) == 0) {
			int r = wait_file_size(g.gl_pathv[0], 64, 5000);

			globfree(&g);
			assert_int_equal(r, 0);
			return;
		}
		sleep_ms(10);
	}
	proc_wait(p, 100);
	fail_msg("ringcap did not start: %s", p->err);
}

/* The local time in a name's _YYYYMMDDHHMMSS part, as seconds. */
static int64_t name_time(const char *name)
{
	struct tm tm = { 0 };
	const char *stamp = strrchr(name, '_') + 1;

	assert_non_null(strptime(stamp, "%Y%m%d%H%M%S", &tm));
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void send_spaced(const struct frame *f, size_t n, int gap_ms)
{
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(frames_send("rc1", &f[i], 1), 0);
		if (gap_ms)
			sleep_ms(gap_ms);
	}
}

/* One capture onto a file set: start, send (gap_ms between frames, or
 * all at once), stop with SIGINT (exit 0), load the files. */
static void capture_set(const struct ctx *c, const char *const *argv, const struct frame *f,
			size_t n, int gap_ms, struct proc *p, struct file_set *s)
{
	start_set(p, c, argv);
	if (gap_ms)
		send_spaced(f, n, gap_ms);
	else
		assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(stop_capture(p), 0);
	load_set(c, "out_*.pcapng", s);
}

static void test_rotate_packets(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "packets:10", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 45, 0);
	struct file_set s;
	struct proc p;

	capture_set(c, argv, f, n, 0, &p, &s);
	assert_int_equal(s.n, 5);
	assert_names(c, &s, 1);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(s.files[i].n_epb, 10);
	assert_set_frames(&s, f, 0, n);
	assert_non_null(strstr(p.err, "written to 5 files"));
	for (size_t i = 0; i < s.n; i++)
		assert_readers_agree(s.names[i], s.files[i].n_epb);
	free_set(&s);
	proc_free(&p);
	free(f);
}

/* kB of 1000 bytes as dumpcap counts them; a file is switched once it
 * reaches the size, so each but the last holds at least 20000 bytes and
 * at most one packet more. */
static void test_rotate_filesize(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "filesize:20", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 120, 0);
	struct file_set s;
	struct proc p;
	struct stat st;

	capture_set(c, argv, f, n, 0, &p, &s);
	assert_true(s.n >= 3);
	for (size_t i = 0; i + 1 < s.n; i++) {
		assert_int_equal(stat(s.names[i], &st), 0);
		assert_true(st.st_size >= 20000 && st.st_size < 20000 + 1600 + 400);
	}
	assert_set_frames(&s, f, 0, n);
	free_set(&s);
	proc_free(&p);
	free(f);
}

static void test_rotate_duration(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "duration:1", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 6, 0);
	struct file_set s;
	struct proc p;

	capture_set(c, argv, f, n, 450, &p, &s); /* ~2.7 s: three files */
	assert_true(s.n >= 3 && s.n <= 4);
	assert_names(c, &s, 1);
	assert_set_frames(&s, f, 0, n);
	free_set(&s);
	proc_free(&p);
	free(f);
}

/* interval: files switch on whole seconds of the clock, so the names of
 * the second and later files count up one second at a time. */
static void test_rotate_interval(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "interval:1", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 10, 0);
	struct file_set s;
	struct proc p;

	capture_set(c, argv, f, n, 250, &p, &s);
	assert_true(s.n >= 3);
	for (size_t i = 1; i < s.n; i++) {
		int64_t open_s = name_time(s.names[i]);
		const struct tp_file *prev = &s.files[i - 1], *t = &s.files[i];

		if (i >= 2)
			assert_int_equal(open_s - name_time(s.names[i - 1]), 1);
		/* The switch happened at open_s: packets before it are in the
		 * previous file, packets after it in this one. */
		if (prev->n_epb)
			assert_true(prev->epb[prev->n_epb - 1].ts < (uint64_t)open_s * 1000000000ull);
		if (t->n_epb)
			assert_true(t->epb[0].ts >= (uint64_t)open_s * 1000000000ull);
	}
	assert_set_frames(&s, f, 0, n);
	free_set(&s);
	proc_free(&p);
	free(f);
}

/* files:3 keeps exactly the newest three. */
static void test_ring_keeps_newest(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "packets:5",
			       "-b", "files:3", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 38, 0);
	struct file_set s;
	struct proc p;

	capture_set(c, argv, f, n, 0, &p, &s);
	assert_int_equal(s.n, 3);
	assert_names(c, &s, 6); /* files 1-5 were deleted */
	assert_set_frames(&s, f, 25, 13);
	free_set(&s);
	proc_free(&p);
	free(f);
}

static void run_until_stop(const struct ctx *c, const char *const *argv, struct frame *f,
			   size_t n, struct proc *p)
{
	start_set(p, c, argv);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(proc_wait(p, 5000), 0);
}

/* Each -a condition stops the capture where it should and the summary
 * names it in the words it was given. */
static void test_autostop(void **state)
{
	struct ctx *c = *state;
	const char *by_packets[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "packets:10",
				     "-a", "packets:23", NULL };
	const char *by_files[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "packets:5",
				   "-a", "files:2", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 40, 0);
	struct file_set s;
	struct proc p;

	run_until_stop(c, by_packets, f, n, &p);
	assert_non_null(strstr(p.err, "stopped: packets:23 reached\n"));
	load_set(c, "out_*.pcapng", &s);
	assert_int_equal(s.n, 3);
	assert_set_frames(&s, f, 0, 23);
	free_set(&s);
	proc_free(&p);
	netns_sh("rm -f %s/out_*", c->dir);

	run_until_stop(c, by_files, f, n, &p);
	assert_non_null(strstr(p.err, "stopped: files:2 reached\n"));
	load_set(c, "out_*.pcapng", &s);
	assert_int_equal(s.n, 2);
	assert_set_frames(&s, f, 0, 10);
	free_set(&s);
	proc_free(&p);
	free(f);
}

static void test_autostop_filesize(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-a", "filesize:10", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 60, 0);
	struct tp_file t;
	struct proc p;
	struct stat st;

	start_capture(&p, c, argv);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(proc_wait(&p, 5000), 0);
	assert_non_null(strstr(p.err, "stopped: filesize:10 reached\n"));
	assert_int_equal(stat(c->out, &st), 0);
	assert_true(st.st_size >= 10000 && st.st_size < 10000 + 1600 + 400);
	parse_ok(c->out, &t);
	assert_frames(&t, 0, f, t.n_epb, 0, UINT64_MAX);
	tp_free(&t);
	proc_free(&p);
	free(f);
}

/* Ring mode on a full disk (a small file system in a private mount
 * namespace: a 96 KiB tmpfs, or a 16 MiB ext4 image on a loop device,
 * written with direct I/O): ringcap deletes the oldest file, says so,
 * notes it in the file, and captures on; what is left reads cleanly and
 * ends with the last frame. */
static void disk_full_ring(struct ctx *c, const char *mount, size_t n, const char *filesize)
{
	struct frame *f;
	struct file_set s;
	char err[128];
	bool noted = false;

	frames_simple_set(&f, n, 0);
	snprintf(err, sizeof(err), "%s/err", c->dir);
	assert_int_equal(netns_sh(
		"unshare -m sh -c 'mkdir -p %s/small && %s && "
		"(%s -q -i rc0 -w %s/small/out.pcapng -b filesize:%s -b files:1000 2>%s & echo $! >%s/pid; "
		"wait $!; echo $? >%s/rc); cp %s/small/out_* %s/' &",
		c->dir, mount, getenv("RINGCAP"), c->dir, filesize, err, c->dir, c->dir, c->dir, c->dir), 0);
	assert_int_equal(wait_file_size(err, 0, 2000), 0);
	sleep_ms(500);
	for (size_t i = 0; i < n; i += 50) {
		assert_int_equal(frames_send("rc1", f + i, 50), 0);
		sleep_ms(n > 1000 ? 2 : 30);
	}
	sleep_ms(300);
	assert_int_equal(netns_sh("kill -INT $(cat %s/pid)", c->dir), 0);
	for (int i = 0; i < 300 && netns_sh("test -s %s/rc", c->dir) != 0; i++)
		sleep_ms(10);
	sleep_ms(200);
	assert_int_equal(netns_sh("grep -q '^0$' %s/rc", c->dir), 0);
	assert_int_equal(netns_sh("grep -q 'warning: disk full: deleted the oldest file .*out_00001_' %s", err), 0);
	assert_int_equal(netns_sh("grep -q 'warning: the disk holding .* is nearly full' %s", err), 0);
	load_set(c, "out_*.pcapng", &s);
	assert_true(s.n >= 2);
	for (size_t i = 0; i < s.n; i++)
		noted |= memmem(s.files[i].buf, s.files[i].len, "disk full: ringcap deleted", 26) != NULL;
	assert_true(noted);
	{ /* the newest file ends with the last frame sent */
		const struct tp_file *last = &s.files[s.n - 1];

		assert_true(last->n_epb > 0);
		assert_memory_equal(last->epb[last->n_epb - 1].data, f[n - 1].data, f[n - 1].len);
	}
	free_set(&s);
	free(f);
}

static void test_disk_full_ring(void **state)
{
	struct ctx *c = *state;
	char mount[256];

	snprintf(mount, sizeof(mount), "mount -t tmpfs -o size=96k tmpfs %s/small", c->dir);
	disk_full_ring(c, mount, 400, "20");
}

static void test_disk_full_ring_direct(void **state)
{
	struct ctx *c = *state;
	char mount[512];

	snprintf(mount, sizeof(mount), "truncate -s 16M %s/img && mkfs.ext4 -q -F -b 4096 %s/img && "
		 "mount -o loop %s/img %s/small", c->dir, c->dir, c->dir, c->dir);
	disk_full_ring(c, mount, 30000, "2000");
}

/* -z runs on every file once complete, the last one included. */
static void test_postrotate_command(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "packets:5",
			       "-z", "gzip", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 12, 0);
	struct proc p;

	start_set(&p, c, argv);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(stop_capture(&p), 0);
	assert_int_equal(netns_sh("test $(ls %s/out_*.pcapng.gz | wc -l) = 3", c->dir), 0);
	assert_int_equal(netns_sh("! ls %s/out_*.pcapng 2>/dev/null", c->dir), 0);
	assert_int_equal(netns_sh("gzip -t %s/out_*.gz && test $(zcat %s/out_00003_*.gz | "
				  "tshark -r - 2>/dev/null | wc -l) = 2", c->dir, c->dir), 0);
	proc_free(&p);
	free(f);
}

/* --tee -: a file ring and stdout at once; stdout is one continuous
 * section holding every frame, while the files hold them between them. */
static void test_tee_stdout(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "packets:7",
			       "--tee", "-", NULL };
	char stream[128];
	struct frame *f;
	size_t n = frames_simple_set(&f, 30, 0);
	struct file_set s;
	struct tp_file t;
	struct proc p;
	int fd;

	snprintf(stream, sizeof(stream), "%s/stream.pcapng", c->dir);
	fd = open(stream, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(proc_start(&p, argv, fd), 0);
	close(fd);
	assert_int_equal(wait_file_size(stream, 64, 5000), 0);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(stop_capture(&p), 0);
	parse_ok(stream, &t);
	assert_int_equal(t.n_shb, 1);
	assert_frames(&t, 0, f, n, 0, UINT64_MAX);
	assert_int_equal(t.isb[t.n_isb - 1].usrdeliv, n);
	tp_free(&t);
	assert_readers_agree(stream, n);
	load_set(c, "out_*.pcapng", &s);
	assert_int_equal(s.n, 5);
	assert_set_frames(&s, f, 0, n);
	free_set(&s);
	proc_free(&p);
	free(f);
}

/* SIGKILL mid-capture: no chance to finish, yet the file reads cleanly up
 * to its last whole block, and periodic ISBs (every second here) left
 * recent counters in it. Buffered, everything written is in the page
 * cache and survives; with direct I/O what reached the disk by the last
 * once-a-second sync does: the first 50 frames (1.5 s old), not the last
 * 50 (0.3 s old). */
static void sigkill_leaves_readable_file(struct ctx *c, const char *io, size_t want)
{
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "--stats-interval", "1",
			       "--io", io, NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 100, 0);
	struct proc p;
	struct tp_file t;

	start_capture(&p, c, argv);
	assert_int_equal(frames_send("rc1", f, 50), 0);
	sleep_ms(1500);
	assert_int_equal(frames_send("rc1", f + 50, 50), 0);
	sleep_ms(300);
	kill(p.pid, SIGKILL);
	assert_int_equal(proc_wait(&p, 5000), 128 + SIGKILL);
	parse_ok(c->out, &t);
	print_message("after SIGKILL (%s): %zu of %zu packets in the file, %u ISBs\n", io, t.n_epb, n,
		      t.n_isb);
	assert_int_equal(t.n_epb, want);
	assert_frames(&t, 0, f, want, 0, UINT64_MAX);
	assert_true(t.n_isb >= 1);
	assert_non_null(memmem(t.buf, t.len, "periodic statistics", 19));
	assert_int_equal(netns_sh("tshark -r %s >/dev/null 2>&1", c->out), 0);
	tp_free(&t);
	proc_free(&p);
	free(f);
}

static void test_sigkill_buffered(void **state)
{
	sigkill_leaves_readable_file(*state, "buffered", 100);
}

static void test_sigkill_direct(void **state)
{
	sigkill_leaves_readable_file(*state, "direct", 50);
}

/* -b files:3 with -z gzip: the ring keeps three files whatever gzip made
 * of them (their .gz), and the newest holds the last frames. */
static void test_ring_with_postcommand(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "packets:10",
			       "-b", "files:3", "-z", "gzip", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 85, 0);
	struct proc p;

	start_set(&p, c, argv);
	for (size_t i = 0; i < n; i += 5) {
		assert_int_equal(frames_send("rc1", f + i, n - i < 5 ? n - i : 5), 0);
		sleep_ms(40); /* gzip keeps up: each file is compressed before it falls out */
	}
	assert_int_equal(stop_capture(&p), 0);
	assert_int_equal(netns_sh("test $(ls %s/out_* | wc -l) = 3", c->dir), 0);
	assert_int_equal(netns_sh("test $(ls %s/out_*.pcapng.gz | wc -l) = 3", c->dir), 0);
	assert_int_equal(netns_sh("test $(zcat %s/out_00009_*.gz | tshark -r - 2>/dev/null | wc -l) = 5",
				  c->dir), 0);
	assert_int_equal(netns_sh("! grep -q 'cannot delete' %s/err 2>/dev/null", c->dir), 0);
	proc_free(&p);
	free(f);
}

/* Records in a classic pcap file that starts with the one header and
 * ends on a record boundary; -1 if it is not that. */
static long pcap_records(const char *path)
{
	FILE *in = fopen(path, "rb");
	uint8_t rec[16];
	uint32_t caplen, magic = 0;
	long n = 0, off = 24, size;

	if (!in || fseek(in, 0, SEEK_END) < 0 || (size = ftell(in)) < 24) {
		if (in)
			fclose(in);
		return -1;
	}
	rewind(in);
	if (fread(&magic, 4, 1, in) != 1 || magic != 0xA1B23C4D || fseek(in, 24, SEEK_SET) < 0) {
		fclose(in);
		return -1;
	}
	while (off + 16 <= size && fread(rec, 1, 16, in) == 16) {
		memcpy(&caplen, rec + 8, 4);
		off += 16 + (long)caplen;
		if (off > size || fseek(in, off, SEEK_SET) < 0)
			break;
		n++;
	}
	fclose(in);
	return off == size ? n : -1;
}

/* -P with -b packets:10 and --tee -: every file of the set is a pcap file
 * of its own (its own header, ten packets), the stream one continuous
 * pcap file with the header once; the readers count them all. */
static void test_rotate_pcap(void **state)
{
	struct ctx *c = *state;
	char out[128], stream[128], pattern[160];
	const char *argv[] = { "ringcap", "-q", "-P", "-i", "rc0", "-w", out, "-b", "packets:10",
			       "--tee", "-", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 45, 0);
	struct proc p;
	glob_t g;
	int fd;

	snprintf(out, sizeof(out), "%s/out.pcap", c->dir);
	snprintf(stream, sizeof(stream), "%s/stream.pcap", c->dir);
	snprintf(pattern, sizeof(pattern), "%s/out_*.pcap", c->dir);
	fd = open(stream, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(proc_start(&p, argv, fd), 0);
	close(fd);
	assert_int_equal(wait_file_size(stream, 24, 5000), 0);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(stop_capture(&p), 0);
	assert_non_null(strstr(p.err, "written to 5 files"));
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, 5);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		long want = i < 4 ? 10 : 5;

		assert_int_equal(pcap_records(g.gl_pathv[i]), want);
		assert_pcap_readers_agree(g.gl_pathv[i], (size_t)want);
	}
	globfree(&g);
	assert_int_equal(pcap_records(stream), (long)n);
	assert_pcap_readers_agree(stream, n);
	proc_free(&p);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, itest_setup, itest_teardown)
		T(test_rotate_packets),
		T(test_rotate_pcap),
		T(test_rotate_filesize),
		T(test_rotate_duration),
		T(test_rotate_interval),
		T(test_ring_keeps_newest),
		T(test_autostop),
		T(test_autostop_filesize),
		T(test_disk_full_ring),
		T(test_disk_full_ring_direct),
		T(test_postrotate_command),
		T(test_ring_with_postcommand),
		T(test_tee_stdout),
		T(test_sigkill_buffered),
		T(test_sigkill_direct),
#undef T
	};

	return itest_main("rotation", tests, sizeof(tests) / sizeof(tests[0]));
}
