#!/bin/sh
# tshark.sh: every RTP / RTCP / feedback packet type our builders make
# (rtp.h, rtcp_feedback.h) must decode in tshark (Wireshark 4.0.x, Debian)
# without a malformed mark or a warning/error expert item, and with the
# field values we put in.
#
#   tests/tshark/tshark_gen.c  builds one packet of each type with our
#       builders only, wraps it in Ethernet/IPv4/UDP (checksums computed),
#       writes build/tshark/ours.pcap (libpcap's pcap_dump) and
#       build/tshark/ours.expected (frame, tshark field, kind, value), plus
#       bad.pcap: our packets spoiled on purpose, which must be flagged
#       (proves the detector still sees problems).
#   tests/tshark/check.py      compares tshark's -T json -e ... output.
#
# Decoding: RTP goes to UDP 5004 and RTCP to 5005, decoded with
# `-d udp.port==5004,rtp -d udp.port==5005,rtcp` (the old
# rtp.heuristic_rtp preference is gone in 4.0; its successor is the
# heuristic `rtp_udp`, off by default). RFC 4733 events use PT 101, which
# tshark maps to rtpevent by default. IPv4 and UDP checksums are verified
# (-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE). A second pass
# without decode-as, with --enable-heuristic rtp_udp, checks that the RTP
# heuristic takes every RTP frame as the same protocol stack.
#
# What tshark 4.0 cannot decode, and what is checked instead:
#   - RFC 8285 element contents: no dissector is registered in the
#     rtp.ext.rfc5285.id table (and it does not support Decode As), so
#     audio level, video orientation, transport-wide sequence number,
#     abs-send-time, MID and RtpStreamId are checked as the element ids,
#     lengths, appbits and data bytes (rtp.ext.rfc5285.*), the bytes
#     worked out by hand from RFC 6464 / RFC 7742 / the drafts.
#   - RPSI, TSTR, TSTN: no field-level dissection; the FCI is checked as
#     bytes (rtcp.fci) against the RFC 4585 / RFC 5104 layout.
#   - RFC 8888 CCFB (RTPFB FMT 11): shown as "Unknown (11)"; the word after
#     the sender SSRC is read as a media SSRC (it is the first block's
#     SSRC) and the rest as rtcp.fci bytes, both checked.
#   - The RTP padding count is not validated by tshark 4.0 (a count larger
#     than the packet is capped silently), so it is absent from the
#     self-test; rtp.padding.count is checked on the good frame.
#   - TMMBR/TMMBN Measured Overhead (9 bits): tshark 4.0 adds it as a
#     one-octet item, so it never sees the top bit; we send values <= 255.
#   - Generic NACK: the BLP's lost numbers are listed as nack_pid values
#     PID + i + 1 without the 16-bit wrap (65536, 65537 after 65535), so the
#     frame across the wrap checks PID and BLP only.
#   - transport-cc: RFC 3550 padding after the deltas is shown as
#     rtcp.rtpfb.transportcc.recv_delta.padding, not rtcp.padding.count.
#   - The RTCP heuristic (rtcp_udp) accepts a compound only when it starts
#     with SR, RR, BYE, APP or PSFB (observed), so RFC 5506 reduced-size
#     packets need decode-as; the heuristic pass checks RTP frames only.
#
# Written against TShark 4.0.17 (Debian 12). A later tshark that decodes
# more (RFC 8888, RFC 8285 element contents, the full 9-bit TMMBR overhead)
# shows new fields: the expectations above about what 4.0 cannot decode
# are then the ones to revisit.
#
# Prints one line per frame and check, then
#   tshark: N frames, M fields checked, F failures
# and exits non-zero on any failure. Runs from any cwd.
set -u
cd "$(dirname "$0")/.."
out=build/tshark
CC=${CC:-cc}
mkdir -p "$out"

for t in tshark python3; do
    command -v $t >/dev/null 2>&1 || { echo "tshark.sh: $t not found (sh scripts/deps.sh test)"; exit 1; }
done

echo "using $(tshark --version 2>/dev/null | head -1)"
$CC -std=c99 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra -Werror -pedantic -I. \
    tests/tshark/tshark_gen.c -o $out/tshark_gen -lpcap || exit 1
$out/tshark_gen $out || exit 1

# TZ=UTC: absolute times (NTP timestamps) are printed in UTC.
ts() {
    TZ=UTC tshark -n -r "$@" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -T json 2>$out/tshark.err || { cat $out/tshark.err; exit 1; }
}
da="-d udp.port==5004,rtp -d udp.port==5005,rtcp"
fields=$(python3 tests/tshark/check.py fields $out/ours.expected) || exit 1
e=""
for f in $fields; do e="$e -e $f"; done

ts $out/ours.pcap $da $e >$out/ours.json
ts $out/ours.pcap --enable-heuristic rtp_udp -e frame.number -e frame.protocols >$out/heur.json
ts $out/bad.pcap $da -e frame.number -e _ws.expert.severity -e _ws.expert.message -e _ws.malformed >$out/bad.json

python3 tests/tshark/check.py bad $out/bad.expected $out/bad.json; rb=$?

# The comparison's own self-test: one expected value changed (frame 1's
# sequence number) must make it fail.
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == 1 && $2 == "rtp.seq" { $4 = $4 + 1 } { print }' \
    $out/ours.expected >$out/wrong.expected
if python3 tests/tshark/check.py good $out/wrong.expected $out/ours.json >$out/wrong.log; then
    echo "FAIL self-test: a wrong expected rtp.seq was not caught"; rw=1
else
    echo "ok   self-test: a wrong expected value is caught ($(grep -c '^FAIL' $out/wrong.log) failure)"; rw=0
fi

python3 tests/tshark/check.py good $out/ours.expected $out/ours.json $out/heur.json; rg=$?
[ $rb = 0 ] && [ $rw = 0 ] && [ $rg = 0 ]
