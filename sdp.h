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
        if (v > (max - d) / 10) return SDP_ERR_RANGE;
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
 * empty. Returns 1 with *f set, 0 when nothing is left. */
static int sdp__field(const char **p, const char *e, char sep, sdp_str *f)
{
    const char *q = *p;
    if (q > e) return 0;
    while (q < e && *q != sep) q++;
    *f = sdp__span(*p, q);
    *p = q < e ? q + 1 : e + 1;
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
            if (p > e) return SDP_ERR_SYNTAX;
            f[i] = sdp__span(p, e);
        } else if (!sdp__field(&p, e, ' ', &f[i])) {
            return SDP_ERR_SYNTAX;
        }
        if (f[i].len == 0) return SDP_ERR_SYNTAX;
    }
    if (!rest_last && p <= e) return SDP_ERR_SYNTAX; /* fields left over */
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
    if (p <= e) ch = sdp__span(p, e);
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
    if (p <= e) {
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
    if (p <= e) {
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
    if (p <= e) {
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
    out->ids = p <= e ? sdp__span(p, e) : sdp__span(e, e);
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
    if (!sdp__field(&p, e, ' ', &id) || p > e) return SDP_ERR_SYNTAX;
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
    if (p <= e) {
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
