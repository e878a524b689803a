/* sipd - a SIP registrar, stateful forking proxy, digest server and RTP
 * relay on real sockets, built on cvoip's headers.
 *
 *   sipd [--addr 127.0.0.1] [--port 5060] [--tls-port 5061] [--ws-port 8080]
 *        [--wss-port 8443] [--domain D] [--users FILE] [--cert PEM --key PEM]
 *        [--no-relay] [--relay-addr A] [--relay-ports LO-HI]
 *        [--record DIR] [--log 0|1|2|3] [--stats-interval S]
 *        [--auth-algs sha256,md5] [--no-reuseport]
 *
 * What runs where:
 *   - sip_transport.h frames UDP datagrams and TCP / TLS / WebSocket /
 *     secure WebSocket streams (RFC 3261 §18, RFC 7118); TLS is the
 *     sip_tls filter on an SSL_CTX of ours (--cert/--key, or a self-signed
 *     certificate made at start).
 *   - sip_proxy.h is the stateful proxy (RFC 3261 §16) and owns the
 *     transaction layer; REGISTER goes to sip_registrar.h over the
 *     in-memory sip_locmem, INVITE and REGISTER are challenged by
 *     sip_auth_server.h (RFC 7616: SHA-256 and MD5 challenges; the user
 *     table holds HA1 values, never passwords). The proxy forks to every
 *     registered contact of the address-of-record.
 *   - media_relay.h relays RTP/RTCP: the offer and the answer passing the
 *     proxy are rewritten (c= and m= to the relay's address and ports), each
 *     leg latches on its first packet (RFC 4961), statistics per leg with
 *     an E-model MOS (ITU-T G.107, rtp.h), and the recording hook writes a
 *     pcap per call (synthesized IPv4/UDP frames, libpcap) and a WAV per
 *     direction (G.711 decoded, libsndfile) with --record.
 *
 * The program owns the sockets (epoll), the clock and signals (signalfd);
 * the library gets bytes, times and deadlines. SO_REUSEPORT on the SIP
 * sockets lets one process per core share the ports (each process then
 * has its own location table: share it through sip_location_ops in a real
 * deployment). Stops on SIGINT/SIGTERM and prints its statistics.
 *
 * --log 2 prints every SIP message in and out as one ladder line (3: with
 * its Call-ID)
 * "time  src -> dst  first-line". Exit status: 0 ok, 1 setup failed,
 * 2 usage.
 */
#define _GNU_SOURCE
#ifndef SIPD_NO_TLS
#define SIP_USE_OPENSSL
#endif
#define CVOIP_IMPLEMENTATION
#include "sip.h"
#include "rtp.h"
#include "sdp.h"
#include "sip_transport.h"
#include "sip_transaction.h"
#include "sip_registrar.h"
#include "sip_auth_server.h"
#include "sip_proxy.h"
#include "media_relay.h"
#include "example_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#ifdef SIP_USE_OPENSSL
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif

#define MAX_CONNS 4096
#define MAX_USERS 1024
#define MAX_CALLS 4096
#define MAX_RSOCK (4 * MAX_CALLS)
/* nonce-count entries of the digest server: the table is direct-mapped,
 * and a live nonce whose slot is taken is answered stale (the client
 * retries), so it is sized well above the nonces alive at once (5 min) */
#ifndef SIPD_NC_SLOTS
#define SIPD_NC_SLOTS (1u << 18)
#endif

/* epoll tags (high 32 bits of data.u64; the low bits are an index) */
enum { TAG_SIGNAL = 1, TAG_UDP, TAG_LISTEN, TAG_CONN, TAG_RELAY };

typedef struct conn {
    int fd;                  /* -1: free */
    sip_flow flow;
    int connecting, want_out;
} conn;

typedef struct listener {
    int fd;
    sip_tp tp;
    uint16_t port;
} listener;

typedef struct user {
    char name[64];
    char ha1[3][65];         /* MD5, SHA-256, SHA-512/256 */
} user;

/* One media socket of a relay leg. */
typedef struct rsock {
    int fd;                  /* -1: free */
    media_relay_sid sid;
    unsigned leg, sock;
    uint16_t port;
} rsock;

/* Totals per leg (0: caller side, 1: callee side). */
typedef struct leg_total {
    uint64_t rtp_in, rtp_out, rtcp_in, rtcp_out, lost, dropped;
    double jitter_ms_max, mos_sum;
    unsigned mos_n;
} leg_total;

/* A call: one INVITE dialog by Call-ID, its relay session and recording. */
typedef struct call {
    int used;
    char call_id[160];
    size_t call_id_len;
    char caller_tag[96];
    size_t caller_tag_len;
    unsigned no;             /* call number, for file names */
    int answered, offer_in_invite, has_session, dead;
    media_relay_sid sid;
    uint64_t start_us;
    pcap_t *pd;
    pcap_dumper_t *dump;
    SNDFILE *wav[2];         /* direction from leg 0, from leg 1 */
    uint32_t wav_next_ts[2]; /* RTP timestamp expected next (gaps: silence) */
    int wav_have_ts[2];
    char pcap_path[512], wav_path[2][512];
} call;

static struct {
    /* options */
    const char *addr, *domain, *users_file, *relay_addr, *record_dir, *cert, *key;
    int port, tls_port, ws_port, wss_port, relay_on, rport_lo, rport_hi, log, stats_interval,
        reuseport;
    unsigned auth_algs;
    /* sockets */
    int ep, sfd, udp;
    listener lst[4];
    int n_lst;
    conn conns[MAX_CONNS];
    int conn_hwm;
    rsock rs[MAX_RSOCK];
    int rs_cursor, rport_next;
    sip_ipaddr local;
    char host[48];
    /* layers */
    sip_transport *tp;
    sip_proxy px;
    sip_proxy_listen listen[5];
    const char *domains[4];
    sip_registrar reg;
    sip_locmem lm;
    sip_authsrv as;
    void *as_mem;
    uint8_t secret[32];
    media_relay *relay;
#ifdef SIP_USE_OPENSSL
    SSL_CTX *tls_server, *tls_client;
#endif
    user users[MAX_USERS];
    int n_users;
    call calls[MAX_CALLS];
    unsigned call_no;
    int call_of_sid[MAX_CALLS]; /* relay session index -> call index */
    /* the send callback tells the recording hook where a packet went */
    uint16_t rec_src_port;
    media_relay_addr rec_dst;
    /* statistics */
    uint64_t req_in, resp_in, req_out, resp_out, bad_in, registrations, reg_failed,
        challenges, calls_answered, calls_failed, calls_cancelled, branches, relay_sessions;
    leg_total legs[2];
    uint64_t started_us;
} g;

/* ---- small helpers ---------------------------------------------------------- */

static void rand_bytes(uint8_t *b, size_t n)
{
    static int fd = -2;
    static uint64_t s;
    if (fd == -2) fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && read(fd, b, n) == (ssize_t)n) return;
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
static void rng_void(void *user, uint8_t *b, size_t n)
{
    (void)user;
    rand_bytes(b, n);
}

static void logf_(int level, const char *fmt, ...)
{
    va_list ap;
    if (g.log < level) return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static void wall_time(char *out, size_t cap)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(out, cap, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(tv.tv_usec / 1000));
}


static int ep_add(int fd, uint32_t events, uint32_t tag, uint32_t idx)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = ((uint64_t)tag << 32) | idx;
    return epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev);
}

static int ep_mod(int fd, uint32_t events, uint32_t tag, uint32_t idx)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = ((uint64_t)tag << 32) | idx;
    return epoll_ctl(g.ep, EPOLL_CTL_MOD, fd, &ev);
}

/* "udp:127.0.0.1:5070" */
static void peer_text(const sip_target *t, char *out, size_t cap)
{
    const char *n = sip_tp_name(t->tp);
    char a[48];
    size_t i;
    if (sip_ipaddr_print(&t->remote, 1, a, sizeof a) < 0) snprintf(a, sizeof a, "?");
    for (i = 0; n[i] && i + 1 < cap && i < 8; i++)
        out[i] = (char)(n[i] >= 'A' && n[i] <= 'Z' ? n[i] + 32 : n[i]);
    snprintf(out + i, cap - i, ":%s", a);
}

static uint16_t local_port(sip_tp tp)
{
    switch (tp) {
    case SIP_TP_TLS: return (uint16_t)g.tls_port;
    case SIP_TP_WS: return (uint16_t)g.ws_port;
    case SIP_TP_WSS: return (uint16_t)g.wss_port;
    default: return (uint16_t)g.port;
    }
}

/* One ladder line: time  src -> dst  first-line. */
static void ladder(int in, const sip_target *peer, const char *msg, size_t len)
{
    char t[16], p[64];
    size_t fl = 0;
    if (g.log < 2) return;
    while (fl < len && msg[fl] != '\r' && msg[fl] != '\n') fl++;
    if (fl > 120) fl = 120;
    wall_time(t, sizeof t);
    peer_text(peer, p, sizeof p);
    if (in)
        printf("%s  %-26s -> %s:%-5u  %.*s", t, p, g.host, local_port(peer->tp), (int)fl, msg);
    else
        printf("%s  %s:%-5u -> %-26s  %.*s", t, g.host, local_port(peer->tp), p, (int)fl, msg);
    if (g.log >= 3) { /* and the Call-ID, to follow one call in a load test */
        const char *c = NULL;
        size_t i, e;
        for (i = 0; i + 10 < len && !c; i++)
            if (msg[i] == '\n' && !strncasecmp(msg + i + 1, "Call-ID:", 8)) c = msg + i + 9;
        for (e = 0; c && c + e < msg + len && c[e] != '\r' && c[e] != '\n'; e++) {
        }
        if (c) printf("  [%.*s]", (int)e, c);
    }
    printf("\n");
    fflush(stdout);
}

/* ---- users: HA1 only (RFC 7616 §3.4.2: H(user:realm:password)) -------------- */

static int hash_hex(sip_digest_alg alg, const char *u, const char *realm, const char *pw,
                    char *out)
{
    static const char hx[] = "0123456789abcdef";
    sip_str parts[5];
    uint8_t d[64];
    size_t i, n = sip_digest_alg_len(alg);
    parts[0] = sip_str_c(u);
    parts[1] = sip_str_c(":");
    parts[2] = sip_str_c(realm);
    parts[3] = sip_str_c(":");
    parts[4] = sip_str_c(pw);
    if (sip_hash(alg, parts, 5, d) != 0) return -1;
    for (i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = 0;
    return 0;
}

static int user_add(const char *name, const char *pw)
{
    user *u;
    if (g.n_users == MAX_USERS || !*name || strlen(name) >= sizeof u->name) return -1;
    u = &g.users[g.n_users];
    snprintf(u->name, sizeof u->name, "%s", name);
    if (hash_hex(SIP_DIGEST_MD5, name, g.domain, pw, u->ha1[0]) ||
        hash_hex(SIP_DIGEST_SHA256, name, g.domain, pw, u->ha1[1]) ||
        hash_hex(SIP_DIGEST_SHA512_256, name, g.domain, pw, u->ha1[2]))
        return -1;
    g.n_users++;
    return 0;
}

/* `user:password` lines; '#' comments and blank lines skipped. */
static int users_load(const char *path)
{
    char line[512];
    int n = 0;
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        char *c, *e = line + strlen(line);
        while (e > line && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ')) *--e = 0;
        if (!line[0] || line[0] == '#') continue;
        if (!(c = strchr(line, ':'))) {
            fclose(f);
            return -1;
        }
        *c = 0;
        if (user_add(line, c + 1)) {
            fclose(f);
            return -1;
        }
        n++;
    }
    fclose(f);
    return n;
}

static int as_ha1(void *user_, sip_str username, sip_str realm, sip_digest_alg alg, char *out,
                  size_t cap)
{
    int i, k = alg == SIP_DIGEST_MD5 ? 0 : alg == SIP_DIGEST_SHA256 ? 1 : 2;
    (void)user_, (void)realm;
    for (i = 0; i < g.n_users; i++)
        if (sip_str_eq(username, sip_str_c(g.users[i].name))) {
            if (cap < 65) return -1;
            memcpy(out, g.users[i].ha1[k], 65);
            return 0;
        }
    return 1;
}

/* ---- connections ------------------------------------------------------------ */

static conn *conn_by_flow(sip_flow f)
{
    int i;
    for (i = 0; i < g.conn_hwm; i++)
        if (g.conns[i].fd >= 0 && g.conns[i].flow == f) return &g.conns[i];
    return NULL;
}

static int conn_new(int fd)
{
    int i;
    for (i = 0; i < MAX_CONNS && g.conns[i].fd >= 0; i++) {
    }
    if (i == MAX_CONNS) return -1;
    memset(&g.conns[i], 0, sizeof g.conns[i]);
    g.conns[i].fd = fd;
    if (i >= g.conn_hwm) g.conn_hwm = i + 1;
    return i;
}

static void conn_free(conn *c)
{
    close(c->fd);
    c->fd = -1;
    c->flow = 0;
}

static void conn_want_out(conn *c, int on)
{
    if (c->want_out == on) return;
    c->want_out = on;
    ep_mod(c->fd, EPOLLIN | (on ? EPOLLOUT : 0), TAG_CONN, (uint32_t)(c - g.conns));
}

#ifdef SIP_USE_OPENSSL
static sip_tls *tls_new(int server)
{
    sip_tls_config tc;
    sip_tls *t = NULL;
    memset(&tc, 0, sizeof tc);
    tc.server = server;
    tc.ctx = server ? g.tls_server : g.tls_client;
    tc.insecure = !server; /* a demo: contacts are bare addresses */
    return sip_tls_new(&t, &tc) == 0 ? t : NULL;
}
#endif

/* ---- transport callbacks ------------------------------------------------------ */

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
        if (c->connecting) return 0;
        n = send(c->fd, b, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
            n = 0;
        }
        if ((size_t)n < len) conn_want_out(c, 1);
        return (int)n;
    }
}

/* A client connection the proxy needs (a contact over TCP/TLS/WS). */
static int tp_open(void *user, sip_flow flow, const sip_target *to)
{
    struct sockaddr_in sa;
    int fd, i;
    (void)user;
    if (to->remote.family != 4) return -1;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    from_ipaddr(&to->remote, &sa);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    if ((i = conn_new(fd)) < 0) {
        close(fd);
        return -1;
    }
#ifdef SIP_USE_OPENSSL
    if (to->tp == SIP_TP_TLS || to->tp == SIP_TP_WSS) {
        sip_tls *t = tls_new(0);
        if (!t || sip_transport_set_filter(g.tp, flow, sip_tls_tp_filter(), t) != 0) {
            sip_tls_free(t);
            conn_free(&g.conns[i]);
            return -1;
        }
    }
#endif
    g.conns[i].flow = flow;
    g.conns[i].connecting = 1;
    g.conns[i].want_out = 1;
    ep_add(fd, EPOLLIN | EPOLLOUT, TAG_CONN, (uint32_t)i);
    return 0;
}

static void tp_disconnected(void *user, const sip_target *peer, sip_tp_disc reason, int detail)
{
    conn *c = conn_by_flow(peer->flow);
    char p[64];
    (void)user;
    peer_text(peer, p, sizeof p);
    if (reason != SIP_TP_DISC_CLOSED && reason != SIP_TP_DISC_LOCAL)
        logf_(2, "sipd: connection %s closed (reason %d, detail %d)\n", p, (int)reason, detail);
    if (c) conn_free(c);
}

static void tp_connected(void *user, const sip_target *peer)
{
    (void)user, (void)peer;
}

static void relay_inbound(const sip_msg *m, const char **raw, size_t *len);
static void call_bye(const sip_msg *m);

static void tp_message(void *user, const sip_target *from, const sip_msg *msg, const char *raw,
                       size_t len, const sip_parse_error *err)
{
    sip_parse_error perr;
    (void)user;
    ladder(1, from, raw, len);
    if (!msg) {
        g.bad_in++;
        logf_(1, "sipd: unparsable message: %s\n", err && err->reason ? err->reason : "?");
        return;
    }
    if (msg->is_request) g.req_in++;
    else g.resp_in++;
    if (msg->is_request && msg->method == SIP_METHOD_BYE) call_bye(msg);
    relay_inbound(msg, &raw, &len);
    (void)sip_proxy_receive(&g.px, raw, len, from, now_us(), &perr);
}

/* ---- calls ---------------------------------------------------------------------- */

static call *call_find(sip_str call_id)
{
    int i;
    for (i = 0; i < MAX_CALLS; i++)
        if (g.calls[i].used && g.calls[i].call_id_len == call_id.len &&
            !memcmp(g.calls[i].call_id, call_id.p, call_id.len))
            return &g.calls[i];
    return NULL;
}

static int rtp_alloc(void *user, media_relay_sid sid, unsigned leg, uint16_t *rtp_port,
                     uint16_t *rtcp_port);

static call *call_new(const sip_msg *m, uint64_t now)
{
    int i;
    call *c;
    if (m->call_id.len >= sizeof c->call_id || m->from.tag.len >= sizeof c->caller_tag) return NULL;
    for (i = 0; i < MAX_CALLS && g.calls[i].used; i++) {
    }
    if (i == MAX_CALLS) return NULL;
    c = &g.calls[i];
    memset(c, 0, sizeof *c);
    c->used = 1;
    memcpy(c->call_id, m->call_id.p, m->call_id.len);
    c->call_id_len = m->call_id.len;
    memcpy(c->caller_tag, m->from.tag.p, m->from.tag.len);
    c->caller_tag_len = m->from.tag.len;
    c->start_us = now;
    c->no = ++g.call_no;
    if (g.relay_on) {
        int rc = media_relay_session_create(g.relay, 2, 0, now, &c->sid);
        if (rc == 0) {
            c->has_session = 1;
            g.call_of_sid[c->sid.index % MAX_CALLS] = i;
            g.relay_sessions++;
        } else {
            logf_(1, "sipd: no relay session for call %u: %s\n", c->no, media_relay_strerror(rc));
        }
    }
    return c;
}

static int is_caller(const call *c, const sip_msg *m)
{
    return m->from.tag.len == c->caller_tag_len &&
           !memcmp(m->from.tag.p, c->caller_tag, c->caller_tag_len);
}

static void rec_close(call *c);

static void print_leg(call *c, unsigned leg, const media_relay_stats *st)
{
    char a[48] = "-";
    double jit = st->src_clock_rate ? st->src.jitter * 1000.0 / st->src_clock_rate : 0;
    if (st->dest[0].family == 4)
        snprintf(a, sizeof a, "%u.%u.%u.%u:%u", st->dest[0].ip[0], st->dest[0].ip[1],
                 st->dest[0].ip[2], st->dest[0].ip[3], st->dest[0].port);
    logf_(1,
          "sipd:   call %u leg %c (%s, %s): RTP in %llu out %llu, RTCP in %llu out %llu, "
          "lost %d, jitter %.2f ms, MOS %.2f, dropped %llu\n",
          c->no, leg ? 'B' : 'A', leg ? "callee" : "caller", a, (unsigned long long)st->rtp_in,
          (unsigned long long)st->rtp_out, (unsigned long long)st->rtcp_in,
          (unsigned long long)st->rtcp_out, st->have_source ? (int)st->src.cumulative_lost : 0,
          jit, st->mos_x100 / 100.0,
          (unsigned long long)(st->dropped_foreign + st->dropped_invalid + st->dropped_no_dest));
}

/* The call ends: its legs' statistics into the totals, recording closed,
 * relay session destroyed. Not from inside a relay callback. */
static void call_end(call *c, const char *why)
{
    unsigned leg;
    if (!c->used) return;
    if (c->has_session) {
        for (leg = 0; leg < 2; leg++) {
            media_relay_stats st;
            leg_total *t = &g.legs[leg];
            if (media_relay_leg_stats(g.relay, c->sid, leg, &st) != 0) continue;
            t->rtp_in += st.rtp_in;
            t->rtp_out += st.rtp_out;
            t->rtcp_in += st.rtcp_in;
            t->rtcp_out += st.rtcp_out;
            t->dropped += st.dropped_foreign + st.dropped_invalid + st.dropped_no_dest;
            if (st.have_source && st.src.cumulative_lost > 0) t->lost += (uint64_t)st.src.cumulative_lost;
            if (st.have_source && st.src_clock_rate) {
                double j = st.src.jitter * 1000.0 / st.src_clock_rate;
                if (j > t->jitter_ms_max) t->jitter_ms_max = j;
            }
            if (st.mos_x100) {
                t->mos_sum += st.mos_x100 / 100.0;
                t->mos_n++;
            }
            if (st.rtp_in || st.rtp_out) {
                if (leg == 0)
                    logf_(1, "sipd: call %u (%.*s) ended: %s\n", c->no, (int)c->call_id_len,
                          c->call_id, why);
                print_leg(c, leg, &st);
            }
        }
        media_relay_session_destroy(g.relay, c->sid);
    }
    rec_close(c);
    c->used = 0;
}

static void call_bye(const sip_msg *m)
{
    call *c = call_find(m->call_id);
    if (c) call_end(c, "BYE");
}

/* ---- relay: SDP rewriting on the way through the proxy ------------------------- */

static int has_sdp(const sip_msg *m)
{
    size_t pos = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_CONTENT_TYPE, &pos);
    if (!m->body.len || !h) return 0;
    return h->value.len >= 15 && !strncasecmp(h->value.p, "application/sdp", 15);
}

/* raw with its body replaced by body (Content-Length rewritten or added). */
static int replace_body(const sip_msg *m, const char *raw, size_t len, const char *body,
                        size_t blen, char *out, size_t cap)
{
    size_t pos = 0, hdr_end = (size_t)(m->body.p - raw), n = 0;
    const sip_hdr *h = sip_msg_find(m, SIP_HDR_CONTENT_LENGTH, &pos);
    char cl[24];
    int k = snprintf(cl, sizeof cl, "%zu", blen);
    if (hdr_end > len || hdr_end < 2) return -1;
    if (h) {
        size_t a = (size_t)(h->value.p - raw), b = a + h->value.len;
        if (hdr_end + blen + 32 > cap) return -1;
        memcpy(out, raw, a);
        memcpy(out + a, cl, (size_t)k);
        n = a + (size_t)k;
        memcpy(out + n, raw + b, hdr_end - b);
        n += hdr_end - b;
    } else {
        if (hdr_end + blen + 48 > cap) return -1;
        memcpy(out, raw, hdr_end - 2);
        n = hdr_end - 2;
        n += (size_t)snprintf(out + n, cap - n, "Content-Length: %s\r\n\r\n", cl);
    }
    memcpy(out + n, body, blen);
    return (int)(n + blen);
}

/* INVITE offers (and ACK answers to a late offer) and the answers in
 * 18x/2xx responses to INVITE are rewritten to the relay's address and
 * the ports of the leg they go to. An INVITE without credentials will be
 * challenged (every INVITE is), so it is left alone. */
static void relay_inbound(const sip_msg *m, const char **raw, size_t *len)
{
    static char body[8192], msg[SIP_MAX_MESSAGE + 64];
    call *c;
    unsigned from_leg, flags = 0;
    size_t pos = 0;
    int n;
    uint64_t now = now_us();
    if (m->is_request) {
        if (m->method != SIP_METHOD_INVITE && m->method != SIP_METHOD_ACK) return;
        c = call_find(m->call_id);
        if (m->method == SIP_METHOD_INVITE && !c) {
            if (m->to.tag.len || !sip_msg_find(m, SIP_HDR_PROXY_AUTHORIZATION, &pos)) return;
            if (!(c = call_new(m, now))) return;
        }
        if (!c) return;
        if (m->method == SIP_METHOD_INVITE) c->offer_in_invite = has_sdp(m);
        else if (c->offer_in_invite) return; /* the ACK of an offer in the INVITE has no SDP */
        else flags = MEDIA_RELAY_SDP_ANSWER;
        from_leg = is_caller(c, m) ? 0 : 1;
    } else {
        if (m->cseq.method != SIP_METHOD_INVITE || m->status < 180 || m->status > 299) return;
        if (!(c = call_find(m->call_id))) return;
        if (c->offer_in_invite) flags = MEDIA_RELAY_SDP_ANSWER;
        from_leg = is_caller(c, m) ? 1 : 0; /* a response goes against its request */
    }
    if (!c->has_session || !has_sdp(m)) return;
    n = media_relay_sdp_rewrite(g.relay, c->sid, from_leg, 1 - from_leg, 0, flags, m->body.p,
                                m->body.len, body, sizeof body, NULL);
    if (n < 0) {
        logf_(1, "sipd: call %u: SDP not rewritten: %s\n", c->no, media_relay_strerror(n));
        return;
    }
    n = replace_body(m, *raw, *len, body, (size_t)n, msg, sizeof msg);
    if (n < 0) return;
    *raw = msg;
    *len = (size_t)n;
}

/* ---- relay callbacks -------------------------------------------------------------- */

static int udp_bind(const char *addr, uint16_t port, int reuse)
{
    struct sockaddr_in sa;
    int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
        (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one)) ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int rs_slot(void)
{
    int k;
    for (k = 0; k < MAX_RSOCK; k++) {
        int i = (g.rs_cursor + k) % MAX_RSOCK;
        if (g.rs[i].fd < 0) {
            g.rs_cursor = (i + 1) % MAX_RSOCK;
            return i;
        }
    }
    return -1;
}

/* An even RTP port and the next one for RTCP (RFC 3550 §11), from the
 * configured range; ports taken by another process are skipped. */
static int rtp_alloc(void *user, media_relay_sid sid, unsigned leg, uint16_t *rtp_port,
                     uint16_t *rtcp_port)
{
    int span = (g.rport_hi - g.rport_lo + 1) / 2, k;
    (void)user;
    for (k = 0; k < span; k++) {
        int p = g.rport_lo + 2 * ((g.rport_next - g.rport_lo) / 2 % span), a, b, i, j;
        g.rport_next = p + 2 > g.rport_hi ? g.rport_lo : p + 2;
        if ((a = udp_bind(g.relay_addr, (uint16_t)p, 0)) < 0) continue;
        if ((b = udp_bind(g.relay_addr, (uint16_t)(p + 1), 0)) < 0) {
            close(a);
            continue;
        }
        if ((i = rs_slot()) < 0) {
            close(a), close(b);
            return -1;
        }
        g.rs[i] = (rsock){a, sid, leg, MEDIA_RELAY_RTP, (uint16_t)p};
        if ((j = rs_slot()) < 0) {
            g.rs[i].fd = -1;
            close(a), close(b);
            return -1;
        }
        g.rs[j] = (rsock){b, sid, leg, MEDIA_RELAY_RTCP, (uint16_t)(p + 1)};
        ep_add(a, EPOLLIN, TAG_RELAY, (uint32_t)i);
        ep_add(b, EPOLLIN, TAG_RELAY, (uint32_t)j);
        *rtp_port = (uint16_t)p;
        *rtcp_port = (uint16_t)(p + 1);
        return 0;
    }
    return -1;
}

static rsock *rs_find(media_relay_sid sid, unsigned leg, unsigned sock)
{
    int i;
    for (i = 0; i < MAX_RSOCK; i++)
        if (g.rs[i].fd >= 0 && g.rs[i].sid.index == sid.index && g.rs[i].sid.gen == sid.gen &&
            g.rs[i].leg == leg && g.rs[i].sock == sock)
            return &g.rs[i];
    return NULL;
}

static void rtp_release(void *user, media_relay_sid sid, unsigned leg, uint16_t rtp_port,
                        uint16_t rtcp_port)
{
    unsigned s;
    (void)user, (void)rtp_port, (void)rtcp_port;
    for (s = 0; s < 2; s++) {
        rsock *r = rs_find(sid, leg, s);
        if (r) {
            close(r->fd);
            r->fd = -1;
        }
    }
}

static int relay_send(void *user, media_relay_sid sid, unsigned leg, unsigned sock,
                      const media_relay_addr *dst, const uint8_t *pkt, size_t len)
{
    rsock *r = rs_find(sid, leg, sock);
    struct sockaddr_in sa;
    (void)user;
    if (!r || dst->family != 4) return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    memcpy(&sa.sin_addr, dst->ip, 4);
    sa.sin_port = htons(dst->port);
    g.rec_src_port = r->port;
    g.rec_dst = *dst;
    return sendto(r->fd, pkt, len, 0, (struct sockaddr *)&sa, sizeof sa) == (ssize_t)len ? 0 : -1;
}

static call *call_of(media_relay_sid sid)
{
    call *c = &g.calls[g.call_of_sid[sid.index % MAX_CALLS]];
    return c->used && c->has_session && c->sid.index == sid.index && c->sid.gen == sid.gen ? c : NULL;
}

static void relay_event(void *user, media_relay_sid sid, const media_relay_event *ev)
{
    call *c = call_of(sid);
    (void)user;
    if (!c) return;
    if (ev->kind == MEDIA_RELAY_EV_INACTIVE) c->dead = 1; /* ended after on_timeout */
    else if (ev->kind == MEDIA_RELAY_EV_LATCHED && ev->addr && ev->addr->family == 4)
        logf_(2, "sipd: call %u leg %c %s latched to %u.%u.%u.%u:%u\n", c->no, ev->leg ? 'B' : 'A',
              ev->sock ? "RTCP" : "RTP", ev->addr->ip[0], ev->addr->ip[1], ev->addr->ip[2],
              ev->addr->ip[3], ev->addr->port);
}

/* MOS of what a leg sends us, from its loss and jitter (G.107 E-model,
 * G.711 with PLC, 20 ms one way besides the jitter buffer). */
static int relay_mos(void *user, media_relay_sid sid, unsigned leg, const media_relay_stats *st)
{
    rtp_emodel_input in;
    rtp_emodel_result r;
    (void)user, (void)sid, (void)leg;
    if (!st->have_source || st->src.expected <= 0) return 0;
    memset(&in, 0, sizeof in);
    rtp_emodel_codec_params(RTP_EMODEL_G711_PLC, 64000, &in.ie, &in.bpl);
    in.loss_pct = st->src.cumulative_lost > 0 ? 100.0 * st->src.cumulative_lost / (double)st->src.expected : 0;
    if (in.loss_pct > 100) in.loss_pct = 100;
    in.burst_r = 1;
    in.jitter_ms = st->src_clock_rate ? st->src.jitter * 1000.0 / st->src_clock_rate : 0;
    in.jb_delay_ms = -1;
    in.one_way_delay_ms = 20;
    if (rtp_emodel_estimate(&in, &r) != 0) return 0;
    return (int)(r.mos * 100 + 0.5);
}

/* ---- recording: pcap (IPv4/UDP frames) and WAV per direction ------------------- */

static void rec_name(char *out, size_t cap, const call *c, const char *suffix)
{
    char id[40];
    size_t i, k = 0;
    for (i = 0; i < c->call_id_len && k + 1 < sizeof id; i++) {
        char ch = c->call_id[i];
        id[k++] = (char)((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                                 ch == '-' || ch == '.'
                             ? ch
                             : '_');
    }
    id[k] = 0;
    snprintf(out, cap, "%s/call%04u-%s%s", g.record_dir, c->no, id, suffix);
}

static uint16_t ip_csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    size_t i;
    for (i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void rec_pcap(call *c, const uint8_t *pkt, size_t len)
{
    static uint8_t f[65536];
    struct pcap_pkthdr h;
    struct timeval tv;
    size_t n = 28 + len;
    uint16_t cs;
    if (!c->dump) {
        rec_name(c->pcap_path, sizeof c->pcap_path, c, ".pcap");
        if (!(c->pd = pcap_open_dead(DLT_RAW, 65535))) return;
        if (!(c->dump = pcap_dump_open(c->pd, c->pcap_path))) {
            logf_(1, "sipd: %s: %s\n", c->pcap_path, pcap_geterr(c->pd));
            pcap_close(c->pd);
            c->pd = NULL;
            c->pcap_path[0] = 0;
            return;
        }
    }
    if (n > sizeof f) return;
    memset(f, 0, 28);
    f[0] = 0x45;
    f[2] = (uint8_t)(n >> 8), f[3] = (uint8_t)n;
    f[8] = 64;
    f[9] = 17;
    inet_pton(AF_INET, g.relay_addr, f + 12);
    memcpy(f + 16, g.rec_dst.ip, 4);
    cs = ip_csum(f, 20);
    f[10] = (uint8_t)(cs >> 8), f[11] = (uint8_t)cs;
    f[20] = (uint8_t)(g.rec_src_port >> 8), f[21] = (uint8_t)g.rec_src_port;
    f[22] = (uint8_t)(g.rec_dst.port >> 8), f[23] = (uint8_t)g.rec_dst.port;
    f[24] = (uint8_t)((8 + len) >> 8), f[25] = (uint8_t)(8 + len); /* UDP checksum 0: none */
    memcpy(f + 28, pkt, len);
    gettimeofday(&tv, NULL);
    h.ts = tv;
    h.caplen = h.len = (bpf_u_int32)n;
    pcap_dump((u_char *)c->dump, &h, f);
}

static void rec_wav(call *c, unsigned from_leg, const uint8_t *pkt, size_t len)
{
    rtp_header h;
    int16_t pcm[1024];
    size_t n;
    if (from_leg > 1 || rtp_parse(pkt, len, &h) != 0) return;
    if (h.payload_type != 0 && h.payload_type != 8) return; /* G.711 only; DTMF events skipped */
    n = h.payload.len > 1024 ? 1024 : h.payload.len;
    if (!c->wav[from_leg]) {
        SF_INFO info;
        memset(&info, 0, sizeof info);
        info.samplerate = 8000;
        info.channels = 1;
        info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
        rec_name(c->wav_path[from_leg], sizeof c->wav_path[from_leg], c,
                 from_leg ? "-callee.wav" : "-caller.wav");
        if (!(c->wav[from_leg] = sf_open(c->wav_path[from_leg], SFM_WRITE, &info))) {
            logf_(1, "sipd: %s: %s\n", c->wav_path[from_leg], sf_strerror(NULL));
            c->wav_path[from_leg][0] = 0;
            return;
        }
    }
    /* the time a gap covers (DTMF events, losses) becomes silence, at most
     * 2 s; a packet from the past (reordered) is dropped */
    if (c->wav_have_ts[from_leg]) {
        int32_t gap = (int32_t)(h.timestamp - c->wav_next_ts[from_leg]);
        if (gap < 0) return;
        if (gap > 0 && gap <= 16000) {
            int16_t z[160];
            memset(z, 0, sizeof z);
            while (gap > 0) {
                int k = gap > 160 ? 160 : gap;
                sf_write_short(c->wav[from_leg], z, k);
                gap -= k;
            }
        }
    }
    c->wav_have_ts[from_leg] = 1;
    c->wav_next_ts[from_leg] = h.timestamp + (uint32_t)n;
    if (h.payload_type == 0) rtp_ulaw_decode_buf(h.payload.p, n, pcm);
    else rtp_alaw_decode_buf(h.payload.p, n, pcm);
    sf_write_short(c->wav[from_leg], pcm, (sf_count_t)n);
}

static void relay_record(void *user, media_relay_sid sid, unsigned from_leg, unsigned to_leg,
                         unsigned kind, const uint8_t *pkt, size_t len, uint64_t now)
{
    call *c = call_of(sid);
    (void)user, (void)to_leg, (void)now;
    if (!c || !g.record_dir) return;
    rec_pcap(c, pkt, len);
    if (kind == MEDIA_RELAY_RTP) rec_wav(c, from_leg, pkt, len);
}

static void rec_close(call *c)
{
    int i;
    if (c->dump) {
        pcap_dump_close(c->dump);
        pcap_close(c->pd);
        c->dump = NULL;
        c->pd = NULL;
        logf_(1, "sipd:   call %u pcap %s\n", c->no, c->pcap_path);
    }
    for (i = 0; i < 2; i++)
        if (c->wav[i]) {
            sf_close(c->wav[i]);
            c->wav[i] = NULL;
            logf_(1, "sipd:   call %u wav (%s) %s\n", c->no, i ? "callee to caller" : "caller to callee",
                  c->wav_path[i]);
        }
}

/* ---- proxy callbacks ----------------------------------------------------------------- */

/* Watch what goes upstream: 2xx / failures to INVITE decide a call. */
static void observe_out(const char *b, size_t len)
{
    static sip_hdr hdrs[128];
    sip_parse_config pc;
    sip_msg m;
    call *c;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    if (sip_parse(b, len, &pc, &m, hdrs, 128, NULL) <= 0) return;
    if (m.is_request || m.cseq.method != SIP_METHOD_INVITE || m.status < 200) return;
    if (!(c = call_find(m.call_id))) {
        if (m.status >= 300 && m.status != 401 && m.status != 407 && !m.to.tag.len) g.calls_failed++;
        else if (m.status == 487) g.calls_cancelled++;
        return;
    }
    if (m.status < 300) {
        if (!c->answered) {
            c->answered = 1;
            g.calls_answered++;
            logf_(1, "sipd: call %u answered (%.*s)\n", c->no, (int)m.call_id.len, m.call_id.p);
        }
    } else if (!c->answered) {
        if (m.status == 487) g.calls_cancelled++;
        else if (m.status != 401 && m.status != 407) g.calls_failed++;
        call_end(c, "failed");
    }
}

static int px_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    int rc;
    (void)user;
    ladder(0, to, (const char *)msg, len);
    if (len > 8 && !memcmp(msg, "SIP/2.0 ", 8)) {
        g.resp_out++;
        observe_out((const char *)msg, len);
    } else {
        g.req_out++;
    }
    rc = sip_transport_send(g.tp, to, (const char *)msg, len, now_us(), NULL);
    return rc < 0 ? rc : 0;
}

/* A URI for our location service: one of our names as host, and no port
 * or one of our SIP ports. A contact of a UA on this host (its own port,
 * sip:alice-x@127.0.0.1:5070 in a BYE) is not ours but the UA's. */
static int uri_is_ours(const sip_uri *u)
{
    int i;
    if (u->has_port && u->port != g.port && u->port != g.tls_port && u->port != g.ws_port &&
        u->port != g.wss_port)
        return 0;
    for (i = 0; g.domains[i]; i++)
        if (u->host.len == strlen(g.domains[i]) && !strncasecmp(u->host.p, g.domains[i], u->host.len))
            return 1;
    return 0;
}

/* The flow a binding's REGISTER came on ("tcp:1.2.3.4:5"), so a contact
 * behind a connection (WebSocket's .invalid hosts) is reached through it. */
static sip_flow flow_of(sip_str received)
{
    const char *colon = received.len ? memchr(received.p, ':', received.len) : NULL;
    sip_str tpn, rest;
    sip_ipaddr a;
    sip_tp tp;
    if (!colon) return 0;
    tpn.p = received.p;
    tpn.len = (size_t)(colon - received.p);
    rest.p = colon + 1;
    rest.len = received.len - tpn.len - 1;
    tp = sip_tp_from_name(tpn);
    if (tp == SIP_TP_NONE || tp == SIP_TP_UDP || sip_ipaddr_parse(rest, &a) != 0) return 0;
    return sip_transport_find(g.tp, tp, &a, NULL);
}

/* Target set (§16.5): the contacts of the address-of-record, tried as
 * written, without the port, and under each of our names (a UA may
 * register sip:bob@127.0.0.1:5060 and be called as sip:bob@cvoip.test). */
static int px_lookup(void *user, const sip_msg *req, uint64_t now, sip_proxy_target *out,
                     size_t max, int *status)
{
    static sip_binding bb[SIP_PROXY_MAX_TARGETS];
    char aor[SIP_REG_MAX_AOR], user_[128];
    const sip_location_ops *ops = sip_locmem_ops();
    int n = 0, known = 0, i, k, ul;
    sip_str a;
    (void)user;
    if (!req->ruri.user.len || !uri_is_ours(&req->ruri)) {
        memset(&out[0], 0, sizeof out[0]);
        out[0].uri = req->ruri_str;
        out[0].q = 1000;
        return 1;
    }
    ul = sip_unescape(req->ruri.user, user_, sizeof user_);
    if (ul <= 0) {
        *status = 404;
        return 0;
    }
    if (max > SIP_PROXY_MAX_TARGETS) max = SIP_PROXY_MAX_TARGETS;
    for (k = -1; g.domains[k < 0 ? 0 : k] && n <= 0; k++) {
        int pi;
        for (pi = 0; pi < 2 && n <= 0; pi++) {
            int al;
            if (k < 0)
                al = pi ? snprintf(aor, sizeof aor, "sip:%.*s@%.*s", ul, user_, (int)req->ruri.host.len,
                                   req->ruri.host.p)
                        : sip_registrar_aor(&req->ruri, aor, sizeof aor);
            else
                al = pi ? snprintf(aor, sizeof aor, "sip:%.*s@%s:%d", ul, user_, g.domains[k], g.port)
                        : snprintf(aor, sizeof aor, "sip:%.*s@%s", ul, user_, g.domains[k]);
            if (al <= 0 || al >= (int)sizeof aor) continue;
            for (i = al - 1; i > 0 && aor[i] != '@'; i--)
                if (aor[i] >= 'A' && aor[i] <= 'Z') aor[i] = (char)(aor[i] + 32);
            a.p = aor;
            a.len = (size_t)al;
            n = ops->lookup(&g.lm, a, now, bb, max);
            if (n == 0 && ops->lookup(&g.lm, a, 0, bb, 1) > 0) known = 1;
        }
    }
    if (n <= 0) {
        *status = n < 0 ? 500 : known ? 480 : 404;
        return 0;
    }
    if ((size_t)n > max) n = (int)max;
    for (i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].uri = bb[i].uri;
        out[i].path = bb[i].path;
        out[i].q = bb[i].q;
        out[i].flow = bb[i].flow ? bb[i].flow : flow_of(bb[i].received);
    }
    return n;
}

/* The next hop: the binding's flow when there is one, else a numeric host
 * with the transport of the URI. */
static int px_resolve(void *user, const sip_uri *u, uint32_t flow, sip_target *t)
{
    sip_str tpv;
    (void)user;
    memset(t, 0, sizeof *t);
    if (flow && sip_transport_flow_target(g.tp, flow, t) == 0) return 0;
    if (u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS) return -1;
    t->tp = u->scheme == SIP_URI_SIPS ? SIP_TP_TLS : SIP_TP_UDP;
    if (sip_param_find(u->params, "transport", &tpv) == 1 && tpv.p) {
        t->tp = sip_tp_from_name(tpv);
        if (t->tp == SIP_TP_NONE) return -1;
    }
    if (sip_ipaddr_parse(u->host, &t->remote) != 0) return -1;
    t->remote.port = u->has_port ? u->port : sip_tp_default_port(t->tp);
    return 0;
}

static void px_event(void *user, const sip_proxy_event *ev)
{
    (void)user;
    switch (ev->type) {
    case SIP_PROXY_EV_REJECTED:
        if (ev->status == 401 || ev->status == 407) g.challenges++;
        else if (ev->msg && ev->msg->is_request && ev->msg->method != SIP_METHOD_REGISTER)
            logf_(2, "sipd: proxy answered %.*s with %d (%s)\n", (int)ev->msg->method_str.len,
                  ev->msg->method_str.p, ev->status, ev->what ? ev->what : "");
        if (ev->what && !strcmp(ev->what, "registrar")) {
            if (ev->status == 200) g.registrations++;
            else g.reg_failed++;
            if (ev->msg)
                logf_(1, "sipd: REGISTER %.*s -> %d\n", (int)ev->msg->to.uri.raw.len,
                      ev->msg->to.uri.raw.p, ev->status);
        }
        break;
    case SIP_PROXY_EV_FORWARDED:
        g.branches++;
        if (ev->msg && ev->msg->method == SIP_METHOD_INVITE)
            logf_(2, "sipd: INVITE branch to %.*s\n", (int)ev->target.len, ev->target.p);
        break;
    case SIP_PROXY_EV_ERROR:
        logf_(1, "sipd: proxy error: %s (%s)\n", ev->what ? ev->what : "?",
              sip_proxy_strerror(ev->error));
        break;
    default:
        break;
    }
}

/* ---- sockets ------------------------------------------------------------------------ */

static int tcp_listen(uint16_t port)
{
    struct sockaddr_in sa;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if ((g.reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one)) ||
        inet_pton(AF_INET, g.addr, &sa.sin_addr) != 1 || bind(fd, (struct sockaddr *)&sa, sizeof sa) ||
        listen(fd, 512)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int add_listener(sip_tp tp, int port)
{
    int fd;
    if (!port) return 0;
    if ((fd = tcp_listen((uint16_t)port)) < 0) {
        fprintf(stderr, "sipd: %s listener on %s:%d: %s\n", sip_tp_name(tp), g.addr, port, strerror(errno));
        return -1;
    }
    g.lst[g.n_lst] = (listener){fd, tp, (uint16_t)port};
    ep_add(fd, EPOLLIN, TAG_LISTEN, (uint32_t)g.n_lst);
    g.n_lst++;
    return 0;
}

static void do_accept(listener *l)
{
    for (;;) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        sip_ipaddr remote, local = g.local;
        sip_flow flow = 0;
        const sip_tp_filter *f = NULL;
        void *fctx = NULL;
        int i, fd = accept4(l->fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        to_ipaddr(&sa, &remote);
        local.port = l->port;
#ifdef SIP_USE_OPENSSL
        if (l->tp == SIP_TP_TLS || l->tp == SIP_TP_WSS) {
            if (!(fctx = tls_new(1))) {
                close(fd);
                continue;
            }
            f = sip_tls_tp_filter();
        }
#endif
        if ((i = conn_new(fd)) < 0) {
#ifdef SIP_USE_OPENSSL
            sip_tls_free((sip_tls *)fctx);
#endif
            close(fd);
            continue;
        }
        /* the record first: the filter's on_start may already send */
        g.conns[i].flow = (sip_flow)-1;
        ep_add(fd, EPOLLIN, TAG_CONN, (uint32_t)i);
        if (sip_transport_accepted(g.tp, l->tp, &remote, &local, f, fctx, now_us(), &flow) != 0) {
            if (g.conns[i].fd >= 0 && g.conns[i].flow == (sip_flow)-1) conn_free(&g.conns[i]);
            continue;
        }
        g.conns[i].flow = flow;
    }
}

static void conn_event(conn *c, uint32_t events)
{
    static uint8_t buf[65536];
    sip_flow f = c->flow;
    if (c->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            (void)sip_transport_closed(g.tp, f, now_us());
            return;
        }
        c->connecting = 0;
        conn_want_out(c, 0);
        (void)sip_transport_connected(g.tp, f, now_us());
        return;
    }
    if (events & EPOLLOUT) {
        (void)sip_transport_writable(g.tp, f, now_us());
        if ((c = conn_by_flow(f)) != NULL && !sip_transport_queued(g.tp, f)) conn_want_out(c, 0);
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        int k;
        for (k = 0; k < 16; k++) {
            ssize_t n;
            if (!(c = conn_by_flow(f))) return;
            n = recv(c->fd, buf, sizeof buf, 0);
            if (n > 0) {
                (void)sip_transport_data(g.tp, f, buf, (size_t)n, now_us());
                if ((size_t)n < sizeof buf) return;
            } else {
                if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                    (void)sip_transport_closed(g.tp, f, now_us());
                return;
            }
        }
    }
}

static void udp_event(void)
{
    static uint8_t buf[65536];
    int k;
    for (k = 0; k < 256; k++) {
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

static void relay_event_fd(rsock *r)
{
    static uint8_t buf[2048];
    int k;
    for (k = 0; k < 64 && r->fd >= 0; k++) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        media_relay_addr src;
        ssize_t n = recvfrom(r->fd, buf, sizeof buf, 0, (struct sockaddr *)&sa, &sl);
        if (n < 0) return;
        memset(&src, 0, sizeof src);
        src.family = 4;
        memcpy(src.ip, &sa.sin_addr, 4);
        src.port = ntohs(sa.sin_port);
        (void)media_relay_on_packet(g.relay, r->sid, r->leg, r->sock, &src, buf, (size_t)n, now_us());
    }
}

/* ---- TLS context --------------------------------------------------------------------- */

#ifdef SIP_USE_OPENSSL
/* A self-signed P-256 certificate for the domain (and the address), made
 * at start when no --cert is given: enough for a test bed. */
static int tls_self_signed(SSL_CTX *ctx)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *n;
    X509_EXTENSION *e;
    X509V3_CTX v3;
    char san[256];
    int ok = 0;
    struct in_addr ia;
    if (!k || !x) goto out;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(now_us() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600);
    X509_set_pubkey(x, k);
    n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)g.domain, -1, -1, 0);
    X509_set_issuer_name(x, n);
    if (inet_pton(AF_INET, g.domain, &ia) == 1) snprintf(san, sizeof san, "IP:%s", g.domain);
    else snprintf(san, sizeof san, "DNS:%s, URI:sip:%s, IP:%s", g.domain, g.domain, g.addr);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    if (!(e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san))) goto out;
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    if (!X509_sign(x, k, EVP_sha256())) goto out;
    ok = SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, k) == 1;
out:
    X509_free(x);
    EVP_PKEY_free(k);
    return ok ? 0 : -1;
}

static int tls_setup(void)
{
    g.tls_server = SSL_CTX_new(TLS_server_method());
    g.tls_client = SSL_CTX_new(TLS_client_method());
    if (!g.tls_server || !g.tls_client) return -1;
    SSL_CTX_set_min_proto_version(g.tls_server, TLS1_2_VERSION);
    SSL_CTX_set_min_proto_version(g.tls_client, TLS1_2_VERSION);
    if (g.cert) {
        if (SSL_CTX_use_certificate_chain_file(g.tls_server, g.cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(g.tls_server, g.key ? g.key : g.cert, SSL_FILETYPE_PEM) != 1) {
            fprintf(stderr, "sipd: cannot load %s / %s\n", g.cert, g.key ? g.key : g.cert);
            return -1;
        }
        return 0;
    }
    return tls_self_signed(g.tls_server);
}
#endif

/* ---- statistics ------------------------------------------------------------------------ */

static void print_counters(const char *prefix)
{
    printf("%s: SIP in %llu requests / %llu responses, out %llu requests / %llu responses, "
           "%llu unparsable; registrations %llu (%llu refused), challenges %llu; calls answered "
           "%llu, failed %llu, cancelled %llu; branches %llu; bindings %u; relay sessions %llu\n",
           prefix, (unsigned long long)g.req_in, (unsigned long long)g.resp_in,
           (unsigned long long)g.req_out, (unsigned long long)g.resp_out,
           (unsigned long long)g.bad_in, (unsigned long long)g.registrations,
           (unsigned long long)g.reg_failed, (unsigned long long)g.challenges,
           (unsigned long long)g.calls_answered, (unsigned long long)g.calls_failed,
           (unsigned long long)g.calls_cancelled, (unsigned long long)g.branches,
           g.lm.n_bindings, (unsigned long long)g.relay_sessions);
    fflush(stdout);
}

static void print_stats(void)
{
    int l;
    double secs = (now_us() - g.started_us) / 1e6;
    print_counters("sipd: statistics");
    printf("sipd: uptime %.1f s, proxy: %llu forwarded, %llu answered itself, %llu loops, %llu ACKs, "
           "%llu dropped, %u contexts\n",
           secs, (unsigned long long)g.px.forwarded, (unsigned long long)g.px.rejected,
           (unsigned long long)g.px.loops, (unsigned long long)g.px.acks,
           (unsigned long long)g.px.dropped, sip_proxy_count(&g.px));
    if (g.relay_on)
        for (l = 0; l < 2; l++) {
            leg_total *t = &g.legs[l];
            printf("sipd: relay leg %c (%s): RTP in %llu out %llu, RTCP in %llu out %llu, lost %llu, "
                   "max jitter %.2f ms, mean MOS %.2f, dropped %llu\n",
                   l ? 'B' : 'A', l ? "callees" : "callers", (unsigned long long)t->rtp_in,
                   (unsigned long long)t->rtp_out, (unsigned long long)t->rtcp_in,
                   (unsigned long long)t->rtcp_out, (unsigned long long)t->lost, t->jitter_ms_max,
                   t->mos_n ? t->mos_sum / t->mos_n : 0.0, (unsigned long long)t->dropped);
        }
    fflush(stdout);
}

/* ---- setup ------------------------------------------------------------------------------ */

static int usage(void)
{
    fprintf(stderr,
            "usage: sipd [--addr 127.0.0.1] [--port 5060] [--tls-port 5061] [--ws-port 8080]\n"
            "            [--wss-port 8443] [--domain D] [--users FILE] [--cert PEM --key PEM]\n"
            "            [--no-relay] [--relay-addr A] [--relay-ports 20000-29999]\n"
            "            [--record DIR] [--log 0|1|2|3] [--stats-interval S]\n"
            "            [--auth-algs sha256,md5] [--no-reuseport]\n"
            "  a port of 0 turns that listener off; --log 2 prints the SIP ladder, 3 with Call-IDs\n");
    return 2;
}

static int parse_args(int argc, char **argv)
{
    int i;
    g.addr = "127.0.0.1";
    g.port = 5060;
    g.tls_port = 5061;
    g.ws_port = 8080;
    g.wss_port = 8443;
    g.relay_on = 1;
    g.rport_lo = 20000;
    g.rport_hi = 29999;
    g.log = 1;
    g.reuseport = 1;
    g.auth_algs = (1u << SIP_DIGEST_SHA256) | (1u << SIP_DIGEST_MD5);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && ++i)
        if (OPT("--addr")) g.addr = v;
        else if (OPT("--port")) g.port = atoi(v);
        else if (OPT("--tls-port")) g.tls_port = atoi(v);
        else if (OPT("--ws-port")) g.ws_port = atoi(v);
        else if (OPT("--wss-port")) g.wss_port = atoi(v);
        else if (OPT("--domain")) g.domain = v;
        else if (OPT("--users")) g.users_file = v;
        else if (OPT("--cert")) g.cert = v;
        else if (OPT("--key")) g.key = v;
        else if (OPT("--relay-addr")) g.relay_addr = v;
        else if (OPT("--relay-ports")) {
            if (sscanf(v, "%d-%d", &g.rport_lo, &g.rport_hi) != 2) return -1;
        } else if (OPT("--record")) g.record_dir = v;
        else if (OPT("--log")) g.log = atoi(v);
        else if (OPT("--stats-interval")) g.stats_interval = atoi(v);
        else if (OPT("--auth-algs")) {
            g.auth_algs = 0;
            if (strstr(v, "sha512")) g.auth_algs |= 1u << SIP_DIGEST_SHA512_256;
            if (strstr(v, "sha256")) g.auth_algs |= 1u << SIP_DIGEST_SHA256;
            if (strstr(v, "md5")) g.auth_algs |= 1u << SIP_DIGEST_MD5;
            if (!g.auth_algs) return -1;
        } else if (!strcmp(a, "--no-relay")) g.relay_on = 0;
        else if (!strcmp(a, "--no-reuseport")) g.reuseport = 0;
        else return -1;
#undef OPT
    }
    if (g.port <= 0 || g.port > 65535 || g.tls_port < 0 || g.tls_port > 65535 || g.ws_port < 0 ||
        g.ws_port > 65535 || g.wss_port < 0 || g.wss_port > 65535 || g.rport_lo < 1024 ||
        g.rport_hi > 65535 || g.rport_hi - g.rport_lo < 3 || g.stats_interval < 0)
        return -1;
    if (g.rport_lo & 1) g.rport_lo++;
    if (!g.domain) g.domain = g.addr;
    if (!g.relay_addr) g.relay_addr = g.addr;
    g.rport_next = g.rport_lo;
#ifndef SIP_USE_OPENSSL
    g.tls_port = g.wss_port = 0;
#endif
    return 0;
}

static int setup_users(void)
{
    static const char *const demo[][2] = {
        {"alice", "alicepw"}, {"bob", "bobpw"}, {"carol", "carolpw"}, {"dave", "davepw"}};
    size_t i;
    if (g.users_file) {
        int n = users_load(g.users_file);
        if (n <= 0) {
            fprintf(stderr, "sipd: %s: no user:password lines\n", g.users_file);
            return -1;
        }
        logf_(1, "sipd: %d users from %s (realm \"%s\")\n", n, g.users_file, g.domain);
        return 0;
    }
    for (i = 0; i < sizeof demo / sizeof demo[0]; i++)
        if (user_add(demo[i][0], demo[i][1])) return -1;
    logf_(1, "sipd: demo users (realm \"%s\"): alice:alicepw bob:bobpw carol:carolpw dave:davepw\n",
          g.domain);
    return 0;
}

static int setup_layers(void)
{
    sip_transport_config tc;
    sip_transport_callbacks tcb;
    sip_locmem_config lc;
    sip_registrar_config rc;
    sip_authsrv_config ac;
    sip_authsrv_callbacks acb;
    sip_proxy_config pc;
    sip_proxy_callbacks pcb;
    size_t asz;
    int n = 0, i;

    memset(&tc, 0, sizeof tc);
    tc.max_connections = MAX_CONNS;
    memset(&tcb, 0, sizeof tcb);
    tcb.size = sizeof tcb;
    tcb.send = tp_send;
    tcb.open = tp_open;
    tcb.on_connected = tp_connected;
    tcb.on_disconnected = tp_disconnected;
    tcb.on_message = tp_message;
    tcb.rng = rng;
    if (sip_transport_create(&g.tp, &tc, &tcb, NULL)) return -1;

    memset(&lc, 0, sizeof lc);
    lc.buckets = 4096;
    if (sip_locmem_init(&g.lm, &lc)) return -1;
    memset(&rc, 0, sizeof rc);
    rc.min_expires = 10;
    if (sip_registrar_init(&g.reg, &rc, sip_locmem_ops(), &g.lm)) return -1;

    rand_bytes(g.secret, sizeof g.secret);
    memset(&ac, 0, sizeof ac);
    ac.realm = sip_str_c(g.domain);
    ac.secret = g.secret;
    ac.secret_len = sizeof g.secret;
    ac.algs = g.auth_algs;
    ac.nc_slots = SIPD_NC_SLOTS;
    ac.limiter_slots = 4096;
    memset(&acb, 0, sizeof acb);
    acb.size = sizeof acb;
    acb.ha1 = as_ha1;
    acb.rand = rng_void;
    asz = sip_authsrv_mem_size(&ac);
    if (!asz || !(g.as_mem = malloc(asz)) || sip_authsrv_init(&g.as, g.as_mem, asz, &ac, &acb, NULL))
        return -1;

    g.domains[0] = g.domain;
    g.domains[1] = strcmp(g.domain, g.addr) ? g.addr : "localhost";
    g.domains[2] = strcmp(g.domain, g.addr) ? "localhost" : NULL;
    g.domains[3] = NULL;
    {
        static const sip_tp tps[5] = {SIP_TP_UDP, SIP_TP_TCP, SIP_TP_TLS, SIP_TP_WS, SIP_TP_WSS};
        for (i = 0; i < 5; i++) {
            uint16_t p = tps[i] == SIP_TP_UDP ? (uint16_t)g.port : local_port(tps[i]);
            if (!p) continue;
            g.listen[n].tp = tps[i];
            g.listen[n].host = sip_str_c(g.host);
            g.listen[n].port = p;
            n++;
        }
    }
    memset(&pc, 0, sizeof pc);
    pc.listen = g.listen;
    pc.n_listen = (size_t)n;
    pc.record_route = 1;
    pc.domains = g.domains;
    pc.location = sip_locmem_ops();
    pc.location_store = &g.lm;
    pc.registrar = &g.reg;
    pc.auth = &g.as;
    pc.auth_methods = (1u << SIP_METHOD_REGISTER) | (1u << SIP_METHOD_INVITE);
    /* a context lives until its transactions end (Timer K/J: 32 s on UDP
     * after a BYE's 200), so about 64 contexts per call/s: room for 2000
     * calls/s at 12 bytes per slot until used */
    pc.max_contexts = 131072;
    memset(&pcb, 0, sizeof pcb);
    pcb.size = sizeof pcb;
    pcb.send = px_send;
    pcb.lookup = px_lookup;
    pcb.resolve = px_resolve;
    pcb.rand = rng;
    pcb.on_event = px_event;
    if (sip_proxy_init(&g.px, &pc, &pcb, NULL)) return -1;

    if (g.relay_on) {
        media_relay_config mc;
        media_relay_callbacks mcb;
        memset(&mc, 0, sizeof mc);
        mc.max_sessions = MAX_CALLS;
        mc.local_addr = g.relay_addr;
        mc.inactivity_us = 120000000u; /* a call without media for 2 min loses its session */
        mc.relatch_silence_us = 2000000u;
        memset(&mcb, 0, sizeof mcb);
        mcb.size = sizeof mcb;
        mcb.alloc_port = rtp_alloc;
        mcb.release_port = rtp_release;
        mcb.send = relay_send;
        mcb.on_event = relay_event;
        mcb.record = relay_record;
        mcb.rand = rng_void;
        mcb.mos = relay_mos;
        if (media_relay_create(&mc, &mcb, NULL, &g.relay)) return -1;
    }
    return 0;
}

static int setup_sockets(void)
{
    struct sockaddr_in sa;
    sigset_t ss;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)g.port);
    if (inet_pton(AF_INET, g.addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "sipd: --addr must be an IPv4 address\n");
        return -1;
    }
    to_ipaddr(&sa, &g.local);
    sip_ipaddr_print(&g.local, 0, g.host, sizeof g.host);
    if ((g.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) return -1;
    sigemptyset(&ss);
    sigaddset(&ss, SIGINT);
    sigaddset(&ss, SIGTERM);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    if ((g.sfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) return -1;
    ep_add(g.sfd, EPOLLIN, TAG_SIGNAL, 0);
    if ((g.udp = udp_bind(g.addr, (uint16_t)g.port, g.reuseport)) < 0) {
        fprintf(stderr, "sipd: UDP %s:%d: %s\n", g.addr, g.port, strerror(errno));
        return -1;
    }
    {
        int sz = 4 << 20;
        setsockopt(g.udp, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    }
    ep_add(g.udp, EPOLLIN, TAG_UDP, 0);
    if (add_listener(SIP_TP_TCP, g.port) || add_listener(SIP_TP_TLS, g.tls_port) ||
        add_listener(SIP_TP_WS, g.ws_port) || add_listener(SIP_TP_WSS, g.wss_port))
        return -1;
    return 0;
}

static uint64_t next_deadline(uint64_t now, uint64_t next_tick)
{
    uint64_t d = sip_proxy_next_deadline(&g.px), d2 = sip_transport_next_deadline(g.tp);
    if (d2 < d) d = d2;
    if (g.relay && (d2 = media_relay_next_deadline(g.relay)) < d) d = d2;
    if (next_tick < d) d = next_tick;
    return d < now ? now : d;
}

int main(int argc, char **argv)
{
    uint64_t next_tick, next_stats;
    int i, stop = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (parse_args(argc, argv)) return usage();
    for (i = 0; i < MAX_CONNS; i++) g.conns[i].fd = -1;
    for (i = 0; i < MAX_RSOCK; i++) g.rs[i].fd = -1;
    if (g.record_dir && mkdir(g.record_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "sipd: --record %s: %s\n", g.record_dir, strerror(errno));
        return 1;
    }
    if (setup_sockets() || setup_users()) return 1;
#ifdef SIP_USE_OPENSSL
    if ((g.tls_port || g.wss_port) && tls_setup()) {
        fprintf(stderr, "sipd: TLS setup failed\n");
        return 1;
    }
#endif
    if (setup_layers()) {
        fprintf(stderr, "sipd: setup failed\n");
        return 1;
    }
    g.started_us = now_us();
    logf_(1, "sipd: listening on %s: UDP/TCP %d", g.addr, g.port);
    if (g.tls_port) logf_(1, ", TLS %d%s", g.tls_port, g.cert ? "" : " (self-signed)");
    if (g.ws_port) logf_(1, ", WS %d", g.ws_port);
    if (g.wss_port) logf_(1, ", WSS %d", g.wss_port);
    logf_(1, "; domain %s; relay %s", g.domain, g.relay_on ? g.relay_addr : "off");
    if (g.relay_on) logf_(1, " ports %d-%d", g.rport_lo, g.rport_hi);
    if (g.record_dir) logf_(1, "; recording into %s", g.record_dir);
    logf_(1, "\n");
    next_tick = g.started_us + 1000000;
    next_stats = g.stats_interval ? g.started_us + (uint64_t)g.stats_interval * 1000000u : UINT64_MAX;
    while (!stop) {
        struct epoll_event evs[128];
        uint64_t now = now_us(), d = next_deadline(now, next_tick < next_stats ? next_tick : next_stats);
        int n, wait_ms = (int)((d - now + 999) / 1000);
        if (wait_ms > 1000) wait_ms = 1000;
        n = epoll_wait(g.ep, evs, 128, wait_ms);
        for (i = 0; i < n; i++) {
            uint32_t tag = (uint32_t)(evs[i].data.u64 >> 32), idx = (uint32_t)evs[i].data.u64;
            switch (tag) {
            case TAG_SIGNAL: {
                struct signalfd_siginfo si;
                if (read(g.sfd, &si, sizeof si) == (ssize_t)sizeof si) stop = 1;
                break;
            }
            case TAG_UDP: udp_event(); break;
            case TAG_LISTEN: do_accept(&g.lst[idx]); break;
            case TAG_CONN:
                if (idx < MAX_CONNS && g.conns[idx].fd >= 0 && g.conns[idx].flow != (sip_flow)-1)
                    conn_event(&g.conns[idx], evs[i].events);
                break;
            case TAG_RELAY:
                if (idx < MAX_RSOCK && g.rs[idx].fd >= 0) relay_event_fd(&g.rs[idx]);
                break;
            default: break;
            }
        }
        now = now_us();
        sip_transport_on_timeout(g.tp, now);
        (void)sip_proxy_on_timeout(&g.px, now);
        if (g.relay) {
            (void)media_relay_on_timeout(g.relay, now);
            for (i = 0; i < MAX_CALLS; i++)
                if (g.calls[i].used && g.calls[i].dead) call_end(&g.calls[i], "no media");
        }
        if (now >= next_tick) {
            sip_locmem_expire(&g.lm, now, 4096 / 60 + 1);
            /* a call record of an INVITE that never got a final answer */
            for (i = 0; i < MAX_CALLS; i++)
                if (g.calls[i].used && !g.calls[i].answered && now - g.calls[i].start_us > 300000000u)
                    call_end(&g.calls[i], "no answer");
            next_tick = now + 1000000;
        }
        if (now >= next_stats) {
            print_counters("sipd: stats");
            next_stats = now + (uint64_t)g.stats_interval * 1000000u;
        }
    }
    for (i = 0; i < MAX_CALLS; i++)
        if (g.calls[i].used) call_end(&g.calls[i], "shutdown");
    print_stats();
    sip_proxy_destroy(&g.px);
    if (g.relay) media_relay_destroy(g.relay);
    sip_transport_destroy(g.tp);
    sip_locmem_free(&g.lm);
    free(g.as_mem);
#ifdef SIP_USE_OPENSSL
    SSL_CTX_free(g.tls_server);
    SSL_CTX_free(g.tls_client);
#endif
    for (i = 0; i < g.n_lst; i++) close(g.lst[i].fd);
    close(g.udp);
    close(g.sfd);
    close(g.ep);
    return 0;
}
