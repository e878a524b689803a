/* sip.h - SIP messages for C: parse, build, edit, digest auth. No allocation.
 *
 * Part of cvoip: a SIP and RTP stack as single-file C headers. MIT licence.
 *
 * Do this in *one* C file before including it to get the implementation:
 *
 *     #define SIP_IMPLEMENTATION      (or CVOIP_IMPLEMENTATION for all headers)
 *     #include "sip.h"
 *
 * What it does (RFC 3261 §7, §19, §20, §25; RFC 3986; RFC 2617/7616/8760):
 *   - sip_parse(): a request or response from a caller buffer into spans,
 *     every header identified (compact forms folded), list headers split
 *     into their values, the hot headers (Via, From, To, Call-ID, CSeq,
 *     Max-Forwards, Content-Length, Request-URI) typed, the body framed by
 *     Content-Length with the §18.3 datagram / stream rules, and a verdict
 *     (error, byte offset, reason, status code to answer) for bad input.
 *   - Typed parsers for every other header the upper layers use.
 *   - Builders into caller buffers: requests, responses to a request
 *     (§8.2.6.2), proxy edits (§16.6) that copy untouched bytes verbatim,
 *     branch / tag / Call-ID generators fed by a caller randomness callback.
 *   - Digest authentication: challenges, credentials, request-digest for
 *     MD5, SHA-256, SHA-512-256 and their -sess forms, qop auth / auth-int /
 *     none, built-in hashes or OpenSSL's (SIP_USE_OPENSSL).
 *
 * Conventions: spans (sip_str) point into the caller's buffer, which must
 * outlive the parse result. Functions return 0 or a count on success and a
 * negative SIP_ERR_* on failure. Nothing here allocates, reads a clock,
 * touches a socket or keeps global mutable state: any number of threads may
 * call it on their own data.
 *
 * Options (define before the include):
 *   SIP_IMPLEMENTATION     compile the implementation in this file
 *   CVOIP_IMPLEMENTATION   the same, for every cvoip header
 *   SIP_STATIC             make every function static (private to one TU)
 *   SIP_USE_OPENSSL        hash with OpenSSL's EVP (link -lcrypto)
 *   SIP_NO_SIMD            scalar scanning only (default: SSE2 where the
 *                          compiler targets it)
 *   SIP_ASSERT(x)          assertion macro (default: assert from <assert.h>)
 *   SIP_MAX_HEADER_LINE    default limit of one header field, bytes (8192)
 *   SIP_MAX_MESSAGE        default limit of one message, bytes (65535)
 *
 * Licence: MIT, see the end of this file.
 */
#if defined(CVOIP_IMPLEMENTATION) && !defined(SIP_IMPLEMENTATION)
#define SIP_IMPLEMENTATION
#endif

#ifndef SIP_H
#define SIP_H

#include <stddef.h>
#include <stdint.h>

#ifndef SIPDEF
#ifdef SIP_STATIC
#define SIPDEF static
#else
#define SIPDEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Spans
 * --------------------------------------------------------------------- */

/** A byte range (pointer, length) into a caller's buffer; not
 *  NUL-terminated. An absent value is {NULL, 0}; a present but empty one
 *  has a non-NULL p and len 0. */
typedef struct sip_str {
    const char *p;
    size_t len;
} sip_str;

/** Initializer for a span over a string literal: sip_str s = SIP_STR("x"). */
#define SIP_STR(lit) {(lit), sizeof(lit) - 1}

/** Span over a NUL-terminated C string (NULL gives the absent span). */
SIPDEF sip_str sip_str_c(const char *s);
/** Nonzero when two spans hold the same bytes (case-sensitive). */
SIPDEF int sip_str_eq(sip_str a, sip_str b);
/** Nonzero when two spans are equal ignoring ASCII case. */
SIPDEF int sip_str_caseeq(sip_str a, sip_str b);
/** Nonzero when span a equals NUL-terminated s ignoring ASCII case. */
SIPDEF int sip_str_caseeq_c(sip_str a, const char *s);
/** The span without leading and trailing SP, HTAB, CR and LF. */
SIPDEF sip_str sip_str_trim(sip_str s);
/** Parse an unsigned decimal (leading zeros allowed, no sign, no space).
 *  Stores the value in *out. Returns 0, or SIP_ERR_SYNTAX when s is empty
 *  or holds a non-digit, SIP_ERR_RANGE when the value exceeds max. */
SIPDEF int sip_str_to_u32(sip_str s, uint32_t max, uint32_t *out);

/* ------------------------------------------------------------------------
 * Errors (range -100 .. -199; 0 is success)
 * --------------------------------------------------------------------- */

typedef enum sip_err {
    SIP_OK = 0,
    SIP_ERR_PARTIAL = -100,         /**< stream: need more bytes */
    SIP_ERR_SYNTAX = -101,          /**< malformed input */
    SIP_ERR_VERSION = -102,         /**< SIP-Version other than SIP/2.0 */
    SIP_ERR_TOO_BIG = -103,         /**< message over max_message */
    SIP_ERR_TOO_MANY_HEADERS = -104,/**< more header values than room */
    SIP_ERR_LINE_TOO_LONG = -105,   /**< header field over max_header_line */
    SIP_ERR_CONTENT_LENGTH = -106,  /**< missing/bad/conflicting/too large */
    SIP_ERR_RANGE = -107,           /**< number out of range */
    SIP_ERR_MISSING = -108,         /**< a mandatory header is absent */
    SIP_ERR_DUPLICATE = -109,       /**< single-valued header repeated */
    SIP_ERR_MISMATCH = -110,        /**< CSeq method differs from start line */
    SIP_ERR_NOSPACE = -111,         /**< output buffer too small */
    SIP_ERR_INVALID = -112,         /**< invalid argument */
    SIP_ERR_NOT_FOUND = -113,       /**< no such header, param or value */
    SIP_ERR_UNSUPPORTED = -114,     /**< unknown algorithm, scheme, option */
    SIP_ERR_CALLBACK = -115         /**< a caller callback failed */
} sip_err;

/** Short English text for an error code (static storage, never NULL). */
SIPDEF const char *sip_strerror(int err);

/* ------------------------------------------------------------------------
 * Methods and header ids
 * --------------------------------------------------------------------- */

/** Request methods. SIP_METHOD_OTHER is any extension method: its name is
 *  in the span next to it (RFC 3261 §7.1: methods are case-sensitive). */
typedef enum sip_method {
    SIP_METHOD_OTHER = 0,
    SIP_METHOD_INVITE, SIP_METHOD_ACK, SIP_METHOD_BYE, SIP_METHOD_CANCEL,
    SIP_METHOD_REGISTER, SIP_METHOD_OPTIONS, SIP_METHOD_PRACK,
    SIP_METHOD_UPDATE, SIP_METHOD_REFER, SIP_METHOD_SUBSCRIBE,
    SIP_METHOD_NOTIFY, SIP_METHOD_MESSAGE, SIP_METHOD_INFO,
    SIP_METHOD_PUBLISH,
    SIP_METHOD_COUNT_
} sip_method;

/** The method for a token (exact, case-sensitive), or SIP_METHOD_OTHER. */
SIPDEF sip_method sip_method_from_str(sip_str s);
/** The canonical name of a method; "" for SIP_METHOD_OTHER. */
SIPDEF const char *sip_method_name(sip_method m);

/* X-macro: id, full name, compact form (0 for none), list header (values
 * separated by commas at the top level, RFC 3261 §7.3.1). */
#define SIP_HEADERS_(X) \
    X(ACCEPT, "Accept", 0, 1) \
    X(ACCEPT_CONTACT, "Accept-Contact", 'a', 1) \
    X(ACCEPT_ENCODING, "Accept-Encoding", 0, 1) \
    X(ACCEPT_LANGUAGE, "Accept-Language", 0, 1) \
    X(ALERT_INFO, "Alert-Info", 0, 1) \
    X(ALLOW, "Allow", 0, 1) \
    X(ALLOW_EVENTS, "Allow-Events", 'u', 1) \
    X(AUTHENTICATION_INFO, "Authentication-Info", 0, 0) \
    X(AUTHORIZATION, "Authorization", 0, 0) \
    X(CALL_ID, "Call-ID", 'i', 0) \
    X(CALL_INFO, "Call-Info", 0, 1) \
    X(CONTACT, "Contact", 'm', 1) \
    X(CONTENT_DISPOSITION, "Content-Disposition", 0, 0) \
    X(CONTENT_ENCODING, "Content-Encoding", 'e', 1) \
    X(CONTENT_LANGUAGE, "Content-Language", 0, 1) \
    X(CONTENT_LENGTH, "Content-Length", 'l', 0) \
    X(CONTENT_TYPE, "Content-Type", 'c', 0) \
    X(CSEQ, "CSeq", 0, 0) \
    X(DATE, "Date", 0, 0) \
    X(ERROR_INFO, "Error-Info", 0, 1) \
    X(EVENT, "Event", 'o', 0) \
    X(EXPIRES, "Expires", 0, 0) \
    X(FLOW_TIMER, "Flow-Timer", 0, 0) \
    X(FROM, "From", 'f', 0) \
    X(IDENTITY, "Identity", 'y', 0) \
    X(IDENTITY_INFO, "Identity-Info", 'n', 0) \
    X(IN_REPLY_TO, "In-Reply-To", 0, 1) \
    X(INFO_PACKAGE, "Info-Package", 0, 0) \
    X(JOIN, "Join", 0, 0) \
    X(MAX_BREADTH, "Max-Breadth", 0, 0) \
    X(MAX_FORWARDS, "Max-Forwards", 0, 0) \
    X(MIME_VERSION, "MIME-Version", 0, 0) \
    X(MIN_EXPIRES, "Min-Expires", 0, 0) \
    X(MIN_SE, "Min-SE", 0, 0) \
    X(ORGANIZATION, "Organization", 0, 0) \
    X(P_ASSERTED_IDENTITY, "P-Asserted-Identity", 0, 1) \
    X(P_PREFERRED_IDENTITY, "P-Preferred-Identity", 0, 1) \
    X(PATH, "Path", 0, 1) \
    X(PRIORITY, "Priority", 0, 0) \
    X(PRIVACY, "Privacy", 0, 0) \
    X(PROXY_AUTHENTICATE, "Proxy-Authenticate", 0, 0) \
    X(PROXY_AUTHORIZATION, "Proxy-Authorization", 0, 0) \
    X(PROXY_REQUIRE, "Proxy-Require", 0, 1) \
    X(RACK, "RAck", 0, 0) \
    X(REASON, "Reason", 0, 1) \
    X(RECORD_ROUTE, "Record-Route", 0, 1) \
    X(RECV_INFO, "Recv-Info", 0, 1) \
    X(REFER_SUB, "Refer-Sub", 0, 0) \
    X(REFER_TO, "Refer-To", 'r', 0) \
    X(REFERRED_BY, "Referred-By", 'b', 0) \
    X(REJECT_CONTACT, "Reject-Contact", 'j', 1) \
    X(REPLACES, "Replaces", 0, 0) \
    X(REPLY_TO, "Reply-To", 0, 0) \
    X(REQUEST_DISPOSITION, "Request-Disposition", 'd', 1) \
    X(REQUIRE, "Require", 0, 1) \
    X(RETRY_AFTER, "Retry-After", 0, 0) \
    X(ROUTE, "Route", 0, 1) \
    X(RSEQ, "RSeq", 0, 0) \
    X(SERVER, "Server", 0, 0) \
    X(SERVICE_ROUTE, "Service-Route", 0, 1) \
    X(SESSION_EXPIRES, "Session-Expires", 'x', 0) \
    X(SIP_ETAG, "SIP-ETag", 0, 0) \
    X(SIP_IF_MATCH, "SIP-If-Match", 0, 0) \
    X(SUBJECT, "Subject", 's', 0) \
    X(SUBSCRIPTION_STATE, "Subscription-State", 0, 0) \
    X(SUPPORTED, "Supported", 'k', 1) \
    X(TIMESTAMP, "Timestamp", 0, 0) \
    X(TO, "To", 't', 0) \
    X(UNSUPPORTED, "Unsupported", 0, 1) \
    X(USER_AGENT, "User-Agent", 0, 0) \
    X(VIA, "Via", 'v', 1) \
    X(WARNING, "Warning", 0, 1) \
    X(WWW_AUTHENTICATE, "WWW-Authenticate", 0, 0)

/** Header ids. SIP_HDR_OTHER is any header this table does not know; its
 *  name span still identifies it. */
typedef enum sip_hdr_id {
    SIP_HDR_OTHER = 0,
#define SIP_X_(id, name, compact, list) SIP_HDR_##id,
    SIP_HEADERS_(SIP_X_)
#undef SIP_X_
    SIP_HDR_COUNT_
} sip_hdr_id;

/** Header id for a field name, full or compact, any case (RFC 3261 §7.3.3,
 *  §7.3.1: names are case-insensitive). SIP_HDR_OTHER when unknown. */
SIPDEF sip_hdr_id sip_hdr_id_from_name(sip_str name);
/** Canonical full name of a header id ("" for SIP_HDR_OTHER). */
SIPDEF const char *sip_hdr_name(sip_hdr_id id);
/** Nonzero when the header's values are comma-separated (§7.3.1). */
SIPDEF int sip_hdr_is_list(sip_hdr_id id);

/* ------------------------------------------------------------------------
 * URIs (RFC 3261 §19.1, RFC 3966, RFC 3986)
 * --------------------------------------------------------------------- */

typedef enum sip_uri_scheme {
    SIP_URI_OTHER = 0,   /**< an absoluteURI of another scheme */
    SIP_URI_SIP,
    SIP_URI_SIPS,
    SIP_URI_TEL
} sip_uri_scheme;

typedef enum sip_host_type {
    SIP_HOST_NONE = 0,
    SIP_HOST_DOMAIN,     /**< hostname (RFC 3261 §25.1 hostname) */
    SIP_HOST_IPV4,       /**< dotted quad */
    SIP_HOST_IPV6        /**< IPv6reference; the span excludes the brackets */
} sip_host_type;

/** A parsed URI. Spans point into the parsed text and are still escaped
 *  (%HH): compare with sip_uri_equal() or unescape with sip_unescape().
 *  For SIP_URI_TEL the number is in user and params holds ";..." after it.
 *  For SIP_URI_OTHER only scheme and opaque are set. */
typedef struct sip_uri {
    sip_uri_scheme scheme;
    sip_host_type host_type;
    sip_str scheme_str;  /**< scheme name as written, without ':' */
    sip_str user;        /**< userinfo user part, absent when no '@' */
    sip_str password;    /**< absent when no ':' in userinfo */
    sip_str host;        /**< IPv6 without brackets */
    uint16_t port;       /**< 0 when absent */
    uint8_t has_port;
    sip_str params;      /**< ";a=b;c" including the first ';', or absent */
    sip_str headers;     /**< "a=b&c=d" after '?', or absent */
    sip_str opaque;      /**< everything after "scheme:" */
    sip_str raw;         /**< the whole URI */
} sip_uri;

/** Parse a URI (SIP/SIPS per RFC 3261 §19.1.1 and §25.1, tel per RFC
 *  3966, any other scheme as an RFC 3986 absoluteURI kept opaque). Lenient
 *  where RFC 4475/5118 say to tolerate (the three-colon IPv6 of RFC 5118
 *  §4.10). Returns 0, or SIP_ERR_SYNTAX (bad scheme, empty host, unbracketed
 *  IPv6, bad port, bad escape, illegal character). */
SIPDEF int sip_uri_parse(sip_str s, sip_uri *out);

/** Compare two SIP/SIPS URIs per RFC 3261 §19.1.4 (escapes decoded, scheme
 *  and host case-insensitive, user and password case-sensitive, user/ttl/
 *  method/maddr/transport parameters must match when either side has them,
 *  other parameters only when both have them, headers all must match).
 *  Other schemes compare their raw text exactly. Returns 1 equal, 0 not. */
SIPDEF int sip_uri_equal(const sip_uri *a, const sip_uri *b);

/** Decode %HH escapes of s into out (cap bytes). Returns the decoded length
 *  (which may hold NUL bytes, RFC 4475 §3.1.1.4), SIP_ERR_SYNTAX for a bad
 *  escape, SIP_ERR_NOSPACE when cap is too small. */
SIPDEF int sip_unescape(sip_str s, char *out, size_t cap);

/* ------------------------------------------------------------------------
 * Generic parameters: ";name=value;flag" lists (URIs, name-addr, Via...)
 * --------------------------------------------------------------------- */

/** Iterator over a ';'-separated parameter list (with or without the
 *  leading ';'). Set *pos to 0 first. On each call stores the next name and
 *  value (value absent for a flag; quotes kept) and returns 1; returns 0 at
 *  the end; SIP_ERR_SYNTAX for an empty name. LWS around '=' and ';' is
 *  skipped (RFC 3261 §25.1 SEMI/EQUAL). */
SIPDEF int sip_param_next(sip_str params, size_t *pos, sip_str *name,
                          sip_str *value);
/** Find a parameter by name (case-insensitive). Returns 1 and stores its
 *  value (absent for a flag) when present, 0 when not. */
SIPDEF int sip_param_find(sip_str params, const char *name, sip_str *value);

/* ------------------------------------------------------------------------
 * Typed header values
 * --------------------------------------------------------------------- */

/** name-addr / addr-spec with parameters (RFC 3261 §20.10, §20.20, §20.39,
 *  and Route, Record-Route, Refer-To, Referred-By, Reply-To, P-Asserted-
 *  Identity, Path, Service-Route). */
typedef struct sip_addr {
    sip_str display;     /**< display name; quotes stripped, quoted-pairs
                              kept escaped; absent when none */
    uint8_t display_quoted;
    uint8_t angle;       /**< 1 when the URI was inside <...> */
    uint8_t star;        /**< Contact: * */
    sip_uri uri;         /**< parsed URI */
    sip_str params;      /**< header parameters after the URI, ";..." */
    sip_str tag;         /**< the tag parameter, absent when none */
} sip_addr;

/** Parse one name-addr / addr-spec value. An addr-spec without <> ends at
 *  the first ';' (its URI cannot carry ';', '?' or ',': §20). Returns 0 or
 *  SIP_ERR_SYNTAX (unbalanced quote, spaces inside <>, non-token display
 *  name without quotes, bad URI, bad parameter). */
SIPDEF int sip_addr_parse(sip_str s, sip_addr *out);

/** Via value (RFC 3261 §20.42, §18.2.1, RFC 3581). */
typedef struct sip_via {
    sip_str protocol;    /**< "SIP" */
    sip_str version;     /**< "2.0" */
    sip_str transport;   /**< "UDP", "TCP", "TLS", "SCTP", "WS", ... */
    sip_str host;        /**< sent-by host, IPv6 without brackets */
    sip_host_type host_type;
    uint16_t port;       /**< 0 when absent */
    uint8_t has_port;
    uint8_t has_rport;   /**< rport present */
    uint32_t rport;      /**< its value, 0 when present without value */
    sip_str branch;      /**< absent when none */
    sip_str received;    /**< brackets stripped when present */
    sip_str maddr;
    int ttl;             /**< -1 when absent */
    sip_str params;      /**< all parameters, ";..." */
} sip_via;

/** Parse one Via value. Returns 0 or SIP_ERR_SYNTAX. */
SIPDEF int sip_via_parse(sip_str s, sip_via *out);

/** CSeq (RFC 3261 §20.16): number < 2^32 and method. */
typedef struct sip_cseq {
    uint32_t num;
    sip_method method;
    sip_str method_str;
} sip_cseq;

/** Parse a CSeq value. Returns 0, SIP_ERR_SYNTAX or SIP_ERR_RANGE. */
SIPDEF int sip_cseq_parse(sip_str s, sip_cseq *out);

/** Parse a delta-seconds style header (Expires, Min-Expires, Min-SE,
 *  Max-Forwards with max 255, RSeq, Content-Length): LWS-trimmed digits.
 *  Returns 0, SIP_ERR_SYNTAX or SIP_ERR_RANGE (over max). */
SIPDEF int sip_uint_parse(sip_str s, uint32_t max, uint32_t *out);

/** Content-Type / media type with parameters (RFC 3261 §20.15). */
typedef struct sip_media_type {
    sip_str type, subtype;
    sip_str params;      /**< ";charset=utf-8" or absent */
} sip_media_type;
/** Returns 0 or SIP_ERR_SYNTAX. */
SIPDEF int sip_media_type_parse(sip_str s, sip_media_type *out);

/** Iterator over a comma-separated token list value (Require, Supported,
 *  Unsupported, Proxy-Require, Allow, Allow-Events...). *pos starts at 0.
 *  Returns 1 with the next token, 0 at the end, SIP_ERR_SYNTAX for a
 *  non-token item. */
SIPDEF int sip_token_next(sip_str s, size_t *pos, sip_str *token);

/** Bitmask (1u << sip_method) of the known methods in an Allow value;
 *  *other is set when extension methods are listed. */
SIPDEF int sip_allow_parse(sip_str s, uint32_t *mask, int *other);

/** Retry-After (RFC 3261 §20.33). */
typedef struct sip_retry_after {
    uint32_t seconds;
    sip_str comment;     /**< without parentheses, absent when none */
    uint32_t duration;   /**< 0 when absent */
    uint8_t has_duration;
    sip_str params;
} sip_retry_after;
/** Parse a Retry-After value: delta-seconds, optional (comment), params
 *  with duration (§20.33). Returns 0, SIP_ERR_SYNTAX, or SIP_ERR_RANGE for a
 *  number over 2^32-1 (RFC 4475 §3.1.2.5). *out is zeroed on error. */
SIPDEF int sip_retry_after_parse(sip_str s, sip_retry_after *out);

/** RAck (RFC 3262 §7.2): response-num CSeq-num method. */
typedef struct sip_rack {
    uint32_t rseq, cseq;
    sip_method method;
    sip_str method_str;
} sip_rack;
/** Parse a RAck value: response-num, CSeq-num, method (RFC 3262 §7.2).
 *  Returns 0, SIP_ERR_SYNTAX or SIP_ERR_RANGE. */
SIPDEF int sip_rack_parse(sip_str s, sip_rack *out);

/** Event (RFC 6665 §8.2.1): package[.template] with id and params. */
typedef struct sip_event {
    sip_str package;     /**< e.g. "presence", "refer", "dialog" */
    sip_str id;          /**< absent when none */
    sip_str params;
} sip_event;
/** Parse an Event / Allow-Events item: event-type with id and params
 *  (RFC 6665 §8.2.1). Returns 0 or SIP_ERR_SYNTAX (a repeated or empty id
 *  too). */
SIPDEF int sip_event_parse(sip_str s, sip_event *out);

/** Subscription-State (RFC 6665 §8.2.3). */
typedef struct sip_sub_state {
    sip_str state;       /**< "active", "pending", "terminated" or other */
    sip_str reason;
    uint32_t expires, retry_after;
    uint8_t has_expires, has_retry_after;
    sip_str params;
} sip_sub_state;
/** Parse Subscription-State: state with reason, expires, retry-after
 *  (RFC 6665 §8.2.3). Returns 0, SIP_ERR_SYNTAX or SIP_ERR_RANGE. */
SIPDEF int sip_sub_state_parse(sip_str s, sip_sub_state *out);

/** Replaces (RFC 3891 §6.1) and Join (RFC 3911): call-id with to-tag and
 *  from-tag (both required) and early-only. */
typedef struct sip_replaces {
    sip_str call_id, to_tag, from_tag;
    uint8_t early_only;
    sip_str params;
} sip_replaces;
/** Parse Replaces or Join: Call-ID with the required to-tag and from-tag,
 *  early-only flag (RFC 3891 §6.1, RFC 3911 §7.1). Returns 0 or
 *  SIP_ERR_SYNTAX (a missing tag too). */
SIPDEF int sip_replaces_parse(sip_str s, sip_replaces *out);

/** Session-Expires (RFC 4028 §4) and Min-SE: delta with refresher. */
typedef struct sip_session_expires {
    uint32_t delta;
    sip_str refresher;   /**< "uac", "uas" or absent */
    sip_str params;
} sip_session_expires;
/** Parse Session-Expires or Min-SE: delta-seconds with refresher=uac|uas
 *  (RFC 4028 §4, §5). Returns 0, SIP_ERR_SYNTAX or SIP_ERR_RANGE. */
SIPDEF int sip_session_expires_parse(sip_str s, sip_session_expires *out);

/** Date (RFC 3261 §20.17, RFC 1123 form, GMT only). */
typedef struct sip_date {
    int year, month, day, hour, minute, second; /**< month 1..12 */
    int wkday;           /**< 0 = Mon .. 6 = Sun */
    int64_t unix_time;   /**< seconds since 1970-01-01T00:00:00Z */
} sip_date;
/** Returns 0 or SIP_ERR_SYNTAX (including any zone other than GMT, RFC
 *  4475 §3.1.2.12, and an impossible date). */
SIPDEF int sip_date_parse(sip_str s, sip_date *out);

/** Timestamp (RFC 3261 §20.38): the value and delay as written. */
typedef struct sip_timestamp {
    sip_str value, delay; /**< delay absent when none */
} sip_timestamp;
/** Parse a Timestamp value: 1*DIGIT ["." *DIGIT] [LWS delay] (§20.38).
 *  Returns 0 or SIP_ERR_SYNTAX. */
SIPDEF int sip_timestamp_parse(sip_str s, sip_timestamp *out);

/** One Warning value (RFC 3261 §20.43): 3-digit code, agent, quoted text. */
typedef struct sip_warning {
    uint16_t code;
    sip_str agent;
    sip_str text;        /**< without the quotes */
} sip_warning;
/** Parse one Warning value: 3-digit code, warn-agent, quoted text
 *  (§20.43). Returns 0, SIP_ERR_SYNTAX (a code of other than 3 digits,
 *  RFC 4475 §3.1.2.5) or SIP_ERR_RANGE (agent port over 65535). */
SIPDEF int sip_warning_parse(sip_str s, sip_warning *out);

/** One Reason value (RFC 3326): protocol with cause and text. */
typedef struct sip_reason {
    sip_str protocol;    /**< "SIP", "Q.850", ... */
    uint32_t cause;
    uint8_t has_cause;
    sip_str text;        /**< without the quotes, absent when none */
    sip_str params;
} sip_reason;
/** Parse one Reason value: protocol with cause and text (RFC 3326 §2).
 *  Returns 0, SIP_ERR_SYNTAX or SIP_ERR_RANGE. */
SIPDEF int sip_reason_parse(sip_str s, sip_reason *out);

/* ------------------------------------------------------------------------
 * Messages
 * --------------------------------------------------------------------- */

/** One header value. For a list header (sip_hdr_is_list) each value of a
 *  field gets its own entry sharing the field's name; `field` always spans
 *  the whole field line(s) from the name to the end of its last CRLF, so
 *  editors can cut or copy fields verbatim. */
typedef struct sip_hdr {
    sip_hdr_id id;
    uint16_t index;      /**< 0 for the first value of its field line */
    uint16_t count;      /**< number of values in its field line */
    sip_str name;        /**< as written (may be compact) */
    sip_str value;       /**< trimmed; may contain folded LWS */
    sip_str field;       /**< whole field including its line end */
} sip_hdr;

/** A parsed message. Every span points into the parsed buffer. */
typedef struct sip_msg {
    int is_request;
    /* start line */
    sip_method method;   /**< requests */
    sip_str method_str;
    sip_str ruri_str;    /**< Request-URI as written */
    sip_uri ruri;        /**< parsed Request-URI */
    sip_str version;     /**< "SIP/2.0" */
    uint32_t status;     /**< responses: 100..699 */
    sip_str reason;      /**< responses; may be empty */
    sip_str start_line;  /**< without its line end */
    /* headers */
    sip_hdr *hdrs;       /**< the caller's array */
    size_t n_hdrs;
    /* hot headers, typed (absent spans / zero when missing) */
    sip_via via;         /**< the top Via */
    size_t n_via;        /**< number of Via values */
    sip_addr from, to;
    sip_str call_id;
    sip_cseq cseq;
    int max_forwards;    /**< -1 when absent */
    int64_t content_length; /**< -1 when absent */
    sip_str body;        /**< framed by Content-Length */
    size_t msg_len;      /**< bytes of this message in the buffer */
    uint32_t present;    /**< bit (1u << k) per hot header seen, SIP_HOT_* */
} sip_msg;

enum {
    SIP_HOT_VIA = 1u << 0, SIP_HOT_FROM = 1u << 1, SIP_HOT_TO = 1u << 2,
    SIP_HOT_CALL_ID = 1u << 3, SIP_HOT_CSEQ = 1u << 4,
    SIP_HOT_MAX_FORWARDS = 1u << 5, SIP_HOT_CONTENT_LENGTH = 1u << 6
};

/** Parser flags. */
enum {
    /** The buffer is one whole datagram (UDP, SCTP): a missing
     *  Content-Length means "rest of datagram", bytes after the body are
     *  ignored, one larger than the rest is an error (§18.3), an
     *  unterminated header section ends at the end of the datagram.
     *  Without it the buffer is a stream (TCP, TLS, WS): Content-Length is
     *  required and a short buffer gives SIP_ERR_PARTIAL. */
    SIP_PARSE_DATAGRAM = 1u << 0,
    /** Skip the §8.1.1 mandatory-header, duplicate and CSeq-method checks
     *  (syntax is still checked): for tools that inspect broken messages. */
    SIP_PARSE_NO_SEMANTIC = 1u << 1
};

/** Parser limits and options. Zero fields take the defaults. */
typedef struct sip_parse_config {
    unsigned flags;           /**< SIP_PARSE_* */
    size_t max_message;       /**< bytes incl. body; default SIP_MAX_MESSAGE */
    size_t max_header_line;   /**< bytes of one field; default SIP_MAX_HEADER_LINE */
} sip_parse_config;

/** What went wrong, for a 400 (or other) answer. */
typedef struct sip_parse_error {
    int code;            /**< SIP_ERR_* */
    size_t offset;       /**< byte offset in the buffer */
    const char *reason;  /**< short static text fit for a reason phrase */
    int status;          /**< status to answer a request with (400, 505,
                              501, 513), or 0: drop (responses, partial) */
} sip_parse_error;

/** Stream framing state for sip_parse_stream(): zero it for each new
 *  message. */
typedef struct sip_stream_state {
    size_t scanned;      /**< bytes already searched for the header end */
    size_t header_end;   /**< offset after the blank line, 0 until found */
    size_t total;        /**< message length once known, else 0 */
} sip_stream_state;

/** Parse one message from buf[0..len).
 *  hdrs/cap: the caller's array for header values; on success msg->hdrs
 *  points to it and msg->n_hdrs is the count used.
 *  Returns the message length in bytes (> 0; for a datagram the bytes after
 *  it are ignored), SIP_ERR_PARTIAL (stream: incomplete; err->offset says
 *  how far the bytes were valid), or a negative SIP_ERR_* with *err filled
 *  (err may be NULL). Leading CRLFs before the start line are skipped on
 *  streams (§7.5) and counted in the returned length. */
SIPDEF int sip_parse(const char *buf, size_t len, const sip_parse_config *cfg,
                     sip_msg *msg, sip_hdr *hdrs, size_t cap,
                     sip_parse_error *err);

/** Type every value that sip_parse() leaves as a span because the
 *  receiving element does not interpret it at the transaction layer: each
 *  Via below the top one, each Contact, Route, Record-Route, Path and
 *  Service-Route. For strict tools and for the layers that use them.
 *  Returns 0, or SIP_ERR_SYNTAX with *err (when non-NULL) giving the offset
 *  from the start line, the reason and the status (400 for requests, 0 for
 *  responses: drop). RFC 3261 §20.42, §20.10, §20.30, §20.34. */
SIPDEF int sip_msg_validate(const sip_msg *m, sip_parse_error *err);

/** Find where the next message on a stream ends without parsing it: scans
 *  for the end of the header section from where the last call stopped
 *  (st->scanned) and reads Content-Length. Returns the message length,
 *  SIP_ERR_PARTIAL, or SIP_ERR_CONTENT_LENGTH / SIP_ERR_TOO_BIG /
 *  SIP_ERR_SYNTAX (the connection should be closed, RFC 4475 §3.1.2.3). */
SIPDEF int sip_frame_stream(const char *buf, size_t len, size_t max_message,
                            sip_stream_state *st);

/** The next header value with id at or after index *pos (start at 0); the
 *  index is advanced. Returns the header or NULL. */
SIPDEF const sip_hdr *sip_msg_find(const sip_msg *m, sip_hdr_id id,
                                   size_t *pos);
/** The next header value by name (any case; unknown headers too). */
SIPDEF const sip_hdr *sip_msg_find_name(const sip_msg *m, sip_str name,
                                        size_t *pos);
/** Number of values of a header id. */
SIPDEF size_t sip_msg_count(const sip_msg *m, sip_hdr_id id);

/* ------------------------------------------------------------------------
 * Element checks: the status a UAS or proxy answers (RFC 3261 §8.2, §16.3)
 * --------------------------------------------------------------------- */

/** Policy for sip_request_check(). Lists are NULL-terminated arrays of C
 *  strings; a NULL list means "accept anything" for that check. */
typedef struct sip_check_policy {
    int is_proxy;                     /**< §16.3 rules instead of §8.2 */
    const char *const *supported;     /**< option tags understood (§8.2.2.3) */
    const char *const *content_types; /**< acceptable bodies, "type/sub" */
    uint32_t allowed_methods;         /**< bitmask 1u<<sip_method; 0 = any known */
    int allow_other_methods;          /**< extension methods accepted */
    const char *const *schemes;       /**< URI schemes; NULL = sip, sips, tel */
} sip_check_policy;

/** Verdict of sip_request_check(). */
typedef struct sip_check_result {
    int status;          /**< 0 when the request may proceed */
    const char *reason;  /**< reason phrase for status */
    sip_str unsupported; /**< 420: the first unknown option tag's field */
} sip_check_result;

/** Decide the §8.2 (UAS) or §16.3 (proxy) answer for a parsed request
 *  (0 for an ACK, which nothing answers): 416 for an unknown Request-URI
 *  scheme, 405/501 for methods, 400 for a malformed Contact at a UAS
 *  (RFC 4475 §3.1.2.13), 406 when an INVITE's Accept admits none of the
 *  policy's content types (§21.4.7), 420 for
 *  unknown Require (UAS) or Proxy-Require (proxy) option tags, 415 for an
 *  unacceptable body, 483 at a proxy for Max-Forwards 0 (non-OPTIONS at a
 *  UAS is answered normally), 400 for a registrar AOR that is not SIP/SIPS.
 *  Returns the status (0 = proceed) and fills *res when non-NULL. */
SIPDEF int sip_request_check(const sip_msg *m, const sip_check_policy *pol,
                             sip_check_result *res);

/* ------------------------------------------------------------------------
 * Building (into caller buffers)
 * --------------------------------------------------------------------- */

/** A header to add: name and value as they go on the wire. */
typedef struct sip_hdr_field {
    sip_str name, value;
} sip_hdr_field;

/** Build a request: "METHOD uri SIP/2.0", the headers in order, a
 *  Content-Length computed from the body (never take one from hdrs), a blank
 *  line and the body. Returns the bytes written, or when out is NULL or cap
 *  too small SIP_ERR_NOSPACE with *needed (when non-NULL) set to the size
 *  required. Method strings must be tokens (SIP_ERR_INVALID otherwise). */
SIPDEF int sip_build_request(char *out, size_t cap, sip_str method,
                             sip_str ruri, const sip_hdr_field *hdrs,
                             size_t n_hdrs, sip_str body, size_t *needed);

/** Build a response to a parsed request (RFC 3261 §8.2.6.2): status line,
 *  every Via value in order, From, To (with to_tag added when To has no tag
 *  and to_tag is non-empty; ignored for 100), Call-ID, CSeq copied, then
 *  extra headers, Content-Length and body. reason NULL takes the standard
 *  phrase. Returns bytes written or SIP_ERR_NOSPACE with *needed. */
SIPDEF int sip_build_response(char *out, size_t cap, const sip_msg *req,
                              int status, const char *reason, sip_str to_tag,
                              const sip_hdr_field *extra, size_t n_extra,
                              sip_str body, size_t *needed);

/** Standard reason phrase of a status code ("" when unknown). */
SIPDEF const char *sip_reason_phrase(int status);

/** Serialise a parsed message again: start line, each field as
 *  "Name: value" (list values of one field joined by ", "), body. Used for
 *  the round-trip guarantee (parse(build(parse(m))) has the same fields).
 *  Returns bytes written or SIP_ERR_NOSPACE with *needed. */
SIPDEF int sip_msg_print(char *out, size_t cap, const sip_msg *m,
                         size_t *needed);

/** Proxy edits (RFC 3261 §16.6, §16.4): applied while copying the message;
 *  every byte not touched is copied verbatim. Absent spans mean "no edit". */
typedef struct sip_proxy_edit {
    sip_str new_ruri;        /**< rewrite the Request-URI (§16.6 item 2,
                                  §16.4 strict-router fix) */
    sip_str add_via;         /**< value of a Via to add on top (item 8) */
    sip_str add_record_route;/**< value of a Record-Route to add on top
                                  (item 4) */
    int remove_top_via;      /**< responses: drop our Via (§16.7 item 3) */
    int remove_top_route;    /**< drop the first Route value (§16.4) */
    int decrement_max_forwards; /**< item 3: Max-Forwards - 1, or add
                                  "Max-Forwards: 70" when absent (the
                                  RFC's SHOULD value) */
    const sip_hdr_field *extra; /**< fields appended before the blank line */
    size_t n_extra;
} sip_proxy_edit;

/** Copy a parsed message to out with the edits applied. Returns bytes
 *  written or SIP_ERR_NOSPACE with *needed; SIP_ERR_INVALID for a request
 *  edit on a response and vice versa, SIP_ERR_RANGE when Max-Forwards is
 *  already 0, SIP_ERR_NOT_FOUND when asked to remove a header that is
 *  absent. */
SIPDEF int sip_proxy_edit_apply(char *out, size_t cap, const sip_msg *m,
                                const sip_proxy_edit *ed, size_t *needed);

/** Randomness callback: fill buf with n random bytes; return 0, or nonzero
 *  on failure (the generator then returns SIP_ERR_CALLBACK). */
typedef int (*sip_rand_fn)(void *user, uint8_t *buf, size_t n);

/** Branch: "z9hG4bK" + 22 characters of base64url-like randomness (132
 *  bits, §8.1.1.7). Writes a NUL-terminated string into out (cap >= 30).
 *  Returns its length, SIP_ERR_NOSPACE, SIP_ERR_CALLBACK, or
 *  SIP_ERR_INVALID for a NULL rnd (the same for the two below). */
SIPDEF int sip_gen_branch(char *out, size_t cap, sip_rand_fn rnd, void *user);
/** Tag: 16 characters, 96 bits (§19.3: at least 32 random bits). cap >= 17. */
SIPDEF int sip_gen_tag(char *out, size_t cap, sip_rand_fn rnd, void *user);
/** Call-ID: 24 random characters, then "@host" when host is present
 *  (§8.1.1.4). Returns its length, SIP_ERR_NOSPACE / SIP_ERR_CALLBACK, or
 *  SIP_ERR_INVALID when host holds a byte a Call-ID word may not (§25.1). */
SIPDEF int sip_gen_call_id(char *out, size_t cap, sip_str host,
                           sip_rand_fn rnd, void *user);

/* ------------------------------------------------------------------------
 * Digest authentication (RFC 2617, RFC 7616, RFC 8760)
 * --------------------------------------------------------------------- */

typedef enum sip_digest_alg {
    SIP_DIGEST_MD5 = 0,
    SIP_DIGEST_MD5_SESS,
    SIP_DIGEST_SHA256,
    SIP_DIGEST_SHA256_SESS,
    SIP_DIGEST_SHA512_256,
    SIP_DIGEST_SHA512_256_SESS,
    SIP_DIGEST_ALG_UNKNOWN
} sip_digest_alg;

typedef enum sip_digest_qop {
    SIP_QOP_NONE = 0,    /**< RFC 2069 compatibility, no qop */
    SIP_QOP_AUTH,
    SIP_QOP_AUTH_INT
} sip_digest_qop;

/** Algorithm from its token ("MD5", "SHA-256-sess", ...; case-insensitive;
 *  absent means MD5 per RFC 2617 §3.2.1). */
SIPDEF sip_digest_alg sip_digest_alg_from_str(sip_str s);
/** Token of an algorithm ("MD5", "SHA-512-256-sess", ...). */
SIPDEF const char *sip_digest_alg_name(sip_digest_alg a);
/** Hash output length in bytes (16 or 32). */
SIPDEF size_t sip_digest_alg_len(sip_digest_alg a);

/** A parsed WWW-Authenticate / Proxy-Authenticate / Authorization /
 *  Proxy-Authorization / Authentication-Info value. Quoted values are given
 *  without their quotes (still escaped when they hold quoted-pairs). */
typedef struct sip_auth {
    sip_str scheme;      /**< "Digest" or another scheme (then only
                              scheme and params are set) */
    sip_str params;      /**< everything after the scheme */
    sip_str realm, nonce, opaque, algorithm, qop, domain, stale;
    sip_str username, uri, response, cnonce, nc;
    sip_str userhash, charset, nextnonce, rspauth;
    sip_str username_ext;/**< RFC 7616 username* (RFC 5987 ext-value) */
    sip_digest_alg alg;  /**< from algorithm */
    unsigned qop_mask;   /**< 1u<<SIP_QOP_AUTH | 1u<<SIP_QOP_AUTH_INT
                              for a challenge's list, one bit for creds */
} sip_auth;

/** Parse an auth header value (RFC 3261 §25.1 challenge / credentials,
 *  RFC 7616 §3.3-§3.5). Unknown parameters are skipped; an unknown scheme
 *  is not an error. Returns 0, SIP_ERR_SYNTAX, or SIP_ERR_DUPLICATE for a
 *  repeated parameter. */
SIPDEF int sip_auth_parse(sip_str s, sip_auth *out);

/** Inputs of a request-digest computation (RFC 7616 §3.4.1-§3.4.3). */
typedef struct sip_digest_input {
    sip_digest_alg alg;
    sip_digest_qop qop;
    sip_str username, realm, password; /**< password, or ha1 below */
    sip_str ha1_hex;     /**< precomputed H(user:realm:pass) in hex: when
                              present the password is not used */
    sip_str method, uri;
    sip_str nonce, cnonce, nc; /**< nc as 8 hex digits */
    sip_str body;        /**< entity body for auth-int */
} sip_digest_input;

/** Compute the request-digest (RFC 7616 §3.4.1, RFC 2617 §3.2.2.1) as
 *  lowercase hex into out (cap >= hex length + 1; NUL-terminated). Also
 *  stores HA1 and HA2 hex when ha1/ha2 are non-NULL (each cap 65). Values
 *  are plain (unescaped) bytes. Returns the hex length (32 or 64),
 *  SIP_ERR_UNSUPPORTED for an unknown algorithm, SIP_ERR_INVALID for a qop
 *  out of range, a missing cnonce (with qop or a -sess algorithm), an nc
 *  that is not 8 hex digits or a malformed ha1_hex, SIP_ERR_NOSPACE. */
SIPDEF int sip_digest_response(const sip_digest_input *in, char *out,
                               size_t cap, char *ha1, char *ha2);

/** RFC 7616 §3.4.4 userhash: H(username ":" realm) in hex into out
 *  (cap >= 65). Returns the hex length or an error as above. */
SIPDEF int sip_digest_userhash(sip_digest_alg alg, sip_str username,
                               sip_str realm, char *out, size_t cap);

/** Build an Authorization / Proxy-Authorization value for a challenge:
 *  "Digest username=..., realm=..., nonce=..., uri=..., response=...,
 *  algorithm=..., cnonce=..., opaque=..., qop=..., nc=..." (RFC 7616 §3.4).
 *  Returns bytes written or SIP_ERR_NOSPACE with *needed. */
SIPDEF int sip_digest_build_credentials(char *out, size_t cap,
                                        const sip_auth *challenge,
                                        const sip_digest_input *in,
                                        size_t *needed);

/** Constant-time comparison of two equal-length spans (0 when different
 *  length). For checking a response against the expected digest. */
SIPDEF int sip_ct_equal(sip_str a, sip_str b);

/** Hash (built-in MD5 per RFC 1321 and SHA-256 / SHA-512/256 per FIPS
 *  180-4, or OpenSSL's with SIP_USE_OPENSSL) of n_parts spans taken as one
 *  byte string, into out (sip_digest_alg_len(alg) bytes: 16 or 32). The
 *  -sess algorithms hash like their base. Returns 0, SIP_ERR_UNSUPPORTED
 *  for an unknown algorithm, SIP_ERR_INVALID for a NULL out or parts. */
SIPDEF int sip_hash(sip_digest_alg alg, const sip_str *parts, size_t n_parts,
                    uint8_t *out);

#ifdef __cplusplus
}
#endif
#endif /* SIP_H */

/* ========================================================================
 * Implementation
 * ===================================================================== */
#if defined(SIP_IMPLEMENTATION) && !defined(SIP_IMPLEMENTATION_DONE)
/* Guarded so that headers built on sip.h may include it again in the
 * translation unit that holds the implementations. */
#define SIP_IMPLEMENTATION_DONE

#include <string.h>
#ifdef SIP_USE_OPENSSL
#include <openssl/evp.h>
#endif

#ifndef SIP_ASSERT
#include <assert.h>
#define SIP_ASSERT(x) assert(x)
#endif
#if defined(__GNUC__) || defined(__clang__)
#define SIP__INLINE inline __attribute__((always_inline))
#else
#define SIP__INLINE inline
#endif
#ifndef SIP_MAX_HEADER_LINE
#define SIP_MAX_HEADER_LINE 8192
#endif
#ifndef SIP_MAX_MESSAGE
#define SIP_MAX_MESSAGE 65535
#endif

/* ---- character classes (RFC 3261 §25.1) ------------------------------ */

enum {
    SIP__TOKEN = 1,   /* token: alphanum - . ! % * _ + ` ' ~ */
    SIP__WORD = 2,    /* word: token chars plus ( ) < > : \ " / [ ] ? { } */
    SIP__DIGIT = 4,
    SIP__HEX = 8,
    SIP__ALPHA = 16,
    SIP__WS = 32,     /* SP HTAB */
    SIP__URIC = 64,   /* characters that may stand unescaped in a SIP-URI:
                         unreserved, reserved (; / ? : @ & = + $ ,), [ ] % */
    SIP__PARAM = 128, /* paramchar: unreserved, [ ] / : & + $ ('%' apart) */
    SIP__HOSTC = 256, /* hostname characters: alphanum - . _ */
    SIP__NUMH = 512,  /* digits and '.', for telling IPv4 from names */
    SIP__USERC = 1024,/* userinfo: unreserved, user-unreserved, ':' ('%' apart) */
    SIP__SEMEQ = 2048,/* ';' and '=' (parameter separators) */
    SIP__LWSC = 4096, /* SP HTAB CR LF: linear white space with folding */
    SIP__LSEP = 8192, /* , " <   what the list splitter stops at */
    SIP__VEND = 16384 /* ; SP HTAB CR LF: end of an unquoted param value */
};

/* One table, computed by hand from the ABNF; see the comments above. */
static const unsigned short sip__cc[256] = {
#define T_ (SIP__TOKEN | SIP__WORD)
#define A_ (T_ | SIP__ALPHA | SIP__URIC | SIP__PARAM | SIP__HOSTC | SIP__USERC)
#define H_ (A_ | SIP__HEX)
#define D_ (T_ | SIP__DIGIT | SIP__HEX | SIP__URIC | SIP__PARAM | SIP__HOSTC | SIP__NUMH | SIP__USERC)
    /* 0x00 */ 0,0,0,0,0,0,0,0,0,SIP__WS | SIP__LWSC | SIP__VEND,SIP__LWSC | SIP__VEND,0,0,SIP__LWSC | SIP__VEND,0,0,
    /* 0x10 */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* ' ' */ SIP__WS | SIP__LWSC | SIP__VEND,
    /* '!' */ T_ | SIP__URIC | SIP__PARAM | SIP__USERC,
    /* '"' */ SIP__WORD | SIP__LSEP,
    /* '#' */ 0,
    /* '$' */ SIP__URIC | SIP__PARAM | SIP__USERC,
    /* '%' */ T_ | SIP__URIC,
    /* '&' */ SIP__URIC | SIP__PARAM | SIP__USERC,
    /* ''' */ T_ | SIP__URIC | SIP__PARAM | SIP__USERC,
    /* '(' */ SIP__WORD | SIP__URIC | SIP__PARAM | SIP__USERC,
    /* ')' */ SIP__WORD | SIP__URIC | SIP__PARAM | SIP__USERC,
    /* '*' */ T_ | SIP__URIC | SIP__PARAM | SIP__USERC,
    /* '+' */ T_ | SIP__URIC | SIP__PARAM | SIP__USERC,
    /* ',' */ SIP__URIC | SIP__USERC | SIP__LSEP,
    /* '-' */ T_ | SIP__URIC | SIP__PARAM | SIP__HOSTC | SIP__USERC,
    /* '.' */ T_ | SIP__URIC | SIP__PARAM | SIP__HOSTC | SIP__NUMH | SIP__USERC,
    /* '/' */ SIP__WORD | SIP__URIC | SIP__PARAM | SIP__USERC,
    /* 0-9 */ D_,D_,D_,D_,D_,D_,D_,D_,D_,D_,
    /* ':' */ SIP__WORD | SIP__URIC | SIP__PARAM | SIP__USERC,
    /* ';' */ SIP__URIC | SIP__USERC | SIP__SEMEQ | SIP__VEND,
    /* '<' */ SIP__WORD | SIP__LSEP,
    /* '=' */ SIP__URIC | SIP__USERC | SIP__SEMEQ,
    /* '>' */ SIP__WORD,
    /* '?' */ SIP__WORD | SIP__URIC | SIP__USERC,
    /* '@' */ SIP__URIC,
    /* A-F */ H_,H_,H_,H_,H_,H_,
    /* G-Z */ A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,
    /* '[' */ SIP__WORD | SIP__URIC | SIP__PARAM,
    /* '\' */ SIP__WORD,
    /* ']' */ SIP__WORD | SIP__URIC | SIP__PARAM,
    /* '^' */ 0,
    /* '_' */ T_ | SIP__URIC | SIP__PARAM | SIP__HOSTC | SIP__USERC,
    /* '`' */ T_,
    /* a-f */ H_,H_,H_,H_,H_,H_,
    /* g-z */ A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,
    /* '{' */ SIP__WORD,
    /* '|' */ 0,
    /* '}' */ SIP__WORD,
    /* '~' */ T_ | SIP__URIC | SIP__PARAM | SIP__USERC,
    /* 0x7f.. */ 0
#undef T_
#undef A_
#undef H_
#undef D_
};

#define SIP__IS(c, cls) (sip__cc[(unsigned char)(c)] & (cls))

static int sip__lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int sip__hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static SIP__INLINE sip_str sip__span(const char *b, const char *e)
{
    sip_str s;
    s.p = b;
    s.len = (size_t)(e - b);
    return s;
}

/* End of a span; NULL for the absent span (NULL + 0 is undefined in C). */
static SIP__INLINE const char *sip__end(sip_str s) { return s.p ? s.p + s.len : NULL; }

/* LWS (RFC 3261 §25.1): SP and HTAB, and a line end (CRLF, or a bare LF
 * as tolerated elsewhere) only when folding (followed by SP/HTAB) or when it
 * ends the span (a value given with its line end). A bare CR is
 * not white space, so it ends whatever is being scanned and the caller's
 * syntax check refuses it (found by fuzz_registrar: a CR inside a Contact
 * parameter was skipped and then echoed into a 200). */
static SIP__INLINE const char *sip__skip_ws(const char *p, const char *e)
{
    for (; p < e; p++) {
        if (*p == ' ' || *p == '\t') continue;
        if (*p == '\r' && e - p >= 2 && p[1] == '\n' &&
            (e - p == 2 || p[2] == ' ' || p[2] == '\t')) {
            p++; /* the LF, then the SP/HTAB or the end */
            continue;
        }
        if (*p == '\n' && (e - p == 1 || p[1] == ' ' || p[1] == '\t')) continue;
        break;
    }
    return p;
}

/* Advance p over bytes of class cls, four at a time (fewer bound checks
 * and branches than the plain loop; these runs are the parser's hot loops). */
static SIP__INLINE const char *sip__scan(const char *p, const char *e, unsigned cls)
{
    while (e - p >= 4) {
        if (!SIP__IS(p[0], cls)) return p;
        if (!SIP__IS(p[1], cls)) return p + 1;
        if (!SIP__IS(p[2], cls)) return p + 2;
        if (!SIP__IS(p[3], cls)) return p + 3;
        p += 4;
    }
    while (p < e && SIP__IS(*p, cls)) p++;
    return p;
}

/* First byte of [p,e) in class cls (whose members are a..f), or e. With
 * SSE2 sixteen bytes are compared at a time against the member bytes; the
 * scalar path (SIP_NO_SIMD, other CPUs) uses the class table. */
#if defined(__SSE2__) && !defined(SIP_NO_SIMD)
#include <emmintrin.h>
static const char *sip__find5(const char *p, const char *e, unsigned cls, char a, char b,
                              char c, char d, char f)
{
    __m128i va, vb, vc, vd, vf;
    if (e - p < 16) { /* short spans: the vector set-up would cost more */
        while (p < e && !SIP__IS(*p, cls)) p++;
        return p;
    }
    va = _mm_set1_epi8(a); vb = _mm_set1_epi8(b); vc = _mm_set1_epi8(c);
    vd = _mm_set1_epi8(d); vf = _mm_set1_epi8(f);
    while (e - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, vc), _mm_cmpeq_epi8(x, vd)));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(x, vf));
        int bits = _mm_movemask_epi8(m);
        if (bits) return p + __builtin_ctz((unsigned)bits);
        p += 16;
    }
    while (p < e && !SIP__IS(*p, cls)) p++;
    return p;
}
#else
static const char *sip__find5(const char *p, const char *e, unsigned cls, char a, char b,
                              char c, char d, char f)
{
    (void)a; (void)b; (void)c; (void)d; (void)f;
    while (p < e && !SIP__IS(*p, cls)) p++;
    return p;
}
#endif

/* Span without leading and trailing LWS; the parser's hot path. */
static SIP__INLINE sip_str sip__trim(sip_str s)
{
    const char *b = s.p, *e = sip__end(s);
    if (!b) return s;
    while (b < e && SIP__IS(*b, SIP__LWSC)) b++;
    while (e > b && SIP__IS(e[-1], SIP__LWSC)) e--;
    s.p = b;
    s.len = (size_t)(e - b);
    return s;
}

/* ---- spans --------------------------------------------------------- */

SIPDEF sip_str sip_str_c(const char *s)
{
    sip_str r;
    r.p = s;
    r.len = s ? strlen(s) : 0;
    return r;
}

SIPDEF int sip_str_eq(sip_str a, sip_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

SIPDEF int sip_str_caseeq(sip_str a, sip_str b)
{
    size_t i;
    if (a.len != b.len) return 0;
    for (i = 0; i < a.len; i++)
        if (sip__lower((unsigned char)a.p[i]) != sip__lower((unsigned char)b.p[i]))
            return 0;
    return 1;
}

SIPDEF int sip_str_caseeq_c(sip_str a, const char *s)
{
    return sip_str_caseeq(a, sip_str_c(s));
}

SIPDEF sip_str sip_str_trim(sip_str s)
{
    return sip__trim(s);
}


SIPDEF int sip_str_to_u32(sip_str s, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (s.len == 0) return SIP_ERR_SYNTAX;
    for (i = 0; i < s.len; i++) {
        unsigned d = (unsigned)(unsigned char)s.p[i] - '0';
        if (d > 9) return SIP_ERR_SYNTAX;
        v = v * 10 + d;
        if (v > max) {
            /* keep scanning so that "12a" is a syntax error, not range */
            for (i++; i < s.len; i++)
                if ((unsigned)(unsigned char)s.p[i] - '0' > 9) return SIP_ERR_SYNTAX;
            return SIP_ERR_RANGE;
        }
    }
    *out = (uint32_t)v;
    return 0;
}

SIPDEF const char *sip_strerror(int err)
{
    switch (err) {
    case SIP_OK: return "success";
    case SIP_ERR_PARTIAL: return "incomplete message";
    case SIP_ERR_SYNTAX: return "syntax error";
    case SIP_ERR_VERSION: return "unsupported SIP version";
    case SIP_ERR_TOO_BIG: return "message too large";
    case SIP_ERR_TOO_MANY_HEADERS: return "too many headers";
    case SIP_ERR_LINE_TOO_LONG: return "header field too long";
    case SIP_ERR_CONTENT_LENGTH: return "bad Content-Length";
    case SIP_ERR_RANGE: return "value out of range";
    case SIP_ERR_MISSING: return "mandatory header missing";
    case SIP_ERR_DUPLICATE: return "header repeated";
    case SIP_ERR_MISMATCH: return "CSeq method does not match";
    case SIP_ERR_NOSPACE: return "buffer too small";
    case SIP_ERR_INVALID: return "invalid argument";
    case SIP_ERR_NOT_FOUND: return "not found";
    case SIP_ERR_UNSUPPORTED: return "unsupported";
    case SIP_ERR_CALLBACK: return "callback failed";
    default: return "unknown error";
    }
}

/* ---- methods and header names ------------------------------------------ */

static const char *const sip__method_names[SIP_METHOD_COUNT_] = {
    "", "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK",
    "UPDATE", "REFER", "SUBSCRIBE", "NOTIFY", "MESSAGE", "INFO", "PUBLISH"
};

SIPDEF sip_method sip_method_from_str(sip_str s)
{
    /* Dispatch on length and first letter; methods are case-sensitive. */
    int m = SIP_METHOD_OTHER;
    if (s.len < 3 || s.len > 9) return SIP_METHOD_OTHER;
    switch (s.p[0]) {
    case 'I': m = s.len == 6 ? SIP_METHOD_INVITE : SIP_METHOD_INFO; break;
    case 'A': m = SIP_METHOD_ACK; break;
    case 'B': m = SIP_METHOD_BYE; break;
    case 'C': m = SIP_METHOD_CANCEL; break;
    case 'R': m = s.len == 8 ? SIP_METHOD_REGISTER : SIP_METHOD_REFER; break;
    case 'O': m = SIP_METHOD_OPTIONS; break;
    case 'P': m = s.len == 5 ? SIP_METHOD_PRACK : SIP_METHOD_PUBLISH; break;
    case 'U': m = SIP_METHOD_UPDATE; break;
    case 'S': m = SIP_METHOD_SUBSCRIBE; break;
    case 'N': m = SIP_METHOD_NOTIFY; break;
    case 'M': m = SIP_METHOD_MESSAGE; break;
    default: return SIP_METHOD_OTHER;
    }
    if (strlen(sip__method_names[m]) != s.len ||
        memcmp(sip__method_names[m], s.p, s.len) != 0)
        return SIP_METHOD_OTHER;
    return (sip_method)m;
}

SIPDEF const char *sip_method_name(sip_method m)
{
    return ((unsigned)m < SIP_METHOD_COUNT_) ? sip__method_names[m] : "";
}

static const char *const sip__hdr_names[SIP_HDR_COUNT_] = {
    "",
#define SIP_X_(id, name, compact, list) name,
    SIP_HEADERS_(SIP_X_)
#undef SIP_X_
};

static const unsigned char sip__hdr_list[SIP_HDR_COUNT_] = {
    0,
#define SIP_X_(id, name, compact, list) list,
    SIP_HEADERS_(SIP_X_)
#undef SIP_X_
};

/* Compact forms a..y (RFC 3261 §7.3.3 and the IANA registry). */
static const unsigned char sip__hdr_compact[26] = {
    SIP_HDR_ACCEPT_CONTACT, SIP_HDR_REFERRED_BY, SIP_HDR_CONTENT_TYPE,
    SIP_HDR_REQUEST_DISPOSITION, SIP_HDR_CONTENT_ENCODING, SIP_HDR_FROM,
    0, 0, SIP_HDR_CALL_ID, SIP_HDR_REJECT_CONTACT, SIP_HDR_SUPPORTED,
    SIP_HDR_CONTENT_LENGTH, SIP_HDR_CONTACT, SIP_HDR_IDENTITY_INFO,
    SIP_HDR_EVENT, 0, 0, SIP_HDR_REFER_TO, SIP_HDR_SUBJECT, SIP_HDR_TO,
    SIP_HDR_ALLOW_EVENTS, SIP_HDR_VIA, 0, SIP_HDR_SESSION_EXPIRES,
    SIP_HDR_IDENTITY, 0
};

static const unsigned char sip__hdr_len[SIP_HDR_COUNT_] = {
    0,
#define SIP_X_(id, name, compact, list) sizeof(name) - 1,
    SIP_HEADERS_(SIP_X_)
#undef SIP_X_
};

/* Case-insensitive compare of a token (letters, digits, '-') with a
 * literal of the same length; OR-ing 0x20 folds ASCII letters and leaves
 * '-' and digits alone. Eight bytes at a time: names are short and this is
 * the parser's most frequent compare. */
/* OR-ing 0x20 also maps control bytes onto '-' and digits (CR 0x0D onto
 * '-' 0x2D): a word with a byte below 0x20 never matches (fuzz finding
 * parse-1: "Content\rLength" must not be Content-Length). */
#define SIP__HAS_CTL64(x) ((((x) - 0x2020202020202020ull) & ~(x) & 0x8080808080808080ull) != 0)
#define SIP__HAS_CTL32(x) ((((x) - 0x20202020u) & ~(x) & 0x80808080u) != 0)

static int sip__name_caseeq(const char *p, size_t len, const char *lit)
{
    const uint64_t f8 = 0x2020202020202020ull;
    const uint32_t f4 = 0x20202020u;
    size_t i;
    if (len >= 8) {
        /* 8-byte words, the last one overlapping the previous */
        uint64_t a, b;
        for (i = 0; i + 8 < len; i += 8) {
            memcpy(&a, p + i, 8);
            memcpy(&b, lit + i, 8);
            if ((a | f8) != (b | f8) || SIP__HAS_CTL64(a)) return 0;
        }
        memcpy(&a, p + len - 8, 8);
        memcpy(&b, lit + len - 8, 8);
        return (a | f8) == (b | f8) && !SIP__HAS_CTL64(a);
    }
    if (len >= 4) {
        uint32_t a, b, c, d;
        memcpy(&a, p, 4);
        memcpy(&b, lit, 4);
        memcpy(&c, p + len - 4, 4);
        memcpy(&d, lit + len - 4, 4);
        return (a | f4) == (b | f4) && (c | f4) == (d | f4) && !SIP__HAS_CTL32(a) &&
               !SIP__HAS_CTL32(c);
    }
    for (i = 0; i < len; i++)
        if ((unsigned char)p[i] < 0x20 ||
            (((unsigned char)p[i]) | 0x20) != (((unsigned char)lit[i]) | 0x20))
            return 0;
    return 1;
}

/* Perfect hash of the full names: (length, first, middle and last letter,
 * ASCII-folded) -> id + 1 (0: none). Generated by scripts/gen_hdr_hash.py
 * from SIP_HEADERS_; the test hdr_lookup.every_name_and_compact_form fails
 * if a header is added without regenerating it. */
#define SIP__HDR_HASH(n, f, m, l) \
    ((((unsigned)(n) * 2u) ^ ((unsigned)(f) * 56u) ^ ((unsigned)(l) * 44u) ^ (unsigned)(m)) & 255u)
static const unsigned char sip__hdr_hash[256] = {
    37, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 0, 0, 36, 13,
    0, 73, 0, 71, 0, 5, 4, 0, 0, 0, 0, 0, 38, 70, 0, 68,
    0, 0, 12, 0, 0, 0, 42, 0, 0, 0, 6, 0, 0, 0, 39, 0,
    0, 0, 0, 0, 40, 20, 0, 0, 0, 65, 0, 0, 0, 0, 0, 0,
    0, 67, 0, 0, 0, 52, 0, 0, 48, 0, 0, 0, 0, 32, 0, 0,
    25, 0, 0, 56, 0, 0, 0, 54, 50, 14, 0, 0, 30, 0, 0, 0,
    0, 0, 0, 0, 0, 66, 0, 45, 0, 0, 0, 8, 0, 0, 0, 0,
    0, 0, 33, 0, 0, 0, 31, 0, 0, 16, 0, 0, 0, 0, 0, 51,
    0, 7, 26, 11, 0, 0, 49, 21, 0, 0, 27, 24, 0, 53, 0, 0,
    41, 0, 0, 0, 0, 0, 0, 0, 17, 46, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 9, 0, 34, 0, 0, 23, 18, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 43, 0, 0, 2, 15, 29, 0, 22, 64, 0, 0, 0,
    19, 0, 35, 0, 0, 0, 0, 0, 0, 0, 59, 0, 0, 0, 69, 0,
    0, 0, 0, 57, 0, 0, 0, 55, 0, 0, 0, 47, 72, 28, 0, 61,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 62, 0, 0, 0, 0, 0, 0,
    0, 58, 0, 0, 0, 0, 0, 3, 0, 0, 10, 0, 0, 63, 0, 44,
};

static SIP__INLINE sip_hdr_id sip__hdr_id(sip_str name)
{
    const char *p = name.p;
    size_t n = name.len;
    unsigned id;
    if (n == 0) return SIP_HDR_OTHER;
    if (n == 1) {
        int c0 = sip__lower((unsigned char)p[0]);
        return (c0 >= 'a' && c0 <= 'z') ? (sip_hdr_id)sip__hdr_compact[c0 - 'a'] : SIP_HDR_OTHER;
    }
    id = sip__hdr_hash[SIP__HDR_HASH(n, (unsigned char)p[0] | 0x20, (unsigned char)p[n / 2] | 0x20,
                                     (unsigned char)p[n - 1] | 0x20)];
    if (id && sip__hdr_len[id] == n && sip__name_caseeq(p, n, sip__hdr_names[id]))
        return (sip_hdr_id)id;
    return SIP_HDR_OTHER;
}

SIPDEF sip_hdr_id sip_hdr_id_from_name(sip_str name)
{
    return sip__hdr_id(name);
}

SIPDEF const char *sip_hdr_name(sip_hdr_id id)
{
    return ((unsigned)id < SIP_HDR_COUNT_) ? sip__hdr_names[id] : "";
}

SIPDEF int sip_hdr_is_list(sip_hdr_id id)
{
    return ((unsigned)id < SIP_HDR_COUNT_) ? sip__hdr_list[id] : 0;
}

/* ---- quoted strings, parameters ---------------------------------------- */

/* p at '"'; returns the position after the closing quote, or NULL when it
 * is unterminated. quoted-pair: '\' then any byte except CR/LF (§25.1). */
static const char *sip__skip_quoted(const char *p, const char *e)
{
    for (p++; p < e; p++) {
        if (*p == '"') return p + 1;
        if (*p == '\\') {
            if (p + 1 >= e || p[1] == '\r' || p[1] == '\n') return NULL;
            p++;
        } else if (*p == '\r' || *p == '\n') {
            /* qdtext (§25.1) holds a line end only as folding LWS */
            const char *q = sip__skip_ws(p, e);
            if (q == p || q == e) return NULL;
            p = q - 1;
        }
    }
    return NULL;
}

SIPDEF int sip_param_next(sip_str params, size_t *pos, sip_str *name,
                          sip_str *value)
{
    const char *b = params.p, *e = sip__end(params), *p, *q;
    if (!b || *pos >= params.len) return 0;
    p = sip__skip_ws(b + *pos, e);
    if (p < e && *p == ';') p = sip__skip_ws(p + 1, e);
    if (p >= e) { *pos = params.len; return 0; }
    q = p;
    while (q < e && !SIP__IS(*q, SIP__SEMEQ | SIP__LWSC)) q++;
    if (q == p) return SIP_ERR_SYNTAX;
    *name = sip__span(p, q);
    q = sip__skip_ws(q, e);
    value->p = NULL;
    value->len = 0;
    if (q < e && *q == '=') {
        const char *v = sip__skip_ws(q + 1, e), *ve;
        if (v < e && *v == '"') {
            ve = sip__skip_quoted(v, e);
            if (!ve) return SIP_ERR_SYNTAX;
        } else {
            ve = sip__find5(v, e, SIP__VEND, ';', ' ', '\t', '\r', '\n');
        }
        *value = sip__span(v, ve);
        q = sip__skip_ws(ve, e);
    }
    if (q < e && *q != ';') return SIP_ERR_SYNTAX;
    *pos = (size_t)(q - b);
    return 1;
}

SIPDEF int sip_param_find(sip_str params, const char *name, sip_str *value)
{
    size_t pos = 0;
    sip_str n, v;
    while (sip_param_next(params, &pos, &n, &v) == 1) {
        if (sip_str_caseeq_c(n, name)) {
            if (value) *value = v;
            return 1;
        }
    }
    return 0;
}

SIPDEF int sip_uint_parse(sip_str s, uint32_t max, uint32_t *out)
{
    return sip_str_to_u32(sip__trim(s), max, out);
}

/* ---- escapes ----------------------------------------------------------- */

/* Checks that every '%' in [p,e) starts a %HH escape (RFC 3261 §25.1). */
/* p at '%': nonzero when %HH follows (RFC 3261 §25.1 escaped). */
static int sip__is_escape(const char *p, const char *e)
{
    return e - p >= 3 && sip__hexval((unsigned char)p[1]) >= 0 &&
           sip__hexval((unsigned char)p[2]) >= 0;
}

/* Every '%' in [p,e) starts an escape. */
static int sip__escapes_ok(const char *p, const char *e)
{
    while (p && (p = (const char *)memchr(p, '%', (size_t)(e - p))) != NULL) {
        if (!sip__is_escape(p, e)) return 0;
        p += 3;
    }
    return 1;
}

/* Next decoded byte of an escaped span at *i; advances *i. */
static int sip__esc_byte(sip_str s, size_t *i)
{
    int c = (unsigned char)s.p[*i];
    if (c == '%' && *i + 2 < s.len) {
        int h = sip__hexval((unsigned char)s.p[*i + 1]);
        int l = sip__hexval((unsigned char)s.p[*i + 2]);
        if (h >= 0 && l >= 0) {
            *i += 3;
            return h * 16 + l;
        }
    }
    *i += 1;
    return c;
}

/* Equality of two escaped spans after decoding (§19.1.4: "comparison of
 * ... is done after unescaping"); icase folds ASCII case. */
static int sip__esc_eq(sip_str a, sip_str b, int icase)
{
    size_t i = 0, j = 0;
    while (i < a.len && j < b.len) {
        int x = sip__esc_byte(a, &i), y = sip__esc_byte(b, &j);
        if (icase) { x = sip__lower(x); y = sip__lower(y); }
        if (x != y) return 0;
    }
    return i == a.len && j == b.len;
}

SIPDEF int sip_unescape(sip_str s, char *out, size_t cap)
{
    size_t i = 0, n = 0;
    if (!sip__escapes_ok(s.p, sip__end(s))) return SIP_ERR_SYNTAX;
    while (i < s.len) {
        int c = sip__esc_byte(s, &i);
        if (n >= cap || n >= 0x7fffffff) return SIP_ERR_NOSPACE;
        out[n++] = (char)c;
    }
    return (int)n;
}

/* ---- hosts (RFC 3261 §25.1 host, RFC 5118) -------------------------- */

static int sip__ipv4_ok(const char *p, const char *e)
{
    /* four dot-separated decimal octets of 1-3 digits, each <= 255 */
    int parts;
    for (parts = 0; parts < 4; parts++) {
        unsigned v;
        const char *d = p;
        if (parts && (p >= e || *p++ != '.')) return 0;
        d = p;
        v = 0;
        while (p < e && p - d < 4 && (unsigned)(*p - '0') <= 9) v = v * 10 + (unsigned)(*p++ - '0');
        if (p == d || p - d > 3 || v > 255) return 0;
    }
    return p == e;
}

/* IPv6 text (RFC 4291 §2.2): hex groups of 1-4 digits, one "::" at most,
 * eight groups without it (fewer with it), an optional dotted quad at the
 * end counting as two. The RFC 3261 ABNF also admits ":::" right before
 * the dotted quad; RFC 5118 §4.10 says to tolerate that form, and only it. */
static int sip__ipv6_ok(const char *p, const char *e)
{
    int groups = 0, dbl = 0;
    if (e - p < 2 || e - p > 64) return 0;
    if (*p == ':' && p[1] != ':') return 0;
    while (p < e) {
        const char *g;
        if (*p == ':') {
            const char *c = p;
            while (p < e && *p == ':') p++;
            if (p - c == 3) {
                /* ":::" only before an IPv4 tail (RFC 5118 §4.10) */
                if (!memchr(p, '.', (size_t)(e - p)) || memchr(p, ':', (size_t)(e - p))) return 0;
            } else if (p - c > 3) {
                return 0;
            }
            if (p - c >= 2 && dbl++) return 0;
            if (p == e && p - c == 1) return 0; /* trailing single ':' */
            continue;
        }
        g = p;
        while (p < e && sip__hexval((unsigned char)*p) >= 0) p++;
        if (p < e && *p == '.') {
            if (!sip__ipv4_ok(g, e)) return 0;
            groups += 2;
            break;
        }
        if (p == g || p - g > 4 || (p < e && *p != ':')) return 0;
        groups++;
    }
    return dbl ? groups <= 7 : groups == 8;
}


static int sip__port(const char *p, const char *e, uint16_t *port)
{
    uint32_t v;
    sip_str s;
    s.p = p;
    s.len = (size_t)(e - p);
    if (sip_str_to_u32(s, 65535, &v) != 0) return -1;
    *port = (uint16_t)v;
    return 0;
}

/* hostport at p; ws allows LWS around ':' (Via sent-by). Stops at the
 * first byte after the port; returns that position or NULL on error. */
static const char *sip__hostport(const char *p, const char *e, int ws,
                                 sip_str *host, sip_host_type *ht,
                                 uint16_t *port, uint8_t *has_port)
{
    const char *h, *he;
    if (p < e && *p == '[') {
        h = p + 1;
        he = (const char *)memchr(h, ']', (size_t)(e - h));
        if (!he || !sip__ipv6_ok(h, he)) return NULL;
        p = he + 1;
        *ht = SIP_HOST_IPV6;
    } else {
        /* hostname chars (plus '_', seen in the wild); a name of digits and
         * dots only must be a valid IPv4 address (toplabel starts ALPHA) */
        h = p;
        he = p = sip__scan(p, e, SIP__HOSTC);
        if (h == he) return NULL;
        if (SIP__IS(*h, SIP__DIGIT) && sip__ipv4_ok(h, he)) {
            *ht = SIP_HOST_IPV4;
        } else {
            if (sip__scan(h, he, SIP__NUMH) == he) return NULL; /* 1.2.3, 1.2.3.999 */
            *ht = SIP_HOST_DOMAIN;
        }
    }
    *host = sip__span(h, he);
    *has_port = 0;
    *port = 0;
    {
        const char *q = ws ? sip__skip_ws(p, e) : p;
        if (q < e && *q == ':') {
            const char *d;
            q = ws ? sip__skip_ws(q + 1, e) : q + 1;
            d = q;
            while (q < e && *q >= '0' && *q <= '9') q++;
            if (sip__port(d, q, port) != 0) return NULL;
            *has_port = 1;
            p = q;
        }
    }
    return p;
}

/* ---- URIs (RFC 3261 §19.1, RFC 3966, RFC 3986) ----------------------- */

static int sip__uri_chars_ok(const char *p, const char *e)
{
    return sip__scan(p, e, SIP__URIC) == e;
}

/* One pass over [p,e): every byte of class cls, every '%' an escape.
 * Returns NULL when fine, else the offending byte. */
static const char *sip__check_escaped(const char *p, const char *e, unsigned cls)
{
    /* cls must not hold '%', so each run stops at an escape to check */
    for (;;) {
        p = sip__scan(p, e, cls);
        if (p == e) return NULL;
        if (*p != '%' || !sip__is_escape(p, e)) return p;
        p += 3;
    }
}

static int sip__uri_sip(const char *p, const char *e, sip_uri *u)
{
    const char *at = (const char *)memchr(p, '@', (size_t)(e - p)), *q;
    if (at) {
        const char *colon = (const char *)memchr(p, ':', (size_t)(at - p));
        /* userinfo: user-unreserved, unreserved, escaped; password too */
        if (sip__check_escaped(p, at, SIP__USERC)) return SIP_ERR_SYNTAX;
        if (colon) {
            u->user = sip__span(p, colon);
            u->password = sip__span(colon + 1, at);
        } else {
            u->user = sip__span(p, at);
        }
        if (u->user.len == 0) return SIP_ERR_SYNTAX;
        p = at + 1;
    }
    q = sip__hostport(p, e, 0, &u->host, &u->host_type, &u->port, &u->has_port);
    if (!q) return SIP_ERR_SYNTAX;
    p = q;
    if (p < e && *p == ';') {
        q = p;
        while (q < e && *q != '?') q++;
        u->params = sip__span(p, q);
        p = q;
    }
    if (p < e && *p == '?') {
        u->headers = sip__span(p + 1, e);
        p = e;
    }
    if (p != e) return SIP_ERR_SYNTAX;
    if (u->params.p) {
        size_t pos = 0;
        sip_str n, v;
        int r;
        if (sip__check_escaped(u->params.p, u->params.p + u->params.len, SIP__PARAM | SIP__SEMEQ))
            return SIP_ERR_SYNTAX;
        /* pname = 1*paramchar: no empty names (";;", ";=x") */
        while ((r = sip_param_next(u->params, &pos, &n, &v)) == 1) {}
        if (r < 0) return SIP_ERR_SYNTAX;
    }
    /* hvalue: hnv-unreserved, unreserved, escaped; '=' and '&' separate */
    if (u->headers.p && sip__check_escaped(u->headers.p, e, SIP__USERC | SIP__PARAM))
        return SIP_ERR_SYNTAX;
    return 0;
}

SIPDEF int sip_uri_parse(sip_str s, sip_uri *u)
{
    const char *p = s.p, *e = sip__end(s), *q;
    memset(u, 0, sizeof *u);
    u->raw = s;
    if (!p || s.len == 0 || !SIP__IS(*p, SIP__ALPHA)) return SIP_ERR_SYNTAX;
    /* fast path for the schemes nearly every URI has */
    if (s.len > 4 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p') {
        if (p[3] == ':' || (s.len > 5 && (p[3] | 0x20) == 's' && p[4] == ':')) {
            q = p + (p[3] == ':' ? 3 : 4);
            u->scheme = q == p + 3 ? SIP_URI_SIP : SIP_URI_SIPS;
            u->scheme_str = sip__span(p, q);
            u->opaque = sip__span(q + 1, e);
            return sip__uri_sip(q + 1, e, u);
        }
    }
    for (q = p; q < e && *q != ':'; q++)
        if (!SIP__IS(*q, SIP__ALPHA | SIP__DIGIT) && *q != '+' && *q != '-' && *q != '.')
            return SIP_ERR_SYNTAX;
    if (q >= e) return SIP_ERR_SYNTAX;
    u->scheme_str = sip__span(p, q);
    u->opaque = sip__span(q + 1, e);
    if (sip_str_caseeq_c(u->scheme_str, "sip")) u->scheme = SIP_URI_SIP;
    else if (sip_str_caseeq_c(u->scheme_str, "sips")) u->scheme = SIP_URI_SIPS;
    else if (sip_str_caseeq_c(u->scheme_str, "tel")) u->scheme = SIP_URI_TEL;
    p = q + 1;
    if (u->scheme == SIP_URI_SIP || u->scheme == SIP_URI_SIPS)
        return sip__uri_sip(p, e, u);
    if (p == e) return SIP_ERR_SYNTAX;
    if (u->scheme == SIP_URI_TEL) {
        /* RFC 3966: number up to the first ';', then parameters */
        q = (const char *)memchr(p, ';', (size_t)(e - p));
        u->user = sip__span(p, q ? q : e);
        if (q) u->params = sip__span(q, e);
        if (u->user.len == 0 || !sip__uri_chars_ok(p, e) || !sip__escapes_ok(p, e))
            return SIP_ERR_SYNTAX;
        return 0;
    }
    /* another absoluteURI: opaque, but no space, quote or angle bracket */
    for (q = p; q < e; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"') return SIP_ERR_SYNTAX;
    }
    return 0;
}

/* §19.1.4: parameters that must match when present on either side. */
static int sip__uri_param_must(sip_str name)
{
    return sip_str_caseeq_c(name, "user") || sip_str_caseeq_c(name, "ttl") ||
           sip_str_caseeq_c(name, "method") || sip_str_caseeq_c(name, "maddr") ||
           sip_str_caseeq_c(name, "transport");
}

/* The k-th (from 0) parameter named n in params (escapes decoded,
 * case-insensitive); 1 with its value, 0 when there are fewer. */
static int sip__param_nth(sip_str params, sip_str n, size_t k, sip_str *v)
{
    size_t pos = 0;
    sip_str name, val;
    while (sip_param_next(params, &pos, &name, &val) == 1)
        if (sip__esc_eq(n, name, 1) && k-- == 0) {
            *v = val;
            return 1;
        }
    return 0;
}

/* Every parameter of a found in b with an equal value, per §19.1.4. A name
 * given twice (which §19.1.1 does not allow, but arrives) is matched
 * occurrence by occurrence, so the comparison stays reflexive. */
static int sip__uri_params_cover(sip_str a, sip_str b)
{
    size_t pos = 0, before;
    sip_str n, v, w;
    int r;
    while ((before = pos, r = sip_param_next(a, &pos, &n, &v)) == 1) {
        size_t k = 0, p2 = 0;
        sip_str n2, v2;
        /* occurrences of n in a before this one */
        while (p2 < before && sip_param_next(a, &p2, &n2, &v2) == 1)
            if (p2 <= before && sip__esc_eq(n, n2, 1)) k++;
        if (!sip__param_nth(b, n, k, &w)) {
            if (sip__uri_param_must(n)) return 0;
            continue;
        }
        if (!sip__esc_eq(v, w, 1)) return 0;
    }
    return r == 0; /* a malformed list is not equal to anything */
}

/* Every header of a (h=v&...) present in b with the same value. */
static int sip__uri_headers_cover(sip_str a, sip_str b)
{
    const char *p = a.p, *e = sip__end(a);
    while (p && p < e) {
        const char *amp = (const char *)memchr(p, '&', (size_t)(e - p)), *he = amp ? amp : e;
        const char *eq = (const char *)memchr(p, '=', (size_t)(he - p));
        sip_str hn = sip__span(p, eq ? eq : he), hv = sip__span(eq ? eq + 1 : he, he);
        const char *q = b.p, *be = sip__end(b);
        int found = 0;
        while (q && q < be && !found) {
            const char *amp2 = (const char *)memchr(q, '&', (size_t)(be - q)), *he2 = amp2 ? amp2 : be;
            const char *eq2 = (const char *)memchr(q, '=', (size_t)(he2 - q));
            if (sip__esc_eq(hn, sip__span(q, eq2 ? eq2 : he2), 1) &&
                sip__esc_eq(hv, sip__span(eq2 ? eq2 + 1 : he2, he2), 0))
                found = 1;
            q = amp2 ? amp2 + 1 : be;
        }
        if (!found) return 0;
        p = amp ? amp + 1 : e;
    }
    return 1;
}

SIPDEF int sip_uri_equal(const sip_uri *a, const sip_uri *b)
{
    if (a->scheme != b->scheme) return 0;
    if (a->scheme != SIP_URI_SIP && a->scheme != SIP_URI_SIPS)
        return sip_str_eq(a->raw, b->raw);
    if ((a->user.p == NULL) != (b->user.p == NULL) ||
        (a->password.p == NULL) != (b->password.p == NULL))
        return 0;
    if (!sip__esc_eq(a->user, b->user, 0) || !sip__esc_eq(a->password, b->password, 0))
        return 0;
    if (!sip__esc_eq(a->host, b->host, 1)) return 0;
    if (a->has_port != b->has_port || a->port != b->port) return 0;
    if (!sip__uri_params_cover(a->params, b->params) ||
        !sip__uri_params_cover(b->params, a->params))
        return 0;
    return sip__uri_headers_cover(a->headers, b->headers) &&
           sip__uri_headers_cover(b->headers, a->headers);
}

/* ---- name-addr / addr-spec (§20.10, §25.1) ------------------------------ */

/* Display name without quotes: *(token LWS); nothing else may stand before
 * '<' (RFC 4475 §3.1.2.15 baddn). */
static int sip__display_tokens_ok(const char *p, const char *e)
{
    for (; p < e; p++)
        if (!SIP__IS(*p, SIP__TOKEN | SIP__WS) && *p != '\r' && *p != '\n') return 0;
    return 1;
}

static int sip__addr_params(const char *p, const char *e, sip_addr *out)
{
    size_t pos = 0;
    sip_str n, v;
    int r;
    p = sip__skip_ws(p, e);
    if (p == e) return 0;
    if (*p != ';') return SIP_ERR_SYNTAX;
    out->params = sip__span(p, e);
    while ((r = sip_param_next(out->params, &pos, &n, &v)) == 1) {
        if (n.len == 3 && sip__name_caseeq(n.p, 3, "tag")) {
            if (!v.p || v.len == 0) return SIP_ERR_SYNTAX;
            out->tag = v;
        }
    }
    return r;
}

SIPDEF int sip_addr_parse(sip_str s, sip_addr *out)
{
    const char *p, *e, *lt, *gt;
    memset(out, 0, sizeof *out);
    s = sip__trim(s);
    if (!s.p || s.len == 0) return SIP_ERR_SYNTAX;
    p = s.p;
    e = s.p + s.len;
    if (*p == '*') {
        const char *q = sip__skip_ws(p + 1, e);
        if (q == e || *q == ';') {
            out->star = 1;
            return sip__addr_params(q, e, out);
        }
    }
    if (*p == '"') {
        const char *q = sip__skip_quoted(p, e);
        if (!q) return SIP_ERR_SYNTAX;
        out->display = sip__span(p + 1, q - 1);
        out->display_quoted = 1;
        p = sip__skip_ws(q, e);
        if (p >= e || *p != '<') return SIP_ERR_SYNTAX;
        lt = p;
    } else {
        /* a '<' after the first ';' is inside a parameter (RFC 5626
         * +sip.instance="<urn:...>"), not the start of a name-addr */
        const char *semi = (const char *)memchr(p, ';', (size_t)(e - p));
        lt = (const char *)memchr(p, '<', (size_t)((semi ? semi : e) - p));
        if (lt) {
            const char *de = lt;
            if (!sip__display_tokens_ok(p, lt)) return SIP_ERR_SYNTAX;
            while (de > p && SIP__IS(de[-1], SIP__WS)) de--;
            if (de > p) out->display = sip__span(p, de);
        }
    }
    if (lt) {
        gt = (const char *)memchr(lt, '>', (size_t)(e - lt));
        if (!gt) return SIP_ERR_SYNTAX;
        out->angle = 1;
        /* no LWS inside <...> (RFC 4475 §3.1.2.14 badaspec) */
        if (sip_uri_parse(sip__span(lt + 1, gt), &out->uri) != 0) return SIP_ERR_SYNTAX;
        return sip__addr_params(gt + 1, e, out);
    }
    /* addr-spec: the URI ends at the first ';' or LWS and may not hold '?'
     * or ',' (§20: such URIs MUST be enclosed in <>; RFC 4475 §3.1.2.13). */
    {
        const char *q = p;
        while (q < e && *q != ';' && !SIP__IS(*q, SIP__WS) && *q != '\r' && *q != '\n') q++;
        if ((const char *)memchr(p, '?', (size_t)(q - p)) || (const char *)memchr(p, ',', (size_t)(q - p)))
            return SIP_ERR_SYNTAX;
        if (sip_uri_parse(sip__span(p, q), &out->uri) != 0) return SIP_ERR_SYNTAX;
        return sip__addr_params(q, e, out);
    }
}

/* ---- Via (§20.42, RFC 3581) ------------------------------------------- */

static const char *sip__token_end(const char *p, const char *e)
{
    return sip__scan(p, e, SIP__TOKEN);
}

/* One "token SWS" step of sent-protocol; expects '/' after it unless last. */
static const char *sip__via_proto_part(const char *p, const char *e, sip_str *out,
                                       int slash)
{
    const char *q = sip__token_end(p, e);
    if (q == p) return NULL;
    *out = sip__span(p, q);
    q = sip__skip_ws(q, e);
    if (slash) {
        if (q >= e || *q != '/') return NULL;
        q = sip__skip_ws(q + 1, e);
    }
    return q;
}

static int sip__via_param(sip_via *v, sip_str n, sip_str val)
{
    uint32_t x;
    switch (n.len) {
    case 6:
        if (sip__name_caseeq(n.p, 6, "branch")) {
            if (!val.p || val.len == 0) return SIP_ERR_SYNTAX;
            if (sip__scan(val.p, val.p + val.len, SIP__TOKEN) != val.p + val.len)
                return SIP_ERR_SYNTAX;
            v->branch = val;
        }
        break;
    case 8:
        if (sip__name_caseeq(n.p, 8, "received")) {
            const char *b, *e2;
            if (!val.p) return SIP_ERR_SYNTAX;
            b = val.p;
            e2 = val.p + val.len;
            if (val.len >= 2 && *b == '[' && e2[-1] == ']') { b++; e2--; }
            /* RFC 5118 §4.5: IPv6 with or without brackets */
            if (!sip__ipv4_ok(b, e2) && !sip__ipv6_ok(b, e2)) return SIP_ERR_SYNTAX;
            v->received = sip__span(b, e2);
        }
        break;
    case 5:
        if (sip__name_caseeq(n.p, 5, "rport")) {
            v->has_rport = 1;
            if (val.p) {
                if (sip_str_to_u32(val, 65535, &x) != 0) return SIP_ERR_SYNTAX;
                v->rport = x;
            }
        } else if (sip__name_caseeq(n.p, 5, "maddr")) {
            if (!val.p || val.len == 0) return SIP_ERR_SYNTAX;
            v->maddr = val;
        }
        break;
    case 3:
        if (sip__name_caseeq(n.p, 3, "ttl")) {
            if (!val.p || sip_str_to_u32(val, 255, &x) != 0) return SIP_ERR_SYNTAX;
            v->ttl = (int)x;
        }
        break;
    default:
        break;
    }
    return 0;
}

SIPDEF int sip_via_parse(sip_str s, sip_via *v)
{
    const char *p, *e, *q;
    size_t pos = 0;
    sip_str n, val;
    int r;
    memset(v, 0, sizeof *v);
    v->ttl = -1;
    s = sip__trim(s);
    if (!s.p || s.len == 0) return SIP_ERR_SYNTAX;
    p = s.p;
    e = s.p + s.len;
    if (!(p = sip__via_proto_part(p, e, &v->protocol, 1)) ||
        !(p = sip__via_proto_part(p, e, &v->version, 1)))
        return SIP_ERR_SYNTAX;
    q = sip__token_end(p, e);
    if (q == p || q >= e || !(SIP__IS(*q, SIP__WS) || *q == '\r' || *q == '\n'))
        return SIP_ERR_SYNTAX;
    v->transport = sip__span(p, q);
    p = sip__skip_ws(q, e);
    p = sip__hostport(p, e, 1, &v->host, &v->host_type, &v->port, &v->has_port);
    if (!p) return SIP_ERR_SYNTAX;
    p = sip__skip_ws(p, e);
    if (p == e) return 0;
    if (*p != ';') return SIP_ERR_SYNTAX;
    v->params = sip__span(p, e);
    while ((r = sip_param_next(v->params, &pos, &n, &val)) == 1)
        if (sip__via_param(v, n, val) != 0) return SIP_ERR_SYNTAX;
    return r;
}

/* ---- CSeq (§20.16) ------------------------------------------------------ */

SIPDEF int sip_cseq_parse(sip_str s, sip_cseq *out)
{
    const char *p = s.p, *e = sip__end(s), *d, *m;
    int r;
    memset(out, 0, sizeof *out);
    if (!p) return SIP_ERR_SYNTAX;
    p = sip__skip_ws(p, e);
    d = p;
    while (p < e && *p >= '0' && *p <= '9') p++;
    if ((r = sip_str_to_u32(sip__span(d, p), 0xffffffffu, &out->num)) != 0) return r;
    m = sip__skip_ws(p, e);
    if (m == p) return SIP_ERR_SYNTAX;
    p = sip__token_end(m, e);
    if (p == m || sip__skip_ws(p, e) != e) return SIP_ERR_SYNTAX;
    out->method_str = sip__span(m, p);
    out->method = sip_method_from_str(out->method_str);
    return 0;
}

/* ---- message parsing (§7, §18.3, §20) -------------------------------- */

typedef struct sip__pctx {
    const char *buf, *p, *e;
    sip_msg *m;
    size_t cap;
    unsigned flags;
    size_t max_line, max_message;
    sip_parse_error *err;
} sip__pctx;

static int sip__fail(sip__pctx *c, int code, const char *at, const char *why)
{
    if (c->err) {
        c->err->code = code;
        c->err->offset = at ? (size_t)(at - c->buf) : 0;
        c->err->reason = why;
        c->err->status = 0;
    }
    return code;
}

/* A start line beginning "SIP/" (any case: §7.1, SIP-Version is
 * case-insensitive) is a Status-Line. */
static int sip__is_status_line(const char *p, const char *e)
{
    return e - p >= 4 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' &&
           p[3] == '/';
}

static const char *sip__version(const char *p, const char *e, int *bad_ver)
{
    /* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; only 2.0 is spoken */
    const char *d;
    *bad_ver = 0;
    if (e - p < 7 || (p[0] | 0x20) != 's' || (p[1] | 0x20) != 'i' ||
        (p[2] | 0x20) != 'p' || p[3] != '/')
        return NULL;
    p += 4;
    d = p;
    while (p < e && *p >= '0' && *p <= '9') p++;
    if (p == d || p >= e || *p != '.') return NULL;
    if (p - d != 1 || *d != '2') *bad_ver = 1;
    d = ++p;
    while (p < e && *p >= '0' && *p <= '9') p++;
    if (p == d) return NULL;
    if (p - d != 1 || *d != '0') *bad_ver = 1;
    return p;
}

static int sip__status_line(sip__pctx *c, const char *p, const char *e)
{
    sip_msg *m = c->m;
    int bad;
    const char *q = sip__version(p, e, &bad);
    if (!q) return sip__fail(c, SIP_ERR_SYNTAX, p, "Bad Status-Line");
    m->version = sip__span(p, q);
    if (bad) return sip__fail(c, SIP_ERR_VERSION, p, "Version Not Supported");
    /* SP 3DIGIT SP Reason-Phrase (RFC 4475 §3.1.2.19: > 3 digits drops) */
    if (e - q < 4 || q[0] != ' ' || !SIP__IS(q[1], SIP__DIGIT) ||
        !SIP__IS(q[2], SIP__DIGIT) || !SIP__IS(q[3], SIP__DIGIT) ||
        (e - q > 4 && q[4] != ' '))
        return sip__fail(c, SIP_ERR_SYNTAX, q, "Bad Status-Code");
    m->status = (uint32_t)((q[1] - '0') * 100 + (q[2] - '0') * 10 + (q[3] - '0'));
    /* six classes, 1xx..6xx (§7.2, §21; RFC 4475 §3.1.2.19) */
    if (m->status < 100 || m->status > 699)
        return sip__fail(c, SIP_ERR_SYNTAX, q + 1, "Bad Status-Code");
    /* an empty reason is legal; a missing SP before it is tolerated */
    m->reason = sip__span(e - q > 4 ? q + 5 : e, e);
    return 0;
}

static int sip__request_line(sip__pctx *c, const char *p, const char *e)
{
    sip_msg *m = c->m;
    const char *q = sip__token_end(p, e), *u;
    int bad;
    if (q == p || q >= e || *q != ' ')
        return sip__fail(c, SIP_ERR_SYNTAX, q, "Bad Request-Line");
    m->method_str = sip__span(p, q);
    m->method = sip_method_from_str(m->method_str);
    u = ++q;
    while (q < e && *q != ' ' && *q != '\t') q++;
    /* exactly one SP between elements (RFC 4475 §3.1.2.9, §3.1.2.8) */
    if (q == u || q >= e || *q != ' ' || u[0] == '<')
        return sip__fail(c, SIP_ERR_SYNTAX, u, "Bad Request-URI");
    m->ruri_str = sip__span(u, q);
    p = q + 1;
    q = sip__version(p, e, &bad);
    if (!q || q != e) return sip__fail(c, SIP_ERR_SYNTAX, q ? q : p, "Bad SIP-Version");
    m->version = sip__span(p, q);
    if (bad) return sip__fail(c, SIP_ERR_VERSION, p, "Version Not Supported");
    if (sip_uri_parse(m->ruri_str, &m->ruri) != 0)
        return sip__fail(c, SIP_ERR_SYNTAX, u, "Bad Request-URI");
    /* headers are not allowed in a Request-URI (§19.1.1, RFC 4475 3.1.2.11) */
    if (m->ruri.headers.p)
        return sip__fail(c, SIP_ERR_SYNTAX, m->ruri.headers.p, "Headers in Request-URI");
    return 0;
}

static SIP__INLINE int sip__add_hdr(sip__pctx *c, sip_hdr_id id, sip_str name, sip_str value,
                        sip_str field, uint16_t index)
{
    sip_hdr *h;
    if (c->m->n_hdrs >= c->cap)
        return sip__fail(c, SIP_ERR_TOO_MANY_HEADERS, field.p, "Too Many Headers");
    h = &c->m->hdrs[c->m->n_hdrs++];
    h->id = id;
    h->index = index;
    h->count = 1;
    h->name = name;
    h->value = value;
    h->field = field;
    return 0;
}

/* Typed checks of the hot headers as they arrive. */
static int sip__hot(sip__pctx *c, sip_hdr_id id, sip_str v, const char *at)
{
    sip_msg *m = c->m;
    uint32_t x;
    int dup_check = !(c->flags & SIP_PARSE_NO_SEMANTIC);
    switch (id) {
    case SIP_HDR_VIA:
        /* only the top Via is this element's to interpret (§18.2.1); the
         * others are copied, and typed by sip_msg_validate() on demand */
        if (m->n_via++ == 0) {
            if (sip_via_parse(v, &m->via) != 0)
                return sip__fail(c, SIP_ERR_SYNTAX, at, "Bad Via");
            m->present |= SIP_HOT_VIA;
        }
        return 0;
    case SIP_HDR_FROM:
    case SIP_HDR_TO: {
        unsigned bit = id == SIP_HDR_FROM ? SIP_HOT_FROM : SIP_HOT_TO;
        if ((m->present & bit) && dup_check)
            return sip__fail(c, SIP_ERR_DUPLICATE, at, id == SIP_HDR_FROM ? "Duplicate From" : "Duplicate To");
        if (sip_addr_parse(v, id == SIP_HDR_FROM ? &m->from : &m->to) != 0 ||
            (id == SIP_HDR_FROM ? m->from.star : m->to.star))
            return sip__fail(c, SIP_ERR_SYNTAX, at, id == SIP_HDR_FROM ? "Bad From" : "Bad To");
        m->present |= bit;
        return 0;
    }
    case SIP_HDR_CALL_ID: {
        /* callid = word [ "@" word ] */
        const char *q = v.p, *e = v.p + v.len;
        int ats = 0;
        if ((m->present & SIP_HOT_CALL_ID) && dup_check)
            return sip__fail(c, SIP_ERR_DUPLICATE, at, "Duplicate Call-ID");
        for (; q < e; q++) {
            q = sip__scan(q, e, SIP__WORD);
            if (q == e || *q != '@' || ats++) break;
        }
        if (v.len == 0 || q != e || v.p[0] == '@' || e[-1] == '@')
            return sip__fail(c, SIP_ERR_SYNTAX, at, "Bad Call-ID");
        m->call_id = v;
        m->present |= SIP_HOT_CALL_ID;
        return 0;
    }
    case SIP_HDR_CSEQ:
        if ((m->present & SIP_HOT_CSEQ) && dup_check)
            return sip__fail(c, SIP_ERR_DUPLICATE, at, "Duplicate CSeq");
        if (sip_cseq_parse(v, &m->cseq) != 0)
            return sip__fail(c, SIP_ERR_SYNTAX, at, "Bad CSeq");
        m->present |= SIP_HOT_CSEQ;
        return 0;
    case SIP_HDR_MAX_FORWARDS:
        if ((m->present & SIP_HOT_MAX_FORWARDS) && dup_check)
            return sip__fail(c, SIP_ERR_DUPLICATE, at, "Duplicate Max-Forwards");
        if (sip_str_to_u32(v, 255, &x) != 0)
            return sip__fail(c, SIP_ERR_SYNTAX, at, "Bad Max-Forwards");
        m->max_forwards = (int)x;
        m->present |= SIP_HOT_MAX_FORWARDS;
        return 0;
    case SIP_HDR_CONTENT_LENGTH:
        /* two values cannot frame the body (RFC 4475 §3.3.9) */
        if (m->present & SIP_HOT_CONTENT_LENGTH)
            return sip__fail(c, SIP_ERR_CONTENT_LENGTH, at, "Multiple Content-Length");
        if (sip_str_to_u32(v, 0x7fffffffu, &x) != 0)
            return sip__fail(c, SIP_ERR_CONTENT_LENGTH, at, "Bad Content-Length");
        m->content_length = x;
        m->present |= SIP_HOT_CONTENT_LENGTH;
        return 0;
    default:
        return 0;
    }
}

/* Split a list value at top-level commas (outside quotes and <>), adding
 * one entry per element (§7.3.1). */
static int sip__add_list(sip__pctx *c, sip_hdr_id id, sip_str name, sip_str v,
                         sip_str field)
{
    const char *p = v.p, *e = v.p + v.len, *b = p;
    size_t first = c->m->n_hdrs, k;
    uint16_t n = 0;
    int r;
    for (;;) {
        /* run to the next ',' '"' or '<'; a URI in <> cannot hold '>' or
         * '"' (§25.1), so memchr jumps over it */
        p = sip__find5(p, e, SIP__LSEP, ',', '"', '<', ',', ',');
        if (p < e && *p == '"') {
            const char *q = sip__skip_quoted(p, e);
            if (!q) return sip__fail(c, SIP_ERR_SYNTAX, p, "Unterminated quoted string");
            p = q;
            continue;
        }
        if (p < e && *p == '<') {
            const char *q = (const char *)memchr(p, '>', (size_t)(e - p));
            p = q ? q + 1 : e;
            continue;
        }
        {
            sip_str item = sip__trim(sip__span(b, p));
            if (item.len == 0) {
                /* empty elements carry nothing; in a typed header they are
                 * malformed (RFC 4475 §3.1.2.1) */
                if (id == SIP_HDR_VIA || id == SIP_HDR_CONTACT || id == SIP_HDR_ROUTE ||
                    id == SIP_HDR_RECORD_ROUTE)
                    return sip__fail(c, SIP_ERR_SYNTAX, b, "Empty list element");
            } else {
                if (n == UINT16_MAX)
                    return sip__fail(c, SIP_ERR_TOO_MANY_HEADERS, item.p, "Too Many Values");
                if ((r = sip__add_hdr(c, id, name, item, field, n)) != 0) return r;
                if ((r = sip__hot(c, id, item, item.p)) != 0) return r;
                n++;
            }
        }
        if (p >= e) break;
        b = ++p;
    }
    if (n == 0) {
        /* keep an all-empty field visible as one empty value */
        if ((r = sip__add_hdr(c, id, name, sip__span(v.p, v.p), field, 0)) != 0) return r;
        n = 1;
    }
    if (n > 1)
        for (k = first; k < c->m->n_hdrs; k++) c->m->hdrs[k].count = n;
    return 0;
}

/* One header field at c->p. Returns 0, 1 at the blank line, or an error. */
static int sip__header(sip__pctx *c)
{
    const char *p = c->p, *e = c->e, *nb = p, *ne, *vb, *nl, *end, *ve;
    sip_hdr_id id;
    int r;
    /* The name ends at ':' (SWS allowed before it). A name that matches a
     * known header is a token by construction; only unknown ones need the
     * byte-by-byte token check. */
    p = (const char *)memchr(nb, ':', (size_t)(e - nb));
    if (!p) {
        const char *q = nb;
        while (q < e && SIP__IS(*q, SIP__TOKEN | SIP__WS)) q++;
        if (q < e) return sip__fail(c, SIP_ERR_SYNTAX, q, "Bad header name");
        return sip__fail(c, (c->flags & SIP_PARSE_DATAGRAM) ? SIP_ERR_SYNTAX : SIP_ERR_PARTIAL,
                         nb, "Incomplete header");
    }
    ne = p;
    while (ne > nb && SIP__IS(ne[-1], SIP__WS)) ne--;
    id = sip__hdr_id(sip__span(nb, ne));
    if (id == SIP_HDR_OTHER) {
        const char *q = nb;
        while (q < ne && SIP__IS(*q, SIP__TOKEN)) q++;
        if (q != ne || ne == nb) return sip__fail(c, SIP_ERR_SYNTAX, q, "Bad header name");
    }
    vb = p + 1;
    /* find the end of the field: a line end not followed by SP/HTAB */
    nl = vb;
    for (;;) {
        nl = (const char *)memchr(nl, '\n', (size_t)(e - nl));
        if (!nl) {
            if (!(c->flags & SIP_PARSE_DATAGRAM)) {
                /* a stream that never ends its line is cut off, not waited on */
                if ((size_t)(e - nb) > c->max_line)
                    return sip__fail(c, SIP_ERR_LINE_TOO_LONG, nb, "Header Too Long");
                return sip__fail(c, SIP_ERR_PARTIAL, nb, "Incomplete header");
            }
            nl = e; /* a datagram ends the field */
            end = e;
            break;
        }
        end = nl + 1;
        if (end < e && (*end == ' ' || *end == '\t')) { nl = end; continue; }
        if (end >= e && !(c->flags & SIP_PARSE_DATAGRAM))
            return sip__fail(c, SIP_ERR_PARTIAL, nb, "Incomplete header");
        break;
    }
    if ((size_t)(end - nb) > c->max_line)
        return sip__fail(c, SIP_ERR_LINE_TOO_LONG, nb, "Header Too Long");
    ve = nl;
    if (ve > vb && ve < e && ve[-1] == '\r') ve--;
    {
        sip_str name = sip__span(nb, ne), value = sip__trim(sip__span(vb, ve));
        sip_str field = sip__span(nb, end);
        if (!value.p) value = sip__span(vb, vb);
        if (sip__hdr_list[id]) {
            r = sip__add_list(c, id, name, value, field);
        } else {
            r = sip__add_hdr(c, id, name, value, field, 0);
            if (r == 0) r = sip__hot(c, id, value, vb);
        }
        if (r != 0) return r;
    }
    c->p = end;
    return 0;
}

/* Mandatory headers, duplicates, CSeq method (§8.1.1, §8.2.2, §20.16). */
static int sip__semantic(sip__pctx *c)
{
    sip_msg *m = c->m;
    uint32_t need = SIP_HOT_VIA | SIP_HOT_FROM | SIP_HOT_TO | SIP_HOT_CALL_ID | SIP_HOT_CSEQ;
    if ((m->present & need) != need) {
        const char *why = !(m->present & SIP_HOT_VIA) ? "Missing Via"
                          : !(m->present & SIP_HOT_FROM) ? "Missing From"
                          : !(m->present & SIP_HOT_TO) ? "Missing To"
                          : !(m->present & SIP_HOT_CALL_ID) ? "Missing Call-ID"
                                                            : "Missing CSeq";
        return sip__fail(c, SIP_ERR_MISSING, c->buf, why);
    }
    if (m->is_request && !sip_str_eq(m->cseq.method_str, m->method_str)) {
        int r = sip__fail(c, SIP_ERR_MISMATCH, m->cseq.method_str.p, "CSeq Method Mismatch");
        return r;
    }
    return 0;
}

static int sip__body(sip__pctx *c, const char *hdr_end)
{
    sip_msg *m = c->m;
    size_t rest = (size_t)(c->e - hdr_end);
    if (m->content_length < 0) {
        if (!(c->flags & SIP_PARSE_DATAGRAM))
            return sip__fail(c, SIP_ERR_CONTENT_LENGTH, hdr_end, "Missing Content-Length");
        m->body = sip__span(hdr_end, c->e); /* §18.3: rest of the datagram */
    } else if ((uint64_t)m->content_length > rest) {
        if (!(c->flags & SIP_PARSE_DATAGRAM)) {
            /* do not wait for a body that could never fit */
            if ((size_t)(hdr_end - m->start_line.p) + (uint64_t)m->content_length > c->max_message)
                return sip__fail(c, SIP_ERR_TOO_BIG, hdr_end, "Message Too Large");
            return sip__fail(c, SIP_ERR_PARTIAL, c->e, "Incomplete body");
        }
        return sip__fail(c, SIP_ERR_CONTENT_LENGTH, hdr_end, "Content-Length Too Large");
    } else {
        m->body = sip__span(hdr_end, hdr_end + m->content_length);
    }
    m->msg_len = (size_t)(m->body.p + m->body.len - c->buf);
    return 0;
}

static int sip__parse_msg(sip__pctx *c)
{
    sip_msg *m = c->m;
    const char *p = c->p, *e = c->e, *nl, *le;
    int r;
    /* §7.5: stream receivers ignore CRLFs before the start line */
    if (!(c->flags & SIP_PARSE_DATAGRAM))
        while (p < e && (*p == '\r' || *p == '\n')) p++;
    nl = (const char *)memchr(p, '\n', (size_t)(e - p));
    if (!nl) {
        if (c->flags & SIP_PARSE_DATAGRAM) return sip__fail(c, SIP_ERR_SYNTAX, e, "Bad Start-Line");
        return sip__fail(c, SIP_ERR_PARTIAL, p, "Incomplete Start-Line");
    }
    le = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
    m->start_line = sip__span(p, le);
    m->is_request = !sip__is_status_line(p, e);
    r = m->is_request ? sip__request_line(c, p, le) : sip__status_line(c, p, le);
    if (r != 0) return r;
    c->p = nl + 1;
    for (;;) {
        if (c->p >= e) {
            if (!(c->flags & SIP_PARSE_DATAGRAM))
                return sip__fail(c, SIP_ERR_PARTIAL, c->p, "Incomplete headers");
            break; /* a datagram without the blank line: no body */
        }
        if (*c->p == '\n' || (*c->p == '\r' && c->p + 1 < e && c->p[1] == '\n')) {
            c->p += *c->p == '\r' ? 2 : 1;
            break;
        }
        if (*c->p == '\r' && c->p + 1 >= e && !(c->flags & SIP_PARSE_DATAGRAM))
            return sip__fail(c, SIP_ERR_PARTIAL, c->p, "Incomplete headers");
        if ((r = sip__header(c)) != 0) return r;
        if ((size_t)(c->p - m->start_line.p) > c->max_message)
            return sip__fail(c, SIP_ERR_TOO_BIG, c->p, "Message Too Large");
    }
    if (!(c->flags & SIP_PARSE_NO_SEMANTIC) && (r = sip__semantic(c)) != 0) return r;
    if ((r = sip__body(c, c->p)) != 0) return r;
    /* keep-alive CRLFs before the start line do not count (as in
     * sip_frame_stream) */
    if (m->msg_len - (size_t)(m->start_line.p - c->buf) > c->max_message)
        return sip__fail(c, SIP_ERR_TOO_BIG, m->start_line.p + c->max_message, "Message Too Large");
    return 0;
}

/* The status a server answers a bad request with (0 = drop). */
static int sip__error_status(const sip_msg *m, int code)
{
    if (!m->is_request || code == SIP_ERR_PARTIAL) return 0;
    switch (code) {
    case SIP_ERR_VERSION: return 505;
    case SIP_ERR_TOO_BIG: return 513;
    case SIP_ERR_MISMATCH:
        /* RFC 4475 §3.1.2.18: an unknown method is better met with 501 */
        return m->method == SIP_METHOD_OTHER ? 501 : 400;
    default: return 400;
    }
}

SIPDEF int sip_parse(const char *buf, size_t len, const sip_parse_config *cfg,
                     sip_msg *msg, sip_hdr *hdrs, size_t cap,
                     sip_parse_error *err)
{
    sip__pctx c;
    size_t max_message = (cfg && cfg->max_message) ? cfg->max_message : SIP_MAX_MESSAGE;
    int r;
    if (max_message > 0x7fffffff) max_message = 0x7fffffff; /* lengths return as int */
    memset(msg, 0, sizeof *msg);
    msg->hdrs = hdrs;
    msg->max_forwards = -1;
    msg->content_length = -1;
    if (err) memset(err, 0, sizeof *err);
    if (!buf) {
        if (err) { err->code = SIP_ERR_INVALID; err->reason = "No input"; }
        return SIP_ERR_INVALID;
    }
    c.buf = buf;
    c.p = buf;
    c.e = buf + len;
    c.m = msg;
    c.cap = hdrs ? cap : 0;
    c.flags = cfg ? cfg->flags : 0;
    c.max_line = (cfg && cfg->max_header_line) ? cfg->max_header_line : SIP_MAX_HEADER_LINE;
    c.max_message = max_message;
    c.err = err;
    /* known before the start line is checked, so early errors get a status */
    msg->is_request = !sip__is_status_line(buf, buf + len);
    if ((c.flags & SIP_PARSE_DATAGRAM) && len > max_message)
        r = sip__fail(&c, SIP_ERR_TOO_BIG, buf + max_message, "Message Too Large");
    else
        r = sip__parse_msg(&c);
    if (r != 0) {
        if (err) err->status = sip__error_status(msg, r);
        return r;
    }
    return (int)msg->msg_len;
}

/* ---- deep validation ----------------------------------------------------- */

SIPDEF int sip_msg_validate(const sip_msg *m, sip_parse_error *err)
{
    size_t i;
    const char *base = m->start_line.p;
    if (err) memset(err, 0, sizeof *err);
    for (i = 0; i < m->n_hdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        const char *why = NULL;
        union { sip_via v; sip_addr a; } t;
        switch (h->id) {
        case SIP_HDR_VIA:
            if (sip_via_parse(h->value, &t.v) != 0) why = "Bad Via";
            break;
        case SIP_HDR_CONTACT:
            if (sip_addr_parse(h->value, &t.a) != 0) why = "Bad Contact";
            break;
        case SIP_HDR_ROUTE:
        case SIP_HDR_RECORD_ROUTE:
        case SIP_HDR_PATH:
        case SIP_HDR_SERVICE_ROUTE:
            /* name-addr only, and not the Contact wildcard (§20.30, §20.34) */
            if (sip_addr_parse(h->value, &t.a) != 0 || t.a.star) why = "Bad Route";
            break;
        default:
            break;
        }
        if (why) {
            if (err) {
                err->code = SIP_ERR_SYNTAX;
                err->offset = (size_t)(h->value.p - base);
                err->reason = why;
                err->status = m->is_request ? 400 : 0;
            }
            return SIP_ERR_SYNTAX;
        }
    }
    return 0;
}

/* ---- stream framing ------------------------------------------------------ */

/* Content-Length value of a header section [p,e), -1 absent, -2 bad. */
static int64_t sip__frame_cl(const char *p, const char *e)
{
    int64_t cl = -1;
    while (p < e) {
        const char *nl = (const char *)memchr(p, '\n', (size_t)(e - p)), *le = nl ? nl : e, *n = p;
        while (n < le && SIP__IS(*n, SIP__TOKEN)) n++;
        /* a field runs on over lines that start with SP/HTAB (folding) */
        while (nl && nl + 1 < e && (nl[1] == ' ' || nl[1] == '\t')) {
            nl = (const char *)memchr(nl + 1, '\n', (size_t)(e - nl - 1));
            le = nl ? nl : e;
        }
        if (sip__hdr_id(sip__span(p, n)) == SIP_HDR_CONTENT_LENGTH) {
            const char *v = sip__skip_ws(n, le);
            uint32_t x;
            /* same rules as sip_parse: one value, digits, < 2^31 */
            if (v >= le || *v != ':' || cl >= 0 ||
                sip_uint_parse(sip__span(v + 1, le), 0x7fffffffu, &x) != 0)
                return -2;
            cl = x;
        }
        p = nl ? nl + 1 : e;
    }
    return cl;
}

SIPDEF int sip_frame_stream(const char *buf, size_t len, size_t max_message,
                            sip_stream_state *st)
{
    size_t i, start = 0;
    int64_t cl;
    if (!max_message) max_message = SIP_MAX_MESSAGE;
    if (max_message > 0x7fffffff) max_message = 0x7fffffff; /* lengths return as int */
    if (st->total) return len >= st->total ? (int)st->total : SIP_ERR_PARTIAL;
    while (start < len && (buf[start] == '\r' || buf[start] == '\n')) start++;
    if (st->header_end == 0) {
        /* resume 3 bytes back so a CRLFCRLF split across reads is found */
        i = st->scanned > start + 3 ? st->scanned - 3 : start;
        for (; i < len; i++) {
            if (buf[i] != '\n') continue;
            if (i + 1 < len && buf[i + 1] == '\n') { st->header_end = i + 2; break; }
            if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
                st->header_end = i + 3;
                break;
            }
        }
        if (st->header_end == 0) {
            st->scanned = len;
            return len - start > max_message ? SIP_ERR_TOO_BIG : SIP_ERR_PARTIAL;
        }
    }
    /* the same answer however the bytes arrived (fuzz finding parse-2) */
    if (st->header_end - start > max_message) return SIP_ERR_TOO_BIG;
    cl = sip__frame_cl(buf + start, buf + st->header_end);
    if (cl < 0) return SIP_ERR_CONTENT_LENGTH; /* required on streams, §18.3 */
    if (st->header_end + (size_t)cl - start > max_message) return SIP_ERR_TOO_BIG;
    st->total = st->header_end + (size_t)cl;
    return len >= st->total ? (int)st->total : SIP_ERR_PARTIAL;
}

/* ---- header lookup ------------------------------------------------------- */

SIPDEF const sip_hdr *sip_msg_find(const sip_msg *m, sip_hdr_id id, size_t *pos)
{
    size_t i;
    for (i = pos ? *pos : 0; i < m->n_hdrs; i++) {
        if (m->hdrs[i].id == id) {
            if (pos) *pos = i + 1;
            return &m->hdrs[i];
        }
    }
    if (pos) *pos = m->n_hdrs;
    return NULL;
}

SIPDEF const sip_hdr *sip_msg_find_name(const sip_msg *m, sip_str name, size_t *pos)
{
    sip_hdr_id id = sip_hdr_id_from_name(name);
    size_t i;
    if (id != SIP_HDR_OTHER) return sip_msg_find(m, id, pos);
    for (i = pos ? *pos : 0; i < m->n_hdrs; i++) {
        if (m->hdrs[i].id == SIP_HDR_OTHER && sip_str_caseeq(m->hdrs[i].name, name)) {
            if (pos) *pos = i + 1;
            return &m->hdrs[i];
        }
    }
    if (pos) *pos = m->n_hdrs;
    return NULL;
}

SIPDEF size_t sip_msg_count(const sip_msg *m, sip_hdr_id id)
{
    size_t i, n = 0;
    for (i = 0; i < m->n_hdrs; i++) n += m->hdrs[i].id == id;
    return n;
}

/* ---- element checks (§8.2, §16.3) ---------------------------------------- */

static int sip__in_list(sip_str s, const char *const *list)
{
    for (; *list; list++)
        if (sip_str_caseeq_c(s, *list)) return 1;
    return 0;
}

static int sip__check_set(sip_check_result *res, int status, const char *reason)
{
    res->status = status;
    res->reason = reason;
    return status;
}

/* 420 for the first option tag of hdr id not in the policy (§8.2.2.3). */
static int sip__check_require(const sip_msg *m, sip_hdr_id id,
                              const sip_check_policy *pol, sip_check_result *res)
{
    size_t pos = 0;
    const sip_hdr *h;
    if (!pol->supported) return 0;
    while ((h = sip_msg_find(m, id, &pos)) != NULL) {
        if (!sip__in_list(h->value, pol->supported)) {
            res->unsupported = h->value;
            return sip__check_set(res, 420, "Bad Extension");
        }
    }
    return 0;
}

static int sip__check_scheme(const sip_msg *m, const sip_check_policy *pol)
{
    static const char *const dflt[] = {"sip", "sips", "tel", NULL};
    return sip__in_list(m->ruri.scheme_str, pol->schemes ? pol->schemes : dflt);
}

static int sip__check_body(const sip_msg *m, const sip_check_policy *pol,
                           sip_check_result *res)
{
    const sip_hdr *ct = sip_msg_find(m, SIP_HDR_CONTENT_TYPE, NULL);
    sip_media_type mt;
    char buf[128];
    if (m->body.len == 0 || !pol->content_types || !ct) return 0;
    if (sip_media_type_parse(ct->value, &mt) != 0 ||
        mt.type.len + mt.subtype.len + 1 >= sizeof buf)
        return sip__check_set(res, 415, "Unsupported Media Type");
    memcpy(buf, mt.type.p, mt.type.len);
    buf[mt.type.len] = '/';
    memcpy(buf + mt.type.len + 1, mt.subtype.p, mt.subtype.len);
    if (!sip__in_list(sip__span(buf, buf + mt.type.len + 1 + mt.subtype.len), pol->content_types))
        return sip__check_set(res, 415, "Unsupported Media Type");
    return 0;
}

/* A UAS uses Contact (remote target §12.1.1, bindings §10.3): every value
 * must parse (RFC 4475 §3.1.2.13). */
static int sip__check_contacts(const sip_msg *m)
{
    size_t pos = 0;
    const sip_hdr *h;
    sip_addr a;
    while ((h = sip_msg_find(m, SIP_HDR_CONTACT, &pos)) != NULL)
        if (sip_addr_parse(h->value, &a) != 0) return SIP_ERR_SYNTAX;
    return 0;
}

/* 406 when an INVITE's Accept list admits none of the body types we
 * answer with (§8.2.3 gives 415 for the request body; §21.4.7 406 for a
 * response body the client would not accept; RFC 4475 §3.3.15). */
static int sip__check_accept(const sip_msg *m, const sip_check_policy *pol,
                             sip_check_result *res)
{
    size_t pos = 0;
    const sip_hdr *h;
    int any = 0;
    if (m->method != SIP_METHOD_INVITE || !pol->content_types) return 0;
    while ((h = sip_msg_find(m, SIP_HDR_ACCEPT, &pos)) != NULL) {
        sip_media_type mt;
        const char *const *t;
        any = 1;
        if (sip_media_type_parse(h->value, &mt) != 0) continue;
        for (t = pol->content_types; *t; t++) {
            const char *slash = strchr(*t, '/');
            if (!slash) continue;
            if (sip_str_caseeq_c(mt.type, "*") ||
                (sip_str_caseeq(mt.type, sip__span(*t, slash)) &&
                 (sip_str_caseeq_c(mt.subtype, "*") || sip_str_caseeq_c(mt.subtype, slash + 1))))
                return 0;
        }
    }
    return any ? sip__check_set(res, 406, "Not Acceptable") : 0;
}

SIPDEF int sip_request_check(const sip_msg *m, const sip_check_policy *pol,
                             sip_check_result *res)
{
    sip_check_result local;
    sip_check_policy none;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    if (!pol) { memset(&none, 0, sizeof none); pol = &none; }
    /* nothing answers an ACK (§17.1.1.3, §17.2.1) */
    if (!m->is_request || m->method == SIP_METHOD_ACK) return 0;
    if (!sip__check_scheme(m, pol)) return sip__check_set(res, 416, "Unsupported URI Scheme");
    if (pol->is_proxy) {
        /* §16.3 item 3, RFC 4475 §3.3.11 */
        if (m->max_forwards == 0) return sip__check_set(res, 483, "Too Many Hops");
        return sip__check_require(m, SIP_HDR_PROXY_REQUIRE, pol, res);
    }
    if (m->method == SIP_METHOD_OTHER && !pol->allow_other_methods)
        return sip__check_set(res, 501, "Not Implemented");
    if (m->method != SIP_METHOD_OTHER && pol->allowed_methods &&
        !(pol->allowed_methods & (1u << m->method)))
        return sip__check_set(res, 405, "Method Not Allowed");
    if (m->method == SIP_METHOD_REGISTER &&
        m->to.uri.scheme != SIP_URI_SIP && m->to.uri.scheme != SIP_URI_SIPS)
        return sip__check_set(res, 400, "Bad AOR"); /* §10.3 item 3 */
    if (sip__check_contacts(m) != 0) return sip__check_set(res, 400, "Bad Contact");
    if (m->method != SIP_METHOD_CANCEL && sip__check_require(m, SIP_HDR_REQUIRE, pol, res) != 0)
        return res->status;
    if (sip__check_body(m, pol, res) != 0) return res->status;
    return sip__check_accept(m, pol, res);
}

/* ---- building ------------------------------------------------------------ */

/* Output cursor that counts past the end so callers learn the size needed. */
typedef struct sip__w {
    char *out;
    size_t cap, n;
} sip__w;

static void sip__put(sip__w *w, const char *p, size_t len)
{
    if (w->out && w->n + len <= w->cap && len) memcpy(w->out + w->n, p, len);
    w->n += len;
}

static void sip__puts(sip__w *w, const char *s) { sip__put(w, s, strlen(s)); }
static void sip__puts_str(sip__w *w, sip_str s) { sip__put(w, s.p, s.len); }

static void sip__putu(sip__w *w, uint64_t v)
{
    char b[24];
    int i = (int)sizeof b;
    do { b[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    sip__put(w, b + i, sizeof b - (size_t)i);
}

static void sip__put_field(sip__w *w, sip_str name, sip_str value)
{
    sip__puts_str(w, name);
    sip__put(w, ": ", 2);
    sip__puts_str(w, value);
    sip__put(w, "\r\n", 2);
}

static int sip__w_done(const sip__w *w, size_t *needed)
{
    if (needed) *needed = w->n;
    if (!w->out || w->n > w->cap) return SIP_ERR_NOSPACE;
    if (w->n > 0x7fffffff) return SIP_ERR_NOSPACE;
    return (int)w->n;
}

static int sip__is_token(sip_str s)
{
    size_t i;
    if (s.len == 0) return 0;
    for (i = 0; i < s.len; i++)
        if (!SIP__IS(s.p[i], SIP__TOKEN)) return 0;
    return 1;
}

/* A header value may not contain a bare line end (it would inject fields). */
static int sip__value_ok(sip_str v)
{
    size_t i;
    for (i = 0; i < v.len; i++)
        if (v.p[i] == '\r' || v.p[i] == '\n') {
            /* folding (CRLF followed by SP/HTAB) stays legal */
            if (v.p[i] == '\r' && i + 2 < v.len && v.p[i + 1] == '\n' &&
                (v.p[i + 2] == ' ' || v.p[i + 2] == '\t')) { i += 2; continue; }
            return 0;
        }
    return 1;
}

static int sip__fields_ok(const sip_hdr_field *h, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!sip__is_token(h[i].name) || !sip__value_ok(h[i].value)) return 0;
    return 1;
}

static void sip__put_body(sip__w *w, sip_str body)
{
    sip__puts(w, "Content-Length: ");
    sip__putu(w, body.len);
    sip__put(w, "\r\n\r\n", 4);
    sip__puts_str(w, body);
}

SIPDEF int sip_build_request(char *out, size_t cap, sip_str method,
                             sip_str ruri, const sip_hdr_field *hdrs,
                             size_t n_hdrs, sip_str body, size_t *needed)
{
    sip__w w;
    size_t i;
    sip_uri u;
    /* no headers in a Request-URI (§19.1.1): the parser would reject it */
    if (!sip__is_token(method) || sip_uri_parse(ruri, &u) != 0 || u.headers.p ||
        !sip__fields_ok(hdrs, n_hdrs))
        return SIP_ERR_INVALID;
    w.out = out; w.cap = cap; w.n = 0;
    sip__puts_str(&w, method);
    sip__put(&w, " ", 1);
    sip__puts_str(&w, ruri);
    sip__puts(&w, " SIP/2.0\r\n");
    for (i = 0; i < n_hdrs; i++) {
        if (sip_hdr_id_from_name(hdrs[i].name) == SIP_HDR_CONTENT_LENGTH) continue;
        sip__put_field(&w, hdrs[i].name, hdrs[i].value);
    }
    sip__put_body(&w, body);
    return sip__w_done(&w, needed);
}

SIPDEF const char *sip_reason_phrase(int status)
{
    switch (status) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 181: return "Call Is Being Forwarded";
    case 182: return "Queued";
    case 183: return "Session Progress";
    case 199: return "Early Dialog Terminated";
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Notification";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Moved Temporarily";
    case 305: return "Use Proxy";
    case 380: return "Alternative Service";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 412: return "Conditional Request Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 417: return "Unknown Resource-Priority";
    case 420: return "Bad Extension";
    case 421: return "Extension Required";
    case 422: return "Session Interval Too Small";
    case 423: return "Interval Too Brief";
    case 428: return "Use Identity Header";
    case 429: return "Provide Referrer Identity";
    case 430: return "Flow Failed";
    case 433: return "Anonymity Disallowed";
    case 439: return "First Hop Lacks Outbound Support";
    case 440: return "Max-Breadth Exceeded";
    case 469: return "Bad Info Package";
    case 470: return "Consent Needed";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 483: return "Too Many Hops";
    case 484: return "Address Incomplete";
    case 485: return "Ambiguous";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 489: return "Bad Event";
    case 491: return "Request Pending";
    case 493: return "Undecipherable";
    case 494: return "Security Agreement Required";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    case 580: return "Precondition Failure";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    case 607: return "Unwanted";
    default: return "";
    }
}

/* Copy every value of a header id from a parsed message, one field each. */
static void sip__copy_hdrs(sip__w *w, const sip_msg *m, sip_hdr_id id)
{
    size_t i;
    for (i = 0; i < m->n_hdrs; i++)
        if (m->hdrs[i].id == id)
            sip__put_field(w, sip_str_c(sip_hdr_name(id)), m->hdrs[i].value);
}

SIPDEF int sip_build_response(char *out, size_t cap, const sip_msg *req,
                              int status, const char *reason, sip_str to_tag,
                              const sip_hdr_field *extra, size_t n_extra,
                              sip_str body, size_t *needed)
{
    sip__w w;
    const sip_hdr *to;
    size_t i;
    if (!req || !req->is_request || status < 100 || status > 699 ||
        !sip__fields_ok(extra, n_extra) || (to_tag.len && !sip__is_token(to_tag)))
        return SIP_ERR_INVALID;
    if (!reason) reason = sip_reason_phrase(status);
    for (i = 0; reason[i]; i++)
        if (reason[i] == '\r' || reason[i] == '\n') return SIP_ERR_INVALID;
    w.out = out; w.cap = cap; w.n = 0;
    sip__puts(&w, "SIP/2.0 ");
    sip__putu(&w, (uint64_t)status);
    sip__put(&w, " ", 1);
    sip__puts(&w, reason);
    sip__put(&w, "\r\n", 2);
    sip__copy_hdrs(&w, req, SIP_HDR_VIA);
    sip__copy_hdrs(&w, req, SIP_HDR_FROM);
    to = sip_msg_find(req, SIP_HDR_TO, NULL);
    if (to) {
        sip__puts(&w, "To: ");
        sip__puts_str(&w, to->value);
        /* §8.2.6.2: add a tag unless the request had one; 100 has none */
        if (!req->to.tag.p && to_tag.len && status != 100) {
            sip__puts(&w, ";tag=");
            sip__puts_str(&w, to_tag);
        }
        sip__put(&w, "\r\n", 2);
    }
    sip__copy_hdrs(&w, req, SIP_HDR_CALL_ID);
    sip__copy_hdrs(&w, req, SIP_HDR_CSEQ);
    if (status == 100) sip__copy_hdrs(&w, req, SIP_HDR_TIMESTAMP); /* §8.2.6.1 */
    for (i = 0; i < n_extra; i++) {
        if (sip_hdr_id_from_name(extra[i].name) == SIP_HDR_CONTENT_LENGTH) continue;
        sip__put_field(&w, extra[i].name, extra[i].value);
    }
    sip__put_body(&w, body);
    return sip__w_done(&w, needed);
}

SIPDEF int sip_msg_print(char *out, size_t cap, const sip_msg *m, size_t *needed)
{
    sip__w w;
    size_t i;
    w.out = out; w.cap = cap; w.n = 0;
    sip__puts_str(&w, m->start_line);
    sip__put(&w, "\r\n", 2);
    for (i = 0; i < m->n_hdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        if (h->index == 0) {
            sip__puts_str(&w, h->name);
            sip__put(&w, ": ", 2);
        } else {
            sip__put(&w, ", ", 2);
        }
        sip__puts_str(&w, h->value);
        if (h->index + 1 >= h->count) sip__put(&w, "\r\n", 2);
    }
    sip__put(&w, "\r\n", 2);
    sip__puts_str(&w, m->body);
    return sip__w_done(&w, needed);
}

/* ---- proxy edits (§16.6, §16.4, §16.7) ------------------------------------ */

/* Copy [from, to) of the original. */
static void sip__copy_range(sip__w *w, const char *from, const char *to)
{
    if (to > from) sip__put(w, from, (size_t)(to - from));
}

/* Write the list field whose first value is hdrs[first] without that
 * first value, or nothing when it is the only one. */
static void sip__field_without(sip__w *w, const sip_msg *m, size_t first)
{
    const sip_hdr *h = &m->hdrs[first];
    size_t i;
    if (h->count <= 1) return;
    sip__puts_str(w, h->name);
    sip__put(w, ": ", 2);
    for (i = 1; i < h->count; i++) {
        if (i > 1) sip__put(w, ", ", 2);
        sip__puts_str(w, m->hdrs[first + i].value);
    }
    sip__put(w, "\r\n", 2);
}

SIPDEF int sip_proxy_edit_apply(char *out, size_t cap, const sip_msg *m,
                                const sip_proxy_edit *ed, size_t *needed)
{
    sip__w w;
    const char *src, *hdr_start, *end;
    size_t i;
    int route_done = 0, via_done = 0, mf_seen = 0;
    if (m->is_request ? ed->remove_top_via
                      : (ed->new_ruri.p || ed->add_via.p || ed->remove_top_route ||
                         ed->decrement_max_forwards || ed->add_record_route.p))
        return SIP_ERR_INVALID;
    if (!sip__fields_ok(ed->extra, ed->n_extra) ||
        (ed->add_via.p && !sip__value_ok(ed->add_via)) ||
        (ed->add_record_route.p && !sip__value_ok(ed->add_record_route)))
        return SIP_ERR_INVALID;
    if (ed->decrement_max_forwards && m->max_forwards == 0) return SIP_ERR_RANGE;
    if ((ed->remove_top_via && !m->n_via) ||
        (ed->remove_top_route && !sip_msg_find(m, SIP_HDR_ROUTE, NULL)))
        return SIP_ERR_NOT_FOUND;
    w.out = out; w.cap = cap; w.n = 0;
    src = m->start_line.p;
    if (ed->new_ruri.p) {
        sip_uri u;
        if (sip_uri_parse(ed->new_ruri, &u) != 0) return SIP_ERR_INVALID;
        sip__copy_range(&w, src, m->ruri_str.p);
        sip__puts_str(&w, ed->new_ruri);
        src = m->ruri_str.p + m->ruri_str.len;
    }
    /* where header fields start: after the start line's line end */
    hdr_start = m->start_line.p + m->start_line.len;
    if (hdr_start < m->body.p && *hdr_start == '\r') hdr_start++;
    if (hdr_start < m->body.p && *hdr_start == '\n') hdr_start++;
    if (m->n_hdrs) hdr_start = m->hdrs[0].field.p;
    sip__copy_range(&w, src, hdr_start);
    src = hdr_start;
    /* §16.6 item 8: our Via goes first; item 4: Record-Route on top */
    if (ed->add_via.p) sip__put_field(&w, sip_str_c("Via"), ed->add_via);
    if (ed->add_record_route.p) sip__put_field(&w, sip_str_c("Record-Route"), ed->add_record_route);
    for (i = 0; i < m->n_hdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        if (h->index != 0) continue;
        if ((h->id == SIP_HDR_VIA && ed->remove_top_via && !via_done) ||
            (h->id == SIP_HDR_ROUTE && ed->remove_top_route && !route_done)) {
            sip__copy_range(&w, src, h->field.p);
            sip__field_without(&w, m, i);
            src = h->field.p + h->field.len;
            if (h->id == SIP_HDR_VIA) via_done = 1; else route_done = 1;
        } else if (h->id == SIP_HDR_MAX_FORWARDS && ed->decrement_max_forwards) {
            sip__copy_range(&w, src, h->field.p);
            sip__puts_str(&w, h->name);
            sip__put(&w, ": ", 2);
            sip__putu(&w, (uint64_t)(m->max_forwards - 1));
            sip__put(&w, "\r\n", 2);
            src = h->field.p + h->field.len;
            mf_seen = 1;
        }
    }
    /* end of the header section: just before the blank line */
    end = m->n_hdrs ? m->hdrs[m->n_hdrs - 1].field.p + m->hdrs[m->n_hdrs - 1].field.len
                    : hdr_start;
    sip__copy_range(&w, src, end);
    /* a datagram may end its last field without a line end, or lack the
     * blank line: the copy gets both, so what we append stays a field */
    if (end > hdr_start && end[-1] != '\n') sip__put(&w, "\r\n", 2);
    if (ed->decrement_max_forwards && !mf_seen) sip__puts(&w, "Max-Forwards: 70\r\n");
    for (i = 0; i < ed->n_extra; i++) sip__put_field(&w, ed->extra[i].name, ed->extra[i].value);
    if (m->body.p > end) sip__copy_range(&w, end, m->body.p);
    else sip__put(&w, "\r\n", 2);
    sip__puts_str(&w, m->body);
    return sip__w_done(&w, needed);
}

/* ---- generators ------------------------------------------------------------ */

static const char sip__b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.";

/* n characters of 6 random bits each; rand bytes come in 3-byte groups. */
static int sip__rand_chars(char *out, size_t n, sip_rand_fn rnd, void *user)
{
    uint8_t b[48];
    size_t i, nb = (n * 6 + 7) / 8;
    if (nb > sizeof b || !rnd) return SIP_ERR_INVALID;
    if (rnd(user, b, nb) != 0) return SIP_ERR_CALLBACK;
    for (i = 0; i < n; i++) {
        size_t bit = i * 6;
        unsigned v = (unsigned)b[bit / 8] << 8 | (bit / 8 + 1 < nb ? b[bit / 8 + 1] : 0);
        out[i] = sip__b64url[(v >> (10 - bit % 8)) & 63];
    }
    return 0;
}

static int sip__gen(char *out, size_t cap, const char *prefix, size_t n,
                    sip_str suffix, sip_rand_fn rnd, void *user)
{
    size_t pl = strlen(prefix), total = pl + n + (suffix.len ? suffix.len + 1 : 0);
    int r;
    if (!out || cap < total + 1) return SIP_ERR_NOSPACE;
    memcpy(out, prefix, pl);
    if ((r = sip__rand_chars(out + pl, n, rnd, user)) != 0) return r;
    if (suffix.len) {
        out[pl + n] = '@';
        memcpy(out + pl + n + 1, suffix.p, suffix.len);
    }
    out[total] = 0;
    return (int)total;
}

SIPDEF int sip_gen_branch(char *out, size_t cap, sip_rand_fn rnd, void *user)
{
    sip_str none = {NULL, 0};
    return sip__gen(out, cap, "z9hG4bK", 22, none, rnd, user);
}

SIPDEF int sip_gen_tag(char *out, size_t cap, sip_rand_fn rnd, void *user)
{
    sip_str none = {NULL, 0};
    return sip__gen(out, cap, "", 16, none, rnd, user);
}

SIPDEF int sip_gen_call_id(char *out, size_t cap, sip_str host,
                           sip_rand_fn rnd, void *user)
{
    if (host.len && sip__scan(host.p, host.p + host.len, SIP__WORD) != host.p + host.len)
        return SIP_ERR_INVALID;
    return sip__gen(out, cap, "", 24, host, rnd, user);
}

/* ---- typed header values (RFC 3261 §20, RFC 3262, 3326, 3891, 4028, 6665) */
/* ---- typed header values (RFC 3261 §20, §25.1; RFC 3262, 3326, 3891,
 * 4028, 6665) ---------------------------------------------------------
 * Rules shared by every parser below:
 *   - the value is LWS-trimmed first; LWS (SP, HTAB, folded CRLF SP) is
 *     accepted wherever the ABNF has SWS/LWS (around ';', '=', '/', ',',
 *     '(' and between space-separated fields);
 *   - parameters are strict generic-params (token [= token / host /
 *     quoted-string]); a known parameter given twice is ambiguous and so a
 *     syntax error;
 *   - numbers are < 2^32, else SIP_ERR_RANGE, but a syntax error anywhere
 *     in the value wins over a range error;
 *   - on error *out is zeroed; nothing reads outside the span. */

/* Flags for sip__ty_param(). */
enum {
    SIP__TY_NEED_VALUE = 1, /* name=value required (m-parameter) */
    SIP__TY_TOKEN_VALUE = 2 /* value is token / quoted-string, not host */
};

/* The trimmed value as [*b, *e). 0 when it is empty or absent, so that no
 * parser does arithmetic on a NULL span. */
static int sip__ty_value(sip_str s, const char **b, const char **e)
{
    if (!s.p) return 0;
    s = sip__trim(s);
    if (s.len == 0) return 0;
    *b = s.p;
    *e = s.p + s.len;
    return 1;
}

/* Common tail of the public parsers: a range error noted on the way counts
 * only when the syntax was fine; on any error the output is zeroed. */
static int sip__ty_done(int r, int rng, void *out, size_t size)
{
    if (r == 0) r = rng;
    if (r) memset(out, 0, size);
    return r;
}

/* End of the run of class-cls bytes starting at p. */
static const char *sip__ty_run(const char *p, const char *e, int cls)
{
    while (p < e && SIP__IS(*p, cls)) p++;
    return p;
}

/* Mandatory LWS at p: the position after it, NULL when there is none. */
static const char *sip__ty_lws(const char *p, const char *e)
{
    const char *q = sip__skip_ws(p, e);
    return q == p ? NULL : q;
}

/* Nonzero when s is a non-empty token (checked before any arithmetic, as
 * s may be absent). */
static int sip__ty_is_token(sip_str s)
{
    return s.len > 0 && sip__ty_run(s.p, s.p + s.len, SIP__TOKEN) == s.p + s.len;
}

/* sip_str_to_u32 whose range error is only noted in *rng: it is returned
 * once the whole value has parsed. Returns SIP_ERR_SYNTAX or 0. */
static int sip__ty_num(sip_str d, uint32_t max, uint32_t *out, int *rng)
{
    int r = sip_str_to_u32(d, max, out);
    if (r == SIP_ERR_RANGE) *rng = r;
    return r == SIP_ERR_SYNTAX ? r : 0;
}

/* 1*DIGIT at p as a u32: the position after it, NULL when no digit. */
static const char *sip__ty_u32_at(const char *p, const char *e, uint32_t *v,
                                  int *rng)
{
    const char *q = sip__ty_run(p, e, SIP__DIGIT);
    return sip__ty_num(sip__span(p, q), UINT32_MAX, v, rng) ? NULL : q;
}

/* Length of the text element at p inside a quoted-string or comment: 2 for
 * a quoted-pair, 3 for a fold (CRLF + SP/HTAB), 1 for another allowed
 * byte, 0 when the byte may not stand there. §25.1 qdtext/ctext allow LWS,
 * visible ASCII and UTF8-NONASCII; quoted-pair excludes CR, LF, > 0x7F. */
static size_t sip__ty_text_elem(const char *p, const char *e)
{
    unsigned char c = (unsigned char)*p;
    if (c == '\\') {
        if (e - p < 2) return 0;
        c = (unsigned char)p[1];
        return (c == '\r' || c == '\n' || c > 0x7f) ? 0 : 2;
    }
    if (c == '\r')
        return (e - p >= 3 && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) ? 3 : 0;
    return ((c < 0x20 && c != '\t') || c == 0x7f) ? 0 : 1;
}

/* p at '"': the position after the closing quote, NULL when unterminated
 * or holding a control byte (stricter than sip__skip_quoted). */
static const char *sip__ty_quoted(const char *p, const char *e)
{
    size_t n;
    for (p++; p < e; p += n) {
        if (*p == '"') return p + 1;
        n = sip__ty_text_elem(p, e);
        if (n == 0) return NULL;
    }
    return NULL;
}

/* p at '(': the position after the matching ')', NULL when unbalanced.
 * Nesting is a counter, not recursion, so deep input cannot exhaust the
 * stack. A quoted-pair may escape a parenthesis. */
static const char *sip__ty_comment(const char *p, const char *e)
{
    size_t depth = 0, n;
    for (; p < e; p += n) {
        n = 1;
        if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            if (--depth == 0) return p + 1;
        } else {
            n = sip__ty_text_elem(p, e);
            if (n == 0) return NULL;
        }
    }
    return NULL;
}

/* [b, e) without surrounding LWS, keeping a trailing space escaped by a
 * quoted-pair ("a\ " must not become the broken "a\"). */
static sip_str sip__ty_trim_text(const char *b, const char *e)
{
    b = sip__skip_ws(b, e);
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) {
        const char *k = e - 1;
        while (k > b && k[-1] == '\\') k--;
        if ((e - 1 - k) % 2) break; /* odd run of '\': the byte is escaped */
        e--;
    }
    return sip__span(b, e);
}

/* p at '[': the position after "]" of an IPv6reference, NULL when there
 * is none. A shape check (hex, ':' and '.'), not a full RFC 4291 parse. */
static const char *sip__ty_ipv6ref(const char *p, const char *e)
{
    const char *q = p + 1;
    while (q < e && (SIP__IS(*q, SIP__HEX) || *q == ':' || *q == '.')) q++;
    return (q > p + 1 && q < e && *q == ']') ? q + 1 : NULL;
}

/* End of a gen-value at p (token / host / quoted-string, §25.1), NULL
 * when there is none. host adds only the IPv6reference to token. */
static const char *sip__ty_gen_value(const char *p, const char *e, unsigned flags)
{
    const char *q;
    if (p >= e) return NULL;
    if (*p == '"') return sip__ty_quoted(p, e);
    if (*p == '[' && !(flags & SIP__TY_TOKEN_VALUE)) return sip__ty_ipv6ref(p, e);
    q = sip__ty_run(p, e, SIP__TOKEN);
    return q == p ? NULL : q;
}

/* The next ";name[=value]" at or after *pp. value keeps its quotes and is
 * absent for a flag. Returns 1 (and advances *pp), 0 at the end of the
 * value, SIP_ERR_SYNTAX for anything else (an empty name, a stray byte). */
static int sip__ty_param(const char **pp, const char *e, unsigned flags,
                         sip_str *name, sip_str *value)
{
    const char *p = sip__skip_ws(*pp, e), *q;
    if (p >= e) return 0;
    if (*p != ';') return SIP_ERR_SYNTAX;
    p = sip__skip_ws(p + 1, e);
    q = sip__ty_run(p, e, SIP__TOKEN);
    if (q == p) return SIP_ERR_SYNTAX;
    *name = sip__span(p, q);
    value->p = NULL;
    value->len = 0;
    p = sip__skip_ws(q, e);
    if (p < e && *p == '=') {
        p = sip__skip_ws(p + 1, e);
        q = sip__ty_gen_value(p, e, flags);
        if (!q) return SIP_ERR_SYNTAX;
        *value = sip__span(p, q);
    } else if (flags & SIP__TY_NEED_VALUE) {
        return SIP_ERR_SYNTAX;
    }
    *pp = q;
    return 1;
}

/* The parameter list from p (at its first ';') to e, absent when none. */
static sip_str sip__ty_params_span(const char *p, const char *e)
{
    sip_str s = {NULL, 0};
    p = sip__skip_ws(p, e);
    if (p < e) s = sip__span(p, e);
    return s;
}

/* The token starting at p into *tok: its end, NULL when there is none. */
static const char *sip__ty_token_at(const char *p, const char *e, sip_str *tok)
{
    const char *q = sip__ty_run(p, e, SIP__TOKEN);
    if (q == p) return NULL;
    *tok = sip__span(p, q);
    return q;
}

/* Store a token-valued parameter that may appear once (to-tag, id...). */
static int sip__ty_once_token(sip_str v, sip_str *dst)
{
    if (dst->p || !sip__ty_is_token(v)) return SIP_ERR_SYNTAX;
    *dst = v;
    return 0;
}

/* Store a delta-seconds parameter that may appear once (expires...). */
static int sip__ty_once_num(sip_str v, uint32_t *dst, uint8_t *has, int *rng)
{
    if (*has || sip__ty_num(v, UINT32_MAX, dst, rng)) return SIP_ERR_SYNTAX;
    *has = 1;
    return 0;
}

/* ---- Content-Type (§20.15): m-type SLASH m-subtype *(SEMI m-parameter) */

static int sip__ty_media(const char *p, const char *e, sip_media_type *out)
{
    sip_str n, v;
    int r;
    const char *q = sip__ty_token_at(p, e, &out->type);
    if (!q) return SIP_ERR_SYNTAX;
    p = sip__skip_ws(q, e); /* SLASH = SWS "/" SWS */
    if (p >= e || *p != '/') return SIP_ERR_SYNTAX;
    q = sip__ty_token_at(sip__skip_ws(p + 1, e), e, &out->subtype);
    if (!q) return SIP_ERR_SYNTAX;
    out->params = sip__ty_params_span(q, e);
    /* m-parameter = m-attribute EQUAL (token / quoted-string) */
    while ((r = sip__ty_param(&q, e, SIP__TY_NEED_VALUE | SIP__TY_TOKEN_VALUE,
                              &n, &v)) == 1)
        ;
    return r;
}

SIPDEF int sip_media_type_parse(sip_str s, sip_media_type *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_media(b, e, out);
    return sip__ty_done(r, 0, out, sizeof *out);
}

/* ---- token lists: Require, Supported, Allow, Allow-Events ... -------- */

SIPDEF int sip_token_next(sip_str s, size_t *pos, sip_str *token)
{
    const char *b, *e, *p, *q;
    if (!s.p || *pos >= s.len) return 0;
    b = s.p;
    e = s.p + s.len;
    p = sip__skip_ws(b + *pos, e);
    if (*pos > 0) { /* after an item: COMMA or the end */
        if (p >= e) {
            *pos = s.len;
            return 0;
        }
        if (*p != ',') return SIP_ERR_SYNTAX;
        p = sip__skip_ws(p + 1, e); /* an item must follow: "a,,b", "a," */
    } else if (p >= e) {
        *pos = s.len; /* an empty list, as Allow may be (§20.5) */
        return 0;
    }
    q = sip__ty_token_at(p, e, token);
    if (!q) return SIP_ERR_SYNTAX;
    *pos = (size_t)(q - b);
    return 1;
}

SIPDEF int sip_allow_parse(sip_str s, uint32_t *mask, int *other)
{
    size_t pos = 0;
    sip_str t;
    uint32_t m = 0;
    int o = 0, r;
    while ((r = sip_token_next(s, &pos, &t)) == 1) {
        sip_method id = sip_method_from_str(t);
        if (id == SIP_METHOD_OTHER)
            o = 1;
        else
            m |= 1u << id;
    }
    if (mask) *mask = r ? 0 : m;
    if (other) *other = r ? 0 : o;
    return r;
}

/* ---- Retry-After (§20.33): delta-seconds [comment] *(SEMI retry-param) */

static int sip__ty_retry(const char *p, const char *e, sip_retry_after *out,
                         int *rng)
{
    sip_str n, v;
    int r;
    const char *q = sip__ty_u32_at(p, e, &out->seconds, rng);
    if (!q) return SIP_ERR_SYNTAX;
    p = sip__skip_ws(q, e); /* LPAREN = SWS "(" SWS */
    if (p < e && *p == '(') {
        q = sip__ty_comment(p, e);
        if (!q) return SIP_ERR_SYNTAX;
        out->comment = sip__ty_trim_text(p + 1, q - 1);
    }
    out->params = sip__ty_params_span(q, e);
    while ((r = sip__ty_param(&q, e, 0, &n, &v)) == 1) {
        if (sip_str_caseeq_c(n, "duration") &&
            sip__ty_once_num(v, &out->duration, &out->has_duration, rng))
            return SIP_ERR_SYNTAX;
    }
    return r;
}

SIPDEF int sip_retry_after_parse(sip_str s, sip_retry_after *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX, rng = 0;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_retry(b, e, out, &rng);
    return sip__ty_done(r, rng, out, sizeof *out);
}

/* ---- RAck (RFC 3262 §7.2): response-num LWS CSeq-num LWS Method ------ */

static int sip__ty_rack(const char *p, const char *e, sip_rack *out, int *rng)
{
    const char *q = sip__ty_u32_at(p, e, &out->rseq, rng);
    if (!q || !(p = sip__ty_lws(q, e))) return SIP_ERR_SYNTAX;
    q = sip__ty_u32_at(p, e, &out->cseq, rng);
    if (!q || !(p = sip__ty_lws(q, e))) return SIP_ERR_SYNTAX;
    q = sip__ty_token_at(p, e, &out->method_str);
    if (q != e) return SIP_ERR_SYNTAX; /* also NULL: no method */
    out->method = sip_method_from_str(out->method_str);
    return 0;
}

SIPDEF int sip_rack_parse(sip_str s, sip_rack *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX, rng = 0;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_rack(b, e, out, &rng);
    return sip__ty_done(r, rng, out, sizeof *out);
}

/* ---- Event (RFC 6665 §8.2.1) ----------------------------------------- */

/* End of event-type = token-nodot *("." token-nodot) at p, NULL when
 * malformed (empty part: ".x", "x..y", "x."). */
static const char *sip__ty_event_type(const char *p, const char *e)
{
    for (;;) {
        const char *q = p;
        while (q < e && *q != '.' && SIP__IS(*q, SIP__TOKEN)) q++;
        if (q == p) return NULL;
        if (q >= e || *q != '.') return q;
        p = q + 1;
    }
}

static int sip__ty_event(const char *p, const char *e, sip_event *out)
{
    sip_str n, v;
    int r;
    const char *q = sip__ty_event_type(p, e);
    if (!q) return SIP_ERR_SYNTAX;
    out->package = sip__span(p, q);
    out->params = sip__ty_params_span(q, e);
    while ((r = sip__ty_param(&q, e, 0, &n, &v)) == 1) {
        /* "id" EQUAL token */
        if (sip_str_caseeq_c(n, "id") && sip__ty_once_token(v, &out->id))
            return SIP_ERR_SYNTAX;
    }
    return r;
}

SIPDEF int sip_event_parse(sip_str s, sip_event *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_event(b, e, out);
    return sip__ty_done(r, 0, out, sizeof *out);
}

/* ---- Subscription-State (RFC 6665 §8.2.3) ---------------------------- */

/* One subexp-param: reason (token), expires, retry-after (delta-seconds);
 * anything else is a generic-param already checked by the iterator. */
static int sip__ty_substate_param(sip_str n, sip_str v, sip_sub_state *out,
                                  int *rng)
{
    if (sip_str_caseeq_c(n, "reason")) return sip__ty_once_token(v, &out->reason);
    if (sip_str_caseeq_c(n, "expires"))
        return sip__ty_once_num(v, &out->expires, &out->has_expires, rng);
    if (sip_str_caseeq_c(n, "retry-after"))
        return sip__ty_once_num(v, &out->retry_after, &out->has_retry_after, rng);
    return 0;
}

static int sip__ty_substate(const char *p, const char *e, sip_sub_state *out,
                            int *rng)
{
    sip_str n, v;
    int r;
    const char *q = sip__ty_token_at(p, e, &out->state);
    if (!q) return SIP_ERR_SYNTAX;
    out->params = sip__ty_params_span(q, e);
    while ((r = sip__ty_param(&q, e, 0, &n, &v)) == 1)
        if (sip__ty_substate_param(n, v, out, rng)) return SIP_ERR_SYNTAX;
    return r;
}

SIPDEF int sip_sub_state_parse(sip_str s, sip_sub_state *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX, rng = 0;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_substate(b, e, out, &rng);
    return sip__ty_done(r, rng, out, sizeof *out);
}

/* ---- Replaces (RFC 3891 §6.1) and Join (RFC 3911) -------------------- */

/* End of callid = word ["@" word] (§25.1) at p, NULL when malformed. */
static const char *sip__ty_callid(const char *p, const char *e)
{
    const char *q = sip__ty_run(p, e, SIP__WORD);
    if (q == p) return NULL;
    if (q < e && *q == '@') {
        p = q + 1;
        q = sip__ty_run(p, e, SIP__WORD);
        if (q == p) return NULL;
    }
    return q;
}

/* One replaces-param. early-only is a flag: given a value it is refused
 * rather than read as a generic-param, as ignoring it would widen what the
 * request may replace. */
static int sip__ty_replaces_param(sip_str n, sip_str v, sip_replaces *out)
{
    if (sip_str_caseeq_c(n, "to-tag")) return sip__ty_once_token(v, &out->to_tag);
    if (sip_str_caseeq_c(n, "from-tag")) return sip__ty_once_token(v, &out->from_tag);
    if (sip_str_caseeq_c(n, "early-only")) {
        if (v.p || out->early_only) return SIP_ERR_SYNTAX;
        out->early_only = 1;
    }
    return 0;
}

static int sip__ty_replaces(const char *p, const char *e, sip_replaces *out)
{
    sip_str n, v;
    int r;
    const char *q = sip__ty_callid(p, e);
    if (!q) return SIP_ERR_SYNTAX;
    out->call_id = sip__span(p, q);
    out->params = sip__ty_params_span(q, e);
    while ((r = sip__ty_param(&q, e, 0, &n, &v)) == 1)
        if (sip__ty_replaces_param(n, v, out)) return SIP_ERR_SYNTAX;
    if (r) return r;
    /* both tags are REQUIRED (§6.1) */
    return (out->to_tag.p && out->from_tag.p) ? 0 : SIP_ERR_SYNTAX;
}

SIPDEF int sip_replaces_parse(sip_str s, sip_replaces *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_replaces(b, e, out);
    return sip__ty_done(r, 0, out, sizeof *out);
}

/* ---- Session-Expires (RFC 4028 §4) and Min-SE ------------------------ */

static int sip__ty_session_expires(const char *p, const char *e,
                                   sip_session_expires *out, int *rng)
{
    sip_str n, v;
    int r;
    const char *q = sip__ty_u32_at(p, e, &out->delta, rng);
    if (!q) return SIP_ERR_SYNTAX;
    out->params = sip__ty_params_span(q, e);
    while ((r = sip__ty_param(&q, e, 0, &n, &v)) == 1) {
        if (!sip_str_caseeq_c(n, "refresher")) continue;
        /* refresher-param = "refresher" EQUAL ("uas" / "uac") */
        if (out->refresher.p ||
            !(sip_str_caseeq_c(v, "uac") || sip_str_caseeq_c(v, "uas")))
            return SIP_ERR_SYNTAX;
        out->refresher = v;
    }
    return r;
}

SIPDEF int sip_session_expires_parse(sip_str s, sip_session_expires *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX, rng = 0;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_session_expires(b, e, out, &rng);
    return sip__ty_done(r, rng, out, sizeof *out);
}

/* ---- Date (§20.17, RFC 1123): wkday "," SP 2DIGIT SP month SP 4DIGIT SP
 * 2DIGIT ":" 2DIGIT ":" 2DIGIT SP "GMT" ------------------------------- */

/* n digits at p into *v, then sep: that byte, or 1*LWS when sep is ' '.
 * Returns the position after the separator, NULL when either is missing. */
static const char *sip__ty_date_num(const char *p, const char *e, int n,
                                    char sep, int *v)
{
    int x = 0;
    if (e - p < n) return NULL;
    for (; n > 0; n--, p++) {
        if (!SIP__IS(*p, SIP__DIGIT)) return NULL;
        x = x * 10 + (*p - '0');
    }
    *v = x;
    if (sep == ' ') return sip__ty_lws(p, e);
    return (p < e && *p == sep) ? p + 1 : NULL;
}

/* A 3-letter name at p out of names (lower case, concatenated), matched
 * case-insensitively as ABNF literals are, then sep as above. */
static const char *sip__ty_date_name(const char *p, const char *e,
                                     const char *names, char sep, int *idx)
{
    int i, k;
    if (e - p < 3) return NULL;
    for (i = 0; names[i * 3]; i++) {
        for (k = 0; k < 3 && sip__lower((unsigned char)p[k]) == names[i * 3 + k]; k++)
            ;
        if (k == 3) break;
    }
    if (!names[i * 3]) return NULL;
    *idx = i;
    p += 3;
    if (sep == ' ') return sip__ty_lws(p, e);
    return (p < e && *p == sep) ? p + 1 : NULL;
}

static int sip__ty_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int sip__ty_mdays(int y, int m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30,
                                           31, 31, 30, 31, 30, 31};
    return days[m - 1] + (m == 2 && sip__ty_leap(y));
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil; exact for any 4-digit year). */
static int64_t sip__ty_days(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    if (m <= 2) y--;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Ranges (time 00:00:00-23:59:59 per §25.1), the day in its month, and
 * the weekday against the date; fills unix_time. */
static int sip__ty_date_check(sip_date *d, int wkday)
{
    int64_t z;
    if (d->month < 1 || d->month > 12 || d->day < 1 ||
        d->day > sip__ty_mdays(d->year, d->month) || d->hour > 23 ||
        d->minute > 59 || d->second > 59)
        return SIP_ERR_SYNTAX;
    z = sip__ty_days(d->year, d->month, d->day);
    d->wkday = (int)(((z % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
    if (d->wkday != wkday) return SIP_ERR_SYNTAX;
    d->unix_time = z * 86400 + d->hour * 3600 + d->minute * 60 + d->second;
    return 0;
}

static int sip__ty_date(const char *p, const char *e, sip_date *d)
{
    int wk, mon = 0;
    /* "Sat, 13 Nov 2010 23:29:00 GMT": any LWS where the ABNF has SP */
    if (!(p = sip__ty_date_name(p, e, "montuewedthufrisatsun", ',', &wk)) ||
        !(p = sip__ty_lws(p, e)) ||
        !(p = sip__ty_date_num(p, e, 2, ' ', &d->day)) ||
        !(p = sip__ty_date_name(p, e, "janfebmaraprmayjunjulaugsepoctnovdec",
                                ' ', &mon)) ||
        !(p = sip__ty_date_num(p, e, 4, ' ', &d->year)) ||
        !(p = sip__ty_date_num(p, e, 2, ':', &d->hour)) ||
        !(p = sip__ty_date_num(p, e, 2, ':', &d->minute)) ||
        !(p = sip__ty_date_num(p, e, 2, ' ', &d->second)))
        return SIP_ERR_SYNTAX;
    /* only GMT: "EST" is the RFC 4475 §3.1.2.12 baddate case */
    if (e - p != 3 || !sip_str_caseeq_c(sip__span(p, e), "GMT"))
        return SIP_ERR_SYNTAX;
    d->month = mon + 1;
    return sip__ty_date_check(d, wk);
}

SIPDEF int sip_date_parse(sip_str s, sip_date *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_date(b, e, out);
    return sip__ty_done(r, 0, out, sizeof *out);
}

/* ---- Timestamp (§20.38): 1*DIGIT ["." *DIGIT] [LWS delay] ------------ */

/* End of *DIGIT ["." *DIGIT] at p, NULL when malformed. The value needs an
 * integer part (int_needed); a delay needs at least one digit somewhere
 * (the ABNF would allow "." alone, which means nothing). */
static const char *sip__ty_decimal(const char *p, const char *e, int int_needed)
{
    const char *i = sip__ty_run(p, e, SIP__DIGIT), *q = i;
    if (q < e && *q == '.') q = sip__ty_run(q + 1, e, SIP__DIGIT);
    if (i == p && (int_needed || q - i < 2)) return NULL;
    return q;
}

static int sip__ty_timestamp(const char *p, const char *e, sip_timestamp *out)
{
    const char *q = sip__ty_decimal(p, e, 1);
    if (!q) return SIP_ERR_SYNTAX;
    out->value = sip__span(p, q);
    if (q == e) return 0;
    if (!(p = sip__ty_lws(q, e))) return SIP_ERR_SYNTAX;
    q = sip__ty_decimal(p, e, 0);
    if (q != e) return SIP_ERR_SYNTAX; /* also NULL */
    out->delay = sip__span(p, q);
    return 0;
}

SIPDEF int sip_timestamp_parse(sip_str s, sip_timestamp *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_timestamp(b, e, out);
    return sip__ty_done(r, 0, out, sizeof *out);
}

/* ---- Warning (§20.43): warn-code SP warn-agent SP warn-text ---------- */

/* End of warn-agent = hostport / pseudonym at p, NULL when malformed.
 * hostname, IPv4 and pseudonym are all tokens; a port over 65535 is a
 * range error. */
static const char *sip__ty_agent(const char *p, const char *e, int *rng)
{
    uint32_t port;
    const char *q;
    if (p >= e) return NULL;
    q = *p == '[' ? sip__ty_ipv6ref(p, e) : sip__ty_run(p, e, SIP__TOKEN);
    if (!q || q == p) return NULL;
    if (q < e && *q == ':') {
        p = q + 1;
        q = sip__ty_run(p, e, SIP__DIGIT);
        if (sip__ty_num(sip__span(p, q), 65535, &port, rng)) return NULL;
    }
    return q;
}

static int sip__ty_warning(const char *p, const char *e, sip_warning *out,
                           int *rng)
{
    const char *q = sip__ty_run(p, e, SIP__DIGIT);
    uint32_t code = 0;
    /* exactly 3DIGIT: RFC 4475 §3.1.2.5 sends "1812" */
    if (q - p != 3 || sip__ty_num(sip__span(p, q), 999, &code, rng))
        return SIP_ERR_SYNTAX;
    out->code = (uint16_t)code;
    if (!(p = sip__ty_lws(q, e)) || !(q = sip__ty_agent(p, e, rng)))
        return SIP_ERR_SYNTAX;
    out->agent = sip__span(p, q);
    if (!(p = sip__ty_lws(q, e)) || p >= e || *p != '"') return SIP_ERR_SYNTAX;
    q = sip__ty_quoted(p, e);
    if (q != e) return SIP_ERR_SYNTAX; /* also NULL */
    out->text = sip__span(p + 1, q - 1);
    return 0;
}

SIPDEF int sip_warning_parse(sip_str s, sip_warning *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX, rng = 0;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_warning(b, e, out, &rng);
    return sip__ty_done(r, rng, out, sizeof *out);
}

/* ---- Reason (RFC 3326 §2): protocol *(SEMI reason-params) ------------ */

/* cause = 1*DIGIT; reason-text = "text" EQUAL quoted-string (unquoted text
 * is refused). */
static int sip__ty_reason_param(sip_str n, sip_str v, sip_reason *out, int *rng)
{
    if (sip_str_caseeq_c(n, "cause"))
        return sip__ty_once_num(v, &out->cause, &out->has_cause, rng);
    if (sip_str_caseeq_c(n, "text")) {
        if (out->text.p || v.len < 2 || v.p[0] != '"') return SIP_ERR_SYNTAX;
        out->text = sip__span(v.p + 1, v.p + v.len - 1);
    }
    return 0;
}

static int sip__ty_reason(const char *p, const char *e, sip_reason *out,
                          int *rng)
{
    sip_str n, v;
    int r;
    const char *q = sip__ty_token_at(p, e, &out->protocol);
    if (!q) return SIP_ERR_SYNTAX;
    out->params = sip__ty_params_span(q, e);
    while ((r = sip__ty_param(&q, e, 0, &n, &v)) == 1)
        if (sip__ty_reason_param(n, v, out, rng)) return SIP_ERR_SYNTAX;
    return r;
}

SIPDEF int sip_reason_parse(sip_str s, sip_reason *out)
{
    const char *b, *e;
    int r = SIP_ERR_SYNTAX, rng = 0;
    memset(out, 0, sizeof *out);
    if (sip__ty_value(s, &b, &e)) r = sip__ty_reason(b, e, out, &rng);
    return sip__ty_done(r, rng, out, sizeof *out);
}

/* ---- digest authentication (RFC 2617, RFC 7616, RFC 8760) ------------ */
/* ---- digest authentication (RFC 2617, RFC 7616, RFC 8760) ------------- */
/*
 * Hashes: MD5 (RFC 1321), SHA-256 and SHA-512/256 (FIPS 180-4), written
 * from the specifications, streaming (init / update / final) so that
 * sip_hash() never needs a concatenation buffer. With SIP_USE_OPENSSL the
 * same API runs on OpenSSL's EVP instead and the built-in code is left out.
 * Everything after sip_hash() is hash-agnostic: the request-digest code
 * only calls sip_hash(), so both back ends share it.
 */
/* Algorithm tokens, indexed by sip_digest_alg (RFC 7616 §6.1 registry). */
static const char *const sip__dg_alg_names[SIP_DIGEST_ALG_UNKNOWN] = {
    "MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256",
    "SHA-512-256-sess"
};

static const char sip__dg_hexdig[] = "0123456789abcdef";

/* The hash behind an algorithm (-sess only changes A1, RFC 7616 §3.4.2):
 * SIP_DIGEST_MD5, SIP_DIGEST_SHA256, SIP_DIGEST_SHA512_256 or UNKNOWN. */
static sip_digest_alg sip__dg_base(sip_digest_alg a)
{
    switch (a) {
    case SIP_DIGEST_MD5: case SIP_DIGEST_MD5_SESS: return SIP_DIGEST_MD5;
    case SIP_DIGEST_SHA256: case SIP_DIGEST_SHA256_SESS: return SIP_DIGEST_SHA256;
    case SIP_DIGEST_SHA512_256: case SIP_DIGEST_SHA512_256_SESS:
        return SIP_DIGEST_SHA512_256;
    default: return SIP_DIGEST_ALG_UNKNOWN;
    }
}

static int sip__dg_is_sess(sip_digest_alg a)
{
    return a == SIP_DIGEST_MD5_SESS || a == SIP_DIGEST_SHA256_SESS ||
           a == SIP_DIGEST_SHA512_256_SESS;
}

SIPDEF sip_digest_alg sip_digest_alg_from_str(sip_str s)
{
    int i;
    if (!s.p) return SIP_DIGEST_MD5;   /* absent: MD5 (RFC 2617 §3.2.1) */
    for (i = 0; i < (int)SIP_DIGEST_ALG_UNKNOWN; i++)
        if (sip_str_caseeq_c(s, sip__dg_alg_names[i])) return (sip_digest_alg)i;
    return SIP_DIGEST_ALG_UNKNOWN;
}

SIPDEF const char *sip_digest_alg_name(sip_digest_alg a)
{
    return ((unsigned)a < (unsigned)SIP_DIGEST_ALG_UNKNOWN) ? sip__dg_alg_names[a] : "";
}

SIPDEF size_t sip_digest_alg_len(sip_digest_alg a)
{
    switch (sip__dg_base(a)) {
    case SIP_DIGEST_MD5: return 16;
    case SIP_DIGEST_SHA256: case SIP_DIGEST_SHA512_256: return 32;
    default: return 0;
    }
}

#ifndef SIP_USE_OPENSSL
/* ---- built-in hashes -------------------------------------------------- */

/* Compression function: consumes one block into the chaining state. */
typedef void (*sip__dg_block_fn)(void *state, const uint8_t *block);

/* One streaming context for the three hashes: they differ only in block
 * size, compression function, length encoding and output byte order. */
typedef struct sip__dg_ctx {
    union { uint32_t w32[8]; uint64_t w64[8]; } h; /* chaining state */
    uint64_t total;          /* message bytes so far */
    size_t n;                /* bytes waiting in buf */
    size_t block;            /* 64 (MD5, SHA-256) or 128 (SHA-512) */
    sip__dg_block_fn fn;
    uint8_t buf[128];
} sip__dg_ctx;

static uint32_t sip__dg_rol32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t sip__dg_ror32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static uint64_t sip__dg_ror64(uint64_t x, unsigned n)
{
    return (x >> n) | (x << (64 - n));
}

static uint32_t sip__dg_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint32_t sip__dg_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static uint64_t sip__dg_be64(const uint8_t *p)
{
    return (uint64_t)sip__dg_be32(p) << 32 | sip__dg_be32(p + 4);
}

/* Buffer the input and compress every full block (RFC 1321 §3.4,
 * FIPS 180-4 §6.2.2 / §6.4.2 "for i = 1 to N"). */
static void sip__dg_update(sip__dg_ctx *c, const uint8_t *p, size_t len)
{
    size_t k;
    if (len == 0) return;    /* p may be NULL for an empty span */
    c->total += len;
    if (c->n) {
        k = c->block - c->n;
        if (k > len) k = len;
        memcpy(c->buf + c->n, p, k);
        c->n += k;
        p += k;
        len -= k;
        if (c->n < c->block) return;
        c->fn(&c->h, c->buf);
        c->n = 0;
    }
    for (; len >= c->block; p += c->block, len -= c->block) c->fn(&c->h, p);
    if (len) {
        memcpy(c->buf, p, len);
        c->n = len;
    }
}

/* Padding (RFC 1321 §3.1-§3.2, FIPS 180-4 §5.1.1 / §5.1.2): a 1 bit, zeros,
 * then the message length in bits in the last lenbytes (8 or 16) of the
 * block; little-endian for MD5, big-endian for SHA-2. */
static void sip__dg_pad(sip__dg_ctx *c, size_t lenbytes, int big_endian)
{
    uint64_t bits = c->total << 3, high = c->total >> 61;
    size_t i, end = c->block;
    c->buf[c->n++] = 0x80;
    if (c->n > end - lenbytes) {   /* no room for the length: extra block */
        memset(c->buf + c->n, 0, end - c->n);
        c->fn(&c->h, c->buf);
        c->n = 0;
    }
    memset(c->buf + c->n, 0, end - c->n);
    for (i = 0; i < 8; i++) {
        uint8_t b = (uint8_t)(bits >> (8 * i));
        if (big_endian) {
            c->buf[end - 1 - i] = b;
            if (lenbytes == 16) c->buf[end - 9 - i] = (uint8_t)(high >> (8 * i));
        } else {
            c->buf[end - 8 + i] = b;
        }
    }
    c->fn(&c->h, c->buf);
}

/* ---- MD5 (RFC 1321) ---- */

/* T[i] = floor(2^32 * |sin(i + 1)|) (RFC 1321 §3.4). */
static const uint32_t sip__md5_t[64] = {
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu,
    0xf57c0fafu, 0x4787c62au, 0xa8304613u, 0xfd469501u,
    0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu,
    0x6b901122u, 0xfd987193u, 0xa679438eu, 0x49b40821u,
    0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau,
    0xd62f105du, 0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u,
    0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu,
    0xa9e3e905u, 0xfcefa3f8u, 0x676f02d9u, 0x8d2a4c8au,
    0xfffa3942u, 0x8771f681u, 0x6d9d6122u, 0xfde5380cu,
    0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u,
    0x289b7ec6u, 0xeaa127fau, 0xd4ef3085u, 0x04881d05u,
    0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u,
    0xf4292244u, 0x432aff97u, 0xab9423a7u, 0xfc93a039u,
    0x655b59c3u, 0x8f0ccc92u, 0xffeff47du, 0x85845dd1u,
    0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u,
    0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu, 0xeb86d391u
};

/* Per-round shift amounts s (RFC 1321 §3.4, the [abcd k s i] steps). */
static const unsigned char sip__md5_s[16] = {
    7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21
};

static void sip__md5_block(void *state, const uint8_t *p)
{
    uint32_t *h = (uint32_t *)state;
    uint32_t x[16], a = h[0], b = h[1], c = h[2], d = h[3], f, t;
    unsigned i, k;
    for (i = 0; i < 16; i++) x[i] = sip__dg_le32(p + 4 * i);
    for (i = 0; i < 64; i++) {
        /* Rounds 1-4 use F, G, H, I and a different word order (k). */
        switch (i >> 4) {
        case 0: f = (b & c) | (~b & d); k = i; break;
        case 1: f = (b & d) | (c & ~d); k = (5 * i + 1) & 15; break;
        case 2: f = b ^ c ^ d; k = (3 * i + 5) & 15; break;
        default: f = c ^ (b | ~d); k = (7 * i) & 15; break;
        }
        t = d;
        d = c;
        c = b;
        b = b + sip__dg_rol32(a + f + x[k] + sip__md5_t[i],
                              sip__md5_s[((i >> 4) << 2) | (i & 3)]);
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
}

static void sip__md5_init(sip__dg_ctx *c)
{
    /* A, B, C, D of RFC 1321 §3.3 as little-endian words. */
    c->h.w32[0] = 0x67452301u;
    c->h.w32[1] = 0xefcdab89u;
    c->h.w32[2] = 0x98badcfeu;
    c->h.w32[3] = 0x10325476u;
    c->total = 0;
    c->n = 0;
    c->block = 64;
    c->fn = sip__md5_block;
}

static void sip__md5_final(sip__dg_ctx *c, uint8_t *out)
{
    unsigned i;
    sip__dg_pad(c, 8, 0);
    for (i = 0; i < 16; i++) /* RFC 1321 §3.5: low-order byte first */
        out[i] = (uint8_t)(c->h.w32[i >> 2] >> (8 * (i & 3)));
}

/* ---- SHA-256 (FIPS 180-4 §6.2) ---- */

/* K: first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes (FIPS 180-4 §4.2.2). */
static const uint32_t sip__sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u,
    0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
    0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u,
    0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u,
    0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u
};

/* H(0): fractional parts of the square roots of the first 8 primes
 * (FIPS 180-4 §5.3.3). */
static const uint32_t sip__sha256_h0[8] = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u
};

static void sip__sha256_block(void *state, const uint8_t *p)
{
    uint32_t *h = (uint32_t *)state;
    uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
    unsigned t;
    for (t = 0; t < 16; t++) w[t] = sip__dg_be32(p + 4 * t);
    for (t = 16; t < 64; t++) { /* message schedule, FIPS 180-4 §6.2.2 step 1 */
        uint32_t s0 = sip__dg_ror32(w[t - 15], 7) ^ sip__dg_ror32(w[t - 15], 18) ^
                      (w[t - 15] >> 3);
        uint32_t s1 = sip__dg_ror32(w[t - 2], 17) ^ sip__dg_ror32(w[t - 2], 19) ^
                      (w[t - 2] >> 10);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    a = h[0]; b = h[1]; c = h[2]; d = h[3];
    e = h[4]; f = h[5]; g = h[6]; hh = h[7];
    for (t = 0; t < 64; t++) {
        t1 = hh + (sip__dg_ror32(e, 6) ^ sip__dg_ror32(e, 11) ^ sip__dg_ror32(e, 25)) +
             ((e & f) ^ (~e & g)) + sip__sha256_k[t] + w[t];
        t2 = (sip__dg_ror32(a, 2) ^ sip__dg_ror32(a, 13) ^ sip__dg_ror32(a, 22)) +
             ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sip__sha256_init(sip__dg_ctx *c)
{
    memcpy(c->h.w32, sip__sha256_h0, sizeof sip__sha256_h0);
    c->total = 0;
    c->n = 0;
    c->block = 64;
    c->fn = sip__sha256_block;
}

static void sip__sha256_final(sip__dg_ctx *c, uint8_t *out)
{
    unsigned i;
    sip__dg_pad(c, 8, 1);
    for (i = 0; i < 32; i++)
        out[i] = (uint8_t)(c->h.w32[i >> 2] >> (24 - 8 * (i & 3)));
}

/* ---- SHA-512/256 (FIPS 180-4 §6.4 with §5.3.6.2, §6.7) ---- */

/* K: first 64 bits of the fractional parts of the cube roots of the
 * first 80 primes (FIPS 180-4 §4.2.3). */
static const uint64_t sip__sha512_k[80] = {
    UINT64_C(0x428a2f98d728ae22), UINT64_C(0x7137449123ef65cd),
    UINT64_C(0xb5c0fbcfec4d3b2f), UINT64_C(0xe9b5dba58189dbbc),
    UINT64_C(0x3956c25bf348b538), UINT64_C(0x59f111f1b605d019),
    UINT64_C(0x923f82a4af194f9b), UINT64_C(0xab1c5ed5da6d8118),
    UINT64_C(0xd807aa98a3030242), UINT64_C(0x12835b0145706fbe),
    UINT64_C(0x243185be4ee4b28c), UINT64_C(0x550c7dc3d5ffb4e2),
    UINT64_C(0x72be5d74f27b896f), UINT64_C(0x80deb1fe3b1696b1),
    UINT64_C(0x9bdc06a725c71235), UINT64_C(0xc19bf174cf692694),
    UINT64_C(0xe49b69c19ef14ad2), UINT64_C(0xefbe4786384f25e3),
    UINT64_C(0x0fc19dc68b8cd5b5), UINT64_C(0x240ca1cc77ac9c65),
    UINT64_C(0x2de92c6f592b0275), UINT64_C(0x4a7484aa6ea6e483),
    UINT64_C(0x5cb0a9dcbd41fbd4), UINT64_C(0x76f988da831153b5),
    UINT64_C(0x983e5152ee66dfab), UINT64_C(0xa831c66d2db43210),
    UINT64_C(0xb00327c898fb213f), UINT64_C(0xbf597fc7beef0ee4),
    UINT64_C(0xc6e00bf33da88fc2), UINT64_C(0xd5a79147930aa725),
    UINT64_C(0x06ca6351e003826f), UINT64_C(0x142929670a0e6e70),
    UINT64_C(0x27b70a8546d22ffc), UINT64_C(0x2e1b21385c26c926),
    UINT64_C(0x4d2c6dfc5ac42aed), UINT64_C(0x53380d139d95b3df),
    UINT64_C(0x650a73548baf63de), UINT64_C(0x766a0abb3c77b2a8),
    UINT64_C(0x81c2c92e47edaee6), UINT64_C(0x92722c851482353b),
    UINT64_C(0xa2bfe8a14cf10364), UINT64_C(0xa81a664bbc423001),
    UINT64_C(0xc24b8b70d0f89791), UINT64_C(0xc76c51a30654be30),
    UINT64_C(0xd192e819d6ef5218), UINT64_C(0xd69906245565a910),
    UINT64_C(0xf40e35855771202a), UINT64_C(0x106aa07032bbd1b8),
    UINT64_C(0x19a4c116b8d2d0c8), UINT64_C(0x1e376c085141ab53),
    UINT64_C(0x2748774cdf8eeb99), UINT64_C(0x34b0bcb5e19b48a8),
    UINT64_C(0x391c0cb3c5c95a63), UINT64_C(0x4ed8aa4ae3418acb),
    UINT64_C(0x5b9cca4f7763e373), UINT64_C(0x682e6ff3d6b2b8a3),
    UINT64_C(0x748f82ee5defb2fc), UINT64_C(0x78a5636f43172f60),
    UINT64_C(0x84c87814a1f0ab72), UINT64_C(0x8cc702081a6439ec),
    UINT64_C(0x90befffa23631e28), UINT64_C(0xa4506cebde82bde9),
    UINT64_C(0xbef9a3f7b2c67915), UINT64_C(0xc67178f2e372532b),
    UINT64_C(0xca273eceea26619c), UINT64_C(0xd186b8c721c0c207),
    UINT64_C(0xeada7dd6cde0eb1e), UINT64_C(0xf57d4f7fee6ed178),
    UINT64_C(0x06f067aa72176fba), UINT64_C(0x0a637dc5a2c898a6),
    UINT64_C(0x113f9804bef90dae), UINT64_C(0x1b710b35131c471b),
    UINT64_C(0x28db77f523047d84), UINT64_C(0x32caab7b40c72493),
    UINT64_C(0x3c9ebe0a15c9bebc), UINT64_C(0x431d67c49c100d4c),
    UINT64_C(0x4cc5d4becb3e42b6), UINT64_C(0x597f299cfc657e2a),
    UINT64_C(0x5fcb6fab3ad6faec), UINT64_C(0x6c44198c4a475817)
};

/* H(0) of SHA-512/256 (FIPS 180-4 §5.3.6.2): the output of the SHA-512/t
 * IV generation function for "SHA-512/256". Not the SHA-512 IV: truncated
 * plain SHA-512 is a different function (the values printed in RFC 7616
 * §3.9.2 are truncated SHA-512; interoperating clients use this one). */
static const uint64_t sip__sha512_256_h0[8] = {
    UINT64_C(0x22312194fc2bf72c), UINT64_C(0x9f555fa3c84c64c2),
    UINT64_C(0x2393b86b6f53b151), UINT64_C(0x963877195940eabd),
    UINT64_C(0x96283ee2a88effe3), UINT64_C(0xbe5e1e2553863992),
    UINT64_C(0x2b0199fc2c85b8aa), UINT64_C(0x0eb72ddc81c52ca2)
};

static void sip__sha512_block(void *state, const uint8_t *p)
{
    uint64_t *h = (uint64_t *)state;
    uint64_t w[80], a, b, c, d, e, f, g, hh, t1, t2;
    unsigned t;
    for (t = 0; t < 16; t++) w[t] = sip__dg_be64(p + 8 * t);
    for (t = 16; t < 80; t++) { /* FIPS 180-4 §6.4.2 step 1 */
        uint64_t s0 = sip__dg_ror64(w[t - 15], 1) ^ sip__dg_ror64(w[t - 15], 8) ^
                      (w[t - 15] >> 7);
        uint64_t s1 = sip__dg_ror64(w[t - 2], 19) ^ sip__dg_ror64(w[t - 2], 61) ^
                      (w[t - 2] >> 6);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    a = h[0]; b = h[1]; c = h[2]; d = h[3];
    e = h[4]; f = h[5]; g = h[6]; hh = h[7];
    for (t = 0; t < 80; t++) {
        t1 = hh + (sip__dg_ror64(e, 14) ^ sip__dg_ror64(e, 18) ^ sip__dg_ror64(e, 41)) +
             ((e & f) ^ (~e & g)) + sip__sha512_k[t] + w[t];
        t2 = (sip__dg_ror64(a, 28) ^ sip__dg_ror64(a, 34) ^ sip__dg_ror64(a, 39)) +
             ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sip__sha512_256_init(sip__dg_ctx *c)
{
    memcpy(c->h.w64, sip__sha512_256_h0, sizeof sip__sha512_256_h0);
    c->total = 0;
    c->n = 0;
    c->block = 128;
    c->fn = sip__sha512_block;
}

static void sip__sha512_256_final(sip__dg_ctx *c, uint8_t *out)
{
    unsigned i;
    sip__dg_pad(c, 16, 1);   /* 128-bit length field (FIPS 180-4 §5.1.2) */
    for (i = 0; i < 32; i++) /* leftmost 256 bits (FIPS 180-4 §6.7) */
        out[i] = (uint8_t)(c->h.w64[i >> 3] >> (56 - 8 * (i & 7)));
}

SIPDEF int sip_hash(sip_digest_alg alg, const sip_str *parts, size_t n_parts,
                    uint8_t *out)
{
    sip__dg_ctx c;
    size_t i;
    sip_digest_alg base = sip__dg_base(alg);
    if (base == SIP_DIGEST_ALG_UNKNOWN) return SIP_ERR_UNSUPPORTED;
    if (!out || (n_parts && !parts)) return SIP_ERR_INVALID;
    if (base == SIP_DIGEST_MD5) sip__md5_init(&c);
    else if (base == SIP_DIGEST_SHA256) sip__sha256_init(&c);
    else sip__sha512_256_init(&c);
    for (i = 0; i < n_parts; i++)
        sip__dg_update(&c, (const uint8_t *)parts[i].p, parts[i].len);
    if (base == SIP_DIGEST_MD5) sip__md5_final(&c, out);
    else if (base == SIP_DIGEST_SHA256) sip__sha256_final(&c, out);
    else sip__sha512_256_final(&c, out);
    return 0;
}

#else /* SIP_USE_OPENSSL */

/* EVP back end (OpenSSL >= 1.1.1 for EVP_sha512_256). The EVP context is
 * the one allocation in this file; a provider without the digest (e.g. MD5
 * under a FIPS-only configuration) gives SIP_ERR_UNSUPPORTED. */
static const EVP_MD *sip__dg_evp(sip_digest_alg base)
{
    switch (base) {
    case SIP_DIGEST_MD5: return EVP_md5();
    case SIP_DIGEST_SHA256: return EVP_sha256();
    case SIP_DIGEST_SHA512_256: return EVP_sha512_256();
    default: return NULL;
    }
}

SIPDEF int sip_hash(sip_digest_alg alg, const sip_str *parts, size_t n_parts,
                    uint8_t *out)
{
    const EVP_MD *md = sip__dg_evp(sip__dg_base(alg));
    EVP_MD_CTX *c;
    unsigned int olen = 0;
    size_t i;
    int ok;
    if (!md) return SIP_ERR_UNSUPPORTED;
    if (!out || (n_parts && !parts)) return SIP_ERR_INVALID;
    c = EVP_MD_CTX_new();
    ok = c && EVP_DigestInit_ex(c, md, NULL) == 1;
    for (i = 0; ok && i < n_parts; i++)
        if (parts[i].len) ok = EVP_DigestUpdate(c, parts[i].p, parts[i].len) == 1;
    ok = ok && EVP_DigestFinal_ex(c, out, &olen) == 1 &&
         olen == sip_digest_alg_len(alg);
    EVP_MD_CTX_free(c);
    return ok ? 0 : SIP_ERR_UNSUPPORTED;
}

#endif /* SIP_USE_OPENSSL */

/* ---- request-digest (RFC 7616 §3.4.1-§3.4.3, RFC 2617 §3.2.2) ---------- */

static void sip__dg_tohex(const uint8_t *b, size_t n, char *hex)
{
    size_t i;
    for (i = 0; i < n; i++) {
        hex[2 * i] = sip__dg_hexdig[b[i] >> 4];
        hex[2 * i + 1] = sip__dg_hexdig[b[i] & 15];
    }
    hex[2 * n] = '\0';
}

/* H(parts...) as lowercase hex (RFC 7616 §3.4: digests are sent as lower-
 * case hex, and HA1 / HA2 enter the next hash in that form). */
static int sip__dg_hhex(sip_digest_alg alg, const sip_str *parts, size_t n,
                        char *hex)
{
    uint8_t md[32];
    int rc = sip_hash(alg, parts, n, md);
    if (rc) return rc;
    sip__dg_tohex(md, sip_digest_alg_len(alg), hex);
    return 0;
}

/* Copy a stored H(user:realm:pass) in lowercase: some user databases keep
 * it in upper case, but the hash input must be the lowercase form. */
static int sip__dg_ha1_copy(sip_str s, size_t hexlen, char *dst)
{
    size_t i;
    if (s.len != hexlen) return SIP_ERR_INVALID;
    for (i = 0; i < hexlen; i++) {
        if (sip__hexval((unsigned char)s.p[i]) < 0) return SIP_ERR_INVALID;
        dst[i] = (char)sip__lower((unsigned char)s.p[i]);
    }
    dst[hexlen] = '\0';
    return 0;
}

static int sip__dg_is_nc(sip_str nc)
{
    size_t i;
    if (nc.len != 8) return 0;    /* nc-value = 8LHEX (RFC 7616 §3.4) */
    for (i = 0; i < 8; i++)
        if (sip__hexval((unsigned char)nc.p[i]) < 0) return 0;
    return 1;
}

/* Arguments the computation cannot do without. -sess needs a cnonce for
 * A1 even without qop (RFC 2617 §3.2.2.2). */
static int sip__dg_check(const sip_digest_input *in)
{
    if (sip_digest_alg_len(in->alg) == 0) return SIP_ERR_UNSUPPORTED;
    if ((unsigned)in->qop > (unsigned)SIP_QOP_AUTH_INT) return SIP_ERR_INVALID;
    if ((in->qop != SIP_QOP_NONE || sip__dg_is_sess(in->alg)) && in->cnonce.len == 0)
        return SIP_ERR_INVALID;
    if (in->qop != SIP_QOP_NONE && !sip__dg_is_nc(in->nc)) return SIP_ERR_INVALID;
    return 0;
}

/* A1 (RFC 7616 §3.4.2): H(user:realm:pass), or the caller's stored value;
 * for -sess then H(that:nonce:cnonce). */
static int sip__dg_ha1(const sip_digest_input *in, char *h1)
{
    const sip_str c = SIP_STR(":");
    size_t hl = 2 * sip_digest_alg_len(in->alg);
    int rc;
    if (in->ha1_hex.p) {
        rc = sip__dg_ha1_copy(in->ha1_hex, hl, h1);
    } else {
        sip_str a1[5];
        a1[0] = in->username; a1[1] = c; a1[2] = in->realm; a1[3] = c;
        a1[4] = in->password;
        rc = sip__dg_hhex(in->alg, a1, 5, h1);
    }
    if (rc || !sip__dg_is_sess(in->alg)) return rc;
    {
        sip_str s[5];
        s[0] = sip__span(h1, h1 + hl); s[1] = c; s[2] = in->nonce; s[3] = c;
        s[4] = in->cnonce;
        return sip__dg_hhex(in->alg, s, 5, h1); /* h1 read before written */
    }
}

/* A2 (RFC 7616 §3.4.3): method:uri, plus :H(body) for auth-int. */
static int sip__dg_ha2(const sip_digest_input *in, char *h2)
{
    const sip_str c = SIP_STR(":");
    char hb[65];
    sip_str a2[5];
    size_t n = 3;
    a2[0] = in->method; a2[1] = c; a2[2] = in->uri;
    if (in->qop == SIP_QOP_AUTH_INT) {
        int rc = sip__dg_hhex(in->alg, &in->body, 1, hb);
        if (rc) return rc;
        a2[3] = c;
        a2[4] = sip_str_c(hb);
        n = 5;
    }
    return sip__dg_hhex(in->alg, a2, n, h2);
}

static const char *sip__dg_qop_name(sip_digest_qop q)
{
    return q == SIP_QOP_AUTH_INT ? "auth-int" : q == SIP_QOP_AUTH ? "auth" : "";
}

/* response = KD(HA1, nonce:nc:cnonce:qop:HA2), or KD(HA1, nonce:HA2)
 * without qop (RFC 7616 §3.4.1, RFC 2617 §3.2.2.1); KD(s, d) = H(s:d). */
static int sip__dg_kd(const sip_digest_input *in, const char *h1,
                      const char *h2, char *out)
{
    const sip_str c = SIP_STR(":");
    sip_str v[11];
    size_t n = 0;
    v[n++] = sip_str_c(h1); v[n++] = c; v[n++] = in->nonce; v[n++] = c;
    if (in->qop != SIP_QOP_NONE) {
        v[n++] = in->nc; v[n++] = c; v[n++] = in->cnonce; v[n++] = c;
        v[n++] = sip_str_c(sip__dg_qop_name(in->qop)); v[n++] = c;
    }
    v[n++] = sip_str_c(h2);
    return sip__dg_hhex(in->alg, v, n, out);
}

SIPDEF int sip_digest_response(const sip_digest_input *in, char *out,
                               size_t cap, char *ha1, char *ha2)
{
    char h1[65], h2[65];
    size_t hl;
    int rc;
    if (!in) return SIP_ERR_INVALID;
    rc = sip__dg_check(in);
    if (rc) return rc;
    hl = 2 * sip_digest_alg_len(in->alg);
    if (!out || cap < hl + 1) return SIP_ERR_NOSPACE;
    rc = sip__dg_ha1(in, h1);
    if (!rc) rc = sip__dg_ha2(in, h2);
    if (!rc) rc = sip__dg_kd(in, h1, h2, out);
    if (rc) return rc;
    if (ha1) memcpy(ha1, h1, hl + 1);
    if (ha2) memcpy(ha2, h2, hl + 1);
    return (int)hl;
}

SIPDEF int sip_digest_userhash(sip_digest_alg alg, sip_str username,
                               sip_str realm, char *out, size_t cap)
{
    const sip_str c = SIP_STR(":");
    size_t hl = 2 * sip_digest_alg_len(alg);
    sip_str v[3];
    int rc;
    if (hl == 0) return SIP_ERR_UNSUPPORTED;
    if (!out || cap < hl + 1) return SIP_ERR_NOSPACE;
    v[0] = username; v[1] = c; v[2] = realm;   /* RFC 7616 §3.4.4 */
    rc = sip__dg_hhex(alg, v, 3, out);
    return rc ? rc : (int)hl;
}

/* ---- credentials (RFC 7616 §3.4, RFC 3261 §22.4) ---------------------- */

/* quoted-string (RFC 3261 §25.1): '"' and '\' become quoted-pairs. */
static void sip__dg_put_quoted(sip__w *w, sip_str s)
{
    size_t i;
    sip__put(w, "\"", 1);
    for (i = 0; i < s.len; i++) {
        if (s.p[i] == '"' || s.p[i] == '\\') sip__put(w, "\\", 1);
        sip__put(w, s.p + i, 1);
    }
    sip__put(w, "\"", 1);
}

/* Nonzero when s holds CR, LF or NUL: such a value would end or split the
 * header field (injection), so the builder refuses it. */
static int sip__dg_has_ctl(sip_str s)
{
    size_t i;
    for (i = 0; i < s.len; i++)
        if (s.p[i] == '\r' || s.p[i] == '\n' || s.p[i] == '\0') return 1;
    return 0;
}

static void sip__dg_put_param(sip__w *w, const char *name, sip_str v,
                              int quoted)
{
    sip__puts(w, ", ");
    sip__puts(w, name);
    sip__put(w, "=", 1);
    if (quoted) sip__dg_put_quoted(w, v);
    else sip__put(w, v.p, v.len);
}

SIPDEF int sip_digest_build_credentials(char *out, size_t cap,
                                        const sip_auth *challenge,
                                        const sip_digest_input *in,
                                        size_t *needed)
{
    char resp[65];
    sip_str opaque = {NULL, 0};
    sip__w w;
    int rc;
    if (!in) return SIP_ERR_INVALID;
    if (challenge) opaque = challenge->opaque;
    if (sip__dg_has_ctl(in->username) || sip__dg_has_ctl(in->realm) ||
        sip__dg_has_ctl(in->nonce) || sip__dg_has_ctl(in->uri) ||
        sip__dg_has_ctl(in->cnonce) || sip__dg_has_ctl(opaque))
        return SIP_ERR_INVALID;
    rc = sip_digest_response(in, resp, sizeof resp, NULL, NULL);
    if (rc < 0) return rc;
    w.out = out;
    w.cap = cap;
    w.n = 0;
    sip__puts(&w, "Digest username=");
    sip__dg_put_quoted(&w, in->username);
    sip__dg_put_param(&w, "realm", in->realm, 1);
    sip__dg_put_param(&w, "nonce", in->nonce, 1);
    sip__dg_put_param(&w, "uri", in->uri, 1);
    sip__dg_put_param(&w, "response", sip_str_c(resp), 1);
    sip__dg_put_param(&w, "algorithm", sip_str_c(sip_digest_alg_name(in->alg)), 0);
    if (in->qop != SIP_QOP_NONE) sip__dg_put_param(&w, "cnonce", in->cnonce, 1);
    if (opaque.p) { /* echoed as received: already in quoted-string form */
        sip__puts(&w, ", opaque=\"");
        sip__put(&w, opaque.p, opaque.len);
        sip__put(&w, "\"", 1);
    }
    if (in->qop != SIP_QOP_NONE) {
        sip__dg_put_param(&w, "qop", sip_str_c(sip__dg_qop_name(in->qop)), 0);
        sip__dg_put_param(&w, "nc", in->nc, 0);
    }
    return sip__w_done(&w, needed);
}

SIPDEF int sip_ct_equal(sip_str a, sip_str b)
{
    /* No early exit: the time depends on the length only. volatile keeps
     * the compiler from turning the loop into a memcmp. */
    volatile unsigned char d = 0;
    size_t i;
    if (a.len != b.len) return 0;
    for (i = 0; i < a.len; i++)
        d = (unsigned char)(d | ((unsigned char)a.p[i] ^ (unsigned char)b.p[i]));
    return d == 0;
}

/* ---- challenge / credentials parsing (RFC 3261 §25.1, RFC 7616 §3.3-3.5) */

/* LWS = [*WSP CRLF] 1*WSP (RFC 3261 §25.1). A line break must be followed
 * by WSP (folding); a bare one stops the skip and is then a syntax error. */
static const char *sip__dg_lws(const char *p, const char *e)
{
    for (;;) {
        const char *q;
        while (p < e && (*p == ' ' || *p == '\t')) p++;
        q = p;
        if (q < e && *q == '\r') q++;
        if (q < e && *q == '\n') q++;
        if (q == p || q >= e || (*q != ' ' && *q != '\t')) return p;
        p = q;
    }
}


/* auth-param value: token / quoted-string, quotes dropped, quoted-pairs
 * kept. Returns the end of the value, or NULL (empty, unterminated). */
static const char *sip__dg_value(const char *p, const char *e, sip_str *v)
{
    const char *q;
    if (p < e && *p == '"') {
        q = sip__skip_quoted(p, e);
        if (!q) return NULL;
        *v = sip__span(p + 1, q - 1);
        return q;
    }
    q = sip__token_end(p, e);
    if (q == p) return NULL;
    *v = sip__span(p, q);
    return q;
}

/* The parameters sip_auth names (RFC 7616 §3.3, §3.4, §3.5; RFC 2617 §3.2). */
static const struct sip__dg_pname {
    const char *name;
    size_t off;
} sip__dg_pnames[] = {
    {"realm", offsetof(sip_auth, realm)},
    {"nonce", offsetof(sip_auth, nonce)},
    {"opaque", offsetof(sip_auth, opaque)},
    {"algorithm", offsetof(sip_auth, algorithm)},
    {"qop", offsetof(sip_auth, qop)},
    {"domain", offsetof(sip_auth, domain)},
    {"stale", offsetof(sip_auth, stale)},
    {"username", offsetof(sip_auth, username)},
    {"uri", offsetof(sip_auth, uri)},
    {"response", offsetof(sip_auth, response)},
    {"cnonce", offsetof(sip_auth, cnonce)},
    {"nc", offsetof(sip_auth, nc)},
    {"userhash", offsetof(sip_auth, userhash)},
    {"charset", offsetof(sip_auth, charset)},
    {"nextnonce", offsetof(sip_auth, nextnonce)},
    {"rspauth", offsetof(sip_auth, rspauth)},
    {"username*", offsetof(sip_auth, username_ext)}
};

static sip_str *sip__dg_field(sip_auth *a, sip_str name)
{
    size_t i;
    for (i = 0; i < sizeof sip__dg_pnames / sizeof sip__dg_pnames[0]; i++)
        if (sip_str_caseeq_c(name, sip__dg_pnames[i].name))
            return (sip_str *)(void *)((char *)a + sip__dg_pnames[i].off);
    return NULL;
}

/* auth-param *(COMMA auth-param), at least one (RFC 3261 §25.1 digest-cln,
 * ainfo). Known names fill their field once; others are skipped. */
static int sip__dg_params(sip_auth *a)
{
    const char *p = a->params.p, *e = p + a->params.len, *q;
    sip_str name, val, *f;
    for (;;) {
        q = sip__token_end(p, e);
        if (q == p) return SIP_ERR_SYNTAX;
        name = sip__span(p, q);
        p = sip__dg_lws(q, e);                    /* EQUAL = SWS "=" SWS */
        if (p >= e || *p != '=') return SIP_ERR_SYNTAX;
        p = sip__dg_value(sip__dg_lws(p + 1, e), e, &val);
        if (!p) return SIP_ERR_SYNTAX;
        f = sip__dg_field(a, name);
        if (f) {
            if (f->p) return SIP_ERR_DUPLICATE;
            *f = val;
        }
        p = sip__dg_lws(p, e);                    /* COMMA = SWS "," SWS */
        if (p == e) return 0;
        if (*p != ',') return SIP_ERR_SYNTAX;
        p = sip__dg_lws(p + 1, e);
    }
}

/* qop bits: a challenge's list "auth,auth-int" (RFC 7616 §3.3) or the one
 * value of credentials / Authentication-Info. Unknown values are ignored. */
static unsigned sip__dg_qop_mask(sip_str q)
{
    const char *p = q.p, *e, *t;
    unsigned m = 0;
    if (!p) return 0;
    e = p + q.len;
    while (p < e) {
        sip_str item;
        t = (const char *)memchr(p, ',', (size_t)(e - p));
        if (!t) t = e;
        item = sip__trim(sip__span(p, t));
        if (sip_str_caseeq_c(item, "auth")) m |= 1u << SIP_QOP_AUTH;
        else if (sip_str_caseeq_c(item, "auth-int")) m |= 1u << SIP_QOP_AUTH_INT;
        p = t < e ? t + 1 : e;
    }
    return m;
}

SIPDEF int sip_auth_parse(sip_str s, sip_auth *out)
{
    const char *p, *e, *t, *q;
    int rc;
    if (!out) return SIP_ERR_INVALID;
    memset(out, 0, sizeof *out);
    s = sip__trim(s);
    if (!s.p || s.len == 0) return SIP_ERR_SYNTAX;
    p = s.p;
    e = p + s.len;
    t = sip__token_end(p, e);
    if (t == p) return SIP_ERR_SYNTAX;
    q = sip__dg_lws(t, e);
    if (q < e && *q == '=') {
        /* Authentication-Info (RFC 3261 §20.6, RFC 7616 §3.5): no scheme */
        out->params = s;
    } else {
        if (q == t && q < e) return SIP_ERR_SYNTAX; /* scheme LWS params */
        out->scheme = sip__span(p, t);
        out->params = sip__span(q, e);
        /* Other schemes (RFC 3261 §25.1 other-challenge, or a token68 as in
         * HTTP) are left to the caller: scheme and params only. */
        if (!sip_str_caseeq_c(out->scheme, "Digest")) return 0;
    }
    rc = sip__dg_params(out);
    if (rc) return rc;
    out->alg = sip_digest_alg_from_str(out->algorithm);
    out->qop_mask = sip__dg_qop_mask(out->qop);
    return 0;
}

#endif /* SIP_IMPLEMENTATION && !SIP_IMPLEMENTATION_DONE */

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
