/* SPDX-License-Identifier: MIT */
/*
 * netns.h - enter another network namespace for a while, on the calling
 * thread. Private plumbing of the modules that open sockets.
 *
 * DESIGN: a socket belongs to the network namespace it was created in, for
 * life, and ioctls on it act on that namespace's interfaces. So a capture
 * of another namespace (ringcap --netns, as ptcpdump or `ip netns exec`
 * would) only has to create its sockets there: it enters the namespace on
 * the thread that opens them and goes back at once, and every later use of
 * those sockets, from any thread, still reaches the interfaces inside.
 * setns(CLONE_NEWNET) changes only the calling thread and needs
 * CAP_SYS_ADMIN.
 */
#ifndef RINGCAP_COMMON_NETNS_H
#define RINGCAP_COMMON_NETNS_H

#include <stddef.h>

/* Enters the namespace spec names: a name as `ip netns` knows it
 * (/run/netns/NAME), or a path with a '/' (/proc/PID/ns/net). *ret_saved
 * gets a descriptor of the namespace the thread was in, for
 * rc_netns_leave. spec NULL or "" enters nothing (*ret_saved = -1).
 * Returns 0 or -errno: -ENOENT no such namespace, -EPERM no CAP_SYS_ADMIN,
 * -EINVAL not a network namespace. */
int rc_netns_enter(const char *spec, int *ret_saved);
/* Back to the saved namespace (a no-op for -1); closes saved. 0 or -errno. */
int rc_netns_leave(int saved);
/* The path spec stands for, into buf ("/run/netns/NAME" or spec). */
void rc_netns_path(const char *spec, char *buf, size_t size);

#endif
