/* SPDX-License-Identifier: MIT */
/*
 * test_privileges.c - least privilege, seen from outside: while ringcap
 * captures, /proc/PID/status shows the user -Z named, no capabilities in
 * any set, no_new_privs and a seccomp filter; the files of a ring belong
 * to that user and hold every frame sent; SIGINT still ends it with exit 0.
 * Without -Z the same, as root; --no-sandbox leaves only the filter out; an
 * unknown -Z user is refused before anything is captured.
 */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

#define NOBODY 65534u
#define MAX_FILES 16

/* /proc/PID/status line KEY, after the colon and the tab. */
static void status_line(pid_t pid, const char *key, char *ret, size_t size)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	ret[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t k = strlen(key);

		if (strncmp(line, key, k) == 0 && line[k] == ':') {
			snprintf(ret, size, "%s", line + k + 1 + strspn(line + k + 1, " \t"));
			ret[strcspn(ret, "\n")] = 0;
		}
	}
	fclose(f);
}

static void assert_status(pid_t pid, const char *key, const char *want)
{
	char got[128];

	status_line(pid, key, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("/proc/%d/status %s: '%s', want '%s'", (int)pid, key, got, want);
}

static void assert_no_caps(pid_t pid)
{
	static const char *const sets[] = { "CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd" };

	for (unsigned i = 0; i < 5; i++)
		assert_status(pid, sets[i], "0000000000000000");
}

static size_t glob_files(const struct ctx *c, char names[][PATH_MAX])
{
	char pattern[128];
	size_t n = 0;
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/out_*.pcapng", c->dir);
	if (glob(pattern, 0, NULL, &g) != 0)
		return 0;
	for (; n < g.gl_pathc && n < MAX_FILES; n++)
		snprintf(names[n], PATH_MAX, "%s", g.gl_pathv[n]);
	globfree(&g);
	return n;
}

static void start_ring(struct proc *p, const struct ctx *c, const char *const *argv)
{
	char names[MAX_FILES][PATH_MAX];

	assert_int_equal(proc_start(p, argv, -1), 0);
	for (int i = 0; i < 1000 && glob_files(c, names) == 0; i++)
		sleep_ms(10);
	if (glob_files(c, names) == 0 || wait_file_size(names[0], 64, 5000) < 0) {
		proc_wait(p, 100);
		fail_msg("ringcap did not start: %s", p->err);
	}
}

/* The ring's files, in order, hold exactly f[0..n), each owned by uid. */
static void assert_ring(const struct ctx *c, const struct frame *f, size_t n, uid_t uid)
{
	char names[MAX_FILES][PATH_MAX];
	size_t files = glob_files(c, names), k = 0;

	assert_true(files > 1);
	for (size_t i = 0; i < files; i++) {
		struct tp_file t;
		struct stat st;

		assert_int_equal(stat(names[i], &st), 0);
		assert_int_equal(st.st_uid, uid);
		parse_ok(names[i], &t);
		for (size_t e = 0; e < t.n_epb; e++, k++) {
			assert_true(k < n);
			assert_int_equal(t.epb[e].caplen, f[k].len);
			assert_memory_equal(t.epb[e].data, f[k].data, f[k].len);
		}
		assert_true(t.n_isb >= 1);
		tp_free(&t);
		assert_readers_agree(names[i], (size_t)(i + 1 < files ? 10 : n - 10 * i));
	}
	assert_int_equal(k, n);
}

static void capture_ring(const struct ctx *c, const char *const *argv, uid_t uid,
			 void (*check)(pid_t))
{
	struct frame *f;
	size_t n = frames_simple_set(&f, 35, 0);
	struct proc p;

	start_ring(&p, c, argv);
	check(p.pid);
	assert_int_equal(frames_send("rc1", f, n), 0);
	check(p.pid); /* still so after rotations */
	assert_int_equal(stop_capture(&p), 0);
	assert_ring(c, f, n, uid);
	assert_non_null(strstr(p.err, "written to 4 files"));
	proc_free(&p);
	free(f);
}

static void check_nobody(pid_t pid)
{
	assert_status(pid, "Uid", "65534\t65534\t65534\t65534");
	assert_status(pid, "Gid", "65534\t65534\t65534\t65534");
	assert_status(pid, "Groups", "65534 "); /* the kernel ends the list with a space */
	assert_no_caps(pid);
	assert_status(pid, "NoNewPrivs", "1");
	assert_status(pid, "Seccomp", "2");
}

static void check_root_sandboxed(pid_t pid)
{
	assert_status(pid, "Uid", "0\t0\t0\t0");
	assert_no_caps(pid);
	assert_status(pid, "NoNewPrivs", "1");
	assert_status(pid, "Seccomp", "2");
}

static void check_no_sandbox(pid_t pid)
{
	assert_no_caps(pid);
	assert_status(pid, "NoNewPrivs", "1");
	assert_status(pid, "Seccomp", "0");
}

/* -Z nobody: the directory must let nobody create and delete files. */
static void test_user_nobody(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-Z", "nobody", "-i", "rc0", "-w", c->out,
			       "-b", "packets:10", NULL };

	assert_int_equal(chmod(c->dir, 01777), 0);
	capture_ring(c, argv, NOBODY, check_nobody);
}

static void test_root_sandboxed(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "packets:10", NULL };

	capture_ring(c, argv, 0, check_root_sandboxed);
}

static void test_no_sandbox(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "--no-sandbox", "-i", "rc0", "-w", c->out,
			       "-b", "packets:10", NULL };

	capture_ring(c, argv, 0, check_no_sandbox);
}

/* -z runs under the filter too: gzip compresses every file of the ring. */
static void test_post_command_sandboxed(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-Z", "nobody", "-i", "rc0", "-w", c->out,
			       "-b", "packets:10", "-z", "gzip", NULL };
	char pattern[128];
	struct frame *f;
	size_t n = frames_simple_set(&f, 25, 0);
	struct proc p;
	glob_t g;

	assert_int_equal(chmod(c->dir, 01777), 0);
	start_ring(&p, c, argv);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(stop_capture(&p), 0);
	if (strstr(p.err, "failed"))
		fail_msg("-z under the filter: %s", p.err);
	snprintf(pattern, sizeof(pattern), "%s/out_*.pcapng.gz", c->dir);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, 3);
	globfree(&g);
	proc_free(&p);
	free(f);
}

/* A command that calls outside the filter dies alone, named; the capture
 * goes on (mkfifo's mknodat is no call of a capture's). */
static void test_post_command_denied(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-i", "rc0", "-w", c->out, "-b", "packets:10",
			       "-z", "mkfifo", NULL };
	struct frame *f;
	size_t n = frames_simple_set(&f, 25, 0);
	struct proc p;

	start_ring(&p, c, argv);
	assert_int_equal(frames_send("rc1", f, n), 0);
	assert_int_equal(stop_capture(&p), 0);
	if (!strstr(p.err, "-z mkfifo") || !strstr(p.err, "killed by the seccomp sandbox (SIGSYS)"))
		fail_msg("stderr: %s", p.err);
	assert_ring(c, f, n, 0);
	proc_free(&p);
	free(f);
}

static void test_unknown_user(void **state)
{
	struct ctx *c = *state;
	const char *argv[] = { "ringcap", "-q", "-Z", "no-such-user-rc", "-i", "rc0", "-w", c->out,
			       NULL };
	struct proc p;

	assert_int_equal(run_ringcap(argv, &p), 2);
	assert_non_null(strstr(p.err, "-Z no-such-user-rc: no such user"));
	assert_int_equal(access(c->out, F_OK), -1);
	proc_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_nobody, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_root_sandboxed, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_no_sandbox, itest_setup, itest_teardown),
		cmocka_unit_test_setup_teardown(test_post_command_sandboxed, itest_setup,
						itest_teardown),
		cmocka_unit_test_setup_teardown(test_post_command_denied, itest_setup,
						itest_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_user, itest_setup, itest_teardown),
	};

	return itest_main("privileges", tests, sizeof(tests) / sizeof(tests[0]));
}
