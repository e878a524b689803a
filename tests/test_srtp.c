/* rtp.h: RFC 9626 frame marking, RFC 4568 a=crypto (always compiled) and,
 * with RTP_USE_SRTP, SRTP/SRTCP through libsrtp2 (RFC 3711, RFC 7714).
 *
 * The SRTP half checks libsrtp2's output against an independent
 * computation written here on OpenSSL's libcrypto (AES-ECB blocks, HMAC-
 * SHA1): the RFC 3711 §4.3 key derivation, the §4.1.1 AES-CM keystream
 * and the §4.2 tag. Those helpers are themselves checked against RFC 3711
 * Appendix B (tests/srtp_vectors.inc, generated from
 * tests/corpus/vectors/srtp-rfc3711.json), so no expected byte comes from
 * the library under test alone. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rtp.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------- */

static size_t sx_unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = strlen(h) / 2, i;
    cr_assert(n <= cap, "hex too long");
    for (i = 0; i < n; i++) {
        unsigned v;
        cr_assert(sscanf(h + 2 * i, "%2x", &v) == 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

/* Parse s (through a guard page copy: any over-read faults). */
static int sx_parse(const char *s, rtp_sdes_crypto *c)
{
    size_t n = strlen(s);
    char *g = tu_guard_copy(s, n);
    int r = rtp_sdes_crypto_parse(g, n, c);
    /* spans must point into the copy; rebase them onto s for the checks */
    if (r == 0 || r == RTP_ERR_SRTP_SUITE) {
        unsigned i;
        ptrdiff_t d = (const uint8_t *)s - (const uint8_t *)g;
        c->suite_name.p += d;
        for (i = 0; i < c->n_keys; i++) {
            if (c->keys[i].method.p) c->keys[i].method.p += d;
            if (c->keys[i].info.p) c->keys[i].info.p += d;
            if (c->keys[i].key_salt_b64.p) c->keys[i].key_salt_b64.p += d;
        }
        for (i = 0; i < c->n_params; i++) {
            c->params[i].text.p += d;
            if (c->params[i].value.p) c->params[i].value.p += d;
        }
    }
    tu_guard_free(g, n);
    return r;
}

static int sx_span_eq(rtp_span s, const char *c)
{
    return s.p && s.len == strlen(c) && memcmp(s.p, c, s.len) == 0;
}
#define SX_SPAN_EQ(s, c) \
    cr_expect(sx_span_eq((s), (c)), "expected \"%s\", got \"%.*s\"", (c), (int)(s).len, \
              (s).p ? (const char *)(s).p : "")

/* ---- RFC 9626 frame marking ----------------------------------------------- */

/* RFC 9626 §3.2: short form S E I D 0000 */
Test(frame_marking, rfc9626_3_2_short_form)
{
    uint8_t b[1] = {0xE0}, out[3];
    rtp_span d = {b, 1};
    rtp_frame_marking fm;
    cr_assert_eq(rtp_ext_frame_marking_parse(d, &fm), 0);
    cr_expect(fm.start == 1 && fm.end == 1 && fm.independent == 1 && fm.discardable == 0);
    cr_expect(fm.scalable == 0 && fm.tid == 0 && fm.lid == 0 && fm.has_tl0picidx == 0);
    cr_assert_eq(rtp_ext_frame_marking_build(&fm, out), 1);
    cr_expect_eq(out[0], 0xE0);
    /* the four low bits are ignored on receive */
    b[0] = 0x1F;
    cr_assert_eq(rtp_ext_frame_marking_parse(d, &fm), 0);
    cr_expect(fm.start == 0 && fm.end == 0 && fm.independent == 0 && fm.discardable == 1);
    cr_expect(fm.base_layer_sync == 0 && fm.tid == 0);
    /* short form carries no B/TID/LID */
    fm.tid = 1;
    cr_expect_eq(rtp_ext_frame_marking_build(&fm, out), RTP_ERR_INVALID);
}

/* RFC 9626 §3.1: long form S E I D B TID | LID | TL0PICIDX */
Test(frame_marking, rfc9626_3_1_long_form)
{
    const uint8_t b[3] = {0x9D, 0x02, 0x7F}; /* S=1 E=0 I=0 D=1 B=1 TID=5 */
    uint8_t out[3];
    rtp_frame_marking fm;
    rtp_span d = {b, 3};
    cr_assert_eq(rtp_ext_frame_marking_parse(d, &fm), 0);
    cr_expect(fm.scalable && fm.start == 1 && fm.end == 0 && fm.independent == 0 &&
              fm.discardable == 1 && fm.base_layer_sync == 1 && fm.tid == 5);
    cr_expect(fm.lid == 2 && fm.has_tl0picidx == 1 && fm.tl0picidx == 0x7F);
    cr_assert_eq(rtp_ext_frame_marking_build(&fm, out), 3);
    cr_expect(memcmp(out, b, 3) == 0);
    /* TL0PICIDX omitted: 2 bytes */
    d.len = 2;
    cr_assert_eq(rtp_ext_frame_marking_parse(d, &fm), 0);
    cr_expect(fm.scalable == 1 && fm.has_tl0picidx == 0 && fm.tl0picidx == 0 && fm.lid == 2);
    cr_assert_eq(rtp_ext_frame_marking_build(&fm, out), 2);
    cr_expect(memcmp(out, b, 2) == 0);
    fm.tid = 8;
    cr_expect_eq(rtp_ext_frame_marking_build(&fm, out), RTP_ERR_INVALID);
    d.len = 4;
    cr_expect_eq(rtp_ext_frame_marking_parse(d, &fm), RTP_ERR_LENGTH);
    d.len = 0;
    cr_expect_eq(rtp_ext_frame_marking_parse(d, &fm), RTP_ERR_LENGTH);
}

/* ---- crypto suites ---------------------------------------------------------- */

/* RFC 4568 §6.2, RFC 6188 §7, RFC 7714 §12/§14.2: key/salt/tag sizes */
Test(srtp_suite, sizes_and_names)
{
    static const struct { rtp_srtp_suite s; const char *name; int ks, rtp_oh, rtcp_oh; } t[] = {
        {RTP_SRTP_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 30, 10, 14},
        {RTP_SRTP_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32", 30, 4, 14},
        {RTP_SRTP_AES_192_CM_HMAC_SHA1_80, "AES_192_CM_HMAC_SHA1_80", 38, 10, 14},
        {RTP_SRTP_AES_192_CM_HMAC_SHA1_32, "AES_192_CM_HMAC_SHA1_32", 38, 4, 14},
        {RTP_SRTP_AES_256_CM_HMAC_SHA1_80, "AES_256_CM_HMAC_SHA1_80", 46, 10, 14},
        {RTP_SRTP_AES_256_CM_HMAC_SHA1_32, "AES_256_CM_HMAC_SHA1_32", 46, 4, 14},
        {RTP_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 28, 16, 20},
        {RTP_SRTP_AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 44, 16, 20},
    };
    unsigned i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        const rtp_srtp_suite_info *si = rtp_srtp_suite_info_get(t[i].s);
        cr_assert(si != NULL);
        cr_expect_str_eq(si->name, t[i].name);
        cr_expect_eq(si->key_len + si->salt_len, t[i].ks, "%s", t[i].name);
        cr_expect_eq(rtp_srtp_suite_from_name(t[i].name, strlen(t[i].name)), t[i].s);
        cr_expect_eq(rtp_srtp_overhead(t[i].s, 0, 0), t[i].rtp_oh, "%s", t[i].name);
        cr_expect_eq(rtp_srtp_overhead(t[i].s, 0, 1), t[i].rtcp_oh, "%s", t[i].name);
        cr_expect_eq(rtp_srtp_overhead(t[i].s, 4, 1), t[i].rtcp_oh + 4);
    }
    cr_expect_eq(rtp_srtp_overhead(RTP_SRTP_AEAD_AES_256_GCM, RTP_SRTP_MAX_MKI, 1),
                 RTP_SRTP_MAX_OVERHEAD);
    cr_expect(rtp_srtp_suite_info_get(RTP_SRTP_SUITE_UNKNOWN) == NULL);
    cr_expect(rtp_srtp_suite_info_get((rtp_srtp_suite)99) == NULL);
    cr_expect_eq(rtp_srtp_suite_from_name("aes_cm_128_hmac_sha1_80", 23), RTP_SRTP_SUITE_UNKNOWN);
    cr_expect_eq(rtp_srtp_suite_from_name("F8_128_HMAC_SHA1_80", 19), RTP_SRTP_SUITE_UNKNOWN);
    cr_expect_eq(rtp_srtp_overhead(RTP_SRTP_SUITE_UNKNOWN, 0, 0), RTP_ERR_INVALID);
    cr_expect_eq(rtp_srtp_overhead(RTP_SRTP_AEAD_AES_128_GCM, 129, 0), RTP_ERR_INVALID);
}

/* ---- RFC 4568 a=crypto ------------------------------------------------------ */

/* RFC 4568 §4 (the example offer) and §6.1 key-params */
Test(sdes_crypto, rfc4568_4_example)
{
    static const char *s =
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
        "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4";
    rtp_sdes_crypto c;
    uint8_t key[30];
    cr_assert_eq(sx_parse(s, &c), 0);
    cr_expect_eq(c.tag, 1u);
    cr_expect_eq(c.suite, RTP_SRTP_AES_CM_128_HMAC_SHA1_80);
    SX_SPAN_EQ(c.suite_name, "AES_CM_128_HMAC_SHA1_80");
    cr_assert_eq(c.n_keys, 1u);
    SX_SPAN_EQ(c.keys[0].method, "inline");
    SX_SPAN_EQ(c.keys[0].info, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4");
    SX_SPAN_EQ(c.keys[0].key_salt_b64, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR");
    /* base64 decoded independently (Python's base64 module) */
    sx_unhex("3d2d6e40255e7821426a75667239293f2c2335685c603d265d7b71695051", key, sizeof key);
    cr_expect_eq(c.keys[0].key_salt_len, 30);
    cr_expect(memcmp(c.keys[0].key_salt, key, 30) == 0);
    cr_expect_eq(c.keys[0].lifetime, (uint64_t)1 << 20);
    cr_expect_eq(c.keys[0].lifetime_pow2, 1);
    cr_expect_eq(c.keys[0].mki, 1u);
    cr_expect_eq(c.keys[0].mki_len, 4);
    cr_expect_eq(c.n_params, 0u);
    cr_expect_eq(c.kdr, -1);
    cr_expect_eq(c.wsh, 0u);
    cr_expect_eq(c.flags, 0u);
}

/* RFC 4568 §9.1: the a=crypto: prefix is optional here; WSP is SP or HTAB;
 * one CRLF and trailing WSP tolerated */
Test(sdes_crypto, prefix_wsp_crlf)
{
    rtp_sdes_crypto c;
    cr_assert_eq(sx_parse("2\tAES_CM_128_HMAC_SHA1_32  inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd \r\n", &c), 0);
    cr_expect_eq(c.tag, 2u);
    cr_expect_eq(c.suite, RTP_SRTP_AES_CM_128_HMAC_SHA1_32);
    cr_expect_eq(c.keys[0].key_salt[29], 29);
    cr_expect_eq(c.keys[0].lifetime, 0u);
    cr_expect_eq(c.keys[0].mki_len, 0);
}

/* RFC 6188 / RFC 7714: key || salt lengths 46, 28, 44 with base64 padding
 * (RFC 4648 §4), padding optional on input */
Test(sdes_crypto, key_lengths_per_suite)
{
    rtp_sdes_crypto c;
    cr_assert_eq(sx_parse("a=crypto:3 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ==", &c), 0);
    cr_expect_eq(c.keys[0].key_salt_len, 46);
    cr_expect_eq(c.keys[0].key_salt[45], 45);
    cr_assert_eq(sx_parse("a=crypto:3 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ", &c), 0);
    cr_expect_eq(c.keys[0].key_salt_len, 46);
    cr_assert_eq(sx_parse("a=crypto:4 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==", &c), 0);
    cr_expect_eq(c.suite, RTP_SRTP_AEAD_AES_128_GCM);
    cr_expect_eq(c.keys[0].key_salt_len, 28);
    cr_assert_eq(sx_parse("a=crypto:5 AEAD_AES_256_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis=", &c), 0);
    cr_expect_eq(c.keys[0].key_salt_len, 44);
    cr_expect_eq(c.keys[0].key_salt[43], 43);
    /* a 30-byte key for a 46-byte suite: bad key length, not syntax */
    cr_expect_eq(sx_parse("a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", &c), RTP_ERR_SRTP_KEY);
    cr_expect_eq(c.err_at, 42u);
    cr_expect_eq(sx_parse("a=crypto:1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", &c), RTP_ERR_SRTP_KEY);
}

/* RFC 4568 §6.3: session parameters */
Test(sdes_crypto, rfc4568_6_3_session_params)
{
    static const char *s =
        "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
        " KDR=10 UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP WSH=128 FEC_ORDER=SRTP_FEC"
        " FEC_KEY=inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd -FOO=1";
    rtp_sdes_crypto c;
    cr_assert_eq(sx_parse(s, &c), 0);
    cr_assert_eq(c.n_params, 7u);
    cr_expect_eq(c.params[0].kind, RTP_SDES_PARAM_KDR);
    SX_SPAN_EQ(c.params[0].value, "10");
    cr_expect_eq(c.kdr, 10);
    cr_expect_eq(c.params[1].kind, RTP_SDES_PARAM_UNENCRYPTED_SRTCP);
    cr_expect_eq(c.params[2].kind, RTP_SDES_PARAM_UNAUTHENTICATED_SRTP);
    cr_expect_eq(c.flags, RTP_SDES_UNENCRYPTED_SRTCP | RTP_SDES_UNAUTHENTICATED_SRTP);
    cr_expect_eq(c.params[3].kind, RTP_SDES_PARAM_WSH);
    cr_expect_eq(c.wsh, 128u);
    cr_expect_eq(c.params[4].kind, RTP_SDES_PARAM_FEC_ORDER);
    SX_SPAN_EQ(c.params[4].value, "SRTP_FEC");
    cr_expect_eq(c.params[5].kind, RTP_SDES_PARAM_FEC_KEY);
    SX_SPAN_EQ(c.params[5].value, "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd");
    cr_expect_eq(c.params[6].kind, RTP_SDES_PARAM_OTHER);
    SX_SPAN_EQ(c.params[6].text, "-FOO=1");
    cr_expect(c.params[6].value.p == NULL);
    /* out of range values */
    cr_expect_eq(sx_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd KDR=25", &c), RTP_ERR_SYNTAX);
    cr_expect_eq(c.err_at, 74u);
    cr_expect_eq(sx_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd WSH=63", &c), RTP_ERR_SYNTAX);
    cr_expect_eq(sx_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd FEC_ORDER=X", &c), RTP_ERR_SYNTAX);
}

/* RFC 4568 §6.1: several keys, each with an MKI of the same length */
Test(sdes_crypto, rfc4568_6_1_several_keys)
{
    rtp_sdes_crypto c;
    cr_assert_eq(sx_parse("a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                          "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|1:4;"
                          "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1048576|2:4", &c), 0);
    cr_assert_eq(c.n_keys, 2u);
    cr_expect_eq(c.keys[1].lifetime, 1048576u);
    cr_expect_eq(c.keys[1].lifetime_pow2, 0);
    cr_expect_eq(c.keys[1].mki, 2u);
    cr_expect_eq(c.keys[1].key_salt[0], 0x3d);
    /* MKI lengths disagree, or one key lacks the MKI */
    cr_expect_eq(sx_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:4;"
                          "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2:2", &c), RTP_ERR_SRTP_KEY);
    cr_expect_eq(sx_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd;"
                          "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", &c), RTP_ERR_SRTP_KEY);
    /* capacity: RTP_SDES_MAX_KEYS + 1 keys */
    cr_expect_eq(sx_parse("1 AES_CM_128_HMAC_SHA1_80 a:b;a:b;a:b;a:b;a:b", &c), RTP_ERR_NOSPACE);
}

/* RFC 4568 §5.1 / §9.1: an unknown crypto-suite is reported, with the tag
 * and the raw key-params kept so the line can be skipped */
Test(sdes_crypto, unknown_suite)
{
    rtp_sdes_crypto c;
    cr_assert_eq(sx_parse("a=crypto:12 F8_128_HMAC_SHA1_80 inline:xyz|2^20 FOO", &c), RTP_ERR_SRTP_SUITE);
    cr_expect_eq(c.tag, 12u);
    cr_expect_eq(c.suite, RTP_SRTP_SUITE_UNKNOWN);
    SX_SPAN_EQ(c.suite_name, "F8_128_HMAC_SHA1_80");
    cr_expect_eq(c.err_at, 12u);
    cr_assert_eq(c.n_keys, 1u);
    SX_SPAN_EQ(c.keys[0].info, "xyz|2^20");
    cr_expect_eq(c.keys[0].key_salt_len, 0);
    cr_assert_eq(c.n_params, 1u);
    SX_SPAN_EQ(c.params[0].text, "FOO");
}

/* RFC 4568 §9.1 grammar violations, each with its offset */
Test(sdes_crypto, rfc4568_9_1_syntax_errors)
{
    static const struct { const char *s; int err; size_t at; } t[] = {
        {"", RTP_ERR_SYNTAX, 0},
        {"a=crypto:", RTP_ERR_SYNTAX, 9},
        {"a=crypto:0 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", RTP_ERR_SYNTAX, 9},
        {"a=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", RTP_ERR_SYNTAX, 9},
        {"a=crypto:1AES_CM_128_HMAC_SHA1_80 inline:x", RTP_ERR_SYNTAX, 10},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80", RTP_ERR_SYNTAX, 34},
        {"a=crypto:1 AES-CM inline:x", RTP_ERR_SYNTAX, 14},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline", RTP_ERR_SYNTAX, 40},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", RTP_ERR_SYNTAX, 41},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 :abc", RTP_ERR_SYNTAX, 35},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd;", RTP_ERR_SYNTAX, 83},
        /* key-method other than inline for an SRTP suite (§6.1) */
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", RTP_ERR_SYNTAX, 35},
        /* bad base64: a character outside the alphabet, excess or misplaced
         * padding, non-zero pad bits (…Gxwe is not canonical) */
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx*d", RTP_ERR_SYNTAX, 42},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd=", RTP_ERR_SYNTAX, 42},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx=d", RTP_ERR_SYNTAX, 42},
        {"a=crypto:1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx==", RTP_ERR_SYNTAX, 35},
        /* lifetime over 2^48, 0, not a number; MKI length 0 or 129; MKI value too big */
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^49", RTP_ERR_SYNTAX, 83},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|281474976710657", RTP_ERR_SYNTAX, 83},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|0", RTP_ERR_SYNTAX, 83},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^x", RTP_ERR_SYNTAX, 83},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:0", RTP_ERR_SYNTAX, 83},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:129", RTP_ERR_SYNTAX, 83},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|256:1", RTP_ERR_SYNTAX, 83},
        /* MKI before lifetime, two lifetimes, three fields */
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:4|2^20", RTP_ERR_SYNTAX, 87},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|20|30", RTP_ERR_SYNTAX, 86},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|20|1:4|1:4", RTP_ERR_SYNTAX, 90},
        /* a control character in a session param */
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd FO\001O", RTP_ERR_SYNTAX, 85},
        /* too many session params */
        {"1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd a b c d e f g h i", RTP_ERR_NOSPACE, 90},
    };
    unsigned i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        rtp_sdes_crypto c;
        int r = sx_parse(t[i].s, &c);
        cr_expect_eq(r, t[i].err, "case %u \"%s\": got %d", i, t[i].s, r);
        cr_expect_eq(c.err_at, t[i].at, "case %u \"%s\": err_at %zu", i, t[i].s, c.err_at);
    }
    cr_expect_eq(rtp_sdes_crypto_parse(NULL, 0, NULL), RTP_ERR_INVALID);
}

/* Parsed then built: the same text (canonical input) */
Test(sdes_crypto, build_round_trip)
{
    static const char *in[] = {
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4",
        "a=crypto:999999999 AEAD_AES_256_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis=|1000 KDR=0 UNENCRYPTED_SRTP",
        "a=crypto:3 AES_192_CM_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU=|18446744073709551615:8;inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU=|7:8 WSH=64",
    };
    unsigned i;
    for (i = 0; i < sizeof in / sizeof in[0]; i++) {
        rtp_sdes_crypto c;
        char out[400];
        size_t need = 0;
        int n;
        cr_assert_eq(sx_parse(in[i], &c), 0, "%s", in[i]);
        cr_expect_eq(rtp_sdes_crypto_build(&c, NULL, 0, &need), RTP_ERR_NOSPACE);
        cr_expect_eq(need, strlen(in[i]));
        cr_expect_eq(rtp_sdes_crypto_build(&c, out, need - 1, &need), RTP_ERR_NOSPACE);
        n = rtp_sdes_crypto_build(&c, out, sizeof out, NULL);
        cr_assert_eq(n, (int)strlen(in[i]));
        cr_expect(memcmp(out, in[i], (size_t)n) == 0, "built %.*s", n, out);
    }
}

Test(sdes_crypto, build_errors)
{
    rtp_sdes_crypto c;
    char out[200];
    cr_assert_eq(sx_parse("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", &c), 0);
    c.suite = RTP_SRTP_AES_256_CM_HMAC_SHA1_80;
    cr_expect_eq(rtp_sdes_crypto_build(&c, out, sizeof out, NULL), RTP_ERR_SRTP_KEY);
    c.suite = RTP_SRTP_SUITE_UNKNOWN;
    cr_expect_eq(rtp_sdes_crypto_build(&c, out, sizeof out, NULL), RTP_ERR_SRTP_SUITE);
    c.suite = RTP_SRTP_AES_CM_128_HMAC_SHA1_80;
    c.tag = 0;
    cr_expect_eq(rtp_sdes_crypto_build(&c, out, sizeof out, NULL), RTP_ERR_INVALID);
    c.tag = 1;
    c.keys[0].lifetime = 3;
    c.keys[0].lifetime_pow2 = 1;
    cr_expect_eq(rtp_sdes_crypto_build(&c, out, sizeof out, NULL), RTP_ERR_INVALID);
    c.keys[0].lifetime_pow2 = 0;
    c.keys[0].mki = 256;
    c.keys[0].mki_len = 1;
    cr_expect_eq(rtp_sdes_crypto_build(&c, out, sizeof out, NULL), RTP_ERR_INVALID);
    c.keys[0].mki = 255;
    cr_expect_eq(rtp_sdes_crypto_build(&c, out, sizeof out, NULL), 90);
    cr_expect(memcmp(out + 82, "|3|255:1", 8) == 0);
    c.n_params = 1;
    c.params[0].text.p = (const uint8_t *)"A B";
    c.params[0].text.len = 3;
    cr_expect_eq(rtp_sdes_crypto_build(&c, out, sizeof out, NULL), RTP_ERR_INVALID);
}

static int sx_counter_rand(void *user, uint8_t *buf, size_t len)
{
    unsigned *calls = (unsigned *)user;
    size_t i;
    for (i = 0; i < len; i++) buf[i] = (uint8_t)i;
    (*calls)++;
    return 0;
}

static int sx_failing_rand(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    memset(buf, 0xAA, len);
    return -1;
}

/* RFC 4568 §6.1 key-salt from the caller's randomness; base64 text */
Test(sdes_crypto, key_generate)
{
    rtp_sdes_crypto c;
    unsigned calls = 0;
    char out[200];
    int n;
    memset(&c, 0, sizeof c);
    c.tag = 1;
    c.suite = RTP_SRTP_AEAD_AES_128_GCM;
    c.n_keys = 1;
    cr_assert_eq(rtp_sdes_key_generate(&c.keys[0], c.suite, sx_counter_rand, &calls), 28);
    cr_expect_eq(calls, 1u);
    n = rtp_sdes_crypto_build(&c, out, sizeof out, NULL);
    cr_assert(n > 0);
    out[n] = 0;
    cr_expect_str_eq(out, "a=crypto:1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==");
    cr_expect_eq(rtp_sdes_key_generate(&c.keys[0], c.suite, sx_failing_rand, NULL), RTP_ERR_CALLBACK);
    cr_expect_eq(c.keys[0].key_salt_len, 0);
    cr_expect_eq(c.keys[0].key_salt[0], 0); /* no half-random key left behind */
    cr_expect_eq(rtp_sdes_key_generate(&c.keys[0], RTP_SRTP_SUITE_UNKNOWN, sx_counter_rand, &calls), RTP_ERR_SRTP_SUITE);
    cr_expect_eq(rtp_sdes_key_generate(&c.keys[0], c.suite, NULL, NULL), RTP_ERR_INVALID);
}

Test(sdes_crypto, strerror)
{
    cr_expect_str_eq(rtp_strerror(RTP_ERR_SRTP_AUTH), "SRTP authentication failed");
    cr_expect_str_eq(rtp_strerror(RTP_ERR_SRTP_REPLAY), "SRTP replayed or too old packet");
    cr_expect_str_neq(rtp_strerror(RTP_ERR_SRTP_SUITE), "unknown error");
    cr_expect_str_neq(rtp_strerror(RTP_ERR_SRTP_KEY), "unknown error");
    cr_expect_str_neq(rtp_strerror(RTP_ERR_SRTP_UNAVAILABLE), "unknown error");
    cr_expect_str_neq(rtp_strerror(RTP_ERR_SRTP_LIB), "unknown error");
    /* the jitter-buffer texts fall back to these */
    cr_expect_str_eq(rtp_jb_strerror(RTP_ERR_SRTP_AUTH), "SRTP authentication failed");
}

/* RFC 3711 §3.1 / RFC 4568 §6.1: the decimal MKI as the bytes on the wire */
Test(sdes_crypto, mki_bytes)
{
    rtp_sdes_crypto c;
    uint8_t mki[RTP_SRTP_MAX_MKI];
    cr_assert_eq(sx_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|258:3", &c), 0);
    cr_assert_eq(rtp_sdes_key_mki_bytes(&c.keys[0], mki), 3);
    cr_expect(mki[0] == 0 && mki[1] == 1 && mki[2] == 2);
    cr_assert_eq(sx_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|18446744073709551615:10", &c), 0);
    cr_assert_eq(rtp_sdes_key_mki_bytes(&c.keys[0], mki), 10);
    cr_expect(mki[0] == 0 && mki[1] == 0 && mki[2] == 0xff && mki[9] == 0xff);
    cr_assert_eq(sx_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", &c), 0);
    cr_expect_eq(rtp_sdes_key_mki_bytes(&c.keys[0], mki), 0);
    cr_expect_eq(rtp_sdes_key_mki_bytes(NULL, mki), RTP_ERR_INVALID);
}

#ifdef RTP_USE_SRTP
/* ==========================================================================
 * SRTP / SRTCP (libsrtp2), checked against OpenSSL
 * ======================================================================= */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <srtp2/srtp.h> /* srtp_get_version() */
#include "srtp_vectors.inc"

static void sx_hex(const uint8_t *b, size_t n, char *out)
{
    size_t i;
    for (i = 0; i < n; i++) sprintf(out + 2 * i, "%02X", b[i]);
    out[2 * n] = 0;
}

/* Equal hex texts, ignoring letter case. */
static int sx_hex_eq(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int x = a[i] >= 'a' && a[i] <= 'f' ? a[i] - 32 : a[i];
        int y = b[i] >= 'a' && b[i] <= 'f' ? b[i] - 32 : b[i];
        if (x != y) return 0;
    }
    return 1;
}

/* Assert bytes equal a hex string (case-insensitive). */
static void sx_expect_hex(const uint8_t *b, size_t n, const char *hex, const char *what)
{
    char got[1024];
    cr_assert(2 * n < sizeof got);
    sx_hex(b, n, got);
    cr_expect(strlen(hex) == 2 * n && sx_hex_eq(got, hex, 2 * n),
              "%s: expected %s, got %s", what, hex, got);
}


/* One AES block: out = E(key, in). */
static void sx_aes(const uint8_t *key, size_t klen, const uint8_t in[16], uint8_t out[16])
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    const EVP_CIPHER *ci = klen == 16 ? EVP_aes_128_ecb() : klen == 24 ? EVP_aes_192_ecb()
                                                                        : EVP_aes_256_ecb();
    int n = 0;
    cr_assert(x != NULL);
    cr_assert(EVP_EncryptInit_ex(x, ci, NULL, key, NULL) == 1);
    EVP_CIPHER_CTX_set_padding(x, 0);
    cr_assert(EVP_EncryptUpdate(x, out, &n, in, 16) == 1 && n == 16);
    EVP_CIPHER_CTX_free(x);
}

/* RFC 3711 §4.1.1 AES-CM: keystream block j = E(key, IV + j) (128-bit add). */
static void sx_aes_cm(const uint8_t *key, size_t klen, const uint8_t iv[16], uint8_t *ks,
                      size_t n)
{
    uint8_t ctr[16], blk[16];
    size_t off;
    memcpy(ctr, iv, 16);
    for (off = 0; off < n; off += 16) {
        int i;
        sx_aes(key, klen, ctr, blk);
        memcpy(ks + off, blk, n - off < 16 ? n - off : 16);
        for (i = 15; i >= 0 && ++ctr[i] == 0; i--) {}
    }
}

/* RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16). */
static void sx_srtp_iv(const uint8_t salt[14], uint32_t ssrc, uint64_t index, uint8_t iv[16])
{
    int i;
    memcpy(iv, salt, 14);
    iv[14] = iv[15] = 0;
    for (i = 0; i < 4; i++) iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
    for (i = 0; i < 6; i++) iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
}

/* RFC 3711 §4.3.1/§4.3.3 AES-CM PRF with kdr = 0: x = (label || 0^48) XOR
 * master salt, keystream from IV = x * 2^16 under the master key. The AES
 * input is returned in aes_in. */
static void sx_kdf(const uint8_t *mkey, size_t mklen, const uint8_t msalt[14], uint8_t label,
                   uint8_t *out, size_t n, uint8_t aes_in[16])
{
    uint8_t iv[16];
    memcpy(iv, msalt, 14);
    iv[7] ^= label; /* label sits 48 bits above the end of the 112-bit salt */
    iv[14] = iv[15] = 0;
    if (aes_in) memcpy(aes_in, iv, 16);
    sx_aes_cm(mkey, mklen, iv, out, n);
}

static void sx_hmac_sha1(const uint8_t *key, size_t klen, const uint8_t *d, size_t n,
                         uint8_t out[20])
{
    unsigned len = 0;
    cr_assert(HMAC(EVP_sha1(), key, (int)klen, d, n, out, &len) != NULL && len == 20);
}

/* Independent AES_CM_128_HMAC_SHA1_xx protect of one RTP packet (header of
 * hlen bytes, ROC roc) with master key (16) || salt (14): RFC 3711 §3.3,
 * §4.1.1, §4.2.1, §4.3. Writes hlen + plen + tag bytes. */
static size_t sx_ref_protect(const uint8_t master[30], const uint8_t *pkt, size_t hlen,
                             size_t plen, uint32_t roc, size_t tag, uint8_t *out)
{
    uint8_t ke[16], ks[14], ka[20], iv[16], stream[1500], mac[20], rocb[4];
    uint8_t buf[1600];
    uint32_t ssrc = (uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 | (uint32_t)pkt[10] << 8 | pkt[11];
    uint64_t index = (uint64_t)roc << 16 | (uint64_t)pkt[2] << 8 | pkt[3];
    size_t i;
    cr_assert(plen <= sizeof stream);
    sx_kdf(master, 16, master + 16, 0x00, ke, 16, NULL);
    sx_kdf(master, 16, master + 16, 0x01, ka, 20, NULL);
    sx_kdf(master, 16, master + 16, 0x02, ks, 14, NULL);
    sx_srtp_iv(ks, ssrc, index, iv);
    sx_aes_cm(ke, 16, iv, stream, plen);
    memcpy(out, pkt, hlen);
    for (i = 0; i < plen; i++) out[hlen + i] = pkt[hlen + i] ^ stream[i];
    /* §4.2: the tag covers the authenticated portion || ROC */
    memcpy(buf, out, hlen + plen);
    for (i = 0; i < 4; i++) rocb[i] = (uint8_t)(roc >> (24 - 8 * i));
    memcpy(buf + hlen + plen, rocb, 4);
    sx_hmac_sha1(ka, 20, buf, hlen + plen + 4, mac);
    memcpy(out + hlen + plen, mac, tag);
    return hlen + plen + tag;
}

/* Independent SRTCP protect, AES_CM_128_HMAC_SHA1_80 (RFC 3711 §3.4,
 * labels 3/4/5): the E flag set, SRTCP index idx. */
static size_t sx_ref_protect_rtcp(const uint8_t master[30], const uint8_t *pkt, size_t len,
                                  uint32_t idx, uint8_t *out)
{
    uint8_t ke[16], ks[14], ka[20], iv[16], stream[1500], mac[20];
    uint32_t ssrc = (uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 | (uint32_t)pkt[6] << 8 | pkt[7];
    uint32_t ei = 0x80000000u | idx;
    size_t i;
    sx_kdf(master, 16, master + 16, 0x03, ke, 16, NULL);
    sx_kdf(master, 16, master + 16, 0x04, ka, 20, NULL);
    sx_kdf(master, 16, master + 16, 0x05, ks, 14, NULL);
    sx_srtp_iv(ks, ssrc, idx, iv);
    sx_aes_cm(ke, 16, iv, stream, len - 8);
    memcpy(out, pkt, 8);
    for (i = 8; i < len; i++) out[i] = pkt[i] ^ stream[i - 8];
    for (i = 0; i < 4; i++) out[len + i] = (uint8_t)(ei >> (24 - 8 * i));
    sx_hmac_sha1(ka, 20, out, len + 4, mac);
    memcpy(out + len + 4, mac, 10);
    return len + 14;
}

static void sx_init(void) { cr_assert_eq(rtp_srtp_library_init(), 0); }
static void sx_fini(void) { rtp_srtp_library_shutdown(); }

static void sx_ctx(rtp_srtp *s, rtp_srtp_suite suite, rtp_srtp_dir dir, const uint8_t *key,
                   size_t klen)
{
    rtp_srtp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.suite = suite;
    cfg.dir = dir;
    cfg.key_salt = key;
    cfg.key_salt_len = klen;
    cr_assert_eq(rtp_srtp_create(s, &cfg), 0, "create: lib status %d", s->lib_status);
}

/* A 4-byte aligned exact-size heap copy (ASan sees any write past cap). */
static uint8_t *sx_buf(const uint8_t *src, size_t len, size_t cap)
{
    uint8_t *p = (uint8_t *)malloc(cap);
    cr_assert(p != NULL);
    memcpy(p, src, len);
    return p;
}

/* The test RTP packet: V=2 PT=0 seq 0x1234 ts 1000 SSRC 0xdeadbeef, 20
 * payload bytes 0x00..0x13. */
static size_t sx_rtp_packet(uint8_t *p, uint16_t seq)
{
    static const uint8_t hdr[12] = {0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x03, 0xe8,
                                    0xde, 0xad, 0xbe, 0xef};
    size_t i;
    memcpy(p, hdr, 12);
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    for (i = 0; i < 20; i++) p[12 + i] = (uint8_t)i;
    return 32;
}

/* RFC 3711 Appendix B.1 (AES-f8). libsrtp2 has no f8 transform, so this
 * checks the vector file against an f8 written here (§4.1.2.2) on OpenSSL
 * AES: m, k_e XOR m, IV from header || ROC, IV', S(0..2), ciphertext. */
Test(srtp_vectors, rfc3711_b1_aes_f8)
{
    uint8_t ke[16], salt[4], m[16], kx[16], iv[16], ivp[16], s[16], prev[16], hdr[12],
        pt[64], ct[64], want[16];
    size_t i, plen = sx_unhex(SV_B1_RTP_PAYLOAD, pt, sizeof pt), j;
    uint8_t roc[4];
    sx_unhex(SV_B1_SESSION_KEY, ke, 16);
    sx_unhex(SV_B1_SESSION_SALT, salt, 4);
    sx_unhex(SV_B1_RTP_HEADER, hdr, 12);
    sx_unhex(SV_B1_ROC, roc, 4);
    memcpy(m, salt, 4);
    memset(m + 4, 0x55, 12);
    sx_expect_hex(m, 16, SV_B1_KEY_MASK_M, "m");
    for (i = 0; i < 16; i++) kx[i] = ke[i] ^ m[i];
    sx_expect_hex(kx, 16, SV_B1_KEY_XOR_MASK, "k_e XOR m");
    iv[0] = 0;
    memcpy(iv + 1, hdr + 1, 11); /* M||PT, SEQ, TS, SSRC */
    memcpy(iv + 12, roc, 4);
    sx_expect_hex(iv, 16, SV_B1_IV, "IV");
    sx_aes(kx, 16, iv, ivp);
    sx_expect_hex(ivp, 16, SV_B1_IV_PRIME, "IV'");
    memset(prev, 0, 16);
    for (j = 0; j * 16 < plen; j++) {
        uint8_t in[16];
        for (i = 0; i < 16; i++) in[i] = ivp[i] ^ prev[i];
        in[15] ^= (uint8_t)j; /* j < 256 here */
        sx_aes(ke, 16, in, s);
        if (j < 3) {
            sx_unhex(j == 0 ? SV_B1_S0 : j == 1 ? SV_B1_S1 : SV_B1_S2, want, 16);
            cr_expect(memcmp(s, want, 16) == 0, "S(%zu)", j);
        }
        for (i = 0; i < 16 && j * 16 + i < plen; i++) ct[j * 16 + i] = pt[j * 16 + i] ^ s[i];
        memcpy(prev, s, 16);
    }
    sx_expect_hex(ct, plen, SV_B1_ENCRYPTED_PAYLOAD, "f8 ciphertext");
    {
        uint8_t pkt[80];
        memcpy(pkt, hdr, 12);
        memcpy(pkt + 12, ct, plen);
        sx_expect_hex(pkt, 12 + plen, SV_B1_SRTP_PACKET_WITHOUT_AUTH_TAG, "SRTP packet");
    }
}

/* RFC 3711 Appendix B.2: the AES-CM keystream segment of §4.1.1 (the
 * counter from salt, SSRC and index; blocks 0, 1, 2, FEFF, FF00, FF01 of a
 * 1044512-octet segment) */
Test(srtp_vectors, rfc3711_b2_aes_cm_keystream)
{
    static const struct { const char *counter, *keystream; } blocks[] = SV_B2_BLOCKS;
    uint8_t key[16], salt[16], iv[16], rocb[4], seqb[2], ssrcb[4], ctr[16];
    uint8_t *ks = (uint8_t *)malloc(SV_B2_KEYSTREAM_SEGMENT_OCTETS);
    uint32_t ssrc, roc;
    unsigned i;
    cr_assert(ks != NULL);
    sx_unhex(SV_B2_SESSION_KEY, key, 16);
    sx_unhex(SV_B2_SESSION_SALT_SHIFTED, salt, 16);
    cr_expect(salt[14] == 0 && salt[15] == 0, "k_s * 2^16");
    sx_unhex(SV_B2_ROC, rocb, 4);
    sx_unhex(SV_B2_SEQ, seqb, 2);
    sx_unhex(SV_B2_SSRC, ssrcb, 4);
    ssrc = (uint32_t)ssrcb[0] << 24 | (uint32_t)ssrcb[1] << 16 | (uint32_t)ssrcb[2] << 8 | ssrcb[3];
    roc = (uint32_t)rocb[0] << 24 | (uint32_t)rocb[1] << 16 | (uint32_t)rocb[2] << 8 | rocb[3];
    sx_srtp_iv(salt, ssrc, (uint64_t)roc << 16 | (unsigned)(seqb[0] << 8 | seqb[1]), iv);
    sx_expect_hex(iv, 16, blocks[0].counter, "IV");
    cr_expect_eq(SV_B2_KEYSTREAM_SEGMENT_OCTETS, SV_B2_AES_BLOCKS * 16u);
    sx_aes_cm(key, 16, iv, ks, SV_B2_KEYSTREAM_SEGMENT_OCTETS);
    for (i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        unsigned n;
        sx_unhex(blocks[i].counter, ctr, 16);
        cr_assert(memcmp(ctr, iv, 14) == 0);
        n = (unsigned)(ctr[14] << 8 | ctr[15]) - (unsigned)(iv[14] << 8 | iv[15]);
        cr_assert(n < SV_B2_AES_BLOCKS);
        sx_expect_hex(ks + 16u * n, 16, blocks[i].keystream, blocks[i].counter);
    }
    /* the last listed block is the last of the segment */
    sx_unhex(blocks[sizeof blocks / sizeof blocks[0] - 1].counter, ctr, 16);
    cr_expect_eq((unsigned)(ctr[14] << 8 | ctr[15]) + 1u, SV_B2_AES_BLOCKS);
    free(ks);
}

/* RFC 3711 Appendix B.3: key derivation (§4.3.1, §4.3.3) */
Test(srtp_vectors, rfc3711_b3_key_derivation)
{
    uint8_t mk[16], ms[14], in[16], out[94], label;
    sx_unhex(SV_B3_MASTER_KEY, mk, 16);
    sx_unhex(SV_B3_MASTER_SALT, ms, 14);
    sx_unhex(SV_B3_CIPHER_KEY_LABEL, &label, 1);
    sx_kdf(mk, 16, ms, label, out, 16, in);
    sx_expect_hex(in, 16, SV_B3_CIPHER_KEY_AES_INPUT, "cipher key AES input");
    sx_expect_hex(out, 16, SV_B3_CIPHER_KEY, "cipher key");
    sx_unhex(SV_B3_CIPHER_SALT_LABEL, &label, 1);
    sx_kdf(mk, 16, ms, label, out, 16, in);
    sx_expect_hex(in, 16, SV_B3_CIPHER_SALT_AES_INPUT, "cipher salt AES input");
    sx_expect_hex(out, 16, SV_B3_CIPHER_SALT_AES_OUTPUT_FULL, "cipher salt AES output");
    sx_expect_hex(out, 14, SV_B3_CIPHER_SALT, "cipher salt");
    sx_unhex(SV_B3_AUTH_KEY_LABEL, &label, 1);
    cr_assert_eq(SV_B3_AUTH_KEY_LENGTH, sizeof out);
    sx_kdf(mk, 16, ms, label, out, SV_B3_AUTH_KEY_LENGTH, in);
    sx_expect_hex(in, 16, SV_B3_AUTH_KEY_AES_INPUT, "auth key AES input");
    sx_expect_hex(out, SV_B3_AUTH_KEY_LENGTH, SV_B3_AUTH_KEY, "auth key");
    sx_expect_hex(out, 20, SV_B3_AUTH_KEY_FIRST_20, "auth key (HMAC-SHA1 80)");
}

/* RFC 3711 Appendix B.3 through libsrtp2: with B.3's master key and salt
 * the SRTP packet is encrypted with B.3's cipher key and salt and
 * authenticated with the first 20 octets of B.3's auth key (values taken
 * from the vector, not derived here). */
Test(srtp, rfc3711_b3_session_keys_in_libsrtp, .init = sx_init, .fini = sx_fini)
{
    uint8_t master[30], ck[16], cs[14], ak[20], iv[16], ks[20], mac[20], buf[64], auth[64];
    rtp_srtp s;
    size_t i;
    int n;
    sx_unhex(SV_B3_MASTER_KEY, master, 16);
    sx_unhex(SV_B3_MASTER_SALT, master + 16, 14);
    sx_unhex(SV_B3_CIPHER_KEY, ck, 16);
    sx_unhex(SV_B3_CIPHER_SALT, cs, 14);
    sx_unhex(SV_B3_AUTH_KEY_FIRST_20, ak, 20);
    sx_ctx(&s, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, RTP_SRTP_OUTBOUND, master, 30);
    sx_rtp_packet(buf, 0x1234);
    n = rtp_srtp_protect(&s, buf, 32, sizeof buf, NULL);
    cr_assert_eq(n, 42);
    sx_srtp_iv(cs, 0xdeadbeefu, 0x1234, iv);
    sx_aes_cm(ck, 16, iv, ks, 20);
    for (i = 0; i < 20; i++) cr_expect_eq(buf[12 + i], (uint8_t)(i ^ ks[i]), "payload byte %zu", i);
    memcpy(auth, buf, 32);
    memset(auth + 32, 0, 4); /* ROC 0 */
    sx_hmac_sha1(ak, 20, auth, 36, mac);
    cr_expect(memcmp(buf + 32, mac, 10) == 0, "tag");
    rtp_srtp_destroy(&s);
}

/* Known answer, AES_CM_128_HMAC_SHA1_80 (RFC 4568 §4 example key): the
 * exact SRTP bytes, which the OpenSSL reference computes as well */
Test(srtp, known_answer_protect_aes_cm_128_sha1_80, .init = sx_init, .fini = sx_fini)
{
    static const char *want =
        "800012340000" "03e8deadbeef" /* header */
        "e861cced4098b0b8551e2e6f3bc265af2dd57c26" /* payload */
        "73c71707c80efd88d6ba"; /* tag */
    uint8_t master[30], pkt[32], ref[64], *buf;
    rtp_srtp s;
    size_t rn;
    int n;
    sx_unhex("3d2d6e40255e7821426a75667239293f2c2335685c603d265d7b71695051", master, 30);
    sx_rtp_packet(pkt, 0x1234);
    rn = sx_ref_protect(master, pkt, 12, 20, 0, 10, ref);
    sx_expect_hex(ref, rn, want, "OpenSSL reference");
    sx_ctx(&s, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, RTP_SRTP_OUTBOUND, master, 30);
    cr_expect_eq(s.rtp_overhead, 10u);
    cr_expect_eq(s.rtcp_overhead, 14u);
    buf = sx_buf(pkt, 32, 42); /* exactly len + overhead */
    n = rtp_srtp_protect(&s, buf, 32, 42, NULL);
    cr_assert_eq(n, 42);
    sx_expect_hex(buf, 42, want, "libsrtp2");
    free(buf);
    rtp_srtp_destroy(&s);
    rtp_srtp_destroy(&s); /* a second destroy is a no-op */
}

/* The _32 suite: 4-byte SRTP tag, the same keystream (RFC 4568 §6.2.2) */
Test(srtp, aes_cm_128_sha1_32_against_reference, .init = sx_init, .fini = sx_fini)
{
    uint8_t master[30], pkt[32], ref[64], buf[64];
    rtp_srtp s;
    size_t i, rn;
    for (i = 0; i < 30; i++) master[i] = (uint8_t)(0xA0 + i);
    sx_rtp_packet(pkt, 7);
    rn = sx_ref_protect(master, pkt, 12, 20, 0, 4, ref);
    sx_ctx(&s, RTP_SRTP_AES_CM_128_HMAC_SHA1_32, RTP_SRTP_OUTBOUND, master, 30);
    memcpy(buf, pkt, 32);
    cr_assert_eq(rtp_srtp_protect(&s, buf, 32, sizeof buf, NULL), 36);
    cr_expect_eq(rn, 36u);
    cr_expect(memcmp(buf, ref, 36) == 0);
    rtp_srtp_destroy(&s);
}

/* RFC 3711 §3.3: unprotect restores the packet; a flipped bit anywhere is
 * an authentication failure (§3.3 step 5); a second copy is a replay
 * (§3.3.2) */
Test(srtp, unprotect_tamper_replay, .init = sx_init, .fini = sx_fini)
{
    uint8_t master[30], pkt[32], prot[48], buf[48];
    rtp_srtp tx, rx;
    size_t i;
    int n;
    for (i = 0; i < 30; i++) master[i] = (uint8_t)(3 * i + 1);
    sx_ctx(&tx, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, RTP_SRTP_OUTBOUND, master, 30);
    sx_ctx(&rx, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, RTP_SRTP_INBOUND, master, 30);
    sx_rtp_packet(pkt, 100);
    memcpy(prot, pkt, 32);
    n = rtp_srtp_protect(&tx, prot, 32, sizeof prot, NULL);
    cr_assert_eq(n, 42);
    for (i = 0; i < 42; i++) {
        memcpy(buf, prot, 42);
        buf[i] ^= (uint8_t)(i == 0 ? 0x01 : 0x80); /* keep V=2 in byte 0 */
        cr_expect_eq(rtp_srtp_unprotect(&rx, buf, 42), RTP_ERR_SRTP_AUTH, "byte %zu", i);
    }
    cr_expect_eq(rx.lib_status, 7 /* srtp_err_status_auth_fail */);
    memcpy(buf, prot, 42);
    cr_assert_eq(rtp_srtp_unprotect(&rx, buf, 42), 32);
    cr_expect(memcmp(buf, pkt, 32) == 0);
    memcpy(buf, prot, 42);
    cr_expect_eq(rtp_srtp_unprotect(&rx, buf, 42), RTP_ERR_SRTP_REPLAY);
    /* a wrong key cannot authenticate */
    {
        rtp_srtp other;
        master[0] ^= 1;
        sx_ctx(&other, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, RTP_SRTP_INBOUND, master, 30);
        memcpy(buf, prot, 42);
        cr_expect_eq(rtp_srtp_unprotect(&other, buf, 42), RTP_ERR_SRTP_AUTH);
        rtp_srtp_destroy(&other);
    }
    /* too short for header + tag; not version 2 */
    cr_expect_eq(rtp_srtp_unprotect(&rx, buf, 21), RTP_ERR_TRUNCATED);
    buf[0] = 0x40;
    cr_expect_eq(rtp_srtp_unprotect(&rx, buf, 42), RTP_ERR_VERSION);
    rtp_srtp_destroy(&tx);
    rtp_srtp_destroy(&rx);
}

/* RFC 3711 §3.3.2: far older than the replay window */
Test(srtp, replay_window_too_old, .init = sx_init, .fini = sx_fini)
{
    uint8_t master[30] = {1}, old[48], buf[48];
    rtp_srtp tx, rx;
    uint16_t seq;
    sx_ctx(&tx, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, RTP_SRTP_OUTBOUND, master, 30);
    sx_ctx(&rx, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, RTP_SRTP_INBOUND, master, 30);
    sx_rtp_packet(old, 1);
    cr_assert_eq(rtp_srtp_protect(&tx, old, 32, sizeof old, NULL), 42);
    for (seq = 2; seq < 300; seq++) {
        sx_rtp_packet(buf, seq);
        cr_assert_eq(rtp_srtp_protect(&tx, buf, 32, sizeof buf, NULL), 42);
        cr_assert_eq(rtp_srtp_unprotect(&rx, buf, 42), 32);
    }
    cr_expect_eq(rtp_srtp_unprotect(&rx, old, 42), RTP_ERR_SRTP_REPLAY);
    /* the sender refuses the same sequence number twice by default */
    sx_rtp_packet(buf, 299);
    cr_expect_eq(rtp_srtp_protect(&tx, buf, 32, sizeof buf, NULL), RTP_ERR_SRTP_REPLAY);
    rtp_srtp_destroy(&tx);
    rtp_srtp_destroy(&rx);
}

/* Buffer and argument checks: NOSPACE with the size needed (packet left
 * as it was), alignment, direction, packet validity */
Test(srtp, protect_arguments, .init = sx_init, .fini = sx_fini)
{
    uint32_t words[16];
    uint8_t *buf = (uint8_t *)words, pkt[32], master[30] = {0};
    rtp_srtp tx;
    size_t need = 0;
    sx_ctx(&tx, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, RTP_SRTP_OUTBOUND, master, 30);
    sx_rtp_packet(pkt, 5);
    memcpy(buf, pkt, 32);
    cr_expect_eq(rtp_srtp_protect(&tx, buf, 32, 41, &need), RTP_ERR_NOSPACE);
    cr_expect_eq(need, 42u);
    cr_expect(memcmp(buf, pkt, 32) == 0);
    cr_expect_eq(rtp_srtp_protect(&tx, buf + 1, 32, 60, NULL), RTP_ERR_INVALID);
    cr_expect_eq(rtp_srtp_unprotect(&tx, buf, 32), RTP_ERR_INVALID);
    buf[0] = 0x40;
    cr_expect_eq(rtp_srtp_protect(&tx, buf, 32, 64, NULL), RTP_ERR_VERSION);
    cr_expect_eq(rtp_srtp_protect(&tx, buf, 8, 64, NULL), RTP_ERR_TRUNCATED);
    cr_expect_eq(rtp_srtp_protect(NULL, buf, 32, 64, NULL), RTP_ERR_INVALID);
    rtp_srtp_destroy(&tx);
    cr_expect_eq(rtp_srtp_protect(&tx, buf, 32, 64, NULL), RTP_ERR_INVALID);
}

Test(srtp, create_errors, .init = sx_init, .fini = sx_fini)
{
    uint8_t key[46] = {0};
    rtp_srtp s;
    rtp_srtp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.suite = RTP_SRTP_AES_256_CM_HMAC_SHA1_80;
    cfg.key_salt = key;
    cfg.key_salt_len = 30;
    cr_expect_eq(rtp_srtp_create(&s, &cfg), RTP_ERR_SRTP_KEY);
    cr_expect(s.ctx == NULL);
    cfg.key_salt_len = 46;
    cfg.suite = RTP_SRTP_SUITE_UNKNOWN;
    cr_expect_eq(rtp_srtp_create(&s, &cfg), RTP_ERR_SRTP_SUITE);
    cfg.suite = RTP_SRTP_AES_256_CM_HMAC_SHA1_80;
    cfg.replay_window = 63;
    cr_expect_eq(rtp_srtp_create(&s, &cfg), RTP_ERR_INVALID);
    cfg.replay_window = 32768;
    cr_expect_eq(rtp_srtp_create(&s, &cfg), RTP_ERR_INVALID);
    cfg.replay_window = 0;
    cfg.mki_len = 4;
    cr_expect_eq(rtp_srtp_create(&s, &cfg), RTP_ERR_INVALID); /* no MKI bytes */
    cfg.mki_len = 0;
    cfg.dir = (rtp_srtp_dir)7;
    cr_expect_eq(rtp_srtp_create(&s, &cfg), RTP_ERR_INVALID);
    cr_expect_eq(rtp_srtp_create(NULL, &cfg), RTP_ERR_INVALID);
    cr_expect_eq(rtp_srtp_create(&s, NULL), RTP_ERR_INVALID);
    cfg.dir = RTP_SRTP_INBOUND;
    cr_assert_eq(rtp_srtp_create(&s, &cfg), 0);
    rtp_srtp_destroy(&s);
}

/* Without rtp_srtp_library_init() libsrtp2 refuses to create a context */
Test(srtp, create_before_library_init)
{
    uint8_t key[30] = {0};
    rtp_srtp s;
    rtp_srtp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.suite = RTP_SRTP_AES_CM_128_HMAC_SHA1_80;
    cfg.key_salt = key;
    cfg.key_salt_len = 30;
    cr_expect_eq(rtp_srtp_create(&s, &cfg), RTP_ERR_SRTP_LIB);
    cr_expect(s.ctx == NULL);
}

/* RFC 7714 AEAD_AES_128_GCM / 256: round trip, 16-byte tag, tamper */
Test(srtp, aead_gcm_round_trip, .init = sx_init, .fini = sx_fini)
{
    static const rtp_srtp_suite suites[2] = {RTP_SRTP_AEAD_AES_128_GCM, RTP_SRTP_AEAD_AES_256_GCM};
    unsigned k;
    for (k = 0; k < 2; k++) {
        const rtp_srtp_suite_info *si = rtp_srtp_suite_info_get(suites[k]);
        uint8_t master[44], pkt[32], buf[64], prot[64];
        size_t i, klen = (size_t)si->key_len + si->salt_len;
        rtp_srtp tx, rx;
        /* Debian's libsrtp2 is built with OpenSSL: GCM must be there */
        cr_assert_eq(rtp_srtp_suite_available(suites[k]), 1, "%s", si->name);
        for (i = 0; i < klen; i++) master[i] = (uint8_t)(7 * i + k);
        sx_ctx(&tx, suites[k], RTP_SRTP_OUTBOUND, master, klen);
        sx_ctx(&rx, suites[k], RTP_SRTP_INBOUND, master, klen);
        cr_expect_eq(tx.rtp_overhead, 16u);
        cr_expect_eq(tx.rtcp_overhead, 20u);
        sx_rtp_packet(pkt, 9);
        memcpy(buf, pkt, 32);
        cr_assert_eq(rtp_srtp_protect(&tx, buf, 32, 48, NULL), 48);
        cr_expect(memcmp(buf, pkt, 12) == 0, "header in clear");
        cr_expect(memcmp(buf + 12, pkt + 12, 20) != 0, "payload encrypted");
        memcpy(prot, buf, 48);
        buf[20] ^= 1;
        cr_expect_eq(rtp_srtp_unprotect(&rx, buf, 48), RTP_ERR_SRTP_AUTH);
        /* GCM decrypts before it checks: a failed buffer is not the input */
        memcpy(buf, prot, 48);
        cr_assert_eq(rtp_srtp_unprotect(&rx, buf, 48), 32);
        cr_expect(memcmp(buf, pkt, 32) == 0);
        rtp_srtp_destroy(&tx);
        rtp_srtp_destroy(&rx);
    }
}

/* AES-192/256-CM (RFC 6188) round trip */
Test(srtp, aes_192_256_round_trip, .init = sx_init, .fini = sx_fini)
{
    static const rtp_srtp_suite suites[3] = {RTP_SRTP_AES_192_CM_HMAC_SHA1_80,
                                             RTP_SRTP_AES_256_CM_HMAC_SHA1_80,
                                             RTP_SRTP_AES_256_CM_HMAC_SHA1_32};
    unsigned k;
    for (k = 0; k < 3; k++) {
        const rtp_srtp_suite_info *si = rtp_srtp_suite_info_get(suites[k]);
        uint8_t master[46] = {0}, pkt[32], buf[64];
        size_t klen = (size_t)si->key_len + si->salt_len;
        rtp_srtp tx, rx;
        int n;
        if (rtp_srtp_suite_available(suites[k]) != 1) continue; /* AES-192 needs OpenSSL */
        master[0] = (uint8_t)k;
        sx_ctx(&tx, suites[k], RTP_SRTP_OUTBOUND, master, klen);
        sx_ctx(&rx, suites[k], RTP_SRTP_INBOUND, master, klen);
        sx_rtp_packet(pkt, 9);
        memcpy(buf, pkt, 32);
        n = rtp_srtp_protect(&tx, buf, 32, sizeof buf, NULL);
        cr_assert_eq(n, 32 + si->rtp_tag_len);
        cr_assert_eq(rtp_srtp_unprotect(&rx, buf, (size_t)n), 32, "%s", si->name);
        cr_expect(memcmp(buf, pkt, 32) == 0);
        rtp_srtp_destroy(&tx);
        rtp_srtp_destroy(&rx);
    }
}

/* RFC 3711 §3.4 SRTCP: E flag and 31-bit index after the encrypted part,
 * then the 80-bit tag; checked byte for byte against the OpenSSL reference
 * (labels 3/4/5), then unprotected; a replayed index is refused */
Test(srtp, srtcp_e_flag_and_index, .init = sx_init, .fini = sx_fini)
{
    /* RR from SSRC 0x11223344 with one report block, then SDES CNAME */
    static const uint8_t rtcp[] = {
        0x81, 0xc9, 0x00, 0x07, 0x11, 0x22, 0x33, 0x44, 0xde, 0xad, 0xbe, 0xef,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x10,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x81, 0xca, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x01, 0x02, 'a', 'b', 0x00, 0x00, 0x00, 0x00};
    const size_t len = sizeof rtcp;
    uint8_t master[30], *buf, ref[128], first[128];
    rtp_srtp tx, rx;
    size_t i, need = 0;
    uint32_t idx0, idx1;
    int n;
    for (i = 0; i < 30; i++) master[i] = (uint8_t)(0x30 + i);
    sx_ctx(&tx, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, RTP_SRTP_OUTBOUND, master, 30);
    sx_ctx(&rx, RTP_SRTP_AES_CM_128_HMAC_SHA1_80, RTP_SRTP_INBOUND, master, 30);
    buf = sx_buf(rtcp, len, len + 14);
    n = rtp_srtp_protect_rtcp(&tx, buf, len, len + 13, &need);
    cr_expect_eq(n, RTP_ERR_NOSPACE, "got %d", n);
    cr_expect_eq(need, len + 14);
    n = rtp_srtp_protect_rtcp(&tx, buf, len, len + 14, NULL);
    cr_assert_eq(n, (int)(len + 14));
    cr_expect(buf[len] & 0x80, "E flag");
    idx0 = ((uint32_t)buf[len] << 24 | (uint32_t)buf[len + 1] << 16 |
            (uint32_t)buf[len + 2] << 8 | buf[len + 3]) & 0x7fffffffu;
    sx_ref_protect_rtcp(master, rtcp, len, idx0, ref);
    cr_expect(memcmp(buf, ref, len + 14) == 0, "SRTCP bytes equal the reference");
    memcpy(first, buf, len + 14);
    cr_assert_eq(rtp_srtp_unprotect_rtcp(&rx, buf, len + 14), (int)len);
    cr_expect(memcmp(buf, rtcp, len) == 0);
    memcpy(buf, first, len + 14);
    cr_expect_eq(rtp_srtp_unprotect_rtcp(&rx, buf, len + 14), RTP_ERR_SRTP_REPLAY);
    /* the next packet carries index + 1 */
    memcpy(buf, rtcp, len);
    cr_assert_eq(rtp_srtp_protect_rtcp(&tx, buf, len, len + 14, NULL), (int)(len + 14));
    idx1 = ((uint32_t)buf[len] << 24 | (uint32_t)buf[len + 1] << 16 |
            (uint32_t)buf[len + 2] << 8 | buf[len + 3]) & 0x7fffffffu;
    cr_expect_eq(idx1, idx0 + 1);
    memcpy(first, buf, len + 14);
    buf[len + 12] ^= 0x01; /* tamper with the tag */
    cr_expect_eq(rtp_srtp_unprotect_rtcp(&rx, buf, len + 14), RTP_ERR_SRTP_AUTH);
    /* E flag cleared: "not encrypted" is refused for an encrypting suite */
    memcpy(buf, first, len + 14);
    buf[len] &= 0x7f;
    cr_expect_eq(rtp_srtp_unprotect_rtcp(&rx, buf, len + 14), RTP_ERR_SRTP_AUTH);
    memcpy(buf, first, len + 14);
    cr_expect_eq(rtp_srtp_unprotect_rtcp(&rx, buf, len + 14), (int)len);
    /* not an RTCP compound: version 1, lengths that do not add up */
    memcpy(buf, rtcp, len);
    buf[0] = 0x41;
    cr_expect_eq(rtp_srtp_protect_rtcp(&tx, buf, len, len + 14, NULL), RTP_ERR_VERSION);
    buf[0] = 0x81;
    cr_expect_eq(rtp_srtp_protect_rtcp(&tx, buf, len - 4, len + 14, NULL), RTP_ERR_TRUNCATED);
    cr_expect_eq(rtp_srtp_unprotect_rtcp(&rx, buf, 21), RTP_ERR_TRUNCATED);
    free(buf);
    rtp_srtp_destroy(&tx);
    rtp_srtp_destroy(&rx);
}

/* RFC 3711 §3.1: an MKI travels between payload and tag */
Test(srtp, mki_round_trip, .init = sx_init, .fini = sx_fini)
{
    static const uint8_t mki[4] = {0, 0, 0, 1}, mki2[4] = {0, 0, 0, 2};
    uint8_t master[30] = {9}, pkt[32], buf[64], ref[64];
    rtp_srtp tx, rx, rx2;
    rtp_srtp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.suite = RTP_SRTP_AES_CM_128_HMAC_SHA1_80;
    cfg.key_salt = master;
    cfg.key_salt_len = 30;
    cfg.mki = mki;
    cfg.mki_len = 4;
    cr_assert_eq(rtp_srtp_create(&tx, &cfg), 0);
    cfg.dir = RTP_SRTP_INBOUND;
    cr_assert_eq(rtp_srtp_create(&rx, &cfg), 0);
    cfg.mki = mki2;
    cr_assert_eq(rtp_srtp_create(&rx2, &cfg), 0);
    cr_expect_eq(tx.rtp_overhead, 14u);
    cr_expect_eq(tx.rtcp_overhead, 18u);
    sx_rtp_packet(pkt, 77);
    memcpy(buf, pkt, 32);
    cr_assert_eq(rtp_srtp_protect(&tx, buf, 32, sizeof buf, NULL), 46);
    cr_expect(memcmp(buf + 32, mki, 4) == 0, "MKI after the payload");
    /* the tag does not cover the MKI (§4.2): same as without MKI */
    sx_ref_protect(master, pkt, 12, 20, 0, 10, ref);
    cr_expect(memcmp(buf, ref, 32) == 0 && memcmp(buf + 36, ref + 32, 10) == 0);
    memcpy(ref, buf, 46);
    cr_expect_eq(rtp_srtp_unprotect(&rx2, buf, 46), RTP_ERR_SRTP_KEY, "unknown MKI");
    memcpy(buf, ref, 46);
    cr_assert_eq(rtp_srtp_unprotect(&rx, buf, 46), 32);
    cr_expect(memcmp(buf, pkt, 32) == 0);
    rtp_srtp_destroy(&tx);
    rtp_srtp_destroy(&rx);
    rtp_srtp_destroy(&rx2);
}

/* RFC 3711 §3.4: MKI with a _32 suite, whose SRTCP tag is 80 bits
 * (RFC 4568 §6.2.2). libsrtp2 before 2.7 locates the SRTCP MKI with the
 * SRTP tag length (cisco/libsrtp#733), so such a context is refused there
 * rather than failing every SRTCP packet. */
Test(srtp, mki_with_sha1_32, .init = sx_init, .fini = sx_fini)
{
    static const uint8_t mki[4] = {0, 0, 0, 7};
    static const uint8_t rr[8] = {0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09};
    uint8_t master[30] = {5}, buf[64];
    rtp_srtp tx, rx;
    rtp_srtp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.suite = RTP_SRTP_AES_CM_128_HMAC_SHA1_32;
    cfg.key_salt = master;
    cfg.key_salt_len = 30;
    cfg.mki = mki;
    cfg.mki_len = 4;
    if (srtp_get_version() < 0x02070000u) {
        cr_expect_eq(rtp_srtp_create(&tx, &cfg), RTP_ERR_SRTP_UNAVAILABLE);
        cr_expect(tx.ctx == NULL);
        return;
    }
    cr_assert_eq(rtp_srtp_create(&tx, &cfg), 0);
    cfg.dir = RTP_SRTP_INBOUND;
    cr_assert_eq(rtp_srtp_create(&rx, &cfg), 0);
    memcpy(buf, rr, 8);
    cr_assert_eq(rtp_srtp_protect_rtcp(&tx, buf, 8, sizeof buf, NULL), 26);
    cr_expect(memcmp(buf + 12, mki, 4) == 0, "E|index, MKI, 80-bit tag");
    cr_expect_eq(rtp_srtp_unprotect_rtcp(&rx, buf, 26), 8);
    rtp_srtp_destroy(&tx);
    rtp_srtp_destroy(&rx);
}

/* a=crypto to SRTP: the offer's key drives both ends */
Test(srtp, sdes_key_into_context, .init = sx_init, .fini = sx_fini)
{
    rtp_sdes_crypto c;
    rtp_srtp_config cfg;
    rtp_srtp tx, rx;
    uint8_t pkt[32], buf[64];
    uint8_t mki[RTP_SRTP_MAX_MKI];
    cr_assert_eq(sx_parse("a=crypto:1 AEAD_AES_256_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis=|2^31|5:2", &c), 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.suite = c.suite;
    cfg.key_salt = c.keys[0].key_salt;
    cfg.key_salt_len = c.keys[0].key_salt_len;
    cfg.mki_len = (size_t)rtp_sdes_key_mki_bytes(&c.keys[0], mki);
    cfg.mki = mki;
    cr_assert_eq(rtp_srtp_create(&tx, &cfg), 0);
    cfg.dir = RTP_SRTP_INBOUND;
    cr_assert_eq(rtp_srtp_create(&rx, &cfg), 0);
    sx_rtp_packet(pkt, 1);
    memcpy(buf, pkt, 32);
    cr_assert_eq(rtp_srtp_protect(&tx, buf, 32, sizeof buf, NULL), 50);
    /* RFC 7714: the AEAD tag is part of the ciphertext, so the MKI of
     * RFC 3711 §3.1 follows it (with HMAC the MKI precedes the tag) */
    cr_expect(buf[48] == 0 && buf[49] == 5, "MKI 5 in 2 bytes, last");
    cr_assert_eq(rtp_srtp_unprotect(&rx, buf, 50), 32);
    cr_expect(memcmp(buf, pkt, 32) == 0);
    rtp_srtp_destroy(&tx);
    rtp_srtp_destroy(&rx);
}
#endif /* RTP_USE_SRTP */
