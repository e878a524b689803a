/* fuzz_authsrv.c - sip_auth_server.h verification of fuzzed credentials.
 *
 * Input: 1 byte of time step, then an Authorization value. It is parsed
 * with sip_auth_parse and verified; half the runs first splice in a real
 * nonce and opaque from a challenge so the deeper checks (nc, digest,
 * staleness, limiter) are reached. Properties: the verdict is one of the
 * four; a verdict of OK needs the real password's digest (never reached
 * from random bytes: trapping on OK catches a check that lets a forgery
 * through).
 */
#define SIP_IMPLEMENTATION
#define SIP_AUTH_SERVER_IMPLEMENTATION
#include "sip_auth_server.h"
#include "fuzz.h"

static uint8_t rb;
static void f_rand(void *u, uint8_t *b, size_t n)
{
    (void)u;
    while (n--) *b++ = rb++;
}
static int f_ha1(void *u, sip_str user, sip_str realm, sip_digest_alg alg, char *out, size_t cap)
{
    (void)u, (void)realm, (void)alg;
    if (!sip_str_eq(user, sip_str_c("alice"))) return 1;
    /* an HA1 no fuzzer input can match without inverting the hash */
    memset(out, 'f', sip_digest_alg_len(alg) * 2);
    out[sip_digest_alg_len(alg) * 2] = 0;
    (void)cap;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sip_authsrv s;
    static uint64_t mem[2048];
    static const uint8_t secret[] = "fuzz-secret-0123456789";
    static uint64_t now = 1000000;
    sip_authsrv_config c;
    sip_authsrv_callbacks cb;
    sip_authsrv_request r;
    sip_auth a;
    char *in;
    int v;
    if (size < 1) return 0;
    memset(&c, 0, sizeof c);
    c.realm = sip_str_c("example.com");
    c.secret = secret;
    c.secret_len = sizeof secret - 1;
    c.qop_auth_int = data[0] & 1;
    c.limiter_slots = 16;
    c.nc_slots = 16;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.ha1 = f_ha1;
    cb.rand = f_rand;
    FUZZ_CHECK(sip_authsrv_init(&s, mem, sizeof mem, &c, &cb, NULL) == 0);
    now += (uint64_t)data[0] * 1000000u;
    in = fuzz_dup(data + 1, size - 1);
    if (sip_auth_parse((sip_str){in, size - 1}, &a) == 0) {
        char ch[1024];
        if (data[0] & 2) {
            /* borrow a valid nonce and opaque from a real challenge */
            sip_auth k;
            char *v0, *e;
            int n = sip_authsrv_challenge(&s, now, 0, 0, ch, sizeof ch, NULL);
            FUZZ_CHECK(n > 0);
            v0 = strstr(ch, ": ") + 2;
            e = strstr(v0, "\r\n");
            FUZZ_CHECK(sip_auth_parse((sip_str){v0, (size_t)(e - v0)}, &k) == 0);
            a.nonce = k.nonce;
            a.opaque = k.opaque;
        }
        memset(&r, 0, sizeof r);
        r.cred = &a;
        r.method = sip_str_c("REGISTER");
        r.request_uri = a.uri;
        r.source = data[0] >> 4;
        v = sip_authsrv_verify(&s, &r, now, NULL);
        FUZZ_CHECK(v == SIP_AUTHSRV_CHALLENGE || v == SIP_AUTHSRV_STALE || v == SIP_AUTHSRV_BLOCKED);
    }
    free(in);
    return 0;
}
