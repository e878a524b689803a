// The public declarations of every header compile as C++.
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
int main() { return sip_hdr_id_from_name(sip_str_c("Via")) == SIP_HDR_VIA && rtp_demux(0, 0) == RTP_DEMUX_OTHER ? 0 : 1; }
