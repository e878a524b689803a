// The public declarations of every header compile as C++.
#include "sip.h"
int main() { return sip_hdr_id_from_name(sip_str_c("Via")) == SIP_HDR_VIA ? 0 : 1; }
