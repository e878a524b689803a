/* sdp.h offer/answer (RFC 3264). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sdp.h"

#define SDP_EQ(s, c) cr_assert(sdp_str_eq_c((s), (c)), "expected \"%s\", got \"%.*s\"", (c), (int)(s).len, (s).p ? (s).p : "(absent)")

static sdp_session S;
static sdp_attr A[64];
static sdp_media M[8];
static char text[4096];

static void parse_into(const char *t, size_t n)
{
    sdp_error e;
    int rc = sdp_parse(t, n, 0, &S, A, 64, M, 8, &e);
    cr_assert_eq(rc, 0, "%s (line %u): %s", e.reason, e.line, t);
}

static void local_audio(sdp_local *l)
{
    sdp_local_media *a = &l->media[0];
    memset(l, 0, sizeof *l);
    l->username = "cvoip";
    l->sess_id = 1000;
    l->sess_version = 1;
    l->addr = "192.0.2.10";
    l->n_media = 1;
    a->type = "audio";
    a->proto = "RTP/AVP";
    a->port = 40000;
    a->codecs[0] = (sdp_codec){"PCMU", 8000, 1, 0, NULL};
    a->codecs[1] = (sdp_codec){"PCMA", 8000, 1, 8, NULL};
    a->codecs[2] = (sdp_codec){"telephone-event", 8000, 1, -1, "0-16"};
    a->n_codecs = 3;
    a->ptime = 20;
    a->dir = SDP_DIR_SENDRECV;
}

/* RFC 3264 §5: the offer lists our payload types in preference order,
 * with rtpmap for each; a dynamic type is picked from 96 up. */
Test(sdp_oa, offer_exact_bytes_rfc3264_5)
{
    sdp_local l;
    size_t need;
    int n;
    static const char want[] =
        "v=0\r\no=cvoip 1000 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
        "m=audio 40000 RTP/AVP 0 8 96\r\n"
        "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
        "a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n"
        "a=ptime:20\r\na=sendrecv\r\n";
    local_audio(&l);
    n = sdp_offer_build(&l, text, sizeof text, &need);
    cr_assert_eq(n, (int)strlen(want), "%.*s", n > 0 ? n : 0, text);
    cr_assert_eq(memcmp(text, want, (size_t)n), 0, "%.*s", n, text);
    cr_assert_eq(sdp_offer_build(&l, NULL, 0, &need), SDP_ERR_NOSPACE);
    cr_assert_eq(need, (size_t)n);
    parse_into(text, (size_t)n); /* our offer is valid SDP */
    l.media[0].n_codecs = 0;
    cr_assert_eq(sdp_offer_build(&l, text, sizeof text, NULL), SDP_ERR_INVALID);
}

/* RFC 3264 §8: a re-offer carries o= version + 1; hold is a sendonly
 * re-offer (§8.4) and resume goes back to sendrecv. */
Test(sdp_oa, reoffer_version_and_hold_rfc3264_8)
{
    sdp_local l;
    int n;
    local_audio(&l);
    l.sess_version++;
    l.media[0].dir = SDP_DIR_SENDONLY;
    n = sdp_offer_build(&l, text, sizeof text, NULL);
    parse_into(text, (size_t)n);
    cr_assert_eq(S.origin.version, 2);
    cr_assert_eq(sdp_media_dir(&S, &M[0]), SDP_DIR_SENDONLY);
}

/* RFC 3264 §6 / §10.1 style: audio and video offered, we have audio only.
 * The answer keeps two m= lines in order, rejects video with port 0 and
 * its first format, and lists the common codecs in the offer's order and
 * numbering (the offer's 97 for telephone-event, not our 96). */
Test(sdp_oa, answer_intersection_and_rejection_rfc3264_6)
{
    static const char offer[] =
        "v=0\r\no=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\ns=-\r\n"
        "c=IN IP4 host.atlanta.example.com\r\nt=0 0\r\n"
        "m=audio 49170 RTP/AVP 8 0 18 97\r\na=rtpmap:97 telephone-event/8000\r\na=fmtp:97 0-15\r\na=ptime:30\r\n"
        "m=video 51372 RTP/AVP 31 32\r\na=rtpmap:31 H261/90000\r\na=rtpmap:32 MPV/90000\r\n";
    static const char want[] =
        "v=0\r\no=cvoip 1000 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
        "m=audio 40000 RTP/AVP 8 0 97\r\n"
        "a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:97 telephone-event/8000\r\na=fmtp:97 0-16\r\n"
        "a=ptime:20\r\na=sendrecv\r\n"
        "m=video 0 RTP/AVP 31\r\n";
    sdp_local l;
    sdp_negotiated neg[2];
    int n;
    local_audio(&l);
    parse_into(offer, sizeof offer - 1);
    n = sdp_answer_build(&S, &l, neg, 2, text, sizeof text, NULL);
    cr_assert_eq(n, (int)strlen(want), "%.*s", n > 0 ? n : 0, text);
    cr_assert_eq(memcmp(text, want, (size_t)n), 0, "%.*s", n, text);
    cr_assert(neg[0].active);
    cr_assert_eq(neg[0].pt, 8); /* the offerer's first common codec */
    SDP_EQ(neg[0].encoding, "PCMA");
    cr_assert_eq(neg[0].te_pt, 97);
    cr_assert_eq(neg[0].ptime, 30);
    SDP_EQ(neg[0].remote_addr, "host.atlanta.example.com");
    cr_assert_eq(neg[0].remote_port, 49170);
    cr_assert_eq(neg[0].remote_rtcp_port, 49171);
    cr_assert_eq(neg[0].dir, SDP_DIR_SENDRECV);
    cr_assert_not(neg[1].active);
    cr_assert_eq(sdp_answer_build(&S, &l, neg, 1, text, sizeof text, NULL), SDP_ERR_TOO_MANY);
}

static void answer_dir(const char *offered_dir, sdp_dir local, sdp_dir want_neg, const char *want_attr)
{
    char offer[512];
    sdp_local l;
    sdp_negotiated neg[1];
    int n = snprintf(offer, sizeof offer,
                     "v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
                     "m=audio 5004 RTP/AVP 0\r\na=%s\r\n", offered_dir);
    static char keep[512];
    memcpy(keep, offer, (size_t)n);
    local_audio(&l);
    l.media[0].dir = local;
    parse_into(keep, (size_t)n);
    n = sdp_answer_build(&S, &l, neg, 1, text, sizeof text, NULL);
    cr_assert_gt(n, 0);
    text[n] = 0;
    cr_assert_eq(neg[0].dir, want_neg, "%s vs %s", offered_dir, sdp_dir_name(local));
    cr_assert(strstr(text, want_attr) != NULL, "%s", text);
}

/* RFC 3264 §6.1: the answer's direction complements the offer's, limited
 * by what we want. */
Test(sdp_oa, direction_complement_rfc3264_6_1)
{
    answer_dir("sendonly", SDP_DIR_SENDRECV, SDP_DIR_RECVONLY, "a=recvonly\r\n");
    answer_dir("recvonly", SDP_DIR_SENDRECV, SDP_DIR_SENDONLY, "a=sendonly\r\n");
    answer_dir("inactive", SDP_DIR_SENDRECV, SDP_DIR_INACTIVE, "a=inactive\r\n");
    answer_dir("sendrecv", SDP_DIR_SENDONLY, SDP_DIR_SENDONLY, "a=sendonly\r\n");
    answer_dir("sendonly", SDP_DIR_SENDONLY, SDP_DIR_INACTIVE, "a=inactive\r\n");
}

/* RFC 3264 §8.4: the legacy hold c=0.0.0.0 means "do not send to me". */
Test(sdp_oa, legacy_hold_c0000_rfc3264_8_4)
{
    static const char offer[] =
        "v=0\r\no=- 1 2 IN IP4 a\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";
    sdp_local l;
    sdp_negotiated neg[1];
    local_audio(&l);
    parse_into(offer, sizeof offer - 1);
    cr_assert_gt(sdp_answer_build(&S, &l, neg, 1, text, sizeof text, NULL), 0);
    cr_assert(neg[0].remote_hold);
    cr_assert_eq(neg[0].dir, SDP_DIR_RECVONLY);
}

/* No common codec: the stream is refused with port 0 (RFC 3264 §6). */
Test(sdp_oa, no_common_codec_rejects)
{
    static const char offer[] =
        "v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\nc=IN IP4 a\r\nt=0 0\r\nm=audio 5004 RTP/AVP 18 101\r\n"
        "a=rtpmap:101 telephone-event/8000\r\n";
    sdp_local l;
    sdp_negotiated neg[1];
    int n;
    local_audio(&l);
    parse_into(offer, sizeof offer - 1);
    n = sdp_answer_build(&S, &l, neg, 1, text, sizeof text, NULL);
    cr_assert_gt(n, 0);
    text[n] = 0;
    cr_assert(strstr(text, "m=audio 0 RTP/AVP 18\r\n") != NULL, "%s", text);
    cr_assert_not(neg[0].active);
}

/* RFC 4568 §7.1.2: the answerer picks one offered crypto line it supports,
 * answers with the offer's tag and its own key. RFC 5761 §5.1.3 rtcp-mux,
 * RFC 8285 §9 extmap ids taken from the offer, RFC 4585 rtcp-fb kept only
 * when offered. */
Test(sdp_oa, srtp_mux_extmap_rtcpfb_answer)
{
    static const char offer[] =
        "v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\n"
        "m=audio 6000 RTP/SAVP 0\r\n"
        "a=crypto:1 AEAD_AES_256_GCM inline:AAAA\r\n"
        "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3|2^20\r\n"
        "a=extmap:5 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
        "a=rtcp-fb:* nack\r\na=rtcp-mux\r\na=mid:a0\r\n";
    sdp_local l;
    sdp_negotiated neg[1];
    int n;
    local_audio(&l);
    l.media[0].proto = "RTP/SAVP";
    l.media[0].crypto[0] = (sdp_local_crypto){"AES_CM_128_HMAC_SHA1_80", "inline:bXlrZXlteWtleW15a2V5bXlrZXlteWtleW15a2V5"};
    l.media[0].n_crypto = 1;
    l.media[0].rtcp_mux = 1;
    l.media[0].extmap[0] = (sdp_local_extmap){1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"};
    l.media[0].extmap[1] = (sdp_local_extmap){2, "urn:ietf:params:rtp-hdrext:toffset"};
    l.media[0].n_extmap = 2;
    l.media[0].rtcp_fb[0] = "nack";
    l.media[0].rtcp_fb[1] = "nack pli";
    l.media[0].n_rtcp_fb = 2;
    parse_into(offer, sizeof offer - 1);
    n = sdp_answer_build(&S, &l, neg, 1, text, sizeof text, NULL);
    cr_assert_gt(n, 0);
    text[n] = 0;
    cr_assert(neg[0].active && neg[0].srtp);
    cr_assert_eq(neg[0].crypto_tag, 2);
    SDP_EQ(neg[0].remote_key_params, "inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3|2^20");
    cr_assert(strstr(text, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:bXlrZXlteWtleW15a2V5bXlrZXlteWtleW15a2V5\r\n"), "%s", text);
    cr_assert(neg[0].rtcp_mux);
    cr_assert_eq(neg[0].remote_rtcp_port, 6000);
    cr_assert(strstr(text, "a=rtcp-mux\r\n"));
    cr_assert_eq(neg[0].ext_id[0], 5);
    cr_assert_eq(neg[0].ext_id[1], 0);
    cr_assert(strstr(text, "a=extmap:5 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"));
    cr_assert_null(strstr(text, "toffset"));
    cr_assert(strstr(text, "a=rtcp-fb:* nack\r\n"));
    cr_assert_null(strstr(text, "nack pli"));
    SDP_EQ(neg[0].mid, "a0");
    cr_assert(strstr(text, "a=mid:a0\r\n"));
    /* an SAVP offer without a suite we have is refused */
    l.media[0].crypto[0].suite = "AES_256_CM_HMAC_SHA1_80";
    cr_assert_gt(sdp_answer_build(&S, &l, neg, 1, text, sizeof text, NULL), 0);
    cr_assert_not(neg[0].active);
}

/* RFC 3264 §7: the offerer uses the first codec of the answer it offered;
 * RFC 3605 a=rtcp gives the RTCP port; the answer must keep the m= count. */
Test(sdp_oa, process_answer_rfc3264_7)
{
    static const char ans[] =
        "v=0\r\no=bob 1 1 IN IP4 b\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n"
        "m=audio 7000 RTP/AVP 8 96\r\na=rtpmap:96 telephone-event/8000\r\na=rtcp:7011 IN IP4 198.51.100.21\r\n"
        "a=ptime:20\r\na=recvonly\r\n";
    static const char ans2[] =
        "v=0\r\no=bob 1 1 IN IP4 b\r\ns=-\r\nc=IN IP4 b\r\nt=0 0\r\nm=audio 7000 RTP/AVP 8\r\nm=video 0 RTP/AVP 31\r\n";
    static const char ans0[] =
        "v=0\r\no=bob 1 1 IN IP4 b\r\ns=-\r\nc=IN IP4 b\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n";
    sdp_local l;
    sdp_negotiated neg[2];
    local_audio(&l);
    parse_into(ans, sizeof ans - 1);
    cr_assert_eq(sdp_answer_process(&l, &S, neg, 2), 0);
    cr_assert(neg[0].active);
    cr_assert_eq(neg[0].pt, 8);
    SDP_EQ(neg[0].encoding, "PCMA");
    cr_assert_eq(neg[0].te_pt, 96);
    SDP_EQ(neg[0].remote_addr, "198.51.100.20");
    cr_assert_eq(neg[0].remote_port, 7000);
    cr_assert_eq(neg[0].remote_rtcp_port, 7011);
    SDP_EQ(neg[0].remote_rtcp_addr, "198.51.100.21");
    cr_assert_eq(neg[0].dir, SDP_DIR_SENDONLY); /* they only receive */
    parse_into(ans2, sizeof ans2 - 1);
    cr_assert_eq(sdp_answer_process(&l, &S, neg, 2), SDP_ERR_SYNTAX);
    parse_into(ans0, sizeof ans0 - 1);
    cr_assert_eq(sdp_answer_process(&l, &S, neg, 2), 0);
    cr_assert_not(neg[0].active);
}

/* Our own offer answered by our own answerer negotiates the same codec
 * both ways (two UAs with the same capabilities). */
Test(sdp_oa, offer_answer_loop)
{
    static char offer[2048], answer[2048];
    static sdp_session so, sa;
    static sdp_attr ao[32], aa[32];
    static sdp_media mo[4], ma[4];
    sdp_local a, b;
    sdp_negotiated na[1], nb[1];
    int n1, n2;
    local_audio(&a);
    local_audio(&b);
    b.addr = "192.0.2.20";
    b.media[0].port = 50000;
    b.media[0].codecs[0].name = "G722";
    b.media[0].codecs[0].pt = 9;
    n1 = sdp_offer_build(&a, offer, sizeof offer, NULL);
    cr_assert_eq(sdp_parse(offer, (size_t)n1, 0, &so, ao, 32, mo, 4, NULL), 0);
    n2 = sdp_answer_build(&so, &b, nb, 1, answer, sizeof answer, NULL);
    cr_assert_gt(n2, 0);
    cr_assert_eq(sdp_parse(answer, (size_t)n2, 0, &sa, aa, 32, ma, 4, NULL), 0);
    cr_assert_eq(sdp_answer_process(&a, &sa, na, 1), 0);
    cr_assert_eq(na[0].pt, 8);
    cr_assert_eq(nb[0].pt, 8);
    cr_assert_eq(na[0].te_pt, 96);
    cr_assert_eq(nb[0].te_pt, 96);
    cr_assert_eq(na[0].remote_port, 50000);
    cr_assert_eq(nb[0].remote_port, 40000);
    SDP_EQ(na[0].remote_addr, "192.0.2.20");
}

/* RFC 3264 §6 / RFC 4568 §7.1.2: an answer that drops our SAVP offer to
 * plain AVP is not accepted (no silent downgrade to unencrypted media). */
Test(sdp_oa, savp_offer_answered_with_avp_is_inactive)
{
    static const char ans[] =
        "v=0\r\no=b 1 1 IN IP4 b\r\ns=-\r\nc=IN IP4 198.51.100.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";
    sdp_local l;
    sdp_negotiated neg[1];
    local_audio(&l);
    l.media[0].proto = "RTP/SAVP";
    l.media[0].crypto[0] = (sdp_local_crypto){"AES_CM_128_HMAC_SHA1_80", "inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3"};
    l.media[0].n_crypto = 1;
    parse_into(ans, sizeof ans - 1);
    cr_assert_eq(sdp_answer_process(&l, &S, neg, 1), 0);
    cr_assert_not(neg[0].active);
    cr_assert_not(neg[0].srtp);
    cr_assert_eq(neg[0].te_pt, -1);
}

/* sdp_uint_parse honours a maximum below 10. */
Test(sdp_oa, uint_parse_small_maximum)
{
    uint32_t v;
    cr_assert_eq(sdp_uint_parse(sdp_str_c("5"), 1, &v), SDP_ERR_RANGE);
    cr_assert_eq(sdp_uint_parse(sdp_str_c("1"), 1, &v), 0);
    cr_assert_eq(v, 1);
}

/* RFC 3264 §5 offer with everything sdp_local can ask for: SDES keys
 * (RFC 4568 §9.1, tags 1..n), rtcp-mux (RFC 5761 §5.1.1), extmap (RFC
 * 8285 §5), rtcp-fb for every payload type (RFC 4585 §4.2), on RTP/SAVPF. */
Test(sdp_oa, offer_srtp_mux_extmap_rtcpfb_rfc3264_5)
{
    sdp_local l;
    int n;
    sdp_crypto c;
    local_audio(&l);
    l.media[0].proto = "RTP/SAVPF";
    l.media[0].crypto[0] = (sdp_local_crypto){"AES_CM_128_HMAC_SHA1_80", "inline:bXlrZXlteWtleW15a2V5bXlrZXlteWtleW15a2V5"};
    l.media[0].crypto[1] = (sdp_local_crypto){"AES_CM_128_HMAC_SHA1_32", "inline:eW91cmtleXlvdXJrZXl5b3Vya2V5eW91cmtleXlv"};
    l.media[0].n_crypto = 2;
    l.media[0].rtcp_mux = 1;
    l.media[0].extmap[0] = (sdp_local_extmap){1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"};
    l.media[0].n_extmap = 1;
    l.media[0].rtcp_fb[0] = "nack";
    l.media[0].n_rtcp_fb = 1;
    n = sdp_offer_build(&l, text, sizeof text, NULL);
    cr_assert_gt(n, 0);
    text[n] = 0;
    parse_into(text, (size_t)n);
    SDP_EQ(M[0].proto, "RTP/SAVPF");
    cr_assert(strstr(text, "\r\nm=audio 40000 RTP/SAVPF 0 8 96\r\n"), "%s", text);
    cr_assert(strstr(text, "\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:bXlrZXlteWtleW15a2V5bXlrZXlteWtleW15a2V5\r\n"), "%s", text);
    cr_assert(strstr(text, "\r\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:eW91cmtleXlvdXJrZXl5b3Vya2V5eW91cmtleXlv\r\n"), "%s", text);
    cr_assert_eq(sdp_crypto_parse(sdp_attr_get(&S, &M[0], "crypto")->value, &c), 0);
    cr_assert_eq(c.tag, 1u);
    cr_assert(strstr(text, "\r\na=rtcp-mux\r\n"), "%s", text);
    cr_assert(strstr(text, "\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"), "%s", text);
    cr_assert(strstr(text, "\r\na=rtcp-fb:"), "%s", text);
    cr_assert(strstr(text, " nack\r\n"), "%s", text);
}

/* RFC 3264 §8.4 hold and resume as the answerer sees them: an offer
 * with the legacy c=0.0.0.0 puts the remote on hold (we answer recvonly
 * and do not send); the next offer (o= version + 1) with a real address
 * and sendrecv resumes; inactive holds both ways and sendrecv resumes
 * again. */
static void oa_offer(unsigned version, const char *addr, const char *dir, sdp_negotiated *neg)
{
    static char keep[4][512];
    static unsigned k;
    sdp_local l;
    int n = snprintf(keep[k & 3], sizeof keep[0],
                     "v=0\r\no=alice 7 %u IN IP4 a\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                     "m=audio 5004 RTP/AVP 0\r\n%s", version, addr, dir);
    local_audio(&l);
    parse_into(keep[k & 3], (size_t)n);
    k++;
    cr_assert_eq(S.origin.version, version);
    cr_assert_gt(sdp_answer_build(&S, &l, neg, 1, text, sizeof text, NULL), 0);
}

Test(sdp_oa, hold_and_resume_rfc3264_8_4)
{
    sdp_negotiated neg[1];
    oa_offer(1, "198.51.100.7", "", neg);
    cr_assert_not(neg[0].remote_hold);
    cr_assert_eq(neg[0].dir, SDP_DIR_SENDRECV);
    oa_offer(2, "0.0.0.0", "", neg);
    cr_assert(neg[0].remote_hold);
    cr_assert_eq(neg[0].dir, SDP_DIR_RECVONLY);
    oa_offer(3, "198.51.100.7", "a=sendrecv\r\n", neg);
    cr_assert_not(neg[0].remote_hold);
    cr_assert_eq(neg[0].dir, SDP_DIR_SENDRECV);
    SDP_EQ(neg[0].remote_addr, "198.51.100.7");
    oa_offer(4, "198.51.100.7", "a=inactive\r\n", neg);
    cr_assert_eq(neg[0].dir, SDP_DIR_INACTIVE);
    cr_assert(strstr(text, "a=inactive\r\n"), "%s", text);
    oa_offer(5, "198.51.100.7", "a=sendrecv\r\n", neg);
    cr_assert_eq(neg[0].dir, SDP_DIR_SENDRECV);
    cr_assert(strstr(text, "a=sendrecv\r\n"), "%s", text);
}
