/* SPDX-License-Identifier: MIT */
/*
 * frames.c - see frames.h.
 */
#include "frames.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>

#include "netns.h"

static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const uint8_t mac_foreign[6] = { 0x02, 0x72, 0x63, 0x99, 0x99, 0x99 };

static uint8_t *put_tag(uint8_t *p, uint16_t tpid, uint16_t tci)
{
	p[0] = (uint8_t)(tpid >> 8);
	p[1] = (uint8_t)tpid;
	p[2] = (uint8_t)(tci >> 8);
	p[3] = (uint8_t)tci;
	return p + 4;
}

void frame_make(struct frame *f, enum frame_dst dst, uint32_t len, uint32_t seq,
		uint16_t outer_tpid, uint16_t outer_tci, uint16_t inner_tpid, uint16_t inner_tci)
{
	static const uint32_t flags[] = { 0x5, 0xd, 0x9, 0x11 };
	const uint8_t *macs[] = { netns_mac_capture, mac_bcast, mac_mcast, mac_foreign };
	uint8_t *p = f->data;
	uint32_t be_seq = htonl(seq);

	memcpy(p, macs[dst], 6);
	memcpy(p + 6, netns_mac_sender, 6);
	p += 12;
	if (outer_tpid)
		p = put_tag(p, outer_tpid, outer_tci);
	if (inner_tpid)
		p = put_tag(p, inner_tpid, inner_tci);
	*p++ = 0x88;
	*p++ = 0xb5;
	memcpy(p, "RCAP", 4);
	memcpy(p + 4, &be_seq, 4);
	p += 8;
	for (uint32_t i = (uint32_t)(p - f->data); i < len; i++)
		f->data[i] = (uint8_t)(i ^ seq);
	f->len = len;
	f->epb_flags = flags[dst];
}

size_t frames_standard_set(struct frame **ret)
{
	static const uint32_t sizes[] = { 60, 61, 62, 63, 64, 100, 128, 255, 256, 512,
					  999, 1000, 1024, 1513, 1514, 9014 };
	size_t n = sizeof(sizes) / sizeof(sizes[0]), i = 0;
	struct frame *f = calloc(n + 8, sizeof(*f));

	for (; i < n; i++)
		frame_make(&f[i], DST_CAPTURE_HOST, sizes[i], (uint32_t)i, 0, 0, 0, 0);
	/* seq = index, so every frame of the set is unique. */
	static const struct { enum frame_dst dst; uint32_t len; uint16_t t1, c1, t2, c2; } v[] = {
		{ DST_CAPTURE_HOST, 100, 0x8100, 100, 0, 0 },       /* 802.1Q */
		{ DST_CAPTURE_HOST, 1518, 0x8100, 0xe00a, 0, 0 },   /* full size, PCP 7 */
		{ DST_CAPTURE_HOST, 120, 0x88a8, 200, 0x8100, 300 },/* QinQ */
		{ DST_CAPTURE_HOST, 64, 0x88a8, 4000, 0, 0 },       /* 802.1ad alone */
		{ DST_BROADCAST, 60, 0, 0, 0, 0 },
		{ DST_MULTICAST, 90, 0, 0, 0, 0 },
		{ DST_FOREIGN, 70, 0, 0, 0, 0 },
		{ DST_FOREIGN, 1400, 0x8100, 7, 0, 0 },
	};
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++, i++)
		frame_make(&f[i], v[k].dst, v[k].len, (uint32_t)i, v[k].t1, v[k].c1, v[k].t2, v[k].c2);
	*ret = f;
	return i;
}

size_t frames_simple_set(struct frame **ret, size_t n, uint32_t first_seq)
{
	struct frame *f = calloc(n, sizeof(*f));

	for (size_t i = 0; i < n; i++)
		frame_make(&f[i], DST_CAPTURE_HOST, 60 + (uint32_t)((i * 97) % 1455),
			   first_seq + (uint32_t)i, 0, 0, 0, 0);
	*ret = f;
	return n;
}

int frames_send(const char *ifname, const struct frame *f, size_t n)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	for (size_t i = 0; i < n && r == 0; i++) {
		memcpy(sll.sll_addr, f[i].data, 6);
		if (sendto(fd, f[i].data, f[i].len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void frame_udp(struct frame *f, unsigned flow, uint32_t seq)
{
	static const uint8_t ip_src[4] = { 198, 18, 1, 1 }, ip_dst[4] = { 198, 18, 0, 1 };
	uint8_t *p = f->data, *ip = p + 14, *udp = ip + 20;
	uint32_t be_seq = htonl(seq);
	uint16_t sport = (uint16_t)(1000 + flow), cs;

	memset(f, 0, sizeof(*f));
	f->len = 14 + 20 + 8 + 32;
	memcpy(p, netns_mac_capture, 6);
	memcpy(p + 6, netns_mac_sender, 6);
	p[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 32;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, ip_src, 4);
	memcpy(ip + 16, ip_dst, 4);
	cs = ip_checksum(ip, 20);
	ip[10] = (uint8_t)(cs >> 8);
	ip[11] = (uint8_t)cs;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[3] = 9;
	udp[5] = 8 + 32;
	memcpy(udp + 8, "RCAP", 4);
	memcpy(udp + 12, &be_seq, 4);
	f->epb_flags = 0x5;
}

size_t frames_udp_flows(struct frame **ret, unsigned flows, unsigned per_flow)
{
	struct frame *f = calloc((size_t)flows * per_flow, sizeof(*f));

	for (unsigned s = 0; s < per_flow; s++)
		for (unsigned k = 0; k < flows; k++)
			frame_udp(&f[s * flows + k], k, s);
	*ret = f;
	return (size_t)flows * per_flow;
}
