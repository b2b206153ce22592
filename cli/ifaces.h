/* SPDX-License-Identifier: MIT */
/*
 * ifaces.h - -i N, -y and -L: the command line against the system's
 * interfaces.
 */
#ifndef RINGCAP_CLI_IFACES_H
#define RINGCAP_CLI_IFACES_H

#include <stdbool.h>

#include <ringcap/engine.h>

#include "options.h"

/* rc_engine_list_interfaces, or a fixed list in the unit tests. */
typedef int (*cli_iface_lister)(rc_iface_fn fn, void *ctx);

/* Turns each all-digit -i N that names no interface into the N-th of -D's
 * list, and checks -y against the interfaces the command will use. Returns
 * 0, or the exit status (1, 2) after one line that names the problem. */
/* The interface capture falls back on without -i, as tcpdump's: the
 * first (in -D's order) that is up, running and not loopback. */
bool cli_iface_is_default(const struct rc_iface_info *info);
/* -y's name ("EN10MB", "LINUX_SLL2", case-insensitive) as a LINKTYPE_*,
 * or -EINVAL. */
int cli_linktype_by_name(const char *name);

int cli_ifaces_resolve(struct cli_options *o, cli_iface_lister list);

/* -L: prints, as tcpdump -L does, the link type of each -i interface (or
 * of the default one). Returns the exit status. */
int cli_ifaces_print_linktypes(const struct cli_options *o, cli_iface_lister list);

#endif
