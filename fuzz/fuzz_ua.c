/* fuzz_ua.c - sip_dialog.h: the UA core driven by a peer and an
 * application, both scripted by the input.
 *
 * Byte 0 configures the limits (bits 0-1: max sessions 1..4, bits 2-3:
 * max dialogs 1..8 step 2, bit 4: max registrations 1 or 2, bit 5: an
 * outbound proxy, bits 6-7: max subscriptions 1..4). Byte 1 configures
 * the extensions (bit 0: 100rel supported, required with bit 1; bit 2:
 * session timers and Recv-Info "dtmf", bits 3-4: Session-Expires 90..180
 * step 30). Then each operation is an opcode byte and arguments:
 *   op % 8 == 0: a new INVITE from the peer: Call-ID (1 byte, 4 values),
 *               From tag (1), CSeq (1), body (1: none, offer, hold offer,
 *               garbage, sipfrag, cut sipfrag, PIDF), then 1 byte: % 3
 *               Record-Route (none, loose, strict), / 3 % 4 Replaces or
 *               Join naming a dialog of the UA (none, Replaces, Replaces
 *               early-only, Join), / 12 % 4 extension headers (none,
 *               Supported 100rel+timer / Session-Expires, Require 100rel,
 *               Supported 100rel / Session-Expires refresher=uas / Min-SE)
 *            1: a response to one of the last requests the UA sent (1 byte:
 *               which), status (2 bytes -> 100..699), To tag (1: bit 2
 *               challenge kind, bit 3 no tag, bit 4 Expires, 0 with bit 6,
 *               bit 5 Refer-Sub: false), body (1), extensions (1: bit 0
 *               Require: 100rel and an RSeq of 1 + bits 1-3, bit 4
 *               Session-Expires / Min-SE / Allow UPDATE, refresher=uas with
 *               bit 5)
 *            2: an in-dialog request to the UA: method (1: BYE, INVITE,
 *               ACK, OPTIONS, CANCEL, MESSAGE, INFO, SUBSCRIBE, NOTIFY,
 *               REFER, PRACK, UPDATE), which dialog the peer knows (1),
 *               CSeq (1), body (1), event headers (1: Event, Expires,
 *               Subscription-State with reasons, Refer-To with Replaces,
 *               Refer-Sub), selector (1: bit 0 the Call-ID of one of the
 *               UA's messages, bit 1 another From tag, bits 2-3 extension
 *               header: none, RAck from the UA's last RSeq with CSeq bits
 *               4-7, Info-Package, Session-Expires)
 *            3: time step (2 bytes, ms), then on_timeout at the deadline
 *               or now, whichever is earlier
 *            4: application: action (1, % 24: call, answer 180/183/200,
 *               reject, cancel, hang up, re-INVITE hold/resume, register,
 *               unregister, MESSAGE, call state, subscribe, unsubscribe,
 *               accept / reject a subscription, NOTIFY, REFER blind / with
 *               Replaces, call the Refer-To, sipfrag NOTIFY, subscription
 *               state, reliable or unreliable 180/183, UPDATE, INFO) on a
 *               recorded handle (1; some indexes give forged handles)
 *            5: raw message (1 length byte, then bytes)
 *            6: send failures on/off
 *            7: the 2xx retransmission: deliver the last UA message again
 *               to the UA itself (loopback)
 * Checked: calls, dialogs, registrations and subscriptions stay within
 * the limits; every stale or forged handle is rejected with a defined
 * error; after on_timeout the deadline is later than now; sip_ua_destroy
 * frees every allocation (counted through the MALLOC macros; ASan checks
 * the rest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long fz_live_allocs;
static void *fz_malloc(size_t n)
{
    void *p = malloc(n);
    if (p) fz_live_allocs++;
    return p;
}
static void fz_free(void *p)
{
    if (p) fz_live_allocs--;
    free(p);
}
#define SIP_TRANSACTION_MALLOC(n) fz_malloc(n)
#define SIP_TRANSACTION_FREE(p) fz_free(p)
#define SIP_DIALOG_MALLOC(n) fz_malloc(n)
#define SIP_DIALOG_FREE(p) fz_free(p)
#define CVOIP_IMPLEMENTATION
#include "sip.h"
#include "sip_transport.h"
#include "sip_transaction.h"
#include "sdp.h"
#include "sip_dialog.h"
#include "fuzz.h"

#define NQ 8
#define NH 8

typedef struct fz {
    sip_ua ua;
    const uint8_t *d;
    size_t n, pos;
    uint64_t now;
    int fail;
    uint32_t rng;
    char sent[NQ][4096];
    size_t sent_len[NQ];
    int nsent;
    sip_ua_call calls[NH];
    sip_ua_reg regs[NH];
    sip_ua_sub subs[NH];
    int ncalls, nregs, nsubs;
    sdp_local local;
    char peer_tag[NH][24];
    char ua_tag[NH][24];
    char cid[NH][24];
    int ndlg;
} fz;

static int fz_byte(fz *f)
{
    return f->pos < f->n ? f->d[f->pos++] : 0;
}

static int fz_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    fz *f = (fz *)user;
    int k = f->nsent++ % NQ;
    (void)to;
    if (len >= sizeof f->sent[0]) len = sizeof f->sent[0] - 1;
    memcpy(f->sent[k], msg, len);
    f->sent[k][len] = 0;
    f->sent_len[k] = len;
    return f->fail ? -1 : 0;
}

static int fz_rand(void *user, uint8_t *buf, size_t n)
{
    fz *f = (fz *)user;
    size_t i;
    for (i = 0; i < n; i++) {
        f->rng = f->rng * 1103515245u + 12345u;
        buf[i] = (uint8_t)(f->rng >> 16);
    }
    return 0;
}

static void fz_event(void *user, const sip_ua_event *ev)
{
    fz *f = (fz *)user;
    size_t i;
    if (ev->type == SIP_UA_EV_INCOMING_CALL && f->ncalls < NH) f->calls[f->ncalls++] = ev->call;
    if ((ev->type == SIP_UA_EV_SUBSCRIBE || ev->type == SIP_UA_EV_REFER ||
         (ev->type == SIP_UA_EV_NOTIFY && ev->forked_from)) && f->nsubs < NH)
        f->subs[f->nsubs++] = ev->sub;
    if (ev->type == SIP_UA_EV_REFER) FUZZ_CHECK(ev->refer_to.p != NULL && ev->referred_by.p != NULL);
    for (i = 0; i < ev->n_media; i++) FUZZ_CHECK(ev->media != NULL);
    /* a command from inside the event must not break anything */
    FUZZ_CHECK(sip_ua_on_timeout(&f->ua, f->now) == SIP_UA_ERR_STATE);
    FUZZ_CHECK(sip_ua_destroy(&f->ua) == SIP_UA_ERR_STATE);
}

static int fz_creds(void *user, sip_str realm, char *u, size_t uc, char *p, size_t pc)
{
    (void)user; (void)realm;
    snprintf(u, uc, "alice");
    snprintf(p, pc, "secret");
    return 0;
}

static const char *OFFER =
    "v=0\r\no=peer 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
    "m=audio 5004 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n";
static const char *HOLD =
    "v=0\r\no=peer 1 2 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
    "m=audio 5004 RTP/AVP 0\r\na=sendonly\r\n";

static const char *fz_body(int k, const char **ct)
{
    *ct = "Content-Type: application/sdp\r\n";
    switch (k % 7) {
    case 1: return OFFER;
    case 2: return HOLD;
    case 3: return "v=0\r\nx";
    case 4: *ct = "Content-Type: message/sipfrag\r\n"; return "SIP/2.0 200 OK\r\n";
    case 5: *ct = "Content-Type: message/sipfrag\r\n"; return "SIP/2.0 1";
    case 6: *ct = "Content-Type: application/pidf+xml\r\n"; return "<presence/>";
    default: *ct = ""; return "";
    }
}

static void fz_deliver(fz *f, const char *msg, size_t len)
{
    sip_target from;
    memset(&from, 0, sizeof from);
    from.tp = SIP_TP_UDP;
    (void)sip_ipaddr_parse(sip_str_c("192.0.2.9:5060"), &from.remote);
    (void)sip_ua_receive(&f->ua, msg, len, &from, f->now, NULL);
}

/* The UA's tag in one of its last messages ("" when none). */
static void fz_ua_tag(fz *f, int which, char *out, size_t cap)
{
    sip_hdr h[64];
    sip_msg r;
    sip_parse_config pc;
    out[0] = 0;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    if (f->nsent && sip_parse(f->sent[which % NQ], f->sent_len[which % NQ], &pc, &r, h, 64, NULL) > 0) {
        sip_str t = r.is_request ? r.from.tag : r.to.tag;
        if (t.p && t.len < 40) snprintf(out, cap, "%.*s", (int)t.len, t.p);
    }
}

static void fz_invite(fz *f)
{
    char m[2048], rj[160], ut[48];
    const char *ct, *body;
    int cid = fz_byte(f) % 4, tag = fz_byte(f) % 4, cseq = fz_byte(f), b = fz_byte(f), rr = fz_byte(f);
    int k, rj_kind = (rr / 3) % 4, ext = (rr / 12) % 4;
    body = fz_body(b, &ct);
    rr %= 3;
    rj[0] = 0;
    if (rj_kind) { /* RFC 3891 Replaces / RFC 3911 Join naming one of the UA's dialogs */
        fz_ua_tag(f, rr + cseq, ut, sizeof ut);
        snprintf(rj, sizeof rj, "%s: cid%d;to-tag=%s;from-tag=pt%d%s\r\n", rj_kind == 3 ? "Join" : "Replaces",
                 (cid + 1) % 4, ut[0] ? ut : "x", (tag + cseq) % 4, rj_kind == 2 ? ";early-only" : "");
    }
    k = snprintf(m, sizeof m,
                 "INVITE sip:ua@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKi%d%d%d\r\n"
                 "Max-Forwards: 70\r\nFrom: <sip:peer@192.0.2.9>;tag=pt%d\r\nTo: <sip:ua@192.0.2.1>\r\n"
                 "Call-ID: cid%d\r\nCSeq: %d INVITE\r\nContact: <sip:peer@192.0.2.9>\r\n%s%s%s%s"
                 "Content-Length: %u\r\n\r\n%s",
                 cid, tag, cseq, tag, cid, cseq,
                 rr == 1 ? "Record-Route: <sip:192.0.2.7;lr>\r\n" : rr == 2 ? "Record-Route: <sip:192.0.2.7>\r\n" : "",
                 rj,
                 /* RFC 3262 §3 / RFC 4028 §7.1 */
                 ext == 1 ? "Supported: 100rel, timer\r\nAllow: UPDATE\r\nSession-Expires: 90\r\n"
                 : ext == 2 ? "Require: 100rel\r\nSession-Expires: 30\r\n"
                 : ext == 3 ? "Supported: 100rel\r\nSession-Expires: 1800;refresher=uas\r\nMin-SE: 600\r\n" : "",
                 ct, (unsigned)strlen(body), body);
    if (k > 0 && (size_t)k < sizeof m) fz_deliver(f, m, (size_t)k);
}

static void fz_response(fz *f)
{
    int which = fz_byte(f) % NQ, st, tag, b, x;
    sip_hdr h[64];
    sip_msg req;
    sip_parse_config pc;
    char out[4096], tg[16];
    const char *ct, *body;
    sip_hdr_field ex[12];
    size_t nex;
    char rseq[16];
    int k;
    st = fz_byte(f) << 8;
    st |= fz_byte(f);
    st = 100 + st % 600;
    tag = fz_byte(f);
    b = fz_byte(f);
    x = fz_byte(f);
    if (which >= f->nsent || which >= NQ) return;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    if (sip_parse(f->sent[which], f->sent_len[which], &pc, &req, h, 64, NULL) <= 0 || !req.is_request)
        return;
    body = fz_body(b, &ct);
    snprintf(tg, sizeof tg, "rt%d", tag % 4);
    ex[0].name = sip_str_c("Contact");
    ex[0].value = sip_str_c("<sip:peer@192.0.2.9>");
    ex[1].name = sip_str_c("WWW-Authenticate");
    ex[1].value = sip_str_c(tag & 4 ? "Digest realm=\"r\", nonce=\"n\", qop=\"auth\", stale=true"
                                    : "Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-256");
    nex = 2;
    if (tag & 16) { /* RFC 6665 §4.1.2.1: the granted expiry */
        ex[nex].name = sip_str_c("Expires");
        ex[nex++].value = sip_str_c(tag & 64 ? "0" : "60");
    }
    if (tag & 32) { /* RFC 4488 */
        ex[nex].name = sip_str_c("Refer-Sub");
        ex[nex++].value = sip_str_c("false");
    }
    if (*ct) {
        ex[nex].name = sip_str_c("Content-Type");
        ex[nex++].value = sip_str_c("application/sdp");
    }
    if (x & 1) { /* RFC 3262 §3: a reliable provisional */
        snprintf(rseq, sizeof rseq, "%d", 1 + ((x >> 1) & 7));
        ex[nex].name = sip_str_c("Require");
        ex[nex++].value = sip_str_c("100rel");
        ex[nex].name = sip_str_c("RSeq");
        ex[nex++].value = sip_str_c(rseq);
    }
    if (x & 16) { /* RFC 4028 §9 */
        ex[nex].name = sip_str_c("Session-Expires");
        ex[nex++].value = sip_str_c(x & 32 ? "90;refresher=uas" : "120;refresher=uac");
        ex[nex].name = sip_str_c("Min-SE");
        ex[nex++].value = sip_str_c("90");
        ex[nex].name = sip_str_c("Allow");
        ex[nex++].value = sip_str_c("INVITE, ACK, BYE, UPDATE");
    }
    k = sip_build_response(out, sizeof out, &req, st, NULL, (tag & 8) ? sip_str_c("") : sip_str_c(tg),
                           ex, nex, sip_str_c(body), NULL);
    if (k > 0) fz_deliver(f, out, (size_t)k);
}

static void fz_in_dialog(fz *f)
{
    static const char *const methods[] = {"BYE", "INVITE", "ACK", "OPTIONS", "CANCEL", "MESSAGE", "INFO",
                                          "SUBSCRIBE", "NOTIFY", "REFER", "PRACK", "UPDATE"};
    static const char *const states[] = {
        "", "Subscription-State: active;expires=60\r\n", "Subscription-State: pending\r\n",
        "Subscription-State: terminated;reason=deactivated\r\n",
        "Subscription-State: terminated;reason=probation;retry-after=5\r\n",
        "Subscription-State: terminated;reason=noresource\r\n",
        "Subscription-State: terminated\r\n", "Subscription-State: bogus;;\r\n"};
    static const char *const events[] = {"", "Event: presence\r\n", "Event: refer\r\n", "Event: refer;id=1\r\n",
                                         "Event: dialog\r\n", "Event: presence\r\nExpires: 0\r\n",
                                         "Event: presence\r\nExpires: 5\r\n", "Event: ;\r\n"};
    static const char *const refers[] = {"", "Refer-To: <sip:x@192.0.2.9>\r\n",
                                         "Refer-To: <sip:x@192.0.2.9?Replaces=cid1%3Bto-tag%3Da%3Bfrom-tag%3Dpt1>\r\nReferred-By: <sip:p@192.0.2.9>\r\n",
                                         "Refer-To: <sip:x@192.0.2.9>\r\nRefer-Sub: false\r\n",
                                         "Refer-To: <sip:x@192.0.2.9?Replaces=%zz>\r\n",
                                         "Refer-To: <sip:a@b>\r\nRefer-To: <sip:c@d>\r\n",
                                         "Refer-To: <tel:+123>\r\n", "Refer-To: <sip:x@192.0.2.9?Replaces=a%3Bto-tag%3D%0D>\r\n"};
    const char *meth = methods[fz_byte(f) % 12];
    int which = fz_byte(f), cseq = fz_byte(f), b = fz_byte(f), x = fz_byte(f), y = fz_byte(f);
    const char *ct, *body = fz_body(b, &ct);
    const char *ext = "";
    char rack[64];
    char m[2048], totag[64], cids[80];
    sip_hdr h[64];
    sip_msg r;
    sip_parse_config pc;
    int k, cid = which % 4;
    /* the UA's To tag from one of its last responses */
    totag[0] = 0;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    snprintf(cids, sizeof cids, "cid%d", cid);
    if (f->nsent && sip_parse(f->sent[(which >> 2) % NQ], f->sent_len[(which >> 2) % NQ], &pc, &r, h, 64, NULL) > 0) {
        sip_str t = r.is_request ? r.from.tag : r.to.tag;
        if (t.p && t.len < 40) snprintf(totag, sizeof totag, ";tag=%.*s", (int)t.len, t.p);
        /* the Call-ID of a dialog the UA made (its SUBSCRIBE, INVITE) */
        if ((y & 1) && r.call_id.len < 60) snprintf(cids, sizeof cids, "%.*s", (int)r.call_id.len, r.call_id.p);
    }
    switch ((y >> 2) & 3) {
    case 1: {
        /* RFC 3262 §7.2: RAck from the RSeq of one of the UA's last messages */
        const char *rs = f->nsent ? strstr(f->sent[(which >> 2) % NQ], "\r\nRSeq: ") : NULL;
        snprintf(rack, sizeof rack, "RAck: %lu %d INVITE\r\n", rs ? strtoul(rs + 8, NULL, 10) : 1ul, y >> 4);
        ext = rack;
        break;
    }
    case 2: ext = y & 16 ? "Info-Package: dtmf\r\n" : "Info-Package: foo;x=1\r\n"; break; /* RFC 6086 */
    case 3: ext = y & 16 ? "Session-Expires: 60\r\n" : "Session-Expires: 90;refresher=uac\r\nSupported: timer\r\n"; break;
    default: break;
    }
    k = snprintf(m, sizeof m,
                 "%s sip:ua@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKd%d%d\r\n"
                 "Max-Forwards: 70\r\nFrom: <sip:peer@192.0.2.9>;tag=pt%d\r\nTo: <sip:ua@192.0.2.1>%s\r\n"
                 "Call-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:peer@192.0.2.9>\r\n%s%s%s%s%s"
                 "Content-Length: %u\r\n\r\n%s",
                 meth, which, cseq, cid + (y & 2 ? 4 : 0), totag, cids, cseq, meth, events[x % 8], states[(x >> 3) % 8],
                 refers[(x >> 5) % 8], ext, ct, (unsigned)strlen(body), body);
    if (k > 0 && (size_t)k < sizeof m) fz_deliver(f, m, (size_t)k);
}

static sip_ua_call fz_call(fz *f, int i)
{
    if (i % 16 == 15) return ((uint64_t)(unsigned)i << 32) | (unsigned)(i % 5); /* forged */
    return f->ncalls ? f->calls[i % f->ncalls] : 0;
}

static sip_ua_sub fz_sub(fz *f, int i)
{
    if (i % 16 == 14) return ((uint64_t)(unsigned)i << 32) | (unsigned)(i % 7); /* forged */
    return f->nsubs ? f->subs[i % f->nsubs] : 0;
}

static void fz_app(fz *f)
{
    int act = fz_byte(f) % 24, i = fz_byte(f), rc = 0;
    sip_ua_call c = fz_call(f, i);
    sip_ua_sub s = fz_sub(f, i);
    sip_ua_sub ns;
    sip_ua_reg r = f->nregs ? f->regs[i % f->nregs] : 0;
    sip_ua_call nc;
    sip_ua_reg nr;
    int live = sip_ua_call_state_of(&f->ua, c) > 0;
    int sub_live_before = sip_ua_sub_state_of(&f->ua, s) > 0;
    switch (act) {
    case 0:
        rc = sip_ua_call_start(&f->ua, i & 1 ? "sip:peer@192.0.2.9" : "<sip:peer@192.0.2.9;transport=tcp>",
                               &f->local, (unsigned)(i >> 1) & 1, f->now, &nc);
        if (rc == 0 && f->ncalls < NH) f->calls[f->ncalls++] = nc;
        break;
    case 1: rc = sip_ua_answer(&f->ua, c, 180, &f->local, f->now); break;
    case 2: rc = sip_ua_answer(&f->ua, c, 183, NULL, f->now); break;
    case 3: rc = sip_ua_answer(&f->ua, c, 200, &f->local, f->now); break;
    case 4: rc = sip_ua_reject(&f->ua, c, 486, f->now); break;
    case 5: rc = sip_ua_cancel(&f->ua, c, f->now); break;
    case 6: rc = sip_ua_hangup(&f->ua, c, f->now); break;
    case 7:
        f->local.media[0].dir = (i & 1) ? SDP_DIR_SENDONLY : SDP_DIR_SENDRECV;
        rc = sip_ua_reinvite(&f->ua, c, &f->local, f->now);
        break;
    case 8:
        rc = sip_ua_register(&f->ua, "sip:192.0.2.9", (uint32_t)i * 10, NULL, 0, f->now, &nr);
        if (rc == 0 && f->nregs < NH) f->regs[f->nregs++] = nr;
        break;
    case 9: rc = sip_ua_unregister(&f->ua, r, f->now); break;
    case 10: rc = sip_ua_message(&f->ua, "sip:peer@192.0.2.9", "text/plain", sip_str_c("hi"), f->now); break;
    case 12:
        rc = sip_ua_subscribe(&f->ua, "sip:peer@192.0.2.9", i & 1 ? "presence" : "dialog;id=3",
                              i & 2 ? "application/pidf+xml" : NULL, (uint32_t)(i >> 2), f->now, &ns);
        if (rc == 0 && f->nsubs < NH) f->subs[f->nsubs++] = ns;
        break;
    case 13: rc = sip_ua_unsubscribe(&f->ua, s, f->now); break;
    case 14:
        rc = sip_ua_sub_accept(&f->ua, s, i & 1 ? 202 : 200, (uint32_t)(i >> 3), i & 2 ? "text/plain" : NULL,
                               i & 2 ? "x" : NULL, i & 2 ? 1 : 0, f->now);
        break;
    case 15: rc = sip_ua_sub_reject(&f->ua, s, 403, f->now); break;
    case 16:
        rc = sip_ua_notify(&f->ua, s, (sip_ua_sub_state)(SIP_UA_SUB_PENDING + i % 3),
                           (sip_ua_sub_reason)((i >> 2) % 9), "text/plain", "y", 1, f->now);
        break;
    case 17:
        rc = i & 1 ? sip_ua_refer_replaces(&f->ua, c, fz_call(f, i >> 1), (unsigned)(i >> 2) & 1, f->now, &ns)
                   : sip_ua_refer(&f->ua, c, "sip:x@192.0.2.9", (unsigned)(i >> 2) & 1, f->now, &ns);
        if (rc == 0 && f->nsubs < NH) f->subs[f->nsubs++] = ns;
        break;
    case 18: {
        sip_ua_call nc2;
        rc = sip_ua_refer_call(&f->ua, s, &f->local, 0, f->now, &nc2);
        if (rc == 0 && f->ncalls < NH) f->calls[f->ncalls++] = nc2;
        break;
    }
    case 19: rc = sip_ua_refer_notify(&f->ua, s, 100 + (i * 7) % 600, f->now); break;
    case 20: rc = sip_ua_sub_state_of(&f->ua, s); break;
    case 21: rc = sip_ua_progress(&f->ua, c, i & 1 ? 183 : 180, (i >> 1) & 1, i & 4 ? &f->local : NULL, f->now); break;
    case 22:
        f->local.media[0].dir = (i & 1) ? SDP_DIR_SENDONLY : SDP_DIR_SENDRECV;
        rc = sip_ua_update(&f->ua, c, &f->local, f->now);
        break;
    case 23:
        rc = sip_ua_info(&f->ua, c, i & 1 ? "dtmf" : NULL, "application/dtmf-relay", "Signal=1\r\n",
                         i & 2 ? 10 : 0, f->now);
        break;
    default: rc = sip_ua_call_state_of(&f->ua, c); break;
    }
    /* a stale or forged subscription handle is always refused */
    if (!sub_live_before && act >= 13 && act <= 19 && act != 17) FUZZ_CHECK(rc == SIP_UA_ERR_STALE);
    /* a stale or forged handle is always refused */
    if (!live && ((act >= 1 && act <= 7) || act >= 21)) FUZZ_CHECK(rc == SIP_UA_ERR_STALE);
    FUZZ_CHECK(rc <= 0 || act == 11 || act == 20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fz f;
    sip_ua_config cfg;
    sip_ua_callbacks cb;
    int c0, c1;
    if (size < 1) return 0;
    memset(&f, 0, sizeof f);
    f.d = data;
    f.n = size;
    f.rng = 1;
    c0 = fz_byte(&f);
    c1 = fz_byte(&f);
    memset(&cfg, 0, sizeof cfg);
    cfg.aor = "sip:ua@192.0.2.1";
    cfg.contact = "sip:ua@192.0.2.1:5060";
    cfg.max_sessions = 1 + (c0 & 3);
    cfg.max_dialogs = 2 + 2 * ((c0 >> 2) & 3);
    cfg.max_registrations = 1 + ((c0 >> 4) & 1);
    if (c0 & 32) cfg.outbound_proxy = "sip:192.0.2.7;lr";
    cfg.max_subscriptions = 1 + ((c0 >> 6) & 3);
    cfg.events = "presence, dialog";
    if (c1 & 1) cfg.rel100 = (c1 & 2) ? SIP_UA_100REL_REQUIRED : SIP_UA_100REL_SUPPORTED;
    if (c1 & 4) {
        cfg.session_timer = 1;
        cfg.session_expires = 90 + (uint32_t)((c1 >> 3) & 3) * 30;
        cfg.recv_info = "dtmf";
    }
    cfg.instance_id = "<urn:uuid:00000000-0000-1000-8000-000000000001>";
    cfg.reg_id = 1;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.user = &f;
    cb.send = fz_send;
    cb.rand = fz_rand;
    cb.on_event = fz_event;
    cb.credentials = fz_creds;
    {
        sdp_local_media *a = &f.local.media[0];
        f.local.sess_id = 1;
        f.local.addr = "192.0.2.1";
        f.local.n_media = 1;
        a->type = "audio";
        a->proto = "RTP/AVP";
        a->port = 4000;
        a->codecs[0] = (sdp_codec){"PCMU", 8000, 1, 0, NULL};
        a->n_codecs = 1;
    }
    cfg.local_sdp = &f.local;
    if (sip_ua_init(&f.ua, &cfg, &cb) != 0) return 0;
    while (f.pos < f.n) {
        int op = fz_byte(&f) % 8;
        switch (op) {
        case 0: fz_invite(&f); break;
        case 1: fz_response(&f); break;
        case 2: fz_in_dialog(&f); break;
        case 3: {
            uint64_t step = (uint64_t)(fz_byte(&f) << 8 | fz_byte(&f)) * 1000u;
            uint64_t d = sip_ua_next_deadline(&f.ua);
            f.now += step;
            if (d < f.now && d > 0) f.now = d > f.now - step ? d : f.now;
            FUZZ_CHECK(sip_ua_on_timeout(&f.ua, f.now) >= 0);
            FUZZ_CHECK(sip_ua_next_deadline(&f.ua) > f.now);
            break;
        }
        case 4: fz_app(&f); break;
        case 5: {
            size_t len = (size_t)fz_byte(&f);
            if (len > f.n - f.pos) len = f.n - f.pos;
            {
                char *b = fuzz_dup(f.d + f.pos, len);
                fz_deliver(&f, b, len);
                free(b);
            }
            f.pos += len;
            break;
        }
        case 6: f.fail = !f.fail; break;
        case 7:
            if (f.nsent) {
                int k = (f.nsent - 1) % NQ;
                char *b = fuzz_dup(f.sent[k], f.sent_len[k]);
                fz_deliver(&f, b, f.sent_len[k]);
                free(b);
            }
            break;
        }
        FUZZ_CHECK(sip_ua_count_calls(&f.ua) <= cfg.max_sessions);
        FUZZ_CHECK(sip_ua_count_dialogs(&f.ua) <= cfg.max_dialogs);
        FUZZ_CHECK(sip_ua_count_regs(&f.ua) <= cfg.max_registrations);
        FUZZ_CHECK(sip_ua_count_subs(&f.ua) <= cfg.max_subscriptions);
    }
    FUZZ_CHECK(sip_ua_destroy(&f.ua) == 0);
    FUZZ_CHECK(fz_live_allocs == 0);
    return 0;
}
