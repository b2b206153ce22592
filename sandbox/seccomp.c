/* SPDX-License-Identifier: MIT */
/*
 * seccomp.c - installs a phase's filter on every thread, and the SIGSYS
 * handler that turns a denied call into one line and a dead process.
 *
 * DESIGN: SECCOMP_FILTER_FLAG_TSYNC rather than "install before any thread
 * exists": the writer thread is already running when the capture phase
 * begins, and sanitizer runtimes may own threads the embedder never made;
 * TSYNC puts the filter on all of them or fails naming the thread that
 * could not take it, so no thread is left unfiltered by accident. Threads
 * created afterwards inherit the filter from their creator.
 *
 * Denied calls answer SECCOMP_RET_TRAP, not KILL_PROCESS, so the process
 * can say which call it was: the kernel's SIGSYS carries si_syscall and
 * si_arch. The handler writes its line with write(2), then puts SIGSYS
 * back to its default action and unblocks it with raw system calls (an
 * interposed sigaction, as TSan's, would otherwise keep its own handler
 * installed in the kernel) and re-raises it: the default action of SIGSYS
 * ends the whole thread group at once, with the status a shell shows as
 * "Bad system call", and the kernel's audit log has a SECCOMP record with
 * the call's number as well (the filter is installed with
 * SECCOMP_FILTER_FLAG_LOG, without which traps are not audited). A program started under the filter (-z)
 * has the default SIGSYS action from execve on, so it dies the same way,
 * without the line.
 */
#include "sandbox_internal.h"

#include "opts.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/* Process-wide, as the SIGSYS disposition they serve is: the one piece of
 * global state in the library, set before the handler can run. */
static const char *trap_prefix;
static const char *trap_hint;

static size_t trap_put(char *buf, size_t at, size_t size, const char *s)
{
	while (*s && at < size)
		buf[at++] = *s++;
	return at;
}

static size_t trap_put_int(char *buf, size_t at, size_t size, int v)
{
	char digits[12];
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
	size_t n = 0;

	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10) && n < sizeof(digits));
	if (v < 0 && at < size)
		buf[at++] = '-';
	while (n && at < size)
		buf[at++] = digits[--n];
	return at;
}

/* Every call here is async-signal-safe and on the allowlist. */
static void trap_on_sigsys(int sig, siginfo_t *si, void *uc)
{
	/* The kernel's struct sigaction, all zero: SIG_DFL, no flags. */
	unsigned long dfl[4] = { 0 };
	unsigned long unblock = 1ul << (SIGSYS - 1);
	char line[256];
	size_t n = 0, cap = sizeof(line) - 1; /* room for the newline */

	(void)uc;
	if (trap_prefix) {
		const char *name = rc_sandbox_syscall_name(si->si_arch, si->si_syscall);

		n = trap_put(line, n, cap, trap_prefix);
		n = trap_put(line, n, cap, ": seccomp: denied syscall ");
		n = trap_put_int(line, n, cap, si->si_syscall);
		n = trap_put(line, n, cap, " (");
		n = trap_put(line, n, cap, name ? name : "unknown");
		n = trap_put(line, n, cap, ")");
		if (trap_hint)
			n = trap_put(line, n, cap, trap_hint);
		line[n++] = '\n';
		(void)!write(STDERR_FILENO, line, n);
	}
	syscall(SYS_rt_sigaction, sig, dfl, NULL, sizeof(unblock));
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &unblock, NULL, sizeof(unblock));
	syscall(SYS_tgkill, syscall(SYS_getpid), syscall(SYS_gettid), sig);
	syscall(SYS_exit_group, 128 + sig); /* not reached */
}

static int seccomp_install_trap(const struct rc_sandbox_config *c)
{
	struct sigaction sa = { .sa_sigaction = trap_on_sigsys, .sa_flags = SA_SIGINFO };

	trap_prefix = c->trap_prefix;
	trap_hint = c->trap_hint;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -errno;
	return 0;
}

/* Valgrind does not implement seccomp(2) (it answers ENOSYS; so do
 * kernels before 3.17), but passes prctl(PR_SET_SECCOMP) through, which
 * filters the calling thread and the threads it creates later, not the
 * ones already running. In the set-up phase there are none; in the
 * capture phase the writer thread keeps the set-up filter, a superset. */
static long seccomp_install_no_tsync(const struct rc_sandbox_config *c, const struct sock_fprog *prog)
{
	rc_logf(c->log, c->log_ctx, RC_LOG_DEBUG,
		"seccomp: no seccomp(2) here; this thread and its future threads only");
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0);
}

int rc_sandbox_enter(const struct rc_sandbox_config *c, enum rc_sandbox_phase phase)
{
	struct rc_sandbox_config cfg = { 0 };
	struct sock_filter insns[RC_SANDBOX_MAX_INSNS];
	struct sock_fprog prog = { .filter = insns };
	size_t len;
	long r = c ? rc_opts_copy(&cfg, sizeof(cfg), c) : 0;

	if (r < 0) {
		rc_opts_log_error((int)r, "rc_sandbox_config", cfg.log, cfg.log_ctx);
		return (int)r;
	}
	c = &cfg;
	r = rc_sandbox_build(phase, c->flags, insns, RC_SANDBOX_MAX_INSNS, &len);
	if (r < 0)
		return (int)r;
	prog.len = (unsigned short)len;
	r = seccomp_install_trap(c);
	if (r < 0)
		return (int)r;
	/* Without CAP_SYS_ADMIN the kernel takes a filter only from a task
	 * that can no longer gain privileges by execve. */
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* FLAG_LOG: the kernel audits a trapped call only when asked to
	 * (it always audits kills); before 4.14 it does not know the flag. */
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG, &prog);
	if (r < 0 && errno == EINVAL)
		r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
	if (r < 0 && errno == ENOSYS)
		r = seccomp_install_no_tsync(c, &prog);
	if (r < 0) {
		r = -errno;
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "seccomp: cannot install the %s filter: %s",
			phase == RC_SANDBOX_PHASE_SETUP ? "set-up" : "capture", strerror((int)-r));
		return r == -EFAULT ? -EINVAL : (int)r;
	}
	if (r > 0) {
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR,
			"seccomp: thread %ld has a filter of its own; nothing installed", r);
		return -ESRCH;
	}
	rc_logf(c->log, c->log_ctx, RC_LOG_DEBUG, "seccomp: %s filter installed (%zu instructions)",
		phase == RC_SANDBOX_PHASE_SETUP ? "set-up" : "capture", len);
	return 0;
}
