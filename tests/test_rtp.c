/* rtp.h: RTP / RTCP packets, header extensions, demultiplexing, payload
 * types, G.711 (RFC 3550, RFC 3551, RFC 3611, RFC 5506, RFC 5761, RFC 6464,
 * RFC 7742, RFC 7983, RFC 8285, RFC 8843, RFC 8852, ITU-T G.711).
 *
 * The RTP header-extension vectors come from
 * tests/corpus/vectors/rtp-header-extensions.json (copy of
 * shared/corpus/vectors/, pion/rtp, MIT) through the C table
 * tests/rtp_vectors.inc made by scripts/gen_rtp_vectors.py. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include "rtp.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------ */

static size_t hx(const char *hex, uint8_t *out)
{
    size_t n = 0;
    unsigned v;
    while (hex[0] && hex[1]) {
        if (sscanf(hex, "%2x", &v) != 1) break;
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

static const uint8_t *gcopy(const uint8_t *p, size_t n)
{
    const uint8_t *g = (const uint8_t *)tu_guard_copy((const char *)p, n);
    cr_assert(g != NULL);
    return g;
}

static void gfree(const uint8_t *p, size_t n) { tu_guard_free((char *)(uintptr_t)p, n); }

static int span_is(rtp_span s, const uint8_t *p, size_t n)
{
    return s.len == n && (n == 0 || memcmp(s.p, p, n) == 0);
}

static int span_hex(rtp_span s, const char *hex)
{
    uint8_t b[256];
    size_t n = hx(hex, b);
    return span_is(s, b, n);
}

/* Builder check: `expr` uses out, cap and &need. NULL measures, one byte
 * short is NOSPACE with the size needed, the exact size gives the bytes. */
#define BUILD_EXACT(expr, expect, expect_len)                                    \
    do {                                                                         \
        size_t n_ = (expect_len), need = 0;                                      \
        uint8_t *out = NULL;                                                     \
        size_t cap = 0;                                                          \
        int r_ = (expr);                                                         \
        cr_assert_eq(r_, RTP_ERR_NOSPACE, "measure: %d", r_);                   \
        cr_assert_eq(need, n_, "needed %zu want %zu", need, n_);                \
        out = (uint8_t *)malloc(n_);                                             \
        cap = n_ - 1;                                                            \
        need = 0;                                                                \
        r_ = (expr);                                                             \
        cr_assert_eq(r_, RTP_ERR_NOSPACE, "one byte short: %d", r_);            \
        cr_assert_eq(need, n_);                                                  \
        cap = n_;                                                                \
        r_ = (expr);                                                             \
        cr_assert_eq(r_, (int)n_, "got %d want %zu", r_, n_);                   \
        cr_assert(memcmp(out, (expect), n_) == 0, "bytes differ");              \
        free(out);                                                               \
    } while (0)

/* ---- RTP header-extension vectors (RFC 3550 §5.3.1, RFC 8285 §4) -------- */

typedef struct vec_el {
    int id;
    const char *data;
} vec_el;

typedef struct vec {
    const char *id, *hex;
    int version, padding, extension, cc, marker, pt;
    unsigned seq;
    uint32_t ts, ssrc;
    unsigned profile;
    int ext_words, form, n_el;
    vec_el el[4];
    const char *payload;
} vec;

static const vec vecs[] = {
#include "rtp_vectors.inc"
};
#define NVECS (sizeof vecs / sizeof vecs[0])

Test(rtp, rfc3550_s5_1_rfc8285_s4_vectors_parse)
{
    size_t i;
    for (i = 0; i < NVECS; i++) {
        const vec *v = &vecs[i];
        uint8_t b[256];
        size_t n = hx(v->hex, b);
        const uint8_t *g = gcopy(b, n);
        rtp_header h;
        rtp_ext_iter it;
        rtp_ext_elem e;
        int k, r;
        cr_assert_eq(rtp_parse(g, n, &h), 0, "%s", v->id);
        cr_assert_eq(h.version, v->version);
        cr_assert_eq(h.padding, v->padding);
        cr_assert_eq(h.extension, v->extension);
        cr_assert_eq(h.csrc_count, v->cc);
        cr_assert_eq(h.marker, v->marker);
        cr_assert_eq(h.payload_type, v->pt);
        cr_assert_eq(h.seq, v->seq);
        cr_assert_eq(h.timestamp, v->ts);
        cr_assert_eq(h.ssrc, v->ssrc);
        cr_assert_eq(h.ext_profile, v->profile);
        cr_assert_eq(h.ext.len, 4 * (size_t)v->ext_words, "%s", v->id);
        cr_assert(span_hex(h.payload, v->payload), "%s payload", v->id);
        cr_assert_eq((int)rtp_ext_form_of(h.ext_profile), v->form);
        if (v->form == 0) {
            cr_assert(span_hex(h.ext, v->el[0].data));
            cr_assert_eq(rtp_ext_iter_init(&it, &h), RTP_ERR_UNSUPPORTED);
        } else {
            cr_assert_eq(rtp_ext_iter_init(&it, &h), 0);
            for (k = 0; k < v->n_el; k++) {
                rtp_span d;
                cr_assert_eq(rtp_ext_next(&it, &e), 1, "%s el %d", v->id, k);
                cr_assert_eq(e.id, v->el[k].id);
                cr_assert(span_hex(e.data, v->el[k].data), "%s el %d data", v->id, k);
                cr_assert_eq(rtp_ext_find(&h, (uint8_t)v->el[k].id, &d), 1);
                cr_assert(span_hex(d, v->el[k].data));
            }
            r = rtp_ext_next(&it, &e);
            cr_assert_eq(r, 0, "%s: end %d", v->id, r);
            cr_assert_eq(rtp_ext_find(&h, 9, NULL), 0);
        }
        gfree(g, n);
    }
}

/* Every prefix shorter than the headers fails; longer ones are packets with
 * a shorter payload (RTP has no length field; RFC 3550 §5.1). */
Test(rtp, rfc3550_s5_1_vectors_truncated_prefixes)
{
    size_t i, k;
    for (i = 0; i < NVECS; i++) {
        uint8_t b[256];
        size_t n = hx(vecs[i].hex, b), hl;
        rtp_header h;
        cr_assert_eq(rtp_parse(b, n, &h), 0);
        hl = h.header_len;
        for (k = 0; k < n; k++) {
            const uint8_t *g = gcopy(b, k);
            int r = rtp_parse(g, k, &h);
            if (k < hl) cr_assert_eq(r, RTP_ERR_TRUNCATED, "%s prefix %zu: %d", vecs[i].id, k, r);
            else cr_assert(r == 0 && h.payload.len == k - hl);
            gfree(g, k);
        }
    }
}

/* parse(build(x)) == x and build(parse(bytes)) == bytes for the vectors. */
Test(rtp, rfc3550_s5_1_vectors_rebuild_exact)
{
    size_t i;
    for (i = 0; i < NVECS; i++) {
        uint8_t b[256], o[256];
        size_t n = hx(vecs[i].hex, b), need = 0;
        rtp_header h;
        rtp_packet_desc d;
        cr_assert_eq(rtp_parse(b, n, &h), 0);
        memset(&d, 0, sizeof d);
        d.marker = h.marker;
        d.payload_type = h.payload_type;
        d.seq = h.seq;
        d.timestamp = h.timestamp;
        d.ssrc = h.ssrc;
        d.extension = h.extension;
        d.ext_profile = h.ext_profile;
        d.ext = h.ext.p;
        d.ext_len = h.ext.len;
        d.payload = h.payload.p;
        d.payload_len = h.payload.len;
        cr_assert_eq(rtp_build(&d, o, sizeof o, &need), (int)n);
        cr_assert_eq(need, n);
        cr_assert(memcmp(o, b, n) == 0, "%s", vecs[i].id);
    }
}

/* JSON element_payloads: audio-level-v1-8, audio-level-v0-8,
 * transport-cc-seq-2, transport-cc-seq-2-extra (RFC 6464 §3; twcc draft §2). */
Test(rtp, rfc6464_s3_audio_level_and_transport_seq_vectors)
{
    uint8_t a = 0x88, b0 = 0x08, t[5] = {0, 2, 0, 0xff, 0xff}, o[2];
    int voice;
    uint8_t level;
    uint16_t seq;
    {
        rtp_span s = {&a, 1};
        cr_assert_eq(rtp_ext_audio_level_parse(s, &voice, &level), 0);
        cr_assert(voice == 1 && level == 8);
    }
    {
        rtp_span s = {&b0, 1};
        cr_assert_eq(rtp_ext_audio_level_parse(s, &voice, &level), 0);
        cr_assert(voice == 0 && level == 8);
    }
    {
        rtp_span s = {t, 2}, s5 = {t, 5}, s1 = {t, 1};
        cr_assert_eq(rtp_ext_transport_seq_parse(s, &seq), 0);
        cr_assert_eq(seq, 2);
        cr_assert_eq(rtp_ext_transport_seq_parse(s5, &seq), 0);
        cr_assert_eq(seq, 2);
        cr_assert_eq(rtp_ext_transport_seq_parse(s1, &seq), RTP_ERR_LENGTH);
    }
    cr_assert_eq(rtp_ext_audio_level_build(1, 8, o), 1);
    cr_assert_eq(o[0], 0x88);
    cr_assert_eq(rtp_ext_audio_level_build(0, 127, o), 1);
    cr_assert_eq(o[0], 0x7f);
    cr_assert_eq(rtp_ext_audio_level_build(0, 128, o), RTP_ERR_INVALID);
    cr_assert_eq(rtp_ext_transport_seq_build(0xabcd, o), 2);
    cr_assert(o[0] == 0xab && o[1] == 0xcd);
}

/* ---- RTP parse checks (RFC 3550 §5.1, §5.3, Appendix A.1) --------------- */

static const char pkt_basic[] = "80600001000000640000abcd0102030405"; /* PT 96, 5 bytes */

Test(rtp, rfc3550_s5_1_version_must_be_2)
{
    uint8_t b[64];
    size_t n = hx(pkt_basic, b);
    rtp_header h;
    unsigned v;
    for (v = 0; v < 4; v++) {
        b[0] = (uint8_t)((b[0] & 0x3f) | v << 6);
        cr_assert_eq(rtp_parse(b, n, &h), v == 2 ? 0 : RTP_ERR_VERSION);
    }
    cr_assert_eq(rtp_parse(b, 0, &h), RTP_ERR_TRUNCATED);
    cr_assert_eq(rtp_parse(b, n, NULL), RTP_ERR_INVALID);
}

Test(rtp, rfc3550_s5_1_padding_count_checks)
{
    uint8_t b[64];
    size_t n = hx("a0600001000000640000abcd01020003", b); /* P, 4 bytes: 01 02 00 03 */
    rtp_header h;
    const uint8_t *g = gcopy(b, n);
    cr_assert_eq(rtp_parse(g, n, &h), 0);
    cr_assert_eq(h.padding_len, 3);
    cr_assert(span_hex(h.payload, "01"));
    gfree(g, n);
    b[n - 1] = 0; /* count 0: invalid (it counts itself) */
    cr_assert_eq(rtp_parse(b, n, &h), RTP_ERR_PADDING);
    b[n - 1] = 4; /* whole payload is padding: empty payload */
    cr_assert_eq(rtp_parse(b, n, &h), 0);
    cr_assert_eq(h.payload.len, 0);
    b[n - 1] = 5; /* reaches into the header */
    cr_assert_eq(rtp_parse(b, n, &h), RTP_ERR_PADDING);
    /* P set but nothing after the header: the count octet would be in it */
    cr_assert_eq(rtp_parse(b, 12, &h), RTP_ERR_PADDING);
}

Test(rtp, rfc3550_s5_1_csrc_count_vs_length)
{
    uint8_t b[64];
    size_t n = hx("82600001000000640000abcd111111112222222299", b);
    rtp_header h;
    cr_assert_eq(rtp_parse(b, n, &h), 0);
    cr_assert_eq(h.csrc_count, 2);
    cr_assert_eq(rtp_u32_at(h.csrc, 0), 0x11111111u);
    cr_assert_eq(rtp_u32_at(h.csrc, 1), 0x22222222u);
    cr_assert_eq(h.payload.len, 1);
    b[0] = 0x83; /* three CSRCs claimed, 9 bytes there */
    cr_assert_eq(rtp_parse(b, n, &h), RTP_ERR_TRUNCATED);
    b[0] = 0x8f;
    cr_assert_eq(rtp_parse(b, n, &h), RTP_ERR_TRUNCATED);
}

Test(rtp, rfc3550_s5_3_1_extension_length_vs_buffer)
{
    uint8_t b[64];
    size_t n = hx("90600001000000640000abcdbede000110aa20bb", b);
    rtp_header h;
    cr_assert_eq(rtp_parse(b, n, &h), 0);
    cr_assert_eq(h.payload.len, 0);
    b[15] = 2; /* two words claimed, one present */
    cr_assert_eq(rtp_parse(b, n, &h), RTP_ERR_TRUNCATED);
    b[15] = 0xff;
    b[14] = 0xff;
    cr_assert_eq(rtp_parse(b, n, &h), RTP_ERR_TRUNCATED);
    b[14] = 0;
    b[15] = 0; /* zero-length extension is legal */
    cr_assert_eq(rtp_parse(b, 16, &h), 0);
    cr_assert(h.ext.p != NULL && h.ext.len == 0);
    cr_assert_eq(rtp_parse(b, 14, &h), RTP_ERR_TRUNCATED);
}

/* ---- RTP build (RFC 3550 §5.1) ----------------------------------------- */

Test(rtp, rfc3550_s5_1_build_exact_nospace_needed)
{
    uint8_t expect[64], pl[5] = {1, 2, 3, 4, 5};
    size_t n = hx("80e00001000000640000abcd0102030405", expect);
    rtp_packet_desc d;
    memset(&d, 0, sizeof d);
    d.marker = 1;
    d.payload_type = 96;
    d.seq = 1;
    d.timestamp = 100;
    d.ssrc = 0xabcd;
    d.payload = pl;
    d.payload_len = 5;
    BUILD_EXACT(rtp_build(&d, out, cap, &need), expect, n);
    d.payload_type = 128;
    cr_assert_eq(rtp_build(&d, expect, sizeof expect, NULL), RTP_ERR_INVALID);
    d.payload_type = 0;
    d.csrc_count = 16;
    cr_assert_eq(rtp_build(&d, expect, sizeof expect, NULL), RTP_ERR_INVALID);
    d.csrc_count = 0;
    d.extension = 1;
    d.ext_len = 3;
    cr_assert_eq(rtp_build(&d, expect, sizeof expect, NULL), RTP_ERR_INVALID);
}

Test(rtp, rfc3550_s5_1_roundtrip_csrc_ext_padding)
{
    uint32_t csrc[3] = {0xdeadbeef, 1, 0x80000000u};
    uint8_t ext[8] = {0x10, 0xaa, 0, 0, 0, 0, 0, 0}, pl[100], buf[512];
    unsigned pad;
    for (pad = 0; pad < 256; pad += 17) {
        rtp_packet_desc d;
        rtp_header h;
        int n;
        memset(&d, 0, sizeof d);
        memset(pl, 0x5a, sizeof pl);
        d.marker = (uint8_t)(pad & 1);
        d.payload_type = (uint8_t)(pad % 128);
        d.seq = (uint16_t)(pad * 257);
        d.timestamp = 0xfffffff0u + pad;
        d.ssrc = 0x12345678u;
        d.csrc = csrc;
        d.csrc_count = 3;
        d.extension = 1;
        d.ext_profile = 0xbede;
        d.ext = ext;
        d.ext_len = 8;
        d.payload = pl;
        d.payload_len = pad % 100;
        d.padding_len = (uint8_t)pad;
        n = rtp_build(&d, buf, sizeof buf, NULL);
        cr_assert_gt(n, 0);
        cr_assert_eq(rtp_parse(buf, (size_t)n, &h), 0);
        cr_assert(h.marker == d.marker && h.payload_type == d.payload_type &&
                  h.seq == d.seq && h.timestamp == d.timestamp && h.ssrc == d.ssrc);
        cr_assert_eq(h.csrc_count, 3);
        cr_assert(rtp_u32_at(h.csrc, 0) == csrc[0] && rtp_u32_at(h.csrc, 2) == csrc[2]);
        cr_assert(h.ext_profile == 0xbede && span_is(h.ext, ext, 8));
        cr_assert(span_is(h.payload, pl, d.payload_len));
        cr_assert_eq(h.padding, pad != 0);
        cr_assert_eq(h.padding_len, pad);
    }
}

/* ---- extension writer / iterator (RFC 8285 §4.2, §4.3) ------------------ */

Test(rtp, rfc8285_s4_2_writer_one_byte_exact)
{
    /* vector rtp-ext-1byte-three: 10aa 21bbbb 33cccccccc 0000 */
    uint8_t expect[16], blk[16], b4[4] = {0xcc, 0xcc, 0xcc, 0xcc}, bb[2] = {0xbb, 0xbb};
    uint8_t aa = 0xaa, big[17] = {0};
    size_t n = hx("10aa21bbbb33cccccccc0000", expect), need = 0;
    rtp_ext_writer w;
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, blk, sizeof blk);
    cr_assert_eq(rtp_ext_writer_add(&w, 1, &aa, 1), 0);
    cr_assert_eq(rtp_ext_writer_add(&w, 2, bb, 2), 0);
    cr_assert_eq(rtp_ext_writer_add(&w, 3, b4, 4), 0);
    cr_assert_eq(rtp_ext_writer_add(&w, 0, &aa, 1), RTP_ERR_INVALID);
    cr_assert_eq(rtp_ext_writer_add(&w, 15, &aa, 1), RTP_ERR_INVALID);
    cr_assert_eq(rtp_ext_writer_add(&w, 4, &aa, 0), RTP_ERR_INVALID);
    cr_assert_eq(rtp_ext_writer_add(&w, 4, big, 17), RTP_ERR_INVALID);
    cr_assert_eq(rtp_ext_writer_finish(&w, &need), (int)n);
    cr_assert(memcmp(blk, expect, n) == 0);
    /* too small: NOSPACE with the size needed */
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, blk, 5);
    rtp_ext_writer_add(&w, 1, &aa, 1);
    rtp_ext_writer_add(&w, 2, bb, 2);
    rtp_ext_writer_add(&w, 3, b4, 4);
    cr_assert_eq(rtp_ext_writer_finish(&w, &need), RTP_ERR_NOSPACE);
    cr_assert_eq(need, 12);
    rtp_ext_writer_init(&w, RTP_EXT_FORM_NONE, blk, 5);
    cr_assert_eq(rtp_ext_writer_add(&w, 1, &aa, 1), RTP_ERR_INVALID);
}

Test(rtp, rfc8285_s4_3_writer_two_byte_exact_and_in_packet)
{
    /* vector rtp-ext-2byte-large */
    uint8_t expect[128], blk[64], c17[17], bb = 0xbb, pkt[128], pl[5];
    size_t n = hx(vecs[7].hex, expect), need;
    rtp_ext_writer w;
    rtp_packet_desc d;
    int bl;
    memset(c17, 0xcc, sizeof c17);
    hx("9836be889e", pl);
    rtp_ext_writer_init(&w, RTP_EXT_FORM_TWO_BYTE, blk, sizeof blk);
    cr_assert_eq(rtp_ext_writer_add(&w, 1, NULL, 0), 0);
    cr_assert_eq(rtp_ext_writer_add(&w, 2, &bb, 1), 0);
    cr_assert_eq(rtp_ext_writer_add(&w, 3, c17, 17), 0);
    cr_assert_eq(rtp_ext_writer_add(&w, 0, &bb, 1), RTP_ERR_INVALID);
    bl = rtp_ext_writer_finish(&w, &need);
    cr_assert_eq(bl, 24);
    memset(&d, 0, sizeof d);
    d.marker = 1;
    d.payload_type = 96;
    d.seq = 27023;
    d.timestamp = 3653407706u;
    d.ssrc = 476325762u;
    d.extension = 1;
    d.ext_profile = RTP_EXT_PROFILE_TWO_BYTE;
    d.ext = blk;
    d.ext_len = (size_t)bl;
    d.payload = pl;
    d.payload_len = 5;
    cr_assert_eq(rtp_build(&d, pkt, sizeof pkt, NULL), (int)n);
    cr_assert(memcmp(pkt, expect, n) == 0);
}

Test(rtp, rfc8285_s4_iterator_bad_lengths)
{
    rtp_ext_iter it;
    rtp_ext_elem e;
    uint8_t one[4] = {0x13, 0xaa, 0xbb, 0xcc}; /* id 1, 4 bytes, 3 present */
    uint8_t two[4] = {0x05, 0x03, 0xaa, 0xbb};  /* id 5, 3 bytes, 2 present */
    uint8_t two_hdr[4] = {0, 0, 0, 0x07};        /* padding then a lone id */
    uint8_t pad[4] = {0x00, 0x00, 0x00, 0x00};
    uint8_t id0[4] = {0x05, 0x10, 0xaa, 0x00};   /* ID 0 with L=5 skipped as padding */
    rtp_span s;
    s.p = one;
    s.len = 4;
    cr_assert_eq(rtp_ext_iter_init_block(&it, 0xbede, s), 0);
    cr_assert_eq(rtp_ext_next(&it, &e), RTP_ERR_LENGTH);
    cr_assert_eq(rtp_ext_next(&it, &e), RTP_ERR_LENGTH);
    s.p = two;
    cr_assert_eq(rtp_ext_iter_init_block(&it, 0x1003, s), 0);
    cr_assert_eq(rtp_ext_next(&it, &e), RTP_ERR_LENGTH);
    s.p = two_hdr;
    cr_assert_eq(rtp_ext_iter_init_block(&it, 0x1000, s), 0);
    cr_assert_eq(rtp_ext_next(&it, &e), RTP_ERR_LENGTH);
    s.p = pad;
    cr_assert_eq(rtp_ext_iter_init_block(&it, 0xbede, s), 0);
    cr_assert_eq(rtp_ext_next(&it, &e), 0);
    s.p = id0;
    cr_assert_eq(rtp_ext_iter_init_block(&it, 0xbede, s), 0);
    cr_assert_eq(rtp_ext_next(&it, &e), 1);
    cr_assert(e.id == 1 && e.data.len == 1 && e.data.p[0] == 0xaa);
    cr_assert_eq(rtp_ext_next(&it, &e), 0);
    cr_assert_eq(rtp_ext_iter_init_block(&it, 0x2000, s), RTP_ERR_UNSUPPORTED);
    cr_assert_eq(rtp_ext_form_of(0x100f), RTP_EXT_FORM_TWO_BYTE);
    cr_assert_eq(rtp_ext_form_of(0x1010), RTP_EXT_FORM_NONE);
}

Test(rtp, rfc8285_s4_no_extension_iterates_empty)
{
    uint8_t b[64];
    size_t n = hx(pkt_basic, b);
    rtp_header h;
    rtp_ext_iter it;
    rtp_ext_elem e;
    cr_assert_eq(rtp_parse(b, n, &h), 0);
    cr_assert_eq(rtp_ext_iter_init(&it, &h), 0);
    cr_assert_eq(rtp_ext_next(&it, &e), 0);
    cr_assert_eq(rtp_ext_find(&h, 1, NULL), 0);
}

/* ---- typed extension values -------------------------------------------- */

Test(rtp, rfc7742_s4_video_orientation_all_values)
{
    unsigned c, f, r;
    for (c = 0; c < 2; c++)
        for (f = 0; f < 2; f++)
            for (r = 0; r < 4; r++) {
                rtp_video_orientation v, w;
                uint8_t o;
                rtp_span s = {&o, 1};
                v.camera = (uint8_t)c;
                v.flip = (uint8_t)f;
                v.rotation = (uint8_t)r;
                cr_assert_eq(rtp_ext_video_orientation_build(&v, &o), 1);
                cr_assert_eq(o, c << 3 | f << 2 | r);
                cr_assert_eq(rtp_ext_video_orientation_parse(s, &w), 0);
                cr_assert(w.camera == c && w.flip == f && w.rotation == r);
            }
    {
        rtp_video_orientation v = {0, 0, 4};
        uint8_t o;
        rtp_span s = {&o, 0};
        cr_assert_eq(rtp_ext_video_orientation_build(&v, &o), RTP_ERR_INVALID);
        cr_assert_eq(rtp_ext_video_orientation_parse(s, &v), RTP_ERR_LENGTH);
    }
}

Test(rtp, abs_send_time_6_18_all_values_roundtrip)
{
    uint32_t v;
    uint8_t o[3];
    rtp_span s = {o, 3};
    uint32_t back;
    cr_assert_eq(rtp_abs_send_time_from_us(1000000), 1u << 18);
    cr_assert_eq(rtp_abs_send_time_from_us(64000000), 0);
    cr_assert_eq(rtp_abs_send_time_from_us(65000000), 1u << 18);
    cr_assert_eq(rtp_abs_send_time_to_us(1u << 18), 1000000);
    cr_assert_eq(rtp_abs_send_time_to_us(0xffffff), 63999996);
    for (v = 0; v < (1u << 24); v++)
        if (rtp_abs_send_time_from_us(rtp_abs_send_time_to_us(v)) != v)
            cr_assert_fail("abs-send-time %u", v);
    cr_assert_eq(rtp_ext_abs_send_time_build(0x123456, o), 3);
    cr_assert(o[0] == 0x12 && o[1] == 0x34 && o[2] == 0x56);
    cr_assert_eq(rtp_ext_abs_send_time_parse(s, &back), 0);
    cr_assert_eq(back, 0x123456);
    s.len = 2;
    cr_assert_eq(rtp_ext_abs_send_time_parse(s, &back), RTP_ERR_LENGTH);
}

Test(rtp, rfc8843_s15_mid_rfc8852_s3_rid)
{
    rtp_span s, out;
    s.p = (const uint8_t *)"audio0";
    s.len = 6;
    cr_assert_eq(rtp_ext_mid_parse(s, &out), 0);
    cr_assert(out.p == s.p && out.len == 6);
    cr_assert_eq(rtp_ext_rid_parse(s, &out), 0);
    s.p = (const uint8_t *)"a.b";
    s.len = 3;
    cr_assert_eq(rtp_ext_mid_parse(s, &out), 0);
    cr_assert_eq(rtp_ext_rid_parse(s, &out), RTP_ERR_SYNTAX);
    s.p = (const uint8_t *)"a b";
    cr_assert_eq(rtp_ext_mid_parse(s, &out), RTP_ERR_SYNTAX);
    s.len = 0;
    cr_assert_eq(rtp_ext_mid_parse(s, &out), RTP_ERR_SYNTAX);
    cr_assert_eq(rtp_ext_rid_parse(s, &out), RTP_ERR_SYNTAX);
}

/* ---- RTCP: SR / RR (RFC 3550 §6.4) -------------------------------------- */

static const char sr_hex[] =
    "81c8000c01020304aabbccdd1122334455667788 0000000a000003e8"
    "0a0b0c0d40ffffff00010002 00000020ccdd112200010000";

static size_t hxs(const char *hex, uint8_t *out) /* hex with spaces */
{
    char tmp[2048];
    size_t i, j = 0;
    for (i = 0; hex[i] && j + 1 < sizeof tmp; i++)
        if (hex[i] != ' ') tmp[j++] = hex[i];
    tmp[j] = 0;
    return hx(tmp, out);
}

static rtcp_sender_info sr_si(void)
{
    rtcp_sender_info si;
    si.ntp = 0xaabbccdd11223344ull;
    si.rtp_ts = 0x55667788u;
    si.packet_count = 10;
    si.octet_count = 1000;
    return si;
}

static rtcp_report_block sr_rb(void)
{
    rtcp_report_block b;
    b.ssrc = 0x0a0b0c0d;
    b.fraction_lost = 0x40;
    b.cumulative_lost = -1;
    b.ext_highest_seq = 0x00010002;
    b.jitter = 0x20;
    b.lsr = 0xccdd1122u;
    b.dlsr = 0x10000;
    return b;
}

Test(rtcp, rfc3550_s6_4_1_sr_build_exact_parse)
{
    uint8_t expect[128];
    size_t n = hxs(sr_hex, expect);
    rtcp_sender_info si = sr_si();
    rtcp_report_block rb = sr_rb(), got;
    rtcp_walker w;
    rtcp_packet p;
    rtcp_report r;
    const uint8_t *g;
    BUILD_EXACT(rtcp_report_build(0x01020304, &si, &rb, 1, out, cap, &need), expect, n);
    g = gcopy(expect, n);
    rtcp_walk_init(&w, g, n, 0);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert(p.pt == RTCP_SR && p.count == 1 && p.len == n);
    cr_assert_eq(rtcp_report_parse(&p, &r), 0);
    cr_assert(r.is_sr && r.ssrc == 0x01020304 && r.si.ntp == si.ntp && r.si.rtp_ts == si.rtp_ts &&
              r.si.packet_count == 10 && r.si.octet_count == 1000 && r.rb_count == 1);
    rtcp_report_block_get(&r, 0, &got);
    cr_assert(memcmp(&got, &rb, sizeof got) == 0 || (got.ssrc == rb.ssrc &&
              got.fraction_lost == rb.fraction_lost && got.cumulative_lost == -1 &&
              got.ext_highest_seq == rb.ext_highest_seq && got.jitter == rb.jitter &&
              got.lsr == rb.lsr && got.dlsr == rb.dlsr));
    cr_assert_eq(r.ext.len, 0);
    cr_assert_eq(rtcp_walk_next(&w, &p), 0);
    gfree(g, n);
}

Test(rtcp, rfc3550_s6_4_2_rr_roundtrip_cumulative_lost_24bit)
{
    int32_t cls[] = {0, 1, -1, 8388607, -8388608, 9000000, -9000000, 12345};
    rtcp_report_block rb[8];
    uint8_t buf[512];
    unsigned i;
    int n;
    rtcp_packet p;
    rtcp_walker w;
    rtcp_report r;
    for (i = 0; i < 8; i++) {
        memset(&rb[i], 0, sizeof rb[i]);
        rb[i].ssrc = i * 0x01010101u;
        rb[i].fraction_lost = (uint8_t)(i * 31);
        rb[i].cumulative_lost = cls[i];
        rb[i].ext_highest_seq = 0xfffffff0u + i;
        rb[i].jitter = i;
        rb[i].lsr = ~i;
        rb[i].dlsr = i << 16;
    }
    n = rtcp_report_build(0xfeedface, NULL, rb, 8, buf, sizeof buf, NULL);
    cr_assert_eq(n, 8 + 8 * 24);
    rtcp_walk_init(&w, buf, (size_t)n, 0);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(rtcp_report_parse(&p, &r), 0);
    cr_assert(!r.is_sr && r.ssrc == 0xfeedface && r.rb_count == 8);
    for (i = 0; i < 8; i++) {
        rtcp_report_block b;
        int32_t want = cls[i] > 8388607 ? 8388607 : cls[i] < -8388608 ? -8388608 : cls[i];
        rtcp_report_block_get(&r, i, &b);
        cr_assert_eq(b.cumulative_lost, want, "%u: %d", i, b.cumulative_lost);
        cr_assert(b.ssrc == rb[i].ssrc && b.fraction_lost == rb[i].fraction_lost &&
                  b.ext_highest_seq == rb[i].ext_highest_seq && b.jitter == rb[i].jitter &&
                  b.lsr == rb[i].lsr && b.dlsr == rb[i].dlsr);
    }
    cr_assert_eq(rtcp_report_build(1, NULL, rb, 32, buf, sizeof buf, NULL), RTP_ERR_INVALID);
    /* RC larger than the body: bad length */
    buf[0] = 0x89;
    rtcp_walk_init(&w, buf, (size_t)n, 0);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(rtcp_report_parse(&p, &r), RTP_ERR_LENGTH);
    cr_assert_eq(rtcp_report_parse(&p, &r), RTP_ERR_LENGTH);
}

Test(rtcp, rfc3550_s6_4_1_ntp_helpers)
{
    uint64_t us;
    cr_assert_eq(rtcp_ntp_from_unix_us(0), (uint64_t)RTCP_NTP_UNIX_OFFSET << 32);
    cr_assert_eq(rtcp_ntp_from_us(1500000), (1ull << 32) | 0x80000000u);
    cr_assert_eq(rtcp_ntp_to_us((1ull << 32) | 0x80000000u), 1500000);
    cr_assert_eq(rtcp_ntp_mid32(0xaabbccdd11223344ull), 0xccdd1122u);
    for (us = 0; us < 3000000; us += 7)
        if (rtcp_ntp_to_us(rtcp_ntp_from_us(us)) != us) cr_assert_fail("ntp %llu", (unsigned long long)us);
    us = 1700000000123456ull;
    cr_assert_eq(rtcp_ntp_to_unix_us(rtcp_ntp_from_unix_us(us)), us);
    /* era 1: after 2036-02-07 the seconds field wraps */
    us = (0x100000000ull - RTCP_NTP_UNIX_OFFSET + 10) * 1000000ull;
    cr_assert_eq(rtcp_ntp_from_unix_us(us) >> 32, 10);
    cr_assert_eq(rtcp_ntp_to_unix_us(rtcp_ntp_from_unix_us(us)), us);
    cr_assert_eq(rtcp_dlsr_from_us(1000000), 65536);
    cr_assert_eq(rtcp_dlsr_to_us(65536), 1000000);
    cr_assert_eq(rtcp_dlsr_from_us(UINT64_MAX), 0xffffffffu);
    cr_assert_leq(rtcp_dlsr_to_us(rtcp_dlsr_from_us(5000)) - 4992, 16); /* 15.26 µs units */
}

/* ---- compound walker (RFC 3550 §6.4.1, Appendix A.2; RFC 5506 §3.1) ----- */

static size_t make_sr_sdes(uint8_t *buf, size_t cap)
{
    rtcp_sender_info si = sr_si();
    rtcp_report_block rb = sr_rb();
    rtcp_sdes_item it;
    rtcp_sdes_chunk ch;
    int a, b;
    memset(&it, 0, sizeof it);
    it.type = RTCP_SDES_CNAME;
    it.value.p = (const uint8_t *)"user@host";
    it.value.len = 9;
    ch.ssrc = 0x01020304;
    ch.items = &it;
    ch.n_items = 1;
    a = rtcp_report_build(0x01020304, &si, &rb, 1, buf, cap, NULL);
    cr_assert_gt(a, 0);
    b = rtcp_sdes_build(&ch, 1, buf + a, cap - (size_t)a, NULL);
    cr_assert_gt(b, 0);
    return (size_t)(a + b);
}

Test(rtcp, rfc3550_a2_compound_truncated_prefixes)
{
    uint8_t buf[256];
    size_t n = make_sr_sdes(buf, sizeof buf), k;
    cr_assert_eq(rtcp_compound_check(buf, n, 0), 2);
    for (k = 0; k < n; k++) {
        const uint8_t *g = gcopy(buf, k);
        int r = rtcp_compound_check(g, k, 0);
        if (k == 52) cr_assert_eq(r, 1); /* ends after the SR */
        else cr_assert_eq(r, RTP_ERR_TRUNCATED, "prefix %zu: %d", k, r);
        gfree(g, k);
    }
}

Test(rtcp, rfc3550_a2_first_packet_version_padding_rules)
{
    uint8_t buf[256], sdes_first[256];
    size_t n = make_sr_sdes(buf, sizeof buf);
    /* the SDES alone: not a valid compound, but valid reduced-size RTCP */
    memcpy(sdes_first, buf + 52, n - 52);
    cr_assert_eq(rtcp_compound_check(sdes_first, n - 52, 0), RTP_ERR_TYPE);
    cr_assert_eq(rtcp_compound_check(sdes_first, n - 52, RTCP_REDUCED_SIZE), 1);
    /* version 1 in the second packet */
    buf[52] = (uint8_t)((buf[52] & 0x3f) | 0x40);
    cr_assert_eq(rtcp_compound_check(buf, n, 0), RTP_ERR_VERSION);
    buf[52] = (uint8_t)((buf[52] & 0x3f) | 0x80);
    /* padding bit on the first (not last) packet */
    buf[0] |= 0x20;
    cr_assert_eq(rtcp_compound_check(buf, n, 0), RTP_ERR_PADDING);
    buf[0] &= (uint8_t)~0x20;
    /* a length that overruns the compound */
    buf[55]++;
    cr_assert_eq(rtcp_compound_check(buf, n, 0), RTP_ERR_TRUNCATED);
    buf[55]--;
    buf[3]++; /* the SR claims 4 bytes of the SDES: the rest is no packet */
    cr_assert_eq(rtcp_compound_check(buf, n, 0), RTP_ERR_VERSION);
    buf[3]--;
    cr_assert_eq(rtcp_compound_check(buf, 0, 0), RTP_ERR_TRUNCATED);
    cr_assert_eq(rtcp_compound_check(NULL, 0, RTCP_REDUCED_SIZE), RTP_ERR_TRUNCATED);
}

Test(rtcp, rfc3550_s6_4_1_padding_on_last_packet)
{
    /* BYE with P: one SSRC, 4 octets of padding (count 4) */
    uint8_t b[64];
    size_t n = hx("a1cb00020102030400000004", b);
    rtcp_walker w;
    rtcp_packet p;
    rtcp_bye bye;
    rtcp_walk_init(&w, b, n, RTCP_REDUCED_SIZE);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert(p.padding && p.body.len == 4);
    cr_assert_eq(rtcp_bye_parse(&p, &bye), 0);
    cr_assert(bye.count == 1 && rtp_u32_at(bye.ssrcs, 0) == 0x01020304 && bye.reason.p == NULL);
    b[n - 1] = 0;
    cr_assert_eq(rtcp_compound_check(b, n, RTCP_REDUCED_SIZE), RTP_ERR_PADDING);
    b[n - 1] = 9;
    cr_assert_eq(rtcp_compound_check(b, n, RTCP_REDUCED_SIZE), RTP_ERR_PADDING);
}

/* ---- SDES (RFC 3550 §6.5) ---------------------------------------------- */

Test(rtcp, rfc3550_s6_5_sdes_cname_exact)
{
    uint8_t expect[64];
    size_t n = hx("81ca00031122334401026162" "00000000", expect);
    rtcp_sdes_item it;
    rtcp_sdes_chunk ch;
    memset(&it, 0, sizeof it);
    it.type = RTCP_SDES_CNAME;
    it.value.p = (const uint8_t *)"ab";
    it.value.len = 2;
    ch.ssrc = 0x11223344;
    ch.items = &it;
    ch.n_items = 1;
    BUILD_EXACT(rtcp_sdes_build(&ch, 1, out, cap, &need), expect, n);
}

Test(rtcp, rfc3550_s6_5_sdes_all_items_roundtrip)
{
    static const char *vals[] = {"", "cname@x", "Name", "a@b.c", "+1 555", "here", "cvoip", "note"};
    rtcp_sdes_item items[9], got;
    rtcp_sdes_chunk ch[3];
    uint8_t buf[512];
    rtcp_sdes_iter it;
    rtcp_packet p;
    rtcp_walker w;
    int n, i, k = 0;
    memset(items, 0, sizeof items);
    for (i = 1; i <= 7; i++) {
        items[i - 1].type = (uint8_t)i;
        items[i - 1].value.p = (const uint8_t *)vals[i];
        items[i - 1].value.len = strlen(vals[i]);
    }
    items[7].type = RTCP_SDES_PRIV;
    items[7].prefix.p = (const uint8_t *)"x-pfx";
    items[7].prefix.len = 5;
    items[7].value.p = (const uint8_t *)"val";
    items[7].value.len = 3;
    ch[0].ssrc = 1;
    ch[0].items = items;
    ch[0].n_items = 8;
    ch[1].ssrc = 2; /* empty chunk */
    ch[1].items = NULL;
    ch[1].n_items = 0;
    ch[2].ssrc = 3;
    ch[2].items = items;
    ch[2].n_items = 1;
    n = rtcp_sdes_build(ch, 3, buf, sizeof buf, NULL);
    cr_assert_gt(n, 0);
    cr_assert_eq(n % 4, 0);
    rtcp_walk_init(&w, buf, (size_t)n, RTCP_REDUCED_SIZE);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(rtcp_sdes_iter_init(&it, &p), 0);
    while ((i = rtcp_sdes_next(&it, &got)) == 1) {
        const rtcp_sdes_item *want = k < 8 ? &items[k] : &items[0];
        cr_assert_eq(got.ssrc, k < 8 ? 1u : 3u);
        cr_assert_eq(got.chunk, k < 8 ? 0u : 2u);
        cr_assert_eq(got.type, want->type);
        cr_assert(span_is(got.value, want->value.p, want->value.len), "item %d", k);
        cr_assert(span_is(got.prefix, want->prefix.p, want->prefix.len));
        k++;
    }
    cr_assert_eq(i, 0);
    cr_assert_eq(k, 9);
    /* bad arguments */
    items[8].type = 0;
    ch[0].items = &items[8];
    ch[0].n_items = 1;
    cr_assert_eq(rtcp_sdes_build(ch, 1, buf, sizeof buf, NULL), RTP_ERR_INVALID);
    cr_assert_eq(rtcp_sdes_build(ch, 32, buf, sizeof buf, NULL), RTP_ERR_INVALID);
}

static int sdes_walk(const char *hex)
{
    uint8_t b[128];
    size_t n = hx(hex, b);
    const uint8_t *g = gcopy(b, n);
    rtcp_walker w;
    rtcp_packet p;
    rtcp_sdes_iter it;
    rtcp_sdes_item item;
    int r;
    rtcp_walk_init(&w, g, n, RTCP_REDUCED_SIZE);
    r = rtcp_walk_next(&w, &p);
    if (r == 1) {
        rtcp_sdes_iter_init(&it, &p);
        while ((r = rtcp_sdes_next(&it, &item)) == 1) {}
    }
    gfree(g, n);
    return r;
}

Test(rtcp, rfc3550_s6_5_sdes_bad_lengths)
{
    cr_assert_eq(sdes_walk("81ca0003112233440102616200000000"), 0);
    /* item length past the body */
    cr_assert_eq(sdes_walk("81ca0003112233440109616200000000"), RTP_ERR_LENGTH);
    /* no null terminator before the end */
    cr_assert_eq(sdes_walk("81ca0003112233440102616200"), RTP_ERR_TRUNCATED);
    cr_assert_eq(sdes_walk("81ca00021122334401026162"), RTP_ERR_LENGTH);
    /* PRIV prefix longer than the item */
    cr_assert_eq(sdes_walk("81ca0003112233440802056100000000"), RTP_ERR_LENGTH);
    /* SC = 2 but one chunk */
    cr_assert_eq(sdes_walk("82ca0003112233440102616200000000"), RTP_ERR_LENGTH);
    /* SC = 0 with bytes */
    cr_assert_eq(sdes_walk("80ca0003112233440102616200000000"), RTP_ERR_LENGTH);
    /* SC = 0, empty */
    cr_assert_eq(sdes_walk("80ca0000"), 0);
}

/* ---- BYE, APP (RFC 3550 §6.6, §6.7) ------------------------------------ */

Test(rtcp, rfc3550_s6_6_bye_exact_parse_bad)
{
    uint8_t expect[64];
    size_t n = hx("81cb00021122334403627965", expect);
    uint32_t ss = 0x11223344;
    rtp_span reason;
    rtcp_packet p;
    rtcp_bye b;
    reason.p = (const uint8_t *)"bye";
    reason.len = 3;
    BUILD_EXACT(rtcp_bye_build(&ss, 1, reason, out, cap, &need), expect, n);
    cr_assert_eq(rtcp_compound_check(expect, n, RTCP_REDUCED_SIZE), 1);
    {
        rtcp_walker w;
        rtcp_walk_init(&w, expect, n, RTCP_REDUCED_SIZE);
        rtcp_walk_next(&w, &p);
    }
    cr_assert_eq(rtcp_bye_parse(&p, &b), 0);
    cr_assert(b.count == 1 && rtp_u32_at(b.ssrcs, 0) == ss);
    cr_assert(span_is(b.reason, (const uint8_t *)"bye", 3));
    {
        rtcp_app a;
        cr_assert_eq(rtcp_app_parse(&p, &a), RTP_ERR_TYPE);
    }
    expect[8] = 4; /* reason longer than the packet */
    cr_assert_eq(rtcp_bye_parse(&p, &b), RTP_ERR_LENGTH);
    expect[8] = 3;
    expect[0] = 0x83; /* three SSRCs claimed */
    p.count = 3;
    cr_assert_eq(rtcp_bye_parse(&p, &b), RTP_ERR_LENGTH);
    reason.len = 256;
    cr_assert_eq(rtcp_bye_build(&ss, 1, reason, expect, sizeof expect, NULL), RTP_ERR_INVALID);
}

Test(rtcp, rfc3550_s6_7_app_exact_parse)
{
    uint8_t expect[64], data[4] = {1, 2, 3, 4};
    size_t n = hx("83cc00030000000154455354" "01020304", expect);
    rtcp_walker w;
    rtcp_packet p;
    rtcp_app a;
    BUILD_EXACT(rtcp_app_build(3, 1, (const uint8_t *)"TEST", data, 4, out, cap, &need), expect, n);
    rtcp_walk_init(&w, expect, n, RTCP_REDUCED_SIZE);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(rtcp_app_parse(&p, &a), 0);
    cr_assert(a.subtype == 3 && a.ssrc == 1 && memcmp(a.name, "TEST", 4) == 0);
    cr_assert(span_is(a.data, data, 4));
    cr_assert_eq(rtcp_app_build(3, 1, (const uint8_t *)"TEST", data, 3, expect, 64, NULL), RTP_ERR_INVALID);
    cr_assert_eq(rtcp_app_build(32, 1, (const uint8_t *)"TEST", data, 4, expect, 64, NULL), RTP_ERR_INVALID);
    /* 4-byte body: too short for SSRC + name */
    n = hx("80cc000100000001", expect);
    rtcp_walk_init(&w, expect, n, RTCP_REDUCED_SIZE);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(rtcp_app_parse(&p, &a), RTP_ERR_LENGTH);
}

/* ---- XR (RFC 3611 §2, §4.4-§4.7) --------------------------------------- */

Test(rtcp, rfc3611_s4_4_rrt_exact)
{
    uint8_t expect[32];
    size_t n = hx("0400000211223344aabbccdd", expect);
    BUILD_EXACT(rtcp_xr_rrt_build(0x11223344aabbccddull, out, cap, &need), expect, n);
    n = hx("80cf0004deadbeef" "0400000211223344aabbccdd", expect);
    {
        uint8_t blk[12];
        hx("0400000211223344aabbccdd", blk);
        BUILD_EXACT(rtcp_xr_build(0xdeadbeef, blk, 12, out, cap, &need), expect, n);
    }
}

Test(rtcp, rfc3611_s4_blocks_roundtrip)
{
    uint8_t blocks[256], pkt[300];
    size_t bl = 0;
    int r, n;
    rtcp_xr_dlrr_item dl[2] = {{1, 2, 3}, {0xffffffffu, 0x12345678u, 0x9abcdef0u}}, dg;
    rtcp_xr_stats st, sg;
    rtcp_xr_voip vo, vg;
    rtcp_walker w;
    rtcp_packet p;
    rtcp_xr xr;
    rtcp_xr_iter it;
    rtcp_xr_block b;
    uint64_t ntp;
    memset(&st, 0, sizeof st);
    st.loss_flag = 1;
    st.jitter_flag = 1;
    st.toh = 2;
    st.ssrc = 0x5555aaaa;
    st.begin_seq = 100;
    st.end_seq = 65000;
    st.lost_packets = 7;
    st.dup_packets = 1;
    st.min_jitter = 2;
    st.max_jitter = 90;
    st.mean_jitter = 30;
    st.dev_jitter = 5;
    st.min_ttl_or_hl = 60;
    st.max_ttl_or_hl = 64;
    st.mean_ttl_or_hl = 62;
    st.dev_ttl_or_hl = 1;
    memset(&vo, 0, sizeof vo);
    vo.ssrc = 0x77;
    vo.loss_rate = 12;
    vo.discard_rate = 3;
    vo.burst_density = 200;
    vo.gap_density = 4;
    vo.burst_duration = 120;
    vo.gap_duration = 5000;
    vo.round_trip_delay = 80;
    vo.end_system_delay = 40;
    vo.signal_level = -20;
    vo.noise_level = -70;
    vo.rerl = 127;
    vo.gmin = 16;
    vo.r_factor = 87;
    vo.ext_r_factor = 127;
    vo.mos_lq = 41;
    vo.mos_cq = 40;
    vo.rx_config = 0xc4;
    vo.jb_nominal = 40;
    vo.jb_maximum = 120;
    vo.jb_abs_max = 200;
    r = rtcp_xr_rrt_build(0x0102030405060708ull, blocks + bl, sizeof blocks - bl, NULL);
    cr_assert_eq(r, 12);
    bl += (size_t)r;
    r = rtcp_xr_dlrr_build(dl, 2, blocks + bl, sizeof blocks - bl, NULL);
    cr_assert_eq(r, 28);
    bl += (size_t)r;
    r = rtcp_xr_stats_build(&st, blocks + bl, sizeof blocks - bl, NULL);
    cr_assert_eq(r, 40);
    bl += (size_t)r;
    r = rtcp_xr_voip_build(&vo, blocks + bl, sizeof blocks - bl, NULL);
    cr_assert_eq(r, 36);
    bl += (size_t)r;
    n = rtcp_xr_build(0xabcdef01, blocks, bl, pkt, sizeof pkt, NULL);
    cr_assert_eq(n, (int)(8 + bl));
    rtcp_walk_init(&w, pkt, (size_t)n, RTCP_REDUCED_SIZE);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(rtcp_xr_parse(&p, &xr), 0);
    cr_assert_eq(xr.ssrc, 0xabcdef01);
    rtcp_xr_iter_init(&it, &xr);
    cr_assert_eq(rtcp_xr_next(&it, &b), 1);
    cr_assert_eq(rtcp_xr_rrt_parse(&b, &ntp), 0);
    cr_assert_eq(ntp, 0x0102030405060708ull);
    cr_assert_eq(rtcp_xr_dlrr_count(&b), RTP_ERR_TYPE);
    cr_assert_eq(rtcp_xr_next(&it, &b), 1);
    cr_assert_eq(rtcp_xr_dlrr_count(&b), 2);
    rtcp_xr_dlrr_get(&b, 1, &dg);
    cr_assert(dg.ssrc == dl[1].ssrc && dg.lrr == dl[1].lrr && dg.dlrr == dl[1].dlrr);
    cr_assert_eq(rtcp_xr_next(&it, &b), 1);
    memset(&sg, 0, sizeof sg);
    cr_assert_eq(rtcp_xr_stats_parse(&b, &sg), 0);
    cr_assert(memcmp(&sg, &st, sizeof sg) == 0);
    cr_assert_eq(rtcp_xr_next(&it, &b), 1);
    memset(&vg, 0, sizeof vg);
    cr_assert_eq(rtcp_xr_voip_parse(&b, &vg), 0);
    cr_assert(memcmp(&vg, &vo, sizeof vg) == 0);
    cr_assert_eq(rtcp_xr_next(&it, &b), 0);
    /* XR's block length past the end */
    pkt[8 + 3] = 3;
    rtcp_xr_iter_init(&it, &xr);
    cr_assert_eq(rtcp_xr_next(&it, &b), 1);
    cr_assert_eq(rtcp_xr_rrt_parse(&b, &ntp), RTP_ERR_LENGTH);
    pkt[8 + 3] = 200;
    rtcp_xr_iter_init(&it, &xr);
    cr_assert_eq(rtcp_xr_next(&it, &b), RTP_ERR_LENGTH);
    st.toh = 4;
    cr_assert_eq(rtcp_xr_stats_build(&st, blocks, sizeof blocks, NULL), RTP_ERR_INVALID);
}

Test(rtcp, rfc3611_s4_truncated_blocks)
{
    uint8_t b[64];
    size_t n = hx("80cf0003deadbeef" "05000001" "00000001", b), k;
    rtcp_walker w;
    rtcp_packet p;
    rtcp_xr xr;
    rtcp_xr_iter it;
    rtcp_xr_block blk;
    rtcp_walk_init(&w, b, n, RTCP_REDUCED_SIZE);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(rtcp_xr_parse(&p, &xr), 0);
    rtcp_xr_iter_init(&it, &xr);
    cr_assert_eq(rtcp_xr_next(&it, &blk), 1);
    cr_assert_eq(rtcp_xr_dlrr_count(&blk), RTP_ERR_LENGTH); /* 4 bytes, not 12 */
    for (k = 0; k < 3; k++) {
        xr.blocks.len = k;
        rtcp_xr_iter_init(&it, &xr);
        cr_assert_eq(rtcp_xr_next(&it, &blk), k ? RTP_ERR_LENGTH : 0);
    }
    n = hx("80cf0000", b);
    rtcp_walk_init(&w, b, n, RTCP_REDUCED_SIZE);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(rtcp_xr_parse(&p, &xr), RTP_ERR_LENGTH);
}

/* ---- compound building (RFC 3550 §6.1, RFC 5506 §3.1) ------------------ */

Test(rtcp, rfc3550_s6_1_compound_builder_rules)
{
    uint8_t parts[256], out[256];
    size_t n = make_sr_sdes(parts, sizeof parts), need;
    rtcp_compound c;
    uint32_t ss = 1;
    rtp_span none = {NULL, 0};
    uint8_t bye[16];
    int bl = rtcp_bye_build(&ss, 1, none, bye, sizeof bye, NULL);
    cr_assert_eq(bl, 8);
    /* SR, SDES(CNAME), BYE */
    rtcp_compound_init(&c, out, sizeof out, 0);
    cr_assert_eq(rtcp_compound_add(&c, parts, 52), 0);
    cr_assert_eq(rtcp_compound_add(&c, parts + 52, n - 52), 0);
    cr_assert_eq(rtcp_compound_add(&c, bye, 8), 0);
    cr_assert_eq(rtcp_compound_finish(&c, &need), (int)n + 8);
    cr_assert(memcmp(out, parts, n) == 0);
    cr_assert_eq(rtcp_compound_check(out, n + 8, 0), 3);
    /* SDES first */
    rtcp_compound_init(&c, out, sizeof out, 0);
    cr_assert_eq(rtcp_compound_add(&c, parts + 52, n - 52), RTP_ERR_ORDER);
    /* no CNAME */
    rtcp_compound_init(&c, out, sizeof out, 0);
    cr_assert_eq(rtcp_compound_add(&c, parts, 52), 0);
    cr_assert_eq(rtcp_compound_finish(&c, &need), RTP_ERR_ORDER);
    /* reduced size: a BYE alone */
    rtcp_compound_init(&c, out, sizeof out, RTCP_REDUCED_SIZE);
    cr_assert_eq(rtcp_compound_finish(&c, &need), RTP_ERR_INVALID);
    cr_assert_eq(rtcp_compound_add(&c, bye, 8), 0);
    cr_assert_eq(rtcp_compound_finish(&c, &need), 8);
    /* wrong length / not one packet */
    cr_assert_eq(rtcp_compound_add(&c, parts, 51), RTP_ERR_TRUNCATED);
    cr_assert_eq(rtcp_compound_add(&c, parts, 60), RTP_ERR_LENGTH);
    /* NOSPACE with the size needed */
    rtcp_compound_init(&c, out, 60, 0);
    cr_assert_eq(rtcp_compound_add(&c, parts, 52), 0);
    cr_assert_eq(rtcp_compound_add(&c, parts + 52, n - 52), 0);
    cr_assert_eq(rtcp_compound_finish(&c, &need), RTP_ERR_NOSPACE);
    cr_assert_eq(need, n);
    rtcp_compound_init(&c, NULL, 0, 0);
    cr_assert_eq(rtcp_compound_add(&c, parts, 52), 0);
    cr_assert_eq(rtcp_compound_add(&c, parts + 52, n - 52), 0);
    cr_assert_eq(rtcp_compound_finish(&c, &need), RTP_ERR_NOSPACE);
    cr_assert_eq(need, n);
}

Test(rtcp, rfc3550_s6_1_compound_in_place_and_padding_last)
{
    uint8_t out[256];
    rtcp_compound c;
    size_t room, need;
    uint8_t *t;
    int r;
    uint8_t padded[12];
    rtcp_report_block rb = sr_rb();
    hx("a1cb00020102030400000004", padded);
    rtcp_compound_init(&c, out, sizeof out, 0);
    t = rtcp_compound_tail(&c, &room);
    r = rtcp_report_build(7, NULL, &rb, 1, t, room, NULL);
    cr_assert_gt(r, 0);
    cr_assert_eq(rtcp_compound_add(&c, t, (size_t)r), 0);
    cr_assert_eq(rtcp_compound_add(&c, padded, 12), 0);
    cr_assert_eq(rtcp_compound_add(&c, padded, 12), RTP_ERR_PADDING);
    cr_assert_eq(rtcp_compound_finish(&c, &need), RTP_ERR_ORDER); /* no CNAME */
}

/* ---- demultiplexing (RFC 7983 §7, RFC 5761 §4) ------------------------- */

Test(demux, rfc7983_s7_first_byte_ranges_rfc5761_s4)
{
    unsigned b, s;
    uint8_t p[2];
    for (b = 0; b < 256; b++) {
        rtp_demux_kind want;
        p[0] = (uint8_t)b;
        p[1] = 96;
        if (b <= 3) want = RTP_DEMUX_STUN;
        else if (b >= 16 && b <= 19) want = RTP_DEMUX_ZRTP;
        else if (b >= 20 && b <= 63) want = RTP_DEMUX_DTLS;
        else if (b >= 64 && b <= 79) want = RTP_DEMUX_TURN_CHANNEL;
        else if (b >= 128 && b <= 191) want = RTP_DEMUX_RTP;
        else want = RTP_DEMUX_OTHER;
        cr_assert_eq(rtp_demux(p, 2), want, "byte %u", b);
    }
    p[0] = 0x80;
    for (s = 0; s < 256; s++) {
        p[1] = (uint8_t)s;
        cr_assert_eq(rtp_demux(p, 2), (s >= 192 && s <= 223) ? RTP_DEMUX_RTCP : RTP_DEMUX_RTP, "%u", s);
    }
    cr_assert_eq(rtp_demux(p, 1), RTP_DEMUX_OTHER);
    cr_assert_eq(rtp_demux(p, 0), RTP_DEMUX_OTHER);
}

/* ---- payload types (RFC 3551 §6, RFC 4566 §6) -------------------------- */

Test(pt, rfc3551_s6_static_table)
{
    rtp_codec c;
    unsigned pt, n = 0;
    cr_assert_eq(rtp_static_pt(0, &c), 0);
    cr_assert(strcmp(c.name, "PCMU") == 0 && c.clock_rate == 8000 && c.channels == 1 &&
              c.media == RTP_MEDIA_AUDIO);
    cr_assert_eq(rtp_static_pt(9, &c), 0);
    cr_assert(strcmp(c.name, "G722") == 0 && c.clock_rate == 8000 && c.sample_rate == 16000);
    cr_assert_eq(rtp_static_pt(10, &c), 0);
    cr_assert(c.clock_rate == 44100 && c.channels == 2);
    cr_assert_eq(rtp_static_pt(6, &c), 0);
    cr_assert_eq(c.clock_rate, 16000);
    cr_assert_eq(rtp_static_pt(31, &c), 0);
    cr_assert(strcmp(c.name, "H261") == 0 && c.clock_rate == 90000 && c.media == RTP_MEDIA_VIDEO);
    cr_assert_eq(rtp_static_pt(33, &c), 0);
    cr_assert_eq(c.media, RTP_MEDIA_AV);
    cr_assert_eq(rtp_static_pt(1, &c), RTP_ERR_NOT_FOUND);
    cr_assert_eq(rtp_static_pt(19, &c), RTP_ERR_NOT_FOUND);
    cr_assert_eq(rtp_static_pt(96, &c), RTP_ERR_NOT_FOUND);
    for (pt = 0; pt < 128; pt++) n += rtp_static_pt((uint8_t)pt, &c) == 0;
    cr_assert_eq(n, 24);
}

Test(pt, rfc4566_s6_rtpmap_dynamic)
{
    static const struct {
        const char *s;
        const char *name;
        rtp_media media;
        uint32_t clock, rate;
        unsigned ch;
    } t[] = {
        {"opus/48000/2", "opus", RTP_MEDIA_AUDIO, 48000, 48000, 2},
        {"telephone-event/8000", "telephone-event", RTP_MEDIA_AUDIO, 8000, 8000, 1},
        {"H264/90000", "H264", RTP_MEDIA_VIDEO, 90000, 0, 0},
        {"VP8/90000", "VP8", RTP_MEDIA_VIDEO, 90000, 0, 0},
        {"VP9/90000", "VP9", RTP_MEDIA_VIDEO, 90000, 0, 0},
        {"AV1/90000", "AV1", RTP_MEDIA_VIDEO, 90000, 0, 0},
        {"G722/8000", "G722", RTP_MEDIA_AUDIO, 8000, 16000, 1},
        {"g722/8000/1", "g722", RTP_MEDIA_AUDIO, 8000, 16000, 1},
        {"x-foo/1000/3", "x-foo", RTP_MEDIA_AUDIO, 1000, 1000, 3},
        {"x-bar/1000 ", "x-bar", RTP_MEDIA_UNKNOWN, 1000, 0, 0},
    };
    static const char *bad[] = {"", "opus", "opus/", "/8000", "opus/0", "opus/48000/",
                                "opus/48000/0", "opus/48000/256", "op us/8000", "opus/8k",
                                "opus/99999999999", "abcdefghijklmnopqrstuvwxyzabcdefg/8000"};
    size_t i;
    rtp_pt_map m;
    rtp_codec c;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        cr_assert_eq(rtp_rtpmap_parse(100, t[i].s, strlen(t[i].s), &c), 0, "%s", t[i].s);
        cr_assert_str_eq(c.name, t[i].name);
        cr_assert_eq(c.media, t[i].media, "%s", t[i].s);
        cr_assert_eq(c.clock_rate, t[i].clock);
        cr_assert_eq(c.sample_rate, t[i].rate, "%s", t[i].s);
        cr_assert_eq(c.channels, t[i].ch, "%s", t[i].s);
        cr_assert_eq(c.pt, 100);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(rtp_rtpmap_parse(100, bad[i], strlen(bad[i]), &c), RTP_ERR_SYNTAX, "%s", bad[i]);
    cr_assert_eq(rtp_rtpmap_parse(128, "opus/48000", 10, &c), RTP_ERR_INVALID);
    /* truncated prefixes never read past the end */
    for (i = 0; i <= 12; i++) {
        const char *g = tu_guard_copy("opus/48000/2", i);
        int r = rtp_rtpmap_parse(111, g, i, &c);
        cr_assert(i == 12 || i == 10 || i == 9 || i == 8 || i == 7 || i == 6 ? r == 0 : r == RTP_ERR_SYNTAX,
                  "prefix %zu: %d", i, r);
        tu_guard_free((char *)(uintptr_t)g, i);
    }
    rtp_pt_map_init(&m);
    cr_assert(rtp_pt_map_get(&m, 0) != NULL && strcmp(rtp_pt_map_get(&m, 0)->name, "PCMU") == 0);
    cr_assert(rtp_pt_map_get(&m, 111) == NULL);
    cr_assert_eq(rtp_pt_map_set(&m, 111, "opus/48000/2", 12), 0);
    cr_assert_eq(rtp_pt_map_get(&m, 111)->channels, 2);
    cr_assert_eq(rtp_pt_map_set(&m, 112, "bad", 3), RTP_ERR_SYNTAX);
    cr_assert(rtp_pt_map_get(&m, 112) == NULL);
    cr_assert(rtp_pt_map_get(&m, 200) == NULL);
}

/* ---- G.711 (ITU-T G.711 Tables 1 and 2) -------------------------------- */

/* Reference from the standard's segment description: µ-law on the 14-bit
 * magnitude n: segment s starts at -1, 31, 95, 223, ... with step 2^(s+1)
 * (decision values of Table 2a), the decoder output is the interval's
 * middle (0 for interval 0). */
static unsigned ref_ulaw_index(unsigned n, int *out14)
{
    static const int start[8] = {-1, 31, 95, 223, 479, 991, 2015, 4063};
    int s, v = (int)n;
    if (v >= 8159) v = 8158;
    for (s = 7; s > 0 && v < start[s]; s--) {}
    {
        int step = 2 << s, j = (v - start[s]) / step;
        *out14 = (s == 0 && j == 0) ? 0 : start[s] + step * j + step / 2;
        return (unsigned)(16 * s + j);
    }
}

/* A-law on the 12-bit magnitude n: segments start at 0, 32, 64, ..., 2048,
 * steps 2, 2, 4, ..., 128 (Table 1a); output is the interval's middle. */
static unsigned ref_alaw_index(unsigned n, int *out12)
{
    static const int start[8] = {0, 32, 64, 128, 256, 512, 1024, 2048};
    int s, v = (int)n;
    for (s = 7; s > 0 && v < start[s]; s--) {}
    {
        int step = s == 0 ? 2 : 1 << s, j = (v - start[s]) / step;
        *out12 = start[s] + step * j + step / 2;
        return (unsigned)(16 * s + j);
    }
}

Test(g711, itu_g711_table2_ulaw_all_inputs_and_codes)
{
    int x, c;
    for (x = -32768; x <= 32767; x++) {
        int neg = x < 0, o14;
        unsigned n = (unsigned)(neg ? ~x : x) >> 2;
        unsigned idx = ref_ulaw_index(n, &o14);
        uint8_t want = (uint8_t)(~((neg ? 0x80u : 0u) | idx) & 0xff);
        uint8_t got = rtp_ulaw_encode((int16_t)x);
        if (got != want) cr_assert_fail("ulaw encode %d: %02x want %02x", x, got, want);
        if (rtp_ulaw_decode(got) != (neg ? -4 * o14 : 4 * o14))
            cr_assert_fail("ulaw decode(encode(%d)) = %d want %d", x, rtp_ulaw_decode(got), neg ? -4 * o14 : 4 * o14);
    }
    cr_assert_eq(rtp_ulaw_decode(0xff), 0);
    cr_assert_eq(rtp_ulaw_decode(0x7f), 0);
    cr_assert_eq(rtp_ulaw_decode(0x80), 32124);
    cr_assert_eq(rtp_ulaw_decode(0x00), -32124);
    for (c = 0; c < 256; c++) {
        unsigned m = ~(unsigned)c & 0x7f, s = m >> 4, j = m & 15;
        static const int start[8] = {-1, 31, 95, 223, 479, 991, 2015, 4063};
        int v = (s == 0 && j == 0) ? 0 : start[s] + (2 << s) * (int)j + (1 << s);
        int want = (c & 0x80) ? 4 * v : -4 * v;
        cr_assert_eq(rtp_ulaw_decode((uint8_t)c), want, "code %02x", c);
        /* decode then encode gives the code back (except negative zero) */
        if (c != 0x7f) cr_assert_eq(rtp_ulaw_encode(rtp_ulaw_decode((uint8_t)c)), c);
    }
}

Test(g711, itu_g711_table1_alaw_all_inputs_and_codes)
{
    int x, c;
    int16_t buf[4] = {0, -1, 1000, -32768};
    uint8_t codes[4];
    int16_t back[4];
    for (x = -32768; x <= 32767; x++) {
        int neg = x < 0, o12;
        unsigned n = (unsigned)(neg ? ~x : x) >> 3;
        unsigned idx = ref_alaw_index(n, &o12);
        uint8_t want = (uint8_t)(((neg ? 0u : 0x80u) | idx) ^ 0x55u);
        uint8_t got = rtp_alaw_encode((int16_t)x);
        if (got != want) cr_assert_fail("alaw encode %d: %02x want %02x", x, got, want);
        if (rtp_alaw_decode(got) != (neg ? -8 * o12 : 8 * o12))
            cr_assert_fail("alaw decode(encode(%d))", x);
    }
    cr_assert_eq(rtp_alaw_decode(0xd5), 8);
    cr_assert_eq(rtp_alaw_decode(0x55), -8);
    cr_assert_eq(rtp_alaw_decode(0xaa), 32256);
    cr_assert_eq(rtp_alaw_decode(0x2a), -32256);
    for (c = 0; c < 256; c++) {
        unsigned m = ((unsigned)c ^ 0x55u) & 0x7f, s = m >> 4, j = m & 15;
        static const int start[8] = {0, 32, 64, 128, 256, 512, 1024, 2048};
        int step = s == 0 ? 2 : 1 << s;
        int v = start[s] + step * (int)j + step / 2;
        int want = (((unsigned)c ^ 0x55u) & 0x80) ? 8 * v : -8 * v;
        cr_assert_eq(rtp_alaw_decode((uint8_t)c), want, "code %02x", c);
        cr_assert_eq(rtp_alaw_encode(rtp_alaw_decode((uint8_t)c)), c);
    }
    rtp_alaw_encode_buf(buf, 4, codes);
    rtp_alaw_decode_buf(codes, 4, back);
    cr_assert(back[0] == 8 && back[1] == -8 && back[3] == -32256);
    rtp_ulaw_encode_buf(buf, 4, codes);
    rtp_ulaw_decode_buf(codes, 4, back);
    cr_assert(back[0] == 0 && back[3] == -32124);
}

Test(rtp, strerror_every_code)
{
    int e;
    for (e = -210; e <= -200; e++) cr_assert(strcmp(rtp_strerror(e), "unknown error") != 0, "%d", e);
    cr_assert_str_eq(rtp_strerror(-299), "unknown error");
    cr_assert_str_eq(rtp_strerror(0), "success");
}

/* Every RTCP body parser on every prefix of its body, each prefix right
 * before a guard page (RFC 3550 §6.4.1, §6.4.2, §6.5, §6.6, §6.7; RFC 3611
 * §2, §4): shorter than the fields need is RTP_ERR_LENGTH, never a read
 * past the end. */
static int parse_body(uint8_t pt, uint8_t count, const uint8_t *body, size_t len)
{
    rtcp_packet p;
    int r;
    memset(&p, 0, sizeof p);
    p.pt = pt;
    p.count = count;
    p.body.p = body;
    p.body.len = len;
    switch (pt) {
    case RTCP_SR:
    case RTCP_RR: {
        rtcp_report rep;
        return rtcp_report_parse(&p, &rep);
    }
    case RTCP_SDES: {
        rtcp_sdes_iter it;
        rtcp_sdes_item item;
        rtcp_sdes_iter_init(&it, &p);
        while ((r = rtcp_sdes_next(&it, &item)) == 1) {}
        return r;
    }
    case RTCP_BYE: {
        rtcp_bye b;
        return rtcp_bye_parse(&p, &b);
    }
    case RTCP_APP: {
        rtcp_app a;
        return rtcp_app_parse(&p, &a);
    }
    default: {
        rtcp_xr xr;
        rtcp_xr_iter it;
        rtcp_xr_block b;
        r = rtcp_xr_parse(&p, &xr);
        if (r) return r;
        rtcp_xr_iter_init(&it, &xr);
        while ((r = rtcp_xr_next(&it, &b)) == 1) {}
        return r;
    }
    }
}

Test(rtcp, rfc3550_s6_rfc3611_s2_body_prefixes)
{
    uint8_t buf[512];
    size_t n = make_sr_sdes(buf, sizeof buf);
    struct {
        const char *hex;
        size_t ok_min; /* prefixes from here on parse (0 = only the full body) */
    } t[] = {
        {"81c9000701020304" "0a0b0c0d40ffffff0001000200000020ccdd112200010000", 0}, /* RR */
        {"81cb00021122334403627965", 0},                                           /* BYE */
        {"83cc00030000000154455354" "01020304", 8},                                /* APP */
        {"80cf0004deadbeef" "0400000211223344aabbccdd", 0},                        /* XR */
    };
    size_t i, k;
    /* SR and SDES from the compound */
    for (k = 0; k < 48; k++) {
        const uint8_t *g = gcopy(buf + 4, k);
        cr_assert_eq(parse_body(RTCP_SR, 1, g, k), RTP_ERR_LENGTH, "SR body %zu", k);
        gfree(g, k);
    }
    for (k = 0; k < n - 56; k++) {
        const uint8_t *g = gcopy(buf + 56, k);
        cr_assert_eq(parse_body(RTCP_SDES, 1, g, k), RTP_ERR_LENGTH, "SDES body %zu", k);
        gfree(g, k);
    }
    cr_assert_eq(parse_body(RTCP_SDES, 1, buf + 56, n - 56), 0);
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t b[128];
        size_t m = hx(t[i].hex, b);
        for (k = 0; k <= m - 4; k++) {
            const uint8_t *g = gcopy(b + 4, k);
            int r = parse_body(b[1], (uint8_t)(b[0] & 31), g, k);
            if (k == m - 4 || (t[i].ok_min && k >= t[i].ok_min)) cr_assert_eq(r, 0, "%zu/%zu", i, k);
            else if (b[1] == RTCP_BYE && k == 4) cr_assert_eq(r, 0); /* no reason: fine */
            else if (b[1] == RTCP_XR && k == 4) cr_assert_eq(r, 0);  /* no blocks: fine */
            else cr_assert_eq(r, RTP_ERR_LENGTH, "type %u prefix %zu: %d", b[1], k, r);
            gfree(g, k);
        }
    }
}
