/* SPDX-License-Identifier: MIT */
/*
 * engine.c - one AF_PACKET socket with a TPACKET_V3 receive ring.
 *
 * DESIGN: the socket is set up in the one order that lets no packet in
 * before the ring and filter are ready: socket with protocol 0 (nothing is
 * queued), TPACKET_V3, PACKET_RESERVE, PACKET_IGNORE_OUTGOING and
 * PACKET_TIMESTAMP, the filter, the ring, mmap, and only then bind with
 * ETH_P_ALL, which starts delivery. Promiscuous mode is a socket
 * membership (PACKET_MR_PROMISC), so the kernel undoes it when the socket
 * closes, even if we crash.
 *
 * The socket is SOCK_RAW where the kernel hands over frames in the link
 * type's format, SOCK_DGRAM where the engine builds an SLL2 header
 * ("any", and what link.c marks cooked). Interface names are resolved
 * once, at open, in the caller's network namespace; afterwards the engine
 * asks the kernel only through its packet socket, whose ioctls run in the
 * namespace it was created in, so a caller may open in one namespace and
 * use the engine from threads in another.
 *
 * Blocks leave in ring order. Each ring block has a struct rc_block that
 * travels with it; its in_flight flag keeps the engine from handing out a
 * block the consumer still holds when the ring wraps, because such a block
 * still reads TP_STATUS_USER. When every block is in flight the engine
 * waits on an eventfd that rc_block_release() kicks, instead of spinning on
 * the socket, which keeps reporting POLLIN while blocks are held.
 *
 * Drop accounting: the kernel only drops when the ring is full, and then
 * between two blocks. So drops first seen when the engine has caught up
 * (no retired block waiting), or seen because a block carries
 * TP_STATUS_LOSING, belong just before the next block it takes.
 */
#include "engine_internal.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/net_tstamp.h>

#include "log.h"
#include "opts.h"
#include "ring.h"

/*
 * Defaults. 32 MiB of ring absorbs about a quarter second of a saturated
 * 1 Gbit/s link while the writer is stalled (disk hiccup), at a memory cost
 * an appliance can afford per interface. 1 MiB blocks are big enough for a
 * run of 64 KiB GRO super-frames and small enough that the kernel finds the
 * contiguous pages (order 8). 100 ms of block timeout keeps `-w - | tshark`
 * feeling live at low rates while costing at most 10 wake-ups a second.
 */
#define DEFAULT_RING_SIZE (32u << 20)
#define DEFAULT_BLOCK_SIZE (1u << 20)
#define DEFAULT_BLOCK_TIMEOUT_MS 100u
#define RING_FRAME_SIZE 2048u /* only feeds the kernel's tp_frame_nr check */

/* The field is appended in former padding: an embedder built against the
 * 0.2 header sees the same size and offsets. */
struct engine_packet_v02 {
	const uint8_t *data;
	uint32_t caplen;
	uint32_t origlen;
	uint64_t ts_ns;
	uint8_t pkttype;
};
_Static_assert(sizeof(struct rc_packet) == sizeof(struct engine_packet_v02),
	       "struct rc_packet changed size");
_Static_assert(offsetof(struct rc_packet, ts_source) == offsetof(struct rc_packet, pkttype) + 1,
	       "ts_source follows pkttype");

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static uint32_t pow2_floor(uint32_t v)
{
	uint32_t p = 1;

	while (p <= v / 2)
		p *= 2;
	return p;
}

/* Fills in defaults and checks the geometry; the error names the field. */
int engine_resolve_geometry(const struct rc_engine_config *c, struct engine_geometry *g,
			    rc_log_fn log, void *ctx)
{
	long page = sysconf(_SC_PAGESIZE);

	g->ring_size = c->ring_size ? c->ring_size : DEFAULT_RING_SIZE;
	g->snaplen = c->snaplen ? c->snaplen : RC_SNAPLEN_MAX;
	g->block_timeout_ms = c->block_timeout_ms ? c->block_timeout_ms : DEFAULT_BLOCK_TIMEOUT_MS;
	g->block_size = c->block_size;
	if (!g->block_size) {
		/* At least 8 blocks so the writer always has slack. */
		g->block_size = pow2_floor(g->ring_size / 8);
		if (g->block_size > DEFAULT_BLOCK_SIZE)
			g->block_size = DEFAULT_BLOCK_SIZE;
		if (g->block_size < (uint32_t)page)
			g->block_size = (uint32_t)page;
		g->ring_size -= g->ring_size % g->block_size;
	}
	if (!is_pow2(g->block_size) || g->block_size % page || g->block_size > RC_ENGINE_MAX_BLOCK_SIZE) {
		rc_logf(log, ctx, RC_LOG_ERROR,
			   "block_size %u: must be a power of two from %ld bytes to %u MiB",
			   g->block_size, page, RC_ENGINE_MAX_BLOCK_SIZE >> 20);
		return -EINVAL;
	}
	if (g->ring_size % g->block_size || g->ring_size / g->block_size < RC_ENGINE_MIN_BLOCKS) {
		rc_logf(log, ctx, RC_LOG_ERROR,
			   "ring_size %u: must be a multiple of block_size (%u) and hold at least %u blocks",
			   g->ring_size, g->block_size, RC_ENGINE_MIN_BLOCKS);
		return -EINVAL;
	}
	if (g->block_timeout_ms > RC_ENGINE_MAX_BLOCK_TIMEOUT_MS) {
		rc_logf(log, ctx, RC_LOG_ERROR, "block_timeout_ms %u: must be at most %u",
			   g->block_timeout_ms, RC_ENGINE_MAX_BLOCK_TIMEOUT_MS);
		return -EINVAL;
	}
	if (g->snaplen < RC_ENGINE_MIN_SNAPLEN || g->snaplen > RC_SNAPLEN_MAX) {
		rc_logf(log, ctx, RC_LOG_ERROR, "snaplen %u: must be from %u to %u",
			   g->snaplen, RC_ENGINE_MIN_SNAPLEN, RC_SNAPLEN_MAX);
		return -EINVAL;
	}
	g->block_count = g->ring_size / g->block_size;
	return 0;
}

/* The enum fields: an embedder may pass any int. */
static int engine_check_modes(const struct rc_engine_config *c, rc_log_fn log, void *ctx)
{
	if ((unsigned)c->direction > RC_ENGINE_DIRECTION_OUT) {
		rc_logf(log, ctx, RC_LOG_ERROR, "direction %d: must be INOUT, IN or OUT",
			(int)c->direction);
		return -EINVAL;
	}
	if ((unsigned)c->tstamp >= RC_TSTAMP_TYPES) {
		rc_logf(log, ctx, RC_LOG_ERROR, "tstamp %d: must be host, adapter or adapter_unsynced",
			(int)c->tstamp);
		return -EINVAL;
	}
	return 0;
}

int rc_engine_config_check(const struct rc_engine_config *config, rc_log_fn log, void *log_ctx)
{
	struct rc_engine_config c;
	struct engine_geometry g;
	int r = rc_opts_copy(&c, sizeof(c), config);

	if (r < 0) {
		rc_opts_log_error(r, "rc_engine_config", log, log_ctx);
		return r;
	}
	r = engine_resolve_geometry(&c, &g, log, log_ctx);
	return r < 0 ? r : engine_check_modes(&c, log, log_ctx);
}

/* ARPHRD type and index of an interface, by name, in the calling
 * thread's namespace. An AF_INET datagram socket needs no privilege, so
 * rc_engine_iface_linktype works for anyone, as -D does. */
static int engine_query_iface(const char *ifname, int *ret_ifindex, int *ret_arphrd)
{
	struct ifreq ifr = { 0 };
	int fd, r = 0;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		r = errno == ENODEV ? -ENODEV : -errno;
		goto out_close;
	}
	*ret_ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		r = -errno;
		goto out_close;
	}
	*ret_arphrd = ifr.ifr_hwaddr.sa_family;
out_close:
	close(fd);
	return r;
}

enum engine_prologue { PROLOGUE_NONE, PROLOGUE_DROP_OUTGOING, PROLOGUE_ONLY_OUTGOING };

/*
 * Which packets the kernel must drop by direction before the caller's
 * filter runs. Loopback shows every packet twice, once leaving and once
 * arriving; tcpdump keeps the arriving one, and for OUT the leaving one.
 * IN is PACKET_IGNORE_OUTGOING's where the kernel has it, which keeps
 * outgoing packets from even being cloned for us; else the prologue.
 */
static enum engine_prologue engine_prologue(const struct rc_engine *e, bool ignoring_outgoing)
{
	switch (e->direction) {
	case RC_ENGINE_DIRECTION_OUT:
		return PROLOGUE_ONLY_OUTGOING;
	case RC_ENGINE_DIRECTION_IN:
		return ignoring_outgoing ? PROLOGUE_NONE : PROLOGUE_DROP_OUTGOING;
	case RC_ENGINE_DIRECTION_INOUT:
	default:
		return e->loopback ? PROLOGUE_DROP_OUTGOING : PROLOGUE_NONE;
	}
}

/*
 * The socket filter: the direction prologue, then the caller's program (or
 * "accept snaplen bytes"). Deciding in the kernel keeps the unwanted
 * packets out of the ring and out of the counters, so they still add up.
 * The prologue is RC_LOOPBACK_PROLOGUE_INSNS long whichever it is: the
 * filter compiler leaves exactly that room.
 */
static int engine_attach_filter(struct rc_engine *e, const struct rc_engine_config *c,
				enum engine_prologue pro)
{
	struct sock_filter prog[BPF_MAXINSNS];
	struct sock_fprog fprog;
	unsigned n = 0;

	if (c->filter_len > BPF_MAXINSNS - RC_LOOPBACK_PROLOGUE_INSNS)
		return -E2BIG;
	if (pro != PROLOGUE_NONE) {
		bool keep_out = pro == PROLOGUE_ONLY_OUTGOING;

		prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
							 SKF_AD_OFF + SKF_AD_PKTTYPE);
		/* Falls through to the ret 0 when the packet is to go. */
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							 PACKET_OUTGOING, keep_out ? 1 : 0,
							 keep_out ? 0 : 1);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	}
	_Static_assert(RC_LOOPBACK_PROLOGUE_INSNS == 3, "the prologue above is 3 instructions");
	if (c->filter && c->filter_len) {
		memcpy(&prog[n], c->filter, c->filter_len * sizeof(*prog));
		n += c->filter_len;
	} else {
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, e->geo.snaplen);
	}
	fprog = (struct sock_fprog){ .len = (unsigned short)n, .filter = prog };
	if (setsockopt(e->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0)
		return -errno;
	return 0;
}

static int engine_set_version(struct rc_engine *e)
{
	int version = TPACKET_V3;
	int reserve = e->cooked ? (int)RING_COOKED_HEADROOM : (int)RING_VLAN_HLEN;

	if (setsockopt(e->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
		return -errno;
	/* Headroom in front of every frame for putting a stripped VLAN tag
	 * back in place, and on a cooked socket the SLL2 header (ring.c). */
	if (setsockopt(e->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof(reserve)) < 0)
		return -errno;
	return 0;
}

/* Sets *ret_ignoring when the kernel now skips outgoing packets for us;
 * before 4.20 it says ENOPROTOOPT and the filter prologue does it. */
static int engine_set_direction(struct rc_engine *e, bool *ret_ignoring)
{
	int one = 1;

	*ret_ignoring = false;
	if (e->direction != RC_ENGINE_DIRECTION_IN)
		return 0;
	if (setsockopt(e->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		return errno == ENOPROTOOPT ? 0 : -errno;
	*ret_ignoring = true;
	return 0;
}

/*
 * The NIC's stamp, when it made one, instead of the kernel's (which
 * tpacket_rcv falls back on). Only RAW_HARDWARE selects anything today:
 * SYS_HARDWARE, which libpcap sends for "adapter", has been ignored since
 * Linux 3.17; both are sent so a kernel that still knew it would use it.
 */
static int engine_set_tstamp(struct rc_engine *e, enum rc_tstamp_type t)
{
	int flags;

	if (t == RC_TSTAMP_HOST)
		return 0;
	flags = SOF_TIMESTAMPING_RAW_HARDWARE;
	if (t == RC_TSTAMP_ADAPTER)
		flags |= SOF_TIMESTAMPING_SYS_HARDWARE;
	if (setsockopt(e->fd, SOL_PACKET, PACKET_TIMESTAMP, &flags, sizeof(flags)) < 0)
		return -errno;
	return 0;
}

static int engine_map_ring(struct rc_engine *e)
{
	struct tpacket_req3 req = {
		.tp_block_size = e->geo.block_size,
		.tp_block_nr = e->geo.block_count,
		.tp_frame_size = RING_FRAME_SIZE,
		.tp_frame_nr = e->geo.block_count * (e->geo.block_size / RING_FRAME_SIZE),
		.tp_retire_blk_tov = e->geo.block_timeout_ms,
	};
	size_t len = (size_t)e->geo.block_size * e->geo.block_count;
	void *map;

	if (setsockopt(e->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return -errno;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, e->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	e->map = map;
	e->map_len = len;
	e->blocks = calloc(e->geo.block_count, sizeof(*e->blocks));
	if (!e->blocks)
		return -ENOMEM;
	for (uint32_t i = 0; i < e->geo.block_count; i++) {
		e->blocks[i].engine = e;
		e->blocks[i].tag = e->tag;
		e->blocks[i].cooked = e->cooked;
		e->blocks[i].can = e->linktype == RC_LINKTYPE_CAN_SOCKETCAN;
		e->blocks[i].desc = (void *)((uint8_t *)map + (size_t)i * e->geo.block_size);
	}
	return 0;
}

/* After bind, as the kernel requires. A hash group defragments first, so
 * all fragments of a datagram go to one socket, with its flow. */
static int engine_join_fanout(struct rc_engine *e, const struct rc_engine_config *c)
{
	static const uint32_t modes[] = {
		[RC_ENGINE_FANOUT_HASH] = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG,
		[RC_ENGINE_FANOUT_CPU] = PACKET_FANOUT_CPU,
		[RC_ENGINE_FANOUT_LB] = PACKET_FANOUT_LB,
		[RC_ENGINE_FANOUT_QM] = PACKET_FANOUT_QM,
	};
	uint32_t mode, arg;

	if (c->fanout == RC_ENGINE_FANOUT_NONE)
		return 0;
	if ((unsigned)c->fanout >= sizeof(modes) / sizeof(modes[0]))
		return -EINVAL;
	mode = modes[c->fanout];
	arg = c->fanout_group | mode << 16; /* the flags reach bit 31 */
	if (setsockopt(e->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0)
		return -errno;
	return 0;
}

static int engine_bind(struct rc_engine *e, bool promisc)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = e->ifindex,
	};
	struct packet_mreq mreq = { .mr_ifindex = e->ifindex, .mr_type = PACKET_MR_PROMISC };

	if (bind(e->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	/* "any" has no device to make promiscuous (libpcap refuses it too). */
	if (promisc && e->ifindex && setsockopt(e->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
		return -errno;
	return 0;
}

static int engine_open_socket(struct rc_engine *e, const struct rc_engine_config *c)
{
	bool ignoring_outgoing;
	int r;

	e->fd = socket(AF_PACKET, (e->cooked ? SOCK_DGRAM : SOCK_RAW) | SOCK_CLOEXEC, 0);
	if (e->fd < 0)
		return -errno;
	r = engine_set_version(e);
	if (r == 0)
		r = engine_set_direction(e, &ignoring_outgoing);
	if (r < 0)
		return r;
	r = engine_set_tstamp(e, c->tstamp);
	if (r < 0) {
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR,
			"%s: the kernel refused hardware time stamps (PACKET_TIMESTAMP): %s",
			e->ifname, strerror(-r));
		return r;
	}
	r = engine_attach_filter(e, c, engine_prologue(e, ignoring_outgoing));
	if (r < 0) {
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR,
			   "%s: the kernel refused the filter program: %s", e->ifname, strerror(-r));
		return r;
	}
	r = engine_map_ring(e);
	if (r < 0) {
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR,
			   "%s: cannot set up a %u x %u byte ring: %s", e->ifname,
			   e->geo.block_count, e->geo.block_size, strerror(-r));
		return r;
	}
	r = engine_bind(e, !c->no_promisc);
	if (r == 0)
		r = engine_join_fanout(e, c);
	return r;
}

/*
 * What capturing on ifname means: its index (0 for "any") and link. The
 * refusal names the ARPHRD, so a user can tell us which one to add.
 */
static int engine_resolve_link(const char *ifname, int *ret_ifindex, struct engine_link *ret,
			       rc_log_fn log, void *ctx)
{
	const char *name;
	int ifindex = 0, arphrd = 0, r;

	if (strcmp(ifname, RC_ENGINE_IFNAME_ANY) == 0) {
		*ret_ifindex = 0;
		*ret = (struct engine_link){ .linktype = RC_LINKTYPE_LINUX_SLL2, .cooked = true };
		return 0;
	}
	r = engine_query_iface(ifname, &ifindex, &arphrd);
	if (r == -ENODEV)
		rc_logf(log, ctx, RC_LOG_ERROR, "%s: no such interface", ifname);
	if (r < 0)
		return r;
	r = engine_link_from_arphrd(arphrd, ret);
	if (r < 0) {
		name = engine_arphrd_name(arphrd);
		rc_logf(log, ctx, RC_LOG_ERROR, "%s: ARPHRD %d%s%s%s has no link type ringcap knows",
			ifname, arphrd, name ? " (" : "", name ? name : "", name ? ")" : "");
		return r;
	}
	*ret_ifindex = ifindex;
	return 0;
}

int rc_engine_iface_linktype(const char *ifname)
{
	struct engine_link link;
	int ifindex, r;

	if (!ifname)
		return -EINVAL;
	r = engine_resolve_link(ifname, &ifindex, &link, NULL, NULL);
	return r < 0 ? r : link.linktype;
}

int rc_engine_open(const struct rc_engine_config *config_in, struct rc_engine **ret)
{
	struct rc_engine_config cfg, *config = &cfg;
	struct rc_engine *e;
	struct engine_link link;
	int r = rc_opts_copy(&cfg, sizeof(cfg), config_in);

	if (r < 0) {
		rc_opts_log_error(r, "rc_engine_config", cfg.log, cfg.log_ctx);
		return r;
	}
	if (!cfg.ifname) {
		rc_logf(cfg.log, cfg.log_ctx, RC_LOG_ERROR, "rc_engine_config: no ifname");
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fd = -1;
	e->wake_fd = -1;
	e->log = config->log;
	e->log_ctx = config->log_ctx;
	e->tag = config->tag;
	snprintf(e->ifname, sizeof(e->ifname), "%s", config->ifname);
	e->direction = config->direction;
	r = engine_resolve_geometry(config, &e->geo, e->log, e->log_ctx);
	if (r == 0)
		r = engine_check_modes(config, e->log, e->log_ctx);
	if (r == 0)
		r = engine_resolve_link(e->ifname, &e->ifindex, &link, e->log, e->log_ctx);
	if (r < 0)
		goto out_free;
	e->linktype = link.linktype;
	e->cooked = link.cooked;
	e->loopback = link.loopback;
	e->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->wake_fd < 0) {
		r = -errno;
		goto out_free;
	}
	r = engine_open_socket(e, config);
	if (r < 0)
		goto out_free;
	*ret = e;
	return 0;
out_free:
	rc_engine_close(e);
	return r;
}

void rc_engine_close(struct rc_engine *engine)
{
	if (!engine)
		return;
	if (engine->map)
		munmap(engine->map, engine->map_len);
	if (engine->fd >= 0)
		close(engine->fd);
	if (engine->wake_fd >= 0)
		close(engine->wake_fd);
	free(engine->blocks);
	free(engine);
}

int rc_engine_fd(const struct rc_engine *engine)
{
	return engine->fd;
}

/*
 * The block whose release we wait for, or NULL to wait on the socket.
 * Besides the cursor block itself (the ring wrapped onto a block the
 * consumer holds), the one before it: while the kernel fills the cursor
 * block, packet_poll() reports POLLIN as long as the block before the one
 * it fills is not TP_STATUS_KERNEL (packet_previous_rx_frame), i.e. for as
 * long as the consumer holds the block we took last. Polling the socket
 * then returns at once and take finds nothing: a busy loop that, on a
 * core shared with the writer, takes the writer's CPU. Waiting for that
 * release instead costs nothing: the writer is still busy with the block
 * before, and the cursor block stays in the ring either way.
 */
static struct rc_block *engine_block_to_wait_for(struct rc_engine *e)
{
	struct rc_block *b = &e->blocks[e->cursor];
	struct rc_block *prev = &e->blocks[(e->cursor + e->geo.block_count - 1) % e->geo.block_count];

	if (__atomic_load_n(&b->in_flight, __ATOMIC_SEQ_CST))
		return b;
	if (!(ring_block_status(b->desc) & TP_STATUS_USER) &&
	    __atomic_load_n(&prev->in_flight, __ATOMIC_SEQ_CST))
		return prev;
	return NULL;
}

int rc_engine_pollfds(struct rc_engine *engine, struct pollfd *ret, unsigned n)
{
	if (n < RC_ENGINE_POLLFDS)
		return -EINVAL;
	/* Dekker pair with rc_block_release(): we publish "starved" and then
	 * look at in_flight, it clears in_flight and then looks at starved;
	 * with seq_cst on all four, at least one side sees the other, so a
	 * release can never slip by unnoticed while we sleep. */
	__atomic_store_n(&engine->starved, 1, __ATOMIC_SEQ_CST);
	if (!engine_block_to_wait_for(engine)) {
		__atomic_store_n(&engine->starved, 0, __ATOMIC_RELAXED);
		ret[0] = (struct pollfd){ .fd = engine->fd, .events = POLLIN };
	} else {
		engine->kicked = true;
		/* POLLERR and POLLHUP are reported even with no events asked. */
		ret[0] = (struct pollfd){ .fd = engine->fd, .events = 0 };
	}
	ret[1] = (struct pollfd){ .fd = engine->wake_fd, .events = POLLIN };
	return RC_ENGINE_POLLFDS;
}

/* Folds the kernel's clear-on-read counters into the totals. */
static int engine_read_kernel_stats(struct rc_engine *e)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (getsockopt(e->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return -errno;
	/* tp_packets already includes tp_drops (packet_getsockopt adds them). */
	e->stats.packets += st.tp_packets;
	e->stats.drops += st.tp_drops;
	e->stats.freezes += st.tp_freeze_q_cnt;
	e->pending_drops += st.tp_drops;
	return 0;
}

int rc_engine_take_block(struct rc_engine *engine, struct rc_block **ret)
{
	struct rc_block *b = &engine->blocks[engine->cursor];
	uint64_t kick;
	uint32_t status, seq;

	/* Pairs with the seq_cst clear in rc_block_release(). */
	if (__atomic_load_n(&b->in_flight, __ATOMIC_ACQUIRE))
		return 0;
	if (engine->kicked) {
		engine->kicked = false;
		(void)!read(engine->wake_fd, &kick, sizeof(kick));
	}
	status = ring_block_status(b->desc);
	if (!(status & TP_STATUS_USER)) {
		/* Caught up: any drop seen now lies before the next block. */
		engine_read_kernel_stats(engine);
		return 0;
	}
	if (status & TP_STATUS_LOSING)
		engine_read_kernel_stats(engine);
	seq = (uint32_t)b->desc->hdr.bh1.seq_num;
	if (engine->stats.blocks && seq != engine->next_seq) {
		engine->stats.seq_gaps++;
		rc_logf(engine->log, engine->log_ctx, RC_LOG_WARNING,
			   "%s: ring block sequence jumped from %u to %u", engine->ifname,
			   engine->next_seq, seq);
	}
	engine->next_seq = seq + 1;
	engine->stats.blocks++;
	ring_block_begin(b, b->desc, engine->geo.block_size, engine->geo.snaplen);
	b->drops_before = engine->pending_drops;
	engine->pending_drops = 0;
	__atomic_store_n(&b->in_flight, 1, __ATOMIC_RELAXED);
	engine->cursor = (engine->cursor + 1) % engine->geo.block_count;
	*ret = b;
	return 1;
}

void rc_block_release(struct rc_block *block)
{
	struct rc_engine *e = block->engine;
	uint64_t one = 1;

	ring_block_give_to_kernel(block->desc);
	if (!e)
		return;
	/* Status first, then in_flight: the engine must never see the block
	 * free while its status still says TP_STATUS_USER from this round. */
	__atomic_store_n(&block->in_flight, 0, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&e->starved, 0, __ATOMIC_SEQ_CST))
		(void)!write(e->wake_fd, &one, sizeof(one));
}

int rc_block_next_packet(struct rc_block *block, struct rc_packet *ret)
{
	return ring_block_next(block, ret);
}

uint32_t rc_block_index(const struct rc_block *block)
{
	return block->engine ? (uint32_t)(block - block->engine->blocks) : 0;
}

uint32_t rc_block_tag(const struct rc_block *block)
{
	return block->tag;
}

uint32_t rc_block_packet_count(const struct rc_block *block)
{
	return block->desc->hdr.bh1.num_pkts;
}

uint64_t rc_block_bad_packets(const struct rc_block *block)
{
	return block->bad_frames;
}

uint64_t rc_block_drops_before(const struct rc_block *block)
{
	return block->drops_before;
}

int rc_engine_stop_intake(struct rc_engine *engine)
{
	struct sock_filter drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog fprog = { .len = 1, .filter = &drop_all };

	if (setsockopt(engine->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0)
		return -errno;
	return 0;
}

int rc_engine_stats(struct rc_engine *engine, struct rc_engine_stats *ret)
{
	int r = engine_read_kernel_stats(engine);

	if (r < 0)
		return r;
	*ret = engine->stats;
	return 0;
}

const char *rc_engine_ifname(const struct rc_engine *engine)
{
	return engine->ifname;
}

uint16_t rc_engine_linktype(const struct rc_engine *engine)
{
	return engine->linktype;
}

enum rc_engine_direction rc_engine_direction(const struct rc_engine *engine)
{
	return engine->direction;
}

uint32_t rc_engine_snaplen(const struct rc_engine *engine)
{
	return engine->geo.snaplen;
}

uint32_t rc_engine_block_count(const struct rc_engine *engine)
{
	return engine->geo.block_count;
}

uint32_t rc_engine_block_timeout_ms(const struct rc_engine *engine)
{
	return engine->geo.block_timeout_ms;
}

/*
 * The ioctls go to the packet socket itself: packet_ioctl hands these to
 * dev_ioctl in the socket's own namespace (sock_net), the one the engine
 * was opened in, whichever namespace the calling thread is in now. A fresh
 * socket here would look in the caller's.
 */
int rc_engine_check_link(struct rc_engine *engine)
{
	struct ifreq ifr = { 0 };
	int err = 0;
	socklen_t len = sizeof(err);

	/* Reading SO_ERROR clears the ENETDOWN the packet notifier left, so
	 * poll stops reporting POLLERR for it. */
	(void)getsockopt(engine->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (engine->ifindex == 0)
		return 0; /* "any" */
	ifr.ifr_ifindex = engine->ifindex;
	if (ioctl(engine->fd, SIOCGIFNAME, &ifr) < 0 || ioctl(engine->fd, SIOCGIFFLAGS, &ifr) < 0)
		return errno == ENODEV || errno == ENXIO ? RC_ENGINE_IFACE_GONE : -errno;
	return (ifr.ifr_flags & IFF_UP) ? 0 : RC_ENGINE_IFACE_DOWN;
}

static void engine_list_one(int fd, const char *name, int ifindex, rc_iface_fn fn, void *ctx)
{
	struct ifreq ifr = { 0 };
	struct rc_iface_info info = { .name = name, .ifindex = ifindex };
	struct engine_link link;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return;
	if (engine_link_from_arphrd(ifr.ifr_hwaddr.sa_family, &link) < 0 ||
	    ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return;
	info.linktype = link.linktype;
	info.loopback = link.loopback;
	info.up = ifr.ifr_flags & IFF_UP;
	info.running = ifr.ifr_flags & IFF_RUNNING;
	fn(ctx, &info);
}

int rc_engine_list_interfaces(rc_iface_fn fn, void *ctx)
{
	struct if_nameindex *list = if_nameindex();
	int fd;

	if (!list)
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int r = -errno;

		if_freenameindex(list);
		return r;
	}
	for (struct if_nameindex *i = list; i->if_index; i++)
		engine_list_one(fd, i->if_name, (int)i->if_index, fn, ctx);
	/* tcpdump users look for "any" in -D. Last, so that -D's numbers
	 * (-i 1 is lo) stay what they were. */
	fn(ctx, &(struct rc_iface_info){ .name = RC_ENGINE_IFNAME_ANY, .ifindex = 0, .up = true,
					 .running = true, .linktype = RC_LINKTYPE_LINUX_SLL2,
					 .pseudo = true });
	close(fd);
	if_freenameindex(list);
	return 0;
}
