/* sip_auth_server.h: the digest server (RFC 7616, RFC 8760, RFC 2617). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sip_auth_server.h"

static const uint8_t secret[] = "0123456789abcdef-server-secret";
static uint8_t rbyte;

static void t_rand(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    while (len--) *buf++ = rbyte++;
}

/* alice / wonderland; bob unknown. */
static int t_ha1(void *user, sip_str username, sip_str realm, sip_digest_alg alg, char *out, size_t cap)
{
    sip_digest_input in;
    char resp[80];
    (void)user;
    if (!sip_str_eq(username, sip_str_c("alice"))) return 1;
    memset(&in, 0, sizeof in);
    in.alg = alg;
    in.qop = SIP_QOP_AUTH;
    in.username = username;
    in.realm = realm;
    in.password = sip_str_c("wonderland");
    in.method = sip_str_c("X");
    in.uri = sip_str_c("x");
    in.nonce = sip_str_c("n");
    in.cnonce = sip_str_c("c");
    in.nc = sip_str_c("00000001");
    cr_assert_gt(sip_digest_response(&in, resp, sizeof resp, out, NULL), 0);
    (void)cap;
    return 0;
}

static sip_authsrv srv;
static uint64_t mem[4096];

static uint32_t nc_slots_cfg = 64;

static void setup_srv(unsigned algs, int auth_int)
{
    sip_authsrv_config c;
    sip_authsrv_callbacks cb;
    memset(&c, 0, sizeof c);
    c.realm = sip_str_c("atlanta.example.com");
    c.secret = secret;
    c.secret_len = sizeof secret - 1;
    c.algs = algs;
    c.qop_auth_int = auth_int;
    c.max_failures = 3;
    c.limiter_slots = 64;
    c.nc_slots = nc_slots_cfg;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.ha1 = t_ha1;
    cb.rand = t_rand;
    cr_assert_leq(sip_authsrv_mem_size(&c), sizeof mem);
    cr_assert_eq(sip_authsrv_init(&srv, mem, sizeof mem, &c, &cb, NULL), 0);
}

static char chal_buf[2048];
static sip_auth chal[3];
static int n_chal;

/* Issue a challenge and parse each line back with sip.h. */
static void challenge(uint64_t now, int proxy, int stale)
{
    int n = sip_authsrv_challenge(&srv, now, proxy, stale, chal_buf, sizeof chal_buf - 1, NULL);
    char *p = chal_buf, *e;
    cr_assert_gt(n, 0);
    chal_buf[n] = 0;
    n_chal = 0;
    while ((e = strstr(p, "\r\n")) != NULL && n_chal < 3) {
        char *v = strstr(p, ": ") + 2;
        sip_str s;
        s.p = v;
        s.len = (size_t)(e - v);
        cr_assert_eq(sip_auth_parse(s, &chal[n_chal]), 0, "%s", p);
        n_chal++;
        p = e + 2;
    }
}

static char cred_buf[1024];
static sip_auth cred;

/* The client side: sip.h's credentials for challenge i. */
static void answer(int i, const char *user, const char *pass, const char *uri, const char *nc,
                   sip_digest_qop qop, const char *body)
{
    sip_digest_input in;
    sip_str s;
    int n;
    memset(&in, 0, sizeof in);
    in.alg = chal[i].alg;
    in.qop = qop;
    in.username = sip_str_c(user);
    in.realm = chal[i].realm;
    in.password = sip_str_c(pass);
    in.method = sip_str_c("REGISTER");
    in.uri = sip_str_c(uri);
    in.nonce = chal[i].nonce;
    in.cnonce = sip_str_c("0a4f113b");
    in.nc = sip_str_c(nc);
    in.body = sip_str_c(body ? body : "");
    n = sip_digest_build_credentials(cred_buf, sizeof cred_buf, &chal[i], &in, NULL);
    cr_assert_gt(n, 0);
    s.p = cred_buf;
    s.len = (size_t)n;
    cr_assert_eq(sip_auth_parse(s, &cred), 0, "%.*s", n, cred_buf);
}

static int verify(uint64_t now, uint64_t source, const char *uri, const char *body, uint32_t *ra)
{
    sip_authsrv_request r;
    memset(&r, 0, sizeof r);
    r.cred = &cred;
    r.method = sip_str_c("REGISTER");
    r.request_uri = sip_str_c(uri);
    r.body = sip_str_c(body ? body : "");
    r.source = source;
    return sip_authsrv_verify(&srv, &r, now, ra);
}

#define T0 5000000000ull

/* RFC 8760 §2.4 / RFC 7616 §3.7: one challenge per algorithm, the
 * strongest first, MD5 last; realm, nonce, opaque, qop; 401 vs 407. */
Test(auth_server, challenge_lines_rfc7616_3_3)
{
    setup_srv(0, 0);
    challenge(T0, 0, 0);
    cr_assert_eq(n_chal, 2);
    {
        static const char head[] = "WWW-Authenticate: Digest realm=\"atlanta.example.com\", nonce=\"";
        cr_assert_eq(strncmp(chal_buf, head, sizeof head - 1), 0, "%s", chal_buf);
    }
    cr_assert_eq(chal[0].alg, SIP_DIGEST_SHA256);
    cr_assert_eq(chal[1].alg, SIP_DIGEST_MD5);
    cr_assert_eq(chal[0].nonce.len, 64);
    cr_assert(sip_str_eq(chal[0].nonce, chal[1].nonce));
    cr_assert_eq(chal[0].opaque.len, 32);
    cr_assert(sip_str_eq(chal[0].qop, sip_str_c("auth")));
    cr_assert_null(strstr(chal_buf, "stale"));
    challenge(T0, 1, 1);
    cr_assert_eq(strncmp(chal_buf, "Proxy-Authenticate: Digest", 26), 0);
    cr_assert(strstr(chal_buf, ", stale=true\r\n") != NULL);
    cr_assert(sip_str_eq(chal[0].stale, sip_str_c("true")));
    /* one byte short: the size needed */
    {
        size_t need = 0, n = strlen(chal_buf);
        cr_assert_eq(sip_authsrv_challenge(&srv, T0, 1, 1, chal_buf, n - 1, &need), SIP_AUTHSRV_ERR_NOSPACE);
        cr_assert_eq(need, n);
    }
}

/* RFC 7616 §3.4, §3.5: a correct response with SHA-256 and with MD5; the
 * next request on the same nonce with nc 2. */
Test(auth_server, verify_sha256_and_md5_rfc7616_3_4)
{
    setup_srv(0, 0);
    challenge(T0, 0, 0);
    answer(0, "alice", "wonderland", "sip:atlanta.example.com", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0 + 1000, 7, "sip:atlanta.example.com", NULL, NULL), SIP_AUTHSRV_OK);
    answer(0, "alice", "wonderland", "sip:atlanta.example.com", "00000002", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0 + 2000, 7, "sip:atlanta.example.com", NULL, NULL), SIP_AUTHSRV_OK);
    challenge(T0, 0, 0);
    answer(1, "alice", "wonderland", "sip:atlanta.example.com", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0 + 1000, 7, "sip:atlanta.example.com", NULL, NULL), SIP_AUTHSRV_OK);
}

/* A wrong password and an unknown user get the same verdict (and the
 * caller sends the same kind of challenge): no user enumeration. */
Test(auth_server, unknown_user_same_as_wrong_password)
{
    setup_srv(0, 0);
    challenge(T0, 0, 0);
    answer(0, "alice", "guess", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_CHALLENGE);
    answer(0, "bob", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0, 2, "sip:a", NULL, NULL), SIP_AUTHSRV_CHALLENGE);
}

/* RFC 7616 §3.3: past its lifetime a nonce with a correct digest is stale
 * (challenge again with stale=true); a wrong digest on an old nonce is a
 * plain failure. */
Test(auth_server, stale_nonce_rfc7616_3_3)
{
    setup_srv(0, 0);
    challenge(T0, 0, 0);
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0 + 301000000ull, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_STALE);
    answer(0, "alice", "nope", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0 + 301000000ull, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_CHALLENGE);
}

/* Replay: the same nonce-count twice is refused; a forged nonce, another
 * realm's opaque, a digest-uri other than the Request-URI (RFC 2617
 * §3.2.2.5) and a missing qop are refused. */
Test(auth_server, replay_and_forgery_rfc7616_3_4)
{
    setup_srv(0, 0);
    challenge(T0, 0, 0);
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_OK);
    cr_assert_eq(verify(T0, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_CHALLENGE);
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0, 1, "sip:b", NULL, NULL), SIP_AUTHSRV_CHALLENGE);
    /* a nonce with one hex digit changed fails its MAC */
    challenge(T0, 0, 0);
    ((char *)chal[0].nonce.p)[20] ^= 1; /* a digit of the random part */
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0, 3, "sip:a", NULL, NULL), SIP_AUTHSRV_CHALLENGE);
    challenge(T0, 0, 0);
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_NONE, NULL);
    cr_assert_eq(verify(T0, 4, "sip:a", NULL, NULL), SIP_AUTHSRV_CHALLENGE);
    cr_assert_eq(sip_authsrv_verify(&srv, &(sip_authsrv_request){NULL, {0}, {0}, {0}, 0}, T0, NULL),
                 SIP_AUTHSRV_CHALLENGE);
}

/* RFC 7616 §3.4.3 qop=auth-int covers the body. */
Test(auth_server, auth_int_body)
{
    setup_srv(0, 1);
    challenge(T0, 0, 0);
    cr_assert(sip_str_eq(chal[0].qop, sip_str_c("auth,auth-int")));
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH_INT, "v=0\r\n");
    cr_assert_eq(verify(T0, 1, "sip:a", "v=0\r\n", NULL), SIP_AUTHSRV_OK);
    answer(0, "alice", "wonderland", "sip:a", "00000002", SIP_QOP_AUTH_INT, "v=0\r\n");
    cr_assert_eq(verify(T0, 1, "sip:a", "v=1\r\n", NULL), SIP_AUTHSRV_CHALLENGE);
}

/* Guessing: after max_failures (3) failures from one source for one user,
 * each attempt must wait 1 s, 2 s, 4 s...; another source is not blocked;
 * the right password after the wait clears the count. */
Test(auth_server, failure_limiter_grows)
{
    uint32_t ra = 0;
    uint64_t t = T0;
    int i;
    setup_srv(0, 0);
    challenge(T0, 0, 0);
    for (i = 0; i < 3; i++) {
        answer(0, "alice", "guess", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
        cr_assert_eq(verify(t, 9, "sip:a", NULL, &ra), SIP_AUTHSRV_CHALLENGE);
    }
    cr_assert_eq(verify(t, 9, "sip:a", NULL, &ra), SIP_AUTHSRV_BLOCKED);
    cr_assert_eq(ra, 1000);
    t += 1000000;
    cr_assert_eq(verify(t, 9, "sip:a", NULL, &ra), SIP_AUTHSRV_CHALLENGE); /* 4th failure */
    cr_assert_eq(verify(t, 9, "sip:a", NULL, &ra), SIP_AUTHSRV_BLOCKED);
    cr_assert_eq(ra, 2000);
    /* another source for the same user is not delayed */
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(t, 10, "sip:a", NULL, &ra), SIP_AUTHSRV_OK);
    t += 2000000;
    answer(0, "alice", "wonderland", "sip:a", "00000002", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(t, 9, "sip:a", NULL, &ra), SIP_AUTHSRV_OK);
    answer(0, "alice", "guess", "sip:a", "00000003", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(t, 9, "sip:a", NULL, &ra), SIP_AUTHSRV_CHALLENGE); /* count restarted */
    cr_assert_eq(verify(t, 9, "sip:a", NULL, &ra), SIP_AUTHSRV_CHALLENGE);
}

Test(auth_server, config_errors)
{
    sip_authsrv_config c;
    memset(&c, 0, sizeof c);
    c.realm = sip_str_c("r");
    c.secret = secret;
    c.secret_len = 8;
    cr_assert_eq(sip_authsrv_mem_size(&c), 0);
    c.secret_len = 16;
    c.algs = 1u << SIP_DIGEST_MD5_SESS;
    cr_assert_eq(sip_authsrv_mem_size(&c), 0);
    c.algs = 0;
    cr_assert_gt(sip_authsrv_mem_size(&c), 0);
    cr_assert_eq(sip_authsrv_init(&srv, mem, 8, &c, NULL, NULL), SIP_AUTHSRV_ERR_CONFIG);
}

/* A live nonce keeps its nonce-count entry: with one slot, a second nonce
 * is answered stale instead of taking the slot over, and the first one's
 * nc 1 still cannot be replayed (review finding). */
Test(auth_server, nonce_count_entry_not_taken_over_while_live)
{
    static sip_auth first;
    static char first_buf[1024];
    nc_slots_cfg = 1;
    setup_srv(0, 0);
    challenge(T0, 0, 0);
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    memcpy(first_buf, cred_buf, sizeof first_buf);
    first = cred;
    cr_assert_eq(verify(T0, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_OK);
    challenge(T0 + 1000, 0, 0); /* a second nonce */
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0 + 2000, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_STALE);
    memcpy(cred_buf, first_buf, sizeof first_buf);
    cred = first; /* spans point into cred_buf, restored above */
    cr_assert_eq(verify(T0 + 3000, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_CHALLENGE);
    nc_slots_cfg = 64;
}

/* RFC 7616 §3.4 nonce counts: a fresh nonce whose hash slot holds a live
 * nonce takes one of the next slots (8 ways) instead of being answered
 * stale (sipd's bench saw ~1 % stale answers at 300 calls/s with a
 * direct-mapped table). With 8 slots, 8 live nonces all pass (8 random
 * nonces in 8 direct-mapped slots collide with probability 1 - 8!/8^8,
 * over 99.7 %); the 9th finds no free slot and is stale; each
 * accepted nonce's nc 1 stays a replay. */
Test(auth_server, nonce_count_table_is_set_associative_rfc7616_3_4)
{
    static char bufs[8][1024];
    static sip_auth creds[8];
    int i;
    nc_slots_cfg = 8;
    setup_srv(0, 0);
    for (i = 0; i < 8; i++) {
        challenge(T0 + (uint64_t)i * 1000, 0, 0);
        answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
        cr_assert_eq(verify(T0 + (uint64_t)i * 1000 + 500, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_OK,
                     "nonce %d", i);
        memcpy(bufs[i], cred_buf, sizeof cred_buf);
        creds[i] = cred;
    }
    challenge(T0 + 9000, 0, 0);
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0 + 9500, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_STALE);
    for (i = 0; i < 8; i++) {
        memcpy(cred_buf, bufs[i], sizeof cred_buf);
        cred = creds[i]; /* spans point into cred_buf, restored above */
        cr_assert_eq(verify(T0 + 10000, 100 + (uint64_t)i, "sip:a", NULL, NULL), SIP_AUTHSRV_CHALLENGE,
                     "replay %d", i); /* one source each: the failure limiter stays out */
    }
    nc_slots_cfg = 64;
}

/* RFC 7616 §3.3 (nonce built from a time-stamp and a hash over it and
 * server secret data): the nonce needs no per-nonce state to check. A
 * server started afresh with the same secret (no memory of the
 * challenge; another process of a cluster) accepts the answer to a nonce
 * the first one issued; one with another secret refuses it. */
Test(auth_server, nonce_checked_without_state_rfc7616_3_3)
{
    setup_srv(0, 0);
    challenge(T0, 0, 0);
    memset(mem, 0xA5, sizeof mem);   /* nothing of the first instance survives */
    setup_srv(0, 0);
    answer(0, "alice", "wonderland", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
    cr_assert_eq(verify(T0 + 1000000, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_OK);
    {
        sip_authsrv_config c;
        sip_authsrv_callbacks cb;
        static const uint8_t other[] = "another-secret-of-32-bytes-xxxxx";
        memset(&c, 0, sizeof c);
        c.realm = sip_str_c("atlanta.example.com");
        c.secret = other;
        c.secret_len = sizeof other - 1;
        c.max_failures = 3;
        c.limiter_slots = 64;
        c.nc_slots = 64;
        memset(&cb, 0, sizeof cb);
        cb.size = sizeof cb;
        cb.ha1 = t_ha1;
        cb.rand = t_rand;
        cr_assert_eq(sip_authsrv_init(&srv, mem, sizeof mem, &c, &cb, NULL), 0);
        answer(0, "alice", "wonderland", "sip:a", "00000002", SIP_QOP_AUTH, NULL);
        cr_assert_eq(verify(T0 + 1000000, 1, "sip:a", NULL, NULL), SIP_AUTHSRV_CHALLENGE);
    }
}

/* No user enumeration (RFC 7616 §5, security considerations; issue 6):
 * guesses for an unknown user are limited exactly like guesses for a real
 * one (same verdicts, same growing delays), so the limiter's answers do
 * not tell them apart either. */
Test(auth_server, unknown_user_limited_like_known_user)
{
    uint32_t ra_known = 0, ra_unknown = 0;
    const char *users[2] = {"alice", "mallory"};
    int verdicts[2][6], u, i;
    for (u = 0; u < 2; u++) {
        uint64_t t = T0;
        setup_srv(0, 0);
        challenge(T0, 0, 0);
        for (i = 0; i < 6; i++) {
            answer(0, users[u], "guess", "sip:a", "00000001", SIP_QOP_AUTH, NULL);
            verdicts[u][i] = verify(t, 9, "sip:a", NULL, u ? &ra_unknown : &ra_known);
            if (i == 3) t += 1000000;   /* wait out the first delay */
        }
    }
    for (i = 0; i < 6; i++) cr_assert_eq(verdicts[0][i], verdicts[1][i], "attempt %d", i);
    cr_assert_eq(verdicts[1][3], SIP_AUTHSRV_BLOCKED);
    cr_assert_eq(verdicts[1][5], SIP_AUTHSRV_BLOCKED);
    cr_assert_eq(ra_known, ra_unknown);
    cr_assert_eq(ra_unknown, 2000);
}
