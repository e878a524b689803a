/* sip_transport.h: RFC 3263 server location (sip_resolve_*), driven by a
 * fake DNS zone in memory. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sip_transport.h"
#include "testutil.h"

/* ---- a zone: records, answered by owner name and type ---- */

#define ZMAX 64
typedef struct zone {
    sip_dns_rr rr[ZMAX];
    size_t n;
    char log[2048];     /* "NAPTR a.example, SRV _sip._udp.a.example, ..." */
    int mute;           /* 1: queries are logged but never answered */
    int additional;     /* answer SRV queries with the targets' A records */
} zone;

static sip_dns_rr *zadd(zone *z, sip_dns_type type, const char *owner, uint32_t ttl)
{
    sip_dns_rr *r = &z->rr[z->n++];
    cr_assert_leq(z->n, ZMAX);
    memset(r, 0, sizeof *r);
    r->type = type;
    r->name = sip_str_c(owner);
    r->ttl = ttl;
    return r;
}

static void naptr(zone *z, const char *owner, int order, int pref, const char *flags,
                  const char *services, const char *repl)
{
    sip_dns_rr *r = zadd(z, SIP_DNS_NAPTR, owner, 3600);
    r->order = (uint16_t)order;
    r->preference = (uint16_t)pref;
    r->flags = sip_str_c(flags);
    r->services = sip_str_c(services);
    r->regexp = sip_str_c("");
    r->replacement = sip_str_c(repl);
}

static void srv(zone *z, const char *owner, int prio, int weight, int port, const char *target)
{
    sip_dns_rr *r = zadd(z, SIP_DNS_SRV, owner, 3600);
    r->priority = (uint16_t)prio;
    r->weight = (uint16_t)weight;
    r->port = (uint16_t)port;
    r->target = sip_str_c(target);
}

static void addr(zone *z, const char *owner, const char *ip)
{
    sip_ipaddr a;
    sip_dns_rr *r;
    cr_assert_eq(sip_ipaddr_parse(sip_str_c(ip), &a), 0, "%s", ip);
    r = zadd(z, a.family == 4 ? SIP_DNS_A : SIP_DNS_AAAA, owner, 3600);
    memcpy(r->addr, a.ip, 16);
}

static const char *type_name(sip_dns_type t)
{
    return t == SIP_DNS_NAPTR ? "NAPTR" : t == SIP_DNS_SRV ? "SRV" : t == SIP_DNS_A ? "A" : "AAAA";
}

static void logq(zone *z, const sip_dns_query *q)
{
    size_t l = strlen(z->log);
    cr_assert_eq(q->name.p[q->name.len], 0, "query names are NUL-terminated");
    snprintf(z->log + l, sizeof z->log - l, "%s%s %.*s", l ? ", " : "", type_name(q->type),
             (int)q->name.len, q->name.p);
}

/* Answer q from the zone: the records of its type and name; NXDOMAIN when
 * the name owns nothing. With z->additional, an SRV answer carries the
 * A/AAAA records of its targets too. */
static void zanswer(sip_resolve *r, zone *z, const sip_dns_query *q, uint64_t now)
{
    sip_dns_rr out[ZMAX];
    size_t i, j, n = 0;
    int owns = 0;
    for (i = 0; i < z->n; i++) {
        if (!sip_str_caseeq(z->rr[i].name, q->name)) continue;
        owns = 1;
        if (z->rr[i].type == q->type) out[n++] = z->rr[i];
    }
    if (z->additional && q->type == SIP_DNS_SRV) {
        size_t m = n;
        for (j = 0; j < m; j++)
            for (i = 0; i < z->n; i++)
                if ((z->rr[i].type == SIP_DNS_A || z->rr[i].type == SIP_DNS_AAAA) &&
                    sip_str_caseeq(z->rr[i].name, out[j].target))
                    out[n++] = z->rr[i];
    }
    cr_assert_eq(sip_resolve_answer(r, q->id, owns ? SIP_DNS_OK : SIP_DNS_NXDOMAIN, out, n, now), 0);
}

/* Perform every query the resolution asks, until it asks nothing more. */
static void drive(sip_resolve *r, zone *z, uint64_t now)
{
    sip_dns_query q;
    int guard = 0;
    while (sip_resolve_next_query(r, now, &q) == 1) {
        cr_assert_lt(++guard, 100);
        logq(z, &q);
        if (!z->mute) zanswer(r, z, &q, now);
    }
}

static void fmt_target(const sip_target *t, char *buf, size_t cap)
{
    char a[64];
    cr_assert_gt(sip_ipaddr_print(&t->remote, 1, a, sizeof a), 0);
    snprintf(buf, cap, "%s %s", sip_tp_name(t->tp), a);
}

/* Every target in order, "UDP 192.0.2.1:5060, ..."; *end gets the code that
 * ended the iteration. */
static void all_targets(sip_resolve *r, uint64_t now, char *buf, size_t cap, int *end)
{
    sip_target t;
    int rc;
    buf[0] = 0;
    while ((rc = sip_resolve_next_target(r, now, &t)) == 1) {
        size_t l = strlen(buf);
        char one[80];
        fmt_target(&t, one, sizeof one);
        snprintf(buf + l, cap - l, "%s%s", l ? ", " : "", one);
    }
    *end = rc;
}

static sip_resolver rv;
static sip_resolve res;
static zone z;
static char got[2048];
static int end;

static void init_default(void)
{
    memset(&z, 0, sizeof z);
    cr_assert_eq(sip_resolver_init(&rv, NULL), 0);
}

/* Resolve uri against z from scratch; targets into got, end code in end. */
static void run(const char *uri, uint64_t now)
{
    sip_uri u;
    cr_assert_eq(sip_uri_parse(sip_str_c(uri), &u), 0, "%s", uri);
    cr_assert_eq(sip_resolve_start_uri(&res, &rv, &u, now), 0, "%s", uri);
    drive(&res, &z, now);
    all_targets(&res, now, got, sizeof got, &end);
}

static int start_err(const char *uri)
{
    sip_uri u;
    cr_assert_eq(sip_uri_parse(sip_str_c(uri), &u), 0, "%s", uri);
    return sip_resolve_start_uri(&res, &rv, &u, 0);
}

#define EXPECT_TARGETS(want) cr_assert_str_eq(got, want)
#define EXPECT_LOG(want) cr_assert_str_eq(z.log, want)

/* A typical domain: NAPTR for TLS, TCP, UDP (RFC 3263 §4.1 example),
 * SRV with two servers per transport. */
static void example_zone(void)
{
    naptr(&z, "example.com", 50, 50, "s", "SIPS+D2T", "_sips._tcp.example.com");
    naptr(&z, "example.com", 90, 50, "s", "SIP+D2T", "_sip._tcp.example.com");
    naptr(&z, "example.com", 100, 50, "s", "SIP+D2U", "_sip._udp.example.com");
    srv(&z, "_sips._tcp.example.com", 0, 0, 5061, "s1.example.com");
    srv(&z, "_sip._tcp.example.com", 0, 0, 5060, "s1.example.com");
    srv(&z, "_sip._udp.example.com", 0, 0, 5060, "s2.example.com");
    addr(&z, "s1.example.com", "192.0.2.1");
    addr(&z, "s2.example.com", "192.0.2.2");
}

/* ---- §4.1 numeric host, explicit port, maddr, transport ---- */

/* RFC 3263 §4.1: numeric IP, no transport: UDP for sip, TCP (TLS) for
 * sips; §4.2: the URI port or the transport's default; no DNS at all. */
Test(resolve, rfc3263_4_1_numeric_host_needs_no_lookup)
{
    init_default();
    run("sip:alice@192.0.2.1", 0);
    EXPECT_TARGETS("UDP 192.0.2.1:5060");
    cr_assert_eq(end, SIP_ERR_RESOLVE_EXHAUSTED);
    EXPECT_LOG("");
    run("sips:alice@[2001:db8::1]", 0);
    EXPECT_TARGETS("TLS [2001:db8::1]:5061");
    run("sip:192.0.2.1:5070;transport=tcp", 0);
    EXPECT_TARGETS("TCP 192.0.2.1:5070");
    run("sips:192.0.2.1;transport=tcp", 0);
    EXPECT_TARGETS("TLS 192.0.2.1:5061");
    EXPECT_LOG("");
}

/* §4.1: UDP not configured: a numeric sip URI goes over TCP. */
Test(resolve, rfc3263_4_1_numeric_without_udp_uses_tcp)
{
    sip_resolver_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.transports[0] = SIP_TP_TLS;
    cfg.transports[1] = SIP_TP_TCP;
    memset(&z, 0, sizeof z);
    cr_assert_eq(sip_resolver_init(&rv, &cfg), 0);
    run("sip:192.0.2.1", 0);
    EXPECT_TARGETS("TCP 192.0.2.1:5060");
}

/* §4.2: a port in the URI: A/AAAA of the host only, no NAPTR or SRV. */
Test(resolve, rfc3263_4_2_explicit_port_skips_naptr_and_srv)
{
    init_default();
    example_zone();
    addr(&z, "example.com", "192.0.2.50");
    addr(&z, "example.com", "2001:db8::50");
    run("sip:bob@example.com:5080", 0);
    EXPECT_LOG("A example.com, AAAA example.com");
    EXPECT_TARGETS("UDP 192.0.2.50:5080, UDP [2001:db8::50]:5080");
    run("sip:bob@example.com:5080;transport=tcp", 0);
    EXPECT_TARGETS("TCP 192.0.2.50:5080, TCP [2001:db8::50]:5080");
}

/* RFC 3261 §19.1.1 / RFC 3263 §4.1: maddr replaces the host. */
Test(resolve, rfc3263_4_1_maddr_overrides_host)
{
    init_default();
    example_zone();
    run("sip:bob@example.com;maddr=192.0.2.99", 0);
    EXPECT_TARGETS("UDP 192.0.2.99:5060");
    EXPECT_LOG("");
    naptr(&z, "proxy.example.net", 10, 10, "s", "SIP+D2T", "_sip._tcp.example.com");
    run("sip:bob@example.com;maddr=proxy.example.net", 0);
    EXPECT_LOG("NAPTR proxy.example.net, SRV _sip._tcp.example.com, A s1.example.com, AAAA s1.example.com");
    EXPECT_TARGETS("TCP 192.0.2.1:5060");
}

/* §4.1: a transport parameter skips NAPTR; §4.2: SRV for that transport. */
Test(resolve, rfc3263_4_1_transport_param_uses_srv_of_that_transport)
{
    init_default();
    example_zone();
    run("sip:example.com;transport=tcp", 0);
    EXPECT_LOG("SRV _sip._tcp.example.com, A s1.example.com, AAAA s1.example.com");
    EXPECT_TARGETS("TCP 192.0.2.1:5060");
    /* transport=tls (seen in the wild) and sips;transport=tcp both mean TLS */
    memset(z.log, 0, sizeof z.log);
    run("sips:example.com;transport=tcp", 0);
    EXPECT_LOG("SRV _sips._tcp.example.com, A s1.example.com, AAAA s1.example.com");
    EXPECT_TARGETS("TLS 192.0.2.1:5061");
}

/* §4.2: transport given, no SRV records: A/AAAA, default port of it. */
Test(resolve, rfc3263_4_2_transport_param_without_srv_falls_back_to_a)
{
    init_default();
    addr(&z, "example.org", "198.51.100.7");
    run("sip:example.org;transport=tcp", 0);
    EXPECT_LOG("SRV _sip._tcp.example.org, A example.org, AAAA example.org");
    EXPECT_TARGETS("TCP 198.51.100.7:5060");
}

/* Unknown, unconfigured and insecure transports are errors at start. */
Test(resolve, transport_param_errors)
{
    init_default();
    cr_assert_eq(start_err("sip:a.example;transport=foo"), SIP_ERR_RESOLVE_TRANSPORT);
    cr_assert_eq(start_err("sip:a.example;transport=sctp"), SIP_ERR_RESOLVE_TRANSPORT);
    cr_assert_eq(start_err("sips:a.example;transport=udp"), SIP_ERR_RESOLVE_TRANSPORT);
    cr_assert_eq(start_err("sip:a.example;transport="), SIP_ERR_RESOLVE_TRANSPORT);
    cr_assert_eq(start_err("tel:+12015550123"), SIP_ERR_RESOLVE_URI);
    cr_assert_eq(start_err("sip:a..example"), SIP_ERR_RESOLVE_NAME);
    cr_assert_eq(sip_resolve_next_target(&res, 0, &(sip_target){0}), SIP_ERR_RESOLVE_STATE);
    cr_assert_eq(sip_resolve_start_uri(NULL, &rv, NULL, 0), SIP_ERR_RESOLVE_INVALID);
    cr_assert_str_eq(sip_resolve_strerror(SIP_ERR_RESOLVE_TRANSPORT),
                     "transport unknown, unsupported or not secure");
    cr_assert_str_eq(sip_resolve_strerror(1), "unknown error");
}

/* ---- §4.1 NAPTR ---- */

/* §4.1: NAPTR records sorted by order then preference; each replacement is
 * an SRV name; unsupported services and flags other than "s" are dropped;
 * a sip URI keeps SIPS+D2T records. */
Test(resolve, rfc3263_4_1_naptr_order_preference_and_filtering)
{
    init_default();
    example_zone();
    naptr(&z, "example.com", 40, 50, "s", "SIP+D2S", "_sip._sctp.example.com"); /* not configured */
    naptr(&z, "example.com", 10, 50, "u", "SIP+D2U", "_sip._udp.example.com");  /* flag u */
    naptr(&z, "example.com", 5, 50, "s", "E2U+sip", "_x.example.com");          /* ENUM */
    naptr(&z, "example.com", 90, 10, "s", "SIP+D2U", "_sip._udp.example.com");  /* before TCP */
    run("sip:example.com", 0);
    EXPECT_LOG("NAPTR example.com, SRV _sips._tcp.example.com, SRV _sip._udp.example.com, "
               "SRV _sip._tcp.example.com, A s1.example.com, AAAA s1.example.com, "
               "A s2.example.com, AAAA s2.example.com");
    EXPECT_TARGETS("TLS 192.0.2.1:5061, UDP 192.0.2.2:5060, TCP 192.0.2.1:5060");
}

/* §4.1: a SIPS URI uses only SIPS+ services. */
Test(resolve, rfc3263_4_1_sips_keeps_only_sips_naptr)
{
    init_default();
    example_zone();
    run("sips:example.com", 0);
    EXPECT_LOG("NAPTR example.com, SRV _sips._tcp.example.com, A s1.example.com, AAAA s1.example.com");
    EXPECT_TARGETS("TLS 192.0.2.1:5061");
}

/* RFC 7118 §7: SIP+D2W / SIPS+D2W map to WS / WSS when configured. */
Test(resolve, rfc7118_7_naptr_websocket_services)
{
    sip_resolver_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.transports[0] = SIP_TP_WSS;
    cfg.transports[1] = SIP_TP_WS;
    memset(&z, 0, sizeof z);
    cr_assert_eq(sip_resolver_init(&rv, &cfg), 0);
    naptr(&z, "ws.example", 10, 10, "S", "SIPS+D2W", "_sips._ws.ws.example");
    naptr(&z, "ws.example", 20, 10, "S", "SIP+D2W", "_sip._ws.ws.example.");
    srv(&z, "_sips._ws.ws.example", 0, 0, 443, "edge.ws.example.");
    srv(&z, "_sip._ws.ws.example", 0, 0, 80, "edge.ws.example");
    addr(&z, "edge.ws.example", "203.0.113.5");
    run("sip:ws.example", 0);
    EXPECT_TARGETS("WSS 203.0.113.5:443, WS 203.0.113.5:80");
    /* the shared target name is looked up once */
    EXPECT_LOG("NAPTR ws.example, SRV _sips._ws.ws.example, SRV _sip._ws.ws.example, "
               "A edge.ws.example, AAAA edge.ws.example");
}

/* §4.1: no NAPTR records: SRV for each supported transport in the
 * configured order (_sips._tcp too for a sip URI); NXDOMAIN alike. */
Test(resolve, rfc3263_4_1_no_naptr_queries_srv_per_transport)
{
    init_default();
    srv(&z, "_sip._tcp.example.net", 0, 0, 5070, "t.example.net");
    addr(&z, "t.example.net", "192.0.2.30");
    run("sip:example.net", 0);
    EXPECT_LOG("NAPTR example.net, SRV _sip._udp.example.net, SRV _sip._tcp.example.net, "
               "SRV _sips._tcp.example.net, A t.example.net, AAAA t.example.net");
    EXPECT_TARGETS("TCP 192.0.2.30:5070");
    /* example.net owns no record: NAPTR got NXDOMAIN and SRV still ran */
    memset(z.log, 0, sizeof z.log);
    run("sips:example.net", 0);
    EXPECT_LOG("NAPTR example.net, SRV _sips._tcp.example.net, A example.net, AAAA example.net");
    cr_assert_eq(end, SIP_ERR_RESOLVE_NOT_FOUND);
}

/* §4.1: NAPTR records exist but none usable: as if there were none. */
Test(resolve, rfc3263_4_1_unusable_naptr_is_no_naptr)
{
    init_default();
    naptr(&z, "example.net", 10, 10, "u", "E2U+sip", "!^.*$!sip:a@b!");
    srv(&z, "_sip._udp.example.net", 0, 0, 5060, "u.example.net");
    addr(&z, "u.example.net", "192.0.2.31");
    run("sip:example.net", 0);
    EXPECT_TARGETS("UDP 192.0.2.31:5060");
}

/* §4.2: no SRV records for any transport: A/AAAA of the host with the
 * default port of UDP (sip) or TLS (sips). */
Test(resolve, rfc3263_4_2_no_srv_falls_back_to_a_aaaa)
{
    init_default();
    addr(&z, "plain.example", "192.0.2.40");
    addr(&z, "plain.example", "2001:db8::40");
    run("sip:plain.example", 0);
    EXPECT_LOG("NAPTR plain.example, SRV _sip._udp.plain.example, SRV _sip._tcp.plain.example, "
               "SRV _sips._tcp.plain.example, A plain.example, AAAA plain.example");
    EXPECT_TARGETS("UDP 192.0.2.40:5060, UDP [2001:db8::40]:5060");
    run("sips:plain.example", 0);
    EXPECT_TARGETS("TLS 192.0.2.40:5061, TLS [2001:db8::40]:5061");
}

/* NXDOMAIN everywhere: no target, SIP_ERR_RESOLVE_NOT_FOUND. */
Test(resolve, nxdomain_everywhere_is_not_found)
{
    init_default();
    run("sip:nowhere.example", 0);
    EXPECT_TARGETS("");
    cr_assert_eq(end, SIP_ERR_RESOLVE_NOT_FOUND);
}

/* ---- RFC 2782 SRV selection ---- */

/* RFC 2782: lowest priority first. */
Test(resolve, rfc2782_priority_order)
{
    init_default();
    srv(&z, "_sip._udp.p.example", 20, 0, 5062, "b.p.example");
    srv(&z, "_sip._udp.p.example", 10, 0, 5061, "a.p.example");
    srv(&z, "_sip._udp.p.example", 30, 0, 5063, "c.p.example");
    addr(&z, "a.p.example", "192.0.2.1");
    addr(&z, "b.p.example", "192.0.2.2");
    addr(&z, "c.p.example", "192.0.2.3");
    run("sip:p.example;transport=udp", 0);
    EXPECT_TARGETS("UDP 192.0.2.1:5061, UDP 192.0.2.2:5062, UDP 192.0.2.3:5063");
}

/* A seeded xorshift32 as the randomness callback. */
static int xrand(void *user, uint8_t *buf, size_t n)
{
    uint32_t *s = (uint32_t *)user;
    size_t i;
    for (i = 0; i < n; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        buf[i] = (uint8_t)*s;
    }
    return 0;
}

/* How often, out of runs, the server with address first_ip comes first
 * among three SRV records of equal priority with weights w[0..2]. */
static int first_counts(const int w[3], int runs, int counts[3])
{
    static uint32_t seed = 12345;
    sip_resolver_config cfg;
    int i, k;
    memset(&cfg, 0, sizeof cfg);
    cfg.rand = xrand;
    cfg.rand_user = &seed;
    cfg.families = SIP_RESOLVE_IPV4;
    memset(&z, 0, sizeof z);
    cr_assert_eq(sip_resolver_init(&rv, &cfg), 0);
    srv(&z, "_sip._udp.w.example", 5, w[0], 5060, "a.w.example");
    srv(&z, "_sip._udp.w.example", 5, w[1], 5060, "b.w.example");
    srv(&z, "_sip._udp.w.example", 5, w[2], 5060, "c.w.example");
    srv(&z, "_sip._udp.w.example", 9, 1000, 5060, "d.w.example"); /* always last */
    addr(&z, "a.w.example", "192.0.2.1");
    addr(&z, "b.w.example", "192.0.2.2");
    addr(&z, "c.w.example", "192.0.2.3");
    addr(&z, "d.w.example", "192.0.2.4");
    counts[0] = counts[1] = counts[2] = 0;
    for (i = 0; i < runs; i++) {
        sip_target t[4];
        int done;
        z.log[0] = 0;
        run("sip:w.example;transport=udp", 0);
        cr_assert_eq(sip_resolve_list(&res, 0, t, 4, &done), 4);
        cr_assert(done);
        cr_assert_eq(t[3].remote.ip[3], 4, "priority 9 comes last");
        k = t[0].remote.ip[3] - 1;
        counts[k]++;
    }
    return runs;
}

/* RFC 2782: within a priority, the chance to come first is weight / sum. */
Test(resolve, rfc2782_weighted_selection_statistics)
{
    int w[3] = {60, 30, 10}, c[3];
    int n = first_counts(w, 4000, c);
    cr_assert(c[0] > n * 55 / 100 && c[0] < n * 65 / 100, "60%%: %d", c[0]);
    cr_assert(c[1] > n * 26 / 100 && c[1] < n * 34 / 100, "30%%: %d", c[1]);
    cr_assert(c[2] > n * 7 / 100 && c[2] < n * 13 / 100, "10%%: %d", c[2]);
}

/* RFC 2782: weight 0 records go first in the running sum, so among weights
 * 0, 0, 100 each 0-weight record comes first with probability 1/101. */
Test(resolve, rfc2782_weight_zero_rarely_first)
{
    int w[3] = {0, 100, 0}, c[3];
    int n = first_counts(w, 4000, c);
    cr_assert(c[0] + c[2] > 0, "weight 0 must be possible: %d", c[0] + c[2]);
    cr_assert(c[0] + c[2] < n * 4 / 100, "about 2%%: %d", c[0] + c[2]);
    /* all weights 0: the draw is over [0, 0], so the answer order stays
     * ("no server selection to do", RFC 2782) */
    w[1] = 0;
    n = first_counts(w, 100, c);
    cr_assert_eq(c[0], n);
}

/* RFC 2782: a single record with target "." : decidedly not available; no
 * A/AAAA fallback for that transport. */
Test(resolve, rfc2782_dot_target_means_unavailable)
{
    init_default();
    srv(&z, "_sip._udp.dot.example", 0, 0, 0, ".");
    addr(&z, "dot.example", "192.0.2.77");
    run("sip:dot.example;transport=udp", 0);
    EXPECT_LOG("SRV _sip._udp.dot.example");
    EXPECT_TARGETS("");
    cr_assert_eq(end, SIP_ERR_RESOLVE_UNAVAILABLE);
    /* "." for UDP but TCP has a server: TCP is used */
    srv(&z, "_sip._tcp.dot.example", 0, 0, 5060, "dot.example");
    run("sip:dot.example", 0);
    EXPECT_TARGETS("TCP 192.0.2.77:5060");
}

/* SRV answers with the A/AAAA of their targets (additional section, RFC
 * 2782 "A Note on ..."): those lookups are never asked. */
Test(resolve, rfc2782_additional_records_answer_lookups)
{
    init_default();
    example_zone();
    z.additional = 1;
    run("sip:example.com;transport=tcp", 0);
    EXPECT_LOG("SRV _sip._tcp.example.com, AAAA s1.example.com");
    EXPECT_TARGETS("TCP 192.0.2.1:5060");
}

/* ---- failover, failed list, order while answers are pending ---- */

/* RFC 3263 §4.3: on a failure the next target is tried, across hosts of one
 * SRV set, then the next set (NAPTR order). Failed targets are skipped by a
 * new resolution until their time in the list runs out (32 s default). */
Test(resolve, rfc3263_4_3_failover_and_failed_list)
{
    sip_target t;
    init_default();
    srv(&z, "_sip._udp.f.example", 1, 0, 5060, "a.f.example");
    srv(&z, "_sip._udp.f.example", 2, 0, 5060, "b.f.example");
    addr(&z, "a.f.example", "192.0.2.1");
    addr(&z, "a.f.example", "192.0.2.11");
    addr(&z, "b.f.example", "192.0.2.2");
    cr_assert_eq(sip_resolve_failed(&res, 0), SIP_ERR_RESOLVE_STATE);
    run("sip:f.example;transport=udp", 1000);
    EXPECT_TARGETS("UDP 192.0.2.1:5060, UDP 192.0.2.11:5060, UDP 192.0.2.2:5060");
    /* a new resolution: the first two fail */
    run("sip:f.example;transport=udp", 1000);
    cr_assert_eq(sip_resolve_start_uri(&res, &rv, &(sip_uri){0}, 0), SIP_ERR_RESOLVE_URI);
    {
        sip_uri u;
        sip_uri_parse(sip_str_c("sip:f.example;transport=udp"), &u);
        sip_resolve_start_uri(&res, &rv, &u, 1000);
    }
    drive(&res, &z, 1000);
    cr_assert_eq(sip_resolve_next_target(&res, 1000, &t), 1);
    cr_assert_eq(t.remote.ip[3], 1);
    cr_assert_eq(sip_resolve_failed(&res, 1000), 0);
    cr_assert_eq(sip_resolve_next_target(&res, 1000, &t), 1);
    cr_assert_eq(t.remote.ip[3], 11);
    cr_assert_eq(sip_resolve_failed(&res, 2000), 0);
    cr_assert_eq(sip_resolve_next_target(&res, 2000, &t), 1);
    cr_assert_eq(t.remote.ip[3], 2);
    cr_assert_eq(sip_resolve_next_target(&res, 2000, &t), SIP_ERR_RESOLVE_EXHAUSTED);
    /* within 32 s the failed ones are skipped */
    run("sip:f.example;transport=udp", 1000 + 31999999);
    EXPECT_TARGETS("UDP 192.0.2.2:5060");
    run("sip:f.example;transport=udp", 1000 + 32000000);
    EXPECT_TARGETS("UDP 192.0.2.1:5060, UDP 192.0.2.2:5060");
    /* after it, they are back */
    run("sip:f.example;transport=udp", 2000 + 32000000);
    EXPECT_TARGETS("UDP 192.0.2.1:5060, UDP 192.0.2.11:5060, UDP 192.0.2.2:5060");
}

/* Every target failed: NOT_FOUND, or with failed_last they come last. */
Test(resolve, failed_targets_skipped_or_last)
{
    sip_target t;
    sip_resolver_config cfg;
    init_default();
    run("sip:192.0.2.1", 0);
    cr_assert_eq(sip_resolve_failed(&res, 0), 0);
    memset(&t, 0, sizeof t);
    t.tp = SIP_TP_UDP;
    sip_ipaddr_parse(sip_str_c("192.0.2.1:5060"), &t.remote);
    cr_assert_eq(sip_resolver_is_failed(&rv, &t, 1), 1);
    t.tp = SIP_TP_TCP;
    cr_assert_eq(sip_resolver_is_failed(&rv, &t, 1), 0, "transport is part of the key");
    run("sip:192.0.2.1", 1);
    cr_assert_eq(end, SIP_ERR_RESOLVE_NOT_FOUND);
    memset(&cfg, 0, sizeof cfg);
    cfg.failed_last = 1;
    cfg.failed_ttl_us = 1000;
    cr_assert_eq(sip_resolver_init(&rv, &cfg), 0);
    addr(&z, "two.example", "192.0.2.1");
    addr(&z, "two.example", "192.0.2.2");
    run("sip:two.example:5060", 0);
    EXPECT_TARGETS("UDP 192.0.2.1:5060, UDP 192.0.2.2:5060");
    t.tp = SIP_TP_UDP;
    sip_resolver_mark_failed(&rv, &t, 0);
    run("sip:two.example:5060", 999);
    EXPECT_TARGETS("UDP 192.0.2.2:5060, UDP 192.0.2.1:5060");
    run("sip:two.example:5060", 1000);
    EXPECT_TARGETS("UDP 192.0.2.1:5060, UDP 192.0.2.2:5060");
}

/* The failed list is bounded: when full, the entry expiring first goes. */
Test(resolve, failed_list_bounded)
{
    sip_target t;
    unsigned i;
    init_default();
    memset(&t, 0, sizeof t);
    t.tp = SIP_TP_UDP;
    t.remote.family = 4;
    t.remote.port = 5060;
    for (i = 0; i < SIP_RESOLVE_MAX_FAILED + 1; i++) {
        t.remote.ip[3] = (uint8_t)i;
        sip_resolver_mark_failed(&rv, &t, i);
    }
    t.remote.ip[3] = 0;
    cr_assert_eq(sip_resolver_is_failed(&rv, &t, 100), 0, "oldest replaced");
    t.remote.ip[3] = 1;
    cr_assert_eq(sip_resolver_is_failed(&rv, &t, 100), 1);
    t.remote.ip[3] = SIP_RESOLVE_MAX_FAILED;
    cr_assert_eq(sip_resolver_is_failed(&rv, &t, 100), 1);
}

/* Targets come out in order as soon as the answers deciding them are in:
 * the first SRV set's target before the second set is answered. */
Test(resolve, targets_ready_before_lower_ranked_answers)
{
    sip_dns_query q[8];
    sip_target t;
    sip_dns_rr rr[2];
    int n = 0;
    init_default();
    example_zone();
    {
        sip_uri u;
        sip_uri_parse(sip_str_c("sip:example.com"), &u);
        cr_assert_eq(sip_resolve_start_uri(&res, &rv, &u, 0), 0);
    }
    cr_assert_eq(sip_resolve_next_target(&res, 0, &t), 0, "NAPTR pending");
    cr_assert_eq(sip_resolve_next_query(&res, 0, &q[n]), 1);
    zanswer(&res, &z, &q[n], 0);
    cr_assert_eq(sip_resolve_answer(&res, q[n].id, SIP_DNS_OK, NULL, 0, 0), SIP_ERR_RESOLVE_QUERY);
    while (sip_resolve_next_query(&res, 0, &q[n]) == 1) n++;
    cr_assert_eq(n, 3); /* three SRV */
    zanswer(&res, &z, &q[0], 0); /* _sips._tcp -> s1 */
    cr_assert_eq(sip_resolve_next_target(&res, 0, &t), 0, "A of s1 pending");
    cr_assert_eq(sip_resolve_next_query(&res, 0, &q[3]), 1);
    cr_assert_eq(sip_resolve_next_query(&res, 0, &q[4]), 1);
    memset(rr, 0, sizeof rr);
    rr[0].type = SIP_DNS_A;
    rr[0].ttl = 60;
    rr[0].addr[0] = 192, rr[0].addr[1] = 0, rr[0].addr[2] = 2, rr[0].addr[3] = 1;
    cr_assert_eq(sip_resolve_answer(&res, q[3].id, SIP_DNS_OK, rr, 1, 0), 0);
    cr_assert_eq(q[3].type, SIP_DNS_A);
    cr_assert_eq(q[4].type, SIP_DNS_AAAA);
    /* A before AAAA: the A address is decided while AAAA is pending */
    cr_assert_eq(sip_resolve_next_target(&res, 0, &t), 1);
    cr_assert_eq(t.tp, SIP_TP_TLS);
    cr_assert_eq(sip_resolve_next_target(&res, 0, &t), 0, "AAAA of s1 pending");
    cr_assert_eq(sip_resolve_answer(&res, q[4].id, SIP_DNS_OK, NULL, 0, 0), 0);
    cr_assert_eq(sip_resolve_next_target(&res, 0, &t), 0, "UDP/TCP sets still pending");
    cr_assert_eq(res.expires_us, 60000000u, "smallest TTL");
}

/* Unanswered queries time out (5 s default) as SIP_DNS_ERROR, and the
 * procedure goes on (here: to the A/AAAA fallback). */
Test(resolve, query_timeout_counts_as_error)
{
    sip_dns_query q;
    init_default();
    addr(&z, "slow.example", "192.0.2.5");
    {
        sip_uri u;
        sip_uri_parse(sip_str_c("sip:slow.example;transport=tcp"), &u);
        cr_assert_eq(sip_resolve_start_uri(&res, &rv, &u, 0), 0);
    }
    cr_assert_eq(sip_resolve_next_deadline(&res), UINT64_MAX);
    cr_assert_eq(sip_resolve_next_query(&res, 1000, &q), 1);
    cr_assert_eq(q.type, SIP_DNS_SRV);
    cr_assert_eq(sip_resolve_next_deadline(&res), 5001000u);
    cr_assert_eq(sip_resolve_on_timeout(&res, 5000999), 0);
    cr_assert_eq(sip_resolve_on_timeout(&res, 5001000), 1);
    cr_assert_eq(sip_resolve_answer(&res, q.id, SIP_DNS_OK, NULL, 0, 0), SIP_ERR_RESOLVE_QUERY);
    drive(&res, &z, 5001000);
    all_targets(&res, 0, got, sizeof got, &end);
    EXPECT_TARGETS("TCP 192.0.2.5:5060");
}

/* prefer_ipv6 and families select and order the address lookups. */
Test(resolve, address_families)
{
    sip_resolver_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.prefer_ipv6 = 1;
    memset(&z, 0, sizeof z);
    cr_assert_eq(sip_resolver_init(&rv, &cfg), 0);
    addr(&z, "d.example", "192.0.2.8");
    addr(&z, "d.example", "2001:db8::8");
    run("sip:d.example:5060", 0);
    EXPECT_TARGETS("UDP [2001:db8::8]:5060, UDP 192.0.2.8:5060");
    cfg.families = SIP_RESOLVE_IPV6;
    cr_assert_eq(sip_resolver_init(&rv, &cfg), 0);
    z.log[0] = 0;
    run("sip:d.example:5060", 0);
    EXPECT_LOG("AAAA d.example");
    EXPECT_TARGETS("UDP [2001:db8::8]:5060");
    cfg.families = 4;
    cr_assert_eq(sip_resolver_init(&rv, &cfg), SIP_ERR_RESOLVE_INVALID);
    cfg.families = 0;
    cfg.transports[0] = SIP_TP_TCP;
    cfg.transports[1] = SIP_TP_TCP;
    cr_assert_eq(sip_resolver_init(&rv, &cfg), SIP_ERR_RESOLVE_INVALID);
}

/* RFC 3263 §5: a response goes to the Via sent-by: numeric as is; a port:
 * A/AAAA; no port: SRV for the Via transport, then A/AAAA. */
Test(resolve, rfc3263_5_sent_by)
{
    init_default();
    srv(&z, "_sip._udp.client.example", 0, 0, 5072, "host.client.example");
    addr(&z, "host.client.example", "192.0.2.60");
    addr(&z, "client.example", "192.0.2.61");
    cr_assert_eq(sip_resolve_start_sent_by(&res, &rv, SIP_TP_UDP, sip_str_c("[2001:db8::9]"), 5090, 0), 0);
    all_targets(&res, 0, got, sizeof got, &end);
    EXPECT_TARGETS("UDP [2001:db8::9]:5090");
    cr_assert_eq(sip_resolve_start_sent_by(&res, &rv, SIP_TP_UDP, sip_str_c("client.example"), 0, 0), 0);
    drive(&res, &z, 0);
    all_targets(&res, 0, got, sizeof got, &end);
    EXPECT_TARGETS("UDP 192.0.2.60:5072");
    z.log[0] = 0;
    cr_assert_eq(sip_resolve_start_sent_by(&res, &rv, SIP_TP_TLS, sip_str_c("client.example"), 0, 0), 0);
    drive(&res, &z, 0);
    EXPECT_LOG("SRV _sips._tcp.client.example, A client.example, AAAA client.example");
    all_targets(&res, 0, got, sizeof got, &end);
    EXPECT_TARGETS("TLS 192.0.2.61:5061");
    cr_assert_eq(sip_resolve_start_sent_by(&res, &rv, SIP_TP_SCTP, sip_str_c("client.example"), 5000, 0), 0);
    drive(&res, &z, 0);
    all_targets(&res, 0, got, sizeof got, &end);
    EXPECT_TARGETS("SCTP 192.0.2.61:5000");
    cr_assert_eq(sip_resolve_start_sent_by(&res, &rv, SIP_TP_NONE, sip_str_c("a"), 0, 0), SIP_ERR_RESOLVE_INVALID);
    cr_assert_eq(sip_resolve_start_sent_by(&res, &rv, SIP_TP_UDP, sip_str_c("bad host"), 0, 0), SIP_ERR_RESOLVE_NAME);
}

/* Bad records are ignored, duplicates given once; the list function. */
Test(resolve, bad_records_ignored_and_list)
{
    sip_target t[8];
    int done;
    init_default();
    srv(&z, "_sip._udp.b.example", 0, 0, 0, "portzero.b.example");
    srv(&z, "_sip._udp.b.example", 0, 0, 5060, "bad name.b.example");
    srv(&z, "_sip._udp.b.example", 0, 0, 5060, "ok.b.example");
    srv(&z, "_sip._udp.b.example", 1, 0, 5060, "OK.b.example."); /* same host again */
    addr(&z, "ok.b.example", "192.0.2.70");
    addr(&z, "ok.b.example", "192.0.2.70");
    addr(&z, "portzero.b.example", "192.0.2.71");
    run("sip:b.example;transport=udp", 0);
    EXPECT_TARGETS("UDP 192.0.2.70:5060");
    EXPECT_LOG("SRV _sip._udp.b.example, A ok.b.example, AAAA ok.b.example");
    cr_assert_eq(sip_resolve_list(&res, 0, t, 8, &done), 1);
    cr_assert(done);
    cr_assert_eq(sip_resolve_list(&res, 0, NULL, 0, NULL), 1);
}
