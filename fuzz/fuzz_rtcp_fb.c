/* fuzz_rtcp_fb.c - rtcp_feedback.h: every feedback parser, its builder,
 * and the NACK generator.
 *
 * Input: 1 selector byte + data. Selector low 4 bits (mod 13) pick the
 * target: 0 NACK, 1 PLI, 2 SLI, 3 RPSI, 4 FIR, 5 TSTR, 6 TSTN, 7 TMMBR,
 * 8 TMMBN, 9 REMB, 10 TWCC, 11 RFC 8888, 12 NACK generator. Bit 7 patches
 * the packet's PT and FMT to the target's so the fuzzer reaches the body
 * without guessing them; bit 6 gives the parser a small item array.
 *
 * Properties checked for a message parser: the result is the packet size
 * (<= input, a multiple of 4, >= 12) or an RTCP_FB_ERR_* code; a pointer
 * into the input (RPSI bits) lies inside it; TOO_MANY reports a larger
 * count than the capacity given. Then build from the parsed values: NULL
 * measures, the exact size builds, one octet less is NOSPACE with the same
 * size; the built packet parses to the same values, and building again
 * gives the same bytes (the canonical form is a fixed point); when the
 * input was canonical (no P bit, and not TWCC whose chunks may differ) the
 * bytes equal the input's packet.
 *
 * NACK generator: the data is read as 4-octet records (op, seq high, seq
 * low, time step); now_us only grows. Checked: poll writes at most cap,
 * oldest first, only numbers within the window behind the highest; after
 * a poll with room for all, next_deadline is later than now; the list
 * never exceeds the window.
 */
#define RTCP_FEEDBACK_IMPLEMENTATION
#include "rtcp_feedback.h"
#include "fuzz.h"

#define MAXI 64

static int is_err(int r) { return r <= -300 && r >= -399; }

typedef struct vals {
    rtcp_fb_common h;
    size_t n;
    rtcp_fb_nack_item nack[MAXI];
    rtcp_fb_sli_item sli[MAXI];
    rtcp_fb_rpsi rpsi;
    rtcp_fb_fir_item fir[MAXI];
    rtcp_fb_tst_item tst[MAXI];
    rtcp_fb_tmmb_item tmmb[MAXI];
    rtcp_fb_remb remb;
    uint32_t ssrcs[MAXI];
    rtcp_fb_twcc tw;
    rtcp_fb_twcc_packet pk[4096];
    rtcp_fb_ccfb cc;
    rtcp_fb_ccfb_block bl[MAXI];
    size_t nb;
    rtcp_fb_ccfb_metric m[4096];
} vals;

static vals va, vb; /* large: static, reset per call */

static const unsigned pt_of[12] = {205, 206, 206, 206, 206, 206, 206, 205, 205, 206, 205, 205};
static const unsigned fmt_of[12] = {1, 1, 2, 3, 4, 5, 6, 3, 4, 15, 15, 11};

static int parse(int t, const uint8_t *b, size_t n, vals *v, size_t cap)
{
    size_t c = cap;
    memset(&v->h, 0, sizeof v->h);
    v->n = c;
    switch (t) {
    case 0: return rtcp_fb_nack_parse(b, n, &v->h, v->nack, &v->n);
    case 1: return rtcp_fb_pli_parse(b, n, &v->h);
    case 2: return rtcp_fb_sli_parse(b, n, &v->h, v->sli, &v->n);
    case 3: return rtcp_fb_rpsi_parse(b, n, &v->h, &v->rpsi);
    case 4: return rtcp_fb_fir_parse(b, n, &v->h, v->fir, &v->n);
    case 5: return rtcp_fb_tst_parse(b, n, 5, &v->h, v->tst, &v->n);
    case 6: return rtcp_fb_tst_parse(b, n, 6, &v->h, v->tst, &v->n);
    case 7: return rtcp_fb_tmmb_parse(b, n, 3, &v->h, v->tmmb, &v->n);
    case 8: return rtcp_fb_tmmb_parse(b, n, 4, &v->h, v->tmmb, &v->n);
    case 9: return rtcp_fb_remb_parse(b, n, &v->h, &v->remb, v->ssrcs, &v->n);
    case 10:
        v->n = cap == MAXI ? 4096 : 4;
        return rtcp_fb_twcc_parse(b, n, &v->h, &v->tw, v->pk, &v->n);
    default:
        v->nb = c;
        v->n = cap == MAXI ? 4096 : 4;
        return rtcp_fb_ccfb_parse(b, n, &v->cc, v->bl, &v->nb, v->m, &v->n);
    }
}

static int build(int t, const vals *v, uint8_t *o, size_t cap, size_t *need)
{
    uint32_t s = v->h.sender_ssrc, m = v->h.media_ssrc;
    switch (t) {
    case 0: return rtcp_fb_nack_build(o, cap, s, m, v->nack, v->n, need);
    case 1: return rtcp_fb_pli_build(o, cap, s, m, need);
    case 2: return rtcp_fb_sli_build(o, cap, s, m, v->sli, v->n, need);
    case 3: return rtcp_fb_rpsi_build(o, cap, s, m, &v->rpsi, need);
    case 4: return rtcp_fb_fir_build(o, cap, s, m, v->fir, v->n, need);
    case 5: return rtcp_fb_tst_build(o, cap, 5, s, m, v->tst, v->n, need);
    case 6: return rtcp_fb_tst_build(o, cap, 6, s, m, v->tst, v->n, need);
    case 7: return rtcp_fb_tmmb_build(o, cap, 3, s, m, v->tmmb, v->n, need);
    case 8: return rtcp_fb_tmmb_build(o, cap, 4, s, m, v->tmmb, v->n, need);
    case 9: return rtcp_fb_remb_build(o, cap, s, m, &v->remb, v->ssrcs, v->n, need);
    case 10: return rtcp_fb_twcc_build(o, cap, s, m, &v->tw, v->pk, v->n, need);
    default: return rtcp_fb_ccfb_build(o, cap, &v->cc, v->bl, v->nb, v->m, v->n, need);
    }
}

/* The parsed values of two parses are the same. */
static void same(int t, const vals *a, const vals *b)
{
    size_t i;
    FUZZ_CHECK(a->n == b->n);
    if (t != 11) {
        FUZZ_CHECK(a->h.sender_ssrc == b->h.sender_ssrc);
        FUZZ_CHECK(a->h.media_ssrc == b->h.media_ssrc);
        FUZZ_CHECK(a->h.fmt == b->h.fmt && a->h.pt == b->h.pt);
    }
    switch (t) {
    case 0: FUZZ_CHECK(!memcmp(a->nack, b->nack, a->n * sizeof a->nack[0])); break;
    case 2:
        for (i = 0; i < a->n; i++)
            FUZZ_CHECK(a->sli[i].first == b->sli[i].first && a->sli[i].number == b->sli[i].number &&
                       a->sli[i].picture_id == b->sli[i].picture_id);
        break;
    case 3:
        FUZZ_CHECK(a->rpsi.payload_type == b->rpsi.payload_type);
        FUZZ_CHECK(a->rpsi.n_bits == b->rpsi.n_bits);
        for (i = 0; i < a->rpsi.n_bits; i++)
            FUZZ_CHECK(((a->rpsi.bits[i / 8] ^ b->rpsi.bits[i / 8]) & (0x80u >> (i % 8))) == 0);
        break;
    case 4:
        for (i = 0; i < a->n; i++)
            FUZZ_CHECK(a->fir[i].ssrc == b->fir[i].ssrc && a->fir[i].seq == b->fir[i].seq);
        break;
    case 5: case 6:
        for (i = 0; i < a->n; i++)
            FUZZ_CHECK(a->tst[i].ssrc == b->tst[i].ssrc && a->tst[i].seq == b->tst[i].seq &&
                       a->tst[i].index == b->tst[i].index);
        break;
    case 7: case 8:
        for (i = 0; i < a->n; i++)
            FUZZ_CHECK(a->tmmb[i].ssrc == b->tmmb[i].ssrc && a->tmmb[i].exp == b->tmmb[i].exp &&
                       a->tmmb[i].mantissa == b->tmmb[i].mantissa &&
                       a->tmmb[i].overhead == b->tmmb[i].overhead);
        break;
    case 9:
        FUZZ_CHECK(a->remb.exp == b->remb.exp && a->remb.mantissa == b->remb.mantissa);
        FUZZ_CHECK(!memcmp(a->ssrcs, b->ssrcs, a->n * 4));
        break;
    case 10:
        FUZZ_CHECK(a->tw.base_seq == b->tw.base_seq && a->tw.status_count == b->tw.status_count &&
                   a->tw.ref_time == b->tw.ref_time && a->tw.fb_pkt_count == b->tw.fb_pkt_count);
        for (i = 0; i < a->n; i++)
            FUZZ_CHECK(a->pk[i].seq == b->pk[i].seq && a->pk[i].status == b->pk[i].status &&
                       a->pk[i].delta_us == b->pk[i].delta_us);
        break;
    case 11:
        FUZZ_CHECK(a->nb == b->nb);
        FUZZ_CHECK(a->cc.sender_ssrc == b->cc.sender_ssrc &&
                   a->cc.report_timestamp == b->cc.report_timestamp);
        for (i = 0; i < a->nb; i++)
            FUZZ_CHECK(a->bl[i].ssrc == b->bl[i].ssrc && a->bl[i].begin_seq == b->bl[i].begin_seq &&
                       a->bl[i].num_reports == b->bl[i].num_reports && a->bl[i].first == b->bl[i].first);
        for (i = 0; i < a->n; i++)
            FUZZ_CHECK(a->m[i].received == b->m[i].received && a->m[i].ecn == b->m[i].ecn &&
                       a->m[i].ato == b->m[i].ato);
        break;
    default: break;
    }
}

static void message(int t, int small, const uint8_t *b, size_t n)
{
    size_t cap = small ? 2 : MAXI, need = 0, need2 = 0;
    int r, r2, r3;
    uint8_t *o, *o2;
    r = parse(t, b, n, &va, cap);
    FUZZ_CHECK(r > 0 || is_err(r));
    if (r == RTCP_FB_ERR_TOO_MANY) {
        FUZZ_CHECK(t == 11 ? (va.nb > cap || va.n > (cap == MAXI ? 4096u : 4u))
                           : va.n > (t == 10 ? (cap == MAXI ? 4096u : 4u) : cap));
        return;
    }
    if (r < 0) return;
    FUZZ_CHECK((size_t)r <= n && r % 4 == 0 && r >= 12);
    if (t == 3 && va.rpsi.n_bits)
        FUZZ_CHECK(va.rpsi.bits >= b && va.rpsi.bits + (va.rpsi.n_bits + 7) / 8 <= b + r);
    /* build: measure, exact, one short */
    r2 = build(t, &va, NULL, 0, &need);
    if (r2 != RTCP_FB_ERR_NOSPACE) {
        /* values a parser gives are always buildable */
        FUZZ_TRAP();
    }
    o = (uint8_t *)fuzz_alloc(need);
    r2 = build(t, &va, o, need, &need2);
    FUZZ_CHECK(r2 == (int)need && need2 == need);
    if (need > 0) {
        r3 = build(t, &va, o, need - 1, &need2);
        FUZZ_CHECK(r3 == RTCP_FB_ERR_NOSPACE && need2 == need);
        r3 = build(t, &va, o, need, &need2); /* rewrite after the short try */
        FUZZ_CHECK(r3 == r2);
    }
    /* canonical input: same bytes */
    if (!(b[0] & 0x20u) && t != 10) {
        FUZZ_CHECK((size_t)r2 == (size_t)r);
        if (t == 3) { /* the zero bit before the PT is ignored on receipt */
            FUZZ_CHECK(memcmp(o, b, 13) == 0);
            FUZZ_CHECK(memcmp(o + 14, b + 14, va.rpsi.n_bits / 8) == 0);
        } else {
            /* reserved bits (FIR, TST) and CCFB padding are zeroed */
            if (t != 4 && t != 5 && t != 6 && t != 11) FUZZ_CHECK(memcmp(o, b, (size_t)r) == 0);
        }
    }
    /* parse the built packet: same values; build again: same bytes */
    r3 = parse(t, o, (size_t)r2, &vb, cap);
    FUZZ_CHECK(r3 == r2);
    same(t, &va, &vb);
    o2 = (uint8_t *)fuzz_alloc(need);
    FUZZ_CHECK(build(t, &vb, o2, need, NULL) == r2);
    FUZZ_CHECK(memcmp(o, o2, need) == 0);
    free(o);
    free(o2);
}

static rtcp_fb_nackgen ng;

static void nackgen(const uint8_t *d, size_t n)
{
    rtcp_fb_nackgen_config c;
    uint64_t now = 0;
    uint16_t out[RTCP_FB_NACKGEN_MAX];
    size_t i;
    memset(&c, 0, sizeof c);
    if (n < 4) return;
    c.window = (uint32_t)(d[0] * 2u) % (RTCP_FB_NACKGEN_MAX + 1);
    c.max_retries = d[1] % 8;
    c.max_age_us = (uint64_t)d[2] * 10000u;
    c.reorder_us = (uint64_t)(d[3] & 0x0F) * 1000u;
    c.rtt_us = (uint64_t)(d[3] >> 4) * 10000u;
    FUZZ_CHECK(rtcp_fb_nackgen_init(&ng, &c) == 0);
    for (i = 4; i + 4 <= n; i += 4) {
        unsigned op = d[i] % 8;
        uint16_t seq = (uint16_t)((d[i + 1] << 8) | d[i + 2]);
        uint64_t step = d[i + 3] == 255 ? ((uint64_t)1 << 62) : (uint64_t)d[i + 3] * 1000u;
        now = now > UINT64_MAX - step ? UINT64_MAX : now + step;
        if (op < 4) {
            /* mostly near the highest: a small step forward or back */
            uint16_t s = op < 2 ? (uint16_t)(ng.highest + (seq % 40) - 8) : seq;
            int added = rtcp_fb_nackgen_on_packet(&ng, s, now);
            FUZZ_CHECK(added >= 0 && (uint32_t)added <= ng.cfg.window);
        } else if (op < 7) {
            size_t cap = op == 4 ? (size_t)(seq % 8) : RTCP_FB_NACKGEN_MAX;
            size_t k = rtcp_fb_nackgen_poll(&ng, now, out, cap), j;
            uint16_t prev = 0;
            FUZZ_CHECK(k <= cap);
            for (j = 0; j < k; j++) {
                uint16_t behind = (uint16_t)(ng.highest - out[j]);
                FUZZ_CHECK(behind >= 1 && behind <= ng.cfg.window);
                if (j) FUZZ_CHECK(behind < prev); /* oldest first */
                prev = behind;
            }
            if (cap == RTCP_FB_NACKGEN_MAX && now != UINT64_MAX)
                FUZZ_CHECK(rtcp_fb_nackgen_next_deadline(&ng) > now);
            if (k) {
                uint8_t pkt[16 + 4 * RTCP_FB_NACKGEN_MAX];
                FUZZ_CHECK(rtcp_fb_nack_build_seqs(pkt, sizeof pkt, 1, 2, out, k, NULL) > 0);
            }
        } else {
            rtcp_fb_nackgen_set_rtt(&ng, (uint64_t)seq * 100u);
        }
        FUZZ_CHECK(rtcp_fb_nackgen_missing(&ng) < ng.cfg.window + 1u);
        if (now < ((uint64_t)1 << 61))
            FUZZ_CHECK(rtcp_fb_nackgen_missing(&ng) == 0 ||
                       rtcp_fb_nackgen_next_deadline(&ng) != UINT64_MAX);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned sel;
    int t;
    uint8_t *b;
    size_t n;
    if (size < 1) return 0;
    sel = data[0];
    t = (int)((sel & 0x0Fu) % 13u);
    n = size - 1;
    b = (uint8_t *)fuzz_dup(data + 1, n);
    if (t == 12) {
        nackgen(b, n);
    } else {
        if ((sel & 0x80u) && n >= 2) {
            b[0] = (uint8_t)((b[0] & 0xE0u) | fmt_of[t]);
            b[1] = (uint8_t)pt_of[t];
        }
        message(t, (sel & 0x40u) != 0, b, n);
        /* the generic header parser and a NACK round trip of a list */
        {
            rtcp_fb_common h;
            int r = rtcp_fb_parse_common(b, n, &h);
            FUZZ_CHECK(r > 0 || is_err(r));
            if (r > 0) FUZZ_CHECK(h.fci >= b && h.fci + h.fci_len <= b + r);
            fuzz_cstr(rtcp_fb_strerror(r));
        }
        if (n >= 2 && n / 2 <= 256) {
            uint16_t seqs[256], back[256 * 17];
            rtcp_fb_nack_item it[256];
            size_t i, k = n / 2;
            int ni, ns;
            for (i = 0; i < k; i++) seqs[i] = (uint16_t)((b[2 * i] << 8) | b[2 * i + 1]);
            ni = rtcp_fb_nack_items_from_seqs(seqs, k, it, 256);
            FUZZ_CHECK(ni >= 1 && (size_t)ni <= k);
            ns = rtcp_fb_nack_items_to_seqs(it, (size_t)ni, back, sizeof back / sizeof back[0]);
            FUZZ_CHECK(ns >= ni);
            /* every input number is in the expansion */
            for (i = 0; i < k; i++) {
                int j, found = 0;
                for (j = 0; j < ns && !found; j++) found = back[j] == seqs[i];
                FUZZ_CHECK(found);
            }
        }
    }
    free(b);
    return 0;
}
