#if defined(CVOIP_IMPLEMENTATION) && !defined(SDP_IMPLEMENTATION)
#define SDP_IMPLEMENTATION
#endif
/* sdp.h - SDP for C: parse into spans, typed attributes, print (RFC 8866).
 *
 * Part of cvoip, single-file, MIT licence. Depends on nothing but the C
 * library.
 *
 *     #define SDP_IMPLEMENTATION      (or CVOIP_IMPLEMENTATION)
 *     #include "sdp.h"
 *
 * What it does:
 *   - sdp_parse(): one pass over a session description (RFC 8866 §5, §9)
 *     into caller structs: the session-level fields, every media section,
 *     and every attribute as a (name, value) span pair in a caller array.
 *     No allocation, no NUL terminator needed, spans point into the
 *     caller's buffer. Line order is checked (§5: v o s i u e p c b t r z
 *     k a, then per media m i c b k a); unknown type letters are an error
 *     (§5: a parser must ignore or reject such a description; we reject so
 *     the caller knows). Errors give the 1-based line number, the byte
 *     offset and a reason.
 *   - Typed attribute parsers: rtpmap and fmtp (RFC 8866 §6.6, §6.15),
 *     ptime / maxptime, direction (§6.7), rtcp (RFC 3605), rtcp-mux
 *     (RFC 5761), crypto (RFC 4568, split into its fields; keys are decoded
 *     by rtp.h), extmap (RFC 8285), rtcp-fb (RFC 4585), group (RFC 5888,
 *     BUNDLE per RFC 8843), mid, ssrc (RFC 5576), rid (RFC 8851),
 *     simulcast (RFC 8853, kept as spans), ICE candidate / ufrag / pwd
 *     (RFC 8839), setup and connection (RFC 4145).
 *   - sdp_print(): writes a session struct (parsed, or filled by the
 *     caller) back as text with CRLF line ends, so a parse/print round trip
 *     gives the same lines.
 *   - Offer/answer (RFC 3264): sdp_offer_build() from local capabilities
 *     (codecs with payload types, telephone-event, ptime, direction,
 *     rtcp-mux, SDES crypto, extmap, rtcp-fb, mid); sdp_answer_build() per
 *     §6 (codec intersection in the offerer's payload types, direction
 *     complement, port 0 for rejected streams, m= count and order kept,
 *     one crypto chosen); sdp_answer_process() into a negotiated
 *     description per stream (codec, payload type, clock, fmtp, remote RTP
 *     and RTCP address and port, direction, keys, extension ids). Re-offers
 *     are sdp_offer_build() with sess_version incremented; hold and resume
 *     change the local direction (the legacy c=0.0.0.0 hold of §8.4 is
 *     recognised on input).
 *
 * Conventions: functions return 0 (or a count/length) on success and a
 * negative SDP_ERR_* on failure; builders write into (out, cap), return the
 * bytes written or SDP_ERR_NOSPACE with *needed set (out == NULL measures).
 * Nothing here allocates, reads a clock or keeps global state.
 *
 * Options: SDP_IMPLEMENTATION, SDP_STATIC (every function static).
 * Licence: MIT, see the end of this file.
 */
#ifndef SDP_H
#define SDP_H

#include <stddef.h>
#include <stdint.h>

#ifndef SDPDEF
#ifdef SDP_STATIC
#define SDPDEF static
#else
#define SDPDEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Spans and errors
 * --------------------------------------------------------------------- */

/** A byte range into the caller's buffer (same layout as sip.h's sip_str).
 *  Absent: {NULL, 0}; present but empty: non-NULL p, len 0. */
typedef struct sdp_str {
    const char *p;
    size_t len;
} sdp_str;

/** Error codes (range -600 .. -699; 0 is success). */
typedef enum sdp_err {
    SDP_OK = 0,
    SDP_ERR_SYNTAX = -600,    /**< a line or value is malformed */
    SDP_ERR_ORDER = -601,     /**< a line in the wrong place (RFC 8866 §5) */
    SDP_ERR_MISSING = -602,   /**< a mandatory line is absent (v, o, s, t, c) */
    SDP_ERR_UNKNOWN = -603,   /**< an unknown type letter */
    SDP_ERR_TOO_MANY = -604,  /**< more attributes, media, formats... than room */
    SDP_ERR_RANGE = -605,     /**< a number out of range */
    SDP_ERR_NOSPACE = -606,   /**< output buffer too small */
    SDP_ERR_INVALID = -607,   /**< invalid argument */
    SDP_ERR_NOT_FOUND = -608  /**< no such attribute or value */
} sdp_err;

/** Short English text for an error code (static storage, never NULL). */
SDPDEF const char *sdp_strerror(int err);

/** Span over a NUL-terminated string ({NULL,0} for NULL). */
SDPDEF sdp_str sdp_str_c(const char *s);
/** Nonzero when the span equals s exactly (case-sensitive). */
SDPDEF int sdp_str_eq_c(sdp_str a, const char *s);
/** Nonzero when the span equals s ignoring ASCII case. */
SDPDEF int sdp_str_caseeq_c(sdp_str a, const char *s);
/** Parse a decimal number into *out; SDP_ERR_SYNTAX for an empty span or a
 *  non-digit, SDP_ERR_RANGE above max. */
SDPDEF int sdp_str_to_u64(sdp_str s, uint64_t max, uint64_t *out);

/* ------------------------------------------------------------------------
 * The parsed description (RFC 8866 §5)
 * --------------------------------------------------------------------- */

#ifndef SDP_MAX_FMTS
#define SDP_MAX_FMTS 32   /**< formats on one m= line */
#endif
#define SDP_MAX_BW 4      /**< b= lines per level */
#define SDP_MAX_TIMES 4   /**< t= lines */
#define SDP_MAX_REPEATS 4 /**< r= lines per t= */
#define SDP_MAX_EP 4      /**< e= and p= lines each */
#define SDP_MAX_CONN 4    /**< c= lines in one media section */

/** o= (§5.2). sess_id and sess_version are kept as text and as numbers
 *  (both are decimal up to 2^63 in practice; a longer id stays text only
 *  and id_valid is 0). */
typedef struct sdp_origin {
    sdp_str username, sess_id, sess_version, nettype, addrtype, addr;
    uint64_t id, version;
    int id_valid, version_valid;
} sdp_origin;

/** c= (§5.7): address with optional /ttl (IPv4 multicast) and /number. */
typedef struct sdp_conn {
    sdp_str nettype, addrtype, addr;
    uint32_t ttl;      /**< 0 when absent */
    uint32_t num;      /**< number of addresses; 0 when absent (means 1) */
} sdp_conn;

/** b= (§5.8): bwtype:bandwidth, kbit/s for CT and AS (TIAS: bit/s). */
typedef struct sdp_bw {
    sdp_str type;
    uint64_t value;
} sdp_bw;

/** t= and its r= lines (§5.9, §5.10; r= kept as text). */
typedef struct sdp_time {
    uint64_t start, stop;   /**< NTP seconds; 0 = unbounded */
    sdp_str repeat[SDP_MAX_REPEATS];
    unsigned n_repeat;
} sdp_time;

/** a= (§5.13): "a=name" (property: value absent) or "a=name:value". */
typedef struct sdp_attr {
    sdp_str name;
    sdp_str value;     /**< {NULL,0} for a property attribute */
} sdp_attr;

/** One media description (§5.14). */
typedef struct sdp_media {
    sdp_str type;                /**< audio, video, text, application, message */
    uint16_t port;
    uint16_t n_ports;            /**< from "port/number"; 0 when absent */
    sdp_str proto;               /**< RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF... */
    sdp_str fmt[SDP_MAX_FMTS];   /**< payload types (or other formats) */
    unsigned n_fmt;
    sdp_str info;                /**< i= */
    sdp_conn conn[SDP_MAX_CONN];
    unsigned n_conn;
    sdp_bw bw[SDP_MAX_BW];
    unsigned n_bw;
    sdp_str key;                 /**< k= (obsolete, §5.12), raw */
    sdp_attr *attrs;             /**< into the caller's attribute array */
    unsigned n_attrs;
    unsigned line;               /**< 1-based line number of the m= line */
} sdp_media;

/** A whole session description. */
typedef struct sdp_session {
    unsigned version;            /**< v= (always 0) */
    sdp_origin origin;
    sdp_str name;                /**< s= (a single space when there is none) */
    sdp_str info, uri;           /**< i=, u= */
    sdp_str email[SDP_MAX_EP], phone[SDP_MAX_EP];
    unsigned n_email, n_phone;
    sdp_conn conn;
    int has_conn;
    sdp_bw bw[SDP_MAX_BW];
    unsigned n_bw;
    sdp_time time[SDP_MAX_TIMES];
    unsigned n_time;
    sdp_str zone;                /**< z= raw */
    sdp_str key;                 /**< k= raw */
    sdp_attr *attrs;             /**< session-level attributes */
    unsigned n_attrs;
    sdp_media *media;
    unsigned n_media;
} sdp_session;

/** Where parsing failed. */
typedef struct sdp_error {
    unsigned line;       /**< 1-based line number (0: not line-specific) */
    size_t offset;       /**< byte offset of the failing line */
    const char *reason;  /**< static English text */
} sdp_error;

/** Parse flags. */
enum {
    /** Accept session-level lines in any order before the first m= and
     *  media-level lines in any order after it (some deployed stacks put
     *  a= before t=, or c= after a=); mandatory lines are still checked. */
    SDP_PARSE_LENIENT = 1
};

/** Parse (buf, len) into *s. Session attributes and all media attributes
 *  go into attrs[0..max_attrs) (session first, then each media section's,
 *  contiguously); media sections into media[0..max_media). Lines end in
 *  CRLF or LF (§5 allows a lone LF on input); the last line may lack its
 *  end. Checks: v=0 first; o= with six fields; s= present; at least one
 *  t=; c= at session level or in every media section (§5.7); m= with a
 *  port and at least one format; numbers in range; line order (§5) unless
 *  SDP_PARSE_LENIENT. Returns 0, or SDP_ERR_SYNTAX, SDP_ERR_ORDER,
 *  SDP_ERR_MISSING, SDP_ERR_UNKNOWN, SDP_ERR_TOO_MANY (attrs, media,
 *  formats, e=, p=, b=, t=, r=, c= beyond their room), SDP_ERR_RANGE,
 *  SDP_ERR_INVALID (NULL s, or NULL arrays with non-zero sizes); *err
 *  (optional) says where. On error *s is partly filled. */
SDPDEF int sdp_parse(const char *buf, size_t len, unsigned flags, sdp_session *s,
                     sdp_attr *attrs, size_t max_attrs, sdp_media *media,
                     size_t max_media, sdp_error *err);

/** Write *s as SDP text (CRLF line ends) in §5 order. Every span written
 *  must be set; absent optional fields are skipped. The o= numbers are
 *  written from origin.id / origin.version when the text spans are absent.
 *  Returns the length, or SDP_ERR_NOSPACE with *needed, SDP_ERR_INVALID
 *  (NULL s, or an attribute name or value containing CR or LF). */
SDPDEF int sdp_print(const sdp_session *s, char *out, size_t cap, size_t *needed);

/* ------------------------------------------------------------------------
 * Finding attributes
 * --------------------------------------------------------------------- */

/** The first attribute named name (case-sensitive, §5.13) at index >=
 *  *from in (attrs, n); *from is advanced past it so a loop finds them all.
 *  Returns the attribute or NULL. */
SDPDEF const sdp_attr *sdp_attr_next(const sdp_attr *attrs, unsigned n, const char *name,
                                     unsigned *from);
/** The first attribute named name in a media section, else at session
 *  level (the media level overrides, §5.13); NULL when absent. m may be
 *  NULL for the session level only. */
SDPDEF const sdp_attr *sdp_attr_get(const sdp_session *s, const sdp_media *m,
                                    const char *name);

/** Media direction (RFC 8866 §6.7; RFC 3264 §5.1). */
typedef enum sdp_dir {
    SDP_DIR_SENDRECV = 0,
    SDP_DIR_SENDONLY,
    SDP_DIR_RECVONLY,
    SDP_DIR_INACTIVE
} sdp_dir;

/** The direction of a media section: its own direction attribute, else the
 *  session's, else sendrecv (§6.7). */
SDPDEF sdp_dir sdp_media_dir(const sdp_session *s, const sdp_media *m);
/** "sendrecv", "sendonly", "recvonly", "inactive". */
SDPDEF const char *sdp_dir_name(sdp_dir d);
/** The direction the answerer uses for an offered one (RFC 3264 §6.1):
 *  sendonly <-> recvonly, the others unchanged. */
SDPDEF sdp_dir sdp_dir_reverse(sdp_dir d);

/** The connection address of a media section: its first c=, else the
 *  session's; NULL when neither exists. */
SDPDEF const sdp_conn *sdp_media_conn(const sdp_session *s, const sdp_media *m);

/* ------------------------------------------------------------------------
 * Typed attribute values. Each takes the attribute's value span.
 * --------------------------------------------------------------------- */

/** a=rtpmap:<pt> <encoding>/<clock>[/<channels>] (RFC 8866 §6.6). */
typedef struct sdp_rtpmap {
    unsigned pt;           /**< 0..127 */
    sdp_str encoding;      /**< e.g. "opus", "PCMU", "telephone-event" */
    uint32_t clock_rate;   /**< Hz */
    unsigned channels;     /**< 0 when absent (means 1 for audio) */
} sdp_rtpmap;
/** Returns 0, SDP_ERR_SYNTAX or SDP_ERR_RANGE (pt > 127, clock 0). */
SDPDEF int sdp_rtpmap_parse(sdp_str v, sdp_rtpmap *out);

/** a=fmtp:<format> <parameters> (§6.15): the format and the parameter
 *  text, which for most codecs is "name=value;name=value". */
typedef struct sdp_fmtp {
    sdp_str format;
    sdp_str params;
} sdp_fmtp;
/** Returns 0 or SDP_ERR_SYNTAX. */
SDPDEF int sdp_fmtp_parse(sdp_str v, sdp_fmtp *out);
/** Iterates "k=v;k2=v2" parameters (spaces around ';' and '=' ignored):
 *  *pos starts at 0; each call sets *name and *value (value {NULL,0} for a
 *  bare name) and returns 1, or 0 at the end. */
SDPDEF int sdp_param_next(sdp_str params, size_t *pos, sdp_str *name, sdp_str *value);
/** The value of parameter name (case-insensitive) in fmtp params; returns
 *  0, or SDP_ERR_NOT_FOUND. */
SDPDEF int sdp_param_get(sdp_str params, const char *name, sdp_str *value);

/** a=rtcp:<port> [<nettype> <addrtype> <addr>] (RFC 3605 §2.1). */
typedef struct sdp_rtcp {
    uint16_t port;
    sdp_str nettype, addrtype, addr;   /**< absent when only the port */
} sdp_rtcp;
/** Returns 0, SDP_ERR_SYNTAX or SDP_ERR_RANGE. */
SDPDEF int sdp_rtcp_parse(sdp_str v, sdp_rtcp *out);

/** a=crypto:<tag> <suite> <key-params> [<session-params>] (RFC 4568
 *  §9.1), split into fields; the key parameters are decoded by rtp.h. */
typedef struct sdp_crypto {
    uint32_t tag;         /**< 1..999999999 */
    sdp_str suite;
    sdp_str key_params;   /**< "inline:..." (several joined by ';') */
    sdp_str session_params; /**< the rest of the line, or absent */
} sdp_crypto;
/** Returns 0, SDP_ERR_SYNTAX or SDP_ERR_RANGE. */
SDPDEF int sdp_crypto_parse(sdp_str v, sdp_crypto *out);

/** a=extmap:<id>[/<direction>] <URI> [<attributes>] (RFC 8285 §8). */
typedef struct sdp_extmap {
    unsigned id;          /**< 1..14 one-byte, 1..255 two-byte (RFC 8285) */
    int has_dir;
    sdp_dir dir;
    sdp_str uri;
    sdp_str attributes;   /**< absent when none */
} sdp_extmap;
/** Returns 0, SDP_ERR_SYNTAX or SDP_ERR_RANGE (id 0, 15 or above 255;
 *  RFC 8285 §5: 15 is reserved in the one-byte form and 4095 never meant
 *  anything but 1-255 for two-byte ids). */
SDPDEF int sdp_extmap_parse(sdp_str v, sdp_extmap *out);

/** a=rtcp-fb:<pt or *> <type> [<subtype...>] (RFC 4585 §4.2). */
typedef struct sdp_rtcp_fb {
    int any_pt;           /**< 1 for "*" */
    unsigned pt;
    sdp_str type;         /**< "nack", "ccm", "ack", "trr-int", "goog-remb", "transport-cc" ... */
    sdp_str param;        /**< "pli", "fir", "rpsi"... or the trr-int value; absent when none */
} sdp_rtcp_fb;
/** Returns 0, SDP_ERR_SYNTAX or SDP_ERR_RANGE. */
SDPDEF int sdp_rtcp_fb_parse(sdp_str v, sdp_rtcp_fb *out);

/** a=group:<semantics> <id>* (RFC 5888 §5). ids holds the identification
 *  tags as one span; iterate them with sdp_token_next. */
typedef struct sdp_group {
    sdp_str semantics;    /**< "BUNDLE" (RFC 8843), "LS", "FID"... */
    sdp_str ids;
} sdp_group;
/** Returns 0 or SDP_ERR_SYNTAX. */
SDPDEF int sdp_group_parse(sdp_str v, sdp_group *out);
/** The next space-separated token of s from *pos (tokens of a group, of a
 *  candidate's extensions...). Returns 1 with *tok set, or 0 at the end. */
SDPDEF int sdp_token_next(sdp_str s, size_t *pos, sdp_str *tok);

/** a=ssrc:<ssrc-id> <attribute>[:<value>] (RFC 5576 §4.1). */
typedef struct sdp_ssrc {
    uint32_t ssrc;
    sdp_str attribute;    /**< "cname", "msid"... */
    sdp_str value;        /**< absent for a property */
} sdp_ssrc;
/** Returns 0, SDP_ERR_SYNTAX or SDP_ERR_RANGE. */
SDPDEF int sdp_ssrc_parse(sdp_str v, sdp_ssrc *out);

/** a=rid:<id> <send|recv> [<params>] (RFC 8851 §10). */
typedef struct sdp_rid {
    sdp_str id;
    int send;             /**< 1 send, 0 recv */
    sdp_str params;       /**< "pt=...;max-width=..." or absent */
} sdp_rid;
/** Returns 0 or SDP_ERR_SYNTAX. */
SDPDEF int sdp_rid_parse(sdp_str v, sdp_rid *out);

/** a=simulcast:<send|recv> <list> [<send|recv> <list>] (RFC 8853 §5.1),
 *  kept as the raw send and receive stream lists. */
typedef struct sdp_simulcast {
    sdp_str send, recv;   /**< absent when not given */
} sdp_simulcast;
/** Returns 0 or SDP_ERR_SYNTAX. */
SDPDEF int sdp_simulcast_parse(sdp_str v, sdp_simulcast *out);

/** a=candidate (RFC 8839 §5.1): foundation component transport priority
 *  address port "typ" type [raddr a] [rport p] *(extension name value). */
typedef struct sdp_candidate {
    sdp_str foundation;
    unsigned component;   /**< 1..256 */
    sdp_str transport;    /**< "UDP" (or "TCP", RFC 6544) */
    uint32_t priority;
    sdp_str addr;
    uint16_t port;
    sdp_str type;         /**< host, srflx, prflx, relay */
    sdp_str raddr;
    uint16_t rport;       /**< 0 when absent */
    sdp_str extensions;   /**< the rest (pairs), absent when none */
} sdp_candidate;
/** Returns 0, SDP_ERR_SYNTAX or SDP_ERR_RANGE. */
SDPDEF int sdp_candidate_parse(sdp_str v, sdp_candidate *out);

/** a=setup (RFC 4145 §4). */
typedef enum sdp_setup {
    SDP_SETUP_NONE = 0, SDP_SETUP_ACTIVE, SDP_SETUP_PASSIVE, SDP_SETUP_ACTPASS,
    SDP_SETUP_HOLDCONN
} sdp_setup;
/** Returns the role, or SDP_SETUP_NONE for another value. */
SDPDEF sdp_setup sdp_setup_parse(sdp_str v);

/** A decimal attribute value such as ptime / maxptime (ms) or trr-int.
 *  Returns 0, SDP_ERR_SYNTAX or SDP_ERR_RANGE (above max). */
SDPDEF int sdp_uint_parse(sdp_str v, uint32_t max, uint32_t *out);

/* ------------------------------------------------------------------------
 * Offer/answer (RFC 3264)
 *
 * The local side is described by plain C structs (sdp_local); offers and
 * answers are written as text; a received description is parsed with
 * sdp_parse() and negotiated into one sdp_negotiated entry per m= line.
 * Spans in sdp_negotiated point into the remote description's buffer or
 * into the caller's sdp_local strings.
 * --------------------------------------------------------------------- */

#define SDP_MAX_LOCAL_CODECS 16
#define SDP_MAX_LOCAL_CRYPTO 4
#define SDP_MAX_LOCAL_EXTMAP 8
#define SDP_MAX_LOCAL_RTCP_FB 8

/** A codec we can send and receive. */
typedef struct sdp_codec {
    const char *name;       /**< encoding name, e.g. "PCMU", "opus", "telephone-event" */
    uint32_t clock_rate;    /**< Hz (G722: 8000, RFC 3551 §4.5.2) */
    unsigned channels;      /**< 0 or 1 = mono; opus is always 2 (RFC 7587) */
    int pt;                 /**< payload type we offer it with: a static one
                                 (RFC 3551) or 96..127; -1 picks a free
                                 dynamic one */
    const char *fmtp;       /**< a=fmtp parameters, or NULL */
} sdp_codec;

/** A header extension we support (RFC 8285). */
typedef struct sdp_local_extmap {
    unsigned id;            /**< id we offer (1..14 one-byte form) */
    const char *uri;
} sdp_local_extmap;

/** An SRTP key we offer or answer with (RFC 4568): the suite name and the
 *  key parameters ("inline:<base64>|..."), e.g. from rtp.h's builder. */
typedef struct sdp_local_crypto {
    const char *suite;
    const char *key_params;
} sdp_local_crypto;

/** One local media stream. */
typedef struct sdp_local_media {
    const char *type;       /**< "audio", "video"... */
    const char *proto;      /**< "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF" */
    uint16_t port;          /**< our RTP port; 0 disables the stream */
    uint16_t rtcp_port;     /**< 0: port + 1 (no a=rtcp); else a=rtcp (RFC 3605) */
    const char *addr;       /**< media address, NULL = the session address */
    sdp_codec codecs[SDP_MAX_LOCAL_CODECS];
    unsigned n_codecs;      /**< in preference order */
    uint32_t ptime;         /**< a=ptime in ms, 0 = none */
    sdp_dir dir;            /**< what we want: sendrecv, or sendonly for hold... */
    int rtcp_mux;           /**< offer/accept rtcp-mux (RFC 5761) */
    sdp_local_crypto crypto[SDP_MAX_LOCAL_CRYPTO];
    unsigned n_crypto;
    sdp_local_extmap extmap[SDP_MAX_LOCAL_EXTMAP];
    unsigned n_extmap;
    const char *rtcp_fb[SDP_MAX_LOCAL_RTCP_FB]; /**< "nack", "nack pli", "ccm fir",
                                                     "transport-cc"...: offered
                                                     for every codec with "*" */
    unsigned n_rtcp_fb;
    const char *mid;        /**< a=mid (RFC 5888), or NULL */
} sdp_local_media;

/** The local session. */
typedef struct sdp_local {
    const char *username;   /**< o= username, NULL = "-" */
    uint64_t sess_id;       /**< o= id (RFC 8866 §5.2: NTP-style, chosen once) */
    uint64_t sess_version;  /**< o= version: increment it for every new offer
                                 or changed answer (RFC 3264 §8) */
    const char *addr;       /**< our address (IPv4 text or IPv6 without []) */
    const char *session_name; /**< s=, NULL = "-" */
    sdp_local_media media[8];
    unsigned n_media;
} sdp_local;

/** The result for one m= line. */
typedef struct sdp_negotiated {
    int active;             /**< 0: rejected (port 0) or nothing in common */
    sdp_str type;
    unsigned pt;            /**< the codec to send with (first common one) */
    sdp_str encoding;
    uint32_t clock_rate;
    unsigned channels;
    sdp_str fmtp;           /**< the remote side's fmtp for pt, or absent */
    int te_pt;              /**< telephone-event payload type, -1 when none */
    uint32_t te_clock;
    uint32_t ptime;         /**< remote a=ptime, 0 when absent */
    sdp_str remote_addr;    /**< where we send RTP */
    uint16_t remote_port;
    sdp_str remote_rtcp_addr;
    uint16_t remote_rtcp_port; /**< a=rtcp, else port + 1; = remote_port with mux */
    int rtcp_mux;           /**< both sides agreed (RFC 5761 §5.1.3) */
    sdp_dir dir;            /**< OUR direction: whether we send and receive */
    int remote_hold;        /**< the remote used c=0.0.0.0 (RFC 3264 §8.4 legacy) */
    int srtp;               /**< a crypto suite was agreed */
    sdp_str crypto_suite;
    uint32_t crypto_tag;
    sdp_str remote_key_params; /**< the key the remote sends with */
    unsigned local_crypto;  /**< index of our key in sdp_local_media.crypto */
    unsigned ext_id[SDP_MAX_LOCAL_EXTMAP]; /**< per our extmap[i]: the id to
                                                use, 0 when not agreed */
    sdp_str mid;
} sdp_negotiated;

/** Writes an offer for local (RFC 3264 §5): v/o/s/c/t, then per stream
 *  m= with the payload types in preference order, rtpmap for every
 *  dynamic type (and for the static ones too, which RFC 3264 §5.1 allows
 *  and several peers need), fmtp, ptime, rtcp, rtcp-mux, crypto (tags 1..n),
 *  extmap, rtcp-fb, mid, the direction. Returns the length or
 *  SDP_ERR_NOSPACE with *needed, SDP_ERR_INVALID (NULL addr or type,
 *  no codecs on an enabled stream, more than 32 payload types). */
SDPDEF int sdp_offer_build(const sdp_local *local, char *out, size_t cap, size_t *needed);

/** Answers a parsed offer (RFC 3264 §6): one m= line per offered line, in
 *  the same order. An offered stream is accepted when a local stream of
 *  the same type and transport profile is unused; its codecs are those of
 *  the offer that we support, in the offer's order and with the offer's
 *  payload types (§6.1); the direction is our wish intersected with the
 *  reverse of the offered one; rtcp-mux when both want it; one crypto line:
 *  the first offered suite we have a key for, with the offer's tag; the
 *  extmaps and rtcp-fb the offer has and we support. Streams we cannot
 *  accept get port 0 and the first offered format (§6). neg (n_neg >=
 *  offer->n_media entries) gets the result per m= line. Returns the length
 *  or SDP_ERR_NOSPACE with *needed, SDP_ERR_INVALID, SDP_ERR_TOO_MANY (more
 *  offered streams than n_neg). */
SDPDEF int sdp_answer_build(const sdp_session *offer, const sdp_local *local,
                            sdp_negotiated *neg, size_t n_neg, char *out, size_t cap,
                            size_t *needed);

/** Reads the answer to an offer we built from local (RFC 3264 §6, §7): the
 *  answer must have as many m= lines as we offered (else SDP_ERR_SYNTAX);
 *  a port 0 line or one without a codec we offered is inactive; the codec
 *  to send with is the first one of the answer we offered (§7). Fills
 *  neg[0..n) (n_neg >= answer->n_media). Returns 0, SDP_ERR_SYNTAX,
 *  SDP_ERR_TOO_MANY, SDP_ERR_INVALID. */
SDPDEF int sdp_answer_process(const sdp_local *local, const sdp_session *answer,
                              sdp_negotiated *neg, size_t n_neg);

#ifdef __cplusplus
}
#endif

#endif /* SDP_H */

/* ======================================================================== */
#if defined(SDP_IMPLEMENTATION) && !defined(SDP_IMPLEMENTATION_DONE)
#define SDP_IMPLEMENTATION_DONE

#include <string.h>

SDPDEF const char *sdp_strerror(int err)
{
    switch (err) {
    case SDP_OK: return "ok";
    case SDP_ERR_SYNTAX: return "malformed SDP line or value";
    case SDP_ERR_ORDER: return "SDP line out of order";
    case SDP_ERR_MISSING: return "mandatory SDP line missing";
    case SDP_ERR_UNKNOWN: return "unknown SDP line type";
    case SDP_ERR_TOO_MANY: return "more SDP elements than room";
    case SDP_ERR_RANGE: return "number out of range";
    case SDP_ERR_NOSPACE: return "output buffer too small";
    case SDP_ERR_INVALID: return "invalid argument";
    case SDP_ERR_NOT_FOUND: return "not found";
    default: return "unknown error";
    }
}

static sdp_str sdp__span(const char *b, const char *e)
{
    sdp_str s;
    s.p = b;
    s.len = (size_t)(e - b);
    return s;
}

static int sdp__lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

SDPDEF sdp_str sdp_str_c(const char *s)
{
    sdp_str r;
    r.p = s;
    r.len = s ? strlen(s) : 0;
    return r;
}

SDPDEF int sdp_str_eq_c(sdp_str a, const char *s)
{
    size_t n = strlen(s);
    return a.p && a.len == n && memcmp(a.p, s, n) == 0;
}

SDPDEF int sdp_str_caseeq_c(sdp_str a, const char *s)
{
    size_t i, n = strlen(s);
    if (!a.p || a.len != n) return 0;
    for (i = 0; i < n; i++)
        if (sdp__lower((unsigned char)a.p[i]) != sdp__lower((unsigned char)s[i])) return 0;
    return 1;
}

SDPDEF int sdp_str_to_u64(sdp_str s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (!s.p || s.len == 0) return SDP_ERR_SYNTAX;
    for (i = 0; i < s.len; i++) {
        unsigned d = (unsigned)(s.p[i] - '0');
        if (d > 9) return SDP_ERR_SYNTAX;
        if (d > max || v > (max - d) / 10) return SDP_ERR_RANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

SDPDEF int sdp_uint_parse(sdp_str v, uint32_t max, uint32_t *out)
{
    uint64_t x;
    int rc = sdp_str_to_u64(v, max, &x);
    if (rc) return rc;
    *out = (uint32_t)x;
    return 0;
}

/* ---- field splitting ---------------------------------------------------- */

/* Splits off the next field ending at sep (or the end); the field may be
 * empty. Returns 1 with *f set, 0 when nothing is left. *p becomes NULL
 * once the last field is taken (never a pointer past the end). */
static int sdp__field(const char **p, const char *e, char sep, sdp_str *f)
{
    const char *q = *p;
    if (!q) return 0;
    while (q < e && *q != sep) q++;
    *f = sdp__span(*p, q);
    *p = q < e ? q + 1 : NULL;
    return 1;
}

SDPDEF int sdp_token_next(sdp_str s, size_t *pos, sdp_str *tok)
{
    size_t i = *pos, b;
    if (!s.p) return 0;
    while (i < s.len && s.p[i] == ' ') i++;
    if (i >= s.len) {
        *pos = s.len;
        return 0;
    }
    b = i;
    while (i < s.len && s.p[i] != ' ') i++;
    tok->p = s.p + b;
    tok->len = i - b;
    *pos = i;
    return 1;
}

/* n exactly-space-separated fields (single spaces, §5: "exactly one
 * space"), the last taking the rest of the line when rest_last. */
static int sdp__fields(sdp_str v, sdp_str *f, unsigned n, int rest_last)
{
    const char *p, *e;
    unsigned i;
    if (!v.p) return SDP_ERR_SYNTAX;
    p = v.p;
    e = v.p + v.len;
    for (i = 0; i < n; i++) {
        if (i == n - 1 && rest_last) {
            if (!p) return SDP_ERR_SYNTAX;
            f[i] = sdp__span(p, e);
        } else if (!sdp__field(&p, e, ' ', &f[i])) {
            return SDP_ERR_SYNTAX;
        }
        if (f[i].len == 0) return SDP_ERR_SYNTAX;
    }
    if (!rest_last && p) return SDP_ERR_SYNTAX; /* fields left over */
    return 0;
}

static int sdp__u32(sdp_str s, uint32_t max, uint32_t *out)
{
    return sdp_uint_parse(s, max, out);
}

/* ---- line-level parsers --------------------------------------------------- */

static int sdp__origin(sdp_str v, sdp_origin *o)
{
    sdp_str f[6];
    int rc = sdp__fields(v, f, 6, 0);
    if (rc) return rc;
    o->username = f[0];
    o->sess_id = f[1];
    o->sess_version = f[2];
    o->nettype = f[3];
    o->addrtype = f[4];
    o->addr = f[5];
    /* §5.2: numeric strings; one too long for 64 bits stays text only */
    rc = sdp_str_to_u64(f[1], UINT64_MAX, &o->id);
    if (rc == SDP_ERR_SYNTAX) return rc;
    o->id_valid = rc == 0;
    rc = sdp_str_to_u64(f[2], UINT64_MAX, &o->version);
    if (rc == SDP_ERR_SYNTAX) return rc;
    o->version_valid = rc == 0;
    return 0;
}

static int sdp__conn(sdp_str v, sdp_conn *c)
{
    sdp_str f[3], a;
    const char *p, *e, *sl;
    int rc = sdp__fields(v, f, 3, 0);
    if (rc) return rc;
    memset(c, 0, sizeof *c);
    c->nettype = f[0];
    c->addrtype = f[1];
    a = f[2];
    p = a.p;
    e = a.p + a.len;
    sl = (const char *)memchr(p, '/', a.len);
    c->addr = sdp__span(p, sl ? sl : e);
    if (c->addr.len == 0) return SDP_ERR_SYNTAX;
    if (sl) {
        /* IP4 multicast: /ttl[/num]; IP6 multicast: /num (§5.7) */
        sdp_str x, y;
        const char *q = sl + 1, *sl2 = (const char *)memchr(q, '/', (size_t)(e - q));
        x = sdp__span(q, sl2 ? sl2 : e);
        y = sl2 ? sdp__span(sl2 + 1, e) : sdp__span(NULL, NULL);
        if (sdp_str_eq_c(c->addrtype, "IP6")) {
            if (sl2) return SDP_ERR_SYNTAX;
            rc = sdp__u32(x, 0xFFFFFFFFu, &c->num);
        } else {
            rc = sdp__u32(x, 255, &c->ttl);
            if (!rc && sl2) rc = sdp__u32(y, 0xFFFFFFFFu, &c->num);
        }
        if (rc) return rc;
    }
    return 0;
}

static int sdp__bw(sdp_str v, sdp_bw *b)
{
    const char *c = v.p ? (const char *)memchr(v.p, ':', v.len) : NULL;
    if (!c || c == v.p) return SDP_ERR_SYNTAX;
    b->type = sdp__span(v.p, c);
    return sdp_str_to_u64(sdp__span(c + 1, v.p + v.len), UINT64_MAX, &b->value);
}

static int sdp__time(sdp_str v, sdp_time *t)
{
    sdp_str f[2];
    int rc = sdp__fields(v, f, 2, 0);
    memset(t, 0, sizeof *t);
    if (rc) return rc;
    rc = sdp_str_to_u64(f[0], UINT64_MAX, &t->start);
    if (!rc) rc = sdp_str_to_u64(f[1], UINT64_MAX, &t->stop);
    return rc;
}

static int sdp__media_line(sdp_str v, sdp_media *m)
{
    const char *p = v.p, *e = v.p + v.len, *sl;
    sdp_str f, port;
    uint32_t x;
    int rc;
    if (!sdp__field(&p, e, ' ', &m->type) || !m->type.len) return SDP_ERR_SYNTAX;
    if (!sdp__field(&p, e, ' ', &port) || !port.len) return SDP_ERR_SYNTAX;
    sl = (const char *)memchr(port.p, '/', port.len);
    rc = sdp__u32(sdp__span(port.p, sl ? sl : port.p + port.len), 65535, &x);
    if (rc) return rc;
    m->port = (uint16_t)x;
    if (sl) {
        rc = sdp__u32(sdp__span(sl + 1, port.p + port.len), 65535, &x);
        if (rc) return rc;
        if (x == 0) return SDP_ERR_RANGE;
        m->n_ports = (uint16_t)x;
    }
    if (!sdp__field(&p, e, ' ', &m->proto) || !m->proto.len) return SDP_ERR_SYNTAX;
    while (sdp__field(&p, e, ' ', &f)) {
        if (!f.len) return SDP_ERR_SYNTAX;
        if (m->n_fmt == SDP_MAX_FMTS) return SDP_ERR_TOO_MANY;
        m->fmt[m->n_fmt++] = f;
    }
    return m->n_fmt ? 0 : SDP_ERR_SYNTAX; /* §5.14: at least one format */
}

/* ---- the parser ------------------------------------------------------------ */

typedef struct sdp__ps {
    const char *buf;
    sdp_session *s;
    sdp_attr *attrs;
    size_t max_attrs, n_attrs;
    sdp_media *media;
    size_t max_media;
    sdp_media *cur;        /* media section being filled, or NULL */
    unsigned flags;
    int rank;              /* position of the last line in the §5 order */
    sdp_error *err;
    unsigned line;
    size_t line_off;
} sdp__ps;

/* The §5 order, session part then media part; repeatable lines keep their
 * rank. r= follows its t=. */
static int sdp__rank(char t, int in_media)
{
    static const char sess[] = "vosiuepcbtzka", med[] = "micbka";
    const char *o = in_media ? med : sess, *q = strchr(o, t);
    if (t == 'r' && !in_media) return 9; /* with t= */
    return q && t ? (int)(q - o) : -1;
}

static int sdp__fail(sdp__ps *ps, int rc, const char *reason)
{
    if (ps->err) {
        ps->err->line = ps->line;
        ps->err->offset = ps->line_off;
        ps->err->reason = reason;
    }
    return rc;
}

static int sdp__attr(sdp__ps *ps, sdp_str v)
{
    const char *c;
    sdp_attr *a;
    if (!v.len) return sdp__fail(ps, SDP_ERR_SYNTAX, "empty attribute");
    if (ps->n_attrs == ps->max_attrs) return sdp__fail(ps, SDP_ERR_TOO_MANY, "too many attributes");
    a = &ps->attrs[ps->n_attrs++];
    c = (const char *)memchr(v.p, ':', v.len);
    a->name = sdp__span(v.p, c ? c : v.p + v.len);
    a->value = c ? sdp__span(c + 1, v.p + v.len) : sdp__span(NULL, NULL);
    if (!a->name.len) return sdp__fail(ps, SDP_ERR_SYNTAX, "attribute without a name");
    if (ps->cur) ps->cur->n_attrs++;
    else ps->s->n_attrs++;
    return 0;
}

/* i=, u=, z=, k= appear at most once per level: a second one would
 * silently replace the first. */
static int sdp__set_once(sdp__ps *ps, sdp_str *field, sdp_str v)
{
    if (field->p) return sdp__fail(ps, SDP_ERR_ORDER, "repeated line");
    *field = v;
    return 0;
}

static int sdp__session_line(sdp__ps *ps, char t, sdp_str v)
{
    sdp_session *s = ps->s;
    int rc = 0;
    switch (t) {
    case 'v':
        if (ps->line != 1) return sdp__fail(ps, SDP_ERR_ORDER, "repeated v= line");
        if (!sdp_str_eq_c(v, "0")) return sdp__fail(ps, SDP_ERR_SYNTAX, "v= must be 0");
        return 0;
    case 'o':
        if (s->origin.username.p) return sdp__fail(ps, SDP_ERR_ORDER, "repeated o= line");
        rc = sdp__origin(v, &s->origin);
        return rc ? sdp__fail(ps, rc, "bad o= line") : 0;
    case 's':
        if (s->name.p) return sdp__fail(ps, SDP_ERR_ORDER, "repeated s= line");
        if (!v.len) return sdp__fail(ps, SDP_ERR_SYNTAX, "empty s= line");
        s->name = v;
        return 0;
    case 'i': return sdp__set_once(ps, &s->info, v);
    case 'u': return sdp__set_once(ps, &s->uri, v);
    case 'e':
        if (s->n_email == SDP_MAX_EP) return sdp__fail(ps, SDP_ERR_TOO_MANY, "too many e= lines");
        s->email[s->n_email++] = v;
        return 0;
    case 'p':
        if (s->n_phone == SDP_MAX_EP) return sdp__fail(ps, SDP_ERR_TOO_MANY, "too many p= lines");
        s->phone[s->n_phone++] = v;
        return 0;
    case 'c':
        if (s->has_conn) return sdp__fail(ps, SDP_ERR_ORDER, "second session-level c= line");
        rc = sdp__conn(v, &s->conn);
        if (rc) return sdp__fail(ps, rc, "bad c= line");
        s->has_conn = 1;
        return 0;
    case 'b':
        if (s->n_bw == SDP_MAX_BW) return sdp__fail(ps, SDP_ERR_TOO_MANY, "too many b= lines");
        rc = sdp__bw(v, &s->bw[s->n_bw]);
        if (rc) return sdp__fail(ps, rc, "bad b= line");
        s->n_bw++;
        return 0;
    case 't':
        if (s->n_time == SDP_MAX_TIMES) return sdp__fail(ps, SDP_ERR_TOO_MANY, "too many t= lines");
        rc = sdp__time(v, &s->time[s->n_time]);
        if (rc) return sdp__fail(ps, rc, "bad t= line");
        s->n_time++;
        return 0;
    case 'r': {
        sdp_time *tm;
        if (!s->n_time) return sdp__fail(ps, SDP_ERR_ORDER, "r= without t=");
        tm = &s->time[s->n_time - 1];
        if (!v.len) return sdp__fail(ps, SDP_ERR_SYNTAX, "empty r= line");
        if (tm->n_repeat == SDP_MAX_REPEATS) return sdp__fail(ps, SDP_ERR_TOO_MANY, "too many r= lines");
        tm->repeat[tm->n_repeat++] = v;
        return 0;
    }
    case 'z': return sdp__set_once(ps, &s->zone, v);
    case 'k': return sdp__set_once(ps, &s->key, v);
    case 'a': return sdp__attr(ps, v);
    default: return sdp__fail(ps, SDP_ERR_UNKNOWN, "unknown line type");
    }
}

static int sdp__media_level_line(sdp__ps *ps, char t, sdp_str v)
{
    sdp_media *m = ps->cur;
    int rc;
    switch (t) {
    case 'i': return sdp__set_once(ps, &m->info, v);
    case 'c':
        if (m->n_conn == SDP_MAX_CONN) return sdp__fail(ps, SDP_ERR_TOO_MANY, "too many c= lines");
        rc = sdp__conn(v, &m->conn[m->n_conn]);
        if (rc) return sdp__fail(ps, rc, "bad c= line");
        m->n_conn++;
        return 0;
    case 'b':
        if (m->n_bw == SDP_MAX_BW) return sdp__fail(ps, SDP_ERR_TOO_MANY, "too many b= lines");
        rc = sdp__bw(v, &m->bw[m->n_bw]);
        if (rc) return sdp__fail(ps, rc, "bad b= line");
        m->n_bw++;
        return 0;
    case 'k': return sdp__set_once(ps, &m->key, v);
    case 'a': return sdp__attr(ps, v);
    default: return sdp__fail(ps, SDP_ERR_UNKNOWN, "line type not allowed in a media section");
    }
}

static int sdp__new_media(sdp__ps *ps, sdp_str v)
{
    sdp_media *m;
    int rc;
    if (ps->s->n_media == ps->max_media) return sdp__fail(ps, SDP_ERR_TOO_MANY, "too many m= lines");
    m = &ps->media[ps->s->n_media++];
    memset(m, 0, sizeof *m);
    m->line = ps->line;
    m->attrs = ps->attrs + ps->n_attrs;
    ps->cur = m;
    rc = sdp__media_line(v, m);
    return rc ? sdp__fail(ps, rc, "bad m= line") : 0;
}

/* One line: "<type>=<value>". The order check compares ranks: within a
 * level they may not decrease (equal is a repeated line, allowed only for
 * the repeatable types). Single lines repeated are refused where they are
 * stored, in both modes. */
static int sdp__line(sdp__ps *ps, const char *b, const char *e)
{
    char t;
    int rank;
    sdp_str v;
    if (e - b < 2 || b[1] != '=') return sdp__fail(ps, SDP_ERR_SYNTAX, "not a <type>=<value> line");
    t = b[0];
    v = sdp__span(b + 2, e);
    if (ps->line == 1) {
        if (t != 'v') return sdp__fail(ps, SDP_ERR_MISSING, "first line is not v=");
        ps->rank = 0;
        return sdp__session_line(ps, t, v);
    }
    if (t == 'm') {
        if (!ps->s->n_time && !(ps->flags & SDP_PARSE_LENIENT))
            return sdp__fail(ps, SDP_ERR_ORDER, "m= before t=");
        ps->rank = 0;
        return sdp__new_media(ps, v);
    }
    rank = sdp__rank(t, ps->cur != NULL);
    if (rank < 0) {
        if (t < 'a' || t > 'z') return sdp__fail(ps, SDP_ERR_SYNTAX, "bad line type");
        if (ps->cur && sdp__rank(t, 0) >= 0) return sdp__fail(ps, SDP_ERR_ORDER, "session-level line after m=");
        return sdp__fail(ps, SDP_ERR_UNKNOWN, "unknown line type");
    }
    if (!(ps->flags & SDP_PARSE_LENIENT)) {
        /* repeatable lines may share a rank; t= and r= share one */
        int repeatable = strchr(ps->cur ? "cba" : "epbtra", t) != NULL;
        if (rank < ps->rank || (rank == ps->rank && !repeatable))
            return sdp__fail(ps, SDP_ERR_ORDER, "line out of order");
        if (t == 'r' && ps->rank != 9) return sdp__fail(ps, SDP_ERR_ORDER, "r= not after t=");
    }
    ps->rank = rank;
    return ps->cur ? sdp__media_level_line(ps, t, v) : sdp__session_line(ps, t, v);
}

static int sdp__check_end(sdp__ps *ps)
{
    sdp_session *s = ps->s;
    unsigned i;
    ps->line = 0;
    if (!s->origin.username.p) return sdp__fail(ps, SDP_ERR_MISSING, "no o= line");
    if (!s->name.p) return sdp__fail(ps, SDP_ERR_MISSING, "no s= line");
    if (!s->n_time) return sdp__fail(ps, SDP_ERR_MISSING, "no t= line");
    for (i = 0; i < s->n_media; i++) {
        if (!s->has_conn && !s->media[i].n_conn) {
            ps->line = s->media[i].line;
            return sdp__fail(ps, SDP_ERR_MISSING, "no c= line for this media (RFC 8866 5.7)");
        }
    }
    return 0;
}

SDPDEF int sdp_parse(const char *buf, size_t len, unsigned flags, sdp_session *s,
                     sdp_attr *attrs, size_t max_attrs, sdp_media *media,
                     size_t max_media, sdp_error *err)
{
    sdp__ps ps;
    const char *p = buf, *e = buf + len;
    if (err) {
        err->line = 0;
        err->offset = 0;
        err->reason = NULL;
    }
    if (!s || (!attrs && max_attrs) || (!media && max_media) || (!buf && len))
        return SDP_ERR_INVALID;
    memset(s, 0, sizeof *s);
    memset(&ps, 0, sizeof ps);
    ps.buf = buf;
    ps.s = s;
    ps.attrs = attrs;
    ps.max_attrs = max_attrs;
    ps.media = media;
    ps.max_media = max_media;
    ps.flags = flags;
    ps.err = err;
    s->attrs = attrs;
    s->media = media;
    while (p < e) {
        const char *nl = (const char *)memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        int rc;
        if (le > p && le[-1] == '\r') le--;
        ps.line++;
        ps.line_off = (size_t)(p - buf);
        if (memchr(p, '\r', (size_t)(le - p)))
            return sdp__fail(&ps, SDP_ERR_SYNTAX, "CR inside a line");
        rc = sdp__line(&ps, p, le);
        if (rc) return rc;
        p = nl ? nl + 1 : e;
    }
    if (ps.line == 0) return sdp__fail(&ps, SDP_ERR_MISSING, "empty description");
    return sdp__check_end(&ps);
}

/* ---- printing ------------------------------------------------------------- */

typedef struct sdp__w {
    char *out;
    size_t cap, n;
} sdp__w;

static void sdp__put(sdp__w *w, const char *p, size_t len)
{
    if (w->out && w->n + len <= w->cap && len) memcpy(w->out + w->n, p, len);
    w->n += len;
}
static void sdp__puts(sdp__w *w, const char *s) { sdp__put(w, s, strlen(s)); }
static void sdp__putv(sdp__w *w, sdp_str s) { sdp__put(w, s.p, s.len); }

static void sdp__putu(sdp__w *w, uint64_t v)
{
    char d[24];
    int k = 0;
    do d[k++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (k) sdp__put(w, &d[--k], 1);
}

static void sdp__line_start(sdp__w *w, char t)
{
    char h[2];
    h[0] = t;
    h[1] = '=';
    sdp__put(w, h, 2);
}

static void sdp__line_v(sdp__w *w, char t, sdp_str v)
{
    if (!v.p) return;
    sdp__line_start(w, t);
    sdp__putv(w, v);
    sdp__puts(w, "\r\n");
}

static void sdp__conn_out(sdp__w *w, const sdp_conn *c)
{
    sdp__line_start(w, 'c');
    sdp__putv(w, c->nettype);
    sdp__puts(w, " ");
    sdp__putv(w, c->addrtype);
    sdp__puts(w, " ");
    sdp__putv(w, c->addr);
    if (c->ttl) {
        sdp__puts(w, "/");
        sdp__putu(w, c->ttl);
    }
    if (c->num) {
        sdp__puts(w, "/");
        sdp__putu(w, c->num);
    }
    sdp__puts(w, "\r\n");
}

static void sdp__bw_out(sdp__w *w, const sdp_bw *b, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) {
        sdp__line_start(w, 'b');
        sdp__putv(w, b[i].type);
        sdp__puts(w, ":");
        sdp__putu(w, b[i].value);
        sdp__puts(w, "\r\n");
    }
}

static int sdp__has_crlf(sdp_str s)
{
    return s.p && (memchr(s.p, '\r', s.len) || memchr(s.p, '\n', s.len));
}

static int sdp__attrs_out(sdp__w *w, const sdp_attr *a, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) {
        if (!a[i].name.len || sdp__has_crlf(a[i].name) || sdp__has_crlf(a[i].value))
            return SDP_ERR_INVALID;
        sdp__line_start(w, 'a');
        sdp__putv(w, a[i].name);
        if (a[i].value.p) {
            sdp__puts(w, ":");
            sdp__putv(w, a[i].value);
        }
        sdp__puts(w, "\r\n");
    }
    return 0;
}

static void sdp__origin_out(sdp__w *w, const sdp_origin *o)
{
    sdp__line_start(w, 'o');
    sdp__putv(w, o->username.p ? o->username : sdp_str_c("-"));
    sdp__puts(w, " ");
    if (o->sess_id.p) sdp__putv(w, o->sess_id);
    else sdp__putu(w, o->id);
    sdp__puts(w, " ");
    if (o->sess_version.p) sdp__putv(w, o->sess_version);
    else sdp__putu(w, o->version);
    sdp__puts(w, " ");
    sdp__putv(w, o->nettype.p ? o->nettype : sdp_str_c("IN"));
    sdp__puts(w, " ");
    sdp__putv(w, o->addrtype.p ? o->addrtype : sdp_str_c("IP4"));
    sdp__puts(w, " ");
    sdp__putv(w, o->addr);
    sdp__puts(w, "\r\n");
}

static int sdp__media_out(sdp__w *w, const sdp_media *m)
{
    unsigned i;
    sdp__line_start(w, 'm');
    sdp__putv(w, m->type);
    sdp__puts(w, " ");
    sdp__putu(w, m->port);
    if (m->n_ports) {
        sdp__puts(w, "/");
        sdp__putu(w, m->n_ports);
    }
    sdp__puts(w, " ");
    sdp__putv(w, m->proto);
    for (i = 0; i < m->n_fmt; i++) {
        sdp__puts(w, " ");
        sdp__putv(w, m->fmt[i]);
    }
    sdp__puts(w, "\r\n");
    sdp__line_v(w, 'i', m->info);
    for (i = 0; i < m->n_conn; i++) sdp__conn_out(w, &m->conn[i]);
    sdp__bw_out(w, m->bw, m->n_bw);
    sdp__line_v(w, 'k', m->key);
    return sdp__attrs_out(w, m->attrs, m->n_attrs);
}

SDPDEF int sdp_print(const sdp_session *s, char *out, size_t cap, size_t *needed)
{
    sdp__w w;
    unsigned i, j;
    int rc;
    if (needed) *needed = 0;
    if (!s || (s->n_attrs && !s->attrs) || (s->n_media && !s->media)) return SDP_ERR_INVALID;
    w.out = out;
    w.cap = cap;
    w.n = 0;
    sdp__puts(&w, "v=0\r\n");
    sdp__origin_out(&w, &s->origin);
    sdp__line_v(&w, 's', s->name.p ? s->name : sdp_str_c(" "));
    sdp__line_v(&w, 'i', s->info);
    sdp__line_v(&w, 'u', s->uri);
    for (i = 0; i < s->n_email && i < SDP_MAX_EP; i++) sdp__line_v(&w, 'e', s->email[i]);
    for (i = 0; i < s->n_phone && i < SDP_MAX_EP; i++) sdp__line_v(&w, 'p', s->phone[i]);
    if (s->has_conn) sdp__conn_out(&w, &s->conn);
    sdp__bw_out(&w, s->bw, s->n_bw < SDP_MAX_BW ? s->n_bw : SDP_MAX_BW);
    if (!s->n_time) sdp__puts(&w, "t=0 0\r\n"); /* §5.9: t= is mandatory */
    for (i = 0; i < s->n_time && i < SDP_MAX_TIMES; i++) {
        sdp__line_start(&w, 't');
        sdp__putu(&w, s->time[i].start);
        sdp__puts(&w, " ");
        sdp__putu(&w, s->time[i].stop);
        sdp__puts(&w, "\r\n");
        for (j = 0; j < s->time[i].n_repeat && j < SDP_MAX_REPEATS; j++)
            sdp__line_v(&w, 'r', s->time[i].repeat[j]);
    }
    sdp__line_v(&w, 'z', s->zone);
    sdp__line_v(&w, 'k', s->key);
    rc = sdp__attrs_out(&w, s->attrs, s->n_attrs);
    for (i = 0; !rc && i < s->n_media; i++) rc = sdp__media_out(&w, &s->media[i]);
    if (rc) return rc;
    if (needed) *needed = w.n;
    if (!out || w.n > cap) return SDP_ERR_NOSPACE;
    if (w.n > 0x7fffffff) return SDP_ERR_INVALID;
    return (int)w.n;
}

/* ---- attributes -------------------------------------------------------- */

SDPDEF const sdp_attr *sdp_attr_next(const sdp_attr *attrs, unsigned n, const char *name,
                                     unsigned *from)
{
    unsigned i;
    for (i = from ? *from : 0; i < n; i++) {
        if (sdp_str_eq_c(attrs[i].name, name)) {
            if (from) *from = i + 1;
            return &attrs[i];
        }
    }
    if (from) *from = n;
    return NULL;
}

SDPDEF const sdp_attr *sdp_attr_get(const sdp_session *s, const sdp_media *m, const char *name)
{
    const sdp_attr *a = NULL;
    if (m) a = sdp_attr_next(m->attrs, m->n_attrs, name, NULL);
    if (!a && s) a = sdp_attr_next(s->attrs, s->n_attrs, name, NULL);
    return a;
}

static const char *const sdp__dir_names[4] = {"sendrecv", "sendonly", "recvonly", "inactive"};

static int sdp__dir_in(const sdp_attr *a, unsigned n, sdp_dir *d)
{
    unsigned i, k;
    for (i = 0; i < n; i++)
        for (k = 0; k < 4; k++)
            if (!a[i].value.p && sdp_str_eq_c(a[i].name, sdp__dir_names[k])) {
                *d = (sdp_dir)k;
                return 1;
            }
    return 0;
}

SDPDEF sdp_dir sdp_media_dir(const sdp_session *s, const sdp_media *m)
{
    sdp_dir d = SDP_DIR_SENDRECV;
    if (m && sdp__dir_in(m->attrs, m->n_attrs, &d)) return d;
    if (s && sdp__dir_in(s->attrs, s->n_attrs, &d)) return d;
    return SDP_DIR_SENDRECV;
}

SDPDEF const char *sdp_dir_name(sdp_dir d)
{
    return (unsigned)d < 4 ? sdp__dir_names[d] : "sendrecv";
}

SDPDEF sdp_dir sdp_dir_reverse(sdp_dir d)
{
    if (d == SDP_DIR_SENDONLY) return SDP_DIR_RECVONLY;
    if (d == SDP_DIR_RECVONLY) return SDP_DIR_SENDONLY;
    return d;
}

SDPDEF const sdp_conn *sdp_media_conn(const sdp_session *s, const sdp_media *m)
{
    if (m && m->n_conn) return &m->conn[0];
    return s && s->has_conn ? &s->conn : NULL;
}

SDPDEF int sdp_rtpmap_parse(sdp_str v, sdp_rtpmap *out)
{
    sdp_str f[2], enc, clk, ch = {NULL, 0};
    const char *p, *e;
    uint32_t x;
    int rc = sdp__fields(v, f, 2, 1);
    memset(out, 0, sizeof *out);
    if (rc) return rc;
    rc = sdp__u32(f[0], 127, &x);
    if (rc) return rc;
    out->pt = x;
    p = f[1].p;
    e = f[1].p + f[1].len;
    if (!sdp__field(&p, e, '/', &enc) || !enc.len) return SDP_ERR_SYNTAX;
    if (!sdp__field(&p, e, '/', &clk)) return SDP_ERR_SYNTAX;
    if (p) ch = sdp__span(p, e);
    rc = sdp__u32(clk, 0xFFFFFFFFu, &out->clock_rate);
    if (rc) return rc;
    if (!out->clock_rate) return SDP_ERR_RANGE;
    if (ch.p) {
        rc = sdp__u32(ch, 255, &x);
        if (rc) return rc;
        if (!x) return SDP_ERR_RANGE;
        out->channels = x;
    }
    out->encoding = enc;
    return 0;
}

SDPDEF int sdp_fmtp_parse(sdp_str v, sdp_fmtp *out)
{
    const char *sp;
    memset(out, 0, sizeof *out);
    if (!v.p || !v.len) return SDP_ERR_SYNTAX;
    sp = (const char *)memchr(v.p, ' ', v.len);
    if (!sp || sp == v.p) return SDP_ERR_SYNTAX;
    out->format = sdp__span(v.p, sp);
    out->params = sdp__span(sp + 1, v.p + v.len);
    return 0;
}

static sdp_str sdp__trim(sdp_str s)
{
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) s.p++, s.len--;
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t')) s.len--;
    return s;
}

SDPDEF int sdp_param_next(sdp_str params, size_t *pos, sdp_str *name, sdp_str *value)
{
    for (;;) {
        size_t i = *pos, b;
        sdp_str item;
        const char *eq;
        if (!params.p || i >= params.len) return 0;
        b = i;
        while (i < params.len && params.p[i] != ';') i++;
        *pos = i < params.len ? i + 1 : params.len;
        item = sdp__trim(sdp__span(params.p + b, params.p + i));
        if (!item.len) continue; /* "a=1;;b=2" or a trailing ';' */
        eq = (const char *)memchr(item.p, '=', item.len);
        if (eq) {
            *name = sdp__trim(sdp__span(item.p, eq));
            *value = sdp__trim(sdp__span(eq + 1, item.p + item.len));
        } else {
            *name = item;
            value->p = NULL;
            value->len = 0;
        }
        return 1;
    }
}

SDPDEF int sdp_param_get(sdp_str params, const char *name, sdp_str *value)
{
    size_t pos = 0;
    sdp_str n, v;
    while (sdp_param_next(params, &pos, &n, &v))
        if (sdp_str_caseeq_c(n, name)) {
            *value = v;
            return 0;
        }
    return SDP_ERR_NOT_FOUND;
}

SDPDEF int sdp_rtcp_parse(sdp_str v, sdp_rtcp *out)
{
    sdp_str f[4];
    size_t pos = 0;
    unsigned n = 0;
    uint32_t x;
    int rc;
    memset(out, 0, sizeof *out);
    while (n < 4 && sdp_token_next(v, &pos, &f[n])) n++;
    if (sdp_token_next(v, &pos, &f[0]) || (n != 1 && n != 4)) return SDP_ERR_SYNTAX;
    rc = sdp__u32(f[0], 65535, &x);
    if (rc) return rc;
    out->port = (uint16_t)x;
    if (n == 4) {
        out->nettype = f[1];
        out->addrtype = f[2];
        out->addr = f[3];
    }
    return 0;
}

SDPDEF int sdp_crypto_parse(sdp_str v, sdp_crypto *out)
{
    sdp_str f[3];
    const char *p, *e;
    uint32_t tag;
    int rc;
    memset(out, 0, sizeof *out);
    if (!v.p) return SDP_ERR_SYNTAX;
    /* tag, suite, key-params, then optional session parameters */
    p = v.p;
    e = v.p + v.len;
    if (!sdp__field(&p, e, ' ', &f[0]) || !sdp__field(&p, e, ' ', &f[1]) ||
        !sdp__field(&p, e, ' ', &f[2]) || !f[0].len || !f[1].len || !f[2].len)
        return SDP_ERR_SYNTAX;
    rc = sdp__u32(f[0], 999999999, &tag);
    if (rc) return rc;
    if (f[0].len > 9) return SDP_ERR_RANGE;
    out->tag = tag;
    out->suite = f[1];
    out->key_params = f[2];
    if (p) {
        if (p == e) return SDP_ERR_SYNTAX; /* trailing space */
        out->session_params = sdp__span(p, e);
    }
    return 0;
}

SDPDEF int sdp_extmap_parse(sdp_str v, sdp_extmap *out)
{
    sdp_str idf, uri;
    const char *p, *e, *sl;
    uint32_t id;
    int rc;
    memset(out, 0, sizeof *out);
    if (!v.p) return SDP_ERR_SYNTAX;
    p = v.p;
    e = v.p + v.len;
    if (!sdp__field(&p, e, ' ', &idf) || !idf.len) return SDP_ERR_SYNTAX;
    if (!sdp__field(&p, e, ' ', &uri) || !uri.len) return SDP_ERR_SYNTAX;
    sl = (const char *)memchr(idf.p, '/', idf.len);
    rc = sdp__u32(sdp__span(idf.p, sl ? sl : idf.p + idf.len), 255, &id);
    if (rc) return rc;
    if (id == 0 || id == 15) return SDP_ERR_RANGE;
    out->id = id;
    if (sl) {
        sdp_str d = sdp__span(sl + 1, idf.p + idf.len);
        unsigned k;
        for (k = 0; k < 4; k++)
            if (sdp_str_eq_c(d, sdp__dir_names[k])) break;
        if (k == 4) return SDP_ERR_SYNTAX;
        out->has_dir = 1;
        out->dir = (sdp_dir)k;
    }
    out->uri = uri;
    if (p) {
        if (p == e) return SDP_ERR_SYNTAX;
        out->attributes = sdp__span(p, e);
    }
    return 0;
}

SDPDEF int sdp_rtcp_fb_parse(sdp_str v, sdp_rtcp_fb *out)
{
    const char *p, *e;
    sdp_str ptf;
    uint32_t pt;
    memset(out, 0, sizeof *out);
    if (!v.p) return SDP_ERR_SYNTAX;
    p = v.p;
    e = v.p + v.len;
    if (!sdp__field(&p, e, ' ', &ptf) || !ptf.len) return SDP_ERR_SYNTAX;
    if (!sdp__field(&p, e, ' ', &out->type) || !out->type.len) return SDP_ERR_SYNTAX;
    if (sdp_str_eq_c(ptf, "*")) {
        out->any_pt = 1;
    } else {
        int rc = sdp__u32(ptf, 127, &pt);
        if (rc) return rc;
        out->pt = pt;
    }
    if (p) {
        if (p == e) return SDP_ERR_SYNTAX;
        out->param = sdp__span(p, e);
    }
    return 0;
}

SDPDEF int sdp_group_parse(sdp_str v, sdp_group *out)
{
    const char *p, *e;
    memset(out, 0, sizeof *out);
    if (!v.p) return SDP_ERR_SYNTAX;
    p = v.p;
    e = v.p + v.len;
    if (!sdp__field(&p, e, ' ', &out->semantics) || !out->semantics.len) return SDP_ERR_SYNTAX;
    out->ids = p ? sdp__span(p, e) : sdp__span(e, e);
    return 0;
}

SDPDEF int sdp_ssrc_parse(sdp_str v, sdp_ssrc *out)
{
    const char *p, *e, *c;
    sdp_str id, attr;
    uint32_t x;
    int rc;
    memset(out, 0, sizeof *out);
    if (!v.p) return SDP_ERR_SYNTAX;
    p = v.p;
    e = v.p + v.len;
    if (!sdp__field(&p, e, ' ', &id) || !p) return SDP_ERR_SYNTAX;
    rc = sdp__u32(id, 0xFFFFFFFFu, &x);
    if (rc) return rc;
    out->ssrc = x;
    attr = sdp__span(p, e);
    if (!attr.len) return SDP_ERR_SYNTAX;
    c = (const char *)memchr(attr.p, ':', attr.len);
    out->attribute = sdp__span(attr.p, c ? c : e);
    if (!out->attribute.len) return SDP_ERR_SYNTAX;
    if (c) out->value = sdp__span(c + 1, e);
    return 0;
}

SDPDEF int sdp_rid_parse(sdp_str v, sdp_rid *out)
{
    const char *p, *e;
    sdp_str dir;
    memset(out, 0, sizeof *out);
    if (!v.p) return SDP_ERR_SYNTAX;
    p = v.p;
    e = v.p + v.len;
    if (!sdp__field(&p, e, ' ', &out->id) || !out->id.len) return SDP_ERR_SYNTAX;
    if (!sdp__field(&p, e, ' ', &dir)) return SDP_ERR_SYNTAX;
    if (sdp_str_eq_c(dir, "send")) out->send = 1;
    else if (!sdp_str_eq_c(dir, "recv")) return SDP_ERR_SYNTAX;
    if (p) {
        if (p == e) return SDP_ERR_SYNTAX;
        out->params = sdp__span(p, e);
    }
    return 0;
}

SDPDEF int sdp_simulcast_parse(sdp_str v, sdp_simulcast *out)
{
    sdp_str tok[4];
    size_t pos = 0;
    unsigned n = 0, i;
    memset(out, 0, sizeof *out);
    while (n < 4 && sdp_token_next(v, &pos, &tok[n])) n++;
    if (sdp_token_next(v, &pos, &tok[0]) || (n != 2 && n != 4)) return SDP_ERR_SYNTAX;
    for (i = 0; i < n; i += 2) {
        sdp_str *dst;
        if (sdp_str_eq_c(tok[i], "send")) dst = &out->send;
        else if (sdp_str_eq_c(tok[i], "recv")) dst = &out->recv;
        else return SDP_ERR_SYNTAX;
        if (dst->p) return SDP_ERR_SYNTAX; /* the same direction twice */
        *dst = tok[i + 1];
    }
    return 0;
}

SDPDEF int sdp_candidate_parse(sdp_str v, sdp_candidate *out)
{
    sdp_str t[8], k, val;
    size_t pos = 0;
    unsigned n = 0;
    uint32_t x;
    int rc;
    memset(out, 0, sizeof *out);
    while (n < 8 && sdp_token_next(v, &pos, &t[n])) n++;
    if (n < 8 || !sdp_str_eq_c(t[6], "typ")) return SDP_ERR_SYNTAX;
    out->foundation = t[0];
    if (t[0].len > 32) return SDP_ERR_SYNTAX;
    rc = sdp__u32(t[1], 256, &x);
    if (rc) return rc;
    if (!x) return SDP_ERR_RANGE;
    out->component = x;
    out->transport = t[2];
    rc = sdp__u32(t[3], 0xFFFFFFFFu, &out->priority);
    if (rc) return rc;
    out->addr = t[4];
    rc = sdp__u32(t[5], 65535, &x);
    if (rc) return rc;
    out->port = (uint16_t)x;
    out->type = t[7];
    /* optional raddr / rport, then extension name/value pairs */
    for (;;) {
        size_t save = pos;
        if (!sdp_token_next(v, &pos, &k)) break;
        if (!sdp_token_next(v, &pos, &val)) return SDP_ERR_SYNTAX;
        if (sdp_str_eq_c(k, "raddr") && !out->raddr.p && !out->extensions.p) {
            out->raddr = val;
        } else if (sdp_str_eq_c(k, "rport") && !out->rport && !out->extensions.p) {
            rc = sdp__u32(val, 65535, &x);
            if (rc) return rc;
            out->rport = (uint16_t)x;
        } else {
            while (save < v.len && v.p[save] == ' ') save++;
            out->extensions = sdp__span(v.p + save, v.p + v.len);
            /* the rest must be pairs */
            while (sdp_token_next(v, &pos, &k))
                if (!sdp_token_next(v, &pos, &val)) return SDP_ERR_SYNTAX;
            break;
        }
    }
    return 0;
}

SDPDEF sdp_setup sdp_setup_parse(sdp_str v)
{
    if (sdp_str_eq_c(v, "active")) return SDP_SETUP_ACTIVE;
    if (sdp_str_eq_c(v, "passive")) return SDP_SETUP_PASSIVE;
    if (sdp_str_eq_c(v, "actpass")) return SDP_SETUP_ACTPASS;
    if (sdp_str_eq_c(v, "holdconn")) return SDP_SETUP_HOLDCONN;
    return SDP_SETUP_NONE;
}

/* ---- offer/answer (RFC 3264) --------------------------------------------- */

/* RFC 3551 §6 static payload types: encoding, clock rate, channels. */
static const struct sdp__static_pt {
    unsigned char pt;
    const char *name;
    uint32_t clock;
    unsigned char channels;
} sdp__static_pts[] = {
    {0, "PCMU", 8000, 1},   {3, "GSM", 8000, 1},    {4, "G723", 8000, 1},
    {5, "DVI4", 8000, 1},   {6, "DVI4", 16000, 1},  {7, "LPC", 8000, 1},
    {8, "PCMA", 8000, 1},   {9, "G722", 8000, 1},   {10, "L16", 44100, 2},
    {11, "L16", 44100, 1},  {12, "QCELP", 8000, 1}, {13, "CN", 8000, 1},
    {14, "MPA", 90000, 0},  {15, "G728", 8000, 1},  {16, "DVI4", 11025, 1},
    {17, "DVI4", 22050, 1}, {18, "G729", 8000, 1},  {25, "CelB", 90000, 0},
    {26, "JPEG", 90000, 0}, {28, "nv", 90000, 0},   {31, "H261", 90000, 0},
    {32, "MPV", 90000, 0},  {33, "MP2T", 90000, 0}, {34, "H263", 90000, 0}};

/* The codec of format fmt in a remote media section: its rtpmap, else the
 * static table (RFC 3264 §5.1: static types may omit rtpmap). */
static int sdp__remote_codec(const sdp_media *m, sdp_str fmt, sdp_rtpmap *out)
{
    uint32_t pt;
    unsigned from = 0, i;
    const sdp_attr *a;
    if (sdp__u32(fmt, 127, &pt)) return SDP_ERR_NOT_FOUND;
    while ((a = sdp_attr_next(m->attrs, m->n_attrs, "rtpmap", &from)) != NULL)
        if (sdp_rtpmap_parse(a->value, out) == 0 && out->pt == pt) return 0;
    for (i = 0; i < sizeof sdp__static_pts / sizeof sdp__static_pts[0]; i++)
        if (sdp__static_pts[i].pt == pt) {
            out->pt = pt;
            out->encoding = sdp_str_c(sdp__static_pts[i].name);
            out->clock_rate = sdp__static_pts[i].clock;
            out->channels = sdp__static_pts[i].channels;
            return 0;
        }
    return SDP_ERR_NOT_FOUND;
}

static unsigned sdp__ch(unsigned c) { return c ? c : 1; }

/* Index of our codec matching a remote one (name ignoring case, clock
 * rate, channels with absent = 1), or -1. */
static int sdp__match_codec(const sdp_local_media *lm, const sdp_rtpmap *r)
{
    unsigned i;
    for (i = 0; i < lm->n_codecs && i < SDP_MAX_LOCAL_CODECS; i++) {
        const sdp_codec *c = &lm->codecs[i];
        if (c->name && sdp_str_caseeq_c(r->encoding, c->name) && c->clock_rate == r->clock_rate &&
            sdp__ch(c->channels) == sdp__ch(r->channels))
            return (int)i;
    }
    return -1;
}

static int sdp__is_te(const char *name) { return name && sdp_str_caseeq_c(sdp_str_c(name), "telephone-event"); }

/* Direction as send/receive bits. */
static unsigned sdp__dir_bits(sdp_dir d)
{
    switch (d) {
    case SDP_DIR_SENDONLY: return 1;
    case SDP_DIR_RECVONLY: return 2;
    case SDP_DIR_INACTIVE: return 0;
    default: return 3;
    }
}
static sdp_dir sdp__bits_dir(unsigned b)
{
    static const sdp_dir d[4] = {SDP_DIR_INACTIVE, SDP_DIR_SENDONLY, SDP_DIR_RECVONLY,
                                 SDP_DIR_SENDRECV};
    return d[b & 3];
}

/* The payload type of local codec i in an offer: its own, or the i-th free
 * dynamic one. */
static int sdp__offer_pts(const sdp_local_media *lm, unsigned *pts)
{
    unsigned i, used[4] = {0, 0, 0, 0}, next = 96;
    if (lm->n_codecs > SDP_MAX_LOCAL_CODECS) return SDP_ERR_INVALID;
    for (i = 0; i < lm->n_codecs; i++)
        if (lm->codecs[i].pt >= 0) {
            if (lm->codecs[i].pt > 127) return SDP_ERR_INVALID;
            used[lm->codecs[i].pt / 32] |= 1u << (lm->codecs[i].pt % 32);
        }
    for (i = 0; i < lm->n_codecs; i++) {
        if (lm->codecs[i].pt >= 0) {
            pts[i] = (unsigned)lm->codecs[i].pt;
            continue;
        }
        while (next < 128 && (used[next / 32] >> (next % 32) & 1u)) next++;
        if (next == 128) return SDP_ERR_TOO_MANY;
        pts[i] = next;
        used[next / 32] |= 1u << (next % 32);
    }
    return 0;
}

static int sdp__is_ip6(const char *a) { return a && strchr(a, ':') != NULL; }

static void sdp__w_session(sdp__w *w, const sdp_local *l)
{
    sdp__puts(w, "v=0\r\no=");
    sdp__puts(w, l->username ? l->username : "-");
    sdp__puts(w, " ");
    sdp__putu(w, l->sess_id);
    sdp__puts(w, " ");
    sdp__putu(w, l->sess_version);
    sdp__puts(w, sdp__is_ip6(l->addr) ? " IN IP6 " : " IN IP4 ");
    sdp__puts(w, l->addr);
    sdp__puts(w, "\r\ns=");
    sdp__puts(w, l->session_name ? l->session_name : "-");
    sdp__puts(w, sdp__is_ip6(l->addr) ? "\r\nc=IN IP6 " : "\r\nc=IN IP4 ");
    sdp__puts(w, l->addr);
    sdp__puts(w, "\r\nt=0 0\r\n");
}

static void sdp__w_attr(sdp__w *w, const char *name, const char *v)
{
    sdp__puts(w, "a=");
    sdp__puts(w, name);
    if (v) {
        sdp__puts(w, ":");
        sdp__puts(w, v);
    }
    sdp__puts(w, "\r\n");
}

static void sdp__w_rtpmap(sdp__w *w, unsigned pt, sdp_str name, uint32_t clock, unsigned ch)
{
    sdp__puts(w, "a=rtpmap:");
    sdp__putu(w, pt);
    sdp__puts(w, " ");
    sdp__putv(w, name);
    sdp__puts(w, "/");
    sdp__putu(w, clock);
    if (ch > 1) {
        sdp__puts(w, "/");
        sdp__putu(w, ch);
    }
    sdp__puts(w, "\r\n");
}

static void sdp__w_fmtp(sdp__w *w, unsigned pt, const char *fmtp)
{
    if (!fmtp) return;
    sdp__puts(w, "a=fmtp:");
    sdp__putu(w, pt);
    sdp__puts(w, " ");
    sdp__puts(w, fmtp);
    sdp__puts(w, "\r\n");
}

/* Media-level lines after the codecs that offer and answer share: ptime,
 * rtcp, mux, mid, direction. */
static void sdp__w_media_tail(sdp__w *w, const sdp_local_media *lm, int mux, sdp_str mid, sdp_dir dir)
{
    if (lm->ptime) {
        sdp__puts(w, "a=ptime:");
        sdp__putu(w, lm->ptime);
        sdp__puts(w, "\r\n");
    }
    if (lm->rtcp_port) {
        sdp__puts(w, "a=rtcp:");
        sdp__putu(w, lm->rtcp_port);
        sdp__puts(w, "\r\n");
    }
    if (mux) sdp__w_attr(w, "rtcp-mux", NULL);
    if (mid.p) {
        sdp__puts(w, "a=mid:");
        sdp__putv(w, mid);
        sdp__puts(w, "\r\n");
    }
    sdp__w_attr(w, sdp_dir_name(dir), NULL);
}

static void sdp__w_m_line(sdp__w *w, const char *type, unsigned port, const char *proto)
{
    sdp__puts(w, "m=");
    sdp__puts(w, type);
    sdp__puts(w, " ");
    sdp__putu(w, port);
    sdp__puts(w, " ");
    sdp__puts(w, proto);
}

static void sdp__w_media_conn(sdp__w *w, const sdp_local *l, const sdp_local_media *lm)
{
    if (!lm->addr || (l->addr && !strcmp(lm->addr, l->addr))) return;
    sdp__puts(w, sdp__is_ip6(lm->addr) ? "c=IN IP6 " : "c=IN IP4 ");
    sdp__puts(w, lm->addr);
    sdp__puts(w, "\r\n");
}

static int sdp__w_done(const sdp__w *w, char *out, size_t cap, size_t *needed)
{
    if (needed) *needed = w->n;
    if (!out || w->n > cap) return SDP_ERR_NOSPACE;
    if (w->n > 0x7fffffff) return SDP_ERR_INVALID;
    return (int)w->n;
}

static int sdp__local_ok(const sdp_local *l)
{
    unsigned i;
    if (!l || !l->addr || l->n_media > 8) return 0;
    for (i = 0; i < l->n_media; i++) {
        const sdp_local_media *lm = &l->media[i];
        if (!lm->type || !lm->proto || lm->n_codecs > SDP_MAX_LOCAL_CODECS ||
            lm->n_crypto > SDP_MAX_LOCAL_CRYPTO || lm->n_extmap > SDP_MAX_LOCAL_EXTMAP ||
            lm->n_rtcp_fb > SDP_MAX_LOCAL_RTCP_FB)
            return 0;
        if (lm->port && !lm->n_codecs) return 0;
    }
    return 1;
}

SDPDEF int sdp_offer_build(const sdp_local *l, char *out, size_t cap, size_t *needed)
{
    sdp__w w;
    unsigned i, k, pts[SDP_MAX_LOCAL_CODECS];
    if (needed) *needed = 0;
    if (!sdp__local_ok(l)) return SDP_ERR_INVALID;
    w.out = out;
    w.cap = cap;
    w.n = 0;
    sdp__w_session(&w, l);
    for (i = 0; i < l->n_media; i++) {
        const sdp_local_media *lm = &l->media[i];
        int rc = sdp__offer_pts(lm, pts);
        if (rc) return rc;
        sdp__w_m_line(&w, lm->type, lm->port, lm->proto);
        for (k = 0; k < lm->n_codecs; k++) {
            sdp__puts(&w, " ");
            sdp__putu(&w, pts[k]);
        }
        if (!lm->n_codecs) sdp__puts(&w, " 0"); /* a disabled stream still needs a format */
        sdp__puts(&w, "\r\n");
        sdp__w_media_conn(&w, l, lm);
        for (k = 0; k < lm->n_codecs; k++) {
            const sdp_codec *c = &lm->codecs[k];
            if (!c->name || !c->clock_rate) return SDP_ERR_INVALID;
            sdp__w_rtpmap(&w, pts[k], sdp_str_c(c->name), c->clock_rate, c->channels);
            sdp__w_fmtp(&w, pts[k], c->fmtp);
        }
        for (k = 0; k < lm->n_crypto; k++) {
            sdp__puts(&w, "a=crypto:");
            sdp__putu(&w, k + 1);
            sdp__puts(&w, " ");
            sdp__puts(&w, lm->crypto[k].suite);
            sdp__puts(&w, " ");
            sdp__puts(&w, lm->crypto[k].key_params);
            sdp__puts(&w, "\r\n");
        }
        for (k = 0; k < lm->n_extmap; k++) {
            sdp__puts(&w, "a=extmap:");
            sdp__putu(&w, lm->extmap[k].id);
            sdp__puts(&w, " ");
            sdp__puts(&w, lm->extmap[k].uri);
            sdp__puts(&w, "\r\n");
        }
        for (k = 0; k < lm->n_rtcp_fb; k++) {
            sdp__puts(&w, "a=rtcp-fb:* ");
            sdp__puts(&w, lm->rtcp_fb[k]);
            sdp__puts(&w, "\r\n");
        }
        sdp__w_media_tail(&w, lm, lm->rtcp_mux, sdp_str_c(lm->mid), lm->dir);
    }
    return sdp__w_done(&w, out, cap, needed);
}

/* Remote transport facts shared by answer building and answer processing:
 * address, ports, mux, ptime, hold. */
static void sdp__remote_transport(const sdp_session *s, const sdp_media *m, int we_mux,
                                  sdp_negotiated *n)
{
    const sdp_conn *c = sdp_media_conn(s, m);
    const sdp_attr *a;
    sdp_rtcp rtcp;
    uint32_t ptime;
    n->remote_addr = c ? c->addr : sdp__span(NULL, NULL);
    n->remote_port = m->port;
    n->remote_hold = c && sdp_str_eq_c(c->addr, "0.0.0.0");
    n->rtcp_mux = we_mux && sdp_attr_next(m->attrs, m->n_attrs, "rtcp-mux", NULL) != NULL;
    n->remote_rtcp_addr = n->remote_addr;
    n->remote_rtcp_port = n->rtcp_mux ? m->port : (uint16_t)(m->port + 1);
    a = sdp_attr_next(m->attrs, m->n_attrs, "rtcp", NULL);
    if (!n->rtcp_mux && a && sdp_rtcp_parse(a->value, &rtcp) == 0) {
        n->remote_rtcp_port = rtcp.port;
        if (rtcp.addr.p) n->remote_rtcp_addr = rtcp.addr;
    }
    a = sdp_attr_next(m->attrs, m->n_attrs, "ptime", NULL);
    if (a && sdp_uint_parse(a->value, 65535, &ptime) == 0) n->ptime = ptime;
    a = sdp_attr_next(m->attrs, m->n_attrs, "mid", NULL);
    if (a) n->mid = a->value;
}

/* The remote's fmtp for payload type pt, or absent. */
static sdp_str sdp__remote_fmtp(const sdp_media *m, unsigned pt)
{
    unsigned from = 0;
    const sdp_attr *a;
    sdp_fmtp f;
    uint32_t x;
    while ((a = sdp_attr_next(m->attrs, m->n_attrs, "fmtp", &from)) != NULL)
        if (sdp_fmtp_parse(a->value, &f) == 0 && sdp__u32(f.format, 127, &x) == 0 && x == pt)
            return f.params;
    return sdp__span(NULL, NULL);
}

/* Remote extmaps whose URI we support: ids per our list. */
static void sdp__match_extmaps(const sdp_media *m, const sdp_local_media *lm, sdp_negotiated *n)
{
    unsigned from = 0, k;
    const sdp_attr *a;
    sdp_extmap x;
    while ((a = sdp_attr_next(m->attrs, m->n_attrs, "extmap", &from)) != NULL) {
        if (sdp_extmap_parse(a->value, &x)) continue;
        for (k = 0; k < lm->n_extmap; k++)
            if (lm->extmap[k].uri && sdp_str_eq_c(x.uri, lm->extmap[k].uri) && !n->ext_id[k])
                n->ext_id[k] = x.id;
    }
}

/* The first offered crypto line whose suite we have a key for (RFC 4568
 * §7.1.2: the answerer picks one). Returns 1 when found. */
static int sdp__pick_crypto(const sdp_media *m, const sdp_local_media *lm, sdp_negotiated *n)
{
    unsigned from = 0, k;
    const sdp_attr *a;
    sdp_crypto c;
    while ((a = sdp_attr_next(m->attrs, m->n_attrs, "crypto", &from)) != NULL) {
        if (sdp_crypto_parse(a->value, &c)) continue;
        for (k = 0; k < lm->n_crypto; k++)
            if (lm->crypto[k].suite && sdp_str_eq_c(c.suite, lm->crypto[k].suite)) {
                n->srtp = 1;
                n->crypto_suite = c.suite;
                n->crypto_tag = c.tag;
                n->remote_key_params = c.key_params;
                n->local_crypto = k;
                return 1;
            }
    }
    return 0;
}

static int sdp__is_savp(sdp_str proto)
{
    size_t i;
    for (i = 0; i + 4 <= proto.len; i++)
        if (!memcmp(proto.p + i, "SAVP", 4)) return 1;
    return 0;
}

/* Chooses the local stream for offered line m: the first unused one of the
 * same media type and profile. */
static int sdp__pick_local(const sdp_local *l, const sdp_media *m, unsigned *used)
{
    unsigned i;
    for (i = 0; i < l->n_media; i++) {
        const sdp_local_media *lm = &l->media[i];
        if (!(*used >> i & 1u) && lm->port && sdp_str_eq_c(m->type, lm->type) &&
            sdp_str_eq_c(m->proto, lm->proto)) {
            *used |= 1u << i;
            return (int)i;
        }
    }
    return -1;
}

static void sdp__w_reject(sdp__w *w, const sdp_media *m)
{
    sdp__puts(w, "m=");
    sdp__putv(w, m->type);
    sdp__puts(w, " 0 ");
    sdp__putv(w, m->proto);
    sdp__puts(w, " ");
    sdp__putv(w, m->fmt[0]);
    sdp__puts(w, "\r\n");
}

/* Whether the offer carries rtcp-fb "fb" ("type" or "type param") for any
 * payload type (RFC 4585 §4.2: the answer keeps only offered ones). */
static int sdp__offer_has_fb(const sdp_media *m, const char *fb)
{
    unsigned from = 0;
    const sdp_attr *a;
    sdp_rtcp_fb f;
    size_t tl;
    const char *sp = strchr(fb, ' ');
    tl = sp ? (size_t)(sp - fb) : strlen(fb);
    while ((a = sdp_attr_next(m->attrs, m->n_attrs, "rtcp-fb", &from)) != NULL) {
        if (sdp_rtcp_fb_parse(a->value, &f) || f.type.len != tl || memcmp(f.type.p, fb, tl))
            continue;
        if (sp ? sdp_str_eq_c(f.param, sp + 1) : !f.param.p) return 1;
    }
    return 0;
}

/* One answered stream: codecs in the offer's order and numbering. */
static int sdp__answer_media(sdp__w *w, const sdp_session *offer, const sdp_media *m,
                             const sdp_local *l, const sdp_local_media *lm, sdp_negotiated *n)
{
    int idx[SDP_MAX_FMTS];
    sdp_rtpmap rm[SDP_MAX_FMTS];
    unsigned k, n_main = 0, bits;
    n->te_pt = -1;
    for (k = 0; k < m->n_fmt; k++) {
        idx[k] = -1;
        if (sdp__remote_codec(m, m->fmt[k], &rm[k]) == 0) idx[k] = sdp__match_codec(lm, &rm[k]);
        if (idx[k] < 0) continue;
        if (sdp__is_te(lm->codecs[idx[k]].name)) {
            if (n->te_pt < 0) n->te_pt = (int)rm[k].pt, n->te_clock = rm[k].clock_rate;
            continue;
        }
        if (!n_main++) {
            n->pt = rm[k].pt;
            n->encoding = rm[k].encoding;
            n->clock_rate = rm[k].clock_rate;
            n->channels = rm[k].channels;
            n->fmtp = sdp__remote_fmtp(m, rm[k].pt);
        }
    }
    if (!n_main) return 0;
    if (sdp__is_savp(m->proto) && !sdp__pick_crypto(m, lm, n)) return 0;
    sdp__remote_transport(offer, m, lm->rtcp_mux, n);
    sdp__match_extmaps(m, lm, n);
    bits = sdp__dir_bits(sdp_dir_reverse(sdp_media_dir(offer, m))) & sdp__dir_bits(lm->dir);
    if (n->remote_hold) bits &= 2u; /* RFC 3264 §8.4: do not send to 0.0.0.0 */
    n->dir = sdp__bits_dir(bits);
    n->active = 1;
    sdp__w_m_line(w, lm->type, lm->port, lm->proto);
    for (k = 0; k < m->n_fmt; k++)
        if (idx[k] >= 0) {
            sdp__puts(w, " ");
            sdp__putv(w, m->fmt[k]);
        }
    sdp__puts(w, "\r\n");
    sdp__w_media_conn(w, l, lm);
    for (k = 0; k < m->n_fmt; k++)
        if (idx[k] >= 0) {
            sdp__w_rtpmap(w, rm[k].pt, rm[k].encoding, rm[k].clock_rate, rm[k].channels);
            sdp__w_fmtp(w, rm[k].pt, lm->codecs[idx[k]].fmtp);
        }
    if (n->srtp) {
        sdp__puts(w, "a=crypto:");
        sdp__putu(w, n->crypto_tag);
        sdp__puts(w, " ");
        sdp__putv(w, n->crypto_suite);
        sdp__puts(w, " ");
        sdp__puts(w, lm->crypto[n->local_crypto].key_params);
        sdp__puts(w, "\r\n");
    }
    for (k = 0; k < lm->n_extmap; k++)
        if (n->ext_id[k]) {
            sdp__puts(w, "a=extmap:");
            sdp__putu(w, n->ext_id[k]);
            sdp__puts(w, " ");
            sdp__puts(w, lm->extmap[k].uri);
            sdp__puts(w, "\r\n");
        }
    for (k = 0; k < lm->n_rtcp_fb; k++) {
        if (!lm->rtcp_fb[k] || !sdp__offer_has_fb(m, lm->rtcp_fb[k])) continue;
        sdp__puts(w, "a=rtcp-fb:* ");
        sdp__puts(w, lm->rtcp_fb[k]);
        sdp__puts(w, "\r\n");
    }
    sdp__w_media_tail(w, lm, n->rtcp_mux, n->mid, n->dir);
    return 1;
}

SDPDEF int sdp_answer_build(const sdp_session *offer, const sdp_local *l, sdp_negotiated *neg,
                            size_t n_neg, char *out, size_t cap, size_t *needed)
{
    sdp__w w;
    unsigned i, used = 0;
    if (needed) *needed = 0;
    if (!offer || !neg || !sdp__local_ok(l)) return SDP_ERR_INVALID;
    if (offer->n_media > n_neg) return SDP_ERR_TOO_MANY;
    w.out = out;
    w.cap = cap;
    w.n = 0;
    sdp__w_session(&w, l);
    for (i = 0; i < offer->n_media; i++) {
        const sdp_media *m = &offer->media[i];
        int li = m->port ? sdp__pick_local(l, m, &used) : -1;
        memset(&neg[i], 0, sizeof neg[i]);
        neg[i].type = m->type;
        neg[i].te_pt = -1;
        if (li < 0 || !sdp__answer_media(&w, offer, m, l, &l->media[li], &neg[i])) {
            if (li >= 0) used &= ~(1u << li);
            memset(&neg[i], 0, sizeof neg[i]);
            neg[i].type = m->type;
            neg[i].te_pt = -1;
            sdp__w_reject(&w, m);
        }
    }
    return sdp__w_done(&w, out, cap, needed);
}

/* An inactive entry: only the media type is kept. */
static void sdp__neg_clear(sdp_negotiated *n, const sdp_media *m)
{
    memset(n, 0, sizeof *n);
    n->type = m->type;
    n->te_pt = -1;
}

SDPDEF int sdp_answer_process(const sdp_local *l, const sdp_session *ans, sdp_negotiated *neg,
                              size_t n_neg)
{
    unsigned i, k;
    if (!ans || !neg || !sdp__local_ok(l)) return SDP_ERR_INVALID;
    if (ans->n_media > n_neg) return SDP_ERR_TOO_MANY;
    if (ans->n_media != l->n_media) return SDP_ERR_SYNTAX; /* RFC 3264 §6 */
    for (i = 0; i < ans->n_media; i++) {
        const sdp_media *m = &ans->media[i];
        const sdp_local_media *lm = &l->media[i];
        sdp_negotiated *n = &neg[i];
        unsigned pts[SDP_MAX_LOCAL_CODECS], bits;
        int found = 0;
        memset(n, 0, sizeof *n);
        n->type = m->type;
        n->te_pt = -1;
        if (!sdp_str_eq_c(m->type, lm->type)) return SDP_ERR_SYNTAX;
        /* RFC 3264 §6: the answer keeps the offered transport; an SAVP
         * offer answered with AVP would be a downgrade (RFC 4568 §7.1.2) */
        if (!m->port || !lm->port || !sdp_str_eq_c(m->proto, lm->proto) || sdp__offer_pts(lm, pts))
            continue;
        for (k = 0; k < m->n_fmt; k++) {
            uint32_t pt;
            unsigned c;
            if (sdp__u32(m->fmt[k], 127, &pt)) continue;
            for (c = 0; c < lm->n_codecs && pts[c] != pt; c++) {
            }
            if (c == lm->n_codecs) continue; /* not one we offered */
            if (sdp__is_te(lm->codecs[c].name)) {
                if (n->te_pt < 0) n->te_pt = (int)pt, n->te_clock = lm->codecs[c].clock_rate;
            } else if (!found) {
                found = 1;
                n->pt = pt;
                n->encoding = sdp_str_c(lm->codecs[c].name);
                n->clock_rate = lm->codecs[c].clock_rate;
                n->channels = lm->codecs[c].channels;
                n->fmtp = sdp__remote_fmtp(m, pt);
            }
        }
        if (!found) {
            sdp__neg_clear(n, m);
            continue;
        }
        if (sdp__is_savp(m->proto)) {
            unsigned from = 0;
            const sdp_attr *a = sdp_attr_next(m->attrs, m->n_attrs, "crypto", &from);
            sdp_crypto c;
            /* our tags are 1..n_crypto (sdp_offer_build) */
            if (!a || sdp_crypto_parse(a->value, &c) || c.tag < 1 || c.tag > lm->n_crypto ||
                !sdp_str_eq_c(c.suite, lm->crypto[c.tag - 1].suite)) {
                sdp__neg_clear(n, m);
                continue;
            }
            n->srtp = 1;
            n->crypto_suite = c.suite;
            n->crypto_tag = c.tag;
            n->remote_key_params = c.key_params;
            n->local_crypto = c.tag - 1;
        }
        sdp__remote_transport(ans, m, lm->rtcp_mux, n);
        sdp__match_extmaps(m, lm, n);
        bits = sdp__dir_bits(sdp_dir_reverse(sdp_media_dir(ans, m))) & sdp__dir_bits(lm->dir);
        if (n->remote_hold) bits &= 2u;
        n->dir = sdp__bits_dir(bits);
        n->active = 1;
    }
    return 0;
}

#endif /* SDP_IMPLEMENTATION */

/*
 * ----------------------------------------------------------------------------
 * MIT License
 *
 * Copyright (c) 2026 the cvoip authors
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
 * ----------------------------------------------------------------------------
 */
