/* sipua - a command-line SIP user agent on real sockets, built on cvoip:
 * sip_dialog.h (the UA core: calls, re-INVITE, CANCEL, digest, REGISTER,
 * MESSAGE), sip_transport.h (UDP datagrams, TCP framing and connections),
 * sdp.h (offer/answer through the core) and rtp.h (RTP/RTCP session,
 * adaptive jitter buffer, G.711, RFC 4733 telephone-events, the G.107
 * E-model). WAV files through libsndfile.
 *
 *   sipua --listen 127.0.0.1:5070 --call sip:bob@127.0.0.1:5072 \
 *         --duration 5 --dtmf 1234@2 --hold 2 --resume 3 --exit-when-done
 *   sipua --listen 127.0.0.1:5072 --auto-answer 500 --record bob.wav \
 *         --max-calls 1
 *
 * `sipua --help` lists every option and the exit status rule. The program
 * owns sockets, the clock and the poll loop; the library gets bytes,
 * times and deadlines. Audio is sent every 20 ms (160 G.711 samples per
 * packet); the received stream goes through the jitter buffer, one
 * playout tick per 20 ms, and is decoded into the --record WAV file.
 *
 * Machine-readable lines on stdout (stable; one line each):
 *   LOG <t> ->|<- <peer>/<tp> <first line> [(CSeq method)]   with --log
 *   REG result=ok|failed status=N expires=N
 *   DTMF call=N digit=D duration_ms=N
 *   MESSAGE call=N from=<uri> body=<text>
 *   CALL call=N role=uac|uas result=ok|failed|rejected status=N cause=NAME
 *   STATS call=N role=.. codec=.. tx_packets=N rx_packets=N tx_dtmf=N
 *         dtmf_rx=DIGITS lost=N loss_pct=F jitter_ms=F mos=F rtcp_tx=N
 *         rtcp_rx=N rms=F reinvites=N
 *   TRANSFER call=N role=transferor|transferee notify=N | refer_to=URI
 *   PRACK call=N rseq=N status=N   SESSION_TIMER call=N expires=S refresher=us|peer
 *   INFO call=N package=P body=B
 *   SUMMARY calls=N ok=N failed=N messages_rx=N message_status=N
 *           registered=0|1 transfer_status=N exit=N
 */
#define _POSIX_C_SOURCE 200809L
#define CVOIP_IMPLEMENTATION
#include "sip.h"
#include "sdp.h"
#include "rtp.h"
#include "sip_transport.h"
#include "sip_transaction.h"
#include "sip_dialog.h"
#include "example_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define MAX_CALLS 8
#define SPF 160            /* samples per 20 ms frame at 8 kHz */
#define FRAME_US 20000u
#define MAX_STATS 64

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- options -------------------------------------------------------------- */

static struct opts {
    const char *listen;
    sip_tp tp;
    const char *call_uri, *register_uri, *user, *password, *aor, *display, *proxy;
    const char *wav_in, *record, *stats_json;
    const char *dtmf;
    double dtmf_at;
    const char *message, *message_to;
    double tone_hz;
    int codec_pt;          /* 0 PCMU, 8 PCMA: offered first */
    int auto_answer_ms;    /* -1: ask on stdin */
    int reject;            /* 0: answer */
    double duration, hangup_after, hold_at, resume_at, timeout;
    int log, max_calls, max_calls_set, exit_when_done, no_audio_check;
    int rtp_port;
    uint32_t expires;
    double rtp_loss;       /* % of our RTP packets not sent (tests) */
    const char *transfer_to;
    double transfer_at;
    int refuse_transfer;
    int rel100;            /* sip_ua_100rel */
    uint32_t session_expires; /* 0: no session timer */
} o;

/* ---- state ----------------------------------------------------------------- */

typedef struct conn {
    int fd; /* -1: free */
    int connecting;
    sip_flow flow;
} conn;

typedef struct ucall {
    int used, num, is_uac;
    sip_ua_call h;
    int confirmed, ended;
    uint64_t started_us, answered_us;
    uint64_t answer_at;    /* auto-answer time, 0: none */
    sdp_local local;
    char addr[48], cname[64];
    int rtp_fd, rtcp_fd;
    uint16_t rtp_port, rtcp_port;
    /* negotiated */
    int have_remote, pt, te_pt;
    sdp_dir dir;
    char codec[16];
    struct sockaddr_in rtp_to, rtcp_to;
    /* sender */
    uint32_t ssrc, ts;
    uint16_t seq;
    uint64_t next_tick;
    size_t wav_pos;
    double phase;
    int sending;           /* last tick sent audio (marker after a gap) */
    uint64_t tx_packets, tx_dtmf;
    rtp_dtmf_sender ds;
    const char *dtmf_next;
    uint64_t dtmf_resume_us;
    /* receiver */
    rtp_session rs;
    void *rs_mem;
    rtp_jb jb;
    void *jb_mem;
    int jb_started, rx_pt;
    rtp_dtmf_receiver dr;
    char dtmf_rx[64];
    uint64_t rx_packets;
    uint32_t remote_ssrc;
    int have_remote_ssrc;
    int32_t lost;
    uint32_t expected;
    double jitter_ms;
    SNDFILE *rec;
    double sumsq;
    uint64_t nsamples;
    /* script */
    int hold_done, resume_done;
    int reinvites_ok, reinvites_failed;
    /* blind transfer (RFC 3515, RFC 5589 §6) */
    int transfer_done;     /* REFER sent (transferor) */
    sip_ua_sub xfer_sub;   /* transferor: REFER's subscription */
    sip_ua_sub refer_sub;  /* transferee: the REFER this call carries out */
    int refer_reported;    /* transferee: the final NOTIFY went */
} ucall;

typedef struct call_stats {
    int num, is_uac, ok, status;
    const char *cause;
    char line[512];
    char json[768];
} call_stats;

static struct {
    sip_ua ua;
    sip_transport *tp;
    int udp, lst;
    sip_ipaddr local;
    char host[48];
    int port;
    conn conns[MAX_CONNS];
    ucall calls[MAX_CALLS];
    int next_num;
    uint64_t t0;
    /* audio source */
    int16_t *wav;
    size_t wav_len;
    /* registration */
    sip_ua_reg reg;
    int registered, reg_failed, reg_done_once;
    /* scripted progress */
    int calls_started, calls_ended, calls_ok, calls_failed;
    int message_sent, message_status, messages_rx;
    uint64_t message_deadline;
    int timed_out;
    int transfer_status;   /* final sipfrag status of our REFER, 0 none */
    sip_ua_sub xfer_sub;   /* our last REFER's subscription (outlives the call) */
    call_stats stats[MAX_STATS];
    int n_stats;
    int stdin_open;
} g;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static double rel_s(uint64_t t) { return (double)(t - g.t0) / 1e6; }

static uint64_t rng_state;
static void rand_bytes(uint8_t *b, size_t n)
{
    while (n--) {
        rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
        *b++ = (uint8_t)(rng_state >> 56);
    }
}
static void seed_rng(void)
{
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&rng_state, sizeof rng_state, 1, f) != 1) rng_state = now_us();
    if (f) fclose(f);
    rng_state ^= (uint64_t)getpid() << 32;
}
static int ua_rand(void *user, uint8_t *b, size_t n)
{
    (void)user;
    rand_bytes(b, n);
    return 0;
}
static void rtp_rand(void *user, uint8_t *b, size_t n)
{
    (void)user;
    rand_bytes(b, n);
}

/* ---- sockets ------------------------------------------------------------------ */

static conn *conn_by_flow(sip_flow f)
{
    int i;
    for (i = 0; i < MAX_CONNS; i++)
        if (g.conns[i].fd >= 0 && g.conns[i].flow == f) return &g.conns[i];
    return NULL;
}

static conn *conn_free(void)
{
    int i;
    for (i = 0; i < MAX_CONNS; i++)
        if (g.conns[i].fd < 0) return &g.conns[i];
    return NULL;
}

/* A UDP socket bound to host:port (0: any port); returns the fd or -1. */
static int udp_bind(const char *host, uint16_t port, uint16_t *bound)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || bind(fd, (struct sockaddr *)&sa, sizeof sa) ||
        nonblock(fd) || getsockname(fd, (struct sockaddr *)&sa, &sl)) {
        close(fd);
        return -1;
    }
    if (bound) *bound = ntohs(sa.sin_port);
    return fd;
}

/* ---- the SIP ladder (--log) ------------------------------------------------------ */

/* The method of a response's CSeq ("INVITE"), found in the raw bytes. */
static int cseq_method(const char *b, size_t len, const char **m)
{
    size_t i, k;
    for (i = 0; i + 7 < len; i++) {
        if (b[i] != '\n' || (b[i + 1] != 'C' && b[i + 1] != 'c') || strncasecmp(b + i + 1, "cseq:", 5))
            continue;
        i += 6;
        while (i < len && (b[i] == ' ' || b[i] == '\t' || (b[i] >= '0' && b[i] <= '9'))) i++;
        for (k = i; k < len && b[k] > ' '; k++) {
        }
        *m = b + i;
        return (int)(k - i > 20 ? 20 : k - i);
    }
    return 0;
}

/* One ladder line: time, direction, peer and transport, the first line;
 * responses also name their CSeq method in parentheses. */
static void ladder(int out, const sip_target *peer, const char *b, size_t len)
{
    char addr[48];
    const char *m = "";
    size_t n = 0;
    int ml = 0;
    if (!o.log) return;
    while (n < len && b[n] != '\r' && b[n] != '\n') n++;
    if (sip_ipaddr_print(&peer->remote, 1, addr, sizeof addr) < 0) strcpy(addr, "?");
    if (len > 8 && !memcmp(b, "SIP/2.0 ", 8)) ml = cseq_method(b, len, &m);
    printf("LOG %8.3f %s %s/%s %.*s%s%.*s%s\n", rel_s(now_us()), out ? "->" : "<-", addr,
           sip_tp_name(peer->tp), (int)(n > 200 ? 200 : n), b, ml ? " (" : "", ml, m, ml ? ")" : "");
}

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
        n = send(c->fd, b, len, MSG_NOSIGNAL);
        if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
        return (int)n;
    }
}

/* A client TCP connection: connect without blocking; the poll loop
 * reports it with sip_transport_connected() or _closed(). */
static int tp_open(void *user, sip_flow flow, const sip_target *to)
{
    struct sockaddr_in sa;
    conn *c = conn_free();
    int fd;
    (void)user;
    if (!c || to->tp != SIP_TP_TCP || to->remote.family != 4) return -1;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    from_ipaddr(&to->remote, &sa);
    if (nonblock(fd) || (connect(fd, (struct sockaddr *)&sa, sizeof sa) && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    c->flow = flow;
    c->connecting = 1;
    return 0;
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
    (void)user;
    ladder(0, from, raw, len);
    if (!msg) {
        fprintf(stderr, "sipua: unparsable message: %s\n", err ? err->reason : "?");
        return;
    }
    /* sip_ua_message() reports nothing back: watch its final response */
    if (!msg->is_request && msg->cseq.method == SIP_METHOD_MESSAGE && msg->status >= 200 &&
        g.message_sent && !g.message_status)
        g.message_status = (int)msg->status;
    (void)sip_ua_receive(&g.ua, raw, len, from, now_us(), NULL);
}

/* ---- UA callbacks ----------------------------------------------------------------- */

static int ua_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    (void)user;
    ladder(1, to, (const char *)msg, len);
    return sip_transport_send(g.tp, to, (const char *)msg, len, now_us(), NULL) < 0 ? -1 : 0;
}

/* Numeric hosts directly, names through getaddrinfo (IPv4); the transport
 * is the URI's transport= parameter, else --transport. */
static int ua_resolve(void *user, const sip_uri *u, sip_target *out)
{
    char host[256];
    sip_str tpv;
    (void)user;
    memset(out, 0, sizeof *out);
    out->tp = o.tp;
    if (sip_param_find(u->params, "transport", &tpv) && tpv.p) {
        sip_tp x = sip_tp_from_name(tpv);
        if (x == SIP_TP_UDP || x == SIP_TP_TCP) out->tp = x;
    }
    if (u->host.len >= sizeof host) return -1;
    memcpy(host, u->host.p, u->host.len);
    host[u->host.len] = 0;
    if (sip_ipaddr_parse(sip_str_c(host), &out->remote) != 0) {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_INET;
        if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) return -1;
        to_ipaddr((const struct sockaddr_in *)res->ai_addr, &out->remote);
        freeaddrinfo(res);
    }
    if (out->remote.family != 4) return -1;
    out->remote.port = u->has_port ? u->port : 5060;
    if (out->tp == SIP_TP_UDP) out->local = g.local;
    return 0;
}

static int ua_credentials(void *user, sip_str realm, char *uo, size_t ucap, char *po, size_t pcap)
{
    (void)user;
    if (!o.user || !o.password || strlen(o.user) >= ucap || strlen(o.password) >= pcap) return 1;
    strcpy(uo, o.user);
    strcpy(po, o.password);
    printf("sipua: digest credentials for realm \"%.*s\"\n", (int)realm.len, realm.p);
    return 0;
}

/* ---- audio source -------------------------------------------------------------------- */

/* Load a WAV (any format libsndfile reads) as 8 kHz mono 16-bit: several
 * channels are mixed down; another sample rate is refused, since G.711
 * needs 8000 Hz and sipua does not resample. */
static int load_wav(const char *path)
{
    SF_INFO info;
    SNDFILE *f;
    short *buf;
    sf_count_t n, i;
    memset(&info, 0, sizeof info);
    f = sf_open(path, SFM_READ, &info);
    if (!f) {
        fprintf(stderr, "sipua: %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    if (info.samplerate != 8000) {
        fprintf(stderr,
                "sipua: %s: sample rate %d Hz; G.711 needs 8000 Hz (convert first, e.g. "
                "`sox %s -r 8000 -c 1 out.wav`)\n",
                path, info.samplerate, path);
        sf_close(f);
        return -1;
    }
    if (info.channels < 1 || info.frames <= 0 || info.frames > 8000 * 3600) {
        fprintf(stderr, "sipua: %s: no audio frames (or over an hour)\n", path);
        sf_close(f);
        return -1;
    }
    buf = (short *)malloc((size_t)info.frames * (size_t)info.channels * sizeof *buf);
    g.wav = (int16_t *)malloc((size_t)info.frames * sizeof *g.wav);
    if (!buf || !g.wav) {
        free(buf);
        sf_close(f);
        return -1;
    }
    n = sf_readf_short(f, buf, info.frames);
    sf_close(f);
    for (i = 0; i < n; i++) {
        long s = 0;
        int c;
        for (c = 0; c < info.channels; c++) s += buf[i * info.channels + c];
        g.wav[i] = (int16_t)(s / info.channels);
    }
    free(buf);
    g.wav_len = (size_t)n;
    if (!g.wav_len) {
        fprintf(stderr, "sipua: %s: no audio frames\n", path);
        return -1;
    }
    if (info.channels > 1) printf("sipua: %s: %d channels mixed down to mono\n", path, info.channels);
    return 0;
}

/* One 20 ms frame of the source: the WAV (looped) or the tone at -12 dBFS. */
static void next_frame(ucall *c, int16_t *pcm)
{
    int i;
    for (i = 0; i < SPF; i++) {
        if (g.wav) {
            pcm[i] = g.wav[c->wav_pos++];
            if (c->wav_pos >= g.wav_len) c->wav_pos = 0;
        } else {
            pcm[i] = (int16_t)(8192.0 * sin(c->phase));
            c->phase += 2 * M_PI * o.tone_hz / 8000.0;
            if (c->phase > 2 * M_PI) c->phase -= 2 * M_PI;
        }
    }
}

/* --wav-rms FILE: RMS of a WAV's samples (16-bit scale), for tests. */
static int wav_rms(const char *path)
{
    SF_INFO info;
    SNDFILE *f;
    short buf[4096];
    double sum = 0;
    sf_count_t n, total = 0, i;
    memset(&info, 0, sizeof info);
    f = sf_open(path, SFM_READ, &info);
    if (!f) {
        fprintf(stderr, "sipua: %s: %s\n", path, sf_strerror(NULL));
        return 1;
    }
    while ((n = sf_read_short(f, buf, 4096)) > 0) {
        for (i = 0; i < n; i++) sum += (double)buf[i] * buf[i];
        total += n;
    }
    sf_close(f);
    printf("WAV file=%s rate=%d channels=%d samples=%ld rms=%.1f\n", path, info.samplerate,
           info.channels, (long)total, total ? sqrt(sum / (double)total) : 0.0);
    return 0;
}

/* ---- per-call media ----------------------------------------------------------------- */

static int rtcp_send(void *user, const uint8_t *pkt, size_t len)
{
    ucall *c = (ucall *)user;
    if (!c->have_remote) return 0; /* nowhere yet: the report is dropped */
    (void)sendto(c->rtcp_fd, pkt, len, 0, (struct sockaddr *)&c->rtcp_to, sizeof c->rtcp_to);
    return 0;
}

static void local_sdp(ucall *c)
{
    sdp_local_media *m = &c->local.media[0];
    memset(&c->local, 0, sizeof c->local);
    c->local.username = "sipua";
    c->local.sess_id = (uint64_t)time(NULL);
    c->local.sess_version = 1;
    c->local.addr = c->addr;
    c->local.n_media = 1;
    m->type = "audio";
    m->proto = "RTP/AVP";
    m->port = c->rtp_port;
    m->rtcp_port = c->rtcp_port == c->rtp_port + 1 ? 0 : c->rtcp_port;
    if (o.codec_pt == 8) {
        m->codecs[0] = (sdp_codec){"PCMA", 8000, 1, 8, NULL};
        m->codecs[1] = (sdp_codec){"PCMU", 8000, 1, 0, NULL};
    } else {
        m->codecs[0] = (sdp_codec){"PCMU", 8000, 1, 0, NULL};
        m->codecs[1] = (sdp_codec){"PCMA", 8000, 1, 8, NULL};
    }
    m->codecs[2] = (sdp_codec){"telephone-event", 8000, 1, 101, "0-16"};
    m->n_codecs = 3;
    m->ptime = 20;
    m->dir = SDP_DIR_SENDRECV;
}

static void call_free(ucall *c)
{
    if (c->rtp_fd >= 0) close(c->rtp_fd);
    if (c->rtcp_fd >= 0) close(c->rtcp_fd);
    if (c->rec) sf_close(c->rec);
    free(c->rs_mem);
    free(c->jb_mem);
    memset(c, 0, sizeof *c);
    c->rtp_fd = c->rtcp_fd = -1;
}

/* A call slot with its RTP/RTCP sockets, session, jitter buffer and SDP. */
static ucall *call_new(int is_uac, uint64_t now)
{
    rtp_session_config rc;
    rtp_session_callbacks rcb;
    size_t n;
    int i;
    ucall *c = NULL;
    for (i = 0; i < MAX_CALLS; i++)
        if (!g.calls[i].used) {
            c = &g.calls[i];
            break;
        }
    if (!c) return NULL;
    call_free(c);
    c->used = 1;
    c->is_uac = is_uac;
    c->num = ++g.next_num;
    c->started_us = now;
    c->te_pt = -1;
    strcpy(c->addr, g.host);
    if (o.rtp_port) {
        uint16_t base = (uint16_t)(o.rtp_port + 2 * (c - g.calls));
        c->rtp_fd = udp_bind(g.host, base, &c->rtp_port);
        c->rtcp_fd = udp_bind(g.host, (uint16_t)(base + 1), &c->rtcp_port);
    } else {
        c->rtp_fd = udp_bind(g.host, 0, &c->rtp_port);
        c->rtcp_fd = udp_bind(g.host, 0, &c->rtcp_port);
    }
    if (c->rtp_fd < 0 || c->rtcp_fd < 0) {
        perror("sipua: RTP sockets");
        call_free(c);
        return NULL;
    }
    rand_bytes((uint8_t *)&c->ssrc, sizeof c->ssrc);
    rand_bytes((uint8_t *)&c->seq, sizeof c->seq);
    rand_bytes((uint8_t *)&c->ts, sizeof c->ts);
    snprintf(c->cname, sizeof c->cname, "sipua-%d@%s", (int)getpid(), g.host);
    memset(&rc, 0, sizeof rc);
    rc.ssrc = c->ssrc;
    rc.cname.p = (const uint8_t *)c->cname;
    rc.cname.len = strlen(c->cname);
    memset(&rcb, 0, sizeof rcb);
    rcb.size = sizeof rcb;
    rcb.send_rtcp = rtcp_send;
    rcb.rand = rtp_rand;
    n = rtp_session_mem_size(&rc);
    c->rs_mem = malloc(n);
    c->jb_mem = malloc(rtp_jb_mem_size(NULL));
    if (!c->rs_mem || rtp_session_init(&c->rs, c->rs_mem, n, &rc, &rcb, c, now) ||
        !c->jb_mem || rtp_jb_init(&c->jb, c->jb_mem, rtp_jb_mem_size(NULL), NULL) ||
        rtp_dtmf_sender_init(&c->ds, 8000, FRAME_US)) {
        fprintf(stderr, "sipua: media setup failed\n");
        call_free(c);
        return NULL;
    }
    rtp_dtmf_receiver_init(&c->dr, 0);
    c->dtmf_next = o.dtmf;
    local_sdp(c);
    return c;
}

static ucall *call_by_handle(sip_ua_call h)
{
    int i;
    for (i = 0; i < MAX_CALLS; i++)
        if (g.calls[i].used && g.calls[i].h == h) return &g.calls[i];
    return NULL;
}

static int open_record(ucall *c)
{
    SF_INFO info;
    char path[512];
    if (!o.record) return 0;
    if (c->num == 1) snprintf(path, sizeof path, "%s", o.record);
    else snprintf(path, sizeof path, "%s.%d", o.record, c->num);
    memset(&info, 0, sizeof info);
    info.samplerate = 8000;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    c->rec = sf_open(path, SFM_WRITE, &info);
    if (!c->rec) {
        fprintf(stderr, "sipua: %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    return 0;
}

/* The negotiated stream (RFC 3264): where to send, with which payload
 * types, in which direction. */
static void on_media(ucall *c, const sip_ua_event *ev)
{
    const sdp_negotiated *m;
    char a[64];
    if (!ev->n_media || !ev->media[0].active) {
        printf("sipua: call %d: no usable audio stream\n", c->num);
        c->have_remote = 0;
        return;
    }
    m = &ev->media[0];
    if (m->remote_addr.len >= sizeof a || m->remote_rtcp_addr.len >= sizeof a) return;
    memset(&c->rtp_to, 0, sizeof c->rtp_to);
    c->rtp_to.sin_family = AF_INET;
    memcpy(a, m->remote_addr.p, m->remote_addr.len);
    a[m->remote_addr.len] = 0;
    if (inet_pton(AF_INET, a, &c->rtp_to.sin_addr) != 1) {
        printf("sipua: call %d: media address %s is not IPv4\n", c->num, a);
        return;
    }
    c->rtp_to.sin_port = htons(m->remote_port);
    c->rtcp_to = c->rtp_to;
    if (m->remote_rtcp_addr.len) {
        memcpy(a, m->remote_rtcp_addr.p, m->remote_rtcp_addr.len);
        a[m->remote_rtcp_addr.len] = 0;
        (void)inet_pton(AF_INET, a, &c->rtcp_to.sin_addr);
    }
    c->rtcp_to.sin_port = htons(m->remote_rtcp_port ? m->remote_rtcp_port : (uint16_t)(m->remote_port + 1));
    c->pt = (int)m->pt;
    c->te_pt = m->te_pt;
    c->dir = m->dir;
    snprintf(c->codec, sizeof c->codec, "%.*s", (int)m->encoding.len, m->encoding.p);
    c->have_remote = 1;
    printf("sipua: call %d: media %s:%u %s pt %d, telephone-event %d, %s%s\n", c->num, a,
           m->remote_port, c->codec, c->pt, c->te_pt, sdp_dir_name(c->dir),
           m->remote_hold ? " (remote hold)" : "");
}

static double call_mos(const ucall *c, double *loss_pct)
{
    rtp_emodel_input in;
    rtp_emodel_result r;
    rtp_emodel_codec codec = RTP_EMODEL_G711;
    double lp = 0;
    if (c->expected > 0 && c->lost > 0) lp = 100.0 * c->lost / (double)c->expected;
    if (lp > 100) lp = 100;
    *loss_pct = lp;
    memset(&in, 0, sizeof in);
    (void)rtp_emodel_codec_by_name(c->codec, strlen(c->codec), 0, &codec);
    if (rtp_emodel_codec_params(codec, 64000, &in.ie, &in.bpl)) return 0;
    in.loss_pct = lp;
    in.burst_r = 1;
    in.jitter_ms = c->jitter_ms;
    in.jb_delay_ms = -1;
    in.one_way_delay_ms = 20.0 + (c->rs.have_rtt ? (double)c->rs.rtt_us / 2000.0 : 0);
    if (rtp_emodel_estimate(&in, &r)) return 0;
    return r.mos;
}

static const char *cause_name(int cause)
{
    switch (cause) {
    case SIP_UA_CAUSE_LOCAL_BYE: return "local-bye";
    case SIP_UA_CAUSE_REMOTE_BYE: return "remote-bye";
    case SIP_UA_CAUSE_LOCAL_CANCEL: return "local-cancel";
    case SIP_UA_CAUSE_REMOTE_CANCEL: return "remote-cancel";
    case SIP_UA_CAUSE_STATUS: return "status";
    case SIP_UA_CAUSE_TIMEOUT: return "timeout";
    case SIP_UA_CAUSE_TRANSPORT: return "transport";
    case SIP_UA_CAUSE_NO_ACK: return "no-ack";
    case SIP_UA_CAUSE_AUTH: return "auth";
    default: return "none";
    }
}

/* Transferee: tell the transferor how the referred call went (RFC 3515
 * §2.4.4: NOTIFY with a message/sipfrag status line). */
static void refer_report(ucall *c, int status, uint64_t now)
{
    int r;
    if (!c->refer_sub || c->refer_reported) return;
    if (status >= 200) c->refer_reported = 1;
    r = sip_ua_refer_notify(&g.ua, c->refer_sub, status, now);
    printf("TRANSFER call=%d role=transferee notify=%d%s\n", c->num, status, r ? " (not sent)" : "");
}

/* The call ended: RTCP BYE, result and statistics lines, slot freed. */
static void call_end(ucall *c, int cause, int status, uint64_t now)
{
    double loss_pct, mos, rms;
    int ok, rejected = !c->is_uac && o.reject && cause == SIP_UA_CAUSE_LOCAL_CANCEL && status == o.reject;
    call_stats *st = g.n_stats < MAX_STATS ? &g.stats[g.n_stats++] : NULL;
    (void)rtp_session_leave(&c->rs, (rtp_span){(const uint8_t *)"call ended", 10}, now);
    if (!c->confirmed) refer_report(c, status >= 300 ? status : 487, now);
    ok = rejected || (c->confirmed && cause != SIP_UA_CAUSE_TIMEOUT && cause != SIP_UA_CAUSE_NO_ACK &&
                      cause != SIP_UA_CAUSE_TRANSPORT &&
                      (o.no_audio_check || (c->tx_packets > 0 && c->rx_packets > 0)));
    mos = c->rx_packets ? call_mos(c, &loss_pct) : (loss_pct = 0, 0.0); /* nothing heard: no rating */
    rms = c->nsamples ? sqrt(c->sumsq / (double)c->nsamples) : 0;
    printf("CALL call=%d role=%s result=%s status=%d cause=%s\n", c->num, c->is_uac ? "uac" : "uas",
           rejected ? "rejected" : ok ? "ok" : "failed", status, cause_name(cause));
    if (c->confirmed) {
        char line[512];
        snprintf(line, sizeof line,
                 "STATS call=%d role=%s codec=%s tx_packets=%llu rx_packets=%llu tx_dtmf=%llu "
                 "dtmf_rx=%s lost=%d loss_pct=%.2f jitter_ms=%.2f mos=%.2f rtcp_tx=%llu "
                 "rtcp_rx=%llu rms=%.1f reinvites=%d",
                 c->num, c->is_uac ? "uac" : "uas", c->codec[0] ? c->codec : "-",
                 (unsigned long long)c->tx_packets, (unsigned long long)c->rx_packets,
                 (unsigned long long)c->tx_dtmf, c->dtmf_rx[0] ? c->dtmf_rx : "-", (int)c->lost,
                 loss_pct, c->jitter_ms, mos, (unsigned long long)c->rs.rtcp_sent,
                 (unsigned long long)c->rs.rtcp_received, rms, c->reinvites_ok);
        printf("%s\n", line);
        if (st) snprintf(st->line, sizeof st->line, "%s", line);
    }
    if (st) {
        st->num = c->num;
        st->is_uac = c->is_uac;
        st->ok = ok;
        st->status = status;
        st->cause = cause_name(cause);
        snprintf(st->json, sizeof st->json,
                 "{\"call\":%d,\"role\":\"%s\",\"result\":\"%s\",\"status\":%d,\"cause\":\"%s\","
                 "\"codec\":\"%s\",\"tx_packets\":%llu,\"rx_packets\":%llu,\"tx_dtmf\":%llu,"
                 "\"dtmf_rx\":\"%s\",\"lost\":%d,\"loss_pct\":%.2f,\"jitter_ms\":%.2f,\"mos\":%.2f,"
                 "\"rtcp_tx\":%llu,\"rtcp_rx\":%llu,\"rms\":%.1f,\"reinvites\":%d}",
                 c->num, c->is_uac ? "uac" : "uas", rejected ? "rejected" : ok ? "ok" : "failed",
                 status, cause_name(cause), c->codec, (unsigned long long)c->tx_packets,
                 (unsigned long long)c->rx_packets, (unsigned long long)c->tx_dtmf, c->dtmf_rx,
                 (int)c->lost, loss_pct, c->jitter_ms, mos, (unsigned long long)c->rs.rtcp_sent,
                 (unsigned long long)c->rs.rtcp_received, rms, c->reinvites_ok);
    }
    g.calls_ended++;
    if (ok) g.calls_ok++;
    else g.calls_failed++;
    fflush(stdout);
    call_free(c);
}

/* ---- RTP send and receive -------------------------------------------------------------- */

static void send_rtp(ucall *c, int pt, int marker, uint32_t ts, const uint8_t *pl, size_t n, uint64_t now)
{
    uint8_t pkt[512];
    rtp_packet_desc d;
    int len;
    memset(&d, 0, sizeof d);
    d.marker = (uint8_t)marker;
    d.payload_type = (uint8_t)pt;
    d.seq = c->seq++;
    d.timestamp = ts;
    d.ssrc = c->ssrc;
    d.payload = pl;
    d.payload_len = n;
    len = rtp_build(&d, pkt, sizeof pkt, NULL);
    if (len <= 0) return;
    if (o.rtp_loss > 0) { /* simulated loss: the sequence number is used up */
        uint16_t r;
        rand_bytes((uint8_t *)&r, sizeof r);
        if (r < o.rtp_loss / 100.0 * 65536.0) {
            rtp_session_on_rtp_sent(&c->rs, ts, n, now);
            return;
        }
    }
    if (sendto(c->rtp_fd, pkt, (size_t)len, 0, (struct sockaddr *)&c->rtp_to, sizeof c->rtp_to) == len)
        rtp_session_on_rtp_sent(&c->rs, ts, n, now);
}

static int may_send(const ucall *c)
{
    return c->have_remote && (c->dir == SDP_DIR_SENDRECV || c->dir == SDP_DIR_SENDONLY);
}

/* One 20 ms send tick: a telephone-event packet while a digit runs
 * (RFC 4733 §2.5.1; audio is suppressed meanwhile), else one G.711 frame. */
static void send_tick(ucall *c, uint64_t now)
{
    double t = c->answered_us ? (double)(now - c->answered_us) / 1e6 : 0;
    rtp_dtmf_packet dp;
    int16_t pcm[SPF];
    uint8_t enc[SPF];
    if (!may_send(c) || (o.duration >= 0 && t >= o.duration)) {
        c->sending = 0;
        c->ts += SPF;
        return;
    }
    if (!rtp_dtmf_sender_busy(&c->ds) && c->dtmf_next && *c->dtmf_next && c->te_pt >= 0 &&
        t >= o.dtmf_at && now >= c->dtmf_resume_us) {
        int ev = rtp_dtmf_char_to_event((unsigned char)*c->dtmf_next);
        c->dtmf_next++;
        if (ev >= 0 && rtp_dtmf_sender_start(&c->ds, (unsigned)ev, 10, c->ts, 800) == 0)
            printf("sipua: call %d: sending DTMF %c\n", c->num, rtp_dtmf_event_to_char((unsigned)ev));
    }
    if (rtp_dtmf_sender_busy(&c->ds) && rtp_dtmf_sender_tick(&c->ds, &dp) == 1) {
        send_rtp(c, c->te_pt, dp.marker, dp.timestamp, dp.payload, 4, now);
        c->tx_dtmf++;
        c->tx_packets++;
        if (!rtp_dtmf_sender_busy(&c->ds)) c->dtmf_resume_us = now + 100000; /* a gap between digits */
        c->ts += SPF;
        c->sending = 1;
        return;
    }
    next_frame(c, pcm);
    if (c->pt == 8) rtp_alaw_encode_buf(pcm, SPF, enc);
    else rtp_ulaw_encode_buf(pcm, SPF, enc);
    send_rtp(c, c->pt, !c->sending, c->ts, enc, SPF, now);
    c->tx_packets++;
    c->ts += SPF;
    c->sending = 1;
}

static void dtmf_notes(ucall *c, const rtp_dtmf_note *n, int k)
{
    int i;
    for (i = 0; i < k; i++) {
        size_t l = strlen(c->dtmf_rx);
        if (n[i].kind != RTP_DTMF_ENDED) continue;
        if (l + 1 < sizeof c->dtmf_rx) {
            c->dtmf_rx[l] = n[i].ch ? n[i].ch : '?';
            c->dtmf_rx[l + 1] = 0;
        }
        printf("DTMF call=%d digit=%c duration_ms=%u\n", c->num, n[i].ch ? n[i].ch : '?',
               (unsigned)(n[i].duration / 8));
    }
}

static void read_rtp(ucall *c, uint64_t now)
{
    uint8_t buf[2048];
    for (;;) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        rtp_header h;
        rtp_dtmf_note notes[RTP_DTMF_MAX_NOTES];
        ssize_t n = recvfrom(c->rtp_fd, buf, sizeof buf, 0, (struct sockaddr *)&sa, &sl);
        uint64_t key;
        if (n < 0) return;
        if (rtp_parse(buf, (size_t)n, &h) != 0) continue;
        key = (uint64_t)ntohl(sa.sin_addr.s_addr) << 16 | ntohs(sa.sin_port);
        (void)rtp_session_on_rtp(&c->rs, buf, (size_t)n, key, now, NULL);
        c->rx_packets++;
        c->remote_ssrc = h.ssrc;
        c->have_remote_ssrc = 1;
        if (c->te_pt >= 0 && h.payload_type == (unsigned)c->te_pt) {
            int k = rtp_dtmf_receiver_put(&c->dr, &h, now, notes);
            if (k > 0) dtmf_notes(c, notes, k);
        } else if (h.payload_type == 0 || h.payload_type == 8) {
            c->rx_pt = h.payload_type;
            if (!c->jb_started && open_record(c) == 0) c->jb_started = 1;
            (void)rtp_jb_put(&c->jb, h.ssrc, h.seq, h.timestamp, h.marker, h.payload.p, h.payload.len, now);
        }
    }
}

static void read_rtcp(ucall *c, uint64_t now)
{
    uint8_t buf[2048];
    for (;;) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        ssize_t n = recvfrom(c->rtcp_fd, buf, sizeof buf, 0, (struct sockaddr *)&sa, &sl);
        if (n < 0) return;
        (void)rtp_session_on_rtcp(&c->rs, buf, (size_t)n,
                                  (uint64_t)ntohl(sa.sin_addr.s_addr) << 16 | ntohs(sa.sin_port), now);
    }
}

/* One playout tick: the jitter buffer's frame decoded (silence for a gap
 * or a loss, no concealment), into the recording and the RMS. */
static void play_tick(ucall *c, uint64_t now)
{
    rtp_jb_frame f;
    int16_t pcm[SPF];
    int i, n = SPF;
    if (!c->jb_started) return;
    memset(pcm, 0, sizeof pcm);
    if (rtp_jb_get(&c->jb, now, &f) == RTP_JB_FRAME) {
        n = f.payload.len < SPF ? (int)f.payload.len : SPF;
        if (c->rx_pt == 8) rtp_alaw_decode_buf(f.payload.p, (size_t)n, pcm);
        else rtp_ulaw_decode_buf(f.payload.p, (size_t)n, pcm);
        for (i = 0; i < n; i++) c->sumsq += (double)pcm[i] * pcm[i];
        c->nsamples += (uint64_t)n;
    }
    if (c->rec) (void)sf_write_short(c->rec, pcm, SPF);
}

static void snapshot(ucall *c)
{
    rtp_source *s = c->have_remote_ssrc ? rtp_session_find(&c->rs, c->remote_ssrc) : NULL;
    rtp_source_stats st;
    if (!s || !s->validated) return;
    rtp_source_get_stats(s, &st);
    c->lost = st.cumulative_lost;
    c->expected = st.expected > 0 ? (uint32_t)st.expected : 0;
    c->jitter_ms = st.jitter / 8.0;
}

/* ---- scripted actions -------------------------------------------------------------------- */

static void set_dir(ucall *c, sdp_dir d, const char *what, uint64_t now)
{
    int r;
    c->local.media[0].dir = d;
    r = sip_ua_reinvite(&g.ua, c->h, &c->local, now);
    if (r == SIP_UA_ERR_STATE) return; /* an exchange in progress: next tick */
    if (r) printf("sipua: call %d: %s re-INVITE failed: %s\n", c->num, what, sip_ua_strerror(r));
    else printf("sipua: call %d: %s (re-INVITE %s)\n", c->num, what, sdp_dir_name(d));
    if (d == SDP_DIR_SENDONLY) c->hold_done = 1;
    else c->resume_done = 1;
}

/* Returns 1 when the call ended inside (the slot is free). */
static int script_tick(ucall *c, uint64_t now)
{
    double t;
    if (c->answer_at && now >= c->answer_at) {
        int r = sip_ua_answer(&g.ua, c->h, 200, &c->local, now);
        if (r == SIP_UA_ERR_STATE && sip_ua_call_state_of(&g.ua, c->h) == SIP_UA_CALL_EARLY)
            return 0; /* a reliable 1xx waits for its PRACK (RFC 3262 §3) */
        c->answer_at = 0;
        if (r) printf("sipua: call %d: answer failed: %s\n", c->num, sip_ua_strerror(r));
        return !c->used;
    }
    if (!c->confirmed) return 0;
    t = (double)(now - c->answered_us) / 1e6;
    if (o.hold_at >= 0 && !c->hold_done && t >= o.hold_at) set_dir(c, SDP_DIR_SENDONLY, "hold", now);
    if (o.resume_at >= 0 && c->hold_done && !c->resume_done && t >= o.resume_at)
        set_dir(c, SDP_DIR_SENDRECV, "resume", now);
    if (o.transfer_to && !c->transfer_done && !c->refer_sub && t >= o.transfer_at) {
        int r = sip_ua_refer(&g.ua, c->h, o.transfer_to, 0, now, &c->xfer_sub);
        if (r == SIP_UA_ERR_STATE) return 0; /* not yet: next tick */
        c->transfer_done = 1;
        if (r) printf("TRANSFER call=%d role=transferor result=failed error=%s\n", c->num, sip_ua_strerror(r));
        else {
            g.xfer_sub = c->xfer_sub;
            printf("sipua: call %d: REFER to %s\n", c->num, o.transfer_to);
        }
    }
    if ((o.hangup_after >= 0 && t >= o.hangup_after) ||
        (o.hangup_after < 0 && o.duration >= 0 && c->is_uac && t >= o.duration)) {
        printf("sipua: call %d: hanging up\n", c->num);
        (void)sip_ua_hangup(&g.ua, c->h, now);
        return 1;
    }
    return 0;
}

static void media_tick(ucall *c, uint64_t now)
{
    int guard = 0;
    if (!c->next_tick) c->next_tick = now;
    while (c->used && c->next_tick <= now && guard++ < 5) {
        send_tick(c, now);
        play_tick(c, now);
        snapshot(c);
        c->next_tick += FRAME_US;
        if (script_tick(c, now)) return;
    }
    if (!c->used) return;
    if (c->next_tick <= now) c->next_tick = now + FRAME_US; /* far behind: resync */
    if (rtp_session_next_deadline(&c->rs) <= now) (void)rtp_session_on_timeout(&c->rs, now);
    if (rtp_dtmf_receiver_next_deadline(&c->dr) <= now) {
        rtp_dtmf_note n[RTP_DTMF_MAX_NOTES];
        int k = rtp_dtmf_receiver_on_timeout(&c->dr, now, n);
        if (k > 0) dtmf_notes(c, n, k);
    }
}

static uint64_t call_deadline(const ucall *c)
{
    uint64_t d = rtp_session_next_deadline(&c->rs);
    if (c->answer_at && c->answer_at < d) d = c->answer_at;
    if (c->answered_us && c->next_tick && c->next_tick < d) d = c->next_tick;
    if (!c->answered_us) {
        uint64_t x = now_us() + FRAME_US;
        if (x < d) d = x;
    }
    return d;
}

/* ---- UA events -------------------------------------------------------------------- */

static void on_incoming(const sip_ua_event *ev, uint64_t now)
{
    ucall *c;
    const sip_msg *m = ev->msg;
    int live = 0, i;
    for (i = 0; i < MAX_CALLS; i++) live += g.calls[i].used;
    if (m)
        printf("sipua: incoming call from %.*s\n", (int)m->from.uri.raw.len, m->from.uri.raw.p);
    if (o.max_calls_set && !o.call_uri && g.calls_ended + live >= o.max_calls) {
        (void)sip_ua_reject(&g.ua, ev->call, 486, now);
        return;
    }
    c = call_new(0, now);
    if (!c) {
        (void)sip_ua_reject(&g.ua, ev->call, 486, now);
        return;
    }
    c->h = ev->call;
    if (o.reject) {
        printf("sipua: call %d: rejecting with %d\n", c->num, o.reject);
        (void)sip_ua_reject(&g.ua, ev->call, o.reject, now); /* TERMINATED frees c */
        return;
    }
    /* RFC 3262: with --100rel a reliable 183 carries the answer (early
     * media) when the INVITE supports 100rel; the 200 then waits for the
     * PRACK (sip_ua_answer() refuses it until then: retried each tick) */
    if ((!o.rel100 || sip_ua_progress(&g.ua, ev->call, 183, 1, &c->local, now) != 0) &&
        sip_ua_answer(&g.ua, ev->call, 180, &c->local, now) != 0) {
        (void)sip_ua_reject(&g.ua, ev->call, 500, now);
        return;
    }
    if (o.auto_answer_ms >= 0) c->answer_at = now + (uint64_t)o.auto_answer_ms * 1000u + 1;
    else printf("sipua: call %d ringing: type 'a' to answer, 'r CODE' to reject\n", c->num);
}

static void on_call_state(ucall *c, const sip_ua_event *ev, uint64_t now)
{
    switch (ev->state) {
    case SIP_UA_CALL_RINGING:
        printf("sipua: call %d: ringing (%d)\n", c->num, ev->status);
        if (c->is_uac) refer_report(c, ev->status, now);
        break;
    case SIP_UA_CALL_ANSWERED:
        if (!c->answered_us) c->answered_us = now;
        break;
    case SIP_UA_CALL_CONFIRMED:
        if (!c->answered_us) c->answered_us = now;
        if (!c->confirmed) printf("sipua: call %d: established\n", c->num);
        c->confirmed = 1;
        refer_report(c, 200, now);
        break;
    case SIP_UA_CALL_TERMINATED:
        call_end(c, (int)ev->cause, ev->status, now);
        break;
    default:
        break;
    }
}

static ucall *call_by_sub(sip_ua_sub sub)
{
    int i;
    for (i = 0; i < MAX_CALLS; i++)
        if (g.calls[i].used && sub && (g.calls[i].xfer_sub == sub || g.calls[i].refer_sub == sub))
            return &g.calls[i];
    return NULL;
}

/* Transferee (RFC 3515 §2.4.2, RFC 5589 §6): accept the REFER with 202,
 * call its Refer-To in a new call slot, report through NOTIFYs. */
static void on_refer(const sip_ua_event *ev, uint64_t now)
{
    ucall *from = call_by_handle(ev->call), *c;
    int r;
    printf("TRANSFER call=%d role=transferee refer_to=%.*s\n", from ? from->num : 0,
           (int)ev->refer_to.len, ev->refer_to.p);
    if (o.refuse_transfer) {
        (void)sip_ua_sub_reject(&g.ua, ev->sub, 603, now);
        return;
    }
    c = call_new(1, now);
    if (!c) {
        (void)sip_ua_sub_reject(&g.ua, ev->sub, 503, now);
        return;
    }
    r = sip_ua_sub_accept(&g.ua, ev->sub, 202, 0, NULL, NULL, 0, now);
    if (!r) r = sip_ua_refer_call(&g.ua, ev->sub, &c->local, 0, now, &c->h);
    if (r) {
        printf("sipua: REFER not carried out: %s\n", sip_ua_strerror(r));
        (void)sip_ua_refer_notify(&g.ua, ev->sub, 503, now);
        call_free(c);
        g.next_num--;
        return;
    }
    c->refer_sub = ev->sub;
    printf("sipua: call %d: calling the transfer target\n", c->num);
}

/* Transferor: the sipfrag status of each NOTIFY (RFC 3515 §2.4.5); after
 * the final 2xx the transferred call is ours no more: hang up (RFC 5589
 * §6). */
static void on_notify(const sip_ua_event *ev, uint64_t now)
{
    ucall *c = call_by_sub(ev->sub);
    if (!ev->sub || ev->sub != g.xfer_sub) return; /* the dialog may outlive the call (RFC 5057) */
    if (ev->status) printf("TRANSFER call=%d role=transferor notify=%d\n", c ? c->num : 0, ev->status);
    if (ev->status >= 200) {
        g.transfer_status = ev->status;
        g.xfer_sub = 0;
        if (!c) return;
        c->xfer_sub = 0;
        if (ev->status < 300) (void)sip_ua_hangup(&g.ua, c->h, now);
    }
}

static void on_event(void *user, const sip_ua_event *ev)
{
    uint64_t now = now_us();
    ucall *c;
    (void)user;
    switch (ev->type) {
    case SIP_UA_EV_INCOMING_CALL:
        on_incoming(ev, now);
        break;
    case SIP_UA_EV_CALL_STATE:
        c = call_by_handle(ev->call);
        if (c) on_call_state(c, ev, now);
        break;
    case SIP_UA_EV_MEDIA:
        c = call_by_handle(ev->call);
        if (c) on_media(c, ev);
        break;
    case SIP_UA_EV_REINVITE_DONE:
        c = call_by_handle(ev->call);
        if (!c) break;
        printf("sipua: call %d: re-INVITE done (%d)\n", c->num, ev->status);
        if (ev->status >= 200 && ev->status < 300) c->reinvites_ok++;
        else c->reinvites_failed++;
        break;
    case SIP_UA_EV_REG_STATE:
        if (ev->state == SIP_UA_REG_REGISTERED) {
            if (!g.registered) printf("REG result=ok status=%d expires=%u\n", ev->status, ev->expires);
            g.registered = 1;
        } else if (ev->state == SIP_UA_REG_FAILED) {
            printf("REG result=failed status=%d expires=0\n", ev->status);
            g.reg_failed = 1;
            g.registered = 0;
            g.reg = 0;
        } else if (ev->state == SIP_UA_REG_UNREGISTERED) {
            printf("sipua: unregistered\n");
            g.reg = 0;
        }
        break;
    case SIP_UA_EV_REFER:
        on_refer(ev, now);
        break;
    case SIP_UA_EV_NOTIFY:
        on_notify(ev, now);
        break;
    case SIP_UA_EV_SUBSCRIBE: /* no event packages here (RFC 6665 §4.2.1.1) */
        (void)sip_ua_sub_reject(&g.ua, ev->sub, 489, now);
        break;
    case SIP_UA_EV_SUB_STATE:
        break;
    case SIP_UA_EV_PRACK:
        c = call_by_handle(ev->call);
        printf("PRACK call=%d rseq=%u status=%d\n", c ? c->num : 0, ev->rseq, ev->status);
        break;
    case SIP_UA_EV_SESSION_TIMER:
        c = call_by_handle(ev->call);
        printf("SESSION_TIMER call=%d expires=%u refresher=%s\n", c ? c->num : 0, ev->session_expires,
               ev->refresher ? "us" : "peer");
        break;
    case SIP_UA_EV_UPDATE_DONE:
    case SIP_UA_EV_INFO_DONE:
        break;
    case SIP_UA_EV_INFO:
        c = call_by_handle(ev->call);
        if (ev->msg)
            printf("INFO call=%d package=%.*s body=%.*s\n", c ? c->num : 0, (int)ev->info_package.len,
                   ev->info_package.p ? ev->info_package.p : "", (int)(ev->msg->body.len > 200 ? 200 : ev->msg->body.len),
                   ev->msg->body.p);
        break;
    case SIP_UA_EV_MESSAGE:
        c = call_by_handle(ev->call);
        g.messages_rx++;
        if (ev->msg)
            printf("MESSAGE call=%d from=%.*s body=%.*s\n", c ? c->num : 0,
                   (int)ev->msg->from.uri.raw.len, ev->msg->from.uri.raw.p,
                   (int)(ev->msg->body.len > 400 ? 400 : ev->msg->body.len), ev->msg->body.p);
        break;
    default: /* events sipua does not script (subscriptions it never makes) */
        break;
    }
    fflush(stdout);
}

/* ---- starting things ------------------------------------------------------------------ */

static void start_call(const char *uri, uint64_t now)
{
    ucall *c = call_new(1, now);
    int r;
    g.calls_started++;
    if (!c) {
        g.calls_ended++;
        g.calls_failed++;
        return;
    }
    printf("sipua: call %d: calling %s\n", c->num, uri);
    r = sip_ua_call_start(&g.ua, uri, &c->local, 0, now, &c->h);
    if (r) {
        printf("CALL call=%d role=uac result=failed status=0 cause=%s\n", c->num, sip_ua_strerror(r));
        g.calls_ended++;
        g.calls_failed++;
        call_free(c);
    }
}

static void send_message(const char *to, const char *text, uint64_t now)
{
    int r = sip_ua_message(&g.ua, to, "text/plain", sip_str_c(text), now);
    if (r) printf("sipua: MESSAGE to %s failed: %s\n", to, sip_ua_strerror(r));
    else printf("sipua: MESSAGE sent to %s\n", to);
}

static int live_calls(void)
{
    int i, n = 0;
    for (i = 0; i < MAX_CALLS; i++) n += g.calls[i].used;
    return n;
}

static int want_calls(void)
{
    if (o.call_uri) return o.max_calls_set ? o.max_calls : 1;
    return o.max_calls_set ? o.max_calls : 0;
}

static int first_confirmed(void)
{
    int i;
    for (i = 0; i < MAX_CALLS; i++)
        if (g.calls[i].used && g.calls[i].confirmed) return 1;
    return 0;
}

/* What the command line scripted, started in order: REGISTER, then the
 * MESSAGE and the calls (one after the other). Without --call the MESSAGE
 * waits for the first established call (the peer is known to be up). */
static void script_global(uint64_t now)
{
    if (o.register_uri && !g.registered && !g.reg_failed) return;
    if (o.message && !g.message_sent && (o.call_uri || g.calls_ok || first_confirmed())) {
        g.message_sent = 1;
        g.message_deadline = now + 40000000u; /* past Timer F (64*T1) */
        send_message(o.message_to ? o.message_to : o.call_uri, o.message, now);
    }
    if (o.call_uri && g.calls_started < want_calls() && !live_calls()) start_call(o.call_uri, now);
}

static int all_done(void)
{
    if (o.message && g.message_sent && !g.message_status && now_us() > g.message_deadline) {
        printf("sipua: MESSAGE got no final response\n");
        g.message_status = 408;
    }
    if (g.reg_failed) return 1;
    if (o.register_uri && !g.registered) return 0;
    if (o.message && !g.message_status) return 0;
    if (want_calls() && g.calls_ended < want_calls()) return 0;
    if (g.xfer_sub) return 0; /* our REFER's final NOTIFY is still to come */
    return !live_calls();
}

/* ---- interactive commands (stdin) ----------------------------------------------------------- */

static ucall *first_call(void)
{
    int i;
    for (i = 0; i < MAX_CALLS; i++)
        if (g.calls[i].used) return &g.calls[i];
    return NULL;
}

static void command(char *line, uint64_t now)
{
    ucall *c = first_call();
    char *arg = strchr(line, ' ');
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (arg) *arg++ = 0;
    if (!strcmp(line, "a") && c) {
        c->answer_at = now;
    } else if (!strcmp(line, "r") && c) {
        (void)sip_ua_reject(&g.ua, c->h, arg ? atoi(arg) : 486, now);
    } else if (!strcmp(line, "h") && c) {
        (void)sip_ua_hangup(&g.ua, c->h, now);
    } else if (!strcmp(line, "c") && arg) {
        start_call(arg, now);
    } else if (!strcmp(line, "d") && arg && c) {
        static char digits[64];
        snprintf(digits, sizeof digits, "%s", arg);
        c->dtmf_next = digits;
        o.dtmf_at = 0;
    } else if (!strcmp(line, "hold") && c && c->confirmed) {
        set_dir(c, SDP_DIR_SENDONLY, "hold", now);
    } else if (!strcmp(line, "resume") && c && c->confirmed) {
        set_dir(c, SDP_DIR_SENDRECV, "resume", now);
    } else if (!strcmp(line, "m") && arg && strchr(arg, ' ')) {
        char *text = strchr(arg, ' ');
        *text++ = 0;
        send_message(arg, text, now);
    } else if (!strcmp(line, "q")) {
        stop_flag = 1;
    } else if (n) {
        printf("sipua: commands: a | r [CODE] | h | c URI | d DIGITS | hold | resume | m URI TEXT | q\n");
    }
    fflush(stdout);
}

static void read_stdin(uint64_t now)
{
    static char line[1024];
    static size_t have;
    ssize_t n = read(0, line + have, sizeof line - 1 - have);
    char *nl;
    if (n <= 0) {
        g.stdin_open = 0;
        return;
    }
    have += (size_t)n;
    line[have] = 0;
    while ((nl = strchr(line, '\n')) != NULL) {
        char one[1024];
        size_t k = (size_t)(nl - line) + 1;
        memcpy(one, line, k);
        one[k] = 0;
        memmove(line, line + k, have - k + 1);
        have -= k;
        command(one, now);
    }
    if (have == sizeof line - 1) have = 0; /* an over-long line is dropped */
}

/* ---- sockets of the SIP side ------------------------------------------------------------ */

static int open_sip(void)
{
    struct sockaddr_in sa;
    int one = 1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)g.port);
    if (inet_pton(AF_INET, g.host, &sa.sin_addr) != 1) return -1;
    to_ipaddr(&sa, &g.local);
    g.udp = socket(AF_INET, SOCK_DGRAM, 0);
    g.lst = socket(AF_INET, SOCK_STREAM, 0);
    if (g.udp < 0 || g.lst < 0) return -1;
    setsockopt(g.lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(g.udp, (struct sockaddr *)&sa, sizeof sa) || bind(g.lst, (struct sockaddr *)&sa, sizeof sa) ||
        listen(g.lst, 16) || nonblock(g.udp) || nonblock(g.lst))
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
        conn *c;
        int fd = accept(g.lst, (struct sockaddr *)&sa, &sl);
        if (fd < 0) return;
        c = conn_free();
        to_ipaddr(&sa, &remote);
        if (!c || nonblock(fd) ||
            sip_transport_accepted(g.tp, SIP_TP_TCP, &remote, &g.local, NULL, NULL, now_us(), &flow)) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->flow = flow;
        c->connecting = 0;
    }
}

static void conn_io(conn *c, short revents)
{
    static uint8_t buf[65536];
    sip_flow f = c->flow;
    if (c->connecting) {
        int err = 0;
        socklen_t el = sizeof err;
        if (!(revents & (POLLOUT | POLLERR | POLLHUP))) return;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
            fprintf(stderr, "sipua: TCP connect failed: %s\n", strerror(err ? err : errno));
            (void)sip_transport_closed(g.tp, f, now_us());
            return;
        }
        c->connecting = 0;
        (void)sip_transport_connected(g.tp, f, now_us());
        return;
    }
    if (revents & POLLOUT) (void)sip_transport_writable(g.tp, f, now_us());
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n > 0) (void)sip_transport_data(g.tp, f, buf, (size_t)n, now_us());
        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            (void)sip_transport_closed(g.tp, f, now_us());
    }
}

/* ---- statistics file ---------------------------------------------------------------------- */

static void write_json(const char *path, int code)
{
    FILE *f = fopen(path, "w");
    int i;
    if (!f) {
        perror(path);
        return;
    }
    fprintf(f, "{\"calls\":[");
    for (i = 0; i < g.n_stats; i++) fprintf(f, "%s\n  %s", i ? "," : "", g.stats[i].json);
    fprintf(f, "],\n \"calls_ok\":%d,\"calls_failed\":%d,\"messages_rx\":%d,\"message_status\":%d,"
               "\"registered\":%d,\"timed_out\":%d,\"exit\":%d}\n",
            g.calls_ok, g.calls_failed, g.messages_rx, g.message_status, g.reg_done_once, g.timed_out,
            code);
    fclose(f);
}

/* ---- command line --------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
"usage: sipua [options]\n"
"A SIP user agent (cvoip): calls with G.711 audio, RFC 4733 DTMF, hold,\n"
"MESSAGE, REGISTER with digest, over UDP or TCP.\n"
"\n"
"SIP:\n"
"  --listen HOST:PORT       local address for SIP over UDP and TCP (127.0.0.1:5060)\n"
"  --transport udp|tcp      transport of requests we send (udp); a URI's\n"
"                           ;transport= parameter wins\n"
"  --user NAME              user part of our AOR and Contact, digest username\n"
"  --password PW            digest password (RFC 3261 §22.2; 401 and 407)\n"
"  --aor URI                our address of record (sip:USER@registrar-host or\n"
"                           sip:USER@listen-host)\n"
"  --display NAME           From display name\n"
"  --outbound-proxy URI     pre-loaded route, e.g. sip:127.0.0.1:5060;lr\n"
"  --register URI           register at URI first (then MESSAGE, then calls)\n"
"  --expires S              registration expiry asked for (3600)\n"
"  --log                    one ladder line per SIP message: LOG time ->|<- peer/tp\n"
"                           first-line, and (CSeq method) for responses\n"
"  --100rel                 reliable provisional responses (RFC 3262): Supported:\n"
"                           100rel; as UAS a reliable 183 with the answer when the\n"
"                           INVITE supports it, the 200 after its PRACK\n"
"  --require-100rel         the same with Require: 100rel on our INVITEs\n"
"  --session-expires S      session timers (RFC 4028): Session-Expires S (>= 90)\n"
"Calls:\n"
"  --call URI               call URI (after registering, when asked)\n"
"  --max-calls N            UAC: calls placed one after the other (1); UAS: calls\n"
"                           handled, then exit (more at once are refused with 486)\n"
"  --auto-answer MS         answer incoming calls with 180, then 200 after MS ms\n"
"                           (without it: type 'a' on stdin)\n"
"  --reject CODE            reject incoming calls with CODE (e.g. 486, 603)\n"
"  --duration S             send audio for S s after the answer; the caller hangs\n"
"                           up then unless --hangup-after says otherwise\n"
"  --hangup-after S         send BYE S s after the answer\n"
"  --hold S / --resume S    re-INVITE sendonly at S s / sendrecv at S s\n"
"  --dtmf DIGITS[@S]        send DIGITS as RFC 4733 events from S s (0); 100 ms\n"
"                           each, 100 ms apart; received digits print as DTMF lines\n"
"  --message TEXT           send a MESSAGE (RFC 3428) to --message-to URI or the\n"
"                           --call URI (without --call: once a call is up);\n"
"                           received ones print as MESSAGE lines\n"
"  --message-to URI\n"
"  --transfer URI[@S]       blind transfer (RFC 3515, RFC 5589 §6): REFER the\n"
"                           peer to URI at S s after the answer; hang up on the\n"
"                           final 2xx NOTIFY (TRANSFER lines report each one)\n"
"  --refuse-transfer        answer REFER with 603 (default: accept with 202,\n"
"                           call the Refer-To, report it with NOTIFYs)\n"
);
    fprintf(f,
"Media:\n"
"  --wav FILE               audio to send (8 kHz; several channels are mixed\n"
"                           down; other rates are refused), looped\n"
"  --tone HZ                a tone to send when no --wav (440)\n"
"  --codec pcmu|pcma        codec offered first (pcmu)\n"
"  --record FILE            write the received audio (after the jitter buffer)\n"
"                           to FILE (FILE.N for the Nth call), 8 kHz 16-bit WAV\n"
"  --rtp-port N             RTP on N + 2k, RTCP on N + 2k + 1 for call slot k\n"
"                           (default: ports the system picks, a=rtcp in the SDP)\n"
"  --rtp-loss PCT           drop PCT %% of the RTP packets we send, at random\n"
"                           (a lossy network for tests)\n"
"Run:\n"
"  --exit-when-done         exit once everything scripted has finished\n"
"  --timeout S              give up after S s (exit 1)\n"
"  --no-audio-check         a call counts as completed without RTP both ways\n"
"  --stats-json FILE        write every call's statistics as JSON\n"
"  --wav-rms FILE           print the RMS of a WAV file and exit\n"
"\n"
"Output (stdout, one line each): CALL, STATS (per stream: tx/rx packets, lost,\n"
"jitter ms, MOS from the G.107 E-model, RTCP counts, RMS of the received audio),\n"
"DTMF, MESSAGE, REG, LOG, SUMMARY.\n"
"\n"
"Exit status: 0 when every call scripted (--call: --max-calls of them; UAS:\n"
"--max-calls) was established and ended normally with RTP packets sent and\n"
"received (calls rejected with --reject as asked count as completed), the\n"
"registration (--register) succeeded, the MESSAGE (--message) got a 2xx, and\n"
"--timeout did not expire, and a --transfer got a final 2xx NOTIFY; 1 otherwise; 2 for a usage error; 3 when setup\n"
"failed (sockets, WAV file).\n");
}

static int parse_dtmf(const char *s)
{
    static char digits[64];
    const char *at = strchr(s, '@');
    size_t n = at ? (size_t)(at - s) : strlen(s), i;
    if (!n || n >= sizeof digits) return -1;
    memcpy(digits, s, n);
    digits[n] = 0;
    for (i = 0; i < n; i++)
        if (rtp_dtmf_char_to_event((unsigned char)digits[i]) < 0) return -1;
    o.dtmf = digits;
    o.dtmf_at = at ? atof(at + 1) : 0;
    return 0;
}

/* URI[@S]: the last '@' starts the time when only digits and '.' follow. */
static int parse_transfer(const char *v)
{
    static char uri[256];
    const char *at = strrchr(v, '@');
    size_t n = strlen(v);
    if (at && at[1] && strspn(at + 1, "0123456789.") == strlen(at + 1)) {
        o.transfer_at = atof(at + 1);
        n = (size_t)(at - v);
    }
    if (!n || n >= sizeof uri) return -1;
    memcpy(uri, v, n);
    uri[n] = 0;
    o.transfer_to = uri;
    return 0;
}

static int parse_args(int argc, char **argv)
{
    int i;
    o.listen = "127.0.0.1:5060";
    o.tp = SIP_TP_UDP;
    o.tone_hz = 440;
    o.auto_answer_ms = -1;
    o.duration = o.hangup_after = o.hold_at = o.resume_at = -1;
    o.max_calls = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && (i++, 1))
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--log")) o.log = 1;
        else if (!strcmp(a, "--exit-when-done")) o.exit_when_done = 1;
        else if (!strcmp(a, "--no-audio-check")) o.no_audio_check = 1;
        else if (OPT("--listen")) o.listen = v;
        else if (OPT("--transport")) {
            if (!strcmp(v, "udp")) o.tp = SIP_TP_UDP;
            else if (!strcmp(v, "tcp")) o.tp = SIP_TP_TCP;
            else return -1;
        } else if (OPT("--call")) o.call_uri = v;
        else if (OPT("--register")) o.register_uri = v;
        else if (OPT("--user")) o.user = v;
        else if (OPT("--password")) o.password = v;
        else if (OPT("--aor")) o.aor = v;
        else if (OPT("--display")) o.display = v;
        else if (OPT("--outbound-proxy")) o.proxy = v;
        else if (OPT("--expires")) o.expires = (uint32_t)atoi(v);
        else if (OPT("--wav")) o.wav_in = v;
        else if (OPT("--tone")) o.tone_hz = atof(v);
        else if (OPT("--codec")) {
            if (!strcmp(v, "pcmu")) o.codec_pt = 0;
            else if (!strcmp(v, "pcma")) o.codec_pt = 8;
            else return -1;
        } else if (OPT("--record")) o.record = v;
        else if (OPT("--stats-json")) o.stats_json = v;
        else if (OPT("--auto-answer")) o.auto_answer_ms = atoi(v);
        else if (OPT("--reject")) o.reject = atoi(v);
        else if (OPT("--duration")) o.duration = atof(v);
        else if (OPT("--hangup-after")) o.hangup_after = atof(v);
        else if (OPT("--hold")) o.hold_at = atof(v);
        else if (OPT("--resume")) o.resume_at = atof(v);
        else if (OPT("--dtmf")) {
            if (parse_dtmf(v)) return -1;
        } else if (OPT("--message")) o.message = v;
        else if (OPT("--message-to")) o.message_to = v;
        else if (OPT("--max-calls")) {
            o.max_calls = atoi(v);
            o.max_calls_set = 1;
        } else if (OPT("--timeout")) o.timeout = atof(v);
        else if (OPT("--rtp-port")) o.rtp_port = atoi(v);
        else if (OPT("--rtp-loss")) o.rtp_loss = atof(v);
        else if (OPT("--transfer")) {
            if (parse_transfer(v)) return -1;
        } else if (!strcmp(a, "--refuse-transfer")) o.refuse_transfer = 1;
        else if (!strcmp(a, "--100rel")) o.rel100 = SIP_UA_100REL_SUPPORTED;
        else if (!strcmp(a, "--require-100rel")) o.rel100 = SIP_UA_100REL_REQUIRED;
        else if (OPT("--session-expires")) {
            o.session_expires = (uint32_t)atoi(v);
            if (o.session_expires < 90) {
                fprintf(stderr, "sipua: --session-expires must be at least 90 (RFC 4028 §5)\n");
                return -1;
            }
        }
        else if (OPT("--wav-rms")) exit(wav_rms(v));
        else {
            fprintf(stderr, "sipua: unknown option or missing value: %s\n", a);
            return -1;
        }
#undef OPT
    }
    if (o.reject && (o.reject < 300 || o.reject > 699)) return -1;
    if (o.max_calls < 0 || o.max_calls > 1000000 || o.tone_hz <= 0 || o.tone_hz >= 4000 ||
        o.rtp_port < 0 || o.rtp_port > 65000 || o.auto_answer_ms < -1 || o.rtp_loss < 0 ||
        o.rtp_loss > 100)
        return -1;
    if (o.message && !o.message_to && !o.call_uri) {
        fprintf(stderr, "sipua: --message needs --message-to or --call\n");
        return -1;
    }
    return 0;
}

static int split_listen(void)
{
    const char *colon = strrchr(o.listen, ':');
    size_t n = colon ? (size_t)(colon - o.listen) : 0;
    if (!colon || !n || n >= sizeof g.host) return -1;
    memcpy(g.host, o.listen, n);
    g.host[n] = 0;
    g.port = atoi(colon + 1);
    return g.port > 0 && g.port < 65536 ? 0 : -1;
}

/* ---- main ------------------------------------------------------------------------------------ */

static int setup_ua(void)
{
    static char aor[256], contact[256];
    const char *user = o.user ? o.user : "sipua";
    sip_ua_config cfg;
    sip_ua_callbacks cb;
    int r;
    if (o.aor) snprintf(aor, sizeof aor, "%s", o.aor);
    else if (o.register_uri) {
        sip_uri u;
        if (sip_uri_parse(sip_str_c(o.register_uri), &u) != 0) {
            fprintf(stderr, "sipua: --register: not a SIP URI: %s\n", o.register_uri);
            return -1;
        }
        snprintf(aor, sizeof aor, "sip:%s@%.*s", user, (int)u.host.len, u.host.p);
    } else snprintf(aor, sizeof aor, "sip:%s@%s", user, g.host);
    snprintf(contact, sizeof contact, "sip:%s@%s:%d%s", user, g.host, g.port,
             o.tp == SIP_TP_TCP ? ";transport=tcp" : "");
    memset(&cfg, 0, sizeof cfg);
    cfg.aor = aor;
    cfg.contact = contact;
    cfg.display_name = o.display;
    cfg.user_agent = "cvoip-sipua";
    cfg.outbound_proxy = o.proxy;
    cfg.rel100 = o.rel100;
    if (o.session_expires) {
        cfg.session_timer = 1;
        cfg.session_expires = o.session_expires;
    }
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = ua_send;
    cb.rand = ua_rand;
    cb.on_event = on_event;
    cb.resolve = ua_resolve;
    cb.credentials = ua_credentials;
    r = sip_ua_init(&g.ua, &cfg, &cb);
    if (r) fprintf(stderr, "sipua: UA setup failed: %s\n", sip_ua_strerror(r));
    return r;
}

static int setup_transport(void)
{
    sip_transport_config tc;
    sip_transport_callbacks tcb;
    memset(&tc, 0, sizeof tc);
    tc.max_connections = MAX_CONNS;
    memset(&tcb, 0, sizeof tcb);
    tcb.size = sizeof tcb;
    tcb.send = tp_send;
    tcb.open = tp_open;
    tcb.on_disconnected = tp_disconnected;
    tcb.on_message = tp_message;
    return sip_transport_create(&g.tp, &tc, &tcb, NULL);
}

/* One round of the loop: poll every socket until the next deadline, then
 * run what is due. */
static void loop_once(void)
{
    struct pollfd pfd[3 + MAX_CONNS + 2 * MAX_CALLS];
    void *who[3 + MAX_CONNS + 2 * MAX_CALLS];
    int kind[3 + MAX_CONNS + 2 * MAX_CALLS];
    int nf = 0, i, wait_ms;
    uint64_t now = now_us(), d = sip_ua_next_deadline(&g.ua), d2 = sip_transport_next_deadline(g.tp);
    if (d2 < d) d = d2;
    for (i = 0; i < MAX_CALLS; i++)
        if (g.calls[i].used) {
            uint64_t x = call_deadline(&g.calls[i]);
            if (x < d) d = x;
        }
    wait_ms = d == UINT64_MAX ? 200 : d <= now ? 0 : (int)((d - now + 999) / 1000);
    if (wait_ms > 200) wait_ms = 200;
#define ADD(fd_, ev_, k_, w_) (pfd[nf].fd = (fd_), pfd[nf].events = (ev_), pfd[nf].revents = 0, \
                               kind[nf] = (k_), who[nf++] = (w_))
    ADD(g.udp, POLLIN, 0, NULL);
    ADD(g.lst, POLLIN, 1, NULL);
    if (g.stdin_open) ADD(0, POLLIN, 2, NULL);
    for (i = 0; i < MAX_CONNS; i++)
        if (g.conns[i].fd >= 0) {
            short ev = POLLIN;
            if (g.conns[i].connecting || sip_transport_queued(g.tp, g.conns[i].flow)) ev |= POLLOUT;
            ADD(g.conns[i].fd, ev, 3, &g.conns[i]);
        }
    for (i = 0; i < MAX_CALLS; i++)
        if (g.calls[i].used) {
            ADD(g.calls[i].rtp_fd, POLLIN, 4, &g.calls[i]);
            ADD(g.calls[i].rtcp_fd, POLLIN, 5, &g.calls[i]);
        }
#undef ADD
    if (poll(pfd, (nfds_t)nf, wait_ms) > 0) {
        now = now_us();
        for (i = 0; i < nf; i++) {
            if (!pfd[i].revents) continue;
            switch (kind[i]) {
            case 0: read_udp(); break;
            case 1: accept_tcp(); break;
            case 2: read_stdin(now); break;
            case 3:
                if (((conn *)who[i])->fd == pfd[i].fd) conn_io((conn *)who[i], pfd[i].revents);
                break;
            case 4:
                if (((ucall *)who[i])->used && ((ucall *)who[i])->rtp_fd == pfd[i].fd)
                    read_rtp((ucall *)who[i], now);
                break;
            case 5:
                if (((ucall *)who[i])->used && ((ucall *)who[i])->rtcp_fd == pfd[i].fd)
                    read_rtcp((ucall *)who[i], now);
                break;
            }
        }
    }
    now = now_us();
    sip_transport_on_timeout(g.tp, now);
    (void)sip_ua_on_timeout(&g.ua, now);
    for (i = 0; i < MAX_CALLS; i++) {
        ucall *c = &g.calls[i];
        if (!c->used) continue;
        if (c->answered_us) media_tick(c, now);
        else if (script_tick(c, now)) continue;
    }
}

/* Hang up what is live, unregister, and let the last transactions finish
 * (at most 3 s). */
static void shut_down(void)
{
    uint64_t until = now_us() + 3000000;
    int i;
    for (i = 0; i < MAX_CALLS; i++)
        if (g.calls[i].used) (void)sip_ua_hangup(&g.ua, g.calls[i].h, now_us());
    if (g.reg) (void)sip_ua_unregister(&g.ua, g.reg, now_us());
    while (now_us() < until && (sip_ua_count_dialogs(&g.ua) || sip_ua_count_regs(&g.ua) || live_calls()))
        loop_once();
}

int main(int argc, char **argv)
{
    uint64_t deadline;
    int i, code;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (parse_args(argc, argv) || split_listen()) {
        usage(stderr);
        return 2;
    }
    seed_rng();
    for (i = 0; i < MAX_CONNS; i++) g.conns[i].fd = -1;
    for (i = 0; i < MAX_CALLS; i++) g.calls[i].rtp_fd = g.calls[i].rtcp_fd = -1;
    if (o.wav_in && load_wav(o.wav_in)) return 3;
    if (open_sip()) {
        fprintf(stderr, "sipua: %s: %s\n", o.listen, strerror(errno));
        return 3;
    }
    if (setup_transport() || setup_ua()) return 3;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    g.stdin_open = 1;
    g.t0 = now_us();
    deadline = o.timeout > 0 ? g.t0 + (uint64_t)(o.timeout * 1e6) : UINT64_MAX;
    printf("sipua: listening on %s (UDP, TCP), sending over %s\n", o.listen, sip_tp_name(o.tp));
    if (o.register_uri) {
        int r = sip_ua_register(&g.ua, o.register_uri, o.expires, NULL, 0, now_us(), &g.reg);
        if (r) {
            printf("REG result=failed status=0 expires=0\n");
            fprintf(stderr, "sipua: REGISTER: %s\n", sip_ua_strerror(r));
            g.reg_failed = 1;
        }
    }
    while (!stop_flag) {
        loop_once();
        if (g.registered) g.reg_done_once = 1;
        script_global(now_us());
        if ((o.exit_when_done || o.max_calls_set) && all_done()) break;
        if (now_us() >= deadline) {
            printf("sipua: timeout after %.1f s\n", o.timeout);
            g.timed_out = 1;
            break;
        }
    }
    shut_down();
    code = g.calls_failed || g.calls_ok < want_calls() || (o.register_uri && !g.reg_done_once) ||
                   (o.message && (g.message_status < 200 || g.message_status > 299)) ||
                   (o.transfer_to && (g.transfer_status < 200 || g.transfer_status > 299)) || g.timed_out
               ? 1
               : 0;
    printf("SUMMARY calls=%d ok=%d failed=%d messages_rx=%d message_status=%d registered=%d "
           "transfer_status=%d exit=%d\n",
           g.calls_ended, g.calls_ok, g.calls_failed, g.messages_rx, g.message_status, g.reg_done_once,
           g.transfer_status, code);
    if (o.stats_json) write_json(o.stats_json, code);
    sip_ua_destroy(&g.ua);
    sip_transport_destroy(g.tp);
    for (i = 0; i < MAX_CONNS; i++)
        if (g.conns[i].fd >= 0) close(g.conns[i].fd);
    for (i = 0; i < MAX_CALLS; i++)
        if (g.calls[i].used) call_free(&g.calls[i]);
    close(g.udp);
    close(g.lst);
    free(g.wav);
    return code;
}
