/* bench_tsx.c - sip_transaction.h: a client and a server transaction
 * layer back to back over an in-memory network (the send callback of one
 * queues the bytes for the other; each delivery is parsed by
 * sip_tsx_receive). Every request is built with sip_build_request and
 * every response with sip_build_response, so parse and build costs are in
 * the figures. Prints one line per figure:
 *   non-INVITE transactions/s over TCP (Timers J, K = 0) and over UDP
 *   (Timers J = 32 s, K = 5 s on a virtual clock, 1 transaction per
 *   virtual ms: about 37,000 live transactions in steady state),
 *   INVITE/200/ACK transactions/s over TCP (the 2xx ACK goes as a stray
 *   ACK, as RFC 6026 has it; 1 per virtual ms, as L and M last 32 s), the parse+build cost alone for comparison,
 *   and bytes per live transaction (peak bytes allocated through
 *   SIP_TRANSACTION_MALLOC / peak live transactions, UDP run).
 * Usage: bench_tsx [N [tcp|base]]   (N transactions per timed run, default
 * 500000; "tcp" or "base" runs only that figure, for callgrind: the
 * difference of two N gives instructions per transaction)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t mem_cur, mem_peak;
static void *b_malloc(size_t n)
{
    size_t *p = (size_t *)malloc(n + 16);
    if (!p) return NULL;
    p[0] = n;
    mem_cur += n;
    if (mem_cur > mem_peak) mem_peak = mem_cur;
    return (char *)p + 16;
}
static void b_free(void *q)
{
    size_t *p;
    if (!q) return;
    p = (size_t *)((char *)q - 16);
    mem_cur -= p[0];
    free(p);
}
#define SIP_TRANSACTION_MALLOC(n) b_malloc(n)
#define SIP_TRANSACTION_FREE(p) b_free(p)
#define CVOIP_IMPLEMENTATION
#include "sip_transaction.h"

#define QN 64
typedef struct pkt {
    int to_server;
    size_t len;
    char b[1400];
} pkt;

static pkt q[QN];
static unsigned q_head, q_tail;
static sip_tsx_layer C, S;
static uint64_t now_us;
static int tcp, invite;
static unsigned long done, seq;
static sip_target to_srv, to_cli;

static int push(int to_server, const uint8_t *m, size_t n)
{
    pkt *p = &q[q_tail++ % QN];
    if (n > sizeof p->b || q_tail - q_head > QN) abort();
    p->to_server = to_server;
    p->len = n;
    memcpy(p->b, m, n);
    return 0;
}

static int c_send(void *u, const sip_target *to, const uint8_t *m, size_t n)
{
    (void)u, (void)to;
    return push(1, m, n);
}

static int s_send(void *u, const sip_target *to, const uint8_t *m, size_t n)
{
    (void)u, (void)to;
    return push(0, m, n);
}

/* The server TU answers every request at once: 200 built from the request. */
static void s_event(void *u, const sip_tsx_event *ev)
{
    char out[1400];
    sip_str tag = SIP_STR("s1"), none = {NULL, 0};
    int n;
    (void)u;
    if (ev->type != SIP_TSX_EV_REQUEST) return;
    n = sip_build_response(out, sizeof out, ev->msg, 200, NULL, tag, NULL, 0, none, NULL);
    if (n < 0 || sip_tsx_respond(&S, ev->id, out, (size_t)n, now_us) != 0) abort();
}

static int build_req(char *out, size_t cap, const char *method, unsigned long n, int ack)
{
    char via[96], cseq[32];
    sip_hdr_field h[7];
    sip_str m = sip_str_c(method), ruri = SIP_STR("sip:bob@biloxi.example.com"), none = {NULL, 0};
    snprintf(via, sizeof via, "SIP/2.0/%s pc33.atlanta.example.com;branch=z9hG4bK%lx%s",
             tcp ? "TCP" : "UDP", n, ack ? "a" : "");
    snprintf(cseq, sizeof cseq, "%lu %s", n % 100000u + 1u, method);
    h[0].name = sip_str_c("Via"), h[0].value = sip_str_c(via);
    h[1].name = sip_str_c("Max-Forwards"), h[1].value = sip_str_c("70");
    h[2].name = sip_str_c("To"), h[2].value = sip_str_c(ack ? "Bob <sip:bob@biloxi.example.com>;tag=s1"
                                                                : "Bob <sip:bob@biloxi.example.com>");
    h[3].name = sip_str_c("From"), h[3].value = sip_str_c("Alice <sip:alice@atlanta.example.com>;tag=1928301774");
    h[4].name = sip_str_c("Call-ID"), h[4].value = sip_str_c("a84b4c76e66710@pc33.atlanta.example.com");
    h[5].name = sip_str_c("CSeq"), h[5].value = sip_str_c(cseq);
    h[6].name = sip_str_c("Contact"), h[6].value = sip_str_c("<sip:alice@pc33.atlanta.example.com>");
    return sip_build_request(out, cap, m, ruri, h, 7, none, NULL);
}

/* The client TU: counts finals; ACKs a 2xx to INVITE itself (§13.2.2.4). */
static void c_event(void *u, const sip_tsx_event *ev)
{
    (void)u;
    if (ev->type == SIP_TSX_EV_RESPONSE && ev->msg->status >= 200) {
        done++;
        if (ev->kind == SIP_TSX_ICT) {
            char ack[1400];
            int n = build_req(ack, sizeof ack, "ACK", seq, 1);
            if (n < 0) abort();
            push(1, (const uint8_t *)ack, (size_t)n);
        }
    }
}

static void drain(void)
{
    while (q_head != q_tail) {
        pkt *p = &q[q_head % QN];
        int r = sip_tsx_receive(p->to_server ? &S : &C, p->b, p->len,
                                p->to_server ? &to_cli : &to_srv, now_us, NULL);
        q_head++;
        if (r != 0) abort();
    }
}

static double secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void setup(void)
{
    sip_tsx_callbacks cb;
    sip_tsx_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_transactions = 1u << 20;
    cfg.flags = SIP_TSX_F_NO_AUTO_TRYING;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = c_send;
    cb.on_event = c_event;
    if (sip_tsx_layer_init(&C, &cfg, &cb) != 0) abort();
    cb.send = s_send;
    cb.on_event = s_event;
    if (sip_tsx_layer_init(&S, &cfg, &cb) != 0) abort();
    memset(&to_srv, 0, sizeof to_srv);
    to_srv.tp = tcp ? SIP_TP_TCP : SIP_TP_UDP;
    to_srv.remote.family = 4;
    to_srv.remote.port = 5060;
    to_cli = to_srv;
    to_cli.remote.port = 5062;
}

/* n transactions; step_us of virtual time between them. Returns tps. */
static double run(unsigned long n, uint64_t step_us, size_t *peak_live)
{
    unsigned long i;
    double t0;
    char req[1400];
    size_t live_max = 0;
    setup();
    done = 0;
    now_us = 1;
    mem_peak = mem_cur;
    t0 = secs();
    for (i = 0; i < n; i++) {
        int len;
        size_t live;
        seq = i;
        len = build_req(req, sizeof req, invite ? "INVITE" : "OPTIONS", i, 0);
        if (len < 0 || sip_tsx_request(&C, req, (size_t)len, &to_srv, 1, NULL, now_us, NULL) != 0) abort();
        drain();
        now_us += step_us;
        if (sip_tsx_next_deadline(&C) <= now_us) sip_tsx_on_timeout(&C, now_us);
        if (sip_tsx_next_deadline(&S) <= now_us) sip_tsx_on_timeout(&S, now_us);
        live = sip_tsx_count(&C) + sip_tsx_count(&S);
        if (live > live_max) live_max = live;
    }
    t0 = secs() - t0;
    if (done != n) {
        fprintf(stderr, "bench_tsx: %lu of %lu completed\n", done, n);
        abort();
    }
    if (peak_live) *peak_live = live_max;
    sip_tsx_layer_destroy(&C);
    sip_tsx_layer_destroy(&S);
    return (double)n / t0;
}

/* The same messages parsed and built without the layers. */
static double baseline(unsigned long n)
{
    unsigned long i;
    double t0 = secs();
    char req[1400], resp[1400];
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    sip_parse_config pc;
    sip_str tag = SIP_STR("s1"), none = {NULL, 0};
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    for (i = 0; i < n; i++) {
        int len = build_req(req, sizeof req, "OPTIONS", i, 0), rl;
        if (sip_parse(req, (size_t)len, &pc, &m, h, SIP_TSX_MAX_HEADERS, NULL) < 0) abort();
        rl = sip_build_response(resp, sizeof resp, &m, 200, NULL, tag, NULL, 0, none, NULL);
        if (sip_parse(resp, (size_t)rl, &pc, &m, h, SIP_TSX_MAX_HEADERS, NULL) < 0) abort();
    }
    return (double)n / (secs() - t0);
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 500000;
    size_t live = 0, base;
    double r;
    if (argc > 2 && strcmp(argv[2], "tcp") == 0) { /* for callgrind: one figure only */
        tcp = 1;
        printf("tsx non-INVITE over TCP: %.0f transactions/s\n", run(n, 0, NULL));
        return 0;
    }
    if (argc > 2 && strcmp(argv[2], "base") == 0) {
        printf("tsx baseline: %.0f pairs/s\n", baseline(n));
        return 0;
    }
    tcp = 1, invite = 0;
    run(n / 10, 0, NULL); /* warm-up */
    r = run(n, 0, NULL);
    printf("tsx non-INVITE over TCP: %.0f transactions/s (request -> 200, parse and build included)\n", r);
    tcp = 0;
    base = mem_cur;
    r = run(n, 1000, &live);
    printf("tsx non-INVITE over UDP: %.0f transactions/s (virtual clock, 1 per ms: J and K running, %zu live at peak)\n", r, live);
    printf("tsx memory: %.0f bytes per live transaction (peak %zu bytes / %zu live, UDP non-INVITE steady state)\n",
           (double)(mem_peak - base) / (double)(live ? live : 1), mem_peak - base, live);
    tcp = 1, invite = 1;
    r = run(n, 1000, NULL);
    printf("tsx INVITE/200/ACK over TCP: %.0f transactions/s (virtual clock, 1 per ms: Timers L and M running)\n", r);
    printf("tsx baseline: %.0f request+response parse/build pairs/s without the layer (same messages)\n", baseline(n));
    return 0;
}
