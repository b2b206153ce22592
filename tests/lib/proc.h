/* SPDX-License-Identifier: MIT */
/*
 * proc.h - runs the ringcap binary under test and waits for it.
 */
#ifndef RINGCAP_TESTS_PROC_H
#define RINGCAP_TESTS_PROC_H

#include <stddef.h>
#include <sys/types.h>

struct proc {
	pid_t pid;
	char err_path[64];   /* its stderr, kept for assertions */
	char *err;           /* filled by proc_wait */
};

/* Starts argv (argv[0] "ringcap" is replaced by $RINGCAP); stdout goes to
 * out_fd, or /dev/null when out_fd < 0. */
int proc_start(struct proc *p, const char *const *argv, int out_fd);
/* Waits up to timeout_ms; returns the exit status, or -1 after killing a
 * process that overran (by its PID, never by name). */
int proc_wait(struct proc *p, int timeout_ms);
void proc_free(struct proc *p);
/* SIGKILLs (by PID) every process started here and not yet waited for. */
void proc_kill_all(void);
/* Waits until path holds at least min bytes (ringcap writes its SHB and
 * IDBs once its sockets are bound). 0 or -1 on timeout. */
int wait_file_size(const char *path, long min, int timeout_ms);
void sleep_ms(int ms);

#endif
