/* SPDX-License-Identifier: MIT */
/*
 * frames.h - the known frames integration tests send, and the sender.
 *
 * Every frame carries EtherType 0x88b5 (IEEE local experimental) after any
 * VLAN tags, then "RCAP", a 32-bit sequence number and a fill pattern, so a
 * capture can be checked byte for byte against what was sent.
 */
#ifndef RINGCAP_TESTS_FRAMES_H
#define RINGCAP_TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX 9014

struct frame {
	uint8_t data[FRAME_MAX];
	uint32_t len;
	uint32_t epb_flags;   /* what the capture side must record */
};

enum frame_dst { DST_CAPTURE_HOST, DST_BROADCAST, DST_MULTICAST, DST_FOREIGN };

/* One frame of len bytes to dst, with up to two VLAN tags (tpid 0 = none). */
void frame_make(struct frame *f, enum frame_dst dst, uint32_t len, uint32_t seq,
		uint16_t outer_tpid, uint16_t outer_tci, uint16_t inner_tpid, uint16_t inner_tci);

/* The standard set: sizes 60..1514 and a 9014-byte jumbo, 802.1Q,
 * 802.1ad (QinQ), broadcast, multicast, unicast to the capture host and to
 * a foreign MAC. Returns the count; *ret is malloc'd. */
size_t frames_standard_set(struct frame **ret);
/* n plain unicast frames of 60..1514 bytes, seq from first_seq. */
size_t frames_simple_set(struct frame **ret, size_t n, uint32_t first_seq);

/* IPv4/UDP frames of flows 198.18.1.1:(1000+k) -> 198.18.0.1:9, k < flows,
 * seq numbered within each flow and interleaved across flows. */
size_t frames_udp_flows(struct frame **ret, unsigned flows, unsigned per_flow);

/* Sends the frames out of ifname with an AF_PACKET socket. 0 or -errno. */
int frames_send(const char *ifname, const struct frame *f, size_t n);

#endif
