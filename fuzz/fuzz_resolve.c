/* fuzz_resolve.c - the RFC 3263 resolver state machine (sip_resolve_*) fed
 * with DNS answers taken from the input.
 *
 * Input: byte 0 picks the start (one of a few URIs or a Via sent-by) and
 * byte 1 the configuration (families, IPv6 first, failed_last, transports).
 * Then steps until the input ends: a step byte says what to do: answer the
 * next query (or a made-up id) with a status and records read from the
 * input (type, owner, TTL, fields; strings as length + bytes, each copied
 * to an exact-size buffer), fire the timeout, take a target, mark it failed.
 *
 * Properties checked: the tables stay within their limits; every query name
 * lies in the resolution's pool and is NUL-terminated; every target handed
 * out has a known transport, an IPv4 or IPv6 address and a non-zero port,
 * is never handed out twice, and at most SIP_RESOLVE_MAX_TARGETS are; the
 * list agrees with its count; return codes are documented ones.
 */
#define SIP_IMPLEMENTATION
#define SIP_TRANSPORT_IMPLEMENTATION
#include "sip_transport.h"
#include "fuzz.h"

typedef struct in {
    const uint8_t *p;
    size_t n;
} in;

static unsigned take(in *x)
{
    if (!x->n) return 0;
    x->n--;
    return *x->p++;
}

static unsigned take16(in *x)
{
    unsigned hi = take(x);
    return hi << 8 | take(x);
}

/* Owned copies of the strings of one answer (exact size, for ASan). */
typedef struct strs {
    char *s[256];
    int n;
} strs;

static const char *const names[] = {
    "example.com", "_sip._udp.example.com", "_sip._tcp.example.com", "_sips._tcp.example.com",
    "s1.example.com", "s2.example.com", ".", "", "S1.EXAMPLE.COM.", "_sip._ws.example.com",
};

static sip_str str_from(in *x, strs *st, const sip_dns_query *q)
{
    unsigned sel = take(x);
    sip_str s = {NULL, 0};
    if (sel < 0x40 && q) return q->name;
    if (sel < 0xc0) return sip_str_c(names[sel % (sizeof names / sizeof names[0])]);
    if (sel < 0xf0 && st->n < 256) {
        size_t len = take(x) % 40;
        if (len > x->n) len = x->n;
        st->s[st->n] = fuzz_dup(x->p, len);
        s.p = st->s[st->n++];
        s.len = len;
        x->p += len;
        x->n -= len;
    }
    return s;
}

static void read_rr(in *x, sip_dns_rr *rr, strs *st, const sip_dns_query *q)
{
    static const sip_dns_type types[4] = {SIP_DNS_NAPTR, SIP_DNS_SRV, SIP_DNS_A, SIP_DNS_AAAA};
    static const char *const services[] = {"SIP+D2U", "SIP+D2T", "SIPS+D2T", "SIP+D2S",
                                           "SIP+D2W", "SIPS+D2W", "E2U+sip", "sip+d2u"};
    unsigned t = take(x), i;
    memset(rr, 0, sizeof *rr);
    rr->type = (t & 0x80) && q ? q->type : types[t & 3];
    rr->name = str_from(x, st, q);
    rr->ttl = take16(x) << 8;
    switch (rr->type) {
    case SIP_DNS_NAPTR:
        rr->order = (uint16_t)take(x);
        rr->preference = (uint16_t)take(x);
        rr->flags = sip_str_c(take(x) & 1 ? "s" : "u");
        rr->services = sip_str_c(services[take(x) & 7]);
        rr->regexp = sip_str_c(take(x) & 0x10 ? "!x!y!" : "");
        rr->replacement = str_from(x, st, NULL);
        break;
    case SIP_DNS_SRV:
        rr->priority = (uint16_t)take(x);
        rr->weight = (uint16_t)take16(x);
        rr->port = (uint16_t)take16(x);
        rr->target = str_from(x, st, NULL);
        break;
    default:
        for (i = 0; i < (rr->type == SIP_DNS_A ? 4u : 16u); i++) rr->addr[i] = (uint8_t)take(x);
        break;
    }
}

static int xr(void *user, uint8_t *buf, size_t n)
{
    in *x = (in *)user;
    size_t i;
    for (i = 0; i < n; i++) buf[i] = (uint8_t)take(x);
    return 0;
}

static void check_tables(const sip_resolve *r)
{
    FUZZ_CHECK(r->n_q <= SIP_RESOLVE_MAX_QUERIES);
    FUZZ_CHECK(r->n_sets <= SIP_RESOLVE_MAX_SETS);
    FUZZ_CHECK(r->n_hosts <= SIP_RESOLVE_MAX_HOSTS);
    FUZZ_CHECK(r->n_names <= SIP_RESOLVE_MAX_NAMES);
    FUZZ_CHECK(r->n_addrs <= SIP_RESOLVE_MAX_ADDRS);
    FUZZ_CHECK(r->n_emitted <= SIP_RESOLVE_MAX_TARGETS);
    FUZZ_CHECK(r->pool_len <= SIP_RESOLVE_POOL);
}

static void check_target(const sip_resolve *r, const sip_target *t)
{
    FUZZ_CHECK(t->tp >= SIP_TP_UDP && t->tp <= SIP_TP_WSS);
    FUZZ_CHECK(t->remote.family == 4 || t->remote.family == 6);
    FUZZ_CHECK(t->remote.port != 0);
    FUZZ_CHECK(t->flow == 0 && t->local.family == 0);
    (void)r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const uris[] = {
        "sip:example.com", "sips:example.com", "sip:example.com;transport=tcp",
        "sip:example.com:5070", "sip:u@example.com;maddr=s1.example.com", "sip:192.0.2.1",
        "sips:example.com;transport=ws", "sip:example.com;transport=udp",
    };
    static sip_resolver rv;
    static sip_resolve r;
    sip_resolver_config cfg;
    in x, rnd;
    unsigned start, conf, steps = 0;
    int rc;
    x.p = data;
    x.n = size;
    start = take(&x);
    conf = take(&x);
    memset(&cfg, 0, sizeof cfg);
    cfg.families = conf & 3;
    cfg.prefer_ipv6 = (conf >> 2) & 1;
    cfg.failed_last = (conf >> 3) & 1;
    if (conf & 0x10) {
        cfg.transports[0] = SIP_TP_TLS;
        cfg.transports[1] = SIP_TP_WSS;
        cfg.transports[2] = SIP_TP_UDP;
        cfg.transports[3] = SIP_TP_WS;
        cfg.transports[4] = SIP_TP_SCTP;
        cfg.transports[5] = SIP_TP_TCP;
    }
    rnd = x; /* randomness: the input again, read independently */
    cfg.rand = (conf & 0x20) ? xr : NULL;
    cfg.rand_user = &rnd;
    FUZZ_CHECK(sip_resolver_init(&rv, &cfg) == 0);
    if (start & 0x80) {
        rc = sip_resolve_start_sent_by(&r, &rv, (sip_tp)(1 + start % 6),
                                       sip_str_c(start & 0x40 ? "example.com" : "[2001:db8::1]"),
                                       (uint16_t)(start & 0x20 ? 5062 : 0), 0);
    } else {
        sip_uri u;
        FUZZ_CHECK(sip_uri_parse(sip_str_c(uris[start % 8]), &u) == 0);
        rc = sip_resolve_start_uri(&r, &rv, &u, 0);
    }
    if (rc != 0) {
        FUZZ_CHECK(rc == SIP_ERR_RESOLVE_TRANSPORT);
        return 0;
    }
    while (x.n && ++steps < 4096) {
        unsigned op = take(&x);
        uint64_t now = (uint64_t)steps * 1000000u;
        sip_dns_query q;
        sip_target t, list[SIP_RESOLVE_MAX_TARGETS + 1];
        int have_q = 0, complete;
        check_tables(&r);
        switch (op & 7) {
        case 0: case 1: case 2: case 3: { /* answer */
            sip_dns_rr rrs[16];
            strs st;
            unsigned n = take(&x) % 17, i, id;
            sip_dns_status status = (sip_dns_status)(take(&x) % 4);
            st.n = 0;
            if (sip_resolve_next_query(&r, now, &q) == 1) {
                have_q = 1;
                FUZZ_CHECK(q.name.p >= r.pool && q.name.p + q.name.len < r.pool + SIP_RESOLVE_POOL);
                FUZZ_CHECK(q.name.p[q.name.len] == 0);
                FUZZ_CHECK(q.type == SIP_DNS_NAPTR || q.type == SIP_DNS_SRV ||
                           q.type == SIP_DNS_A || q.type == SIP_DNS_AAAA);
            }
            for (i = 0; i < n; i++) read_rr(&x, &rrs[i], &st, have_q ? &q : NULL);
            id = have_q && !(op & 4) ? q.id : take(&x);
            rc = sip_resolve_answer(&r, id, status, rrs, n, now);
            FUZZ_CHECK(rc == 0 || rc == SIP_ERR_RESOLVE_QUERY);
            for (i = 0; i < (unsigned)st.n; i++) free(st.s[i]);
            break;
        }
        case 4:
            rc = sip_resolve_on_timeout(&r, now + (op >> 3) * 1000000u);
            FUZZ_CHECK(rc >= 0 && rc <= SIP_RESOLVE_MAX_QUERIES);
            FUZZ_CHECK(sip_resolve_next_deadline(&r) > now + (op >> 3) * 1000000u);
            break;
        case 5: case 6: {
            unsigned before = r.n_emitted, i;
            rc = sip_resolve_next_target(&r, now, &t);
            FUZZ_CHECK(rc == 1 || rc == 0 || rc == SIP_ERR_RESOLVE_NOT_FOUND ||
                       rc == SIP_ERR_RESOLVE_UNAVAILABLE || rc == SIP_ERR_RESOLVE_EXHAUSTED);
            if (rc == 1) {
                check_target(&r, &t);
                FUZZ_CHECK(r.n_emitted == before + 1);
                for (i = 0; i < before; i++)
                    FUZZ_CHECK(!(r.emitted[i].tp == t.tp && sip_ipaddr_eq(&r.emitted[i].remote, &t.remote)));
                if (op & 8) FUZZ_CHECK(sip_resolve_failed(&r, now) == 0);
            }
            break;
        }
        default: {
            int i;
            rc = sip_resolve_list(&r, now, list, SIP_RESOLVE_MAX_TARGETS + 1, &complete);
            FUZZ_CHECK(rc >= 0 && rc <= SIP_RESOLVE_MAX_TARGETS);
            for (i = 0; i < rc; i++) check_target(&r, &list[i]);
            FUZZ_CHECK(sip_resolve_list(&r, now, NULL, 0, NULL) == rc);
            break;
        }
        }
    }
    check_tables(&r);
    return 0;
}
