/* fuzz_stream.c - the TCP stream framer of sip_transport.h (RFC 3261 §18.3,
 * RFC 5626 §4.4.1 keep-alives) on arbitrary bytes fed in arbitrary chunks.
 *
 * Input: one selector byte, one byte n (0..15 used), n chunk sizes (each
 * 1..256, cycled), then the stream bytes.
 *   selector bit 0   small limits (max_message 512, max_header_line 128,
 *                    8 header values)
 *   selector bit 1   TLS with a byte-for-byte identity filter in the way
 *
 * Properties (trap on violation): every span handed to on_message lies in
 * its raw bytes; feeding the stream in the input's chunks gives exactly the
 * same log (messages, parse errors, keep-alives, pongs written, disconnect
 * reason) as feeding it in one call; once disconnected, the flow is stale;
 * the timers close a connection left with a partial message; nothing leaks
 * (ASan).
 */
#define SIP_IMPLEMENTATION
#define SIP_TRANSPORT_IMPLEMENTATION
#include "sip_transport.h"
#include "fuzz.h"
#include "fuzz_tp_common.h"

static int id_in(void *ctx, const uint8_t *in, size_t n, sip_tp_emit_fn deliver,
                 sip_tp_emit_fn emit, void *cookie)
{
    (void)ctx, (void)emit;
    return deliver(cookie, in, n);
}

static int id_out(void *ctx, const uint8_t *p, size_t n, sip_tp_emit_fn emit, void *cookie)
{
    (void)ctx;
    return emit(cookie, p, n);
}

static const sip_tp_filter ID_FILTER = {sizeof(sip_tp_filter), NULL, id_in, id_out, NULL};

static sip_flow open_flow(ftp_rec *r, int tls)
{
    sip_ipaddr a;
    sip_flow f = 0;
    memset(&a, 0, sizeof a);
    a.family = 4, a.ip[0] = 192, a.ip[3] = 1, a.port = 5060;
    FUZZ_CHECK(sip_transport_accepted(r->t, tls ? SIP_TP_TLS : SIP_TP_TCP, &a, NULL,
                                      tls ? &ID_FILTER : NULL, NULL, 0, &f) == 0);
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sip_transport_config cfg;
    ftp_rec one, cut;
    sip_flow f1, f2;
    uint8_t sel, n_sizes, sizes[16];
    size_t off, k = 0;
    const uint8_t *s;
    uint8_t *buf;
    size_t len;
    if (size < 2) return 0;
    sel = data[0];
    n_sizes = data[1] & 15;
    if (size < 2u + n_sizes) return 0;
    memcpy(sizes, data + 2, n_sizes);
    s = data + 2 + n_sizes;
    len = size - 2 - n_sizes;
    buf = (uint8_t *)fuzz_dup(s, len);
    memset(&cfg, 0, sizeof cfg);
    if (sel & 1) cfg.max_message = 512, cfg.max_header_line = 128, cfg.max_headers = 8;
    ftp_init(&one, &cfg);
    ftp_init(&cut, &cfg);
    f1 = open_flow(&one, sel & 2);
    f2 = open_flow(&cut, sel & 2);
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
    if (one.disc) FUZZ_CHECK(sip_transport_data(one.t, f1, buf, len ? 1 : 0, 2) == SIP_TRANSPORT_ERR_STALE);
    /* whatever is left, the timers end a connection holding a partial
     * message; an idle one survives until the idle timeout */
    {
        uint64_t d = sip_transport_next_deadline(cut.t);
        if (d != UINT64_MAX) sip_transport_on_timeout(cut.t, d);
        sip_transport_on_timeout(cut.t, (uint64_t)700000 * 1000);
        FUZZ_CHECK(sip_transport_count(cut.t) == 0);
        FUZZ_CHECK(sip_transport_next_deadline(cut.t) == UINT64_MAX);
    }
    ftp_fini(&one);
    ftp_fini(&cut);
    free(buf);
    return 0;
}
