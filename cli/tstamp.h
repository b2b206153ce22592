/* SPDX-License-Identifier: MIT */
/*
 * tstamp.h - -J and -j: time stamp types, in pcap-tstamp(7)'s names.
 */
#ifndef RINGCAP_CLI_TSTAMP_H
#define RINGCAP_CLI_TSTAMP_H

#include <ringcap/common.h>

#include "options.h"

/* -J: prints the types ifname offers (in o->netns), as tcpdump -J. Returns
 * the exit status. */
int cli_tstamp_list(const struct cli_options *o, const char *ifname);
/* -j NAME: the type, or 2 after a line naming the known ones. */
int cli_tstamp_parse(const char *name, enum rc_tstamp_type *ret);

#endif
