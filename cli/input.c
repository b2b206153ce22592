/* SPDX-License-Identifier: MIT */
/*
 * input.c - see input.h.
 *
 * DESIGN: gzip'd captures (what -z gzip makes) are read through the
 * system's gzip, spawned with its output on a pipe that the reader
 * streams: the Unix way, and no inflater (or zlib) in the product. The
 * file is recognised by its first two bytes, 1f 8b, so a .gz name is
 * not needed and a plain file named .gz still reads.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

extern char **environ;

static int input_is_gzip(const char *path)
{
	unsigned char m[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC), gz;

	if (fd < 0)
		return -errno;
	gz = read(fd, m, 2) == 2 && m[0] == 0x1f && m[1] == 0x8b;
	close(fd);
	return gz;
}

/* gzip -dc PATH on a pipe; returns the read end. */
static int input_gunzip(const char *path, pid_t *ret_pid)
{
	char *argv[] = { (char *)"gzip", (char *)"-dc", (char *)path, NULL };
	posix_spawn_file_actions_t fa;
	int p[2], r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	r = -posix_spawnp(ret_pid, "gzip", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		return r;
	}
	return p[0];
}

int cli_input_open(const char *path, struct cli_input *ret)
{
	int gz = strcmp(path, "-") == 0 ? 0 : input_is_gzip(path), fd, r;

	*ret = (struct cli_input){ 0 };
	if (gz < 0) {
		report_line("%s: cannot open: %s", path, strerror(-gz));
		return 1;
	}
	if (!gz) {
		r = rc_reader_open(path, &ret->reader);
	} else if ((fd = input_gunzip(path, &ret->gunzip)) < 0) {
		r = fd;
	} else {
		r = rc_reader_open_fd(fd, &ret->reader);
	}
	if (r < 0) {
		report_line("%s: cannot open%s: %s", path, gz ? " (through gzip -dc)" : "", strerror(-r));
		cli_input_close(ret);
		return 1;
	}
	return 0;
}

void cli_input_close(struct cli_input *in)
{
	int st;

	rc_reader_close(in->reader);
	in->reader = NULL;
	/* The reader closed the pipe: a gzip not done yet gets SIGPIPE. */
	if (in->gunzip > 0)
		waitpid(in->gunzip, &st, 0);
	in->gunzip = 0;
}
