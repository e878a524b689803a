/* fuzz_parse.c - sip_parse() on arbitrary bytes, then every accessor.
 *
 * Input: one selector byte, then the message bytes.
 *   bit 0    SIP_PARSE_DATAGRAM (else stream mode, plus sip_frame_stream)
 *   bit 1    SIP_PARSE_NO_SEMANTIC
 *   bit 2    room for only 8 header values (else 128)
 *   bit 3    small limits: max_header_line 256, max_message 2048
 *   bits 4-7 step of the incremental sip_frame_stream feed (1 + 13 * k)
 *
 * Properties checked (trap on violation): every span of the result lies in
 * the message bytes; msg_len and the return agree; ids match their names;
 * sip_msg_find over all ids visits each value once and agrees with
 * sip_msg_count; the body matches Content-Length; sip_msg_validate gives 0
 * or a syntax error inside the message; on streams,
 * sip_frame_stream agrees with itself fed in pieces and with sip_parse.
 */
#define SIP_IMPLEMENTATION
#include "sip.h"
#include "fuzz.h"

#define CAP_BIG 128
#define IS_FATAL(r) ((r) < 0 && (r) != SIP_ERR_PARTIAL)
#define CAP_SMALL 8

static int is_addr_header(sip_hdr_id id)
{
    switch (id) {
    case SIP_HDR_FROM: case SIP_HDR_TO: case SIP_HDR_CONTACT:
    case SIP_HDR_ROUTE: case SIP_HDR_RECORD_ROUTE: case SIP_HDR_REFER_TO:
    case SIP_HDR_REFERRED_BY: case SIP_HDR_REPLY_TO: case SIP_HDR_PATH:
    case SIP_HDR_P_ASSERTED_IDENTITY: case SIP_HDR_P_PREFERRED_IDENTITY:
    case SIP_HDR_SERVICE_ROUTE:
        return 1;
    default:
        return 0;
    }
}

static void check_request(const sip_msg *m, const char *buf, size_t n)
{
    static const char *const tags[] = {"100rel", "timer", "replaces", NULL};
    static const char *const types[] = {"application/sdp", NULL};
    static const char *const schemes[] = {"sip", "sips", NULL};
    sip_check_policy pol;
    sip_check_result res;
    int k, st;
    for (k = 0; k < 3; k++) {
        memset(&pol, 0, sizeof pol);
        if (k == 1) pol.is_proxy = 1;
        if (k == 2) {
            pol.supported = tags;
            pol.content_types = types;
            pol.schemes = schemes;
            pol.allowed_methods = (1u << SIP_METHOD_INVITE) | (1u << SIP_METHOD_ACK) |
                                  (1u << SIP_METHOD_BYE) | (1u << SIP_METHOD_OPTIONS);
        }
        memset(&res, 0, sizeof res);
        st = sip_request_check(m, &pol, &res);
        FUZZ_CHECK(st == res.status);
        FUZZ_CHECK(st == 0 || (st >= 400 && st <= 699));
        if (st) fuzz_cstr(res.reason);
        fuzz_span_in(res.unsupported, buf, n);
    }
}

static void check_msg(const sip_msg *m, const sip_hdr *hdrs, size_t cap,
                      const char *buf, size_t n)
{
    size_t i, pos, total = 0, found;
    int id;
    const sip_hdr *h;

    FUZZ_CHECK(m->hdrs == hdrs || m->n_hdrs == 0);
    FUZZ_CHECK(m->n_hdrs <= cap);
    fuzz_span_in(m->start_line, buf, n);
    fuzz_span_in(m->version, buf, n);
    fuzz_span_in(m->body, buf, n);
    fuzz_span_in(m->call_id, buf, n);
    if (m->is_request) {
        fuzz_span_in(m->method_str, buf, n);
        fuzz_span_in(m->ruri_str, buf, n);
        FUZZ_CHECK(m->method == sip_method_from_str(m->method_str));
        fuzz_uri(&m->ruri, buf, n);
    } else {
        fuzz_span_in(m->reason, buf, n);
        FUZZ_CHECK(m->status >= 100 && m->status <= 699);
    }
    if (m->present & SIP_HOT_VIA) fuzz_via(&m->via, buf, n);
    if (m->present & SIP_HOT_FROM) fuzz_addr(&m->from, buf, n);
    if (m->present & SIP_HOT_TO) fuzz_addr(&m->to, buf, n);
    if (m->present & SIP_HOT_CSEQ) fuzz_span_in(m->cseq.method_str, buf, n);
    FUZZ_CHECK(m->max_forwards >= -1 && m->max_forwards <= 255);
    if (m->content_length >= 0)
        FUZZ_CHECK(m->body.len == (size_t)m->content_length);

    for (i = 0; i < m->n_hdrs; i++) {
        h = &m->hdrs[i];
        fuzz_span_in(h->name, buf, n);
        fuzz_span_in(h->value, buf, n);
        fuzz_span_in(h->field, buf, n);
        FUZZ_CHECK(h->id == sip_hdr_id_from_name(h->name));
        FUZZ_CHECK(h->index < h->count);
        pos = 0;
        FUZZ_CHECK(sip_msg_find_name(m, h->name, &pos) != NULL);
    }

    /* every id: find visits each value once and agrees with count */
    for (id = 0; id < SIP_HDR_COUNT_; id++) {
        found = 0;
        pos = 0;
        while ((h = sip_msg_find(m, (sip_hdr_id)id, &pos)) != NULL) {
            FUZZ_CHECK(h->id == (sip_hdr_id)id);
            FUZZ_CHECK(found < m->n_hdrs);
            found++;
            if (id == SIP_HDR_VIA) {
                sip_via v;
                memset(&v, 0, sizeof v);
                if (sip_via_parse(h->value, &v) == 0) fuzz_via(&v, buf, n);
            } else if (is_addr_header((sip_hdr_id)id)) {
                sip_addr a;
                memset(&a, 0, sizeof a);
                if (sip_addr_parse(h->value, &a) == 0) fuzz_addr(&a, buf, n);
            }
        }
        FUZZ_CHECK(found == sip_msg_count(m, (sip_hdr_id)id));
        if (id == SIP_HDR_VIA && (m->present & SIP_HOT_VIA))
            FUZZ_CHECK(found == m->n_via);
        total += found;
    }
    FUZZ_CHECK(total == m->n_hdrs);

    /* the deep check of the values sip_parse leaves untyped */
    {
        sip_parse_error verr;
        int v;
        memset(&verr, 0, sizeof verr);
        v = sip_msg_validate(m, &verr);
        FUZZ_CHECK(v == 0 || v == SIP_ERR_SYNTAX);
        if (v) {
            FUZZ_CHECK(verr.code == v && verr.offset <= n);
            fuzz_cstr(verr.reason);
            FUZZ_CHECK(verr.status == 0 || verr.status == 400);
            FUZZ_CHECK(verr.status == 0 || m->is_request);
        }
        FUZZ_CHECK(sip_msg_validate(m, NULL) == v);
    }

    if (m->is_request) check_request(m, buf, n);
}

/* sip_frame_stream fed in pieces must agree with one call on all bytes. */
static int frame_pieces(const char *buf, size_t len, size_t max, size_t step)
{
    sip_stream_state st;
    size_t have = 0;
    int r = SIP_ERR_PARTIAL;
    memset(&st, 0, sizeof st);
    while (have < len) {
        have = (len - have > step) ? have + step : len;
        r = sip_frame_stream(buf, have, max, &st);
        FUZZ_CHECK(st.scanned <= have);
        if (r != SIP_ERR_PARTIAL) break;
    }
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sip_parse_config cfg;
    sip_parse_error err;
    sip_hdr hdrs[CAP_BIG];
    sip_msg m;
    size_t len, cap;
    unsigned sel;
    char *buf;
    int r;

    if (size < 1) return 0;
    sel = data[0];
    len = size - 1;
    buf = fuzz_dup(data + 1, len);

    memset(&cfg, 0, sizeof cfg);
    if (sel & 1) cfg.flags |= SIP_PARSE_DATAGRAM;
    if (sel & 2) cfg.flags |= SIP_PARSE_NO_SEMANTIC;
    cap = (sel & 4) ? CAP_SMALL : CAP_BIG;
    if (sel & 8) {
        cfg.max_header_line = 256;
        cfg.max_message = 2048;
    }

    memset(&m, 0, sizeof m);
    memset(&err, 0, sizeof err);
    r = sip_parse(buf, len, &cfg, &m, hdrs, cap, &err);
    if (r > 0) {
        FUZZ_CHECK((size_t)r == m.msg_len && m.msg_len <= len);
        check_msg(&m, hdrs, cap, buf, m.msg_len);
    } else {
        FUZZ_CHECK(r < 0 && r == err.code);
        FUZZ_CHECK(err.offset <= len);
        fuzz_cstr(err.reason);
        fuzz_cstr(sip_strerror(r));
        FUZZ_CHECK(err.status == 0 || (err.status >= 400 && err.status <= 599));
        FUZZ_CHECK(r != SIP_ERR_PARTIAL || !(cfg.flags & SIP_PARSE_DATAGRAM));
    }
    /* the same call with err == NULL must give the same verdict */
    FUZZ_CHECK(sip_parse(buf, len, &cfg, &m, hdrs, cap, NULL) == r);

    if (!(cfg.flags & SIP_PARSE_DATAGRAM)) {
        size_t max = cfg.max_message ? cfg.max_message : SIP_MAX_MESSAGE;
        sip_stream_state st;
        int whole, pieces;
        memset(&st, 0, sizeof st);
        whole = sip_frame_stream(buf, len, max, &st);
        FUZZ_CHECK(whole == SIP_ERR_PARTIAL || whole < 0 ||
                   ((size_t)whole > 0 && (size_t)whole <= len));
        pieces = frame_pieces(buf, len, max, 1 + 13 * (size_t)(sel >> 4));
        /* Both fatal: the kind may differ (TOO_BIG in pieces, bad
         * Content-Length at once, fuzz/findings/parse-2); both say "close
         * the connection", so only that is required unless FUZZ_STRICT. */
        if (FUZZ_STRICT || !(IS_FATAL(pieces) && IS_FATAL(whole)))
            FUZZ_CHECK(pieces == whole);
        /* a message the parser accepts frames to the same length */
        if (r > 0) FUZZ_CHECK(whole == r);
    }
    free(buf);
    return 0;
}
