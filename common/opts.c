/* SPDX-License-Identifier: MIT */
/*
 * opts.c - see opts.h. The check is libbpf's OPTS_VALID: a field appended
 * in a later version is allowed from an older library's point of view only
 * while it is zero, i.e. while it asks for the default the older library
 * gives anyway.
 */
#include "opts.h"

#include <errno.h>
#include <string.h>

#include "log.h"

int rc_opts_copy(void *dst, size_t dst_size, const void *src)
{
	const unsigned char *s = src;
	size_t sz;

	memset(dst, 0, dst_size);
	if (!src)
		return -EINVAL;
	memcpy(&sz, src, sizeof(sz));
	if (sz < sizeof(size_t))
		return -EINVAL;
	memcpy(dst, src, sz < dst_size ? sz : dst_size);
	for (size_t i = dst_size; i < sz; i++)
		if (s[i])
			return -E2BIG;
	return 0;
}

void rc_opts_log_error(int r, const char *what, rc_log_fn log, void *log_ctx)
{
	if (r == -E2BIG)
		rc_logf(log, log_ctx, RC_LOG_ERROR,
			"%s: has options this library (%s) does not know", what, rc_version());
	else if (r < 0)
		rc_logf(log, log_ctx, RC_LOG_ERROR, "%s: .sz is not set (declare it with RC_OPTS)", what);
}
