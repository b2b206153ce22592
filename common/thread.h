/* SPDX-License-Identifier: MIT */
/*
 * thread.h - how a library module starts a thread of its own (private:
 * not installed).
 */
#ifndef RINGCAP_COMMON_THREAD_H
#define RINGCAP_COMMON_THREAD_H

#include <pthread.h>

/* pthread_create, with the new thread blocking every asynchronous signal:
 * SIGINT and the like are the application's, to be taken by its threads,
 * and a write() they interrupt would only have to be resumed. The
 * synchronous ones stay open, so a fault or a seccomp SIGSYS reaches its
 * handler on the thread that caused it (blocked, the kernel would kill
 * the process without a word). Returns 0 or -errno. */
int rc_thread_create(pthread_t *ret, void *(*fn)(void *), void *arg);

#endif
