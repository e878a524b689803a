/* sip_registrar.h: REGISTER processing (RFC 3261 §10.3, RFC 3327, RFC
 * 5626 §6, RFC 5627) over the in-memory location service. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sip_registrar.h"

static sip_locmem lm;
static sip_registrar reg;
static char msgbuf[4096];
static sip_msg msg;
static sip_hdr hdrs[64];
static char out[8192];
static int status;

static void setup(void)
{
    sip_registrar_config c;
    sip_locmem_config lc;
    memset(&lc, 0, sizeof lc);
    lc.buckets = 64;
    cr_assert_eq(sip_locmem_init(&lm, &lc), 0);
    memset(&c, 0, sizeof c);
    c.max_contacts = 3;
    cr_assert_eq(sip_registrar_init(&reg, &c, sip_locmem_ops(), &lm), 0);
}
static void teardown(void) { sip_locmem_free(&lm); }

/* A REGISTER like RFC 3665 §2.1 F3, with extra header lines. */
static void reg_msg(uint32_t cseq, const char *callid, const char *extra)
{
    int n = snprintf(msgbuf, sizeof msgbuf,
                     "REGISTER sips:ss2.biloxi.example.com SIP/2.0\r\n"
                     "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\r\n"
                     "Max-Forwards: 70\r\n"
                     "From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\r\n"
                     "To: Bob <sips:bob@Biloxi.Example.COM>\r\n"
                     "Call-ID: %s\r\n"
                     "CSeq: %u REGISTER\r\n"
                     "%s"
                     "Content-Length: 0\r\n\r\n",
                     callid, cseq, extra);
    sip_parse_config pc = {SIP_PARSE_DATAGRAM, 0, 0};
    sip_parse_error pe;
    cr_assert_geq(sip_parse(msgbuf, (size_t)n, &pc, &msg, hdrs, 64, &pe), 0, "%s", pe.reason);
}

static int process(uint64_t now)
{
    sip_register_source src = {7, {"tls:192.0.2.4:40001", 19}};
    int n = sip_registrar_process(&reg, &msg, &src, sip_str_c("reg1"), now, out, sizeof out - 1, NULL, &status);
    cr_assert_gt(n, 0);
    out[n] = 0;
    return status;
}

#define S 1000000ull

/* §10.3 steps 5-8 (RFC 3665 §2.1 F4): the AOR in canonical form, the
 * binding stored and listed in the 200 with its remaining expires. */
Test(registrar, register_and_list_rfc3261_10_3, .init = setup, .fini = teardown)
{
    sip_binding b[4];
    static const char want[] =
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\r\n"
        "From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\r\n"
        "To: Bob <sips:bob@Biloxi.Example.COM>;tag=reg1\r\n"
        "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n"
        "CSeq: 1 REGISTER\r\n"
        "Contact: <sips:bob@client.biloxi.example.com>;expires=3600\r\n"
        "Content-Length: 0\r\n\r\n";
    reg_msg(1, "1j9FpLxk3uxtm8tn@biloxi.example.com", "Contact: <sips:bob@client.biloxi.example.com>\r\n");
    cr_assert_eq(process(10 * S), 200);
    cr_assert_str_eq(out, want);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), 10 * S, b, 4), 1);
    cr_assert(sip_str_eq(b[0].uri, sip_str_c("sips:bob@client.biloxi.example.com")));
    cr_assert_eq(b[0].expires_us, 3610 * S);
    cr_assert_eq(b[0].cseq, 1);
    cr_assert(sip_str_eq(b[0].received, sip_str_c("tls:192.0.2.4:40001")));
    /* a query (no Contact) lists the binding with the time left */
    reg_msg(2, "1j9FpLxk3uxtm8tn@biloxi.example.com", "");
    cr_assert_eq(process(1010 * S), 200);
    cr_assert(strstr(out, "Contact: <sips:bob@client.biloxi.example.com>;expires=2600\r\n"), "%s", out);
}

/* §10.3 step 7: expires parameter over the Expires header, capped at
 * max_expires; 423 with Min-Expires below min_expires (and nothing
 * stored); q kept. */
Test(registrar, expires_and_423_rfc3261_10_3, .init = setup, .fini = teardown)
{
    sip_binding b[4];
    reg_msg(1, "c1", "Expires: 30\r\nContact: <sip:bob@192.0.2.4>\r\n");
    cr_assert_eq(process(0), 423);
    cr_assert(strstr(out, "SIP/2.0 423 Interval Too Brief\r\n") == out, "%s", out);
    cr_assert(strstr(out, "Min-Expires: 60\r\n"), "%s", out);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), 0, b, 4), 0);
    reg_msg(2, "c1", "Expires: 30\r\nContact: <sip:bob@192.0.2.4>;expires=900;q=0.7\r\nContact: <sip:bob@192.0.2.5>;expires=99999\r\n");
    cr_assert_eq(process(0), 200);
    cr_assert(strstr(out, "Contact: <sip:bob@192.0.2.4>;q=0.7;expires=900\r\n"), "%s", out);
    cr_assert(strstr(out, "Contact: <sip:bob@192.0.2.5>;expires=7200\r\n"), "%s", out);
}

/* §10.3 step 7: same Call-ID with a CSeq not higher is out of order: 500
 * and no change; a new Call-ID replaces; expires=0 removes. */
Test(registrar, ordering_and_removal_rfc3261_10_3, .init = setup, .fini = teardown)
{
    sip_binding b[4];
    reg_msg(5, "c1", "Contact: <sip:bob@192.0.2.4>\r\n");
    cr_assert_eq(process(0), 200);
    reg_msg(5, "c1", "Contact: <sip:bob@192.0.2.4>;expires=0\r\n");
    cr_assert_eq(process(S), 500);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), S, b, 4), 1);
    reg_msg(1, "c2", "Contact: <sip:bob@192.0.2.4;transport=udp>\r\n");
    cr_assert_eq(process(S), 200); /* another Call-ID, same URI? no: transport differs */
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), S, b, 4), 2);
    reg_msg(2, "c2", "Contact: <sip:bob@192.0.2.4;transport=udp>;expires=0\r\n");
    cr_assert_eq(process(S), 200);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), S, b, 4), 1);
    /* §19.1.4: the URI matches ignoring host case */
    reg_msg(9, "c3", "Contact: <sip:bob@192.0.2.4>;expires=120\r\n");
    cr_assert_eq(process(S), 200);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), S, b, 4), 1);
    cr_assert_eq(b[0].expires_us, 121 * S);
}

/* §10.3 step 6: "*" with Expires: 0 removes all; "*" otherwise is 400. */
Test(registrar, star_rfc3261_10_3_step6, .init = setup, .fini = teardown)
{
    sip_binding b[4];
    reg_msg(1, "c1", "Contact: <sip:bob@192.0.2.4>, <sip:bob@192.0.2.5>\r\n");
    cr_assert_eq(process(0), 200);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), 0, b, 4), 2);
    reg_msg(2, "c1", "Contact: *\r\n");
    cr_assert_eq(process(0), 400);
    reg_msg(2, "c1", "Expires: 0\r\nContact: *\r\nContact: <sip:x@y>\r\n");
    cr_assert_eq(process(0), 400);
    reg_msg(2, "c1", "Expires: 0\r\nContact: *\r\n");
    cr_assert_eq(process(0), 200);
    cr_assert_null(strstr(out, "Contact:"));
    cr_assert_eq(lm.n_bindings, 0);
    cr_assert_eq(lm.n_aors, 0);
}

Test(registrar, limits_and_bad_input, .init = setup, .fini = teardown)
{
    reg_msg(1, "c1", "Contact: <sip:a@h1>, <sip:a@h2>, <sip:a@h3>, <sip:a@h4>\r\n");
    cr_assert_eq(process(0), 403);
    reg_msg(1, "c1", "Contact: <sip:a@h1>;q=2\r\n");
    cr_assert_eq(process(0), 400);
    reg_msg(1, "c1", "Expires: soon\r\nContact: <sip:a@h1>\r\n");
    cr_assert_eq(process(0), 400);
    reg_msg(1, "c1", "Contact: <sip:a@h1>;reg-id=0\r\n");
    cr_assert_eq(process(0), 400);
    cr_assert_eq(lm.n_bindings, 0);
}

/* RFC 3327 §5.3: Path stored and echoed when the UA supports it; 420 with
 * path_strict when it does not. */
Test(registrar, path_rfc3327_5_3, .init = setup, .fini = teardown)
{
    sip_binding b[2];
    reg_msg(1, "c1", "Supported: path\r\nPath: <sip:P3.EXAMPLEHOME.COM;lr>\r\nPath: <sip:P1.EXAMPLEVISITED.COM;lr>\r\nContact: <sip:bob@192.0.2.4>\r\n");
    cr_assert_eq(process(0), 200);
    cr_assert(strstr(out, "Path: <sip:P3.EXAMPLEHOME.COM;lr>, <sip:P1.EXAMPLEVISITED.COM;lr>\r\n"), "%s", out);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), 0, b, 2), 1);
    cr_assert(sip_str_eq(b[0].path, sip_str_c("<sip:P3.EXAMPLEHOME.COM;lr>, <sip:P1.EXAMPLEVISITED.COM;lr>")));
    reg.cfg.path_strict = 1;
    reg_msg(2, "c1", "Path: <sip:p;lr>\r\nContact: <sip:bob@192.0.2.4>\r\n");
    cr_assert_eq(process(0), 420);
    cr_assert(strstr(out, "Unsupported: path\r\n"));
}

/* RFC 5626 §6: bindings keyed by instance and reg-id keep their flow, and
 * the 200 requires outbound; a second reg-id is a second binding; RFC
 * 5627 §5: pub-gruu from the AOR and the instance. */
Test(registrar, outbound_and_gruu_rfc5626_rfc5627, .init = setup, .fini = teardown)
{
    sip_binding b[4];
    static const char inst[] = "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"";
    char extra[512];
    snprintf(extra, sizeof extra, "Supported: outbound, gruu\r\nContact: <sip:bob@192.0.2.4;transport=tcp>;reg-id=1;%s\r\n", inst);
    reg_msg(1, "c1", extra);
    cr_assert_eq(process(0), 200);
    cr_assert(strstr(out, "Require: outbound\r\n"), "%s", out);
    cr_assert(strstr(out, ";pub-gruu=\"sips:bob@biloxi.example.com;gr=urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF\""), "%s", out);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), 0, b, 4), 1);
    cr_assert_eq(b[0].flow, 7);
    cr_assert_eq(b[0].reg_id, 1);
    /* the same instance and reg-id from another address replaces it */
    snprintf(extra, sizeof extra, "Supported: outbound\r\nContact: <sip:bob@198.51.100.9;transport=tcp>;reg-id=1;%s\r\n", inst);
    reg_msg(2, "c1", extra);
    cr_assert_eq(process(0), 200);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), 0, b, 4), 1);
    cr_assert(sip_str_eq(b[0].uri, sip_str_c("sip:bob@198.51.100.9;transport=tcp")));
    snprintf(extra, sizeof extra, "Supported: outbound\r\nContact: <sip:bob@198.51.100.9;transport=tcp>;reg-id=2;%s\r\n", inst);
    reg_msg(3, "c1", extra);
    cr_assert_eq(process(0), 200);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), 0, b, 4), 2);
}

static int only_atlanta(void *user, sip_str aor)
{
    static const char dom[] = "@atlanta.example.com";
    (void)user;
    return aor.len >= sizeof dom - 1 && !memcmp(aor.p + aor.len - (sizeof dom - 1), dom, sizeof dom - 1);
}

/* §10.3 step 3/5: an address-of-record this registrar does not serve gets
 * 404 and nothing is stored; the canonical form (§10.3 step 5) drops URI
 * parameters, unescapes the user and lowers the host. */
Test(registrar, foreign_aor_404_and_canonical_aor, .init = setup, .fini = teardown)
{
    char aor[64];
    sip_uri u;
    reg.cfg.aor_ok = only_atlanta;
    reg_msg(1, "c1", "Contact: <sip:bob@192.0.2.4>\r\n");
    cr_assert_eq(process(0), 404);
    cr_assert_eq(lm.n_bindings, 0);
    cr_assert_eq(sip_uri_parse(sip_str_c("sip:%62ob@ATLANTA.example.com:5070;user=phone"), &u), 0);
    cr_assert_eq(sip_registrar_aor(&u, aor, sizeof aor), (int)strlen("sip:bob@atlanta.example.com:5070"));
    cr_assert_str_eq(aor, "sip:bob@atlanta.example.com:5070");
    cr_assert(only_atlanta(NULL, sip_str_c("sip:bob@atlanta.example.com")));
    cr_assert_eq(sip_uri_parse(sip_str_c("tel:+15551234"), &u), 0);
    cr_assert_eq(sip_registrar_aor(&u, aor, sizeof aor), SIP_REG_ERR_INVALID);
}

/* Expiry: lookups hide expired bindings at once; the sweep frees them. */
Test(registrar, expiry_sweep, .init = setup, .fini = teardown)
{
    sip_binding b[2];
    size_t bytes0 = lm.bytes;
    reg_msg(1, "c1", "Contact: <sip:bob@192.0.2.4>;expires=60\r\n");
    cr_assert_eq(process(0), 200);
    cr_assert_gt(lm.bytes, bytes0);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), 61 * S, b, 2), 0);
    cr_assert_eq(lm.n_bindings, 1);
    cr_assert_eq(sip_locmem_expire(&lm, 61 * S, 64), 1);
    cr_assert_eq(lm.n_bindings, 0);
    cr_assert_eq(lm.n_aors, 0);
    cr_assert_eq(lm.bytes, bytes0);
}

/* fuzz_registrar findings: a bare CR (RFC 3261 §25.1: not LWS) inside a
 * Contact parameter or a Path value is refused with 400, never stored or
 * echoed into a 200. */
Test(registrar, bare_cr_refused_rfc3261_25_1, .init = setup, .fini = teardown)
{
    reg_msg(1, "c1", "Contact: <sip:bob@192.0.2.4>;x=1\rb\r\n");
    cr_assert_eq(process(0), 400);
    reg_msg(2, "c1", "Supported: path\r\nPath: <sip:p;lr>\rx\r\nContact: <sip:bob@192.0.2.4>\r\n");
    cr_assert_eq(process(0), 400);
    cr_assert_eq(lm.n_bindings, 0);
}

/* registrar-3: a bare CR in a quoted parameter value (qdtext, RFC 3261
 * §25.1) is a syntax error, while folding inside quotes stays legal. */
Test(registrar, bare_cr_in_quoted_string_rfc3261_25_1)
{
    sip_addr a;
    cr_assert_eq(sip_addr_parse(sip_str_c("<sip:b@h>;+sip.instance=\"<urn:uuid:1\r2>\""), &a), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_addr_parse(sip_str_c("<sip:b@h>;+sip.instance=\"<urn:uuid:1\r\n 2>\""), &a), 0);
}

/* One binding named twice in one REGISTER is refused (review finding: the
 * second removal used the freed record). */
Test(registrar, same_contact_twice_is_400_rfc3261_10_3, .init = setup, .fini = teardown)
{
    reg_msg(1, "c1", "Contact: <sip:bob@h>\r\n");
    cr_assert_eq(process(0), 200);
    reg_msg(2, "c1", "Contact: <sip:bob@h>;expires=0, <sip:bob@H>;expires=0\r\n");
    cr_assert_eq(process(0), 400);
    cr_assert_eq(lm.n_bindings, 1);
    reg_msg(3, "c1", "Contact: <sip:new@h>, <sip:new@h>;q=0.5\r\n");
    cr_assert_eq(process(0), 400);
    cr_assert_eq(lm.n_bindings, 1);
}

/* registrar-4: a Path value that is not a name-addr (RFC 3327 §4) is
 * refused with 400; joined into the 200 it would not parse. */
Test(registrar, path_value_must_be_name_addr_rfc3327_4, .init = setup, .fini = teardown)
{
    reg_msg(1, "c1", "Supported: path\r\nPath: <s\r\nPath: x\r\nContact: <sip:bob@h>\r\n");
    cr_assert_eq(process(0), 400);
    reg_msg(2, "c1", "Supported: path\r\nPath: <sip:p1;lr>\r\nContact: <sip:bob@h>\r\n");
    cr_assert_eq(process(0), 200);
}

/* registrar-5: Contact parameters are echoed in the 200, so a line end in
 * them other than CRLF folding is refused with 400 (RFC 3261 §7.3.1). */
Test(registrar, contact_params_fold_only_with_crlf, .init = setup, .fini = teardown)
{
    reg_msg(1, "c1", "Contact: <sip:bob@h>;+sip.instance=\"<urn:uuid:1\n 0>\"\r\n");
    cr_assert_eq(process(0), 400);
    cr_assert_eq(lm.n_bindings, 0);
}
