/* Calls one function of each header, so a header whose implementation
 * macro is misspelt fails to link here. */
#include <stdio.h>
#include "sip.h"
#include "rtp.h"
#include "rtcp_feedback.h"
#include "sip_transport.h"
#include "sip_transaction.h"
#include "sdp.h"
#include "sip_auth_server.h"
#include "sip_registrar.h"
#include "sip_dialog.h"
#include "media_relay.h"
#include "sip_proxy.h"

int main(void)
{
    sip_uri u;
    if (sip_uri_parse(sip_str_c("sip:a@b"), &u) != 0) return 1;
    puts("link test: sip.h ok");
    if (rtp_ulaw_decode(0xff) != 0) return 1;
    puts("link test: rtp.h ok");
    if (rtcp_fb_pli_build(NULL, 0, 1, 2, NULL) != RTCP_FB_ERR_NOSPACE) return 1;
    puts("link test: rtcp_feedback.h ok");
    if (sip_tp_default_port(SIP_TP_TLS) != 5061) return 1;
    puts("link test: sip_transport.h ok");
    if (sdp_dir_reverse(SDP_DIR_SENDONLY) != SDP_DIR_RECVONLY) return 1;
    puts("link test: sdp.h ok");
    if (sip_authsrv_mem_size(NULL) != 0) return 1;
    puts("link test: sip_auth_server.h ok");
    if (sip_locmem_ops() == NULL) return 1;
    puts("link test: sip_registrar.h ok");
    if (sip_tsx_count(NULL) != 0 || sip_tsx_strerror(SIP_TSX_ERR_STALE)[0] == 0) return 1;
    puts("link test: sip_transaction.h ok");
    if (sip_ua_count_calls(NULL) != 0 || sip_ua_strerror(SIP_UA_ERR_STALE)[0] == 0) return 1;
    puts("link test: sip_dialog.h ok");
    if (media_relay_mem_size(NULL) != 0) return 1;
    puts("link test: media_relay.h ok");
    if (sip_proxy_count(NULL) != 0 || sip_proxy_strerror(SIP_PROXY_ERR_FULL)[0] == 0) return 1;
    puts("link test: sip_proxy.h ok");
    return 0;
}
