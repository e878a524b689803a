/* bench_cc.c - the congestion controller of rtcp_feedback.h on the link
 * simulator of tests/linksim.h: three scenarios, their figures, and a TSV
 * of every 100 ms sample for bench/cc.sh to plot.
 *
 *   ramp  1 Mbit/s, 50 ms each way: time until the target reaches 85% of
 *         the capacity
 *   step  1 Mbit/s, down to 500 kbit/s at 20 s: largest queueing delay
 *         in each second after the step, and the time from which it stays
 *         under 150 ms
 *   loss  1 Mbit/s, max 600 kbit/s, 2% random loss from 10 s to 40 s:
 *         smallest, average and final target under loss
 *   remb  the receive-side estimator: the sender follows REMB; 1 Mbit/s
 *         stepping to 500 kbit/s at 30 s: time to 85%, queue after the
 *         step
 *
 * Usage: bench_cc [out.tsv]   (default build/bench/cc.tsv)
 * Links nothing but the headers. */
#define CVOIP_IMPLEMENTATION
#include <stdio.h>
#include "../tests/linksim.h"

static linksim L;

static void dump(FILE *f, const char *scenario)
{
    size_t i;
    for (i = 0; i < L.n_s; i++)
        fprintf(f, "%s\t%.1f\t%llu\t%llu\t%llu\t%.1f\n", scenario,
                (double)L.s[i].t_us / 1e6,
                (unsigned long long)L.s[i].cap_bps,
                (unsigned long long)L.s[i].target_bps,
                (unsigned long long)L.s[i].delivered_bps, L.s[i].qdelay_ms);
}

static void reasons(void)
{
    int i;
    printf("   target changes:");
    for (i = 1; i < 8; i++)
        if (L.reasons[i]) printf(" %s %d", rtcp_fb_cc_reason_str(i), L.reasons[i]);
    printf("\n");
}

static int ramp(FILE *f)
{
    uint64_t at;
    ls_init(&L, NULL, 1000000);
    ls_run(&L, 20000000);
    at = ls_first_target_at_least(&L, 0, 850000);
    printf("== ramp: 1 Mbit/s, 50 ms one way, TWCC every 100 ms\n");
    if (at == UINT64_MAX) printf("   85%% of capacity: never (FAIL)\n");
    else printf("   85%% of capacity reached at %.1f s (goal <= 10 s)\n", (double)at / 1e6);
    printf("   average target 10-20 s: %.0f kbit/s; largest queueing delay 10-20 s: %.0f ms\n",
           ls_avg_target(&L, 10000000, 20000000) / 1000, ls_max_qdelay(&L, 10000000, 20000000));
    reasons();
    dump(f, "ramp");
    return at <= 10000000 ? 0 : 1;
}

static int step(FILE *f)
{
    uint64_t t, under = 0;
    int s;
    ls_init(&L, NULL, 1000000);
    ls_set_capacity(&L, 20000000, 500000);
    ls_run(&L, 40000000);
    printf("== step: 1 Mbit/s -> 500 kbit/s at 20 s\n   largest queueing delay per second after the step (ms):");
    for (s = 0; s < 10; s++)
        printf(" %.0f", ls_max_qdelay(&L, 20000000 + 1000000u * (unsigned)s, 21000000 + 1000000u * (unsigned)s));
    printf("\n");
    /* the first sample time after which every sample is under 150 ms */
    for (t = 20000000; t < 40000000; t += 100000)
        if (ls_max_qdelay(&L, t, 40000000) < 150.0) { under = t; break; }
    if (under) printf("   queueing delay under 150 ms from %.1f s after the step on (goal <= 5 s)\n",
                      (double)(under - 20000000) / 1e6);
    else printf("   queueing delay never stays under 150 ms (FAIL)\n");
    printf("   average target 25-40 s: %.0f kbit/s\n", ls_avg_target(&L, 25000000, 40000000) / 1000);
    reasons();
    dump(f, "step");
    return under && under - 20000000 <= 5000000 ? 0 : 1;
}

static int loss(FILE *f)
{
    ls_config c;
    uint64_t pre, lo;
    memset(&c, 0, sizeof c);
    c.cc.max_bps = 600000;
    ls_init(&L, &c, 1000000);
    ls_run(&L, 10000000);
    pre = L.cc.target_bps;
    L.loss = 0.02;
    ls_run(&L, 40000000);
    lo = ls_min_target(&L, 10000000, 40000000);
    printf("== loss: 1 Mbit/s, max 600 kbit/s, 2%% random loss 10-40 s\n");
    printf("   before loss %llu kbit/s; under loss: min %llu, average %.0f, final %llu kbit/s (%llu of %llu packets lost)\n",
           (unsigned long long)pre / 1000, (unsigned long long)lo / 1000,
           ls_avg_target(&L, 10000000, 40000000) / 1000,
           (unsigned long long)L.cc.target_bps / 1000,
           (unsigned long long)L.n_random_lost, (unsigned long long)L.n_sent);
    reasons();
    dump(f, "loss");
    return lo >= pre / 2 ? 0 : 1;
}

static int remb(FILE *f)
{
    ls_config c;
    uint64_t at, t, under = 0;
    memset(&c, 0, sizeof c);
    c.remb = 1;
    ls_init(&L, &c, 1000000);
    ls_set_capacity(&L, 30000000, 500000);
    ls_run(&L, 45000000);
    at = ls_first_target_at_least(&L, 0, 850000);
    for (t = 30000000; t < 45000000; t += 100000)
        if (ls_max_qdelay(&L, t, 45000000) < 150.0) { under = t; break; }
    printf("== remb: sender follows the receiver's REMB; 1 Mbit/s -> 500 kbit/s at 30 s\n");
    printf("   85%% of capacity at %.1f s (no probing: 8%%/s); %llu REMBs\n",
           at == UINT64_MAX ? -1.0 : (double)at / 1e6, (unsigned long long)L.n_rembs);
    printf("   queue after the step: peak %.0f ms, under 150 ms from %.1f s after it; average 35-45 s %.0f kbit/s\n",
           ls_max_qdelay(&L, 30000000, 45000000),
           under ? (double)(under - 30000000) / 1e6 : -1.0,
           ls_avg_target(&L, 35000000, 45000000) / 1000);
    dump(f, "remb");
    return at <= 20000000 && under && under - 30000000 <= 5000000 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *out = argc > 1 ? argv[1] : "build/bench/cc.tsv";
    FILE *f = fopen(out, "w");
    int bad = 0;
    if (!f) {
        perror(out);
        return 2;
    }
    fprintf(f, "scenario\tt_s\tcapacity_bps\ttarget_bps\tdelivered_bps\tqdelay_ms\n");
    bad |= ramp(f);
    bad |= step(f);
    bad |= loss(f);
    bad |= remb(f);
    fclose(f);
    printf("== samples: %s\n", out);
    return bad;
}
