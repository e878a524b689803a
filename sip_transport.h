#if defined(CVOIP_IMPLEMENTATION) && !defined(SIP_TRANSPORT_IMPLEMENTATION)
#define SIP_TRANSPORT_IMPLEMENTATION
#endif
/* sip_transport.h - SIP transports for C, sans-IO: framing, connections,
 * server location (RFC 3261 §18, RFC 3263, RFC 3581, RFC 5626, RFC 6455,
 * RFC 7118, RFC 5923).
 *
 * Part of cvoip, single-file, MIT licence. Builds on sip.h.
 *
 *     #define SIP_TRANSPORT_IMPLEMENTATION  (or CVOIP_IMPLEMENTATION)
 *     #include "sip_transport.h"
 *
 * Nothing here opens a socket or reads a clock: bytes and now_us go in,
 * bytes leave through callbacks, and each stateful context reports its
 * next deadline.
 *
 * What it does:
 *   - Vocabulary shared with sip_transaction.h: sip_tp, sip_ipaddr,
 *     sip_flow (typed connection handle: slot index + generation),
 *     sip_target (transport, remote, local, flow).
 *   - Framing per transport. UDP: one datagram = one message (§18.3
 *     datagram rules), STUN (RFC 5389 §6) and CR/LF keep-alives on the same
 *     port reported, not parsed. TCP/TLS: stream framing by Content-Length
 *     (required, §18.3) with partial messages, several per read, CRLFCRLF
 *     pings answered with a CRLF pong and pongs recognised (RFC 5626
 *     §4.4.1), and a message-size limit, a header-time limit (slow-loris)
 *     and a message-time limit that close the connection. WebSocket client
 *     and server (RFC 6455, RFC 7118): the HTTP/1.1 upgrade with
 *     Sec-WebSocket-Protocol: sip, masking, fragments reassembled within the
 *     message limit, ping/pong, the close handshake and close codes 1000,
 *     1002, 1007, 1009; one SIP message per WebSocket message.
 *   - A connection table (sip_transport): the application owns the sockets
 *     and reports accepted / connected / data / writable / closed; the
 *     table asks it to open connections (callbacks.open) and to write
 *     (callbacks.send, partial writes allowed). Lookup by flow and by
 *     (transport, remote[, local]), reuse for requests, RFC 5923 aliases,
 *     idle timeout, RFC 5626 keep-alives with pong timeout, a maximum count
 *     with eviction of the least recently used idle connection, a bounded
 *     send queue per connection with back-pressure events. Allocation only
 *     through SIP_TRANSPORT_MALLOC / SIP_TRANSPORT_FREE or a caller
 *     allocator (e.g. an arena); an idle connection holds no buffers.
 *   - A byte-filter hook per connection (sip_tp_filter) where TLS plugs in
 *     for TLS and WSS (ciphertext in -> plaintext out and back).
 *   - Via handling: received / rport values (§18.2.1, RFC 3581 §4) and a
 *     copy with them stamped; the response target of §18.2.2; the §18.1.1
 *     MTU rule.
 *
 * Decisions:
 *   - Via stamping gives values (sip_via_stamp_values), not new bytes, by
 *     default: the element that stamps is the one that routes the
 *     response by them (sip_response_target takes the source address
 *     directly), so a copy and a second parse of every request would buy
 *     nothing there. sip_via_stamp_msg writes the stamped bytes for a UAS
 *     or proxy that echoes or forwards the Via (the client can then learn
 *     its public address, RFC 3581 §9).
 *   - WebSocket messages parse with the datagram rules (RFC 7118 §5: the
 *     WebSocket message frames the SIP message; Content-Length optional).
 *   - Aliases are never created automatically: RFC 5923 §5 wants the
 *     peer's TLS certificate checked against the sent-by first, so the
 *     application calls sip_transport_alias after that check.
 *   - Timers are per connection in a list of connections with a deadline
 *     (a partial message, keep-alives, a closing WebSocket) plus the idle
 *     list ordered by last activity, so next_deadline costs O(connections
 *     with timers), not O(all connections).
 *
 * Options (define before the include):
 *   SIP_TRANSPORT_IMPLEMENTATION  compile the implementation in this file
 *   SIP_TRANSPORT_STATIC          make every function static
 *   SIP_USE_OPENSSL               the sip_tls_* filter (link -lssl -lcrypto)
 *   SIP_TLS_MALLOC(n), SIP_TLS_FREE(p)  its allocator (default malloc/free)
 *   SIP_RESOLVE_MAX_*             limits of one RFC 3263 resolution
 *   SIP_TRANSPORT_MALLOC(n), SIP_TRANSPORT_FREE(p)  allocator (malloc/free)
 *   SIP_USE_OPENSSL               SHA-1 of the WebSocket accept from libcrypto
 *
 * Licence: MIT, see the end of this file.
 */

#ifndef SIP_TRANSPORT_H
#define SIP_TRANSPORT_H

#include "sip.h"

#ifndef SIP_TRANSPORT_DEF
#ifdef SIP_TRANSPORT_STATIC
#define SIP_TRANSPORT_DEF static
#else
#define SIP_TRANSPORT_DEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Transports and addresses: the vocabulary shared with sip_transaction.h
 * --------------------------------------------------------------------- */

/** A SIP transport (RFC 3261 §18, RFC 7118 for WS/WSS). */
typedef enum sip_tp {
    SIP_TP_NONE = 0,
    SIP_TP_UDP,
    SIP_TP_TCP,
    SIP_TP_TLS,
    SIP_TP_SCTP,
    SIP_TP_WS,
    SIP_TP_WSS
} sip_tp;

/** 1 when the transport is reliable (RFC 3261 §17: Timers A, E, G, I, J and
 *  K use 0 on reliable transports), 0 for UDP and SIP_TP_NONE. */
SIP_TRANSPORT_DEF int sip_tp_reliable(sip_tp tp);

/** The Via transport token: "UDP", "TCP", "TLS", "SCTP", "WS", "WSS"
 *  (RFC 3261 §20.42, RFC 7118 §5); "" for SIP_TP_NONE. Static storage. */
SIP_TRANSPORT_DEF const char *sip_tp_name(sip_tp tp);

/** The transport named by a Via token or a `transport=` URI parameter,
 *  compared case-insensitively; SIP_TP_NONE when unknown. */
SIP_TRANSPORT_DEF sip_tp sip_tp_from_name(sip_str name);

/** The default port (RFC 3261 §19.1.2, §18.2.2; RFC 7118): 5060 for UDP,
 *  TCP, SCTP; 5061 for TLS; 80 for WS and 443 for WSS. */
SIP_TRANSPORT_DEF uint16_t sip_tp_default_port(sip_tp tp);

/** An IP address and port. `ip` holds 4 (family 4) or 16 (family 6) bytes
 *  in network order; `port` is in host order. family 0 is "no address". */
typedef struct sip_ipaddr {
    uint8_t family;    /**< 4, 6, or 0 for none */
    uint8_t ip[16];    /**< network order; only the first 4 used for IPv4 */
    uint16_t port;     /**< host order; 0 = unspecified */
} sip_ipaddr;

/** 1 when a and b have the same family, address bytes and port. */
SIP_TRANSPORT_DEF int sip_ipaddr_eq(const sip_ipaddr *a, const sip_ipaddr *b);

/** Reads a numeric host (dotted IPv4, or IPv6 with or without brackets) and
 *  an optional ":port" into *out. Returns 0, or SIP_ERR_SYNTAX when the text
 *  is not a numeric address (a domain name is not an error the caller
 *  should treat as fatal: it needs RFC 3263 resolution). */
SIP_TRANSPORT_DEF int sip_ipaddr_parse(sip_str text, sip_ipaddr *out);

/** Writes the address as host text ("192.0.2.1", "[2001:db8::1]" with
 *  brackets for IPv6, RFC 5952 form) followed by ":port" when with_port and
 *  port != 0. Returns the length written (NUL-terminated), or
 *  SIP_ERR_NOSPACE when cap is too small. 48 bytes always suffice. */
SIP_TRANSPORT_DEF int sip_ipaddr_print(const sip_ipaddr *a, int with_port, char *out, size_t cap);

/** A connection (flow) handle. 0 means "no connection"; values are typed
 *  ids (index and generation), never pointers, so a stale handle is
 *  detected rather than followed. */
typedef uint32_t sip_flow;

/** Where a message goes or came from: the transport, the remote address
 *  and, for connection-oriented transports, the flow it uses (0 when the
 *  sender should pick or open one). For UDP `local` names the listening
 *  address the message arrived on or leaves from (family 0 = any). */
typedef struct sip_target {
    sip_tp tp;
    sip_ipaddr remote;
    sip_ipaddr local;
    sip_flow flow;
} sip_target;

/* ------------------------------------------------------------------------
 * Core transport: framing, connection table, Via handling (RFC 3261 §18,
 * RFC 3581, RFC 5626 §4.4.1, RFC 6455, RFC 7118, RFC 5923)
 * --------------------------------------------------------------------- */

/** Errors of sip_transport.h (range -400..-499). Parse errors keep sip.h's
 *  codes (-100..-199). */
typedef enum sip_transport_err {
    SIP_TRANSPORT_ERR_STALE = -400,      /**< flow unknown, closed or reused */
    SIP_TRANSPORT_ERR_FULL = -401,       /**< max_connections reached and no
                                              idle connection to evict */
    SIP_TRANSPORT_ERR_NOMEM = -402,      /**< the allocator returned NULL */
    SIP_TRANSPORT_ERR_QUEUE_FULL = -403, /**< the send would take the
                                              connection's queue over
                                              send_hard_limit */
    SIP_TRANSPORT_ERR_INVALID = -404,    /**< bad argument or configuration */
    SIP_TRANSPORT_ERR_BUSY = -405,       /**< data fed into a flow from inside
                                              one of its own callbacks */
    SIP_TRANSPORT_ERR_CALLBACK = -406,   /**< an open/send callback failed */
    SIP_TRANSPORT_ERR_TOO_BIG = -407,    /**< message over max_message */
    SIP_TRANSPORT_ERR_CLOSING = -408,    /**< the connection is closing */
    SIP_TRANSPORT_ERR_STATE = -409       /**< not allowed in the flow's state
                                              (e.g. a filter on an open flow) */
} sip_transport_err;

/** Short English text for an error of this header, or of sip.h (static
 *  storage, never NULL). */
SIP_TRANSPORT_DEF const char *sip_transport_strerror(int err);

/** Why a connection ended (the `reason` of on_disconnected). */
typedef enum sip_tp_disc {
    SIP_TP_DISC_CLOSED = 1,      /**< the application reported the socket
                                      closed (sip_transport_closed) */
    SIP_TP_DISC_LOCAL,           /**< sip_transport_close() finished */
    SIP_TP_DISC_IDLE_TIMEOUT,    /**< idle for idle_timeout_ms */
    SIP_TP_DISC_KEEPALIVE_TIMEOUT, /**< no pong within pong_timeout_ms
                                      (RFC 5626 §4.4.1) */
    SIP_TP_DISC_HEADER_TIMEOUT,  /**< a header section, or the filter (TLS)
                                      handshake, took longer than
                                      header_timeout_ms (slow sender) */
    SIP_TP_DISC_MESSAGE_TIMEOUT, /**< a message took longer than
                                      message_timeout_ms */
    SIP_TP_DISC_TOO_BIG,         /**< message over max_message; for
                                      WebSocket after close 1009 */
    SIP_TP_DISC_FRAMING,         /**< stream framing failed: detail is the
                                      sip.h error (missing or bad
                                      Content-Length, RFC 3261 §18.3) */
    SIP_TP_DISC_WS_HANDSHAKE,    /**< the RFC 6455 §4 upgrade failed or took
                                      longer than header_timeout_ms; detail
                                      is the HTTP status we answered (400,
                                      426) or 0 on the client side */
    SIP_TP_DISC_WS_CLOSE,        /**< the peer closed (RFC 6455 §5.5.1);
                                      detail is its close code (1005 none) */
    SIP_TP_DISC_WS_PROTOCOL,     /**< we failed the WebSocket connection
                                      (RFC 6455 §7.1.7); detail is the close
                                      code sent: 1002, 1007 or 1009 */
    SIP_TP_DISC_EVICTED,         /**< least recently used idle connection,
                                      closed to make room */
    SIP_TP_DISC_SEND_FAILED,     /**< the send callback returned an error
                                      (detail) */
    SIP_TP_DISC_FILTER_FAILED,   /**< the byte filter failed (detail) */
    SIP_TP_DISC_NOMEM            /**< a buffer could not be allocated */
} sip_tp_disc;

/** What on_keepalive reports. */
typedef enum sip_tp_ka {
    SIP_TP_KA_PING = 1,  /**< stream: CRLFCRLF received; a CRLF pong was sent
                              (RFC 5626 §4.4.1) */
    SIP_TP_KA_PONG,      /**< stream: CRLF pong received */
    SIP_TP_KA_CRLF,      /**< datagram made only of CR/LF (RFC 5626 §3.5.1
                              style keep-alive); not answered */
    SIP_TP_KA_STUN,      /**< datagram that is a STUN message (RFC 5389 §6:
                              first two bits 0, magic cookie 0x2112A442,
                              length consistent); bytes given for the
                              application's STUN server (RFC 5626 §4.4.2) */
    SIP_TP_KA_WS_PING,   /**< WebSocket ping received, pong sent
                              (RFC 6455 §5.5.2) */
    SIP_TP_KA_WS_PONG    /**< WebSocket pong received (RFC 6455 §5.5.3) */
} sip_tp_ka;

/** Output function of a byte filter: returns 0, or a negative error that
 *  the filter passes back to its caller. `cookie` is the transport's. */
typedef int (*sip_tp_emit_fn)(void *cookie, const uint8_t *bytes, size_t len);

/** Returned by a filter's on_start / on_input when its secure channel has
 *  just become ready (TLS handshake finished). */
#define SIP_TP_FILTER_READY 1

/** Byte filter hook of a connection: TLS for SIP_TP_TLS and SIP_TP_WSS
 *  (the `sip_tls_*` section plugs OpenSSL memory BIOs in here; tests plug
 *  an XOR filter). The transport calls it between the socket bytes and its
 *  framing: what the application feeds with sip_transport_data() goes to
 *  on_input (ciphertext in), which hands plaintext to `deliver`; every
 *  byte the transport writes goes to on_output (plaintext in), which hands
 *  ciphertext to `emit`, which reaches the send callback (or the queue).
 *  Either callback may call its outputs any number of times (0 included)
 *  and may call `emit` from on_input (handshake records, alerts). A
 *  negative return fails the connection (SIP_TP_DISC_FILTER_FAILED).
 *
 *  With on_start set, the connection is not usable for SIP until on_start
 *  or on_input returns SIP_TP_FILTER_READY: messages sent before wait in
 *  the connection (unfiltered), the WebSocket upgrade of a WSS client
 *  starts after it, and on_connected fires then. Without on_start, the
 *  filter is a plain transform and ready at once.
 *  The filter struct must outlive the connection; on_close (optional)
 *  releases ctx when the connection is freed. */
typedef struct sip_tp_filter {
    uint32_t size;  /**< sizeof(sip_tp_filter) */
    /** The connection is up (client: sip_transport_connected; server: at
     *  sip_transport_accepted): start the handshake, emitting its first
     *  bytes. Returns 0, SIP_TP_FILTER_READY, or a negative error. */
    int (*on_start)(void *ctx, int is_server, sip_tp_emit_fn emit, void *cookie);
    /** Bytes from the network. Returns 0, SIP_TP_FILTER_READY, or < 0. */
    int (*on_input)(void *ctx, const uint8_t *in, size_t len,
                    sip_tp_emit_fn deliver_plain, sip_tp_emit_fn emit_cipher,
                    void *cookie);
    /** Bytes to the network. Returns 0 or < 0. */
    int (*on_output)(void *ctx, const uint8_t *plain, size_t len,
                     sip_tp_emit_fn emit_cipher, void *cookie);
    /** The connection is being freed (may be NULL). */
    void (*on_close)(void *ctx);
} sip_tp_filter;

/** Events and outputs of a transport. `size` = sizeof(the struct) so the
 *  struct can grow; NULL members are skipped, except `send` (required) and
 *  `open` (required to open client connections). `user` is given to
 *  sip_transport_create. Callbacks may call back into the transport
 *  (send, close, ...), except sip_transport_data() on the flow being
 *  processed (SIP_TRANSPORT_ERR_BUSY). Spans and bytes given to a callback
 *  are valid only during the call. */
typedef struct sip_transport_callbacks {
    uint32_t size;
    /** Write bytes to the socket of `to->flow` (streams), or one datagram
     *  to `to->remote` from `to->local` (UDP, SCTP). Returns how many bytes
     *  the socket took (0..len; streams keep the rest queued until
     *  sip_transport_writable), or a negative value on failure (the
     *  connection is then closed with SIP_TP_DISC_SEND_FAILED). A datagram
     *  is taken whole or not at all. */
    int (*send)(void *user, const sip_target *to, const uint8_t *bytes, size_t len);
    /** Open a client connection to `to->remote` (from `to->local` when
     *  set) for the new flow `flow`; after returning, call
     *  sip_transport_connected() when it is up, sip_transport_closed() if it
     *  fails (calls on this flow from inside open get ..._ERR_BUSY). A TLS/WSS application
     *  installs its filter here (sip_transport_set_filter). Returns 0, or
     *  nonzero to refuse (the send fails with SIP_TRANSPORT_ERR_CALLBACK). */
    int (*open)(void *user, sip_flow flow, const sip_target *to);
    /** The flow is usable for SIP: TCP connected or accepted, TLS ready,
     *  WebSocket handshake done; the messages that waited for it have been
     *  handed to send. May fire inside the call that created it. */
    void (*on_connected)(void *user, const sip_target *peer);
    /** The flow ended; the application closes its socket. The handle is
     *  stale from now on; bytes still queued are dropped. detail: see
     *  sip_tp_disc. */
    void (*on_disconnected)(void *user, const sip_target *peer,
                            sip_tp_disc reason, int detail);
    /** A message arrived. `msg` is the parsed message (stream rules on
     *  TCP/TLS, datagram rules on UDP and for each WebSocket message,
     *  RFC 7118 §5), or NULL when it framed but did not parse: then `err`
     *  tells why (err->status is what to answer a request with). `raw` is
     *  the message's bytes. `from` carries the flow on connections. */
    void (*on_message)(void *user, const sip_target *from, const sip_msg *msg,
                       const char *raw, size_t len, const sip_parse_error *err);
    /** A message given to sip_transport_send was framed and handed to the
     *  socket or to the connection's queue (`queued`: bytes now waiting). */
    void (*on_sent)(void *user, const sip_target *to, size_t len, size_t queued);
    /** Send queue above send_high_water (on = 1), or back at or below half
     *  of it (on = 0). The application should slow down while on. */
    void (*on_backpressure)(void *user, const sip_target *peer, int on, size_t queued);
    /** A keep-alive or STUN message (see sip_tp_ka). `bytes` is the STUN
     *  message, or NULL. */
    void (*on_keepalive)(void *user, const sip_target *from, sip_tp_ka kind,
                         const uint8_t *bytes, size_t len);
    /** Randomness: WebSocket keys and masks (RFC 6455 §5.3 needs them
     *  unpredictable), keep-alive jitter. Required for WS clients. */
    sip_rand_fn rng;
    /** A connection is about to end because of a local failure (the send
     *  callback failed, the filter failed, no memory): err is the error;
     *  on_disconnected follows. */
    void (*on_error)(void *user, const sip_target *peer, int err);
} sip_transport_callbacks;

/** Limits and options; zero fields take the defaults in brackets. */
typedef struct sip_transport_config {
    uint32_t max_connections;    /**< [1024], at most 1048575 */
    uint32_t max_headers;        /**< header values per message [128] */
    size_t max_message;          /**< bytes, also the WebSocket message
                                      limit [SIP_MAX_MESSAGE] */
    size_t max_header_line;      /**< bytes [SIP_MAX_HEADER_LINE] */
    uint32_t header_timeout_ms;  /**< from a message's first byte to the end
                                      of its header section, and from
                                      connected / accepted to the end of the
                                      TLS and WebSocket handshakes [10000] */
    uint32_t message_timeout_ms; /**< from a message's first byte to its
                                      last [32000] */
    uint32_t idle_timeout_ms;    /**< close idle connections after this
                                      [600000]; UINT32_MAX: never */
    uint32_t pong_timeout_ms;    /**< RFC 5626 §4.4.1 [10000] */
    uint32_t ws_close_timeout_ms;/**< wait for the peer's close frame [2000] */
    size_t send_high_water;      /**< queued bytes that turn back-pressure
                                      on [65536] */
    size_t send_hard_limit;      /**< queued bytes a send may not exceed
                                      [1048576] */
    const char *ws_host;         /**< client upgrade Host [remote address] */
    const char *ws_path;         /**< client upgrade path ["/"] */
    /** Allocator (both or neither): e.g. a caller arena. Default
     *  SIP_TRANSPORT_MALLOC / SIP_TRANSPORT_FREE. free gets the size. */
    void *(*alloc_fn)(void *alloc_user, size_t n);
    void (*free_fn)(void *alloc_user, void *p, size_t n);
    void *alloc_user;
} sip_transport_config;

/** Transport context: the connection table and its timers (opaque). */
typedef struct sip_transport sip_transport;

/** Create a transport. cfg may be NULL (defaults); cb->send is required.
 *  Stores the context in *out. Returns 0, SIP_TRANSPORT_ERR_INVALID (NULL
 *  out/cb/send, short cb->size, one allocator function without the other,
 *  max_connections over 1048575) or SIP_TRANSPORT_ERR_NOMEM. */
SIP_TRANSPORT_DEF int sip_transport_create(sip_transport **out,
                                           const sip_transport_config *cfg,
                                           const sip_transport_callbacks *cb,
                                           void *user);

/** Free the context and every connection (on_close of each filter is
 *  called; no other callback). NULL is ignored. */
SIP_TRANSPORT_DEF void sip_transport_destroy(sip_transport *t);

/** Register a connection the application accepted (tp TCP, TLS, WS, WSS).
 *  filter (may be NULL) is installed before any byte; its on_start runs
 *  now. A WS/WSS server connection then waits for the RFC 6455 §4.2
 *  upgrade. When the table is full, the least recently used idle
 *  connection is evicted (SIP_TP_DISC_EVICTED). Stores the flow in *flow.
 *  Returns 0, SIP_TRANSPORT_ERR_INVALID (UDP/SCTP/NONE, no address, a
 *  filter without on_input/on_output), SIP_TRANSPORT_ERR_FULL,
 *  SIP_TRANSPORT_ERR_NOMEM, or SIP_TRANSPORT_ERR_STALE when the flow
 *  already ended inside the call (filter start failed; on_disconnected
 *  fired). */
SIP_TRANSPORT_DEF int sip_transport_accepted(sip_transport *t, sip_tp tp,
                                             const sip_ipaddr *remote,
                                             const sip_ipaddr *local,
                                             const sip_tp_filter *filter,
                                             void *filter_ctx,
                                             uint64_t now_us, sip_flow *flow);

/** Create a client connection to `to` (flow ignored) and ask the
 *  application to open it (callbacks.open). Usually implicit in
 *  sip_transport_send. Stores the flow in *flow. Returns 0,
 *  SIP_TRANSPORT_ERR_INVALID, _FULL, _NOMEM or _CALLBACK (open refused; the
 *  flow is gone). */
SIP_TRANSPORT_DEF int sip_transport_connect(sip_transport *t, const sip_target *to,
                                            uint64_t now_us, sip_flow *flow);

/** Install the byte filter of a client connection, before
 *  sip_transport_connected (usually from callbacks.open). Returns 0,
 *  SIP_TRANSPORT_ERR_STALE, _INVALID (short f->size or no on_input /
 *  on_output) or _STATE (already connected). */
SIP_TRANSPORT_DEF int sip_transport_set_filter(sip_transport *t, sip_flow flow,
                                               const sip_tp_filter *f, void *ctx);

/** The application's connect finished: starts the filter, the WebSocket
 *  upgrade (client, RFC 6455 §4.1, Sec-WebSocket-Protocol: sip per
 *  RFC 7118 §4) or makes the flow usable, then sends what was waiting.
 *  Returns 0, SIP_TRANSPORT_ERR_STALE or _STATE (not connecting). */
SIP_TRANSPORT_DEF int sip_transport_connected(sip_transport *t, sip_flow flow,
                                              uint64_t now_us);

/** Bytes read from a connection's socket. Frames them (RFC 3261 §18.3
 *  stream rules, RFC 5626 §4.4.1 keep-alives, RFC 6455 frames) and raises
 *  the events; on a framing error, an over-limit message or a protocol
 *  violation the connection is closed (on_disconnected). Returns 0 (also
 *  when the input closed the flow), SIP_TRANSPORT_ERR_STALE or
 *  SIP_TRANSPORT_ERR_BUSY. */
SIP_TRANSPORT_DEF int sip_transport_data(sip_transport *t, sip_flow flow,
                                         const uint8_t *bytes, size_t len,
                                         uint64_t now_us);

/** The socket can take more bytes: retries the queue. Returns 0 or
 *  SIP_TRANSPORT_ERR_STALE. */
SIP_TRANSPORT_DEF int sip_transport_writable(sip_transport *t, sip_flow flow,
                                             uint64_t now_us);

/** The application's socket closed (peer FIN/RST or connect failure):
 *  on_disconnected(SIP_TP_DISC_CLOSED) fires and the flow is freed.
 *  Returns 0 or SIP_TRANSPORT_ERR_STALE. */
SIP_TRANSPORT_DEF int sip_transport_closed(sip_transport *t, sip_flow flow,
                                           uint64_t now_us);

/** Close a flow from our side: a WebSocket sends close 1000 and waits up
 *  to ws_close_timeout_ms for the peer's (RFC 6455 §5.5.1); others end at
 *  once. on_disconnected(SIP_TP_DISC_LOCAL) fires. Returns 0 or
 *  SIP_TRANSPORT_ERR_STALE. */
SIP_TRANSPORT_DEF int sip_transport_close(sip_transport *t, sip_flow flow,
                                          uint64_t now_us);

/** One datagram received on UDP (or one SCTP message): a STUN message or
 *  CR/LF keep-alive is reported to on_keepalive, anything else is parsed
 *  with the §18.3 datagram rules and given to on_message. Returns 0 or
 *  SIP_TRANSPORT_ERR_INVALID (NULL arguments). */
SIP_TRANSPORT_DEF int sip_transport_datagram(sip_transport *t, const sip_target *from,
                                             const uint8_t *bytes, size_t len,
                                             uint64_t now_us);

/** Send one SIP message. UDP/SCTP: straight to the send callback. Streams:
 *  on to->flow when non-zero (responses, §18.2.2; SIP_TRANSPORT_ERR_STALE
 *  when it is gone), else on an open connection to (tp, remote[, local])
 *  or one aliased to it (RFC 5923), else a new one (callbacks.open).
 *  WebSocket messages go in one frame, text when valid UTF-8, else binary
 *  (RFC 7118 §5). Stores the flow used in *flow_used (may be NULL).
 *  Returns 0, SIP_TRANSPORT_ERR_STALE, _TOO_BIG, _QUEUE_FULL (nothing
 *  queued), _CLOSING, _FULL, _NOMEM, _CALLBACK (datagram or open refused)
 *  or _INVALID. */
SIP_TRANSPORT_DEF int sip_transport_send(sip_transport *t, const sip_target *to,
                                         const char *msg, size_t len,
                                         uint64_t now_us, sip_flow *flow_used);

/** RFC 5626 §4.4.1 keep-alive on a stream flow: every interval_ms (with
 *  80-100% jitter when callbacks.rng is set) a CRLFCRLF ping (a ping
 *  frame on WebSocket) is sent; without a pong within pong_timeout_ms the
 *  flow is closed (SIP_TP_DISC_KEEPALIVE_TIMEOUT). 0 stops it. A flow with
 *  keep-alives is never idle (no idle timeout, no eviction). Returns 0,
 *  SIP_TRANSPORT_ERR_STALE or _INVALID (datagram flow). */
SIP_TRANSPORT_DEF int sip_transport_keepalive(sip_transport *t, sip_flow flow,
                                              uint32_t interval_ms, uint64_t now_us);

/** RFC 5923 §5: make the flow usable for requests to `sent_by` (the
 *  address and port of the Via sent-by of a request with `alias` that
 *  arrived on it, after the peer's TLS certificate was checked against it,
 *  RFC 5923 §5.3). One alias per flow; a later call replaces it. Returns 0,
 *  SIP_TRANSPORT_ERR_STALE or _INVALID (no address). */
SIP_TRANSPORT_DEF int sip_transport_alias(sip_transport *t, sip_flow flow,
                                          const sip_ipaddr *sent_by);

/** The open (or opening) flow to (tp, remote) — from `local` when local is
 *  non-NULL with a family — directly or through an alias; 0 when none. */
SIP_TRANSPORT_DEF sip_flow sip_transport_find(sip_transport *t, sip_tp tp,
                                              const sip_ipaddr *remote,
                                              const sip_ipaddr *local);

/** The target of a flow (transport, addresses, flow). Returns 0 or
 *  SIP_TRANSPORT_ERR_STALE. */
SIP_TRANSPORT_DEF int sip_transport_flow_target(sip_transport *t, sip_flow flow,
                                                sip_target *out);

/** Bytes waiting in a flow's send queue (0 for an unknown flow). */
SIP_TRANSPORT_DEF size_t sip_transport_queued(sip_transport *t, sip_flow flow);

/** Number of connections in the table. */
SIP_TRANSPORT_DEF size_t sip_transport_count(const sip_transport *t);

/** Bytes currently allocated by the transport (table, connections,
 *  buffers). */
SIP_TRANSPORT_DEF size_t sip_transport_mem_used(const sip_transport *t);

/** The earliest time (µs, same clock as now_us) on_timeout has work:
 *  header/message time limits, keep-alive pings and pong deadlines,
 *  WebSocket close waits, the oldest idle connection. UINT64_MAX: none. */
SIP_TRANSPORT_DEF uint64_t sip_transport_next_deadline(const sip_transport *t);

/** Run the timers due at now_us (closing connections, sending pings). */
SIP_TRANSPORT_DEF void sip_transport_on_timeout(sip_transport *t, uint64_t now_us);

/* ---- Via handling (RFC 3261 §18.2.1, §18.2.2, RFC 3581 §4) ----------- */

/** What a server adds to the top Via of a request it received from `src`
 *  (RFC 3261 §18.2.1, RFC 3581 §4). */
typedef struct sip_via_stamp {
    int add_received;   /**< sent-by host is not src's address */
    char received[40];  /**< src's address, IPv6 without brackets */
    int fill_rport;     /**< rport present without a value */
    uint16_t rport;     /**< src's port, for fill_rport */
} sip_via_stamp;

/** Compute the received / rport values for a top Via (values, not bytes:
 *  the element that stamps is the one that uses them, through
 *  sip_response_target; sip_via_stamp_msg writes them into the message
 *  for layers that forward or echo the Via). Returns 0 or
 *  SIP_TRANSPORT_ERR_INVALID (src without address). */
SIP_TRANSPORT_DEF int sip_via_stamp_values(const sip_via *via, const sip_ipaddr *src,
                                           sip_via_stamp *out);

/** Copy message m to out with its top Via stamped: ";received=ADDR"
 *  appended when needed and an empty rport filled ("rport=PORT"). Every
 *  other byte is copied verbatim; parse the copy again to use it. Returns
 *  bytes written, SIP_ERR_NOSPACE with *needed (out NULL measures), or
 *  SIP_ERR_NOT_FOUND (no Via) / SIP_TRANSPORT_ERR_INVALID. */
SIP_TRANSPORT_DEF int sip_via_stamp_msg(char *out, size_t cap, const sip_msg *m,
                                        const sip_ipaddr *src, size_t *needed);

/** sip_response_target() found a name to resolve (RFC 3263 §5). */
#define SIP_TRANSPORT_RESOLVE 1

/** Where to send a response (RFC 3261 §18.2.2 with RFC 3581 §4), from the
 *  request's top Via and where the request came from (came_from may be
 *  NULL): reliable transport with a flow: that connection; else maddr
 *  (port from sent-by or the default); else unreliable: the received
 *  address (or the source address, which is what received would say) and
 *  the rport value (or the source port when rport is empty), else the
 *  sent-by port or the transport default; else the sent-by address.
 *  Returns 0 with *out filled, SIP_TRANSPORT_RESOLVE with out->tp and
 *  out->remote.port set and *host (when non-NULL) the name to resolve per
 *  RFC 3263 §5, or SIP_TRANSPORT_ERR_INVALID (unknown transport token). */
SIP_TRANSPORT_DEF int sip_response_target(const sip_via *via, const sip_target *came_from,
                                          sip_target *out, sip_str *host);

/** RFC 3261 §18.1.1: a request within 200 bytes of the path MTU, or over
 *  1300 bytes when the MTU is unknown (path_mtu 0), goes over TCP when the
 *  chosen transport is UDP. Returns the transport to use (tp itself
 *  otherwise). len in bytes of the whole message. */
SIP_TRANSPORT_DEF sip_tp sip_request_transport(sip_tp tp, size_t len, uint32_t path_mtu);

/** 1 when the bytes are a STUN message (RFC 5389 §6: the two top bits 0,
 *  magic cookie 0x2112A442 at offset 4, length a multiple of 4 equal to
 *  len - 20), else 0. */
SIP_TRANSPORT_DEF int sip_stun_check(const uint8_t *bytes, size_t len);

/* ---- WebSocket (RFC 6455) ------------------------------------------- */

/** SHA-1 (FIPS 180-4) of data into out[20]; OpenSSL's with
 *  SIP_USE_OPENSSL. Used for Sec-WebSocket-Accept only. */
SIP_TRANSPORT_DEF void sip_ws_sha1(const void *data, size_t len, uint8_t out[20]);

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2 item 5.4:
 *  base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))). Writes
 *  28 characters and a NUL into out[29]. Returns 28, or
 *  SIP_TRANSPORT_ERR_INVALID for an empty or over-long (> 64) key. */
SIP_TRANSPORT_DEF int sip_ws_accept(sip_str key, char out[29]);

/** WebSocket opcodes (RFC 6455 §5.2). */
enum {
    SIP_WS_CONT = 0, SIP_WS_TEXT = 1, SIP_WS_BINARY = 2,
    SIP_WS_CLOSE = 8, SIP_WS_PING = 9, SIP_WS_PONG = 10
};

/** A WebSocket frame header (RFC 6455 §5.2). */
typedef struct sip_ws_frame {
    uint8_t fin, rsv;     /**< rsv: the three RSV bits, as bits 2..0 */
    uint8_t opcode;
    uint8_t masked;
    uint8_t mask[4];
    uint64_t payload_len;
    size_t header_len;    /**< 2..14 */
} sip_ws_frame;

/** Read a frame header. Returns its length (2..14), SIP_ERR_PARTIAL, or
 *  SIP_ERR_SYNTAX (64-bit length with the top bit set, or a length not in
 *  its minimal form, RFC 6455 §5.2). Checks nothing else: the opcode,
 *  RSV and masking rules are the receiver's. */
SIP_TRANSPORT_DEF int sip_ws_frame_parse(const uint8_t *buf, size_t len, sip_ws_frame *f);

/** Build a frame: header then payload, masked with mask[4] when mask is
 *  non-NULL (clients, RFC 6455 §5.3). Returns bytes written, or
 *  SIP_ERR_NOSPACE with *needed (out NULL measures), SIP_ERR_INVALID for
 *  an opcode over 15. */
SIP_TRANSPORT_DEF int sip_ws_frame_build(uint8_t *out, size_t cap, int opcode, int fin,
                                         const uint8_t *mask, const uint8_t *payload,
                                         size_t len, size_t *needed);

/** 1 when the bytes are valid UTF-8 (RFC 3629: no overlong forms,
 *  surrogates or code points over U+10FFFF), else 0. */
SIP_TRANSPORT_DEF int sip_utf8_valid(const uint8_t *p, size_t len);

/* ---- end of the core transport section ------------------------------- */


/* ------------------------------------------------------------------------
 * Server location: RFC 3263 (sans-IO: the application performs the DNS)
 *
 * A sip_resolve turns a SIP/SIPS URI (RFC 3263 §4) or a Via sent-by
 * (§5) into an ordered list of targets (transport, address, port). It
 * never talks to DNS itself: it asks for queries, which the application
 * polls with sip_resolve_next_query(), performs however it likes (a stub
 * resolver, c-ares, getaddrinfo for A/AAAA) and answers with
 * sip_resolve_answer(). Targets become available in order as soon as the
 * answers that decide them are in (sip_resolve_next_target()), so a client
 * can send its first request before a lower-ranked lookup has returned.
 *
 *   sip_resolver rv;                   one per application: configuration
 *   sip_resolver_init(&rv, &cfg);      and the list of failed targets
 *   sip_resolve r;                     one per request being sent
 *   sip_resolve_start_uri(&r, &rv, &uri, now);
 *   while (sip_resolve_next_query(&r, now, &q) == 1) send q to DNS ...
 *   ... later: sip_resolve_answer(&r, q.id, SIP_DNS_OK, rrs, n, now);
 *   if (sip_resolve_next_target(&r, now, &t) == 1) send to t;
 *   transport error or timeout: sip_resolve_failed(&r, now), next target.
 *
 * The procedure (RFC 3263 §4.1, §4.2):
 *   - maddr, when present, replaces the host; sips forces TLS (or WSS).
 *   - numeric host: no lookup; the transport param, else UDP for sip
 *     (TCP when UDP is not supported) and TLS for sips; the URI port or
 *     the transport's default port.
 *   - explicit port: A/AAAA of the host, transport chosen as above.
 *   - transport param: SRV for that transport (_sip._udp, _sip._tcp,
 *     _sips._tcp, _sip._sctp, _sip._ws, _sips._ws); no SRV records: A/AAAA
 *     with the default port.
 *   - otherwise NAPTR of the host. Records with flag "s", an empty regexp
 *     and a supported service (SIP+D2U, SIP+D2T, SIPS+D2T, SIP+D2S, and
 *     SIP+D2W, SIPS+D2W of RFC 7118 §7; only SIPS+ for a sips URI; a sip
 *     URI keeps SIPS+ records, §4.1) are taken in order, then preference;
 *     each replacement is an SRV name. No usable NAPTR: SRV for every
 *     supported transport in the configured order (only _sips for sips).
 *     No SRV records at all: A/AAAA of the host with the default port of
 *     UDP (sip) or TLS (sips).
 *   - SRV records are ordered per RFC 2782: lowest priority first, and
 *     within one priority a weighted random order drawn with the caller's
 *     randomness (weight-0 records first in the running sum, so they are
 *     picked with a small probability). A single record with target "."
 *     means the service is decidedly not available there: that transport
 *     gives no target, and no A/AAAA fallback happens for it.
 *   - each SRV target is looked up with A and/or AAAA (configured
 *     families and order). A/AAAA and SRV records found in an answer with
 *     another owner name (the additional section) answer the matching
 *     lookup, which is then never asked.
 *   - targets that the sip_resolver lists as failed (and whose time in the
 *     list has not run out) are skipped; duplicates are given only once.
 *
 * Memory: both structs are plain caller memory with fixed limits below;
 * nothing is allocated. A sip_resolve points to its sip_resolver, which
 * must outlive it. Neither is thread-safe; one thread drives them.
 * --------------------------------------------------------------------- */

/** Error codes of the resolver (range -460..-479 of sip_transport.h). */
typedef enum sip_resolve_err {
    SIP_ERR_RESOLVE_INVALID = -460,     /**< NULL or invalid argument */
    SIP_ERR_RESOLVE_URI = -461,         /**< not a sip/sips URI with a host */
    SIP_ERR_RESOLVE_TRANSPORT = -462,   /**< transport unknown, unsupported,
                                             or not secure with sips */
    SIP_ERR_RESOLVE_NAME = -463,        /**< host is not a usable DNS name
                                             (over 253 bytes, bad bytes) */
    SIP_ERR_RESOLVE_QUERY = -464,       /**< answer for an unknown or already
                                             answered query id */
    SIP_ERR_RESOLVE_NOT_FOUND = -465,   /**< DNS gave no target at all */
    SIP_ERR_RESOLVE_UNAVAILABLE = -466, /**< SRV "." (RFC 2782): the service
                                             is not available at the domain */
    SIP_ERR_RESOLVE_EXHAUSTED = -467,   /**< every target was handed out */
    SIP_ERR_RESOLVE_STATE = -468        /**< not started, or no target handed
                                             out yet to mark as failed */
} sip_resolve_err;

/** Short English text for a SIP_ERR_RESOLVE_* code (static storage, never
 *  NULL; "unknown error" for other values). */
SIP_TRANSPORT_DEF const char *sip_resolve_strerror(int err);

/** DNS record types the resolver asks for (RFC 1035, RFC 3596, RFC 2782,
 *  RFC 3403 type numbers). */
typedef enum sip_dns_type {
    SIP_DNS_A = 1,
    SIP_DNS_AAAA = 28,
    SIP_DNS_SRV = 33,
    SIP_DNS_NAPTR = 35
} sip_dns_type;

/** Outcome of one DNS query as the application reports it. SIP_DNS_OK with
 *  no record of the asked type is "no data". SIP_DNS_ERROR covers
 *  SERVFAIL, REFUSED, a timeout or a malformed reply; the resolver treats
 *  it like an empty answer (RFC 3263 has no retry of its own). */
typedef enum sip_dns_status {
    SIP_DNS_OK = 0,
    SIP_DNS_NXDOMAIN = 1,
    SIP_DNS_ERROR = 2
} sip_dns_status;

/** A query for the application to perform: `name` (no trailing dot,
 *  NUL-terminated at name.p[name.len]) lives inside the sip_resolve and
 *  stays valid until it is started again. `id` identifies the answer. */
typedef struct sip_dns_query {
    uint32_t id;
    sip_dns_type type;
    sip_str name;
} sip_dns_query;

/** One resource record of an answer, filled by the application. Only the
 *  fields of its type are read; spans are read during sip_resolve_answer()
 *  only (the resolver copies what it keeps). `name` is the owner name:
 *  records of the asked type are taken as the answer whatever their owner
 *  (the application's resolver followed any CNAME); records of another
 *  type are additional data and answer a lookup the resolver would
 *  otherwise ask for that owner name (absent name: ignored). */
typedef struct sip_dns_rr {
    sip_dns_type type;
    sip_str name;          /**< owner name, trailing dot optional */
    uint32_t ttl;          /**< seconds */
    /* NAPTR (RFC 3403 §4.1) */
    uint16_t order, preference;
    sip_str flags, services, regexp, replacement;
    /* SRV (RFC 2782) */
    uint16_t priority, weight, port;
    sip_str target;        /**< "." = service not available */
    /* A (4 bytes) / AAAA (16 bytes), network order */
    uint8_t addr[16];
} sip_dns_rr;

#ifndef SIP_RESOLVE_MAX_SETS
/** Most SRV names (NAPTR replacements or transports) one resolution uses. */
#define SIP_RESOLVE_MAX_SETS 8
#endif
#ifndef SIP_RESOLVE_MAX_HOSTS
/** Most (host, port, transport) entries from SRV records per resolution;
 *  further SRV records of an answer are ignored. */
#define SIP_RESOLVE_MAX_HOSTS 24
#endif
#ifndef SIP_RESOLVE_MAX_NAMES
/** Most distinct names looked up with A/AAAA per resolution. */
#define SIP_RESOLVE_MAX_NAMES 16
#endif
#ifndef SIP_RESOLVE_MAX_ADDRS
/** Most addresses kept per resolution; further A/AAAA records are ignored
 *  (counted in sip_resolve.dropped). */
#define SIP_RESOLVE_MAX_ADDRS 32
#endif
#ifndef SIP_RESOLVE_MAX_TARGETS
/** Most targets one resolution hands out (failover attempts). */
#define SIP_RESOLVE_MAX_TARGETS 32
#endif
#ifndef SIP_RESOLVE_MAX_FAILED
/** Entries of the failed-target list of a sip_resolver; when full, the
 *  entry that expires first is replaced. */
#define SIP_RESOLVE_MAX_FAILED 64
#endif
#if SIP_RESOLVE_MAX_SETS > 255 || SIP_RESOLVE_MAX_NAMES > 255 || SIP_RESOLVE_MAX_HOSTS > 65535
#error "sip_resolve keeps set and name indexes in 8 bits"
#endif
/** Most queries of one resolution: one NAPTR, one SRV per set, A and AAAA
 *  per name. */
#define SIP_RESOLVE_MAX_QUERIES (1 + SIP_RESOLVE_MAX_SETS + 2 * SIP_RESOLVE_MAX_NAMES)
/** Bytes of name storage per resolution (each name + NUL). */
#define SIP_RESOLVE_POOL 2048

/** Address families (sip_resolver_config.families). */
#define SIP_RESOLVE_IPV4 1u
#define SIP_RESOLVE_IPV6 2u

/** Resolver configuration; zero fields take the documented default. */
typedef struct sip_resolver_config {
    /** Supported transports in order of preference, ended by SIP_TP_NONE
     *  (or all 6 used). Empty: UDP, TCP, TLS. The order is used for the
     *  SRV queries when there is no NAPTR (RFC 3263 §4.1 leaves it to the
     *  client); a transport not listed is never chosen. */
    sip_tp transports[6];
    /** SIP_RESOLVE_IPV4 | SIP_RESOLVE_IPV6 (0: both). */
    unsigned families;
    /** Nonzero: AAAA addresses of a host come before its A addresses. */
    int prefer_ipv6;
    /** How long a failed target is skipped, µs (0: 32 s, the transaction
     *  timeout of RFC 3261 §17.1.1.2 with the default T1). */
    uint64_t failed_ttl_us;
    /** Time an application has to answer a query before
     *  sip_resolve_on_timeout() treats it as SIP_DNS_ERROR, µs (0: 5 s). */
    uint64_t query_timeout_us;
    /** Nonzero: targets in the failed list are tried after all others
     *  instead of being skipped. */
    int failed_last;
    /** Randomness for the RFC 2782 weighted order (4 bytes a draw). NULL:
     *  the draw is 0, which takes records in their running-sum order. */
    sip_rand_fn rand;
    void *rand_user;
} sip_resolver_config;

/** A target that failed, skipped by new resolutions until `expires_us`. */
typedef struct sip_resolve_failed_entry {
    sip_tp tp;
    sip_ipaddr addr;       /**< with port */
    uint64_t expires_us;   /**< 0 = free entry */
} sip_resolve_failed_entry;

/** Application-wide state: the effective configuration and the failed
 *  targets. Fields are readable; change them through the API. */
typedef struct sip_resolver {
    sip_resolver_config cfg;
    unsigned n_tp;         /**< transports in cfg.transports */
    sip_resolve_failed_entry failed[SIP_RESOLVE_MAX_FAILED];
} sip_resolver;

/** Initialize rv with cfg (NULL: all defaults). Returns 0, or
 *  SIP_ERR_RESOLVE_INVALID (rv NULL, a transport out of range or repeated,
 *  families with bits other than IPV4|IPV6). */
SIP_TRANSPORT_DEF int sip_resolver_init(sip_resolver *rv, const sip_resolver_config *cfg);

/** Put a target (tp + remote address and port) in the failed list until
 *  now_us + cfg.failed_ttl_us (RFC 3263 §4.3: a failed server is skipped
 *  by the next attempts). An entry already there gets the new expiry. */
SIP_TRANSPORT_DEF void sip_resolver_mark_failed(sip_resolver *rv, const sip_target *t, uint64_t now_us);

/** 1 when t (tp, remote address and port) is in the failed list and has
 *  not expired at now_us, else 0. */
SIP_TRANSPORT_DEF int sip_resolver_is_failed(const sip_resolver *rv, const sip_target *t, uint64_t now_us);

/** Query record of a resolution (internal; readable for debugging). */
typedef struct sip_resolve_q {
    uint8_t state;         /**< 0 unused, 1 to ask, 2 asked, 3 answered */
    uint8_t kind;          /**< 1 NAPTR, 2 SRV of a set, 3 A/AAAA of a name */
    uint16_t ref;          /**< set or name index */
    sip_dns_type type;
    uint16_t name_off, name_len;
    uint64_t deadline_us;  /**< when asked: the timeout */
} sip_resolve_q;

/** An SRV name (or a direct host) of a resolution (internal). */
typedef struct sip_resolve_set {
    sip_tp tp;
    uint8_t state;       /**< 1 pending, 2 done */
    uint8_t found;       /**< SRV records existed (or a direct host) */
    uint8_t unavailable; /**< only "." records */
} sip_resolve_set;

/** A host and port of a set, in RFC 2782 order (internal). */
typedef struct sip_resolve_host {
    uint8_t set, name;
    uint16_t port;
} sip_resolve_host;

/** A name looked up with A/AAAA (internal). */
typedef struct sip_resolve_name {
    uint16_t off, len;
    uint8_t st4, st6;    /**< 0 not asked, 1 pending, 2 done */
} sip_resolve_name;

/** An address of a name (internal). */
typedef struct sip_resolve_addr {
    uint8_t name, family;
    uint8_t ip[16];
} sip_resolve_addr;

/** One resolution in progress (caller memory, about 5.5 KB on LP64).
 *  Readable fields: `expires_us` (the smallest TTL of the records used, as
 *  a time: resolve again after it), `dropped` (records ignored for the
 *  limits above). Everything else is internal. */
typedef struct sip_resolve {
    sip_resolver *rv;
    uint64_t expires_us;
    uint32_t dropped;
    uint8_t secure, started, fallback, fallback_done, naptr;
    sip_tp fallback_tp;
    uint16_t host_off, host_len;
    uint16_t n_q, n_sets, n_hosts, n_names, n_addrs, n_emitted, pool_len;
    sip_resolve_q q[SIP_RESOLVE_MAX_QUERIES];
    sip_resolve_set sets[SIP_RESOLVE_MAX_SETS];
    sip_resolve_host hosts[SIP_RESOLVE_MAX_HOSTS];
    sip_resolve_name names[SIP_RESOLVE_MAX_NAMES];
    sip_resolve_addr addrs[SIP_RESOLVE_MAX_ADDRS];
    sip_target emitted[SIP_RESOLVE_MAX_TARGETS];
    char pool[SIP_RESOLVE_POOL];
} sip_resolve;

/** Start resolving a SIP or SIPS URI per RFC 3263 §4 (see above) at
 *  now_us. r is overwritten; rv must outlive r. After a 0 return, the
 *  queries to perform come from sip_resolve_next_query() (none for a
 *  numeric host, whose single target is ready at once). Returns 0,
 *  SIP_ERR_RESOLVE_INVALID (NULL argument), SIP_ERR_RESOLVE_URI (another
 *  scheme, no host), SIP_ERR_RESOLVE_TRANSPORT (unknown `transport`
 *  value, a transport not configured, udp or sctp with sips),
 *  SIP_ERR_RESOLVE_NAME (host or maddr not a DNS name of at most 253
 *  bytes). The URI's text need not outlive the call. */
SIP_TRANSPORT_DEF int sip_resolve_start_uri(sip_resolve *r, sip_resolver *rv, const sip_uri *uri, uint64_t now_us);

/** Start resolving the sent-by of a Via to send a response there (RFC 3263
 *  §5, RFC 3261 §18.2.2 last step): tp is the Via transport, host the
 *  sent-by host (IPv6 with or without brackets), port 0 when the sent-by
 *  has none. Numeric host: the address with the port (or the default).
 *  Port present: A/AAAA. No port: SRV for tp (_sip or, for TLS/WSS,
 *  _sips), then A/AAAA with the default port when SRV has no records.
 *  The transport need not be in cfg.transports (the request came on it).
 *  Returns 0, SIP_ERR_RESOLVE_INVALID (NULL, tp SIP_TP_NONE or unknown),
 *  SIP_ERR_RESOLVE_NAME. */
SIP_TRANSPORT_DEF int sip_resolve_start_sent_by(sip_resolve *r, sip_resolver *rv, sip_tp tp, sip_str host, uint16_t port, uint64_t now_us);

/** The next query the application must perform, marked as asked at now_us
 *  (its timeout runs from there). Returns 1 and fills *q, or 0 when there
 *  is nothing new to ask (answers may still be awaited). Each query is
 *  returned once. */
SIP_TRANSPORT_DEF int sip_resolve_next_query(sip_resolve *r, uint64_t now_us, sip_dns_query *q);

/** Answer query `id` (asked or not yet polled) with status and n records
 *  (rrs may be NULL when n is 0). Records the procedure cannot use are
 *  ignored: a name that is not a host name, SRV port 0, a NAPTR without
 *  the "s" flag, with a non-empty regexp or an unsupported service. May create new queries
 *  (SRV after NAPTR, A/AAAA after SRV) and extend the expiry by the TTLs
 *  (`expires_us`). Returns 0, SIP_ERR_RESOLVE_QUERY (unknown id, or
 *  already answered: the answer is ignored), SIP_ERR_RESOLVE_INVALID. */
SIP_TRANSPORT_DEF int sip_resolve_answer(sip_resolve *r, uint32_t id, sip_dns_status status, const sip_dns_rr *rrs, size_t n, uint64_t now_us);

/** The earliest timeout of the asked, unanswered queries; UINT64_MAX when
 *  none. */
SIP_TRANSPORT_DEF uint64_t sip_resolve_next_deadline(const sip_resolve *r);

/** Treat every asked query whose timeout has passed at now_us as answered
 *  with SIP_DNS_ERROR. Returns the number of such queries (0 before the
 *  deadline). */
SIP_TRANSPORT_DEF int sip_resolve_on_timeout(sip_resolve *r, uint64_t now_us);

/** The next target in RFC 3263 order that was not handed out yet and is
 *  not in the failed list at now_us (with cfg.failed_last, failed targets
 *  come after all others). remote carries the address and port; local and
 *  flow are zero. Returns 1 and fills *out; 0 when the next target depends
 *  on answers not in yet (perform the queries, then ask again); or
 *  SIP_ERR_RESOLVE_NOT_FOUND (no target at all: NXDOMAIN, no records,
 *  every one failed), SIP_ERR_RESOLVE_UNAVAILABLE (no target because SRV
 *  said "."), SIP_ERR_RESOLVE_EXHAUSTED (targets were handed out and none
 *  is left, or SIP_RESOLVE_MAX_TARGETS reached), SIP_ERR_RESOLVE_STATE
 *  (not started). */
SIP_TRANSPORT_DEF int sip_resolve_next_target(sip_resolve *r, uint64_t now_us, sip_target *out);

/** The target last handed out failed (transport error, or a timeout of the
 *  transaction, RFC 3263 §4.3): put it in the sip_resolver's failed list
 *  until now_us + failed_ttl_us. Call sip_resolve_next_target() next for
 *  the failover target. Returns 0, or SIP_ERR_RESOLVE_STATE when no target
 *  was handed out. */
SIP_TRANSPORT_DEF int sip_resolve_failed(sip_resolve *r, uint64_t now_us);

/** The ordered targets known so far (without duplicates and failed ones,
 *  with the rules of sip_resolve_next_target but ignoring what was handed
 *  out) into out[cap] (out may be NULL to count). Sets *complete
 *  (optional) to 1 when no answer is awaited and the list is final. Returns
 *  the number of targets there are, at most SIP_RESOLVE_MAX_TARGETS (it may
 *  exceed cap: only cap are written), or SIP_ERR_RESOLVE_STATE. */
SIP_TRANSPORT_DEF int sip_resolve_list(const sip_resolve *r, uint64_t now_us, sip_target *out, size_t cap, int *complete);

/* ------------------------------------------------------------------------
 * TLS: RFC 5922 identity rules (always), and an OpenSSL memory-BIO filter
 * (with SIP_USE_OPENSSL, link -lssl -lcrypto)
 *
 * sip_tls is a byte filter around one OpenSSL SSL object and two memory
 * BIOs; it never touches a socket:
 *
 *     socket bytes --> sip_tls_input(t, cipher, n, plain_out, u)
 *                          plain_out(u, sip bytes, n) ... (0..many calls)
 *     sip bytes    --> sip_tls_output(t, plain, n, cipher_out, u)
 *                          cipher_out(u, tls records, n) ... to the socket
 *     after every sip_tls_input(): sip_tls_pending_output(t, cipher_out, u)
 *         sends what TLS itself has to say (handshake messages, alerts,
 *         TLS 1.3 session tickets, key updates).
 *
 * Every function that produces ciphertext hands it to a cipher_out
 * callback before returning, so the filter holds no unsent bytes between
 * calls except plaintext written before the handshake finished (queued,
 * up to SIP_TLS_MAX_QUEUED bytes, and encrypted as soon as it is done).
 * A client starts the handshake with sip_tls_pending_output() (its
 * ClientHello) or simply by writing its first message.
 *
 * Verification (client: always unless cfg.insecure; server: when
 * cfg.request_client_cert): OpenSSL checks the chain against the trust
 * anchors; the peer certificate must carry the expected domain per RFC
 * 5922 §7 (sip_tls_identity_check); then cfg.verify_cb, when set, decides
 * with both results (it may accept a self-signed peer or reject a valid
 * one). A rejection fails the handshake with an alert to the peer.
 *
 * Errors: SIP_ERR_TLS_* (-480..-499); a fatal one is sticky (every later
 * call returns it) and sip_tls_reason() tells why in words. There is no
 * timer: a stalled handshake is the connection's idle timeout's business.
 * --------------------------------------------------------------------- */

/** Error codes of the TLS filter (range -480..-499 of sip_transport.h). */
typedef enum sip_tls_err {
    SIP_ERR_TLS_INVALID = -480,   /**< NULL or invalid argument */
    SIP_ERR_TLS_NOMEM = -481,     /**< allocation failed (ours or OpenSSL's) */
    SIP_ERR_TLS_CONFIG = -482,    /**< CA, certificate or key failed to load,
                                       or a server without certificate */
    SIP_ERR_TLS_HANDSHAKE = -483, /**< handshake failed (alert, no common
                                       version or cipher, bad message) */
    SIP_ERR_TLS_VERIFY = -484,    /**< the peer's chain did not verify */
    SIP_ERR_TLS_IDENTITY = -485,  /**< the peer's certificate does not carry
                                       the expected domain (RFC 5922 §7) */
    SIP_ERR_TLS_REJECTED = -486,  /**< cfg.verify_cb rejected the peer */
    SIP_ERR_TLS_CLOSED = -487,    /**< the peer sent close_notify: no more
                                       data comes (not an attack: end) */
    SIP_ERR_TLS_PROTOCOL = -488,  /**< bad record or protocol error after
                                       the handshake */
    SIP_ERR_TLS_CALLBACK = -489,  /**< an output callback returned nonzero */
    SIP_ERR_TLS_STATE = -490,     /**< not allowed now (writing after close) */
    SIP_ERR_TLS_TOO_BIG = -491    /**< more than SIP_TLS_MAX_QUEUED bytes
                                       written before the handshake ended */
} sip_tls_err;

/** Short English text for a SIP_ERR_TLS_* code (static storage, never
 *  NULL; "unknown error" for other values). */
SIP_TRANSPORT_DEF const char *sip_tls_strerror(int err);

/** The identities a certificate carries, as RFC 5922 §7.1 reads them. */
typedef struct sip_tls_identity {
    const sip_str *san_uri;  /**< subjectAltName uniformResourceIdentifier */
    size_t n_san_uri;
    const sip_str *san_dns;  /**< subjectAltName dNSName values */
    size_t n_san_dns;
    int has_san;             /**< the certificate has a subjectAltName
                                  extension (of any entry types) */
    sip_str cn;              /**< subject CommonName (absent: {NULL, 0}) */
} sip_tls_identity;

/** RFC 5922 §7.1/§7.2: 1 when the identities match the SIP domain, else 0.
 *  A SAN URI matches when it is a sip: URI without user part whose host
 *  equals domain (other schemes, sips:, and URIs with a user never match);
 *  a SAN dNSName matches when it equals domain; the CN is considered only
 *  when the certificate has no subjectAltName at all. Comparison is
 *  ASCII case-insensitive with a trailing dot ignored, and a wildcard is
 *  an ordinary character ("*.example.com" never matches
 *  "sip.example.com", §7.2). domain is the host of the URI being
 *  resolved (RFC 3263), not a name found through DNS. An empty domain
 *  never matches. Available without OpenSSL. */
SIP_TRANSPORT_DEF int sip_tls_identity_match(const sip_tls_identity *id, sip_str domain);

#ifdef SIP_USE_OPENSSL
#include <openssl/ssl.h>
#include <openssl/x509.h>

#ifndef SIP_TLS_MAX_QUEUED
/** Most plaintext bytes sip_tls_output() queues before the handshake ends. */
#define SIP_TLS_MAX_QUEUED 262144
#endif

/** The filter (opaque; allocated with SIP_TLS_MALLOC, default malloc). */
typedef struct sip_tls sip_tls;

/** Output callback of the filter: n bytes at p (valid during the call
 *  only). Return 0, or nonzero to fail the call (SIP_ERR_TLS_CALLBACK). */
typedef int (*sip_tls_out_fn)(void *user, const uint8_t *p, size_t n);

/** The application's verification decision, called once per handshake
 *  when the peer's certificate has been checked: chain_result is
 *  X509_V_OK or OpenSSL's X509_V_ERR_* code for the first chain problem,
 *  identity_ok the RFC 5922 check against the expected domain (1 when no
 *  domain was configured). peer is borrowed for the call. Return 1 to
 *  accept the peer, 0 to fail the handshake (SIP_ERR_TLS_REJECTED). */
typedef int (*sip_tls_verify_fn)(void *user, sip_tls *t, X509 *peer, long chain_result, int identity_ok);

/** Configuration of one filter. Strings are read during sip_tls_new()
 *  only (the filter copies the domain). */
typedef struct sip_tls_config {
    int server;               /**< 0: client role, nonzero: server role */
    /** An SSL_CTX the application configured (certificates, trust,
     *  versions, ciphers); the filter's SSL object holds its own reference,
     *  so the caller may free its one at any time. NULL: the filter builds
     *  a context (TLS 1.2 minimum) from the files below. */
    SSL_CTX *ctx;
    const char *ca_file;      /**< PEM trust anchors; NULL: OpenSSL's
                                   default paths (ignored with ctx) */
    const char *cert_file;    /**< PEM certificate chain (server: required
                                   unless ctx; client: optional) */
    const char *key_file;     /**< PEM private key of cert_file */
    /** Client: the SIP domain of the target (the host of the URI, RFC
     *  5922 §7): sent as SNI (RFC 6066 §3; not for an IP literal) and
     *  required in the server's certificate. Server: when set with
     *  request_client_cert, the domain the client certificate must carry. */
    const char *domain;
    int insecure;             /**< client: nonzero skips all verification */
    int request_client_cert;  /**< server: ask for and verify a client
                                   certificate (mutual TLS, RFC 5922 §7.3) */
    sip_tls_verify_fn verify_cb; /**< optional final say, see above */
    void *verify_user;
} sip_tls_config;

/** Create a filter. Returns 0 and stores it in *out, or
 *  SIP_ERR_TLS_INVALID (NULL cfg/out, a client that verifies without a
 *  domain), SIP_ERR_TLS_NOMEM, SIP_ERR_TLS_CONFIG (a file failed to load,
 *  the key does not match, a server without certificate). On error *out
 *  is NULL. Free with sip_tls_free(). */
SIP_TRANSPORT_DEF int sip_tls_new(sip_tls **out, const sip_tls_config *cfg);

/** Free the filter and its SSL object (no close_notify: see
 *  sip_tls_close). NULL is allowed. */
SIP_TRANSPORT_DEF void sip_tls_free(sip_tls *t);

/** Feed len bytes received from the socket. Drives the handshake; then
 *  decrypts every complete record and passes the plaintext to plain_out
 *  (NULL: discarded), in order, in chunks of at most 16 KB. Partial
 *  records wait for more input. Call sip_tls_pending_output() afterwards.
 *  Returns the plaintext bytes delivered (>= 0), or SIP_ERR_TLS_CLOSED
 *  (close_notify received; plaintext before it was delivered; answer with
 *  sip_tls_close), SIP_ERR_TLS_HANDSHAKE / _VERIFY / _IDENTITY /
 *  _REJECTED / _PROTOCOL (fatal; an alert for the peer may be pending),
 *  SIP_ERR_TLS_CALLBACK (plain_out failed; the chunk it refused and the
 *  rest are delivered by the next call, which may pass len 0),
 *  SIP_ERR_TLS_NOMEM,
 *  SIP_ERR_TLS_INVALID. */
SIP_TRANSPORT_DEF int sip_tls_input(sip_tls *t, const uint8_t *cipher, size_t len, sip_tls_out_fn plain_out, void *user);

/** Encrypt len bytes of SIP and pass the records to cipher_out. Before the
 *  handshake has finished the bytes are queued (a client's first call also
 *  sends its ClientHello through cipher_out) and go out encrypted when it
 *  finishes, through the cipher_out of the sip_tls_pending_output() call
 *  after the input that finished it. Returns 0, SIP_ERR_TLS_TOO_BIG (queue
 *  limit; nothing queued), SIP_ERR_TLS_STATE (after sip_tls_close or
 *  the peer's close_notify), the sticky fatal error of an earlier call,
 *  SIP_ERR_TLS_CALLBACK, SIP_ERR_TLS_NOMEM, SIP_ERR_TLS_INVALID. */
SIP_TRANSPORT_DEF int sip_tls_output(sip_tls *t, const uint8_t *plain, size_t len, sip_tls_out_fn cipher_out, void *user);

/** Send what TLS has produced on its own: the client's ClientHello (the
 *  first call on a client starts the handshake), handshake replies,
 *  alerts, session tickets, and plaintext queued before the handshake
 *  finished. Returns the ciphertext bytes passed to cipher_out (>= 0), or
 *  SIP_ERR_TLS_CALLBACK, SIP_ERR_TLS_INVALID, or the sticky fatal error
 *  (after its alert went out). */
SIP_TRANSPORT_DEF int sip_tls_pending_output(sip_tls *t, sip_tls_out_fn cipher_out, void *user);

/** Send close_notify (RFC 8446 §6.1, RFC 5246 §7.2.1) through cipher_out;
 *  afterwards sip_tls_output() fails with SIP_ERR_TLS_STATE and the
 *  connection can be closed (waiting for the peer's close_notify is not
 *  required for SIP). Returns 0, SIP_ERR_TLS_CALLBACK, SIP_ERR_TLS_INVALID;
 *  a second call sends nothing. */
SIP_TRANSPORT_DEF int sip_tls_close(sip_tls *t, sip_tls_out_fn cipher_out, void *user);

/** 1 once the handshake finished and the peer was accepted, else 0. */
SIP_TRANSPORT_DEF int sip_tls_established(const sip_tls *t);

/** Server: the SNI host name the client sent (RFC 6066 §3), NULL when none
 *  or before the ClientHello. Client: the domain it sent. Valid until
 *  sip_tls_free. */
SIP_TRANSPORT_DEF const char *sip_tls_server_name(const sip_tls *t);

/** The peer's certificate (borrowed, valid until sip_tls_free), or NULL. */
SIP_TRANSPORT_DEF X509 *sip_tls_peer_cert(const sip_tls *t);

/** The SSL object, for what this API does not cover (ciphers, session
 *  resumption, ALPN). Its ex_data slot 0 (app data) belongs to the filter. */
SIP_TRANSPORT_DEF SSL *sip_tls_ssl(const sip_tls *t);

/** Why the last fatal error happened, in words (OpenSSL's reason or the
 *  verification problem), "" when none. Valid until the next call. */
SIP_TRANSPORT_DEF const char *sip_tls_reason(const sip_tls *t);

/** RFC 5922 §7.1 on a certificate: collects its subjectAltName URI and
 *  dNSName values (up to 64 of each) and, only when it has no
 *  subjectAltName, its CN, then sip_tls_identity_match(). Returns 1 match,
 *  0 no match (also for NULL arguments). */
SIP_TRANSPORT_DEF int sip_tls_identity_check(X509 *cert, sip_str domain);

/** The connection-table filter (sip_tp_filter) that runs a sip_tls over a
 *  TLS or WSS connection: give it with the sip_tls as ctx to
 *  sip_transport_accepted() (server) or sip_transport_set_filter() from the
 *  open callback (client). The client's ClientHello leaves at on_start;
 *  the connection becomes usable (on_connected, the WebSocket upgrade)
 *  once the handshake has finished and the peer was accepted. The
 *  transport then owns the sip_tls: on_close frees it. Static storage. */
SIP_TRANSPORT_DEF const sip_tp_filter *sip_tls_tp_filter(void);
#endif /* SIP_USE_OPENSSL */

#ifdef __cplusplus
}
#endif

#endif /* SIP_TRANSPORT_H */

/* ======================================================================== */
#ifdef SIP_TRANSPORT_IMPLEMENTATION
#ifndef SIP_TRANSPORT_IMPLEMENTATION_DONE
#define SIP_TRANSPORT_IMPLEMENTATION_DONE

#include <string.h>

SIP_TRANSPORT_DEF int sip_tp_reliable(sip_tp tp)
{
    return tp != SIP_TP_NONE && tp != SIP_TP_UDP;
}

static const char *const sip__tp_names[] = {"", "UDP", "TCP", "TLS", "SCTP", "WS", "WSS"};

SIP_TRANSPORT_DEF const char *sip_tp_name(sip_tp tp)
{
    if ((unsigned)tp >= sizeof sip__tp_names / sizeof sip__tp_names[0]) return "";
    return sip__tp_names[tp];
}

SIP_TRANSPORT_DEF sip_tp sip_tp_from_name(sip_str name)
{
    unsigned i;
    for (i = 1; i < sizeof sip__tp_names / sizeof sip__tp_names[0]; i++)
        if (sip_str_caseeq_c(name, sip__tp_names[i])) return (sip_tp)i;
    return SIP_TP_NONE;
}

SIP_TRANSPORT_DEF uint16_t sip_tp_default_port(sip_tp tp)
{
    switch (tp) {
    case SIP_TP_TLS: return 5061;
    case SIP_TP_WS: return 80;
    case SIP_TP_WSS: return 443;
    case SIP_TP_NONE: return 0;
    default: return 5060;
    }
}

SIP_TRANSPORT_DEF int sip_ipaddr_eq(const sip_ipaddr *a, const sip_ipaddr *b)
{
    size_t n = a->family == 6 ? 16 : 4;
    if (a->family != b->family || a->port != b->port) return 0;
    return a->family == 0 || memcmp(a->ip, b->ip, n) == 0;
}

/* Dotted quad, each part 0..255 without leading-zero ambiguity checks
 * beyond length (RFC 3261 §25.1 IPv4address). Returns chars used or 0. */
static size_t sip__tp_ip4(const char *p, size_t n, uint8_t out[4])
{
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        if (part) {
            if (i >= n || p[i] != '.') return 0;
            i++;
        }
        while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 3) {
            v = v * 10 + (unsigned)(p[i] - '0');
            i++, digits++;
        }
        if (!digits || v > 255) return 0;
        out[part] = (uint8_t)v;
    }
    return i;
}

static int sip__tp_hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* IPv6 text (RFC 4291 §2.2, with an embedded IPv4 tail) of exactly n chars. */
static int sip__tp_ip6(const char *p, size_t n, uint8_t out[16])
{
    uint16_t w[8];
    int nw = 0, gap = -1;
    size_t i = 0;
    if (n >= 2 && p[0] == ':' && p[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n && p[0] == ':') {
        return SIP_ERR_SYNTAX;
    }
    while (i < n) {
        unsigned v = 0, d = 0;
        size_t s = i;
        uint8_t v4[4];
        if (nw >= 8) return SIP_ERR_SYNTAX;
        if (nw <= 6 && sip__tp_ip4(p + i, n - i, v4) == n - i && memchr(p + i, '.', n - i)) {
            w[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
            w[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
            i = n;
            break;
        }
        while (i < n && d < 4 && sip__tp_hex(p[i]) >= 0) {
            v = v * 16 + (unsigned)sip__tp_hex(p[i]);
            i++, d++;
        }
        if (!d || i == s) return SIP_ERR_SYNTAX;
        w[nw++] = (uint16_t)v;
        if (i == n) break;
        if (p[i] != ':') return SIP_ERR_SYNTAX;
        i++;
        if (i < n && p[i] == ':') {
            if (gap >= 0) return SIP_ERR_SYNTAX;
            gap = nw;
            i++;
        } else if (i == n) {
            return SIP_ERR_SYNTAX;
        }
    }
    if (gap < 0 && nw != 8) return SIP_ERR_SYNTAX;
    if (gap >= 0 && nw > 7) return SIP_ERR_SYNTAX;
    {
        int k, z = 8 - nw, o = 0;
        for (k = 0; k < 8; k++) {
            uint16_t v;
            if (gap >= 0 && k >= gap && k < gap + z) v = 0;
            else v = w[o++];
            out[2 * k] = (uint8_t)(v >> 8);
            out[2 * k + 1] = (uint8_t)v;
        }
    }
    return 0;
}

static int sip__tp_port(const char *p, size_t n, uint16_t *port)
{
    unsigned long v = 0;
    size_t i;
    if (n == 0 || n > 5) return SIP_ERR_SYNTAX;
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return SIP_ERR_SYNTAX;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    if (v == 0 || v > 65535) return SIP_ERR_SYNTAX;
    *port = (uint16_t)v;
    return 0;
}

SIP_TRANSPORT_DEF int sip_ipaddr_parse(sip_str text, sip_ipaddr *out)
{
    const char *p = text.p;
    size_t n = text.len, host_end;
    sip_ipaddr a;
    memset(&a, 0, sizeof a);
    if (!p || n == 0) return SIP_ERR_SYNTAX;
    if (p[0] == '[') {
        const char *rb = (const char *)memchr(p, ']', n);
        if (!rb) return SIP_ERR_SYNTAX;
        if (sip__tp_ip6(p + 1, (size_t)(rb - p - 1), a.ip)) return SIP_ERR_SYNTAX;
        a.family = 6;
        host_end = (size_t)(rb - p) + 1;
    } else {
        size_t used = sip__tp_ip4(p, n, a.ip);
        if (used && (used == n || p[used] == ':')) {
            a.family = 4;
            host_end = used;
        } else if (memchr(p, ':', n) && !sip__tp_ip6(p, n, a.ip)) {
            a.family = 6; /* bare IPv6 cannot carry a port */
            *out = a;
            return 0;
        } else {
            return SIP_ERR_SYNTAX;
        }
    }
    if (host_end < n) {
        if (p[host_end] != ':') return SIP_ERR_SYNTAX;
        if (sip__tp_port(p + host_end + 1, n - host_end - 1, &a.port)) return SIP_ERR_SYNTAX;
    }
    *out = a;
    return 0;
}

SIP_TRANSPORT_DEF int sip_ipaddr_print(const sip_ipaddr *a, int with_port, char *out, size_t cap)
{
    char buf[64];
    size_t n = 0;
    static const char hex[] = "0123456789abcdef";
    if (a->family == 4) {
        int k;
        for (k = 0; k < 4; k++) {
            unsigned v = a->ip[k];
            if (k) buf[n++] = '.';
            if (v >= 100) buf[n++] = (char)('0' + v / 100);
            if (v >= 10) buf[n++] = (char)('0' + v / 10 % 10);
            buf[n++] = (char)('0' + v % 10);
        }
    } else if (a->family == 6) {
        /* RFC 5952 §4: lower case, no leading zeros, the longest run (>1)
         * of zero words as "::", the first such run on a tie. */
        int k, best = -1, bestlen = 1, run = -1;
        uint16_t w[8];
        for (k = 0; k < 8; k++) w[k] = (uint16_t)(a->ip[2 * k] << 8 | a->ip[2 * k + 1]);
        for (k = 0; k <= 8; k++) {
            if (k < 8 && w[k] == 0) {
                if (run < 0) run = k;
            } else if (run >= 0) {
                if (k - run > bestlen) best = run, bestlen = k - run;
                run = -1;
            }
        }
        buf[n++] = '[';
        for (k = 0; k < 8; k++) {
            int sh, started = 0;
            if (k == best) {
                buf[n++] = ':';
                if (k == 0) buf[n++] = ':';
                k += bestlen - 1;
                continue;
            }
            for (sh = 12; sh >= 0; sh -= 4) {
                unsigned d = (w[k] >> sh) & 15u;
                if (d || started || sh == 0) buf[n++] = hex[d], started = 1;
            }
            if (k < 7) buf[n++] = ':';
        }
        buf[n++] = ']';
    } else {
        return SIP_ERR_SYNTAX;
    }
    if (with_port && a->port) {
        unsigned v = a->port;
        char d[6];
        int m = 0;
        buf[n++] = ':';
        do d[m++] = (char)('0' + v % 10); while ((v /= 10) != 0);
        while (m) buf[n++] = d[--m];
    }
    if (n + 1 > cap) return SIP_ERR_NOSPACE;
    memcpy(out, buf, n);
    out[n] = 0;
    return (int)n;
}

/* ------------------------------------------------------------------------
 * Core transport implementation
 * --------------------------------------------------------------------- */

#include <stdlib.h>
#ifdef SIP_USE_OPENSSL
#include <openssl/evp.h>
#endif

#ifndef SIP_TRANSPORT_MALLOC
#define SIP_TRANSPORT_MALLOC(n) malloc(n)
#endif
#ifndef SIP_TRANSPORT_FREE
#define SIP_TRANSPORT_FREE(p) free(p)
#endif

SIP_TRANSPORT_DEF const char *sip_transport_strerror(int err)
{
    switch (err) {
    case SIP_TRANSPORT_ERR_STALE: return "unknown or closed flow";
    case SIP_TRANSPORT_ERR_FULL: return "connection table full";
    case SIP_TRANSPORT_ERR_NOMEM: return "out of memory";
    case SIP_TRANSPORT_ERR_QUEUE_FULL: return "send queue full";
    case SIP_TRANSPORT_ERR_INVALID: return "invalid argument";
    case SIP_TRANSPORT_ERR_BUSY: return "flow busy in a callback";
    case SIP_TRANSPORT_ERR_CALLBACK: return "callback failed";
    case SIP_TRANSPORT_ERR_TOO_BIG: return "message too large";
    case SIP_TRANSPORT_ERR_CLOSING: return "connection closing";
    case SIP_TRANSPORT_ERR_STATE: return "not allowed in this state";
    default: return sip_strerror(err);
    }
}

/* ---- SHA-1 (FIPS 180-4 §6.1), base64 (RFC 4648 §4), UTF-8 ------------ */

#ifndef SIP_USE_OPENSSL
static uint32_t sip__sha1_rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sip__sha1_block(uint32_t h[5], const uint8_t *b)
{
    uint32_t w[80], a, bb, c, d, e, f, k, tmp;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
               (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
    for (i = 16; i < 80; i++) w[i] = sip__sha1_rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
    for (i = 0; i < 80; i++) {
        if (i < 20) f = (bb & c) | (~bb & d), k = 0x5a827999u;
        else if (i < 40) f = bb ^ c ^ d, k = 0x6ed9eba1u;
        else if (i < 60) f = (bb & c) | (bb & d) | (c & d), k = 0x8f1bbcdcu;
        else f = bb ^ c ^ d, k = 0xca62c1d6u;
        tmp = sip__sha1_rol(a, 5) + f + e + k + w[i];
        e = d, d = c, c = sip__sha1_rol(bb, 30), bb = a, a = tmp;
    }
    h[0] += a, h[1] += bb, h[2] += c, h[3] += d, h[4] += e;
}
#endif

SIP_TRANSPORT_DEF void sip_ws_sha1(const void *data, size_t len, uint8_t out[20])
{
#ifdef SIP_USE_OPENSSL
    unsigned n = 20;
    if (EVP_Digest(data, len, out, &n, EVP_sha1(), NULL) != 1) memset(out, 0, 20);
#else
    uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
    const uint8_t *p = (const uint8_t *)data;
    uint8_t last[128];
    size_t rest = len, tail, i;
    uint64_t bits = (uint64_t)len * 8;
    while (rest >= 64) sip__sha1_block(h, p), p += 64, rest -= 64;
    memset(last, 0, sizeof last);
    if (rest) memcpy(last, p, rest);
    last[rest] = 0x80;
    tail = rest + 1 + 8 <= 64 ? 64 : 128;
    for (i = 0; i < 8; i++) last[tail - 1 - i] = (uint8_t)(bits >> (8 * i));
    sip__sha1_block(h, last);
    if (tail == 128) sip__sha1_block(h, last + 64);
    for (i = 0; i < 20; i++) out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
#endif
}

static size_t sip__b64(const uint8_t *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = tab[v >> 18], out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63], out[o++] = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = tab[v >> 18], out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return o;
}

SIP_TRANSPORT_DEF int sip_ws_accept(sip_str key, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char buf[64 + sizeof guid];
    uint8_t d[20];
    if (!key.p || key.len == 0 || key.len > 64) return SIP_TRANSPORT_ERR_INVALID;
    memcpy(buf, key.p, key.len);
    memcpy(buf + key.len, guid, sizeof guid - 1);
    sip_ws_sha1(buf, key.len + sizeof guid - 1, d);
    sip__b64(d, 20, out);
    out[28] = 0;
    return 28;
}

SIP_TRANSPORT_DEF int sip_utf8_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        uint32_t cp;
        size_t n, k;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xc2 && c <= 0xdf) n = 1, cp = c & 0x1fu;
        else if (c >= 0xe0 && c <= 0xef) n = 2, cp = c & 0x0fu;
        else if (c >= 0xf0 && c <= 0xf4) n = 3, cp = c & 0x07u;
        else return 0;
        if (len - i <= n) return 0;
        for (k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (p[i + k] & 0x3fu);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* ---- WebSocket frames (RFC 6455 §5.2) -------------------------------- */

SIP_TRANSPORT_DEF int sip_ws_frame_parse(const uint8_t *buf, size_t len, sip_ws_frame *f)
{
    size_t need = 2, i;
    uint64_t pl;
    if (len < 2) return SIP_ERR_PARTIAL;
    memset(f, 0, sizeof *f);
    f->fin = buf[0] >> 7;
    f->rsv = (buf[0] >> 4) & 7;
    f->opcode = buf[0] & 15;
    f->masked = buf[1] >> 7;
    pl = buf[1] & 127u;
    if (pl == 126) need += 2;
    else if (pl == 127) need += 8;
    if (f->masked) need += 4;
    if (len < need) return SIP_ERR_PARTIAL;
    if (pl == 126) {
        pl = (uint64_t)buf[2] << 8 | buf[3];
        if (pl < 126) return SIP_ERR_SYNTAX; /* §5.2: minimal number of bytes */
    } else if (pl == 127) {
        pl = 0;
        for (i = 0; i < 8; i++) pl = pl << 8 | buf[2 + i];
        if (pl >> 63 || pl <= 0xffff) return SIP_ERR_SYNTAX;
    }
    f->payload_len = pl;
    if (f->masked) memcpy(f->mask, buf + need - 4, 4);
    f->header_len = need;
    return (int)need;
}

/* Header bytes of a frame into h[14]; returns their count. */
static size_t sip__ws_hdr(uint8_t *h, int opcode, int fin, const uint8_t *mask, size_t len)
{
    size_t n = 2, i;
    h[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 15));
    if (len < 126) {
        h[1] = (uint8_t)len;
    } else if (len <= 0xffff) {
        h[1] = 126, h[2] = (uint8_t)(len >> 8), h[3] = (uint8_t)len, n = 4;
    } else {
        uint64_t v = len;
        h[1] = 127;
        for (i = 0; i < 8; i++) h[9 - i] = (uint8_t)(v >> (8 * i));
        n = 10;
    }
    if (mask) {
        h[1] |= 0x80;
        memcpy(h + n, mask, 4);
        n += 4;
    }
    return n;
}

SIP_TRANSPORT_DEF int sip_ws_frame_build(uint8_t *out, size_t cap, int opcode, int fin,
                                         const uint8_t *mask, const uint8_t *payload,
                                         size_t len, size_t *needed)
{
    uint8_t h[14];
    size_t hl, i;
    if (opcode < 0 || opcode > 15 || (len && !payload) || len > 0x7fffffff - 14)
        return SIP_ERR_INVALID;
    hl = sip__ws_hdr(h, opcode, fin, mask, len);
    if (needed) *needed = hl + len;
    if (!out || cap < hl + len) return SIP_ERR_NOSPACE;
    memcpy(out, h, hl);
    for (i = 0; i < len; i++) out[hl + i] = (uint8_t)(payload[i] ^ (mask ? mask[i & 3] : 0));
    return (int)(hl + len);
}

SIP_TRANSPORT_DEF int sip_stun_check(const uint8_t *b, size_t len)
{
    size_t ml;
    if (!b || len < 20 || (b[0] & 0xc0) != 0) return 0;
    if (b[4] != 0x21 || b[5] != 0x12 || b[6] != 0xa4 || b[7] != 0x42) return 0;
    ml = (size_t)b[2] << 8 | b[3];
    return (ml & 3) == 0 && ml + 20 == len;
}

SIP_TRANSPORT_DEF sip_tp sip_request_transport(sip_tp tp, size_t len, uint32_t path_mtu)
{
    int big;
    if (tp != SIP_TP_UDP) return tp;
    big = path_mtu ? len + 200 > path_mtu : len > 1300;
    return big ? SIP_TP_TCP : tp;
}

/* ---- Via: received / rport, response targets ------------------------- */

/* The sent-by (or maddr/received) host as an address; 0 or SIP_ERR_SYNTAX. */
static int sip__tp_host_addr(sip_str host, sip_ipaddr *a)
{
    if (!host.p || !host.len) return SIP_ERR_SYNTAX;
    if (sip_ipaddr_parse(host, a) != 0 || a->port != 0) return SIP_ERR_SYNTAX;
    return 0;
}

SIP_TRANSPORT_DEF int sip_via_stamp_values(const sip_via *via, const sip_ipaddr *src,
                                           sip_via_stamp *out)
{
    sip_ipaddr h;
    memset(out, 0, sizeof *out);
    if (!via || !src || (src->family != 4 && src->family != 6)) return SIP_TRANSPORT_ERR_INVALID;
    /* §18.2.1: received when the sent-by host differs from the source */
    if (sip__tp_host_addr(via->host, &h) != 0 || h.family != src->family ||
        memcmp(h.ip, src->ip, src->family == 6 ? 16 : 4) != 0) {
        sip_ipaddr a = *src;
        char tmp[48];
        int n;
        a.port = 0;
        n = sip_ipaddr_print(&a, 0, tmp, sizeof tmp);
        if (n < 0) return SIP_TRANSPORT_ERR_INVALID;
        if (a.family == 6) { /* IPv6address, no brackets (§20.42 grammar) */
            memcpy(out->received, tmp + 1, (size_t)n - 2);
            out->received[n - 2] = 0;
        } else {
            memcpy(out->received, tmp, (size_t)n + 1);
        }
        out->add_received = 1;
    }
    /* RFC 3581 §4: fill an empty rport with the source port */
    if (via->has_rport && via->rport == 0) {
        out->fill_rport = 1;
        out->rport = src->port;
    }
    return 0;
}

SIP_TRANSPORT_DEF int sip_via_stamp_msg(char *out, size_t cap, const sip_msg *m,
                                        const sip_ipaddr *src, size_t *needed)
{
    const sip_hdr *h;
    sip_via v;
    sip_via_stamp st;
    const char *start, *end, *rp = NULL, *ve;
    char port[8];
    size_t pn = 0, need, o = 0;
    if (!m || !src || !m->start_line.p) return SIP_TRANSPORT_ERR_INVALID;
    h = sip_msg_find(m, SIP_HDR_VIA, NULL);
    if (!h) return SIP_ERR_NOT_FOUND;
    if (sip_via_parse(h->value, &v) != 0) return SIP_ERR_SYNTAX;
    if (sip_via_stamp_values(&v, src, &st) != 0) return SIP_TRANSPORT_ERR_INVALID;
    if (st.fill_rport) {
        size_t pos = 0;
        sip_str name, val;
        unsigned x = st.rport;
        char d[6];
        int k = 0;
        while (sip_param_next(v.params, &pos, &name, &val) == 1)
            if (sip_str_caseeq_c(name, "rport") && !val.p) rp = name.p + name.len;
        if (!rp) st.fill_rport = 0;
        port[pn++] = '=';
        do d[k++] = (char)('0' + x % 10); while ((x /= 10) != 0);
        while (k) port[pn++] = d[--k];
    }
    start = m->start_line.p;
    end = m->body.p + m->body.len;
    ve = h->value.p + h->value.len;
    need = (size_t)(end - start) + (st.fill_rport ? pn : 0) +
           (st.add_received ? 10 + strlen(st.received) : 0);
    if (needed) *needed = need;
    if (!out || cap < need) return SIP_ERR_NOSPACE;
    if (need > 0x7fffffff) return SIP_ERR_RANGE;
    if (st.fill_rport) {
        memcpy(out, start, (size_t)(rp - start)), o = (size_t)(rp - start);
        memcpy(out + o, port, pn), o += pn;
        memcpy(out + o, rp, (size_t)(ve - rp)), o += (size_t)(ve - rp);
    } else {
        memcpy(out, start, (size_t)(ve - start)), o = (size_t)(ve - start);
    }
    if (st.add_received) {
        size_t rl = strlen(st.received);
        memcpy(out + o, ";received=", 10), o += 10;
        memcpy(out + o, st.received, rl), o += rl;
    }
    memcpy(out + o, ve, (size_t)(end - ve)), o += (size_t)(end - ve);
    return (int)o;
}

SIP_TRANSPORT_DEF int sip_response_target(const sip_via *via, const sip_target *came_from,
                                          sip_target *out, sip_str *host)
{
    sip_tp tp;
    sip_ipaddr a;
    uint16_t port;
    int have_src = came_from && (came_from->remote.family == 4 || came_from->remote.family == 6);
    if (!via || !out) return SIP_TRANSPORT_ERR_INVALID;
    tp = sip_tp_from_name(via->transport);
    if (tp == SIP_TP_NONE) return SIP_TRANSPORT_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->tp = tp;
    if (came_from) out->local = came_from->local;
    if (host) host->p = NULL, host->len = 0;
    /* reliable: the connection the request came on */
    if (sip_tp_reliable(tp) && came_from && came_from->flow) {
        *out = *came_from;
        return 0;
    }
    port = via->has_port ? via->port : sip_tp_default_port(tp);
    if (via->maddr.p) {
        out->remote.port = port;
        if (sip__tp_host_addr(via->maddr, &a) != 0) {
            if (host) *host = via->maddr;
            return SIP_TRANSPORT_RESOLVE;
        }
        a.port = port;
        out->remote = a;
        return 0;
    }
    if (via->received.p && sip__tp_host_addr(via->received, &a) == 0) {
        /* stamped already */
    } else if (have_src) {
        a = came_from->remote; /* what received would say, or the sent-by */
    } else if (sip__tp_host_addr(via->host, &a) != 0) {
        out->remote.port = port;
        if (host) *host = via->host;
        return SIP_TRANSPORT_RESOLVE;
    }
    if (!sip_tp_reliable(tp) && via->has_rport) {
        if (via->rport) port = (uint16_t)via->rport;
        else if (have_src && came_from->remote.port) port = came_from->remote.port;
    }
    a.port = port;
    out->remote = a;
    return 0;
}

/* ---- the connection table -------------------------------------------- */

enum {
    SIP__TP_CONNECTING = 1, /* client: waiting for sip_transport_connected */
    SIP__TP_SECURING,       /* filter handshake */
    SIP__TP_WS_HANDSHAKE,   /* RFC 6455 §4 upgrade */
    SIP__TP_OPEN,
    SIP__TP_CLOSING         /* WebSocket close sent, waiting for the peer */
};

enum {
    SIP__TPF_SERVER = 1u << 0,
    SIP__TPF_BUSY = 1u << 1,     /* inside data/timer processing */
    SIP__TPF_DEAD = 1u << 2,     /* disconnected, free when not busy */
    SIP__TPF_BP = 1u << 3,       /* back-pressure reported on */
    SIP__TPF_PONG_WAIT = 1u << 4,
    SIP__TPF_RX_TIMING = 1u << 5,/* rx_start_us is set */
    SIP__TPF_FAIL = 1u << 6      /* a send or filter output failed */
};

#define SIP__TP_NEVER UINT64_MAX
#define SIP__TP_IDX_BITS 20u
#define SIP__TP_IDX_MASK ((1u << SIP__TP_IDX_BITS) - 1u)
#define SIP__TP_HS_MAX 8192u /* HTTP upgrade request/response limit */

/* WebSocket receive state (allocated only for WS/WSS connections). */
typedef struct sip__tp_ws {
    uint8_t hdr[14], hdr_len;
    uint8_t ctl_len;
    uint8_t msg_opcode;    /* TEXT/BINARY while a message assembles */
    uint8_t have_frame;
    sip_ws_frame f;
    uint64_t remaining;    /* payload bytes of the current frame still due */
    uint64_t done;         /* payload bytes of the current frame seen */
    uint8_t ctl[125];
    char accept[29];       /* client: the Sec-WebSocket-Accept expected */
} sip__tp_ws;

typedef struct sip__tp_conn {
    sip_target tgt;
    sip_ipaddr alias;      /* RFC 5923, family 0 = none */
    uint8_t state, ka;     /* ka: bytes of CRLFCRLF matched */
    uint16_t flags;
    uint32_t ka_interval_ms;
    uint64_t last_us, idle_us, rx_start_us, ka_next_us, pong_due_us, close_due_us;
    uint64_t deadline;     /* min of this connection's timers */
    char *rx;              /* partial message / WebSocket message / HTTP */
    size_t rx_len, rx_cap;
    sip_stream_state st;
    uint8_t *tx;           /* bytes the socket has not taken */
    size_t tx_off, tx_len, tx_cap;
    uint8_t *pend;         /* messages waiting for the flow to open:
                              4-byte length (host order) + bytes */
    size_t pend_len, pend_cap;
    sip__tp_ws *ws;
    const sip_tp_filter *filter;
    void *filter_ctx;
    /* lists and hash chains: slot index + 1, 0 = none */
    uint32_t idle_prev, idle_next, timed_prev, timed_next, hnext, anext;
    uint8_t in_idle, in_timed, in_alias;
} sip__tp_conn;

typedef struct sip__tp_slot {
    sip__tp_conn *c;
    uint32_t gen;          /* 1..4095 */
    uint32_t free_next;    /* index + 1 */
} sip__tp_slot;

struct sip_transport {
    sip_transport_config cfg;
    sip_transport_callbacks cb;
    void *user;
    sip__tp_slot *slots;
    uint32_t n_slots, cap_slots, free_head, count;
    uint32_t *hash, *ahash;   /* buckets: index + 1 */
    uint32_t n_buckets;       /* power of 2 */
    uint32_t idle_head, idle_tail, timed_head;
    sip_hdr *hdrs;
    size_t mem;
    unsigned delivering;      /* nested on_message depth */
};

static void *sip__tp_alloc(sip_transport *t, size_t n)
{
    void *p = t->cfg.alloc_fn ? t->cfg.alloc_fn(t->cfg.alloc_user, n) : SIP_TRANSPORT_MALLOC(n);
    if (p) t->mem += n;
    return p;
}

static void sip__tp_free(sip_transport *t, void *p, size_t n)
{
    if (!p) return;
    t->mem -= n;
    if (t->cfg.free_fn) t->cfg.free_fn(t->cfg.alloc_user, p, n);
    else SIP_TRANSPORT_FREE(p);
}

static sip__tp_conn *sip__tp_at(const sip_transport *t, uint32_t idx1)
{
    return idx1 ? t->slots[idx1 - 1].c : NULL;
}

static uint32_t sip__tp_idx1(const sip__tp_conn *c)
{
    return (c->tgt.flow & SIP__TP_IDX_MASK) + 1;
}

/* The live connection of a handle, or NULL (stale, freed, dead). */
static sip__tp_conn *sip__tp_get(const sip_transport *t, sip_flow flow)
{
    uint32_t idx = flow & SIP__TP_IDX_MASK;
    const sip__tp_slot *s;
    if (!t || !flow || idx >= t->n_slots) return NULL;
    s = &t->slots[idx];
    if (!s->c || s->gen != flow >> SIP__TP_IDX_BITS || (s->c->flags & SIP__TPF_DEAD)) return NULL;
    return s->c;
}

static uint32_t sip__tp_hash(sip_tp tp, const sip_ipaddr *a)
{
    uint32_t h = 2166136261u;
    size_t i, n = a->family == 6 ? 16 : 4;
    h = (h ^ (uint32_t)tp) * 16777619u;
    h = (h ^ a->family) * 16777619u;
    for (i = 0; i < n; i++) h = (h ^ a->ip[i]) * 16777619u;
    h = (h ^ (a->port >> 8)) * 16777619u;
    h = (h ^ (a->port & 255u)) * 16777619u;
    return h;
}

static void sip__tp_chain_add(sip_transport *t, sip__tp_conn *c, int alias)
{
    uint32_t b = sip__tp_hash(c->tgt.tp, alias ? &c->alias : &c->tgt.remote) & (t->n_buckets - 1);
    uint32_t *head = alias ? &t->ahash[b] : &t->hash[b];
    if (alias) c->anext = *head, c->in_alias = 1;
    else c->hnext = *head;
    *head = sip__tp_idx1(c);
}

static void sip__tp_chain_del(sip_transport *t, sip__tp_conn *c, int alias)
{
    uint32_t b = sip__tp_hash(c->tgt.tp, alias ? &c->alias : &c->tgt.remote) & (t->n_buckets - 1);
    uint32_t *p = alias ? &t->ahash[b] : &t->hash[b], me = sip__tp_idx1(c);
    while (*p && *p != me) {
        sip__tp_conn *o = sip__tp_at(t, *p);
        p = alias ? &o->anext : &o->hnext;
    }
    if (*p) *p = alias ? c->anext : c->hnext;
    if (alias) c->in_alias = 0;
}

/* Rebuild the hash buckets for n slots (a power of 2 >= n). */
static int sip__tp_rehash(sip_transport *t, uint32_t want)
{
    uint32_t nb = 16, i, *h, *a;
    while (nb < want) nb <<= 1;
    h = (uint32_t *)sip__tp_alloc(t, (size_t)nb * sizeof *h);
    a = (uint32_t *)sip__tp_alloc(t, (size_t)nb * sizeof *a);
    if (!h || !a) {
        sip__tp_free(t, h, h ? (size_t)nb * sizeof *h : 0);
        sip__tp_free(t, a, a ? (size_t)nb * sizeof *a : 0);
        return SIP_TRANSPORT_ERR_NOMEM;
    }
    memset(h, 0, (size_t)nb * sizeof *h);
    memset(a, 0, (size_t)nb * sizeof *a);
    sip__tp_free(t, t->hash, (size_t)t->n_buckets * sizeof *h);
    sip__tp_free(t, t->ahash, (size_t)t->n_buckets * sizeof *a);
    t->hash = h, t->ahash = a, t->n_buckets = nb;
    for (i = 0; i < t->n_slots; i++) {
        sip__tp_conn *c = t->slots[i].c;
        if (!c) continue;
        sip__tp_chain_add(t, c, 0);
        if (c->in_alias) sip__tp_chain_add(t, c, 1);
    }
    return 0;
}

/* ---- idle (LRU) and timed lists -------------------------------------- */

static int sip__tp_is_idle(const sip__tp_conn *c)
{
    return c->state == SIP__TP_OPEN && !(c->flags & (SIP__TPF_BUSY | SIP__TPF_DEAD)) &&
           c->rx_len == 0 && c->tx_len == 0 && c->pend_len == 0 && c->ka_interval_ms == 0 &&
           !(c->ws && (c->ws->hdr_len || c->ws->have_frame));
}

static void sip__tp_idle_unlink(sip_transport *t, sip__tp_conn *c)
{
    if (!c->in_idle) return;
    if (c->idle_prev) sip__tp_at(t, c->idle_prev)->idle_next = c->idle_next;
    else t->idle_head = c->idle_next;
    if (c->idle_next) sip__tp_at(t, c->idle_next)->idle_prev = c->idle_prev;
    else t->idle_tail = c->idle_prev;
    c->idle_prev = c->idle_next = 0;
    c->in_idle = 0;
}

static void sip__tp_timed_unlink(sip_transport *t, sip__tp_conn *c)
{
    if (!c->in_timed) return;
    if (c->timed_prev) sip__tp_at(t, c->timed_prev)->timed_next = c->timed_next;
    else t->timed_head = c->timed_next;
    if (c->timed_next) sip__tp_at(t, c->timed_next)->timed_prev = c->timed_prev;
    c->timed_prev = c->timed_next = 0;
    c->in_timed = 0;
}

static uint64_t sip__tp_add_ms(uint64_t us, uint32_t ms)
{
    uint64_t d = (uint64_t)ms * 1000u;
    return us > SIP__TP_NEVER - d ? SIP__TP_NEVER : us + d;
}

static uint64_t sip__tp_min(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Put c where its state says: the idle list (most recent at the tail) and
 * the timed list, with its own deadline. Called after every change. */
static void sip__tp_update(sip_transport *t, sip__tp_conn *c)
{
    uint64_t d = SIP__TP_NEVER;
    int idle = sip__tp_is_idle(c);
    if (c->flags & SIP__TPF_DEAD) {
        sip__tp_idle_unlink(t, c);
        sip__tp_timed_unlink(t, c);
        return;
    }
    /* keep the list in order of last activity: move only when it changed */
    if (!idle || !c->in_idle || c->idle_us != c->last_us) sip__tp_idle_unlink(t, c);
    if (idle && !c->in_idle) {
        uint32_t me = sip__tp_idx1(c);
        c->idle_us = c->last_us;
        c->idle_prev = t->idle_tail;
        c->idle_next = 0;
        if (t->idle_tail) sip__tp_at(t, t->idle_tail)->idle_next = me;
        else t->idle_head = me;
        t->idle_tail = me;
        c->in_idle = 1;
    }
    if (c->flags & SIP__TPF_RX_TIMING) {
        int hdr_done = c->ws ? 1 : c->st.header_end != 0;
        if (c->state != SIP__TP_OPEN && c->state != SIP__TP_CLOSING) hdr_done = 0;
        if (!hdr_done) d = sip__tp_min(d, sip__tp_add_ms(c->rx_start_us, t->cfg.header_timeout_ms));
        d = sip__tp_min(d, sip__tp_add_ms(c->rx_start_us, t->cfg.message_timeout_ms));
    }
    if (c->ka_interval_ms && c->state == SIP__TP_OPEN) d = sip__tp_min(d, c->ka_next_us);
    if (c->flags & SIP__TPF_PONG_WAIT) d = sip__tp_min(d, c->pong_due_us);
    if (c->state == SIP__TP_CLOSING) d = sip__tp_min(d, c->close_due_us);
    c->deadline = d;
    if (d == SIP__TP_NEVER) {
        sip__tp_timed_unlink(t, c);
    } else if (!c->in_timed) {
        uint32_t me = sip__tp_idx1(c);
        c->timed_prev = 0;
        c->timed_next = t->timed_head;
        if (t->timed_head) sip__tp_at(t, t->timed_head)->timed_prev = me;
        t->timed_head = me;
        c->in_timed = 1;
    }
}

/* ---- create / free ---------------------------------------------------- */

SIP_TRANSPORT_DEF int sip_transport_create(sip_transport **out, const sip_transport_config *cfg,
                                           const sip_transport_callbacks *cb, void *user)
{
    sip_transport tmp, *t;
    size_t n;
    if (!out) return SIP_TRANSPORT_ERR_INVALID;
    *out = NULL;
    if (!cb || cb->size < offsetof(sip_transport_callbacks, send) + sizeof cb->send || !cb->send)
        return SIP_TRANSPORT_ERR_INVALID;
    memset(&tmp, 0, sizeof tmp);
    if (cfg) tmp.cfg = *cfg;
    if (!tmp.cfg.alloc_fn != !tmp.cfg.free_fn) return SIP_TRANSPORT_ERR_INVALID;
    if (tmp.cfg.max_connections > SIP__TP_IDX_MASK) return SIP_TRANSPORT_ERR_INVALID;
    if (!tmp.cfg.max_connections) tmp.cfg.max_connections = 1024;
    if (!tmp.cfg.max_headers) tmp.cfg.max_headers = 128;
    if (!tmp.cfg.max_message) tmp.cfg.max_message = SIP_MAX_MESSAGE;
    if (tmp.cfg.max_message > 0x7ffffff0) tmp.cfg.max_message = 0x7ffffff0;
    if (!tmp.cfg.max_header_line) tmp.cfg.max_header_line = SIP_MAX_HEADER_LINE;
    if (!tmp.cfg.header_timeout_ms) tmp.cfg.header_timeout_ms = 10000;
    if (!tmp.cfg.message_timeout_ms) tmp.cfg.message_timeout_ms = 32000;
    if (!tmp.cfg.idle_timeout_ms) tmp.cfg.idle_timeout_ms = 600000;
    if (!tmp.cfg.pong_timeout_ms) tmp.cfg.pong_timeout_ms = 10000;
    if (!tmp.cfg.ws_close_timeout_ms) tmp.cfg.ws_close_timeout_ms = 2000;
    if (!tmp.cfg.send_high_water) tmp.cfg.send_high_water = 65536;
    if (!tmp.cfg.send_hard_limit) tmp.cfg.send_hard_limit = 1048576;
    if (tmp.cfg.send_hard_limit < tmp.cfg.send_high_water)
        tmp.cfg.send_hard_limit = tmp.cfg.send_high_water;
    if (!tmp.cfg.ws_path) tmp.cfg.ws_path = "/";
    n = cb->size < sizeof tmp.cb ? cb->size : sizeof tmp.cb;
    memcpy(&tmp.cb, cb, n);
    tmp.cb.size = (uint32_t)sizeof tmp.cb;
    tmp.user = user;
    t = (sip_transport *)sip__tp_alloc(&tmp, sizeof *t);
    if (!t) return SIP_TRANSPORT_ERR_NOMEM;
    *t = tmp;
    t->hdrs = (sip_hdr *)sip__tp_alloc(t, t->cfg.max_headers * sizeof *t->hdrs);
    if (!t->hdrs || sip__tp_rehash(t, 16) != 0) {
        sip_transport_destroy(t);
        return SIP_TRANSPORT_ERR_NOMEM;
    }
    *out = t;
    return 0;
}

static void sip__tp_free_conn(sip_transport *t, sip__tp_conn *c)
{
    uint32_t idx = c->tgt.flow & SIP__TP_IDX_MASK;
    sip__tp_slot *s = &t->slots[idx];
    sip__tp_idle_unlink(t, c);
    sip__tp_timed_unlink(t, c);
    sip__tp_chain_del(t, c, 0);
    if (c->in_alias) sip__tp_chain_del(t, c, 1);
    if (c->filter && c->filter->on_close) c->filter->on_close(c->filter_ctx);
    sip__tp_free(t, c->rx, c->rx_cap);
    sip__tp_free(t, c->tx, c->tx_cap);
    sip__tp_free(t, c->pend, c->pend_cap);
    sip__tp_free(t, c->ws, sizeof *c->ws);
    sip__tp_free(t, c, sizeof *c);
    s->c = NULL;
    s->gen = s->gen % 4095u + 1u;
    s->free_next = t->free_head;
    t->free_head = idx + 1;
    t->count--;
}

SIP_TRANSPORT_DEF void sip_transport_destroy(sip_transport *t)
{
    uint32_t i;
    if (!t) return;
    for (i = 0; i < t->n_slots; i++)
        if (t->slots[i].c) sip__tp_free_conn(t, t->slots[i].c);
    sip__tp_free(t, t->slots, (size_t)t->cap_slots * sizeof *t->slots);
    sip__tp_free(t, t->hash, (size_t)t->n_buckets * sizeof *t->hash);
    sip__tp_free(t, t->ahash, (size_t)t->n_buckets * sizeof *t->ahash);
    sip__tp_free(t, t->hdrs, t->cfg.max_headers * sizeof *t->hdrs);
    {
        sip_transport tmp = *t; /* the allocator outlives the context */
        sip__tp_free(&tmp, t, sizeof *t);
    }
}

/* Disconnect: report, then free (later when the connection is busy). */
static void sip__tp_drop(sip_transport *t, sip__tp_conn *c, sip_tp_disc reason, int detail)
{
    sip_target tg;
    if (c->flags & SIP__TPF_DEAD) return;
    c->flags |= SIP__TPF_DEAD;
    sip__tp_update(t, c);
    tg = c->tgt;
    if (t->cb.on_error && (reason == SIP_TP_DISC_SEND_FAILED || reason == SIP_TP_DISC_FILTER_FAILED ||
                           reason == SIP_TP_DISC_NOMEM))
        t->cb.on_error(t->user, &tg, detail ? detail : reason == SIP_TP_DISC_NOMEM
                                                           ? SIP_TRANSPORT_ERR_NOMEM
                                                           : SIP_TRANSPORT_ERR_CALLBACK);
    if (t->cb.on_disconnected) t->cb.on_disconnected(t->user, &tg, reason, detail);
    if (!(c->flags & SIP__TPF_BUSY)) sip__tp_free_conn(t, c);
}

/* Leave a busy section: free a connection that died meanwhile. Returns 1
 * when c is still usable. */
static int sip__tp_unbusy(sip_transport *t, sip__tp_conn *c)
{
    c->flags &= (uint16_t)~SIP__TPF_BUSY;
    if (c->flags & SIP__TPF_DEAD) {
        sip__tp_free_conn(t, c);
        return 0;
    }
    sip__tp_update(t, c);
    return 1;
}

/* The slot of a new connection, evicting the LRU idle one when full. */
static int sip__tp_new_conn(sip_transport *t, sip_tp tp, const sip_ipaddr *remote,
                            const sip_ipaddr *local, sip__tp_conn **out)
{
    sip__tp_conn *c;
    uint32_t idx;
    if ((tp != SIP_TP_TCP && tp != SIP_TP_TLS && tp != SIP_TP_WS && tp != SIP_TP_WSS) || !remote ||
        (remote->family != 4 && remote->family != 6))
        return SIP_TRANSPORT_ERR_INVALID;
    if (t->count >= t->cfg.max_connections) {
        sip__tp_conn *lru = sip__tp_at(t, t->idle_head);
        if (!lru) return SIP_TRANSPORT_ERR_FULL;
        sip__tp_drop(t, lru, SIP_TP_DISC_EVICTED, 0);
        if (t->count >= t->cfg.max_connections) return SIP_TRANSPORT_ERR_FULL;
    }
    if (!t->free_head && t->n_slots == t->cap_slots) {
        uint32_t nc = t->cap_slots ? t->cap_slots * 2 : 16;
        sip__tp_slot *ns;
        if (nc > t->cfg.max_connections) nc = t->cfg.max_connections;
        if (nc <= t->cap_slots) return SIP_TRANSPORT_ERR_FULL;
        ns = (sip__tp_slot *)sip__tp_alloc(t, (size_t)nc * sizeof *ns);
        if (!ns) return SIP_TRANSPORT_ERR_NOMEM;
        if (t->n_slots) memcpy(ns, t->slots, (size_t)t->n_slots * sizeof *ns);
        sip__tp_free(t, t->slots, (size_t)t->cap_slots * sizeof *ns);
        t->slots = ns;
        t->cap_slots = nc;
    }
    if (t->cap_slots > t->n_buckets && sip__tp_rehash(t, t->cap_slots) != 0)
        return SIP_TRANSPORT_ERR_NOMEM;
    c = (sip__tp_conn *)sip__tp_alloc(t, sizeof *c);
    if (!c) return SIP_TRANSPORT_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    if (t->free_head) {
        idx = t->free_head - 1;
        t->free_head = t->slots[idx].free_next;
    } else {
        idx = t->n_slots++;
        t->slots[idx].gen = 1;
    }
    t->slots[idx].c = c;
    t->slots[idx].free_next = 0;
    c->tgt.tp = tp;
    c->tgt.remote = *remote;
    if (local) c->tgt.local = *local;
    c->tgt.flow = t->slots[idx].gen << SIP__TP_IDX_BITS | idx;
    c->deadline = SIP__TP_NEVER;
    t->count++;
    sip__tp_chain_add(t, c, 0);
    if (tp == SIP_TP_WS || tp == SIP_TP_WSS) {
        c->ws = (sip__tp_ws *)sip__tp_alloc(t, sizeof *c->ws);
        if (!c->ws) {
            sip__tp_free_conn(t, c);
            return SIP_TRANSPORT_ERR_NOMEM;
        }
        memset(c->ws, 0, sizeof *c->ws);
    }
    *out = c;
    return 0;
}

/* ---- output: queue, filter, send callback ---------------------------- */

static void sip__tp_bp_check(sip_transport *t, sip__tp_conn *c)
{
    size_t q = c->tx_len;
    if (!(c->flags & SIP__TPF_BP) && q > t->cfg.send_high_water) {
        c->flags |= SIP__TPF_BP;
        if (t->cb.on_backpressure) t->cb.on_backpressure(t->user, &c->tgt, 1, q);
    } else if ((c->flags & SIP__TPF_BP) && q <= t->cfg.send_high_water / 2) {
        c->flags &= (uint16_t)~SIP__TPF_BP;
        if (t->cb.on_backpressure) t->cb.on_backpressure(t->user, &c->tgt, 0, q);
    }
}

/* Grow a buffer to hold `want` bytes (doubling, at least 256). */
static int sip__tp_grow(sip_transport *t, void **buf, size_t *cap, size_t used, size_t want)
{
    size_t nc = *cap ? *cap : 256;
    void *nb;
    if (want <= *cap) return 0;
    while (nc < want) nc = nc > ((size_t)-1) / 2 ? want : nc * 2;
    nb = sip__tp_alloc(t, nc);
    if (!nb) return SIP_TRANSPORT_ERR_NOMEM;
    if (used) memcpy(nb, *buf, used);
    sip__tp_free(t, *buf, *cap);
    *buf = nb;
    *cap = nc;
    return 0;
}

static int sip__tp_enqueue(sip_transport *t, sip__tp_conn *c, const uint8_t *b, size_t n)
{
    void *buf = c->tx;
    if (c->tx_off && c->tx_off + c->tx_len + n > c->tx_cap) {
        memmove(c->tx, c->tx + c->tx_off, c->tx_len);
        c->tx_off = 0;
    }
    if (sip__tp_grow(t, &buf, &c->tx_cap, c->tx_off + c->tx_len, c->tx_off + c->tx_len + n) != 0)
        return SIP_TRANSPORT_ERR_NOMEM;
    c->tx = (uint8_t *)buf;
    memcpy(c->tx + c->tx_off + c->tx_len, b, n);
    c->tx_len += n;
    return 0;
}

/* Offer the queue to the socket. A negative send marks the connection
 * failed; the caller drops it. */
static void sip__tp_flush(sip_transport *t, sip__tp_conn *c)
{
    while (c->tx_len && c->state != SIP__TP_CONNECTING && !(c->flags & SIP__TPF_FAIL)) {
        int w = t->cb.send(t->user, &c->tgt, c->tx + c->tx_off, c->tx_len);
        if (w < 0 || (size_t)w > c->tx_len) {
            c->flags |= SIP__TPF_FAIL;
            break;
        }
        if (w == 0) break;
        c->tx_off += (size_t)w;
        c->tx_len -= (size_t)w;
    }
    if (!c->tx_len) { /* an idle connection keeps no buffer */
        sip__tp_free(t, c->tx, c->tx_cap);
        c->tx = NULL;
        c->tx_cap = c->tx_off = 0;
    }
    sip__tp_bp_check(t, c);
}

/* Wire bytes (after the filter): straight to the socket when nothing is
 * queued, the rest to the queue. */
static int sip__tp_raw(sip_transport *t, sip__tp_conn *c, const uint8_t *b, size_t n)
{
    if (c->flags & (SIP__TPF_FAIL | SIP__TPF_DEAD)) return SIP_TRANSPORT_ERR_CLOSING;
    if (!c->tx_len && c->state != SIP__TP_CONNECTING && n) {
        int w = t->cb.send(t->user, &c->tgt, b, n);
        if (w < 0 || (size_t)w > n) {
            c->flags |= SIP__TPF_FAIL;
            return SIP_TRANSPORT_ERR_CALLBACK;
        }
        b += w;
        n -= (size_t)w;
    }
    if (n && sip__tp_enqueue(t, c, b, n) != 0) {
        c->flags |= SIP__TPF_FAIL;
        return SIP_TRANSPORT_ERR_NOMEM;
    }
    return 0;
}

typedef struct sip__tp_cookie {
    sip_transport *t;
    sip__tp_conn *c;
    uint64_t now;
} sip__tp_cookie;

static int sip__tp_emit_cb(void *cookie, const uint8_t *b, size_t n)
{
    sip__tp_cookie *k = (sip__tp_cookie *)cookie;
    return sip__tp_raw(k->t, k->c, b, n);
}

/* Plaintext bytes out: through the filter when there is one. */
static int sip__tp_out(sip_transport *t, sip__tp_conn *c, const uint8_t *b, size_t n)
{
    if (c->filter) {
        sip__tp_cookie k;
        int r;
        k.t = t, k.c = c, k.now = 0;
        r = c->filter->on_output(c->filter_ctx, b, n, sip__tp_emit_cb, &k);
        if (r < 0) c->flags |= SIP__TPF_FAIL;
        return r < 0 ? r : 0;
    }
    return sip__tp_raw(t, c, b, n);
}

/* One WebSocket frame out; clients mask (RFC 6455 §5.3) with a fresh key,
 * in chunks so the payload needs no copy of its own. */
static int sip__tp_ws_send(sip_transport *t, sip__tp_conn *c, int opcode,
                           const uint8_t *p, size_t n)
{
    uint8_t h[14], mask[4], chunk[512];
    size_t hl, off = 0;
    int r, client = !(c->flags & SIP__TPF_SERVER);
    if (client && (!t->cb.rng || t->cb.rng(t->user, mask, 4) != 0)) {
        c->flags |= SIP__TPF_FAIL;
        return SIP_TRANSPORT_ERR_CALLBACK;
    }
    hl = sip__ws_hdr(h, opcode, 1, client ? mask : NULL, n);
    if ((r = sip__tp_out(t, c, h, hl)) != 0) return r;
    if (!client) return n ? sip__tp_out(t, c, p, n) : 0;
    while (off < n) {
        size_t k = n - off < sizeof chunk ? n - off : sizeof chunk, i;
        for (i = 0; i < k; i++) chunk[i] = (uint8_t)(p[off + i] ^ mask[(off + i) & 3]);
        if ((r = sip__tp_out(t, c, chunk, k)) != 0) return r;
        off += k;
    }
    return 0;
}

/* A SIP message onto an open connection. */
static int sip__tp_send_msg(sip_transport *t, sip__tp_conn *c, const uint8_t *m, size_t n)
{
    int r;
    if (c->ws)
        r = sip__tp_ws_send(t, c, sip_utf8_valid(m, n) ? SIP_WS_TEXT : SIP_WS_BINARY, m, n);
    else
        r = sip__tp_out(t, c, m, n);
    if (r == 0 && t->cb.on_sent) t->cb.on_sent(t->user, &c->tgt, n, c->tx_len);
    sip__tp_bp_check(t, c);
    return r;
}

/* End a connection whose output failed; returns 1 when it did. */
static int sip__tp_check_fail(sip_transport *t, sip__tp_conn *c)
{
    if (!(c->flags & SIP__TPF_FAIL) || (c->flags & SIP__TPF_DEAD)) return 0;
    sip__tp_drop(t, c, c->filter ? SIP_TP_DISC_FILTER_FAILED : SIP_TP_DISC_SEND_FAILED, 0);
    return 1;
}

/* ---- state changes ---------------------------------------------------- */

static void sip__tp_open_flow(sip_transport *t, sip__tp_conn *c)
{
    size_t off = 0;
    c->state = SIP__TP_OPEN;
    c->flags &= (uint16_t)~SIP__TPF_RX_TIMING; /* the handshake clock */
    /* messages that waited for the flow, in order, before anything the
     * application sends from on_connected */
    while (off + 4 <= c->pend_len && !(c->flags & (SIP__TPF_FAIL | SIP__TPF_DEAD))) {
        uint32_t n;
        memcpy(&n, c->pend + off, 4);
        sip__tp_send_msg(t, c, c->pend + off + 4, n);
        off += 4 + (size_t)n;
    }
    sip__tp_free(t, c->pend, c->pend_cap);
    c->pend = NULL;
    c->pend_len = c->pend_cap = 0;
    if (!(c->flags & SIP__TPF_DEAD) && t->cb.on_connected) t->cb.on_connected(t->user, &c->tgt);
}

static int sip__tp_ws_client_start(sip_transport *t, sip__tp_conn *c);

/* Transport (and filter) up: WebSocket upgrade or open. */
static void sip__tp_ready(sip_transport *t, sip__tp_conn *c)
{
    if (c->ws) {
        c->state = SIP__TP_WS_HANDSHAKE;
        if (!(c->flags & SIP__TPF_SERVER) && sip__tp_ws_client_start(t, c) != 0)
            sip__tp_drop(t, c, SIP_TP_DISC_WS_HANDSHAKE, 0);
        return;
    }
    sip__tp_open_flow(t, c);
}

/* Connection established at the socket level: filter handshake first.
 * The handshakes (filter, WebSocket upgrade) must finish within
 * header_timeout_ms, so a peer that connects and stays silent is cut off. */
static void sip__tp_up(sip_transport *t, sip__tp_conn *c, uint64_t now)
{
    c->flags |= SIP__TPF_RX_TIMING;
    c->rx_start_us = now;
    if (c->filter && c->filter->on_start) {
        sip__tp_cookie k;
        int r;
        c->state = SIP__TP_SECURING;
        k.t = t, k.c = c, k.now = 0;
        r = c->filter->on_start(c->filter_ctx, (c->flags & SIP__TPF_SERVER) != 0, sip__tp_emit_cb, &k);
        if (r < 0) {
            sip__tp_drop(t, c, SIP_TP_DISC_FILTER_FAILED, r);
            return;
        }
        if (sip__tp_check_fail(t, c)) return;
        if (r != SIP_TP_FILTER_READY) return;
    }
    sip__tp_ready(t, c);
}

SIP_TRANSPORT_DEF int sip_transport_accepted(sip_transport *t, sip_tp tp, const sip_ipaddr *remote,
                                             const sip_ipaddr *local, const sip_tp_filter *filter,
                                             void *filter_ctx, uint64_t now_us, sip_flow *flow)
{
    sip__tp_conn *c;
    sip_flow f;
    int r;
    if (!t || !flow) return SIP_TRANSPORT_ERR_INVALID;
    *flow = 0;
    if (filter && (filter->size < offsetof(sip_tp_filter, on_output) + sizeof filter->on_output ||
                   !filter->on_input || !filter->on_output))
        return SIP_TRANSPORT_ERR_INVALID;
    if ((r = sip__tp_new_conn(t, tp, remote, local, &c)) != 0) return r;
    c->flags |= SIP__TPF_SERVER | SIP__TPF_BUSY;
    c->filter = filter;
    c->filter_ctx = filter_ctx;
    c->last_us = now_us;
    f = c->tgt.flow;
    sip__tp_up(t, c, now_us);
    sip__tp_check_fail(t, c);
    if (sip__tp_unbusy(t, c)) *flow = f;
    return *flow ? 0 : SIP_TRANSPORT_ERR_STALE;
}

SIP_TRANSPORT_DEF int sip_transport_connect(sip_transport *t, const sip_target *to,
                                            uint64_t now_us, sip_flow *flow)
{
    sip__tp_conn *c;
    sip_target tg;
    int r;
    if (!t || !to || !flow) return SIP_TRANSPORT_ERR_INVALID;
    *flow = 0;
    if (!t->cb.open) return SIP_TRANSPORT_ERR_INVALID;
    if ((r = sip__tp_new_conn(t, to->tp, &to->remote, &to->local, &c)) != 0) return r;
    c->state = SIP__TP_CONNECTING;
    c->last_us = now_us;
    c->flags |= SIP__TPF_BUSY;
    tg = c->tgt;
    if (t->cb.open(t->user, tg.flow, &tg) != 0) {
        c->flags |= SIP__TPF_DEAD; /* never existed for the application */
        sip__tp_unbusy(t, c);
        return SIP_TRANSPORT_ERR_CALLBACK;
    }
    if (!sip__tp_unbusy(t, c)) return SIP_TRANSPORT_ERR_STALE;
    *flow = tg.flow;
    return 0;
}

SIP_TRANSPORT_DEF int sip_transport_set_filter(sip_transport *t, sip_flow flow,
                                               const sip_tp_filter *f, void *ctx)
{
    sip__tp_conn *c = sip__tp_get(t, flow);
    if (!c) return SIP_TRANSPORT_ERR_STALE;
    if (!f || f->size < offsetof(sip_tp_filter, on_output) + sizeof f->on_output ||
        !f->on_input || !f->on_output)
        return SIP_TRANSPORT_ERR_INVALID;
    if (c->state != SIP__TP_CONNECTING) return SIP_TRANSPORT_ERR_STATE;
    c->filter = f;
    c->filter_ctx = ctx;
    return 0;
}

/* Run fn-like processing on c with the busy guard; shared epilogue. */
static int sip__tp_enter(sip_transport *t, sip_flow flow, sip__tp_conn **out)
{
    sip__tp_conn *c = sip__tp_get(t, flow);
    if (!c) return SIP_TRANSPORT_ERR_STALE;
    if (c->flags & SIP__TPF_BUSY) return SIP_TRANSPORT_ERR_BUSY;
    c->flags |= SIP__TPF_BUSY;
    *out = c;
    return 0;
}

static void sip__tp_leave(sip_transport *t, sip__tp_conn *c)
{
    if (!(c->flags & SIP__TPF_DEAD)) {
        sip__tp_flush(t, c);
        sip__tp_check_fail(t, c);
    }
    sip__tp_unbusy(t, c);
}

SIP_TRANSPORT_DEF int sip_transport_connected(sip_transport *t, sip_flow flow, uint64_t now_us)
{
    sip__tp_conn *c;
    int r = sip__tp_enter(t, flow, &c);
    if (r) return r;
    if (c->state != SIP__TP_CONNECTING) {
        sip__tp_unbusy(t, c);
        return SIP_TRANSPORT_ERR_STATE;
    }
    c->last_us = now_us;
    c->state = SIP__TP_SECURING; /* the queue may leave from now on */
    sip__tp_flush(t, c);
    if (!sip__tp_check_fail(t, c)) sip__tp_up(t, c, now_us);
    sip__tp_leave(t, c);
    return 0;
}

SIP_TRANSPORT_DEF int sip_transport_writable(sip_transport *t, sip_flow flow, uint64_t now_us)
{
    sip__tp_conn *c;
    int r = sip__tp_enter(t, flow, &c);
    (void)now_us;
    if (r) return r == SIP_TRANSPORT_ERR_BUSY ? 0 : r;
    sip__tp_leave(t, c);
    return 0;
}

SIP_TRANSPORT_DEF int sip_transport_closed(sip_transport *t, sip_flow flow, uint64_t now_us)
{
    sip__tp_conn *c = sip__tp_get(t, flow);
    (void)now_us;
    if (!c) return SIP_TRANSPORT_ERR_STALE;
    sip__tp_drop(t, c, SIP_TP_DISC_CLOSED, 0);
    return 0;
}

static void sip__tp_ws_close_frame(sip_transport *t, sip__tp_conn *c, int code)
{
    uint8_t p[2];
    p[0] = (uint8_t)(code >> 8), p[1] = (uint8_t)code;
    sip__tp_ws_send(t, c, SIP_WS_CLOSE, p, code ? 2 : 0);
}

SIP_TRANSPORT_DEF int sip_transport_close(sip_transport *t, sip_flow flow, uint64_t now_us)
{
    sip__tp_conn *c = sip__tp_get(t, flow);
    if (!c) return SIP_TRANSPORT_ERR_STALE;
    if (c->ws && c->state == SIP__TP_OPEN) {
        int was_busy = (c->flags & SIP__TPF_BUSY) != 0;
        c->flags |= SIP__TPF_BUSY;
        sip__tp_ws_close_frame(t, c, 1000);
        c->state = SIP__TP_CLOSING;
        c->close_due_us = sip__tp_add_ms(now_us, t->cfg.ws_close_timeout_ms);
        if (!sip__tp_check_fail(t, c)) sip__tp_update(t, c);
        if (!was_busy) sip__tp_unbusy(t, c);
        return 0;
    }
    if (c->state == SIP__TP_CLOSING) return 0;
    sip__tp_drop(t, c, SIP_TP_DISC_LOCAL, 0);
    return 0;
}

/* ---- input: messages and keep-alives --------------------------------- */

static void sip__tp_ka_event(sip_transport *t, sip__tp_conn *c, sip_tp_ka kind)
{
    if (kind == SIP_TP_KA_PONG || kind == SIP_TP_KA_WS_PONG) c->flags &= (uint16_t)~SIP__TPF_PONG_WAIT;
    if (t->cb.on_keepalive) t->cb.on_keepalive(t->user, &c->tgt, kind, NULL, 0);
}

static void sip__tp_deliver(sip_transport *t, const sip_target *from, const char *p, size_t n,
                            unsigned flags)
{
    sip_parse_config pc;
    sip_msg m;
    sip_parse_error e;
    sip_hdr *h = t->hdrs;
    size_t hsize = t->cfg.max_headers * sizeof *h;
    int r;
    if (!t->cb.on_message) return;
    /* input fed from inside on_message must not reuse the outer array */
    if (t->delivering && (h = (sip_hdr *)sip__tp_alloc(t, hsize)) == NULL) {
        memset(&e, 0, sizeof e);
        e.code = SIP_TRANSPORT_ERR_NOMEM;
        e.reason = "Out of memory";
        e.status = 503;
        t->cb.on_message(t->user, from, NULL, p, n, &e);
        return;
    }
    memset(&pc, 0, sizeof pc);
    pc.flags = flags;
    pc.max_message = t->cfg.max_message;
    pc.max_header_line = t->cfg.max_header_line;
    r = sip_parse(p, n, &pc, &m, h, t->cfg.max_headers, &e);
    t->delivering++;
    if (r > 0) t->cb.on_message(t->user, from, &m, p, n, NULL);
    else t->cb.on_message(t->user, from, NULL, p, n, &e);
    t->delivering--;
    if (h != t->hdrs) sip__tp_free(t, h, hsize);
}

/* RFC 5626 §4.4.1 keep-alives between messages: CRLFCRLF is a ping (answer
 * CRLF), a lone CRLF a pong; a bare LF is skipped (§7.5 tolerance).
 * Returns the bytes consumed from b. */
static size_t sip__tp_crlf(sip_transport *t, sip__tp_conn *c, const char *b, size_t n)
{
    static const char pat[] = "\r\n\r\n";
    size_t off = 0;
    while (off < n && !(c->flags & SIP__TPF_DEAD)) {
        char ch = b[off];
        if (ch == pat[c->ka]) {
            off++;
            if (++c->ka == 4) {
                c->ka = 0;
                sip__tp_out(t, c, (const uint8_t *)"\r\n", 2);
                sip__tp_ka_event(t, c, SIP_TP_KA_PING);
            }
            continue;
        }
        if (c->ka == 0) {
            if (ch == '\n') { off++; continue; }
            break;
        }
        if (c->ka >= 2) sip__tp_ka_event(t, c, SIP_TP_KA_PONG);
        c->ka = 0; /* look at ch again */
    }
    if (off == n && c->ka == 2 && (c->flags & SIP__TPF_PONG_WAIT)) {
        c->ka = 0;
        sip__tp_ka_event(t, c, SIP_TP_KA_PONG);
    }
    return off;
}

/* Frame and deliver the messages of b[0..n) (message start at b). Returns
 * the bytes consumed; the rest is an incomplete message. */
static size_t sip__tp_stream_scan(sip_transport *t, sip__tp_conn *c, const char *b, size_t n)
{
    size_t off = 0;
    while (off < n && !(c->flags & SIP__TPF_DEAD)) {
        int r;
        if (c->st.scanned == 0 && c->st.total == 0) {
            off += sip__tp_crlf(t, c, b + off, n - off);
            if (off == n || (c->flags & SIP__TPF_DEAD)) break;
        }
        r = sip_frame_stream(b + off, n - off, t->cfg.max_message, &c->st);
        if (r == SIP_ERR_PARTIAL) break;
        if (r < 0) {
            sip__tp_drop(t, c, r == SIP_ERR_TOO_BIG ? SIP_TP_DISC_TOO_BIG : SIP_TP_DISC_FRAMING, r);
            break;
        }
        memset(&c->st, 0, sizeof c->st);
        c->flags &= (uint16_t)~SIP__TPF_RX_TIMING;
        {
            sip_target from = c->tgt;
            sip__tp_deliver(t, &from, b + off, (size_t)r, 0);
        }
        off += (size_t)r;
    }
    return off;
}

/* Keep b[0..n) as the start of an incomplete message / handshake. */
static int sip__tp_rx_keep(sip_transport *t, sip__tp_conn *c, const char *b, size_t n, uint64_t now)
{
    void *buf = c->rx;
    if (n == 0) return 0;
    if (sip__tp_grow(t, &buf, &c->rx_cap, c->rx_len, c->rx_len + n) != 0) return SIP_TRANSPORT_ERR_NOMEM;
    c->rx = (char *)buf;
    memmove(c->rx + c->rx_len, b, n);
    c->rx_len += n;
    if (!(c->flags & SIP__TPF_RX_TIMING)) {
        c->flags |= SIP__TPF_RX_TIMING;
        c->rx_start_us = now;
    }
    return 0;
}

static void sip__tp_rx_release(sip_transport *t, sip__tp_conn *c)
{
    sip__tp_free(t, c->rx, c->rx_cap);
    c->rx = NULL;
    c->rx_len = c->rx_cap = 0;
}

/* Drop the first k bytes of the receive buffer. */
static void sip__tp_rx_consume(sip_transport *t, sip__tp_conn *c, size_t k)
{
    if (k >= c->rx_len) {
        sip__tp_rx_release(t, c);
        return;
    }
    memmove(c->rx, c->rx + k, c->rx_len - k);
    c->rx_len -= k;
}

static void sip__tp_stream_in(sip_transport *t, sip__tp_conn *c, const char *p, size_t n,
                              uint64_t now)
{
    /* a buffered message never needs more than max_message + 1 bytes to
     * be delivered or refused */
    size_t limit = t->cfg.max_message + 1;
    while (n && !(c->flags & SIP__TPF_DEAD)) {
        if (c->rx_len == 0) {
            size_t used = sip__tp_stream_scan(t, c, p, n);
            p += used, n -= used;
            if (n && !(c->flags & SIP__TPF_DEAD)) {
                if (sip__tp_rx_keep(t, c, p, n, now) != 0) sip__tp_drop(t, c, SIP_TP_DISC_NOMEM, 0);
                n = 0;
            }
        } else {
            size_t take = limit - c->rx_len < n ? limit - c->rx_len : n, used;
            if (sip__tp_rx_keep(t, c, p, take, now) != 0) {
                sip__tp_drop(t, c, SIP_TP_DISC_NOMEM, 0);
                return;
            }
            p += take, n -= take;
            used = sip__tp_stream_scan(t, c, c->rx, c->rx_len);
            if (c->flags & SIP__TPF_DEAD) return;
            sip__tp_rx_consume(t, c, used);
            if (c->rx_len && used) { /* a new message started in this read */
                c->flags |= SIP__TPF_RX_TIMING;
                c->rx_start_us = now;
            }
        }
    }
}

/* ---- WebSocket handshake (RFC 6455 §4, RFC 7118 §4) ------------------ */

/* The trimmed value of the first header `name` in an HTTP head. */
static int sip__http_hdr(const char *p, const char *e, const char *name, sip_str *val)
{
    size_t nl = strlen(name);
    const char *line = (const char *)memchr(p, '\n', (size_t)(e - p));
    while (line && line + 1 < e) {
        const char *s = line + 1, *le = (const char *)memchr(s, '\n', (size_t)(e - s));
        if (!le) le = e;
        if ((size_t)(le - s) > nl && s[nl] == ':') {
            sip_str nm;
            nm.p = s, nm.len = nl;
            if (sip_str_caseeq_c(nm, name)) {
                val->p = s + nl + 1;
                val->len = (size_t)(le - s) - nl - 1;
                *val = sip_str_trim(*val);
                return 1;
            }
        }
        line = le < e ? le : NULL;
    }
    return 0;
}

/* 1 when a comma-separated header value holds token tok (any case). */
static int sip__http_has_token(sip_str v, const char *tok)
{
    size_t i = 0;
    while (i <= v.len) {
        size_t j = i;
        sip_str s;
        while (j < v.len && v.p[j] != ',') j++;
        s.p = v.p + i, s.len = j - i;
        if (sip_str_caseeq_c(sip_str_trim(s), tok)) return 1;
        i = j + 1;
    }
    return 0;
}

static int sip__tp_ws_client_start(sip_transport *t, sip__tp_conn *c)
{
    uint8_t key[16];
    char k64[25], host[64], req[SIP__TP_HS_MAX];
    const char *h = t->cfg.ws_host;
    size_t n;
    if (!t->cb.rng || t->cb.rng(t->user, key, sizeof key) != 0) return SIP_TRANSPORT_ERR_CALLBACK;
    sip__b64(key, 16, k64);
    k64[24] = 0;
    {
        sip_str ks;
        ks.p = k64, ks.len = 24;
        sip_ws_accept(ks, c->ws->accept);
    }
    if (!h) {
        if (sip_ipaddr_print(&c->tgt.remote, 1, host, sizeof host) < 0) return SIP_TRANSPORT_ERR_INVALID;
        h = host;
    }
    n = strlen(h) + strlen(t->cfg.ws_path) + 200;
    if (n > sizeof req) return SIP_TRANSPORT_ERR_INVALID;
    n = 0;
#define SIP__CAT(s) do { size_t l_ = strlen(s); memcpy(req + n, (s), l_); n += l_; } while (0)
    SIP__CAT("GET "); SIP__CAT(t->cfg.ws_path); SIP__CAT(" HTTP/1.1\r\nHost: "); SIP__CAT(h);
    SIP__CAT("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
    SIP__CAT(k64);
    SIP__CAT("\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n");
#undef SIP__CAT
    return sip__tp_out(t, c, (const uint8_t *)req, n);
}

/* Server: check the upgrade request (RFC 6455 §4.2.1) and answer.
 * Returns 0 (101 sent) or the HTTP status sent (400, 426). */
static int sip__tp_ws_server_hs(sip_transport *t, sip__tp_conn *c, const char *p, const char *e)
{
    sip_str v, key;
    char acc[29], resp[256];
    size_t n;
    const char *le = (const char *)memchr(p, '\n', (size_t)(e - p));
    int ok = le && (size_t)(le - p) > 14 && memcmp(p, "GET ", 4) == 0 &&
             (memcmp(le - 9, "HTTP/1.1", 8) == 0 || memcmp(le - 8, "HTTP/1.1", 8) == 0);
    ok = ok && sip__http_hdr(p, e, "Upgrade", &v) && sip__http_has_token(v, "websocket");
    ok = ok && sip__http_hdr(p, e, "Connection", &v) && sip__http_has_token(v, "upgrade");
    ok = ok && sip__http_hdr(p, e, "Sec-WebSocket-Key", &key) && key.len == 24;
    ok = ok && sip__http_hdr(p, e, "Sec-WebSocket-Protocol", &v) && sip__http_has_token(v, "sip");
    if (ok && (!sip__http_hdr(p, e, "Sec-WebSocket-Version", &v) || !sip_str_caseeq_c(v, "13"))) {
        static const char r426[] = "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"
                                   "Content-Length: 0\r\n\r\n";
        sip__tp_out(t, c, (const uint8_t *)r426, sizeof r426 - 1);
        return 426;
    }
    if (!ok) {
        static const char r400[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        sip__tp_out(t, c, (const uint8_t *)r400, sizeof r400 - 1);
        return 400;
    }
    sip_ws_accept(key, acc);
    n = 0;
    memcpy(resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Accept: ", 97);
    n = 97;
    memcpy(resp + n, acc, 28), n += 28;
    memcpy(resp + n, "\r\nSec-WebSocket-Protocol: sip\r\n\r\n", 33), n += 33;
    sip__tp_out(t, c, (const uint8_t *)resp, n);
    return 0;
}

/* Client: check the 101 answer (RFC 6455 §4.1, RFC 7118 §4). */
static int sip__tp_ws_client_hs(sip__tp_conn *c, const char *p, const char *e)
{
    sip_str v;
    int ok = e - p > 12 && memcmp(p, "HTTP/1.1 101", 12) == 0;
    ok = ok && sip__http_hdr(p, e, "Upgrade", &v) && sip__http_has_token(v, "websocket");
    ok = ok && sip__http_hdr(p, e, "Connection", &v) && sip__http_has_token(v, "upgrade");
    ok = ok && sip__http_hdr(p, e, "Sec-WebSocket-Accept", &v) && v.len == 28 &&
         memcmp(v.p, c->ws->accept, 28) == 0;
    ok = ok && sip__http_hdr(p, e, "Sec-WebSocket-Protocol", &v) && sip_str_caseeq_c(v, "sip");
    return ok ? 0 : -1;
}

static void sip__tp_ws_in(sip_transport *t, sip__tp_conn *c, const uint8_t *p, size_t n, uint64_t now);

/* HTTP head of the upgrade; returns bytes consumed from p. */
static size_t sip__tp_ws_hs_in(sip_transport *t, sip__tp_conn *c, const char *p, size_t n,
                               uint64_t now)
{
    size_t old = c->rx_len, i, end = 0, start;
    if (sip__tp_rx_keep(t, c, p, n < SIP__TP_HS_MAX + 1 - old ? n : SIP__TP_HS_MAX + 1 - old, now) != 0) {
        sip__tp_drop(t, c, SIP_TP_DISC_NOMEM, 0);
        return n;
    }
    start = old > 3 ? old - 3 : 0;
    for (i = start; i + 3 < c->rx_len; i++)
        if (memcmp(c->rx + i, "\r\n\r\n", 4) == 0) { end = i + 4; break; }
    if (!end) {
        if (c->rx_len > SIP__TP_HS_MAX) sip__tp_drop(t, c, SIP_TP_DISC_WS_HANDSHAKE, 0);
        return n;
    }
    if (c->flags & SIP__TPF_SERVER) {
        int st = sip__tp_ws_server_hs(t, c, c->rx, c->rx + end);
        if (st) {
            sip__tp_drop(t, c, SIP_TP_DISC_WS_HANDSHAKE, st);
            return n;
        }
    } else if (sip__tp_ws_client_hs(c, c->rx, c->rx + end) != 0) {
        sip__tp_drop(t, c, SIP_TP_DISC_WS_HANDSHAKE, 0);
        return n;
    }
    sip__tp_rx_release(t, c);
    c->flags &= (uint16_t)~SIP__TPF_RX_TIMING;
    sip__tp_open_flow(t, c);
    return end - old; /* bytes of p that belonged to the head */
}

/* ---- WebSocket frames in (RFC 6455 §5, RFC 7118 §5) ------------------ */

/* Fail the WebSocket connection (§7.1.7) with a close code. */
static void sip__tp_ws_fail(sip_transport *t, sip__tp_conn *c, int code)
{
    sip__tp_ws_close_frame(t, c, code);
    sip__tp_flush(t, c);
    sip__tp_drop(t, c, code == 1009 ? SIP_TP_DISC_TOO_BIG : SIP_TP_DISC_WS_PROTOCOL, code);
}

/* A complete frame header: validate it against §5.1-§5.5. */
static int sip__tp_ws_check(sip_transport *t, sip__tp_conn *c)
{
    sip__tp_ws *w = c->ws;
    const sip_ws_frame *f = &w->f;
    int server = (c->flags & SIP__TPF_SERVER) != 0;
    if (f->rsv) return 1002;                          /* §5.2: no extension */
    if (f->masked != server) return 1002;             /* §5.1 */
    switch (f->opcode) {
    case SIP_WS_CONT:
        if (!w->msg_opcode) return 1002;
        break;
    case SIP_WS_TEXT:
    case SIP_WS_BINARY:
        if (w->msg_opcode) return 1002;               /* §5.4: interleaved */
        break;
    case SIP_WS_CLOSE:
    case SIP_WS_PING:
    case SIP_WS_PONG:
        if (!f->fin || f->payload_len > 125) return 1002; /* §5.5 */
        return 0;
    default:
        return 1002;
    }
    if (f->payload_len > t->cfg.max_message - c->rx_len) return 1009;
    return 0;
}

/* A close code a peer may send (RFC 6455 §7.4.1, §7.4.2): 1000-1003,
 * 1007-1014, 3000-4999. */
static int sip__ws_code_ok(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

static void sip__tp_ws_control(sip_transport *t, sip__tp_conn *c)
{
    sip__tp_ws *w = c->ws;
    switch (w->f.opcode) {
    case SIP_WS_PING:
        sip__tp_ws_send(t, c, SIP_WS_PONG, w->ctl, w->ctl_len);
        sip__tp_ka_event(t, c, SIP_TP_KA_WS_PING);
        break;
    case SIP_WS_PONG:
        sip__tp_ka_event(t, c, SIP_TP_KA_WS_PONG);
        break;
    default: { /* close, §5.5.1 */
        int code = w->ctl_len >= 2 ? w->ctl[0] << 8 | w->ctl[1] : 1005;
        if (w->ctl_len == 1 || (w->ctl_len >= 2 && !sip__ws_code_ok(code))) {
            sip__tp_ws_fail(t, c, 1002);
            return;
        }
        if (w->ctl_len > 2 && !sip_utf8_valid(w->ctl + 2, (size_t)w->ctl_len - 2)) {
            sip__tp_ws_fail(t, c, 1007);
            return;
        }
        if (c->state == SIP__TP_CLOSING) {
            sip__tp_drop(t, c, SIP_TP_DISC_LOCAL, code);
            return;
        }
        sip__tp_ws_close_frame(t, c, code == 1005 ? 0 : code);
        sip__tp_flush(t, c);
        sip__tp_drop(t, c, SIP_TP_DISC_WS_CLOSE, code);
    }
    }
}

/* The current frame's payload is complete. */
static void sip__tp_ws_frame_done(sip_transport *t, sip__tp_conn *c)
{
    sip__tp_ws *w = c->ws;
    w->have_frame = 0;
    w->hdr_len = 0;
    if (w->f.opcode & 8) {
        sip__tp_ws_control(t, c);
        w->ctl_len = 0;
        if (!w->msg_opcode) c->flags &= (uint16_t)~SIP__TPF_RX_TIMING;
        return;
    }
    if (w->f.opcode != SIP_WS_CONT) w->msg_opcode = w->f.opcode;
    if (!w->f.fin) return;
    if (w->msg_opcode == SIP_WS_TEXT && !sip_utf8_valid((const uint8_t *)c->rx, c->rx_len)) {
        sip__tp_ws_fail(t, c, 1007); /* §8.1 */
        return;
    }
    w->msg_opcode = 0;
    c->flags &= (uint16_t)~SIP__TPF_RX_TIMING;
    if (c->rx_len) {
        sip_target from = c->tgt;
        /* RFC 7118 §5: one SIP message per WebSocket message */
        sip__tp_deliver(t, &from, c->rx, c->rx_len, SIP_PARSE_DATAGRAM);
        if (!(c->flags & SIP__TPF_DEAD)) sip__tp_rx_release(t, c);
    }
}

static void sip__tp_ws_in(sip_transport *t, sip__tp_conn *c, const uint8_t *p, size_t n, uint64_t now)
{
    sip__tp_ws *w = c->ws;
    while (!(c->flags & SIP__TPF_DEAD) && (n || (w->have_frame && !w->remaining))) {
        if (!w->have_frame) {
            size_t need = 2, k;
            if (w->hdr_len >= 2) {
                uint8_t l7 = w->hdr[1] & 127;
                need += (l7 == 126 ? 2u : l7 == 127 ? 8u : 0u) + (w->hdr[1] & 0x80 ? 4u : 0u);
            }
            k = need - w->hdr_len < n ? need - w->hdr_len : n;
            if (w->hdr_len == 0 && !(c->flags & SIP__TPF_RX_TIMING)) {
                c->flags |= SIP__TPF_RX_TIMING; /* a frame's first byte */
                c->rx_start_us = now;
            }
            memcpy(w->hdr + w->hdr_len, p, k);
            w->hdr_len = (uint8_t)(w->hdr_len + k);
            p += k, n -= k;
            if (w->hdr_len < need) continue;
            if (need == 2 && ((w->hdr[1] & 127) >= 126 || (w->hdr[1] & 0x80))) continue;
            {
                int r = sip_ws_frame_parse(w->hdr, w->hdr_len, &w->f), code;
                if (r == SIP_ERR_PARTIAL) continue;
                if (r < 0) { sip__tp_ws_fail(t, c, 1002); return; }
                if ((code = sip__tp_ws_check(t, c)) != 0) { sip__tp_ws_fail(t, c, code); return; }
            }
            w->have_frame = 1;
            w->remaining = w->f.payload_len;
            w->done = 0;
            continue;
        }
        if (w->remaining) {
            size_t k = w->remaining < n ? (size_t)w->remaining : n, i;
            uint8_t *dst;
            if (w->f.opcode & 8) {
                dst = w->ctl + w->ctl_len;
                w->ctl_len = (uint8_t)(w->ctl_len + k);
            } else {
                void *buf = c->rx;
                if (sip__tp_grow(t, &buf, &c->rx_cap, c->rx_len, c->rx_len + k) != 0) {
                    sip__tp_drop(t, c, SIP_TP_DISC_NOMEM, 0);
                    return;
                }
                c->rx = (char *)buf;
                dst = (uint8_t *)c->rx + c->rx_len;
                c->rx_len += k;
            }
            for (i = 0; i < k; i++)
                dst[i] = (uint8_t)(p[i] ^ (w->f.masked ? w->f.mask[(w->done + i) & 3] : 0));
            w->done += k;
            w->remaining -= k;
            p += k, n -= k;
        }
        if (!w->remaining) sip__tp_ws_frame_done(t, c);
    }
}

/* ---- plaintext dispatch, sip_transport_data -------------------------- */

static void sip__tp_plain_in(sip_transport *t, sip__tp_conn *c, const uint8_t *p, size_t n,
                             uint64_t now)
{
    if (c->state == SIP__TP_WS_HANDSHAKE) {
        size_t used = sip__tp_ws_hs_in(t, c, (const char *)p, n, now);
        p += used, n -= used;
        if (!n || (c->flags & SIP__TPF_DEAD)) return;
    }
    if (c->state != SIP__TP_OPEN && c->state != SIP__TP_CLOSING) return; /* nothing expected */
    if (c->ws) sip__tp_ws_in(t, c, p, n, now);
    else sip__tp_stream_in(t, c, (const char *)p, n, now);
}

static int sip__tp_deliver_cb(void *cookie, const uint8_t *b, size_t n)
{
    sip__tp_cookie *k = (sip__tp_cookie *)cookie;
    if (k->c->flags & SIP__TPF_DEAD) return 0;
    /* plaintext means the secure channel is up, even if the filter has
     * not said so yet (application data in the handshake's last read) */
    if (k->c->state == SIP__TP_SECURING) sip__tp_ready(k->t, k->c);
    if (k->c->flags & SIP__TPF_DEAD) return 0;
    sip__tp_plain_in(k->t, k->c, b, n, k->now);
    return 0;
}

SIP_TRANSPORT_DEF int sip_transport_data(sip_transport *t, sip_flow flow, const uint8_t *bytes,
                                         size_t len, uint64_t now_us)
{
    sip__tp_conn *c;
    int r = sip__tp_enter(t, flow, &c);
    if (r) return r;
    if (!bytes && len) {
        sip__tp_unbusy(t, c);
        return SIP_TRANSPORT_ERR_INVALID;
    }
    if (len == 0) { /* nothing read: not activity either */
        sip__tp_unbusy(t, c);
        return 0;
    }
    c->last_us = now_us;
    if (c->filter && c->state != SIP__TP_CONNECTING) {
        sip__tp_cookie k;
        k.t = t, k.c = c, k.now = now_us;
        r = c->filter->on_input(c->filter_ctx, bytes, len, sip__tp_deliver_cb, sip__tp_emit_cb, &k);
        if (r < 0) sip__tp_drop(t, c, SIP_TP_DISC_FILTER_FAILED, r);
        else if (r == SIP_TP_FILTER_READY && c->state == SIP__TP_SECURING && !(c->flags & SIP__TPF_DEAD))
            sip__tp_ready(t, c);
    } else if (c->state != SIP__TP_CONNECTING) {
        sip__tp_plain_in(t, c, bytes, len, now_us);
    }
    sip__tp_leave(t, c);
    return 0;
}

SIP_TRANSPORT_DEF int sip_transport_datagram(sip_transport *t, const sip_target *from,
                                             const uint8_t *bytes, size_t len, uint64_t now_us)
{
    size_t i;
    (void)now_us;
    if (!t || !from || (!bytes && len)) return SIP_TRANSPORT_ERR_INVALID;
    if (len == 0) return 0;
    if (sip_stun_check(bytes, len)) {
        if (t->cb.on_keepalive) t->cb.on_keepalive(t->user, from, SIP_TP_KA_STUN, bytes, len);
        return 0;
    }
    for (i = 0; i < len && (bytes[i] == '\r' || bytes[i] == '\n'); i++) {}
    if (i == len) {
        if (t->cb.on_keepalive) t->cb.on_keepalive(t->user, from, SIP_TP_KA_CRLF, NULL, 0);
        return 0;
    }
    sip__tp_deliver(t, from, (const char *)bytes, len, SIP_PARSE_DATAGRAM);
    return 0;
}

/* ---- sending ----------------------------------------------------------- */

static sip__tp_conn *sip__tp_lookup(const sip_transport *t, sip_tp tp, const sip_ipaddr *remote,
                                    const sip_ipaddr *local)
{
    uint32_t b = sip__tp_hash(tp, remote) & (t->n_buckets - 1), i;
    int want_local = local && local->family;
    for (i = t->hash[b]; i; i = sip__tp_at(t, i)->hnext) {
        sip__tp_conn *c = sip__tp_at(t, i);
        if (c->tgt.tp == tp && sip_ipaddr_eq(&c->tgt.remote, remote) && c->state != SIP__TP_CLOSING &&
            !(c->flags & SIP__TPF_DEAD) && (!want_local || sip_ipaddr_eq(&c->tgt.local, local)))
            return c;
    }
    for (i = t->ahash[b]; i; i = sip__tp_at(t, i)->anext) {
        sip__tp_conn *c = sip__tp_at(t, i);
        if (c->tgt.tp == tp && sip_ipaddr_eq(&c->alias, remote) && c->state != SIP__TP_CLOSING &&
            !(c->flags & SIP__TPF_DEAD) && (!want_local || sip_ipaddr_eq(&c->tgt.local, local)))
            return c;
    }
    return NULL;
}

SIP_TRANSPORT_DEF sip_flow sip_transport_find(sip_transport *t, sip_tp tp, const sip_ipaddr *remote,
                                              const sip_ipaddr *local)
{
    sip__tp_conn *c;
    if (!t || !remote) return 0;
    c = sip__tp_lookup(t, tp, remote, local);
    return c ? c->tgt.flow : 0;
}

static int sip__tp_pend(sip_transport *t, sip__tp_conn *c, const char *m, size_t n)
{
    void *buf = c->pend;
    uint32_t l = (uint32_t)n;
    if (c->pend_len + n + 4 > t->cfg.send_hard_limit) return SIP_TRANSPORT_ERR_QUEUE_FULL;
    if (sip__tp_grow(t, &buf, &c->pend_cap, c->pend_len, c->pend_len + n + 4) != 0)
        return SIP_TRANSPORT_ERR_NOMEM;
    c->pend = (uint8_t *)buf;
    memcpy(c->pend + c->pend_len, &l, 4);
    memcpy(c->pend + c->pend_len + 4, m, n);
    c->pend_len += n + 4;
    return 0;
}

SIP_TRANSPORT_DEF int sip_transport_send(sip_transport *t, const sip_target *to, const char *msg,
                                         size_t len, uint64_t now_us, sip_flow *flow_used)
{
    sip__tp_conn *c;
    int r, was_busy;
    if (flow_used) *flow_used = 0;
    if (!t || !to || !msg || !len) return SIP_TRANSPORT_ERR_INVALID;
    if (len > t->cfg.max_message) return SIP_TRANSPORT_ERR_TOO_BIG;
    if (to->tp == SIP_TP_UDP || to->tp == SIP_TP_SCTP) {
        r = t->cb.send(t->user, to, (const uint8_t *)msg, len);
        if (r != (int)len) return SIP_TRANSPORT_ERR_CALLBACK;
        if (t->cb.on_sent) t->cb.on_sent(t->user, to, len, 0);
        return 0;
    }
    if (to->flow) {
        c = sip__tp_get(t, to->flow);
        if (!c) return SIP_TRANSPORT_ERR_STALE;
    } else {
        c = sip__tp_lookup(t, to->tp, &to->remote, &to->local);
        if (!c) {
            sip_flow f;
            if ((r = sip_transport_connect(t, to, now_us, &f)) != 0) return r;
            c = sip__tp_get(t, f);
            if (!c) return SIP_TRANSPORT_ERR_STALE;
        }
    }
    if (c->state == SIP__TP_CLOSING) return SIP_TRANSPORT_ERR_CLOSING;
    if (flow_used) *flow_used = c->tgt.flow;
    c->last_us = now_us;
    if (c->state != SIP__TP_OPEN) {
        r = sip__tp_pend(t, c, msg, len);
        sip__tp_update(t, c);
        return r;
    }
    if (c->tx_len + len + 14 > t->cfg.send_hard_limit) return SIP_TRANSPORT_ERR_QUEUE_FULL;
    was_busy = (c->flags & SIP__TPF_BUSY) != 0;
    c->flags |= SIP__TPF_BUSY;
    r = sip__tp_send_msg(t, c, (const uint8_t *)msg, len);
    sip__tp_check_fail(t, c);
    if (!was_busy && !sip__tp_unbusy(t, c)) return r ? r : SIP_TRANSPORT_ERR_CLOSING;
    if (was_busy && !(c->flags & SIP__TPF_DEAD)) sip__tp_update(t, c);
    return r;
}

/* ---- keep-alive, alias, queries --------------------------------------- */

static uint64_t sip__tp_ka_next(sip_transport *t, uint32_t interval_ms, uint64_t now)
{
    uint8_t r = 100;
    uint64_t ms = interval_ms;
    /* RFC 5626 §4.4.1: a random 80-100% of the interval */
    if (t->cb.rng && t->cb.rng(t->user, &r, 1) == 0) r = (uint8_t)(80 + r % 21);
    else r = 100;
    return sip__tp_add_ms(now, (uint32_t)(ms * r / 100));
}

SIP_TRANSPORT_DEF int sip_transport_keepalive(sip_transport *t, sip_flow flow, uint32_t interval_ms,
                                              uint64_t now_us)
{
    sip__tp_conn *c = sip__tp_get(t, flow);
    if (!c) return SIP_TRANSPORT_ERR_STALE;
    c->ka_interval_ms = interval_ms;
    if (interval_ms) c->ka_next_us = sip__tp_ka_next(t, interval_ms, now_us);
    else c->flags &= (uint16_t)~SIP__TPF_PONG_WAIT;
    if (!(c->flags & SIP__TPF_BUSY)) sip__tp_update(t, c);
    return 0;
}

SIP_TRANSPORT_DEF int sip_transport_alias(sip_transport *t, sip_flow flow, const sip_ipaddr *sent_by)
{
    sip__tp_conn *c = sip__tp_get(t, flow);
    if (!c) return SIP_TRANSPORT_ERR_STALE;
    if (!sent_by || (sent_by->family != 4 && sent_by->family != 6)) return SIP_TRANSPORT_ERR_INVALID;
    if (c->in_alias) sip__tp_chain_del(t, c, 1);
    c->alias = *sent_by;
    if (!c->alias.port) c->alias.port = sip_tp_default_port(c->tgt.tp);
    sip__tp_chain_add(t, c, 1);
    return 0;
}

SIP_TRANSPORT_DEF int sip_transport_flow_target(sip_transport *t, sip_flow flow, sip_target *out)
{
    sip__tp_conn *c = sip__tp_get(t, flow);
    if (!c || !out) return SIP_TRANSPORT_ERR_STALE;
    *out = c->tgt;
    return 0;
}

SIP_TRANSPORT_DEF size_t sip_transport_queued(sip_transport *t, sip_flow flow)
{
    sip__tp_conn *c = sip__tp_get(t, flow);
    return c ? c->tx_len + c->pend_len : 0;
}

SIP_TRANSPORT_DEF size_t sip_transport_count(const sip_transport *t) { return t ? t->count : 0; }

SIP_TRANSPORT_DEF size_t sip_transport_mem_used(const sip_transport *t) { return t ? t->mem : 0; }

/* ---- timers ----------------------------------------------------------- */

SIP_TRANSPORT_DEF uint64_t sip_transport_next_deadline(const sip_transport *t)
{
    uint64_t d = SIP__TP_NEVER;
    uint32_t i;
    if (!t) return d;
    for (i = t->timed_head; i; i = sip__tp_at(t, i)->timed_next) d = sip__tp_min(d, sip__tp_at(t, i)->deadline);
    if (t->idle_head && t->cfg.idle_timeout_ms != UINT32_MAX)
        d = sip__tp_min(d, sip__tp_add_ms(sip__tp_at(t, t->idle_head)->last_us, t->cfg.idle_timeout_ms));
    return d;
}

/* One due timer of c; it always moves c's deadline or ends c. */
static void sip__tp_conn_timer(sip_transport *t, sip__tp_conn *c, uint64_t now)
{
    if (c->flags & SIP__TPF_RX_TIMING) {
        int hs = c->state != SIP__TP_OPEN && c->state != SIP__TP_CLOSING;
        int hdr_done = hs ? 0 : c->ws ? 1 : c->st.header_end != 0;
        if (!hdr_done && now >= sip__tp_add_ms(c->rx_start_us, t->cfg.header_timeout_ms)) {
            sip__tp_drop(t, c, c->state == SIP__TP_WS_HANDSHAKE ? SIP_TP_DISC_WS_HANDSHAKE
                                                                 : SIP_TP_DISC_HEADER_TIMEOUT, 0);
            return;
        }
        if (now >= sip__tp_add_ms(c->rx_start_us, t->cfg.message_timeout_ms)) {
            sip__tp_drop(t, c, SIP_TP_DISC_MESSAGE_TIMEOUT, 0);
            return;
        }
    }
    if ((c->flags & SIP__TPF_PONG_WAIT) && now >= c->pong_due_us) {
        sip__tp_drop(t, c, SIP_TP_DISC_KEEPALIVE_TIMEOUT, 0);
        return;
    }
    if (c->state == SIP__TP_CLOSING && now >= c->close_due_us) {
        sip__tp_drop(t, c, SIP_TP_DISC_LOCAL, 0);
        return;
    }
    if (c->ka_interval_ms && c->state == SIP__TP_OPEN && now >= c->ka_next_us) {
        c->flags |= SIP__TPF_BUSY;
        if (c->ws) sip__tp_ws_send(t, c, SIP_WS_PING, NULL, 0);
        else sip__tp_out(t, c, (const uint8_t *)"\r\n\r\n", 4);
        if (!(c->flags & SIP__TPF_PONG_WAIT)) {
            c->flags |= SIP__TPF_PONG_WAIT;
            c->pong_due_us = sip__tp_add_ms(now, t->cfg.pong_timeout_ms);
        }
        c->ka_next_us = sip__tp_ka_next(t, c->ka_interval_ms, now);
        if (c->ka_next_us <= now) c->ka_next_us = now + 1;
        sip__tp_leave(t, c);
        return;
    }
    sip__tp_update(t, c); /* nothing due after all: refresh */
}

SIP_TRANSPORT_DEF void sip_transport_on_timeout(sip_transport *t, uint64_t now_us)
{
    uint32_t guard;
    if (!t) return;
    /* restart the walk after each timer: callbacks may close anything */
    for (guard = 0; guard < 4u * t->count + 16u; guard++) {
        uint32_t i;
        sip__tp_conn *due = NULL;
        for (i = t->timed_head; i; i = sip__tp_at(t, i)->timed_next)
            if (sip__tp_at(t, i)->deadline <= now_us) { due = sip__tp_at(t, i); break; }
        if (!due) break;
        if (due->flags & SIP__TPF_BUSY) break;
        sip__tp_conn_timer(t, due, now_us);
    }
    if (t->cfg.idle_timeout_ms == UINT32_MAX) return;
    while (t->idle_head) {
        sip__tp_conn *c = sip__tp_at(t, t->idle_head);
        if (sip__tp_add_ms(c->last_us, t->cfg.idle_timeout_ms) > now_us) break;
        sip__tp_drop(t, c, SIP_TP_DISC_IDLE_TIMEOUT, 0);
    }
}

/* ---- end of the core transport implementation ------------------------ */


/* ---- RFC 3263 server location ------------------------------------------ */

/* query states and kinds (sip_resolve_q) */
#define SIP__RS_Q_ASK 1
#define SIP__RS_Q_ASKED 2
#define SIP__RS_Q_DONE 3
#define SIP__RS_K_NAPTR 1
#define SIP__RS_K_SRV 2
#define SIP__RS_K_ADDR 3
/* set and per-family lookup states */
#define SIP__RS_PENDING 1
#define SIP__RS_DONE 2

SIP_TRANSPORT_DEF const char *sip_resolve_strerror(int err)
{
    switch (err) {
    case SIP_ERR_RESOLVE_INVALID: return "invalid argument";
    case SIP_ERR_RESOLVE_URI: return "not a sip or sips URI with a host";
    case SIP_ERR_RESOLVE_TRANSPORT: return "transport unknown, unsupported or not secure";
    case SIP_ERR_RESOLVE_NAME: return "host is not a usable DNS name";
    case SIP_ERR_RESOLVE_QUERY: return "answer for an unknown or answered query";
    case SIP_ERR_RESOLVE_NOT_FOUND: return "no target found";
    case SIP_ERR_RESOLVE_UNAVAILABLE: return "service not available (SRV target \".\")";
    case SIP_ERR_RESOLVE_EXHAUSTED: return "no more targets";
    case SIP_ERR_RESOLVE_STATE: return "resolution not started or no target yet";
    default: return "unknown error";
    }
}

static int sip__rs_tp_ok(const sip_resolver *rv, sip_tp tp)
{
    unsigned i;
    for (i = 0; i < rv->n_tp; i++)
        if (rv->cfg.transports[i] == tp) return 1;
    return 0;
}

static int sip__rs_tp_secure(sip_tp tp)
{
    return tp == SIP_TP_TLS || tp == SIP_TP_WSS;
}

SIP_TRANSPORT_DEF int sip_resolver_init(sip_resolver *rv, const sip_resolver_config *cfg)
{
    unsigned i, j;
    if (!rv) return SIP_ERR_RESOLVE_INVALID;
    memset(rv, 0, sizeof *rv);
    if (cfg) rv->cfg = *cfg;
    for (i = 0; i < 6 && rv->cfg.transports[i] != SIP_TP_NONE; i++) {
        if ((unsigned)rv->cfg.transports[i] > (unsigned)SIP_TP_WSS) return SIP_ERR_RESOLVE_INVALID;
        for (j = 0; j < i; j++)
            if (rv->cfg.transports[j] == rv->cfg.transports[i]) return SIP_ERR_RESOLVE_INVALID;
    }
    rv->n_tp = i;
    if (i == 0) {
        rv->cfg.transports[0] = SIP_TP_UDP;
        rv->cfg.transports[1] = SIP_TP_TCP;
        rv->cfg.transports[2] = SIP_TP_TLS;
        rv->n_tp = 3;
    }
    if (rv->cfg.families & ~(SIP_RESOLVE_IPV4 | SIP_RESOLVE_IPV6)) return SIP_ERR_RESOLVE_INVALID;
    if (!rv->cfg.families) rv->cfg.families = SIP_RESOLVE_IPV4 | SIP_RESOLVE_IPV6;
    if (!rv->cfg.failed_ttl_us) rv->cfg.failed_ttl_us = 32000000u;
    if (!rv->cfg.query_timeout_us) rv->cfg.query_timeout_us = 5000000u;
    return 0;
}

static uint64_t sip__rs_add_time(uint64_t now_us, uint64_t d)
{
    return now_us > UINT64_MAX - d ? UINT64_MAX : now_us + d;
}

static int sip__rs_failed_match(const sip_resolve_failed_entry *e, const sip_target *t)
{
    return e->expires_us != 0 && e->tp == t->tp && sip_ipaddr_eq(&e->addr, &t->remote);
}

SIP_TRANSPORT_DEF void sip_resolver_mark_failed(sip_resolver *rv, const sip_target *t, uint64_t now_us)
{
    unsigned i, slot = 0;
    uint64_t exp;
    if (!rv || !t) return;
    exp = sip__rs_add_time(now_us, rv->cfg.failed_ttl_us);
    for (i = 0; i < SIP_RESOLVE_MAX_FAILED; i++) {
        if (sip__rs_failed_match(&rv->failed[i], t)) {
            rv->failed[i].expires_us = exp;
            return;
        }
    }
    /* a free or expired entry, else the one that expires first */
    for (i = 0; i < SIP_RESOLVE_MAX_FAILED; i++) {
        if (rv->failed[i].expires_us <= now_us) {
            slot = i;
            break;
        }
        if (rv->failed[i].expires_us < rv->failed[slot].expires_us) slot = i;
    }
    rv->failed[slot].tp = t->tp;
    rv->failed[slot].addr = t->remote;
    rv->failed[slot].expires_us = exp;
}

SIP_TRANSPORT_DEF int sip_resolver_is_failed(const sip_resolver *rv, const sip_target *t, uint64_t now_us)
{
    unsigned i;
    if (!rv || !t) return 0;
    for (i = 0; i < SIP_RESOLVE_MAX_FAILED; i++)
        if (sip__rs_failed_match(&rv->failed[i], t) && rv->failed[i].expires_us > now_us) return 1;
    return 0;
}

/* ---- names: DNS names in the resolution's pool ---- */

static sip_str sip__rs_strip_dot(sip_str s)
{
    if (s.p && s.len && s.p[s.len - 1] == '.') s.len--;
    return s;
}

/* A host name we ask DNS about: 1..253 bytes of letters, digits, '-', '_'
 * and '.' (RFC 1035 §2.3.1 plus '_' of SRV owner names, RFC 2782), no
 * empty label. Anything else could not be a SIP host (RFC 3261 §25.1). */
static int sip__rs_name_ok(sip_str s)
{
    size_t i, label = 0;
    if (!s.p || s.len == 0 || s.len > 253) return 0;
    for (i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c == '.') {
            if (label == 0) return 0;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
        if (++label > 63) return 0;
    }
    return 1;
}

/* DNS names compare case-insensitively (RFC 4343), trailing dot or not. */
static int sip__rs_name_eq(sip_str a, sip_str b)
{
    return sip_str_caseeq(sip__rs_strip_dot(a), sip__rs_strip_dot(b));
}

static sip_str sip__rs_pool_str(const sip_resolve *r, uint16_t off, uint16_t len)
{
    sip_str s;
    s.p = r->pool + off;
    s.len = len;
    return s;
}

/* prefix + name + NUL into the pool. Returns 0, or -1 when it is full. */
static int sip__rs_store(sip_resolve *r, const char *prefix, sip_str name, uint16_t *off, uint16_t *len)
{
    size_t pl = strlen(prefix), n = pl + name.len;
    if (n + 1 > (size_t)SIP_RESOLVE_POOL - r->pool_len) return -1;
    memcpy(r->pool + r->pool_len, prefix, pl);
    if (name.len) memcpy(r->pool + r->pool_len + pl, name.p, name.len);
    r->pool[r->pool_len + n] = 0;
    *off = r->pool_len;
    *len = (uint16_t)n;
    r->pool_len = (uint16_t)(r->pool_len + n + 1);
    return 0;
}

static void sip__rs_ttl(sip_resolve *r, uint32_t ttl, uint64_t now_us)
{
    uint64_t exp = sip__rs_add_time(now_us, (uint64_t)ttl * 1000000u);
    if (exp < r->expires_us) r->expires_us = exp;
}

/* ---- queries, sets, names, hosts ---- */

static int sip__rs_add_query(sip_resolve *r, uint8_t kind, unsigned ref, sip_dns_type type,
                             uint16_t off, uint16_t len)
{
    sip_resolve_q *q;
    if (r->n_q >= SIP_RESOLVE_MAX_QUERIES) return -1; /* cannot happen: sized for the worst */
    q = &r->q[r->n_q++];
    memset(q, 0, sizeof *q);
    q->state = SIP__RS_Q_ASK;
    q->kind = kind;
    q->ref = (uint16_t)ref;
    q->type = type;
    q->name_off = off;
    q->name_len = len;
    return 0;
}

/* The A/AAAA lookup of a DNS name, found or added with its queries.
 * Returns its index, or -1 when the table or the pool is full. */
static int sip__rs_lookup(sip_resolve *r, sip_str name)
{
    unsigned i;
    sip_resolve_name *nm;
    for (i = 0; i < r->n_names; i++)
        if (r->names[i].len && sip__rs_name_eq(sip__rs_pool_str(r, r->names[i].off, r->names[i].len), name))
            return (int)i;
    if (r->n_names >= SIP_RESOLVE_MAX_NAMES) return -1;
    nm = &r->names[r->n_names];
    memset(nm, 0, sizeof *nm);
    if (sip__rs_store(r, "", sip__rs_strip_dot(name), &nm->off, &nm->len)) return -1;
    nm->st4 = nm->st6 = SIP__RS_DONE;
    if ((r->rv->cfg.families & SIP_RESOLVE_IPV4) &&
        !sip__rs_add_query(r, SIP__RS_K_ADDR, r->n_names, SIP_DNS_A, nm->off, nm->len))
        nm->st4 = SIP__RS_PENDING;
    if ((r->rv->cfg.families & SIP_RESOLVE_IPV6) &&
        !sip__rs_add_query(r, SIP__RS_K_ADDR, r->n_names, SIP_DNS_AAAA, nm->off, nm->len))
        nm->st6 = SIP__RS_PENDING;
    return (int)r->n_names++;
}

/* A "name" that is already an address (numeric host): no query. */
static int sip__rs_numeric(sip_resolve *r, const sip_ipaddr *a)
{
    sip_resolve_name *nm = &r->names[r->n_names];
    sip_resolve_addr *ad = &r->addrs[r->n_addrs++];
    memset(nm, 0, sizeof *nm);
    nm->st4 = nm->st6 = SIP__RS_DONE;
    ad->name = (uint8_t)r->n_names;
    ad->family = a->family;
    memcpy(ad->ip, a->ip, sizeof ad->ip);
    return (int)r->n_names++;
}

static const char *sip__rs_srv_prefix(sip_tp tp)
{
    switch (tp) {
    case SIP_TP_UDP: return "_sip._udp.";
    case SIP_TP_TCP: return "_sip._tcp.";
    case SIP_TP_TLS: return "_sips._tcp.";
    case SIP_TP_SCTP: return "_sip._sctp.";
    case SIP_TP_WS: return "_sip._ws."; /* RFC 7118 §7 */
    case SIP_TP_WSS: return "_sips._ws.";
    default: return NULL;
    }
}

/* An SRV set: the SRV query of prefix + name for transport tp. */
static int sip__rs_add_set(sip_resolve *r, sip_tp tp, const char *prefix, sip_str name)
{
    uint16_t off, len;
    if (r->n_sets >= SIP_RESOLVE_MAX_SETS || sip__rs_store(r, prefix, name, &off, &len)) {
        r->dropped++;
        return -1;
    }
    r->sets[r->n_sets].tp = tp;
    r->sets[r->n_sets].state = SIP__RS_PENDING;
    r->sets[r->n_sets].found = 0;
    r->sets[r->n_sets].unavailable = 0;
    sip__rs_add_query(r, SIP__RS_K_SRV, r->n_sets, SIP_DNS_SRV, off, len);
    r->n_sets++;
    return 0;
}

static int sip__rs_add_host(sip_resolve *r, unsigned set, int name, uint16_t port)
{
    if (name < 0 || r->n_hosts >= SIP_RESOLVE_MAX_HOSTS) {
        r->dropped++;
        return -1;
    }
    r->hosts[r->n_hosts].set = (uint8_t)set;
    r->hosts[r->n_hosts].name = (uint8_t)name;
    r->hosts[r->n_hosts].port = port;
    r->n_hosts++;
    return 0;
}

/* A set without SRV: one host and port (numeric host, explicit port, the
 * A/AAAA fallback). */
static int sip__rs_add_direct(sip_resolve *r, sip_tp tp, int name, uint16_t port)
{
    if (r->n_sets >= SIP_RESOLVE_MAX_SETS) {
        r->dropped++;
        return -1;
    }
    r->sets[r->n_sets].tp = tp;
    r->sets[r->n_sets].state = SIP__RS_DONE;
    r->sets[r->n_sets].found = 1;
    r->sets[r->n_sets].unavailable = 0;
    r->n_sets++;
    return sip__rs_add_host(r, (unsigned)(r->n_sets - 1), name, port);
}

static sip_str sip__rs_host(const sip_resolve *r)
{
    return sip__rs_pool_str(r, r->host_off, r->host_len);
}

/* §4.1: SRV for each supported transport when there is no NAPTR. */
static void sip__rs_srv_sets(sip_resolve *r)
{
    unsigned i;
    for (i = 0; i < r->rv->n_tp; i++) {
        sip_tp tp = r->rv->cfg.transports[i];
        if (r->secure && !sip__rs_tp_secure(tp)) continue;
        sip__rs_add_set(r, tp, sip__rs_srv_prefix(tp), sip__rs_host(r));
    }
}

/* §4.2: when no SRV set found records, A/AAAA of the host with the
 * default port of the fallback transport. */
static void sip__rs_progress(sip_resolve *r)
{
    unsigned s;
    if (!r->fallback || r->fallback_done || r->naptr == SIP__RS_PENDING) return;
    for (s = 0; s < r->n_sets; s++) {
        if (r->sets[s].found) {
            r->fallback = 0;
            return;
        }
        if (r->sets[s].state != SIP__RS_DONE) return;
    }
    r->fallback_done = 1;
    sip__rs_add_direct(r, r->fallback_tp, sip__rs_lookup(r, sip__rs_host(r)),
                       sip_tp_default_port(r->fallback_tp));
}

/* ---- answers ---- */

static int sip__rs_take(const sip_dns_rr *rr, sip_dns_type type, const sip_str *owner)
{
    return rr->type == type && (!owner || sip__rs_name_eq(rr->name, *owner));
}

static sip_tp sip__rs_naptr_tp(sip_str sv)
{
    if (sip_str_caseeq_c(sv, "SIP+D2U")) return SIP_TP_UDP;
    if (sip_str_caseeq_c(sv, "SIP+D2T")) return SIP_TP_TCP;
    if (sip_str_caseeq_c(sv, "SIPS+D2T")) return SIP_TP_TLS;
    if (sip_str_caseeq_c(sv, "SIP+D2S")) return SIP_TP_SCTP;
    if (sip_str_caseeq_c(sv, "SIP+D2W")) return SIP_TP_WS; /* RFC 7118 §7 */
    if (sip_str_caseeq_c(sv, "SIPS+D2W")) return SIP_TP_WSS;
    return SIP_TP_NONE;
}

typedef struct sip__rs_naptr_c {
    uint16_t order, pref;
    sip_tp tp;
    sip_str repl;
} sip__rs_naptr_c;

/* A NAPTR record usable for SIP (§4.1): flag "s", empty regexp, a
 * supported service allowed for the scheme, a replacement name. */
static sip_tp sip__rs_naptr_usable(const sip_resolve *r, const sip_dns_rr *rr, sip_str *repl)
{
    sip_tp tp = sip__rs_naptr_tp(rr->services);
    *repl = sip__rs_strip_dot(rr->replacement);
    if (!sip_str_caseeq_c(rr->flags, "s") || rr->regexp.len != 0 || !sip__rs_name_ok(*repl))
        return SIP_TP_NONE;
    if (tp == SIP_TP_NONE || (r->secure && !sip__rs_tp_secure(tp)) || !sip__rs_tp_ok(r->rv, tp))
        return SIP_TP_NONE;
    return tp;
}

static void sip__rs_on_naptr(sip_resolve *r, sip_dns_status st, const sip_dns_rr *rrs, size_t n,
                             const sip_str *owner, uint64_t now_us)
{
    sip__rs_naptr_c c[SIP_RESOLVE_MAX_SETS];
    size_t i;
    unsigned nc = 0, k;
    r->naptr = SIP__RS_DONE;
    for (i = 0; st == SIP_DNS_OK && i < n; i++) {
        sip_str repl;
        sip_tp tp;
        unsigned pos;
        if (!sip__rs_take(&rrs[i], SIP_DNS_NAPTR, owner)) continue;
        if ((tp = sip__rs_naptr_usable(r, &rrs[i], &repl)) == SIP_TP_NONE) continue;
        for (k = 0; k < nc; k++)
            if (c[k].tp == tp && sip__rs_name_eq(c[k].repl, repl)) break;
        if (k < nc) { /* the same set twice: keep the better ranked one */
            if (c[k].order < rrs[i].order || (c[k].order == rrs[i].order && c[k].pref <= rrs[i].preference))
                continue;
            for (; k + 1 < nc; k++) c[k] = c[k + 1];
            nc--;
        }
        if (nc == SIP_RESOLVE_MAX_SETS) {
            r->dropped++;
            continue;
        }
        /* stable insertion by (order, preference), RFC 3403 §4.1 */
        for (pos = nc; pos > 0; pos--) {
            const sip__rs_naptr_c *p = &c[pos - 1];
            if (p->order < rrs[i].order || (p->order == rrs[i].order && p->pref <= rrs[i].preference))
                break;
            c[pos] = c[pos - 1];
        }
        c[pos].order = rrs[i].order;
        c[pos].pref = rrs[i].preference;
        c[pos].tp = tp;
        c[pos].repl = repl;
        nc++;
        sip__rs_ttl(r, rrs[i].ttl, now_us);
    }
    if (nc == 0) {
        sip__rs_srv_sets(r);
        return;
    }
    r->fallback = 0; /* the domain said where SIP is: no A/AAAA guess */
    for (k = 0; k < nc; k++) sip__rs_add_set(r, c[k].tp, "", c[k].repl);
}

typedef struct sip__rs_srv_c {
    uint16_t prio, weight, port;
    sip_str target;
} sip__rs_srv_c;

static uint32_t sip__rs_rand(const sip_resolve *r)
{
    uint8_t b[4] = {0, 0, 0, 0};
    const sip_resolver_config *cfg = &r->rv->cfg;
    if (!cfg->rand || cfg->rand(cfg->rand_user, b, sizeof b) != 0) return 0;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* RFC 2782 "Usage rules": records of c[0..n) sorted by priority; within one
 * priority, weight-0 records first, then repeatedly a random number in
 * [0, sum of weights] picks the first record whose running sum reaches it. */
static void sip__rs_srv_order(const sip_resolve *r, sip__rs_srv_c *c, unsigned n)
{
    unsigned i, j, g;
    for (i = 1; i < n; i++) { /* stable: by priority, weight 0 first */
        sip__rs_srv_c x = c[i];
        for (j = i; j > 0 && (c[j - 1].prio > x.prio ||
                              (c[j - 1].prio == x.prio && c[j - 1].weight != 0 && x.weight == 0));
             j--)
            c[j] = c[j - 1];
        c[j] = x;
    }
    for (g = 0; g < n; g = j) {
        for (j = g; j < n && c[j].prio == c[g].prio; j++) {}
        for (i = g; i + 1 < j; i++) { /* choose c[i] among c[i..j) */
            uint32_t sum = 0, run = 0, pick;
            unsigned k;
            sip__rs_srv_c x;
            for (k = i; k < j; k++) sum += c[k].weight;
            pick = sip__rs_rand(r) % (sum + 1u);
            for (k = i; k < j; k++) {
                run += c[k].weight;
                if (run >= pick) break;
            }
            if (k == j) k = j - 1; /* unreachable: run ends at sum >= pick */
            x = c[k]; /* keep the remaining ones in their order */
            for (; k > i; k--) c[k] = c[k - 1];
            c[i] = x;
        }
    }
}

static void sip__rs_on_srv(sip_resolve *r, unsigned set, sip_dns_status st, const sip_dns_rr *rrs,
                           size_t n, const sip_str *owner, uint64_t now_us)
{
    sip__rs_srv_c c[SIP_RESOLVE_MAX_HOSTS];
    unsigned nc = 0, nsrv = 0, dots = 0, k;
    size_t i;
    sip_resolve_set *s = &r->sets[set];
    s->state = SIP__RS_DONE;
    for (i = 0; st == SIP_DNS_OK && i < n; i++) {
        sip_str t;
        if (!sip__rs_take(&rrs[i], SIP_DNS_SRV, owner)) continue;
        nsrv++;
        t = sip__rs_strip_dot(rrs[i].target);
        if (t.p && t.len == 0) { /* "." */
            dots++;
            continue;
        }
        if (rrs[i].port == 0 || !sip__rs_name_ok(t)) continue;
        if (nc == SIP_RESOLVE_MAX_HOSTS) {
            r->dropped++;
            continue;
        }
        c[nc].prio = rrs[i].priority;
        c[nc].weight = rrs[i].weight;
        c[nc].port = rrs[i].port;
        c[nc].target = t;
        nc++;
        sip__rs_ttl(r, rrs[i].ttl, now_us);
    }
    if (nsrv) s->found = 1; /* SRV exists: no A/AAAA fallback (§4.2) */
    if (nc == 0 && dots) s->unavailable = 1;
    sip__rs_srv_order(r, c, nc);
    for (k = 0; k < nc; k++) sip__rs_add_host(r, set, sip__rs_lookup(r, c[k].target), c[k].port);
}

static void sip__rs_on_addr(sip_resolve *r, unsigned name, sip_dns_type type, sip_dns_status st,
                            const sip_dns_rr *rrs, size_t n, const sip_str *owner, uint64_t now_us)
{
    uint8_t fam = type == SIP_DNS_A ? 4 : 6;
    size_t i, len = fam == 4 ? 4 : 16;
    unsigned k;
    if (fam == 4) r->names[name].st4 = SIP__RS_DONE;
    else r->names[name].st6 = SIP__RS_DONE;
    for (i = 0; st == SIP_DNS_OK && i < n; i++) {
        sip_resolve_addr *a;
        if (!sip__rs_take(&rrs[i], type, owner)) continue;
        for (k = 0; k < r->n_addrs; k++)
            if (r->addrs[k].name == name && r->addrs[k].family == fam &&
                memcmp(r->addrs[k].ip, rrs[i].addr, len) == 0)
                break;
        if (k < r->n_addrs) continue;
        if (r->n_addrs == SIP_RESOLVE_MAX_ADDRS) {
            r->dropped++;
            continue;
        }
        a = &r->addrs[r->n_addrs++];
        memset(a, 0, sizeof *a);
        a->name = (uint8_t)name;
        a->family = fam;
        memcpy(a->ip, rrs[i].addr, len);
        sip__rs_ttl(r, rrs[i].ttl, now_us);
    }
}

static void sip__rs_apply(sip_resolve *r, unsigned qi, sip_dns_status st, const sip_dns_rr *rrs,
                          size_t n, const sip_str *owner, uint64_t now_us)
{
    sip_resolve_q *q = &r->q[qi];
    q->state = SIP__RS_Q_DONE;
    if (q->kind == SIP__RS_K_NAPTR) sip__rs_on_naptr(r, st, rrs, n, owner, now_us);
    else if (q->kind == SIP__RS_K_SRV) sip__rs_on_srv(r, q->ref, st, rrs, n, owner, now_us);
    else sip__rs_on_addr(r, q->ref, q->type, st, rrs, n, owner, now_us);
}

/* Records of other types than the one asked: the additional section.
 * SRV first (it may create the A/AAAA lookups the others answer). */
static void sip__rs_additional(sip_resolve *r, sip_dns_type asked, const sip_dns_rr *rrs, size_t n,
                               uint64_t now_us)
{
    static const sip_dns_type types[3] = {SIP_DNS_SRV, SIP_DNS_A, SIP_DNS_AAAA};
    unsigned t, qi;
    size_t i;
    for (t = 0; t < 3; t++) {
        if (types[t] == asked) continue;
        for (i = 0; i < n; i++) {
            if (rrs[i].type != types[t] || !rrs[i].name.p || !rrs[i].name.len) continue;
            for (qi = 0; qi < r->n_q; qi++) {
                const sip_resolve_q *q = &r->q[qi];
                if (q->type == types[t] && q->state != SIP__RS_Q_DONE &&
                    sip__rs_name_eq(sip__rs_pool_str(r, q->name_off, q->name_len), rrs[i].name)) {
                    sip__rs_apply(r, qi, SIP_DNS_OK, rrs, n, &rrs[i].name, now_us);
                    break;
                }
            }
        }
    }
}

SIP_TRANSPORT_DEF int sip_resolve_answer(sip_resolve *r, uint32_t id, sip_dns_status status,
                                         const sip_dns_rr *rrs, size_t n, uint64_t now_us)
{
    sip_dns_type asked;
    if (!r || (n && !rrs)) return SIP_ERR_RESOLVE_INVALID;
    if (!r->started || id == 0 || id > r->n_q || r->q[id - 1].state == SIP__RS_Q_DONE)
        return SIP_ERR_RESOLVE_QUERY;
    if (status != SIP_DNS_OK && status != SIP_DNS_NXDOMAIN) status = SIP_DNS_ERROR;
    asked = r->q[id - 1].type;
    sip__rs_apply(r, id - 1, status, rrs, n, NULL, now_us);
    if (status == SIP_DNS_OK) sip__rs_additional(r, asked, rrs, n, now_us);
    sip__rs_progress(r);
    return 0;
}

SIP_TRANSPORT_DEF int sip_resolve_next_query(sip_resolve *r, uint64_t now_us, sip_dns_query *out)
{
    unsigned i;
    if (!r || !out || !r->started) return 0;
    for (i = 0; i < r->n_q; i++) {
        sip_resolve_q *q = &r->q[i];
        if (q->state != SIP__RS_Q_ASK) continue;
        q->state = SIP__RS_Q_ASKED;
        q->deadline_us = sip__rs_add_time(now_us, r->rv->cfg.query_timeout_us);
        out->id = i + 1;
        out->type = q->type;
        out->name = sip__rs_pool_str(r, q->name_off, q->name_len);
        return 1;
    }
    return 0;
}

SIP_TRANSPORT_DEF uint64_t sip_resolve_next_deadline(const sip_resolve *r)
{
    uint64_t d = UINT64_MAX;
    unsigned i;
    if (!r || !r->started) return d;
    for (i = 0; i < r->n_q; i++)
        if (r->q[i].state == SIP__RS_Q_ASKED && r->q[i].deadline_us < d) d = r->q[i].deadline_us;
    return d;
}

SIP_TRANSPORT_DEF int sip_resolve_on_timeout(sip_resolve *r, uint64_t now_us)
{
    unsigned i;
    int n = 0;
    if (!r || !r->started) return 0;
    /* n_q may grow while answering: new queries are not asked yet */
    for (i = 0; i < r->n_q; i++) {
        if (r->q[i].state != SIP__RS_Q_ASKED || r->q[i].deadline_us > now_us) continue;
        sip__rs_apply(r, i, SIP_DNS_ERROR, NULL, 0, NULL, now_us);
        n++;
    }
    sip__rs_progress(r);
    return n;
}

/* ---- starting ---- */

static void sip__rs_begin(sip_resolve *r, sip_resolver *rv)
{
    memset(r, 0, sizeof *r);
    r->rv = rv;
    r->expires_us = UINT64_MAX;
}

/* The transport when the URI names none: UDP for sip (TCP, then the first
 * configured, when UDP is not), TLS for sips (WSS when only that), §4.1. */
static sip_tp sip__rs_default_tp(const sip_resolve *r)
{
    if (r->secure) {
        if (sip__rs_tp_ok(r->rv, SIP_TP_TLS)) return SIP_TP_TLS;
        return sip__rs_tp_ok(r->rv, SIP_TP_WSS) ? SIP_TP_WSS : SIP_TP_NONE;
    }
    if (sip__rs_tp_ok(r->rv, SIP_TP_UDP)) return SIP_TP_UDP;
    if (sip__rs_tp_ok(r->rv, SIP_TP_TCP)) return SIP_TP_TCP;
    return r->rv->cfg.transports[0];
}

/* §4.1/§4.2 given the host (maddr or URI host), port (0: none) and the
 * transport (SIP_TP_NONE: not given). naptr: NAPTR allowed (URIs). */
static int sip__rs_plan(sip_resolve *r, sip_str host, uint16_t port, sip_tp tp, int naptr)
{
    sip_ipaddr a;
    sip_tp ftp = tp != SIP_TP_NONE ? tp : sip__rs_default_tp(r);
    if (ftp == SIP_TP_NONE) return SIP_ERR_RESOLVE_TRANSPORT;
    if (host.p && sip_ipaddr_parse(host, &a) == 0) {
        if (a.port) return SIP_ERR_RESOLVE_NAME;
        sip__rs_add_direct(r, ftp, sip__rs_numeric(r, &a), port ? port : sip_tp_default_port(ftp));
        r->started = 1;
        return 0;
    }
    host = sip__rs_strip_dot(host);
    if (!sip__rs_name_ok(host) || sip__rs_store(r, "", host, &r->host_off, &r->host_len))
        return SIP_ERR_RESOLVE_NAME;
    r->started = 1;
    if (port) {
        sip__rs_add_direct(r, ftp, sip__rs_lookup(r, host), port);
        return 0;
    }
    r->fallback = 1;
    r->fallback_tp = ftp;
    if (tp != SIP_TP_NONE) {
        sip__rs_add_set(r, tp, sip__rs_srv_prefix(tp), host);
    } else if (naptr) {
        r->naptr = SIP__RS_PENDING;
        sip__rs_add_query(r, SIP__RS_K_NAPTR, 0, SIP_DNS_NAPTR, r->host_off, r->host_len);
    } else {
        sip__rs_srv_sets(r);
    }
    sip__rs_progress(r);
    return 0;
}

/* transport=tcp / ws with sips means TLS / WSS (RFC 3261 §26.2.2). */
static sip_tp sip__rs_secure_tp(sip_tp tp)
{
    switch (tp) {
    case SIP_TP_TCP: case SIP_TP_TLS: return SIP_TP_TLS;
    case SIP_TP_WS: case SIP_TP_WSS: return SIP_TP_WSS;
    default: return SIP_TP_NONE;
    }
}

SIP_TRANSPORT_DEF int sip_resolve_start_uri(sip_resolve *r, sip_resolver *rv, const sip_uri *uri, uint64_t now_us)
{
    sip_str v, host;
    sip_tp tp = SIP_TP_NONE;
    (void)now_us;
    if (!r || !rv || !uri) return SIP_ERR_RESOLVE_INVALID;
    sip__rs_begin(r, rv);
    if ((uri->scheme != SIP_URI_SIP && uri->scheme != SIP_URI_SIPS) || !uri->host.p || !uri->host.len)
        return SIP_ERR_RESOLVE_URI;
    r->secure = uri->scheme == SIP_URI_SIPS;
    if (sip_param_find(uri->params, "transport", &v) == 1) {
        tp = sip_tp_from_name(v);
        if (r->secure) tp = sip__rs_secure_tp(tp);
        if (tp == SIP_TP_NONE || !sip__rs_tp_ok(rv, tp)) return SIP_ERR_RESOLVE_TRANSPORT;
    }
    host = uri->host;
    /* RFC 3261 §19.1.1: maddr overrides the host for reaching the server */
    if (sip_param_find(uri->params, "maddr", &v) == 1 && v.p && v.len) host = v;
    return sip__rs_plan(r, host, uri->has_port ? uri->port : 0, tp, 1);
}

SIP_TRANSPORT_DEF int sip_resolve_start_sent_by(sip_resolve *r, sip_resolver *rv, sip_tp tp, sip_str host,
                                                uint16_t port, uint64_t now_us)
{
    (void)now_us;
    if (!r || !rv || tp == SIP_TP_NONE || (unsigned)tp > (unsigned)SIP_TP_WSS) return SIP_ERR_RESOLVE_INVALID;
    sip__rs_begin(r, rv);
    r->secure = (uint8_t)sip__rs_tp_secure(tp);
    return sip__rs_plan(r, host, port, tp, 0);
}

/* ---- targets ---- */

typedef int (*sip__rs_visit_fn)(void *ctx, const sip_target *t);

/* Calls visit on each candidate target in RFC 3263 order: sets in order,
 * hosts of a set in RFC 2782 order, addresses of a host per family in
 * answer order. Returns 1 at the end, 0 when the order depends on an
 * answer not in yet, 2 when visit returned nonzero. */
static int sip__rs_walk(const sip_resolve *r, sip__rs_visit_fn visit, void *ctx)
{
    unsigned s, h, a, pass;
    if (r->naptr == SIP__RS_PENDING) return 0;
    for (s = 0; s < r->n_sets; s++) {
        if (r->sets[s].state != SIP__RS_DONE) return 0;
        for (h = 0; h < r->n_hosts; h++) {
            const sip_resolve_host *ho = &r->hosts[h];
            const sip_resolve_name *nm = &r->names[ho->name];
            if (ho->set != s) continue;
            for (pass = 0; pass < 2; pass++) {
                uint8_t fam = (pass == 0) == !r->rv->cfg.prefer_ipv6 ? 4 : 6;
                if ((fam == 4 ? nm->st4 : nm->st6) == SIP__RS_PENDING) return 0;
                for (a = 0; a < r->n_addrs; a++) {
                    sip_target t;
                    if (r->addrs[a].name != ho->name || r->addrs[a].family != fam) continue;
                    memset(&t, 0, sizeof t);
                    t.tp = r->sets[s].tp;
                    t.remote.family = fam;
                    memcpy(t.remote.ip, r->addrs[a].ip, sizeof t.remote.ip);
                    t.remote.port = ho->port;
                    if (visit(ctx, &t)) return 2;
                }
            }
        }
    }
    if (r->fallback && !r->fallback_done) return 0;
    return 1;
}

static int sip__rs_target_eq(const sip_target *a, const sip_target *b)
{
    return a->tp == b->tp && sip_ipaddr_eq(&a->remote, &b->remote);
}

static int sip__rs_in(const sip_target *list, unsigned n, const sip_target *t)
{
    unsigned i;
    for (i = 0; i < n; i++)
        if (sip__rs_target_eq(&list[i], t)) return 1;
    return 0;
}

typedef struct sip__rs_pick {
    const sip_resolve *r;
    uint64_t now_us;
    int failed_pass;    /* 0: skip failed targets, 1: only failed ones */
    unsigned skipped;   /* failed targets passed over */
    sip_target *out;    /* next_target: the pick; list: the array */
    size_t cap, n;      /* list: room and count */
    sip_target seen[SIP_RESOLVE_MAX_TARGETS];
    unsigned n_seen;
} sip__rs_pick;

/* 1 when t should be skipped by this pass. */
static int sip__rs_skip(sip__rs_pick *p, const sip_target *t)
{
    int failed = sip_resolver_is_failed(p->r->rv, t, p->now_us);
    if (failed && !p->failed_pass) p->skipped++;
    return failed != p->failed_pass;
}

static int sip__rs_visit_next(void *ctx, const sip_target *t)
{
    sip__rs_pick *p = (sip__rs_pick *)ctx;
    if (sip__rs_in(p->r->emitted, p->r->n_emitted, t) || sip__rs_skip(p, t)) return 0;
    *p->out = *t;
    return 1;
}

static int sip__rs_visit_list(void *ctx, const sip_target *t)
{
    sip__rs_pick *p = (sip__rs_pick *)ctx;
    if (sip__rs_in(p->seen, p->n_seen, t)) return 0;
    if (p->n_seen == SIP_RESOLVE_MAX_TARGETS) return 0; /* the list's limit */
    p->seen[p->n_seen++] = *t;
    if (sip__rs_skip(p, t)) return 0;
    if (p->n < p->cap) p->out[p->n] = *t;
    p->n++;
    return 0;
}

/* Why a resolution that handed out nothing has no target. */
static int sip__rs_none(const sip_resolve *r)
{
    unsigned s;
    for (s = 0; s < r->n_sets; s++)
        if (r->sets[s].unavailable) return SIP_ERR_RESOLVE_UNAVAILABLE;
    return SIP_ERR_RESOLVE_NOT_FOUND;
}

SIP_TRANSPORT_DEF int sip_resolve_next_target(sip_resolve *r, uint64_t now_us, sip_target *out)
{
    sip__rs_pick p;
    sip_target t;
    int w;
    if (!r || !out) return SIP_ERR_RESOLVE_INVALID;
    if (!r->started) return SIP_ERR_RESOLVE_STATE;
    if (r->n_emitted >= SIP_RESOLVE_MAX_TARGETS) return SIP_ERR_RESOLVE_EXHAUSTED;
    memset(&p, 0, sizeof p);
    p.r = r;
    p.now_us = now_us;
    p.out = &t;
    w = sip__rs_walk(r, sip__rs_visit_next, &p);
    if (w == 1 && p.skipped && r->rv->cfg.failed_last) {
        p.failed_pass = 1;
        w = sip__rs_walk(r, sip__rs_visit_next, &p);
    }
    if (w == 0) return 0;
    if (w == 1) return r->n_emitted ? SIP_ERR_RESOLVE_EXHAUSTED : sip__rs_none(r);
    r->emitted[r->n_emitted++] = t;
    *out = t;
    return 1;
}

SIP_TRANSPORT_DEF int sip_resolve_failed(sip_resolve *r, uint64_t now_us)
{
    if (!r || !r->started || r->n_emitted == 0) return SIP_ERR_RESOLVE_STATE;
    sip_resolver_mark_failed(r->rv, &r->emitted[r->n_emitted - 1], now_us);
    return 0;
}

SIP_TRANSPORT_DEF int sip_resolve_list(const sip_resolve *r, uint64_t now_us, sip_target *out, size_t cap,
                                       int *complete)
{
    sip__rs_pick p;
    int w;
    if (complete) *complete = 0;
    if (!r || !r->started) return SIP_ERR_RESOLVE_STATE;
    if (!out) cap = 0;
    memset(&p, 0, sizeof p);
    p.r = r;
    p.now_us = now_us;
    p.out = out;
    p.cap = cap;
    w = sip__rs_walk(r, sip__rs_visit_list, &p);
    if (w == 1 && p.skipped && r->rv->cfg.failed_last) {
        p.failed_pass = 1;
        p.n_seen = 0;
        w = sip__rs_walk(r, sip__rs_visit_list, &p);
    }
    if (complete) *complete = w == 1;
    return (int)p.n;
}

/* ---- TLS: RFC 5922 §7 identity --------------------------------------- */

SIP_TRANSPORT_DEF const char *sip_tls_strerror(int err)
{
    switch (err) {
    case SIP_ERR_TLS_INVALID: return "invalid argument";
    case SIP_ERR_TLS_NOMEM: return "out of memory";
    case SIP_ERR_TLS_CONFIG: return "TLS configuration failed to load";
    case SIP_ERR_TLS_HANDSHAKE: return "TLS handshake failed";
    case SIP_ERR_TLS_VERIFY: return "peer certificate chain not trusted";
    case SIP_ERR_TLS_IDENTITY: return "peer certificate does not match the domain";
    case SIP_ERR_TLS_REJECTED: return "peer rejected by the verify callback";
    case SIP_ERR_TLS_CLOSED: return "peer closed the TLS connection";
    case SIP_ERR_TLS_PROTOCOL: return "TLS protocol error";
    case SIP_ERR_TLS_CALLBACK: return "output callback failed";
    case SIP_ERR_TLS_STATE: return "TLS connection closed for writing";
    case SIP_ERR_TLS_TOO_BIG: return "too much data queued before the handshake";
    default: return "unknown error";
    }
}

/* Domain names compare ASCII case-insensitively, trailing dot ignored;
 * '*' is an ordinary byte (RFC 5922 §7.2: no wildcards). */
static int sip__tls_name_eq(sip_str a, sip_str b)
{
    if (a.p && a.len && a.p[a.len - 1] == '.') a.len--;
    if (b.p && b.len && b.p[b.len - 1] == '.') b.len--;
    return a.p && b.p && a.len && sip_str_caseeq(a, b);
}

/* §7.1: only a "sip" URI without user part carries a SIP domain. */
static int sip__tls_uri_id(sip_str uri, sip_str domain)
{
    sip_uri u;
    if (sip_uri_parse(uri, &u) != 0 || u.scheme != SIP_URI_SIP || u.user.p) return 0;
    return sip__tls_name_eq(u.host, domain);
}

SIP_TRANSPORT_DEF int sip_tls_identity_match(const sip_tls_identity *id, sip_str domain)
{
    size_t i;
    if (!id || !domain.p || !domain.len) return 0;
    for (i = 0; i < id->n_san_uri; i++)
        if (sip__tls_uri_id(id->san_uri[i], domain)) return 1;
    for (i = 0; i < id->n_san_dns; i++)
        if (sip__tls_name_eq(id->san_dns[i], domain)) return 1;
    /* the CN only "if and only if the subjectAltName does not appear" */
    return !id->has_san && sip__tls_name_eq(id->cn, domain);
}

#ifdef SIP_USE_OPENSSL
/* ---- TLS: OpenSSL memory-BIO filter ---------------------------------- */
#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#ifndef SIP_TLS_MALLOC
#ifdef SIP_TRANSPORT_MALLOC
#define SIP_TLS_MALLOC(n) SIP_TRANSPORT_MALLOC(n)
#define SIP_TLS_FREE(p) SIP_TRANSPORT_FREE(p)
#else
#include <stdlib.h>
#define SIP_TLS_MALLOC(n) malloc(n)
#define SIP_TLS_FREE(p) free(p)
#endif
#endif

struct sip_tls {
    SSL *ssl;
    BIO *rbio, *wbio;        /* ciphertext in / out; owned by ssl */
    int server, verify_on;
    int established, sent_close, peer_closed;
    int err;                 /* sticky fatal error */
    int verify_fail;         /* the verification code that ended it */
    int decided, accepted;   /* verification decision made, and which */
    long chain_result;       /* first X509_V_ERR_* seen, or X509_V_OK */
    sip_tls_verify_fn verify_cb;
    void *verify_user;
    uint8_t *queue;          /* plaintext written before the handshake */
    size_t queued, queue_cap;
    uint8_t *held;           /* decrypted plaintext plain_out refused */
    size_t held_len;
    char reason[256];
    char *domain;            /* copy, after the struct */
};

static void sip__tls_reason(sip_tls *t, const char *a, const char *b)
{
    size_t la = strlen(a), lb = b ? strlen(b) : 0;
    if (la > sizeof t->reason - 1) la = sizeof t->reason - 1;
    if (lb > sizeof t->reason - 1 - la) lb = sizeof t->reason - 1 - la;
    memcpy(t->reason, a, la);
    if (lb) memcpy(t->reason + la, b, lb);
    t->reason[la + lb] = 0;
}

/* A fatal error: remember it (and why), clear OpenSSL's thread error queue. */
static int sip__tls_fail(sip_tls *t, int code)
{
    unsigned long e = ERR_peek_last_error();
    if (t->verify_fail) {
        code = t->verify_fail; /* the reason was set when deciding */
    } else if (e) {
        ERR_error_string_n(e, t->reason, sizeof t->reason);
    } else {
        sip__tls_reason(t, sip_tls_strerror(code), NULL);
    }
    ERR_clear_error();
    t->err = code;
    return code;
}

/* Whether the peer is accepted: chain result, RFC 5922 identity, then the
 * application's verdict when it gave a callback. */
static int sip__tls_decide(sip_tls *t, X509 *peer)
{
    int identity = t->domain[0] ? sip_tls_identity_check(peer, sip_str_c(t->domain)) : 1;
    int ok;
    t->decided = 1;
    if (t->verify_cb) ok = t->verify_cb(t->verify_user, t, peer, t->chain_result, identity) != 0;
    else ok = peer && t->chain_result == X509_V_OK && identity;
    t->accepted = ok;
    if (ok) return 1;
    if (t->verify_cb) {
        t->verify_fail = SIP_ERR_TLS_REJECTED;
        sip__tls_reason(t, "peer rejected by the verify callback", NULL);
    } else if (!peer) {
        t->verify_fail = SIP_ERR_TLS_VERIFY;
        sip__tls_reason(t, "no peer certificate", NULL);
    } else if (t->chain_result != X509_V_OK) {
        t->verify_fail = SIP_ERR_TLS_VERIFY;
        sip__tls_reason(t, "certificate verify failed: ", X509_verify_cert_error_string(t->chain_result));
    } else {
        t->verify_fail = SIP_ERR_TLS_IDENTITY;
        sip__tls_reason(t, "certificate does not carry the SIP domain (RFC 5922 7.1): ", t->domain);
    }
    return 0;
}

/* OpenSSL calls this for each problem and once per certificate at the end
 * of the chain check, the peer's certificate (depth 0) last with ok = 1:
 * problems are recorded and the decision is made at that last call, so
 * the application sees the whole result once and a rejection still fails
 * the handshake with an alert. */
static int sip__tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
    SSL *ssl = (SSL *)X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
    sip_tls *t = ssl ? (sip_tls *)SSL_get_app_data(ssl) : NULL;
    if (!t) return ok;
    if (!ok && t->chain_result == X509_V_OK) t->chain_result = X509_STORE_CTX_get_error(xs);
    if (t->decided) return t->accepted && (ok || t->verify_cb);
    if (!ok || X509_STORE_CTX_get_error_depth(xs) != 0) return 1;
    return sip__tls_decide(t, X509_STORE_CTX_get_current_cert(xs));
}

static int sip__tls_ctx(const sip_tls_config *cfg, SSL_CTX **out)
{
    SSL_CTX *ctx = SSL_CTX_new(cfg->server ? TLS_server_method() : TLS_client_method());
    if (!ctx) return SIP_ERR_TLS_NOMEM;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) goto bad;
    if (cfg->ca_file ? SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1
                     : SSL_CTX_set_default_verify_paths(ctx) != 1)
        goto bad;
    if (cfg->cert_file && SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) goto bad;
    if (cfg->key_file && (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1 ||
                          SSL_CTX_check_private_key(ctx) != 1))
        goto bad;
    if (cfg->server && (!cfg->cert_file || !cfg->key_file)) goto bad;
    *out = ctx;
    return 0;
bad:
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return SIP_ERR_TLS_CONFIG;
}

SIP_TRANSPORT_DEF void sip_tls_free(sip_tls *t)
{
    if (!t) return;
    SSL_free(t->ssl); /* frees both BIOs */
    if (t->queue) SIP_TLS_FREE(t->queue);
    if (t->held) SIP_TLS_FREE(t->held);
    SIP_TLS_FREE(t);
}

/* The SSL object with its two memory BIOs, role, SNI and verification. */
static int sip__tls_setup(sip_tls *t, SSL_CTX *ctx, const sip_tls_config *cfg)
{
    sip_ipaddr ip;
    int mode = SSL_VERIFY_NONE;
    t->ssl = SSL_new(ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        return SIP_ERR_TLS_NOMEM;
    }
    BIO_set_mem_eof_return(t->rbio, -1); /* empty means "more later", not EOF */
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_app_data(t->ssl, t);
    if (t->server) {
        SSL_set_accept_state(t->ssl);
        if (cfg->request_client_cert) mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    } else {
        SSL_set_connect_state(t->ssl);
        /* RFC 6066 §3: no literal IP address in SNI */
        if (t->domain[0] && sip_ipaddr_parse(sip_str_c(t->domain), &ip) != 0 &&
            SSL_set_tlsext_host_name(t->ssl, t->domain) != 1)
            return SIP_ERR_TLS_NOMEM;
        if (!cfg->insecure) mode = SSL_VERIFY_PEER;
    }
    t->verify_on = mode != SSL_VERIFY_NONE;
    SSL_set_verify(t->ssl, mode, t->verify_on ? sip__tls_verify_cb : NULL);
    return 0;
}

SIP_TRANSPORT_DEF int sip_tls_new(sip_tls **out, const sip_tls_config *cfg)
{
    sip_tls *t;
    SSL_CTX *ctx;
    size_t dl;
    int rc;
    if (!out) return SIP_ERR_TLS_INVALID;
    *out = NULL;
    if (!cfg) return SIP_ERR_TLS_INVALID;
    dl = cfg->domain ? strlen(cfg->domain) : 0;
    if (!cfg->server && !cfg->insecure && dl == 0) return SIP_ERR_TLS_INVALID;
    t = (sip_tls *)SIP_TLS_MALLOC(sizeof *t + dl + 1);
    if (!t) return SIP_ERR_TLS_NOMEM;
    memset(t, 0, sizeof *t);
    t->domain = (char *)(t + 1);
    if (dl) memcpy(t->domain, cfg->domain, dl);
    t->domain[dl] = 0;
    t->server = cfg->server != 0;
    t->chain_result = X509_V_OK;
    t->verify_cb = cfg->verify_cb;
    t->verify_user = cfg->verify_user;
    ctx = cfg->ctx;
    if (!ctx && (rc = sip__tls_ctx(cfg, &ctx)) != 0) {
        SIP_TLS_FREE(t);
        return rc;
    }
    rc = sip__tls_setup(t, ctx, cfg);
    if (!cfg->ctx) SSL_CTX_free(ctx); /* the SSL object keeps its reference */
    if (rc) {
        ERR_clear_error();
        sip_tls_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* Hand the ciphertext waiting in the write BIO to out. Returns the bytes
 * passed, or SIP_ERR_TLS_CALLBACK (the bytes stay for the next flush). */
static int sip__tls_flush(sip_tls *t, sip_tls_out_fn out, void *user)
{
    char *p = NULL;
    long n = BIO_get_mem_data(t->wbio, &p);
    if (n <= 0) return 0;
    if (out(user, (const uint8_t *)p, (size_t)n) != 0) return SIP_ERR_TLS_CALLBACK;
    (void)BIO_reset(t->wbio);
    return n > INT_MAX ? INT_MAX : (int)n;
}

static int sip__tls_write(sip_tls *t, const uint8_t *p, size_t n)
{
    while (n) {
        int chunk = n > 16384 ? 16384 : (int)n, r;
        ERR_clear_error();
        r = SSL_write(t->ssl, p, chunk);
        if (r <= 0) return sip__tls_fail(t, SIP_ERR_TLS_PROTOCOL);
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Drive the handshake. Returns 1 when established, 0 when it needs more
 * input, or the fatal error. On success the queued plaintext is encrypted. */
static int sip__tls_handshake(sip_tls *t)
{
    int r, rc;
    if (t->established) return 1;
    ERR_clear_error();
    r = SSL_do_handshake(t->ssl);
    if (r != 1) {
        int e = SSL_get_error(t->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
        return sip__tls_fail(t, SIP_ERR_TLS_HANDSHAKE);
    }
    /* a resumed session skips the chain check: decide on what it recorded */
    if (t->verify_on && !t->decided) {
        t->chain_result = SSL_get_verify_result(t->ssl);
        if (!sip__tls_decide(t, SSL_get0_peer_certificate(t->ssl)))
            return sip__tls_fail(t, SIP_ERR_TLS_VERIFY);
    }
    t->established = 1;
    if (t->queued) {
        rc = sip__tls_write(t, t->queue, t->queued);
        t->queued = 0;
        if (rc) return rc;
    }
    return 1;
}

/* Keep a decrypted chunk that plain_out refused, for the next call. */
static int sip__tls_hold(sip_tls *t, const uint8_t *p, size_t n)
{
    t->held = (uint8_t *)SIP_TLS_MALLOC(n);
    if (!t->held) return sip__tls_fail(t, SIP_ERR_TLS_NOMEM);
    memcpy(t->held, p, n);
    t->held_len = n;
    return SIP_ERR_TLS_CALLBACK;
}

/* Decrypt everything complete in the read BIO to out (a held chunk first). */
static int sip__tls_read(sip_tls *t, sip_tls_out_fn out, void *user)
{
    uint8_t buf[16384];
    int total = 0;
    if (t->held) {
        if (out && out(user, t->held, t->held_len) != 0) return SIP_ERR_TLS_CALLBACK;
        total = (int)t->held_len; /* at most 16 KB */
        SIP_TLS_FREE(t->held);
        t->held = NULL;
        t->held_len = 0;
    }
    for (;;) {
        int r, e;
        ERR_clear_error();
        r = SSL_read(t->ssl, buf, (int)sizeof buf);
        if (r > 0) {
            if (out && out(user, buf, (size_t)r) != 0) return sip__tls_hold(t, buf, (size_t)r);
            total = total > INT_MAX - r ? INT_MAX : total + r;
            continue;
        }
        e = SSL_get_error(t->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return total;
        if (e == SSL_ERROR_ZERO_RETURN) {
            t->peer_closed = 1;
            return SIP_ERR_TLS_CLOSED;
        }
        return sip__tls_fail(t, SIP_ERR_TLS_PROTOCOL);
    }
}

SIP_TRANSPORT_DEF int sip_tls_input(sip_tls *t, const uint8_t *cipher, size_t len, sip_tls_out_fn plain_out, void *user)
{
    int r;
    if (!t || (len && !cipher)) return SIP_ERR_TLS_INVALID;
    if (t->err) return t->err;
    if (t->peer_closed) return SIP_ERR_TLS_CLOSED;
    while (len) {
        int chunk = len > 65536 ? 65536 : (int)len;
        if (BIO_write(t->rbio, cipher, chunk) != chunk) return sip__tls_fail(t, SIP_ERR_TLS_NOMEM);
        cipher += chunk;
        len -= (size_t)chunk;
    }
    r = sip__tls_handshake(t);
    if (r <= 0) return r;
    return sip__tls_read(t, plain_out, user);
}

/* Append plaintext to the queue (grown by doubling, up to the limit). */
static int sip__tls_enqueue(sip_tls *t, const uint8_t *p, size_t n)
{
    if (n > (size_t)SIP_TLS_MAX_QUEUED - t->queued) return SIP_ERR_TLS_TOO_BIG;
    if (t->queued + n > t->queue_cap) {
        size_t cap = t->queue_cap ? t->queue_cap : 1024;
        uint8_t *q;
        while (cap < t->queued + n) cap *= 2;
        q = (uint8_t *)SIP_TLS_MALLOC(cap);
        if (!q) return SIP_ERR_TLS_NOMEM;
        if (t->queued) memcpy(q, t->queue, t->queued);
        if (t->queue) SIP_TLS_FREE(t->queue);
        t->queue = q;
        t->queue_cap = cap;
    }
    if (n) memcpy(t->queue + t->queued, p, n);
    t->queued += n;
    return 0;
}

SIP_TRANSPORT_DEF int sip_tls_output(sip_tls *t, const uint8_t *plain, size_t len, sip_tls_out_fn cipher_out, void *user)
{
    int rc;
    if (!t || (len && !plain) || !cipher_out) return SIP_ERR_TLS_INVALID;
    if (t->err) return t->err;
    if (t->sent_close || t->peer_closed) return SIP_ERR_TLS_STATE;
    if (!t->established) {
        int hs;
        if ((rc = sip__tls_enqueue(t, plain, len)) != 0) return rc;
        hs = sip__tls_handshake(t); /* a client's first call: ClientHello */
        rc = sip__tls_flush(t, cipher_out, user);
        if (rc < 0) return rc;
        return hs < 0 ? hs : 0;
    }
    if ((rc = sip__tls_write(t, plain, len)) != 0) return rc;
    rc = sip__tls_flush(t, cipher_out, user);
    return rc < 0 ? rc : 0;
}

SIP_TRANSPORT_DEF int sip_tls_pending_output(sip_tls *t, sip_tls_out_fn cipher_out, void *user)
{
    int n;
    if (!t || !cipher_out) return SIP_ERR_TLS_INVALID;
    if (!t->established && !t->err) (void)sip__tls_handshake(t);
    n = sip__tls_flush(t, cipher_out, user);
    if (n < 0) return n;
    return t->err ? t->err : n;
}

SIP_TRANSPORT_DEF int sip_tls_close(sip_tls *t, sip_tls_out_fn cipher_out, void *user)
{
    int n;
    if (!t || !cipher_out) return SIP_ERR_TLS_INVALID;
    if (t->sent_close) return 0;
    t->sent_close = 1;
    if (t->established && !t->err) {
        ERR_clear_error();
        (void)SSL_shutdown(t->ssl);
        ERR_clear_error();
    }
    n = sip__tls_flush(t, cipher_out, user);
    return n < 0 ? n : 0;
}

SIP_TRANSPORT_DEF int sip_tls_established(const sip_tls *t)
{
    return t && t->established && !t->err;
}

SIP_TRANSPORT_DEF const char *sip_tls_server_name(const sip_tls *t)
{
    if (!t) return NULL;
    if (!t->server) return t->domain[0] ? t->domain : NULL;
    return SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name);
}

SIP_TRANSPORT_DEF X509 *sip_tls_peer_cert(const sip_tls *t)
{
    return t ? SSL_get0_peer_certificate(t->ssl) : NULL;
}

SIP_TRANSPORT_DEF SSL *sip_tls_ssl(const sip_tls *t)
{
    return t ? t->ssl : NULL;
}

SIP_TRANSPORT_DEF const char *sip_tls_reason(const sip_tls *t)
{
    return t ? t->reason : "";
}

/* Up to 64 URI and 64 dNSName entries are read; a certificate with more
 * is unusual enough that the rest are not considered. */
#define SIP__TLS_MAX_SAN 64

SIP_TRANSPORT_DEF int sip_tls_identity_check(X509 *cert, sip_str domain)
{
    sip_str uris[SIP__TLS_MAX_SAN], dns[SIP__TLS_MAX_SAN];
    sip_tls_identity id;
    GENERAL_NAMES *gens;
    int r;
    if (!cert) return 0;
    memset(&id, 0, sizeof id);
    id.san_uri = uris;
    id.san_dns = dns;
    gens = (GENERAL_NAMES *)X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (gens) {
        int i, n = sk_GENERAL_NAME_num(gens);
        id.has_san = 1;
        for (i = 0; i < n; i++) {
            const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
            const ASN1_STRING *s = g->type == GEN_URI ? g->d.uniformResourceIdentifier
                                 : g->type == GEN_DNS ? g->d.dNSName : NULL;
            sip_str v;
            if (!s) continue;
            v.p = (const char *)ASN1_STRING_get0_data(s);
            v.len = (size_t)ASN1_STRING_length(s);
            if (g->type == GEN_URI && id.n_san_uri < SIP__TLS_MAX_SAN) uris[id.n_san_uri++] = v;
            else if (g->type == GEN_DNS && id.n_san_dns < SIP__TLS_MAX_SAN) dns[id.n_san_dns++] = v;
        }
    } else {
        X509_NAME *subj = X509_get_subject_name(cert);
        int i = subj ? X509_NAME_get_index_by_NID(subj, NID_commonName, -1) : -1;
        if (i >= 0) {
            const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
            id.cn.p = (const char *)ASN1_STRING_get0_data(s);
            id.cn.len = (size_t)ASN1_STRING_length(s);
        }
    }
    r = sip_tls_identity_match(&id, domain);
    GENERAL_NAMES_free(gens);
    return r;
}
#endif /* SIP_USE_OPENSSL */

#ifdef SIP_USE_OPENSSL
/* ---- sip_tls as a connection filter ------------------------------------- */

/* sip_tls_out_fn and sip_tp_emit_fn have the same shape (user/cookie,
 * bytes, length; 0 = taken), so the emit functions pass straight through. */
static int sip__tlsf_status(sip_tls *t, int r)
{
    if (r < 0) return r;
    return sip_tls_established(t) ? SIP_TP_FILTER_READY : 0;
}

static int sip__tlsf_start(void *ctx, int is_server, sip_tp_emit_fn emit, void *cookie)
{
    sip_tls *t = (sip_tls *)ctx;
    (void)is_server; /* the role is the sip_tls's own (sip_tls_config.server) */
    return sip__tlsf_status(t, sip_tls_pending_output(t, emit, cookie));
}

static int sip__tlsf_input(void *ctx, const uint8_t *in, size_t len, sip_tp_emit_fn deliver,
                           sip_tp_emit_fn emit, void *cookie)
{
    sip_tls *t = (sip_tls *)ctx;
    int r = sip_tls_input(t, in, len, deliver, cookie);
    /* handshake replies and alerts go out even when the input failed */
    int w = sip_tls_pending_output(t, emit, cookie);
    return sip__tlsf_status(t, r < 0 ? r : w);
}

static int sip__tlsf_output(void *ctx, const uint8_t *plain, size_t len, sip_tp_emit_fn emit,
                            void *cookie)
{
    int r = sip_tls_output((sip_tls *)ctx, plain, len, emit, cookie);
    return r < 0 ? r : 0;
}

static void sip__tlsf_close(void *ctx) { sip_tls_free((sip_tls *)ctx); }

static const sip_tp_filter sip__tls_tp_filter = {sizeof(sip_tp_filter), sip__tlsf_start,
                                                 sip__tlsf_input, sip__tlsf_output,
                                                 sip__tlsf_close};

SIP_TRANSPORT_DEF const sip_tp_filter *sip_tls_tp_filter(void) { return &sip__tls_tp_filter; }
#endif /* SIP_USE_OPENSSL */

#endif /* SIP_TRANSPORT_IMPLEMENTATION_DONE */
#endif /* SIP_TRANSPORT_IMPLEMENTATION */

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
