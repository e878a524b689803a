/* bench_proxy.c - sip_proxy.h: whole calls through the proxy core.
 *
 * A scripted UAC and UAS (snprintf templates; the UAS answers with
 * sip_build_response from the request it got) talk to one sip_proxy over
 * an in-memory network on a virtual clock, over TCP (no retransmission
 * timers). Each call is INVITE / 200 / ACK (stateless, Route to the
 * proxy) / BYE / 200: two response contexts, four transactions and one
 * stateless ACK in the proxy, which record-routes and finds the callee in
 * the in-memory location service. One call per virtual millisecond, so in
 * steady state about 32,000 contexts are alive (RFC 6026 Timers L and M
 * keep INVITE transactions 64*T1 after the 2xx).
 * Prints one line per figure:
 *   calls/s (endpoints' message building included),
 *   bytes per response context (peak bytes through SIP_PROXY_MALLOC,
 *   contexts only, / peak live contexts), and bytes per live proxied
 *   transaction pair including the transaction layer.
 * Usage: bench_proxy [N]   (calls, default 200000). Instructions per call:
 *   valgrind --tool=callgrind build/bench/bench_proxy 20000 and divide.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t px_cur, px_peak, tx_cur, tx_peak;
static void *cnt_malloc(size_t n, size_t *cur, size_t *peak)
{
    size_t *p = (size_t *)malloc(n + 16);
    if (!p) return NULL;
    p[0] = n;
    *cur += n;
    if (*cur > *peak) *peak = *cur;
    return (char *)p + 16;
}
static void cnt_free(void *q, size_t *cur)
{
    size_t *p;
    if (!q) return;
    p = (size_t *)((char *)q - 16);
    *cur -= p[0];
    free(p);
}
#define SIP_PROXY_MALLOC(n) cnt_malloc(n, &px_cur, &px_peak)
#define SIP_PROXY_FREE(p) cnt_free(p, &px_cur)
#define SIP_TRANSACTION_MALLOC(n) cnt_malloc(n, &tx_cur, &tx_peak)
#define SIP_TRANSACTION_FREE(p) cnt_free(p, &tx_cur)
#define CVOIP_IMPLEMENTATION
#include "sip_proxy.h"

#define QN 16
typedef struct pkt {
    sip_target to;
    size_t len;
    char b[2048];
} pkt;
static pkt q[QN];
static unsigned qh, qt;
static sip_proxy P;
static sip_locmem lm;
static uint64_t now_us;
static sip_target uac, uas;
static unsigned long finals;

static int px_send(void *u, const sip_target *to, const uint8_t *m, size_t n)
{
    pkt *p = &q[qt++ % QN];
    (void)u;
    if (n > sizeof p->b || qt - qh > QN) abort();
    p->to = *to;
    p->len = n;
    memcpy(p->b, m, n);
    return 0;
}

static double secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void to_proxy(const char *m, size_t n, const sip_target *from)
{
    if (sip_proxy_receive(&P, m, n, from, now_us, NULL) != 0) abort();
}

/* Deliver what the proxy sent: requests reach the UAS, which answers 200;
 * responses reach the UAC, which counts finals. */
static void drain(void)
{
    while (qh != qt) {
        pkt *p = &q[qh++ % QN];
        if (p->to.remote.port == uas.remote.port) {
            sip_msg m;
            sip_hdr h[32];
            sip_parse_config pc;
            char out[2048];
            sip_str none = {NULL, 0}, tag = SIP_STR("uas1");
            sip_hdr_field f[1];
            int r;
            memset(&pc, 0, sizeof pc);
            if (sip_parse(p->b, p->len, &pc, &m, h, 32, NULL) <= 0) abort();
            if (m.method == SIP_METHOD_ACK) continue;
            f[0].name = sip_str_c("Contact");
            f[0].value = sip_str_c("<sip:bob@192.0.2.20:5062;transport=tcp>");
            r = sip_build_response(out, sizeof out, &m, 200, NULL, tag, f, 1, none, NULL);
            if (r < 0) abort();
            to_proxy(out, (size_t)r, &uas);
        } else if (p->len > 12 && memcmp(p->b, "SIP/2.0 200", 11) == 0) {
            finals++;
        }
    }
}

static void call(unsigned long i)
{
    char m[1200];
    int n;
    n = snprintf(m, sizeof m,
                 "INVITE sip:bob@example.com SIP/2.0\r\n"
                 "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKi%lu\r\n"
                 "Max-Forwards: 70\r\n"
                 "From: Alice <sip:alice@example.com>;tag=a%lu\r\n"
                 "To: Bob <sip:bob@example.com>\r\n"
                 "Call-ID: %lu@192.0.2.1\r\n"
                 "CSeq: 1 INVITE\r\n"
                 "Contact: <sip:alice@192.0.2.1;transport=tcp>\r\n"
                 "Content-Length: 0\r\n\r\n",
                 i, i, i);
    to_proxy(m, (size_t)n, &uac);
    drain();
    n = snprintf(m, sizeof m,
                 "ACK sip:bob@192.0.2.20:5062;transport=tcp SIP/2.0\r\n"
                 "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKa%lu\r\n"
                 "Route: <sip:192.0.2.10:5060;transport=tcp;lr>\r\n"
                 "Max-Forwards: 70\r\n"
                 "From: Alice <sip:alice@example.com>;tag=a%lu\r\n"
                 "To: Bob <sip:bob@example.com>;tag=uas1\r\n"
                 "Call-ID: %lu@192.0.2.1\r\n"
                 "CSeq: 1 ACK\r\n"
                 "Content-Length: 0\r\n\r\n",
                 i, i, i);
    to_proxy(m, (size_t)n, &uac);
    drain();
    n = snprintf(m, sizeof m,
                 "BYE sip:bob@192.0.2.20:5062;transport=tcp SIP/2.0\r\n"
                 "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKb%lu\r\n"
                 "Route: <sip:192.0.2.10:5060;transport=tcp;lr>\r\n"
                 "Max-Forwards: 70\r\n"
                 "From: Alice <sip:alice@example.com>;tag=a%lu\r\n"
                 "To: Bob <sip:bob@example.com>;tag=uas1\r\n"
                 "Call-ID: %lu@192.0.2.1\r\n"
                 "CSeq: 2 BYE\r\n"
                 "Content-Length: 0\r\n\r\n",
                 i, i, i);
    to_proxy(m, (size_t)n, &uac);
    drain();
}

int main(int argc, char **argv)
{
    static const char *const domains[] = {"example.com", NULL};
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000, i;
    sip_proxy_listen l[1];
    sip_proxy_config c;
    sip_proxy_callbacks cb;
    sip_tsx_config tc;
    sip_locmem_config lc;
    sip_binding b;
    uint32_t peak_ctx = 0;
    size_t ctx_peak_bytes, base;
    double t;
    memset(&lc, 0, sizeof lc);
    if (sip_locmem_init(&lm, &lc) != 0) return 1;
    memset(&b, 0, sizeof b);
    b.aor = sip_str_c("sip:bob@example.com");
    b.uri = sip_str_c("sip:bob@192.0.2.20:5062;transport=tcp");
    b.q = 1000;
    b.call_id = sip_str_c("r");
    b.expires_us = UINT64_MAX / 2;
    if (sip_locmem_ops()->save(&lm, &b, NULL, 0) < 0) return 1;
    l[0].tp = SIP_TP_TCP;
    l[0].host = sip_str_c("192.0.2.10");
    l[0].port = 5060;
    memset(&c, 0, sizeof c);
    c.listen = l;
    c.n_listen = 1;
    c.record_route = 1;
    c.domains = domains;
    c.location = sip_locmem_ops();
    c.location_store = &lm;
    c.max_contexts = 1u << 17;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = px_send;
    memset(&tc, 0, sizeof tc);
    tc.max_transactions = 1u << 20;
    tc.flags = SIP_TSX_F_NO_AUTO_TRYING;
    if (sip_proxy_init(&P, &c, &cb, &tc) != 0) return 1;
    memset(&uac, 0, sizeof uac);
    uac.tp = SIP_TP_TCP;
    uac.remote.family = 4;
    uac.remote.ip[0] = 192, uac.remote.ip[2] = 2, uac.remote.ip[3] = 1;
    uac.remote.port = 5060;
    uas = uac;
    uas.remote.ip[3] = 20;
    uas.remote.port = 5062;
    base = px_cur;
    now_us = 1;
    t = secs();
    for (i = 0; i < n; i++) {
        call(i);
        now_us += 1000;
        if (sip_proxy_next_deadline(&P) <= now_us) sip_proxy_on_timeout(&P, now_us);
        if (sip_proxy_count(&P) > peak_ctx) peak_ctx = sip_proxy_count(&P);
    }
    t = secs() - t;
    if (finals != 2 * n) {
        fprintf(stderr, "bench_proxy: %lu of %lu finals\n", finals, 2 * n);
        return 1;
    }
    ctx_peak_bytes = px_peak - base;
    printf("proxy: %.0f calls/s (INVITE/200/ACK/BYE/200 over TCP, record-routed, location lookup; endpoints included)\n",
           (double)n / t);
    printf("proxy: %.0f bytes per response context (proxy allocations, %u contexts at peak)\n",
           peak_ctx ? (double)ctx_peak_bytes / peak_ctx : 0.0, peak_ctx);
    printf("proxy: %.0f bytes per response context incl. its transactions (layer peak %zu bytes)\n",
           peak_ctx ? (double)(ctx_peak_bytes + tx_peak) / peak_ctx : 0.0, tx_peak);
    sip_proxy_destroy(&P);
    sip_locmem_free(&lm);
    return 0;
}
