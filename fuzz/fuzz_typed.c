/* fuzz_typed.c - the typed header value parsers.
 *
 * Input: one selector byte (modulo the number of parsers below), then the
 * header value, parsed from an exact-size copy.
 *
 * Properties checked: results are 0 or a SIP_ERR_*; on success every span
 * lies in the value; numbers are in their documented ranges; a parsed date
 * is a real date whose unix_time matches its fields; iterators advance.
 */
#define SIP_IMPLEMENTATION
#include "sip.h"
#include "fuzz.h"

enum {
    P_VIA, P_ADDR, P_CSEQ, P_MEDIA, P_TOKENS, P_ALLOW, P_RETRY_AFTER, P_RACK,
    P_EVENT, P_SUB_STATE, P_REPLACES, P_SESSION_EXPIRES, P_DATE, P_TIMESTAMP,
    P_WARNING, P_REASON, P_PARAMS, P_UINT, P_COUNT
};

#define IS_ERR(r) ((r) <= -100 && (r) >= -199)

/* Days since 1970-01-01 of a proleptic Gregorian date (March-based year
 * so that the leap day is the last day of the year). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void check_date(const sip_date *d)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t days;
    FUZZ_CHECK(d->month >= 1 && d->month <= 12);
    FUZZ_CHECK(d->day >= 1 && d->day <= mdays[d->month - 1]);
    FUZZ_CHECK(d->hour >= 0 && d->hour <= 23);
    FUZZ_CHECK(d->minute >= 0 && d->minute <= 59);
    FUZZ_CHECK(d->second >= 0 && d->second <= 60);
    FUZZ_CHECK(d->wkday >= 0 && d->wkday <= 6);
    FUZZ_CHECK(d->year >= 0 && d->year <= 9999);
    if (d->month == 2 && d->day == 29)
        FUZZ_CHECK((d->year % 4 == 0 && d->year % 100 != 0) || d->year % 400 == 0);
    days = days_from_civil(d->year, d->month, d->day);
    FUZZ_CHECK(d->unix_time ==
               days * 86400 + d->hour * 3600 + d->minute * 60 + d->second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *b;
    size_t n;
    sip_str s;
    int r = 0;
    char *buf;

    if (size < 1) return 0;
    n = size - 1;
    buf = fuzz_dup(data + 1, n);
    b = buf;
    s.p = buf;
    s.len = n;

    switch (data[0] % P_COUNT) {
    case P_VIA: {
        sip_via v;
        memset(&v, 0, sizeof v);
        r = sip_via_parse(s, &v);
        if (r == 0) fuzz_via(&v, b, n);
        break;
    }
    case P_ADDR: {
        sip_addr a;
        memset(&a, 0, sizeof a);
        r = sip_addr_parse(s, &a);
        if (r == 0) fuzz_addr(&a, b, n);
        break;
    }
    case P_CSEQ: {
        sip_cseq c;
        memset(&c, 0, sizeof c);
        r = sip_cseq_parse(s, &c);
        if (r == 0) {
            fuzz_span_in(c.method_str, b, n);
            FUZZ_CHECK(c.method == sip_method_from_str(c.method_str));
        }
        break;
    }
    case P_MEDIA: {
        sip_media_type t;
        memset(&t, 0, sizeof t);
        r = sip_media_type_parse(s, &t);
        if (r == 0) {
            fuzz_span_in(t.type, b, n);
            fuzz_span_in(t.subtype, b, n);
            fuzz_span_in(t.params, b, n);
            fuzz_params(t.params, b, n);
        }
        break;
    }
    case P_TOKENS: {
        size_t pos = 0, last;
        sip_str tok;
        int steps = 0;
        for (;;) {
            last = pos;
            r = sip_token_next(s, &pos, &tok);
            if (r != 1) break;
            fuzz_span_in(tok, b, n);
            FUZZ_CHECK(tok.len > 0);
            FUZZ_CHECK(pos > last);
            FUZZ_CHECK(++steps <= (int)n + 1);
        }
        break;
    }
    case P_ALLOW: {
        uint32_t mask = 0;
        int other = 0;
        r = sip_allow_parse(s, &mask, &other);
        if (r >= 0) FUZZ_CHECK((mask >> SIP_METHOD_COUNT_) == 0);
        if (r > 0) r = 0;
        break;
    }
    case P_RETRY_AFTER: {
        sip_retry_after ra;
        memset(&ra, 0, sizeof ra);
        r = sip_retry_after_parse(s, &ra);
        if (r == 0) {
            fuzz_span_in(ra.comment, b, n);
            fuzz_span_in(ra.params, b, n);
            fuzz_params(ra.params, b, n);
            FUZZ_CHECK(ra.has_duration || ra.duration == 0);
        }
        break;
    }
    case P_RACK: {
        sip_rack k;
        memset(&k, 0, sizeof k);
        r = sip_rack_parse(s, &k);
        if (r == 0) {
            fuzz_span_in(k.method_str, b, n);
            FUZZ_CHECK(k.method == sip_method_from_str(k.method_str));
        }
        break;
    }
    case P_EVENT: {
        sip_event e;
        memset(&e, 0, sizeof e);
        r = sip_event_parse(s, &e);
        if (r == 0) {
            fuzz_span_in(e.package, b, n);
            fuzz_span_in(e.id, b, n);
            fuzz_span_in(e.params, b, n);
            fuzz_params(e.params, b, n);
        }
        break;
    }
    case P_SUB_STATE: {
        sip_sub_state ss;
        memset(&ss, 0, sizeof ss);
        r = sip_sub_state_parse(s, &ss);
        if (r == 0) {
            fuzz_span_in(ss.state, b, n);
            fuzz_span_in(ss.reason, b, n);
            fuzz_span_in(ss.params, b, n);
            fuzz_params(ss.params, b, n);
        }
        break;
    }
    case P_REPLACES: {
        sip_replaces rp;
        memset(&rp, 0, sizeof rp);
        r = sip_replaces_parse(s, &rp);
        if (r == 0) {
            fuzz_span_in(rp.call_id, b, n);
            fuzz_span_in(rp.to_tag, b, n);
            fuzz_span_in(rp.from_tag, b, n);
            fuzz_span_in(rp.params, b, n);
            fuzz_params(rp.params, b, n);
            /* both tags are required (RFC 3891 §6.1) */
            FUZZ_CHECK(rp.to_tag.p != NULL && rp.from_tag.p != NULL);
        }
        break;
    }
    case P_SESSION_EXPIRES: {
        sip_session_expires se;
        memset(&se, 0, sizeof se);
        r = sip_session_expires_parse(s, &se);
        if (r == 0) {
            fuzz_span_in(se.refresher, b, n);
            fuzz_span_in(se.params, b, n);
            fuzz_params(se.params, b, n);
        }
        break;
    }
    case P_DATE: {
        sip_date d;
        memset(&d, 0, sizeof d);
        r = sip_date_parse(s, &d);
        if (r == 0) check_date(&d);
        break;
    }
    case P_TIMESTAMP: {
        sip_timestamp t;
        memset(&t, 0, sizeof t);
        r = sip_timestamp_parse(s, &t);
        if (r == 0) {
            fuzz_span_in(t.value, b, n);
            fuzz_span_in(t.delay, b, n);
        }
        break;
    }
    case P_WARNING: {
        sip_warning w;
        memset(&w, 0, sizeof w);
        r = sip_warning_parse(s, &w);
        if (r == 0) {
            fuzz_span_in(w.agent, b, n);
            fuzz_span_in(w.text, b, n);
            FUZZ_CHECK(w.code <= 999); /* 3DIGIT */
        }
        break;
    }
    case P_REASON: {
        sip_reason rs;
        memset(&rs, 0, sizeof rs);
        r = sip_reason_parse(s, &rs);
        if (r == 0) {
            fuzz_span_in(rs.protocol, b, n);
            fuzz_span_in(rs.text, b, n);
            fuzz_span_in(rs.params, b, n);
            fuzz_params(rs.params, b, n);
        }
        break;
    }
    case P_PARAMS:
        fuzz_params(s, b, n);
        r = 0;
        break;
    case P_UINT: {
        uint32_t v = 0, max = n ? (uint32_t)(unsigned char)b[0] * 16777619u : 0;
        r = sip_uint_parse(s, max, &v);
        if (r == 0) FUZZ_CHECK(v <= max);
        break;
    }
    default:
        break;
    }
    FUZZ_CHECK(r == 0 || IS_ERR(r));
    free(buf);
    return 0;
}
