/* sip_transaction.h: the server machines (RFC 3261 §17.2, Figures 7 and 8,
 * RFC 6026, RFC 4320), matching (§17.2.3 with and without the magic
 * cookie), CANCEL (§9.2), merged requests (§8.2.2.2), limits, handles. */
#include "tsx_harness.h"

static const char SINV[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Timestamp: 54\r\n"
    "Content-Length: 0\r\n\r\n";

static const char SBYE[] =
    "BYE sip:bob@192.0.2.4 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds10\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 231 BYE\r\n"
    "Content-Length: 0\r\n\r\n";

/* An ACK for the final response to SINV: same branch (§17.1.1.3). */
static const char SACK[] =
    "ACK sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=srvtag\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 ACK\r\n"
    "Content-Length: 0\r\n\r\n";

static const char SCANCEL[] =
    "CANCEL sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 CANCEL\r\n"
    "Content-Length: 0\r\n\r\n";

static sip_target peer(sip_tp tp)
{
    return th_target(tp, "192.0.2.9:5060");
}

static sip_tsx_id deliver(th *t, const char *msg, sip_tp tp)
{
    sip_target p = peer(tp);
    int before = th_count(t, SIP_TSX_EV_REQUEST);
    cr_assert_eq(th_recv(t, msg, &p), 0);
    if (th_count(t, SIP_TSX_EV_REQUEST) == before) return 0;
    return th_last(t, SIP_TSX_EV_REQUEST)->id;
}

static int reply(th *t, sip_tsx_id id, int status)
{
    sip_str tag = SIP_STR("srvtag"), none = {NULL, 0};
    return sip_tsx_reply(&t->L, id, status, NULL, tag, NULL, 0, none, t->now);
}

/* §17.2.1: the INVITE server sends 100 Trying when the TU has not
 * answered within 200 ms; the 100 copies Timestamp (§8.2.6.1) and has no
 * To tag. An INVITE retransmission then gets the 100 again. */
Test(tsx_server, ist_100_trying_after_200ms_rfc3261_17_2_1)
{
    static const char trying[] =
        "SIP/2.0 100 Trying\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "To: Bob <sip:bob@biloxi.example.com>\r\n"
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
        "CSeq: 314159 INVITE\r\n"
        "Timestamp: 54\r\n"
        "Content-Length: 0\r\n\r\n";
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = deliver(&t, SINV, SIP_TP_UDP);
    cr_assert_neq(id, 0);
    cr_assert_eq(t.e[0].state, SIP_TSX_STATE_PROCEEDING);
    cr_assert_eq(t.e[0].kind, SIP_TSX_IST);
    th_run(&t, 199);
    cr_assert_eq(t.ns, 0);
    th_run(&t, 200);
    cr_assert_eq(t.ns, 1);
    cr_assert_eq(t.s[0].at, 200000u);
    cr_assert_str_eq(t.s[0].b, trying);
    th_run(&t, 300);
    cr_assert_eq(deliver(&t, SINV, SIP_TP_UDP), 0); /* retransmission */
    cr_assert_eq(t.ns, 2);
    cr_assert_str_eq(t.s[1].b, trying);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_REQUEST), 1);
    th_fini(&t);
}

/* §17.2.1: no 100 when the TU answered within 200 ms; before any response
 * an INVITE retransmission is absorbed; after a 180 it gets the 180. */
Test(tsx_server, ist_no_trying_when_tu_answers_rfc3261_17_2_1)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = deliver(&t, SINV, SIP_TP_UDP);
    th_run(&t, 50);
    cr_assert_eq(deliver(&t, SINV, SIP_TP_UDP), 0);
    cr_assert_eq(t.ns, 0);
    cr_assert_eq(t.L.absorbed, 1);
    th_run(&t, 150);
    cr_assert_eq(reply(&t, id, 180), 0);
    th_run(&t, 10000);
    cr_assert_eq(t.ns, 1);
    cr_assert(strncmp(t.s[0].b, "SIP/2.0 180 Ringing\r\n", 21) == 0);
    cr_assert(strstr(t.s[0].b, "To: Bob <sip:bob@biloxi.example.com>;tag=srvtag\r\n"));
    deliver(&t, SINV, SIP_TP_UDP);
    cr_assert_eq(t.ns, 2);
    cr_assert_str_eq(t.s[1].b, t.s[0].b);
    th_fini(&t);
}

/* §17.2.1: a 3xx-6xx: Completed, Timer G from T1 doubling to T2, Timer H
 * = 64*T1 ends it with a timeout to the TU (no ACK came). */
Test(tsx_server, ist_timer_g_capped_t2_timer_h_rfc3261_17_2_1)
{
    th t;
    sip_tsx_id id;
    const uint64_t want[] = {0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500};
    sip_tsx_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = SIP_TSX_F_NO_AUTO_TRYING;
    th_init(&t, &cfg);
    id = deliver(&t, SINV, SIP_TP_UDP);
    cr_assert_eq(reply(&t, id, 486), 0);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_COMPLETED);
    th_run(&t, 31999);
    th_assert_times(&t, want, 11);
    cr_assert_str_eq(t.s[10].b, t.s[0].b);
    cr_assert_eq(t.ne, 1);
    th_run(&t, 32000);
    cr_assert_eq(t.e[1].type, SIP_TSX_EV_TIMEOUT);
    cr_assert_eq(t.e[1].timer, SIP_TSX_TIMER_H);
    cr_assert_eq(t.e[2].type, SIP_TSX_EV_TERMINATED);
    th_fini(&t);
}

/* §17.2.1: the ACK moves Completed to Confirmed (G stops), further ACKs
 * and INVITEs are absorbed, Timer I = T4 on UDP. The ACK is not passed up. */
Test(tsx_server, ist_ack_confirmed_timer_i_rfc3261_17_2_1)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = deliver(&t, SINV, SIP_TP_UDP);
    reply(&t, id, 404);
    th_run(&t, 600);
    cr_assert_eq(t.ns, 2);
    deliver(&t, SINV, SIP_TP_UDP); /* Completed: the 404 again */
    cr_assert_eq(t.ns, 3);
    deliver(&t, SACK, SIP_TP_UDP);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_CONFIRMED);
    deliver(&t, SACK, SIP_TP_UDP);
    deliver(&t, SINV, SIP_TP_UDP);
    th_run(&t, 5599);
    cr_assert_eq(t.ns, 3);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_ACK), 0);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_CONFIRMED);
    th_run(&t, 5600);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TERMINATED)->at, 5600000u);
    th_fini(&t);
}

/* §17.2.1: on TCP Timer G never runs and Timer I is 0. */
Test(tsx_server, ist_tcp_no_timer_g_timer_i_zero_rfc3261_17_2_1)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = deliver(&t, SINV, SIP_TP_TCP);
    reply(&t, id, 500);
    cr_assert_eq(sip_tsx_next_deadline(&t.L), 32000000u); /* H only */
    th_run(&t, 1000);
    cr_assert_eq(t.ns, 1);
    deliver(&t, SACK, SIP_TP_TCP);
    cr_assert_eq(sip_tsx_count(&t.L), 0);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TERMINATED)->id, id);
    th_fini(&t);
}

/* RFC 6026 §8.5-§8.7: a 2xx from the TU: Accepted; INVITE
 * retransmissions absorbed (not passed up, no answer); the TU's own 2xx
 * retransmissions are sent; an ACK matching it goes to the TU; Timer L. */
Test(tsx_server, ist_2xx_accepted_timer_l_rfc6026_8_7)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = deliver(&t, SINV, SIP_TP_UDP);
    th_run(&t, 100);
    cr_assert_eq(reply(&t, id, 200), SIP_TSX_OK);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_ACCEPTED);
    cr_assert_eq(reply(&t, id, 200), SIP_TSX_ERR_STATE); /* the request is no longer kept */
    cr_assert_eq(sip_tsx_respond(&t.L, id, t.s[0].b, t.s[0].n, t.now), 0);
    cr_assert_eq(t.ns, 2);
    cr_assert_eq(sip_tsx_respond(&t.L, id, "SIP/2.0 486 Busy\r\n\r\n", 20, t.now), SIP_TSX_ERR_STATE);
    deliver(&t, SINV, SIP_TP_UDP);
    cr_assert_eq(t.ns, 2);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_REQUEST), 1);
    deliver(&t, SACK, SIP_TP_UDP);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_ACK)->id, id);
    th_run(&t, 32099);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_ACCEPTED);
    th_run(&t, 32100);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TERMINATED)->at, 32100000u);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_TIMEOUT), 0);
    th_fini(&t);
}

/* §17.2.3 / §13.2.2.4: the ACK for a 2xx has its own branch: it matches no
 * transaction and is passed up as a stray ACK (id 0). */
Test(tsx_server, stray_2xx_ack_rfc3261_17_2_3)
{
    th t;
    char ack[2048];
    const char *b;
    th_init(&t, NULL);
    strcpy(ack, SACK);
    b = strstr(ack, "776asdhds");
    memcpy((char *)b, "999zzzzzz", 9);
    deliver(&t, ack, SIP_TP_UDP);
    cr_assert_eq(t.ne, 1);
    cr_assert_eq(t.e[0].type, SIP_TSX_EV_ACK);
    cr_assert_eq(t.e[0].id, 0);
    cr_assert_eq(sip_tsx_count(&t.L), 0);
    cr_assert_eq(t.ns, 0);
    th_fini(&t);
}

/* §17.2.2: non-INVITE server: Trying absorbs retransmissions, Proceeding
 * answers them with the last provisional, Completed with the final;
 * Timer J = 64*T1 on UDP. */
Test(tsx_server, nist_states_timer_j_rfc3261_17_2_2)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = deliver(&t, SBYE, SIP_TP_UDP);
    cr_assert_eq(t.e[0].kind, SIP_TSX_NIST);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_TRYING);
    deliver(&t, SBYE, SIP_TP_UDP);
    cr_assert_eq(t.ns, 0);
    th_run(&t, 1000);
    cr_assert_eq(t.ns, 0); /* no automatic 100 for non-INVITE (RFC 4320) */
    cr_assert_eq(reply(&t, id, 100), 0);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_PROCEEDING);
    deliver(&t, SBYE, SIP_TP_UDP);
    cr_assert_eq(t.ns, 2);
    cr_assert_str_eq(t.s[1].b, t.s[0].b);
    th_run(&t, 2000);
    cr_assert_eq(reply(&t, id, 200), 0);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_COMPLETED);
    cr_assert_eq(reply(&t, id, 200), SIP_TSX_ERR_STATE);
    deliver(&t, SBYE, SIP_TP_UDP);
    cr_assert_eq(t.ns, 4);
    cr_assert(strncmp(t.s[3].b, "SIP/2.0 200 OK\r\n", 16) == 0);
    cr_assert_str_eq(t.s[3].b, t.s[2].b);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_REQUEST), 1);
    th_run(&t, 33999);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_COMPLETED);
    th_run(&t, 34000);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TERMINATED)->at, 34000000u);
    th_fini(&t);
}

/* §17.2.2: Timer J is 0 on reliable transports. */
Test(tsx_server, nist_tcp_timer_j_zero_rfc3261_17_2_2)
{
    th t;
    th_init(&t, NULL);
    t.auto_status = 200;
    deliver(&t, SBYE, SIP_TP_TCP);
    cr_assert_eq(t.ns, 1);
    cr_assert_eq(sip_tsx_count(&t.L), 0);
    cr_assert_eq(t.e[t.ne - 1].type, SIP_TSX_EV_TERMINATED);
    th_fini(&t);
}

/* RFC 4320 §4.1: a non-INVITE the TU never answers ends after 64*T1 with
 * a timeout to the TU and no 408 on the wire. */
Test(tsx_server, nist_no_answer_no_408_rfc4320_4_1)
{
    th t;
    th_init(&t, NULL);
    deliver(&t, SBYE, SIP_TP_UDP);
    th_run(&t, 32000);
    cr_assert_eq(t.ns, 0);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TIMEOUT)->timer, SIP_TSX_TIMER_NO_ANSWER);
    cr_assert_eq(sip_tsx_count(&t.L), 0);
    th_fini(&t);
}

/* §17.2.4: a transport error on a response ends the server transaction
 * and informs the TU. */
Test(tsx_server, transport_error_rfc3261_17_2_4)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = deliver(&t, SBYE, SIP_TP_UDP);
    t.fail_port = 5060;
    cr_assert_eq(reply(&t, id, 200), SIP_TSX_ERR_TRANSPORT);
    cr_assert_eq(t.e[1].type, SIP_TSX_EV_TRANSPORT_ERROR);
    cr_assert_eq(t.e[1].error, -42);
    cr_assert_eq(t.e[2].type, SIP_TSX_EV_TERMINATED);
    cr_assert_eq(reply(&t, id, 200), SIP_TSX_ERR_STALE);
    th_fini(&t);
}

/* §9.2: a CANCEL creates its own server transaction, is passed up with the
 * INVITE transaction it cancels; the helper answers 200 to the CANCEL and
 * 487 (§8.2.6.2 copy, our To tag) to the INVITE, whose ACK then confirms. */
Test(tsx_server, cancel_200_and_487_rfc3261_9_2)
{
    static const char r487[] =
        "SIP/2.0 487 Request Terminated\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "To: Bob <sip:bob@biloxi.example.com>;tag=srvtag\r\n"
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
        "CSeq: 314159 INVITE\r\n"
        "Content-Length: 0\r\n\r\n";
    th t;
    sip_tsx_id inv, c;
    sip_str tag = SIP_STR("srvtag");
    th_init(&t, NULL);
    inv = deliver(&t, SINV, SIP_TP_UDP);
    reply(&t, inv, 180);
    c = deliver(&t, SCANCEL, SIP_TP_UDP);
    cr_assert_neq(c, 0);
    cr_assert_neq(c, inv);
    cr_assert_eq(t.e[1].method, SIP_METHOD_CANCEL);
    cr_assert_eq(t.e[1].cancelled, inv);
    cr_assert_eq(t.e[1].merged, 0);
    cr_assert_eq(sip_tsx_answer_cancel(&t.L, c, tag, t.now), 1);
    cr_assert_eq(t.ns, 3);
    cr_assert(strncmp(t.s[1].b, "SIP/2.0 200 OK\r\n", 16) == 0);
    cr_assert(strstr(t.s[1].b, "CSeq: 314159 CANCEL\r\n"));
    cr_assert_str_eq(t.s[2].b, r487);
    cr_assert_eq(sip_tsx_state_of(&t.L, inv), SIP_TSX_STATE_COMPLETED);
    deliver(&t, SACK, SIP_TP_UDP);
    cr_assert_eq(sip_tsx_state_of(&t.L, inv), SIP_TSX_STATE_CONFIRMED);
    deliver(&t, SCANCEL, SIP_TP_UDP); /* retransmitted CANCEL: its 200 again */
    cr_assert_eq(t.ns, 4);
    cr_assert_str_eq(t.s[3].b, t.s[1].b);
    th_fini(&t);
}

/* §9.2: a CANCEL matching nothing is answered 481. */
Test(tsx_server, cancel_no_match_481_rfc3261_9_2)
{
    th t;
    sip_tsx_id c;
    sip_str tag = SIP_STR("x");
    th_init(&t, NULL);
    c = deliver(&t, SCANCEL, SIP_TP_UDP);
    cr_assert_eq(t.e[0].cancelled, 0);
    cr_assert_eq(sip_tsx_answer_cancel(&t.L, c, tag, t.now), 0);
    cr_assert(strncmp(t.s[0].b, "SIP/2.0 481 ", 12) == 0);
    cr_assert_eq(sip_tsx_answer_cancel(&t.L, c, tag, t.now), SIP_TSX_ERR_STATE);
    th_fini(&t);
}

/* §8.2.2.2: same From tag, Call-ID and CSeq without a To tag but another
 * branch (the request forked and came back): flagged merged for the 482. */
Test(tsx_server, merged_request_rfc3261_8_2_2_2)
{
    th t;
    char other[2048];
    const char *b;
    th_init(&t, NULL);
    deliver(&t, SINV, SIP_TP_UDP);
    strcpy(other, SINV);
    b = strstr(other, "776asdhds");
    memcpy((char *)b, "111111111", 9);
    deliver(&t, other, SIP_TP_UDP);
    cr_assert_eq(t.ne, 2);
    cr_assert_eq(t.e[0].merged, 0);
    cr_assert_eq(t.e[1].merged, 1);
    cr_assert_neq(t.e[0].id, t.e[1].id);
    deliver(&t, SBYE, SIP_TP_UDP); /* To tag present: never merged */
    cr_assert_eq(t.e[2].merged, 0);
    th_fini(&t);
}

/* §17.2.3: the sent-by is part of the key: the same branch from another
 * host is another transaction. */
Test(tsx_server, sent_by_in_key_rfc3261_17_2_3)
{
    th t;
    char other[2048];
    const char *b;
    th_init(&t, NULL);
    deliver(&t, SBYE, SIP_TP_UDP);
    strcpy(other, SBYE);
    b = strstr(other, "pc33.atlanta");
    memcpy((char *)b, "pc34", 4);
    deliver(&t, other, SIP_TP_UDP);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_REQUEST), 2);
    strcpy(other, SBYE); /* sent-by host compares case-insensitively */
    b = strstr(other, "pc33.atlanta");
    memcpy((char *)b, "PC33.ATLANTA", 12);
    deliver(&t, other, SIP_TP_UDP);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_REQUEST), 2);
    th_fini(&t);
}

/* §17.2.3 (last part): RFC 2543 requests without the magic cookie match on
 * Request-URI, To tag, From tag, Call-ID, CSeq and top Via; the ACK for the
 * non-2xx carries the To tag of our response. */
Test(tsx_server, rfc2543_matching_rfc3261_17_2_3)
{
    static const char inv[] =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com\r\n"
        "To: Bob <sip:bob@biloxi.example.com>\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "Call-ID: old2543\r\n"
        "CSeq: 1 INVITE\r\n"
        "Content-Length: 0\r\n\r\n";
    static const char ack_bad[] =
        "ACK sip:bob@biloxi.example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com\r\n"
        "To: Bob <sip:bob@biloxi.example.com>;tag=other\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "Call-ID: old2543\r\n"
        "CSeq: 1 ACK\r\n"
        "Content-Length: 0\r\n\r\n";
    static const char ack[] =
        "ACK sip:bob@biloxi.example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com\r\n"
        "To: Bob <sip:bob@biloxi.example.com>;tag=srvtag\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "Call-ID: old2543\r\n"
        "CSeq: 1 ACK\r\n"
        "Content-Length: 0\r\n\r\n";
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = deliver(&t, inv, SIP_TP_UDP);
    cr_assert_neq(id, 0);
    deliver(&t, inv, SIP_TP_UDP);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_REQUEST), 1);
    reply(&t, id, 486);
    deliver(&t, inv, SIP_TP_UDP);
    cr_assert_eq(t.ns, 2);
    deliver(&t, ack_bad, SIP_TP_UDP);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_ACK)->id, 0);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_COMPLETED);
    deliver(&t, ack, SIP_TP_UDP);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_CONFIRMED);
    th_fini(&t);
}

/* Limits: over max_transactions a new request is answered 503 with
 * Retry-After statelessly (the same To tag for its retransmission); an
 * ACK is never answered; a client request gets SIP_TSX_ERR_FULL. */
Test(tsx_server, limit_503_retry_after)
{
    th t;
    sip_tsx_config cfg;
    sip_target p = peer(SIP_TP_UDP);
    char other[2048];
    const char *b;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_transactions = 1;
    cfg.retry_after_s = 7;
    th_init(&t, &cfg);
    deliver(&t, SBYE, SIP_TP_UDP);
    cr_assert_eq(th_recv(&t, SINV, &p), SIP_TSX_ERR_FULL);
    cr_assert_eq(th_recv(&t, SINV, &p), SIP_TSX_ERR_FULL);
    cr_assert_eq(t.ns, 2);
    cr_assert(strncmp(t.s[0].b, "SIP/2.0 503 Service Unavailable\r\n", 33) == 0);
    cr_assert(strstr(t.s[0].b, "\r\nRetry-After: 7\r\n"));
    cr_assert(strstr(t.s[0].b, "\r\nTo: Bob <sip:bob@biloxi.example.com>;tag="));
    cr_assert_str_eq(t.s[0].b, t.s[1].b);
    cr_assert_eq(t.L.rejected_503, 2);
    cr_assert_eq(sip_tsx_count(&t.L), 1);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_REQUEST), 1);
    strcpy(other, SACK);
    b = strstr(other, "776asdhds");
    memcpy((char *)b, "999zzzzzz", 9);
    cr_assert_eq(th_recv(&t, other, &p), 0);
    cr_assert_eq(t.ns, 2);
    cr_assert_eq(sip_tsx_request(&t.L, SINV, strlen(SINV), &p, 1, NULL, 0, NULL), SIP_TSX_ERR_FULL);
    th_fini(&t);
}

/* Handles are ids with a generation: after the end every call with the old
 * id is refused, also once the slot is reused. */
Test(tsx_server, stale_handle)
{
    th t;
    sip_tsx_id a, b;
    th_init(&t, NULL);
    a = deliver(&t, SBYE, SIP_TP_TCP);
    cr_assert_eq(sip_tsx_terminate(&t.L, a), 0);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TERMINATED)->id, a);
    b = deliver(&t, SBYE, SIP_TP_TCP);
    cr_assert_neq(a, b);
    cr_assert_eq((uint32_t)a, (uint32_t)b); /* the same slot */
    cr_assert_eq(reply(&t, a, 200), SIP_TSX_ERR_STALE);
    cr_assert_eq(sip_tsx_respond(&t.L, a, "SIP/2.0 200 OK\r\n\r\n", 18, 0), SIP_TSX_ERR_STALE);
    cr_assert_eq(sip_tsx_terminate(&t.L, a), SIP_TSX_ERR_STALE);
    cr_assert_eq(sip_tsx_set_ctx(&t.L, a, NULL), SIP_TSX_ERR_STALE);
    cr_assert_eq(sip_tsx_ctx(&t.L, a), NULL);
    cr_assert_eq(sip_tsx_state_of(&t.L, 0), SIP_TSX_ERR_STALE);
    cr_assert_eq(sip_tsx_state_of(&t.L, 12345), SIP_TSX_ERR_STALE);
    cr_assert_eq(sip_tsx_kind_of(&t.L, b), SIP_TSX_NIST);
    cr_assert_eq(reply(&t, b, 200), 0);
    th_fini(&t);
}

/* Respond checks its input; a client transaction cannot respond. */
Test(tsx_server, respond_errors)
{
    th t;
    sip_tsx_id id, c = 0;
    sip_target p = peer(SIP_TP_UDP);
    th_init(&t, NULL);
    id = deliver(&t, SBYE, SIP_TP_UDP);
    cr_assert_eq(sip_tsx_respond(&t.L, id, "SIP/2.0 99 X\r\n\r\n", 16, 0), SIP_TSX_ERR_INVALID);
    cr_assert_eq(sip_tsx_respond(&t.L, id, "HTTP/1.1 200 OK\r\n\r\n", 19, 0), SIP_TSX_ERR_INVALID);
    cr_assert_eq(sip_tsx_respond(&t.L, id, "SIP/2.0 700 X\r\n\r\n", 17, 0), SIP_TSX_ERR_INVALID);
    cr_assert_eq(sip_tsx_respond(&t.L, id, NULL, 0, 0), SIP_TSX_ERR_INVALID);
    cr_assert_eq(sip_tsx_request(&t.L, SINV, strlen(SINV), &p, 1, NULL, 0, &c), 0);
    cr_assert_eq(sip_tsx_respond(&t.L, c, "SIP/2.0 200 OK\r\n\r\n", 18, 0), SIP_TSX_ERR_STATE);
    cr_assert_eq(sip_tsx_answer_cancel(&t.L, id, sip_str_c("x"), 0), SIP_TSX_ERR_INVALID);
    cr_assert_eq(th_recv(&t, "garbage\r\n\r\n", &p), SIP_ERR_SYNTAX);
    cr_assert_str_eq(sip_tsx_strerror(SIP_TSX_ERR_STALE), "no such transaction (stale handle)");
    cr_assert_str_eq(sip_tsx_state_name(SIP_TSX_STATE_ACCEPTED), "Accepted");
    th_fini(&t);
}

/* The layer refuses on_timeout and destroy from inside its callbacks. */
Test(tsx_server, busy_inside_callbacks)
{
    th t;
    th_init(&t, NULL);
    t.busy_checks = 1;
    t.auto_status = 486;
    deliver(&t, SINV, SIP_TP_UDP);
    cr_assert_eq(t.ne, 1);
    th_fini(&t);
}

/* Many transactions: the hash grows, each is found again, destroy frees
 * the rest (ASan checks for leaks). */
Test(tsx_server, many_transactions_grow)
{
    th t;
    int i;
    char msg[2048];
    th_init(&t, NULL);
    for (i = 0; i < 3000; i++) {
        char br[32];
        sprintf(br, "z9hG4bKm%d", i);
        strcpy(msg, SBYE);
        {
            char *b = strstr(msg, "z9hG4bKnashds10");
            sprintf(msg + (b - msg), "%s%s", br, strstr(SBYE, "\r\nMax-Forwards"));
        }
        t.ne = 0;
        deliver(&t, msg, SIP_TP_UDP);
        cr_assert_eq(t.ne, 1);
        deliver(&t, msg, SIP_TP_UDP);
        cr_assert_eq(t.ne, 1);
    }
    cr_assert_eq(sip_tsx_count(&t.L), 3000);
    cr_assert_eq(t.L.absorbed, 3000);
    th_fini(&t);
}

/* §17.2.4: a Timer G retransmission that cannot be sent ends the INVITE
 * server transaction with a transport error to the TU. */
Test(tsx_server, ist_timer_g_transport_error_rfc3261_17_2_4)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = deliver(&t, SINV, SIP_TP_UDP);
    reply(&t, id, 480);
    t.fail_port = 5060;
    th_run(&t, 500);
    cr_assert_eq(t.ns, 2);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TRANSPORT_ERROR)->id, id);
    cr_assert_eq(sip_tsx_count(&t.L), 0);
    th_fini(&t);
}

/* Figure 7: an ACK before any final response is absorbed (Proceeding). */
Test(tsx_server, ist_ack_in_proceeding_absorbed_rfc3261_17_2_1)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = deliver(&t, SINV, SIP_TP_UDP);
    deliver(&t, SACK, SIP_TP_UDP);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_PROCEEDING);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_ACK), 0);
    cr_assert_eq(t.L.absorbed, 1);
    th_fini(&t);
}
