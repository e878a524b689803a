/* Building, proxy editing, generators, URI comparison and the round trip
 * (RFC 3261 §8.1, §8.2.6.2, §16.6, §19.1.4, §19.3). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"

#define MAXH 128

static const char invite[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds, "
    "SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKold;received=192.0.2.9\r\n"
    "Max-Forwards: 70\r\n"
    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Timestamp: 54\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

static int parse(const char *s, size_t n, sip_msg *m, sip_hdr *h)
{
    sip_parse_config cfg = {SIP_PARSE_DATAGRAM, 0, 0};
    return sip_parse(s, n, &cfg, m, h, MAXH, NULL);
}

Test(build, s8_2_6_2_response_copies_via_from_to_callid_cseq)
{
    sip_msg m;
    sip_hdr h[MAXH];
    char out[1024];
    size_t need = 0;
    sip_hdr_field extra[] = {{SIP_STR("Contact"), SIP_STR("<sip:bob@192.0.2.4>")}};
    const char *want =
        "SIP/2.0 180 Ringing\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
        "Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKold;received=192.0.2.9\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
        "CSeq: 314159 INVITE\r\n"
        "Contact: <sip:bob@192.0.2.4>\r\n"
        "Content-Length: 0\r\n\r\n";
    sip_str none = {NULL, 0};
    int n;
    cr_assert(parse(invite, sizeof invite - 1, &m, h) > 0);
    n = sip_build_response(out, sizeof out, &m, 180, NULL, sip_str_c("a6c85cf"), extra, 1,
                           none, &need);
    cr_assert_eq(n, (int)strlen(want));
    cr_assert(memcmp(out, want, (size_t)n) == 0, "got:\n%.*s", n, out);
    /* size reporting: too small gives NOSPACE and the size needed */
    cr_assert_eq(sip_build_response(out, 10, &m, 180, NULL, sip_str_c("a6c85cf"), extra, 1,
                                    none, &need), SIP_ERR_NOSPACE);
    cr_assert_eq(need, strlen(want));
    cr_assert_eq(sip_build_response(NULL, 0, &m, 180, NULL, sip_str_c("a6c85cf"), extra, 1,
                                    none, &need), SIP_ERR_NOSPACE);
    cr_assert_eq(need, strlen(want));
}

Test(build, s8_2_6_1_trying_copies_timestamp_and_has_no_tag)
{
    sip_msg m, r;
    sip_hdr h[MAXH], rh[MAXH];
    char out[1024];
    sip_str none = {NULL, 0};
    int n;
    cr_assert(parse(invite, sizeof invite - 1, &m, h) > 0);
    n = sip_build_response(out, sizeof out, &m, 100, NULL, sip_str_c("x"), NULL, 0, none, NULL);
    cr_assert(n > 0);
    cr_assert(parse(out, (size_t)n, &r, rh) == n);
    cr_assert_null(r.to.tag.p);
    cr_assert_not_null(sip_msg_find(&r, SIP_HDR_TIMESTAMP, NULL));
    TU_STR_EQ(r.reason, "Trying");
    cr_assert_eq(r.n_via, 2);
}

Test(build, response_rejects_injection_and_bad_status)
{
    sip_msg m;
    sip_hdr h[MAXH];
    char out[1024];
    sip_str none = {NULL, 0};
    sip_hdr_field bad[] = {{SIP_STR("X-A"), SIP_STR("1\r\nVia: evil")}};
    cr_assert(parse(invite, sizeof invite - 1, &m, h) > 0);
    cr_assert_eq(sip_build_response(out, sizeof out, &m, 200, NULL, none, bad, 1, none, NULL),
                 SIP_ERR_INVALID);
    cr_assert_eq(sip_build_response(out, sizeof out, &m, 99, NULL, none, NULL, 0, none, NULL),
                 SIP_ERR_INVALID);
    cr_assert_eq(sip_build_response(out, sizeof out, &m, 200, "OK\r\nX: y", none, NULL, 0, none,
                                    NULL), SIP_ERR_INVALID);
}

Test(build, s8_1_request_parse_build_parse_gives_back_fields)
{
    sip_hdr_field f[] = {
        {SIP_STR("Via"), SIP_STR("SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKabc;rport")},
        {SIP_STR("Max-Forwards"), SIP_STR("70")},
        {SIP_STR("From"), SIP_STR("\"A\" <sip:a@example.com>;tag=t1")},
        {SIP_STR("To"), SIP_STR("<sip:b@example.com>")},
        {SIP_STR("Call-ID"), SIP_STR("cid@example.com")},
        {SIP_STR("CSeq"), SIP_STR("7 MESSAGE")},
        {SIP_STR("Content-Type"), SIP_STR("text/plain")},
        {SIP_STR("Content-Length"), SIP_STR("999")}, /* ignored: computed */
    };
    char out[1024];
    sip_msg m;
    sip_hdr h[MAXH];
    sip_parse_config stream = {0, 0, 0};
    int n = sip_build_request(out, sizeof out, sip_str_c("MESSAGE"), sip_str_c("sip:b@example.com"),
                              f, 8, sip_str_c("hello"), NULL);
    cr_assert(n > 0);
    cr_assert_eq(sip_parse(out, (size_t)n, &stream, &m, h, MAXH, NULL), n);
    cr_assert_eq(m.method, SIP_METHOD_MESSAGE);
    TU_STR_EQ(m.ruri_str, "sip:b@example.com");
    TU_STR_EQ(m.via.transport, "TCP");
    cr_assert_eq(m.via.port, 5060);
    cr_assert(m.via.has_rport && m.via.rport == 0);
    TU_STR_EQ(m.via.branch, "z9hG4bKabc");
    TU_STR_EQ(m.from.display, "A");
    TU_STR_EQ(m.from.tag, "t1");
    cr_assert_null(m.to.tag.p);
    TU_STR_EQ(m.call_id, "cid@example.com");
    cr_assert_eq(m.cseq.num, 7);
    cr_assert_eq(m.content_length, 5);
    TU_STR_EQ(m.body, "hello");
    cr_assert_eq(m.n_hdrs, 8, "7 given + computed Content-Length");
    cr_assert_eq(sip_build_request(out, sizeof out, sip_str_c("BAD METHOD"),
                                   sip_str_c("sip:b@example.com"), f, 8, sip_str_c(""), NULL),
                 SIP_ERR_INVALID);
    cr_assert_eq(sip_build_request(out, sizeof out, sip_str_c("MESSAGE"), sip_str_c("sip:"), f, 8,
                                   sip_str_c(""), NULL), SIP_ERR_INVALID);
    /* §19.1.1: no headers in a Request-URI, as the parser would reject */
    cr_assert_eq(sip_build_request(out, sizeof out, sip_str_c("MESSAGE"), sip_str_c("sip:b@x?h=v"),
                                   f, 8, sip_str_c(""), NULL), SIP_ERR_INVALID);
}

/* ---- §16.6 proxy edits ------------------------------------------------- */

Test(proxy_edit, s16_6_forward_request_edits_and_copies_the_rest)
{
    sip_msg m;
    sip_hdr h[MAXH];
    char out[2048];
    sip_proxy_edit ed;
    const char *want =
        "INVITE sip:bob@192.0.2.4 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1\r\n"
        "Record-Route: <sip:proxy.example.com;lr>\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds, "
        "SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKold;received=192.0.2.9\r\n"
        "Max-Forwards: 69\r\n"
        "Route: <sip:p2.example.com;lr>\r\n"
        "To: Bob <sip:bob@biloxi.example.com>\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
        "CSeq: 314159 INVITE\r\n"
        "Timestamp: 54\r\n"
        "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
        "Content-Type: application/sdp\r\n"
        "Content-Length: 4\r\n"
        "\r\n"
        "v=0\n";
    int n;
    size_t need;
    cr_assert(parse(invite, sizeof invite - 1, &m, h) > 0);
    memset(&ed, 0, sizeof ed);
    ed.new_ruri = sip_str_c("sip:bob@192.0.2.4");
    ed.add_via = sip_str_c("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1");
    ed.add_record_route = sip_str_c("<sip:proxy.example.com;lr>");
    ed.remove_top_route = 1;
    ed.decrement_max_forwards = 1;
    n = sip_proxy_edit_apply(out, sizeof out, &m, &ed, &need);
    cr_assert_eq(n, (int)strlen(want), "got %d:\n%.*s", n, n > 0 ? n : 0, out);
    cr_assert(memcmp(out, want, (size_t)n) == 0, "got:\n%.*s", n, out);
    cr_assert_eq(sip_proxy_edit_apply(out, 20, &m, &ed, &need), SIP_ERR_NOSPACE);
    cr_assert_eq(need, strlen(want));
    ed.remove_top_via = 1;
    cr_assert_eq(sip_proxy_edit_apply(out, sizeof out, &m, &ed, NULL), SIP_ERR_INVALID,
                 "removing a Via is for responses");
}

Test(proxy_edit, s16_7_response_top_via_removed)
{
    const char *resp =
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
        "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710\r\n"
        "CSeq: 314159 INVITE\r\n"
        "Content-Length: 0\r\n\r\n";
    const char *resp2 =
        "SIP/2.0 200 OK\r\n"
        "v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1 , SIP/2.0/UDP pc33;branch=z9hG4bK7\r\n"
        "To: <sip:b@x>;tag=a\r\nFrom: <sip:a@x>;tag=b\r\nCall-ID: c\r\nCSeq: 1 BYE\r\n"
        "Content-Length: 0\r\n\r\n";
    sip_msg m;
    sip_hdr h[MAXH];
    char out[1024];
    sip_proxy_edit ed;
    int n;
    memset(&ed, 0, sizeof ed);
    ed.remove_top_via = 1;
    cr_assert(parse(resp, strlen(resp), &m, h) > 0);
    n = sip_proxy_edit_apply(out, sizeof out, &m, &ed, NULL);
    cr_assert_eq((size_t)n, strlen(resp) - strlen("Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1\r\n"));
    cr_assert(memcmp(out + 16, "Via: SIP/2.0/UDP pc33.atlanta", 29) == 0, "%.*s", n, out);
    /* a value inside a multi-value field: the field is rewritten */
    cr_assert(parse(resp2, strlen(resp2), &m, h) > 0);
    n = sip_proxy_edit_apply(out, sizeof out, &m, &ed, NULL);
    cr_assert(n > 0);
    cr_assert(memcmp(out + 16, "v: SIP/2.0/UDP pc33;branch=z9hG4bK7\r\nTo:", 40) == 0, "%.*s", n, out);
    ed.decrement_max_forwards = 1;
    cr_assert_eq(sip_proxy_edit_apply(out, sizeof out, &m, &ed, NULL), SIP_ERR_INVALID);
}

Test(proxy_edit, s16_6_item3_max_forwards_zero_and_absent)
{
    const char *req = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                      "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\n"
                      "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    const char *req0 = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                       "Max-Forwards: 0\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\n"
                       "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    sip_msg m;
    sip_hdr h[MAXH];
    char out[1024];
    sip_proxy_edit ed;
    int n;
    memset(&ed, 0, sizeof ed);
    ed.decrement_max_forwards = 1;
    cr_assert(parse(req, strlen(req), &m, h) > 0);
    n = sip_proxy_edit_apply(out, sizeof out, &m, &ed, NULL);
    cr_assert(n > 0);
    /* absent Max-Forwards: added with the RFC's SHOULD value 70 */
    cr_assert_eq((size_t)n, strlen(req) + 18);
    cr_assert(memcmp(out + n - 22, "\r\nMax-Forwards: 70\r\n\r\n", 22) == 0, "%.*s", n, out);
    cr_assert(parse(req0, strlen(req0), &m, h) > 0);
    cr_assert_eq(sip_proxy_edit_apply(out, sizeof out, &m, &ed, NULL), SIP_ERR_RANGE);
    ed.decrement_max_forwards = 0;
    ed.remove_top_route = 1;
    cr_assert_eq(sip_proxy_edit_apply(out, sizeof out, &m, &ed, NULL), SIP_ERR_NOT_FOUND);
}

Test(proxy_edit, s16_6_datagram_without_final_line_end_or_headers)
{
    /* review findings: fields appended to a datagram whose last field has
     * no line end, and to a request with no header at all */
    const char *req = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                      "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\n"
                      "CSeq: 1 OPTIONS\r\nContent-Length: 0";
    const char *bare = "OPTIONS sip:a@b SIP/2.0\r\n\r\n";
    sip_msg m, r;
    sip_hdr h[MAXH], rh[MAXH];
    char out[1024];
    sip_proxy_edit ed;
    sip_hdr_field x[] = {{SIP_STR("X-A"), SIP_STR("1")}};
    sip_parse_config loose = {SIP_PARSE_DATAGRAM | SIP_PARSE_NO_SEMANTIC, 0, 0};
    int n;
    memset(&ed, 0, sizeof ed);
    ed.decrement_max_forwards = 1;
    ed.extra = x;
    ed.n_extra = 1;
    cr_assert(parse(req, strlen(req), &m, h) > 0);
    n = sip_proxy_edit_apply(out, sizeof out, &m, &ed, NULL);
    cr_assert(n > 0);
    cr_assert(memcmp(out + n - 47, "Content-Length: 0\r\nMax-Forwards: 70\r\nX-A: 1\r\n\r\n", 47) == 0,
              "%.*s", n, out);
    cr_assert_eq(parse(out, (size_t)n, &r, rh), n);
    cr_assert_eq(r.max_forwards, 70);
    cr_assert(sip_parse(bare, strlen(bare), &loose, &m, h, MAXH, NULL) > 0);
    ed.add_via = sip_str_c("SIP/2.0/UDP p;branch=z9hG4bKp");
    n = sip_proxy_edit_apply(out, sizeof out, &m, &ed, NULL);
    cr_assert_eq(n, (int)strlen("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP p;branch=z9hG4bKp\r\n"
                                "Max-Forwards: 70\r\nX-A: 1\r\n\r\n"), "%.*s", n, out);
    cr_assert(memcmp(out, "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP p;branch=z9hG4bKp\r\n", 57) == 0);
}

/* ---- §19.1.4 URI comparison (the RFC's own examples) --------------------- */

static int uri_eq(const char *a, const char *b)
{
    sip_uri x, y;
    cr_assert_eq(sip_uri_parse(sip_str_c(a), &x), 0, "%s", a);
    cr_assert_eq(sip_uri_parse(sip_str_c(b), &y), 0, "%s", b);
    cr_assert_eq(sip_uri_equal(&x, &y), sip_uri_equal(&y, &x), "symmetric");
    return sip_uri_equal(&x, &y);
}

Test(uri, s19_1_4_equivalent_examples)
{
    cr_assert(uri_eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
    cr_assert(uri_eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
    cr_assert(uri_eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
    cr_assert(uri_eq("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
    cr_assert(uri_eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                     "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
    cr_assert(uri_eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                     "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
}

Test(uri, s19_1_4_non_equivalent_examples)
{
    cr_assert(!uri_eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
    cr_assert(!uri_eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
    cr_assert(!uri_eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
    cr_assert(!uri_eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
    cr_assert(!uri_eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
    cr_assert(!uri_eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
    cr_assert(!uri_eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
}

Test(uri, s19_1_4_repeated_parameter_names_compare_by_occurrence)
{
    /* found by fuzz/fuzz_uri (fuzz/findings/uri-1): equality must be
     * reflexive even for a name given twice */
    cr_assert(uri_eq("sip:a@b;x=1;x=2", "sip:a@b;x=1;x=2"));
    cr_assert(!uri_eq("sip:a@b;x=1;x=2", "sip:a@b;x=2;x=1"));
    cr_assert(uri_eq("sip:a@b;transport=tcp;transport=tcp", "sip:a@b;TRANSPORT=TCP;transport=tcp"));
}

Test(uri, s19_1_1_components_and_errors)
{
    sip_uri u;
    cr_assert_eq(sip_uri_parse(sip_str_c("sips:alice:secret@[2001:db8::1]:5061;transport=tcp?h=v"), &u), 0);
    cr_assert_eq(u.scheme, SIP_URI_SIPS);
    TU_STR_EQ(u.user, "alice");
    TU_STR_EQ(u.password, "secret");
    TU_STR_EQ(u.host, "2001:db8::1");
    cr_assert_eq(u.host_type, SIP_HOST_IPV6);
    cr_assert_eq(u.port, 5061);
    TU_STR_EQ(u.params, ";transport=tcp");
    TU_STR_EQ(u.headers, "h=v");
    cr_assert_eq(sip_uri_parse(sip_str_c("tel:+1-201-555-0123;phone-context=example.com"), &u), 0);
    cr_assert_eq(u.scheme, SIP_URI_TEL);
    TU_STR_EQ(u.user, "+1-201-555-0123");
    cr_assert_eq(sip_uri_parse(sip_str_c("sip:a@192.0.2.300"), &u), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_uri_parse(sip_str_c("sip:a@host:70000"), &u), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_uri_parse(sip_str_c("sip:a@host:"), &u), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_uri_parse(sip_str_c("sip:a%4@host"), &u), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_uri_parse(sip_str_c("sip:a b@host"), &u), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_uri_parse(sip_str_c("sip:[::1"), &u), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_uri_parse(sip_str_c("urn:service:sos"), &u), 0);
    cr_assert_eq(u.scheme, SIP_URI_OTHER);
    TU_STR_EQ(u.opaque, "service:sos");
}

/* ---- generators (§8.1.1.7, §19.3) ---------------------------------------- */

static int counter_rand(void *user, uint8_t *b, size_t n)
{
    unsigned *c = user;
    size_t i;
    for (i = 0; i < n; i++) b[i] = (uint8_t)((*c)++ * 37u + 11u);
    return 0;
}

static int failing_rand(void *user, uint8_t *b, size_t n)
{
    (void)user; (void)b; (void)n;
    return -1;
}

Test(gen, s8_1_1_7_branch_tag_callid)
{
    char b1[64], b2[64];
    unsigned c = 0;
    int n = sip_gen_branch(b1, sizeof b1, counter_rand, &c);
    size_t i;
    cr_assert_eq(n, 29);
    cr_assert(memcmp(b1, "z9hG4bK", 7) == 0);
    for (i = 0; i < (size_t)n; i++) cr_assert(isalnum((unsigned char)b1[i]) || b1[i] == '-' || b1[i] == '.');
    cr_assert_eq(sip_gen_branch(b2, sizeof b2, counter_rand, &c), 29);
    cr_assert(strcmp(b1, b2) != 0, "new randomness, new branch");
    cr_assert_eq(sip_gen_tag(b1, sizeof b1, counter_rand, &c), 16);
    cr_assert_eq(sip_gen_call_id(b1, sizeof b1, sip_str_c("host.example"), counter_rand, &c), 37);
    cr_assert(strcmp(b1 + 24, "@host.example") == 0);
    cr_assert_eq(sip_gen_branch(b1, 29, counter_rand, &c), SIP_ERR_NOSPACE);
    cr_assert_eq(sip_gen_tag(b1, sizeof b1, failing_rand, NULL), SIP_ERR_CALLBACK);
    cr_assert_eq(sip_gen_tag(b1, sizeof b1, NULL, NULL), SIP_ERR_INVALID);
    cr_assert_eq(sip_gen_call_id(b1, sizeof b1, sip_str_c("a b"), counter_rand, &c), SIP_ERR_INVALID);
}

/* ---- round trip over every corpus message -------------------------------- */

static void roundtrip_one(const char *path)
{
    size_t len, need = 0;
    char *raw = tu_read_file(path, &len), *out1, *out2;
    sip_msg a, b, c;
    static sip_hdr ha[MAXH], hb[MAXH], hc[MAXH];
    int n1, n2, rc;
    size_t i;
    cr_assert_not_null(raw);
    if (parse(raw, len, &a, ha) <= 0) { free(raw); return; }
    cr_assert_eq(sip_msg_print(NULL, 0, &a, &need), SIP_ERR_NOSPACE);
    out1 = malloc(need);
    out2 = malloc(need);
    n1 = sip_msg_print(out1, need, &a, NULL);
    cr_assert_eq((size_t)n1, need);
    rc = parse(out1, (size_t)n1, &b, hb);
    cr_assert_eq(rc, n1, "%s: printed message does not parse: %d", path, rc);
    cr_assert(sip_str_eq(a.start_line, b.start_line));
    cr_assert_eq(a.n_hdrs, b.n_hdrs, "%s", path);
    for (i = 0; i < a.n_hdrs; i++) {
        cr_assert_eq(a.hdrs[i].id, b.hdrs[i].id);
        cr_assert(sip_str_eq(a.hdrs[i].name, b.hdrs[i].name));
        cr_assert(sip_str_eq(a.hdrs[i].value, b.hdrs[i].value), "%s hdr %zu", path, i);
    }
    cr_assert(sip_str_eq(a.body, b.body));
    cr_assert(sip_str_eq(a.via.branch, b.via.branch) && sip_str_eq(a.from.tag, b.from.tag) &&
              sip_str_eq(a.to.tag, b.to.tag) && sip_str_eq(a.call_id, b.call_id) &&
              a.cseq.num == b.cseq.num);
    /* stable: printing the re-parse gives the same bytes */
    n2 = sip_msg_print(out2, need, &b, NULL);
    cr_assert_eq(n1, n2);
    cr_assert(memcmp(out1, out2, (size_t)n1) == 0);
    cr_assert_eq(parse(out2, (size_t)n2, &c, hc), n2);
    free(out1);
    free(out2);
    free(raw);
}

Test(roundtrip, build_of_parse_parses_back_to_the_same_fields)
{
    static const char *const dirs[] = {"corpus/rfc4475", "corpus/rfc5118", "corpus/rfc5118/wire"};
    size_t d, count = 0;
    for (d = 0; d < 3; d++) {
        DIR *dir = opendir(dirs[d]);
        struct dirent *e;
        cr_assert_not_null(dir);
        while ((e = readdir(dir)) != NULL) {
            char path[512];
            size_t n = strlen(e->d_name);
            if (n < 5 || (strcmp(e->d_name + n - 4, ".dat") && strcmp(e->d_name + n - 4, ".sip")))
                continue;
            snprintf(path, sizeof path, "%s/%s", dirs[d], e->d_name);
            roundtrip_one(path);
            count++;
        }
        closedir(dir);
    }
    cr_assert_eq(count, 49 + 12 + 12);
}
