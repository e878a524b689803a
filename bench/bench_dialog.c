/* bench_dialog.c - sip_dialog.h: memory per confirmed call and calls per
 * second between two UA cores back to back (each with its own transaction
 * layer), on an in-memory UDP network with a virtual clock.
 *
 *   gcc -std=c99 -O2 -I. bench/bench_dialog.c -o build/bench_dialog && build/bench_dialog [N]
 *
 * Memory is what the UA core allocates through SIP_DIALOG_MALLOC (call,
 * dialog and its strings), per confirmed call, counted on both sides with
 * N calls up at once; the transaction layer's memory is reported apart
 * (SIP_TRANSACTION_MALLOC; it drains once Timers L/M/K run out). Calls per
 * second: INVITE/180/200/ACK then BYE/200, one call after the other,
 * parse and build included.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t ua_bytes, tsx_bytes;
static void *cnt_malloc(size_t n, size_t *acc)
{
    size_t *p = (size_t *)malloc(n + sizeof(size_t) * 2);
    if (!p) return NULL;
    p[0] = n;
    *acc += n;
    return p + 2;
}
static void cnt_free(void *q, size_t *acc)
{
    size_t *p;
    if (!q) return;
    p = (size_t *)q - 2;
    *acc -= p[0];
    free(p);
}
#define SIP_DIALOG_MALLOC(n) cnt_malloc((n), &ua_bytes)
#define SIP_DIALOG_FREE(p) cnt_free((p), &ua_bytes)
#define SIP_TRANSACTION_MALLOC(n) cnt_malloc((n), &tsx_bytes)
#define SIP_TRANSACTION_FREE(p) cnt_free((p), &tsx_bytes)
#define CVOIP_IMPLEMENTATION
#include "sip.h"
#include "sip_transport.h"
#include "sip_transaction.h"
#include "sdp.h"
#include "sip_dialog.h"

#define QN 64

typedef struct pkt { int to; size_t n; char b[2048]; } pkt;

typedef struct node {
    sip_ua ua;
    sdp_local local;
    sip_ipaddr addr;
    uint32_t rng;
    sip_ua_call last;
    int answer;
    unsigned long confirmed, ended;
} node;

static node nodes[2];
static int ext; /* RFC 3262 required + RFC 4028 session timers on both */
static pkt q[QN];
static int qh, qt;
static uint64_t now;

static int b_send(void *user, const sip_target *to, const uint8_t *m, size_t n)
{
    pkt *p;
    (void)user;
    if (qt - qh >= QN || n >= sizeof q[0].b) return -1;
    p = &q[qt++ % QN];
    p->to = sip_ipaddr_eq(&to->remote, &nodes[0].addr) ? 0 : 1;
    memcpy(p->b, m, n);
    p->n = n;
    return 0;
}

static int b_rand(void *user, uint8_t *buf, size_t n)
{
    node *nd = (node *)user;
    size_t i;
    for (i = 0; i < n; i++) {
        nd->rng ^= nd->rng << 13;
        nd->rng ^= nd->rng >> 17;
        nd->rng ^= nd->rng << 5;
        buf[i] = (uint8_t)nd->rng;
    }
    return 0;
}

static void b_event(void *user, const sip_ua_event *ev)
{
    node *nd = (node *)user;
    if (ev->type == SIP_UA_EV_INCOMING_CALL && nd->answer) {
        sip_ua_answer(&nd->ua, ev->call, 180, &nd->local, now); /* reliable with ext */
        if (!ext) sip_ua_answer(&nd->ua, ev->call, 200, NULL, now);
    }
    if (ev->type == SIP_UA_EV_PRACK && nd->answer) sip_ua_answer(&nd->ua, ev->call, 200, NULL, now);
    if (ev->type == SIP_UA_EV_CALL_STATE) {
        nd->last = ev->call;
        if (ev->state == SIP_UA_CALL_CONFIRMED) nd->confirmed++;
        if (ev->state == SIP_UA_CALL_TERMINATED) nd->ended++;
    }
}

static void flush(void)
{
    while (qh != qt) {
        pkt *p = &q[qh++ % QN];
        sip_target from;
        memset(&from, 0, sizeof from);
        from.tp = SIP_TP_UDP;
        from.remote = nodes[!p->to].addr;
        sip_ua_receive(&nodes[p->to].ua, p->b, p->n, &from, now, NULL);
    }
}

static void run_to(uint64_t t)
{
    flush();
    for (;;) {
        uint64_t d0 = sip_ua_next_deadline(&nodes[0].ua), d1 = sip_ua_next_deadline(&nodes[1].ua);
        uint64_t d = d0 < d1 ? d0 : d1;
        if (d > t) break;
        if (d > now) now = d;
        sip_ua_on_timeout(&nodes[0].ua, now);
        sip_ua_on_timeout(&nodes[1].ua, now);
        flush();
    }
    if (t > now) now = t;
}

static void setup(uint32_t max_calls)
{
    int i;
    static const char *ips[2] = {"127.0.0.1", "127.0.0.2"};
    static char aor[2][64], contact[2][64];
    for (i = 0; i < 2; i++) {
        sip_ua_config cfg;
        sip_ua_callbacks cb;
        node *nd = &nodes[i];
        sdp_local_media *a = &nd->local.media[0];
        char hp[32];
        memset(nd, 0, sizeof *nd);
        nd->rng = 0x1234567u + (uint32_t)i;
        snprintf(hp, sizeof hp, "%s:5060", ips[i]);
        sip_ipaddr_parse(sip_str_c(hp), &nd->addr);
        snprintf(aor[i], sizeof aor[i], "sip:u%d@%s", i, ips[i]);
        snprintf(contact[i], sizeof contact[i], "sip:u%d@%s:5060", i, ips[i]);
        memset(&cfg, 0, sizeof cfg);
        cfg.aor = aor[i];
        cfg.contact = contact[i];
        cfg.max_sessions = max_calls;
        cfg.max_dialogs = max_calls;
        cfg.tsx.flags = SIP_TSX_F_NO_AUTO_TRYING;
        cfg.tsx.max_transactions = 4 * max_calls + 4096;
        if (ext) {
            cfg.rel100 = SIP_UA_100REL_REQUIRED;
            cfg.session_timer = 1;
        }
        memset(&cb, 0, sizeof cb);
        cb.size = sizeof cb;
        cb.user = nd;
        cb.send = b_send;
        cb.rand = b_rand;
        cb.on_event = b_event;
        nd->local.sess_id = 1;
        nd->local.addr = ips[i];
        nd->local.n_media = 1;
        a->type = "audio";
        a->proto = "RTP/AVP";
        a->port = 4000;
        a->codecs[0] = (sdp_codec){"PCMU", 8000, 1, 0, NULL};
        a->codecs[1] = (sdp_codec){"PCMA", 8000, 1, 8, NULL};
        a->n_codecs = 2;
        nd->answer = i == 1;
        if (sip_ua_init(&nd->ua, &cfg, &cb) != 0) {
            fprintf(stderr, "bench_dialog: init failed\n");
            exit(1);
        }
    }
}

static void teardown(void)
{
    sip_ua_destroy(&nodes[0].ua);
    sip_ua_destroy(&nodes[1].ua);
    qh = qt = 0;
    now = 0;
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000, i, mem_calls = 1000;
    size_t ua0, tsx0;
    struct timespec t0, t1;
    double secs;
    sip_ua_call *calls;
    /* memory with 100rel (reliable 180, PRACK) and session timers */
    ext = 1;
    setup((uint32_t)mem_calls + 4);
    ua0 = ua_bytes;
    calls = (sip_ua_call *)malloc(sizeof *calls * mem_calls);
    for (i = 0; i < mem_calls; i++) {
        if (sip_ua_call_start(&nodes[0].ua, "sip:u1@127.0.0.2", &nodes[0].local, 0, now, &calls[i]) != 0) {
            fprintf(stderr, "bench_dialog: call %lu failed\n", i);
            return 1;
        }
        run_to(now + 1000);
    }
    if (nodes[0].confirmed != mem_calls || nodes[1].confirmed != mem_calls) {
        fprintf(stderr, "bench_dialog: 100rel: %lu/%lu confirmed\n", nodes[0].confirmed, nodes[1].confirmed);
        return 1;
    }
    run_to(now + 40000000u);
    printf("dialog memory: %.0f bytes per confirmed call in the UA core after 64*T1 with 100rel and "
           "session timers (RFC 3262, RFC 4028)\n", (double)(ua_bytes - ua0) / 2.0 / (double)mem_calls);
    free(calls);
    teardown();
    ext = 0;
    /* memory: mem_calls confirmed calls at once */
    setup((uint32_t)mem_calls + 4);
    ua0 = ua_bytes;
    tsx0 = tsx_bytes;
    calls = (sip_ua_call *)malloc(sizeof *calls * mem_calls);
    for (i = 0; i < mem_calls; i++) {
        if (sip_ua_call_start(&nodes[0].ua, "sip:u1@127.0.0.2", &nodes[0].local, 0, now, &calls[i]) != 0) {
            fprintf(stderr, "bench_dialog: call %lu failed\n", i);
            return 1;
        }
        run_to(now + 1000);
    }
    if (nodes[0].confirmed != mem_calls || nodes[1].confirmed != mem_calls) {
        fprintf(stderr, "bench_dialog: %lu/%lu confirmed\n", nodes[0].confirmed, nodes[1].confirmed);
        return 1;
    }
    printf("dialog memory: %.0f bytes per confirmed call in the UA core (caller + callee: %.0f; "
           "transaction layer meanwhile %.0f per call)\n",
           (double)(ua_bytes - ua0) / 2.0 / (double)mem_calls, (double)(ua_bytes - ua0) / (double)mem_calls,
           (double)(tsx_bytes - tsx0) / (double)mem_calls);
    run_to(now + 40000000u); /* ACK copies and transactions drain (64*T1) */
    printf("dialog memory: %.0f bytes per confirmed call in the UA core after 64*T1 (transaction layer %.0f)\n",
           (double)(ua_bytes - ua0) / 2.0 / (double)mem_calls, (double)(tsx_bytes - tsx0) / (double)mem_calls);
    free(calls);
    teardown();
    /* calls per second, one after the other */
    setup(64);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < n; i++) {
        sip_ua_call c;
        int rc = sip_ua_call_start(&nodes[0].ua, "sip:u1@127.0.0.2", &nodes[0].local, 0, now, &c);
        if (rc != 0) {
            fprintf(stderr, "bench_dialog: call %lu failed: %s (calls %u/%u dialogs %u/%u)\n", i,
                    sip_ua_strerror(rc), sip_ua_count_calls(&nodes[0].ua), sip_ua_count_calls(&nodes[1].ua),
                    sip_ua_count_dialogs(&nodes[0].ua), sip_ua_count_dialogs(&nodes[1].ua));
            return 1;
        }
        run_to(now + 1000);
        sip_ua_hangup(&nodes[0].ua, c, now);
        run_to(now + 1000);
        if (i % 256 == 255) run_to(now + 40000000u); /* keep the transaction table small */
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (nodes[0].ended != n || nodes[1].ended != n) {
        fprintf(stderr, "bench_dialog: %lu/%lu calls ended of %lu\n", nodes[0].ended, nodes[1].ended, n);
        return 1;
    }
    printf("dialog calls: %.0f calls/s (INVITE/180/200/ACK + BYE/200 between two UA cores, 8 messages "
           "parsed and built per call, one at a time)\n", (double)n / secs);
    teardown();
    return 0;
}
