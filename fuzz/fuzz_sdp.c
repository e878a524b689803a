/* fuzz_sdp.c - sdp.h parser, typed attributes and printer.
 *
 * Input: 1 flag byte (bit 0: SDP_PARSE_LENIENT), then the description.
 * Properties: spans lie inside the input; every attribute value goes
 * through each typed parser (their spans lie inside the value); a parsed
 * description prints, the print parses again (strict mode: the printer
 * writes §5 order) and prints to the same bytes; a print into a buffer one
 * byte short reports NOSPACE with the same size.
 */
#define SDP_IMPLEMENTATION
#include "sdp.h"
#include "fuzz.h"

#define MAXA 64
#define MAXM 8

static const char *lo_, *hi_;

static void in_(sdp_str s)
{
    if (!s.p) {
        FUZZ_CHECK(s.len == 0);
        return;
    }
    FUZZ_CHECK(s.p >= lo_ && s.p <= hi_ && s.len <= (size_t)(hi_ - s.p));
    if (s.len) fuzz_sink_ += (unsigned char)s.p[0] + (unsigned char)s.p[s.len - 1];
}

static void in_conn(const sdp_conn *c)
{
    in_(c->nettype);
    in_(c->addrtype);
    in_(c->addr);
}

static void typed(sdp_str v)
{
    sdp_rtpmap r;
    sdp_fmtp f;
    sdp_rtcp rc;
    sdp_crypto c;
    sdp_extmap x;
    sdp_rtcp_fb fb;
    sdp_group g;
    sdp_ssrc ss;
    sdp_rid rid;
    sdp_simulcast sc;
    sdp_candidate cand;
    sdp_str n, val, tok;
    size_t pos = 0;
    uint32_t u;
    if (!sdp_rtpmap_parse(v, &r)) in_(r.encoding);
    if (!sdp_fmtp_parse(v, &f)) {
        in_(f.format);
        while (sdp_param_next(f.params, &pos, &n, &val)) in_(n), in_(val);
    }
    if (!sdp_rtcp_parse(v, &rc)) in_(rc.addr);
    if (!sdp_crypto_parse(v, &c)) in_(c.key_params), in_(c.session_params);
    if (!sdp_extmap_parse(v, &x)) in_(x.uri), in_(x.attributes);
    if (!sdp_rtcp_fb_parse(v, &fb)) in_(fb.type), in_(fb.param);
    if (!sdp_group_parse(v, &g)) {
        pos = 0;
        while (sdp_token_next(g.ids, &pos, &tok)) in_(tok);
    }
    if (!sdp_ssrc_parse(v, &ss)) in_(ss.attribute), in_(ss.value);
    if (!sdp_rid_parse(v, &rid)) in_(rid.id), in_(rid.params);
    if (!sdp_simulcast_parse(v, &sc)) in_(sc.send), in_(sc.recv);
    if (!sdp_candidate_parse(v, &cand)) in_(cand.addr), in_(cand.raddr), in_(cand.extensions);
    (void)sdp_setup_parse(v);
    (void)sdp_uint_parse(v, 1000, &u);
}

static void check_spans(const sdp_session *s)
{
    unsigned i, k;
    in_(s->origin.username);
    in_(s->origin.addr);
    in_(s->name);
    if (s->has_conn) in_conn(&s->conn);
    for (i = 0; i < s->n_attrs; i++) in_(s->attrs[i].name), in_(s->attrs[i].value), typed(s->attrs[i].value);
    for (i = 0; i < s->n_media; i++) {
        const sdp_media *m = &s->media[i];
        in_(m->type);
        in_(m->proto);
        for (k = 0; k < m->n_fmt; k++) in_(m->fmt[k]);
        for (k = 0; k < m->n_conn; k++) in_conn(&m->conn[k]);
        for (k = 0; k < m->n_attrs; k++) in_(m->attrs[k].name), in_(m->attrs[k].value), typed(m->attrs[k].value);
        (void)sdp_media_dir(s, m);
        (void)sdp_media_conn(s, m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sdp_session s, s2;
    static sdp_attr a[MAXA], a2[MAXA];
    static sdp_media m[MAXM], m2[MAXM];
    unsigned flags;
    char *in, *out, *out2;
    size_t n, need = 0, need2 = 0;
    int len, len2;
    if (size < 1) return 0;
    flags = data[0] & 1u;
    n = size - 1;
    in = fuzz_dup(data + 1, n);
    lo_ = in;
    hi_ = in + n;
    if (sdp_parse(in, n, flags, &s, a, MAXA, m, MAXM, NULL) == 0) {
        check_spans(&s);
        len = sdp_print(&s, NULL, 0, &need);
        if (len == SDP_ERR_NOSPACE) {
            out = fuzz_alloc(need);
            len = sdp_print(&s, out, need, NULL);
            FUZZ_CHECK(len == (int)need);
            if (need) FUZZ_CHECK(sdp_print(&s, out, need - 1, &need2) == SDP_ERR_NOSPACE && need2 == need);
            /* a lenient parse may have held what the printer writes as
             * another order; the strict parse must accept the print */
            FUZZ_CHECK(sdp_parse(out, need, 0, &s2, a2, MAXA, m2, MAXM, NULL) == 0);
            len2 = sdp_print(&s2, NULL, 0, &need2);
            FUZZ_CHECK(len2 == SDP_ERR_NOSPACE && need2 == need);
            out2 = fuzz_alloc(need2);
            FUZZ_CHECK(sdp_print(&s2, out2, need2, NULL) == (int)need2);
            FUZZ_CHECK(memcmp(out, out2, need) == 0);
            free(out2);
            free(out);
        } else {
            FUZZ_CHECK(len == SDP_ERR_INVALID);
        }
    }
    free(in);
    return 0;
}
