/* fuzz_tsx.c - sip_transaction.h: the four machines, matching, timers.
 *
 * A stateful target: one layer acts as client and server at once, and the
 * input is a program of operations on it. Byte 0 configures (bit 0: the
 * peer is on TCP, bit 1: the client targets are TCP, bits 2-4: the limit
 * of live transactions 1..8 x 4, bit 5: no automatic 100 Trying). Then
 * each operation is an opcode byte and its arguments:
 *   op % 10 == 0: client request: template (1 byte), branch (1), targets 1-2
 *             1: request from the peer: template (1), branch (1; < 16: no
 *                magic cookie), To tag (1; 0: none), sent-by (1)
 *             2: response from the peer: template (1), branch (1), status
 *                (2 bytes -> 100..699), To tag (1)
 *             3: time step (2 bytes, ms), then on_timeout at min(deadline, now)
 *             4: TU reply on a recorded id (1) with status (2 bytes)
 *             5: raw message (1 length byte, then bytes), received and
 *                also started as a client request
 *             6: cancel (client id) / answer_cancel / terminate, by 1 byte
 *             7: toggle send failures
 *             8: deliver a message the layer sent (1 byte: which of the
 *                last 8) back to itself (loopback: client meets server)
 *             9: TU answers new requests from the event itself (status, 2)
 * Checked: the table never holds more than its limit; the deadline is
 * after now once on_timeout has run; every allocation is freed by
 * sip_tsx_layer_destroy (counted through SIP_TRANSACTION_MALLOC/FREE, and
 * ASan checks the rest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long fz_live_allocs;
static void *fz_malloc(size_t n)
{
    void *p = malloc(n);
    if (p) fz_live_allocs++;
    return p;
}
static void fz_free(void *p)
{
    if (p) fz_live_allocs--;
    free(p);
}
#define SIP_TRANSACTION_MALLOC(n) fz_malloc(n)
#define SIP_TRANSACTION_FREE(p) fz_free(p)
#define CVOIP_IMPLEMENTATION
#include "sip.h"
#include "sip_transport.h"
#include "sip_transaction.h"
#include "fuzz.h"

#define NIDS 16
#define NQ 8

typedef struct fz {
    sip_tsx_layer L;
    const uint8_t *d;
    size_t n, pos;
    uint64_t now;
    int fail;
    int auto_status;
    sip_tsx_id ids[NIDS];
    unsigned nid;
    char q[NQ][1500];
    size_t qlen[NQ];
    unsigned nq;
    uint8_t rnd;
    int client_tcp, peer_tcp;
} fz;

static unsigned get8(fz *f) { return f->pos < f->n ? f->d[f->pos++] : 0u; }
static unsigned get16(fz *f)
{
    unsigned a = get8(f);
    return a << 8 | get8(f);
}

static void remember(fz *f, sip_tsx_id id)
{
    if (id) f->ids[f->nid++ % NIDS] = id;
}

static int f_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    fz *f = (fz *)user;
    unsigned k = f->nq++ % NQ;
    FUZZ_CHECK(to != NULL && len > 0);
    if (len > sizeof f->q[k]) len = sizeof f->q[k];
    memcpy(f->q[k], msg, len);
    f->qlen[k] = len;
    return f->fail ? -7 : 0;
}

static void f_event(void *user, const sip_tsx_event *ev)
{
    fz *f = (fz *)user;
    FUZZ_CHECK(ev->type >= SIP_TSX_EV_REQUEST && ev->type <= SIP_TSX_EV_TERMINATED);
    if (ev->type == SIP_TSX_EV_TERMINATED) {
        FUZZ_CHECK(sip_tsx_state_of(&f->L, ev->id) == SIP_TSX_ERR_STALE);
        return;
    }
    if (ev->id) FUZZ_CHECK(sip_tsx_state_of(&f->L, ev->id) > 0);
    if (ev->type == SIP_TSX_EV_REQUEST) {
        remember(f, ev->id);
        if (ev->cancelled) remember(f, ev->cancelled);
        if (f->auto_status) {
            sip_str tag = SIP_STR("fz"), none = {NULL, 0};
            sip_tsx_reply(&f->L, ev->id, f->auto_status, NULL, tag, NULL, 0, none, f->now);
        }
    }
    FUZZ_CHECK(sip_tsx_count(&f->L) <= f->L.cfg.max_transactions);
}

static int f_rand(void *user, uint8_t *buf, size_t n)
{
    fz *f = (fz *)user;
    size_t i;
    for (i = 0; i < n; i++) buf[i] = f->rnd++;
    return 0;
}

static const char *const methods[] = {"INVITE", "OPTIONS", "BYE", "ACK", "CANCEL", "FOO"};

static size_t mkreq(char *out, size_t cap, unsigned tmpl, unsigned br, unsigned totag, unsigned sentby)
{
    const char *m = methods[tmpl % 6];
    char branch[40], tt[24];
    int n;
    if (br < 16) snprintf(branch, sizeof branch, "old%u", br);
    else snprintf(branch, sizeof branch, "z9hG4bK%u", br);
    tt[0] = 0;
    if (totag) snprintf(tt, sizeof tt, ";tag=t%u", totag);
    n = snprintf(out, cap,
                 "%s sip:bob@example.com SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP h%u.example.com;branch=%s\r\n"
                 "Max-Forwards: 70\r\n"
                 "To: <sip:bob@example.com>%s\r\n"
                 "From: <sip:alice@example.com>;tag=f1\r\n"
                 "Call-ID: c%u\r\n"
                 "CSeq: %u %s\r\n"
                 "Content-Length: 0\r\n\r\n",
                 m, sentby % 4, branch, tt, br % 3, 1 + br % 2, m);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void op_response(fz *f, const sip_target *peer)
{
    char req[1024], resp[1500];
    unsigned tmpl = get8(f), br = get8(f), st = 100 + get16(f) % 600, tag = get8(f);
    size_t n = mkreq(req, sizeof req, tmpl, br | 16, 0, 0);
    sip_msg m;
    sip_hdr h[32];
    sip_parse_config pc;
    char tg[16];
    sip_str tags;
    int r;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    if (!n || sip_parse(req, n, &pc, &m, h, 32, NULL) <= 0) return;
    snprintf(tg, sizeof tg, "r%u", tag);
    tags = sip_str_c(tg);
    r = sip_build_response(resp, sizeof resp, &m, (int)st, NULL, tags, NULL, 0, tags, NULL);
    if (r > 0) sip_tsx_receive(&f->L, resp, (size_t)r, peer, f->now, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fz F;
    fz *f = &F;
    sip_tsx_callbacks cb;
    sip_tsx_config cfg;
    sip_target peer, tg[2];
    unsigned c;
    memset(f, 0, sizeof *f);
    fz_live_allocs = 0;
    f->d = data;
    f->n = size;
    c = get8(f);
    f->peer_tcp = c & 1;
    f->client_tcp = (c >> 1) & 1;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_transactions = 4u * (1u + ((c >> 2) & 7u));
    if (c & 32) cfg.flags = SIP_TSX_F_NO_AUTO_TRYING;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.user = f;
    cb.send = f_send;
    cb.on_event = f_event;
    cb.rand = f_rand;
    if (sip_tsx_layer_init(&f->L, &cfg, &cb) != 0) return 0;
    memset(&peer, 0, sizeof peer);
    peer.tp = f->peer_tcp ? SIP_TP_TCP : SIP_TP_UDP;
    peer.remote.family = 4;
    peer.remote.port = 5060;
    tg[0] = peer;
    tg[0].tp = f->client_tcp ? SIP_TP_TCP : SIP_TP_UDP;
    tg[1] = tg[0];
    tg[1].remote.port = 5070;
    while (f->pos < f->n) {
        unsigned op = get8(f) % 10;
        char buf[1500];
        size_t n;
        switch (op) {
        case 0: {
            unsigned tmpl = get8(f), br = get8(f) | 16, nt = 1 + get8(f) % 2;
            sip_tsx_id id = 0;
            n = mkreq(buf, sizeof buf, tmpl, br, 0, 0);
            if (n) sip_tsx_request(&f->L, buf, n, tg, nt, NULL, f->now, &id);
            remember(f, id);
            break;
        }
        case 1: {
            unsigned tmpl = get8(f), br = get8(f), tt = get8(f), sb = get8(f);
            n = mkreq(buf, sizeof buf, tmpl, br, tt, sb);
            if (n) sip_tsx_receive(&f->L, buf, n, &peer, f->now, NULL);
            break;
        }
        case 2:
            op_response(f, &peer);
            break;
        case 3: {
            uint64_t d;
            int r;
            f->now += (uint64_t)get16(f) * 1000u;
            d = sip_tsx_next_deadline(&f->L);
            r = sip_tsx_on_timeout(&f->L, d < f->now ? d : f->now);
            FUZZ_CHECK(r >= 0);
            r = sip_tsx_on_timeout(&f->L, f->now);
            FUZZ_CHECK(r >= 0);
            FUZZ_CHECK(sip_tsx_next_deadline(&f->L) > f->now);
            break;
        }
        case 4: {
            sip_tsx_id id = f->ids[get8(f) % NIDS];
            int st = 100 + (int)(get16(f) % 600);
            sip_str tag = SIP_STR("fz"), none = {NULL, 0};
            int r = sip_tsx_reply(&f->L, id, st, NULL, tag, NULL, 0, none, f->now);
            FUZZ_CHECK(r <= 0);
            break;
        }
        case 5: {
            size_t len = get8(f);
            if (len > f->n - f->pos) len = f->n - f->pos;
            {
                char *p = fuzz_dup(f->d + f->pos, len);
                sip_tsx_id id = 0;
                sip_tsx_receive(&f->L, p, len, &peer, f->now, NULL);
                /* the same bytes as a TU request (the fast scan path) */
                if (sip_tsx_request(&f->L, p, len, tg, 1, NULL, f->now, &id) == 0) remember(f, id);
                free(p);
            }
            f->pos += len;
            break;
        }
        case 6: {
            unsigned k = get8(f);
            sip_tsx_id id = f->ids[(k >> 2) % NIDS], out = 0;
            sip_str tag = SIP_STR("fz");
            if ((k & 3) == 0) {
                if (sip_tsx_cancel(&f->L, id, NULL, f->now, &out) == 0) remember(f, out);
            } else if ((k & 3) == 1) {
                sip_tsx_answer_cancel(&f->L, id, tag, f->now);
            } else if ((k & 3) == 2) {
                sip_tsx_terminate(&f->L, id);
            } else {
                FUZZ_CHECK(sip_tsx_state_of(&f->L, id) != 0);
            }
            break;
        }
        case 7:
            f->fail = !f->fail;
            break;
        case 8: {
            unsigned k = get8(f) % NQ;
            if (f->qlen[k]) {
                char *p = fuzz_dup(f->q[k], f->qlen[k]);
                size_t len = f->qlen[k];
                sip_tsx_receive(&f->L, p, len, &peer, f->now, NULL);
                free(p);
            }
            break;
        }
        default:
            f->auto_status = (int)(get16(f) % 700);
            if (f->auto_status < 100) f->auto_status = 0;
            break;
        }
        FUZZ_CHECK(sip_tsx_count(&f->L) <= f->L.cfg.max_transactions);
    }
    FUZZ_CHECK(sip_tsx_layer_destroy(&f->L) == 0);
    FUZZ_CHECK(fz_live_allocs == 0);
    return 0;
}
