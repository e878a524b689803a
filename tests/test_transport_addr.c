/* sip_transport.h: the shared transport and address vocabulary. */
#include <criterion/criterion.h>
#include <string.h>
#include "sip_transport.h"

/* RFC 3261 §19.1.2 default ports, RFC 7118 §5 WS/WSS. */
Test(transport_addr, default_ports_rfc3261_19_1_2)
{
    cr_assert_eq(sip_tp_default_port(SIP_TP_UDP), 5060);
    cr_assert_eq(sip_tp_default_port(SIP_TP_TCP), 5060);
    cr_assert_eq(sip_tp_default_port(SIP_TP_TLS), 5061);
    cr_assert_eq(sip_tp_default_port(SIP_TP_WS), 80);
    cr_assert_eq(sip_tp_default_port(SIP_TP_WSS), 443);
    cr_assert_eq(sip_tp_reliable(SIP_TP_UDP), 0);
    cr_assert_eq(sip_tp_reliable(SIP_TP_TCP), 1);
    cr_assert_eq(sip_tp_from_name(sip_str_c("wss")), SIP_TP_WSS);
    cr_assert_eq(sip_tp_from_name(sip_str_c("udpx")), SIP_TP_NONE);
    cr_assert_str_eq(sip_tp_name(SIP_TP_SCTP), "SCTP");
}

static void roundtrip(const char *in, const char *want, int family, unsigned port)
{
    sip_ipaddr a;
    char out[64];
    cr_assert_eq(sip_ipaddr_parse(sip_str_c(in), &a), 0, "%s", in);
    cr_assert_eq(a.family, family, "%s", in);
    cr_assert_eq(a.port, port, "%s", in);
    cr_assert_gt(sip_ipaddr_print(&a, 1, out, sizeof out), 0);
    cr_assert_str_eq(out, want);
}

/* RFC 5952 §4 text form; RFC 3261 §25.1 IPv4address / IPv6reference. */
Test(transport_addr, parse_print_rfc5952)
{
    roundtrip("192.0.2.1", "192.0.2.1", 4, 0);
    roundtrip("10.0.0.255:5061", "10.0.0.255:5061", 4, 5061);
    roundtrip("[2001:DB8:0:0:0:0:0:1]:5060", "[2001:db8::1]:5060", 6, 5060);
    roundtrip("2001:db8:0:1:0:0:0:1", "[2001:db8:0:1::1]", 6, 0);
    roundtrip("[::]", "[::]", 6, 0);
    roundtrip("[::ffff:192.0.2.1]", "[::ffff:c000:201]", 6, 0);
    roundtrip("[1:0:0:2:0:0:0:3]", "[1:0:0:2::3]", 6, 0);
}

Test(transport_addr, rejects_names_and_bad_ports)
{
    sip_ipaddr a;
    char small[4];
    cr_assert_eq(sip_ipaddr_parse(sip_str_c("example.com"), &a), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_ipaddr_parse(sip_str_c("192.0.2.256"), &a), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_ipaddr_parse(sip_str_c("192.0.2.1:0"), &a), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_ipaddr_parse(sip_str_c("192.0.2.1:65536"), &a), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_ipaddr_parse(sip_str_c("[1::2::3]"), &a), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_ipaddr_parse(sip_str_c("[1:2:3:4:5:6:7:8:9]"), &a), SIP_ERR_SYNTAX);
    cr_assert_eq(sip_ipaddr_parse(sip_str_c("1.2.3.4"), &a), 0);
    cr_assert_eq(sip_ipaddr_print(&a, 0, small, sizeof small), SIP_ERR_NOSPACE);
}
