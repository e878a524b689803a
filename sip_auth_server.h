#if defined(CVOIP_IMPLEMENTATION) && !defined(SIP_AUTH_SERVER_IMPLEMENTATION)
#define SIP_AUTH_SERVER_IMPLEMENTATION
#endif
/* sip_auth_server.h - the digest server of a registrar or proxy
 * (RFC 7616, RFC 8760, RFC 2617; RFC 3261 §22.3).
 *
 * Part of cvoip, single-file, MIT licence. Builds on sip.h (its digest
 * computation and hashes).
 *
 *     #define SIP_AUTH_SERVER_IMPLEMENTATION   (or CVOIP_IMPLEMENTATION)
 *     #include "sip_auth_server.h"
 *
 * What it does:
 *   - Challenges (WWW-Authenticate / Proxy-Authenticate): one per enabled
 *     algorithm, SHA-256 first and MD5 last for old clients (RFC 8760 §2.4,
 *     RFC 7616 §3.7), realm, qop="auth" (and auth-int when enabled),
 *     opaque, and stale=true when asked.
 *   - Stateless nonces: 8 bytes of time (µs on the caller's clock), 8
 *     random bytes and the first 16 bytes of HMAC-SHA-256(secret, time |
 *     random | realm), in hex. Checking one needs no per-nonce state; its
 *     age gives stale=true (RFC 7616 §3.3).
 *   - Verification: HA1 from a callback (passwords need not be stored),
 *     the request-digest recomputed and compared in constant time, digest-
 *     uri checked against the Request-URI (RFC 2617 §3.2.2.5), opaque and
 *     realm checked, nonce-count replay refused (a table in caller memory
 *     keeps the highest nc per nonce; an evicted nonce is answered stale).
 *   - No user enumeration: an unknown user gets the same answer, after the
 *     same computation (a dummy HA1 from the secret), as a wrong password.
 *   - Guessing: failures are counted per (source, username), keyed by an
 *     HMAC under the secret, in a fixed table; past max_failures each further attempt must wait a delay that
 *     doubles up to delay_max_ms (answers svcrack-style guessing). A success
 *     clears the count.
 *
 * Sans-IO: time comes in as now_us, randomness through a callback, memory
 * from the caller (sip_authsrv_mem_size). No allocation, no global state.
 *
 * Options: SIP_AUTH_SERVER_IMPLEMENTATION, SIP_AUTH_SERVER_STATIC.
 * Licence: MIT, see the end of this file.
 */
#ifndef SIP_AUTH_SERVER_H
#define SIP_AUTH_SERVER_H

#include "sip.h"

#ifndef SIP_AUTH_SERVER_DEF
#ifdef SIP_AUTH_SERVER_STATIC
#define SIP_AUTH_SERVER_DEF static
#else
#define SIP_AUTH_SERVER_DEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes (range -700 .. -799). */
typedef enum sip_authsrv_err {
    SIP_AUTHSRV_ERR_CONFIG = -700,   /**< invalid configuration or memory */
    SIP_AUTHSRV_ERR_NOSPACE = -701,  /**< output buffer too small */
    SIP_AUTHSRV_ERR_CALLBACK = -702  /**< the HA1 callback failed */
} sip_authsrv_err;

/** Configuration (zero fields take the defaults in brackets). */
typedef struct sip_authsrv_config {
    sip_str realm;              /**< required; caller-owned, outlives the server */
    const uint8_t *secret;      /**< required, >= 16 bytes, caller-owned; nonces
                                     from another secret fail */
    size_t secret_len;
    uint32_t nonce_ttl_s;       /**< nonce lifetime, then stale [300] */
    unsigned algs;              /**< bit (1u << sip_digest_alg) per algorithm offered
                                     and accepted [SHA-256 and MD5] */
    int qop_auth_int;           /**< also offer and accept qop=auth-int [0] */
    uint32_t max_failures;      /**< failures before delays start [5] */
    uint32_t delay_base_ms;     /**< first delay [1000] */
    uint32_t delay_max_ms;      /**< delays double up to this [60000] */
    uint32_t limiter_slots;     /**< (source, user) failure entries [1024] */
    uint32_t nc_slots;          /**< nonce-count entries [1024] */
} sip_authsrv_config;

/** Callbacks (size = sizeof(sip_authsrv_callbacks)). */
typedef struct sip_authsrv_callbacks {
    uint32_t size;
    /** HA1 = H(username ":" realm ":" password) for alg (the base algorithm:
     *  MD5, SHA-256 or SHA-512-256) as lowercase hex into out (cap >= 65).
     *  Return 0 when the user exists, 1 when not, negative on failure. */
    int (*ha1)(void *user, sip_str username, sip_str realm, sip_digest_alg alg, char *out,
               size_t cap);
    /** Fill buf with len unpredictable bytes (nonces). Required. */
    void (*rand)(void *user, uint8_t *buf, size_t len);
} sip_authsrv_callbacks;

/** Private table entries (caller memory). */
typedef struct sip__authsrv_fail {
    uint64_t key;        /**< hash of (source, username); 0 = free */
    uint32_t failures;
    uint64_t last_us;
    uint64_t blocked_until_us;
} sip__authsrv_fail;
typedef struct sip__authsrv_nc {
    uint8_t mac[8];      /**< the nonce's MAC prefix */
    uint32_t nc;         /**< highest nonce-count accepted (0: free) */
    uint64_t issued_us;  /**< the nonce's time: the entry is kept while it lives */
} sip__authsrv_nc;

/** A digest server. Fields are private. */
typedef struct sip_authsrv {
    sip_authsrv_config cfg;
    sip_authsrv_callbacks cb;
    void *user;
    sip__authsrv_fail *fail;
    sip__authsrv_nc *ncs;
    char opaque[33];
} sip_authsrv;

/** Bytes of caller memory for cfg (0 when the config is invalid). */
SIP_AUTH_SERVER_DEF size_t sip_authsrv_mem_size(const sip_authsrv_config *cfg);

/** Set up a server in mem (sip_authsrv_mem_size bytes, aligned for
 *  uint64_t). Returns 0 or SIP_AUTHSRV_ERR_CONFIG (no realm, secret under
 *  16 bytes, no algorithm, no rand or ha1 callback, too little memory). */
SIP_AUTH_SERVER_DEF int sip_authsrv_init(sip_authsrv *s, void *mem, size_t mem_len,
                                         const sip_authsrv_config *cfg,
                                         const sip_authsrv_callbacks *cb, void *user);

/** Writes the challenge header lines for a 401 (proxy = 0:
 *  WWW-Authenticate) or 407 (proxy = 1: Proxy-Authenticate), one per
 *  enabled algorithm (SHA-512-256, SHA-256, then MD5), each ending in CRLF,
 *  with a fresh nonce (RFC 7616 §3.3) and stale=true when stale. Returns
 *  the length, or SIP_AUTHSRV_ERR_NOSPACE with *needed. */
SIP_AUTH_SERVER_DEF int sip_authsrv_challenge(sip_authsrv *s, uint64_t now_us, int proxy,
                                              int stale, char *out, size_t cap, size_t *needed);

/** Verdict of sip_authsrv_verify. */
typedef enum sip_authsrv_verdict {
    SIP_AUTHSRV_OK = 0,         /**< authenticated */
    SIP_AUTHSRV_CHALLENGE,      /**< missing or wrong credentials (or an
                                     unknown user): answer 401/407 with a
                                     new challenge */
    SIP_AUTHSRV_STALE,          /**< correct digest with an expired nonce:
                                     challenge with stale=true */
    SIP_AUTHSRV_BLOCKED         /**< too many failures from this source for
                                     this user: refuse (403, or 503 with
                                     Retry-After) until retry_after_ms */
} sip_authsrv_verdict;

/** What the request says, for verification. */
typedef struct sip_authsrv_request {
    const sip_auth *cred;       /**< parsed Authorization / Proxy-Authorization
                                     (sip_auth_parse), NULL when absent */
    sip_str method;             /**< request method (CSeq method for ACK/CANCEL
                                     does not apply: use the request's) */
    sip_str request_uri;        /**< the Request-URI text, compared with the
                                     digest-uri (empty: not compared) */
    sip_str body;               /**< message body (qop=auth-int) */
    uint64_t source;            /**< the caller's key for the source address */
} sip_authsrv_request;

/** Verify credentials at now_us. Returns the verdict (>= 0) or
 *  SIP_AUTHSRV_ERR_CALLBACK. *retry_after_ms (optional) gets the wait for
 *  SIP_AUTHSRV_BLOCKED. Failures (CHALLENGE with credentials present)
 *  count toward the limiter; OK clears it. */
SIP_AUTH_SERVER_DEF int sip_authsrv_verify(sip_authsrv *s, const sip_authsrv_request *req,
                                           uint64_t now_us, uint32_t *retry_after_ms);

#ifdef __cplusplus
}
#endif

#endif /* SIP_AUTH_SERVER_H */

/* ======================================================================== */
#if defined(SIP_AUTH_SERVER_IMPLEMENTATION) && !defined(SIP_AUTH_SERVER_IMPLEMENTATION_DONE)
#define SIP_AUTH_SERVER_IMPLEMENTATION_DONE

#include <string.h>

#define SIP__AS_NONCE_HEX 64 /* 32 bytes: time 8, random 8, MAC 16 */

static void sip__as_defaults(sip_authsrv_config *c)
{
    if (!c->nonce_ttl_s) c->nonce_ttl_s = 300;
    if (!c->algs) c->algs = (1u << SIP_DIGEST_SHA256) | (1u << SIP_DIGEST_MD5);
    if (!c->max_failures) c->max_failures = 5;
    if (!c->delay_base_ms) c->delay_base_ms = 1000;
    if (!c->delay_max_ms) c->delay_max_ms = 60000;
    if (!c->limiter_slots) c->limiter_slots = 1024;
    if (!c->nc_slots) c->nc_slots = 1024;
}

static int sip__as_config_ok(const sip_authsrv_config *c)
{
    unsigned allowed = (1u << SIP_DIGEST_MD5) | (1u << SIP_DIGEST_SHA256) |
                       (1u << SIP_DIGEST_SHA512_256);
    return c->realm.p && c->realm.len && c->secret && c->secret_len >= 16 &&
           !(c->algs & ~allowed) && c->limiter_slots <= (1u << 24) && c->nc_slots <= (1u << 24);
}

SIP_AUTH_SERVER_DEF size_t sip_authsrv_mem_size(const sip_authsrv_config *cfg)
{
    sip_authsrv_config c;
    if (!cfg) return 0;
    c = *cfg;
    sip__as_defaults(&c);
    if (!sip__as_config_ok(&c)) return 0;
    return (size_t)c.limiter_slots * sizeof(sip__authsrv_fail) +
           (size_t)c.nc_slots * sizeof(sip__authsrv_nc);
}

/* HMAC-SHA-256 (RFC 2104) over up to 3 parts, with sip.h's hash. */
static void sip__as_hmac(const sip_authsrv *s, const sip_str *parts, size_t n, uint8_t out[32])
{
    uint8_t k[64], pad[64], inner[32];
    sip_str p[5];
    size_t i;
    memset(k, 0, sizeof k);
    if (s->cfg.secret_len > 64) {
        sip_str sk;
        sk.p = (const char *)s->cfg.secret;
        sk.len = s->cfg.secret_len;
        sip_hash(SIP_DIGEST_SHA256, &sk, 1, k);
    } else {
        memcpy(k, s->cfg.secret, s->cfg.secret_len);
    }
    for (i = 0; i < 64; i++) pad[i] = (uint8_t)(k[i] ^ 0x36);
    p[0].p = (const char *)pad;
    p[0].len = 64;
    for (i = 0; i < n && i < 3; i++) p[1 + i] = parts[i];
    sip_hash(SIP_DIGEST_SHA256, p, 1 + i, inner);
    for (i = 0; i < 64; i++) pad[i] = (uint8_t)(k[i] ^ 0x5c);
    p[1].p = (const char *)inner;
    p[1].len = 32;
    sip_hash(SIP_DIGEST_SHA256, p, 2, out);
}

static void sip__as_hex(const uint8_t *b, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
}

static int sip__as_unhex(sip_str s, uint8_t *out, size_t n)
{
    size_t i;
    if (s.len != 2 * n) return -1;
    for (i = 0; i < 2 * n; i++) {
        int c = (unsigned char)s.p[i], v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else return -1;
        if (i & 1) out[i / 2] = (uint8_t)(out[i / 2] | v);
        else out[i / 2] = (uint8_t)(v << 4);
    }
    return 0;
}

/* MAC of (time, random) under the secret, bound to the realm. */
static void sip__as_nonce_mac(const sip_authsrv *s, const uint8_t tr[16], uint8_t mac[32])
{
    sip_str parts[2];
    parts[0].p = (const char *)tr;
    parts[0].len = 16;
    parts[1] = s->cfg.realm;
    sip__as_hmac(s, parts, 2, mac);
}

static void sip__as_make_nonce(sip_authsrv *s, uint64_t now_us, char out[SIP__AS_NONCE_HEX])
{
    uint8_t b[32], mac[32];
    int i;
    for (i = 0; i < 8; i++) b[i] = (uint8_t)(now_us >> (56 - 8 * i));
    s->cb.rand(s->user, b + 8, 8);
    sip__as_nonce_mac(s, b, mac);
    memcpy(b + 16, mac, 16);
    sip__as_hex(b, 32, out);
}

/* 1 with *issued_us set when the nonce is ours (MAC valid), else 0. */
static int sip__as_check_nonce(const sip_authsrv *s, sip_str nonce, uint64_t *issued_us,
                               uint8_t mac8[8])
{
    uint8_t b[32], mac[32];
    sip_str a, e;
    int i;
    if (sip__as_unhex(nonce, b, 32)) return 0;
    sip__as_nonce_mac(s, b, mac);
    a.p = (const char *)b + 16;
    a.len = 16;
    e.p = (const char *)mac;
    e.len = 16;
    if (!sip_ct_equal(a, e)) return 0;
    *issued_us = 0;
    for (i = 0; i < 8; i++) *issued_us = *issued_us << 8 | b[i];
    memcpy(mac8, b + 16, 8);
    return 1;
}

SIP_AUTH_SERVER_DEF int sip_authsrv_init(sip_authsrv *s, void *mem, size_t mem_len,
                                         const sip_authsrv_config *cfg,
                                         const sip_authsrv_callbacks *cb, void *user)
{
    size_t need = sip_authsrv_mem_size(cfg);
    uint8_t mac[32];
    sip_str label;
    if (!s || !need || !mem || mem_len < need || !cb || cb->size < sizeof *cb || !cb->rand ||
        !cb->ha1)
        return SIP_AUTHSRV_ERR_CONFIG;
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    sip__as_defaults(&s->cfg);
    s->cb = *cb;
    s->user = user;
    memset(mem, 0, need);
    s->fail = (sip__authsrv_fail *)mem;
    s->ncs = (sip__authsrv_nc *)(s->fail + s->cfg.limiter_slots);
    /* opaque: constant per secret and realm, so any instance of a cluster
     * sharing the secret accepts it (RFC 7616 §3.3 leaves it to us) */
    label.p = "opaque";
    label.len = 6;
    {
        sip_str parts[2];
        parts[0] = label;
        parts[1] = s->cfg.realm;
        sip__as_hmac(s, parts, 2, mac);
    }
    sip__as_hex(mac, 16, s->opaque);
    s->opaque[32] = 0;
    return 0;
}

/* ---- challenges ---------------------------------------------------------- */

typedef struct sip__as_w {
    char *out;
    size_t cap, n;
} sip__as_w;

static void sip__as_put(sip__as_w *w, const char *p, size_t len)
{
    if (w->out && w->n + len <= w->cap) memcpy(w->out + w->n, p, len);
    w->n += len;
}
static void sip__as_puts(sip__as_w *w, const char *s) { sip__as_put(w, s, strlen(s)); }

static void sip__as_one_challenge(sip__as_w *w, const sip_authsrv *s, int proxy, int stale,
                                  const char *nonce, sip_digest_alg alg)
{
    sip__as_puts(w, proxy ? "Proxy-Authenticate: Digest realm=\"" : "WWW-Authenticate: Digest realm=\"");
    sip__as_put(w, s->cfg.realm.p, s->cfg.realm.len);
    sip__as_puts(w, "\", nonce=\"");
    sip__as_put(w, nonce, SIP__AS_NONCE_HEX);
    sip__as_puts(w, "\", opaque=\"");
    sip__as_puts(w, s->opaque);
    sip__as_puts(w, "\", algorithm=");
    sip__as_puts(w, sip_digest_alg_name(alg));
    sip__as_puts(w, s->cfg.qop_auth_int ? ", qop=\"auth,auth-int\"" : ", qop=\"auth\"");
    if (stale) sip__as_puts(w, ", stale=true");
    sip__as_puts(w, "\r\n");
}

SIP_AUTH_SERVER_DEF int sip_authsrv_challenge(sip_authsrv *s, uint64_t now_us, int proxy,
                                              int stale, char *out, size_t cap, size_t *needed)
{
    static const sip_digest_alg order[3] = {SIP_DIGEST_SHA512_256, SIP_DIGEST_SHA256,
                                            SIP_DIGEST_MD5};
    char nonce[SIP__AS_NONCE_HEX];
    sip__as_w w;
    unsigned i;
    if (needed) *needed = 0;
    sip__as_make_nonce(s, now_us, nonce);
    w.out = out;
    w.cap = cap;
    w.n = 0;
    for (i = 0; i < 3; i++)
        if (s->cfg.algs & (1u << order[i])) sip__as_one_challenge(&w, s, proxy, stale, nonce, order[i]);
    if (needed) *needed = w.n;
    if (!out || w.n > cap) return SIP_AUTHSRV_ERR_NOSPACE;
    return (int)w.n;
}

/* ---- the failure limiter --------------------------------------------------- */

/* The limiter key: HMAC-SHA-256 over (source, username) under the server
 * secret, so nobody can choose names that collide in the table. 0 is
 * reserved for "free". */
static uint64_t sip__as_key(const sip_authsrv *s, uint64_t source, sip_str username)
{
    uint8_t src[8], mac[32];
    sip_str parts[2];
    uint64_t h = 0;
    int i;
    for (i = 0; i < 8; i++) src[i] = (uint8_t)(source >> (8 * i));
    parts[0].p = (const char *)src;
    parts[0].len = 8;
    parts[1] = username;
    sip__as_hmac(s, parts, 2, mac);
    for (i = 0; i < 8; i++) h = h << 8 | mac[i];
    return h ? h : 1;
}

/* The entry for key, or the slot to reuse among 4 probes: a free one, an
 * idle one, else the least recently used one that is not blocked (a
 * blocked entry is never evicted, or fresh failures could reset it). NULL
 * when all four are blocked. */
static sip__authsrv_fail *sip__as_fail_slot(sip_authsrv *s, uint64_t key, int create,
                                            uint64_t now_us)
{
    uint32_t n = s->cfg.limiter_slots, i;
    int best = -1;
    uint64_t idle_us = (uint64_t)s->cfg.delay_max_ms * 2000u;
    for (i = 0; i < 4; i++) {
        sip__authsrv_fail *f = &s->fail[(key + i) % n];
        if (f->key == key) return f;
    }
    if (!create) return NULL;
    for (i = 0; i < 4; i++) {
        sip__authsrv_fail *f = &s->fail[(key + i) % n];
        if (!f->key || f->last_us + idle_us < now_us) {
            best = (int)i;
            break;
        }
        if (f->blocked_until_us > now_us) continue;
        if (best < 0 || f->last_us < s->fail[(key + (uint32_t)best) % n].last_us) best = (int)i;
    }
    if (best < 0) return NULL;
    {
        sip__authsrv_fail *f = &s->fail[(key + (uint32_t)best) % n];
        memset(f, 0, sizeof *f);
        f->key = key;
        return f;
    }
}

static void sip__as_failed(sip_authsrv *s, uint64_t key, uint64_t now_us)
{
    sip__authsrv_fail *f = sip__as_fail_slot(s, key, 1, now_us);
    if (!f) return; /* its slots are all blocked entries of others */
    f->failures++;
    f->last_us = now_us;
    if (f->failures >= s->cfg.max_failures) {
        uint32_t k = f->failures - s->cfg.max_failures;
        uint64_t d = (uint64_t)s->cfg.delay_base_ms << (k > 20 ? 20 : k);
        if (d > s->cfg.delay_max_ms) d = s->cfg.delay_max_ms;
        f->blocked_until_us = now_us + d * 1000u;
    }
}

/* ---- nonce counts ------------------------------------------------------------ */

/* 1 when nc is above the highest seen for this nonce (then recorded); 0
 * for a replay or for a nonce without an entry. A nonce's entry is one of
 * SIP__AS_NC_WAYS consecutive slots from its hash (a direct-mapped table
 * answered stale to a fresh nonce whenever its one slot held a live
 * nonce: about 1 % of calls at a few hundred calls/s). An entry is only
 * taken over once its own nonce has expired, so a live nonce never loses
 * its history (a replay of its nc 1 would pass otherwise); a nonce that
 * finds no free or expired slot, or arrives with nc > 1 and no entry, is
 * answered stale (*stale) and the client retries with a fresh one. */
#define SIP__AS_NC_WAYS 8
static int sip__as_nc_ok(sip_authsrv *s, const uint8_t mac8[8], uint32_t nc, uint64_t issued_us,
                         uint64_t now_us, int *stale)
{
    uint32_t h = ((uint32_t)mac8[0] << 24 | (uint32_t)mac8[1] << 16 | (uint32_t)mac8[2] << 8 |
                  mac8[3]) % s->cfg.nc_slots;
    uint64_t ttl = (uint64_t)s->cfg.nonce_ttl_s * 1000000u;
    sip__authsrv_nc *e, *freed = NULL;
    uint32_t i;
    *stale = 0;
    for (i = 0; i < SIP__AS_NC_WAYS && i < s->cfg.nc_slots; i++) {
        e = &s->ncs[(h + i) % s->cfg.nc_slots];
        if (memcmp(e->mac, mac8, 8) == 0 && e->nc) {
            if (nc <= e->nc) return 0;
            e->nc = nc;
            return 1;
        }
        if (!freed && (!e->nc || e->issued_us + ttl < now_us)) freed = e;
    }
    if (nc != 1 || !freed) {
        *stale = 1;
        return 0;
    }
    memcpy(freed->mac, mac8, 8);
    freed->nc = 1;
    freed->issued_us = issued_us;
    return 1;
}

static int sip__as_parse_nc(sip_str s, uint32_t *nc)
{
    uint8_t b[4];
    if (sip__as_unhex(s, b, 4)) {
        /* accept upper-case hex too (RFC 7616 §3.4: LHEX, but be liberal) */
        char tmp[8];
        size_t i;
        sip_str t;
        if (s.len != 8) return -1;
        for (i = 0; i < 8; i++) tmp[i] = (char)((s.p[i] >= 'A' && s.p[i] <= 'F') ? s.p[i] + 32 : s.p[i]);
        t.p = tmp;
        t.len = 8;
        if (sip__as_unhex(t, b, 4)) return -1;
    }
    *nc = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return 0;
}

/* ---- verification ------------------------------------------------------------ */

/* HA1 for the user, or a dummy derived from the secret for an unknown one,
 * so both take the same path (no user enumeration by timing or answer). */
static int sip__as_ha1(sip_authsrv *s, sip_str username, sip_digest_alg base, char *hex,
                       int *known)
{
    int rc = s->cb.ha1(s->user, username, s->cfg.realm, base, hex, 65);
    size_t len = sip_digest_alg_len(base) * 2;
    if (rc < 0) return SIP_AUTHSRV_ERR_CALLBACK;
    *known = rc == 0 && strlen(hex) == len;
    if (!*known) {
        uint8_t mac[32];
        sip_str parts[2];
        parts[0].p = "unknown-user";
        parts[0].len = 12;
        parts[1] = username;
        sip__as_hmac(s, parts, 2, mac);
        sip__as_hex(mac, len / 2, hex);
        hex[len] = 0;
    }
    return 0;
}

/* The credentials' shape: our realm, opaque, an algorithm and qop we offer,
 * nc and cnonce present. */
static int sip__as_shape_ok(const sip_authsrv *s, const sip_auth *c, sip_digest_qop *qop)
{
    sip_digest_alg base;
    if (!sip_str_caseeq_c(c->scheme, "Digest") || !c->username.p || !c->response.p || !c->uri.p)
        return 0;
    if (!sip_str_eq(c->realm, s->cfg.realm)) return 0;
    if (c->alg == SIP_DIGEST_ALG_UNKNOWN) return 0;
    base = c->alg;
    if (!(s->cfg.algs & (1u << base))) return 0; /* -sess variants are not offered */
    if (!c->opaque.p || !sip_str_eq(c->opaque, sip_str_c(s->opaque))) return 0;
    if (sip_str_caseeq_c(c->qop, "auth")) *qop = SIP_QOP_AUTH;
    else if (s->cfg.qop_auth_int && sip_str_caseeq_c(c->qop, "auth-int")) *qop = SIP_QOP_AUTH_INT;
    else return 0; /* RFC 7616 §3.4: qop is required */
    return c->nc.p && c->cnonce.p && c->cnonce.len;
}

SIP_AUTH_SERVER_DEF int sip_authsrv_verify(sip_authsrv *s, const sip_authsrv_request *req,
                                           uint64_t now_us, uint32_t *retry_after_ms)
{
    const sip_auth *c = req ? req->cred : NULL;
    sip__authsrv_fail *f;
    sip_digest_input in;
    sip_digest_qop qop = SIP_QOP_AUTH;
    char ha1[72], expect[72];
    uint64_t key, issued = 0;
    uint8_t mac8[8];
    uint32_t nc = 0;
    int known = 0, good, ours, rc, evicted = 0;
    if (retry_after_ms) *retry_after_ms = 0;
    if (!c) return SIP_AUTHSRV_CHALLENGE;
    key = sip__as_key(s, req->source, c->username);
    f = sip__as_fail_slot(s, key, 0, now_us);
    if (f && f->blocked_until_us > now_us) {
        if (retry_after_ms) *retry_after_ms = (uint32_t)((f->blocked_until_us - now_us + 999) / 1000);
        return SIP_AUTHSRV_BLOCKED;
    }
    ours = sip__as_check_nonce(s, c->nonce, &issued, mac8);
    if (!sip__as_shape_ok(s, c, &qop) || !ours || sip__as_parse_nc(c->nc, &nc) || !nc ||
        (req->request_uri.len && !sip_str_eq(req->request_uri, c->uri))) {
        sip__as_failed(s, key, now_us);
        return SIP_AUTHSRV_CHALLENGE;
    }
    rc = sip__as_ha1(s, c->username, c->alg, ha1, &known);
    if (rc) return rc;
    memset(&in, 0, sizeof in);
    in.alg = c->alg;
    in.qop = qop;
    in.username = c->username;
    in.realm = s->cfg.realm;
    in.ha1_hex = sip_str_c(ha1);
    in.method = req->method;
    in.uri = c->uri;
    in.nonce = c->nonce;
    in.cnonce = c->cnonce;
    in.nc = c->nc;
    in.body = req->body;
    rc = sip_digest_response(&in, expect, sizeof expect, NULL, NULL);
    good = rc > 0 && sip_ct_equal(c->response, sip_str_c(expect)) && known;
    if (!good) {
        sip__as_failed(s, key, now_us);
        return SIP_AUTHSRV_CHALLENGE;
    }
    /* a correct digest: too old, or a count we have seen, is stale */
    if (now_us < issued || now_us - issued > (uint64_t)s->cfg.nonce_ttl_s * 1000000u)
        return SIP_AUTHSRV_STALE;
    if (!sip__as_nc_ok(s, mac8, nc, issued, now_us, &evicted)) {
        if (evicted) return SIP_AUTHSRV_STALE;
        sip__as_failed(s, key, now_us);
        return SIP_AUTHSRV_CHALLENGE;
    }
    if (f) memset(f, 0, sizeof *f);
    return SIP_AUTHSRV_OK;
}

#endif /* SIP_AUTH_SERVER_IMPLEMENTATION */

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
