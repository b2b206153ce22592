/* SPDX-License-Identifier: MIT */
/*
 * thread.c - see thread.h.
 */
#include "thread.h"

#include <signal.h>

int rc_thread_create(pthread_t *ret, void *(*fn)(void *), void *arg)
{
	static const int synchronous[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGSYS, SIGTRAP, SIGABRT };
	sigset_t mask, old;
	int r;

	sigfillset(&mask);
	for (unsigned i = 0; i < sizeof(synchronous) / sizeof(synchronous[0]); i++)
		sigdelset(&mask, synchronous[i]);
	/* The new thread inherits the mask in force at pthread_create. */
	pthread_sigmask(SIG_SETMASK, &mask, &old);
	r = -pthread_create(ret, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}
