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

struct rc_engine {
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint16_t linktype;
	bool loopback;
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
int engine_linktype_from_arphrd(int arphrd, bool *ret_loopback);

#endif
