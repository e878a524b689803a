/* fuzz_auth.c - sip_auth_parse, then digest credentials for the result.
 *
 * Input: an auth header value (WWW-Authenticate / Authorization / ...),
 * parsed from an exact-size copy. When it parses, it is used as a
 * challenge (realm, nonce and uri with their quoted-pairs removed, as
 * sip_digest_input wants plain values): sip_digest_response() for its algorithm and qop, and
 * sip_digest_build_credentials() sized with a NULL buffer, then into an
 * exact-size buffer and one byte short.
 *
 * Properties checked: spans lie in the value; the digest is lowercase hex of
 * the algorithm's length; the sizing protocol (NOSPACE + needed) is exact
 * (needed bytes suffice, one fewer gives NOSPACE);
 * the credentials built must parse again with the same username, realm and
 * nonce (compared without quoted-pairs), the same opaque and response.
 */
#define SIP_IMPLEMENTATION
#include "sip.h"
#include "fuzz.h"

#define IS_ERR(r) ((r) <= -100 && (r) >= -199)

static void check_auth(const sip_auth *a, const char *b, size_t n)
{
    fuzz_span_in(a->scheme, b, n);
    fuzz_span_in(a->params, b, n);
    fuzz_span_in(a->realm, b, n);
    fuzz_span_in(a->nonce, b, n);
    fuzz_span_in(a->opaque, b, n);
    fuzz_span_in(a->algorithm, b, n);
    fuzz_span_in(a->qop, b, n);
    fuzz_span_in(a->domain, b, n);
    fuzz_span_in(a->stale, b, n);
    fuzz_span_in(a->username, b, n);
    fuzz_span_in(a->uri, b, n);
    fuzz_span_in(a->response, b, n);
    fuzz_span_in(a->cnonce, b, n);
    fuzz_span_in(a->nc, b, n);
    fuzz_span_in(a->userhash, b, n);
    fuzz_span_in(a->charset, b, n);
    fuzz_span_in(a->nextnonce, b, n);
    fuzz_span_in(a->rspauth, b, n);
    fuzz_span_in(a->username_ext, b, n);
}

/* The value of a quoted-string body: quoted-pairs (backslash + byte)
 * replaced by the byte. sip_auth_parse() gives quoted values still escaped,
 * sip_digest_input wants plain values (the builder quotes them again). The
 * result is malloc'd (exact size) into *buf; absent stays absent. */
static sip_str unquote(sip_str s, char **buf)
{
    sip_str r;
    size_t i, n = 0;
    *buf = NULL;
    if (!s.p) return s;
    *buf = fuzz_alloc(s.len);
    for (i = 0; i < s.len; i++) {
        if (s.p[i] == '\\' && i + 1 < s.len) i++;
        (*buf)[n++] = s.p[i];
    }
    r.p = *buf;
    r.len = n;
    return r;
}

/* Equal as quoted-string bodies (after removing quoted-pairs). */
static int unquoted_eq(sip_str a, sip_str b)
{
    char *ba, *bb;
    int eq = sip_str_eq(unquote(a, &ba), unquote(b, &bb));
    free(ba);
    free(bb);
    return eq;
}

static int is_lower_hex(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

static void credentials(const sip_auth *ch, const sip_digest_input *in,
                        const char *digest, int dlen)
{
    size_t needed = 0, needed2 = 0;
    int r, r2;
    char *out, *shorter;
    sip_auth cr;

    r = sip_digest_build_credentials(NULL, 0, ch, in, &needed);
    if (r != SIP_ERR_NOSPACE) {
        FUZZ_CHECK(IS_ERR(r));
        return;
    }
    FUZZ_CHECK(needed > 0 && needed < (size_t)1 << 24);
    out = fuzz_alloc(needed);
    r = sip_digest_build_credentials(out, needed, ch, in, &needed2);
    /* needed is the buffer size: the bytes, maybe plus a NUL */
    FUZZ_CHECK(r >= 0 && (size_t)r <= needed && needed - (size_t)r <= 1);
    if (needed > 1) {
        shorter = fuzz_alloc(needed - 1);
        r2 = sip_digest_build_credentials(shorter, needed - 1, ch, in, &needed2);
        FUZZ_CHECK(r2 == SIP_ERR_NOSPACE && needed2 == needed);
        free(shorter);
    }
    /* what we send must parse again and carry what we put in */
    {
        sip_str s;
        s.p = out;
        s.len = (size_t)r;
        memset(&cr, 0, sizeof cr);
        FUZZ_CHECK(sip_auth_parse(s, &cr) == 0);
        check_auth(&cr, out, (size_t)r);
        FUZZ_CHECK(sip_str_caseeq_c(cr.scheme, "Digest"));
        FUZZ_CHECK(sip_str_eq(cr.username, in->username));
        FUZZ_CHECK(unquoted_eq(cr.realm, ch->realm));
        FUZZ_CHECK(unquoted_eq(cr.nonce, ch->nonce));
        FUZZ_CHECK(sip_str_eq(cr.opaque, ch->opaque)); /* echoed verbatim */
        if (dlen > 0) {
            sip_str d;
            d.p = digest;
            d.len = (size_t)dlen;
            FUZZ_CHECK(sip_str_eq(cr.response, d));
        }
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_dup(data, size);
    sip_str s;
    sip_auth a;
    sip_digest_input in;
    char digest[65], ha1[65], ha2[65];
    char *realm_buf, *nonce_buf, *uri_buf;
    int r, d;

    s.p = buf;
    s.len = size;
    memset(&a, 0, sizeof a);
    r = sip_auth_parse(s, &a);
    FUZZ_CHECK(r == 0 || r == SIP_ERR_SYNTAX || r == SIP_ERR_DUPLICATE);
    if (r != 0 || !sip_str_caseeq_c(a.scheme, "Digest")) {
        if (r == 0) check_auth(&a, buf, size);
        free(buf);
        return 0;
    }
    check_auth(&a, buf, size);
    FUZZ_CHECK((unsigned)a.alg <= SIP_DIGEST_ALG_UNKNOWN);

    memset(&in, 0, sizeof in);
    in.alg = a.alg;
    in.qop = (a.qop_mask & (1u << SIP_QOP_AUTH)) ? SIP_QOP_AUTH
           : (a.qop_mask & (1u << SIP_QOP_AUTH_INT)) ? SIP_QOP_AUTH_INT
           : SIP_QOP_NONE;
    in.username = sip_str_c("alice");
    in.realm = unquote(a.realm, &realm_buf);
    in.password = sip_str_c("secret");
    in.method = sip_str_c("INVITE");
    in.uri = a.uri.p ? unquote(a.uri, &uri_buf) : sip_str_c("sip:bob@example.com");
    if (!a.uri.p) uri_buf = NULL;
    in.nonce = unquote(a.nonce, &nonce_buf);
    in.cnonce = sip_str_c("0a4f113b");
    in.nc = sip_str_c("00000001");
    in.body = sip_str_c("v=0\r\n");

    d = sip_digest_response(&in, digest, sizeof digest, ha1, ha2);
    if (d >= 0) {
        size_t hl = sip_digest_alg_len(in.alg) * 2;
        FUZZ_CHECK((size_t)d == hl && digest[d] == 0 && is_lower_hex(digest, (size_t)d));
        FUZZ_CHECK(strlen(ha1) == hl && is_lower_hex(ha1, hl));
        FUZZ_CHECK(strlen(ha2) == hl && is_lower_hex(ha2, hl));
        /* the same with H(user:realm:pass) precomputed: for the plain
         * algorithms that is the HA1 just returned (the -sess HA1 also
         * hashes nonce and cnonce) */
        if (in.alg == SIP_DIGEST_MD5 || in.alg == SIP_DIGEST_SHA256 ||
            in.alg == SIP_DIGEST_SHA512_256) {
            sip_digest_input in2 = in;
            char digest2[65];
            in2.password = sip_str_c("wrong");
            in2.ha1_hex.p = ha1;
            in2.ha1_hex.len = hl;
            FUZZ_CHECK(sip_digest_response(&in2, digest2, sizeof digest2, NULL, NULL) == d);
            FUZZ_CHECK(memcmp(digest, digest2, (size_t)d) == 0);
        }
        FUZZ_CHECK(sip_digest_userhash(in.alg, in.username, in.realm, ha1, sizeof ha1) ==
                   (int)hl);
    } else {
        FUZZ_CHECK(d == SIP_ERR_UNSUPPORTED || d == SIP_ERR_INVALID);
    }
    credentials(&a, &in, digest, d);
    free(realm_buf);
    free(nonce_buf);
    free(uri_buf);
    free(buf);
    return 0;
}
