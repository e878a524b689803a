/* sip_transport.h: stream and datagram framing, the connection table,
 * timers, Via handling (RFC 3261 §18, RFC 3581, RFC 5626 §4.4.1, RFC 5923). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include "sip_transport.h"
#include "testutil.h"
#include "tp_harness.h"

#define MS 1000ull

static const char *const OPT =
    "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
    "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c1\r\n"
    "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 4\r\n\r\nbody";

/* ---- §18.3 stream framing on the whole corpus ------------------------- */

/* Every corpus message that frames on a stream, fed to a TCP connection
 * split at every byte position: exactly that message comes out, parsed
 * iff sip_parse accepts it (RFC 3261 §18.3: Content-Length frames). */
static void corpus_dir(const char *dir, size_t *n_files)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    cr_assert(d != NULL, "%s", dir);
    while ((de = readdir(d)) != NULL) {
        char path[512];
        size_t len, k, total;
        char *raw;
        sip_stream_state st = {0, 0, 0};
        sip_msg m;
        static sip_hdr hd[128];
        int fr, valid;
        tp_h h;
        sip_transport_config cfg;
        if (!strstr(de->d_name, ".dat")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        raw = tu_read_file(path, &len);
        fr = sip_frame_stream(raw, len, 0, &st);
        if (fr <= 0) {
            free(raw);
            continue;
        }
        total = (size_t)fr;
        valid = sip_parse(raw, total, NULL, &m, hd, 128, NULL) > 0;
        (*n_files)++;
        memset(&cfg, 0, sizeof cfg);
        tp_init(&h, &cfg);
        for (k = 0; k <= total; k++) {
            sip_flow f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
            const tp_ev *e;
            tp_clear(&h);
            cr_assert_eq(sip_transport_data(h.t, f, (const uint8_t *)raw, k, 1), 0);
            cr_assert_eq(tp_count(&h, EV_MESSAGE), k == total, "%s split %zu", de->d_name, k);
            cr_assert_eq(sip_transport_data(h.t, f, (const uint8_t *)raw + k, total - k, 2), 0);
            cr_assert_eq(tp_count(&h, EV_MESSAGE), 1, "%s split %zu", de->d_name, k);
            cr_assert_eq(tp_count(&h, EV_DISCONNECTED), 0, "%s split %zu", de->d_name, k);
            e = tp_find(&h, EV_MESSAGE, 0);
            cr_assert_eq(e->len, total);
            cr_assert(memcmp(e->raw, raw, total) == 0);
            cr_assert_eq(e->parsed, valid, "%s", de->d_name);
            cr_assert_eq(e->tg.flow, f);
            sip_transport_closed(h.t, f, 3);
        }
        tp_fini(&h);
        free(raw);
    }
    closedir(d);
}

Test(transport_stream, rfc3261_18_3_every_corpus_message_at_every_split)
{
    size_t n = 0;
    corpus_dir("corpus/rfc4475", &n);
    corpus_dir("corpus/rfc5118", &n);
    cr_assert_geq(n, 40, "only %zu corpus messages framed", n);
}

/* §18.3 / §7.5: several messages and CRLFs in one read, then byte by byte. */
Test(transport_stream, several_messages_in_one_read_and_byte_by_byte)
{
    tp_h h;
    char buf[4096];
    size_t n = strlen(OPT), i, len;
    sip_flow f;
    tp_init(&h, NULL);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    len = 0;
    for (i = 0; i < 3; i++) {
        memcpy(buf + len, OPT, n), len += n;
        memcpy(buf + len, "\r\n", 2), len += 2; /* a lone CRLF between: a pong */
    }
    cr_assert_eq(sip_transport_data(h.t, f, (const uint8_t *)buf, len, 0), 0);
    cr_assert_eq(tp_count(&h, EV_MESSAGE), 3);
    for (i = 0; i < 3; i++) cr_assert_str_eq(tp_find(&h, EV_MESSAGE, i)->raw, OPT);
    tp_clear(&h);
    for (i = 0; i < len; i++) sip_transport_data(h.t, f, (const uint8_t *)buf + i, 1, 1);
    cr_assert_eq(tp_count(&h, EV_MESSAGE), 3);
    cr_assert_eq(tp_count(&h, EV_DISCONNECTED), 0);
    cr_assert_eq(h.out_len, 0, "no CRLFCRLF ping was seen, nothing answered");
    tp_fini(&h);
}

/* RFC 5626 §4.4.1: CRLFCRLF is a ping answered by a CRLF pong, even split. */
Test(transport_stream, rfc5626_4_4_1_ping_answered_with_pong)
{
    tp_h h;
    sip_flow f;
    tp_init(&h, NULL);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    tp_feed(&h, f, "\r\n\r\n", 0);
    cr_assert_eq(h.out_len, 2);
    cr_assert(memcmp(h.out, "\r\n", 2) == 0);
    cr_assert_eq(tp_find(&h, EV_KA, 0)->reason, SIP_TP_KA_PING);
    tp_clear(&h);
    tp_feed(&h, f, "\r\n", 0);
    cr_assert_eq(h.out_len, 0);
    tp_feed(&h, f, "\r", 0);
    tp_feed(&h, f, "\n", 0);
    cr_assert_eq(h.out_len, 2, "the second half completes the ping");
    tp_clear(&h);
    /* a ping right before a message */
    {
        char buf[2048];
        snprintf(buf, sizeof buf, "\r\n\r\n%s", OPT);
        tp_feed(&h, f, buf, 0);
        cr_assert_eq(h.out_len, 2);
        cr_assert_eq(tp_count(&h, EV_MESSAGE), 1);
        cr_assert_str_eq(tp_find(&h, EV_MESSAGE, 0)->raw, OPT);
    }
    tp_fini(&h);
}

/* RFC 5626 §4.4.1: our pings, the pong clears the wait, a missing pong
 * closes the flow after the pong timeout. */
Test(transport_stream, rfc5626_4_4_1_keepalive_ping_pong_and_timeout)
{
    tp_h h;
    sip_transport_config cfg;
    sip_flow f;
    uint64_t d;
    memset(&cfg, 0, sizeof cfg);
    cfg.pong_timeout_ms = 10000;
    tp_init(&h, &cfg);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    cr_assert_eq(sip_transport_keepalive(h.t, f, 30000, 0), 0);
    d = sip_transport_next_deadline(h.t);
    cr_assert(d >= 24000 * MS && d <= 30000 * MS, "80-100%% of 30 s: %llu", (unsigned long long)d);
    sip_transport_on_timeout(h.t, d - 1);
    cr_assert_eq(h.out_len, 0);
    sip_transport_on_timeout(h.t, d);
    cr_assert_eq(h.out_len, 4);
    cr_assert(memcmp(h.out, "\r\n\r\n", 4) == 0);
    cr_assert_leq(sip_transport_next_deadline(h.t), d + 10000 * MS);
    tp_feed(&h, f, "\r\n", d + 5 * MS);
    cr_assert_eq(tp_find(&h, EV_KA, 0)->reason, SIP_TP_KA_PONG);
    cr_assert_gt(sip_transport_next_deadline(h.t), d + 10000 * MS, "pong wait cleared");
    /* next ping unanswered */
    d = sip_transport_next_deadline(h.t);
    tp_clear(&h);
    sip_transport_on_timeout(h.t, d);
    cr_assert_eq(h.out_len, 4);
    cr_assert_eq(sip_transport_next_deadline(h.t), d + 10000 * MS);
    sip_transport_on_timeout(h.t, d + 10000 * MS);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_KEEPALIVE_TIMEOUT);
    cr_assert_eq(sip_transport_count(h.t), 0);
    tp_fini(&h);
}

/* RFC 3261 §18.3: Content-Length is mandatory on streams. */
Test(transport_stream, rfc3261_18_3_missing_content_length_closes)
{
    tp_h h;
    sip_flow f;
    tp_init(&h, NULL);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    tp_feed(&h, f, "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n", 0);
    cr_assert_eq(tp_count(&h, EV_MESSAGE), 0);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_FRAMING);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->detail, SIP_ERR_CONTENT_LENGTH);
    cr_assert_eq(tp_feed(&h, f, "x", 1), SIP_TRANSPORT_ERR_STALE);
    tp_fini(&h);
}

/* Slow-loris: a header section not complete within header_timeout_ms of
 * its first byte is cut off; a slow body within message_timeout_ms. */
Test(transport_stream, slow_header_cut_off_after_header_time_limit)
{
    tp_h h;
    sip_transport_config cfg;
    sip_flow f;
    memset(&cfg, 0, sizeof cfg);
    cfg.header_timeout_ms = 5000;
    cfg.message_timeout_ms = 20000;
    tp_init(&h, &cfg);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    tp_feed(&h, f, "OPTIONS sip:b@example.com SIP/2.0\r\n", 1000 * MS);
    cr_assert_eq(sip_transport_next_deadline(h.t), 6000 * MS);
    tp_feed(&h, f, "Via: SIP/2.0/TCP h\r\n", 4000 * MS); /* trickling does not extend it */
    cr_assert_eq(sip_transport_next_deadline(h.t), 6000 * MS);
    sip_transport_on_timeout(h.t, 6000 * MS - 1);
    cr_assert_eq(tp_count(&h, EV_DISCONNECTED), 0);
    sip_transport_on_timeout(h.t, 6000 * MS);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_HEADER_TIMEOUT);
    /* the header in time, the body too slow */
    tp_clear(&h);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40001", 0);
    tp_feed(&h, f, "\r\n", 0); /* keep-alive bytes do not start the clock */
    cr_assert_eq(sip_transport_next_deadline(h.t), 600000 * MS, "only the idle timer");
    {
        char buf[1024];
        size_t n = strlen(OPT) - 2;
        memcpy(buf, OPT, n);
        sip_transport_data(h.t, f, (const uint8_t *)buf, n, 100 * MS);
    }
    cr_assert_eq(sip_transport_next_deadline(h.t), 20100 * MS);
    sip_transport_on_timeout(h.t, 20100 * MS);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_MESSAGE_TIMEOUT);
    tp_fini(&h);
}

/* An endless header section or a huge Content-Length: cut off at once. */
Test(transport_stream, too_big_cut_off)
{
    tp_h h;
    sip_transport_config cfg;
    sip_flow f;
    char buf[3000];
    memset(&cfg, 0, sizeof cfg);
    cfg.max_message = 1024;
    tp_init(&h, &cfg);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    memset(buf, 'a', sizeof buf);
    memcpy(buf, "OPTIONS sip:b SIP/2.0\r\nX: ", 26);
    sip_transport_data(h.t, f, (const uint8_t *)buf, 1000, 0);
    cr_assert_eq(tp_count(&h, EV_DISCONNECTED), 0);
    sip_transport_data(h.t, f, (const uint8_t *)buf + 1000, 100, 0);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_TOO_BIG);
    tp_clear(&h);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40001", 0);
    tp_feed(&h, f, "OPTIONS sip:b SIP/2.0\r\nContent-Length: 5000\r\n\r\n", 0);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_TOO_BIG);
    cr_assert_eq(sip_transport_count(h.t), 0);
    cr_assert_eq(sip_transport_mem_used(h.t) < 4096 + 128 * sizeof(sip_hdr), 1, "buffers freed");
    tp_fini(&h);
}

/* ---- datagrams (§18.3, RFC 5389 §6) ------------------------------------ */

Test(transport_udp, datagram_message_stun_and_crlf_keepalive)
{
    tp_h h;
    sip_target from;
    static const uint8_t stun[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
                                     1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const char *nocl = "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
                       "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c1\r\n"
                       "CSeq: 1 OPTIONS\r\n\r\n";
    tp_init(&h, NULL);
    memset(&from, 0, sizeof from);
    from.tp = SIP_TP_UDP;
    from.remote = tp_addr("192.0.2.1:5060");
    sip_transport_datagram(h.t, &from, (const uint8_t *)nocl, strlen(nocl), 0);
    cr_assert_eq(tp_find(&h, EV_MESSAGE, 0)->parsed, 1, "no Content-Length: rest of datagram");
    sip_transport_datagram(h.t, &from, stun, sizeof stun, 0);
    cr_assert_eq(tp_find(&h, EV_KA, 0)->reason, SIP_TP_KA_STUN);
    cr_assert_eq(tp_find(&h, EV_KA, 0)->len, 20);
    sip_transport_datagram(h.t, &from, (const uint8_t *)"\r\n\r\n", 4, 0);
    cr_assert_eq(tp_find(&h, EV_KA, 1)->reason, SIP_TP_KA_CRLF);
    sip_transport_datagram(h.t, &from, (const uint8_t *)"garbage\r\n\r\n", 11, 0);
    cr_assert_eq(tp_find(&h, EV_MESSAGE, 1)->parsed, 0);
    cr_assert_eq(tp_count(&h, EV_MESSAGE), 2);
    cr_assert_eq(sip_transport_count(h.t), 0, "datagrams make no connections");
    /* RFC 5389 §6: wrong cookie or length is not STUN */
    cr_assert_eq(sip_stun_check(stun, 19), 0);
    {
        uint8_t s2[24];
        memcpy(s2, stun, 20);
        memset(s2 + 20, 0, 4);
        cr_assert_eq(sip_stun_check(s2, 24), 0);
        s2[3] = 4;
        cr_assert_eq(sip_stun_check(s2, 24), 1);
        s2[5] = 0x13;
        cr_assert_eq(sip_stun_check(s2, 24), 0);
    }
    tp_fini(&h);
}

/* ---- the connection table -------------------------------------------- */

/* §18.1: requests reuse an open connection to the same (transport,
 * address); a refused open fails the send. */
Test(transport_table, reuse_for_requests_and_connect_flow)
{
    tp_h h;
    sip_target to;
    sip_flow f1, f2;
    tp_init(&h, NULL);
    memset(&to, 0, sizeof to);
    to.tp = SIP_TP_TCP;
    to.remote = tp_addr("198.51.100.7:5060");
    cr_assert_eq(sip_transport_send(h.t, &to, OPT, strlen(OPT), 0, &f1), 0);
    cr_assert_eq(h.opens, 1);
    cr_assert_eq(h.out_len, 0, "nothing before connected");
    cr_assert_eq(sip_transport_queued(h.t, f1), strlen(OPT) + 4);
    cr_assert_eq(sip_transport_send(h.t, &to, OPT, strlen(OPT), 0, &f2), 0);
    cr_assert_eq(f1, f2);
    cr_assert_eq(h.opens, 1);
    cr_assert_eq(sip_transport_connected(h.t, f1, 1), 0);
    cr_assert_eq(tp_count(&h, EV_CONNECTED), 1);
    cr_assert_eq(h.out_len, 2 * strlen(OPT));
    cr_assert_eq(tp_count(&h, EV_SENT), 2);
    cr_assert_eq(sip_transport_find(h.t, SIP_TP_TCP, &to.remote, NULL), f1);
    cr_assert_eq(sip_transport_find(h.t, SIP_TP_TLS, &to.remote, NULL), 0);
    h.refuse_open = 1;
    to.remote = tp_addr("198.51.100.8:5060");
    cr_assert_eq(sip_transport_send(h.t, &to, OPT, strlen(OPT), 0, NULL), SIP_TRANSPORT_ERR_CALLBACK);
    cr_assert_eq(sip_transport_count(h.t), 1);
    tp_fini(&h);
}

/* §18.2.2: a response goes on the flow the request came on; a stale flow
 * is refused, never followed to a reused slot. */
Test(transport_table, stale_handles_rejected)
{
    tp_h h;
    sip_flow f, g;
    sip_target to;
    tp_init(&h, NULL);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    cr_assert_eq(sip_transport_closed(h.t, f, 0), 0);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_CLOSED);
    g = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    cr_assert_neq(f, g);
    cr_assert_eq(f & 0xfffff, g & 0xfffff, "the slot is reused");
    cr_assert_eq(tp_feed(&h, f, "x", 0), SIP_TRANSPORT_ERR_STALE);
    cr_assert_eq(sip_transport_closed(h.t, f, 0), SIP_TRANSPORT_ERR_STALE);
    cr_assert_eq(sip_transport_close(h.t, f, 0), SIP_TRANSPORT_ERR_STALE);
    cr_assert_eq(sip_transport_keepalive(h.t, f, 1, 0), SIP_TRANSPORT_ERR_STALE);
    cr_assert_eq(sip_transport_flow_target(h.t, f, &to), SIP_TRANSPORT_ERR_STALE);
    cr_assert_eq(sip_transport_data(h.t, 0, NULL, 0, 0), SIP_TRANSPORT_ERR_STALE);
    cr_assert_eq(sip_transport_data(h.t, 0xffffffffu, NULL, 0, 0), SIP_TRANSPORT_ERR_STALE);
    memset(&to, 0, sizeof to);
    to.tp = SIP_TP_TCP;
    to.flow = f;
    cr_assert_eq(sip_transport_send(h.t, &to, OPT, strlen(OPT), 0, NULL), SIP_TRANSPORT_ERR_STALE);
    to.flow = g;
    cr_assert_eq(sip_transport_send(h.t, &to, OPT, strlen(OPT), 0, NULL), 0);
    cr_assert_eq(h.out_len, strlen(OPT));
    tp_fini(&h);
}

/* At max_connections the least recently used idle connection is evicted;
 * a busy one (partial message) never is. */
Test(transport_table, lru_eviction_of_idle_only)
{
    tp_h h;
    sip_transport_config cfg;
    sip_flow a, b, c, d;
    sip_ipaddr r = tp_addr("192.0.2.9:1"), l = tp_addr("192.0.2.100:5060");
    memset(&cfg, 0, sizeof cfg);
    cfg.max_connections = 3;
    tp_init(&h, &cfg);
    a = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:1", 0);
    b = tp_accept(&h, SIP_TP_TCP, "192.0.2.2:1", 1);
    c = tp_accept(&h, SIP_TP_TCP, "192.0.2.3:1", 2);
    tp_feed(&h, a, OPT, 3);  /* a used most recently */
    tp_feed(&h, c, "OPT", 4); /* c busy: partial message */
    cr_assert_eq(tp_count(&h, EV_MESSAGE), 1);
    tp_clear(&h);
    d = tp_accept(&h, SIP_TP_TCP, "192.0.2.4:1", 5);
    cr_assert_eq(tp_count(&h, EV_DISCONNECTED), 1);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_EVICTED);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->tg.flow, b);
    tp_clear(&h);
    tp_feed(&h, d, "O", 6);   /* now a idle, c and d busy */
    tp_accept(&h, SIP_TP_TCP, "192.0.2.5:1", 7);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->tg.flow, a);
    tp_clear(&h);
    /* all three busy: full */
    {
        sip_flow e = sip_transport_find(h.t, SIP_TP_TCP, &(sip_ipaddr){4, {192, 0, 2, 5}, 1}, NULL), x;
        cr_assert_neq(e, 0);
        tp_feed(&h, e, "O", 8);
        cr_assert_eq(sip_transport_accepted(h.t, SIP_TP_TCP, &r, &l, NULL, NULL, 9, &x), SIP_TRANSPORT_ERR_FULL);
        cr_assert_eq(tp_count(&h, EV_DISCONNECTED), 0);
    }
    tp_fini(&h);
}

/* Idle connections close after idle_timeout_ms of inactivity. */
Test(transport_table, idle_timeout)
{
    tp_h h;
    sip_transport_config cfg;
    sip_flow a, b;
    memset(&cfg, 0, sizeof cfg);
    cfg.idle_timeout_ms = 30000;
    tp_init(&h, &cfg);
    a = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:1", 0);
    b = tp_accept(&h, SIP_TP_TCP, "192.0.2.2:1", 1000 * MS);
    cr_assert_eq(sip_transport_next_deadline(h.t), 30000 * MS);
    tp_feed(&h, a, OPT, 2000 * MS);
    cr_assert_eq(sip_transport_next_deadline(h.t), 31000 * MS, "b is now the oldest");
    sip_transport_on_timeout(h.t, 31000 * MS);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->tg.flow, b);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_IDLE_TIMEOUT);
    cr_assert_eq(sip_transport_next_deadline(h.t), 32000 * MS);
    sip_transport_on_timeout(h.t, 32000 * MS);
    cr_assert_eq(sip_transport_count(h.t), 0);
    cr_assert_eq(sip_transport_next_deadline(h.t), UINT64_MAX);
    tp_fini(&h);
}

/* RFC 5923 §5: after alias, requests to the Via sent-by use the flow. */
Test(transport_table, rfc5923_alias_reuses_connection_for_requests)
{
    tp_h h;
    sip_flow f, used;
    sip_target to;
    sip_ipaddr sb = tp_addr("192.0.2.1");
    tp_init(&h, NULL);
    f = tp_accept(&h, SIP_TP_TLS, "192.0.2.1:40000", 0);
    memset(&to, 0, sizeof to);
    to.tp = SIP_TP_TLS;
    to.remote = tp_addr("192.0.2.1:5061");
    cr_assert_eq(sip_transport_find(h.t, SIP_TP_TLS, &to.remote, NULL), 0);
    cr_assert_eq(sip_transport_alias(h.t, f, &sb), 0, "port defaults to 5061 for TLS");
    cr_assert_eq(sip_transport_find(h.t, SIP_TP_TLS, &to.remote, NULL), f);
    cr_assert_eq(sip_transport_send(h.t, &to, OPT, strlen(OPT), 0, &used), 0);
    cr_assert_eq(used, f);
    cr_assert_eq(h.opens, 0);
    sip_transport_closed(h.t, f, 0);
    cr_assert_eq(sip_transport_find(h.t, SIP_TP_TLS, &to.remote, NULL), 0);
    tp_fini(&h);
}

/* Back-pressure: the queue's high-water mark is reported, the hard limit
 * refuses the send; partial writes drain through writable. */
Test(transport_table, backpressure_events_and_hard_limit)
{
    tp_h h;
    sip_transport_config cfg;
    sip_flow f;
    sip_target to;
    size_t n = strlen(OPT), i;
    memset(&cfg, 0, sizeof cfg);
    cfg.send_high_water = 1000;
    cfg.send_hard_limit = 2000;
    tp_init(&h, &cfg);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    memset(&to, 0, sizeof to);
    to.tp = SIP_TP_TCP;
    to.flow = f;
    h.write_limit = 0; /* the socket is full */
    for (i = 0; i * n <= 1000; i++) cr_assert_eq(sip_transport_send(h.t, &to, OPT, n, 0, NULL), 0);
    cr_assert_eq(tp_count(&h, EV_BP), 1);
    cr_assert_eq(tp_find(&h, EV_BP, 0)->reason, 1);
    while (sip_transport_queued(h.t, f) + n + 14 <= 2000)
        cr_assert_eq(sip_transport_send(h.t, &to, OPT, n, 0, NULL), 0);
    i = sip_transport_queued(h.t, f);
    cr_assert_eq(sip_transport_send(h.t, &to, OPT, n, 0, NULL), SIP_TRANSPORT_ERR_QUEUE_FULL);
    cr_assert_eq(sip_transport_queued(h.t, f), i, "nothing queued by a refused send");
    h.write_limit = 100; /* partial writes */
    sip_transport_writable(h.t, f, 0);
    cr_assert_eq(h.out_len, i, "the socket took everything in pieces");
    cr_assert_eq(tp_count(&h, EV_BP), 2);
    cr_assert_eq(tp_find(&h, EV_BP, 1)->reason, 0);
    cr_assert_eq(sip_transport_queued(h.t, f), 0);
    cr_assert(memcmp(h.out, OPT, n) == 0);
    /* a failing socket ends the flow */
    h.send_fail = 1;
    cr_assert_eq(sip_transport_send(h.t, &to, OPT, n, 0, NULL), SIP_TRANSPORT_ERR_CALLBACK);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_SEND_FAILED);
    cr_assert_eq(tp_count(&h, EV_ERROR), 1);
    tp_fini(&h);
}

/* Callbacks may close the flow they are called for. */
static tp_h *g_h;
static void close_in_msg(void *user, const sip_target *from, const sip_msg *msg, const char *raw,
                         size_t len, const sip_parse_error *err)
{
    tp_msg_cb(user, from, msg, raw, len, err);
    sip_transport_close(g_h->t, from->flow, 0);
}

Test(transport_table, close_from_inside_on_message)
{
    tp_h h;
    sip_transport_callbacks cb;
    sip_flow f;
    char buf[4096];
    tp_init(&h, NULL);
    sip_transport_destroy(h.t);
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = tp_send_cb;
    cb.on_message = close_in_msg;
    cb.on_disconnected = tp_disc_cb;
    cr_assert_eq(sip_transport_create(&h.t, NULL, &cb, &h), 0);
    g_h = &h;
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    snprintf(buf, sizeof buf, "%s%s", OPT, OPT);
    tp_feed(&h, f, buf, 0);
    cr_assert_eq(tp_count(&h, EV_MESSAGE), 1, "nothing delivered after the close");
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_LOCAL);
    cr_assert_eq(sip_transport_count(h.t), 0);
    tp_fini(&h);
}

Test(transport_table, create_rejects_bad_arguments)
{
    sip_transport *t;
    sip_transport_callbacks cb;
    sip_transport_config cfg;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cr_assert_eq(sip_transport_create(&t, NULL, &cb, NULL), SIP_TRANSPORT_ERR_INVALID);
    cb.send = tp_send_cb;
    cb.size = 4;
    cr_assert_eq(sip_transport_create(&t, NULL, &cb, NULL), SIP_TRANSPORT_ERR_INVALID);
    cb.size = sizeof cb;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_connections = 1u << 20;
    cr_assert_eq(sip_transport_create(&t, &cfg, &cb, NULL), SIP_TRANSPORT_ERR_INVALID);
    cr_assert_str_eq(sip_transport_strerror(SIP_TRANSPORT_ERR_QUEUE_FULL), "send queue full");
    cr_assert_str_eq(sip_transport_strerror(SIP_ERR_SYNTAX), "syntax error");
}

/* ---- Via handling (§18.2.1, §18.2.2, RFC 3581 §4) ---------------------- */

static void parse_msg(const char *s, sip_msg *m, sip_hdr *hd)
{
    cr_assert_gt(sip_parse(s, strlen(s), NULL, m, hd, 32, NULL), 0, "%s", s);
}

#define REQ(via) "INVITE sip:b@example.com SIP/2.0\r\nVia: " via "\r\n" \
    "Via: SIP/2.0/UDP lower.example.com\r\nFrom: <sip:a@example.com>;tag=1\r\n" \
    "To: <sip:b@example.com>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"

/* RFC 3261 §18.2.1: received when sent-by differs; RFC 3581 §4: empty rport
 * filled, as bytes on the wire. */
Test(transport_via, rfc3581_4_received_and_rport_stamped)
{
    sip_msg m;
    sip_hdr hd[32];
    char out[1024];
    size_t need = 0;
    int n;
    sip_via_stamp st;
    sip_ipaddr src = tp_addr("192.0.2.200:5070");
    parse_msg(REQ("SIP/2.0/UDP pc.example.com;rport;branch=z9hG4bK7"), &m, hd);
    cr_assert_eq(sip_via_stamp_values(&m.via, &src, &st), 0);
    cr_assert_eq(st.add_received, 1);
    cr_assert_str_eq(st.received, "192.0.2.200");
    cr_assert_eq(st.fill_rport, 1);
    cr_assert_eq(st.rport, 5070);
    n = sip_via_stamp_msg(NULL, 0, &m, &src, &need);
    cr_assert_eq(n, SIP_ERR_NOSPACE);
    n = sip_via_stamp_msg(out, sizeof out, &m, &src, NULL);
    cr_assert_eq((size_t)n, need);
    out[n] = 0;
    cr_assert_str_eq(out, REQ("SIP/2.0/UDP pc.example.com;rport=5070;branch=z9hG4bK7;received=192.0.2.200"));
    /* sent-by is the source: nothing to add */
    parse_msg(REQ("SIP/2.0/UDP 192.0.2.200:5070;branch=z9hG4bK7"), &m, hd);
    cr_assert_eq(sip_via_stamp_values(&m.via, &src, &st), 0);
    cr_assert_eq(st.add_received + st.fill_rport, 0);
    n = sip_via_stamp_msg(out, sizeof out, &m, &src, NULL);
    out[n] = 0;
    cr_assert_str_eq(out, REQ("SIP/2.0/UDP 192.0.2.200:5070;branch=z9hG4bK7"));
    /* IPv6 source: received without brackets (§20.42, RFC 5118 §4.5) */
    src = tp_addr("[2001:db8::9]:5060");
    parse_msg(REQ("SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK7"), &m, hd);
    sip_via_stamp_values(&m.via, &src, &st);
    cr_assert_str_eq(st.received, "2001:db8::9");
}

/* RFC 3261 §18.2.2 (+ RFC 3581 §4): where a response goes. */
Test(transport_via, rfc3261_18_2_2_response_target)
{
    sip_msg m;
    sip_hdr hd[32];
    sip_target from, out;
    sip_str host;
    char a[64];
    memset(&from, 0, sizeof from);
    from.tp = SIP_TP_UDP;
    from.remote = tp_addr("192.0.2.200:5070");
    from.local = tp_addr("192.0.2.100:5060");
    /* unreliable, rport empty: source address and port */
    parse_msg(REQ("SIP/2.0/UDP pc.example.com;rport;branch=z9hG4bK7"), &m, hd);
    cr_assert_eq(sip_response_target(&m.via, &from, &out, &host), 0);
    sip_ipaddr_print(&out.remote, 1, a, sizeof a);
    cr_assert_str_eq(a, "192.0.2.200:5070");
    cr_assert(sip_ipaddr_eq(&out.local, &from.local), "sent from where it arrived");
    /* no rport: received address, sent-by port (default 5060) */
    parse_msg(REQ("SIP/2.0/UDP pc.example.com;branch=z9hG4bK7"), &m, hd);
    sip_response_target(&m.via, &from, &out, NULL);
    sip_ipaddr_print(&out.remote, 1, a, sizeof a);
    cr_assert_str_eq(a, "192.0.2.200:5060");
    /* stamped received + rport value */
    parse_msg(REQ("SIP/2.0/UDP pc.example.com;received=192.0.2.7;rport=9999;branch=z9hG4bK7"), &m, hd);
    sip_response_target(&m.via, NULL, &out, NULL);
    sip_ipaddr_print(&out.remote, 1, a, sizeof a);
    cr_assert_str_eq(a, "192.0.2.7:9999");
    /* maddr wins over received */
    parse_msg(REQ("SIP/2.0/UDP pc.example.com:5080;maddr=239.255.255.1;ttl=1;branch=z9hG4bK7"), &m, hd);
    sip_response_target(&m.via, &from, &out, NULL);
    sip_ipaddr_print(&out.remote, 1, a, sizeof a);
    cr_assert_str_eq(a, "239.255.255.1:5080");
    /* reliable with the flow: that connection */
    from.tp = SIP_TP_TCP;
    from.flow = 0x100005;
    parse_msg(REQ("SIP/2.0/TCP pc.example.com;branch=z9hG4bK7"), &m, hd);
    cr_assert_eq(sip_response_target(&m.via, &from, &out, NULL), 0);
    cr_assert_eq(out.flow, from.flow);
    cr_assert_eq(out.tp, SIP_TP_TCP);
    /* no source known and a name: RFC 3263 §5 resolution, TLS default port */
    parse_msg(REQ("SIP/2.0/TLS pc.example.com;branch=z9hG4bK7"), &m, hd);
    cr_assert_eq(sip_response_target(&m.via, NULL, &out, &host), SIP_TRANSPORT_RESOLVE);
    TU_STR_EQ(host, "pc.example.com");
    cr_assert_eq(out.remote.port, 5061);
    cr_assert_eq(out.tp, SIP_TP_TLS);
    parse_msg(REQ("SIP/2.0/XYZ pc.example.com;branch=z9hG4bK7"), &m, hd);
    cr_assert_eq(sip_response_target(&m.via, NULL, &out, &host), SIP_TRANSPORT_ERR_INVALID);
}

/* RFC 3261 §18.1.1: big requests move to a congestion-controlled transport. */
Test(transport_via, rfc3261_18_1_1_mtu_rule)
{
    cr_assert_eq(sip_request_transport(SIP_TP_UDP, 1300, 0), SIP_TP_UDP);
    cr_assert_eq(sip_request_transport(SIP_TP_UDP, 1301, 0), SIP_TP_TCP);
    cr_assert_eq(sip_request_transport(SIP_TP_UDP, 1300, 1500), SIP_TP_UDP);
    cr_assert_eq(sip_request_transport(SIP_TP_UDP, 1301, 1500), SIP_TP_TCP);
    cr_assert_eq(sip_request_transport(SIP_TP_UDP, 9000, 9500), SIP_TP_UDP);
    cr_assert_eq(sip_request_transport(SIP_TP_TLS, 60000, 0), SIP_TP_TLS);
}

/* A caller allocator (e.g. an arena) gets every allocation with its size,
 * and every byte back. */
typedef struct arena {
    size_t live, peak, calls;
} arena;

static void *arena_alloc(void *u, size_t n)
{
    arena *a = (arena *)u;
    a->live += n;
    a->calls++;
    if (a->live > a->peak) a->peak = a->live;
    return malloc(n);
}

static void arena_free(void *u, void *p, size_t n)
{
    ((arena *)u)->live -= n;
    free(p);
}

Test(transport_table, caller_allocator_sees_every_byte)
{
    tp_h h;
    sip_transport_config cfg;
    arena a = {0, 0, 0};
    sip_flow f;
    char buf[4096];
    memset(&cfg, 0, sizeof cfg);
    cfg.alloc_fn = arena_alloc;
    cfg.free_fn = arena_free;
    cfg.alloc_user = &a;
    tp_init(&h, &cfg);
    f = tp_accept(&h, SIP_TP_TCP, "192.0.2.1:40000", 0);
    snprintf(buf, sizeof buf, "%s%.20s", OPT, OPT); /* one and a partial */
    tp_feed(&h, f, buf, 0);
    cr_assert_eq(sip_transport_mem_used(h.t), a.live);
    cr_assert_gt(a.calls, 3);
    sip_transport_destroy(h.t);
    h.t = NULL;
    cr_assert_eq(a.live, 0);
    tp_clear(&h);
    free(h.out);
    cfg.free_fn = NULL;
    {
        sip_transport *t;
        sip_transport_callbacks cb;
        memset(&cb, 0, sizeof cb);
        cb.size = sizeof cb;
        cb.send = tp_send_cb;
        cr_assert_eq(sip_transport_create(&t, &cfg, &cb, NULL), SIP_TRANSPORT_ERR_INVALID);
    }
}

/* Datagrams go straight to the send callback, whole or not at all. */
Test(transport_udp, datagram_send)
{
    tp_h h;
    sip_target to;
    tp_init(&h, NULL);
    memset(&to, 0, sizeof to);
    to.tp = SIP_TP_UDP;
    to.remote = tp_addr("192.0.2.1:5060");
    cr_assert_eq(sip_transport_send(h.t, &to, OPT, strlen(OPT), 0, NULL), 0);
    cr_assert_eq(h.out_len, strlen(OPT));
    cr_assert_eq(tp_count(&h, EV_SENT), 1);
    h.write_limit = 10;
    cr_assert_eq(sip_transport_send(h.t, &to, OPT, strlen(OPT), 0, NULL), SIP_TRANSPORT_ERR_CALLBACK);
    cr_assert_eq(sip_transport_count(h.t), 0);
    tp_fini(&h);
}
