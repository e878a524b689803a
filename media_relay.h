#if defined(CVOIP_IMPLEMENTATION) && !defined(MEDIA_RELAY_IMPLEMENTATION)
#define MEDIA_RELAY_IMPLEMENTATION
#endif
/* media_relay.h - RTP/RTCP media relay for C (SBC, B2BUA, conference),
 * sans-IO.
 *
 * Part of cvoip, single-file, MIT licence. Builds on rtp.h (packets, RTCP,
 * per-source statistics, G.711) and sdp.h (parse, print). It does not need
 * the SIP headers.
 *
 *     #define MEDIA_RELAY_IMPLEMENTATION  (or CVOIP_IMPLEMENTATION)
 *     #include "media_relay.h"
 *
 * The implementations of rtp.h and sdp.h must be compiled somewhere (the
 * same TU with CVOIP_IMPLEMENTATION, or another one). This header includes
 * rtp.h and sdp.h only when they were not included before it; in a TU that
 * compiles their implementations, include rtp.h and sdp.h first, or not at
 * all after this header (rtp.h's implementation has no double-include
 * guard).
 *
 * What it does:
 *   - Relay sessions of two or more legs (a leg = one endpoint, with one
 *     RTP and one RTCP socket of the application's). A relay context holds
 *     up to cfg.max_sessions sessions of up to cfg.max_legs legs in one
 *     block of memory (MEDIA_RELAY_MALLOC, or the caller's). Sessions are
 *     named by typed handles (index + generation): a handle of a destroyed
 *     session is refused (MEDIA_RELAY_ERR_STALE), never reused by mistake.
 *     Ports come from the application (callbacks.alloc_port, release_port):
 *     it owns the sockets.
 *   - SDP rewriting (media_relay_sdp_rewrite): an offer or answer passing
 *     from leg A toward leg B is parsed with sdp.h; c= and the relayed m=
 *     section's port become the relay's address and B's ports, a=rtcp
 *     (RFC 3605) B's RTCP port (removed in an answer that accepts
 *     rtcp-mux, RFC 5761 §5.1.3; added when B's RTCP port is not RTP + 1);
 *     A's advertised address becomes A's initial destination. Printed back
 *     with sdp_print(); every other line is unchanged (line ends become
 *     CRLF).
 *   - Latching, symmetric RTP (RFC 4961): each leg's RTP and RTCP
 *     destination is taken from the source address of its first packet
 *     (the advertised address may be behind a NAT). Once latched, packets
 *     from other sources are dropped and counted, unless cfg.allow_relatch,
 *     or the latched source has been silent for cfg.relatch_silence_us.
 *   - Forwarding of RTP and RTCP to the leg's peer (by default leg 0 <->
 *     leg 1, other legs -> leg 0: forked early media). On a port with
 *     rtcp-mux the two are told apart by rtp_demux() (RFC 5761 §4); STUN,
 *     DTLS and other datagrams are dropped.
 *   - Stream continuity (RFC 3550 §5.1, §8): the stream sent toward a leg
 *     keeps one SSRC, its sequence numbers continue +1 and its timestamps
 *     continue with the arrival gap (in the payload type's clock) when the
 *     source behind it changes (early media then answer, re-INVITE to
 *     another endpoint, a forked leg). RTCP is rewritten to match (§6.4):
 *     SR sender SSRC and RTP timestamp, report block SSRC and extended
 *     highest sequence number, SDES/BYE/APP/XR/feedback SSRCs.
 *   - Statistics per leg: counters, and rtp.h's A.1/A.3/A.8 numbers of the
 *     leg's current source (packets, loss, jitter), the round-trip time
 *     between the relay and the leg's endpoint when its RTCP tells it, and
 *     a MOS from rtp.h's E-model (ITU-T G.107) unless a hook overrides it.
 *   - Inactivity timeout per session (an event), a recording hook (every
 *     packet sent, with its legs), and a G.711 mixer for conferences.
 *
 * How (sans-IO): the application reads a datagram on a leg's socket and
 * calls media_relay_on_packet(relay, sid, leg, sock, &src, bytes, now_us);
 * packets leave through callbacks.send(user, sid, leg, sock, &dst, bytes).
 * media_relay_next_deadline() says when media_relay_on_timeout(now_us) must
 * run (inactivity, mixer ticks). Nothing here reads a clock, opens a
 * socket, or keeps global state.
 *
 * Decisions:
 *   - The first SSRC seen toward a leg stays its SSRC (a relay with one
 *     source per direction is transparent, byte for byte); after a change
 *     the new source is mapped onto it: seq = last + 1, timestamp = last +
 *     max(1, arrival gap * clock / 10^6), and the marker bit set on the
 *     first packet (RFC 3551 §4.1: talkspurt start, so receivers resync
 *     their playout) except for 90 kHz (video) clocks, whose marker means
 *     end of frame, and for PT 64..95, where the marker would make the
 *     packet read as RTCP on a multiplexed port (RFC 5761 §4).
 *   - The clock rate of a payload type is the RFC 3551 static one, or the
 *     a=rtpmap rate learned while rewriting SDP, else 8000 Hz.
 *   - RTCP report blocks are rewritten only for the stream the reporter
 *     receives through us (its SSRC back to the original source's, its
 *     extended highest sequence number minus the sequence offset); loss,
 *     jitter, LSR and DLSR pass through (NTP times are not rewritten).
 *     SR packet and octet counts pass through.
 *   - A new advertised address in SDP (a re-INVITE) resets that leg's
 *     latch; the same address keeps it.
 *   - The mixer (sessions created with MEDIA_RELAY_SESSION_MIX) decodes
 *     20 ms µ-law (PT 0) or A-law (PT 8) frames, each leg hears the
 *     saturated sum of the others (N-1 mix) in the law it sends, as a
 *     stream of its own (SSRC from callbacks.rand, or derived from the
 *     handle). Each leg has a 4-frame reorder window and plays from the
 *     first tick after its first packet; a frame arriving after its tick is
 *     dropped (counted late). Other payload types are dropped; RTCP of a
 *     mixed session is counted and not forwarded (no RTCP is generated).
 *   - The per-leg MOS rates what the relay receives from the leg's
 *     endpoint: rtp_emodel_estimate() with the codec of the payload type
 *     of the last packet (RFC 3551 static types, else the a=rtpmap name
 *     learned from SDP, through rtp_emodel_codec_by_name; G.711 is rated
 *     without PLC, G.113's conservative Bpl 4.3, as the relay cannot know
 *     the receiver's concealment), loss = A.3 cumulative lost / expected,
 *     the A.8 jitter in ms with a jitter buffer of twice that, and a
 *     one-way delay of RTT / 2 when the RTT is known, else 0. The RTT is
 *     that of the relay-endpoint segment (RFC 3550 §6.4.1): an SR
 *     forwarded toward the leg is remembered (its NTP middle 32 bits and
 *     when it left, last 4), and a report block from the leg whose LSR
 *     names it gives RTT = arrival - departure - DLSR. A payload type with
 *     no E-model codec (video, unknown names) gives mos_x100 0.
 *     callbacks.mos, when set, replaces the figure (it sees the default
 *     one in st->mos_x100).
 *   - next_deadline / on_timeout scan every session slot: cheap for the
 *     hundreds of sessions one relay process carries; a timer wheel would
 *     be the next step.
 *   - Not done: ICE (a=candidate is left as it is), SRTP (rewriting needs
 *     the keys), more than one relayed m= section per body (the others are
 *     left, or rejected with MEDIA_RELAY_SDP_REJECT_OTHERS), RTCP
 *     generation, transcoding.
 *
 * Options (define before the include):
 *   MEDIA_RELAY_IMPLEMENTATION  compile the implementation in this file
 *   CVOIP_IMPLEMENTATION        the same, for every cvoip header
 *   MEDIA_RELAY_STATIC          make every function static
 *   MEDIA_RELAY_MALLOC(n), MEDIA_RELAY_FREE(p)   allocator of
 *                               media_relay_create (malloc / free)
 *
 * Errors: -1000 .. -1099. Licence: MIT, see the end of this file.
 */
#ifndef MEDIA_RELAY_H
#define MEDIA_RELAY_H

#include <stddef.h>
#include <stdint.h>
#ifndef RTP_H
#include "rtp.h"
#endif
#ifndef SDP_H
#include "sdp.h"
#endif

#ifndef MEDIA_RELAY_DEF
#ifdef MEDIA_RELAY_STATIC
#define MEDIA_RELAY_DEF static
#else
#define MEDIA_RELAY_DEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes (range -1000 .. -1099; 0 is success). */
typedef enum media_relay_err {
    MEDIA_RELAY_OK = 0,
    MEDIA_RELAY_ERR_INVALID = -1000,  /**< invalid argument or configuration */
    MEDIA_RELAY_ERR_NOSPACE = -1001,  /**< output buffer or memory too small */
    MEDIA_RELAY_ERR_FULL = -1002,     /**< max_sessions or max_legs reached */
    MEDIA_RELAY_ERR_STALE = -1003,    /**< handle of a destroyed session, or no such leg */
    MEDIA_RELAY_ERR_PORT = -1004,     /**< alloc_port failed */
    MEDIA_RELAY_ERR_SDP = -1005,      /**< body does not parse, or no such m= section */
    MEDIA_RELAY_ERR_FOREIGN = -1006,  /**< dropped: not from the latched source (RFC 4961) */
    MEDIA_RELAY_ERR_PACKET = -1007,   /**< dropped: not RTP/RTCP, malformed, or unusable */
    MEDIA_RELAY_ERR_TOO_BIG = -1008,  /**< dropped: longer than cfg.max_packet */
    MEDIA_RELAY_ERR_CALLBACK = -1009, /**< send callback failed */
    MEDIA_RELAY_ERR_STATE = -1010     /**< called from inside one of its callbacks */
} media_relay_err;

/** Short English text for an error code (static storage, never NULL). */
MEDIA_RELAY_DEF const char *media_relay_strerror(int err);

/** Address families of media_relay_addr. */
enum { MEDIA_RELAY_AF_NONE = 0, MEDIA_RELAY_AF_IPV4 = 4, MEDIA_RELAY_AF_IPV6 = 6 };

/** A transport address: family, address bytes in network order (IPv4 in
 *  ip[0..3], the rest zero), port in host order. family 0 = none. */
typedef struct media_relay_addr {
    uint8_t family;
    uint8_t ip[16];
    uint16_t port;
} media_relay_addr;

/** Parse an IPv4 dotted quad or an IPv6 address (RFC 4291 §2.2 text
 *  forms, "::" compression, an IPv4 tail; no zone, no brackets) of len
 *  bytes into *out with port. Returns 0 or MEDIA_RELAY_ERR_INVALID. */
MEDIA_RELAY_DEF int media_relay_addr_parse(const char *s, size_t len, uint16_t port,
                                           media_relay_addr *out);
/** Nonzero when a and b are the same family, address and port. */
MEDIA_RELAY_DEF int media_relay_addr_eq(const media_relay_addr *a, const media_relay_addr *b);

/** Session handle: slot index and generation. {0,0} is never valid. */
typedef struct media_relay_sid {
    uint32_t index;
    uint32_t gen;
} media_relay_sid;

/** Socket of a leg: its RTP socket (also RTCP with rtcp-mux) or its RTCP
 *  socket. Also the packet kind in the record hook. */
enum { MEDIA_RELAY_RTP = 0, MEDIA_RELAY_RTCP = 1 };

/** A leg number meaning "none" (set_peer), or "the mixer" (record hook). */
#define MEDIA_RELAY_NO_LEG 0xFFFFu
/** from_leg of mixer output in the record hook. */
#define MEDIA_RELAY_MIXER 0xFFFEu

/** Limits of media_relay_config. */
#define MEDIA_RELAY_MAX_LEGS 32u
#define MEDIA_RELAY_MAX_SESSIONS 65536u
/** Mixer frame: 20 ms of 8 kHz G.711. */
#define MEDIA_RELAY_FRAME_SAMPLES 160u
#define MEDIA_RELAY_FRAME_US 20000u
/** Largest SDP body parts media_relay_sdp_rewrite handles. */
#define MEDIA_RELAY_SDP_MAX_ATTRS 128u
#define MEDIA_RELAY_SDP_MAX_MEDIA 8u

/** Relay configuration; zero means the documented default. */
typedef struct media_relay_config {
    uint32_t max_sessions;       /**< session slots (64; at most 65536) */
    uint32_t max_legs;           /**< legs per session (2..32; default 2,
                                      or 4 with mixer) */
    uint32_t max_packet;         /**< largest datagram relayed, bytes (1500;
                                      64..65535) */
    const char *local_addr;      /**< the relay's media address for SDP
                                      (IPv4/IPv6 text, NUL-terminated,
                                      copied; required), per leg
                                      overridable */
    uint64_t inactivity_us;      /**< no valid packet on any leg of a
                                      session for this long: event
                                      MEDIA_RELAY_EV_INACTIVE (0: off) */
    uint64_t relatch_silence_us; /**< re-latch to a new source when the
                                      latched one was silent this long (0:
                                      never) */
    int allow_relatch;           /**< nonzero: follow every new source at
                                      once (no latch protection) */
    int mixer;                   /**< nonzero: reserve mixer memory, so
                                      sessions may be created with
                                      MEDIA_RELAY_SESSION_MIX */
} media_relay_config;

/** Event kinds (on_event). */
typedef enum media_relay_event_kind {
    MEDIA_RELAY_EV_LATCHED = 1,  /**< a leg's socket latched its first source */
    MEDIA_RELAY_EV_RELATCHED,    /**< ... moved to a new source (relatch rules) */
    MEDIA_RELAY_EV_SOURCE_CHANGE, /**< the source behind the stream toward
                                      leg changed; continuity mapping applied */
    MEDIA_RELAY_EV_INACTIVE      /**< session silent for cfg.inactivity_us
                                      (leg = MEDIA_RELAY_NO_LEG); once until
                                      the next packet */
} media_relay_event_kind;

/** An event. addr points into relay state, valid during the callback. */
typedef struct media_relay_event {
    media_relay_event_kind kind;
    unsigned leg;
    unsigned sock;               /**< MEDIA_RELAY_RTP / _RTCP */
    const media_relay_addr *addr; /**< latched address (LATCHED/RELATCHED) */
    uint32_t old_ssrc, new_ssrc; /**< incoming SSRCs (SOURCE_CHANGE) */
} media_relay_event;

/** Per-leg statistics (media_relay_leg_stats). "in" counts what this leg's
 *  endpoint sent to us, "out" what we sent toward it. */
typedef struct media_relay_stats {
    uint64_t rtp_in, rtcp_in, bytes_in;    /**< accepted packets and bytes */
    uint64_t rtp_out, rtcp_out, bytes_out; /**< sent (send callback returned 0) */
    uint64_t dropped_foreign;   /**< not from the latched source (RFC 4961) */
    uint64_t dropped_invalid;   /**< not RTP/RTCP, malformed, too big, bad codec */
    uint64_t dropped_no_dest;   /**< no peer or no destination known yet */
    uint64_t dropped_late;      /**< mixer: frame after its tick, or outside
                                     the window */
    uint64_t send_errors;       /**< send callback failures */
    uint64_t source_changes;    /**< continuity remaps of the stream toward it */
    uint64_t relatches;         /**< latch moves */
    uint32_t ssrc;              /**< SSRC of its current source (have_source) */
    int have_source;
    rtp_source_stats src;       /**< A.1/A.3/A.8 numbers of that source */
    uint64_t src_packets, src_octets; /**< rtp.h's counters of that source */
    uint32_t src_clock_rate;    /**< clock of its jitter figure, Hz */
    int src_pt;                 /**< payload type of its last packet, -1 none */
    uint32_t rtt_us;            /**< round trip relay <-> this leg's endpoint
                                     (RFC 3550 §6.4.1 LSR/DLSR), 0 unknown */
    int mos_x100;               /**< MOS x 100 (100..450) of what the leg's
                                     endpoint sends us: rtp.h's E-model
                                     (G.107) by default, callbacks.mos when
                                     set; 0 = no source or no E-model codec */
    media_relay_addr dest[2];   /**< current RTP / RTCP destinations */
    int latched[2];             /**< RTP / RTCP socket latched */
} media_relay_stats;

/** Callbacks (copied at init). size = sizeof(media_relay_callbacks). send
 *  and alloc_port are required; the others may be NULL. Inside a callback
 *  do not call media_relay functions on the same relay except the read-only
 *  ones (leg_stats, leg_ports, next_deadline): they return
 *  MEDIA_RELAY_ERR_STATE. */
typedef struct media_relay_callbacks {
    uint32_t size;
    /** Open (or reserve) the sockets of a new leg; set *rtp_port and
     *  *rtcp_port (host order; may be equal for an rtcp-mux-only socket).
     *  Nonzero fails the leg (MEDIA_RELAY_ERR_PORT). */
    int (*alloc_port)(void *user, media_relay_sid sid, unsigned leg,
                      uint16_t *rtp_port, uint16_t *rtcp_port);
    /** The leg is gone: close its sockets. */
    void (*release_port)(void *user, media_relay_sid sid, unsigned leg,
                         uint16_t rtp_port, uint16_t rtcp_port);
    /** Send len bytes from leg's socket sock (MEDIA_RELAY_RTP/_RTCP) to dst.
     *  The bytes are valid during the call. Nonzero counts a send error
     *  (MEDIA_RELAY_ERR_CALLBACK). */
    int (*send)(void *user, media_relay_sid sid, unsigned leg, unsigned sock,
                const media_relay_addr *dst, const uint8_t *pkt, size_t len);
    /** An event (see media_relay_event_kind). */
    void (*on_event)(void *user, media_relay_sid sid, const media_relay_event *ev);
    /** Recording hook: every packet sent, after rewriting: from_leg (or
     *  MEDIA_RELAY_MIXER) toward to_leg, kind MEDIA_RELAY_RTP/_RTCP. */
    void (*record)(void *user, media_relay_sid sid, unsigned from_leg, unsigned to_leg,
                   unsigned kind, const uint8_t *pkt, size_t len, uint64_t now_us);
    /** Randomness (mixer SSRCs: 4 bytes a draw). NULL: derived from the
     *  handle. */
    void (*rand)(void *user, uint8_t *buf, size_t len);
    /** Override of the MOS: x 100 (100..450, or 0 for none) of a leg from
     *  its statistics; st->mos_x100 holds the default E-model figure (see
     *  Decisions) when it is called. NULL keeps the default. */
    int (*mos)(void *user, media_relay_sid sid, unsigned leg, const media_relay_stats *st);
} media_relay_callbacks;

/** The relay context (opaque; lives in the memory given to init). */
typedef struct media_relay media_relay;

/** Bytes of memory a configuration needs (0 for an invalid one). */
MEDIA_RELAY_DEF size_t media_relay_mem_size(const media_relay_config *cfg);
/** Set up a relay in caller memory (8-byte aligned, media_relay_mem_size
 *  bytes; it must outlive the relay). *out points into mem. Returns 0,
 *  MEDIA_RELAY_ERR_INVALID (NULL, bad limits, no or bad local_addr, no send
 *  or alloc_port, callbacks size too small), MEDIA_RELAY_ERR_NOSPACE. */
MEDIA_RELAY_DEF int media_relay_init(void *mem, size_t mem_len, const media_relay_config *cfg,
                                     const media_relay_callbacks *cb, void *user,
                                     media_relay **out);
/** The same with memory from MEDIA_RELAY_MALLOC; media_relay_destroy frees
 *  it. Also MEDIA_RELAY_ERR_NOSPACE when the allocation fails. */
MEDIA_RELAY_DEF int media_relay_create(const media_relay_config *cfg,
                                       const media_relay_callbacks *cb, void *user,
                                       media_relay **out);
/** Destroy every session (release_port for every leg) and, when created by
 *  media_relay_create, free the memory. NULL is ignored. */
MEDIA_RELAY_DEF void media_relay_destroy(media_relay *r);

/** Session flags. */
enum {
    /** Conference: G.711 N-1 mixing instead of forwarding (needs
     *  cfg.mixer). */
    MEDIA_RELAY_SESSION_MIX = 1
};

/** Create a session with n_legs legs (2..max_legs; 1 is allowed for a
 *  mixer that legs join later) at now_us; alloc_port runs for each leg.
 *  Returns 0 with *sid, or MEDIA_RELAY_ERR_INVALID, MEDIA_RELAY_ERR_FULL
 *  (no free slot), MEDIA_RELAY_ERR_PORT (ports already given are
 *  released), MEDIA_RELAY_ERR_STATE. */
MEDIA_RELAY_DEF int media_relay_session_create(media_relay *r, unsigned n_legs, unsigned flags,
                                               uint64_t now_us, media_relay_sid *sid);
/** Destroy a session: release_port for its legs; the handle becomes stale.
 *  Returns 0, MEDIA_RELAY_ERR_STALE, MEDIA_RELAY_ERR_STATE. */
MEDIA_RELAY_DEF int media_relay_session_destroy(media_relay *r, media_relay_sid sid);
/** Add a leg (conference party, forked branch) at now_us. Returns the leg
 *  number (>= 0), MEDIA_RELAY_ERR_FULL (max_legs), _STALE, _PORT, _STATE. */
MEDIA_RELAY_DEF int media_relay_leg_add(media_relay *r, media_relay_sid sid, uint64_t now_us);
/** Remove a leg: release_port; packets toward it are dropped (no dest).
 *  Returns 0, MEDIA_RELAY_ERR_STALE, MEDIA_RELAY_ERR_STATE. */
MEDIA_RELAY_DEF int media_relay_leg_remove(media_relay *r, media_relay_sid sid, unsigned leg);
/** Where packets from leg go (forwarding sessions): peer, or
 *  MEDIA_RELAY_NO_LEG to drop them. Default: 0 -> 1, every other -> 0.
 *  Returns 0, MEDIA_RELAY_ERR_STALE, MEDIA_RELAY_ERR_INVALID (peer ==
 *  leg, or no such peer), MEDIA_RELAY_ERR_STATE. */
MEDIA_RELAY_DEF int media_relay_leg_set_peer(media_relay *r, media_relay_sid sid, unsigned leg,
                                             unsigned peer);
/** The relay address written into SDP sent toward leg (text, copied, at
 *  most 45 bytes; default cfg.local_addr). Returns 0, _STALE, _INVALID. */
MEDIA_RELAY_DEF int media_relay_leg_set_local(media_relay *r, media_relay_sid sid, unsigned leg,
                                              const char *addr);
/** Set leg's destination for sock by hand (family 0 clears it); the latch
 *  is reset. Returns 0, _STALE, _INVALID. */
MEDIA_RELAY_DEF int media_relay_leg_set_remote(media_relay *r, media_relay_sid sid, unsigned leg,
                                               unsigned sock, const media_relay_addr *dst);
/** RFC 5761 rtcp-mux toward leg on (RTCP goes out of the RTP socket to the
 *  RTP destination) or off. media_relay_sdp_rewrite sets it from an
 *  answer. Returns 0, _STALE. */
MEDIA_RELAY_DEF int media_relay_leg_set_mux(media_relay *r, media_relay_sid sid, unsigned leg,
                                            int mux);
/** The leg's ports (from alloc_port). Returns 0, _STALE. */
MEDIA_RELAY_DEF int media_relay_leg_ports(const media_relay *r, media_relay_sid sid, unsigned leg,
                                          uint16_t *rtp_port, uint16_t *rtcp_port);
/** Statistics of a leg (see media_relay_stats): counters, the current
 *  source's RFC 3550 A.1/A.3/A.8 figures, RTT, and MOS from the E-model
 *  (ITU-T G.107 via rtp_emodel_estimate) or callbacks.mos. Returns 0,
 *  _STALE, _INVALID (st NULL). */
MEDIA_RELAY_DEF int media_relay_leg_stats(media_relay *r, media_relay_sid sid, unsigned leg,
                                          media_relay_stats *st);

/** media_relay_sdp_rewrite flags. */
enum {
    MEDIA_RELAY_SDP_ANSWER = 1,        /**< the body is an answer (RFC 3264 §6) */
    MEDIA_RELAY_SDP_REJECT_OTHERS = 2  /**< other m= sections get port 0 */
};

/** Rewrite an SDP body (in, in_len) sent by leg from_leg's endpoint toward
 *  to_leg's endpoint, for the relayed media section m_index (RFC 8866 §5.14
 *  order, 0-based). Learns from from_leg: its RTP destination (the
 *  section's c= address and m= port; c=0.0.0.0 or a port of 0 leaves it
 *  unknown), its RTCP destination (a=rtcp, RFC 3605 §2.1, else port + 1),
 *  rtcp-mux (RFC 5761 §5.1.1: in an answer, sets both legs' mux to whether
 *  a=rtcp-mux is present), and a=rtpmap clock rates. A changed address
 *  resets the leg's latch. Writes: session and section c= addresses ->
 *  to_leg's local address (IP4 or IP6), the m= port -> to_leg's RTP port,
 *  a=rtcp -> to_leg's RTCP port (with the address when the original had
 *  one), removed in an answer with rtcp-mux, added when the RTCP port is
 *  not RTP + 1. Output via sdp_print() into (out, cap). Returns the length,
 *  or MEDIA_RELAY_ERR_NOSPACE with *needed (out == NULL measures),
 *  MEDIA_RELAY_ERR_SDP (no parse, m_index absent, more than
 *  MEDIA_RELAY_SDP_MAX_ATTRS attributes or MEDIA_RELAY_SDP_MAX_MEDIA
 *  sections), MEDIA_RELAY_ERR_STALE, _INVALID (from_leg == to_leg, NULL),
 *  _STATE. */
MEDIA_RELAY_DEF int media_relay_sdp_rewrite(media_relay *r, media_relay_sid sid,
                                            unsigned from_leg, unsigned to_leg,
                                            unsigned m_index, unsigned flags,
                                            const char *in, size_t in_len,
                                            char *out, size_t cap, size_t *needed);

/** A datagram arrived on leg's socket sock (MEDIA_RELAY_RTP or _RTCP)
 *  from src at now_us. RTP socket: rtp_demux() (RFC 5761 §4, RFC 7983)
 *  tells RTP from RTCP; RTCP socket: RTCP only. Latching (RFC 4961) as
 *  configured; RTP is checked with rtp_parse, RTCP with the compound walker
 *  (reduced-size allowed, RFC 5506). Then forwarded to the leg's peer with
 *  SSRC/seq/timestamp continuity (RFC 3550 §5.1) and RTCP rewritten to
 *  match (§6.4), or in a mixed session queued for the mixer. Returns the
 *  number of packets sent (0 or 1; 0 for a queued frame or no
 *  destination), or MEDIA_RELAY_ERR_FOREIGN, _PACKET, _TOO_BIG (dropped,
 *  counted), _CALLBACK (send failed, counted), _STALE, _INVALID, _STATE. */
MEDIA_RELAY_DEF int media_relay_on_packet(media_relay *r, media_relay_sid sid, unsigned leg,
                                          unsigned sock, const media_relay_addr *src,
                                          const uint8_t *pkt, size_t len, uint64_t now_us);

/** When media_relay_on_timeout must next run (inactivity, mixer ticks), µs
 *  on the caller's clock; UINT64_MAX when nothing is pending. */
MEDIA_RELAY_DEF uint64_t media_relay_next_deadline(const media_relay *r);
/** Run what is due at now_us: inactivity events, mixer ticks (every 20 ms;
 *  at most 5 late ticks are caught up, older ones are skipped). Returns the
 *  number of mixer packets sent, or MEDIA_RELAY_ERR_STATE. */
MEDIA_RELAY_DEF int media_relay_on_timeout(media_relay *r, uint64_t now_us);

#ifdef __cplusplus
}
#endif

#endif /* MEDIA_RELAY_H */

/* ======================================================================== */
#if defined(MEDIA_RELAY_IMPLEMENTATION) && !defined(MEDIA_RELAY_IMPLEMENTATION_DONE)
#define MEDIA_RELAY_IMPLEMENTATION_DONE

#include <string.h>

#ifndef MEDIA_RELAY_MALLOC
#include <stdlib.h>
#define MEDIA_RELAY_MALLOC(n) malloc(n)
#define MEDIA_RELAY_FREE(p) free(p)
#endif

#define MEDIA_RELAY__SLOTS 4u          /* mixer reorder window, frames */
#define MEDIA_RELAY__DYN 16u           /* rtpmap clock rates remembered */
#define MEDIA_RELAY__SR_MEM 4u         /* forwarded SRs remembered per leg (RTT) */
#define MEDIA_RELAY__ST_SOURCES 4u     /* rtp_session table per leg */
#define MEDIA_RELAY__ST_SSRC 0x52454C59u /* "RELY": the stats session's own */
#define MEDIA_RELAY__ADDR_MAX 46u

/* The stream sent toward one leg: RFC 3550 §5.1 continuity state. */
typedef struct media_relay__out {
    uint8_t have;           /* a packet went toward the leg */
    uint32_t out_ssrc;      /* the SSRC the leg sees */
    uint32_t in_ssrc;       /* current source behind it */
    unsigned in_leg;        /* leg it comes from */
    uint16_t seq_delta;     /* out = in + delta (mod 2^16) */
    uint32_t ts_delta;      /* out = in + delta (mod 2^32) */
    uint16_t last_seq;      /* highest out seq sent */
    uint32_t last_ts;       /* its timestamp */
    uint64_t last_us;       /* when */
} media_relay__out;

typedef struct media_relay__sock {
    media_relay_addr dest;  /* where we send (advertised or latched) */
    media_relay_addr adv;   /* advertised in SDP */
    uint8_t latched;
    uint64_t last_us;       /* last packet from the latched source */
} media_relay__sock;

struct media_relay__session;

typedef struct media_relay__leg {
    uint8_t in_use, mux;
    uint16_t rtp_port, rtcp_port;
    unsigned peer;
    struct media_relay__session *sess;
    media_relay__sock sock[2];
    char local[MEDIA_RELAY__ADDR_MAX + 1];
    media_relay__out out;
    /* statistics */
    media_relay_stats c;     /* counters part (the rest filled on demand) */
    rtp_session st;
    void *st_mem;
    uint32_t cur_ssrc;
    uint8_t have_cur;
    uint8_t cur_pt;          /* payload type of the current source's last packet */
    uint32_t rtt_us;         /* RFC 3550 §6.4.1, 0 unknown */
    uint32_t sr_lsr[MEDIA_RELAY__SR_MEM];  /* SRs forwarded toward the leg: */
    uint64_t sr_sent_us[MEDIA_RELAY__SR_MEM]; /* NTP middle 32 bits, departure */
    uint8_t sr_next;
    /* mixer */
    uint8_t *slot;           /* SLOTS x FRAME_SAMPLES codes */
    uint16_t slot_seq[MEDIA_RELAY__SLOTS];
    uint8_t slot_valid[MEDIA_RELAY__SLOTS];
    uint8_t slot_pt[MEDIA_RELAY__SLOTS];
    uint16_t play_seq;
    uint8_t mix_started, mix_playing, mix_pt, mix_first;
    uint32_t mix_ssrc, mix_ts;
    uint16_t mix_seq;
} media_relay__leg;

typedef struct media_relay__session {
    uint32_t gen;
    uint8_t in_use, mix, inactive_sent;
    unsigned n_legs;         /* legs numbered 0..n_legs-1 (some removed) */
    uint64_t last_activity_us;
    uint64_t next_tick_us;
    uint8_t dyn_pt[MEDIA_RELAY__DYN];
    uint32_t dyn_clock[MEDIA_RELAY__DYN];
    uint8_t dyn_codec[MEDIA_RELAY__DYN];   /* rtp_emodel_codec + 1, 0 none */
    unsigned n_dyn;
    media_relay__leg *legs;
} media_relay__session;

struct media_relay {
    media_relay_config cfg;
    media_relay_callbacks cb;
    void *user;
    int allocated, in_callback;
    char local[MEDIA_RELAY__ADDR_MAX + 1];
    media_relay__session *sess;
    size_t st_mem_size;
    uint8_t *pkt;            /* max_packet scratch */
    int16_t *pcm;            /* max_legs x FRAME_SAMPLES */
    uint8_t *have;           /* max_legs */
    sdp_session sdp;
    sdp_attr sdp_attrs[MEDIA_RELAY_SDP_MAX_ATTRS];
    sdp_attr sdp_attrs2[MEDIA_RELAY_SDP_MAX_ATTRS + 1];
    sdp_media sdp_sections[MEDIA_RELAY_SDP_MAX_MEDIA];
    char sdp_text[96];
};

MEDIA_RELAY_DEF const char *media_relay_strerror(int err)
{
    switch (err) {
    case MEDIA_RELAY_OK: return "ok";
    case MEDIA_RELAY_ERR_INVALID: return "invalid argument";
    case MEDIA_RELAY_ERR_NOSPACE: return "no space";
    case MEDIA_RELAY_ERR_FULL: return "session or leg limit reached";
    case MEDIA_RELAY_ERR_STALE: return "stale session handle or no such leg";
    case MEDIA_RELAY_ERR_PORT: return "port allocation failed";
    case MEDIA_RELAY_ERR_SDP: return "SDP body unusable";
    case MEDIA_RELAY_ERR_FOREIGN: return "packet not from the latched source";
    case MEDIA_RELAY_ERR_PACKET: return "packet not RTP/RTCP or malformed";
    case MEDIA_RELAY_ERR_TOO_BIG: return "packet larger than max_packet";
    case MEDIA_RELAY_ERR_CALLBACK: return "send callback failed";
    case MEDIA_RELAY_ERR_STATE: return "called from a callback";
    default: return "unknown error";
    }
}

/* ---- addresses ---------------------------------------------------------- */

static int media_relay__hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Dotted quad, exactly four decimal parts 0..255, no leading zeros. */
static int media_relay__parse_v4(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    unsigned part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        if (part > 0) {
            if (i >= len || s[i] != '.') return -1;
            i++;
        }
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (digits > 0 && v == 0) return -1;
            v = v * 10 + (unsigned)(s[i] - '0');
            if (v > 255) return -1;
            digits++, i++;
        }
        if (digits == 0) return -1;
        out[part] = (uint8_t)v;
    }
    return i == len ? 0 : -1;
}

static int media_relay__parse_v6(const char *s, size_t len, uint8_t out[16])
{
    uint8_t w[16];
    size_t i = 0;
    int n = 0, gap = -1;
    memset(w, 0, sizeof w);
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len >= 1 && s[0] == ':') {
        return -1;
    }
    while (i < len) {
        size_t st = i;
        unsigned v = 0, digits = 0;
        int h;
        if (n >= 16) return -1;
        while (i < len && (h = media_relay__hexval(s[i])) >= 0 && digits < 4) {
            v = (v << 4) | (unsigned)h;
            digits++, i++;
        }
        if (i < len && s[i] == '.') {   /* IPv4 tail: the last 32 bits */
            if (n > 12 || media_relay__parse_v4(s + st, len - st, w + n) != 0) return -1;
            n += 4;
            i = len;
            break;
        }
        if (digits == 0) return -1;
        w[n] = (uint8_t)(v >> 8);
        w[n + 1] = (uint8_t)v;
        n += 2;
        if (i == len) break;
        if (s[i] != ':') return -1;
        i++;
        if (i < len && s[i] == ':') {
            if (gap >= 0) return -1;
            gap = n;
            i++;
        } else if (i == len) {
            return -1;                  /* trailing single ':' */
        }
    }
    if (gap >= 0) {
        int move = n - gap;
        if (n > 14) return -1;          /* "::" must stand for >= 16 bits */
        memmove(w + 16 - move, w + gap, (size_t)move);
        memset(w + gap, 0, (size_t)(16 - move - gap));
    } else if (n != 16) {
        return -1;
    }
    memcpy(out, w, 16);
    return 0;
}

MEDIA_RELAY_DEF int media_relay_addr_parse(const char *s, size_t len, uint16_t port,
                                           media_relay_addr *out)
{
    media_relay_addr a;
    if (!s || !out || len == 0 || len > MEDIA_RELAY__ADDR_MAX) return MEDIA_RELAY_ERR_INVALID;
    memset(&a, 0, sizeof a);
    if (memchr(s, ':', len)) {
        if (media_relay__parse_v6(s, len, a.ip) != 0) return MEDIA_RELAY_ERR_INVALID;
        a.family = MEDIA_RELAY_AF_IPV6;
    } else {
        if (media_relay__parse_v4(s, len, a.ip) != 0) return MEDIA_RELAY_ERR_INVALID;
        a.family = MEDIA_RELAY_AF_IPV4;
    }
    a.port = port;
    *out = a;
    return 0;
}

MEDIA_RELAY_DEF int media_relay_addr_eq(const media_relay_addr *a, const media_relay_addr *b)
{
    return a->family == b->family && a->port == b->port &&
           memcmp(a->ip, b->ip, a->family == MEDIA_RELAY_AF_IPV6 ? 16 : 4) == 0;
}

/* ---- setup -------------------------------------------------------------- */

static size_t media_relay__align(size_t n) { return (n + 7u) & ~(size_t)7u; }

static int media_relay__st_send(void *user, const uint8_t *pkt, size_t len)
{
    (void)user, (void)pkt, (void)len;
    return 0;   /* the statistics session never sends: on_timeout is not run */
}

static uint32_t media_relay__clock(const media_relay__session *s, uint8_t pt)
{
    rtp_codec c;
    unsigned i;
    for (i = 0; i < s->n_dyn; i++)
        if (s->dyn_pt[i] == pt) return s->dyn_clock[i];
    if (rtp_static_pt(pt, &c) == 0) return c.clock_rate;
    return 8000;
}

/* The E-model codec (rtp_emodel_codec + 1) of an encoding name, 0 when
 * it has none. G.711 without PLC (see Decisions). */
static uint8_t media_relay__emodel_codec(const char *name, size_t len)
{
    rtp_emodel_codec c;
    if (rtp_emodel_codec_by_name(name, len, 0, &c) != 0) return 0;
    return (uint8_t)(c + 1);
}

/* The E-model codec of payload type pt in session s: the a=rtpmap name
 * learned from SDP, else the RFC 3551 static assignment. */
static uint8_t media_relay__pt_codec(const media_relay__session *s, uint8_t pt)
{
    rtp_codec c;
    unsigned i;
    for (i = 0; i < s->n_dyn; i++)
        if (s->dyn_pt[i] == pt) return s->dyn_codec[i];
    if (rtp_static_pt(pt, &c) == 0) return media_relay__emodel_codec(c.name, strlen(c.name));
    return 0;
}

/* MOS x 100 of what a leg receives from its endpoint (ITU-T G.107 through
 * rtp_emodel_estimate; inputs in the header's Decisions). 0 when the
 * payload type has no E-model codec. */
static int media_relay__mos(const media_relay__session *s, uint8_t pt, const media_relay_stats *st)
{
    uint8_t codec = media_relay__pt_codec(s, pt);
    rtp_emodel_input in;
    rtp_emodel_result res;
    memset(&in, 0, sizeof in);
    if (!codec || rtp_emodel_codec_params((rtp_emodel_codec)(codec - 1), 0, &in.ie, &in.bpl) != 0)
        return 0;
    if (st->src.expected > 0 && st->src.cumulative_lost > 0) {
        in.loss_pct = 100.0 * (double)st->src.cumulative_lost / (double)st->src.expected;
        if (in.loss_pct > 100.0) in.loss_pct = 100.0;
    }
    in.burst_r = 1.0;
    in.jitter_ms = st->src_clock_rate ? 1000.0 * st->src.jitter / st->src_clock_rate : 0.0;
    in.jb_delay_ms = -1.0;            /* twice the jitter */
    in.one_way_delay_ms = st->rtt_us / 2000.0;
    if (rtp_emodel_estimate(&in, &res) != 0) return 0;
    return (int)(res.mos * 100.0 + 0.5);
}

static uint32_t media_relay__st_clock(void *user, uint32_t ssrc, uint8_t pt)
{
    const media_relay__leg *l = (const media_relay__leg *)user;
    (void)ssrc;
    return media_relay__clock(l->sess, pt);
}

static void media_relay__st_config(rtp_session_config *c)
{
    memset(c, 0, sizeof *c);
    c->ssrc = MEDIA_RELAY__ST_SSRC;
    c->cname.p = (const uint8_t *)"relay";
    c->cname.len = 5;
    c->max_sources = MEDIA_RELAY__ST_SOURCES;
    c->max_rtcp_size = 64;
}

static int media_relay__resolve(const media_relay_config *in, media_relay_config *c)
{
    media_relay_addr a;
    if (!in) return MEDIA_RELAY_ERR_INVALID;
    *c = *in;
    if (c->max_sessions == 0) c->max_sessions = 64;
    if (c->max_legs == 0) c->max_legs = c->mixer ? 4 : 2;
    if (c->max_packet == 0) c->max_packet = 1500;
    if (c->max_sessions > MEDIA_RELAY_MAX_SESSIONS || c->max_legs < 2 ||
        c->max_legs > MEDIA_RELAY_MAX_LEGS || c->max_packet < 64 || c->max_packet > 65535)
        return MEDIA_RELAY_ERR_INVALID;
    if (!c->local_addr || media_relay_addr_parse(c->local_addr, strlen(c->local_addr), 0, &a) != 0)
        return MEDIA_RELAY_ERR_INVALID;
    return 0;
}

/* Layout: relay | sessions | legs | stats memory | mixer slots | packet
 * scratch | pcm | have. */
static size_t media_relay__layout(const media_relay_config *c, size_t *st_mem, size_t off[6])
{
    rtp_session_config sc;
    size_t n_legs = (size_t)c->max_sessions * c->max_legs, sz;
    media_relay__st_config(&sc);
    *st_mem = media_relay__align(rtp_session_mem_size(&sc));
    sz = media_relay__align(sizeof(struct media_relay));
    off[0] = sz; sz += media_relay__align(sizeof(media_relay__session) * c->max_sessions);
    off[1] = sz; sz += media_relay__align(sizeof(media_relay__leg) * n_legs);
    off[2] = sz; sz += *st_mem * n_legs;
    off[3] = sz; if (c->mixer) sz += media_relay__align(MEDIA_RELAY__SLOTS * MEDIA_RELAY_FRAME_SAMPLES) * n_legs;
    off[4] = sz; sz += media_relay__align(c->max_packet);
    off[5] = sz; if (c->mixer) sz += media_relay__align(sizeof(int16_t) * MEDIA_RELAY_FRAME_SAMPLES * c->max_legs + c->max_legs);
    return sz;
}

MEDIA_RELAY_DEF size_t media_relay_mem_size(const media_relay_config *cfg)
{
    media_relay_config c;
    size_t st, off[6];
    if (media_relay__resolve(cfg, &c) != 0) return 0;
    return media_relay__layout(&c, &st, off);
}

MEDIA_RELAY_DEF int media_relay_init(void *mem, size_t mem_len, const media_relay_config *cfg,
                                     const media_relay_callbacks *cb, void *user,
                                     media_relay **out)
{
    media_relay_config c;
    media_relay *r;
    size_t need, st, off[6], i, j;
    uint8_t *base = (uint8_t *)mem;
    int rc;
    if (!mem || !cb || !out || ((uintptr_t)mem & 7u) != 0) return MEDIA_RELAY_ERR_INVALID;
    if ((rc = media_relay__resolve(cfg, &c)) != 0) return rc;
    if (cb->size < sizeof(media_relay_callbacks) || !cb->send || !cb->alloc_port)
        return MEDIA_RELAY_ERR_INVALID;
    need = media_relay__layout(&c, &st, off);
    if (mem_len < need) return MEDIA_RELAY_ERR_NOSPACE;
    memset(mem, 0, need);
    r = (media_relay *)mem;
    r->cfg = c;
    r->cb = *cb;
    r->user = user;
    memcpy(r->local, c.local_addr, strlen(c.local_addr) + 1);
    r->cfg.local_addr = r->local;
    r->st_mem_size = st;
    r->sess = (media_relay__session *)(base + off[0]);
    for (i = 0; i < c.max_sessions; i++) {
        media_relay__session *s = &r->sess[i];
        s->gen = 1;
        s->legs = (media_relay__leg *)(base + off[1]) + i * c.max_legs;
        for (j = 0; j < c.max_legs; j++) {
            size_t k = i * c.max_legs + j;
            s->legs[j].sess = s;
            s->legs[j].st_mem = base + off[2] + k * st;
            if (c.mixer)
                s->legs[j].slot = base + off[3] +
                    k * media_relay__align(MEDIA_RELAY__SLOTS * MEDIA_RELAY_FRAME_SAMPLES);
        }
    }
    r->pkt = base + off[4];
    if (c.mixer) {
        r->pcm = (int16_t *)(void *)(base + off[5]);
        r->have = base + off[5] + sizeof(int16_t) * MEDIA_RELAY_FRAME_SAMPLES * c.max_legs;
    }
    *out = r;
    return 0;
}

MEDIA_RELAY_DEF int media_relay_create(const media_relay_config *cfg,
                                       const media_relay_callbacks *cb, void *user,
                                       media_relay **out)
{
    size_t n = media_relay_mem_size(cfg);
    void *mem;
    int rc;
    if (n == 0 || !out) return MEDIA_RELAY_ERR_INVALID;
    mem = MEDIA_RELAY_MALLOC(n);
    if (!mem) return MEDIA_RELAY_ERR_NOSPACE;
    rc = media_relay_init(mem, n, cfg, cb, user, out);
    if (rc != 0) {
        MEDIA_RELAY_FREE(mem);
        return rc;
    }
    (*out)->allocated = 1;
    return 0;
}

/* ---- sessions and legs -------------------------------------------------- */

static media_relay__session *media_relay__get(const media_relay *r, media_relay_sid sid)
{
    media_relay__session *s;
    if (!r || sid.index >= r->cfg.max_sessions) return NULL;
    s = &r->sess[sid.index];
    return s->in_use && s->gen == sid.gen ? s : NULL;
}

static media_relay__leg *media_relay__leg_get(const media_relay *r, media_relay_sid sid,
                                              unsigned leg)
{
    media_relay__session *s = media_relay__get(r, sid);
    if (!s || leg >= s->n_legs || !s->legs[leg].in_use) return NULL;
    return &s->legs[leg];
}

static media_relay_sid media_relay__sid(const media_relay *r, const media_relay__session *s)
{
    media_relay_sid sid;
    sid.index = (uint32_t)(s - r->sess);
    sid.gen = s->gen;
    return sid;
}

static int media_relay__st_init(media_relay *r, media_relay__leg *l, uint64_t now_us)
{
    rtp_session_config sc;
    rtp_session_callbacks scb;
    media_relay__st_config(&sc);
    memset(&scb, 0, sizeof scb);
    scb.size = sizeof scb;
    scb.send_rtcp = media_relay__st_send;
    scb.clock_rate = media_relay__st_clock;
    return rtp_session_init(&l->st, l->st_mem, r->st_mem_size, &sc, &scb, l, now_us);
}

static uint32_t media_relay__mix_ssrc(media_relay *r, const media_relay__session *s,
                                      unsigned leg)
{
    uint8_t b[4];
    if (r->cb.rand) {
        r->cb.rand(r->user, b, 4);
        return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    }
    return 0x4D000000u ^ ((uint32_t)(s - r->sess) << 8) ^ (s->gen << 16) ^ leg;
}

/* Bring up leg number n of s (ports, statistics, defaults). */
static int media_relay__leg_open(media_relay *r, media_relay__session *s, unsigned n,
                                 uint64_t now_us)
{
    media_relay__leg *l = &s->legs[n];
    uint8_t *slot = l->slot;
    void *st_mem = l->st_mem;
    uint16_t rtp_port = 0, rtcp_port = 0;
    memset(l, 0, sizeof *l);
    l->sess = s;
    l->slot = slot;
    l->st_mem = st_mem;
    if (r->cb.alloc_port(r->user, media_relay__sid(r, s), n, &rtp_port, &rtcp_port) != 0)
        return MEDIA_RELAY_ERR_PORT;
    if (media_relay__st_init(r, l, now_us) != 0) {
        if (r->cb.release_port)
            r->cb.release_port(r->user, media_relay__sid(r, s), n, rtp_port, rtcp_port);
        return MEDIA_RELAY_ERR_INVALID;
    }
    l->in_use = 1;
    l->rtp_port = rtp_port;
    l->rtcp_port = rtcp_port;
    l->peer = n == 0 ? 1u : 0u;
    memcpy(l->local, r->local, sizeof l->local);
    l->mix_ssrc = media_relay__mix_ssrc(r, s, n);
    l->mix_first = 1;
    return 0;
}

static void media_relay__leg_close(media_relay *r, media_relay__session *s, unsigned n)
{
    media_relay__leg *l = &s->legs[n];
    if (!l->in_use) return;
    l->in_use = 0;
    if (r->cb.release_port)
        r->cb.release_port(r->user, media_relay__sid(r, s), n, l->rtp_port, l->rtcp_port);
}

static void media_relay__session_free(media_relay *r, media_relay__session *s)
{
    unsigned i;
    r->in_callback++;
    for (i = 0; i < s->n_legs; i++) media_relay__leg_close(r, s, i);
    r->in_callback--;
    s->in_use = 0;
    s->gen++;
    if (s->gen == 0) s->gen = 1;
}

MEDIA_RELAY_DEF int media_relay_session_create(media_relay *r, unsigned n_legs, unsigned flags,
                                               uint64_t now_us, media_relay_sid *sid)
{
    media_relay__session *s = NULL;
    unsigned i;
    int rc = 0;
    if (!r || !sid || flags > MEDIA_RELAY_SESSION_MIX) return MEDIA_RELAY_ERR_INVALID;
    if (r->in_callback) return MEDIA_RELAY_ERR_STATE;
    if ((flags & MEDIA_RELAY_SESSION_MIX) ? (!r->cfg.mixer || n_legs < 1) : n_legs < 2)
        return MEDIA_RELAY_ERR_INVALID;
    if (n_legs > r->cfg.max_legs) return MEDIA_RELAY_ERR_FULL;
    for (i = 0; i < r->cfg.max_sessions && !s; i++)
        if (!r->sess[i].in_use) s = &r->sess[i];
    if (!s) return MEDIA_RELAY_ERR_FULL;
    s->in_use = 1;
    s->mix = (flags & MEDIA_RELAY_SESSION_MIX) != 0;
    s->inactive_sent = 0;
    s->last_activity_us = now_us;
    s->next_tick_us = now_us + MEDIA_RELAY_FRAME_US;
    s->n_dyn = 0;
    s->n_legs = 0;
    r->in_callback++;
    for (i = 0; i < n_legs && rc == 0; i++) {
        rc = media_relay__leg_open(r, s, i, now_us);
        if (rc == 0) s->n_legs = i + 1;
    }
    r->in_callback--;
    if (rc != 0) {
        media_relay__session_free(r, s);
        return rc;
    }
    *sid = media_relay__sid(r, s);
    return 0;
}

MEDIA_RELAY_DEF int media_relay_session_destroy(media_relay *r, media_relay_sid sid)
{
    media_relay__session *s = media_relay__get(r, sid);
    if (!s) return MEDIA_RELAY_ERR_STALE;
    if (r->in_callback) return MEDIA_RELAY_ERR_STATE;
    media_relay__session_free(r, s);
    return 0;
}

MEDIA_RELAY_DEF void media_relay_destroy(media_relay *r)
{
    unsigned i;
    if (!r) return;
    for (i = 0; i < r->cfg.max_sessions; i++)
        if (r->sess[i].in_use) media_relay__session_free(r, &r->sess[i]);
    if (r->allocated) MEDIA_RELAY_FREE(r);
}

MEDIA_RELAY_DEF int media_relay_leg_add(media_relay *r, media_relay_sid sid, uint64_t now_us)
{
    media_relay__session *s = media_relay__get(r, sid);
    unsigned n;
    int rc;
    if (!s) return MEDIA_RELAY_ERR_STALE;
    if (r->in_callback) return MEDIA_RELAY_ERR_STATE;
    for (n = 0; n < s->n_legs; n++)
        if (!s->legs[n].in_use) break;      /* reuse a removed leg's number */
    if (n >= r->cfg.max_legs) return MEDIA_RELAY_ERR_FULL;
    r->in_callback++;
    rc = media_relay__leg_open(r, s, n, now_us);
    r->in_callback--;
    if (rc != 0) return rc;
    if (n == s->n_legs) s->n_legs++;
    return (int)n;
}

MEDIA_RELAY_DEF int media_relay_leg_remove(media_relay *r, media_relay_sid sid, unsigned leg)
{
    media_relay__session *s = media_relay__get(r, sid);
    if (!s || leg >= s->n_legs || !s->legs[leg].in_use) return MEDIA_RELAY_ERR_STALE;
    if (r->in_callback) return MEDIA_RELAY_ERR_STATE;
    r->in_callback++;
    media_relay__leg_close(r, s, leg);
    r->in_callback--;
    return 0;
}

MEDIA_RELAY_DEF int media_relay_leg_set_peer(media_relay *r, media_relay_sid sid, unsigned leg,
                                             unsigned peer)
{
    media_relay__leg *l = media_relay__leg_get(r, sid, leg);
    if (!l) return MEDIA_RELAY_ERR_STALE;
    if (r->in_callback) return MEDIA_RELAY_ERR_STATE;
    if (peer != MEDIA_RELAY_NO_LEG && (peer == leg || !media_relay__leg_get(r, sid, peer)))
        return MEDIA_RELAY_ERR_INVALID;
    l->peer = peer;
    return 0;
}

MEDIA_RELAY_DEF int media_relay_leg_set_local(media_relay *r, media_relay_sid sid, unsigned leg,
                                              const char *addr)
{
    media_relay__leg *l = media_relay__leg_get(r, sid, leg);
    media_relay_addr a;
    size_t n;
    if (!l) return MEDIA_RELAY_ERR_STALE;
    if (!addr) return MEDIA_RELAY_ERR_INVALID;
    n = strlen(addr);
    if (media_relay_addr_parse(addr, n, 0, &a) != 0) return MEDIA_RELAY_ERR_INVALID;
    memcpy(l->local, addr, n + 1);
    return 0;
}

MEDIA_RELAY_DEF int media_relay_leg_set_remote(media_relay *r, media_relay_sid sid, unsigned leg,
                                               unsigned sock, const media_relay_addr *dst)
{
    media_relay__leg *l = media_relay__leg_get(r, sid, leg);
    if (!l) return MEDIA_RELAY_ERR_STALE;
    if (sock > MEDIA_RELAY_RTCP || !dst) return MEDIA_RELAY_ERR_INVALID;
    if (dst->family != MEDIA_RELAY_AF_NONE && dst->family != MEDIA_RELAY_AF_IPV4 &&
        dst->family != MEDIA_RELAY_AF_IPV6)
        return MEDIA_RELAY_ERR_INVALID;
    l->sock[sock].dest = *dst;
    l->sock[sock].adv = *dst;
    l->sock[sock].latched = 0;
    return 0;
}

MEDIA_RELAY_DEF int media_relay_leg_set_mux(media_relay *r, media_relay_sid sid, unsigned leg,
                                            int mux)
{
    media_relay__leg *l = media_relay__leg_get(r, sid, leg);
    if (!l) return MEDIA_RELAY_ERR_STALE;
    l->mux = mux != 0;
    return 0;
}

MEDIA_RELAY_DEF int media_relay_leg_ports(const media_relay *r, media_relay_sid sid, unsigned leg,
                                          uint16_t *rtp_port, uint16_t *rtcp_port)
{
    const media_relay__leg *l = media_relay__leg_get(r, sid, leg);
    if (!l) return MEDIA_RELAY_ERR_STALE;
    if (rtp_port) *rtp_port = l->rtp_port;
    if (rtcp_port) *rtcp_port = l->rtcp_port;
    return 0;
}

MEDIA_RELAY_DEF int media_relay_leg_stats(media_relay *r, media_relay_sid sid, unsigned leg,
                                          media_relay_stats *st)
{
    media_relay__leg *l = media_relay__leg_get(r, sid, leg);
    rtp_source *src;
    if (!l) return MEDIA_RELAY_ERR_STALE;
    if (!st) return MEDIA_RELAY_ERR_INVALID;
    *st = l->c;
    memset(&st->src, 0, sizeof st->src);
    st->have_source = 0;
    st->src_packets = st->src_octets = 0;
    st->src_clock_rate = 0;
    st->src_pt = -1;
    st->rtt_us = l->rtt_us;
    st->mos_x100 = 0;
    src = l->have_cur ? rtp_session_find(&l->st, l->cur_ssrc) : NULL;
    if (src) {
        st->have_source = 1;
        st->ssrc = src->ssrc;
        rtp_source_get_stats(src, &st->src);
        st->src_packets = src->packets;
        st->src_octets = src->octets;
        st->src_clock_rate = src->clock_rate;
        st->src_pt = l->cur_pt;
        st->mos_x100 = media_relay__mos(l->sess, l->cur_pt, st);
    }
    st->dest[0] = l->sock[0].dest;
    st->dest[1] = l->sock[1].dest;
    st->latched[0] = l->sock[0].latched;
    st->latched[1] = l->sock[1].latched;
    if (r->cb.mos) {
        r->in_callback++;
        st->mos_x100 = r->cb.mos(r->user, sid, leg, st);
        r->in_callback--;
    }
    return 0;
}

/* ---- SDP (RFC 8866, RFC 3264, RFC 3605, RFC 5761 §5.1) -------------------- */

static size_t media_relay__utoa(unsigned v, char *out)
{
    char t[10];
    size_t n = 0, i;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++) out[i] = t[n - 1 - i];
    return n;
}

static sdp_str media_relay__span(const char *p, size_t n)
{
    sdp_str s;
    s.p = p;
    s.len = n;
    return s;
}

/* Remember the advertised address of one socket; a change resets the
 * latch (a re-INVITE moved the endpoint), the same address keeps it. */
static void media_relay__advertise(media_relay__sock *k, const media_relay_addr *a)
{
    if (media_relay_addr_eq(&k->adv, a)) return;
    k->adv = *a;
    k->dest = *a;
    k->latched = 0;
}

static void media_relay__learn_rtpmap(media_relay__session *s, const sdp_media *m)
{
    unsigned i;
    for (i = 0; i < m->n_attrs; i++) {
        sdp_rtpmap rm;
        unsigned k;
        if (!sdp_str_eq_c(m->attrs[i].name, "rtpmap") || sdp_rtpmap_parse(m->attrs[i].value, &rm) != 0)
            continue;
        for (k = 0; k < s->n_dyn && s->dyn_pt[k] != rm.pt; k++) {}
        if (k == s->n_dyn) {
            if (s->n_dyn == MEDIA_RELAY__DYN) continue;
            s->n_dyn++;
        }
        s->dyn_pt[k] = (uint8_t)rm.pt;
        s->dyn_clock[k] = rm.clock_rate;
        s->dyn_codec[k] = media_relay__emodel_codec(rm.encoding.p, rm.encoding.len);
    }
}

/* What from_leg's endpoint advertised for section m (RFC 3264 §5, RFC 3605). */
static void media_relay__learn(media_relay__session *s, media_relay__leg *from,
                               media_relay__leg *to, const sdp_session *sd,
                               const sdp_media *m, int answer)
{
    const sdp_conn *c = sdp_media_conn(sd, m);
    unsigned f1 = 0, f2 = 0;
    const sdp_attr *ra = sdp_attr_next(m->attrs, m->n_attrs, "rtcp", &f1);
    int mux = sdp_attr_next(m->attrs, m->n_attrs, "rtcp-mux", &f2) != NULL;
    media_relay_addr rtp, rtcp;
    memset(&rtp, 0, sizeof rtp);
    memset(&rtcp, 0, sizeof rtcp);
    if (c && m->port != 0 &&
        media_relay_addr_parse(c->addr.p, c->addr.len, m->port, &rtp) == 0 &&
        !(rtp.family == MEDIA_RELAY_AF_IPV4 && !rtp.ip[0] && !rtp.ip[1] && !rtp.ip[2] && !rtp.ip[3])) {
        sdp_rtcp rc;
        rtcp = rtp;
        rtcp.port = (uint16_t)(m->port + 1);
        if (ra && sdp_rtcp_parse(ra->value, &rc) == 0) {
            media_relay_addr a2;
            rtcp.port = rc.port;
            if (rc.addr.p && media_relay_addr_parse(rc.addr.p, rc.addr.len, rc.port, &a2) == 0)
                rtcp = a2;
        }
    } else {
        memset(&rtp, 0, sizeof rtp);   /* hold (c=0.0.0.0), port 0, FQDN: latch only */
    }
    media_relay__advertise(&from->sock[MEDIA_RELAY_RTP], &rtp);
    media_relay__advertise(&from->sock[MEDIA_RELAY_RTCP], &rtcp);
    if (answer) from->mux = to->mux = (uint8_t)mux;
    media_relay__learn_rtpmap(s, m);
}

/* Copy the attributes into sdp_attrs2, rewriting section mi's a=rtcp. */
static int media_relay__rewrite_attrs(media_relay *r, const media_relay__leg *to, unsigned mi,
                                      int drop_rtcp, const char *at)
{
    sdp_session *sd = &r->sdp;
    sdp_attr *o = r->sdp_attrs2;
    unsigned n = 0, i, k;
    size_t tl = 0;
    int seen = 0;
    for (i = 0; i < sd->n_attrs; i++) o[n++] = sd->attrs[i];
    sd->attrs = o;
    for (k = 0; k < sd->n_media; k++) {
        sdp_media *m = &sd->media[k];
        const sdp_attr *a = m->attrs;
        unsigned na = m->n_attrs;
        m->attrs = o + n;
        m->n_attrs = 0;
        for (i = 0; i < na; i++) {
            sdp_attr x = a[i];
            if (k == mi && sdp_str_eq_c(x.name, "rtcp")) {
                sdp_rtcp rc;
                seen = 1;
                if (drop_rtcp) continue;
                tl = media_relay__utoa(to->rtcp_port, r->sdp_text);
                if (sdp_rtcp_parse(x.value, &rc) == 0 && rc.addr.p) {
                    size_t al = strlen(to->local);
                    memcpy(r->sdp_text + tl, " IN ", 4);
                    memcpy(r->sdp_text + tl + 4, at, 3);
                    r->sdp_text[tl + 7] = ' ';
                    memcpy(r->sdp_text + tl + 8, to->local, al);
                    tl += 8 + al;
                }
                x.value = media_relay__span(r->sdp_text, tl);
            }
            o[n++] = x;
            m->n_attrs++;
        }
        if (k == mi && !seen && !drop_rtcp && to->rtcp_port != (uint16_t)(to->rtp_port + 1)) {
            if (n >= MEDIA_RELAY_SDP_MAX_ATTRS + 1) return MEDIA_RELAY_ERR_SDP;
            tl = media_relay__utoa(to->rtcp_port, r->sdp_text);
            o[n].name = media_relay__span("rtcp", 4);
            o[n++].value = media_relay__span(r->sdp_text, tl);
            m->n_attrs++;
        }
    }
    return 0;
}

MEDIA_RELAY_DEF int media_relay_sdp_rewrite(media_relay *r, media_relay_sid sid,
                                            unsigned from_leg, unsigned to_leg,
                                            unsigned m_index, unsigned flags,
                                            const char *in, size_t in_len,
                                            char *out, size_t cap, size_t *needed)
{
    media_relay__session *s = media_relay__get(r, sid);
    media_relay__leg *from, *to;
    sdp_session *sd;
    sdp_media *m;
    const char *at;
    unsigned k;
    int answer = (flags & MEDIA_RELAY_SDP_ANSWER) != 0, rc;
    if (!s) return MEDIA_RELAY_ERR_STALE;
    if (r->in_callback) return MEDIA_RELAY_ERR_STATE;
    if (!in || from_leg == to_leg || flags > 3) return MEDIA_RELAY_ERR_INVALID;
    from = media_relay__leg_get(r, sid, from_leg);
    to = media_relay__leg_get(r, sid, to_leg);
    if (!from || !to) return MEDIA_RELAY_ERR_STALE;
    sd = &r->sdp;
    if (sdp_parse(in, in_len, SDP_PARSE_LENIENT, sd, r->sdp_attrs, MEDIA_RELAY_SDP_MAX_ATTRS,
                  r->sdp_sections, MEDIA_RELAY_SDP_MAX_MEDIA, NULL) != 0 ||
        m_index >= sd->n_media)
        return MEDIA_RELAY_ERR_SDP;
    m = &sd->media[m_index];
    media_relay__learn(s, from, to, sd, m, answer);
    at = strchr(to->local, ':') ? "IP6" : "IP4";
    if (sd->has_conn) {
        sd->conn.addrtype = media_relay__span(at, 3);
        sd->conn.addr = media_relay__span(to->local, strlen(to->local));
    }
    for (k = 0; k < m->n_conn; k++) {
        m->conn[k].addrtype = media_relay__span(at, 3);
        m->conn[k].addr = media_relay__span(to->local, strlen(to->local));
    }
    if (m->port != 0) m->port = to->rtp_port;
    if (flags & MEDIA_RELAY_SDP_REJECT_OTHERS)
        for (k = 0; k < sd->n_media; k++)
            if (k != m_index) sd->media[k].port = 0;
    rc = media_relay__rewrite_attrs(r, to, m_index, answer && to->mux, at);
    if (rc != 0) return rc;
    rc = sdp_print(sd, out, cap, needed);
    if (rc == SDP_ERR_NOSPACE) return MEDIA_RELAY_ERR_NOSPACE;
    return rc < 0 ? MEDIA_RELAY_ERR_SDP : rc;
}

/* ---- packets ------------------------------------------------------------ */

static void media_relay__event(media_relay *r, media_relay__session *s,
                               media_relay_event_kind kind, unsigned leg, unsigned sock,
                               const media_relay_addr *a, uint32_t o, uint32_t n)
{
    media_relay_event ev;
    if (!r->cb.on_event) return;
    ev.kind = kind;
    ev.leg = leg;
    ev.sock = sock;
    ev.addr = a;
    ev.old_ssrc = o;
    ev.new_ssrc = n;
    r->cb.on_event(r->user, media_relay__sid(r, s), &ev);
}

/* Symmetric RTP (RFC 4961 §4): follow the first source; afterwards only a
 * configured re-latch moves it. Returns 0 to accept the packet. */
static int media_relay__latch(media_relay *r, media_relay__session *s, unsigned leg,
                              unsigned sock, const media_relay_addr *src, uint64_t now_us)
{
    media_relay__sock *k = &s->legs[leg].sock[sock];
    if (k->latched && media_relay_addr_eq(&k->dest, src)) {
        k->last_us = now_us;
        return 0;
    }
    if (k->latched && !r->cfg.allow_relatch &&
        !(r->cfg.relatch_silence_us > 0 && now_us - k->last_us >= r->cfg.relatch_silence_us &&
          now_us >= k->last_us)) {
        s->legs[leg].c.dropped_foreign++;
        return MEDIA_RELAY_ERR_FOREIGN;
    }
    k->dest = *src;
    k->last_us = now_us;
    if (k->latched) {
        s->legs[leg].c.relatches++;
        media_relay__event(r, s, MEDIA_RELAY_EV_RELATCHED, leg, sock, &k->dest, 0, 0);
    } else {
        k->latched = 1;
        media_relay__event(r, s, MEDIA_RELAY_EV_LATCHED, leg, sock, &k->dest, 0, 0);
    }
    return 0;
}

static void media_relay__put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void media_relay__put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t media_relay__get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Send from leg `to`'s socket; counts, record hook. */
static int media_relay__send(media_relay *r, media_relay__session *s, unsigned from,
                             unsigned to, unsigned kind, const uint8_t *pkt, size_t len,
                             uint64_t now_us)
{
    media_relay__leg *t = &s->legs[to];
    unsigned sock = kind == MEDIA_RELAY_RTCP && !t->mux ? MEDIA_RELAY_RTCP : MEDIA_RELAY_RTP;
    const media_relay_addr *dst = &t->sock[sock].dest;
    media_relay_sid sid = media_relay__sid(r, s);
    int rc;
    if (dst->family == MEDIA_RELAY_AF_NONE) {
        if (from < MEDIA_RELAY_MIXER) s->legs[from].c.dropped_no_dest++;
        return 0;
    }
    r->in_callback++;
    rc = r->cb.send(r->user, sid, to, sock, dst, pkt, len);
    if (rc == 0 && r->cb.record) r->cb.record(r->user, sid, from, to, kind, pkt, len, now_us);
    r->in_callback--;
    if (rc != 0) {
        t->c.send_errors++;
        return MEDIA_RELAY_ERR_CALLBACK;
    }
    if (kind == MEDIA_RELAY_RTP) t->c.rtp_out++;
    else t->c.rtcp_out++;
    t->c.bytes_out += len;
    return 1;
}

/* Continuity of the stream toward a leg (RFC 3550 §5.1): map a packet of
 * (from, h) onto it; returns nonzero when the source just changed. */
static int media_relay__map(media_relay__session *s, media_relay__out *o, unsigned from,
                            const rtp_header *h, uint64_t now_us, uint16_t *seq, uint32_t *ts)
{
    int changed = 0;
    if (!o->have) {
        o->have = 1;
        o->out_ssrc = o->in_ssrc = h->ssrc;
        o->in_leg = from;
        o->seq_delta = 0;
        o->ts_delta = 0;
        o->last_seq = (uint16_t)(h->seq - 1);
        o->last_ts = h->timestamp;
        o->last_us = now_us;
    } else if (o->in_ssrc != h->ssrc || o->in_leg != from) {
        uint64_t gap = now_us > o->last_us
            ? (now_us - o->last_us) * media_relay__clock(s, h->payload_type) / 1000000u : 0;
        if (gap == 0) gap = 1;
        if (gap > 0x7FFFFFFFu) gap = 0x7FFFFFFFu;
        o->seq_delta = (uint16_t)(o->last_seq + 1u - h->seq);
        o->ts_delta = (uint32_t)(o->last_ts + (uint32_t)gap - h->timestamp);
        o->in_ssrc = h->ssrc;
        o->in_leg = from;
        changed = 1;
    }
    *seq = (uint16_t)(h->seq + o->seq_delta);
    *ts = h->timestamp + o->ts_delta;
    if (changed || (int16_t)(*seq - o->last_seq) > 0) {
        o->last_seq = *seq;
        o->last_ts = *ts;
    }
    o->last_us = now_us;
    return changed;
}

static void media_relay__stats_rtp(media_relay *r, media_relay__leg *l, const uint8_t *pkt,
                                   size_t len, uint32_t ssrc, uint64_t now_us)
{
    /* A.1/A.8 bookkeeping only; the verdict does not gate forwarding. */
    if (rtp_session_on_rtp(&l->st, pkt, len, 0, now_us, NULL) == RTP_ERR_FULL &&
        media_relay__st_init(r, l, now_us) == 0)   /* many SSRCs over time: fresh table */
        (void)rtp_session_on_rtp(&l->st, pkt, len, 0, now_us, NULL);
    l->cur_ssrc = ssrc;
    l->have_cur = 1;
    l->cur_pt = (uint8_t)(pkt[1] & 0x7Fu);
}

static int media_relay__forward_rtp(media_relay *r, media_relay__session *s, unsigned from,
                                    const uint8_t *pkt, size_t len, const rtp_header *h,
                                    uint64_t now_us)
{
    unsigned to = s->legs[from].peer;
    media_relay__leg *t;
    uint16_t seq;
    uint32_t ts;
    uint8_t *b = r->pkt;
    if (to == MEDIA_RELAY_NO_LEG || to >= s->n_legs || to == from || !s->legs[to].in_use) {
        s->legs[from].c.dropped_no_dest++;
        return 0;
    }
    t = &s->legs[to];
    if (t->sock[MEDIA_RELAY_RTP].dest.family == MEDIA_RELAY_AF_NONE) {
        s->legs[from].c.dropped_no_dest++;
        return 0;
    }
    {
        uint32_t old = t->out.in_ssrc;
        int had = t->out.have;
        if (media_relay__map(s, &t->out, from, h, now_us, &seq, &ts) && had) {
            t->c.source_changes++;
            memcpy(b, pkt, len);
            /* marker: talkspurt start; not for video clocks (end of frame)
             * nor PT 64..95, where M would make the packet demultiplex as
             * RTCP (RFC 5761 §4; fuzz finding) */
            if (media_relay__clock(s, h->payload_type) != 90000 &&
                (h->payload_type < 64 || h->payload_type > 95))
                b[1] |= 0x80;
            media_relay__event(r, s, MEDIA_RELAY_EV_SOURCE_CHANGE, to, MEDIA_RELAY_RTP, NULL,
                               old, h->ssrc);
        } else {
            memcpy(b, pkt, len);
        }
    }
    media_relay__put16(b + 2, seq);
    media_relay__put32(b + 4, ts);
    media_relay__put32(b + 8, t->out.out_ssrc);
    return media_relay__send(r, s, from, to, MEDIA_RELAY_RTP, b, len, now_us);
}

/* SSRC maps for RTCP from leg `from` toward `to` (RFC 3550 §6.4). */
typedef struct media_relay__rmap {
    const media_relay__out *fwd;   /* stream toward `to` (maybe from `from`) */
    const media_relay__out *back;  /* stream toward `from` (what it reports on) */
    unsigned from, to;
    media_relay__leg *fl, *tl;     /* the legs (RTT bookkeeping), or NULL */
    uint64_t now_us;
} media_relay__rmap;

/* RFC 3550 §6.4.1 round trip between the relay and leg fl's endpoint: a
 * report block from it whose LSR names an SR we forwarded toward it.
 * RTT = arrival - departure - DLSR (1/65536 s). */
static void media_relay__rtt_block(const media_relay__rmap *m, const rtcp_report_block *rb)
{
    unsigned k;
    uint64_t dlsr_us, sent;
    if (!m->fl || !rb->lsr) return;
    for (k = 0; k < MEDIA_RELAY__SR_MEM; k++) {
        if (m->fl->sr_lsr[k] != rb->lsr || !m->fl->sr_sent_us[k]) continue;
        dlsr_us = ((uint64_t)rb->dlsr * 1000000u) >> 16;
        sent = m->fl->sr_sent_us[k];
        if (m->now_us >= sent + dlsr_us && m->now_us - sent - dlsr_us <= 0xFFFFFFFFu)
            m->fl->rtt_us = (uint32_t)(m->now_us - sent - dlsr_us);
        return;
    }
}

/* An SR leaving toward leg tl: remember its NTP middle 32 bits (the LSR
 * tl's endpoint will quote) and when it left. */
static void media_relay__rtt_sr(const media_relay__rmap *m, uint64_t ntp)
{
    media_relay__leg *t = m->tl;
    if (!t) return;
    t->sr_lsr[t->sr_next] = (uint32_t)(ntp >> 16);
    t->sr_sent_us[t->sr_next] = m->now_us ? m->now_us : 1;
    t->sr_next = (uint8_t)((t->sr_next + 1u) % MEDIA_RELAY__SR_MEM);
}

static uint32_t media_relay__map_sender(const media_relay__rmap *m, uint32_t x)
{
    if (m->fwd->have && m->fwd->in_leg == m->from && m->fwd->in_ssrc == x) return m->fwd->out_ssrc;
    return x;
}

static uint32_t media_relay__map_media(const media_relay__rmap *m, uint32_t x)
{
    if (m->back->have && m->back->in_leg == m->to && m->back->out_ssrc == x) return m->back->in_ssrc;
    return x;
}

static void media_relay__map_word(const media_relay__rmap *m, uint8_t *p, int media)
{
    uint32_t x = media_relay__get32(p);
    media_relay__put32(p, media ? media_relay__map_media(m, x) : media_relay__map_sender(m, x));
}

/* SR / RR: parsed and rebuilt with rtp.h, then the rebuilt fixed part
 * copied over the packet (its length word, padding and profile extension
 * stay as they were). */
static int media_relay__rewrite_report(const media_relay__rmap *m, const rtcp_packet *p,
                                       uint8_t *dst)
{
    rtcp_report rep;
    rtcp_report_block rb[31];
    uint8_t tmp[8 + 20 + 31 * 24];
    unsigned i;
    int n;
    if (rtcp_report_parse(p, &rep) != 0) return MEDIA_RELAY_ERR_PACKET;
    for (i = 0; i < rep.rb_count; i++) {
        rtcp_report_block_get(&rep, i, &rb[i]);
        media_relay__rtt_block(m, &rb[i]);
        if (m->back->have && m->back->in_leg == m->to && m->back->out_ssrc == rb[i].ssrc) {
            uint32_t d = m->back->seq_delta;
            rb[i].ssrc = m->back->in_ssrc;
            rb[i].ext_highest_seq = rb[i].ext_highest_seq >= d
                ? rb[i].ext_highest_seq - d : (rb[i].ext_highest_seq - d) & 0xFFFFu;
        }
    }
    if (rep.is_sr && m->fwd->have && m->fwd->in_leg == m->from && m->fwd->in_ssrc == rep.ssrc)
        rep.si.rtp_ts += m->fwd->ts_delta;
    if (rep.is_sr) media_relay__rtt_sr(m, rep.si.ntp);
    n = rtcp_report_build(media_relay__map_sender(m, rep.ssrc), rep.is_sr ? &rep.si : NULL, rb,
                          rep.rb_count, tmp, sizeof tmp, NULL);
    if (n < 8) return MEDIA_RELAY_ERR_PACKET;
    memcpy(dst + 4, tmp + 4, (size_t)n - 4);
    return 0;
}

/* SDES chunks (RFC 3550 §6.5): each chunk's SSRC/CSRC. */
static void media_relay__rewrite_sdes(const media_relay__rmap *m, uint8_t *body, size_t len,
                                      unsigned chunks)
{
    size_t pos = 0;
    unsigned c;
    for (c = 0; c < chunks && pos + 4 <= len; c++) {
        media_relay__map_word(m, body + pos, 0);
        pos += 4;
        while (pos < len && body[pos] != 0) {   /* items: type, length, text */
            if (pos + 2 > len) return;
            pos += 2u + body[pos + 1];
        }
        pos = (pos + 4u) & ~(size_t)3u;        /* the null item, then to 32 bits */
    }
}

static int media_relay__rewrite_rtcp(const media_relay__rmap *m, uint8_t *b, size_t len)
{
    rtcp_walker w;
    rtcp_packet p;
    int rc;
    rtcp_walk_init(&w, b, len, RTCP_REDUCED_SIZE);
    while ((rc = rtcp_walk_next(&w, &p)) == 1) {
        uint8_t *q = b + (p.raw - b);
        uint8_t *body = q + 4;
        size_t bl = p.body.len, i;
        switch (p.pt) {
        case RTCP_SR: case RTCP_RR:
            if (media_relay__rewrite_report(m, &p, q) != 0) return MEDIA_RELAY_ERR_PACKET;
            break;
        case RTCP_SDES:
            media_relay__rewrite_sdes(m, body, bl, p.count);
            break;
        case RTCP_BYE:
            for (i = 0; i < p.count && 4 * i + 4 <= bl; i++) media_relay__map_word(m, body + 4 * i, 0);
            break;
        case RTCP_RTPFB: case RTCP_PSFB:   /* RFC 4585 §6.1: sender, media source */
            if (bl >= 8) {
                media_relay__map_word(m, body, 0);
                media_relay__map_word(m, body + 4, 1);
            }
            break;
        case RTCP_APP: case RTCP_XR:
            if (bl >= 4) media_relay__map_word(m, body, 0);
            break;
        default:
            break;
        }
    }
    return rc == 0 ? 0 : MEDIA_RELAY_ERR_PACKET;
}

static int media_relay__forward_rtcp(media_relay *r, media_relay__session *s, unsigned from,
                                     const uint8_t *pkt, size_t len, uint64_t now_us)
{
    unsigned to = s->legs[from].peer;
    media_relay__rmap m;
    if (to == MEDIA_RELAY_NO_LEG || to >= s->n_legs || to == from || !s->legs[to].in_use) {
        s->legs[from].c.dropped_no_dest++;
        return 0;
    }
    m.fwd = &s->legs[to].out;
    m.back = &s->legs[from].out;
    m.from = from;
    m.to = to;
    m.fl = &s->legs[from];
    m.tl = &s->legs[to];
    m.now_us = now_us;
    memcpy(r->pkt, pkt, len);
    if (media_relay__rewrite_rtcp(&m, r->pkt, len) != 0) {
        s->legs[from].c.dropped_invalid++;
        return MEDIA_RELAY_ERR_PACKET;
    }
    return media_relay__send(r, s, from, to, MEDIA_RELAY_RTCP, r->pkt, len, now_us);
}

/* ---- mixer -------------------------------------------------------------- */

/* Queue a G.711 frame in the leg's 4-frame window. */
static int media_relay__mix_put(media_relay__leg *l, const rtp_header *h)
{
    unsigned k;
    size_t n = h->payload.len;
    int d;
    uint8_t *dst;
    if ((h->payload_type != 0 && h->payload_type != 8) || n == 0) {
        l->c.dropped_invalid++;
        return MEDIA_RELAY_ERR_PACKET;
    }
    if (!l->mix_started) {
        l->mix_started = 1;
        l->play_seq = h->seq;
    }
    d = (int16_t)(uint16_t)(h->seq - l->play_seq);
    if (d < 0) {
        l->c.dropped_late++;
        return 0;
    }
    if (d >= (int)MEDIA_RELAY__SLOTS) {       /* far ahead: resynchronise */
        memset(l->slot_valid, 0, sizeof l->slot_valid);
        l->play_seq = h->seq;
        if (l->mix_playing) l->c.dropped_late++;
    }
    k = h->seq % MEDIA_RELAY__SLOTS;
    dst = l->slot + k * MEDIA_RELAY_FRAME_SAMPLES;
    if (n > MEDIA_RELAY_FRAME_SAMPLES) n = MEDIA_RELAY_FRAME_SAMPLES;
    memcpy(dst, h->payload.p, n);
    memset(dst + n, h->payload_type == 8 ? 0xD5 : 0xFF, MEDIA_RELAY_FRAME_SAMPLES - n);
    l->slot_seq[k] = h->seq;
    l->slot_valid[k] = 1;
    l->slot_pt[k] = h->payload_type;
    l->mix_pt = h->payload_type;
    return 0;
}

/* This tick's frame of a leg into pcm; returns 1 when it had one. */
static int media_relay__mix_pop(media_relay__leg *l, int16_t *pcm)
{
    unsigned k;
    if (!l->mix_started) return 0;
    if (!l->mix_playing) {
        l->mix_playing = 1;
    }
    k = l->play_seq % MEDIA_RELAY__SLOTS;
    l->play_seq++;
    if (!l->slot_valid[k] || l->slot_seq[k] != (uint16_t)(l->play_seq - 1)) return 0;
    l->slot_valid[k] = 0;
    if (l->slot_pt[k] == 8)
        rtp_alaw_decode_buf(l->slot + k * MEDIA_RELAY_FRAME_SAMPLES, MEDIA_RELAY_FRAME_SAMPLES, pcm);
    else
        rtp_ulaw_decode_buf(l->slot + k * MEDIA_RELAY_FRAME_SAMPLES, MEDIA_RELAY_FRAME_SAMPLES, pcm);
    return 1;
}

/* One 20 ms tick: N-1 mix for every leg with a destination. */
static int media_relay__mix_tick(media_relay *r, media_relay__session *s, uint64_t now_us)
{
    int32_t sum[MEDIA_RELAY_FRAME_SAMPLES];
    int16_t mixed[MEDIA_RELAY_FRAME_SAMPLES];
    uint8_t code[MEDIA_RELAY_FRAME_SAMPLES];
    unsigned i, n, sent = 0;
    memset(sum, 0, sizeof sum);
    for (i = 0; i < s->n_legs; i++) {
        int16_t *pcm = r->pcm + i * MEDIA_RELAY_FRAME_SAMPLES;
        r->have[i] = s->legs[i].in_use && media_relay__mix_pop(&s->legs[i], pcm);
        if (r->have[i])
            for (n = 0; n < MEDIA_RELAY_FRAME_SAMPLES; n++) sum[n] += pcm[n];
    }
    for (i = 0; i < s->n_legs; i++) {
        media_relay__leg *l = &s->legs[i];
        const int16_t *own = r->pcm + i * MEDIA_RELAY_FRAME_SAMPLES;
        rtp_packet_desc d;
        int len;
        if (!l->in_use || l->sock[MEDIA_RELAY_RTP].dest.family == MEDIA_RELAY_AF_NONE) continue;
        for (n = 0; n < MEDIA_RELAY_FRAME_SAMPLES; n++) {
            int32_t v = sum[n] - (r->have[i] ? own[n] : 0);
            mixed[n] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
        }
        if (l->mix_pt == 8) rtp_alaw_encode_buf(mixed, MEDIA_RELAY_FRAME_SAMPLES, code);
        else rtp_ulaw_encode_buf(mixed, MEDIA_RELAY_FRAME_SAMPLES, code);
        memset(&d, 0, sizeof d);
        d.marker = l->mix_first;
        d.payload_type = l->mix_pt == 8 ? 8 : 0;
        d.seq = l->mix_seq;
        d.timestamp = l->mix_ts;
        d.ssrc = l->mix_ssrc;
        d.payload = code;
        d.payload_len = MEDIA_RELAY_FRAME_SAMPLES;
        len = rtp_build(&d, r->pkt, r->cfg.max_packet, NULL);
        if (len < 0) continue;
        l->mix_first = 0;
        l->mix_seq++;
        l->mix_ts += MEDIA_RELAY_FRAME_SAMPLES;
        if (media_relay__send(r, s, MEDIA_RELAY_MIXER, i, MEDIA_RELAY_RTP, r->pkt, (size_t)len,
                              now_us) == 1)
            sent++;
    }
    return (int)sent;
}

/* ---- input -------------------------------------------------------------- */

MEDIA_RELAY_DEF int media_relay_on_packet(media_relay *r, media_relay_sid sid, unsigned leg,
                                          unsigned sock, const media_relay_addr *src,
                                          const uint8_t *pkt, size_t len, uint64_t now_us)
{
    media_relay__session *s = media_relay__get(r, sid);
    media_relay__leg *l;
    rtp_demux_kind kind;
    rtp_header h;
    int rc;
    if (!s) return MEDIA_RELAY_ERR_STALE;
    if (r->in_callback) return MEDIA_RELAY_ERR_STATE;
    if (leg >= s->n_legs || !s->legs[leg].in_use) return MEDIA_RELAY_ERR_STALE;
    if (sock > MEDIA_RELAY_RTCP || !src || (!pkt && len)) return MEDIA_RELAY_ERR_INVALID;
    l = &s->legs[leg];
    if (len > r->cfg.max_packet) {
        l->c.dropped_invalid++;
        return MEDIA_RELAY_ERR_TOO_BIG;
    }
    kind = rtp_demux(pkt, len);   /* RFC 5761 §4, RFC 7983 */
    if (kind != RTP_DEMUX_RTCP && (kind != RTP_DEMUX_RTP || sock == MEDIA_RELAY_RTCP)) {
        l->c.dropped_invalid++;
        return MEDIA_RELAY_ERR_PACKET;
    }
    if (kind == RTP_DEMUX_RTP ? rtp_parse(pkt, len, &h) != 0
                              : rtcp_compound_check(pkt, len, RTCP_REDUCED_SIZE) < 0) {
        l->c.dropped_invalid++;
        return MEDIA_RELAY_ERR_PACKET;
    }
    if ((rc = media_relay__latch(r, s, leg, sock, src, now_us)) != 0) return rc;
    s->last_activity_us = now_us;
    s->inactive_sent = 0;
    l->c.bytes_in += len;
    if (kind == RTP_DEMUX_RTCP) {
        l->c.rtcp_in++;
        if (s->mix) return 0;
        return media_relay__forward_rtcp(r, s, leg, pkt, len, now_us);
    }
    l->c.rtp_in++;
    media_relay__stats_rtp(r, l, pkt, len, h.ssrc, now_us);
    if (s->mix) return media_relay__mix_put(l, &h);
    return media_relay__forward_rtp(r, s, leg, pkt, len, &h, now_us);
}

/* ---- timers ------------------------------------------------------------- */

static uint64_t media_relay__session_deadline(const media_relay *r, const media_relay__session *s)
{
    uint64_t d = UINT64_MAX;
    if (r->cfg.inactivity_us > 0 && !s->inactive_sent)
        d = s->last_activity_us + r->cfg.inactivity_us;
    if (s->mix && s->next_tick_us < d) d = s->next_tick_us;
    return d;
}

MEDIA_RELAY_DEF uint64_t media_relay_next_deadline(const media_relay *r)
{
    uint64_t d = UINT64_MAX;
    unsigned i;
    if (!r) return d;
    for (i = 0; i < r->cfg.max_sessions; i++) {
        uint64_t x;
        if (!r->sess[i].in_use) continue;
        x = media_relay__session_deadline(r, &r->sess[i]);
        if (x < d) d = x;
    }
    return d;
}

MEDIA_RELAY_DEF int media_relay_on_timeout(media_relay *r, uint64_t now_us)
{
    unsigned i;
    int sent = 0;
    if (!r) return MEDIA_RELAY_ERR_INVALID;
    if (r->in_callback) return MEDIA_RELAY_ERR_STATE;
    for (i = 0; i < r->cfg.max_sessions; i++) {
        media_relay__session *s = &r->sess[i];
        unsigned ticks = 0;
        if (!s->in_use) continue;
        while (s->mix && s->next_tick_us <= now_us) {
            if (ticks++ == 5) {   /* far behind: skip to now, no burst */
                s->next_tick_us += (now_us - s->next_tick_us) / MEDIA_RELAY_FRAME_US
                                   * MEDIA_RELAY_FRAME_US + MEDIA_RELAY_FRAME_US;
                break;
            }
            sent += media_relay__mix_tick(r, s, now_us);
            s->next_tick_us += MEDIA_RELAY_FRAME_US;
        }
        if (r->cfg.inactivity_us > 0 && !s->inactive_sent &&
            now_us >= s->last_activity_us + r->cfg.inactivity_us) {
            s->inactive_sent = 1;
            r->in_callback++;
            media_relay__event(r, s, MEDIA_RELAY_EV_INACTIVE, MEDIA_RELAY_NO_LEG, 0, NULL, 0, 0);
            r->in_callback--;
        }
    }
    return sent;
}

#endif /* MEDIA_RELAY_IMPLEMENTATION */

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
