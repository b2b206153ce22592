/* SPDX-License-Identifier: MIT */
/*
 * proc.c - see proc.h.
 */
#include "proc.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Processes started and not yet waited for: a test that fails half-way
 * must not leave a capture running in its (otherwise deleted) namespace. */
static pid_t running[64];

static void track(pid_t pid, bool add)
{
	for (unsigned i = 0; i < 64; i++) {
		if (add ? running[i] == 0 : running[i] == pid) {
			running[i] = add ? pid : 0;
			return;
		}
	}
}

void proc_kill_all(void)
{
	for (unsigned i = 0; i < 64; i++) {
		if (running[i] > 0) {
			kill(running[i], SIGKILL);
			waitpid(running[i], NULL, 0);
			running[i] = 0;
		}
	}
}

void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* $RINGCAP_WRAP (e.g. "valgrind --error-exitcode=99 -q") runs ringcap
 * under a checker: the tests then also show it clean. $RINGCAP_TEST_IO
 * (buffered, direct) runs every capture with that --io unless the test
 * chose one, so the suite covers both of the writer's paths. */
static void exec_ringcap(const char *bin, const char *const *argv)
{
	const char *wrap = getenv("RINGCAP_WRAP"), *io = getenv("RINGCAP_TEST_IO");
	char *words[72], *copy = strdup(wrap ? wrap : "");
	bool has_io = false;
	size_t n = 0;

	for (char *w = strtok(copy, " "); w && n < 40; w = strtok(NULL, " "))
		words[n++] = w;
	words[n++] = (char *)bin;
	for (size_t i = 1; argv[i] && n < 68; i++) {
		has_io |= strcmp(argv[i], "--io") == 0;
		words[n++] = (char *)argv[i];
	}
	/* Not for the subcommand or the listing, which take no --io. */
	if (io && *io && !has_io && argv[1] && strcmp(argv[1], "compare") != 0) {
		words[n++] = (char *)"--io";
		words[n++] = (char *)io;
	}
	words[n] = NULL;
	execvp(words[0], words);
}

int proc_start(struct proc *p, const char *const *argv, int out_fd)
{
	const char *bin = getenv("RINGCAP") ? getenv("RINGCAP") : "ringcap";
	int err_fd;

	memset(p, 0, sizeof(*p));
	snprintf(p->err_path, sizeof(p->err_path), "/tmp/rc-test-err-XXXXXX");
	err_fd = mkstemp(p->err_path);
	if (err_fd < 0)
		return -1;
	p->pid = fork();
	if (p->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		exec_ringcap(bin, argv);
		_exit(127);
	}
	close(err_fd);
	if (p->pid > 0)
		track(p->pid, true);
	return p->pid > 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	if (f && buf) {
		n = fread(buf, 1, 65535, f);
		buf[n] = 0;
	}
	if (f)
		fclose(f);
	return buf;
}

int proc_wait(struct proc *p, int timeout_ms)
{
	int st = 0;

	for (int waited = 0; waitpid(p->pid, &st, WNOHANG) == 0; waited += 10) {
		if (waited >= timeout_ms) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &st, 0);
			track(p->pid, false);
			p->err = slurp(p->err_path);
			return -1;
		}
		sleep_ms(10);
	}
	track(p->pid, false);
	p->err = slurp(p->err_path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void proc_free(struct proc *p)
{
	unlink(p->err_path);
	free(p->err);
	p->err = NULL;
}

int wait_file_size(const char *path, long min, int timeout_ms)
{
	struct stat st;

	for (int waited = 0; waited < timeout_ms; waited += 10) {
		if (stat(path, &st) == 0 && st.st_size >= min)
			return 0;
		sleep_ms(10);
	}
	return -1;
}
