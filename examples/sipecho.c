/* sipecho - a stateful SIP responder on real UDP and TCP sockets, built on
 * sip_transport.h and sip_transaction.h.
 *
 *   sipecho [--addr 127.0.0.1] [--port 5060] [--quiet]
 *
 * It answers OPTIONS with 200 (Allow, Accept), every INVITE with 200 (an
 * SDP answer through sdp.h when the INVITE carries an offer), every BYE
 * with 200, a CANCEL with 200 (and the INVITE with 487 when it was not yet
 * answered), and anything else with 405. As the UA core it retransmits
 * each 2xx to INVITE until the ACK arrives (RFC 3261 §13.3.1.4: T1
 * doubling to T2, for 64*T1), which the transaction layer leaves to its
 * TU (RFC 6026). SIPp's built-in uac scenario drives it in tests/sipp.sh.
 *
 * The program owns sockets, the clock and the poll loop; the library gets
 * bytes, times and deadlines. Stops cleanly on SIGINT/SIGTERM and prints
 * its counters. Exit status: 0 ok, 1 socket setup failed, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#define CVOIP_IMPLEMENTATION
#include "sip.h"
#include "sdp.h"
#include "sip_transport.h"
#include "sip_transaction.h"
#include "example_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define MAX_PENDING 256   /* 2xx waiting for their ACK */

typedef struct conn {
    int fd;               /* -1: free */
    sip_flow flow;
} conn;

/* A 2xx to INVITE retransmitted until its ACK (§13.3.1.4). */
typedef struct pending {
    int used;
    char call_id[128];
    uint32_t cseq;
    sip_target to;
    char *bytes;
    size_t len;
    uint64_t next_us, interval_us, give_up_us;
} pending;

static struct {
    int udp, lst;
    conn conns[MAX_CONNS];
    sip_transport *tp;
    sip_tsx_layer tsx;
    pending pend[MAX_PENDING];
    sip_ipaddr local;
    int quiet;
    unsigned long n_req, n_resp, n_2xx_retx, n_acked, n_expired;
} g;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static void rand_bytes(uint8_t *b, size_t n)
{
    static uint64_t s;
    if (!s) s = now_us() ^ ((uint64_t)getpid() << 32);
    while (n--) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        *b++ = (uint8_t)(s >> 56);
    }
}
static int rng(void *user, uint8_t *b, size_t n)
{
    (void)user;
    rand_bytes(b, n);
    return 0;
}

/* ---- socket helpers ------------------------------------------------------ */

static conn *conn_by_flow(sip_flow f)
{
    int i;
    for (i = 0; i < MAX_CONNS; i++)
        if (g.conns[i].fd >= 0 && g.conns[i].flow == f) return &g.conns[i];
    return NULL;
}

/* ---- transport callbacks --------------------------------------------------- */

static int tp_send(void *user, const sip_target *to, const uint8_t *b, size_t len)
{
    (void)user;
    if (to->tp == SIP_TP_UDP) {
        struct sockaddr_in sa;
        from_ipaddr(&to->remote, &sa);
        return sendto(g.udp, b, len, 0, (struct sockaddr *)&sa, sizeof sa) == (ssize_t)len ? (int)len : -1;
    } else {
        conn *c = conn_by_flow(to->flow);
        ssize_t n;
        if (!c) return -1;
        n = send(c->fd, b, len, MSG_NOSIGNAL);
        if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
        return (int)n;
    }
}

static int tp_open(void *user, sip_flow flow, const sip_target *to)
{
    (void)user, (void)flow, (void)to;
    return -1; /* a responder never opens connections: responses use the request's */
}

static void tp_disconnected(void *user, const sip_target *peer, sip_tp_disc reason, int detail)
{
    conn *c = conn_by_flow(peer->flow);
    (void)user, (void)reason, (void)detail;
    if (c) {
        close(c->fd);
        c->fd = -1;
    }
}

static void tp_message(void *user, const sip_target *from, const sip_msg *msg, const char *raw,
                       size_t len, const sip_parse_error *err)
{
    (void)user, (void)raw, (void)len;
    if (!msg) {
        if (!g.quiet) fprintf(stderr, "sipecho: unparsable message: %s\n", err ? err->reason : "?");
        return;
    }
    (void)sip_tsx_receive_msg(&g.tsx, msg, from, now_us());
}

/* ---- the 2xx retransmission of the UA core (§13.3.1.4) ----------------------- */

static void pending_add(const sip_msg *inv, const sip_target *to, const char *bytes, size_t len,
                        uint64_t now)
{
    int i;
    for (i = 0; i < MAX_PENDING && g.pend[i].used; i++) {
    }
    if (i == MAX_PENDING || inv->call_id.len >= sizeof g.pend[i].call_id) return;
    g.pend[i].bytes = (char *)malloc(len);
    if (!g.pend[i].bytes) return;
    memcpy(g.pend[i].bytes, bytes, len);
    g.pend[i].len = len;
    memcpy(g.pend[i].call_id, inv->call_id.p, inv->call_id.len);
    g.pend[i].call_id[inv->call_id.len] = 0;
    g.pend[i].cseq = inv->cseq.num;
    g.pend[i].to = *to;
    g.pend[i].interval_us = 500000;
    g.pend[i].next_us = now + 500000;
    g.pend[i].give_up_us = now + 64 * 500000u;
    g.pend[i].used = 1;
}

static void pending_drop(pending *p)
{
    free(p->bytes);
    memset(p, 0, sizeof *p);
}

static void pending_ack(const sip_msg *ack)
{
    int i;
    for (i = 0; i < MAX_PENDING; i++) {
        pending *p = &g.pend[i];
        if (p->used && p->cseq == ack->cseq.num && strlen(p->call_id) == ack->call_id.len &&
            !memcmp(p->call_id, ack->call_id.p, ack->call_id.len)) {
            g.n_acked++;
            pending_drop(p);
        }
    }
}

static void pending_timers(uint64_t now)
{
    int i;
    for (i = 0; i < MAX_PENDING; i++) {
        pending *p = &g.pend[i];
        if (!p->used || p->next_us > now) continue;
        if (now >= p->give_up_us) {
            /* §13.3.1.4: no ACK within 64*T1; a full UA would send BYE */
            g.n_expired++;
            pending_drop(p);
            continue;
        }
        (void)sip_transport_send(g.tp, &p->to, p->bytes, p->len, now, NULL);
        g.n_2xx_retx++;
        p->interval_us = p->interval_us * 2 > 4000000 ? 4000000 : p->interval_us * 2;
        p->next_us = now + p->interval_us;
    }
}

static uint64_t pending_deadline(void)
{
    uint64_t d = UINT64_MAX;
    int i;
    for (i = 0; i < MAX_PENDING; i++)
        if (g.pend[i].used && g.pend[i].next_us < d) d = g.pend[i].next_us;
    return d;
}

/* ---- the TU ----------------------------------------------------------------- */

static int tsx_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    (void)user;
    return sip_transport_send(g.tp, to, (const char *)msg, len, now_us(), NULL);
}

/* An SDP answer to the INVITE's offer (PCMU/PCMA/telephone-event), or an
 * empty span when it has none or nothing in common. */
static sip_str sdp_answer(const sip_msg *inv, char *out, size_t cap)
{
    static sdp_attr attrs[64];
    static sdp_media media[8];
    static sdp_negotiated neg[8];
    sdp_session offer;
    sdp_local l;
    char addr[48];
    sip_str none = {NULL, 0}, r;
    int n;
    if (!inv->body.len || sdp_parse(inv->body.p, inv->body.len, SDP_PARSE_LENIENT, &offer, attrs,
                                    64, media, 8, NULL))
        return none;
    memset(&l, 0, sizeof l);
    if (sip_ipaddr_print(&g.local, 0, addr, sizeof addr) < 0) return none;
    l.username = "sipecho";
    l.sess_id = 1;
    l.sess_version = 1;
    l.addr = addr;
    l.n_media = 1;
    l.media[0].type = "audio";
    l.media[0].proto = "RTP/AVP";
    l.media[0].port = 40000;
    l.media[0].codecs[0] = (sdp_codec){"PCMU", 8000, 1, 0, NULL};
    l.media[0].codecs[1] = (sdp_codec){"PCMA", 8000, 1, 8, NULL};
    l.media[0].codecs[2] = (sdp_codec){"telephone-event", 8000, 1, -1, "0-16"};
    l.media[0].n_codecs = 3;
    l.media[0].dir = SDP_DIR_SENDRECV;
    n = sdp_answer_build(&offer, &l, neg, 8, out, cap, NULL);
    if (n <= 0) return none;
    r.p = out;
    r.len = (size_t)n;
    return r;
}

static void tag_for(char *tag, size_t cap)
{
    uint8_t b[8];
    size_t i;
    rand_bytes(b, sizeof b);
    for (i = 0; i < 8 && 2 * i + 2 < cap; i++) snprintf(tag + 2 * i, 3, "%02x", b[i]);
}

static void answer_invite(const sip_tsx_event *ev, uint64_t now)
{
    static char resp[8192], body[2048];
    char tag[20], contact[96], addr[48];
    sip_hdr_field h[3];
    sip_str b = sdp_answer(ev->msg, body, sizeof body);
    int n;
    tag_for(tag, sizeof tag);
    sip_ipaddr_print(&g.local, 1, addr, sizeof addr);
    snprintf(contact, sizeof contact, "<sip:sipecho@%s;transport=%s>", addr,
             ev->peer->tp == SIP_TP_TCP ? "tcp" : "udp");
    h[0].name = sip_str_c("Contact");
    h[0].value = sip_str_c(contact);
    h[1].name = sip_str_c("Content-Type");
    h[1].value = sip_str_c("application/sdp");
    n = sip_build_response(resp, sizeof resp, ev->msg, 200, NULL, sip_str_c(tag), h, b.len ? 2 : 1,
                           b, NULL);
    if (n <= 0) {
        (void)sip_tsx_reply(&g.tsx, ev->id, 500, NULL, sip_str_c(tag), NULL, 0, b, now);
        return;
    }
    if (sip_tsx_respond(&g.tsx, ev->id, resp, (size_t)n, now) == 0)
        pending_add(ev->msg, ev->peer, resp, (size_t)n, now);
    g.n_resp++;
}

static void on_request(const sip_tsx_event *ev, uint64_t now)
{
    static const char allow[] = "INVITE, ACK, CANCEL, BYE, OPTIONS";
    sip_hdr_field h[2];
    char tag[20];
    const sip_msg *m = ev->msg;
    g.n_req++;
    tag_for(tag, sizeof tag);
    if (ev->merged) {
        (void)sip_tsx_reply(&g.tsx, ev->id, 482, NULL, sip_str_c(tag), NULL, 0, sip_str_c(""), now);
        return;
    }
    switch (m->method) {
    case SIP_METHOD_INVITE:
        answer_invite(ev, now);
        return;
    case SIP_METHOD_CANCEL:
        (void)sip_tsx_answer_cancel(&g.tsx, ev->id, sip_str_c(tag), now);
        return;
    case SIP_METHOD_OPTIONS:
        h[0].name = sip_str_c("Allow");
        h[0].value = sip_str_c(allow);
        h[1].name = sip_str_c("Accept");
        h[1].value = sip_str_c("application/sdp");
        (void)sip_tsx_reply(&g.tsx, ev->id, 200, NULL, sip_str_c(tag), h, 2, sip_str_c(""), now);
        return;
    case SIP_METHOD_BYE:
        (void)sip_tsx_reply(&g.tsx, ev->id, 200, NULL, sip_str_c(tag), NULL, 0, sip_str_c(""), now);
        return;
    default:
        h[0].name = sip_str_c("Allow");
        h[0].value = sip_str_c(allow);
        (void)sip_tsx_reply(&g.tsx, ev->id, 405, NULL, sip_str_c(tag), h, 1, sip_str_c(""), now);
        return;
    }
}

static void tsx_event(void *user, const sip_tsx_event *ev)
{
    uint64_t now = now_us();
    (void)user;
    if (ev->type == SIP_TSX_EV_REQUEST) on_request(ev, now);
    else if (ev->type == SIP_TSX_EV_ACK && ev->msg) pending_ack(ev->msg);
}

/* ---- main loop ---------------------------------------------------------------- */

static int open_sockets(const char *addr, int port)
{
    struct sockaddr_in sa;
    int one = 1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) return -1;
    to_ipaddr(&sa, &g.local);
    g.udp = socket(AF_INET, SOCK_DGRAM, 0);
    g.lst = socket(AF_INET, SOCK_STREAM, 0);
    if (g.udp < 0 || g.lst < 0) return -1;
    setsockopt(g.lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(g.udp, (struct sockaddr *)&sa, sizeof sa) || bind(g.lst, (struct sockaddr *)&sa, sizeof sa) ||
        listen(g.lst, 64) || nonblock(g.udp) || nonblock(g.lst))
        return -1;
    return 0;
}

static void read_udp(void)
{
    static uint8_t buf[65536];
    for (;;) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        sip_target from;
        ssize_t n = recvfrom(g.udp, buf, sizeof buf, 0, (struct sockaddr *)&sa, &sl);
        if (n < 0) return;
        memset(&from, 0, sizeof from);
        from.tp = SIP_TP_UDP;
        to_ipaddr(&sa, &from.remote);
        from.local = g.local;
        (void)sip_transport_datagram(g.tp, &from, buf, (size_t)n, now_us());
    }
}

static void accept_tcp(void)
{
    for (;;) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        sip_ipaddr remote;
        sip_flow flow = 0;
        int i, fd = accept(g.lst, (struct sockaddr *)&sa, &sl);
        if (fd < 0) return;
        for (i = 0; i < MAX_CONNS && g.conns[i].fd >= 0; i++) {
        }
        to_ipaddr(&sa, &remote);
        if (i == MAX_CONNS || nonblock(fd) ||
            sip_transport_accepted(g.tp, SIP_TP_TCP, &remote, &g.local, NULL, NULL, now_us(), &flow)) {
            close(fd);
            continue;
        }
        g.conns[i].fd = fd;
        g.conns[i].flow = flow;
    }
}

static void read_tcp(conn *c)
{
    static uint8_t buf[65536];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    sip_flow f = c->flow;
    if (n > 0) {
        (void)sip_transport_data(g.tp, f, buf, (size_t)n, now_us());
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        (void)sip_transport_closed(g.tp, f, now_us()); /* closes c through the callback */
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: sipecho [--addr 127.0.0.1] [--port 5060] [--quiet]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1";
    int port = 5060, i;
    sip_transport_config tc;
    sip_transport_callbacks tcb;
    sip_tsx_config xc;
    sip_tsx_callbacks xcb;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--addr") && i + 1 < argc) addr = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quiet")) g.quiet = 1;
        else return usage();
    }
    if (port <= 0 || port > 65535) return usage();
    for (i = 0; i < MAX_CONNS; i++) g.conns[i].fd = -1;
    if (open_sockets(addr, port)) {
        perror("sipecho: sockets");
        return 1;
    }
    memset(&tc, 0, sizeof tc);
    tc.max_connections = MAX_CONNS;
    memset(&tcb, 0, sizeof tcb);
    tcb.size = sizeof tcb;
    tcb.send = tp_send;
    tcb.open = tp_open;
    tcb.on_disconnected = tp_disconnected;
    tcb.on_message = tp_message;
    if (sip_transport_create(&g.tp, &tc, &tcb, NULL)) {
        fprintf(stderr, "sipecho: transport setup failed\n");
        return 1;
    }
    memset(&xc, 0, sizeof xc);
    memset(&xcb, 0, sizeof xcb);
    xcb.size = sizeof xcb;
    xcb.send = tsx_send;
    xcb.on_event = tsx_event;
    xcb.rand = rng;
    if (sip_tsx_layer_init(&g.tsx, &xc, &xcb)) {
        fprintf(stderr, "sipecho: transaction layer setup failed\n");
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (!g.quiet) printf("sipecho: listening on %s:%d (UDP, TCP)\n", addr, port);
    fflush(stdout);
    while (!stop_flag) {
        struct pollfd pfd[2 + MAX_CONNS];
        conn *pc[2 + MAX_CONNS];
        int nf = 2, k, wait_ms;
        uint64_t now = now_us(), d = sip_tsx_next_deadline(&g.tsx), d2 = sip_transport_next_deadline(g.tp);
        uint64_t d3 = pending_deadline();
        if (d2 < d) d = d2;
        if (d3 < d) d = d3;
        wait_ms = d == UINT64_MAX ? 1000 : d <= now ? 0 : (int)((d - now + 999) / 1000);
        if (wait_ms > 1000) wait_ms = 1000;
        pfd[0].fd = g.udp;
        pfd[0].events = POLLIN;
        pfd[1].fd = g.lst;
        pfd[1].events = POLLIN;
        for (i = 0; i < MAX_CONNS; i++)
            if (g.conns[i].fd >= 0) {
                pfd[nf].fd = g.conns[i].fd;
                pfd[nf].events = POLLIN;
                pc[nf++] = &g.conns[i];
            }
        k = poll(pfd, (nfds_t)nf, wait_ms);
        if (k > 0) {
            if (pfd[0].revents & POLLIN) read_udp();
            if (pfd[1].revents & POLLIN) accept_tcp();
            for (i = 2; i < nf; i++)
                if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) read_tcp(pc[i]);
        }
        now = now_us();
        (void)sip_transport_on_timeout(g.tp, now);
        (void)sip_tsx_on_timeout(&g.tsx, now);
        pending_timers(now);
    }
    printf("sipecho: %lu requests, %lu INVITEs answered, %lu 2xx retransmitted, %lu ACKed, %lu without ACK\n",
           g.n_req, g.n_resp, g.n_2xx_retx, g.n_acked, g.n_expired);
    for (i = 0; i < MAX_PENDING; i++)
        if (g.pend[i].used) pending_drop(&g.pend[i]);
    sip_tsx_layer_destroy(&g.tsx);
    sip_transport_destroy(g.tp);
    close(g.udp);
    close(g.lst);
    return 0;
}
