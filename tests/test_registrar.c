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

/* A store that wraps sip_locmem and fails its fail_at-th save or remove
 * (counted from 1 across both) with SIP_REG_ERR_STORE. */
static int fs_count, fs_fail_at, fs_commits, fs_rollbacks;
static int fs_lookup(void *s, sip_str aor, uint64_t now, sip_binding *o, size_t max)
{
    return sip_locmem_ops()->lookup(s, aor, now, o, max);
}
static int fs_step(void) { return ++fs_count == fs_fail_at; }
static int fs_save(void *s, const sip_binding *b, const sip_binding *old, uint64_t now)
{
    return fs_step() ? SIP_REG_ERR_STORE : sip_locmem_ops()->save(s, b, old, now);
}
static int fs_remove(void *s, const sip_binding *old)
{
    return fs_step() ? SIP_REG_ERR_STORE : sip_locmem_ops()->remove(s, old);
}
static int fs_begin(void *s, sip_str aor, uint64_t now) { return sip_locmem_ops()->begin(s, aor, now); }
static int fs_commit(void *s, sip_str aor)
{
    fs_commits++;
    return sip_locmem_ops()->commit(s, aor);
}
static void fs_rollback(void *s, sip_str aor)
{
    fs_rollbacks++;
    sip_locmem_ops()->rollback(s, aor);
}
static const sip_location_ops fs_ops = {sizeof(sip_location_ops), fs_lookup, fs_save, fs_remove,
                                        fs_begin, fs_commit, fs_rollback};

/* The bindings of bob as text "uri|cseq|expires_us|q" lines, in store
 * order, to compare the whole visible state before and after. */
static void bob_state(char *buf, size_t cap, uint64_t now)
{
    sip_binding b[8];
    int n = sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), now, b, 8), i;
    size_t k = 0;
    buf[0] = 0;
    for (i = 0; i < n && i < 8; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%.*s|%.*s|%u|%llu|%u\n", (int)b[i].uri.len,
                              b[i].uri.p, (int)b[i].call_id.len, b[i].call_id.p, b[i].cseq,
                              (unsigned long long)b[i].expires_us, b[i].q);
}

/* RFC 3261 §10.3 step 7: "the binding updates MUST be committed (that
 * is, made visible to the proxy or redirect server) if and only if all
 * binding updates and additions succeed". A REGISTER refreshing one
 * binding, removing another and adding two, against a store failing at
 * its 1st, 2nd, 3rd or 4th operation: 503, and every binding exactly as
 * before (nothing added, nothing removed, nothing refreshed); with no
 * failure, 200 and all four changes. */
Test(registrar, store_failure_partway_is_atomic_rfc3261_10_3_step7)
{
    sip_registrar_config c;
    sip_locmem_config lc;
    char before[1024], after[1024];
    size_t bytes_before;
    int fail;
    memset(&lc, 0, sizeof lc);
    lc.buckets = 64;
    cr_assert_eq(sip_locmem_init(&lm, &lc), 0);
    memset(&c, 0, sizeof c);
    c.max_contacts = 8;
    cr_assert_eq(sip_registrar_init(&reg, &c, &fs_ops, &lm), 0);
    fs_fail_at = 0;
    reg_msg(1, "c1", "Contact: <sip:bob@h1>;expires=600, <sip:bob@h2>;q=0.5\r\n");
    cr_assert_eq(process(0), 200);
    bob_state(before, sizeof before, 10 * S);
    bytes_before = lm.bytes;
    cr_assert_eq(lm.n_bindings, 2);
    for (fail = 1; fail <= 4; fail++) {
        fs_count = 0;
        fs_fail_at = fail;
        fs_rollbacks = fs_commits = 0;
        reg_msg(2, "c1",
                "Contact: <sip:bob@h1>;expires=900, <sip:bob@h2>;expires=0, <sip:bob@h3>, <sip:bob@h4>\r\n");
        cr_assert_eq(process(10 * S), 503, "failing at operation %d", fail);
        cr_assert(strstr(out, "SIP/2.0 503 Service Unavailable\r\n") == out, "%s", out);
        cr_assert_null(strstr(out, "Contact:"), "%s", out);
        cr_assert_eq(fs_count, fail, "the registrar stops at the failure");
        cr_assert_eq(fs_rollbacks, 1);
        cr_assert_eq(fs_commits, 0);
        bob_state(after, sizeof after, 10 * S);
        cr_assert_str_eq(after, before, "failing at operation %d", fail);
        cr_assert_eq(lm.n_bindings, 2);
        cr_assert_eq(lm.n_aors, 1);
        cr_assert_eq(lm.bytes, bytes_before);
    }
    /* the same request then succeeds whole (CSeq 2 was never recorded) */
    fs_count = 0;
    fs_fail_at = 0;
    reg_msg(2, "c1", "Contact: <sip:bob@h1>;expires=900, <sip:bob@h2>;expires=0, <sip:bob@h3>, <sip:bob@h4>\r\n");
    cr_assert_eq(process(10 * S), 200);
    cr_assert_eq(fs_count, 4);
    cr_assert_eq(fs_commits, 1);
    cr_assert_eq(lm.n_bindings, 3);
    cr_assert(strstr(out, "Contact: <sip:bob@h1>;expires=900\r\n"), "%s", out);
    cr_assert_null(strstr(out, "<sip:bob@h2>"), "%s", out);
    cr_assert(strstr(out, "Contact: <sip:bob@h3>;expires=3600\r\n"), "%s", out);
    sip_locmem_free(&lm);
}

/* §10.3 step 7 with the first binding of an address-of-record: a failure
 * at the 2nd addition leaves no record behind (and no bytes). */
Test(registrar, new_aor_failure_leaves_nothing_rfc3261_10_3_step7)
{
    sip_registrar_config c;
    sip_locmem_config lc;
    size_t bytes0;
    memset(&lc, 0, sizeof lc);
    lc.buckets = 64;
    cr_assert_eq(sip_locmem_init(&lm, &lc), 0);
    bytes0 = lm.bytes;
    memset(&c, 0, sizeof c);
    cr_assert_eq(sip_registrar_init(&reg, &c, &fs_ops, &lm), 0);
    fs_count = 0;
    fs_fail_at = 2;
    reg_msg(1, "c1", "Contact: <sip:bob@h1>, <sip:bob@h2>, <sip:bob@h3>\r\n");
    cr_assert_eq(process(0), 503);
    cr_assert_eq(lm.n_bindings, 0);
    cr_assert_eq(lm.n_aors, 0);
    cr_assert_eq(lm.bytes, bytes0);
    /* "*" removing all, failing at the 2nd removal: both stay */
    fs_fail_at = 0;
    cr_assert_eq(process(0), 200);
    cr_assert_eq(lm.n_bindings, 3);
    fs_count = 0;
    fs_fail_at = 2;
    reg_msg(2, "c1", "Expires: 0\r\nContact: *\r\n");
    cr_assert_eq(process(0), 503);
    cr_assert_eq(lm.n_bindings, 3);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), 0, NULL, 0), 3);
    sip_locmem_free(&lm);
}

/* A response buffer too small: SIP_REG_ERR_NOSPACE and nothing applied,
 * so the same REGISTER processed again with room is not "out of order"
 * (§10.3 step 7). */
Test(registrar, nospace_applies_nothing, .init = setup, .fini = teardown)
{
    size_t need = 0;
    reg_msg(1, "c1", "Contact: <sip:bob@h1>\r\n");
    cr_assert_eq(sip_registrar_process(&reg, &msg, NULL, sip_str_c("t"), 0, out, 40, &need, &status),
                 SIP_REG_ERR_NOSPACE);
    cr_assert_gt(need, 40);
    cr_assert_eq(lm.n_bindings, 0);
    cr_assert_eq(sip_registrar_process(&reg, &msg, NULL, sip_str_c("t"), 0, NULL, 0, &need, &status),
                 SIP_REG_ERR_NOSPACE);
    cr_assert_eq(lm.n_bindings, 0);
    cr_assert_eq(process(0), 200);
    cr_assert_eq(lm.n_bindings, 1);
}

/* sip_registrar_init refuses a store without begin/commit/rollback: it
 * could not make a REGISTER atomic (§10.3 step 7). */
Test(registrar, init_requires_transactions)
{
    sip_registrar_config c;
    sip_location_ops o = fs_ops;
    memset(&c, 0, sizeof c);
    o.rollback = NULL;
    cr_assert_eq(sip_registrar_init(&reg, &c, &o, &lm), SIP_REG_ERR_INVALID);
    o = fs_ops;
    o.size = sizeof o - sizeof(void *);
    cr_assert_eq(sip_registrar_init(&reg, &c, &o, &lm), SIP_REG_ERR_INVALID);
}

/* The in-memory store's limit (sip_locmem_config.max_bindings) reached
 * partway through a REGISTER: 503 and none of its bindings (RFC 3261
 * §10.3 step 7, the store's own failure rather than an injected one). */
Test(registrar, store_limit_partway_is_503_and_atomic_rfc3261_10_3_step7)
{
    sip_registrar_config c;
    sip_locmem_config lc;
    sip_binding b[4];
    memset(&lc, 0, sizeof lc);
    lc.buckets = 64;
    lc.max_bindings = 3;
    cr_assert_eq(sip_locmem_init(&lm, &lc), 0);
    memset(&c, 0, sizeof c);
    cr_assert_eq(sip_registrar_init(&reg, &c, sip_locmem_ops(), &lm), 0);
    reg_msg(1, "c1", "Contact: <sip:bob@h1>, <sip:bob@h2>\r\n");
    cr_assert_eq(process(0), 200);
    reg_msg(2, "c1", "Contact: <sip:bob@h1>;expires=100, <sip:bob@h3>, <sip:bob@h4>\r\n");
    cr_assert_eq(process(0), 503);
    cr_assert_eq(lm.n_bindings, 2);
    cr_assert_eq(sip_locmem_ops()->lookup(&lm, sip_str_c("sips:bob@biloxi.example.com"), 0, b, 4), 2);
    cr_assert_eq(b[0].expires_us == 3600 * S || b[1].expires_us == 3600 * S, 1, "h1 not refreshed");
    cr_assert(b[0].expires_us == 3600 * S && b[1].expires_us == 3600 * S);
    /* within the limit it goes through */
    reg_msg(3, "c1", "Contact: <sip:bob@h1>;expires=100, <sip:bob@h3>\r\n");
    cr_assert_eq(process(0), 200);
    cr_assert_eq(lm.n_bindings, 3);
    sip_locmem_free(&lm);
}
