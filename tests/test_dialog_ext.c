/* sip_dialog.h INVITE-session extensions between two UA cores on the
 * in-memory network of dialog_net.h (virtual clock): reliable provisional
 * responses (RFC 3262), UPDATE (RFC 3311), session timers (RFC 4028),
 * INFO (RFC 6086), OPTIONS (RFC 3261 §11.2). */
#include "dialog_net.h"

static dn_net N;

static void ext_log(dn_node *nd, const sip_ua_event *ev)
{
    char s[96];
    switch (ev->type) {
    case SIP_UA_EV_PRACK:
        snprintf(s, sizeof s, "prack/%d", ev->status);
        break;
    case SIP_UA_EV_UPDATE_DONE:
        snprintf(s, sizeof s, "update/%d", ev->status);
        break;
    case SIP_UA_EV_SESSION_TIMER:
        snprintf(s, sizeof s, "st/%u/%d", (unsigned)ev->session_expires, ev->refresher);
        break;
    case SIP_UA_EV_INFO:
        snprintf(s, sizeof s, "info/%.*s/%.*s", (int)ev->info_package.len,
                 ev->info_package.p ? ev->info_package.p : "", (int)ev->msg->body.len,
                 ev->msg->body.p ? ev->msg->body.p : "");
        break;
    case SIP_UA_EV_INFO_DONE:
        snprintf(s, sizeof s, "infodone/%d", ev->status);
        break;
    default:
        snprintf(s, sizeof s, "ev%d", (int)ev->type);
        break;
    }
    dn_evlog(nd, s);
}

static void two(dn_node **a, dn_node **b, const sip_ua_config *ca, const sip_ua_config *cb)
{
    dn_init(&N);
    *a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", ca);
    *b = dn_add_ua(&N, 'B', "127.0.0.2", "bob", cb);
    (*a)->ext_event = (*b)->ext_event = ext_log;
}

static sip_ua_config rel_cfg(int mode)
{
    sip_ua_config c;
    memset(&c, 0, sizeof c);
    c.rel100 = mode;
    return c;
}

/* The value of header `id` in log entry i. */
static const char *hdr(int i, sip_hdr_id id)
{
    return dn_hdr(N.raw[i], strlen(N.raw[i]), id);
}

static int has_body(int i)
{
    const char *p = strstr(N.raw[i], "\r\n\r\n");
    return p && p[4] != 0;
}

/* RFC 3262 §3, §4, §5: INVITE with an offer, 183 sent reliably with the
 * answer (Require: 100rel, RSeq), PRACK with RAck "RSeq CSeq INVITE",
 * 200 to the PRACK; the 2xx to the INVITE repeats no SDP (§5, RFC 6337). */
Test(dialog_ext, rfc3262_183_with_answer_prack_then_200)
{
    dn_node *a, *b;
    sip_ua_call c;
    sip_ua_config ca = rel_cfg(SIP_UA_100REL_SUPPORTED), cb = ca;
    char rack[64];
    uint32_t rseq;
    two(&a, &b, &ca, &cb);
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 10);
    cr_assert(strstr(N.raw[0], "\r\nSupported: 100rel, replaces, join, norefersub\r\n"), "%s", N.raw[0]);
    cr_assert_null(strstr(N.raw[0], "\r\nRequire:"));
    cr_assert_eq(sip_ua_progress(&b->ua, b->last_call, 183, 1, &b->local, N.now), 0);
    /* §3: no second reliable 1xx before the first is PRACKed */
    cr_assert_eq(sip_ua_progress(&b->ua, b->last_call, 180, 1, NULL, N.now), SIP_UA_ERR_STATE);
    /* §3: no 2xx while a reliable 1xx with SDP is unacknowledged */
    cr_assert_eq(sip_ua_answer(&b->ua, b->last_call, 200, NULL, N.now), SIP_UA_ERR_STATE);
    dn_run(&N, 20);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B INVITE|B>A 183/INVITE|A>B PRACK|B>A 200/PRACK");
    cr_assert_str_eq(hdr(1, SIP_HDR_REQUIRE), "100rel");
    cr_assert(has_body(1));
    rseq = (uint32_t)strtoul(hdr(1, SIP_HDR_RSEQ), NULL, 10);
    cr_assert(rseq >= 1 && rseq <= 0x7fffffffu, "RSeq %u", rseq);
    snprintf(rack, sizeof rack, "%u 1 INVITE", (unsigned)rseq);
    cr_assert_str_eq(hdr(2, SIP_HDR_RACK), rack);
    cr_assert(strstr(N.raw[2], "\r\nCSeq: 2 PRACK\r\n"));
    cr_assert_str_eq(hdr(2, SIP_HDR_TO), hdr(1, SIP_HDR_TO));
    cr_assert_str_eq(dn_evs(a), "state5/183|media/0|prack/200");
    cr_assert_str_eq(dn_evs(b), "incoming+offer|media/0|state5/183|prack/183");
    /* the next reliable 1xx: RSeq + 1 (§3) */
    cr_assert_eq(sip_ua_progress(&b->ua, b->last_call, 180, 1, NULL, N.now), 0);
    dn_run(&N, 30);
    cr_assert_str_eq(dn_seq(&N, 4), "B>A 180/INVITE|A>B PRACK|B>A 200/PRACK");
    cr_assert_eq((uint32_t)strtoul(hdr(4, SIP_HDR_RSEQ), NULL, 10), rseq + 1);
    cr_assert(strstr(N.raw[5], "\r\nCSeq: 3 PRACK\r\n"));
    cr_assert_eq(sip_ua_answer(&b->ua, b->last_call, 200, NULL, N.now), 0);
    dn_run(&N, 40);
    cr_assert_str_eq(dn_seq(&N, 7), "B>A 200/INVITE|A>B ACK");
    cr_assert(!has_body(7), "%s", N.raw[7]);
    cr_assert_eq(a->media_events, 1);
    cr_assert_eq(b->media_events, 1);
    cr_assert_eq(sip_ua_call_state_of(&a->ua, c), SIP_UA_CALL_CONFIRMED);
    cr_assert_eq(sip_ua_hangup(&a->ua, c, N.now), 0);
    dn_run(&N, 50);
    cr_assert(strstr(N.raw[9], "\r\nCSeq: 4 BYE\r\n"), "%s", N.raw[9]);
    dn_fini(&N);
}

/* RFC 3262 §3: without a PRACK the reliable 1xx is retransmitted at T1,
 * 2T1, 4T1... (doubling, no T2 cap); after 64*T1 the INVITE is rejected
 * with 500 and the call ends (cause TIMEOUT). */
static int drop_prack(dn_net *n, int from, int to, const sip_msg *m)
{
    (void)n; (void)from; (void)to;
    return m->is_request && m->method == SIP_METHOD_PRACK;
}

Test(dialog_ext, rfc3262_3_retransmit_schedule_and_64t1_give_up)
{
    dn_node *a, *b;
    sip_ua_call c;
    sip_ua_config ca = rel_cfg(SIP_UA_100REL_SUPPORTED), cb = ca;
    static const uint64_t want[] = {0, 500, 1500, 3500, 7500, 15500, 31500};
    int i, k, i500;
    two(&a, &b, &ca, &cb);
    N.drop = drop_prack;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 0);
    cr_assert_eq(sip_ua_progress(&b->ua, b->last_call, 180, 1, NULL, N.now), 0);
    dn_run(&N, 40000);
    for (k = 0; k < 7; k++) {
        i = dn_nth(&N, "B>A 180/INVITE", k);
        cr_assert_geq(i, 0, "180 #%d missing: %s", k, dn_seq(&N, 0));
        cr_assert_eq(N.log_at[i], want[k] * 1000u, "180 #%d at %llu", k,
                     (unsigned long long)N.log_at[i]);
    }
    cr_assert_eq(dn_nth(&N, "B>A 180/INVITE", 7), -1);
    /* the UAC PRACKed only the first one (§4: retransmissions ignored) */
    cr_assert_eq(dn_nth(&N, "A>B PRACK", 0), 2);
    i500 = dn_nth(&N, "B>A 500/INVITE", 0);
    cr_assert_geq(i500, 0, "%s", dn_seq(&N, 0));
    cr_assert_eq(N.log_at[i500], 32000000u);
    cr_assert_str_eq(N.log[i500 + 1], "A>B ACK");
    cr_assert_str_eq(b->ev[b->nev - 1], "TERMINATED/6/500");
    cr_assert_eq(sip_ua_count_calls(&b->ua), 0);
    cr_assert_eq(sip_ua_count_calls(&a->ua), 0);
    dn_fini(&N);
}

/* RFC 3262 §5: the INVITE had no offer; the reliable 183 carries ours and
 * the PRACK the answer; neither 200 nor ACK carries SDP. */
Test(dialog_ext, rfc3262_5_offer_in_reliable_1xx_answer_in_prack)
{
    dn_node *a, *b;
    sip_ua_call c;
    sip_ua_config ca = rel_cfg(SIP_UA_100REL_SUPPORTED), cb = ca;
    two(&a, &b, &ca, &cb);
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, SIP_UA_CALL_NO_OFFER,
                                   N.now, &c), 0);
    dn_run(&N, 10);
    cr_assert(!has_body(0));
    cr_assert_eq(sip_ua_progress(&b->ua, b->last_call, 183, 1, &b->local, N.now), 0);
    dn_run(&N, 20);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B INVITE|B>A 183/INVITE|A>B PRACK|B>A 200/PRACK");
    cr_assert(has_body(1));
    cr_assert(has_body(2), "%s", N.raw[2]);
    cr_assert(strstr(N.raw[2], "m=audio 40000 RTP/AVP"), "%s", N.raw[2]);
    cr_assert(!has_body(3));
    cr_assert_eq(a->media_events, 1);
    cr_assert_eq(b->media_events, 1);
    cr_assert_eq(sip_ua_answer(&b->ua, b->last_call, 200, NULL, N.now), 0);
    dn_run(&N, 30);
    cr_assert_str_eq(dn_seq(&N, 4), "B>A 200/INVITE|A>B ACK");
    cr_assert(!has_body(4));
    cr_assert(!has_body(5));
    cr_assert_eq(sip_ua_call_state_of(&b->ua, b->last_call), SIP_UA_CALL_CONFIRMED);
    dn_fini(&N);
}

/* A scripted UAC: keeps the last message it got. */
static char last_msg[4096];
static void sink(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    (void)n; (void)self; (void)m; (void)from;
    snprintf(last_msg, sizeof last_msg, "%.*s", (int)len, buf);
}

static void inject(int from, int to, const char *msg)
{
    dn_post(&N, from, &N.node[to].addr, (const uint8_t *)msg, strlen(msg));
    dn_flush(&N);
}

#define XREQ(method, branch, totag, cseq, extra) \
    method " sip:bob@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bK" branch "\r\n" \
    "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.9>;tag=x1\r\nTo: <sip:bob@127.0.0.2>" totag "\r\n" \
    "Call-ID: ext-1\r\nCSeq: " cseq " " method "\r\nContact: <sip:x@127.0.0.9>\r\n" extra

/* RFC 3262 §3: a PRACK matching no unacknowledged reliable 1xx (wrong
 * RSeq, wrong CSeq) gets 481; the matching one 200. RFC 3262 §4 (UAS
 * side): 421 when we require 100rel and the INVITE does not support it. */
Test(dialog_ext, rfc3262_3_prack_matching_nothing_481)
{
    dn_node *a, *b;
    sip_ua_config ca = rel_cfg(SIP_UA_100REL_SUPPORTED), cb = ca;
    char totag[64], prack[1024];
    unsigned rseq;
    const char *t;
    two(&a, &b, &ca, &cb);
    dn_add_elem(&N, 'X', "127.0.0.9", sink);
    inject(2, 1, XREQ("INVITE", "i1", "", "1", "Supported: 100rel\r\nContent-Length: 0\r\n\r\n"));
    cr_assert_eq(sip_ua_progress(&b->ua, b->last_call, 180, 1, NULL, N.now), 0);
    dn_flush(&N);
    cr_assert(strstr(last_msg, "SIP/2.0 180 ") == last_msg, "%s", last_msg);
    t = strstr(dn_hdr(last_msg, strlen(last_msg), SIP_HDR_TO), ";tag=");
    cr_assert(t);
    snprintf(totag, sizeof totag, "%s", t);
    rseq = (unsigned)strtoul(dn_hdr(last_msg, strlen(last_msg), SIP_HDR_RSEQ), NULL, 10);
    snprintf(prack, sizeof prack,
             "PRACK sip:bob@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKp1\r\n"
             "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.9>;tag=x1\r\nTo: <sip:bob@127.0.0.2>%s\r\n"
             "Call-ID: ext-1\r\nCSeq: 2 PRACK\r\nRAck: %u 1 INVITE\r\nContent-Length: 0\r\n\r\n",
             totag, rseq + 1);
    inject(2, 1, prack);
    cr_assert(strstr(last_msg, "SIP/2.0 481 ") == last_msg, "%s", last_msg);
    snprintf(prack, sizeof prack,
             "PRACK sip:bob@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKp2\r\n"
             "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.9>;tag=x1\r\nTo: <sip:bob@127.0.0.2>%s\r\n"
             "Call-ID: ext-1\r\nCSeq: 3 PRACK\r\nRAck: %u 7 INVITE\r\nContent-Length: 0\r\n\r\n",
             totag, rseq);
    inject(2, 1, prack);
    cr_assert(strstr(last_msg, "SIP/2.0 481 ") == last_msg, "%s", last_msg);
    snprintf(prack, sizeof prack,
             "PRACK sip:bob@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKp3\r\n"
             "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.9>;tag=x1\r\nTo: <sip:bob@127.0.0.2>%s\r\n"
             "Call-ID: ext-1\r\nCSeq: 4 PRACK\r\nRAck: %u 1 INVITE\r\nContent-Length: 0\r\n\r\n",
             totag, rseq);
    inject(2, 1, prack);
    cr_assert(strstr(last_msg, "SIP/2.0 200 ") == last_msg, "%s", last_msg);
    cr_assert(strstr(last_msg, "\r\nCSeq: 4 PRACK\r\n"));
    cr_assert_str_eq(b->ev[b->nev - 1], "prack/180");
    /* a UAS requiring 100rel: 421 with Require: 100rel */
    dn_fini(&N);
    cb = rel_cfg(SIP_UA_100REL_REQUIRED);
    two(&a, &b, NULL, &cb);
    dn_add_elem(&N, 'X', "127.0.0.9", sink);
    inject(2, 1, XREQ("INVITE", "i2", "", "1", "Content-Length: 0\r\n\r\n"));
    cr_assert(strstr(last_msg, "SIP/2.0 421 ") == last_msg, "%s", last_msg);
    cr_assert(strstr(last_msg, "\r\nRequire: 100rel\r\n"), "%s", last_msg);
    cr_assert_eq(sip_ua_count_calls(&b->ua), 0);
    dn_fini(&N);
}

/* RFC 3262 §3: a UAS configured REQUIRED answers 180 reliably through
 * sip_ua_answer(); a UAC configured REQUIRED sends Require: 100rel. */
Test(dialog_ext, rfc3262_required_both_sides)
{
    dn_node *a, *b;
    sip_ua_call c;
    sip_ua_config ca = rel_cfg(SIP_UA_100REL_REQUIRED), cb = ca;
    two(&a, &b, &ca, &cb);
    b->auto_ring = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 10);
    cr_assert(strstr(N.raw[0], "\r\nRequire: 100rel\r\n"), "%s", N.raw[0]);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B INVITE|B>A 180/INVITE|A>B PRACK|B>A 200/PRACK");
    cr_assert_str_eq(hdr(1, SIP_HDR_REQUIRE), "100rel");
    dn_fini(&N);
}

/* ---- UPDATE (RFC 3311) ---------------------------------------------- */

static void established(dn_node **a, dn_node **b, sip_ua_call *c, const sip_ua_config *ca,
                        const sip_ua_config *cb)
{
    two(a, b, ca, cb);
    (*b)->auto_ring = (*b)->auto_answer = 1;
    cr_assert_eq(sip_ua_call_start(&(*a)->ua, "sip:bob@127.0.0.2", &(*a)->local, 0, N.now, c), 0);
    dn_run(&N, 100);
    cr_assert_eq(sip_ua_call_state_of(&(*a)->ua, *c), SIP_UA_CALL_CONFIRMED);
}

/* RFC 3311 §5.1, §5.2: UPDATE in a confirmed dialog with a hold offer
 * (o= version + 1, Contact); 200 with the recvonly answer and Contact. */
Test(dialog_ext, rfc3311_update_confirmed_dialog)
{
    dn_node *a, *b;
    sip_ua_call c;
    int i;
    established(&a, &b, &c, NULL, NULL);
    i = N.nlog;
    a->nev = b->nev = 0;
    a->local.media[0].dir = SDP_DIR_SENDONLY;
    cr_assert_eq(sip_ua_update(&a->ua, c, NULL, N.now), 0);
    cr_assert_eq(sip_ua_update(&a->ua, c, NULL, N.now), SIP_UA_ERR_STATE);
    cr_assert_eq(sip_ua_reinvite(&a->ua, c, NULL, N.now), SIP_UA_ERR_STATE);
    dn_run(&N, 200);
    cr_assert_str_eq(dn_seq(&N, i), "A>B UPDATE|B>A 200/UPDATE");
    cr_assert(strstr(N.raw[i], "UPDATE sip:bob@127.0.0.2:5060 SIP/2.0\r\n") == N.raw[i], "%s", N.raw[i]);
    cr_assert(strstr(N.raw[i], "\r\nCSeq: 2 UPDATE\r\n"), "%s", N.raw[i]);
    cr_assert(strstr(N.raw[i], "\r\nContact: <sip:alice@127.0.0.1:5060>\r\n"));
    cr_assert(strstr(N.raw[i], "a=sendonly"));
    cr_assert(strstr(N.raw[i], "o=cvoip 1000 2 IN IP4"), "%s", N.raw[i]);
    cr_assert(strstr(N.raw[i + 1], "\r\nContact: <sip:bob@127.0.0.2:5060>\r\n"));
    cr_assert(strstr(N.raw[i + 1], "a=recvonly"), "%s", N.raw[i + 1]);
    cr_assert_str_eq(dn_evs(a), "media/1|update/200");
    cr_assert_str_eq(dn_evs(b), "media/2");
    dn_fini(&N);
}

/* RFC 3311 §5.1: UPDATE in an early dialog once the offer/answer of the
 * reliable 183 is complete; the call then confirms normally. */
Test(dialog_ext, rfc3311_update_early_dialog)
{
    dn_node *a, *b;
    sip_ua_call c;
    sip_ua_config ca = rel_cfg(SIP_UA_100REL_SUPPORTED), cb = ca;
    two(&a, &b, &ca, &cb);
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 10);
    /* no dialog yet */
    cr_assert_eq(sip_ua_update(&a->ua, c, NULL, N.now), SIP_UA_ERR_STATE);
    cr_assert_eq(sip_ua_progress(&b->ua, b->last_call, 183, 1, &b->local, N.now), 0);
    dn_run(&N, 20);
    a->local.media[0].dir = SDP_DIR_SENDONLY;
    cr_assert_eq(sip_ua_update(&a->ua, c, NULL, N.now), 0);
    dn_run(&N, 30);
    cr_assert_str_eq(dn_seq(&N, 4), "A>B UPDATE|B>A 200/UPDATE");
    cr_assert(strstr(N.raw[4], "\r\nCSeq: 3 UPDATE\r\n"), "%s", N.raw[4]);
    cr_assert(strstr(N.raw[5], "a=recvonly"));
    cr_assert_eq(sip_ua_call_state_of(&a->ua, c), SIP_UA_CALL_EARLY);
    cr_assert_eq(b->media_dir[0], SDP_DIR_RECVONLY);
    cr_assert_eq(sip_ua_answer(&b->ua, b->last_call, 200, NULL, N.now), 0);
    dn_run(&N, 40);
    cr_assert_str_eq(dn_seq(&N, 6), "B>A 200/INVITE|A>B ACK");
    cr_assert_eq(sip_ua_call_state_of(&a->ua, c), SIP_UA_CALL_CONFIRMED);
    cr_assert_str_eq(dn_evs(a), "state5/183|media/0|prack/200|media/1|update/200|state6/200|state7/200");
    dn_fini(&N);
}

/* RFC 3311 §5.2 with RFC 3261 §14.1 timers: both send UPDATE at once,
 * both get 491; the Call-ID owner (A) retries after 2.1..4 s, the other
 * after 0..2 s. */
Test(dialog_ext, rfc3311_update_glare_491_and_retry)
{
    dn_node *a, *b;
    sip_ua_call c;
    int i, ia, ib, k;
    established(&a, &b, &c, NULL, NULL);
    i = N.nlog;
    cr_assert_eq(sip_ua_update(&a->ua, c, NULL, N.now), 0);
    cr_assert_eq(sip_ua_update(&b->ua, b->last_call, NULL, N.now), 0);
    dn_run(&N, 150);
    cr_assert_str_eq(dn_seq(&N, i), "A>B UPDATE|B>A UPDATE|B>A 491/UPDATE|A>B 491/UPDATE");
    dn_run(&N, 10000);
    ia = ib = -1;
    for (k = i + 4; k < N.nlog; k++) {
        if (!strcmp(N.log[k], "A>B UPDATE") && ia < 0) ia = k;
        if (!strcmp(N.log[k], "B>A UPDATE") && ib < 0) ib = k;
    }
    cr_assert_geq(ia, 0, "%s", dn_seq(&N, i));
    cr_assert_geq(ib, 0, "%s", dn_seq(&N, i));
    cr_assert_geq(N.log_at[ia], 100000u + 2100000u);
    cr_assert_leq(N.log_at[ia], 100000u + 4000000u);
    cr_assert_leq(N.log_at[ib], 100000u + 2000000u);
    cr_assert_str_eq(N.log[ia + 1], "B>A 200/UPDATE");
    cr_assert_str_eq(N.log[ib + 1], "A>B 200/UPDATE");
    cr_assert_eq(a->media_events, 3, "%s", dn_evs(a));
    dn_fini(&N);
}

/* ---- session timers (RFC 4028) -------------------------------------- */

static sip_ua_config st_cfg(uint32_t se, uint32_t min_se)
{
    sip_ua_config c;
    memset(&c, 0, sizeof c);
    c.session_timer = 1;
    c.session_expires = se;
    c.min_se = min_se;
    return c;
}

/* RFC 4028 §7.1, §9: Session-Expires 90 and Min-SE 90 in the INVITE; the
 * 200 names refresher=uac with Require: timer; the UAC refreshes at SE/2
 * (45 s) with UPDATE (the UAS allows it, §7.4) and again 45 s later. */
Test(dialog_ext, rfc4028_negotiation_and_refresh_at_half)
{
    dn_node *a, *b;
    sip_ua_call c;
    sip_ua_config ca = st_cfg(90, 90), cb = st_cfg(0, 0);
    int i, i0, u;
    established(&a, &b, &c, &ca, &cb);
    cr_assert_str_eq(hdr(0, SIP_HDR_SESSION_EXPIRES), "90");
    cr_assert_str_eq(hdr(0, SIP_HDR_MIN_SE), "90");
    cr_assert(strstr(N.raw[0], "\r\nSupported: timer, replaces, join, norefersub\r\n"));
    i = dn_nth(&N, "B>A 200/INVITE", 0);
    cr_assert_str_eq(hdr(i, SIP_HDR_SESSION_EXPIRES), "90;refresher=uac");
    cr_assert_str_eq(hdr(i, SIP_HDR_REQUIRE), "timer");
    cr_assert_str_eq(a->ev[a->nev - 1], "st/90/1", "%s", dn_evs(a));
    cr_assert_str_eq(b->ev[b->nev - 2], "st/90/0", "%s", dn_evs(b));
    i0 = N.nlog;
    dn_run(&N, 44000);
    cr_assert_eq(N.nlog, i0);
    dn_run(&N, 46000);
    cr_assert_str_eq(dn_seq(&N, i0), "A>B UPDATE|B>A 200/UPDATE");
    u = i0;
    cr_assert_eq(N.log_at[u], 45000000u);
    cr_assert(!has_body(u));
    cr_assert_str_eq(hdr(u, SIP_HDR_SESSION_EXPIRES), "90;refresher=uac");
    cr_assert_str_eq(hdr(u + 1, SIP_HDR_SESSION_EXPIRES), "90;refresher=uac");
    dn_run(&N, 91000);
    cr_assert_str_eq(dn_seq(&N, i0), "A>B UPDATE|B>A 200/UPDATE|A>B UPDATE|B>A 200/UPDATE");
    cr_assert_eq(N.log_at[i0 + 2], 90000000u);
    cr_assert_eq(sip_ua_call_state_of(&b->ua, b->last_call), SIP_UA_CALL_CONFIRMED);
    cr_assert_str_eq(a->ev[a->nev - 1], "st/90/1");
    cr_assert_str_eq(b->ev[b->nev - 1], "st/90/0");
    dn_fini(&N);
}

/* RFC 4028 §10: the refreshes never arrive; the UAS sends BYE at
 * SE - min(32, SE/3) = 60 s after the 2xx and the call ends with cause
 * SESSION_EXPIRED. */
static int drop_update(dn_net *n, int from, int to, const sip_msg *m)
{
    (void)n; (void)from; (void)to;
    return m->is_request && m->method == SIP_METHOD_UPDATE;
}

Test(dialog_ext, rfc4028_10_bye_at_expiry_without_refresh)
{
    dn_node *a, *b;
    sip_ua_call c;
    sip_ua_config ca = st_cfg(90, 90), cb = st_cfg(0, 0);
    int i;
    established(&a, &b, &c, &ca, &cb);
    N.drop = drop_update;
    dn_run(&N, 70000);
    i = dn_nth(&N, "B>A BYE", 0);
    cr_assert_geq(i, 0, "%s", dn_seq(&N, 0));
    cr_assert_eq(N.log_at[i], 60000000u);
    cr_assert_str_eq(N.log[i + 1], "A>B 200/BYE");
    cr_assert_str_eq(b->ev[b->nev - 1], "TERMINATED/10/0");
    cr_assert_str_eq(a->ev[a->nev - 1], "TERMINATED/2/0");
    cr_assert_eq(sip_ua_count_calls(&a->ua), 0);
    cr_assert_eq(sip_ua_count_calls(&b->ua), 0);
    dn_fini(&N);
}

/* RFC 4028 §10 with the UAS as refresher: a UAC without timer support
 * (no Supported: timer) gets refresher=uas; the UAS refreshes at 45 s with
 * a re-INVITE when the UAC's Allow has no UPDATE... here it has, so UPDATE. */
Test(dialog_ext, rfc4028_9_uas_refresher_when_uac_lacks_timer)
{
    dn_node *a, *b;
    sip_ua_call c;
    sip_ua_config cb = st_cfg(90, 90);
    int i, i0;
    established(&a, &b, &c, NULL, &cb);
    cr_assert_null(strstr(N.raw[0], "Session-Expires"));
    i = dn_nth(&N, "B>A 200/INVITE", 0);
    cr_assert_str_eq(hdr(i, SIP_HDR_SESSION_EXPIRES), "90;refresher=uas");
    cr_assert_null(strstr(N.raw[i], "\r\nRequire: timer"));
    i0 = N.nlog;
    dn_run(&N, 46000);
    cr_assert_str_eq(dn_seq(&N, i0), "B>A UPDATE|A>B 200/UPDATE");
    cr_assert_eq(N.log_at[i0], 45000000u);
    dn_fini(&N);
}

/* RFC 4028 §6, §7.4: the UAS's Min-SE is 1800; our 90 gets 422 with
 * Min-SE: 1800 and the INVITE is retried (CSeq 2, same Call-ID) with
 * Session-Expires and Min-SE 1800. */
Test(dialog_ext, rfc4028_422_retry_with_larger_interval)
{
    dn_node *a, *b;
    sip_ua_call c;
    sip_ua_config ca = st_cfg(90, 90), cb = st_cfg(1800, 1800);
    int r;
    two(&a, &b, &ca, &cb);
    b->auto_ring = b->auto_answer = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B INVITE|B>A 422/INVITE|A>B ACK|A>B INVITE|B>A 180/INVITE|"
                     "B>A 200/INVITE|A>B ACK");
    cr_assert_str_eq(hdr(1, SIP_HDR_MIN_SE), "1800");
    r = 3;
    cr_assert(strstr(N.raw[r], "\r\nCSeq: 2 INVITE\r\n"), "%s", N.raw[r]);
    cr_assert_str_eq(hdr(r, SIP_HDR_SESSION_EXPIRES), "1800");
    cr_assert_str_eq(hdr(r, SIP_HDR_MIN_SE), "1800");
    cr_assert_str_eq(hdr(r, SIP_HDR_CALL_ID), hdr(0, SIP_HDR_CALL_ID));
    cr_assert_str_eq(hdr(5, SIP_HDR_SESSION_EXPIRES), "1800;refresher=uac");
    cr_assert_eq(sip_ua_call_state_of(&a->ua, c), SIP_UA_CALL_CONFIRMED);
    cr_assert_str_eq(a->ev[a->nev - 1], "st/1800/1");
    dn_fini(&N);
}

/* ---- INFO (RFC 6086) ------------------------------------------------ */

/* RFC 6086 §4.2, §5.2: an INFO for a package in our Recv-Info is answered
 * 200 and delivered; another package gets 469 with Recv-Info; a legacy
 * INFO without Info-Package (application/dtmf-relay) is delivered too. */
Test(dialog_ext, rfc6086_info_package_469_and_legacy)
{
    dn_node *a, *b;
    sip_ua_call c;
    sip_ua_config cb;
    int i;
    static const char dtmf[] = "Signal=5\r\nDuration=160\r\n";
    memset(&cb, 0, sizeof cb);
    cb.recv_info = "dtmf";
    established(&a, &b, &c, NULL, &cb);
    i = dn_nth(&N, "B>A 200/INVITE", 0);
    cr_assert_str_eq(hdr(i, SIP_HDR_RECV_INFO), "dtmf");
    a->nev = b->nev = 0;
    i = N.nlog;
    cr_assert_eq(sip_ua_info(&a->ua, c, "dtmf", "application/dtmf-relay", dtmf, strlen(dtmf), N.now), 0);
    dn_run(&N, 200);
    cr_assert_str_eq(dn_seq(&N, i), "A>B INFO|B>A 200/INFO");
    cr_assert_str_eq(hdr(i, SIP_HDR_INFO_PACKAGE), "dtmf");
    cr_assert(strstr(N.raw[i], "\r\nContent-Disposition: Info-Package\r\n"));
    cr_assert(strstr(N.raw[i], "\r\nContent-Type: application/dtmf-relay\r\n"));
    cr_assert_str_eq(dn_evs(b), "info/dtmf/Signal=5\r\nDuration=160\r\n");
    cr_assert_str_eq(dn_evs(a), "infodone/200");
    cr_assert_eq(sip_ua_info(&a->ua, c, "foo", "application/foo", "x", 1, N.now), 0);
    dn_run(&N, 300);
    cr_assert_str_eq(dn_seq(&N, i + 2), "A>B INFO|B>A 469/INFO");
    cr_assert(strstr(N.raw[i + 3], "SIP/2.0 469 Bad Info Package\r\n") == N.raw[i + 3], "%s", N.raw[i + 3]);
    cr_assert_str_eq(hdr(i + 3, SIP_HDR_RECV_INFO), "dtmf");
    cr_assert_str_eq(a->ev[a->nev - 1], "infodone/469");
    cr_assert_eq(sip_ua_info(&a->ua, c, NULL, "application/dtmf-relay", dtmf, strlen(dtmf), N.now), 0);
    dn_run(&N, 400);
    cr_assert_str_eq(dn_seq(&N, i + 4), "A>B INFO|B>A 200/INFO");
    cr_assert_null(strstr(N.raw[i + 4], "Info-Package"));
    cr_assert_str_eq(b->ev[b->nev - 1], "info//Signal=5\r\nDuration=160\r\n");
    cr_assert_eq(sip_ua_info(&a->ua, c, "bad\r\n", "a/b", "x", 1, N.now), SIP_UA_ERR_INVALID);
    cr_assert_eq(sip_ua_info(&a->ua, c, "dtmf", NULL, "x", 1, N.now), SIP_UA_ERR_INVALID);
    dn_fini(&N);
}

/* ---- OPTIONS (RFC 3261 §11.2) --------------------------------------- */

/* §11.2: OPTIONS answered 200 with Allow, Accept, Accept-Encoding,
 * Accept-Language, Supported and the SDP of our capabilities. */
Test(dialog_ext, rfc3261_11_2_options_capabilities)
{
    dn_node *a, *b;
    sip_ua_config cb;
    static sdp_local caps;
    memset(&cb, 0, sizeof cb);
    cb.rel100 = SIP_UA_100REL_SUPPORTED;
    cb.session_timer = 1;
    cb.recv_info = "dtmf";
    dn_local(&caps, "127.0.0.2", 40002);
    cb.local_sdp = &caps;
    two(&a, &b, NULL, &cb);
    dn_add_elem(&N, 'X', "127.0.0.9", sink);
    inject(2, 1, XREQ("OPTIONS", "o1", "", "1", "Accept: application/sdp\r\nContent-Length: 0\r\n\r\n"));
    cr_assert(strstr(last_msg, "SIP/2.0 200 ") == last_msg, "%s", last_msg);
    cr_assert(strstr(last_msg, "\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, PRACK, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER\r\n"));
    cr_assert(strstr(last_msg, "\r\nAccept: application/sdp, text/plain\r\n"));
    cr_assert(strstr(last_msg, "\r\nAccept-Encoding: identity\r\n"));
    cr_assert(strstr(last_msg, "\r\nAccept-Language: en\r\n"));
    cr_assert(strstr(last_msg, "\r\nSupported: 100rel, timer, replaces, join, norefersub\r\n"), "%s", last_msg);
    cr_assert(strstr(last_msg, "\r\nRecv-Info: dtmf\r\n"));
    cr_assert(strstr(last_msg, "\r\nContent-Type: application/sdp\r\n"));
    cr_assert(strstr(last_msg, "\r\nm=audio 40002 RTP/AVP 0 8\r\n"), "%s", last_msg);
    cr_assert(strstr(dn_hdr(last_msg, strlen(last_msg), SIP_HDR_TO), ";tag="));
    cr_assert_eq(sip_ua_count_calls(&b->ua), 0);
    dn_fini(&N);
}

/* RFC 3311 §5.2: an UPDATE with an offer while the peer's own offer (the
 * INVITE's) is unanswered gets 500 with Retry-After 0..10 s; while our
 * offer (in a reliable 183, RFC 3262 §5) is unanswered it gets 491. */
Test(dialog_ext, rfc3311_5_2_update_500_retry_after_and_491)
{
    dn_node *a, *b;
    sip_ua_config cb = rel_cfg(SIP_UA_100REL_SUPPORTED);
    char totag[64], upd[2048];
    const char *t, *sdp = "v=0\r\no=x 1 1 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
                          "m=audio 5004 RTP/AVP 0\r\n";
    unsigned ra;
    two(&a, &b, NULL, &cb);
    dn_add_elem(&N, 'X', "127.0.0.9", sink);
    snprintf(upd, sizeof upd, XREQ("INVITE", "i1", "", "1", "Content-Type: application/sdp\r\nContent-Length: %u\r\n\r\n%s"),
             (unsigned)strlen(sdp), sdp);
    inject(2, 1, upd);
    cr_assert_eq(sip_ua_progress(&b->ua, b->last_call, 180, 0, NULL, N.now), 0);
    dn_flush(&N);
    t = strstr(dn_hdr(last_msg, strlen(last_msg), SIP_HDR_TO), ";tag=");
    cr_assert(t, "%s", last_msg);
    snprintf(totag, sizeof totag, "%s", t);
    snprintf(upd, sizeof upd,
             "UPDATE sip:bob@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKu1\r\n"
             "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.9>;tag=x1\r\nTo: <sip:bob@127.0.0.2>%s\r\n"
             "Call-ID: ext-1\r\nCSeq: 2 UPDATE\r\nContact: <sip:x@127.0.0.9>\r\n"
             "Content-Type: application/sdp\r\nContent-Length: %u\r\n\r\n%s",
             totag, (unsigned)strlen(sdp), sdp);
    inject(2, 1, upd);
    cr_assert(strstr(last_msg, "SIP/2.0 500 ") == last_msg, "%s", last_msg);
    ra = (unsigned)strtoul(dn_hdr(last_msg, strlen(last_msg), SIP_HDR_RETRY_AFTER), NULL, 10);
    cr_assert_leq(ra, 10);
    cr_assert(strstr(last_msg, "\r\nRetry-After: "));
    dn_fini(&N);
    /* our offer in a reliable 183 is pending: 491 */
    two(&a, &b, NULL, &cb);
    dn_add_elem(&N, 'X', "127.0.0.9", sink);
    inject(2, 1, XREQ("INVITE", "i2", "", "1", "Supported: 100rel\r\nContent-Length: 0\r\n\r\n"));
    cr_assert_eq(sip_ua_progress(&b->ua, b->last_call, 183, 1, &b->local, N.now), 0);
    dn_flush(&N);
    cr_assert(strstr(last_msg, "SIP/2.0 183 ") == last_msg, "%s", last_msg);
    cr_assert(strstr(last_msg, "m=audio 40002 RTP/AVP"), "%s", last_msg);
    t = strstr(dn_hdr(last_msg, strlen(last_msg), SIP_HDR_TO), ";tag=");
    snprintf(totag, sizeof totag, "%s", t);
    snprintf(upd, sizeof upd,
             "UPDATE sip:bob@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKu2\r\n"
             "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.9>;tag=x1\r\nTo: <sip:bob@127.0.0.2>%s\r\n"
             "Call-ID: ext-1\r\nCSeq: 2 UPDATE\r\nContact: <sip:x@127.0.0.9>\r\n"
             "Content-Type: application/sdp\r\nContent-Length: %u\r\n\r\n%s",
             totag, (unsigned)strlen(sdp), sdp);
    inject(2, 1, upd);
    cr_assert(strstr(last_msg, "SIP/2.0 491 ") == last_msg, "%s", last_msg);
    dn_fini(&N);
}
