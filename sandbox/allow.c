/* SPDX-License-Identifier: MIT */
/*
 * allow.c - what a capture process may ask of the kernel once its sockets
 * are open: the allowlist the seccomp programs are built from.
 *
 * DESIGN: one entry per call, grouped by what needs it, the busiest first
 * (the program tests them in this order). A phase only ever removes calls
 * (until = the last phase that keeps it), because the kernel runs every
 * stacked filter and the strictest answer wins: a later phase cannot grant
 * back. Arguments are checked where a call is a door to something the
 * capture does not do: no socket() at all (the link checks,
 * rc_engine_check_link, ioctl on the packet sockets), ioctl() only reads
 * interface flags and terminal state, setsockopt() only attaches the drop-all filter
 * that stops intake (rc_engine_stop_intake).
 *
 * With RC_SANDBOX_F_EXEC the post-rotation command (-z) may start; it
 * inherits the filter across execve (seccomp filters are never dropped),
 * so the exec group holds what a dynamically linked compressor and a small
 * /bin/sh script around one make at start-up and while working (strace of
 * gzip, xz, and sh -c 'gzip "$1" && mv ...'; gzip is in the tests). A command that needs more dies of SIGSYS
 * on its own; the capture goes on and says so.
 *
 * Runtimes are in too: ASan and LSan (readlink of /proc/self/exe,
 * sched_getaffinity, sigaltstack, prctl PR_GET_DUMPABLE...), TSan and
 * valgrind, so the sanitizer and valgrind runs of the suite test the
 * filter that ships rather than a weaker one.
 */
#include "sandbox_internal.h"

#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#if SB_ASAN
/* LSan makes the process dumpable for its tracer, and back (see SB_ASAN) */
#define ASAN_PRCTL PR_SET_PTRACER, PR_SET_PDEATHSIG, PR_SET_DUMPABLE
#else
#define ASAN_PRCTL 0
#endif

#define P_SETUP RC_SANDBOX_PHASE_SETUP
#define P_ALL RC_SANDBOX_PHASE_CAPTURE

#define ANY(n) { .name = n, .until = P_ALL }
#define SETUP(n) { .name = n, .until = P_SETUP }
#define EXEC(n) { .name = n, .until = P_ALL, .exec = true }

const struct sb_allow sb_allowlist[] = {
	/* The capture's steady state: the writer, the loops, the stats. */
	ANY("futex"), ANY("writev"), ANY("poll"), ANY("ppoll"), ANY("read"), ANY("write"),
	ANY("getsockopt"), ANY("clock_gettime"), ANY("pwritev"), ANY("pwrite64"),
	ANY("pwritev2"), ANY("readv"), ANY("pread64"), ANY("preadv"), ANY("preadv2"),
	ANY("clock_nanosleep"), ANY("nanosleep"), ANY("gettimeofday"), ANY("time"),
	ANY("clock_getres"), ANY("sched_yield"), ANY("restart_syscall"),
	/* Memory (malloc, thread stacks, the writer's buffers). */
	ANY("mmap"), ANY("munmap"), ANY("mprotect"), ANY("madvise"), ANY("mremap"), ANY("brk"),
	/* Rotation: the next file, the ring's oldest file gone, a full disk
	 * cut back, the free-space check. */
	ANY("openat"), ANY("open"), ANY("close"), ANY("lseek"), ANY("fallocate"),
	ANY("ftruncate"), ANY("fsync"), ANY("fdatasync"), ANY("fstatfs"), ANY("statfs"),
	ANY("fstat"), ANY("newfstatat"), ANY("stat"), ANY("lstat"), ANY("statx"),
	ANY("unlinkat"), ANY("unlink"), ANY("renameat"), ANY("renameat2"), ANY("rename"),
	ANY("fcntl"), ANY("getdents64"), ANY("getdents"), ANY("readlink"), ANY("readlinkat"),
	ANY("fadvise64"),
	/* Signals: the stop signals come through a signalfd; the SIGSYS
	 * handler re-raises with tgkill. */
	ANY("rt_sigreturn"), ANY("rt_sigprocmask"), ANY("rt_sigaction"), ANY("sigaltstack"),
	ANY("rt_sigtimedwait"), ANY("tgkill"), ANY("getpid"), ANY("gettid"), SETUP("signalfd4"),
	SETUP("signalfd"),
	/* Threads (capture threads start after the capture filter is in)
	 * and the wake-ups between them; children are reaped by wait4. */
	ANY("clone"), ANY("clone3"), ANY("set_robust_list"), ANY("rseq"), ANY("eventfd2"),
	ANY("eventfd"), ANY("sched_getaffinity"), ANY("exit"), ANY("exit_group"), ANY("wait4"),
	ANY("waitid"), ANY("membarrier"),
	/* Harmless questions glibc and the sanitizers ask. */
	ANY("getuid"), ANY("geteuid"), ANY("getgid"), ANY("getegid"), ANY("getppid"),
	ANY("getpgrp"), ANY("getresuid"), ANY("getresgid"), ANY("getgroups"), ANY("uname"), ANY("prlimit64"),
	ANY("getrlimit"), ANY("getrandom"), ANY("sysinfo"), ANY("getcwd"),
	/* The output set-up: stdout duplicated for -w - and --tee. */
	SETUP("dup"),
	/* Link checks ioctl on the packet sockets themselves (so they answer
	 * for the sockets' namespace): no socket() is needed any more. */
	{ .name = "ioctl", .until = P_ALL, .n_conds = 1, .conds = {
		{ .arg = 1, .n_values = 8, .values = { SIOCGIFFLAGS, SIOCGIFNAME, SIOCGIFINDEX,
			SIOCGIFHWADDR, TCGETS, TIOCGWINSZ, TIOCGPGRP, FIONREAD } } } },
	/* Stop: the drop-all filter on each socket. */
	{ .name = "setsockopt", .until = P_ALL, .n_conds = 2, .conds = {
		{ .arg = 1, .n_values = 1, .values = { SOL_SOCKET } },
		{ .arg = 2, .n_values = 1, .values = { SO_ATTACH_FILTER } } } },
	/* Reads and names only: no PR_SET_DUMPABLE (it would let another
	 * process of this user ptrace the sockets out), no capability calls. */
	{ .name = "prctl", .until = P_ALL, .n_conds = 1, .conds = {
		{ .arg = 0, .n_values = 6 + 3 * SB_ASAN, .values = { PR_GET_DUMPABLE, PR_SET_NAME,
			PR_GET_NAME, PR_SET_VMA, PR_GET_NO_NEW_PRIVS, PR_SET_SECCOMP, ASAN_PRCTL } } } },
#if SB_ASAN
	ANY("ptrace"),
#endif
	/* The next phase's filter goes on top of this one; the last phase
	 * has no next. */
	{ .name = "seccomp", .until = P_SETUP, .n_conds = 1, .conds = {
		{ .arg = 0, .n_values = 1, .values = { SECCOMP_SET_MODE_FILTER } } } },
	/* -z: start the command, and what it runs on. */
	EXEC("execve"), EXEC("vfork"), EXEC("fork"), EXEC("arch_prctl"),
	EXEC("set_tid_address"), EXEC("access"), EXEC("faccessat"), EXEC("faccessat2"),
	EXEC("fchown"), EXEC("fchmod"), EXEC("fchownat"), EXEC("fchmodat"), EXEC("utimensat"),
	EXEC("dup2"), EXEC("dup3"), EXEC("pipe"), EXEC("pipe2"), EXEC("umask"), EXEC("chdir"),
	EXEC("fchdir"), EXEC("mkdirat"), EXEC("mkdir"), EXEC("setpgid"), EXEC("getpgid"),
	EXEC("copy_file_range"), EXEC("sendfile"), EXEC("kill"),
	/* valgrind reads an executable's security.capability before execve */
	EXEC("getxattr"), EXEC("lgetxattr"), EXEC("fgetxattr"),
};

const size_t sb_n_allow = sizeof(sb_allowlist) / sizeof(sb_allowlist[0]);
