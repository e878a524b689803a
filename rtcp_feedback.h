#if defined(CVOIP_IMPLEMENTATION) && !defined(RTCP_FEEDBACK_IMPLEMENTATION)
#define RTCP_FEEDBACK_IMPLEMENTATION
#endif
/* rtcp_feedback.h - RTCP feedback messages for C: parse, build, the
 * feedback generators (NACK, retransmission, key frame requests, TWCC,
 * RFC 4585 timing) and congestion control (GCC-style send-side estimation
 * on TWCC / RFC 8888 feedback, receive-side REMB). No allocation.
 *
 * Part of cvoip (https://example.invalid/cvoip), single-file, MIT licence.
 *
 * Do this in *one* C file before including it to get the implementation:
 *
 *     #define RTCP_FEEDBACK_IMPLEMENTATION  (or CVOIP_IMPLEMENTATION)
 *     #include "rtcp_feedback.h"
 *
 * What it does:
 *   - Parse and build, on raw RTCP packet bytes (no dependency on rtp.h):
 *       RFC 4585 §6.2.1 Generic NACK (PT 205 FMT 1), §6.3.1 PLI (206/1),
 *       §6.3.2 SLI (206/2), §6.3.3 RPSI (206/3);
 *       RFC 5104 §4.3.1 FIR (206/4), §4.3.2 TSTR (206/5), §4.3.3 TSTN
 *       (206/6), §4.2.1 TMMBR (205/3), §4.2.2 TMMBN (205/4);
 *       draft-alvestrand-rmcat-remb-03 REMB (206/15, "REMB");
 *       draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 transport-
 *       wide congestion control feedback (205/15);
 *       RFC 8888 §3.1 congestion control feedback (205/11).
 *   - Generic NACK helpers: lost sequence numbers <-> PID/BLP items.
 *   - Generators, each a small context driven by now_us (next_deadline /
 *     on_timeout where it has timers), output through callbacks:
 *       rtcp_fb_nackgen_*   receiver: NACKs from sequence gaps, resent no
 *                           sooner than one RTT apart, a retry limit, a
 *                           maximum age, reordering tolerance (time and
 *                           count), give-up callback (RFC 4585 §6.2.1);
 *       rtcp_fb_history_*   sender: a ring of sent RTP packets in caller
 *                           memory that answers Generic NACKs, resending
 *                           each packet at most once per RTT, as RFC 4588
 *                           RTX when negotiated (rtcp_fb_rtx_build /
 *                           rtcp_fb_rtx_recover for both directions);
 *       rtcp_fb_keyreq_*    receiver: PLI (RFC 4585 §6.3.1) or FIR
 *                           (RFC 5104 §4.3.1, sequence numbers) on decoder
 *                           request or loss, rate limited, repeated until
 *                           a key frame arrives;
 *       rtcp_fb_twccgen_*   receiver: transport-wide CC feedback every
 *                           interval (or on a count / byte threshold),
 *                           late packets re-reported, split at a size;
 *       rtcp_fb_timing_*    RFC 4585 §3.5 Early / Regular RTCP timing:
 *                           T_rr_interval, allow_early, dithering,
 *                           feedback suppression.
 *   - Congestion control (rtcp_fb_cc_*, docs/CONGESTION.md), after
 *     draft-ietf-rmcat-gcc-02: a send-side estimator fed with sent packets
 *     (transport-wide seq, send time, size) and parsed TWCC or RFC 8888
 *     feedback: 5 ms groups (§5.1-5.2), a trendline filter in place of the
 *     §5.3 Kalman filter, the §5.4 over-use detector with its adaptive
 *     threshold, the §5.5 AIMD controller, the §6 loss controller and
 *     probing; it reports a target bitrate with a reason through a
 *     callback. A receive-side estimator (rtcp_fb_cc_remb_*) runs the same
 *     delay pipeline on arrival and send (abs-send-time) times and emits
 *     REMB packets periodically and on a 3% drop. Error codes -350..-359.
 *
 * Byte order: every multi-octet wire field is network order (big endian);
 * every value in the structs below is in host order.
 *
 * Parsers take (buf, len) where buf starts at the RTCP common header and
 * len may extend past the packet (a compound packet): they read the packet
 * the length field describes and return its size in octets (consumed), or
 * a negative RTCP_FB_ERR_*. Arrays are caller-owned: `size_t *n` is the
 * capacity on input and the count on output; when the packet holds more,
 * RTCP_FB_ERR_TOO_MANY is returned with *n set to the count needed.
 *
 * Builders write one packet into (out, cap) and return the octets written,
 * or RTCP_FB_ERR_NOSPACE with *needed (when non-NULL) set to the size the
 * packet needs; out == NULL measures. They never write padding (P = 0)
 * except where the format needs it to reach a 32-bit boundary (TWCC).
 *
 * Round trip: build(parse(p)) == p for every packet in canonical form (no
 * RFC 3550 padding, zero reserved fields, TWCC chunks as the builder picks
 * them); for any accepted packet, parse(build(parse(p))) == parse(p).
 *
 * Nothing here allocates, reads a clock or keeps global state: one context
 * (generator), one thread at a time; scale by one context per stream.
 * Contexts that hold packets live in caller memory (..._mem_size(cfg));
 * configurations get their defaults from ..._config_init(); callbacks
 * structs start with their size, as rtp.h's sessions do; the history, the
 * key frame requester and the TWCC generator return RTCP_FB_ERR_STATE
 * when called again from inside their own send callback.
 * Errors of the generators are RTCP_FB_ERR_ORDER .. _STATE (-320..-326).
 *
 * Options (define before the include):
 *   RTCP_FEEDBACK_IMPLEMENTATION  compile the implementation in this file
 *   CVOIP_IMPLEMENTATION          the same, for every cvoip header
 *   RTCP_FEEDBACK_STATIC          make every function static (private)
 *   RTCP_FB_NACKGEN_MAX           compile-time maximum of missing sequence
 *                                 numbers one generator tracks (512)
 *   RTCP_FB_CC_HISTORY            send history of the estimator, a power
 *                                 of two (1024 packets)
 *   RTCP_FB_CC_TRENDLINE_MAX      largest trendline window (64 groups)
 *   RTCP_FB_CC_RATE_MAX           packets in the bitrate windows (512)
 *   RTCP_FB_CC_REMB_MAX_SSRC      SSRCs one REMB lists (8)
 *
 * Licence: MIT, see the end of this file.
 */
#ifndef RTCP_FEEDBACK_H
#define RTCP_FEEDBACK_H

#include <stddef.h>
#include <stdint.h>

#ifndef RTCP_FBDEF
#ifdef RTCP_FEEDBACK_STATIC
#define RTCP_FBDEF static
#else
#define RTCP_FBDEF extern
#endif
#endif

#ifndef RTCP_FB_NACKGEN_MAX
#define RTCP_FB_NACKGEN_MAX 512
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Errors (range -300 .. -399; 0 is success)
 * --------------------------------------------------------------------- */

typedef enum rtcp_fb_err {
    RTCP_FB_OK = 0,
    RTCP_FB_ERR_TRUNCATED = -300, /**< buffer shorter than the packet */
    RTCP_FB_ERR_VERSION = -301,   /**< RTP version field is not 2 */
    RTCP_FB_ERR_TYPE = -302,      /**< other PT / FMT / REMB identifier */
    RTCP_FB_ERR_LENGTH = -303,    /**< length field does not fit content */
    RTCP_FB_ERR_PADDING = -304,   /**< P bit set, bad padding count */
    RTCP_FB_ERR_NOSPACE = -305,   /**< output buffer too small */
    RTCP_FB_ERR_RANGE = -306,     /**< a value does not fit its field */
    RTCP_FB_ERR_INVALID = -307,   /**< invalid argument */
    RTCP_FB_ERR_TOO_MANY = -308   /**< more items than the caller's array */
} rtcp_fb_err;

/** Short English text for an error code (static storage, never NULL). */
RTCP_FBDEF const char *rtcp_fb_strerror(int err);

/* ------------------------------------------------------------------------
 * Common feedback header (RFC 4585 §6.1)
 * --------------------------------------------------------------------- */

/** Packet types of RFC 4585 §6.1. */
#define RTCP_FB_PT_RTPFB 205
#define RTCP_FB_PT_PSFB 206

/** The 12-octet header of an RFC 4585 §6.1 feedback packet:
 *  V=2 | P | FMT (5 bits) | PT (8) | length (16, words - 1) | sender SSRC |
 *  media source SSRC, followed by the FCI. */
typedef struct rtcp_fb_common {
    uint8_t fmt;          /**< FMT, 5 bits */
    uint8_t pt;           /**< packet type */
    uint8_t padding;      /**< P bit (0 or 1) */
    size_t len;           /**< whole packet in octets, padding included */
    uint32_t sender_ssrc; /**< SSRC of packet sender */
    uint32_t media_ssrc;  /**< SSRC of media source */
    const uint8_t *fci;   /**< first FCI octet, inside buf */
    size_t fci_len;       /**< FCI octets, RFC 3550 §6.4.1 padding removed */
} rtcp_fb_common;

/** Parse the RFC 4585 §6.1 header of any feedback packet (any PT, FMT).
 *  With the P bit, the last octet counts the padding octets (RFC 3550
 *  §6.4.1): it must be 1..fci octets, and is removed from fci_len.
 *  Returns the packet size in octets; RTCP_FB_ERR_TRUNCATED when len is
 *  shorter than the packet, _VERSION, _LENGTH (under 12 octets), _PADDING.*/
RTCP_FBDEF int rtcp_fb_parse_common(const uint8_t *buf, size_t len,
                                    rtcp_fb_common *out);

/* ------------------------------------------------------------------------
 * RFC 4585 §6.2.1 Generic NACK (PT 205, FMT 1)
 * --------------------------------------------------------------------- */

/** One Generic NACK FCI: PID is lost, and PID+i+1 is lost when bit i of
 *  BLP is set (bit 0 = least significant). */
typedef struct rtcp_fb_nack_item {
    uint16_t pid;
    uint16_t blp;
} rtcp_fb_nack_item;

/** Parse a Generic NACK. *n: capacity of items in, count out. At least one
 *  FCI is required (RTCP_FB_ERR_LENGTH otherwise, also when the FCI is not
 *  a multiple of 4 octets). Returns octets consumed or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_nack_parse(const uint8_t *buf, size_t len,
                                  rtcp_fb_common *hdr,
                                  rtcp_fb_nack_item *items, size_t *n);
/** Build a Generic NACK from n (>= 1) items. Returns octets written
 *  (12 + 4n) or RTCP_FB_ERR_NOSPACE with *needed; _INVALID for n == 0. */
RTCP_FBDEF int rtcp_fb_nack_build(uint8_t *out, size_t cap,
                                  uint32_t sender_ssrc, uint32_t media_ssrc,
                                  const rtcp_fb_nack_item *items, size_t n,
                                  size_t *needed);
/** Pack lost sequence numbers into PID/BLP items, in the order given: a
 *  number within PID+1..PID+16 of the current item (modulo 2^16, so 65535
 *  then 0 share an item) sets its bit, any other starts a new item. A
 *  sorted list (as rtcp_fb_nackgen_poll gives) yields the fewest items.
 *  items may be NULL to count. Returns the item count, or
 *  RTCP_FB_ERR_TOO_MANY when more than cap are needed. */
RTCP_FBDEF int rtcp_fb_nack_items_from_seqs(const uint16_t *seqs, size_t n,
                                            rtcp_fb_nack_item *items,
                                            size_t cap);
/** Expand items back to sequence numbers (PID, then each BLP bit from bit
 *  0 up). seqs may be NULL to count. Returns the count or
 *  RTCP_FB_ERR_TOO_MANY when more than cap. */
RTCP_FBDEF int rtcp_fb_nack_items_to_seqs(const rtcp_fb_nack_item *items,
                                          size_t n, uint16_t *seqs,
                                          size_t cap);
/** Build a Generic NACK straight from lost sequence numbers (n >= 1), with
 *  the items rtcp_fb_nack_items_from_seqs would give. Returns octets
 *  written or RTCP_FB_ERR_NOSPACE with *needed; _INVALID for n == 0. */
RTCP_FBDEF int rtcp_fb_nack_build_seqs(uint8_t *out, size_t cap,
                                       uint32_t sender_ssrc,
                                       uint32_t media_ssrc,
                                       const uint16_t *seqs, size_t n,
                                       size_t *needed);

/* ------------------------------------------------------------------------
 * RFC 4585 §6.3.1 PLI, §6.3.2 SLI, §6.3.3 RPSI (PT 206, FMT 1, 2, 3)
 * --------------------------------------------------------------------- */

/** Parse a PLI (no FCI: a non-empty FCI is RTCP_FB_ERR_LENGTH). Returns
 *  octets consumed (12) or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_pli_parse(const uint8_t *buf, size_t len,
                                 rtcp_fb_common *hdr);
/** Build a 12-octet PLI. Returns 12 or RTCP_FB_ERR_NOSPACE with *needed. */
RTCP_FBDEF int rtcp_fb_pli_build(uint8_t *out, size_t cap,
                                 uint32_t sender_ssrc, uint32_t media_ssrc,
                                 size_t *needed);

/** One SLI FCI (RFC 4585 §6.3.2.2): First (13 bits, first lost macroblock),
 *  Number (13 bits, count of lost macroblocks), PictureID (6 bits). */
typedef struct rtcp_fb_sli_item {
    uint16_t first;
    uint16_t number;
    uint8_t picture_id;
} rtcp_fb_sli_item;

/** Parse an SLI: one or more 4-octet FCIs. Returns octets consumed or
 *  RTCP_FB_ERR_* (_LENGTH for no FCI or a partial one, _TOO_MANY). */
RTCP_FBDEF int rtcp_fb_sli_parse(const uint8_t *buf, size_t len,
                                 rtcp_fb_common *hdr,
                                 rtcp_fb_sli_item *items, size_t *n);
/** Build an SLI from n >= 1 items; RTCP_FB_ERR_RANGE when a field exceeds
 *  its width. Returns octets written (12 + 4n) or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_sli_build(uint8_t *out, size_t cap,
                                 uint32_t sender_ssrc, uint32_t media_ssrc,
                                 const rtcp_fb_sli_item *items, size_t n,
                                 size_t *needed);

/** RPSI FCI (RFC 4585 §6.3.3.2): PB (8 bits, padding bits at the end),
 *  a zero bit, payload type (7 bits), the native RPSI bit string, and PB
 *  padding bits so the FCI ends on a 32-bit boundary. */
typedef struct rtcp_fb_rpsi {
    uint8_t payload_type; /**< 7 bits */
    const uint8_t *bits;  /**< bit string, MSB first (points into buf) */
    size_t n_bits;        /**< its length in bits */
} rtcp_fb_rpsi;

/** Parse an RPSI. PB must be at most 31 (it pads to the next 32-bit
 *  boundary) and at most the bits present; the zero bit is ignored on
 *  receipt. Returns octets consumed or RTCP_FB_ERR_* (_LENGTH). */
RTCP_FBDEF int rtcp_fb_rpsi_parse(const uint8_t *buf, size_t len,
                                  rtcp_fb_common *hdr, rtcp_fb_rpsi *out);
/** Build an RPSI; bits after n_bits in the last octet are written as zero,
 *  PB is the number of padding bits to the 32-bit boundary. Returns octets
 *  written or RTCP_FB_ERR_* (_RANGE for payload_type > 127). */
RTCP_FBDEF int rtcp_fb_rpsi_build(uint8_t *out, size_t cap,
                                  uint32_t sender_ssrc, uint32_t media_ssrc,
                                  const rtcp_fb_rpsi *rpsi, size_t *needed);

/* ------------------------------------------------------------------------
 * RFC 5104 §4.3.1 FIR, §4.3.2 TSTR, §4.3.3 TSTN (PT 206, FMT 4, 5, 6)
 * --------------------------------------------------------------------- */

/** One FIR FCI: SSRC of the media sender and command sequence number;
 *  the 24 reserved bits are ignored on parse and written as zero. */
typedef struct rtcp_fb_fir_item {
    uint32_t ssrc;
    uint8_t seq;
} rtcp_fb_fir_item;

/** Parse a FIR (one or more 8-octet FCIs). RFC 5104 says the media source
 *  SSRC SHALL be 0; a non-zero one is accepted and reported (peers send
 *  it). Returns octets consumed or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_fir_parse(const uint8_t *buf, size_t len,
                                 rtcp_fb_common *hdr,
                                 rtcp_fb_fir_item *items, size_t *n);
/** Build a FIR from n >= 1 items (media_ssrc should be 0, §4.3.1.2).
 *  Returns octets written (12 + 8n) or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_fir_build(uint8_t *out, size_t cap,
                                 uint32_t sender_ssrc, uint32_t media_ssrc,
                                 const rtcp_fb_fir_item *items, size_t n,
                                 size_t *needed);

/** One TSTR or TSTN FCI: SSRC, seq nr (8 bits), 19 reserved bits, Index
 *  (5 bits, the temporal-spatial trade-off, 0 = highest spatial quality). */
typedef struct rtcp_fb_tst_item {
    uint32_t ssrc;
    uint8_t seq;
    uint8_t index;
} rtcp_fb_tst_item;

/** Parse a TSTR (fmt 5) or a TSTN (fmt 6): pass the FMT expected. One or
 *  more FCIs. Returns octets consumed or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_tst_parse(const uint8_t *buf, size_t len, int fmt,
                                 rtcp_fb_common *hdr,
                                 rtcp_fb_tst_item *items, size_t *n);
/** Build a TSTR (fmt 5) or TSTN (fmt 6) from n >= 1 items (_RANGE for an
 *  index over 31). Returns octets written or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_tst_build(uint8_t *out, size_t cap, int fmt,
                                 uint32_t sender_ssrc, uint32_t media_ssrc,
                                 const rtcp_fb_tst_item *items, size_t n,
                                 size_t *needed);
#define RTCP_FB_FMT_TSTR 5
#define RTCP_FB_FMT_TSTN 6

/* ------------------------------------------------------------------------
 * RFC 5104 §4.2.1 TMMBR, §4.2.2 TMMBN (PT 205, FMT 3, 4)
 * --------------------------------------------------------------------- */

/** One TMMBR/TMMBN FCI (RFC 5104 §4.2.1.1): SSRC, MxTBR exponent (6 bits),
 *  mantissa (17 bits), measured overhead (9 bits, octets per packet). The
 *  bitrate is mantissa * 2^exp bits per second: up to 81 bits wide, see
 *  rtcp_fb_mantissa_to_bps. */
typedef struct rtcp_fb_tmmb_item {
    uint32_t ssrc;
    uint8_t exp;
    uint32_t mantissa;
    uint16_t overhead;
} rtcp_fb_tmmb_item;

/** Parse a TMMBR (fmt 3, one or more FCIs) or a TMMBN (fmt 4, zero or more
 *  FCIs: an empty bounding set is legal, §4.2.2.2). Returns octets
 *  consumed or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_tmmb_parse(const uint8_t *buf, size_t len, int fmt,
                                  rtcp_fb_common *hdr,
                                  rtcp_fb_tmmb_item *items, size_t *n);
/** Build a TMMBR (fmt 3, n >= 1) or TMMBN (fmt 4, n >= 0); _RANGE when
 *  exp > 63, mantissa >= 2^17 or overhead >= 2^9. Returns octets written
 *  or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_tmmb_build(uint8_t *out, size_t cap, int fmt,
                                  uint32_t sender_ssrc, uint32_t media_ssrc,
                                  const rtcp_fb_tmmb_item *items, size_t n,
                                  size_t *needed);
#define RTCP_FB_FMT_TMMBR 3
#define RTCP_FB_FMT_TMMBN 4

/** mantissa * 2^exp in bits per second, saturated at UINT64_MAX: a 6-bit
 *  exponent and a 17-bit (TMMBR) or 18-bit (REMB) mantissa reach 2^81,
 *  which no C integer holds. A zero mantissa is 0 for any exponent. */
RTCP_FBDEF uint64_t rtcp_fb_mantissa_to_bps(uint8_t exp, uint32_t mantissa);
/** The smallest exponent, and its mantissa of mantissa_bits (1..32) bits,
 *  for bps, rounding down (the encoded rate never exceeds bps; RFC 5104
 *  §4.2.1.1). Returns 0 or RTCP_FB_ERR_INVALID for a bad mantissa_bits. */
RTCP_FBDEF int rtcp_fb_bps_to_mantissa(uint64_t bps, unsigned mantissa_bits,
                                       uint8_t *exp, uint32_t *mantissa);

/* ------------------------------------------------------------------------
 * REMB, draft-alvestrand-rmcat-remb-03 §2.2 (PT 206, FMT 15)
 * --------------------------------------------------------------------- */

/** REMB FCI: "REMB", Num SSRC (8 bits), BR Exp (6 bits), BR Mantissa
 *  (18 bits), then Num SSRC SSRCs. Bitrate = mantissa * 2^exp bit/s (see
 *  rtcp_fb_mantissa_to_bps: exp 63 with an 18-bit mantissa needs 82 bits
 *  and saturates). */
typedef struct rtcp_fb_remb {
    uint8_t exp;
    uint32_t mantissa;
} rtcp_fb_remb;

/** Parse a REMB. RTCP_FB_ERR_TYPE when the FCI does not start with
 *  "REMB" (another application-layer feedback), _LENGTH when the FCI is
 *  not 8 + 4 * Num SSRC octets. ssrcs and *n: caller array. Returns octets
 *  consumed or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_remb_parse(const uint8_t *buf, size_t len,
                                  rtcp_fb_common *hdr, rtcp_fb_remb *out,
                                  uint32_t *ssrcs, size_t *n);
/** Build a REMB (media_ssrc is 0 per the draft); _RANGE for exp > 63,
 *  mantissa >= 2^18 or n > 255. Returns octets written or RTCP_FB_ERR_*.*/
RTCP_FBDEF int rtcp_fb_remb_build(uint8_t *out, size_t cap,
                                  uint32_t sender_ssrc, uint32_t media_ssrc,
                                  const rtcp_fb_remb *remb,
                                  const uint32_t *ssrcs, size_t n,
                                  size_t *needed);

/* ------------------------------------------------------------------------
 * Transport-wide CC feedback, draft-holmer-rmcat-transport-wide-cc-
 * extensions-01 §3.1 (PT 205, FMT 15)
 * --------------------------------------------------------------------- */

/** Packet status symbols (§3.1.1). RTCP_FB_TWCC_RECEIVED is builder input
 *  only: "received, pick the small delta when it fits, else large". */
enum {
    RTCP_FB_TWCC_NOT_RECEIVED = 0, /**< no delta */
    RTCP_FB_TWCC_SMALL = 1,        /**< received, 1-octet delta 0..63.75 ms */
    RTCP_FB_TWCC_LARGE = 2,        /**< received, 2-octet signed delta */
    RTCP_FB_TWCC_NO_DELTA = 3,     /**< reserved symbol 3: received without
                                        a delta (accepted as pion does) */
    RTCP_FB_TWCC_RECEIVED = 4
};

/** One packet of a TWCC feedback. delta_us: receive delta from the
 *  previous received packet (from the reference time for the first), in
 *  microseconds, a multiple of 250; 0 when no delta is carried. */
typedef struct rtcp_fb_twcc_packet {
    uint16_t seq;
    uint8_t status;
    int32_t delta_us;
} rtcp_fb_twcc_packet;

/** TWCC fixed fields: base sequence number, packet status count,
 *  reference time (24-bit signed, units of 64 ms), feedback packet count. */
typedef struct rtcp_fb_twcc {
    uint16_t base_seq;
    uint16_t status_count;
    int32_t ref_time;
    uint8_t fb_pkt_count;
} rtcp_fb_twcc;

/** Parse a TWCC feedback into one packet per status (seq = base + i mod
 *  2^16). Run-length and status-vector chunks (1-bit and 2-bit symbols);
 *  statuses a chunk gives past the status count are ignored. Padding: up
 *  to 3 octets after the deltas are accepted whatever the P bit and count
 *  say (pion's captures carry inconsistent ones), or exactly the RFC 3550
 *  padding count when P is set. Returns octets consumed or RTCP_FB_ERR_*
 *  (_LENGTH when chunks or deltas do not fit, or extra octets follow). */
RTCP_FBDEF int rtcp_fb_twcc_parse(const uint8_t *buf, size_t len,
                                  rtcp_fb_common *hdr, rtcp_fb_twcc *tw,
                                  rtcp_fb_twcc_packet *pkts, size_t *n);
/** Build a TWCC feedback from n (<= 65535) packets with consecutive seq
 *  starting at tw->base_seq (tw->status_count is ignored; n is written).
 *  Chunks are chosen greedily: a run-length chunk for runs of 14 or more
 *  (or a run that ends the list), a 1-bit vector when the next 14 symbols
 *  are 0/1, a run-length chunk for runs of 7 or more, else a 2-bit vector.
 *  The end is padded to 32 bits with RFC 3550 padding (P bit, count in the
 *  last octet). _INVALID for a seq out of order, _RANGE for a delta that
 *  is not a multiple of 250 or does not fit its symbol, or a ref_time
 *  outside 24 signed bits. Returns octets written or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_twcc_build(uint8_t *out, size_t cap,
                                  uint32_t sender_ssrc, uint32_t media_ssrc,
                                  const rtcp_fb_twcc *tw,
                                  const rtcp_fb_twcc_packet *pkts, size_t n,
                                  size_t *needed);

/* ------------------------------------------------------------------------
 * RFC 8888 §3.1 congestion control feedback (PT 205, FMT 11)
 * --------------------------------------------------------------------- */

/** One packet metric block: R (received), ECN (2 bits), arrival time
 *  offset (13 bits, units of 1/1024 s before the report timestamp;
 *  0x1FFE: at or over range, 0x1FFF: unavailable, §3.1). */
typedef struct rtcp_fb_ccfb_metric {
    uint8_t received;
    uint8_t ecn;
    uint16_t ato;
} rtcp_fb_ccfb_metric;

/** One per-SSRC report block: SSRC, begin_seq, num_reports (at most
 *  16384), and the index of its first metric in the metrics array. */
typedef struct rtcp_fb_ccfb_block {
    uint32_t ssrc;
    uint16_t begin_seq;
    uint16_t num_reports;
    size_t first;
} rtcp_fb_ccfb_block;

/** Whole-packet fields: sender SSRC (RFC 8888 has no media source SSRC)
 *  and the report timestamp (middle 32 bits of an NTP timestamp). */
typedef struct rtcp_fb_ccfb {
    uint32_t sender_ssrc;
    uint32_t report_timestamp;
} rtcp_fb_ccfb;

/** #define for the 13-bit arrival time offset special values. */
#define RTCP_FB_CCFB_ATO_OVER 0x1FFE
#define RTCP_FB_CCFB_ATO_NA 0x1FFF

/** Parse an RFC 8888 feedback. Blocks fill blocks (*n_blocks), their metrics
 *  metrics (*n_metrics) consecutively (block.first indexes them). An odd
 *  num_reports is followed by 16 padding bits (ignored). Returns octets
 *  consumed or RTCP_FB_ERR_* (_TOO_MANY sets both counts to the needs). */
RTCP_FBDEF int rtcp_fb_ccfb_parse(const uint8_t *buf, size_t len,
                                  rtcp_fb_ccfb *out,
                                  rtcp_fb_ccfb_block *blocks,
                                  size_t *n_blocks,
                                  rtcp_fb_ccfb_metric *metrics,
                                  size_t *n_metrics);
/** Build an RFC 8888 feedback from n_blocks blocks; block i takes metrics
 *  [first, first + num_reports). _RANGE for ecn > 3, ato > 0x1FFF or
 *  num_reports > 16384, _INVALID for a block past n_metrics. Returns
 *  octets written or RTCP_FB_ERR_*. */
RTCP_FBDEF int rtcp_fb_ccfb_build(uint8_t *out, size_t cap,
                                  const rtcp_fb_ccfb *cc,
                                  const rtcp_fb_ccfb_block *blocks,
                                  size_t n_blocks,
                                  const rtcp_fb_ccfb_metric *metrics,
                                  size_t n_metrics, size_t *needed);

/* ------------------------------------------------------------------------
 * NACK generator (receiver side, one SSRC; RFC 4585 §3.5 leaves timing to
 * the application: this one NACKs a gap at once, then every RTT)
 * --------------------------------------------------------------------- */

/** Configuration; zero means the default in brackets. */
typedef struct rtcp_fb_nackgen_config {
    uint32_t window;          /**< sequence numbers tracked behind the
                                   highest one, max RTCP_FB_NACKGEN_MAX
                                   [RTCP_FB_NACKGEN_MAX] */
    uint32_t max_retries;     /**< NACKs per sequence number; given up
                                   one spacing after the last [10] */
    uint64_t max_age_us;      /**< give up this long after the gap was
                                   seen [1 s] */
    uint64_t min_interval_us; /**< floor of the resend spacing [5 ms] */
    uint64_t reorder_us;      /**< wait this long before the first NACK,
                                   for reordering [0] */
    uint64_t rtt_us;          /**< initial RTT [100 ms] */
    uint32_t reorder_packets; /**< and until this many higher numbers
                                   arrived after it, for reordering [0] */
} rtcp_fb_nackgen_config;

/** One missing sequence number. */
typedef struct rtcp_fb_nackgen_entry {
    uint16_t seq;
    uint32_t retries; /**< NACKs sent so far */
    uint64_t seen_us; /**< when the gap was detected */
    uint64_t due_us;  /**< next NACK */
} rtcp_fb_nackgen_entry;

/** Callbacks of the NACK generator (optional; copied by
 *  rtcp_fb_nackgen_set_callbacks). size = sizeof(rtcp_fb_nackgen_callbacks)
 *  so members can be added later; any member may be NULL. */
typedef struct rtcp_fb_nackgen_callbacks {
    uint32_t size;
    /** A missing sequence number was given up: reason is
     *  RTCP_FB_NACKGEN_GAVE_UP_RETRIES (max_retries NACKs sent and one more
     *  resend spacing passed without it), _AGE (max_age_us), _WINDOW (fell
     *  out of the window, or the list was full) or _RESET (stream restart).
     *  For video this is the loss a key frame request repairs
     *  (rtcp_fb_keyreq_request with RTCP_FB_KEYREQ_LOSS). Called from
     *  rtcp_fb_nackgen_on_packet and _poll (now_us: theirs); do not call
     *  them from it. */
    void (*on_give_up)(void *user, uint16_t seq, int reason, uint64_t now_us);
} rtcp_fb_nackgen_callbacks;

/** Generator state: a plain struct, no allocation. Treat as opaque. */
typedef struct rtcp_fb_nackgen {
    rtcp_fb_nackgen_config cfg; /**< resolved configuration */
    int started;
    uint16_t highest;
    size_t n;                   /**< missing entries, oldest first */
    rtcp_fb_nackgen_entry e[RTCP_FB_NACKGEN_MAX];
    uint64_t n_recovered;       /**< missing numbers that arrived later */
    uint64_t n_given_up;        /**< dropped: retries, age or window */
    uint64_t n_resets;          /**< jumps over the window (list cleared) */
    rtcp_fb_nackgen_callbacks cb;
    void *user;
    int have_bad;               /**< RFC 3550 A.1 style restart detection */
    uint16_t bad_seq;
} rtcp_fb_nackgen;

/** Initialise g with cfg (NULL: all defaults). Returns 0 or
 *  RTCP_FB_ERR_INVALID when window > RTCP_FB_NACKGEN_MAX. */
RTCP_FBDEF int rtcp_fb_nackgen_init(rtcp_fb_nackgen *g,
                                    const rtcp_fb_nackgen_config *cfg);
/** Set the RTT in microseconds (resend spacing = max(rtt,
 *  min_interval_us)); applies to NACKs sent from now on. */
RTCP_FBDEF void rtcp_fb_nackgen_set_rtt(rtcp_fb_nackgen *g, uint64_t rtt_us);
/** Record the arrival of RTP sequence number seq at now_us. A number ahead
 *  of the highest (by 1..32767, modulo 2^16) makes the numbers between
 *  missing, due at now_us + reorder_us (and once reorder_packets higher
 *  numbers exist); a jump larger than the window clears the list and NACKs
 *  nothing (a stream restart: ask for a key frame instead). A number more
 *  than the window behind the highest is ignored, unless the next packet
 *  follows it (RFC 3550 A.1: the sender restarted backwards), which clears
 *  the list as a forward jump does. A missing number that arrives is
 *  removed (n_recovered). Entries pushed out of the window are given up
 *  (on_give_up). Returns the count of new missing numbers, or 0. */
RTCP_FBDEF int rtcp_fb_nackgen_on_packet(rtcp_fb_nackgen *g, uint16_t seq,
                                         uint64_t now_us);
/** The earliest time poll has work, or UINT64_MAX when nothing is
 *  missing. */
RTCP_FBDEF uint64_t rtcp_fb_nackgen_next_deadline(const rtcp_fb_nackgen *g);
/** At now_us: give up numbers older than max_age_us, and numbers whose
 *  max_retries-th NACK went one spacing ago without the retransmission
 *  arriving; then write the numbers due (oldest first, at most cap) to
 *  out, count a retry for each and schedule the next at now_us +
 *  max(rtt, min_interval_us), so a number is never NACKed twice within
 *  one RTT. Returns the count written (feed it to
 *  rtcp_fb_nack_build_seqs). Numbers left over when cap is reached stay
 *  due. */
RTCP_FBDEF size_t rtcp_fb_nackgen_poll(rtcp_fb_nackgen *g, uint64_t now_us,
                                       uint16_t *out, size_t cap);
/** Count of sequence numbers currently missing. */
RTCP_FBDEF size_t rtcp_fb_nackgen_missing(const rtcp_fb_nackgen *g);


/** Reasons of on_give_up. */
enum {
    RTCP_FB_NACKGEN_GAVE_UP_RETRIES = 1,
    RTCP_FB_NACKGEN_GAVE_UP_AGE = 2,
    RTCP_FB_NACKGEN_GAVE_UP_WINDOW = 3,
    RTCP_FB_NACKGEN_GAVE_UP_RESET = 4
};

/** Install callbacks (cb NULL removes them). Returns 0 or
 *  RTCP_FB_ERR_INVALID when cb->size is smaller than the first member. */
RTCP_FBDEF int rtcp_fb_nackgen_set_callbacks(rtcp_fb_nackgen *g,
                                             const rtcp_fb_nackgen_callbacks *cb,
                                             void *user);

/* ------------------------------------------------------------------------
 * Errors of the generators below (same range as rtcp_fb_err; macros so the
 * enum above stays as it is; rtcp_fb_strerror knows them)
 * --------------------------------------------------------------------- */

#define RTCP_FB_ERR_ORDER (-320)     /**< RTP seq not after the newest stored */
#define RTCP_FB_ERR_TOO_BIG (-321)   /**< packet over the configured maximum */
#define RTCP_FB_ERR_NOT_RTP (-322)   /**< not an RTP version 2 packet, or its
                                          header / padding does not fit */
#define RTCP_FB_ERR_NOT_FOUND (-323) /**< sequence number not in the history */
#define RTCP_FB_ERR_CALLBACK (-324)  /**< a send callback returned non-zero */
#define RTCP_FB_ERR_RTX_MAP (-325)   /**< RTX payload type not in the map */
#define RTCP_FB_ERR_STATE (-326)     /**< called from inside a callback */

/* ------------------------------------------------------------------------
 * Sender history: answers Generic NACKs (RFC 4585 §6.2.1) by resending, as
 * RFC 4588 RTX when negotiated.
 *
 * A ring of the RTP packets sent on one SSRC, in caller memory
 * (rtcp_fb_history_mem_size): at most max_packets packets and max_bytes
 * octets; the oldest are evicted first. Packets are stored in sending
 * order (each seq 1..32767 after the previous, modulo 2^16).
 * --------------------------------------------------------------------- */

/** Configuration; rtcp_fb_history_config_init writes the defaults in
 *  brackets. */
typedef struct rtcp_fb_history_config {
    uint32_t ssrc;            /**< media SSRC (the NACK's media source) */
    uint32_t max_packets;     /**< packets kept, 1..32768 [1024] */
    uint32_t max_bytes;       /**< octets kept, >= max_packet_size
                                   [1024 * 1200] */
    uint32_t max_packet_size; /**< largest packet stored, octets, 12..65535
                                   [1500] */
    uint64_t max_age_us;      /**< a packet sent longer ago is not resent;
                                   0: no limit [1 s] */
    uint64_t rtt_us;          /**< initial RTT [100 ms] */
    uint64_t min_interval_us; /**< floor of the per-packet resend spacing
                                   max(RTT, this) [5 ms] */
    int rtx;                  /**< RFC 4588 negotiated: resend as RTX [0] */
    uint8_t rtx_pt;           /**< RTX payload type, 0..127 [0] */
    uint32_t rtx_ssrc;        /**< RTX SSRC (RFC 4588 §5, SSRC
                                   multiplexing) [0] */
    uint16_t rtx_seq;         /**< first RTX sequence number; draw it at
                                   random (RFC 3550 §5.1) [0] */
} rtcp_fb_history_config;

/** Callbacks (copied at init). size = sizeof(rtcp_fb_history_callbacks);
 *  send_rtp is needed by rtcp_fb_history_on_nack only. */
typedef struct rtcp_fb_history_callbacks {
    uint32_t size;
    /** Send one resent packet (RTX or original bytes, valid during the
     *  call); osn is the original sequence number. Non-zero fails
     *  (RTCP_FB_ERR_CALLBACK). */
    int (*send_rtp)(void *user, const uint8_t *pkt, size_t len, uint16_t osn);
} rtcp_fb_history_callbacks;

/** Counters of a history (never decrease). */
typedef struct rtcp_fb_history_stats {
    uint64_t stored;       /**< packets put */
    uint64_t evicted;      /**< packets pushed out by capacity */
    uint64_t requested;    /**< sequence numbers NACKed */
    uint64_t resent;       /**< sequence numbers answered */
    uint64_t not_found;    /**< NACKed, not (or no longer) stored */
    uint64_t rate_limited; /**< NACKed again within max(RTT, min) */
    uint64_t too_old;      /**< NACKed after max_age_us */
} rtcp_fb_history_stats;

/** One stored packet (private). */
typedef struct rtcp_fb__hslot {
    uint16_t seq;
    uint8_t resent;
    uint32_t off, len;
    uint64_t sent_us, resent_us;
} rtcp_fb__hslot;

/** History state; fields are private, read them through the API. */
typedef struct rtcp_fb_history {
    rtcp_fb_history_config cfg;
    rtcp_fb_history_callbacks cb;
    void *user;
    rtcp_fb__hslot *slot;   /* max_packets, a ring in sending order */
    uint8_t *data;          /* max_bytes */
    uint8_t *scratch;       /* max_packet_size + 2: one RTX packet */
    uint32_t head, count;   /* oldest slot, slots in use */
    uint32_t wpos;          /* next free octet of data */
    uint16_t rtx_seq;       /* next RTX sequence number */
    int in_callback;
    rtcp_fb_history_stats st;
} rtcp_fb_history;

/** Fill cfg with the defaults. */
RTCP_FBDEF void rtcp_fb_history_config_init(rtcp_fb_history_config *cfg);
/** Bytes of caller memory (aligned as malloc's) a history with cfg
 *  (NULL: defaults) needs, or 0 when cfg is invalid (a limit out of the
 *  range above, rtx_pt > 127). */
RTCP_FBDEF size_t rtcp_fb_history_mem_size(const rtcp_fb_history_config *cfg);
/** Set up h in mem (rtcp_fb_history_mem_size(cfg) bytes, aligned for
 *  uint64_t; it must outlive h). cb may be NULL (no on_nack). Returns 0,
 *  RTCP_FB_ERR_INVALID (bad cfg, cb->size too small) or
 *  RTCP_FB_ERR_NOSPACE (mem_len too small). */
RTCP_FBDEF int rtcp_fb_history_init(rtcp_fb_history *h, void *mem,
                                    size_t mem_len,
                                    const rtcp_fb_history_config *cfg,
                                    const rtcp_fb_history_callbacks *cb,
                                    void *user);
/** Forget every packet (a new stream, e.g. after an SSRC change); the RTX
 *  sequence number and the counters go on. */
RTCP_FBDEF void rtcp_fb_history_reset(rtcp_fb_history *h);
/** Set the RTT in µs (resend spacing max(rtt, min_interval_us)). */
RTCP_FBDEF void rtcp_fb_history_set_rtt(rtcp_fb_history *h, uint64_t rtt_us);
/** Store a copy of an RTP packet sent at now_us (the whole packet as sent,
 *  header and padding included). Its seq must be 1..32767 after the newest
 *  stored one (modulo 2^16); older ones are evicted so the ring never
 *  spans more than 32768 numbers. Returns 0, RTCP_FB_ERR_NOT_RTP,
 *  RTCP_FB_ERR_TOO_BIG (over max_packet_size) or RTCP_FB_ERR_ORDER (seq
 *  not after the newest: call rtcp_fb_history_reset for a new stream). */
RTCP_FBDEF int rtcp_fb_history_put(rtcp_fb_history *h, const uint8_t *pkt,
                                   size_t len, uint64_t now_us);
/** The stored packet with sequence number seq (pointer into the caller's
 *  memory, valid until the next put or reset) and its length in *len, or
 *  NULL. */
RTCP_FBDEF const uint8_t *rtcp_fb_history_find(const rtcp_fb_history *h,
                                               uint16_t seq, size_t *len);
/** Packets stored. */
RTCP_FBDEF size_t rtcp_fb_history_count(const rtcp_fb_history *h);
/** Answer a parsed Generic NACK (RFC 4585 §6.2.1: PID, and PID+i+1 for
 *  bit i of BLP) at now_us: writes to seqs, in the NACK's order, each
 *  requested number that is stored, not older than max_age_us, and not
 *  resent within max(RTT, min_interval_us) (RFC 4588 §3: do not resend
 *  what is already on its way), and records it as resent now. Stops when
 *  cap numbers are written (the rest stay unanswered, for the next NACK).
 *  Returns the count written, or RTCP_FB_ERR_INVALID (NULL arrays). */
RTCP_FBDEF int rtcp_fb_history_answer(rtcp_fb_history *h,
                                      const rtcp_fb_nack_item *items, size_t n,
                                      uint64_t now_us, uint16_t *seqs,
                                      size_t cap);
/** Build the resend of stored packet seq into (out, cap): with RTX, the
 *  RFC 4588 §4 packet (rtcp_fb_rtx_build with rtx_pt, rtx_ssrc and the
 *  next RTX sequence number, which is used up only when the packet is
 *  written); without, the original bytes. Returns octets written,
 *  RTCP_FB_ERR_NOSPACE with *needed, or RTCP_FB_ERR_NOT_FOUND. */
RTCP_FBDEF int rtcp_fb_history_build_resend(rtcp_fb_history *h, uint16_t seq,
                                            uint8_t *out, size_t cap,
                                            size_t *needed);
/** A Generic NACK packet arrived (buf, len: one RTCP packet, as
 *  rtcp_fb_nack_parse takes it): when its media SSRC is cfg.ssrc, answer
 *  it (rtcp_fb_history_answer, at most 17 numbers per FCI) and send each
 *  resend through callbacks.send_rtp. Returns the packets sent (0 for
 *  another SSRC), a parse error, RTCP_FB_ERR_INVALID (no send_rtp),
 *  RTCP_FB_ERR_CALLBACK (send_rtp failed: the numbers not yet sent are
 *  not marked resent) or RTCP_FB_ERR_STATE (called from send_rtp). */
RTCP_FBDEF int rtcp_fb_history_on_nack(rtcp_fb_history *h, const uint8_t *buf,
                                       size_t len, uint64_t now_us);
/** Counters. */
RTCP_FBDEF rtcp_fb_history_stats rtcp_fb_history_get_stats(
    const rtcp_fb_history *h);

/** Build the RFC 4588 §4 retransmission of the RTP packet orig: the
 *  header is copied with PT = rtx_pt, SSRC = rtx_ssrc, sequence number =
 *  rtx_seq, the timestamp, marker, CSRCs and header extension kept, and the
 *  P bit cleared; the payload is the original sequence number (OSN, 2
 *  octets, network order) then the original payload without its padding.
 *  Returns octets written (original length + 2 - padding) or
 *  RTCP_FB_ERR_NOSPACE with *needed (out == NULL measures),
 *  RTCP_FB_ERR_NOT_RTP, RTCP_FB_ERR_RANGE (rtx_pt > 127). */
RTCP_FBDEF int rtcp_fb_rtx_build(const uint8_t *orig, size_t len,
                                 uint8_t rtx_pt, uint32_t rtx_ssrc,
                                 uint16_t rtx_seq, uint8_t *out, size_t cap,
                                 size_t *needed);

/** One RTX association (RFC 4588 §8.6 "apt", SSRC multiplexing): RTX
 *  payload type rtx_pt carries payload type apt of the stream media_ssrc. */
typedef struct rtcp_fb_rtx_map {
    uint8_t rtx_pt;
    uint8_t apt;
    uint32_t media_ssrc;
} rtcp_fb_rtx_map;

/** Receive side of RFC 4588 §4: rebuild the original packet from an RTX
 *  packet. The map entry whose rtx_pt is the packet's PT gives the
 *  original PT (apt) and SSRC; the sequence number is the OSN, and the
 *  timestamp, marker, CSRCs and extension are kept; the RTX padding is
 *  dropped. Returns octets written (len - 2 - padding), or
 *  RTCP_FB_ERR_NOSPACE with *needed, RTCP_FB_ERR_NOT_RTP (also for a
 *  payload shorter than the 2-octet OSN, as an RTX padding-only packet
 *  is: nothing to recover), RTCP_FB_ERR_RTX_MAP (PT not mapped),
 *  RTCP_FB_ERR_INVALID (NULL map with n_maps > 0). *osn (optional) gets
 *  the original sequence number. */
RTCP_FBDEF int rtcp_fb_rtx_recover(const uint8_t *rtx, size_t len,
                                   const rtcp_fb_rtx_map *maps, size_t n_maps,
                                   uint8_t *out, size_t cap, size_t *needed,
                                   uint16_t *osn);

/* ------------------------------------------------------------------------
 * Key frame requester: PLI (RFC 4585 §6.3.1) or FIR (RFC 5104 §4.3.1)
 * for one media sender, rate limited, repeated until a key frame arrives.
 * --------------------------------------------------------------------- */

/** Methods the peer negotiated (a=rtcp-fb ... nack pli / ccm fir). */
#define RTCP_FB_KEYREQ_PLI 1u
#define RTCP_FB_KEYREQ_FIR 2u

/** Why a key frame is needed. LOSS (pictures lost: a NACK given up, a
 *  decoding error) always asks with PLI: RFC 5104 §4.3.1.2 says FIR SHALL
 *  NOT be sent as a reaction to picture losses. REFRESH (the decoder
 *  cannot go on without a decoder refresh point: a new receiver, a stream
 *  switch) uses FIR when negotiated, else PLI. */
enum { RTCP_FB_KEYREQ_LOSS = 0, RTCP_FB_KEYREQ_REFRESH = 1 };

/** Configuration; rtcp_fb_keyreq_config_init writes the defaults. */
typedef struct rtcp_fb_keyreq_config {
    uint32_t sender_ssrc;     /**< our SSRC [0] */
    uint32_t media_ssrc;      /**< the media sender's SSRC [0] */
    unsigned methods;         /**< RTCP_FB_KEYREQ_PLI | _FIR [PLI] */
    uint64_t min_interval_us; /**< requests are at least max(RTT, this)
                                   apart [300 ms] */
    uint64_t rtt_us;          /**< initial RTT [100 ms] */
    uint32_t max_repeats;     /**< repeats of one unanswered request;
                                   0: until a key frame arrives [0] */
    uint8_t fir_seq;          /**< sequence number of the first FIR; the
                                   initial value is arbitrary (§4.3.1.2) [0] */
} rtcp_fb_keyreq_config;

/** Callbacks (copied at init). size = sizeof(rtcp_fb_keyreq_callbacks). */
typedef struct rtcp_fb_keyreq_callbacks {
    uint32_t size;
    /** Send one PLI (12 octets) or FIR (20 octets) packet; the caller puts
     *  it in a (minimal) compound RTCP packet (RFC 4585 §3.1; see
     *  rtcp_fb_timing for when). Non-zero fails (RTCP_FB_ERR_CALLBACK,
     *  the request stays due). Required. */
    int (*send_rtcp)(void *user, const uint8_t *pkt, size_t len);
} rtcp_fb_keyreq_callbacks;

/** Requester state (fields private). */
typedef struct rtcp_fb_keyreq {
    rtcp_fb_keyreq_config cfg;
    rtcp_fb_keyreq_callbacks cb;
    void *user;
    int pending;              /* a request waits for its key frame */
    unsigned method;          /* of the pending request */
    uint8_t fir_seq;          /* of the pending FIR, once sent */
    uint8_t next_fir_seq;
    int fir_assigned;         /* the pending FIR has its number */
    int have_sent;
    uint64_t last_sent_us;
    uint32_t sent_for_pending;
    int in_callback;
    uint64_t n_pli, n_fir, n_answered, n_abandoned;
} rtcp_fb_keyreq;

/** Fill cfg with the defaults. */
RTCP_FBDEF void rtcp_fb_keyreq_config_init(rtcp_fb_keyreq_config *cfg);
/** Initialise k (cfg NULL: defaults). Returns 0 or RTCP_FB_ERR_INVALID
 *  (no send_rtcp, cb->size too small, methods without PLI or FIR). */
RTCP_FBDEF int rtcp_fb_keyreq_init(rtcp_fb_keyreq *k,
                                   const rtcp_fb_keyreq_config *cfg,
                                   const rtcp_fb_keyreq_callbacks *cb,
                                   void *user);
/** Set the RTT in µs. */
RTCP_FBDEF void rtcp_fb_keyreq_set_rtt(rtcp_fb_keyreq *k, uint64_t rtt_us);
/** Ask for a key frame for reason (RTCP_FB_KEYREQ_LOSS or _REFRESH) at
 *  now_us. With no request pending, this is a new request (a FIR takes the
 *  next sequence number when it is first sent, so a request answered
 *  before it went out uses none); with one pending, it joins it, except
 *  that a
 *  REFRESH upgrades a pending PLI to a new FIR. The request is sent at
 *  once when max(RTT, min_interval_us) has passed since the last one,
 *  else at next_deadline. Returns 1 (sent now), 0 (pending), or
 *  RTCP_FB_ERR_INVALID (bad reason), RTCP_FB_ERR_TYPE (LOSS with only FIR
 *  negotiated: not sent, §4.3.1.2), RTCP_FB_ERR_CALLBACK,
 *  RTCP_FB_ERR_STATE. */
RTCP_FBDEF int rtcp_fb_keyreq_request(rtcp_fb_keyreq *k, int reason,
                                      uint64_t now_us);
/** A key frame (decoder refresh point) arrived: the pending request is
 *  answered and nothing more is sent for it. */
RTCP_FBDEF void rtcp_fb_keyreq_on_keyframe(rtcp_fb_keyreq *k, uint64_t now_us);
/** When the pending request is next sent (a repeat, FIR §4.3.1.2: same
 *  sequence number), or UINT64_MAX when none is pending. */
RTCP_FBDEF uint64_t rtcp_fb_keyreq_next_deadline(const rtcp_fb_keyreq *k);
/** The timer fired: sends the pending request when due (a repeat after
 *  max_repeats abandons it instead). Returns 1 when sent, 0, or
 *  RTCP_FB_ERR_CALLBACK, RTCP_FB_ERR_STATE. */
RTCP_FBDEF int rtcp_fb_keyreq_on_timeout(rtcp_fb_keyreq *k, uint64_t now_us);

/* ------------------------------------------------------------------------
 * Transport-wide CC feedback generator (receiver side),
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1
 * --------------------------------------------------------------------- */

/** Configuration; rtcp_fb_twccgen_config_init writes the defaults. */
typedef struct rtcp_fb_twccgen_config {
    uint32_t sender_ssrc;   /**< our SSRC [0] */
    uint32_t media_ssrc;    /**< SSRC of the media source field [0] */
    uint32_t window;        /**< arrivals remembered, packets, 16..32768:
                                 late packets this far behind the highest
                                 are still reported [1024] */
    uint64_t interval_us;   /**< feedback period [100 ms] */
    uint32_t max_packets;   /**< feedback as soon as this many packets
                                 wait; 0: none [0] */
    uint64_t max_bytes;     /**< feedback as soon as this many RTP octets
                                 wait; 0: none [0] */
    uint32_t max_fb_size;   /**< largest feedback packet, octets, 64..65536;
                                 longer reports are split [1200] */
} rtcp_fb_twccgen_config;

/** Callbacks (copied at init). size = sizeof(rtcp_fb_twccgen_callbacks). */
typedef struct rtcp_fb_twccgen_callbacks {
    uint32_t size;
    /** Send one feedback packet (valid during the call). Non-zero fails
     *  (RTCP_FB_ERR_CALLBACK; the packets stay pending). Required. */
    int (*send_rtcp)(void *user, const uint8_t *pkt, size_t len);
} rtcp_fb_twccgen_callbacks;

/** Generator state (fields private). */
typedef struct rtcp_fb_twccgen {
    rtcp_fb_twccgen_config cfg;
    rtcp_fb_twccgen_callbacks cb;
    void *user;
    uint64_t *arrival;          /* window entries: arrival µs + 1, 0 = none */
    rtcp_fb_twcc_packet *pkts;  /* window entries: one feedback's packets */
    uint8_t *buf;               /* max_fb_size octets */
    int started;
    int64_t highest;            /* extended sequence numbers */
    int64_t start;              /* first not yet reported */
    uint32_t pending_pkts;
    uint64_t pending_bytes;
    uint64_t period_start_us;   /* the interval runs from here */
    uint8_t fb_count;           /* next feedback packet count */
    int in_callback;
    uint64_t n_feedback, n_late, n_too_old, n_duplicate;
} rtcp_fb_twccgen;

/** Fill cfg with the defaults. */
RTCP_FBDEF void rtcp_fb_twccgen_config_init(rtcp_fb_twccgen_config *cfg);
/** Bytes of caller memory for cfg (NULL: defaults), 0 when invalid. */
RTCP_FBDEF size_t rtcp_fb_twccgen_mem_size(const rtcp_fb_twccgen_config *cfg);
/** Set up g in mem (rtcp_fb_twccgen_mem_size(cfg) bytes, aligned for
 *  uint64_t, outliving g). Returns 0, RTCP_FB_ERR_INVALID (bad cfg, no
 *  send_rtcp) or RTCP_FB_ERR_NOSPACE. */
RTCP_FBDEF int rtcp_fb_twccgen_init(rtcp_fb_twccgen *g, void *mem,
                                    size_t mem_len,
                                    const rtcp_fb_twccgen_config *cfg,
                                    const rtcp_fb_twccgen_callbacks *cb,
                                    void *user);
/** An RTP packet with transport-wide sequence number seq (from its header
 *  extension) and size octets arrived at now_us. The number is extended
 *  around the highest one (16-bit wrap). A late packet still in the window
 *  is recorded, and when it precedes what was already reported the next
 *  feedback starts again from it (the draft lets a packet reported lost be
 *  reported received later); an older one is dropped (n_too_old), a
 *  duplicate keeps its first arrival. Feedback is sent from here, through
 *  send_rtcp, when max_packets or max_bytes is reached, or when the
 *  window would overwrite unreported arrivals. Returns the feedback
 *  packets sent, or RTCP_FB_ERR_CALLBACK, RTCP_FB_ERR_STATE. */
RTCP_FBDEF int rtcp_fb_twccgen_on_packet(rtcp_fb_twccgen *g, uint16_t seq,
                                         size_t size, uint64_t now_us);
/** interval_us after the period started (the first pending packet), when
 *  packets wait; UINT64_MAX otherwise. */
RTCP_FBDEF uint64_t rtcp_fb_twccgen_next_deadline(const rtcp_fb_twccgen *g);
/** The timer fired: when due, report every packet from the first
 *  unreported one to the highest (rtcp_fb_twccgen_flush). Returns the
 *  feedback packets sent, 0 when not due, or an error as flush. */
RTCP_FBDEF int rtcp_fb_twccgen_on_timeout(rtcp_fb_twccgen *g, uint64_t now_us);
/** Send the feedback for everything pending now, whatever the time:
 *  base sequence = the first unreported number; each packet received or
 *  not received; reference time = the first received packet's arrival in
 *  64 ms units (24 bits, modulo 2^24); deltas in 250 µs units between
 *  arrival times rounded down to 250 µs, small (0..255) or large (signed
 *  16 bits); the feedback packet count goes up by one per packet (8 bits,
 *  wraps). A feedback that would exceed max_fb_size, or a delta that fits
 *  no symbol, ends the packet and the next one starts there. Returns the
 *  packets sent or RTCP_FB_ERR_CALLBACK, RTCP_FB_ERR_STATE. */
RTCP_FBDEF int rtcp_fb_twccgen_flush(rtcp_fb_twccgen *g, uint64_t now_us);

/* ------------------------------------------------------------------------
 * RFC 4585 §3.5 RTCP timing for AVPF: Regular RTCP (§3.5.3, with
 * T_rr_interval), Early feedback (§3.5.2, allow_early, dithering) and
 * feedback suppression (§3.5.2 step 5), for one session member.
 *
 * The context decides when compound RTCP goes out; the caller builds it
 * (rtp.h's sessions or its own code) and reports the sizes of the compound
 * packets sent and received (avg_rtcp_size, §3.5.4).
 * --------------------------------------------------------------------- */

/** §3.3 modes of operation (an indication; the algorithm is the same). */
enum {
    RTCP_FB_MODE_IMMEDIATE = 1, /**< every event can be reported at once */
    RTCP_FB_MODE_EARLY = 2,     /**< feedback for some events */
    RTCP_FB_MODE_REGULAR = 3    /**< feedback no longer timely */
};

/** What on_timeout tells the caller to do now. */
enum {
    RTCP_FB_TIMING_NONE = 0,       /**< nothing (not due, or rescheduled by
                                        timer reconsideration) */
    RTCP_FB_TIMING_REGULAR = 1,    /**< send a full compound RTCP packet
                                        with the pending FB messages (§3.5.3
                                        case 1 or 2a) */
    RTCP_FB_TIMING_FB_ONLY = 2,    /**< §3.5.3 case 2b: T_rr_interval not
                                        over but FB messages wait: send a
                                        minimal (or full) compound with them */
    RTCP_FB_TIMING_SUPPRESSED = 3, /**< §3.5.3 case 2c: the Regular packet
                                        is not sent */
    RTCP_FB_TIMING_EARLY = 4,      /**< §3.5.2 step 6: send the Early
                                        (minimal compound) packet with the
                                        FB messages */
    RTCP_FB_TIMING_FB_DISCARDED = 5 /**< §3.5.2 step 5a: the pending FB was
                                        seen from another member; drop it */
};

/** What rtcp_fb_timing_request_early answers (*when_us: the send time). */
enum {
    RTCP_FB_EARLY_NOW = 1,       /**< Early packet allowed at once (no
                                      dithering): send it and call
                                      rtcp_fb_timing_on_early_sent */
    RTCP_FB_EARLY_SCHEDULED = 2, /**< Early packet at *when_us (te, step 4b)*/
    RTCP_FB_EARLY_MERGED = 3,    /**< a packet with FB is already scheduled
                                      (step 2a): add the message to it */
    RTCP_FB_EARLY_REGULAR = 4,   /**< no Early packet (step 3a or 4a.1):
                                      the message waits for the Regular one
                                      at *when_us */
    RTCP_FB_EARLY_DISCARD = 5    /**< step 4a.2: the Regular packet comes
                                      after T_max_fb_delay: drop it */
};

/** Configuration; rtcp_fb_timing_config_init writes the defaults. */
typedef struct rtcp_fb_timing_config {
    int point_to_point;        /**< two members only: T_dither_max = 0 and
                                    initial Tmin = 0 (§3.5.1) [1] */
    uint64_t t_rr_interval_us; /**< T_rr_interval, minimal interval between
                                    Regular packets; 0: none [0] */
    uint64_t t_max_fb_delay_us; /**< T_max_fb_delay: feedback later than
                                    this is useless [UINT64_MAX] */
    uint64_t rtcp_bw_bps;      /**< RTCP bandwidth, bit/s (RFC 3550 §6.2)
                                    [3200: 5% of 64 kbit/s] */
    uint32_t avg_rtcp_size;    /**< initial avg_rtcp_size, octets with the
                                    lower-layer overhead [100] */
    uint32_t members;          /**< initial members, us included [2] */
} rtcp_fb_timing_config;

/** Callbacks (copied at init). size = sizeof(rtcp_fb_timing_callbacks). */
typedef struct rtcp_fb_timing_callbacks {
    uint32_t size;
    /** Randomness: fills buf with len random octets (2 a draw, read
     *  big-endian as r: RND(0.5, 1.5) = 0.5 + r/65536, RND(0, 1) =
     *  r/65536). NULL: every RND is the middle of its range. */
    void (*rand)(void *user, uint8_t *buf, size_t len);
    /** §3.5.2 step 5, asked when the Early packet is due: non-zero when
     *  FB messages received from other members during [t0 - T_retention,
     *  te] are a superset of ours (5a: ours is discarded). NULL: never. */
    int (*fb_seen)(void *user);
} rtcp_fb_timing_callbacks;

/** Timing state. Fields are readable (times in µs on the caller's clock);
 *  change them only through the API. */
typedef struct rtcp_fb_timing {
    rtcp_fb_timing_config cfg;
    rtcp_fb_timing_callbacks cb;
    void *user;
    uint64_t tp, tn;          /**< §3.4 c */
    uint64_t t_rr;            /**< T_rr: the last calculated interval */
    uint64_t tmin;            /**< Tmin (§3.4 d) */
    int allow_early;          /**< §3.4 k */
    int have_rr_last;         /**< t_rr_last is not NaN */
    uint64_t t_rr_last;       /**< §3.4 n */
    int early_scheduled;      /**< an Early packet waits for te */
    uint64_t te;
    int fb_pending;           /**< FB messages wait (Early or Regular) */
    uint64_t avg_rtcp_size_x16; /**< avg_rtcp_size in 1/16 octets */
    uint32_t members, senders;
    int we_sent;
    uint64_t n_regular, n_early, n_fb_only, n_suppressed, n_discarded;
} rtcp_fb_timing;

/** Fill cfg with the defaults. */
RTCP_FBDEF void rtcp_fb_timing_config_init(rtcp_fb_timing_config *cfg);
/** Start at now_us (§3.5.1): allow_early TRUE, t_rr_last NaN, Tmin 0 for
 *  point-to-point or 1 s, tp = now, tn = now + T_rr. cfg NULL: defaults;
 *  cb NULL: no callbacks. Returns 0 or RTCP_FB_ERR_INVALID (rtcp_bw_bps
 *  0, avg_rtcp_size 0 or over 65535, cb->size too small). */
RTCP_FBDEF int rtcp_fb_timing_init(rtcp_fb_timing *t,
                                   const rtcp_fb_timing_config *cfg,
                                   const rtcp_fb_timing_callbacks *cb,
                                   void *user, uint64_t now_us);
/** The T_rr interval (RFC 3550 §6.3.1 / A.7 calculated interval with the
 *  AVPF Tmin, no 5 s minimum, §3.2) for rnd16 (RND = 0.5 + rnd16/65536):
 *  avg_rtcp_size * n / bw with senders taking 25% of rtcp_bw when they
 *  are at most a quarter of the members (n = senders or receivers), at
 *  least Tmin, times RND, divided by e - 3/2. Pure; µs. */
RTCP_FBDEF uint64_t rtcp_fb_timing_interval(const rtcp_fb_timing *t,
                                            uint16_t rnd16);
/** Group size: members (us included, at least 1) and senders (at most
 *  members), and whether we sent RTP lately (RFC 3550 §6.3). Used from
 *  the next interval on. */
RTCP_FBDEF void rtcp_fb_timing_set_members(rtcp_fb_timing *t, uint32_t members,
                                           uint32_t senders, int we_sent);
/** A compound RTCP packet of size octets (lower-layer overhead included)
 *  was sent or received: avg_rtcp_size = size/16 + 15/16 avg (§3.5.4,
 *  RFC 3550 §6.3.3). */
RTCP_FBDEF void rtcp_fb_timing_on_rtcp_size(rtcp_fb_timing *t, size_t size);
/** §3.5.2 for an event detected at now_us (t0) that needs FB messages:
 *  returns RTCP_FB_EARLY_* and sets *when_us (optional) to the time the
 *  packet carrying them goes: now (NOW), te (SCHEDULED), the waiting
 *  packet's time (MERGED), tn (REGULAR); UINT64_MAX for DISCARD. After
 *  NOW, the caller sends and calls rtcp_fb_timing_on_early_sent(now). */
RTCP_FBDEF int rtcp_fb_timing_request_early(rtcp_fb_timing *t, uint64_t now_us,
                                            uint64_t *when_us);
/** An Early packet was sent at now_us (§3.5.2 step 6): allow_early FALSE,
 *  tn = tp + 2 T_rr, tp = the previous tn. on_timeout calls this itself
 *  when it returns RTCP_FB_TIMING_EARLY. */
RTCP_FBDEF void rtcp_fb_timing_on_early_sent(rtcp_fb_timing *t, uint64_t now_us);
/** §3.5.2 step 5a from the caller's side: FB messages seen from another
 *  member cover ours; the pending Early packet is cancelled and the FB
 *  dropped (the Regular schedule, tn, stays). Returns 1 when something was
 *  pending. */
RTCP_FBDEF int rtcp_fb_timing_suppress(rtcp_fb_timing *t);
/** min(te of a pending Early packet, tn). */
RTCP_FBDEF uint64_t rtcp_fb_timing_next_deadline(const rtcp_fb_timing *t);
/** The timer fired at now_us. At te: asks fb_seen (step 5); returns
 *  RTCP_FB_TIMING_FB_DISCARDED, or RTCP_FB_TIMING_EARLY (send now; step 6
 *  applied). At tn: timer reconsideration (RFC 3550 §6.3.6): T_rr is
 *  recalculated and if tp + T_rr is still ahead, tn moves there (NONE);
 *  else §3.5.3: REGULAR (first Regular packet, T_rr_interval 0, or case
 *  2a: t_rr_last = tn, Tmin = 0), FB_ONLY (2b) or SUPPRESSED (2c); then
 *  allow_early TRUE, tp = now, tn = now + T_rr, pending FB cleared (it
 *  goes in this packet). Before any deadline: NONE. */
RTCP_FBDEF int rtcp_fb_timing_on_timeout(rtcp_fb_timing *t, uint64_t now_us);
/** §3.3 mode for events every event_interval_us on average: IMMEDIATE
 *  when this member's RTCP share allows one packet per event
 *  (event_interval >= R / B, the RFC 3550 §6.3.1 interval without minimum
 *  or randomisation, i.e. N <= B*T/R with N = 1), REGULAR when
 *  T_dither_max (0.5 T_rr, 0 point-to-point) already exceeds
 *  T_max_fb_delay (§3.4), else EARLY. */
RTCP_FBDEF int rtcp_fb_timing_mode(const rtcp_fb_timing *t,
                                   uint64_t event_interval_us);
/* ------------------------------------------------------------------------
 * Congestion control: send-side bandwidth estimation in the manner of GCC
 * (draft-ietf-rmcat-gcc-02) on transport-wide CC feedback, and a
 * receive-side estimate that produces REMB. See docs/CONGESTION.md.
 *
 * Pipeline (draft section in brackets):
 *   packets -> groups of 5 ms bursts (§5.1, §5.2 pre-filtering)
 *           -> inter-group delay variation d(i) (§5.1)
 *           -> trendline filter (replaces the §5.3 Kalman filter, below)
 *           -> over-use detector, adaptive threshold (§5.4)
 *           -> AIMD rate controller, Increase/Hold/Decrease (§5.5)
 *   loss fraction -> loss-based controller (§6)
 *   target = clamp(min(delay-based, loss-based), min, max)
 *
 * Trendline instead of Kalman: the accumulated delay variation is smoothed
 * (exponential, coefficient 0.9) and a least-squares line is fitted over
 * the last `trend_window` (20) groups against their arrival time; the
 * slope, times min(groups seen, 60) and a gain (4), is the signal m(i) the
 * §5.4 detector compares with its threshold. This is what the later GCC
 * implementations run: a slope over ~20 groups reacts to a queue that
 * keeps growing and ignores a single late group, where the Kalman filter
 * of §5.3 needs its noise variance tuned per link. The threshold follows
 * §5.4: gamma(i) = gamma(i-1) + dt * K * (|m(i)| - gamma(i-1)), K = k_up
 * when |m| > gamma else k_down, gamma kept in [6, 600], not updated when
 * |m| exceeds gamma by more than 15; defaults k_up 0.0087, k_down 0.039
 * (the values tuned for the trendline signal; the draft's 0.01 and
 * 0.00018 were for the Kalman output).
 *
 * Units: time in µs (uint64_t now_us; receiver clocks may start anywhere),
 * sizes in bytes, rates in bit/s. Nothing reads a clock: the estimators
 * run on the times passed in, so two runs on the same input give the same
 * output. Doubles are used for the filter and rates.
 * --------------------------------------------------------------------- */

/** Error codes of the congestion controllers (-350..-359). */
#define RTCP_FB_ERR_CC_CONFIG -350 /**< inconsistent configuration */

/** Send history slots (a power of two, 64..32768): transport-wide seqs
 *  further behind the newest one than this are forgotten. */
#ifndef RTCP_FB_CC_HISTORY
#define RTCP_FB_CC_HISTORY 1024
#endif
/** Largest trendline window (groups). */
#ifndef RTCP_FB_CC_TRENDLINE_MAX
#define RTCP_FB_CC_TRENDLINE_MAX 64
#endif
/** Packets kept by the windowed rate meters (acknowledged / incoming). */
#ifndef RTCP_FB_CC_RATE_MAX
#define RTCP_FB_CC_RATE_MAX 512
#endif
/** SSRCs one REMB estimator lists. */
#ifndef RTCP_FB_CC_REMB_MAX_SSRC
#define RTCP_FB_CC_REMB_MAX_SSRC 8
#endif

/** Why the target changed (the callback's reason, and the state's). */
typedef enum rtcp_fb_cc_reason {
    RTCP_FB_CC_REASON_NONE = 0,     /**< no change */
    RTCP_FB_CC_REASON_INIT,         /**< the start bitrate */
    RTCP_FB_CC_REASON_INCREASE,     /**< delay-based increase (§5.5) or
                                         loss-based increase (§6) */
    RTCP_FB_CC_REASON_DELAY_OVERUSE,/**< §5.5 decrease to 0.85 x the
                                         acknowledged bitrate */
    RTCP_FB_CC_REASON_LOSS,         /**< §6 decrease, loss over 10% */
    RTCP_FB_CC_REASON_PROBE,        /**< a probe cluster's result */
    RTCP_FB_CC_REASON_CLAMP,        /**< min/max of the configuration */
    RTCP_FB_CC_REASON_FEEDBACK_TIMEOUT /**< no feedback: halved */
} rtcp_fb_cc_reason;

/** Short name of a reason ("delay-overuse", "loss", ...), static. */
RTCP_FBDEF const char *rtcp_fb_cc_reason_str(int reason);
/** Text for RTCP_FB_ERR_CC_* codes; other codes as rtcp_fb_strerror. */
RTCP_FBDEF const char *rtcp_fb_cc_strerror(int err);

/** Configuration shared by both estimators; a zero field takes the
 *  default in brackets. */
typedef struct rtcp_fb_cc_config {
    uint64_t start_bps;        /**< initial target [300 kbit/s] */
    uint64_t min_bps;          /**< floor of the target [30 kbit/s] */
    uint64_t max_bps;          /**< ceiling of the target [10 Mbit/s] */
    uint32_t burst_us;         /**< §5.2 group length [5000] */
    uint32_t trend_window;     /**< trendline groups, <= RTCP_FB_CC_
                                    TRENDLINE_MAX [20] */
    double trend_smoothing;    /**< exponential smoothing [0.9] */
    double trend_gain;         /**< slope gain [4] */
    double threshold_ms;       /**< §5.4 initial gamma [12.5] */
    double k_up;               /**< §5.4 K_u [0.0087] */
    double k_down;             /**< §5.4 K_d [0.039] */
    double overuse_time_ms;    /**< §5.4 overuse_time_th [10] */
    uint64_t rtt_us;           /**< RTT until set_rtt [100 ms] */
    uint32_t packet_bytes;     /**< expected packet size, for the §5.5
                                    additive increase [1200] */
    uint64_t rate_window_us;   /**< acknowledged/incoming bitrate
                                    window [250 ms] */
    uint64_t loss_interval_us; /**< §6 evaluation spacing (and at least
                                    20 packets) [200 ms] */
    uint64_t feedback_timeout_us; /**< no feedback this long after a send:
                                    halve the target, repeatedly [1 s] */
    double probe_start_factor; /**< first probe at start_bps x this [3];
                                    below 1 (e.g. 0.5): no start probe */
    uint64_t probe_drop_delay_us; /**< after loss or feedback-timeout
                                    decreases to half or less of the
                                    target at the last increase (within
                                    5 s), ask for a probe at 0.85 x that
                                    this much later [3 s] */
    uint32_t probe_min_packets;/**< packets a cluster result needs [5] */
    int no_probe;              /**< non-zero: never ask for probes */
} rtcp_fb_cc_config;

/* ---- building blocks (exposed for tests and custom pipelines) -------- */

/** Trendline filter state (see above). Treat as opaque. */
typedef struct rtcp_fb_cc_trendline {
    unsigned window;
    double smoothing, gain;
    double acc, smoothed, first_ms;
    double x[RTCP_FB_CC_TRENDLINE_MAX], y[RTCP_FB_CC_TRENDLINE_MAX];
    unsigned n, head;
    uint64_t groups;
    double slope; /**< last fitted slope (ms of delay per ms) */
} rtcp_fb_cc_trendline;

/** Initialise t: window 2..RTCP_FB_CC_TRENDLINE_MAX groups, smoothing in
 *  [0, 1), gain > 0. Returns 0, RTCP_FB_ERR_CC_CONFIG for a value out of
 *  range, RTCP_FB_ERR_INVALID for t == NULL. */
RTCP_FBDEF int rtcp_fb_cc_trendline_init(rtcp_fb_cc_trendline *t,
                                         unsigned window, double smoothing,
                                         double gain);
/** Add one group: its arrival time (ms, any origin) and its delay
 *  variation d(i) (ms, §5.1). Returns the detector signal
 *  min(groups, 60) x slope x gain, 0 until the window is full. */
RTCP_FBDEF double rtcp_fb_cc_trendline_update(rtcp_fb_cc_trendline *t,
                                              double arrival_ms,
                                              double delay_ms);

/** §5.4 detector output. */
typedef enum rtcp_fb_cc_usage {
    RTCP_FB_CC_NORMAL = 0,
    RTCP_FB_CC_UNDERUSE,
    RTCP_FB_CC_OVERUSE
} rtcp_fb_cc_usage;

/** §5.4 over-use detector with the adaptive threshold. Treat as opaque;
 *  threshold (gamma, ms) may be read. */
typedef struct rtcp_fb_cc_detector {
    double threshold, k_up, k_down, overuse_time_ms;
    double time_over_ms; /**< < 0: not over the threshold */
    unsigned count_over;
    double prev_m;
    uint64_t last_us;
    int have_last;
    rtcp_fb_cc_usage usage;
} rtcp_fb_cc_detector;

/** Initialise d from cfg's threshold_ms, k_up, k_down, overuse_time_ms
 *  (NULL, or a cfg rtcp_fb_cc_init would reject: all defaults). */
RTCP_FBDEF void rtcp_fb_cc_detector_init(rtcp_fb_cc_detector *d,
                                         const rtcp_fb_cc_config *cfg);
/** One signal m (from the trendline) for a group sent send_delta_ms after
 *  the previous one, at now_us: over-use when m stays above gamma for
 *  more than overuse_time_ms and two groups without falling, under-use
 *  when m < -gamma, else normal. Then adapts gamma (the elapsed time is
 *  capped at 100 ms). Returns the usage. */
RTCP_FBDEF rtcp_fb_cc_usage rtcp_fb_cc_detector_update(
    rtcp_fb_cc_detector *d, double m, double send_delta_ms,
    uint64_t now_us);

/** §5.5 rate controller states. */
typedef enum rtcp_fb_cc_rate_state {
    RTCP_FB_CC_HOLD = 0,
    RTCP_FB_CC_INCREASE,
    RTCP_FB_CC_DECREASE
} rtcp_fb_cc_rate_state;

/** §5.5 AIMD controller. bps, state and near (near convergence) may be
 *  read; the rest is private. */
typedef struct rtcp_fb_cc_aimd {
    double bps;
    rtcp_fb_cc_rate_state state;
    int near;
    double min_bps, max_bps;
    double avg_max_kbps, var_max; /**< avg < 0: unknown */
    uint64_t last_us;
    int have_last;
    uint64_t rtt_us;
    double packet_bits;
} rtcp_fb_cc_aimd;

/** Initialise a at cfg's start bitrate, state Increase, with its min,
 *  max, rtt and packet size (NULL, or a cfg rtcp_fb_cc_init would
 *  reject: all defaults). */
RTCP_FBDEF void rtcp_fb_cc_aimd_init(rtcp_fb_cc_aimd *a,
                                     const rtcp_fb_cc_config *cfg);
/** One detector signal at now_us with the acknowledged (send side) or
 *  incoming (receive side) bitrate, 0 when not known yet. Transitions
 *  (§5.5 table): over-use -> Decrease; normal: Hold -> Increase,
 *  Decrease -> Hold; under-use -> Hold. Increase: x 1.08 per second far
 *  from convergence, + one packet per (100 ms + RTT) near it (acked
 *  within 3 standard deviations of the average bitrate at past
 *  decreases), never above 1.5 x acked + 10 kbit/s. Decrease: to
 *  0.85 x acked (0.85 x the estimate when unknown), never up, then Hold.
 *  Returns RTCP_FB_CC_REASON_INCREASE / _DELAY_OVERUSE when the estimate
 *  moved, else _NONE. */
RTCP_FBDEF int rtcp_fb_cc_aimd_update(rtcp_fb_cc_aimd *a,
                                      rtcp_fb_cc_usage usage,
                                      double acked_bps, uint64_t now_us);

/** §6 loss-based rule on one loss fraction p (0..1): p < 0.02 gives
 *  bps x 1.05, p > 0.1 gives bps x (1 - 0.5 p), else bps. */
RTCP_FBDEF double rtcp_fb_cc_loss_rule(double bps, double p);

/** Windowed bitrate meter (private). */
typedef struct rtcp_fb_cc_rate {
    uint64_t window_us;
    int64_t t[RTCP_FB_CC_RATE_MAX];
    uint32_t sz[RTCP_FB_CC_RATE_MAX];
    unsigned head, n;
    uint64_t bytes;
    int64_t first_us, newest_us;
    int started;
} rtcp_fb_cc_rate;

/** Grouping + trendline + detector (private, shared by both sides). */
typedef struct rtcp_fb_cc_delay {
    uint32_t burst_us;
    int have_cur, have_prev;
    int64_t cur_first_send, cur_last_send, cur_last_arr;
    int64_t prev_last_send, prev_last_arr;
    rtcp_fb_cc_trendline trend;
    rtcp_fb_cc_detector det;
    double last_m; /**< last detector signal */
} rtcp_fb_cc_delay;

/* ---- send side --------------------------------------------------------- */

/** Target change: delivered to the callback, and kept as cc->last. */
typedef struct rtcp_fb_cc_update {
    uint64_t target_bps; /**< clamp(min(delay_bps, loss_bps)) */
    int reason;          /**< rtcp_fb_cc_reason */
    uint64_t delay_bps;  /**< §5.5 estimate */
    uint64_t loss_bps;   /**< §6 estimate */
    uint64_t acked_bps;  /**< acknowledged bitrate (0: unknown) */
    double loss;         /**< last evaluated loss fraction */
    uint64_t now_us;
} rtcp_fb_cc_update;

/** Target callback (u valid during the call only). */
typedef void (*rtcp_fb_cc_target_fn)(void *user, const rtcp_fb_cc_update *u);
/** Probe request: send a cluster of at least probe_min_packets packets
 *  (and about 15 ms) at bps, each recorded with rtcp_fb_cc_on_sent and
 *  this cluster id. */
typedef void (*rtcp_fb_cc_probe_fn)(void *user, uint64_t bps,
                                    uint16_t cluster, uint64_t now_us);

/** One slot of the send history (private). flags: 1 used, 2 acked,
 *  4 reported lost. */
typedef struct rtcp_fb_cc_sent {
    uint64_t send_us;
    uint32_t size;
    uint16_t seq;
    uint16_t cluster;
    uint8_t flags;
} rtcp_fb_cc_sent;

/** A probe cluster being measured (private). */
typedef struct rtcp_fb_cc_cluster {
    uint16_t id;
    uint32_t n;
    uint64_t bytes, first_size, last_size;
    uint64_t send_first, send_last;
    int64_t arr_first, arr_last;
} rtcp_fb_cc_cluster;

/** One acknowledgement for rtcp_fb_cc_on_arrivals. */
typedef struct rtcp_fb_cc_arrival {
    uint16_t seq;       /**< transport-wide sequence number */
    uint8_t received;   /**< 0 lost, 1 received with a time, 2 received
                             without a time (loss accounting only) */
    int64_t arrival_us; /**< receiver clock, any origin; beyond +-2^62 µs
                             it counts as received without a time */
} rtcp_fb_cc_arrival;

/** Send-side estimator: a plain struct in caller memory (about 32 KiB
 *  with the default RTCP_FB_CC_HISTORY). Readable fields: target_bps,
 *  last (the last change), usage, aimd, loss_bps, loss; probe_request_bps
 *  (the probe asked for, due at probe_due_us or delivered with cluster id
 *  probe_cluster; 0 once measured or when none). */
typedef struct rtcp_fb_cc {
    rtcp_fb_cc_config cfg;
    rtcp_fb_cc_target_fn on_target;
    rtcp_fb_cc_probe_fn on_probe;
    void *user;
    uint64_t target_bps;
    rtcp_fb_cc_update last;
    rtcp_fb_cc_usage usage;
    rtcp_fb_cc_aimd aimd;
    double loss_bps;
    rtcp_fb_cc_delay delay;
    rtcp_fb_cc_rate acked;
    rtcp_fb_cc_sent hist[RTCP_FB_CC_HISTORY];
    uint16_t newest_seq;
    int have_sent;
    uint64_t last_send_us;
    int have_ref;
    uint32_t ref_raw;
    int64_t ref_unwrapped;
    int64_t last_done_send; /**< send time of the newest packet given to
                                 the delay filter (older are skipped) */
    uint32_t loss_recv, loss_lost;
    uint64_t loss_last_us;
    double loss;
    int fb_overuse; /**< over-use seen during the current feedback */
    uint64_t last_fb_us;       /**< last feedback (first send before) */
    uint64_t probe_request_bps;
    uint16_t probe_cluster, next_cluster;
    uint64_t probe_due_us;     /**< UINT64_MAX: no request pending */
    uint64_t peak_bps, peak_us; /**< target at the last increase */
    rtcp_fb_cc_cluster clusters[4];
    uint64_t stat_feedbacks, stat_unknown, stat_probes;
} rtcp_fb_cc;

/** Initialise cc (cfg NULL: defaults). on_target / on_probe may be NULL
 *  (then read cc->target_bps and cc->probe_request_bps). The start probe
 *  is due at once: call rtcp_fb_cc_on_timeout when next_deadline says.
 *  Returns 0, RTCP_FB_ERR_INVALID (cc NULL) or RTCP_FB_ERR_CC_CONFIG
 *  (min > start or start > max after defaults, a trend window outside
 *  2..RTCP_FB_CC_TRENDLINE_MAX, a smoothing outside [0, 1)). */
RTCP_FBDEF int rtcp_fb_cc_init(rtcp_fb_cc *cc, const rtcp_fb_cc_config *cfg,
                               rtcp_fb_cc_target_fn on_target,
                               rtcp_fb_cc_probe_fn on_probe, void *user);
/** Record a sent packet: transport-wide seq (draft-holmer-rmcat-
 *  transport-wide-cc-extensions-01 §2), send time (µs), size (bytes, RTP
 *  header and payload), probe cluster id (0 for media). Returns 0, or
 *  RTCP_FB_ERR_INVALID for size 0. */
RTCP_FBDEF int rtcp_fb_cc_on_sent(rtcp_fb_cc *cc, uint16_t seq,
                                  uint64_t send_us, uint32_t size,
                                  uint16_t cluster);
/** Consume one parsed TWCC feedback (rtcp_fb_twcc_parse output) received
 *  at now_us. Arrival times are rebuilt from the reference time (24-bit,
 *  unwrapped across feedbacks) and the deltas. Packets not in the
 *  history (never sent, or forgotten) are counted in stat_unknown and
 *  skipped; a packet acknowledged twice counts once. Runs the delay and
 *  loss controllers, measures probe clusters, and calls on_target when
 *  the target changes. Returns the packets matched, or
 *  RTCP_FB_ERR_INVALID for NULL arguments. */
RTCP_FBDEF int rtcp_fb_cc_on_twcc(rtcp_fb_cc *cc, const rtcp_fb_twcc *tw,
                                  const rtcp_fb_twcc_packet *pkts, size_t n,
                                  uint64_t now_us);
/** The same from arrival reports in another form (e.g. an RFC 8888
 *  feedback the application mapped to transport-wide seqs), in sequence
 *  order. Returns the packets matched or RTCP_FB_ERR_INVALID. */
RTCP_FBDEF int rtcp_fb_cc_on_arrivals(rtcp_fb_cc *cc,
                                      const rtcp_fb_cc_arrival *a, size_t n,
                                      uint64_t now_us);
/** Consume a parsed RFC 8888 §3.1 feedback for the packets the
 *  application sent with transport-wide seq = tseq_of(ssrc, rtp seq)
 *  (returns -1 when unknown): each metric block's arrival time offset
 *  (1/1024 s before the report timestamp) becomes an arrival time.
 *  Returns the packets matched or RTCP_FB_ERR_INVALID. */
RTCP_FBDEF int rtcp_fb_cc_on_ccfb(rtcp_fb_cc *cc, const rtcp_fb_ccfb *fb,
                                  const rtcp_fb_ccfb_block *blocks,
                                  size_t n_blocks,
                                  const rtcp_fb_ccfb_metric *metrics,
                                  size_t n_metrics,
                                  long (*tseq_of)(void *user, uint32_t ssrc,
                                                  uint16_t rtp_seq),
                                  void *user, uint64_t now_us);
/** Set the RTT (µs), used by the §5.5 additive increase. */
RTCP_FBDEF void rtcp_fb_cc_set_rtt(rtcp_fb_cc *cc, uint64_t rtt_us);
/** Report a probe cluster's result measured by the application (bit/s):
 *  when above the delay-based estimate it becomes the estimate (reason
 *  PROBE). Clears the pending request. */
RTCP_FBDEF void rtcp_fb_cc_probe_result(rtcp_fb_cc *cc, uint64_t bps,
                                        uint64_t now_us);
/** Earliest time on_timeout has work (a probe request due, the feedback
 *  timeout), UINT64_MAX when none. */
RTCP_FBDEF uint64_t rtcp_fb_cc_next_deadline(const rtcp_fb_cc *cc);
/** Run the timers at now_us: deliver a due probe request (on_probe, and
 *  probe_request_bps), halve the target when no feedback came for
 *  feedback_timeout_us while sending (reason FEEDBACK_TIMEOUT). */
RTCP_FBDEF void rtcp_fb_cc_on_timeout(rtcp_fb_cc *cc, uint64_t now_us);

/* ---- receive side: REMB ------------------------------------------------ */

/** REMB callback: the packet (built with rtcp_fb_remb_build, valid during
 *  the call), its bitrate (as encoded: rounded down to an 18-bit
 *  mantissa) and SSRC list. */
typedef void (*rtcp_fb_cc_remb_fn)(void *user, const uint8_t *pkt,
                                   size_t len, uint64_t bps,
                                   const uint32_t *ssrcs, size_t n_ssrcs,
                                   uint64_t now_us);

/** Receive-side estimator (in caller memory). Readable: estimate_bps,
 *  last_sent_bps, usage, aimd, incoming (bit/s now). */
typedef struct rtcp_fb_cc_remb {
    rtcp_fb_cc_config cfg;
    uint32_t sender_ssrc;
    uint64_t interval_us;
    rtcp_fb_cc_remb_fn on_remb;
    void *user;
    rtcp_fb_cc_delay delay;
    rtcp_fb_cc_aimd aimd;
    rtcp_fb_cc_rate in;
    rtcp_fb_cc_usage usage;
    uint64_t estimate_bps, last_sent_bps;
    uint64_t last_sent_us;
    int have_sent, have_pkt;
    uint64_t first_us;
    uint32_t ssrcs[RTCP_FB_CC_REMB_MAX_SSRC];
    uint64_t ssrc_seen[RTCP_FB_CC_REMB_MAX_SSRC];
    size_t n_ssrcs;
    int have_abs;
    uint32_t abs_last;
    int64_t abs_units;
    int64_t last_send_us;
    uint8_t pkt[20 + 4 * RTCP_FB_CC_REMB_MAX_SSRC];
    uint64_t stat_rembs;
} rtcp_fb_cc_remb;

/** Initialise r (cfg NULL: defaults; start, min, max as for the sender).
 *  interval_us: periodic REMB spacing [0: 1 s]. A REMB is also sent at
 *  once when the estimate falls 3% or more below the last one sent.
 *  Returns 0, RTCP_FB_ERR_INVALID or RTCP_FB_ERR_CC_CONFIG. */
RTCP_FBDEF int rtcp_fb_cc_remb_init(rtcp_fb_cc_remb *r,
                                    const rtcp_fb_cc_config *cfg,
                                    uint32_t sender_ssrc,
                                    uint64_t interval_us,
                                    rtcp_fb_cc_remb_fn on_remb, void *user);
/** One received RTP packet: media SSRC, send time (µs on the sender's
 *  clock: from transport-wide seq and known send times, or see
 *  _on_packet_abs), arrival time (µs, receiver clock = now), size in
 *  bytes. Packets sent before the current group (reordered) only count
 *  for the incoming bitrate. Returns 0, or RTCP_FB_ERR_INVALID for r
 *  NULL, size 0, or a time beyond +-2^62 µs. */
RTCP_FBDEF int rtcp_fb_cc_remb_on_packet(rtcp_fb_cc_remb *r, uint32_t ssrc,
                                         int64_t send_us, uint64_t arrival_us,
                                         uint32_t size);
/** The same with the 24-bit abs-send-time header extension (6.18 fixed
 *  point seconds, wraps every 64 s; unwrapped against the previous
 *  packet's). */
RTCP_FBDEF int rtcp_fb_cc_remb_on_packet_abs(rtcp_fb_cc_remb *r,
                                             uint32_t ssrc, uint32_t abs24,
                                             uint64_t arrival_us,
                                             uint32_t size);
/** Next periodic REMB (UINT64_MAX before the first packet). */
RTCP_FBDEF uint64_t rtcp_fb_cc_remb_next_deadline(const rtcp_fb_cc_remb *r);
/** Send the periodic REMB when due; forget SSRCs silent for 5 s. */
RTCP_FBDEF void rtcp_fb_cc_remb_on_timeout(rtcp_fb_cc_remb *r,
                                           uint64_t now_us);

#ifdef __cplusplus
}
#endif

#endif /* RTCP_FEEDBACK_H */

/* ======================================================================== */

#if defined(RTCP_FEEDBACK_IMPLEMENTATION) && !defined(RTCP_FEEDBACK_IMPLEMENTATION_DONE)
/* Guarded so that headers built on this one (media_relay.h) may include
 * it again in the translation unit that holds the implementations. */
#define RTCP_FEEDBACK_IMPLEMENTATION_DONE

#include <string.h>

static const char *rtcp_fb__gen_strerror(int err);

RTCP_FBDEF const char *rtcp_fb_strerror(int err)
{
    switch (err) {
    case RTCP_FB_OK: return "success";
    case RTCP_FB_ERR_TRUNCATED: return "buffer shorter than the packet";
    case RTCP_FB_ERR_VERSION: return "RTP version is not 2";
    case RTCP_FB_ERR_TYPE: return "not this feedback message";
    case RTCP_FB_ERR_LENGTH: return "length does not fit the content";
    case RTCP_FB_ERR_PADDING: return "bad padding";
    case RTCP_FB_ERR_NOSPACE: return "buffer too small";
    case RTCP_FB_ERR_RANGE: return "value out of range";
    case RTCP_FB_ERR_INVALID: return "invalid argument";
    case RTCP_FB_ERR_TOO_MANY: return "more items than room";
    default: return rtcp_fb__gen_strerror(err);
    }
}

/* ---- bytes ---------------------------------------------------------------- */

static uint16_t rtcp_fb__rd16(const uint8_t *p)
{
    return (uint16_t)(((unsigned)p[0] << 8) | p[1]);
}

static uint32_t rtcp_fb__rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Output cursor that counts past the end so callers learn the size. */
typedef struct rtcp_fb__w {
    uint8_t *out;
    size_t cap, n;
} rtcp_fb__w;

static void rtcp_fb__w_init(rtcp_fb__w *w, uint8_t *out, size_t cap)
{
    w->out = out;
    w->cap = cap;
    w->n = 0;
}

static void rtcp_fb__put8(rtcp_fb__w *w, unsigned v)
{
    if (w->out && w->n < w->cap) w->out[w->n] = (uint8_t)(v & 0xFFu);
    w->n++;
}

static void rtcp_fb__put16(rtcp_fb__w *w, unsigned v)
{
    rtcp_fb__put8(w, (v >> 8) & 0xFFu);
    rtcp_fb__put8(w, v & 0xFFu);
}

static void rtcp_fb__put32(rtcp_fb__w *w, uint32_t v)
{
    rtcp_fb__put16(w, (unsigned)(v >> 16));
    rtcp_fb__put16(w, (unsigned)(v & 0xFFFFu));
}

/* Common header for a packet of `total` octets (a multiple of 4). */
static void rtcp_fb__put_hdr(rtcp_fb__w *w, unsigned padding, unsigned fmt,
                             unsigned pt, size_t total)
{
    rtcp_fb__put8(w, 0x80u | (padding ? 0x20u : 0u) | (fmt & 0x1Fu));
    rtcp_fb__put8(w, pt);
    rtcp_fb__put16(w, (unsigned)(total / 4 - 1));
}

static int rtcp_fb__done(const rtcp_fb__w *w, size_t *needed)
{
    if (needed) *needed = w->n;
    if (!w->out || w->n > w->cap) return RTCP_FB_ERR_NOSPACE;
    return (int)w->n;
}

/* ---- common header -------------------------------------------------------- */

/* The RTCP header: version, total length, optional strict padding. min is
 * the smallest legal packet. Stores the octets after the padding is
 * removed in *body (when strict_pad) or the whole packet. */
static int rtcp_fb__hdr(const uint8_t *buf, size_t len, size_t min,
                        int strict_pad, size_t *total, size_t *body)
{
    size_t t;
    if (!buf || len < 4) return RTCP_FB_ERR_TRUNCATED;
    if ((buf[0] >> 6) != 2) return RTCP_FB_ERR_VERSION;
    t = ((size_t)rtcp_fb__rd16(buf + 2) + 1) * 4;
    if (t > len) return RTCP_FB_ERR_TRUNCATED;
    if (t < min) return RTCP_FB_ERR_LENGTH;
    *total = t;
    *body = t;
    if ((buf[0] & 0x20u) && strict_pad) {
        size_t c = buf[t - 1];
        if (c == 0 || c > t - min) return RTCP_FB_ERR_PADDING;
        *body = t - c;
    }
    return 0;
}

static int rtcp_fb__common(const uint8_t *buf, size_t len, int strict_pad,
                           rtcp_fb_common *h)
{
    size_t total, body;
    int rc = rtcp_fb__hdr(buf, len, 12, strict_pad, &total, &body);
    if (rc) return rc;
    h->fmt = (uint8_t)(buf[0] & 0x1Fu);
    h->pt = buf[1];
    h->padding = (uint8_t)((buf[0] >> 5) & 1u);
    h->len = total;
    h->sender_ssrc = rtcp_fb__rd32(buf + 4);
    h->media_ssrc = rtcp_fb__rd32(buf + 8);
    h->fci = buf + 12;
    h->fci_len = body - 12;
    return (int)total;
}

RTCP_FBDEF int rtcp_fb_parse_common(const uint8_t *buf, size_t len,
                                    rtcp_fb_common *out)
{
    rtcp_fb_common tmp;
    return rtcp_fb__common(buf, len, 1, out ? out : &tmp);
}

/* Header plus type check. Version first, then type, then length, so a
 * 2-octet prefix already tells "not this message". */
static int rtcp_fb__typed(const uint8_t *buf, size_t len, unsigned pt,
                          unsigned fmt, int strict_pad, rtcp_fb_common *h)
{
    if (buf && len >= 1 && (buf[0] >> 6) != 2) return RTCP_FB_ERR_VERSION;
    if (buf && len >= 2 && ((buf[0] & 0x1Fu) != fmt || buf[1] != pt))
        return RTCP_FB_ERR_TYPE;
    return rtcp_fb__common(buf, len, strict_pad, h);
}

/* Fixed-size FCI entries: checks the FCI length and the caller capacity.
 * Returns the entry count or an error. */
static int rtcp_fb__entries(const rtcp_fb_common *h, size_t size,
                            size_t min_n, size_t *n)
{
    size_t cnt;
    if (h->fci_len % size) return RTCP_FB_ERR_LENGTH;
    cnt = h->fci_len / size;
    if (cnt < min_n) return RTCP_FB_ERR_LENGTH;
    if (!n) return RTCP_FB_ERR_INVALID;
    if (cnt > *n) {
        *n = cnt;
        return RTCP_FB_ERR_TOO_MANY;
    }
    *n = cnt;
    return 0;
}

/* ---- Generic NACK (RFC 4585 §6.2.1) -------------------------------------- */

RTCP_FBDEF int rtcp_fb_nack_parse(const uint8_t *buf, size_t len,
                                  rtcp_fb_common *hdr,
                                  rtcp_fb_nack_item *items, size_t *n)
{
    rtcp_fb_common h;
    size_t i;
    int total = rtcp_fb__typed(buf, len, RTCP_FB_PT_RTPFB, 1, 1, &h);
    int rc;
    if (total < 0) return total;
    rc = rtcp_fb__entries(&h, 4, 1, n);
    if (rc) return rc;
    for (i = 0; i < *n; i++) {
        if (!items) return RTCP_FB_ERR_INVALID;
        items[i].pid = rtcp_fb__rd16(h.fci + 4 * i);
        items[i].blp = rtcp_fb__rd16(h.fci + 4 * i + 2);
    }
    if (hdr) *hdr = h;
    return total;
}

RTCP_FBDEF int rtcp_fb_nack_build(uint8_t *out, size_t cap,
                                  uint32_t sender_ssrc, uint32_t media_ssrc,
                                  const rtcp_fb_nack_item *items, size_t n,
                                  size_t *needed)
{
    rtcp_fb__w w;
    size_t i;
    if (n == 0 || !items || n > 16000) return RTCP_FB_ERR_INVALID;
    rtcp_fb__w_init(&w, out, cap);
    rtcp_fb__put_hdr(&w, 0, 1, RTCP_FB_PT_RTPFB, 12 + 4 * n);
    rtcp_fb__put32(&w, sender_ssrc);
    rtcp_fb__put32(&w, media_ssrc);
    for (i = 0; i < n; i++) {
        rtcp_fb__put16(&w, items[i].pid);
        rtcp_fb__put16(&w, items[i].blp);
    }
    return rtcp_fb__done(&w, needed);
}

RTCP_FBDEF int rtcp_fb_nack_items_from_seqs(const uint16_t *seqs, size_t n,
                                            rtcp_fb_nack_item *items,
                                            size_t cap)
{
    size_t i, k = 0;
    rtcp_fb_nack_item cur = {0, 0};
    if (n && !seqs) return RTCP_FB_ERR_INVALID;
    if (n > 0x7FFFFFFF) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < n; i++) {
        uint16_t d = (uint16_t)(seqs[i] - cur.pid);
        if (k > 0 && d == 0) continue;
        if (k > 0 && d >= 1 && d <= 16) {
            cur.blp = (uint16_t)(cur.blp | (1u << (d - 1)));
        } else {
            if (k > 0 && items) {
                if (k > cap) return RTCP_FB_ERR_TOO_MANY;
                items[k - 1] = cur;
            }
            cur.pid = seqs[i];
            cur.blp = 0;
            k++;
        }
    }
    if (items && k > cap) return RTCP_FB_ERR_TOO_MANY;
    if (k > 0 && items) items[k - 1] = cur;
    return (int)k;
}

RTCP_FBDEF int rtcp_fb_nack_items_to_seqs(const rtcp_fb_nack_item *items,
                                          size_t n, uint16_t *seqs,
                                          size_t cap)
{
    size_t i, k = 0;
    unsigned b;
    if (n && !items) return RTCP_FB_ERR_INVALID;
    if (n > 100000000) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < n; i++) {
        if (seqs && k < cap) seqs[k] = items[i].pid;
        k++;
        for (b = 0; b < 16; b++) {
            if (!(items[i].blp & (1u << b))) continue;
            if (seqs && k < cap)
                seqs[k] = (uint16_t)(items[i].pid + b + 1);
            k++;
        }
    }
    if (seqs && k > cap) return RTCP_FB_ERR_TOO_MANY;
    return (int)k;
}

RTCP_FBDEF int rtcp_fb_nack_build_seqs(uint8_t *out, size_t cap,
                                       uint32_t sender_ssrc,
                                       uint32_t media_ssrc,
                                       const uint16_t *seqs, size_t n,
                                       size_t *needed)
{
    rtcp_fb__w w;
    size_t i;
    int k;
    rtcp_fb_nack_item cur = {0, 0};
    if (n == 0 || !seqs) return RTCP_FB_ERR_INVALID;
    k = rtcp_fb_nack_items_from_seqs(seqs, n, NULL, (size_t)-1);
    if (k < 0) return k;
    if (k > 16000) return RTCP_FB_ERR_INVALID;
    rtcp_fb__w_init(&w, out, cap);
    rtcp_fb__put_hdr(&w, 0, 1, RTCP_FB_PT_RTPFB, 12 + 4 * (size_t)k);
    rtcp_fb__put32(&w, sender_ssrc);
    rtcp_fb__put32(&w, media_ssrc);
    /* the same packing as rtcp_fb_nack_items_from_seqs, written as it goes */
    for (i = 0; i < n; i++) {
        uint16_t d = (uint16_t)(seqs[i] - cur.pid);
        if (i > 0 && d == 0) continue;
        if (i > 0 && d >= 1 && d <= 16) {
            cur.blp = (uint16_t)(cur.blp | (1u << (d - 1)));
        } else {
            if (i > 0) {
                rtcp_fb__put16(&w, cur.pid);
                rtcp_fb__put16(&w, cur.blp);
            }
            cur.pid = seqs[i];
            cur.blp = 0;
        }
    }
    rtcp_fb__put16(&w, cur.pid);
    rtcp_fb__put16(&w, cur.blp);
    return rtcp_fb__done(&w, needed);
}

/* ---- PLI, SLI, RPSI (RFC 4585 §6.3) --------------------------------------- */

RTCP_FBDEF int rtcp_fb_pli_parse(const uint8_t *buf, size_t len,
                                 rtcp_fb_common *hdr)
{
    rtcp_fb_common h;
    int total = rtcp_fb__typed(buf, len, RTCP_FB_PT_PSFB, 1, 1, &h);
    if (total < 0) return total;
    if (h.fci_len != 0) return RTCP_FB_ERR_LENGTH;
    if (hdr) *hdr = h;
    return total;
}

RTCP_FBDEF int rtcp_fb_pli_build(uint8_t *out, size_t cap,
                                 uint32_t sender_ssrc, uint32_t media_ssrc,
                                 size_t *needed)
{
    rtcp_fb__w w;
    rtcp_fb__w_init(&w, out, cap);
    rtcp_fb__put_hdr(&w, 0, 1, RTCP_FB_PT_PSFB, 12);
    rtcp_fb__put32(&w, sender_ssrc);
    rtcp_fb__put32(&w, media_ssrc);
    return rtcp_fb__done(&w, needed);
}

RTCP_FBDEF int rtcp_fb_sli_parse(const uint8_t *buf, size_t len,
                                 rtcp_fb_common *hdr,
                                 rtcp_fb_sli_item *items, size_t *n)
{
    rtcp_fb_common h;
    size_t i;
    int rc, total = rtcp_fb__typed(buf, len, RTCP_FB_PT_PSFB, 2, 1, &h);
    if (total < 0) return total;
    rc = rtcp_fb__entries(&h, 4, 1, n);
    if (rc) return rc;
    if (!items) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < *n; i++) {
        uint32_t v = rtcp_fb__rd32(h.fci + 4 * i);
        items[i].first = (uint16_t)(v >> 19);
        items[i].number = (uint16_t)((v >> 6) & 0x1FFFu);
        items[i].picture_id = (uint8_t)(v & 0x3Fu);
    }
    if (hdr) *hdr = h;
    return total;
}

RTCP_FBDEF int rtcp_fb_sli_build(uint8_t *out, size_t cap,
                                 uint32_t sender_ssrc, uint32_t media_ssrc,
                                 const rtcp_fb_sli_item *items, size_t n,
                                 size_t *needed)
{
    rtcp_fb__w w;
    size_t i;
    if (n == 0 || !items || n > 16000) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < n; i++)
        if (items[i].first > 0x1FFF || items[i].number > 0x1FFF ||
            items[i].picture_id > 0x3F)
            return RTCP_FB_ERR_RANGE;
    rtcp_fb__w_init(&w, out, cap);
    rtcp_fb__put_hdr(&w, 0, 2, RTCP_FB_PT_PSFB, 12 + 4 * n);
    rtcp_fb__put32(&w, sender_ssrc);
    rtcp_fb__put32(&w, media_ssrc);
    for (i = 0; i < n; i++)
        rtcp_fb__put32(&w, ((uint32_t)items[i].first << 19) |
                               ((uint32_t)items[i].number << 6) |
                               (uint32_t)items[i].picture_id);
    return rtcp_fb__done(&w, needed);
}

RTCP_FBDEF int rtcp_fb_rpsi_parse(const uint8_t *buf, size_t len,
                                  rtcp_fb_common *hdr, rtcp_fb_rpsi *out)
{
    rtcp_fb_common h;
    size_t pb, avail;
    int total = rtcp_fb__typed(buf, len, RTCP_FB_PT_PSFB, 3, 1, &h);
    if (total < 0) return total;
    if (!out) return RTCP_FB_ERR_INVALID;
    if (h.fci_len < 2 || h.fci_len % 4) return RTCP_FB_ERR_LENGTH;
    pb = h.fci[0];
    avail = (h.fci_len - 2) * 8;
    if (pb > 31 || pb > avail) return RTCP_FB_ERR_LENGTH;
    out->payload_type = (uint8_t)(h.fci[1] & 0x7Fu);
    out->bits = h.fci + 2;
    out->n_bits = avail - pb;
    if (hdr) *hdr = h;
    return total;
}

RTCP_FBDEF int rtcp_fb_rpsi_build(uint8_t *out, size_t cap,
                                  uint32_t sender_ssrc, uint32_t media_ssrc,
                                  const rtcp_fb_rpsi *rpsi, size_t *needed)
{
    rtcp_fb__w w;
    size_t fci, nbytes, i, pb;
    if (!rpsi || (rpsi->n_bits && !rpsi->bits)) return RTCP_FB_ERR_INVALID;
    if (rpsi->payload_type > 127) return RTCP_FB_ERR_RANGE;
    if (rpsi->n_bits > 65536 * 8) return RTCP_FB_ERR_RANGE;
    nbytes = (rpsi->n_bits + 7) / 8;
    fci = (2 + nbytes + 3) / 4 * 4;
    pb = (fci - 2) * 8 - rpsi->n_bits;
    rtcp_fb__w_init(&w, out, cap);
    rtcp_fb__put_hdr(&w, 0, 3, RTCP_FB_PT_PSFB, 12 + fci);
    rtcp_fb__put32(&w, sender_ssrc);
    rtcp_fb__put32(&w, media_ssrc);
    rtcp_fb__put8(&w, (unsigned)pb);
    rtcp_fb__put8(&w, rpsi->payload_type);
    for (i = 0; i < nbytes; i++) {
        unsigned b = rpsi->bits[i];
        if (i == nbytes - 1 && rpsi->n_bits % 8)
            b &= 0xFFu << (8 - rpsi->n_bits % 8);
        rtcp_fb__put8(&w, b);
    }
    for (i = 2 + nbytes; i < fci; i++) rtcp_fb__put8(&w, 0);
    return rtcp_fb__done(&w, needed);
}

/* ---- FIR, TSTR, TSTN (RFC 5104 §4.3) -------------------------------------- */

RTCP_FBDEF int rtcp_fb_fir_parse(const uint8_t *buf, size_t len,
                                 rtcp_fb_common *hdr,
                                 rtcp_fb_fir_item *items, size_t *n)
{
    rtcp_fb_common h;
    size_t i;
    int rc, total = rtcp_fb__typed(buf, len, RTCP_FB_PT_PSFB, 4, 1, &h);
    if (total < 0) return total;
    rc = rtcp_fb__entries(&h, 8, 1, n);
    if (rc) return rc;
    if (!items) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < *n; i++) {
        items[i].ssrc = rtcp_fb__rd32(h.fci + 8 * i);
        items[i].seq = h.fci[8 * i + 4];
    }
    if (hdr) *hdr = h;
    return total;
}

RTCP_FBDEF int rtcp_fb_fir_build(uint8_t *out, size_t cap,
                                 uint32_t sender_ssrc, uint32_t media_ssrc,
                                 const rtcp_fb_fir_item *items, size_t n,
                                 size_t *needed)
{
    rtcp_fb__w w;
    size_t i;
    if (n == 0 || !items || n > 8000) return RTCP_FB_ERR_INVALID;
    rtcp_fb__w_init(&w, out, cap);
    rtcp_fb__put_hdr(&w, 0, 4, RTCP_FB_PT_PSFB, 12 + 8 * n);
    rtcp_fb__put32(&w, sender_ssrc);
    rtcp_fb__put32(&w, media_ssrc);
    for (i = 0; i < n; i++) {
        rtcp_fb__put32(&w, items[i].ssrc);
        rtcp_fb__put32(&w, (uint32_t)items[i].seq << 24);
    }
    return rtcp_fb__done(&w, needed);
}

RTCP_FBDEF int rtcp_fb_tst_parse(const uint8_t *buf, size_t len, int fmt,
                                 rtcp_fb_common *hdr,
                                 rtcp_fb_tst_item *items, size_t *n)
{
    rtcp_fb_common h;
    size_t i;
    int rc, total;
    if (fmt != RTCP_FB_FMT_TSTR && fmt != RTCP_FB_FMT_TSTN)
        return RTCP_FB_ERR_INVALID;
    total = rtcp_fb__typed(buf, len, RTCP_FB_PT_PSFB, (unsigned)fmt, 1, &h);
    if (total < 0) return total;
    rc = rtcp_fb__entries(&h, 8, 1, n);
    if (rc) return rc;
    if (!items) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < *n; i++) {
        items[i].ssrc = rtcp_fb__rd32(h.fci + 8 * i);
        items[i].seq = h.fci[8 * i + 4];
        items[i].index = (uint8_t)(h.fci[8 * i + 7] & 0x1Fu);
    }
    if (hdr) *hdr = h;
    return total;
}

RTCP_FBDEF int rtcp_fb_tst_build(uint8_t *out, size_t cap, int fmt,
                                 uint32_t sender_ssrc, uint32_t media_ssrc,
                                 const rtcp_fb_tst_item *items, size_t n,
                                 size_t *needed)
{
    rtcp_fb__w w;
    size_t i;
    if (fmt != RTCP_FB_FMT_TSTR && fmt != RTCP_FB_FMT_TSTN)
        return RTCP_FB_ERR_INVALID;
    if (n == 0 || !items || n > 8000) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < n; i++)
        if (items[i].index > 31) return RTCP_FB_ERR_RANGE;
    rtcp_fb__w_init(&w, out, cap);
    rtcp_fb__put_hdr(&w, 0, (unsigned)fmt, RTCP_FB_PT_PSFB, 12 + 8 * n);
    rtcp_fb__put32(&w, sender_ssrc);
    rtcp_fb__put32(&w, media_ssrc);
    for (i = 0; i < n; i++) {
        rtcp_fb__put32(&w, items[i].ssrc);
        rtcp_fb__put32(&w, ((uint32_t)items[i].seq << 24) | items[i].index);
    }
    return rtcp_fb__done(&w, needed);
}

/* ---- TMMBR, TMMBN (RFC 5104 §4.2) ------------------------------------------ */

RTCP_FBDEF uint64_t rtcp_fb_mantissa_to_bps(uint8_t exp, uint32_t mantissa)
{
    if (mantissa == 0) return 0;
    if (exp >= 64) return UINT64_MAX;
    if ((uint64_t)mantissa > (UINT64_MAX >> exp)) return UINT64_MAX;
    return (uint64_t)mantissa << exp;
}

RTCP_FBDEF int rtcp_fb_bps_to_mantissa(uint64_t bps, unsigned mantissa_bits,
                                       uint8_t *exp, uint32_t *mantissa)
{
    unsigned e = 0;
    uint64_t lim;
    if (mantissa_bits < 1 || mantissa_bits > 32 || !exp || !mantissa)
        return RTCP_FB_ERR_INVALID;
    lim = ((uint64_t)1 << mantissa_bits) - 1;
    while ((bps >> e) > lim) e++;
    *exp = (uint8_t)e;
    *mantissa = (uint32_t)(bps >> e);
    return 0;
}

RTCP_FBDEF int rtcp_fb_tmmb_parse(const uint8_t *buf, size_t len, int fmt,
                                  rtcp_fb_common *hdr,
                                  rtcp_fb_tmmb_item *items, size_t *n)
{
    rtcp_fb_common h;
    size_t i;
    int rc, total;
    if (fmt != RTCP_FB_FMT_TMMBR && fmt != RTCP_FB_FMT_TMMBN)
        return RTCP_FB_ERR_INVALID;
    total = rtcp_fb__typed(buf, len, RTCP_FB_PT_RTPFB, (unsigned)fmt, 1, &h);
    if (total < 0) return total;
    rc = rtcp_fb__entries(&h, 8, fmt == RTCP_FB_FMT_TMMBR ? 1 : 0, n);
    if (rc) return rc;
    if (*n && !items) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < *n; i++) {
        uint32_t v = rtcp_fb__rd32(h.fci + 8 * i + 4);
        items[i].ssrc = rtcp_fb__rd32(h.fci + 8 * i);
        items[i].exp = (uint8_t)(v >> 26);
        items[i].mantissa = (v >> 9) & 0x1FFFFu;
        items[i].overhead = (uint16_t)(v & 0x1FFu);
    }
    if (hdr) *hdr = h;
    return total;
}

RTCP_FBDEF int rtcp_fb_tmmb_build(uint8_t *out, size_t cap, int fmt,
                                  uint32_t sender_ssrc, uint32_t media_ssrc,
                                  const rtcp_fb_tmmb_item *items, size_t n,
                                  size_t *needed)
{
    rtcp_fb__w w;
    size_t i;
    if (fmt != RTCP_FB_FMT_TMMBR && fmt != RTCP_FB_FMT_TMMBN)
        return RTCP_FB_ERR_INVALID;
    if ((n == 0 && fmt == RTCP_FB_FMT_TMMBR) || (n && !items) || n > 8000)
        return RTCP_FB_ERR_INVALID;
    for (i = 0; i < n; i++)
        if (items[i].exp > 63 || items[i].mantissa > 0x1FFFFu ||
            items[i].overhead > 0x1FFu)
            return RTCP_FB_ERR_RANGE;
    rtcp_fb__w_init(&w, out, cap);
    rtcp_fb__put_hdr(&w, 0, (unsigned)fmt, RTCP_FB_PT_RTPFB, 12 + 8 * n);
    rtcp_fb__put32(&w, sender_ssrc);
    rtcp_fb__put32(&w, media_ssrc);
    for (i = 0; i < n; i++) {
        rtcp_fb__put32(&w, items[i].ssrc);
        rtcp_fb__put32(&w, ((uint32_t)items[i].exp << 26) |
                               (items[i].mantissa << 9) |
                               (uint32_t)items[i].overhead);
    }
    return rtcp_fb__done(&w, needed);
}

/* ---- REMB ------------------------------------------------------------------ */

RTCP_FBDEF int rtcp_fb_remb_parse(const uint8_t *buf, size_t len,
                                  rtcp_fb_common *hdr, rtcp_fb_remb *out,
                                  uint32_t *ssrcs, size_t *n)
{
    rtcp_fb_common h;
    size_t i, cnt;
    uint32_t v;
    int total = rtcp_fb__typed(buf, len, RTCP_FB_PT_PSFB, 15, 1, &h);
    if (total < 0) return total;
    if (!out || !n) return RTCP_FB_ERR_INVALID;
    if (h.fci_len < 8) {
        if (h.fci_len >= 4 && memcmp(h.fci, "REMB", 4) != 0)
            return RTCP_FB_ERR_TYPE;
        return RTCP_FB_ERR_LENGTH;
    }
    if (memcmp(h.fci, "REMB", 4) != 0) return RTCP_FB_ERR_TYPE;
    v = rtcp_fb__rd32(h.fci + 4);
    cnt = v >> 24;
    if (h.fci_len != 8 + 4 * cnt) return RTCP_FB_ERR_LENGTH;
    if (cnt > *n) {
        *n = cnt;
        return RTCP_FB_ERR_TOO_MANY;
    }
    if (cnt && !ssrcs) return RTCP_FB_ERR_INVALID;
    out->exp = (uint8_t)((v >> 18) & 0x3Fu);
    out->mantissa = v & 0x3FFFFu;
    for (i = 0; i < cnt; i++) ssrcs[i] = rtcp_fb__rd32(h.fci + 8 + 4 * i);
    *n = cnt;
    if (hdr) *hdr = h;
    return total;
}

RTCP_FBDEF int rtcp_fb_remb_build(uint8_t *out, size_t cap,
                                  uint32_t sender_ssrc, uint32_t media_ssrc,
                                  const rtcp_fb_remb *remb,
                                  const uint32_t *ssrcs, size_t n,
                                  size_t *needed)
{
    rtcp_fb__w w;
    size_t i;
    if (!remb || (n && !ssrcs)) return RTCP_FB_ERR_INVALID;
    if (remb->exp > 63 || remb->mantissa > 0x3FFFFu || n > 255)
        return RTCP_FB_ERR_RANGE;
    rtcp_fb__w_init(&w, out, cap);
    rtcp_fb__put_hdr(&w, 0, 15, RTCP_FB_PT_PSFB, 20 + 4 * n);
    rtcp_fb__put32(&w, sender_ssrc);
    rtcp_fb__put32(&w, media_ssrc);
    rtcp_fb__put32(&w, 0x52454D42u); /* "REMB" */
    rtcp_fb__put32(&w, ((uint32_t)n << 24) | ((uint32_t)remb->exp << 18) |
                           remb->mantissa);
    for (i = 0; i < n; i++) rtcp_fb__put32(&w, ssrcs[i]);
    return rtcp_fb__done(&w, needed);
}

/* ---- transport-wide CC feedback ------------------------------------------- */

RTCP_FBDEF int rtcp_fb_twcc_parse(const uint8_t *buf, size_t len,
                                  rtcp_fb_common *hdr, rtcp_fb_twcc *tw,
                                  rtcp_fb_twcc_packet *pkts, size_t *n)
{
    rtcp_fb_common h;
    const uint8_t *p, *e;
    size_t count, i, k, rem;
    uint32_t rt;
    int total = rtcp_fb__typed(buf, len, RTCP_FB_PT_RTPFB, 15, 0, &h);
    if (total < 0) return total;
    if (!tw || !n) return RTCP_FB_ERR_INVALID;
    if (h.fci_len < 8) return RTCP_FB_ERR_LENGTH;
    p = h.fci;
    e = h.fci + h.fci_len;
    tw->base_seq = rtcp_fb__rd16(p);
    tw->status_count = rtcp_fb__rd16(p + 2);
    rt = ((uint32_t)p[4] << 16) | ((uint32_t)p[5] << 8) | p[6];
    tw->ref_time = (rt & 0x800000u) ? (int32_t)rt - 0x1000000 : (int32_t)rt;
    tw->fb_pkt_count = p[7];
    p += 8;
    count = tw->status_count;
    if (count > *n) {
        *n = count;
        return RTCP_FB_ERR_TOO_MANY;
    }
    if (count && !pkts) return RTCP_FB_ERR_INVALID;
    /* chunks */
    for (k = 0; k < count;) {
        unsigned c;
        if (e - p < 2) return RTCP_FB_ERR_LENGTH;
        c = rtcp_fb__rd16(p);
        p += 2;
        if (!(c & 0x8000u)) { /* run length */
            unsigned sym = (c >> 13) & 3u;
            size_t run = c & 0x1FFFu;
            for (i = 0; i < run && k < count; i++, k++)
                pkts[k].status = (uint8_t)sym;
        } else if (!(c & 0x4000u)) { /* 14 one-bit symbols */
            for (i = 0; i < 14 && k < count; i++, k++)
                pkts[k].status = (uint8_t)((c >> (13 - i)) & 1u);
        } else { /* 7 two-bit symbols */
            for (i = 0; i < 7 && k < count; i++, k++)
                pkts[k].status = (uint8_t)((c >> (12 - 2 * i)) & 3u);
        }
    }
    /* deltas */
    for (k = 0; k < count; k++) {
        pkts[k].seq = (uint16_t)(tw->base_seq + k);
        pkts[k].delta_us = 0;
        if (pkts[k].status == RTCP_FB_TWCC_SMALL) {
            if (e - p < 1) return RTCP_FB_ERR_LENGTH;
            pkts[k].delta_us = (int32_t)p[0] * 250;
            p += 1;
        } else if (pkts[k].status == RTCP_FB_TWCC_LARGE) {
            if (e - p < 2) return RTCP_FB_ERR_LENGTH;
            pkts[k].delta_us = (int32_t)(int16_t)rtcp_fb__rd16(p) * 250;
            p += 2;
        }
    }
    rem = (size_t)(e - p);
    if (rem > 3 && !(h.padding && buf[h.len - 1] == rem))
        return RTCP_FB_ERR_LENGTH;
    *n = count;
    if (hdr) *hdr = h;
    return total;
}

static uint8_t rtcp_fb__twcc_sym(const rtcp_fb_twcc_packet *p)
{
    if (p->status != RTCP_FB_TWCC_RECEIVED) return p->status;
    return (p->delta_us >= 0 && p->delta_us <= 255 * 250) ? 1 : 2;
}

/* Status of packet i (resolved symbol). */
#define RTCP_FB__SYM(i) rtcp_fb__twcc_sym(&pkts[(i)])

RTCP_FBDEF int rtcp_fb_twcc_build(uint8_t *out, size_t cap,
                                  uint32_t sender_ssrc, uint32_t media_ssrc,
                                  const rtcp_fb_twcc *tw,
                                  const rtcp_fb_twcc_packet *pkts, size_t n,
                                  size_t *needed)
{
    rtcp_fb__w w;
    size_t i, k, chunks_n = 0, deltas = 0, body, total;
    int pass;
    if (!tw || (n && !pkts) || n > 0xFFFF) return RTCP_FB_ERR_INVALID;
    if (tw->ref_time < -0x800000 || tw->ref_time > 0x7FFFFF)
        return RTCP_FB_ERR_RANGE;
    for (i = 0; i < n; i++) {
        int32_t d = pkts[i].delta_us;
        uint8_t s = RTCP_FB__SYM(i);
        if (pkts[i].seq != (uint16_t)(tw->base_seq + i))
            return RTCP_FB_ERR_INVALID;
        if (s > 3) return RTCP_FB_ERR_INVALID;
        if (s == 1 || s == 2) {
            if (d % 250) return RTCP_FB_ERR_RANGE;
            if (s == 1 && (d < 0 || d > 255 * 250)) return RTCP_FB_ERR_RANGE;
            if (s == 2 && (d < -32768 * 250 || d > 32767 * 250))
                return RTCP_FB_ERR_RANGE;
            deltas += s;
        }
    }
    /* pass 0 counts the chunks, pass 1 writes them */
    rtcp_fb__w_init(&w, out, cap);
    body = total = 0;
    for (pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            body = 20 + 2 * chunks_n + deltas;
            total = (body + 3) / 4 * 4;
            if (total > 262144) return RTCP_FB_ERR_RANGE;
            rtcp_fb__put_hdr(&w, (unsigned)(total != body), 15, RTCP_FB_PT_RTPFB, total);
            rtcp_fb__put32(&w, sender_ssrc);
            rtcp_fb__put32(&w, media_ssrc);
            rtcp_fb__put16(&w, tw->base_seq);
            rtcp_fb__put16(&w, (unsigned)n);
            rtcp_fb__put8(&w, ((uint32_t)tw->ref_time >> 16) & 0xFFu);
            rtcp_fb__put16(&w, (uint32_t)tw->ref_time & 0xFFFFu);
            rtcp_fb__put8(&w, tw->fb_pkt_count);
        }
        for (i = 0; i < n;) {
            uint8_t s0 = RTCP_FB__SYM(i);
            size_t r = 1, m, all01 = 1;
            unsigned c = 0;
            while (i + r < n && r < 0x1FFF && RTCP_FB__SYM(i + r) == s0) r++;
            m = n - i < 14 ? n - i : 14;
            for (k = 0; k < m; k++)
                if (RTCP_FB__SYM(i + k) > 1) all01 = 0;
            if (r >= 14 || i + r == n || (!all01 && r >= 7)) {
                c = ((unsigned)s0 << 13) | (unsigned)r;
                i += r;
            } else if (all01) {
                c = 0x8000u;
                for (k = 0; k < m; k++)
                    c |= (unsigned)RTCP_FB__SYM(i + k) << (13 - k);
                i += m;
            } else {
                m = n - i < 7 ? n - i : 7;
                c = 0xC000u;
                for (k = 0; k < m; k++)
                    c |= (unsigned)RTCP_FB__SYM(i + k) << (12 - 2 * k);
                i += m;
            }
            if (pass == 0) chunks_n++;
            else rtcp_fb__put16(&w, c);
        }
    }
    for (i = 0; i < n; i++) {
        uint8_t s = RTCP_FB__SYM(i);
        if (s == 1) rtcp_fb__put8(&w, (unsigned)(pkts[i].delta_us / 250));
        else if (s == 2)
            rtcp_fb__put16(&w, (unsigned)(uint16_t)(int16_t)(pkts[i].delta_us / 250));
    }
    for (i = body; i + 1 < total; i++) rtcp_fb__put8(&w, 0);
    if (total != body) rtcp_fb__put8(&w, (unsigned)(total - body));
    return rtcp_fb__done(&w, needed);
}
#undef RTCP_FB__SYM

/* ---- RFC 8888 -------------------------------------------------------------- */

RTCP_FBDEF int rtcp_fb_ccfb_parse(const uint8_t *buf, size_t len,
                                  rtcp_fb_ccfb *out,
                                  rtcp_fb_ccfb_block *blocks,
                                  size_t *n_blocks,
                                  rtcp_fb_ccfb_metric *metrics,
                                  size_t *n_metrics)
{
    size_t total, body, pos, nb = 0, nm = 0;
    int rc, over = 0;
    if (buf && len >= 1 && (buf[0] >> 6) != 2) return RTCP_FB_ERR_VERSION;
    if (buf && len >= 2 && ((buf[0] & 0x1Fu) != 11 || buf[1] != 205))
        return RTCP_FB_ERR_TYPE;
    rc = rtcp_fb__hdr(buf, len, 12, 1, &total, &body);
    if (rc) return rc;
    if (!out || !n_blocks || !n_metrics) return RTCP_FB_ERR_INVALID;
    if (body % 4) return RTCP_FB_ERR_LENGTH;
    pos = 8;
    while (pos < body - 4) {
        size_t nr, mlen, i;
        if (body - 4 - pos < 8) return RTCP_FB_ERR_LENGTH;
        nr = rtcp_fb__rd16(buf + pos + 6);
        if (nr > 16384) return RTCP_FB_ERR_RANGE;
        mlen = (2 * nr + 3) / 4 * 4;
        if (body - 4 - pos - 8 < mlen) return RTCP_FB_ERR_LENGTH;
        if (nb >= *n_blocks || nm + nr > *n_metrics) over = 1;
        if (!over) {
            if (!blocks || (nr && !metrics)) return RTCP_FB_ERR_INVALID;
            blocks[nb].ssrc = rtcp_fb__rd32(buf + pos);
            blocks[nb].begin_seq = rtcp_fb__rd16(buf + pos + 4);
            blocks[nb].num_reports = (uint16_t)nr;
            blocks[nb].first = nm;
            for (i = 0; i < nr; i++) {
                unsigned v = rtcp_fb__rd16(buf + pos + 8 + 2 * i);
                metrics[nm + i].received = (uint8_t)(v >> 15);
                metrics[nm + i].ecn = (uint8_t)((v >> 13) & 3u);
                metrics[nm + i].ato = (uint16_t)(v & 0x1FFFu);
            }
        }
        nb++;
        nm += nr;
        pos += 8 + mlen;
    }
    if (over) {
        *n_blocks = nb;
        *n_metrics = nm;
        return RTCP_FB_ERR_TOO_MANY;
    }
    out->sender_ssrc = rtcp_fb__rd32(buf + 4);
    out->report_timestamp = rtcp_fb__rd32(buf + body - 4);
    *n_blocks = nb;
    *n_metrics = nm;
    return (int)total;
}

RTCP_FBDEF int rtcp_fb_ccfb_build(uint8_t *out, size_t cap,
                                  const rtcp_fb_ccfb *cc,
                                  const rtcp_fb_ccfb_block *blocks,
                                  size_t n_blocks,
                                  const rtcp_fb_ccfb_metric *metrics,
                                  size_t n_metrics, size_t *needed)
{
    rtcp_fb__w w;
    size_t i, j, total = 12;
    if (!cc || (n_blocks && !blocks)) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < n_blocks; i++) {
        const rtcp_fb_ccfb_block *b = &blocks[i];
        if (b->num_reports > 16384) return RTCP_FB_ERR_RANGE;
        if (b->num_reports && (!metrics || b->first > n_metrics ||
                               b->num_reports > n_metrics - b->first))
            return RTCP_FB_ERR_INVALID;
        for (j = 0; j < b->num_reports; j++) {
            const rtcp_fb_ccfb_metric *m = &metrics[b->first + j];
            if (m->received > 1 || m->ecn > 3 || m->ato > 0x1FFF)
                return RTCP_FB_ERR_RANGE;
        }
        total += 8 + ((size_t)b->num_reports * 2 + 3) / 4 * 4;
        if (total > 262144) return RTCP_FB_ERR_RANGE;
    }
    rtcp_fb__w_init(&w, out, cap);
    rtcp_fb__put_hdr(&w, 0, 11, RTCP_FB_PT_RTPFB, total);
    rtcp_fb__put32(&w, cc->sender_ssrc);
    for (i = 0; i < n_blocks; i++) {
        const rtcp_fb_ccfb_block *b = &blocks[i];
        rtcp_fb__put32(&w, b->ssrc);
        rtcp_fb__put16(&w, b->begin_seq);
        rtcp_fb__put16(&w, b->num_reports);
        for (j = 0; j < b->num_reports; j++) {
            const rtcp_fb_ccfb_metric *m = &metrics[b->first + j];
            rtcp_fb__put16(&w, ((unsigned)m->received << 15) |
                                   ((unsigned)m->ecn << 13) | m->ato);
        }
        if (b->num_reports % 2) rtcp_fb__put16(&w, 0);
    }
    rtcp_fb__put32(&w, cc->report_timestamp);
    return rtcp_fb__done(&w, needed);
}

/* ---- NACK generator -------------------------------------------------------- */

RTCP_FBDEF int rtcp_fb_nackgen_init(rtcp_fb_nackgen *g,
                                    const rtcp_fb_nackgen_config *cfg)
{
    if (!g) return RTCP_FB_ERR_INVALID;
    if (cfg && cfg->window > RTCP_FB_NACKGEN_MAX) return RTCP_FB_ERR_INVALID;
    memset(g, 0, sizeof *g);
    if (cfg) g->cfg = *cfg;
    if (!g->cfg.window) g->cfg.window = RTCP_FB_NACKGEN_MAX;
    if (g->cfg.window > 32767) g->cfg.window = 32767;
    if (!g->cfg.max_retries) g->cfg.max_retries = 10;
    if (!g->cfg.max_age_us) g->cfg.max_age_us = 1000000;
    if (!g->cfg.min_interval_us) g->cfg.min_interval_us = 5000;
    if (!g->cfg.rtt_us) g->cfg.rtt_us = 100000;
    return 0;
}

RTCP_FBDEF void rtcp_fb_nackgen_set_rtt(rtcp_fb_nackgen *g, uint64_t rtt_us)
{
    g->cfg.rtt_us = rtt_us;
}

static uint64_t rtcp_fb__add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void rtcp_fb__ng_remove(rtcp_fb_nackgen *g, size_t i)
{
    memmove(&g->e[i], &g->e[i + 1], (g->n - i - 1) * sizeof g->e[0]);
    g->n--;
}

/* Drop entry i as given up, telling the caller why. */
static void rtcp_fb__ng_give_up(rtcp_fb_nackgen *g, size_t i, int reason,
                                uint64_t now_us)
{
    uint16_t seq = g->e[i].seq;
    rtcp_fb__ng_remove(g, i);
    g->n_given_up++;
    if (g->cb.on_give_up) g->cb.on_give_up(g->user, seq, reason, now_us);
}

/* Clear the list (a stream restart) and start again at seq. */
static void rtcp_fb__ng_restart(rtcp_fb_nackgen *g, uint16_t seq,
                                uint64_t now_us)
{
    while (g->n)
        rtcp_fb__ng_give_up(g, 0, RTCP_FB_NACKGEN_GAVE_UP_RESET, now_us);
    g->n_resets++;
    g->highest = seq;
    g->have_bad = 0;
}

RTCP_FBDEF int rtcp_fb_nackgen_on_packet(rtcp_fb_nackgen *g, uint16_t seq,
                                         uint64_t now_us)
{
    uint16_t d, s;
    size_t i;
    int added = 0;
    if (!g->started) {
        g->started = 1;
        g->highest = seq;
        return 0;
    }
    d = (uint16_t)(seq - g->highest);
    if (d == 0) return 0;
    if (d >= 0x8000u) { /* older: a late or retransmitted packet */
        if ((uint32_t)(uint16_t)(g->highest - seq) > g->cfg.window) {
            /* far behind: a restart when the next one follows it (A.1) */
            if (g->have_bad && seq == g->bad_seq) {
                rtcp_fb__ng_restart(g, seq, now_us);
                return 0;
            }
            g->have_bad = 1;
            g->bad_seq = (uint16_t)(seq + 1);
            return 0;
        }
        for (i = 0; i < g->n; i++) {
            if (g->e[i].seq == seq) {
                rtcp_fb__ng_remove(g, i);
                g->n_recovered++;
                break;
            }
        }
        return 0;
    }
    g->have_bad = 0;
    if ((uint32_t)d > g->cfg.window) { /* discontinuity: start over */
        rtcp_fb__ng_restart(g, seq, now_us);
        return 0;
    }
    /* entries that fall out of the window behind the new highest */
    while (g->n && (uint16_t)(seq - g->e[0].seq) > g->cfg.window)
        rtcp_fb__ng_give_up(g, 0, RTCP_FB_NACKGEN_GAVE_UP_WINDOW, now_us);
    for (s = (uint16_t)(g->highest + 1); s != seq; s = (uint16_t)(s + 1)) {
        rtcp_fb_nackgen_entry *e;
        if (g->n == RTCP_FB_NACKGEN_MAX) /* full: forget the oldest */
            rtcp_fb__ng_give_up(g, 0, RTCP_FB_NACKGEN_GAVE_UP_WINDOW, now_us);
        e = &g->e[g->n++];
        e->seq = s;
        e->retries = 0;
        e->seen_us = now_us;
        e->due_us = rtcp_fb__add(now_us, g->cfg.reorder_us);
        added++;
    }
    g->highest = seq;
    return added;
}

/* reorder_packets: enough higher numbers arrived after e (numbers ahead of
 * it up to the highest, received or not: the gap itself proves order). */
static int rtcp_fb__ng_ripe(const rtcp_fb_nackgen *g,
                            const rtcp_fb_nackgen_entry *e)
{
    return (uint16_t)(g->highest - e->seq) >= g->cfg.reorder_packets ||
           e->retries > 0;
}

RTCP_FBDEF uint64_t rtcp_fb_nackgen_next_deadline(const rtcp_fb_nackgen *g)
{
    uint64_t t = UINT64_MAX;
    size_t i;
    for (i = 0; i < g->n; i++) {
        uint64_t age_end = rtcp_fb__add(g->e[i].seen_us, g->cfg.max_age_us);
        uint64_t x = age_end;
        if (rtcp_fb__ng_ripe(g, &g->e[i]) && g->e[i].due_us < x)
            x = g->e[i].due_us;
        if (x < t) t = x;
    }
    return t;
}

RTCP_FBDEF size_t rtcp_fb_nackgen_poll(rtcp_fb_nackgen *g, uint64_t now_us,
                                       uint16_t *out, size_t cap)
{
    size_t i = 0, k = 0;
    uint64_t spacing = g->cfg.rtt_us > g->cfg.min_interval_us
                           ? g->cfg.rtt_us
                           : g->cfg.min_interval_us;
    while (i < g->n) {
        rtcp_fb_nackgen_entry *e = &g->e[i];
        if (now_us >= rtcp_fb__add(e->seen_us, g->cfg.max_age_us)) {
            rtcp_fb__ng_give_up(g, i, RTCP_FB_NACKGEN_GAVE_UP_AGE, now_us);
            continue;
        }
        if (e->due_us <= now_us && e->retries >= g->cfg.max_retries) {
            /* the last NACK had one spacing to bring it: give up */
            rtcp_fb__ng_give_up(g, i, RTCP_FB_NACKGEN_GAVE_UP_RETRIES, now_us);
            continue;
        }
        if (e->due_us <= now_us && k < cap && out && rtcp_fb__ng_ripe(g, e)) {
            out[k++] = e->seq;
            e->retries++;
            e->due_us = rtcp_fb__add(now_us, spacing);
        }
        i++;
    }
    return k;
}

RTCP_FBDEF size_t rtcp_fb_nackgen_missing(const rtcp_fb_nackgen *g)
{
    return g->n;
}

RTCP_FBDEF int rtcp_fb_nackgen_set_callbacks(rtcp_fb_nackgen *g,
                                             const rtcp_fb_nackgen_callbacks *cb,
                                             void *user)
{
    if (!g) return RTCP_FB_ERR_INVALID;
    memset(&g->cb, 0, sizeof g->cb);
    g->user = user;
    if (!cb) return 0;
    if (cb->size < offsetof(rtcp_fb_nackgen_callbacks, on_give_up) +
                       sizeof cb->on_give_up)
        return RTCP_FB_ERR_INVALID;
    memcpy(&g->cb, cb, cb->size < sizeof g->cb ? cb->size : sizeof g->cb);
    g->cb.size = (uint32_t)sizeof g->cb;
    return 0;
}

/* ---- generator helpers ---------------------------------------------------- */

static const char *rtcp_fb__gen_strerror(int err)
{
    switch (err) {
    case RTCP_FB_ERR_ORDER: return "sequence number not after the newest";
    case RTCP_FB_ERR_TOO_BIG: return "packet too big";
    case RTCP_FB_ERR_NOT_RTP: return "not an RTP packet";
    case RTCP_FB_ERR_NOT_FOUND: return "packet not in the history";
    case RTCP_FB_ERR_CALLBACK: return "callback failed";
    case RTCP_FB_ERR_RTX_MAP: return "RTX payload type not mapped";
    case RTCP_FB_ERR_STATE: return "called from a callback";
    default: return "unknown error";
    }
}

static uint64_t rtcp_fb__max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* RND(0.5, 1.5) scaled by 2^16 (32768..98303), or RND(0, 1) scaled by 2^16
 * (0..65535): one 2-octet draw from the caller, or the middle. */
static uint16_t rtcp_fb__rand16(void (*fn)(void *, uint8_t *, size_t),
                                void *user)
{
    uint8_t b[2];
    if (!fn) return 0x8000u;
    b[0] = b[1] = 0;
    fn(user, b, 2);
    return (uint16_t)(((unsigned)b[0] << 8) | b[1]);
}

/* x * r / 65536 without overflow for x < 2^47. */
static uint64_t rtcp_fb__scale16(uint64_t x, uint32_t r)
{
    return (x >> 16) * r + (((x & 0xFFFFu) * r) >> 16);
}

/* The RTP fixed header, CSRCs and extension (RFC 3550 §5.1, §5.3.1), and
 * the padding: *hlen = header octets, *plen = payload octets without
 * padding. */
static int rtcp_fb__rtp(const uint8_t *p, size_t len, size_t *hlen,
                        size_t *plen)
{
    size_t h, pad = 0;
    if (!p || len < 12 || (p[0] >> 6) != 2) return RTCP_FB_ERR_NOT_RTP;
    h = 12 + 4 * (size_t)(p[0] & 0x0Fu);
    if (h > len) return RTCP_FB_ERR_NOT_RTP;
    if (p[0] & 0x10u) {
        if (len - h < 4) return RTCP_FB_ERR_NOT_RTP;
        h += 4 + 4 * (size_t)rtcp_fb__rd16(p + h + 2);
        if (h > len) return RTCP_FB_ERR_NOT_RTP;
    }
    if (p[0] & 0x20u) {
        pad = p[len - 1];
        if (pad == 0 || pad > len - h) return RTCP_FB_ERR_NOT_RTP;
    }
    *hlen = h;
    *plen = len - h - pad;
    return 0;
}

/* ---- RTX (RFC 4588 §4) ------------------------------------------------------ */

RTCP_FBDEF int rtcp_fb_rtx_build(const uint8_t *orig, size_t len,
                                 uint8_t rtx_pt, uint32_t rtx_ssrc,
                                 uint16_t rtx_seq, uint8_t *out, size_t cap,
                                 size_t *needed)
{
    size_t h, pl, n;
    int rc = rtcp_fb__rtp(orig, len, &h, &pl);
    if (rc) return rc;
    if (rtx_pt > 127) return RTCP_FB_ERR_RANGE;
    n = h + 2 + pl;
    if (needed) *needed = n;
    if (!out || cap < n) return RTCP_FB_ERR_NOSPACE;
    if (n > 0x7FFFFFFF) return RTCP_FB_ERR_TOO_BIG;
    memmove(out + h + 2, orig + h, pl);
    memmove(out, orig, h);
    out[h] = orig[2];     /* OSN: the original sequence number */
    out[h + 1] = orig[3];
    out[0] = (uint8_t)(out[0] & ~0x20u); /* our own padding: none */
    out[1] = (uint8_t)((out[1] & 0x80u) | rtx_pt);
    out[2] = (uint8_t)(rtx_seq >> 8);
    out[3] = (uint8_t)(rtx_seq & 0xFFu);
    out[8] = (uint8_t)(rtx_ssrc >> 24);
    out[9] = (uint8_t)(rtx_ssrc >> 16);
    out[10] = (uint8_t)(rtx_ssrc >> 8);
    out[11] = (uint8_t)rtx_ssrc;
    return (int)n;
}

RTCP_FBDEF int rtcp_fb_rtx_recover(const uint8_t *rtx, size_t len,
                                   const rtcp_fb_rtx_map *maps, size_t n_maps,
                                   uint8_t *out, size_t cap, size_t *needed,
                                   uint16_t *osn)
{
    size_t h, pl, n, i;
    const rtcp_fb_rtx_map *m = NULL;
    uint16_t o;
    int rc = rtcp_fb__rtp(rtx, len, &h, &pl);
    if (rc) return rc;
    if (pl < 2) return RTCP_FB_ERR_NOT_RTP;
    if (n_maps && !maps) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < n_maps; i++)
        if (maps[i].rtx_pt == (rtx[1] & 0x7Fu)) {
            m = &maps[i];
            break;
        }
    if (!m) return RTCP_FB_ERR_RTX_MAP;
    o = rtcp_fb__rd16(rtx + h);
    n = h + pl - 2;
    if (needed) *needed = n;
    if (osn) *osn = o;
    if (!out || cap < n) return RTCP_FB_ERR_NOSPACE;
    memmove(out, rtx, h);
    memmove(out + h, rtx + h + 2, pl - 2);
    out[0] = (uint8_t)(out[0] & ~0x20u);
    out[1] = (uint8_t)((out[1] & 0x80u) | (m->apt & 0x7Fu));
    out[2] = (uint8_t)(o >> 8);
    out[3] = (uint8_t)(o & 0xFFu);
    out[8] = (uint8_t)(m->media_ssrc >> 24);
    out[9] = (uint8_t)(m->media_ssrc >> 16);
    out[10] = (uint8_t)(m->media_ssrc >> 8);
    out[11] = (uint8_t)m->media_ssrc;
    return (int)n;
}

/* ---- sender history -------------------------------------------------------- */

RTCP_FBDEF void rtcp_fb_history_config_init(rtcp_fb_history_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->max_packets = 1024;
    cfg->max_bytes = 1024u * 1200u;
    cfg->max_packet_size = 1500;
    cfg->max_age_us = 1000000;
    cfg->rtt_us = 100000;
    cfg->min_interval_us = 5000;
}

static int rtcp_fb__hist_cfg_ok(const rtcp_fb_history_config *c)
{
    return c->max_packets >= 1 && c->max_packets <= 32768 &&
           c->max_packet_size >= 12 && c->max_packet_size <= 65535 &&
           c->max_bytes >= c->max_packet_size &&
           c->max_bytes <= 0x40000000u && c->rtx_pt <= 127;
}

/* Layout: slots, data, scratch; each part rounded to 8 octets. */
static size_t rtcp_fb__r8(size_t n) { return (n + 7) / 8 * 8; }

RTCP_FBDEF size_t rtcp_fb_history_mem_size(const rtcp_fb_history_config *cfg)
{
    rtcp_fb_history_config d;
    if (!cfg) {
        rtcp_fb_history_config_init(&d);
        cfg = &d;
    }
    if (!rtcp_fb__hist_cfg_ok(cfg)) return 0;
    return rtcp_fb__r8(cfg->max_packets * sizeof(rtcp_fb__hslot)) +
           rtcp_fb__r8(cfg->max_bytes) + rtcp_fb__r8(cfg->max_packet_size + 2u);
}

RTCP_FBDEF int rtcp_fb_history_init(rtcp_fb_history *h, void *mem,
                                    size_t mem_len,
                                    const rtcp_fb_history_config *cfg,
                                    const rtcp_fb_history_callbacks *cb,
                                    void *user)
{
    rtcp_fb_history_config d;
    size_t need;
    uint8_t *m = (uint8_t *)mem;
    if (!h) return RTCP_FB_ERR_INVALID;
    if (!cfg) {
        rtcp_fb_history_config_init(&d);
        cfg = &d;
    }
    need = rtcp_fb_history_mem_size(cfg);
    if (!need) return RTCP_FB_ERR_INVALID;
    if (cb && cb->size < offsetof(rtcp_fb_history_callbacks, send_rtp) +
                             sizeof cb->send_rtp)
        return RTCP_FB_ERR_INVALID;
    if (!mem || mem_len < need) return RTCP_FB_ERR_NOSPACE;
    memset(h, 0, sizeof *h);
    h->cfg = *cfg;
    if (cb) memcpy(&h->cb, cb, cb->size < sizeof h->cb ? cb->size : sizeof h->cb);
    h->user = user;
    h->slot = (rtcp_fb__hslot *)(void *)m;
    m += rtcp_fb__r8(cfg->max_packets * sizeof(rtcp_fb__hslot));
    h->data = m;
    m += rtcp_fb__r8(cfg->max_bytes);
    h->scratch = m;
    h->rtx_seq = cfg->rtx_seq;
    return 0;
}

RTCP_FBDEF void rtcp_fb_history_reset(rtcp_fb_history *h)
{
    h->head = h->count = h->wpos = 0;
}

RTCP_FBDEF void rtcp_fb_history_set_rtt(rtcp_fb_history *h, uint64_t rtt_us)
{
    h->cfg.rtt_us = rtt_us;
}

static rtcp_fb__hslot *rtcp_fb__hs(const rtcp_fb_history *h, uint32_t i)
{
    return &h->slot[(h->head + i) % h->cfg.max_packets];
}

static void rtcp_fb__hist_evict(rtcp_fb_history *h)
{
    h->head = (h->head + 1) % h->cfg.max_packets;
    h->count--;
    h->st.evicted++;
    if (h->count == 0) h->wpos = 0;
}

/* Make room for len contiguous octets (FIFO in a byte ring: the oldest
 * packet is the first one after wpos); returns the offset. */
static uint32_t rtcp_fb__hist_room(rtcp_fb_history *h, uint32_t len)
{
    for (;;) {
        uint32_t r;
        if (h->count == 0) return 0;
        r = rtcp_fb__hs(h, 0)->off;
        if (h->wpos > r) { /* used: [r, wpos) */
            if (h->cfg.max_bytes - h->wpos >= len) return h->wpos;
            if (r >= len) return 0; /* wrap; the tail stays unused */
        } else if (r - h->wpos >= len) { /* used: [r, end) + [0, wpos) */
            return h->wpos;
        }
        rtcp_fb__hist_evict(h);
    }
}

RTCP_FBDEF int rtcp_fb_history_put(rtcp_fb_history *h, const uint8_t *pkt,
                                   size_t len, uint64_t now_us)
{
    size_t hl, pl;
    uint16_t seq;
    uint32_t off;
    rtcp_fb__hslot *s;
    int rc = rtcp_fb__rtp(pkt, len, &hl, &pl);
    if (rc) return rc;
    if (len > h->cfg.max_packet_size) return RTCP_FB_ERR_TOO_BIG;
    seq = rtcp_fb__rd16(pkt + 2);
    if (h->count) {
        uint16_t d = (uint16_t)(seq - rtcp_fb__hs(h, h->count - 1)->seq);
        if (d == 0 || d >= 0x8000u) return RTCP_FB_ERR_ORDER;
        /* keep the span under 2^15 so seq order is serial order */
        while (h->count && (uint16_t)(seq - rtcp_fb__hs(h, 0)->seq) >= 0x8000u)
            rtcp_fb__hist_evict(h);
    }
    if (h->count == h->cfg.max_packets) rtcp_fb__hist_evict(h);
    off = rtcp_fb__hist_room(h, (uint32_t)len);
    s = rtcp_fb__hs(h, h->count);
    s->seq = seq;
    s->off = off;
    s->len = (uint32_t)len;
    s->sent_us = now_us;
    s->resent_us = 0;
    s->resent = 0;
    memcpy(h->data + off, pkt, len);
    h->wpos = off + (uint32_t)len;
    h->count++;
    h->st.stored++;
    return 0;
}

/* Index of seq in the ring, or -1: the direct guess for consecutive
 * numbers, else a binary search (numbers increase from the oldest). */
static long rtcp_fb__hist_index(const rtcp_fb_history *h, uint16_t seq)
{
    uint16_t base, d;
    uint32_t lo = 0, hi;
    if (h->count == 0) return -1;
    base = rtcp_fb__hs(h, 0)->seq;
    d = (uint16_t)(seq - base);
    if (d >= 0x8000u) return -1;
    if (d < h->count && rtcp_fb__hs(h, d)->seq == seq) return (long)d;
    hi = h->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint16_t md = (uint16_t)(rtcp_fb__hs(h, mid)->seq - base);
        if (md == d) return (long)mid;
        if (md < d) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

RTCP_FBDEF const uint8_t *rtcp_fb_history_find(const rtcp_fb_history *h,
                                               uint16_t seq, size_t *len)
{
    long i = rtcp_fb__hist_index(h, seq);
    const rtcp_fb__hslot *s;
    if (i < 0) return NULL;
    s = rtcp_fb__hs(h, (uint32_t)i);
    if (len) *len = s->len;
    return h->data + s->off;
}

RTCP_FBDEF size_t rtcp_fb_history_count(const rtcp_fb_history *h)
{
    return h->count;
}

RTCP_FBDEF rtcp_fb_history_stats rtcp_fb_history_get_stats(
    const rtcp_fb_history *h)
{
    return h->st;
}

/* Whether seq may be resent at now_us; counts the refusals. */
static rtcp_fb__hslot *rtcp_fb__hist_resendable(rtcp_fb_history *h,
                                                uint16_t seq, uint64_t now_us)
{
    long i = rtcp_fb__hist_index(h, seq);
    rtcp_fb__hslot *s;
    uint64_t spacing = rtcp_fb__max64(h->cfg.rtt_us, h->cfg.min_interval_us);
    h->st.requested++;
    if (i < 0) {
        h->st.not_found++;
        return NULL;
    }
    s = rtcp_fb__hs(h, (uint32_t)i);
    if (h->cfg.max_age_us && now_us >= s->sent_us &&
        now_us - s->sent_us > h->cfg.max_age_us) {
        h->st.too_old++;
        return NULL;
    }
    if (s->resent && now_us < rtcp_fb__add(s->resent_us, spacing)) {
        h->st.rate_limited++;
        return NULL;
    }
    return s;
}

RTCP_FBDEF int rtcp_fb_history_answer(rtcp_fb_history *h,
                                      const rtcp_fb_nack_item *items, size_t n,
                                      uint64_t now_us, uint16_t *seqs,
                                      size_t cap)
{
    size_t i, k = 0;
    unsigned b;
    if ((n && !items) || (cap && !seqs)) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < n && k < cap; i++) {
        for (b = 0; b < 17 && k < cap; b++) {
            uint16_t seq;
            rtcp_fb__hslot *s;
            if (b > 0 && !(items[i].blp & (1u << (b - 1)))) continue;
            seq = (uint16_t)(items[i].pid + b);
            s = rtcp_fb__hist_resendable(h, seq, now_us);
            if (!s) continue;
            s->resent = 1;
            s->resent_us = now_us;
            seqs[k++] = seq;
            h->st.resent++;
        }
    }
    return (int)k;
}

RTCP_FBDEF int rtcp_fb_history_build_resend(rtcp_fb_history *h, uint16_t seq,
                                            uint8_t *out, size_t cap,
                                            size_t *needed)
{
    size_t len;
    int rc;
    const uint8_t *p = rtcp_fb_history_find(h, seq, &len);
    if (!p) return RTCP_FB_ERR_NOT_FOUND;
    if (!h->cfg.rtx) {
        if (needed) *needed = len;
        if (!out || cap < len) return RTCP_FB_ERR_NOSPACE;
        memmove(out, p, len);
        return (int)len;
    }
    rc = rtcp_fb_rtx_build(p, len, h->cfg.rtx_pt, h->cfg.rtx_ssrc, h->rtx_seq,
                           out, cap, needed);
    if (rc > 0) h->rtx_seq++;
    return rc;
}

RTCP_FBDEF int rtcp_fb_history_on_nack(rtcp_fb_history *h, const uint8_t *buf,
                                       size_t len, uint64_t now_us)
{
    rtcp_fb_common hdr;
    rtcp_fb_nack_item item;
    uint16_t seqs[17];
    size_t n, i, j, sent = 0;
    int rc;
    if (h->in_callback) return RTCP_FB_ERR_STATE;
    if (!h->cb.send_rtp) return RTCP_FB_ERR_INVALID;
    n = 0;
    rc = rtcp_fb_nack_parse(buf, len, &hdr, NULL, &n); /* count the FCIs */
    if (rc != RTCP_FB_ERR_TOO_MANY) return rc < 0 ? rc : RTCP_FB_ERR_INVALID;
    rc = rtcp_fb_parse_common(buf, len, &hdr);
    if (rc < 0) return rc;
    if (hdr.media_ssrc != h->cfg.ssrc) return 0;
    /* one FCI at a time: 17 numbers at most, no large arrays */
    for (i = 0; i < n; i++) {
        int k;
        item.pid = rtcp_fb__rd16(hdr.fci + 4 * i);
        item.blp = rtcp_fb__rd16(hdr.fci + 4 * i + 2);
        k = rtcp_fb_history_answer(h, &item, 1, now_us, seqs, 17);
        for (j = 0; j < (size_t)k; j++) {
            int bl = rtcp_fb_history_build_resend(
                h, seqs[j], h->scratch, h->cfg.max_packet_size + 2u, NULL);
            if (bl < 0) continue; /* cannot happen: found a moment ago */
            h->in_callback = 1;
            rc = h->cb.send_rtp(h->user, h->scratch, (size_t)bl, seqs[j]);
            h->in_callback = 0;
            if (rc) {
                /* this one and the rest of the FCI were not sent */
                for (; j < (size_t)k; j++) {
                    long x = rtcp_fb__hist_index(h, seqs[j]);
                    if (x >= 0) rtcp_fb__hs(h, (uint32_t)x)->resent = 0;
                    h->st.resent--;
                }
                return RTCP_FB_ERR_CALLBACK;
            }
            sent++;
        }
    }
    return (int)sent;
}

/* ---- key frame requester ---------------------------------------------------- */

RTCP_FBDEF void rtcp_fb_keyreq_config_init(rtcp_fb_keyreq_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->methods = RTCP_FB_KEYREQ_PLI;
    cfg->min_interval_us = 300000;
    cfg->rtt_us = 100000;
}

RTCP_FBDEF int rtcp_fb_keyreq_init(rtcp_fb_keyreq *k,
                                   const rtcp_fb_keyreq_config *cfg,
                                   const rtcp_fb_keyreq_callbacks *cb,
                                   void *user)
{
    rtcp_fb_keyreq_config d;
    if (!k || !cb) return RTCP_FB_ERR_INVALID;
    if (!cfg) {
        rtcp_fb_keyreq_config_init(&d);
        cfg = &d;
    }
    if (cb->size < offsetof(rtcp_fb_keyreq_callbacks, send_rtcp) +
                       sizeof cb->send_rtcp || !cb->send_rtcp)
        return RTCP_FB_ERR_INVALID;
    if (!(cfg->methods & (RTCP_FB_KEYREQ_PLI | RTCP_FB_KEYREQ_FIR)))
        return RTCP_FB_ERR_INVALID;
    memset(k, 0, sizeof *k);
    k->cfg = *cfg;
    memcpy(&k->cb, cb, cb->size < sizeof k->cb ? cb->size : sizeof k->cb);
    k->user = user;
    k->next_fir_seq = cfg->fir_seq;
    return 0;
}

RTCP_FBDEF void rtcp_fb_keyreq_set_rtt(rtcp_fb_keyreq *k, uint64_t rtt_us)
{
    k->cfg.rtt_us = rtt_us;
}

static uint64_t rtcp_fb__kr_spacing(const rtcp_fb_keyreq *k)
{
    return rtcp_fb__max64(k->cfg.rtt_us, k->cfg.min_interval_us);
}

RTCP_FBDEF uint64_t rtcp_fb_keyreq_next_deadline(const rtcp_fb_keyreq *k)
{
    if (!k->pending) return UINT64_MAX;
    if (!k->have_sent) return 0;
    return rtcp_fb__add(k->last_sent_us, rtcp_fb__kr_spacing(k));
}

/* Send the pending request now. */
static int rtcp_fb__kr_send(rtcp_fb_keyreq *k, uint64_t now_us)
{
    uint8_t b[20];
    int n, rc;
    if (k->method == RTCP_FB_KEYREQ_FIR) {
        rtcp_fb_fir_item it;
        if (!k->fir_assigned) { /* §4.3.1.2: +1 per new command */
            k->fir_seq = k->next_fir_seq++;
            k->fir_assigned = 1;
        }
        it.ssrc = k->cfg.media_ssrc;
        it.seq = k->fir_seq;
        /* §4.3.1.2: the media source SSRC field SHALL be 0 */
        n = rtcp_fb_fir_build(b, sizeof b, k->cfg.sender_ssrc, 0, &it, 1, NULL);
    } else {
        n = rtcp_fb_pli_build(b, sizeof b, k->cfg.sender_ssrc,
                              k->cfg.media_ssrc, NULL);
    }
    if (n < 0) return n;
    k->in_callback = 1;
    rc = k->cb.send_rtcp(k->user, b, (size_t)n);
    k->in_callback = 0;
    if (rc) return RTCP_FB_ERR_CALLBACK;
    if (k->method == RTCP_FB_KEYREQ_FIR) k->n_fir++;
    else k->n_pli++;
    k->have_sent = 1;
    k->last_sent_us = now_us;
    k->sent_for_pending++;
    return 1;
}

static int rtcp_fb__kr_due(const rtcp_fb_keyreq *k, uint64_t now_us)
{
    return k->pending && now_us >= rtcp_fb_keyreq_next_deadline(k);
}

RTCP_FBDEF int rtcp_fb_keyreq_request(rtcp_fb_keyreq *k, int reason,
                                      uint64_t now_us)
{
    unsigned m;
    if (k->in_callback) return RTCP_FB_ERR_STATE;
    if (reason == RTCP_FB_KEYREQ_LOSS) {
        if (!(k->cfg.methods & RTCP_FB_KEYREQ_PLI)) return RTCP_FB_ERR_TYPE;
        m = RTCP_FB_KEYREQ_PLI;
    } else if (reason == RTCP_FB_KEYREQ_REFRESH) {
        m = (k->cfg.methods & RTCP_FB_KEYREQ_FIR) ? RTCP_FB_KEYREQ_FIR
                                                  : RTCP_FB_KEYREQ_PLI;
    } else {
        return RTCP_FB_ERR_INVALID;
    }
    if (!k->pending || (m == RTCP_FB_KEYREQ_FIR && k->method != m)) {
        k->pending = 1;
        k->method = m;
        k->sent_for_pending = 0;
        k->fir_assigned = 0; /* numbered when first sent */
    }
    if (!rtcp_fb__kr_due(k, now_us)) return 0;
    return rtcp_fb__kr_send(k, now_us);
}

RTCP_FBDEF void rtcp_fb_keyreq_on_keyframe(rtcp_fb_keyreq *k, uint64_t now_us)
{
    (void)now_us;
    if (k->pending) k->n_answered++;
    k->pending = 0;
}

RTCP_FBDEF int rtcp_fb_keyreq_on_timeout(rtcp_fb_keyreq *k, uint64_t now_us)
{
    if (k->in_callback) return RTCP_FB_ERR_STATE;
    if (!rtcp_fb__kr_due(k, now_us)) return 0;
    if (k->cfg.max_repeats && k->sent_for_pending > k->cfg.max_repeats) {
        k->pending = 0;
        k->n_abandoned++;
        return 0;
    }
    return rtcp_fb__kr_send(k, now_us);
}

/* ---- transport-wide CC feedback generator ---------------------------------- */

RTCP_FBDEF void rtcp_fb_twccgen_config_init(rtcp_fb_twccgen_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->window = 1024;
    cfg->interval_us = 100000;
    cfg->max_fb_size = 1200;
}

static int rtcp_fb__twg_cfg_ok(const rtcp_fb_twccgen_config *c)
{
    return c->window >= 16 && c->window <= 32768 && c->interval_us > 0 &&
           c->max_fb_size >= 64 && c->max_fb_size <= 65536;
}

RTCP_FBDEF size_t rtcp_fb_twccgen_mem_size(const rtcp_fb_twccgen_config *cfg)
{
    rtcp_fb_twccgen_config d;
    if (!cfg) {
        rtcp_fb_twccgen_config_init(&d);
        cfg = &d;
    }
    if (!rtcp_fb__twg_cfg_ok(cfg)) return 0;
    return rtcp_fb__r8(cfg->window * sizeof(uint64_t)) +
           rtcp_fb__r8(cfg->window * sizeof(rtcp_fb_twcc_packet)) +
           rtcp_fb__r8(cfg->max_fb_size);
}

RTCP_FBDEF int rtcp_fb_twccgen_init(rtcp_fb_twccgen *g, void *mem,
                                    size_t mem_len,
                                    const rtcp_fb_twccgen_config *cfg,
                                    const rtcp_fb_twccgen_callbacks *cb,
                                    void *user)
{
    rtcp_fb_twccgen_config d;
    size_t need;
    uint8_t *m = (uint8_t *)mem;
    if (!g || !cb) return RTCP_FB_ERR_INVALID;
    if (!cfg) {
        rtcp_fb_twccgen_config_init(&d);
        cfg = &d;
    }
    need = rtcp_fb_twccgen_mem_size(cfg);
    if (!need) return RTCP_FB_ERR_INVALID;
    if (cb->size < offsetof(rtcp_fb_twccgen_callbacks, send_rtcp) +
                       sizeof cb->send_rtcp || !cb->send_rtcp)
        return RTCP_FB_ERR_INVALID;
    if (!mem || mem_len < need) return RTCP_FB_ERR_NOSPACE;
    memset(g, 0, sizeof *g);
    g->cfg = *cfg;
    memcpy(&g->cb, cb, cb->size < sizeof g->cb ? cb->size : sizeof g->cb);
    g->user = user;
    g->arrival = (uint64_t *)(void *)m;
    m += rtcp_fb__r8(cfg->window * sizeof(uint64_t));
    g->pkts = (rtcp_fb_twcc_packet *)(void *)m;
    m += rtcp_fb__r8(cfg->window * sizeof(rtcp_fb_twcc_packet));
    g->buf = m;
    memset(g->arrival, 0, cfg->window * sizeof(uint64_t));
    return 0;
}

static uint64_t *rtcp_fb__twg_slot(const rtcp_fb_twccgen *g, int64_t ext)
{
    /* ext may be negative at the very start; keep the index positive */
    int64_t w = (int64_t)g->cfg.window;
    return &g->arrival[((ext % w) + w) % w];
}

/* 64 ms reference time (full value) and 250 µs ticks of an arrival. */
static int64_t rtcp_fb__twg_ref(uint64_t t) { return (int64_t)(t / 64000u); }
static int64_t rtcp_fb__twg_tick(uint64_t t) { return (int64_t)(t / 250u); }

/* Fill g->pkts for [from, highest], at most cap packets, starting a new
 * delta chain at from; stops before a delta no symbol holds. Returns the
 * count; *ref the reference time (full 64 ms units). */
static size_t rtcp_fb__twg_fill(rtcp_fb_twccgen *g, int64_t from, size_t cap,
                                int64_t *ref)
{
    size_t k = 0;
    int64_t prev = 0, s;
    int have = 0;
    *ref = 0;
    for (s = from; s <= g->highest && k < cap; s++, k++) {
        uint64_t a = *rtcp_fb__twg_slot(g, s);
        rtcp_fb_twcc_packet *p = &g->pkts[k];
        p->seq = (uint16_t)s;
        p->delta_us = 0;
        p->status = RTCP_FB_TWCC_NOT_RECEIVED;
        if (!a) continue;
        a--;
        if (!have) {
            *ref = rtcp_fb__twg_ref(a);
            prev = *ref * 256;
            have = 1;
        }
        {
            int64_t d = rtcp_fb__twg_tick(a) - prev;
            if (d < -32768 || d > 32767) break;
            p->status = RTCP_FB_TWCC_RECEIVED;
            p->delta_us = (int32_t)(d * 250);
            prev = rtcp_fb__twg_tick(a);
        }
    }
    return k;
}

static int32_t rtcp_fb__twg_ref24(int64_t ref)
{
    int32_t m = (int32_t)(ref & 0xFFFFFF);
    return m >= 0x800000 ? m - 0x1000000 : m;
}

/* Octets of a feedback of the first k packets of g->pkts. */
static size_t rtcp_fb__twg_size(rtcp_fb_twccgen *g, size_t k, int64_t ref)
{
    rtcp_fb_twcc tw;
    size_t need = 0;
    tw.base_seq = g->pkts[0].seq;
    tw.status_count = 0;
    tw.ref_time = rtcp_fb__twg_ref24(ref);
    tw.fb_pkt_count = 0;
    if (rtcp_fb_twcc_build(NULL, 0, g->cfg.sender_ssrc, g->cfg.media_ssrc,
                           &tw, g->pkts, k, &need) != RTCP_FB_ERR_NOSPACE)
        return (size_t)-1;
    return need;
}

/* One feedback packet from g->start; returns 1 sent or an error. */
static int rtcp_fb__twg_one(rtcp_fb_twccgen *g)
{
    rtcp_fb_twcc tw;
    int64_t ref;
    size_t n, lo, hi;
    int len, rc;
    n = rtcp_fb__twg_fill(g, g->start, g->cfg.window, &ref);
    if (n == 0) n = 1; /* cannot happen: start <= highest */
    /* the largest prefix that fits max_fb_size (sizes grow with k) */
    lo = 1;
    hi = n;
    if (rtcp_fb__twg_size(g, n, ref) > g->cfg.max_fb_size) {
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;
            if (rtcp_fb__twg_size(g, mid, ref) <= g->cfg.max_fb_size) lo = mid;
            else hi = mid - 1;
        }
        n = lo;
    }
    tw.base_seq = g->pkts[0].seq;
    tw.status_count = (uint16_t)n;
    tw.ref_time = rtcp_fb__twg_ref24(ref);
    tw.fb_pkt_count = g->fb_count;
    len = rtcp_fb_twcc_build(g->buf, g->cfg.max_fb_size, g->cfg.sender_ssrc,
                             g->cfg.media_ssrc, &tw, g->pkts, n, NULL);
    if (len < 0) return len;
    g->in_callback = 1;
    rc = g->cb.send_rtcp(g->user, g->buf, (size_t)len);
    g->in_callback = 0;
    if (rc) return RTCP_FB_ERR_CALLBACK;
    g->fb_count++;
    g->n_feedback++;
    g->start += (int64_t)n;
    return 1;
}

RTCP_FBDEF int rtcp_fb_twccgen_flush(rtcp_fb_twccgen *g, uint64_t now_us)
{
    int sent = 0;
    if (g->in_callback) return RTCP_FB_ERR_STATE;
    while (g->started && g->start <= g->highest) {
        int rc = rtcp_fb__twg_one(g);
        if (rc < 0) return rc;
        sent += rc;
    }
    g->pending_pkts = 0;
    g->pending_bytes = 0;
    g->period_start_us = now_us;
    return sent;
}

RTCP_FBDEF uint64_t rtcp_fb_twccgen_next_deadline(const rtcp_fb_twccgen *g)
{
    if (!g->started || g->start > g->highest) return UINT64_MAX;
    return rtcp_fb__add(g->period_start_us, g->cfg.interval_us);
}

RTCP_FBDEF int rtcp_fb_twccgen_on_timeout(rtcp_fb_twccgen *g, uint64_t now_us)
{
    if (g->in_callback) return RTCP_FB_ERR_STATE;
    if (now_us < rtcp_fb_twccgen_next_deadline(g)) return 0;
    return rtcp_fb_twccgen_flush(g, now_us);
}

RTCP_FBDEF int rtcp_fb_twccgen_on_packet(rtcp_fb_twccgen *g, uint16_t seq,
                                         size_t size, uint64_t now_us)
{
    int64_t ext, w = (int64_t)g->cfg.window, s;
    int sent = 0, rc;
    uint64_t *slot;
    if (g->in_callback) return RTCP_FB_ERR_STATE;
    if (!g->started) {
        g->started = 1;
        g->highest = g->start = (int64_t)seq;
        g->period_start_us = now_us;
        *rtcp_fb__twg_slot(g, seq) = now_us + 1;
        g->pending_pkts = 1;
        g->pending_bytes = size;
        goto thresholds;
    }
    ext = g->highest + (int16_t)(uint16_t)(seq - (uint16_t)g->highest);
    if (ext > g->highest) {
        if (g->start > g->highest) g->period_start_us = now_us; /* idle */
        if (ext - w >= g->start && g->start <= g->highest) {
            /* the window would overwrite unreported arrivals */
            rc = rtcp_fb_twccgen_flush(g, now_us);
            if (rc < 0) return rc;
            sent += rc;
        }
        /* numbers between are not received (yet); clear stale slots */
        for (s = ext - w + 1 > g->highest + 1 ? ext - w + 1 : g->highest + 1;
             s <= ext; s++)
            *rtcp_fb__twg_slot(g, s) = 0;
        if (ext - g->start >= w) g->start = ext; /* a jump: nothing between */
        g->highest = ext;
    } else if (ext <= g->highest - w) {
        g->n_too_old++;
        return 0;
    } else {
        g->n_late++;
        if (*rtcp_fb__twg_slot(g, ext)) {
            g->n_duplicate++;
            return 0;
        }
        if (ext < g->start) {
            if (g->start > g->highest) g->period_start_us = now_us;
            g->start = ext;
        }
    }
    slot = rtcp_fb__twg_slot(g, ext);
    if (!*slot) *slot = now_us + 1;
    g->pending_pkts++;
    g->pending_bytes += size;
thresholds:
    if ((g->cfg.max_packets && g->pending_pkts >= g->cfg.max_packets) ||
        (g->cfg.max_bytes && g->pending_bytes >= g->cfg.max_bytes)) {
        rc = rtcp_fb_twccgen_flush(g, now_us);
        if (rc < 0) return rc;
        sent += rc;
    }
    return sent;
}

/* ---- RFC 4585 §3.5 timing ---------------------------------------------------- */

RTCP_FBDEF void rtcp_fb_timing_config_init(rtcp_fb_timing_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->point_to_point = 1;
    cfg->t_max_fb_delay_us = UINT64_MAX;
    cfg->rtcp_bw_bps = 3200;
    cfg->avg_rtcp_size = 100;
    cfg->members = 2;
}

/* RFC 3550 §6.3.1 / A.7 deterministic part without the minimum: this
 * member's share, avg_rtcp_size * n / bandwidth, in µs. */
static uint64_t rtcp_fb__timing_det(const rtcp_fb_timing *t)
{
    uint64_t n = t->members ? t->members : 1, bw = t->cfg.rtcp_bw_bps;
    uint64_t s = t->senders;
    if (n > (1u << 20)) n = 1u << 20;
    if (s > n) s = n;
    /* senders share 25% when they are at most a quarter of the members */
    if (s <= n / 4) {
        if (t->we_sent) {
            bw = bw / 4;
            n = s;
        } else {
            bw = bw - bw / 4;
            n = n - s;
        }
    }
    if (n == 0) n = 1;
    if (bw == 0) bw = 1;
    /* avg (1/16 octets, < 2^21) * 8 bits * n (<= 2^20) * 1e6 / 16 fits */
    return t->avg_rtcp_size_x16 * n / 2 * 1000000u / bw;
}

RTCP_FBDEF uint64_t rtcp_fb_timing_interval(const rtcp_fb_timing *t,
                                            uint16_t rnd16)
{
    uint64_t tt = rtcp_fb__timing_det(t);
    if (tt < t->tmin) tt = t->tmin;
    if (tt > ((uint64_t)1 << 40)) tt = (uint64_t)1 << 40;
    /* RND(0.5, 1.5), then / (e - 3/2) = * 100000 / 121828 */
    tt = tt / 2 + rtcp_fb__scale16(tt, rnd16);
    return tt * 100000u / 121828u;
}

RTCP_FBDEF int rtcp_fb_timing_init(rtcp_fb_timing *t,
                                   const rtcp_fb_timing_config *cfg,
                                   const rtcp_fb_timing_callbacks *cb,
                                   void *user, uint64_t now_us)
{
    rtcp_fb_timing_config d;
    if (!t) return RTCP_FB_ERR_INVALID;
    if (!cfg) {
        rtcp_fb_timing_config_init(&d);
        cfg = &d;
    }
    if (!cfg->rtcp_bw_bps || !cfg->avg_rtcp_size || cfg->avg_rtcp_size > 65535)
        return RTCP_FB_ERR_INVALID;
    if (cb && cb->size < offsetof(rtcp_fb_timing_callbacks, rand) +
                             sizeof cb->rand)
        return RTCP_FB_ERR_INVALID;
    memset(t, 0, sizeof *t);
    t->cfg = *cfg;
    if (cb) memcpy(&t->cb, cb, cb->size < sizeof t->cb ? cb->size : sizeof t->cb);
    t->user = user;
    t->members = cfg->members ? cfg->members : 1;
    t->avg_rtcp_size_x16 = (uint64_t)cfg->avg_rtcp_size * 16u;
    t->allow_early = 1;
    t->tmin = cfg->point_to_point ? 0 : 1000000;
    t->tp = now_us;
    t->t_rr = rtcp_fb_timing_interval(t, rtcp_fb__rand16(t->cb.rand, user));
    t->tn = rtcp_fb__add(now_us, t->t_rr);
    return 0;
}

RTCP_FBDEF void rtcp_fb_timing_set_members(rtcp_fb_timing *t, uint32_t members,
                                           uint32_t senders, int we_sent)
{
    t->members = members ? members : 1;
    t->senders = senders > t->members ? t->members : senders;
    t->we_sent = we_sent ? 1 : 0;
}

RTCP_FBDEF void rtcp_fb_timing_on_rtcp_size(rtcp_fb_timing *t, size_t size)
{
    uint64_t s = size > 65535 ? 65535 : (uint64_t)size;
    t->avg_rtcp_size_x16 = t->avg_rtcp_size_x16 -
                           t->avg_rtcp_size_x16 / 16 + s;
}

static uint64_t rtcp_fb__dither_max(const rtcp_fb_timing *t)
{
    return t->cfg.point_to_point ? 0 : t->t_rr / 2; /* l = 0.5 */
}

RTCP_FBDEF int rtcp_fb_timing_request_early(rtcp_fb_timing *t, uint64_t now_us,
                                            uint64_t *when_us)
{
    uint64_t dm, te, w = UINT64_MAX;
    int r;
    if (t->early_scheduled || t->fb_pending) { /* step 2a */
        w = t->early_scheduled ? t->te : t->tn;
        r = RTCP_FB_EARLY_MERGED;
        goto out;
    }
    dm = rtcp_fb__dither_max(t);
    if (rtcp_fb__add(now_us, dm) > t->tn) { /* step 3a */
        t->fb_pending = 1;
        w = t->tn;
        r = RTCP_FB_EARLY_REGULAR;
        goto out;
    }
    if (!t->allow_early) { /* step 4a */
        if (t->tn - now_us < t->cfg.t_max_fb_delay_us) {
            t->fb_pending = 1;
            w = t->tn;
            r = RTCP_FB_EARLY_REGULAR;
        } else {
            t->n_discarded++;
            r = RTCP_FB_EARLY_DISCARD;
        }
        goto out;
    }
    /* step 4b: te = t0 + RND * T_dither_max */
    te = now_us + rtcp_fb__scale16(dm, rtcp_fb__rand16(t->cb.rand, t->user));
    t->fb_pending = 1;
    w = te;
    if (te == now_us) {
        r = RTCP_FB_EARLY_NOW;
    } else {
        t->early_scheduled = 1;
        t->te = te;
        r = RTCP_FB_EARLY_SCHEDULED;
    }
out:
    if (when_us) *when_us = w;
    return r;
}

RTCP_FBDEF void rtcp_fb_timing_on_early_sent(rtcp_fb_timing *t, uint64_t now_us)
{
    uint64_t prev = t->tn;
    (void)now_us;
    t->early_scheduled = 0;
    t->fb_pending = 0;
    t->allow_early = 0;
    t->tn = rtcp_fb__add(t->tp, 2 * t->t_rr);
    t->tp = prev;
    t->n_early++;
}

RTCP_FBDEF int rtcp_fb_timing_suppress(rtcp_fb_timing *t)
{
    int was = t->early_scheduled || t->fb_pending;
    t->early_scheduled = 0;
    t->fb_pending = 0;
    if (was) t->n_discarded++;
    return was;
}

RTCP_FBDEF uint64_t rtcp_fb_timing_next_deadline(const rtcp_fb_timing *t)
{
    if (t->early_scheduled && t->te < t->tn) return t->te;
    return t->tn;
}

/* §3.5.3 after reconsideration at tn; the caller sends what it says. */
static int rtcp_fb__timing_regular(rtcp_fb_timing *t, uint64_t now_us)
{
    int r;
    if (!t->have_rr_last || t->cfg.t_rr_interval_us == 0) {
        r = RTCP_FB_TIMING_REGULAR; /* case 1, or no T_rr_interval */
    } else {
        uint64_t cur = t->cfg.t_rr_interval_us / 2 +
                       rtcp_fb__scale16(t->cfg.t_rr_interval_us,
                                        rtcp_fb__rand16(t->cb.rand, t->user));
        if (rtcp_fb__add(t->t_rr_last, cur) <= t->tn) r = RTCP_FB_TIMING_REGULAR;
        else if (t->fb_pending) r = RTCP_FB_TIMING_FB_ONLY;
        else r = RTCP_FB_TIMING_SUPPRESSED;
    }
    if (r == RTCP_FB_TIMING_REGULAR) {
        t->have_rr_last = 1;
        t->t_rr_last = t->tn;
        t->tmin = 0;
        t->n_regular++;
    } else if (r == RTCP_FB_TIMING_FB_ONLY) {
        t->n_fb_only++;
    } else {
        t->n_suppressed++;
    }
    t->fb_pending = 0;
    t->early_scheduled = 0; /* overtaken: the FB goes now */
    t->allow_early = 1;
    t->tp = now_us;
    t->t_rr = rtcp_fb_timing_interval(t, rtcp_fb__rand16(t->cb.rand, t->user));
    t->tn = rtcp_fb__add(now_us, t->t_rr);
    return r;
}

RTCP_FBDEF int rtcp_fb_timing_on_timeout(rtcp_fb_timing *t, uint64_t now_us)
{
    if (t->early_scheduled && now_us >= t->te && t->te < t->tn) {
        if (t->cb.fb_seen && t->cb.fb_seen(t->user)) { /* step 5a */
            rtcp_fb_timing_suppress(t);
            return RTCP_FB_TIMING_FB_DISCARDED;
        }
        rtcp_fb_timing_on_early_sent(t, now_us);
        return RTCP_FB_TIMING_EARLY;
    }
    if (now_us < t->tn) return RTCP_FB_TIMING_NONE;
    /* RFC 3550 §6.3.6 timer reconsideration */
    t->t_rr = rtcp_fb_timing_interval(t, rtcp_fb__rand16(t->cb.rand, t->user));
    if (rtcp_fb__add(t->tp, t->t_rr) > now_us) {
        t->tn = rtcp_fb__add(t->tp, t->t_rr);
        return RTCP_FB_TIMING_NONE;
    }
    return rtcp_fb__timing_regular(t, now_us);
}

RTCP_FBDEF int rtcp_fb_timing_mode(const rtcp_fb_timing *t,
                                   uint64_t event_interval_us)
{
    if (event_interval_us >= rtcp_fb__timing_det(t))
        return RTCP_FB_MODE_IMMEDIATE;
    if (rtcp_fb__dither_max(t) > t->cfg.t_max_fb_delay_us)
        return RTCP_FB_MODE_REGULAR;
    return RTCP_FB_MODE_EARLY;
}

/* ---- congestion control (draft-ietf-rmcat-gcc-02) ------------------------ */

/* the history is indexed by seq & (size - 1) */
typedef char rtcp_fb__cc_history_pow2[(RTCP_FB_CC_HISTORY & (RTCP_FB_CC_HISTORY - 1)) == 0 &&
                                      RTCP_FB_CC_HISTORY >= 64 && RTCP_FB_CC_HISTORY <= 32768 ? 1 : -1];

RTCP_FBDEF const char *rtcp_fb_cc_reason_str(int reason)
{
    switch (reason) {
    case RTCP_FB_CC_REASON_NONE: return "none";
    case RTCP_FB_CC_REASON_INIT: return "init";
    case RTCP_FB_CC_REASON_INCREASE: return "increase";
    case RTCP_FB_CC_REASON_DELAY_OVERUSE: return "delay-overuse";
    case RTCP_FB_CC_REASON_LOSS: return "loss";
    case RTCP_FB_CC_REASON_PROBE: return "probe";
    case RTCP_FB_CC_REASON_CLAMP: return "clamp";
    case RTCP_FB_CC_REASON_FEEDBACK_TIMEOUT: return "feedback-timeout";
    default: return "unknown";
    }
}

RTCP_FBDEF const char *rtcp_fb_cc_strerror(int err)
{
    if (err == RTCP_FB_ERR_CC_CONFIG) return "inconsistent congestion control configuration";
    return rtcp_fb_strerror(err);
}

/* No libm: e^x for |x| <= 0.1 (the 1.08^dt of §5.5) and a square root. */
static double rtcp_fb__cc_exp_small(double x)
{
    return 1.0 + x * (1.0 + x / 2.0 * (1.0 + x / 3.0 * (1.0 + x / 4.0 * (1.0 + x / 5.0))));
}

static double rtcp_fb__cc_sqrt(double v)
{
    double r = v > 1.0 ? v : 1.0;
    int i;
    if (v <= 0.0) return 0.0;
    for (i = 0; i < 60; i++) r = 0.5 * (r + v / r);
    return r;
}

static double rtcp_fb__cc_clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Times the caller passes are kept within +-2^62 µs (146,000 years) so
 * that differences and window arithmetic cannot overflow. */
#define RTCP_FB__CC_TMAX ((int64_t)1 << 62)
static int rtcp_fb__cc_time_ok(int64_t t)
{
    return t <= RTCP_FB__CC_TMAX && t >= -RTCP_FB__CC_TMAX;
}

/* Forget the groups (a clock was re-based: send or arrival times jump). */
static void rtcp_fb__cc_delay_restart(rtcp_fb_cc_delay *d)
{
    d->have_cur = 0;
    d->have_prev = 0;
}

static int rtcp_fb__cc_resolve(rtcp_fb_cc_config *c, const rtcp_fb_cc_config *in)
{
    memset(c, 0, sizeof *c);
    if (in) *c = *in;
    if (!c->start_bps) c->start_bps = 300000;
    if (!c->min_bps) c->min_bps = 30000;
    if (!c->max_bps) c->max_bps = 10000000;
    if (!c->burst_us) c->burst_us = 5000;
    if (!c->trend_window) c->trend_window = 20;
    if (c->trend_smoothing == 0.0) c->trend_smoothing = 0.9;
    if (c->trend_gain == 0.0) c->trend_gain = 4.0;
    if (c->threshold_ms == 0.0) c->threshold_ms = 12.5;
    if (c->k_up == 0.0) c->k_up = 0.0087;
    if (c->k_down == 0.0) c->k_down = 0.039;
    if (c->overuse_time_ms == 0.0) c->overuse_time_ms = 10.0;
    if (!c->rtt_us) c->rtt_us = 100000;
    if (!c->packet_bytes) c->packet_bytes = 1200;
    if (!c->rate_window_us) c->rate_window_us = 250000;
    if (!c->loss_interval_us) c->loss_interval_us = 200000;
    if (!c->feedback_timeout_us) c->feedback_timeout_us = 1000000;
    if (c->probe_start_factor == 0.0) c->probe_start_factor = 3.0;
    if (!c->probe_drop_delay_us) c->probe_drop_delay_us = 3000000;
    if (!c->probe_min_packets) c->probe_min_packets = 5;
    if (c->min_bps > c->start_bps || c->start_bps > c->max_bps)
        return RTCP_FB_ERR_CC_CONFIG;
    if (c->trend_window < 2 || c->trend_window > RTCP_FB_CC_TRENDLINE_MAX)
        return RTCP_FB_ERR_CC_CONFIG;
    if (!(c->trend_smoothing >= 0.0 && c->trend_smoothing < 1.0) ||
        !(c->trend_gain > 0.0) || !(c->threshold_ms > 0.0) ||
        !(c->k_up > 0.0) || !(c->k_down > 0.0) || !(c->overuse_time_ms > 0.0))
        return RTCP_FB_ERR_CC_CONFIG;
    return 0;
}

/* ---- trendline ------------------------------------------------------------ */

RTCP_FBDEF int rtcp_fb_cc_trendline_init(rtcp_fb_cc_trendline *t,
                                         unsigned window, double smoothing,
                                         double gain)
{
    if (!t) return RTCP_FB_ERR_INVALID;
    if (window < 2 || window > RTCP_FB_CC_TRENDLINE_MAX ||
        !(smoothing >= 0.0 && smoothing < 1.0) || !(gain > 0.0))
        return RTCP_FB_ERR_CC_CONFIG;
    memset(t, 0, sizeof *t);
    t->window = window;
    t->smoothing = smoothing;
    t->gain = gain;
    return 0;
}

/* Least-squares slope of the points in the ring. */
static double rtcp_fb__cc_slope(const rtcp_fb_cc_trendline *t)
{
    double mx = 0, my = 0, num = 0, den = 0;
    unsigned i;
    for (i = 0; i < t->n; i++) {
        mx += t->x[i];
        my += t->y[i];
    }
    mx /= t->n;
    my /= t->n;
    for (i = 0; i < t->n; i++) {
        num += (t->x[i] - mx) * (t->y[i] - my);
        den += (t->x[i] - mx) * (t->x[i] - mx);
    }
    return den > 0 ? num / den : 0.0;
}

RTCP_FBDEF double rtcp_fb_cc_trendline_update(rtcp_fb_cc_trendline *t,
                                              double arrival_ms,
                                              double delay_ms)
{
    double k;
    if (t->groups == 0) t->first_ms = arrival_ms;
    t->groups++;
    t->acc += delay_ms;
    t->smoothed = t->smoothing * t->smoothed + (1.0 - t->smoothing) * t->acc;
    t->x[t->head] = arrival_ms - t->first_ms;
    t->y[t->head] = t->smoothed;
    t->head = (t->head + 1) % t->window;
    if (t->n < t->window) t->n++;
    if (t->n < t->window) return 0.0;
    t->slope = rtcp_fb__cc_slope(t);
    k = t->groups < 60 ? (double)t->groups : 60.0;
    return k * t->slope * t->gain;
}

/* ---- over-use detector (§5.4) ----------------------------------------------- */

RTCP_FBDEF void rtcp_fb_cc_detector_init(rtcp_fb_cc_detector *d,
                                         const rtcp_fb_cc_config *cfg)
{
    rtcp_fb_cc_config c;
    if (rtcp_fb__cc_resolve(&c, cfg) != 0) rtcp_fb__cc_resolve(&c, NULL);
    memset(d, 0, sizeof *d);
    d->threshold = c.threshold_ms;
    d->k_up = c.k_up;
    d->k_down = c.k_down;
    d->overuse_time_ms = c.overuse_time_ms;
    d->time_over_ms = -1.0;
    d->usage = RTCP_FB_CC_NORMAL;
}

static void rtcp_fb__cc_adapt(rtcp_fb_cc_detector *d, double m, uint64_t now_us)
{
    double am = m < 0 ? -m : m, dt;
    if (!d->have_last) {
        d->have_last = 1;
        d->last_us = now_us;
    }
    /* a spike far over gamma (e.g. a route change) must not drag it up */
    if (am > d->threshold + 15.0) {
        d->last_us = now_us;
        return;
    }
    dt = now_us > d->last_us ? (double)(now_us - d->last_us) / 1000.0 : 0.0;
    if (dt > 100.0) dt = 100.0;
    d->threshold += dt * (am > d->threshold ? d->k_up : d->k_down) *
                    (am - d->threshold);
    d->threshold = rtcp_fb__cc_clampd(d->threshold, 6.0, 600.0);
    d->last_us = now_us;
}

RTCP_FBDEF rtcp_fb_cc_usage rtcp_fb_cc_detector_update(
    rtcp_fb_cc_detector *d, double m, double send_delta_ms, uint64_t now_us)
{
    if (m > d->threshold) {
        if (d->time_over_ms < 0) d->time_over_ms = send_delta_ms / 2.0;
        else d->time_over_ms += send_delta_ms;
        d->count_over++;
        if (d->time_over_ms > d->overuse_time_ms && d->count_over > 1 &&
            m >= d->prev_m) {
            d->time_over_ms = 0;
            d->count_over = 0;
            d->usage = RTCP_FB_CC_OVERUSE;
        }
    } else if (m < -d->threshold) {
        d->time_over_ms = -1.0;
        d->count_over = 0;
        d->usage = RTCP_FB_CC_UNDERUSE;
    } else {
        d->time_over_ms = -1.0;
        d->count_over = 0;
        d->usage = RTCP_FB_CC_NORMAL;
    }
    d->prev_m = m;
    rtcp_fb__cc_adapt(d, m, now_us);
    return d->usage;
}

/* ---- AIMD rate controller (§5.5) ------------------------------------------ */

RTCP_FBDEF void rtcp_fb_cc_aimd_init(rtcp_fb_cc_aimd *a,
                                     const rtcp_fb_cc_config *cfg)
{
    rtcp_fb_cc_config c;
    if (rtcp_fb__cc_resolve(&c, cfg) != 0) rtcp_fb__cc_resolve(&c, NULL);
    memset(a, 0, sizeof *a);
    a->bps = (double)c.start_bps;
    a->min_bps = (double)c.min_bps;
    a->max_bps = (double)c.max_bps;
    a->state = RTCP_FB_CC_INCREASE;
    a->avg_max_kbps = -1.0;
    a->var_max = 0.4;
    a->rtt_us = c.rtt_us;
    a->packet_bits = 8.0 * c.packet_bytes;
}

/* Average and normalised variance of the acked bitrate at decreases, in
 * kbit/s: "near convergence" is within 3 standard deviations of it. */
static void rtcp_fb__cc_avg_max(rtcp_fb_cc_aimd *a, double acked_bps)
{
    double k = acked_bps / 1000.0, norm, dev;
    if (a->avg_max_kbps < 0) {
        a->avg_max_kbps = k;
        return;
    }
    a->avg_max_kbps = 0.95 * a->avg_max_kbps + 0.05 * k;
    norm = a->avg_max_kbps > 1.0 ? a->avg_max_kbps : 1.0;
    dev = a->avg_max_kbps - k;
    a->var_max = 0.95 * a->var_max + 0.05 * dev * dev / norm;
    a->var_max = rtcp_fb__cc_clampd(a->var_max, 0.4, 2.5);
}

static double rtcp_fb__cc_std_kbps(const rtcp_fb_cc_aimd *a)
{
    return rtcp_fb__cc_sqrt(a->var_max * a->avg_max_kbps);
}

static double rtcp_fb__cc_increase(rtcp_fb_cc_aimd *a, double acked,
                                   double dt_s)
{
    double next, resp_s;
    if (acked > 0 && a->avg_max_kbps >= 0 &&
        acked / 1000.0 > a->avg_max_kbps + 3 * rtcp_fb__cc_std_kbps(a))
        a->avg_max_kbps = -1.0; /* far above the old maximum: start over */
    a->near = acked > 0 && a->avg_max_kbps >= 0 &&
              acked / 1000.0 >= a->avg_max_kbps - 3 * rtcp_fb__cc_std_kbps(a);
    if (a->near) {
        resp_s = 0.1 + (double)a->rtt_us / 1e6;
        next = a->bps + (a->packet_bits > 1000 ? a->packet_bits : 1000) *
                            dt_s / resp_s;
    } else {
        next = a->bps * rtcp_fb__cc_exp_small(dt_s * 0.0769610411); /* ln 1.08 */
    }
    if (acked > 0 && next > 1.5 * acked + 10000) {
        double cap = 1.5 * acked + 10000;
        next = cap > a->bps ? cap : a->bps;
    }
    return next;
}

RTCP_FBDEF int rtcp_fb_cc_aimd_update(rtcp_fb_cc_aimd *a,
                                      rtcp_fb_cc_usage usage,
                                      double acked_bps, uint64_t now_us)
{
    double dt_s = 0, old = a->bps, next = a->bps;
    if (a->have_last && now_us > a->last_us)
        dt_s = (double)(now_us - a->last_us) / 1e6;
    if (dt_s > 1.0) dt_s = 1.0;
    a->have_last = 1;
    a->last_us = now_us;
    if (usage == RTCP_FB_CC_OVERUSE) a->state = RTCP_FB_CC_DECREASE;
    else if (usage == RTCP_FB_CC_UNDERUSE) a->state = RTCP_FB_CC_HOLD;
    else if (a->state == RTCP_FB_CC_HOLD) a->state = RTCP_FB_CC_INCREASE;
    else if (a->state == RTCP_FB_CC_DECREASE) a->state = RTCP_FB_CC_HOLD;
    if (a->state == RTCP_FB_CC_INCREASE) {
        next = rtcp_fb__cc_increase(a, acked_bps, dt_s);
    } else if (a->state == RTCP_FB_CC_DECREASE) {
        next = 0.85 * (acked_bps > 0 ? acked_bps : a->bps);
        if (next > a->bps) next = a->bps;
        if (acked_bps > 0) rtcp_fb__cc_avg_max(a, acked_bps);
        a->state = RTCP_FB_CC_HOLD;
    }
    a->bps = rtcp_fb__cc_clampd(next, a->min_bps, a->max_bps);
    if (a->bps > old) return RTCP_FB_CC_REASON_INCREASE;
    if (a->bps < old) return RTCP_FB_CC_REASON_DELAY_OVERUSE;
    return RTCP_FB_CC_REASON_NONE;
}

/* ---- loss-based rule (§6) ------------------------------------------------- */

RTCP_FBDEF double rtcp_fb_cc_loss_rule(double bps, double p)
{
    if (p < 0.02) return bps * 1.05;
    if (p > 0.1) return bps * (1.0 - 0.5 * p);
    return bps;
}

/* ---- windowed bitrate ----------------------------------------------------- */

static void rtcp_fb__cc_rate_init(rtcp_fb_cc_rate *r, uint64_t window_us)
{
    memset(r, 0, sizeof *r);
    r->window_us = window_us;
}

static void rtcp_fb__cc_rate_add(rtcp_fb_cc_rate *r, int64_t t, uint32_t size)
{
    unsigned tail;
    if (!r->started) {
        r->started = 1;
        r->first_us = t;
        r->newest_us = t;
    }
    if (t > r->newest_us) r->newest_us = t;
    if (r->n == RTCP_FB_CC_RATE_MAX) { /* full: drop the oldest */
        tail = (r->head + RTCP_FB_CC_RATE_MAX - r->n) % RTCP_FB_CC_RATE_MAX;
        r->bytes -= r->sz[tail];
        r->n--;
        if (r->t[tail] > r->first_us) r->first_us = r->t[tail];
    }
    r->t[r->head] = t;
    r->sz[r->head] = size;
    r->head = (r->head + 1) % RTCP_FB_CC_RATE_MAX;
    r->n++;
    r->bytes += size;
    while (r->n > 1) {
        tail = (r->head + RTCP_FB_CC_RATE_MAX - r->n) % RTCP_FB_CC_RATE_MAX;
        if (r->t[tail] >= r->newest_us - (int64_t)r->window_us) break;
        r->bytes -= r->sz[tail];
        r->n--;
    }
}

/* Bit/s over the window (or since the first packet, once 50 ms of data
 * exist); 0 when not known yet. */
static double rtcp_fb__cc_rate_bps(const rtcp_fb_cc_rate *r)
{
    int64_t span;
    if (!r->started || r->n == 0) return 0.0;
    span = r->newest_us - r->first_us;
    if (span > (int64_t)r->window_us) span = (int64_t)r->window_us;
    if (span < 50000) return 0.0;
    return (double)r->bytes * 8e6 / (double)span;
}

/* ---- grouping and delay variation (§5.1, §5.2) ------------------------------ */

static void rtcp_fb__cc_delay_init(rtcp_fb_cc_delay *d,
                                   const rtcp_fb_cc_config *c)
{
    memset(d, 0, sizeof *d);
    d->burst_us = c->burst_us;
    rtcp_fb_cc_trendline_init(&d->trend, c->trend_window, c->trend_smoothing,
                              c->trend_gain);
    rtcp_fb_cc_detector_init(&d->det, c);
}

static void rtcp_fb__cc_group_start(rtcp_fb_cc_delay *d, int64_t send_us,
                                    int64_t arr_us)
{
    d->have_cur = 1;
    d->cur_first_send = d->cur_last_send = send_us;
    d->cur_last_arr = arr_us;
}

/* §5.2: a packet sent within burst_us of the group's first, or one that
 * arrived within burst_us of the group's last with a negative delay
 * variation against it (a burst released by the network), joins. */
static int rtcp_fb__cc_joins(const rtcp_fb_cc_delay *d, int64_t send_us,
                             int64_t arr_us)
{
    int64_t arr_d = arr_us - d->cur_last_arr, send_d = send_us - d->cur_last_send;
    if (send_us - d->cur_first_send <= (int64_t)d->burst_us) return 1;
    return arr_d >= 0 && arr_d < (int64_t)d->burst_us && arr_d - send_d < 0;
}

/* One packet in send order. Returns 1 and sets *usage when a group was
 * completed against the previous one. */
static int rtcp_fb__cc_delay_packet(rtcp_fb_cc_delay *d, int64_t send_us,
                                    int64_t arr_us, rtcp_fb_cc_usage *usage)
{
    int64_t send_d, arr_d;
    int done = 0;
    if (!d->have_cur) {
        rtcp_fb__cc_group_start(d, send_us, arr_us);
        return 0;
    }
    if (send_us < d->cur_first_send) return 0; /* reordered */
    /* arrival clock jumped (receiver restart, long silence): start over */
    if (arr_us < d->cur_last_arr - 1000000 || arr_us > d->cur_last_arr + 3000000) {
        d->have_prev = 0;
        rtcp_fb__cc_group_start(d, send_us, arr_us);
        return 0;
    }
    if (rtcp_fb__cc_joins(d, send_us, arr_us)) {
        if (send_us > d->cur_last_send) d->cur_last_send = send_us;
        if (arr_us > d->cur_last_arr) d->cur_last_arr = arr_us;
        return 0;
    }
    if (d->have_prev) {
        send_d = d->cur_last_send - d->prev_last_send;
        arr_d = d->cur_last_arr - d->prev_last_arr;
        d->last_m = rtcp_fb_cc_trendline_update(
            &d->trend, (double)d->cur_last_arr / 1000.0,
            (double)(arr_d - send_d) / 1000.0);
        *usage = rtcp_fb_cc_detector_update(&d->det, d->last_m,
                                            (double)send_d / 1000.0,
                                            (uint64_t)d->cur_last_arr);
        done = 1;
    }
    d->have_prev = 1;
    d->prev_last_send = d->cur_last_send;
    d->prev_last_arr = d->cur_last_arr;
    rtcp_fb__cc_group_start(d, send_us, arr_us);
    return done;
}

/* ---- send side -------------------------------------------------------------- */

static void rtcp_fb__cc_notify(rtcp_fb_cc *cc, uint64_t target, int reason,
                               uint64_t now_us)
{
    cc->target_bps = target;
    cc->last.target_bps = target;
    cc->last.reason = reason;
    cc->last.delay_bps = (uint64_t)cc->aimd.bps;
    cc->last.loss_bps = (uint64_t)cc->loss_bps;
    cc->last.acked_bps = (uint64_t)rtcp_fb__cc_rate_bps(&cc->acked);
    cc->last.loss = cc->loss;
    cc->last.now_us = now_us;
    if (cc->on_target) cc->on_target(cc->user, &cc->last);
}

/* A loss or feedback-timeout decrease took the target to half or less of
 * its level before the decreases began (the last increase, within 5 s):
 * ask for a probe at 0.85 x that level later, so
 * a drop that was not the path's capacity (random loss, lost feedback)
 * recovers quickly. A delay-based decrease is not probed: it is set from
 * the measured acknowledged bitrate, and probing it again only rebuilds
 * the queue just measured. */
static void rtcp_fb__cc_drop_probe(rtcp_fb_cc *cc, uint64_t old, int reason,
                                   uint64_t now)
{
    if (cc->target_bps >= old || now - cc->peak_us > 5000000) {
        cc->peak_bps = cc->target_bps;
        cc->peak_us = now;
        return;
    }
    if (reason != RTCP_FB_CC_REASON_LOSS &&
        reason != RTCP_FB_CC_REASON_FEEDBACK_TIMEOUT)
        return;
    if (cc->cfg.no_probe || cc->probe_due_us != UINT64_MAX) return;
    if ((double)cc->target_bps > 0.5 * (double)cc->peak_bps) return;
    cc->probe_request_bps = (uint64_t)(0.85 * (double)cc->peak_bps);
    cc->probe_due_us = rtcp_fb__add(now, cc->cfg.probe_drop_delay_us);
    cc->peak_bps = cc->target_bps; /* one probe per drop */
    cc->peak_us = now;
}

/* target = clamp(min(delay, loss)); reason: the cause given, CLAMP when
 * the bounds alone moved it. */
static void rtcp_fb__cc_combine(rtcp_fb_cc *cc, int reason, uint64_t now_us)
{
    double t = cc->aimd.bps < cc->loss_bps ? cc->aimd.bps : cc->loss_bps;
    double c = rtcp_fb__cc_clampd(t, (double)cc->cfg.min_bps,
                                  (double)cc->cfg.max_bps);
    uint64_t nt = (uint64_t)c, old = cc->target_bps;
    if (nt == old) return;
    if (c != t) reason = RTCP_FB_CC_REASON_CLAMP;
    else if (reason == RTCP_FB_CC_REASON_NONE)
        reason = nt > old ? RTCP_FB_CC_REASON_INCREASE
                          : RTCP_FB_CC_REASON_DELAY_OVERUSE;
    rtcp_fb__cc_notify(cc, nt, reason, now_us);
    rtcp_fb__cc_drop_probe(cc, old, reason, now_us);
    if (cc->probe_due_us != UINT64_MAX && nt >= cc->probe_request_bps) {
        /* recovered without the probe */
        cc->probe_due_us = UINT64_MAX;
        cc->probe_request_bps = 0;
    }
}

RTCP_FBDEF int rtcp_fb_cc_init(rtcp_fb_cc *cc, const rtcp_fb_cc_config *cfg,
                               rtcp_fb_cc_target_fn on_target,
                               rtcp_fb_cc_probe_fn on_probe, void *user)
{
    rtcp_fb_cc_config c;
    int rc;
    if (!cc) return RTCP_FB_ERR_INVALID;
    rc = rtcp_fb__cc_resolve(&c, cfg);
    if (rc) return rc;
    memset(cc, 0, sizeof *cc);
    cc->cfg = c;
    cc->on_target = on_target;
    cc->on_probe = on_probe;
    cc->user = user;
    rtcp_fb_cc_aimd_init(&cc->aimd, &c);
    rtcp_fb__cc_delay_init(&cc->delay, &c);
    rtcp_fb__cc_rate_init(&cc->acked, c.rate_window_us);
    cc->loss_bps = (double)c.start_bps;
    cc->target_bps = c.start_bps;
    cc->peak_bps = c.start_bps;
    cc->last.target_bps = c.start_bps;
    cc->last.reason = RTCP_FB_CC_REASON_INIT;
    cc->last.delay_bps = cc->last.loss_bps = c.start_bps;
    cc->usage = RTCP_FB_CC_NORMAL;
    cc->next_cluster = 1;
    cc->probe_due_us = UINT64_MAX;
    if (!c.no_probe && c.probe_start_factor >= 1.0) {
        double p = (double)c.start_bps * c.probe_start_factor;
        if (p > (double)c.max_bps) p = (double)c.max_bps;
        cc->probe_request_bps = (uint64_t)p;
        cc->probe_due_us = 0;
    }
    return 0;
}

RTCP_FBDEF int rtcp_fb_cc_on_sent(rtcp_fb_cc *cc, uint16_t seq,
                                  uint64_t send_us, uint32_t size,
                                  uint16_t cluster)
{
    rtcp_fb_cc_sent *s;
    if (!cc || size == 0) return RTCP_FB_ERR_INVALID;
    s = &cc->hist[seq & (RTCP_FB_CC_HISTORY - 1)];
    s->seq = seq;
    s->send_us = send_us;
    s->size = size;
    s->cluster = cluster;
    s->flags = 1;
    if (!cc->have_sent || (uint16_t)(seq - cc->newest_seq) < 0x8000u)
        cc->newest_seq = seq;
    if (!cc->have_sent) cc->last_fb_us = send_us; /* timeout base */
    if (!cc->have_sent || send_us > cc->last_send_us) cc->last_send_us = send_us;
    cc->have_sent = 1;
    return 0;
}

/* The history slot of seq, or NULL when it was never sent or is older
 * than the history. */
static rtcp_fb_cc_sent *rtcp_fb__cc_find(rtcp_fb_cc *cc, uint16_t seq)
{
    rtcp_fb_cc_sent *s = &cc->hist[seq & (RTCP_FB_CC_HISTORY - 1)];
    if (!cc->have_sent || !(s->flags & 1) || s->seq != seq) return NULL;
    if ((uint16_t)(cc->newest_seq - seq) >= RTCP_FB_CC_HISTORY) return NULL;
    return s;
}

static void rtcp_fb__cc_cluster_add(rtcp_fb_cc *cc, const rtcp_fb_cc_sent *s,
                                    int64_t arr)
{
    rtcp_fb_cc_cluster *k = NULL;
    size_t i;
    for (i = 0; i < 4 && !k; i++)
        if (cc->clusters[i].id == s->cluster) k = &cc->clusters[i];
    for (i = 0; i < 4 && !k; i++)
        if (cc->clusters[i].id == 0) k = &cc->clusters[i];
    if (!k) k = &cc->clusters[s->cluster % 4]; /* full: reuse a slot */
    if (k->id != s->cluster) {
        memset(k, 0, sizeof *k);
        k->id = s->cluster;
    }
    if (k->n == 0 || s->send_us < k->send_first) {
        k->send_first = s->send_us;
        k->first_size = s->size;
    }
    if (k->n == 0 || s->send_us >= k->send_last) {
        k->send_last = s->send_us;
        k->last_size = s->size;
    }
    if (k->n == 0 || arr < k->arr_first) k->arr_first = arr;
    if (k->n == 0 || arr > k->arr_last) k->arr_last = arr;
    k->n++;
    k->bytes += s->size;
}

/* One acknowledgement. Returns 1 when it matched a sent packet. */
static int rtcp_fb__cc_ack(rtcp_fb_cc *cc, const rtcp_fb_cc_arrival *a)
{
    rtcp_fb_cc_sent *s = rtcp_fb__cc_find(cc, a->seq);
    rtcp_fb_cc_usage u = RTCP_FB_CC_NORMAL;
    if (!s) {
        cc->stat_unknown++;
        return 0;
    }
    if (s->flags & 2) return 1; /* acknowledged before */
    if (a->received == 1 && !rtcp_fb__cc_time_ok(a->arrival_us)) {
        rtcp_fb_cc_arrival b = *a; /* a time we cannot use: count only */
        b.received = 2;
        return rtcp_fb__cc_ack(cc, &b);
    }
    if (!a->received) {
        if (!(s->flags & 4)) cc->loss_lost++;
        s->flags |= 4;
        return 1;
    }
    if (s->flags & 4) { /* reported lost, then arrived */
        if (cc->loss_lost) cc->loss_lost--;
    }
    s->flags = (uint8_t)((s->flags | 2) & ~4);
    cc->loss_recv++;
    if (a->received != 1) return 1;
    rtcp_fb__cc_rate_add(&cc->acked, a->arrival_us, s->size);
    if (s->cluster) rtcp_fb__cc_cluster_add(cc, s, a->arrival_us);
    if (s->send_us > (uint64_t)RTCP_FB__CC_TMAX) return 1;
    if ((int64_t)s->send_us < cc->last_done_send) return 1;
    cc->last_done_send = (int64_t)s->send_us;
    if (rtcp_fb__cc_delay_packet(&cc->delay, (int64_t)s->send_us,
                                 a->arrival_us, &u)) {
        cc->usage = u;
        if (u == RTCP_FB_CC_OVERUSE) cc->fb_overuse = 1;
    }
    return 1;
}

/* §6: once loss_interval_us and 20 packets have passed. */
static int rtcp_fb__cc_loss_eval(rtcp_fb_cc *cc, uint64_t now_us)
{
    uint32_t total = cc->loss_recv + cc->loss_lost;
    double before = cc->loss_bps, base;
    if (total < 20 || now_us - cc->loss_last_us < cc->cfg.loss_interval_us)
        return RTCP_FB_CC_REASON_NONE;
    cc->loss = (double)cc->loss_lost / (double)total;
    cc->loss_recv = cc->loss_lost = 0;
    cc->loss_last_us = now_us;
    /* decreases start from what is being sent (the current target);
     * increases never lift it over the delay-based estimate, so the
     * smaller of the two stays the binding one */
    base = cc->loss > 0.1 ? (double)cc->target_bps : cc->loss_bps;
    cc->loss_bps = rtcp_fb_cc_loss_rule(base, cc->loss);
    if (cc->loss < 0.02 && cc->loss_bps > cc->aimd.bps)
        cc->loss_bps = before > cc->aimd.bps ? before : cc->aimd.bps;
    cc->loss_bps = rtcp_fb__cc_clampd(cc->loss_bps, (double)cc->cfg.min_bps,
                                      (double)cc->cfg.max_bps);
    if (cc->loss_bps < before) return RTCP_FB_CC_REASON_LOSS;
    return cc->loss_bps > before ? RTCP_FB_CC_REASON_INCREASE
                                 : RTCP_FB_CC_REASON_NONE;
}

static void rtcp_fb__cc_apply_probe(rtcp_fb_cc *cc, double bps, uint64_t now)
{
    double v = rtcp_fb__cc_clampd(bps, cc->aimd.min_bps, cc->aimd.max_bps);
    cc->stat_probes++;
    /* the path carried bps: neither estimate stays below it */
    if (v > cc->aimd.bps) cc->aimd.bps = v;
    if (v > cc->loss_bps) cc->loss_bps = v;
    rtcp_fb__cc_combine(cc, RTCP_FB_CC_REASON_PROBE, now);
}

/* A cluster with enough packets acknowledged: min(send rate, receive
 * rate), each without the packet that opens its interval. */
static void rtcp_fb__cc_clusters(rtcp_fb_cc *cc, uint64_t now_us)
{
    size_t i;
    for (i = 0; i < 4; i++) {
        rtcp_fb_cc_cluster *k = &cc->clusters[i];
        double send_bps, recv_bps;
        if (k->id == 0 || k->n < cc->cfg.probe_min_packets) continue;
        if (k->send_last <= k->send_first || k->arr_last <= k->arr_first) {
            k->id = 0;
            continue;
        }
        send_bps = (double)(k->bytes - k->last_size) * 8e6 /
                   (double)(k->send_last - k->send_first);
        recv_bps = (double)(k->bytes - k->first_size) * 8e6 /
                   (double)(k->arr_last - k->arr_first);
        if (k->id == cc->probe_cluster) {
            cc->probe_request_bps = 0;
            cc->probe_cluster = 0;
        }
        k->id = 0;
        rtcp_fb__cc_apply_probe(cc, send_bps < recv_bps ? send_bps : recv_bps,
                                now_us);
    }
}

static void rtcp_fb__cc_feedback_done(rtcp_fb_cc *cc, uint64_t now_us)
{
    int rd, rl;
    rtcp_fb_cc_usage u = cc->fb_overuse ? RTCP_FB_CC_OVERUSE : cc->usage;
    cc->stat_feedbacks++;
    cc->last_fb_us = now_us;
    cc->fb_overuse = 0;
    rd = rtcp_fb_cc_aimd_update(&cc->aimd, u, rtcp_fb__cc_rate_bps(&cc->acked),
                                now_us);
    rl = rtcp_fb__cc_loss_eval(cc, now_us);
    /* the binding estimator names the change */
    if (cc->loss_bps < cc->aimd.bps) rtcp_fb__cc_combine(cc, rl ? rl : rd, now_us);
    else rtcp_fb__cc_combine(cc, rd, now_us);
    rtcp_fb__cc_clusters(cc, now_us);
}

RTCP_FBDEF int rtcp_fb_cc_on_arrivals(rtcp_fb_cc *cc,
                                      const rtcp_fb_cc_arrival *a, size_t n,
                                      uint64_t now_us)
{
    size_t i;
    int matched = 0;
    if (!cc || (n && !a)) return RTCP_FB_ERR_INVALID;
    for (i = 0; i < n; i++) matched += rtcp_fb__cc_ack(cc, &a[i]);
    rtcp_fb__cc_feedback_done(cc, now_us);
    return matched;
}

/* The 24-bit reference time, unwrapped across feedbacks, in µs. */
static int64_t rtcp_fb__cc_ref_us(rtcp_fb_cc *cc, int32_t ref_time)
{
    uint32_t raw = (uint32_t)ref_time & 0xFFFFFFu;
    if (!cc->have_ref) {
        cc->have_ref = 1;
        cc->ref_unwrapped = ref_time;
    } else {
        int32_t d = (int32_t)((raw - cc->ref_raw) & 0xFFFFFFu);
        if (d >= 0x800000) d -= 0x1000000;
        cc->ref_unwrapped += d;
        if (cc->ref_unwrapped > ((int64_t)1 << 40) ||
            cc->ref_unwrapped < -((int64_t)1 << 40)) {
            /* wandered 2^40 x 64 ms: re-base (the arrival clock jumps) */
            cc->ref_unwrapped = ref_time;
            rtcp_fb__cc_delay_restart(&cc->delay);
        }
    }
    cc->ref_raw = raw;
    return cc->ref_unwrapped * 64000;
}

RTCP_FBDEF int rtcp_fb_cc_on_twcc(rtcp_fb_cc *cc, const rtcp_fb_twcc *tw,
                                  const rtcp_fb_twcc_packet *pkts, size_t n,
                                  uint64_t now_us)
{
    int64_t t;
    size_t i;
    int matched = 0;
    if (!cc || !tw || (n && !pkts)) return RTCP_FB_ERR_INVALID;
    t = rtcp_fb__cc_ref_us(cc, tw->ref_time);
    for (i = 0; i < n; i++) {
        rtcp_fb_cc_arrival a;
        a.seq = pkts[i].seq;
        a.arrival_us = 0;
        a.received = 0;
        if (pkts[i].status == RTCP_FB_TWCC_SMALL ||
            pkts[i].status == RTCP_FB_TWCC_LARGE) {
            t += pkts[i].delta_us;
            a.arrival_us = t;
            a.received = 1;
        } else if (pkts[i].status == RTCP_FB_TWCC_NO_DELTA) {
            a.received = 2;
        }
        matched += rtcp_fb__cc_ack(cc, &a);
    }
    rtcp_fb__cc_feedback_done(cc, now_us);
    return matched;
}

RTCP_FBDEF int rtcp_fb_cc_on_ccfb(rtcp_fb_cc *cc, const rtcp_fb_ccfb *fb,
                                  const rtcp_fb_ccfb_block *blocks,
                                  size_t n_blocks,
                                  const rtcp_fb_ccfb_metric *metrics,
                                  size_t n_metrics,
                                  long (*tseq_of)(void *user, uint32_t ssrc,
                                                  uint16_t rtp_seq),
                                  void *user, uint64_t now_us)
{
    size_t b, j;
    int matched = 0;
    /* report timestamp: 16.16 seconds; µs relative, wrap-free over 18 h */
    int64_t ref;
    if (!cc || !fb || !tseq_of || (n_blocks && !blocks)) return RTCP_FB_ERR_INVALID;
    ref = (int64_t)(((uint64_t)fb->report_timestamp * 1000000u) >> 16);
    for (b = 0; b < n_blocks; b++) {
        const rtcp_fb_ccfb_block *bk = &blocks[b];
        if (bk->num_reports && (!metrics || bk->first > n_metrics ||
                                bk->num_reports > n_metrics - bk->first))
            return RTCP_FB_ERR_INVALID;
        for (j = 0; j < bk->num_reports; j++) {
            const rtcp_fb_ccfb_metric *m = &metrics[bk->first + j];
            rtcp_fb_cc_arrival a;
            long ts = tseq_of(user, bk->ssrc, (uint16_t)(bk->begin_seq + j));
            if (ts < 0 || ts > 0xFFFF) continue;
            a.seq = (uint16_t)ts;
            a.received = m->received ? 1 : 0;
            if (a.received && m->ato >= RTCP_FB_CCFB_ATO_OVER) a.received = 2;
            a.arrival_us = ref - (int64_t)((uint64_t)m->ato * 1000000u / 1024u);
            matched += rtcp_fb__cc_ack(cc, &a);
        }
    }
    rtcp_fb__cc_feedback_done(cc, now_us);
    return matched;
}

RTCP_FBDEF void rtcp_fb_cc_set_rtt(rtcp_fb_cc *cc, uint64_t rtt_us)
{
    cc->aimd.rtt_us = rtt_us;
}

RTCP_FBDEF void rtcp_fb_cc_probe_result(rtcp_fb_cc *cc, uint64_t bps,
                                        uint64_t now_us)
{
    cc->probe_request_bps = 0;
    cc->probe_cluster = 0;
    cc->probe_due_us = UINT64_MAX;
    rtcp_fb__cc_apply_probe(cc, (double)bps, now_us);
}

RTCP_FBDEF uint64_t rtcp_fb_cc_next_deadline(const rtcp_fb_cc *cc)
{
    uint64_t t = cc->probe_due_us;
    /* packets sent since the last feedback (or the first send) that no
     * feedback has answered yet */
    if (cc->have_sent && cc->last_send_us > cc->last_fb_us) {
        uint64_t fb = rtcp_fb__add(cc->last_fb_us, cc->cfg.feedback_timeout_us);
        if (fb < t) t = fb;
    }
    return t;
}

RTCP_FBDEF void rtcp_fb_cc_on_timeout(rtcp_fb_cc *cc, uint64_t now_us)
{
    if (now_us >= cc->probe_due_us) {
        cc->probe_due_us = UINT64_MAX;
        cc->probe_cluster = cc->next_cluster;
        cc->next_cluster = (uint16_t)(cc->next_cluster == 0xFFFF ? 1 : cc->next_cluster + 1);
        if (cc->on_probe)
            cc->on_probe(cc->user, cc->probe_request_bps, cc->probe_cluster, now_us);
    }
    /* no feedback for feedback_timeout_us while sending: halve */
    if (cc->have_sent && cc->last_send_us > cc->last_fb_us &&
        now_us >= rtcp_fb__add(cc->last_fb_us, cc->cfg.feedback_timeout_us)) {
        cc->aimd.bps = rtcp_fb__cc_clampd(cc->aimd.bps / 2, cc->aimd.min_bps,
                                          cc->aimd.max_bps);
        if (cc->loss_bps > cc->aimd.bps) cc->loss_bps = cc->aimd.bps;
        cc->last_fb_us = now_us; /* the next halving one timeout later */
        rtcp_fb__cc_combine(cc, RTCP_FB_CC_REASON_FEEDBACK_TIMEOUT, now_us);
    }
}

/* ---- receive side: REMB ------------------------------------------------------ */

RTCP_FBDEF int rtcp_fb_cc_remb_init(rtcp_fb_cc_remb *r,
                                    const rtcp_fb_cc_config *cfg,
                                    uint32_t sender_ssrc,
                                    uint64_t interval_us,
                                    rtcp_fb_cc_remb_fn on_remb, void *user)
{
    rtcp_fb_cc_config c;
    int rc;
    if (!r) return RTCP_FB_ERR_INVALID;
    rc = rtcp_fb__cc_resolve(&c, cfg);
    if (rc) return rc;
    memset(r, 0, sizeof *r);
    r->cfg = c;
    r->sender_ssrc = sender_ssrc;
    r->interval_us = interval_us ? interval_us : 1000000;
    r->on_remb = on_remb;
    r->user = user;
    rtcp_fb__cc_delay_init(&r->delay, &c);
    rtcp_fb_cc_aimd_init(&r->aimd, &c);
    rtcp_fb__cc_rate_init(&r->in, c.rate_window_us);
    r->estimate_bps = c.start_bps;
    r->usage = RTCP_FB_CC_NORMAL;
    return 0;
}

static void rtcp_fb__cc_remb_ssrc(rtcp_fb_cc_remb *r, uint32_t ssrc,
                                  uint64_t now_us)
{
    size_t i;
    for (i = 0; i < r->n_ssrcs; i++) {
        if (r->ssrcs[i] == ssrc) {
            r->ssrc_seen[i] = now_us;
            return;
        }
    }
    if (r->n_ssrcs == RTCP_FB_CC_REMB_MAX_SSRC) return;
    r->ssrcs[r->n_ssrcs] = ssrc;
    r->ssrc_seen[r->n_ssrcs] = now_us;
    r->n_ssrcs++;
}

static void rtcp_fb__cc_remb_send(rtcp_fb_cc_remb *r, uint64_t now_us)
{
    rtcp_fb_remb v;
    size_t need = 0;
    int len;
    rtcp_fb_bps_to_mantissa(r->estimate_bps, 18, &v.exp, &v.mantissa);
    len = rtcp_fb_remb_build(r->pkt, sizeof r->pkt, r->sender_ssrc, 0, &v,
                             r->ssrcs, r->n_ssrcs, &need);
    r->last_sent_us = now_us;
    r->have_sent = 1;
    r->last_sent_bps = rtcp_fb_mantissa_to_bps(v.exp, v.mantissa);
    if (len < 0) return; /* cannot happen: the buffer fits the SSRC cap */
    r->stat_rembs++;
    if (r->on_remb)
        r->on_remb(r->user, r->pkt, (size_t)len, r->last_sent_bps, r->ssrcs,
                   r->n_ssrcs, now_us);
}

RTCP_FBDEF int rtcp_fb_cc_remb_on_packet(rtcp_fb_cc_remb *r, uint32_t ssrc,
                                         int64_t send_us, uint64_t arrival_us,
                                         uint32_t size)
{
    rtcp_fb_cc_usage u = RTCP_FB_CC_NORMAL;
    int64_t arr = (int64_t)arrival_us;
    if (!r || size == 0) return RTCP_FB_ERR_INVALID;
    if (arrival_us > (uint64_t)RTCP_FB__CC_TMAX || !rtcp_fb__cc_time_ok(send_us))
        return RTCP_FB_ERR_INVALID;
    if (!r->have_pkt) {
        r->have_pkt = 1;
        r->first_us = arrival_us;
    }
    rtcp_fb__cc_remb_ssrc(r, ssrc, arrival_us);
    rtcp_fb__cc_rate_add(&r->in, arr, size);
    if (!rtcp_fb__cc_delay_packet(&r->delay, send_us, arr, &u)) return 0;
    r->usage = u;
    rtcp_fb_cc_aimd_update(&r->aimd, u, rtcp_fb__cc_rate_bps(&r->in), arrival_us);
    r->estimate_bps = (uint64_t)r->aimd.bps;
    if (r->have_sent && (double)r->estimate_bps < 0.97 * (double)r->last_sent_bps)
        rtcp_fb__cc_remb_send(r, arrival_us);
    return 0;
}

RTCP_FBDEF int rtcp_fb_cc_remb_on_packet_abs(rtcp_fb_cc_remb *r,
                                             uint32_t ssrc, uint32_t abs24,
                                             uint64_t arrival_us,
                                             uint32_t size)
{
    uint32_t raw = abs24 & 0xFFFFFFu;
    if (!r) return RTCP_FB_ERR_INVALID;
    if (!r->have_abs) {
        r->have_abs = 1;
        r->abs_units = raw;
    } else {
        int32_t d = (int32_t)((raw - r->abs_last) & 0xFFFFFFu);
        if (d >= 0x800000) d -= 0x1000000;
        r->abs_units += d;
        if (r->abs_units > ((int64_t)1 << 40) || r->abs_units < -((int64_t)1 << 40)) {
            r->abs_units = raw; /* 48 days of drift: re-base */
            rtcp_fb__cc_delay_restart(&r->delay);
        }
    }
    r->abs_last = raw;
    /* units of 2^-18 s; |units| <= 2^40, so units x 10^6 fits */
    return rtcp_fb_cc_remb_on_packet(r, ssrc, (r->abs_units * 1000000) / 262144,
                                     arrival_us, size);
}

RTCP_FBDEF uint64_t rtcp_fb_cc_remb_next_deadline(const rtcp_fb_cc_remb *r)
{
    if (!r->have_pkt) return UINT64_MAX;
    return rtcp_fb__add(r->have_sent ? r->last_sent_us : r->first_us,
                        r->interval_us);
}

RTCP_FBDEF void rtcp_fb_cc_remb_on_timeout(rtcp_fb_cc_remb *r, uint64_t now_us)
{
    size_t i = 0;
    while (i < r->n_ssrcs) { /* silent for 5 s: no longer ours to report */
        if (now_us > r->ssrc_seen[i] + 5000000) {
            memmove(&r->ssrcs[i], &r->ssrcs[i + 1],
                    (r->n_ssrcs - i - 1) * sizeof r->ssrcs[0]);
            memmove(&r->ssrc_seen[i], &r->ssrc_seen[i + 1],
                    (r->n_ssrcs - i - 1) * sizeof r->ssrc_seen[0]);
            r->n_ssrcs--;
            continue;
        }
        i++;
    }
    if (now_us >= rtcp_fb_cc_remb_next_deadline(r)) rtcp_fb__cc_remb_send(r, now_us);
}

#endif /* RTCP_FEEDBACK_IMPLEMENTATION && !RTCP_FEEDBACK_IMPLEMENTATION_DONE */

/*
MIT License

Copyright (c) 2026 the cvoip authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
*/
