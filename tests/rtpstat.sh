#!/bin/sh
# rtpstat on the capture corpus (tests/corpus/pcap, README.md there for
# provenance) against tshark 4.0's answers in tests/corpus/pcap/expected:
#   - the streams of "tshark -z rtp,streams" (default preferences; the
#     "-d udp.port==N,rtp" of an expected file's command becomes
#     --rtp-port N): same set of (source, destination, SSRC), packets and
#     lost exactly, max and mean jitter within 1 % (or 0.001 ms, the last
#     digit tshark prints);
#   - the RFC 4733 digits of expected/*.rtpevent.txt: the events with the
#     end bit, in order, with their duration (timestamp units, 8000 Hz);
#   - for captures tshark read with "-d", that the no-SDP heuristic (no
#     --rtp-port) gives the same output.
# One line per check, a summary, exit 1 on any failure.
# *.heuristic-rtp.tshark.txt files (tshark with rtp.heuristic_rtp on) are
# not compared: rtpstat follows the default preferences.
set -u
cd "$(dirname "$0")/.."
bin=build/rtpstat
dir=tests/corpus/pcap
tmp=${TMPDIR:-/tmp}/rtpstat-test.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# expected streams: "src dst SSRC packets lost maxjitter meanjitter"
expected_streams() {
    awk '/RTP Streams/ { on = 1; next }
         on && /^=+$/ { on = 0 }
         on && $1 ~ /^[0-9.]+$/ {
             n = NF; if ($n == "X") n--
             s = ($3 ~ /:/) ? "[" $3 "]" : $3; d = ($5 ~ /:/) ? "[" $5 "]" : $5
             printf "%s:%s %s:%s %s %s %s %s %s\n", s, $4, d, $6, $7, $(n-8), $(n-7), $n, $(n-1)
         }' "$1"
}

# within 1 % or one unit of the third decimal
close() {
    awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; t = b * 0.01; if (t < 0) t = -t;
                                     if (t < 0.0011) t = 0.0011; exit !(d <= t) }'
}

for cap in "$dir"/*; do
    [ -f "$cap" ] || continue
    name=$(basename "$cap")
    exp="$dir/expected/$name.tshark.txt"
    [ -f "$exp" ] || continue
    opt=""
    port=$(sed -n 's/.*-d udp\.port==\([0-9]*\),rtp.*/\1/p' "$exp" | head -1)
    [ -n "$port" ] && opt="--rtp-port $port"
    # shellcheck disable=SC2086
    if ! $bin --tsv $opt "$cap" >"$tmp/out" 2>"$tmp/err"; then
        bad "$name: rtpstat exit $? ($(cat "$tmp/err"))"
        continue
    fi
    grep -v '^event	' "$tmp/out" >"$tmp/streams"
    expected_streams "$exp" >"$tmp/exp"
    nexp=$(wc -l <"$tmp/exp" | tr -d ' ')
    ngot=$(wc -l <"$tmp/streams" | tr -d ' ')
    if [ "$nexp" = "$ngot" ]; then ok "$name: $ngot streams"; else bad "$name: $ngot streams, want $nexp"; fi
    while read -r src dst ssrc pkts lost maxj meanj; do
        line=$(awk -F '\t' -v s="$src" -v d="$dst" -v x="$ssrc" '$1 == s && $2 == d && $3 == x' "$tmp/streams")
        what="$name $src -> $dst $ssrc"
        if [ -z "$line" ]; then
            bad "$what: stream missing"
            continue
        fi
        gp=$(echo "$line" | cut -f5)
        gl=$(echo "$line" | cut -f6)
        gmax=$(echo "$line" | cut -f9)
        gmean=$(echo "$line" | cut -f10)
        if [ "$gp" = "$pkts" ]; then ok "$what: packets $gp"; else bad "$what: packets $gp, want $pkts"; fi
        if [ "$gl" = "$lost" ]; then ok "$what: lost $gl"; else bad "$what: lost $gl, want $lost"; fi
        if close "$gmax" "$maxj"; then ok "$what: max jitter $gmax ms"; else bad "$what: max jitter $gmax, want $maxj"; fi
        if close "$gmean" "$meanj"; then ok "$what: mean jitter $gmean ms"; else bad "$what: mean jitter $gmean, want $meanj"; fi
    done <"$tmp/exp"

    # without the port, the no-SDP heuristic must find the same streams
    if [ -n "$port" ]; then
        $bin --tsv "$cap" >"$tmp/heur" 2>/dev/null
        if cmp -s "$tmp/heur" "$tmp/out"; then ok "$name: heuristic = --rtp-port $port"
        else bad "$name: heuristic output differs from --rtp-port $port"; fi
    fi

    ev="$dir/expected/$name.rtpevent.txt"
    [ -f "$ev" ] || continue
    # expected: event id and duration of each end packet, first per timestamp
    want=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "-e") { k++; col[$(i+1)] = k } next }
                $(col["rtpevent.end_of_event"]) == 1 {
                    key = $(col["rtp.timestamp"]) "/" $(col["rtpevent.event_id"])
                    if (!(key in seen)) { seen[key] = 1
                        printf "%s:%s ", $(col["rtpevent.event_id"]), $(col["rtpevent.duration"]) } }' "$ev")
    got=$(awk -F '\t' '$1 == "event" {
                d = $5; id = d
                if (d == "*") id = 10; else if (d == "#") id = 11
                else if (d ~ /^[A-D]$/) id = index("ABCD", d) + 11
                printf "%s:%d ", id, $7 * 8 + 0.5 }' "$tmp/out")
    if [ "$got" = "$want" ]; then ok "$name: events $got"; else bad "$name: events '$got', want '$want'"; fi
done

# usage and bad input
$bin >/dev/null 2>&1; r=$?
if [ $r = 2 ]; then ok "no argument: exit 2"; else bad "no argument: exit $r, want 2"; fi
$bin --frobnicate "$dir/sipp-g711a.pcap" >/dev/null 2>&1; r=$?
if [ $r = 2 ]; then ok "unknown option: exit 2"; else bad "unknown option: exit $r, want 2"; fi
$bin /nonexistent/file.pcap >/dev/null 2>&1; r=$?
if [ $r = 1 ]; then ok "missing file: exit 1"; else bad "missing file: exit $r, want 1"; fi
$bin "$dir/README.md" >/dev/null 2>&1; r=$?
if [ $r = 1 ]; then ok "not a capture: exit 1"; else bad "not a capture: exit $r, want 1"; fi
head -c 30000 "$dir/SIP_DTMF2.cap" >"$tmp/cut.pcap"
$bin "$tmp/cut.pcap" >/dev/null 2>&1; r=$?
if [ $r = 1 ]; then ok "truncated capture: exit 1"; else bad "truncated capture: exit $r, want 1"; fi

echo "rtpstat: $pass passed, $fail failed"
[ "$fail" = 0 ]
