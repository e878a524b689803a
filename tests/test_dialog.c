/* sip_dialog.h: the UA core between two UA cores (each with its own
 * transaction layer) on an in-memory network with a virtual clock. The
 * flows follow RFC 3665 (basic call flows) and name RFC 3261 sections. */
#include "dialog_net.h"

static dn_net N;

static void two_uas(dn_node **a, dn_node **b)
{
    dn_init(&N);
    *a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", NULL);
    *b = dn_add_ua(&N, 'B', "127.0.0.2", "bob", NULL);
}

/* RFC 3665 §3.1 / RFC 3261 §13, §15: INVITE / 180 / 200 / ACK, then BYE /
 * 200; both cores see the call states and the negotiated media. */
Test(dialog, rfc3665_3_1_successful_session_establishment)
{
    dn_node *a, *b;
    sip_ua_call c;
    const char *inv, *ack, *bye;
    two_uas(&a, &b);
    b->auto_ring = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B INVITE|B>A 180/INVITE");
    cr_assert_eq(sip_ua_answer(&b->ua, b->last_call, 200, NULL, N.now), 0);
    dn_run(&N, 200);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B INVITE|B>A 180/INVITE|B>A 200/INVITE|A>B ACK");
    /* §8.1.1: the INVITE's key headers */
    inv = N.raw[0];
    cr_assert(strstr(inv, "INVITE sip:bob@127.0.0.2 SIP/2.0\r\n") == inv);
    cr_assert(strstr(inv, "\r\nMax-Forwards: 70\r\n"));
    cr_assert(strstr(inv, "\r\nCSeq: 1 INVITE\r\n"));
    cr_assert(strstr(inv, "\r\nTo: <sip:bob@127.0.0.2>\r\n"));
    cr_assert(strstr(inv, "\r\nFrom: <sip:alice@127.0.0.1>;tag="));
    cr_assert(strstr(inv, "\r\nContact: <sip:alice@127.0.0.1:5060>\r\n"));
    cr_assert(strstr(inv, "\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK"));
    cr_assert(strstr(inv, "\r\nContent-Type: application/sdp\r\n"));
    cr_assert(strstr(inv, "m=audio 40000 RTP/AVP 0 8"));
    /* §13.2.2.4: the ACK goes to the remote target with the INVITE's CSeq
     * number and the To tag of the 2xx */
    ack = N.raw[3];
    cr_assert(strstr(ack, "ACK sip:bob@127.0.0.2:5060 SIP/2.0\r\n") == ack, "%s", ack);
    cr_assert(strstr(ack, "\r\nCSeq: 1 ACK\r\n"));
    cr_assert_str_eq(dn_hdr(N.raw[3], strlen(N.raw[3]), SIP_HDR_TO),
                     dn_hdr(N.raw[2], strlen(N.raw[2]), SIP_HDR_TO));
    cr_assert_str_eq(dn_evs(a), "state4/180|state6/200|media/0|state7/200");
    cr_assert_str_eq(dn_evs(b), "incoming+offer|state4/180|media/0|state6/200|state7/0");
    cr_assert_eq(sip_ua_call_state_of(&a->ua, c), SIP_UA_CALL_CONFIRMED);
    /* §15.1.1: BYE from the callee */
    cr_assert_eq(sip_ua_hangup(&b->ua, b->last_call, N.now), 0);
    dn_run(&N, 300);
    cr_assert_str_eq(dn_seq(&N, 4), "B>A BYE|A>B 200/BYE");
    bye = N.raw[4];
    cr_assert(strstr(bye, "BYE sip:alice@127.0.0.1:5060 SIP/2.0\r\n") == bye, "%s", bye);
    cr_assert(strstr(bye, "\r\nCSeq: 1 BYE\r\n"));
    cr_assert_eq(sip_ua_call_state_of(&a->ua, c), SIP_UA_ERR_STALE);
    cr_assert_str_eq(a->ev[a->nev - 1], "TERMINATED/2/0");
    cr_assert_str_eq(b->ev[b->nev - 1], "TERMINATED/1/0");
    cr_assert_eq(sip_ua_count_calls(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    dn_fini(&N);
}

/* RFC 3665 §3.2: busy. 486 is ACKed by the transaction layer (§17.1.1.3). */
Test(dialog, rfc3665_3_2_busy)
{
    dn_node *a, *b;
    sip_ua_call c;
    two_uas(&a, &b);
    b->auto_reject = 486;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B INVITE|B>A 486/INVITE|A>B ACK");
    cr_assert_str_eq(dn_evs(a), "TERMINATED/5/486");
    cr_assert_str_eq(dn_evs(b), "incoming+offer|TERMINATED/3/486");
    cr_assert_eq(sip_ua_call_state_of(&a->ua, c), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    dn_fini(&N);
}

/* RFC 3665 §3.8: unsuccessful with 404. */
Test(dialog, rfc3665_3_8_not_found)
{
    dn_node *a, *b;
    sip_ua_call c;
    two_uas(&a, &b);
    b->auto_reject = 404;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:nobody@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B INVITE|B>A 404/INVITE|A>B ACK");
    cr_assert_str_eq(dn_evs(a), "TERMINATED/5/404");
    dn_fini(&N);
}

/* RFC 3665 §3.3 / RFC 3261 §9: no answer, the caller cancels: CANCEL /
 * 200, 487 / ACK. */
Test(dialog, rfc3665_3_3_cancel)
{
    dn_node *a, *b;
    sip_ua_call c;
    two_uas(&a, &b);
    b->auto_ring = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 1000);
    cr_assert_eq(sip_ua_cancel(&a->ua, c, N.now), 0);
    cr_assert_eq(sip_ua_cancel(&a->ua, c, N.now), SIP_UA_ERR_STATE);
    dn_run(&N, 1100);
    cr_assert_str_eq(dn_seq(&N, 0),
                     "A>B INVITE|B>A 180/INVITE|A>B CANCEL|B>A 200/CANCEL|B>A 487/INVITE|A>B ACK");
    cr_assert(strstr(N.raw[2], "\r\nCSeq: 1 CANCEL\r\n"));
    cr_assert_str_eq(dn_evs(a), "state4/180|TERMINATED/3/487");
    cr_assert_str_eq(dn_evs(b), "incoming+offer|state4/180|TERMINATED/4/487");
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    dn_fini(&N);
}

/* §9.1: a CANCEL before any provisional response waits for one. */
static int drop_180_once(dn_net *n, int from, int to, const sip_msg *m)
{
    (void)from; (void)to;
    if (!m->is_request && m->status == 180 && n->drops_left > 0) {
        n->drops_left--;
        return 1;
    }
    return 0;
}

Test(dialog, rfc3261_9_1_cancel_waits_for_provisional)
{
    dn_node *a, *b;
    sip_ua_call c;
    two_uas(&a, &b);
    N.drop = drop_180_once;
    N.drops_left = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 10);
    cr_assert_eq(sip_ua_answer(&b->ua, b->last_call, 180, &b->local, N.now), 0);
    dn_run(&N, 20);
    cr_assert_eq(sip_ua_cancel(&a->ua, c, N.now), 0);
    dn_run(&N, 30);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B INVITE|B>A 180/INVITE!");
    cr_assert_eq(sip_ua_answer(&b->ua, b->last_call, 183, NULL, N.now), 0);
    dn_run(&N, 40);
    cr_assert_str_eq(dn_seq(&N, 2), "B>A 183/INVITE|A>B CANCEL|B>A 200/CANCEL|B>A 487/INVITE|A>B ACK");
    dn_fini(&N);
}

/* ---- registration (RFC 3665 §2, RFC 3261 §10.2, §22.2) --------------- */

static const char *REALM = "biloxi.example.com";

/* Verify the credentials of m with password "zanzibar"; returns the
 * algorithm used or -1. */
static int check_auth(const sip_msg *m, const char **nc_out)
{
    static char nc[16];
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_AUTHORIZATION, &pos);
    sip_auth a;
    sip_digest_input in;
    char want[80];
    if (!h || sip_auth_parse(h->value, &a) != 0) return -1;
    memset(&in, 0, sizeof in);
    in.alg = a.alg;
    in.qop = SIP_QOP_AUTH;
    in.username = a.username;
    in.realm = a.realm;
    in.password = sip_str_c("zanzibar");
    in.method = m->method_str;
    in.uri = a.uri;
    in.nonce = a.nonce;
    in.cnonce = a.cnonce;
    in.nc = a.nc;
    if (sip_digest_response(&in, want, sizeof want, NULL, NULL) < 0) return -1;
    if (!sip_str_eq(sip_str_c(want), a.response)) return -1;
    snprintf(nc, sizeof nc, "%.*s", (int)a.nc.len, a.nc.p);
    if (nc_out) *nc_out = nc;
    return (int)a.alg;
}

/* Registrar: 401 (MD5 and SHA-256 challenges) without credentials, 200
 * with them (echoing the Contact with expires=3600, a Service-Route). */
static void registrar(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    dn_node *me = &n->node[self];
    sip_hdr_field ex[4];
    char c1[128], contact[256];
    const char *nc = NULL;
    (void)buf; (void)len;
    if (!m->is_request) return;
    cr_assert_eq(m->method, SIP_METHOD_REGISTER);
    if (!sip_msg_find(m, SIP_HDR_AUTHORIZATION, &(size_t){0})) {
        snprintf(c1, sizeof c1, "Digest realm=\"%s\", nonce=\"n%d\", qop=\"auth\", algorithm=MD5", REALM, me->counter);
        ex[0].name = sip_str_c("WWW-Authenticate");
        ex[0].value = sip_str_c(c1);
        ex[1].name = sip_str_c("WWW-Authenticate");
        ex[1].value = sip_str_c("Digest realm=\"biloxi.example.com\", nonce=\"n0\", qop=\"auth\", algorithm=SHA-256");
        dn_elem_reply(n, self, from, m, 401, "reg1", ex, 2);
        return;
    }
    cr_assert_eq(check_auth(m, &nc), SIP_DIGEST_SHA256, "credentials refused:\n%.*s", (int)len, buf);
    me->counter++;
    snprintf(me->ev[me->nev++], sizeof me->ev[0], "nc=%s", nc);
    snprintf(contact, sizeof contact, "<sip:alice@127.0.0.1:5060>;expires=%s",
             strstr(dn_hdr(buf, len, SIP_HDR_EXPIRES), "0") == dn_hdr(buf, len, SIP_HDR_EXPIRES) ? "0" : "3600");
    ex[0].name = sip_str_c("Contact");
    ex[0].value = sip_str_c(contact);
    ex[1].name = sip_str_c("Service-Route");
    ex[1].value = sip_str_c("<sip:orig@127.0.0.10:5060;lr>");
    dn_elem_reply(n, self, from, m, 200, "reg1", ex, 2);
}

Test(dialog, rfc3665_2_registration_digest_refresh_unregister)
{
    dn_node *a, *r;
    sip_ua_reg reg;
    int i401, i200;
    dn_init(&N);
    a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", NULL);
    r = dn_add_elem(&N, 'R', "127.0.0.20", registrar);
    a->password = "zanzibar";
    cr_assert_eq(sip_ua_register(&a->ua, "sip:127.0.0.20", 3600, NULL, 0, N.now, &reg), 0);
    cr_assert_eq(sip_ua_reg_state_of(&a->ua, reg), SIP_UA_REG_REGISTERING);
    dn_run(&N, 100);
    /* RFC 3665 §2.1: REGISTER / 401 / REGISTER with credentials / 200 */
    cr_assert_str_eq(dn_seq(&N, 0), "A>R REGISTER|R>A 401/REGISTER|A>R REGISTER|R>A 200/REGISTER");
    cr_assert(strstr(N.raw[0], "REGISTER sip:127.0.0.20 SIP/2.0\r\n") == N.raw[0]);
    cr_assert(strstr(N.raw[0], "\r\nCSeq: 1 REGISTER\r\n"));
    cr_assert(strstr(N.raw[0], "\r\nContact: <sip:alice@127.0.0.1:5060>;expires=3600\r\n"));
    cr_assert(strstr(N.raw[0], "\r\nTo: <sip:alice@127.0.0.1>\r\n"));
    /* §22.2: CSeq incremented, same Call-ID; SHA-256 preferred over MD5 */
    cr_assert(strstr(N.raw[2], "\r\nCSeq: 2 REGISTER\r\n"));
    cr_assert(strstr(N.raw[2], "algorithm=SHA-256"));
    cr_assert_str_eq(dn_hdr(N.raw[0], strlen(N.raw[0]), SIP_HDR_CALL_ID),
                     dn_hdr(N.raw[2], strlen(N.raw[2]), SIP_HDR_CALL_ID));
    cr_assert_str_eq(r->ev[0], "nc=00000001");
    cr_assert_str_eq(dn_evs(a), "reg2/200/3600");
    cr_assert_eq(sip_ua_reg_state_of(&a->ua, reg), SIP_UA_REG_REGISTERED);
    /* refresh at 3600 - min(1800, 30) = 3570 s, with the cached
     * credentials (nc 2) and no new challenge */
    dn_run(&N, 3569000);
    cr_assert_eq(N.nlog, 4);
    dn_run(&N, 3570100);
    cr_assert_str_eq(dn_seq(&N, 4), "A>R REGISTER|R>A 200/REGISTER");
    cr_assert_geq(N.log_at[4], 3570000000ull);
    cr_assert_lt(N.log_at[4], 3570000000ull + 1000);
    cr_assert(strstr(N.raw[4], "\r\nCSeq: 3 REGISTER\r\n"));
    cr_assert_str_eq(r->ev[1], "nc=00000002");
    /* §10.2.2: unregister with Expires: 0 */
    cr_assert_eq(sip_ua_unregister(&a->ua, reg, N.now), 0);
    dn_run(&N, 3570200);
    cr_assert_str_eq(dn_seq(&N, 6), "A>R REGISTER|R>A 200/REGISTER");
    cr_assert(strstr(N.raw[6], "\r\nExpires: 0\r\n"));
    cr_assert(strstr(N.raw[6], ";expires=0\r\n"));
    cr_assert_str_eq(dn_evs(a), "reg2/200/3600|reg2/200/3600|reg4/200/0");
    cr_assert_eq(sip_ua_reg_state_of(&a->ua, reg), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_count_regs(&a->ua), 0);
    i401 = dn_nth(&N, "401", 0);
    i200 = dn_nth(&N, "200", 0);
    cr_assert_lt(i401, i200);
    dn_fini(&N);
}

/* §22.2: a wrong password is not retried forever: the second 401 ends it. */
static void registrar_refuse(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    sip_hdr_field ex[1];
    (void)buf; (void)len;
    if (!m->is_request) return;
    ex[0].name = sip_str_c("WWW-Authenticate");
    ex[0].value = sip_str_c("Digest realm=\"biloxi.example.com\", nonce=\"fixed\", qop=\"auth\"");
    dn_elem_reply(n, self, from, m, 401, "reg1", ex, 1);
}

Test(dialog, rfc3261_22_2_wrong_password_no_loop)
{
    dn_node *a;
    sip_ua_reg reg;
    dn_init(&N);
    a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", NULL);
    dn_add_elem(&N, 'R', "127.0.0.20", registrar_refuse);
    a->password = "wrong";
    cr_assert_eq(sip_ua_register(&a->ua, "sip:127.0.0.20", 600, NULL, 0, N.now, &reg), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>R REGISTER|R>A 401/REGISTER|A>R REGISTER|R>A 401/REGISTER");
    cr_assert_str_eq(dn_evs(a), "reg5/401/0");
    cr_assert_eq(sip_ua_count_regs(&a->ua), 0);
    dn_fini(&N);
}

/* §10.2.8: 423 Interval Too Brief: retried with Min-Expires. */
static void registrar_423(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    sip_hdr_field ex[1];
    if (!m->is_request) return;
    if (!strcmp(dn_hdr(buf, len, SIP_HDR_EXPIRES), "60")) {
        ex[0].name = sip_str_c("Min-Expires");
        ex[0].value = sip_str_c("1800");
        dn_elem_reply(n, self, from, m, 423, "r", ex, 1);
        return;
    }
    ex[0].name = sip_str_c("Contact");
    ex[0].value = sip_str_c("<sip:alice@127.0.0.1:5060>;expires=1800");
    dn_elem_reply(n, self, from, m, 200, "r", ex, 1);
}

Test(dialog, rfc3261_10_2_8_interval_too_brief)
{
    dn_node *a;
    sip_ua_reg reg;
    dn_init(&N);
    a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", NULL);
    dn_add_elem(&N, 'R', "127.0.0.20", registrar_423);
    cr_assert_eq(sip_ua_register(&a->ua, "sip:127.0.0.20", 60, NULL, 0, N.now, &reg), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>R REGISTER|R>A 423/REGISTER|A>R REGISTER|R>A 200/REGISTER");
    cr_assert(strstr(N.raw[2], "\r\nExpires: 1800\r\n"));
    cr_assert_str_eq(dn_evs(a), "reg2/200/1800");
    dn_fini(&N);
}

/* ---- proxies ----------------------------------------------------------- */

/* The address in the Via value v (host:port) */
static sip_ipaddr via_addr(sip_str v)
{
    sip_via via;
    sip_ipaddr a;
    char hp[64];
    cr_assert_eq(sip_via_parse(v, &via), 0);
    snprintf(hp, sizeof hp, "%.*s:%u", (int)via.host.len, via.host.p, via.port ? via.port : 5060);
    cr_assert_eq(sip_ipaddr_parse(sip_str_c(hp), &a), 0);
    return a;
}

/* A stateless proxy at 127.0.0.10: responses go to the second Via;
 * requests: a top Route naming us is removed (loose), a Request-URI
 * naming us takes the last Route (strict, §16.4); INVITEs without a To
 * tag are forked to n->node[self].counter targets (B at .2, C at .3) and
 * record-routed when state is 1 (strict: no ;lr). */
static void proxy(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    dn_node *me = &n->node[self];
    char out[4096], via[96], ruri[128];
    sip_proxy_edit ed;
    size_t pos = 0;
    const sip_hdr *h;
    int k, i, targets = 1;
    (void)buf; (void)len; (void)from;
    memset(&ed, 0, sizeof ed);
    if (!m->is_request) {
        sip_ipaddr to;
        h = sip_msg_find(m, SIP_HDR_VIA, &pos);
        h = sip_msg_find(m, SIP_HDR_VIA, &pos);
        cr_assert(h);
        to = via_addr(h->value);
        ed.remove_top_via = 1;
        k = sip_proxy_edit_apply(out, sizeof out, m, &ed, NULL);
        cr_assert_gt(k, 0);
        dn_post(n, self, &to, (const uint8_t *)out, (size_t)k);
        return;
    }
    h = sip_msg_find(m, SIP_HDR_ROUTE, &pos);
    if (h && strstr(h->value.p, "127.0.0.10") && strstr(h->value.p, "127.0.0.10") < h->value.p + h->value.len)
        ed.remove_top_route = 1;
    if (m->ruri.host.len == 10 && !memcmp(m->ruri.host.p, "127.0.0.10", 10)) {
        const sip_hdr *last = NULL;
        sip_addr a;
        pos = 0;
        while ((h = sip_msg_find(m, SIP_HDR_ROUTE, &pos)) != NULL) last = h;
        cr_assert(last, "strict-routed request without Route");
        cr_assert_eq(sip_addr_parse(last->value, &a), 0);
        snprintf(ruri, sizeof ruri, "%.*s", (int)a.uri.raw.len, a.uri.raw.p);
        ed.new_ruri = sip_str_c(ruri);
        snprintf(me->ev[me->nev++ % DN_EV], sizeof me->ev[0], "strict");
    }
    if (m->method == SIP_METHOD_INVITE && !m->to.tag.p) {
        targets = me->counter ? me->counter : 1;
        if (me->state == 1) ed.add_record_route = sip_str_c("<sip:127.0.0.10:5060>");
    }
    ed.decrement_max_forwards = 1;
    for (i = 0; i < targets; i++) {
        sip_uri u;
        sip_target t;
        char hp[64];
        snprintf(via, sizeof via, "SIP/2.0/UDP 127.0.0.10:5060;branch=z9hG4bKp%d%s%u",
                 i, m->method == SIP_METHOD_ACK ? "a" : "", (unsigned)m->cseq.num);
        ed.add_via = sip_str_c(via);
        if (targets > 1) {
            snprintf(ruri, sizeof ruri, "sip:bob@127.0.0.%d", 2 + i);
            ed.new_ruri = sip_str_c(ruri);
        }
        k = sip_proxy_edit_apply(out, sizeof out, m, &ed, NULL);
        cr_assert_gt(k, 0);
        /* next hop: the Request-URI after the edit */
        {
            sip_hdr hh[96];
            sip_msg mm;
            cr_assert_gt(dn_parse(out, (size_t)k, &mm, hh, 96), 0);
            pos = 0;
            h = sip_msg_find(&mm, SIP_HDR_ROUTE, &pos);
            if (h) {
                sip_addr a;
                cr_assert_eq(sip_addr_parse(h->value, &a), 0);
                u = a.uri;
            } else {
                u = mm.ruri;
            }
            snprintf(hp, sizeof hp, "%.*s:%u", (int)u.host.len, u.host.p, u.has_port ? u.port : 5060);
            cr_assert_eq(sip_ipaddr_parse(sip_str_c(hp), &t.remote), 0);
        }
        dn_post(n, self, &t.remote, (const uint8_t *)out, (size_t)k);
    }
}

/* §13.2.2.4, §12.1.2: a forking proxy; two early dialogs (180 with two To
 * tags), two 2xx: the first confirms the call, the second is ACKed and
 * ended with BYE. */
Test(dialog, rfc3261_13_2_2_4_forking_two_2xx)
{
    dn_node *a, *b, *c, *p;
    sip_ua_call call;
    sip_ua_config cfg;
    int i;
    dn_init(&N);
    memset(&cfg, 0, sizeof cfg);
    cfg.outbound_proxy = "sip:127.0.0.10:5060;lr";
    a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", &cfg);
    b = dn_add_ua(&N, 'B', "127.0.0.2", "bob", NULL);
    c = dn_add_ua(&N, 'C', "127.0.0.3", "bob", NULL);
    p = dn_add_elem(&N, 'P', "127.0.0.10", proxy);
    p->counter = 2;
    b->auto_ring = c->auto_ring = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.10", &a->local, 0, N.now, &call), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>P INVITE|P>B INVITE|P>C INVITE|B>P 180/INVITE|"
                     "C>P 180/INVITE|P>A 180/INVITE|P>A 180/INVITE");
    cr_assert(strstr(N.raw[0], "\r\nRoute: <sip:127.0.0.10:5060;lr>\r\n"));
    /* two early dialogs at the caller */
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 2);
    i = N.nlog;
    cr_assert_eq(sip_ua_answer(&b->ua, b->last_call, 200, NULL, N.now), 0);
    dn_run(&N, 200);
    cr_assert_eq(sip_ua_answer(&c->ua, c->last_call, 200, NULL, N.now), 0);
    dn_run(&N, 300);
    cr_assert_str_eq(dn_seq(&N, i), "B>P 200/INVITE|P>A 200/INVITE|A>B ACK|"
                     "C>P 200/INVITE|P>A 200/INVITE|A>C ACK|A>C BYE|C>A 200/BYE");
    cr_assert_eq(sip_ua_call_state_of(&a->ua, call), SIP_UA_CALL_CONFIRMED);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 1);
    cr_assert_eq(sip_ua_count_calls(&c->ua), 0);
    cr_assert_str_eq(c->ev[c->nev - 1], "TERMINATED/2/0");
    cr_assert_eq(sip_ua_call_state_of(&b->ua, b->last_call), SIP_UA_CALL_CONFIRMED);
    dn_fini(&N);
}

/* §12.2.1.1: a strict router in the route set (Record-Route without ;lr):
 * the in-dialog request's Request-URI is the router, the remote target
 * goes last in Route; in both directions. */
Test(dialog, rfc3261_12_2_1_1_strict_route_set)
{
    dn_node *a, *b, *p;
    sip_ua_call call;
    sip_ua_config cfg;
    int i, ack;
    dn_init(&N);
    memset(&cfg, 0, sizeof cfg);
    cfg.outbound_proxy = "sip:127.0.0.10:5060;lr";
    a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", &cfg);
    b = dn_add_ua(&N, 'B', "127.0.0.2", "bob", NULL);
    p = dn_add_elem(&N, 'P', "127.0.0.10", proxy);
    p->state = 1;
    b->auto_ring = b->auto_answer = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &call), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>P INVITE|P>B INVITE|B>P 180/INVITE|B>P 200/INVITE|"
                     "P>A 180/INVITE|P>A 200/INVITE|A>P ACK|P>B ACK", "%s", N.raw[5]);
    ack = dn_nth(&N, "A>P ACK", 0);
    cr_assert_geq(ack, 0, "%s", N.raw[5]);
    cr_assert(strstr(N.raw[ack], "ACK sip:127.0.0.10:5060 SIP/2.0\r\n") == N.raw[ack], "%s", N.raw[ack]);
    cr_assert(strstr(N.raw[ack], "\r\nRoute: <sip:bob@127.0.0.2:5060>\r\n") || strstr(N.raw[ack], "\r\nRoute: sip:bob@127.0.0.2:5060\r\n"),
              "%s", N.raw[ack]);
    /* the callee's BYE: its route set is the Record-Route in order */
    i = N.nlog;
    cr_assert_eq(sip_ua_hangup(&b->ua, b->last_call, N.now), 0);
    dn_run(&N, 200);
    cr_assert_str_eq(dn_seq(&N, i), "B>P BYE|P>A BYE|A>P 200/BYE|P>B 200/BYE");
    cr_assert(strstr(N.raw[i], "BYE sip:127.0.0.10:5060 SIP/2.0\r\n") == N.raw[i], "%s", N.raw[i]);
    cr_assert(strstr(N.raw[i], "sip:alice@127.0.0.1:5060"));
    cr_assert_str_eq(p->ev[0], "strict");
    cr_assert_eq(sip_ua_count_calls(&a->ua), 0);
    dn_fini(&N);
}

/* ---- re-INVITE (§14) ------------------------------------------------- */

static void established(dn_node **a, dn_node **b, sip_ua_call *c)
{
    two_uas(a, b);
    (*b)->auto_ring = (*b)->auto_answer = 1;
    cr_assert_eq(sip_ua_call_start(&(*a)->ua, "sip:bob@127.0.0.2", &(*a)->local, 0, N.now, c), 0);
    dn_run(&N, 100);
    cr_assert_eq(sip_ua_call_state_of(&(*a)->ua, *c), SIP_UA_CALL_CONFIRMED);
    cr_assert_eq(sip_ua_call_state_of(&(*b)->ua, (*b)->last_call), SIP_UA_CALL_CONFIRMED);
}

/* §14.1, RFC 3264 §8.4: hold by re-offering sendonly (o= version + 1),
 * the answer is recvonly; resume with sendrecv (version + 2). */
Test(dialog, rfc3261_14_reinvite_hold_and_resume)
{
    dn_node *a, *b;
    sip_ua_call c;
    int i;
    established(&a, &b, &c);
    i = N.nlog;
    a->local.media[0].dir = SDP_DIR_SENDONLY;
    cr_assert_eq(sip_ua_reinvite(&a->ua, c, &a->local, N.now), 0);
    cr_assert_eq(sip_ua_reinvite(&a->ua, c, &a->local, N.now), SIP_UA_ERR_STATE);
    dn_run(&N, 1000);
    cr_assert_str_eq(dn_seq(&N, i), "A>B INVITE|B>A 200/INVITE|A>B ACK");
    cr_assert(strstr(N.raw[i], "\r\nCSeq: 2 INVITE\r\n"));
    cr_assert(strstr(N.raw[i], "o=cvoip 1000 2 IN IP4"));
    cr_assert(strstr(N.raw[i], "a=sendonly"));
    cr_assert(strstr(N.raw[i + 1], "a=recvonly"));
    cr_assert(strstr(N.raw[i + 2], "\r\nCSeq: 2 ACK\r\n"));
    cr_assert_eq(a->media_dir[0], SDP_DIR_SENDONLY);
    cr_assert_eq(b->media_dir[0], SDP_DIR_RECVONLY);
    cr_assert_str_eq(a->ev[a->nev - 1], "reinvite/200");
    i = N.nlog;
    a->local.media[0].dir = SDP_DIR_SENDRECV;
    cr_assert_eq(sip_ua_reinvite(&a->ua, c, NULL, N.now), 0);
    dn_run(&N, 2000);
    cr_assert_str_eq(dn_seq(&N, i), "A>B INVITE|B>A 200/INVITE|A>B ACK");
    cr_assert(strstr(N.raw[i], "o=cvoip 1000 3 IN IP4"));
    cr_assert_eq(a->media_dir[0], SDP_DIR_SENDRECV);
    cr_assert_eq(b->media_dir[0], SDP_DIR_SENDRECV);
    cr_assert_eq(sip_ua_call_state_of(&a->ua, c), SIP_UA_CALL_CONFIRMED);
    dn_fini(&N);
}

/* §14.1, §14.2: glare. Both re-INVITE at once, both get 491; the one that
 * did not choose the Call-ID (B) retries within 0..2 s, the Call-ID owner
 * (A) within 2.1..4 s, after B's exchange. */
Test(dialog, rfc3261_14_1_glare_491_and_retry_timers)
{
    dn_node *a, *b;
    sip_ua_call c;
    int i, ra, rb;
    uint64_t t0;
    established(&a, &b, &c);
    i = N.nlog;
    t0 = N.now;
    a->local.media[0].dir = SDP_DIR_SENDONLY;
    cr_assert_eq(sip_ua_reinvite(&a->ua, c, &a->local, N.now), 0);
    cr_assert_eq(sip_ua_reinvite(&b->ua, b->last_call, NULL, N.now), 0);
    dn_run(&N, 100 + 10);
    cr_assert_str_eq(dn_seq(&N, i), "A>B INVITE|B>A INVITE|B>A 491/INVITE|A>B 491/INVITE|A>B ACK|B>A ACK");
    dn_run(&N, 100 + 8000);
    rb = dn_nth(&N, "B>A INVITE", 1);
    ra = dn_nth(&N, "A>B INVITE", 2);
    cr_assert_geq(rb, 0);
    cr_assert_geq(ra, 0);
    cr_assert_lt(rb, ra, "%s", dn_seq(&N, i));
    cr_assert_leq(N.log_at[rb] - t0, 2000000u);
    cr_assert_geq(N.log_at[ra] - t0, 2100000u);
    cr_assert_leq(N.log_at[ra] - t0, 4000000u);
    cr_assert_str_eq(N.log[rb + 1], "A>B 200/INVITE");
    cr_assert_str_eq(N.log[ra + 1], "B>A 200/INVITE");
    /* RFC 3264 §8: A's answer to B's offer was version 2, so its retried
     * offer is version 3 */
    cr_assert(strstr(N.raw[rb + 1], "o=cvoip 1000 2 IN IP4"), "%s", N.raw[rb + 1]);
    cr_assert(strstr(N.raw[ra], "o=cvoip 1000 3 IN IP4"), "%s", N.raw[ra]);
    cr_assert_eq(a->media_dir[0], SDP_DIR_SENDONLY);
    cr_assert_eq(sip_ua_call_state_of(&a->ua, c), SIP_UA_CALL_CONFIRMED);
    dn_fini(&N);
}

/* ---- 2xx retransmission (§13.3.1.4) ---------------------------------- */

static int drop_acks(dn_net *n, int from, int to, const sip_msg *m)
{
    (void)n; (void)from; (void)to;
    return m->is_request && m->method == SIP_METHOD_ACK;
}

/* §13.3.1.4: the UAS core retransmits the 2xx at T1, 2T1, 4T1... capped
 * at T2, each re-ACKed by the UAC core (§13.2.2.4); without ACK for
 * 64*T1 it sends BYE. */
Test(dialog, rfc3261_13_3_1_4_2xx_retransmitted_then_bye_without_ack)
{
    dn_node *a, *b;
    sip_ua_call c;
    int k, i0;
    uint64_t t0;
    const uint64_t want[] = {0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500};
    two_uas(&a, &b);
    N.drop = drop_acks;
    b->auto_ring = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 100);
    t0 = N.now;
    cr_assert_eq(sip_ua_answer(&b->ua, b->last_call, 200, NULL, N.now), 0);
    dn_run(&N, 100 + 31999);
    for (k = 0; k < 11; k++) {
        i0 = dn_nth(&N, "B>A 200/INVITE", k);
        cr_assert_geq(i0, 0, "2xx #%d missing", k);
        cr_assert_eq(N.log_at[i0] - t0, want[k] * 1000u, "2xx #%d at %llu", k,
                     (unsigned long long)(N.log_at[i0] - t0));
        cr_assert_str_eq(N.log[i0 + 1], "A>B ACK!");
    }
    cr_assert_lt(dn_nth(&N, "B>A 200/INVITE", 11), 0);
    cr_assert_lt(dn_nth(&N, "BYE", 0), 0);
    dn_run(&N, 100 + 32000);
    i0 = dn_nth(&N, "B>A BYE", 0);
    cr_assert_geq(i0, 0);
    cr_assert_eq(N.log_at[i0] - t0, 32000000u);
    cr_assert_str_eq(N.log[i0 + 1], "A>B 200/BYE");
    cr_assert_str_eq(b->ev[b->nev - 1], "TERMINATED/8/0");
    cr_assert_str_eq(a->ev[a->nev - 1], "TERMINATED/2/0");
    dn_fini(&N);
}

/* §13.2.1, §13.3.1: INVITE without SDP: the offer is in the 200, the
 * answer in the ACK. */
Test(dialog, rfc3261_13_invite_without_offer)
{
    dn_node *a, *b;
    sip_ua_call c;
    two_uas(&a, &b);
    b->auto_ring = b->auto_answer = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, SIP_UA_CALL_NO_OFFER, N.now, &c), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>B INVITE|B>A 180/INVITE|B>A 200/INVITE|A>B ACK");
    cr_assert(strstr(N.raw[0], "\r\nContent-Length: 0\r\n"));
    cr_assert(!strstr(N.raw[1], "v=0"));
    cr_assert(strstr(N.raw[2], "m=audio 40002 RTP/AVP 0 8"));
    cr_assert(strstr(N.raw[3], "\r\nContent-Type: application/sdp\r\n"));
    cr_assert(strstr(N.raw[3], "m=audio 40000 RTP/AVP 0 8"));
    cr_assert_eq(a->media_events, 1);
    cr_assert_eq(b->media_events, 1);
    cr_assert_eq(a->media_active, 1);
    cr_assert_eq(b->media_active, 1);
    cr_assert_str_eq(dn_evs(b), "incoming|state4/180|state6/200|media/0|state7/0");
    dn_fini(&N);
}

/* ---- UAS checks (§8.2) ------------------------------------------------ */

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

#define REQN(method, n, ruri, extra) \
    method " " ruri " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bK" method n "\r\n" \
    "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.9>;tag=x1\r\nTo: <sip:bob@127.0.0.2>" extra "\r\n" \
    "Call-ID: c-" method n "\r\nCSeq: 1 " method "\r\nContact: <sip:x@127.0.0.9>\r\n"
#define REQ(method, ruri, extra) REQN(method, "1", ruri, extra)

Test(dialog, rfc3261_8_2_uas_checks)
{
    dn_node *a, *b;
    two_uas(&a, &b);
    dn_add_elem(&N, 'X', "127.0.0.9", sink);
    /* §8.2.1: 405 with Allow */
    inject(2, 1, REQ("PUBLISH", "sip:bob@127.0.0.2", "") "Event: presence\r\nContent-Length: 0\r\n\r\n");
    cr_assert(strstr(last_resp, "SIP/2.0 405 ") == last_resp, "%s", last_resp);
    cr_assert(strstr(last_resp, "\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, PRACK, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER\r\n"));
    /* §8.2.2.3: 420 with Unsupported */
    inject(2, 1, REQ("INVITE", "sip:bob@127.0.0.2", "") "Require: 100rel\r\nContent-Length: 0\r\n\r\n");
    cr_assert(strstr(last_resp, "SIP/2.0 420 ") == last_resp, "%s", last_resp);
    cr_assert(strstr(last_resp, "\r\nUnsupported: 100rel\r\n"), "%s", last_resp);
    /* §8.2.2.1: 416 for an unknown URI scheme */
    inject(2, 1, REQ("OPTIONS", "xmpp:bob@127.0.0.2", "") "Content-Length: 0\r\n\r\n");
    cr_assert(strstr(last_resp, "SIP/2.0 416 ") == last_resp, "%s", last_resp);
    /* §8.2.3: 415 for a body we cannot read */
    inject(2, 1, REQN("INVITE", "2", "sip:bob@127.0.0.2", "") "Content-Type: application/xml\r\nContent-Length: 3\r\n\r\n<a>");
    cr_assert(strstr(last_resp, "SIP/2.0 415 ") == last_resp, "%s", last_resp);
    /* §15.1.2 / §12.2.2: 481 for a BYE outside any dialog */
    inject(2, 1, REQ("BYE", "sip:bob@127.0.0.2", ";tag=nodialog") "Content-Length: 0\r\n\r\n");
    cr_assert(strstr(last_resp, "SIP/2.0 481 ") == last_resp, "%s", last_resp);
    /* OPTIONS: 200 with Allow */
    inject(2, 1, REQN("OPTIONS", "2", "sip:bob@127.0.0.2", "") "Content-Length: 0\r\n\r\n");
    cr_assert(strstr(last_resp, "SIP/2.0 200 ") == last_resp, "%s", last_resp);
    cr_assert(strstr(last_resp, "\r\nAllow: "));
    cr_assert_eq(sip_ua_count_calls(&b->ua), 0);
    dn_fini(&N);
}

/* §8.2.2.2: a merged request (same From tag, Call-ID, CSeq through two
 * paths, different branches) gets 482. */
Test(dialog, rfc3261_8_2_2_2_merged_request_482)
{
    dn_node *a, *b;
    char second[1024];
    const char *first = REQ("INVITE", "sip:bob@127.0.0.2", "") "Content-Length: 0\r\n\r\n";
    two_uas(&a, &b);
    dn_add_elem(&N, 'X', "127.0.0.9", sink);
    inject(2, 1, first);
    cr_assert_eq(sip_ua_count_calls(&b->ua), 1);
    snprintf(second, sizeof second, "%s", first);
    memcpy(strstr(second, "INVITE1"), "INVITE2", 7);
    inject(2, 1, second);
    cr_assert(strstr(last_resp, "SIP/2.0 482 ") == last_resp, "%s", last_resp);
    cr_assert_eq(sip_ua_count_calls(&b->ua), 1);
    dn_fini(&N);
}

/* Handles: a call handle is stale after the call ends; commands reject it. */
Test(dialog, typed_handles_stale_after_end)
{
    dn_node *a, *b;
    sip_ua_call c;
    established(&a, &b, &c);
    cr_assert_eq(sip_ua_hangup(&a->ua, c, N.now), 0);
    cr_assert_eq(sip_ua_hangup(&a->ua, c, N.now), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_reinvite(&a->ua, c, NULL, N.now), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_answer(&a->ua, c, 200, NULL, N.now), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_cancel(&a->ua, c + 1, N.now), SIP_UA_ERR_STALE);
    cr_assert_eq(sip_ua_call_state_of(&a->ua, 0), SIP_UA_ERR_STALE);
    dn_run(&N, 200);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    dn_fini(&N);
}

/* §22.2 / RFC 7616 §3.3: stale=true: the refresh is challenged with a new
 * nonce and stale=true; the UA retries at once with the new nonce and
 * without asking for the password again. Two contacts are registered. */
static void registrar_stale(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    dn_node *me = &n->node[self];
    sip_hdr_field ex[2];
    size_t pos = 0;
    const sip_hdr *h;
    sip_auth a;
    (void)buf; (void)len;
    if (!m->is_request) return;
    h = sip_msg_find(m, SIP_HDR_AUTHORIZATION, &pos);
    if (h) cr_assert_eq(sip_auth_parse(h->value, &a), 0);
    if (!h || (me->state == 1 && sip_str_eq(a.nonce, sip_str_c("first")))) {
        ex[0].name = sip_str_c("WWW-Authenticate");
        ex[0].value = sip_str_c(me->state == 0 ? "Digest realm=\"biloxi.example.com\", nonce=\"first\", qop=\"auth\""
                                               : "Digest realm=\"biloxi.example.com\", nonce=\"second\", qop=\"auth\", stale=true");
        dn_elem_reply(n, self, from, m, 401, "r", ex, 1);
        return;
    }
    cr_assert_geq(check_auth(m, NULL), 0);
    me->state = 1;
    ex[0].name = sip_str_c("Contact");
    ex[0].value = sip_str_c("<sip:alice@127.0.0.1:5060>;expires=60, <sip:alice@192.0.2.1:5062>;expires=60");
    dn_elem_reply(n, self, from, m, 200, "r", ex, 1);
}

Test(dialog, rfc7616_stale_nonce_retried_without_asking)
{
    dn_node *a;
    sip_ua_reg reg;
    const char *contacts[2] = {"sip:alice@127.0.0.1:5060", "sip:alice@192.0.2.1:5062"};
    int i;
    dn_init(&N);
    a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", NULL);
    dn_add_elem(&N, 'R', "127.0.0.20", registrar_stale);
    a->password = "zanzibar";
    cr_assert_eq(sip_ua_register(&a->ua, "sip:127.0.0.20", 60, contacts, 2, N.now, &reg), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>R REGISTER|R>A 401/REGISTER|A>R REGISTER|R>A 200/REGISTER");
    cr_assert(strstr(N.raw[0], "\r\nContact: <sip:alice@127.0.0.1:5060>;expires=60\r\n"
                               "Contact: <sip:alice@192.0.2.1:5062>;expires=60\r\n"), "%s", N.raw[0]);
    cr_assert_eq(a->counter, 1);
    /* refresh at 60 - min(30, 30) = 30 s */
    i = N.nlog;
    dn_run(&N, 30100);
    cr_assert_str_eq(dn_seq(&N, i), "A>R REGISTER|R>A 401/REGISTER|A>R REGISTER|R>A 200/REGISTER");
    cr_assert(strstr(N.raw[i], "nonce=\"first\""));
    cr_assert(strstr(N.raw[i], "nc=00000002"));
    cr_assert(strstr(N.raw[i + 2], "nonce=\"second\""));
    cr_assert(strstr(N.raw[i + 2], "nc=00000001"));
    cr_assert_eq(a->counter, 1, "the password was asked again");
    cr_assert_str_eq(dn_evs(a), "reg2/200/60|reg2/200/60");
    dn_fini(&N);
}

/* §22.3 / RFC 3665 §3.1 with a proxy challenge: a 407 to the INVITE is
 * answered with Proxy-Authorization, CSeq + 1, same Call-ID and tag; the
 * 407 itself is ACKed by the transaction layer. */
static void auth_proxy(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    sip_hdr_field ex[1];
    size_t pos = 0;
    (void)buf; (void)len;
    if (!m->is_request || m->method == SIP_METHOD_ACK) return;
    if (!sip_msg_find(m, SIP_HDR_PROXY_AUTHORIZATION, &pos)) {
        ex[0].name = sip_str_c("Proxy-Authenticate");
        ex[0].value = sip_str_c("Digest realm=\"atlanta.example.com\", nonce=\"pn\", qop=\"auth\", algorithm=MD5");
        dn_elem_reply(n, self, from, m, 407, "p1", ex, 1);
        return;
    }
    dn_elem_reply(n, self, from, m, 486, "p2", NULL, 0);
}

Test(dialog, rfc3261_22_3_proxy_authentication_of_invite)
{
    dn_node *a;
    sip_ua_call c;
    sip_ua_config cfg;
    dn_init(&N);
    memset(&cfg, 0, sizeof cfg);
    cfg.outbound_proxy = "sip:127.0.0.10:5060;lr";
    a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", &cfg);
    dn_add_elem(&N, 'P', "127.0.0.10", auth_proxy);
    a->password = "zanzibar";
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_seq(&N, 0), "A>P INVITE|P>A 407/INVITE|A>P ACK|A>P INVITE|P>A 486/INVITE|A>P ACK");
    cr_assert(strstr(N.raw[3], "\r\nCSeq: 2 INVITE\r\n"));
    cr_assert(strstr(N.raw[3], "\r\nProxy-Authorization: Digest username=\"alice\", realm=\"atlanta.example.com\""));
    cr_assert(strstr(N.raw[3], "m=audio 40000"));
    cr_assert_str_eq(dn_hdr(N.raw[0], strlen(N.raw[0]), SIP_HDR_FROM), dn_hdr(N.raw[3], strlen(N.raw[3]), SIP_HDR_FROM));
    cr_assert_str_eq(dn_hdr(N.raw[0], strlen(N.raw[0]), SIP_HDR_CALL_ID), dn_hdr(N.raw[3], strlen(N.raw[3]), SIP_HDR_CALL_ID));
    cr_assert_str_eq(dn_evs(a), "TERMINATED/5/486");
    dn_fini(&N);
}

/* §9.1, §15: the caller hangs up (CANCEL) while the callee's 200 is on
 * the way: the 2xx is ACKed and the session ended with BYE; nothing is
 * left on either side. */
Test(dialog, rfc3261_9_1_cancel_crossing_2xx_acked_and_byed)
{
    dn_node *a, *b;
    sip_ua_call c;
    two_uas(&a, &b);
    b->auto_ring = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 100);
    cr_assert_eq(sip_ua_answer(&b->ua, b->last_call, 200, NULL, N.now), 0);
    cr_assert_eq(sip_ua_hangup(&a->ua, c, N.now), 0);
    cr_assert_str_eq(a->ev[a->nev - 1], "TERMINATED/3/0");
    dn_run(&N, 200);
    cr_assert_str_eq(dn_seq(&N, 2), "B>A 200/INVITE|A>B CANCEL|A>B ACK|A>B BYE|B>A 200/CANCEL|B>A 200/BYE");
    cr_assert_str_eq(b->ev[b->nev - 1], "TERMINATED/2/0");
    dn_run(&N, 40000);
    cr_assert_eq(sip_ua_count_dialogs(&a->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    cr_assert_eq(sip_ua_count_calls(&b->ua), 0);
    cr_assert_eq(sip_ua_next_deadline(&a->ua), UINT64_MAX);
    dn_fini(&N);
}

/* RFC 5626 §4.2, RFC 5627 §4.1: +sip.instance and reg-id on the Contact,
 * Supported: outbound and gruu; RFC 3608: the Service-Route of the 200
 * becomes the route set of later out-of-dialog requests. */
static void registrar_sr(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    sip_hdr_field ex[2];
    (void)buf; (void)len;
    if (!m->is_request) return;
    if (m->method == SIP_METHOD_REGISTER) {
        ex[0].name = sip_str_c("Contact");
        ex[0].value = sip_str_c("<sip:alice@127.0.0.1:5060>;expires=600");
        ex[1].name = sip_str_c("Service-Route");
        ex[1].value = sip_str_c("<sip:orig@127.0.0.20:5060;lr>");
        dn_elem_reply(n, self, from, m, 200, "r", ex, 2);
    } else if (m->method != SIP_METHOD_ACK) {
        dn_elem_reply(n, self, from, m, 403, "r", NULL, 0);
    }
}

Test(dialog, rfc5626_rfc5627_contact_params_and_rfc3608_service_route)
{
    dn_node *a;
    sip_ua_config cfg;
    sip_ua_reg reg;
    sip_ua_call c;
    dn_init(&N);
    memset(&cfg, 0, sizeof cfg);
    cfg.instance_id = "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";
    cfg.reg_id = 1;
    cfg.gruu = 1;
    a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", &cfg);
    dn_add_elem(&N, 'R', "127.0.0.20", registrar_sr);
    cr_assert_eq(sip_ua_register(&a->ua, "sip:127.0.0.20", 600, NULL, 0, N.now, &reg), 0);
    dn_run(&N, 100);
    cr_assert(strstr(N.raw[0], "\r\nContact: <sip:alice@127.0.0.1:5060>;expires=600;"
                               "+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\";reg-id=1\r\n"),
              "%s", N.raw[0]);
    cr_assert(strstr(N.raw[0], "\r\nSupported: path, outbound, gruu\r\n"));
    cr_assert_str_eq(dn_evs(a), "reg2/200/600");
    cr_assert_eq(a->last_keepalive_ms, 0); /* no Require: outbound in the 200 */
    /* the INVITE now goes through the service route */
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 200);
    cr_assert_str_eq(dn_seq(&N, 2), "A>R INVITE|R>A 403/INVITE|A>R ACK");
    cr_assert(strstr(N.raw[2], "INVITE sip:bob@127.0.0.2 SIP/2.0\r\n") == N.raw[2]);
    cr_assert(strstr(N.raw[2], "\r\nRoute: <sip:orig@127.0.0.20:5060;lr>\r\n"));
    dn_fini(&N);
}

/* RFC 5626 §4.2.1 / §4.4.1: a registrar that supports outbound says
 * Require: outbound in the 200; the UA then reports the flow keep-alive
 * interval, 80-100 % of Flow-Timer (30 s here) or 95-120 s without one. */
static void registrar_ob(dn_net *n, int self, const sip_msg *m, const char *buf, size_t len, int from)
{
    sip_hdr_field ex[3];
    size_t k = 0;
    (void)buf; (void)len;
    if (!m->is_request || m->method != SIP_METHOD_REGISTER) return;
    ex[k].name = sip_str_c("Contact");
    ex[k++].value = sip_str_c("<sip:alice@127.0.0.1:5060>;expires=600");
    ex[k].name = sip_str_c("Require");
    ex[k++].value = sip_str_c("outbound");
    if (n->node[self].state == 0) {
        ex[k].name = sip_str_c("Flow-Timer");
        ex[k++].value = sip_str_c("30");
    }
    n->node[self].state++;
    dn_elem_reply(n, self, from, m, 200, "r", ex, k);
}

Test(dialog, rfc5626_4_4_1_flow_keepalive_interval)
{
    dn_node *a, *r;
    sip_ua_config cfg;
    sip_ua_reg reg;
    dn_init(&N);
    memset(&cfg, 0, sizeof cfg);
    cfg.instance_id = "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";
    cfg.reg_id = 1;
    a = dn_add_ua(&N, 'A', "127.0.0.1", "alice", &cfg);
    r = dn_add_elem(&N, 'R', "127.0.0.20", registrar_ob);
    cr_assert_eq(sip_ua_register(&a->ua, "sip:127.0.0.20", 600, NULL, 0, N.now, &reg), 0);
    dn_run(&N, 100);
    cr_assert_str_eq(dn_evs(a), "reg2/200/600");
    cr_assert_geq(a->last_keepalive_ms, 24000u);
    cr_assert_leq(a->last_keepalive_ms, 30000u);
    /* the refresh at 570 s gets a 200 without Flow-Timer */
    dn_run(&N, 571000);
    cr_assert_eq(r->state, 2);
    cr_assert_geq(a->last_keepalive_ms, 95000u);
    cr_assert_leq(a->last_keepalive_ms, 120000u);
    dn_fini(&N);
}

/* §15: a callee that hangs up right after its 2xx sends the BYE only
 * once the ACK has arrived. */
Test(dialog, rfc3261_15_uas_bye_waits_for_ack)
{
    dn_node *a, *b;
    sip_ua_call c, bc;
    two_uas(&a, &b);
    b->auto_ring = 1;
    cr_assert_eq(sip_ua_call_start(&a->ua, "sip:bob@127.0.0.2", &a->local, 0, N.now, &c), 0);
    dn_run(&N, 100);
    bc = b->last_call;
    cr_assert_eq(sip_ua_answer(&b->ua, bc, 200, NULL, N.now), 0);
    cr_assert_eq(sip_ua_hangup(&b->ua, bc, N.now), 0);
    cr_assert_str_eq(b->ev[b->nev - 1], "TERMINATED/1/0");
    cr_assert_eq(sip_ua_call_state_of(&b->ua, bc), SIP_UA_ERR_STALE);
    dn_run(&N, 200);
    cr_assert_str_eq(dn_seq(&N, 2), "B>A 200/INVITE|A>B ACK|B>A BYE|A>B 200/BYE");
    cr_assert_str_eq(a->ev[a->nev - 1], "TERMINATED/2/0");
    cr_assert_eq(sip_ua_count_calls(&b->ua), 0);
    cr_assert_eq(sip_ua_count_dialogs(&b->ua), 0);
    dn_fini(&N);
}
