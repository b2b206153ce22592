/* SPDX-License-Identifier: MIT */
/*
 * measure.c - runs one command and reports the CPU and peak memory of it
 * alone, the way the kernel accounted them.
 *
 * DESIGN: fork, exec, wait4(); the rusage of the reaped child is its own
 * user and system time and its peak RSS, with none of the shell's or
 * `ip netns exec`'s. /usr/bin/time would do the same but swallows SIGINT,
 * and a capture tool is stopped by SIGINT: here SIGINT and SIGTERM are
 * forwarded to the child. The child gets default dispositions back,
 * because a shell starts background jobs with SIGINT ignored, an ignored
 * signal stays ignored across exec, and the classic idiom (install a
 * handler only if the signal is not already ignored) would then leave a
 * tool deaf to SIGINT. (ringcap itself is fine either way: it blocks the
 * signals and reads them from a signalfd, and a blocked signal is queued
 * even when its disposition is SIG_IGN.)
 *
 * Usage: measure RESULT-FILE COMMAND [ARG]...
 * RESULT-FILE gets one line: "user_us sys_us maxrss_kib exit_status".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static void set_all(void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct rusage ru;
	int status;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: measure RESULT-FILE COMMAND [ARG]...\n");
		return 2;
	}
	set_all(forward);
	pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 1;
	}
	if (pid == 0) {
		set_all(SIG_DFL);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "measure: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("measure: wait4");
			return 1;
		}
	}
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	fprintf(out, "%ld %ld %ld %d\n",
		(long)ru.ru_utime.tv_sec * 1000000 + (long)ru.ru_utime.tv_usec,
		(long)ru.ru_stime.tv_sec * 1000000 + (long)ru.ru_stime.tv_usec,
		ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fclose(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
