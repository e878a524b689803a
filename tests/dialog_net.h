/* Shared harness of the sip_dialog.h tests: UA cores (each with its own
 * transaction layer) and scripted elements (registrar, proxies) on an
 * in-memory UDP network with a virtual clock. Every datagram is logged
 * as "from>to what" (what: the method, or status/CSeq-method). */
#ifndef DIALOG_NET_H
#define DIALOG_NET_H
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sip_dialog.h"

#define DN_NODES 8
#define DN_LOG 256
#define DN_Q 256
#define DN_EV 128

struct dn_net;

/* A scripted element: gets every datagram sent to its address. */
typedef void (*dn_elem_fn)(struct dn_net *n, int self, const sip_msg *m, const char *buf,
                           size_t len, int from);

typedef struct dn_node {
    char name;              /* 'A', 'B', ... */
    sip_ipaddr addr;
    int is_ua;
    sip_ua ua;
    sdp_local local;
    dn_elem_fn elem;
    /* events the switch of dn_on_event does not know (the extension
     * tests log them); NULL: logged as "ev<type>/<status>" */
    void (*ext_event)(struct dn_node *nd, const sip_ua_event *ev);
    struct dn_net *net;
    uint32_t rng;
    /* application behaviour */
    int auto_ring;          /* answer INCOMING_CALL with 180 */
    int auto_answer;        /* ... and then 200 at once */
    int auto_reject;        /* status to reject with */
    const char *password;
    /* what the application saw */
    char ev[DN_EV][96];
    int nev;
    sip_ua_call last_call;
    sip_ua_reg last_reg;
    uint32_t last_keepalive_ms; /* REG_STATE: RFC 5626 flow keep-alive */
    int media_dir[8];       /* last negotiated direction per stream */
    int media_active;
    int media_events;
    int state;              /* for scripted elements */
    int counter;
} dn_node;

typedef struct dn_pkt {
    int from, to;
    char b[4096];
    size_t n;
} dn_pkt;

typedef struct dn_net {
    dn_node node[DN_NODES];
    int nn;
    uint64_t now;
    dn_pkt q[DN_Q];
    int qh, qt;
    char log[DN_LOG][72];
    uint64_t log_at[DN_LOG];
    char raw[DN_LOG][4096];  /* the datagram of each log entry (truncated) */
    int nlog;
    /* drop filter: returns 1 to drop (the datagram is still logged with '!') */
    int (*drop)(struct dn_net *n, int from, int to, const sip_msg *m);
    int drops_left;
} dn_net;

static inline int dn_find(dn_net *n, const sip_ipaddr *a)
{
    int i;
    for (i = 0; i < n->nn; i++)
        if (sip_ipaddr_eq(&n->node[i].addr, a)) return i;
    return -1;
}

static inline void dn_what(const sip_msg *m, char *out, size_t cap)
{
    if (m->is_request) snprintf(out, cap, "%.*s", (int)m->method_str.len, m->method_str.p);
    else snprintf(out, cap, "%u/%.*s", (unsigned)m->status, (int)m->cseq.method_str.len,
                  m->cseq.method_str.p);
}

static inline int dn_parse(const char *b, size_t len, sip_msg *m, sip_hdr *h, size_t cap)
{
    sip_parse_config pc;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    return sip_parse(b, len, &pc, m, h, cap, NULL);
}

/* Queue a datagram from node `from` to address `to`. */
static inline int dn_post(dn_net *n, int from, const sip_ipaddr *to, const uint8_t *msg, size_t len)
{
    dn_pkt *p;
    int t = dn_find(n, to);
    cr_assert_geq(t, 0, "no node at the destination");
    cr_assert_lt(n->qt - n->qh, DN_Q);
    p = &n->q[n->qt++ % DN_Q];
    p->from = from;
    p->to = t;
    cr_assert_lt(len, sizeof p->b);
    memcpy(p->b, msg, len);
    p->b[len] = 0;
    p->n = len;
    return 0;
}

static inline int dn_send_cb(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    dn_node *nd = (dn_node *)user;
    return dn_post(nd->net, (int)(nd - nd->net->node), &to->remote, msg, len);
}

static inline int dn_rand(void *user, uint8_t *buf, size_t k)
{
    dn_node *nd = (dn_node *)user;
    size_t i;
    for (i = 0; i < k; i++) {
        nd->rng ^= nd->rng << 13;
        nd->rng ^= nd->rng >> 17;
        nd->rng ^= nd->rng << 5;
        buf[i] = (uint8_t)nd->rng;
    }
    return 0;
}

static inline int dn_creds(void *user, sip_str realm, char *u, size_t ucap, char *p, size_t pcap)
{
    dn_node *nd = (dn_node *)user;
    (void)realm;
    nd->counter++; /* credentials asked */
    if (!nd->password) return -1;
    snprintf(u, ucap, "%s", nd->name == 'A' ? "alice" : "bob");
    snprintf(p, pcap, "%s", nd->password);
    return 0;
}

static inline void dn_evlog(dn_node *nd, const char *s)
{
    cr_assert_lt(nd->nev, DN_EV);
    snprintf(nd->ev[nd->nev++], sizeof nd->ev[0], "%s", s);
}

static inline void dn_on_event(void *user, const sip_ua_event *ev)
{
    dn_node *nd = (dn_node *)user;
    char s[96];
    size_t i;
    switch (ev->type) {
    case SIP_UA_EV_INCOMING_CALL:
        nd->last_call = ev->call;
        snprintf(s, sizeof s, "incoming%s", ev->offer ? "+offer" : "");
        dn_evlog(nd, s);
        if (nd->auto_reject) {
            cr_assert_eq(sip_ua_reject(&nd->ua, ev->call, nd->auto_reject, nd->net->now), 0);
        } else if (nd->auto_ring) {
            cr_assert_eq(sip_ua_answer(&nd->ua, ev->call, 180, &nd->local, nd->net->now), 0);
            if (nd->auto_answer)
                cr_assert_eq(sip_ua_answer(&nd->ua, ev->call, 200, NULL, nd->net->now), 0);
        }
        break;
    case SIP_UA_EV_CALL_STATE:
        nd->last_call = ev->call;
        if (ev->state == SIP_UA_CALL_TERMINATED)
            snprintf(s, sizeof s, "TERMINATED/%d/%d", (int)ev->cause, ev->status);
        else
            snprintf(s, sizeof s, "state%d/%d", ev->state, ev->status);
        dn_evlog(nd, s);
        break;
    case SIP_UA_EV_MEDIA:
        nd->media_events++;
        nd->media_active = 0;
        for (i = 0; i < ev->n_media && i < 8; i++) {
            nd->media_dir[i] = ev->media[i].dir;
            nd->media_active += ev->media[i].active;
        }
        snprintf(s, sizeof s, "media/%d", ev->n_media ? (int)ev->media[0].dir : -1);
        dn_evlog(nd, s);
        break;
    case SIP_UA_EV_REINVITE_DONE:
        snprintf(s, sizeof s, "reinvite/%d", ev->status);
        dn_evlog(nd, s);
        break;
    case SIP_UA_EV_REG_STATE:
        nd->last_reg = ev->reg;
        nd->last_keepalive_ms = ev->keepalive_ms;
        snprintf(s, sizeof s, "reg%d/%d/%u", ev->state, ev->status, (unsigned)ev->expires);
        dn_evlog(nd, s);
        break;
    case SIP_UA_EV_MESSAGE:
        dn_evlog(nd, "message");
        break;
    default:
        if (nd->ext_event) {
            nd->ext_event(nd, ev);
        } else {
            snprintf(s, sizeof s, "ev%d/%d", (int)ev->type, ev->status);
            dn_evlog(nd, s);
        }
        break;
    }
}

static inline void dn_local(sdp_local *l, const char *addr, uint16_t port)
{
    sdp_local_media *a = &l->media[0];
    memset(l, 0, sizeof *l);
    l->username = "cvoip";
    l->sess_id = 1000;
    l->sess_version = 1;
    l->addr = addr;
    l->n_media = 1;
    a->type = "audio";
    a->proto = "RTP/AVP";
    a->port = port;
    a->codecs[0] = (sdp_codec){"PCMU", 8000, 1, 0, NULL};
    a->codecs[1] = (sdp_codec){"PCMA", 8000, 1, 8, NULL};
    a->n_codecs = 2;
    a->dir = SDP_DIR_SENDRECV;
}

static inline void dn_init(dn_net *n)
{
    memset(n, 0, sizeof *n);
}

/* Index of the k-th (0-based) log entry containing `what`, -1 if none. */
static inline int dn_nth(dn_net *n, const char *what, int k)
{
    int i;
    for (i = 0; i < n->nlog; i++)
        if (strstr(n->log[i], what) && k-- == 0) return i;
    return -1;
}

static inline int dn_add_addr(dn_net *n, char name, const char *ip)
{
    dn_node *nd = &n->node[n->nn];
    char hp[64];
    cr_assert_lt(n->nn, DN_NODES);
    memset(nd, 0, sizeof *nd);
    nd->name = name;
    nd->net = n;
    nd->rng = 0x9e3779b9u ^ (uint32_t)name * 2654435761u;
    snprintf(hp, sizeof hp, "%s:5060", ip);
    cr_assert_eq(sip_ipaddr_parse(sip_str_c(hp), &nd->addr), 0);
    return n->nn++;
}

/* A UA named `name` at ip with AOR user@domain (tweak cfg before init
 * through the optional cfg argument). */
static inline dn_node *dn_add_ua(dn_net *n, char name, const char *ip, const char *user,
                                 const sip_ua_config *base)
{
    int k = dn_add_addr(n, name, ip);
    dn_node *nd = &n->node[k];
    sip_ua_config cfg;
    sip_ua_callbacks cb;
    static char aor[DN_NODES][64], contact[DN_NODES][64];
    if (base) cfg = *base;
    else memset(&cfg, 0, sizeof cfg);
    snprintf(aor[k], sizeof aor[k], "sip:%s@%s", user, ip);
    snprintf(contact[k], sizeof contact[k], "sip:%s@%s:5060", user, ip);
    if (!cfg.aor) cfg.aor = aor[k];
    cfg.contact = contact[k];
    cfg.tsx.flags |= SIP_TSX_F_NO_AUTO_TRYING;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.user = nd;
    cb.send = dn_send_cb;
    cb.rand = dn_rand;
    cb.on_event = dn_on_event;
    cb.credentials = dn_creds;
    nd->is_ua = 1;
    dn_local(&nd->local, ip, (uint16_t)(40000 + 2 * k));
    cr_assert_eq(sip_ua_init(&nd->ua, &cfg, &cb), 0);
    return nd;
}

static inline dn_node *dn_add_elem(dn_net *n, char name, const char *ip, dn_elem_fn fn)
{
    int k = dn_add_addr(n, name, ip);
    n->node[k].elem = fn;
    return &n->node[k];
}

/* Deliver every queued datagram (and those they cause). */
static inline void dn_flush(dn_net *n)
{
    while (n->qh != n->qt) {
        dn_pkt p = n->q[n->qh++ % DN_Q];
        sip_hdr h[96];
        sip_msg m;
        char what[48];
        int drop = 0;
        cr_assert_gt(dn_parse(p.b, p.n, &m, h, 96), 0, "bad datagram on the wire:\n%s", p.b);
        dn_what(&m, what, sizeof what);
        if (n->drop && n->drop(n, p.from, p.to, &m)) drop = 1;
        cr_assert_lt(n->nlog, DN_LOG);
        n->log_at[n->nlog] = n->now;
        snprintf(n->raw[n->nlog], sizeof n->raw[0], "%s", p.b);
        snprintf(n->log[n->nlog++], sizeof n->log[0], "%c>%c %s%s", n->node[p.from].name,
                 n->node[p.to].name, what, drop ? "!" : "");
        if (drop) continue;
        if (n->node[p.to].is_ua) {
            sip_target from;
            memset(&from, 0, sizeof from);
            from.tp = SIP_TP_UDP;
            from.remote = n->node[p.from].addr;
            cr_assert_eq(sip_ua_receive(&n->node[p.to].ua, p.b, p.n, &from, n->now, NULL), 0,
                         "receive failed:\n%s", p.b);
        } else {
            n->node[p.to].elem(n, p.to, &m, p.b, p.n, p.from);
        }
    }
}

/* Run the clock to t_ms, delivering at once and firing every deadline. */
static inline void dn_run(dn_net *n, uint64_t t_ms)
{
    uint64_t to = t_ms * 1000u;
    dn_flush(n);
    for (;;) {
        uint64_t d = UINT64_MAX;
        int i;
        for (i = 0; i < n->nn; i++)
            if (n->node[i].is_ua) {
                uint64_t x = sip_ua_next_deadline(&n->node[i].ua);
                if (x < d) d = x;
            }
        if (d > to) break;
        if (d > n->now) n->now = d;
        for (i = 0; i < n->nn; i++)
            if (n->node[i].is_ua && sip_ua_next_deadline(&n->node[i].ua) <= n->now)
                cr_assert_geq(sip_ua_on_timeout(&n->node[i].ua, n->now), 0);
        dn_flush(n);
    }
    if (to > n->now) n->now = to;
}

/* The log from entry `from` joined with '|'. */
static inline const char *dn_seq(dn_net *n, int from)
{
    static char s[8192];
    int i;
    s[0] = 0;
    for (i = from; i < n->nlog; i++) {
        if (i > from) strcat(s, "|");
        strcat(s, n->log[i]);
    }
    return s;
}

static inline const char *dn_evs(dn_node *nd)
{
    static char s[8192];
    int i;
    s[0] = 0;
    for (i = 0; i < nd->nev; i++) {
        if (i) strcat(s, "|");
        strcat(s, nd->ev[i]);
    }
    return s;
}

static inline void dn_fini(dn_net *n)
{
    int i;
    for (i = 0; i < n->nn; i++)
        if (n->node[i].is_ua) cr_assert_eq(sip_ua_destroy(&n->node[i].ua), 0);
}

/* Reply from a scripted element to request m (Via-routed back to `from`). */
static inline void dn_elem_reply(dn_net *n, int self, int to, const sip_msg *m, int status,
                                 const char *tag, const sip_hdr_field *ex, size_t nex)
{
    char out[4096];
    sip_str t = sip_str_c(tag);
    int k = sip_build_response(out, sizeof out, m, status, NULL, t, ex, nex, (sip_str){NULL, 0}, NULL);
    cr_assert_gt(k, 0);
    dn_post(n, self, &n->node[to].addr, (const uint8_t *)out, (size_t)k);
}

/* The value of the first header `id` of a raw message, as a C string. */
static inline const char *dn_hdr(const char *buf, size_t len, sip_hdr_id id)
{
    static char v[1024];
    sip_hdr h[96];
    sip_msg m;
    size_t pos = 0;
    const sip_hdr *x;
    v[0] = 0;
    if (dn_parse(buf, len, &m, h, 96) <= 0) return v;
    x = sip_msg_find(&m, id, &pos);
    if (x) snprintf(v, sizeof v, "%.*s", (int)x->value.len, x->value.p);
    return v;
}
#endif
