/* fuzz_ws.c - WebSocket frames (RFC 6455 §5, RFC 7118 §5) into a server
 * connection of sip_transport.h, after a valid upgrade (RFC 6455 §4.2) or,
 * with selector bit 1, with the input as the upgrade request itself.
 *
 * Input: one selector byte, one byte n (0..15 used), n chunk sizes (each
 * 1..256, cycled), then the bytes.
 *   selector bit 0   small limits (max_message 512)
 *   selector bit 1   no built-in handshake: the bytes start with the
 *                    client's HTTP request
 *
 * Properties (trap on violation): spans handed to on_message lie in the
 * raw message; the chunked feed gives the same log (messages, close codes
 * and frames written, keep-alives, disconnect reason) as one call; a
 * disconnected flow is stale; timers leave no connection behind; no leaks.
 */
#define SIP_IMPLEMENTATION
#define SIP_TRANSPORT_IMPLEMENTATION
#include "sip_transport.h"
#include "fuzz.h"
#include "fuzz_tp_common.h"

static const char UPGRADE[] =
    "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

static sip_flow open_ws(ftp_rec *r, int handshake)
{
    sip_ipaddr a;
    sip_flow f = 0;
    memset(&a, 0, sizeof a);
    a.family = 4, a.ip[0] = 192, a.ip[3] = 1, a.port = 40000;
    FUZZ_CHECK(sip_transport_accepted(r->t, SIP_TP_WS, &a, NULL, NULL, NULL, 0, &f) == 0);
    if (handshake) {
        FUZZ_CHECK(sip_transport_data(r->t, f, (const uint8_t *)UPGRADE, sizeof UPGRADE - 1, 0) == 0);
        FUZZ_CHECK(r->disc == 0);
    }
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sip_transport_config cfg;
    ftp_rec one, cut;
    sip_flow f1, f2;
    uint8_t sel, n_sizes, sizes[16];
    size_t off, k = 0, len;
    uint8_t *buf;
    if (size < 2) return 0;
    sel = data[0];
    n_sizes = data[1] & 15;
    if (size < 2u + n_sizes) return 0;
    memcpy(sizes, data + 2, n_sizes);
    len = size - 2 - n_sizes;
    buf = (uint8_t *)fuzz_dup(data + 2 + n_sizes, len);
    memset(&cfg, 0, sizeof cfg);
    if (sel & 1) cfg.max_message = 512;
    ftp_init(&one, &cfg);
    ftp_init(&cut, &cfg);
    f1 = open_ws(&one, !(sel & 2));
    f2 = open_ws(&cut, !(sel & 2));
    FUZZ_CHECK(sip_transport_data(one.t, f1, buf, len, 1) == 0);
    for (off = 0; off < len;) {
        size_t c = n_sizes ? (size_t)sizes[k++ % n_sizes] + 1 : 1;
        int r;
        if (c > len - off) c = len - off;
        r = sip_transport_data(cut.t, f2, buf + off, c, 1);
        FUZZ_CHECK(r == 0 || (r == SIP_TRANSPORT_ERR_STALE && cut.disc));
        off += c;
    }
    FUZZ_CHECK(one.len == cut.len && (!one.len || memcmp(one.log, cut.log, one.len) == 0));
    FUZZ_CHECK(one.disc <= 1);
    if (one.disc) FUZZ_CHECK(sip_transport_data(one.t, f1, NULL, 0, 2) == SIP_TRANSPORT_ERR_STALE);
    else FUZZ_CHECK(sip_transport_close(one.t, f1, 2) == 0);
    {
        uint64_t d = sip_transport_next_deadline(cut.t);
        if (d != UINT64_MAX) sip_transport_on_timeout(cut.t, d);
        sip_transport_on_timeout(cut.t, (uint64_t)700000 * 1000);
        FUZZ_CHECK(sip_transport_count(cut.t) == 0);
        sip_transport_on_timeout(one.t, (uint64_t)700000 * 1000);
        FUZZ_CHECK(sip_transport_count(one.t) == 0);
    }
    ftp_fini(&one);
    ftp_fini(&cut);
    free(buf);
    return 0;
}
