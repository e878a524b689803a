/* sip.h - SIP messages for C: parse, build, edit, digest auth. No allocation.
 *
 * Part of cvoip (https://example.invalid/cvoip), single-file, MIT licence.
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
SIPDEF int sip_retry_after_parse(sip_str s, sip_retry_after *out);

/** RAck (RFC 3262 §7.2): response-num CSeq-num method. */
typedef struct sip_rack {
    uint32_t rseq, cseq;
    sip_method method;
    sip_str method_str;
} sip_rack;
SIPDEF int sip_rack_parse(sip_str s, sip_rack *out);

/** Event (RFC 6665 §8.2.1): package[.template] with id and params. */
typedef struct sip_event {
    sip_str package;     /**< e.g. "presence", "refer", "dialog" */
    sip_str id;          /**< absent when none */
    sip_str params;
} sip_event;
SIPDEF int sip_event_parse(sip_str s, sip_event *out);

/** Subscription-State (RFC 6665 §8.2.3). */
typedef struct sip_sub_state {
    sip_str state;       /**< "active", "pending", "terminated" or other */
    sip_str reason;
    uint32_t expires, retry_after;
    uint8_t has_expires, has_retry_after;
    sip_str params;
} sip_sub_state;
SIPDEF int sip_sub_state_parse(sip_str s, sip_sub_state *out);

/** Replaces (RFC 3891 §6.1) and Join (RFC 3911): call-id with to-tag and
 *  from-tag (both required) and early-only. */
typedef struct sip_replaces {
    sip_str call_id, to_tag, from_tag;
    uint8_t early_only;
    sip_str params;
} sip_replaces;
SIPDEF int sip_replaces_parse(sip_str s, sip_replaces *out);

/** Session-Expires (RFC 4028 §4) and Min-SE: delta with refresher. */
typedef struct sip_session_expires {
    uint32_t delta;
    sip_str refresher;   /**< "uac", "uas" or absent */
    sip_str params;
} sip_session_expires;
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
SIPDEF int sip_timestamp_parse(sip_str s, sip_timestamp *out);

/** One Warning value (RFC 3261 §20.43): 3-digit code, agent, quoted text. */
typedef struct sip_warning {
    uint16_t code;
    sip_str agent;
    sip_str text;        /**< without the quotes */
} sip_warning;
SIPDEF int sip_warning_parse(sip_str s, sip_warning *out);

/** One Reason value (RFC 3326): protocol with cause and text. */
typedef struct sip_reason {
    sip_str protocol;    /**< "SIP", "Q.850", ... */
    uint32_t cause;
    uint8_t has_cause;
    sip_str text;        /**< without the quotes, absent when none */
    sip_str params;
} sip_reason;
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

/** Decide the §8.2 (UAS) or §16.3 (proxy) answer for a parsed request:
 *  416 for an unknown Request-URI scheme, 405/501 for methods, 420 for
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
                                  "Max-Forwards: 69" when absent */
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
 *  Returns its length, SIP_ERR_NOSPACE or SIP_ERR_CALLBACK. */
SIPDEF int sip_gen_branch(char *out, size_t cap, sip_rand_fn rnd, void *user);
/** Tag: 16 characters, 96 bits (§19.3: at least 32 random bits). cap >= 17. */
SIPDEF int sip_gen_tag(char *out, size_t cap, sip_rand_fn rnd, void *user);
/** Call-ID: 24 random characters, then "@host" when host is present
 *  (§8.1.1.4). Returns its length or SIP_ERR_NOSPACE / SIP_ERR_CALLBACK. */
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

/** Compute the request-digest as lowercase hex into out (cap >= 65; NUL-
 *  terminated). Also stores HA1 and HA2 hex when ha1/ha2 are non-NULL
 *  (each cap 65). Returns the hex length (32 or 64), SIP_ERR_UNSUPPORTED
 *  for an unknown algorithm, SIP_ERR_INVALID for a missing cnonce/nc with
 *  qop, SIP_ERR_NOSPACE. */
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

/** Hash primitives (built-in, or OpenSSL with SIP_USE_OPENSSL). The one-
 *  shot form hashes n_parts spans concatenated into out (16 or 32 bytes).
 *  Returns 0 or SIP_ERR_UNSUPPORTED. */
SIPDEF int sip_hash(sip_digest_alg alg, const sip_str *parts, size_t n_parts,
                    uint8_t *out);

#ifdef __cplusplus
}
#endif
#endif /* SIP_H */

/* ========================================================================
 * Implementation
 * ===================================================================== */
#ifdef SIP_IMPLEMENTATION

#include <string.h>

#ifndef SIP_ASSERT
#include <assert.h>
#define SIP_ASSERT(x) assert(x)
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
    SIP__PARAM = 128  /* paramchar: unreserved, [ ] / : & + $, escaped % */
};

/* One table, computed by hand from the ABNF; see the comments above. */
static const unsigned char sip__cc[256] = {
#define T_ (SIP__TOKEN | SIP__WORD)
#define A_ (T_ | SIP__ALPHA | SIP__URIC | SIP__PARAM)
#define H_ (A_ | SIP__HEX)
#define D_ (T_ | SIP__DIGIT | SIP__HEX | SIP__URIC | SIP__PARAM)
    /* 0x00 */ 0,0,0,0,0,0,0,0,0,SIP__WS,0,0,0,0,0,0,
    /* 0x10 */ 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    /* ' ' */ SIP__WS,
    /* '!' */ T_ | SIP__URIC | SIP__PARAM,
    /* '"' */ SIP__WORD,
    /* '#' */ 0,
    /* '$' */ SIP__URIC | SIP__PARAM,
    /* '%' */ T_ | SIP__URIC | SIP__PARAM,
    /* '&' */ SIP__URIC | SIP__PARAM,
    /* ''' */ T_ | SIP__URIC | SIP__PARAM,
    /* '(' */ SIP__WORD | SIP__URIC | SIP__PARAM,
    /* ')' */ SIP__WORD | SIP__URIC | SIP__PARAM,
    /* '*' */ T_ | SIP__URIC | SIP__PARAM,
    /* '+' */ T_ | SIP__URIC | SIP__PARAM,
    /* ',' */ SIP__URIC,
    /* '-' */ T_ | SIP__URIC | SIP__PARAM,
    /* '.' */ T_ | SIP__URIC | SIP__PARAM,
    /* '/' */ SIP__WORD | SIP__URIC | SIP__PARAM,
    /* 0-9 */ D_,D_,D_,D_,D_,D_,D_,D_,D_,D_,
    /* ':' */ SIP__WORD | SIP__URIC | SIP__PARAM,
    /* ';' */ SIP__URIC,
    /* '<' */ SIP__WORD,
    /* '=' */ SIP__URIC,
    /* '>' */ SIP__WORD,
    /* '?' */ SIP__WORD | SIP__URIC,
    /* '@' */ SIP__URIC,
    /* A-F */ H_,H_,H_,H_,H_,H_,
    /* G-Z */ A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,
    /* '[' */ SIP__WORD | SIP__URIC | SIP__PARAM,
    /* '\' */ SIP__WORD,
    /* ']' */ SIP__WORD | SIP__URIC | SIP__PARAM,
    /* '^' */ 0,
    /* '_' */ T_ | SIP__URIC | SIP__PARAM,
    /* '`' */ T_,
    /* a-f */ H_,H_,H_,H_,H_,H_,
    /* g-z */ A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,A_,
    /* '{' */ SIP__WORD,
    /* '|' */ 0,
    /* '}' */ SIP__WORD,
    /* '~' */ T_ | SIP__URIC | SIP__PARAM,
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

static sip_str sip__span(const char *b, const char *e)
{
    sip_str s;
    s.p = b;
    s.len = (size_t)(e - b);
    return s;
}

static const char *sip__skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
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
    const char *b = s.p, *e = s.p + s.len;
    if (!s.p) return s;
    b = sip__skip_ws(b, e);
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) e--;
    return sip__span(b, e);
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

static int sip__name_caseeq(const char *p, size_t len, const char *lit)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (!lit[i] || (((unsigned char)p[i]) | 0x20) != (((unsigned char)lit[i]) | 0x20))
            return 0;
    }
    return lit[len] == 0;
}

SIPDEF sip_hdr_id sip_hdr_id_from_name(sip_str name)
{
    const char *p = name.p;
    size_t n = name.len;
    int c0;
    if (n == 0) return SIP_HDR_OTHER;
    c0 = sip__lower((unsigned char)p[0]);
    if (n == 1)
        return (c0 >= 'a' && c0 <= 'z') ? (sip_hdr_id)sip__hdr_compact[c0 - 'a']
                                        : SIP_HDR_OTHER;
    /* Switch on the first letter, then compare the few names it starts. */
    switch (c0) {
#define SIP__TRY(id) if (sip__name_caseeq(p, n, sip__hdr_names[id])) return id
    case 'a':
        SIP__TRY(SIP_HDR_ACCEPT); SIP__TRY(SIP_HDR_ALLOW); SIP__TRY(SIP_HDR_AUTHORIZATION);
        SIP__TRY(SIP_HDR_ACCEPT_CONTACT); SIP__TRY(SIP_HDR_ACCEPT_ENCODING);
        SIP__TRY(SIP_HDR_ACCEPT_LANGUAGE); SIP__TRY(SIP_HDR_ALERT_INFO);
        SIP__TRY(SIP_HDR_ALLOW_EVENTS); SIP__TRY(SIP_HDR_AUTHENTICATION_INFO);
        break;
    case 'c':
        SIP__TRY(SIP_HDR_CSEQ); SIP__TRY(SIP_HDR_CALL_ID); SIP__TRY(SIP_HDR_CONTACT);
        SIP__TRY(SIP_HDR_CONTENT_TYPE); SIP__TRY(SIP_HDR_CONTENT_LENGTH);
        SIP__TRY(SIP_HDR_CALL_INFO); SIP__TRY(SIP_HDR_CONTENT_DISPOSITION);
        SIP__TRY(SIP_HDR_CONTENT_ENCODING); SIP__TRY(SIP_HDR_CONTENT_LANGUAGE);
        break;
    case 'd': SIP__TRY(SIP_HDR_DATE); break;
    case 'e':
        SIP__TRY(SIP_HDR_EXPIRES); SIP__TRY(SIP_HDR_EVENT); SIP__TRY(SIP_HDR_ERROR_INFO);
        break;
    case 'f': SIP__TRY(SIP_HDR_FROM); SIP__TRY(SIP_HDR_FLOW_TIMER); break;
    case 'i':
        SIP__TRY(SIP_HDR_IDENTITY); SIP__TRY(SIP_HDR_IDENTITY_INFO);
        SIP__TRY(SIP_HDR_IN_REPLY_TO); SIP__TRY(SIP_HDR_INFO_PACKAGE);
        break;
    case 'j': SIP__TRY(SIP_HDR_JOIN); break;
    case 'm':
        SIP__TRY(SIP_HDR_MAX_FORWARDS); SIP__TRY(SIP_HDR_MIN_EXPIRES);
        SIP__TRY(SIP_HDR_MIN_SE); SIP__TRY(SIP_HDR_MIME_VERSION);
        SIP__TRY(SIP_HDR_MAX_BREADTH);
        break;
    case 'o': SIP__TRY(SIP_HDR_ORGANIZATION); break;
    case 'p':
        SIP__TRY(SIP_HDR_PROXY_AUTHORIZATION); SIP__TRY(SIP_HDR_PROXY_AUTHENTICATE);
        SIP__TRY(SIP_HDR_PROXY_REQUIRE); SIP__TRY(SIP_HDR_PATH);
        SIP__TRY(SIP_HDR_P_ASSERTED_IDENTITY); SIP__TRY(SIP_HDR_P_PREFERRED_IDENTITY);
        SIP__TRY(SIP_HDR_PRIORITY); SIP__TRY(SIP_HDR_PRIVACY);
        break;
    case 'r':
        SIP__TRY(SIP_HDR_ROUTE); SIP__TRY(SIP_HDR_RECORD_ROUTE); SIP__TRY(SIP_HDR_REQUIRE);
        SIP__TRY(SIP_HDR_RSEQ); SIP__TRY(SIP_HDR_RACK); SIP__TRY(SIP_HDR_REASON);
        SIP__TRY(SIP_HDR_REFER_TO); SIP__TRY(SIP_HDR_REFERRED_BY);
        SIP__TRY(SIP_HDR_REPLACES); SIP__TRY(SIP_HDR_REPLY_TO);
        SIP__TRY(SIP_HDR_RETRY_AFTER); SIP__TRY(SIP_HDR_RECV_INFO);
        SIP__TRY(SIP_HDR_REFER_SUB); SIP__TRY(SIP_HDR_REJECT_CONTACT);
        SIP__TRY(SIP_HDR_REQUEST_DISPOSITION);
        break;
    case 's':
        SIP__TRY(SIP_HDR_SUPPORTED); SIP__TRY(SIP_HDR_SERVER); SIP__TRY(SIP_HDR_SUBJECT);
        SIP__TRY(SIP_HDR_SESSION_EXPIRES); SIP__TRY(SIP_HDR_SUBSCRIPTION_STATE);
        SIP__TRY(SIP_HDR_SERVICE_ROUTE); SIP__TRY(SIP_HDR_SIP_ETAG);
        SIP__TRY(SIP_HDR_SIP_IF_MATCH);
        break;
    case 't': SIP__TRY(SIP_HDR_TO); SIP__TRY(SIP_HDR_TIMESTAMP); break;
    case 'u': SIP__TRY(SIP_HDR_USER_AGENT); SIP__TRY(SIP_HDR_UNSUPPORTED); break;
    case 'v': SIP__TRY(SIP_HDR_VIA); break;
    case 'w': SIP__TRY(SIP_HDR_WWW_AUTHENTICATE); SIP__TRY(SIP_HDR_WARNING); break;
    default: break;
#undef SIP__TRY
    }
    return SIP_HDR_OTHER;
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
        }
    }
    return NULL;
}

SIPDEF int sip_param_next(sip_str params, size_t *pos, sip_str *name,
                          sip_str *value)
{
    const char *b = params.p, *e = params.p + params.len, *p, *q;
    if (!b || *pos >= params.len) return 0;
    p = sip__skip_ws(b + *pos, e);
    if (p < e && *p == ';') p = sip__skip_ws(p + 1, e);
    if (p >= e) { *pos = params.len; return 0; }
    q = p;
    while (q < e && *q != '=' && *q != ';' && *q != ' ' && *q != '\t' &&
           *q != '\r' && *q != '\n')
        q++;
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
            ve = v;
            while (ve < e && *ve != ';' && *ve != ' ' && *ve != '\t' &&
                   *ve != '\r' && *ve != '\n')
                ve++;
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
    return sip_str_to_u32(sip_str_trim(s), max, out);
}

#endif /* SIP_IMPLEMENTATION */
