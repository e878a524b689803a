/* fuzz_uri.c - sip_uri_parse, sip_uri_equal and sip_unescape.
 *
 * Input: two URIs separated by the first '\n' (or, without one, the two
 * halves of the input). Each is parsed from its own exact-size buffer.
 *
 * Properties checked: spans of a parsed URI lie in its text; sip_uri_equal
 * is reflexive (also with a repeated parameter: fixed finding uri-1) and
 * symmetric; sip_unescape never writes more than the input
 * length, reports NOSPACE for a buffer one byte short and decodes the same
 * bytes into an exact-size buffer.
 */
#define SIP_IMPLEMENTATION
#include "sip.h"
#include "fuzz.h"

/* Unescape s three ways: roomy, exact size, one byte short. */
static void unescape(sip_str s)
{
    char *big, *exact, *shorter;
    int r, r2;
    if (!s.p) return;
    big = (char *)malloc(s.len + 1);
    if (!big) abort();
    r = sip_unescape(s, big, s.len + 1);
    FUZZ_CHECK(r == SIP_ERR_SYNTAX || (r >= 0 && (size_t)r <= s.len));
    if (r > 0) {
        exact = (char *)malloc((size_t)r);
        shorter = (char *)malloc((size_t)r);
        if (!exact || !shorter) abort();
        r2 = sip_unescape(s, exact, (size_t)r);
        FUZZ_CHECK(r2 == r && memcmp(exact, big, (size_t)r) == 0);
        r2 = sip_unescape(s, shorter, (size_t)r - 1);
        FUZZ_CHECK(r2 == SIP_ERR_NOSPACE);
        free(exact);
        free(shorter);
    }
    free(big);
}

static int parse_one(const char *p, size_t n, sip_uri *u)
{
    sip_str s;
    int r;
    s.p = p;
    s.len = n;
    memset(u, 0, sizeof *u);
    r = sip_uri_parse(s, u);
    FUZZ_CHECK(r == 0 || r == SIP_ERR_SYNTAX);
    unescape(s);
    if (r == 0) {
        fuzz_uri(u, p, n);
        FUZZ_CHECK(u->has_port || u->port == 0);
        unescape(u->user);
        unescape(u->password);
        unescape(u->host);
        unescape(u->params);
        unescape(u->headers);
        /* reflexive */
        FUZZ_CHECK(sip_uri_equal(u, u) == 1);
    }
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = (const uint8_t *)memchr(data, '\n', size);
    size_t la = nl ? (size_t)(nl - data) : size / 2;
    size_t lb_off = nl ? la + 1 : la;
    char *a = fuzz_dup(data, la);
    char *b = fuzz_dup(data + lb_off, size - lb_off);
    sip_uri ua, ub;
    int ra = parse_one(a, la, &ua);
    int rb = parse_one(b, size - lb_off, &ub);
    if (ra == 0 && rb == 0) {
        int ab = sip_uri_equal(&ua, &ub), ba = sip_uri_equal(&ub, &ua);
        FUZZ_CHECK(ab == 0 || ab == 1);
        FUZZ_CHECK(ab == ba); /* symmetric */
    }
    free(a);
    free(b);
    return 0;
}
