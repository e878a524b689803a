/* sip_transaction.h: the client machines (RFC 3261 §17.1, Figures 5 and 6,
 * RFC 6026), ACK and CANCEL building, failover (RFC 3263 §4.3). Server
 * machines are in test_transaction_server.c. Every test runs on a virtual
 * clock and checks the bytes and times of each send. */
#include "tsx_harness.h"

static const char INV[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
    "Route: <sip:p1.example.com;lr>\r\n"
    "Route: <sip:p2.example.com;lr>\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Content-Length: 0\r\n\r\n";

static const char OPT[] =
    "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877\r\n"
    "Max-Forwards: 70\r\n"
    "To: <sip:carol@chicago.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66711\r\n"
    "CSeq: 63104 OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n";

static sip_tsx_id start(th *t, const char *req, sip_tp tp)
{
    sip_target g = th_target(tp, "192.0.2.2:5060");
    sip_tsx_id id = 0;
    cr_assert_eq(sip_tsx_request(&t->L, req, strlen(req), &g, 1, NULL, t->now, &id), 0);
    cr_assert_neq(id, 0);
    return id;
}

static void answer(th *t, const char *req, int status, const char *tag)
{
    char r[2048];
    sip_target from = th_target(SIP_TP_UDP, "192.0.2.2:5060");
    th_resp(req, status, tag, r, sizeof r);
    cr_assert_eq(th_recv(t, r, &from), 0);
}

/* RFC 3261 §17.1.1.2: INVITE over UDP at 0, 0.5, 1.5, 3.5, 7.5, 15.5,
 * 31.5 s (Timer A doubling, no cap), Timer B = 64*T1 = 32 s. */
Test(tsx_client, ict_udp_timer_a_schedule_and_timer_b_rfc3261_17_1_1_2)
{
    th t;
    const uint64_t want[] = {0, 500, 1500, 3500, 7500, 15500, 31500};
    sip_tsx_id id;
    th_init(&t, NULL);
    id = start(&t, INV, SIP_TP_UDP);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_CALLING);
    th_run(&t, 31999);
    th_assert_times(&t, want, 7);
    cr_assert_str_eq(t.s[6].b, INV);
    cr_assert_eq(t.ne, 0);
    th_run(&t, 32000);
    cr_assert_eq(t.ne, 2);
    cr_assert_eq(t.e[0].type, SIP_TSX_EV_TIMEOUT);
    cr_assert_eq(t.e[0].timer, SIP_TSX_TIMER_B);
    cr_assert_eq(t.e[0].at, 32000000u);
    cr_assert_eq(t.e[1].type, SIP_TSX_EV_TERMINATED);
    cr_assert_eq(sip_tsx_count(&t.L), 0);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_ERR_STALE);
    cr_assert_eq(sip_tsx_next_deadline(&t.L), UINT64_MAX);
    th_fini(&t);
}

/* §17.1.1.2: Timer A is not started on a reliable transport; B still is. */
Test(tsx_client, ict_tcp_no_timer_a_rfc3261_17_1_1_2)
{
    th t;
    const uint64_t want[] = {0};
    th_init(&t, NULL);
    start(&t, INV, SIP_TP_TCP);
    cr_assert_eq(sip_tsx_next_deadline(&t.L), 32000000u);
    th_run(&t, 40000);
    th_assert_times(&t, want, 1);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_TIMEOUT), 1);
    th_fini(&t);
}

/* §17.1.1.2: a provisional response moves Calling to Proceeding: no more
 * retransmissions, no Timer B; every 1xx is passed up. */
Test(tsx_client, ict_provisional_proceeding_rfc3261_17_1_1_2)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = start(&t, INV, SIP_TP_UDP);
    th_run(&t, 600);
    answer(&t, INV, 100, NULL);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_PROCEEDING);
    answer(&t, INV, 180, "a6c85cf");
    cr_assert_eq(th_count(&t, SIP_TSX_EV_RESPONSE), 2);
    cr_assert_eq(t.e[1].status, 180);
    cr_assert_eq(sip_tsx_next_deadline(&t.L), UINT64_MAX);
    th_run(&t, 100000);
    cr_assert_eq(t.ns, 2); /* 0 and 500 ms */
    th_fini(&t);
}

/* §17.1.1.3: the ACK for a non-2xx final response: same branch, the
 * INVITE's Request-URI, Route, Max-Forwards, From, Call-ID and CSeq number,
 * the response's To (with its tag), CSeq method ACK. Completed absorbs the
 * retransmitted response and sends the ACK again; Timer D = 32 s. */
Test(tsx_client, ict_non2xx_ack_bytes_timer_d_rfc3261_17_1_1_3)
{
    static const char ack[] =
        "ACK sip:bob@biloxi.example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
        "Route: <sip:p1.example.com;lr>\r\n"
        "Route: <sip:p2.example.com;lr>\r\n"
        "Max-Forwards: 70\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
        "Call-ID: a84b4c76e66710\r\n"
        "CSeq: 314159 ACK\r\n"
        "Content-Length: 0\r\n\r\n";
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = start(&t, INV, SIP_TP_UDP);
    th_run(&t, 700);
    answer(&t, INV, 486, "a6c85cf");
    cr_assert_eq(t.ns, 3);
    cr_assert_str_eq(t.s[2].b, ack);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_COMPLETED);
    cr_assert_eq(t.e[0].type, SIP_TSX_EV_RESPONSE);
    cr_assert_eq(t.e[0].status, 486);
    cr_assert_eq(t.e[0].state, SIP_TSX_STATE_COMPLETED);
    th_run(&t, 5000);
    answer(&t, INV, 486, "a6c85cf"); /* retransmission: ACK again, not passed up */
    cr_assert_eq(t.ns, 4);
    cr_assert_str_eq(t.s[3].b, ack);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_RESPONSE), 1);
    th_run(&t, 32699);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_COMPLETED);
    th_run(&t, 32700); /* D from the response at 700 ms */
    cr_assert_eq(t.e[t.ne - 1].type, SIP_TSX_EV_TERMINATED);
    cr_assert_eq(t.e[t.ne - 1].at, 32700000u);
    th_fini(&t);
}

/* §17.1.1.2: Timer D is 0 on reliable transports: Terminated at once. */
Test(tsx_client, ict_non2xx_tcp_timer_d_zero_rfc3261_17_1_1_2)
{
    th t;
    th_init(&t, NULL);
    start(&t, INV, SIP_TP_TCP);
    answer(&t, INV, 603, "x1");
    cr_assert_eq(t.ns, 2);
    cr_assert(strncmp(t.s[1].b, "ACK ", 4) == 0);
    cr_assert_eq(t.ne, 2);
    cr_assert_eq(t.e[1].type, SIP_TSX_EV_TERMINATED);
    cr_assert_eq(sip_tsx_count(&t.L), 0);
    th_fini(&t);
}

/* RFC 6026 §8.4: a 2xx moves to Accepted, is passed up, retransmissions of
 * the 2xx are passed up too (the TU ACKs them), the layer sends no ACK;
 * Timer M = 64*T1 ends it. */
Test(tsx_client, ict_2xx_accepted_timer_m_rfc6026_8_4)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = start(&t, INV, SIP_TP_UDP);
    th_run(&t, 1000);
    answer(&t, INV, 200, "a6c85cf");
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_ACCEPTED);
    answer(&t, INV, 200, "a6c85cf");
    answer(&t, INV, 486, "a6c85cf"); /* not a 2xx: absorbed */
    cr_assert_eq(th_count(&t, SIP_TSX_EV_RESPONSE), 2);
    cr_assert_eq(t.ns, 2); /* 0 and 500 ms: no ACK, no retransmission */
    th_run(&t, 32999);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_ACCEPTED);
    th_run(&t, 33000);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TERMINATED)->at, 33000000u);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_TIMEOUT), 0);
    th_fini(&t);
}

/* §17.1.4: a transport error ends the transaction and informs the TU. */
Test(tsx_client, ict_transport_error_rfc3261_17_1_4)
{
    th t;
    sip_tsx_id id = 0;
    sip_target g = th_target(SIP_TP_UDP, "192.0.2.2:5070");
    th_init(&t, NULL);
    t.fail_port = 5070;
    cr_assert_eq(sip_tsx_request(&t.L, INV, strlen(INV), &g, 1, NULL, 0, &id),
                 SIP_TSX_ERR_TRANSPORT);
    cr_assert_eq(t.ne, 2);
    cr_assert_eq(t.e[0].type, SIP_TSX_EV_TRANSPORT_ERROR);
    cr_assert_eq(t.e[0].error, -42);
    cr_assert_eq(t.e[0].id, id);
    cr_assert_eq(t.e[1].type, SIP_TSX_EV_TERMINATED);
    cr_assert_eq(sip_tsx_count(&t.L), 0);
    th_fini(&t);
}

/* A transport error on a retransmission (Timer E) ends it too. */
Test(tsx_client, nict_transport_error_on_retransmission_rfc3261_17_1_4)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = start(&t, OPT, SIP_TP_UDP);
    t.fail_port = 5060;
    th_run(&t, 500);
    cr_assert_eq(t.ns, 2);
    cr_assert_eq(t.e[0].type, SIP_TSX_EV_TRANSPORT_ERROR);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_ERR_STALE);
    th_fini(&t);
}

/* Replace the branch of the top Via in a copy of a request text. */
static void with_branch(const char *in, const char *branch, char *out)
{
    const char *b = strstr(in, "branch=") + 7, *e = b;
    while (*e != '\r' && *e != ';') e++;
    sprintf(out, "%.*s%s%s", (int)(b - in), in, branch, e);
}

static const char *branch_of(const char *msg, char *out)
{
    const char *b = strstr(msg, "branch=") + 7;
    size_t n = strcspn(b, ";\r");
    memcpy(out, b, n);
    out[n] = 0;
    return out;
}

/* RFC 3263 §4.3: a transport error before any response moves to the next
 * target with a new branch (the Via transport token follows the target);
 * the rest of the request is unchanged. */
Test(tsx_client, failover_transport_error_new_branch_rfc3263_4_3)
{
    th t;
    sip_target g[2];
    sip_tsx_id id = 0;
    char b1[64], want[2048];
    const char *p;
    th_init(&t, NULL);
    g[0] = th_target(SIP_TP_UDP, "192.0.2.2:5070");
    g[1] = th_target(SIP_TP_TCP, "192.0.2.3:5060");
    t.fail_port = 5070;
    cr_assert_eq(sip_tsx_request(&t.L, INV, strlen(INV), g, 2, NULL, 0, &id), 0);
    cr_assert_eq(t.ns, 2);
    cr_assert_str_eq(t.s[0].b, INV);
    cr_assert(sip_ipaddr_eq(&t.s[1].to.remote, &g[1].remote));
    branch_of(t.s[1].b, b1);
    cr_assert_str_neq(b1, "z9hG4bKnashds8");
    cr_assert(strncmp(b1, "z9hG4bK", 7) == 0);
    with_branch(INV, b1, want);
    p = strstr(want, "SIP/2.0/UDP");
    memcpy((char *)p + 8, "TCP", 3);
    cr_assert_str_eq(t.s[1].b, want);
    cr_assert_eq(t.L.failovers, 1);
    cr_assert_eq(t.ne, 0);
    /* a response with the old branch no longer matches */
    answer(&t, INV, 180, "x");
    cr_assert_eq(th_last(&t, SIP_TSX_EV_STRAY_RESPONSE) != NULL, 1);
    answer(&t, t.s[1].b, 180, "x");
    cr_assert_eq(th_last(&t, SIP_TSX_EV_RESPONSE)->id, id);
    th_fini(&t);
}

/* RFC 3263 §4.3: Timer B before any response: the next target, a new
 * branch, and the schedule of Timer A starts again. */
Test(tsx_client, failover_timer_b_rfc3263_4_3)
{
    th t;
    sip_target g[2];
    sip_tsx_id id = 0;
    const uint64_t want[] = {0, 500, 1500, 3500, 7500, 15500, 31500, 32000, 32500, 33500};
    th_init(&t, NULL);
    g[0] = th_target(SIP_TP_UDP, "192.0.2.2:5060");
    g[1] = th_target(SIP_TP_UDP, "192.0.2.3:5060");
    cr_assert_eq(sip_tsx_request(&t.L, INV, strlen(INV), g, 2, NULL, 0, &id), 0);
    th_run(&t, 33500);
    th_assert_times(&t, want, 10);
    cr_assert_eq(t.s[7].to.remote.ip[3], 3);
    cr_assert_str_neq(t.s[7].b, INV);
    cr_assert_str_eq(t.s[9].b, t.s[7].b);
    cr_assert_eq(t.ne, 0);
    th_run(&t, 64000); /* B of the second target: now the TU hears */
    cr_assert_eq(t.e[0].type, SIP_TSX_EV_TIMEOUT);
    cr_assert_eq(t.e[0].at, 64000000u);
    cr_assert_eq(t.e[0].id, id);
    th_fini(&t);
}

/* §17.1.2.2: non-INVITE over UDP: E at 0.5, 1, 2, 4, 4, ... s intervals
 * (doubling capped at T2), Timer F = 64*T1. */
Test(tsx_client, nict_timer_e_capped_t2_timer_f_rfc3261_17_1_2_2)
{
    th t;
    const uint64_t want[] = {0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500};
    th_init(&t, NULL);
    start(&t, OPT, SIP_TP_UDP);
    th_run(&t, 31999);
    th_assert_times(&t, want, 11);
    cr_assert_eq(t.ne, 0);
    th_run(&t, 32000);
    cr_assert_eq(t.e[0].type, SIP_TSX_EV_TIMEOUT);
    cr_assert_eq(t.e[0].timer, SIP_TSX_TIMER_F);
    cr_assert_eq(t.e[1].type, SIP_TSX_EV_TERMINATED);
    th_fini(&t);
}

/* §17.1.2.2: in Proceeding Timer E is reset to T2 each time it fires;
 * Timer F still ends a transaction that got only provisionals (no
 * failover after a response). */
Test(tsx_client, nict_proceeding_e_at_t2_rfc3261_17_1_2_2)
{
    th t;
    sip_target g[2];
    sip_tsx_id id = 0;
    const uint64_t want[] = {0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500};
    th_init(&t, NULL);
    g[0] = th_target(SIP_TP_UDP, "192.0.2.2:5060");
    g[1] = th_target(SIP_TP_UDP, "192.0.2.3:5060");
    cr_assert_eq(sip_tsx_request(&t.L, OPT, strlen(OPT), g, 2, NULL, 0, &id), 0);
    th_run(&t, 700);
    answer(&t, OPT, 100, NULL);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_PROCEEDING);
    th_run(&t, 32000);
    th_assert_times(&t, want, 10);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TIMEOUT)->timer, SIP_TSX_TIMER_F);
    th_fini(&t);
}

/* §17.1.2.2: a final response: Completed, passed up once, retransmissions
 * absorbed, Timer K = T4 on UDP. */
Test(tsx_client, nict_completed_timer_k_rfc3261_17_1_2_2)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = start(&t, OPT, SIP_TP_UDP);
    th_run(&t, 200);
    answer(&t, OPT, 200, "c1");
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_COMPLETED);
    answer(&t, OPT, 200, "c1");
    answer(&t, OPT, 100, NULL);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_RESPONSE), 1);
    cr_assert_eq(t.L.absorbed, 2);
    th_run(&t, 5199);
    cr_assert_eq(t.ns, 1);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_COMPLETED);
    th_run(&t, 5200);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TERMINATED)->at, 5200000u);
    th_fini(&t);
}

/* §17.1.2.2: Timer K is 0 on reliable transports; E never starts. */
Test(tsx_client, nict_tcp_timer_k_zero_rfc3261_17_1_2_2)
{
    th t;
    th_init(&t, NULL);
    start(&t, OPT, SIP_TP_TCP);
    th_run(&t, 10000);
    cr_assert_eq(t.ns, 1);
    answer(&t, OPT, 404, "c1");
    cr_assert_eq(t.ne, 2);
    cr_assert_eq(t.e[1].type, SIP_TSX_EV_TERMINATED);
    cr_assert_eq(sip_tsx_count(&t.L), 0);
    th_fini(&t);
}

/* §17.1.3: a response matches on branch AND CSeq method: the 200 to a
 * CANCEL (same branch as its INVITE) goes to the CANCEL. §9.1: the CANCEL
 * waits for a provisional response; its bytes follow §9.1. */
Test(tsx_client, cancel_waits_for_provisional_and_matches_by_method_rfc3261_9_1_17_1_3)
{
    static const char cancel[] =
        "CANCEL sip:bob@biloxi.example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
        "Route: <sip:p1.example.com;lr>\r\n"
        "Route: <sip:p2.example.com;lr>\r\n"
        "Max-Forwards: 70\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "To: Bob <sip:bob@biloxi.example.com>\r\n"
        "Call-ID: a84b4c76e66710\r\n"
        "CSeq: 314159 CANCEL\r\n"
        "Content-Length: 0\r\n\r\n";
    th t;
    sip_tsx_id inv, c = 0;
    th_init(&t, NULL);
    inv = start(&t, INV, SIP_TP_UDP);
    cr_assert_eq(sip_tsx_cancel(&t.L, inv, NULL, 0, &c), 0);
    cr_assert_eq(sip_tsx_state_of(&t.L, c), SIP_TSX_STATE_WAITING);
    cr_assert_eq(sip_tsx_cancel(&t.L, inv, NULL, 0, NULL), SIP_TSX_ERR_STATE);
    cr_assert_eq(t.ns, 1);
    th_run(&t, 300);
    answer(&t, INV, 180, "a6c85cf");
    cr_assert_eq(t.ns, 2);
    cr_assert_str_eq(t.s[1].b, cancel);
    cr_assert_eq(sip_tsx_state_of(&t.L, c), SIP_TSX_STATE_TRYING);
    answer(&t, cancel, 200, "a6c85cf");
    cr_assert_eq(th_last(&t, SIP_TSX_EV_RESPONSE)->id, c);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_RESPONSE)->method, SIP_METHOD_CANCEL);
    cr_assert_eq(sip_tsx_state_of(&t.L, inv), SIP_TSX_STATE_PROCEEDING);
    answer(&t, INV, 487, "a6c85cf");
    cr_assert_eq(sip_tsx_state_of(&t.L, inv), SIP_TSX_STATE_COMPLETED);
    cr_assert(strncmp(t.s[2].b, "ACK ", 4) == 0);
    th_fini(&t);
}

/* §9.1: a final response before any provisional: the CANCEL is never sent. */
Test(tsx_client, cancel_unsent_when_final_first_rfc3261_9_1)
{
    th t;
    sip_tsx_id inv, c = 0;
    th_init(&t, NULL);
    inv = start(&t, INV, SIP_TP_UDP);
    cr_assert_eq(sip_tsx_cancel(&t.L, inv, NULL, 0, &c), 0);
    answer(&t, INV, 200, "z");
    cr_assert_eq(sip_tsx_state_of(&t.L, c), SIP_TSX_ERR_STALE);
    cr_assert_eq(t.ns, 1);
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TERMINATED)->id, c);
    cr_assert_eq(sip_tsx_cancel(&t.L, inv, NULL, 0, NULL), SIP_TSX_ERR_STATE);
    th_fini(&t);
}

/* §18.1.2: a response matching no transaction goes to the core. */
Test(tsx_client, stray_response_rfc3261_18_1_2)
{
    th t;
    th_init(&t, NULL);
    answer(&t, OPT, 200, "q");
    cr_assert_eq(t.ne, 1);
    cr_assert_eq(t.e[0].type, SIP_TSX_EV_STRAY_RESPONSE);
    cr_assert_eq(t.e[0].id, 0);
    cr_assert_eq(t.e[0].kind, SIP_TSX_NICT);
    th_fini(&t);
}

/* Bad requests for a client transaction are refused without state. */
Test(tsx_client, request_arguments)
{
    th t;
    sip_target g = th_target(SIP_TP_UDP, "192.0.2.2:5060"), none;
    char buf[2048];
    th_init(&t, NULL);
    memset(&none, 0, sizeof none);
    with_branch(OPT, "abc", buf); /* no magic cookie (§8.1.1.7) */
    cr_assert_eq(sip_tsx_request(&t.L, buf, strlen(buf), &g, 1, NULL, 0, NULL), SIP_TSX_ERR_INVALID);
    cr_assert_eq(sip_tsx_request(&t.L, OPT, strlen(OPT), &none, 1, NULL, 0, NULL), SIP_TSX_ERR_INVALID);
    cr_assert_eq(sip_tsx_request(&t.L, OPT, strlen(OPT), &g, 0, NULL, 0, NULL), SIP_TSX_ERR_INVALID);
    cr_assert_eq(sip_tsx_request(&t.L, OPT, 10, &g, 1, NULL, 0, NULL), SIP_TSX_ERR_INVALID);
    cr_assert_eq(sip_tsx_request(&t.L, OPT, strlen(OPT), &g, 1, NULL, 0, NULL), 0);
    cr_assert_eq(sip_tsx_request(&t.L, OPT, strlen(OPT), &g, 1, NULL, 0, NULL), SIP_TSX_ERR_DUPLICATE);
    cr_assert_eq(sip_tsx_count(&t.L), 1);
    th_fini(&t);
}

/* The ACK builder alone: a 2xx-less INVITE and a response. */
Test(tsx_client, build_ack_measures_rfc3261_17_1_1_3)
{
    char r[2048], small[8];
    sip_msg m;
    sip_hdr h[32];
    sip_parse_config pc;
    size_t need = 0;
    int n;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    th_resp(INV, 404, "t4", r, sizeof r);
    cr_assert_gt(sip_parse(r, strlen(r), &pc, &m, h, 32, NULL), 0);
    n = sip_tsx_build_ack(NULL, 0, INV, strlen(INV), &m, &need);
    cr_assert_eq(n, SIP_ERR_NOSPACE);
    cr_assert_eq(sip_tsx_build_ack(small, sizeof small, INV, strlen(INV), &m, NULL), SIP_ERR_NOSPACE);
    cr_assert_eq(sip_tsx_build_ack(r, sizeof r, OPT, strlen(OPT), &m, NULL), SIP_TSX_ERR_INVALID);
    cr_assert_eq(sip_tsx_build_cancel(NULL, 0, "x", 1, NULL), SIP_TSX_ERR_INVALID);
    cr_assert_gt(need, 100);
}

/* RFC 6026 Figure 5: Proceeding -> Accepted on a 2xx after provisionals. */
Test(tsx_client, ict_proceeding_to_accepted_rfc6026_8_4)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = start(&t, INV, SIP_TP_TCP);
    answer(&t, INV, 183, "a");
    answer(&t, INV, 180, "a");
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_PROCEEDING);
    answer(&t, INV, 200, "a");
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_ACCEPTED);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_RESPONSE), 3);
    cr_assert_eq(sip_tsx_next_deadline(&t.L), 32000000u); /* M on TCP too */
    th_fini(&t);
}

/* §17.1.1.2 / §17.1.4: the ACK of a retransmitted non-2xx fails to send:
 * the TU is informed and the transaction ends. */
Test(tsx_client, ict_completed_ack_transport_error_rfc3261_17_1_4)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = start(&t, INV, SIP_TP_UDP);
    answer(&t, INV, 500, "a");
    t.fail_port = 5060;
    answer(&t, INV, 500, "a");
    cr_assert_eq(th_last(&t, SIP_TSX_EV_TRANSPORT_ERROR)->id, id);
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_ERR_STALE);
    th_fini(&t);
}

/* §17.1.2.2: Proceeding -> Completed on a final response; provisionals in
 * Proceeding are passed up. */
Test(tsx_client, nict_proceeding_to_completed_rfc3261_17_1_2_2)
{
    th t;
    sip_tsx_id id;
    th_init(&t, NULL);
    id = start(&t, OPT, SIP_TP_UDP);
    answer(&t, OPT, 100, NULL);
    answer(&t, OPT, 180, "b");
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_PROCEEDING);
    answer(&t, OPT, 486, "b");
    cr_assert_eq(sip_tsx_state_of(&t.L, id), SIP_TSX_STATE_COMPLETED);
    cr_assert_eq(th_count(&t, SIP_TSX_EV_RESPONSE), 3);
    cr_assert_eq(sip_tsx_next_deadline(&t.L), 5000000u); /* K = T4 */
    th_fini(&t);
}

/* A caller late by several intervals gets one retransmission, not a burst,
 * and the schedule continues one interval later (header decision). */
Test(tsx_client, late_timeout_no_burst)
{
    th t;
    th_init(&t, NULL);
    start(&t, INV, SIP_TP_UDP);
    t.now = 10000000u;
    cr_assert_eq(sip_tsx_on_timeout(&t.L, t.now), 1);
    cr_assert_eq(t.ns, 2);
    cr_assert_eq(sip_tsx_next_deadline(&t.L), 11000000u);
    cr_assert_eq(sip_tsx_on_timeout(&t.L, t.now), 0);
    th_fini(&t);
}
