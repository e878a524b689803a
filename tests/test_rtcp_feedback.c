/* rtcp_feedback.h: RFC 4585 §6 (NACK, PLI, SLI, RPSI), RFC 5104 §4.2-4.3
 * (FIR, TSTR/TSTN, TMMBR/TMMBN), draft-alvestrand-rmcat-remb (REMB),
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 (TWCC),
 * RFC 8888 §3.1 (CCFB) and the NACK generator.
 *
 * The vectors of tests/corpus/vectors/rtcp-feedback.json arrive as a C
 * table, tests/rtcp_fb_vectors.inc, written by scripts/gen_rtcp_fb_vectors.py
 * (rerun it after changing the JSON). Every parser input is copied right
 * before a PROT_NONE page (tu_guard_copy), so a read past the packet
 * faults. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include "rtcp_feedback.h"
#include "testutil.h"

enum { TV_PLI, TV_FIR, TV_NACK, TV_REMB, TV_TWCC };

typedef struct tv_vector {
    const char *id;
    int kind;
    const uint8_t *b;
    size_t n;
    int err;
    uint32_t sender, media;
    int n_items;
    uint32_t a[16];
    int c[16];
    int n_seq;
    int seq[16];
    int exp;
    uint32_t mant;
    uint64_t bps;
    int base, count, ref, fbc, pad_ok;
    int32_t dl[16];
} tv_vector;

#include "rtcp_fb_vectors.inc"

#define TV_N (sizeof tv_vectors / sizeof tv_vectors[0])

/* guarded copy of a byte vector */
static const uint8_t *gcopy(const uint8_t *b, size_t n)
{
    const uint8_t *p = (const uint8_t *)tu_guard_copy((const char *)b, n);
    cr_assert_not_null(p);
    return p;
}
static void gfree(const uint8_t *p, size_t n) { tu_guard_free((char *)(uintptr_t)p, n); }

/* Parse with the vector's parser; the decoded values land in the out
 * params. Returns the parser's result. */
typedef struct parsed {
    rtcp_fb_common h;
    rtcp_fb_fir_item fir[16];
    rtcp_fb_nack_item nack[16];
    rtcp_fb_remb remb;
    uint32_t ssrcs[16];
    rtcp_fb_twcc tw;
    rtcp_fb_twcc_packet pk[64];
    size_t n;
} parsed;

static int parse_kind(int kind, const uint8_t *b, size_t n, parsed *p)
{
    memset(p, 0, sizeof *p);
    switch (kind) {
    case TV_PLI: return rtcp_fb_pli_parse(b, n, &p->h);
    case TV_FIR: p->n = 16; return rtcp_fb_fir_parse(b, n, &p->h, p->fir, &p->n);
    case TV_NACK: p->n = 16; return rtcp_fb_nack_parse(b, n, &p->h, p->nack, &p->n);
    case TV_REMB: p->n = 16; return rtcp_fb_remb_parse(b, n, &p->h, &p->remb, p->ssrcs, &p->n);
    default: p->n = 64; return rtcp_fb_twcc_parse(b, n, &p->h, &p->tw, p->pk, &p->n);
    }
}

static int build_kind(int kind, const parsed *p, uint8_t *out, size_t cap, size_t *need)
{
    switch (kind) {
    case TV_PLI: return rtcp_fb_pli_build(out, cap, p->h.sender_ssrc, p->h.media_ssrc, need);
    case TV_FIR: return rtcp_fb_fir_build(out, cap, p->h.sender_ssrc, p->h.media_ssrc, p->fir, p->n, need);
    case TV_NACK: return rtcp_fb_nack_build(out, cap, p->h.sender_ssrc, p->h.media_ssrc, p->nack, p->n, need);
    case TV_REMB: return rtcp_fb_remb_build(out, cap, p->h.sender_ssrc, p->h.media_ssrc, &p->remb, p->ssrcs, p->n, need);
    default: return rtcp_fb_twcc_build(out, cap, p->h.sender_ssrc, p->h.media_ssrc, &p->tw, p->pk, p->n, need);
    }
}

/* ---- the shared vectors ---------------------------------------------- */

Test(rtcp_fb_vectors, all_vectors_present)
{
    cr_assert_eq(TV_N, (size_t)TV_COUNT_JSON);
    cr_assert_eq(TV_N, 19);
}

Test(rtcp_fb_vectors, decoded_fields_reproduce)
{
    size_t v;
    int i;
    for (v = 0; v < TV_N; v++) {
        const tv_vector *t = &tv_vectors[v];
        const uint8_t *b = gcopy(t->b, t->n);
        parsed p;
        int r = parse_kind(t->kind, b, t->n, &p);
        if (t->err) {
            cr_assert_eq(r, t->err, "%s: %d (%s)", t->id, r, rtcp_fb_strerror(r));
            gfree(b, t->n);
            continue;
        }
        cr_assert_eq(r, (int)t->n, "%s: %d (%s)", t->id, r, rtcp_fb_strerror(r));
        cr_assert_eq(p.h.sender_ssrc, t->sender, "%s", t->id);
        cr_assert_eq(p.h.media_ssrc, t->media, "%s", t->id);
        switch (t->kind) {
        case TV_FIR: /* RFC 5104 §4.3.1; non-zero media SSRC accepted */
            cr_assert_eq(p.n, (size_t)t->n_items, "%s", t->id);
            for (i = 0; i < t->n_items; i++) {
                cr_assert_eq(p.fir[i].ssrc, t->a[i], "%s", t->id);
                cr_assert_eq(p.fir[i].seq, t->c[i], "%s", t->id);
            }
            break;
        case TV_NACK: { /* RFC 4585 §6.2.1 */
            uint16_t seqs[32];
            cr_assert_eq(p.n, (size_t)t->n_items);
            for (i = 0; i < t->n_items; i++) {
                cr_assert_eq(p.nack[i].pid, t->a[i]);
                cr_assert_eq(p.nack[i].blp, t->c[i]);
            }
            cr_assert_eq(rtcp_fb_nack_items_to_seqs(p.nack, p.n, seqs, 32), t->n_seq);
            for (i = 0; i < t->n_seq; i++) cr_assert_eq(seqs[i], t->seq[i]);
            break;
        }
        case TV_REMB: /* draft-alvestrand-rmcat-remb §2.2 */
            cr_assert_eq(p.remb.exp, t->exp, "%s", t->id);
            cr_assert_eq(p.remb.mantissa, t->mant, "%s", t->id);
            cr_assert_eq(rtcp_fb_mantissa_to_bps(p.remb.exp, p.remb.mantissa), t->bps, "%s", t->id);
            cr_assert_eq(p.n, (size_t)t->n_items);
            for (i = 0; i < t->n_items; i++) cr_assert_eq(p.ssrcs[i], t->a[i]);
            break;
        case TV_TWCC: /* draft-holmer-...-01 §3.1 */
            cr_assert_eq(p.tw.base_seq, t->base, "%s", t->id);
            cr_assert_eq(p.tw.status_count, t->count, "%s", t->id);
            cr_assert_eq(p.tw.ref_time, t->ref, "%s", t->id);
            cr_assert_eq(p.tw.fb_pkt_count, t->fbc, "%s", t->id);
            cr_assert_eq(p.n, (size_t)t->n_items, "%s", t->id);
            for (i = 0; i < t->n_items; i++) {
                cr_assert_eq(p.pk[i].seq, (uint16_t)(t->base + i), "%s %d", t->id, i);
                cr_assert_eq(p.pk[i].status, t->c[i], "%s %d", t->id, i);
                cr_assert_eq(p.pk[i].delta_us, t->dl[i], "%s %d", t->id, i);
            }
            break;
        default: break;
        }
        gfree(b, t->n);
    }
}

/* build(parse(v)) == v for every canonical vector; the four TWCC vectors
 * whose chunks or padding differ from what the builder picks (twcc-2, -3,
 * -5: inconsistent padding; twcc-6: a run-length chunk of 48 for 2
 * statuses) round trip by value: parse(build(parse(v))) == parse(v). */
Test(rtcp_fb_vectors, round_trip)
{
    size_t v;
    for (v = 0; v < TV_N; v++) {
        const tv_vector *t = &tv_vectors[v];
        parsed p, q;
        uint8_t out[256];
        size_t need = 0;
        int r, canonical;
        if (t->err) continue;
        cr_assert_eq(parse_kind(t->kind, t->b, t->n, &p), (int)t->n);
        r = build_kind(t->kind, &p, out, sizeof out, &need);
        cr_assert(r > 0, "%s: %d", t->id, r);
        cr_assert_eq(need, (size_t)r);
        canonical = strcmp(t->id, "twcc-2") && strcmp(t->id, "twcc-3") &&
                    strcmp(t->id, "twcc-5") && strcmp(t->id, "twcc-6");
        if (canonical) {
            cr_assert_eq((size_t)r, t->n, "%s", t->id);
            cr_assert(memcmp(out, t->b, t->n) == 0, "%s: bytes differ", t->id);
        }
        cr_assert_eq(parse_kind(t->kind, out, (size_t)r, &q), r, "%s", t->id);
        cr_assert_eq(q.n, p.n);
        cr_assert(memcmp(&q.h.sender_ssrc, &p.h.sender_ssrc, 4) == 0);
        if (t->kind == TV_TWCC) {
            size_t i;
            cr_assert_eq(q.tw.ref_time, p.tw.ref_time);
            for (i = 0; i < p.n; i++) {
                cr_assert_eq(q.pk[i].status, p.pk[i].status, "%s %zu", t->id, i);
                cr_assert_eq(q.pk[i].delta_us, p.pk[i].delta_us, "%s %zu", t->id, i);
            }
        }
        /* NOSPACE with the size needed, and NULL measures */
        cr_assert_eq(build_kind(t->kind, &p, out, (size_t)r - 1, &need), RTCP_FB_ERR_NOSPACE);
        cr_assert_eq(need, (size_t)r);
        cr_assert_eq(build_kind(t->kind, &p, NULL, 0, &need), RTCP_FB_ERR_NOSPACE);
        cr_assert_eq(need, (size_t)r);
    }
}

/* Every prefix is RTCP_FB_ERR_TRUNCATED (RFC 3550 §6.4.1 length field),
 * except that two octets already show another PT (pli-bad-type). */
Test(rtcp_fb_vectors, truncated_prefixes)
{
    size_t v, k;
    for (v = 0; v < TV_N; v++) {
        const tv_vector *t = &tv_vectors[v];
        for (k = 0; k < t->n; k++) {
            const uint8_t *b = gcopy(t->b, k);
            parsed p;
            int r = parse_kind(t->kind, b, k, &p);
            int want = (t->err == RTCP_FB_ERR_TYPE && k >= 2) ? RTCP_FB_ERR_TYPE : RTCP_FB_ERR_TRUNCATED;
            cr_assert_eq(r, want, "%s prefix %zu: %d", t->id, k, r);
            gfree(b, k);
        }
    }
}

/* ---- RFC 4585 §6.1 common header -------------------------------------- */

Test(rtcp_fb_common, s6_1_header_version_length_padding)
{
    static const uint8_t pli_pad[] = {0xa1, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4};
    static const uint8_t pad0[] = {0xa1, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0};
    static const uint8_t pad5[] = {0xa1, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5};
    static const uint8_t v1[] = {0x41, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
    static const uint8_t short8[] = {0x81, 0xce, 0x00, 0x01, 0, 0, 0, 1};
    uint8_t compound[24];
    rtcp_fb_common h;
    const uint8_t *b = gcopy(pli_pad, sizeof pli_pad);
    /* RFC 3550 §6.4.1 padding: 4 octets counted by the last one */
    cr_assert_eq(rtcp_fb_parse_common(b, sizeof pli_pad, &h), 16);
    cr_assert_eq(h.padding, 1);
    cr_assert_eq(h.fci_len, 0);
    cr_assert_eq(h.sender_ssrc, 1);
    cr_assert_eq(h.media_ssrc, 2);
    cr_assert_eq(rtcp_fb_pli_parse(b, sizeof pli_pad, &h), 16);
    gfree(b, sizeof pli_pad);
    cr_assert_eq(rtcp_fb_parse_common(pad0, sizeof pad0, &h), RTCP_FB_ERR_PADDING);
    cr_assert_eq(rtcp_fb_parse_common(pad5, sizeof pad5, &h), RTCP_FB_ERR_PADDING);
    cr_assert_eq(rtcp_fb_parse_common(v1, sizeof v1, &h), RTCP_FB_ERR_VERSION);
    cr_assert_eq(rtcp_fb_pli_parse(v1, sizeof v1, &h), RTCP_FB_ERR_VERSION);
    cr_assert_eq(rtcp_fb_parse_common(short8, sizeof short8, &h), RTCP_FB_ERR_LENGTH);
    /* compound: the parser consumes one packet of a longer buffer */
    memcpy(compound, tvb_pli_1, 12);
    memcpy(compound + 12, tvb_pli_1, 12);
    cr_assert_eq(rtcp_fb_pli_parse(compound, sizeof compound, &h), 12);
    cr_assert_str_eq(rtcp_fb_strerror(RTCP_FB_ERR_NOSPACE), "buffer too small");
    cr_assert_str_eq(rtcp_fb_strerror(-399), "unknown error");
}

/* ---- RFC 4585 §6.2.1 Generic NACK ------------------------------------- */

Test(rtcp_fb_nack, s6_2_1_wraparound_shares_one_fci)
{
    const uint16_t lost[] = {65534, 65535, 0, 1, 14};
    rtcp_fb_nack_item it[4];
    uint16_t back[8];
    uint8_t out[32];
    static const uint8_t want[] = {0x81, 0xcd, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2,
                                   0xff, 0xfe, 0x80, 0x07};
    size_t need;
    cr_assert_eq(rtcp_fb_nack_items_from_seqs(lost, 5, it, 4), 1);
    cr_assert_eq(it[0].pid, 65534);
    cr_assert_eq(it[0].blp, 0x8007); /* +1 +2 +3, and 14 = +16 -> bit 15 */
    cr_assert_eq(rtcp_fb_nack_items_to_seqs(it, 1, back, 8), 5);
    cr_assert(memcmp(back, lost, sizeof lost) == 0);
    cr_assert_eq(rtcp_fb_nack_build_seqs(out, sizeof out, 1, 2, lost, 5, &need), 16);
    cr_assert(memcmp(out, want, 16) == 0);
}

Test(rtcp_fb_nack, s6_2_1_losses_over_17_apart_take_several_fcis)
{
    const uint16_t lost[] = {10, 26, 27, 100, 100, 5};
    rtcp_fb_nack_item it[8];
    uint8_t out[64];
    size_t need = 0;
    /* 10 covers 11..26; 27 is 17 after 10 -> new; 100 new; dup skipped;
     * 5 is behind the current PID (unsorted input) -> new */
    cr_assert_eq(rtcp_fb_nack_items_from_seqs(lost, 6, NULL, 0), 4);
    cr_assert_eq(rtcp_fb_nack_items_from_seqs(lost, 6, it, 3), RTCP_FB_ERR_TOO_MANY);
    cr_assert_eq(rtcp_fb_nack_items_from_seqs(lost, 6, it, 8), 4);
    cr_assert_eq(it[0].pid, 10);
    cr_assert_eq(it[0].blp, 0x8000);
    cr_assert_eq(it[1].pid, 27);
    cr_assert_eq(it[1].blp, 0);
    cr_assert_eq(it[2].pid, 100);
    cr_assert_eq(it[3].pid, 5);
    cr_assert_eq(rtcp_fb_nack_build_seqs(out, sizeof out, 7, 8, lost, 6, &need), 28);
    /* the same bytes as the item builder */
    {
        uint8_t out2[64];
        cr_assert_eq(rtcp_fb_nack_build(out2, sizeof out2, 7, 8, it, 4, NULL), 28);
        cr_assert(memcmp(out, out2, 28) == 0);
    }
    cr_assert_eq(rtcp_fb_nack_build_seqs(out, 27, 7, 8, lost, 6, &need), RTCP_FB_ERR_NOSPACE);
    cr_assert_eq(need, 28);
    cr_assert_eq(rtcp_fb_nack_build_seqs(out, 64, 7, 8, lost, 0, &need), RTCP_FB_ERR_INVALID);
}

Test(rtcp_fb_nack, s6_2_1_parse_too_many_and_bad_length)
{
    static const uint8_t two[] = {0x81, 0xcd, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0, 0, 30, 0, 1};
    static const uint8_t pt206[] = {0x81, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0};
    rtcp_fb_nack_item it[2];
    rtcp_fb_common h;
    size_t n = 1;
    const uint8_t *b = gcopy(two, sizeof two);
    cr_assert_eq(rtcp_fb_nack_parse(b, sizeof two, &h, it, &n), RTCP_FB_ERR_TOO_MANY);
    cr_assert_eq(n, 2);
    cr_assert_eq(rtcp_fb_nack_parse(b, sizeof two, &h, it, &n), 20);
    cr_assert_eq(it[1].pid, 30);
    cr_assert_eq(it[1].blp, 1);
    gfree(b, sizeof two);
    n = 2;
    cr_assert_eq(rtcp_fb_nack_parse(pt206, sizeof pt206, &h, it, &n), RTCP_FB_ERR_TYPE);
}

/* ---- RFC 4585 §6.3 PLI, SLI, RPSI -------------------------------------- */

Test(rtcp_fb_pli, s6_3_1_build_exact_and_nospace)
{
    uint8_t out[12];
    size_t need = 0;
    cr_assert_eq(rtcp_fb_pli_build(out, 12, 0, 0x4bc4fcb4u, &need), 12);
    cr_assert(memcmp(out, tvb_pli_1, 12) == 0);
    cr_assert_eq(rtcp_fb_pli_build(out, 11, 0, 0x4bc4fcb4u, &need), RTCP_FB_ERR_NOSPACE);
    cr_assert_eq(need, 12);
}

Test(rtcp_fb_sli, s6_3_2_fields_round_trip)
{
    rtcp_fb_sli_item in[2] = {{1, 2, 3}, {0x1FFF, 0x1FFF, 0x3F}}, got[2];
    static const uint8_t want[] = {0x82, 0xce, 0x00, 0x04, 0, 0, 0, 9, 0, 0, 0, 8,
                                   0x00, 0x08, 0x00, 0x83, 0xff, 0xff, 0xff, 0xff};
    uint8_t out[32];
    size_t need, n = 2, k;
    rtcp_fb_common h;
    const uint8_t *b;
    cr_assert_eq(rtcp_fb_sli_build(out, sizeof out, 9, 8, in, 2, &need), 20);
    cr_assert(memcmp(out, want, 20) == 0);
    b = gcopy(out, 20);
    cr_assert_eq(rtcp_fb_sli_parse(b, 20, &h, got, &n), 20);
    cr_assert_eq(n, 2);
    cr_assert_eq(got[0].first, 1);
    cr_assert_eq(got[0].number, 2);
    cr_assert_eq(got[0].picture_id, 3);
    cr_assert_eq(got[1].first, 0x1FFF);
    for (k = 0; k < 20; k++) {
        const uint8_t *q = gcopy(out, k);
        n = 2;
        cr_assert_eq(rtcp_fb_sli_parse(q, k, &h, got, &n), RTCP_FB_ERR_TRUNCATED);
        gfree(q, k);
    }
    gfree(b, 20);
    in[0].picture_id = 64;
    cr_assert_eq(rtcp_fb_sli_build(out, sizeof out, 9, 8, in, 2, &need), RTCP_FB_ERR_RANGE);
    cr_assert_eq(rtcp_fb_sli_build(out, 19, 9, 8, in + 1, 1, &need), 16);
    /* no FCI */
    n = 2;
    cr_assert_eq(rtcp_fb_sli_parse((const uint8_t *)"\x82\xce\x00\x02\0\0\0\0\0\0\0\0", 12, &h, got, &n),
                 RTCP_FB_ERR_LENGTH);
}

Test(rtcp_fb_rpsi, s6_3_3_padding_bits)
{
    const uint8_t bits[] = {0xab, 0xff, 0x11};
    rtcp_fb_rpsi r = {96, bits, 10}, got;
    /* 10 bits: PB = 6, FCI = PB, PT, 2 octets, the last masked to 0xc0 */
    static const uint8_t want10[] = {0x83, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 6, 96, 0xab, 0xc0};
    uint8_t out[32];
    size_t need;
    rtcp_fb_common h;
    const uint8_t *b;
    cr_assert_eq(rtcp_fb_rpsi_build(out, sizeof out, 1, 2, &r, &need), 16);
    cr_assert(memcmp(out, want10, 16) == 0);
    b = gcopy(out, 16);
    cr_assert_eq(rtcp_fb_rpsi_parse(b, 16, &h, &got), 16);
    cr_assert_eq(got.payload_type, 96);
    cr_assert_eq(got.n_bits, 10);
    cr_assert_eq(got.bits[0], 0xab);
    gfree(b, 16);
    /* 24 bits: 2 + 3 octets padded to 8, PB = 24 */
    r.n_bits = 24;
    cr_assert_eq(rtcp_fb_rpsi_build(out, sizeof out, 1, 2, &r, &need), 20);
    cr_assert_eq(out[12], 24);
    cr_assert_eq(out[16], 0x11);
    cr_assert_eq(out[17], 0);
    cr_assert_eq(rtcp_fb_rpsi_parse(out, 20, &h, &got), 20);
    cr_assert_eq(got.n_bits, 24);
    cr_assert_eq(rtcp_fb_rpsi_build(out, 19, 1, 2, &r, &need), RTCP_FB_ERR_NOSPACE);
    cr_assert_eq(need, 20);
    /* PB over 31, and PB over the bits present */
    out[12] = 32;
    cr_assert_eq(rtcp_fb_rpsi_parse(out, 20, &h, &got), RTCP_FB_ERR_LENGTH);
    {
        uint8_t small[16];
        memcpy(small, want10, 16);
        small[12] = 17;
        cr_assert_eq(rtcp_fb_rpsi_parse(small, 16, &h, &got), RTCP_FB_ERR_LENGTH);
        small[12] = 16; /* empty bit string: legal */
        cr_assert_eq(rtcp_fb_rpsi_parse(small, 16, &h, &got), 16);
        cr_assert_eq(got.n_bits, 0);
    }
    r.payload_type = 128;
    cr_assert_eq(rtcp_fb_rpsi_build(out, sizeof out, 1, 2, &r, &need), RTCP_FB_ERR_RANGE);
}

/* ---- RFC 5104 §4.3 FIR, TSTR, TSTN ------------------------------------- */

Test(rtcp_fb_fir, s4_3_1_build_and_bad_lengths)
{
    rtcp_fb_fir_item it[2] = {{0x12345678u, 0x42}, {0x98765432u, 0x57}};
    uint8_t out[32];
    size_t need, n = 1;
    rtcp_fb_common h;
    cr_assert_eq(rtcp_fb_fir_build(out, sizeof out, 0, 0x4bc4fcb4u, it, 2, &need), 28);
    cr_assert(memcmp(out, tvb_fir_2, 28) == 0);
    cr_assert_eq(rtcp_fb_fir_build(out, 27, 0, 0x4bc4fcb4u, it, 2, &need), RTCP_FB_ERR_NOSPACE);
    cr_assert_eq(need, 28);
    cr_assert_eq(rtcp_fb_fir_parse(tvb_fir_2, 28, &h, it, &n), RTCP_FB_ERR_TOO_MANY);
    cr_assert_eq(n, 2);
    /* no FCI */
    n = 2;
    cr_assert_eq(rtcp_fb_fir_parse((const uint8_t *)"\x84\xce\x00\x02\0\0\0\0\0\0\0\0", 12, &h, it, &n),
                 RTCP_FB_ERR_LENGTH);
    cr_assert_eq(rtcp_fb_fir_build(out, sizeof out, 0, 0, it, 0, &need), RTCP_FB_ERR_INVALID);
}

Test(rtcp_fb_tst, s4_3_2_tstr_and_s4_3_3_tstn)
{
    rtcp_fb_tst_item it = {0x01020304u, 5, 7}, got[2];
    static const uint8_t want[] = {0x85, 0xce, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0,
                                   1, 2, 3, 4, 5, 0, 0, 7};
    uint8_t out[32];
    size_t need, n = 2, k;
    rtcp_fb_common h;
    const uint8_t *b;
    cr_assert_eq(rtcp_fb_tst_build(out, sizeof out, RTCP_FB_FMT_TSTR, 1, 0, &it, 1, &need), 20);
    cr_assert(memcmp(out, want, 20) == 0);
    b = gcopy(out, 20);
    cr_assert_eq(rtcp_fb_tst_parse(b, 20, RTCP_FB_FMT_TSTR, &h, got, &n), 20);
    cr_assert_eq(got[0].ssrc, 0x01020304u);
    cr_assert_eq(got[0].seq, 5);
    cr_assert_eq(got[0].index, 7);
    n = 2;
    cr_assert_eq(rtcp_fb_tst_parse(b, 20, RTCP_FB_FMT_TSTN, &h, got, &n), RTCP_FB_ERR_TYPE);
    for (k = 0; k < 20; k++) {
        const uint8_t *q = gcopy(out, k);
        n = 2;
        cr_assert_eq(rtcp_fb_tst_parse(q, k, RTCP_FB_FMT_TSTR, &h, got, &n), RTCP_FB_ERR_TRUNCATED);
        gfree(q, k);
    }
    gfree(b, 20);
    cr_assert_eq(rtcp_fb_tst_build(out, sizeof out, RTCP_FB_FMT_TSTN, 1, 0, &it, 1, &need), 20);
    cr_assert_eq(out[0], 0x86);
    it.index = 32;
    cr_assert_eq(rtcp_fb_tst_build(out, sizeof out, RTCP_FB_FMT_TSTN, 1, 0, &it, 1, &need), RTCP_FB_ERR_RANGE);
    cr_assert_eq(rtcp_fb_tst_build(out, sizeof out, 3, 1, 0, &it, 1, &need), RTCP_FB_ERR_INVALID);
}

/* ---- RFC 5104 §4.2 TMMBR, TMMBN ---------------------------------------- */

Test(rtcp_fb_tmmb, s4_2_1_1_mantissa_exponent_saturation)
{
    uint8_t e;
    uint32_t m;
    cr_assert_eq(rtcp_fb_mantissa_to_bps(63, 0x1FFFF), UINT64_MAX);
    cr_assert_eq(rtcp_fb_mantissa_to_bps(63, 0x3FFFF), UINT64_MAX); /* REMB max: 82 bits */
    cr_assert_eq(rtcp_fb_mantissa_to_bps(47, 0x1FFFF), UINT64_MAX - ((1ull << 47) - 1));
    cr_assert_eq(rtcp_fb_mantissa_to_bps(63, 1), 1ull << 63);
    cr_assert_eq(rtcp_fb_mantissa_to_bps(63, 0), 0);
    cr_assert_eq(rtcp_fb_bps_to_mantissa(1000000, 17, &e, &m), 0);
    cr_assert_eq(e, 3);
    cr_assert_eq(m, 125000);
    cr_assert_eq(rtcp_fb_bps_to_mantissa(UINT64_MAX, 17, &e, &m), 0);
    cr_assert_eq(e, 47);
    cr_assert_eq(m, 0x1FFFF);
    /* rounds down: never above the request */
    cr_assert_eq(rtcp_fb_bps_to_mantissa(1000001, 17, &e, &m), 0);
    cr_assert(rtcp_fb_mantissa_to_bps(e, m) <= 1000001);
    cr_assert_eq(rtcp_fb_bps_to_mantissa(8927168, 18, &e, &m), 0); /* remb-chrome */
    cr_assert_eq(e, 6);
    cr_assert_eq(m, 139487);
    cr_assert_eq(rtcp_fb_bps_to_mantissa(1, 0, &e, &m), RTCP_FB_ERR_INVALID);
}

Test(rtcp_fb_tmmb, s4_2_1_tmmbr_and_s4_2_2_tmmbn)
{
    rtcp_fb_tmmb_item it = {0x11223344u, 3, 125000, 40}, got[2];
    static const uint8_t want[] = {0x83, 0xcd, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0,
                                   0x11, 0x22, 0x33, 0x44, 0x0f, 0xd0, 0x90, 0x28};
    uint8_t out[32];
    size_t need, n = 2, k;
    rtcp_fb_common h;
    const uint8_t *b;
    cr_assert_eq(rtcp_fb_tmmb_build(out, sizeof out, RTCP_FB_FMT_TMMBR, 1, 0, &it, 1, &need), 20);
    cr_assert(memcmp(out, want, 20) == 0);
    b = gcopy(out, 20);
    cr_assert_eq(rtcp_fb_tmmb_parse(b, 20, RTCP_FB_FMT_TMMBR, &h, got, &n), 20);
    cr_assert_eq(got[0].ssrc, 0x11223344u);
    cr_assert_eq(got[0].exp, 3);
    cr_assert_eq(got[0].mantissa, 125000);
    cr_assert_eq(got[0].overhead, 40);
    cr_assert_eq(rtcp_fb_mantissa_to_bps(got[0].exp, got[0].mantissa), 1000000);
    for (k = 0; k < 20; k++) {
        const uint8_t *q = gcopy(out, k);
        n = 2;
        cr_assert_eq(rtcp_fb_tmmb_parse(q, k, RTCP_FB_FMT_TMMBR, &h, got, &n), RTCP_FB_ERR_TRUNCATED);
        gfree(q, k);
    }
    gfree(b, 20);
    /* TMMBN with an empty bounding set is legal (§4.2.2.2), TMMBR is not */
    cr_assert_eq(rtcp_fb_tmmb_build(out, sizeof out, RTCP_FB_FMT_TMMBN, 1, 0, NULL, 0, &need), 12);
    n = 2;
    cr_assert_eq(rtcp_fb_tmmb_parse(out, 12, RTCP_FB_FMT_TMMBN, &h, got, &n), 12);
    cr_assert_eq(n, 0);
    out[0] = 0x83;
    n = 2;
    cr_assert_eq(rtcp_fb_tmmb_parse(out, 12, RTCP_FB_FMT_TMMBR, &h, got, &n), RTCP_FB_ERR_LENGTH);
    cr_assert_eq(rtcp_fb_tmmb_build(out, sizeof out, RTCP_FB_FMT_TMMBR, 1, 0, NULL, 0, &need), RTCP_FB_ERR_INVALID);
    it.mantissa = 0x20000;
    cr_assert_eq(rtcp_fb_tmmb_build(out, sizeof out, RTCP_FB_FMT_TMMBR, 1, 0, &it, 1, &need), RTCP_FB_ERR_RANGE);
    it.mantissa = 1;
    it.overhead = 512;
    cr_assert_eq(rtcp_fb_tmmb_build(out, sizeof out, RTCP_FB_FMT_TMMBR, 1, 0, &it, 1, &need), RTCP_FB_ERR_RANGE);
}

/* ---- REMB --------------------------------------------------------------- */

Test(rtcp_fb_remb, draft_alvestrand_s2_2_identifier_and_length)
{
    uint8_t b[24];
    rtcp_fb_common h;
    rtcp_fb_remb r;
    uint32_t ss[2];
    size_t n = 2, need;
    memcpy(b, tvb_remb_chrome, 24);
    b[12] = 'X';
    cr_assert_eq(rtcp_fb_remb_parse(b, 24, &h, &r, ss, &n), RTCP_FB_ERR_TYPE);
    memcpy(b, tvb_remb_chrome, 24);
    b[16] = 2; /* Num SSRC 2, room for 1 */
    cr_assert_eq(rtcp_fb_remb_parse(b, 24, &h, &r, ss, &n), RTCP_FB_ERR_LENGTH);
    n = 0;
    cr_assert_eq(rtcp_fb_remb_parse(tvb_remb_chrome, 24, &h, &r, ss, &n), RTCP_FB_ERR_TOO_MANY);
    cr_assert_eq(n, 1);
    r.exp = 64;
    r.mantissa = 1;
    cr_assert_eq(rtcp_fb_remb_build(b, 24, 1, 0, &r, ss, 1, &need), RTCP_FB_ERR_RANGE);
    r.exp = 1;
    r.mantissa = 0x40000;
    cr_assert_eq(rtcp_fb_remb_build(b, 24, 1, 0, &r, ss, 1, &need), RTCP_FB_ERR_RANGE);
}

/* ---- draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 ---------- */

static int twcc_build(const rtcp_fb_twcc *tw, rtcp_fb_twcc_packet *pk, size_t n, uint8_t *out, size_t cap)
{
    size_t need;
    return rtcp_fb_twcc_build(out, cap, 1, 2, tw, pk, n, &need);
}

static void twcc_fill(rtcp_fb_twcc_packet *pk, size_t n, uint16_t base, const uint8_t *st, const int32_t *dl)
{
    size_t i;
    for (i = 0; i < n; i++) {
        pk[i].seq = (uint16_t)(base + i);
        pk[i].status = st[i];
        pk[i].delta_us = dl ? dl[i] : (st[i] ? 1000 : 0);
    }
}

Test(rtcp_fb_twcc, s3_1_3_run_length_for_long_runs)
{
    rtcp_fb_twcc tw = {65530, 0, -1, 9};
    rtcp_fb_twcc_packet pk[120], got[120];
    uint8_t st[120], out[512];
    size_t i, n = 120;
    rtcp_fb_common h;
    rtcp_fb_twcc g;
    int r;
    for (i = 0; i < 120; i++) st[i] = i < 100 ? 0 : 1;
    twcc_fill(pk, 120, 65530, st, NULL);
    r = twcc_build(&tw, pk, 120, out, sizeof out);
    /* 20 + chunks (0x0064 run of 100 lost, 0x2014 run of 20) + 20 deltas = 44 */
    cr_assert_eq(r, 44);
    cr_assert_eq(out[20], 0x00);
    cr_assert_eq(out[21], 0x64);
    cr_assert_eq(out[22], 0x20);
    cr_assert_eq(out[23], 0x14);
    cr_assert_eq(out[16], 0xff); /* ref time -1: 24-bit two's complement */
    cr_assert_eq(rtcp_fb_twcc_parse(out, (size_t)r, &h, &g, got, &n), r);
    cr_assert_eq(g.ref_time, -1);
    cr_assert_eq(got[0].seq, 65530);
    cr_assert_eq(got[6].seq, 0); /* wraps */
    cr_assert_eq(got[119].status, 1);
    cr_assert_eq(got[119].delta_us, 1000);
}

Test(rtcp_fb_twcc, s3_1_4_status_vectors_1bit_and_2bit)
{
    rtcp_fb_twcc tw = {100, 0, 5, 0};
    static const uint8_t st1[14] = {1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 1, 0};
    static const uint8_t st2[7] = {1, 2, 0, 3, 1, 0, 2};
    static const int32_t dl2[7] = {250, -250, 0, 0, 63750, 0, 64000};
    rtcp_fb_twcc_packet pk[14], got[14];
    uint8_t out[128];
    size_t n = 14, i;
    rtcp_fb_common h;
    rtcp_fb_twcc g;
    int r;
    twcc_fill(pk, 14, 100, st1, NULL);
    r = twcc_build(&tw, pk, 14, out, sizeof out);
    cr_assert_eq(r, 20 + 2 + 8 + 2); /* one 1-bit vector, 8 deltas, 2 padding */
    cr_assert_eq(out[20], 0xac);      /* 1 0 10101100101110 */
    cr_assert_eq(out[21], 0xae);
    cr_assert_eq(out[0], 0xaf);       /* P bit */
    cr_assert_eq(out[r - 1], 2);
    cr_assert_eq(rtcp_fb_twcc_parse(out, (size_t)r, &h, &g, got, &n), r);
    for (i = 0; i < 14; i++) cr_assert_eq(got[i].status, st1[i]);
    twcc_fill(pk, 7, 100, st2, dl2);
    n = 14;
    r = twcc_build(&tw, pk, 7, out, sizeof out);
    /* 2-bit vector 01 10 00 11 01 00 10 -> 0xc0 | ... ; deltas 1+2+1+2 */
    cr_assert_eq(r, 28); /* 20 + 2 + 6, no padding */
    cr_assert_eq(out[20], 0xd8);
    cr_assert_eq(out[21], 0xd2);
    cr_assert_eq(rtcp_fb_twcc_parse(out, (size_t)r, &h, &g, got, &n), r);
    for (i = 0; i < 7; i++) {
        cr_assert_eq(got[i].status, st2[i]);
        cr_assert_eq(got[i].delta_us, dl2[i]);
    }
}

Test(rtcp_fb_twcc, s3_1_5_received_picks_small_or_large_delta)
{
    rtcp_fb_twcc tw = {0, 0, 0, 0};
    static const uint8_t st[3] = {RTCP_FB_TWCC_RECEIVED, RTCP_FB_TWCC_RECEIVED, RTCP_FB_TWCC_RECEIVED};
    static const int32_t dl[3] = {63750, 64000, -8192000};
    rtcp_fb_twcc_packet pk[3], got[3];
    uint8_t out[64];
    size_t n = 3;
    rtcp_fb_common h;
    rtcp_fb_twcc g;
    int r;
    twcc_fill(pk, 3, 0, st, dl);
    r = twcc_build(&tw, pk, 3, out, sizeof out);
    cr_assert(r > 0);
    cr_assert_eq(rtcp_fb_twcc_parse(out, (size_t)r, &h, &g, got, &n), r);
    cr_assert_eq(got[0].status, RTCP_FB_TWCC_SMALL);
    cr_assert_eq(got[1].status, RTCP_FB_TWCC_LARGE);
    cr_assert_eq(got[2].status, RTCP_FB_TWCC_LARGE);
    cr_assert_eq(got[2].delta_us, -8192000);
    /* range and argument errors */
    pk[0].delta_us = 100;
    cr_assert_eq(twcc_build(&tw, pk, 3, out, sizeof out), RTCP_FB_ERR_RANGE);
    pk[0].delta_us = 250;
    pk[2].delta_us = 8192000;
    cr_assert_eq(twcc_build(&tw, pk, 3, out, sizeof out), RTCP_FB_ERR_RANGE);
    pk[2].delta_us = 0;
    pk[1].seq = 7;
    cr_assert_eq(twcc_build(&tw, pk, 3, out, sizeof out), RTCP_FB_ERR_INVALID);
    pk[1].seq = 1;
    pk[0].status = RTCP_FB_TWCC_SMALL;
    pk[0].delta_us = -250;
    cr_assert_eq(twcc_build(&tw, pk, 3, out, sizeof out), RTCP_FB_ERR_RANGE);
    pk[0].delta_us = 0;
    tw.ref_time = 0x800000;
    cr_assert_eq(twcc_build(&tw, pk, 3, out, sizeof out), RTCP_FB_ERR_RANGE);
}

Test(rtcp_fb_twcc, s3_1_padding_and_trailing_octets)
{
    uint8_t b[40];
    rtcp_fb_twcc_packet got[8];
    rtcp_fb_common h;
    rtcp_fb_twcc g;
    size_t n = 8;
    /* twcc-4 has 3 octets after the deltas (00 00 03, P set). Append one
     * more word without P: 7 octets of junk is a length error. */
    memcpy(b, tvb_twcc_4, 32);
    memset(b + 32, 0, 4);
    b[0] = 0x8f;
    b[3] = 8;
    cr_assert_eq(rtcp_fb_twcc_parse(b, 36, &h, &g, got, &n), RTCP_FB_ERR_LENGTH);
    /* the same with P and a count of 7: RFC 3550 padding, accepted */
    b[0] = 0xaf;
    b[35] = 7;
    n = 8;
    cr_assert_eq(rtcp_fb_twcc_parse(b, 36, &h, &g, got, &n), 36);
    cr_assert_eq(n, 7);
    /* too many statuses for the caller */
    n = 6;
    cr_assert_eq(rtcp_fb_twcc_parse(tvb_twcc_4, 32, &h, &g, got, &n), RTCP_FB_ERR_TOO_MANY);
    cr_assert_eq(n, 7);
    /* missing chunk: status count 7, FCI ends after the fixed part */
    memcpy(b, tvb_twcc_4, 20);
    b[3] = 4;
    b[0] = 0x8f;
    n = 8;
    cr_assert_eq(rtcp_fb_twcc_parse(b, 20, &h, &g, got, &n), RTCP_FB_ERR_LENGTH);
}

/* ---- RFC 8888 §3.1 ------------------------------------------------------ */

Test(rtcp_fb_ccfb, rfc8888_s3_1_build_exact_parse_round_trip)
{
    rtcp_fb_ccfb cc = {0x01020304u, 0x12345678u}, g;
    rtcp_fb_ccfb_metric m[4] = {{1, 0, 5}, {0, 0, 0}, {1, 3, 0x1FFF}, {1, 1, 1024}}, gm[4];
    rtcp_fb_ccfb_block bl[3] = {{0xaabbccddu, 100, 3, 0}, {7, 65535, 0, 3}, {8, 1, 1, 3}}, gb[3];
    static const uint8_t want[] = {0x8b, 0xcd, 0x00, 0x06, 1, 2, 3, 4, 0xaa, 0xbb, 0xcc, 0xdd,
                                   0x00, 0x64, 0x00, 0x03, 0x80, 0x05, 0x00, 0x00, 0xff, 0xff,
                                   0x00, 0x00, 0x12, 0x34, 0x56, 0x78};
    uint8_t out[128];
    size_t need, nb = 3, nm = 4, k;
    int r;
    const uint8_t *b;
    cr_assert_eq(rtcp_fb_ccfb_build(out, sizeof out, &cc, bl, 1, m, 4, &need), 28);
    cr_assert(memcmp(out, want, 28) == 0);
    cr_assert_eq(rtcp_fb_ccfb_build(out, 27, &cc, bl, 1, m, 4, &need), RTCP_FB_ERR_NOSPACE);
    cr_assert_eq(need, 28);
    r = rtcp_fb_ccfb_build(out, sizeof out, &cc, bl, 3, m, 4, &need);
    cr_assert_eq(r, 28 + 8 + 12);
    b = gcopy(out, (size_t)r);
    cr_assert_eq(rtcp_fb_ccfb_parse(b, (size_t)r, &g, gb, &nb, gm, &nm), r);
    cr_assert_eq(nb, 3);
    cr_assert_eq(nm, 4);
    cr_assert_eq(g.sender_ssrc, 0x01020304u);
    cr_assert_eq(g.report_timestamp, 0x12345678u);
    cr_assert_eq(gb[1].begin_seq, 65535);
    cr_assert_eq(gb[1].num_reports, 0);
    cr_assert_eq(gb[2].first, 3);
    cr_assert_eq(gm[2].ecn, 3);
    cr_assert_eq(gm[2].ato, RTCP_FB_CCFB_ATO_NA);
    cr_assert_eq(gm[3].ato, 1024);
    for (k = 0; k < (size_t)r; k++) {
        const uint8_t *q = gcopy(out, k);
        nb = 3;
        nm = 4;
        cr_assert_eq(rtcp_fb_ccfb_parse(q, k, &g, gb, &nb, gm, &nm), RTCP_FB_ERR_TRUNCATED);
        gfree(q, k);
    }
    nb = 2;
    nm = 4;
    cr_assert_eq(rtcp_fb_ccfb_parse(b, (size_t)r, &g, gb, &nb, gm, &nm), RTCP_FB_ERR_TOO_MANY);
    cr_assert_eq(nb, 3);
    gfree(b, (size_t)r);
    /* a block whose metrics run past the report timestamp */
    memcpy(out, want, 28);
    out[15] = 5;
    nb = 3;
    nm = 4;
    cr_assert_eq(rtcp_fb_ccfb_parse(out, 28, &g, gb, &nb, gm, &nm), RTCP_FB_ERR_LENGTH);
    out[14] = 0x40; /* num_reports 16389 > 16384 */
    cr_assert_eq(rtcp_fb_ccfb_parse(out, 28, &g, gb, &nb, gm, &nm), RTCP_FB_ERR_RANGE);
    m[0].ecn = 4;
    cr_assert_eq(rtcp_fb_ccfb_build(out, sizeof out, &cc, bl, 1, m, 4, &need), RTCP_FB_ERR_RANGE);
    m[0].ecn = 0;
    bl[0].first = 2;
    cr_assert_eq(rtcp_fb_ccfb_build(out, sizeof out, &cc, bl, 1, m, 4, &need), RTCP_FB_ERR_INVALID);
    /* no blocks: header, sender SSRC, timestamp */
    cr_assert_eq(rtcp_fb_ccfb_build(out, sizeof out, &cc, NULL, 0, NULL, 0, &need), 12);
    nb = 3;
    nm = 4;
    cr_assert_eq(rtcp_fb_ccfb_parse(out, 12, &g, gb, &nb, gm, &nm), 12);
    cr_assert_eq(nb, 0);
}

/* ---- NACK generator (RFC 4585 §3.5 timing, §6.2.1 content) ------------ */

static rtcp_fb_nackgen ng;

static void ng_init(uint32_t window, uint32_t retries, uint64_t age, uint64_t rtt)
{
    rtcp_fb_nackgen_config c;
    memset(&c, 0, sizeof c);
    c.window = window;
    c.max_retries = retries;
    c.max_age_us = age;
    c.rtt_us = rtt;
    cr_assert_eq(rtcp_fb_nackgen_init(&ng, &c), 0);
}

static size_t poll_at(uint64_t t, uint16_t *out) { return rtcp_fb_nackgen_poll(&ng, t, out, 64); }

Test(rtcp_fb_nackgen, s3_5_gap_nacked_at_once_then_every_rtt)
{
    uint16_t out[64];
    ng_init(0, 0, 0, 0); /* defaults: rtt 100 ms */
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&ng), UINT64_MAX);
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&ng, 1, 0), 0);
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&ng, 2, 1000), 0);
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&ng, 5, 2000), 2);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&ng), 2000);
    cr_assert_eq(poll_at(2000, out), 2);
    cr_assert_eq(out[0], 3);
    cr_assert_eq(out[1], 4);
    cr_assert_eq(poll_at(3000, out), 0);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&ng), 102000);
    cr_assert_eq(poll_at(101999, out), 0);
    cr_assert_eq(poll_at(102000, out), 2);
    /* spacing follows the RTT the caller sets */
    rtcp_fb_nackgen_set_rtt(&ng, 20000);
    cr_assert_eq(poll_at(202000, out), 2);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&ng), 222000);
    /* ... but never under min_interval_us (5 ms default) */
    rtcp_fb_nackgen_set_rtt(&ng, 1000);
    cr_assert_eq(poll_at(222000, out), 2);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&ng), 227000);
}

Test(rtcp_fb_nackgen, wrap_at_65535)
{
    uint16_t out[64];
    ng_init(0, 0, 0, 0);
    rtcp_fb_nackgen_on_packet(&ng, 65533, 0);
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&ng, 65535, 10), 1);
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&ng, 2, 20), 2);
    cr_assert_eq(poll_at(20, out), 3);
    cr_assert_eq(out[0], 65534);
    cr_assert_eq(out[1], 0);
    cr_assert_eq(out[2], 1);
    /* a packet from before the wrap is "old", not a new jump */
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&ng, 65534, 30), 0);
    cr_assert_eq(rtcp_fb_nackgen_missing(&ng), 2);
}

Test(rtcp_fb_nackgen, reordering_recovers_before_the_nack)
{
    rtcp_fb_nackgen_config c;
    uint16_t out[64];
    memset(&c, 0, sizeof c);
    c.reorder_us = 10000;
    cr_assert_eq(rtcp_fb_nackgen_init(&ng, &c), 0);
    rtcp_fb_nackgen_on_packet(&ng, 10, 0);
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&ng, 13, 1000), 2);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&ng), 11000);
    cr_assert_eq(poll_at(5000, out), 0);
    rtcp_fb_nackgen_on_packet(&ng, 11, 6000); /* late, inside the reorder wait */
    rtcp_fb_nackgen_on_packet(&ng, 13, 6500); /* duplicate: nothing */
    cr_assert_eq(ng.n_recovered, 1);
    cr_assert_eq(poll_at(11000, out), 1);
    cr_assert_eq(out[0], 12);
    rtcp_fb_nackgen_on_packet(&ng, 12, 12000); /* the retransmission */
    cr_assert_eq(rtcp_fb_nackgen_missing(&ng), 0);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&ng), UINT64_MAX);
}

Test(rtcp_fb_nackgen, retry_limit_per_sequence_number)
{
    uint16_t out[64];
    uint64_t t = 0;
    int i;
    ng_init(0, 3, 10000000, 50000);
    rtcp_fb_nackgen_on_packet(&ng, 100, 0);
    rtcp_fb_nackgen_on_packet(&ng, 102, 0);
    for (i = 0; i < 3; i++) {
        cr_assert_eq(poll_at(t, out), 1, "try %d", i);
        cr_assert_eq(out[0], 101);
        t += 50000;
    }
    /* the third NACK gets one spacing for its retransmission, then the
     * number is given up */
    cr_assert_eq(rtcp_fb_nackgen_missing(&ng), 1);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&ng), t);
    cr_assert_eq(poll_at(t - 1, out), 0);
    cr_assert_eq(ng.n_given_up, 0);
    cr_assert_eq(poll_at(t, out), 0);
    cr_assert_eq(rtcp_fb_nackgen_missing(&ng), 0);
    cr_assert_eq(ng.n_given_up, 1);
}

Test(rtcp_fb_nackgen, max_age_drops_old_numbers)
{
    uint16_t out[64];
    ng_init(0, 0, 50000, 30000);
    rtcp_fb_nackgen_on_packet(&ng, 1, 0);
    rtcp_fb_nackgen_on_packet(&ng, 3, 0);
    cr_assert_eq(poll_at(0, out), 1);
    cr_assert_eq(poll_at(30000, out), 1);
    /* next send would be at 60 ms, but the number expires at 50 ms */
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&ng), 50000);
    cr_assert_eq(poll_at(50000, out), 0);
    cr_assert_eq(rtcp_fb_nackgen_missing(&ng), 0);
}

Test(rtcp_fb_nackgen, window_slides_and_large_jump_resets)
{
    uint16_t out[64];
    ng_init(10, 0, 0, 0);
    rtcp_fb_nackgen_on_packet(&ng, 1, 0);
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&ng, 5, 0), 3); /* 2 3 4 */
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&ng, 13, 0), 7); /* 6..12; 2 falls out */
    cr_assert_eq(rtcp_fb_nackgen_missing(&ng), 9);
    cr_assert_eq(poll_at(0, out), 9);
    cr_assert_eq(out[0], 3);
    /* a jump over the window: stream restart, nothing NACKed */
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&ng, 40, 0), 0);
    cr_assert_eq(rtcp_fb_nackgen_missing(&ng), 0);
    cr_assert_eq(ng.n_resets, 1);
    {
        rtcp_fb_nackgen_config c;
        memset(&c, 0, sizeof c);
        c.window = RTCP_FB_NACKGEN_MAX + 1;
        cr_assert_eq(rtcp_fb_nackgen_init(&ng, &c), RTCP_FB_ERR_INVALID);
    }
}

Test(rtcp_fb_nackgen, poll_cap_leaves_the_rest_due_and_feeds_the_builder)
{
    uint16_t out[64];
    uint8_t pkt[64];
    size_t need;
    ng_init(0, 0, 0, 0);
    rtcp_fb_nackgen_on_packet(&ng, 0, 0);
    rtcp_fb_nackgen_on_packet(&ng, 6, 0);
    cr_assert_eq(rtcp_fb_nackgen_poll(&ng, 0, out, 2), 2);
    cr_assert_eq(out[1], 2);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&ng), 0);
    cr_assert_eq(rtcp_fb_nackgen_poll(&ng, 1, out, 64), 3);
    cr_assert_eq(out[0], 3);
    /* RFC 4585 §6.2.1: one FCI holds 3, 4, 5 */
    cr_assert_eq(rtcp_fb_nack_build_seqs(pkt, sizeof pkt, 1, 2, out, 3, &need), 16);
    cr_assert_eq(pkt[13], 3);
    cr_assert_eq(pkt[15], 3);
}
