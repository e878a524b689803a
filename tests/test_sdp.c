/* sdp.h: parsing, typed attributes, printing (RFC 8866 and the attribute
 * RFCs named per test). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sdp.h"
#include "testutil.h"

#define SDP_EQ(s, c) cr_assert(sdp_str_eq_c((s), (c)), "expected \"%s\", got \"%.*s\"", (c), (int)(s).len, (s).p ? (s).p : "(absent)")

static sdp_session S;
static sdp_attr A[64];
static sdp_media M[8];
static sdp_error E;

/* Parses text from a guard copy (a read past the end faults). */
static int parse_f(const char *text, unsigned flags)
{
    size_t n = strlen(text);
    char *g = tu_guard_copy(text, n);
    int rc = sdp_parse(g, n, flags, &S, A, 64, M, 8, &E);
    /* spans point into g: keep it alive for the test (leaks are fine under
     * Criterion's per-test processes, but free when the parse failed) */
    if (rc) tu_guard_free(g, n);
    return rc;
}
static int parse(const char *text) { return parse_f(text, 0); }

/* RFC 8866 §5 example session description. */
static const char rfc8866_ex[] =
    "v=0\r\n"
    "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n"
    "s=Call to John Smith\r\n"
    "i=SDP Offer #1\r\n"
    "u=http://www.jdoe.example.com/home.html\r\n"
    "e=Jane Doe <jane@jdoe.example.com>\r\n"
    "p=+1 617 555-6011\r\n"
    "c=IN IP4 198.51.100.1\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0\r\n"
    "m=audio 49180 RTP/AVP 0\r\n"
    "m=video 51372 RTP/AVP 99\r\n"
    "c=IN IP6 2001:db8::2\r\n"
    "a=rtpmap:99 h263-1998/90000\r\n";

Test(sdp, rfc8866_5_example)
{
    cr_assert_eq(parse(rfc8866_ex), 0, "%s at line %u", E.reason, E.line);
    SDP_EQ(S.origin.username, "jdoe");
    cr_assert_eq(S.origin.id, 3724394400u);
    cr_assert_eq(S.origin.version, 3724394405u);
    cr_assert(S.origin.id_valid && S.origin.version_valid);
    SDP_EQ(S.origin.addr, "198.51.100.1");
    SDP_EQ(S.name, "Call to John Smith");
    SDP_EQ(S.info, "SDP Offer #1");
    SDP_EQ(S.uri, "http://www.jdoe.example.com/home.html");
    cr_assert_eq(S.n_email, 1);
    SDP_EQ(S.phone[0], "+1 617 555-6011");
    cr_assert(S.has_conn);
    SDP_EQ(S.conn.addrtype, "IP4");
    cr_assert_eq(S.n_time, 1);
    cr_assert_eq(S.n_media, 3);
    SDP_EQ(M[2].type, "video");
    cr_assert_eq(M[2].port, 51372);
    SDP_EQ(M[2].proto, "RTP/AVP");
    cr_assert_eq(M[2].n_fmt, 1);
    SDP_EQ(M[2].fmt[0], "99");
    cr_assert_eq(M[2].n_conn, 1);
    SDP_EQ(M[2].conn[0].addr, "2001:db8::2");
    cr_assert_eq(M[2].n_attrs, 1);
    SDP_EQ(M[2].attrs[0].name, "rtpmap");
    cr_assert_eq(M[2].line, 12);
    /* media c= overrides the session's (§5.7) */
    SDP_EQ(sdp_media_conn(&S, &M[0])->addr, "198.51.100.1");
    SDP_EQ(sdp_media_conn(&S, &M[2])->addr, "2001:db8::2");
}

/* RFC 8866 §5: the printed text is the parsed text, byte for byte. */
Test(sdp, print_round_trip_exact)
{
    char out[1024];
    size_t need = 0;
    int n;
    cr_assert_eq(parse(rfc8866_ex), 0);
    n = sdp_print(&S, out, sizeof out, &need);
    cr_assert_eq(n, (int)strlen(rfc8866_ex));
    cr_assert_eq(memcmp(out, rfc8866_ex, (size_t)n), 0);
    cr_assert_eq(need, (size_t)n);
    /* one byte short: NOSPACE with the size; NULL measures */
    cr_assert_eq(sdp_print(&S, out, (size_t)n - 1, &need), SDP_ERR_NOSPACE);
    cr_assert_eq(need, (size_t)n);
    cr_assert_eq(sdp_print(&S, NULL, 0, &need), SDP_ERR_NOSPACE);
    cr_assert_eq(need, (size_t)n);
}

/* §5: a lone LF is accepted on input, and the last line may lack its end;
 * output always uses CRLF. */
Test(sdp, lf_line_ends_and_unterminated_last_line)
{
    char out[512];
    cr_assert_eq(parse("v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 0"), 0);
    cr_assert_eq(S.n_media, 1);
    cr_assert_gt(sdp_print(&S, out, sizeof out, NULL), 0);
    cr_assert(strstr(out, "m=audio 4000 RTP/AVP 0\r\n") != NULL);
}

static void expect_error(const char *text, int rc, unsigned line)
{
    int got = parse(text);
    cr_assert_eq(got, rc, "%s: got %d (%s, line %u)", text, got, E.reason, E.line);
    cr_assert_eq(E.line, line, "%s: line %u (%s)", text, E.line, E.reason);
    cr_assert(E.reason != NULL);
}

#define HDR "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"

/* §5 order and mandatory lines; errors carry the line number. */
Test(sdp, errors_with_line_numbers_rfc8866_5)
{
    expect_error("o=- 1 1 IN IP4 a\r\nv=0\r\n", SDP_ERR_MISSING, 1);
    expect_error("v=1\r\n", SDP_ERR_SYNTAX, 1);
    cr_assert_eq(parse(HDR "t=0 0\r\n"), 0); /* no c= is fine without media (§5.7) */
    expect_error("v=0\r\ns=-\r\no=- 1 1 IN IP4 a\r\nt=0 0\r\n", SDP_ERR_ORDER, 3);
    expect_error(HDR "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 1 RTP/AVP\r\n", SDP_ERR_SYNTAX, 6);
    expect_error(HDR "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n", SDP_ERR_RANGE, 6);
    expect_error(HDR "t=0 0\r\nm=audio 1 RTP/AVP 0\r\n", SDP_ERR_MISSING, 5); /* §5.7 */
    expect_error(HDR "c=IN IP4 192.0.2.1\r\nt=0 0\r\nx=unknown\r\n", SDP_ERR_UNKNOWN, 6);
    expect_error(HDR "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\ns=late\r\n", SDP_ERR_ORDER, 7);
    expect_error(HDR "c=IN IP4 192.0.2.1\r\nt=0 0\r\na=x\r\nc=IN IP4 192.0.2.2\r\n", SDP_ERR_ORDER, 7);
    expect_error(HDR "c=IN IP4 192.0.2.1\r\nr=7d 1h 0 25h\r\nt=0 0\r\n", SDP_ERR_ORDER, 5);
    expect_error(HDR "i=one\r\ni=two\r\nc=IN IP4 a\r\nt=0 0\r\n", SDP_ERR_ORDER, 5);
    expect_error("v=0\r\no=- x 1 IN IP4 a\r\n", SDP_ERR_SYNTAX, 2);
    expect_error("v=0\r\no=- 1 1 IN IP4\r\n", SDP_ERR_SYNTAX, 2);
    expect_error("v=0\r\no=- 1 1 IN IP4 a \r\n", SDP_ERR_SYNTAX, 2); /* trailing space */
    expect_error(HDR "c=IN IP4 a\r\nt=0 0\r\na=\r\n", SDP_ERR_SYNTAX, 6);
    expect_error(HDR "c=IN IP4 a\rx\r\nt=0 0\r\n", SDP_ERR_SYNTAX, 4);
    expect_error("", SDP_ERR_MISSING, 0);
    expect_error(HDR "c=IN IP4 a\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nb=AS\r\n", SDP_ERR_SYNTAX, 7);
}

/* Deployed stacks put a= before t= (or c= after a=); the lenient flag
 * accepts any order within a level but still wants the mandatory lines. */
Test(sdp, lenient_order)
{
    const char *t = HDR "a=tool:x\r\nt=0 0\r\nc=IN IP4 192.0.2.1\r\nm=audio 1 RTP/AVP 0\r\na=sendonly\r\nc=IN IP4 192.0.2.9\r\n";
    cr_assert_eq(parse(t), SDP_ERR_ORDER);
    cr_assert_eq(parse_f(t, SDP_PARSE_LENIENT), 0);
    cr_assert_eq(S.n_attrs, 1);
    cr_assert_eq(M[0].n_conn, 1);
    cr_assert_eq(parse_f(HDR "c=IN IP4 a\r\nm=audio 1 RTP/AVP 0\r\n", SDP_PARSE_LENIENT), SDP_ERR_MISSING);
    cr_assert_eq(parse_f(HDR "s=again\r\nc=IN IP4 a\r\nt=0 0\r\n", SDP_PARSE_LENIENT), SDP_ERR_ORDER);
}

Test(sdp, limits_are_errors_not_truncation)
{
    static char big[8192];
    sdp_session s;
    sdp_attr a[2];
    sdp_media m[1];
    int i, n;
    n = snprintf(big, sizeof big, HDR "c=IN IP4 a\r\nt=0 0\r\na=x\r\na=y\r\na=z\r\n");
    cr_assert_eq(sdp_parse(big, (size_t)n, 0, &s, a, 2, m, 1, &E), SDP_ERR_TOO_MANY);
    cr_assert_eq(E.line, 8);
    n = snprintf(big, sizeof big, HDR "c=IN IP4 a\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\n");
    cr_assert_eq(sdp_parse(big, (size_t)n, 0, &s, a, 2, m, 1, &E), SDP_ERR_TOO_MANY);
    n = snprintf(big, sizeof big, HDR "c=IN IP4 a\r\nt=0 0\r\nm=audio 1 RTP/AVP");
    for (i = 0; i <= SDP_MAX_FMTS; i++) n += snprintf(big + n, sizeof big - (size_t)n, " %d", i);
    cr_assert_eq(sdp_parse(big, (size_t)n, 0, &s, a, 2, m, 1, &E), SDP_ERR_TOO_MANY);
    cr_assert_eq(sdp_parse(big, (size_t)n, 0, NULL, a, 2, m, 1, &E), SDP_ERR_INVALID);
}

/* RFC 8866 §5.7 multicast c= forms, §5.8 b=, §5.9-5.10 t= and r=. */
Test(sdp, conn_bw_time_forms)
{
    cr_assert_eq(parse(HDR "c=IN IP4 233.252.0.1/127/3\r\nb=CT:128\r\nt=3724394400 3724398000\r\nr=7d 1h 0 25h\r\nt=0 0\r\n"
                       "m=audio 49170/2 RTP/AVP 0\r\nc=IN IP6 ff1e:db8::1/3\r\nb=AS:64\r\nb=TIAS:64000\r\n"), 0);
    SDP_EQ(S.conn.addr, "233.252.0.1");
    cr_assert_eq(S.conn.ttl, 127);
    cr_assert_eq(S.conn.num, 3);
    SDP_EQ(S.bw[0].type, "CT");
    cr_assert_eq(S.bw[0].value, 128);
    cr_assert_eq(S.n_time, 2);
    cr_assert_eq(S.time[0].start, 3724394400u);
    cr_assert_eq(S.time[0].n_repeat, 1);
    SDP_EQ(S.time[0].repeat[0], "7d 1h 0 25h");
    cr_assert_eq(M[0].n_ports, 2);
    cr_assert_eq(M[0].conn[0].num, 3);
    cr_assert_eq(M[0].conn[0].ttl, 0);
    cr_assert_eq(M[0].n_bw, 2);
    cr_assert_eq(M[0].bw[1].value, 64000);
    cr_assert_eq(parse(HDR "c=IN IP4 233.252.0.1/256\r\nt=0 0\r\n"), SDP_ERR_RANGE);
    cr_assert_eq(parse(HDR "c=IN IP6 ff1e::1/3/2\r\nt=0 0\r\n"), SDP_ERR_SYNTAX);
}

/* §6.7 direction: media level over session level over the sendrecv default;
 * RFC 3264 §6.1 reverse. */
Test(sdp, direction_rfc8866_6_7)
{
    cr_assert_eq(parse(HDR "c=IN IP4 a\r\nt=0 0\r\na=recvonly\r\nm=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\na=inactive\r\n"), 0);
    cr_assert_eq(sdp_media_dir(&S, &M[0]), SDP_DIR_RECVONLY);
    cr_assert_eq(sdp_media_dir(&S, &M[1]), SDP_DIR_INACTIVE);
    cr_assert_eq(sdp_dir_reverse(SDP_DIR_RECVONLY), SDP_DIR_SENDONLY);
    cr_assert_eq(sdp_dir_reverse(SDP_DIR_SENDRECV), SDP_DIR_SENDRECV);
    cr_assert_str_eq(sdp_dir_name(SDP_DIR_SENDONLY), "sendonly");
    cr_assert_eq(parse(HDR "c=IN IP4 a\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n"), 0);
    cr_assert_eq(sdp_media_dir(&S, &M[0]), SDP_DIR_SENDRECV);
}

static sdp_str S_(const char *c) { return sdp_str_c(c); }

/* RFC 8866 §6.6 rtpmap, §6.15 fmtp; RFC 7587 opus parameters. */
Test(sdp, rtpmap_fmtp)
{
    sdp_rtpmap r;
    sdp_fmtp f;
    sdp_str v, n;
    size_t pos = 0;
    cr_assert_eq(sdp_rtpmap_parse(S_("111 opus/48000/2"), &r), 0);
    cr_assert_eq(r.pt, 111);
    SDP_EQ(r.encoding, "opus");
    cr_assert_eq(r.clock_rate, 48000);
    cr_assert_eq(r.channels, 2);
    cr_assert_eq(sdp_rtpmap_parse(S_("9 G722/8000"), &r), 0);
    cr_assert_eq(r.channels, 0);
    cr_assert_eq(sdp_rtpmap_parse(S_("128 x/8000"), &r), SDP_ERR_RANGE);
    cr_assert_eq(sdp_rtpmap_parse(S_("96 x/0"), &r), SDP_ERR_RANGE);
    cr_assert_eq(sdp_rtpmap_parse(S_("96 x"), &r), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_rtpmap_parse(S_("96 /8000"), &r), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_rtpmap_parse(S_("96 x/8000/2/1"), &r), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_fmtp_parse(S_("111 minptime=10; useinbandfec=1;stereo"), &f), 0);
    SDP_EQ(f.format, "111");
    cr_assert(sdp_param_next(f.params, &pos, &n, &v));
    SDP_EQ(n, "minptime");
    SDP_EQ(v, "10");
    cr_assert(sdp_param_next(f.params, &pos, &n, &v));
    SDP_EQ(n, "useinbandfec");
    SDP_EQ(v, "1");
    cr_assert(sdp_param_next(f.params, &pos, &n, &v));
    SDP_EQ(n, "stereo");
    cr_assert_null(v.p);
    cr_assert_not(sdp_param_next(f.params, &pos, &n, &v));
    cr_assert_eq(sdp_param_get(f.params, "USEINBANDFEC", &v), 0);
    SDP_EQ(v, "1");
    cr_assert_eq(sdp_param_get(f.params, "maxptime", &v), SDP_ERR_NOT_FOUND);
    cr_assert_eq(sdp_fmtp_parse(S_("111"), &f), SDP_ERR_SYNTAX);
}

/* RFC 3605 §2.1 rtcp, RFC 4568 §9.1 crypto, RFC 8285 §8 extmap, RFC 4585
 * §4.2 rtcp-fb. */
Test(sdp, rtcp_crypto_extmap_rtcpfb)
{
    sdp_rtcp r;
    sdp_crypto c;
    sdp_extmap x;
    sdp_rtcp_fb fb;
    uint32_t u;
    cr_assert_eq(sdp_rtcp_parse(S_("53020"), &r), 0);
    cr_assert_eq(r.port, 53020);
    cr_assert_null(r.addr.p);
    cr_assert_eq(sdp_rtcp_parse(S_("53020 IN IP4 126.16.64.4"), &r), 0);
    SDP_EQ(r.addr, "126.16.64.4");
    cr_assert_eq(sdp_rtcp_parse(S_("53020 IN IP4"), &r), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_rtcp_parse(S_("65536"), &r), SDP_ERR_RANGE);
    cr_assert_eq(sdp_crypto_parse(S_("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32 KDR=1"), &c), 0);
    cr_assert_eq(c.tag, 1);
    SDP_EQ(c.suite, "AES_CM_128_HMAC_SHA1_80");
    SDP_EQ(c.key_params, "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32");
    SDP_EQ(c.session_params, "KDR=1");
    cr_assert_eq(sdp_crypto_parse(S_("1000000000 X inline:a"), &c), SDP_ERR_RANGE);
    cr_assert_eq(sdp_crypto_parse(S_("1 X"), &c), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_extmap_parse(S_("1 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on"), &x), 0);
    cr_assert_eq(x.id, 1);
    cr_assert_not(x.has_dir);
    SDP_EQ(x.uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    SDP_EQ(x.attributes, "vad=on");
    cr_assert_eq(sdp_extmap_parse(S_("3/recvonly http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"), &x), 0);
    cr_assert(x.has_dir);
    cr_assert_eq(x.dir, SDP_DIR_RECVONLY);
    cr_assert_eq(sdp_extmap_parse(S_("15 urn:x"), &x), SDP_ERR_RANGE);
    cr_assert_eq(sdp_extmap_parse(S_("0 urn:x"), &x), SDP_ERR_RANGE);
    cr_assert_eq(sdp_extmap_parse(S_("1/sideways urn:x"), &x), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_rtcp_fb_parse(S_("96 nack pli"), &fb), 0);
    cr_assert_eq(fb.pt, 96);
    SDP_EQ(fb.type, "nack");
    SDP_EQ(fb.param, "pli");
    cr_assert_eq(sdp_rtcp_fb_parse(S_("* trr-int 100"), &fb), 0);
    cr_assert(fb.any_pt);
    cr_assert_eq(sdp_uint_parse(fb.param, 0xFFFFFFFFu, &u), 0);
    cr_assert_eq(u, 100);
    cr_assert_eq(sdp_rtcp_fb_parse(S_("96 nack"), &fb), 0);
    cr_assert_null(fb.param.p);
    cr_assert_eq(sdp_rtcp_fb_parse(S_("96"), &fb), SDP_ERR_SYNTAX);
}

/* RFC 5888 §5 group (RFC 8843 BUNDLE), RFC 5576 ssrc, RFC 8851 rid, RFC 8853
 * simulcast, RFC 8839 candidate, RFC 4145 setup. */
Test(sdp, group_ssrc_rid_simulcast_candidate_setup)
{
    sdp_group g;
    sdp_str tok;
    size_t pos = 0;
    sdp_ssrc ss;
    sdp_rid rid;
    sdp_simulcast sc;
    sdp_candidate c;
    cr_assert_eq(sdp_group_parse(S_("BUNDLE audio video"), &g), 0);
    SDP_EQ(g.semantics, "BUNDLE");
    cr_assert(sdp_token_next(g.ids, &pos, &tok));
    SDP_EQ(tok, "audio");
    cr_assert(sdp_token_next(g.ids, &pos, &tok));
    SDP_EQ(tok, "video");
    cr_assert_not(sdp_token_next(g.ids, &pos, &tok));
    cr_assert_eq(sdp_ssrc_parse(S_("3735928559 cname:user@example.com"), &ss), 0);
    cr_assert_eq(ss.ssrc, 3735928559u);
    SDP_EQ(ss.attribute, "cname");
    SDP_EQ(ss.value, "user@example.com");
    cr_assert_eq(sdp_ssrc_parse(S_("4294967296 cname:x"), &ss), SDP_ERR_RANGE);
    cr_assert_eq(sdp_ssrc_parse(S_("1"), &ss), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_rid_parse(S_("f send pt=97;max-width=1280"), &rid), 0);
    SDP_EQ(rid.id, "f");
    cr_assert(rid.send);
    SDP_EQ(rid.params, "pt=97;max-width=1280");
    cr_assert_eq(sdp_rid_parse(S_("f both"), &rid), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_simulcast_parse(S_("send f;h;q recv r"), &sc), 0);
    SDP_EQ(sc.send, "f;h;q");
    SDP_EQ(sc.recv, "r");
    cr_assert_eq(sdp_simulcast_parse(S_("send a send b"), &sc), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_candidate_parse(S_("1 1 UDP 2130706431 203.0.113.141 8998 typ host"), &c), 0);
    cr_assert_eq(c.component, 1);
    cr_assert_eq(c.priority, 2130706431u);
    cr_assert_eq(c.port, 8998);
    SDP_EQ(c.type, "host");
    cr_assert_eq(sdp_candidate_parse(S_("2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998 generation 0"), &c), 0);
    SDP_EQ(c.raddr, "203.0.113.141");
    cr_assert_eq(c.rport, 8998);
    SDP_EQ(c.extensions, "generation 0");
    cr_assert_eq(sdp_candidate_parse(S_("1 1 UDP 1 192.0.2.1 1 host"), &c), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_candidate_parse(S_("1 0 UDP 1 192.0.2.1 1 typ host"), &c), SDP_ERR_RANGE);
    cr_assert_eq(sdp_candidate_parse(S_("1 1 UDP 1 192.0.2.1 1 typ host raddr"), &c), SDP_ERR_SYNTAX);
    cr_assert_eq(sdp_setup_parse(S_("actpass")), SDP_SETUP_ACTPASS);
    cr_assert_eq(sdp_setup_parse(S_("both")), SDP_SETUP_NONE);
}

/* RFC 8866 §5.13: attributes found per level, media first. */
Test(sdp, attribute_lookup)
{
    unsigned from = 0, n = 0;
    cr_assert_eq(parse(HDR "c=IN IP4 a\r\nt=0 0\r\na=ice-ufrag:sess\r\nm=audio 1 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n"
                       "a=rtpmap:8 PCMA/8000\r\na=rtcp-mux\r\n"), 0);
    while (sdp_attr_next(M[0].attrs, M[0].n_attrs, "rtpmap", &from)) n++;
    cr_assert_eq(n, 2);
    cr_assert_null(sdp_attr_get(&S, &M[0], "rtcp-mux")->value.p);
    SDP_EQ(sdp_attr_get(&S, &M[0], "ice-ufrag")->value, "sess");
    cr_assert_null(sdp_attr_get(&S, &M[0], "ice-pwd"));
}

/* A WebRTC-style offer with everything the issue lists parses and prints
 * back identically. */
Test(sdp, webrtc_offer_round_trip)
{
    static const char t[] =
        "v=0\r\n"
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
        "s=-\r\n"
        "t=0 0\r\n"
        "a=group:BUNDLE 0 1\r\n"
        "a=msid-semantic: WMS\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 103 0 8 126\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=rtcp:9 IN IP4 0.0.0.0\r\n"
        "a=ice-ufrag:EsAw\r\n"
        "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
        "a=candidate:1 1 UDP 2130706431 192.0.2.1 50000 typ host\r\n"
        "a=setup:actpass\r\n"
        "a=mid:0\r\n"
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
        "a=sendrecv\r\n"
        "a=rtcp-mux\r\n"
        "a=rtpmap:111 opus/48000/2\r\n"
        "a=rtcp-fb:111 transport-cc\r\n"
        "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
        "a=rtpmap:126 telephone-event/8000\r\n"
        "a=ssrc:1001 cname:abc\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=mid:1\r\n"
        "a=rtpmap:96 VP8/90000\r\n"
        "a=rid:f send\r\n"
        "a=simulcast:send f\r\n";
    char out[2048];
    int n;
    cr_assert_eq(parse(t), 0, "%s line %u", E.reason, E.line);
    cr_assert_eq(S.origin.id, 4611731400430051336ull);
    cr_assert_eq(M[0].n_fmt, 5);
    cr_assert_eq(M[0].n_attrs, 14);
    n = sdp_print(&S, out, sizeof out, NULL);
    cr_assert_eq(n, (int)strlen(t));
    cr_assert_eq(memcmp(out, t, (size_t)n), 0);
}

/* Builders refuse attribute text that would break the line structure. */
Test(sdp, print_rejects_crlf_in_values)
{
    sdp_session s;
    sdp_attr a;
    char out[256];
    memset(&s, 0, sizeof s);
    s.origin.addr = S_("192.0.2.1");
    s.origin.id = 7;
    s.origin.version = 8;
    a.name = S_("tool");
    a.value = S_("x\r\na=evil");
    s.attrs = &a;
    s.n_attrs = 1;
    cr_assert_eq(sdp_print(&s, out, sizeof out, NULL), SDP_ERR_INVALID);
    a.value = S_("cvoip");
    {
        static const char want[] = "v=0\r\no=- 7 8 IN IP4 192.0.2.1\r\ns= \r\nt=0 0\r\na=tool:cvoip\r\n";
        int n = sdp_print(&s, out, sizeof out, NULL);
        cr_assert_eq(n, (int)strlen(want));
        cr_assert_eq(memcmp(out, want, (size_t)n), 0);
    }
}

/* RFC 8866 §5.11 z= (time zone adjustments) and §5.12 k= (obsolete key),
 * at session level and k= at media level: kept as raw text and printed
 * back in their places, byte for byte; a second z= is an error on its
 * line. */
Test(sdp, zone_and_key_lines_rfc8866_5_11_5_12)
{
    static const char t[] =
        "v=0\r\n"
        "o=- 1 1 IN IP4 192.0.2.1\r\n"
        "s=-\r\n"
        "c=IN IP4 192.0.2.1\r\n"
        "t=3724394400 3724398000\r\n"
        "r=7d 1h 0 25h\r\n"
        "z=3730928400 -1h 3749680800 0\r\n"
        "k=prompt\r\n"
        "m=audio 49170 RTP/AVP 0\r\n"
        "k=clear:secret\r\n";
    char out[512];
    int n;
    cr_assert_eq(parse(t), 0, "%s line %u", E.reason, E.line);
    SDP_EQ(S.zone, "3730928400 -1h 3749680800 0");
    SDP_EQ(S.key, "prompt");
    SDP_EQ(M[0].key, "clear:secret");
    n = sdp_print(&S, out, sizeof out, NULL);
    cr_assert_eq(n, (int)strlen(t), "%.*s", n > 0 ? n : 0, out);
    cr_assert_eq(memcmp(out, t, (size_t)n), 0, "%.*s", n, out);
    expect_error("v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\nc=IN IP4 a\r\nt=0 0\r\nz=1 -1h\r\nz=2 0\r\n",
                 SDP_ERR_ORDER, 7);
}

/* RFC 8839 §5.4 ice-ufrag / ice-pwd (carried, not acted on): a media
 * level value overrides the session's; §5.1 candidates listed per
 * section in order; RFC 8866 §6.4, §6.5 ptime and maxptime as numbers. */
Test(sdp, ice_credentials_and_ptime_rfc8839_5_4_rfc8866_6_4)
{
    static const char t[] =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
        "a=ice-ufrag:sessU\r\na=ice-pwd:sessionpassword0123456789\r\n"
        "m=audio 49170 RTP/AVP 0\r\n"
        "a=ice-ufrag:8hhY\r\na=ice-pwd:asd88fgpdd777uzjYhagZg\r\n"
        "a=candidate:1 1 UDP 2130706431 192.0.2.1 49170 typ host\r\n"
        "a=candidate:2 1 UDP 1694498815 203.0.113.7 61001 typ srflx raddr 192.0.2.1 rport 49170\r\n"
        "a=ptime:20\r\na=maxptime:60\r\n"
        "m=audio 49172 RTP/AVP 0\r\n";
    unsigned from = 0, k = 0;
    const sdp_attr *a;
    uint32_t v;
    sdp_candidate c[2];
    cr_assert_eq(parse(t), 0, "%s line %u", E.reason, E.line);
    SDP_EQ(sdp_attr_get(&S, &M[0], "ice-ufrag")->value, "8hhY");
    SDP_EQ(sdp_attr_get(&S, &M[0], "ice-pwd")->value, "asd88fgpdd777uzjYhagZg");
    SDP_EQ(sdp_attr_get(&S, &M[1], "ice-ufrag")->value, "sessU");
    SDP_EQ(sdp_attr_get(&S, &M[1], "ice-pwd")->value, "sessionpassword0123456789");
    while ((a = sdp_attr_next(M[0].attrs, M[0].n_attrs, "candidate", &from)) != NULL) {
        cr_assert_lt(k, 2u);
        cr_assert_eq(sdp_candidate_parse(a->value, &c[k]), 0);
        k++;
    }
    cr_assert_eq(k, 2u);
    SDP_EQ(c[0].type, "host");
    SDP_EQ(c[1].type, "srflx");
    cr_assert_eq(c[1].port, 61001);
    cr_assert_eq(sdp_uint_parse(sdp_attr_get(&S, &M[0], "ptime")->value, 65535, &v), 0);
    cr_assert_eq(v, 20u);
    cr_assert_eq(sdp_uint_parse(sdp_attr_get(&S, &M[0], "maxptime")->value, 65535, &v), 0);
    cr_assert_eq(v, 60u);
    cr_assert_null(sdp_attr_get(&S, &M[1], "maxptime"));
}
