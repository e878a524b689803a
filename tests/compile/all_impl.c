/* All headers, all implementations, one translation unit. */
#define CVOIP_IMPLEMENTATION
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
