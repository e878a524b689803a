/* sip_transport.h: RFC 5922 §7 identity rules (always) and the OpenSSL
 * memory-BIO filter sip_tls_* (with SIP_USE_OPENSSL): two filters talk
 * through memory only, with certificates made at test time. */
#define _GNU_SOURCE /* memmem, mkstemp, fdopen */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sip_transport.h"

/* ---- RFC 5922 §7 on identity lists (no OpenSSL needed) ---- */

static int match(const char *const *uris, size_t nu, const char *const *dns, size_t nd, int has_san,
                 const char *cn, const char *domain)
{
    sip_str u[8], d[8];
    sip_tls_identity id;
    size_t i;
    for (i = 0; i < nu; i++) u[i] = sip_str_c(uris[i]);
    for (i = 0; i < nd; i++) d[i] = sip_str_c(dns[i]);
    memset(&id, 0, sizeof id);
    id.san_uri = u;
    id.n_san_uri = nu;
    id.san_dns = d;
    id.n_san_dns = nd;
    id.has_san = has_san;
    id.cn = sip_str_c(cn);
    return sip_tls_identity_match(&id, sip_str_c(domain));
}

/* RFC 5922 §7.1: SAN URI "sip:domain" without user part; other schemes and
 * user parts never count. */
Test(tls_identity, rfc5922_7_1_san_uri)
{
    const char *ok[] = {"sip:example.com"}, *upper[] = {"SIP:EXAMPLE.COM"};
    const char *user[] = {"sip:alice@example.com"}, *sips[] = {"sips:example.com"};
    const char *http[] = {"http://example.com"}, *params[] = {"sip:example.com;transport=tls"};
    cr_assert_eq(match(ok, 1, NULL, 0, 1, NULL, "example.com"), 1);
    cr_assert_eq(match(upper, 1, NULL, 0, 1, NULL, "example.com"), 1);
    cr_assert_eq(match(ok, 1, NULL, 0, 1, NULL, "example.com."), 1);
    cr_assert_eq(match(params, 1, NULL, 0, 1, NULL, "example.com"), 1);
    cr_assert_eq(match(ok, 1, NULL, 0, 1, NULL, "sub.example.com"), 0);
    cr_assert_eq(match(user, 1, NULL, 0, 1, NULL, "example.com"), 0);
    cr_assert_eq(match(sips, 1, NULL, 0, 1, NULL, "example.com"), 0);
    cr_assert_eq(match(http, 1, NULL, 0, 1, NULL, "example.com"), 0);
    cr_assert_eq(match(ok, 1, NULL, 0, 1, NULL, ""), 0);
}

/* RFC 5922 §7.1: dNSName; §7.2: no wildcard matching. */
Test(tls_identity, rfc5922_7_2_dns_and_no_wildcards)
{
    const char *dns[] = {"other.example", "Example.COM"}, *wild[] = {"*.example.com"};
    cr_assert_eq(match(NULL, 0, dns, 2, 1, NULL, "example.com"), 1);
    cr_assert_eq(match(NULL, 0, wild, 1, 1, NULL, "sip.example.com"), 0);
    cr_assert_eq(match(NULL, 0, wild, 1, 1, NULL, "example.com"), 0);
}

/* RFC 5922 §7.1: the CN only when there is no subjectAltName at all. */
Test(tls_identity, rfc5922_7_1_cn_only_without_san)
{
    const char *dns[] = {"other.example"};
    cr_assert_eq(match(NULL, 0, NULL, 0, 0, "example.com", "example.com"), 1);
    cr_assert_eq(match(NULL, 0, dns, 1, 1, "example.com", "example.com"), 0);
    cr_assert_eq(match(NULL, 0, NULL, 0, 1, "example.com", "example.com"), 0, "SAN of other types");
    cr_assert_eq(match(NULL, 0, NULL, 0, 0, "*.example.com", "a.example.com"), 0);
    cr_assert_eq(sip_tls_identity_match(NULL, sip_str_c("example.com")), 0);
    cr_assert_str_eq(sip_tls_strerror(SIP_ERR_TLS_IDENTITY), "peer certificate does not match the domain");
}

#ifdef SIP_USE_OPENSSL
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* ---- certificates made at test time ---- */

typedef struct cert {
    X509 *x;
    EVP_PKEY *key;
} cert;

/* A self-signed P-256 certificate with subject CN cn (NULL: none) and the
 * subjectAltName san in OpenSSL's config syntax ("URI:sip:a.example,
 * DNS:b.example"; NULL: no extension). */
static cert make_cert(const char *cn, const char *san)
{
    cert c;
    X509_NAME *name;
    c.key = EVP_EC_gen("P-256");
    cr_assert(c.key);
    c.x = X509_new();
    cr_assert(c.x);
    X509_set_version(c.x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c.x), 1);
    X509_gmtime_adj(X509_getm_notBefore(c.x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c.x), 3600);
    X509_set_pubkey(c.x, c.key);
    name = X509_get_subject_name(c.x);
    if (cn) X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    else X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"cvoip", -1, -1, 0);
    X509_set_issuer_name(c.x, name);
    if (san) {
        X509V3_CTX v3;
        X509_EXTENSION *ext;
        X509V3_set_ctx(&v3, c.x, c.x, NULL, NULL, 0);
        ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
        cr_assert(ext, "%s", san);
        X509_add_ext(c.x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    cr_assert(X509_sign(c.x, c.key, EVP_sha256()) > 0);
    return c;
}

static void free_cert(cert c)
{
    X509_free(c.x);
    EVP_PKEY_free(c.key);
}

/* RFC 5922 §7.1/§7.2 on real certificates. */
Test(tls_identity, rfc5922_7_on_x509)
{
    cert a = make_cert("ignored.example", "URI:sip:example.com, DNS:dns.example.net");
    cert b = make_cert("example.com", NULL);
    cert c = make_cert("example.com", "DNS:other.example");
    cert d = make_cert(NULL, "DNS:*.example.com");
    cert e = make_cert(NULL, "URI:sip:bob@example.com, URI:sips:example.com");
    sip_str dom = sip_str_c("example.com");
    cr_assert_eq(sip_tls_identity_check(a.x, dom), 1, "SAN URI");
    cr_assert_eq(sip_tls_identity_check(a.x, sip_str_c("DNS.example.NET")), 1, "SAN DNS");
    cr_assert_eq(sip_tls_identity_check(a.x, sip_str_c("ignored.example")), 0, "CN ignored with SAN");
    cr_assert_eq(sip_tls_identity_check(b.x, dom), 1, "CN without SAN");
    cr_assert_eq(sip_tls_identity_check(c.x, dom), 0, "CN with SAN");
    cr_assert_eq(sip_tls_identity_check(d.x, sip_str_c("sip.example.com")), 0, "wildcard");
    cr_assert_eq(sip_tls_identity_check(e.x, dom), 0, "user part, sips scheme");
    cr_assert_eq(sip_tls_identity_check(NULL, dom), 0);
    free_cert(a), free_cert(b), free_cert(c), free_cert(d), free_cert(e);
}

/* ---- two filters over memory ---- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
    int fail;          /* the callback returns nonzero */
} buf;

static int sink(void *user, const uint8_t *p, size_t n)
{
    buf *b = (buf *)user;
    if (b->fail) return 1;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = (uint8_t *)realloc(b->p, b->cap);
        cr_assert(b->p);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

static void bfree(buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

typedef struct pair {
    sip_tls *c, *s;
    buf c2s, s2c;            /* ciphertext in flight */
    buf c_plain, s_plain;    /* plaintext received */
    int c_rc, s_rc;          /* last sip_tls_input results */
} pair;

/* Move ciphertext both ways until nothing moves (or an error). */
static void pump(pair *p)
{
    int round;
    for (round = 0; round < 20; round++) {
        buf in;
        int moved = 0;
        (void)sip_tls_pending_output(p->c, sink, &p->c2s); /* errors show in c_rc/s_rc */
        if (p->c2s.n) {
            in = p->c2s;
            memset(&p->c2s, 0, sizeof p->c2s);
            p->s_rc = sip_tls_input(p->s, in.p, in.n, sink, &p->s_plain);
            bfree(&in);
            moved = 1;
        }
        (void)sip_tls_pending_output(p->s, sink, &p->s2c);
        if (p->s2c.n) {
            in = p->s2c;
            memset(&p->s2c, 0, sizeof p->s2c);
            p->c_rc = sip_tls_input(p->c, in.p, in.n, sink, &p->c_plain);
            bfree(&in);
            moved = 1;
        }
        if (!moved) return;
    }
}

static void pair_free(pair *p)
{
    sip_tls_free(p->c);
    sip_tls_free(p->s);
    bfree(&p->c2s), bfree(&p->s2c), bfree(&p->c_plain), bfree(&p->s_plain);
}

static SSL_CTX *server_ctx(cert c)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    cr_assert(ctx);
    cr_assert_eq(SSL_CTX_use_certificate(ctx, c.x), 1);
    cr_assert_eq(SSL_CTX_use_PrivateKey(ctx, c.key), 1);
    return ctx;
}

/* A client context that trusts `trust` (NULL: nothing). */
static SSL_CTX *client_ctx(const cert *trust)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    cr_assert(ctx);
    if (trust) cr_assert_eq(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), trust->x), 1);
    return ctx;
}

static void make_pair(pair *p, SSL_CTX *cctx, SSL_CTX *sctx, const char *domain, sip_tls_verify_fn cb,
                      void *cb_user)
{
    sip_tls_config cc, sc;
    memset(p, 0, sizeof *p);
    memset(&cc, 0, sizeof cc);
    memset(&sc, 0, sizeof sc);
    cc.ctx = cctx;
    cc.domain = domain;
    cc.verify_cb = cb;
    cc.verify_user = cb_user;
    sc.server = 1;
    sc.ctx = sctx;
    cr_assert_eq(sip_tls_new(&p->c, &cc), 0);
    cr_assert_eq(sip_tls_new(&p->s, &sc), 0);
    SSL_CTX_free(cctx); /* the filters hold their references */
    SSL_CTX_free(sctx);
}

static const char invite[] = "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TLS a.example;branch=z9hG4bK1\r\n"
                             "Content-Length: 0\r\n\r\n";
static const char ok200[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

/* RFC 3261 §26.3.1 / RFC 5922: a handshake through memory, SNI seen by the
 * server (RFC 6066 §3), a SIP message each way. */
Test(tls, handshake_sni_and_messages_both_ways)
{
    cert sc = make_cert(NULL, "URI:sip:example.com, DNS:example.com");
    pair p;
    make_pair(&p, client_ctx(&sc), server_ctx(sc), "example.com", NULL, NULL);
    cr_assert_eq(sip_tls_established(p.c), 0);
    pump(&p);
    cr_assert_eq(sip_tls_established(p.c), 1, "%s", sip_tls_reason(p.c));
    cr_assert_eq(sip_tls_established(p.s), 1, "%s", sip_tls_reason(p.s));
    cr_assert_str_eq(sip_tls_server_name(p.s), "example.com");
    cr_assert_str_eq(sip_tls_server_name(p.c), "example.com");
    cr_assert(sip_tls_peer_cert(p.c) != NULL);
    cr_assert(sip_tls_ssl(p.c) != NULL);
    cr_assert_eq(sip_tls_output(p.c, (const uint8_t *)invite, sizeof invite - 1, sink, &p.c2s), 0);
    cr_assert_gt(p.c2s.n, sizeof invite - 1, "records carry overhead");
    cr_assert_null(memmem(p.c2s.p, p.c2s.n, "INVITE", 6), "no plaintext on the wire");
    pump(&p);
    cr_assert_eq(p.s_rc, (int)sizeof invite - 1);
    cr_assert_eq(p.s_plain.n, sizeof invite - 1);
    cr_assert_eq(memcmp(p.s_plain.p, invite, p.s_plain.n), 0);
    cr_assert_eq(sip_tls_output(p.s, (const uint8_t *)ok200, sizeof ok200 - 1, sink, &p.s2c), 0);
    pump(&p);
    cr_assert_eq(p.c_plain.n, sizeof ok200 - 1);
    cr_assert_eq(memcmp(p.c_plain.p, ok200, p.c_plain.n), 0);
    pair_free(&p);
    free_cert(sc);
}

/* Plaintext written before the handshake is queued and arrives after it;
 * records split at any byte boundary still decrypt. */
Test(tls, queued_before_handshake_and_byte_by_byte)
{
    cert sc = make_cert("example.com", NULL);
    pair p;
    buf in;
    size_t i;
    int total = 0;
    make_pair(&p, client_ctx(&sc), server_ctx(sc), "example.com", NULL, NULL);
    cr_assert_eq(sip_tls_output(p.c, (const uint8_t *)invite, sizeof invite - 1, sink, &p.c2s), 0);
    cr_assert_gt(p.c2s.n, 0, "ClientHello sent");
    pump(&p);
    cr_assert_eq(p.s_plain.n, sizeof invite - 1);
    cr_assert_eq(memcmp(p.s_plain.p, invite, p.s_plain.n), 0);
    /* server -> client, one byte at a time */
    cr_assert_eq(sip_tls_output(p.s, (const uint8_t *)ok200, sizeof ok200 - 1, sink, &p.s2c), 0);
    in = p.s2c;
    memset(&p.s2c, 0, sizeof p.s2c);
    for (i = 0; i < in.n; i++) {
        int r = sip_tls_input(p.c, in.p + i, 1, sink, &p.c_plain);
        cr_assert_geq(r, 0);
        total += r;
    }
    bfree(&in);
    cr_assert_eq(total, (int)sizeof ok200 - 1);
    cr_assert_eq(memcmp(p.c_plain.p, ok200, p.c_plain.n), 0);
    pair_free(&p);
    free_cert(sc);
}

/* RFC 5922 §7.3: the server's certificate must carry the target domain:
 * a wrong domain fails the client's handshake (the server gets the alert). */
Test(tls, wrong_domain_fails_identity)
{
    cert sc = make_cert(NULL, "URI:sip:example.com");
    pair p;
    make_pair(&p, client_ctx(&sc), server_ctx(sc), "other.example", NULL, NULL);
    pump(&p);
    cr_assert_eq(p.c_rc, SIP_ERR_TLS_IDENTITY, "%d", p.c_rc);
    cr_assert_eq(sip_tls_established(p.c), 0);
    cr_assert_neq(strstr(sip_tls_reason(p.c), "other.example"), NULL, "%s", sip_tls_reason(p.c));
    cr_assert_eq(p.s_rc, SIP_ERR_TLS_HANDSHAKE, "server sees the alert: %d", p.s_rc);
    /* sticky */
    cr_assert_eq(sip_tls_output(p.c, (const uint8_t *)"x", 1, sink, &p.c2s), SIP_ERR_TLS_IDENTITY);
    pair_free(&p);
    free_cert(sc);
}

/* An untrusted (self-signed, not in the store) server: SIP_ERR_TLS_VERIFY;
 * the verify callback sees the chain result and may accept anyway. */
typedef struct seen {
    long chain;
    int identity, calls, answer;
} seen;

static int verify_cb(void *user, sip_tls *t, X509 *peer, long chain, int identity_ok)
{
    seen *s = (seen *)user;
    cr_assert(t && peer);
    s->chain = chain;
    s->identity = identity_ok;
    s->calls++;
    return s->answer;
}

Test(tls, untrusted_chain_and_verify_callback)
{
    cert sc = make_cert(NULL, "DNS:example.com");
    pair p;
    seen s;
    make_pair(&p, client_ctx(NULL), server_ctx(sc), "example.com", NULL, NULL);
    pump(&p);
    cr_assert_eq(p.c_rc, SIP_ERR_TLS_VERIFY, "%d", p.c_rc);
    pair_free(&p);
    memset(&s, 0, sizeof s);
    s.answer = 1;
    make_pair(&p, client_ctx(NULL), server_ctx(sc), "example.com", verify_cb, &s);
    pump(&p);
    cr_assert_eq(sip_tls_established(p.c), 1);
    cr_assert_eq(s.calls, 1, "called once per handshake");
    cr_assert_eq(s.chain, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    cr_assert_eq(s.identity, 1);
    pair_free(&p);
    /* a trusted, matching peer the application rejects */
    memset(&s, 0, sizeof s);
    make_pair(&p, client_ctx(&sc), server_ctx(sc), "example.com", verify_cb, &s);
    pump(&p);
    cr_assert_eq(s.chain, X509_V_OK);
    cr_assert_eq(p.c_rc, SIP_ERR_TLS_REJECTED);
    pair_free(&p);
    free_cert(sc);
}

/* close_notify (RFC 8446 §6.1): the peer sees SIP_ERR_TLS_CLOSED after the
 * data sent before it; neither side writes afterwards. */
Test(tls, close_notify)
{
    cert sc = make_cert(NULL, "DNS:example.com");
    pair p;
    make_pair(&p, client_ctx(&sc), server_ctx(sc), "example.com", NULL, NULL);
    pump(&p);
    cr_assert_eq(sip_tls_output(p.c, (const uint8_t *)invite, sizeof invite - 1, sink, &p.c2s), 0);
    cr_assert_eq(sip_tls_close(p.c, sink, &p.c2s), 0);
    cr_assert_eq(sip_tls_close(p.c, sink, &p.c2s), 0, "second close sends nothing");
    cr_assert_eq(sip_tls_output(p.c, (const uint8_t *)"x", 1, sink, &p.c2s), SIP_ERR_TLS_STATE);
    pump(&p);
    cr_assert_eq(p.s_rc, SIP_ERR_TLS_CLOSED);
    cr_assert_eq(p.s_plain.n, sizeof invite - 1, "data before close_notify delivered");
    cr_assert_eq(sip_tls_input(p.s, NULL, 0, sink, &p.s_plain), SIP_ERR_TLS_CLOSED);
    cr_assert_eq(sip_tls_output(p.s, (const uint8_t *)"x", 1, sink, &p.s2c), SIP_ERR_TLS_STATE);
    pair_free(&p);
    free_cert(sc);
}

/* A failing plain_out: SIP_ERR_TLS_CALLBACK; the next input delivers the
 * rest. Garbage after the handshake: SIP_ERR_TLS_PROTOCOL. */
Test(tls, callback_failure_and_garbage)
{
    cert sc = make_cert(NULL, "DNS:example.com");
    pair p;
    buf in;
    make_pair(&p, client_ctx(&sc), server_ctx(sc), "example.com", NULL, NULL);
    pump(&p);
    cr_assert_eq(sip_tls_output(p.c, (const uint8_t *)invite, sizeof invite - 1, sink, &p.c2s), 0);
    in = p.c2s;
    memset(&p.c2s, 0, sizeof p.c2s);
    p.s_plain.fail = 1;
    cr_assert_eq(sip_tls_input(p.s, in.p, in.n, sink, &p.s_plain), SIP_ERR_TLS_CALLBACK);
    p.s_plain.fail = 0;
    cr_assert_eq(sip_tls_input(p.s, NULL, 0, sink, &p.s_plain), (int)sizeof invite - 1);
    bfree(&in);
    cr_assert_eq(sip_tls_input(p.s, (const uint8_t *)"\x17\x03\x03\x00\x05hello", 10, sink, &p.s_plain),
                 SIP_ERR_TLS_PROTOCOL);
    cr_assert_str_neq(sip_tls_reason(p.s), "");
    cr_assert_eq(sip_tls_input(p.s, NULL, 0, sink, &p.s_plain), SIP_ERR_TLS_PROTOCOL, "sticky");
    pair_free(&p);
    free_cert(sc);
}

/* The small configuration: CA file, certificate and key files, written
 * here to temporary PEM files; mutual TLS with the client's domain. */
static void write_pem(char *path, const cert *c, int key)
{
    int fd;
    FILE *f;
    strcpy(path, "/tmp/cvoip-tls-XXXXXX");
    fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    f = fdopen(fd, "w");
    cr_assert(f);
    if (key) cr_assert_eq(PEM_write_PrivateKey(f, c->key, NULL, NULL, 0, NULL, NULL), 1);
    else cr_assert_eq(PEM_write_X509(f, c->x), 1);
    fclose(f);
}

Test(tls, config_files_and_mutual_tls)
{
    cert sc = make_cert(NULL, "URI:sip:example.com");
    cert cc = make_cert(NULL, "URI:sip:client.example");
    char s_crt[64], s_key[64], c_crt[64], c_key[64];
    sip_tls_config ccfg, scfg;
    sip_tls *t;
    pair p;
    write_pem(s_crt, &sc, 0), write_pem(s_key, &sc, 1);
    write_pem(c_crt, &cc, 0), write_pem(c_key, &cc, 1);
    memset(&ccfg, 0, sizeof ccfg);
    memset(&scfg, 0, sizeof scfg);
    ccfg.domain = "example.com";
    ccfg.ca_file = s_crt;
    ccfg.cert_file = c_crt;
    ccfg.key_file = c_key;
    scfg.server = 1;
    scfg.ca_file = c_crt;
    scfg.cert_file = s_crt;
    scfg.key_file = s_key;
    scfg.request_client_cert = 1;
    scfg.domain = "client.example";
    memset(&p, 0, sizeof p);
    cr_assert_eq(sip_tls_new(&p.c, &ccfg), 0);
    cr_assert_eq(sip_tls_new(&p.s, &scfg), 0);
    pump(&p);
    cr_assert_eq(sip_tls_established(p.c), 1, "%s", sip_tls_reason(p.c));
    cr_assert_eq(sip_tls_established(p.s), 1, "%s", sip_tls_reason(p.s));
    cr_assert_eq(sip_tls_identity_check(sip_tls_peer_cert(p.s), sip_str_c("client.example")), 1);
    pair_free(&p);
    /* the server wants another client domain */
    scfg.domain = "else.example";
    memset(&p, 0, sizeof p);
    cr_assert_eq(sip_tls_new(&p.c, &ccfg), 0);
    cr_assert_eq(sip_tls_new(&p.s, &scfg), 0);
    pump(&p);
    cr_assert_eq(p.s_rc, SIP_ERR_TLS_IDENTITY);
    pair_free(&p);
    /* errors */
    scfg.key_file = "/nonexistent/key.pem";
    cr_assert_eq(sip_tls_new(&t, &scfg), SIP_ERR_TLS_CONFIG);
    cr_assert_null(t);
    scfg.key_file = c_key; /* does not match the certificate */
    cr_assert_eq(sip_tls_new(&t, &scfg), SIP_ERR_TLS_CONFIG);
    scfg.cert_file = NULL;
    scfg.key_file = NULL;
    cr_assert_eq(sip_tls_new(&t, &scfg), SIP_ERR_TLS_CONFIG, "a server needs a certificate");
    ccfg.domain = NULL;
    cr_assert_eq(sip_tls_new(&t, &ccfg), SIP_ERR_TLS_INVALID, "verifying needs a domain");
    ccfg.insecure = 1;
    cr_assert_eq(sip_tls_new(&t, &ccfg), 0);
    sip_tls_free(t);
    cr_assert_eq(sip_tls_new(NULL, &ccfg), SIP_ERR_TLS_INVALID);
    unlink(s_crt), unlink(s_key), unlink(c_crt), unlink(c_key);
    free_cert(sc);
    free_cert(cc);
}

/* ---- TLS through two connection tables (sip_tls_tp_filter) ---- */

/* Bytes each side's send callback produced, delivered by tt_pump so no
 * transport is entered from inside its own callback. */
typedef struct tt_side {
    sip_transport *t;
    sip_flow flow;
    uint8_t q[65536];
    size_t qn;
    int connected, messages;
    char last[256];
    SSL_CTX *ctx;
    int server;
} tt_side;

static tt_side tt_c, tt_s;

static const char tt_invite[] =
    "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TLS a.example;branch=z9hG4bK1\r\n"
    "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
    "Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
static const char tt_ok[] =
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS a.example;branch=z9hG4bK1\r\n"
    "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\n"
    "Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

static int tt_send(void *user, const sip_target *to, const uint8_t *b, size_t n)
{
    tt_side *me = (tt_side *)user;
    (void)to;
    cr_assert_leq(me->qn + n, sizeof me->q);
    memcpy(me->q + me->qn, b, n);
    me->qn += n;
    return (int)n;
}

static int tt_open(void *user, sip_flow flow, const sip_target *to)
{
    tt_side *me = (tt_side *)user;
    sip_tls_config cfg;
    sip_tls *tls;
    (void)to;
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = me->ctx;
    cfg.domain = "example.com";
    cr_assert_eq(sip_tls_new(&tls, &cfg), 0);
    cr_assert_eq(sip_transport_set_filter(me->t, flow, sip_tls_tp_filter(), tls), 0);
    me->flow = flow;
    return 0;
}

static void tt_connected(void *user, const sip_target *peer)
{
    (void)peer;
    ((tt_side *)user)->connected = 1;
}

static void tt_message(void *user, const sip_target *from, const sip_msg *msg, const char *raw,
                       size_t len, const sip_parse_error *err)
{
    tt_side *me = (tt_side *)user;
    (void)from, (void)err;
    cr_assert(msg != NULL);
    me->messages++;
    memcpy(me->last, raw, len < sizeof me->last - 1 ? len : sizeof me->last - 1);
}

static void tt_make(tt_side *me, int server, SSL_CTX *ctx)
{
    sip_transport_callbacks cb;
    memset(me, 0, sizeof *me);
    me->server = server;
    me->ctx = ctx;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = tt_send;
    cb.open = tt_open;
    cb.on_connected = tt_connected;
    cb.on_message = tt_message;
    cr_assert_eq(sip_transport_create(&me->t, NULL, &cb, me), 0);
}

/* Moves queued bytes across until both sides are quiet. */
static void tt_pump(void)
{
    int round;
    for (round = 0; round < 64 && (tt_c.qn || tt_s.qn); round++) {
        uint8_t buf[65536];
        size_t n;
        if (tt_c.qn) {
            n = tt_c.qn;
            memcpy(buf, tt_c.q, n);
            tt_c.qn = 0;
            cr_assert_eq(sip_transport_data(tt_s.t, tt_s.flow, buf, n, 1000), 0);
        }
        if (tt_s.qn) {
            n = tt_s.qn;
            memcpy(buf, tt_s.q, n);
            tt_s.qn = 0;
            cr_assert_eq(sip_transport_data(tt_c.t, tt_c.flow, buf, n, 1000), 0);
        }
    }
}

/* RFC 3261 §18 over TLS (§26.2.1): the connection table sends through the
 * filter; nothing is usable before the handshake, the message queued by
 * the client's first send goes out once it completes, and each table
 * frames the other's SIP messages from the decrypted stream. */
Test(tls, through_two_connection_tables_rfc3261_26_2_1)
{
    cert srv = make_cert("example.com", "DNS:example.com");
    SSL_CTX *sctx = server_ctx(srv), *cctx = client_ctx(&srv);
    sip_target to;
    sip_ipaddr a, b;
    sip_tls_config scfg;
    sip_tls *stls;
    tt_make(&tt_c, 0, cctx);
    tt_make(&tt_s, 1, sctx);
    cr_assert_eq(sip_ipaddr_parse(sip_str_c("192.0.2.1:40000"), &a), 0);
    cr_assert_eq(sip_ipaddr_parse(sip_str_c("192.0.2.2:5061"), &b), 0);
    memset(&to, 0, sizeof to);
    to.tp = SIP_TP_TLS;
    to.remote = b;
    /* the client's send opens a flow (tt_open installs the filter) */
    cr_assert_eq(sip_transport_send(tt_c.t, &to, tt_invite, sizeof tt_invite - 1, 1000, NULL), 0);
    cr_assert_neq(tt_c.flow, 0);
    memset(&scfg, 0, sizeof scfg);
    scfg.server = 1;
    scfg.ctx = sctx;
    cr_assert_eq(sip_tls_new(&stls, &scfg), 0);
    cr_assert_eq(sip_transport_accepted(tt_s.t, SIP_TP_TLS, &a, &b, sip_tls_tp_filter(), stls, 1000,
                                        &tt_s.flow), 0);
    cr_assert_eq(sip_transport_connected(tt_c.t, tt_c.flow, 1000), 0);
    cr_assert_eq(tt_c.connected, 0); /* not before the handshake */
    tt_pump();
    cr_assert(tt_c.connected && tt_s.connected);
    cr_assert_eq(tt_s.messages, 1);
    cr_assert(strstr(tt_s.last, "INVITE sip:bob@example.com SIP/2.0") == tt_s.last);
    /* and back on the same connection (§18.2.2) */
    memset(&to, 0, sizeof to);
    to.tp = SIP_TP_TLS;
    to.remote = a;
    to.flow = tt_s.flow;
    cr_assert_eq(sip_transport_send(tt_s.t, &to, tt_ok, sizeof tt_ok - 1, 2000, NULL), 0);
    tt_pump();
    cr_assert_eq(tt_c.messages, 1);
    cr_assert(strstr(tt_c.last, "SIP/2.0 200 OK") == tt_c.last);
    sip_transport_destroy(tt_c.t); /* on_close frees each sip_tls */
    sip_transport_destroy(tt_s.t);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    free_cert(srv);
}
#endif /* SIP_USE_OPENSSL */
