/* fuzz_rtp_jb.c - rtp.h jitter buffer and RFC 4733 telephone-events.
 *
 * Input: 2 config bytes, then operations of 1 opcode byte + arguments,
 * with the time (now_us) advanced by the input:
 *   op % 8 == 0..2: rtp_jb_put (seq and timestamp as deltas, marker, an
 *       SSRC switch, payload length), payload bytes derived from seq;
 *   3..4: rtp_jb_get (opcode 0xfb / 0xfc: rtp_jb_reset first);
 *   5: rtp_dtmf_receiver_put with a packet built from the input;
 *   6: rtp_dtmf_receiver_on_timeout;
 *   7: a whole sender run (event, volume, duration from the input) fed to
 *       a fresh receiver: it must report exactly STARTED then ENDED with
 *       the sent duration and timestamp.
 *
 * Checked: put/get return only documented values; the counters add up
 * (received = buffered + played/skipped + drops); depth and target stay in
 * [min_depth, max_depth]; buffered <= slots; frames come out in increasing
 * sequence order between resets with the payload that was put for that
 * sequence number; the receiver's notes alternate STARTED / ENDED for the
 * event it says is running, and next_deadline is UINT64_MAX exactly when
 * none runs. A violated property traps.
 */
#define RTP_IMPLEMENTATION
#include "rtp.h"
#include "fuzz.h"

typedef struct rd {
    const uint8_t *p;
    size_t n, i;
} rd;

static unsigned u8(rd *r) { return r->i < r->n ? r->p[r->i++] : 0u; }
static unsigned u16(rd *r) { unsigned a = u8(r); return a << 8 | u8(r); }

/* ---- DTMF receiver bookkeeping ------------------------------------------- */

typedef struct rx_model {
    int active;
    uint8_t event;
} rx_model;

static void check_notes(rtp_dtmf_receiver *r, rx_model *m, const rtp_dtmf_note *o, int k)
{
    int i;
    FUZZ_CHECK(k >= 0 && k <= RTP_DTMF_MAX_NOTES);
    for (i = 0; i < k; i++) {
        FUZZ_CHECK(o[i].ch == rtp_dtmf_event_to_char(o[i].event));
        if (o[i].kind == RTP_DTMF_STARTED) {
            FUZZ_CHECK(!m->active);
            m->active = 1;
            m->event = o[i].event;
        } else {
            FUZZ_CHECK(o[i].kind == RTP_DTMF_ENDED);
            FUZZ_CHECK(m->active && m->event == o[i].event);
            FUZZ_CHECK(o[i].reason == RTP_DTMF_END_BIT || o[i].reason == RTP_DTMF_END_TIMEOUT ||
                       o[i].reason == RTP_DTMF_END_NEW_EVENT);
            m->active = 0;
        }
    }
    FUZZ_CHECK((rtp_dtmf_receiver_next_deadline(r) == UINT64_MAX) == !m->active);
}

static void rx_put(rtp_dtmf_receiver *r, rx_model *m, const uint8_t *pl, size_t plen, uint16_t seq,
                   uint32_t ts, int marker, uint64_t now)
{
    uint8_t b[32];
    rtp_packet_desc d;
    rtp_header h;
    rtp_dtmf_note o[RTP_DTMF_MAX_NOTES];
    int len, k;
    memset(&d, 0, sizeof d);
    d.marker = (uint8_t)(marker != 0);
    d.payload_type = 101;
    d.seq = seq;
    d.timestamp = ts;
    d.ssrc = 1;
    d.payload = pl;
    d.payload_len = plen;
    len = rtp_build(&d, b, sizeof b, NULL);
    FUZZ_CHECK(len == (int)(12 + plen));
    FUZZ_CHECK(rtp_parse(b, (size_t)len, &h) == 0);
    k = rtp_dtmf_receiver_put(r, &h, now, o);
    if (plen < 4) {
        FUZZ_CHECK(k == RTP_ERR_TRUNCATED);
        return;
    }
    check_notes(r, m, o, k);
}

/* A sender run into a fresh receiver, no loss: one STARTED, one ENDED with
 * exactly the duration sent. */
static void sender_run(rd *in)
{
    rtp_dtmf_sender s;
    rtp_dtmf_receiver r;
    rx_model m;
    rtp_dtmf_packet p;
    rtp_dtmf_note o[RTP_DTMF_MAX_NOTES];
    unsigned ev = u8(in), vol = u8(in) & 63, sel = u8(in);
    uint32_t ts = (uint32_t)u16(in) << 16 | u16(in);
    uint64_t dur = (uint64_t)u16(in) * (sel & 4 ? 8u : 1u) + 1u;
    uint32_t tick_us = (sel & 1) ? 50000u : 20000u;
    uint64_t now = 0;
    int started = 0, ended = 0, k, i, npk = 0;
    uint16_t seq = 0;
    FUZZ_CHECK(rtp_dtmf_sender_init(&s, 8000, tick_us) == 0);
    rtp_dtmf_receiver_init(&r, 0);
    memset(&m, 0, sizeof m);
    FUZZ_CHECK(rtp_dtmf_sender_start(&s, ev, vol, ts, (sel & 2) ? 0 : dur) == 0);
    while (rtp_dtmf_sender_tick(&s, &p)) {
        rtp_header h;
        uint8_t b[16];
        rtp_packet_desc d;
        npk++;
        FUZZ_CHECK(npk < 100000);
        if ((sel & 2) && npk == 3) rtp_dtmf_sender_stop(&s);
        memset(&d, 0, sizeof d);
        d.marker = p.marker;
        d.payload_type = 101;
        d.seq = seq++;
        d.timestamp = p.timestamp;
        d.payload = p.payload;
        d.payload_len = 4;
        FUZZ_CHECK(rtp_build(&d, b, sizeof b, NULL) == 16);
        FUZZ_CHECK(rtp_parse(b, 16, &h) == 0);
        now += tick_us;
        k = rtp_dtmf_receiver_put(&r, &h, now, o);
        check_notes(&r, &m, o, k);
        for (i = 0; i < k; i++) {
            if (o[i].kind == RTP_DTMF_STARTED) {
                FUZZ_CHECK(!started && o[i].timestamp == ts && o[i].event == ev);
                started = 1;
            } else {
                FUZZ_CHECK(started && !ended && o[i].reason == RTP_DTMF_END_BIT);
                if (!(sel & 2)) FUZZ_CHECK(o[i].duration == dur);
                ended = 1;
            }
        }
    }
    FUZZ_CHECK(started && ended);
    FUZZ_CHECK(rtp_dtmf_sender_tick(&s, &p) == 0 && !rtp_dtmf_sender_busy(&s));
}

/* ---- the target ------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd in;
    rtp_jb_config cfg;
    rtp_jb jb;
    rtp_jb_stats st;
    rtp_dtmf_receiver rx;
    rx_model m;
    void *mem;
    size_t memlen;
    uint64_t now = 0, resets = 0, stored = 0, dropped = 0, played = 0, lost = 0;
    uint16_t seq = 0, last_seq = 0;
    uint32_t ts = 0, ssrc = 1, dts = 0;
    int have_last = 0, steps = 0, resets_by_hand = 0;
    in.p = data;
    in.n = size;
    in.i = 0;
    memset(&cfg, 0, sizeof cfg);
    {
        unsigned a = u8(&in), b = u8(&in);
        cfg.min_depth = 1 + (a & 3);
        cfg.max_depth = cfg.min_depth + ((a >> 2) & 7);
        cfg.initial_depth = (a >> 5) & 7;
        cfg.slots = (b & 1) ? cfg.max_depth + 1 + ((b >> 1) & 15) : 0;
        cfg.max_payload = 1 + ((b >> 5) & 7) * 4;
        cfg.jitter_factor = (b & 16) ? 256 : 0;
    }
    memlen = rtp_jb_mem_size(&cfg);
    FUZZ_CHECK(memlen > 0);
    mem = malloc(memlen);
    if (!mem) abort();
    FUZZ_CHECK(rtp_jb_init(&jb, mem, memlen, &cfg) == 0);
    FUZZ_CHECK(rtp_jb_init(&jb, mem, memlen - 1, &cfg) == RTP_ERR_JB_CONFIG);
    FUZZ_CHECK(rtp_jb_init(&jb, mem, memlen, &cfg) == 0);
    rtp_dtmf_receiver_init(&rx, (uint64_t)(u8(&in) + 1) * 1000u);
    memset(&m, 0, sizeof m);

    while (in.i < in.n && steps++ < 4096) {
        unsigned op = u8(&in);
        now += (uint64_t)u8(&in) * 500u;
        switch (op % 8) {
        case 0: case 1: case 2: {
            uint8_t pl[40];
            unsigned a = u8(&in), i;
            size_t len = (size_t)(u8(&in) % 34);
            int r;
            if (a & 0x80) seq = (uint16_t)u16(&in);
            else seq = (uint16_t)(seq + (a & 15) - 4);
            if (a & 0x40) ts = (uint32_t)u16(&in) << 16 | u16(&in);
            else ts += (uint32_t)jb.spf * (uint32_t)(((a >> 4) & 3) + dts) - (uint32_t)jb.spf;
            if ((op & 0xf8) == 0xf8) ssrc++;
            for (i = 0; i < len; i++) pl[i] = (uint8_t)(seq + i);
            r = rtp_jb_put(&jb, ssrc, seq, ts, (op >> 3) & 1, pl, len, now);
            FUZZ_CHECK(r == 0 || r == RTP_ERR_JB_DUPLICATE || r == RTP_ERR_JB_LATE ||
                       r == RTP_ERR_JB_WINDOW || r == RTP_ERR_JB_TOO_BIG);
            FUZZ_CHECK((r == RTP_ERR_JB_TOO_BIG) == (len > jb.cfg.max_payload));
            if (r == 0) stored++;
            else dropped++;
            break;
        }
        case 3: case 4: {
            rtp_jb_frame f;
            rtp_jb_kind k;
            if ((op & 0xf8) == 0xf8) {
                /* forget the stream: buffered packets go, counters stay */
                rtp_jb_reset(&jb);
                have_last = 0;
                resets_by_hand = 1;
            }
            k = rtp_jb_get(&jb, now, &f);
            FUZZ_CHECK(k == f.kind);
            rtp_jb_stats_get(&jb, &st);
            if (st.resets != resets) {
                resets = st.resets;
                have_last = 0;
            }
            if (k == RTP_JB_FRAME) {
                size_t i;
                played++;
                FUZZ_CHECK(f.payload.len <= jb.cfg.max_payload);
                FUZZ_CHECK(f.payload.len == 0 ||
                           (f.payload.p >= (const uint8_t *)mem &&
                            f.payload.p + f.payload.len <= (const uint8_t *)mem + memlen));
                for (i = 0; i < f.payload.len; i++)
                    FUZZ_CHECK(f.payload.p[i] == (uint8_t)(f.seq + i));
                if (have_last) FUZZ_CHECK((int16_t)(uint16_t)(f.seq - last_seq) > 0);
                last_seq = f.seq;
                have_last = 1;
            } else if (k == RTP_JB_LOST) {
                if (!f.inserted) {
                    lost++;
                    if (have_last) FUZZ_CHECK((int16_t)(uint16_t)(f.seq - last_seq) > 0);
                    last_seq = f.seq;
                    have_last = 1;
                }
            } else {
                FUZZ_CHECK(k == RTP_JB_EMPTY);
            }
            dts = u8(&in) % 3u;
            break;
        }
        case 5: {
            uint8_t pl[8];
            unsigned a = u8(&in), i, plen = (a & 7) < 6 ? 4u : (a & 7) - 2u;
            uint32_t t = (a & 8) ? (uint32_t)u16(&in) : 0u;
            for (i = 0; i < 8; i++) pl[i] = (uint8_t)u8(&in);
            pl[0] &= 0x13; /* a few event codes, so they repeat */
            rx_put(&rx, &m, pl, plen, (uint16_t)steps, (rx.seg_ts + t) ^ ((a & 16) ? 0xffffu : 0u),
                   (a >> 5) & 1, now);
            break;
        }
        case 6: {
            rtp_dtmf_note o[RTP_DTMF_MAX_NOTES];
            uint64_t dl = rtp_dtmf_receiver_next_deadline(&rx);
            int k = rtp_dtmf_receiver_on_timeout(&rx, now, o);
            FUZZ_CHECK(k == (dl != UINT64_MAX && now >= dl));
            if (k) FUZZ_CHECK(o[0].reason == RTP_DTMF_END_TIMEOUT);
            check_notes(&rx, &m, o, k);
            break;
        }
        default:
            sender_run(&in);
            break;
        }
        rtp_jb_stats_get(&jb, &st);
        FUZZ_CHECK(st.depth >= jb.cfg.min_depth && st.depth <= jb.cfg.max_depth);
        FUZZ_CHECK(st.target >= jb.cfg.min_depth && st.target <= jb.cfg.max_depth);
        FUZZ_CHECK(st.buffered <= jb.cfg.slots);
        FUZZ_CHECK(st.received == stored + dropped);
        FUZZ_CHECK(st.duplicate + st.late + st.window == dropped);
        FUZZ_CHECK(st.played == played && st.lost == lost);
        /* every stored packet is buffered, played, skipped as lost... or
         * discarded by a reset */
        if (st.resets == 0 && !resets_by_hand) FUZZ_CHECK(st.buffered + st.played <= stored);
    }
    free(mem);
    return 0;
}
