/* sip_dialog.h: subscriptions (RFC 6665) and transfer (RFC 3515, RFC 4488,
 * RFC 3891, RFC 3892, RFC 3911) between UA cores on the in-memory network
 * of dialog_net.h, with exact wire sequences and timer values. The
 * transfer flows follow RFC 5359 §2.4 and §2.5 with three UAs: A (alice),
 * B (bob), C (carol). */
#include "dialog_net_subs.h"

static dn_net N;
static const char *PIDF = "<presence/>";

/* Scripted elements answer into last_resp. */
static char last_resp[4096];
static void sink(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    (void)n; (void)self; (void)m; (void)from;
    snprintf(last_resp, sizeof last_resp, "%.*s", (int)len, buf);
}

static void inject(int from, int to, const char *msg)
{
    dn_post(&N, from, &N.node[to].addr, (const uint8_t *)msg, strlen(msg));
    dn_flush(&N);
}

/* The raw datagram of the k-th log entry containing what. */
static const char *raw_of(const char *what, int k)
{
    int i = dn_nth(&N, what, k);
    cr_assert_geq(i, 0, "no %s #%d in %s", what, k, dn_seq(&N, 0));
    return N.raw[i];
}

static void scopy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static uint64_t at_of(const char *what, int k)
{
    int i = dn_nth(&N, what, k);
    cr_assert_geq(i, 0, "no %s #%d", what, k);
    return N.log_at[i];
}

static void presence_pair(dn_node **a, dn_node **b)
{
    sip_ua_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.events = "presence";
    dn_init(&N);
    *a = dns_add_ua(&N, 'A', "127.0.0.1", "alice", NULL);
    *b = dns_add_ua(&N, 'B', "127.0.0.2", "bob", &cfg);
}

/* RFC 6665 §4.1.2.1, §4.2.1.2, §4.1.2.2, §4.1.2.3: SUBSCRIBE / 200 /
 * immediate NOTIFY / 200; the refresh at expires - 30 s with its NOTIFY;
 * a NOTIFY with new state; unsubscribe with Expires: 0 and the terminated
 * NOTIFY; nothing left afterwards. */
Test(dialog_subs, rfc6665_subscribe_notify_refresh_unsubscribe)
{
    dn_node *a, *b;
    sip_ua_sub s;
    const char *sub, *ok, *no;
    presence_pair(&a, &b);
    DNS[1].sub_accept = 200;
    DNS[1].ctype = "application/pidf+xml";
    DNS[1].body = PIDF;
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:bob@127.0.0.2", "presence", "application/pidf+xml", 600,
                                  N.now, &s), 0);
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, s), SIP_UA_SUB_SUBSCRIBING);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B SUBSCRIBE|B>A 200/SUBSCRIBE|B>A NOTIFY|A>B 200/NOTIFY");
    sub = N.raw[0];
    cr_assert(strstr(sub, "SUBSCRIBE sip:bob@127.0.0.2 SIP/2.0\r\n") == sub, "%s", sub);
    cr_assert(strstr(sub, "\r\nEvent: presence\r\nExpires: 600\r\nAccept: application/pidf+xml\r\n"));
    cr_assert(strstr(sub, "\r\nContact: <sip:alice@127.0.0.1:5060>\r\n"));
    cr_assert(strstr(sub, "\r\nCSeq: 1 SUBSCRIBE\r\n"));
    cr_assert(strstr(sub, "\r\nAllow-Events: refer\r\n"));
    ok = N.raw[1];
    cr_assert(strstr(ok, "\r\nExpires: 600\r\n"), "%s", ok);
    cr_assert(strstr(ok, "\r\nContact: <sip:bob@127.0.0.2:5060>\r\n"));
    no = N.raw[2];
    cr_assert(strstr(no, "NOTIFY sip:alice@127.0.0.1:5060 SIP/2.0\r\n") == no, "%s", no);
    cr_assert(strstr(no, "\r\nEvent: presence\r\nSubscription-State: active;expires=600\r\n"));
    cr_assert(strstr(no, "\r\nContent-Type: application/pidf+xml\r\n"));
    cr_assert(strstr(no, "\r\n\r\n<presence/>"));
    cr_assert(strstr(sub, "\r\nSupported: replaces, join, norefersub\r\n"));
    /* the NOTIFY is in the dialog of the 200: the same tags */
    cr_assert_str_eq(dn_hdr(no, strlen(no), SIP_HDR_FROM), dn_hdr(ok, strlen(ok), SIP_HDR_TO));
    cr_assert_str_eq(dn_evs(a), "notify4/0/600/0");
    cr_assert_str_eq(dn_evs(b), "subscribe/presence/600");
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, s), SIP_UA_SUB_ACTIVE);
    cr_assert_eq(sip_ua_sub_state_of(&b->ua, DNS[1].last_sub), SIP_UA_SUB_ACTIVE);
    /* the refresh: 600 - min(300, 30) = 570 s after the 200 */
    dn_run(&N, 600000);
    cr_assert_str_eq(dn_seq(&N, 4), "A>B SUBSCRIBE|B>A 200/SUBSCRIBE|B>A NOTIFY|A>B 200/NOTIFY");
    cr_assert_eq(at_of("A>B SUBSCRIBE", 1), 570000000u);
    sub = raw_of("A>B SUBSCRIBE", 1);
    cr_assert(strstr(sub, "SUBSCRIBE sip:bob@127.0.0.2:5060 SIP/2.0\r\n") == sub, "%s", sub);
    cr_assert(strstr(sub, "\r\nCSeq: 2 SUBSCRIBE\r\n"));
    cr_assert(strstr(sub, "\r\nExpires: 600\r\n"));
    cr_assert(strstr(raw_of("B>A NOTIFY", 1), "\r\nSubscription-State: active;expires=600\r\n"));
    cr_assert_str_eq(dn_evs(b), "subscribe/presence/600|sub4/0/0");
    /* new state from the application (§4.2.2): 30 s after the refresh */
    cr_assert_eq(sip_ua_notify(&b->ua, DNS[1].last_sub, SIP_UA_SUB_ACTIVE, 0, "application/pidf+xml",
                               "<x/>", 4, N.now), 0);
    dn_run(&N, 600100);
    cr_assert(strstr(raw_of("B>A NOTIFY", 2), "\r\nSubscription-State: active;expires=570\r\n"));
    cr_assert_str_eq(dn_evs(a), "notify4/0/600/0|notify4/0/600/0|notify4/0/570/0");
    /* §4.1.2.3: unsubscribe */
    cr_assert_eq(sip_ua_unsubscribe(&a->ua, s, N.now), 0);
    cr_assert_eq(sip_ua_unsubscribe(&a->ua, s, N.now), SIP_UA_ERR_STATE);
    dn_run(&N, 600200);
    cr_assert_str_eq(dn_seq(&N, 10), "A>B SUBSCRIBE|B>A 200/SUBSCRIBE|B>A NOTIFY|A>B 200/NOTIFY");
    cr_assert(strstr(raw_of("A>B SUBSCRIBE", 2), "\r\nExpires: 0\r\n"));
    cr_assert(strstr(raw_of("B>A 200/SUBSCRIBE", 2), "\r\nExpires: 0\r\n"));
    cr_assert(strstr(raw_of("B>A NOTIFY", 3), "\r\nSubscription-State: terminated;reason=timeout\r\n"));
    cr_assert_str_eq(a->ev[a->nev - 2], "notify5/4/0/0");
    cr_assert_str_eq(a->ev[a->nev - 1], "sub5/4/0");
    cr_assert_str_eq(b->ev[b->nev - 1], "sub5/4/0");
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, s), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_count_subs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_subs(&b->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    dn_run(&N, 4000000);
    cr_assert_eq(N.nlog, 14, "%s", dn_seq(&N, 14));
    dn_fini(&N);
}

/* Drop every SUBSCRIBE after the first. */
static int subs_seen;
static int drop_refresh(dn_net *n, int from, int to, const sip_msg *m)
{
    (void)n; (void)from; (void)to;
    return m->is_request && m->method == SIP_METHOD_SUBSCRIBE && subs_seen++ > 0;
}

/* RFC 6665 §4.2.2: a subscription not refreshed ends at its expiry with a
 * NOTIFY terminated;reason=timeout, exactly 60 s after the 200; the
 * subscriber's refresh was lost (it went at 30 s, §4.1.2.2). */
Test(dialog_subs, rfc6665_4_2_2_expiry_notify_reason_timeout)
{
    dn_node *a, *b;
    sip_ua_sub s;
    presence_pair(&a, &b);
    DNS[1].sub_accept = 200;
    subs_seen = 0;
    N.drop = drop_refresh;
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:bob@127.0.0.2", "presence", NULL, 60, N.now, &s), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B SUBSCRIBE|B>A 200/SUBSCRIBE|B>A NOTIFY|A>B 200/NOTIFY");
    cr_assert(strstr(N.raw[2], "\r\nSubscription-State: active;expires=60\r\n"));
    cr_assert(!strstr(N.raw[2], "Content-Type"));
    dn_run(&N, 59999);
    cr_assert_eq(at_of("A>B SUBSCRIBE!", 0), 30000000u);
    cr_assert_eq(dn_nth(&N, "B>A NOTIFY", 1), -1);
    dn_run(&N, 60000);
    cr_assert_eq(at_of("B>A NOTIFY", 1), 60000000u);
    cr_assert(strstr(raw_of("B>A NOTIFY", 1), "\r\nSubscription-State: terminated;reason=timeout\r\n"));
    cr_assert_str_eq(dn_evs(b), "subscribe/presence/60|sub5/4/0");
    cr_assert_str_eq(dn_evs(a), "notify4/0/60/0|notify5/4/0/0|sub5/4/0");
    /* the lost refresh times out later without effect */
    dn_run(&N, 200000);
    cr_assert_eq(sip_ua_count_subs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    cr_assert_eq(a->nev, 3);
    dn_fini(&N);
}

/* RFC 6665 §4.2.1.1 / §8.2.2: 489 Bad Event with Allow-Events for a
 * package the notifier does not serve; the subscription ends. */
Test(dialog_subs, rfc6665_489_bad_event)
{
    dn_node *a, *b;
    sip_ua_sub s;
    presence_pair(&a, &b);
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:bob@127.0.0.2", "dialog", NULL, 0, N.now, &s), 0);
    cr_assert(strstr(N.q[0].b, "\r\nExpires: 3600\r\n"));
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B SUBSCRIBE|B>A 489/SUBSCRIBE");
    cr_assert(strstr(N.raw[1], "SIP/2.0 489 Bad Event\r\n") == N.raw[1], "%s", N.raw[1]);
    cr_assert(strstr(N.raw[1], "\r\nAllow-Events: refer, presence\r\n"));
    cr_assert_str_eq(dn_evs(a), "sub5/0/489");
    cr_assert_str_eq(dn_evs(b), "");
    cr_assert_eq(sip_ua_count_subs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    dn_fini(&N);
}

/* RFC 6665 §4.1.3: a NOTIFY that matches no subscription gets 481 (an
 * unknown dialog; a known dialog with another package); one without
 * Subscription-State 400; the subscription is untouched. */
Test(dialog_subs, rfc6665_4_1_3_notify_matching_nothing_481)
{
    dn_node *a, *b;
    sip_ua_sub s;
    char msg[4096], cid[1024], ftag[1024], ttag[1024];
    const char *no;
    presence_pair(&a, &b);
    DNS[1].sub_accept = 200;
    dn_add_elem(&N, 'X', "127.0.0.2", sink); /* never addressed: B is found first */
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:bob@127.0.0.2", "presence", NULL, 600, N.now, &s), 0);
    dn_run(&N, 100);
    no = N.raw[2];
    scopy(cid, sizeof cid, dn_hdr(no, strlen(no), SIP_HDR_CALL_ID));
    scopy(ftag, sizeof ftag, strstr(dn_hdr(no, strlen(no), SIP_HDR_FROM), "tag=") + 4);
    scopy(ttag, sizeof ttag, strstr(dn_hdr(no, strlen(no), SIP_HDR_TO), "tag=") + 4);
    N.node[2].addr.port = 5062; /* X gets its own address */
#define NOTIFY_FMT \
    "NOTIFY sip:alice@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bKx%d\r\n" \
    "Max-Forwards: 70\r\nFrom: <sip:bob@127.0.0.2>;tag=%s\r\nTo: <sip:alice@127.0.0.1>;tag=%s\r\n" \
    "Call-ID: %s\r\nCSeq: %d NOTIFY\r\nContact: <sip:bob@127.0.0.2:5062>\r\nEvent: %s\r\n%s" \
    "Content-Length: 0\r\n\r\n"
    snprintf(msg, sizeof msg, NOTIFY_FMT, 1, ftag, "nosuchtag", cid, 10, "presence",
             "Subscription-State: active\r\n");
    inject(2, 0, msg);
    cr_assert(strstr(last_resp, "SIP/2.0 481 ") == last_resp, "%s", last_resp);
    snprintf(msg, sizeof msg, NOTIFY_FMT, 2, ftag, ttag, cid, 11, "dialog", "Subscription-State: active\r\n");
    inject(2, 0, msg);
    cr_assert(strstr(last_resp, "SIP/2.0 481 ") == last_resp, "%s", last_resp);
    snprintf(msg, sizeof msg, NOTIFY_FMT, 3, ftag, ttag, cid, 12, "presence", "");
    inject(2, 0, msg);
    cr_assert(strstr(last_resp, "SIP/2.0 400 ") == last_resp, "%s", last_resp);
    /* out of any dialog (no To tag) */
    snprintf(msg, sizeof msg,
             "NOTIFY sip:alice@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bKx4\r\n"
             "Max-Forwards: 70\r\nFrom: <sip:bob@127.0.0.2>;tag=q\r\nTo: <sip:alice@127.0.0.1>\r\n"
             "Call-ID: other\r\nCSeq: 1 NOTIFY\r\nEvent: presence\r\nSubscription-State: active\r\n"
             "Content-Length: 0\r\n\r\n");
    inject(2, 0, msg);
    cr_assert(strstr(last_resp, "SIP/2.0 481 ") == last_resp, "%s", last_resp);
    cr_assert_str_eq(dn_evs(a), "notify4/0/600/0");
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, s), SIP_UA_SUB_ACTIVE);
    dn_fini(&N);
}

/* A scripted notifier behind a forking proxy: for the SUBSCRIBE it sends
 * a NOTIFY before the 200 (tag n1), the 200 (n1), then a NOTIFY from a
 * second fork (n2); later requests are answered 200 with NOTIFY
 * terminated. */
static void fork_notifier(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    char out[2048], ftag[64];
    size_t pos = 0;
    const sip_hdr *h;
    int k;
    (void)buf; (void)len;
    if (!m->is_request) return;
    if (m->method != SIP_METHOD_SUBSCRIBE) return;
    snprintf(ftag, sizeof ftag, "%.*s", (int)m->from.tag.len, m->from.tag.p);
    h = sip_msg_find(m, SIP_HDR_CALL_ID, &pos);
    if (!m->to.tag.p) {
        int t;
        for (t = 1; t <= 2; t++) {
            k = snprintf(out, sizeof out,
                         "NOTIFY sip:alice@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.5:5060;branch=z9hG4bKf%d\r\n"
                         "Max-Forwards: 70\r\nFrom: <sip:pres@127.0.0.5>;tag=n%d\r\nTo: <sip:alice@127.0.0.1>;tag=%s\r\n"
                         "Call-ID: %.*s\r\nCSeq: 1 NOTIFY\r\nContact: <sip:pres%d@127.0.0.5:5060>\r\nEvent: presence\r\n"
                         "Subscription-State: %s\r\nContent-Length: 0\r\n\r\n",
                         t, t, ftag, (int)h->value.len, h->value.p, t,
                         t == 1 ? "pending;expires=3600" : "active;expires=1200");
            dn_post(n, self, &n->node[from].addr, (const uint8_t *)out, (size_t)k);
            if (t == 1) {
                sip_hdr_field ex[2];
                ex[0].name = sip_str_c("Expires");
                ex[0].value = sip_str_c("3600");
                ex[1].name = sip_str_c("Contact");
                ex[1].value = sip_str_c("<sip:pres1@127.0.0.5:5060>");
                dn_elem_reply(n, self, from, m, 200, "n1", ex, 2);
            }
        }
        return;
    }
    {
        sip_hdr_field ex[1];
        ex[0].name = sip_str_c("Expires");
        ex[0].value = sip_str_c("0");
        dn_elem_reply(n, self, from, m, 200, "", ex, 1);
        k = snprintf(out, sizeof out,
                     "NOTIFY sip:alice@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.5:5060;branch=z9hG4bKf9\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:pres@127.0.0.5>;tag=%.*s\r\nTo: <sip:alice@127.0.0.1>;tag=%s\r\n"
                     "Call-ID: %.*s\r\nCSeq: 2 NOTIFY\r\nEvent: presence\r\n"
                     "Subscription-State: terminated;reason=timeout\r\nContent-Length: 0\r\n\r\n",
                     (int)m->to.tag.len, m->to.tag.p, ftag, (int)h->value.len, h->value.p);
        dn_post(n, self, &n->node[from].addr, (const uint8_t *)out, (size_t)k);
    }
}

/* RFC 6665 §4.1.2.4: a NOTIFY may arrive before the 2xx and creates the
 * dialog; NOTIFYs from other forks (other From tags) are subscriptions of
 * their own, each with its dialog; unsubscribing one leaves the other. */
Test(dialog_subs, rfc6665_4_1_2_4_notify_before_2xx_and_forks)
{
    dn_node *a;
    sip_ua_sub s, forked;
    const char *sub;
    dn_init(&N);
    a = dns_add_ua(&N, 'A', "127.0.0.1", "alice", NULL);
    dn_add_elem(&N, 'P', "127.0.0.5", fork_notifier);
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:pres@127.0.0.5", "presence", NULL, 3600, N.now, &s), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0),
                     "A>P SUBSCRIBE|P>A NOTIFY|P>A 200/SUBSCRIBE|P>A NOTIFY|A>P 200/NOTIFY|A>P 200/NOTIFY");
    cr_assert_str_eq(dn_evs(a), "notify3/0/3600/0|notify4/0/1200/0+fork");
    forked = DNS[0].last_sub;
    cr_assert_neq(forked, s);
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, s), SIP_UA_SUB_PENDING);
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, forked), SIP_UA_SUB_ACTIVE);
    cr_assert_eq(sip_ua_count_subs(&a->ua), 2);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 2);
    /* the forked subscription's own dialog: To tag n2, its Contact */
    cr_assert_eq(sip_ua_unsubscribe(&a->ua, forked, N.now), 0);
    dn_run(&N, 200);
    sub = raw_of("A>P SUBSCRIBE", 1);
    cr_assert(strstr(sub, "SUBSCRIBE sip:pres2@127.0.0.5:5060 SIP/2.0\r\n") == sub, "%s", sub);
    cr_assert(strstr(sub, ">;tag=n2\r\n"));
    cr_assert(strstr(sub, "\r\nCSeq: 2 SUBSCRIBE\r\n"));
    cr_assert_str_eq(dn_seq(&N, 6), "A>P SUBSCRIBE|P>A 200/SUBSCRIBE|P>A NOTIFY|A>P 200/NOTIFY");
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, forked), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, s), SIP_UA_SUB_PENDING);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 1);
    /* the original refreshes on its own dialog at 3600 - 30 s */
    dn_run(&N, 3570000);
    sub = raw_of("A>P SUBSCRIBE", 2);
    cr_assert(strstr(sub, "SUBSCRIBE sip:pres1@127.0.0.5:5060 SIP/2.0\r\n") == sub, "%s", sub);
    cr_assert_eq(at_of("A>P SUBSCRIBE", 2), 3570000000u);
    dn_fini(&N);
}

/* RFC 6665 §4.1.3: "deactivated" makes the subscriber subscribe again at
 * once with a new dialog (a new Call-ID); the handle stays the same. */
Test(dialog_subs, rfc6665_4_1_3_deactivated_resubscribes)
{
    dn_node *a, *b;
    sip_ua_sub s;
    char cid1[1024], cid2[1024];
    presence_pair(&a, &b);
    DNS[1].sub_accept = 200;
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:bob@127.0.0.2", "presence", NULL, 600, N.now, &s), 0);
    dn_run(&N, 100);
    cr_assert_eq(sip_ua_notify(&b->ua, DNS[1].last_sub, SIP_UA_SUB_TERMINATED, SIP_UA_SUB_REASON_DEACTIVATED,
                               NULL, NULL, 0, N.now), 0);
    dn_run(&N, 200);
    cr_assert_str_eq(dn_seq(&N, 4), "B>A NOTIFY|A>B 200/NOTIFY|A>B SUBSCRIBE|B>A 200/SUBSCRIBE|B>A NOTIFY|A>B 200/NOTIFY");
    cr_assert(strstr(N.raw[4], "\r\nSubscription-State: terminated;reason=deactivated\r\n"));
    scopy(cid1, sizeof cid1, dn_hdr(N.raw[0], strlen(N.raw[0]), SIP_HDR_CALL_ID));
    scopy(cid2, sizeof cid2, dn_hdr(N.raw[6], strlen(N.raw[6]), SIP_HDR_CALL_ID));
    cr_assert_str_neq(cid1, cid2);
    cr_assert(!strstr(dn_hdr(N.raw[6], strlen(N.raw[6]), SIP_HDR_TO), "tag="));
    cr_assert_str_eq(dn_evs(a), "notify4/0/600/0|notify5/1/0/0|sub1/1/0|notify4/0/600/0");
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, s), SIP_UA_SUB_ACTIVE);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 1);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 1);
    dn_fini(&N);
}

/* ---- transfer (RFC 3515, RFC 5359) ----------------------------------- */

static void three_uas(dn_node **a, dn_node **b, dn_node **c)
{
    dn_init(&N);
    *a = dns_add_ua(&N, 'A', "127.0.0.1", "alice", NULL);
    *b = dns_add_ua(&N, 'B', "127.0.0.2", "bob", NULL);
    *c = dns_add_ua(&N, 'C', "127.0.0.3", "carol", NULL);
}

/* x calls y (y answers at once); returns x's handle, y's in *yc. */
static sip_ua_call connect_call(dn_node *x, dn_node *y, const char *uri, sip_ua_call *yc)
{
    sip_ua_call c;
    y->auto_ring = 1;
    y->auto_answer = 1;
    cr_assert_eq(sip_ua_call_start(&x->ua, uri, &x->local, 0, N.now, &c), 0);
    dn_run(&N, N.now / 1000 + 100);
    cr_assert_eq(sip_ua_call_state_of(&x->ua, c), SIP_UA_CALL_CONFIRMED);
    *yc = y->last_call;
    y->auto_ring = y->auto_answer = 0;
    return c;
}

/* RFC 5359 §2.4 (unattended transfer), RFC 3515 §2.4: B (transferor) in a
 * call with A (transferee) sends REFER to C; A answers 202 and the
 * immediate NOTIFY "100 Trying" (§2.4.5), calls C with Referred-By (RFC
 * 3892), reports "200 OK" in the final NOTIFY (terminated;reason=
 * noresource), and B hangs up. */
Test(dialog_subs, rfc5359_2_4_blind_transfer)
{
    dn_node *a, *b, *c;
    sip_ua_call ab, ba, ac;
    sip_ua_sub r;
    const char *ref, *n1, *n2, *inv;
    int k;
    three_uas(&a, &b, &c);
    ab = connect_call(a, b, "sip:bob@127.0.0.2", &ba);
    k = N.nlog;
    DNS[0].refer_call = 1;
    DNS[1].hangup_on_final = 1;
    c->auto_ring = c->auto_answer = 1;
    cr_assert_eq(sip_ua_refer(&b->ua, ba, "sip:carol@127.0.0.3", 0, N.now, &r), 0);
    dn_run(&N, 1000);
    cr_assert_str_eq(dn_seq(&N, k),
                     "B>A REFER|A>B 202/REFER|A>B NOTIFY|A>C INVITE|B>A 200/NOTIFY|C>A 180/INVITE|"
                     "C>A 200/INVITE|A>C ACK|A>B NOTIFY|B>A 200/NOTIFY|B>A BYE|A>B 200/BYE");
    ref = raw_of("B>A REFER", 0);
    cr_assert(strstr(ref, "REFER sip:alice@127.0.0.1:5060 SIP/2.0\r\n") == ref, "%s", ref);
    cr_assert(strstr(ref, "\r\nRefer-To: <sip:carol@127.0.0.3>\r\nReferred-By: <sip:bob@127.0.0.2>\r\n"));
    cr_assert(strstr(ref, "\r\nContact: <sip:bob@127.0.0.2:5060>\r\n"));
    cr_assert(strstr(ref, "\r\nCSeq: 1 REFER\r\n"), "%s", ref);
    n1 = raw_of("A>B NOTIFY", 0);
    cr_assert(strstr(n1, "\r\nEvent: refer;id=1\r\nSubscription-State: active;expires=180\r\n"), "%s", n1);
    cr_assert(strstr(n1, "\r\nContent-Type: message/sipfrag\r\n"));
    cr_assert(strstr(n1, "\r\n\r\nSIP/2.0 100 Trying\r\n"));
    n2 = raw_of("A>B NOTIFY", 1);
    cr_assert(strstr(n2, "\r\nSubscription-State: terminated;reason=noresource\r\n"), "%s", n2);
    cr_assert(strstr(n2, "\r\n\r\nSIP/2.0 200 OK\r\n"));
    inv = raw_of("A>C INVITE", 0);
    cr_assert(strstr(inv, "INVITE sip:carol@127.0.0.3 SIP/2.0\r\n") == inv, "%s", inv);
    cr_assert(strstr(inv, "\r\nReferred-By: <sip:bob@127.0.0.2>\r\n"));
    cr_assert(!strstr(inv, "Replaces"));
    /* B hangs up from inside the final NOTIFY's event, then the
     * subscription ends */
    cr_assert_str_eq(dn_evs(b) + strlen(dn_evs(b)) - strlen("notify4/0/180/100|notify5/6/0/200|TERMINATED/1/0|sub5/6/0"),
                     "notify4/0/180/100|notify5/6/0/200|TERMINATED/1/0|sub5/6/0");
    cr_assert_eq(sip_ua_call_state_of(&a->ua, ab), SIP_UA_ERR_STALE);
    ac = DNS[0].refer_call_h;
    cr_assert_eq(sip_ua_call_state_of(&a->ua, ac), SIP_UA_CALL_CONFIRMED);
    cr_assert_eq(sip_ua_count_subs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_subs(&b->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 1);
    dn_fini(&N);
}

/* RFC 5359 §2.5 (attended transfer), RFC 3891: B talks to A and to C; B
 * refers A to C with Refer-To: <C?Replaces=B-C dialog>; A's INVITE to C
 * carries Replaces (to-tag = C's tag, from-tag = B's) and Require:
 * replaces; C reports the call it replaces, answers, and after the ACK
 * ends the B-C call with BYE; A's final NOTIFY makes B hang up. */
Test(dialog_subs, rfc5359_2_5_attended_transfer_replaces)
{
    dn_node *a, *b, *c;
    sip_ua_call ab, ba, bc, cb;
    sip_ua_sub r;
    const char *ref, *inv;
    char want[1024], cid[512], btag[128], ctag[128];
    int k;
    three_uas(&a, &b, &c);
    ab = connect_call(a, b, "sip:bob@127.0.0.2", &ba);
    bc = connect_call(b, c, "sip:carol@127.0.0.3", &cb);
    k = N.nlog;
    /* the B-C dialog as B sees it */
    {
        const char *i = raw_of("B>C INVITE", 0), *ok = raw_of("C>B 200/INVITE", 0);
        scopy(cid, sizeof cid, dn_hdr(i, strlen(i), SIP_HDR_CALL_ID));
        scopy(btag, sizeof btag, strstr(dn_hdr(i, strlen(i), SIP_HDR_FROM), "tag=") + 4);
        scopy(ctag, sizeof ctag, strstr(dn_hdr(ok, strlen(ok), SIP_HDR_TO), "tag=") + 4);
    }
    DNS[0].refer_call = 1;
    DNS[1].hangup_on_final = 1;
    DNS[2].answer_replaces = 1;
    cr_assert_eq(sip_ua_refer_replaces(&b->ua, ba, bc, 0, N.now, &r), 0);
    dn_run(&N, N.now / 1000 + 1000);
    cr_assert_str_eq(dn_seq(&N, k),
                     "B>A REFER|A>B 202/REFER|A>B NOTIFY|A>C INVITE|B>A 200/NOTIFY|C>A 200/INVITE|"
                     "A>C ACK|A>B NOTIFY|C>B BYE|B>A 200/NOTIFY|B>A BYE|B>C 200/BYE|A>B 200/BYE");
    ref = raw_of("B>A REFER", 0);
    snprintf(want, sizeof want, "\r\nRefer-To: <sip:carol@127.0.0.3:5060?Replaces=%s%%3Bto-tag%%3D%s%%3Bfrom-tag%%3D%s>\r\n",
             cid, ctag, btag);
    cr_assert(strstr(ref, want), "%s\n%s", want, ref);
    inv = raw_of("A>C INVITE", 0);
    cr_assert(strstr(inv, "INVITE sip:carol@127.0.0.3:5060 SIP/2.0\r\n") == inv, "%s", inv);
    snprintf(want, sizeof want, "\r\nReplaces: %s;to-tag=%s;from-tag=%s\r\nRequire: replaces\r\n", cid, ctag, btag);
    cr_assert(strstr(inv, want), "%s\n%s", want, inv);
    cr_assert(strstr(inv, "\r\nReferred-By: <sip:bob@127.0.0.2>\r\n"));
    /* C: the replaced call is named, then ended with BYE after the ACK */
    cr_assert_eq(DNS[2].replaces, cb);
    cr_assert(strstr(dn_evs(c), "replaces|incoming+offer|media/0|state6/200|TERMINATED/1/0|state7/0"),
              "%s", dn_evs(c));
    cr_assert_eq(sip_ua_call_state_of(&c->ua, cb), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_call_state_of(&b->ua, bc), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_call_state_of(&b->ua, ba), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_call_state_of(&a->ua, ab), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_call_state_of(&a->ua, DNS[0].refer_call_h), SIP_UA_CALL_CONFIRMED);
    cr_assert_eq(sip_ua_count_calls(&c->ua), 1);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    cr_assert_eq(sip_ua_count_calls(&b->ua), 0);
    cr_assert_eq(sip_ua_count_subs(&b->ua), 0);
    dn_fini(&N);
}

#define INV_FMT \
    "INVITE sip:carol@127.0.0.3 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKr%d\r\n" \
    "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.9>;tag=x%d\r\nTo: <sip:carol@127.0.0.3>\r\n" \
    "Call-ID: r%d\r\nCSeq: 1 INVITE\r\nContact: <sip:x@127.0.0.9>\r\n%s: %s\r\nContent-Length: 0\r\n\r\n"

/* RFC 3891 §3: a Replaces naming no dialog gets 481; early-only on a
 * confirmed dialog 486; an early dialog we did not initiate 481. */
Test(dialog_subs, rfc3891_3_replaces_no_match_481_early_only_486)
{
    dn_node *a, *b, *c;
    sip_ua_call bc, cb;
    char msg[2048], val[1024], cid[512], btag[128], ctag[128];
    const char *i, *ok;
    three_uas(&a, &b, &c);
    (void)a;
    dn_add_elem(&N, 'X', "127.0.0.9", sink);
    bc = connect_call(b, c, "sip:carol@127.0.0.3", &cb);
    (void)bc;
    i = raw_of("B>C INVITE", 0);
    ok = raw_of("C>B 200/INVITE", 0);
    scopy(cid, sizeof cid, dn_hdr(i, strlen(i), SIP_HDR_CALL_ID));
    scopy(btag, sizeof btag, strstr(dn_hdr(i, strlen(i), SIP_HDR_FROM), "tag=") + 4);
    scopy(ctag, sizeof ctag, strstr(dn_hdr(ok, strlen(ok), SIP_HDR_TO), "tag=") + 4);
    snprintf(val, sizeof val, "%s;to-tag=%s;from-tag=nosuch", cid, ctag);
    snprintf(msg, sizeof msg, INV_FMT, 1, 1, 1, "Replaces", val);
    inject(3, 2, msg);
    cr_assert(strstr(last_resp, "SIP/2.0 481 ") == last_resp, "%s", last_resp);
    snprintf(val, sizeof val, "%s;to-tag=%s;from-tag=%s;early-only", cid, ctag, btag);
    snprintf(msg, sizeof msg, INV_FMT, 2, 2, 2, "Replaces", val);
    inject(3, 2, msg);
    cr_assert(strstr(last_resp, "SIP/2.0 486 ") == last_resp, "%s", last_resp);
    /* the tags the other way round name nothing */
    snprintf(val, sizeof val, "%s;to-tag=%s;from-tag=%s", cid, btag, ctag);
    snprintf(msg, sizeof msg, INV_FMT, 3, 3, 3, "Replaces", val);
    inject(3, 2, msg);
    cr_assert(strstr(last_resp, "SIP/2.0 481 ") == last_resp, "%s", last_resp);
    cr_assert_eq(sip_ua_call_state_of(&c->ua, cb), SIP_UA_CALL_CONFIRMED);
    cr_assert_eq(sip_ua_count_calls(&c->ua), 1);
    /* an early dialog C did not initiate (C rings for B) */
    {
        sip_ua_call b2;
        int k = N.nlog;
        c->auto_ring = 1;
        cr_assert_eq(sip_ua_call_start(&b->ua, "sip:carol@127.0.0.3", &b->local, 0, N.now, &b2), 0);
        dn_run(&N, N.now / 1000 + 100);
        i = raw_of("B>C INVITE", 1);
        ok = raw_of("C>B 180/INVITE", 1);
        cr_assert_geq(dn_nth(&N, "C>B 180/INVITE", 1), k);
        scopy(cid, sizeof cid, dn_hdr(i, strlen(i), SIP_HDR_CALL_ID));
        scopy(btag, sizeof btag, strstr(dn_hdr(i, strlen(i), SIP_HDR_FROM), "tag=") + 4);
        scopy(ctag, sizeof ctag, strstr(dn_hdr(ok, strlen(ok), SIP_HDR_TO), "tag=") + 4);
        snprintf(val, sizeof val, "%s;to-tag=%s;from-tag=%s", cid, ctag, btag);
        snprintf(msg, sizeof msg, INV_FMT, 4, 4, 4, "Replaces", val);
        inject(3, 2, msg);
        cr_assert(strstr(last_resp, "SIP/2.0 481 ") == last_resp, "%s", last_resp);
    }
    dn_fini(&N);
}

/* RFC 3911 §4: an INVITE with Join naming a confirmed dialog is offered
 * with the joined call's handle; one naming nothing gets 481. */
Test(dialog_subs, rfc3911_join)
{
    dn_node *a, *b, *c;
    sip_ua_call bc, cb;
    char msg[2048], val[1024], cid[512], btag[128], ctag[128];
    const char *i, *ok;
    three_uas(&a, &b, &c);
    (void)a;
    dn_add_elem(&N, 'X', "127.0.0.9", sink);
    bc = connect_call(b, c, "sip:carol@127.0.0.3", &cb);
    (void)bc;
    i = raw_of("B>C INVITE", 0);
    ok = raw_of("C>B 200/INVITE", 0);
    scopy(cid, sizeof cid, dn_hdr(i, strlen(i), SIP_HDR_CALL_ID));
    scopy(btag, sizeof btag, strstr(dn_hdr(i, strlen(i), SIP_HDR_FROM), "tag=") + 4);
    scopy(ctag, sizeof ctag, strstr(dn_hdr(ok, strlen(ok), SIP_HDR_TO), "tag=") + 4);
    snprintf(val, sizeof val, "%s;to-tag=%s;from-tag=x", cid, ctag);
    snprintf(msg, sizeof msg, INV_FMT, 1, 1, 1, "Join", val);
    inject(3, 2, msg);
    cr_assert(strstr(last_resp, "SIP/2.0 481 ") == last_resp, "%s", last_resp);
    cr_assert_eq(sip_ua_count_calls(&c->ua), 1);
    snprintf(val, sizeof val, "%s;to-tag=%s;from-tag=%s", cid, ctag, btag);
    snprintf(msg, sizeof msg, INV_FMT, 2, 2, 2, "Join", val);
    DNS[2].answer_replaces = 1;
    inject(3, 2, msg);
    cr_assert(strstr(last_resp, "SIP/2.0 200 ") == last_resp, "%s", last_resp);
    cr_assert_eq(DNS[2].joins, cb);
    cr_assert_eq(DNS[2].replaces, 0);
    cr_assert_eq(sip_ua_count_calls(&c->ua), 2);
    /* the joined call is not ended (the application mixes) */
    cr_assert_eq(sip_ua_call_state_of(&c->ua, cb), SIP_UA_CALL_CONFIRMED);
    dn_fini(&N);
}

/* RFC 4488 §4: Refer-Sub: false asked and granted: the 202 says so, no
 * NOTIFY follows, the referrer's handle ends with the 202. */
Test(dialog_subs, rfc4488_refer_sub_false)
{
    dn_node *a, *b, *c;
    sip_ua_call ab, ba;
    sip_ua_sub r;
    int k;
    three_uas(&a, &b, &c);
    ab = connect_call(a, b, "sip:bob@127.0.0.2", &ba);
    (void)ab;
    k = N.nlog;
    DNS[0].refer_call = 1;
    c->auto_ring = c->auto_answer = 1;
    cr_assert_eq(sip_ua_refer(&b->ua, ba, "<sip:carol@127.0.0.3>", SIP_UA_REFER_NO_SUB, N.now, &r), 0);
    dn_run(&N, N.now / 1000 + 1000);
    cr_assert_str_eq(dn_seq(&N, k), "B>A REFER|A>B 202/REFER|A>C INVITE|C>A 180/INVITE|C>A 200/INVITE|A>C ACK");
    cr_assert(strstr(raw_of("B>A REFER", 0), "\r\nRefer-To: <sip:carol@127.0.0.3>\r\n"));
    cr_assert(strstr(raw_of("B>A REFER", 0), "\r\nRefer-Sub: false\r\n"));
    cr_assert(strstr(raw_of("A>B 202/REFER", 0), "\r\nRefer-Sub: false\r\n"));
    cr_assert(strstr(dn_evs(a), "refer/0"));
    cr_assert_str_eq(b->ev[b->nev - 1], "sub5/0/202");
    cr_assert_eq(sip_ua_sub_state_of(&b->ua, r), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_count_subs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_subs(&b->ua), 0);
    dn_fini(&N);
}

/* RFC 5057 §5 / RFC 3515: the REFER's dialog is shared by the INVITE
 * usage and the subscription; a BYE ends the INVITE usage only, the final
 * NOTIFY still travels in the dialog, and the dialog ends with it. */
Test(dialog_subs, rfc5057_dialog_ends_with_last_usage)
{
    dn_node *a, *b, *c;
    sip_ua_call ab, ba;
    sip_ua_sub r;
    int k;
    three_uas(&a, &b, &c);
    ab = connect_call(a, b, "sip:bob@127.0.0.2", &ba);
    DNS[0].refer_call = 1;
    c->auto_ring = 1; /* C rings and does not answer yet */
    cr_assert_eq(sip_ua_refer(&b->ua, ba, "sip:carol@127.0.0.3", 0, N.now, &r), 0);
    dn_run(&N, N.now / 1000 + 100);
    cr_assert_eq(sip_ua_hangup(&b->ua, ba, N.now), 0);
    k = N.nlog;
    dn_run(&N, N.now / 1000 + 100);
    cr_assert_str_eq(dn_seq(&N, k), "B>A BYE|A>B 200/BYE");
    cr_assert_eq(sip_ua_call_state_of(&a->ua, ab), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 1);
    cr_assert_eq(sip_ua_sub_state_of(&b->ua, r), SIP_UA_SUB_ACTIVE);
    cr_assert_eq(sip_ua_answer(&c->ua, c->last_call, 200, NULL, N.now), 0);
    k = N.nlog;
    dn_run(&N, N.now / 1000 + 100);
    cr_assert_str_eq(dn_seq(&N, k), "C>A 200/INVITE|A>C ACK|A>B NOTIFY|B>A 200/NOTIFY");
    cr_assert_str_eq(b->ev[b->nev - 1], "sub5/6/0");
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 1); /* the A-C call */
    dn_fini(&N);
}

/* A scripted notifier: 200 (Expires: 600) to every SUBSCRIBE; for the
 * first one, in mode 1, a NOTIFY terminated;reason=probation;
 * retry-after=20; in mode 0 no NOTIFY at all. */
static int silent_mode;
static void script_notifier(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    sip_hdr_field ex[2];
    char out[2048];
    size_t pos = 0;
    const sip_hdr *h;
    int k;
    (void)buf; (void)len;
    if (!m->is_request || m->method != SIP_METHOD_SUBSCRIBE) return;
    ex[0].name = sip_str_c("Expires");
    ex[0].value = sip_str_c("600");
    ex[1].name = sip_str_c("Contact");
    ex[1].value = sip_str_c("<sip:pres@127.0.0.5:5060>");
    dn_elem_reply(n, self, from, m, 200, "s1", ex, 2);
    if (silent_mode != 1) return;
    silent_mode = 2;
    h = sip_msg_find(m, SIP_HDR_CALL_ID, &pos);
    k = snprintf(out, sizeof out,
                 "NOTIFY sip:alice@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.5:5060;branch=z9hG4bKp1\r\n"
                 "Max-Forwards: 70\r\nFrom: <sip:pres@127.0.0.5>;tag=s1\r\nTo: <sip:alice@127.0.0.1>;tag=%.*s\r\n"
                 "Call-ID: %.*s\r\nCSeq: 1 NOTIFY\r\nEvent: presence\r\n"
                 "Subscription-State: terminated;reason=probation;retry-after=20\r\nContent-Length: 0\r\n\r\n",
                 (int)m->from.tag.len, m->from.tag.p, (int)h->value.len, h->value.p);
    dn_post(n, self, &n->node[from].addr, (const uint8_t *)out, (size_t)k);
}

/* RFC 6665 §4.1.2.4: Timer N: no NOTIFY within 64*T1 (32 s) of the SUBSCRIBE
 * ends the subscription. */
Test(dialog_subs, rfc6665_4_1_2_4_timer_n)
{
    dn_node *a;
    sip_ua_sub s;
    dn_init(&N);
    a = dns_add_ua(&N, 'A', "127.0.0.1", "alice", NULL);
    dn_add_elem(&N, 'P', "127.0.0.5", script_notifier);
    silent_mode = 0;
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:pres@127.0.0.5", "presence", NULL, 600, N.now, &s), 0);
    dn_run(&N, 31999);
    cr_assert_str_eq(dn_seq(&N, 0), "A>P SUBSCRIBE|P>A 200/SUBSCRIBE");
    cr_assert_str_eq(dn_evs(a), "");
    dn_run(&N, 32000);
    cr_assert_str_eq(dn_evs(a), "sub5/4/0");
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, s), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    dn_fini(&N);
}

/* RFC 6665 §4.1.3: "probation" with retry-after=20: a new SUBSCRIBE (new
 * Call-ID, no To tag) exactly 20 s later, same handle. */
Test(dialog_subs, rfc6665_4_1_3_probation_retry_after)
{
    dn_node *a;
    sip_ua_sub s;
    const char *sub;
    dn_init(&N);
    a = dns_add_ua(&N, 'A', "127.0.0.1", "alice", NULL);
    dn_add_elem(&N, 'P', "127.0.0.5", script_notifier);
    silent_mode = 1;
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:pres@127.0.0.5", "presence", NULL, 600, N.now, &s), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>P SUBSCRIBE|P>A 200/SUBSCRIBE|P>A NOTIFY|A>P 200/NOTIFY");
    cr_assert_str_eq(dn_evs(a), "notify5/2/0/0|sub1/2/0");
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, s), SIP_UA_SUB_SUBSCRIBING);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    dn_run(&N, 20100);
    cr_assert_eq(at_of("A>P SUBSCRIBE", 1), 20000000u);
    sub = raw_of("A>P SUBSCRIBE", 1);
    cr_assert(!strstr(dn_hdr(sub, strlen(sub), SIP_HDR_TO), "tag="));
    cr_assert_str_neq(dn_hdr(sub, strlen(sub), SIP_HDR_CALL_ID), "");
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 1);
    cr_assert_eq(sip_ua_sub_state_of(&a->ua, s), SIP_UA_SUB_SUBSCRIBING);
    dn_fini(&N);
}

/* RFC 6665 §4.2.1.2 / RFC 3261 §8.2: a SUBSCRIBE the application rejects
 * gets the status; a stale handle afterwards is refused. */
Test(dialog_subs, rfc6665_subscribe_rejected_by_application)
{
    dn_node *a, *b;
    sip_ua_sub s;
    presence_pair(&a, &b);
    DNS[1].sub_reject = 403;
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:bob@127.0.0.2", "presence", NULL, 60, N.now, &s), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B SUBSCRIBE|B>A 403/SUBSCRIBE");
    cr_assert_str_eq(dn_evs(a), "sub5/0/403");
    cr_assert_str_eq(dn_evs(b), "subscribe/presence/60|sub5/3/403");
    cr_assert_eq(sip_ua_sub_accept(&b->ua, DNS[1].last_sub, 200, 0, NULL, NULL, 0, N.now), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_notify(&b->ua, DNS[1].last_sub, SIP_UA_SUB_ACTIVE, 0, NULL, NULL, 0, N.now),
                 SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_unsubscribe(&a->ua, s, N.now), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    dn_fini(&N);
}

/* RFC 3515 §2.4.2: a REFER the referee refuses (603) ends the implicit
 * subscription with the status; REFER needs a confirmed call; handles of
 * the other role are refused. */
Test(dialog_subs, rfc3515_refer_rejected_and_api_errors)
{
    dn_node *a, *b, *c;
    sip_ua_call ab, ba;
    sip_ua_sub r;
    int k;
    three_uas(&a, &b, &c);
    (void)c;
    ab = connect_call(a, b, "sip:bob@127.0.0.2", &ba);
    k = N.nlog;
    DNS[0].sub_reject = 603;
    cr_assert_eq(sip_ua_refer(&b->ua, ba, "sip:carol@127.0.0.3", 0, N.now, &r), 0);
    cr_assert_eq(sip_ua_refer_notify(&b->ua, r, 200, N.now), SIP_UA_ERR_STATE);
    cr_assert_eq(sip_ua_sub_accept(&b->ua, r, 202, 0, NULL, NULL, 0, N.now), SIP_UA_ERR_STATE);
    dn_run(&N, N.now / 1000 + 100);
    cr_assert_str_eq(dn_seq(&N, k), "B>A REFER|A>B 603/REFER");
    cr_assert_str_eq(b->ev[b->nev - 1], "sub5/0/603");
    cr_assert_str_eq(a->ev[a->nev - 1], "sub5/3/603");
    cr_assert_eq(sip_ua_call_state_of(&a->ua, ab), SIP_UA_CALL_CONFIRMED);
    cr_assert_eq(sip_ua_count_subs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_subs(&b->ua), 0);
    cr_assert_eq(sip_ua_refer(&b->ua, ba, "not a uri", 0, N.now, &r), SIP_UA_ERR_INVALID);
    cr_assert_eq(sip_ua_refer(&b->ua, ba + (1ull << 32), "sip:c@127.0.0.3", 0, N.now, &r), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_refer_replaces(&b->ua, ba, ba, 0, N.now, &r), SIP_UA_ERR_STATE);
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:bob@127.0.0.2", "presence\r\nX: y", NULL, 0, N.now, &r),
                 SIP_UA_ERR_INVALID);
    /* both dialogs still carry the call only */
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 1);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 1);
    dn_fini(&N);
}

/* RFC 6665 §4.1.2.3: unsubscribing before any response: the SUBSCRIBE
 * with Expires: 0 goes once the dialog exists (after the 2xx), and the
 * terminated NOTIFY ends the handle. */
Test(dialog_subs, rfc6665_unsubscribe_before_dialog)
{
    dn_node *a, *b;
    sip_ua_sub s;
    presence_pair(&a, &b);
    DNS[1].sub_accept = 202;
    cr_assert_eq(sip_ua_subscribe(&a->ua, "sip:bob@127.0.0.2", "presence", NULL, 600, N.now, &s), 0);
    cr_assert_eq(sip_ua_unsubscribe(&a->ua, s, N.now), 0);
    cr_assert_eq(sip_ua_unsubscribe(&a->ua, s, N.now), SIP_UA_ERR_STATE);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B SUBSCRIBE|B>A 202/SUBSCRIBE|B>A NOTIFY|A>B SUBSCRIBE|A>B 200/NOTIFY|"
                                    "B>A 200/SUBSCRIBE|B>A NOTIFY|A>B 200/NOTIFY");
    cr_assert(strstr(N.raw[2], "\r\nSubscription-State: pending;expires=600\r\n"));
    cr_assert(strstr(N.raw[3], "\r\nExpires: 0\r\n"));
    cr_assert(strstr(N.raw[6], "\r\nSubscription-State: terminated;reason=timeout\r\n"));
    cr_assert_str_eq(dn_evs(a), "notify3/0/600/0|notify5/4/0/0|sub5/4/0");
    cr_assert_eq(sip_ua_count_subs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_subs(&b->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    dn_fini(&N);
}

/* Everything sent to a scripted element, concatenated. */
static char all_in[16384];
static void sink_all(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    size_t k = strlen(all_in);
    (void)n; (void)self; (void)m; (void)from;
    if (k + len + 2 < sizeof all_in) {
        memcpy(all_in + k, buf, len);
        all_in[k + len] = '|';
        all_in[k + len + 1] = 0;
    }
}

/* RFC 6665 §4.4.3 (fetch): a SUBSCRIBE with Expires: 0 gets 200 with
 * Expires: 0 and one NOTIFY terminated;reason=timeout carrying the state;
 * nothing stays behind. */
Test(dialog_subs, rfc6665_fetch_expires_0)
{
    dn_node *a, *b;
    presence_pair(&a, &b);
    (void)a;
    DNS[1].sub_accept = 200;
    DNS[1].ctype = "application/pidf+xml";
    DNS[1].body = PIDF;
    dn_add_elem(&N, 'X', "127.0.0.9", sink_all);
    all_in[0] = 0;
    inject(2, 1,
           "SUBSCRIBE sip:bob@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKfetch\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.9>;tag=x1\r\nTo: <sip:bob@127.0.0.2>\r\n"
           "Call-ID: fetch1\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:x@127.0.0.9>\r\nEvent: presence\r\n"
           "Expires: 0\r\nContent-Length: 0\r\n\r\n");
    cr_assert(strstr(all_in, "SIP/2.0 200 OK\r\n") == all_in, "%s", all_in);
    cr_assert(strstr(all_in, "\r\nExpires: 0\r\n"));
    cr_assert(strstr(all_in, "|NOTIFY sip:x@127.0.0.9 SIP/2.0\r\n"), "%s", all_in);
    cr_assert(strstr(all_in, "\r\nSubscription-State: terminated;reason=timeout\r\n"));
    cr_assert(strstr(all_in, "\r\n\r\n<presence/>|"));
    cr_assert_str_eq(dn_evs(b), "subscribe/presence/0|sub5/4/0");
    cr_assert_eq(sip_ua_count_subs(&b->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    dn_fini(&N);
}
