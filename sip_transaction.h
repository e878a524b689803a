#if defined(CVOIP_IMPLEMENTATION) && !defined(SIP_TRANSACTION_IMPLEMENTATION)
#define SIP_TRANSACTION_IMPLEMENTATION
#endif
/* sip_transaction.h - SIP transactions for C, sans-IO (RFC 3261 §17, §9,
 * §8.2.2.2; RFC 6026; RFC 4320; RFC 3263 §4.3 failover).
 *
 * Part of cvoip, single-file, MIT licence. Builds on sip.h and the
 * vocabulary of sip_transport.h (sip_tp, sip_target).
 *
 *     #define SIP_TRANSACTION_IMPLEMENTATION  (or CVOIP_IMPLEMENTATION)
 *     #include "sip_transaction.h"
 *
 * A transaction layer (sip_tsx_layer) holds the four state machines of
 * RFC 3261 Figures 5-8 as changed by RFC 6026: INVITE client (Calling,
 * Proceeding, Completed, Accepted), non-INVITE client (Trying, Proceeding,
 * Completed), INVITE server (Proceeding, Completed, Confirmed, Accepted),
 * non-INVITE server (Trying, Proceeding, Completed). Bytes arrive through
 * sip_tsx_receive() with the time, leave through the `send` callback, and
 * the transaction user (TU: UA core, proxy core) sees events through
 * `on_event`. sip_tsx_next_deadline() / sip_tsx_on_timeout() drive the
 * timers. Nothing here opens a socket, reads a clock or keeps global state.
 *
 * Options (define before the include):
 *   SIP_TRANSACTION_IMPLEMENTATION  compile the implementation here
 *   SIP_TRANSACTION_STATIC          make every function static
 *   SIP_TRANSACTION_MALLOC(n), SIP_TRANSACTION_FREE(p)
 *                                   the allocator (default malloc/free)
 *   SIP_TSX_MAX_HEADERS             header values a message may hold when
 *                                   the layer parses it (default 96; the
 *                                   array lives on the stack)
 *
 * Decisions, and why:
 *  - Handles are 64-bit ids (generation << 32 | index + 1), never pointers:
 *    a late call with the id of a finished transaction gets
 *    SIP_TSX_ERR_STALE, and 32-bit generations make aliasing practically
 *    impossible. Slots live in fixed chunks of 256, so a slot never moves
 *    while callbacks run.
 *  - Matching is O(1): one hash table (chained through the slots) keyed on
 *    the branch (client, §17.1.3) or branch + sent-by (server, §17.2.3;
 *    without the magic cookie: Request-URI, From tag, Call-ID, CSeq number
 *    and top Via, compared byte for byte, a simplification of the §12.2.1.1
 *    equality that every RFC 2543 retransmission meets because it repeats
 *    the same bytes). The method is compared on the chain (ACK matches the
 *    INVITE, CANCEL has its own transaction). The hash is seeded from the
 *    rand callback so that branches chosen by a peer cannot flood a bucket.
 *  - Merged requests (§8.2.2.2) are found through a second chain keyed on a
 *    seeded 64-bit fingerprint of From tag, Call-ID and CSeq, for server
 *    transactions whose request had no To tag; the layer only sets
 *    ev->merged, the TU answers 482 (a fingerprint collision would need
 *    2^64 work against a secret seed).
 *  - Memory: each transaction keeps what its machine still needs and no
 *    more: a client its request (retransmission, failover, ACK and CANCEL
 *    building) until a final response, then only the ACK (INVITE) or
 *    nothing; a server the request until its final response (for the
 *    100 Trying, the 487 and the reply helpers), then only the last
 *    response (retransmission).
 *  - The layer parses what it stores again when it builds from it (100
 *    Trying, ACK, CANCEL, sip_tsx_reply): rare paths, and keeping a parsed
 *    copy would triple the memory of every transaction.
 *  - Timers of length zero on reliable transports (D, I, J, K) terminate
 *    the transaction at once, in the same call; Timers A, E and G are not
 *    started on reliable transports. Retransmissions are scheduled from the
 *    previous deadline (exact schedules), or from now when the caller was
 *    late by more than an interval (never a burst).
 *  - A non-INVITE server transaction whose TU gives no final response
 *    within 64*T1 ends with a TIMEOUT event (timer SIP_TSX_TIMER_NO_ANSWER)
 *    and sends nothing: the client has given up by then (Timer F), and
 *    RFC 4320 §4.1 forbids the 408. INVITE server transactions have no such
 *    timer (ringing has no limit at this layer; the TU ends it).
 *  - The 100 Trying (§17.2.1) is sent by the layer when the TU has sent no
 *    response 200 ms (cfg.trying_ms) after the INVITE arrived.
 *  - The ACK of a 2xx has its own branch (§13.2.2.4), so it matches no
 *    transaction: it is passed up as SIP_TSX_EV_ACK with id 0 (an ACK that
 *    matches an INVITE server transaction in Accepted is passed up with its
 *    id, RFC 6026 §8.7). Responses matching no client transaction are
 *    passed up as SIP_TSX_EV_STRAY_RESPONSE (§18.1.2).
 *  - A new server transaction over cfg.max_transactions (or when memory
 *    runs out) is answered 503 with Retry-After, statelessly; an ACK is
 *    never answered.
 *  - The `send` callback must not call back into the same layer (queue the
 *    bytes instead); `on_event` may call any function of the layer except
 *    sip_tsx_layer_destroy() and sip_tsx_on_timeout().
 *  - A client transaction given several targets (RFC 3263 §4.3) moves to
 *    the next one, with a new branch (and the Via transport token of the
 *    new target) written into its stored request, after a transport error
 *    or a Timer B/F timeout before any response. The id stays the same.
 *  - Where a response goes (§18.2.2: received, rport, maddr) is the
 *    transport's decision: server transactions send to the sip_target the
 *    request came from, and the transport may read the response's Via.
 *
 * Licence: MIT, see the end of this file.
 */

#ifndef SIP_TRANSACTION_H
#define SIP_TRANSACTION_H

#include "sip_transport.h"

#ifndef SIP_TRANSACTION_DEF
#ifdef SIP_TRANSACTION_STATIC
#define SIP_TRANSACTION_DEF static
#else
#define SIP_TRANSACTION_DEF extern
#endif
#endif

#ifndef SIP_TSX_MAX_HEADERS
#define SIP_TSX_MAX_HEADERS 96
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Errors (range -500 .. -599; 0 is success)
 * --------------------------------------------------------------------- */

typedef enum sip_tsx_err {
    SIP_TSX_OK = 0,
    SIP_TSX_ERR_INVALID = -500,   /**< bad argument or unusable message */
    SIP_TSX_ERR_NOMEM = -501,     /**< the allocator failed */
    SIP_TSX_ERR_FULL = -502,      /**< cfg.max_transactions reached */
    SIP_TSX_ERR_STALE = -503,     /**< the id names no live transaction */
    SIP_TSX_ERR_STATE = -504,     /**< not allowed in the current state */
    SIP_TSX_ERR_TRANSPORT = -505, /**< send failed; transaction ended */
    SIP_TSX_ERR_BUSY = -506,      /**< called from a callback where not allowed */
    SIP_TSX_ERR_DUPLICATE = -507, /**< a client transaction with this branch
                                       and method exists */
    SIP_TSX_ERR_CALLBACK = -508   /**< the rand callback failed or is NULL */
} sip_tsx_err;

/** Short English text for a SIP_TSX_ERR_* code, or for a sip.h error
 *  (static storage, never NULL). */
SIP_TRANSACTION_DEF const char *sip_tsx_strerror(int err);

/* ------------------------------------------------------------------------
 * Vocabulary
 * --------------------------------------------------------------------- */

/** A transaction handle: generation << 32 | (slot index + 1). 0 is "none".
 *  A handle outlives its transaction harmlessly: every call with it then
 *  returns SIP_TSX_ERR_STALE. */
typedef uint64_t sip_tsx_id;

/** The four machines (RFC 3261 §17.1.1, §17.1.2, §17.2.1, §17.2.2). */
typedef enum sip_tsx_kind {
    SIP_TSX_ICT = 0,  /**< INVITE client transaction (Figure 5) */
    SIP_TSX_NICT,     /**< non-INVITE client transaction (Figure 6) */
    SIP_TSX_IST,      /**< INVITE server transaction (Figure 7) */
    SIP_TSX_NIST      /**< non-INVITE server transaction (Figure 8) */
} sip_tsx_kind;

/** States (Figures 5-8 with RFC 6026's Accepted). WAITING is a CANCEL
 *  client transaction held until the INVITE gets a provisional response
 *  (§9.1); TERMINATED is only ever reported in the TERMINATED event. */
typedef enum sip_tsx_state {
    SIP_TSX_STATE_CALLING = 1,
    SIP_TSX_STATE_TRYING,
    SIP_TSX_STATE_PROCEEDING,
    SIP_TSX_STATE_COMPLETED,
    SIP_TSX_STATE_CONFIRMED,
    SIP_TSX_STATE_ACCEPTED,
    SIP_TSX_STATE_TERMINATED,
    SIP_TSX_STATE_WAITING
} sip_tsx_state;

/** Name of a state ("Calling", "Proceeding", ...; "" when unknown). */
SIP_TRANSACTION_DEF const char *sip_tsx_state_name(int state);

/** Timers (RFC 3261 §17, Table 4; RFC 6026 L and M). TRYING is the 200 ms
 *  100-Trying delay of §17.2.1; NO_ANSWER ends a non-INVITE server
 *  transaction the TU never answered (see the decisions above). */
typedef enum sip_tsx_timer {
    SIP_TSX_TIMER_NONE = 0,
    SIP_TSX_TIMER_A, SIP_TSX_TIMER_B, SIP_TSX_TIMER_D, SIP_TSX_TIMER_E,
    SIP_TSX_TIMER_F, SIP_TSX_TIMER_G, SIP_TSX_TIMER_H, SIP_TSX_TIMER_I,
    SIP_TSX_TIMER_J, SIP_TSX_TIMER_K, SIP_TSX_TIMER_L, SIP_TSX_TIMER_M,
    SIP_TSX_TIMER_TRYING, SIP_TSX_TIMER_NO_ANSWER
} sip_tsx_timer;

/** What the TU is told. */
typedef enum sip_tsx_event_type {
    /** A new server transaction (id) for msg, a request seen for the first
     *  time: the TU answers with sip_tsx_respond() / sip_tsx_reply().
     *  merged: §8.2.2.2 (answer 482). For a CANCEL, cancelled names the
     *  server transaction it cancels (0: none, answer 481; §9.2). */
    SIP_TSX_EV_REQUEST = 1,
    /** A response on client transaction id: provisional, final, and for
     *  INVITE every 2xx (retransmissions too, RFC 6026 §8.4). */
    SIP_TSX_EV_RESPONSE,
    /** An ACK for a 2xx: id 0 (it matched nothing, §17.2.3) or the INVITE
     *  server transaction in Accepted it matched (RFC 6026 §8.7). */
    SIP_TSX_EV_ACK,
    /** A response that matched no client transaction (§18.1.2), id 0. */
    SIP_TSX_EV_STRAY_RESPONSE,
    /** Timer B, F (after the last target), H or NO_ANSWER fired: the
     *  transaction failed (timer says which); TERMINATED follows. */
    SIP_TSX_EV_TIMEOUT,
    /** The send callback failed with error (§17.1.4, §17.2.4);
     *  TERMINATED follows. */
    SIP_TSX_EV_TRANSPORT_ERROR,
    /** The transaction ended; id is already stale, ctx is the last use. */
    SIP_TSX_EV_TERMINATED
} sip_tsx_event_type;

/** One event. Pointers are valid during the callback only. */
typedef struct sip_tsx_event {
    sip_tsx_event_type type;
    sip_tsx_id id;            /**< the transaction, 0 for stray messages */
    sip_tsx_kind kind;        /**< its machine (for stray: IST for an ACK,
                                   ICT/NICT by CSeq method for a response) */
    void *ctx;                /**< the TU's pointer (sip_tsx_set_ctx) */
    const sip_msg *msg;       /**< REQUEST, RESPONSE, ACK, STRAY_RESPONSE */
    const sip_target *peer;   /**< where msg came from / the target used */
    int merged;               /**< REQUEST: §8.2.2.2 merged request */
    sip_tsx_id cancelled;     /**< REQUEST of a CANCEL: see above */
    sip_tsx_timer timer;      /**< TIMEOUT: which timer */
    int error;                /**< TRANSPORT_ERROR: what send returned */
} sip_tsx_event;

/** Configuration; zero fields take the defaults. */
typedef struct sip_tsx_config {
    uint32_t t1_ms;           /**< RTT estimate T1 (500 ms, §17.1.1.1) */
    uint32_t t2_ms;           /**< retransmission cap T2 (4000 ms) */
    uint32_t t4_ms;           /**< network lifetime T4 (5000 ms): I, K */
    uint32_t timer_d_ms;      /**< Timer D on unreliable transports
                                   (32000 ms, §17.1.1.2 "at least 32 s") */
    uint32_t trying_ms;       /**< 100 Trying delay (200 ms, §17.2.1) */
    uint32_t max_transactions;/**< live transactions (65536; max 2^24) */
    uint32_t retry_after_s;   /**< Retry-After of the over-limit 503 (5) */
    unsigned flags;           /**< SIP_TSX_F_* */
} sip_tsx_config;

enum {
    /** Never send the automatic 100 Trying (a TU that always answers at
     *  once, or a stateless-looking test). */
    SIP_TSX_F_NO_AUTO_TRYING = 1u << 0
};

/** Callbacks, copied at init. size = sizeof(sip_tsx_callbacks) so members
 *  can be added later. send and on_event are required. */
typedef struct sip_tsx_callbacks {
    uint32_t size;
    void *user;               /**< first argument of every callback */
    /** Send msg[0..len) to `to` (§18: the transport frames and picks or
     *  opens a connection). Returns 0, or a negative transport error
     *  (e.g. a SIP_TP_ERR_* of sip_transport.h), which ends the
     *  transaction (§17.1.4, §17.2.4) or moves it to its next target.
     *  Must not call into this layer. */
    int (*send)(void *user, const sip_target *to, const uint8_t *msg,
                size_t len);
    /** Events for the TU (see sip_tsx_event_type). */
    void (*on_event)(void *user, const sip_tsx_event *ev);
    /** Randomness (sip_rand_fn): the hash seeds at init and the new
     *  branches of a failover. NULL: fixed seeds and no failover. */
    int (*rand)(void *user, uint8_t *buf, size_t n);
} sip_tsx_callbacks;

struct sip__tsx;

/** The layer. Fields are readable (counters); change them only through
 *  the API. */
typedef struct sip_tsx_layer {
    sip_tsx_config cfg;       /**< effective values after init */
    sip_tsx_callbacks cb;
    struct sip__tsx **chunks; /**< slot chunks of 256 */
    uint32_t n_chunks, n_slots, free_head, count;
    uint32_t *buckets, *mbuckets; /**< main and merged-request chains */
    uint32_t bucket_mask;
    uint32_t *heap;           /**< timer heap of slot indices */
    uint32_t heap_n, heap_cap;
    uint64_t seed, mseed;
    int depth;                /**< callbacks running */
    int in_timeout;
    /* counters */
    uint64_t retransmissions; /**< requests and responses sent again */
    uint64_t absorbed;        /**< retransmitted messages absorbed */
    uint64_t rejected_503;    /**< requests answered 503 over the limit */
    uint64_t failovers;       /**< client moves to a next target */
} sip_tsx_layer;

/* ------------------------------------------------------------------------
 * Layer
 * --------------------------------------------------------------------- */

/** Initialise *L with cfg (NULL: defaults) and the callbacks. Allocates
 *  the chunk table and the first buckets through SIP_TRANSACTION_MALLOC.
 *  Returns 0, SIP_TSX_ERR_INVALID (NULL L or cb, cb->size too small, no
 *  send or on_event, max_transactions over 2^24, T1 0 after defaults,
 *  T2 < T1), SIP_TSX_ERR_NOMEM, SIP_TSX_ERR_CALLBACK (rand failed). */
SIP_TRANSACTION_DEF int sip_tsx_layer_init(sip_tsx_layer *L,
                                           const sip_tsx_config *cfg,
                                           const sip_tsx_callbacks *cb);

/** Free every transaction and table, with no events and nothing sent.
 *  Returns 0, or SIP_TSX_ERR_BUSY when called from a callback (nothing
 *  freed). L may be initialised again afterwards. */
SIP_TRANSACTION_DEF int sip_tsx_layer_destroy(sip_tsx_layer *L);

/** Live transactions. */
SIP_TRANSACTION_DEF uint32_t sip_tsx_count(const sip_tsx_layer *L);

/** When sip_tsx_on_timeout() must next run, µs on the caller's clock;
 *  UINT64_MAX when no timer runs. */
SIP_TRANSACTION_DEF uint64_t sip_tsx_next_deadline(const sip_tsx_layer *L);

/** Run every timer due at or before now_us (in deadline order):
 *  retransmissions (A, E, G), the 100 Trying, timeouts (B, F, H,
 *  NO_ANSWER) with failover, and the ends of Completed, Confirmed and
 *  Accepted (D, I, J, K, L, M). Returns the number of timers fired, or
 *  SIP_TSX_ERR_BUSY when called from inside a callback of this layer. */
SIP_TRANSACTION_DEF int sip_tsx_on_timeout(sip_tsx_layer *L, uint64_t now_us);

/* ------------------------------------------------------------------------
 * Incoming messages
 * --------------------------------------------------------------------- */

/** One message arrived from `from` (buf holds exactly one datagram or one
 *  framed stream message). Parses it (SIP_PARSE_DATAGRAM, at most
 *  SIP_TSX_MAX_HEADERS values) and calls sip_tsx_receive_msg(). Returns
 *  what that returns, or the sip_parse error (negative SIP_ERR_*) with
 *  *perr filled when non-NULL: nothing is sent for a bad message, the
 *  caller may answer perr->status statelessly. */
SIP_TRANSACTION_DEF int sip_tsx_receive(sip_tsx_layer *L, const char *buf,
                                        size_t len, const sip_target *from,
                                        uint64_t now_us,
                                        sip_parse_error *perr);

/** A parsed message (from sip_parse; its spans must stay valid during the
 *  call) arrived from `from`. Responses go to the client transaction
 *  matching branch and CSeq method (§17.1.3), else up as stray. Requests go
 *  to the server transaction matching per §17.2.3 (retransmissions are
 *  absorbed or answered with the last response); an ACK for a non-2xx
 *  drives its INVITE transaction to Confirmed; a new request creates a
 *  server transaction (a copy of the request is kept) and is passed up.
 *  Returns 0, SIP_TSX_ERR_INVALID (no Via, CSeq, Call-ID, From or To, or a
 *  response status out of 100..699), SIP_TSX_ERR_FULL (over the limit:
 *  answered 503 statelessly), SIP_TSX_ERR_NOMEM (answered 503 too),
 *  SIP_TSX_ERR_TRANSPORT (an answer could not be sent). */
SIP_TRANSACTION_DEF int sip_tsx_receive_msg(sip_tsx_layer *L, const sip_msg *m,
                                            const sip_target *from,
                                            uint64_t now_us);

/* ------------------------------------------------------------------------
 * Client transactions (RFC 3261 §17.1)
 * --------------------------------------------------------------------- */

/** Start a client transaction for the request req[0..len) (built by the
 *  TU, with a top Via carrying a branch that starts with "z9hG4bK",
 *  §8.1.1.7) toward targets[0..n_targets) (RFC 3263 order; copied). The
 *  request is copied and sent at once to targets[0]. An INVITE starts
 *  Figure 5 (Calling), any other method but ACK Figure 6 (Trying). ctx is
 *  the TU's pointer for events. *out (may be NULL) gets the id. The layer
 *  reads only what it needs (method, top Via) when the request has the
 *  one-line form sip_build_request() writes, and parses it whole
 *  otherwise; the TU is trusted for the rest of its own request.
 *  Returns 0, SIP_TSX_ERR_INVALID (unparsable request, a response, ACK,
 *  no branch or no magic cookie, n_targets 0 or over 65535, a target
 *  with SIP_TP_NONE), SIP_TSX_ERR_DUPLICATE, SIP_TSX_ERR_FULL,
 *  SIP_TSX_ERR_NOMEM, or SIP_TSX_ERR_TRANSPORT when the send failed on
 *  every target (the TRANSPORT_ERROR and TERMINATED events have run). */
SIP_TRANSACTION_DEF int sip_tsx_request(sip_tsx_layer *L, const char *req,
                                        size_t len, const sip_target *targets,
                                        size_t n_targets, void *ctx,
                                        uint64_t now_us, sip_tsx_id *out);

/** Cancel the INVITE client transaction `invite` (RFC 3261 §9.1): builds
 *  the CANCEL (Request-URI, Call-ID, To, From, CSeq number and the single
 *  top Via of the INVITE, its Route headers, CSeq method CANCEL) and starts
 *  its non-INVITE client transaction toward the INVITE's current target.
 *  If no provisional response has arrived yet the CANCEL waits (state
 *  WAITING) and is sent with the first one; a final response first ends
 *  it unsent. *out (may be NULL) gets the CANCEL's id. Returns 0,
 *  SIP_TSX_ERR_STALE, SIP_TSX_ERR_INVALID (not an INVITE client
 *  transaction), SIP_TSX_ERR_STATE (a final response arrived or a CANCEL
 *  exists), SIP_TSX_ERR_FULL, SIP_TSX_ERR_NOMEM, SIP_TSX_ERR_TRANSPORT. */
SIP_TRANSACTION_DEF int sip_tsx_cancel(sip_tsx_layer *L, sip_tsx_id invite,
                                       void *ctx, uint64_t now_us,
                                       sip_tsx_id *out);

/** Build the ACK of §17.1.1.3 for a non-2xx final response `resp` to the
 *  INVITE inv[0..inv_len): the INVITE's Request-URI, top Via only, Route
 *  headers, Max-Forwards (70 when absent), From, Call-ID and CSeq number;
 *  the response's To; CSeq method ACK; no body. The layer sends it by
 *  itself; this is public for tests and stateless elements. Builder
 *  conventions: bytes written, or SIP_ERR_NOSPACE with *needed; also
 *  SIP_TSX_ERR_INVALID (inv unparsable or not an INVITE, resp not a
 *  response). */
SIP_TRANSACTION_DEF int sip_tsx_build_ack(char *out, size_t cap,
                                          const char *inv, size_t inv_len,
                                          const sip_msg *resp, size_t *needed);

/** Build the CANCEL of §9.1 for the request req[0..len) (same rules as the
 *  ACK above, To from the request). Builder conventions; SIP_TSX_ERR_INVALID
 *  for an unparsable request. */
SIP_TRANSACTION_DEF int sip_tsx_build_cancel(char *out, size_t cap,
                                             const char *req, size_t len,
                                             size_t *needed);

/* ------------------------------------------------------------------------
 * Server transactions (RFC 3261 §17.2)
 * --------------------------------------------------------------------- */

/** The TU sends the response resp[0..len) (built by it, e.g. with
 *  sip_build_response() from the request of the REQUEST event) on server
 *  transaction id. The status line is read; the bytes are copied when the
 *  machine may retransmit them. 1xx: Proceeding; 2xx to an INVITE:
 *  Accepted (RFC 6026; later 2xx retransmissions from the TU are passed
 *  on); other finals: Completed. Returns 0, SIP_TSX_ERR_STALE,
 *  SIP_TSX_ERR_INVALID (not a response, status out of 100..699),
 *  SIP_TSX_ERR_STATE (a client transaction, or a final response already
 *  sent, except a 2xx again in Accepted), SIP_TSX_ERR_NOMEM,
 *  SIP_TSX_ERR_TRANSPORT (send failed: the transaction ended, the events
 *  have run). */
SIP_TRANSACTION_DEF int sip_tsx_respond(sip_tsx_layer *L, sip_tsx_id id,
                                        const char *resp, size_t len,
                                        uint64_t now_us);

/** Build a response from the request the server transaction keeps
 *  (sip_build_response(), §8.2.6.2: Vias, From, To with to_tag added when
 *  the request had none and status > 100, Call-ID, CSeq, then extra, body)
 *  and send it as sip_tsx_respond() does. reason NULL: the standard
 *  phrase. Returns what sip_tsx_respond() returns, SIP_TSX_ERR_STATE after
 *  a final response (the request is no longer kept), SIP_ERR_INVALID from
 *  the builder (bad to_tag or extra field), SIP_TSX_ERR_NOMEM. */
SIP_TRANSACTION_DEF int sip_tsx_reply(sip_tsx_layer *L, sip_tsx_id id,
                                      int status, const char *reason,
                                      sip_str to_tag,
                                      const sip_hdr_field *extra,
                                      size_t n_extra, sip_str body,
                                      uint64_t now_us);

/** Answer the CANCEL server transaction `cancel` per §9.2: 481 when it
 *  matched no transaction (ev->cancelled was 0), else 200, and 487 (Request
 *  Terminated, with to_tag) on the INVITE server transaction it cancels
 *  when that has sent no final response yet. Returns 1 when a 487 was
 *  sent, 0 when not, or an error of sip_tsx_reply() (SIP_TSX_ERR_INVALID
 *  when `cancel` is not a CANCEL server transaction). */
SIP_TRANSACTION_DEF int sip_tsx_answer_cancel(sip_tsx_layer *L,
                                              sip_tsx_id cancel,
                                              sip_str to_tag, uint64_t now_us);

/* ------------------------------------------------------------------------
 * Any transaction
 * --------------------------------------------------------------------- */

/** The state (sip_tsx_state) of a live transaction, or SIP_TSX_ERR_STALE. */
SIP_TRANSACTION_DEF int sip_tsx_state_of(const sip_tsx_layer *L, sip_tsx_id id);

/** The machine (sip_tsx_kind) of a live transaction, or SIP_TSX_ERR_STALE. */
SIP_TRANSACTION_DEF int sip_tsx_kind_of(const sip_tsx_layer *L, sip_tsx_id id);

/** The TU pointer of a live transaction (NULL when stale). */
SIP_TRANSACTION_DEF void *sip_tsx_ctx(const sip_tsx_layer *L, sip_tsx_id id);

/** Set the TU pointer. Returns 0 or SIP_TSX_ERR_STALE. */
SIP_TRANSACTION_DEF int sip_tsx_set_ctx(sip_tsx_layer *L, sip_tsx_id id,
                                        void *ctx);

/** The TU abandons a transaction: it ends at once, nothing is sent, and
 *  only the TERMINATED event runs. Returns 0 or SIP_TSX_ERR_STALE. */
SIP_TRANSACTION_DEF int sip_tsx_terminate(sip_tsx_layer *L, sip_tsx_id id);

#ifdef __cplusplus
}
#endif

#endif /* SIP_TRANSACTION_H */

/* ======================================================================== */
#ifdef SIP_TRANSACTION_IMPLEMENTATION
#ifndef SIP_TRANSACTION_IMPLEMENTATION_DONE
#define SIP_TRANSACTION_IMPLEMENTATION_DONE

#include <string.h>

#ifndef SIP_TRANSACTION_MALLOC
#include <stdlib.h>
#define SIP_TRANSACTION_MALLOC(n) malloc(n)
#define SIP_TRANSACTION_FREE(p) free(p)
#endif

#define SIP__TSX_CHUNK 256u
#define SIP__TSX_OFF UINT64_MAX
#define SIP__TSX_MAX (1u << 24)
#define SIP__TSX_KIN 48

/* Key fields kept per transaction, packed in kbuf (kend: cumulative ends).
 * Client: branch and, for extension methods, the method. Server with the
 * magic cookie: branch, sent-by host (lower case), method. RFC 2543 server:
 * method and the fields of the last part of §17.2.3. */
enum {
    SIP__K_BRANCH, SIP__K_HOST, SIP__K_METHOD, SIP__K_RURI, SIP__K_FROMTAG,
    SIP__K_CALLID, SIP__K_TOPVIA, SIP__K_TOTAG, SIP__K_RTOTAG, SIP__K_N
};

enum {
    SIP__TF_SERVER = 1u << 0,   /* IST or NIST */
    SIP__TF_COOKIE = 1u << 1,   /* server: branch has the magic cookie */
    SIP__TF_MERGE = 1u << 2,    /* in the merged-request chain */
    SIP__TF_RESPONDED = 1u << 3,/* client: got a response; server: sent one */
    SIP__TF_KHEAP = 1u << 4,    /* kbuf is allocated, not kin */
    SIP__TF_RTOTAG = 1u << 5    /* RFC 2543 server: response To tag kept */
};

typedef struct sip__tsx {
    uint32_t gen;           /* generation of the handle */
    uint32_t idx;           /* own slot index */
    uint32_t hnext;         /* main chain (index + 1), free list when free */
    uint32_t mnext;         /* merged-request chain */
    uint32_t heap_pos;      /* position + 1 in the timer heap, 0 = none */
    uint8_t kind, state, reliable, flags;
    sip_method method;
    uint16_t status;        /* last response sent (server) / received */
    uint16_t port;          /* sent-by port, 0 when absent */
    uint16_t n_targets, cur_target;
    uint16_t kend[SIP__K_N];
    uint32_t cseq;          /* RFC 2543 matching */
    uint32_t msg_len, out_len;
    uint32_t retx_ms;       /* current A / E / G interval */
    uint64_t hash, mkey;
    uint64_t due;           /* min(t_a, t_b, t_c): the heap key */
    uint64_t t_a;           /* retransmission: A, E, G */
    uint64_t t_b;           /* end: B D F H I J K L M NO_ANSWER */
    uint64_t t_c;           /* 100 Trying */
    char *kbuf;
    char *msg;              /* request: client always, server until final */
    char *out;              /* server: last response; ICT Completed: ACK */
    sip_target *targets;    /* &target when one */
    sip_target target;
    void *ctx;
    sip_tsx_id link;        /* INVITE <-> its CANCEL */
    char kin[SIP__TSX_KIN];
} sip__tsx;

/* ---- small helpers ------------------------------------------------------- */

SIP_TRANSACTION_DEF const char *sip_tsx_strerror(int err)
{
    switch (err) {
    case SIP_TSX_OK: return "ok";
    case SIP_TSX_ERR_INVALID: return "invalid argument or message";
    case SIP_TSX_ERR_NOMEM: return "out of memory";
    case SIP_TSX_ERR_FULL: return "transaction limit reached";
    case SIP_TSX_ERR_STALE: return "no such transaction (stale handle)";
    case SIP_TSX_ERR_STATE: return "not allowed in this state";
    case SIP_TSX_ERR_TRANSPORT: return "transport error";
    case SIP_TSX_ERR_BUSY: return "not allowed from a callback";
    case SIP_TSX_ERR_DUPLICATE: return "transaction exists";
    case SIP_TSX_ERR_CALLBACK: return "randomness callback failed";
    default: return sip_strerror(err);
    }
}

SIP_TRANSACTION_DEF const char *sip_tsx_state_name(int state)
{
    static const char *const names[] = {"", "Calling", "Trying", "Proceeding",
                                        "Completed", "Confirmed", "Accepted",
                                        "Terminated", "Waiting"};
    if (state < 0 || (size_t)state >= sizeof names / sizeof names[0]) return "";
    return names[state];
}

static sip__tsx *sip__tsx_slot(const sip_tsx_layer *L, uint32_t i)
{
    return &L->chunks[i / SIP__TSX_CHUNK][i % SIP__TSX_CHUNK];
}

static sip_tsx_id sip__tsx_id(const sip__tsx *t)
{
    return (sip_tsx_id)t->gen << 32 | (sip_tsx_id)(t->idx + 1u);
}

static sip__tsx *sip__tsx_get(const sip_tsx_layer *L, sip_tsx_id id)
{
    uint32_t i = (uint32_t)(id & 0xffffffffu), gen = (uint32_t)(id >> 32);
    sip__tsx *t;
    if (!L || !L->chunks || i == 0 || i > L->n_slots || gen == 0) return NULL;
    t = sip__tsx_slot(L, i - 1);
    return t->state && t->gen == gen ? t : NULL;
}

static int sip__tsx_alive(const sip__tsx *t, uint32_t gen)
{
    return t->state != 0 && t->gen == gen;
}

static sip_str sip__tsx_kf(const sip__tsx *t, int f)
{
    sip_str s;
    uint16_t b = f ? t->kend[f - 1] : 0;
    s.p = t->kbuf + b;
    s.len = (size_t)(t->kend[f] - b);
    return s;
}

static int sip__tsx_seq(sip_str a, sip_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static int sip__tsx_cookie(sip_str branch)
{
    return branch.len >= 7 && memcmp(branch.p, "z9hG4bK", 7) == 0;
}

static uint64_t sip__tsx_ms(uint32_t ms) { return (uint64_t)ms * 1000u; }

/* ---- hashing: seeded multiply-xor over 8-byte words ------------------------ */

static uint64_t sip__tsx_hw(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

static uint64_t sip__tsx_hash(uint64_t h, sip_str s, int lower)
{
    char b[64];
    size_t off = 0;
    h = sip__tsx_hw(h, (uint64_t)s.len);
    while (off < s.len) {
        size_t n = s.len - off, i;
        const char *p = s.p + off;
        if (n > sizeof b) n = sizeof b;
        if (lower) {
            for (i = 0; i < n; i++)
                b[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
            p = b;
        }
        for (i = 0; i + 8 <= n; i += 8) {
            uint64_t v;
            memcpy(&v, p + i, 8);
            h = sip__tsx_hw(h, v);
        }
        if (i < n) {
            uint64_t v = 0;
            memcpy(&v, p + i, n - i);
            h = sip__tsx_hw(h, v);
        }
        off += n;
    }
    return h;
}

static uint64_t sip__tsx_fin(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

/* What a request contributes to server matching (§17.2.3). */
typedef struct sip__tsx_skey {
    int cookie;
    sip_str branch, host, ruri, fromtag, callid, topvia, totag;
    uint16_t port;
    uint32_t cseq;
} sip__tsx_skey;

static void sip__tsx_skey_of(const sip_msg *m, sip__tsx_skey *k)
{
    const sip_hdr *v = sip_msg_find(m, SIP_HDR_VIA, NULL);
    memset(k, 0, sizeof *k);
    k->branch = m->via.branch;
    k->cookie = sip__tsx_cookie(m->via.branch);
    k->host = m->via.host;
    k->port = m->via.port;
    k->ruri = m->ruri_str;
    k->fromtag = m->from.tag;
    k->callid = m->call_id;
    k->topvia = v ? v->value : k->topvia;
    k->totag = m->to.tag;
    k->cseq = m->cseq.num;
}

static uint64_t sip__tsx_shash(const sip_tsx_layer *L, const sip__tsx_skey *k)
{
    uint64_t h;
    if (k->cookie) {
        h = sip__tsx_hash(L->seed ^ 0x5352u, k->branch, 0);
        h = sip__tsx_hash(h, k->host, 1);
        h = sip__tsx_hw(h, k->port);
    } else {
        h = sip__tsx_hash(L->seed ^ 0x3235u, k->ruri, 0);
        h = sip__tsx_hash(h, k->fromtag, 0);
        h = sip__tsx_hash(h, k->callid, 0);
        h = sip__tsx_hash(h, k->topvia, 0);
        h = sip__tsx_hw(h, k->cseq);
    }
    return sip__tsx_fin(h);
}

static uint64_t sip__tsx_chash(const sip_tsx_layer *L, sip_str branch)
{
    return sip__tsx_fin(sip__tsx_hash(L->seed ^ 0x434cu, branch, 0));
}

/* §8.2.2.2 fingerprint: From tag, Call-ID, CSeq (number and method). */
static uint64_t sip__tsx_mhash(const sip_tsx_layer *L, const sip_msg *m)
{
    uint64_t h = sip__tsx_hash(L->mseed, m->from.tag, 0);
    h = sip__tsx_hash(h, m->call_id, 0);
    h = sip__tsx_hash(h, m->cseq.method_str, 0);
    return sip__tsx_fin(sip__tsx_hw(h, m->cseq.num)) | 1u; /* never 0 */
}

/* ---- key buffer ----------------------------------------------------------- */

static int sip__tsx_kset(sip__tsx *t, const sip_str *f)
{
    size_t total = 0;
    int i;
    char *p;
    for (i = 0; i < SIP__K_N; i++) total += f[i].len;
    if (total > 0xffffu) return SIP_TSX_ERR_INVALID;
    if (total <= SIP__TSX_KIN) {
        p = t->kin;
    } else {
        p = (char *)SIP_TRANSACTION_MALLOC(total);
        if (!p) return SIP_TSX_ERR_NOMEM;
        t->flags |= SIP__TF_KHEAP;
    }
    t->kbuf = p;
    total = 0;
    for (i = 0; i < SIP__K_N; i++) {
        size_t j;
        if (f[i].len) memcpy(p + total, f[i].p, f[i].len);
        if (i == SIP__K_HOST) /* sent-by host compares case-insensitively */
            for (j = 0; j < f[i].len; j++)
                if (p[total + j] >= 'A' && p[total + j] <= 'Z') p[total + j] = (char)(p[total + j] + 32);
        total += f[i].len;
        t->kend[i] = (uint16_t)total;
    }
    return 0;
}

static void sip__tsx_kfree(sip__tsx *t)
{
    if (t->flags & SIP__TF_KHEAP) SIP_TRANSACTION_FREE(t->kbuf);
    t->flags &= (uint8_t)~SIP__TF_KHEAP;
    t->kbuf = t->kin;
}

/* Append the response To tag (the last field) for RFC 2543 ACK matching. */
static int sip__tsx_kadd_rtotag(sip__tsx *t, sip_str tag)
{
    size_t old = t->kend[SIP__K_RTOTAG - 1], total = old + tag.len;
    char *p = t->kbuf;
    if (total > 0xffffu) return SIP_TSX_ERR_INVALID;
    if (total > SIP__TSX_KIN || (t->flags & SIP__TF_KHEAP)) {
        p = (char *)SIP_TRANSACTION_MALLOC(total ? total : 1);
        if (!p) return SIP_TSX_ERR_NOMEM;
        if (old) memcpy(p, t->kbuf, old);
        sip__tsx_kfree(t);
        t->flags |= SIP__TF_KHEAP;
        t->kbuf = p;
    }
    if (tag.len) memcpy(p + old, tag.p, tag.len);
    t->kend[SIP__K_RTOTAG] = (uint16_t)total;
    t->flags |= SIP__TF_RTOTAG;
    return 0;
}

static int sip__tsx_method_eq(const sip__tsx *t, sip_method m, sip_str name)
{
    if (t->method != SIP_METHOD_OTHER) return t->method == m;
    return m == SIP_METHOD_OTHER && sip__tsx_seq(sip__tsx_kf(t, SIP__K_METHOD), name);
}

/* ---- chains ---------------------------------------------------------------- */

static void sip__tsx_link(sip_tsx_layer *L, sip__tsx *t)
{
    uint32_t b = (uint32_t)t->hash & L->bucket_mask;
    t->hnext = L->buckets[b];
    L->buckets[b] = t->idx + 1;
    if (t->flags & SIP__TF_MERGE) {
        b = (uint32_t)t->mkey & L->bucket_mask;
        t->mnext = L->mbuckets[b];
        L->mbuckets[b] = t->idx + 1;
    }
}

static void sip__tsx_unlink(sip_tsx_layer *L, sip__tsx *t)
{
    uint32_t *pp = &L->buckets[(uint32_t)t->hash & L->bucket_mask];
    while (*pp && *pp != t->idx + 1) pp = &sip__tsx_slot(L, *pp - 1)->hnext;
    if (*pp) *pp = t->hnext;
    t->hnext = 0;
    if (t->flags & SIP__TF_MERGE) {
        pp = &L->mbuckets[(uint32_t)t->mkey & L->bucket_mask];
        while (*pp && *pp != t->idx + 1) pp = &sip__tsx_slot(L, *pp - 1)->mnext;
        if (*pp) *pp = t->mnext;
        t->mnext = 0;
    }
}

/* Double the buckets when the load passes 1 (allocation failure keeps the
 * old table: longer chains, still correct). */
static void sip__tsx_grow(sip_tsx_layer *L)
{
    uint32_t n = (L->bucket_mask + 1u) * 2u, i;
    uint32_t *b, *mb;
    if (L->count <= L->bucket_mask + 1u || n > 2u * SIP__TSX_MAX) return;
    b = (uint32_t *)SIP_TRANSACTION_MALLOC((size_t)n * sizeof *b);
    mb = (uint32_t *)SIP_TRANSACTION_MALLOC((size_t)n * sizeof *mb);
    if (!b || !mb) {
        if (b) SIP_TRANSACTION_FREE(b);
        if (mb) SIP_TRANSACTION_FREE(mb);
        return;
    }
    memset(b, 0, (size_t)n * sizeof *b);
    memset(mb, 0, (size_t)n * sizeof *mb);
    SIP_TRANSACTION_FREE(L->buckets);
    SIP_TRANSACTION_FREE(L->mbuckets);
    L->buckets = b;
    L->mbuckets = mb;
    L->bucket_mask = n - 1u;
    for (i = 0; i < L->n_slots; i++) {
        sip__tsx *t = sip__tsx_slot(L, i);
        if (t->state) sip__tsx_link(L, t);
    }
}

/* ---- timer heap (min on due) ------------------------------------------------ */

static uint64_t sip__tsx_hdue(const sip_tsx_layer *L, uint32_t pos)
{
    return sip__tsx_slot(L, L->heap[pos])->due;
}

static void sip__tsx_hset(sip_tsx_layer *L, uint32_t pos, uint32_t idx)
{
    L->heap[pos] = idx;
    sip__tsx_slot(L, idx)->heap_pos = pos + 1u;
}

static void sip__tsx_hup(sip_tsx_layer *L, uint32_t pos)
{
    uint32_t idx = L->heap[pos];
    uint64_t d = sip__tsx_slot(L, idx)->due;
    while (pos > 0) {
        uint32_t parent = (pos - 1u) / 2u;
        if (sip__tsx_hdue(L, parent) <= d) break;
        sip__tsx_hset(L, pos, L->heap[parent]);
        pos = parent;
    }
    sip__tsx_hset(L, pos, idx);
}

static void sip__tsx_hdown(sip_tsx_layer *L, uint32_t pos)
{
    uint32_t idx = L->heap[pos];
    uint64_t d = sip__tsx_slot(L, idx)->due;
    for (;;) {
        uint32_t c = 2u * pos + 1u;
        if (c >= L->heap_n) break;
        if (c + 1u < L->heap_n && sip__tsx_hdue(L, c + 1u) < sip__tsx_hdue(L, c)) c++;
        if (sip__tsx_hdue(L, c) >= d) break;
        sip__tsx_hset(L, pos, L->heap[c]);
        pos = c;
    }
    sip__tsx_hset(L, pos, idx);
}

static void sip__tsx_hremove(sip_tsx_layer *L, sip__tsx *t)
{
    uint32_t pos;
    if (!t->heap_pos) return;
    pos = t->heap_pos - 1u;
    t->heap_pos = 0;
    L->heap_n--;
    if (pos == L->heap_n) return;
    sip__tsx_hset(L, pos, L->heap[L->heap_n]);
    sip__tsx_hup(L, pos);
    sip__tsx_hdown(L, sip__tsx_slot(L, L->heap[pos])->heap_pos - 1u);
}

/* Recompute due from the three timers and fix the heap. The heap has room
 * for every slot (grown with the slots), so this never fails. */
static void sip__tsx_resched(sip_tsx_layer *L, sip__tsx *t)
{
    uint64_t d = t->t_a;
    if (t->t_b < d) d = t->t_b;
    if (t->t_c < d) d = t->t_c;
    if (d == SIP__TSX_OFF) {
        sip__tsx_hremove(L, t);
        t->due = d;
        return;
    }
    t->due = d;
    if (!t->heap_pos) {
        L->heap[L->heap_n] = t->idx;
        t->heap_pos = ++L->heap_n;
    }
    sip__tsx_hup(L, t->heap_pos - 1u);
    sip__tsx_hdown(L, t->heap_pos - 1u);
}

/* ---- slots ------------------------------------------------------------------- */

static int sip__tsx_new_chunk(sip_tsx_layer *L, uint32_t c)
{
    sip__tsx *ch;
    uint32_t *heap;
    uint32_t i, cap = (c + 1u) * SIP__TSX_CHUNK;
    ch = (sip__tsx *)SIP_TRANSACTION_MALLOC(SIP__TSX_CHUNK * sizeof *ch);
    if (!ch) return SIP_TSX_ERR_NOMEM;
    if (cap > L->heap_cap) {
        heap = (uint32_t *)SIP_TRANSACTION_MALLOC((size_t)cap * sizeof *heap);
        if (!heap) {
            SIP_TRANSACTION_FREE(ch);
            return SIP_TSX_ERR_NOMEM;
        }
        if (L->heap_n) memcpy(heap, L->heap, (size_t)L->heap_n * sizeof *heap);
        if (L->heap) SIP_TRANSACTION_FREE(L->heap);
        L->heap = heap;
        L->heap_cap = cap;
    }
    memset(ch, 0, SIP__TSX_CHUNK * sizeof *ch);
    for (i = 0; i < SIP__TSX_CHUNK; i++) ch[i].gen = 1;
    L->chunks[c] = ch;
    return 0;
}

static sip__tsx *sip__tsx_alloc(sip_tsx_layer *L, int *err)
{
    sip__tsx *t;
    uint32_t i, gen;
    if (L->count >= L->cfg.max_transactions) {
        *err = SIP_TSX_ERR_FULL;
        return NULL;
    }
    if (L->free_head) {
        i = L->free_head - 1u;
        t = sip__tsx_slot(L, i);
        L->free_head = t->hnext;
    } else {
        i = L->n_slots;
        if (i / SIP__TSX_CHUNK >= L->n_chunks) {
            *err = SIP_TSX_ERR_FULL;
            return NULL;
        }
        if (!L->chunks[i / SIP__TSX_CHUNK] && (*err = sip__tsx_new_chunk(L, i / SIP__TSX_CHUNK)) != 0)
            return NULL;
        L->n_slots++;
        t = sip__tsx_slot(L, i);
    }
    gen = t->gen;
    memset(t, 0, sizeof *t);
    t->gen = gen;
    t->idx = i;
    t->kbuf = t->kin;
    t->targets = &t->target;
    t->t_a = t->t_b = t->t_c = t->due = SIP__TSX_OFF;
    L->count++;
    sip__tsx_grow(L); /* t is not live yet, so not linked twice */
    return t;
}

static void sip__tsx_release(sip_tsx_layer *L, sip__tsx *t)
{
    sip__tsx_unlink(L, t);
    sip__tsx_hremove(L, t);
    sip__tsx_kfree(t);
    if (t->msg) SIP_TRANSACTION_FREE(t->msg);
    if (t->out) SIP_TRANSACTION_FREE(t->out);
    if (t->targets != &t->target) SIP_TRANSACTION_FREE(t->targets);
    t->msg = t->out = NULL;
    t->targets = &t->target;
    t->state = 0;
    if (++t->gen == 0) t->gen = 1;
    t->hnext = L->free_head;
    L->free_head = t->idx + 1u;
    L->count--;
}

/* ---- callbacks ------------------------------------------------------------------ */

static void sip__tsx_ev(sip_tsx_event *ev, sip_tsx_event_type type, const sip__tsx *t)
{
    memset(ev, 0, sizeof *ev);
    ev->type = type;
    if (t) {
        ev->id = sip__tsx_id(t);
        ev->kind = (sip_tsx_kind)t->kind;
        ev->ctx = t->ctx;
        ev->peer = &t->targets[t->cur_target];
    }
}

static void sip__tsx_emit(sip_tsx_layer *L, const sip_tsx_event *ev)
{
    L->depth++;
    L->cb.on_event(L->cb.user, ev);
    L->depth--;
}

static int sip__tsx_send(sip_tsx_layer *L, const sip_target *to, const char *b, size_t n)
{
    int r;
    L->depth++;
    r = L->cb.send(L->cb.user, to, (const uint8_t *)b, n);
    L->depth--;
    return r;
}

static int sip__tsx_send_t(sip_tsx_layer *L, const sip__tsx *t, const char *b, size_t n)
{
    return sip__tsx_send(L, &t->targets[t->cur_target], b, n);
}

/* Terminated: free the slot, then tell the TU (the id is stale by then).
 * A CANCEL still waiting for its INVITE's provisional response ends too. */
static void sip__tsx_end(sip_tsx_layer *L, sip__tsx *t)
{
    sip_tsx_event ev;
    sip_tsx_id link = t->link;
    sip__tsx *c;
    sip__tsx_ev(&ev, SIP_TSX_EV_TERMINATED, t);
    ev.peer = NULL;
    sip__tsx_release(L, t);
    sip__tsx_emit(L, &ev);
    c = sip__tsx_get(L, link);
    if (c && c->state == SIP_TSX_STATE_WAITING) sip__tsx_end(L, c);
}

/* TIMEOUT or TRANSPORT_ERROR, then the end (unless the TU ended it). */
static void sip__tsx_fail(sip_tsx_layer *L, sip__tsx *t, sip_tsx_event_type type,
                          sip_tsx_timer timer, int error)
{
    sip_tsx_event ev;
    uint32_t gen = t->gen;
    sip__tsx_ev(&ev, type, t);
    ev.timer = timer;
    ev.error = error;
    sip__tsx_emit(L, &ev);
    if (sip__tsx_alive(t, gen)) sip__tsx_end(L, t);
}

/* ---- parsing and building ------------------------------------------------------ */

static int sip__tsx_parse(const char *b, size_t n, sip_msg *m, sip_hdr *h,
                          sip_parse_error *perr)
{
    sip_parse_config pc;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    return sip_parse(b, n, &pc, m, h, SIP_TSX_MAX_HEADERS, perr);
}

/* A malloc'd copy of n bytes. */
static char *sip__tsx_dup(const char *p, size_t n)
{
    char *c = (char *)SIP_TRANSACTION_MALLOC(n ? n : 1);
    if (c && n) memcpy(c, p, n);
    return c;
}

/* The bytes of a parsed message: start line to the end of the body. */
static int sip__tsx_raw(const sip_msg *m, const char **p, size_t *n)
{
    if (!m->start_line.p || !m->body.p || m->body.p < m->start_line.p) return SIP_TSX_ERR_INVALID;
    *p = m->start_line.p;
    *n = (size_t)(m->body.p + m->body.len - m->start_line.p);
    return *n > 0xffffffffu ? SIP_TSX_ERR_INVALID : 0;
}

/* ACK (§17.1.1.3) or CANCEL (§9.1) from a parsed request: its
 * Request-URI, top Via only, Route values, Max-Forwards, From, `to`,
 * Call-ID, CSeq number with the new method; no body. */
static int sip__tsx_build_ac(char *out, size_t cap, const sip_msg *req,
                             const char *method, sip_str to, size_t *needed)
{
    sip_hdr_field f[SIP_TSX_MAX_HEADERS + 8];
    char cseq[32];
    size_t n = 0, i, ml = strlen(method), cl = 0;
    uint32_t v = req->cseq.num;
    char digits[12];
    int nd = 0;
    const sip_hdr *h;
    sip_str none = {NULL, 0};
    if (!req->is_request || !(req->present & SIP_HOT_VIA) || !to.p) return SIP_TSX_ERR_INVALID;
    h = sip_msg_find(req, SIP_HDR_VIA, NULL);
    if (!h) return SIP_TSX_ERR_INVALID;
    f[n].name = sip_str_c("Via");
    f[n++].value = h->value;
    for (i = 0; i < req->n_hdrs && n < SIP_TSX_MAX_HEADERS; i++)
        if (req->hdrs[i].id == SIP_HDR_ROUTE) {
            f[n].name = sip_str_c("Route");
            f[n++].value = req->hdrs[i].value;
        }
    f[n].name = sip_str_c("Max-Forwards");
    h = sip_msg_find(req, SIP_HDR_MAX_FORWARDS, NULL);
    f[n++].value = h ? h->value : sip_str_c("70");
    h = sip_msg_find(req, SIP_HDR_FROM, NULL);
    if (!h) return SIP_TSX_ERR_INVALID;
    f[n].name = sip_str_c("From");
    f[n++].value = h->value;
    f[n].name = sip_str_c("To");
    f[n++].value = to;
    h = sip_msg_find(req, SIP_HDR_CALL_ID, NULL);
    if (!h) return SIP_TSX_ERR_INVALID;
    f[n].name = sip_str_c("Call-ID");
    f[n++].value = h->value;
    do digits[nd++] = (char)('0' + v % 10u); while ((v /= 10u) != 0);
    while (nd) cseq[cl++] = digits[--nd];
    cseq[cl++] = ' ';
    memcpy(cseq + cl, method, ml);
    cl += ml;
    f[n].name = sip_str_c("CSeq");
    f[n].value.p = cseq;
    f[n++].value.len = cl;
    {
        sip_str ms;
        ms.p = method;
        ms.len = ml;
        return sip_build_request(out, cap, ms, req->ruri_str, f, n, none, needed);
    }
}

SIP_TRANSACTION_DEF int sip_tsx_build_ack(char *out, size_t cap,
                                          const char *inv, size_t inv_len,
                                          const sip_msg *resp, size_t *needed)
{
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    const sip_hdr *to;
    if (!inv || !resp || resp->is_request) return SIP_TSX_ERR_INVALID;
    if (sip__tsx_parse(inv, inv_len, &m, h, NULL) < 0 || !m.is_request ||
        m.method != SIP_METHOD_INVITE)
        return SIP_TSX_ERR_INVALID;
    to = sip_msg_find(resp, SIP_HDR_TO, NULL);
    if (!to) return SIP_TSX_ERR_INVALID;
    return sip__tsx_build_ac(out, cap, &m, "ACK", to->value, needed);
}

SIP_TRANSACTION_DEF int sip_tsx_build_cancel(char *out, size_t cap,
                                             const char *req, size_t len,
                                             size_t *needed)
{
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    const sip_hdr *to;
    if (!req) return SIP_TSX_ERR_INVALID;
    if (sip__tsx_parse(req, len, &m, h, NULL) < 0 || !m.is_request ||
        m.method == SIP_METHOD_ACK || m.method == SIP_METHOD_CANCEL)
        return SIP_TSX_ERR_INVALID;
    to = sip_msg_find(&m, SIP_HDR_TO, NULL);
    if (!to) return SIP_TSX_ERR_INVALID;
    return sip__tsx_build_ac(out, cap, &m, "CANCEL", to->value, needed);
}

/* A response built into a malloc'd buffer of the measured size. */
static int sip__tsx_build_resp(char **out, size_t *len, const sip_msg *req, int status,
                               const char *reason, sip_str to_tag,
                               const sip_hdr_field *extra, size_t n_extra, sip_str body)
{
    size_t need = 0;
    int r = sip_build_response(NULL, 0, req, status, reason, to_tag, extra, n_extra, body, &need);
    if (r != SIP_ERR_NOSPACE) return r < 0 ? r : SIP_TSX_ERR_INVALID;
    *out = (char *)SIP_TRANSACTION_MALLOC(need ? need : 1);
    if (!*out) return SIP_TSX_ERR_NOMEM;
    r = sip_build_response(*out, need, req, status, reason, to_tag, extra, n_extra, body, NULL);
    if (r < 0) {
        SIP_TRANSACTION_FREE(*out);
        *out = NULL;
        return r;
    }
    *len = (size_t)r;
    return 0;
}

/* The status of a response the TU gives: "SIP/2.0 ddd" (§7.2). */
static int sip__tsx_status(const char *b, size_t n)
{
    int s;
    if (!b || n < 12 || memcmp(b, "SIP/2.0 ", 8) != 0) return SIP_TSX_ERR_INVALID;
    if (b[8] < '1' || b[8] > '6' || b[9] < '0' || b[9] > '9' || b[10] < '0' || b[10] > '9')
        return SIP_TSX_ERR_INVALID;
    if (b[11] != ' ' && b[11] != '\r' && b[11] != '\n') return SIP_TSX_ERR_INVALID;
    s = (b[8] - '0') * 100 + (b[9] - '0') * 10 + (b[10] - '0');
    return s;
}

/* ---- layer ------------------------------------------------------------------------ */

SIP_TRANSACTION_DEF int sip_tsx_layer_init(sip_tsx_layer *L, const sip_tsx_config *cfg,
                                           const sip_tsx_callbacks *cb)
{
    size_t n;
    uint8_t seed[16];
    if (!L || !cb) return SIP_TSX_ERR_INVALID;
    if (cb->size < offsetof(sip_tsx_callbacks, on_event) + sizeof(cb->on_event))
        return SIP_TSX_ERR_INVALID;
    memset(L, 0, sizeof *L);
    n = cb->size < sizeof L->cb ? cb->size : sizeof L->cb;
    memcpy(&L->cb, cb, n);
    L->cb.size = (uint32_t)sizeof L->cb;
    if (!L->cb.send || !L->cb.on_event) return SIP_TSX_ERR_INVALID;
    if (cfg) L->cfg = *cfg;
    if (!L->cfg.t1_ms) L->cfg.t1_ms = 500;
    if (!L->cfg.t2_ms) L->cfg.t2_ms = 4000;
    if (!L->cfg.t4_ms) L->cfg.t4_ms = 5000;
    if (!L->cfg.timer_d_ms) L->cfg.timer_d_ms = 32000;
    if (!L->cfg.trying_ms) L->cfg.trying_ms = 200;
    if (!L->cfg.max_transactions) L->cfg.max_transactions = 65536;
    if (!L->cfg.retry_after_s) L->cfg.retry_after_s = 5;
    if (L->cfg.max_transactions > SIP__TSX_MAX || L->cfg.t2_ms < L->cfg.t1_ms ||
        L->cfg.t1_ms > 0x3fffffffu / 64u)
        return SIP_TSX_ERR_INVALID;
    L->seed = 0x6a09e667f3bcc908ull;
    L->mseed = 0xbb67ae8584caa73bull;
    if (L->cb.rand) {
        uint64_t a, b;
        if (L->cb.rand(L->cb.user, seed, sizeof seed) != 0) return SIP_TSX_ERR_CALLBACK;
        memcpy(&a, seed, 8);
        memcpy(&b, seed + 8, 8);
        L->seed ^= a;
        L->mseed ^= b;
    }
    L->n_chunks = (L->cfg.max_transactions + SIP__TSX_CHUNK - 1u) / SIP__TSX_CHUNK;
    L->chunks = (sip__tsx **)SIP_TRANSACTION_MALLOC((size_t)L->n_chunks * sizeof *L->chunks);
    L->buckets = (uint32_t *)SIP_TRANSACTION_MALLOC(64u * sizeof *L->buckets);
    L->mbuckets = (uint32_t *)SIP_TRANSACTION_MALLOC(64u * sizeof *L->mbuckets);
    if (!L->chunks || !L->buckets || !L->mbuckets) {
        if (L->chunks) SIP_TRANSACTION_FREE(L->chunks);
        if (L->buckets) SIP_TRANSACTION_FREE(L->buckets);
        if (L->mbuckets) SIP_TRANSACTION_FREE(L->mbuckets);
        memset(L, 0, sizeof *L);
        return SIP_TSX_ERR_NOMEM;
    }
    memset(L->chunks, 0, (size_t)L->n_chunks * sizeof *L->chunks);
    memset(L->buckets, 0, 64u * sizeof *L->buckets);
    memset(L->mbuckets, 0, 64u * sizeof *L->mbuckets);
    L->bucket_mask = 63;
    return 0;
}

SIP_TRANSACTION_DEF int sip_tsx_layer_destroy(sip_tsx_layer *L)
{
    uint32_t i;
    if (!L) return SIP_TSX_ERR_INVALID;
    if (L->depth || L->in_timeout) return SIP_TSX_ERR_BUSY;
    if (!L->chunks) return 0;
    for (i = 0; i < L->n_slots; i++) {
        sip__tsx *t = sip__tsx_slot(L, i);
        if (!t->state) continue;
        sip__tsx_kfree(t);
        if (t->msg) SIP_TRANSACTION_FREE(t->msg);
        if (t->out) SIP_TRANSACTION_FREE(t->out);
        if (t->targets != &t->target) SIP_TRANSACTION_FREE(t->targets);
    }
    for (i = 0; i < L->n_chunks; i++)
        if (L->chunks[i]) SIP_TRANSACTION_FREE(L->chunks[i]);
    SIP_TRANSACTION_FREE(L->chunks);
    SIP_TRANSACTION_FREE(L->buckets);
    SIP_TRANSACTION_FREE(L->mbuckets);
    if (L->heap) SIP_TRANSACTION_FREE(L->heap);
    memset(L, 0, sizeof *L);
    return 0;
}

SIP_TRANSACTION_DEF uint32_t sip_tsx_count(const sip_tsx_layer *L)
{
    return L ? L->count : 0;
}

SIP_TRANSACTION_DEF uint64_t sip_tsx_next_deadline(const sip_tsx_layer *L)
{
    if (!L || !L->heap_n) return SIP__TSX_OFF;
    return sip__tsx_hdue(L, 0);
}

/* ---- sending helpers ------------------------------------------------------------- */

/* The next retransmission after prev: the exact schedule, or one interval
 * from now when the caller came later than the next one would be. */
static uint64_t sip__tsx_next(uint64_t prev, uint32_t ms, uint64_t now)
{
    uint64_t n = prev + sip__tsx_ms(ms);
    return n > now ? n : now + sip__tsx_ms(ms);
}

/* Replace *dst by the n bytes of buf (taken when owned, else copied). */
static int sip__tsx_keep(char **dst, uint32_t *dlen, char *buf, size_t n, int owned)
{
    char *c = owned ? buf : sip__tsx_dup(buf, n);
    if (!c) return SIP_TSX_ERR_NOMEM;
    if (*dst && *dst != c) SIP_TRANSACTION_FREE(*dst);
    *dst = c;
    *dlen = (uint32_t)n;
    return 0;
}

static void sip__tsx_drop(char **p, uint32_t *n)
{
    if (*p) SIP_TRANSACTION_FREE(*p);
    *p = NULL;
    *n = 0;
}

/* A stateless 503 (over the limit or out of memory) with Retry-After and a
 * To tag derived from the request, so a retransmission gets the same one
 * (§8.2.7). */
static int sip__tsx_reject(sip_tsx_layer *L, const sip_msg *m, const sip_target *from, int err)
{
    char ra[16], tag[17], *buf = NULL;
    static const char hx[] = "0123456789abcdef";
    sip_hdr_field x;
    size_t n = 0, i = 0;
    uint32_t v = L->cfg.retry_after_s;
    uint64_t f = sip__tsx_mhash(L, m);
    char d[12];
    int nd = 0;
    sip_str tg;
    do d[nd++] = (char)('0' + v % 10u); while ((v /= 10u) != 0);
    while (nd) ra[i++] = d[--nd];
    x.name = sip_str_c("Retry-After");
    x.value.p = ra;
    x.value.len = i;
    for (i = 0; i < 16; i++) tag[i] = hx[(f >> (4 * i)) & 15u];
    tag[16] = 0;
    tg.p = tag;
    tg.len = 16;
    L->rejected_503++;
    {
        sip_str none = {NULL, 0};
        if (sip__tsx_build_resp(&buf, &n, m, 503, NULL, tg, &x, 1, none) == 0) {
            sip__tsx_send(L, from, buf, n);
            SIP_TRANSACTION_FREE(buf);
        }
    }
    return err;
}

/* ---- client transactions ----------------------------------------------------------- */

static sip__tsx *sip__tsx_find_client(const sip_tsx_layer *L, sip_str branch, uint64_t h,
                                      sip_method method, sip_str mname)
{
    uint32_t i = L->buckets[(uint32_t)h & L->bucket_mask];
    while (i) {
        sip__tsx *t = sip__tsx_slot(L, i - 1u);
        if (t->hash == h && !(t->flags & SIP__TF_SERVER) &&
            sip__tsx_seq(sip__tsx_kf(t, SIP__K_BRANCH), branch) &&
            sip__tsx_method_eq(t, method, mname))
            return t;
        i = t->hnext;
    }
    return NULL;
}

/* A client transaction for the parsed request m whose bytes are raw
 * (owned: freed on failure). Linked, in WAITING, not started. */
static sip__tsx *sip__tsx_client_make(sip_tsx_layer *L, const sip_msg *m, char *raw,
                                      size_t rawlen, const sip_target *targets, size_t n,
                                      void *ctx, int *err)
{
    sip_str f[SIP__K_N];
    sip__tsx *t;
    uint64_t h = sip__tsx_chash(L, m->via.branch);
    if (sip__tsx_find_client(L, m->via.branch, h, m->method, m->method_str)) {
        *err = SIP_TSX_ERR_DUPLICATE;
        goto fail;
    }
    t = sip__tsx_alloc(L, err);
    if (!t) goto fail;
    memset(f, 0, sizeof f);
    f[SIP__K_BRANCH] = m->via.branch;
    if (m->method == SIP_METHOD_OTHER) f[SIP__K_METHOD] = m->method_str;
    if ((*err = sip__tsx_kset(t, f)) != 0) goto fail_t;
    if (n > 1) {
        t->targets = (sip_target *)SIP_TRANSACTION_MALLOC(n * sizeof *targets);
        if (!t->targets) {
            t->targets = &t->target;
            *err = SIP_TSX_ERR_NOMEM;
            goto fail_t;
        }
    }
    memcpy(t->targets, targets, n * sizeof *targets);
    t->n_targets = (uint16_t)n;
    t->msg = raw;
    t->msg_len = (uint32_t)rawlen;
    t->kind = (uint8_t)(m->method == SIP_METHOD_INVITE ? SIP_TSX_ICT : SIP_TSX_NICT);
    t->method = m->method;
    t->ctx = ctx;
    t->hash = h;
    t->state = SIP_TSX_STATE_WAITING;
    sip__tsx_link(L, t);
    return t;
fail_t:
    t->state = 1;
    sip__tsx_release(L, t); /* frees kbuf and targets; raw is not yet its own */
fail:
    SIP_TRANSACTION_FREE(raw);
    return NULL;
}

/* (Re)start on the current target: Calling / Trying, A or E (unreliable
 * only) and B or F, and the first send. Returns 0 or the send error. */
static int sip__tsx_client_start(sip_tsx_layer *L, sip__tsx *t, uint64_t now)
{
    uint64_t t1 = sip__tsx_ms(L->cfg.t1_ms);
    t->reliable = (uint8_t)sip_tp_reliable(t->targets[t->cur_target].tp);
    t->state = (uint8_t)(t->kind == SIP_TSX_ICT ? SIP_TSX_STATE_CALLING : SIP_TSX_STATE_TRYING);
    t->retx_ms = L->cfg.t1_ms;
    t->t_a = t->reliable ? SIP__TSX_OFF : now + t1;
    t->t_b = now + 64u * t1;
    t->t_c = SIP__TSX_OFF;
    sip__tsx_resched(L, t);
    return sip__tsx_send_t(L, t, t->msg, t->msg_len);
}

/* RFC 3263 §4.3: a new branch (and the new target's Via transport token)
 * written into the stored request, and a new key. */
static int sip__tsx_rebranch(sip_tsx_layer *L, sip__tsx *t)
{
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    char br[40], *nm, *nk, *w;
    int bl;
    const char *tpn = sip_tp_name(t->targets[t->cur_target].tp);
    sip_str tp, meth = sip__tsx_kf(t, SIP__K_METHOD);
    size_t tl, nlen, head, mid, tail;
    if (!L->cb.rand) return SIP_TSX_ERR_CALLBACK;
    L->depth++;
    bl = sip_gen_branch(br, sizeof br, L->cb.rand, L->cb.user);
    L->depth--;
    if (bl < 0) return SIP_TSX_ERR_CALLBACK;
    if (sip__tsx_parse(t->msg, t->msg_len, &m, h, NULL) < 0 || !m.via.branch.p ||
        !m.via.transport.p || m.via.transport.p > m.via.branch.p)
        return SIP_TSX_ERR_INVALID;
    tp = m.via.transport;
    tl = *tpn ? strlen(tpn) : tp.len;
    if (!*tpn) tpn = tp.p;
    head = (size_t)(tp.p - t->msg);
    mid = (size_t)(m.via.branch.p - (tp.p + tp.len));
    tail = t->msg_len - (size_t)(m.via.branch.p + m.via.branch.len - t->msg);
    nlen = head + tl + mid + (size_t)bl + tail;
    nm = (char *)SIP_TRANSACTION_MALLOC(nlen);
    nk = (char *)SIP_TRANSACTION_MALLOC((size_t)bl + meth.len);
    if (!nm || !nk) {
        if (nm) SIP_TRANSACTION_FREE(nm);
        if (nk) SIP_TRANSACTION_FREE(nk);
        return SIP_TSX_ERR_NOMEM;
    }
    w = nm;
    memcpy(w, t->msg, head), w += head;
    memcpy(w, tpn, tl), w += tl;
    memcpy(w, tp.p + tp.len, mid), w += mid;
    memcpy(w, br, (size_t)bl), w += bl;
    memcpy(w, m.via.branch.p + m.via.branch.len, tail);
    memcpy(nk, br, (size_t)bl);
    if (meth.len) memcpy(nk + bl, meth.p, meth.len);
    sip__tsx_unlink(L, t);
    sip__tsx_kfree(t);
    SIP_TRANSACTION_FREE(t->msg);
    t->msg = nm;
    t->msg_len = (uint32_t)nlen;
    t->kbuf = nk;
    t->flags |= SIP__TF_KHEAP;
    {
        int i;
        for (i = 0; i < SIP__K_N; i++)
            t->kend[i] = (uint16_t)(i < SIP__K_METHOD ? bl : bl + (int)meth.len);
    }
    t->hash = sip__tsx_chash(L, sip__tsx_kf(t, SIP__K_BRANCH));
    sip__tsx_link(L, t);
    L->failovers++;
    return 0;
}

/* A transport error or Timer B/F on a client transaction: the next target
 * while no response has come (RFC 3263 §4.3), else the failure event and
 * the end. Returns 0 when the transaction goes on, else the error. */
static int sip__tsx_client_failed(sip_tsx_layer *L, sip__tsx *t, sip_tsx_event_type type,
                                  sip_tsx_timer timer, int err, uint64_t now)
{
    while (!(t->flags & SIP__TF_RESPONDED) && t->cur_target + 1u < t->n_targets &&
           (t->state == SIP_TSX_STATE_CALLING || t->state == SIP_TSX_STATE_TRYING)) {
        int r;
        t->cur_target++;
        if (sip__tsx_rebranch(L, t) != 0) break;
        r = sip__tsx_client_start(L, t, now);
        if (r == 0) return 0;
        type = SIP_TSX_EV_TRANSPORT_ERROR;
        timer = SIP_TSX_TIMER_NONE;
        err = r;
    }
    sip__tsx_fail(L, t, type, timer, err);
    return type == SIP_TSX_EV_TIMEOUT ? SIP_TSX_ERR_STATE : SIP_TSX_ERR_TRANSPORT;
}

static void sip__tsx_end_waiting(sip_tsx_layer *L, sip__tsx *t)
{
    sip__tsx *c = sip__tsx_get(L, t->link);
    if (c && c->state == SIP_TSX_STATE_WAITING) sip__tsx_end(L, c);
}

static void sip__tsx_start_waiting(sip_tsx_layer *L, sip__tsx *t, uint64_t now)
{
    sip__tsx *c = sip__tsx_get(L, t->link);
    int r;
    if (!c || c->state != SIP_TSX_STATE_WAITING) return;
    r = sip__tsx_client_start(L, c, now);
    if (r) sip__tsx_client_failed(L, c, SIP_TSX_EV_TRANSPORT_ERROR, SIP_TSX_TIMER_NONE, r, now);
}

static void sip__tsx_emit_msg(sip_tsx_layer *L, sip__tsx *t, sip_tsx_event_type type,
                              const sip_msg *m)
{
    sip_tsx_event ev;
    sip__tsx_ev(&ev, type, t);
    ev.msg = m;
    sip__tsx_emit(L, &ev);
}

/* Figure 5 with RFC 6026: a response on an INVITE client transaction. */
static void sip__tsx_ict_response(sip_tsx_layer *L, sip__tsx *t, const sip_msg *m, uint64_t now)
{
    uint32_t gen = t->gen;
    int s = (int)m->status, r;
    if (t->state == SIP_TSX_STATE_CALLING || t->state == SIP_TSX_STATE_PROCEEDING) {
        t->flags |= SIP__TF_RESPONDED;
        t->status = (uint16_t)s;
        t->t_a = SIP__TSX_OFF;
        if (s < 200) {
            t->state = SIP_TSX_STATE_PROCEEDING;
            t->t_b = SIP__TSX_OFF;
            sip__tsx_resched(L, t);
            sip__tsx_emit_msg(L, t, SIP_TSX_EV_RESPONSE, m);
            if (sip__tsx_alive(t, gen)) sip__tsx_start_waiting(L, t, now);
            return;
        }
        if (s < 300) { /* RFC 6026 §8.4: Accepted, Timer M */
            t->state = SIP_TSX_STATE_ACCEPTED;
            t->t_b = now + 64u * sip__tsx_ms(L->cfg.t1_ms);
            sip__tsx_drop(&t->msg, &t->msg_len);
            sip__tsx_resched(L, t);
            sip__tsx_emit_msg(L, t, SIP_TSX_EV_RESPONSE, m);
            if (sip__tsx_alive(t, gen)) sip__tsx_end_waiting(L, t);
            return;
        }
        /* 300-699: ACK (§17.1.1.3), Completed, Timer D */
        {
            size_t need = 0;
            char *ack = NULL;
            r = sip_tsx_build_ack(NULL, 0, t->msg, t->msg_len, m, &need);
            if (r == SIP_ERR_NOSPACE && (ack = (char *)SIP_TRANSACTION_MALLOC(need)) != NULL)
                r = sip_tsx_build_ack(ack, need, t->msg, t->msg_len, m, NULL);
            else if (r == SIP_ERR_NOSPACE)
                r = SIP_TSX_ERR_NOMEM;
            if (r >= 0) {
                sip__tsx_keep(&t->out, &t->out_len, ack, (size_t)r, 1);
                r = 0;
            } else if (ack) {
                SIP_TRANSACTION_FREE(ack);
            }
        }
        sip__tsx_drop(&t->msg, &t->msg_len);
        t->state = SIP_TSX_STATE_COMPLETED;
        t->t_b = t->reliable ? SIP__TSX_OFF : now + sip__tsx_ms(L->cfg.timer_d_ms);
        sip__tsx_resched(L, t);
        if (r == 0) r = sip__tsx_send_t(L, t, t->out, t->out_len);
        sip__tsx_emit_msg(L, t, SIP_TSX_EV_RESPONSE, m);
        if (!sip__tsx_alive(t, gen)) return;
        sip__tsx_end_waiting(L, t);
        if (!sip__tsx_alive(t, gen)) return;
        if (r) sip__tsx_fail(L, t, SIP_TSX_EV_TRANSPORT_ERROR, SIP_TSX_TIMER_NONE, r);
        else if (t->reliable) sip__tsx_end(L, t); /* Timer D = 0 */
        return;
    }
    if (t->state == SIP_TSX_STATE_COMPLETED && s >= 300 && t->out) {
        L->retransmissions++; /* the response again: the ACK again */
        r = sip__tsx_send_t(L, t, t->out, t->out_len);
        if (r) sip__tsx_fail(L, t, SIP_TSX_EV_TRANSPORT_ERROR, SIP_TSX_TIMER_NONE, r);
        return;
    }
    if (t->state == SIP_TSX_STATE_ACCEPTED && s >= 200 && s < 300) {
        sip__tsx_emit_msg(L, t, SIP_TSX_EV_RESPONSE, m); /* RFC 6026 §8.4 */
        return;
    }
    L->absorbed++;
}

/* Figure 6: a response on a non-INVITE client transaction. */
static void sip__tsx_nict_response(sip_tsx_layer *L, sip__tsx *t, const sip_msg *m, uint64_t now)
{
    uint32_t gen = t->gen;
    int s = (int)m->status;
    if (t->state != SIP_TSX_STATE_TRYING && t->state != SIP_TSX_STATE_PROCEEDING) {
        L->absorbed++;
        return;
    }
    t->flags |= SIP__TF_RESPONDED;
    t->status = (uint16_t)s;
    if (s < 200) {
        t->state = SIP_TSX_STATE_PROCEEDING;
        sip__tsx_emit_msg(L, t, SIP_TSX_EV_RESPONSE, m);
        return;
    }
    t->state = SIP_TSX_STATE_COMPLETED;
    t->t_a = SIP__TSX_OFF;
    t->t_b = t->reliable ? SIP__TSX_OFF : now + sip__tsx_ms(L->cfg.t4_ms);
    sip__tsx_drop(&t->msg, &t->msg_len);
    sip__tsx_resched(L, t);
    sip__tsx_emit_msg(L, t, SIP_TSX_EV_RESPONSE, m);
    if (sip__tsx_alive(t, gen) && t->reliable) sip__tsx_end(L, t); /* Timer K = 0 */
}

static int sip__tsx_on_response(sip_tsx_layer *L, const sip_msg *m, const sip_target *from,
                                uint64_t now)
{
    sip__tsx *t = NULL;
    if (m->status < 100 || m->status > 699 || !(m->present & SIP_HOT_CSEQ))
        return SIP_TSX_ERR_INVALID;
    if ((m->present & SIP_HOT_VIA) && m->via.branch.p)
        t = sip__tsx_find_client(L, m->via.branch, sip__tsx_chash(L, m->via.branch),
                                 m->cseq.method, m->cseq.method_str);
    if (!t) { /* §18.1.2: to the core */
        sip_tsx_event ev;
        sip__tsx_ev(&ev, SIP_TSX_EV_STRAY_RESPONSE, NULL);
        ev.kind = m->cseq.method == SIP_METHOD_INVITE ? SIP_TSX_ICT : SIP_TSX_NICT;
        ev.msg = m;
        ev.peer = from;
        sip__tsx_emit(L, &ev);
        return 0;
    }
    if (t->kind == SIP_TSX_ICT) sip__tsx_ict_response(L, t, m, now);
    else sip__tsx_nict_response(L, t, m, now);
    return 0;
}

/* The fast path of sip_tsx_request(): the method and the top Via of a
 * request the TU built, read without a full parse (it is the largest cost
 * of starting a client transaction). The start line must be
 * "METHOD SP Request-URI SP SIP/2.0"; the first Via field must be on one
 * line without quotes. Anything else returns SIP_TSX_ERR_INVALID and the
 * caller parses the request fully. Fills method, method_str and via. */
static int sip__tsx_scan(const char *b, size_t n, sip_msg *m)
{
    const char *e = b + n, *sp, *line, *eol;
    memset(m, 0, sizeof *m);
    sp = n ? (const char *)memchr(b, ' ', n) : NULL;
    if (!sp || sp == b) return SIP_TSX_ERR_INVALID;
    eol = (const char *)memchr(sp, '\n', (size_t)(e - sp));
    if (!eol || eol - sp < 10 || memcmp(eol - 9, " SIP/2.0\r", 9) != 0) return SIP_TSX_ERR_INVALID;
    m->method_str.p = b;
    m->method_str.len = (size_t)(sp - b);
    m->method = sip_method_from_str(m->method_str);
    m->is_request = 1;
    for (line = eol + 1; line < e && *line != '\r' && *line != '\n'; line = eol + 1) {
        const char *colon, *v, *ve;
        sip_str name;
        eol = (const char *)memchr(line, '\n', (size_t)(e - line));
        if (!eol) return SIP_TSX_ERR_INVALID;
        colon = (const char *)memchr(line, ':', (size_t)(eol - line));
        if (!colon) return SIP_TSX_ERR_INVALID;
        name.p = line;
        name.len = (size_t)(colon - line);
        name = sip_str_trim(name);
        if (!sip_str_caseeq_c(name, "Via") && !sip_str_caseeq_c(name, "v")) continue;
        if (eol + 1 < e && (eol[1] == ' ' || eol[1] == '\t')) return SIP_TSX_ERR_INVALID;
        v = colon + 1;
        ve = eol;
        if (memchr(v, '"', (size_t)(ve - v))) return SIP_TSX_ERR_INVALID;
        {
            const char *comma = (const char *)memchr(v, ',', (size_t)(ve - v));
            sip_str val;
            if (comma) ve = comma;
            val.p = v;
            val.len = (size_t)(ve - v);
            val = sip_str_trim(val);
            if (sip_via_parse(val, &m->via) != 0) return SIP_TSX_ERR_INVALID;
        }
        m->present = SIP_HOT_VIA;
        return 0;
    }
    return SIP_TSX_ERR_INVALID;
}

SIP_TRANSACTION_DEF int sip_tsx_request(sip_tsx_layer *L, const char *req, size_t len,
                                        const sip_target *targets, size_t n_targets,
                                        void *ctx, uint64_t now_us, sip_tsx_id *out)
{
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    sip__tsx *t;
    char *raw;
    size_t i;
    int err = 0, r;
    if (out) *out = 0;
    if (!L || !L->chunks || !req || !targets || n_targets == 0 || n_targets > 0xffffu)
        return SIP_TSX_ERR_INVALID;
    for (i = 0; i < n_targets; i++)
        if (targets[i].tp == SIP_TP_NONE) return SIP_TSX_ERR_INVALID;
    if (sip__tsx_scan(req, len, &m) != 0) {
        if (sip__tsx_parse(req, len, &m, h, NULL) < 0 || !m.is_request) return SIP_TSX_ERR_INVALID;
        len = (size_t)(m.body.p + m.body.len - m.start_line.p);
        req = m.start_line.p;
    }
    if (m.method == SIP_METHOD_ACK || !sip__tsx_cookie(m.via.branch) || len > 0xffffffffu)
        return SIP_TSX_ERR_INVALID;
    raw = sip__tsx_dup(req, len);
    if (!raw) return SIP_TSX_ERR_NOMEM;
    t = sip__tsx_client_make(L, &m, raw, len, targets, n_targets, ctx, &err);
    if (!t) return err;
    if (out) *out = sip__tsx_id(t);
    r = sip__tsx_client_start(L, t, now_us);
    if (r) return sip__tsx_client_failed(L, t, SIP_TSX_EV_TRANSPORT_ERROR, SIP_TSX_TIMER_NONE, r, now_us);
    return 0;
}

SIP_TRANSACTION_DEF int sip_tsx_cancel(sip_tsx_layer *L, sip_tsx_id invite, void *ctx,
                                       uint64_t now_us, sip_tsx_id *out)
{
    sip__tsx *t = sip__tsx_get(L, invite), *c;
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    size_t need = 0;
    char *buf;
    int r, err = 0;
    if (out) *out = 0;
    if (!t) return SIP_TSX_ERR_STALE;
    if (t->kind != SIP_TSX_ICT) return SIP_TSX_ERR_INVALID;
    if ((t->state != SIP_TSX_STATE_CALLING && t->state != SIP_TSX_STATE_PROCEEDING) ||
        !t->msg || sip__tsx_get(L, t->link))
        return SIP_TSX_ERR_STATE;
    r = sip_tsx_build_cancel(NULL, 0, t->msg, t->msg_len, &need);
    if (r != SIP_ERR_NOSPACE) return r < 0 ? r : SIP_TSX_ERR_INVALID;
    buf = (char *)SIP_TRANSACTION_MALLOC(need);
    if (!buf) return SIP_TSX_ERR_NOMEM;
    r = sip_tsx_build_cancel(buf, need, t->msg, t->msg_len, NULL);
    if (r < 0 || sip__tsx_parse(buf, (size_t)r, &m, h, NULL) < 0) {
        SIP_TRANSACTION_FREE(buf);
        return r < 0 ? r : SIP_TSX_ERR_INVALID;
    }
    c = sip__tsx_client_make(L, &m, buf, (size_t)r, &t->targets[t->cur_target], 1, ctx, &err);
    if (!c) return err;
    c->link = invite;
    t->link = sip__tsx_id(c);
    if (out) *out = t->link;
    if (t->state == SIP_TSX_STATE_PROCEEDING) {
        r = sip__tsx_client_start(L, c, now_us);
        if (r) return sip__tsx_client_failed(L, c, SIP_TSX_EV_TRANSPORT_ERROR, SIP_TSX_TIMER_NONE, r, now_us);
    }
    return 0;
}

/* ---- server transactions ----------------------------------------------------------- */

enum { SIP__TSX_MATCH_SAME = 0, SIP__TSX_MATCH_CANCEL_TARGET = 1 };

/* §17.2.3: the server transaction a request matches (mode SAME), or the
 * one a CANCEL cancels (§9.2: the request's method taken as anything but
 * CANCEL or ACK). */
static sip__tsx *sip__tsx_find_server(const sip_tsx_layer *L, const sip_msg *m,
                                      const sip__tsx_skey *k, uint64_t h, int mode)
{
    uint32_t i = L->buckets[(uint32_t)h & L->bucket_mask];
    for (; i; i = sip__tsx_slot(L, i - 1u)->hnext) {
        sip__tsx *t = sip__tsx_slot(L, i - 1u);
        if (t->hash != h || !(t->flags & SIP__TF_SERVER)) continue;
        if (k->cookie) {
            if (!(t->flags & SIP__TF_COOKIE) || t->port != k->port ||
                !sip__tsx_seq(sip__tsx_kf(t, SIP__K_BRANCH), k->branch) ||
                !sip_str_caseeq(sip__tsx_kf(t, SIP__K_HOST), k->host))
                continue;
        } else {
            if ((t->flags & SIP__TF_COOKIE) || t->cseq != k->cseq ||
                !sip__tsx_seq(sip__tsx_kf(t, SIP__K_RURI), k->ruri) ||
                !sip__tsx_seq(sip__tsx_kf(t, SIP__K_FROMTAG), k->fromtag) ||
                !sip__tsx_seq(sip__tsx_kf(t, SIP__K_CALLID), k->callid) ||
                !sip__tsx_seq(sip__tsx_kf(t, SIP__K_TOPVIA), k->topvia))
                continue;
        }
        if (mode == SIP__TSX_MATCH_CANCEL_TARGET) {
            if (t->method == SIP_METHOD_CANCEL) continue;
        } else if (m->method == SIP_METHOD_ACK) {
            if (t->method != SIP_METHOD_INVITE) continue;
            /* RFC 2543: the ACK's To tag is the one of our response */
            if (!k->cookie && (!(t->flags & SIP__TF_RTOTAG) ||
                               !sip__tsx_seq(sip__tsx_kf(t, SIP__K_RTOTAG), k->totag)))
                continue;
            return t;
        } else if (!sip__tsx_method_eq(t, m->method, m->method_str)) {
            continue;
        }
        if (!k->cookie && !sip__tsx_seq(sip__tsx_kf(t, SIP__K_TOTAG), k->totag)) continue;
        return t;
    }
    return NULL;
}

static int sip__tsx_merged(const sip_tsx_layer *L, uint64_t mk)
{
    uint32_t i = L->mbuckets[(uint32_t)mk & L->bucket_mask];
    for (; i; i = sip__tsx_slot(L, i - 1u)->mnext)
        if (sip__tsx_slot(L, i - 1u)->mkey == mk) return 1;
    return 0;
}

static int sip__tsx_server_fail(sip_tsx_layer *L, sip__tsx *t, int r)
{
    sip__tsx_fail(L, t, SIP_TSX_EV_TRANSPORT_ERROR, SIP_TSX_TIMER_NONE, r);
    return SIP_TSX_ERR_TRANSPORT;
}

/* A retransmitted request (Figures 7, 8): the last response again, or
 * absorbed. */
static int sip__tsx_server_retx(sip_tsx_layer *L, sip__tsx *t)
{
    int r;
    if (t->out && (t->state == SIP_TSX_STATE_PROCEEDING || t->state == SIP_TSX_STATE_COMPLETED)) {
        L->retransmissions++;
        r = sip__tsx_send_t(L, t, t->out, t->out_len);
        return r ? sip__tsx_server_fail(L, t, r) : 0;
    }
    L->absorbed++;
    return 0;
}

/* An ACK (§17.2.1, RFC 6026 §8.7). */
static int sip__tsx_on_ack(sip_tsx_layer *L, const sip_msg *m, const sip__tsx_skey *k,
                           uint64_t h, const sip_target *from, uint64_t now)
{
    sip__tsx *t = sip__tsx_find_server(L, m, k, h, SIP__TSX_MATCH_SAME);
    sip_tsx_event ev;
    if (!t || t->state == SIP_TSX_STATE_ACCEPTED) {
        sip__tsx_ev(&ev, SIP_TSX_EV_ACK, t);
        ev.kind = SIP_TSX_IST;
        ev.msg = m;
        ev.peer = from;
        sip__tsx_emit(L, &ev);
        return 0;
    }
    if (t->state != SIP_TSX_STATE_COMPLETED) {
        L->absorbed++;
        return 0;
    }
    t->state = SIP_TSX_STATE_CONFIRMED; /* G and H stop, Timer I */
    t->t_a = SIP__TSX_OFF;
    t->t_b = t->reliable ? SIP__TSX_OFF : now + sip__tsx_ms(L->cfg.t4_ms);
    sip__tsx_drop(&t->out, &t->out_len);
    sip__tsx_resched(L, t);
    if (t->reliable) sip__tsx_end(L, t);
    return 0;
}

/* A request seen for the first time: a server transaction and the event. */
static int sip__tsx_server_new(sip_tsx_layer *L, const sip_msg *m, const sip__tsx_skey *k,
                               uint64_t h, const sip_target *from, uint64_t now)
{
    const char *raw;
    size_t rawlen;
    sip_str f[SIP__K_N];
    sip__tsx *t, *c = NULL;
    sip_tsx_event ev;
    int err = 0, merged = 0;
    if (sip__tsx_raw(m, &raw, &rawlen) != 0) return SIP_TSX_ERR_INVALID;
    t = sip__tsx_alloc(L, &err);
    if (!t) return sip__tsx_reject(L, m, from, err);
    memset(f, 0, sizeof f);
    if (k->cookie) {
        f[SIP__K_BRANCH] = k->branch;
        f[SIP__K_HOST] = k->host;
        t->flags |= SIP__TF_COOKIE;
    } else {
        f[SIP__K_RURI] = k->ruri;
        f[SIP__K_FROMTAG] = k->fromtag;
        f[SIP__K_CALLID] = k->callid;
        f[SIP__K_TOPVIA] = k->topvia;
        f[SIP__K_TOTAG] = k->totag;
    }
    if (m->method == SIP_METHOD_OTHER) f[SIP__K_METHOD] = m->method_str;
    t->flags |= SIP__TF_SERVER;
    t->state = SIP_TSX_STATE_TERMINATED; /* not yet running */
    if ((err = sip__tsx_kset(t, f)) != 0 || !(t->msg = sip__tsx_dup(raw, rawlen))) {
        sip__tsx_release(L, t);
        return sip__tsx_reject(L, m, from, err ? err : SIP_TSX_ERR_NOMEM);
    }
    t->msg_len = (uint32_t)rawlen;
    t->kind = (uint8_t)(m->method == SIP_METHOD_INVITE ? SIP_TSX_IST : SIP_TSX_NIST);
    t->method = m->method;
    t->port = k->port;
    t->cseq = k->cseq;
    t->target = *from;
    t->reliable = (uint8_t)sip_tp_reliable(from->tp);
    t->hash = h;
    if (m->method == SIP_METHOD_CANCEL) /* §9.2 */
        c = sip__tsx_find_server(L, m, k, h, SIP__TSX_MATCH_CANCEL_TARGET);
    if (c) t->link = sip__tsx_id(c);
    if (!m->to.tag.p) { /* §8.2.2.2 */
        t->mkey = sip__tsx_mhash(L, m);
        merged = sip__tsx_merged(L, t->mkey);
        t->flags |= SIP__TF_MERGE;
    }
    sip__tsx_link(L, t);
    if (t->kind == SIP_TSX_IST) {
        t->state = SIP_TSX_STATE_PROCEEDING;
        if (!(L->cfg.flags & SIP_TSX_F_NO_AUTO_TRYING))
            t->t_c = now + sip__tsx_ms(L->cfg.trying_ms);
    } else {
        t->state = SIP_TSX_STATE_TRYING;
        t->t_b = now + 64u * sip__tsx_ms(L->cfg.t1_ms); /* NO_ANSWER */
    }
    sip__tsx_resched(L, t);
    sip__tsx_ev(&ev, SIP_TSX_EV_REQUEST, t);
    ev.msg = m;
    ev.merged = merged;
    ev.cancelled = t->link;
    sip__tsx_emit(L, &ev);
    return 0;
}

static int sip__tsx_on_request(sip_tsx_layer *L, const sip_msg *m, const sip_target *from,
                               uint64_t now)
{
    const unsigned need = SIP_HOT_VIA | SIP_HOT_CSEQ | SIP_HOT_CALL_ID | SIP_HOT_FROM | SIP_HOT_TO;
    sip__tsx_skey k;
    uint64_t h;
    sip__tsx *t;
    if ((m->present & need) != need) return SIP_TSX_ERR_INVALID;
    sip__tsx_skey_of(m, &k);
    h = sip__tsx_shash(L, &k);
    if (m->method == SIP_METHOD_ACK) return sip__tsx_on_ack(L, m, &k, h, from, now);
    t = sip__tsx_find_server(L, m, &k, h, SIP__TSX_MATCH_SAME);
    if (t) return sip__tsx_server_retx(L, t);
    return sip__tsx_server_new(L, m, &k, h, from, now);
}

SIP_TRANSACTION_DEF int sip_tsx_receive_msg(sip_tsx_layer *L, const sip_msg *m,
                                            const sip_target *from, uint64_t now_us)
{
    if (!L || !L->chunks || !m || !from) return SIP_TSX_ERR_INVALID;
    return m->is_request ? sip__tsx_on_request(L, m, from, now_us)
                         : sip__tsx_on_response(L, m, from, now_us);
}

SIP_TRANSACTION_DEF int sip_tsx_receive(sip_tsx_layer *L, const char *buf, size_t len,
                                        const sip_target *from, uint64_t now_us,
                                        sip_parse_error *perr)
{
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    int r;
    if (!L || !L->chunks || !buf || !from) return SIP_TSX_ERR_INVALID;
    r = sip__tsx_parse(buf, len, &m, h, perr);
    if (r < 0) return r;
    return sip_tsx_receive_msg(L, &m, from, now_us);
}

/* The TU's response on a server transaction (Figures 7, 8, RFC 6026).
 * buf is taken when owned (freed here if not kept). */
static int sip__tsx_respond(sip_tsx_layer *L, sip__tsx *t, char *buf, size_t len, int owned,
                            uint64_t now)
{
    int s = sip__tsx_status(buf, len), r, keep = 0;
    uint32_t gen = t->gen;
    uint64_t t1 = sip__tsx_ms(L->cfg.t1_ms);
    if (s < 0 || len > 0xffffffffu) r = SIP_TSX_ERR_INVALID;
    else if (!(t->flags & SIP__TF_SERVER)) r = SIP_TSX_ERR_STATE;
    else if (t->state == SIP_TSX_STATE_ACCEPTED && s >= 200 && s < 300) r = 0;
    else if (t->state != SIP_TSX_STATE_PROCEEDING && t->state != SIP_TSX_STATE_TRYING) r = SIP_TSX_ERR_STATE;
    else r = 1;
    if (r <= 0) { /* an error, or a 2xx again in Accepted: passed on */
        if (r == 0) r = sip__tsx_send_t(L, t, buf, len) ? SIP_TSX_ERR_TRANSPORT : 0;
        if (owned) SIP_TRANSACTION_FREE(buf);
        if (r == SIP_TSX_ERR_TRANSPORT) sip__tsx_server_fail(L, t, r);
        return r;
    }
    t->flags |= SIP__TF_RESPONDED;
    t->status = (uint16_t)s;
    t->t_c = SIP__TSX_OFF; /* no 100 Trying once the TU has answered */
    if (s < 200) {
        t->state = SIP_TSX_STATE_PROCEEDING;
        keep = 1;
    } else if (t->kind == SIP_TSX_IST && s < 300) { /* RFC 6026: Accepted, Timer L */
        t->state = SIP_TSX_STATE_ACCEPTED;
        t->t_b = now + 64u * t1;
        sip__tsx_drop(&t->out, &t->out_len);
    } else if (t->kind == SIP_TSX_IST) { /* Completed: G, H */
        if (!(t->flags & SIP__TF_COOKIE)) {
            sip_msg rm;
            sip_hdr rh[SIP_TSX_MAX_HEADERS];
            sip_str none = {NULL, 0};
            if (sip__tsx_parse(buf, len, &rm, rh, NULL) > 0) r = sip__tsx_kadd_rtotag(t, rm.to.tag);
            else r = sip__tsx_kadd_rtotag(t, none);
            if (r < 0) {
                if (owned) SIP_TRANSACTION_FREE(buf);
                return r;
            }
        }
        t->state = SIP_TSX_STATE_COMPLETED;
        t->retx_ms = L->cfg.t1_ms;
        t->t_a = t->reliable ? SIP__TSX_OFF : now + t1;
        t->t_b = now + 64u * t1;
        keep = 1;
    } else { /* non-INVITE: Completed, Timer J */
        t->state = SIP_TSX_STATE_COMPLETED;
        t->t_b = t->reliable ? SIP__TSX_OFF : now + 64u * t1;
        keep = 1;
    }
    if (s >= 200) sip__tsx_drop(&t->msg, &t->msg_len);
    if (keep) {
        if (sip__tsx_keep(&t->out, &t->out_len, buf, len, owned) != 0) {
            /* cannot keep it for retransmission: send once, forget */
            sip__tsx_drop(&t->out, &t->out_len);
            keep = 0;
        } else {
            owned = 0;
            buf = t->out;
        }
    }
    sip__tsx_resched(L, t);
    r = sip__tsx_send_t(L, t, buf, len);
    if (owned) SIP_TRANSACTION_FREE(buf);
    if (r) return sip__tsx_server_fail(L, t, r);
    if (sip__tsx_alive(t, gen) && t->state == SIP_TSX_STATE_COMPLETED && t->reliable &&
        t->kind == SIP_TSX_NIST)
        sip__tsx_end(L, t); /* Timer J = 0 */
    return 0;
}

SIP_TRANSACTION_DEF int sip_tsx_respond(sip_tsx_layer *L, sip_tsx_id id, const char *resp,
                                        size_t len, uint64_t now_us)
{
    sip__tsx *t = sip__tsx_get(L, id);
    if (!t) return SIP_TSX_ERR_STALE;
    if (!resp) return SIP_TSX_ERR_INVALID;
    return sip__tsx_respond(L, t, (char *)(uintptr_t)resp, len, 0, now_us);
}

SIP_TRANSACTION_DEF int sip_tsx_reply(sip_tsx_layer *L, sip_tsx_id id, int status,
                                      const char *reason, sip_str to_tag,
                                      const sip_hdr_field *extra, size_t n_extra,
                                      sip_str body, uint64_t now_us)
{
    sip__tsx *t = sip__tsx_get(L, id);
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    char *buf = NULL;
    size_t n = 0;
    int r;
    if (!t) return SIP_TSX_ERR_STALE;
    if (!(t->flags & SIP__TF_SERVER) || !t->msg) return SIP_TSX_ERR_STATE;
    if (sip__tsx_parse(t->msg, t->msg_len, &m, h, NULL) < 0) return SIP_TSX_ERR_INVALID;
    r = sip__tsx_build_resp(&buf, &n, &m, status, reason, to_tag, extra, n_extra, body);
    if (r) return r;
    return sip__tsx_respond(L, t, buf, n, 1, now_us);
}

SIP_TRANSACTION_DEF int sip_tsx_answer_cancel(sip_tsx_layer *L, sip_tsx_id cancel,
                                              sip_str to_tag, uint64_t now_us)
{
    sip__tsx *t = sip__tsx_get(L, cancel), *inv;
    sip_str none = {NULL, 0};
    sip_tsx_id link;
    int r;
    if (!t) return SIP_TSX_ERR_STALE;
    if (t->kind != SIP_TSX_NIST || t->method != SIP_METHOD_CANCEL) return SIP_TSX_ERR_INVALID;
    link = t->link;
    r = sip_tsx_reply(L, cancel, link ? 200 : 481, NULL, to_tag, NULL, 0, none, now_us);
    if (r < 0) return r;
    inv = sip__tsx_get(L, link);
    if (!inv || inv->kind != SIP_TSX_IST || inv->state != SIP_TSX_STATE_PROCEEDING) return 0;
    r = sip_tsx_reply(L, link, 487, NULL, to_tag, NULL, 0, none, now_us);
    return r < 0 ? r : 1;
}

/* ---- timers ---------------------------------------------------------------------------- */

/* The 100 Trying of §17.2.1, built from the kept INVITE. */
static void sip__tsx_fire_trying(sip_tsx_layer *L, sip__tsx *t)
{
    sip_msg m;
    sip_hdr h[SIP_TSX_MAX_HEADERS];
    char *buf = NULL;
    size_t n = 0;
    sip_str none = {NULL, 0};
    int r;
    if (t->kind != SIP_TSX_IST || t->state != SIP_TSX_STATE_PROCEEDING || t->out || !t->msg)
        return;
    if (sip__tsx_parse(t->msg, t->msg_len, &m, h, NULL) < 0) return;
    if (sip__tsx_build_resp(&buf, &n, &m, 100, NULL, none, NULL, 0, none) != 0) return;
    t->out = buf;
    t->out_len = (uint32_t)n;
    t->status = 100;
    r = sip__tsx_send_t(L, t, t->out, t->out_len);
    if (r) sip__tsx_server_fail(L, t, r);
}

/* Timer A, E or G: the request or the response again. */
static void sip__tsx_fire_retx(sip_tsx_layer *L, sip__tsx *t, uint64_t now)
{
    const char *b;
    uint32_t n, next, t2 = L->cfg.t2_ms;
    int r;
    if (t->kind == SIP_TSX_ICT && t->state == SIP_TSX_STATE_CALLING) {
        b = t->msg, n = t->msg_len;
        next = t->retx_ms * 2u; /* A doubles without a cap */
    } else if (t->kind == SIP_TSX_NICT &&
               (t->state == SIP_TSX_STATE_TRYING || t->state == SIP_TSX_STATE_PROCEEDING)) {
        b = t->msg, n = t->msg_len;
        next = t->state == SIP_TSX_STATE_PROCEEDING ? t2 : (t->retx_ms * 2u < t2 ? t->retx_ms * 2u : t2);
    } else if (t->kind == SIP_TSX_IST && t->state == SIP_TSX_STATE_COMPLETED && t->out) {
        b = t->out, n = t->out_len;
        next = t->retx_ms * 2u < t2 ? t->retx_ms * 2u : t2;
    } else {
        t->t_a = SIP__TSX_OFF;
        sip__tsx_resched(L, t);
        return;
    }
    t->t_a = sip__tsx_next(t->t_a, next, now);
    t->retx_ms = next;
    sip__tsx_resched(L, t);
    L->retransmissions++;
    r = sip__tsx_send_t(L, t, b, n);
    if (!r) return;
    if (t->flags & SIP__TF_SERVER) sip__tsx_server_fail(L, t, r);
    else sip__tsx_client_failed(L, t, SIP_TSX_EV_TRANSPORT_ERROR, SIP_TSX_TIMER_NONE, r, now);
}

/* The end timer of each state (Table 4; RFC 6026 L and M). */
static void sip__tsx_fire_end(sip_tsx_layer *L, sip__tsx *t, uint64_t now)
{
    int st = t->state;
    sip__tsx_resched(L, t);
    switch (t->kind) {
    case SIP_TSX_ICT:
        if (st == SIP_TSX_STATE_CALLING)
            sip__tsx_client_failed(L, t, SIP_TSX_EV_TIMEOUT, SIP_TSX_TIMER_B, 0, now);
        else if (st == SIP_TSX_STATE_COMPLETED || st == SIP_TSX_STATE_ACCEPTED)
            sip__tsx_end(L, t); /* D, M */
        break;
    case SIP_TSX_NICT:
        if (st == SIP_TSX_STATE_TRYING || st == SIP_TSX_STATE_PROCEEDING)
            sip__tsx_client_failed(L, t, SIP_TSX_EV_TIMEOUT, SIP_TSX_TIMER_F, 0, now);
        else if (st == SIP_TSX_STATE_COMPLETED)
            sip__tsx_end(L, t); /* K */
        break;
    case SIP_TSX_IST:
        if (st == SIP_TSX_STATE_COMPLETED)
            sip__tsx_fail(L, t, SIP_TSX_EV_TIMEOUT, SIP_TSX_TIMER_H, 0);
        else if (st == SIP_TSX_STATE_CONFIRMED || st == SIP_TSX_STATE_ACCEPTED)
            sip__tsx_end(L, t); /* I, L */
        break;
    default:
        if (st == SIP_TSX_STATE_TRYING || st == SIP_TSX_STATE_PROCEEDING)
            sip__tsx_fail(L, t, SIP_TSX_EV_TIMEOUT, SIP_TSX_TIMER_NO_ANSWER, 0); /* RFC 4320: no 408 */
        else if (st == SIP_TSX_STATE_COMPLETED)
            sip__tsx_end(L, t); /* J */
        break;
    }
}

/* Every timer of t due at now, earliest first (an end timer first on a
 * tie: nothing is retransmitted at the instant the machine ends). */
static int sip__tsx_fire(sip_tsx_layer *L, sip__tsx *t, uint64_t now)
{
    uint32_t gen = t->gen;
    int fired = 0;
    while (sip__tsx_alive(t, gen)) {
        uint64_t a = t->t_a, b = t->t_b, c = t->t_c;
        fired++;
        if (b <= now && b <= a && b <= c) {
            t->t_b = SIP__TSX_OFF;
            sip__tsx_fire_end(L, t, now);
        } else if (c <= now && c <= a) {
            t->t_c = SIP__TSX_OFF;
            sip__tsx_resched(L, t);
            sip__tsx_fire_trying(L, t);
        } else if (a <= now) {
            sip__tsx_fire_retx(L, t, now);
        } else {
            fired--;
            sip__tsx_resched(L, t);
            break;
        }
    }
    return fired;
}

SIP_TRANSACTION_DEF int sip_tsx_on_timeout(sip_tsx_layer *L, uint64_t now_us)
{
    int fired = 0;
    if (!L || !L->chunks) return SIP_TSX_ERR_INVALID;
    if (L->depth || L->in_timeout) return SIP_TSX_ERR_BUSY;
    L->in_timeout = 1;
    while (L->heap_n && sip__tsx_hdue(L, 0) <= now_us)
        fired += sip__tsx_fire(L, sip__tsx_slot(L, L->heap[0]), now_us);
    L->in_timeout = 0;
    return fired;
}

/* ---- any transaction -------------------------------------------------------------------- */

SIP_TRANSACTION_DEF int sip_tsx_state_of(const sip_tsx_layer *L, sip_tsx_id id)
{
    const sip__tsx *t = sip__tsx_get(L, id);
    return t ? (int)t->state : (int)SIP_TSX_ERR_STALE;
}

SIP_TRANSACTION_DEF int sip_tsx_kind_of(const sip_tsx_layer *L, sip_tsx_id id)
{
    const sip__tsx *t = sip__tsx_get(L, id);
    return t ? (int)t->kind : (int)SIP_TSX_ERR_STALE;
}

SIP_TRANSACTION_DEF void *sip_tsx_ctx(const sip_tsx_layer *L, sip_tsx_id id)
{
    const sip__tsx *t = sip__tsx_get(L, id);
    return t ? t->ctx : NULL;
}

SIP_TRANSACTION_DEF int sip_tsx_set_ctx(sip_tsx_layer *L, sip_tsx_id id, void *ctx)
{
    sip__tsx *t = sip__tsx_get(L, id);
    if (!t) return SIP_TSX_ERR_STALE;
    t->ctx = ctx;
    return 0;
}

SIP_TRANSACTION_DEF int sip_tsx_terminate(sip_tsx_layer *L, sip_tsx_id id)
{
    sip__tsx *t = sip__tsx_get(L, id);
    if (!t) return SIP_TSX_ERR_STALE;
    sip__tsx_end(L, t);
    return 0;
}

#endif /* SIP_TRANSACTION_IMPLEMENTATION_DONE */
#endif /* SIP_TRANSACTION_IMPLEMENTATION */

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
