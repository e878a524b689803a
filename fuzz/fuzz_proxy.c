/* fuzz_proxy.c - sip_proxy.h: the stateful proxy core over its
 * transaction layer.
 *
 * The input is a program. Byte 0 configures (bit 0: record-route, bits
 * 1-2: max contexts 1..4 x 2, bits 3-4: max branches 1..4, bit 5:
 * Path/flow on new bindings allowed). Then each operation is an opcode
 * byte and its arguments:
 *   op % 7 == 0: UAC request from a template: method (1), Request-URI (1),
 *                Call-ID index (1), Max-Forwards (1), extra header (1),
 *                transport (1)
 *             1: response from downstream to one of the last 8 requests
 *                the proxy sent (1), status (2 bytes -> 100..699), To tag
 *                (1), challenge header (1)
 *             2: time step (2 bytes, x 100 ms), then every deadline due
 *             3: raw message (1 length byte, then bytes) from the UAC
 *             4: new binding for bob: contact (1), q (1), Path (1), flow
 *                (1), lifetime (1, seconds x 10)
 *             5: loop back one of the last 8 sent messages to the proxy
 *             6: ACK for a 2xx from the UAC (Call-ID index, Route or not)
 * Checked: live contexts never exceed max_contexts, no context holds more
 * branches than max_branches, the deadline is after now once on_timeout
 * has run, and sip_proxy_destroy() frees every allocation of the proxy and
 * its transaction layer (counted through the MALLOC/FREE macros).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long fz_live;
static void *fz_malloc(size_t n)
{
    void *p = malloc(n);
    if (p) fz_live++;
    return p;
}
static void fz_free(void *p)
{
    if (p) fz_live--;
    free(p);
}
#define SIP_TRANSACTION_MALLOC(n) fz_malloc(n)
#define SIP_TRANSACTION_FREE(p) fz_free(p)
#define SIP_PROXY_MALLOC(n) fz_malloc(n)
#define SIP_PROXY_FREE(p) fz_free(p)
#define CVOIP_IMPLEMENTATION
#include "sip.h"
#include "sip_transport.h"
#include "sip_transaction.h"
#include "sip_registrar.h"
#include "sip_auth_server.h"
#include "sip_proxy.h"
#include "fuzz.h"

#define NQ 8

typedef struct fz {
    const uint8_t *d;
    size_t n, pos;
    uint64_t now;
    char q[NQ][4096];
    size_t qlen[NQ];
    sip_target qto[NQ];
    unsigned nq;
    int allow_path;
} fz;

static fz F;
static unsigned get8(void) { return F.pos < F.n ? F.d[F.pos++] : 0u; }
static unsigned get16(void)
{
    unsigned a = get8();
    return a << 8 | get8();
}

static int f_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    unsigned k = F.nq++ % NQ;
    (void)user;
    if (len >= sizeof F.q[0]) len = sizeof F.q[0] - 1;
    memcpy(F.q[k], msg, len);
    F.qlen[k] = len;
    F.qto[k] = *to;
    return 0;
}

static sip_target tgt(sip_tp tp, const char *a)
{
    sip_target t;
    memset(&t, 0, sizeof t);
    t.tp = tp;
    sip_ipaddr_parse(sip_str_c(a), &t.remote);
    return t;
}

static void deliver(sip_proxy *P, const char *m, size_t len, const sip_target *from)
{
    char *c = fuzz_dup(m, len);
    sip_proxy_receive(P, c, len, from, F.now, NULL);
    free(c);
}

static const char *const methods[] = {"INVITE", "OPTIONS", "BYE", "REGISTER", "CANCEL",
                                      "MESSAGE", "SUBSCRIBE", "FOO"};
static const char *const ruris[] = {
    "sip:bob@example.com", "sip:carol@192.0.2.30", "sip:192.0.2.10:5060;lr",
    "tel:+15551234", "sip:nobody@example.com", "sips:bob@example.com",
    "sip:bob@192.0.2.20:5062;transport=tcp", "sip:x@unresolvable.example.net"};
static const char *const extras[] = {
    "", "Proxy-Require: foo\r\n", "Proxy-Require: bar\r\n",
    "Route: <sip:192.0.2.10:5060;lr>\r\n",
    "Route: <sip:192.0.2.10:5060;lr>, <sip:192.0.2.40;lr>\r\n",
    "Route: <sip:192.0.2.40;lr>, <sip:carol@192.0.2.30>\r\n", "Max-Breadth: 0\r\n",
    "Max-Breadth: 1\r\n", "Max-Breadth: x\r\n",
    "Proxy-Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"00\", uri=\"sip:bob@example.com\", response=\"00\"\r\n"};
static const char *const contacts[] = {"sip:bob@192.0.2.20:5062", "sip:bob@192.0.2.21:5062",
                                       "sip:bob@192.0.2.10:5060", "sip:bob@host.invalid",
                                       "sip:bob@192.0.2.22;transport=tcp", "tel:+1"};
static const char *const paths[] = {"<sip:192.0.2.50;lr>", "<sip:192.0.2.50;transport=tcp;lr>, <sip:192.0.2.51;lr>",
                                    "garbage<", "<sip:192.0.2.10:5060;lr>"};

static void uac_request(sip_proxy *P)
{
    char m[2048];
    unsigned mi = get8() % 8, ri = get8() % 8, ci = get8() % 4, mf = get8(), xi = get8() % 10;
    unsigned tp = get8() & 1;
    sip_target from = tgt(tp ? SIP_TP_TCP : SIP_TP_UDP, "192.0.2.1:5060");
    int n = snprintf(m, sizeof m,
                     "%s %s SIP/2.0\r\n"
                     "Via: SIP/2.0/%s 192.0.2.1:5060;branch=z9hG4bKf%u%u;rport\r\n"
                     "Max-Forwards: %u\r\n"
                     "From: <sip:alice@example.com>;tag=a%u\r\n"
                     "To: <sip:bob@example.com>\r\n"
                     "Call-ID: c%u\r\n"
                     "CSeq: %u %s\r\n"
                     "Contact: <sip:alice@192.0.2.1>\r\n"
                     "%s"
                     "Content-Length: 0\r\n\r\n",
                     methods[mi], ruris[ri], tp ? "TCP" : "UDP", ci, mi == 4 ? 0u : (unsigned)F.pos,
                     mf % 8 == 0 ? 0u : mf, ci, ci, 1 + (mi == 4 ? 0 : mi), methods[mi],
                     extras[xi]);
    if (mi == 4) { /* CANCEL: same branch and CSeq number as the INVITE */
        n = snprintf(m, sizeof m,
                     "CANCEL %s SIP/2.0\r\n"
                     "Via: SIP/2.0/%s 192.0.2.1:5060;branch=z9hG4bKf%u%u;rport\r\n"
                     "Max-Forwards: 70\r\n"
                     "From: <sip:alice@example.com>;tag=a%u\r\n"
                     "To: <sip:bob@example.com>\r\n"
                     "Call-ID: c%u\r\n"
                     "CSeq: 1 CANCEL\r\n"
                     "Content-Length: 0\r\n\r\n",
                     ruris[ri], tp ? "TCP" : "UDP", ci, 0u, ci, ci);
    }
    if (n > 0 && (size_t)n < sizeof m) deliver(P, m, (size_t)n, &from);
}

static void downstream_response(sip_proxy *P)
{
    unsigned k = get8() % NQ, st = 100 + get16() % 600, tag = get8(), ch = get8() % 3;
    char req[4096], out[6144];
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    sip_parse_config pc;
    sip_hdr_field f[1];
    char tagb[8];
    int r;
    if (!F.qlen[k]) return;
    memcpy(req, F.q[k], F.qlen[k]);
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    if (sip_parse(req, F.qlen[k], &pc, &m, h, SIP_TSX_MAX_HEADERS, NULL) <= 0 || !m.is_request)
        return;
    snprintf(tagb, sizeof tagb, "t%u", tag);
    f[0].name = sip_str_c(ch == 1 ? "WWW-Authenticate" : "Proxy-Authenticate");
    f[0].value = sip_str_c("Digest realm=\"r\", nonce=\"n\"");
    r = sip_build_response(out, sizeof out, &m, (int)st, NULL, sip_str_c(tagb), f, ch ? 1 : 0,
                           sip_str_c(""), NULL);
    if (r > 0) {
        sip_target from = F.qto[k];
        deliver(P, out, (size_t)r, &from);
    }
}

static void add_binding(sip_locmem *lm)
{
    sip_binding b;
    unsigned ci = get8() % 6, q = get8(), pi = get8() % 5, fl = get8(), life = get8();
    memset(&b, 0, sizeof b);
    b.aor = sip_str_c("sip:bob@example.com");
    b.uri = sip_str_c(contacts[ci]);
    b.q = (uint16_t)(q * 4 > 1000 ? 1000 : q * 4);
    if (F.allow_path && pi < 4) b.path = sip_str_c(paths[pi]);
    b.flow = F.allow_path ? fl % 4 : 0;
    b.call_id = sip_str_c("r");
    b.expires_us = F.now + (uint64_t)life * 10000000u;
    sip_locmem_ops()->save(lm, &b, NULL, F.now);
}

static void ack2xx(sip_proxy *P)
{
    char m[1024];
    unsigned ci = get8() % 4, rt = get8() & 1;
    sip_target from = tgt(SIP_TP_UDP, "192.0.2.1:5060");
    int n = snprintf(m, sizeof m,
                     "ACK sip:bob@192.0.2.20:5062 SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKack%u\r\n"
                     "%s"
                     "Max-Forwards: 70\r\n"
                     "From: <sip:alice@example.com>;tag=a%u\r\n"
                     "To: <sip:bob@example.com>;tag=t1\r\n"
                     "Call-ID: c%u\r\n"
                     "CSeq: 1 ACK\r\n"
                     "Content-Length: 0\r\n\r\n",
                     (unsigned)F.pos, rt ? "Route: <sip:192.0.2.10:5060;lr>\r\n" : "", ci, ci);
    if (n > 0 && (size_t)n < sizeof m) deliver(P, m, (size_t)n, &from);
}

static void check(sip_proxy *P)
{
    uint32_t i, live = 0;
    FUZZ_CHECK(sip_proxy_count(P) <= P->cfg.max_contexts);
    for (i = 0; i < P->cfg.max_contexts; i++) {
        if (!P->ctx[i]) continue;
        live++;
        FUZZ_CHECK(P->ctx[i]->n_branch <= P->cfg.max_branches);
    }
    FUZZ_CHECK(live == sip_proxy_count(P));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const domains[] = {"example.com", NULL};
    static const char *const supported[] = {"foo", NULL};
    sip_proxy P;
    sip_proxy_config c;
    sip_proxy_callbacks cb;
    sip_proxy_listen l[2];
    sip_locmem lm;
    sip_locmem_config lc;
    unsigned cfgb, steps = 0;
    if (size < 1) return 0;
    memset(&F, 0, sizeof F);
    F.d = data;
    F.n = size;
    F.now = 1000000;
    cfgb = get8();
    F.allow_path = (cfgb >> 5) & 1;
    memset(&lc, 0, sizeof lc);
    lc.buckets = 16;
    if (sip_locmem_init(&lm, &lc) != 0) return 0;
    l[0].tp = SIP_TP_UDP;
    l[0].host = sip_str_c("192.0.2.10");
    l[0].port = 5060;
    l[1].tp = SIP_TP_TCP;
    l[1].host = sip_str_c("192.0.2.10");
    l[1].port = 5060;
    memset(&c, 0, sizeof c);
    c.listen = l;
    c.n_listen = 2;
    c.record_route = cfgb & 1;
    c.domains = domains;
    c.supported = supported;
    c.location = sip_locmem_ops();
    c.location_store = &lm;
    c.max_contexts = 2 * (1 + ((cfgb >> 1) & 3));
    c.max_branches = 1 + ((cfgb >> 3) & 3);
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = f_send;
    if (sip_proxy_init(&P, &c, &cb, NULL) != 0) {
        sip_locmem_free(&lm);
        return 0;
    }
    while (F.pos < F.n && steps++ < 200) {
        unsigned op = get8() % 7;
        switch (op) {
        case 0: uac_request(&P); break;
        case 1: downstream_response(&P); break;
        case 2: {
            uint64_t to = F.now + (uint64_t)get16() * 100000u;
            for (;;) {
                uint64_t d = sip_proxy_next_deadline(&P);
                if (d > to) break;
                F.now = d > F.now ? d : F.now;
                FUZZ_CHECK(sip_proxy_on_timeout(&P, F.now) >= 0);
                FUZZ_CHECK(sip_proxy_next_deadline(&P) > F.now);
            }
            F.now = to;
            break;
        }
        case 3: {
            unsigned len = get8();
            sip_target from = tgt(SIP_TP_UDP, "192.0.2.1:5060");
            if (len > F.n - F.pos) len = (unsigned)(F.n - F.pos);
            deliver(&P, (const char *)F.d + F.pos, len, &from);
            F.pos += len;
            break;
        }
        case 4: add_binding(&lm); break;
        case 5: {
            unsigned k = get8() % NQ;
            if (F.qlen[k]) {
                char tmp[4096];
                sip_target from = F.qto[k];
                size_t len = F.qlen[k];
                memcpy(tmp, F.q[k], len);
                deliver(&P, tmp, len, &from);
            }
            break;
        }
        case 6: ack2xx(&P); break;
        }
        check(&P);
    }
    FUZZ_CHECK(sip_proxy_destroy(&P) == 0);
    FUZZ_CHECK(P.bytes == 0);
    FUZZ_CHECK(fz_live == 0);
    sip_locmem_free(&lm);
    return 0;
}
