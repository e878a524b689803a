/* All headers, all implementations, one translation unit. */
#define CVOIP_IMPLEMENTATION
#include "sip.h"
#include "rtp.h"
#include "rtcp_feedback.h"
