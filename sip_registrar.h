#if defined(CVOIP_IMPLEMENTATION) && !defined(SIP_REGISTRAR_IMPLEMENTATION)
#define SIP_REGISTRAR_IMPLEMENTATION
#endif
/* sip_registrar.h - REGISTER processing and a location service
 * (RFC 3261 §10.3, RFC 3327 Path, RFC 5626 outbound, RFC 5627 GRUU).
 *
 * Part of cvoip, single-file, MIT licence. Builds on sip.h.
 *
 *     #define SIP_REGISTRAR_IMPLEMENTATION   (or CVOIP_IMPLEMENTATION)
 *     #include "sip_registrar.h"
 *
 * What it does:
 *   - sip_registrar_process(): one REGISTER (already parsed, already
 *     authenticated by the caller, e.g. with sip_auth_server.h) in, the
 *     complete response out, following §10.3 steps 5-8: the address-of-
 *     record from To in canonical form; Contact "*" with Expires: 0; each
 *     contact's expiry from its expires parameter, else Expires, else the
 *     default, capped at max_expires; 423 with Min-Expires below
 *     min_expires; Call-ID/CSeq ordering (an older request for a binding
 *     fails with 500 and changes nothing); bindings matched by
 *     +sip.instance and reg-id (RFC 5626 §6) or by URI (§19.1.4); the 200
 *     lists every current binding with its remaining expires. Path is
 *     stored with the binding and echoed when the UA supports it (RFC 3327
 *     §5.3; 420 when it does not and path_strict is set); outbound
 *     registrations keep their flow and get Require: outbound (RFC 5626
 *     §6); a pub-gruu is returned when the UA supports gruu and sent an
 *     instance (RFC 5627 §3.1, §5).
 *   - A REGISTER is atomic (§10.3 step 7: the binding updates are made
 *     visible "if and only if all binding updates and additions
 *     succeed"). Every contact is checked first (423, ordering, limits);
 *     then the changes run inside a store transaction: begin(aor) before
 *     the first lookup, save/remove for each contact, the lookup for the
 *     200, then commit(aor); any failure after begin (a save or remove
 *     failing partway, a failed lookup or commit) calls rollback(aor),
 *     which puts back every binding as it was, and the answer is 503.
 *     Why a transaction pair rather than undoing applied changes with
 *     more save/remove calls: an undo can itself fail (the store is full,
 *     out of memory, a database down), and the request would then be half
 *     applied with no way back; a store that defers visibility (sip_locmem
 *     marks pending nodes and frees nothing until commit; a database uses
 *     its own transaction) can always roll back. The same begin also gives
 *     a shared store the isolation it needs between the check and the
 *     apply (e.g. SELECT ... FOR UPDATE).
 *   - The location service is a table of callbacks (sip_location_ops), so a
 *     deployment can keep bindings in a shared store; sip_locmem is the
 *     in-memory default: a hash table of address-of-records, each binding
 *     one allocation holding its strings, expiry by an incremental sweep
 *     (sip_locmem_expire) driven by the caller's timer, limits on records
 *     and bindings.
 *
 * Sans-IO: time is now_us; memory through SIP_REGISTRAR_MALLOC/FREE (the
 * location store only). Options: SIP_REGISTRAR_IMPLEMENTATION,
 * SIP_REGISTRAR_STATIC. Licence: MIT, see the end of this file.
 */
#ifndef SIP_REGISTRAR_H
#define SIP_REGISTRAR_H

#include "sip.h"

#ifndef SIP_REGISTRAR_DEF
#ifdef SIP_REGISTRAR_STATIC
#define SIP_REGISTRAR_DEF static
#else
#define SIP_REGISTRAR_DEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes (range -800 .. -899). */
typedef enum sip_registrar_err {
    SIP_REG_ERR_INVALID = -800,   /**< invalid argument or configuration */
    SIP_REG_ERR_NOSPACE = -801,   /**< output buffer too small (see *needed) */
    SIP_REG_ERR_LIMIT = -802,     /**< the store is full */
    SIP_REG_ERR_NOMEM = -803,     /**< allocation failed */
    SIP_REG_ERR_STORE = -804      /**< the location service failed */
} sip_registrar_err;

/** Longest canonical address-of-record. */
#define SIP_REG_MAX_AOR 256
/** Most bindings one address-of-record can list in a response. */
#define SIP_REG_MAX_LIST 32

/** One binding (a contact of an address-of-record). Spans are owned by the
 *  store (valid until its next change) or, when given to save, by the
 *  caller for the duration of the call. */
typedef struct sip_binding {
    sip_str aor;         /**< canonical address-of-record (sip_registrar_aor) */
    sip_str uri;         /**< Contact URI text */
    sip_str params;      /**< Contact header parameters without expires (";q=0.5;+sip.instance=...") */
    sip_str call_id;
    uint32_t cseq;
    uint16_t q;          /**< 0..1000 (q * 1000); 1000 when absent */
    sip_str path;        /**< Path values in order, joined with ", " */
    sip_str instance;    /**< +sip.instance value (quotes and <> kept) */
    uint32_t reg_id;     /**< RFC 5626 reg-id, 0 when absent */
    uint32_t flow;       /**< the caller's flow (connection) handle, 0 when none */
    sip_str received;    /**< the caller's text for the source address */
    uint64_t expires_us; /**< absolute expiry on the caller's clock */
    const void *handle;  /**< the store's identity of this binding (set by
                              lookup; save and remove use it) */
} sip_binding;

/** A location service. Each returns >= 0 on success or a negative
 *  SIP_REG_ERR_*. The registrar brackets its work on one address-of-record
 *  with begin and commit/rollback (RFC 3261 §10.3 step 7 atomicity): the
 *  saves and removes between them, and the lookups made in between, see
 *  the pending changes; other readers see none of them until commit;
 *  rollback restores the bindings exactly as they were at begin. */
typedef struct sip_location_ops {
    uint32_t size;       /**< sizeof(sip_location_ops) */
    /** The current (unexpired at now_us) bindings of aor: fills up to max of
     *  them into out and returns how many exist. */
    int (*lookup)(void *store, sip_str aor, uint64_t now_us, sip_binding *out, size_t max);
    /** Stores b (copying its strings). When old is non-NULL (a binding this
     *  store returned from lookup, for the same aor) b replaces it. */
    int (*save)(void *store, const sip_binding *b, const sip_binding *old, uint64_t now_us);
    /** Removes the binding old (returned by lookup). */
    int (*remove)(void *store, const sip_binding *old);
    /** Starts a transaction on aor (the span is valid for this call only).
     *  At most one is open per store at a time. */
    int (*begin)(void *store, sip_str aor, uint64_t now_us);
    /** Makes every change since begin visible, all together; on failure
     *  (negative) the store must have made none of them visible (the
     *  registrar then calls rollback and answers 503). The registrar copies
     *  what it needs from lookups before it commits. */
    int (*commit)(void *store, sip_str aor);
    /** Undoes every change since begin. Cannot fail: a store must be able
     *  to keep the old state until commit. */
    void (*rollback)(void *store, sip_str aor);
} sip_location_ops;

/** Canonical address-of-record of a To URI (§10.3 step 5): scheme, the
 *  unescaped user, '@', the host in lower case, ":port" when present; URI
 *  parameters and headers dropped. Writes it into out (NUL-terminated).
 *  Returns its length, SIP_REG_ERR_INVALID (not a SIP/SIPS URI, no user,
 *  bad escape), SIP_REG_ERR_NOSPACE. */
SIP_REGISTRAR_DEF int sip_registrar_aor(const sip_uri *to, char *out, size_t cap);

/** Registrar policy. Zero fields take the defaults in brackets. */
typedef struct sip_registrar_config {
    uint32_t min_expires;      /**< 423 below this, seconds [60] */
    uint32_t max_expires;      /**< cap, seconds [7200] */
    uint32_t default_expires;  /**< neither parameter nor header [3600] */
    uint32_t max_contacts;     /**< bindings per address-of-record [10] */
    int path_strict;           /**< 420 when Path is present and the UA
                                    does not list "path" in Supported */
    sip_str service_route;     /**< Service-Route value for the 200 (RFC 3608), or absent */
    /** Whether this registrar is responsible for aor (§10.3 step 3/5: else
     *  404). NULL accepts every address-of-record. */
    int (*aor_ok)(void *user, sip_str aor);
    void *user;
} sip_registrar_config;

/** Most Contact values one REGISTER may carry (more: 403). */
#define SIP_REG_MAX_CONTACTS 16

/** Private: one Contact of the request being processed. */
typedef struct sip__reg_contact {
    sip_addr a;
    uint32_t expires;   /**< seconds after capping */
    uint16_t q;
    sip_str instance;
    uint32_t reg_id;
    int match;          /**< index into the current bindings, -1 none */
} sip__reg_contact;

/** Private: the request being processed. */
typedef struct sip__reg_req {
    char aor[SIP_REG_MAX_AOR];
    int aor_len;
    int star;
    sip__reg_contact c[SIP_REG_MAX_CONTACTS];
    unsigned n;
    int has_expires_hdr;
    uint32_t expires_hdr;
    int sup_path, sup_gruu, sup_outbound;
    int has_path;
} sip__reg_req;

/** A registrar core: policy plus the location service it writes to. Holds
 *  its scratch space (about 20 KB), so one registrar serves one request at
 *  a time; use one per thread. */
typedef struct sip_registrar {
    sip_registrar_config cfg;
    const sip_location_ops *ops;
    void *store;
    sip__reg_req req;                  /* private scratch */
    sip_binding cur[SIP_REG_MAX_LIST];
    char path[1024];
    char hdr[8192];
    sip_hdr_field fields[SIP_REG_MAX_LIST + 4];
} sip_registrar;

/** Set up a registrar over a location service. Returns 0 or
 *  SIP_REG_ERR_INVALID (NULL arguments, ops->size too small, a missing
 *  operation (begin, commit and rollback included: without them a REGISTER
 *  cannot be atomic), min_expires > max_expires). */
SIP_REGISTRAR_DEF int sip_registrar_init(sip_registrar *r, const sip_registrar_config *cfg,
                                         const sip_location_ops *ops, void *store);

/** Where the REGISTER came from. */
typedef struct sip_register_source {
    uint32_t flow;       /**< the connection it arrived on (0: none) */
    sip_str received;    /**< e.g. "udp:192.0.2.1:5060", stored with the binding */
} sip_register_source;

/** Process one REGISTER at now_us and write the whole response (status
 *  line, the §8.2.6.2 copied headers with a To tag from to_tag, then the
 *  registrar's headers) into out. *status gets the status code: 200, 400
 *  (bad Contact, "*" misuse, bad expires), 404 (aor_ok refused), 420
 *  (Path without support, path_strict), 423 (with Min-Expires), 403
 *  (more than max_contacts), 500 (an out-of-order request, §10.3 step 7),
 *  503 (the store is full or failed: nothing of the request is applied,
 *  §10.3 step 7). Returns the length written, or
 *  SIP_REG_ERR_NOSPACE with *needed (out NULL or cap too small: the
 *  request is then not applied, so the caller can process it again with a
 *  larger buffer), SIP_REG_ERR_INVALID (not a REGISTER). */
SIP_REGISTRAR_DEF int sip_registrar_process(sip_registrar *r, const sip_msg *req,
                                            const sip_register_source *src, sip_str to_tag,
                                            uint64_t now_us, char *out, size_t cap,
                                            size_t *needed, int *status);

/* ------------------------------------------------------------------------
 * sip_locmem: the in-memory location service
 * --------------------------------------------------------------------- */

#ifndef SIP_REGISTRAR_MALLOC
#include <stdlib.h>
#define SIP_REGISTRAR_MALLOC(ctx, n) malloc(n)
#define SIP_REGISTRAR_FREE(ctx, p) free(p)
#endif

/** Limits of the in-memory store (zero: defaults in brackets). */
typedef struct sip_locmem_config {
    uint32_t buckets;        /**< hash buckets, rounded up to a power of 2 [65536] */
    uint32_t max_aors;       /**< address-of-records [1000000] */
    uint32_t max_bindings;   /**< bindings in all [2000000] */
    void *alloc_ctx;         /**< passed to SIP_REGISTRAR_MALLOC/FREE */
} sip_locmem_config;

struct sip__lm_aor;
/** The in-memory store. Fields are private except the counters. */
typedef struct sip_locmem {
    sip_locmem_config cfg;
    struct sip__lm_aor **bucket;
    uint32_t mask;
    uint32_t n_aors, n_bindings;  /**< current counts */
    size_t bytes;                 /**< bytes allocated (table and records) */
    uint32_t sweep;               /**< next bucket of the expiry sweep */
    int in_txn;                   /**< a transaction is open (private) */
    uint32_t txn_removed;         /**< nodes it marked removed (private): not
                                       counted against max_bindings */
} sip_locmem;

/** Create the store (allocates the bucket array). Returns 0,
 *  SIP_REG_ERR_INVALID or SIP_REG_ERR_NOMEM. */
SIP_REGISTRAR_DEF int sip_locmem_init(sip_locmem *m, const sip_locmem_config *cfg);
/** Free every record and the table. */
SIP_REGISTRAR_DEF void sip_locmem_free(sip_locmem *m);
/** The operations to give sip_registrar_init (store = the sip_locmem).
 *  Its transactions: begin fails with SIP_REG_ERR_INVALID when one is
 *  already open; inside one, save and remove mark nodes instead of
 *  freeing them (lookups hide the removed ones), commit frees the removed
 *  nodes and cannot fail, rollback frees the added ones. */
SIP_REGISTRAR_DEF const sip_location_ops *sip_locmem_ops(void);
/** Remove bindings expired at now_us, visiting at most max_buckets buckets
 *  from where the last call stopped (an incremental sweep: call it from a
 *  timer, e.g. every second with buckets / 60). Returns how many bindings
 *  were removed (0 while a transaction is open). */
SIP_REGISTRAR_DEF uint32_t sip_locmem_expire(sip_locmem *m, uint64_t now_us, uint32_t max_buckets);

#ifdef __cplusplus
}
#endif

#endif /* SIP_REGISTRAR_H */

/* ======================================================================== */
#if defined(SIP_REGISTRAR_IMPLEMENTATION) && !defined(SIP_REGISTRAR_IMPLEMENTATION_DONE)
#define SIP_REGISTRAR_IMPLEMENTATION_DONE

#include <string.h>

/* ---- canonical address-of-record ----------------------------------------- */

SIP_REGISTRAR_DEF int sip_registrar_aor(const sip_uri *to, char *out, size_t cap)
{
    char user[SIP_REG_MAX_AOR];
    size_t n = 0, i;
    int ul;
    const char *scheme;
    if (!to || !out || (to->scheme != SIP_URI_SIP && to->scheme != SIP_URI_SIPS) || !to->user.len)
        return SIP_REG_ERR_INVALID;
    ul = sip_unescape(to->user, user, sizeof user);
    if (ul <= 0 || memchr(user, 0, (size_t)ul)) return SIP_REG_ERR_INVALID;
    scheme = to->scheme == SIP_URI_SIPS ? "sips:" : "sip:";
    if (strlen(scheme) + (size_t)ul + 1 + to->host.len + 8 + 1 > cap) return SIP_REG_ERR_NOSPACE;
    memcpy(out, scheme, strlen(scheme));
    n = strlen(scheme);
    memcpy(out + n, user, (size_t)ul);
    n += (size_t)ul;
    out[n++] = '@';
    if (to->host_type == SIP_HOST_IPV6) out[n++] = '[';
    for (i = 0; i < to->host.len; i++) {
        char c = to->host.p[i];
        out[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    if (to->host_type == SIP_HOST_IPV6) out[n++] = ']';
    if (to->has_port) {
        char d[6];
        int k = 0;
        unsigned v = to->port;
        out[n++] = ':';
        do d[k++] = (char)('0' + v % 10); while ((v /= 10) != 0);
        while (k) out[n++] = d[--k];
    }
    out[n] = 0;
    return (int)n;
}

SIP_REGISTRAR_DEF int sip_registrar_init(sip_registrar *r, const sip_registrar_config *cfg,
                                         const sip_location_ops *ops, void *store)
{
    if (!r || !cfg || !ops || ops->size < sizeof *ops || !ops->lookup || !ops->save ||
        !ops->remove || !ops->begin || !ops->commit || !ops->rollback)
        return SIP_REG_ERR_INVALID;
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    if (!r->cfg.min_expires) r->cfg.min_expires = 60;
    if (!r->cfg.max_expires) r->cfg.max_expires = 7200;
    if (!r->cfg.default_expires) r->cfg.default_expires = 3600;
    if (!r->cfg.max_contacts) r->cfg.max_contacts = 10;
    if (r->cfg.max_contacts > SIP_REG_MAX_LIST) r->cfg.max_contacts = SIP_REG_MAX_LIST;
    if (r->cfg.min_expires > r->cfg.max_expires) return SIP_REG_ERR_INVALID;
    r->ops = ops;
    r->store = store;
    return 0;
}

/* ---- request analysis ------------------------------------------------------ */

static sip_str sip__reg_span(const char *b, const char *e)
{
    sip_str s;
    s.p = b;
    s.len = (size_t)(e - b);
    return s;
}

/* q-value "0.5" / "1" / "1.000" into 0..1000 (RFC 3261 §20.10 qvalue). */
static int sip__reg_q(sip_str v, uint16_t *q)
{
    size_t i = 0;
    unsigned val = 0, scale = 1000;
    if (!v.len || (v.p[0] != '0' && v.p[0] != '1')) return -1;
    val = (unsigned)(v.p[0] - '0') * 1000;
    i = 1;
    if (i < v.len) {
        if (v.p[i++] != '.') return -1;
        for (; i < v.len; i++) {
            if (v.p[i] < '0' || v.p[i] > '9' || scale == 1) return -1;
            scale /= 10;
            val += (unsigned)(v.p[i] - '0') * scale;
        }
    }
    if (val > 1000) return -1;
    *q = (uint16_t)val;
    return 0;
}

static int sip__reg_supported(const sip_msg *m, const char *tag)
{
    size_t i, pos;
    sip_str t;
    for (i = 0; i < m->n_hdrs; i++) {
        if (m->hdrs[i].id != SIP_HDR_SUPPORTED) continue;
        pos = 0;
        while (sip_token_next(m->hdrs[i].value, &pos, &t) == 1)
            if (sip_str_caseeq_c(t, tag)) return 1;
    }
    return 0;
}

/* A value is copied into the response only when its line ends are
 * folding (CRLF then SP/HTAB): sip_parse keeps a bare CR inside an
 * unchecked header's value, which no response may carry. */
static int sip__reg_value_ok(sip_str v)
{
    size_t i;
    for (i = 0; i < v.len; i++) {
        if (v.p[i] != '\r' && v.p[i] != '\n') continue;
        if (v.p[i] == '\r' && i + 2 < v.len && v.p[i + 1] == '\n' &&
            (v.p[i + 2] == ' ' || v.p[i + 2] == '\t')) {
            i += 2;
            continue;
        }
        return 0;
    }
    return 1;
}

/* Reads a Contact value. Returns 0 or the status to answer (400). */
static int sip__reg_read_contact(sip_registrar *r, sip__reg_req *q, sip_str v, sip__reg_contact *c)
{
    sip_str val;
    uint32_t e;
    memset(c, 0, sizeof *c);
    c->match = -1;
    c->q = 1000;
    if (sip_addr_parse(v, &c->a)) return 400;
    if (c->a.star) return 0;
    /* the parameters go back out in the 200 (registrar-5: a bare-LF fold
     * inside a quoted value parses, but no response may carry it) */
    if (!sip__reg_value_ok(c->a.params)) return 400;
    if (sip_param_find(c->a.params, "q", &val) && (!val.p || sip__reg_q(val, &c->q))) return 400;
    if (sip_param_find(c->a.params, "expires", &val)) {
        if (!val.p || sip_uint_parse(val, 0xFFFFFFFFu, &e)) return 400;
    } else {
        e = q->has_expires_hdr ? q->expires_hdr : r->cfg.default_expires;
    }
    c->expires = e > r->cfg.max_expires ? r->cfg.max_expires : e; /* 423 checked later */
    if (sip_param_find(c->a.params, "+sip.instance", &val) && val.p) c->instance = val;
    if (sip_param_find(c->a.params, "reg-id", &val)) {
        if (!val.p || sip_uint_parse(val, 0xFFFFFFFFu, &c->reg_id) || !c->reg_id) return 400;
    }
    return 0;
}

/* Collects the request: AOR, Expires, Contacts, Supported, Path. Returns 0
 * or the failure status. */
static int sip__reg_read(sip_registrar *r, const sip_msg *m, sip__reg_req *q)
{
    size_t i;
    memset(q, 0, sizeof *q);
    q->aor_len = sip_registrar_aor(&m->to.uri, q->aor, sizeof q->aor);
    if (q->aor_len <= 0) return q->aor_len == SIP_REG_ERR_NOSPACE ? 400 : 404;
    for (i = 0; i < m->n_hdrs; i++) {
        if (m->hdrs[i].id == SIP_HDR_EXPIRES) {
            if (q->has_expires_hdr || sip_uint_parse(m->hdrs[i].value, 0xFFFFFFFFu, &q->expires_hdr))
                return 400;
            q->has_expires_hdr = 1;
        } else if (m->hdrs[i].id == SIP_HDR_PATH) {
            q->has_path = 1;
        }
    }
    for (i = 0; i < m->n_hdrs; i++) {
        int st;
        if (m->hdrs[i].id != SIP_HDR_CONTACT) continue;
        if (q->n == SIP_REG_MAX_CONTACTS) return 403;
        st = sip__reg_read_contact(r, q, m->hdrs[i].value, &q->c[q->n]);
        if (st) return st;
        if (q->c[q->n].a.star) q->star = 1;
        q->n++;
    }
    /* §10.3 step 6: "*" only alone and only with Expires: 0 */
    if (q->star && (q->n != 1 || !q->has_expires_hdr || q->expires_hdr != 0)) return 400;
    q->sup_path = sip__reg_supported(m, "path");
    q->sup_gruu = sip__reg_supported(m, "gruu");
    q->sup_outbound = sip__reg_supported(m, "outbound");
    if (q->has_path && r->cfg.path_strict && !q->sup_path) return 420;
    return 0;
}

/* Whether request contact c names binding b (RFC 5626 §6: instance and
 * reg-id; instance alone; else §19.1.4 URI equality). */
static int sip__reg_same(const sip__reg_contact *c, const sip_binding *b)
{
    sip_uri bu;
    if (c->instance.p || b->instance.p) {
        if (!c->instance.p || !b->instance.p || !sip_str_eq(c->instance, b->instance)) return 0;
        return c->reg_id == b->reg_id;
    }
    if (sip_uri_parse(b->uri, &bu)) return 0;
    return sip_uri_equal(&c->a.uri, &bu);
}

/* Whether two Contacts of one request name the same binding (the same
 * rules as sip__reg_same). */
static int sip__reg_same_contact(const sip__reg_contact *a, const sip__reg_contact *b)
{
    if (a->instance.p || b->instance.p) {
        if (!a->instance.p || !b->instance.p || !sip_str_eq(a->instance, b->instance)) return 0;
        return a->reg_id == b->reg_id;
    }
    return sip_uri_equal(&a->a.uri, &b->a.uri);
}

/* ---- the response ------------------------------------------------------- */

typedef struct sip__reg_w {
    char *p;
    size_t cap, n;
    sip_hdr_field *f;    /* header fields whose values are in p (or NULL) */
    size_t nf, max_f;
    size_t vstart;
} sip__reg_w;

static void sip__reg_put(sip__reg_w *w, const char *s, size_t n)
{
    if (w->p && w->n + n <= w->cap) memcpy(w->p + w->n, s, n);
    w->n += n;
}
static void sip__reg_puts(sip__reg_w *w, const char *s) { sip__reg_put(w, s, strlen(s)); }
static void sip__reg_putv(sip__reg_w *w, sip_str s) { sip__reg_put(w, s.p, s.len); }
static void sip__reg_putu(sip__reg_w *w, uint64_t v)
{
    char d[24];
    int k = 0;
    do d[k++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (k) sip__reg_put(w, &d[--k], 1);
}

/* Header fields: the value is what is written between begin and end. */
static void sip__reg_begin(sip__reg_w *w, const char *name)
{
    if (w->nf < w->max_f) w->f[w->nf].name = sip_str_c(name);
    w->vstart = w->n;
}
static void sip__reg_end(sip__reg_w *w)
{
    if (w->nf < w->max_f) {
        w->f[w->nf].value.p = w->p + w->vstart;
        w->f[w->nf].value.len = w->n - w->vstart;
    }
    w->nf++;
}

/* Writes b's params without the "expires" parameter (the registrar writes
 * the remaining time itself). */
static void sip__reg_params_wo_expires(sip__reg_w *w, sip_str params)
{
    size_t pos = 0, start;
    sip_str name, val;
    while (1) {
        start = pos;
        if (sip_param_next(params, &pos, &name, &val) != 1) break;
        if (sip_str_caseeq_c(name, "expires")) continue;
        /* copy the parameter as written, from its ';' */
        while (start < params.len && params.p[start] != ';') start++;
        sip__reg_put(w, params.p + start, pos - start);
    }
}

/* The extra headers of a 200: every binding with its expires, Path,
 * Service-Route, Require: outbound. */
static void sip__reg_ok_headers(sip__reg_w *w, sip_registrar *r, const sip__reg_req *q,
                                const sip_binding *b, int n, uint64_t now_us, sip_str path,
                                int outbound)
{
    int i;
    for (i = 0; i < n; i++) {
        uint64_t left = b[i].expires_us > now_us ? (b[i].expires_us - now_us + 999999) / 1000000 : 0;
        sip__reg_begin(w, "Contact");
        sip__reg_puts(w, "<");
        sip__reg_putv(w, b[i].uri);
        sip__reg_puts(w, ">");
        sip__reg_params_wo_expires(w, b[i].params);
        sip__reg_puts(w, ";expires=");
        sip__reg_putu(w, left);
        if (q->sup_gruu && b[i].instance.p && b[i].instance.len > 2 && b[i].instance.p[0] == '"') {
            /* RFC 5627 §3.1: pub-gruu = AOR;gr=<instance URN> */
            sip_str inst = b[i].instance;
            inst.p++;
            inst.len -= 2;
            if (inst.len > 2 && inst.p[0] == '<' && inst.p[inst.len - 1] == '>') inst.p++, inst.len -= 2;
            sip__reg_puts(w, ";pub-gruu=\"");
            sip__reg_put(w, q->aor, (size_t)q->aor_len);
            sip__reg_puts(w, ";gr=");
            sip__reg_putv(w, inst);
            sip__reg_puts(w, "\"");
        }
        sip__reg_end(w);
    }
    if (path.len && q->sup_path) {
        sip__reg_begin(w, "Path");
        sip__reg_putv(w, path);
        sip__reg_end(w);
    }
    if (r->cfg.service_route.len) {
        sip__reg_begin(w, "Service-Route");
        sip__reg_putv(w, r->cfg.service_route);
        sip__reg_end(w);
    }
    if (outbound) {
        sip__reg_begin(w, "Require");
        sip__reg_puts(w, "outbound");
        sip__reg_end(w);
    }
}

/* Path header values of the request joined with ", " into buf; absent
 * when they do not fit, or one is not a name-addr or cannot be copied (the
 * caller answers 400). */
static sip_str sip__reg_path(const sip_msg *m, char *buf, size_t cap)
{
    sip__reg_w w;
    size_t i;
    sip_str s;
    memset(&w, 0, sizeof w);
    w.p = buf;
    w.cap = cap;
    for (i = 0; i < m->n_hdrs; i++)
        if (m->hdrs[i].id == SIP_HDR_PATH) {
            sip_addr pa;
            /* RFC 3327 §4: each value is a name-addr; anything else would
             * make the 200 unparsable once the values are joined */
            if (!sip__reg_value_ok(m->hdrs[i].value) || sip_addr_parse(m->hdrs[i].value, &pa) ||
                !pa.angle)
                w.n = cap + 1;
            if (w.n) sip__reg_puts(&w, ", ");
            sip__reg_putv(&w, m->hdrs[i].value);
        }
    s.p = buf;
    s.len = w.n <= cap ? w.n : 0;
    return s;
}

/* §10.3 steps 6-7 checked for every contact before anything changes. */
static int sip__reg_check(sip_registrar *r, const sip_msg *m, sip__reg_req *q,
                          const sip_binding *cur, int n_cur, uint32_t *min_exp)
{
    unsigned i;
    int k, adds = 0;
    for (i = 0; i < q->n && !q->star; i++) {
        sip__reg_contact *c = &q->c[i];
        unsigned j;
        /* one binding named twice in a request would be applied twice */
        for (j = 0; j < i; j++)
            if (sip__reg_same_contact(c, &q->c[j])) return 400;
        if (c->expires && c->expires < r->cfg.min_expires) {
            *min_exp = r->cfg.min_expires;
            return 423;
        }
        for (k = 0; k < n_cur && k < SIP_REG_MAX_LIST; k++)
            if (sip__reg_same(c, &cur[k])) {
                c->match = k;
                break;
            }
        if (c->match >= 0 && sip_str_eq(cur[c->match].call_id, m->call_id) &&
            m->cseq.num <= cur[c->match].cseq)
            return 500; /* out of order (§10.3 step 7) */
        if (c->match < 0 && c->expires) adds++;
    }
    if (q->star) {
        for (k = 0; k < n_cur && k < SIP_REG_MAX_LIST; k++)
            if (sip_str_eq(cur[k].call_id, m->call_id) && m->cseq.num <= cur[k].cseq) return 500;
    }
    if (n_cur + adds > (int)r->cfg.max_contacts) return 403;
    return 0;
}

/* Applies the request to the store. Returns 0 or a negative error. */
static int sip__reg_apply(sip_registrar *r, const sip_msg *m, const sip__reg_req *q,
                          const sip_register_source *src, const sip_binding *cur, int n_cur,
                          sip_str path, uint64_t now_us, int *outbound)
{
    unsigned i;
    int k, rc;
    if (q->star) {
        for (k = n_cur - 1; k >= 0; k--)
            if ((rc = r->ops->remove(r->store, &cur[k])) < 0) return rc;
        return 0;
    }
    for (i = 0; i < q->n; i++) {
        const sip__reg_contact *c = &q->c[i];
        const sip_binding *old = c->match >= 0 ? &cur[c->match] : NULL;
        sip_binding b;
        if (!c->expires) {
            if (old && (rc = r->ops->remove(r->store, old)) < 0) return rc;
            continue;
        }
        memset(&b, 0, sizeof b);
        b.aor.p = q->aor;
        b.aor.len = (size_t)q->aor_len;
        b.uri = c->a.uri.raw;
        b.params = c->a.params;
        b.call_id = m->call_id;
        b.cseq = m->cseq.num;
        b.q = c->q;
        b.path = path;
        b.instance = c->instance;
        b.reg_id = c->reg_id;
        if (c->reg_id && c->instance.p && q->sup_outbound) {
            b.flow = src ? src->flow : 0; /* RFC 5626 §6: the flow is kept */
            *outbound = 1;
        }
        if (src) b.received = src->received;
        b.expires_us = now_us + (uint64_t)c->expires * 1000000u;
        if ((rc = r->ops->save(r->store, &b, old, now_us)) < 0) return rc;
    }
    return 0;
}

SIP_REGISTRAR_DEF int sip_registrar_process(sip_registrar *r, const sip_msg *req,
                                            const sip_register_source *src, sip_str to_tag,
                                            uint64_t now_us, char *out, size_t cap,
                                            size_t *needed, int *status)
{
    sip__reg_req *q;
    sip_binding *cur;
    sip__reg_w w;
    sip_str path, aor;
    uint32_t min_exp = 0;
    int st, n_cur = 0, outbound = 0, rc, in_txn = 0;
    if (needed) *needed = 0;
    if (!r || !req || !status || !req->is_request || req->method != SIP_METHOD_REGISTER)
        return SIP_REG_ERR_INVALID;
    q = &r->req;
    cur = r->cur;
    memset(&w, 0, sizeof w);
    w.p = r->hdr;
    w.cap = sizeof r->hdr;
    w.f = r->fields;
    w.max_f = sizeof r->fields / sizeof r->fields[0];
    st = sip__reg_read(r, req, q);
    aor = sip__reg_span(q->aor, q->aor + (q->aor_len > 0 ? q->aor_len : 0));
    if (!st && r->cfg.aor_ok && !r->cfg.aor_ok(r->cfg.user, aor)) st = 404;
    if (!st) {
        if (r->ops->begin(r->store, aor, now_us) < 0) {
            st = 503;
        } else {
            in_txn = 1;
            n_cur = r->ops->lookup(r->store, aor, now_us, cur, SIP_REG_MAX_LIST);
            if (n_cur < 0) st = 503;
            else if (n_cur > SIP_REG_MAX_LIST) n_cur = SIP_REG_MAX_LIST;
        }
    }
    if (!st) st = sip__reg_check(r, req, q, cur, n_cur, &min_exp);
    path = sip__reg_path(req, r->path, sizeof r->path);
    if (!st && q->has_path && !path.len) st = 400; /* Path too long, or a bare CR */
    if (!st && (q->star || q->n) &&
        sip__reg_apply(r, req, q, src, cur, n_cur, path, now_us, &outbound) < 0)
        st = 503;
    if (!st) {
        /* §10.3 step 8: the 200 lists every current binding */
        n_cur = r->ops->lookup(r->store, aor, now_us, cur, SIP_REG_MAX_LIST);
        if (n_cur < 0) {
            st = 503;
        } else {
            if (n_cur > SIP_REG_MAX_LIST) n_cur = SIP_REG_MAX_LIST;
            /* copied before commit: the spans are the store's */
            sip__reg_ok_headers(&w, r, q, cur, n_cur, now_us, path, outbound);
            st = w.n > w.cap || w.nf > w.max_f ? 503 : 200;
        }
    }
    if (st == 503) {
        w.n = w.nf = 0;
    } else if (st == 423) {
        sip__reg_begin(&w, "Min-Expires");
        sip__reg_putu(&w, min_exp);
        sip__reg_end(&w);
    } else if (st == 420) {
        sip__reg_begin(&w, "Unsupported");
        sip__reg_puts(&w, "path");
        sip__reg_end(&w);
    }
    rc = sip_build_response(out, cap, req, st, NULL, to_tag, w.f, w.nf, sip__reg_span(NULL, NULL),
                            needed);
    /* commit only once the 200 is written: a caller whose buffer was too
     * small retries the same request, which must find nothing applied */
    if (in_txn && st == 200 && rc >= 0 && r->ops->commit(r->store, aor) >= 0) in_txn = 0;
    if (in_txn) {
        r->ops->rollback(r->store, aor);
        if (st == 200 && rc >= 0) { /* the commit failed */
            st = 503;
            rc = sip_build_response(out, cap, req, st, NULL, to_tag, NULL, 0,
                                    sip__reg_span(NULL, NULL), needed);
        }
    }
    *status = st;
    if (rc == SIP_ERR_NOSPACE) return SIP_REG_ERR_NOSPACE;
    return rc < 0 ? SIP_REG_ERR_INVALID : rc;
}

/* ---- sip_locmem ------------------------------------------------------------- */

/* A binding: fixed fields, then its strings in one allocation. */
typedef struct sip__lm_bind {
    struct sip__lm_bind *next;
    uint64_t expires_us;
    uint32_t cseq, reg_id, flow;
    uint16_t q;
    uint16_t len[6];     /* uri, params, call_id, path, instance, received */
    uint8_t pend;        /* SIP__LM_ADDED / SIP__LM_REMOVED inside a transaction */
    char data[1];
} sip__lm_bind;

/* A transaction keeps replaced and removed nodes in place, marked, and
 * marks new ones, so rollback only unmarks and frees (it cannot fail) and
 * the list order is kept. The mark sits in the struct's padding: no
 * bytes per binding added. */
#define SIP__LM_ADDED 1
#define SIP__LM_REMOVED 2

typedef struct sip__lm_aor {
    struct sip__lm_aor *next;
    sip__lm_bind *binds;
    uint32_t hash;
    uint16_t len;
    char aor[1];
} sip__lm_aor;

static uint32_t sip__lm_hash(sip_str s)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < s.len; i++) h = (h ^ (uint8_t)s.p[i]) * 16777619u;
    return h;
}

SIP_REGISTRAR_DEF int sip_locmem_init(sip_locmem *m, const sip_locmem_config *cfg)
{
    uint32_t b = 1;
    if (!m) return SIP_REG_ERR_INVALID;
    memset(m, 0, sizeof *m);
    if (cfg) m->cfg = *cfg;
    if (!m->cfg.buckets) m->cfg.buckets = 65536;
    if (!m->cfg.max_aors) m->cfg.max_aors = 1000000;
    if (!m->cfg.max_bindings) m->cfg.max_bindings = 2000000;
    if (m->cfg.buckets > (1u << 26)) return SIP_REG_ERR_INVALID;
    while (b < m->cfg.buckets) b <<= 1;
    m->bucket = (sip__lm_aor **)SIP_REGISTRAR_MALLOC(m->cfg.alloc_ctx, b * sizeof *m->bucket);
    if (!m->bucket) return SIP_REG_ERR_NOMEM;
    memset(m->bucket, 0, b * sizeof *m->bucket);
    m->mask = b - 1;
    m->bytes = b * sizeof *m->bucket;
    return 0;
}

static size_t sip__lm_bind_size(const sip__lm_bind *x)
{
    size_t n = sizeof *x;
    int i;
    for (i = 0; i < 6; i++) n += x->len[i];
    return n;
}

static void sip__lm_free_bind(sip_locmem *m, sip__lm_bind *x)
{
    m->bytes -= sip__lm_bind_size(x);
    m->n_bindings--;
    SIP_REGISTRAR_FREE(m->cfg.alloc_ctx, x);
}

static void sip__lm_free_aor(sip_locmem *m, sip__lm_aor *a)
{
    m->bytes -= sizeof *a + a->len;
    m->n_aors--;
    SIP_REGISTRAR_FREE(m->cfg.alloc_ctx, a);
}

SIP_REGISTRAR_DEF void sip_locmem_free(sip_locmem *m)
{
    uint32_t i;
    if (!m || !m->bucket) return;
    for (i = 0; i <= m->mask; i++) {
        sip__lm_aor *a = m->bucket[i];
        while (a) {
            sip__lm_aor *na = a->next;
            sip__lm_bind *x = a->binds;
            while (x) {
                sip__lm_bind *nx = x->next;
                sip__lm_free_bind(m, x);
                x = nx;
            }
            sip__lm_free_aor(m, a);
            a = na;
        }
    }
    SIP_REGISTRAR_FREE(m->cfg.alloc_ctx, m->bucket);
    m->bucket = NULL;
    m->bytes = 0;
}

/* The record for aor and the link pointing at it. */
static sip__lm_aor **sip__lm_find(sip_locmem *m, sip_str aor, uint32_t h)
{
    sip__lm_aor **pp = &m->bucket[h & m->mask];
    while (*pp && !((*pp)->hash == h && (*pp)->len == aor.len && !memcmp((*pp)->aor, aor.p, aor.len)))
        pp = &(*pp)->next;
    return pp;
}

static sip_str sip__lm_field(const sip__lm_bind *x, int k)
{
    sip_str s;
    size_t off = 0;
    int i;
    for (i = 0; i < k; i++) off += x->len[i];
    s.p = x->len[k] ? x->data + off : NULL;
    s.len = x->len[k];
    return s;
}

static void sip__lm_view(const sip__lm_aor *a, const sip__lm_bind *x, sip_binding *b)
{
    memset(b, 0, sizeof *b);
    b->aor.p = a->aor;
    b->aor.len = a->len;
    b->uri = sip__lm_field(x, 0);
    b->params = sip__lm_field(x, 1);
    b->call_id = sip__lm_field(x, 2);
    b->path = sip__lm_field(x, 3);
    b->instance = sip__lm_field(x, 4);
    b->received = sip__lm_field(x, 5);
    b->cseq = x->cseq;
    b->q = x->q;
    b->reg_id = x->reg_id;
    b->flow = x->flow;
    b->expires_us = x->expires_us;
    b->handle = x;
}

static int sip__lm_lookup(void *store, sip_str aor, uint64_t now_us, sip_binding *out, size_t max)
{
    sip_locmem *m = (sip_locmem *)store;
    sip__lm_aor *a = *sip__lm_find(m, aor, sip__lm_hash(aor));
    const sip__lm_bind *x;
    size_t n = 0;
    if (!a) return 0;
    for (x = a->binds; x; x = x->next) {
        if (x->expires_us <= now_us || x->pend == SIP__LM_REMOVED) continue;
        if (n < max) sip__lm_view(a, x, &out[n]);
        n++;
    }
    return (int)n;
}

/* The stored binding that view old was made from (its handle). */
static sip__lm_bind **sip__lm_find_bind(sip__lm_aor *a, const sip_binding *old)
{
    sip__lm_bind **pp;
    for (pp = &a->binds; *pp; pp = &(*pp)->next)
        if ((const void *)*pp == old->handle) return pp;
    return NULL;
}

static int sip__lm_remove(void *store, const sip_binding *old)
{
    sip_locmem *m = (sip_locmem *)store;
    sip__lm_aor **ap = sip__lm_find(m, old->aor, sip__lm_hash(old->aor));
    sip__lm_bind **bp, *x;
    if (!*ap) return 0;
    bp = sip__lm_find_bind(*ap, old);
    if (!bp) return 0;
    x = *bp;
    if (m->in_txn && x->pend != SIP__LM_ADDED) {
        x->pend = SIP__LM_REMOVED; /* freed by commit */
        m->txn_removed++;
        return 1;
    }
    *bp = x->next;
    sip__lm_free_bind(m, x);
    if (!(*ap)->binds) {
        sip__lm_aor *a = *ap;
        *ap = a->next;
        sip__lm_free_aor(m, a);
    }
    return 1;
}

static sip__lm_bind *sip__lm_new_bind(sip_locmem *m, const sip_binding *b)
{
    const sip_str f[6] = {b->uri, b->params, b->call_id, b->path, b->instance, b->received};
    size_t total = 0, off = 0;
    sip__lm_bind *x;
    int i;
    for (i = 0; i < 6; i++) {
        if (f[i].len > 65535) return NULL;
        total += f[i].len;
    }
    x = (sip__lm_bind *)SIP_REGISTRAR_MALLOC(m->cfg.alloc_ctx, sizeof *x + total);
    if (!x) return NULL;
    memset(x, 0, sizeof *x);
    for (i = 0; i < 6; i++) {
        x->len[i] = (uint16_t)f[i].len;
        if (f[i].len) memcpy(x->data + off, f[i].p, f[i].len);
        off += f[i].len;
    }
    x->expires_us = b->expires_us;
    x->cseq = b->cseq;
    x->reg_id = b->reg_id;
    x->flow = b->flow;
    x->q = b->q;
    m->bytes += sip__lm_bind_size(x);
    m->n_bindings++;
    return x;
}

static int sip__lm_save(void *store, const sip_binding *b, const sip_binding *old, uint64_t now_us)
{
    sip_locmem *m = (sip_locmem *)store;
    uint32_t h = sip__lm_hash(b->aor);
    sip__lm_aor **ap = sip__lm_find(m, b->aor, h), *a = *ap;
    sip__lm_bind *x, **bp = NULL;
    (void)now_us;
    if (b->aor.len > 65535) return SIP_REG_ERR_INVALID;
    if (a && old) bp = sip__lm_find_bind(a, old);
    /* bindings a transaction removed or replaced leave at commit */
    if (!bp && m->n_bindings - m->txn_removed >= m->cfg.max_bindings) return SIP_REG_ERR_LIMIT;
    if (!a) {
        if (m->n_aors >= m->cfg.max_aors) return SIP_REG_ERR_LIMIT;
        a = (sip__lm_aor *)SIP_REGISTRAR_MALLOC(m->cfg.alloc_ctx, sizeof *a + b->aor.len);
        if (!a) return SIP_REG_ERR_NOMEM;
        memset(a, 0, sizeof *a);
        a->hash = h;
        a->len = (uint16_t)b->aor.len;
        memcpy(a->aor, b->aor.p, b->aor.len);
        a->next = m->bucket[h & m->mask];
        m->bucket[h & m->mask] = a;
        m->bytes += sizeof *a + a->len;
        m->n_aors++;
    }
    x = sip__lm_new_bind(m, b);
    if (!x) {
        if (!a->binds) {
            m->bucket[h & m->mask] = a->next;
            sip__lm_free_aor(m, a);
        }
        return SIP_REG_ERR_NOMEM;
    }
    if (m->in_txn) x->pend = SIP__LM_ADDED;
    if (bp && m->in_txn && (*bp)->pend != SIP__LM_ADDED) {
        sip__lm_bind *o = *bp; /* kept, marked, until commit; x takes its place */
        o->pend = SIP__LM_REMOVED;
        m->txn_removed++;
        x->next = o->next;
        o->next = x;
    } else if (bp) {
        sip__lm_bind *o = *bp;
        x->next = o->next;
        *bp = x;
        sip__lm_free_bind(m, o);
    } else {
        x->next = a->binds;
        a->binds = x;
    }
    return 0;
}

static int sip__lm_begin(void *store, sip_str aor, uint64_t now_us)
{
    sip_locmem *m = (sip_locmem *)store;
    (void)aor;
    (void)now_us;
    if (m->in_txn) return SIP_REG_ERR_INVALID; /* one at a time */
    m->in_txn = 1;
    return 0;
}

/* Ends the transaction on aor: drops the nodes marked drop, unmarks the
 * others, and frees the record when no binding is left. */
static void sip__lm_end(sip_locmem *m, sip_str aor, uint8_t drop)
{
    sip__lm_aor **ap = sip__lm_find(m, aor, sip__lm_hash(aor));
    sip__lm_bind **bp;
    m->in_txn = 0;
    m->txn_removed = 0;
    if (!*ap) return;
    bp = &(*ap)->binds;
    while (*bp) {
        sip__lm_bind *x = *bp;
        if (x->pend == drop) {
            *bp = x->next;
            sip__lm_free_bind(m, x);
        } else {
            x->pend = 0;
            bp = &x->next;
        }
    }
    if (!(*ap)->binds) {
        sip__lm_aor *a = *ap;
        *ap = a->next;
        sip__lm_free_aor(m, a);
    }
}

static int sip__lm_commit(void *store, sip_str aor)
{
    sip_locmem *m = (sip_locmem *)store;
    if (!m->in_txn) return SIP_REG_ERR_INVALID;
    sip__lm_end(m, aor, SIP__LM_REMOVED);
    return 0;
}

static void sip__lm_rollback(void *store, sip_str aor)
{
    sip_locmem *m = (sip_locmem *)store;
    if (m->in_txn) sip__lm_end(m, aor, SIP__LM_ADDED);
}

static const sip_location_ops sip__lm_ops = {sizeof(sip_location_ops), sip__lm_lookup, sip__lm_save,
                                             sip__lm_remove, sip__lm_begin, sip__lm_commit,
                                             sip__lm_rollback};

SIP_REGISTRAR_DEF const sip_location_ops *sip_locmem_ops(void) { return &sip__lm_ops; }

SIP_REGISTRAR_DEF uint32_t sip_locmem_expire(sip_locmem *m, uint64_t now_us, uint32_t max_buckets)
{
    uint32_t removed = 0, k;
    if (!m || !m->bucket || m->in_txn) return 0; /* never under an open transaction */
    for (k = 0; k < max_buckets && k <= m->mask; k++) {
        sip__lm_aor **ap = &m->bucket[m->sweep];
        while (*ap) {
            sip__lm_aor *a = *ap;
            sip__lm_bind **bp = &a->binds;
            while (*bp) {
                if ((*bp)->expires_us <= now_us) {
                    sip__lm_bind *x = *bp;
                    *bp = x->next;
                    sip__lm_free_bind(m, x);
                    removed++;
                } else {
                    bp = &(*bp)->next;
                }
            }
            if (!a->binds) {
                *ap = a->next;
                sip__lm_free_aor(m, a);
            } else {
                ap = &a->next;
            }
        }
        m->sweep = (m->sweep + 1) & m->mask;
    }
    return removed;
}

#endif /* SIP_REGISTRAR_IMPLEMENTATION */

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
