/* The one translation unit of the test binary that holds the
 * implementations; every other test file includes the headers only. */
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
