/* SPDX-License-Identifier: MIT */
/*
 * privs.h - -Z and the sandbox, from the command's side: the two calls
 * the capture makes, and the words for what goes wrong.
 */
#ifndef RINGCAP_CLI_PRIVS_H
#define RINGCAP_CLI_PRIVS_H

#include "options.h"

/* Once every socket is open and before the output is: becomes -Z USER,
 * drops every capability, sets no_new_privs, and (unless --no-sandbox)
 * enters the set-up filter. 0, or 1 (exit status) after saying why. */
int privs_drop(const struct cli_options *o);

/* Before the capture threads start (the writer thread runs already):
 * the capture filter, on every thread. 0, or 1 after saying why. */
int privs_confine(const struct cli_options *o);

#endif
