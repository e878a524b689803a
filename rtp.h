#if defined(CVOIP_IMPLEMENTATION) && !defined(RTP_IMPLEMENTATION)
#define RTP_IMPLEMENTATION
#endif
/* rtp.h - RTP and RTCP packets for C: parse, build, demultiplex. No allocation.
 *
 * Part of cvoip (https://example.invalid/cvoip), single-file, MIT licence.
 *
 * Do this in *one* C file before including it to get the implementation:
 *
 *     #define RTP_IMPLEMENTATION      (or CVOIP_IMPLEMENTATION for all headers)
 *     #include "rtp.h"
 *
 * What it does:
 *   - RTP (RFC 3550 §5.1, §5.3): rtp_parse() with every validity check into
 *     host-order fields and spans; rtp_build() into a caller buffer.
 *   - Header extensions (RFC 8285, formerly RFC 5285): one-byte (0xBEDE) and
 *     two-byte (0x100X) forms: iterate, find by id, add while building;
 *     typed values: audio level (RFC 6464), video orientation (RFC 7742 /
 *     3GPP CVO), transport-wide sequence number, abs-send-time, MID
 *     (RFC 8843), RtpStreamId / RepairedRtpStreamId (RFC 8852), video frame
 *     marking (RFC 9626, short and long forms).
 *   - RTCP (RFC 3550 §6, RFC 3611, RFC 5506): compound walker with the
 *     Appendix A.2 checks (relaxable for reduced-size RTCP), SR, RR and report
 *     blocks, SDES (all item types), BYE, APP, XR (receiver reference time,
 *     DLRR, statistics summary, VoIP metrics), a compound builder that
 *     enforces the §6.1 rules.
 *   - Demultiplexing: RFC 7983 first-byte ranges, RFC 5761 §4 RTP vs RTCP.
 *   - Payload types: the RFC 3551 static table and SDP rtpmap mappings.
 *   - G.711 µ-law and A-law (ITU-T G.711) sample conversion.
 *   - SDP security descriptions (RFC 4568): a=crypto parsed into spans and
 *     decoded keys (tag, suite of RFC 4568 / RFC 6188 / RFC 7714, one or
 *     more inline key||salt with lifetime and MKI, session parameters),
 *     built back into text; keys generated from a caller randomness
 *     callback. Unknown suite, bad key length and syntax are distinct
 *     errors.
 *   - SRTP and SRTCP (RFC 3711; AES-CM 128/192/256 with HMAC-SHA1 80/32,
 *     RFC 6188; AEAD AES-GCM 128/256, RFC 7714) through libsrtp2, only
 *     with RTP_USE_SRTP: rtp_srtp contexts protect / unprotect in place in
 *     caller buffers, with replay and authentication failures as their
 *     own error codes. libsrtp2 allocates (its session and per-SSRC
 *     streams) and has one global initialisation
 *     (rtp_srtp_library_init()); this is the one exception to the rules
 *     below.
 *   - Sessions (RFC 3550 §6.2-§8, Appendix A), sans-IO: rtp_session keeps a
 *     fixed-capacity SSRC table in caller memory (rtp_session_mem_size) with
 *     A.1 sequence validation, A.3 loss, A.8 jitter, RTT from LSR/DLSR,
 *     NTP<->RTP mapping from SRs; sender state and SR/RR + SDES generation;
 *     the A.7 interval with timer and reverse reconsideration and BYE
 *     reconsideration (§6.3.7); source timeouts; §8.2 collision and loop
 *     detection through callbacks. One timer: rtp_session_next_deadline()
 *     and rtp_session_on_timeout(now_us). Decisions: the interval is integer
 *     µs (avg_rtcp_size in 1/16 octets, randomisation 0.5 + r/65536 from two
 *     callback bytes, e - 1.5 as 1.218282) so tests and fuzzers get exact
 *     values; RTT only from an LSR equal to one of our last 8 SRs, with
 *     µs send times (no NTP round trip); the second interval after a send
 *     is still drawn with "initial" set, exactly as A.7's OnExpire does;
 *     A.1 is followed literally (the first packet of a new source is not
 *     counted in "received"; a duplicate is counted, so lost can go
 *     negative), while rtp_source.packets/octets never decrease.
 *
 * Conventions: byte buffers are uint8_t; spans (rtp_span) point into the
 * caller's buffer, which must outlive the result. Fields of parsed structs
 * are host order. Functions return 0, a count or a length on success and a
 * negative RTP_ERR_* on failure. Builders write into (out, cap) and return
 * the bytes written, or RTP_ERR_NOSPACE with *needed (when non-NULL) set to
 * the size needed; out == NULL measures. Nothing here allocates, reads a
 * clock or keeps global mutable state: any number of threads may call it on
 * their own data.
 *
 * Options (define before the include):
 *   RTP_IMPLEMENTATION     compile the implementation in this file
 *   CVOIP_IMPLEMENTATION   the same, for every cvoip header
 *   RTP_STATIC             make every function static (private to one TU)
 *   RTP_USE_SRTP           compile the SRTP/SRTCP contexts (rtp_srtp_*) on
 *                          libsrtp2 (#include <srtp2/srtp.h>; link -lsrtp2)
 *
 * Licence: MIT, see the end of this file.
 */

#ifndef RTP_H
#define RTP_H

#include <stddef.h>
#include <stdint.h>

#ifndef RTPDEF
#ifdef RTP_STATIC
#define RTPDEF static
#else
#define RTPDEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Spans and errors
 * --------------------------------------------------------------------- */

/** A byte range (pointer, length) into a caller's buffer. An absent value is
 *  {NULL, 0}; a present but empty one has a non-NULL p and len 0. */
typedef struct rtp_span {
    const uint8_t *p;
    size_t len;
} rtp_span;

/** Error codes (range -200 .. -299; 0 is success). */
typedef enum rtp_err {
    RTP_OK = 0,
    RTP_ERR_TRUNCATED = -200,   /**< shorter than a fixed header or a length field says */
    RTP_ERR_VERSION = -201,     /**< version field is not 2 */
    RTP_ERR_PADDING = -202,     /**< padding count 0 or too large, or misplaced padding */
    RTP_ERR_LENGTH = -203,      /**< a length or count field disagrees with the bytes */
    RTP_ERR_TYPE = -204,        /**< wrong packet or block type for this call */
    RTP_ERR_ORDER = -205,       /**< compound RTCP rules (RFC 3550 §6.1) violated */
    RTP_ERR_NOSPACE = -206,     /**< output buffer too small (see *needed) */
    RTP_ERR_INVALID = -207,     /**< invalid argument (id, length, count out of range) */
    RTP_ERR_NOT_FOUND = -208,   /**< no such element, item or payload type */
    RTP_ERR_SYNTAX = -209,      /**< malformed text (rtpmap, MID, RID) */
    RTP_ERR_UNSUPPORTED = -210, /**< extension block in no RFC 8285 form */
    RTP_ERR_FULL = -211,        /**< session source table full (new SSRC dropped) */
    RTP_ERR_CONFLICT = -212,    /**< SSRC collision or loop (RFC 3550 §8.2): dropped */
    RTP_ERR_STATE = -213,       /**< session closed, or called from its own callback */
    RTP_ERR_CALLBACK = -214,    /**< a callback reported failure */
    RTP_ERR_SRTP_AUTH = -215,   /**< SRTP/SRTCP authentication tag mismatch */
    RTP_ERR_SRTP_REPLAY = -216, /**< SRTP/SRTCP replay: duplicate or too old */
    RTP_ERR_SRTP_SUITE = -217,  /**< unknown crypto suite */
    RTP_ERR_SRTP_KEY = -218,    /**< key/salt of the wrong length for the suite,
                                     unknown MKI, or key lifetime exhausted */
    RTP_ERR_SRTP_UNAVAILABLE = -219, /**< suite not in this libsrtp2 build */
    RTP_ERR_SRTP_LIB = -220     /**< libsrtp2 failure (not initialised,
                                     out of memory, ...) */
} rtp_err;

/** Short English text for an error code (static storage, never NULL). */
RTPDEF const char *rtp_strerror(int err);

/** The i-th 32-bit big-endian word of a list (CSRC list, BYE SSRC list),
 *  in host order. The caller keeps i below the list's count. */
RTPDEF uint32_t rtp_u32_at(const uint8_t *list, unsigned i);

/* ------------------------------------------------------------------------
 * RTP packets (RFC 3550 §5.1, §5.3)
 * --------------------------------------------------------------------- */

/** A parsed RTP packet. Numbers are host order; spans point into the
 *  packet. */
typedef struct rtp_header {
    uint8_t version;       /**< always 2 after a successful parse */
    uint8_t padding;       /**< P bit (0/1) */
    uint8_t extension;     /**< X bit (0/1) */
    uint8_t csrc_count;    /**< CC, 0..15 */
    uint8_t marker;        /**< M bit (0/1) */
    uint8_t payload_type;  /**< PT, 0..127 */
    uint16_t seq;          /**< sequence number */
    uint32_t timestamp;    /**< RTP timestamp (media clock units) */
    uint32_t ssrc;         /**< synchronisation source */
    const uint8_t *csrc;   /**< csrc_count 32-bit words, network order
                                (read with rtp_u32_at); NULL when CC is 0 */
    uint16_t ext_profile;  /**< "defined by profile" (0xBEDE, 0x100X, ...) */
    rtp_span ext;          /**< extension data after its 4-byte header,
                                4 * length bytes; {NULL,0} without X */
    rtp_span payload;      /**< payload, padding excluded (may be empty) */
    uint8_t padding_len;   /**< padding octets including the count octet
                                (0 without P) */
    size_t header_len;     /**< 12 + 4*CC (+ 4 + ext.len with X) */
} rtp_header;

/** Parse one RTP packet (RFC 3550 §5.1, §5.3.1; checks of Appendix A.1
 *  that need no state): version 2; 12 + 4*CC bytes present; with X, the
 *  4-byte extension header and its length*4 bytes present; with P, the
 *  last octet (padding count, which counts itself) is non-zero and no
 *  larger than what follows the headers. Returns 0, or RTP_ERR_TRUNCATED,
 *  RTP_ERR_VERSION, RTP_ERR_PADDING, RTP_ERR_INVALID (NULL h or buf). */
RTPDEF int rtp_parse(const uint8_t *buf, size_t len, rtp_header *h);

/** What rtp_build() writes. Host-order fields in, network order out. */
typedef struct rtp_packet_desc {
    uint8_t marker;           /**< 0/1 */
    uint8_t payload_type;     /**< 0..127 */
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    const uint32_t *csrc;     /**< csrc_count values, host order */
    unsigned csrc_count;      /**< 0..15 */
    uint8_t extension;        /**< 1: write an extension block */
    uint16_t ext_profile;     /**< its profile word (RTP_EXT_PROFILE_*) */
    const uint8_t *ext;       /**< ext_len bytes of extension data */
    size_t ext_len;           /**< a multiple of 4, at most 4*65535 */
    const uint8_t *payload;
    size_t payload_len;
    uint8_t padding_len;      /**< 0: no padding; else 1..255 octets, the
                                   last holding the count, others zero */
} rtp_packet_desc;

/** Build an RTP packet (RFC 3550 §5.1). Returns bytes written, or
 *  RTP_ERR_NOSPACE with *needed; RTP_ERR_INVALID for PT > 127, CC > 15,
 *  ext_len not a multiple of 4 or too long, a packet over INT_MAX. */
RTPDEF int rtp_build(const rtp_packet_desc *d, uint8_t *out, size_t cap,
                     size_t *needed);

/* ------------------------------------------------------------------------
 * Header extensions (RFC 8285 §4; RFC 3550 §5.3.1)
 * --------------------------------------------------------------------- */

/** Profile word of the one-byte form (RFC 8285 §4.2). */
#define RTP_EXT_PROFILE_ONE_BYTE 0xBEDEu
/** Profile word of the two-byte form (RFC 8285 §4.3); the low 4 bits are
 *  "appbits" and may be anything. */
#define RTP_EXT_PROFILE_TWO_BYTE 0x1000u

/** extmap URIs of the typed elements below (for SDP a=extmap lines). */
#define RTP_EXT_URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define RTP_EXT_URI_VIDEO_ORIENTATION "urn:3gpp:video-orientation"
#define RTP_EXT_URI_TRANSPORT_CC \
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define RTP_EXT_URI_ABS_SEND_TIME \
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define RTP_EXT_URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define RTP_EXT_URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define RTP_EXT_URI_REPAIRED_RID \
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"

/** Form of an extension block, from its profile word. */
typedef enum rtp_ext_form {
    RTP_EXT_FORM_NONE = 0,     /**< not RFC 8285: opaque profile data */
    RTP_EXT_FORM_ONE_BYTE = 1, /**< 0xBEDE */
    RTP_EXT_FORM_TWO_BYTE = 2  /**< 0x1000..0x100F */
} rtp_ext_form;

/** The form a profile word selects (RFC 8285 §4.2, §4.3). */
RTPDEF rtp_ext_form rtp_ext_form_of(uint16_t profile);

/** One element: its local id (1..14 one-byte, 1..255 two-byte) and data
 *  (1..16 bytes one-byte, 0..255 two-byte). */
typedef struct rtp_ext_elem {
    uint8_t id;
    rtp_span data;
} rtp_ext_elem;

/** Iterator over the elements of an RFC 8285 block. */
typedef struct rtp_ext_iter {
    const uint8_t *p;
    size_t len, pos;
    rtp_ext_form form;
} rtp_ext_iter;

/** Start iterating the extension block of a parsed packet. A packet
 *  without X gives an empty iteration. Returns 0, or RTP_ERR_UNSUPPORTED
 *  when the profile is no RFC 8285 form. */
RTPDEF int rtp_ext_iter_init(rtp_ext_iter *it, const rtp_header *h);

/** The same over a bare block (profile word, data after the 4-byte
 *  extension header). */
RTPDEF int rtp_ext_iter_init_block(rtp_ext_iter *it, uint16_t profile,
                                   rtp_span block);

/** The next element (RFC 8285 §4.2, §4.3). Padding octets (0x00) are
 *  skipped; in the one-byte form any octet with ID 0 is skipped as one
 *  padding octet, and ID 15 ends processing of the block (§4.2: the
 *  packet stays valid). Returns 1 with *e set, 0 at the end, or
 *  RTP_ERR_LENGTH when an element runs past the block (and again on every
 *  later call). */
RTPDEF int rtp_ext_next(rtp_ext_iter *it, rtp_ext_elem *e);

/** The first element with this id. Returns 1 with *data set, 0 when there
 *  is none (or the packet has no extension), RTP_ERR_UNSUPPORTED or
 *  RTP_ERR_LENGTH as for the iterator (an element before the match that
 *  overruns is only reached when the id is not found earlier). */
RTPDEF int rtp_ext_find(const rtp_header *h, uint8_t id, rtp_span *data);

/** Writer for an extension block, used while building a packet: add
 *  elements, finish, then pass (profile, out, length) to rtp_build(). */
typedef struct rtp_ext_writer {
    uint8_t *out;
    size_t cap, n;
    rtp_ext_form form;
    int err;
} rtp_ext_writer;

/** Start a block of the given form into (out, cap); out may be NULL to
 *  measure. */
RTPDEF void rtp_ext_writer_init(rtp_ext_writer *w, rtp_ext_form form,
                                uint8_t *out, size_t cap);

/** Append one element (RFC 8285 §4.2/§4.3). One-byte: id 1..14, len 1..16;
 *  two-byte: id 1..255, len 0..255. Returns 0, or RTP_ERR_INVALID (the
 *  writer is unchanged). Running out of room is reported by finish. */
RTPDEF int rtp_ext_writer_add(rtp_ext_writer *w, uint8_t id,
                              const uint8_t *data, size_t len);

/** Pad with zero octets to a multiple of 4. Returns the block length
 *  (bytes, for rtp_packet_desc.ext_len), or RTP_ERR_NOSPACE with *needed,
 *  or RTP_ERR_INVALID for a block over 65535 words. */
RTPDEF int rtp_ext_writer_finish(rtp_ext_writer *w, size_t *needed);

/** Audio level (RFC 6464 §3): V flag (voice activity) and level 0..127 in
 *  -dBov. Parse needs >= 1 byte (extra bytes ignored); returns 0 or
 *  RTP_ERR_LENGTH. */
RTPDEF int rtp_ext_audio_level_parse(rtp_span d, int *voice, uint8_t *level);
/** Encode RFC 6464 into out[0]. Returns 1, or RTP_ERR_INVALID for a level
 *  over 127. */
RTPDEF int rtp_ext_audio_level_build(int voice, unsigned level, uint8_t out[1]);

/** Coordination of video orientation (RFC 7742 §4, 3GPP TS 26.114 CVO),
 *  one byte 0000 C F R1 R0. */
typedef struct rtp_video_orientation {
    uint8_t camera;   /**< C: 0 front-facing, 1 back-facing */
    uint8_t flip;     /**< F: 1 horizontal flip */
    uint8_t rotation; /**< R: 0..3, clockwise rotation in units of 90° */
} rtp_video_orientation;

/** Parse a CVO byte (>= 1 byte; upper 4 bits ignored). Returns 0 or
 *  RTP_ERR_LENGTH. */
RTPDEF int rtp_ext_video_orientation_parse(rtp_span d, rtp_video_orientation *v);
/** Encode CVO into out[0]. Returns 1, or RTP_ERR_INVALID (camera or flip
 *  over 1, rotation over 3). */
RTPDEF int rtp_ext_video_orientation_build(const rtp_video_orientation *v,
                                           uint8_t out[1]);

/** Transport-wide sequence number
 *  (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2): 16 bits, big
 *  endian; >= 2 bytes (extra ignored). Returns 0 or RTP_ERR_LENGTH. */
RTPDEF int rtp_ext_transport_seq_parse(rtp_span d, uint16_t *seq);
/** Encode into out[0..1]. Returns 2. */
RTPDEF int rtp_ext_transport_seq_build(uint16_t seq, uint8_t out[2]);

/** abs-send-time: 24 bits, big endian, seconds in 6.18 fixed point (wraps
 *  every 64 s). Needs >= 3 bytes. Returns 0 or RTP_ERR_LENGTH. */
RTPDEF int rtp_ext_abs_send_time_parse(rtp_span d, uint32_t *t24);
/** Encode the low 24 bits of t24 into out[0..2]. Returns 3. */
RTPDEF int rtp_ext_abs_send_time_build(uint32_t t24, uint8_t out[3]);
/** 6.18 value of a time in µs (taken modulo 64 s, rounded to nearest). */
RTPDEF uint32_t rtp_abs_send_time_from_us(uint64_t us);
/** µs (0 .. 63999997) of a 6.18 value (rounded to nearest); from_us of the
 *  result gives the value back. */
RTPDEF uint64_t rtp_abs_send_time_to_us(uint32_t t24);

/** MID (RFC 8843 §15): the element data as a span; it must be a non-empty
 *  SDP token (RFC 5888 identification-tag). Returns 0 or RTP_ERR_SYNTAX. */
RTPDEF int rtp_ext_mid_parse(rtp_span d, rtp_span *mid);
/** RtpStreamId or RepairedRtpStreamId (RFC 8852 §3): non-empty, letters,
 *  digits, '-' and '_' (RFC 8851 rid-id). Returns 0 or RTP_ERR_SYNTAX. */
RTPDEF int rtp_ext_rid_parse(rtp_span d, rtp_span *rid);

/* ------------------------------------------------------------------------
 * RTCP (RFC 3550 §6; RFC 3611; RFC 5506)
 * --------------------------------------------------------------------- */

/** RTCP packet types (RFC 3550 §12.1, RFC 4585, RFC 3611). */
enum {
    RTCP_SR = 200, RTCP_RR = 201, RTCP_SDES = 202, RTCP_BYE = 203,
    RTCP_APP = 204, RTCP_RTPFB = 205, RTCP_PSFB = 206, RTCP_XR = 207
};

/** Walker / compound flag: reduced-size RTCP (RFC 5506 §3.1): the first
 *  packet need not be SR/RR, a CNAME is not required. */
#define RTCP_REDUCED_SIZE 1u

/** One RTCP packet of a compound. */
typedef struct rtcp_packet {
    uint8_t padding;     /**< P bit */
    uint8_t count;       /**< RC / SC / subtype / FMT (5 bits) */
    uint8_t pt;          /**< packet type */
    const uint8_t *raw;  /**< first byte of the packet */
    size_t len;          /**< 4 * (length + 1), padding included */
    rtp_span body;       /**< after the 4-byte header, padding excluded */
} rtcp_packet;

/** Walker over a compound packet. */
typedef struct rtcp_walker {
    const uint8_t *buf;
    size_t len, pos;
    unsigned n, flags;
    int err;
} rtcp_walker;

/** Start walking (buf, len) with flags (RTCP_REDUCED_SIZE or 0). */
RTPDEF void rtcp_walk_init(rtcp_walker *w, const uint8_t *buf, size_t len,
                           unsigned flags);

/** The next packet, with the checks of RFC 3550 §6.4.1 / Appendix A.2:
 *  version 2 (RTP_ERR_VERSION); 4 header bytes and length*4 more present
 *  (RTP_ERR_TRUNCATED: the lengths must add up to the compound's length);
 *  an empty compound (RTP_ERR_TRUNCATED); the first packet SR or RR
 *  (RTP_ERR_TYPE; any type with RTCP_REDUCED_SIZE); the P bit only on the
 *  last packet, with a count 1..length*4 (RTP_ERR_PADDING). Returns 1 with
 *  *p set, 0 at the end, or the error (again on every later call). */
RTPDEF int rtcp_walk_next(rtcp_walker *w, rtcp_packet *p);

/** Validate a whole compound. Returns the number of packets or an error
 *  of rtcp_walk_next(). */
RTPDEF int rtcp_compound_check(const uint8_t *buf, size_t len, unsigned flags);

/** Report block (RFC 3550 §6.4.1). */
typedef struct rtcp_report_block {
    uint32_t ssrc;             /**< source reported on */
    uint8_t fraction_lost;     /**< fixed point, /256 */
    int32_t cumulative_lost;   /**< 24-bit signed (-8388608..8388607) */
    uint32_t ext_highest_seq;  /**< extended highest sequence received */
    uint32_t jitter;           /**< interarrival jitter, timestamp units */
    uint32_t lsr;              /**< middle 32 bits of the last SR's NTP time */
    uint32_t dlsr;             /**< delay since last SR, 1/65536 s */
} rtcp_report_block;

/** Sender info of an SR (RFC 3550 §6.4.1). */
typedef struct rtcp_sender_info {
    uint64_t ntp;           /**< NTP timestamp, 32.32 fixed point seconds */
    uint32_t rtp_ts;        /**< RTP timestamp of the same instant */
    uint32_t packet_count;
    uint32_t octet_count;
} rtcp_sender_info;

/** A parsed SR or RR. rb holds rb_count 24-byte report blocks (read with
 *  rtcp_report_block_get); ext the profile-specific extension after them. */
typedef struct rtcp_report {
    uint32_t ssrc;
    int is_sr;
    rtcp_sender_info si;   /**< zero in an RR */
    unsigned rb_count;
    const uint8_t *rb;
    rtp_span ext;
} rtcp_report;

/** Parse an SR (§6.4.1) or RR (§6.4.2) packet. Returns 0, RTP_ERR_TYPE,
 *  or RTP_ERR_LENGTH when the body is shorter than the RC report blocks
 *  need. */
RTPDEF int rtcp_report_parse(const rtcp_packet *p, rtcp_report *r);
/** Decode report block i (< rb_count) of a parsed SR/RR. */
RTPDEF void rtcp_report_block_get(const rtcp_report *r, unsigned i,
                                  rtcp_report_block *b);
/** Build an SR (si non-NULL) or RR (si NULL) with n <= 31 report blocks;
 *  cumulative_lost saturates to 24 bits. Returns bytes written, or
 *  RTP_ERR_NOSPACE with *needed, RTP_ERR_INVALID for n > 31. */
RTPDEF int rtcp_report_build(uint32_t ssrc, const rtcp_sender_info *si,
                             const rtcp_report_block *rb, unsigned n,
                             uint8_t *out, size_t cap, size_t *needed);

/** Seconds between the NTP era-0 epoch (1900) and the Unix epoch (1970). */
#define RTCP_NTP_UNIX_OFFSET 2208988800u
/** 32.32 fixed-point value of a duration in µs (fraction rounded down);
 *  no epoch change. rtcp_ntp_to_us() of the result gives us back. */
RTPDEF uint64_t rtcp_ntp_from_us(uint64_t us);
/** µs of a 32.32 fixed-point value (rounded to nearest). */
RTPDEF uint64_t rtcp_ntp_to_us(uint64_t ntp);
/** NTP timestamp (RFC 5905 era 0, wrapping in 2036) of Unix time in µs. */
RTPDEF uint64_t rtcp_ntp_from_unix_us(uint64_t unix_us);
/** Unix time in µs of an NTP timestamp; seconds below the 1970 offset are
 *  taken as era 1 (after 2036-02-07). */
RTPDEF uint64_t rtcp_ntp_to_unix_us(uint64_t ntp);
/** The middle 32 bits of an NTP timestamp: the LSR form (§6.4.1). */
RTPDEF uint32_t rtcp_ntp_mid32(uint64_t ntp);
/** DLSR / DLRR units (1/65536 s) of a delay in µs, rounded, saturating. */
RTPDEF uint32_t rtcp_dlsr_from_us(uint64_t us);
/** µs of a DLSR value (rounded). */
RTPDEF uint64_t rtcp_dlsr_to_us(uint32_t dlsr);

/** SDES item types (RFC 3550 §6.5). */
typedef enum rtcp_sdes_type {
    RTCP_SDES_END = 0, RTCP_SDES_CNAME = 1, RTCP_SDES_NAME = 2,
    RTCP_SDES_EMAIL = 3, RTCP_SDES_PHONE = 4, RTCP_SDES_LOC = 5,
    RTCP_SDES_TOOL = 6, RTCP_SDES_NOTE = 7, RTCP_SDES_PRIV = 8
} rtcp_sdes_type;

/** One SDES item. For PRIV (§6.5.8) prefix is the prefix string and value
 *  the rest; prefix is {NULL,0} for other types. */
typedef struct rtcp_sdes_item {
    uint32_t ssrc;     /**< SSRC/CSRC of its chunk (ignored when building) */
    unsigned chunk;    /**< index of its chunk (ignored when building) */
    uint8_t type;      /**< rtcp_sdes_type, or any other non-zero value */
    rtp_span prefix;
    rtp_span value;
} rtcp_sdes_item;

/** Iterator over the items of an SDES packet. */
typedef struct rtcp_sdes_iter {
    const uint8_t *p;
    size_t len, pos;
    unsigned chunks, chunk;
    int in_chunk, err;
    uint32_t ssrc;
} rtcp_sdes_iter;

/** Start iterating an SDES packet. Returns 0 or RTP_ERR_TYPE. */
RTPDEF int rtcp_sdes_iter_init(rtcp_sdes_iter *it, const rtcp_packet *p);
/** The next item (§6.5): chunks of SSRC + items, each chunk's list ended
 *  by a null octet and zero octets up to a 32-bit boundary. A chunk with no
 *  items yields nothing. Returns 1 with *item set, 0 after the SC-th chunk
 *  when the body ends there, or RTP_ERR_LENGTH (item past the body, no
 *  terminator, a PRIV prefix longer than its item, bytes after the last
 *  chunk) again on every later call. */
RTPDEF int rtcp_sdes_next(rtcp_sdes_iter *it, rtcp_sdes_item *item);

/** Chunk for rtcp_sdes_build(). */
typedef struct rtcp_sdes_chunk {
    uint32_t ssrc;
    const rtcp_sdes_item *items;
    unsigned n_items;
} rtcp_sdes_chunk;

/** Build an SDES packet with n <= 31 chunks. Returns bytes written, or
 *  RTP_ERR_NOSPACE with *needed; RTP_ERR_INVALID for a type of 0, an item
 *  over 255 bytes (PRIV: 1 + prefix + value), more than 31 chunks. */
RTPDEF int rtcp_sdes_build(const rtcp_sdes_chunk *chunks, unsigned n,
                           uint8_t *out, size_t cap, size_t *needed);

/** A parsed BYE (§6.6): count SSRC/CSRCs (read with rtp_u32_at) and the
 *  optional reason ({NULL,0} when absent). */
typedef struct rtcp_bye {
    unsigned count;
    const uint8_t *ssrcs;
    rtp_span reason;
} rtcp_bye;

/** Parse a BYE. Returns 0, RTP_ERR_TYPE, or RTP_ERR_LENGTH (SSRC list or
 *  reason longer than the body). */
RTPDEF int rtcp_bye_parse(const rtcp_packet *p, rtcp_bye *b);
/** Build a BYE with n <= 31 SSRCs and a reason (len <= 255; {NULL,0} for
 *  none). Returns bytes written, RTP_ERR_NOSPACE with *needed, or
 *  RTP_ERR_INVALID. */
RTPDEF int rtcp_bye_build(const uint32_t *ssrcs, unsigned n, rtp_span reason,
                          uint8_t *out, size_t cap, size_t *needed);

/** A parsed APP packet (§6.7). */
typedef struct rtcp_app {
    uint8_t subtype;   /**< 5 bits */
    uint32_t ssrc;
    uint8_t name[4];   /**< four ASCII characters */
    rtp_span data;     /**< application-dependent data */
} rtcp_app;

/** Parse an APP. Returns 0, RTP_ERR_TYPE or RTP_ERR_LENGTH (< 8 bytes). */
RTPDEF int rtcp_app_parse(const rtcp_packet *p, rtcp_app *a);
/** Build an APP; data_len must be a multiple of 4 and subtype <= 31.
 *  Returns bytes written, RTP_ERR_NOSPACE with *needed or RTP_ERR_INVALID. */
RTPDEF int rtcp_app_build(uint8_t subtype, uint32_t ssrc, const uint8_t name[4],
                          const uint8_t *data, size_t data_len, uint8_t *out,
                          size_t cap, size_t *needed);

/* ---- XR (RFC 3611) ------------------------------------------------------ */

/** XR block types (RFC 3611 §4). */
enum {
    RTCP_XR_LOSS_RLE = 1, RTCP_XR_DUP_RLE = 2, RTCP_XR_RECEIPT_TIMES = 3,
    RTCP_XR_RRT = 4, RTCP_XR_DLRR = 5, RTCP_XR_STATS = 6, RTCP_XR_VOIP = 7
};

/** A parsed XR packet: sender SSRC and the report blocks. */
typedef struct rtcp_xr {
    uint32_t ssrc;
    rtp_span blocks;
} rtcp_xr;

/** One XR report block (§3). */
typedef struct rtcp_xr_block {
    uint8_t bt;             /**< block type */
    uint8_t type_specific;  /**< second octet */
    rtp_span body;          /**< after the 4-byte block header */
} rtcp_xr_block;

/** Iterator over XR blocks. */
typedef struct rtcp_xr_iter {
    const uint8_t *p;
    size_t len, pos;
} rtcp_xr_iter;

/** Parse an XR packet (§2). Returns 0, RTP_ERR_TYPE or RTP_ERR_LENGTH. */
RTPDEF int rtcp_xr_parse(const rtcp_packet *p, rtcp_xr *xr);
/** Start iterating the blocks of a parsed XR. */
RTPDEF void rtcp_xr_iter_init(rtcp_xr_iter *it, const rtcp_xr *xr);
/** The next block. Returns 1, 0 at the end, or RTP_ERR_LENGTH (a block
 *  header or block length past the end). */
RTPDEF int rtcp_xr_next(rtcp_xr_iter *it, rtcp_xr_block *b);

/** Receiver reference time (§4.4): NTP timestamp. Returns 0, RTP_ERR_TYPE
 *  or RTP_ERR_LENGTH (block length not 2). */
RTPDEF int rtcp_xr_rrt_parse(const rtcp_xr_block *b, uint64_t *ntp);
/** Build a receiver reference time block (12 bytes). */
RTPDEF int rtcp_xr_rrt_build(uint64_t ntp, uint8_t *out, size_t cap,
                             size_t *needed);

/** One DLRR sub-block (§4.5). */
typedef struct rtcp_xr_dlrr_item {
    uint32_t ssrc;
    uint32_t lrr;   /**< middle 32 bits of the last RRT's NTP time */
    uint32_t dlrr;  /**< delay since it, 1/65536 s */
} rtcp_xr_dlrr_item;

/** Number of DLRR sub-blocks, or RTP_ERR_TYPE / RTP_ERR_LENGTH (body not a
 *  multiple of 12 bytes). */
RTPDEF int rtcp_xr_dlrr_count(const rtcp_xr_block *b);
/** Decode sub-block i (< rtcp_xr_dlrr_count). */
RTPDEF void rtcp_xr_dlrr_get(const rtcp_xr_block *b, unsigned i,
                             rtcp_xr_dlrr_item *item);
/** Build a DLRR block with n sub-blocks (n <= 5461). */
RTPDEF int rtcp_xr_dlrr_build(const rtcp_xr_dlrr_item *items, unsigned n,
                              uint8_t *out, size_t cap, size_t *needed);

/** Statistics summary (§4.6). */
typedef struct rtcp_xr_stats {
    uint8_t loss_flag, dup_flag, jitter_flag; /**< L, D, J bits */
    uint8_t toh;            /**< ToH: 0 none, 1 IPv4 TTL, 2 IPv6 hop limit */
    uint32_t ssrc;
    uint16_t begin_seq, end_seq;
    uint32_t lost_packets, dup_packets;
    uint32_t min_jitter, max_jitter, mean_jitter, dev_jitter;
    uint8_t min_ttl_or_hl, max_ttl_or_hl, mean_ttl_or_hl, dev_ttl_or_hl;
} rtcp_xr_stats;

/** Parse a statistics summary (block length 9). Returns 0, RTP_ERR_TYPE
 *  or RTP_ERR_LENGTH. */
RTPDEF int rtcp_xr_stats_parse(const rtcp_xr_block *b, rtcp_xr_stats *s);
/** Build one (40 bytes). RTP_ERR_INVALID for flags over 1 or ToH over 3. */
RTPDEF int rtcp_xr_stats_build(const rtcp_xr_stats *s, uint8_t *out, size_t cap,
                               size_t *needed);

/** VoIP metrics (§4.7). Rates and densities are /256; durations and delays
 *  in ms; levels in dBm (signed); R factors 0..100 (127 unavailable); MOS
 *  x10 (127 unavailable); jitter buffer values in ms. */
typedef struct rtcp_xr_voip {
    uint32_t ssrc;
    uint8_t loss_rate, discard_rate, burst_density, gap_density;
    uint16_t burst_duration, gap_duration;
    uint16_t round_trip_delay, end_system_delay;
    int8_t signal_level, noise_level;
    uint8_t rerl, gmin;
    uint8_t r_factor, ext_r_factor, mos_lq, mos_cq;
    uint8_t rx_config;
    uint16_t jb_nominal, jb_maximum, jb_abs_max;
} rtcp_xr_voip;

/** Parse a VoIP metrics block (block length 8). Returns 0, RTP_ERR_TYPE
 *  or RTP_ERR_LENGTH. */
RTPDEF int rtcp_xr_voip_parse(const rtcp_xr_block *b, rtcp_xr_voip *v);
/** Build one (36 bytes). */
RTPDEF int rtcp_xr_voip_build(const rtcp_xr_voip *v, uint8_t *out, size_t cap,
                              size_t *needed);

/** Build an XR packet: header, SSRC and blocks_len bytes of blocks made by
 *  the block builders (a multiple of 4). Returns bytes written,
 *  RTP_ERR_NOSPACE with *needed or RTP_ERR_INVALID. */
RTPDEF int rtcp_xr_build(uint32_t ssrc, const uint8_t *blocks, size_t blocks_len,
                         uint8_t *out, size_t cap, size_t *needed);

/* ---- compound building (RFC 3550 §6.1, RFC 5506) ---------------------- */

/** Compound packet under construction. */
typedef struct rtcp_compound {
    uint8_t *out;
    size_t cap, len;
    unsigned n, flags;
    int has_cname, last_padded, err;
} rtcp_compound;

/** Start a compound in (out, cap); flags RTCP_REDUCED_SIZE or 0. */
RTPDEF void rtcp_compound_init(rtcp_compound *c, uint8_t *out, size_t cap,
                               unsigned flags);
/** Where the next packet may be built in place (then pass that pointer to
 *  rtcp_compound_add, which does not copy it); *room gets the bytes left. */
RTPDEF uint8_t *rtcp_compound_tail(rtcp_compound *c, size_t *room);
/** Append one RTCP packet of exactly len bytes. Checks: one valid packet
 *  (version, length = len); the first is SR or RR unless reduced-size
 *  (RTP_ERR_ORDER); no packet after a padded one (RTP_ERR_PADDING). Running
 *  out of room is remembered and reported by finish, which then gives the
 *  size needed. Returns 0 or the error (the packet is not added). */
RTPDEF int rtcp_compound_add(rtcp_compound *c, const uint8_t *pkt, size_t len);
/** Finish: without RTCP_REDUCED_SIZE, an SDES packet with a CNAME item must
 *  have been added (RTP_ERR_ORDER); an empty compound is RTP_ERR_INVALID.
 *  Returns the compound's length or RTP_ERR_NOSPACE with *needed. */
RTPDEF int rtcp_compound_finish(rtcp_compound *c, size_t *needed);

/* ------------------------------------------------------------------------
 * Demultiplexing (RFC 7983 §7, RFC 5761 §4)
 * --------------------------------------------------------------------- */

/** What a datagram on a shared port is. */
typedef enum rtp_demux_kind {
    RTP_DEMUX_OTHER = 0,    /**< no range of RFC 7983 (or empty): drop */
    RTP_DEMUX_STUN,         /**< first byte 0..3 */
    RTP_DEMUX_ZRTP,         /**< 16..19 */
    RTP_DEMUX_DTLS,         /**< 20..63 */
    RTP_DEMUX_TURN_CHANNEL, /**< 64..79 */
    RTP_DEMUX_RTP,          /**< 128..191, second byte outside 192..223 */
    RTP_DEMUX_RTCP          /**< 128..191, second byte 192..223 */
} rtp_demux_kind;

/** Classify a datagram by its first byte (RFC 7983 §7) and, for RTP/RTCP,
 *  its second byte (RFC 5761 §4: RTCP packet types 192..223 are RTP
 *  payload types 64..95 with the marker bit, which must not be used). A
 *  one-byte RTP/RTCP datagram is RTP_DEMUX_OTHER. */
RTPDEF rtp_demux_kind rtp_demux(const uint8_t *buf, size_t len);

/* ------------------------------------------------------------------------
 * Payload types (RFC 3551 §6; RFC 4566 §6 rtpmap)
 * --------------------------------------------------------------------- */

typedef enum rtp_media {
    RTP_MEDIA_UNKNOWN = 0, RTP_MEDIA_AUDIO = 1, RTP_MEDIA_VIDEO = 2,
    RTP_MEDIA_AV = 3  /**< audio and video (MP2T) */
} rtp_media;

#define RTP_CODEC_NAME_MAX 32

/** A payload type mapping. */
typedef struct rtp_codec {
    uint8_t pt;
    rtp_media media;
    uint32_t clock_rate;   /**< RTP timestamp rate, Hz */
    uint32_t sample_rate;  /**< audio sampling rate: = clock_rate except
                                G722 (16000 on an 8000 Hz clock, RFC 3551
                                §4.5.2); 0 for video */
    uint8_t channels;      /**< audio channels (1 when rtpmap omits it);
                                0 for video and unspecified (MPA) */
    char name[RTP_CODEC_NAME_MAX]; /**< encoding name, NUL-terminated, as
                                        written (compare case-insensitively) */
} rtp_codec;

/** The RFC 3551 §6 static assignment of pt (Tables 4 and 5). Returns 0 or
 *  RTP_ERR_NOT_FOUND (reserved, unassigned or dynamic). */
RTPDEF int rtp_static_pt(uint8_t pt, rtp_codec *out);

/** Parse an rtpmap encoding "name/clock[/channels]" (RFC 4566 §6, e.g.
 *  "opus/48000/2", "H264/90000") for payload type pt (0..127). Known names
 *  set media (and G722's sample rate); other names are audio when a channel
 *  count is given, else unknown. Returns 0, RTP_ERR_SYNTAX or
 *  RTP_ERR_INVALID (pt over 127). */
RTPDEF int rtp_rtpmap_parse(uint8_t pt, const char *s, size_t len, rtp_codec *out);

/** Payload type table of one session: the static table plus rtpmaps. */
typedef struct rtp_pt_map {
    rtp_codec pt[128];  /**< clock_rate 0 = unassigned */
} rtp_pt_map;

/** Fill m with the RFC 3551 static table. */
RTPDEF void rtp_pt_map_init(rtp_pt_map *m);
/** Map pt to an rtpmap encoding (replacing what was there). Returns 0 or
 *  an error of rtp_rtpmap_parse(). */
RTPDEF int rtp_pt_map_set(rtp_pt_map *m, uint8_t pt, const char *rtpmap, size_t len);
/** The codec of pt, or NULL when unassigned. */
RTPDEF const rtp_codec *rtp_pt_map_get(const rtp_pt_map *m, uint8_t pt);

/* ------------------------------------------------------------------------
 * G.711 (ITU-T G.711; 16-bit linear samples as in ITU-T G.191)
 * --------------------------------------------------------------------- */

/** µ-law code of a 16-bit sample: the 14 most significant bits are coded
 *  (Table 2a of G.711); negative samples use their one's complement, so
 *  x and ~x differ only in the sign bit. */
RTPDEF uint8_t rtp_ulaw_encode(int16_t x);
/** 16-bit sample of a µ-law code (decoder output value of G.711, x4). */
RTPDEF int16_t rtp_ulaw_decode(uint8_t code);
/** A-law code of a 16-bit sample: the 13 most significant bits are coded
 *  (Table 1a of G.711), even bits inverted (XOR 0x55). */
RTPDEF uint8_t rtp_alaw_encode(int16_t x);
/** 16-bit sample of an A-law code (decoder output value of G.711, x8). */
RTPDEF int16_t rtp_alaw_decode(uint8_t code);
/** Buffer forms: n samples / codes; in and out must not overlap. */
RTPDEF void rtp_ulaw_encode_buf(const int16_t *in, size_t n, uint8_t *out);
RTPDEF void rtp_ulaw_decode_buf(const uint8_t *in, size_t n, int16_t *out);
RTPDEF void rtp_alaw_encode_buf(const int16_t *in, size_t n, uint8_t *out);
RTPDEF void rtp_alaw_decode_buf(const uint8_t *in, size_t n, int16_t *out);

/* ------------------------------------------------------------------------
 * Video frame marking (RFC 9626); SDP security descriptions (RFC 4568);
 * SRTP and SRTCP through libsrtp2 (RFC 3711, RFC 6188, RFC 7714)
 *
 * The frame-marking value and the a=crypto text are always compiled (pure
 * bytes and text, no allocation). The SRTP contexts exist only when
 * RTP_USE_SRTP is defined (see below).
 * --------------------------------------------------------------------- */

/** extmap URI of the frame-marking element (RFC 9626 §4). */
#define RTP_EXT_URI_FRAME_MARKING "urn:ietf:params:rtp-hdrext:framemarking"

/** Video frame marking (RFC 9626 §3). Three shapes on the wire: the short
 *  form for non-scalable streams (1 byte, §3.2: S E I D and four bits that
 *  are 0 on send and ignored on receive), and the long form for scalable
 *  streams (§3.1: S E I D B TID, LID, TL0PICIDX; 3 bytes, or 2 bytes when
 *  TL0PICIDX is omitted). */
typedef struct rtp_frame_marking {
    uint8_t start;           /**< S: first packet of a frame (0/1) */
    uint8_t end;             /**< E: last packet of a frame (0/1) */
    uint8_t independent;     /**< I: decodable without earlier frames (0/1) */
    uint8_t discardable;     /**< D: no later frame depends on it (0/1) */
    uint8_t scalable;        /**< 1: long form (§3.1), 0: short form (§3.2) */
    uint8_t base_layer_sync; /**< B (long form): 0/1 */
    uint8_t tid;             /**< TID (long form): temporal layer 0..7 */
    uint8_t lid;             /**< LID (long form): layer id, codec-specific */
    uint8_t has_tl0picidx;   /**< long form: 1 when TL0PICIDX is present */
    uint8_t tl0picidx;       /**< TL0PICIDX (long form, when present) */
} rtp_frame_marking;

/** Parse a frame-marking element's data: 1 byte is the short form, 2 or 3
 *  bytes the long form (without / with TL0PICIDX). Fields a form lacks are
 *  0. Returns 0, or RTP_ERR_LENGTH for any other length (or NULL data). */
RTPDEF int rtp_ext_frame_marking_parse(rtp_span d, rtp_frame_marking *fm);
/** Encode fm into out: 1 byte (short form), 2 or 3 bytes (long form,
 *  per has_tl0picidx). Returns the length, or RTP_ERR_INVALID for a flag
 *  over 1, a TID over 7, or B / TID / LID / TL0PICIDX set in the short
 *  form. */
RTPDEF int rtp_ext_frame_marking_build(const rtp_frame_marking *fm, uint8_t out[3]);

/* ---- crypto suites ------------------------------------------------------ */

/** SRTP crypto suites by their SDP names (RFC 4568 §6.2, RFC 6188 §7,
 *  RFC 7714 §14.2). RFC 4568's F8_128_HMAC_SHA1_80 is not in the list
 *  (libsrtp2 has no AES-f8); it parses as an unknown suite. */
typedef enum rtp_srtp_suite {
    RTP_SRTP_SUITE_UNKNOWN = 0,
    RTP_SRTP_AES_CM_128_HMAC_SHA1_80,  /**< RFC 4568 §6.2.1 */
    RTP_SRTP_AES_CM_128_HMAC_SHA1_32,  /**< RFC 4568 §6.2.2 (SRTCP tag 80) */
    RTP_SRTP_AES_192_CM_HMAC_SHA1_80,  /**< RFC 6188 */
    RTP_SRTP_AES_192_CM_HMAC_SHA1_32,  /**< RFC 6188 (SRTCP tag 80) */
    RTP_SRTP_AES_256_CM_HMAC_SHA1_80,  /**< RFC 6188 */
    RTP_SRTP_AES_256_CM_HMAC_SHA1_32,  /**< RFC 6188 (SRTCP tag 80) */
    RTP_SRTP_AEAD_AES_128_GCM,         /**< RFC 7714 §14.2, 16-byte tag */
    RTP_SRTP_AEAD_AES_256_GCM          /**< RFC 7714 §14.2, 16-byte tag */
} rtp_srtp_suite;

/** Sizes of a suite, in bytes. */
typedef struct rtp_srtp_suite_info {
    const char *name;     /**< SDP name, e.g. "AES_CM_128_HMAC_SHA1_80" */
    uint8_t key_len;      /**< master key: 16, 24 or 32 */
    uint8_t salt_len;     /**< master salt: 14 (AES-CM), 12 (AEAD, RFC 7714 §12) */
    uint8_t rtp_tag_len;  /**< SRTP authentication tag: 10, 4 or 16 */
    uint8_t rtcp_tag_len; /**< SRTCP authentication tag: 10 or 16 */
} rtp_srtp_suite_info;

/** Largest master key || master salt of any suite (AES-256-CM: 32 + 14). */
#define RTP_SRTP_MAX_KEY_SALT 46
/** Largest MKI (RFC 4568 §6.1 mki-length 1..128). */
#define RTP_SRTP_MAX_MKI 128
/** Bytes protect adds at most, any suite, RTP or RTCP, any MKI: 16-byte
 *  tag + 4-byte SRTCP index + MKI (rtp_srtp_overhead() gives the exact
 *  figure of one suite). */
#define RTP_SRTP_MAX_OVERHEAD (16 + 4 + RTP_SRTP_MAX_MKI)

/** Sizes of suite s, or NULL for RTP_SRTP_SUITE_UNKNOWN or a value outside
 *  the enum (static storage). */
RTPDEF const rtp_srtp_suite_info *rtp_srtp_suite_info_get(rtp_srtp_suite s);
/** The suite of an SDP name (exact, case-sensitive as in RFC 4568 §9.1),
 *  or RTP_SRTP_SUITE_UNKNOWN. */
RTPDEF rtp_srtp_suite rtp_srtp_suite_from_name(const char *name, size_t len);
/** Bytes protect adds to a packet of suite s with an MKI of mki_len bytes:
 *  RTP (rtcp = 0): tag + MKI (RFC 3711 §3.1); RTCP (rtcp != 0): tag +
 *  4 (E flag and SRTCP index, §3.4) + MKI. Returns it, or RTP_ERR_INVALID
 *  (unknown suite, mki_len over RTP_SRTP_MAX_MKI). */
RTPDEF int rtp_srtp_overhead(rtp_srtp_suite s, size_t mki_len, int rtcp);

/* ---- SDP security descriptions: a=crypto (RFC 4568) --------------------- */

/** Capacities of rtp_sdes_crypto: key-params and session-params. */
#define RTP_SDES_MAX_KEYS 4
#define RTP_SDES_MAX_PARAMS 8

/** One key-param "inline:<base64 key||salt>[|lifetime][|MKI:length]"
 *  (RFC 4568 §6.1). */
typedef struct rtp_sdes_key {
    rtp_span method;       /**< key-method as written ("inline") */
    rtp_span info;         /**< key-info: everything after "inline:" */
    rtp_span key_salt_b64; /**< the base64 text of key || salt */
    uint8_t key_salt[RTP_SRTP_MAX_KEY_SALT]; /**< decoded master key, then
                                                  master salt */
    uint8_t key_salt_len;  /**< decoded length (the suite's key + salt) */
    uint8_t lifetime_pow2; /**< 1: lifetime written "2^n" (n in 0..48) */
    uint8_t mki_len;       /**< MKI length in bytes, 1..128; 0: no MKI */
    uint64_t lifetime;     /**< master key lifetime in packets, 1..2^48;
                                0: absent (the suite's maximum applies) */
    uint64_t mki;          /**< MKI value (decimal in the text); it fits in
                                mki_len bytes */
} rtp_sdes_key;

/** Session parameters this parser recognises (RFC 4568 §6.3). */
typedef enum rtp_sdes_param_kind {
    RTP_SDES_PARAM_OTHER = 0,             /**< extension or unknown: kept */
    RTP_SDES_PARAM_KDR,                   /**< KDR=n, n 0..24 (§6.3.1) */
    RTP_SDES_PARAM_UNENCRYPTED_SRTP,      /**< §6.3.2 */
    RTP_SDES_PARAM_UNENCRYPTED_SRTCP,     /**< §6.3.2 */
    RTP_SDES_PARAM_UNAUTHENTICATED_SRTP,  /**< §6.3.2 */
    RTP_SDES_PARAM_FEC_ORDER,             /**< FEC_ORDER=FEC_SRTP|SRTP_FEC (§6.3.3) */
    RTP_SDES_PARAM_FEC_KEY,               /**< FEC_KEY=key-params (§6.3.4) */
    RTP_SDES_PARAM_WSH                    /**< WSH=n, n >= 64 (§6.3.5) */
} rtp_sdes_param_kind;

/** One session-param. */
typedef struct rtp_sdes_param {
    rtp_span text;            /**< the whole parameter */
    rtp_span value;           /**< after '=' for KDR, FEC_ORDER, FEC_KEY,
                                   WSH; else {NULL, 0} */
    rtp_sdes_param_kind kind;
} rtp_sdes_param;

/** rtp_sdes_crypto.flags bits (the three §6.3.2 parameters). */
#define RTP_SDES_UNENCRYPTED_SRTP 1u
#define RTP_SDES_UNENCRYPTED_SRTCP 2u
#define RTP_SDES_UNAUTHENTICATED_SRTP 4u

/** A parsed a=crypto attribute; spans point into the parsed text. Also the
 *  input of rtp_sdes_crypto_build(). */
typedef struct rtp_sdes_crypto {
    uint32_t tag;             /**< 1..999999999 */
    rtp_srtp_suite suite;     /**< RTP_SRTP_SUITE_UNKNOWN: see suite_name */
    rtp_span suite_name;      /**< crypto-suite as written */
    unsigned n_keys;          /**< 1..RTP_SDES_MAX_KEYS */
    rtp_sdes_key keys[RTP_SDES_MAX_KEYS];
    unsigned n_params;        /**< 0..RTP_SDES_MAX_PARAMS */
    rtp_sdes_param params[RTP_SDES_MAX_PARAMS];
    unsigned flags;           /**< RTP_SDES_UNENCRYPTED_* / UNAUTHENTICATED */
    int kdr;                  /**< KDR exponent 0..24; -1 when absent */
    uint32_t wsh;             /**< WSH window size hint; 0 when absent */
    size_t err_at;            /**< after a failed parse: offset in the
                                   input of the byte that failed */
} rtp_sdes_crypto;

/** Parse an a=crypto attribute (RFC 4568 §9.1):
 *
 *      a=crypto:<tag> 1*WSP <crypto-suite> 1*WSP <key-params>
 *               *(1*WSP <session-param>)
 *
 *  with or without the "a=crypto:" prefix; one trailing CRLF or LF and
 *  trailing WSP are tolerated. For a known suite each key-param must be
 *  "inline:" key-salt ["|" lifetime] ["|" mki-value ":" mki-length]
 *  (§6.1): key-salt is base64 (RFC 4648 §4, padding optional, non-zero
 *  pad bits rejected) decoding to exactly the suite's key + salt length;
 *  lifetime is decimal or "2^n", at most 2^48; mki-length 1..128 with a
 *  value that fits it; with more than one key every key carries an MKI of
 *  the same length. Session params KDR, WSH and FEC_ORDER are range-checked;
 *  unknown ones are kept as RTP_SDES_PARAM_OTHER.
 *
 *  Returns 0, or (c->err_at then tells where):
 *  - RTP_ERR_SYNTAX: the text does not follow the grammar (tag missing,
 *    0 or over 9 digits, bad characters, bad base64, bad lifetime or MKI,
 *    a key-method other than "inline" for a known suite, a KDR / WSH /
 *    FEC_ORDER out of range);
 *  - RTP_ERR_SRTP_SUITE: well-formed, but the crypto-suite is unknown: tag,
 *    suite_name and the key-params' method/info spans are filled (nothing
 *    decoded), so an answerer can skip this line;
 *  - RTP_ERR_SRTP_KEY: the key decodes to the wrong length for the suite,
 *    or the MKIs of several keys disagree;
 *  - RTP_ERR_NOSPACE: more than RTP_SDES_MAX_KEYS keys or
 *    RTP_SDES_MAX_PARAMS session params;
 *  - RTP_ERR_INVALID: NULL text or c. */
RTPDEF int rtp_sdes_crypto_parse(const char *text, size_t len, rtp_sdes_crypto *c);

/** Write "a=crypto:<tag> <suite> inline:<base64>[|lifetime][|v:len]
 *  [;inline:...] [params...]" (no CRLF, no NUL) into out. Uses tag, suite,
 *  keys[0..n_keys) (key_salt, key_salt_len, lifetime with lifetime_pow2,
 *  mki with mki_len) and the params' text written verbatim; suite_name,
 *  the spans of the keys, flags, kdr and wsh are not read (give session
 *  parameters as params). A parsed attribute builds back to the same
 *  value; the text is canonical (prefix, single spaces, padded base64).
 *  Returns bytes written, RTP_ERR_NOSPACE with *needed (out == NULL
 *  measures), RTP_ERR_SRTP_SUITE (suite unknown: an offer can only use a
 *  known one), RTP_ERR_SRTP_KEY (key_salt_len not the suite's), or
 *  RTP_ERR_INVALID (NULL c, tag 0 or over 999999999, no key or too many, a
 *  lifetime over 2^48 or a "2^n" lifetime that is not a power of two, an
 *  MKI over 128 bytes or a value that does not fit mki_len, an empty param
 *  or one with bytes outside VCHAR). */
RTPDEF int rtp_sdes_crypto_build(const rtp_sdes_crypto *c, char *out, size_t cap,
                                 size_t *needed);

/** The MKI of k as the bytes SRTP carries (RFC 3711 §3.1): mki_len bytes,
 *  the decimal value big-endian, zero-filled on the left. Returns mki_len
 *  (0 when k has no MKI), or RTP_ERR_INVALID (NULL, mki_len over
 *  RTP_SRTP_MAX_MKI). */
RTPDEF int rtp_sdes_key_mki_bytes(const rtp_sdes_key *k, uint8_t out[RTP_SRTP_MAX_MKI]);

/** Randomness callback: fill buf with len random bytes (a CSPRNG: these
 *  become keys); return 0, or non-zero on failure. */
typedef int (*rtp_sdes_rand_fn)(void *user, uint8_t *buf, size_t len);

/** Fill k with a fresh master key || salt for suite s from rnd (RFC 4568
 *  §6.1 key-salt; RFC 3711 §8.1: keys must be random). Clears k first
 *  (no lifetime, no MKI). Returns the key + salt length, or
 *  RTP_ERR_SRTP_SUITE (unknown suite), RTP_ERR_CALLBACK (rnd failed),
 *  RTP_ERR_INVALID (NULL k or rnd). */
RTPDEF int rtp_sdes_key_generate(rtp_sdes_key *k, rtp_srtp_suite s,
                                 rtp_sdes_rand_fn rnd, void *user);

/* ---- SRTP / SRTCP contexts (RTP_USE_SRTP, libsrtp2) ----------------------
 *
 * Compiled only with RTP_USE_SRTP defined (link -lsrtp2; Debian
 * libsrtp2-dev). This is the one part of rtp.h that is not sans-memory:
 * libsrtp2 allocates its session (and one stream per new SSRC seen) on the
 * heap inside rtp_srtp_create() / unprotect; rtp_srtp_destroy() frees them.
 * libsrtp2 also keeps global state (its crypto kernel): call
 * rtp_srtp_library_init() once per process, before any context and not
 * concurrently with other libsrtp2 use; nothing here initialises it
 * lazily. The contexts themselves are independent; one context must not
 * be used by two threads at once.
 *
 * Buffers: libsrtp2 works in place and requires packets to start on a
 * 32-bit boundary (RTP_ERR_INVALID otherwise). protect needs cap >=
 * len + overhead (rtp_srtp_overhead(), or the context's rtp_overhead /
 * rtcp_overhead), else RTP_ERR_NOSPACE with *needed.
 *
 * From a=crypto (RFC 4568) to a context: suite and keys[0].key_salt go in
 * as they are, the MKI as rtp_sdes_key_mki_bytes() gives it, WSH as
 * replay_window. Not supported here (an answerer declines such a
 * line): more than one master key, KDR other than 0 (libsrtp2 derives
 * the session keys once), the §6.3.2 UNENCRYPTED_* / UNAUTHENTICATED_SRTP
 * parameters, FEC. A lifetime shorter than the suite's maximum is not
 * enforced (libsrtp2 stops at 2^48 SRTP / 2^31 SRTCP packets with
 * RTP_ERR_SRTP_KEY); count packets to rekey earlier.
 * --------------------------------------------------------------------- */
#ifdef RTP_USE_SRTP

/** Which way a context protects: OUTBOUND protects what we send,
 *  INBOUND unprotects what we receive. Both apply to any SSRC (libsrtp2
 *  ssrc_any_outbound / ssrc_any_inbound: one replay window and ROC per
 *  SSRC, created on the SSRC's first packet). */
typedef enum rtp_srtp_dir {
    RTP_SRTP_OUTBOUND = 0,
    RTP_SRTP_INBOUND = 1
} rtp_srtp_dir;

/** Parameters of rtp_srtp_create(); read during the call only. */
typedef struct rtp_srtp_config {
    rtp_srtp_suite suite;
    rtp_srtp_dir dir;
    const uint8_t *key_salt; /**< master key then master salt (RFC 3711 §8.2) */
    size_t key_salt_len;     /**< must equal the suite's key_len + salt_len */
    const uint8_t *mki;      /**< MKI carried in every packet (RFC 3711 §3.1),
                                  or NULL */
    size_t mki_len;          /**< 0 (no MKI) .. RTP_SRTP_MAX_MKI */
    uint32_t replay_window;  /**< SRTP replay window in packets, 64..32767
                                  (RFC 3711 §3.3.2); 0: 128 */
    int allow_repeat_tx;     /**< outbound: allow protecting the same
                                  sequence number twice (retransmission) */
} rtp_srtp_config;

/** An SRTP + SRTCP context (caller-owned struct; libsrtp2's state behind
 *  `ctx`). Read the fields, do not write them. */
typedef struct rtp_srtp {
    void *ctx;               /**< libsrtp2 srtp_t; NULL when not created */
    rtp_srtp_suite suite;
    rtp_srtp_dir dir;
    unsigned mki_len;        /**< 0 when no MKI */
    unsigned rtp_overhead;   /**< bytes protect adds to RTP */
    unsigned rtcp_overhead;  /**< bytes protect_rtcp adds to RTCP */
    int lib_status;          /**< last libsrtp2 srtp_err_status_t (0 = ok),
                                  for diagnostics */
} rtp_srtp;

/** srtp_init(): set up libsrtp2's crypto kernel. Call once per process
 *  before rtp_srtp_create() (libsrtp2 global state; not thread-safe).
 *  Returns 0 or RTP_ERR_SRTP_LIB. */
RTPDEF int rtp_srtp_library_init(void);
/** srtp_shutdown(): release libsrtp2's global state, after every context
 *  is destroyed. Returns 0 or RTP_ERR_SRTP_LIB. */
RTPDEF int rtp_srtp_library_shutdown(void);

/** Whether this libsrtp2 build has suite s (AES-192/256-CM and AES-GCM
 *  need libsrtp2 built with OpenSSL or NSS; Debian's is): creates and
 *  frees a throw-away context. Returns 1, 0, or RTP_ERR_SRTP_LIB (library
 *  not initialised or out of memory). */
RTPDEF int rtp_srtp_suite_available(rtp_srtp_suite s);

/** Create a context (s is zeroed first; on failure s->ctx stays NULL and
 *  s->lib_status holds libsrtp2's status). Returns 0, or RTP_ERR_INVALID
 *  (NULL s / cfg / key, bad dir, mki_len over RTP_SRTP_MAX_MKI, a window
 *  outside 64..32767), RTP_ERR_SRTP_SUITE (unknown suite), RTP_ERR_SRTP_KEY
 *  (key_salt_len not the suite's), RTP_ERR_SRTP_UNAVAILABLE (this libsrtp2
 *  build lacks the suite's cipher, e.g. AES-GCM without OpenSSL; or an MKI
 *  with a _32 suite before libsrtp2 2.7, whose SRTCP unprotect then
 *  misplaces the MKI),
 *  RTP_ERR_SRTP_LIB (library not initialised, allocation failure). */
RTPDEF int rtp_srtp_create(rtp_srtp *s, const rtp_srtp_config *cfg);
/** Free the context (libsrtp2 clears its keys); s->ctx becomes NULL. NULL
 *  s or an already destroyed context is a no-op. */
RTPDEF void rtp_srtp_destroy(rtp_srtp *s);

/** Protect one RTP packet in place (RFC 3711 §3.3): encrypt the payload,
 *  append MKI and tag (with AEAD the tag is part of the ciphertext and
 *  the MKI comes last, RFC 7714). pkt holds len bytes of a valid RTP packet (it is
 *  checked with rtp_parse) in a buffer of cap bytes starting on a 32-bit
 *  boundary. Returns the SRTP length (len + rtp_overhead), or
 *  RTP_ERR_NOSPACE with *needed (pkt untouched), the errors of rtp_parse,
 *  RTP_ERR_SRTP_REPLAY (that sequence number was already protected and
 *  allow_repeat_tx is off), RTP_ERR_SRTP_KEY (master key lifetime
 *  exhausted), RTP_ERR_INVALID (NULL, unaligned, inbound context, packet
 *  over INT_MAX), RTP_ERR_SRTP_LIB. */
RTPDEF int rtp_srtp_protect(rtp_srtp *s, uint8_t *pkt, size_t len, size_t cap,
                            size_t *needed);
/** Verify and decrypt one SRTP packet in place (RFC 3711 §3.3): on success
 *  the first (returned) bytes are the RTP packet. Returns its length, or
 *  RTP_ERR_TRUNCATED / RTP_ERR_VERSION (not even an RTP header, or shorter
 *  than header + tag + MKI), RTP_ERR_SRTP_AUTH (tag mismatch: forged,
 *  corrupted or wrong key), RTP_ERR_SRTP_REPLAY (duplicate, or older than
 *  the replay window, §3.3.2), RTP_ERR_SRTP_KEY (unknown MKI, key
 *  lifetime exhausted), RTP_ERR_LENGTH (libsrtp2 refused the packet's
 *  layout), RTP_ERR_INVALID (NULL, unaligned, outbound context),
 *  RTP_ERR_SRTP_LIB. On failure the bytes may have changed (AES-GCM
 *  decrypts before it checks the tag): keep a copy if you need them. */
RTPDEF int rtp_srtp_unprotect(rtp_srtp *s, uint8_t *pkt, size_t len);
/** Protect one (compound) RTCP packet in place (RFC 3711 §3.4): encrypt
 *  after the first 8 bytes, append E flag + 31-bit SRTCP index, MKI and
 *  tag. pkt must hold a compound that passes rtcp_compound_check(pkt, len,
 *  RTCP_REDUCED_SIZE) (at least one 8-byte RTCP header + SSRC). Returns
 *  len + rtcp_overhead, or the errors of rtp_srtp_protect (walker errors
 *  in place of rtp_parse's). */
RTPDEF int rtp_srtp_protect_rtcp(rtp_srtp *s, uint8_t *pkt, size_t len, size_t cap,
                                 size_t *needed);
/** Verify and decrypt one SRTCP packet in place (RFC 3711 §3.4; the E flag
 *  says whether the body was encrypted). Returns the RTCP length, or the
 *  errors of rtp_srtp_unprotect (replay: that SRTCP index was seen or is
 *  older than the window; RTP_ERR_SRTP_AUTH also when the E flag says
 *  "not encrypted" but the suite encrypts, which libsrtp2 refuses before
 *  it checks the tag). */
RTPDEF int rtp_srtp_unprotect_rtcp(rtp_srtp *s, uint8_t *pkt, size_t len);

#endif /* RTP_USE_SRTP */

/* ------------------------------------------------------------------------
 * RTP sessions: per-source statistics, SR/RR generation, RTCP timing
 * (RFC 3550 §6.2-§8, Appendix A.1, A.3, A.7, A.8)
 *
 * Sans-IO: every call takes the application's monotonic time now_us; the
 * session never reads a clock, never allocates and keeps no global state.
 * Memory: rtp_session_mem_size(&cfg) bytes (8-byte aligned) supplied by the
 * caller hold the source table (cfg.max_sources entries) and the buffer in
 * which outgoing compound RTCP packets are built (cfg.max_rtcp_size).
 *
 * Output: on_timeout() builds the compound (SR or RR with report blocks,
 * then SDES CNAME; or RR + SDES + BYE when leaving) into that buffer and
 * hands it to callbacks.send_rtcp(user, bytes, len) before returning.
 *
 * Reentrancy: from inside a callback, do not call rtp_session_on_rtp,
 * _on_rtcp, _on_timeout or _leave on the same session (they return
 * RTP_ERR_STATE and assert in debug builds). rtp_session_change_ssrc,
 * rtp_session_build_bye and the read-only accessors are allowed.
 * --------------------------------------------------------------------- */

/** Appendix A.1 constants. */
#define RTP_MIN_SEQUENTIAL 2u
#define RTP_MAX_DROPOUT 3000u
#define RTP_MAX_MISORDER 100u
#define RTP_SEQ_MOD 65536u

/** Default and largest source table (cfg.max_sources). */
#define RTP_SESSION_DEFAULT_SOURCES 32u
#define RTP_SESSION_MAX_SOURCES 65536u
/** Default compound RTCP buffer (cfg.max_rtcp_size), octets. */
#define RTP_SESSION_DEFAULT_RTCP_SIZE 1200u
/** Our SRs remembered for RTT (an LSR older than this many SRs is ignored). */
#define RTP_SESSION_SR_HISTORY 8u
/** Remembered conflicting transport addresses (§8.2 "conflict list"). */
#define RTP_SESSION_CONFLICTS 8u
/** §6.3.7: with fewer members than this, BYE is sent at once. */
#define RTP_SESSION_BYE_THRESHOLD 50u

/** Why a source left the table (on_source_removed). */
enum { RTP_SOURCE_TIMEOUT = 1, RTP_SOURCE_BYE = 2 };

/** Receive state of one remote source (SSRC). Read it; the session writes
 *  it. app is the caller's per-stream context (demultiplexing). */
typedef struct rtp_source {
    uint32_t ssrc;
    uint8_t in_use;
    uint8_t validated;      /**< A.1 probation passed (counts as member) */
    uint8_t rtcp_seen;      /**< an SR/RR/SDES came from it (member) */
    uint8_t is_sender;      /**< RTP received within the last 2 intervals */
    uint8_t have_rtp_addr, have_rtcp_addr, have_sr, have_rtt;
    uint8_t rtp_since_report; /**< valid RTP since our last report on it */
    uint64_t rtp_addr, rtcp_addr; /**< caller's opaque transport keys */
    /* A.1 */
    uint16_t max_seq;
    uint32_t cycles;        /**< shifted count of wraps (multiple of 65536) */
    uint32_t base_seq, bad_seq, probation;
    uint32_t received, expected_prior, received_prior;
    /* A.8, in timestamp units of clock_rate Hz */
    uint32_t clock_rate;
    uint32_t transit;
    uint8_t have_transit;
    uint64_t jitter_x16;    /**< jitter scaled by 16 (A.8 integer form) */
    /* counters that never decrease (a restart resets A.1's received) */
    uint64_t packets, octets; /**< valid RTP packets and payload octets */
    uint64_t packets_dropped; /**< probation, bad sequence */
    /* last SR from it (§6.4.1): NTP <-> RTP mapping, LSR/DLSR */
    uint64_t sr_ntp;
    uint32_t sr_rtp;
    uint64_t sr_recv_us;
    uint64_t rtt_us;        /**< RTT it reported about us (have_rtt) */
    uint64_t last_rtp_us, last_rtcp_us;
    void *app;
} rtp_source;

/** Statistics of one source (Appendix A.3, A.8), without side effects. */
typedef struct rtp_source_stats {
    uint32_t ext_highest_seq; /**< cycles + max_seq */
    int64_t expected;         /**< ext_highest - base_seq + 1 */
    uint32_t received;        /**< since the last (re)start of A.1 */
    int32_t cumulative_lost;  /**< expected - received, 24-bit signed clamp */
    uint32_t jitter;          /**< timestamp units */
} rtp_source_stats;

/** Session configuration: zero means the documented default. The
 *  effective values are in session->cfg after rtp_session_init(). */
typedef struct rtp_session_config {
    uint32_t ssrc;              /**< our SSRC (the caller draws it) */
    rtp_span cname;             /**< SDES CNAME, <= 255 bytes, caller-owned,
                                     must outlive the session; required */
    uint32_t max_sources;       /**< source table size (32; max 65536) */
    uint32_t max_rtcp_size;     /**< compound buffer octets (1200; >= 64) */
    uint64_t session_bw_bps;    /**< session bandwidth, bit/s (64000) */
    uint64_t rtcp_bw_bps;       /**< RTCP bandwidth, bit/s (5% of session) */
    uint32_t packet_overhead;   /**< lower-layer octets added to RTCP sizes
                                     for avg_rtcp_size (28: IPv4 + UDP) */
    uint32_t send_clock_rate;   /**< our media clock, Hz (8000) */
    uint32_t default_clock_rate; /**< remote clock when callbacks.clock_rate
                                     is NULL or returns 0 (8000) */
    int reduced_minimum;        /**< §6.2: minimum 360 / session kbit/s
                                     instead of 5 s (initial: half) */
    int64_t wallclock_offset_us; /**< Unix time in µs = now_us + offset */
    int have_own_addr;          /**< own_addr_key is set */
    uint64_t own_addr_key;      /**< our own transport address as the
                                     caller keys it: our SSRC arriving from
                                     it is a loop of our own packets */
    unsigned rtcp_flags;        /**< RTCP_REDUCED_SIZE: accept reduced-size
                                     RTCP (RFC 5506) on receive; what we
                                     send is always a full compound */
} rtp_session_config;

/** Callbacks (copied at init). size = sizeof(rtp_session_callbacks), so
 *  members can be added later; any may be NULL except send_rtcp. */
typedef struct rtp_session_callbacks {
    uint32_t size;
    /** Send one compound RTCP packet; non-zero fails (RTP_ERR_CALLBACK). */
    int (*send_rtcp)(void *user, const uint8_t *pkt, size_t len);
    /** Randomness for the [0.5, 1.5] interval factor (2 bytes a draw, read
     *  big-endian as r: factor 0.5 + r/65536). NULL: factor 1. */
    void (*rand)(void *user, uint8_t *buf, size_t len);
    /** Clock rate of a remote source's payload type, Hz (0: default). */
    uint32_t (*clock_rate)(void *user, uint32_t ssrc, uint8_t pt);
    /** §8.2: our SSRC arrives from another transport address. Choose a new
     *  SSRC (rtp_session_change_ssrc) and send a BYE for the old one
     *  (rtp_session_build_bye). The packet is dropped. */
    void (*on_collision)(void *user, uint32_t ssrc, uint64_t addr_key);
    /** §8.2: our own packets looped back (from own_addr_key, or from an
     *  address already in the conflict list). The packet is dropped. */
    void (*on_loop)(void *user, uint32_t ssrc, uint64_t addr_key);
    /** A source passed A.1 validation or first sent RTCP (new member). */
    void (*on_new_source)(void *user, rtp_source *src);
    /** A source left: RTP_SOURCE_TIMEOUT or RTP_SOURCE_BYE. */
    void (*on_source_removed)(void *user, uint32_t ssrc, int reason);
} rtp_session_callbacks;

/** Inputs of the A.7 interval (also usable on their own). */
typedef struct rtcp_interval_params {
    uint32_t members, senders;  /**< members include us (clamped to 2^20) */
    uint64_t rtcp_bw_bps;       /**< RTCP bandwidth, bit/s */
    int we_sent, initial;
    uint64_t avg_rtcp_size_x16; /**< average compound size, 1/16 octets */
    uint64_t min_us;            /**< minimum (5 s or reduced); halved when
                                     initial */
} rtcp_interval_params;

/** A.7 rtcp_interval() in µs: n = members, bandwidth = rtcp_bw; when
 *  senders <= members/4, senders (we_sent) use 25% with n = senders and
 *  receivers 75% with n = members - senders; t = max(avg * n / bw, min),
 *  then t * (0.5 + rand16/65536) / (e - 1.5), with e - 1.5 taken as
 *  1.218282. Integer arithmetic, rounded down at each step; the
 *  deterministic t is capped at 2^40 µs. */
RTPDEF uint64_t rtcp_interval_us(const rtcp_interval_params *p, uint16_t rand16);
/** The deterministic part: max(avg * n / bw, min) in µs (the "Td" of
 *  §6.3.5 when min is 5 s and initial is 0). */
RTPDEF uint64_t rtcp_interval_det_us(const rtcp_interval_params *p);

/** Session state. Fields are readable; change them only through the API. */
typedef struct rtp_session {
    rtp_session_config cfg;
    rtp_session_callbacks cb;
    void *user;
    rtp_source *src;            /**< cfg.max_sources entries */
    uint32_t n_src, last_hit, rr_cursor;
    uint8_t *rtcp_buf;
    /* A.7 state, times in µs on the caller's clock */
    uint64_t tp, tn;
    uint32_t pmembers;
    int initial, we_sent;
    uint64_t avg_rtcp_size_x16;
    int state;                  /**< 0 active, 1 leaving (BYE pending), 2 closed */
    uint32_t leave_members;     /**< members while leaving (§6.3.7) */
    uint8_t bye_reason[255];
    uint8_t bye_reason_len;
    int in_callback;
    int sent_any;               /**< we sent RTP or RTCP (BYE allowed) */
    /* sender state */
    uint32_t packet_count, octet_count; /**< as in our SR (wrap mod 2^32) */
    uint64_t packets_sent, octets_sent; /**< never decrease */
    uint32_t last_rtp_ts;
    uint64_t last_rtp_send_us;
    uint32_t reports_since_sent;
    uint32_t sr_mid[RTP_SESSION_SR_HISTORY];
    uint64_t sr_sent_us[RTP_SESSION_SR_HISTORY];
    uint32_t sr_n, sr_pos;
    /* §8.2 conflict list */
    uint64_t conflict_addr[RTP_SESSION_CONFLICTS];
    uint64_t conflict_us[RTP_SESSION_CONFLICTS];
    uint32_t n_conflicts, conflict_pos;
    uint64_t collisions, loops, third_party_conflicts;
    uint64_t rtt_us;            /**< last RTT measured from any report */
    int have_rtt;
    uint64_t rtcp_sent, rtcp_received;
} rtp_session;

/** Bytes of caller memory the configuration needs (0 for an invalid one). */
RTPDEF size_t rtp_session_mem_size(const rtp_session_config *cfg);
/** Start a session at now_us: tp = now, initial, members 1, the first
 *  report due at now + the A.7 interval with initial set. mem must be
 *  8-byte aligned and hold rtp_session_mem_size(cfg) bytes. Returns 0 or
 *  RTP_ERR_INVALID (NULL, empty or long CNAME, bad sizes, no send_rtcp,
 *  callbacks size too small), RTP_ERR_NOSPACE (mem too small). */
RTPDEF int rtp_session_init(rtp_session *s, void *mem, size_t mem_len,
                            const rtp_session_config *cfg,
                            const rtp_session_callbacks *cb, void *user,
                            uint64_t now_us);

/** An RTP packet arrived from addr_key at now_us. Runs the A.1 sequence
 *  checks (a new SSRC is on probation for RTP_MIN_SEQUENTIAL packets; a
 *  jump over MAX_DROPOUT restarts only when the next packet follows it),
 *  counts, and updates A.8 jitter with the clock rate of the packet's PT.
 *  *src_out (optional) gets the source. Returns 1 for a valid packet, 0 for
 *  one not (yet) valid (probation, bad sequence: not counted), or
 *  RTP_ERR_* of rtp_parse, RTP_ERR_CONFLICT (dropped: our SSRC, reported
 *  through on_collision / on_loop; or a known SSRC from a second address,
 *  a third-party collision or loop, counted in third_party_conflicts: the
 *  source stays bound to its first address until it times out or says
 *  BYE), RTP_ERR_FULL (table full, new SSRC dropped),
 *  RTP_ERR_STATE (closed, or called from a callback). */
RTPDEF int rtp_session_on_rtp(rtp_session *s, const uint8_t *pkt, size_t len,
                              uint64_t addr_key, uint64_t now_us,
                              rtp_source **src_out);
/** A compound RTCP packet arrived. The compound is checked whole first
 *  (A.2; an error drops it). SR/RR/SDES add members; an SR is kept for
 *  LSR/DLSR and the NTP<->RTP mapping; report blocks about our SSRC give
 *  the RTT; BYE removes sources and runs reverse reconsideration (§6.3.4),
 *  or counts members when we are leaving (§6.3.7). avg_rtcp_size takes
 *  len + packet_overhead. Returns 0, a walker error, RTP_ERR_CONFLICT,
 *  RTP_ERR_STATE. */
RTPDEF int rtp_session_on_rtcp(rtp_session *s, const uint8_t *pkt, size_t len,
                               uint64_t addr_key, uint64_t now_us);
/** We sent an RTP packet (sender state, §6.4.1 counts: payload octets). */
RTPDEF void rtp_session_on_rtp_sent(rtp_session *s, uint32_t rtp_ts,
                                    size_t payload_len, uint64_t now_us);
/** When on_timeout must next run: UINT64_MAX when closed. */
RTPDEF uint64_t rtp_session_next_deadline(const rtp_session *s);
/** The timer fired. Before the deadline it does nothing. Otherwise: source
 *  timeouts (§6.3.5: members silent for 5 Td, senders without RTP for
 *  2 Td, Td deterministic with a 5 s minimum), then A.7 OnExpire with
 *  timer reconsideration: the interval is redrawn from tp; if tp + T is
 *  still ahead the deadline moves there, else the compound is built and
 *  sent and the next deadline drawn. Returns 1 when a packet was sent, 0,
 *  RTP_ERR_CALLBACK (send_rtcp failed), RTP_ERR_NOSPACE (max_rtcp_size
 *  too small for RR + SDES), RTP_ERR_STATE. */
RTPDEF int rtp_session_on_timeout(rtp_session *s, uint64_t now_us);
/** Leave the session (§6.3.7) with an optional reason (<= 255 bytes,
 *  copied). Never sent anything: closed, no BYE, returns 0. Fewer than
 *  RTP_SESSION_BYE_THRESHOLD members: the BYE compound is sent now (1).
 *  Otherwise BYE reconsideration: members = pmembers = 1, initial, we_sent
 *  0, avg = the BYE size; BYEs received meanwhile add members; on_timeout
 *  sends the BYE when due (returns 0 now). */
RTPDEF int rtp_session_leave(rtp_session *s, rtp_span reason, uint64_t now_us);
/** Take a new SSRC (after a collision, §8.2): sender counts and SR history
 *  reset, we_sent cleared. */
RTPDEF void rtp_session_change_ssrc(rtp_session *s, uint32_t ssrc);
/** Build RR (no blocks) + SDES CNAME + BYE(ssrc, reason) for any SSRC
 *  (e.g. the old one after a collision). Builder conventions. */
RTPDEF int rtp_session_build_bye(const rtp_session *s, uint32_t ssrc,
                                 rtp_span reason, uint8_t *out, size_t cap,
                                 size_t *needed);
/** The source with this SSRC, or NULL. */
RTPDEF rtp_source *rtp_session_find(rtp_session *s, uint32_t ssrc);
/** Members (us included) and senders (we_sent included) as A.7 counts
 *  them: validated or RTCP-seen sources are members. */
RTPDEF uint32_t rtp_session_members(const rtp_session *s);
RTPDEF uint32_t rtp_session_senders(const rtp_session *s);

/** A.3 / A.8 numbers of a source (no side effects). */
RTPDEF void rtp_source_get_stats(const rtp_source *src, rtp_source_stats *st);
/** The report block about src at now_us (§6.4.1, A.3): fraction lost over
 *  the interval since the previous call (which this call closes),
 *  cumulative lost clamped to 24 bits, jitter, LSR and DLSR of its last
 *  SR (0 without one). */
RTPDEF void rtp_source_report_block(rtp_source *src, uint64_t now_us,
                                    rtcp_report_block *rb);
/** The NTP time of an RTP timestamp of src, from its last SR (§6.4.1):
 *  sr_ntp + (int32)(rtp_ts - sr_rtp) / clock_rate. Returns 0 or
 *  RTP_ERR_NOT_FOUND (no SR or no clock rate yet). */
RTPDEF int rtp_source_rtp_to_ntp(const rtp_source *src, uint32_t rtp_ts,
                                 uint64_t *ntp);
/** The inverse: RTP timestamp of an NTP time. */
RTPDEF int rtp_source_ntp_to_rtp(const rtp_source *src, uint64_t ntp,
                                 uint32_t *rtp_ts);

/* ---- adaptive jitter buffer and RFC 4733 telephone-events ---------- */
/* ------------------------------------------------------------------------
 * Adaptive audio jitter buffer; RFC 4733 telephone-events
 * (fragment for rtp.h's declarations section; needs rtp_span, rtp_header,
 * RTPDEF and RTP_ERR_* from above)
 * --------------------------------------------------------------------- */

/* Error codes of the jitter buffer and the telephone-event code. They sit
 * in rtp.h's range (-200..-299) but outside the rtp_err enum, at -280 and
 * below, so that enum can grow from -211 upwards without a collision.
 * rtp_jb_strerror() knows them (and falls back to rtp_strerror()). */
#define RTP_ERR_JB_CONFIG (-280)     /**< invalid jitter buffer config or memory */
#define RTP_ERR_JB_DUPLICATE (-281)  /**< packet dropped: already buffered or played */
#define RTP_ERR_JB_LATE (-282)       /**< packet dropped: its playout time passed */
#define RTP_ERR_JB_WINDOW (-283)     /**< packet dropped: sequence number outside the
                                          buffer's window (see rtp_jb_put) */
#define RTP_ERR_JB_TOO_BIG (-284)    /**< payload larger than cfg.max_payload */
#define RTP_ERR_DTMF_BUSY (-290)     /**< an event is still being sent */
#define RTP_ERR_DTMF_EVENT (-291)    /**< bad event code, character or volume */
#define RTP_ERR_DTMF_CONFIG (-292)   /**< bad clock rate / tick for telephone-events */

/** Text for an error code: the RTP_ERR_JB_* / RTP_ERR_DTMF_* codes above,
 *  else what rtp_strerror() says (static storage, never NULL). */
RTPDEF const char *rtp_jb_strerror(int err);

/* ---- jitter buffer ----------------------------------------------------- */

/** Largest slot count a jitter buffer accepts (cfg.slots). */
#define RTP_JB_MAX_SLOTS 1024u
/** Largest cfg.max_payload (bytes per slot). */
#define RTP_JB_MAX_PAYLOAD 65536u

/** Jitter buffer configuration. Zero in a field means its default;
 *  rtp_jb_config_resolve() shows the effective values. Depths are counted
 *  in frames (playout ticks). */
typedef struct rtp_jb_config {
    uint32_t clock_rate;     /**< RTP clock, Hz (default 8000) */
    uint32_t frame_us;       /**< playout tick = one packet's audio, µs
                                  (default 20000); clock_rate * frame_us
                                  must be a whole number of samples per 1e6 */
    unsigned min_depth;      /**< smallest target depth, frames (default 1) */
    unsigned max_depth;      /**< largest target depth, frames (default 10) */
    unsigned initial_depth;  /**< depth before any jitter is measured
                                  (default 3, clamped to min..max) */
    unsigned jitter_factor;  /**< k in target = ceil(k * jitter / frame),
                                  in 1/16 units (default 64, i.e. k = 4) */
    unsigned slots;          /**< packets held (default 2 * max_depth + 8,
                                  at most RTP_JB_MAX_SLOTS, > max_depth) */
    size_t max_payload;      /**< bytes per packet payload (default 1500,
                                  at most RTP_JB_MAX_PAYLOAD) */
} rtp_jb_config;

/** What rtp_jb_get() hands out for one tick. */
typedef enum rtp_jb_kind {
    RTP_JB_EMPTY = 0, /**< nothing to play: not started, waiting for a
                           talkspurt's playout time, or silence (DTX) between
                           talkspurts; the caller plays silence/comfort noise */
    RTP_JB_FRAME = 1, /**< a frame: payload, seq, timestamp are set */
    RTP_JB_LOST = 2   /**< a frame is missing: the caller conceals it. With
                           inserted == 1 it is a tick added to grow the
                           buffer (or an underrun) and no packet is missing */
} rtp_jb_kind;

/** One playout tick. */
typedef struct rtp_jb_frame {
    rtp_jb_kind kind;
    uint8_t marker;      /**< FRAME: M bit of the packet */
    uint8_t inserted;    /**< LOST: 1 = inserted tick (not counted in lost) */
    uint16_t seq;        /**< FRAME / LOST (not inserted): sequence number */
    uint32_t timestamp;  /**< FRAME / LOST: RTP timestamp of the tick */
    rtp_span payload;    /**< FRAME: the copy inside the buffer, valid until
                              the next rtp_jb_put/rtp_jb_reset */
} rtp_jb_frame;

/** Counters (cumulative over SSRC resets) and the current state. */
typedef struct rtp_jb_stats {
    uint64_t received;   /**< rtp_jb_put calls with valid arguments */
    uint64_t duplicate;  /**< dropped as RTP_ERR_JB_DUPLICATE */
    uint64_t late;       /**< dropped as RTP_ERR_JB_LATE */
    uint64_t lost;       /**< LOST ticks for missing packets (not inserted) */
    uint64_t played;     /**< FRAME ticks */
    uint64_t inserted;   /**< inserted LOST ticks (growth and underruns) */
    uint64_t window;     /**< dropped as RTP_ERR_JB_WINDOW or TOO_BIG */
    uint64_t resets;     /**< SSRC changes and sequence restarts */
    unsigned depth;      /**< current playout depth, frames */
    unsigned target;     /**< target depth from the jitter estimate, frames */
    unsigned buffered;   /**< packets waiting to be played */
    uint32_t jitter_us;  /**< interarrival jitter estimate (RFC 3550 A.8), µs */
} rtp_jb_stats;

/** Private per-packet slot (payload bytes follow the slot array). */
typedef struct rtp__jb_slot {
    int64_t ext_seq;      /**< extended sequence number */
    int64_t ext_ts;       /**< extended timestamp */
    uint64_t arrival_us;
    uint32_t len;
    uint8_t state;        /**< 0 free, 1 buffered, 2 played */
    uint8_t marker;
} rtp__jb_slot;

/** An adaptive jitter buffer for one audio stream (one packet = one frame
 *  of cfg.frame_us). Lives in caller memory; no allocation, no clock.
 *  All fields are private; read them through rtp_jb_stats_get(). */
typedef struct rtp_jb {
    rtp_jb_config cfg;        /* resolved */
    uint32_t spf;             /* samples per frame */
    rtp__jb_slot *slot;
    uint8_t *data;            /* slots * max_payload bytes */
    int state;                /* 0 idle, 1 waiting for start_us, 2 playing */
    int have_ssrc, played_any, have_transit, bad_valid;
    uint32_t ssrc;
    uint16_t bad_seq;
    int64_t play_seq, play_ts;
    uint64_t start_us;
    int64_t anchored_seq;     /* talkspurt start already handled */
    uint64_t prev_arrival;    /* last packet for the jitter estimate */
    int64_t prev_ets;
    uint64_t jitter16;        /* jitter estimate in µs, times 16 */
    unsigned underruns;       /* consecutive underrun ticks */
    rtp_jb_stats st;
} rtp_jb;

/** Copy cfg (or all defaults when NULL) with every zero replaced by its
 *  default. Returns 0, or RTP_ERR_JB_CONFIG when the values are unusable
 *  (a frame that is not a whole number of samples or is over 65535
 *  samples, min > max, slots <= max_depth or over RTP_JB_MAX_SLOTS,
 *  max_payload over RTP_JB_MAX_PAYLOAD). */
RTPDEF int rtp_jb_config_resolve(const rtp_jb_config *cfg, rtp_jb_config *out);

/** Bytes of caller memory rtp_jb_init() needs for cfg (NULL: defaults),
 *  or 0 when the config is invalid. */
RTPDEF size_t rtp_jb_mem_size(const rtp_jb_config *cfg);

/** Set up a jitter buffer in mem (rtp_jb_mem_size(cfg) bytes, aligned for
 *  uint64_t as malloc's result is; it must outlive jb). Returns 0 or
 *  RTP_ERR_JB_CONFIG (also for NULL or too little memory). */
RTPDEF int rtp_jb_init(rtp_jb *jb, void *mem, size_t mem_len,
                       const rtp_jb_config *cfg);

/** Forget the stream (packets, playout position, jitter, depth back to
 *  initial_depth); counters stay. */
RTPDEF void rtp_jb_reset(rtp_jb *jb);

/** Give a received packet (fields of a parsed RTP header and its payload,
 *  which is copied) that arrived at now_us.
 *
 *  - A new SSRC resets the buffer first (stats.resets counts it).
 *  - Sequence numbers and timestamps are extended around the playout
 *    position, so both wrap freely (RFC 3550 A.1 style 16-bit / 32-bit
 *    serial arithmetic).
 *  - Before the first frame is played, a packet older than the first one
 *    becomes the start of the stream (reordering at the very start).
 *  - Returns 0 when buffered, or drops it with RTP_ERR_JB_DUPLICATE (that
 *    sequence number is buffered or was played), RTP_ERR_JB_LATE (its turn
 *    passed: played as LOST), RTP_ERR_JB_WINDOW (more than cfg.slots away
 *    from the playout position; two such packets in sequence restart the
 *    stream at the second, as RFC 3550 A.1 does), RTP_ERR_JB_TOO_BIG, or
 *    RTP_ERR_INVALID (NULL jb, NULL payload with len > 0).
 *  - Every buffered packet updates the jitter estimate (RFC 3550 A.8 on the
 *    arrival times, in µs: J += (|D| - J) / 16) and the target depth
 *    target = clamp(ceil(jitter_factor/16 * J / frame_us), min, max). */
RTPDEF int rtp_jb_put(rtp_jb *jb, uint32_t ssrc, uint16_t seq, uint32_t timestamp,
                      int marker, const uint8_t *payload, size_t len,
                      uint64_t now_us);

/** One playout tick at now_us: call it every cfg.frame_us. Fills *out and
 *  returns its kind.
 *
 *  Playout policy:
 *  - A talkspurt starts at the first packet, and again whenever the next
 *    packet to play has the marker bit or a timestamp ahead of the playout
 *    position (silence before it). Its playout begins depth frames after
 *    that packet's arrival: until then the ticks are EMPTY. At each
 *    talkspurt start the depth moves to the target: up at once, down by
 *    one frame only (shrink slowly, and only in silence, so no audio is
 *    dropped).
 *  - Inside a talkspurt, when the target exceeds the depth, one inserted
 *    LOST tick is played per tick (grow fast; depth + 1 each).
 *  - The next packet present: FRAME. Missing while later packets are
 *    buffered: LOST (stats.lost; the packet, if it comes, is late).
 *    Nothing buffered (underrun): an inserted LOST tick that waits for the
 *    packet without advancing. If that packet then plays in the same
 *    talkspurt, the depth grows by the ticks waited (at most max_depth);
 *    if the next packet starts a talkspurt, they were silence (DTX) and
 *    the depth stays. After max_depth underrun ticks in a row the buffer
 *    goes idle (EMPTY) and the next packet's arrival starts a talkspurt.
 *  - Without silence (no DTX, no marker) the depth never shrinks. */
RTPDEF rtp_jb_kind rtp_jb_get(rtp_jb *jb, uint64_t now_us, rtp_jb_frame *out);

/** Counters and current depth / target / jitter. */
RTPDEF void rtp_jb_stats_get(const rtp_jb *jb, rtp_jb_stats *st);

/* ---- RFC 4733 telephone-events ------------------------------------------ */

/** Event codes of RFC 4733 §3.2 (DTMF 0-9 are codes 0-9). */
enum {
    RTP_DTMF_STAR = 10, RTP_DTMF_POUND = 11, RTP_DTMF_A = 12, RTP_DTMF_B = 13,
    RTP_DTMF_C = 14, RTP_DTMF_D = 15, RTP_DTMF_FLASH = 16
};
/** Most notes one rtp_dtmf_receiver_put / _on_timeout call reports. */
#define RTP_DTMF_MAX_NOTES 3
/** Default time after the last packet of an event without E bit at which
 *  the receiver ends it (RFC 4733 §2.5.2.2 leaves the value to us). */
#define RTP_DTMF_DEFAULT_TIMEOUT_US 200000u

/** Character of an event code: '0'-'9', '*', '#', 'A'-'D', and '!' for
 *  flash (16); 0 for any other code. */
RTPDEF char rtp_dtmf_event_to_char(unsigned event);
/** Event code of a character (those above; 'a'-'d' too), or
 *  RTP_ERR_DTMF_EVENT. */
RTPDEF int rtp_dtmf_char_to_event(int c);

/** The 4-byte payload of RFC 4733 §2.3. */
typedef struct rtp_dtmf_payload {
    uint8_t event;      /**< 0..255 */
    uint8_t end;        /**< E bit */
    uint8_t volume;     /**< 0..63, -dBm0 (§2.3.4) */
    uint16_t duration;  /**< timestamp units since the event (segment) start */
} rtp_dtmf_payload;

/** Read the first 4 bytes of a payload (more, e.g. RFC 2198 redundancy
 *  blocks, are ignored; the R bit is ignored, §2.3). Returns 0 or
 *  RTP_ERR_TRUNCATED. */
RTPDEF int rtp_dtmf_payload_parse(rtp_span p, rtp_dtmf_payload *out);
/** Write the payload into out[0..3] (R bit zero). Returns 4, or
 *  RTP_ERR_DTMF_EVENT for a volume over 63. */
RTPDEF int rtp_dtmf_payload_build(const rtp_dtmf_payload *p, uint8_t out[4]);

/** One packet of the sender: the caller puts it into an RTP packet of the
 *  telephone-event payload type with its stream's next sequence number
 *  and SSRC (each packet, retransmissions included, takes a new sequence
 *  number, §2.5.1.4). */
typedef struct rtp_dtmf_packet {
    uint8_t payload[4];   /**< RFC 4733 §2.3, network order */
    uint8_t marker;       /**< M bit: first packet of the event (§2.5.1.2) */
    uint32_t timestamp;   /**< event (segment) start, held for all of its
                               packets (§2.5.1.2, §2.5.1.3) */
    uint8_t event, end;   /**< copies of payload fields */
    uint16_t duration;
} rtp_dtmf_packet;

/** Telephone-event sender (RFC 4733 §2.5.1). Fields are private. */
typedef struct rtp_dtmf_sender {
    uint32_t spt;          /* samples per tick */
    int active;            /* an event is being sent */
    int ending;            /* end packets sent so far (0 = not ending) */
    int stop_req, first, new_seg, pending_end;
    uint8_t event, volume;
    uint32_t seg_ts;       /* timestamp of the current segment */
    uint32_t dur;          /* duration in the current segment */
    uint32_t carry;        /* samples carried into the next segment */
    uint64_t elapsed;      /* samples since the event start */
    uint64_t total;        /* fixed duration, or 0 = until stop */
} rtp_dtmf_sender;

/** Set up a sender for a clock_rate (Hz) and a tick of tick_us (the
 *  packet interval, e.g. 20000 or the RFC 4733 §2.5.1.2 suggestion of
 *  50000). Returns 0, or RTP_ERR_DTMF_CONFIG unless the tick is a whole
 *  number of samples, 1..65535. */
RTPDEF int rtp_dtmf_sender_init(rtp_dtmf_sender *s, uint32_t clock_rate,
                                uint32_t tick_us);

/** Start an event at RTP timestamp ts (the media clock position where it
 *  begins). duration is in timestamp units (0: until
 *  rtp_dtmf_sender_stop); a last partial tick adds only what is left. Returns 0, RTP_ERR_DTMF_EVENT (event
 *  over 255 or volume over 63) or RTP_ERR_DTMF_BUSY while the previous
 *  event (its end packets included) is still being sent. */
RTPDEF int rtp_dtmf_sender_start(rtp_dtmf_sender *s, unsigned event,
                                 unsigned volume, uint32_t ts, uint64_t duration);

/** End an event started without a duration: the next tick's packet is the
 *  first end packet and its duration covers that tick. No effect when no
 *  event runs or it is already ending. */
RTPDEF void rtp_dtmf_sender_stop(rtp_dtmf_sender *s);

/** 1 while rtp_dtmf_sender_tick still has packets to give. */
RTPDEF int rtp_dtmf_sender_busy(const rtp_dtmf_sender *s);

/** The packet for one tick (call it every tick_us while busy). Returns 1
 *  with *out set, or 0 when idle. Sequence for an event of N ticks:
 *  ticks 1..N carry durations spt, 2*spt, ... with the same timestamp, the
 *  first with the marker bit (§2.5.1.2); tick N has the E bit and the
 *  final duration, and ticks N+1 and N+2 repeat it (three end packets,
 *  §2.5.1.4). Long events (§2.5.1.3, read back by §2.5.2.3): a segment's
 *  duration stops at 0xFFFF (that packet is sent), and the next tick
 *  starts a new segment at timestamp + 0xFFFF, without marker, carrying
 *  the rest. */
RTPDEF int rtp_dtmf_sender_tick(rtp_dtmf_sender *s, rtp_dtmf_packet *out);

/** What the receiver reports. */
typedef enum rtp_dtmf_note_kind {
    RTP_DTMF_STARTED = 1, /**< a new event was seen */
    RTP_DTMF_ENDED = 2    /**< an event ended (duration is final) */
} rtp_dtmf_note_kind;

/** Why an event ended. */
typedef enum rtp_dtmf_end_reason {
    RTP_DTMF_END_BIT = 1,      /**< a packet with the E bit */
    RTP_DTMF_END_TIMEOUT = 2,  /**< no packet for timeout_us (end lost) */
    RTP_DTMF_END_NEW_EVENT = 3 /**< a packet of a new event came first */
} rtp_dtmf_end_reason;

/** One report of the receiver. */
typedef struct rtp_dtmf_note {
    rtp_dtmf_note_kind kind;
    uint8_t event;
    char ch;                   /**< rtp_dtmf_event_to_char(event) */
    uint8_t volume;
    uint32_t timestamp;        /**< RTP timestamp of the event start */
    uint64_t duration;         /**< ENDED: timestamp units, all segments */
    rtp_dtmf_end_reason reason;/**< ENDED */
} rtp_dtmf_note;

/** Telephone-event receiver (RFC 4733 §2.5.2). Fields are private. */
typedef struct rtp_dtmf_receiver {
    uint64_t timeout_us;
    int active;
    uint8_t event, volume;
    uint32_t start_ts, seg_ts;
    uint64_t seg_base;         /* duration of the finished segments */
    uint16_t seg_dur;          /* largest duration seen in this segment */
    uint64_t last_us;
    int have_done;
    uint32_t done_ts;          /* last ended event: segment timestamp, */
    uint8_t done_event;        /* code, for dropping its late packets */
} rtp_dtmf_receiver;

/** Set up a receiver; timeout_us 0 means RTP_DTMF_DEFAULT_TIMEOUT_US. */
RTPDEF void rtp_dtmf_receiver_init(rtp_dtmf_receiver *r, uint64_t timeout_us);

/** Feed a parsed packet of the telephone-event payload type (the caller
 *  checks the payload type; SSRC changes are the caller's too). Writes up
 *  to RTP_DTMF_MAX_NOTES notes to out, returns how many, or
 *  RTP_ERR_TRUNCATED (payload under 4 bytes) / RTP_ERR_INVALID.
 *  - A timestamp different from the current event's is a new event
 *    (§2.5.2.1; the marker bit may be lost so it is not needed): the
 *    running one ENDS (reason NEW_EVENT) and the new one STARTS. A packet
 *    that already has E both STARTS and ENDS.
 *  - Same event code at the current segment's timestamp + 0xFFFF is the
 *    next segment of a long event (§2.5.2.3), not a new event.
 *  - Packets older than the current event, and packets of the event that
 *    just ended (the retransmitted end packets, §2.5.1.4, or late updates)
 *    are dropped: 0 notes.
 *  - The duration is the largest seen, so reordered updates are harmless. */
RTPDEF int rtp_dtmf_receiver_put(rtp_dtmf_receiver *r, const rtp_header *h,
                                 uint64_t now_us, rtp_dtmf_note *out);

/** When the running event times out (last packet + timeout_us), or
 *  UINT64_MAX when no event runs. */
RTPDEF uint64_t rtp_dtmf_receiver_next_deadline(const rtp_dtmf_receiver *r);

/** Call at (or after) the deadline: ends a running event whose end packets
 *  were lost, with the last duration seen (reason TIMEOUT). Returns the
 *  number of notes (0 or 1). */
RTPDEF int rtp_dtmf_receiver_on_timeout(rtp_dtmf_receiver *r, uint64_t now_us,
                                        rtp_dtmf_note *out);

/* ------------------------------------------------------------------------
 * Voice quality: the E-model (ITU-T G.107) and RTCP XR VoIP metrics
 * (RFC 3611 §4.7)
 *
 * Numbers are doubles (the E-model is defined on reals); the header does
 * not need libm: the few logarithms and powers are computed inside. The
 * model here is the narrowband E-model (G.107, R on 0..100); wideband
 * codecs are rated on that scale (see rtp_emodel_codec_params).
 * --------------------------------------------------------------------- */

/** Codecs with built-in impairment values (rtp_emodel_codec_params). */
typedef enum rtp_emodel_codec {
    RTP_EMODEL_G711 = 0,     /**< G.711 (PCMU/PCMA) without PLC */
    RTP_EMODEL_G711_PLC = 1, /**< G.711 with G.711 Appendix I PLC */
    RTP_EMODEL_G722 = 2,     /**< G.722 64 kbit/s, with PLC */
    RTP_EMODEL_G729A = 3,    /**< G.729A (+ VAD) */
    RTP_EMODEL_OPUS = 4      /**< Opus (RFC 6716), built-in PLC */
} rtp_emodel_codec;

/** Equipment impairment factor Ie and packet-loss robustness factor Bpl of
 *  a codec (G.107 §7.3; values from ITU-T G.113 Appendix I where it has
 *  them). bitrate_bps matters for Opus only (0: unknown).
 *  - G.711 without PLC: Ie 0, Bpl 4.3; with PLC: Ie 0, Bpl 25.1;
 *    G.729A + VAD: Ie 11, Bpl 19.0 (G.113 Appendix I, Tables I.1, I.3).
 *  - G.722: G.113 rates it only on the wideband scale of G.107.1
 *    (Ie,wb); on this narrowband scale a 7 kHz codec cannot be worse than
 *    G.711, so Ie 0, and Bpl 25.1 as for G.711 with PLC (G.722 Appendix
 *    III/IV PLC is the same class of waveform concealment). Our choice.
 *  - Opus: G.113 Appendix I has no Opus entry at any bitrate. From
 *    12 kbit/s (or unknown bitrate) we use Ie 0 / Bpl 25.1 (transparent
 *    on a narrowband scale, built-in PLC); below 12 kbit/s (narrowband
 *    SILK) the G.729A values Ie 11 / Bpl 19.0 of a linear-prediction
 *    codec of that rate. Our choice; pass measured values instead when
 *    you have them.
 *  Returns 0, RTP_ERR_NOT_FOUND (unknown codec) or RTP_ERR_INVALID (NULL). */
RTPDEF int rtp_emodel_codec_params(rtp_emodel_codec codec, uint32_t bitrate_bps,
                                   double *ie, double *bpl);

/** The codec of an rtpmap encoding name (case-insensitive): PCMU and PCMA
 *  are G.711 (plc selects RTP_EMODEL_G711_PLC), G722, G729 (and G729A),
 *  opus. Returns 0 or RTP_ERR_NOT_FOUND. */
RTPDEF int rtp_emodel_codec_by_name(const char *name, size_t len, int plc,
                                    rtp_emodel_codec *codec);

/** Every input of G.107 (§7, Table 3 names; dB, dBm, dBm0, ms). */
typedef struct rtp_emodel_params {
    double slr, rlr;      /**< send / receive loudness rating, dB (8, 2) */
    double stmr, lstr;    /**< sidetone / listener sidetone masking, dB (15, 18) */
    double ds;            /**< D-value of telephone, send side (3) */
    double telr, wepl;    /**< talker echo loudness / weighted echo path loss, dB (65, 110) */
    double t, tr, ta;     /**< mean one-way delay of the echo path, round-trip
                               delay in a 4-wire loop, absolute delay, ms (0) */
    double qdu;           /**< quantizing distortion units (1) */
    double ie, bpl;       /**< equipment impairment, packet-loss robustness (0, 4.3) */
    double ppl;           /**< random packet-loss probability, % (0) */
    double burst_r;       /**< burst ratio BurstR, 1 = random loss (1) */
    double nc, nfor;      /**< circuit noise dBm0p, noise floor dBmp (-70, -64) */
    double ps, pr;        /**< room noise send / receive, dB(A) (35, 35) */
    double a;             /**< advantage factor (0) */
    double mt, st;        /**< delay sensitivity: minimum perceivable delay mT
                               ms and sensitivity sT of Idd (100, 1) */
} rtp_emodel_params;

/** The rating and its terms (G.107 (7-1): R = Ro - Is - Id - Ie,eff + A). */
typedef struct rtp_emodel_result {
    double r;             /**< transmission rating R (not clamped) */
    double ro, is, id;    /**< basic signal-to-noise, simultaneous, delay */
    double idte, idle, idd; /**< talker echo, listener echo, absolute delay */
    double ie_eff;        /**< effective equipment impairment (7-29) */
    double mos;           /**< MOS-CQE of R (Annex B) */
} rtp_emodel_result;

/** Fill p with the default values of G.107 Table 3 (in parentheses above);
 *  with them R = 93.2. */
RTPDEF void rtp_emodel_defaults(rtp_emodel_params *p);

/** The full E-model (G.107 §7, equations 7-1 to 7-29): Ro from the noise
 *  sum No, Is = Iolr + Ist + Iq, Id = Idte + Idle + Idd (Idte is 0 below
 *  T = 1 ms; STMR < 9 dB uses TERVs = TERV + Ist/2, STMR > 20 dB
 *  Idtes = sqrt(Idte^2 + Ist^2)), Ie,eff = Ie + (95 - Ie) * Ppl /
 *  (Ppl / BurstR + Bpl), and MOS from R (Annex B). Returns 0, or
 *  RTP_ERR_INVALID for NULL, a value that is not finite or is outside
 *  +-1e6, a negative delay or qdu <= 0, Ppl outside 0..100, BurstR or
 *  Bpl <= 0, mT or sT <= 0. */
RTPDEF int rtp_emodel_compute(const rtp_emodel_params *p, rtp_emodel_result *out);

/** MOS (conversational, MOS-CQE) of a rating R (G.107 Annex B, B-4):
 *  1 for R < 0, 4.5 for R > 100, else
 *  1 + 0.035 R + R (R - 60) (100 - R) 7e-6, never below 1 (the cubic dips
 *  to 0.9 near R = 3). A NaN gives 1. */
RTPDEF double rtp_emodel_mos(double r);

/** What a receiver knows about a call, for rtp_emodel_estimate(). */
typedef struct rtp_emodel_input {
    double ie, bpl;          /**< of the codec (rtp_emodel_codec_params) */
    double loss_pct;         /**< packets lost or discarded, % (0..100) */
    double burst_r;          /**< BurstR (rtp_burst_gap_burst_r); 0 means 1 */
    double jitter_ms;        /**< interarrival jitter (RFC 3550 A.8), ms */
    double jb_delay_ms;      /**< jitter buffer delay, ms; negative: taken
                                  as 2 * jitter_ms (a buffer sized to twice
                                  the jitter, a common planning rule) */
    double one_way_delay_ms; /**< the rest of the mouth-to-ear delay: network
                                  (e.g. RTT / 2), packetization, codec, ms */
} rtp_emodel_input;

/** R and MOS of a call from what a receiver measures, all other G.107
 *  inputs at their defaults: Ta = one_way_delay + jitter buffer delay,
 *  T = Ta and Tr = 2 Ta (echo path of the whole connection, as G.107
 *  assumes for a connection with echo cancellers: TELR 65 dB), Ppl, BurstR,
 *  Ie, Bpl as given. Jitter enters through the buffer delay only (the loss
 *  it causes belongs in loss_pct as discards). Returns 0 or
 *  RTP_ERR_INVALID (NULL, out-of-range input as rtp_emodel_compute). */
RTPDEF int rtp_emodel_estimate(const rtp_emodel_input *in, rtp_emodel_result *out);

/* ---- burst / gap metrics (RFC 3611 §4.7.2) ----------------------------- */

/** Default Gmin (RFC 3611 §4.7.2 recommends 16). */
#define RTP_BURST_GAP_GMIN 16u

/** Burst/gap tracker fed one packet at a time in sequence order (sans-IO:
 *  no clock; durations come from a packet duration). A burst is the
 *  longest run that starts and ends with a lost (or discarded) packet,
 *  holds fewer than Gmin consecutive received packets anywhere inside and
 *  at least two losses; an isolated loss (Gmin or more received packets on
 *  both sides) stays in the gap, as the RFC 3611 §4.7.2 Markov model
 *  counts it. Fields are private; read them with rtp_burst_gap_get(). */
typedef struct rtp_burst_gap {
    uint8_t gmin;
    uint8_t have_cand;        /* a loss opened a candidate burst */
    uint32_t run;             /* received since the last loss */
    uint64_t cand_pkts, cand_lost; /* candidate: first to last loss */
    uint64_t burst_pkts, burst_lost, bursts; /* closed bursts */
    uint64_t gap_pkts, gap_lost;   /* all gap packets (closed and open) */
    uint64_t open_gap;        /* packets of the gap in progress */
    uint64_t gaps_closed;     /* non-empty gaps ended by a burst */
    uint64_t received, lost;  /* all packets fed */
    uint64_t rl, lr;          /* transitions received->lost, lost->received */
    int last;                 /* -1 none, 0 received, 1 lost */
} rtp_burst_gap;

/** Metrics of RFC 3611 §4.7.2 as the VoIP metrics block carries them. */
typedef struct rtp_burst_gap_metrics {
    uint8_t burst_density;    /**< lost / packets in bursts, x256, <= 255 */
    uint8_t gap_density;      /**< lost / packets in gaps, x256, <= 255 */
    uint16_t burst_duration;  /**< mean burst, ms (0 without bursts) */
    uint16_t gap_duration;    /**< mean gap, ms (all packets when no burst) */
    uint64_t bursts;          /**< bursts so far (an open one included) */
} rtp_burst_gap_metrics;

/** Start a tracker; gmin 0 means RTP_BURST_GAP_GMIN (1..255). */
RTPDEF void rtp_burst_gap_init(rtp_burst_gap *bg, unsigned gmin);
/** One packet in sequence order: lost = 1 for a lost or discarded one,
 *  0 for one received and played. */
RTPDEF void rtp_burst_gap_put(rtp_burst_gap *bg, int lost);
/** Metrics now, the open burst or gap included, with packet_ms the audio
 *  of one packet in ms (durations saturate at 65535). No side effects. */
RTPDEF void rtp_burst_gap_get(const rtp_burst_gap *bg, double packet_ms,
                              rtp_burst_gap_metrics *m);
/** BurstR of G.107 §7.3 from the loss sequence (two-state Markov model:
 *  p = P(received -> lost), q = P(lost -> received), BurstR = 1/(p+q));
 *  1 when there is no loss or not enough data. */
RTPDEF double rtp_burst_gap_burst_r(const rtp_burst_gap *bg);

/* ---- RFC 3611 §4.7 VoIP metrics block ----------------------------------- */

/** rx_config (RFC 3611 §4.7.6): PLC bits 7-6, JBA bits 5-4, JB rate 3-0. */
#define RTCP_XR_VOIP_PLC_UNSPECIFIED 0x00u
#define RTCP_XR_VOIP_PLC_DISABLED 0x40u
#define RTCP_XR_VOIP_PLC_ENHANCED 0x80u
#define RTCP_XR_VOIP_PLC_STANDARD 0xC0u
#define RTCP_XR_VOIP_JB_UNKNOWN 0x00u
#define RTCP_XR_VOIP_JB_FIXED 0x20u
#define RTCP_XR_VOIP_JB_ADAPTIVE 0x30u
/** The "unavailable" value of signal, noise, RERL, R factors and MOS. */
#define RTCP_XR_VOIP_UNAVAILABLE 127

/** What rtp_xr_voip_fill() needs besides the source and the buffer. */
typedef struct rtp_xr_voip_info {
    double ie, bpl;            /**< codec (rtp_emodel_codec_params) */
    double packet_ms;          /**< audio per packet, ms (burst/gap
                                    durations, jitter buffer in ms) */
    uint32_t round_trip_ms;    /**< RTT (RFC 3550 LSR/DLSR), 0 unknown */
    uint32_t end_system_ms;    /**< our own delay (coding, buffering), 0
                                    unknown */
    uint8_t plc;               /**< RTCP_XR_VOIP_PLC_* */
} rtp_xr_voip_info;

/** Fill a VoIP metrics block (RFC 3611 §4.7) about src:
 *  - loss rate (§4.7.1): A.3 expected - received (negative: 0) over
 *    expected, x256, at most 255; discard rate: packets the jitter buffer
 *    dropped as late or out of window over expected;
 *  - burst/gap metrics and Gmin (§4.7.2) from bg (NULL: all zero, Gmin
 *    RTP_BURST_GAP_GMIN);
 *  - round trip and end system delay (§4.7.3) from info;
 *  - signal, noise, RERL (§4.7.4): 127, unavailable; external R: 127;
 *  - R factor (§4.7.5) from rtp_emodel_estimate() with the loss and
 *    discards, BurstR of bg, the jitter buffer delay and one-way delay
 *    RTT/2 + end system delay; MOS-CQ from that R and MOS-LQ from R with
 *    no delay (listening quality), both in tenths (10..45);
 *  - RX config and jitter buffer (§4.7.6): PLC from info, adaptive,
 *    JB rate 0; nominal = current depth, maximum = max(depth, target),
 *    abs max = cfg.max_depth, in ms (frames of cfg.frame_us); jb NULL:
 *    JBA unknown and zeros.
 *  Returns 0 or RTP_ERR_INVALID (NULL v, src or info, packet_ms not
 *  finite or negative, or an E-model input out of range). */
RTPDEF int rtp_xr_voip_fill(rtcp_xr_voip *v, const rtp_source *src,
                            const rtp_jb *jb, const rtp_burst_gap *bg,
                            const rtp_xr_voip_info *info);

#ifdef __cplusplus
}
#endif

#endif /* RTP_H */

/* ======================================================================== */

#if defined(RTP_IMPLEMENTATION) && !defined(RTP_IMPLEMENTATION_DONE)
/* Guarded so that headers built on this one (media_relay.h) may include
 * it again in the translation unit that holds the implementations. */
#define RTP_IMPLEMENTATION_DONE

#include <string.h>

RTPDEF const char *rtp_strerror(int err)
{
    switch (err) {
    case RTP_OK: return "success";
    case RTP_ERR_TRUNCATED: return "truncated packet";
    case RTP_ERR_VERSION: return "version is not 2";
    case RTP_ERR_PADDING: return "bad padding";
    case RTP_ERR_LENGTH: return "length field disagrees with the data";
    case RTP_ERR_TYPE: return "wrong packet or block type";
    case RTP_ERR_ORDER: return "compound RTCP rules violated";
    case RTP_ERR_NOSPACE: return "buffer too small";
    case RTP_ERR_INVALID: return "invalid argument";
    case RTP_ERR_NOT_FOUND: return "not found";
    case RTP_ERR_SYNTAX: return "malformed text";
    case RTP_ERR_UNSUPPORTED: return "unsupported extension form";
    case RTP_ERR_FULL: return "source table full";
    case RTP_ERR_CONFLICT: return "SSRC collision or loop";
    case RTP_ERR_STATE: return "session closed or reentrant call";
    case RTP_ERR_CALLBACK: return "callback failed";
    case RTP_ERR_SRTP_AUTH: return "SRTP authentication failed";
    case RTP_ERR_SRTP_REPLAY: return "SRTP replayed or too old packet";
    case RTP_ERR_SRTP_SUITE: return "unknown crypto suite";
    case RTP_ERR_SRTP_KEY: return "bad SRTP key, key length or MKI";
    case RTP_ERR_SRTP_UNAVAILABLE: return "crypto suite not available in this libsrtp2 build";
    case RTP_ERR_SRTP_LIB: return "SRTP library failure";
    default: return "unknown error";
    }
}

/* ---- byte helpers ------------------------------------------------------- */

static uint16_t rtp__be16(const uint8_t *p)
{
    return (uint16_t)(((unsigned)p[0] << 8) | p[1]);
}

static uint32_t rtp__be24(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static uint32_t rtp__be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t rtp__be64(const uint8_t *p)
{
    return ((uint64_t)rtp__be32(p) << 32) | rtp__be32(p + 4);
}

RTPDEF uint32_t rtp_u32_at(const uint8_t *list, unsigned i)
{
    return rtp__be32(list + 4 * (size_t)i);
}

static rtp_span rtp__span(const uint8_t *p, size_t len)
{
    rtp_span s;
    s.p = p;
    s.len = len;
    return s;
}

/* Output cursor that counts past the end so callers learn the size needed. */
typedef struct rtp__w {
    uint8_t *out;
    size_t cap, n;
} rtp__w;

static void rtp__w_init(rtp__w *w, uint8_t *out, size_t cap)
{
    w->out = out;
    w->cap = cap;
    w->n = 0;
}

static void rtp__put(rtp__w *w, const uint8_t *p, size_t len)
{
    if (w->out && len && w->n + len <= w->cap) {
        if (p) memcpy(w->out + w->n, p, len);
        else memset(w->out + w->n, 0, len);
    }
    w->n += len;
}

static void rtp__put8(rtp__w *w, unsigned v)
{
    if (w->out && w->n < w->cap) w->out[w->n] = (uint8_t)v;
    w->n++;
}

static void rtp__put16(rtp__w *w, unsigned v)
{
    rtp__put8(w, (v >> 8) & 0xff);
    rtp__put8(w, v & 0xff);
}

static void rtp__put24(rtp__w *w, uint32_t v)
{
    rtp__put8(w, (v >> 16) & 0xff);
    rtp__put16(w, v & 0xffff);
}

static void rtp__put32(rtp__w *w, uint32_t v)
{
    rtp__put16(w, (v >> 16) & 0xffff);
    rtp__put16(w, v & 0xffff);
}

static void rtp__put64(rtp__w *w, uint64_t v)
{
    rtp__put32(w, (uint32_t)(v >> 32));
    rtp__put32(w, (uint32_t)v);
}

/* Overwrite a 16-bit value at an offset already written (if it fit). */
static void rtp__patch16(rtp__w *w, size_t at, unsigned v)
{
    if (w->out && at + 2 <= w->cap && at + 2 <= w->n) {
        w->out[at] = (uint8_t)(v >> 8);
        w->out[at + 1] = (uint8_t)v;
    }
}

static int rtp__w_done(const rtp__w *w, size_t *needed)
{
    if (needed) *needed = w->n;
    if (!w->out || w->n > w->cap) return RTP_ERR_NOSPACE;
    if (w->n > 0x7fffffff) return RTP_ERR_INVALID;
    return (int)w->n;
}

/* ---- RTP ---------------------------------------------------------------- */

/* Every field is assigned on every path rather than memset first: the
 * fixed header is the hot path of a media receiver (bench/media.sh). */
static int rtp__parse_fail(rtp_header *h, int err)
{
    memset(h, 0, sizeof *h);
    return err;
}

RTPDEF int rtp_parse(const uint8_t *buf, size_t len, rtp_header *h)
{
    size_t off, end, xl = 0;
    unsigned b0, pad = 0;
    if (!h || (!buf && len)) return RTP_ERR_INVALID;
    if (len < 12) return rtp__parse_fail(h, RTP_ERR_TRUNCATED);
    b0 = buf[0];
    if ((b0 >> 6) != 2) return rtp__parse_fail(h, RTP_ERR_VERSION);
    off = 12 + 4 * (size_t)(b0 & 15);
    if (len < off) return rtp__parse_fail(h, RTP_ERR_TRUNCATED);
    h->ext_profile = 0;
    h->ext.p = NULL;
    if (b0 & 0x10) {
        if (len - off < 4) return rtp__parse_fail(h, RTP_ERR_TRUNCATED);
        h->ext_profile = rtp__be16(buf + off);
        xl = 4 * (size_t)rtp__be16(buf + off + 2);
        off += 4;
        if (len - off < xl) return rtp__parse_fail(h, RTP_ERR_TRUNCATED);
        h->ext.p = buf + off;
        off += xl;
    }
    end = len;
    if (b0 & 0x20) {
        pad = buf[len - 1];
        if (pad == 0 || pad > len - off) return rtp__parse_fail(h, RTP_ERR_PADDING);
        end -= pad;
    }
    h->version = 2;
    h->padding = (uint8_t)((b0 >> 5) & 1);
    h->extension = (uint8_t)((b0 >> 4) & 1);
    h->csrc_count = (uint8_t)(b0 & 15);
    h->marker = (uint8_t)(buf[1] >> 7);
    h->payload_type = (uint8_t)(buf[1] & 0x7f);
    h->seq = rtp__be16(buf + 2);
    h->timestamp = rtp__be32(buf + 4);
    h->ssrc = rtp__be32(buf + 8);
    h->csrc = (b0 & 15) ? buf + 12 : NULL;
    h->ext.len = xl;
    h->padding_len = (uint8_t)pad;
    h->header_len = off;
    h->payload.p = buf + off;
    h->payload.len = end - off;
    return 0;
}

RTPDEF int rtp_build(const rtp_packet_desc *d, uint8_t *out, size_t cap,
                     size_t *needed)
{
    rtp__w w;
    unsigned i;
    if (needed) *needed = 0;
    if (!d || d->payload_type > 127 || d->csrc_count > 15 || d->marker > 1 ||
        d->extension > 1 || (d->csrc_count && !d->csrc))
        return RTP_ERR_INVALID;
    if (d->extension && (d->ext_len % 4 || d->ext_len / 4 > 0xffff ||
                         (d->ext_len && !d->ext)))
        return RTP_ERR_INVALID;
    if (d->payload_len && !d->payload) return RTP_ERR_INVALID;
    if (d->payload_len > 0x7fffffff) return RTP_ERR_INVALID;
    rtp__w_init(&w, out, cap);
    rtp__put8(&w, 0x80u | (d->padding_len ? 0x20u : 0) | (d->extension ? 0x10u : 0) |
                      d->csrc_count);
    rtp__put8(&w, ((unsigned)d->marker << 7) | d->payload_type);
    rtp__put16(&w, d->seq);
    rtp__put32(&w, d->timestamp);
    rtp__put32(&w, d->ssrc);
    for (i = 0; i < d->csrc_count; i++) rtp__put32(&w, d->csrc[i]);
    if (d->extension) {
        rtp__put16(&w, d->ext_profile);
        rtp__put16(&w, (unsigned)(d->ext_len / 4));
        rtp__put(&w, d->ext, d->ext_len);
    }
    rtp__put(&w, d->payload, d->payload_len);
    if (d->padding_len) {
        rtp__put(&w, NULL, (size_t)d->padding_len - 1);
        rtp__put8(&w, d->padding_len);
    }
    return rtp__w_done(&w, needed);
}

/* ---- header extensions -------------------------------------------------- */

RTPDEF rtp_ext_form rtp_ext_form_of(uint16_t profile)
{
    if (profile == RTP_EXT_PROFILE_ONE_BYTE) return RTP_EXT_FORM_ONE_BYTE;
    if ((profile & 0xfff0u) == RTP_EXT_PROFILE_TWO_BYTE) return RTP_EXT_FORM_TWO_BYTE;
    return RTP_EXT_FORM_NONE;
}

RTPDEF int rtp_ext_iter_init_block(rtp_ext_iter *it, uint16_t profile,
                                   rtp_span block)
{
    memset(it, 0, sizeof *it);
    it->form = rtp_ext_form_of(profile);
    if (it->form == RTP_EXT_FORM_NONE) return RTP_ERR_UNSUPPORTED;
    it->p = block.p;
    it->len = block.p ? block.len : 0;
    return 0;
}

RTPDEF int rtp_ext_iter_init(rtp_ext_iter *it, const rtp_header *h)
{
    if (!h->extension) {
        memset(it, 0, sizeof *it);
        it->form = RTP_EXT_FORM_ONE_BYTE;
        return 0;
    }
    return rtp_ext_iter_init_block(it, h->ext_profile, h->ext);
}

RTPDEF int rtp_ext_next(rtp_ext_iter *it, rtp_ext_elem *e)
{
    while (it->pos < it->len) {
        unsigned b = it->p[it->pos];
        size_t l;
        if (it->form == RTP_EXT_FORM_ONE_BYTE) {
            unsigned id = b >> 4;
            if (id == 0) { /* padding (§4.2) */
                it->pos++;
                continue;
            }
            if (id == 15) { /* reserved: stop processing (§4.2) */
                it->pos = it->len;
                return 0;
            }
            l = (size_t)(b & 15) + 1;
            if (it->len - it->pos - 1 < l) return RTP_ERR_LENGTH;
            e->id = (uint8_t)id;
            e->data = rtp__span(it->p + it->pos + 1, l);
            it->pos += 1 + l;
            return 1;
        }
        if (b == 0) { /* padding (§4.3) */
            it->pos++;
            continue;
        }
        if (it->len - it->pos < 2) return RTP_ERR_LENGTH;
        l = it->p[it->pos + 1];
        if (it->len - it->pos - 2 < l) return RTP_ERR_LENGTH;
        e->id = (uint8_t)b;
        e->data = rtp__span(it->p + it->pos + 2, l);
        it->pos += 2 + l;
        return 1;
    }
    return 0;
}

RTPDEF int rtp_ext_find(const rtp_header *h, uint8_t id, rtp_span *data)
{
    rtp_ext_iter it;
    rtp_ext_elem e;
    int r = rtp_ext_iter_init(&it, h);
    if (r) return r;
    while ((r = rtp_ext_next(&it, &e)) == 1) {
        if (e.id == id) {
            if (data) *data = e.data;
            return 1;
        }
    }
    return r;
}

RTPDEF void rtp_ext_writer_init(rtp_ext_writer *w, rtp_ext_form form,
                                uint8_t *out, size_t cap)
{
    w->out = out;
    w->cap = cap;
    w->n = 0;
    w->form = form;
    w->err = (form == RTP_EXT_FORM_ONE_BYTE || form == RTP_EXT_FORM_TWO_BYTE)
                 ? 0 : RTP_ERR_INVALID;
}

RTPDEF int rtp_ext_writer_add(rtp_ext_writer *w, uint8_t id,
                              const uint8_t *data, size_t len)
{
    rtp__w o;
    if (w->err == RTP_ERR_INVALID) return RTP_ERR_INVALID;
    if (len && !data) return RTP_ERR_INVALID;
    if (w->form == RTP_EXT_FORM_ONE_BYTE) {
        if (id < 1 || id > 14 || len < 1 || len > 16) return RTP_ERR_INVALID;
    } else {
        if (id < 1 || len > 255) return RTP_ERR_INVALID;
    }
    rtp__w_init(&o, w->out, w->cap);
    o.n = w->n;
    if (w->form == RTP_EXT_FORM_ONE_BYTE) {
        rtp__put8(&o, ((unsigned)id << 4) | (unsigned)(len - 1));
    } else {
        rtp__put8(&o, id);
        rtp__put8(&o, (unsigned)len);
    }
    rtp__put(&o, data, len);
    w->n = o.n;
    return 0;
}

RTPDEF int rtp_ext_writer_finish(rtp_ext_writer *w, size_t *needed)
{
    rtp__w o;
    if (needed) *needed = 0;
    if (w->err) return w->err;
    rtp__w_init(&o, w->out, w->cap);
    o.n = w->n;
    while (o.n % 4) rtp__put8(&o, 0);
    w->n = o.n;
    if (o.n / 4 > 0xffff) return RTP_ERR_INVALID;
    return rtp__w_done(&o, needed);
}

RTPDEF int rtp_ext_audio_level_parse(rtp_span d, int *voice, uint8_t *level)
{
    if (!d.p || d.len < 1) return RTP_ERR_LENGTH;
    if (voice) *voice = d.p[0] >> 7;
    if (level) *level = (uint8_t)(d.p[0] & 0x7f);
    return 0;
}

RTPDEF int rtp_ext_audio_level_build(int voice, unsigned level, uint8_t out[1])
{
    if (level > 127) return RTP_ERR_INVALID;
    out[0] = (uint8_t)((voice ? 0x80u : 0) | level);
    return 1;
}

RTPDEF int rtp_ext_video_orientation_parse(rtp_span d, rtp_video_orientation *v)
{
    if (!d.p || d.len < 1) return RTP_ERR_LENGTH;
    v->camera = (uint8_t)((d.p[0] >> 3) & 1);
    v->flip = (uint8_t)((d.p[0] >> 2) & 1);
    v->rotation = (uint8_t)(d.p[0] & 3);
    return 0;
}

RTPDEF int rtp_ext_video_orientation_build(const rtp_video_orientation *v,
                                           uint8_t out[1])
{
    if (v->camera > 1 || v->flip > 1 || v->rotation > 3) return RTP_ERR_INVALID;
    out[0] = (uint8_t)((unsigned)v->camera << 3 | (unsigned)v->flip << 2 | v->rotation);
    return 1;
}

RTPDEF int rtp_ext_transport_seq_parse(rtp_span d, uint16_t *seq)
{
    if (!d.p || d.len < 2) return RTP_ERR_LENGTH;
    *seq = rtp__be16(d.p);
    return 0;
}

RTPDEF int rtp_ext_transport_seq_build(uint16_t seq, uint8_t out[2])
{
    out[0] = (uint8_t)(seq >> 8);
    out[1] = (uint8_t)seq;
    return 2;
}

RTPDEF int rtp_ext_abs_send_time_parse(rtp_span d, uint32_t *t24)
{
    if (!d.p || d.len < 3) return RTP_ERR_LENGTH;
    *t24 = rtp__be24(d.p);
    return 0;
}

RTPDEF int rtp_ext_abs_send_time_build(uint32_t t24, uint8_t out[3])
{
    out[0] = (uint8_t)(t24 >> 16);
    out[1] = (uint8_t)(t24 >> 8);
    out[2] = (uint8_t)t24;
    return 3;
}

RTPDEF uint32_t rtp_abs_send_time_from_us(uint64_t us)
{
    uint64_t t = us % 64000000u;
    return (uint32_t)(((t << 18) + 500000u) / 1000000u) & 0xffffffu;
}

RTPDEF uint64_t rtp_abs_send_time_to_us(uint32_t t24)
{
    return (((uint64_t)(t24 & 0xffffffu) * 1000000u) + (1u << 17)) >> 18;
}

static int rtp__is_token_char(unsigned c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`{|}~", (int)c) != NULL;
}

RTPDEF int rtp_ext_mid_parse(rtp_span d, rtp_span *mid)
{
    size_t i;
    if (!d.p || d.len == 0) return RTP_ERR_SYNTAX;
    for (i = 0; i < d.len; i++)
        if (!rtp__is_token_char(d.p[i])) return RTP_ERR_SYNTAX;
    *mid = d;
    return 0;
}

RTPDEF int rtp_ext_rid_parse(rtp_span d, rtp_span *rid)
{
    size_t i;
    if (!d.p || d.len == 0) return RTP_ERR_SYNTAX;
    for (i = 0; i < d.len; i++) {
        unsigned c = d.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return RTP_ERR_SYNTAX;
    }
    *rid = d;
    return 0;
}

/* ---- RTCP compound ------------------------------------------------------ */

RTPDEF void rtcp_walk_init(rtcp_walker *w, const uint8_t *buf, size_t len,
                           unsigned flags)
{
    w->buf = buf;
    w->len = buf ? len : 0;
    w->pos = 0;
    w->n = 0;
    w->flags = flags;
    w->err = 0;
}

/* One packet header at p (rest bytes available); fills *pk. */
static inline int rtp__rtcp_one(const uint8_t *p, size_t rest, rtcp_packet *pk)
{
    size_t plen;
    if (rest < 4) return RTP_ERR_TRUNCATED;
    if ((p[0] >> 6) != 2) return RTP_ERR_VERSION;
    plen = 4 * ((size_t)rtp__be16(p + 2) + 1);
    if (plen > rest) return RTP_ERR_TRUNCATED;
    pk->padding = (uint8_t)((p[0] >> 5) & 1);
    pk->count = (uint8_t)(p[0] & 31);
    pk->pt = p[1];
    pk->raw = p;
    pk->len = plen;
    pk->body = rtp__span(p + 4, plen - 4);
    if (pk->padding) {
        unsigned pad = p[plen - 1];
        if (pad == 0 || pad > plen - 4) return RTP_ERR_PADDING;
        pk->body.len -= pad;
    }
    return 0;
}

RTPDEF int rtcp_walk_next(rtcp_walker *w, rtcp_packet *p)
{
    int r;
    if (w->err) return w->err;
    if (w->pos >= w->len) {
        if (w->n == 0) return w->err = RTP_ERR_TRUNCATED;
        return 0;
    }
    r = rtp__rtcp_one(w->buf + w->pos, w->len - w->pos, p);
    if (r) return w->err = r;
    if (w->n == 0 && !(w->flags & RTCP_REDUCED_SIZE) &&
        p->pt != RTCP_SR && p->pt != RTCP_RR)
        return w->err = RTP_ERR_TYPE;
    if (p->padding && w->pos + p->len != w->len) return w->err = RTP_ERR_PADDING;
    w->pos += p->len;
    w->n++;
    return 1;
}

RTPDEF int rtcp_compound_check(const uint8_t *buf, size_t len, unsigned flags)
{
    rtcp_walker w;
    rtcp_packet p;
    int r;
    rtcp_walk_init(&w, buf, len, flags);
    while ((r = rtcp_walk_next(&w, &p)) == 1) {}
    return r ? r : (int)w.n;
}

/* ---- SR / RR ------------------------------------------------------------ */

RTPDEF int rtcp_report_parse(const rtcp_packet *p, rtcp_report *r)
{
    size_t need;
    const uint8_t *b = p->body.p;
    int is_sr = p->pt == RTCP_SR;
    if (!is_sr && p->pt != RTCP_RR) return memset(r, 0, sizeof *r), RTP_ERR_TYPE;
    need = (is_sr ? 24u : 4u) + 24 * (size_t)p->count;
    if (p->body.len < need) return memset(r, 0, sizeof *r), RTP_ERR_LENGTH;
    r->is_sr = is_sr;
    r->ssrc = rtp__be32(b);
    if (is_sr) {
        r->si.ntp = rtp__be64(b + 4);
        r->si.rtp_ts = rtp__be32(b + 12);
        r->si.packet_count = rtp__be32(b + 16);
        r->si.octet_count = rtp__be32(b + 20);
    } else {
        memset(&r->si, 0, sizeof r->si);
    }
    r->rb_count = p->count;
    r->rb = p->count ? b + (r->is_sr ? 24 : 4) : NULL;
    r->ext = rtp__span(b + need, p->body.len - need);
    return 0;
}

RTPDEF void rtcp_report_block_get(const rtcp_report *r, unsigned i,
                                  rtcp_report_block *b)
{
    const uint8_t *q = r->rb + 24 * (size_t)i;
    uint32_t cl = rtp__be24(q + 5);
    b->ssrc = rtp__be32(q);
    b->fraction_lost = q[4];
    b->cumulative_lost = (cl & 0x800000u) ? (int32_t)cl - 0x1000000 : (int32_t)cl;
    b->ext_highest_seq = rtp__be32(q + 8);
    b->jitter = rtp__be32(q + 12);
    b->lsr = rtp__be32(q + 16);
    b->dlsr = rtp__be32(q + 20);
}

RTPDEF int rtcp_report_build(uint32_t ssrc, const rtcp_sender_info *si,
                             const rtcp_report_block *rb, unsigned n,
                             uint8_t *out, size_t cap, size_t *needed)
{
    rtp__w w;
    unsigned i;
    size_t len = 8 + (si ? 20u : 0u) + 24 * (size_t)n;
    if (needed) *needed = 0;
    if (n > 31 || (n && !rb)) return RTP_ERR_INVALID;
    rtp__w_init(&w, out, cap);
    rtp__put8(&w, 0x80u | n);
    rtp__put8(&w, si ? RTCP_SR : RTCP_RR);
    rtp__put16(&w, (unsigned)(len / 4 - 1));
    rtp__put32(&w, ssrc);
    if (si) {
        rtp__put64(&w, si->ntp);
        rtp__put32(&w, si->rtp_ts);
        rtp__put32(&w, si->packet_count);
        rtp__put32(&w, si->octet_count);
    }
    for (i = 0; i < n; i++) {
        int32_t cl = rb[i].cumulative_lost;
        if (cl > 0x7fffff) cl = 0x7fffff;
        if (cl < -0x800000) cl = -0x800000;
        rtp__put32(&w, rb[i].ssrc);
        rtp__put8(&w, rb[i].fraction_lost);
        rtp__put24(&w, (uint32_t)cl & 0xffffffu);
        rtp__put32(&w, rb[i].ext_highest_seq);
        rtp__put32(&w, rb[i].jitter);
        rtp__put32(&w, rb[i].lsr);
        rtp__put32(&w, rb[i].dlsr);
    }
    return rtp__w_done(&w, needed);
}

/* ---- NTP time ----------------------------------------------------------- */

RTPDEF uint64_t rtcp_ntp_from_us(uint64_t us)
{
    uint64_t s = us / 1000000u, f = us % 1000000u;
    return (s << 32) + ((f << 32) / 1000000u);
}

RTPDEF uint64_t rtcp_ntp_to_us(uint64_t ntp)
{
    uint64_t s = ntp >> 32, f = ntp & 0xffffffffu;
    return s * 1000000u + ((f * 1000000u + 0x80000000u) >> 32);
}

RTPDEF uint64_t rtcp_ntp_from_unix_us(uint64_t unix_us)
{
    uint64_t ntp = rtcp_ntp_from_us(unix_us);
    return ntp + ((uint64_t)RTCP_NTP_UNIX_OFFSET << 32);
}

RTPDEF uint64_t rtcp_ntp_to_unix_us(uint64_t ntp)
{
    uint64_t s = ntp >> 32;
    uint64_t sec = s >= RTCP_NTP_UNIX_OFFSET ? s - RTCP_NTP_UNIX_OFFSET
                                             : s + 0x100000000ull - RTCP_NTP_UNIX_OFFSET;
    return rtcp_ntp_to_us((sec << 32) | (ntp & 0xffffffffu));
}

RTPDEF uint32_t rtcp_ntp_mid32(uint64_t ntp) { return (uint32_t)(ntp >> 16); }

RTPDEF uint32_t rtcp_dlsr_from_us(uint64_t us)
{
    uint64_t v;
    if (us >= 65536000000ull) return 0xffffffffu;
    v = ((us << 16) + 500000u) / 1000000u;
    return v > 0xffffffffu ? 0xffffffffu : (uint32_t)v;
}

RTPDEF uint64_t rtcp_dlsr_to_us(uint32_t dlsr)
{
    return ((uint64_t)dlsr * 1000000u + 32768u) >> 16;
}

/* ---- SDES --------------------------------------------------------------- */

RTPDEF int rtcp_sdes_iter_init(rtcp_sdes_iter *it, const rtcp_packet *p)
{
    memset(it, 0, sizeof *it);
    if (p->pt != RTCP_SDES) return RTP_ERR_TYPE;
    it->p = p->body.p;
    it->len = p->body.len;
    it->chunks = p->count;
    return 0;
}

/* Position and length are kept in locals (written back on return) so the
 * compiler need not reload them after each store into *item. */
RTPDEF int rtcp_sdes_next(rtcp_sdes_iter *it, rtcp_sdes_item *item)
{
    const uint8_t *q = it->p;
    size_t pos = it->pos, len = it->len, l;
    unsigned t;
    if (it->err) return it->err;
    for (;;) {
        if (!it->in_chunk) {
            if (it->chunk == it->chunks) {
                if (pos != len) return it->pos = pos, it->err = RTP_ERR_LENGTH;
                it->pos = pos;
                return 0;
            }
            if (len - pos < 4) return it->pos = pos, it->err = RTP_ERR_LENGTH;
            it->ssrc = rtp__be32(q + pos);
            pos += 4;
            it->in_chunk = 1;
        }
        if (pos >= len) return it->pos = pos, it->err = RTP_ERR_LENGTH;
        t = q[pos];
        if (t != RTCP_SDES_END) break;
        /* null octet, then zeros to the next 32-bit boundary */
        pos = (pos + 4) & ~(size_t)3;
        if (pos > len) return it->pos = len, it->err = RTP_ERR_LENGTH;
        it->in_chunk = 0;
        it->chunk++;
    }
    if (len - pos < 2) return it->pos = pos, it->err = RTP_ERR_LENGTH;
    l = q[pos + 1];
    if (len - pos - 2 < l) return it->pos = pos, it->err = RTP_ERR_LENGTH;
    item->ssrc = it->ssrc;
    item->chunk = it->chunk;
    item->type = (uint8_t)t;
    item->prefix.p = NULL;
    item->prefix.len = 0;
    item->value = rtp__span(q + pos + 2, l);
    if (t == RTCP_SDES_PRIV) {
        size_t pl;
        if (l < 1) return it->pos = pos, it->err = RTP_ERR_LENGTH;
        pl = q[pos + 2];
        if (pl > l - 1) return it->pos = pos, it->err = RTP_ERR_LENGTH;
        item->prefix = rtp__span(q + pos + 3, pl);
        item->value = rtp__span(q + pos + 3 + pl, l - 1 - pl);
    }
    it->pos = pos + 2 + l;
    return 1;
}

RTPDEF int rtcp_sdes_build(const rtcp_sdes_chunk *chunks, unsigned n,
                           uint8_t *out, size_t cap, size_t *needed)
{
    rtp__w w;
    unsigned i, j;
    if (needed) *needed = 0;
    if (n > 31 || (n && !chunks)) return RTP_ERR_INVALID;
    for (i = 0; i < n; i++) {
        if (chunks[i].n_items && !chunks[i].items) return RTP_ERR_INVALID;
        for (j = 0; j < chunks[i].n_items; j++) {
            const rtcp_sdes_item *it = &chunks[i].items[j];
            size_t l = it->value.len;
            if (it->type == 0 || (l && !it->value.p)) return RTP_ERR_INVALID;
            if (it->type == RTCP_SDES_PRIV) {
                if (it->prefix.len > 255 || (it->prefix.len && !it->prefix.p))
                    return RTP_ERR_INVALID;
                l += 1 + it->prefix.len;
            }
            if (l > 255) return RTP_ERR_INVALID;
        }
    }
    rtp__w_init(&w, out, cap);
    rtp__put8(&w, 0x80u | n);
    rtp__put8(&w, RTCP_SDES);
    rtp__put16(&w, 0);
    for (i = 0; i < n; i++) {
        rtp__put32(&w, chunks[i].ssrc);
        for (j = 0; j < chunks[i].n_items; j++) {
            const rtcp_sdes_item *it = &chunks[i].items[j];
            rtp__put8(&w, it->type);
            if (it->type == RTCP_SDES_PRIV) {
                rtp__put8(&w, (unsigned)(1 + it->prefix.len + it->value.len));
                rtp__put8(&w, (unsigned)it->prefix.len);
                rtp__put(&w, it->prefix.p, it->prefix.len);
            } else {
                rtp__put8(&w, (unsigned)it->value.len);
            }
            rtp__put(&w, it->value.p, it->value.len);
        }
        rtp__put8(&w, 0);
        while (w.n % 4) rtp__put8(&w, 0);
    }
    if (w.n / 4 - 1 > 0xffff) return RTP_ERR_INVALID;
    rtp__patch16(&w, 2, (unsigned)(w.n / 4 - 1));
    return rtp__w_done(&w, needed);
}

/* ---- BYE, APP ----------------------------------------------------------- */

RTPDEF int rtcp_bye_parse(const rtcp_packet *p, rtcp_bye *b)
{
    size_t off;
    memset(b, 0, sizeof *b);
    if (p->pt != RTCP_BYE) return RTP_ERR_TYPE;
    off = 4 * (size_t)p->count;
    if (p->body.len < off) return RTP_ERR_LENGTH;
    b->count = p->count;
    b->ssrcs = p->count ? p->body.p : NULL;
    if (p->body.len > off) {
        size_t rl = p->body.p[off];
        if (p->body.len - off - 1 < rl) return RTP_ERR_LENGTH;
        b->reason = rtp__span(p->body.p + off + 1, rl);
    }
    return 0;
}

RTPDEF int rtcp_bye_build(const uint32_t *ssrcs, unsigned n, rtp_span reason,
                          uint8_t *out, size_t cap, size_t *needed)
{
    rtp__w w;
    unsigned i;
    if (needed) *needed = 0;
    if (n > 31 || (n && !ssrcs) || reason.len > 255 || (reason.len && !reason.p))
        return RTP_ERR_INVALID;
    rtp__w_init(&w, out, cap);
    rtp__put8(&w, 0x80u | n);
    rtp__put8(&w, RTCP_BYE);
    rtp__put16(&w, 0);
    for (i = 0; i < n; i++) rtp__put32(&w, ssrcs[i]);
    if (reason.p) {
        rtp__put8(&w, (unsigned)reason.len);
        rtp__put(&w, reason.p, reason.len);
        while (w.n % 4) rtp__put8(&w, 0);
    }
    rtp__patch16(&w, 2, (unsigned)(w.n / 4 - 1));
    return rtp__w_done(&w, needed);
}

RTPDEF int rtcp_app_parse(const rtcp_packet *p, rtcp_app *a)
{
    memset(a, 0, sizeof *a);
    if (p->pt != RTCP_APP) return RTP_ERR_TYPE;
    if (p->body.len < 8) return RTP_ERR_LENGTH;
    a->subtype = p->count;
    a->ssrc = rtp__be32(p->body.p);
    memcpy(a->name, p->body.p + 4, 4);
    a->data = rtp__span(p->body.p + 8, p->body.len - 8);
    return 0;
}

RTPDEF int rtcp_app_build(uint8_t subtype, uint32_t ssrc, const uint8_t name[4],
                          const uint8_t *data, size_t data_len, uint8_t *out,
                          size_t cap, size_t *needed)
{
    rtp__w w;
    if (needed) *needed = 0;
    if (subtype > 31 || !name || data_len % 4 || (data_len && !data) ||
        data_len / 4 > 0xffff - 2)
        return RTP_ERR_INVALID;
    rtp__w_init(&w, out, cap);
    rtp__put8(&w, 0x80u | subtype);
    rtp__put8(&w, RTCP_APP);
    rtp__put16(&w, (unsigned)(2 + data_len / 4));
    rtp__put32(&w, ssrc);
    rtp__put(&w, name, 4);
    rtp__put(&w, data, data_len);
    return rtp__w_done(&w, needed);
}

/* ---- XR ----------------------------------------------------------------- */

RTPDEF int rtcp_xr_parse(const rtcp_packet *p, rtcp_xr *xr)
{
    memset(xr, 0, sizeof *xr);
    if (p->pt != RTCP_XR) return RTP_ERR_TYPE;
    if (p->body.len < 4) return RTP_ERR_LENGTH;
    xr->ssrc = rtp__be32(p->body.p);
    xr->blocks = rtp__span(p->body.p + 4, p->body.len - 4);
    return 0;
}

RTPDEF void rtcp_xr_iter_init(rtcp_xr_iter *it, const rtcp_xr *xr)
{
    it->p = xr->blocks.p;
    it->len = xr->blocks.p ? xr->blocks.len : 0;
    it->pos = 0;
}

RTPDEF int rtcp_xr_next(rtcp_xr_iter *it, rtcp_xr_block *b)
{
    size_t bl;
    const uint8_t *q;
    if (it->pos >= it->len) return 0;
    if (it->len - it->pos < 4) return RTP_ERR_LENGTH;
    q = it->p + it->pos;
    bl = 4 * (size_t)rtp__be16(q + 2);
    if (it->len - it->pos - 4 < bl) return RTP_ERR_LENGTH;
    b->bt = q[0];
    b->type_specific = q[1];
    b->body = rtp__span(q + 4, bl);
    it->pos += 4 + bl;
    return 1;
}

RTPDEF int rtcp_xr_rrt_parse(const rtcp_xr_block *b, uint64_t *ntp)
{
    if (b->bt != RTCP_XR_RRT) return RTP_ERR_TYPE;
    if (b->body.len != 8) return RTP_ERR_LENGTH;
    *ntp = rtp__be64(b->body.p);
    return 0;
}

static void rtp__xr_hdr(rtp__w *w, unsigned bt, unsigned ts, size_t body)
{
    rtp__put8(w, bt);
    rtp__put8(w, ts);
    rtp__put16(w, (unsigned)(body / 4));
}

RTPDEF int rtcp_xr_rrt_build(uint64_t ntp, uint8_t *out, size_t cap,
                             size_t *needed)
{
    rtp__w w;
    rtp__w_init(&w, out, cap);
    rtp__xr_hdr(&w, RTCP_XR_RRT, 0, 8);
    rtp__put64(&w, ntp);
    return rtp__w_done(&w, needed);
}

RTPDEF int rtcp_xr_dlrr_count(const rtcp_xr_block *b)
{
    if (b->bt != RTCP_XR_DLRR) return RTP_ERR_TYPE;
    if (b->body.len % 12) return RTP_ERR_LENGTH;
    return (int)(b->body.len / 12);
}

RTPDEF void rtcp_xr_dlrr_get(const rtcp_xr_block *b, unsigned i,
                             rtcp_xr_dlrr_item *item)
{
    const uint8_t *q = b->body.p + 12 * (size_t)i;
    item->ssrc = rtp__be32(q);
    item->lrr = rtp__be32(q + 4);
    item->dlrr = rtp__be32(q + 8);
}

RTPDEF int rtcp_xr_dlrr_build(const rtcp_xr_dlrr_item *items, unsigned n,
                              uint8_t *out, size_t cap, size_t *needed)
{
    rtp__w w;
    unsigned i;
    if (needed) *needed = 0;
    if (n > 5461 || (n && !items)) return RTP_ERR_INVALID;
    rtp__w_init(&w, out, cap);
    rtp__xr_hdr(&w, RTCP_XR_DLRR, 0, 12 * (size_t)n);
    for (i = 0; i < n; i++) {
        rtp__put32(&w, items[i].ssrc);
        rtp__put32(&w, items[i].lrr);
        rtp__put32(&w, items[i].dlrr);
    }
    return rtp__w_done(&w, needed);
}

RTPDEF int rtcp_xr_stats_parse(const rtcp_xr_block *b, rtcp_xr_stats *s)
{
    const uint8_t *q = b->body.p;
    if (b->bt != RTCP_XR_STATS) return RTP_ERR_TYPE;
    if (b->body.len != 36) return RTP_ERR_LENGTH;
    s->loss_flag = (uint8_t)(b->type_specific >> 7);
    s->dup_flag = (uint8_t)((b->type_specific >> 6) & 1);
    s->jitter_flag = (uint8_t)((b->type_specific >> 5) & 1);
    s->toh = (uint8_t)((b->type_specific >> 3) & 3);
    s->ssrc = rtp__be32(q);
    s->begin_seq = rtp__be16(q + 4);
    s->end_seq = rtp__be16(q + 6);
    s->lost_packets = rtp__be32(q + 8);
    s->dup_packets = rtp__be32(q + 12);
    s->min_jitter = rtp__be32(q + 16);
    s->max_jitter = rtp__be32(q + 20);
    s->mean_jitter = rtp__be32(q + 24);
    s->dev_jitter = rtp__be32(q + 28);
    s->min_ttl_or_hl = q[32];
    s->max_ttl_or_hl = q[33];
    s->mean_ttl_or_hl = q[34];
    s->dev_ttl_or_hl = q[35];
    return 0;
}

RTPDEF int rtcp_xr_stats_build(const rtcp_xr_stats *s, uint8_t *out, size_t cap,
                               size_t *needed)
{
    rtp__w w;
    if (needed) *needed = 0;
    if (s->loss_flag > 1 || s->dup_flag > 1 || s->jitter_flag > 1 || s->toh > 3)
        return RTP_ERR_INVALID;
    rtp__w_init(&w, out, cap);
    rtp__xr_hdr(&w, RTCP_XR_STATS,
                (unsigned)s->loss_flag << 7 | (unsigned)s->dup_flag << 6 |
                    (unsigned)s->jitter_flag << 5 | (unsigned)s->toh << 3,
                36);
    rtp__put32(&w, s->ssrc);
    rtp__put16(&w, s->begin_seq);
    rtp__put16(&w, s->end_seq);
    rtp__put32(&w, s->lost_packets);
    rtp__put32(&w, s->dup_packets);
    rtp__put32(&w, s->min_jitter);
    rtp__put32(&w, s->max_jitter);
    rtp__put32(&w, s->mean_jitter);
    rtp__put32(&w, s->dev_jitter);
    rtp__put8(&w, s->min_ttl_or_hl);
    rtp__put8(&w, s->max_ttl_or_hl);
    rtp__put8(&w, s->mean_ttl_or_hl);
    rtp__put8(&w, s->dev_ttl_or_hl);
    return rtp__w_done(&w, needed);
}

static int8_t rtp__s8(unsigned b)
{
    return (int8_t)(b < 128 ? (int)b : (int)b - 256);
}

RTPDEF int rtcp_xr_voip_parse(const rtcp_xr_block *b, rtcp_xr_voip *v)
{
    const uint8_t *q = b->body.p;
    if (b->bt != RTCP_XR_VOIP) return RTP_ERR_TYPE;
    if (b->body.len != 32) return RTP_ERR_LENGTH;
    v->ssrc = rtp__be32(q);
    v->loss_rate = q[4];
    v->discard_rate = q[5];
    v->burst_density = q[6];
    v->gap_density = q[7];
    v->burst_duration = rtp__be16(q + 8);
    v->gap_duration = rtp__be16(q + 10);
    v->round_trip_delay = rtp__be16(q + 12);
    v->end_system_delay = rtp__be16(q + 14);
    v->signal_level = rtp__s8(q[16]);
    v->noise_level = rtp__s8(q[17]);
    v->rerl = q[18];
    v->gmin = q[19];
    v->r_factor = q[20];
    v->ext_r_factor = q[21];
    v->mos_lq = q[22];
    v->mos_cq = q[23];
    v->rx_config = q[24];
    v->jb_nominal = rtp__be16(q + 26);
    v->jb_maximum = rtp__be16(q + 28);
    v->jb_abs_max = rtp__be16(q + 30);
    return 0;
}

RTPDEF int rtcp_xr_voip_build(const rtcp_xr_voip *v, uint8_t *out, size_t cap,
                              size_t *needed)
{
    rtp__w w;
    rtp__w_init(&w, out, cap);
    rtp__xr_hdr(&w, RTCP_XR_VOIP, 0, 32);
    rtp__put32(&w, v->ssrc);
    rtp__put8(&w, v->loss_rate);
    rtp__put8(&w, v->discard_rate);
    rtp__put8(&w, v->burst_density);
    rtp__put8(&w, v->gap_density);
    rtp__put16(&w, v->burst_duration);
    rtp__put16(&w, v->gap_duration);
    rtp__put16(&w, v->round_trip_delay);
    rtp__put16(&w, v->end_system_delay);
    rtp__put8(&w, (unsigned)(v->signal_level & 0xff));
    rtp__put8(&w, (unsigned)(v->noise_level & 0xff));
    rtp__put8(&w, v->rerl);
    rtp__put8(&w, v->gmin);
    rtp__put8(&w, v->r_factor);
    rtp__put8(&w, v->ext_r_factor);
    rtp__put8(&w, v->mos_lq);
    rtp__put8(&w, v->mos_cq);
    rtp__put8(&w, v->rx_config);
    rtp__put8(&w, 0);
    rtp__put16(&w, v->jb_nominal);
    rtp__put16(&w, v->jb_maximum);
    rtp__put16(&w, v->jb_abs_max);
    return rtp__w_done(&w, needed);
}

RTPDEF int rtcp_xr_build(uint32_t ssrc, const uint8_t *blocks, size_t blocks_len,
                         uint8_t *out, size_t cap, size_t *needed)
{
    rtp__w w;
    if (needed) *needed = 0;
    if (blocks_len % 4 || (blocks_len && !blocks) || blocks_len / 4 > 0xffff - 1)
        return RTP_ERR_INVALID;
    rtp__w_init(&w, out, cap);
    rtp__put8(&w, 0x80u);
    rtp__put8(&w, RTCP_XR);
    rtp__put16(&w, (unsigned)(1 + blocks_len / 4));
    rtp__put32(&w, ssrc);
    rtp__put(&w, blocks, blocks_len);
    return rtp__w_done(&w, needed);
}

/* ---- compound building -------------------------------------------------- */

RTPDEF void rtcp_compound_init(rtcp_compound *c, uint8_t *out, size_t cap,
                               unsigned flags)
{
    memset(c, 0, sizeof *c);
    c->out = out;
    c->cap = out ? cap : 0;
    c->flags = flags;
}

RTPDEF uint8_t *rtcp_compound_tail(rtcp_compound *c, size_t *room)
{
    if (room) *room = (c->out && c->len <= c->cap) ? c->cap - c->len : 0;
    return (c->out && c->len <= c->cap) ? c->out + c->len : NULL;
}

static int rtp__sdes_has_cname(const rtcp_packet *p)
{
    rtcp_sdes_iter it;
    rtcp_sdes_item item;
    int r;
    if (rtcp_sdes_iter_init(&it, p) != 0) return 0;
    while ((r = rtcp_sdes_next(&it, &item)) == 1)
        if (item.type == RTCP_SDES_CNAME) return 1;
    return 0;
}

RTPDEF int rtcp_compound_add(rtcp_compound *c, const uint8_t *pkt, size_t len)
{
    rtcp_packet p;
    int r;
    if (!pkt || len == 0) return RTP_ERR_INVALID;
    r = rtp__rtcp_one(pkt, len, &p);
    if (r) return r;
    if (p.len != len) return RTP_ERR_LENGTH;
    if (c->n == 0 && !(c->flags & RTCP_REDUCED_SIZE) &&
        p.pt != RTCP_SR && p.pt != RTCP_RR)
        return RTP_ERR_ORDER;
    if (c->last_padded) return RTP_ERR_PADDING;
    if (p.pt == RTCP_SDES && rtp__sdes_has_cname(&p)) c->has_cname = 1;
    if (!c->err && c->out && c->len + len <= c->cap) {
        if (pkt != c->out + c->len) memmove(c->out + c->len, pkt, len);
    } else {
        c->err = RTP_ERR_NOSPACE;
    }
    c->len += len;
    c->n++;
    c->last_padded = p.padding;
    return 0;
}

RTPDEF int rtcp_compound_finish(rtcp_compound *c, size_t *needed)
{
    if (needed) *needed = c->len;
    if (c->n == 0) return RTP_ERR_INVALID;
    if (!(c->flags & RTCP_REDUCED_SIZE) && !c->has_cname) return RTP_ERR_ORDER;
    if (c->err) return c->err;
    if (c->len > 0x7fffffff) return RTP_ERR_INVALID;
    return (int)c->len;
}

/* ---- demultiplexing ----------------------------------------------------- */

RTPDEF rtp_demux_kind rtp_demux(const uint8_t *buf, size_t len)
{
    unsigned b;
    if (!buf || len == 0) return RTP_DEMUX_OTHER;
    b = buf[0];
    if (b <= 3) return RTP_DEMUX_STUN;
    if (b >= 16 && b <= 19) return RTP_DEMUX_ZRTP;
    if (b >= 20 && b <= 63) return RTP_DEMUX_DTLS;
    if (b >= 64 && b <= 79) return RTP_DEMUX_TURN_CHANNEL;
    if (b >= 128 && b <= 191) {
        if (len < 2) return RTP_DEMUX_OTHER;
        return (buf[1] >= 192 && buf[1] <= 223) ? RTP_DEMUX_RTCP : RTP_DEMUX_RTP;
    }
    return RTP_DEMUX_OTHER;
}

/* ---- payload types ------------------------------------------------------ */

typedef struct rtp__static_pt {
    uint8_t pt, media, channels;
    uint32_t clock;
    const char *name;
} rtp__static_pt;

/* RFC 3551 §6, Tables 4 and 5 (channels 0 = "see text"). */
static const rtp__static_pt rtp__static_table[] = {
    {0, RTP_MEDIA_AUDIO, 1, 8000, "PCMU"},   {3, RTP_MEDIA_AUDIO, 1, 8000, "GSM"},
    {4, RTP_MEDIA_AUDIO, 1, 8000, "G723"},   {5, RTP_MEDIA_AUDIO, 1, 8000, "DVI4"},
    {6, RTP_MEDIA_AUDIO, 1, 16000, "DVI4"},  {7, RTP_MEDIA_AUDIO, 1, 8000, "LPC"},
    {8, RTP_MEDIA_AUDIO, 1, 8000, "PCMA"},   {9, RTP_MEDIA_AUDIO, 1, 8000, "G722"},
    {10, RTP_MEDIA_AUDIO, 2, 44100, "L16"},  {11, RTP_MEDIA_AUDIO, 1, 44100, "L16"},
    {12, RTP_MEDIA_AUDIO, 1, 8000, "QCELP"}, {13, RTP_MEDIA_AUDIO, 1, 8000, "CN"},
    {14, RTP_MEDIA_AUDIO, 0, 90000, "MPA"},  {15, RTP_MEDIA_AUDIO, 1, 8000, "G728"},
    {16, RTP_MEDIA_AUDIO, 1, 11025, "DVI4"}, {17, RTP_MEDIA_AUDIO, 1, 22050, "DVI4"},
    {18, RTP_MEDIA_AUDIO, 1, 8000, "G729"},  {25, RTP_MEDIA_VIDEO, 0, 90000, "CelB"},
    {26, RTP_MEDIA_VIDEO, 0, 90000, "JPEG"}, {28, RTP_MEDIA_VIDEO, 0, 90000, "nv"},
    {31, RTP_MEDIA_VIDEO, 0, 90000, "H261"}, {32, RTP_MEDIA_VIDEO, 0, 90000, "MPV"},
    {33, RTP_MEDIA_AV, 0, 90000, "MP2T"},    {34, RTP_MEDIA_VIDEO, 0, 90000, "H263"},
};

static int rtp__caseeq(const char *a, size_t n, const char *b)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (y == 0) return 0;
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
    }
    return b[n] == 0;
}

/* Known encoding names and their media (RFC 3551 §4.5, §5; RFC 7587;
 * RFC 4733; RFC 6184; RFC 7741; RFC 9628; AV1 RTP spec; RFC 7798). */
static rtp_media rtp__known_media(const char *s, size_t n)
{
    static const char *const audio[] = {
        "PCMU", "PCMA", "G722", "G723", "G726-16", "G726-24", "G726-32",
        "G726-40", "G728", "G729", "GSM", "DVI4", "L8", "L16", "L24", "LPC",
        "QCELP", "CN", "MPA", "opus", "telephone-event", "AMR", "AMR-WB",
        "iLBC", "speex", "G7221", "SILK", "ISAC", "red", NULL};
    static const char *const video[] = {
        "H261", "H263", "H263-1998", "H263-2000", "H264", "H265", "VP8",
        "VP9", "AV1", "JPEG", "MPV", "CelB", "nv", "rtx", "ulpfec",
        "flexfec-03", NULL};
    int i;
    for (i = 0; audio[i]; i++)
        if (rtp__caseeq(s, n, audio[i])) return RTP_MEDIA_AUDIO;
    for (i = 0; video[i]; i++)
        if (rtp__caseeq(s, n, video[i])) return RTP_MEDIA_VIDEO;
    if (rtp__caseeq(s, n, "MP2T")) return RTP_MEDIA_AV;
    return RTP_MEDIA_UNKNOWN;
}

static void rtp__codec_fill(rtp_codec *c, uint8_t pt, rtp_media media,
                            uint32_t clock, unsigned channels, const char *name,
                            size_t nlen)
{
    memset(c, 0, sizeof *c);
    c->pt = pt;
    c->media = media;
    c->clock_rate = clock;
    c->channels = (uint8_t)channels;
    memcpy(c->name, name, nlen);
    c->name[nlen] = 0;
    if (media == RTP_MEDIA_AUDIO || media == RTP_MEDIA_AV) {
        c->sample_rate = clock;
        /* RFC 3551 §4.5.2: G722 samples at 16000 Hz, clock 8000 Hz */
        if (rtp__caseeq(name, nlen, "G722") && clock == 8000) c->sample_rate = 16000;
        if (media == RTP_MEDIA_AV || rtp__caseeq(name, nlen, "MPA")) c->sample_rate = 0;
    }
}

RTPDEF int rtp_static_pt(uint8_t pt, rtp_codec *out)
{
    size_t i;
    for (i = 0; i < sizeof rtp__static_table / sizeof rtp__static_table[0]; i++) {
        const rtp__static_pt *s = &rtp__static_table[i];
        if (s->pt == pt) {
            rtp__codec_fill(out, pt, (rtp_media)s->media, s->clock, s->channels,
                            s->name, strlen(s->name));
            return 0;
        }
    }
    return RTP_ERR_NOT_FOUND;
}

static int rtp__dec(const char *s, size_t n, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (n == 0 || n > 10) return RTP_ERR_SYNTAX;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return RTP_ERR_SYNTAX;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max) return RTP_ERR_SYNTAX;
    *out = (uint32_t)v;
    return 0;
}

RTPDEF int rtp_rtpmap_parse(uint8_t pt, const char *s, size_t len, rtp_codec *out)
{
    size_t i = 0, a, nlen;
    uint32_t clock, ch = 0;
    int has_ch = 0;
    rtp_media media;
    if (pt > 127 || !out) return RTP_ERR_INVALID;
    if (!s) return RTP_ERR_SYNTAX;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
    a = i;
    while (i < len && s[i] != '/') {
        if (!rtp__is_token_char((unsigned char)s[i])) return RTP_ERR_SYNTAX;
        i++;
    }
    nlen = i - a;
    if (nlen == 0 || nlen >= RTP_CODEC_NAME_MAX || i == len) return RTP_ERR_SYNTAX;
    i++;
    {
        size_t b = i;
        while (i < len && s[i] != '/') i++;
        if (rtp__dec(s + b, i - b, 0xffffffffu, &clock) || clock == 0)
            return RTP_ERR_SYNTAX;
    }
    if (i < len) {
        i++;
        if (rtp__dec(s + i, len - i, 255, &ch) || ch == 0) return RTP_ERR_SYNTAX;
        has_ch = 1;
    }
    media = rtp__known_media(s + a, nlen);
    if (media == RTP_MEDIA_UNKNOWN && has_ch) media = RTP_MEDIA_AUDIO;
    if (media == RTP_MEDIA_AUDIO && !has_ch) ch = 1;
    rtp__codec_fill(out, pt, media, clock, media == RTP_MEDIA_AUDIO ? ch : 0,
                    s + a, nlen);
    return 0;
}

RTPDEF void rtp_pt_map_init(rtp_pt_map *m)
{
    unsigned i;
    memset(m, 0, sizeof *m);
    for (i = 0; i < 128; i++) {
        if (rtp_static_pt((uint8_t)i, &m->pt[i]) != 0) {
            memset(&m->pt[i], 0, sizeof m->pt[i]);
            m->pt[i].pt = (uint8_t)i;
        }
    }
}

RTPDEF int rtp_pt_map_set(rtp_pt_map *m, uint8_t pt, const char *rtpmap, size_t len)
{
    rtp_codec c;
    int r = rtp_rtpmap_parse(pt, rtpmap, len, &c);
    if (r) return r;
    m->pt[pt] = c;
    return 0;
}

RTPDEF const rtp_codec *rtp_pt_map_get(const rtp_pt_map *m, uint8_t pt)
{
    if (pt > 127 || m->pt[pt].clock_rate == 0) return NULL;
    return &m->pt[pt];
}

/* ---- G.711 -------------------------------------------------------------- */

/* Segment of a magnitude: the number of significant bits above the lowest
 * `low` bits (0 when m < 2^low). */
static unsigned rtp__seg(unsigned m, unsigned low)
{
    unsigned s = 0;
    m >>= low;
    while (m) {
        s++;
        m >>= 1;
    }
    return s;
}

RTPDEF uint8_t rtp_ulaw_encode(int16_t x)
{
    /* 14-bit magnitude (0..8191), bias 33 so segments start at powers of 2 */
    unsigned neg = x < 0;
    unsigned m = (unsigned)(neg ? ~(int)x : (int)x) >> 2;
    unsigned seg, mant;
    m += 33;
    if (m > 8191) m = 8191;
    seg = rtp__seg(m, 6);          /* 32..63 -> 0, ..., 4096..8191 -> 7 */
    mant = (m >> (seg + 1)) & 15;
    return (uint8_t)(~((neg ? 0x80u : 0u) | seg << 4 | mant) & 0xff);
}

RTPDEF int16_t rtp_ulaw_decode(uint8_t code)
{
    unsigned c = ~(unsigned)code & 0xff;
    unsigned seg = (c >> 4) & 7, mant = c & 15;
    int mag = (int)((((mant << 3) + 0x84) << seg) - 0x84);
    return (int16_t)((c & 0x80) ? -mag : mag);
}

RTPDEF uint8_t rtp_alaw_encode(int16_t x)
{
    /* 12-bit magnitude / 2 (0..2047): segments 0 and 1 share the step */
    unsigned neg = x < 0;
    unsigned m = (unsigned)(neg ? ~(int)x : (int)x) >> 4;
    unsigned seg = rtp__seg(m, 4), code;
    if (seg == 0) code = m;
    else code = seg << 4 | ((m >> (seg - 1)) & 15);
    return (uint8_t)(((neg ? 0u : 0x80u) | code) ^ 0x55u);
}

RTPDEF int16_t rtp_alaw_decode(uint8_t code)
{
    unsigned c = (unsigned)code ^ 0x55u;
    unsigned seg = (c >> 4) & 7, mant = c & 15;
    int mag = seg == 0 ? (int)((mant << 4) + 8) : (int)(((mant << 4) + 0x108) << (seg - 1));
    return (int16_t)((c & 0x80) ? mag : -mag);
}

RTPDEF void rtp_ulaw_encode_buf(const int16_t *in, size_t n, uint8_t *out)
{
    size_t i;
    for (i = 0; i < n; i++) out[i] = rtp_ulaw_encode(in[i]);
}

RTPDEF void rtp_ulaw_decode_buf(const uint8_t *in, size_t n, int16_t *out)
{
    size_t i;
    for (i = 0; i < n; i++) out[i] = rtp_ulaw_decode(in[i]);
}

RTPDEF void rtp_alaw_encode_buf(const int16_t *in, size_t n, uint8_t *out)
{
    size_t i;
    for (i = 0; i < n; i++) out[i] = rtp_alaw_encode(in[i]);
}

RTPDEF void rtp_alaw_decode_buf(const uint8_t *in, size_t n, int16_t *out)
{
    size_t i;
    for (i = 0; i < n; i++) out[i] = rtp_alaw_decode(in[i]);
}

/* ---- video frame marking (RFC 9626) ------------------------------------- */

RTPDEF int rtp_ext_frame_marking_parse(rtp_span d, rtp_frame_marking *fm)
{
    unsigned b;
    if (!d.p || d.len < 1 || d.len > 3) return RTP_ERR_LENGTH;
    memset(fm, 0, sizeof *fm);
    b = d.p[0];
    fm->start = (uint8_t)(b >> 7 & 1);
    fm->end = (uint8_t)(b >> 6 & 1);
    fm->independent = (uint8_t)(b >> 5 & 1);
    fm->discardable = (uint8_t)(b >> 4 & 1);
    if (d.len == 1) return 0; /* §3.2: the low 4 bits are ignored */
    fm->scalable = 1;
    fm->base_layer_sync = (uint8_t)(b >> 3 & 1);
    fm->tid = (uint8_t)(b & 7);
    fm->lid = d.p[1];
    if (d.len == 3) {
        fm->has_tl0picidx = 1;
        fm->tl0picidx = d.p[2];
    }
    return 0;
}

RTPDEF int rtp_ext_frame_marking_build(const rtp_frame_marking *fm, uint8_t out[3])
{
    unsigned b;
    if (fm->start > 1 || fm->end > 1 || fm->independent > 1 || fm->discardable > 1 ||
        fm->scalable > 1 || fm->base_layer_sync > 1 || fm->tid > 7 ||
        fm->has_tl0picidx > 1)
        return RTP_ERR_INVALID;
    b = (unsigned)fm->start << 7 | (unsigned)fm->end << 6 |
        (unsigned)fm->independent << 5 | (unsigned)fm->discardable << 4;
    if (!fm->scalable) {
        if (fm->base_layer_sync || fm->tid || fm->lid || fm->has_tl0picidx ||
            fm->tl0picidx)
            return RTP_ERR_INVALID;
        out[0] = (uint8_t)b;
        return 1;
    }
    out[0] = (uint8_t)(b | (unsigned)fm->base_layer_sync << 3 | fm->tid);
    out[1] = fm->lid;
    if (!fm->has_tl0picidx) return 2;
    out[2] = fm->tl0picidx;
    return 3;
}

/* ---- crypto suites -------------------------------------------------------- */

static const rtp_srtp_suite_info rtp__srtp_suites[] = {
    {"AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10},
    {"AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10},
    {"AES_192_CM_HMAC_SHA1_80", 24, 14, 10, 10},
    {"AES_192_CM_HMAC_SHA1_32", 24, 14, 4, 10},
    {"AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10},
    {"AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10},
    {"AEAD_AES_128_GCM", 16, 12, 16, 16},
    {"AEAD_AES_256_GCM", 32, 12, 16, 16},
};

RTPDEF const rtp_srtp_suite_info *rtp_srtp_suite_info_get(rtp_srtp_suite s)
{
    unsigned i = (unsigned)s;
    if (i < 1 || i > sizeof rtp__srtp_suites / sizeof rtp__srtp_suites[0]) return NULL;
    return &rtp__srtp_suites[i - 1];
}

RTPDEF rtp_srtp_suite rtp_srtp_suite_from_name(const char *name, size_t len)
{
    unsigned i;
    if (!name) return RTP_SRTP_SUITE_UNKNOWN;
    for (i = 0; i < sizeof rtp__srtp_suites / sizeof rtp__srtp_suites[0]; i++) {
        const char *n = rtp__srtp_suites[i].name;
        if (strlen(n) == len && memcmp(n, name, len) == 0) return (rtp_srtp_suite)(i + 1);
    }
    return RTP_SRTP_SUITE_UNKNOWN;
}

RTPDEF int rtp_srtp_overhead(rtp_srtp_suite s, size_t mki_len, int rtcp)
{
    const rtp_srtp_suite_info *si = rtp_srtp_suite_info_get(s);
    if (!si || mki_len > RTP_SRTP_MAX_MKI) return RTP_ERR_INVALID;
    if (rtcp) return (int)(si->rtcp_tag_len + 4u + mki_len);
    return (int)(si->rtp_tag_len + mki_len);
}

/* ---- base64 (RFC 4648 §4) -------------------------------------------------- */

static const char rtp__b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int rtp__b64_val(unsigned c)
{
    if (c >= 'A' && c <= 'Z') return (int)(c - 'A');
    if (c >= 'a' && c <= 'z') return (int)(c - 'a' + 26);
    if (c >= '0' && c <= '9') return (int)(c - '0' + 52);
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decoded length of n base64 characters (padding optional), or -1 for a
 * bad character, misplaced or excess '=', a length no encoding has, or
 * non-zero pad bits (only the canonical encoding is accepted). Writes the
 * bytes to out only when they fit cap; the caller compares the length. */
static long rtp__b64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t data = n, i, olen, o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    if (n >= 1 && in[n - 1] == '=') {
        data--;
        if (n >= 2 && in[n - 2] == '=') data--;
        /* padding only completes the last quad */
        if (n % 4 != 0 || n - data != (4 - data % 4) % 4) return -1;
    }
    if (data == 0 || data % 4 == 1) return -1;
    olen = data / 4 * 3 + (data % 4 ? data % 4 - 1 : 0);
    for (i = 0; i < data; i++) {
        int v = rtp__b64_val(in[i]);
        if (v < 0) return -1;
        acc = (acc << 6 | (uint32_t)v) & 0xffffffu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (olen <= cap) out[o] = (uint8_t)(acc >> bits);
            o++;
        }
    }
    if (acc & ((1u << bits) - 1u)) return -1;
    return (long)olen;
}

/* Encoded length of n bytes (with padding); writes it when out != NULL. */
static size_t rtp__b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t i, o = 0;
    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        if (out) {
            out[o] = rtp__b64_chars[v >> 18 & 63];
            out[o + 1] = rtp__b64_chars[v >> 12 & 63];
            out[o + 2] = i + 1 < n ? rtp__b64_chars[v >> 6 & 63] : '=';
            out[o + 3] = i + 2 < n ? rtp__b64_chars[v & 63] : '=';
        }
        o += 4;
    }
    return o;
}

/* ---- a=crypto (RFC 4568) -------------------------------------------------- */

static int rtp__sdes_wsp(unsigned c) { return c == ' ' || c == '\t'; }
static int rtp__sdes_vchar(unsigned c) { return c >= 0x21 && c <= 0x7e; }
static int rtp__sdes_word(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* 1*DIGIT of at most max_digits digits with a value <= max into *v; 0, or
 * -1 (empty, too long, not a digit, too large). */
static int rtp__sdes_num(const uint8_t *p, size_t n, size_t max_digits, uint64_t max,
                         uint64_t *v)
{
    size_t i;
    uint64_t x = 0;
    if (n == 0 || n > max_digits) return -1;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)p[i] - '0';
        if (d > 9) return -1;
        if (x > (max - d) / 10) return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

static int rtp__sdes_fail(rtp_sdes_crypto *c, const uint8_t *base, const uint8_t *at,
                          int err)
{
    c->err_at = (size_t)(at - base);
    return err;
}

/* Split "method:info" into the key's spans; -1 when malformed (§9.1). */
static int rtp__sdes_key_split(const uint8_t *p, size_t n, rtp_sdes_key *k, size_t *bad)
{
    size_t i = 0;
    while (i < n && rtp__sdes_word(p[i])) i++;
    if (i == 0 || i >= n || p[i] != ':' || i + 1 == n) {
        *bad = i < n ? i : (n ? n - 1 : 0);
        return -1;
    }
    k->method.p = p;
    k->method.len = i;
    k->info.p = p + i + 1;
    k->info.len = n - i - 1;
    return 0;
}

#define RTP__SRTP_MAX_LIFETIME ((uint64_t)1 << 48) /* RFC 3711 §9.2 */

/* lifetime = ["2^"] 1*DIGIT (§6.1), 1..2^48. */
static int rtp__sdes_lifetime(const uint8_t *p, size_t n, rtp_sdes_key *k)
{
    uint64_t v;
    if (n > 2 && p[0] == '2' && p[1] == '^') {
        if (rtp__sdes_num(p + 2, n - 2, 2, 48, &v) != 0) return -1;
        k->lifetime = (uint64_t)1 << v;
        k->lifetime_pow2 = 1;
        return 0;
    }
    if (rtp__sdes_num(p, n, 15, RTP__SRTP_MAX_LIFETIME, &v) != 0 || v == 0) return -1;
    k->lifetime = v;
    return 0;
}

/* mki = mki-value ":" mki-length (§6.1), length 1..128, value fits it. */
static int rtp__sdes_mki(const uint8_t *p, size_t n, rtp_sdes_key *k)
{
    size_t colon = 0;
    uint64_t v, len;
    while (colon < n && p[colon] != ':') colon++;
    if (colon == n) return -1;
    if (rtp__sdes_num(p, colon, 20, UINT64_MAX, &v) != 0) return -1;
    if (rtp__sdes_num(p + colon + 1, n - colon - 1, 3, RTP_SRTP_MAX_MKI, &len) != 0 ||
        len == 0)
        return -1;
    if (len < 8 && v >> (8 * len) != 0) return -1;
    k->mki = v;
    k->mki_len = (uint8_t)len;
    return 0;
}

/* Decode an inline key-info for suite si (§6.1): 0, RTP_ERR_SYNTAX or
 * RTP_ERR_SRTP_KEY, with *bad the offset in info of the failing field. */
static int rtp__sdes_key_info(rtp_sdes_key *k, const rtp_srtp_suite_info *si, size_t *bad)
{
    const uint8_t *p = k->info.p;
    size_t n = k->info.len, i = 0, start, field = 0;
    long klen;
    while (i < n && p[i] != '|') i++;
    k->key_salt_b64.p = p;
    k->key_salt_b64.len = i;
    *bad = 0;
    klen = rtp__b64_decode(p, i, k->key_salt, sizeof k->key_salt);
    if (klen < 0) return RTP_ERR_SYNTAX;
    if ((size_t)klen != (size_t)si->key_len + si->salt_len) return RTP_ERR_SRTP_KEY;
    k->key_salt_len = (uint8_t)klen;
    while (i < n) { /* at a '|' */
        int has_colon = 0;
        start = ++i;
        while (i < n && p[i] != '|') has_colon |= p[i++] == ':';
        *bad = start;
        if (field >= 2) return RTP_ERR_SYNTAX;
        if (has_colon) {
            if (k->mki_len || rtp__sdes_mki(p + start, i - start, k) != 0)
                return RTP_ERR_SYNTAX;
        } else {
            /* the lifetime comes before the MKI, once */
            if (k->mki_len || k->lifetime ||
                rtp__sdes_lifetime(p + start, i - start, k) != 0)
                return RTP_ERR_SYNTAX;
        }
        field++;
    }
    return 0;
}

static int rtp__sdes_span_is(rtp_span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

static int rtp__sdes_prefix(rtp_span s, const char *lit, rtp_span *value)
{
    size_t n = strlen(lit);
    if (s.len < n || memcmp(s.p, lit, n) != 0) return 0;
    value->p = s.p + n;
    value->len = s.len - n;
    return 1;
}

/* Classify one SRTP session-param (§6.3); 0 or -1 (a value out of range). */
static int rtp__sdes_param(rtp_sdes_crypto *c, rtp_sdes_param *sp)
{
    uint64_t v;
    rtp_span val;
    if (rtp__sdes_span_is(sp->text, "UNENCRYPTED_SRTP")) {
        sp->kind = RTP_SDES_PARAM_UNENCRYPTED_SRTP;
        c->flags |= RTP_SDES_UNENCRYPTED_SRTP;
    } else if (rtp__sdes_span_is(sp->text, "UNENCRYPTED_SRTCP")) {
        sp->kind = RTP_SDES_PARAM_UNENCRYPTED_SRTCP;
        c->flags |= RTP_SDES_UNENCRYPTED_SRTCP;
    } else if (rtp__sdes_span_is(sp->text, "UNAUTHENTICATED_SRTP")) {
        sp->kind = RTP_SDES_PARAM_UNAUTHENTICATED_SRTP;
        c->flags |= RTP_SDES_UNAUTHENTICATED_SRTP;
    } else if (rtp__sdes_prefix(sp->text, "KDR=", &val)) {
        if (rtp__sdes_num(val.p, val.len, 2, 24, &v) != 0) return -1;
        sp->kind = RTP_SDES_PARAM_KDR;
        sp->value = val;
        c->kdr = (int)v;
    } else if (rtp__sdes_prefix(sp->text, "WSH=", &val)) {
        if (val.len < 2 || rtp__sdes_num(val.p, val.len, 9, UINT32_MAX, &v) != 0 || v < 64)
            return -1;
        sp->kind = RTP_SDES_PARAM_WSH;
        sp->value = val;
        c->wsh = (uint32_t)v;
    } else if (rtp__sdes_prefix(sp->text, "FEC_ORDER=", &val)) {
        if (!rtp__sdes_span_is(val, "FEC_SRTP") && !rtp__sdes_span_is(val, "SRTP_FEC"))
            return -1;
        sp->kind = RTP_SDES_PARAM_FEC_ORDER;
        sp->value = val;
    } else if (rtp__sdes_prefix(sp->text, "FEC_KEY=", &val)) {
        if (val.len == 0) return -1;
        sp->kind = RTP_SDES_PARAM_FEC_KEY;
        sp->value = val;
    }
    return 0;
}

/* The §9.1 grammar: tag, suite, key-params, session-params into spans. */
static int rtp__sdes_split(const uint8_t *b, size_t i, size_t end, rtp_sdes_crypto *c)
{
    size_t s;
    uint64_t tag;
    s = i;
    while (i < end && b[i] >= '0' && b[i] <= '9') i++;
    if (rtp__sdes_num(b + s, i - s, 9, 999999999u, &tag) != 0 || tag == 0)
        return rtp__sdes_fail(c, b, b + s, RTP_ERR_SYNTAX);
    c->tag = (uint32_t)tag;
    if (i == end || !rtp__sdes_wsp(b[i])) return rtp__sdes_fail(c, b, b + i, RTP_ERR_SYNTAX);
    while (i < end && rtp__sdes_wsp(b[i])) i++;
    s = i;
    while (i < end && rtp__sdes_word(b[i])) i++;
    if (i == s || i == end || !rtp__sdes_wsp(b[i]))
        return rtp__sdes_fail(c, b, b + i, RTP_ERR_SYNTAX);
    c->suite_name.p = b + s;
    c->suite_name.len = i - s;
    while (i < end && rtp__sdes_wsp(b[i])) i++;
    /* key-params: key-param *(";" key-param), up to the next WSP */
    for (;;) {
        size_t bad;
        rtp_sdes_key *k;
        s = i;
        while (i < end && rtp__sdes_vchar(b[i]) && b[i] != ';') i++;
        if (i < end && !rtp__sdes_wsp(b[i]) && b[i] != ';')
            return rtp__sdes_fail(c, b, b + i, RTP_ERR_SYNTAX);
        if (c->n_keys == RTP_SDES_MAX_KEYS) return rtp__sdes_fail(c, b, b + s, RTP_ERR_NOSPACE);
        k = &c->keys[c->n_keys];
        if (rtp__sdes_key_split(b + s, i - s, k, &bad) != 0)
            return rtp__sdes_fail(c, b, b + s + bad, RTP_ERR_SYNTAX);
        c->n_keys++;
        if (i < end && b[i] == ';') {
            i++;
            continue;
        }
        break;
    }
    /* session-params: *(1*WSP session-param) */
    while (i < end) {
        rtp_sdes_param *sp;
        while (i < end && rtp__sdes_wsp(b[i])) i++;
        s = i;
        while (i < end && rtp__sdes_vchar(b[i])) i++;
        if (i < end && !rtp__sdes_wsp(b[i])) return rtp__sdes_fail(c, b, b + i, RTP_ERR_SYNTAX);
        if (i == s) break; /* only at the end: trailing WSP was trimmed */
        if (c->n_params == RTP_SDES_MAX_PARAMS)
            return rtp__sdes_fail(c, b, b + s, RTP_ERR_NOSPACE);
        sp = &c->params[c->n_params++];
        sp->text.p = b + s;
        sp->text.len = i - s;
    }
    return 0;
}

/* Several keys need MKIs of one length to be told apart (RFC 3711 §3.1). */
static int rtp__sdes_mki_check(const rtp_sdes_crypto *c)
{
    unsigned i;
    if (c->n_keys < 2) return 0;
    for (i = 0; i < c->n_keys; i++)
        if (c->keys[i].mki_len == 0 || c->keys[i].mki_len != c->keys[0].mki_len) return -1;
    return 0;
}

RTPDEF int rtp_sdes_crypto_parse(const char *text, size_t len, rtp_sdes_crypto *c)
{
    const uint8_t *b = (const uint8_t *)text;
    const rtp_srtp_suite_info *si;
    size_t i = 0, end = len;
    unsigned k;
    int err;
    if (!c) return RTP_ERR_INVALID;
    memset(c, 0, sizeof *c);
    c->kdr = -1;
    if (!text) return RTP_ERR_INVALID;
    if (end > 0 && b[end - 1] == '\n') end--;
    if (end > 0 && b[end - 1] == '\r') end--;
    while (end > 0 && rtp__sdes_wsp(b[end - 1])) end--;
    if (end >= 9 && memcmp(b, "a=crypto:", 9) == 0) i = 9;
    err = rtp__sdes_split(b, i, end, c);
    if (err) return err;
    c->suite = rtp_srtp_suite_from_name((const char *)c->suite_name.p, c->suite_name.len);
    si = rtp_srtp_suite_info_get(c->suite);
    if (!si) return rtp__sdes_fail(c, b, c->suite_name.p, RTP_ERR_SRTP_SUITE);
    for (k = 0; k < c->n_keys; k++) {
        rtp_sdes_key *key = &c->keys[k];
        size_t bad;
        if (!rtp__sdes_span_is(key->method, "inline"))
            return rtp__sdes_fail(c, b, key->method.p, RTP_ERR_SYNTAX);
        err = rtp__sdes_key_info(key, si, &bad);
        if (err) return rtp__sdes_fail(c, b, key->info.p + bad, err);
    }
    if (rtp__sdes_mki_check(c) != 0) return rtp__sdes_fail(c, b, c->keys[0].info.p, RTP_ERR_SRTP_KEY);
    for (k = 0; k < c->n_params; k++)
        if (rtp__sdes_param(c, &c->params[k]) != 0)
            return rtp__sdes_fail(c, b, c->params[k].text.p, RTP_ERR_SYNTAX);
    return 0;
}

/* Text output that counts what did not fit (out == NULL measures). */
typedef struct rtp__txt {
    char *out;
    size_t cap, n;
} rtp__txt;

static void rtp__txt_put(rtp__txt *t, const char *s, size_t n)
{
    if (t->out && t->n + n <= t->cap) memcpy(t->out + t->n, s, n);
    t->n += n;
}

static void rtp__txt_u64(rtp__txt *t, uint64_t v)
{
    char d[20];
    size_t n = 0;
    do {
        d[sizeof d - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    rtp__txt_put(t, d + sizeof d - n, n);
}

static void rtp__txt_b64(rtp__txt *t, const uint8_t *in, size_t n)
{
    char enc[4 * ((RTP_SRTP_MAX_KEY_SALT + 2) / 3)];
    size_t m = rtp__b64_encode(in, n, enc);
    rtp__txt_put(t, enc, m);
}

/* The checks of rtp_sdes_crypto_build on one key. */
static int rtp__sdes_key_ok(const rtp_sdes_key *k, const rtp_srtp_suite_info *si)
{
    if (k->key_salt_len != si->key_len + si->salt_len) return RTP_ERR_SRTP_KEY;
    if (k->lifetime > RTP__SRTP_MAX_LIFETIME || k->lifetime_pow2 > 1) return RTP_ERR_INVALID;
    if (k->lifetime_pow2 && (k->lifetime == 0 || (k->lifetime & (k->lifetime - 1)) != 0))
        return RTP_ERR_INVALID;
    if (k->mki_len > RTP_SRTP_MAX_MKI) return RTP_ERR_INVALID;
    if (k->mki_len == 0 ? k->mki != 0 : (k->mki_len < 8 && k->mki >> (8 * k->mki_len) != 0))
        return RTP_ERR_INVALID;
    return 0;
}

static void rtp__sdes_put_key(rtp__txt *t, const rtp_sdes_key *k)
{
    rtp__txt_put(t, "inline:", 7);
    rtp__txt_b64(t, k->key_salt, k->key_salt_len);
    if (k->lifetime) {
        rtp__txt_put(t, "|", 1);
        if (k->lifetime_pow2) {
            uint64_t n = 0;
            while (((uint64_t)1 << n) != k->lifetime) n++;
            rtp__txt_put(t, "2^", 2);
            rtp__txt_u64(t, n);
        } else {
            rtp__txt_u64(t, k->lifetime);
        }
    }
    if (k->mki_len) {
        rtp__txt_put(t, "|", 1);
        rtp__txt_u64(t, k->mki);
        rtp__txt_put(t, ":", 1);
        rtp__txt_u64(t, k->mki_len);
    }
}

RTPDEF int rtp_sdes_crypto_build(const rtp_sdes_crypto *c, char *out, size_t cap,
                                 size_t *needed)
{
    const rtp_srtp_suite_info *si;
    rtp__txt t;
    unsigned i;
    size_t j;
    int err;
    if (!c) return RTP_ERR_INVALID;
    si = rtp_srtp_suite_info_get(c->suite);
    if (!si) return RTP_ERR_SRTP_SUITE;
    if (c->tag == 0 || c->tag > 999999999u || c->n_keys == 0 ||
        c->n_keys > RTP_SDES_MAX_KEYS || c->n_params > RTP_SDES_MAX_PARAMS)
        return RTP_ERR_INVALID;
    for (i = 0; i < c->n_keys; i++)
        if ((err = rtp__sdes_key_ok(&c->keys[i], si)) != 0) return err;
    for (i = 0; i < c->n_params; i++) {
        if (!c->params[i].text.p || c->params[i].text.len == 0) return RTP_ERR_INVALID;
        for (j = 0; j < c->params[i].text.len; j++)
            if (!rtp__sdes_vchar(c->params[i].text.p[j])) return RTP_ERR_INVALID;
    }
    t.out = out;
    t.cap = cap;
    t.n = 0;
    rtp__txt_put(&t, "a=crypto:", 9);
    rtp__txt_u64(&t, c->tag);
    rtp__txt_put(&t, " ", 1);
    rtp__txt_put(&t, si->name, strlen(si->name));
    for (i = 0; i < c->n_keys; i++) {
        rtp__txt_put(&t, i ? ";" : " ", 1);
        rtp__sdes_put_key(&t, &c->keys[i]);
    }
    for (i = 0; i < c->n_params; i++) {
        rtp__txt_put(&t, " ", 1);
        rtp__txt_put(&t, (const char *)c->params[i].text.p, c->params[i].text.len);
    }
    if (!out || t.n > cap) {
        if (needed) *needed = t.n;
        return RTP_ERR_NOSPACE;
    }
    if (t.n > INT32_MAX) return RTP_ERR_INVALID;
    return (int)t.n;
}

RTPDEF int rtp_sdes_key_mki_bytes(const rtp_sdes_key *k, uint8_t out[RTP_SRTP_MAX_MKI])
{
    unsigned i, n;
    if (!k || !out || k->mki_len > RTP_SRTP_MAX_MKI) return RTP_ERR_INVALID;
    n = k->mki_len;
    for (i = 0; i < n; i++) {
        unsigned shift = 8 * (n - 1 - i);
        out[i] = shift < 64 ? (uint8_t)(k->mki >> shift) : 0;
    }
    return (int)n;
}

RTPDEF int rtp_sdes_key_generate(rtp_sdes_key *k, rtp_srtp_suite s,
                                 rtp_sdes_rand_fn rnd, void *user)
{
    const rtp_srtp_suite_info *si;
    size_t n;
    if (!k || !rnd) return RTP_ERR_INVALID;
    memset(k, 0, sizeof *k);
    si = rtp_srtp_suite_info_get(s);
    if (!si) return RTP_ERR_SRTP_SUITE;
    n = (size_t)si->key_len + si->salt_len;
    if (rnd(user, k->key_salt, n) != 0) {
        memset(k->key_salt, 0, sizeof k->key_salt);
        return RTP_ERR_CALLBACK;
    }
    k->key_salt_len = (uint8_t)n;
    return (int)n;
}

/* ---- SRTP / SRTCP through libsrtp2 ---------------------------------------- */
#ifdef RTP_USE_SRTP

#include <limits.h>
#include <srtp2/srtp.h>

RTPDEF int rtp_srtp_library_init(void)
{
    return srtp_init() == srtp_err_status_ok ? 0 : RTP_ERR_SRTP_LIB;
}

RTPDEF int rtp_srtp_library_shutdown(void)
{
    return srtp_shutdown() == srtp_err_status_ok ? 0 : RTP_ERR_SRTP_LIB;
}

/* libsrtp2's policies of suite s: SRTCP keeps the 80-bit tag in the _32
 * suites (RFC 4568 §6.2.2, RFC 6188 §4). 0 or -1 (unknown suite). */
static int rtp__srtp_policy(rtp_srtp_suite s, srtp_crypto_policy_t *rtp,
                            srtp_crypto_policy_t *rtcp)
{
    switch (s) {
    case RTP_SRTP_AES_CM_128_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
        return 0;
    case RTP_SRTP_AES_CM_128_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
        return 0;
    case RTP_SRTP_AES_192_CM_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(rtp);
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(rtcp);
        return 0;
    case RTP_SRTP_AES_192_CM_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(rtp);
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(rtcp);
        return 0;
    case RTP_SRTP_AES_256_CM_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp);
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
        return 0;
    case RTP_SRTP_AES_256_CM_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(rtp);
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
        return 0;
    case RTP_SRTP_AEAD_AES_128_GCM:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(rtcp);
        return 0;
    case RTP_SRTP_AEAD_AES_256_GCM:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(rtcp);
        return 0;
    case RTP_SRTP_SUITE_UNKNOWN:
    default:
        return -1;
    }
}

/* rtp.h code of a libsrtp2 status of protect / unprotect. */
static int rtp__srtp_status(rtp_srtp *s, srtp_err_status_t st)
{
    s->lib_status = (int)st;
    switch (st) {
    case srtp_err_status_ok: return 0;
    case srtp_err_status_auth_fail:
    case srtp_err_status_cant_check: /* SRTCP E flag disagrees with the policy */
        return RTP_ERR_SRTP_AUTH;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
    case srtp_err_status_pkt_idx_old: return RTP_ERR_SRTP_REPLAY;
    case srtp_err_status_bad_mki:
    case srtp_err_status_key_expired: return RTP_ERR_SRTP_KEY;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err: return RTP_ERR_LENGTH;
    default: return RTP_ERR_SRTP_LIB;
    }
}

RTPDEF int rtp_srtp_create(rtp_srtp *s, const rtp_srtp_config *cfg)
{
    const rtp_srtp_suite_info *si;
    srtp_policy_t pol;
    srtp_master_key_t mk, *mks[1];
    uint8_t key[RTP_SRTP_MAX_KEY_SALT], mki[RTP_SRTP_MAX_MKI];
    srtp_t ctx = NULL;
    srtp_err_status_t st;
    if (!s) return RTP_ERR_INVALID;
    memset(s, 0, sizeof *s);
    if (!cfg || !cfg->key_salt || (cfg->dir != RTP_SRTP_OUTBOUND && cfg->dir != RTP_SRTP_INBOUND) ||
        cfg->mki_len > RTP_SRTP_MAX_MKI || (cfg->mki_len && !cfg->mki) ||
        (cfg->replay_window && (cfg->replay_window < 64 || cfg->replay_window > 32767)))
        return RTP_ERR_INVALID;
    si = rtp_srtp_suite_info_get(cfg->suite);
    if (!si) return RTP_ERR_SRTP_SUITE;
    if (cfg->key_salt_len != (size_t)si->key_len + si->salt_len) return RTP_ERR_SRTP_KEY;
    /* Before 2.7, libsrtp2's SRTCP unprotect looks for the MKI one SRTP
     * tag length before the end (cisco/libsrtp#733): with the _32 suites
     * (SRTCP tag 80 bits) every SRTCP packet would fail. */
    if (cfg->mki_len && si->rtp_tag_len != si->rtcp_tag_len &&
        srtp_get_version() < 0x02070000u)
        return RTP_ERR_SRTP_UNAVAILABLE;
    memset(&pol, 0, sizeof pol);
    if (rtp__srtp_policy(cfg->suite, &pol.rtp, &pol.rtcp) != 0) return RTP_ERR_SRTP_SUITE;
    pol.ssrc.type = cfg->dir == RTP_SRTP_OUTBOUND ? ssrc_any_outbound : ssrc_any_inbound;
    memcpy(key, cfg->key_salt, cfg->key_salt_len); /* libsrtp2 wants non-const */
    if (cfg->mki_len) {
        memcpy(mki, cfg->mki, cfg->mki_len);
        mk.key = key;
        mk.mki_id = mki;
        mk.mki_size = (unsigned)cfg->mki_len;
        mks[0] = &mk;
        pol.keys = mks;
        pol.num_master_keys = 1;
    } else {
        pol.key = key;
    }
    pol.window_size = cfg->replay_window ? cfg->replay_window : 128;
    pol.allow_repeat_tx = cfg->allow_repeat_tx != 0;
    pol.next = NULL;
    st = srtp_create(&ctx, &pol);
    memset(key, 0, sizeof key);
    s->lib_status = (int)st;
    if (st != srtp_err_status_ok) {
        if (st == srtp_err_status_init_fail || st == srtp_err_status_alloc_fail ||
            cfg->suite == RTP_SRTP_AES_CM_128_HMAC_SHA1_80 ||
            cfg->suite == RTP_SRTP_AES_CM_128_HMAC_SHA1_32)
            return RTP_ERR_SRTP_LIB;
        /* built-in ciphers are AES-128/256-ICM; the others need OpenSSL/NSS */
        return RTP_ERR_SRTP_UNAVAILABLE;
    }
    s->ctx = ctx;
    s->suite = cfg->suite;
    s->dir = cfg->dir;
    s->mki_len = (unsigned)cfg->mki_len;
    s->rtp_overhead = (unsigned)rtp_srtp_overhead(cfg->suite, cfg->mki_len, 0);
    s->rtcp_overhead = (unsigned)rtp_srtp_overhead(cfg->suite, cfg->mki_len, 1);
    return 0;
}

RTPDEF void rtp_srtp_destroy(rtp_srtp *s)
{
    if (!s || !s->ctx) return;
    srtp_dealloc((srtp_t)s->ctx);
    s->ctx = NULL;
}

RTPDEF int rtp_srtp_suite_available(rtp_srtp_suite s)
{
    uint8_t key[RTP_SRTP_MAX_KEY_SALT] = {0};
    const rtp_srtp_suite_info *si = rtp_srtp_suite_info_get(s);
    rtp_srtp_config cfg;
    rtp_srtp ctx;
    int err;
    if (!si) return 0;
    memset(&cfg, 0, sizeof cfg);
    cfg.suite = s;
    cfg.dir = RTP_SRTP_OUTBOUND;
    cfg.key_salt = key;
    cfg.key_salt_len = (size_t)si->key_len + si->salt_len;
    err = rtp_srtp_create(&ctx, &cfg);
    if (err == 0) {
        rtp_srtp_destroy(&ctx);
        return 1;
    }
    return err == RTP_ERR_SRTP_UNAVAILABLE ? 0 : err;
}

/* Common checks of the four calls: context direction, alignment (libsrtp2
 * casts the packet to 32-bit words), sizes that fit its int lengths. */
static int rtp__srtp_args(const rtp_srtp *s, const uint8_t *pkt, size_t len,
                          rtp_srtp_dir dir)
{
    if (!s || !s->ctx || !pkt || s->dir != dir) return RTP_ERR_INVALID;
    if (((uintptr_t)pkt & 3u) != 0) return RTP_ERR_INVALID;
    if (len > (size_t)INT_MAX - 256u) return RTP_ERR_INVALID;
    return 0;
}

/* Room check of protect: NOSPACE with *needed, pkt untouched. */
static int rtp__srtp_room(size_t len, unsigned overhead, size_t cap, size_t *needed)
{
    if (cap < len || cap - len < overhead) {
        if (needed) *needed = len + overhead;
        return RTP_ERR_NOSPACE;
    }
    return 0;
}

RTPDEF int rtp_srtp_protect(rtp_srtp *s, uint8_t *pkt, size_t len, size_t cap,
                            size_t *needed)
{
    rtp_header h;
    int n, err = rtp__srtp_args(s, pkt, len, RTP_SRTP_OUTBOUND);
    srtp_err_status_t st;
    if (err) return err;
    if ((err = rtp_parse(pkt, len, &h)) != 0) return err;
    if ((err = rtp__srtp_room(len, s->rtp_overhead, cap, needed)) != 0) return err;
    n = (int)len;
    st = s->mki_len ? srtp_protect_mki((srtp_t)s->ctx, pkt, &n, 1, 0)
                    : srtp_protect((srtp_t)s->ctx, pkt, &n);
    if ((err = rtp__srtp_status(s, st)) != 0) return err;
    return n;
}

/* Fixed header, CSRCs and extension of an SRTP packet (those are not
 * encrypted, RFC 3711 §3.1) plus the trailer must be present. */
static int rtp__srtp_rtp_min(const uint8_t *p, size_t len, size_t trailer)
{
    size_t hl = 12;
    if (len < 12) return RTP_ERR_TRUNCATED;
    if (p[0] >> 6 != 2) return RTP_ERR_VERSION;
    hl += 4u * (p[0] & 15u);
    if (p[0] & 0x10) {
        if (len < hl + 4) return RTP_ERR_TRUNCATED;
        hl += 4 + 4u * rtp__be16(p + hl + 2);
    }
    if (len < hl + trailer) return RTP_ERR_TRUNCATED;
    return 0;
}

RTPDEF int rtp_srtp_unprotect(rtp_srtp *s, uint8_t *pkt, size_t len)
{
    int n, err = rtp__srtp_args(s, pkt, len, RTP_SRTP_INBOUND);
    srtp_err_status_t st;
    if (err) return err;
    if ((err = rtp__srtp_rtp_min(pkt, len, s->rtp_overhead)) != 0) return err;
    n = (int)len;
    st = s->mki_len ? srtp_unprotect_mki((srtp_t)s->ctx, pkt, &n, 1)
                    : srtp_unprotect((srtp_t)s->ctx, pkt, &n);
    if ((err = rtp__srtp_status(s, st)) != 0) return err;
    return n;
}

RTPDEF int rtp_srtp_protect_rtcp(rtp_srtp *s, uint8_t *pkt, size_t len, size_t cap,
                                 size_t *needed)
{
    int n, err = rtp__srtp_args(s, pkt, len, RTP_SRTP_OUTBOUND);
    srtp_err_status_t st;
    if (err) return err;
    if (len < 8) return RTP_ERR_TRUNCATED;
    if ((err = rtcp_compound_check(pkt, len, RTCP_REDUCED_SIZE)) < 0) return err;
    if ((err = rtp__srtp_room(len, s->rtcp_overhead, cap, needed)) != 0) return err;
    n = (int)len;
    st = s->mki_len ? srtp_protect_rtcp_mki((srtp_t)s->ctx, pkt, &n, 1, 0)
                    : srtp_protect_rtcp((srtp_t)s->ctx, pkt, &n);
    if ((err = rtp__srtp_status(s, st)) != 0) return err;
    return n;
}

RTPDEF int rtp_srtp_unprotect_rtcp(rtp_srtp *s, uint8_t *pkt, size_t len)
{
    int n, err = rtp__srtp_args(s, pkt, len, RTP_SRTP_INBOUND);
    srtp_err_status_t st;
    if (err) return err;
    if (len < 8 + (size_t)s->rtcp_overhead) return RTP_ERR_TRUNCATED;
    if (pkt[0] >> 6 != 2) return RTP_ERR_VERSION;
    n = (int)len;
    st = s->mki_len ? srtp_unprotect_rtcp_mki((srtp_t)s->ctx, pkt, &n, 1)
                    : srtp_unprotect_rtcp((srtp_t)s->ctx, pkt, &n);
    if ((err = rtp__srtp_status(s, st)) != 0) return err;
    return n;
}

#endif /* RTP_USE_SRTP */

/* ---- RTP sessions (RFC 3550 §6.2-§8, Appendix A) ------------------------ */

#ifndef RTP_ASSERT
#include <assert.h>
#define RTP_ASSERT(c) assert(c)
#endif

#define RTP__MIN_US 5000000u
#define RTP__INTERVAL_CAP (1ull << 40)

static uint32_t rtp__us_to_ts(uint64_t us, uint32_t rate)
{
    return (uint32_t)((us / 1000000u) * rate + (us % 1000000u) * rate / 1000000u);
}

RTPDEF uint64_t rtcp_interval_det_us(const rtcp_interval_params *p)
{
    uint64_t n = p->members, den = 4, avg = p->avg_rtcp_size_x16, bw = p->rtcp_bw_bps;
    uint64_t t, min = p->initial ? p->min_us / 2 : p->min_us;
    uint64_t senders = p->senders;
    if (n > (1u << 20)) n = 1u << 20;
    if (senders > n) senders = n;
    if (avg > (1u << 20)) avg = 1u << 20;
    if (senders * 4 <= n) {
        if (p->we_sent) { den = 1; n = senders; }
        else { den = 3; n -= senders; }
    }
    /* avg/16 octets * n * 8 bit * 1e6 / (bw * den / 4) */
    if (bw == 0) t = RTP__INTERVAL_CAP;
    else t = avg * n * 2000000u / (bw * den);
    if (t > RTP__INTERVAL_CAP) t = RTP__INTERVAL_CAP;
    if (t < min) t = min;
    return t;
}

RTPDEF uint64_t rtcp_interval_us(const rtcp_interval_params *p, uint16_t rand16)
{
    uint64_t t = rtcp_interval_det_us(p);
    if (t > RTP__INTERVAL_CAP) t = RTP__INTERVAL_CAP;
    t = t / 2 + ((t * rand16) >> 16);
    return t * 1000000u / 1218282u; /* e - 1.5 */
}

static int rtp__members(const rtp_session *s)
{
    uint32_t i, n = 1;
    if (s->state == 1) return (int)s->leave_members;
    for (i = 0; i < s->n_src; i++)
        if (s->src[i].in_use && (s->src[i].validated || s->src[i].rtcp_seen)) n++;
    return (int)n;
}

RTPDEF uint32_t rtp_session_members(const rtp_session *s)
{
    return (uint32_t)rtp__members(s);
}

RTPDEF uint32_t rtp_session_senders(const rtp_session *s)
{
    uint32_t i, n = s->we_sent ? 1u : 0u;
    if (s->state == 1) return 0;
    for (i = 0; i < s->n_src; i++)
        if (s->src[i].in_use && s->src[i].is_sender) n++;
    return n;
}

static uint64_t rtp__min_us(const rtp_session *s)
{
    if (s->cfg.reduced_minimum) {
        uint64_t m = 360000000000ull / s->cfg.session_bw_bps;
        return m ? m : 1;
    }
    return RTP__MIN_US;
}

static void rtp__params(const rtp_session *s, rtcp_interval_params *p)
{
    p->members = rtp_session_members(s);
    p->senders = rtp_session_senders(s);
    p->rtcp_bw_bps = s->cfg.rtcp_bw_bps;
    p->we_sent = s->state == 0 ? s->we_sent : 0;
    p->initial = s->initial;
    p->avg_rtcp_size_x16 = s->avg_rtcp_size_x16;
    p->min_us = rtp__min_us(s);
}

static uint64_t rtp__interval(rtp_session *s)
{
    rtcp_interval_params p;
    uint16_t r = 0x8000;
    rtp__params(s, &p);
    if (s->cb.rand) {
        uint8_t b[2] = {0, 0};
        s->in_callback++;
        s->cb.rand(s->user, b, 2);
        s->in_callback--;
        r = (uint16_t)((b[0] << 8) | b[1]);
    }
    return rtcp_interval_us(&p, r);
}

static void rtp__avg_update(rtp_session *s, size_t len)
{
    /* avg = size/16 + 15/16 avg, kept in 1/16 octets */
    uint64_t sz = (uint64_t)len + s->cfg.packet_overhead;
    if (sz > 0xffffffu) sz = 0xffffffu;
    s->avg_rtcp_size_x16 = sz + s->avg_rtcp_size_x16 - s->avg_rtcp_size_x16 / 16;
}

RTPDEF size_t rtp_session_mem_size(const rtp_session_config *cfg)
{
    uint64_t ns, rs;
    if (!cfg) return 0;
    ns = cfg->max_sources ? cfg->max_sources : RTP_SESSION_DEFAULT_SOURCES;
    rs = cfg->max_rtcp_size ? cfg->max_rtcp_size : RTP_SESSION_DEFAULT_RTCP_SIZE;
    if (ns > RTP_SESSION_MAX_SOURCES || rs < 64 || rs > 65536) return 0;
    return (size_t)(ns * sizeof(rtp_source) + rs);
}

static size_t rtp__sdes_len(const rtp_session *s)
{
    /* header 4, SSRC 4, CNAME 2 + len, null octet, pad to 4 */
    return 8 + ((s->cfg.cname.len + 2 + 1 + 3) & ~(size_t)3);
}

RTPDEF int rtp_session_init(rtp_session *s, void *mem, size_t mem_len,
                            const rtp_session_config *cfg,
                            const rtp_session_callbacks *cb, void *user,
                            uint64_t now_us)
{
    size_t need, n;
    if (!s || !cfg || !cb) return RTP_ERR_INVALID;
    if (!cfg->cname.p || cfg->cname.len == 0 || cfg->cname.len > 255) return RTP_ERR_INVALID;
    need = rtp_session_mem_size(cfg);
    if (need == 0) return RTP_ERR_INVALID;
    if (!mem || ((uintptr_t)mem & 7u)) return RTP_ERR_INVALID;
    if (mem_len < need) return RTP_ERR_NOSPACE;
    if (cb->size < offsetof(rtp_session_callbacks, send_rtcp) + sizeof(cb->send_rtcp))
        return RTP_ERR_INVALID;
    memset(s, 0, sizeof *s);
    n = cb->size < sizeof s->cb ? cb->size : sizeof s->cb;
    memcpy(&s->cb, cb, n);
    s->cb.size = (uint32_t)sizeof s->cb;
    if (!s->cb.send_rtcp) return RTP_ERR_INVALID;
    s->cfg = *cfg;
    if (!s->cfg.max_sources) s->cfg.max_sources = RTP_SESSION_DEFAULT_SOURCES;
    if (!s->cfg.max_rtcp_size) s->cfg.max_rtcp_size = RTP_SESSION_DEFAULT_RTCP_SIZE;
    if (!s->cfg.session_bw_bps) s->cfg.session_bw_bps = 64000;
    if (!s->cfg.rtcp_bw_bps) s->cfg.rtcp_bw_bps = s->cfg.session_bw_bps / 20;
    if (!s->cfg.rtcp_bw_bps) s->cfg.rtcp_bw_bps = 1;
    if (!s->cfg.packet_overhead) s->cfg.packet_overhead = 28;
    if (!s->cfg.send_clock_rate) s->cfg.send_clock_rate = 8000;
    if (!s->cfg.default_clock_rate) s->cfg.default_clock_rate = 8000;
    s->user = user;
    s->src = (rtp_source *)mem;
    memset(mem, 0, need);
    s->rtcp_buf = (uint8_t *)mem + (size_t)s->cfg.max_sources * sizeof(rtp_source);
    s->tp = now_us;
    s->pmembers = 1;
    s->initial = 1;
    /* first guess of the compound size: RR without blocks + SDES CNAME */
    s->avg_rtcp_size_x16 = 16 * (uint64_t)(8 + rtp__sdes_len(s) + s->cfg.packet_overhead);
    s->tn = now_us + rtp__interval(s);
    return 0;
}

RTPDEF rtp_source *rtp_session_find(rtp_session *s, uint32_t ssrc)
{
    uint32_t i;
    if (s->last_hit < s->n_src && s->src[s->last_hit].in_use &&
        s->src[s->last_hit].ssrc == ssrc)
        return &s->src[s->last_hit];
    for (i = 0; i < s->n_src; i++)
        if (s->src[i].in_use && s->src[i].ssrc == ssrc) {
            s->last_hit = i;
            return &s->src[i];
        }
    return NULL;
}

static rtp_source *rtp__add(rtp_session *s, uint32_t ssrc)
{
    uint32_t i;
    rtp_source *r = NULL;
    for (i = 0; i < s->n_src; i++)
        if (!s->src[i].in_use) { r = &s->src[i]; break; }
    if (!r) {
        if (s->n_src >= s->cfg.max_sources) return NULL;
        r = &s->src[s->n_src++];
    }
    memset(r, 0, sizeof *r);
    r->in_use = 1;
    r->ssrc = ssrc;
    r->probation = RTP_MIN_SEQUENTIAL;
    r->bad_seq = RTP_SEQ_MOD + 1;
    return r;
}

static void rtp__remove(rtp_session *s, rtp_source *r, int reason)
{
    uint32_t ssrc = r->ssrc;
    int was_member = r->validated || r->rtcp_seen;
    memset(r, 0, sizeof *r);
    while (s->n_src && !s->src[s->n_src - 1].in_use) s->n_src--;
    if (was_member && s->cb.on_source_removed) {
        s->in_callback++;
        s->cb.on_source_removed(s->user, ssrc, reason);
        s->in_callback--;
    }
}

static void rtp__new_member(rtp_session *s, rtp_source *r)
{
    if (s->cb.on_new_source) {
        s->in_callback++;
        s->cb.on_new_source(s->user, r);
        s->in_callback--;
    }
}

/* A.1 init_seq / update_seq, as printed in the RFC. */
static void rtp__init_seq(rtp_source *r, uint16_t seq)
{
    r->base_seq = seq;
    r->max_seq = seq;
    r->bad_seq = RTP_SEQ_MOD + 1;
    r->cycles = 0;
    r->received = 0;
    r->received_prior = 0;
    r->expected_prior = 0;
}

static int rtp__update_seq(rtp_source *r, uint16_t seq)
{
    uint16_t udelta = (uint16_t)(seq - r->max_seq);
    if (r->probation) {
        if (seq == (uint16_t)(r->max_seq + 1)) {
            r->probation--;
            r->max_seq = seq;
            if (r->probation == 0) {
                rtp__init_seq(r, seq);
                r->received++;
                return 1;
            }
        } else {
            r->probation = RTP_MIN_SEQUENTIAL - 1;
            r->max_seq = seq;
        }
        return 0;
    } else if (udelta < RTP_MAX_DROPOUT) {
        if (seq < r->max_seq) r->cycles += RTP_SEQ_MOD;
        r->max_seq = seq;
    } else if (udelta <= RTP_SEQ_MOD - RTP_MAX_MISORDER) {
        if (seq == r->bad_seq) {
            rtp__init_seq(r, seq); /* two sequential packets: restart */
        } else {
            r->bad_seq = (seq + 1u) & (RTP_SEQ_MOD - 1);
            return 0;
        }
    } /* else duplicate or reordered */
    r->received++;
    return 1;
}

/* §8.2 conflict list. */
static int rtp__conflict_find(const rtp_session *s, uint64_t addr)
{
    uint32_t i;
    for (i = 0; i < s->n_conflicts; i++)
        if (s->conflict_addr[i] == addr) return (int)i;
    return -1;
}

/* Our SSRC arrived from addr. Always drops the packet. */
static int rtp__own_ssrc(rtp_session *s, uint64_t addr, uint64_t now_us)
{
    int i = rtp__conflict_find(s, addr);
    uint32_t ssrc = s->cfg.ssrc;
    if ((s->cfg.have_own_addr && addr == s->cfg.own_addr_key) || i >= 0) {
        if (i >= 0) s->conflict_us[i] = now_us;
        s->loops++;
        if (s->cb.on_loop) {
            s->in_callback++;
            s->cb.on_loop(s->user, ssrc, addr);
            s->in_callback--;
        }
        return RTP_ERR_CONFLICT;
    }
    if (s->n_conflicts < RTP_SESSION_CONFLICTS) {
        i = (int)s->n_conflicts++;
    } else {
        i = (int)s->conflict_pos;
        s->conflict_pos = (s->conflict_pos + 1) % RTP_SESSION_CONFLICTS;
    }
    s->conflict_addr[i] = addr;
    s->conflict_us[i] = now_us;
    s->collisions++;
    if (s->cb.on_collision) {
        s->in_callback++;
        s->cb.on_collision(s->user, ssrc, addr);
        s->in_callback--;
    }
    return RTP_ERR_CONFLICT;
}

#define RTP__ENTER(s) do { \
    RTP_ASSERT(!(s)->in_callback); \
    if ((s)->in_callback) return RTP_ERR_STATE; } while (0)

RTPDEF int rtp_session_on_rtp(rtp_session *s, const uint8_t *pkt, size_t len,
                              uint64_t addr_key, uint64_t now_us,
                              rtp_source **src_out)
{
    rtp_header h;
    rtp_source *r;
    int rc, valid;
    uint32_t rate = 0;
    if (src_out) *src_out = NULL;
    if (!s) return RTP_ERR_INVALID;
    RTP__ENTER(s);
    if (s->state == 2) return RTP_ERR_STATE;
    rc = rtp_parse(pkt, len, &h);
    if (rc) return rc;
    if (h.ssrc == s->cfg.ssrc) return rtp__own_ssrc(s, addr_key, now_us);
    r = rtp_session_find(s, h.ssrc);
    if (!r) {
        r = rtp__add(s, h.ssrc);
        if (!r) return RTP_ERR_FULL;
        /* A.1: a new source starts on probation */
        rtp__init_seq(r, h.seq);
        r->max_seq = (uint16_t)(h.seq - 1);
        r->probation = RTP_MIN_SEQUENTIAL;
    }
    if (r->have_rtp_addr && r->rtp_addr != addr_key) {
        s->third_party_conflicts++; /* §8.2: another source's SSRC twice */
        return RTP_ERR_CONFLICT;
    }
    r->have_rtp_addr = 1;
    r->rtp_addr = addr_key;
    r->last_rtp_us = now_us; /* activity, also while on probation */
    if (src_out) *src_out = r;
    valid = rtp__update_seq(r, h.seq);
    if (!valid) {
        r->packets_dropped++;
        return 0;
    }
    r->packets++;
    r->octets += h.payload.len;
    r->is_sender = 1;
    r->rtp_since_report = 1;
    if (!r->validated) {
        int was_member = r->rtcp_seen;
        r->validated = 1;
        if (!was_member) rtp__new_member(s, r);
    }
    /* A.8 interarrival jitter, timestamp units */
    if (s->cb.clock_rate) {
        s->in_callback++;
        rate = s->cb.clock_rate(s->user, h.ssrc, h.payload_type);
        s->in_callback--;
    }
    if (!rate) rate = s->cfg.default_clock_rate;
    if (rate != r->clock_rate) {
        r->clock_rate = rate;
        r->have_transit = 0;
    }
    {
        uint32_t transit = rtp__us_to_ts(now_us, rate) - h.timestamp;
        if (r->have_transit) {
            int64_t d = (int32_t)(transit - r->transit);
            if (d < 0) d = -d;
            uint64_t j = r->jitter_x16; /* J += (|D| - J) / 16, scaled */
            r->jitter_x16 = j + (uint64_t)d - ((j + 8) >> 4);
        }
        r->transit = transit;
        r->have_transit = 1;
    }
    return 1;
}

RTPDEF void rtp_session_on_rtp_sent(rtp_session *s, uint32_t rtp_ts,
                                    size_t payload_len, uint64_t now_us)
{
    if (!s) return;
    s->packet_count++;
    s->octet_count += (uint32_t)payload_len;
    s->packets_sent++;
    s->octets_sent += payload_len;
    s->last_rtp_ts = rtp_ts;
    s->last_rtp_send_us = now_us;
    s->reports_since_sent = 0;
    s->sent_any = 1;
    if (s->state == 0) s->we_sent = 1;
}

static rtp_source *rtp__rtcp_source(rtp_session *s, uint32_t ssrc,
                                    uint64_t addr, uint64_t now_us, int *rc)
{
    rtp_source *r = rtp_session_find(s, ssrc);
    *rc = 0;
    if (!r) {
        if (s->state != 0) return NULL; /* leaving: no new members */
        r = rtp__add(s, ssrc);
        if (!r) { *rc = RTP_ERR_FULL; return NULL; }
    }
    if (r->have_rtcp_addr && r->rtcp_addr != addr) {
        s->third_party_conflicts++;
        *rc = RTP_ERR_CONFLICT;
        return NULL;
    }
    r->have_rtcp_addr = 1;
    r->rtcp_addr = addr;
    r->last_rtcp_us = now_us;
    if (!r->rtcp_seen) {
        r->rtcp_seen = 1;
        if (!r->validated) rtp__new_member(s, r);
    }
    return r;
}

static void rtp__rtt(rtp_session *s, rtp_source *from, const rtcp_report_block *b,
                     uint64_t now_us)
{
    uint32_t i;
    if (b->lsr == 0) return;
    for (i = 0; i < s->sr_n; i++) {
        if (s->sr_mid[i] == b->lsr) {
            uint64_t since = now_us - s->sr_sent_us[i];
            uint64_t dl = rtcp_dlsr_to_us(b->dlsr);
            if (now_us < s->sr_sent_us[i] || dl > since) return;
            s->rtt_us = since - dl;
            s->have_rtt = 1;
            if (from) {
                from->rtt_us = s->rtt_us;
                from->have_rtt = 1;
            }
            return;
        }
    }
}

static void rtp__reverse(rtp_session *s, uint64_t now_us)
{
    /* §6.3.4 reverse reconsideration */
    uint64_t m = (uint64_t)rtp__members(s);
    if (m < s->pmembers) {
        if (s->tn > now_us) s->tn = now_us + (s->tn - now_us) * m / s->pmembers;
        if (now_us > s->tp) s->tp = now_us - (now_us - s->tp) * m / s->pmembers;
        s->pmembers = (uint32_t)m;
    }
}

RTPDEF int rtp_session_on_rtcp(rtp_session *s, const uint8_t *pkt, size_t len,
                               uint64_t addr_key, uint64_t now_us)
{
    rtcp_walker w;
    rtcp_packet p;
    int rc, r = 0;
    if (!s) return RTP_ERR_INVALID;
    RTP__ENTER(s);
    if (s->state == 2) return RTP_ERR_STATE;
    rc = rtcp_compound_check(pkt, len, s->cfg.rtcp_flags & RTCP_REDUCED_SIZE);
    if (rc < 0) return rc;
    s->rtcp_received++;
    rtp__avg_update(s, len);
    rtcp_walk_init(&w, pkt, len, s->cfg.rtcp_flags & RTCP_REDUCED_SIZE);
    while ((rc = rtcp_walk_next(&w, &p)) == 1) {
        if (p.pt == RTCP_SR || p.pt == RTCP_RR) {
            rtcp_report rep;
            rtp_source *src;
            unsigned i;
            if (rtcp_report_parse(&p, &rep) != 0) continue;
            if (rep.ssrc == s->cfg.ssrc) return rtp__own_ssrc(s, addr_key, now_us);
            src = rtp__rtcp_source(s, rep.ssrc, addr_key, now_us, &r);
            if (r == RTP_ERR_CONFLICT) return r;
            if (src && rep.is_sr) {
                if (!src->clock_rate) src->clock_rate = s->cfg.default_clock_rate;
                src->have_sr = 1;
                src->sr_ntp = rep.si.ntp;
                src->sr_rtp = rep.si.rtp_ts;
                src->sr_recv_us = now_us;
            }
            for (i = 0; i < rep.rb_count; i++) {
                rtcp_report_block b;
                rtcp_report_block_get(&rep, i, &b);
                if (b.ssrc == s->cfg.ssrc) rtp__rtt(s, src, &b, now_us);
            }
        } else if (p.pt == RTCP_SDES) {
            rtcp_sdes_iter it;
            rtcp_sdes_item item;
            if (rtcp_sdes_iter_init(&it, &p) != 0) continue;
            while (rtcp_sdes_next(&it, &item) == 1) {
                if (item.type != RTCP_SDES_CNAME || item.ssrc == s->cfg.ssrc) continue;
                (void)rtp__rtcp_source(s, item.ssrc, addr_key, now_us, &r);
                if (r == RTP_ERR_CONFLICT) return r;
            }
        } else if (p.pt == RTCP_BYE) {
            rtcp_bye b;
            unsigned i;
            if (rtcp_bye_parse(&p, &b) != 0) continue;
            for (i = 0; i < b.count; i++) {
                uint32_t ssrc = rtp_u32_at(b.ssrcs, i);
                rtp_source *src;
                if (ssrc == s->cfg.ssrc) continue;
                if (s->state == 1) {
                    if (s->leave_members < 0xffffffffu) s->leave_members++;
                    continue;
                }
                src = rtp_session_find(s, ssrc);
                if (src) rtp__remove(s, src, RTP_SOURCE_BYE);
            }
            if (s->state == 0) rtp__reverse(s, now_us);
        }
    }
    return rc < 0 ? rc : (r == RTP_ERR_FULL ? r : 0);
}

RTPDEF uint64_t rtp_session_next_deadline(const rtp_session *s)
{
    if (!s || s->state == 2) return UINT64_MAX;
    return s->tn;
}

static uint64_t rtp__ntp_now(const rtp_session *s, uint64_t now_us)
{
    int64_t u = (int64_t)now_us + s->cfg.wallclock_offset_us;
    return rtcp_ntp_from_unix_us(u < 0 ? 0 : (uint64_t)u);
}

RTPDEF void rtp_source_get_stats(const rtp_source *src, rtp_source_stats *st)
{
    int64_t lost;
    st->ext_highest_seq = src->cycles + src->max_seq;
    st->expected = (int64_t)st->ext_highest_seq - (int64_t)src->base_seq + 1;
    st->received = src->received;
    lost = st->expected - (int64_t)src->received;
    if (lost > 0x7fffff) lost = 0x7fffff;
    if (lost < -0x800000) lost = -0x800000;
    st->cumulative_lost = (int32_t)lost;
    st->jitter = (src->jitter_x16 >> 4) > 0xffffffffu ? 0xffffffffu
                                                     : (uint32_t)(src->jitter_x16 >> 4);
}

RTPDEF void rtp_source_report_block(rtp_source *src, uint64_t now_us,
                                    rtcp_report_block *rb)
{
    rtp_source_stats st;
    int64_t exp_int, rec_int, lost_int;
    rtp_source_get_stats(src, &st);
    exp_int = st.expected - (int64_t)src->expected_prior;
    src->expected_prior = (uint32_t)st.expected;
    rec_int = (int64_t)src->received - (int64_t)src->received_prior;
    src->received_prior = src->received;
    lost_int = exp_int - rec_int;
    rb->ssrc = src->ssrc;
    if (exp_int <= 0 || lost_int <= 0) rb->fraction_lost = 0;
    else {
        int64_t f = (lost_int << 8) / exp_int;
        rb->fraction_lost = (uint8_t)(f > 255 ? 255 : f);
    }
    rb->cumulative_lost = st.cumulative_lost;
    rb->ext_highest_seq = st.ext_highest_seq;
    rb->jitter = st.jitter;
    if (src->have_sr) {
        rb->lsr = rtcp_ntp_mid32(src->sr_ntp);
        rb->dlsr = now_us >= src->sr_recv_us ? rtcp_dlsr_from_us(now_us - src->sr_recv_us) : 0;
    } else {
        rb->lsr = 0;
        rb->dlsr = 0;
    }
}

RTPDEF int rtp_source_rtp_to_ntp(const rtp_source *src, uint32_t rtp_ts,
                                 uint64_t *ntp)
{
    int64_t d, q, rem;
    if (!src->have_sr || !src->clock_rate) return RTP_ERR_NOT_FOUND;
    d = (int32_t)(rtp_ts - src->sr_rtp);
    q = d / (int64_t)src->clock_rate;
    rem = d % (int64_t)src->clock_rate;
    if (rem < 0) { rem += src->clock_rate; q--; }
    *ntp = src->sr_ntp + (uint64_t)(q * 4294967296ll) +
           (((uint64_t)rem << 32) / src->clock_rate);
    return 0;
}

RTPDEF int rtp_source_ntp_to_rtp(const rtp_source *src, uint64_t ntp,
                                 uint32_t *rtp_ts)
{
    uint64_t d, sec, frac;
    int neg;
    if (!src->have_sr || !src->clock_rate) return RTP_ERR_NOT_FOUND;
    d = ntp - src->sr_ntp;
    neg = (d >> 63) != 0;
    if (neg) d = ~d + 1;
    sec = d >> 32;
    frac = d & 0xffffffffu;
    d = sec * src->clock_rate + ((frac * src->clock_rate) >> 32);
    *rtp_ts = neg ? src->sr_rtp - (uint32_t)d : src->sr_rtp + (uint32_t)d;
    return 0;
}

/* Our report: SR or RR with blocks for sources heard since the last one
 * (at most 31, rotating when more), then SDES CNAME. */
static int rtp__build_report(rtp_session *s, uint64_t now_us, int *is_sr)
{
    rtcp_report_block rb[31];
    rtp_source *who[31];
    rtcp_sender_info si;
    rtcp_sdes_item item;
    rtcp_sdes_chunk ch;
    size_t sdes = rtp__sdes_len(s), cap = s->cfg.max_rtcp_size, head;
    uint32_t i, k, n = 0, max_n;
    int a, b;
    *is_sr = s->we_sent;
    head = *is_sr ? 28u : 8u;
    if (head + sdes > cap) return RTP_ERR_NOSPACE;
    max_n = (uint32_t)((cap - head - sdes) / 24);
    if (max_n > 31) max_n = 31;
    for (k = 0; k < s->n_src && n < max_n; k++) {
        i = (s->rr_cursor + k) % s->n_src;
        if (s->src[i].in_use && s->src[i].validated && s->src[i].rtp_since_report)
            who[n++] = &s->src[i];
    }
    if (s->n_src) s->rr_cursor = (s->rr_cursor + k) % s->n_src;
    for (i = 0; i < n; i++) {
        rtp_source_report_block(who[i], now_us, &rb[i]);
        who[i]->rtp_since_report = 0;
    }
    if (*is_sr) {
        si.ntp = rtp__ntp_now(s, now_us);
        si.rtp_ts = s->last_rtp_ts +
                    (now_us > s->last_rtp_send_us
                         ? rtp__us_to_ts(now_us - s->last_rtp_send_us, s->cfg.send_clock_rate)
                         : 0u);
        si.packet_count = s->packet_count;
        si.octet_count = s->octet_count;
    }
    a = rtcp_report_build(s->cfg.ssrc, *is_sr ? &si : NULL, rb, n, s->rtcp_buf, cap, NULL);
    if (a < 0) return a;
    item.ssrc = 0;
    item.chunk = 0;
    item.type = RTCP_SDES_CNAME;
    item.prefix = rtp__span(NULL, 0);
    item.value = s->cfg.cname;
    ch.ssrc = s->cfg.ssrc;
    ch.items = &item;
    ch.n_items = 1;
    b = rtcp_sdes_build(&ch, 1, s->rtcp_buf + a, cap - (size_t)a, NULL);
    if (b < 0) return b;
    if (*is_sr) {
        uint32_t pos = s->sr_pos;
        s->sr_mid[pos] = rtcp_ntp_mid32(si.ntp);
        s->sr_sent_us[pos] = now_us;
        s->sr_pos = (pos + 1) % RTP_SESSION_SR_HISTORY;
        if (s->sr_n < RTP_SESSION_SR_HISTORY) s->sr_n++;
    }
    return a + b;
}

RTPDEF int rtp_session_build_bye(const rtp_session *s, uint32_t ssrc,
                                 rtp_span reason, uint8_t *out, size_t cap,
                                 size_t *needed)
{
    rtcp_sdes_item item;
    rtcp_sdes_chunk ch;
    size_t total = 8 + rtp__sdes_len(s), bl = 0;
    int a;
    if (needed) *needed = 0;
    if (reason.len > 255 || (reason.len && !reason.p)) return RTP_ERR_INVALID;
    (void)rtcp_bye_build(&ssrc, 1, reason, NULL, 0, &bl);
    total += bl;
    if (!out || cap < total) {
        if (needed) *needed = total;
        return RTP_ERR_NOSPACE;
    }
    a = rtcp_report_build(ssrc, NULL, NULL, 0, out, cap, NULL);
    if (a < 0) return a;
    item.ssrc = 0;
    item.chunk = 0;
    item.type = RTCP_SDES_CNAME;
    item.prefix = rtp__span(NULL, 0);
    item.value = s->cfg.cname;
    ch.ssrc = ssrc;
    ch.items = &item;
    ch.n_items = 1;
    a += rtcp_sdes_build(&ch, 1, out + a, cap - (size_t)a, NULL);
    a += rtcp_bye_build(&ssrc, 1, reason, out + a, cap - (size_t)a, NULL);
    return a;
}

static int rtp__send(rtp_session *s, size_t len)
{
    int rc;
    s->in_callback++;
    rc = s->cb.send_rtcp(s->user, s->rtcp_buf, len);
    s->in_callback--;
    if (rc) return RTP_ERR_CALLBACK;
    s->rtcp_sent++;
    s->sent_any = 1;
    return 0;
}

static int rtp__send_bye(rtp_session *s)
{
    int len = rtp_session_build_bye(s, s->cfg.ssrc,
                                    rtp__span(s->bye_reason, s->bye_reason_len),
                                    s->rtcp_buf, s->cfg.max_rtcp_size, NULL);
    if (len == RTP_ERR_NOSPACE) /* drop the reason rather than the BYE */
        len = rtp_session_build_bye(s, s->cfg.ssrc, rtp__span(NULL, 0),
                                    s->rtcp_buf, s->cfg.max_rtcp_size, NULL);
    if (len < 0) return len;
    s->state = 2;
    return rtp__send(s, (size_t)len);
}

static void rtp__timeouts(rtp_session *s, uint64_t now_us)
{
    rtcp_interval_params p;
    uint64_t td;
    uint32_t i;
    rtp__params(s, &p);
    p.initial = 0;
    p.min_us = RTP__MIN_US;
    td = rtcp_interval_det_us(&p);
    for (i = 0; i < s->n_src; i++) {
        rtp_source *r = &s->src[i];
        uint64_t last;
        if (!r->in_use) continue;
        last = r->last_rtp_us > r->last_rtcp_us ? r->last_rtp_us : r->last_rtcp_us;
        if (r->is_sender && now_us > r->last_rtp_us && now_us - r->last_rtp_us > 2 * td)
            r->is_sender = 0;
        if (now_us > last && now_us - last > 5 * td) rtp__remove(s, r, RTP_SOURCE_TIMEOUT);
    }
    /* forget conflicting addresses after 10 intervals (§8.2) */
    for (i = 0; i < s->n_conflicts;) {
        if (now_us > s->conflict_us[i] && now_us - s->conflict_us[i] > 10 * td) {
            s->conflict_addr[i] = s->conflict_addr[s->n_conflicts - 1];
            s->conflict_us[i] = s->conflict_us[s->n_conflicts - 1];
            s->n_conflicts--;
            s->conflict_pos = 0;
        } else {
            i++;
        }
    }
}

RTPDEF int rtp_session_on_timeout(rtp_session *s, uint64_t now_us)
{
    uint64_t t;
    int rc, is_sr;
    if (!s) return RTP_ERR_INVALID;
    RTP__ENTER(s);
    if (s->state == 2) return RTP_ERR_STATE;
    if (now_us < s->tn) return 0;
    if (s->state == 1) {
        /* A.7 OnExpire, EVENT_BYE */
        t = rtp__interval(s);
        if (s->tp + t <= now_us) return (rc = rtp__send_bye(s)) < 0 ? rc : 1;
        s->tn = s->tp + t;
        return 0;
    }
    rtp__timeouts(s, now_us);
    /* A.7 OnExpire, EVENT_REPORT, with timer reconsideration */
    t = rtp__interval(s);
    if (s->tp + t > now_us) {
        s->tn = s->tp + t;
        s->pmembers = rtp_session_members(s);
        return 0;
    }
    if (s->we_sent && s->reports_since_sent >= 2) s->we_sent = 0; /* §6.3.8 */
    rc = rtp__build_report(s, now_us, &is_sr);
    if (rc < 0) return rc;
    rtp__avg_update(s, (size_t)rc);
    s->tp = now_us;
    /* A.7 redraws the interval here with initial still set */
    s->tn = now_us + rtp__interval(s);
    s->initial = 0;
    s->pmembers = rtp_session_members(s);
    if (s->reports_since_sent < 0xffffffffu) s->reports_since_sent++;
    rc = rtp__send(s, (size_t)rc);
    return rc < 0 ? rc : 1;
}

RTPDEF int rtp_session_leave(rtp_session *s, rtp_span reason, uint64_t now_us)
{
    if (!s) return RTP_ERR_INVALID;
    RTP__ENTER(s);
    if (s->state != 0) return RTP_ERR_STATE;
    if (reason.len > 255 || (reason.len && !reason.p)) return RTP_ERR_INVALID;
    if (reason.len) memcpy(s->bye_reason, reason.p, reason.len);
    s->bye_reason_len = (uint8_t)reason.len;
    if (!s->sent_any) { /* §6.3.7: never sent anything, no BYE */
        s->state = 2;
        return 0;
    }
    if (rtp_session_members(s) < RTP_SESSION_BYE_THRESHOLD) {
        int rc = rtp__send_bye(s);
        return rc < 0 ? rc : 1;
    }
    /* §6.3.7 BYE reconsideration */
    {
        size_t need = 0;
        (void)rtp_session_build_bye(s, s->cfg.ssrc, reason, NULL, 0, &need);
        s->avg_rtcp_size_x16 = 16 * (uint64_t)(need + s->cfg.packet_overhead);
    }
    s->state = 1;
    s->tp = now_us;
    s->leave_members = 1;
    s->pmembers = 1;
    s->initial = 1;
    s->we_sent = 0;
    s->tn = now_us + rtp__interval(s);
    return 0;
}

RTPDEF void rtp_session_change_ssrc(rtp_session *s, uint32_t ssrc)
{
    if (!s) return;
    s->cfg.ssrc = ssrc;
    s->packet_count = 0;
    s->octet_count = 0;
    s->we_sent = 0;
    s->reports_since_sent = 0;
    s->sr_n = 0;
    s->sr_pos = 0;
}

/* ---- adaptive jitter buffer and RFC 4733 telephone-events ---------- */
/* ---- jitter buffer, telephone-events (error texts) ---------------------- */

RTPDEF const char *rtp_jb_strerror(int err)
{
    switch (err) {
    case RTP_ERR_JB_CONFIG: return "invalid jitter buffer configuration";
    case RTP_ERR_JB_DUPLICATE: return "duplicate packet";
    case RTP_ERR_JB_LATE: return "packet arrived after its playout time";
    case RTP_ERR_JB_WINDOW: return "sequence number outside the jitter buffer window";
    case RTP_ERR_JB_TOO_BIG: return "payload larger than a jitter buffer slot";
    case RTP_ERR_DTMF_BUSY: return "telephone-event still being sent";
    case RTP_ERR_DTMF_EVENT: return "bad telephone-event code, character or volume";
    case RTP_ERR_DTMF_CONFIG: return "bad telephone-event clock rate or tick";
    default: return rtp_strerror(err);
    }
}

/* ---- jitter buffer ------------------------------------------------------ */

#define RTP__JB_IDLE 0
#define RTP__JB_WAIT 1
#define RTP__JB_PLAY 2

#define RTP__JB_FREE 0
#define RTP__JB_FULL 1
#define RTP__JB_PLAYED 2

RTPDEF int rtp_jb_config_resolve(const rtp_jb_config *cfg, rtp_jb_config *out)
{
    rtp_jb_config c;
    uint64_t samples;
    if (!out) return RTP_ERR_JB_CONFIG;
    if (cfg) c = *cfg;
    else memset(&c, 0, sizeof c);
    if (!c.clock_rate) c.clock_rate = 8000;
    if (!c.frame_us) c.frame_us = 20000;
    if (!c.min_depth) c.min_depth = 1;
    if (!c.max_depth) c.max_depth = c.min_depth > 10 ? c.min_depth : 10;
    if (!c.initial_depth) c.initial_depth = 3;
    if (!c.jitter_factor) c.jitter_factor = 64;
    if (!c.max_payload) c.max_payload = 1500;
    if (c.min_depth > c.max_depth || c.max_depth >= RTP_JB_MAX_SLOTS)
        return RTP_ERR_JB_CONFIG;
    if (!c.slots) {
        c.slots = 2 * c.max_depth + 8;
        if (c.slots > RTP_JB_MAX_SLOTS) c.slots = RTP_JB_MAX_SLOTS;
    }
    if (c.initial_depth < c.min_depth) c.initial_depth = c.min_depth;
    if (c.initial_depth > c.max_depth) c.initial_depth = c.max_depth;
    samples = (uint64_t)c.clock_rate * c.frame_us;
    if (samples % 1000000u || samples / 1000000u > 0xffff) return RTP_ERR_JB_CONFIG;
    if (c.slots <= c.max_depth || c.slots > RTP_JB_MAX_SLOTS) return RTP_ERR_JB_CONFIG;
    if (c.max_payload > RTP_JB_MAX_PAYLOAD || c.jitter_factor > 65536u)
        return RTP_ERR_JB_CONFIG;
    *out = c;
    return 0;
}

static size_t rtp__jb_payload_stride(const rtp_jb_config *c)
{
    return (c->max_payload + 7) & ~(size_t)7;
}

RTPDEF size_t rtp_jb_mem_size(const rtp_jb_config *cfg)
{
    rtp_jb_config c;
    if (rtp_jb_config_resolve(cfg, &c) != 0) return 0;
    return (size_t)c.slots * (sizeof(rtp__jb_slot) + rtp__jb_payload_stride(&c));
}

static void rtp__jb_forget(rtp_jb *jb)
{
    unsigned i;
    for (i = 0; i < jb->cfg.slots; i++) jb->slot[i].state = RTP__JB_FREE;
    jb->state = RTP__JB_IDLE;
    jb->played_any = 0;
    jb->have_transit = 0;
    jb->bad_valid = 0;
    jb->play_seq = 0;
    jb->play_ts = 0;
    jb->start_us = 0;
    jb->prev_arrival = 0;
    jb->prev_ets = 0;
    jb->anchored_seq = 0;
    jb->jitter16 = 0;
    jb->underruns = 0;
    jb->st.depth = jb->cfg.initial_depth;
    jb->st.target = jb->cfg.initial_depth;
    jb->st.buffered = 0;
    jb->st.jitter_us = 0;
}

RTPDEF int rtp_jb_init(rtp_jb *jb, void *mem, size_t mem_len, const rtp_jb_config *cfg)
{
    rtp_jb_config c;
    size_t need;
    if (!jb || !mem) return RTP_ERR_JB_CONFIG;
    if (rtp_jb_config_resolve(cfg, &c) != 0) return RTP_ERR_JB_CONFIG;
    need = rtp_jb_mem_size(&c);
    if (mem_len < need) return RTP_ERR_JB_CONFIG;
    memset(jb, 0, sizeof *jb);
    jb->cfg = c;
    jb->spf = (uint32_t)((uint64_t)c.clock_rate * c.frame_us / 1000000u);
    jb->slot = (rtp__jb_slot *)mem;
    jb->data = (uint8_t *)mem + (size_t)c.slots * sizeof(rtp__jb_slot);
    rtp__jb_forget(jb);
    return 0;
}

RTPDEF void rtp_jb_reset(rtp_jb *jb)
{
    if (!jb) return;
    rtp__jb_forget(jb);
    jb->have_ssrc = 0;
}

static rtp__jb_slot *rtp__jb_slot_of(rtp_jb *jb, int64_t ext_seq)
{
    /* ext_seq may be negative before the first wrap downwards */
    int64_t n = (int64_t)jb->cfg.slots;
    int64_t i = ext_seq % n;
    if (i < 0) i += n;
    return &jb->slot[i];
}

/* Target depth from the jitter estimate: ceil(k/16 * J / frame). */
static void rtp__jb_retarget(rtp_jb *jb)
{
    uint64_t j = jb->jitter16 >> 4;
    uint64_t num = (uint64_t)jb->cfg.jitter_factor * j;
    uint64_t den = 16u * (uint64_t)jb->cfg.frame_us;
    uint64_t t = (num + den - 1) / den;
    if (t < jb->cfg.min_depth) t = jb->cfg.min_depth;
    if (t > jb->cfg.max_depth) t = jb->cfg.max_depth;
    jb->st.target = (unsigned)t;
    jb->st.jitter_us = j > 0xffffffffu ? 0xffffffffu : (uint32_t)j;
}

static int64_t rtp__jb_clamp(int64_t v, int64_t lim)
{
    return v > lim ? lim : v < -lim ? -lim : v;
}

/* RFC 3550 A.8 on arrival time vs media time, in µs: D is the difference
 * of the two clocks' advances since the previous packet. */
static void rtp__jb_jitter(rtp_jb *jb, int64_t ext_ts, uint64_t now_us)
{
    if (jb->have_transit) {
        /* both advances clamped to an hour so neither a clock jump nor a
         * hostile timestamp can overflow */
        const int64_t hour = (int64_t)3600 * 1000000;
        int64_t da = rtp__jb_clamp((int64_t)(now_us - jb->prev_arrival), hour);
        int64_t dts = rtp__jb_clamp(ext_ts - jb->prev_ets, (int64_t)1 << 40);
        int64_t dm = rtp__jb_clamp(dts * 1000000 / (int64_t)jb->cfg.clock_rate, hour);
        int64_t d = da - dm;
        uint64_t ad = (uint64_t)(d < 0 ? -d : d);
        if (ad > 60000000u) ad = 60000000u; /* a minute caps a clock jump */
        /* J16 += |D| - J16/16, rounded */
        jb->jitter16 = jb->jitter16 + ad - ((jb->jitter16 + 8) >> 4);
    }
    jb->prev_arrival = now_us;
    jb->prev_ets = ext_ts;
    jb->have_transit = 1;
    rtp__jb_retarget(jb);
}

static void rtp__jb_store(rtp_jb *jb, int64_t ext, int64_t ets, int marker,
                          const uint8_t *payload, size_t len, uint64_t now_us)
{
    rtp__jb_slot *s = rtp__jb_slot_of(jb, ext);
    size_t idx = (size_t)(s - jb->slot);
    if (s->state == RTP__JB_FULL) jb->st.buffered--; /* cannot happen: window */
    s->ext_seq = ext;
    s->ext_ts = ets;
    s->arrival_us = now_us;
    s->len = (uint32_t)len;
    s->state = RTP__JB_FULL;
    s->marker = (uint8_t)(marker != 0);
    if (len) memcpy(jb->data + idx * rtp__jb_payload_stride(&jb->cfg), payload, len);
    jb->st.buffered++;
    rtp__jb_jitter(jb, ets, now_us);
}

/* At a talkspurt start the depth moves to the target: up at once, down by
 * one frame. */
static void rtp__jb_talkspurt_depth(rtp_jb *jb)
{
    if (jb->st.target > jb->st.depth) jb->st.depth = jb->st.target;
    else if (jb->st.target < jb->st.depth) jb->st.depth--;
}

/* Make (seq, ts) the first packet of the stream or of a talkspurt after the
 * buffer went idle. */
static void rtp__jb_anchor(rtp_jb *jb, int64_t ext, int64_t ets, uint64_t now_us)
{
    if (jb->played_any) rtp__jb_talkspurt_depth(jb);
    jb->play_seq = ext;
    jb->play_ts = ets;
    jb->anchored_seq = ext;
    jb->state = RTP__JB_WAIT;
    jb->start_us = now_us + (uint64_t)jb->st.depth * jb->cfg.frame_us;
}

RTPDEF int rtp_jb_put(rtp_jb *jb, uint32_t ssrc, uint16_t seq, uint32_t timestamp,
                      int marker, const uint8_t *payload, size_t len, uint64_t now_us)
{
    int64_t ext, ets, n;
    rtp__jb_slot *s;
    if (!jb || (!payload && len)) return RTP_ERR_INVALID;
    jb->st.received++;
    if (len > jb->cfg.max_payload) {
        jb->st.window++;
        return RTP_ERR_JB_TOO_BIG;
    }
    if (jb->have_ssrc && ssrc != jb->ssrc) {
        rtp__jb_forget(jb);
        jb->st.resets++;
    }
    jb->have_ssrc = 1;
    jb->ssrc = ssrc;
    n = (int64_t)jb->cfg.slots;
    if (jb->state == RTP__JB_IDLE && !jb->played_any) {
        /* the very first packet: extended values start at the raw ones */
        rtp__jb_anchor(jb, (int64_t)seq, (int64_t)timestamp, now_us);
        rtp__jb_store(jb, (int64_t)seq, (int64_t)timestamp, marker, payload, len, now_us);
        return 0;
    }
    ext = jb->play_seq + (int16_t)(uint16_t)(seq - (uint16_t)(uint64_t)jb->play_seq);
    ets = jb->play_ts + (int32_t)(uint32_t)(timestamp - (uint32_t)(uint64_t)jb->play_ts);
    s = rtp__jb_slot_of(jb, ext);
    if (s->state != RTP__JB_FREE && s->ext_seq == ext) {
        jb->st.duplicate++;
        return RTP_ERR_JB_DUPLICATE;
    }
    if (ext >= jb->play_seq + n || ext <= jb->play_seq - n) {
        /* outside the window: a restart when two arrive in sequence */
        if (jb->bad_valid && seq == (uint16_t)(jb->bad_seq + 1u)) {
            rtp__jb_forget(jb);
            jb->st.resets++;
            rtp__jb_anchor(jb, (int64_t)seq, (int64_t)timestamp, now_us);
            rtp__jb_store(jb, (int64_t)seq, (int64_t)timestamp, marker, payload, len,
                          now_us);
            return 0;
        }
        jb->bad_valid = 1;
        jb->bad_seq = seq;
        jb->st.window++;
        return RTP_ERR_JB_WINDOW;
    }
    jb->bad_valid = 0;
    if (ext < jb->play_seq) {
        if (jb->state == RTP__JB_WAIT && !jb->played_any) {
            /* reordered at the start: begin earlier, if no buffered packet
             * is a whole window ahead of it */
            int64_t k;
            for (k = ext + n; k < jb->play_seq + n; k++) {
                rtp__jb_slot *o = rtp__jb_slot_of(jb, k);
                if (o->state == RTP__JB_FULL && o->ext_seq == k) {
                    jb->st.window++;
                    return RTP_ERR_JB_WINDOW;
                }
            }
            jb->play_seq = ext;
            jb->play_ts = ets;
            jb->anchored_seq = ext;
            rtp__jb_store(jb, ext, ets, marker, payload, len, now_us);
            return 0;
        }
        jb->st.late++;
        /* it still tells about the network's jitter */
        rtp__jb_jitter(jb, ets, now_us);
        return RTP_ERR_JB_LATE;
    }
    if (jb->state == RTP__JB_IDLE) {
        /* after an underrun ended the talkspurt: this packet starts the
         * next one */
        rtp__jb_store(jb, ext, ets, marker, payload, len, now_us);
        rtp__jb_anchor(jb, ext, ets, now_us);
        return 0;
    }
    rtp__jb_store(jb, ext, ets, marker, payload, len, now_us);
    return 0;
}

static rtp_jb_kind rtp__jb_out(rtp_jb_frame *out, rtp_jb_kind k)
{
    out->kind = k;
    return k;
}

RTPDEF rtp_jb_kind rtp_jb_get(rtp_jb *jb, uint64_t now_us, rtp_jb_frame *out)
{
    rtp__jb_slot *s;
    rtp_jb_frame dummy;
    if (!out) out = &dummy;
    memset(out, 0, sizeof *out);
    if (!jb || jb->state == RTP__JB_IDLE) return rtp__jb_out(out, RTP_JB_EMPTY);
    if (jb->state == RTP__JB_WAIT) {
        if (now_us < jb->start_us) return rtp__jb_out(out, RTP_JB_EMPTY);
        s = rtp__jb_slot_of(jb, jb->play_seq);
        if (s->state == RTP__JB_FULL && s->ext_seq == jb->play_seq) jb->play_ts = s->ext_ts;
        jb->state = RTP__JB_PLAY;
        jb->underruns = 0;
    } else if (jb->st.target > jb->st.depth) {
        /* grow inside a talkspurt: one inserted tick */
        jb->st.depth++;
        jb->st.inserted++;
        out->inserted = 1;
        out->timestamp = (uint32_t)(uint64_t)jb->play_ts;
        return rtp__jb_out(out, RTP_JB_LOST);
    }
    s = rtp__jb_slot_of(jb, jb->play_seq);
    if (s->state == RTP__JB_FULL && s->ext_seq == jb->play_seq) {
        if (jb->played_any && jb->anchored_seq != jb->play_seq &&
            (s->marker || s->ext_ts > jb->play_ts)) {
            /* a talkspurt starts here: move the depth towards the target
             * and play depth frames after the packet's arrival */
            rtp__jb_talkspurt_depth(jb);
            jb->anchored_seq = jb->play_seq;
            jb->underruns = 0;
            jb->start_us = s->arrival_us + (uint64_t)jb->st.depth * jb->cfg.frame_us;
            if (now_us < jb->start_us) {
                jb->state = RTP__JB_WAIT;
                return rtp__jb_out(out, RTP_JB_EMPTY);
            }
            jb->play_ts = s->ext_ts;
        } else if (jb->underruns) {
            /* it came late but was waited for: the delay grew */
            jb->st.depth += jb->underruns;
            if (jb->st.depth > jb->cfg.max_depth) jb->st.depth = jb->cfg.max_depth;
        }
        out->seq = (uint16_t)(uint64_t)s->ext_seq;
        out->timestamp = (uint32_t)(uint64_t)s->ext_ts;
        out->marker = s->marker;
        out->payload.p = jb->data + (size_t)(s - jb->slot) * rtp__jb_payload_stride(&jb->cfg);
        out->payload.len = s->len;
        s->state = RTP__JB_PLAYED;
        jb->st.buffered--;
        jb->st.played++;
        jb->played_any = 1;
        jb->underruns = 0;
        jb->play_seq++;
        jb->play_ts = s->ext_ts + jb->spf;
        return rtp__jb_out(out, RTP_JB_FRAME);
    }
    if (jb->st.buffered > 0) {
        /* a later packet is here: this one is missing */
        out->seq = (uint16_t)(uint64_t)jb->play_seq;
        out->timestamp = (uint32_t)(uint64_t)jb->play_ts;
        jb->st.lost++;
        jb->play_seq++;
        jb->play_ts += jb->spf;
        jb->underruns = 0;
        jb->played_any = 1;
        return rtp__jb_out(out, RTP_JB_LOST);
    }
    /* underrun: wait for the packet, concealing */
    if (jb->underruns >= jb->cfg.max_depth) {
        jb->state = RTP__JB_IDLE;
        jb->played_any = 1;
        return rtp__jb_out(out, RTP_JB_EMPTY);
    }
    jb->underruns++;
    jb->st.inserted++;
    out->inserted = 1;
    out->timestamp = (uint32_t)(uint64_t)jb->play_ts;
    return rtp__jb_out(out, RTP_JB_LOST);
}

RTPDEF void rtp_jb_stats_get(const rtp_jb *jb, rtp_jb_stats *st)
{
    if (!st) return;
    if (!jb) {
        memset(st, 0, sizeof *st);
        return;
    }
    *st = jb->st;
}

/* ---- RFC 4733 telephone-events ------------------------------------------ */

RTPDEF char rtp_dtmf_event_to_char(unsigned event)
{
    static const char tab[] = "0123456789*#ABCD!";
    return event < 17 ? tab[event] : 0;
}

RTPDEF int rtp_dtmf_char_to_event(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'D') return RTP_DTMF_A + (c - 'A');
    if (c >= 'a' && c <= 'd') return RTP_DTMF_A + (c - 'a');
    if (c == '*') return RTP_DTMF_STAR;
    if (c == '#') return RTP_DTMF_POUND;
    if (c == '!') return RTP_DTMF_FLASH;
    return RTP_ERR_DTMF_EVENT;
}

RTPDEF int rtp_dtmf_payload_parse(rtp_span p, rtp_dtmf_payload *out)
{
    if (!out || (!p.p && p.len)) return RTP_ERR_INVALID;
    if (p.len < 4) return RTP_ERR_TRUNCATED;
    out->event = p.p[0];
    out->end = (uint8_t)(p.p[1] >> 7);
    out->volume = (uint8_t)(p.p[1] & 0x3f);
    out->duration = rtp__be16(p.p + 2);
    return 0;
}

RTPDEF int rtp_dtmf_payload_build(const rtp_dtmf_payload *p, uint8_t out[4])
{
    if (!p || !out) return RTP_ERR_INVALID;
    if (p->volume > 63) return RTP_ERR_DTMF_EVENT;
    out[0] = p->event;
    out[1] = (uint8_t)((p->end ? 0x80u : 0u) | p->volume);
    out[2] = (uint8_t)(p->duration >> 8);
    out[3] = (uint8_t)p->duration;
    return 4;
}

RTPDEF int rtp_dtmf_sender_init(rtp_dtmf_sender *s, uint32_t clock_rate, uint32_t tick_us)
{
    uint64_t samples = (uint64_t)clock_rate * tick_us;
    if (!s) return RTP_ERR_INVALID;
    memset(s, 0, sizeof *s);
    if (samples == 0 || samples % 1000000u || samples / 1000000u > 0xffff)
        return RTP_ERR_DTMF_CONFIG;
    s->spt = (uint32_t)(samples / 1000000u);
    return 0;
}

RTPDEF int rtp_dtmf_sender_start(rtp_dtmf_sender *s, unsigned event, unsigned volume,
                                 uint32_t ts, uint64_t duration)
{
    if (!s || !s->spt) return RTP_ERR_INVALID;
    if (event > 255 || volume > 63) return RTP_ERR_DTMF_EVENT;
    if (s->active) return RTP_ERR_DTMF_BUSY;
    s->active = 1;
    s->ending = 0;
    s->stop_req = 0;
    s->first = 1;
    s->new_seg = 0;
    s->pending_end = 0;
    s->event = (uint8_t)event;
    s->volume = (uint8_t)volume;
    s->seg_ts = ts;
    s->dur = 0;
    s->carry = 0;
    s->elapsed = 0;
    s->total = duration;
    return 0;
}

RTPDEF void rtp_dtmf_sender_stop(rtp_dtmf_sender *s)
{
    if (s && s->active && !s->ending) s->stop_req = 1;
}

RTPDEF int rtp_dtmf_sender_busy(const rtp_dtmf_sender *s)
{
    return s && s->active;
}

static void rtp__dtmf_emit(rtp_dtmf_sender *s, rtp_dtmf_packet *out)
{
    rtp_dtmf_payload p;
    memset(out, 0, sizeof *out);
    p.event = s->event;
    p.end = (uint8_t)(s->ending != 0);
    p.volume = s->volume;
    p.duration = (uint16_t)s->dur;
    rtp_dtmf_payload_build(&p, out->payload);
    out->marker = (uint8_t)s->first;
    out->timestamp = s->seg_ts;
    out->event = p.event;
    out->end = p.end;
    out->duration = p.duration;
    s->first = 0;
}

RTPDEF int rtp_dtmf_sender_tick(rtp_dtmf_sender *s, rtp_dtmf_packet *out)
{
    rtp_dtmf_packet dummy;
    uint64_t step;
    int end_now = 0;
    if (!out) out = &dummy;
    if (!s || !s->active) return 0;
    if (s->ending) {
        /* the retransmissions of the end packet (§2.5.1.4) */
        s->ending++;
        rtp__dtmf_emit(s, out);
        if (s->ending >= 3) s->active = 0;
        return 1;
    }
    if (s->new_seg) {
        /* §2.5.1.3: the next segment starts where the full one ended, with
         * the samples that did not fit */
        s->seg_ts += 0xffffu;
        s->dur = s->carry;
        s->carry = 0;
        s->new_seg = 0;
        if (s->pending_end) {
            /* the event ended in the tick that filled the old segment */
            s->ending = 1;
            rtp__dtmf_emit(s, out);
            return 1;
        }
    }
    step = s->spt;
    if (s->total && s->elapsed + step >= s->total) {
        step = s->total - s->elapsed;
        end_now = 1;
    } else if (s->stop_req) {
        end_now = 1;
    }
    s->elapsed += step;
    if (s->dur + step > 0xffffu || (s->dur + step == 0xffffu && !end_now)) {
        /* this segment is full: send 0xFFFF, carry the rest */
        s->carry = (uint32_t)(s->dur + step - 0xffffu);
        s->dur = 0xffffu;
        s->new_seg = 1;
        s->pending_end = end_now;
        rtp__dtmf_emit(s, out);
        return 1;
    }
    s->dur += (uint32_t)step;
    if (end_now) s->ending = 1;
    rtp__dtmf_emit(s, out);
    return 1;
}

RTPDEF void rtp_dtmf_receiver_init(rtp_dtmf_receiver *r, uint64_t timeout_us)
{
    if (!r) return;
    memset(r, 0, sizeof *r);
    r->timeout_us = timeout_us ? timeout_us : RTP_DTMF_DEFAULT_TIMEOUT_US;
}

static void rtp__dtmf_note(rtp_dtmf_note *n, rtp_dtmf_note_kind kind, const rtp_dtmf_receiver *r,
                           rtp_dtmf_end_reason reason)
{
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->event = r->event;
    n->ch = rtp_dtmf_event_to_char(r->event);
    n->volume = r->volume;
    n->timestamp = r->start_ts;
    if (kind == RTP_DTMF_ENDED) {
        n->duration = r->seg_base + r->seg_dur;
        n->reason = reason;
    }
}

/* End the running event: the note, and remember it so that its late and
 * retransmitted packets are dropped. */
static int rtp__dtmf_finish(rtp_dtmf_receiver *r, rtp_dtmf_note *out, rtp_dtmf_end_reason why)
{
    rtp__dtmf_note(out, RTP_DTMF_ENDED, r, why);
    r->active = 0;
    r->have_done = 1;
    r->done_ts = r->seg_ts;
    r->done_event = r->event;
    return 1;
}

RTPDEF int rtp_dtmf_receiver_put(rtp_dtmf_receiver *r, const rtp_header *h, uint64_t now_us,
                                 rtp_dtmf_note *out)
{
    rtp_dtmf_payload p;
    int n = 0, e;
    if (!r || !h || !out) return RTP_ERR_INVALID;
    e = rtp_dtmf_payload_parse(h->payload, &p);
    if (e) return e;
    if (r->active) {
        int32_t d = (int32_t)(h->timestamp - r->seg_ts);
        if (d == 0) {
            if (p.event != r->event) return 0; /* not ours: ignore */
            /* an update or the end of the running segment */
            if (p.duration > r->seg_dur) r->seg_dur = p.duration;
            r->last_us = now_us;
            if (p.end) return rtp__dtmf_finish(r, out, RTP_DTMF_END_BIT);
            return 0;
        }
        if (d == 0xffff && p.event == r->event) {
            /* §2.5.2.3: next segment of a long event */
            r->seg_base += 0xffffu;
            r->seg_ts = h->timestamp;
            r->seg_dur = p.duration;
            r->last_us = now_us;
            if (p.end) return rtp__dtmf_finish(r, out, RTP_DTMF_END_BIT);
            return 0;
        }
        if (d < 0) return 0; /* an older event's packet */
        /* §2.5.2.1: a new timestamp is a new event; the old one ended */
        n += rtp__dtmf_finish(r, &out[n], RTP_DTMF_END_NEW_EVENT);
    } else if (r->have_done) {
        int32_t d = (int32_t)(h->timestamp - r->done_ts);
        /* the ended event again (end retransmissions, late updates), or an
         * older one */
        if (d < 0 || (d == 0 && p.event == r->done_event)) return n;
        if (d == 0xffff && p.event == r->done_event && p.end) return n;
    }
    r->active = 1;
    r->event = p.event;
    r->volume = p.volume;
    r->start_ts = h->timestamp;
    r->seg_ts = h->timestamp;
    r->seg_base = 0;
    r->seg_dur = p.duration;
    r->last_us = now_us;
    rtp__dtmf_note(&out[n++], RTP_DTMF_STARTED, r, RTP_DTMF_END_BIT);
    if (p.end) n += rtp__dtmf_finish(r, &out[n], RTP_DTMF_END_BIT);
    return n;
}

RTPDEF uint64_t rtp_dtmf_receiver_next_deadline(const rtp_dtmf_receiver *r)
{
    if (!r || !r->active) return UINT64_MAX;
    if (r->last_us > UINT64_MAX - r->timeout_us) return UINT64_MAX - 1;
    return r->last_us + r->timeout_us;
}

RTPDEF int rtp_dtmf_receiver_on_timeout(rtp_dtmf_receiver *r, uint64_t now_us, rtp_dtmf_note *out)
{
    if (!r || !out || !r->active) return 0;
    if (now_us < rtp_dtmf_receiver_next_deadline(r)) return 0;
    return rtp__dtmf_finish(r, out, RTP_DTMF_END_TIMEOUT);
}

/* ---- E-model (ITU-T G.107) and RFC 3611 §4.7 VoIP metrics -------------- */

/* Elementary functions on the ranges the E-model needs, so rtp.h needs no
 * libm (-lm) and gives the same digits everywhere. Accurate to a few ulp. */
#define RTP__LN2 0.69314718055994530942
#define RTP__LN10 2.30258509299404568402

static int rtp__finite(double x)
{
    return x == x && x <= 1.7976931348623157e308 && x >= -1.7976931348623157e308;
}

/* ln x for finite x > 0: x = m * 2^k, m in [sqrt(1/2), sqrt(2)], then
 * ln m = 2 atanh((m - 1) / (m + 1)) by its series (|s| < 0.172). */
static double rtp__ln(double x)
{
    int k = 0, i;
    double s, s2, t, sum = 0;
    if (!(x > 0)) return -1e300;           /* 0, negative, NaN */
    if (!rtp__finite(x)) return 1e300;      /* +inf: the loop would not end */
    while (x >= 2.0) { x *= 0.5; k++; }
    while (x < 1.0) { x *= 2.0; k--; }
    if (x > 1.4142135623730951) { x *= 0.5; k++; }
    s = (x - 1) / (x + 1);
    s2 = s * s;
    t = s;
    for (i = 1; i < 48; i += 2) {
        sum += t / i;
        t *= s2;
    }
    return 2 * sum + k * RTP__LN2;
}

/* e^x: x = k ln2 + r with |r| <= ln2 / 2, Taylor series of e^r, times 2^k. */
static double rtp__exp(double x)
{
    long k;
    int i;
    double r, t = 1, sum = 1;
    if (x != x) return x; /* NaN (a cast to long would be undefined) */
    if (x > 700) x = 700;
    if (x < -700) return 0;
    k = (long)(x / RTP__LN2 + (x >= 0 ? 0.5 : -0.5));
    r = x - (double)k * RTP__LN2;
    for (i = 1; i < 24; i++) {
        t *= r / i;
        sum += t;
    }
    for (; k > 0; k--) sum *= 2.0;
    for (; k < 0; k++) sum *= 0.5;
    return sum;
}

static double rtp__log10(double x) { return rtp__ln(x) / RTP__LN10; }
static double rtp__pow10(double x) { return rtp__exp(x * RTP__LN10); }
/* a^b for a > 0 (0 for a <= 0: never reached with valid inputs) */
static double rtp__powd(double a, double b) { return a > 0 ? rtp__exp(b * rtp__ln(a)) : 0; }
static double rtp__sqrt(double x) { return x > 0 ? rtp__exp(0.5 * rtp__ln(x)) : 0; }

static double rtp__ipow(double x, int n)
{
    double r = 1;
    while (n-- > 0) r *= x;
    return r;
}

/* (1 + x^n)^(1/n) for the integer n of G.107's smooth maxima. */
static double rtp__smax(double x, int n)
{
    double b = 1 + rtp__ipow(x, n);
    return rtp__powd(b, 1.0 / n);
}

RTPDEF int rtp_emodel_codec_params(rtp_emodel_codec codec, uint32_t bitrate_bps,
                                   double *ie, double *bpl)
{
    double i, b;
    if (!ie || !bpl) return RTP_ERR_INVALID;
    switch (codec) {
    case RTP_EMODEL_G711: i = 0; b = 4.3; break;      /* G.113 App. I */
    case RTP_EMODEL_G711_PLC: i = 0; b = 25.1; break; /* G.113 App. I */
    case RTP_EMODEL_G722: i = 0; b = 25.1; break;     /* ours, see rtp.h */
    case RTP_EMODEL_G729A: i = 11; b = 19.0; break;   /* G.113 App. I */
    case RTP_EMODEL_OPUS:                             /* ours, see rtp.h */
        if (bitrate_bps != 0 && bitrate_bps < 12000) {
            i = 11;
            b = 19.0;
        } else {
            i = 0;
            b = 25.1;
        }
        break;
    default: return RTP_ERR_NOT_FOUND;
    }
    *ie = i;
    *bpl = b;
    return 0;
}

static int rtp__name_is(const char *name, size_t len, const char *lit)
{
    size_t i;
    for (i = 0; i < len; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (lit[i] == 0 || c != lit[i]) return 0;
    }
    return lit[len] == 0;
}

RTPDEF int rtp_emodel_codec_by_name(const char *name, size_t len, int plc,
                                    rtp_emodel_codec *codec)
{
    if (!name || !codec) return RTP_ERR_NOT_FOUND;
    if (rtp__name_is(name, len, "pcmu") || rtp__name_is(name, len, "pcma"))
        *codec = plc ? RTP_EMODEL_G711_PLC : RTP_EMODEL_G711;
    else if (rtp__name_is(name, len, "g722"))
        *codec = RTP_EMODEL_G722;
    else if (rtp__name_is(name, len, "g729") || rtp__name_is(name, len, "g729a"))
        *codec = RTP_EMODEL_G729A;
    else if (rtp__name_is(name, len, "opus"))
        *codec = RTP_EMODEL_OPUS;
    else
        return RTP_ERR_NOT_FOUND;
    return 0;
}

RTPDEF void rtp_emodel_defaults(rtp_emodel_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->slr = 8;
    p->rlr = 2;
    p->stmr = 15;
    p->lstr = 18;
    p->ds = 3;
    p->telr = 65;
    p->wepl = 110;
    p->qdu = 1;
    p->ie = 0;
    p->bpl = 4.3;
    p->burst_r = 1;
    p->nc = -70;
    p->nfor = -64;
    p->ps = 35;
    p->pr = 35;
    p->mt = 100;
    p->st = 1;
}

static int rtp__emodel_check(const rtp_emodel_params *p)
{
    const double v[] = {p->slr, p->rlr, p->stmr, p->lstr, p->ds, p->telr,
                        p->wepl, p->t, p->tr, p->ta, p->qdu, p->ie, p->bpl,
                        p->ppl, p->burst_r, p->nc, p->nfor, p->ps, p->pr,
                        p->a, p->mt, p->st};
    size_t i;
    /* every value finite and within +-1e6 (ms, dB, factors): far outside
     * G.107's ranges, yet it keeps every intermediate term finite */
    for (i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!rtp__finite(v[i]) || v[i] > 1e6 || v[i] < -1e6) return RTP_ERR_INVALID;
    if (p->t < 0 || p->tr < 0 || p->ta < 0 || p->qdu <= 0) return RTP_ERR_INVALID;
    if (p->ppl < 0 || p->ppl > 100 || p->burst_r <= 0 || p->bpl <= 0)
        return RTP_ERR_INVALID;
    if (p->mt <= 0 || p->st <= 0) return RTP_ERR_INVALID;
    return 0;
}

/* Noise sum No (7-3 .. 7-7), dBm0p. */
static double rtp__emodel_no(const rtp_emodel_params *p)
{
    double olr = p->slr + p->rlr;
    double nos = p->ps - p->slr - p->ds - 100 +
                 0.004 * (p->ps - olr - p->ds - 14) * (p->ps - olr - p->ds - 14);
    double pre = p->pr + 10 * rtp__log10(1 + rtp__pow10((10 - p->lstr) / 10));
    double nor = p->rlr - 121 + pre + 0.008 * (pre - 35) * (pre - 35);
    double nfo = p->nfor + p->rlr;
    return 10 * rtp__log10(rtp__pow10(p->nc / 10) + rtp__pow10(nos / 10) +
                           rtp__pow10(nor / 10) + rtp__pow10(nfo / 10));
}

/* Sidetone impairment Ist (7-11, 7-12). */
static double rtp__emodel_ist(const rtp_emodel_params *p)
{
    double stmro = -10 * rtp__log10(rtp__pow10(-p->stmr / 10) +
                                    rtp__exp(-p->t / 4) * rtp__pow10(-p->telr / 10));
    double a = (stmro - 13) / 6, b = (stmro + 1) / 19.4, c = (stmro - 3) / 33;
    return 12 * rtp__smax(a, 8) - 28 * rtp__smax(b, 35) - 13 * rtp__smax(c, 13) + 29;
}

/* Quantizing distortion Iq (7-13 .. 7-17). */
static double rtp__emodel_iq(const rtp_emodel_params *p, double ro)
{
    double q = 37 - 15 * rtp__log10(p->qdu);
    double g = 1.07 + 0.258 * q + 0.0602 * q * q;
    double y = (ro - 100) / 15 + 46 / 8.4 - g / 9;
    double z = 46 / 30.0 - g / 40;
    return 15 * rtp__log10(1 + rtp__pow10(y) + rtp__pow10(z));
}

/* Talker echo Idte (7-19 .. 7-24). */
static double rtp__emodel_idte(const rtp_emodel_params *p, double no, double ist)
{
    double roe, terv, re, d, idte;
    if (p->t < 1) return 0; /* below 1 ms the echo is sidetone */
    roe = -1.5 * (no - p->rlr);
    terv = p->telr - 40 * rtp__log10((1 + p->t / 10) / (1 + p->t / 150)) +
           6 * rtp__exp(-0.3 * p->t * p->t);
    if (p->stmr < 9) terv += ist / 2;
    re = 80 + 2.5 * (terv - 14);
    d = roe - re;
    idte = (d / 2 + rtp__sqrt(d * d / 4 + 100) - 1) * (1 - rtp__exp(-p->t));
    if (p->stmr > 20) idte = rtp__sqrt(idte * idte + ist * ist);
    return idte;
}

/* Listener echo Idle (7-25, 7-26). */
static double rtp__emodel_idle(const rtp_emodel_params *p, double ro)
{
    double rle = 10.5 * (p->wepl + 7) * rtp__powd(p->tr + 1, -0.25);
    double d = ro - rle;
    return d / 2 + rtp__sqrt(d * d / 4 + 169);
}

/* Absolute delay Idd (7-27, 7-28). */
static double rtp__emodel_idd(const rtp_emodel_params *p)
{
    double x, e;
    if (p->ta <= p->mt) return 0;
    x = rtp__log10(p->ta / p->mt) / rtp__log10(2);
    e = 6 * p->st;
    return 25 * (rtp__powd(1 + rtp__powd(x, e), 1 / e) -
                 3 * rtp__powd(1 + rtp__powd(x / 3, e), 1 / e) + 2);
}

RTPDEF double rtp_emodel_mos(double r)
{
    double m;
    if (!(r >= 0)) return 1; /* R < 0 and NaN */
    if (r > 100) return 4.5;
    m = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
    return m < 1 ? 1 : m;
}

RTPDEF int rtp_emodel_compute(const rtp_emodel_params *p, rtp_emodel_result *out)
{
    double no, ro, xolr, iolr, ist, is, ie_eff;
    rtp_emodel_result r;
    if (!p || !out || rtp__emodel_check(p)) return RTP_ERR_INVALID;
    no = rtp__emodel_no(p);
    ro = 15 - 1.5 * (p->slr + no);
    xolr = (p->slr + p->rlr) + 0.2 * (64 + no - p->rlr);
    iolr = 20 * (rtp__smax(xolr / 8, 8) - xolr / 8);
    ist = rtp__emodel_ist(p);
    r.idte = rtp__emodel_idte(p, no, ist);
    if (p->stmr > 20) ist = 0; /* folded into Idtes (7-24) */
    is = iolr + ist + rtp__emodel_iq(p, ro);
    r.idle = rtp__emodel_idle(p, ro);
    r.idd = rtp__emodel_idd(p);
    ie_eff = p->ie + (95 - p->ie) * p->ppl / (p->ppl / p->burst_r + p->bpl);
    r.ro = ro;
    r.is = is;
    r.id = r.idte + r.idle + r.idd;
    r.ie_eff = ie_eff;
    r.r = ro - is - r.id - ie_eff + p->a;
    r.mos = rtp_emodel_mos(r.r);
    *out = r;
    return 0;
}

RTPDEF int rtp_emodel_estimate(const rtp_emodel_input *in, rtp_emodel_result *out)
{
    rtp_emodel_params p;
    double jb, ta;
    if (!in || !out) return RTP_ERR_INVALID;
    if (!rtp__finite(in->jitter_ms) || !rtp__finite(in->jb_delay_ms) ||
        !rtp__finite(in->one_way_delay_ms) || in->jitter_ms < 0 ||
        in->one_way_delay_ms < 0 || !rtp__finite(in->burst_r) || in->burst_r < 0)
        return RTP_ERR_INVALID;
    jb = in->jb_delay_ms < 0 ? 2 * in->jitter_ms : in->jb_delay_ms;
    ta = in->one_way_delay_ms + jb;
    rtp_emodel_defaults(&p);
    p.ie = in->ie;
    p.bpl = in->bpl;
    p.ppl = in->loss_pct;
    p.burst_r = in->burst_r == 0 ? 1 : in->burst_r;
    p.ta = ta;
    p.t = ta;
    p.tr = 2 * ta;
    return rtp_emodel_compute(&p, out);
}

/* ---- burst / gap tracker (RFC 3611 §4.7.2) ---- */

RTPDEF void rtp_burst_gap_init(rtp_burst_gap *bg, unsigned gmin)
{
    if (!bg) return;
    memset(bg, 0, sizeof *bg);
    bg->gmin = (uint8_t)(gmin == 0 || gmin > 255 ? RTP_BURST_GAP_GMIN : gmin);
    bg->last = -1;
}

/* The candidate ended (Gmin received after its last loss): a burst with
 * two or more losses closes the gap before it; a single loss is a gap loss. */
static void rtp__bg_close(rtp_burst_gap *bg)
{
    if (bg->cand_lost >= 2) {
        bg->burst_pkts += bg->cand_pkts;
        bg->burst_lost += bg->cand_lost;
        bg->bursts++;
        if (bg->open_gap > 0) bg->gaps_closed++;
        bg->open_gap = 0;
    } else {
        bg->gap_pkts += bg->cand_pkts;
        bg->gap_lost += bg->cand_lost;
        bg->open_gap += bg->cand_pkts;
    }
    bg->gap_pkts += bg->run; /* the received run after it is gap */
    bg->open_gap += bg->run;
    bg->have_cand = 0;
    bg->cand_pkts = bg->cand_lost = 0;
}

RTPDEF void rtp_burst_gap_put(rtp_burst_gap *bg, int lost)
{
    if (!bg) return;
    if (lost) {
        bg->lost++;
        if (bg->last == 0) bg->rl++;
        if (bg->have_cand) {
            bg->cand_pkts += (uint64_t)bg->run + 1;
            bg->cand_lost++;
        } else {
            bg->have_cand = 1;
            bg->cand_pkts = 1;
            bg->cand_lost = 1;
        }
        bg->run = 0;
        bg->last = 1;
        return;
    }
    bg->received++;
    if (bg->last == 1) bg->lr++;
    bg->last = 0;
    if (!bg->have_cand) {
        bg->gap_pkts++;
        bg->open_gap++;
        return;
    }
    bg->run++;
    if (bg->run >= bg->gmin) {
        rtp__bg_close(bg);
        bg->run = 0;
    }
}

static uint8_t rtp__density(uint64_t lost, uint64_t pkts)
{
    uint64_t d;
    if (pkts == 0) return 0;
    d = lost * 256 / pkts;
    return (uint8_t)(d > 255 ? 255 : d);
}

static uint16_t rtp__ms16(double ms)
{
    if (!(ms > 0)) return 0;
    if (ms >= 65535) return 65535;
    return (uint16_t)(ms + 0.5);
}

RTPDEF void rtp_burst_gap_get(const rtp_burst_gap *bg, double packet_ms,
                              rtp_burst_gap_metrics *m)
{
    uint64_t bp, bl, nb, gp, gl, closed, open, ngaps;
    if (!m) return;
    memset(m, 0, sizeof *m);
    if (!bg) return;
    if (!rtp__finite(packet_ms) || packet_ms < 0) packet_ms = 0;
    bp = bg->burst_pkts;
    bl = bg->burst_lost;
    nb = bg->bursts;
    gp = bg->gap_pkts;
    gl = bg->gap_lost;
    closed = bg->gaps_closed;
    open = bg->open_gap;
    if (bg->have_cand && bg->cand_lost >= 2) { /* a burst in progress */
        bp += bg->cand_pkts;
        bl += bg->cand_lost;
        nb++;
        if (open > 0) closed++;
        open = bg->run; /* received after its last loss: the next gap */
        gp += bg->run;
    } else if (bg->have_cand) { /* a lone loss so far: gap */
        gp += bg->cand_pkts + bg->run;
        gl += bg->cand_lost;
        open += bg->cand_pkts + bg->run;
    }
    ngaps = closed + (open > 0 ? 1 : 0);
    m->bursts = nb;
    m->burst_density = rtp__density(bl, bp);
    m->gap_density = rtp__density(gl, gp);
    m->burst_duration = nb ? rtp__ms16((double)bp * packet_ms / (double)nb) : 0;
    m->gap_duration = ngaps ? rtp__ms16((double)gp * packet_ms / (double)ngaps) : 0;
}

RTPDEF double rtp_burst_gap_burst_r(const rtp_burst_gap *bg)
{
    double p, q;
    if (!bg || bg->lost == 0 || bg->received == 0) return 1;
    p = (double)bg->rl / (double)bg->received;
    q = (double)bg->lr / (double)bg->lost;
    if (p + q <= 0) return 1;
    return 1 / (p + q);
}

/* ---- VoIP metrics block (RFC 3611 §4.7) ---- */

static uint8_t rtp__mos10(double mos)
{
    double t = mos * 10 + 0.5;
    if (t < 10) t = 10;
    if (t > 50) t = 50;
    return (uint8_t)t;
}

RTPDEF int rtp_xr_voip_fill(rtcp_xr_voip *v, const rtp_source *src,
                            const rtp_jb *jb, const rtp_burst_gap *bg,
                            const rtp_xr_voip_info *info)
{
    rtp_source_stats st;
    rtp_emodel_input in;
    rtp_emodel_result cq, lq;
    rtp_burst_gap_metrics bgm;
    uint64_t expected, lost, discarded = 0;
    double frame_ms = 0, jitter_ms = 0, r;
    int err;
    if (!v || !src || !info || !rtp__finite(info->packet_ms) || info->packet_ms < 0)
        return RTP_ERR_INVALID;
    memset(v, 0, sizeof *v);
    v->ssrc = src->ssrc;
    rtp_source_get_stats(src, &st);
    expected = st.expected > 0 ? (uint64_t)st.expected : 0;
    lost = st.expected > (int64_t)st.received ? (uint64_t)(st.expected - (int64_t)st.received) : 0;
    if (jb) {
        rtp_jb_stats js;
        rtp_jb_stats_get(jb, &js);
        discarded = js.late + js.window;
        frame_ms = jb->cfg.frame_us / 1000.0;
        v->jb_nominal = rtp__ms16(js.depth * frame_ms);
        v->jb_maximum = rtp__ms16((js.target > js.depth ? js.target : js.depth) * frame_ms);
        v->jb_abs_max = rtp__ms16(jb->cfg.max_depth * frame_ms);
    }
    v->loss_rate = rtp__density(lost, expected);
    v->discard_rate = rtp__density(discarded, expected);
    rtp_burst_gap_get(bg, info->packet_ms, &bgm);
    v->burst_density = bgm.burst_density;
    v->gap_density = bgm.gap_density;
    v->burst_duration = bgm.burst_duration;
    v->gap_duration = bgm.gap_duration;
    v->gmin = bg ? bg->gmin : (uint8_t)RTP_BURST_GAP_GMIN;
    v->round_trip_delay = (uint16_t)(info->round_trip_ms > 65535 ? 65535 : info->round_trip_ms);
    v->end_system_delay = (uint16_t)(info->end_system_ms > 65535 ? 65535 : info->end_system_ms);
    v->signal_level = RTCP_XR_VOIP_UNAVAILABLE;
    v->noise_level = RTCP_XR_VOIP_UNAVAILABLE;
    v->rerl = RTCP_XR_VOIP_UNAVAILABLE;
    v->ext_r_factor = RTCP_XR_VOIP_UNAVAILABLE;
    v->rx_config = (uint8_t)((info->plc & 0xC0u) |
                             (jb ? RTCP_XR_VOIP_JB_ADAPTIVE : RTCP_XR_VOIP_JB_UNKNOWN));
    if (src->clock_rate) jitter_ms = (double)src->jitter_x16 / 16.0 * 1000.0 / src->clock_rate;
    memset(&in, 0, sizeof in);
    in.ie = info->ie;
    in.bpl = info->bpl;
    in.loss_pct = expected ? 100.0 * (double)(lost + discarded) / (double)expected : 0;
    if (in.loss_pct > 100) in.loss_pct = 100;
    in.burst_r = bg ? rtp_burst_gap_burst_r(bg) : 1;
    in.jitter_ms = jitter_ms;
    in.jb_delay_ms = jb ? v->jb_nominal : -1;
    in.one_way_delay_ms = info->round_trip_ms / 2.0 + info->end_system_ms;
    err = rtp_emodel_estimate(&in, &cq);
    if (err) return err;
    in.jb_delay_ms = 0;
    in.one_way_delay_ms = 0;
    err = rtp_emodel_estimate(&in, &lq);
    if (err) return err;
    r = cq.r < 0 ? 0 : cq.r > 100 ? 100 : cq.r;
    v->r_factor = (uint8_t)(r + 0.5);
    v->mos_cq = rtp__mos10(cq.mos);
    v->mos_lq = rtp__mos10(lq.mos);
    return 0;
}

#endif /* RTP_IMPLEMENTATION && !RTP_IMPLEMENTATION_DONE */

/*
 * MIT License
 *
 * Copyright (c) 2025 the cvoip authors
 *
 * Permission is hereby granted, free of charge, to any person obtaining a copy
 * of this software and associated documentation files (the "Software"), to
 * deal in the Software without restriction, including without limitation the
 * rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
 * sell copies of the Software, and to permit persons to whom the Software is
 * furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in
 * all copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 * AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 * LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
 * FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
 * IN THE SOFTWARE.
 */
