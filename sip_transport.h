#if defined(CVOIP_IMPLEMENTATION) && !defined(SIP_TRANSPORT_IMPLEMENTATION)
#define SIP_TRANSPORT_IMPLEMENTATION
#endif
/* sip_transport.h - SIP transports for C, sans-IO: framing, connections,
 * server location (RFC 3261 §18, RFC 3263, RFC 3581, RFC 5626, RFC 6455,
 * RFC 7118, RFC 5923).
 *
 * Part of cvoip, single-file, MIT licence. Builds on sip.h.
 *
 *     #define SIP_TRANSPORT_IMPLEMENTATION  (or CVOIP_IMPLEMENTATION)
 *     #include "sip_transport.h"
 *
 * Nothing here opens a socket or reads a clock: bytes and now_us go in,
 * bytes leave through callbacks, and each stateful context reports its
 * next deadline.
 *
 * Options (define before the include):
 *   SIP_TRANSPORT_IMPLEMENTATION  compile the implementation in this file
 *   SIP_TRANSPORT_STATIC          make every function static
 *
 * Licence: MIT, see the end of this file.
 */

#ifndef SIP_TRANSPORT_H
#define SIP_TRANSPORT_H

#include "sip.h"

#ifndef SIP_TRANSPORT_DEF
#ifdef SIP_TRANSPORT_STATIC
#define SIP_TRANSPORT_DEF static
#else
#define SIP_TRANSPORT_DEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Transports and addresses: the vocabulary shared with sip_transaction.h
 * --------------------------------------------------------------------- */

/** A SIP transport (RFC 3261 §18, RFC 7118 for WS/WSS). */
typedef enum sip_tp {
    SIP_TP_NONE = 0,
    SIP_TP_UDP,
    SIP_TP_TCP,
    SIP_TP_TLS,
    SIP_TP_SCTP,
    SIP_TP_WS,
    SIP_TP_WSS
} sip_tp;

/** 1 when the transport is reliable (RFC 3261 §17: Timers A, E, G, I, J and
 *  K use 0 on reliable transports), 0 for UDP and SIP_TP_NONE. */
SIP_TRANSPORT_DEF int sip_tp_reliable(sip_tp tp);

/** The Via transport token: "UDP", "TCP", "TLS", "SCTP", "WS", "WSS"
 *  (RFC 3261 §20.42, RFC 7118 §5); "" for SIP_TP_NONE. Static storage. */
SIP_TRANSPORT_DEF const char *sip_tp_name(sip_tp tp);

/** The transport named by a Via token or a `transport=` URI parameter,
 *  compared case-insensitively; SIP_TP_NONE when unknown. */
SIP_TRANSPORT_DEF sip_tp sip_tp_from_name(sip_str name);

/** The default port (RFC 3261 §19.1.2, §18.2.2; RFC 7118): 5060 for UDP,
 *  TCP, SCTP; 5061 for TLS; 80 for WS and 443 for WSS. */
SIP_TRANSPORT_DEF uint16_t sip_tp_default_port(sip_tp tp);

/** An IP address and port. `ip` holds 4 (family 4) or 16 (family 6) bytes
 *  in network order; `port` is in host order. family 0 is "no address". */
typedef struct sip_ipaddr {
    uint8_t family;    /**< 4, 6, or 0 for none */
    uint8_t ip[16];    /**< network order; only the first 4 used for IPv4 */
    uint16_t port;     /**< host order; 0 = unspecified */
} sip_ipaddr;

/** 1 when a and b have the same family, address bytes and port. */
SIP_TRANSPORT_DEF int sip_ipaddr_eq(const sip_ipaddr *a, const sip_ipaddr *b);

/** Reads a numeric host (dotted IPv4, or IPv6 with or without brackets) and
 *  an optional ":port" into *out. Returns 0, or SIP_ERR_SYNTAX when the text
 *  is not a numeric address (a domain name is not an error the caller
 *  should treat as fatal: it needs RFC 3263 resolution). */
SIP_TRANSPORT_DEF int sip_ipaddr_parse(sip_str text, sip_ipaddr *out);

/** Writes the address as host text ("192.0.2.1", "[2001:db8::1]" with
 *  brackets for IPv6, RFC 5952 form) followed by ":port" when with_port and
 *  port != 0. Returns the length written (NUL-terminated), or
 *  SIP_ERR_NOSPACE when cap is too small. 48 bytes always suffice. */
SIP_TRANSPORT_DEF int sip_ipaddr_print(const sip_ipaddr *a, int with_port, char *out, size_t cap);

/** A connection (flow) handle. 0 means "no connection"; values are typed
 *  ids (index and generation), never pointers, so a stale handle is
 *  detected rather than followed. */
typedef uint32_t sip_flow;

/** Where a message goes or came from: the transport, the remote address
 *  and, for connection-oriented transports, the flow it uses (0 when the
 *  sender should pick or open one). For UDP `local` names the listening
 *  address the message arrived on or leaves from (family 0 = any). */
typedef struct sip_target {
    sip_tp tp;
    sip_ipaddr remote;
    sip_ipaddr local;
    sip_flow flow;
} sip_target;

#ifdef __cplusplus
}
#endif

#endif /* SIP_TRANSPORT_H */

/* ======================================================================== */
#ifdef SIP_TRANSPORT_IMPLEMENTATION
#ifndef SIP_TRANSPORT_IMPLEMENTATION_DONE
#define SIP_TRANSPORT_IMPLEMENTATION_DONE

#include <string.h>

SIP_TRANSPORT_DEF int sip_tp_reliable(sip_tp tp)
{
    return tp != SIP_TP_NONE && tp != SIP_TP_UDP;
}

static const char *const sip__tp_names[] = {"", "UDP", "TCP", "TLS", "SCTP", "WS", "WSS"};

SIP_TRANSPORT_DEF const char *sip_tp_name(sip_tp tp)
{
    if ((unsigned)tp >= sizeof sip__tp_names / sizeof sip__tp_names[0]) return "";
    return sip__tp_names[tp];
}

SIP_TRANSPORT_DEF sip_tp sip_tp_from_name(sip_str name)
{
    unsigned i;
    for (i = 1; i < sizeof sip__tp_names / sizeof sip__tp_names[0]; i++)
        if (sip_str_caseeq_c(name, sip__tp_names[i])) return (sip_tp)i;
    return SIP_TP_NONE;
}

SIP_TRANSPORT_DEF uint16_t sip_tp_default_port(sip_tp tp)
{
    switch (tp) {
    case SIP_TP_TLS: return 5061;
    case SIP_TP_WS: return 80;
    case SIP_TP_WSS: return 443;
    case SIP_TP_NONE: return 0;
    default: return 5060;
    }
}

SIP_TRANSPORT_DEF int sip_ipaddr_eq(const sip_ipaddr *a, const sip_ipaddr *b)
{
    size_t n = a->family == 6 ? 16 : 4;
    if (a->family != b->family || a->port != b->port) return 0;
    return a->family == 0 || memcmp(a->ip, b->ip, n) == 0;
}

/* Dotted quad, each part 0..255 without leading-zero ambiguity checks
 * beyond length (RFC 3261 §25.1 IPv4address). Returns chars used or 0. */
static size_t sip__tp_ip4(const char *p, size_t n, uint8_t out[4])
{
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        if (part) {
            if (i >= n || p[i] != '.') return 0;
            i++;
        }
        while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 3) {
            v = v * 10 + (unsigned)(p[i] - '0');
            i++, digits++;
        }
        if (!digits || v > 255) return 0;
        out[part] = (uint8_t)v;
    }
    return i;
}

static int sip__tp_hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* IPv6 text (RFC 4291 §2.2, with an embedded IPv4 tail) of exactly n chars. */
static int sip__tp_ip6(const char *p, size_t n, uint8_t out[16])
{
    uint16_t w[8];
    int nw = 0, gap = -1;
    size_t i = 0;
    if (n >= 2 && p[0] == ':' && p[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n && p[0] == ':') {
        return SIP_ERR_SYNTAX;
    }
    while (i < n) {
        unsigned v = 0, d = 0;
        size_t s = i;
        uint8_t v4[4];
        if (nw >= 8) return SIP_ERR_SYNTAX;
        if (nw <= 6 && sip__tp_ip4(p + i, n - i, v4) == n - i && memchr(p + i, '.', n - i)) {
            w[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
            w[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
            i = n;
            break;
        }
        while (i < n && d < 4 && sip__tp_hex(p[i]) >= 0) {
            v = v * 16 + (unsigned)sip__tp_hex(p[i]);
            i++, d++;
        }
        if (!d || i == s) return SIP_ERR_SYNTAX;
        w[nw++] = (uint16_t)v;
        if (i == n) break;
        if (p[i] != ':') return SIP_ERR_SYNTAX;
        i++;
        if (i < n && p[i] == ':') {
            if (gap >= 0) return SIP_ERR_SYNTAX;
            gap = nw;
            i++;
        } else if (i == n) {
            return SIP_ERR_SYNTAX;
        }
    }
    if (gap < 0 && nw != 8) return SIP_ERR_SYNTAX;
    if (gap >= 0 && nw > 7) return SIP_ERR_SYNTAX;
    {
        int k, z = 8 - nw, o = 0;
        for (k = 0; k < 8; k++) {
            uint16_t v;
            if (gap >= 0 && k >= gap && k < gap + z) v = 0;
            else v = w[o++];
            out[2 * k] = (uint8_t)(v >> 8);
            out[2 * k + 1] = (uint8_t)v;
        }
    }
    return 0;
}

static int sip__tp_port(const char *p, size_t n, uint16_t *port)
{
    unsigned long v = 0;
    size_t i;
    if (n == 0 || n > 5) return SIP_ERR_SYNTAX;
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return SIP_ERR_SYNTAX;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    if (v == 0 || v > 65535) return SIP_ERR_SYNTAX;
    *port = (uint16_t)v;
    return 0;
}

SIP_TRANSPORT_DEF int sip_ipaddr_parse(sip_str text, sip_ipaddr *out)
{
    const char *p = text.p;
    size_t n = text.len, host_end;
    sip_ipaddr a;
    memset(&a, 0, sizeof a);
    if (!p || n == 0) return SIP_ERR_SYNTAX;
    if (p[0] == '[') {
        const char *rb = (const char *)memchr(p, ']', n);
        if (!rb) return SIP_ERR_SYNTAX;
        if (sip__tp_ip6(p + 1, (size_t)(rb - p - 1), a.ip)) return SIP_ERR_SYNTAX;
        a.family = 6;
        host_end = (size_t)(rb - p) + 1;
    } else {
        size_t used = sip__tp_ip4(p, n, a.ip);
        if (used && (used == n || p[used] == ':')) {
            a.family = 4;
            host_end = used;
        } else if (memchr(p, ':', n) && !sip__tp_ip6(p, n, a.ip)) {
            a.family = 6; /* bare IPv6 cannot carry a port */
            *out = a;
            return 0;
        } else {
            return SIP_ERR_SYNTAX;
        }
    }
    if (host_end < n) {
        if (p[host_end] != ':') return SIP_ERR_SYNTAX;
        if (sip__tp_port(p + host_end + 1, n - host_end - 1, &a.port)) return SIP_ERR_SYNTAX;
    }
    *out = a;
    return 0;
}

SIP_TRANSPORT_DEF int sip_ipaddr_print(const sip_ipaddr *a, int with_port, char *out, size_t cap)
{
    char buf[64];
    size_t n = 0;
    static const char hex[] = "0123456789abcdef";
    if (a->family == 4) {
        int k;
        for (k = 0; k < 4; k++) {
            unsigned v = a->ip[k];
            if (k) buf[n++] = '.';
            if (v >= 100) buf[n++] = (char)('0' + v / 100);
            if (v >= 10) buf[n++] = (char)('0' + v / 10 % 10);
            buf[n++] = (char)('0' + v % 10);
        }
    } else if (a->family == 6) {
        /* RFC 5952 §4: lower case, no leading zeros, the longest run (>1)
         * of zero words as "::", the first such run on a tie. */
        int k, best = -1, bestlen = 1, run = -1;
        uint16_t w[8];
        for (k = 0; k < 8; k++) w[k] = (uint16_t)(a->ip[2 * k] << 8 | a->ip[2 * k + 1]);
        for (k = 0; k <= 8; k++) {
            if (k < 8 && w[k] == 0) {
                if (run < 0) run = k;
            } else if (run >= 0) {
                if (k - run > bestlen) best = run, bestlen = k - run;
                run = -1;
            }
        }
        buf[n++] = '[';
        for (k = 0; k < 8; k++) {
            int sh, started = 0;
            if (k == best) {
                buf[n++] = ':';
                if (k == 0) buf[n++] = ':';
                k += bestlen - 1;
                continue;
            }
            for (sh = 12; sh >= 0; sh -= 4) {
                unsigned d = (w[k] >> sh) & 15u;
                if (d || started || sh == 0) buf[n++] = hex[d], started = 1;
            }
            if (k < 7) buf[n++] = ':';
        }
        buf[n++] = ']';
    } else {
        return SIP_ERR_SYNTAX;
    }
    if (with_port && a->port) {
        unsigned v = a->port;
        char d[6];
        int m = 0;
        buf[n++] = ':';
        do d[m++] = (char)('0' + v % 10); while ((v /= 10) != 0);
        while (m) buf[n++] = d[--m];
    }
    if (n + 1 > cap) return SIP_ERR_NOSPACE;
    memcpy(out, buf, n);
    out[n] = 0;
    return (int)n;
}

#endif /* SIP_TRANSPORT_IMPLEMENTATION_DONE */
#endif /* SIP_TRANSPORT_IMPLEMENTATION */

/*
 * ----------------------------------------------------------------------------
 * MIT License
 *
 * Copyright (c) 2026 the cvoip authors
 *
 * Permission is hereby granted, free of charge, to any person obtaining a copy
 * of this software and associated documentation files (the "Software"), to
 * deal in the Software without restriction, including without limitation the
 * rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
 * sell copies of the Software, and to permit persons to whom the Software is
 * furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in
 * all copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 * AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 * LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
 * FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
 * IN THE SOFTWARE.
 * ----------------------------------------------------------------------------
 */
