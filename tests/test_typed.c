/* Typed header value parsers: Content-Type, token lists, Allow,
 * Retry-After, RAck, Event, Subscription-State, Replaces, Session-Expires,
 * Date, Timestamp, Warning, Reason.
 *
 * Every input is copied to the end of a page followed by a PROT_NONE page
 * (tu_guard_copy) and has no NUL after it, so a read past the span faults
 * in every build, not only under ASan. Expected spans are compared byte
 * for byte with C strings (EXPECT_STR), absent ones with EXPECT_ABSENT. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sip.h"
#include "testutil.h"

/* ---- guarded inputs, freed when each test ends --------------------- */

#define TY_MAX_BUFS 512
static char *ty_bufs[TY_MAX_BUFS];
static size_t ty_lens[TY_MAX_BUFS];
static size_t ty_nbufs;

static void ty_free_all(void)
{
    while (ty_nbufs > 0) {
        ty_nbufs--;
        tu_guard_free(ty_bufs[ty_nbufs], ty_lens[ty_nbufs]);
    }
}

TestSuite(typed, .fini = ty_free_all);

/* A guarded copy of n bytes (may hold NUL); freed at the end of the test. */
static sip_str ty_n(const char *data, size_t n)
{
    sip_str s;
    char *b;
    if (ty_nbufs == TY_MAX_BUFS) ty_free_all(); /* long loops: recycle */
    b = tu_guard_copy(data, n);
    cr_assert_not_null(b, "tu_guard_copy failed");
    ty_bufs[ty_nbufs] = b;
    ty_lens[ty_nbufs++] = n;
    s.p = b;
    s.len = n;
    return s;
}

/* A guarded copy of a C string, without its NUL. */
static sip_str S(const char *c) { return ty_n(c, strlen(c)); }

static void ty_expect_str(sip_str s, const char *want, const char *what,
                          int line)
{
    if (!want) {
        cr_expect(s.p == NULL && s.len == 0,
                  "line %d: %s: expected absent, got \"%.*s\"", line, what,
                  (int)s.len, s.p ? s.p : "");
        return;
    }
    cr_expect(tu_eq(s, want), "line %d: %s: expected \"%s\", got %s\"%.*s\"",
              line, what, want, s.p ? "" : "(absent) ", (int)s.len,
              s.p ? s.p : "");
}
#define EXPECT_STR(s, want) ty_expect_str((s), (want), #s, __LINE__)
#define EXPECT_ABSENT(s) ty_expect_str((s), NULL, #s, __LINE__)
#define EXPECT_RC(call, want)                                              \
    do {                                                                   \
        int rc_ = (call);                                                  \
        cr_expect_eq(rc_, (want), "line %d: %s returned %d, want %d",      \
                     __LINE__, #call, rc_, (want));                        \
    } while (0)

static int ty_all_zero(const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

/* Nonzero when span v is absent or lies inside s. */
static int ty_inside(sip_str v, sip_str s)
{
    if (!v.p) return v.len == 0;
    return v.p >= s.p && v.len <= s.len && (size_t)(v.p - s.p) <= s.len - v.len;
}

/* ---- one wrapper per parser: output poisoned first, zeroed on error,
 * every span inside the input on success ------------------------------ */

#define TY_WRAP(name, type, fn, SPANS)                                     \
    static int name(sip_str s)                                             \
    {                                                                      \
        type o;                                                            \
        int r;                                                             \
        memset(&o, 0xA5, sizeof o);                                        \
        r = fn(s, &o);                                                     \
        if (r) {                                                           \
            cr_expect(ty_all_zero(&o, sizeof o),                           \
                      #fn "(\"%.*s\"): output not zeroed on error",        \
                      (int)s.len, s.p ? s.p : "");                         \
        } else {                                                           \
            const sip_str spans[] = SPANS;                                 \
            size_t i;                                                      \
            for (i = 0; i < sizeof spans / sizeof spans[0]; i++)           \
                cr_expect(ty_inside(spans[i], s),                          \
                          #fn "(\"%.*s\"): span %u outside the input",     \
                          (int)s.len, s.p, (unsigned)i);                   \
        }                                                                  \
        return r;                                                          \
    }
#define TY_L(...) {__VA_ARGS__}

TY_WRAP(w_media, sip_media_type, sip_media_type_parse,
        TY_L(o.type, o.subtype, o.params))
TY_WRAP(w_retry, sip_retry_after, sip_retry_after_parse,
        TY_L(o.comment, o.params))
TY_WRAP(w_rack, sip_rack, sip_rack_parse, TY_L(o.method_str))
TY_WRAP(w_event, sip_event, sip_event_parse, TY_L(o.package, o.id, o.params))
TY_WRAP(w_substate, sip_sub_state, sip_sub_state_parse,
        TY_L(o.state, o.reason, o.params))
TY_WRAP(w_replaces, sip_replaces, sip_replaces_parse,
        TY_L(o.call_id, o.to_tag, o.from_tag, o.params))
TY_WRAP(w_se, sip_session_expires, sip_session_expires_parse,
        TY_L(o.refresher, o.params))
TY_WRAP(w_date, sip_date, sip_date_parse, TY_L(s))
TY_WRAP(w_timestamp, sip_timestamp, sip_timestamp_parse, TY_L(o.value, o.delay))
TY_WRAP(w_warning, sip_warning, sip_warning_parse, TY_L(o.agent, o.text))
TY_WRAP(w_reason, sip_reason, sip_reason_parse,
        TY_L(o.protocol, o.text, o.params))

/* Every token of a list, or the first error; tokens must lie inside s. */
static int w_tokens(sip_str s)
{
    size_t pos = 0, n = 0;
    sip_str t;
    int r;
    while ((r = sip_token_next(s, &pos, &t)) == 1) {
        cr_expect(ty_inside(t, s) && t.len > 0, "token outside the input");
        cr_assert(++n <= s.len, "sip_token_next does not advance");
    }
    return r;
}

static int w_allow(sip_str s)
{
    uint32_t mask = 0xdeadbeef;
    int other = 7, r = sip_allow_parse(s, &mask, &other);
    if (r) cr_expect(mask == 0 && other == 0, "Allow output not zeroed on error");
    return r;
}

typedef int (*ty_fn)(sip_str);

/* Each input of a NULL-terminated list must give rc. */
static void ty_all(ty_fn fn, const char *const *in, int rc, const char *what)
{
    for (; *in; in++) {
        int r = fn(S(*in));
        cr_expect_eq(r, rc, "%s(\"%s\") returned %d, want %d", what, *in, r, rc);
    }
}
#define ALL(fn, rc, ...)                                                   \
    do {                                                                   \
        static const char *const in_[] = {__VA_ARGS__, NULL};              \
        ty_all(fn, in_, rc, #fn);                                          \
    } while (0)

static const sip_str ty_absent = {NULL, 0};

/* ==== Content-Type: RFC 3261 §20.15, §25.1 media-type ================== */

Test(typed, media_type_rfc3261_20_15_examples)
{
    sip_media_type m;
    EXPECT_RC(sip_media_type_parse(S("application/sdp"), &m), 0);
    EXPECT_STR(m.type, "application");
    EXPECT_STR(m.subtype, "sdp");
    EXPECT_ABSENT(m.params);
    /* §20.15: "c: text/html; charset=ISO-8859-4" */
    EXPECT_RC(sip_media_type_parse(S("text/html; charset=ISO-8859-4"), &m), 0);
    EXPECT_STR(m.type, "text");
    EXPECT_STR(m.subtype, "html");
    EXPECT_STR(m.params, "; charset=ISO-8859-4");
}

Test(typed, media_type_rfc4475_3_1_1_11_multipart_boundary)
{
    sip_media_type m;
    EXPECT_RC(sip_media_type_parse(S("multipart/mixed;boundary=7a9cbec02ceef655"), &m), 0);
    EXPECT_STR(m.type, "multipart");
    EXPECT_STR(m.subtype, "mixed");
    EXPECT_STR(m.params, ";boundary=7a9cbec02ceef655");
}

Test(typed, media_type_25_1_slash_semi_equal_lws_and_folding)
{
    sip_media_type m;
    /* SLASH = SWS "/" SWS; SEMI, EQUAL likewise; folded CRLF SP is LWS */
    EXPECT_RC(sip_media_type_parse(
                  S(" \t text \r\n / \r\n\tplain \r\n ; charset = \"utf-8\" ;\r\n format=flowed \r\n"),
                  &m), 0);
    EXPECT_STR(m.type, "text");
    EXPECT_STR(m.subtype, "plain");
    EXPECT_STR(m.params, "; charset = \"utf-8\" ;\r\n format=flowed");
    EXPECT_RC(sip_media_type_parse(S("text/plain;a=\"x;y\\\"z\""), &m), 0);
    EXPECT_STR(m.params, ";a=\"x;y\\\"z\"");
    EXPECT_RC(sip_media_type_parse(S("*/*"), &m), 0); /* tokens (Accept form) */
    EXPECT_STR(m.type, "*");
}

Test(typed, media_type_25_1_syntax_errors)
{
    ALL(w_media, SIP_ERR_SYNTAX, "", "   ", "\r\n ", "text", "text/", "/plain",
        "text/plain/x", "te xt/plain", "text/pl ain", "text/plain;",
        "text/plain; ;a=b", "text/plain;charset" /* m-parameter needs a value */,
        "text/plain;charset=", "text/plain;=x", "text/plain;a=b c",
        "text/plain;a=\"unterminated", "text/plain;a=[::1]" /* host: no m-value */,
        "text/pl@in", "text/plain,text/html", "text/plain;a=\"x\"y", "text\\/plain",
        "text/plain;a=\"bad\001ctl\"", "text/plain;a=\"x\r\ny\"" /* CRLF not a fold */);
    EXPECT_RC(w_media(ty_absent), SIP_ERR_SYNTAX);
    {
        sip_str nul = {NULL, 5}; /* absent p: never dereferenced */
        EXPECT_RC(w_media(nul), SIP_ERR_SYNTAX);
    }
    EXPECT_RC(w_media(ty_n("text/pl\0n", 9)), SIP_ERR_SYNTAX);
}

/* ==== token lists: RFC 3261 §7.3.1, §20.32 Require, §20.37 Supported ==== */

Test(typed, token_list_rfc4475_3_3_5_bext01_require)
{
    sip_str s = S("nothingSupportsThis, nothingSupportsThisEither"), t;
    size_t pos = 0;
    EXPECT_RC(sip_token_next(s, &pos, &t), 1);
    EXPECT_STR(t, "nothingSupportsThis");
    EXPECT_RC(sip_token_next(s, &pos, &t), 1);
    EXPECT_STR(t, "nothingSupportsThisEither");
    EXPECT_RC(sip_token_next(s, &pos, &t), 0);
    EXPECT_RC(sip_token_next(s, &pos, &t), 0); /* stays at the end */
}

Test(typed, token_list_7_3_1_lws_and_folding_around_commas)
{
    sip_str s = S(" 100rel ,\r\n timer\t,path,\r\n\tpresence.winfo \r\n"), t;
    size_t pos = 0;
    const char *want[] = {"100rel", "timer", "path", "presence.winfo"};
    size_t i;
    for (i = 0; i < 4; i++) {
        EXPECT_RC(sip_token_next(s, &pos, &t), 1);
        EXPECT_STR(t, want[i]);
    }
    EXPECT_RC(sip_token_next(s, &pos, &t), 0);
}

Test(typed, token_list_7_3_1_empty_list_is_no_items)
{
    size_t pos = 0;
    sip_str t;
    EXPECT_RC(sip_token_next(S(""), &pos, &t), 0);
    pos = 0;
    EXPECT_RC(sip_token_next(S(" \r\n "), &pos, &t), 0);
    pos = 0;
    EXPECT_RC(sip_token_next(ty_absent, &pos, &t), 0);
}

Test(typed, token_list_7_3_1_empty_items_and_non_tokens_are_errors)
{
    ALL(w_tokens, SIP_ERR_SYNTAX, ",a", "a,", "a,,b", "a, ,b", "a,\r\n ,b",
        "a b", "a;b", "a/b", "\"a\"", "a,b c", "a,(b)", ",", "a,\r\n ");
    ALL(w_tokens, 0, "a", "a,b", "a , b", "a,\r\n b", "-.!%*_+`'~");
}

/* ==== Allow: RFC 3261 §20.5 ============================================ */

Test(typed, allow_rfc3261_20_5_example)
{
    uint32_t mask = 0;
    int other = 1;
    EXPECT_RC(sip_allow_parse(S("INVITE, ACK, OPTIONS, CANCEL, BYE"), &mask, &other), 0);
    cr_expect_eq(mask, (1u << SIP_METHOD_INVITE) | (1u << SIP_METHOD_ACK) |
                           (1u << SIP_METHOD_OPTIONS) | (1u << SIP_METHOD_CANCEL) |
                           (1u << SIP_METHOD_BYE));
    cr_expect_eq(other, 0);
}

Test(typed, allow_20_5_every_method_and_extensions)
{
    uint32_t mask = 0;
    int other = 0;
    EXPECT_RC(sip_allow_parse(S("INVITE,ACK,BYE,CANCEL,REGISTER,OPTIONS,PRACK,"
                                "UPDATE,REFER,SUBSCRIBE,NOTIFY,MESSAGE,INFO,PUBLISH"),
                              &mask, &other), 0);
    cr_expect_eq(mask, ((1u << SIP_METHOD_COUNT_) - 1) & ~1u);
    cr_expect_eq(other, 0);
    /* §7.1: methods are case-sensitive, so "invite" is an extension */
    EXPECT_RC(sip_allow_parse(S("invite,\r\n FOO"), &mask, &other), 0);
    cr_expect_eq(mask, 0u);
    cr_expect_eq(other, 1);
    EXPECT_RC(sip_allow_parse(S("FOO, NOTIFY"), &mask, &other), 0);
    cr_expect_eq(mask, 1u << SIP_METHOD_NOTIFY);
    cr_expect_eq(other, 1);
    EXPECT_RC(sip_allow_parse(S("INVITE"), NULL, NULL), 0); /* outputs optional */
}

Test(typed, allow_20_5_empty_value_is_allowed)
{
    /* Allow = "Allow" HCOLON [Method *(COMMA Method)] */
    uint32_t mask = 5;
    int other = 5;
    EXPECT_RC(sip_allow_parse(S(""), &mask, &other), 0);
    cr_expect_eq(mask, 0u);
    cr_expect_eq(other, 0);
}

Test(typed, allow_20_5_syntax_errors)
{
    ALL(w_allow, SIP_ERR_SYNTAX, "INVITE,,ACK", "INVITE,", ",INVITE", "INVITE ACK",
        "INVITE;x", "IN/VITE", "INVITE, FOO BAR");
}

/* ==== Retry-After: RFC 3261 §20.33 ===================================== */

Test(typed, retry_after_rfc3261_20_33_examples)
{
    sip_retry_after r;
    EXPECT_RC(sip_retry_after_parse(S("18000;duration=3600"), &r), 0);
    cr_expect_eq(r.seconds, 18000u);
    cr_expect_eq(r.has_duration, 1);
    cr_expect_eq(r.duration, 3600u);
    EXPECT_ABSENT(r.comment);
    EXPECT_STR(r.params, ";duration=3600");

    EXPECT_RC(sip_retry_after_parse(S("120 (I'm in a meeting)"), &r), 0);
    cr_expect_eq(r.seconds, 120u);
    EXPECT_STR(r.comment, "I'm in a meeting");
    cr_expect_eq(r.has_duration, 0);
    cr_expect_eq(r.duration, 0u);
    EXPECT_ABSENT(r.params);
}

Test(typed, retry_after_25_1_comment_nesting_escapes_and_lws)
{
    sip_retry_after r;
    /* comment = LPAREN *(ctext / quoted-pair / comment) RPAREN */
    EXPECT_RC(sip_retry_after_parse(S("300 (back (in (a)) bit) ;duration=10"), &r), 0);
    cr_expect_eq(r.seconds, 300u);
    EXPECT_STR(r.comment, "back (in (a)) bit");
    cr_expect_eq(r.duration, 10u);
    EXPECT_STR(r.params, ";duration=10");
    EXPECT_RC(sip_retry_after_parse(S("5 (a \\) b;c=\"d)"), &r), 0);
    EXPECT_STR(r.comment, "a \\) b;c=\"d");
    EXPECT_ABSENT(r.params);
    /* LPAREN = SWS "(" SWS: no space needed, outer LWS trimmed; an escaped
     * trailing space stays */
    EXPECT_RC(sip_retry_after_parse(S("5(\r\n x\\ )"), &r), 0);
    EXPECT_STR(r.comment, "x\\ ");
    EXPECT_RC(sip_retry_after_parse(S("0 ()"), &r), 0);
    cr_expect(r.comment.p != NULL && r.comment.len == 0, "empty comment is present");
    EXPECT_RC(sip_retry_after_parse(S("120\r\n (busy)\r\n ;\r\n duration = 60 ;foo=bar;flag"), &r), 0);
    EXPECT_STR(r.comment, "busy");
    cr_expect_eq(r.duration, 60u);
    EXPECT_STR(r.params, ";\r\n duration = 60 ;foo=bar;flag");
    EXPECT_RC(sip_retry_after_parse(S("1 (caf\xc3\xa9)"), &r), 0); /* UTF8-NONASCII */
    EXPECT_STR(r.comment, "caf\xc3\xa9");
    EXPECT_RC(sip_retry_after_parse(S("1;Duration=2"), &r), 0); /* names: any case */
    cr_expect_eq(r.duration, 2u);
}

Test(typed, retry_after_20_33_boundaries_2_32)
{
    sip_retry_after r;
    EXPECT_RC(sip_retry_after_parse(S("4294967295;duration=4294967295"), &r), 0);
    cr_expect_eq(r.seconds, 4294967295u);
    cr_expect_eq(r.duration, 4294967295u);
    EXPECT_RC(sip_retry_after_parse(S("0"), &r), 0);
    cr_expect_eq(r.seconds, 0u);
    EXPECT_RC(sip_retry_after_parse(S("0004294967295"), &r), 0); /* leading zeros */
    cr_expect_eq(r.seconds, 4294967295u);
    ALL(w_retry, SIP_ERR_RANGE, "4294967296", "1;duration=4294967296",
        "18446744073709551616", "99999999999999999999999999999999 (x)");
}

Test(typed, retry_after_rfc4475_3_1_2_5_scalarlg_overlarge)
{
    /* "Retry-After: 949302838503028349304023988" of scalarlg.dat */
    EXPECT_RC(w_retry(S("949302838503028349304023988")), SIP_ERR_RANGE);
}

Test(typed, retry_after_20_33_syntax_errors_and_syntax_beats_range)
{
    ALL(w_retry, SIP_ERR_SYNTAX, "", "abc", "-1", "+1", "1 2", "1.5", "120 (a",
        "120 (a))", "120 a", "120;duration", "120;duration=", "120;duration=abc",
        "120;duration=\"5\"", "120;duration=1;duration=2", "120 (a)(b)", "120;",
        "12 0", "(x) 1", "1 (a\001b)", "1 (a\\", "1 (a\\\200)", "1 (a\r\nb)", "1;a=b c", ";duration=1",
        /* a malformed value is a syntax error whatever its numbers */
        "4294967296x", "99999999999 (unterminated", "4294967296;duration=x",
        "1;duration=4294967296;duration=1");
}

/* ==== RAck: RFC 3262 §7.2 ============================================== */

Test(typed, rack_rfc3262_7_2_example)
{
    sip_rack r;
    EXPECT_RC(sip_rack_parse(S("776656 1 INVITE"), &r), 0);
    cr_expect_eq(r.rseq, 776656u);
    cr_expect_eq(r.cseq, 1u);
    cr_expect_eq(r.method, SIP_METHOD_INVITE);
    EXPECT_STR(r.method_str, "INVITE");
}

Test(typed, rack_rfc3262_7_2_lws_extension_method_boundaries)
{
    sip_rack r;
    EXPECT_RC(sip_rack_parse(S(" 1\r\n 2\t\tFOO-bar \r\n"), &r), 0);
    cr_expect_eq(r.rseq, 1u);
    cr_expect_eq(r.cseq, 2u);
    cr_expect_eq(r.method, SIP_METHOD_OTHER);
    EXPECT_STR(r.method_str, "FOO-bar");
    EXPECT_RC(sip_rack_parse(S("4294967295 4294967295 UPDATE"), &r), 0);
    cr_expect_eq(r.rseq, 4294967295u);
    cr_expect_eq(r.cseq, 4294967295u);
    cr_expect_eq(r.method, SIP_METHOD_UPDATE);
    ALL(w_rack, SIP_ERR_RANGE, "4294967296 1 INVITE", "1 4294967296 INVITE",
        "18446744073709551616 18446744073709551616 INVITE");
}

Test(typed, rack_rfc3262_7_2_syntax_errors)
{
    ALL(w_rack, SIP_ERR_SYNTAX, "", "1", "1 INVITE", "1 2", "1 2 INVITE extra",
        "12INVITE", "1 2INVITE", "a 2 INVITE", "1 b INVITE", "1 2 INV/ITE",
        "-1 2 INVITE", "1,2 INVITE", "1 2 INVITE;x", "4294967296 1" /* syntax first */);
}

/* ==== Event: RFC 6665 §8.2.1 ========================================== */

Test(typed, event_rfc6665_8_2_1_package_template_and_id)
{
    sip_event ev;
    EXPECT_RC(sip_event_parse(S("presence"), &ev), 0);
    EXPECT_STR(ev.package, "presence");
    EXPECT_ABSENT(ev.id);
    EXPECT_ABSENT(ev.params);
    /* event-template, RFC 6665 §8.2.1 / RFC 3857 */
    EXPECT_RC(sip_event_parse(S("presence.winfo"), &ev), 0);
    EXPECT_STR(ev.package, "presence.winfo");
    /* RFC 3515 §2.4.6 style: refer with an id */
    EXPECT_RC(sip_event_parse(S("refer;id=93809824"), &ev), 0);
    EXPECT_STR(ev.package, "refer");
    EXPECT_STR(ev.id, "93809824");
    EXPECT_STR(ev.params, ";id=93809824");
    EXPECT_RC(sip_event_parse(S("dialog.a.b; ID = x-1 ;foo=\"bar\";baz"), &ev), 0);
    EXPECT_STR(ev.package, "dialog.a.b");
    EXPECT_STR(ev.id, "x-1");
    EXPECT_STR(ev.params, "; ID = x-1 ;foo=\"bar\";baz");
    EXPECT_RC(sip_event_parse(S("\r\n foo\r\n ;\r\n id=7\r\n"), &ev), 0);
    EXPECT_STR(ev.package, "foo");
    EXPECT_STR(ev.id, "7");
}

Test(typed, event_rfc6665_8_2_1_syntax_errors)
{
    ALL(w_event, SIP_ERR_SYNTAX, "", ".presence", "presence.", "presence..winfo",
        "pres ence", "presence;id" /* id EQUAL token */, "presence;id=",
        "presence;id=\"x\"", "presence;id=[::1]", "presence;id=1;id=2", "presence;",
        "presence.win/fo", "presence,dialog", "pres\"ence", "presence;a b");
}

/* ==== Subscription-State: RFC 6665 §8.2.3 ============================== */

Test(typed, sub_state_rfc6665_8_2_3_values)
{
    sip_sub_state st;
    EXPECT_RC(sip_sub_state_parse(S("active;expires=60"), &st), 0);
    EXPECT_STR(st.state, "active");
    cr_expect_eq(st.has_expires, 1);
    cr_expect_eq(st.expires, 60u);
    cr_expect_eq(st.has_retry_after, 0);
    EXPECT_ABSENT(st.reason);
    EXPECT_STR(st.params, ";expires=60");

    EXPECT_RC(sip_sub_state_parse(S("terminated;reason=timeout"), &st), 0);
    EXPECT_STR(st.state, "terminated");
    EXPECT_STR(st.reason, "timeout");
    cr_expect_eq(st.has_expires, 0);

    EXPECT_RC(sip_sub_state_parse(S("terminated ; reason=probation ;\r\n retry-after=3600"), &st), 0);
    EXPECT_STR(st.reason, "probation");
    cr_expect_eq(st.has_retry_after, 1);
    cr_expect_eq(st.retry_after, 3600u);
    EXPECT_STR(st.params, "; reason=probation ;\r\n retry-after=3600");

    EXPECT_RC(sip_sub_state_parse(S("pending"), &st), 0);
    EXPECT_STR(st.state, "pending");
    EXPECT_ABSENT(st.params);
    /* extension-substate and event-reason-extension are tokens */
    EXPECT_RC(sip_sub_state_parse(S("waiting;REASON=my-reason;x=\"y\";z"), &st), 0);
    EXPECT_STR(st.state, "waiting");
    EXPECT_STR(st.reason, "my-reason");
}

Test(typed, sub_state_rfc6665_8_2_3_boundaries)
{
    sip_sub_state st;
    EXPECT_RC(sip_sub_state_parse(S("active;expires=4294967295;retry-after=0"), &st), 0);
    cr_expect_eq(st.expires, 4294967295u);
    cr_expect_eq(st.has_retry_after, 1);
    cr_expect_eq(st.retry_after, 0u);
    ALL(w_substate, SIP_ERR_RANGE, "active;expires=4294967296",
        "terminated;retry-after=18446744073709551616");
}

Test(typed, sub_state_rfc6665_8_2_3_syntax_errors)
{
    ALL(w_substate, SIP_ERR_SYNTAX, "", ";expires=1", "act ive", "active;expires",
        "active;expires=abc", "active;expires=-1", "active;expires=1;expires=2",
        "terminated;reason=\"timeout\"", "terminated;reason",
        "terminated;reason=a;reason=b", "active;retry-after=", "active;",
        "active;expires=4294967296;x" "\"" /* unterminated: syntax wins */);
}

/* ==== Replaces: RFC 3891 §6.1 ========================================== */

Test(typed, replaces_rfc3891_6_1_examples)
{
    sip_replaces r;
    EXPECT_RC(sip_replaces_parse(S("98732@sip.example.com\r\n"
                                   "          ;from-tag=r33th4x0r\r\n"
                                   "          ;to-tag=ff87ff"), &r), 0);
    EXPECT_STR(r.call_id, "98732@sip.example.com");
    EXPECT_STR(r.from_tag, "r33th4x0r");
    EXPECT_STR(r.to_tag, "ff87ff");
    cr_expect_eq(r.early_only, 0);
    EXPECT_STR(r.params, ";from-tag=r33th4x0r\r\n          ;to-tag=ff87ff");

    EXPECT_RC(sip_replaces_parse(S("12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only"), &r), 0);
    EXPECT_STR(r.call_id, "12adf2f34456gs5");
    EXPECT_STR(r.to_tag, "12345");
    EXPECT_STR(r.from_tag, "54321");
    cr_expect_eq(r.early_only, 1);

    EXPECT_RC(sip_replaces_parse(S("87134@171.161.34.23;to-tag=24796;from-tag=0"), &r), 0);
    EXPECT_STR(r.call_id, "87134@171.161.34.23");
    EXPECT_STR(r.to_tag, "24796");
    EXPECT_STR(r.from_tag, "0");
}

Test(typed, replaces_rfc3891_6_1_word_callid_and_generic_params)
{
    sip_replaces r;
    /* callid = word ["@" word]; word allows ( ) < > : \ " / [ ] ? { } */
    EXPECT_RC(sip_replaces_parse(S("a(b)<c>:\"d\"/[e]?{f}@x:y ; TO-TAG = t ;foo=\"b;r\";From-Tag=f;flag"), &r), 0);
    EXPECT_STR(r.call_id, "a(b)<c>:\"d\"/[e]?{f}@x:y");
    EXPECT_STR(r.to_tag, "t");
    EXPECT_STR(r.from_tag, "f");
    cr_expect_eq(r.early_only, 0);
}

Test(typed, replaces_rfc3891_6_1_both_tags_required_and_errors)
{
    ALL(w_replaces, SIP_ERR_SYNTAX, "", "abc", "abc;to-tag=1", "abc;from-tag=1",
        "abc;to-tag=1;from-tag=2;to-tag=3", "abc;to-tag=1;from-tag=2;from-tag=2",
        "abc;to-tag=1;from-tag=2;early-only=1", "abc;to-tag=1;from-tag=2;early-only;early-only",
        "@x;to-tag=1;from-tag=2", "a@;to-tag=1;from-tag=2", "a@b@c;to-tag=1;from-tag=2",
        "a b;to-tag=1;from-tag=2", "abc;to-tag;from-tag=2", "abc;to-tag=\"1\";from-tag=2",
        "abc;to-tag=1;from-tag=", ";to-tag=1;from-tag=2", "abc;to-tag=1;from-tag=2;",
        "a;b;to-tag=1;from-tag=2;c d");
}

/* ==== Session-Expires / Min-SE: RFC 4028 §4, §5 ======================== */

Test(typed, session_expires_rfc4028_4_examples)
{
    sip_session_expires se;
    EXPECT_RC(sip_session_expires_parse(S("4000;refresher=uac"), &se), 0);
    cr_expect_eq(se.delta, 4000u);
    EXPECT_STR(se.refresher, "uac");
    EXPECT_STR(se.params, ";refresher=uac");
    EXPECT_RC(sip_session_expires_parse(S("1800"), &se), 0);
    cr_expect_eq(se.delta, 1800u);
    EXPECT_ABSENT(se.refresher);
    EXPECT_ABSENT(se.params);
    /* Min-SE (§5) uses the same function: "Min-SE: 60" */
    EXPECT_RC(sip_session_expires_parse(S("60"), &se), 0);
    cr_expect_eq(se.delta, 60u);
    EXPECT_RC(sip_session_expires_parse(S("3600 ;\r\n Refresher = UAS ;x=y;z"), &se), 0);
    cr_expect_eq(se.delta, 3600u);
    EXPECT_STR(se.refresher, "UAS"); /* as written; ABNF literals any case */
    EXPECT_STR(se.params, ";\r\n Refresher = UAS ;x=y;z");
}

Test(typed, session_expires_rfc4028_4_boundaries_and_errors)
{
    sip_session_expires se;
    EXPECT_RC(sip_session_expires_parse(S("4294967295"), &se), 0);
    cr_expect_eq(se.delta, 4294967295u);
    ALL(w_se, SIP_ERR_RANGE, "4294967296", "4294967296;refresher=uas");
    ALL(w_se, SIP_ERR_SYNTAX, "", "abc", "-5", "4000 5", "4000;", "4000;refresher",
        "4000;refresher=foo", "4000;refresher=\"uac\"", "4000;refresher=uac;refresher=uas",
        ";refresher=uac", "4000;refresher=uacx", "4294967296;refresher=x");
}

/* ==== Date: RFC 3261 §20.17, §25.1 rfc1123-date ======================== */

Test(typed, date_rfc3261_20_17_example)
{
    sip_date d;
    EXPECT_RC(sip_date_parse(S("Sat, 13 Nov 2010 23:29:00 GMT"), &d), 0);
    cr_expect_eq(d.year, 2010);
    cr_expect_eq(d.month, 11);
    cr_expect_eq(d.day, 13);
    cr_expect_eq(d.hour, 23);
    cr_expect_eq(d.minute, 29);
    cr_expect_eq(d.second, 0);
    cr_expect_eq(d.wkday, 5); /* Mon = 0 */
    cr_expect_eq(d.unix_time, (int64_t)1289690940);
}

Test(typed, date_rfc4475_3_1_2_12_baddate_est_rejected)
{
    EXPECT_RC(w_date(S("Fri, 01 Jan 2010 16:00:00 EST")), SIP_ERR_SYNTAX);
}

Test(typed, date_rfc4475_3_1_2_12_same_date_in_gmt_accepted)
{
    sip_date d;
    EXPECT_RC(sip_date_parse(S("Fri, 01 Jan 2010 16:00:00 GMT"), &d), 0);
    cr_expect_eq(d.unix_time, (int64_t)1262361600);
    cr_expect_eq(d.wkday, 4);
}

Test(typed, date_20_17_unix_time_across_eras)
{
    static const struct {
        const char *in;
        int64_t t;
    } v[] = {
        {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
        {"Wed, 31 Dec 1969 23:59:59 GMT", -1},
        {"Tue, 19 Jan 2038 03:14:08 GMT", INT64_C(2147483648)},
        {"Fri, 31 Dec 9999 23:59:59 GMT", INT64_C(253402300799)},
        {"Mon, 01 Jan 0001 00:00:00 GMT", INT64_C(-62135596800)},
        {"Sat, 01 Jan 0000 00:00:00 GMT", INT64_C(-62167219200)},
        {"Thu, 01 Mar 1900 00:00:00 GMT", INT64_C(-2203891200)},
    };
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        sip_date d;
        EXPECT_RC(sip_date_parse(S(v[i].in), &d), 0);
        cr_expect_eq(d.unix_time, v[i].t, "%s: %lld", v[i].in, (long long)d.unix_time);
    }
}

Test(typed, date_20_17_leap_years)
{
    sip_date d;
    EXPECT_RC(sip_date_parse(S("Tue, 29 Feb 2000 00:00:00 GMT"), &d), 0); /* /400 */
    cr_expect_eq(d.unix_time, (int64_t)951782400);
    EXPECT_RC(sip_date_parse(S("Thu, 29 Feb 2024 12:00:00 GMT"), &d), 0); /* /4 */
    cr_expect_eq(d.unix_time, (int64_t)1709208000);
    EXPECT_RC(sip_date_parse(S("Tue, 29 Feb 1600 00:00:00 GMT"), &d), 0);
    cr_expect_eq(d.unix_time, INT64_C(-11670998400));
    /* not leap: /100 but not /400, and a plain year */
    ALL(w_date, SIP_ERR_SYNTAX, "Thu, 29 Feb 1900 00:00:00 GMT",
        "Fri, 29 Feb 2100 00:00:00 GMT", "Wed, 29 Feb 2023 00:00:00 GMT",
        "Mon, 30 Feb 2024 00:00:00 GMT");
}

Test(typed, date_20_17_ranges_and_weekday_checked)
{
    ALL(w_date, SIP_ERR_SYNTAX,
        "Sun, 13 Nov 2010 23:29:00 GMT" /* 13 Nov 2010 was a Saturday */,
        "Fri, 31 Apr 2010 00:00:00 GMT", "Sat, 32 Jan 2010 00:00:00 GMT",
        "Thu, 00 Jan 2010 00:00:00 GMT", "Sat, 13 Nov 2010 24:00:00 GMT",
        "Sat, 13 Nov 2010 23:60:00 GMT", "Sat, 13 Nov 2010 23:29:60 GMT",
        "Sat, 13 Foo 2010 23:29:00 GMT", "Sax, 13 Nov 2010 23:29:00 GMT");
    /* the ends of every range */
    ALL(w_date, 0, "Fri, 31 Dec 2010 23:59:59 GMT", "Fri, 01 Jan 2010 00:00:00 GMT",
        "Sat, 30 Apr 2011 00:00:00 GMT", "Mon, 28 Feb 2011 00:00:00 GMT");
}

Test(typed, date_25_1_format_errors)
{
    ALL(w_date, SIP_ERR_SYNTAX, "", "Sat, 1 Nov 2010 23:29:00 GMT",
        "Sat 13 Nov 2010 23:29:00 GMT", "Sat,13 Nov 2010 23:29:00 GMT",
        "Sat ,13 Nov 2010 23:29:00 GMT", "Sat, 13 Nov 10 23:29:00 GMT",
        "Sat, 13 Nov 02010 23:29:00 GMT", "Sat, 13 Nov 2010 23:29 GMT",
        "Sat, 13 Nov 2010 23:29:00", "Sat, 13 Nov 2010 23:29:00 GMT x",
        "Sat, 13 Nov 2010 23:29:00 UTC", "Sat, 13 Nov 2010 23:29:00 +0000",
        "Sat, 13 Nov 2010 23:29:00 GM", "Sat, 13 Nov 2010 23:29:00 GMTT",
        "Sat, 13 Nov 2010 23:29:00GMT", "Sat, 13 Nov 2010 2:29:00 GMT",
        "Sat, 13 November 2010 23:29:00 GMT", "Saturday, 13 Nov 2010 23:29:00 GMT",
        "Sat, 13-Nov-2010 23:29:00 GMT", "Sat, 13 Nov 2010 23.29.00 GMT",
        "Sat, 1a Nov 2010 23:29:00 GMT", "Sat, 13 Nov 2010 23:29:0a GMT",
        "13 Nov 2010 23:29:00 GMT", "Sat, 13 Nov 2010 23:29:00 GMT,");
}

Test(typed, date_25_1_lws_and_case_tolerated)
{
    sip_date d;
    EXPECT_RC(sip_date_parse(S(" Sat,\r\n 13  Nov\t2010 23:29:00\r\n GMT\r\n"), &d), 0);
    cr_expect_eq(d.unix_time, (int64_t)1289690940);
    /* ABNF string literals are case-insensitive (RFC 2234 §2.3) */
    EXPECT_RC(sip_date_parse(S("sat, 13 NOV 2010 23:29:00 gmt"), &d), 0);
    cr_expect_eq(d.month, 11);
}

/* ==== Timestamp: RFC 3261 §20.38 ======================================= */

Test(typed, timestamp_rfc3261_20_38_example)
{
    sip_timestamp t;
    EXPECT_RC(sip_timestamp_parse(S("54"), &t), 0);
    EXPECT_STR(t.value, "54");
    EXPECT_ABSENT(t.delay);
}

Test(typed, timestamp_20_38_fraction_and_delay)
{
    sip_timestamp t;
    EXPECT_RC(sip_timestamp_parse(S("54.123 0.5"), &t), 0);
    EXPECT_STR(t.value, "54.123");
    EXPECT_STR(t.delay, "0.5");
    EXPECT_RC(sip_timestamp_parse(S("54. .5"), &t), 0); /* *DIGIT both sides */
    EXPECT_STR(t.value, "54.");
    EXPECT_STR(t.delay, ".5");
    EXPECT_RC(sip_timestamp_parse(S(" 1\r\n\t2 \r\n"), &t), 0);
    EXPECT_STR(t.value, "1");
    EXPECT_STR(t.delay, "2");
    EXPECT_RC(sip_timestamp_parse(S("99999999999999999999999.1 7."), &t), 0);
    EXPECT_STR(t.value, "99999999999999999999999.1"); /* spans: no range */
    EXPECT_STR(t.delay, "7.");
}

Test(typed, timestamp_20_38_syntax_errors)
{
    ALL(w_timestamp, SIP_ERR_SYNTAX, "", ".5", "54 .", "54x", "54 1.2.3", "54 a",
        "5 4 3", "54..", "-1", "54.1.2", "54 1x", "54;x", "54,1", "a 1");
}

/* ==== Warning: RFC 3261 §20.43 ========================================= */

Test(typed, warning_rfc3261_20_43_examples)
{
    sip_warning w;
    EXPECT_RC(sip_warning_parse(S("307 isi.edu \"Session parameter 'foo' not understood\""), &w), 0);
    cr_expect_eq(w.code, 307);
    EXPECT_STR(w.agent, "isi.edu");
    EXPECT_STR(w.text, "Session parameter 'foo' not understood");
    EXPECT_RC(sip_warning_parse(S("301 isi.edu \"Incompatible network address type 'E.164'\""), &w), 0);
    cr_expect_eq(w.code, 301);
    EXPECT_STR(w.text, "Incompatible network address type 'E.164'");
}

Test(typed, warning_20_43_agents_and_text_forms)
{
    sip_warning w;
    EXPECT_RC(sip_warning_parse(S("392 192.0.2.1:5060 \"Noisy\""), &w), 0);
    cr_expect_eq(w.code, 392);
    EXPECT_STR(w.agent, "192.0.2.1:5060");
    EXPECT_RC(sip_warning_parse(S("399 [2001:db8::1]:65535 \"x\""), &w), 0);
    EXPECT_STR(w.agent, "[2001:db8::1]:65535");
    EXPECT_RC(sip_warning_parse(S("399 [::1] \"\""), &w), 0);
    EXPECT_STR(w.agent, "[::1]");
    cr_expect(w.text.p != NULL && w.text.len == 0, "empty text is present");
    EXPECT_RC(sip_warning_parse(S("000 overture \"say \\\"hi\\\" \r\n now\""), &w), 0);
    cr_expect_eq(w.code, 0);
    EXPECT_STR(w.agent, "overture"); /* pseudonym */
    EXPECT_STR(w.text, "say \\\"hi\\\" \r\n now"); /* escapes kept */
    EXPECT_RC(sip_warning_parse(S("\r\n 370\r\n  example.com\t\"t\"\r\n"), &w), 0);
    cr_expect_eq(w.code, 370);
    EXPECT_STR(w.agent, "example.com");
    EXPECT_STR(w.text, "t");
}

Test(typed, warning_rfc4475_3_1_2_5_scalarlg_4_digit_code)
{
    /* "Warning: 1812 overture "In Progress"": warn-code = 3DIGIT */
    int r = w_warning(S("1812 overture \"In Progress\""));
    cr_expect(r == SIP_ERR_SYNTAX || r == SIP_ERR_RANGE, "rc %d", r);
}

Test(typed, warning_20_43_errors)
{
    ALL(w_warning, SIP_ERR_SYNTAX, "", "30 a \"x\"", "307", "307 isi.edu",
        "307 isi.edu x", "307 isi.edu \"x", "307 isi.edu \"x\" y", "307isi.edu \"x\"",
        "307 isi.edu\"x\"", "307 [::1 \"x\"", "307 [] \"x\"", "307 a:b \"x\"",
        "307 a: \"x\"", "307 \"x\"", "307 a b \"x\"", "307 a \"x\001\"",
        "307 a \"x\\\"", "3o7 a \"x\"", "-07 a \"x\"", "307 a \"x\"\"y\"",
        "307 a@b \"x\"", "307 a:99999999999999999999 \"x", /* syntax beats range */
        "307 a \"x\r\ny\"", "0307 a \"x\"" /* 3DIGIT, not a value <= 999 */,
        /* quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F) */
        "307 a \"x\\\200\"", "307 a \"x\\\n y\"", "307 a \"x\\\r\n y\"");
    ALL(w_warning, SIP_ERR_RANGE, "307 a:65536 \"x\"", "307 [::1]:99999999999999999999 \"x\"");
}

/* ==== Reason: RFC 3326 §2 ============================================== */

Test(typed, reason_rfc3326_2_examples)
{
    sip_reason r;
    EXPECT_RC(sip_reason_parse(S("SIP ;cause=200 ;text=\"Call completed elsewhere\""), &r), 0);
    EXPECT_STR(r.protocol, "SIP");
    cr_expect_eq(r.has_cause, 1);
    cr_expect_eq(r.cause, 200u);
    EXPECT_STR(r.text, "Call completed elsewhere");
    EXPECT_STR(r.params, ";cause=200 ;text=\"Call completed elsewhere\"");
    EXPECT_RC(sip_reason_parse(S("Q.850 ;cause=16 ;text=\"Terminated\""), &r), 0);
    EXPECT_STR(r.protocol, "Q.850");
    cr_expect_eq(r.cause, 16u);
    EXPECT_STR(r.text, "Terminated");
}

Test(typed, reason_rfc3326_2_optional_and_extension_params)
{
    sip_reason r;
    EXPECT_RC(sip_reason_parse(S("SIP"), &r), 0);
    EXPECT_STR(r.protocol, "SIP");
    cr_expect_eq(r.has_cause, 0);
    cr_expect_eq(r.cause, 0u);
    EXPECT_ABSENT(r.text);
    EXPECT_ABSENT(r.params);
    /* RFC 4411 §6: a new protocol token */
    EXPECT_RC(sip_reason_parse(S("preemption\r\n ;cause=1 ;text=\"UA preemption\";foo=bar;flag"), &r), 0);
    EXPECT_STR(r.protocol, "preemption");
    cr_expect_eq(r.cause, 1u);
    EXPECT_STR(r.text, "UA preemption");
    EXPECT_STR(r.params, ";cause=1 ;text=\"UA preemption\";foo=bar;flag");
    EXPECT_RC(sip_reason_parse(S("SIP;TEXT=\"\";Cause=4294967295"), &r), 0);
    cr_expect(r.text.p != NULL && r.text.len == 0, "empty text is present");
    cr_expect_eq(r.cause, 4294967295u);
    EXPECT_RC(sip_reason_parse(S("SIP;text=\"a \\\"b\\\" ;c\""), &r), 0);
    EXPECT_STR(r.text, "a \\\"b\\\" ;c");
}

Test(typed, reason_rfc3326_2_errors)
{
    ALL(w_reason, SIP_ERR_SYNTAX, "", ";cause=1", "SIP;cause", "SIP;cause=",
        "SIP;cause=abc", "SIP;cause=\"1\"", "SIP;text=unquoted", "SIP;text",
        "SIP;cause=1;cause=2", "SIP;text=\"a\";text=\"b\"", "SIP cause=1", "S/P",
        "SIP;text=\"open", "SIP;", "SIP;cause=4294967296;text=x");
    ALL(w_reason, SIP_ERR_RANGE, "SIP;cause=4294967296", "Q.850;cause=18446744073709551616");
}

/* ==== RFC 4475 messages from the corpus ================================ */

/* The value of the first "name:" field of a corpus message, as a guarded
 * span; continuation lines (CRLF SP) stay inside it, as the parser gives
 * them. */
static sip_str ty_corpus_header(const char *file, const char *name)
{
    char path[256];
    size_t len = 0, nl = strlen(name);
    char *m, *p, *e, *v;
    snprintf(path, sizeof path, "corpus/rfc4475/%s", file);
    m = tu_read_file(path, &len);
    cr_assert_not_null(m, "cannot read %s (run from tests/)", path);
    for (p = m, e = m + len; p < e; p++) {
        if ((p == m || p[-1] == '\n') && (size_t)(e - p) > nl && !memcmp(p, name, nl) &&
            p[nl] == ':')
            break;
    }
    cr_assert(p < e, "%s: no %s header", file, name);
    v = p + nl + 1;
    for (p = v; p + 2 < e && !(p[0] == '\r' && p[1] == '\n' && p[2] != ' ' && p[2] != '\t'); p++)
        ;
    {
        sip_str s = ty_n(v, (size_t)(p - v));
        free(m);
        return s;
    }
}

Test(typed, rfc4475_3_1_2_12_baddate_from_corpus)
{
    sip_str v = ty_corpus_header("baddate.dat", "Date");
    EXPECT_STR(v, " Fri, 01 Jan 2010 16:00:00 EST");
    EXPECT_RC(w_date(v), SIP_ERR_SYNTAX);
}

Test(typed, rfc4475_3_1_2_5_scalarlg_from_corpus)
{
    sip_str ra = ty_corpus_header("scalarlg.dat", "Retry-After");
    sip_str wa = ty_corpus_header("scalarlg.dat", "Warning");
    int r;
    EXPECT_RC(w_retry(ra), SIP_ERR_RANGE);
    r = w_warning(wa);
    cr_expect(r == SIP_ERR_SYNTAX || r == SIP_ERR_RANGE, "Warning rc %d", r);
}

Test(typed, rfc4475_3_3_5_bext01_require_from_corpus)
{
    sip_str v = ty_corpus_header("bext01.dat", "Proxy-Require"), t;
    size_t pos = 0;
    EXPECT_RC(sip_token_next(v, &pos, &t), 1);
    EXPECT_STR(t, "noProxiesSupportThis");
    EXPECT_RC(sip_token_next(v, &pos, &t), 1);
    EXPECT_STR(t, "norDoAnyProxiesSupportThis");
    EXPECT_RC(sip_token_next(v, &pos, &t), 0);
}

/* ==== span discipline: nothing past the span is read or accepted ======= */

static const struct {
    ty_fn fn;
    const char *in;
} ty_valid[] = {
    {w_media, "text/html; charset=\"ISO-8859-4\""},
    {w_tokens, "100rel, timer"},
    {w_allow, "INVITE, ACK"},
    {w_retry, "120 (I'm (in) a meeting);duration=3600"},
    {w_rack, "776656 1 INVITE"},
    {w_event, "presence.winfo;id=1"},
    {w_substate, "terminated;reason=probation;retry-after=3600"},
    {w_replaces, "98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only"},
    {w_se, "4000;refresher=uac"},
    {w_date, "Sat, 13 Nov 2010 23:29:00 GMT"},
    {w_timestamp, "54.1 0.5"},
    {w_warning, "307 [::1]:5060 \"Session parameter 'foo' not understood\""},
    {w_reason, "SIP ;cause=200 ;text=\"Call completed elsewhere\""},
};

Test(typed, span_every_prefix_of_valid_values_is_read_in_bounds)
{
    /* every prefix in a guarded buffer: a read past it faults; the result
     * must be one of the documented codes (or a list end for tokens) */
    size_t i, n;
    for (i = 0; i < sizeof ty_valid / sizeof ty_valid[0]; i++) {
        size_t len = strlen(ty_valid[i].in);
        cr_expect_eq(ty_valid[i].fn(S(ty_valid[i].in)), 0, "%s", ty_valid[i].in);
        for (n = 0; n < len; n++) {
            int r = ty_valid[i].fn(ty_n(ty_valid[i].in, n));
            cr_expect(r == 0 || r == SIP_ERR_SYNTAX || r == SIP_ERR_RANGE,
                      "prefix %u of %s: rc %d", (unsigned)n, ty_valid[i].in, r);
        }
    }
}

Test(typed, span_bytes_after_the_span_are_not_part_of_the_value)
{
    /* the same bytes with a valid-looking or invalid tail outside the span */
    static const char full[] = "Sat, 13 Nov 2010 23:29:00 GMTXYZ";
    sip_date d;
    sip_warning w;
    sip_retry_after r;
    sip_str s = S(full);
    s.len -= 3;
    EXPECT_RC(sip_date_parse(s, &d), 0);
    s = S("307 a \"x\"");
    s.len -= 1; /* the closing quote is outside: unterminated */
    EXPECT_RC(sip_warning_parse(s, &w), SIP_ERR_SYNTAX);
    s = S("12 (x)");
    s.len -= 1;
    EXPECT_RC(sip_retry_after_parse(s, &r), SIP_ERR_SYNTAX);
    s = S("4294967295");
    s.len -= 1;
    EXPECT_RC(sip_retry_after_parse(s, &r), 0);
    cr_expect_eq(r.seconds, 429496729u);
}

/* Deterministic pseudo-random values over the bytes that matter to these
 * grammars: every parser must return a documented code, keep its spans in
 * the input and zero its output on error (checked by the wrappers). */
Test(typed, span_pseudo_random_inputs_never_misbehave)
{
    static const char alpha[] = "0123456789 ;,=:./()\"\\@[]\r\n\tabcGMTSatNov-x\001\200";
    static const ty_fn fns[] = {w_media, w_tokens, w_allow, w_retry, w_rack, w_event,
                                w_substate, w_replaces, w_se, w_date, w_timestamp,
                                w_warning, w_reason};
    uint32_t x = 12345u;
    char buf[48];
    int i, k;
    for (i = 0; i < 3000; i++) {
        size_t n, j;
        x = x * 1103515245u + 12345u;
        n = (x >> 16) % sizeof buf;
        for (j = 0; j < n; j++) {
            x = x * 1103515245u + 12345u;
            buf[j] = alpha[(x >> 16) % (sizeof alpha - 1)];
        }
        for (k = 0; k < (int)(sizeof fns / sizeof fns[0]); k++) {
            int r = fns[k](ty_n(buf, n));
            cr_assert(r == 0 || r == SIP_ERR_SYNTAX || r == SIP_ERR_RANGE,
                      "parser %d on %.*s: rc %d", k, (int)n, buf, r);
        }
    }
}

Test(typed, span_deep_comment_nesting_uses_no_stack)
{
    /* 100k nested parentheses: a counter, not recursion */
    size_t n = 100000, i;
    char *b = (char *)malloc(2 * n + 2);
    sip_retry_after r;
    cr_assert_not_null(b);
    b[0] = '1';
    b[1] = ' ';
    for (i = 0; i < n - 1; i++) {
        b[2 + i] = '(';
        b[2 + n - 1 + i] = ')';
    }
    EXPECT_RC(sip_retry_after_parse(ty_n(b, 2 * n), &r), 0);
    cr_expect_eq(r.comment.len, 2 * n - 4);
    EXPECT_RC(sip_retry_after_parse(ty_n(b, 2 * n - 1), &r), SIP_ERR_SYNTAX);
    free(b);
}
