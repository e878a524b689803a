/* linksim.h - a deterministic link simulator for the congestion control
 * tests (tests/test_cc.c) and bench (bench/bench_cc.c). Test-only: not
 * part of the library.
 *
 * One media flow over one bottleneck:
 *
 *   sender --(drop-tail queue, capacity C(t))--> propagation delay -->
 *   receiver --(TWCC feedback every fb_interval, built with
 *   rtcp_fb_twcc_build)--> reverse delay --> sender
 *
 * - The sender paces ~1200-octet packets at the estimator's target
 *   (cc.target_bps), numbers them with transport-wide seqs, records each
 *   with rtcp_fb_cc_on_sent. When the estimator asks for a probe, the
 *   next max(probe_min_packets, 15 ms worth) packets go out at the probe
 *   rate tagged with the cluster id (media sent faster, as a pacer
 *   does), then pacing at the target resumes.
 * - The bottleneck serves one packet at a time at the capacity in force
 *   when its service starts; a packet that does not fit queue_bytes is
 *   dropped (drop-tail). Random loss (probability `loss`, seeded
 *   splitmix64 PRNG) drops a packet before it reaches the queue.
 * - The receiver keeps (seq, arrival) of each packet since the last
 *   feedback and every fb_interval_us builds one TWCC feedback for the
 *   seqs from the first unreported one to the highest received, arrival
 *   times rounded down to 250 µs. It travels back in rev_us and is parsed
 *   with rtcp_fb_twcc_parse before rtcp_fb_cc_on_twcc.
 *
 * With cfg.remb the receiver instead runs rtcp_fb_cc_remb on (send time,
 * arrival) of each packet and its REMB packets travel back the same way;
 * the sender paces at the last REMB's bitrate.
 *
 * Event driven with µs time; the same configuration gives the same run.
 * Every sample_us the simulator records (time, capacity, target, the
 * largest queueing delay -- time waiting before service -- of the packets
 * that started service in the interval, delivered bitrate).
 *
 * Everything is static; include it in one C file.
 */
#ifndef LINKSIM_H
#define LINKSIM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rtcp_feedback.h"

#define LS_QMAX 4096      /* packets in the bottleneck queue */
#define LS_LINEMAX 4096   /* packets in flight on the link */
#define LS_FBMAX 4096     /* arrivals between two feedbacks */
#define LS_REVMAX 64      /* feedbacks in flight */
#define LS_SAMPLES 4000
#define LS_CAPS 16

typedef struct ls_pkt {
    uint16_t seq, cluster;
    uint32_t size;
    uint64_t send_us, enq_us, t_us; /* t: departure or arrival */
} ls_pkt;

typedef struct ls_sample {
    uint64_t t_us, cap_bps, target_bps, delivered_bps;
    double qdelay_ms;
} ls_sample;

typedef struct ls_config {
    uint64_t prop_us;        /* one-way propagation, forward [50 ms] */
    uint64_t rev_us;         /* reverse path delay [50 ms] */
    uint64_t queue_bytes;    /* drop-tail limit [62500: 0.5 s at 1 Mbit/s] */
    uint32_t pkt_bytes;      /* media packet size [1200] */
    uint64_t fb_interval_us; /* TWCC feedback spacing [100 ms] */
    uint64_t sample_us;      /* sample spacing [100 ms] */
    uint64_t seed;           /* PRNG seed [1] */
    rtcp_fb_cc_config cc;    /* estimator configuration */
    int remb;                /* non-zero: the receiver runs the REMB
                                estimator and the sender paces at the
                                last REMB instead of cc.target_bps */
} ls_config;

typedef struct linksim {
    ls_config cfg;
    uint64_t now;
    uint64_t rng;
    double loss;             /* random loss probability, set any time */
    struct { uint64_t t_us, bps; } cap[LS_CAPS];
    int n_cap;
    /* sender */
    rtcp_fb_cc cc;
    uint16_t next_seq;
    uint64_t next_media_us;
    uint64_t probe_bps;
    uint16_t probe_cluster;
    int probe_left;
    uint64_t probe_next_us;
    uint64_t n_probes;
    /* bottleneck */
    ls_pkt q[LS_QMAX];
    size_t q_head, q_n;
    uint64_t q_bytes;
    int busy;                /* head in service until q[q_head].t_us */
    /* propagation */
    ls_pkt line[LS_LINEMAX];
    size_t l_head, l_n;
    /* receiver */
    struct { uint16_t seq; uint64_t arr; } rx[LS_FBMAX];
    size_t rx_n;
    uint16_t fb_next;        /* first seq not reported yet */
    int fb_started;
    uint8_t fb_count;
    uint64_t next_fb_us;
    /* reverse path */
    struct { uint64_t t_us; size_t len; uint8_t b[8192]; } rev[LS_REVMAX];
    rtcp_fb_cc_remb remb;    /* receive side (cfg.remb) */
    uint64_t remb_bps;       /* last REMB received by the sender */
    uint64_t n_rembs;
    size_t r_head, r_n;
    /* statistics */
    uint64_t n_sent, n_random_lost, n_dropped, n_received, n_feedbacks;
    uint64_t delivered_bytes;
    double q_max_ms;         /* largest queueing delay in this sample */
    uint64_t next_sample_us;
    ls_sample s[LS_SAMPLES];
    size_t n_s;
    int reasons[8];          /* target changes per rtcp_fb_cc_reason */
} linksim;

static uint64_t ls__rand(linksim *L)
{
    uint64_t z = (L->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t ls_capacity(const linksim *L, uint64_t t)
{
    uint64_t c = L->cap[0].bps;
    int i;
    for (i = 0; i < L->n_cap; i++)
        if (L->cap[i].t_us <= t) c = L->cap[i].bps;
    return c;
}

/* Capacity bps from t_us on (call in time order). */
static void ls_set_capacity(linksim *L, uint64_t t_us, uint64_t bps)
{
    if (L->n_cap < LS_CAPS) {
        L->cap[L->n_cap].t_us = t_us;
        L->cap[L->n_cap].bps = bps;
        L->n_cap++;
    }
}

static void ls__on_probe(void *user, uint64_t bps, uint16_t cluster,
                         uint64_t now_us)
{
    linksim *L = (linksim *)user;
    uint64_t per = (uint64_t)L->cfg.pkt_bytes * 8;
    uint64_t n15 = bps * 15 / 1000 / per; /* packets in 15 ms */
    L->probe_bps = bps;
    L->probe_cluster = cluster;
    L->probe_left = (int)(n15 > L->cc.cfg.probe_min_packets ? n15 : L->cc.cfg.probe_min_packets);
    L->probe_next_us = now_us;
    L->n_probes++;
}

static uint64_t ls_target(const linksim *L)
{
    return L->cfg.remb ? L->remb_bps : L->cc.target_bps;
}

static void ls__queue_back(linksim *L, const uint8_t *b, size_t len)
{
    size_t at;
    if (L->r_n == LS_REVMAX || len > sizeof L->rev[0].b) return;
    at = (L->r_head + L->r_n) % LS_REVMAX;
    memcpy(L->rev[at].b, b, len);
    L->rev[at].len = len;
    L->rev[at].t_us = L->now + L->cfg.rev_us;
    L->r_n++;
}

static void ls__on_remb(void *user, const uint8_t *pkt, size_t len,
                        uint64_t bps, const uint32_t *ssrcs, size_t n,
                        uint64_t now_us)
{
    (void)bps;
    (void)ssrcs;
    (void)n;
    (void)now_us;
    ls__queue_back((linksim *)user, pkt, len);
}

static void ls__on_target(void *user, const rtcp_fb_cc_update *u)
{
    linksim *L = (linksim *)user;
    if (u->reason >= 0 && u->reason < 8) L->reasons[u->reason]++;
}

/* Initialise with the capacity at time 0. Returns the estimator's
 * rtcp_fb_cc_init result. */
static int ls_init(linksim *L, const ls_config *cfg, uint64_t capacity_bps)
{
    memset(L, 0, sizeof *L);
    if (cfg) L->cfg = *cfg;
    if (!L->cfg.prop_us) L->cfg.prop_us = 50000;
    if (!L->cfg.rev_us) L->cfg.rev_us = 50000;
    if (!L->cfg.queue_bytes) L->cfg.queue_bytes = 62500;
    if (!L->cfg.pkt_bytes) L->cfg.pkt_bytes = 1200;
    if (!L->cfg.fb_interval_us) L->cfg.fb_interval_us = 100000;
    if (!L->cfg.sample_us) L->cfg.sample_us = 100000;
    L->rng = L->cfg.seed ? L->cfg.seed : 1;
    ls_set_capacity(L, 0, capacity_bps);
    L->next_fb_us = L->cfg.fb_interval_us;
    L->next_sample_us = L->cfg.sample_us;
    L->probe_next_us = UINT64_MAX;
    if (L->cfg.remb) {
        int rc = rtcp_fb_cc_remb_init(&L->remb, &L->cfg.cc, 3, 0, ls__on_remb, L);
        if (rc) return rc;
        L->remb_bps = L->remb.estimate_bps;
        L->cfg.cc.no_probe = 1; /* the sender only follows REMB */
    }
    return rtcp_fb_cc_init(&L->cc, &L->cfg.cc, ls__on_target, ls__on_probe, L);
}

/* ---- bottleneck ----------------------------------------------------------- */

static void ls__start_service(linksim *L)
{
    ls_pkt *p = &L->q[L->q_head];
    uint64_t c = ls_capacity(L, L->now);
    double wait_ms = (double)(L->now - p->enq_us) / 1000.0;
    if (wait_ms > L->q_max_ms) L->q_max_ms = wait_ms;
    p->t_us = L->now + ((uint64_t)p->size * 8000000 + c - 1) / c;
    L->busy = 1;
}

static void ls__enqueue(linksim *L, ls_pkt p)
{
    L->n_sent++;
    if (L->loss > 0 && (double)(ls__rand(L) >> 11) / 9007199254740992.0 < L->loss) {
        L->n_random_lost++;
        return;
    }
    if (L->q_bytes + p.size > L->cfg.queue_bytes || L->q_n == LS_QMAX) {
        L->n_dropped++;
        return;
    }
    p.enq_us = L->now;
    L->q[(L->q_head + L->q_n) % LS_QMAX] = p;
    L->q_n++;
    L->q_bytes += p.size;
    if (!L->busy) ls__start_service(L);
}

static void ls__depart(linksim *L)
{
    ls_pkt p = L->q[L->q_head];
    L->q_head = (L->q_head + 1) % LS_QMAX;
    L->q_n--;
    L->q_bytes -= p.size;
    L->busy = 0;
    p.t_us = L->now + L->cfg.prop_us;
    if (L->l_n < LS_LINEMAX) {
        L->line[(L->l_head + L->l_n) % LS_LINEMAX] = p;
        L->l_n++;
    }
    if (L->q_n) ls__start_service(L);
}

/* ---- receiver and feedback -------------------------------------------------- */

static void ls__arrive(linksim *L)
{
    ls_pkt p = L->line[L->l_head];
    L->l_head = (L->l_head + 1) % LS_LINEMAX;
    L->l_n--;
    L->n_received++;
    L->delivered_bytes += p.size;
    if (!L->fb_started) {
        L->fb_started = 1;
        L->fb_next = p.seq;
    }
    if (L->cfg.remb) {
        rtcp_fb_cc_remb_on_packet(&L->remb, 0x5500, (int64_t)p.send_us, L->now, p.size);
        return;
    }
    if (L->rx_n < LS_FBMAX) {
        L->rx[L->rx_n].seq = p.seq;
        L->rx[L->rx_n].arr = L->now;
        L->rx_n++;
    }
}

static void ls__send_feedback(linksim *L)
{
    static rtcp_fb_twcc_packet pk[LS_FBMAX * 2];
    rtcp_fb_twcc tw;
    uint16_t hi;
    size_t n, i, k = 0;
    int64_t prev;
    int len;
    if (L->rx_n == 0 || L->r_n == LS_REVMAX) return;
    hi = L->rx[L->rx_n - 1].seq;
    n = (uint16_t)(hi - L->fb_next) + 1u;
    if (n > LS_FBMAX * 2) n = LS_FBMAX * 2;
    tw.base_seq = L->fb_next;
    tw.ref_time = (int32_t)(L->rx[0].arr / 64000);
    tw.fb_pkt_count = L->fb_count++;
    tw.status_count = (uint16_t)n;
    prev = (int64_t)tw.ref_time * 64000;
    for (i = 0; i < n; i++) {
        uint16_t seq = (uint16_t)(L->fb_next + i);
        pk[i].seq = seq;
        pk[i].status = RTCP_FB_TWCC_NOT_RECEIVED;
        pk[i].delta_us = 0;
        if (k < L->rx_n && L->rx[k].seq == seq) {
            int64_t q = (int64_t)(L->rx[k].arr / 250 * 250);
            pk[i].status = RTCP_FB_TWCC_RECEIVED;
            pk[i].delta_us = (int32_t)(q - prev);
            prev = q;
            k++;
        }
    }
    len = rtcp_fb_twcc_build(L->rev[(L->r_head + L->r_n) % LS_REVMAX].b,
                             sizeof L->rev[0].b, 1, 2, &tw, pk, n, NULL);
    if (len > 0) {
        size_t at = (L->r_head + L->r_n) % LS_REVMAX;
        L->rev[at].len = (size_t)len;
        L->rev[at].t_us = L->now + L->cfg.rev_us;
        L->r_n++;
    }
    L->fb_next = (uint16_t)(hi + 1);
    L->rx_n = 0;
}

static void ls__deliver_feedback(linksim *L)
{
    static rtcp_fb_twcc_packet pk[65536];
    rtcp_fb_twcc tw;
    size_t n = 65536;
    int rc;
    if (L->cfg.remb) {
        rtcp_fb_remb v;
        uint32_t ssrcs[8];
        n = 8;
        if (rtcp_fb_remb_parse(L->rev[L->r_head].b, L->rev[L->r_head].len,
                               NULL, &v, ssrcs, &n) > 0) {
            L->remb_bps = rtcp_fb_mantissa_to_bps(v.exp, v.mantissa);
            L->n_rembs++;
        }
        L->r_head = (L->r_head + 1) % LS_REVMAX;
        L->r_n--;
        return;
    }
    rc = rtcp_fb_twcc_parse(L->rev[L->r_head].b, L->rev[L->r_head].len,
                            NULL, &tw, pk, &n);
    L->r_head = (L->r_head + 1) % LS_REVMAX;
    L->r_n--;
    if (rc > 0) {
        rtcp_fb_cc_on_twcc(&L->cc, &tw, pk, n, L->now);
        L->n_feedbacks++;
    }
}

/* ---- sender ----------------------------------------------------------------- */

static void ls__send(linksim *L, uint16_t cluster)
{
    ls_pkt p;
    memset(&p, 0, sizeof p);
    p.seq = L->next_seq++;
    p.size = L->cfg.pkt_bytes;
    p.send_us = L->now;
    p.cluster = cluster;
    rtcp_fb_cc_on_sent(&L->cc, p.seq, L->now, p.size, cluster);
    ls__enqueue(L, p);
}

static void ls__sample(linksim *L)
{
    if (L->n_s < LS_SAMPLES) {
        ls_sample *s = &L->s[L->n_s++];
        s->t_us = L->now;
        s->cap_bps = ls_capacity(L, L->now);
        s->target_bps = ls_target(L);
        s->qdelay_ms = L->q_max_ms;
        if (L->q_n > 1) { /* the oldest packet still waiting */
            const ls_pkt *w = &L->q[(L->q_head + 1) % LS_QMAX];
            double ms = (double)(L->now - w->enq_us) / 1000.0;
            if (ms > s->qdelay_ms) s->qdelay_ms = ms;
        }
        s->delivered_bps = L->delivered_bytes * 8000000 / L->cfg.sample_us;
    }
    L->q_max_ms = 0;
    L->delivered_bytes = 0;
    L->next_sample_us += L->cfg.sample_us;
}

static uint64_t ls__min(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Run until until_us. */
static void ls_run(linksim *L, uint64_t until_us)
{
    while (L->now < until_us) {
        uint64_t t = until_us;
        if (L->probe_left > 0) t = ls__min(t, L->probe_next_us);
        else t = ls__min(t, L->next_media_us);
        if (L->busy) t = ls__min(t, L->q[L->q_head].t_us);
        if (L->l_n) t = ls__min(t, L->line[L->l_head].t_us);
        if (L->r_n) t = ls__min(t, L->rev[L->r_head].t_us);
        t = ls__min(t, L->next_fb_us);
        t = ls__min(t, L->next_sample_us);
        t = ls__min(t, rtcp_fb_cc_next_deadline(&L->cc));
        if (L->cfg.remb) t = ls__min(t, rtcp_fb_cc_remb_next_deadline(&L->remb));
        if (t < L->now) t = L->now;
        L->now = t;
        while (L->l_n && L->line[L->l_head].t_us <= t) ls__arrive(L);
        while (L->busy && L->q[L->q_head].t_us <= t) ls__depart(L);
        while (L->r_n && L->rev[L->r_head].t_us <= t) ls__deliver_feedback(L);
        if (t >= L->next_fb_us) {
            ls__send_feedback(L);
            L->next_fb_us += L->cfg.fb_interval_us;
        }
        if (t >= rtcp_fb_cc_next_deadline(&L->cc)) rtcp_fb_cc_on_timeout(&L->cc, t);
        if (L->cfg.remb && t >= rtcp_fb_cc_remb_next_deadline(&L->remb))
            rtcp_fb_cc_remb_on_timeout(&L->remb, t);
        if (L->probe_left > 0) {
            if (t >= L->probe_next_us) {
                ls__send(L, L->probe_cluster);
                L->probe_left--;
                L->probe_next_us = t + (uint64_t)L->cfg.pkt_bytes * 8000000 / L->probe_bps;
                if (L->probe_left == 0) L->next_media_us = L->probe_next_us;
            }
        } else if (t >= L->next_media_us) {
            uint64_t tb = ls_target(L) ? ls_target(L) : 1;
            ls__send(L, 0);
            L->next_media_us = t + (uint64_t)L->cfg.pkt_bytes * 8000000 / tb;
        }
        if (t >= L->next_sample_us) ls__sample(L);
    }
}

/* First sample time (µs) at or after from_us with target >= bps, or
 * UINT64_MAX. */
static uint64_t ls_first_target_at_least(const linksim *L, uint64_t from_us,
                                         double bps)
{
    size_t i;
    for (i = 0; i < L->n_s; i++)
        if (L->s[i].t_us >= from_us && (double)L->s[i].target_bps >= bps)
            return L->s[i].t_us;
    return UINT64_MAX;
}

/* Largest queueing delay (ms) over samples in [from_us, to_us). */
static double ls_max_qdelay(const linksim *L, uint64_t from_us, uint64_t to_us)
{
    double m = 0;
    size_t i;
    for (i = 0; i < L->n_s; i++)
        if (L->s[i].t_us >= from_us && L->s[i].t_us < to_us && L->s[i].qdelay_ms > m)
            m = L->s[i].qdelay_ms;
    return m;
}

/* Smallest and average target over samples in [from_us, to_us). */
static uint64_t ls_min_target(const linksim *L, uint64_t from_us, uint64_t to_us)
{
    uint64_t m = UINT64_MAX;
    size_t i;
    for (i = 0; i < L->n_s; i++)
        if (L->s[i].t_us >= from_us && L->s[i].t_us < to_us && L->s[i].target_bps < m)
            m = L->s[i].target_bps;
    return m;
}

static double ls_avg_target(const linksim *L, uint64_t from_us, uint64_t to_us)
{
    double sum = 0;
    size_t i, n = 0;
    for (i = 0; i < L->n_s; i++)
        if (L->s[i].t_us >= from_us && L->s[i].t_us < to_us) {
            sum += (double)L->s[i].target_bps;
            n++;
        }
    return n ? sum / (double)n : 0;
}

#endif /* LINKSIM_H */
