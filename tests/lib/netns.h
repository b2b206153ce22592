/* SPDX-License-Identifier: MIT */
/*
 * netns.h - private network namespaces with veth pairs for integration
 * tests. The calling process moves into the namespace, so every socket it
 * opens and every process it starts is inside; nothing reaches eth0.
 */
#ifndef RINGCAP_TESTS_NETNS_H
#define RINGCAP_TESTS_NETNS_H

#include <stdbool.h>
#include <stdint.h>

/* MACs of the veth ends: locally administered (02:...). */
extern const uint8_t netns_mac_capture[6]; /* rc0, where ringcap listens */
extern const uint8_t netns_mac_sender[6];  /* rc1, where frames are sent */

/* Creates a namespace "rci-<pid>-<n>", enters it, disables IPv6 (no
 * router solicitations or MLD reports to pollute a capture), brings lo up
 * and creates the veth pair rc0 <-> rc1 with the MACs above and MTU 9000.
 * Returns 0 or -1. */
int netns_enter(void);
/* Leaves and deletes the namespace (removing its interfaces). */
void netns_leave(void);
/* Runs a shell command inside the namespace; returns its exit status. */
int netns_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* IFF_* flags of an interface in the namespace, or -1. */
int netns_if_flags(const char *ifname);
/* Waits (3 s at most) until the interface has carrier; 0 or -1. */
int netns_wait_running(const char *ifname);
/* True when running as root (integration tests need it). */
bool netns_have_root(void);

#endif
