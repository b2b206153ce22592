/* SPDX-License-Identifier: MIT */
/*
 * compare_cmd.h - `ringcap compare A B [--json] [--window MS]
 * [--annotate OUT.pcapng]`.
 */
#ifndef RINGCAP_CLI_COMPARE_CMD_H
#define RINGCAP_CLI_COMPARE_CMD_H

/* argv[0] is "compare". Returns the exit status: 0 when the comparison
 * ran, whatever it found; 2 for bad usage or an unreadable input; 1 when
 * the annotated file cannot be written. */
int compare_main(int argc, char **argv);

#endif
