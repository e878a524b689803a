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
 * the end (ASan's leak check).
 */
#define SIP_IMPLEMENTATION
#define SIP_REGISTRAR_IMPLEMENTATION
#include "sip_registrar.h"
#include "fuzz.h"
#include <stdio.h>

static const char *aors[3] = {"alice", "bob", "carol"};

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
    FUZZ_CHECK(sip_registrar_init(&reg, &rc, sip_locmem_ops(), &lm) == 0);
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
        len = sip_registrar_process(&reg, &m, NULL, sip_str_c("tt"), now, out, sizeof out, NULL, &st);
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
