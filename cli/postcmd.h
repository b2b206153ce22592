/* SPDX-License-Identifier: MIT */
/*
 * postcmd.h - the -z hook: run a command on each file once it is complete,
 * and remember which files were written, for the summary.
 */
#ifndef RINGCAP_CLI_POSTCMD_H
#define RINGCAP_CLI_POSTCMD_H

#include <limits.h>
#include <pthread.h>
#include <sys/types.h>

#define POSTCMD_TRACKED 64

struct postcmd {
	const char *cmd;          /* NULL: no -z, only the bookkeeping */
	pthread_mutex_t lock;     /* the writer thread adds, the capture thread reaps */
	struct {
		pid_t pid;
		char file[PATH_MAX];
	} running[POSTCMD_TRACKED];
	unsigned files_closed;
	char first_file[PATH_MAX];
	char last_file[PATH_MAX];
};

void postcmd_init(struct postcmd *pc, const char *cmd);
/* rc_writer_config.file_closed: starts "CMD FILE" without waiting. */
void postcmd_file_closed(void *ctx, const char *path);
/* Collects commands that finished, saying which failed. */
void postcmd_reap(void *ctx);
/* At exit: waits for every command still running. */
void postcmd_finish(struct postcmd *pc);

#endif
