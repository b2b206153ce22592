/* SPDX-License-Identifier: MIT */
/*
 * engine_internal.h - the engine's private state, shared by engine.c and
 * the unit tests.
 */
#ifndef RINGCAP_ENGINE_INTERNAL_H
#define RINGCAP_ENGINE_INTERNAL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/engine.h>

struct engine_geometry {
	uint32_t ring_size;
	uint32_t block_size;
	uint32_t block_count;
	uint32_t block_timeout_ms;
	uint32_t snaplen;
};

/* How the engine captures on one kind of interface (link.c). */
struct engine_link {
	uint16_t linktype;
	bool cooked;     /* SOCK_DGRAM, and ring.c writes an SLL2 header */
	bool loopback;   /* every packet shows twice (see engine_attach_filter) */
};

struct rc_engine {
	char ifname[IF_NAMESIZE];
	int ifindex;          /* 0 for "any" */
	uint16_t linktype;
	bool loopback;
	bool cooked;
	enum rc_engine_direction direction;
	uint32_t tag;
	struct engine_geometry geo;
	int fd;
	int wake_fd;          /* kicked by rc_block_release when we starve */
	int starved;          /* seq_cst; see rc_engine_pollfds */
	bool kicked;          /* wake_fd may hold a kick to consume */
	uint8_t *map;
	size_t map_len;
	struct rc_block *blocks;
	uint32_t cursor;      /* next block to take */
	uint32_t next_seq;
	uint64_t pending_drops;
	struct rc_engine_stats stats;
	rc_log_fn log;
	void *log_ctx;
};

int engine_resolve_geometry(const struct rc_engine_config *c, struct engine_geometry *g,
			    rc_log_fn log, void *ctx);
/* 0 and how to capture, or -EPROTONOSUPPORT. */
int engine_link_from_arphrd(int arphrd, struct engine_link *ret);
/* "IEEE802_11" for 801, or NULL for an ARPHRD the table does not know. */
const char *engine_arphrd_name(int arphrd);

#endif
