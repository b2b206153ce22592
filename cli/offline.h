/* SPDX-License-Identifier: MIT */
/*
 * offline.h - -r FILE: packets from a capture file instead of interfaces,
 * through the same filter and the same writer.
 */
#ifndef RINGCAP_CLI_OFFLINE_H
#define RINGCAP_CLI_OFFLINE_H

#include <ringcap/writer.h>

#include "filter.h"
#include "options.h"

/* Reads o->read_file, keeps what the filter accepts, writes it with the
 * writer config out (its interfaces are the file's, added as they come).
 * Prints the summary; returns the exit status. */
int offline_run(const struct cli_options *o, const struct cli_filter *f,
		const struct rc_writer_config *out, const char *name);

#endif
