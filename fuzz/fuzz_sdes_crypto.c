/* fuzz_sdes_crypto.c - rtp.h RFC 4568 a=crypto parser and builder.
 *
 * Input: the attribute text (with or without "a=crypto:").
 *
 * Checked: the parser returns 0 or a documented error; err_at lies within
 * the input on failure; every span lies within the input; decoded values
 * are in their documented ranges (tag 1..999999999, key length equal to
 * the suite's, lifetime 1..2^48, MKI length 1..128 with a value that fits,
 * KDR 0..24, WSH >= 64); a parsed attribute builds (the measured size
 * equals the written size) and the built text parses back to the same
 * values. A violated property traps.
 */
#define RTP_IMPLEMENTATION
#include "rtp.h"
#include "fuzz.h"

static void span_in(rtp_span s, const uint8_t *base, size_t n)
{
    if (!s.p) {
        FUZZ_CHECK(s.len == 0);
        return;
    }
    FUZZ_CHECK(s.p >= base && s.p + s.len <= base + n);
    if (s.len) fuzz_sink_ += s.p[0] + s.p[s.len - 1];
}

static void check_values(const rtp_sdes_crypto *c)
{
    const rtp_srtp_suite_info *si = rtp_srtp_suite_info_get(c->suite);
    unsigned i;
    FUZZ_CHECK(si != NULL);
    FUZZ_CHECK(c->tag >= 1 && c->tag <= 999999999u);
    FUZZ_CHECK(c->n_keys >= 1 && c->n_keys <= RTP_SDES_MAX_KEYS);
    FUZZ_CHECK(c->n_params <= RTP_SDES_MAX_PARAMS);
    FUZZ_CHECK(c->kdr >= -1 && c->kdr <= 24);
    FUZZ_CHECK(c->wsh == 0 || c->wsh >= 64);
    for (i = 0; i < c->n_keys; i++) {
        const rtp_sdes_key *k = &c->keys[i];
        FUZZ_CHECK(k->key_salt_len == si->key_len + si->salt_len);
        FUZZ_CHECK(k->lifetime <= ((uint64_t)1 << 48));
        FUZZ_CHECK(k->mki_len <= 128);
        FUZZ_CHECK(k->mki_len >= 8 || k->mki_len == 0 || k->mki >> (8 * k->mki_len) == 0);
        if (c->n_keys > 1) FUZZ_CHECK(k->mki_len && k->mki_len == c->keys[0].mki_len);
    }
}

static int same_values(const rtp_sdes_crypto *a, const rtp_sdes_crypto *b)
{
    unsigned i;
    if (a->tag != b->tag || a->suite != b->suite || a->n_keys != b->n_keys ||
        a->n_params != b->n_params || a->flags != b->flags || a->kdr != b->kdr ||
        a->wsh != b->wsh)
        return 0;
    for (i = 0; i < a->n_keys; i++) {
        const rtp_sdes_key *x = &a->keys[i], *y = &b->keys[i];
        if (x->key_salt_len != y->key_salt_len ||
            memcmp(x->key_salt, y->key_salt, x->key_salt_len) != 0 ||
            x->lifetime != y->lifetime || x->lifetime_pow2 != y->lifetime_pow2 ||
            x->mki != y->mki || x->mki_len != y->mki_len)
            return 0;
    }
    for (i = 0; i < a->n_params; i++)
        if (a->params[i].kind != b->params[i].kind ||
            a->params[i].text.len != b->params[i].text.len ||
            memcmp(a->params[i].text.p, b->params[i].text.p, a->params[i].text.len) != 0)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = fuzz_dup(data, size);
    const uint8_t *base = (const uint8_t *)in;
    rtp_sdes_crypto c, back;
    unsigned i;
    int r = rtp_sdes_crypto_parse(in, size, &c);
    fuzz_cstr(rtp_strerror(r));
    if (r != 0) {
        FUZZ_CHECK(r == RTP_ERR_SYNTAX || r == RTP_ERR_SRTP_SUITE || r == RTP_ERR_SRTP_KEY ||
                   r == RTP_ERR_NOSPACE);
        FUZZ_CHECK(c.err_at <= size);
    }
    if (r == 0 || r == RTP_ERR_SRTP_SUITE) {
        span_in(c.suite_name, base, size);
        for (i = 0; i < c.n_keys && i < RTP_SDES_MAX_KEYS; i++) {
            span_in(c.keys[i].method, base, size);
            span_in(c.keys[i].info, base, size);
            span_in(c.keys[i].key_salt_b64, base, size);
        }
        for (i = 0; i < c.n_params && i < RTP_SDES_MAX_PARAMS; i++) {
            span_in(c.params[i].text, base, size);
            span_in(c.params[i].value, base, size);
        }
    }
    if (r == 0) {
        size_t need = 0;
        char *out;
        int n;
        check_values(&c);
        FUZZ_CHECK(rtp_sdes_crypto_build(&c, NULL, 0, &need) == RTP_ERR_NOSPACE);
        out = fuzz_alloc(need);
        n = rtp_sdes_crypto_build(&c, out, need, NULL);
        FUZZ_CHECK(n >= 0 && (size_t)n == need);
        FUZZ_CHECK(rtp_sdes_crypto_parse(out, need, &back) == 0);
        FUZZ_CHECK(same_values(&c, &back));
        free(out);
    }
    free(in);
    return 0;
}
