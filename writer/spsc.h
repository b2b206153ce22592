/* SPDX-License-Identifier: MIT */
/*
 * spsc.h - a bounded single-producer/single-consumer queue of pointers.
 *
 * DESIGN: two free-running counters on separate cache lines (kernel
 * Documentation/core-api/circular-buffers.rst). Each side owns one counter
 * and only reads the other's: the producer publishes a slot with a release
 * store of tail, the consumer frees it with a release store of head. No
 * locks, no syscalls; waking a sleeping consumer is the caller's business.
 */
#ifndef RINGCAP_WRITER_SPSC_H
#define RINGCAP_WRITER_SPSC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct spsc {
	void **slots;
	uint32_t mask;
	_Alignas(64) uint32_t head; /* consumer's */
	_Alignas(64) uint32_t tail; /* producer's */
};

static inline int spsc_init(struct spsc *q, uint32_t min_capacity)
{
	uint32_t cap = 1;

	while (cap < min_capacity)
		cap *= 2;
	q->slots = calloc(cap, sizeof(*q->slots));
	if (!q->slots)
		return -1;
	q->mask = cap - 1;
	q->head = q->tail = 0;
	return 0;
}

static inline void spsc_free(struct spsc *q)
{
	free(q->slots);
	q->slots = NULL;
}

static inline bool spsc_push(struct spsc *q, void *item)
{
	uint32_t tail = q->tail;
	/* Pairs with the release store of head in spsc_pop(): the consumer
	 * has finished reading a slot before we may overwrite it. */
	uint32_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);

	if (tail - head > q->mask)
		return false;
	q->slots[tail & q->mask] = item;
	__atomic_store_n(&q->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

static inline void *spsc_pop(struct spsc *q)
{
	uint32_t head = q->head;
	/* Pairs with the release store of tail in spsc_push(): the slot's
	 * contents (and the block behind it) are visible once tail says so. */
	uint32_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	void *item;

	if (head == tail)
		return NULL;
	item = q->slots[head & q->mask];
	__atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE);
	return item;
}

/* For the sleep/wake handshake: seq_cst, see writer.c. */
static inline bool spsc_empty_seq_cst(struct spsc *q)
{
	return __atomic_load_n(&q->tail, __ATOMIC_SEQ_CST) ==
	       __atomic_load_n(&q->head, __ATOMIC_SEQ_CST);
}

#endif
