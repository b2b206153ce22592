/* SPDX-License-Identifier: MIT */
/*
 * rcc_udp - traffic for the two-point test: numbered UDP datagrams one
 * way and one reply per number the other way, so both directions of one
 * flow cross the relay.
 *
 *   rcc_udp send LOCAL_IP PORT REMOTE_IP PORT COUNT INTERVAL_US
 *   rcc_udp echo LOCAL_IP PORT IDLE_MS
 *
 * Payloads are "seq NNNNNN a" (requests) and "seq NNNNNN b" (replies).
 * The echo side answers each number once, so a duplicate the relay made
 * does not make a second reply. UDP checksums are off (SO_NO_CHECK):
 * the relay copies frames off AF_PACKET before veth's checksum offload
 * has filled them in, and the far kernel would drop them.
 *
 * DESIGN: test tool; prints one summary line and exits 0.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEQ 100000

static int udp_socket(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, ip, &a.sin_addr);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("rcc_udp");
		exit(1);
	}
	return fd;
}

static unsigned drain(int fd, int timeout_ms)
{
	char buf[64];
	unsigned n = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, timeout_ms) > 0 && recv(fd, buf, sizeof(buf), 0) >= 0)
		n++;
	return n;
}

static int do_send(char **argv)
{
	int fd = udp_socket(argv[0], argv[1]);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3])) };
	unsigned count = (unsigned)atoi(argv[4]), got = 0;
	struct timespec gap = { 0, atol(argv[5]) * 1000 };

	inet_pton(AF_INET, argv[2], &to.sin_addr);
	for (unsigned i = 1; i <= count; i++) {
		char msg[16];

		snprintf(msg, sizeof(msg), "seq %06u a", i);
		if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			perror("rcc_udp: sendto");
		nanosleep(&gap, NULL);
		got += drain(fd, 0);
	}
	got += drain(fd, 1000);
	printf("sent %u received %u\n", count, got);
	return 0;
}

static int do_echo(char **argv)
{
	static bool seen[MAX_SEQ + 1];
	int fd = udp_socket(argv[0], argv[1]), idle = atoi(argv[2]);
	unsigned received = 0, replied = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, idle) > 0) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		char buf[64];
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
		long seq;

		if (n < 12)
			continue;
		buf[n] = 0;
		received++;
		seq = strtol(buf + 4, NULL, 10);
		if (seq < 0 || seq > MAX_SEQ || seen[seq])
			continue;
		seen[seq] = true;
		buf[11] = 'b';
		if (sendto(fd, buf, 12, 0, (struct sockaddr *)&from, fl) == 12)
			replied++;
	}
	printf("received %u replied %u\n", received, replied);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 8 && strcmp(argv[1], "send") == 0)
		return do_send(argv + 2);
	if (argc == 5 && strcmp(argv[1], "echo") == 0)
		return do_echo(argv + 2);
	fprintf(stderr, "usage: rcc_udp send LOCAL_IP PORT REMOTE_IP PORT COUNT INTERVAL_US\n"
			"       rcc_udp echo LOCAL_IP PORT IDLE_MS\n");
	return 2;
}
