/* fuzz_tp_table.c - the sip_transport.h connection table driven by a
 * script: accepts, client connects, connected, data, sends, closes (local
 * and by the socket), keep-alives, aliases, partial and failing writes,
 * timers, with callbacks that close or send on the flow being processed.
 *
 * Input: one config byte (bits 0-1: max_connections 1..4; bit 2: tiny
 * queue limits; bit 3: WebSocket flows), then 3-byte operations
 * (op, a, b) until the end.
 *
 * Properties (trap on violation): count never exceeds max_connections;
 * every handle the table reported closed stays stale; sip_transport_count
 * drops to 0 once every flow is closed; next_deadline is never in the
 * past after on_timeout; a callback feeding its own flow gets
 * SIP_TRANSPORT_ERR_BUSY; destroy frees everything (ASan).
 */
#define SIP_IMPLEMENTATION
#define SIP_TRANSPORT_IMPLEMENTATION
#include "sip_transport.h"
#include "fuzz.h"

#define NF 8

typedef struct st {
    sip_transport *t;
    sip_flow flows[NF];      /* handles seen, live or not */
    sip_flow dead[64];
    size_t n_dead;
    size_t write_limit;
    int fail;
    int evil;                /* 1: close the flow from on_message; 2: send on it */
    uint8_t rnd;
} st;

static int f_send(void *u, const sip_target *to, const uint8_t *b, size_t n)
{
    st *s = (st *)u;
    FUZZ_CHECK(to && b && n);
    if (s->fail) return -1;
    return (int)(n < s->write_limit ? n : s->write_limit);
}

static int f_open(void *u, sip_flow f, const sip_target *to)
{
    (void)u, (void)to;
    return f ? 0 : -1;
}

static void f_disc(void *u, const sip_target *p, sip_tp_disc r, int d)
{
    st *s = (st *)u;
    sip_target tg;
    (void)r, (void)d;
    FUZZ_CHECK(sip_transport_flow_target(s->t, p->flow, &tg) == SIP_TRANSPORT_ERR_STALE);
    if (s->n_dead < 64) s->dead[s->n_dead++] = p->flow;
}

static void f_msg(void *u, const sip_target *from, const sip_msg *m, const char *raw, size_t len,
                  const sip_parse_error *e)
{
    st *s = (st *)u;
    sip_target tg;
    (void)m, (void)e;
    fuzz_sink_ += (unsigned char)raw[len - 1];
    if (!from->flow) return;
    if (s->evil == 1) sip_transport_close(s->t, from->flow, 0);
    if (s->evil == 2) {
        static const char r[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
        sip_transport_send(s->t, from, r, sizeof r - 1, 0, NULL);
    }
    FUZZ_CHECK(sip_transport_data(s->t, from->flow, (const uint8_t *)"x", 1, 0) ==
                   SIP_TRANSPORT_ERR_BUSY ||
               sip_transport_flow_target(s->t, from->flow, &tg) == SIP_TRANSPORT_ERR_STALE);
}

static int f_rng(void *u, uint8_t *b, size_t n)
{
    st *s = (st *)u;
    while (n--) *b++ = s->rnd++;
    return 0;
}

static const char MSG[] =
    "OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
    "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n\r\n\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st s;
    sip_transport_config cfg;
    sip_transport_callbacks cb;
    size_t i, base;
    uint64_t now = 0;
    sip_tp tp;
    if (size < 1) return 0;
    memset(&s, 0, sizeof s);
    memset(&cfg, 0, sizeof cfg);
    cfg.max_connections = (data[0] & 3u) + 1u;
    if (data[0] & 4) cfg.send_high_water = 100, cfg.send_hard_limit = 300;
    cfg.header_timeout_ms = 50, cfg.message_timeout_ms = 100, cfg.idle_timeout_ms = 400;
    cfg.pong_timeout_ms = 30, cfg.ws_close_timeout_ms = 20;
    tp = (data[0] & 8) ? SIP_TP_WS : SIP_TP_TCP;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = f_send;
    cb.open = f_open;
    cb.on_disconnected = f_disc;
    cb.on_message = f_msg;
    cb.rng = f_rng;
    s.write_limit = (size_t)-1;
    FUZZ_CHECK(sip_transport_create(&s.t, &cfg, &cb, &s) == 0);
    base = sip_transport_mem_used(s.t);
    for (i = 1; i + 3 <= size; i += 3) {
        uint8_t op = data[i] % 12, a = data[i + 1], b = data[i + 2];
        sip_flow f = s.flows[a % NF];
        sip_ipaddr r;
        sip_target to;
        memset(&r, 0, sizeof r);
        r.family = 4, r.ip[0] = 10, r.ip[3] = (uint8_t)(a & 7), r.port = (uint16_t)(5060 + (b & 1));
        memset(&to, 0, sizeof to);
        to.tp = tp, to.remote = r;
        switch (op) {
        case 0: sip_transport_accepted(s.t, tp, &r, NULL, NULL, NULL, now, &s.flows[b % NF]); break;
        case 1: sip_transport_connect(s.t, &to, now, &s.flows[b % NF]); break;
        case 2: sip_transport_connected(s.t, f, now); break;
        case 3: { /* a slice of the message, or a WebSocket frame of it */
            size_t off = (size_t)(b % sizeof MSG), n = (size_t)(a % 40) + 1;
            if (off + n > sizeof MSG - 1) n = sizeof MSG - 1 - off;
            sip_transport_data(s.t, f, (const uint8_t *)MSG + off, n, now);
            break;
        }
        case 4: to.flow = (b & 1) ? f : 0; sip_transport_send(s.t, &to, MSG, sizeof MSG - 5, now, NULL); break;
        case 5: sip_transport_close(s.t, f, now); break;
        case 6: sip_transport_closed(s.t, f, now); break;
        case 7: sip_transport_keepalive(s.t, f, (uint32_t)b, now); break;
        case 8: sip_transport_alias(s.t, f, &r); break;
        case 9: s.write_limit = b & 0x80 ? (size_t)-1 : b; s.fail = (a & 0x0f) == 0; s.evil = b % 3;
                sip_transport_writable(s.t, f, now); s.fail = 0; break;
        case 10: now += (uint64_t)b * 1000u; sip_transport_on_timeout(s.t, now);
                 FUZZ_CHECK(sip_transport_next_deadline(s.t) > now); break;
        default: { /* a client handshake for a WS server flow */
            static const char up[] = "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n\x81\x85\x01\x02\x03\x04";
            sip_transport_data(s.t, f, (const uint8_t *)up, sizeof up - 1, now);
            break;
        }
        }
        FUZZ_CHECK(sip_transport_count(s.t) <= cfg.max_connections);
        {
            size_t k;
            for (k = 0; k < s.n_dead; k++)
                FUZZ_CHECK(sip_transport_flow_target(s.t, s.dead[k], &to) == SIP_TRANSPORT_ERR_STALE);
        }
    }
    for (i = 0; i < NF; i++) sip_transport_closed(s.t, s.flows[i], now);
    /* close whatever is left by address */
    for (i = 0; i < 8; i++) {
        sip_ipaddr r;
        int k;
        for (k = 0; k < 2; k++) {
            sip_flow f;
            memset(&r, 0, sizeof r);
            r.family = 4, r.ip[0] = 10, r.ip[3] = (uint8_t)i, r.port = (uint16_t)(5060 + k);
            while ((f = sip_transport_find(s.t, tp, &r, NULL)) != 0) sip_transport_closed(s.t, f, now);
        }
    }
    sip_transport_on_timeout(s.t, now + 10000000000ull);
    FUZZ_CHECK(sip_transport_count(s.t) == 0);
    FUZZ_CHECK(sip_transport_mem_used(s.t) >= base);
    sip_transport_destroy(s.t);
    return 0;
}
