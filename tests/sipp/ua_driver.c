/* ua_driver.c - a minimal UDP user agent on sip_dialog.h for the SIPp
 * scenarios of this directory (uac_100rel.xml, uac_update.xml,
 * uac_timer.xml). It answers every INVITE: a reliable 183 with the SDP
 * answer when the INVITE supports 100rel (RFC 3262) and the 200 once it is
 * PRACKed; otherwise 180 then 200. Session timers (RFC 4028) and UPDATE
 * (RFC 3311) are handled by the core. Runs until killed or --calls N
 * calls have ended.
 *
 *   cc -std=c99 -O1 -I. tests/sipp/ua_driver.c -o build/ua_driver
 *   build/ua_driver [--port 5070] [--calls N]
 */
#define _POSIX_C_SOURCE 200809L
#define CVOIP_IMPLEMENTATION
#include "sip.h"
#include "sip_transport.h"
#include "sip_transaction.h"
#include "sdp.h"
#include "sip_dialog.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fd;
static sip_ua ua;
static sdp_local local;
static long ended, want_calls = -1;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int d_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    struct sockaddr_in sa;
    (void)user;
    if (to->remote.family != 4) return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(to->remote.port);
    memcpy(&sa.sin_addr, to->remote.ip, 4);
    return sendto(fd, msg, len, 0, (struct sockaddr *)&sa, sizeof sa) == (ssize_t)len ? 0 : -1;
}

static int d_rand(void *user, uint8_t *buf, size_t n)
{
    size_t i;
    (void)user;
    for (i = 0; i < n; i++) buf[i] = (uint8_t)rand();
    return 0;
}

static void d_event(void *user, const sip_ua_event *ev)
{
    uint64_t t = now_us();
    (void)user;
    switch (ev->type) {
    case SIP_UA_EV_INCOMING_CALL:
        if (sip_ua_progress(&ua, ev->call, 183, 1, &local, t) != 0) {
            (void)sip_ua_answer(&ua, ev->call, 180, &local, t);
            (void)sip_ua_answer(&ua, ev->call, 200, NULL, t);
        }
        break;
    case SIP_UA_EV_PRACK:
        if (sip_ua_call_state_of(&ua, ev->call) == SIP_UA_CALL_EARLY)
            (void)sip_ua_answer(&ua, ev->call, 200, NULL, t);
        break;
    case SIP_UA_EV_CALL_STATE:
        if (ev->state == SIP_UA_CALL_TERMINATED) {
            ended++;
            fprintf(stderr, "call ended: cause %d status %d\n", (int)ev->cause, ev->status);
        }
        break;
    default:
        break;
    }
}

int main(int argc, char **argv)
{
    sip_ua_config cfg;
    sip_ua_callbacks cb;
    struct sockaddr_in sa;
    char contact[64];
    int port = 5070, i;
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--calls")) want_calls = atol(argv[i + 1]);
    }
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("bind");
        return 1;
    }
    memset(&local, 0, sizeof local);
    local.username = "cvoip";
    local.sess_id = 1;
    local.sess_version = 1;
    local.addr = "127.0.0.1";
    local.n_media = 1;
    local.media[0].type = "audio";
    local.media[0].proto = "RTP/AVP";
    local.media[0].port = 40000;
    local.media[0].codecs[0] = (sdp_codec){"PCMU", 8000, 1, 0, NULL};
    local.media[0].n_codecs = 1;
    local.media[0].dir = SDP_DIR_SENDRECV;
    snprintf(contact, sizeof contact, "sip:ua@127.0.0.1:%d", port);
    memset(&cfg, 0, sizeof cfg);
    cfg.aor = "sip:ua@127.0.0.1";
    cfg.contact = contact;
    cfg.user_agent = "cvoip ua_driver";
    cfg.rel100 = SIP_UA_100REL_SUPPORTED;
    cfg.session_timer = 1;
    cfg.recv_info = "dtmf";
    cfg.local_sdp = &local;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = d_send;
    cb.rand = d_rand;
    cb.on_event = d_event;
    if (sip_ua_init(&ua, &cfg, &cb) != 0) return 1;
    while (want_calls < 0 || ended < want_calls) {
        char buf[65536];
        struct pollfd p;
        uint64_t t = now_us(), d = sip_ua_next_deadline(&ua);
        int ms = d == UINT64_MAX ? 1000 : d <= t ? 0 : (int)((d - t) / 1000u) + 1;
        p.fd = fd;
        p.events = POLLIN;
        if (poll(&p, 1, ms > 1000 ? 1000 : ms) > 0) {
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
            if (n > 0) {
                sip_target src;
                char hp[64], ip[32];
                memset(&src, 0, sizeof src);
                src.tp = SIP_TP_UDP;
                inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
                snprintf(hp, sizeof hp, "%s:%u", ip, (unsigned)ntohs(from.sin_port));
                if (sip_ipaddr_parse(sip_str_c(hp), &src.remote) == 0)
                    (void)sip_ua_receive(&ua, buf, (size_t)n, &src, now_us(), NULL);
            }
        }
        t = now_us();
        if (sip_ua_next_deadline(&ua) <= t) (void)sip_ua_on_timeout(&ua, t);
    }
    sip_ua_destroy(&ua);
    close(fd);
    return 0;
}
