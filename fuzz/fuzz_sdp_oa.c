/* fuzz_sdp_oa.c - sdp.h offer/answer with a fuzzed remote description.
 *
 * Input: 1 flag byte (bit 0: lenient parse; bits 1-2: our direction;
 * bit 3: SRTP profile with a key; bit 4: rtcp-mux), then a remote SDP.
 * It is answered as an offer (sdp_answer_build) and processed as the answer
 * to our fixed offer (sdp_answer_process). Properties: the answer parses
 * strictly, has exactly as many m= lines as the offer, each accepted one
 * with a payload type that the offer listed; negotiated spans lie inside
 * the remote text or our own strings; NOSPACE sizes are exact.
 */
#define SDP_IMPLEMENTATION
#include "sdp.h"
#include "fuzz.h"

static const char *lo_, *hi_;

static int inside(sdp_str s)
{
    return !s.p || (s.p >= lo_ && s.p <= hi_ && s.len <= (size_t)(hi_ - s.p));
}

static void local_caps(sdp_local *l, unsigned flags)
{
    sdp_local_media *a = &l->media[0], *v = &l->media[1];
    memset(l, 0, sizeof *l);
    l->sess_id = 1;
    l->sess_version = 1;
    l->addr = "192.0.2.1";
    l->n_media = 2;
    a->type = "audio";
    a->proto = (flags & 8u) ? "RTP/SAVP" : "RTP/AVP";
    a->port = 4000;
    a->codecs[0] = (sdp_codec){"opus", 48000, 2, -1, "useinbandfec=1"};
    a->codecs[1] = (sdp_codec){"PCMU", 8000, 1, 0, NULL};
    a->codecs[2] = (sdp_codec){"telephone-event", 8000, 1, -1, "0-16"};
    a->n_codecs = 3;
    a->dir = (sdp_dir)((flags >> 1) & 3u);
    a->rtcp_mux = (int)((flags >> 4) & 1u);
    a->crypto[0] = (sdp_local_crypto){"AES_CM_128_HMAC_SHA1_80", "inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3"};
    a->n_crypto = (flags & 8u) ? 1 : 0;
    a->extmap[0] = (sdp_local_extmap){1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"};
    a->n_extmap = 1;
    a->rtcp_fb[0] = "nack";
    a->n_rtcp_fb = 1;
    v->type = "video";
    v->proto = "RTP/AVPF";
    v->port = 4002;
    v->codecs[0] = (sdp_codec){"VP8", 90000, 0, -1, NULL};
    v->n_codecs = 1;
    v->dir = SDP_DIR_SENDRECV;
}

static void check_neg(const sdp_negotiated *n)
{
    FUZZ_CHECK(inside(n->remote_addr) && inside(n->remote_rtcp_addr) && inside(n->fmtp) &&
               inside(n->remote_key_params) && inside(n->mid) && inside(n->crypto_suite));
    if (n->active) FUZZ_CHECK(n->pt <= 127 && n->clock_rate > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sdp_session s, sa;
    static sdp_attr a[64], aa[64];
    static sdp_media m[8], ma[8];
    static sdp_negotiated neg[8];
    sdp_local l;
    unsigned flags, i;
    char *in, *out;
    size_t n, need = 0, need2 = 0;
    int len;
    if (size < 1) return 0;
    flags = data[0];
    n = size - 1;
    in = fuzz_dup(data + 1, n);
    lo_ = in;
    hi_ = in + n;
    local_caps(&l, flags);
    if (sdp_parse(in, n, flags & 1u, &s, a, 64, m, 8, NULL) == 0) {
        len = sdp_answer_build(&s, &l, neg, 8, NULL, 0, &need);
        FUZZ_CHECK(len == SDP_ERR_NOSPACE);
        out = fuzz_alloc(need);
        FUZZ_CHECK(sdp_answer_build(&s, &l, neg, 8, out, need, &need2) == (int)need);
        if (need) FUZZ_CHECK(sdp_answer_build(&s, &l, neg, 8, out, need - 1, &need2) == SDP_ERR_NOSPACE);
        FUZZ_CHECK(sdp_parse(out, need, 0, &sa, aa, 64, ma, 8, NULL) == 0);
        FUZZ_CHECK(sa.n_media == s.n_media);
        for (i = 0; i < s.n_media; i++) {
            check_neg(&neg[i]);
            FUZZ_CHECK(!neg[i].active == !ma[i].port);
        }
        free(out);
        /* the same text as the answer to our offer */
        if (sdp_answer_process(&l, &s, neg, 8) == 0)
            for (i = 0; i < s.n_media; i++) check_neg(&neg[i]);
    }
    free(in);
    return 0;
}
