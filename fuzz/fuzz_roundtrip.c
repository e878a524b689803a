/* fuzz_roundtrip.c - parse, print, parse again: the round-trip guarantee.
 *
 * Input: one datagram. It is parsed with SIP_PARSE_DATAGRAM (and, when that
 * fails, again with SIP_PARSE_NO_SEMANTIC added); when it parses it is
 * printed with sip_msg_print() into an exact-size buffer and the output is
 * parsed with the same flags. Properties checked (trap on violation):
 *   - the sizing protocol: NULL buffer gives NOSPACE and the size, the size
 *     is enough, one byte less gives NOSPACE;
 *   - the output parses, as a whole (msg_len is all of it);
 *   - same start line, same header values (count, ids, names for unknown
 *     headers, values equal once LWS runs are collapsed to one SP: folding
 *     is normalised by printing), same body;
 *   - printing the second parse gives byte-identical output (stable).
 */
#define SIP_IMPLEMENTATION
#include "sip.h"
#include "fuzz.h"

#define CAP 256

static int is_lws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Equal once every run of SP/HTAB/CR/LF is one SP (values are trimmed). */
static int lws_eq(sip_str a, sip_str b)
{
    size_t i = 0, j = 0;
    for (;;) {
        int ea = i >= a.len, eb = j >= b.len;
        if (ea || eb) return ea && eb;
        if (is_lws(a.p[i]) || is_lws(b.p[j])) {
            if (!is_lws(a.p[i]) || !is_lws(b.p[j])) return 0;
            while (i < a.len && is_lws(a.p[i])) i++;
            while (j < b.len && is_lws(b.p[j])) j++;
            continue;
        }
        if (a.p[i] != b.p[j]) return 0;
        i++;
        j++;
    }
}

/* Print m into a new exact-size buffer; *len gets the bytes written. */
static char *print(const sip_msg *m, size_t *len)
{
    size_t needed = 0, needed2 = 0;
    char *out, *shorter;
    int r = sip_msg_print(NULL, 0, m, &needed);
    FUZZ_CHECK(r == SIP_ERR_NOSPACE);
    FUZZ_CHECK(needed > 0);
    out = fuzz_alloc(needed);
    r = sip_msg_print(out, needed, m, &needed2);
    /* needed is the buffer size: the bytes, maybe plus a NUL */
    FUZZ_CHECK(r > 0 && (size_t)r <= needed && needed - (size_t)r <= 1);
    shorter = fuzz_alloc(needed - 1);
    FUZZ_CHECK(sip_msg_print(shorter, needed - 1, m, &needed2) == SIP_ERR_NOSPACE);
    FUZZ_CHECK(needed2 == needed);
    free(shorter);
    *len = (size_t)r;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sip_hdr h1[CAP], h2[CAP];
    sip_parse_config cfg;
    sip_msg m1, m2;
    char *in, *out1, *out2, *again;
    size_t len1, len2, i;
    int r;

    in = fuzz_dup(data, size);
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = SIP_PARSE_DATAGRAM;
    r = sip_parse(in, size, &cfg, &m1, h1, CAP, NULL);
    if (r <= 0) {
        cfg.flags |= SIP_PARSE_NO_SEMANTIC;
        r = sip_parse(in, size, &cfg, &m1, h1, CAP, NULL);
    }
    if (r <= 0) {
        free(in);
        return 0;
    }

    out1 = print(&m1, &len1);
    /* parse the output from its own exact-size buffer */
    again = fuzz_dup(out1, len1);
    r = sip_parse(again, len1, &cfg, &m2, h2, CAP, NULL);
    FUZZ_CHECK(r > 0);
    FUZZ_CHECK((size_t)r == len1);

    FUZZ_CHECK(m1.is_request == m2.is_request);
    FUZZ_CHECK(sip_str_eq(m1.start_line, m2.start_line));
    FUZZ_CHECK(m1.n_hdrs == m2.n_hdrs);
    for (i = 0; i < m1.n_hdrs; i++) {
        const sip_hdr *a = &m1.hdrs[i], *b = &m2.hdrs[i];
        FUZZ_CHECK(a->id == b->id);
        if (a->id == SIP_HDR_OTHER) FUZZ_CHECK(sip_str_caseeq(a->name, b->name));
        FUZZ_CHECK(lws_eq(a->value, b->value));
    }
    FUZZ_CHECK(sip_str_eq(m1.body, m2.body));

    out2 = print(&m2, &len2);
    FUZZ_CHECK(len1 == len2 && memcmp(out1, out2, len1) == 0);

    free(out2);
    free(again);
    free(out1);
    free(in);
    return 0;
}
