/* SPDX-License-Identifier: MIT */
/*
 * postcmd.c - see postcmd.h.
 *
 * DESIGN: the command starts with posix_spawnp from the writer thread, so
 * closing a file never waits for gzip; it is reaped on the capture thread's
 * one-second tick. The child gets a clean signal state: ringcap blocks its
 * stop signals (they arrive through a signalfd) and ignores SIGPIPE, and a
 * child must not inherit either. ringcap starts no other children, so
 * waitpid(-1) reaps only these. The command runs under ringcap's seccomp
 * filter (it is inherited across execve), so a SIGSYS death is named as
 * the sandbox's doing.
 */
#include "postcmd.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "report.h"

extern char **environ;

void postcmd_init(struct postcmd *pc, const char *cmd)
{
	memset(pc, 0, sizeof(*pc));
	pc->cmd = cmd;
	pthread_mutex_init(&pc->lock, NULL);
}

static pid_t postcmd_spawn(const char *cmd, const char *path)
{
	char *argv[] = { (char *)cmd, (char *)path, NULL };
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	pid_t pid;
	int r;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = posix_spawnp(&pid, cmd, NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	return r == 0 ? pid : -r;
}

void postcmd_file_closed(void *ctx, const char *path)
{
	struct postcmd *pc = ctx;
	pid_t pid;

	pthread_mutex_lock(&pc->lock);
	if (!pc->files_closed++)
		snprintf(pc->first_file, sizeof(pc->first_file), "%s", path);
	snprintf(pc->last_file, sizeof(pc->last_file), "%s", path);
	if (pc->cmd) {
		pid = postcmd_spawn(pc->cmd, path);
		if (pid < 0)
			report_line("warning: -z %s %s: %s", pc->cmd, path, strerror((int)-pid));
		for (unsigned i = 0; pid > 0 && i < POSTCMD_TRACKED; i++) {
			if (!pc->running[i].pid) {
				pc->running[i].pid = pid;
				snprintf(pc->running[i].file, PATH_MAX, "%s", path);
				break;
			}
		}
	}
	pthread_mutex_unlock(&pc->lock);
}

static void postcmd_collect(struct postcmd *pc, int flags)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, flags)) > 0) {
		const char *file = "a file";

		pthread_mutex_lock(&pc->lock);
		for (unsigned i = 0; i < POSTCMD_TRACKED; i++) {
			if (pc->running[i].pid == pid) {
				pc->running[i].pid = 0;
				file = pc->running[i].file;
			}
		}
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
			report_line("warning: -z %s %s: killed by the seccomp sandbox (SIGSYS): "
				    "it made a system call a capture does not allow "
				    "(--no-sandbox lets it run)", pc->cmd, file);
		else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			report_line("warning: -z %s %s failed (%s %d)", pc->cmd, file,
				    WIFEXITED(st) ? "exit status" : "signal",
				    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		pthread_mutex_unlock(&pc->lock);
	}
}

void postcmd_reap(void *ctx)
{
	postcmd_collect(ctx, WNOHANG);
}

void postcmd_finish(struct postcmd *pc)
{
	if (pc->cmd)
		postcmd_collect(pc, 0);
	pthread_mutex_destroy(&pc->lock);
}
