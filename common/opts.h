/* SPDX-License-Identifier: MIT */
/*
 * opts.h - reading a versioned config struct (see ringcap/common.h) into
 * the library's own copy of it (private: not installed).
 */
#ifndef RINGCAP_COMMON_OPTS_H
#define RINGCAP_COMMON_OPTS_H

#include <stddef.h>

#include <ringcap/common.h>

/* Copies the caller's struct (whose first member is its size_t sz) into
 * dst, of the library's size: the fields the caller's struct lacks are
 * zero. Returns 0; -EINVAL if src is NULL or sz is smaller than the sz
 * member itself (not set: use RC_OPTS); -E2BIG if the caller's struct is
 * larger and a byte past the library's fields is not zero (an option this
 * library does not know). dst holds what fits either way, so the caller
 * can log through the hook the struct carries. */
int rc_opts_copy(void *dst, size_t dst_size, const void *src);
/* The one-line error for rc_opts_copy's r, naming the struct. */
void rc_opts_log_error(int r, const char *what, rc_log_fn log, void *log_ctx);

#endif
