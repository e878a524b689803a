/* sipmsg - parse and validate SIP messages, print the parse or the error.
 *
 *     sipmsg [--json] FILE...        (FILE "-" is stdin)
 *
 * Each file holds one message and is parsed as one datagram
 * (SIP_PARSE_DATAGRAM: a missing Content-Length means "the rest", bytes
 * after the message are ignored and reported). For a valid message it prints
 * the start line, every header value (id, name as written, value), the typed
 * hot headers (top Via, From, To, Call-ID, CSeq, Max-Forwards,
 * Content-Length), the parsed Request-URI and the body length; for a
 * request also what a UAS with a default policy would answer. For an
 * invalid one it prints the error: code, text, byte offset (and line and
 * column), reason, and the status a server would answer.
 *
 * --json prints one JSON array with one object per file. Every byte outside
 * printable ASCII is written as \u00XX (the byte's value, so the output is
 * valid JSON for any input, NUL bytes and invalid UTF-8 included). Absent
 * values are null, present but empty ones "".
 *
 * The output depends only on the arguments and the file contents (no
 * addresses, times or locale), so it can be compared in tests.
 *
 * Exit status: 0 all messages valid, 1 some message invalid, 2 usage error
 * (no file, unknown option) or a file that cannot be read.
 */
#define SIP_IMPLEMENTATION
#include "sip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HDRS 1024

/* ---- small tables -------------------------------------------------------- */

static const char *const hdr_id_names[SIP_HDR_COUNT_] = {
    "OTHER",
#define X_(id, name, compact, list) #id,
    SIP_HEADERS_(X_)
#undef X_
};

static const char *hdr_id_name(sip_hdr_id id)
{
    return ((unsigned)id < SIP_HDR_COUNT_) ? hdr_id_names[id] : "OTHER";
}

static const char *err_name(int code)
{
    switch (code) {
    case SIP_OK: return "SIP_OK";
    case SIP_ERR_PARTIAL: return "SIP_ERR_PARTIAL";
    case SIP_ERR_SYNTAX: return "SIP_ERR_SYNTAX";
    case SIP_ERR_VERSION: return "SIP_ERR_VERSION";
    case SIP_ERR_TOO_BIG: return "SIP_ERR_TOO_BIG";
    case SIP_ERR_TOO_MANY_HEADERS: return "SIP_ERR_TOO_MANY_HEADERS";
    case SIP_ERR_LINE_TOO_LONG: return "SIP_ERR_LINE_TOO_LONG";
    case SIP_ERR_CONTENT_LENGTH: return "SIP_ERR_CONTENT_LENGTH";
    case SIP_ERR_RANGE: return "SIP_ERR_RANGE";
    case SIP_ERR_MISSING: return "SIP_ERR_MISSING";
    case SIP_ERR_DUPLICATE: return "SIP_ERR_DUPLICATE";
    case SIP_ERR_MISMATCH: return "SIP_ERR_MISMATCH";
    case SIP_ERR_NOSPACE: return "SIP_ERR_NOSPACE";
    case SIP_ERR_INVALID: return "SIP_ERR_INVALID";
    case SIP_ERR_NOT_FOUND: return "SIP_ERR_NOT_FOUND";
    case SIP_ERR_UNSUPPORTED: return "SIP_ERR_UNSUPPORTED";
    case SIP_ERR_CALLBACK: return "SIP_ERR_CALLBACK";
    default: return "SIP_ERR_UNKNOWN";
    }
}

static const char *scheme_name(sip_uri_scheme s)
{
    switch (s) {
    case SIP_URI_SIP: return "sip";
    case SIP_URI_SIPS: return "sips";
    case SIP_URI_TEL: return "tel";
    default: return "other";
    }
}

static const char *host_type_name(sip_host_type t)
{
    switch (t) {
    case SIP_HOST_DOMAIN: return "domain";
    case SIP_HOST_IPV4: return "ipv4";
    case SIP_HOST_IPV6: return "ipv6";
    default: return "none";
    }
}

/* ---- one input ----------------------------------------------------------- */

typedef struct input {
    const char *name;    /* as given on the command line */
    char *data;
    size_t len;
    int io_errno;        /* nonzero: could not be read */
} input;

typedef struct result {
    int rc;              /* sip_parse() return */
    sip_msg msg;
    sip_parse_error err;
    int check_status;    /* requests: sip_request_check() with defaults */
    const char *check_reason;
} result;

static sip_hdr g_hdrs[MAX_HDRS];

static int read_stream(FILE *f, input *in)
{
    size_t cap = 65536, n;
    char *buf = (char *)malloc(cap);
    in->len = 0;
    if (!buf) return ENOMEM;
    for (;;) {
        if (in->len == cap) {
            char *nb = (char *)realloc(buf, cap * 2);
            if (!nb) { free(buf); return ENOMEM; }
            buf = nb;
            cap *= 2;
        }
        n = fread(buf + in->len, 1, cap - in->len, f);
        in->len += n;
        if (n == 0) break;
    }
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        free(buf);
        return e;
    }
    in->data = buf;
    return 0;
}

static void read_input(input *in)
{
    FILE *f;
    in->data = NULL;
    in->len = 0;
    in->io_errno = 0;
    if (strcmp(in->name, "-") == 0) {
        in->io_errno = read_stream(stdin, in);
        return;
    }
    errno = 0;
    f = fopen(in->name, "rb");
    if (!f) {
        in->io_errno = errno ? errno : ENOENT;
        return;
    }
    in->io_errno = read_stream(f, in);
    fclose(f);
}

static void parse_input(const input *in, result *r)
{
    sip_parse_config cfg;
    memset(&cfg, 0, sizeof cfg);
    memset(r, 0, sizeof *r);
    cfg.flags = SIP_PARSE_DATAGRAM;
    r->rc = sip_parse(in->data, in->len, &cfg, &r->msg, g_hdrs, MAX_HDRS, &r->err);
    /* a checking tool also types what sip_parse leaves to the layers that
     * use it (lower Vias, Contact, Route...); offsets count from the start
     * line, which a datagram parse puts at byte 0 */
    if (r->rc > 0) {
        int v = sip_msg_validate(&r->msg, &r->err);
        if (v < 0) r->rc = v;
    }
    if (r->rc > 0 && r->msg.is_request) {
        sip_check_policy pol;
        sip_check_result res;
        memset(&pol, 0, sizeof pol);
        memset(&res, 0, sizeof res);
        r->check_status = sip_request_check(&r->msg, &pol, &res);
        r->check_reason = res.reason;
    }
}

/* Line (1-based) and column (1-based, in bytes) of a byte offset. */
static void line_col(const input *in, size_t off, size_t *line, size_t *col,
                     size_t *line_start)
{
    size_t i, l = 1, s = 0;
    if (off > in->len) off = in->len;
    for (i = 0; i < off; i++)
        if (in->data[i] == '\n') {
            l++;
            s = i + 1;
        }
    *line = l;
    *col = off - s + 1;
    *line_start = s;
}

/* ---- text output ----------------------------------------------------------- */

/* Write bytes for a human: printable ASCII as is, \r \n \t, others \xNN.
 * Returns the number of columns written. */
static size_t txt_bytes(FILE *f, const char *p, size_t n)
{
    size_t i, w = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f) {
            fputc(c, f);
            w += 1;
        } else if (c == '\r') {
            fputs("\\r", f);
            w += 2;
        } else if (c == '\n') {
            fputs("\\n", f);
            w += 2;
        } else if (c == '\t') {
            fputs("\\t", f);
            w += 2;
        } else {
            fprintf(f, "\\x%02X", c);
            w += 4;
        }
    }
    return w;
}

static void txt_span(FILE *f, sip_str s)
{
    if (!s.p) fputs("-", f);
    else txt_bytes(f, s.p, s.len);
}

static void txt_field(FILE *f, const char *label)
{
    fprintf(f, "  %-16s", label);
}

static void txt_line(FILE *f, const char *label, sip_str s)
{
    txt_field(f, label);
    txt_span(f, s);
    fputc('\n', f);
}

static void txt_addr(FILE *f, const char *label, const sip_addr *a)
{
    txt_field(f, label);
    if (a->star) {
        fputs("*\n", f);
        return;
    }
    fputs("display=", f);
    if (a->display.p) {
        fputc('"', f);
        txt_span(f, a->display);
        fputc('"', f);
    } else {
        fputs("-", f);
    }
    fputs(" uri=", f);
    txt_span(f, a->uri.raw);
    fputs(" tag=", f);
    txt_span(f, a->tag);
    fputc('\n', f);
}

static void txt_port(FILE *f, int has, unsigned port)
{
    if (has) fprintf(f, "%u", port);
    else fputs("-", f);
}

static void txt_error(FILE *f, const input *in, const result *r)
{
    size_t line, col, ls, le, w;
    line_col(in, r->err.offset, &line, &col, &ls);
    fprintf(f, "%s: INVALID: %s (%s) at byte %lu (line %lu, column %lu)", in->name,
            err_name(r->rc), sip_strerror(r->rc), (unsigned long)r->err.offset,
            (unsigned long)line, (unsigned long)col);
    if (r->err.reason && r->err.reason[0]) fprintf(f, ": %s", r->err.reason);
    fputc('\n', f);
    if (r->err.status) fprintf(f, "  a server answers %d %s\n", r->err.status,
                               sip_reason_phrase(r->err.status));
    else fputs("  a server drops it without an answer\n", f);
    /* the line holding the offset, at most 120 bytes of it, with a caret */
    for (le = ls; le < in->len && in->data[le] != '\n' && le - ls < 120; le++)
        ;
    if (le < in->len && in->data[le] == '\n' && le > ls && in->data[le - 1] == '\r') le--;
    fputs("  | ", f);
    txt_bytes(f, in->data + ls, le - ls);
    fputs("\n  | ", f);
    w = r->err.offset >= ls ? r->err.offset - ls : 0;
    if (ls + w > le) w = le - ls; /* offset at the line end */
    {
        /* columns taken by the escaped bytes before the offset */
        size_t i, cols = 0;
        for (i = 0; i < w; i++) {
            unsigned char c = (unsigned char)in->data[ls + i];
            cols += (c >= 0x20 && c < 0x7f) ? 1 : (c == '\r' || c == '\n' || c == '\t') ? 2 : 4;
        }
        for (i = 0; i < cols; i++) fputc(' ', f);
    }
    fputs("^\n", f);
}

static void txt_result(FILE *f, const input *in, const result *r)
{
    const sip_msg *m = &r->msg;
    size_t i;

    if (in->io_errno) {
        fprintf(f, "%s: cannot read: %s\n", in->name, strerror(in->io_errno));
        return;
    }
    if (r->rc <= 0) {
        txt_error(f, in, r);
        return;
    }
    fprintf(f, "%s: valid %s, %lu bytes", in->name, m->is_request ? "request" : "response",
            (unsigned long)m->msg_len);
    if (m->msg_len < in->len)
        fprintf(f, " (%lu trailing bytes ignored)", (unsigned long)(in->len - m->msg_len));
    fputc('\n', f);
    txt_line(f, "start line", m->start_line);
    if (m->is_request) {
        txt_line(f, "method", m->method_str);
        txt_line(f, "request-uri", m->ruri_str);
        txt_line(f, "version", m->version);
        txt_field(f, "uri scheme");
        fputs(scheme_name(m->ruri.scheme), f);
        if (!sip_str_eq(m->ruri.scheme_str, sip_str_c(scheme_name(m->ruri.scheme)))) {
            fputs(" (written ", f);
            txt_span(f, m->ruri.scheme_str);
            fputc(')', f);
        }
        fputc('\n', f);
        txt_line(f, "uri user", m->ruri.user);
        txt_line(f, "uri password", m->ruri.password);
        txt_field(f, "uri host");
        txt_span(f, m->ruri.host);
        fprintf(f, " (%s)\n", host_type_name(m->ruri.host_type));
        txt_field(f, "uri port");
        txt_port(f, m->ruri.has_port, m->ruri.port);
        fputc('\n', f);
        txt_line(f, "uri params", m->ruri.params);
        txt_line(f, "uri headers", m->ruri.headers);
    } else {
        txt_line(f, "version", m->version);
        txt_field(f, "status");
        fprintf(f, "%lu\n", (unsigned long)m->status);
        txt_line(f, "reason", m->reason);
    }

    txt_field(f, "via");
    if (m->present & SIP_HOT_VIA) {
        txt_span(f, m->via.protocol);
        fputc('/', f);
        txt_span(f, m->via.version);
        fputc('/', f);
        txt_span(f, m->via.transport);
        fputs(" host=", f);
        txt_span(f, m->via.host);
        fprintf(f, " (%s) port=", host_type_name(m->via.host_type));
        txt_port(f, m->via.has_port, m->via.port);
        fputs(" branch=", f);
        txt_span(f, m->via.branch);
        fputs(" received=", f);
        txt_span(f, m->via.received);
        fputs(" rport=", f);
        if (!m->via.has_rport) fputs("-", f);
        else if (m->via.rport) fprintf(f, "%lu", (unsigned long)m->via.rport);
        else fputs("(empty)", f);
        fprintf(f, " [%lu Via value%s]\n", (unsigned long)m->n_via, m->n_via == 1 ? "" : "s");
    } else {
        fputs("-\n", f);
    }
    if (m->present & SIP_HOT_FROM) txt_addr(f, "from", &m->from);
    else txt_line(f, "from", sip_str_c(NULL));
    if (m->present & SIP_HOT_TO) txt_addr(f, "to", &m->to);
    else txt_line(f, "to", sip_str_c(NULL));
    txt_line(f, "call-id", m->call_id);
    txt_field(f, "cseq");
    if (m->present & SIP_HOT_CSEQ) {
        fprintf(f, "%lu ", (unsigned long)m->cseq.num);
        txt_span(f, m->cseq.method_str);
        fputc('\n', f);
    } else {
        fputs("-\n", f);
    }
    txt_field(f, "max-forwards");
    if (m->max_forwards >= 0) fprintf(f, "%d\n", m->max_forwards);
    else fputs("-\n", f);
    txt_field(f, "content-length");
    if (m->content_length >= 0) {
        fprintf(f, "%lld\n", (long long)m->content_length);
    } else {
        fputs("- (body is the rest of the datagram)\n", f);
    }
    txt_field(f, "body");
    fprintf(f, "%lu bytes\n", (unsigned long)m->body.len);
    if (m->is_request) {
        txt_field(f, "uas answer");
        if (r->check_status) fprintf(f, "%d %s\n", r->check_status,
                                     r->check_reason ? r->check_reason : "");
        else fputs("proceed\n", f);
    }
    txt_field(f, "headers");
    fprintf(f, "%lu value%s\n", (unsigned long)m->n_hdrs, m->n_hdrs == 1 ? "" : "s");
    for (i = 0; i < m->n_hdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        fprintf(f, "    %-22s ", hdr_id_name(h->id));
        txt_span(f, h->name);
        fputs(": ", f);
        txt_span(f, h->value);
        fputc('\n', f);
    }
}

/* ---- JSON output ----------------------------------------------------------- */

/* A tiny pretty-printing JSON writer: nesting levels, each either laid out
 * one member per line or compact on one line. */
typedef struct jw {
    FILE *f;
    int depth;
    int first[16];
    int compact[16];
} jw;

static void jw_indent(jw *w, int depth)
{
    int i;
    for (i = 0; i < depth; i++) fputs("  ", w->f);
}

static void jw_bytes(jw *w, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    fputc('"', w->f);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', w->f);
            fputc(c, w->f);
        } else if (c >= 0x20 && c < 0x7f) {
            fputc(c, w->f);
        } else {
            fputs("\\u00", w->f);
            fputc(hex[c >> 4], w->f);
            fputc(hex[c & 15], w->f);
        }
    }
    fputc('"', w->f);
}

/* Separator and key before a member (key NULL inside arrays). */
static void jw_key(jw *w, const char *key)
{
    if (w->depth > 0) {
        int d = w->depth - 1;
        if (!w->first[d]) fputc(',', w->f);
        if (w->compact[d]) {
            if (!w->first[d]) fputc(' ', w->f);
        } else {
            fputc('\n', w->f);
            jw_indent(w, w->depth);
        }
        w->first[d] = 0;
    }
    if (key) {
        jw_bytes(w, key, strlen(key));
        fputs(": ", w->f);
    }
}

static void jw_open(jw *w, const char *key, char bracket, int compact)
{
    jw_key(w, key);
    fputc(bracket, w->f);
    w->first[w->depth] = 1;
    w->compact[w->depth] = compact;
    w->depth++;
}

static void jw_close(jw *w, char bracket)
{
    int d = --w->depth;
    if (!w->compact[d] && !w->first[d]) {
        fputc('\n', w->f);
        jw_indent(w, d);
    }
    fputc(bracket, w->f);
}

static void jw_span(jw *w, const char *key, sip_str s)
{
    jw_key(w, key);
    if (s.p) jw_bytes(w, s.p, s.len);
    else fputs("null", w->f);
}

static void jw_cstr(jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    if (s) jw_bytes(w, s, strlen(s));
    else fputs("null", w->f);
}

static void jw_int(jw *w, const char *key, long long v)
{
    jw_key(w, key);
    fprintf(w->f, "%lld", v);
}

static void jw_null(jw *w, const char *key)
{
    jw_key(w, key);
    fputs("null", w->f);
}

static void jw_bool(jw *w, const char *key, int v)
{
    jw_key(w, key);
    fputs(v ? "true" : "false", w->f);
}

static void json_uri(jw *w, const char *key, const sip_uri *u)
{
    jw_open(w, key, '{', 0);
    jw_span(w, "raw", u->raw);
    jw_cstr(w, "scheme", scheme_name(u->scheme));
    jw_span(w, "scheme_as_written", u->scheme_str);
    jw_span(w, "user", u->user);
    jw_span(w, "password", u->password);
    jw_span(w, "host", u->host);
    jw_cstr(w, "host_type", host_type_name(u->host_type));
    if (u->has_port) jw_int(w, "port", u->port);
    else jw_null(w, "port");
    jw_span(w, "params", u->params);
    jw_span(w, "headers", u->headers);
    jw_close(w, '}');
}

static void json_addr(jw *w, const char *key, const sip_addr *a, int present)
{
    if (!present) {
        jw_null(w, key);
        return;
    }
    jw_open(w, key, '{', 0);
    jw_bool(w, "star", a->star);
    jw_span(w, "display", a->display);
    jw_span(w, "uri", a->star ? sip_str_c(NULL) : a->uri.raw);
    jw_span(w, "tag", a->tag);
    jw_span(w, "params", a->params);
    jw_close(w, '}');
}

static void json_result(jw *w, const input *in, const result *r)
{
    const sip_msg *m = &r->msg;
    size_t i;

    jw_open(w, NULL, '{', 0);
    jw_cstr(w, "file", in->name);
    if (in->io_errno) {
        jw_bool(w, "valid", 0);
        jw_cstr(w, "io_error", strerror(in->io_errno));
        jw_close(w, '}');
        return;
    }
    jw_bool(w, "valid", r->rc > 0);
    jw_int(w, "size", (long long)in->len);
    if (r->rc <= 0) {
        size_t line, col, ls;
        line_col(in, r->err.offset, &line, &col, &ls);
        jw_open(w, "error", '{', 0);
        jw_int(w, "code", r->rc);
        jw_cstr(w, "name", err_name(r->rc));
        jw_cstr(w, "message", sip_strerror(r->rc));
        jw_int(w, "offset", (long long)r->err.offset);
        jw_int(w, "line", (long long)line);
        jw_int(w, "column", (long long)col);
        jw_cstr(w, "reason", r->err.reason);
        if (r->err.status) jw_int(w, "status", r->err.status);
        else jw_null(w, "status");
        jw_close(w, '}');
        jw_close(w, '}');
        return;
    }
    jw_int(w, "msg_len", (long long)m->msg_len);
    jw_int(w, "trailing_bytes", (long long)(in->len - m->msg_len));
    jw_cstr(w, "kind", m->is_request ? "request" : "response");
    jw_span(w, "start_line", m->start_line);
    if (m->is_request) {
        jw_span(w, "method", m->method_str);
        jw_bool(w, "method_known", m->method != SIP_METHOD_OTHER);
        jw_span(w, "request_uri", m->ruri_str);
        jw_span(w, "version", m->version);
        json_uri(w, "ruri", &m->ruri);
    } else {
        jw_span(w, "version", m->version);
        jw_int(w, "status", (long long)m->status);
        jw_span(w, "reason", m->reason);
    }

    if (m->present & SIP_HOT_VIA) {
        jw_open(w, "via", '{', 0);
        jw_span(w, "protocol", m->via.protocol);
        jw_span(w, "version", m->via.version);
        jw_span(w, "transport", m->via.transport);
        jw_span(w, "host", m->via.host);
        jw_cstr(w, "host_type", host_type_name(m->via.host_type));
        if (m->via.has_port) jw_int(w, "port", m->via.port);
        else jw_null(w, "port");
        jw_span(w, "branch", m->via.branch);
        jw_span(w, "received", m->via.received);
        if (!m->via.has_rport) jw_null(w, "rport");
        else if (m->via.rport) jw_int(w, "rport", (long long)m->via.rport);
        else jw_bool(w, "rport", 1);
        jw_span(w, "maddr", m->via.maddr);
        if (m->via.ttl >= 0) jw_int(w, "ttl", m->via.ttl);
        else jw_null(w, "ttl");
        jw_span(w, "params", m->via.params);
        jw_int(w, "count", (long long)m->n_via);
        jw_close(w, '}');
    } else {
        jw_null(w, "via");
    }
    json_addr(w, "from", &m->from, (m->present & SIP_HOT_FROM) != 0);
    json_addr(w, "to", &m->to, (m->present & SIP_HOT_TO) != 0);
    jw_span(w, "call_id", m->call_id);
    if (m->present & SIP_HOT_CSEQ) {
        jw_open(w, "cseq", '{', 1);
        jw_int(w, "number", (long long)m->cseq.num);
        jw_span(w, "method", m->cseq.method_str);
        jw_close(w, '}');
    } else {
        jw_null(w, "cseq");
    }
    if (m->max_forwards >= 0) jw_int(w, "max_forwards", m->max_forwards);
    else jw_null(w, "max_forwards");
    if (m->content_length >= 0) jw_int(w, "content_length", (long long)m->content_length);
    else jw_null(w, "content_length");
    jw_int(w, "body_length", (long long)m->body.len);
    if (m->is_request) {
        jw_open(w, "uas_answer", '{', 1);
        if (r->check_status) {
            jw_int(w, "status", r->check_status);
            jw_cstr(w, "reason", r->check_reason);
        } else {
            jw_null(w, "status");
            jw_null(w, "reason");
        }
        jw_close(w, '}');
    }
    jw_open(w, "headers", '[', 0);
    for (i = 0; i < m->n_hdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        jw_open(w, NULL, '{', 1);
        jw_cstr(w, "id", hdr_id_name(h->id));
        jw_span(w, "name", h->name);
        jw_span(w, "value", h->value);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}

/* ---- main -------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: sipmsg [--json] FILE...\n"
          "  Parse each FILE (\"-\" for stdin) as one SIP message (a datagram) and\n"
          "  print the parse, or the error with its byte offset.\n"
          "  --json   one JSON array, one object per file\n"
          "exit: 0 all valid, 1 some invalid, 2 usage error or unreadable file\n",
          f);
}

int main(int argc, char **argv)
{
    int i, json = 0, nfiles = 0, done = 0, status = 0, opts = 1;
    input in;
    result *r;
    jw w;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = 0;
        } else if (opts && strcmp(a, "--json") == 0) {
            json = 1;
        } else if (opts && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            usage(stdout);
            return 0;
        } else if (opts && a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "sipmsg: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else {
            nfiles++;
        }
    }
    if (nfiles == 0) {
        usage(stderr);
        return 2;
    }
    r = (result *)malloc(sizeof *r);
    if (!r) {
        fputs("sipmsg: out of memory\n", stderr);
        return 2;
    }

    memset(&w, 0, sizeof w);
    w.f = stdout;
    if (json) jw_open(&w, NULL, '[', 0);
    opts = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) { opts = 0; continue; }
        if (opts && strcmp(a, "--json") == 0) continue;
        in.name = a;
        read_input(&in);
        if (in.io_errno) {
            fprintf(stderr, "sipmsg: %s: %s\n", a, strerror(in.io_errno));
            status = 2;
            memset(r, 0, sizeof *r);
        } else {
            parse_input(&in, r);
            if (r->rc <= 0 && status == 0) status = 1;
        }
        if (json) {
            json_result(&w, &in, r);
        } else {
            if (done) fputc('\n', stdout); /* a blank line between files */
            txt_result(stdout, &in, r);
        }
        free(in.data);
        done++;
    }
    if (json) {
        jw_close(&w, ']');
        fputc('\n', stdout);
    }
    free(r);
    if (fflush(stdout) != 0 || ferror(stdout)) return 2;
    return status;
}
