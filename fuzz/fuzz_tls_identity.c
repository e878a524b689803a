/* fuzz_tls_identity.c - sip_tls_identity_match (RFC 5922 §7 rules).
 *
 * Input: lines separated by '\n'. The first is the domain; each further
 * line is an identity whose first byte says what it is: 'U' a SAN URI,
 * 'D' a SAN dNSName, 'C' the CN, 'S' (alone) "the certificate has a
 * subjectAltName". Every value lives in its own exact-size buffer.
 *
 * Properties checked: the result is 0 or 1; it does not depend on the case
 * of the domain; a CN never matters when has_san is set; a wildcard in
 * any identity never matches a domain without one.
 */
#define SIP_IMPLEMENTATION
#define SIP_TRANSPORT_IMPLEMENTATION
#include "sip_transport.h"
#include "fuzz.h"

#define MAXV 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sip_str uris[MAXV], dns[MAXV], domain = {NULL, 0}, upper;
    char *owned[2 * MAXV + 3];
    int n_owned = 0, r, r2, i;
    sip_tls_identity id;
    size_t pos = 0, k;
    char *up;
    memset(&id, 0, sizeof id);
    id.san_uri = uris;
    id.san_dns = dns;
    while (pos <= size && n_owned < (int)(sizeof owned / sizeof owned[0])) {
        const uint8_t *nl = (const uint8_t *)memchr(data + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
        char *v = fuzz_dup(data + pos, len);
        sip_str s;
        owned[n_owned++] = v;
        s.p = v;
        s.len = len;
        if (!domain.p) {
            domain = s;
        } else if (len && v[0] == 'S') {
            id.has_san = 1;
        } else if (len) {
            s.p++, s.len--;
            if (v[0] == 'U' && id.n_san_uri < MAXV) uris[id.n_san_uri++] = s;
            else if (v[0] == 'D' && id.n_san_dns < MAXV) dns[id.n_san_dns++] = s;
            else if (v[0] == 'C') id.cn = s;
        }
        if (!nl) break;
        pos += len + 1;
    }
    r = sip_tls_identity_match(&id, domain);
    FUZZ_CHECK(r == 0 || r == 1);
    /* case-insensitive (RFC 4343) */
    up = fuzz_dup(domain.p, domain.len);
    for (k = 0; k < domain.len; k++)
        if (up[k] >= 'a' && up[k] <= 'z') up[k] = (char)(up[k] - 32);
    upper.p = up;
    upper.len = domain.len;
    r2 = sip_tls_identity_match(&id, upper);
    FUZZ_CHECK(r2 == r);
    /* §7.1: with a subjectAltName the CN is ignored */
    if (id.has_san) {
        sip_str cn = id.cn;
        id.cn.p = NULL;
        id.cn.len = 0;
        FUZZ_CHECK(sip_tls_identity_match(&id, domain) == r);
        id.cn = cn;
    }
    /* §7.2: '*' is no wildcard: when the domain has none, a match needs a
     * dNSName or CN without '*' (a URI may hold '*' in its parameters) */
    if (r && !memchr(domain.p, '*', domain.len)) {
        int plain = id.n_san_uri > 0;
        for (k = 0; k < id.n_san_dns; k++)
            if (!memchr(dns[k].p, '*', dns[k].len)) plain = 1;
        if (!id.has_san && id.cn.p && !memchr(id.cn.p, '*', id.cn.len)) plain = 1;
        FUZZ_CHECK(plain);
    }
    free(up);
    for (i = 0; i < n_owned; i++) free(owned[i]);
    return 0;
}
