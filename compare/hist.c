/* SPDX-License-Identifier: MIT */
/*
 * hist.c - delay histogram: median and p99 of millions of delays in a
 * fixed 58 KB.
 *
 * DESIGN: log-linear buckets as in HdrHistogram: values below 128 ns each
 * have a bucket, above that every power of two is cut into 128 steps, so
 * a quantile is off by less than 1/128 of its value. Keeping every delay
 * for an exact median would make memory follow the file size.
 */
#include "compare_internal.h"

#define SUB_BITS 7
#define SUB (1 << SUB_BITS)

static unsigned bucket_of(uint64_t v)
{
	unsigned e;

	if (v < SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);
	return SUB + (e - SUB_BITS) * SUB + (unsigned)((v >> (e - SUB_BITS)) & (SUB - 1));
}

/* The middle of the bucket's range. */
static int64_t value_of(unsigned b)
{
	unsigned e;
	uint64_t lo;

	if (b < SUB)
		return b;
	e = (b - SUB) / SUB + SUB_BITS;
	lo = (uint64_t)(SUB + (b - SUB) % SUB) << (e - SUB_BITS);
	return (int64_t)(lo + (1ull << (e - SUB_BITS)) / 2);
}

/* Delays are magnitudes; a negative one (clock estimate off by more than
 * the delay) is counted as its size. */
void cmp_hist_add(struct cmp_hist *h, int64_t v)
{
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	if (m > INT64_MAX)
		m = INT64_MAX;
	if (!h->n || (int64_t)m < h->min)
		h->min = (int64_t)m;
	if (!h->n || (int64_t)m > h->max)
		h->max = (int64_t)m;
	h->b[bucket_of(m)]++;
	h->n++;
}

int64_t cmp_hist_quantile(const struct cmp_hist *h, double q)
{
	uint64_t rank = (uint64_t)(q * (double)h->n), seen = 0;

	if (!h->n)
		return 0;
	if (rank >= h->n)
		rank = h->n - 1;
	for (unsigned b = 0; b < CMP_HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen > rank) {
			int64_t v = value_of(b);

			return v < h->min ? h->min : v > h->max ? h->max : v;
		}
	}
	return h->max;
}
