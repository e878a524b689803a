#if defined(CVOIP_IMPLEMENTATION) && !defined(RTCP_FEEDBACK_IMPLEMENTATION)
#define RTCP_FEEDBACK_IMPLEMENTATION
#endif
/* rtcp_feedback.h - RTCP feedback messages for C: parse, build, NACK
 * generator. No allocation.
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
 *   - A NACK generator for one SSRC, driven by now_us (rtcp_fb_nackgen_*).
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
 *
 * Options (define before the include):
 *   RTCP_FEEDBACK_IMPLEMENTATION  compile the implementation in this file
 *   CVOIP_IMPLEMENTATION          the same, for every cvoip header
 *   RTCP_FEEDBACK_STATIC          make every function static (private)
 *   RTCP_FB_NACKGEN_MAX           compile-time maximum of missing sequence
 *                                 numbers one generator tracks (512)
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
    uint32_t max_retries;     /**< NACKs per sequence number [10] */
    uint64_t max_age_us;      /**< give up this long after the gap was
                                   seen [1 s] */
    uint64_t min_interval_us; /**< floor of the resend spacing [5 ms] */
    uint64_t reorder_us;      /**< wait this long before the first NACK,
                                   for reordering [0] */
    uint64_t rtt_us;          /**< initial RTT [100 ms] */
} rtcp_fb_nackgen_config;

/** One missing sequence number. */
typedef struct rtcp_fb_nackgen_entry {
    uint16_t seq;
    uint32_t retries; /**< NACKs sent so far */
    uint64_t seen_us; /**< when the gap was detected */
    uint64_t due_us;  /**< next NACK */
} rtcp_fb_nackgen_entry;

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
 *  missing, due at now_us + reorder_us; a jump larger than the window
 *  clears the list and NACKs nothing (a stream restart: ask for a key
 *  frame instead). A missing number that arrives is removed. Returns the
 *  count of new missing numbers, or 0. */
RTCP_FBDEF int rtcp_fb_nackgen_on_packet(rtcp_fb_nackgen *g, uint16_t seq,
                                         uint64_t now_us);
/** The earliest time poll has work, or UINT64_MAX when nothing is
 *  missing. */
RTCP_FBDEF uint64_t rtcp_fb_nackgen_next_deadline(const rtcp_fb_nackgen *g);
/** At now_us: drop numbers older than max_age_us, then write the numbers
 *  due (oldest first, at most cap) to out, count a retry for each and
 *  schedule the next at now_us + max(rtt, min_interval_us); a number that
 *  reached max_retries is dropped once sent. Returns the count written
 *  (feed it to rtcp_fb_nack_build_seqs). Numbers left over when cap is
 *  reached stay due. */
RTCP_FBDEF size_t rtcp_fb_nackgen_poll(rtcp_fb_nackgen *g, uint64_t now_us,
                                       uint16_t *out, size_t cap);
/** Count of sequence numbers currently missing. */
RTCP_FBDEF size_t rtcp_fb_nackgen_missing(const rtcp_fb_nackgen *g);

#ifdef __cplusplus
}
#endif

#endif /* RTCP_FEEDBACK_H */

/* ======================================================================== */

#ifdef RTCP_FEEDBACK_IMPLEMENTATION

#include <string.h>

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
    default: return "unknown error";
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

RTCP_FBDEF int rtcp_fb_nackgen_on_packet(rtcp_fb_nackgen *g, uint16_t seq,
                                         uint64_t now_us)
{
    uint16_t d, s;
    size_t i, drop = 0;
    int added = 0;
    if (!g->started) {
        g->started = 1;
        g->highest = seq;
        return 0;
    }
    d = (uint16_t)(seq - g->highest);
    if (d == 0) return 0;
    if (d >= 0x8000u) { /* older: a late or retransmitted packet */
        for (i = 0; i < g->n; i++) {
            if (g->e[i].seq == seq) {
                rtcp_fb__ng_remove(g, i);
                g->n_recovered++;
                break;
            }
        }
        return 0;
    }
    if ((uint32_t)d > g->cfg.window) { /* discontinuity: start over */
        g->n_given_up += g->n;
        g->n = 0;
        g->n_resets++;
        g->highest = seq;
        return 0;
    }
    /* entries that fall out of the window behind the new highest */
    while (drop < g->n &&
           (uint16_t)(seq - g->e[drop].seq) > g->cfg.window)
        drop++;
    if (drop) {
        memmove(&g->e[0], &g->e[drop], (g->n - drop) * sizeof g->e[0]);
        g->n -= drop;
        g->n_given_up += drop;
    }
    for (s = (uint16_t)(g->highest + 1); s != seq; s = (uint16_t)(s + 1)) {
        rtcp_fb_nackgen_entry *e;
        if (g->n == RTCP_FB_NACKGEN_MAX) { /* full: forget the oldest */
            rtcp_fb__ng_remove(g, 0);
            g->n_given_up++;
        }
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

RTCP_FBDEF uint64_t rtcp_fb_nackgen_next_deadline(const rtcp_fb_nackgen *g)
{
    uint64_t t = UINT64_MAX;
    size_t i;
    for (i = 0; i < g->n; i++) {
        uint64_t age_end = rtcp_fb__add(g->e[i].seen_us, g->cfg.max_age_us);
        uint64_t x = g->e[i].due_us < age_end ? g->e[i].due_us : age_end;
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
            rtcp_fb__ng_remove(g, i);
            g->n_given_up++;
            continue;
        }
        if (e->due_us <= now_us && k < cap && out) {
            out[k++] = e->seq;
            e->retries++;
            e->due_us = rtcp_fb__add(now_us, spacing);
            if (e->retries >= g->cfg.max_retries) {
                rtcp_fb__ng_remove(g, i);
                g->n_given_up++;
                continue;
            }
        }
        i++;
    }
    return k;
}

RTCP_FBDEF size_t rtcp_fb_nackgen_missing(const rtcp_fb_nackgen *g)
{
    return g->n;
}

#endif /* RTCP_FEEDBACK_IMPLEMENTATION */

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
