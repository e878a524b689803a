/* fuzz_registrar.c - sip_registrar.h over sip_locmem, stateful.
 *
 * Input: records separated by 0xFF bytes. Each record: 1 control byte
 * (bits 0-1: which of 3 AORs, bits 2-3: Call-ID, bits 4-7: time step in
 * seconds * 16) and then header lines (Contact, Expires, Path, Supported...)
 * spliced into a REGISTER template; CSeq counts up per record unless bit
 * 3 of the next byte is set. Properties: the REGISTER either parses or is
 * skipped; the registrar answers with a status it documents and a
 * response that sip_parse accepts; no AOR ever has more live (unexpired) bindings than
 * max_contacts bindings; counters match the table; every byte is freed at
 * the end (ASan's leak check). Atomicity (RFC 3261 §10.3 step 7): a
 * record whose time step is 15 (240 s) runs against a store that fails its
 * (1 + CSeq % 3)-th save or remove; every answer other than 200 leaves
 * the bindings of every AOR, the counters and the bytes exactly as they
 * were.
 */
#define SIP_IMPLEMENTATION
#define SIP_REGISTRAR_IMPLEMENTATION
#include "sip_registrar.h"
#include "fuzz.h"
#include <stdio.h>

static const char *aors[3] = {"alice", "bob", "carol"};

/* sip_locmem behind a wrapper that fails the fail_at-th save or remove. */
static int fz_count, fz_fail_at;
static int fz_lookup(void *s, sip_str aor, uint64_t now, sip_binding *o, size_t max)
{
    return sip_locmem_ops()->lookup(s, aor, now, o, max);
}
static int fz_fail(void) { return fz_fail_at && ++fz_count == fz_fail_at; }
static int fz_save(void *s, const sip_binding *b, const sip_binding *old, uint64_t now)
{
    return fz_fail() ? SIP_REG_ERR_STORE : sip_locmem_ops()->save(s, b, old, now);
}
static int fz_remove(void *s, const sip_binding *old)
{
    return fz_fail() ? SIP_REG_ERR_STORE : sip_locmem_ops()->remove(s, old);
}
static int fz_begin(void *s, sip_str aor, uint64_t now) { return sip_locmem_ops()->begin(s, aor, now); }
static int fz_commit(void *s, sip_str aor) { return sip_locmem_ops()->commit(s, aor); }
static void fz_rollback(void *s, sip_str aor) { sip_locmem_ops()->rollback(s, aor); }
static const sip_location_ops fz_ops = {sizeof(sip_location_ops), fz_lookup, fz_save, fz_remove,
                                        fz_begin, fz_commit, fz_rollback};

/* Every binding of the three AORs (expired ones too: time 0) as text. */
static size_t fz_state(sip_locmem *lm, char *buf, size_t cap)
{
    size_t k = 0;
    int a, i, c;
    sip_binding b[16];
    for (a = 0; a < 3; a++) {
        char aor[64];
        snprintf(aor, sizeof aor, "sip:%s@example.com", aors[a]);
        c = sip_locmem_ops()->lookup(lm, sip_str_c(aor), 0, b, 16);
        for (i = 0; i < c && i < 16 && k < cap; i++)
            k += (size_t)snprintf(buf + k, cap - k, "%d|%.*s|%.*s|%.*s|%u|%llu|%u\n", a,
                                  (int)b[i].uri.len, b[i].uri.p, (int)b[i].params.len,
                                  b[i].params.p, (int)b[i].call_id.len, b[i].call_id.p,
                                  b[i].cseq, (unsigned long long)b[i].expires_us, b[i].q);
    }
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sip_registrar reg;
    static char msg[4096], out[16384];
    static sip_hdr hdrs[64], rh[64];
    sip_locmem lm;
    sip_locmem_config lc;
    sip_registrar_config rc;
    sip_parse_config pc = {SIP_PARSE_DATAGRAM, 0, 0};
    size_t pos = 0;
    uint64_t now = 1000000;
    uint32_t cseq = 1;
    memset(&lc, 0, sizeof lc);
    lc.buckets = 8;
    lc.max_aors = 3;
    lc.max_bindings = 12;
    FUZZ_CHECK(sip_locmem_init(&lm, &lc) == 0);
    memset(&rc, 0, sizeof rc);
    rc.max_contacts = 4;
    FUZZ_CHECK(sip_registrar_init(&reg, &rc, &fz_ops, &lm) == 0);
    while (pos < size) {
        const uint8_t *rec = data + pos, *end = memchr(rec, 0xFF, size - pos);
        size_t rl = end ? (size_t)(end - rec) : size - pos, hl;
        unsigned ctl;
        int n, st, len, k;
        sip_msg m, r;
        sip_parse_error pe;
        sip_binding b[8];
        pos += rl + (end ? 1 : 0);
        if (!rl) continue;
        ctl = rec[0];
        now += (uint64_t)(ctl >> 4) * 16000000u;
        if (!(rl > 1 && (rec[1] & 8))) cseq++;
        hl = rl - 1;
        if (hl > 2000) hl = 2000;
        n = snprintf(msg, sizeof msg,
                     "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                     "From: <sip:%s@example.com>;tag=1\r\nTo: <sip:%s@example.com>\r\n"
                     "Call-ID: cid%u\r\nCSeq: %u REGISTER\r\n",
                     aors[ctl % 3], aors[ctl % 3], (ctl >> 2) & 3, cseq);
        memcpy(msg + n, rec + 1, hl);
        n += (int)hl;
        n += snprintf(msg + n, sizeof msg - (size_t)n, "\r\nContent-Length: 0\r\n\r\n");
        if (sip_parse(msg, (size_t)n, &pc, &m, hdrs, 64, &pe) < 0 || m.method != SIP_METHOD_REGISTER)
            continue;
        fz_count = 0;
        fz_fail_at = (ctl >> 4) == 15 ? 1 + (int)(cseq % 3) : 0;
        {
            static char before[8192], after[8192];
            size_t nb = fz_state(&lm, before, sizeof before), na;
            uint32_t n_bind = lm.n_bindings, n_aor = lm.n_aors;
            size_t bytes = lm.bytes;
            len = sip_registrar_process(&reg, &m, NULL, sip_str_c("tt"), now, out, sizeof out, NULL, &st);
            if (len == SIP_REG_ERR_NOSPACE || st != 200) {
                /* nothing of a refused request is applied (§10.3 step 7) */
                na = fz_state(&lm, after, sizeof after);
                FUZZ_CHECK(na == nb && !memcmp(before, after, nb));
                FUZZ_CHECK(lm.n_bindings == n_bind && lm.n_aors == n_aor && lm.bytes == bytes);
            }
        }
        FUZZ_CHECK(!lm.in_txn);
        if (len == SIP_REG_ERR_NOSPACE) continue;
        FUZZ_CHECK(len > 0);
        FUZZ_CHECK(st == 200 || st == 400 || st == 403 || st == 404 || st == 420 || st == 423 ||
                   st == 500 || st == 503);
        FUZZ_CHECK(sip_parse(out, (size_t)len, &pc, &r, rh, 64, &pe) >= 0);
        FUZZ_CHECK(r.status == (uint32_t)st);
        for (k = 0; k < 3; k++) {
            char aor[64];
            int c;
            snprintf(aor, sizeof aor, "sip:%s@example.com", aors[k]);
            c = sip_locmem_ops()->lookup(&lm, sip_str_c(aor), now, b, 8); /* live bindings */
            FUZZ_CHECK(c >= 0 && c <= 4);
        }
        FUZZ_CHECK(lm.n_bindings <= 12 && lm.n_aors <= 3);
        if (ctl & 0x80) (void)sip_locmem_expire(&lm, now, 8);
    }
    sip_locmem_free(&lm);
    return 0;
}
