#if defined(CVOIP_IMPLEMENTATION) && !defined(SIP_PROXY_IMPLEMENTATION)
#define SIP_PROXY_IMPLEMENTATION
#endif
/* sip_proxy.h - a stateful SIP proxy core for C, sans-IO (RFC 3261 §16,
 * RFC 5393 loops and Max-Breadth, RFC 3327 Path, RFC 5626 flows, RFC 3581
 * kept as the transport's job).
 *
 * Part of cvoip, single-file, MIT licence. Builds on sip.h (parse, edits,
 * builders), sip_transaction.h (the §17 machines it sits on as their TU),
 * sip_registrar.h (the location service and REGISTER processing) and
 * sip_auth_server.h (digest challenges and verification).
 *
 *     #define SIP_PROXY_IMPLEMENTATION   (or CVOIP_IMPLEMENTATION)
 *     #include "sip_proxy.h"
 *
 * What it does, in the order of RFC 3261 §16:
 *   - §16.3 validation: syntax is sip_parse's verdict (the request is
 *     answered statelessly with its status, 400 mostly); 416 for an unknown
 *     Request-URI scheme, 483 at Max-Forwards 0 (an OPTIONS with
 *     Max-Forwards 0 is answered 200 by the proxy itself, §11 / §16.3
 *     item 3), 482 for a loop (item 4: a Via carrying a branch this proxy
 *     computed from the same invariant fields), 420 with Unsupported for an
 *     unknown Proxy-Require option (item 5). The transaction layer's
 *     §8.2.2.2 "merged" flag is ignored (a UAS rule: a spiral looks merged).
 *   - Authentication (§22.3, RFC 7616) when configured: 407 with
 *     Proxy-Authenticate (401 with WWW-Authenticate for REGISTER) from a
 *     sip_authsrv, 403 when its guessing limiter blocks; an application
 *     hook can decide per request.
 *   - REGISTER for our domains goes to a configured sip_registrar
 *     (sip_registrar_process) and is answered here.
 *   - §16.4 route information: the strict-router fix (a Request-URI that
 *     is a Record-Route value of ours is replaced by the last Route value,
 *     which is removed) and the removal of our own top Route (loose
 *     routing, RFC 3261 §16.4, RFC 5658's double Route included).
 *   - §16.5 target set: for our domains the location service (404 when the
 *     address-of-record is unknown, 480 when it has no current binding),
 *     otherwise the Request-URI; targets sorted by q: equal q in parallel,
 *     groups in descending q one after another (serial forking); Path of a
 *     binding becomes Route (RFC 3327 §5.3); a binding's RFC 5626 flow is
 *     the transport of its branch when no Path leads elsewhere; Max-Breadth
 *     (RFC 5393 §5) limits parallel branches and is divided among them.
 *   - §16.6 forwarding: a copy with the Request-URI set to the target,
 *     Max-Forwards decremented, Record-Route with lr (two values when the
 *     transport changes between the legs, RFC 5658), our Via on top with a
 *     branch "z9hG4bK" + hash of the invariant fields + "." + a unique
 *     counter (item 8 loop detection), Route pushed from Path or the
 *     outbound proxy, and one client transaction per branch. Every byte the
 *     edits do not touch is copied (sip_proxy_edit_apply), so received and
 *     rport (RFC 3581, written by the transport) stay as they are.
 *   - §16.7 response context: provisional responses but 100 forwarded;
 *     every 2xx forwarded at once (all of them for a forked INVITE); a 6xx
 *     CANCELs the other branches; at the end the best response (§16.7 item
 *     6: 6xx, else the lowest class; in 4xx 401, 407, 415, 420 and 484
 *     first; a 503 goes up as 500; no response at all gives 408) with
 *     every WWW-/Proxy-Authenticate of every 401/407 branch merged into it
 *     (item 7); our Via removed (item 3).
 *   - §16.8 Timer C per INVITE branch (3 min, reset by 101-199): on expiry
 *     a CANCEL when the branch had a provisional response, else the branch
 *     counts as a 408.
 *   - §16.10 CANCEL: answered 200, every pending branch cancelled, and the
 *     INVITE answered with the best response (the 487s from downstream; 487
 *     when no branch answered at all). A CANCEL for nothing gets 481.
 *   - ACK for a 2xx (end to end, its own transaction) is forwarded
 *     statelessly along the route (§16.11 rules: Route processing,
 *     Max-Forwards, a Via whose branch is the hash of the ACK's invariant
 *     fields); an ACK for a non-2xx is absorbed by the server transaction.
 *
 * Decisions, and why:
 *  - The proxy owns its transaction layer (sip_proxy.tsx) and is its only
 *    TU: every server transaction is a request to proxy, so nothing else
 *    would handle its events. The layer's send goes to the proxy's send
 *    callback; stateless ACK forwarding uses the same callback.
 *  - One response context per proxied request, one allocation holding the
 *    branches, the request copy (for serial branches) and the target
 *    strings. The best response and the collected challenges are separate
 *    allocations made only when a branch fails. Contexts are found through
 *    the transactions' ctx pointers: no table lookup per message.
 *  - Contexts are freed when their server transaction and every client
 *    transaction (CANCELs included) have ended, so late 2xx
 *    retransmissions of a forked INVITE still find their way up.
 *  - Timer C deadlines are kept per branch; the proxy keeps the earliest
 *    as a lower bound and scans the live contexts only when it is due, so
 *    sip_proxy_next_deadline() is O(1).
 *  - Loop detection hashes the Request-URI as received, From tag, To tag,
 *    Call-ID, CSeq number, Route, Proxy-Require and Proxy-Authorization
 *    (the §16.6 item 8 invariants; not the top Via, which changes on every
 *    hop of a loop) with a secret 64-bit seed, so only this proxy writes
 *    that branch prefix and a spiral (same request, different Request-URI)
 *    is no loop.
 *  - Without the location service for an address-of-record, "unknown"
 *    (404) and "no current binding" (480) are told apart by asking the
 *    store for bindings at time 0 (bindings not yet swept): no extra store
 *    operation is needed.
 *  - The target of a branch comes from the resolve callback (DNS is the
 *    application's, RFC 3263 with sip_transport.h); without one only
 *    numeric hosts (and flows) are accepted, which tests and simple
 *    deployments want.
 *  - Stray responses (no client transaction) are dropped and counted:
 *    RFC 6026 keeps the client transaction alive for 2xx retransmissions,
 *    and §16.7 stateless forwarding of anything else would need the next
 *    Via resolved, which the application does not expect here.
 *
 * Not done (yet): a next hop that is a strict router (a Route without lr
 * is used as a loose one); a CANCEL matching no context is answered 481
 * instead of being forwarded statelessly (§16.10); the 2xx ACK's Via
 * branch is the hash of the ACK (stateless, §16.11) with no counter;
 * Timer C is not started for non-INVITE branches (Timer F ends them).
 *
 * Options: SIP_PROXY_IMPLEMENTATION, SIP_PROXY_STATIC,
 * SIP_PROXY_MALLOC(n) / SIP_PROXY_FREE(p) (default malloc/free; contexts
 * and scratch buffers only). Licence: MIT, see the end of this file.
 */
#ifndef SIP_PROXY_H
#define SIP_PROXY_H

#include "sip.h"
#include "sip_transport.h"
#include "sip_transaction.h"
#include "sip_registrar.h"
#include "sip_auth_server.h"

#ifndef SIP_PROXY_DEF
#ifdef SIP_PROXY_STATIC
#define SIP_PROXY_DEF static
#else
#define SIP_PROXY_DEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes (range -900 .. -999; 0 is success). */
typedef enum sip_proxy_err {
    SIP_PROXY_ERR_INVALID = -900,  /**< bad argument or configuration */
    SIP_PROXY_ERR_NOMEM = -901,    /**< the allocator failed */
    SIP_PROXY_ERR_FULL = -902,     /**< cfg.max_contexts reached */
    SIP_PROXY_ERR_NOSPACE = -903,  /**< a message does not fit the scratch
                                        buffer (cfg.max_message) */
    SIP_PROXY_ERR_BUSY = -904      /**< called from a callback where not
                                        allowed */
} sip_proxy_err;

/** Short English text for a SIP_PROXY_ERR_* code (or a code of the layers
 *  below). Static storage, never NULL. */
SIP_PROXY_DEF const char *sip_proxy_strerror(int err);

/** One address this proxy listens on, per transport: what goes into Via
 *  sent-by and Record-Route (RFC 3261 §16.6 items 4 and 8). host is the
 *  text as written in URIs (IPv6 in brackets); caller-owned, outlives the
 *  proxy. port 0 means the transport's default. */
typedef struct sip_proxy_listen {
    sip_tp tp;
    sip_str host;
    uint16_t port;
} sip_proxy_listen;

/** One target of a target set (§16.5). Strings are the callback's and need
 *  only last until it returns (the proxy copies them). */
typedef struct sip_proxy_target {
    sip_str uri;     /**< the Request-URI of the branch (a Contact URI) */
    sip_str path;    /**< Route values to push, "<a>, <b>" (RFC 3327), or absent */
    uint16_t q;      /**< 0..1000 (q * 1000); equal q fork in parallel */
    uint32_t flow;   /**< RFC 5626 flow to reach the target, 0 when none */
} sip_proxy_target;

/** Most targets a lookup may return (the rest are not used). */
#define SIP_PROXY_MAX_TARGETS 32

/** Configuration; zero fields take the defaults in brackets. Pointers are
 *  caller-owned and must outlive the proxy. */
typedef struct sip_proxy_config {
    const sip_proxy_listen *listen; /**< our addresses, one per transport; required */
    size_t n_listen;
    int record_route;               /**< add Record-Route (§16.6 item 4) [0] */
    const char *const *domains;     /**< NULL-terminated domains we are
                                         responsible for (§16.5); NULL: none */
    const char *const *supported;   /**< Proxy-Require option tags we
                                         understand; NULL: none (§16.3 item 5) */
    sip_str outbound_proxy;         /**< URI (with ;lr) pushed as Route for
                                         requests to other domains that carry
                                         no Route, or absent */
    const sip_location_ops *location; /**< location service for the default
                                         lookup; NULL: every target is the
                                         Request-URI */
    void *location_store;
    sip_registrar *registrar;       /**< answers REGISTER for our domains;
                                         NULL: REGISTER is proxied */
    sip_authsrv *auth;              /**< digest server; NULL: no authentication */
    uint32_t auth_methods;          /**< bit (1u << sip_method) per method
                                         challenged by the default hook [0] */
    uint32_t max_contexts;          /**< live response contexts [4096] */
    uint32_t max_branches;          /**< branches per request [8] (<= SIP_PROXY_MAX_TARGETS) */
    uint32_t timer_c_ms;            /**< Timer C (§16.8, > 3 min) [180000] */
    uint32_t max_breadth;           /**< Max-Breadth when the request has none
                                         (RFC 5393 §5) [60] */
    uint32_t max_message;           /**< bytes of a forwarded message [16384] */
} sip_proxy_config;

/** What the application is told (logging, statistics). */
typedef enum sip_proxy_event_type {
    SIP_PROXY_EV_REJECTED = 1, /**< the proxy answered a request itself (status) */
    SIP_PROXY_EV_FORWARDED,    /**< a branch started (target = its URI) */
    SIP_PROXY_EV_FINAL,        /**< the final response sent upstream (status) */
    SIP_PROXY_EV_TIMER_C,      /**< Timer C fired on a branch (target) */
    SIP_PROXY_EV_ACK,          /**< an ACK for a 2xx forwarded statelessly */
    SIP_PROXY_EV_DROPPED,      /**< a message dropped (stray response, ACK
                                    that could not be routed); what says why */
    SIP_PROXY_EV_ERROR         /**< an internal failure (error, what) */
} sip_proxy_event_type;

/** One event; pointers valid during the callback only. */
typedef struct sip_proxy_event {
    sip_proxy_event_type type;
    int status;              /**< REJECTED, FINAL */
    const sip_msg *msg;      /**< the request or response concerned, or NULL */
    sip_str target;          /**< FORWARDED, TIMER_C: the branch URI */
    const char *what;        /**< short static text */
    int error;               /**< ERROR: the code */
} sip_proxy_event;

/** Callbacks, copied at init; size = sizeof(sip_proxy_callbacks). send is
 *  required; the others may be NULL. */
typedef struct sip_proxy_callbacks {
    uint32_t size;
    void *user;              /**< first argument of every callback */
    /** Send msg[0..len) to `to` (RFC 3261 §18). 0 or a negative transport
     *  error. Must not call into the proxy. */
    int (*send)(void *user, const sip_target *to, const uint8_t *msg, size_t len);
    /** The target set of a request (§16.5): fill up to max targets and
     *  return how many; 0 with *status set (e.g. 404, 480, 403) to answer
     *  instead; negative to answer 500. NULL: the default (location
     *  service for our domains, the Request-URI otherwise). */
    int (*lookup)(void *user, const sip_msg *req, uint64_t now_us,
                  sip_proxy_target *out, size_t max, int *status);
    /** Where a branch goes: the next hop URI (top Route, else the target)
     *  and the flow (RFC 5626, 0 none) into *out (RFC 3263 order; the
     *  first target is used). 0, or negative: the branch fails as a 503
     *  (§16.9). NULL: numeric hosts and flows only. */
    int (*resolve)(void *user, const sip_uri *next_hop, uint32_t flow, sip_target *out);
    /** Authentication decision (§22.3): 0 lets the request through, 401 or
     *  407 asks the proxy to verify (and challenge) with cfg.auth, any
     *  other 4xx-6xx rejects with that status. NULL: 401 for REGISTER and
     *  407 for other methods in cfg.auth_methods when cfg.auth is set. */
    int (*authorize)(void *user, const sip_msg *req, const sip_target *from);
    /** Randomness: the seed of the loop hash and branch counter at init.
     *  NULL: fixed seeds (deterministic, for tests). */
    int (*rand)(void *user, uint8_t *buf, size_t n);
    /** Events (logging). */
    void (*on_event)(void *user, const sip_proxy_event *ev);
} sip_proxy_callbacks;

struct sip__px_ctx;

/** The proxy. Counters are readable; change nothing else directly. */
typedef struct sip_proxy {
    sip_proxy_config cfg;        /**< effective values after init */
    sip_proxy_callbacks cb;
    sip_tsx_layer tsx;           /**< its transaction layer */
    struct sip__px_ctx **ctx;    /**< live contexts (max_contexts slots) */
    uint32_t n_ctx;              /**< live contexts */
    uint32_t *free_slots;        /**< stack of free slot indices */
    uint64_t now;                /**< time of the call being served */
    uint64_t seed, seq;          /**< loop hash seed, branch counter */
    uint64_t c_next;             /**< earliest Timer C (lower bound) */
    char *scratch;               /**< cfg.max_message bytes */
    char *scratch2;
    int depth;                   /**< callbacks running */
    /* counters */
    uint64_t forwarded;          /**< branches started */
    uint64_t rejected;           /**< requests answered by the proxy */
    uint64_t loops;              /**< 482 for loops */
    uint64_t acks;               /**< 2xx ACKs forwarded */
    uint64_t dropped;            /**< stray responses and unroutable ACKs */
    size_t bytes;                /**< bytes held by contexts now */
    size_t bytes_peak;
} sip_proxy;

/** Set up P: copies cfg and cb, checks them, allocates the context table
 *  and two scratch buffers, and initialises P->tsx with tsx_cfg (NULL:
 *  defaults). Returns 0, SIP_PROXY_ERR_INVALID (NULL arguments, cb->size
 *  too small, no send, no listen address, max_branches over
 *  SIP_PROXY_MAX_TARGETS, timer_c_ms under 180000 when set), SIP_PROXY_ERR_NOMEM,
 *  or an error of sip_tsx_layer_init(). */
SIP_PROXY_DEF int sip_proxy_init(sip_proxy *P, const sip_proxy_config *cfg,
                                 const sip_proxy_callbacks *cb,
                                 const sip_tsx_config *tsx_cfg);

/** Free every context, transaction and buffer; nothing is sent. Returns 0
 *  or SIP_PROXY_ERR_BUSY from a callback. */
SIP_PROXY_DEF int sip_proxy_destroy(sip_proxy *P);

/** One message arrived from `from` at now_us (one datagram or one framed
 *  stream message). A request sip_parse refuses is answered here,
 *  statelessly, with the status and reason of *perr (§16.3 item 1: 400,
 *  or 505/501/513) when it carries Via, From, To, Call-ID and CSeq (never
 *  an ACK; a bad response is dropped). Returns what sip_tsx_receive()
 *  returns (the proxy's work happens in the events it raises; the parse
 *  error, with *perr filled when non-NULL, for a bad message), or
 *  SIP_PROXY_ERR_BUSY. */
SIP_PROXY_DEF int sip_proxy_receive(sip_proxy *P, const char *buf, size_t len,
                                    const sip_target *from, uint64_t now_us,
                                    sip_parse_error *perr);

/** When sip_proxy_on_timeout() must next run (µs), UINT64_MAX when never. */
SIP_PROXY_DEF uint64_t sip_proxy_next_deadline(const sip_proxy *P);

/** Run the transaction timers and Timer C due at now_us. Returns the
 *  number of timers fired or SIP_PROXY_ERR_BUSY. */
SIP_PROXY_DEF int sip_proxy_on_timeout(sip_proxy *P, uint64_t now_us);

/** Live response contexts. */
SIP_PROXY_DEF uint32_t sip_proxy_count(const sip_proxy *P);

/** The loop-detection hash of a request (§16.6 item 8, §16.3 item 4) as
 *  16 lowercase hex characters plus NUL into out[17]; the part of our
 *  branches between "z9hG4bK" and ".". For tests and logs. */
SIP_PROXY_DEF void sip_proxy_loop_hash(const sip_proxy *P, const sip_msg *req, char out[17]);

#ifdef __cplusplus
}
#endif

#endif /* SIP_PROXY_H */

/* ======================================================================== */
#if defined(SIP_PROXY_IMPLEMENTATION) && !defined(SIP_PROXY_IMPLEMENTATION_DONE)
#define SIP_PROXY_IMPLEMENTATION_DONE

#include <string.h>

#ifndef SIP_PROXY_MALLOC
#include <stdlib.h>
#define SIP_PROXY_MALLOC(n) malloc(n)
#define SIP_PROXY_FREE(p) free(p)
#endif

#define SIP__PX_AUTH_MAX 8192u

enum { SIP__PXB_QUEUED = 0, SIP__PXB_ACTIVE, SIP__PXB_DONE };

typedef struct sip__px_branch {
    sip_tsx_id id;
    uint64_t timer_c;        /* UINT64_MAX when off */
    uint8_t state, got_prov, cancel_sent;
    uint16_t q;
    uint32_t flow;
    sip_str uri, path;       /* into the context's string area */
} sip__px_branch;

typedef struct sip__px_ctx {
    uint32_t slot;
    sip_tsx_id server;       /* 0 once ended */
    sip_method method;
    int live;                /* live transactions: server, branches, CANCELs */
    int busy;
    uint8_t final_sent, cancelled, remove_route, has_breadth, stop;
    sip_tp in_tp;
    uint32_t breadth;        /* Max-Breadth of the request (RFC 5393) */
    uint32_t n_branch, next; /* branches, first queued one */
    int best_status;         /* 0: none */
    int best_rank;
    char *best;              /* the best response, our Via removed */
    size_t best_len;
    char *auth;              /* collected challenge fields */
    size_t auth_len;
    char *req;               /* the request as received (after §16.4 fixes) */
    size_t req_len;
    size_t alloc;            /* bytes of this block */
    sip__px_branch b[1];     /* n_branch entries, then req, then strings */
} sip__px_ctx;

SIP_PROXY_DEF const char *sip_proxy_strerror(int err)
{
    switch (err) {
    case 0: return "ok";
    case SIP_PROXY_ERR_INVALID: return "invalid argument or configuration";
    case SIP_PROXY_ERR_NOMEM: return "out of memory";
    case SIP_PROXY_ERR_FULL: return "response context limit reached";
    case SIP_PROXY_ERR_NOSPACE: return "message too large";
    case SIP_PROXY_ERR_BUSY: return "not allowed from a callback";
    default: return sip_tsx_strerror(err);
    }
}

/* ---- small helpers -------------------------------------------------------- */

static void sip__px_emit(sip_proxy *P, sip_proxy_event_type t, int status, const sip_msg *m,
                         sip_str target, const char *what, int error)
{
    sip_proxy_event ev;
    if (!P->cb.on_event) return;
    memset(&ev, 0, sizeof ev);
    ev.type = t;
    ev.status = status;
    ev.msg = m;
    ev.target = target;
    ev.what = what;
    ev.error = error;
    P->cb.on_event(P->cb.user, &ev);
}

static sip_str sip__px_none(void)
{
    sip_str s;
    s.p = NULL;
    s.len = 0;
    return s;
}

static void *sip__px_alloc(sip_proxy *P, size_t n)
{
    void *p = SIP_PROXY_MALLOC(n);
    if (p) {
        P->bytes += n;
        if (P->bytes > P->bytes_peak) P->bytes_peak = P->bytes;
    }
    return p;
}

static void sip__px_release(sip_proxy *P, void *p, size_t n)
{
    if (!p) return;
    P->bytes -= n;
    SIP_PROXY_FREE(p);
}

/* FNV-1a over a span, continuing h. */
static uint64_t sip__px_fnv(uint64_t h, const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ull;
    }
    h ^= 0xff; /* field separator, so ("ab","c") differs from ("a","bc") */
    h *= 0x100000001b3ull;
    return h;
}

static void sip__px_hex(uint64_t v, char *out, int digits)
{
    static const char hx[] = "0123456789abcdef";
    int i;
    for (i = digits - 1; i >= 0; i--) {
        out[i] = hx[v & 15];
        v >>= 4;
    }
}

SIP_PROXY_DEF void sip_proxy_loop_hash(const sip_proxy *P, const sip_msg *m, char out[17])
{
    static const sip_hdr_id ids[] = {SIP_HDR_ROUTE, SIP_HDR_PROXY_REQUIRE,
                                     SIP_HDR_PROXY_AUTHORIZATION};
    uint64_t h = 0xcbf29ce484222325ull ^ P->seed;
    char num[8];
    size_t k;
    h = sip__px_fnv(h, m->ruri_str.p, m->ruri_str.len);
    h = sip__px_fnv(h, m->from.tag.p, m->from.tag.len);
    h = sip__px_fnv(h, m->to.tag.p, m->to.tag.len);
    h = sip__px_fnv(h, m->call_id.p, m->call_id.len);
    sip__px_hex(m->cseq.num, num, 8);
    h = sip__px_fnv(h, num, 8);
    for (k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        size_t pos = 0;
        const sip_hdr *hd;
        while ((hd = sip_msg_find(m, ids[k], &pos)) != NULL)
            h = sip__px_fnv(h, hd->value.p, hd->value.len);
    }
    /* one more round of mixing so that the seed affects every bit */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    sip__px_hex(h, out, 16);
    out[16] = 0;
}

/* A span inside a span: 1 when needle occurs in hay. */
static int sip__px_contains(sip_str hay, const char *needle, size_t n)
{
    size_t i;
    if (hay.len < n) return 0;
    for (i = 0; i + n <= hay.len; i++)
        if (hay.p[i] == needle[0] && memcmp(hay.p + i, needle, n) == 0) return 1;
    return 0;
}

/* The listen entry for a transport (the first one when none matches). */
static const sip_proxy_listen *sip__px_listen(const sip_proxy *P, sip_tp tp)
{
    size_t i;
    for (i = 0; i < P->cfg.n_listen; i++)
        if (P->cfg.listen[i].tp == tp) return &P->cfg.listen[i];
    return &P->cfg.listen[0];
}

/* 1 when a URI names this proxy: host of a listen entry and its port (or
 * no port, which means the default). */
static int sip__px_uri_is_us(const sip_proxy *P, const sip_uri *u)
{
    size_t i;
    if (u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS) return 0;
    for (i = 0; i < P->cfg.n_listen; i++) {
        const sip_proxy_listen *l = &P->cfg.listen[i];
        sip_str h = l->host;
        uint16_t lp = l->port ? l->port : sip_tp_default_port(l->tp);
        if (h.len >= 2 && h.p[0] == '[') { h.p++; h.len -= 2; }
        if (!sip_str_caseeq(h, u->host)) continue;
        if (!u->has_port || u->port == lp) return 1;
    }
    return 0;
}

/* 1 when host is one of our domains (§16.5). */
static int sip__px_our_domain(const sip_proxy *P, const sip_uri *u)
{
    const char *const *d;
    if (!P->cfg.domains || (u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS)) return 0;
    for (d = P->cfg.domains; *d; d++)
        if (sip_str_caseeq_c(u->host, *d)) return 1;
    return 0;
}

/* The first value of a "<a>, <b>" list (commas inside <> or quotes do
 * not split). */
static sip_str sip__px_first_value(sip_str s)
{
    size_t i;
    int angle = 0, quote = 0;
    for (i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (quote) {
            if (c == '\\' && i + 1 < s.len) i++;
            else if (c == '"') quote = 0;
        } else if (c == '"') quote = 1;
        else if (c == '<') angle = 1;
        else if (c == '>') angle = 0;
        else if (c == ',' && !angle) break;
    }
    s.len = i;
    return sip_str_trim(s);
}

/* A deterministic To tag for the proxy's own answers: a hash of the
 * dialog-identifying fields (§8.2.6.2 wants it per response). */
static sip_str sip__px_tag(sip_proxy *P, const sip_msg *m, char buf[17])
{
    uint64_t h = 0xcbf29ce484222325ull ^ (P->seed * 31u);
    sip_str s;
    h = sip__px_fnv(h, m->call_id.p, m->call_id.len);
    h = sip__px_fnv(h, m->from.tag.p, m->from.tag.len);
    sip__px_hex(h, buf, 16);
    buf[16] = 0;
    s.p = buf;
    s.len = 16;
    return s;
}

/* Answer a request ourselves. */
static void sip__px_answer(sip_proxy *P, sip_tsx_id id, const sip_msg *m, int status,
                           const char *reason, const sip_hdr_field *extra, size_t n_extra)
{
    char tb[17];
    int r = sip_tsx_reply(&P->tsx, id, status, reason, sip__px_tag(P, m, tb), extra, n_extra,
                          sip__px_none(), P->now);
    P->rejected++;
    sip__px_emit(P, SIP_PROXY_EV_REJECTED, status, m, sip__px_none(), reason, r);
}

/* ---- a general copy with edits the sip.h editor does not do -------------- */

typedef struct sip__pxw {
    char *out;
    size_t cap, n;
} sip__pxw;

static void sip__pxw_put(sip__pxw *w, const char *p, size_t n)
{
    if (w->n + n <= w->cap && n) memcpy(w->out + w->n, p, n);
    w->n += n;
}

static void sip__pxw_str(sip__pxw *w, sip_str s) { sip__pxw_put(w, s.p, s.len); }
static void sip__pxw_c(sip__pxw *w, const char *s) { sip__pxw_put(w, s, strlen(s)); }

static void sip__pxw_u(sip__pxw *w, uint32_t v)
{
    char d[10];
    int k = 0;
    do d[k++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (k) sip__pxw_put(w, &d[--k], 1);
}

/* Copy m with: the Request-URI replaced (new_ruri present), the value
 * `drop` removed (its field rewritten without it), every field whose id
 * is in drop_ids[0..n_drop) removed, and `add` (whole field lines) inserted
 * before the blank line. Returns the length or SIP_PROXY_ERR_NOSPACE. */
static int sip__px_copy(char *out, size_t cap, const sip_msg *m, sip_str new_ruri,
                        const sip_hdr *drop, const sip_hdr_id *drop_ids, size_t n_drop,
                        sip_str add)
{
    sip__pxw w;
    const char *src = m->start_line.p, *end;
    size_t i;
    w.out = out;
    w.cap = cap;
    w.n = 0;
    if (new_ruri.p && m->is_request) {
        sip__pxw_put(&w, src, (size_t)(m->ruri_str.p - src));
        sip__pxw_str(&w, new_ruri);
        src = m->ruri_str.p + m->ruri_str.len;
    }
    for (i = 0; i < m->n_hdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        int whole = 0, part;
        size_t d;
        for (d = 0; d < n_drop; d++) whole |= h->id == drop_ids[d];
        part = drop && h->field.p == drop->field.p;
        if (h->index != 0 || (!whole && !part)) continue;
        sip__pxw_put(&w, src, (size_t)(h->field.p - src));
        src = h->field.p + h->field.len;
        if (part && !whole && h->count > 1) {
            size_t k, first = 1;
            sip__pxw_str(&w, h->name);
            sip__pxw_c(&w, ": ");
            for (k = 0; k < h->count; k++) {
                if (&m->hdrs[i + k] == drop) continue;
                if (!first) sip__pxw_c(&w, ", ");
                first = 0;
                sip__pxw_str(&w, m->hdrs[i + k].value);
            }
            sip__pxw_c(&w, "\r\n");
        }
    }
    end = m->n_hdrs ? m->hdrs[m->n_hdrs - 1].field.p + m->hdrs[m->n_hdrs - 1].field.len
                    : m->start_line.p + m->start_line.len;
    if (end < src) end = src;
    sip__pxw_put(&w, src, (size_t)(end - src));
    if (end > m->start_line.p && end[-1] != '\n') sip__pxw_c(&w, "\r\n");
    sip__pxw_str(&w, add);
    sip__pxw_c(&w, "\r\n");
    sip__pxw_str(&w, m->body);
    if (w.n > cap) return SIP_PROXY_ERR_NOSPACE;
    return (int)w.n;
}

static int sip__px_parse(const char *buf, size_t len, sip_msg *m, sip_hdr *h, size_t cap)
{
    sip_parse_config pc;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    pc.max_message = len + 1;
    return sip_parse(buf, len, &pc, m, h, cap, NULL) > 0 ? 0 : SIP_PROXY_ERR_INVALID;
}

/* ---- contexts ------------------------------------------------------------- */

static void sip__px_ctx_free(sip_proxy *P, sip__px_ctx *c)
{
    P->ctx[c->slot] = NULL;
    P->n_ctx--;
    P->free_slots[P->cfg.max_contexts - 1 - P->n_ctx] = c->slot;
    sip__px_release(P, c->best, c->best_len);
    sip__px_release(P, c->auth, c->auth_len);
    sip__px_release(P, c, c->alloc);
}

/* Free the context when nothing refers to it any more. */
static void sip__px_unref(sip_proxy *P, sip__px_ctx *c)
{
    if (c->live <= 0 && c->busy <= 0) sip__px_ctx_free(P, c);
}

/* A free slot: free_slots[0 .. max_contexts - n_ctx) is a stack of the
 * free ones, its top at index max_contexts - 1 - n_ctx. O(1). */
static int sip__px_slot(sip_proxy *P)
{
    if (P->n_ctx >= P->cfg.max_contexts) return -1;
    return (int)P->free_slots[P->cfg.max_contexts - 1 - P->n_ctx];
}

/* q descending, stable (insertion sort: at most SIP_PROXY_MAX_TARGETS). */
static void sip__px_sort(sip_proxy_target *t, size_t n)
{
    size_t i, j;
    for (i = 1; i < n; i++) {
        sip_proxy_target x = t[i];
        for (j = i; j > 0 && t[j - 1].q < x.q; j--) t[j] = t[j - 1];
        t[j] = x;
    }
}

/* Bytes from the start line to the end of the body (msg_len may also
 * count CRLFs before the start line on streams). */
static size_t sip__px_msg_size(const sip_msg *m)
{
    const char *end = m->start_line.p + m->start_line.len;
    if (m->n_hdrs) {
        const sip_hdr *h = &m->hdrs[m->n_hdrs - 1];
        if (h->field.p + h->field.len > end) end = h->field.p + h->field.len;
    }
    if (m->body.p && m->body.p + m->body.len > end) end = m->body.p + m->body.len;
    return (size_t)(end - m->start_line.p);
}

static sip__px_ctx *sip__px_ctx_new(sip_proxy *P, const sip_msg *m, const sip_proxy_target *t,
                                    size_t n)
{
    size_t mlen = sip__px_msg_size(m);
    size_t i, strs = 0, sz;
    int slot = sip__px_slot(P);
    sip__px_ctx *c;
    char *sp;
    if (slot < 0) return NULL;
    for (i = 0; i < n; i++) strs += t[i].uri.len + t[i].path.len;
    sz = sizeof *c + (n ? n - 1 : 0) * sizeof(sip__px_branch) + mlen + strs;
    c = (sip__px_ctx *)sip__px_alloc(P, sz);
    if (!c) return NULL;
    memset(c, 0, sizeof *c + (n ? n - 1 : 0) * sizeof(sip__px_branch));
    c->alloc = sz;
    c->slot = (uint32_t)slot;
    c->method = m->method;
    c->n_branch = (uint32_t)n;
    c->req = (char *)&c->b[n ? n : 1];
    c->req_len = mlen;
    memcpy(c->req, m->start_line.p, mlen);
    sp = c->req + mlen;
    for (i = 0; i < n; i++) {
        sip__px_branch *b = &c->b[i];
        b->timer_c = UINT64_MAX;
        b->q = t[i].q;
        b->flow = t[i].flow;
        memcpy(sp, t[i].uri.p, t[i].uri.len);
        b->uri.p = sp;
        b->uri.len = t[i].uri.len;
        sp += t[i].uri.len;
        if (t[i].path.len) {
            memcpy(sp, t[i].path.p, t[i].path.len);
            b->path.p = sp;
            b->path.len = t[i].path.len;
            sp += t[i].path.len;
        }
    }
    P->ctx[slot] = c;
    P->n_ctx++;
    return c;
}

static sip__px_branch *sip__px_find(sip__px_ctx *c, sip_tsx_id id)
{
    uint32_t i;
    for (i = 0; i < c->n_branch; i++)
        if (c->b[i].id == id && c->b[i].state != SIP__PXB_QUEUED) return &c->b[i];
    return NULL;
}

/* ---- forwarding (§16.6) -------------------------------------------------- */

/* The default resolver: numeric hosts, transport from the URI. */
static int sip__px_resolve(sip_proxy *P, const sip_uri *u, uint32_t flow, sip_target *t)
{
    sip_str tpv;
    memset(t, 0, sizeof *t);
    if (P->cb.resolve) return P->cb.resolve(P->cb.user, u, flow, t);
    if (u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS) return SIP_PROXY_ERR_INVALID;
    t->tp = u->scheme == SIP_URI_SIPS ? SIP_TP_TLS : SIP_TP_UDP;
    if (sip_param_find(u->params, "transport", &tpv) == 1 && tpv.p) {
        t->tp = sip_tp_from_name(tpv);
        if (t->tp == SIP_TP_NONE) return SIP_PROXY_ERR_INVALID;
    }
    if (sip_ipaddr_parse(u->host, &t->remote) != 0) return SIP_PROXY_ERR_INVALID;
    t->remote.port = u->has_port ? u->port : sip_tp_default_port(t->tp);
    t->flow = flow;
    return 0;
}

/* Record-Route value(s): one, or two when the transport changes between
 * the legs (RFC 5658 §3.2: the top one faces the outgoing leg). */
static void sip__px_rr_one(sip__pxw *w, const sip_proxy_listen *l, int with_tp)
{
    sip__pxw_c(w, "<sip:");
    sip__pxw_str(w, l->host);
    if (l->port) {
        sip__pxw_c(w, ":");
        sip__pxw_u(w, l->port);
    }
    if (with_tp || l->tp != SIP_TP_UDP) {
        const char *n = sip_tp_name(l->tp);
        char lc[8];
        size_t i;
        for (i = 0; n[i] && i < sizeof lc; i++)
            lc[i] = (char)(n[i] >= 'A' && n[i] <= 'Z' ? n[i] + 32 : n[i]);
        sip__pxw_c(w, ";transport=");
        sip__pxw_put(w, lc, i);
    }
    sip__pxw_c(w, ";lr>");
}

/* Insert `lines` into buf (len bytes, cap) after the line ending at the
 * n-th '\n'. Returns the new length or SIP_PROXY_ERR_NOSPACE. */
static int sip__px_insert_after(char *buf, size_t len, size_t cap, int nth, const char *lines,
                                size_t ln)
{
    size_t i, at = 0;
    int seen = 0;
    for (i = 0; i < len && seen < nth; i++)
        if (buf[i] == '\n') {
            seen++;
            at = i + 1;
        }
    if (seen < nth || len + ln > cap) return SIP_PROXY_ERR_NOSPACE;
    memmove(buf + at + ln, buf + at, len - at);
    memcpy(buf + at, lines, ln);
    return (int)(len + ln);
}

/* The first Route value after ours (when removed), for the next hop. */
static const sip_hdr *sip__px_next_route(const sip_msg *m, int skip_first)
{
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_ROUTE, &pos);
    if (h && skip_first) h = sip_msg_find(m, SIP_HDR_ROUTE, &pos);
    return h;
}

static void sip__px_check_done(sip_proxy *P, sip__px_ctx *c);
static int sip__px_rank(int st);

/* A status the proxy decided for a branch (408, 503, ...) without a
 * response to keep: it competes with the kept response by rank. */
static void sip__px_synth(sip_proxy *P, sip__px_ctx *c, int status)
{
    int rank = sip__px_rank(status);
    if (c->best_status && rank >= c->best_rank) return;
    sip__px_release(P, c->best, c->best_len);
    c->best = NULL;
    c->best_len = 0;
    c->best_status = status;
    c->best_rank = rank;
}

/* Start branch b of context c from the parsed request m. */
static int sip__px_forward(sip_proxy *P, sip__px_ctx *c, sip__px_branch *b, const sip_msg *m,
                           uint32_t breadth_each)
{
    char via[160], rr[400], hash[17], mb[40], routes[1200];
    sip_proxy_edit ed;
    sip_hdr_field extra[1];
    sip_str push = b->path, hop_text;
    const sip_hdr *rest;
    sip_uri hop;
    sip_addr ha;
    sip_target to;
    sip__pxw w;
    const sip_proxy_listen *lo, *li;
    int len, r, push_is_proxy = 0;
    sip_tsx_id id = 0;

    /* §16.6 items 6, 7: the next hop is the first Route (pushed ones first),
     * else the target itself */
    rest = sip__px_next_route(m, c->remove_route);
    if (!push.len && !rest && P->cfg.outbound_proxy.len && !b->flow) {
        sip_uri tu;
        if (sip_uri_parse(b->uri, &tu) == 0 && !sip__px_our_domain(P, &tu)) {
            push = P->cfg.outbound_proxy;
            push_is_proxy = 1;
        }
    }
    if (push.len) hop_text = sip__px_first_value(push);
    else if (rest) hop_text = rest->value;
    else hop_text = b->uri;
    if (push.len || rest) {
        if (push_is_proxy) {
            if (sip_uri_parse(hop_text, &hop) != 0) return 503;
        } else {
            if (sip_addr_parse(hop_text, &ha) != 0) return 503;
            hop = ha.uri;
        }
    } else if (sip_uri_parse(hop_text, &hop) != 0) {
        return 416;
    }
    /* RFC 5626 §5.3: the flow is the way to the UA only when nothing
     * stands between */
    if (sip__px_resolve(P, &hop, (push.len || rest) ? 0 : b->flow, &to) != 0) return 503;

    /* item 8: our Via, branch = loop hash + unique counter */
    lo = sip__px_listen(P, to.tp);
    sip_proxy_loop_hash(P, m, hash);
    w.out = via;
    w.cap = sizeof via;
    w.n = 0;
    sip__pxw_c(&w, "SIP/2.0/");
    sip__pxw_c(&w, sip_tp_name(to.tp));
    sip__pxw_c(&w, " ");
    sip__pxw_str(&w, lo->host);
    if (lo->port) {
        sip__pxw_c(&w, ":");
        sip__pxw_u(&w, lo->port);
    }
    sip__pxw_c(&w, ";branch=z9hG4bK");
    sip__pxw_put(&w, hash, 16);
    sip__pxw_c(&w, ".");
    {
        char sq[16];
        sip__px_hex(P->seq++, sq, 16);
        sip__pxw_put(&w, sq, 16);
    }
    if (w.n > w.cap) return 500;

    memset(&ed, 0, sizeof ed);
    ed.new_ruri = b->uri;
    ed.add_via.p = via;
    ed.add_via.len = w.n;
    ed.decrement_max_forwards = 1;
    ed.remove_top_route = c->remove_route;
    /* item 4: Record-Route, doubled when the transport changes */
    if (P->cfg.record_route && m->method != SIP_METHOD_REGISTER) {
        li = sip__px_listen(P, c->in_tp);
        w.out = rr;
        w.cap = sizeof rr;
        w.n = 0;
        if (li != lo) {
            sip__px_rr_one(&w, lo, 1);
            sip__pxw_c(&w, ", ");
            sip__px_rr_one(&w, li, 1);
        } else {
            sip__px_rr_one(&w, lo, 0);
        }
        if (w.n > w.cap) return 500;
        ed.add_record_route.p = rr;
        ed.add_record_route.len = w.n;
    }
    /* RFC 5393 §5.3.3: the breadth each parallel branch may use */
    if (breadth_each) {
        w.out = mb;
        w.cap = sizeof mb;
        w.n = 0;
        sip__pxw_u(&w, breadth_each);
        extra[0].name = sip_str_c("Max-Breadth");
        extra[0].value.p = mb;
        extra[0].value.len = w.n;
        ed.extra = extra;
        ed.n_extra = 1;
    }
    len = sip_proxy_edit_apply(P->scratch, P->cfg.max_message, m, &ed, NULL);
    if (len < 0) return len == SIP_ERR_RANGE ? 483 : 500;
    /* Path / outbound proxy as Route, before any Route of the request:
     * right after our Via (header order across names does not matter) */
    if (push.len) {
        w.out = routes;
        w.cap = sizeof routes;
        w.n = 0;
        sip__pxw_c(&w, "Route: ");
        if (push_is_proxy) sip__pxw_c(&w, "<");
        sip__pxw_str(&w, push);
        if (push_is_proxy) sip__pxw_c(&w, ">");
        sip__pxw_c(&w, "\r\n");
        if (w.n > w.cap) return 500;
        len = sip__px_insert_after(P->scratch, (size_t)len, P->cfg.max_message, 2, routes, w.n);
        if (len < 0) return 500;
    }
    b->state = SIP__PXB_ACTIVE;
    c->live++;
    c->busy++;
    r = sip_tsx_request(&P->tsx, P->scratch, (size_t)len, &to, 1, c, P->now, &id);
    c->busy--;
    if (r != 0) {
        /* the layer ran TRANSPORT_ERROR/TERMINATED when it got that far */
        if (r != SIP_TSX_ERR_TRANSPORT) c->live--;
        if (b->state == SIP__PXB_ACTIVE) b->state = SIP__PXB_DONE;
        b->id = 0;
        sip__px_synth(P, c, 503); /* §16.9 */
        return 0;
    }
    b->id = id;
    P->forwarded++;
    if (m->method == SIP_METHOD_INVITE) {
        b->timer_c = P->now + (uint64_t)P->cfg.timer_c_ms * 1000u;
        if (b->timer_c < P->c_next) P->c_next = b->timer_c;
    }
    sip__px_emit(P, SIP_PROXY_EV_FORWARDED, 0, m, b->uri, "branch", 0);
    return 0;
}

/* Start the next group of queued targets (equal q: parallel). Returns
 * the number of branches started. */
static int sip__px_start_group(sip_proxy *P, sip__px_ctx *c, const sip_msg *m)
{
    uint32_t i, first = c->next, n = 0, limit, each = 0;
    if (first >= c->n_branch) return 0;
    for (i = first; i < c->n_branch && c->b[i].q == c->b[first].q; i++) n++;
    limit = c->breadth ? c->breadth : 1;
    if (n > limit) n = limit; /* RFC 5393 §5.3.2: fewer branches */
    if (n > 1 || c->has_breadth) each = (c->breadth / n) ? c->breadth / n : 1;
    /* targets of the group beyond the breadth are skipped */
    for (i = first; i < c->n_branch && c->b[i].q == c->b[first].q; i++) c->next = i + 1;
    for (i = first; i < first + n; i++) {
        int st = sip__px_forward(P, c, &c->b[i], m, each);
        if (st > 0) {
            c->b[i].state = SIP__PXB_DONE;
            sip__px_synth(P, c, st);
        }
    }
    for (i = first + n; i < c->next; i++) c->b[i].state = SIP__PXB_DONE;
    return (int)n;
}

/* ---- responses (§16.7) --------------------------------------------------- */

/* §16.7 item 6 ranking: lower is better. 6xx first; then by class; in 4xx
 * the codes that help a resubmission. */
static int sip__px_rank(int st)
{
    if (st >= 600) return 0;
    if (st == 401 || st == 407 || st == 415 || st == 420 || st == 484) return st / 100 * 10 + 1;
    return st / 100 * 10 + 2;
}

static void sip__px_cancel_others(sip_proxy *P, sip__px_ctx *c, const sip__px_branch *keep)
{
    uint32_t i;
    c->stop = 1;
    for (i = 0; i < c->n_branch; i++) {
        sip__px_branch *b = &c->b[i];
        if (b == keep) continue;
        if (b->state == SIP__PXB_QUEUED) b->state = SIP__PXB_DONE;
        if (b->state == SIP__PXB_ACTIVE && c->method == SIP_METHOD_INVITE && !b->cancel_sent) {
            sip_tsx_id cid = 0;
            b->cancel_sent = 1;
            b->timer_c = UINT64_MAX;
            c->busy++;
            if (sip_tsx_cancel(&P->tsx, b->id, c, P->now, &cid) == 0) c->live++;
            c->busy--;
        }
    }
    c->next = c->n_branch;
}

/* Keep the response (our Via already removed) when it ranks better. */
static void sip__px_keep(sip_proxy *P, sip__px_ctx *c, const char *resp, size_t len, int st)
{
    int rank = sip__px_rank(st);
    char *copy;
    if (c->best_status && rank >= c->best_rank) return;
    copy = (char *)sip__px_alloc(P, len);
    if (!copy) return;
    memcpy(copy, resp, len);
    sip__px_release(P, c->best, c->best_len);
    c->best = copy;
    c->best_len = len;
    c->best_status = st;
    c->best_rank = rank;
}

/* §16.7 item 7: collect the challenges of every 401/407. */
static void sip__px_collect_auth(sip_proxy *P, sip__px_ctx *c, const sip_msg *m)
{
    size_t i, add = 0;
    char *n;
    for (i = 0; i < m->n_hdrs; i++)
        if (m->hdrs[i].id == SIP_HDR_WWW_AUTHENTICATE || m->hdrs[i].id == SIP_HDR_PROXY_AUTHENTICATE)
            add += m->hdrs[i].field.len +
                   (m->hdrs[i].field.p[m->hdrs[i].field.len - 1] != '\n' ? 2 : 0);
    if (!add || c->auth_len + add > SIP__PX_AUTH_MAX) return;
    n = (char *)sip__px_alloc(P, c->auth_len + add);
    if (!n) return;
    if (c->auth_len) memcpy(n, c->auth, c->auth_len);
    add = c->auth_len;
    for (i = 0; i < m->n_hdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        if (h->id != SIP_HDR_WWW_AUTHENTICATE && h->id != SIP_HDR_PROXY_AUTHENTICATE) continue;
        memcpy(n + add, h->field.p, h->field.len);
        add += h->field.len;
        if (h->field.len && h->field.p[h->field.len - 1] != '\n') {
            memcpy(n + add, "\r\n", 2);
            add += 2;
        }
    }
    sip__px_release(P, c->auth, c->auth_len);
    c->auth = n;
    c->auth_len = add;
}

/* Send the best response upstream (§16.7 item 6, 7). */
static void sip__px_send_best(sip_proxy *P, sip__px_ctx *c)
{
    int st = c->best_status, r = 0;
    c->final_sent = 1;
    if (!c->server) return;
    if (c->cancelled && (!c->best || st == 408)) st = 487;
    if (!st) st = 408;
    if (st == 503) st = 500; /* §16.7 item 6 */
    if (c->best && st == c->best_status) {
        const char *out = c->best;
        size_t len = c->best_len;
        if ((st == 401 || st == 407) && c->auth_len) {
            sip_msg m;
            sip_hdr h[SIP_TSX_MAX_HEADERS];
            sip_str add;
            static const sip_hdr_id ids[] = {SIP_HDR_WWW_AUTHENTICATE,
                                             SIP_HDR_PROXY_AUTHENTICATE};
            add.p = c->auth;
            add.len = c->auth_len;
            if (sip__px_parse(c->best, c->best_len, &m, h, SIP_TSX_MAX_HEADERS) == 0) {
                int n = sip__px_copy(P->scratch2, P->cfg.max_message, &m, sip__px_none(), NULL,
                                     ids, 2, add);
                if (n > 0) {
                    out = P->scratch2;
                    len = (size_t)n;
                }
            }
        }
        r = sip_tsx_respond(&P->tsx, c->server, out, len, P->now);
    } else {
        char tb[17];
        sip_msg m;
        sip_hdr h[SIP_TSX_MAX_HEADERS];
        sip_str tag = sip__px_none();
        if (sip__px_parse(c->req, c->req_len, &m, h, SIP_TSX_MAX_HEADERS) == 0)
            tag = sip__px_tag(P, &m, tb);
        r = sip_tsx_reply(&P->tsx, c->server, st, NULL, tag, NULL, 0, sip__px_none(), P->now);
    }
    sip__px_emit(P, SIP_PROXY_EV_FINAL, st, NULL, sip__px_none(), "final", r);
}

/* After a branch ended: start the next serial group, or answer. */
static void sip__px_check_done(sip_proxy *P, sip__px_ctx *c)
{
    uint32_t i;
    if (c->final_sent) return;
    for (i = 0; i < c->n_branch; i++)
        if (c->b[i].state == SIP__PXB_ACTIVE) return;
    while (!c->stop && !c->cancelled && c->next < c->n_branch) {
        sip_msg m;
        sip_hdr h[SIP_TSX_MAX_HEADERS];
        if (sip__px_parse(c->req, c->req_len, &m, h, SIP_TSX_MAX_HEADERS) != 0) break;
        c->busy++;
        sip__px_start_group(P, c, &m);
        c->busy--;
        for (i = 0; i < c->n_branch; i++)
            if (c->b[i].state == SIP__PXB_ACTIVE) return;
        if (c->final_sent) return;
    }
    sip__px_send_best(P, c);
}

static void sip__px_fail_branch(sip_proxy *P, sip__px_ctx *c, sip__px_branch *b, int status)
{
    if (b->state != SIP__PXB_ACTIVE) return;
    b->state = SIP__PXB_DONE;
    b->timer_c = UINT64_MAX;
    sip__px_synth(P, c, status);
    sip__px_check_done(P, c);
}

static void sip__px_on_response(sip_proxy *P, sip__px_ctx *c, const sip_tsx_event *ev)
{
    const sip_msg *m = ev->msg;
    sip__px_branch *b = sip__px_find(c, ev->id);
    sip_proxy_edit ed;
    int st = (int)m->status, len;
    if (!b) return; /* a response to one of our CANCELs */
    memset(&ed, 0, sizeof ed);
    ed.remove_top_via = 1; /* §16.7 item 3 */
    if (st < 200) {
        if (st > 100) {
            b->got_prov = 1;
            if (b->timer_c != UINT64_MAX) {
                b->timer_c = P->now + (uint64_t)P->cfg.timer_c_ms * 1000u; /* §16.8 */
            }
        }
        if (st == 100 || c->final_sent || !c->server) return;
        len = sip_proxy_edit_apply(P->scratch, P->cfg.max_message, m, &ed, NULL);
        if (len > 0) sip_tsx_respond(&P->tsx, c->server, P->scratch, (size_t)len, P->now);
        return;
    }
    if (st < 300) {
        /* §16.7 item 4/5: every 2xx goes up at once; an INVITE's other
         * branches are cancelled (item 10) */
        int first = b->state == SIP__PXB_ACTIVE;
        b->state = SIP__PXB_DONE;
        b->timer_c = UINT64_MAX;
        if ((c->method == SIP_METHOD_INVITE || !c->final_sent) && c->server) {
            len = sip_proxy_edit_apply(P->scratch, P->cfg.max_message, m, &ed, NULL);
            if (len > 0) sip_tsx_respond(&P->tsx, c->server, P->scratch, (size_t)len, P->now);
            if (!c->final_sent) sip__px_emit(P, SIP_PROXY_EV_FINAL, st, m, sip__px_none(), "2xx", 0);
        }
        c->final_sent = 1;
        if (first) sip__px_cancel_others(P, c, b);
        return;
    }
    if (b->state != SIP__PXB_ACTIVE) return;
    b->state = SIP__PXB_DONE;
    b->timer_c = UINT64_MAX;
    if (c->final_sent) return;
    len = sip_proxy_edit_apply(P->scratch, P->cfg.max_message, m, &ed, NULL);
    if (len > 0) sip__px_keep(P, c, P->scratch, (size_t)len, st);
    if (st == 401 || st == 407) sip__px_collect_auth(P, c, m);
    if (st >= 600) sip__px_cancel_others(P, c, b); /* §16.7 item 5 */
    sip__px_check_done(P, c);
}

/* ---- requests (§16.3 - §16.5) ------------------------------------------- */

/* §16.3 item 4: a Via with a branch we computed from these invariants. */
static int sip__px_is_loop(const sip_proxy *P, const sip_msg *m)
{
    char key[7 + 16 + 1];
    size_t pos = 0;
    const sip_hdr *h;
    memcpy(key, "z9hG4bK", 7);
    sip_proxy_loop_hash(P, m, key + 7);
    key[23] = '.';
    while ((h = sip_msg_find(m, SIP_HDR_VIA, &pos)) != NULL)
        if (sip__px_contains(h->value, key, sizeof key)) return 1;
    return 0;
}

/* The default target set (§16.5). */
static int sip__px_lookup(sip_proxy *P, const sip_msg *m, sip_proxy_target *t, size_t max,
                          int *status)
{
    sip_binding bb[SIP_PROXY_MAX_TARGETS];
    char aor[SIP_REG_MAX_AOR];
    int n, i, al;
    sip_str a;
    if (P->cb.lookup) return P->cb.lookup(P->cb.user, m, P->now, t, max, status);
    if (!P->cfg.location || !sip__px_our_domain(P, &m->ruri)) {
        memset(&t[0], 0, sizeof t[0]);
        t[0].uri = m->ruri_str;
        t[0].q = 1000;
        return 1;
    }
    al = sip_registrar_aor(&m->ruri, aor, sizeof aor);
    if (al < 0) {
        *status = 404;
        return 0;
    }
    a.p = aor;
    a.len = (size_t)al;
    if (max > SIP_PROXY_MAX_TARGETS) max = SIP_PROXY_MAX_TARGETS;
    n = P->cfg.location->lookup(P->cfg.location_store, a, P->now, bb, max);
    if (n < 0) {
        *status = 500;
        return 0;
    }
    if (n == 0) {
        /* known but nothing current (bindings not yet swept): 480 */
        sip_binding one;
        int k = P->cfg.location->lookup(P->cfg.location_store, a, 0, &one, 1);
        *status = k > 0 ? 480 : 404;
        return 0;
    }
    if ((size_t)n > max) n = (int)max;
    for (i = 0; i < n; i++) {
        memset(&t[i], 0, sizeof t[i]);
        t[i].uri = bb[i].uri;
        t[i].path = bb[i].path;
        t[i].q = bb[i].q;
        t[i].flow = bb[i].flow;
    }
    return n;
}

/* Authentication (§22.3). Returns 0 to proceed, else it answered. */
static int sip__px_auth(sip_proxy *P, sip_tsx_id id, const sip_msg *m, const sip_target *from)
{
    int need = 0, v, n, proxy;
    size_t pos = 0;
    const sip_hdr *h;
    sip_auth cred;
    sip_authsrv_request ar;
    uint32_t retry = 0;
    if (P->cb.authorize) need = P->cb.authorize(P->cb.user, m, from);
    else if (P->cfg.auth && m->method != SIP_METHOD_OTHER &&
             (P->cfg.auth_methods >> m->method) & 1)
        need = m->method == SIP_METHOD_REGISTER ? 401 : 407;
    if (!need) return 0;
    if ((need != 401 && need != 407) || !P->cfg.auth) {
        sip__px_answer(P, id, m, need >= 400 && need <= 699 ? need : 403, NULL, NULL, 0);
        return 1;
    }
    proxy = need == 407;
    memset(&ar, 0, sizeof ar);
    h = sip_msg_find(m, proxy ? SIP_HDR_PROXY_AUTHORIZATION : SIP_HDR_AUTHORIZATION, &pos);
    if (h && sip_auth_parse(h->value, &cred) == 0) ar.cred = &cred;
    ar.method = m->method_str;
    ar.request_uri = m->ruri_str;
    ar.body = m->body;
    if (from) {
        uint64_t s = 0xcbf29ce484222325ull;
        s = sip__px_fnv(s, (const char *)from->remote.ip, 16);
        s = sip__px_fnv(s, (const char *)&from->remote.port, 2);
        ar.source = s;
    }
    v = sip_authsrv_verify(P->cfg.auth, &ar, P->now, &retry);
    if (v == SIP_AUTHSRV_OK) return 0;
    if (v == SIP_AUTHSRV_CHALLENGE || v == SIP_AUTHSRV_STALE) {
        sip_hdr_field f[4];
        size_t nf = 0, i = 0, start;
        n = sip_authsrv_challenge(P->cfg.auth, P->now, proxy, v == SIP_AUTHSRV_STALE,
                                  P->scratch2, P->cfg.max_message, NULL);
        if (n < 0) {
            sip__px_answer(P, id, m, 500, NULL, NULL, 0);
            return 1;
        }
        /* "Name: value\r\n" lines into fields */
        while (i < (size_t)n && nf < 4) {
            size_t colon;
            start = i;
            while (i < (size_t)n && P->scratch2[i] != '\r') i++;
            for (colon = start; colon < i && P->scratch2[colon] != ':'; colon++) {}
            if (colon < i) {
                f[nf].name.p = P->scratch2 + start;
                f[nf].name.len = colon - start;
                f[nf].value.p = P->scratch2 + colon + 1;
                f[nf].value.len = i - colon - 1;
                f[nf].value = sip_str_trim(f[nf].value);
                nf++;
            }
            i += 2;
        }
        sip__px_answer(P, id, m, need, NULL, f, nf);
        return 1;
    }
    sip__px_answer(P, id, m, v == SIP_AUTHSRV_BLOCKED ? 403 : 500, NULL, NULL, 0);
    return 1;
}

/* REGISTER for our domains with a registrar configured. */
static void sip__px_register(sip_proxy *P, sip_tsx_id id, const sip_msg *m,
                             const sip_target *from)
{
    sip_register_source src;
    char rcv[64], tb[17];
    size_t needed = 0;
    int st = 0, n, k;
    memset(&src, 0, sizeof src);
    if (from) {
        const char *tn = sip_tp_name(from->tp);
        size_t i;
        src.flow = from->flow;
        for (i = 0; tn[i] && i < 8; i++) rcv[i] = (char)(tn[i] >= 'A' && tn[i] <= 'Z' ? tn[i] + 32 : tn[i]);
        rcv[i++] = ':';
        k = sip_ipaddr_print(&from->remote, 1, rcv + i, sizeof rcv - i);
        if (k > 0) {
            src.received.p = rcv;
            src.received.len = i + (size_t)k;
        }
    }
    n = sip_registrar_process(P->cfg.registrar, m, &src, sip__px_tag(P, m, tb), P->now,
                              P->scratch2, P->cfg.max_message, &needed, &st);
    if (n < 0) {
        sip__px_answer(P, id, m, 500, NULL, NULL, 0);
        return;
    }
    sip_tsx_respond(&P->tsx, id, P->scratch2, (size_t)n, P->now);
    P->rejected++;
    sip__px_emit(P, SIP_PROXY_EV_REJECTED, st, m, sip__px_none(), "registrar", 0);
}

/* §16.4: strict-router fix; returns 1 when m was rewritten into *m2. */
static int sip__px_strict_fix(sip_proxy *P, const sip_msg *m, sip_msg *m2, sip_hdr *h2,
                              size_t cap)
{
    size_t pos = 0;
    const sip_hdr *h, *last = NULL;
    sip_addr a;
    int n;
    if (m->ruri.user.len || !sip__px_uri_is_us(P, &m->ruri)) return 0;
    while ((h = sip_msg_find(m, SIP_HDR_ROUTE, &pos)) != NULL) last = h;
    if (!last || sip_addr_parse(last->value, &a) != 0) return 0;
    n = sip__px_copy(P->scratch2, P->cfg.max_message, m, a.uri.raw, last, NULL, 0,
                     sip__px_none());
    if (n < 0 || sip__px_parse(P->scratch2, (size_t)n, m2, h2, cap) != 0) return 0;
    return 1;
}

/* The request of a new server transaction. */
static void sip__px_on_request(sip_proxy *P, const sip_tsx_event *ev)
{
    const sip_msg *m = ev->msg;
    sip_msg m2;
    sip_hdr h2[SIP_TSX_MAX_HEADERS];
    sip_check_policy pol;
    sip_check_result res;
    sip_proxy_target t[SIP_PROXY_MAX_TARGETS];
    sip__px_ctx *c;
    const sip_hdr *mbh;
    int n, status = 0;
    uint32_t breadth = P->cfg.max_breadth;
    size_t pos = 0;

    /* ev->merged is ignored: §8.2.2.2 is a UAS rule, and a spiral looks
     * exactly like a merged request to a proxy */
    if (m->method == SIP_METHOD_CANCEL) {
        sip__px_ctx *ic = ev->cancelled ? (sip__px_ctx *)sip_tsx_ctx(&P->tsx, ev->cancelled) : NULL;
        if (!ic) { /* §16.10: nothing to cancel */
            sip__px_answer(P, ev->id, m, 481, NULL, NULL, 0);
            return;
        }
        sip__px_answer(P, ev->id, m, 200, NULL, NULL, 0);
        P->rejected--; /* a 200 is no rejection */
        if (ic->final_sent || ic->method != SIP_METHOD_INVITE) return;
        ic->cancelled = 1;
        ic->busy++;
        sip__px_cancel_others(P, ic, NULL);
        sip__px_check_done(P, ic);
        ic->busy--;
        sip__px_unref(P, ic);
        return;
    }
    /* §16.3 item 3: OPTIONS with Max-Forwards 0 is ours to answer */
    if (m->max_forwards == 0 && m->method == SIP_METHOD_OPTIONS) {
        sip__px_answer(P, ev->id, m, 200, NULL, NULL, 0);
        return;
    }
    memset(&pol, 0, sizeof pol);
    pol.is_proxy = 1;
    pol.supported = P->cfg.supported;
    pol.allow_other_methods = 1;
    if (sip_request_check(m, &pol, &res) != 0) {
        sip_hdr_field f;
        f.name = sip_str_c("Unsupported");
        f.value = res.unsupported;
        sip__px_answer(P, ev->id, m, res.status, res.reason, &f, res.status == 420 && f.value.len);
        return;
    }
    if (sip__px_is_loop(P, m)) { /* §16.3 item 4 */
        P->loops++;
        sip__px_answer(P, ev->id, m, 482, "Loop Detected", NULL, 0);
        return;
    }
    if (sip__px_auth(P, ev->id, m, ev->peer)) return;
    if (m->method == SIP_METHOD_REGISTER && P->cfg.registrar && sip__px_our_domain(P, &m->ruri)) {
        sip__px_register(P, ev->id, m, ev->peer);
        return;
    }
    /* §16.4 */
    if (sip__px_strict_fix(P, m, &m2, h2, SIP_TSX_MAX_HEADERS)) m = &m2;
    /* RFC 5393 §5.3: Max-Breadth */
    mbh = sip_msg_find(m, SIP_HDR_MAX_BREADTH, &pos);
    if (mbh && sip_str_to_u32(mbh->value, 0x7fffffffu, &breadth) != 0) {
        sip__px_answer(P, ev->id, m, 400, "Bad Max-Breadth", NULL, 0);
        return;
    }
    /* §16.5 */
    if (m->max_forwards != 0 && m->method == SIP_METHOD_OPTIONS && !m->ruri.user.len &&
        sip__px_uri_is_us(P, &m->ruri)) {
        sip__px_answer(P, ev->id, m, 200, NULL, NULL, 0);
        return;
    }
    n = sip__px_lookup(P, m, t, P->cfg.max_branches, &status);
    if (n <= 0) {
        if (n < 0 || status < 300 || status > 699) status = n < 0 ? 500 : 404;
        sip__px_answer(P, ev->id, m, status, NULL, NULL, 0);
        return;
    }
    if ((uint32_t)n > P->cfg.max_branches) n = (int)P->cfg.max_branches;
    if (breadth == 0 && n > 1) { /* RFC 5393 §5.3.2 */
        sip__px_answer(P, ev->id, m, 440, "Max-Breadth Exceeded", NULL, 0);
        return;
    }
    sip__px_sort(t, (size_t)n);
    if (mbh) {
        /* the request's Max-Breadth is replaced per branch (RFC 5393
         * §5.3.3): drop it from the copy we keep */
        static const sip_hdr_id mb[] = {SIP_HDR_MAX_BREADTH};
        int k = sip__px_copy(P->scratch, P->cfg.max_message, m, sip__px_none(), NULL, mb, 1,
                             sip__px_none());
        if (k < 0 || sip__px_parse(P->scratch, (size_t)k, &m2, h2, SIP_TSX_MAX_HEADERS) != 0) {
            sip__px_answer(P, ev->id, ev->msg, 500, NULL, NULL, 0);
            return;
        }
        m = &m2;
    }
    c = sip__px_ctx_new(P, m, t, (size_t)n);
    if (!c) {
        sip_hdr_field f;
        f.name = sip_str_c("Retry-After");
        f.value = sip_str_c("5");
        sip__px_answer(P, ev->id, m, 503, NULL, &f, 1);
        return;
    }
    if (m != ev->msg) {
        /* the stored copy is the parsed one; parse it again in place so the
         * spans stay valid after the scratch buffers are reused */
        if (sip__px_parse(c->req, c->req_len, &m2, h2, SIP_TSX_MAX_HEADERS) == 0) m = &m2;
    }
    c->server = ev->id;
    c->live = 1;
    c->in_tp = ev->peer ? ev->peer->tp : SIP_TP_UDP;
    c->breadth = breadth;
    c->has_breadth = mbh != NULL;
    {
        /* §16.4: our own top Route goes (loose routing) */
        size_t rp = 0;
        const sip_hdr *r = sip_msg_find(m, SIP_HDR_ROUTE, &rp);
        sip_addr ra;
        if (r && sip_addr_parse(r->value, &ra) == 0 && sip__px_uri_is_us(P, &ra.uri))
            c->remove_route = 1;
    }
    sip_tsx_set_ctx(&P->tsx, ev->id, c);
    c->busy++;
    sip__px_start_group(P, c, m);
    sip__px_check_done(P, c);
    c->busy--;
    sip__px_unref(P, c);
}

/* §16.11 / §13.2.2.4: an ACK for a 2xx, forwarded statelessly. */
static void sip__px_on_ack(sip_proxy *P, const sip_tsx_event *ev)
{
    const sip_msg *m = ev->msg;
    char via[160], hash[17];
    sip_proxy_edit ed;
    sip__pxw w;
    const sip_hdr *r;
    size_t pos = 0;
    sip_addr ra;
    sip_uri hop;
    sip_target to;
    int remove = 0, len;
    if (m->max_forwards == 0 || sip__px_is_loop(P, m)) goto drop;
    r = sip_msg_find(m, SIP_HDR_ROUTE, &pos);
    if (r && sip_addr_parse(r->value, &ra) == 0 && sip__px_uri_is_us(P, &ra.uri)) {
        remove = 1;
        r = sip_msg_find(m, SIP_HDR_ROUTE, &pos);
    }
    if (r) {
        if (sip_addr_parse(r->value, &ra) != 0) goto drop;
        hop = ra.uri;
    } else {
        hop = m->ruri;
    }
    if (sip__px_resolve(P, &hop, 0, &to) != 0) goto drop;
    sip_proxy_loop_hash(P, m, hash);
    w.out = via;
    w.cap = sizeof via;
    w.n = 0;
    sip__pxw_c(&w, "SIP/2.0/");
    sip__pxw_c(&w, sip_tp_name(to.tp));
    sip__pxw_c(&w, " ");
    sip__pxw_str(&w, sip__px_listen(P, to.tp)->host);
    if (sip__px_listen(P, to.tp)->port) {
        sip__pxw_c(&w, ":");
        sip__pxw_u(&w, sip__px_listen(P, to.tp)->port);
    }
    /* stateless: the branch is a function of the request (§16.11) */
    sip__pxw_c(&w, ";branch=z9hG4bK");
    sip__pxw_put(&w, hash, 16);
    sip__pxw_c(&w, ".a");
    if (w.n > w.cap) goto drop;
    memset(&ed, 0, sizeof ed);
    ed.add_via.p = via;
    ed.add_via.len = w.n;
    ed.decrement_max_forwards = 1;
    ed.remove_top_route = remove;
    len = sip_proxy_edit_apply(P->scratch, P->cfg.max_message, m, &ed, NULL);
    if (len < 0) goto drop;
    if (P->cb.send(P->cb.user, &to, (const uint8_t *)P->scratch, (size_t)len) != 0) goto drop;
    P->acks++;
    sip__px_emit(P, SIP_PROXY_EV_ACK, 0, m, sip__px_none(), "ack", 0);
    return;
drop:
    P->dropped++;
    sip__px_emit(P, SIP_PROXY_EV_DROPPED, 0, m, sip__px_none(), "ACK not routable", 0);
}

/* ---- the transaction layer's callbacks ----------------------------------- */

static int sip__px_tsx_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    sip_proxy *P = (sip_proxy *)user;
    return P->cb.send(P->cb.user, to, msg, len);
}

static int sip__px_tsx_rand(void *user, uint8_t *buf, size_t n)
{
    sip_proxy *P = (sip_proxy *)user;
    return P->cb.rand(P->cb.user, buf, n);
}

static void sip__px_tsx_event(void *user, const sip_tsx_event *ev)
{
    sip_proxy *P = (sip_proxy *)user;
    sip__px_ctx *c = (sip__px_ctx *)ev->ctx;
    P->depth++;
    switch (ev->type) {
    case SIP_TSX_EV_REQUEST:
        sip__px_on_request(P, ev);
        break;
    case SIP_TSX_EV_ACK:
        sip__px_on_ack(P, ev);
        break;
    case SIP_TSX_EV_STRAY_RESPONSE:
        P->dropped++;
        sip__px_emit(P, SIP_PROXY_EV_DROPPED, 0, ev->msg, sip__px_none(), "stray response", 0);
        break;
    case SIP_TSX_EV_RESPONSE:
        if (c) {
            c->busy++;
            sip__px_on_response(P, c, ev);
            c->busy--;
            sip__px_unref(P, c);
        }
        break;
    case SIP_TSX_EV_TIMEOUT:
    case SIP_TSX_EV_TRANSPORT_ERROR:
        if (c && ev->id != c->server) {
            sip__px_branch *b = sip__px_find(c, ev->id);
            /* §16.7 item 1 via §16.8 / §16.9: a timeout is a 408, a
             * transport error a 503 */
            if (b) {
                c->busy++;
                sip__px_fail_branch(P, c, b, ev->type == SIP_TSX_EV_TIMEOUT ? 408 : 503);
                c->busy--;
            }
        }
        break;
    case SIP_TSX_EV_TERMINATED:
        if (c) {
            if (ev->id == c->server) {
                c->server = 0;
                if (!c->final_sent) {
                    c->final_sent = 1;
                    c->busy++;
                    sip__px_cancel_others(P, c, NULL);
                    c->busy--;
                }
            } else {
                sip__px_branch *b = sip__px_find(c, ev->id);
                if (b && b->state == SIP__PXB_ACTIVE) {
                    c->busy++;
                    sip__px_fail_branch(P, c, b, 408);
                    c->busy--;
                }
                if (b) b->id = 0;
            }
            c->live--;
            sip__px_unref(P, c);
        }
        break;
    }
    P->depth--;
}

/* ---- public ---------------------------------------------------------------- */

static void sip__px_free_tables(sip_proxy *P)
{
    sip__px_release(P, P->ctx, (size_t)P->cfg.max_contexts * sizeof *P->ctx);
    sip__px_release(P, P->scratch, P->cfg.max_message);
    sip__px_release(P, P->scratch2, P->cfg.max_message);
    sip__px_release(P, P->free_slots, (size_t)P->cfg.max_contexts * sizeof(uint32_t));
    P->ctx = NULL;
    P->scratch = P->scratch2 = NULL;
    P->free_slots = NULL;
}

SIP_PROXY_DEF int sip_proxy_init(sip_proxy *P, const sip_proxy_config *cfg,
                                 const sip_proxy_callbacks *cb,
                                 const sip_tsx_config *tsx_cfg)
{
    sip_tsx_callbacks tcb;
    int r;
    if (!P || !cfg || !cb || cb->size < sizeof *cb || !cb->send || !cfg->listen ||
        !cfg->n_listen)
        return SIP_PROXY_ERR_INVALID;
    memset(P, 0, sizeof *P);
    P->cfg = *cfg;
    P->cb = *cb;
    if (!P->cfg.max_contexts) P->cfg.max_contexts = 4096;
    if (!P->cfg.max_branches) P->cfg.max_branches = 8;
    if (!P->cfg.timer_c_ms) P->cfg.timer_c_ms = 180000;
    if (!P->cfg.max_breadth) P->cfg.max_breadth = 60;
    if (!P->cfg.max_message) P->cfg.max_message = 16384;
    if (P->cfg.max_branches > SIP_PROXY_MAX_TARGETS || P->cfg.timer_c_ms < 180000 ||
        P->cfg.max_contexts > (1u << 24) || P->cfg.max_message < 512)
        return SIP_PROXY_ERR_INVALID;
    P->c_next = UINT64_MAX;
    P->seed = 0x5eed5eed5eed5eedull;
    P->seq = 1;
    if (P->cb.rand) {
        uint8_t b[16];
        size_t i;
        if (P->cb.rand(P->cb.user, b, sizeof b) != 0) return SIP_PROXY_ERR_INVALID;
        P->seed = 0;
        P->seq = 0;
        for (i = 0; i < 8; i++) P->seed = P->seed << 8 | b[i];
        for (i = 8; i < 16; i++) P->seq = P->seq << 8 | b[i];
        P->seq &= 0x0000ffffffffffffull; /* room to count */
    }
    P->ctx = (sip__px_ctx **)sip__px_alloc(P, (size_t)P->cfg.max_contexts * sizeof *P->ctx);
    P->scratch = (char *)sip__px_alloc(P, P->cfg.max_message);
    P->scratch2 = (char *)sip__px_alloc(P, P->cfg.max_message);
    P->free_slots = (uint32_t *)sip__px_alloc(P, (size_t)P->cfg.max_contexts * sizeof(uint32_t));
    if (!P->ctx || !P->scratch || !P->scratch2 || !P->free_slots) {
        sip__px_free_tables(P);
        return SIP_PROXY_ERR_NOMEM;
    }
    memset(P->ctx, 0, (size_t)P->cfg.max_contexts * sizeof *P->ctx);
    {
        uint32_t i;
        for (i = 0; i < P->cfg.max_contexts; i++) P->free_slots[i] = P->cfg.max_contexts - 1 - i;
    }
    memset(&tcb, 0, sizeof tcb);
    tcb.size = sizeof tcb;
    tcb.user = P;
    tcb.send = sip__px_tsx_send;
    tcb.on_event = sip__px_tsx_event;
    tcb.rand = cb->rand ? sip__px_tsx_rand : NULL;
    r = sip_tsx_layer_init(&P->tsx, tsx_cfg, &tcb);
    if (r != 0) {
        sip__px_free_tables(P);
        return r;
    }
    return 0;
}

SIP_PROXY_DEF int sip_proxy_destroy(sip_proxy *P)
{
    uint32_t i;
    if (!P) return SIP_PROXY_ERR_INVALID;
    if (P->depth) return SIP_PROXY_ERR_BUSY;
    sip_tsx_layer_destroy(&P->tsx);
    for (i = 0; P->ctx && i < P->cfg.max_contexts; i++)
        if (P->ctx[i]) sip__px_ctx_free(P, P->ctx[i]);
    sip__px_free_tables(P);
    return 0;
}

/* §16.3 item 1: a request sip_parse refuses (perr->status 400, 505, 501,
 * 513) is answered statelessly with that status when it still has what a
 * response copies (Via, From, To, Call-ID, CSeq; read again without the
 * semantic checks), with a To tag from the Call-ID so a retransmission
 * gets the same answer (§8.2.7). Never for an ACK or a response. */
static void sip__px_reject_bad(sip_proxy *P, const char *buf, size_t len, const sip_target *from,
                               const sip_parse_error *pe)
{
    const unsigned need = SIP_HOT_VIA | SIP_HOT_CSEQ | SIP_HOT_CALL_ID | SIP_HOT_FROM | SIP_HOT_TO;
    sip_parse_config pc;
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    char tag[17];
    static const char hx[] = "0123456789abcdef";
    uint64_t f = 1469598103934665603ull;
    sip_str none = {NULL, 0}, tg;
    size_t i;
    int n;
    if (pe->status < 400 || pe->status > 699) return;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM | SIP_PARSE_NO_SEMANTIC;
    pc.max_message = len + 1;
    if (sip_parse(buf, len, &pc, &m, h, SIP_TSX_MAX_HEADERS, NULL) <= 0 || !m.is_request ||
        m.method == SIP_METHOD_ACK || (m.present & need) != need)
        return;
    for (i = 0; i < m.call_id.len; i++) f = (f ^ (uint8_t)m.call_id.p[i]) * 1099511628211ull;
    for (i = 0; i < 16; i++) tag[i] = hx[(f >> (4 * i)) & 15u];
    tag[16] = 0;
    tg.p = tag;
    tg.len = 16;
    n = sip_build_response(P->scratch2, P->cfg.max_message, &m, pe->status, pe->reason, tg, NULL,
                           0, none, NULL);
    if (n > 0) (void)P->cb.send(P->cb.user, from, (const uint8_t *)P->scratch2, (size_t)n);
}

SIP_PROXY_DEF int sip_proxy_receive(sip_proxy *P, const char *buf, size_t len,
                                    const sip_target *from, uint64_t now_us,
                                    sip_parse_error *perr)
{
    sip_parse_error pe;
    int r;
    if (!P) return SIP_PROXY_ERR_INVALID;
    if (P->depth) return SIP_PROXY_ERR_BUSY;
    P->now = now_us;
    memset(&pe, 0, sizeof pe);
    r = sip_tsx_receive(&P->tsx, buf, len, from, now_us, &pe);
    if (r < 0 && pe.code && buf && from) sip__px_reject_bad(P, buf, len, from, &pe);
    if (perr) *perr = pe;
    return r;
}

SIP_PROXY_DEF uint64_t sip_proxy_next_deadline(const sip_proxy *P)
{
    uint64_t d;
    if (!P) return UINT64_MAX;
    d = sip_tsx_next_deadline(&P->tsx);
    return P->c_next < d ? P->c_next : d;
}

/* §16.8: Timer C of one branch fired. */
static void sip__px_timer_c(sip_proxy *P, sip__px_ctx *c, sip__px_branch *b)
{
    b->timer_c = UINT64_MAX;
    sip__px_emit(P, SIP_PROXY_EV_TIMER_C, 0, NULL, b->uri, "Timer C", 0);
    if (b->got_prov) {
        sip_tsx_id cid = 0;
        if (!b->cancel_sent && sip_tsx_cancel(&P->tsx, b->id, c, P->now, &cid) == 0) c->live++;
        b->cancel_sent = 1;
        return;
    }
    /* no provisional: as if a 408 arrived; the transaction is abandoned */
    {
        sip_tsx_id id = b->id;
        sip__px_fail_branch(P, c, b, 408);
        if (id) sip_tsx_terminate(&P->tsx, id);
    }
}

SIP_PROXY_DEF int sip_proxy_on_timeout(sip_proxy *P, uint64_t now_us)
{
    int fired;
    uint32_t i, k;
    if (!P) return SIP_PROXY_ERR_INVALID;
    if (P->depth) return SIP_PROXY_ERR_BUSY;
    P->now = now_us;
    fired = sip_tsx_on_timeout(&P->tsx, now_us);
    if (fired < 0) return fired;
    if (P->c_next > now_us) return fired;
    P->c_next = UINT64_MAX;
    P->depth++;
    for (i = 0; i < P->cfg.max_contexts; i++) {
        sip__px_ctx *c = P->ctx[i];
        if (!c) continue;
        c->busy++;
        for (k = 0; k < c->n_branch; k++) {
            sip__px_branch *b = &c->b[k];
            if (b->timer_c == UINT64_MAX || b->state != SIP__PXB_ACTIVE) continue;
            if (b->timer_c <= now_us) {
                sip__px_timer_c(P, c, b);
                fired++;
            } else if (b->timer_c < P->c_next) {
                P->c_next = b->timer_c;
            }
        }
        c->busy--;
        sip__px_unref(P, c);
    }
    P->depth--;
    return fired;
}

SIP_PROXY_DEF uint32_t sip_proxy_count(const sip_proxy *P)
{
    return P ? P->n_ctx : 0;
}

#endif /* SIP_PROXY_IMPLEMENTATION */

/*
 * MIT License
 *
 * Copyright (c) cvoip contributors
 *
 * Permission is hereby granted, free of charge, to any person obtaining a
 * copy of this software and associated documentation files (the
 * "Software"), to deal in the Software without restriction, including
 * without limitation the rights to use, copy, modify, merge, publish,
 * distribute, sublicense, and/or sell copies of the Software, and to permit
 * persons to whom the Software is furnished to do so, subject to the
 * following conditions:
 *
 * The above copyright notice and this permission notice shall be included
 * in all copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
 * OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
 * MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN
 * NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
 * DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
 * OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
 * USE OR OTHER DEALINGS IN THE SOFTWARE.
 */
