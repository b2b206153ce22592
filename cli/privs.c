/* SPDX-License-Identifier: MIT */
/*
 * privs.c - see privs.h.
 *
 * DESIGN: the sandbox library does the work; this file only chooses its
 * configuration from the flags (-Z, --no-sandbox, and -z, whose command
 * needs exec) and puts its errors into words. A denied system call later
 * is reported by the library's SIGSYS handler, with the prefix and hint
 * set here, because by then nothing else can run.
 */
#include "privs.h"

#include <errno.h>
#include <string.h>

#include <ringcap/sandbox.h>

#include "report.h"

static struct rc_sandbox_config privs_config(const struct cli_options *o)
{
	return (struct rc_sandbox_config){
		.sz = sizeof(struct rc_sandbox_config),
		.user = o->user,
		.flags = o->post_cmd ? RC_SANDBOX_F_EXEC : 0,
		.trap_prefix = "ringcap",
		.trap_hint = "; a bug: please report it (--no-sandbox runs without the filter)",
		.log = report_log,
	};
}

int privs_drop(const struct cli_options *o)
{
	struct rc_sandbox_config c = privs_config(o);
	int r = rc_sandbox_drop(&c);

	if (r == -EPERM && o->user) {
		report_line("-Z %s: cannot switch to this user: needs root (CAP_SETUID and CAP_SETGID)",
			    o->user);
		return 1;
	}
	if (r < 0) {
		if (r != -ENOENT) /* the library's log named the user */
			report_line("cannot drop privileges: %s", strerror(-r));
		return 1;
	}
	if (!o->no_sandbox && (r = rc_sandbox_enter(&c, RC_SANDBOX_PHASE_SETUP)) < 0) {
		report_line("cannot enter the seccomp sandbox: %s (--no-sandbox runs without it)",
			    strerror(-r));
		return 1;
	}
	return 0;
}

int privs_confine(const struct cli_options *o)
{
	struct rc_sandbox_config c = privs_config(o);
	int r;

	if (o->no_sandbox)
		return 0;
	r = rc_sandbox_enter(&c, RC_SANDBOX_PHASE_CAPTURE);
	if (r < 0) {
		report_line("cannot enter the seccomp sandbox: %s (--no-sandbox runs without it)",
			    strerror(-r));
		return 1;
	}
	return 0;
}
