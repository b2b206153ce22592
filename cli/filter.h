/* SPDX-License-Identifier: MIT */
/*
 * filter.h - the capture filter on the command line: its text (trailing
 * arguments, -f or -F), compiling it, and -d/-dd/-ddd.
 */
#ifndef RINGCAP_CLI_FILTER_H
#define RINGCAP_CLI_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

struct rc_filter;

struct cli_filter {
	char *text;               /* NULL: no filter */
	struct rc_filter *prog;   /* NULL: no filter */
	uint32_t linktype;        /* the framing it was compiled for */
};

/* Builds the text and compiles it for linktype's framing (with -r only
 * the text: the file's link types decide); returns 0, or an exit status
 * after printing one line (2 for a bad expression or an unreadable -F
 * file). */
int cli_filter_prepare(const struct cli_options *o, uint32_t linktype, struct cli_filter *ret);
/* Prints the program as -d (1), -dd (2) or -ddd (3); returns the exit
 * status. */
int cli_filter_dump(const struct cli_options *o, const struct cli_filter *f);
void cli_filter_release(struct cli_filter *f);
/* One line for rc_filter_compile's failure r, after where ("" or a
 * "FILE: interface N: " context). */
struct rc_filter_error;
void cli_filter_report(int r, const struct rc_filter_error *err, uint32_t linktype,
		       const char *where);

#endif
