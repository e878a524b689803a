/* fuzz_tp_common.h - recorder shared by the transport fuzz targets
 * (fuzz_stream.c, fuzz_ws.c): what a transport did, as one byte log, so
 * two runs on the same bytes cut differently can be compared. */
#ifndef FUZZ_TP_COMMON_H
#define FUZZ_TP_COMMON_H

typedef struct ftp_rec {
    sip_transport *t;
    uint8_t *log;          /* events and output bytes, in order */
    size_t len, cap;
    size_t msgs, disc;
    uint8_t rnd;
} ftp_rec;

static void ftp_put(ftp_rec *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        r->cap = (r->len + n) * 2 + 256;
        r->log = (uint8_t *)realloc(r->log, r->cap);
        if (!r->log) abort();
    }
    if (n) memcpy(r->log + r->len, p, n);
    r->len += n;
}

static void ftp_tag(ftp_rec *r, char tag, long v)
{
    ftp_put(r, &tag, 1);
    ftp_put(r, &v, sizeof v);
}

/* The socket takes everything; what leaves is logged as one stream (so
 * where the writes were cut does not matter). */
static int ftp_send(void *user, const sip_target *to, const uint8_t *b, size_t n)
{
    ftp_rec *r = (ftp_rec *)user;
    FUZZ_CHECK(to != NULL && b != NULL && n > 0);
    fuzz_sink_ += b[0] + b[n - 1];
    ftp_put(r, "W", 1);
    ftp_put(r, b, n);
    return (int)n;
}

static void ftp_disc(void *user, const sip_target *peer, sip_tp_disc reason, int detail)
{
    ftp_rec *r = (ftp_rec *)user;
    (void)peer;
    r->disc++;
    ftp_tag(r, 'D', (long)reason * 100000 + detail);
}

static void ftp_msg(void *user, const sip_target *from, const sip_msg *m, const char *raw,
                    size_t len, const sip_parse_error *err)
{
    ftp_rec *r = (ftp_rec *)user;
    FUZZ_CHECK(from != NULL && raw != NULL && len > 0);
    FUZZ_CHECK((m == NULL) == (err != NULL));
    if (m) {
        FUZZ_CHECK(m->msg_len <= len);
        fuzz_span_in(m->start_line, raw, len);
        fuzz_span_in(m->call_id, raw, len);
        fuzz_span_in(m->body, raw, len);
        fuzz_via(&m->via, raw, len);
    } else {
        fuzz_cstr(err->reason ? err->reason : "");
    }
    r->msgs++;
    ftp_tag(r, m ? 'M' : 'E', (long)len);
    ftp_put(r, raw, len);
}

static void ftp_ka(void *user, const sip_target *from, sip_tp_ka kind, const uint8_t *b, size_t n)
{
    (void)from, (void)b, (void)n;
    ftp_tag((ftp_rec *)user, 'K', kind);
}

static void ftp_conn(void *user, const sip_target *peer)
{
    (void)peer;
    ftp_tag((ftp_rec *)user, 'C', 0);
}

static int ftp_rng(void *user, uint8_t *b, size_t n)
{
    ftp_rec *r = (ftp_rec *)user;
    size_t i;
    for (i = 0; i < n; i++) b[i] = (uint8_t)(r->rnd++ * 151u + 7u);
    return 0;
}

static void ftp_init(ftp_rec *r, const sip_transport_config *cfg)
{
    sip_transport_callbacks cb;
    memset(r, 0, sizeof *r);
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = ftp_send;
    cb.on_connected = ftp_conn;
    cb.on_disconnected = ftp_disc;
    cb.on_message = ftp_msg;
    cb.on_keepalive = ftp_ka;
    cb.rng = ftp_rng;
    if (sip_transport_create(&r->t, cfg, &cb, r) != 0) abort();
}

static void ftp_fini(ftp_rec *r)
{
    sip_transport_destroy(r->t);
    free(r->log);
}

#endif
