/* SPDX-License-Identifier: MIT */
/*
 * version.c - rc_version(): the version meson was given, so the command and
 * an embedder report the same string.
 */
#include <ringcap/common.h>

const char *rc_version(void)
{
	return RC_VERSION_STRING;
}
