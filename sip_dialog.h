#if defined(CVOIP_IMPLEMENTATION) && !defined(SIP_DIALOG_IMPLEMENTATION)
#define SIP_DIALOG_IMPLEMENTATION
#endif
/* sip_dialog.h - SIP user agent core for C, sans-IO: requests and
 * responses of a UA (RFC 3261 §8), dialogs (§12), INVITE sessions with
 * offer/answer (§13, §14, §15; RFC 3264 through sdp.h), CANCEL (§9),
 * client digest authentication (§22.2, RFC 7616), a REGISTER client
 * (§10.2; RFC 3327 Path, RFC 3608 Service-Route, RFC 5626 / RFC 5627
 * Contact parameters), subscriptions as subscriber and notifier (RFC
 * 6665, dialog usages of RFC 5057) and transfer: REFER with its implicit
 * subscription (RFC 3515, RFC 4488 Refer-Sub), Referred-By (RFC 3892),
 * Replaces (RFC 3891) and Join (RFC 3911);
 * and the INVITE-session extensions: reliable
 * provisional responses (RFC 3262), UPDATE (RFC 3311), session timers
 * (RFC 4028), INFO with Info Packages (RFC 6086) and OPTIONS capability
 * answers (§11.2).
 *
 * Part of cvoip, single-file, MIT licence. Builds on sip.h,
 * sip_transaction.h and sdp.h.
 *
 *     #define SIP_DIALOG_IMPLEMENTATION  (or CVOIP_IMPLEMENTATION)
 *     #include "sip_dialog.h"
 *
 * A UA core (sip_ua) owns one transaction layer (sip_tsx_layer, embedded
 * in the struct). Bytes arrive through sip_ua_receive() with the time;
 * everything the UA sends leaves through the `send` callback of
 * sip_ua_callbacks (the transaction layer's sends and the UA core's own:
 * ACKs for 2xx and 2xx retransmissions); the application sees calls,
 * media, registrations and subscriptions through `on_event`, and acts on
 * them through typed handles (sip_ua_call, sip_ua_reg, sip_ua_sub). sip_ua_next_deadline() /
 * sip_ua_on_timeout() drive both the UA timers and the transaction timers.
 *
 * Options (define before the include):
 *   SIP_DIALOG_IMPLEMENTATION   compile the implementation here
 *   SIP_DIALOG_STATIC           make every function static
 *   SIP_DIALOG_MALLOC(n), SIP_DIALOG_FREE(p)   the allocator (malloc/free)
 *   SIP_UA_MAX_MSG              largest message the UA builds (8192 bytes;
 *                               buffers of this size live on the stack)
 *   SIP_UA_MAX_ROUTES           route set entries kept per dialog (16)
 *   SIP_UA_MAX_MEDIA            m= lines negotiated (8, as sdp_local)
 *   SIP_UA_MAX_REALMS           cached digest realms (4)
 *   SIP_UA_MAX_INFO_BODY        largest INFO body sip_ua_info() sends (4096)
 *
 * Decisions, and why:
 *  - The UA owns its transaction layer (ua->tsx) rather than being given
 *    one: the UA must also send outside transactions (the ACK of a 2xx is
 *    its own transaction-less request, §13.2.2.4; the UAS core retransmits
 *    the 2xx itself after Timer L, §13.3.1.4), so one `send` callback
 *    serves both, and the layer's on_event is the UA's. The layer is still
 *    reachable (ua->tsx) for counters and configuration.
 *  - Handles are 64-bit typed ids (generation << 32 | index + 1) for calls
 *    and registrations: a late command on an ended call gets
 *    SIP_UA_ERR_STALE, never a dangling pointer.
 *  - Objects: a call (an INVITE usage: role, offer/answer state, timers)
 *    refers to a dialog (§12: Call-ID, tags, CSeqs, route set, remote
 *    target). A dialog carries a usage mask (SIP__UA_USE_*): the INVITE
 *    usage today, and later PRACK/UPDATE/subscriptions/REFER attach to the
 *    same dialog (RFC 5057's model) and share the method-agnostic
 *    in-dialog request path sip__ua_dlg_request(). Forked early dialogs
 *    of one INVITE are separate dialogs pointing to the same call.
 *  - Dialog strings live in one allocation per dialog (offsets, not
 *    pointers), rebuilt on a target refresh, so a confirmed call costs
 *    two small allocations (see bench_dialog.c for the figure).
 *  - Lookups are linear over the live calls, dialogs and registrations
 *    (bounded by the configured limits; a few thousand entries cost
 *    microseconds). A hash keyed on Call-ID is the next step when
 *    thousands of dialogs per UA become a use case.
 *  - Client requests are rebuilt from a copy of the bytes sent for
 *    authentication (§22.2): every header is kept but Via, CSeq, the
 *    credentials and Content-Length, CSeq is incremented and a new branch
 *    chosen; the copy is freed at the first final response that is not a
 *    challenge, so a confirmed call keeps no request bytes.
 *  - Digest (§22.2, RFC 7616): every WWW-/Proxy-Authenticate challenge of
 *    a 401/407 is answered in one retry; per realm SHA-256 is preferred,
 *    then SHA-512-256, then MD5. The password is asked from the
 *    application per challenge through `credentials` and never stored:
 *    the cache per realm keeps H(A1), nonce, opaque and nonce count, and
 *    later requests to the same host (WWW) or through the same proxy
 *    (Proxy) carry credentials with nc incremented. A stale=true
 *    challenge retries with the new nonce without asking again; a second
 *    challenge for a realm whose nonce we just used, without stale, ends
 *    the attempt with that response (no loop on a wrong password).
 *  - Outbound (RFC 5626): the UA core keeps no flow; it reports in the
 *    REGISTERED event the keep-alive interval for the registration's
 *    flow (keepalive_ms: 80-100 % of Flow-Timer, or 95-120 s, §4.4.1)
 *    when the registrar said Require: outbound, and the application runs
 *    the keep-alives where the flow lives (sip_transport_keepalive()).
 *  - Registration refresh happens at expires - min(expires / 2, 30 s)
 *    after the 200 (3600 s: 30 s early; 60 s: at 30 s; 10 s: at 5 s),
 *    from the expiry the registrar granted to our Contact. 423 is retried
 *    once per Min-Expires value given.
 *  - Out-of-dialog requests use the pre-loaded route set: the outbound
 *    proxy (cfg.outbound_proxy) then the Service-Route of the last
 *    successful registration (RFC 3608 §6).
 *  - Re-INVITEs arriving in a confirmed session are answered at once by
 *    the core (200 with an answer from the call's sdp_local, or 491 while
 *    our own re-INVITE is pending, §14.2; 500 with Retry-After while one
 *    from the peer is still unanswered); the application sees the media
 *    event. Glare retry (§14.1): 2.1..4 s when we chose the Call-ID,
 *    0..2 s otherwise, in 10 ms steps from the rand callback.
 *  - Answers to UAS-side requests the core does not handle (other than
 *    INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, PRACK, UPDATE, INFO,
 *    SUBSCRIBE, NOTIFY, REFER) are 405 with Allow, per
 *    sip_request_check()'s policy; unknown URI schemes get 416, unknown
 *    Require option tags 420 with Unsupported, bodies other than
 *    application/sdp (text/plain for MESSAGE; any for NOTIFY, whose
 *    bodies are the event package's) 415; Require: replaces, join and
 *    norefersub are understood.
 *  - Media: sdp_negotiated entries carry spans into the remote SDP; they
 *    are valid during the event only (the core keeps no SDP after the
 *    exchange; the application copies what it uses). The sdp_local given
 *    to sip_ua_call_start() / sip_ua_answer() must stay valid until the
 *    call ends (or another is given by sip_ua_reinvite()): offers,
 *    re-offers and answers are built from it, with o= version kept by the
 *    core and incremented for each new offer (RFC 3264 §8).
 *  - A CANCEL asked for before any provisional response waits inside the
 *    transaction layer (§9.1) and goes with the first one; a 2xx that
 *    crosses our CANCEL is ACKed and ended with BYE.
 *  - Subscriptions (RFC 6665) are objects of their own with typed handles
 *    (sip_ua_sub), one per dialog usage: a SUBSCRIBE makes a dialog with
 *    usage SUB only; a REFER's implicit subscription (RFC 3515) joins the
 *    call's dialog. A dialog ends with its last usage (RFC 5057 §5): a BYE
 *    ends the INVITE usage, the REFER's final NOTIFY still travels in the
 *    dialog. No subscription costs anything in a plain call.
 *  - Subscriber: the first NOTIFY may beat the 2xx and then forms the
 *    dialog; a NOTIFY from another fork becomes a new subscription with
 *    its own handle (RFC 6665 §4.1.2.4). Refresh as for registrations
 *    (expires - min(expires / 2, 30 s)); our own expiry waits 64*T1 past
 *    the granted time so the notifier's terminated NOTIFY is still
 *    matched; Timer N (64*T1 after the SUBSCRIBE without NOTIFY) ends it.
 *    "deactivated" resubscribes at once, "probation" after retry-after,
 *    with a new dialog and the same handle; other reasons end it.
 *  - Notifier: cfg.events lists the packages served (489 otherwise);
 *    the application answers SUBSCRIBE / REFER (at once or later: the
 *    request is kept until then, 64*T1 at most) and gives the bodies; the
 *    core sends the immediate NOTIFY, the NOTIFY after each refresh
 *    (without body unless the application sends one from the event),
 *    terminated;reason=timeout at expiry and after Expires: 0, and keeps
 *    no body. REFER's implicit subscription lasts 180 s and carries
 *    message/sipfrag status lines; Refer-Sub: false is always honoured.
 *  - Replaces / Join (RFC 3891 §3, RFC 3911 §4): matched against our
 *    dialogs before the INVITE is offered (481 no match or an early dialog
 *    we did not initiate, 486 early-only on a confirmed one); the
 *    replaced call ends (BYE, or CANCEL when early) once the new call is
 *    confirmed by its ACK, so a failed replacement loses nothing. Only the
 *    Replaces header of a Refer-To URI becomes a header of the referred
 *    INVITE (§19.1.5 lets a REFER set anything otherwise).
 *  - Reliable provisional responses (RFC 3262): cfg.rel100 OFF / SUPPORTED
 *    (Supported: 100rel) / REQUIRED (Require: 100rel on our INVITEs; an
 *    INVITE without 100rel support gets 421). A UAS sends a 1xx reliably
 *    when asked (sip_ua_progress) or when the INVITE has Require: 100rel.
 *    RSeq starts at a random value in 1..2^31-1 and grows by one. The
 *    1xx is retransmitted at T1, 2T1, 4T1... (§3 doubles without the T2
 *    cap of 2xx retransmissions) until the PRACK; after 64*T1 without one
 *    the INVITE is rejected with 500 (§3) and the call ends (cause
 *    TIMEOUT, status 500). A second reliable 1xx before the first is
 *    PRACKed, and a 2xx while a reliable 1xx with SDP is unacknowledged,
 *    are refused (SIP_UA_ERR_STATE) rather than queued: the application
 *    retries on SIP_UA_EV_PRACK. A UAC PRACKs each new reliable 1xx in
 *    RSeq order per early dialog; retransmissions and out-of-order ones
 *    are ignored (§4). Offers and answers (§5, RFC 6337 §3.1): an answer
 *    in a reliable 1xx completes the exchange (the 2xx repeats no SDP);
 *    an offer in a reliable 1xx is answered in the PRACK; an offer in a
 *    PRACK is answered in its 200. A PRACK matching no unacknowledged
 *    reliable 1xx gets 481.
 *  - UPDATE (RFC 3311) in early and confirmed dialogs once the first
 *    offer/answer is complete; an incoming UPDATE is answered by the core
 *    like a re-INVITE (200 with the answer and Contact; 491 while our
 *    offer is pending; 500 with Retry-After 0..10 s while the peer's is);
 *    491 to ours is retried after the §14.1 glare delay.
 *  - Session timers (RFC 4028), when cfg.session_timer: our INVITEs carry
 *    Supported: timer, Session-Expires (cfg.session_expires, 1800) and
 *    Min-SE (cfg.min_se, 90); a 422 is retried with its larger Min-SE (at
 *    most twice). As UAS the requested interval is kept (422 below our
 *    Min-SE) and the refresher is the one asked for, else uac when the UAC
 *    supports timer, else uas (§9). The refresher refreshes at SE/2 with
 *    UPDATE when the peer's Allow lists it (no SDP), else a re-INVITE; the
 *    other side sends BYE at SE - min(32 s, SE/3) without a refresh (§10)
 *    and the call ends with cause SESSION_EXPIRED. A 2xx without
 *    Session-Expires means no session timer (§7.2).
 *  - INFO (RFC 6086): cfg.recv_info lists the Info Packages we accept
 *    (sent as Recv-Info in INVITEs and their 1xx/2xx); an INFO with an
 *    Info-Package not listed gets 469 with our Recv-Info; a legacy INFO
 *    without Info-Package (application/dtmf-relay...) is delivered with
 *    any body type. Both are answered 200 by the core. The package of an
 *    outgoing INFO is not checked against the peer's Recv-Info (its 469
 *    comes back as SIP_UA_EV_INFO_DONE).
 *  - OPTIONS (§11.2) is answered 200 with Allow, Accept, Accept-Encoding
 *    (identity), Accept-Language (en), Supported (what the configuration
 *    enables) and, when cfg.local_sdp is set, an SDP of its capabilities.
 *
 * Licence: MIT, see the end of this file.
 */

#ifndef SIP_DIALOG_H
#define SIP_DIALOG_H

#include "sip_transaction.h"
#include "sdp.h"

#ifndef SIP_DIALOG_DEF
#ifdef SIP_DIALOG_STATIC
#define SIP_DIALOG_DEF static
#else
#define SIP_DIALOG_DEF extern
#endif
#endif

#ifndef SIP_UA_MAX_MSG
#define SIP_UA_MAX_MSG 8192
#endif
#ifndef SIP_UA_MAX_ROUTES
#define SIP_UA_MAX_ROUTES 16
#endif
#ifndef SIP_UA_MAX_MEDIA
#define SIP_UA_MAX_MEDIA 8
#endif
#ifndef SIP_UA_MAX_REALMS
#define SIP_UA_MAX_REALMS 4
#endif
#ifndef SIP_UA_MAX_INFO_BODY
#define SIP_UA_MAX_INFO_BODY 4096
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Errors (range -1100 .. -1199; 0 is success)
 * --------------------------------------------------------------------- */

/** Errors of the UA core. Functions may also return sip.h (SIP_ERR_*),
 *  sdp.h (SDP_ERR_*) and sip_transaction.h (SIP_TSX_ERR_*) codes where
 *  said. */
typedef enum sip_ua_err {
    SIP_UA_OK = 0,
    SIP_UA_ERR_INVALID = -1100,  /**< bad argument */
    SIP_UA_ERR_NOMEM = -1101,    /**< the allocator failed */
    SIP_UA_ERR_FULL = -1102,     /**< a configured limit is reached */
    SIP_UA_ERR_STALE = -1103,    /**< the handle names nothing live */
    SIP_UA_ERR_STATE = -1104,    /**< not allowed in the current state */
    SIP_UA_ERR_TRANSPORT = -1105,/**< the request could not be sent */
    SIP_UA_ERR_CALLBACK = -1106, /**< rand or resolve failed / missing */
    SIP_UA_ERR_TOO_BIG = -1107,  /**< a message over SIP_UA_MAX_MSG */
    SIP_UA_ERR_SDP = -1108       /**< an offer or answer could not be built */
} sip_ua_err;

/** Short English text for a SIP_UA_ERR_* code (or any code the lower
 *  layers return). Static storage, never NULL. */
SIP_DIALOG_DEF const char *sip_ua_strerror(int err);

/* ------------------------------------------------------------------------
 * Vocabulary
 * --------------------------------------------------------------------- */

/** A call handle: generation << 32 | (slot + 1); 0 is "none". */
typedef uint64_t sip_ua_call;
/** A registration handle, same shape. */
typedef uint64_t sip_ua_reg;
/** A subscription handle (RFC 6665; REFER's implicit one too), same shape. */
typedef uint64_t sip_ua_sub;

/** Call states as the application sees them. UAC: CALLING (INVITE sent),
 *  PROCEEDING (100 or a 1xx without tag), RINGING (180), EARLY (another
 *  1xx with a To tag: an early dialog, §12.1), ANSWERED (2xx received /
 *  sent), CONFIRMED (ACK sent / received), TERMINATED (with a cause).
 *  UAS: INCOMING, then RINGING/EARLY after our 180/183, ANSWERED after
 *  our 2xx, CONFIRMED on the ACK. */
typedef enum sip_ua_call_state {
    SIP_UA_CALL_NONE = 0,
    SIP_UA_CALL_CALLING,
    SIP_UA_CALL_INCOMING,
    SIP_UA_CALL_PROCEEDING,
    SIP_UA_CALL_RINGING,
    SIP_UA_CALL_EARLY,
    SIP_UA_CALL_ANSWERED,
    SIP_UA_CALL_CONFIRMED,
    SIP_UA_CALL_TERMINATED
} sip_ua_call_state;

/** Why a call ended. */
typedef enum sip_ua_cause {
    SIP_UA_CAUSE_NONE = 0,
    SIP_UA_CAUSE_LOCAL_BYE,     /**< we hung up with BYE (§15.1.1) */
    SIP_UA_CAUSE_REMOTE_BYE,    /**< the peer sent BYE (§15.1.2) */
    SIP_UA_CAUSE_LOCAL_CANCEL,  /**< we cancelled (§9.1) or rejected */
    SIP_UA_CAUSE_REMOTE_CANCEL, /**< the peer cancelled (§9.2) */
    SIP_UA_CAUSE_STATUS,        /**< a final non-2xx response (status) */
    SIP_UA_CAUSE_TIMEOUT,       /**< Timer B/F, no ACK for 64*T1, or no
                                     PRACK for 64*T1 (RFC 3262 §3; status
                                     500, the INVITE was rejected) */
    SIP_UA_CAUSE_TRANSPORT,     /**< the transport failed (§17.1.4) */
    SIP_UA_CAUSE_NO_ACK,        /**< UAS: no ACK for 64*T1 (§13.3.1.4) */
    SIP_UA_CAUSE_AUTH,          /**< a challenge we could not answer */
    SIP_UA_CAUSE_SESSION_EXPIRED /**< RFC 4028 §10: no refresh came before
                                      the session expiry (we sent BYE) */
} sip_ua_cause;

/** Registration states. */
typedef enum sip_ua_reg_state {
    SIP_UA_REG_NONE = 0,
    SIP_UA_REG_REGISTERING,     /**< REGISTER sent (first or refresh) */
    SIP_UA_REG_REGISTERED,      /**< 200 received; expires says how long */
    SIP_UA_REG_UNREGISTERING,   /**< Expires: 0 sent */
    SIP_UA_REG_UNREGISTERED,    /**< unregistered; the handle is gone */
    SIP_UA_REG_FAILED           /**< final error (status) or timeout;
                                     the handle is gone */
} sip_ua_reg_state;

/** What the application is told. */
typedef enum sip_ua_event_type {
    /** A new INVITE (call): answer with sip_ua_answer() or
     *  sip_ua_reject(). offer / media / n_media: the parsed offer and its
     *  negotiated view against cfg.local_sdp (n_media 0 without an offer
     *  or without cfg.local_sdp). replaces / joins: the call an RFC 3891
     *  Replaces / RFC 3911 Join header named (an INVITE naming none is
     *  answered 481 or 486 by the core and never offered). */
    SIP_UA_EV_INCOMING_CALL = 1,
    /** call moved to state (cause and status for TERMINATED; status for
     *  the 1xx/2xx that moved it). */
    SIP_UA_EV_CALL_STATE,
    /** An offer/answer exchange completed on call: media[0..n_media). */
    SIP_UA_EV_MEDIA,
    /** A re-INVITE of ours completed on call with status (2xx, or the
     *  final error; the session is unchanged after an error, §14.1). */
    SIP_UA_EV_REINVITE_DONE,
    /** reg moved to state (expires: granted seconds; status). */
    SIP_UA_EV_REG_STATE,
    /** A MESSAGE arrived (RFC 3428): msg; answered 200 by the core. */
    SIP_UA_EV_MESSAGE,
    /* ---- subscriptions and transfer (RFC 6665, RFC 3515) ---- */
    /** Notifier: a SUBSCRIBE created subscription `sub` (RFC 6665 §4.2.1):
     *  event (package and id as received), expires (asked, seconds), call
     *  (when it arrived inside a call's dialog), msg. Answer with
     *  sip_ua_sub_accept() or sip_ua_sub_reject(), now or later (the
     *  subscriber's Timer F runs meanwhile: 32 s). */
    SIP_UA_EV_SUBSCRIBE,
    /** sub moved to state (sip_ua_sub_state). TERMINATED: the handle is
     *  gone; sub_reason, status (the response that ended it, or 0).
     *  SUBSCRIBING (subscriber): a new SUBSCRIBE went out after a
     *  "deactivated" termination, or goes after retry-after seconds after
     *  a "probation" one (RFC 6665 §4.1.3); sub_reason says which.
     *  ACTIVE (notifier): a refreshing SUBSCRIBE set expires; the core
     *  sends the NOTIFY that RFC 6665 §4.2.1.2 requires unless the
     *  application called sip_ua_notify() during this event. */
    SIP_UA_EV_SUB_STATE,
    /** Subscriber: a NOTIFY arrived for sub (answered 200 by the core,
     *  RFC 6665 §4.1.3): state, sub_reason, expires and retry_after as the
     *  Subscription-State says, the body in msg; status: the status of a
     *  message/sipfrag body (REFER, RFC 3515 §2.4.5), else 0. forked_from:
     *  nonzero when this NOTIFY came from another fork and so created a new
     *  subscription `sub` (RFC 6665 §4.1.2.4); it names the original. */
    SIP_UA_EV_NOTIFY,
    /** A REFER arrived (RFC 3515 §2.4.2) in call's dialog (or out of
     *  dialog, call 0): refer_to, referred_by (RFC 3892; empty when absent),
     *  refer_sub (0 for Refer-Sub: false, RFC 4488), sub (the implicit
     *  subscription). Answer with sip_ua_sub_accept() (202) or
     *  sip_ua_sub_reject(); act with sip_ua_refer_call() and report with
     *  sip_ua_refer_notify(). */
    SIP_UA_EV_REFER,
    /** RFC 3262. UAS: the PRACK for our reliable 1xx arrived (status: that
     *  1xx's code, rseq, msg: the PRACK; answered 200 by the core); a
     *  held-back 2xx or the next reliable 1xx may be sent now. UAC: our
     *  PRACK got its final response (status, rseq, msg). */
    SIP_UA_EV_PRACK,
    /** RFC 3311: our UPDATE (sip_ua_update) completed with status (2xx:
     *  MEDIA came first; an error leaves the session unchanged). */
    SIP_UA_EV_UPDATE_DONE,
    /** RFC 4028: the session timer was set or refreshed: session_expires
     *  (seconds), refresher (1: we refresh, 0: the peer does). */
    SIP_UA_EV_SESSION_TIMER,
    /** RFC 6086: an INFO arrived on call (answered 200 by the core):
     *  info_package (absent for a legacy INFO), msg (its Content-Type and
     *  body). */
    SIP_UA_EV_INFO,
    /** RFC 6086: our INFO (sip_ua_info) got its final response: status. */
    SIP_UA_EV_INFO_DONE
} sip_ua_event_type;

/** One event. Pointers are valid during the callback only. */
typedef struct sip_ua_event {
    sip_ua_event_type type;
    sip_ua_call call;
    sip_ua_reg reg;
    int state;                 /**< sip_ua_call_state or sip_ua_reg_state */
    sip_ua_cause cause;        /**< TERMINATED */
    int status;                /**< the response that caused it, or 0 */
    uint32_t expires;          /**< REG_STATE REGISTERED: seconds granted */
    const sip_msg *msg;        /**< the message behind the event, or NULL */
    const sdp_session *offer;  /**< INCOMING_CALL: the parsed offer */
    const sdp_negotiated *media; /**< MEDIA, INCOMING_CALL */
    size_t n_media;
    /* ---- subscriptions and transfer ---- */
    sip_ua_sub sub;            /**< SUBSCRIBE, SUB_STATE, NOTIFY, REFER */
    sip_ua_sub forked_from;    /**< NOTIFY from a new fork: the original */
    int sub_reason;            /**< sip_ua_sub_reason (NOTIFY, SUB_STATE) */
    uint32_t retry_after;      /**< NOTIFY: retry-after seconds, 0 none */
    sip_str event;             /**< SUBSCRIBE, NOTIFY: the Event value */
    sip_str refer_to;          /**< REFER: the Refer-To value */
    sip_str referred_by;       /**< REFER: the Referred-By value */
    int refer_sub;             /**< REFER: 0 when Refer-Sub: false */
    sip_ua_call replaces;      /**< INCOMING_CALL: the call an RFC 3891
                                    Replaces names (the core ends it with
                                    BYE, or CANCEL when early, once the new
                                    call is confirmed), 0 none */
    sip_ua_call joins;         /**< INCOMING_CALL: the call an RFC 3911 Join
                                    names (the application mixes), 0 none */
    uint32_t rseq;             /**< PRACK: the RSeq acknowledged */
    uint32_t session_expires;  /**< SESSION_TIMER: interval in seconds */
    int refresher;             /**< SESSION_TIMER: 1 we refresh, 0 the peer */
    sip_str info_package;      /**< INFO: the Info-Package, absent if none */
    /** REG_STATE REGISTERED with outbound (cfg.reg_id set and the 200 has
     *  Require: outbound, RFC 5626 §4.2.1): the keep-alive interval for
     *  the registration's flow in ms, chosen at random between 80 % and
     *  100 % of the registrar's Flow-Timer, or without one between 95 and
     *  120 s (RFC 5626 §4.4.1). The application runs the keep-alives on
     *  that flow (sip_transport_keepalive() for a stream flow, STUN on
     *  UDP); a keep-alive failure means the flow is dead and the
     *  application registers again (§4.4.1). 0: no outbound flow. */
    uint32_t keepalive_ms;
} sip_ua_event;

/** Reliable provisional responses (RFC 3262) in sip_ua_config.rel100. */
typedef enum sip_ua_100rel {
    SIP_UA_100REL_OFF = 0,     /**< not supported (a Require: 100rel gets 420) */
    SIP_UA_100REL_SUPPORTED,   /**< Supported: 100rel; reliable when asked */
    SIP_UA_100REL_REQUIRED     /**< Require: 100rel on our INVITEs; incoming
                                    INVITEs without 100rel get 421; our 1xx
                                    are always reliable */
} sip_ua_100rel;

/** Configuration; strings are copied at init. Zero fields take the
 *  defaults. */
typedef struct sip_ua_config {
    const char *aor;           /**< our address of record, "sip:alice@a.example"
                                    (required): From of new requests, To of
                                    REGISTER */
    const char *display_name;  /**< From display name, NULL for none */
    const char *contact;       /**< our Contact URI, "sip:alice@192.0.2.1:5060"
                                    (required) */
    const char *via_sent_by;   /**< Via sent-by; NULL: host[:port] of contact */
    const char *user_agent;    /**< User-Agent value, NULL for none */
    const char *outbound_proxy;/**< pre-loaded route (a loose-routing URI
                                    "sip:p.example;lr"), NULL for none */
    const char *instance_id;   /**< RFC 5626 +sip.instance value (e.g.
                                    "<urn:uuid:...>"), NULL for none */
    uint32_t reg_id;           /**< RFC 5626 reg-id (with instance_id), 0 none */
    int gruu;                  /**< RFC 5627: Supported: gruu on REGISTER */
    const sdp_local *local_sdp;/**< default capabilities for the offer
                                    preview of INCOMING_CALL (NULL: none);
                                    must outlive the UA */
    uint32_t max_dialogs;      /**< live dialogs (1024) */
    uint32_t max_sessions;     /**< live calls (512) */
    uint32_t max_registrations;/**< live registrations (16) */
    uint32_t default_expires;  /**< REGISTER expires when 0 is asked (3600) */
    uint32_t max_subscriptions;/**< live subscriptions, both roles, REFER's
                                    implicit ones too (256) */
    const char *events;        /**< event packages we accept as notifier,
                                    "presence, dialog" (NULL: none); "refer"
                                    is always accepted. Sent as Allow-Events;
                                    other packages get 489 (RFC 6665 §4.2.1) */
    sip_tsx_config tsx;        /**< the transaction layer's configuration
                                    (T1, T2 are the UA's too) */
    int rel100;                /**< sip_ua_100rel (RFC 3262), OFF by default */
    int session_timer;         /**< nonzero: RFC 4028 session timers
                                    (Supported: timer, Session-Expires) */
    uint32_t session_expires;  /**< seconds asked for (1800; RFC 4028 §4) */
    uint32_t min_se;           /**< our Min-SE in seconds (90, the least
                                    RFC 4028 §5 allows) */
    const char *recv_info;     /**< RFC 6086 Info Packages we accept,
                                    "pkg1, pkg2" (NULL: none, no Recv-Info) */
} sip_ua_config;

/** Callbacks, copied at init. size = sizeof(sip_ua_callbacks). send, rand
 *  and on_event are required. */
typedef struct sip_ua_callbacks {
    uint32_t size;
    void *user;                /**< first argument of every callback */
    /** Send msg[0..len) to `to` (the transport). 0, or a negative error
     *  (the transaction fails, §17.1.4). Must not call into the UA. */
    int (*send)(void *user, const sip_target *to, const uint8_t *msg,
                size_t len);
    /** Randomness: tags, Call-IDs, branches, cnonces, glare delays. */
    int (*rand)(void *user, uint8_t *buf, size_t n);
    /** Events (may call any sip_ua_* function but sip_ua_destroy and
     *  sip_ua_on_timeout). */
    void (*on_event)(void *user, const sip_ua_event *ev);
    /** Where a request for next_hop (the first Route or the Request-URI)
     *  goes (RFC 3263). NULL: numeric hosts only (IPv4/IPv6 literal, port
     *  from the URI or the transport's default, transport= parameter or
     *  UDP; sips: TLS). Returns 0 or nonzero (the request fails with
     *  SIP_UA_ERR_CALLBACK). */
    int (*resolve)(void *user, const sip_uri *next_hop, sip_target *out);
    /** Credentials for realm (§22.2): write the username (NUL-terminated)
     *  into user_out[0..user_cap) and the password into pass_out; return 0,
     *  or nonzero when there are none (the challenged request then ends
     *  with its 401/407). NULL: no authentication. */
    int (*credentials)(void *user, sip_str realm, char *user_out,
                       size_t user_cap, char *pass_out, size_t pass_cap);
} sip_ua_callbacks;

struct sip__ua_call;
struct sip__ua_dlg;
struct sip__ua_reg;
struct sip__ua_req;
struct sip__ua_sub;

/** One cached digest realm (§22.2; private to the UA, readable). */
typedef struct sip_ua_realm {
    char realm[64];            /**< the challenge's realm */
    char host[64];             /**< host of the challenged Request-URI
                                    (WWW credentials go to it only) */
    char username[64];         /**< from the credentials callback */
    char nonce[128];           /**< the server's current nonce */
    char opaque[64];           /**< echoed back, "" when none */
    char ha1[65];              /**< H(username:realm:password), hex */
    uint32_t nc;               /**< nonce count last used (RFC 7616 §3.4) */
    uint8_t alg;               /**< sip_digest_alg chosen */
    uint8_t qop;               /**< sip_digest_qop: auth or none */
    uint8_t proxy;             /**< 1: Proxy-Authorization (407) */
    uint8_t used;              /**< slot in use */
} sip_ua_realm;

/** The UA core. Fields are readable; change them through the API only. */
typedef struct sip_ua {
    sip_tsx_layer tsx;         /**< the transaction layer the UA owns */
    sip_ua_config cfg;         /**< effective values; strings point into
                                    strs */
    sip_ua_callbacks cb;
    char *strs;                /**< copies of the configuration strings */
    struct sip__ua_call **calls;
    struct sip__ua_dlg **dlgs;
    struct sip__ua_reg **regs;
    struct sip__ua_req *reqs;  /**< client requests in flight (list) */
    struct sip__ua_sub **subs; /**< subscriptions (RFC 6665), max_subscriptions */
    uint32_t n_subs;
    uint32_t n_calls, n_dlgs, n_regs;
    uint32_t gen;              /**< next generation */
    uint64_t now;              /**< time of the running call */
    char *service_route;       /**< RFC 3608 route set ("<a>,<b>"), or NULL */
    sip_ua_realm realms[SIP_UA_MAX_REALMS];
    int depth;                 /**< event callbacks running */
    /* counters */
    uint64_t acks_sent;        /**< ACKs for 2xx (retransmissions too) */
    uint64_t retransmits_2xx;  /**< 2xx retransmitted by the UAS core */
} sip_ua;

/* ------------------------------------------------------------------------
 * The UA
 * --------------------------------------------------------------------- */

/** Initialise *ua with cfg (aor and contact required) and callbacks, and
 *  its transaction layer with cfg->tsx. Allocates the tables through
 *  SIP_DIALOG_MALLOC. Returns 0, SIP_UA_ERR_INVALID (NULL argument,
 *  cb->size too small, no send/rand/on_event, aor or contact missing or
 *  not a URI, rel100 not a sip_ua_100rel, min_se under 90 or over
 *  session_expires (RFC 4028 §4, §5)), SIP_UA_ERR_NOMEM, or a
 *  sip_tsx_layer_init() error. */
SIP_DIALOG_DEF int sip_ua_init(sip_ua *ua, const sip_ua_config *cfg,
                               const sip_ua_callbacks *cb);

/** Free every call, dialog, registration and transaction, with no events
 *  and nothing sent. Returns 0, or SIP_UA_ERR_STATE when called from a
 *  callback. */
SIP_DIALOG_DEF int sip_ua_destroy(sip_ua *ua);

/** One message arrived from `from` (one datagram or one framed stream
 *  message) at now_us. Returns 0, or what sip_tsx_receive() returns (a
 *  negative SIP_ERR_* for an unparsable message, *perr filled). */
SIP_DIALOG_DEF int sip_ua_receive(sip_ua *ua, const char *buf, size_t len,
                                  const sip_target *from, uint64_t now_us,
                                  sip_parse_error *perr);

/** When sip_ua_on_timeout() must next run (µs), UINT64_MAX for never:
 *  the earliest of the UA's timers and the transaction layer's. */
SIP_DIALOG_DEF uint64_t sip_ua_next_deadline(const sip_ua *ua);

/** Run the UA and transaction timers due at now_us: 2xx retransmission
 *  and ACK wait (§13.3.1.4), glare retries (§14.1), registration
 *  refreshes, ACK cache expiry, reliable 1xx retransmission and give-up
 *  (RFC 3262 §3), session refresh and expiry (RFC 4028 §10), subscription
 *  refreshes, expiries, retries and Timer N (RFC 6665). Returns the number
 *  of timers fired, or
 *  SIP_UA_ERR_STATE from inside a callback. */
SIP_DIALOG_DEF int sip_ua_on_timeout(sip_ua *ua, uint64_t now_us);

/** Live calls, dialogs and registrations. */
SIP_DIALOG_DEF uint32_t sip_ua_count_calls(const sip_ua *ua);
/** Live dialogs (early, confirmed, and ones being ended with BYE). */
SIP_DIALOG_DEF uint32_t sip_ua_count_dialogs(const sip_ua *ua);
/** Live registrations. */
SIP_DIALOG_DEF uint32_t sip_ua_count_regs(const sip_ua *ua);

/* ------------------------------------------------------------------------
 * Calls (RFC 3261 §13-§15, RFC 3264)
 * --------------------------------------------------------------------- */

/** Options of sip_ua_call_start(). */
enum {
    /** Send the INVITE without an offer: the offer is expected in the 2xx
     *  and the answer goes in the ACK (§13.2.1). */
    SIP_UA_CALL_NO_OFFER = 1u << 0
};

/** Call to_uri ("sip:bob@b.example", a URI, or a name-addr) with the
 *  local description `local` (kept by pointer until the call ends). Builds
 *  the INVITE (§8.1.1: Request-URI and To from to_uri, From with a new
 *  tag, a new Call-ID, CSeq 1, Max-Forwards 70, Contact, the pre-loaded
 *  Route set, Allow, Supported, SDP offer unless SIP_UA_CALL_NO_OFFER) and
 *  starts its transaction. *out gets the handle. Returns 0,
 *  SIP_UA_ERR_INVALID (bad URI, NULL local), SIP_UA_ERR_FULL,
 *  SIP_UA_ERR_NOMEM, SIP_UA_ERR_SDP, SIP_UA_ERR_TOO_BIG,
 *  SIP_UA_ERR_CALLBACK (rand/resolve), SIP_UA_ERR_TRANSPORT. */
SIP_DIALOG_DEF int sip_ua_call_start(sip_ua *ua, const char *to_uri,
                                     const sdp_local *local, unsigned flags,
                                     uint64_t now_us, sip_ua_call *out);

/** UAS: answer an incoming call with status 180, 183 (with an SDP answer
 *  when the INVITE had an offer) or 200..299 (answer, or our offer when
 *  the INVITE had none: the answer then comes in the ACK, §13.3.1).
 *  local is kept by pointer until the call ends (NULL: keep the one
 *  already given, or cfg.local_sdp). A 2xx is retransmitted by the core
 *  (T1 doubling to T2) until the ACK; after 64*T1 without ACK the call
 *  ends with BYE (cause NO_ACK). Returns 0, SIP_UA_ERR_STALE,
 *  SIP_UA_ERR_STATE (not an unanswered incoming call), SIP_UA_ERR_INVALID
 *  (status not 101..299, no sdp_local at all), SIP_UA_ERR_SDP (the offer
 *  cannot be answered), SIP_UA_ERR_NOMEM, or a sip_tsx_respond() error. */
SIP_DIALOG_DEF int sip_ua_answer(sip_ua *ua, sip_ua_call call, int status,
                                 const sdp_local *local, uint64_t now_us);

/** UAS: reject an unanswered incoming call with status 300..699 (486,
 *  603...; §13.3.1.3). The call ends (cause LOCAL_CANCEL, status). Returns
 *  0, SIP_UA_ERR_STALE, SIP_UA_ERR_STATE, SIP_UA_ERR_INVALID. */
SIP_DIALOG_DEF int sip_ua_reject(sip_ua *ua, sip_ua_call call, int status,
                                 uint64_t now_us);

/** UAC: cancel a call that has no final response (§9.1). Before any
 *  provisional response the CANCEL waits for one (inside the transaction
 *  layer). The call ends with the 487 (cause LOCAL_CANCEL). Returns 0,
 *  SIP_UA_ERR_STALE, SIP_UA_ERR_STATE (answered, or a UAS call), or a
 *  sip_tsx_cancel() error. */
SIP_DIALOG_DEF int sip_ua_cancel(sip_ua *ua, sip_ua_call call,
                                 uint64_t now_us);

/** End a call whatever its state: BYE when confirmed or answered
 *  (§15.1.1), CANCEL when early as UAC, 603 when unanswered as UAS. The
 *  TERMINATED event runs now (cause LOCAL_BYE / LOCAL_CANCEL); the handle
 *  is stale afterwards. A UAS whose 2xx is not yet ACKed sends the BYE
 *  when the ACK arrives (or after 64*T1), per §15; the call counts in
 *  sip_ua_count_calls() until then. Returns 0, SIP_UA_ERR_STALE, or an error of the
 *  BYE/CANCEL (the call ends anyway). */
SIP_DIALOG_DEF int sip_ua_hangup(sip_ua *ua, sip_ua_call call,
                                 uint64_t now_us);

/** Send a re-INVITE (§14.1) with a new offer from local (NULL: the
 *  current one; change a stream's dir to SDP_DIR_SENDONLY to hold,
 *  SENDRECV to resume), o= version + 1. The result comes as
 *  SIP_UA_EV_REINVITE_DONE (and MEDIA on success); a 491 is retried after
 *  the §14.1 delay. Returns 0, SIP_UA_ERR_STALE, SIP_UA_ERR_STATE (not
 *  confirmed, or an offer/answer exchange in progress), SIP_UA_ERR_SDP,
 *  SIP_UA_ERR_TOO_BIG, SIP_UA_ERR_CALLBACK, SIP_UA_ERR_TRANSPORT. */
SIP_DIALOG_DEF int sip_ua_reinvite(sip_ua *ua, sip_ua_call call,
                                   const sdp_local *local, uint64_t now_us);

/** The state (sip_ua_call_state) of a live call, or SIP_UA_ERR_STALE. */
SIP_DIALOG_DEF int sip_ua_call_state_of(const sip_ua *ua, sip_ua_call call);

/* ------------------------------------------------------------------------
 * INVITE-session extensions (RFC 3262, RFC 3311, RFC 4028, RFC 6086)
 * --------------------------------------------------------------------- */

/** UAS: send a provisional response (101..199) to an unanswered incoming
 *  call. reliable: send it reliably (RFC 3262 §3: Require: 100rel, RSeq;
 *  retransmitted until the PRACK, SIP_UA_EV_PRACK when it arrives); forced
 *  on when the INVITE had Require: 100rel or cfg.rel100 is REQUIRED and the
 *  INVITE supports it. sdp: NULL for no SDP, else the call's local
 *  description from now on (kept by pointer until the call ends, as for
 *  sip_ua_answer()) and the 1xx carries SDP: the answer when the INVITE had an
 *  offer (a reliable answer completes the offer/answer exchange, MEDIA
 *  runs), our offer when it had none (reliable only; the answer comes in
 *  the PRACK, §5), a repeat of the answer when already given. sip_ua_answer()
 *  with 180/183 uses this for the reliable case. Returns 0,
 *  SIP_UA_ERR_STALE, SIP_UA_ERR_STATE (not an unanswered incoming call; a
 *  reliable 1xx asked for when the INVITE did not support 100rel; a
 *  reliable 1xx while an earlier one waits for its PRACK, §3),
 *  SIP_UA_ERR_INVALID (status out of range),
 *  SIP_UA_ERR_SDP, SIP_UA_ERR_NOMEM, SIP_UA_ERR_CALLBACK (rand), or a
 *  sip_tsx_respond() error. */
SIP_DIALOG_DEF int sip_ua_progress(sip_ua *ua, sip_ua_call call, int status,
                                   int reliable, const sdp_local *sdp,
                                   uint64_t now_us);

/** Send an UPDATE (RFC 3311 §5.1) with a new offer from local (NULL: the
 *  current one; kept by pointer as for sip_ua_reinvite()), o= version + 1,
 *  in the call's early or confirmed dialog once its first offer/answer
 *  exchange is complete. The answer comes as SIP_UA_EV_MEDIA, then
 *  SIP_UA_EV_UPDATE_DONE with the status; a 491 is retried after the §14.1
 *  glare delay; 408/481 end the call with BYE (§12.2.1.2). Returns 0,
 *  SIP_UA_ERR_STALE, SIP_UA_ERR_STATE (no dialog yet, or an offer/answer
 *  exchange or UPDATE in progress), SIP_UA_ERR_SDP, SIP_UA_ERR_TOO_BIG,
 *  SIP_UA_ERR_CALLBACK, SIP_UA_ERR_TRANSPORT. */
SIP_DIALOG_DEF int sip_ua_update(sip_ua *ua, sip_ua_call call,
                                 const sdp_local *local, uint64_t now_us);

/** Send an INFO (RFC 6086 §4.2.1) in the call's early or confirmed dialog.
 *  package: the Info Package ("dtmf"; sent as Info-Package with
 *  Content-Disposition: Info-Package), or NULL for a legacy INFO (RFC 2976
 *  style, e.g. application/dtmf-relay). content_type ("type/subtype") and
 *  body[0..len) (copied, at most SIP_UA_MAX_INFO_BODY bytes; len 0: no
 *  body, content_type may be NULL). The final response comes as
 *  SIP_UA_EV_INFO_DONE. Returns 0, SIP_UA_ERR_STALE, SIP_UA_ERR_STATE (no
 *  dialog yet), SIP_UA_ERR_INVALID (CR/LF in package or content_type, a
 *  body without content_type, len over the limit), SIP_UA_ERR_TOO_BIG,
 *  SIP_UA_ERR_CALLBACK, SIP_UA_ERR_TRANSPORT. */
SIP_DIALOG_DEF int sip_ua_info(sip_ua *ua, sip_ua_call call,
                               const char *package, const char *content_type,
                               const void *body, size_t len, uint64_t now_us);

/* ------------------------------------------------------------------------
 * Registration (RFC 3261 §10.2, RFC 3327, RFC 3608, RFC 5626, RFC 5627)
 * --------------------------------------------------------------------- */

/** Register cfg.aor at registrar_uri ("sip:registrar.b.example") for
 *  expires seconds (0: cfg.default_expires) with contacts[0..n) (NULL or
 *  n 0: cfg.contact). Each Contact gets ;expires=N and, when configured,
 *  +sip.instance and reg-id. Refreshed automatically (see the decisions);
 *  401/407 answered per §22.2; 423 retried with Min-Expires. *out gets the
 *  handle. Returns 0, SIP_UA_ERR_INVALID, SIP_UA_ERR_FULL,
 *  SIP_UA_ERR_NOMEM, SIP_UA_ERR_TOO_BIG, SIP_UA_ERR_CALLBACK,
 *  SIP_UA_ERR_TRANSPORT. */
SIP_DIALOG_DEF int sip_ua_register(sip_ua *ua, const char *registrar_uri,
                                   uint32_t expires, const char *const *contacts,
                                   size_t n_contacts, uint64_t now_us,
                                   sip_ua_reg *out);

/** Remove the registration's contacts (Expires: 0, §10.2.2); the handle
 *  ends with the UNREGISTERED (or FAILED) event. Returns 0,
 *  SIP_UA_ERR_STALE, SIP_UA_ERR_STATE (already unregistering), or a send
 *  error. */
SIP_DIALOG_DEF int sip_ua_unregister(sip_ua *ua, sip_ua_reg reg,
                                     uint64_t now_us);

/** The state (sip_ua_reg_state) of a live registration, or
 *  SIP_UA_ERR_STALE. */
SIP_DIALOG_DEF int sip_ua_reg_state_of(const sip_ua *ua, sip_ua_reg reg);

/** Send a MESSAGE (RFC 3428) to to_uri with body of content_type
 *  (out of dialog, pre-loaded route set). Returns 0 or an error as
 *  sip_ua_call_start(). */
SIP_DIALOG_DEF int sip_ua_message(sip_ua *ua, const char *to_uri,
                                  const char *content_type, sip_str body,
                                  uint64_t now_us);

/* ------------------------------------------------------------------------
 * Subscriptions (RFC 6665) and transfer (RFC 3515, RFC 4488, RFC 3891,
 * RFC 3892, RFC 3911)
 * --------------------------------------------------------------------- */

/** Subscription states as the application sees them (RFC 6665 §4.1.2,
 *  §4.2.1). Subscriber: SUBSCRIBING (SUBSCRIBE sent, no NOTIFY yet), then
 *  PENDING / ACTIVE as each NOTIFY's Subscription-State says, TERMINATED.
 *  Notifier: INCOMING (not yet answered), then PENDING (accepted with 202)
 *  or ACTIVE (200, or a NOTIFY with state active), TERMINATED. */
typedef enum sip_ua_sub_state {
    SIP_UA_SUB_NONE = 0,
    SIP_UA_SUB_SUBSCRIBING,
    SIP_UA_SUB_INCOMING,
    SIP_UA_SUB_PENDING,
    SIP_UA_SUB_ACTIVE,
    SIP_UA_SUB_TERMINATED
} sip_ua_sub_state;

/** Subscription-State reasons (RFC 6665 §4.1.3), and the core's own. */
typedef enum sip_ua_sub_reason {
    SIP_UA_SUB_REASON_NONE = 0,
    SIP_UA_SUB_REASON_DEACTIVATED, /**< subscriber resubscribes at once */
    SIP_UA_SUB_REASON_PROBATION,   /**< subscriber resubscribes after
                                        retry-after (at once without) */
    SIP_UA_SUB_REASON_REJECTED,    /**< ended */
    SIP_UA_SUB_REASON_TIMEOUT,     /**< ended (the notifier's expiry, or a
                                        core timer: Timer N, our expiry) */
    SIP_UA_SUB_REASON_GIVEUP,      /**< ended */
    SIP_UA_SUB_REASON_NORESOURCE,  /**< ended */
    SIP_UA_SUB_REASON_INVARIANT,   /**< ended */
    SIP_UA_SUB_REASON_OTHER        /**< an unknown reason: ended */
} sip_ua_sub_reason;

/** Subscribe to event (an Event value: "presence", "dialog;id=7") at
 *  to_uri (URI or name-addr) for expires seconds (0: cfg.default_expires),
 *  with Accept: accept (NULL: none). Sends SUBSCRIBE outside any dialog
 *  (pre-loaded route set, RFC 6665 §4.1.2.1) and returns the handle in
 *  *out. The core then: takes the dialog from the 2xx or from a NOTIFY
 *  that comes first (§4.1.2.4); makes each NOTIFY from another fork a
 *  subscription of its own (SIP_UA_EV_NOTIFY with forked_from); refreshes
 *  at expires - min(expires / 2, 30 s) of the granted expiry (the 2xx
 *  Expires, lowered by a NOTIFY's expires parameter); ends the
 *  subscription when no NOTIFY arrives within 64*T1 of the SUBSCRIBE
 *  (Timer N, §4.1.2.4) or a refresh gets 481/408 or times out (§4.1.2.2);
 *  resubscribes as the termination reason says (§4.1.3). Returns 0,
 *  SIP_UA_ERR_INVALID (bad URI, empty event or one with CR/LF),
 *  SIP_UA_ERR_FULL, SIP_UA_ERR_NOMEM, SIP_UA_ERR_TOO_BIG,
 *  SIP_UA_ERR_CALLBACK, SIP_UA_ERR_TRANSPORT. */
SIP_DIALOG_DEF int sip_ua_subscribe(sip_ua *ua, const char *to_uri, const char *event,
                                    const char *accept, uint32_t expires, uint64_t now_us,
                                    sip_ua_sub *out);

/** Subscriber: end sub with SUBSCRIBE Expires: 0 (RFC 6665 §4.1.2.3); the
 *  notifier's terminated NOTIFY (or 64*T1 without one) ends the handle
 *  with SIP_UA_EV_SUB_STATE TERMINATED. Before any dialog exists the
 *  SUBSCRIBE goes as soon as one does. Returns 0, SIP_UA_ERR_STALE,
 *  SIP_UA_ERR_STATE (a notifier's handle, or already unsubscribing), or a
 *  send error. */
SIP_DIALOG_DEF int sip_ua_unsubscribe(sip_ua *ua, sip_ua_sub sub, uint64_t now_us);

/** Notifier: accept an incoming SUBSCRIBE or REFER (SIP_UA_EV_SUBSCRIBE,
 *  SIP_UA_EV_REFER) with status 200 (state ACTIVE) or 202 (PENDING; the
 *  usual answer to REFER, RFC 3515 §2.4.2). The 2xx carries Expires:
 *  expires seconds (0: as asked; never more than asked; REFER: 180 s)
 *  and Contact; then the immediate NOTIFY of RFC 6665 §4.2.1.2 goes out
 *  with body[0..len) of content_type (NULL: no body; REFER: the
 *  message/sipfrag "SIP/2.0 100 Trying" of RFC 3515 §2.4.5, none when the
 *  REFER said Refer-Sub: false and the 2xx then says so too, RFC 4488
 *  §4). A SUBSCRIBE with Expires: 0 (a fetch) gets its one NOTIFY with
 *  state terminated;reason=timeout and the handle ends. When the granted
 *  time runs out the core sends terminated;reason=timeout (§4.2.2) and
 *  reports TERMINATED. Returns 0, SIP_UA_ERR_STALE, SIP_UA_ERR_STATE
 *  (already answered, or a subscriber's handle), SIP_UA_ERR_INVALID
 *  (status, content_type with CR/LF, body without content_type),
 *  SIP_UA_ERR_TOO_BIG, or a send error. */
SIP_DIALOG_DEF int sip_ua_sub_accept(sip_ua *ua, sip_ua_sub sub, int status, uint32_t expires,
                                     const char *content_type, const void *body, size_t len,
                                     uint64_t now_us);

/** Notifier: refuse an incoming SUBSCRIBE or REFER with status 300..699
 *  (403, 603...). The handle ends (SUB_STATE TERMINATED, status). Returns
 *  0, SIP_UA_ERR_STALE, SIP_UA_ERR_STATE, SIP_UA_ERR_INVALID. */
SIP_DIALOG_DEF int sip_ua_sub_reject(sip_ua *ua, sip_ua_sub sub, int status, uint64_t now_us);

/** Notifier: send a NOTIFY (RFC 6665 §4.2.2) on an accepted subscription
 *  with Subscription-State: state (PENDING or ACTIVE with expires = the
 *  seconds left; TERMINATED with reason, which then ends the handle:
 *  SUB_STATE TERMINATED) and body[0..len) of content_type (NULL, 0: no
 *  body). Returns 0, SIP_UA_ERR_STALE, SIP_UA_ERR_STATE (not accepted, a
 *  subscriber's handle), SIP_UA_ERR_INVALID (state, reason, content_type
 *  with CR/LF, body without content_type), SIP_UA_ERR_TOO_BIG, or a send
 *  error. */
SIP_DIALOG_DEF int sip_ua_notify(sip_ua *ua, sip_ua_sub sub, sip_ua_sub_state state,
                                 sip_ua_sub_reason reason, const char *content_type,
                                 const void *body, size_t len, uint64_t now_us);

/** The state (sip_ua_sub_state) of a live subscription, or
 *  SIP_UA_ERR_STALE. */
SIP_DIALOG_DEF int sip_ua_sub_state_of(const sip_ua *ua, sip_ua_sub sub);

/** Live subscriptions (both roles, REFER's implicit ones included). */
SIP_DIALOG_DEF uint32_t sip_ua_count_subs(const sip_ua *ua);

/** Options of sip_ua_refer() and sip_ua_refer_replaces(). */
enum {
    /** Ask for no implicit subscription: Refer-Sub: false (RFC 4488 §4).
     *  When the 2xx says Refer-Sub: false too, the handle ends with it;
     *  otherwise NOTIFYs come as usual. */
    SIP_UA_REFER_NO_SUB = 1u << 0
};

/** Blind transfer (RFC 3515, RFC 5589 §6): send REFER in call's confirmed
 *  dialog with Refer-To: refer_to_uri (a URI, or a name-addr in <>) and
 *  Referred-By: our AOR (RFC 3892). *out gets the implicit subscription:
 *  SIP_UA_EV_NOTIFY reports each message/sipfrag status, the final one
 *  (Subscription-State terminated) ends it. The dialog lives until both the
 *  call and the subscription are over (RFC 5057), so the call may be hung
 *  up before the final NOTIFY. Returns 0, SIP_UA_ERR_STALE,
 *  SIP_UA_ERR_STATE (not confirmed), SIP_UA_ERR_INVALID (refer_to_uri),
 *  SIP_UA_ERR_FULL, SIP_UA_ERR_NOMEM, SIP_UA_ERR_TOO_BIG,
 *  SIP_UA_ERR_CALLBACK, SIP_UA_ERR_TRANSPORT. */
SIP_DIALOG_DEF int sip_ua_refer(sip_ua *ua, sip_ua_call call, const char *refer_to_uri,
                                unsigned flags, uint64_t now_us, sip_ua_sub *out);

/** Attended transfer (RFC 5589 §7, RFC 3891 §4): REFER in call's dialog
 *  whose Refer-To is target_call's remote target with
 *  ?Replaces=<Call-ID>;to-tag=<its remote tag>;from-tag=<our tag>
 *  (escaped, RFC 3261 §19.1.1), so the referee's INVITE replaces our
 *  dialog with the target. Otherwise as sip_ua_refer(). Returns as
 *  sip_ua_refer() (SIP_UA_ERR_STALE / SIP_UA_ERR_STATE for either call). */
SIP_DIALOG_DEF int sip_ua_refer_replaces(sip_ua *ua, sip_ua_call call, sip_ua_call target_call,
                                         unsigned flags, uint64_t now_us, sip_ua_sub *out);

/** Referee: call the Refer-To of the REFER behind sub (RFC 3515 §2.4.3)
 *  as sip_ua_call_start() does, adding Referred-By from the REFER (RFC
 *  3892 §3) and turning a Replaces URI header into a Replaces header with
 *  Require: replaces (RFC 3891 §4). Returns as sip_ua_call_start(), or
 *  SIP_UA_ERR_STALE, SIP_UA_ERR_STATE (not an incoming REFER),
 *  SIP_UA_ERR_INVALID (a Refer-To that is not a SIP URI). */
SIP_DIALOG_DEF int sip_ua_refer_call(sip_ua *ua, sip_ua_sub sub, const sdp_local *local,
                                     unsigned flags, uint64_t now_us, sip_ua_call *out);

/** Referee: report the progress of the referred request with a NOTIFY whose
 *  body is the message/sipfrag "SIP/2.0 <status> <phrase>" (RFC 3515
 *  §2.4.4, §2.4.5): 100..199 keep the subscription active, 200..699 end it
 *  (terminated;reason=noresource; the handle ends). With Refer-Sub: false
 *  agreed nothing is sent (a final status still ends the handle). Returns
 *  0, SIP_UA_ERR_STALE, SIP_UA_ERR_STATE (not an accepted incoming REFER),
 *  SIP_UA_ERR_INVALID (status not 100..699), or a send error. */
SIP_DIALOG_DEF int sip_ua_refer_notify(sip_ua *ua, sip_ua_sub sub, int status, uint64_t now_us);

#ifdef __cplusplus
}
#endif

#endif /* SIP_DIALOG_H */

/* ======================================================================== */
#ifdef SIP_DIALOG_IMPLEMENTATION
#ifndef SIP_DIALOG_IMPLEMENTATION_DONE
#define SIP_DIALOG_IMPLEMENTATION_DONE

#include <string.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>

#ifndef SIP_DIALOG_MALLOC
#define SIP_DIALOG_MALLOC(n) malloc(n)
#define SIP_DIALOG_FREE(p) free(p)
#endif

enum { SIP__UA_USE_INVITE = 1u << 0, SIP__UA_USE_BYE = 1u << 1 };
/* What we implement: Allow (RFC 3261 §20.5) and Supported (§20.37). */
#define SIP__UA_ALLOW \
    "INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, PRACK, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER"
#define SIP__UA_SUPPORTED "replaces, join, norefersub"

enum { SIP__UA_DLG_EARLY = 1, SIP__UA_DLG_CONFIRMED };
enum { SIP__UA_OA_NONE = 0, SIP__UA_OA_LOCAL, SIP__UA_OA_REMOTE, SIP__UA_OA_DONE };
enum { SIP__UA_P_INVITE = 1, SIP__UA_P_REINVITE, SIP__UA_P_BYE, SIP__UA_P_REGISTER,
       SIP__UA_P_OTHER };

/* A string inside a dialog's blob. */
typedef struct sip__ua_ref { uint16_t off, len; } sip__ua_ref;

enum { SIP__UA_S_CALLID = 0, SIP__UA_S_LTAG, SIP__UA_S_RTAG, SIP__UA_S_LURI,
       SIP__UA_S_RURI, SIP__UA_S_TARGET, SIP__UA_S_N };

typedef struct sip__ua_dlg {
    uint32_t gen;
    uint8_t state, is_uac, usage, owns_call_id, secure, has_rcseq;
    int32_t call;                /* owning call slot, -1 none */
    uint32_t lcseq, rcseq;
    char *blob;
    sip__ua_ref s[SIP__UA_S_N];
    sip__ua_ref route[SIP_UA_MAX_ROUTES];
    uint8_t n_route;
    uint8_t has_rseq_in;         /* RFC 3262 §4: a reliable 1xx seen */
    uint32_t rseq_in;            /* ... and its RSeq */
} sip__ua_dlg;

/* The INVITE-session extensions of a call (RFC 3262, 3311, 4028). */
typedef struct sip__ua_callx {
    uint8_t peer_100rel;         /* UAS: the INVITE had 1 Supported, 2 Require */
    uint8_t inv_offer;           /* UAS: the INVITE carried an offer */
    uint8_t rel_wait, rel_sdp;   /* a reliable 1xx awaits its PRACK (with SDP) */
    uint8_t rel_building;        /* the response being built is reliable */
    uint8_t upd_out, upd_offer;  /* our UPDATE in flight (with an offer) */
    uint8_t peer_update;         /* the peer's Allow lists UPDATE */
    uint8_t peer_timer;          /* the peer supports timer (RFC 4028) */
    uint8_t st_on, st_local;     /* session timer running; we refresh */
    uint8_t st_ev;               /* SESSION_TIMER event owed (UAS) */
    uint8_t tried_422;
    uint16_t rel_status;
    uint32_t rseq;               /* UAS: last RSeq sent, 0 none */
    uint32_t prack_rseq;         /* UAC: RSeq of our last PRACK */
    uint32_t rel_iv_ms, rel_len;
    char *rel_resp;              /* the reliable 1xx until PRACKed */
    uint64_t rel_rtx_at, rel_deadline;
    uint32_t se, min_se;         /* session interval, Min-SE (s) */
    uint64_t st_at;              /* refresh (st_local) or BYE time */
    uint64_t upd_glare_at;       /* UPDATE retry after 491 (§14.1) */
} sip__ua_callx;

typedef struct sip__ua_call {
    uint32_t gen;
    uint8_t is_uac, state, oa, reinv_in, cancel_wanted, hung_up, no_offer;
    int32_t dlg;                 /* the session's dialog, -1 none yet */
    const sdp_local *local;
    uint64_t o_version;
    uint32_t invite_cseq;
    sip_tsx_id ict;              /* UAC INVITE / re-INVITE in flight */
    /* UAC: the ACK of the last 2xx, kept for retransmitted 2xx */
    char *ack; uint32_t ack_len; uint32_t ack_cseq;
    sip_target ack_to; uint64_t ack_expire;
    /* UAS */
    sip_tsx_id ist; sip_target peer;
    char *req; uint32_t req_len;     /* the INVITE until answered */
    char *resp; uint32_t resp_len;   /* the 2xx until ACKed */
    uint64_t rtx_at, ack_deadline; uint32_t rtx_iv_ms;
    uint64_t glare_at;
    sip_ua_call replaces;        /* RFC 3891: the call this one replaces */
    sip__ua_callx x;             /* RFC 3262 / 3311 / 4028 state */
} sip__ua_call;

typedef struct sip__ua_reg {
    uint32_t gen;
    uint8_t state, tried_423;
    uint32_t expires, granted, cseq;
    uint64_t refresh_at;
    char *registrar, *call_id, *ltag, *contacts; /* contacts: '\n'-separated */
} sip__ua_reg;

typedef struct sip__ua_req {
    struct sip__ua_req *next, **pprev;
    int purpose;
    int32_t owner; uint32_t owner_gen;
    sip_tsx_id id;
    sip_method method;
    uint32_t cseq;
    int auth_tries;
    char *copy; size_t copy_len; /* the request for an authenticated retry */
    sip_target target;
} sip__ua_req;

/* ---- subscriptions and transfer: objects (RFC 6665, RFC 3515) -------- */

/* A dialog used by one or more subscriptions (RFC 5057 §3): it ends with
 * its last usage (sip__ua_dlg_release). */
enum { SIP__UA_USE_SUB = 1u << 2 };
enum { SIP__UA_P_SUBSCRIBE = 32, SIP__UA_P_NOTIFY, SIP__UA_P_REFER };
enum { SIP__UA_SUBR = 1, SIP__UA_NOTR }; /* subscriber, notifier */

typedef struct sip__ua_sub {
    uint32_t gen;
    uint8_t role, state;         /* SIP__UA_SUBR/NOTR, sip_ua_sub_state */
    uint8_t is_refer, no_sub;    /* REFER's implicit subscription; Refer-Sub: false */
    uint8_t unsub;               /* subscriber: 1 Expires: 0 wanted, 2 sent */
    uint8_t notified;            /* notifier: sip_ua_notify ran in the refresh event */
    uint16_t last_status;        /* notifier REFER: last sipfrag status */
    int32_t dlg;                 /* dialog slot, -1 none */
    uint32_t dlg_gen;
    uint32_t expires;            /* asked (subscriber) / asked then granted (notifier), s */
    uint64_t refresh_at, expire_at, retry_at, notify_by;
    uint64_t forked_from;        /* subscriber: the original's handle until the first NOTIFY */
    sip_tsx_id st;               /* notifier: the server transaction until answered */
    sip_tsx_id ct;               /* subscriber: the SUBSCRIBE / REFER in flight */
    char *event;                 /* the Event value we send */
    char *accept;                /* subscriber: Accept value, NULL none */
    char *uri;                   /* subscriber: to_uri; notifier REFER: Refer-To */
    char *referred_by;           /* notifier REFER: Referred-By, NULL none */
    char *req; uint32_t req_len; /* notifier: the request until answered */
} sip__ua_sub;

static void sip__ua_dlg_release(sip_ua *ua, int32_t ds, unsigned bits);
static int32_t sip__ua_sub_fork_dialog(sip_ua *ua, const sip_msg *m);
static void sip__ua_sub_request(sip_ua *ua, const sip_tsx_event *ev, int32_t ds);
static void sip__ua_sub_response(sip_ua *ua, sip__ua_req *r, const sip_msg *m);
static void sip__ua_sub_req_failed(sip_ua *ua, sip__ua_req *r);
static int sip__ua_join_check(sip_ua *ua, const sip_tsx_event *ev, sip_ua_call *rep,
                              sip_ua_call *join);
static void sip__ua_replaced_end(sip_ua *ua, uint32_t cs);
static uint64_t sip__ua_subs_deadline(const sip_ua *ua, uint64_t t);
static int sip__ua_subs_timers(sip_ua *ua, uint64_t now);
static void sip__ua_subs_free_all(sip_ua *ua);
static int sip__ua_invite_start(sip_ua *ua, const char *to_uri, const sdp_local *local,
                                unsigned flags, const char *extra, uint64_t now_us,
                                sip_ua_call *out);
static uint64_t sip__ua_min(uint64_t a, uint64_t b);
static void sip__ua_allow_events(const sip_ua *ua, char *out, size_t cap);
/* The INVITE-session extensions (their section is below the UAC
 * response handling); the shared paths call these hooks. */
enum { SIP__UA_P_PRACK = 16, SIP__UA_P_UPDATE, SIP__UA_P_INFO };
static const char *sip__ua_x_invite_hdrs(sip_ua *ua, const struct sip__ua_call *c, int initial,
                                         char *buf, size_t cap);
static size_t sip__ua_x_resp_hdrs(sip_ua *ua, uint32_t slot, const sip_msg *req, int status,
                                  sip_hdr_field *ex, char *buf, size_t cap);
static int sip__ua_x_invite_check(sip_ua *ua, const sip_tsx_event *ev);
static void sip__ua_x_supported(const sip_ua *ua, char *out, size_t cap);
static void sip__ua_x_incoming(sip_ua *ua, struct sip__ua_call *c, const sip_msg *m);
static int sip__ua_x_rel_needed(const sip_ua *ua, const struct sip__ua_call *c);
static void sip__ua_x_final(sip_ua *ua, struct sip__ua_call *c);
static void sip__ua_x_post_answer(sip_ua *ua, uint32_t slot);
static void sip__ua_x_in_dialog(sip_ua *ua, const sip_tsx_event *ev, int32_t cs);
static void sip__ua_x_options(sip_ua *ua, const sip_tsx_event *ev);
static void sip__ua_x_policy(const sip_ua *ua, const sip_msg *m, sip_check_policy *pol,
                             const char **sup);
static int sip__ua_x_1xx(sip_ua *ua, uint32_t cs, int32_t ds, const sip_msg *m);
static void sip__ua_x_prack_send(sip_ua *ua, uint32_t cs, int32_t ds, const sip_msg *m);
static void sip__ua_x_uac_2xx(sip_ua *ua, uint32_t cs, const sip_msg *m);
static int sip__ua_x_retry_422(sip_ua *ua, uint32_t cs, const sip_msg *m);
static void sip__ua_x_response(sip_ua *ua, struct sip__ua_req *r, const sip_msg *m);
static void sip__ua_x_req_failed(sip_ua *ua, struct sip__ua_req *r, int cause);
static uint64_t sip__ua_x_deadline(const struct sip__ua_call *c, uint64_t t);
static int sip__ua_x_timers(sip_ua *ua, uint32_t slot, uint64_t now);

/* ---- small helpers --------------------------------------------------- */

typedef struct sip__ua_w { char *p; size_t cap, n; int over; } sip__ua_w;

static void sip__ua_wf(sip__ua_w *w, const char *fmt, ...)
{
    va_list ap;
    int r;
    size_t room = w->n < w->cap ? w->cap - w->n : 0;
    va_start(ap, fmt);
    r = vsnprintf(room ? w->p + w->n : NULL, room, fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= room) { w->over = 1; w->n = w->cap; return; }
    w->n += (size_t)r;
}

static int sip__ua_id_slot(uint64_t id, uint32_t n, uint32_t *slot, uint32_t *gen)
{
    uint32_t lo = (uint32_t)id;
    if (!lo || lo > n) return -1;
    *slot = lo - 1;
    *gen = (uint32_t)(id >> 32);
    return 0;
}

static uint64_t sip__ua_mkid(uint32_t slot, uint32_t gen)
{
    return (uint64_t)gen << 32 | (uint64_t)(slot + 1);
}

static char *sip__ua_dup(const char *p, size_t n)
{
    char *c = (char *)SIP_DIALOG_MALLOC(n + 1);
    if (!c) return NULL;
    if (n) memcpy(c, p, n);
    c[n] = 0;
    return c;
}

static sip_str sip__ua_dstr(const sip__ua_dlg *d, int i)
{
    sip_str s;
    s.p = d->blob ? d->blob + d->s[i].off : "";
    s.len = d->blob ? d->s[i].len : 0;
    return s;
}

static sip_str sip__ua_rstr(const sip__ua_dlg *d, int i)
{
    sip_str s;
    s.p = d->blob + d->route[i].off;
    s.len = d->route[i].len;
    return s;
}

static int sip__ua_rand_hex(sip_ua *ua, char *out, size_t nbytes)
{
    static const char hx[] = "0123456789abcdef";
    uint8_t b[32];
    size_t i;
    if (nbytes > sizeof b || ua->cb.rand(ua->cb.user, b, nbytes) != 0) return -1;
    for (i = 0; i < nbytes; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * nbytes] = 0;
    return 0;
}

static uint32_t sip__ua_next_gen(sip_ua *ua)
{
    ua->gen++;
    if (!ua->gen) ua->gen = 1;
    return ua->gen;
}

SIP_DIALOG_DEF const char *sip_ua_strerror(int err)
{
    switch (err) {
    case SIP_UA_OK: return "ok";
    case SIP_UA_ERR_INVALID: return "invalid argument";
    case SIP_UA_ERR_NOMEM: return "out of memory";
    case SIP_UA_ERR_FULL: return "limit reached";
    case SIP_UA_ERR_STALE: return "stale handle";
    case SIP_UA_ERR_STATE: return "not allowed in this state";
    case SIP_UA_ERR_TRANSPORT: return "transport error";
    case SIP_UA_ERR_CALLBACK: return "callback failed";
    case SIP_UA_ERR_TOO_BIG: return "message too big";
    case SIP_UA_ERR_SDP: return "SDP offer/answer failed";
    default: break;
    }
    if (err <= -500 && err >= -599) return sip_tsx_strerror(err);
    if (err <= -100 && err >= -199) return sip_strerror(err);
    return "unknown error";
}

/* ---- dialogs (§12) --------------------------------------------------- */

/* Set the dialog's strings: vals[SIP__UA_S_N] and routes (NULL entries keep
 * the current value). One allocation holds them all. */
static int sip__ua_dlg_store(sip__ua_dlg *d, const sip_str *vals, const sip_str *routes,
                             int n_routes)
{
    sip_str cur[SIP__UA_S_N], rt[SIP_UA_MAX_ROUTES];
    size_t total = 0, o = 0;
    int i, nr = n_routes >= 0 ? n_routes : d->n_route;
    char *b;
    if (nr > SIP_UA_MAX_ROUTES) nr = SIP_UA_MAX_ROUTES;
    for (i = 0; i < SIP__UA_S_N; i++) {
        cur[i] = vals && vals[i].p ? vals[i] : sip__ua_dstr(d, i);
        if (!d->blob && !(vals && vals[i].p)) cur[i].len = 0;
        total += cur[i].len;
    }
    for (i = 0; i < nr; i++) {
        rt[i] = n_routes >= 0 ? routes[i] : sip__ua_rstr(d, i);
        total += rt[i].len;
    }
    if (total > 65535) return SIP_UA_ERR_TOO_BIG;
    b = (char *)SIP_DIALOG_MALLOC(total ? total : 1);
    if (!b) return SIP_UA_ERR_NOMEM;
    for (i = 0; i < SIP__UA_S_N; i++) {
        if (cur[i].len) memcpy(b + o, cur[i].p, cur[i].len);
        d->s[i].off = (uint16_t)o;
        d->s[i].len = (uint16_t)cur[i].len;
        o += cur[i].len;
    }
    for (i = 0; i < nr; i++) {
        if (rt[i].len) memcpy(b + o, rt[i].p, rt[i].len);
        d->route[i].off = (uint16_t)o;
        d->route[i].len = (uint16_t)rt[i].len;
        o += rt[i].len;
    }
    d->n_route = (uint8_t)nr;
    SIP_DIALOG_FREE(d->blob);
    d->blob = b;
    return 0;
}

static int sip__ua_dlg_new(sip_ua *ua, int32_t call, int is_uac, uint32_t *slot_out)
{
    uint32_t i;
    sip__ua_dlg *d;
    for (i = 0; i < ua->cfg.max_dialogs; i++)
        if (!ua->dlgs[i]) break;
    if (i == ua->cfg.max_dialogs) return SIP_UA_ERR_FULL;
    d = (sip__ua_dlg *)SIP_DIALOG_MALLOC(sizeof *d);
    if (!d) return SIP_UA_ERR_NOMEM;
    memset(d, 0, sizeof *d);
    d->gen = sip__ua_next_gen(ua);
    d->call = call;
    d->is_uac = (uint8_t)is_uac;
    ua->dlgs[i] = d;
    ua->n_dlgs++;
    *slot_out = i;
    return 0;
}

static void sip__ua_dlg_free(sip_ua *ua, int32_t slot)
{
    sip__ua_dlg *d;
    if (slot < 0 || (uint32_t)slot >= ua->cfg.max_dialogs || !ua->dlgs[slot]) return;
    d = ua->dlgs[slot];
    SIP_DIALOG_FREE(d->blob);
    SIP_DIALOG_FREE(d);
    ua->dlgs[slot] = NULL;
    ua->n_dlgs--;
}

/* The dialog of (Call-ID, local tag, remote tag); remote tag absent matches
 * a dialog still without one. -1 when none. */
static int32_t sip__ua_dlg_find(const sip_ua *ua, sip_str cid, sip_str ltag, sip_str rtag)
{
    uint32_t i;
    for (i = 0; i < ua->cfg.max_dialogs; i++) {
        const sip__ua_dlg *d = ua->dlgs[i];
        if (!d || !d->blob) continue;
        if (!sip_str_eq(sip__ua_dstr(d, SIP__UA_S_CALLID), cid)) continue;
        if (!sip_str_eq(sip__ua_dstr(d, SIP__UA_S_LTAG), ltag)) continue;
        if (!sip_str_eq(sip__ua_dstr(d, SIP__UA_S_RTAG), rtag)) continue;
        return (int32_t)i;
    }
    return -1;
}

/* Route set from Record-Route (§12.1.1 UAS: in order; §12.1.2 UAC:
 * reversed) and remote target from Contact. */
static int sip__ua_dlg_from_msg(sip__ua_dlg *d, const sip_msg *m, int reverse,
                                const sip_str *base)
{
    sip_str rt[SIP_UA_MAX_ROUTES], vals[SIP__UA_S_N];
    int n = 0, i;
    size_t pos = 0;
    const sip_hdr *h;
    while ((h = sip_msg_find(m, SIP_HDR_RECORD_ROUTE, &pos)) != NULL) {
        if (n < SIP_UA_MAX_ROUTES) rt[n++] = h->value;
    }
    if (reverse)
        for (i = 0; i < n / 2; i++) {
            sip_str t = rt[i];
            rt[i] = rt[n - 1 - i];
            rt[n - 1 - i] = t;
        }
    for (i = 0; i < SIP__UA_S_N; i++) vals[i] = base[i];
    pos = 0;
    h = sip_msg_find(m, SIP_HDR_CONTACT, &pos);
    if (h) {
        sip_addr a;
        if (sip_addr_parse(h->value, &a) == 0) vals[SIP__UA_S_TARGET] = a.uri.raw;
    }
    return sip__ua_dlg_store(d, vals, rt, n);
}

/* ---- addressing ------------------------------------------------------ */

static int sip__ua_resolve(sip_ua *ua, sip_str uri_text, sip_target *t)
{
    sip_uri u;
    sip_str tpv;
    char hp[80];
    sip_str h;
    if (uri_text.len && uri_text.p[0] == '<') {
        const char *gt = (const char *)memchr(uri_text.p, '>', uri_text.len);
        if (!gt) return SIP_UA_ERR_INVALID;
        uri_text.p++;
        uri_text.len = (size_t)(gt - uri_text.p);
    }
    if (sip_uri_parse(uri_text, &u) != 0) return SIP_UA_ERR_INVALID;
    memset(t, 0, sizeof *t);
    if (ua->cb.resolve) return ua->cb.resolve(ua->cb.user, &u, t) == 0 ? 0 : SIP_UA_ERR_CALLBACK;
    t->tp = u.scheme == SIP_URI_SIPS ? SIP_TP_TLS : SIP_TP_UDP;
    if (sip_param_find(u.params, "transport", &tpv) && tpv.p) {
        sip_tp x = sip_tp_from_name(tpv);
        if (x != SIP_TP_NONE) t->tp = x;
    }
    if (u.host.len + 3 > sizeof hp) return SIP_UA_ERR_CALLBACK;
    if (u.host_type == SIP_HOST_IPV6)
        h.len = (size_t)snprintf(hp, sizeof hp, "[%.*s]", (int)u.host.len, u.host.p);
    else
        h.len = (size_t)snprintf(hp, sizeof hp, "%.*s", (int)u.host.len, u.host.p);
    h.p = hp;
    if (sip_ipaddr_parse(h, &t->remote) != 0) return SIP_UA_ERR_CALLBACK;
    t->remote.port = u.has_port ? u.port : sip_tp_default_port(t->tp);
    return 0;
}

/* ---- request records and sending ------------------------------------- */

static sip__ua_req *sip__ua_req_new(sip_ua *ua, int purpose, int32_t owner, uint32_t gen)
{
    sip__ua_req *r = (sip__ua_req *)SIP_DIALOG_MALLOC(sizeof *r);
    if (!r) return NULL;
    memset(r, 0, sizeof *r);
    r->purpose = purpose;
    r->owner = owner;
    r->owner_gen = gen;
    r->next = ua->reqs;
    if (ua->reqs) ua->reqs->pprev = &r->next;
    r->pprev = &ua->reqs;
    ua->reqs = r;
    return r;
}

static void sip__ua_req_free(sip__ua_req *r)
{
    *r->pprev = r->next;
    if (r->next) r->next->pprev = r->pprev;
    SIP_DIALOG_FREE(r->copy);
    SIP_DIALOG_FREE(r);
}

static int sip__ua_send_raw(sip_ua *ua, const sip_target *t, const char *b, size_t n)
{
    return ua->cb.send(ua->cb.user, t, (const uint8_t *)b, n) == 0 ? 0 : SIP_UA_ERR_TRANSPORT;
}

/* Append cached credentials (§22.2: later requests in the realm) for the
 * request method/ruri to w. */
static void sip__ua_add_cached_auth(sip_ua *ua, sip__ua_w *w, sip_str method, sip_str ruri,
                                    sip_str body)
{
    int i;
    sip_uri u;
    if (sip_uri_parse(ruri, &u) != 0) u.host.len = 0;
    for (i = 0; i < SIP_UA_MAX_REALMS; i++) {
        sip_ua_realm *r = &ua->realms[i];
        sip_digest_input in;
        sip_auth ch;
        char cn[17], nc[9], cred[1024];
        int n;
        if (!r->used) continue;
        if (!r->proxy && !(u.host.len == strlen(r->host) && !memcmp(u.host.p, r->host, u.host.len)))
            continue;
        if (sip__ua_rand_hex(ua, cn, 8) != 0) continue;
        r->nc++;
        snprintf(nc, sizeof nc, "%08x", (unsigned)r->nc);
        memset(&in, 0, sizeof in);
        memset(&ch, 0, sizeof ch);
        in.alg = (sip_digest_alg)r->alg;
        in.qop = (sip_digest_qop)r->qop;
        in.username = sip_str_c(r->username);
        in.realm = sip_str_c(r->realm);
        in.ha1_hex = sip_str_c(r->ha1);
        in.method = method;
        in.uri = ruri;
        in.nonce = sip_str_c(r->nonce);
        in.cnonce = sip_str_c(cn);
        in.nc = sip_str_c(nc);
        in.body = body;
        if (r->opaque[0]) ch.opaque = sip_str_c(r->opaque);
        n = sip_digest_build_credentials(cred, sizeof cred, &ch, &in, NULL);
        if (n > 0)
            sip__ua_wf(w, "%s: %.*s\r\n", r->proxy ? "Proxy-Authorization" : "Authorization",
                       n, cred);
    }
}

/* What an outgoing request needs. */
typedef struct sip__ua_rq {
    const char *method;
    sip_str ruri;
    const sip_str *routes; int n_routes;
    sip_str from, to, call_id;  /* from/to: full values with tags */
    uint32_t cseq;
    int contact;                /* add our Contact */
    const char *extra;          /* raw header lines "Name: v\r\n" or NULL */
    sip_str body;
    const char *ctype;
    int no_auth;
    int strict;                 /* strict route: the next hop is the R-URI */
} sip__ua_rq;

/* Build the request per §8.1.1 with Via for target tp and a new branch.
 * Returns the length or an error. */
static int sip__ua_build(sip_ua *ua, const sip__ua_rq *q, const sip_target *t, char *out,
                         size_t cap)
{
    sip__ua_w w;
    char br[32];
    int i;
    w.p = out; w.cap = cap; w.n = 0; w.over = 0;
    if (sip_gen_branch(br, sizeof br, ua->cb.rand, ua->cb.user) < 0) return SIP_UA_ERR_CALLBACK;
    sip__ua_wf(&w, "%s %.*s SIP/2.0\r\n", q->method, (int)q->ruri.len, q->ruri.p);
    sip__ua_wf(&w, "Via: SIP/2.0/%s %s;branch=%s;rport\r\n", sip_tp_name(t->tp),
               ua->cfg.via_sent_by, br);
    sip__ua_wf(&w, "Max-Forwards: 70\r\n");
    for (i = 0; i < q->n_routes; i++)
        sip__ua_wf(&w, "Route: %.*s\r\n", (int)q->routes[i].len, q->routes[i].p);
    sip__ua_wf(&w, "From: %.*s\r\nTo: %.*s\r\nCall-ID: %.*s\r\nCSeq: %u %s\r\n",
               (int)q->from.len, q->from.p, (int)q->to.len, q->to.p, (int)q->call_id.len,
               q->call_id.p, (unsigned)q->cseq, q->method);
    if (q->contact) sip__ua_wf(&w, "Contact: <%s>\r\n", ua->cfg.contact);
    if (strcmp(q->method, "ACK") && strcmp(q->method, "CANCEL")) {
        if (!q->no_auth) sip__ua_add_cached_auth(ua, &w, sip_str_c(q->method), q->ruri, q->body);
        sip__ua_wf(&w, "Allow: " SIP__UA_ALLOW "\r\n");
        /* what the peer may use in the dialog these requests create or
         * refresh (RFC 4028 §7.4: UPDATE refreshes carry Supported: timer) */
        if (!strcmp(q->method, "INVITE") || !strcmp(q->method, "UPDATE") ||
            !strcmp(q->method, "SUBSCRIBE") || !strcmp(q->method, "REFER")) {
            char sup[64];
            sip__ua_x_supported(ua, sup, sizeof sup);
            sip__ua_wf(&w, "Supported: %s\r\nAllow-Events: refer%s%s\r\n", sup,
                       ua->cfg.events ? ", " : "", ua->cfg.events ? ua->cfg.events : "");
        }
    }
    if (q->extra) sip__ua_wf(&w, "%s", q->extra);
    if (ua->cfg.user_agent) sip__ua_wf(&w, "User-Agent: %s\r\n", ua->cfg.user_agent);
    if (q->body.len) sip__ua_wf(&w, "Content-Type: %s\r\n", q->ctype ? q->ctype : "application/sdp");
    sip__ua_wf(&w, "Content-Length: %u\r\n\r\n", (unsigned)q->body.len);
    if (w.over || w.n + q->body.len > cap) return SIP_UA_ERR_TOO_BIG;
    if (q->body.len) memcpy(out + w.n, q->body.p, q->body.len);
    return (int)(w.n + q->body.len);
}

/* The next hop of a request: the first route, else the Request-URI. */
static sip_str sip__ua_next_hop(const sip__ua_rq *q)
{
    return q->n_routes && !q->strict ? q->routes[0] : q->ruri;
}

/* Build and start a client transaction for q. */
static int sip__ua_start(sip_ua *ua, const sip__ua_rq *q, int purpose, int32_t owner,
                         uint32_t gen, sip__ua_req **rec_out, sip_tsx_id *id_out)
{
    char buf[SIP_UA_MAX_MSG];
    sip_target t;
    sip__ua_req *r;
    int n, rc;
    rc = sip__ua_resolve(ua, sip__ua_next_hop(q), &t);
    if (rc) return rc;
    n = sip__ua_build(ua, q, &t, buf, sizeof buf);
    if (n < 0) return n;
    r = sip__ua_req_new(ua, purpose, owner, gen);
    if (!r) return SIP_UA_ERR_NOMEM;
    r->method = sip_method_from_str(sip_str_c(q->method));
    r->cseq = q->cseq;
    r->target = t;
    if (ua->cb.credentials && r->method != SIP_METHOD_BYE) {
        r->copy = sip__ua_dup(buf, (size_t)n);
        if (!r->copy) { sip__ua_req_free(r); return SIP_UA_ERR_NOMEM; }
        r->copy_len = (size_t)n;
    }
    rc = sip_tsx_request(&ua->tsx, buf, (size_t)n, &t, 1, r, ua->now, &r->id);
    if (rc == SIP_TSX_ERR_TRANSPORT) return SIP_UA_ERR_TRANSPORT; /* TERMINATED freed r */
    if (rc) { sip__ua_req_free(r); return rc; }
    if (rec_out) *rec_out = r;
    if (id_out) *id_out = r->id;
    return 0;
}

/* Request-URI and Route of an in-dialog request (§12.2.1.1): loose
 * routing when the first route has ;lr, else strict (the first route
 * becomes the Request-URI and the remote target goes last). */
static int sip__ua_dlg_route(const sip__ua_dlg *d, sip_str *ruri, sip_str *routes, int *n)
{
    int i, k = 0;
    sip_str target = sip__ua_dstr(d, SIP__UA_S_TARGET);
    if (d->n_route) {
        sip_addr a;
        sip_str first = sip__ua_rstr(d, 0), lr;
        int loose = 1;
        if (sip_addr_parse(first, &a) == 0) loose = sip_param_find(a.uri.params, "lr", &lr);
        if (!loose) {
            *ruri = sip_addr_parse(first, &a) == 0 ? a.uri.raw : first;
            for (i = 1; i < d->n_route; i++) routes[k++] = sip__ua_rstr(d, i);
            routes[k++] = target; /* §12.2.1.1: remote target as the last Route */
            *n = k;
            return 1;
        }
    }
    *ruri = target;
    for (i = 0; i < d->n_route; i++) routes[k++] = sip__ua_rstr(d, i);
    *n = k;
    return 0;
}

static void sip__ua_dlg_fromto(const sip__ua_dlg *d, char *from, char *to, size_t cap)
{
    sip_str lu = sip__ua_dstr(d, SIP__UA_S_LURI), ru = sip__ua_dstr(d, SIP__UA_S_RURI);
    sip_str lt = sip__ua_dstr(d, SIP__UA_S_LTAG), rt = sip__ua_dstr(d, SIP__UA_S_RTAG);
    snprintf(from, cap, "%.*s;tag=%.*s", (int)lu.len, lu.p, (int)lt.len, lt.p);
    if (rt.len) snprintf(to, cap, "%.*s;tag=%.*s", (int)ru.len, ru.p, (int)rt.len, rt.p);
    else snprintf(to, cap, "%.*s", (int)ru.len, ru.p);
}

/* The method-agnostic in-dialog request path (§12.2.1.1): every later
 * in-dialog method (PRACK, UPDATE, INFO, NOTIFY, REFER) goes through here. */
static int sip__ua_dlg_request(sip_ua *ua, int32_t slot, const char *method, sip_str body,
                               const char *ctype, const char *extra, int purpose, int32_t owner,
                               uint32_t gen, sip_tsx_id *id_out)
{
    sip__ua_dlg *d = ua->dlgs[slot];
    sip_str routes[SIP_UA_MAX_ROUTES + 1];
    char from[512], to[512];
    sip__ua_rq q;
    memset(&q, 0, sizeof q);
    q.strict = sip__ua_dlg_route(d, &q.ruri, routes, &q.n_routes);
    q.routes = routes;
    sip__ua_dlg_fromto(d, from, to, sizeof from);
    q.method = method;
    q.from = sip_str_c(from);
    q.to = sip_str_c(to);
    q.call_id = sip__ua_dstr(d, SIP__UA_S_CALLID);
    q.cseq = ++d->lcseq;
    q.contact = !strcmp(method, "INVITE") || !strcmp(method, "UPDATE") ||
                !strcmp(method, "SUBSCRIBE") || !strcmp(method, "NOTIFY") || !strcmp(method, "REFER");
    q.body = body;
    q.ctype = ctype;
    q.extra = extra;
    return sip__ua_start(ua, &q, purpose, owner, gen, NULL, id_out);
}

/* ---- calls ----------------------------------------------------------- */

/* 1 when slot still holds the object of generation gen. */
static int sip__ua_call_alive(const sip_ua *ua, uint32_t slot, uint32_t gen)
{
    return ua->calls[slot] && ua->calls[slot]->gen == gen;
}

static sip__ua_call *sip__ua_call_get(const sip_ua *ua, sip_ua_call id, uint32_t *slot)
{
    uint32_t s, g;
    sip__ua_call *c;
    if (!ua || sip__ua_id_slot(id, ua->cfg.max_sessions, &s, &g)) return NULL;
    c = ua->calls[s];
    if (!c || c->gen != g || c->hung_up) return NULL;
    if (slot) *slot = s;
    return c;
}

static sip_ua_call sip__ua_call_id(const sip_ua *ua, uint32_t slot)
{
    return sip__ua_mkid(slot, ua->calls[slot]->gen);
}

static int sip__ua_call_new(sip_ua *ua, int is_uac, uint32_t *slot_out)
{
    uint32_t i;
    sip__ua_call *c;
    for (i = 0; i < ua->cfg.max_sessions; i++)
        if (!ua->calls[i]) break;
    if (i == ua->cfg.max_sessions) return SIP_UA_ERR_FULL;
    c = (sip__ua_call *)SIP_DIALOG_MALLOC(sizeof *c);
    if (!c) return SIP_UA_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    c->gen = sip__ua_next_gen(ua);
    c->is_uac = (uint8_t)is_uac;
    c->dlg = -1;
    c->o_version = 1;
    c->x.se = ua->cfg.session_expires;
    c->x.min_se = ua->cfg.min_se;
    ua->calls[i] = c;
    ua->n_calls++;
    *slot_out = i;
    return 0;
}

static void sip__ua_emit(sip_ua *ua, sip_ua_event *ev)
{
    ua->depth++;
    ua->cb.on_event(ua->cb.user, ev);
    ua->depth--;
}

static void sip__ua_call_event(sip_ua *ua, uint32_t slot, int state, int cause, int status,
                               const sip_msg *m)
{
    sip_ua_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SIP_UA_EV_CALL_STATE;
    ev.call = sip__ua_call_id(ua, slot);
    ev.state = state;
    ev.cause = (sip_ua_cause)cause;
    ev.status = status;
    ev.msg = m;
    ua->calls[slot]->state = (uint8_t)state;
    sip__ua_emit(ua, &ev);
}

static void sip__ua_media_event(sip_ua *ua, uint32_t slot, const sdp_negotiated *neg, size_t n)
{
    sip_ua_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SIP_UA_EV_MEDIA;
    ev.call = sip__ua_call_id(ua, slot);
    ev.media = neg;
    ev.n_media = n;
    sip__ua_emit(ua, &ev);
}

/* Free a call; its dialogs lose their owner (a dialog still ending with
 * BYE lives on with usage BYE). */
static void sip__ua_call_free(sip_ua *ua, uint32_t slot)
{
    sip__ua_call *c = ua->calls[slot];
    uint32_t i;
    for (i = 0; i < ua->cfg.max_dialogs; i++) {
        sip__ua_dlg *d = ua->dlgs[i];
        if (d && d->call == (int32_t)slot) {
            d->call = -1;
            d->usage &= (uint8_t)~SIP__UA_USE_INVITE; /* RFC 5057: other usages live on */
            if (!(d->usage & (SIP__UA_USE_BYE | SIP__UA_USE_SUB))) sip__ua_dlg_free(ua, (int32_t)i);
        }
    }
    SIP_DIALOG_FREE(c->ack);
    SIP_DIALOG_FREE(c->req);
    SIP_DIALOG_FREE(c->resp);
    SIP_DIALOG_FREE(c->x.rel_resp);
    SIP_DIALOG_FREE(c);
    ua->calls[slot] = NULL;
    ua->n_calls--;
}

/* TERMINATED event, then the call is gone. */
static void sip__ua_call_end(sip_ua *ua, uint32_t slot, int cause, int status, const sip_msg *m)
{
    if (ua->calls[slot]->hung_up) { /* TERMINATED already reported */
        sip__ua_call_free(ua, slot);
        return;
    }
    sip__ua_call_event(ua, slot, SIP_UA_CALL_TERMINATED, cause, status, m);
    if (ua->calls[slot]) sip__ua_call_free(ua, slot);
}

/* A copy of local with the call's o= version (RFC 3264 §8). */
static int sip__ua_offer(sip__ua_call *c, char *out, size_t cap)
{
    sdp_local l;
    int n;
    if (!c->local) return SIP_UA_ERR_SDP;
    l = *c->local;
    l.sess_version = c->o_version;
    n = sdp_offer_build(&l, out, cap, NULL);
    return n < 0 ? SIP_UA_ERR_SDP : n;
}

/* Parse an SDP body into s (attrs/media from the caller). */
#define SIP__UA_SDP_ATTRS 128
static int sip__ua_sdp_parse(sip_str body, sdp_session *s, sdp_attr *a, sdp_media *m)
{
    return sdp_parse(body.p, body.len, SDP_PARSE_LENIENT, s, a, SIP__UA_SDP_ATTRS, m,
                     SIP_UA_MAX_MEDIA, NULL);
}

/* Build an answer to offer_body from the call's local description. */
static int sip__ua_answer_sdp(sip_ua *ua, uint32_t slot, sip_str offer_body, char *out, size_t cap,
                              int emit)
{
    sip__ua_call *c = ua->calls[slot];
    sdp_session s;
    sdp_attr a[SIP__UA_SDP_ATTRS];
    sdp_media m[SIP_UA_MAX_MEDIA];
    sdp_negotiated neg[SIP_UA_MAX_MEDIA];
    sdp_local l;
    int n;
    if (!c->local || sip__ua_sdp_parse(offer_body, &s, a, m) != 0) return SIP_UA_ERR_SDP;
    l = *c->local;
    l.sess_version = c->o_version;
    n = sdp_answer_build(&s, &l, neg, SIP_UA_MAX_MEDIA, out, cap, NULL);
    if (n < 0) return SIP_UA_ERR_SDP;
    if (emit) sip__ua_media_event(ua, slot, neg, s.n_media);
    return n;
}

/* Process an answer to our offer; emits MEDIA. */
static int sip__ua_take_answer(sip_ua *ua, uint32_t slot, sip_str body)
{
    sip__ua_call *c = ua->calls[slot];
    sdp_session s;
    sdp_attr a[SIP__UA_SDP_ATTRS];
    sdp_media m[SIP_UA_MAX_MEDIA];
    sdp_negotiated neg[SIP_UA_MAX_MEDIA];
    sdp_local l;
    if (!c->local || sip__ua_sdp_parse(body, &s, a, m) != 0) return SIP_UA_ERR_SDP;
    l = *c->local;
    l.sess_version = c->o_version;
    if (sdp_answer_process(&l, &s, neg, SIP_UA_MAX_MEDIA) != 0) return SIP_UA_ERR_SDP;
    c->oa = SIP__UA_OA_DONE;
    sip__ua_media_event(ua, slot, neg, s.n_media);
    return 0;
}

static int sip__ua_is_sdp(const sip_msg *m)
{
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_CONTENT_TYPE, &pos);
    sip_media_type mt;
    if (!m->body.len || !h) return 0;
    if (sip_media_type_parse(h->value, &mt) != 0) return 0;
    return sip_str_caseeq_c(mt.type, "application") && sip_str_caseeq_c(mt.subtype, "sdp");
}

/* The from value for new out-of-dialog requests: "Name" <aor>. */
static void sip__ua_local_uri(const sip_ua *ua, char *out, size_t cap)
{
    if (ua->cfg.display_name)
        snprintf(out, cap, "\"%s\" <%s>", ua->cfg.display_name, ua->cfg.aor);
    else
        snprintf(out, cap, "<%s>", ua->cfg.aor);
}

/* The pre-loaded route set: outbound proxy then Service-Route (RFC 3608). */
static int sip__ua_preloaded(const sip_ua *ua, sip_str *routes, char *buf, size_t cap)
{
    int n = 0;
    if (ua->cfg.outbound_proxy) {
        int k = snprintf(buf, cap, "<%s>", ua->cfg.outbound_proxy);
        if (k > 0 && (size_t)k < cap) {
            routes[n].p = buf;
            routes[n++].len = (size_t)k;
        }
    }
    if (ua->service_route) {
        const char *p = ua->service_route;
        while (*p && n < SIP_UA_MAX_ROUTES) {
            const char *e = strchr(p, '\n');
            if (!e) e = p + strlen(p);
            routes[n].p = p;
            routes[n++].len = (size_t)(e - p);
            p = *e ? e + 1 : e;
        }
    }
    return n;
}

SIP_DIALOG_DEF int sip_ua_call_start(sip_ua *ua, const char *to_uri, const sdp_local *local,
                                     unsigned flags, uint64_t now_us, sip_ua_call *out)
{
    return sip__ua_invite_start(ua, to_uri, local, flags, NULL, now_us, out);
}

/* The INVITE of a new call, with extra header lines (RFC 3891 Replaces,
 * RFC 3892 Referred-By) or NULL. */
static int sip__ua_invite_start(sip_ua *ua, const char *to_uri, const sdp_local *local,
                                unsigned flags, const char *extra, uint64_t now_us,
                                sip_ua_call *out)
{
    uint32_t slot, ds, gen;
    sip__ua_call *c;
    sip__ua_dlg *d;
    sip_addr to;
    char tag[20], cid[64], from[300], sdpb[4096], rbuf[300], tov[300], xh[1024];
    size_t xl;
    sip_str vals[SIP__UA_S_N], routes[SIP_UA_MAX_ROUTES];
    sip__ua_rq q;
    int rc, n;
    if (!ua || !to_uri || !local) return SIP_UA_ERR_INVALID;
    if (sip_addr_parse(sip_str_c(to_uri), &to) != 0 || to.tag.p) return SIP_UA_ERR_INVALID;
    ua->now = now_us;
    if (sip_gen_tag(tag, sizeof tag, ua->cb.rand, ua->cb.user) < 0 ||
        sip_gen_call_id(cid, sizeof cid, (sip_str){NULL, 0}, ua->cb.rand, ua->cb.user) < 0)
        return SIP_UA_ERR_CALLBACK;
    rc = sip__ua_call_new(ua, 1, &slot);
    if (rc) return rc;
    c = ua->calls[slot];
    gen = c->gen;
    c->local = local;
    c->no_offer = (flags & SIP_UA_CALL_NO_OFFER) != 0;
    rc = sip__ua_dlg_new(ua, (int32_t)slot, 1, &ds);
    if (rc) { sip__ua_call_free(ua, slot); return rc; }
    d = ua->dlgs[ds];
    d->usage = SIP__UA_USE_INVITE;
    d->owns_call_id = 1;
    d->lcseq = 1;
    c->dlg = (int32_t)ds;
    sip__ua_local_uri(ua, from, sizeof from);
    if (to.angle) snprintf(tov, sizeof tov, "%s", to_uri);
    else snprintf(tov, sizeof tov, "<%s>", to_uri);
    memset(vals, 0, sizeof vals);
    vals[SIP__UA_S_CALLID] = sip_str_c(cid);
    vals[SIP__UA_S_LTAG] = sip_str_c(tag);
    vals[SIP__UA_S_LURI] = sip_str_c(from);
    vals[SIP__UA_S_RURI] = sip_str_c(tov);
    vals[SIP__UA_S_TARGET] = to.uri.raw;
    rc = sip__ua_dlg_store(d, vals, NULL, 0);
    if (rc) { sip__ua_call_free(ua, slot); return rc; }
    memset(&q, 0, sizeof q);
    q.method = "INVITE";
    q.ruri = to.uri.raw;
    q.n_routes = sip__ua_preloaded(ua, routes, rbuf, sizeof rbuf);
    q.routes = routes;
    snprintf(from + strlen(from), sizeof from - strlen(from), ";tag=%s", tag);
    q.from = sip_str_c(from);
    q.to = sip_str_c(tov);
    q.call_id = sip_str_c(cid);
    q.cseq = 1;
    q.contact = 1;
    if (extra && strlen(extra) >= sizeof xh) { sip__ua_call_free(ua, slot); return SIP_UA_ERR_TOO_BIG; }
    xl = extra ? strlen(extra) : 0; /* RFC 3891 Replaces, RFC 3892 Referred-By */
    if (extra) memcpy(xh, extra, xl + 1);
    if (!sip__ua_x_invite_hdrs(ua, c, 1, xh + xl, sizeof xh - xl)) xh[xl] = '\0';
    q.extra = xh[0] ? xh : NULL;
    if (!c->no_offer) {
        n = sip__ua_offer(c, sdpb, sizeof sdpb);
        if (n < 0) { sip__ua_call_free(ua, slot); return n; }
        q.body.p = sdpb;
        q.body.len = (size_t)n;
        c->oa = SIP__UA_OA_LOCAL;
    }
    c->invite_cseq = 1;
    c->state = SIP_UA_CALL_CALLING;
    rc = sip__ua_start(ua, &q, SIP__UA_P_INVITE, (int32_t)slot, c->gen, NULL, &c->ict);
    if (rc) {
        if (sip__ua_call_alive(ua, slot, gen)) sip__ua_call_free(ua, slot);
        return rc;
    }
    if (out) *out = sip__ua_mkid(slot, c->gen);
    return 0;
}

SIP_DIALOG_DEF int sip_ua_call_state_of(const sip_ua *ua, sip_ua_call call)
{
    sip__ua_call *c = sip__ua_call_get(ua, call, NULL);
    return c ? (int)c->state : (int)SIP_UA_ERR_STALE;
}

SIP_DIALOG_DEF uint32_t sip_ua_count_calls(const sip_ua *ua) { return ua ? ua->n_calls : 0; }
SIP_DIALOG_DEF uint32_t sip_ua_count_dialogs(const sip_ua *ua) { return ua ? ua->n_dlgs : 0; }
SIP_DIALOG_DEF uint32_t sip_ua_count_regs(const sip_ua *ua) { return ua ? ua->n_regs : 0; }

/* Send BYE on dialog slot and let the dialog live until its response. */
static int sip__ua_send_bye(sip_ua *ua, int32_t ds)
{
    sip__ua_dlg *d = ua->dlgs[ds];
    sip_str none = {NULL, 0};
    uint32_t gen = d->gen;
    int rc;
    d->usage |= SIP__UA_USE_BYE;
    d->call = -1;
    rc = sip__ua_dlg_request(ua, ds, "BYE", none, NULL, NULL, SIP__UA_P_BYE, ds, d->gen, NULL);
    if (rc && ua->dlgs[ds] && ua->dlgs[ds]->gen == gen)
        sip__ua_dlg_release(ua, ds, SIP__UA_USE_BYE | SIP__UA_USE_INVITE);
    return rc;
}

/* ---- UAS responses --------------------------------------------------- */

/* Build a response to the kept INVITE of call slot: Record-Route copied
 * (§12.1.1), Contact, Allow, body. */
static int sip__ua_uas_build(sip_ua *ua, uint32_t slot, int status, sip_str body, char *out,
                             size_t cap)
{
    sip__ua_call *c = ua->calls[slot];
    sip__ua_dlg *d = ua->dlgs[c->dlg];
    sip_hdr hdrs[SIP_TSX_MAX_HEADERS];
    sip_hdr_field ex[SIP_UA_MAX_ROUTES + 12];
    sip_parse_config pc;
    sip_msg m;
    char contact[300], xbuf[512];
    size_t n = 0, pos = 0;
    const sip_hdr *h;
    int r;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    if (!c->req || sip_parse(c->req, c->req_len, &pc, &m, hdrs, SIP_TSX_MAX_HEADERS, NULL) < 0)
        return SIP_UA_ERR_STATE;
    if (status > 100 && status < 300) {
        while ((h = sip_msg_find(&m, SIP_HDR_RECORD_ROUTE, &pos)) != NULL && n < SIP_UA_MAX_ROUTES) {
            ex[n].name = sip_str_c("Record-Route");
            ex[n++].value = h->value;
        }
        snprintf(contact, sizeof contact, "<%s>", ua->cfg.contact);
        ex[n].name = sip_str_c("Contact");
        ex[n++].value = sip_str_c(contact);
    }
    ex[n].name = sip_str_c("Allow");
    ex[n++].value = sip_str_c(SIP__UA_ALLOW);
    n += sip__ua_x_resp_hdrs(ua, slot, &m, status, ex + n, xbuf, sizeof xbuf);
    if (ua->cfg.user_agent) {
        ex[n].name = sip_str_c("Server");
        ex[n++].value = sip_str_c(ua->cfg.user_agent);
    }
    if (body.len) {
        ex[n].name = sip_str_c("Content-Type");
        ex[n++].value = sip_str_c("application/sdp");
    }
    r = sip_build_response(out, cap, &m, status, NULL, sip__ua_dstr(d, SIP__UA_S_LTAG), ex, n,
                           body, NULL);
    return r < 0 ? SIP_UA_ERR_TOO_BIG : r;
}

SIP_DIALOG_DEF int sip_ua_answer(sip_ua *ua, sip_ua_call call, int status,
                                 const sdp_local *local, uint64_t now_us)
{
    uint32_t slot;
    sip__ua_call *c = sip__ua_call_get(ua, call, &slot);
    char out[SIP_UA_MAX_MSG], sdpb[4096];
    sip_str body = {NULL, 0};
    int n, rc;
    if (!c) return SIP_UA_ERR_STALE;
    if (c->is_uac || !c->req) return SIP_UA_ERR_STATE;
    if (status <= 100 || status > 299) return SIP_UA_ERR_INVALID;
    if (local) c->local = local;
    if (!c->local) c->local = ua->cfg.local_sdp;
    ua->now = now_us;
    if (status < 200 && sip__ua_x_rel_needed(ua, c)) /* RFC 3262 §3 */
        return sip_ua_progress(ua, call, status, 1, status == 183 ? c->local : NULL, now_us);
    if (status >= 200 && c->x.rel_wait && c->x.rel_sdp) return SIP_UA_ERR_STATE; /* §3 */
    if (status == 183 || status >= 200) {
        if (!c->local) return SIP_UA_ERR_INVALID;
        if (c->oa == SIP__UA_OA_REMOTE) {
            sip_hdr hdrs[SIP_TSX_MAX_HEADERS];
            sip_parse_config pc;
            sip_msg m;
            memset(&pc, 0, sizeof pc);
            pc.flags = SIP_PARSE_DATAGRAM;
            if (sip_parse(c->req, c->req_len, &pc, &m, hdrs, SIP_TSX_MAX_HEADERS, NULL) < 0)
                return SIP_UA_ERR_STATE;
            n = sip__ua_answer_sdp(ua, slot, m.body, sdpb, sizeof sdpb, 0);
            if (n < 0) return n;
        } else if (c->oa == SIP__UA_OA_NONE) {
            n = sip__ua_offer(c, sdpb, sizeof sdpb);
            if (n < 0) return n;
        } else {
            n = 0; /* completed in a reliable 1xx (RFC 3262 §5) */
        }
        body.p = sdpb;
        body.len = (size_t)n;
    }
    n = sip__ua_uas_build(ua, slot, status, body, out, sizeof out);
    if (n < 0) return n;
    rc = sip_tsx_respond(&ua->tsx, c->ist, out, (size_t)n, now_us);
    if (rc) return rc;
    if (status >= 200) {
        /* the offer/answer outcome: answer given now, or offer in the 2xx */
        if (c->oa == SIP__UA_OA_REMOTE) {
            sip_hdr hdrs[SIP_TSX_MAX_HEADERS];
            sip_parse_config pc;
            sip_msg m;
            memset(&pc, 0, sizeof pc);
            pc.flags = SIP_PARSE_DATAGRAM;
            if (sip_parse(c->req, c->req_len, &pc, &m, hdrs, SIP_TSX_MAX_HEADERS, NULL) >= 0)
                (void)sip__ua_answer_sdp(ua, slot, m.body, sdpb, sizeof sdpb, 1);
            if (!sip__ua_call_alive(ua, slot, (uint32_t)(call >> 32))) return 0;
            c->oa = SIP__UA_OA_DONE;
        } else if (c->oa == SIP__UA_OA_NONE) {
            c->oa = SIP__UA_OA_LOCAL;
        }
        sip__ua_x_final(ua, c);
        c->resp = sip__ua_dup(out, (size_t)n);
        if (!c->resp) return SIP_UA_ERR_NOMEM;
        c->resp_len = (uint32_t)n;
        SIP_DIALOG_FREE(c->req);
        c->req = NULL;
        c->rtx_iv_ms = ua->tsx.cfg.t1_ms;
        c->rtx_at = now_us + (uint64_t)c->rtx_iv_ms * 1000u;
        c->ack_deadline = now_us + 64ull * ua->tsx.cfg.t1_ms * 1000u;
        ua->dlgs[c->dlg]->state = SIP__UA_DLG_CONFIRMED;
        sip__ua_call_event(ua, slot, SIP_UA_CALL_ANSWERED, 0, status, NULL);
        if (sip__ua_call_alive(ua, slot, (uint32_t)(call >> 32))) sip__ua_x_post_answer(ua, slot);
    } else {
        ua->dlgs[c->dlg]->state = SIP__UA_DLG_EARLY;
        sip__ua_call_event(ua, slot, status == 180 ? SIP_UA_CALL_RINGING : SIP_UA_CALL_EARLY, 0,
                           status, NULL);
    }
    return 0;
}

SIP_DIALOG_DEF int sip_ua_reject(sip_ua *ua, sip_ua_call call, int status, uint64_t now_us)
{
    uint32_t slot;
    sip__ua_call *c = sip__ua_call_get(ua, call, &slot);
    char out[SIP_UA_MAX_MSG];
    sip_str none = {NULL, 0};
    int n;
    if (!c) return SIP_UA_ERR_STALE;
    if (c->is_uac || !c->req) return SIP_UA_ERR_STATE;
    if (status < 300 || status > 699) return SIP_UA_ERR_INVALID;
    ua->now = now_us;
    n = sip__ua_uas_build(ua, slot, status, none, out, sizeof out);
    if (n > 0) (void)sip_tsx_respond(&ua->tsx, c->ist, out, (size_t)n, now_us);
    sip__ua_call_end(ua, slot, SIP_UA_CAUSE_LOCAL_CANCEL, status, NULL);
    return n < 0 ? n : 0;
}

SIP_DIALOG_DEF int sip_ua_cancel(sip_ua *ua, sip_ua_call call, uint64_t now_us)
{
    uint32_t slot;
    sip__ua_call *c = sip__ua_call_get(ua, call, &slot);
    int rc;
    if (!c) return SIP_UA_ERR_STALE;
    if (!c->is_uac || c->state >= SIP_UA_CALL_ANSWERED || c->cancel_wanted) return SIP_UA_ERR_STATE;
    ua->now = now_us;
    rc = sip_tsx_cancel(&ua->tsx, c->ict, NULL, now_us, NULL);
    if (rc == 0) c->cancel_wanted = 1;
    return rc;
}

SIP_DIALOG_DEF int sip_ua_hangup(sip_ua *ua, sip_ua_call call, uint64_t now_us)
{
    uint32_t slot;
    sip__ua_call *c = sip__ua_call_get(ua, call, &slot);
    int rc = 0;
    if (!c) return SIP_UA_ERR_STALE;
    ua->now = now_us;
    if (!c->is_uac && c->req) return sip_ua_reject(ua, call, 603, now_us);
    if (!c->is_uac && c->resp && !c->reinv_in) {
        /* §15: the UAS sends BYE only once the ACK arrived (or 64*T1
         * passed); the call lives on hidden until then */
        uint32_t gen = c->gen;
        sip__ua_call_event(ua, slot, SIP_UA_CALL_TERMINATED, SIP_UA_CAUSE_LOCAL_BYE, 0, NULL);
        if (sip__ua_call_alive(ua, slot, gen)) c->hung_up = 1;
        return 0;
    }
    if (c->is_uac && c->state < SIP_UA_CALL_ANSWERED) {
        if (!c->cancel_wanted) rc = sip_tsx_cancel(&ua->tsx, c->ict, NULL, now_us, NULL);
        /* the INVITE transaction lives on: a crossing 2xx gets ACK + BYE
         * through sip__ua_orphan_2xx() (the call and its dialogs are gone) */
        sip__ua_call_end(ua, slot, SIP_UA_CAUSE_LOCAL_CANCEL, 0, NULL);
        return rc;
    }
    if (c->dlg >= 0 && ua->dlgs[c->dlg]) rc = sip__ua_send_bye(ua, c->dlg);
    c = sip__ua_call_get(ua, call, &slot);
    if (c) {
        c->dlg = -1;
        sip__ua_call_end(ua, slot, SIP_UA_CAUSE_LOCAL_BYE, 0, NULL);
    }
    return rc;
}

SIP_DIALOG_DEF int sip_ua_reinvite(sip_ua *ua, sip_ua_call call, const sdp_local *local,
                                   uint64_t now_us)
{
    uint32_t slot;
    sip__ua_call *c = sip__ua_call_get(ua, call, &slot);
    char sdpb[4096], xh[512];
    sip_str body;
    int n, rc;
    if (!c) return SIP_UA_ERR_STALE;
    if (c->state != SIP_UA_CALL_CONFIRMED || c->oa == SIP__UA_OA_LOCAL ||
        c->oa == SIP__UA_OA_REMOTE || c->ict || c->reinv_in)
        return SIP_UA_ERR_STATE;
    ua->now = now_us;
    if (local) c->local = local;
    c->o_version++;
    n = sip__ua_offer(c, sdpb, sizeof sdpb);
    if (n < 0) return n;
    body.p = sdpb;
    body.len = (size_t)n;
    rc = sip__ua_dlg_request(ua, c->dlg, "INVITE", body, NULL,
                             sip__ua_x_invite_hdrs(ua, c, 0, xh, sizeof xh), SIP__UA_P_REINVITE,
                             (int32_t)slot, c->gen, &c->ict);
    if (rc) return rc;
    c->oa = SIP__UA_OA_LOCAL;
    c->invite_cseq = ua->dlgs[c->dlg]->lcseq;
    c->glare_at = 0;
    return 0;
}

/* ---- UAS: incoming requests (§8.2, §12.2.2, §13.3, §14.2, §15.1.2) --- */

/* Answer a request at once (non-INVITE, or an INVITE we refuse). */
static void sip__ua_reply(sip_ua *ua, const sip_tsx_event *ev, int status, const char *reason,
                          const char *extra_name, sip_str extra_value)
{
    char out[SIP_UA_MAX_MSG], tag[20];
    sip_hdr_field ex[5];
    size_t n = 0;
    int r;
    sip_str to_tag = {NULL, 0};
    if (!ev->msg->to.tag.p && sip_gen_tag(tag, sizeof tag, ua->cb.rand, ua->cb.user) > 0)
        to_tag = sip_str_c(tag);
    if (extra_name) {
        ex[n].name = sip_str_c(extra_name);
        ex[n++].value = extra_value;
    }
    if (status == 405 || (status == 200 && ev->msg->method == SIP_METHOD_OPTIONS)) {
        ex[n].name = sip_str_c("Allow");
        ex[n++].value = sip_str_c(SIP__UA_ALLOW);
    }
    r = sip_build_response(out, sizeof out, ev->msg, status, reason, to_tag, ex, n,
                           (sip_str){NULL, 0}, NULL);
    if (r > 0) (void)sip_tsx_respond(&ua->tsx, ev->id, out, (size_t)r, ua->now);
}

static const char *const sip__ua_ctypes[] = {"application/sdp", "text/plain", NULL};
static const char *const sip__ua_options[] = {"replaces", "join", "norefersub", NULL};

static int32_t sip__ua_call_of_ist(const sip_ua *ua, sip_tsx_id ist)
{
    uint32_t i;
    for (i = 0; i < ua->cfg.max_sessions; i++)
        if (ua->calls[i] && !ua->calls[i]->is_uac && ua->calls[i]->ist == ist && ist)
            return (int32_t)i;
    return -1;
}

static void sip__ua_new_invite(sip_ua *ua, const sip_tsx_event *ev)
{
    const sip_msg *m = ev->msg;
    uint32_t slot, ds;
    sip__ua_call *c;
    sip__ua_dlg *d;
    sip_str vals[SIP__UA_S_N];
    char tag[20], ruri[300], luri[300];
    sip_ua_event uev;
    sdp_session s;
    sdp_attr a[SIP__UA_SDP_ATTRS];
    sdp_media md[SIP_UA_MAX_MEDIA];
    sdp_negotiated neg[SIP_UA_MAX_MEDIA];
    int has_offer = sip__ua_is_sdp(m);
    sip_ua_call rep = 0, join = 0;
    if (sip__ua_x_invite_check(ua, ev)) return;
    if (sip__ua_join_check(ua, ev, &rep, &join)) return; /* RFC 3891, RFC 3911 */
    if (m->body.len && !has_offer) {
        sip__ua_reply(ua, ev, 415, NULL, "Accept", sip_str_c("application/sdp"));
        return;
    }
    if (has_offer && sip__ua_sdp_parse(m->body, &s, a, md) != 0) {
        sip__ua_reply(ua, ev, 488, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    if (!m->from.tag.p || sip_gen_tag(tag, sizeof tag, ua->cb.rand, ua->cb.user) < 0 ||
        sip__ua_call_new(ua, 0, &slot) != 0) {
        sip__ua_reply(ua, ev, m->from.tag.p ? 486 : 400, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    c = ua->calls[slot];
    if (sip__ua_dlg_new(ua, (int32_t)slot, 0, &ds) != 0) {
        sip__ua_call_free(ua, slot);
        sip__ua_reply(ua, ev, 486, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    d = ua->dlgs[ds];
    d->usage = SIP__UA_USE_INVITE;
    d->rcseq = m->cseq.num;
    d->has_rcseq = 1;
    d->lcseq = 0;
    c->dlg = (int32_t)ds;
    /* From/To values without their tags (§12.1.1) */
    {
        /* the remote URI: the From value up to its parameters */
        size_t i, len = 0;
        size_t pos = 0;
        const sip_hdr *h = sip_msg_find(m, SIP_HDR_FROM, &pos);
        sip_str v = h ? h->value : (sip_str){"", 0};
        if (m->from.params.p && m->from.params.p >= v.p) len = (size_t)(m->from.params.p - v.p);
        else len = v.len;
        for (i = 0; i < len && i < sizeof ruri - 1; i++) ruri[i] = v.p[i];
        ruri[i] = 0;
        pos = 0;
        h = sip_msg_find(m, SIP_HDR_TO, &pos);
        v = h ? h->value : (sip_str){"", 0};
        if (m->to.params.p && m->to.params.p >= v.p) len = (size_t)(m->to.params.p - v.p);
        else len = v.len;
        for (i = 0; i < len && i < sizeof luri - 1; i++) luri[i] = v.p[i];
        luri[i] = 0;
    }
    memset(vals, 0, sizeof vals);
    vals[SIP__UA_S_CALLID] = m->call_id;
    vals[SIP__UA_S_LTAG] = sip_str_c(tag);
    vals[SIP__UA_S_RTAG] = m->from.tag;
    vals[SIP__UA_S_LURI] = sip_str_trim(sip_str_c(luri));
    vals[SIP__UA_S_RURI] = sip_str_trim(sip_str_c(ruri));
    vals[SIP__UA_S_TARGET] = m->from.uri.raw;
    if (sip__ua_dlg_from_msg(d, m, 0, vals) != 0) {
        sip__ua_call_free(ua, slot);
        sip__ua_reply(ua, ev, 500, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    c->ist = ev->id;
    c->peer = *ev->peer;
    c->invite_cseq = m->cseq.num;
    sip__ua_x_incoming(ua, c, m);
    /* the whole message: from the start line to the end of the body */
    c->req_len = (uint32_t)((m->body.p ? m->body.p + m->body.len : m->start_line.p + m->msg_len) - m->start_line.p);
    c->req = sip__ua_dup(m->start_line.p, c->req_len);
    if (!c->req) {
        sip__ua_call_free(ua, slot);
        sip__ua_reply(ua, ev, 500, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    c->oa = has_offer ? SIP__UA_OA_REMOTE : SIP__UA_OA_NONE;
    c->state = SIP_UA_CALL_INCOMING;
    c->replaces = rep;
    memset(&uev, 0, sizeof uev);
    uev.type = SIP_UA_EV_INCOMING_CALL;
    uev.replaces = rep;
    uev.joins = join;
    uev.call = sip__ua_mkid(slot, c->gen);
    uev.state = SIP_UA_CALL_INCOMING;
    uev.msg = m;
    if (has_offer) {
        uev.offer = &s;
        if (ua->cfg.local_sdp) {
            char scratch[4096];
            if (sdp_answer_build(&s, ua->cfg.local_sdp, neg, SIP_UA_MAX_MEDIA, scratch,
                                 sizeof scratch, NULL) > 0) {
                uev.media = neg;
                uev.n_media = s.n_media;
            }
        }
    }
    sip__ua_emit(ua, &uev);
}

/* Re-INVITE inside a confirmed session (§14.2). */
static void sip__ua_reinvite_in(sip_ua *ua, const sip_tsx_event *ev, uint32_t slot)
{
    sip__ua_call *c = ua->calls[slot];
    sip__ua_dlg *d = ua->dlgs[c->dlg];
    const sip_msg *m = ev->msg;
    uint32_t gen = c->gen;
    char sdpb[4096], tmp[SIP_UA_MAX_MSG];
    sip_str body = {NULL, 0};
    sip_str vals[SIP__UA_S_N];
    int n;
    if (c->ict || c->oa == SIP__UA_OA_LOCAL) {
        sip__ua_reply(ua, ev, 491, NULL, NULL, body);
        return;
    }
    if (c->resp || c->state != SIP_UA_CALL_CONFIRMED) {
        sip__ua_reply(ua, ev, 500, NULL, "Retry-After", sip_str_c("3"));
        return;
    }
    memset(vals, 0, sizeof vals);
    /* remote target refresh (§12.2.2) */
    {
        size_t pos = 0;
        const sip_hdr *h = sip_msg_find(m, SIP_HDR_CONTACT, &pos);
        sip_addr a;
        if (h && sip_addr_parse(h->value, &a) == 0) {
            vals[SIP__UA_S_TARGET] = a.uri.raw;
            (void)sip__ua_dlg_store(d, vals, NULL, -1);
        }
    }
    if (sip__ua_is_sdp(m)) {
        c->o_version++;
        n = sip__ua_answer_sdp(ua, slot, m->body, sdpb, sizeof sdpb, 0);
        if (n < 0) {
            c->o_version--;
            sip__ua_reply(ua, ev, 488, NULL, NULL, body);
            return;
        }
        c->oa = SIP__UA_OA_REMOTE;
    } else {
        c->o_version++;
        n = sip__ua_offer(c, sdpb, sizeof sdpb);
        if (n < 0) { sip__ua_reply(ua, ev, 500, NULL, NULL, body); return; }
        c->oa = SIP__UA_OA_LOCAL;
    }
    body.p = sdpb;
    body.len = (size_t)n;
    /* keep the request for the response builder */
    SIP_DIALOG_FREE(c->req);
    c->req_len = (uint32_t)((m->body.p ? m->body.p + m->body.len : m->start_line.p + m->msg_len) - m->start_line.p);
    c->req = sip__ua_dup(m->start_line.p, c->req_len);
    if (!c->req) return;
    n = sip__ua_uas_build(ua, slot, 200, body, tmp, sizeof tmp);
    SIP_DIALOG_FREE(c->req);
    c->req = NULL;
    if (n < 0) return;
    c->ist = ev->id;
    c->peer = *ev->peer;
    c->invite_cseq = m->cseq.num;
    if (sip_tsx_respond(&ua->tsx, ev->id, tmp, (size_t)n, ua->now) != 0) return;
    c->resp = sip__ua_dup(tmp, (size_t)n);
    if (c->resp) c->resp_len = (uint32_t)n;
    c->rtx_iv_ms = ua->tsx.cfg.t1_ms;
    c->rtx_at = ua->now + (uint64_t)c->rtx_iv_ms * 1000u;
    c->ack_deadline = ua->now + 64ull * ua->tsx.cfg.t1_ms * 1000u;
    c->reinv_in = 1;
    if (c->oa == SIP__UA_OA_REMOTE) {
        (void)sip__ua_answer_sdp(ua, slot, m->body, sdpb, sizeof sdpb, 1);
        if (sip__ua_call_alive(ua, slot, gen)) c->oa = SIP__UA_OA_DONE;
    }
    if (sip__ua_call_alive(ua, slot, gen)) sip__ua_x_post_answer(ua, slot);
}

static void sip__ua_in_dialog(sip_ua *ua, const sip_tsx_event *ev)
{
    const sip_msg *m = ev->msg;
    int32_t ds = sip__ua_dlg_find(ua, m->call_id, m->to.tag, m->from.tag);
    sip__ua_dlg *d;
    int32_t cs;
    if (ds < 0 && m->method == SIP_METHOD_NOTIFY) ds = sip__ua_sub_fork_dialog(ua, m);
    if (ds < 0) {
        sip__ua_reply(ua, ev, 481, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    d = ua->dlgs[ds];
    /* §12.2.2: a lower CSeq than the last one is out of order */
    if (d->has_rcseq && m->cseq.num <= d->rcseq) {
        sip__ua_reply(ua, ev, 500, "Server Internal Error - CSeq out of order", NULL,
                      (sip_str){NULL, 0});
        return;
    }
    d->rcseq = m->cseq.num;
    d->has_rcseq = 1;
    cs = d->call;
    switch (m->method) {
    case SIP_METHOD_BYE:
        sip__ua_reply(ua, ev, 200, NULL, NULL, (sip_str){NULL, 0});
        if (cs >= 0 && ua->calls[cs]) {
            sip__ua_call *c = ua->calls[cs];
            /* §15.1.2: an INVITE still unanswered gets 487 */
            if (!c->is_uac && c->req) {
                char out[SIP_UA_MAX_MSG];
                int n = sip__ua_uas_build(ua, (uint32_t)cs, 487, (sip_str){NULL, 0}, out, sizeof out);
                if (n > 0) (void)sip_tsx_respond(&ua->tsx, c->ist, out, (size_t)n, ua->now);
            }
            sip__ua_call_end(ua, (uint32_t)cs, SIP_UA_CAUSE_REMOTE_BYE, 0, m);
        } else {
            sip__ua_dlg_release(ua, ds, SIP__UA_USE_BYE | SIP__UA_USE_INVITE);
        }
        return;
    case SIP_METHOD_INVITE:
        if (cs >= 0 && ua->calls[cs]) sip__ua_reinvite_in(ua, ev, (uint32_t)cs);
        else sip__ua_reply(ua, ev, 481, NULL, NULL, (sip_str){NULL, 0});
        return;
    case SIP_METHOD_OPTIONS:
        sip__ua_x_options(ua, ev);
        return;
    case SIP_METHOD_PRACK:
    case SIP_METHOD_UPDATE:
    case SIP_METHOD_INFO:
        sip__ua_x_in_dialog(ua, ev, cs);
        return;
    case SIP_METHOD_MESSAGE: {
        sip_ua_event uev;
        sip__ua_reply(ua, ev, 200, NULL, NULL, (sip_str){NULL, 0});
        memset(&uev, 0, sizeof uev);
        uev.type = SIP_UA_EV_MESSAGE;
        uev.msg = m;
        if (cs >= 0 && ua->calls[cs]) uev.call = sip__ua_mkid((uint32_t)cs, ua->calls[cs]->gen);
        sip__ua_emit(ua, &uev);
        return;
    }
    case SIP_METHOD_SUBSCRIBE:
    case SIP_METHOD_NOTIFY:
    case SIP_METHOD_REFER:
        sip__ua_sub_request(ua, ev, ds);
        return;
    default:
        sip__ua_reply(ua, ev, 405, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
}

static void sip__ua_on_request(sip_ua *ua, const sip_tsx_event *ev)
{
    const sip_msg *m = ev->msg;
    sip_check_policy pol;
    sip_check_result res;
    const char *sup[8];
    int st;
    if (ev->merged) { /* §8.2.2.2 */
        sip__ua_reply(ua, ev, 482, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    memset(&pol, 0, sizeof pol);
    pol.supported = sip__ua_options;
    /* NOTIFY bodies are the event package's (RFC 6665 §4.1.3) */
    pol.content_types = m->method == SIP_METHOD_NOTIFY ? NULL : sip__ua_ctypes;
    pol.allowed_methods = 1u << SIP_METHOD_INVITE | 1u << SIP_METHOD_ACK | 1u << SIP_METHOD_BYE |
                          1u << SIP_METHOD_CANCEL | 1u << SIP_METHOD_OPTIONS |
                          1u << SIP_METHOD_MESSAGE | 1u << SIP_METHOD_SUBSCRIBE |
                          1u << SIP_METHOD_NOTIFY | 1u << SIP_METHOD_REFER;
    sip__ua_x_policy(ua, m, &pol, sup);
    st = sip_request_check(m, &pol, &res);
    if (st) {
        if (st == 420) sip__ua_reply(ua, ev, st, res.reason, "Unsupported", res.unsupported);
        else if (st == 415) sip__ua_reply(ua, ev, st, res.reason, "Accept", sip_str_c("application/sdp, text/plain"));
        else sip__ua_reply(ua, ev, st, res.reason, NULL, (sip_str){NULL, 0});
        return;
    }
    if (m->method == SIP_METHOD_CANCEL) { /* §9.2 */
        int32_t cs = sip__ua_call_of_ist(ua, ev->cancelled);
        sip_str tag = {NULL, 0};
        if (cs >= 0 && ua->calls[cs]->dlg >= 0)
            tag = sip__ua_dstr(ua->dlgs[ua->calls[cs]->dlg], SIP__UA_S_LTAG);
        (void)sip_tsx_answer_cancel(&ua->tsx, ev->id, tag, ua->now);
        if (cs >= 0 && ua->calls[cs]->req)
            sip__ua_call_end(ua, (uint32_t)cs, SIP_UA_CAUSE_REMOTE_CANCEL, 487, m);
        return;
    }
    if (m->to.tag.p) {
        sip__ua_in_dialog(ua, ev);
        return;
    }
    switch (m->method) {
    case SIP_METHOD_INVITE:
        sip__ua_new_invite(ua, ev);
        return;
    case SIP_METHOD_OPTIONS:
        sip__ua_x_options(ua, ev);
        return;
    case SIP_METHOD_MESSAGE: {
        sip_ua_event uev;
        sip__ua_reply(ua, ev, 200, NULL, NULL, (sip_str){NULL, 0});
        memset(&uev, 0, sizeof uev);
        uev.type = SIP_UA_EV_MESSAGE;
        uev.msg = m;
        sip__ua_emit(ua, &uev);
        return;
    }
    case SIP_METHOD_BYE:
    case SIP_METHOD_PRACK: /* in-dialog methods outside any dialog */
    case SIP_METHOD_UPDATE:
    case SIP_METHOD_INFO:
        sip__ua_reply(ua, ev, 481, NULL, NULL, (sip_str){NULL, 0});
        return;
    case SIP_METHOD_SUBSCRIBE:
    case SIP_METHOD_NOTIFY:
    case SIP_METHOD_REFER:
        sip__ua_sub_request(ua, ev, -1);
        return;
    default:
        sip__ua_reply(ua, ev, 405, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
}

/* ACK of a 2xx (§13.3.1.4): stops the retransmissions; may carry the
 * answer to the offer of our 2xx. */
static void sip__ua_on_ack(sip_ua *ua, const sip_tsx_event *ev)
{
    const sip_msg *m = ev->msg;
    int32_t ds = sip__ua_dlg_find(ua, m->call_id, m->to.tag, m->from.tag);
    sip__ua_call *c;
    int32_t cs;
    if (ds < 0) return;
    cs = ua->dlgs[ds]->call;
    if (cs < 0 || !(c = ua->calls[cs]) || !c->resp || m->cseq.num != c->invite_cseq) return;
    SIP_DIALOG_FREE(c->resp);
    c->resp = NULL;
    c->rtx_at = c->ack_deadline = 0;
    if (c->hung_up) { /* the application hung up before the ACK */
        if (c->dlg >= 0 && ua->dlgs[c->dlg]) (void)sip__ua_send_bye(ua, c->dlg);
        if (ua->calls[cs] == c) sip__ua_call_free(ua, (uint32_t)cs);
        return;
    }
    if (c->oa == SIP__UA_OA_LOCAL) {
        if (sip__ua_is_sdp(m)) (void)sip__ua_take_answer(ua, (uint32_t)cs, m->body);
        if (!ua->calls[cs]) return;
        c->oa = SIP__UA_OA_DONE;
    }
    if (c->reinv_in) {
        c->reinv_in = 0;
        return;
    }
    if (c->replaces) sip__ua_replaced_end(ua, (uint32_t)cs);
    sip__ua_call_event(ua, (uint32_t)cs, SIP_UA_CALL_CONFIRMED, 0, 0, m);
}

/* ---- client authentication (§22.2, RFC 7616) -------------------------- */

static int sip__ua_alg_rank(sip_digest_alg a)
{
    switch (a) {
    case SIP_DIGEST_SHA256: return 3;
    case SIP_DIGEST_SHA512_256: return 2;
    case SIP_DIGEST_MD5: return 1;
    default: return 0;
    }
}

static void sip__ua_cpy(char *dst, size_t cap, sip_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (n) memcpy(dst, s.p, n);
    dst[n] = 0;
}

/* Answer every challenge of resp for the request in r->copy: returns 1
 * when a retry was started, 0 when not (the caller reports the failure). */
static int sip__ua_auth_retry(sip_ua *ua, sip__ua_req *r, const sip_msg *resp, uint32_t *new_cseq,
                              sip_tsx_id *new_id)
{
    sip_hdr hdrs[SIP_TSX_MAX_HEADERS];
    sip_parse_config pc;
    sip_msg m;
    sip_auth best[SIP_UA_MAX_REALMS];
    int is_proxy[SIP_UA_MAX_REALMS];
    int nb = 0, i, k;
    size_t pos;
    const sip_hdr *h;
    char out[SIP_UA_MAX_MSG], br[32];
    sip__ua_w w;
    sip__ua_req *nr;
    int rc;
    if (!ua->cb.credentials || !r->copy || r->auth_tries >= 3) return 0;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    if (sip_parse(r->copy, r->copy_len, &pc, &m, hdrs, SIP_TSX_MAX_HEADERS, NULL) < 0) return 0;
    /* the best challenge per realm */
    for (k = 0; k < 2; k++) {
        sip_hdr_id id = k ? SIP_HDR_PROXY_AUTHENTICATE : SIP_HDR_WWW_AUTHENTICATE;
        pos = 0;
        while ((h = sip_msg_find(resp, id, &pos)) != NULL) {
            sip_auth a;
            if (sip_auth_parse(h->value, &a) != 0 || !sip_str_caseeq_c(a.scheme, "Digest") ||
                !a.realm.p || !a.nonce.p || !sip__ua_alg_rank(a.alg))
                continue;
            for (i = 0; i < nb; i++)
                if (sip_str_eq(best[i].realm, a.realm)) break;
            if (i < nb) {
                if (sip__ua_alg_rank(a.alg) > sip__ua_alg_rank(best[i].alg)) best[i] = a;
                continue;
            }
            if (nb == SIP_UA_MAX_REALMS) continue;
            best[nb] = a;
            is_proxy[nb++] = k;
        }
    }
    if (!nb) return 0;
    /* update the realm cache */
    for (i = 0; i < nb; i++) {
        sip_auth *a = &best[i];
        sip_ua_realm *c = NULL;
        char user[128], pass[128];
        int stale = a->stale.p && sip_str_caseeq_c(a->stale, "true");
        for (k = 0; k < SIP_UA_MAX_REALMS; k++)
            if (ua->realms[k].used && sip_str_eq(sip_str_c(ua->realms[k].realm), a->realm) &&
                ua->realms[k].proxy == is_proxy[i])
                c = &ua->realms[k];
        if (c && !stale && r->auth_tries > 0 && sip_str_eq(sip_str_c(c->nonce), a->nonce))
            return 0; /* the credentials we just sent were refused */
        if (c && !stale && r->auth_tries > 0) {
            /* a new nonce without stale after our answer: the password is wrong */
            return 0;
        }
        if (c && stale && c->alg == (uint8_t)a->alg) {
            sip__ua_cpy(c->nonce, sizeof c->nonce, a->nonce);
            sip__ua_cpy(c->opaque, sizeof c->opaque, a->opaque);
            c->nc = 0;
            continue;
        }
        if (!c) {
            for (k = 0; k < SIP_UA_MAX_REALMS; k++)
                if (!ua->realms[k].used) break;
            if (k == SIP_UA_MAX_REALMS) k = 0; /* replace the oldest slot */
            c = &ua->realms[k];
        }
        memset(user, 0, sizeof user);
        memset(pass, 0, sizeof pass);
        if (ua->cb.credentials(ua->cb.user, a->realm, user, sizeof user, pass, sizeof pass) != 0)
            return 0;
        memset(c, 0, sizeof *c);
        {
            sip_str parts[5];
            uint8_t hv[32];
            size_t hl = sip_digest_alg_len(a->alg), j;
            static const char hx[] = "0123456789abcdef";
            parts[0] = sip_str_c(user);
            parts[1] = sip_str_c(":");
            parts[2] = a->realm;
            parts[3] = sip_str_c(":");
            parts[4] = sip_str_c(pass);
            if (sip_hash(a->alg, parts, 5, hv) != 0) return 0;
            for (j = 0; j < hl; j++) {
                c->ha1[2 * j] = hx[hv[j] >> 4];
                c->ha1[2 * j + 1] = hx[hv[j] & 15];
            }
            c->ha1[2 * hl] = 0;
            memset(pass, 0, sizeof pass);
        }
        sip__ua_cpy(c->realm, sizeof c->realm, a->realm);
        sip__ua_cpy(c->username, sizeof c->username, sip_str_c(user));
        sip__ua_cpy(c->nonce, sizeof c->nonce, a->nonce);
        sip__ua_cpy(c->opaque, sizeof c->opaque, a->opaque);
        sip__ua_cpy(c->host, sizeof c->host, m.ruri.host);
        c->alg = (uint8_t)a->alg;
        c->qop = (a->qop_mask & (1u << SIP_QOP_AUTH)) ? SIP_QOP_AUTH : SIP_QOP_NONE;
        c->proxy = (uint8_t)is_proxy[i];
        c->used = 1;
    }
    /* rebuild: the kept request minus Via/CSeq/credentials/Content-Length */
    if (sip_gen_branch(br, sizeof br, ua->cb.rand, ua->cb.user) < 0) return 0;
    w.p = out; w.cap = sizeof out; w.n = 0; w.over = 0;
    sip__ua_wf(&w, "%.*s\r\n", (int)m.start_line.len, m.start_line.p);
    sip__ua_wf(&w, "Via: SIP/2.0/%s %s;branch=%s;rport\r\n", sip_tp_name(r->target.tp),
               ua->cfg.via_sent_by, br);
    for (i = 0; i < (int)m.n_hdrs; i++) {
        const sip_hdr *x = &m.hdrs[i];
        if (x->index) continue; /* whole fields are copied once */
        if (x->id == SIP_HDR_VIA || x->id == SIP_HDR_CSEQ || x->id == SIP_HDR_AUTHORIZATION ||
            x->id == SIP_HDR_PROXY_AUTHORIZATION || x->id == SIP_HDR_CONTENT_LENGTH)
            continue;
        if (x->id == SIP_HDR_FROM || x->id == SIP_HDR_TO || x->id == SIP_HDR_CALL_ID) {
            sip__ua_wf(&w, "%.*s", (int)x->field.len, x->field.p);
            if (x->id == SIP_HDR_CALL_ID)
                sip__ua_wf(&w, "CSeq: %u %.*s\r\n", (unsigned)(r->cseq + 1), (int)m.method_str.len,
                           m.method_str.p);
            continue;
        }
        sip__ua_wf(&w, "%.*s", (int)x->field.len, x->field.p);
    }
    sip__ua_add_cached_auth(ua, &w, m.method_str, m.ruri_str, m.body);
    sip__ua_wf(&w, "Content-Length: %u\r\n\r\n", (unsigned)m.body.len);
    if (w.over || w.n + m.body.len > sizeof out) return 0;
    if (m.body.len) memcpy(out + w.n, m.body.p, m.body.len);
    w.n += m.body.len;
    nr = sip__ua_req_new(ua, r->purpose, r->owner, r->owner_gen);
    if (!nr) return 0;
    nr->method = r->method;
    nr->cseq = r->cseq + 1;
    nr->target = r->target;
    nr->auth_tries = r->auth_tries + 1;
    nr->copy = sip__ua_dup(out, w.n);
    if (!nr->copy) { sip__ua_req_free(nr); return 0; }
    nr->copy_len = w.n;
    rc = sip_tsx_request(&ua->tsx, out, w.n, &r->target, 1, nr, ua->now, &nr->id);
    if (rc == SIP_TSX_ERR_TRANSPORT) return 0;
    if (rc) { sip__ua_req_free(nr); return 0; }
    *new_cseq = nr->cseq;
    *new_id = nr->id;
    return 1;
}

/* ---- UAC: responses (§13.2.2, §14.1, §15.1.1) ------------------------ */

/* Build and send the ACK for a 2xx (§13.2.2.4): in-dialog request with the
 * INVITE's CSeq number, a new branch, the answer when the 2xx held the
 * offer. Kept on the call for retransmitted 2xx. */
static void sip__ua_send_ack(sip_ua *ua, int32_t ds, uint32_t cseq, sip_str body, int32_t keep_call)
{
    sip__ua_dlg *d = ua->dlgs[ds];
    sip_str routes[SIP_UA_MAX_ROUTES + 1];
    char from[512], to[512], out[SIP_UA_MAX_MSG];
    sip__ua_rq q;
    sip_target t;
    int n;
    memset(&q, 0, sizeof q);
    q.strict = sip__ua_dlg_route(d, &q.ruri, routes, &q.n_routes);
    q.routes = routes;
    sip__ua_dlg_fromto(d, from, to, sizeof from);
    q.method = "ACK";
    q.from = sip_str_c(from);
    q.to = sip_str_c(to);
    q.call_id = sip__ua_dstr(d, SIP__UA_S_CALLID);
    q.cseq = cseq;
    q.body = body;
    if (sip__ua_resolve(ua, sip__ua_next_hop(&q), &t) != 0) return;
    n = sip__ua_build(ua, &q, &t, out, sizeof out);
    if (n < 0) return;
    (void)sip__ua_send_raw(ua, &t, out, (size_t)n);
    ua->acks_sent++;
    if (keep_call >= 0 && ua->calls[keep_call]) {
        sip__ua_call *c = ua->calls[keep_call];
        SIP_DIALOG_FREE(c->ack);
        c->ack = sip__ua_dup(out, (size_t)n);
        c->ack_len = c->ack ? (uint32_t)n : 0;
        c->ack_cseq = cseq;
        c->ack_to = t;
        c->ack_expire = ua->now + 64ull * ua->tsx.cfg.t1_ms * 1000u;
    }
}

/* A 2xx for which we keep the ACK: send it again. Returns 1 when done. */
static int sip__ua_reack(sip_ua *ua, const sip_msg *m)
{
    int32_t ds = sip__ua_dlg_find(ua, m->call_id, m->from.tag, m->to.tag);
    sip__ua_call *c;
    if (ds < 0) return 0;
    if (ua->dlgs[ds]->call < 0 || !(c = ua->calls[ua->dlgs[ds]->call])) {
        /* a dialog being ended: ACK without keeping */
        sip__ua_send_ack(ua, ds, m->cseq.num, (sip_str){NULL, 0}, -1);
        return 1;
    }
    if (c->ack && c->ack_cseq == m->cseq.num) {
        (void)sip__ua_send_raw(ua, &c->ack_to, c->ack, c->ack_len);
        ua->acks_sent++;
        return 1;
    }
    return 0;
}

static void sip__ua_dlg_base(const sip__ua_dlg *proto, sip_str *vals, const sip_msg *m)
{
    int i;
    for (i = 0; i < SIP__UA_S_N; i++) vals[i] = sip__ua_dstr(proto, i);
    vals[SIP__UA_S_RTAG] = m->to.tag;
}

/* The dialog a 1xx/2xx with a To tag makes or names (§12.1.2); -1 when
 * none could be made. */
static int32_t sip__ua_uac_dialog(sip_ua *ua, uint32_t cs, const sip_msg *m)
{
    sip__ua_call *c = ua->calls[cs];
    int32_t ds = sip__ua_dlg_find(ua, m->call_id, m->from.tag, m->to.tag);
    sip__ua_dlg *proto, *d;
    sip_str vals[SIP__UA_S_N];
    uint32_t ns;
    if (ds >= 0) {
        /* refresh the route set until confirmed (§12.1.2), target on 2xx */
        if (ua->dlgs[ds]->state != SIP__UA_DLG_CONFIRMED) {
            sip__ua_dlg_base(ua->dlgs[ds], vals, m);
            (void)sip__ua_dlg_from_msg(ua->dlgs[ds], m, 1, vals);
        }
        return ds;
    }
    if (c->dlg < 0 || !(proto = ua->dlgs[c->dlg])) return -1;
    if (!proto->s[SIP__UA_S_RTAG].len) {
        /* the first dialog: the call's placeholder takes the tag */
        sip__ua_dlg_base(proto, vals, m);
        if (sip__ua_dlg_from_msg(proto, m, 1, vals) != 0) return -1;
        return c->dlg;
    }
    /* a fork: a new early dialog of the same call */
    if (sip__ua_dlg_new(ua, (int32_t)cs, 1, &ns) != 0) return -1;
    d = ua->dlgs[ns];
    d->usage = SIP__UA_USE_INVITE;
    d->owns_call_id = 1;
    d->lcseq = proto->lcseq;
    sip__ua_dlg_base(proto, vals, m);
    if (sip__ua_dlg_from_msg(d, m, 1, vals) != 0) {
        sip__ua_dlg_free(ua, (int32_t)ns);
        return -1;
    }
    return (int32_t)ns;
}

static void sip__ua_invite_2xx(sip_ua *ua, uint32_t cs, const sip_msg *m)
{
    sip__ua_call *c = ua->calls[cs];
    int32_t ds;
    char sdpb[4096];
    sip_str ackbody = {NULL, 0};
    uint32_t i, xgen = c->gen;
    if (sip__ua_reack(ua, m)) return;
    ds = sip__ua_uac_dialog(ua, cs, m);
    if (ds < 0) return;
    if (c->state >= SIP_UA_CALL_ANSWERED && ds != c->dlg) {
        /* §13.2.2.4: a second 2xx from another fork: ACK, then BYE */
        sip__ua_dlg *d = ua->dlgs[ds];
        d->state = SIP__UA_DLG_CONFIRMED;
        d->call = -1;
        d->usage = SIP__UA_USE_BYE;
        if (c->no_offer && sip__ua_is_sdp(m)) {
            int n = sip__ua_answer_sdp(ua, cs, m->body, sdpb, sizeof sdpb, 0);
            if (n > 0) { ackbody.p = sdpb; ackbody.len = (size_t)n; }
        }
        sip__ua_send_ack(ua, ds, m->cseq.num, ackbody, -1);
        (void)sip__ua_send_bye(ua, ds);
        return;
    }
    c->dlg = ds;
    c->ict = 0; /* the INVITE has its final response: re-INVITEs may go */
    ua->dlgs[ds]->state = SIP__UA_DLG_CONFIRMED;
    /* the other early dialogs of this INVITE end (§13.2.2.4) */
    for (i = 0; i < ua->cfg.max_dialogs; i++)
        if (ua->dlgs[i] && ua->dlgs[i]->call == (int32_t)cs && (int32_t)i != ds &&
            ua->dlgs[i]->state != SIP__UA_DLG_CONFIRMED)
            sip__ua_dlg_free(ua, (int32_t)i);
    if (c->oa == SIP__UA_OA_NONE && sip__ua_is_sdp(m)) {
        /* the offer came in the 2xx: the answer goes in the ACK */
        int n = sip__ua_answer_sdp(ua, cs, m->body, sdpb, sizeof sdpb, 0);
        if (n > 0) { ackbody.p = sdpb; ackbody.len = (size_t)n; }
    }
    sip__ua_send_ack(ua, ds, m->cseq.num, ackbody, (int32_t)cs);
    if (c->cancel_wanted || c->hung_up) {
        /* §9.1: our CANCEL crossed the 2xx */
        (void)sip__ua_send_bye(ua, ds);
        c->dlg = -1;
        sip__ua_call_end(ua, cs, SIP_UA_CAUSE_LOCAL_CANCEL, (int)m->status, m);
        return;
    }
    sip__ua_call_event(ua, cs, SIP_UA_CALL_ANSWERED, 0, (int)m->status, m);
    if (!ua->calls[cs]) return;
    if (c->oa == SIP__UA_OA_LOCAL && sip__ua_is_sdp(m)) (void)sip__ua_take_answer(ua, cs, m->body);
    else if (ackbody.len) {
        (void)sip__ua_answer_sdp(ua, cs, m->body, sdpb, sizeof sdpb, 1);
        if (ua->calls[cs]) c->oa = SIP__UA_OA_DONE;
    }
    if (!ua->calls[cs]) return;
    sip__ua_call_event(ua, cs, SIP_UA_CALL_CONFIRMED, 0, (int)m->status, m);
    if (sip__ua_call_alive(ua, cs, xgen)) sip__ua_x_uac_2xx(ua, cs, m);
}

/* A 2xx for an INVITE whose call is gone (hung up while early, §9.1
 * race): a dialog just long enough to ACK and BYE it (§15). */
static void sip__ua_orphan_2xx(sip_ua *ua, const sip_msg *m)
{
    sip_str vals[SIP__UA_S_N];
    char lu[300], ru[300];
    uint32_t ds;
    if (sip__ua_reack(ua, m) || !m->to.tag.p || !m->from.tag.p) return;
    if (sip__ua_dlg_new(ua, -1, 1, &ds) != 0) return;
    snprintf(lu, sizeof lu, "<%.*s>", (int)m->from.uri.raw.len, m->from.uri.raw.p);
    snprintf(ru, sizeof ru, "<%.*s>", (int)m->to.uri.raw.len, m->to.uri.raw.p);
    memset(vals, 0, sizeof vals);
    vals[SIP__UA_S_CALLID] = m->call_id;
    vals[SIP__UA_S_LTAG] = m->from.tag;
    vals[SIP__UA_S_RTAG] = m->to.tag;
    vals[SIP__UA_S_LURI] = sip_str_c(lu);
    vals[SIP__UA_S_RURI] = sip_str_c(ru);
    vals[SIP__UA_S_TARGET] = m->to.uri.raw;
    if (sip__ua_dlg_from_msg(ua->dlgs[ds], m, 1, vals) != 0) {
        sip__ua_dlg_free(ua, (int32_t)ds);
        return;
    }
    ua->dlgs[ds]->state = SIP__UA_DLG_CONFIRMED;
    ua->dlgs[ds]->lcseq = m->cseq.num;
    sip__ua_send_ack(ua, (int32_t)ds, m->cseq.num, (sip_str){NULL, 0}, -1);
    (void)sip__ua_send_bye(ua, (int32_t)ds);
}

static void sip__ua_glare(sip_ua *ua, sip__ua_call *c)
{
    /* §14.1: 2.1..4 s when we own the Call-ID, else 0..2 s, 10 ms units */
    uint8_t b[2] = {0, 0};
    uint32_t r, ms;
    int owner = c->dlg >= 0 && ua->dlgs[c->dlg] && ua->dlgs[c->dlg]->owns_call_id;
    (void)ua->cb.rand(ua->cb.user, b, 2);
    r = (uint32_t)(b[0] << 8 | b[1]);
    ms = owner ? 2100 + (r % 191) * 10 : (r % 201) * 10;
    c->glare_at = ua->now + (uint64_t)ms * 1000u;
}

static void sip__ua_invite_response(sip_ua *ua, sip__ua_req *r, const sip_msg *m)
{
    uint32_t cs = (uint32_t)r->owner;
    sip__ua_call *c;
    int st = (int)m->status;
    if (r->owner < 0 || cs >= ua->cfg.max_sessions || !(c = ua->calls[cs]) || c->gen != r->owner_gen) {
        if (st >= 200 && st < 300) sip__ua_orphan_2xx(ua, m);
        return;
    }
    if (r->purpose == SIP__UA_P_REINVITE) {
        int32_t ds = c->dlg;
        if (st < 200) return;
        if (st < 300) {
            if (sip__ua_reack(ua, m)) return;
            if (ds >= 0 && ua->dlgs[ds]) {
                size_t pos = 0;
                const sip_hdr *h = sip_msg_find(m, SIP_HDR_CONTACT, &pos);
                sip_addr a;
                sip_str vals[SIP__UA_S_N];
                memset(vals, 0, sizeof vals);
                if (h && sip_addr_parse(h->value, &a) == 0) {
                    vals[SIP__UA_S_TARGET] = a.uri.raw;
                    (void)sip__ua_dlg_store(ua->dlgs[ds], vals, NULL, -1);
                }
                sip__ua_send_ack(ua, ds, m->cseq.num, (sip_str){NULL, 0}, (int32_t)cs);
            }
            c->ict = 0;
            if (sip__ua_is_sdp(m)) (void)sip__ua_take_answer(ua, cs, m->body);
            if (!ua->calls[cs]) return;
            sip__ua_x_uac_2xx(ua, cs, m);
            if (!ua->calls[cs]) return;
        } else {
            uint32_t nc;
            sip_tsx_id nid;
            if ((st == 401 || st == 407) && sip__ua_auth_retry(ua, r, m, &nc, &nid)) {
                c->ict = nid;
                c->invite_cseq = nc;
                if (ds >= 0 && ua->dlgs[ds] && ua->dlgs[ds]->lcseq < nc) ua->dlgs[ds]->lcseq = nc;
                return;
            }
            c->ict = 0;
            c->oa = SIP__UA_OA_DONE;
            c->o_version--; /* the offer was not taken */
            if (st == 491) {
                sip__ua_glare(ua, c);
                return;
            }
            if (st == 408 || st == 481) { /* §12.2.1.2: the dialog is gone */
                sip_ua_event ev;
                memset(&ev, 0, sizeof ev);
                ev.type = SIP_UA_EV_REINVITE_DONE;
                ev.call = sip__ua_mkid(cs, c->gen);
                ev.status = st;
                ev.msg = m;
                sip__ua_emit(ua, &ev);
                if (ua->calls[cs] && ds >= 0 && ua->dlgs[ds]) (void)sip__ua_send_bye(ua, ds);
                if (ua->calls[cs]) { c->dlg = -1; sip__ua_call_end(ua, cs, SIP_UA_CAUSE_STATUS, st, m); }
                return;
            }
        }
        {
            sip_ua_event ev;
            memset(&ev, 0, sizeof ev);
            ev.type = SIP_UA_EV_REINVITE_DONE;
            ev.call = sip__ua_mkid(cs, c->gen);
            ev.status = st;
            ev.msg = m;
            sip__ua_emit(ua, &ev);
        }
        return;
    }
    /* the initial INVITE */
    if (st < 200) {
        int32_t ds;
        int state = SIP_UA_CALL_PROCEEDING, rel;
        if (st == 100 || !m->to.tag.p) {
            if (c->state == SIP_UA_CALL_CALLING) sip__ua_call_event(ua, cs, state, 0, st, m);
            return;
        }
        ds = sip__ua_uac_dialog(ua, cs, m);
        if (ds >= 0) ua->dlgs[ds]->state = SIP__UA_DLG_EARLY;
        rel = sip__ua_x_1xx(ua, cs, ds, m);
        if (rel < 0) return; /* RFC 3262 §4: a retransmission or out of order */
        state = st == 180 ? SIP_UA_CALL_RINGING : SIP_UA_CALL_EARLY;
        sip__ua_call_event(ua, cs, state, 0, st, m);
        if (ua->calls[cs] && c->oa == SIP__UA_OA_LOCAL && sip__ua_is_sdp(m))
            (void)sip__ua_take_answer(ua, cs, m->body);
        if (rel && sip__ua_call_alive(ua, cs, r->owner_gen) && ua->dlgs[ds])
            sip__ua_x_prack_send(ua, cs, ds, m);
        return;
    }
    if (st < 300) {
        sip__ua_invite_2xx(ua, cs, m);
        return;
    }
    if (st == 401 || st == 407) {
        uint32_t nc;
        sip_tsx_id nid;
        if (!c->cancel_wanted && sip__ua_auth_retry(ua, r, m, &nc, &nid)) {
            c->ict = nid;
            c->invite_cseq = nc;
            if (c->dlg >= 0 && ua->dlgs[c->dlg]) ua->dlgs[c->dlg]->lcseq = nc;
            return;
        }
        sip__ua_call_end(ua, cs, SIP_UA_CAUSE_AUTH, st, m);
        return;
    }
    if (st == 422 && sip__ua_x_retry_422(ua, cs, m)) return; /* RFC 4028 §7.4 */
    sip__ua_call_end(ua, cs, c->cancel_wanted && st == 487 ? SIP_UA_CAUSE_LOCAL_CANCEL
                                                          : SIP_UA_CAUSE_STATUS, st, m);
}

/* ---- INVITE-session extensions: RFC 3262 (PRACK), RFC 3311 (UPDATE),
 * RFC 4028 (session timers), RFC 6086 (INFO), §11.2 (OPTIONS) ---------- */

/* 1 when a header id of m lists the option tag / method token tag. */
static int sip__ua_x_has(const sip_msg *m, sip_hdr_id id, const char *tag)
{
    size_t pos = 0, tp;
    const sip_hdr *h;
    sip_str t;
    while ((h = sip_msg_find(m, id, &pos)) != NULL) {
        tp = 0;
        while (sip_token_next(h->value, &tp, &t) == 1)
            if (sip_str_caseeq_c(t, tag)) return 1;
    }
    return 0;
}

/* The leading number of a value with parameters ("90;refresher=uac"); the
 * parameters from the ';' into *params. Returns 0 or -1. */
static int sip__ua_x_num(sip_str v, uint32_t *out, sip_str *params)
{
    const char *semi = (const char *)memchr(v.p, ';', v.len);
    sip_str num = v;
    if (params) { params->p = NULL; params->len = 0; }
    if (semi) {
        num.len = (size_t)(semi - v.p);
        if (params) { params->p = semi; params->len = v.len - num.len; }
    }
    return sip_str_to_u32(sip_str_trim(num), 0xffffffffu, out) == 0 ? 0 : -1;
}

/* Session-Expires of m (RFC 4028 §4): 1 with *se and *ref (0 absent, 1 uac,
 * 2 uas), 0 when absent, -1 when malformed. */
static int sip__ua_x_se(const sip_msg *m, uint32_t *se, int *ref)
{
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_SESSION_EXPIRES, &pos);
    sip_str params, r;
    *ref = 0;
    if (!h) return 0;
    if (sip__ua_x_num(h->value, se, &params) != 0 || !*se) return -1;
    if (params.len && sip_param_find(params, "refresher", &r) && r.p) {
        if (sip_str_caseeq_c(r, "uac")) *ref = 1;
        else if (sip_str_caseeq_c(r, "uas")) *ref = 2;
        else return -1;
    }
    return 1;
}

/* Our Supported option tags, ", "-separated ("" when none). */
static void sip__ua_x_supported(const sip_ua *ua, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s" SIP__UA_SUPPORTED, ua->cfg.rel100 ? "100rel, " : "",
             ua->cfg.session_timer ? "timer, " : "");
}

static void sip__ua_x_policy(const sip_ua *ua, const sip_msg *m, sip_check_policy *pol,
                             const char **sup)
{
    int n = 0, i;
    if (ua->cfg.rel100) sup[n++] = "100rel";
    if (ua->cfg.session_timer) sup[n++] = "timer";
    for (i = 0; sip__ua_options[i]; i++) sup[n++] = sip__ua_options[i];
    sup[n] = NULL;
    pol->supported = sup;
    pol->allowed_methods |= 1u << SIP_METHOD_PRACK | 1u << SIP_METHOD_UPDATE |
                            1u << SIP_METHOD_INFO;
    /* RFC 6086 §4.2.2: INFO bodies are the package's (or legacy) types */
    if (m->method == SIP_METHOD_INFO) pol->content_types = NULL;
}

/* Arm the session timer (RFC 4028 §10): the refresher at SE/2, the other
 * side at SE - min(32, SE/3). */
static void sip__ua_x_st_arm(sip_ua *ua, sip__ua_call *c)
{
    uint32_t se = c->x.se, early = se / 3 < 32 ? se / 3 : 32;
    c->x.st_at = ua->now + (uint64_t)(c->x.st_local ? se / 2 : se - early) * 1000000u +
                 (c->x.st_local && (se & 1) ? 500000u : 0);
}

static void sip__ua_x_st_event(sip_ua *ua, uint32_t slot)
{
    sip_ua_event ev;
    sip__ua_call *c = ua->calls[slot];
    memset(&ev, 0, sizeof ev);
    ev.type = SIP_UA_EV_SESSION_TIMER;
    ev.call = sip__ua_mkid(slot, c->gen);
    ev.session_expires = c->x.se;
    ev.refresher = c->x.st_local;
    c->x.st_ev = 0;
    sip__ua_emit(ua, &ev);
}

/* Header lines of our INVITEs and UPDATEs: Require: 100rel
 * (initial INVITE, REQUIRED), Session-Expires / Min-SE (RFC 4028 §7.1;
 * a refresh names the current refresher, §7.4), Recv-Info (RFC 6086 §5.2.2,
 * INVITEs). NULL when there is none. */
static const char *sip__ua_x_invite_hdrs(sip_ua *ua, const sip__ua_call *c, int initial,
                                         char *buf, size_t cap)
{
    sip__ua_w w;
    w.p = buf; w.cap = cap; w.n = 0; w.over = 0;
    if (initial && ua->cfg.rel100 == SIP_UA_100REL_REQUIRED) sip__ua_wf(&w, "Require: 100rel\r\n");
    if (ua->cfg.session_timer) {
        if (!initial && c->x.st_on)
            sip__ua_wf(&w, "Session-Expires: %u;refresher=%s\r\n", (unsigned)c->x.se,
                       c->x.st_local ? "uac" : "uas");
        else
            sip__ua_wf(&w, "Session-Expires: %u\r\n", (unsigned)c->x.se);
        sip__ua_wf(&w, "Min-SE: %u\r\n", (unsigned)c->x.min_se);
    }
    if (initial && ua->cfg.recv_info) sip__ua_wf(&w, "Recv-Info: %s\r\n", ua->cfg.recv_info);
    if (w.over || !w.n) return NULL;
    return buf;
}

/* Append one field to ex from a printf into buf[*used..cap). */
static size_t sip__ua_x_field(sip_hdr_field *ex, const char *name, char *buf, size_t cap,
                              size_t *used, const char *fmt, ...)
{
    va_list ap;
    int r;
    if (*used >= cap) return 0;
    va_start(ap, fmt);
    r = vsnprintf(buf + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= cap - *used) return 0;
    ex->name = sip_str_c(name);
    ex->value.p = buf + *used;
    ex->value.len = (size_t)r;
    *used += (size_t)r + 1;
    return 1;
}

/* RFC 4028 §9: the UAS side of a session-timer negotiation for request req
 * (INVITE, re-INVITE, UPDATE) answered 2xx: sets the call's interval,
 * refresher and timer; writes "SE;refresher=X" into val. 0 when no
 * session timer is in use. */
static int sip__ua_x_st_uas(sip_ua *ua, uint32_t slot, const sip_msg *req, char *val, size_t cap)
{
    sip__ua_call *c = ua->calls[slot];
    uint32_t se = 0;
    int ref = 0;
    if (!ua->cfg.session_timer) return 0;
    c->x.peer_timer = (uint8_t)(sip__ua_x_has(req, SIP_HDR_SUPPORTED, "timer") ||
                                sip__ua_x_has(req, SIP_HDR_REQUIRE, "timer"));
    if (sip__ua_x_se(req, &se, &ref) <= 0) {
        se = ua->cfg.session_expires; /* §9: the UAS may ask for one itself */
        ref = 0;
    }
    if (se < ua->cfg.min_se) se = ua->cfg.min_se;
    if (!ref) ref = c->x.peer_timer ? 1 : 2;
    if (ref == 1 && !c->x.peer_timer) ref = 2; /* §9: a UAC without timer cannot refresh */
    c->x.se = se;
    c->x.st_on = 1;
    c->x.st_local = ref == 2; /* we are the UAS of this transaction */
    c->x.st_ev = 1;
    sip__ua_x_st_arm(ua, c);
    snprintf(val, cap, "%u;refresher=%s", (unsigned)se, ref == 1 ? "uac" : "uas");
    return 1;
}

static size_t sip__ua_x_resp_hdrs(sip_ua *ua, uint32_t slot, const sip_msg *req, int status,
                                  sip_hdr_field *ex, char *buf, size_t cap)
{
    sip__ua_call *c = ua->calls[slot];
    size_t n = 0, used = 0;
    char sup[64], se[48];
    if (status <= 100 || status >= 300) return 0;
    sip__ua_x_supported(ua, sup, sizeof sup);
    if (sup[0]) n += sip__ua_x_field(ex + n, "Supported", buf, cap, &used, "%s", sup);
    if (ua->cfg.recv_info)
        n += sip__ua_x_field(ex + n, "Recv-Info", buf, cap, &used, "%s", ua->cfg.recv_info);
    if (status < 200 && c->x.rel_building) { /* RFC 3262 §3 */
        n += sip__ua_x_field(ex + n, "Require", buf, cap, &used, "100rel");
        n += sip__ua_x_field(ex + n, "RSeq", buf, cap, &used, "%u", (unsigned)c->x.rseq);
    }
    if (status >= 200 && req->method == SIP_METHOD_INVITE &&
        sip__ua_x_st_uas(ua, slot, req, se, sizeof se)) {
        n += sip__ua_x_field(ex + n, "Session-Expires", buf, cap, &used, "%s", se);
        if (c->x.peer_timer) n += sip__ua_x_field(ex + n, "Require", buf, cap, &used, "timer");
    }
    return n;
}

/* RFC 3262 §3 (421 when we require 100rel), RFC 4028 §8.1 (422 below our
 * Min-SE) for a new INVITE. 1 when answered. */
static int sip__ua_x_invite_check(sip_ua *ua, const sip_tsx_event *ev)
{
    const sip_msg *m = ev->msg;
    if (ua->cfg.rel100 == SIP_UA_100REL_REQUIRED && !sip__ua_x_has(m, SIP_HDR_SUPPORTED, "100rel") &&
        !sip__ua_x_has(m, SIP_HDR_REQUIRE, "100rel")) {
        sip__ua_reply(ua, ev, 421, NULL, "Require", sip_str_c("100rel"));
        return 1;
    }
    if (ua->cfg.session_timer) {
        uint32_t se;
        int ref, r = sip__ua_x_se(m, &se, &ref);
        char v[16];
        if (r < 0) {
            sip__ua_reply(ua, ev, 400, "Bad Session-Expires", NULL, (sip_str){NULL, 0});
            return 1;
        }
        if (r > 0 && se < ua->cfg.min_se) {
            snprintf(v, sizeof v, "%u", (unsigned)ua->cfg.min_se);
            sip__ua_reply(ua, ev, 422, NULL, "Min-SE", sip_str_c(v));
            return 1;
        }
    }
    return 0;
}

static void sip__ua_x_incoming(sip_ua *ua, sip__ua_call *c, const sip_msg *m)
{
    if (ua->cfg.rel100) {
        if (sip__ua_x_has(m, SIP_HDR_REQUIRE, "100rel")) c->x.peer_100rel = 2;
        else if (sip__ua_x_has(m, SIP_HDR_SUPPORTED, "100rel")) c->x.peer_100rel = 1;
    }
    c->x.peer_update = (uint8_t)sip__ua_x_has(m, SIP_HDR_ALLOW, "UPDATE");
    c->x.inv_offer = (uint8_t)sip__ua_is_sdp(m);
}

static int sip__ua_x_rel_needed(const sip_ua *ua, const sip__ua_call *c)
{
    return c->x.peer_100rel == 2 ||
           (c->x.peer_100rel && ua->cfg.rel100 == SIP_UA_100REL_REQUIRED);
}

/* A final response went out: reliable 1xx retransmissions stop (a late
 * PRACK for it is still answered 200: rel_wait stays). */
static void sip__ua_x_final(sip_ua *ua, sip__ua_call *c)
{
    (void)ua;
    SIP_DIALOG_FREE(c->x.rel_resp);
    c->x.rel_resp = NULL;
    c->x.rel_rtx_at = c->x.rel_deadline = 0;
}

static void sip__ua_x_post_answer(sip_ua *ua, uint32_t slot)
{
    if (ua->calls[slot]->x.st_ev) sip__ua_x_st_event(ua, slot);
}

/* The SDP answer to the kept INVITE's offer. */
static int sip__ua_x_req_answer(sip_ua *ua, uint32_t slot, char *out, size_t cap, int emit)
{
    sip__ua_call *c = ua->calls[slot];
    sip_hdr hdrs[SIP_TSX_MAX_HEADERS];
    sip_parse_config pc;
    sip_msg m;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    if (!c->req || sip_parse(c->req, c->req_len, &pc, &m, hdrs, SIP_TSX_MAX_HEADERS, NULL) < 0)
        return SIP_UA_ERR_STATE;
    return sip__ua_answer_sdp(ua, slot, m.body, out, cap, emit);
}

SIP_DIALOG_DEF int sip_ua_progress(sip_ua *ua, sip_ua_call call, int status, int reliable,
                                   const sdp_local *sdp, uint64_t now_us)
{
    uint32_t slot, gen, old_rseq;
    sip__ua_call *c = sip__ua_call_get(ua, call, &slot);
    char out[SIP_UA_MAX_MSG], sdpb[4096];
    sip_str body = {NULL, 0};
    int n = 0, rc, answer = 0, offer = 0;
    if (!c) return SIP_UA_ERR_STALE;
    if (c->is_uac || !c->req) return SIP_UA_ERR_STATE;
    if (status <= 100 || status > 199) return SIP_UA_ERR_INVALID;
    if (sip__ua_x_rel_needed(ua, c)) reliable = 1;
    if (reliable && (!c->x.peer_100rel || c->x.rel_wait)) return SIP_UA_ERR_STATE;
    ua->now = now_us;
    gen = c->gen;
    if (sdp) {
        c->local = sdp;
        if (c->oa == SIP__UA_OA_REMOTE || (c->oa == SIP__UA_OA_DONE && c->x.inv_offer)) {
            n = sip__ua_x_req_answer(ua, slot, sdpb, sizeof sdpb, 0);
            answer = c->oa == SIP__UA_OA_REMOTE;
        } else if (c->oa == SIP__UA_OA_NONE && reliable) {
            n = sip__ua_offer(c, sdpb, sizeof sdpb); /* RFC 3262 §5 */
            offer = 1;
        }
        if (n < 0) return n;
        body.p = sdpb;
        body.len = (size_t)n;
    }
    old_rseq = c->x.rseq;
    if (reliable) {
        if (!c->x.rseq) { /* §3: the first RSeq is random in 1..2^31-1 */
            uint8_t b[4];
            if (ua->cb.rand(ua->cb.user, b, 4) != 0) return SIP_UA_ERR_CALLBACK;
            c->x.rseq = ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]) &
                        0x7fffffffu;
            if (!c->x.rseq) c->x.rseq = 1;
        } else {
            c->x.rseq++;
        }
        c->x.rel_building = 1;
    }
    n = sip__ua_uas_build(ua, slot, status, body, out, sizeof out);
    c->x.rel_building = 0;
    if (n < 0) { c->x.rseq = old_rseq; return n; }
    rc = sip_tsx_respond(&ua->tsx, c->ist, out, (size_t)n, now_us);
    if (rc) { c->x.rseq = old_rseq; return rc; }
    if (reliable) {
        SIP_DIALOG_FREE(c->x.rel_resp);
        c->x.rel_resp = sip__ua_dup(out, (size_t)n);
        c->x.rel_len = c->x.rel_resp ? (uint32_t)n : 0;
        c->x.rel_wait = 1;
        c->x.rel_sdp = body.len > 0;
        c->x.rel_status = (uint16_t)status;
        c->x.rel_iv_ms = ua->tsx.cfg.t1_ms;
        c->x.rel_rtx_at = now_us + (uint64_t)c->x.rel_iv_ms * 1000u;
        c->x.rel_deadline = now_us + 64ull * ua->tsx.cfg.t1_ms * 1000u;
        if (offer) c->oa = SIP__UA_OA_LOCAL;
    }
    ua->dlgs[c->dlg]->state = SIP__UA_DLG_EARLY;
    if (reliable && answer) { /* the answer is final once reliable (§5) */
        c->oa = SIP__UA_OA_DONE;
        (void)sip__ua_x_req_answer(ua, slot, sdpb, sizeof sdpb, 1);
        if (!sip__ua_call_alive(ua, slot, gen)) return 0;
    }
    sip__ua_call_event(ua, slot, status == 180 ? SIP_UA_CALL_RINGING : SIP_UA_CALL_EARLY, 0,
                       status, NULL);
    return 0;
}

/* Answer a request at once with extra fields and a body. */
static void sip__ua_x_reply(sip_ua *ua, const sip_tsx_event *ev, int status, const char *reason,
                            const sip_hdr_field *ex, size_t nex, sip_str body)
{
    char out[SIP_UA_MAX_MSG], tag[20];
    sip_str to_tag = {NULL, 0};
    int r;
    if (!ev->msg->to.tag.p && sip_gen_tag(tag, sizeof tag, ua->cb.rand, ua->cb.user) > 0)
        to_tag = sip_str_c(tag);
    r = sip_build_response(out, sizeof out, ev->msg, status, reason, to_tag, ex, nex, body, NULL);
    if (r > 0) (void)sip_tsx_respond(&ua->tsx, ev->id, out, (size_t)r, ua->now);
}

static void sip__ua_x_simple_event(sip_ua *ua, uint32_t slot, int type, int status,
                                   const sip_msg *m, uint32_t rseq)
{
    sip_ua_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = (sip_ua_event_type)type;
    ev.call = sip__ua_mkid(slot, ua->calls[slot]->gen);
    ev.status = status;
    ev.msg = m;
    ev.rseq = rseq;
    sip__ua_emit(ua, &ev);
}

/* UAS: a PRACK (RFC 3262 §3): 200 when it matches the unacknowledged
 * reliable 1xx (RAck: RSeq, the INVITE's CSeq), else 481. An answer to
 * our 1xx offer is taken; an offer is answered in the 200 (§5). */
static void sip__ua_x_prack_in(sip_ua *ua, const sip_tsx_event *ev, int32_t cs)
{
    const sip_msg *m = ev->msg;
    sip__ua_call *c = cs >= 0 ? ua->calls[cs] : NULL;
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_RACK, &pos);
    sip_rack rk;
    sip_hdr_field ex[1];
    sip_str body = {NULL, 0};
    char sdpb[4096];
    uint32_t gen;
    int n, take = 0, answer = 0;
    if (!c || c->is_uac || !c->x.rel_wait || !h || sip_rack_parse(h->value, &rk) != 0 ||
        rk.rseq != c->x.rseq || rk.cseq != c->invite_cseq || rk.method != SIP_METHOD_INVITE) {
        sip__ua_reply(ua, ev, 481, NULL, NULL, body);
        return;
    }
    gen = c->gen;
    sip__ua_x_final(ua, c);
    c->x.rel_wait = 0;
    if (sip__ua_is_sdp(m)) {
        if (c->oa == SIP__UA_OA_LOCAL) {
            take = 1;
        } else if (c->oa == SIP__UA_OA_DONE) {
            c->o_version++;
            n = sip__ua_answer_sdp(ua, (uint32_t)cs, m->body, sdpb, sizeof sdpb, 0);
            if (n < 0) {
                c->o_version--;
                sip__ua_reply(ua, ev, 488, NULL, NULL, body);
                return;
            }
            body.p = sdpb;
            body.len = (size_t)n;
            answer = 1;
        }
    }
    ex[0].name = sip_str_c("Content-Type");
    ex[0].value = sip_str_c("application/sdp");
    sip__ua_x_reply(ua, ev, 200, NULL, ex, body.len ? 1 : 0, body);
    if (take) (void)sip__ua_take_answer(ua, (uint32_t)cs, m->body);
    if (answer) (void)sip__ua_answer_sdp(ua, (uint32_t)cs, m->body, sdpb, sizeof sdpb, 1);
    if (!sip__ua_call_alive(ua, (uint32_t)cs, gen)) return;
    if (answer) c->oa = SIP__UA_OA_DONE; /* take_answer() set it for an answer */
    sip__ua_x_simple_event(ua, (uint32_t)cs, SIP_UA_EV_PRACK, c->x.rel_status, m, c->x.rseq);
}

/* UAC: a 1xx with a To tag. -1: ignore it (a reliable retransmission or
 * out of order, RFC 3262 §4); 0: unreliable; 1: a new reliable one. */
static int sip__ua_x_1xx(sip_ua *ua, uint32_t cs, int32_t ds, const sip_msg *m)
{
    sip__ua_call *c = ua->calls[cs];
    sip__ua_dlg *d;
    size_t pos = 0;
    const sip_hdr *h;
    uint32_t rseq;
    if (sip__ua_x_has(m, SIP_HDR_ALLOW, "UPDATE")) c->x.peer_update = 1;
    if (!ua->cfg.rel100 || !sip__ua_x_has(m, SIP_HDR_REQUIRE, "100rel")) return 0;
    h = sip_msg_find(m, SIP_HDR_RSEQ, &pos);
    if (ds < 0 || !(d = ua->dlgs[ds]) || !h || sip__ua_x_num(h->value, &rseq, NULL) != 0 || !rseq)
        return -1;
    if (d->has_rseq_in && rseq != d->rseq_in + 1) return -1;
    d->rseq_in = rseq;
    d->has_rseq_in = 1;
    return 1;
}

/* UAC: PRACK a new reliable 1xx (RFC 3262 §4) on its early dialog; an
 * offer in the 1xx is answered in the PRACK (§5). */
static void sip__ua_x_prack_send(sip_ua *ua, uint32_t cs, int32_t ds, const sip_msg *m)
{
    sip__ua_call *c = ua->calls[cs];
    char extra[96], sdpb[4096];
    sip_str body = {NULL, 0};
    uint32_t gen = c->gen;
    int n;
    c->x.prack_rseq = ua->dlgs[ds]->rseq_in;
    snprintf(extra, sizeof extra, "RAck: %u %u INVITE\r\n", (unsigned)ua->dlgs[ds]->rseq_in,
             (unsigned)m->cseq.num);
    if (c->oa == SIP__UA_OA_NONE && sip__ua_is_sdp(m)) {
        n = sip__ua_answer_sdp(ua, cs, m->body, sdpb, sizeof sdpb, 0);
        if (n > 0) { body.p = sdpb; body.len = (size_t)n; }
    }
    if (sip__ua_dlg_request(ua, ds, "PRACK", body, NULL, extra, SIP__UA_P_PRACK, (int32_t)cs,
                            gen, NULL) != 0 || !body.len || !sip__ua_call_alive(ua, cs, gen))
        return;
    c->oa = SIP__UA_OA_DONE;
    (void)sip__ua_answer_sdp(ua, cs, m->body, sdpb, sizeof sdpb, 1);
}

/* The Contact of m becomes the dialog's remote target (§12.2). */
static void sip__ua_x_target(sip_ua *ua, int32_t ds, const sip_msg *m)
{
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_CONTACT, &pos);
    sip_addr a;
    sip_str vals[SIP__UA_S_N];
    if (ds < 0 || !ua->dlgs[ds] || !h || sip_addr_parse(h->value, &a) != 0) return;
    memset(vals, 0, sizeof vals);
    vals[SIP__UA_S_TARGET] = a.uri.raw;
    (void)sip__ua_dlg_store(ua->dlgs[ds], vals, NULL, -1);
}

/* UAC of an INVITE, re-INVITE or UPDATE: its 2xx sets the session timer
 * (RFC 4028 §7.2: none without Session-Expires; refresher absent: uac). */
static void sip__ua_x_uac_2xx(sip_ua *ua, uint32_t cs, const sip_msg *m)
{
    sip__ua_call *c = ua->calls[cs];
    uint32_t se;
    int ref;
    if (sip__ua_x_has(m, SIP_HDR_ALLOW, "UPDATE")) c->x.peer_update = 1;
    if (!ua->cfg.session_timer) return;
    if (sip__ua_x_se(m, &se, &ref) <= 0) {
        c->x.st_on = 0;
        c->x.st_at = 0;
        return;
    }
    c->x.se = se < ua->cfg.min_se ? ua->cfg.min_se : se;
    c->x.st_on = 1;
    c->x.st_local = ref != 2;
    c->x.peer_timer = (uint8_t)sip__ua_x_has(m, SIP_HDR_REQUIRE, "timer");
    sip__ua_x_st_arm(ua, c);
    sip__ua_x_st_event(ua, cs);
}

/* RFC 4028 §7.4: a 422 is retried with its Min-SE as the interval (a new
 * INVITE transaction, CSeq + 1, same Call-ID and From tag). 1 when sent. */
static int sip__ua_x_retry_422(sip_ua *ua, uint32_t cs, const sip_msg *m)
{
    sip__ua_call *c = ua->calls[cs];
    sip__ua_dlg *d;
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_MIN_SE, &pos);
    uint32_t v;
    sip__ua_rq q;
    sip_str routes[SIP_UA_MAX_ROUTES], lu, lt;
    char rbuf[300], from[400], sdpb[4096], xh[512];
    int n;
    if (!ua->cfg.session_timer || c->x.tried_422 >= 2 || c->cancel_wanted || !h ||
        sip__ua_x_num(h->value, &v, NULL) != 0 || v <= c->x.se || c->dlg < 0 ||
        !(d = ua->dlgs[c->dlg]))
        return 0;
    c->x.tried_422++;
    c->x.se = v;
    if (c->x.min_se < v) c->x.min_se = v;
    memset(&q, 0, sizeof q);
    q.method = "INVITE";
    q.ruri = sip__ua_dstr(d, SIP__UA_S_TARGET);
    q.n_routes = sip__ua_preloaded(ua, routes, rbuf, sizeof rbuf);
    q.routes = routes;
    lu = sip__ua_dstr(d, SIP__UA_S_LURI);
    lt = sip__ua_dstr(d, SIP__UA_S_LTAG);
    snprintf(from, sizeof from, "%.*s;tag=%.*s", (int)lu.len, lu.p, (int)lt.len, lt.p);
    q.from = sip_str_c(from);
    q.to = sip__ua_dstr(d, SIP__UA_S_RURI);
    q.call_id = sip__ua_dstr(d, SIP__UA_S_CALLID);
    q.cseq = ++d->lcseq;
    q.contact = 1;
    q.extra = sip__ua_x_invite_hdrs(ua, c, 1, xh, sizeof xh);
    if (!c->no_offer) {
        n = sip__ua_offer(c, sdpb, sizeof sdpb);
        if (n < 0) return 0;
        q.body.p = sdpb;
        q.body.len = (size_t)n;
    }
    if (sip__ua_start(ua, &q, SIP__UA_P_INVITE, (int32_t)cs, c->gen, NULL, &c->ict) != 0)
        return 0;
    c->invite_cseq = q.cseq;
    return 1;
}

/* Send an UPDATE (RFC 3311 §5.1) with an offer, or without one as a
 * session refresh (RFC 4028 §7.4). */
static int sip__ua_x_update_send(sip_ua *ua, uint32_t slot, int offer)
{
    sip__ua_call *c = ua->calls[slot];
    char sdpb[4096], xh[512];
    sip_str body = {NULL, 0};
    uint32_t gen = c->gen;
    int n, rc;
    if (offer) {
        c->o_version++;
        n = sip__ua_offer(c, sdpb, sizeof sdpb);
        if (n < 0) { c->o_version--; return n; }
        body.p = sdpb;
        body.len = (size_t)n;
    }
    rc = sip__ua_dlg_request(ua, c->dlg, "UPDATE", body, NULL,
                             sip__ua_x_invite_hdrs(ua, c, 0, xh, sizeof xh), SIP__UA_P_UPDATE,
                             (int32_t)slot, gen, NULL);
    if (!sip__ua_call_alive(ua, slot, gen)) return rc;
    if (rc) {
        if (offer) c->o_version--;
        return rc;
    }
    c->x.upd_out = 1;
    c->x.upd_offer = (uint8_t)offer;
    if (offer) c->oa = SIP__UA_OA_LOCAL;
    return 0;
}

/* The call's dialog when it has one with the peer (early or confirmed). */
static int sip__ua_x_has_dialog(const sip_ua *ua, const sip__ua_call *c)
{
    const sip__ua_dlg *d;
    if (c->dlg < 0 || !(d = ua->dlgs[c->dlg])) return 0;
    return (d->state == SIP__UA_DLG_EARLY || d->state == SIP__UA_DLG_CONFIRMED) &&
           d->s[SIP__UA_S_RTAG].len;
}

SIP_DIALOG_DEF int sip_ua_update(sip_ua *ua, sip_ua_call call, const sdp_local *local,
                                 uint64_t now_us)
{
    uint32_t slot;
    sip__ua_call *c = sip__ua_call_get(ua, call, &slot);
    if (!c) return SIP_UA_ERR_STALE;
    if (!sip__ua_x_has_dialog(ua, c) || c->oa != SIP__UA_OA_DONE || c->x.upd_out)
        return SIP_UA_ERR_STATE;
    ua->now = now_us;
    if (local) c->local = local;
    c->x.upd_glare_at = 0;
    return sip__ua_x_update_send(ua, slot, 1);
}

SIP_DIALOG_DEF int sip_ua_info(sip_ua *ua, sip_ua_call call, const char *package,
                               const char *content_type, const void *body, size_t len,
                               uint64_t now_us)
{
    uint32_t slot;
    sip__ua_call *c = sip__ua_call_get(ua, call, &slot);
    char extra[256];
    sip_str b;
    if (!ua) return SIP_UA_ERR_INVALID;
    if (!c) return SIP_UA_ERR_STALE;
    if ((package && (strpbrk(package, "\r\n,;") || !*package || strlen(package) > 128)) ||
        (content_type && (strpbrk(content_type, "\r\n") || !*content_type)) ||
        (len && (!content_type || !body)) || len > SIP_UA_MAX_INFO_BODY)
        return SIP_UA_ERR_INVALID;
    if (!sip__ua_x_has_dialog(ua, c)) return SIP_UA_ERR_STATE;
    ua->now = now_us;
    extra[0] = 0;
    if (package) /* RFC 6086 §4.2.1 */
        snprintf(extra, sizeof extra, "Info-Package: %s\r\n%s", package,
                 len ? "Content-Disposition: Info-Package\r\n" : "");
    b.p = (const char *)body;
    b.len = len;
    return sip__ua_dlg_request(ua, c->dlg, "INFO", b, content_type, extra[0] ? extra : NULL,
                               SIP__UA_P_INFO, (int32_t)slot, c->gen, NULL);
}

/* UAS: an UPDATE (RFC 3311 §5.2), answered like a re-INVITE. */
static void sip__ua_x_update_in(sip_ua *ua, const sip_tsx_event *ev, int32_t cs)
{
    const sip_msg *m = ev->msg;
    sip__ua_call *c = cs >= 0 ? ua->calls[cs] : NULL;
    sip_hdr_field ex[7];
    sip_str body = {NULL, 0};
    char sdpb[4096], contact[300], sup[64], se[48], ra[8];
    uint32_t gen;
    size_t n = 0;
    int k, offer = sip__ua_is_sdp(m), st = 0;
    if (!c) {
        sip__ua_reply(ua, ev, 481, NULL, NULL, body);
        return;
    }
    gen = c->gen;
    if (offer) {
        if ((c->x.upd_out && c->x.upd_offer) || c->oa == SIP__UA_OA_LOCAL) {
            sip__ua_reply(ua, ev, 491, NULL, NULL, body);
            return;
        }
        if (c->oa != SIP__UA_OA_DONE) { /* their offer is still unanswered */
            uint8_t b = 0;
            (void)ua->cb.rand(ua->cb.user, &b, 1);
            snprintf(ra, sizeof ra, "%u", (unsigned)(b % 11));
            sip__ua_reply(ua, ev, 500, NULL, "Retry-After", sip_str_c(ra));
            return;
        }
    }
    if (ua->cfg.session_timer) {
        uint32_t v;
        int ref, r = sip__ua_x_se(m, &v, &ref);
        if (r > 0 && v < ua->cfg.min_se) { /* RFC 4028 §8.1 */
            snprintf(se, sizeof se, "%u", (unsigned)ua->cfg.min_se);
            sip__ua_reply(ua, ev, 422, NULL, "Min-SE", sip_str_c(se));
            return;
        }
    }
    if (offer) {
        c->o_version++;
        k = sip__ua_answer_sdp(ua, (uint32_t)cs, m->body, sdpb, sizeof sdpb, 0);
        if (k < 0) {
            c->o_version--;
            sip__ua_reply(ua, ev, 488, NULL, NULL, body);
            return;
        }
        body.p = sdpb;
        body.len = (size_t)k;
    }
    sip__ua_x_target(ua, c->dlg, m);
    snprintf(contact, sizeof contact, "<%s>", ua->cfg.contact);
    ex[n].name = sip_str_c("Contact");
    ex[n++].value = sip_str_c(contact);
    ex[n].name = sip_str_c("Allow");
    ex[n++].value = sip_str_c(SIP__UA_ALLOW);
    sip__ua_x_supported(ua, sup, sizeof sup);
    if (sup[0]) {
        ex[n].name = sip_str_c("Supported");
        ex[n++].value = sip_str_c(sup);
    }
    if (sip__ua_x_st_uas(ua, (uint32_t)cs, m, se, sizeof se)) {
        st = 1;
        ex[n].name = sip_str_c("Session-Expires");
        ex[n++].value = sip_str_c(se);
        if (c->x.peer_timer) {
            ex[n].name = sip_str_c("Require");
            ex[n++].value = sip_str_c("timer");
        }
    }
    if (body.len) {
        ex[n].name = sip_str_c("Content-Type");
        ex[n++].value = sip_str_c("application/sdp");
    }
    sip__ua_x_reply(ua, ev, 200, NULL, ex, n, body);
    if (sip__ua_x_has(m, SIP_HDR_ALLOW, "UPDATE")) c->x.peer_update = 1;
    if (offer) {
        c->oa = SIP__UA_OA_DONE;
        (void)sip__ua_answer_sdp(ua, (uint32_t)cs, m->body, sdpb, sizeof sdpb, 1);
        if (!sip__ua_call_alive(ua, (uint32_t)cs, gen)) return;
    }
    if (st) sip__ua_x_st_event(ua, (uint32_t)cs);
}

/* 1 when pkg is one of cfg.recv_info (RFC 6086 §5.2.3). */
static int sip__ua_x_recv_info(const sip_ua *ua, sip_str pkg)
{
    size_t tp = 0;
    sip_str t;
    if (!ua->cfg.recv_info) return 0;
    while (sip_token_next(sip_str_c(ua->cfg.recv_info), &tp, &t) == 1)
        if (sip_str_caseeq(t, pkg)) return 1;
    return 0;
}

/* UAS: an INFO (RFC 6086 §4.2.2): 469 for a package not in our Recv-Info,
 * else 200 and SIP_UA_EV_INFO (legacy INFO without Info-Package too). */
static void sip__ua_x_info_in(sip_ua *ua, const sip_tsx_event *ev, int32_t cs)
{
    const sip_msg *m = ev->msg;
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_INFO_PACKAGE, &pos);
    sip_str pkg = {NULL, 0};
    sip_ua_event uev;
    if (cs < 0 || !ua->calls[cs]) {
        sip__ua_reply(ua, ev, 481, NULL, NULL, pkg);
        return;
    }
    if (h) {
        const char *semi = (const char *)memchr(h->value.p, ';', h->value.len);
        pkg = h->value;
        if (semi) pkg.len = (size_t)(semi - pkg.p);
        pkg = sip_str_trim(pkg);
        if (!sip__ua_x_recv_info(ua, pkg)) {
            sip__ua_reply(ua, ev, 469, "Bad Info Package", "Recv-Info",
                          sip_str_c(ua->cfg.recv_info ? ua->cfg.recv_info : ""));
            return;
        }
    }
    sip__ua_reply(ua, ev, 200, NULL, NULL, (sip_str){NULL, 0});
    memset(&uev, 0, sizeof uev);
    uev.type = SIP_UA_EV_INFO;
    uev.call = sip__ua_mkid((uint32_t)cs, ua->calls[cs]->gen);
    uev.msg = m;
    uev.info_package = pkg;
    sip__ua_emit(ua, &uev);
}

static void sip__ua_x_in_dialog(sip_ua *ua, const sip_tsx_event *ev, int32_t cs)
{
    if (cs >= 0 && !ua->calls[cs]) cs = -1;
    switch (ev->msg->method) {
    case SIP_METHOD_PRACK: sip__ua_x_prack_in(ua, ev, cs); break;
    case SIP_METHOD_UPDATE: sip__ua_x_update_in(ua, ev, cs); break;
    default: sip__ua_x_info_in(ua, ev, cs); break;
    }
}

/* §11.2: OPTIONS answered with our capabilities. */
static void sip__ua_x_options(sip_ua *ua, const sip_tsx_event *ev)
{
    sip_hdr_field ex[9];
    sip_str body = {NULL, 0};
    char sdpb[4096], sup[64], ae[300];
    size_t n = 0;
    int k;
    ex[n].name = sip_str_c("Allow");
    ex[n++].value = sip_str_c(SIP__UA_ALLOW);
    sip__ua_allow_events(ua, ae, sizeof ae); /* RFC 6665 §4.4.4 */
    ex[n].name = sip_str_c("Allow-Events");
    ex[n++].value = sip_str_c(ae);
    ex[n].name = sip_str_c("Accept");
    ex[n++].value = sip_str_c("application/sdp, text/plain");
    ex[n].name = sip_str_c("Accept-Encoding");
    ex[n++].value = sip_str_c("identity");
    ex[n].name = sip_str_c("Accept-Language");
    ex[n++].value = sip_str_c("en");
    sip__ua_x_supported(ua, sup, sizeof sup);
    if (sup[0]) {
        ex[n].name = sip_str_c("Supported");
        ex[n++].value = sip_str_c(sup);
    }
    if (ua->cfg.recv_info) {
        ex[n].name = sip_str_c("Recv-Info");
        ex[n++].value = sip_str_c(ua->cfg.recv_info);
    }
    if (ua->cfg.local_sdp && (k = sdp_offer_build(ua->cfg.local_sdp, sdpb, sizeof sdpb, NULL)) > 0) {
        body.p = sdpb;
        body.len = (size_t)k;
        ex[n].name = sip_str_c("Content-Type");
        ex[n++].value = sip_str_c("application/sdp");
    }
    sip__ua_x_reply(ua, ev, 200, NULL, ex, n, body);
}

/* Final responses to our PRACK, UPDATE and INFO. */
static void sip__ua_x_response(sip_ua *ua, sip__ua_req *r, const sip_msg *m)
{
    uint32_t cs = (uint32_t)r->owner, nc;
    sip__ua_call *c;
    sip_tsx_id nid;
    int st = (int)m->status, offer;
    if (st < 200 || r->owner < 0 || cs >= ua->cfg.max_sessions || !(c = ua->calls[cs]) ||
        c->gen != r->owner_gen)
        return;
    if ((st == 401 || st == 407) && sip__ua_auth_retry(ua, r, m, &nc, &nid)) {
        if (c->dlg >= 0 && ua->dlgs[c->dlg] && ua->dlgs[c->dlg]->lcseq < nc)
            ua->dlgs[c->dlg]->lcseq = nc;
        return;
    }
    if (r->purpose == SIP__UA_P_PRACK) {
        sip__ua_x_simple_event(ua, cs, SIP_UA_EV_PRACK, st, m, c->x.prack_rseq);
        return;
    }
    if (r->purpose == SIP__UA_P_INFO) {
        sip__ua_x_simple_event(ua, cs, SIP_UA_EV_INFO_DONE, st, m, 0);
        return;
    }
    /* UPDATE */
    offer = c->x.upd_offer;
    c->x.upd_out = c->x.upd_offer = 0;
    if (st < 300) {
        sip__ua_x_target(ua, c->dlg, m);
        if (offer && sip__ua_is_sdp(m)) {
            (void)sip__ua_take_answer(ua, cs, m->body);
        } else if (offer) { /* a 2xx without the answer: the offer is void */
            c->oa = SIP__UA_OA_DONE;
            c->o_version--;
        }
        if (!sip__ua_call_alive(ua, cs, r->owner_gen)) return;
        sip__ua_x_uac_2xx(ua, cs, m);
        if (offer && sip__ua_call_alive(ua, cs, r->owner_gen))
            sip__ua_x_simple_event(ua, cs, SIP_UA_EV_UPDATE_DONE, st, m, 0);
        return;
    }
    if (offer) {
        c->oa = SIP__UA_OA_DONE;
        c->o_version--;
    }
    if (st == 491 && offer) { /* §14.1 timers, RFC 3311 §5.1 */
        sip__ua_glare(ua, c);
        c->x.upd_glare_at = c->glare_at;
        c->glare_at = 0;
        return;
    }
    if (!offer && st != 408 && st != 481) { /* a refresh UPDATE refused: re-INVITE */
        c->x.peer_update = 0;
        if (c->x.st_on && c->x.st_local) c->x.st_at = ua->now + 1;
        return;
    }
    if (offer) sip__ua_x_simple_event(ua, cs, SIP_UA_EV_UPDATE_DONE, st, m, 0);
    if ((st == 408 || st == 481) && sip__ua_call_alive(ua, cs, r->owner_gen)) {
        /* §12.2.1.2: the dialog is gone */
        if (c->dlg >= 0 && ua->dlgs[c->dlg]) (void)sip__ua_send_bye(ua, c->dlg);
        if (!sip__ua_call_alive(ua, cs, r->owner_gen)) return;
        c->dlg = -1;
        sip__ua_call_end(ua, cs, SIP_UA_CAUSE_STATUS, st, m);
    }
}

/* Timeout or transport failure of our PRACK, UPDATE or INFO. */
static void sip__ua_x_req_failed(sip_ua *ua, sip__ua_req *r, int cause)
{
    uint32_t cs = (uint32_t)r->owner;
    sip__ua_call *c;
    if ((r->purpose != SIP__UA_P_PRACK && r->purpose != SIP__UA_P_UPDATE &&
         r->purpose != SIP__UA_P_INFO) ||
        r->owner < 0 || cs >= ua->cfg.max_sessions || !(c = ua->calls[cs]) || c->gen != r->owner_gen)
        return;
    if (r->purpose == SIP__UA_P_PRACK) {
        sip__ua_x_simple_event(ua, cs, SIP_UA_EV_PRACK, 408, NULL, c->x.prack_rseq);
        return;
    }
    if (r->purpose == SIP__UA_P_INFO) {
        sip__ua_x_simple_event(ua, cs, SIP_UA_EV_INFO_DONE, 408, NULL, 0);
        return;
    }
    if (!c->x.upd_out) return; /* failed while being sent: the caller saw the error */
    if (c->x.upd_offer) {
        c->oa = SIP__UA_OA_DONE;
        c->o_version--;
    }
    c->x.upd_out = c->x.upd_offer = 0;
    /* §12.2.1.2: no response in a dialog ends it */
    if (c->dlg >= 0 && ua->dlgs[c->dlg]) (void)sip__ua_send_bye(ua, c->dlg);
    if (!sip__ua_call_alive(ua, cs, r->owner_gen)) return;
    c->dlg = -1;
    sip__ua_call_end(ua, cs, cause, 0, NULL);
}

static uint64_t sip__ua_x_min(uint64_t a, uint64_t b)
{
    return b && b < a ? b : a;
}

static uint64_t sip__ua_x_deadline(const sip__ua_call *c, uint64_t t)
{
    t = sip__ua_x_min(t, c->x.rel_rtx_at);
    t = sip__ua_x_min(t, c->x.rel_deadline);
    t = sip__ua_x_min(t, c->x.st_at);
    return sip__ua_x_min(t, c->x.upd_glare_at);
}

/* The extension timers of one call: reliable 1xx retransmission and
 * give-up (RFC 3262 §3), UPDATE glare retry, session refresh / expiry
 * (RFC 4028 §10). Returns the number fired. */
static int sip__ua_x_timers(sip_ua *ua, uint32_t slot, uint64_t now)
{
    sip__ua_call *c = ua->calls[slot];
    uint32_t gen = c->gen;
    int fired = 0;
    if (c->x.rel_deadline && c->x.rel_deadline <= now) {
        char out[SIP_UA_MAX_MSG];
        int n;
        fired++;
        sip__ua_x_final(ua, c);
        c->x.rel_wait = 0;
        n = sip__ua_uas_build(ua, slot, 500, (sip_str){NULL, 0}, out, sizeof out);
        if (n > 0) (void)sip_tsx_respond(&ua->tsx, c->ist, out, (size_t)n, now);
        sip__ua_call_end(ua, slot, SIP_UA_CAUSE_TIMEOUT, 500, NULL);
        return fired;
    }
    if (c->x.rel_rtx_at && c->x.rel_rtx_at <= now) {
        int rc;
        fired++;
        if (c->x.rel_resp) {
            rc = sip_tsx_respond(&ua->tsx, c->ist, c->x.rel_resp, c->x.rel_len, now);
            if (rc == SIP_TSX_ERR_STALE || rc == SIP_TSX_ERR_STATE)
                (void)sip__ua_send_raw(ua, &c->peer, c->x.rel_resp, c->x.rel_len);
        }
        c->x.rel_iv_ms *= 2; /* RFC 3262 §3: doubles, no T2 cap */
        c->x.rel_rtx_at += (uint64_t)c->x.rel_iv_ms * 1000u;
        if (c->x.rel_rtx_at <= now) c->x.rel_rtx_at = now + (uint64_t)c->x.rel_iv_ms * 1000u;
    }
    if (c->x.upd_glare_at && c->x.upd_glare_at <= now) {
        fired++;
        c->x.upd_glare_at = 0;
        if (c->oa == SIP__UA_OA_DONE && !c->x.upd_out && sip__ua_x_has_dialog(ua, c))
            (void)sip__ua_x_update_send(ua, slot, 1);
        if (!sip__ua_call_alive(ua, slot, gen)) return fired;
    }
    if (c->x.st_at && c->x.st_at <= now) {
        fired++;
        c->x.st_at = 0;
        if (!c->x.st_local) { /* RFC 4028 §10: the session expired */
            if (c->dlg >= 0 && ua->dlgs[c->dlg]) (void)sip__ua_send_bye(ua, c->dlg);
            if (!sip__ua_call_alive(ua, slot, gen)) return fired;
            c->dlg = -1;
            sip__ua_call_end(ua, slot, SIP_UA_CAUSE_SESSION_EXPIRED, 0, NULL);
            return fired;
        }
        if (c->state == SIP_UA_CALL_CONFIRMED && !c->ict && !c->x.upd_out && !c->reinv_in &&
            !c->resp && c->oa != SIP__UA_OA_LOCAL && c->oa != SIP__UA_OA_REMOTE) {
            if (c->x.peer_update) (void)sip__ua_x_update_send(ua, slot, 0);
            else (void)sip_ua_reinvite(ua, sip__ua_mkid(slot, gen), NULL, now);
        } else {
            c->x.st_at = now + 1000000u; /* busy: try again in a second */
        }
    }
    return fired;
}

/* ---- registration (§10.2) -------------------------------------------- */

static sip__ua_reg *sip__ua_reg_get(const sip_ua *ua, sip_ua_reg id, uint32_t *slot)
{
    uint32_t s, g;
    sip__ua_reg *r;
    if (!ua || sip__ua_id_slot(id, ua->cfg.max_registrations, &s, &g)) return NULL;
    r = ua->regs[s];
    if (!r || r->gen != g) return NULL;
    if (slot) *slot = s;
    return r;
}

static int sip__ua_reg_alive(const sip_ua *ua, uint32_t slot, uint32_t gen)
{
    return ua->regs[slot] && ua->regs[slot]->gen == gen;
}

static void sip__ua_reg_free(sip_ua *ua, uint32_t slot)
{
    sip__ua_reg *r = ua->regs[slot];
    SIP_DIALOG_FREE(r->registrar);
    SIP_DIALOG_FREE(r->call_id);
    SIP_DIALOG_FREE(r->ltag);
    SIP_DIALOG_FREE(r->contacts);
    SIP_DIALOG_FREE(r);
    ua->regs[slot] = NULL;
    ua->n_regs--;
}

/* RFC 5626 §4.4.1: the flow keep-alive interval (ms) after a 200 to an
 * outbound REGISTER, 0 when the registrar did not accept outbound
 * (§4.2.1: Require: outbound in the 200). 80-100 % of Flow-Timer, or
 * 95-120 s without one; random so that UAs behind one NAT spread out. */
static uint32_t sip__ua_flow_keepalive(sip_ua *ua, const sip_msg *m)
{
    size_t pos = 0;
    const sip_hdr *h;
    uint32_t ft = 0, lo, hi;
    uint8_t rnd[2];
    if (!ua->cfg.reg_id || !sip__ua_x_has(m, SIP_HDR_REQUIRE, "outbound")) return 0;
    h = sip_msg_find(m, SIP_HDR_FLOW_TIMER, &pos);
    if (h && sip_str_to_u32(h->value, 86400u, &ft) == 0 && ft > 0) {
        hi = ft * 1000u;
        lo = hi / 5u * 4u;
    } else {
        lo = 95000u;
        hi = 120000u;
    }
    if (ua->cb.rand(ua->cb.user, rnd, sizeof rnd) != 0) return hi;
    return lo + (uint32_t)(((uint32_t)rnd[0] << 8 | rnd[1]) * (uint64_t)(hi - lo) / 65535u);
}

static void sip__ua_reg_event(sip_ua *ua, uint32_t slot, int state, int status, const sip_msg *m)
{
    sip_ua_event ev;
    sip__ua_reg *r = ua->regs[slot];
    uint32_t gen = r->gen;
    memset(&ev, 0, sizeof ev);
    ev.type = SIP_UA_EV_REG_STATE;
    ev.reg = sip__ua_mkid(slot, r->gen);
    ev.state = state;
    ev.status = status;
    ev.expires = r->granted;
    ev.msg = m;
    if (state == SIP_UA_REG_REGISTERED && m) ev.keepalive_ms = sip__ua_flow_keepalive(ua, m);
    r->state = (uint8_t)state;
    sip__ua_emit(ua, &ev);
    if (state == SIP_UA_REG_UNREGISTERED || state == SIP_UA_REG_FAILED)
        if (sip__ua_reg_alive(ua, slot, gen)) sip__ua_reg_free(ua, slot);
}

static int sip__ua_reg_send(sip_ua *ua, uint32_t slot, uint32_t expires)
{
    sip__ua_reg *r = ua->regs[slot];
    sip__ua_rq q;
    sip_str routes[SIP_UA_MAX_ROUTES];
    char rbuf[300], from[400], to[400], extra[2048];
    sip__ua_w w;
    const char *p = r->contacts;
    memset(&q, 0, sizeof q);
    q.method = "REGISTER";
    q.ruri = sip_str_c(r->registrar);
    /* §10.2: no Service-Route on REGISTER; only the outbound proxy */
    if (ua->cfg.outbound_proxy) {
        int k = snprintf(rbuf, sizeof rbuf, "<%s>", ua->cfg.outbound_proxy);
        routes[0].p = rbuf;
        routes[0].len = (size_t)k;
        q.n_routes = 1;
    }
    q.routes = routes;
    sip__ua_local_uri(ua, from, sizeof from);
    snprintf(to, sizeof to, "%s", from);
    snprintf(from + strlen(from), sizeof from - strlen(from), ";tag=%s", r->ltag);
    q.from = sip_str_c(from);
    q.to = sip_str_c(to);
    q.call_id = sip_str_c(r->call_id);
    q.cseq = ++r->cseq;
    w.p = extra; w.cap = sizeof extra; w.n = 0; w.over = 0;
    while (*p) {
        const char *e = strchr(p, '\n');
        if (!e) e = p + strlen(p);
        sip__ua_wf(&w, "Contact: <%.*s>;expires=%u", (int)(e - p), p, (unsigned)expires);
        if (ua->cfg.instance_id) {
            sip__ua_wf(&w, ";+sip.instance=\"%s\"", ua->cfg.instance_id);
            if (ua->cfg.reg_id) sip__ua_wf(&w, ";reg-id=%u", (unsigned)ua->cfg.reg_id);
        }
        sip__ua_wf(&w, "\r\n");
        p = *e ? e + 1 : e;
    }
    sip__ua_wf(&w, "Expires: %u\r\n", (unsigned)expires);
    sip__ua_wf(&w, "Supported: path%s%s\r\n", ua->cfg.reg_id ? ", outbound" : "",
               ua->cfg.gruu ? ", gruu" : "");
    if (w.over) return SIP_UA_ERR_TOO_BIG;
    q.extra = extra;
    r->refresh_at = 0;
    return sip__ua_start(ua, &q, SIP__UA_P_REGISTER, (int32_t)slot, r->gen, NULL, NULL);
}

SIP_DIALOG_DEF int sip_ua_register(sip_ua *ua, const char *registrar_uri, uint32_t expires,
                                   const char *const *contacts, size_t n_contacts,
                                   uint64_t now_us, sip_ua_reg *out)
{
    uint32_t i;
    sip__ua_reg *r;
    sip_uri u;
    char cid[64], tag[20];
    size_t total = 0, k;
    uint32_t gen;
    int rc;
    if (!ua || !registrar_uri || sip_uri_parse(sip_str_c(registrar_uri), &u) != 0)
        return SIP_UA_ERR_INVALID;
    if (!contacts || !n_contacts) {
        contacts = (const char *const *)&ua->cfg.contact;
        n_contacts = 1;
    }
    for (k = 0; k < n_contacts; k++) {
        if (!contacts[k] || strchr(contacts[k], '\n')) return SIP_UA_ERR_INVALID;
        total += strlen(contacts[k]) + 1;
    }
    for (i = 0; i < ua->cfg.max_registrations; i++)
        if (!ua->regs[i]) break;
    if (i == ua->cfg.max_registrations) return SIP_UA_ERR_FULL;
    ua->now = now_us;
    if (sip_gen_call_id(cid, sizeof cid, (sip_str){NULL, 0}, ua->cb.rand, ua->cb.user) < 0 ||
        sip_gen_tag(tag, sizeof tag, ua->cb.rand, ua->cb.user) < 0)
        return SIP_UA_ERR_CALLBACK;
    r = (sip__ua_reg *)SIP_DIALOG_MALLOC(sizeof *r);
    if (!r) return SIP_UA_ERR_NOMEM;
    memset(r, 0, sizeof *r);
    r->registrar = sip__ua_dup(registrar_uri, strlen(registrar_uri));
    r->call_id = sip__ua_dup(cid, strlen(cid));
    r->ltag = sip__ua_dup(tag, strlen(tag));
    r->contacts = (char *)SIP_DIALOG_MALLOC(total);
    ua->regs[i] = r;
    ua->n_regs++;
    if (!r->registrar || !r->call_id || !r->ltag || !r->contacts) {
        if (!r->contacts) r->contacts = NULL;
        sip__ua_reg_free(ua, i);
        return SIP_UA_ERR_NOMEM;
    }
    r->contacts[0] = 0;
    for (k = 0; k < n_contacts; k++) {
        if (k) strcat(r->contacts, "\n");
        strcat(r->contacts, contacts[k]);
    }
    r->gen = sip__ua_next_gen(ua);
    r->expires = expires ? expires : ua->cfg.default_expires;
    r->state = SIP_UA_REG_REGISTERING;
    gen = r->gen;
    rc = sip__ua_reg_send(ua, i, r->expires);
    if (rc) {
        if (sip__ua_reg_alive(ua, i, gen)) sip__ua_reg_free(ua, i);
        return rc;
    }
    if (out) *out = sip__ua_mkid(i, r->gen);
    return 0;
}

SIP_DIALOG_DEF int sip_ua_unregister(sip_ua *ua, sip_ua_reg reg, uint64_t now_us)
{
    uint32_t slot;
    sip__ua_reg *r = sip__ua_reg_get(ua, reg, &slot);
    int rc;
    if (!r) return SIP_UA_ERR_STALE;
    if (r->state == SIP_UA_REG_UNREGISTERING) return SIP_UA_ERR_STATE;
    ua->now = now_us;
    r->state = SIP_UA_REG_UNREGISTERING;
    rc = sip__ua_reg_send(ua, slot, 0);
    if (rc && sip__ua_reg_alive(ua, slot, (uint32_t)(reg >> 32))) sip__ua_reg_event(ua, slot, SIP_UA_REG_FAILED, 0, NULL);
    return rc;
}

SIP_DIALOG_DEF int sip_ua_reg_state_of(const sip_ua *ua, sip_ua_reg reg)
{
    sip__ua_reg *r = sip__ua_reg_get(ua, reg, NULL);
    return r ? (int)r->state : (int)SIP_UA_ERR_STALE;
}

/* The expiry the registrar granted our first contact (§10.2.4). */
static uint32_t sip__ua_granted(const sip__ua_reg *r, const sip_msg *m)
{
    size_t pos = 0, n;
    const sip_hdr *h;
    uint32_t v = 0;
    const char *e = strchr(r->contacts, '\n');
    sip_str mine;
    sip_uri mu;
    mine.p = r->contacts;
    n = e ? (size_t)(e - r->contacts) : strlen(r->contacts);
    mine.len = n;
    if (sip_uri_parse(mine, &mu) == 0) {
        while ((h = sip_msg_find(m, SIP_HDR_CONTACT, &pos)) != NULL) {
            sip_addr a;
            sip_str ex;
            if (sip_addr_parse(h->value, &a) != 0 || !sip_uri_equal(&a.uri, &mu)) continue;
            if (sip_param_find(a.params, "expires", &ex) && ex.p &&
                sip_str_to_u32(ex, 0xffffffffu, &v) == 0)
                return v;
        }
    }
    pos = 0;
    h = sip_msg_find(m, SIP_HDR_EXPIRES, &pos);
    if (h && sip_str_to_u32(h->value, 0xffffffffu, &v) == 0) return v;
    return r->expires;
}

/* RFC 3608: the Service-Route of a 200 becomes the UA's route set. */
static void sip__ua_keep_service_route(sip_ua *ua, const sip_msg *m)
{
    size_t pos = 0, total = 0;
    const sip_hdr *h;
    char *s;
    while ((h = sip_msg_find(m, SIP_HDR_SERVICE_ROUTE, &pos)) != NULL) {
        total += h->value.len + 1;
    }
    SIP_DIALOG_FREE(ua->service_route);
    ua->service_route = NULL;
    if (!total) return;
    s = (char *)SIP_DIALOG_MALLOC(total);
    if (!s) return;
    s[0] = 0;
    pos = 0;
    total = 0;
    while ((h = sip_msg_find(m, SIP_HDR_SERVICE_ROUTE, &pos)) != NULL) {
        if (total) s[total++] = '\n';
        memcpy(s + total, h->value.p, h->value.len);
        total += h->value.len;
        s[total] = 0;
    }
    ua->service_route = s;
}

static void sip__ua_reg_response(sip_ua *ua, sip__ua_req *q, const sip_msg *m)
{
    uint32_t slot = (uint32_t)q->owner;
    sip__ua_reg *r;
    int st = (int)m->status;
    uint32_t nc;
    sip_tsx_id nid;
    if (slot >= ua->cfg.max_registrations || !(r = ua->regs[slot]) || r->gen != q->owner_gen) return;
    if (st < 200) return;
    if (st < 300) {
        if (r->state == SIP_UA_REG_UNREGISTERING) {
            r->granted = 0;
            sip__ua_reg_event(ua, slot, SIP_UA_REG_UNREGISTERED, st, m);
            return;
        }
        r->granted = sip__ua_granted(r, m);
        if (r->granted) {
            uint32_t early = r->granted / 2 < 30 ? r->granted / 2 : 30;
            r->refresh_at = ua->now + (uint64_t)(r->granted - early) * 1000000u;
        }
        sip__ua_keep_service_route(ua, m);
        sip__ua_reg_event(ua, slot, SIP_UA_REG_REGISTERED, st, m);
        return;
    }
    if ((st == 401 || st == 407) && sip__ua_auth_retry(ua, q, m, &nc, &nid)) {
        r->cseq = nc;
        return;
    }
    if (!sip__ua_reg_alive(ua, slot, q->owner_gen)) return; /* the retry failed and ended it */
    if (st == 423 && r->state != SIP_UA_REG_UNREGISTERING) { /* §10.2.8 */
        size_t pos = 0;
        const sip_hdr *h = sip_msg_find(m, SIP_HDR_MIN_EXPIRES, &pos);
        uint32_t v;
        if (h && sip_str_to_u32(h->value, 0xffffffffu, &v) == 0 && v > r->expires &&
            r->tried_423 < 4) {
            r->tried_423++;
            r->expires = v;
            if (sip__ua_reg_send(ua, slot, v) == 0 || !sip__ua_reg_alive(ua, slot, q->owner_gen))
                return;
        }
    }
    sip__ua_reg_event(ua, slot, SIP_UA_REG_FAILED, st, m);
}

/* ---- transaction events ---------------------------------------------- */

static void sip__ua_req_failed(sip_ua *ua, sip__ua_req *r, int cause)
{
    if (r->purpose == SIP__UA_P_INVITE || r->purpose == SIP__UA_P_REINVITE) {
        uint32_t cs = (uint32_t)r->owner;
        sip__ua_call *c;
        if (r->owner < 0 || cs >= ua->cfg.max_sessions || !(c = ua->calls[cs]) ||
            c->gen != r->owner_gen || c->ict != r->id)
            return;
        c->ict = 0;
        if (r->purpose == SIP__UA_P_REINVITE && c->dlg >= 0 && ua->dlgs[c->dlg]) {
            /* §14.1: a timed-out re-INVITE ends the session with BYE */
            (void)sip__ua_send_bye(ua, c->dlg);
            if (!ua->calls[cs]) return;
            c->dlg = -1;
        }
        sip__ua_call_end(ua, cs, cause, 0, NULL);
    } else if (r->purpose == SIP__UA_P_BYE) {
        if (r->owner >= 0 && (uint32_t)r->owner < ua->cfg.max_dialogs && ua->dlgs[r->owner] &&
            ua->dlgs[r->owner]->gen == r->owner_gen)
            sip__ua_dlg_release(ua, r->owner, SIP__UA_USE_BYE | SIP__UA_USE_INVITE);
    } else if (r->purpose >= SIP__UA_P_SUBSCRIBE) {
        sip__ua_sub_req_failed(ua, r);
    } else if (r->purpose == SIP__UA_P_REGISTER) {
        uint32_t s = (uint32_t)r->owner;
        if (s < ua->cfg.max_registrations && ua->regs[s] && ua->regs[s]->gen == r->owner_gen)
            sip__ua_reg_event(ua, s, SIP_UA_REG_FAILED, 0, NULL);
    } else {
        sip__ua_x_req_failed(ua, r, cause);
    }
}

static void sip__ua_on_response(sip_ua *ua, sip__ua_req *r, const sip_msg *m)
{
    if (m->status >= 200 && !(m->status == 401 || m->status == 407)) {
        SIP_DIALOG_FREE(r->copy);
        r->copy = NULL;
    }
    switch (r->purpose) {
    case SIP__UA_P_INVITE:
    case SIP__UA_P_REINVITE:
        sip__ua_invite_response(ua, r, m);
        break;
    case SIP__UA_P_REGISTER:
        sip__ua_reg_response(ua, r, m);
        break;
    case SIP__UA_P_PRACK:
    case SIP__UA_P_UPDATE:
    case SIP__UA_P_INFO:
        sip__ua_x_response(ua, r, m);
        break;
    case SIP__UA_P_BYE:
        if (m->status >= 200) {
            uint32_t nc;
            sip_tsx_id nid;
            if ((m->status == 401 || m->status == 407) && sip__ua_auth_retry(ua, r, m, &nc, &nid))
                break;
            if (r->owner >= 0 && (uint32_t)r->owner < ua->cfg.max_dialogs &&
                ua->dlgs[r->owner] && ua->dlgs[r->owner]->gen == r->owner_gen)
                sip__ua_dlg_release(ua, r->owner, SIP__UA_USE_BYE | SIP__UA_USE_INVITE);
        }
        break;
    case SIP__UA_P_SUBSCRIBE:
    case SIP__UA_P_NOTIFY:
    case SIP__UA_P_REFER:
        sip__ua_sub_response(ua, r, m);
        break;
    default:
        if (m->status == 401 || m->status == 407) {
            uint32_t nc;
            sip_tsx_id nid;
            (void)sip__ua_auth_retry(ua, r, m, &nc, &nid);
        }
        break;
    }
}

static void sip__ua_tsx_event(void *user, const sip_tsx_event *ev)
{
    sip_ua *ua = (sip_ua *)user;
    sip__ua_req *r = (sip__ua_req *)ev->ctx;
    switch (ev->type) {
    case SIP_TSX_EV_REQUEST:
        sip__ua_on_request(ua, ev);
        break;
    case SIP_TSX_EV_ACK:
        sip__ua_on_ack(ua, ev);
        break;
    case SIP_TSX_EV_RESPONSE:
        if (r) sip__ua_on_response(ua, r, ev->msg);
        break;
    case SIP_TSX_EV_STRAY_RESPONSE:
        /* §13.2.2.4: 2xx retransmissions after the INVITE transaction */
        if (ev->msg->cseq.method == SIP_METHOD_INVITE && ev->msg->status >= 200 &&
            ev->msg->status < 300)
            sip__ua_orphan_2xx(ua, ev->msg);
        break;
    case SIP_TSX_EV_TIMEOUT:
        if (r) sip__ua_req_failed(ua, r, SIP_UA_CAUSE_TIMEOUT);
        break;
    case SIP_TSX_EV_TRANSPORT_ERROR:
        if (r) sip__ua_req_failed(ua, r, SIP_UA_CAUSE_TRANSPORT);
        break;
    case SIP_TSX_EV_TERMINATED:
        if (r) sip__ua_req_free(r);
        break;
    }
}

static int sip__ua_tsx_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    sip_ua *ua = (sip_ua *)user;
    return ua->cb.send(ua->cb.user, to, msg, len);
}

static int sip__ua_tsx_rand(void *user, uint8_t *buf, size_t n)
{
    sip_ua *ua = (sip_ua *)user;
    return ua->cb.rand(ua->cb.user, buf, n);
}

/* ---- subscriptions (RFC 6665) and transfer (RFC 3515, 3891, 3911) ----- */

static const char *const sip__ua_reason_names[] = {
    "", "deactivated", "probation", "rejected", "timeout", "giveup", "noresource", "invariant", ""};

/* The dialog drops usage bits; it ends when no subscription, no BYE in
 * flight and no call use it any more (RFC 5057 §5). */
static void sip__ua_dlg_release(sip_ua *ua, int32_t ds, unsigned bits)
{
    sip__ua_dlg *d;
    if (ds < 0 || (uint32_t)ds >= ua->cfg.max_dialogs || !(d = ua->dlgs[ds])) return;
    d->usage = (uint8_t)(d->usage & ~bits);
    if (!(d->usage & (SIP__UA_USE_SUB | SIP__UA_USE_BYE)) && d->call < 0) sip__ua_dlg_free(ua, ds);
}

static sip__ua_sub *sip__ua_sub_get(const sip_ua *ua, sip_ua_sub id, uint32_t *slot)
{
    uint32_t s, g;
    sip__ua_sub *x;
    if (!ua || !ua->subs || sip__ua_id_slot(id, ua->cfg.max_subscriptions, &s, &g)) return NULL;
    x = ua->subs[s];
    if (!x || x->gen != g) return NULL;
    if (slot) *slot = s;
    return x;
}

static int sip__ua_sub_alive(const sip_ua *ua, uint32_t slot, uint32_t gen)
{
    return ua->subs[slot] && ua->subs[slot]->gen == gen;
}

static int sip__ua_sub_new(sip_ua *ua, int role, uint32_t *slot_out)
{
    uint32_t i;
    sip__ua_sub *x;
    for (i = 0; i < ua->cfg.max_subscriptions; i++)
        if (!ua->subs[i]) break;
    if (i == ua->cfg.max_subscriptions) return SIP_UA_ERR_FULL;
    x = (sip__ua_sub *)SIP_DIALOG_MALLOC(sizeof *x);
    if (!x) return SIP_UA_ERR_NOMEM;
    memset(x, 0, sizeof *x);
    x->gen = sip__ua_next_gen(ua);
    x->role = (uint8_t)role;
    x->dlg = -1;
    ua->subs[i] = x;
    ua->n_subs++;
    *slot_out = i;
    return 0;
}

/* Free the object only (its dialog is the caller's business). */
static void sip__ua_sub_free(sip_ua *ua, uint32_t slot)
{
    sip__ua_sub *x = ua->subs[slot];
    SIP_DIALOG_FREE(x->event);
    SIP_DIALOG_FREE(x->accept);
    SIP_DIALOG_FREE(x->uri);
    SIP_DIALOG_FREE(x->referred_by);
    SIP_DIALOG_FREE(x->req);
    SIP_DIALOG_FREE(x);
    ua->subs[slot] = NULL;
    ua->n_subs--;
}

static void sip__ua_subs_free_all(sip_ua *ua)
{
    uint32_t i;
    for (i = 0; ua->subs && i < ua->cfg.max_subscriptions; i++)
        if (ua->subs[i]) sip__ua_sub_free(ua, i);
}

static sip__ua_dlg *sip__ua_sub_dlg(const sip_ua *ua, const sip__ua_sub *x)
{
    if (x->dlg < 0 || !ua->dlgs[x->dlg] || ua->dlgs[x->dlg]->gen != x->dlg_gen) return NULL;
    return ua->dlgs[x->dlg];
}

static void sip__ua_sub_attach(sip_ua *ua, sip__ua_sub *x, int32_t ds)
{
    x->dlg = ds;
    x->dlg_gen = ua->dlgs[ds]->gen;
    ua->dlgs[ds]->usage |= SIP__UA_USE_SUB;
}

/* The subscription stops using its dialog (the last one ends the usage). */
static void sip__ua_sub_detach(sip_ua *ua, uint32_t slot)
{
    sip__ua_sub *x = ua->subs[slot];
    int32_t ds = x->dlg;
    uint32_t i;
    if (!sip__ua_sub_dlg(ua, x)) {
        x->dlg = -1;
        return;
    }
    x->dlg = -1;
    for (i = 0; i < ua->cfg.max_subscriptions; i++) {
        const sip__ua_sub *y = ua->subs[i];
        if (y && i != slot && y->dlg == ds && y->dlg_gen == ua->dlgs[ds]->gen) return;
    }
    sip__ua_dlg_release(ua, ds, SIP__UA_USE_SUB);
}

static void sip__ua_sub_event(sip_ua *ua, uint32_t slot, int state, int reason, int status,
                              const sip_msg *m)
{
    sip_ua_event ev;
    sip__ua_sub *x = ua->subs[slot];
    memset(&ev, 0, sizeof ev);
    ev.type = SIP_UA_EV_SUB_STATE;
    ev.sub = sip__ua_mkid(slot, x->gen);
    ev.state = state;
    ev.sub_reason = reason;
    ev.status = status;
    ev.msg = m;
    if (x->expire_at > ua->now) ev.expires = (uint32_t)((x->expire_at - ua->now + 999999u) / 1000000u);
    x->state = (uint8_t)state;
    sip__ua_emit(ua, &ev);
}

/* SUB_STATE TERMINATED, then the subscription is gone. */
static void sip__ua_sub_end(sip_ua *ua, uint32_t slot, int reason, int status, const sip_msg *m)
{
    uint32_t gen = ua->subs[slot]->gen;
    sip__ua_sub_detach(ua, slot);
    ua->subs[slot]->refresh_at = ua->subs[slot]->expire_at = 0;
    ua->subs[slot]->retry_at = ua->subs[slot]->notify_by = 0;
    sip__ua_sub_event(ua, slot, SIP_UA_SUB_TERMINATED, reason, status, m);
    if (sip__ua_sub_alive(ua, slot, gen)) sip__ua_sub_free(ua, slot);
}

/* 1 when the Event e names subscription x: same package and id (RFC 6665
 * §8.2.1); a REFER's NOTIFY may leave the id out (RFC 3515 §2.4.6). */
static int sip__ua_sub_event_match(const sip__ua_sub *x, const sip_event *e)
{
    sip_event mine;
    if (!x->event || sip_event_parse(sip_str_c(x->event), &mine) != 0) return 0;
    if (!sip_str_eq(mine.package, e->package)) return 0;
    if (x->is_refer && !e->id.p) return 1;
    if (!mine.id.p != !e->id.p) return 0;
    return !mine.id.p || sip_str_eq(mine.id, e->id);
}

/* "refer" and cfg.events: our Allow-Events (RFC 6665 §8.2.2). */
static void sip__ua_allow_events(const sip_ua *ua, char *out, size_t cap)
{
    snprintf(out, cap, "refer%s%s", ua->cfg.events ? ", " : "", ua->cfg.events ? ua->cfg.events : "");
}

/* 1 when we act as notifier for package (RFC 6665 §4.2.1). */
static int sip__ua_event_accepted(const sip_ua *ua, sip_str package)
{
    const char *p = ua->cfg.events;
    if (sip_str_eq(package, sip_str_c("refer"))) return 0; /* REFER only: RFC 3515 §2.4.4 */
    while (p && *p) {
        const char *e = p;
        sip_str t;
        while (*e && *e != ',') e++;
        t.p = p;
        t.len = (size_t)(e - p);
        if (sip_str_eq(sip_str_trim(t), package)) return 1;
        p = *e ? e + 1 : e;
    }
    return 0;
}

static uint32_t sip__ua_sub_left(const sip_ua *ua, const sip__ua_sub *x)
{
    if (x->expire_at <= ua->now) return 0;
    return (uint32_t)((x->expire_at - ua->now + 999999u) / 1000000u);
}

static int sip__ua_bad_text(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

/* Notifier: NOTIFY in the subscription's dialog (RFC 6665 §4.2.2). */
static int sip__ua_sub_send_notify(sip_ua *ua, uint32_t slot, int state, int reason,
                                   const char *ctype, sip_str body)
{
    sip__ua_sub *x = ua->subs[slot];
    char extra[600];
    sip__ua_w w;
    if (!sip__ua_sub_dlg(ua, x)) return SIP_UA_ERR_STATE;
    w.p = extra; w.cap = sizeof extra; w.n = 0; w.over = 0;
    sip__ua_wf(&w, "Event: %s\r\nSubscription-State: ", x->event);
    if (state == SIP_UA_SUB_TERMINATED) {
        sip__ua_wf(&w, "terminated");
        if (reason > 0 && reason < SIP_UA_SUB_REASON_OTHER)
            sip__ua_wf(&w, ";reason=%s", sip__ua_reason_names[reason]);
    } else {
        sip__ua_wf(&w, "%s;expires=%u", state == SIP_UA_SUB_PENDING ? "pending" : "active",
                   (unsigned)sip__ua_sub_left(ua, x));
    }
    sip__ua_wf(&w, "\r\n");
    if (w.over) return SIP_UA_ERR_TOO_BIG;
    return sip__ua_dlg_request(ua, x->dlg, "NOTIFY", body, ctype, extra, SIP__UA_P_NOTIFY,
                               (int32_t)slot, x->gen, NULL);
}

/* The message/sipfrag status line of a REFER NOTIFY (RFC 3515 §2.4.5). */
static int sip__ua_sipfrag_notify(sip_ua *ua, uint32_t slot, int status, int state, int reason)
{
    char frag[80];
    int n = snprintf(frag, sizeof frag, "SIP/2.0 %d %s\r\n", status, sip_reason_phrase(status));
    sip_str body;
    body.p = frag;
    body.len = n > 0 && (size_t)n < sizeof frag ? (size_t)n : 0;
    return sip__ua_sub_send_notify(ua, slot, state, reason, "message/sipfrag", body);
}

/* The current state again, without a body but a REFER's last status. */
static int sip__ua_sub_notify_current(sip_ua *ua, uint32_t slot, int state, int reason)
{
    sip__ua_sub *x = ua->subs[slot];
    if (x->is_refer)
        return sip__ua_sipfrag_notify(ua, slot, x->last_status ? x->last_status : 100, state, reason);
    return sip__ua_sub_send_notify(ua, slot, state, reason, NULL, (sip_str){NULL, 0});
}

/* Subscriber: the granted time (RFC 6665 §4.1.2.1); refreshes as the
 * registrations do (expires - min(expires / 2, 30 s)); REFER's implicit
 * subscription is never refreshed. */
static void sip__ua_sub_set_expiry(sip_ua *ua, sip__ua_sub *x, uint32_t secs)
{
    uint32_t early = secs / 2 < 30 ? secs / 2 : 30;
    if (!secs) { /* the terminated NOTIFY is coming */
        x->refresh_at = x->expire_at = 0;
        if (!x->notify_by) x->notify_by = ua->now + 64ull * ua->tsx.cfg.t1_ms * 1000u;
        return;
    }
    /* our own expiry waits 64*T1 more: the notifier's terminated NOTIFY
     * (§4.2.2) still finds the subscription */
    x->expire_at = ua->now + (uint64_t)secs * 1000000u + 64ull * ua->tsx.cfg.t1_ms * 1000u;
    x->refresh_at = x->is_refer || x->unsub ? 0 : ua->now + (uint64_t)(secs - early) * 1000000u;
}

/* Subscriber: an in-dialog SUBSCRIBE (refresh, or Expires: 0). */
static int sip__ua_sub_send_in_dialog(sip_ua *ua, uint32_t slot, uint32_t expires)
{
    sip__ua_sub *x = ua->subs[slot];
    char extra[800];
    sip__ua_w w;
    if (!sip__ua_sub_dlg(ua, x)) return SIP_UA_ERR_STATE;
    w.p = extra; w.cap = sizeof extra; w.n = 0; w.over = 0;
    sip__ua_wf(&w, "Event: %s\r\nExpires: %u\r\n", x->event, (unsigned)expires);
    if (x->accept) sip__ua_wf(&w, "Accept: %s\r\n", x->accept);
    if (w.over) return SIP_UA_ERR_TOO_BIG;
    x->refresh_at = 0;
    return sip__ua_dlg_request(ua, x->dlg, "SUBSCRIBE", (sip_str){NULL, 0}, NULL, extra,
                               SIP__UA_P_SUBSCRIBE, (int32_t)slot, x->gen, &x->ct);
}

/* Subscriber: a new dialog and the SUBSCRIBE that creates it (RFC 6665
 * §4.1.2.1: outside any dialog, a new Call-ID and tag). */
static int sip__ua_sub_send_initial(sip_ua *ua, uint32_t slot)
{
    sip__ua_sub *x = ua->subs[slot];
    sip_addr to;
    char tag[20], cid[64], from[300], rbuf[300], tov[300], extra[800];
    sip_str vals[SIP__UA_S_N], routes[SIP_UA_MAX_ROUTES];
    sip__ua_rq q;
    sip__ua_w w;
    uint32_t ds;
    int rc;
    if (sip_addr_parse(sip_str_c(x->uri), &to) != 0) return SIP_UA_ERR_INVALID;
    if (sip_gen_tag(tag, sizeof tag, ua->cb.rand, ua->cb.user) < 0 ||
        sip_gen_call_id(cid, sizeof cid, (sip_str){NULL, 0}, ua->cb.rand, ua->cb.user) < 0)
        return SIP_UA_ERR_CALLBACK;
    w.p = extra; w.cap = sizeof extra; w.n = 0; w.over = 0;
    sip__ua_wf(&w, "Event: %s\r\nExpires: %u\r\n", x->event, (unsigned)x->expires);
    if (x->accept) sip__ua_wf(&w, "Accept: %s\r\n", x->accept);
    if (w.over) return SIP_UA_ERR_TOO_BIG;
    rc = sip__ua_dlg_new(ua, -1, 1, &ds);
    if (rc) return rc;
    ua->dlgs[ds]->owns_call_id = 1;
    ua->dlgs[ds]->lcseq = 1;
    sip__ua_local_uri(ua, from, sizeof from);
    if (to.angle) snprintf(tov, sizeof tov, "%s", x->uri);
    else snprintf(tov, sizeof tov, "<%s>", x->uri);
    memset(vals, 0, sizeof vals);
    vals[SIP__UA_S_CALLID] = sip_str_c(cid);
    vals[SIP__UA_S_LTAG] = sip_str_c(tag);
    vals[SIP__UA_S_LURI] = sip_str_c(from);
    vals[SIP__UA_S_RURI] = sip_str_c(tov);
    vals[SIP__UA_S_TARGET] = to.uri.raw;
    rc = sip__ua_dlg_store(ua->dlgs[ds], vals, NULL, 0);
    if (rc) {
        sip__ua_dlg_free(ua, (int32_t)ds);
        return rc;
    }
    sip__ua_sub_attach(ua, x, (int32_t)ds);
    memset(&q, 0, sizeof q);
    q.method = "SUBSCRIBE";
    q.ruri = to.uri.raw;
    q.n_routes = sip__ua_preloaded(ua, routes, rbuf, sizeof rbuf);
    q.routes = routes;
    snprintf(from + strlen(from), sizeof from - strlen(from), ";tag=%s", tag);
    q.from = sip_str_c(from);
    q.to = sip_str_c(tov);
    q.call_id = sip_str_c(cid);
    q.cseq = 1;
    q.contact = 1;
    q.extra = extra;
    x->state = SIP_UA_SUB_SUBSCRIBING;
    x->refresh_at = x->expire_at = x->retry_at = 0;
    /* Timer N (RFC 6665 §4.1.2.4) runs from the SUBSCRIBE */
    x->notify_by = ua->now + 64ull * ua->tsx.cfg.t1_ms * 1000u;
    return sip__ua_start(ua, &q, SIP__UA_P_SUBSCRIBE, (int32_t)slot, x->gen, NULL, &x->ct);
}

SIP_DIALOG_DEF int sip_ua_subscribe(sip_ua *ua, const char *to_uri, const char *event,
                                    const char *accept, uint32_t expires, uint64_t now_us,
                                    sip_ua_sub *out)
{
    sip_addr to;
    sip_event e;
    sip__ua_sub *x;
    uint32_t slot, gen;
    int rc;
    if (!ua || !to_uri || !event || sip__ua_bad_text(to_uri) || sip__ua_bad_text(event) ||
        sip__ua_bad_text(accept))
        return SIP_UA_ERR_INVALID;
    if (sip_addr_parse(sip_str_c(to_uri), &to) != 0 || to.tag.p ||
        sip_event_parse(sip_str_c(event), &e) != 0)
        return SIP_UA_ERR_INVALID;
    ua->now = now_us;
    rc = sip__ua_sub_new(ua, SIP__UA_SUBR, &slot);
    if (rc) return rc;
    x = ua->subs[slot];
    gen = x->gen;
    x->expires = expires ? expires : ua->cfg.default_expires;
    x->event = sip__ua_dup(event, strlen(event));
    x->uri = sip__ua_dup(to_uri, strlen(to_uri));
    if (accept) x->accept = sip__ua_dup(accept, strlen(accept));
    if (!x->event || !x->uri || (accept && !x->accept)) {
        sip__ua_sub_free(ua, slot);
        return SIP_UA_ERR_NOMEM;
    }
    rc = sip__ua_sub_send_initial(ua, slot);
    if (rc) {
        if (sip__ua_sub_alive(ua, slot, gen)) {
            sip__ua_sub_detach(ua, slot);
            sip__ua_sub_free(ua, slot);
        }
        return rc;
    }
    if (out) *out = sip__ua_mkid(slot, gen);
    return 0;
}

SIP_DIALOG_DEF int sip_ua_unsubscribe(sip_ua *ua, sip_ua_sub sub, uint64_t now_us)
{
    uint32_t slot;
    sip__ua_sub *x = sip__ua_sub_get(ua, sub, &slot);
    sip__ua_dlg *d;
    int rc;
    if (!x) return SIP_UA_ERR_STALE;
    if (x->role != SIP__UA_SUBR || x->unsub || x->state == SIP_UA_SUB_TERMINATED)
        return SIP_UA_ERR_STATE;
    ua->now = now_us;
    x->refresh_at = x->retry_at = 0;
    d = sip__ua_sub_dlg(ua, x);
    if (!d || !d->s[SIP__UA_S_RTAG].len || x->ct) {
        /* no dialog yet, or a SUBSCRIBE in flight: send once it answers */
        if (!d && !x->ct) {
            sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_NONE, 0, NULL);
            return 0;
        }
        x->unsub = 1;
        return 0;
    }
    x->unsub = 2;
    x->notify_by = now_us + 64ull * ua->tsx.cfg.t1_ms * 1000u;
    rc = sip__ua_sub_send_in_dialog(ua, slot, 0);
    if (rc && sip__ua_sub_alive(ua, slot, (uint32_t)(sub >> 32)))
        sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_NONE, 0, NULL);
    return rc;
}

/* Subscriber: a pending Expires: 0 goes now that the dialog exists. */
static void sip__ua_sub_flush_unsub(sip_ua *ua, uint32_t slot)
{
    sip__ua_sub *x = ua->subs[slot];
    sip__ua_dlg *d = sip__ua_sub_dlg(ua, x);
    if (x->unsub != 1 || x->ct || !d || !d->s[SIP__UA_S_RTAG].len) return;
    x->unsub = 2;
    x->refresh_at = 0;
    x->notify_by = ua->now + 64ull * ua->tsx.cfg.t1_ms * 1000u;
    if (sip__ua_sub_send_in_dialog(ua, slot, 0) != 0 && sip__ua_sub_alive(ua, slot, x->gen))
        sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_NONE, 0, NULL);
}

/* The remote side of a subscriber's dialog from the dialog-forming
 * response (§12.1.2: reversed Record-Route) or NOTIFY (RFC 6665 §4.1.2.4,
 * a request: Record-Route in order). */
static int sip__ua_sub_dlg_remote(sip__ua_dlg *d, const sip_msg *m, sip_str rtag, int reverse)
{
    sip_str vals[SIP__UA_S_N];
    int i;
    for (i = 0; i < SIP__UA_S_N; i++) vals[i] = sip__ua_dstr(d, i);
    vals[SIP__UA_S_RTAG] = rtag;
    if (sip__ua_dlg_from_msg(d, m, reverse, vals) != 0) return -1;
    d->state = SIP__UA_DLG_CONFIRMED;
    return 0;
}

static void sip__ua_subscribe_response(sip_ua *ua, uint32_t slot, sip__ua_req *r, const sip_msg *m)
{
    sip__ua_sub *x = ua->subs[slot];
    sip__ua_dlg *d = sip__ua_sub_dlg(ua, x);
    int st = (int)m->status;
    int initial = !d || !d->s[SIP__UA_S_RTAG].len;
    uint32_t granted = x->expires;
    size_t pos = 0;
    const sip_hdr *h;
    if (r->id != x->ct) return; /* an older request's answer */
    x->ct = 0;
    if (st >= 300) {
        /* §4.1.2.2: a failed refresh leaves the subscription until it
         * expires, but 481 and 408 mean it is gone */
        if (initial || x->unsub || st == 481 || st == 408)
            sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_NONE, st, m);
        return;
    }
    if (initial && d && m->to.tag.p && sip__ua_sub_dlg_remote(d, m, m->to.tag, 1) != 0) {
        sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_NONE, st, m);
        return;
    }
    h = sip_msg_find(m, SIP_HDR_EXPIRES, &pos);
    if (h && sip_str_to_u32(h->value, 0xffffffffu, &granted) != 0) granted = x->expires;
    if (x->unsub == 2) return; /* the terminated NOTIFY is awaited (notify_by) */
    sip__ua_sub_set_expiry(ua, x, granted);
    /* Timer N (§4.1.2.4) runs until the first NOTIFY */
    if (x->state == SIP_UA_SUB_SUBSCRIBING && !x->notify_by)
        x->notify_by = ua->now + 64ull * ua->tsx.cfg.t1_ms * 1000u;
    sip__ua_sub_flush_unsub(ua, slot);
}

static void sip__ua_refer_response(sip_ua *ua, uint32_t slot, sip__ua_req *r, const sip_msg *m)
{
    sip__ua_sub *x = ua->subs[slot];
    int st = (int)m->status;
    size_t pos = 0;
    const sip_hdr *h;
    if (r->id != x->ct) return;
    x->ct = 0;
    if (st >= 300) {
        sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_NONE, st, m);
        return;
    }
    /* RFC 4488 §4: the referee agreed to send no NOTIFY */
    h = sip_msg_find(m, SIP_HDR_REFER_SUB, &pos);
    if (x->no_sub && h && sip_str_caseeq_c(h->value, "false")) {
        sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_NONE, st, m);
        return;
    }
    if (x->state == SIP_UA_SUB_SUBSCRIBING && !x->notify_by)
        x->notify_by = ua->now + 64ull * ua->tsx.cfg.t1_ms * 1000u;
    sip__ua_sub_flush_unsub(ua, slot);
}

static void sip__ua_sub_response(sip_ua *ua, sip__ua_req *r, const sip_msg *m)
{
    uint32_t slot = (uint32_t)r->owner, nc;
    sip_tsx_id nid;
    sip__ua_sub *x;
    int st = (int)m->status;
    if (r->owner < 0 || slot >= ua->cfg.max_subscriptions || !(x = ua->subs[slot]) ||
        x->gen != r->owner_gen || st < 200)
        return;
    if ((st == 401 || st == 407) && sip__ua_auth_retry(ua, r, m, &nc, &nid)) {
        sip__ua_dlg *d = sip__ua_sub_dlg(ua, x);
        if (d && d->lcseq < nc) d->lcseq = nc;
        if (r->purpose != SIP__UA_P_NOTIFY && x->ct == r->id) x->ct = nid;
        return;
    }
    switch (r->purpose) {
    case SIP__UA_P_NOTIFY:
        /* RFC 6665 §4.2.2: 481 (and a timeout) removes the subscription */
        if (st == 481 || st == 408) sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_NONE, st, m);
        return;
    case SIP__UA_P_REFER:
        sip__ua_refer_response(ua, slot, r, m);
        return;
    default:
        sip__ua_subscribe_response(ua, slot, r, m);
        return;
    }
}

static void sip__ua_sub_req_failed(sip_ua *ua, sip__ua_req *r)
{
    uint32_t slot = (uint32_t)r->owner;
    sip__ua_sub *x;
    if (r->owner < 0 || slot >= ua->cfg.max_subscriptions || !(x = ua->subs[slot]) ||
        x->gen != r->owner_gen)
        return;
    if (r->purpose != SIP__UA_P_NOTIFY && r->id != x->ct) return;
    x->ct = 0;
    sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_TIMEOUT, 408, NULL);
}

/* A NOTIFY whose dialog is not there yet: the first NOTIFY of a
 * SUBSCRIBE (it may beat the 2xx), or one from another fork, which makes
 * a new subscription (RFC 6665 §4.1.2.4). Returns the dialog or -1. */
static int32_t sip__ua_sub_fork_dialog(sip_ua *ua, const sip_msg *m)
{
    uint32_t i, slot, ds;
    sip__ua_sub *x = NULL, *y;
    sip__ua_dlg *d = NULL, *nd;
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_EVENT, &pos);
    sip_event e;
    if (!h || !m->from.tag.p || sip_event_parse(h->value, &e) != 0) return -1;
    for (i = 0; i < ua->cfg.max_subscriptions; i++) {
        y = ua->subs[i];
        if (!y || y->role != SIP__UA_SUBR || y->is_refer || !(d = sip__ua_sub_dlg(ua, y))) continue;
        if (sip_str_eq(sip__ua_dstr(d, SIP__UA_S_CALLID), m->call_id) &&
            sip_str_eq(sip__ua_dstr(d, SIP__UA_S_LTAG), m->to.tag) && sip__ua_sub_event_match(y, &e)) {
            x = y;
            break;
        }
    }
    if (!x) return -1;
    if (!d->s[SIP__UA_S_RTAG].len) {
        if (sip__ua_sub_dlg_remote(d, m, m->from.tag, 0) != 0) return -1;
        return x->dlg;
    }
    /* a fork: a new dialog and subscription like the original */
    if (sip__ua_sub_new(ua, SIP__UA_SUBR, &slot) != 0) return -1;
    y = ua->subs[slot];
    y->expires = x->expires;
    y->event = sip__ua_dup(x->event, strlen(x->event));
    y->uri = sip__ua_dup(x->uri, strlen(x->uri));
    if (x->accept) y->accept = sip__ua_dup(x->accept, strlen(x->accept));
    y->forked_from = sip__ua_mkid(i, x->gen);
    y->state = SIP_UA_SUB_SUBSCRIBING;
    if (!y->event || !y->uri || (x->accept && !y->accept) || sip__ua_dlg_new(ua, -1, 1, &ds) != 0) {
        sip__ua_sub_free(ua, slot);
        return -1;
    }
    nd = ua->dlgs[ds];
    d = ua->dlgs[x->dlg];
    nd->owns_call_id = 1;
    nd->lcseq = d->lcseq;
    nd->state = SIP__UA_DLG_CONFIRMED;
    {
        /* the local side is the original's, the remote one this NOTIFY's */
        sip_str vals[SIP__UA_S_N];
        int k;
        for (k = 0; k < SIP__UA_S_N; k++) vals[k] = sip__ua_dstr(d, k);
        vals[SIP__UA_S_RTAG] = m->from.tag;
        if (sip__ua_dlg_from_msg(nd, m, 0, vals) != 0) {
            sip__ua_dlg_free(ua, (int32_t)ds);
            sip__ua_sub_free(ua, slot);
            return -1;
        }
    }
    sip__ua_sub_attach(ua, y, (int32_t)ds);
    return (int32_t)ds;
}

static int sip__ua_reason_of(sip_str r)
{
    int i;
    if (!r.p) return SIP_UA_SUB_REASON_NONE;
    for (i = 1; i < SIP_UA_SUB_REASON_OTHER; i++)
        if (sip_str_caseeq_c(r, sip__ua_reason_names[i])) return i;
    return SIP_UA_SUB_REASON_OTHER;
}

/* The status of a message/sipfrag body, 0 when none (RFC 3420). */
static int sip__ua_sipfrag_status(const sip_msg *m)
{
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_CONTENT_TYPE, &pos);
    sip_media_type mt;
    const char *b = m->body.p;
    int st = 0, i;
    if (!h || sip_media_type_parse(h->value, &mt) != 0 || !sip_str_caseeq_c(mt.type, "message") ||
        !sip_str_caseeq_c(mt.subtype, "sipfrag"))
        return 0;
    if (m->body.len < 11 || memcmp(b, "SIP/2.0 ", 8) != 0) return 0;
    for (i = 8; i < 11; i++) {
        if (b[i] < '0' || b[i] > '9') return 0;
        st = st * 10 + (b[i] - '0');
    }
    return st >= 100 && st <= 699 ? st : 0;
}

/* Subscriber: a NOTIFY in dialog ds (RFC 6665 §4.1.3). */
static void sip__ua_notify_in(sip_ua *ua, const sip_tsx_event *ev, int32_t ds)
{
    const sip_msg *m = ev->msg;
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_EVENT, &pos);
    sip_event e;
    sip_sub_state ss;
    sip_ua_event uev;
    sip__ua_sub *x = NULL;
    uint32_t i, slot = 0, gen;
    int state, reason;
    if (!h || sip_event_parse(h->value, &e) != 0) {
        sip__ua_reply(ua, ev, 489, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    for (i = 0; i < ua->cfg.max_subscriptions; i++) {
        sip__ua_sub *y = ua->subs[i];
        if (y && y->role == SIP__UA_SUBR && y->dlg == ds && sip__ua_sub_dlg(ua, y) &&
            sip__ua_sub_event_match(y, &e) && y->state != SIP_UA_SUB_TERMINATED) {
            x = y;
            slot = i;
            break;
        }
    }
    if (!x) { /* §4.1.3: no subscription for it */
        sip__ua_reply(ua, ev, 481, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    pos = 0;
    h = sip_msg_find(m, SIP_HDR_SUBSCRIPTION_STATE, &pos);
    if (!h || sip_sub_state_parse(h->value, &ss) != 0) {
        sip__ua_reply(ua, ev, 400, "Missing or bad Subscription-State", NULL, (sip_str){NULL, 0});
        return;
    }
    sip__ua_reply(ua, ev, 200, NULL, NULL, (sip_str){NULL, 0});
    {
        /* NOTIFY refreshes the remote target (RFC 6665 §4.1.3) */
        sip_str vals[SIP__UA_S_N];
        sip_addr a;
        pos = 0;
        h = sip_msg_find(m, SIP_HDR_CONTACT, &pos);
        memset(vals, 0, sizeof vals);
        if (h && sip_addr_parse(h->value, &a) == 0) {
            vals[SIP__UA_S_TARGET] = a.uri.raw;
            (void)sip__ua_dlg_store(ua->dlgs[ds], vals, NULL, -1);
        }
    }
    x->notify_by = 0;
    reason = SIP_UA_SUB_REASON_NONE;
    if (sip_str_caseeq_c(ss.state, "terminated")) {
        state = SIP_UA_SUB_TERMINATED;
        reason = sip__ua_reason_of(ss.reason);
    } else {
        state = sip_str_caseeq_c(ss.state, "pending") ? SIP_UA_SUB_PENDING : SIP_UA_SUB_ACTIVE;
        if (ss.has_expires && !x->unsub) sip__ua_sub_set_expiry(ua, x, ss.expires);
    }
    gen = x->gen;
    memset(&uev, 0, sizeof uev);
    uev.type = SIP_UA_EV_NOTIFY;
    uev.sub = sip__ua_mkid(slot, gen);
    uev.forked_from = x->forked_from;
    uev.state = state;
    uev.sub_reason = reason;
    uev.expires = ss.has_expires ? ss.expires : 0;
    uev.retry_after = ss.has_retry_after ? ss.retry_after : 0;
    uev.event = e.package;
    uev.status = sip__ua_sipfrag_status(m);
    uev.msg = m;
    x->forked_from = 0;
    if (state != SIP_UA_SUB_TERMINATED) x->state = (uint8_t)state;
    {
        sip__ua_dlg *d = ua->dlgs[ds];
        if (d->call >= 0 && ua->calls[d->call]) uev.call = sip__ua_call_id(ua, (uint32_t)d->call);
    }
    sip__ua_emit(ua, &uev);
    if (!sip__ua_sub_alive(ua, slot, gen)) return;
    if (state != SIP_UA_SUB_TERMINATED) {
        sip__ua_sub_flush_unsub(ua, slot);
        return;
    }
    /* §4.1.3: what a termination reason asks of the subscriber */
    if (!x->unsub && !x->is_refer &&
        (reason == SIP_UA_SUB_REASON_DEACTIVATED || reason == SIP_UA_SUB_REASON_PROBATION)) {
        uint32_t wait = reason == SIP_UA_SUB_REASON_PROBATION && ss.has_retry_after ? ss.retry_after : 0;
        sip__ua_sub_detach(ua, slot);
        x->refresh_at = x->expire_at = x->notify_by = 0;
        if (wait) {
            x->retry_at = ua->now + (uint64_t)wait * 1000000u;
            sip__ua_sub_event(ua, slot, SIP_UA_SUB_SUBSCRIBING, reason, 0, m);
            return;
        }
        if (sip__ua_sub_send_initial(ua, slot) != 0) {
            if (sip__ua_sub_alive(ua, slot, gen)) sip__ua_sub_end(ua, slot, reason, 0, m);
            return;
        }
        sip__ua_sub_event(ua, slot, SIP_UA_SUB_SUBSCRIBING, reason, 0, m);
        return;
    }
    sip__ua_sub_end(ua, slot, reason, 0, m);
}

/* From/To value without its parameters (§12.1.1: the URIs of the dialog). */
static void sip__ua_sans_params(const sip_msg *m, sip_hdr_id id, const sip_addr *a, char *out,
                                size_t cap)
{
    size_t pos = 0, len, i;
    const sip_hdr *h = sip_msg_find(m, id, &pos);
    sip_str v = h ? h->value : sip_str_c("");
    len = a->params.p && a->params.p >= v.p && a->params.p <= v.p + v.len ? (size_t)(a->params.p - v.p)
                                                                          : v.len;
    for (i = 0; i < len && i < cap - 1; i++) out[i] = v.p[i];
    out[i] = 0;
}

/* Notifier: the dialog an out-of-dialog SUBSCRIBE / REFER creates
 * (§12.1.1 as UAS). Returns the slot, or a status to answer with. */
static int sip__ua_sub_uas_dialog(sip_ua *ua, const sip_msg *m, int32_t *out)
{
    char tag[20], luri[300], ruri[300];
    sip_str vals[SIP__UA_S_N];
    uint32_t ds;
    sip__ua_dlg *d;
    if (!m->from.tag.p) return 400;
    if (sip_gen_tag(tag, sizeof tag, ua->cb.rand, ua->cb.user) < 0) return 500;
    if (sip__ua_dlg_new(ua, -1, 0, &ds) != 0) return 503;
    d = ua->dlgs[ds];
    sip__ua_sans_params(m, SIP_HDR_FROM, &m->from, ruri, sizeof ruri);
    sip__ua_sans_params(m, SIP_HDR_TO, &m->to, luri, sizeof luri);
    memset(vals, 0, sizeof vals);
    vals[SIP__UA_S_CALLID] = m->call_id;
    vals[SIP__UA_S_LTAG] = sip_str_c(tag);
    vals[SIP__UA_S_RTAG] = m->from.tag;
    vals[SIP__UA_S_LURI] = sip_str_trim(sip_str_c(luri));
    vals[SIP__UA_S_RURI] = sip_str_trim(sip_str_c(ruri));
    vals[SIP__UA_S_TARGET] = m->from.uri.raw;
    if (sip__ua_dlg_from_msg(d, m, 0, vals) != 0) {
        sip__ua_dlg_free(ua, (int32_t)ds);
        return 500;
    }
    d->state = SIP__UA_DLG_CONFIRMED;
    d->rcseq = m->cseq.num;
    d->has_rcseq = 1;
    *out = (int32_t)ds;
    return 0;
}

/* Answer the notifier's kept request: 2xx with Record-Route (dialog
 * creating), Contact, Expires and Refer-Sub as needed (RFC 6665
 * §4.2.1.1, RFC 3515 §2.4.2, RFC 4488 §4). */
static int sip__ua_sub_answer(sip_ua *ua, uint32_t slot, int status, uint32_t expires)
{
    sip__ua_sub *x = ua->subs[slot];
    sip__ua_dlg *d = sip__ua_sub_dlg(ua, x);
    sip_hdr hdrs[SIP_TSX_MAX_HEADERS];
    sip_hdr_field ex[SIP_UA_MAX_ROUTES + 4];
    sip_parse_config pc;
    sip_msg m;
    char out[SIP_UA_MAX_MSG], contact[300], exs[16];
    size_t n = 0, pos = 0;
    const sip_hdr *h;
    int r;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    if (!x->req || !d || sip_parse(x->req, x->req_len, &pc, &m, hdrs, SIP_TSX_MAX_HEADERS, NULL) < 0)
        return SIP_UA_ERR_STATE;
    if (status < 300) {
        if (!m.to.tag.p)
            while ((h = sip_msg_find(&m, SIP_HDR_RECORD_ROUTE, &pos)) != NULL && n < SIP_UA_MAX_ROUTES) {
                ex[n].name = sip_str_c("Record-Route");
                ex[n++].value = h->value;
            }
        snprintf(contact, sizeof contact, "<%s>", ua->cfg.contact);
        ex[n].name = sip_str_c("Contact");
        ex[n++].value = sip_str_c(contact);
        if (!x->is_refer) {
            snprintf(exs, sizeof exs, "%u", (unsigned)expires);
            ex[n].name = sip_str_c("Expires");
            ex[n++].value = sip_str_c(exs);
        }
        if (x->no_sub) {
            ex[n].name = sip_str_c("Refer-Sub");
            ex[n++].value = sip_str_c("false");
        }
    }
    r = sip_build_response(out, sizeof out, &m, status, NULL, sip__ua_dstr(d, SIP__UA_S_LTAG), ex, n,
                           (sip_str){NULL, 0}, NULL);
    if (r < 0) return SIP_UA_ERR_TOO_BIG;
    r = sip_tsx_respond(&ua->tsx, x->st, out, (size_t)r, ua->now);
    SIP_DIALOG_FREE(x->req);
    x->req = NULL;
    x->req_len = 0;
    return r;
}

/* Notifier: keep the request for the answer and tell the application. */
static void sip__ua_sub_offer(sip_ua *ua, const sip_tsx_event *ev, uint32_t slot, int32_t ds,
                              sip_str event, int type)
{
    const sip_msg *m = ev->msg;
    sip__ua_sub *x = ua->subs[slot];
    sip_ua_event uev;
    x->st = ev->id;
    x->req_len = (uint32_t)((m->body.p ? m->body.p + m->body.len : m->start_line.p + m->msg_len) -
                            m->start_line.p);
    x->req = sip__ua_dup(m->start_line.p, x->req_len);
    if (!x->req) {
        sip__ua_reply(ua, ev, 500, NULL, NULL, (sip_str){NULL, 0});
        sip__ua_sub_detach(ua, slot);
        sip__ua_sub_free(ua, slot);
        return;
    }
    x->state = SIP_UA_SUB_INCOMING;
    /* unanswered after 64*T1: the subscriber's transaction is long gone */
    x->expire_at = ua->now + 64ull * ua->tsx.cfg.t1_ms * 1000u;
    memset(&uev, 0, sizeof uev);
    uev.type = (sip_ua_event_type)type;
    uev.sub = sip__ua_mkid(slot, x->gen);
    uev.state = SIP_UA_SUB_INCOMING;
    uev.expires = x->expires;
    uev.event = event;
    uev.msg = m;
    if (ds >= 0 && ua->dlgs[ds]->call >= 0 && ua->calls[ua->dlgs[ds]->call])
        uev.call = sip__ua_call_id(ua, (uint32_t)ua->dlgs[ds]->call);
    if (type == SIP_UA_EV_REFER) {
        uev.refer_to = sip_str_c(x->uri);
        uev.referred_by = x->referred_by ? sip_str_c(x->referred_by) : sip_str_c("");
        uev.refer_sub = !x->no_sub;
    }
    sip__ua_emit(ua, &uev);
}

/* Notifier: a SUBSCRIBE in dialog ds (-1: outside any). */
static void sip__ua_subscribe_in(sip_ua *ua, const sip_tsx_event *ev, int32_t ds)
{
    const sip_msg *m = ev->msg;
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_EVENT, &pos);
    sip_event e;
    char ae[300];
    uint32_t i, slot, expires = ua->cfg.default_expires, gen;
    sip__ua_sub *x = NULL;
    int st;
    sip__ua_allow_events(ua, ae, sizeof ae);
    if (!h || sip_event_parse(h->value, &e) != 0) {
        sip__ua_reply(ua, ev, 489, NULL, "Allow-Events", sip_str_c(ae)); /* RFC 6665 §4.2.1.1 */
        return;
    }
    pos = 0;
    h = sip_msg_find(m, SIP_HDR_EXPIRES, &pos);
    if (h && sip_str_to_u32(h->value, 0xffffffffu, &expires) != 0) {
        sip__ua_reply(ua, ev, 400, "Bad Expires", NULL, (sip_str){NULL, 0});
        return;
    }
    for (i = 0; ds >= 0 && i < ua->cfg.max_subscriptions; i++) {
        sip__ua_sub *y = ua->subs[i];
        if (y && y->role == SIP__UA_NOTR && y->dlg == ds && sip__ua_sub_dlg(ua, y) &&
            sip__ua_sub_event_match(y, &e)) {
            x = y;
            slot = i;
            break;
        }
    }
    if (x) { /* a refresh or an unsubscribe (RFC 6665 §4.2.1.2) */
        char exs[16];
        if (x->state == SIP_UA_SUB_INCOMING) {
            sip__ua_reply(ua, ev, 500, NULL, "Retry-After", sip_str_c("1"));
            return;
        }
        snprintf(exs, sizeof exs, "%u", (unsigned)expires);
        sip__ua_reply(ua, ev, 200, NULL, "Expires", sip_str_c(exs));
        gen = x->gen;
        x->expire_at = ua->now + (uint64_t)expires * 1000000u;
        if (!expires) {
            (void)sip__ua_sub_notify_current(ua, slot, SIP_UA_SUB_TERMINATED, SIP_UA_SUB_REASON_TIMEOUT);
            if (sip__ua_sub_alive(ua, slot, gen))
                sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_TIMEOUT, 0, m);
            return;
        }
        x->expires = expires;
        x->notified = 0;
        sip__ua_sub_event(ua, slot, x->state, 0, 0, m);
        if (sip__ua_sub_alive(ua, slot, gen) && !x->notified && x->state != SIP_UA_SUB_TERMINATED)
            (void)sip__ua_sub_notify_current(ua, slot, x->state, 0);
        return;
    }
    if (!sip__ua_event_accepted(ua, e.package)) { /* "refer" only refreshes a REFER's */
        sip__ua_reply(ua, ev, 489, NULL, "Allow-Events", sip_str_c(ae));
        return;
    }
    if (ds < 0 && (st = sip__ua_sub_uas_dialog(ua, m, &ds)) != 0) {
        sip__ua_reply(ua, ev, st, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    if (sip__ua_sub_new(ua, SIP__UA_NOTR, &slot) != 0) {
        sip__ua_dlg_release(ua, ds, 0);
        sip__ua_reply(ua, ev, 503, NULL, "Retry-After", sip_str_c("5"));
        return;
    }
    x = ua->subs[slot];
    sip__ua_sub_attach(ua, x, ds);
    x->expires = expires;
    pos = 0;
    h = sip_msg_find(m, SIP_HDR_EVENT, &pos);
    x->event = sip__ua_dup(h->value.p, h->value.len);
    if (!x->event) {
        sip__ua_reply(ua, ev, 500, NULL, NULL, (sip_str){NULL, 0});
        sip__ua_sub_detach(ua, slot);
        sip__ua_sub_free(ua, slot);
        return;
    }
    sip__ua_sub_offer(ua, ev, slot, ds, e.package, SIP_UA_EV_SUBSCRIBE);
}

/* Notifier: a REFER in dialog ds (-1: outside any), RFC 3515 §2.4.2. */
static void sip__ua_refer_in(sip_ua *ua, const sip_tsx_event *ev, int32_t ds)
{
    const sip_msg *m = ev->msg;
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_REFER_TO, &pos), *rs, *rb;
    sip_addr a;
    sip__ua_sub *x;
    uint32_t slot;
    char evs[32];
    int st;
    if (!h || sip_msg_count(m, SIP_HDR_REFER_TO) != 1 || sip_addr_parse(h->value, &a) != 0) {
        sip__ua_reply(ua, ev, 400, "Bad Refer-To", NULL, (sip_str){NULL, 0}); /* §2.4.1 */
        return;
    }
    if (ds < 0 && (st = sip__ua_sub_uas_dialog(ua, m, &ds)) != 0) {
        sip__ua_reply(ua, ev, st, NULL, NULL, (sip_str){NULL, 0});
        return;
    }
    if (sip__ua_sub_new(ua, SIP__UA_NOTR, &slot) != 0) {
        sip__ua_dlg_release(ua, ds, 0);
        sip__ua_reply(ua, ev, 503, NULL, "Retry-After", sip_str_c("5"));
        return;
    }
    x = ua->subs[slot];
    sip__ua_sub_attach(ua, x, ds);
    x->is_refer = 1;
    x->expires = 180;
    x->last_status = 100;
    pos = 0;
    rs = sip_msg_find(m, SIP_HDR_REFER_SUB, &pos);
    x->no_sub = rs && sip_str_caseeq_c(rs->value, "false"); /* RFC 4488 §4 */
    pos = 0;
    rb = sip_msg_find(m, SIP_HDR_REFERRED_BY, &pos);
    /* §2.4.6: the id of the implicit subscription is the REFER's CSeq */
    snprintf(evs, sizeof evs, "refer;id=%u", (unsigned)m->cseq.num);
    x->event = sip__ua_dup(evs, strlen(evs));
    x->uri = sip__ua_dup(h->value.p, h->value.len);
    if (rb) x->referred_by = sip__ua_dup(rb->value.p, rb->value.len);
    if (!x->event || !x->uri || (rb && !x->referred_by)) {
        sip__ua_reply(ua, ev, 500, NULL, NULL, (sip_str){NULL, 0});
        sip__ua_sub_detach(ua, slot);
        sip__ua_sub_free(ua, slot);
        return;
    }
    sip__ua_sub_offer(ua, ev, slot, ds, sip_str_c("refer"), SIP_UA_EV_REFER);
}

static void sip__ua_sub_request(sip_ua *ua, const sip_tsx_event *ev, int32_t ds)
{
    switch (ev->msg->method) {
    case SIP_METHOD_NOTIFY:
        if (ds < 0) sip__ua_reply(ua, ev, 481, NULL, NULL, (sip_str){NULL, 0});
        else sip__ua_notify_in(ua, ev, ds);
        return;
    case SIP_METHOD_SUBSCRIBE:
        sip__ua_subscribe_in(ua, ev, ds);
        return;
    default:
        sip__ua_refer_in(ua, ev, ds);
        return;
    }
}

SIP_DIALOG_DEF int sip_ua_sub_accept(sip_ua *ua, sip_ua_sub sub, int status, uint32_t expires,
                                     const char *content_type, const void *body, size_t len,
                                     uint64_t now_us)
{
    uint32_t slot, gen;
    sip__ua_sub *x = sip__ua_sub_get(ua, sub, &slot);
    sip_str b;
    int rc;
    if (!x) return SIP_UA_ERR_STALE;
    if (x->role != SIP__UA_NOTR || !x->req) return SIP_UA_ERR_STATE;
    if ((status != 200 && status != 202) || sip__ua_bad_text(content_type) ||
        (len && (!body || !content_type)))
        return SIP_UA_ERR_INVALID;
    ua->now = now_us;
    gen = x->gen;
    if (expires && expires < x->expires) x->expires = expires;
    rc = sip__ua_sub_answer(ua, slot, status, x->expires);
    if (rc) {
        if (sip__ua_sub_alive(ua, slot, gen)) sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_NONE, 0, NULL);
        return rc;
    }
    x->state = x->is_refer || status == 200 ? SIP_UA_SUB_ACTIVE : SIP_UA_SUB_PENDING;
    x->expire_at = now_us + (uint64_t)x->expires * 1000000u;
    if (x->is_refer && x->no_sub) return 0; /* RFC 4488: no NOTIFY at all */
    b.p = (const char *)body;
    b.len = body ? len : 0;
    if (!x->expires) { /* a fetch: one NOTIFY and done (RFC 6665 §4.4.3) */
        rc = b.len ? sip__ua_sub_send_notify(ua, slot, SIP_UA_SUB_TERMINATED, SIP_UA_SUB_REASON_TIMEOUT,
                                             content_type, b)
                   : sip__ua_sub_notify_current(ua, slot, SIP_UA_SUB_TERMINATED, SIP_UA_SUB_REASON_TIMEOUT);
        if (sip__ua_sub_alive(ua, slot, gen)) sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_TIMEOUT, 0, NULL);
        return rc;
    }
    if (b.len) return sip__ua_sub_send_notify(ua, slot, x->state, 0, content_type, b);
    return sip__ua_sub_notify_current(ua, slot, x->state, 0);
}

SIP_DIALOG_DEF int sip_ua_sub_reject(sip_ua *ua, sip_ua_sub sub, int status, uint64_t now_us)
{
    uint32_t slot;
    sip__ua_sub *x = sip__ua_sub_get(ua, sub, &slot);
    int rc;
    if (!x) return SIP_UA_ERR_STALE;
    if (x->role != SIP__UA_NOTR || !x->req) return SIP_UA_ERR_STATE;
    if (status < 300 || status > 699) return SIP_UA_ERR_INVALID;
    ua->now = now_us;
    rc = sip__ua_sub_answer(ua, slot, status, 0);
    if (sip__ua_sub_alive(ua, slot, (uint32_t)(sub >> 32)))
        sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_REJECTED, status, NULL);
    return rc;
}

SIP_DIALOG_DEF int sip_ua_notify(sip_ua *ua, sip_ua_sub sub, sip_ua_sub_state state,
                                 sip_ua_sub_reason reason, const char *content_type,
                                 const void *body, size_t len, uint64_t now_us)
{
    uint32_t slot;
    sip__ua_sub *x = sip__ua_sub_get(ua, sub, &slot);
    sip_str b;
    int rc;
    if (!x) return SIP_UA_ERR_STALE;
    if (x->role != SIP__UA_NOTR || x->req || x->state == SIP_UA_SUB_TERMINATED ||
        (x->is_refer && x->no_sub))
        return SIP_UA_ERR_STATE;
    if ((state != SIP_UA_SUB_PENDING && state != SIP_UA_SUB_ACTIVE && state != SIP_UA_SUB_TERMINATED) ||
        (int)reason < 0 || reason > SIP_UA_SUB_REASON_OTHER || sip__ua_bad_text(content_type) ||
        (len && (!body || !content_type)))
        return SIP_UA_ERR_INVALID;
    ua->now = now_us;
    b.p = (const char *)body;
    b.len = body ? len : 0;
    rc = sip__ua_sub_send_notify(ua, slot, (int)state, (int)reason, content_type, b);
    if (!sip__ua_sub_alive(ua, slot, (uint32_t)(sub >> 32))) return rc;
    x->notified = 1;
    if (state == SIP_UA_SUB_TERMINATED) sip__ua_sub_end(ua, slot, (int)reason, 0, NULL);
    else x->state = (uint8_t)state;
    return rc;
}

SIP_DIALOG_DEF int sip_ua_sub_state_of(const sip_ua *ua, sip_ua_sub sub)
{
    sip__ua_sub *x = sip__ua_sub_get(ua, sub, NULL);
    return x ? (int)x->state : (int)SIP_UA_ERR_STALE;
}

SIP_DIALOG_DEF uint32_t sip_ua_count_subs(const sip_ua *ua) { return ua ? ua->n_subs : 0; }

SIP_DIALOG_DEF int sip_ua_refer(sip_ua *ua, sip_ua_call call, const char *refer_to_uri,
                                unsigned flags, uint64_t now_us, sip_ua_sub *out)
{
    uint32_t cs, slot, gen;
    sip__ua_call *c = sip__ua_call_get(ua, call, &cs);
    sip__ua_sub *x;
    sip__ua_dlg *d;
    sip_addr a;
    char extra[1600], evs[32];
    sip__ua_w w;
    int rc;
    if (!c) return SIP_UA_ERR_STALE;
    if (!refer_to_uri || sip__ua_bad_text(refer_to_uri) ||
        sip_addr_parse(sip_str_c(refer_to_uri), &a) != 0)
        return SIP_UA_ERR_INVALID;
    if (c->state != SIP_UA_CALL_CONFIRMED || c->dlg < 0 || !(d = ua->dlgs[c->dlg]))
        return SIP_UA_ERR_STATE;
    ua->now = now_us;
    w.p = extra; w.cap = sizeof extra; w.n = 0; w.over = 0;
    sip__ua_wf(&w, "Refer-To: %s%s%s\r\nReferred-By: <%s>\r\n", a.angle ? "" : "<", refer_to_uri,
               a.angle ? "" : ">", ua->cfg.aor);
    if (flags & SIP_UA_REFER_NO_SUB) sip__ua_wf(&w, "Refer-Sub: false\r\n");
    if (w.over) return SIP_UA_ERR_TOO_BIG;
    rc = sip__ua_sub_new(ua, SIP__UA_SUBR, &slot);
    if (rc) return rc;
    x = ua->subs[slot];
    gen = x->gen;
    x->is_refer = 1;
    x->no_sub = (flags & SIP_UA_REFER_NO_SUB) != 0;
    snprintf(evs, sizeof evs, "refer;id=%u", (unsigned)(d->lcseq + 1));
    x->event = sip__ua_dup(evs, strlen(evs));
    if (!x->event) {
        sip__ua_sub_free(ua, slot);
        return SIP_UA_ERR_NOMEM;
    }
    sip__ua_sub_attach(ua, x, c->dlg);
    x->state = SIP_UA_SUB_SUBSCRIBING;
    rc = sip__ua_dlg_request(ua, c->dlg, "REFER", (sip_str){NULL, 0}, NULL, extra, SIP__UA_P_REFER,
                             (int32_t)slot, gen, &x->ct);
    if (rc) {
        if (sip__ua_sub_alive(ua, slot, gen)) {
            sip__ua_sub_detach(ua, slot);
            sip__ua_sub_free(ua, slot);
        }
        return rc;
    }
    if (out) *out = sip__ua_mkid(slot, gen);
    return 0;
}

/* Append s escaped for a URI header value (RFC 3261 §19.1.1, §25.1). */
static void sip__ua_escape(sip__ua_w *w, sip_str s)
{
    size_t i;
    for (i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("-_.!~*'()", ch))
            sip__ua_wf(w, "%c", ch);
        else
            sip__ua_wf(w, "%%%02X", ch);
    }
}

SIP_DIALOG_DEF int sip_ua_refer_replaces(sip_ua *ua, sip_ua_call call, sip_ua_call target_call,
                                         unsigned flags, uint64_t now_us, sip_ua_sub *out)
{
    sip__ua_call *c = sip__ua_call_get(ua, call, NULL), *t = sip__ua_call_get(ua, target_call, NULL);
    sip__ua_dlg *d;
    sip_str target;
    char uri[1200];
    sip__ua_w w;
    const char *q;
    if (!c || !t) return SIP_UA_ERR_STALE;
    if (call == target_call || t->state != SIP_UA_CALL_CONFIRMED || t->dlg < 0 || !(d = ua->dlgs[t->dlg]))
        return SIP_UA_ERR_STATE;
    target = sip__ua_dstr(d, SIP__UA_S_TARGET);
    q = (const char *)memchr(target.p, '?', target.len);
    if (q) target.len = (size_t)(q - target.p); /* its own headers go */
    w.p = uri; w.cap = sizeof uri; w.n = 0; w.over = 0;
    /* RFC 3891 §4: to-tag names the target's side, from-tag ours */
    sip__ua_wf(&w, "<%.*s?Replaces=", (int)target.len, target.p);
    sip__ua_escape(&w, sip__ua_dstr(d, SIP__UA_S_CALLID));
    sip__ua_wf(&w, "%%3Bto-tag%%3D");
    sip__ua_escape(&w, sip__ua_dstr(d, SIP__UA_S_RTAG));
    sip__ua_wf(&w, "%%3Bfrom-tag%%3D");
    sip__ua_escape(&w, sip__ua_dstr(d, SIP__UA_S_LTAG));
    sip__ua_wf(&w, ">");
    if (w.over) return SIP_UA_ERR_TOO_BIG;
    return sip_ua_refer(ua, call, uri, flags, now_us, out);
}

static int sip__ua_hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Unescape a URI header value into out (NUL-terminated); -1 on a bad
 * escape, a control character or no room. */
static int sip__ua_unescape(sip_str s, char *out, size_t cap)
{
    size_t i, n = 0;
    for (i = 0; i < s.len; i++) {
        int ch = (unsigned char)s.p[i];
        if (ch == '%') {
            int hi, lo;
            if (i + 2 >= s.len) return -1;
            hi = sip__ua_hexval(s.p[i + 1]);
            lo = sip__ua_hexval(s.p[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            ch = hi * 16 + lo;
            i += 2;
        }
        if (ch < 0x20 || ch == 0x7f || n + 1 >= cap) return -1;
        out[n++] = (char)ch;
    }
    out[n] = 0;
    return 0;
}

SIP_DIALOG_DEF int sip_ua_refer_call(sip_ua *ua, sip_ua_sub sub, const sdp_local *local,
                                     unsigned flags, uint64_t now_us, sip_ua_call *out)
{
    sip__ua_sub *x = sip__ua_sub_get(ua, sub, NULL);
    sip_addr a;
    char to[600], extra[1600], val[800];
    sip__ua_w w;
    sip_str base;
    if (!x) return SIP_UA_ERR_STALE;
    if (x->role != SIP__UA_NOTR || !x->is_refer || !x->uri || x->state == SIP_UA_SUB_TERMINATED)
        return SIP_UA_ERR_STATE;
    if (sip_addr_parse(sip_str_c(x->uri), &a) != 0 ||
        (a.uri.scheme != SIP_URI_SIP && a.uri.scheme != SIP_URI_SIPS))
        return SIP_UA_ERR_INVALID;
    base = a.uri.raw;
    if (a.uri.headers.p) base.len = (size_t)(a.uri.headers.p - 1 - base.p);
    if (base.len + 3 > sizeof to) return SIP_UA_ERR_TOO_BIG;
    snprintf(to, sizeof to, "<%.*s>", (int)base.len, base.p);
    w.p = extra; w.cap = sizeof extra; w.n = 0; w.over = 0;
    if (a.uri.headers.p) {
        /* §19.1.5: URI headers become request headers; only Replaces is
         * taken (RFC 3891 §4), the rest would let a REFER set anything */
        const char *p = a.uri.headers.p, *e = a.uri.headers.p + a.uri.headers.len;
        while (p < e) {
            const char *amp = (const char *)memchr(p, '&', (size_t)(e - p));
            const char *eq;
            sip_str name, v;
            if (!amp) amp = e;
            eq = (const char *)memchr(p, '=', (size_t)(amp - p));
            if (eq) {
                name.p = p;
                name.len = (size_t)(eq - p);
                v.p = eq + 1;
                v.len = (size_t)(amp - eq - 1);
                if (sip_str_caseeq_c(name, "Replaces")) {
                    sip_replaces rp;
                    if (sip__ua_unescape(v, val, sizeof val) != 0 ||
                        sip_replaces_parse(sip_str_c(val), &rp) != 0)
                        return SIP_UA_ERR_INVALID;
                    sip__ua_wf(&w, "Replaces: %s\r\nRequire: replaces\r\n", val);
                }
            }
            p = amp + 1;
        }
    }
    if (x->referred_by) sip__ua_wf(&w, "Referred-By: %s\r\n", x->referred_by); /* RFC 3892 §3 */
    if (w.over) return SIP_UA_ERR_TOO_BIG;
    return sip__ua_invite_start(ua, to, local, flags, w.n ? extra : NULL, now_us, out);
}

SIP_DIALOG_DEF int sip_ua_refer_notify(sip_ua *ua, sip_ua_sub sub, int status, uint64_t now_us)
{
    uint32_t slot;
    sip__ua_sub *x = sip__ua_sub_get(ua, sub, &slot);
    int rc = 0, final = status >= 200;
    if (!x) return SIP_UA_ERR_STALE;
    if (x->role != SIP__UA_NOTR || !x->is_refer || x->req || x->state == SIP_UA_SUB_TERMINATED)
        return SIP_UA_ERR_STATE;
    if (status < 100 || status > 699) return SIP_UA_ERR_INVALID;
    ua->now = now_us;
    x->last_status = (uint16_t)status;
    if (!x->no_sub)
        rc = sip__ua_sipfrag_notify(ua, slot, status, final ? SIP_UA_SUB_TERMINATED : SIP_UA_SUB_ACTIVE,
                                    final ? SIP_UA_SUB_REASON_NORESOURCE : 0);
    if (final && sip__ua_sub_alive(ua, slot, (uint32_t)(sub >> 32)))
        sip__ua_sub_end(ua, slot, SIP_UA_SUB_REASON_NORESOURCE, 0, NULL);
    return rc;
}

/* RFC 3891 §3 / RFC 3911 §4: an INVITE with Replaces or Join names a
 * dialog of ours. Returns 1 when the INVITE was answered here (400, 481,
 * 486), else 0 with *rep / *join set to the call named. */
static int sip__ua_join_check(sip_ua *ua, const sip_tsx_event *ev, sip_ua_call *rep,
                              sip_ua_call *join)
{
    const sip_msg *m = ev->msg;
    size_t pr = 0, pj = 0;
    const sip_hdr *hr = sip_msg_find(m, SIP_HDR_REPLACES, &pr);
    const sip_hdr *hj = sip_msg_find(m, SIP_HDR_JOIN, &pj);
    sip_replaces r;
    sip__ua_dlg *d;
    sip__ua_call *c;
    int32_t ds;
    if (!hr && !hj) return 0;
    if ((hr && hj) || sip_msg_count(m, SIP_HDR_REPLACES) > 1 || sip_msg_count(m, SIP_HDR_JOIN) > 1 ||
        sip_replaces_parse((hr ? hr : hj)->value, &r) != 0) {
        sip__ua_reply(ua, ev, 400, NULL, NULL, (sip_str){NULL, 0});
        return 1;
    }
    /* to-tag is our tag, from-tag the peer's */
    ds = sip__ua_dlg_find(ua, r.call_id, r.to_tag, r.from_tag);
    if (ds < 0 || (d = ua->dlgs[ds])->call < 0 || !(c = ua->calls[d->call]) || c->hung_up) {
        sip__ua_reply(ua, ev, 481, NULL, NULL, (sip_str){NULL, 0});
        return 1;
    }
    if (d->state == SIP__UA_DLG_CONFIRMED) {
        if (hr && r.early_only) { /* RFC 3891 §3: early-only and confirmed */
            sip__ua_reply(ua, ev, 486, NULL, NULL, (sip_str){NULL, 0});
            return 1;
        }
    } else if (!c->is_uac) { /* an early dialog we did not initiate */
        sip__ua_reply(ua, ev, 481, NULL, NULL, (sip_str){NULL, 0});
        return 1;
    }
    *(hr ? rep : join) = sip__ua_mkid((uint32_t)d->call, c->gen);
    return 0;
}

/* RFC 3891 §3: the call replacing another is confirmed: end the old one
 * (BYE when confirmed, CANCEL when early). */
static void sip__ua_replaced_end(sip_ua *ua, uint32_t cs)
{
    sip_ua_call old = ua->calls[cs]->replaces;
    ua->calls[cs]->replaces = 0;
    if (old && sip__ua_call_get(ua, old, NULL)) (void)sip_ua_hangup(ua, old, ua->now);
}

static uint64_t sip__ua_subs_deadline(const sip_ua *ua, uint64_t t)
{
    uint32_t i;
    if (!ua->n_subs) return t; /* a plain call pays nothing */
    for (i = 0; ua->subs && i < ua->cfg.max_subscriptions; i++) {
        const sip__ua_sub *x = ua->subs[i];
        if (!x) continue;
        t = sip__ua_min(t, x->refresh_at);
        t = sip__ua_min(t, x->expire_at);
        t = sip__ua_min(t, x->retry_at);
        t = sip__ua_min(t, x->notify_by);
    }
    return t;
}

/* The timers of one subscription at now; returns the number fired. */
static int sip__ua_sub_timers(sip_ua *ua, uint32_t i, uint64_t now)
{
    sip__ua_sub *x = ua->subs[i];
    uint32_t gen = x->gen;
    if (x->notify_by && x->notify_by <= now) { /* Timer N, or no terminated NOTIFY */
        sip__ua_sub_end(ua, i, SIP_UA_SUB_REASON_TIMEOUT, 0, NULL);
        return 1;
    }
    if (x->expire_at && x->expire_at <= now) {
        /* RFC 6665 §4.2.2: the notifier ends an unrefreshed subscription
         * with reason=timeout; the subscriber just forgets it */
        if (x->role == SIP__UA_NOTR && x->req)
            (void)sip__ua_sub_answer(ua, i, 408, 0);
        else if (x->role == SIP__UA_NOTR && !(x->is_refer && x->no_sub))
            (void)sip__ua_sub_notify_current(ua, i, SIP_UA_SUB_TERMINATED, SIP_UA_SUB_REASON_TIMEOUT);
        if (sip__ua_sub_alive(ua, i, gen)) sip__ua_sub_end(ua, i, SIP_UA_SUB_REASON_TIMEOUT, 0, NULL);
        return 1;
    }
    if (x->refresh_at && x->refresh_at <= now) {
        x->refresh_at = 0;
        if (sip__ua_sub_send_in_dialog(ua, i, x->expires) != 0 && sip__ua_sub_alive(ua, i, gen))
            sip__ua_sub_end(ua, i, SIP_UA_SUB_REASON_NONE, 0, NULL);
        return 1;
    }
    if (x->retry_at && x->retry_at <= now) {
        x->retry_at = 0;
        if (sip__ua_sub_send_initial(ua, i) != 0 && sip__ua_sub_alive(ua, i, gen))
            sip__ua_sub_end(ua, i, SIP_UA_SUB_REASON_NONE, 0, NULL);
        return 1;
    }
    return 0;
}

static int sip__ua_subs_timers(sip_ua *ua, uint64_t now)
{
    uint32_t i;
    int fired = 0;
    for (i = 0; ua->n_subs && i < ua->cfg.max_subscriptions; i++)
        if (ua->subs[i]) fired += sip__ua_sub_timers(ua, i, now);
    return fired;
}

/* ---- the UA ---------------------------------------------------------- */

SIP_DIALOG_DEF int sip_ua_init(sip_ua *ua, const sip_ua_config *cfg, const sip_ua_callbacks *cb)
{
    sip_tsx_callbacks tc;
    const char *src[9];
    const char **dst[9];
    size_t total = 0, o = 0;
    int i, rc;
    sip_uri u;
    char sb[128];
    if (!ua || !cfg || !cb || cb->size < sizeof(sip_ua_callbacks) || !cb->send || !cb->rand ||
        !cb->on_event || !cfg->aor || !cfg->contact)
        return SIP_UA_ERR_INVALID;
    if (sip_uri_parse(sip_str_c(cfg->aor), &u) != 0) return SIP_UA_ERR_INVALID;
    if (sip_uri_parse(sip_str_c(cfg->contact), &u) != 0 || !u.host.len) return SIP_UA_ERR_INVALID;
    memset(ua, 0, sizeof *ua);
    ua->cfg = *cfg;
    ua->cb = *cb;
    if (!ua->cfg.max_dialogs) ua->cfg.max_dialogs = 1024;
    if (!ua->cfg.max_sessions) ua->cfg.max_sessions = 512;
    if (!ua->cfg.max_registrations) ua->cfg.max_registrations = 16;
    if (!ua->cfg.default_expires) ua->cfg.default_expires = 3600;
    if (!ua->cfg.max_subscriptions) ua->cfg.max_subscriptions = 256;
    if (!ua->cfg.session_expires) ua->cfg.session_expires = 1800;
    if (!ua->cfg.min_se) ua->cfg.min_se = 90;
    if (ua->cfg.min_se < 90 || ua->cfg.session_expires < ua->cfg.min_se ||
        ua->cfg.rel100 < SIP_UA_100REL_OFF || ua->cfg.rel100 > SIP_UA_100REL_REQUIRED)
        return SIP_UA_ERR_INVALID; /* RFC 4028 §4: Min-SE is at least 90 s */
    if (ua->cfg.max_dialogs > (1u << 20) || ua->cfg.max_sessions > (1u << 20) ||
        ua->cfg.max_registrations > (1u << 16) || ua->cfg.max_subscriptions > (1u << 20))
        return SIP_UA_ERR_INVALID;
    if (u.host_type == SIP_HOST_IPV6)
        snprintf(sb, sizeof sb, "[%.*s]", (int)u.host.len, u.host.p);
    else
        snprintf(sb, sizeof sb, "%.*s", (int)u.host.len, u.host.p);
    if (u.has_port) snprintf(sb + strlen(sb), sizeof sb - strlen(sb), ":%u", (unsigned)u.port);
    src[0] = cfg->aor; dst[0] = &ua->cfg.aor;
    src[1] = cfg->display_name; dst[1] = &ua->cfg.display_name;
    src[2] = cfg->contact; dst[2] = &ua->cfg.contact;
    src[3] = cfg->via_sent_by ? cfg->via_sent_by : sb; dst[3] = &ua->cfg.via_sent_by;
    src[4] = cfg->user_agent; dst[4] = &ua->cfg.user_agent;
    src[5] = cfg->outbound_proxy; dst[5] = &ua->cfg.outbound_proxy;
    src[6] = cfg->instance_id; dst[6] = &ua->cfg.instance_id;
    src[8] = cfg->events; dst[8] = &ua->cfg.events;
    src[7] = cfg->recv_info; dst[7] = &ua->cfg.recv_info;
    for (i = 0; i < 9; i++) {
        if (src[i] && strpbrk(src[i], "\r\n")) return SIP_UA_ERR_INVALID;
        if (src[i]) total += strlen(src[i]) + 1;
    }
    ua->strs = (char *)SIP_DIALOG_MALLOC(total ? total : 1);
    ua->calls = (struct sip__ua_call **)SIP_DIALOG_MALLOC(sizeof(void *) * ua->cfg.max_sessions);
    ua->dlgs = (struct sip__ua_dlg **)SIP_DIALOG_MALLOC(sizeof(void *) * ua->cfg.max_dialogs);
    ua->regs = (struct sip__ua_reg **)SIP_DIALOG_MALLOC(sizeof(void *) * ua->cfg.max_registrations);
    ua->subs = (struct sip__ua_sub **)SIP_DIALOG_MALLOC(sizeof(void *) * ua->cfg.max_subscriptions);
    if (!ua->strs || !ua->calls || !ua->dlgs || !ua->regs || !ua->subs) goto nomem;
    memset(ua->subs, 0, sizeof(void *) * ua->cfg.max_subscriptions);
    memset(ua->calls, 0, sizeof(void *) * ua->cfg.max_sessions);
    memset(ua->dlgs, 0, sizeof(void *) * ua->cfg.max_dialogs);
    memset(ua->regs, 0, sizeof(void *) * ua->cfg.max_registrations);
    for (i = 0; i < 9; i++) {
        if (!src[i]) { *dst[i] = NULL; continue; }
        memcpy(ua->strs + o, src[i], strlen(src[i]) + 1);
        *dst[i] = ua->strs + o;
        o += strlen(src[i]) + 1;
    }
    memset(&tc, 0, sizeof tc);
    tc.size = sizeof tc;
    tc.user = ua;
    tc.send = sip__ua_tsx_send;
    tc.on_event = sip__ua_tsx_event;
    tc.rand = sip__ua_tsx_rand;
    rc = sip_tsx_layer_init(&ua->tsx, &cfg->tsx, &tc);
    if (rc) {
        SIP_DIALOG_FREE(ua->strs);
        SIP_DIALOG_FREE(ua->calls);
        SIP_DIALOG_FREE(ua->dlgs);
        SIP_DIALOG_FREE(ua->regs);
        SIP_DIALOG_FREE(ua->subs);
        memset(ua, 0, sizeof *ua);
        return rc;
    }
    ua->cfg.tsx = ua->tsx.cfg;
    return 0;
nomem:
    SIP_DIALOG_FREE(ua->strs);
    SIP_DIALOG_FREE(ua->calls);
    SIP_DIALOG_FREE(ua->dlgs);
    SIP_DIALOG_FREE(ua->regs);
    SIP_DIALOG_FREE(ua->subs);
    memset(ua, 0, sizeof *ua);
    return SIP_UA_ERR_NOMEM;
}

SIP_DIALOG_DEF int sip_ua_destroy(sip_ua *ua)
{
    uint32_t i;
    if (!ua) return SIP_UA_ERR_INVALID;
    if (ua->depth || ua->tsx.depth) return SIP_UA_ERR_STATE;
    (void)sip_tsx_layer_destroy(&ua->tsx);
    while (ua->reqs) sip__ua_req_free(ua->reqs);
    sip__ua_subs_free_all(ua);
    for (i = 0; ua->calls && i < ua->cfg.max_sessions; i++)
        if (ua->calls[i]) sip__ua_call_free(ua, i);
    for (i = 0; ua->dlgs && i < ua->cfg.max_dialogs; i++)
        if (ua->dlgs[i]) sip__ua_dlg_free(ua, (int32_t)i);
    for (i = 0; ua->regs && i < ua->cfg.max_registrations; i++)
        if (ua->regs[i]) sip__ua_reg_free(ua, i);
    SIP_DIALOG_FREE(ua->service_route);
    SIP_DIALOG_FREE(ua->strs);
    SIP_DIALOG_FREE(ua->calls);
    SIP_DIALOG_FREE(ua->dlgs);
    SIP_DIALOG_FREE(ua->regs);
    SIP_DIALOG_FREE(ua->subs);
    memset(ua, 0, sizeof *ua);
    return 0;
}

SIP_DIALOG_DEF int sip_ua_receive(sip_ua *ua, const char *buf, size_t len, const sip_target *from,
                                  uint64_t now_us, sip_parse_error *perr)
{
    if (!ua || !buf || !from) return SIP_UA_ERR_INVALID;
    if (ua->depth) return SIP_UA_ERR_STATE;
    ua->now = now_us;
    return sip_tsx_receive(&ua->tsx, buf, len, from, now_us, perr);
}

static uint64_t sip__ua_min(uint64_t a, uint64_t b)
{
    return b && b < a ? b : a;
}

SIP_DIALOG_DEF uint64_t sip_ua_next_deadline(const sip_ua *ua)
{
    uint64_t t;
    uint32_t i;
    if (!ua) return UINT64_MAX;
    t = sip_tsx_next_deadline(&ua->tsx);
    for (i = 0; i < ua->cfg.max_sessions; i++) {
        const sip__ua_call *c = ua->calls[i];
        if (!c) continue;
        t = sip__ua_min(t, c->rtx_at);
        t = sip__ua_min(t, c->ack_deadline);
        t = sip__ua_min(t, c->glare_at);
        if (c->ack) t = sip__ua_min(t, c->ack_expire);
        t = sip__ua_x_deadline(c, t);
    }
    for (i = 0; i < ua->cfg.max_registrations; i++)
        if (ua->regs[i]) t = sip__ua_min(t, ua->regs[i]->refresh_at);
    return sip__ua_subs_deadline(ua, t);
}

/* The UA timers of one call at now. Returns the number fired. */
static int sip__ua_call_timers(sip_ua *ua, uint32_t slot, uint64_t now)
{
    sip__ua_call *c = ua->calls[slot];
    int fired = 0;
    if (c->ack_deadline && c->ack_deadline <= now) {
        /* §13.3.1.4: no ACK for 64*T1: confirmed, then ended with BYE */
        int was_reinvite = c->reinv_in;
        fired++;
        c->rtx_at = c->ack_deadline = 0;
        SIP_DIALOG_FREE(c->resp);
        c->resp = NULL;
        (void)was_reinvite;
        if (c->dlg >= 0 && ua->dlgs[c->dlg]) (void)sip__ua_send_bye(ua, c->dlg);
        if (!ua->calls[slot]) return fired;
        c->dlg = -1;
        if (c->hung_up) sip__ua_call_free(ua, slot);
        else sip__ua_call_end(ua, slot, SIP_UA_CAUSE_NO_ACK, 0, NULL);
        return fired;
    }
    if (c->rtx_at && c->rtx_at <= now && c->resp) {
        int rc;
        fired++;
        rc = sip_tsx_respond(&ua->tsx, c->ist, c->resp, c->resp_len, now);
        if (rc == SIP_TSX_ERR_STALE || rc == SIP_TSX_ERR_STATE)
            (void)sip__ua_send_raw(ua, &c->peer, c->resp, c->resp_len);
        ua->retransmits_2xx++;
        c->rtx_iv_ms *= 2;
        if (c->rtx_iv_ms > ua->tsx.cfg.t2_ms) c->rtx_iv_ms = ua->tsx.cfg.t2_ms;
        c->rtx_at += (uint64_t)c->rtx_iv_ms * 1000u;
        if (c->rtx_at <= now) c->rtx_at = now + (uint64_t)c->rtx_iv_ms * 1000u;
    }
    if (c->ack && c->ack_expire <= now) {
        SIP_DIALOG_FREE(c->ack);
        c->ack = NULL;
        c->ack_len = 0;
    }
    if (c->glare_at && c->glare_at <= now) {
        uint64_t id = sip__ua_mkid(slot, c->gen);
        fired++;
        c->glare_at = 0;
        (void)sip_ua_reinvite(ua, id, NULL, now);
    }
    return fired;
}

SIP_DIALOG_DEF int sip_ua_on_timeout(sip_ua *ua, uint64_t now_us)
{
    int fired, rc;
    uint32_t i;
    if (!ua) return SIP_UA_ERR_INVALID;
    if (ua->depth || ua->tsx.depth) return SIP_UA_ERR_STATE;
    ua->now = now_us;
    rc = sip_tsx_on_timeout(&ua->tsx, now_us);
    fired = rc > 0 ? rc : 0;
    for (i = 0; i < ua->cfg.max_sessions; i++) {
        if (ua->calls[i]) fired += sip__ua_call_timers(ua, i, now_us);
        if (ua->calls[i]) fired += sip__ua_x_timers(ua, i, now_us);
    }
    for (i = 0; i < ua->cfg.max_registrations; i++) {
        sip__ua_reg *r = ua->regs[i];
        if (r && r->refresh_at && r->refresh_at <= now_us) {
            fired++;
            r->state = SIP_UA_REG_REGISTERING;
            uint32_t gen = r->gen;
            if (sip__ua_reg_send(ua, i, r->expires) != 0 && sip__ua_reg_alive(ua, i, gen))
                sip__ua_reg_event(ua, i, SIP_UA_REG_FAILED, 0, NULL);
        }
    }
    fired += sip__ua_subs_timers(ua, now_us);
    return fired;
}

SIP_DIALOG_DEF int sip_ua_message(sip_ua *ua, const char *to_uri, const char *content_type,
                                  sip_str body, uint64_t now_us)
{
    sip_addr to;
    char tag[20], cid[64], from[400], rbuf[300], tov[300];
    sip_str routes[SIP_UA_MAX_ROUTES];
    sip__ua_rq q;
    if (!ua || !to_uri || !content_type || strpbrk(content_type, "\r\n")) return SIP_UA_ERR_INVALID;
    if (sip_addr_parse(sip_str_c(to_uri), &to) != 0 || to.tag.p) return SIP_UA_ERR_INVALID;
    ua->now = now_us;
    if (sip_gen_tag(tag, sizeof tag, ua->cb.rand, ua->cb.user) < 0 ||
        sip_gen_call_id(cid, sizeof cid, (sip_str){NULL, 0}, ua->cb.rand, ua->cb.user) < 0)
        return SIP_UA_ERR_CALLBACK;
    memset(&q, 0, sizeof q);
    q.method = "MESSAGE";
    q.ruri = to.uri.raw;
    q.n_routes = sip__ua_preloaded(ua, routes, rbuf, sizeof rbuf);
    q.routes = routes;
    sip__ua_local_uri(ua, from, sizeof from);
    snprintf(from + strlen(from), sizeof from - strlen(from), ";tag=%s", tag);
    if (to.angle) snprintf(tov, sizeof tov, "%s", to_uri);
    else snprintf(tov, sizeof tov, "<%s>", to_uri);
    q.from = sip_str_c(from);
    q.to = sip_str_c(tov);
    q.call_id = sip_str_c(cid);
    q.cseq = 1;
    q.body = body;
    q.ctype = content_type;
    return sip__ua_start(ua, &q, SIP__UA_P_OTHER, -1, 0, NULL, NULL);
}

#endif /* SIP_DIALOG_IMPLEMENTATION_DONE */
#endif /* SIP_DIALOG_IMPLEMENTATION */

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
