/* SPDX-License-Identifier: MIT */
/*
 * input.h - a capture file to read: pcap or pcapng, plain or gzip'd, a
 * path or '-' for stdin. For -r and for compare.
 */
#ifndef RINGCAP_CLI_INPUT_H
#define RINGCAP_CLI_INPUT_H

#include <sys/types.h>

#include <ringcap/reader.h>

struct cli_input {
	struct rc_reader *reader;
	pid_t gunzip;             /* the gzip -dc feeding it, or 0 */
};

/* Opens path; a gzip file (its magic, not its name) is read through
 * `gzip -dc`. Returns 0, or 1 after one line naming the file. */
int cli_input_open(const char *path, struct cli_input *ret);
/* Closes the reader and reaps gzip. */
void cli_input_close(struct cli_input *in);

#endif
