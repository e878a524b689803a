/* sip_proxy.h: the stateful proxy core (RFC 3261 §16, RFC 5393, RFC 3327,
 * RFC 5658) driven over an in-memory network on a virtual clock: the
 * proxy's transaction layer, and scripted UAC/UAS endpoints that send
 * exact messages and read exactly what the proxy sent. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sip_proxy.h"

#define NS 64
typedef struct sent {
    sip_target to;
    char b[4096];
    size_t n;
} sent;

static sip_proxy P;
static sip_locmem lm;
static sip_registrar reg;
static sip_authsrv as;
static uint64_t asmem[8192];
static sent S[NS];
static int ns;
static uint64_t now;
static int n_final, last_final;

static const char *const domains[] = {"example.com", NULL};
static const char *const supported[] = {"foo", NULL};
static sip_proxy_listen listen_[2];

#define UAC "192.0.2.1:5060"
#define UAS1 "192.0.2.20:5062"
#define UAS2 "192.0.2.21:5062"
#define PX "192.0.2.10"

static int t_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    (void)user;
    cr_assert_lt(ns, NS);
    cr_assert_lt(len, sizeof S[0].b);
    S[ns].to = *to;
    memcpy(S[ns].b, msg, len);
    S[ns].b[len] = 0;
    S[ns].n = len;
    ns++;
    return 0;
}

static void t_event(void *user, const sip_proxy_event *ev)
{
    (void)user;
    if (ev->type == SIP_PROXY_EV_FINAL) {
        n_final++;
        last_final = ev->status;
    }
}

static uint8_t rb;
static void as_rand(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    while (len--) *buf++ = rb++;
}

static int as_ha1(void *user, sip_str username, sip_str realm, sip_digest_alg alg, char *out,
                  size_t cap)
{
    sip_str parts[5];
    uint8_t d[64];
    size_t i, n = sip_digest_alg_len(alg);
    static const char hx[] = "0123456789abcdef";
    (void)user;
    if (!sip_str_eq(username, sip_str_c("alice"))) return 1;
    parts[0] = username;
    parts[1] = sip_str_c(":");
    parts[2] = realm;
    parts[3] = sip_str_c(":");
    parts[4] = sip_str_c("secret");
    cr_assert_eq(sip_hash(alg, parts, 5, d), 0);
    cr_assert_gt(cap, 2 * n);
    for (i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = 0;
    return 0;
}

static uint32_t t1_ms; /* 0: the default T1 */

static void setup_with(int record_route, int auth, int with_registrar)
{
    sip_proxy_config c;
    sip_proxy_callbacks cb;
    sip_locmem_config lc;
    sip_registrar_config rc;
    sip_tsx_config tc;
    memset(&lc, 0, sizeof lc);
    lc.buckets = 64;
    cr_assert_eq(sip_locmem_init(&lm, &lc), 0);
    memset(&rc, 0, sizeof rc);
    cr_assert_eq(sip_registrar_init(&reg, &rc, sip_locmem_ops(), &lm), 0);
    if (auth) {
        static const uint8_t secret[] = "0123456789abcdef0123";
        sip_authsrv_config ac;
        sip_authsrv_callbacks acb;
        memset(&ac, 0, sizeof ac);
        ac.realm = sip_str_c("example.com");
        ac.secret = secret;
        ac.secret_len = 20;
        ac.algs = 1u << SIP_DIGEST_MD5;
        ac.limiter_slots = 16;
        ac.nc_slots = 16;
        memset(&acb, 0, sizeof acb);
        acb.size = sizeof acb;
        acb.ha1 = as_ha1;
        acb.rand = as_rand;
        cr_assert_leq(sip_authsrv_mem_size(&ac), sizeof asmem);
        cr_assert_eq(sip_authsrv_init(&as, asmem, sizeof asmem, &ac, &acb, NULL), 0);
    }
    listen_[0].tp = SIP_TP_UDP;
    listen_[0].host = sip_str_c(PX);
    listen_[0].port = 5060;
    listen_[1].tp = SIP_TP_TCP;
    listen_[1].host = sip_str_c(PX);
    listen_[1].port = 5060;
    memset(&c, 0, sizeof c);
    c.listen = listen_;
    c.n_listen = 2;
    c.record_route = record_route;
    c.domains = domains;
    c.supported = supported;
    c.location = sip_locmem_ops();
    c.location_store = &lm;
    c.registrar = with_registrar ? &reg : NULL;
    c.auth = auth ? &as : NULL;
    c.auth_methods = auth ? (1u << SIP_METHOD_REGISTER) | (1u << SIP_METHOD_INVITE) : 0;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = t_send;
    cb.on_event = t_event;
    memset(&tc, 0, sizeof tc);
    tc.t1_ms = t1_ms;
    tc.t2_ms = t1_ms > 4000 ? t1_ms : 0;
    cr_assert_eq(sip_proxy_init(&P, &c, &cb, &tc), 0);
    ns = 0;
    now = 1000000;
    n_final = 0;
}

static void setup(void) { setup_with(1, 0, 0); }
static void teardown(void)
{
    cr_assert_eq(sip_proxy_destroy(&P), 0);
    cr_assert_eq(P.bytes, 0, "bytes left: %zu", P.bytes);
    sip_locmem_free(&lm);
}

static sip_target tgt(sip_tp tp, const char *addr)
{
    sip_target g;
    memset(&g, 0, sizeof g);
    g.tp = tp;
    cr_assert_eq(sip_ipaddr_parse(sip_str_c(addr), &g.remote), 0);
    return g;
}

static void bind_(const char *aor, const char *uri, uint16_t q, const char *path, uint32_t flow,
                  uint64_t expires_us)
{
    sip_binding b;
    memset(&b, 0, sizeof b);
    b.aor = sip_str_c(aor);
    b.uri = sip_str_c(uri);
    b.q = q;
    b.path = sip_str_c(path);
    b.flow = flow;
    b.call_id = sip_str_c("reg-call");
    b.cseq = 1;
    b.expires_us = expires_us;
    cr_assert_geq(sip_locmem_ops()->save(&lm, &b, NULL, now), 0);
}

static int recv_(const char *msg, sip_tp tp, const char *from)
{
    sip_target f = tgt(tp, from);
    return sip_proxy_receive(&P, msg, strlen(msg), &f, now, NULL);
}

/* Advance the virtual clock to t (µs), firing every deadline in order. */
static void run_to(uint64_t t)
{
    for (;;) {
        uint64_t d = sip_proxy_next_deadline(&P);
        if (d > t) break;
        now = d;
        cr_assert_geq(sip_proxy_on_timeout(&P, d), 0);
    }
    now = t;
}

static int is_to(const sent *s, const char *addr)
{
    sip_ipaddr a;
    cr_assert_eq(sip_ipaddr_parse(sip_str_c(addr), &a), 0);
    return sip_ipaddr_eq(&a, &s->to.remote);
}

/* The last message sent to addr whose start line begins with start. */
static const sent *last_to(const char *addr, const char *start)
{
    int i;
    for (i = ns - 1; i >= 0; i--)
        if (is_to(&S[i], addr) && strncmp(S[i].b, start, strlen(start)) == 0) return &S[i];
    return NULL;
}

static int count_to(const char *addr, const char *start)
{
    int i, n = 0;
    for (i = 0; i < ns; i++)
        n += is_to(&S[i], addr) && strncmp(S[i].b, start, strlen(start)) == 0;
    return n;
}

/* A response to the request text req (§8.2.6.2), with extra header lines. */
static void resp(const char *req, int status, const char *totag, const char *extra, char *out,
                 size_t cap)
{
    sip_msg m;
    sip_hdr h[64];
    sip_parse_config pc;
    sip_hdr_field f[4];
    size_t nf = 0;
    sip_str none = {NULL, 0};
    int r;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    cr_assert_gt(sip_parse(req, strlen(req), &pc, &m, h, 64, NULL), 0);
    while (extra && *extra && nf < 4) {
        const char *colon = strchr(extra, ':'), *end = strchr(extra, '\n');
        f[nf].name.p = extra;
        f[nf].name.len = (size_t)(colon - extra);
        f[nf].value.p = colon + 2;
        f[nf].value.len = (size_t)(end - colon - 2);
        nf++;
        extra = end + 1;
    }
    r = sip_build_response(out, cap, &m, status, NULL, totag ? sip_str_c(totag) : none, f, nf,
                           none, NULL);
    cr_assert_gt(r, 0);
    out[r] = 0;
}

/* The text without its first line starting with `line` (our Via). */
static void without_line(const char *in, const char *line, char *out)
{
    const char *p = strstr(in, line), *e;
    cr_assert_not_null(p);
    e = strchr(p, '\n') + 1;
    memcpy(out, in, (size_t)(p - in));
    strcpy(out + (p - in), e);
}

static const char *invite_bob =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKuac1;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=a1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: call1@192.0.2.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.1>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static void loop_hash_of(const char *req, char out[17])
{
    sip_msg m;
    sip_hdr h[64];
    sip_parse_config pc;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    cr_assert_gt(sip_parse(req, strlen(req), &pc, &m, h, 64, NULL), 0);
    sip_proxy_loop_hash(&P, &m, out);
}

/* RFC 3261 §16.5, §16.6 items 2-4 and 8, §16.7 item 3: the forwarded
 * INVITE is the received one with the Request-URI of the binding, our Via
 * and Record-Route on top and Max-Forwards 69, every other byte (rport
 * included, RFC 3581) unchanged; the 180 and 200 come back without our
 * Via; the ACK for the 2xx goes statelessly along the route (§16.11). */
Test(proxy, basic_invite_exact_bytes, .init = setup, .fini = teardown)
{
    char hash[17], expect[2048], r180[2048], r200[2048], up[2048];
    const sent *f;
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    loop_hash_of(invite_bob, hash);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    f = last_to(UAS1, "INVITE");
    cr_assert_not_null(f);
    snprintf(expect, sizeof expect,
             "INVITE sip:bob@192.0.2.20:5062 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK%s.0000000000000001\r\n"
             "Record-Route: <sip:192.0.2.10:5060;lr>\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKuac1;rport\r\n"
             "Max-Forwards: 69\r\n"
             "From: <sip:alice@example.com>;tag=a1\r\n"
             "To: <sip:bob@example.com>\r\n"
             "Call-ID: call1@192.0.2.1\r\n"
             "CSeq: 1 INVITE\r\n"
             "Contact: <sip:alice@192.0.2.1>\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             hash);
    cr_assert_str_eq(f->b, expect);
    cr_assert_eq(f->to.tp, SIP_TP_UDP);
    cr_assert_eq(sip_proxy_count(&P), 1);

    resp(f->b, 180, "b1", NULL, r180, sizeof r180);
    cr_assert_eq(recv_(r180, SIP_TP_UDP, UAS1), 0);
    without_line(r180, "Via: SIP/2.0/UDP 192.0.2.10", up);
    cr_assert_str_eq(last_to(UAC, "SIP/2.0 180")->b, up);

    resp(f->b, 200, "b1", "Contact: <sip:bob@192.0.2.20:5062>\n", r200, sizeof r200);
    cr_assert_eq(recv_(r200, SIP_TP_UDP, UAS1), 0);
    without_line(r200, "Via: SIP/2.0/UDP 192.0.2.10", up);
    cr_assert_str_eq(last_to(UAC, "SIP/2.0 200")->b, up);
    cr_assert_eq(last_final, 200);

    /* the ACK for the 2xx, routed by the route set (our Route, then the
     * remote target) */
    ns = 0;
    cr_assert_eq(recv_("ACK sip:bob@192.0.2.20:5062 SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKuac1ack\r\n"
                       "Route: <sip:192.0.2.10:5060;lr>\r\n"
                       "Max-Forwards: 70\r\n"
                       "From: <sip:alice@example.com>;tag=a1\r\n"
                       "To: <sip:bob@example.com>;tag=b1\r\n"
                       "Call-ID: call1@192.0.2.1\r\n"
                       "CSeq: 1 ACK\r\n"
                       "Content-Length: 0\r\n\r\n",
                       SIP_TP_UDP, UAC),
                 0);
    f = last_to(UAS1, "ACK");
    cr_assert_not_null(f);
    cr_assert(strstr(f->b, "ACK sip:bob@192.0.2.20:5062 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK") == f->b);
    cr_assert_null(strstr(f->b, "\r\nRoute:"), "our Route is removed (§16.4)");
    cr_assert_not_null(strstr(f->b, "Max-Forwards: 69\r\n"));
    cr_assert_eq(P.acks, 1);
    run_to(now + 40000000ull);
    cr_assert_eq(sip_proxy_count(&P), 0);
}

/* §16.3 item 3: Max-Forwards 0 gets 483; an OPTIONS with 0 is ours. */
Test(proxy, max_forwards_483, .init = setup, .fini = teardown)
{
    char m[1024];
    strcpy(m, invite_bob);
    memcpy(strstr(m, "Max-Forwards: 70"), "Max-Forwards: 00", 16);
    cr_assert_eq(recv_(m, SIP_TP_UDP, UAC), 0);
    cr_assert_eq(ns, 1);
    cr_assert(strncmp(S[0].b, "SIP/2.0 483 Too Many Hops\r\n", 27) == 0, "%s", S[0].b);
    ns = 0;
    cr_assert_eq(recv_("OPTIONS sip:bob@example.com SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKopt\r\n"
                       "Max-Forwards: 0\r\n"
                       "From: <sip:alice@example.com>;tag=a1\r\n"
                       "To: <sip:bob@example.com>\r\n"
                       "Call-ID: opt1\r\n"
                       "CSeq: 1 OPTIONS\r\n\r\n",
                       SIP_TP_UDP, UAC),
                 0);
    cr_assert_eq(ns, 1);
    cr_assert(strncmp(S[0].b, "SIP/2.0 200 OK\r\n", 16) == 0);
}

/* §16.3 item 1: an unknown Request-URI scheme gets 416. */
Test(proxy, scheme_416, .init = setup, .fini = teardown)
{
    char m[1024];
    const char *rest = strchr(invite_bob, '\n') + 1;
    snprintf(m, sizeof m, "INVITE http://example.com/bob SIP/2.0\r\n%s", rest);
    cr_assert_eq(recv_(m, SIP_TP_UDP, UAC), 0);
    cr_assert_eq(ns, 1);
    cr_assert(strncmp(S[0].b, "SIP/2.0 416 ", 12) == 0, "%s", S[0].b);
}

/* §16.3 item 5: an unknown Proxy-Require option gets 420 with
 * Unsupported naming it; a known one passes. */
Test(proxy, proxy_require_420, .init = setup, .fini = teardown)
{
    char m[1024];
    const char *cl = strstr(invite_bob, "Content-Length");
    snprintf(m, sizeof m, "%.*sProxy-Require: foo, bar\r\n%s", (int)(cl - invite_bob), invite_bob, cl);
    cr_assert_eq(recv_(m, SIP_TP_UDP, UAC), 0);
    cr_assert_eq(ns, 1);
    cr_assert(strncmp(S[0].b, "SIP/2.0 420 ", 12) == 0, "%s", S[0].b);
    cr_assert_not_null(strstr(S[0].b, "\r\nUnsupported: bar\r\n"));
}

/* §16.3 item 4, §16.6 item 8: a request that comes back with our Via and
 * the same invariant fields is a loop (482); the same request with a new
 * Request-URI is a spiral and goes on. */
Test(proxy, loop_482_and_spiral, .init = setup, .fini = teardown)
{
    const char *req = "INVITE sip:carol@192.0.2.30 SIP/2.0\r\n"
                      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKuac2\r\n"
                      "Max-Forwards: 70\r\n"
                      "From: <sip:alice@example.com>;tag=a1\r\n"
                      "To: <sip:carol@example.net>\r\n"
                      "Call-ID: loop1\r\n"
                      "CSeq: 1 INVITE\r\n"
                      "Content-Length: 0\r\n\r\n";
    char back[2048], spiral[2048];
    const sent *f;
    cr_assert_eq(recv_(req, SIP_TP_UDP, UAC), 0);
    f = last_to("192.0.2.30:5060", "INVITE");
    cr_assert_not_null(f);
    /* the next hop sends it back to us with its own Via on top */
    snprintf(back, sizeof back, "INVITE sip:carol@192.0.2.30 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.30;branch=z9hG4bKnext\r\n%s",
             strchr(f->b, '\n') + 1);
    ns = 0;
    cr_assert_eq(recv_(back, SIP_TP_UDP, "192.0.2.30:5060"), 0);
    cr_assert_eq(ns, 1);
    cr_assert(strncmp(S[0].b, "SIP/2.0 482 Loop Detected\r\n", 27) == 0, "%s", S[0].b);
    cr_assert_eq(P.loops, 1);
    /* spiral: Request-URI changed by the next hop */
    snprintf(spiral, sizeof spiral, "INVITE sip:carol@192.0.2.31 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.30;branch=z9hG4bKnext2\r\n%s",
             strchr(f->b, '\n') + 1);
    ns = 0;
    cr_assert_eq(recv_(spiral, SIP_TP_UDP, "192.0.2.30:5060"), 0);
    cr_assert_not_null(last_to("192.0.2.31:5060", "INVITE"));
}

/* §16.4: a Request-URI that is our Record-Route value (a strict router
 * before us) is replaced by the last Route value, which is removed; our
 * own top Route is removed (loose routing). */
Test(proxy, strict_router_fix, .init = setup, .fini = teardown)
{
    const sent *f;
    cr_assert_eq(recv_("BYE sip:192.0.2.10:5060;lr SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbye1\r\n"
                       "Route: <sip:192.0.2.40;lr>, <sip:bob@192.0.2.20:5062>\r\n"
                       "Max-Forwards: 70\r\n"
                       "From: <sip:alice@example.com>;tag=a1\r\n"
                       "To: <sip:bob@example.com>;tag=b1\r\n"
                       "Call-ID: strict1\r\n"
                       "CSeq: 2 BYE\r\n"
                       "Content-Length: 0\r\n\r\n",
                       SIP_TP_UDP, UAC),
                 0);
    f = last_to("192.0.2.40:5060", "BYE");
    cr_assert_not_null(f, "the next hop is the remaining Route");
    cr_assert(strncmp(f->b, "BYE sip:bob@192.0.2.20:5062 SIP/2.0\r\n", 37) == 0, "%s", f->b);
    cr_assert_not_null(strstr(f->b, "\r\nRoute: <sip:192.0.2.40;lr>\r\n"), "%s", f->b);
    ns = 0;
    cr_assert_eq(recv_("BYE sip:bob@192.0.2.20:5062 SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbye2\r\n"
                       "Route: <sip:192.0.2.10:5060;lr>\r\n"
                       "Max-Forwards: 70\r\n"
                       "From: <sip:alice@example.com>;tag=a1\r\n"
                       "To: <sip:bob@example.com>;tag=b1\r\n"
                       "Call-ID: loose1\r\n"
                       "CSeq: 2 BYE\r\n"
                       "Content-Length: 0\r\n\r\n",
                       SIP_TP_UDP, UAC),
                 0);
    f = last_to(UAS1, "BYE");
    cr_assert_not_null(f);
    cr_assert_null(strstr(f->b, "\r\nRoute:"), "%s", f->b);
}

/* §16.5, §16.7 item 10: two bindings with equal q fork in parallel; the
 * 200 of one goes up at once and the other branch is CANCELled; its 487
 * is absorbed. */
Test(proxy, parallel_fork_cancel_other, .init = setup, .fini = teardown)
{
    char r[2048], r2[2048];
    const sent *f1, *f2, *cx;
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    bind_("sip:bob@example.com", "sip:bob@192.0.2.21:5062", 1000, NULL, 0, 3600000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    f1 = last_to(UAS1, "INVITE");
    f2 = last_to(UAS2, "INVITE");
    cr_assert_not_null(f1);
    cr_assert_not_null(f2);
    /* RFC 5393 §5.3.3: the breadth is divided */
    cr_assert_not_null(strstr(f1->b, "\r\nMax-Breadth: 30\r\n"));
    resp(f2->b, 180, "c2", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS2), 0);
    resp(f1->b, 200, "c1", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    cr_assert_not_null(last_to(UAC, "SIP/2.0 200"));
    cx = last_to(UAS2, "CANCEL");
    cr_assert_not_null(cx, "the other branch is cancelled");
    cr_assert_null(last_to(UAS1, "CANCEL"));
    resp(cx->b, 200, "c2", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS2), 0);
    resp(f2->b, 487, "c2", NULL, r2, sizeof r2);
    cr_assert_eq(recv_(r2, SIP_TP_UDP, UAS2), 0);
    cr_assert_null(last_to(UAC, "SIP/2.0 487"), "nothing after the 2xx but 2xx");
    cr_assert_eq(n_final, 1);
}

/* §16.5 / §16.6: descending q is tried serially: the 486 of the first
 * starts the second, whose 200 goes up. */
Test(proxy, serial_fork_by_q, .init = setup, .fini = teardown)
{
    char r[2048];
    const sent *f;
    bind_("sip:bob@example.com", "sip:bob@192.0.2.21:5062", 500, NULL, 0, 3600000000ull);
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 900, NULL, 0, 3600000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    cr_assert_not_null(last_to(UAS1, "INVITE"));
    cr_assert_null(last_to(UAS2, "INVITE"));
    f = last_to(UAS1, "INVITE");
    resp(f->b, 486, "d1", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    cr_assert_not_null(last_to(UAS1, "ACK"), "the transaction layer ACKs the 486");
    f = last_to(UAS2, "INVITE");
    cr_assert_not_null(f, "the lower q is tried next");
    cr_assert_null(last_to(UAC, "SIP/2.0 486"));
    resp(f->b, 200, "d2", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS2), 0);
    cr_assert_not_null(last_to(UAC, "SIP/2.0 200"));
}

/* §16.7 item 5: a 6xx cancels the other branches and ends the search. */
Test(proxy, global_failure_6xx, .init = setup, .fini = teardown)
{
    char r[2048];
    const sent *f1, *f2;
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    bind_("sip:bob@example.com", "sip:bob@192.0.2.21:5062", 1000, NULL, 0, 3600000000ull);
    bind_("sip:bob@example.com", "sip:bob@192.0.2.22:5062", 100, NULL, 0, 3600000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    f1 = last_to(UAS1, "INVITE");
    f2 = last_to(UAS2, "INVITE");
    resp(f2->b, 180, "e2", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS2), 0);
    resp(f1->b, 603, "e1", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    cr_assert_not_null(last_to(UAS2, "CANCEL"));
    cr_assert_null(last_to(UAC, "SIP/2.0 603"), "waits for the cancelled branch");
    resp(f2->b, 487, "e2", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS2), 0);
    cr_assert_not_null(last_to(UAC, "SIP/2.0 603"));
    cr_assert_null(last_to("192.0.2.22:5062", "INVITE"), "no serial branch after a 6xx");
}

/* §16.7 item 6: the lowest class wins (404 over 503), among 4xx the
 * first (486 before 404); a lone 503 goes up as 500. */
Test(proxy, best_response_choice, .init = setup, .fini = teardown)
{
    char r[2048];
    const sent *f[3];
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    bind_("sip:bob@example.com", "sip:bob@192.0.2.21:5062", 1000, NULL, 0, 3600000000ull);
    bind_("sip:bob@example.com", "sip:bob@192.0.2.22:5062", 1000, NULL, 0, 3600000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    f[0] = last_to(UAS1, "INVITE");
    f[1] = last_to(UAS2, "INVITE");
    f[2] = last_to("192.0.2.22:5062", "INVITE");
    resp(f[0]->b, 503, "x", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    resp(f[1]->b, 486, "y", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS2), 0);
    resp(f[2]->b, 404, "z", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, "192.0.2.22:5062"), 0);
    cr_assert_not_null(last_to(UAC, "SIP/2.0 486"));
    cr_assert_eq(count_to(UAC, "SIP/2.0"), 1);
}

Test(proxy, best_response_503_becomes_500, .init = setup, .fini = teardown)
{
    char r[2048];
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    resp(last_to(UAS1, "INVITE")->b, 503, "x", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    cr_assert_not_null(last_to(UAC, "SIP/2.0 500"));
    cr_assert_eq(last_final, 500);
}

/* §16.7 item 7: the challenges of every 401/407 branch go up in one
 * response. */
Test(proxy, auth_challenges_merged, .init = setup, .fini = teardown)
{
    char r[2048];
    const sent *up;
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    bind_("sip:bob@example.com", "sip:bob@192.0.2.21:5062", 1000, NULL, 0, 3600000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    resp(last_to(UAS1, "INVITE")->b, 401, "x",
         "WWW-Authenticate: Digest realm=\"one\", nonce=\"n1\"\n", r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    resp(last_to(UAS2, "INVITE")->b, 407, "y",
         "Proxy-Authenticate: Digest realm=\"two\", nonce=\"n2\"\n", r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS2), 0);
    up = last_to(UAC, "SIP/2.0 401");
    cr_assert_not_null(up);
    cr_assert_not_null(strstr(up->b, "\r\nWWW-Authenticate: Digest realm=\"one\", nonce=\"n1\"\r\n"));
    cr_assert_not_null(strstr(up->b, "\r\nProxy-Authenticate: Digest realm=\"two\", nonce=\"n2\"\r\n"));
    cr_assert_null(strstr(up->b, "192.0.2.10"), "our Via is gone");
}

/* §16.8: Timer C (3 min) fires on a branch with a provisional response:
 * a CANCEL goes down, and the 487 goes up; without any response the
 * branch counts as a 408. */
Test(proxy, timer_c_cancel, .init = setup, .fini = teardown)
{
    char r[2048];
    const sent *f;
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    f = last_to(UAS1, "INVITE");
    resp(f->b, 180, "t1", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    run_to(now + 100000000ull);
    resp(f->b, 180, "t1", NULL, r, sizeof r); /* resets Timer C */
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    run_to(now + 179000000ull);
    cr_assert_null(last_to(UAS1, "CANCEL"));
    run_to(now + 2000000ull);
    cr_assert_not_null(last_to(UAS1, "CANCEL"));
    resp(f->b, 487, "t1", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    cr_assert_not_null(last_to(UAC, "SIP/2.0 487"));
}

/* T1 = 5 s makes Timer B 320 s, so Timer C (180 s) ends the silent
 * branch: a 408 goes up at 180 s exactly and nothing is CANCELled. */
static void setup_slow(void)
{
    t1_ms = 5000;
    setup_with(1, 0, 0);
}
Test(proxy, timer_c_no_answer_408, .init = setup_slow, .fini = teardown)
{
    uint64_t t0 = now;
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_TCP, UAC), 0);
    run_to(t0 + 179999999ull);
    cr_assert_null(last_to(UAC, "SIP/2.0 408"));
    run_to(t0 + 180000000ull);
    cr_assert_not_null(last_to(UAC, "SIP/2.0 408"));
    cr_assert_null(last_to(UAS1, "CANCEL"));
    run_to(now + 400000000ull);
    cr_assert_eq(count_to(UAC, "SIP/2.0 408"), 1);
    cr_assert_eq(sip_proxy_count(&P), 0);
}

/* §16.10: a CANCEL from the UAC is answered 200, every pending branch is
 * cancelled, and the INVITE gets the 487 from downstream. */
Test(proxy, cancel_from_uac, .init = setup, .fini = teardown)
{
    char r[2048];
    const sent *f;
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    f = last_to(UAS1, "INVITE");
    resp(f->b, 180, "k1", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    cr_assert_eq(recv_("CANCEL sip:bob@example.com SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKuac1;rport\r\n"
                       "Max-Forwards: 70\r\n"
                       "From: <sip:alice@example.com>;tag=a1\r\n"
                       "To: <sip:bob@example.com>\r\n"
                       "Call-ID: call1@192.0.2.1\r\n"
                       "CSeq: 1 CANCEL\r\n"
                       "Content-Length: 0\r\n\r\n",
                       SIP_TP_UDP, UAC),
                 0);
    cr_assert_not_null(last_to(UAC, "SIP/2.0 200 OK"));
    cr_assert(strstr(last_to(UAC, "SIP/2.0 200 OK")->b, "CSeq: 1 CANCEL") != NULL);
    cr_assert_not_null(last_to(UAS1, "CANCEL"));
    cr_assert_null(last_to(UAC, "SIP/2.0 487"));
    resp(f->b, 487, "k1", NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    cr_assert_not_null(last_to(UAC, "SIP/2.0 487"));
}

/* §16.5: our domain, unknown address-of-record: 404; known with only
 * expired bindings: 480. */
Test(proxy, target_404_480, .init = setup, .fini = teardown)
{
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    cr_assert(strncmp(S[0].b, "SIP/2.0 404 ", 12) == 0, "%s", S[0].b);
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, now + 1000000);
    now += 5000000;
    ns = 0;
    cr_assert_eq(recv_(strstr(invite_bob, "INVITE") ? "INVITE sip:bob@example.com SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKuac480\r\n"
                       "Max-Forwards: 70\r\n"
                       "From: <sip:alice@example.com>;tag=a1\r\n"
                       "To: <sip:bob@example.com>\r\n"
                       "Call-ID: c480\r\n"
                       "CSeq: 1 INVITE\r\n"
                       "Content-Length: 0\r\n\r\n" : "",
                       SIP_TP_UDP, UAC),
                 0);
    cr_assert(strncmp(S[0].b, "SIP/2.0 480 ", 12) == 0, "%s", S[0].b);
}

/* RFC 3327 §5.3: the Path of a binding becomes Route and is the next hop;
 * RFC 5658: UDP in, TCP out gives two Record-Route values. */
Test(proxy, path_route_and_double_record_route, .init = setup, .fini = teardown)
{
    const sent *f;
    bind_("sip:bob@example.com", "sip:bob@10.0.0.5:5062", 1000,
          "<sip:192.0.2.50;transport=tcp;lr>", 0, 3600000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    f = last_to("192.0.2.50:5060", "INVITE");
    cr_assert_not_null(f);
    cr_assert_eq(f->to.tp, SIP_TP_TCP);
    cr_assert(strncmp(f->b, "INVITE sip:bob@10.0.0.5:5062 SIP/2.0\r\n"
                            "Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bK", 84) == 0, "%s", f->b);
    cr_assert_not_null(strstr(f->b, "\r\nRoute: <sip:192.0.2.50;transport=tcp;lr>\r\n"));
    cr_assert_not_null(strstr(f->b, "\r\nRecord-Route: <sip:192.0.2.10:5060;transport=tcp;lr>, "
                                    "<sip:192.0.2.10:5060;transport=udp;lr>\r\n"), "%s", f->b);
}

/* RFC 5626 §5.3: a binding with a flow and no Path is reached through
 * that flow. */
Test(proxy, outbound_flow, .init = setup, .fini = teardown)
{
    const sent *f;
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062;transport=tcp", 1000, NULL, 77, 3600000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    f = last_to(UAS1, "INVITE");
    cr_assert_not_null(f);
    cr_assert_eq(f->to.flow, 77);
}

/* §10.3 via the configured registrar, with §22.3 digest authentication
 * through sip_auth_server.h: 401 first, then the 200; an INVITE without
 * credentials gets 407. */
static void setup_auth(void) { setup_with(1, 1, 1); }
Test(proxy, register_with_401_then_200, .init = setup_auth, .fini = teardown)
{
    char reg1[2048], creds[1024], reg2[4096];
    const char *wa;
    sip_auth ch;
    sip_digest_input in;
    int n;
    snprintf(reg1, sizeof reg1,
             "REGISTER sip:example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bKreg1\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:alice@example.com>;tag=r1\r\n"
             "To: <sip:alice@example.com>\r\n"
             "Call-ID: reg1\r\n"
             "CSeq: 1 REGISTER\r\n"
             "Contact: <sip:alice@192.0.2.20:5062>\r\n"
             "Content-Length: 0\r\n\r\n");
    cr_assert_eq(recv_(reg1, SIP_TP_UDP, UAS1), 0);
    cr_assert_eq(ns, 1);
    cr_assert(strncmp(S[0].b, "SIP/2.0 401 ", 12) == 0, "%s", S[0].b);
    wa = strstr(S[0].b, "WWW-Authenticate: ");
    cr_assert_not_null(wa);
    wa += 18;
    {
        sip_str chs;
        chs.p = wa;
        chs.len = (size_t)(strchr(wa, '\r') - wa);
        cr_assert_eq(sip_auth_parse(chs, &ch), 0);
    }
    memset(&in, 0, sizeof in);
    in.alg = SIP_DIGEST_MD5;
    in.qop = SIP_QOP_AUTH;
    in.username = sip_str_c("alice");
    in.realm = sip_str_c("example.com");
    in.password = sip_str_c("secret");
    in.method = sip_str_c("REGISTER");
    in.uri = sip_str_c("sip:example.com");
    in.nonce = ch.nonce;
    in.cnonce = sip_str_c("cn");
    in.nc = sip_str_c("00000001");
    n = sip_digest_build_credentials(creds, sizeof creds - 1, &ch, &in, NULL);
    cr_assert_gt(n, 0);
    creds[n] = 0;
    snprintf(reg2, sizeof reg2,
             "REGISTER sip:example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bKreg2\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:alice@example.com>;tag=r1\r\n"
             "To: <sip:alice@example.com>\r\n"
             "Call-ID: reg1\r\n"
             "CSeq: 2 REGISTER\r\n"
             "Contact: <sip:alice@192.0.2.20:5062>\r\n"
             "Authorization: %s\r\n"
             "Content-Length: 0\r\n\r\n",
             creds);
    ns = 0;
    cr_assert_eq(recv_(reg2, SIP_TP_UDP, UAS1), 0);
    cr_assert_eq(ns, 1);
    cr_assert(strncmp(S[0].b, "SIP/2.0 200 ", 12) == 0, "%s", S[0].b);
    cr_assert_not_null(strstr(S[0].b, "Contact: <sip:alice@192.0.2.20:5062>;expires="));
    /* an INVITE without Proxy-Authorization: 407 */
    ns = 0;
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    cr_assert(strncmp(S[0].b, "SIP/2.0 407 ", 12) == 0, "%s", S[0].b);
    cr_assert_not_null(strstr(S[0].b, "\r\nProxy-Authenticate: Digest "));
}

/* Limits: one context at most gives 503 to the second request. */
Test(proxy, context_limit_503)
{
    sip_proxy_config c;
    sip_proxy_callbacks cb;
    const char *second;
    listen_[0].tp = SIP_TP_UDP;
    listen_[0].host = sip_str_c(PX);
    listen_[0].port = 5060;
    memset(&c, 0, sizeof c);
    c.listen = listen_;
    c.n_listen = 1;
    c.max_contexts = 1;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = t_send;
    cr_assert_eq(sip_proxy_init(&P, &c, &cb, NULL), 0);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0); /* not our domain: to example.com */
    second = "OPTIONS sip:x@192.0.2.99 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKlim2\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:alice@example.com>;tag=a1\r\n"
             "To: <sip:x@example.com>\r\n"
             "Call-ID: lim2\r\n"
             "CSeq: 1 OPTIONS\r\n\r\n";
    ns = 0;
    cr_assert_eq(recv_(second, SIP_TP_UDP, UAC), 0);
    cr_assert(strncmp(S[0].b, "SIP/2.0 503 ", 12) == 0, "%s", S[0].b);
    cr_assert_eq(sip_proxy_count(&P), 1);
    cr_assert_eq(sip_proxy_destroy(&P), 0);
    cr_assert_eq(P.bytes, 0);
    cr_assert_eq(sip_proxy_init(NULL, &c, &cb, NULL), SIP_PROXY_ERR_INVALID);
    c.timer_c_ms = 1000;
    cr_assert_eq(sip_proxy_init(&P, &c, &cb, NULL), SIP_PROXY_ERR_INVALID);
}

/* §16.7 item 2 / §17.2.1: a downstream 100 is not forwarded; the server
 * transaction sends its own 100 Trying once, 200 ms after the INVITE. */
Test(proxy, trying_once_not_forwarded, .init = setup, .fini = teardown)
{
    char r[2048];
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    resp(last_to(UAS1, "INVITE")->b, 100, NULL, NULL, r, sizeof r);
    cr_assert_eq(recv_(r, SIP_TP_UDP, UAS1), 0);
    cr_assert_eq(count_to(UAC, "SIP/2.0 100"), 0);
    run_to(now + 199000);
    cr_assert_eq(count_to(UAC, "SIP/2.0 100"), 0);
    run_to(now + 2000);
    cr_assert_eq(count_to(UAC, "SIP/2.0 100"), 1);
    cr_assert_not_null(strstr(last_to(UAC, "SIP/2.0 100")->b, "branch=z9hG4bKuac1;rport\r\n"));
    run_to(now + 10000000);
    cr_assert_eq(count_to(UAC, "SIP/2.0 100"), 1);
}

/* RFC 5393 §5.3.2: Max-Breadth 1 allows one parallel branch (which gets
 * Max-Breadth: 1); Max-Breadth 0 with two targets is 440. */
Test(proxy, max_breadth_limits_branches, .init = setup, .fini = teardown)
{
    char m[1024];
    const char *cl = strstr(invite_bob, "Content-Length");
    const sent *f;
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    bind_("sip:bob@example.com", "sip:bob@192.0.2.21:5062", 1000, NULL, 0, 3600000000ull);
    snprintf(m, sizeof m, "%.*sMax-Breadth: 1\r\n%s", (int)(cl - invite_bob), invite_bob, cl);
    cr_assert_eq(recv_(m, SIP_TP_UDP, UAC), 0);
    cr_assert_eq(count_to(UAS1, "INVITE") + count_to(UAS2, "INVITE"), 1);
    f = last_to(UAS1, "INVITE") ? last_to(UAS1, "INVITE") : last_to(UAS2, "INVITE");
    cr_assert_not_null(f);
    cr_assert_not_null(strstr(f->b, "\r\nMax-Breadth: 1\r\n"));
    cr_assert_null(strstr(strstr(f->b, "Max-Breadth") + 1, "Max-Breadth"), "one Max-Breadth only");
    ns = 0;
    snprintf(m, sizeof m, "%.*sMax-Breadth: 0\r\n%s", (int)(cl - invite_bob), invite_bob, cl);
    memcpy(strstr(m, "call1@"), "call2@", 6);
    memcpy(strstr(m, "uac1;"), "uac9;", 5);
    cr_assert_eq(recv_(m, SIP_TP_UDP, UAC), 0);
    cr_assert_eq(ns, 1);
    cr_assert(strncmp(S[0].b, "SIP/2.0 440 Max-Breadth Exceeded\r\n", 34) == 0, "%s", S[0].b);
}

/* An INVITE answered with credentials (RFC 3261 §22.3, RFC 7616 §3.4)
 * built from the proxy's 407 challenge goes through to the callee; the
 * same with a wrong password is challenged again (407) and not
 * forwarded. */
static int invite_with_creds(const char *password, const char *branch, unsigned cseq)
{
    char creds[1024], msg[4096];
    const char *pa;
    sip_auth ch;
    sip_digest_input in;
    sip_str chs;
    int n;
    ns = 0;
    cr_assert_eq(recv_(invite_bob, SIP_TP_UDP, UAC), 0);
    cr_assert(strncmp(S[0].b, "SIP/2.0 407 ", 12) == 0, "%s", S[0].b);
    pa = strstr(S[0].b, "\r\nProxy-Authenticate: ");
    cr_assert_not_null(pa);
    pa += 22;
    chs.p = pa;
    chs.len = (size_t)(strchr(pa, '\r') - pa);
    cr_assert_eq(sip_auth_parse(chs, &ch), 0);
    memset(&in, 0, sizeof in);
    in.alg = SIP_DIGEST_MD5;
    in.qop = SIP_QOP_AUTH;
    in.username = sip_str_c("alice");
    in.realm = sip_str_c("example.com");
    in.password = sip_str_c(password);
    in.method = sip_str_c("INVITE");
    in.uri = sip_str_c("sip:bob@example.com");
    in.nonce = ch.nonce;
    in.cnonce = sip_str_c("0a4f113b");
    in.nc = sip_str_c("00000001");
    n = sip_digest_build_credentials(creds, sizeof creds - 1, &ch, &in, NULL);
    cr_assert_gt(n, 0);
    creds[n] = 0;
    snprintf(msg, sizeof msg,
             "INVITE sip:bob@example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s;rport\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:alice@example.com>;tag=a1\r\n"
             "To: <sip:bob@example.com>\r\n"
             "Call-ID: call1@192.0.2.1\r\n"
             "CSeq: %u INVITE\r\n"
             "Contact: <sip:alice@192.0.2.1>\r\n"
             "Proxy-Authorization: %s\r\n"
             "Content-Length: 0\r\n\r\n",
             branch, cseq, creds);
    ns = 0;
    return recv_(msg, SIP_TP_UDP, UAC);
}

Test(proxy, invite_authenticated_rfc3261_22_3, .init = setup_auth, .fini = teardown)
{
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    cr_assert_eq(invite_with_creds("wrong", "z9hG4bKauth2", 2), 0);
    cr_assert_null(last_to(UAS1, "INVITE"), "a wrong password is not forwarded");
    cr_assert_not_null(last_to(UAC, "SIP/2.0 407 "));
    cr_assert_eq(invite_with_creds("secret", "z9hG4bKauth3", 3), 0);
    cr_assert_null(last_to(UAC, "SIP/2.0 407 "));
    cr_assert_not_null(last_to(UAS1, "INVITE sip:bob@192.0.2.20:5062 SIP/2.0\r\n"));
}

/* §16.3 item 1 (reasonable syntax): a request that fails sip_parse's
 * checks (CSeq method differing from the request method, RFC 3261 §8.1.1.5)
 * is answered 400 by the proxy's transaction layer and nothing is
 * forwarded. */
Test(proxy, bad_syntax_400_rfc3261_16_3, .init = setup, .fini = teardown)
{
    bind_("sip:bob@example.com", "sip:bob@192.0.2.20:5062", 1000, NULL, 0, 3600000000ull);
    ns = 0;
    static const char bad[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbad1\r\n"
                              "Max-Forwards: 70\r\n"
                              "From: <sip:alice@example.com>;tag=a1\r\n"
                              "To: <sip:bob@example.com>\r\n"
                              "Call-ID: bad1\r\n"
                              "CSeq: 1 BYE\r\n"
                              "Content-Length: 0\r\n\r\n";
    sip_parse_error pe;
    sip_target f = tgt(SIP_TP_UDP, UAC);
    char first[4096];
    cr_assert_lt(sip_proxy_receive(&P, bad, strlen(bad), &f, now, &pe), 0);
    cr_assert_eq(pe.status, 400);
    cr_assert_eq(ns, 1);
    cr_assert(is_to(&S[0], UAC));
    cr_assert(strncmp(S[0].b, "SIP/2.0 400 ", 12) == 0, "%s", S[0].b);
    cr_assert_not_null(strstr(S[0].b, "\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbad1\r\n"), "%s", S[0].b);
    cr_assert_not_null(strstr(S[0].b, "\r\nTo: <sip:bob@example.com>;tag="), "%s", S[0].b);
    cr_assert_not_null(strstr(S[0].b, "\r\nCSeq: 1 BYE\r\n"), "%s", S[0].b);
    cr_assert_null(last_to(UAS1, "INVITE"));
    /* the retransmission gets the same answer (§8.2.7: same To tag) */
    memcpy(first, S[0].b, S[0].n + 1);
    ns = 0;
    (void)recv_(bad, SIP_TP_UDP, UAC);
    cr_assert_eq(ns, 1);
    cr_assert_str_eq(S[0].b, first);
    /* an ACK is never answered */
    ns = 0;
    (void)recv_("ACK sip:bob@example.com SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbad2\r\n"
                "Max-Forwards: 70\r\n"
                "From: <sip:alice@example.com>;tag=a1\r\n"
                "To: <sip:bob@example.com>\r\n"
                "Call-ID: bad2\r\n"
                "CSeq: 1 BYE\r\n\r\n",
                SIP_TP_UDP, UAC);
    cr_assert_eq(ns, 0);
}
