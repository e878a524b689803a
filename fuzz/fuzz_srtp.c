/* fuzz_srtp.c - rtp.h SRTP/SRTCP through libsrtp2 (needs -DRTP_USE_SRTP
 * -lsrtp2: the Makefile's FUZZ_LIBS_srtp).
 *
 * Input: one selector byte, then packet bytes. Selector bits 0-2 pick the
 * suite (1..8 modulo), bit 3 RTCP, bit 4 an MKI of 4 bytes, bit 5 a
 * protect/unprotect round trip instead of unprotecting the bytes as they
 * are.
 *
 * Checked: unprotect of arbitrary bytes returns a length no larger than its
 * input or a documented error (and never reads or writes outside the exact
 * malloc'd buffer: ASan); a packet that protect accepts grows by exactly
 * the context's overhead and unprotects, in a fresh inbound context, to
 * the original bytes. A violated property traps.
 */
#define RTP_IMPLEMENTATION
#include "rtp.h"
#include "fuzz.h"

static const uint8_t key[46] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46};
static const uint8_t mki[4] = {0, 0, 0, 7};

/* Inbound contexts per suite and MKI, made on first use (they keep replay
 * state across inputs, which only makes more inputs fail). */
static rtp_srtp inbound[9][2];

static int make(rtp_srtp *s, rtp_srtp_suite suite, rtp_srtp_dir dir, int with_mki)
{
    const rtp_srtp_suite_info *si = rtp_srtp_suite_info_get(suite);
    rtp_srtp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.suite = suite;
    cfg.dir = dir;
    cfg.key_salt = key;
    cfg.key_salt_len = (size_t)si->key_len + si->salt_len;
    cfg.mki = with_mki ? mki : NULL;
    cfg.mki_len = with_mki ? sizeof mki : 0;
    return rtp_srtp_create(s, &cfg);
}

static int unprotect_err_ok(int r)
{
    return r == RTP_ERR_TRUNCATED || r == RTP_ERR_VERSION || r == RTP_ERR_LENGTH ||
           r == RTP_ERR_SRTP_AUTH || r == RTP_ERR_SRTP_REPLAY || r == RTP_ERR_SRTP_KEY;
}

static void round_trip(rtp_srtp_suite suite, int rtcp, int with_mki, const uint8_t *p,
                       size_t n)
{
    rtp_srtp tx, rx;
    unsigned over;
    uint8_t *buf;
    int r;
    r = make(&tx, suite, RTP_SRTP_OUTBOUND, with_mki);
    if (r == RTP_ERR_SRTP_UNAVAILABLE) return; /* not in this libsrtp2 */
    FUZZ_CHECK(r == 0);
    FUZZ_CHECK(make(&rx, suite, RTP_SRTP_INBOUND, with_mki) == 0);
    over = rtcp ? tx.rtcp_overhead : tx.rtp_overhead;
    buf = (uint8_t *)fuzz_alloc(n + over);
    memcpy(buf, p, n);
    r = rtcp ? rtp_srtp_protect_rtcp(&tx, buf, n, n + over, NULL)
             : rtp_srtp_protect(&tx, buf, n, n + over, NULL);
    if (r >= 0) {
        FUZZ_CHECK((size_t)r == n + over);
        r = rtcp ? rtp_srtp_unprotect_rtcp(&rx, buf, n + over)
                 : rtp_srtp_unprotect(&rx, buf, n + over);
        FUZZ_CHECK(r >= 0 && (size_t)r == n);
        FUZZ_CHECK(memcmp(buf, p, n) == 0);
    } else {
        FUZZ_CHECK(r != RTP_ERR_NOSPACE && r != RTP_ERR_INVALID && r != RTP_ERR_SRTP_LIB);
        fuzz_cstr(rtp_strerror(r));
    }
    free(buf);
    rtp_srtp_destroy(&tx);
    rtp_srtp_destroy(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int inited;
    rtp_srtp_suite suite;
    int rtcp, with_mki, r;
    rtp_srtp *in;
    uint8_t *buf;
    if (!inited) {
        FUZZ_CHECK(rtp_srtp_library_init() == 0);
        inited = 1;
    }
    if (size < 1) return 0;
    suite = (rtp_srtp_suite)(1 + (data[0] & 7));
    rtcp = (data[0] >> 3) & 1;
    with_mki = (data[0] >> 4) & 1;
    data++;
    size--;
    if (size > 4096) return 0;
    if (data[-1] & 0x20) {
        round_trip(suite, rtcp, with_mki, data, size);
        return 0;
    }
    in = &inbound[suite][with_mki];
    if (!in->ctx) {
        r = make(in, suite, RTP_SRTP_INBOUND, with_mki);
        if (r == RTP_ERR_SRTP_UNAVAILABLE) return 0;
        FUZZ_CHECK(r == 0);
    }
    buf = (uint8_t *)fuzz_dup(data, size);
    r = rtcp ? rtp_srtp_unprotect_rtcp(in, buf, size) : rtp_srtp_unprotect(in, buf, size);
    FUZZ_CHECK((r >= 0 && (size_t)r <= size) || unprotect_err_ok(r));
    free(buf);
    return 0;
}
