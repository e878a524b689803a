/* sip_transport.h: WebSocket (RFC 6455, RFC 7118), SHA-1 (FIPS 180-4) and
 * the connection byte filter hook (TLS's place, tested with XOR). */
#include <criterion/criterion.h>
#include <stdio.h>
#include "sip_transport.h"
#include "testutil.h"
#include "tp_harness.h"

static const char *const MSG =
    "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK1\r\n"
    "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c1\r\n"
    "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n";

static const char *const UPGRADE =
    "GET / HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, sip\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

static void hex20(const uint8_t d[20], char out[41])
{
    int i;
    for (i = 0; i < 20; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

/* FIPS 180-4 SHA-1 test vectors (one block, two blocks, padding edge). */
Test(transport_ws, fips180_4_sha1_vectors)
{
    uint8_t d[20];
    char h[41];
    sip_ws_sha1("abc", 3, d);
    hex20(d, h);
    cr_assert_str_eq(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sip_ws_sha1("", 0, d);
    hex20(d, h);
    cr_assert_str_eq(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    sip_ws_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
    hex20(d, h);
    cr_assert_str_eq(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

/* RFC 6455 §1.3 / §4.2.2: the example key and its accept value. */
Test(transport_ws, rfc6455_1_3_accept_example)
{
    char acc[29];
    cr_assert_eq(sip_ws_accept(sip_str_c("dGhlIHNhbXBsZSBub25jZQ=="), acc), 28);
    cr_assert_str_eq(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    cr_assert_eq(sip_ws_accept(sip_str_c(""), acc), SIP_TRANSPORT_ERR_INVALID);
}

/* RFC 6455 §5.7 examples: frame bytes, both ways. */
Test(transport_ws, rfc6455_5_7_frame_examples)
{
    static const uint8_t unmasked[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    static const uint8_t masked[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    uint8_t out[70000];
    sip_ws_frame f;
    size_t need;
    cr_assert_eq(sip_ws_frame_build(out, sizeof out, SIP_WS_TEXT, 1, NULL, (const uint8_t *)"Hello", 5, NULL), 7);
    cr_assert(memcmp(out, unmasked, 7) == 0);
    cr_assert_eq(sip_ws_frame_build(out, sizeof out, SIP_WS_TEXT, 1, key, (const uint8_t *)"Hello", 5, NULL), 11);
    cr_assert(memcmp(out, masked, 11) == 0);
    cr_assert_eq(sip_ws_frame_parse(masked, sizeof masked, &f), 6);
    cr_assert_eq(f.fin, 1);
    cr_assert_eq(f.opcode, SIP_WS_TEXT);
    cr_assert_eq(f.masked, 1);
    cr_assert_eq(f.payload_len, 5);
    cr_assert(memcmp(f.mask, key, 4) == 0);
    cr_assert_eq(sip_ws_frame_parse(masked, 5, &f), SIP_ERR_PARTIAL);
    /* 256 bytes: 16-bit length; 64 KiB: 64-bit length */
    memset(out + 100, 0, 65536);
    cr_assert_eq(sip_ws_frame_build(out, sizeof out, SIP_WS_BINARY, 1, NULL, out + 100, 256, NULL), 260);
    cr_assert(out[0] == 0x82 && out[1] == 0x7e && out[2] == 0x01 && out[3] == 0x00);
    cr_assert_eq(sip_ws_frame_build(NULL, 0, SIP_WS_BINARY, 1, NULL, out + 100, 65536, &need), SIP_ERR_NOSPACE);
    cr_assert_eq(need, 65536 + 10);
    {
        static const uint8_t h64[10] = {0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0};
        static const uint8_t bad64[10] = {0x82, 0x7f, 0x80, 0, 0, 0, 0, 1, 0, 0};
        static const uint8_t nonmin[4] = {0x82, 0x7e, 0x00, 0x05};
        cr_assert_eq(sip_ws_frame_parse(h64, 10, &f), 10);
        cr_assert_eq(f.payload_len, 65536);
        cr_assert_eq(sip_ws_frame_parse(bad64, 10, &f), SIP_ERR_SYNTAX);
        cr_assert_eq(sip_ws_frame_parse(nonmin, 4, &f), SIP_ERR_SYNTAX);
    }
}

Test(transport_ws, rfc3629_utf8)
{
    cr_assert_eq(sip_utf8_valid((const uint8_t *)"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14), 1);
    cr_assert_eq(sip_utf8_valid((const uint8_t *)"\xc0\xaf", 2), 0);      /* overlong */
    cr_assert_eq(sip_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3), 0);  /* surrogate */
    cr_assert_eq(sip_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
    cr_assert_eq(sip_utf8_valid((const uint8_t *)"\xe2\x82", 2), 0);      /* truncated */
}

/* Server side: RFC 6455 §4.2.2 answer with RFC 7118 §4 subprotocol. */
static sip_flow ws_server(tp_h *h)
{
    sip_flow f = tp_accept(h, SIP_TP_WS, "192.0.2.1:40000", 0);
    cr_assert_eq(tp_count(h, EV_CONNECTED), 0, "not before the upgrade");
    tp_feed(h, f, UPGRADE, 0);
    cr_assert_eq(tp_count(h, EV_CONNECTED), 1);
    tp_clear(h);
    return f;
}

static size_t client_frame(uint8_t *out, int opcode, int fin, const char *p, size_t n)
{
    static const uint8_t key[4] = {1, 2, 3, 4};
    return (size_t)sip_ws_frame_build(out, 70000, opcode, fin, key, (const uint8_t *)p, n, NULL);
}

Test(transport_ws, rfc6455_4_2_2_server_handshake_and_rfc7118_5_message)
{
    tp_h h;
    sip_flow f;
    uint8_t fr[2048];
    size_t n;
    tp_init(&h, NULL);
    f = tp_accept(&h, SIP_TP_WS, "192.0.2.1:40000", 0);
    tp_feed(&h, f, UPGRADE, 0);
    h.out[h.out_len] = 0;
    cr_assert_str_eq((char *)h.out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                    "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                                    "Sec-WebSocket-Protocol: sip\r\n\r\n");
    cr_assert_eq(tp_count(&h, EV_CONNECTED), 1);
    tp_clear(&h);
    /* RFC 7118 §5: one message per WebSocket message, no Content-Length
     * needed; masked by the client (§5.3) */
    n = client_frame(fr, SIP_WS_TEXT, 1, MSG, strlen(MSG));
    sip_transport_data(h.t, f, fr, n, 1);
    cr_assert_eq(tp_count(&h, EV_MESSAGE), 1);
    cr_assert_eq(tp_find(&h, EV_MESSAGE, 0)->parsed, 1);
    cr_assert_str_eq(tp_find(&h, EV_MESSAGE, 0)->raw, MSG);
    /* server frames are not masked */
    {
        sip_target to;
        sip_ws_frame wf;
        memset(&to, 0, sizeof to);
        to.tp = SIP_TP_WS;
        to.flow = f;
        cr_assert_eq(sip_transport_send(h.t, &to, MSG, strlen(MSG), 2, NULL), 0);
        cr_assert_eq(sip_ws_frame_parse(h.out, h.out_len, &wf), 4);
        cr_assert_eq(wf.masked, 0);
        cr_assert_eq(wf.opcode, SIP_WS_TEXT);
        cr_assert_eq(wf.payload_len, strlen(MSG));
        cr_assert(memcmp(h.out + 4, MSG, strlen(MSG)) == 0);
    }
    tp_fini(&h);
}

Test(transport_ws, rfc6455_4_2_1_bad_upgrades_refused)
{
    tp_h h;
    sip_flow f;
    tp_init(&h, NULL);
    f = tp_accept(&h, SIP_TP_WS, "192.0.2.1:40000", 0);
    tp_feed(&h, f, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n"
                   "Sec-WebSocket-Protocol: sip\r\n\r\n", 0);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_WS_HANDSHAKE);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->detail, 426);
    cr_assert(memcmp(h.out, "HTTP/1.1 426", 12) == 0);
    tp_clear(&h);
    /* RFC 7118 §4: no "sip" subprotocol offered */
    f = tp_accept(&h, SIP_TP_WS, "192.0.2.1:40000", 0);
    tp_feed(&h, f, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Protocol: chat\r\n\r\n", 0);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->detail, 400);
    tp_clear(&h);
    /* a never-ending request head */
    f = tp_accept(&h, SIP_TP_WS, "192.0.2.1:40000", 0);
    {
        char big[9000];
        memset(big, 'a', sizeof big - 1);
        big[sizeof big - 1] = 0;
        memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
        tp_feed(&h, f, big, 0);
    }
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_WS_HANDSHAKE);
    tp_fini(&h);
}

/* RFC 6455 §5.1: a server closes on an unmasked client frame with 1002. */
Test(transport_ws, rfc6455_5_1_unmasked_client_frame_close_1002)
{
    tp_h h;
    sip_flow f;
    uint8_t fr[2048];
    int n;
    tp_init(&h, NULL);
    f = ws_server(&h);
    n = sip_ws_frame_build(fr, sizeof fr, SIP_WS_TEXT, 1, NULL, (const uint8_t *)MSG, strlen(MSG), NULL);
    sip_transport_data(h.t, f, fr, (size_t)n, 1);
    cr_assert_eq(tp_count(&h, EV_MESSAGE), 0);
    cr_assert_eq(h.out_len, 4);
    cr_assert(h.out[0] == 0x88 && h.out[1] == 0x02 && h.out[2] == 0x03 && h.out[3] == 0xea, "close 1002");
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_WS_PROTOCOL);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->detail, 1002);
    tp_fini(&h);
}

/* RFC 6455 §5.4: fragments reassembled, a control frame may come between;
 * §5.5.2: ping answered with a pong carrying its payload. */
Test(transport_ws, rfc6455_5_4_fragmentation_and_5_5_2_ping_pong)
{
    tp_h h;
    sip_flow f;
    uint8_t buf[4096];
    size_t n = 0, half = strlen(MSG) / 2, i;
    sip_ws_frame wf;
    tp_init(&h, NULL);
    f = ws_server(&h);
    n += client_frame(buf + n, SIP_WS_TEXT, 0, MSG, 10);
    n += client_frame(buf + n, SIP_WS_PING, 1, "hi", 2);
    n += client_frame(buf + n, SIP_WS_CONT, 0, MSG + 10, half - 10);
    n += client_frame(buf + n, SIP_WS_CONT, 1, MSG + half, strlen(MSG) - half);
    for (i = 0; i < n; i++) sip_transport_data(h.t, f, buf + i, 1, 1); /* byte by byte */
    cr_assert_eq(tp_count(&h, EV_MESSAGE), 1);
    cr_assert_str_eq(tp_find(&h, EV_MESSAGE, 0)->raw, MSG);
    cr_assert_eq(tp_find(&h, EV_KA, 0)->reason, SIP_TP_KA_WS_PING);
    cr_assert_eq(sip_ws_frame_parse(h.out, h.out_len, &wf), 2);
    cr_assert_eq(wf.opcode, SIP_WS_PONG);
    cr_assert_eq(wf.payload_len, 2);
    cr_assert(memcmp(h.out + 2, "hi", 2) == 0);
    /* a continuation without a start is a protocol error */
    tp_clear(&h);
    n = client_frame(buf, SIP_WS_CONT, 1, "x", 1);
    sip_transport_data(h.t, f, buf, n, 2);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->detail, 1002);
    tp_fini(&h);
}

/* RFC 6455 §7.4.1: 1009 for a message over the limit (fragments add up),
 * 1007 for a text message that is not UTF-8 (§8.1). */
Test(transport_ws, rfc6455_7_4_1_close_1009_and_1007)
{
    tp_h h;
    sip_transport_config cfg;
    sip_flow f;
    static uint8_t buf[4096];
    static char big[1000];
    size_t n;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_message = 1500;
    tp_init(&h, &cfg);
    f = ws_server(&h);
    memset(big, 'a', sizeof big);
    n = client_frame(buf, SIP_WS_TEXT, 0, big, sizeof big);
    sip_transport_data(h.t, f, buf, n, 1);
    cr_assert_eq(tp_count(&h, EV_DISCONNECTED), 0);
    n = client_frame(buf, SIP_WS_CONT, 1, big, sizeof big);
    sip_transport_data(h.t, f, buf, n, 1);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_TOO_BIG);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->detail, 1009);
    cr_assert(h.out[0] == 0x88 && h.out[2] == 0x03 && h.out[3] == 0xf1, "close 1009");
    tp_clear(&h);
    f = ws_server(&h);
    n = client_frame(buf, SIP_WS_TEXT, 1, "OPTIONS \xff", 9);
    sip_transport_data(h.t, f, buf, n, 1);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->detail, 1007);
    cr_assert(h.out[2] == 0x03 && h.out[3] == 0xef, "close 1007");
    /* binary messages are not checked for UTF-8 */
    tp_clear(&h);
    f = ws_server(&h);
    n = client_frame(buf, SIP_WS_BINARY, 1, "OPTIONS \xff", 9);
    sip_transport_data(h.t, f, buf, n, 1);
    cr_assert_eq(tp_count(&h, EV_DISCONNECTED), 0);
    cr_assert_eq(tp_count(&h, EV_MESSAGE), 1);
    cr_assert_eq(tp_find(&h, EV_MESSAGE, 0)->parsed, 0);
    tp_fini(&h);
}

/* RFC 6455 §5.5.1: close echoed with the peer's code; our own close waits
 * for the peer's answer or a timeout. */
Test(transport_ws, rfc6455_5_5_1_close_handshake)
{
    tp_h h;
    sip_flow f;
    uint8_t buf[64];
    size_t n;
    tp_init(&h, NULL);
    f = ws_server(&h);
    n = client_frame(buf, SIP_WS_CLOSE, 1, "\x03\xe8", 2);
    sip_transport_data(h.t, f, buf, n, 1);
    cr_assert_eq(h.out_len, 4);
    cr_assert(h.out[0] == 0x88 && h.out[2] == 0x03 && h.out[3] == 0xe8, "close 1000 echoed");
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_WS_CLOSE);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->detail, 1000);
    tp_clear(&h);
    /* ours: close, then the peer's close ends it */
    f = ws_server(&h);
    cr_assert_eq(sip_transport_close(h.t, f, 10), 0);
    cr_assert_eq(h.out_len, 4);
    cr_assert_eq(tp_count(&h, EV_DISCONNECTED), 0);
    {
        sip_target to;
        memset(&to, 0, sizeof to);
        to.tp = SIP_TP_WS;
        to.flow = f;
        cr_assert_eq(sip_transport_send(h.t, &to, MSG, strlen(MSG), 11, NULL), SIP_TRANSPORT_ERR_CLOSING);
    }
    sip_transport_data(h.t, f, buf, n, 12);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_LOCAL);
    tp_clear(&h);
    /* ours, unanswered: ws_close_timeout_ms (2 s) */
    f = ws_server(&h);
    sip_transport_close(h.t, f, 1000);
    cr_assert_eq(sip_transport_next_deadline(h.t), 1000 + 2000000);
    sip_transport_on_timeout(h.t, 1000 + 2000000);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_LOCAL);
    tp_fini(&h);
}

/* Client and server transports talking: RFC 6455 §4.1 handshake, masked
 * client frames, unmasked server frames, messages both ways. */
static void pump(tp_h *from, tp_h *to, sip_flow to_flow, uint64_t now)
{
    while (from->out_len) {
        size_t n = from->out_len;
        uint8_t *tmp = (uint8_t *)malloc(n);
        memcpy(tmp, from->out, n);
        from->out_len = 0;
        sip_transport_data(to->t, to_flow, tmp, n, now);
        free(tmp);
    }
}

Test(transport_ws, rfc6455_4_1_client_and_server_both_ways)
{
    tp_h c, s;
    sip_target to;
    sip_flow cf, sf;
    sip_transport_config cc;
    sip_ws_frame wf;
    size_t i;
    memset(&cc, 0, sizeof cc);
    cc.ws_host = "ws.example.com";
    cc.ws_path = "/sip";
    tp_init(&c, &cc);
    tp_init(&s, NULL);
    sf = tp_accept(&s, SIP_TP_WS, "192.0.2.1:40000", 0);
    memset(&to, 0, sizeof to);
    to.tp = SIP_TP_WS;
    to.remote = tp_addr("192.0.2.100:80");
    cr_assert_eq(sip_transport_send(c.t, &to, MSG, strlen(MSG), 0, &cf), 0, "waits for the upgrade");
    cr_assert_eq(sip_transport_connected(c.t, cf, 1), 0);
    c.out[c.out_len] = 0;
    cr_assert(strstr((char *)c.out, "GET /sip HTTP/1.1\r\nHost: ws.example.com\r\n") == (char *)c.out);
    cr_assert(strstr((char *)c.out, "\r\nSec-WebSocket-Protocol: sip\r\n") != NULL);
    cr_assert(strstr((char *)c.out, "\r\nSec-WebSocket-Version: 13\r\n") != NULL);
    cr_assert_eq(tp_count(&c, EV_CONNECTED), 0);
    pump(&c, &s, sf, 2);
    cr_assert_eq(tp_count(&s, EV_CONNECTED), 1);
    /* the server's 101 reaches the client, which then sends the message */
    {
        size_t n = s.out_len;
        uint8_t tmp[512];
        memcpy(tmp, s.out, n);
        s.out_len = 0;
        sip_transport_data(c.t, cf, tmp, n, 3);
    }
    cr_assert_eq(tp_count(&c, EV_CONNECTED), 1);
    cr_assert_eq(sip_ws_frame_parse(c.out, c.out_len, &wf), 8);
    cr_assert_eq(wf.masked, 1, "client frames are masked (§5.3)");
    for (i = 0; i < 8; i++) cr_assert_eq(c.out[8 + i] ^ wf.mask[i & 3], (uint8_t)MSG[i]);
    pump(&c, &s, sf, 4);
    cr_assert_eq(tp_count(&s, EV_MESSAGE), 1);
    cr_assert_str_eq(tp_find(&s, EV_MESSAGE, 0)->raw, MSG);
    cr_assert_eq(tp_find(&s, EV_MESSAGE, 0)->tg.flow, sf);
    /* the answer back, and a keep-alive ping from the client */
    to.flow = sf;
    cr_assert_eq(sip_transport_send(s.t, &to, MSG, strlen(MSG), 5, NULL), 0);
    pump(&s, &c, cf, 6);
    cr_assert_eq(tp_count(&c, EV_MESSAGE), 1);
    sip_transport_keepalive(c.t, cf, 1000, 6);
    sip_transport_on_timeout(c.t, sip_transport_next_deadline(c.t));
    pump(&c, &s, sf, 7);
    pump(&s, &c, cf, 8);
    cr_assert_eq(tp_find(&c, EV_KA, 0)->reason, SIP_TP_KA_WS_PONG);
    cr_assert_eq(tp_count(&c, EV_DISCONNECTED) + tp_count(&s, EV_DISCONNECTED), 0);
    tp_fini(&c);
    tp_fini(&s);
}

/* RFC 6455 §5.1: a client closes on a masked server frame. */
Test(transport_ws, rfc6455_5_1_client_rejects_masked_server_frame)
{
    tp_h c;
    sip_target to;
    sip_flow cf;
    char resp[256], acc[29];
    uint8_t fr[64];
    size_t n;
    tp_init(&c, NULL);
    memset(&to, 0, sizeof to);
    to.tp = SIP_TP_WS;
    to.remote = tp_addr("192.0.2.100:80");
    sip_transport_connect(c.t, &to, 0, &cf);
    sip_transport_connected(c.t, cf, 0);
    c.out[c.out_len] = 0;
    {
        const char *k = strstr((char *)c.out, "Sec-WebSocket-Key: ") + 19;
        sip_str ks;
        ks.p = k, ks.len = 24;
        sip_ws_accept(ks, acc);
    }
    snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
                                "Sec-WebSocket-Protocol: sip\r\n\r\n", acc);
    tp_feed(&c, cf, resp, 1);
    cr_assert_eq(tp_count(&c, EV_CONNECTED), 1);
    n = client_frame(fr, SIP_WS_PING, 1, "", 0);
    sip_transport_data(c.t, cf, fr, n, 2);
    cr_assert_eq(tp_find(&c, EV_DISCONNECTED, 0)->detail, 1002);
    tp_clear(&c);
    /* a wrong accept value fails the handshake */
    sip_transport_connect(c.t, &to, 0, &cf);
    sip_transport_connected(c.t, cf, 0);
    tp_feed(&c, cf, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n", 1);
    cr_assert_eq(tp_find(&c, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_WS_HANDSHAKE);
    tp_fini(&c);
}

/* ---- the byte filter hook (where TLS plugs in), proven with XOR ------- */

typedef struct xor_ctx {
    uint8_t key;
    int started, ready_after_input, closed;
} xor_ctx;

static int xor_apply(const uint8_t *in, size_t n, uint8_t key, sip_tp_emit_fn out, void *cookie)
{
    uint8_t tmp[256];
    size_t off = 0;
    while (off < n) {
        size_t k = n - off < sizeof tmp ? n - off : sizeof tmp, i;
        int r;
        for (i = 0; i < k; i++) tmp[i] = in[off + i] ^ key;
        if ((r = out(cookie, tmp, k)) < 0) return r;
        off += k;
    }
    return 0;
}

static int xor_start(void *ctx, int is_server, sip_tp_emit_fn emit, void *cookie)
{
    xor_ctx *x = (xor_ctx *)ctx;
    (void)is_server;
    x->started = 1;
    emit(cookie, (const uint8_t *)"HELLO", 5); /* a "handshake record" */
    return x->ready_after_input ? 0 : SIP_TP_FILTER_READY;
}

static int xor_input(void *ctx, const uint8_t *in, size_t n, sip_tp_emit_fn deliver,
                     sip_tp_emit_fn emit, void *cookie)
{
    xor_ctx *x = (xor_ctx *)ctx;
    (void)emit;
    if (x->ready_after_input) {
        if (n >= 5 && memcmp(in, "READY", 5) == 0) {
            x->ready_after_input = 0;
            in += 5, n -= 5;
            if (n) return xor_apply(in, n, x->key, deliver, cookie) < 0 ? -1 : SIP_TP_FILTER_READY;
            return SIP_TP_FILTER_READY;
        }
        return 0;
    }
    return xor_apply(in, n, x->key, deliver, cookie);
}

static int xor_output(void *ctx, const uint8_t *p, size_t n, sip_tp_emit_fn emit, void *cookie)
{
    return xor_apply(p, n, ((xor_ctx *)ctx)->key, emit, cookie);
}

static void xor_close(void *ctx) { ((xor_ctx *)ctx)->closed = 1; }

static const sip_tp_filter XOR_FILTER = {sizeof(sip_tp_filter), xor_start, xor_input, xor_output, xor_close};

Test(transport_filter, xor_filter_both_directions)
{
    tp_h h;
    xor_ctx x = {0x5c, 0, 0, 0};
    sip_ipaddr r = tp_addr("192.0.2.1:40000");
    sip_flow f;
    sip_target to;
    uint8_t enc[2048];
    size_t n = strlen(MSG), i;
    tp_init(&h, NULL);
    cr_assert_eq(sip_transport_accepted(h.t, SIP_TP_TLS, &r, NULL, &XOR_FILTER, &x, 0, &f), 0);
    cr_assert_eq(x.started, 1);
    cr_assert(h.out_len == 5 && memcmp(h.out, "HELLO", 5) == 0, "on_start bytes reach the socket");
    cr_assert_eq(tp_count(&h, EV_CONNECTED), 1);
    tp_clear(&h);
    /* stream framing runs on the plaintext: add a Content-Length */
    {
        char m[2048];
        size_t hl = n - 2;
        memcpy(m, MSG, hl);
        memcpy(m + hl, "Content-Length: 0\r\n\r\n", 21);
        n = hl + 21;
        for (i = 0; i < n; i++) enc[i] = (uint8_t)(m[i] ^ 0x5c);
        sip_transport_data(h.t, f, enc, n, 1);
        cr_assert_eq(tp_count(&h, EV_MESSAGE), 1);
        cr_assert_eq(tp_find(&h, EV_MESSAGE, 0)->parsed, 1);
        memset(&to, 0, sizeof to);
        to.tp = SIP_TP_TLS;
        to.flow = f;
        sip_transport_send(h.t, &to, m, n, 2, NULL);
        cr_assert_eq(h.out_len, n);
        for (i = 0; i < n; i++) cr_assert_eq(h.out[i], (uint8_t)(m[i] ^ 0x5c));
    }
    sip_transport_closed(h.t, f, 3);
    cr_assert_eq(x.closed, 1, "on_close releases the filter context");
    tp_fini(&h);
}

/* A filter with a handshake: messages wait until it is ready; plaintext in
 * the same read as the end of the handshake is not lost. */
Test(transport_filter, messages_wait_for_filter_ready)
{
    tp_h h;
    xor_ctx x = {0x21, 0, 1, 0};
    sip_target to;
    sip_flow f;
    size_t n = strlen(MSG);
    uint8_t in[2048];
    size_t i;
    tp_init(&h, NULL);
    h.open_filter = &XOR_FILTER;
    h.open_filter_ctx = &x;
    memset(&to, 0, sizeof to);
    to.tp = SIP_TP_WSS;
    to.remote = tp_addr("192.0.2.100:443");
    cr_assert_eq(sip_transport_send(h.t, &to, MSG, n, 0, &f), 0);
    sip_transport_connected(h.t, f, 1);
    cr_assert(h.out_len == 5 && memcmp(h.out, "HELLO", 5) == 0, "only the handshake so far");
    tp_clear(&h);
    /* READY + (nothing else): the WSS client upgrade starts, encrypted */
    tp_feed(&h, f, "READY", 2);
    cr_assert_gt(h.out_len, 100);
    for (i = 0; i < 4; i++) in[i] = (uint8_t)(h.out[i] ^ 0x21);
    cr_assert(memcmp(in, "GET ", 4) == 0);
    cr_assert_eq(tp_count(&h, EV_CONNECTED), 0, "not before the WebSocket upgrade");
    tp_fini(&h);
}

/* A peer that connects and never completes the upgrade is cut off after
 * header_timeout_ms (slow-loris on the handshake). */
Test(transport_ws, silent_upgrade_cut_off)
{
    tp_h h;
    sip_transport_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.header_timeout_ms = 3000;
    tp_init(&h, &cfg);
    tp_accept(&h, SIP_TP_WS, "192.0.2.1:40000", 1000);
    cr_assert_eq(sip_transport_next_deadline(h.t), 1000 + 3000000);
    sip_transport_on_timeout(h.t, 1000 + 3000000);
    cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_WS_HANDSHAKE);
    tp_fini(&h);
}

/* RFC 6455 §7.4: a close code that may not be sent (1005, 1006, 999, 2999)
 * fails the connection with 1002; a close without code is echoed empty. */
Test(transport_ws, rfc6455_7_4_bad_close_codes)
{
    static const char *const bad[] = {"\x03\xed", "\x03\xee", "\x03\xe7", "\x0b\xb7", "\x03"};
    size_t i;
    for (i = 0; i < 5; i++) {
        tp_h h;
        sip_flow f;
        uint8_t buf[64];
        size_t n;
        tp_init(&h, NULL);
        f = ws_server(&h);
        n = client_frame(buf, SIP_WS_CLOSE, 1, bad[i], i == 4 ? 1 : 2);
        sip_transport_data(h.t, f, buf, n, 1);
        cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->reason, SIP_TP_DISC_WS_PROTOCOL, "case %zu", i);
        cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->detail, 1002);
        tp_fini(&h);
    }
    {
        tp_h h;
        sip_flow f;
        uint8_t buf[64];
        size_t n;
        tp_init(&h, NULL);
        f = ws_server(&h);
        n = client_frame(buf, SIP_WS_CLOSE, 1, "", 0);
        sip_transport_data(h.t, f, buf, n, 1);
        cr_assert(h.out_len == 2 && h.out[0] == 0x88 && h.out[1] == 0x00, "empty close echoed");
        cr_assert_eq(tp_find(&h, EV_DISCONNECTED, 0)->detail, 1005);
        tp_fini(&h);
    }
}
