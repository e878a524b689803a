#!/bin/sh
# `make demo`: the main job. sipd (registrar, proxy, digest server, media
# relay) starts on 127.0.0.1; two sipua register with digest authentication
# as alice and bob; alice calls bob through sipd; audio flows both ways
# through the relay (alice sends a 440 Hz tone, bob 660 Hz), alice sends
# DTMF 1234 (RFC 4733), hangs up after 4 s. Then: the SIP ladder as sipd saw
# it, the RTP statistics of every stream (both UAs and the relay's legs),
# the recordings (WAV per direction, pcap checked with tshark).
# Exit 0 only when all of it worked. SIPD_PORT picks the SIP port (5060,
# or a free one when 5060 is taken); DEMO_DIR where the files go.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
DIR=${DEMO_DIR:-$B/demo}
PORT=${SIPD_PORT:-5060}
in_use() { ss -Hlun "sport = :$1" 2> /dev/null | grep -q . || ss -Hltn "sport = :$1" 2> /dev/null | grep -q .; }
if in_use "$PORT"; then PORT=$((20000 + $$ % 10000)); fi
A_PORT=$((PORT + 10)) B_PORT=$((PORT + 12))
RLO=$((40000 + ($$ % 100) * 200))
rm -rf "$DIR"
mkdir -p "$DIR"
fail=0
check() { # condition-status message
    if [ "$1" = 0 ]; then echo "demo: ok    $2"; else echo "demo: FAIL  $2"; fail=1; fi
}

echo "demo: sipd on 127.0.0.1:$PORT (UDP/TCP), relay ports $RLO-$((RLO + 199)), recording into $DIR/rec"
"$B/sipd" --port "$PORT" --tls-port 0 --ws-port 0 --wss-port 0 --relay-ports "$RLO-$((RLO + 199))" \
    --record "$DIR/rec" --log 2 > "$DIR/sipd.log" 2>&1 &
spid=$!
sleep 0.3
if ! kill -0 $spid 2> /dev/null; then
    cat "$DIR/sipd.log"
    echo "demo: sipd did not start"
    exit 1
fi
grep "demo users" "$DIR/sipd.log"

"$B/sipua" --listen 127.0.0.1:$B_PORT --user bob --password bobpw --aor sip:bob@127.0.0.1 \
    --register sip:127.0.0.1:$PORT --auto-answer 500 --max-calls 1 --tone 660 \
    --record "$DIR/bob-heard.wav" --exit-when-done --timeout 30 > "$DIR/bob.out" 2>&1 &
bpid=$!
sleep 0.5
"$B/sipua" --listen 127.0.0.1:$A_PORT --user alice --password alicepw --aor sip:alice@127.0.0.1 \
    --register sip:127.0.0.1:$PORT --outbound-proxy "sip:127.0.0.1:$PORT;lr" \
    --call sip:bob@127.0.0.1 --duration 4 --dtmf 1234@1 --tone 440 \
    --record "$DIR/alice-heard.wav" --exit-when-done --timeout 30 > "$DIR/alice.out" 2>&1
arc=$?
wait $bpid
brc=$?
kill -TERM $spid
wait $spid
src=$?

echo
echo "== SIP ladder (sipd: time  from -> to  first line)"
grep -E '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}  ' "$DIR/sipd.log"
echo
echo "== user agents"
grep -hE '^(REG|CALL|DTMF|SUMMARY)' "$DIR/alice.out" | sed 's/^/alice: /'
grep -hE '^(REG|CALL|DTMF|SUMMARY)' "$DIR/bob.out" | sed 's/^/bob:   /'
echo
echo "== RTP streams"
grep -h '^STATS' "$DIR/alice.out" | sed 's/^/alice received: /'
grep -h '^STATS' "$DIR/bob.out" | sed 's/^/bob received:   /'
grep -E '^sipd:   call [0-9]+ leg' "$DIR/sipd.log" | sed 's/^sipd:   /relay: /'
grep -E '^sipd: (statistics|relay leg)' "$DIR/sipd.log"
echo
echo "== recordings"
pcap=$(ls "$DIR"/rec/*.pcap 2> /dev/null | head -1)
for f in "$DIR"/rec/*.wav "$DIR/alice-heard.wav" "$DIR/bob-heard.wav" $pcap; do
    [ -f "$f" ] && echo "  $f ($(wc -c < "$f") bytes)"
done
streams=0
if [ -n "$pcap" ]; then
    # the relay's ports in the capture, decoded as RTP (tshark -d)
    dec=""
    for p in $(tshark -r "$pcap" -T fields -e udp.srcport 2> /dev/null | sort -u); do
        dec="$dec -d udp.port==$p,rtp"
    done
    tshark -r "$pcap" $dec -q -z rtp,streams 2> /dev/null | tee "$DIR/rtp-streams.txt" | sed 's/^/  /'
    streams=$(grep -cE 'g711U|g711A' "$DIR/rtp-streams.txt")
fi
echo
check $src "sipd exited cleanly (status $src)"
check $arc "alice: registered, called bob, audio both ways, hung up (exit $arc)"
check $brc "bob: registered, answered, audio both ways (exit $brc)"
grep -q '^REG result=ok' "$DIR/alice.out" && grep -q '^REG result=ok' "$DIR/bob.out"
check $? "both registrations passed digest authentication"
grep -q 'dtmf_rx=1234' "$DIR/bob.out"
check $? "bob received DTMF 1234 through the relay"
grep -q 'Proxy Authentication Required' "$DIR/sipd.log"
check $? "the INVITE was challenged (407) and then authenticated"
n=$(grep -cE '^sipd:   call [0-9]+ leg [AB] .*RTP in [1-9][0-9]* out [1-9]' "$DIR/sipd.log")
[ "$n" -ge 2 ]
check $? "the relay forwarded RTP on both legs ($n legs with packets in and out)"
[ "$streams" -ge 2 ]
check $? "tshark decodes $streams RTP streams in $pcap"
w=0
for f in "$DIR"/rec/*-caller.wav "$DIR"/rec/*-callee.wav; do [ -s "$f" ] && w=$((w + 1)); done
[ "$w" = 2 ]
check $? "relay WAV per direction ($w files)"
if [ $fail = 0 ]; then echo "demo: success"; else echo "demo: FAILED (logs in $DIR)"; fi
exit $fail
