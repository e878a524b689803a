/* example_net.h - the socket and clock glue the examples share (sipecho,
 * sipua, sipd). Not part of the library: the headers at the root never
 * touch sockets or clocks; this is the application side that does.
 * Include after sip_transport.h. IPv4 only, like the examples. */
#ifndef CVOIP_EXAMPLE_NET_H
#define CVOIP_EXAMPLE_NET_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* The monotonic clock in µs: the `now_us` every sans-IO call takes. */
static inline uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

/* sockaddr_in (network order) -> sip_ipaddr (port in host order). */
static inline void to_ipaddr(const struct sockaddr_in *sa, sip_ipaddr *a)
{
    memset(a, 0, sizeof *a);
    a->family = 4;
    memcpy(a->ip, &sa->sin_addr, 4);
    a->port = ntohs(sa->sin_port);
}

/* sip_ipaddr -> sockaddr_in, for sendto/connect. */
static inline void from_ipaddr(const sip_ipaddr *a, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    memcpy(&sa->sin_addr, a->ip, 4);
    sa->sin_port = htons(a->port);
}

static inline int nonblock(int fd) { return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

#endif
