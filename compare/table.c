/* SPDX-License-Identifier: MIT */
/*
 * table.c - a hash table from 64-bit keys to three 64-bit values.
 *
 * DESIGN: keys are already hashes, so a slot is the key's low bits.
 * Linear probing with backward-shift deletion, not tombstones: the
 * matcher deletes as often as it inserts (every packet leaves the window)
 * and tombstones would fill the table. It doubles at half full and never
 * shrinks: its size follows the fullest window, which is the bound the
 * comparison promises. cmp_grow() is the same doubling for the arrays
 * the other parts keep.
 */
#include "compare_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define INITIAL_SLOTS 1024

static size_t home(const struct cmp_table *t, uint64_t key)
{
	return (size_t)(key ^ key >> 32) & t->mask;
}

int cmp_table_init(struct cmp_table *t)
{
	t->s = calloc(INITIAL_SLOTS, sizeof(*t->s));
	t->mask = INITIAL_SLOTS - 1;
	t->used = 0;
	return t->s ? 0 : -ENOMEM;
}

void cmp_table_free(struct cmp_table *t)
{
	free(t->s);
	t->s = NULL;
}

struct cmp_slot *cmp_table_find(const struct cmp_table *t, uint64_t key)
{
	for (size_t i = home(t, key);; i = (i + 1) & t->mask) {
		if (!t->s[i].used)
			return NULL;
		if (t->s[i].key == key)
			return &t->s[i];
	}
}

static int table_grow(struct cmp_table *t)
{
	struct cmp_table n = { .mask = t->mask * 2 + 1, .used = t->used };

	n.s = calloc(n.mask + 1, sizeof(*n.s));
	if (!n.s)
		return -ENOMEM;
	for (size_t i = 0; i <= t->mask; i++) {
		size_t j = home(&n, t->s[i].key);

		if (!t->s[i].used)
			continue;
		while (n.s[j].used)
			j = (j + 1) & n.mask;
		n.s[j] = t->s[i];
	}
	free(t->s);
	*t = n;
	return 0;
}

struct cmp_slot *cmp_table_get(struct cmp_table *t, uint64_t key)
{
	struct cmp_slot *s = cmp_table_find(t, key);
	size_t i;

	if (s)
		return s;
	if (2 * (t->used + 1) > t->mask + 1 && table_grow(t) < 0)
		return NULL;
	for (i = home(t, key); t->s[i].used; i = (i + 1) & t->mask)
		;
	t->s[i] = (struct cmp_slot){ .key = key, .v = { CMP_NONE, CMP_NONE, CMP_NONE },
				     .used = true };
	t->used++;
	return &t->s[i];
}

/* Pulls later entries of the probe run back into the hole, so lookups
 * never stop early at it. */
void cmp_table_remove(struct cmp_table *t, struct cmp_slot *slot)
{
	size_t hole = (size_t)(slot - t->s), j = hole;

	for (;;) {
		size_t k;

		j = (j + 1) & t->mask;
		if (!t->s[j].used)
			break;
		k = home(t, t->s[j].key);
		/* Movable unless its home lies cyclically in (hole, j]. */
		if (hole <= j ? (k > hole && k <= j) : (k > hole || k <= j))
			continue;
		t->s[hole] = t->s[j];
		hole = j;
	}
	t->s[hole].used = false;
	t->used--;
}

void *cmp_grow(void *v, size_t *cap, size_t first, size_t elem)
{
	size_t n = *cap ? *cap * 2 : first;
	void *w = n > SIZE_MAX / elem ? NULL : realloc(v, n * elem);

	if (w)
		*cap = n;
	return w;
}
