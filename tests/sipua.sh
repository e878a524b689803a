#!/bin/sh
# tests/sipua.sh - examples/sipua calls itself on loopback, over UDP and
# over TCP: alice sends a 440 Hz tone, bob a WAV file (8 kHz stereo, mixed
# down); both send DTMF (RFC 4733), alice holds and resumes (re-INVITE
# sendonly / sendrecv), and each sends the other a MESSAGE. Asserted from
# their outputs: exit codes, both calls completed, RTP packets received in
# both directions, the DTMF digits seen, two successful re-INVITEs, the
# MESSAGE bodies and 200s, RTCP both ways, the recorded WAV files not
# silent (sipua --wav-rms), the --stats-json file; PCMU over UDP, PCMA
# (offered first by alice) over TCP. Then a 486 rejection
# (the caller exits 1, the callee 0), 20 % simulated RTP loss (counted
# and rated lower), a blind transfer (alice, bob, carol) and a WAV at
# 16 kHz (refused, exit 3).
# Run from the repository root after `make build/sipua` (make test does
# both). Ports: a block chosen from the shell's pid.
set -u
B=${B:-build}
UA=$B/sipua
[ -x "$UA" ] || { echo "sipua: $UA not built"; exit 1; }
LOG=$B/sipua-test
rm -rf "$LOG"
mkdir -p "$LOG"
BASE=$((20000 + ($$ % 1000) * 20))
fail=0
WAV=tests/sipua/chord-8k-stereo.wav

bad() { echo "sipua $1: FAILED: $2"; fail=1; tfail=1; }

# field FILE LINE-PREFIX NAME: the value of NAME= on the first line
# starting with LINE-PREFIX
field() { grep "^$2 " "$1" | head -1 | sed -n "s/.* $3=\([^ ]*\).*/\1/p"; }

# ge VALUE MIN: VALUE is an integer >= MIN
ge() { [ -n "$1" ] && [ "$1" -ge "$2" ] 2> /dev/null; }

call_test() { # name transport codec
    name=$1 tp=$2 codec=$3 a=$BASE b=$((BASE + 2)) tfail=0
    BASE=$((BASE + 4))
    d=$LOG/$name
    mkdir -p "$d"
    "$UA" --listen 127.0.0.1:$b --transport "$tp" --user bob --auto-answer 200 --max-calls 1 \
        --wav "$WAV" --dtmf 56@1 --record "$d/bob.wav" --message-to "sip:alice@127.0.0.1:$a" \
        --message hello-alice --timeout 30 --log > "$d/bob.out" 2>&1 &
    bpid=$!
    sleep 0.3
    "$UA" --listen 127.0.0.1:$a --transport "$tp" --user alice --call "sip:bob@127.0.0.1:$b" \
        --codec "$codec" --tone 440 --duration 4 --dtmf 1234@1.5 --hold 2 --resume 3 --hangup-after 4 \
        --message hello-bob --record "$d/alice.wav" --stats-json "$d/alice.json" --timeout 30 \
        --exit-when-done --log > "$d/alice.out" 2>&1
    arc=$?
    wait $bpid
    brc=$?
    [ $arc = 0 ] || bad "$name" "alice exit $arc"
    [ $brc = 0 ] || bad "$name" "bob exit $brc"
    for who in alice bob; do
        o=$d/$who.out
        [ "$(field "$o" CALL result)" = ok ] || bad "$name" "$who: call not completed"
        ge "$(field "$o" STATS rx_packets)" 100 || bad "$name" "$who: too few RTP packets received"
        ge "$(field "$o" STATS tx_packets)" 100 || bad "$name" "$who: too few RTP packets sent"
        ge "$(field "$o" STATS rtcp_rx)" 1 || bad "$name" "$who: no RTCP received"
        grep -q "^LOG .*/$(echo "$tp" | tr a-z A-Z) INVITE sip:" "$o" || bad "$name" "$who: no $tp INVITE in the ladder"
        rms=$("$UA" --wav-rms "$d/$who.wav" | sed -n 's/.* rms=\([0-9]*\).*/\1/p')
        ge "$rms" 1000 || bad "$name" "$who: recorded WAV silent (rms $rms)"
    done
    [ "$(field "$d/alice.out" STATS dtmf_rx)" = 56 ] || bad "$name" "alice: DTMF 56 not received"
    [ "$(field "$d/bob.out" STATS dtmf_rx)" = 1234 ] || bad "$name" "bob: DTMF 1234 not received"
    [ "$(field "$d/alice.out" STATS reinvites)" = 2 ] || bad "$name" "alice: hold and resume re-INVITEs"
    want=$(echo "$codec" | tr a-z A-Z)
    [ "$(field "$d/bob.out" STATS codec)" = "$want" ] || bad "$name" "bob: codec not $want"
    grep -q "recvonly" "$d/bob.out" || bad "$name" "bob: never put on hold (recvonly)"
    grep -q "^MESSAGE .* body=hello-bob" "$d/bob.out" || bad "$name" "bob: MESSAGE not received"
    grep -q "^MESSAGE .* body=hello-alice" "$d/alice.out" || bad "$name" "alice: MESSAGE not received"
    [ "$(field "$d/alice.out" SUMMARY message_status)" = 200 ] || bad "$name" "alice: MESSAGE not answered 200"
    grep -q '"result":"ok"' "$d/alice.json" || bad "$name" "stats JSON"
    grep '^STATS' "$d/alice.out" "$d/bob.out" | sed 's/^/    /'
    [ $tfail = 0 ] && echo "sipua $name: call, audio both ways, DTMF, hold/resume, MESSAGE: ok"
}

reject_test() {
    a=$BASE b=$((BASE + 2)) d=$LOG/reject tfail=0
    BASE=$((BASE + 4))
    mkdir -p "$d"
    "$UA" --listen 127.0.0.1:$b --reject 486 --max-calls 1 --timeout 20 > "$d/bob.out" 2>&1 &
    bpid=$!
    sleep 0.3
    "$UA" --listen 127.0.0.1:$a --call "sip:bob@127.0.0.1:$b" --exit-when-done --timeout 20 \
        > "$d/alice.out" 2>&1
    arc=$?
    wait $bpid
    brc=$?
    [ $arc = 1 ] || bad reject "alice exit $arc, expected 1"
    [ $brc = 0 ] || bad reject "bob exit $brc, expected 0"
    [ "$(field "$d/alice.out" CALL status)" = 486 ] || bad reject "alice did not see 486"
    [ "$(field "$d/bob.out" CALL result)" = rejected ] || bad reject "bob did not reject"
    [ $tfail = 0 ] && echo "sipua reject: 486 ok"
}

# 20 % of alice's packets dropped: bob must count the loss (RFC 3550 A.3)
# and rate the call lower (G.107 Ie,eff with G.711 without PLC)
loss_test() {
    a=$BASE b=$((BASE + 2)) d=$LOG/loss tfail=0
    BASE=$((BASE + 4))
    mkdir -p "$d"
    "$UA" --listen 127.0.0.1:$b --auto-answer 0 --max-calls 1 --timeout 20 > "$d/bob.out" 2>&1 &
    bpid=$!
    sleep 0.3
    "$UA" --listen 127.0.0.1:$a --call "sip:bob@127.0.0.1:$b" --duration 3 --rtp-loss 20 \
        --exit-when-done --timeout 20 > "$d/alice.out" 2>&1
    arc=$?
    wait $bpid
    [ $arc = 0 ] || bad loss "alice exit $arc"
    lost=$(field "$d/bob.out" STATS lost)
    mos=$(field "$d/bob.out" STATS mos | tr -d .)
    amos=$(field "$d/alice.out" STATS mos | tr -d .)
    ge "$lost" 5 || bad loss "bob counted $lost lost packets of 150 sent at 20 % loss"
    [ "$lost" -le 60 ] 2> /dev/null || bad loss "bob counted $lost lost"
    [ -n "$mos" ] && [ "$mos" -lt 300 ] || bad loss "bob's MOS $mos not below 3.00"
    ge "$amos" 420 || bad loss "alice's MOS $amos (no loss) below 4.20"
    [ $tfail = 0 ] && echo "sipua loss: $lost lost, MOS $(field "$d/bob.out" STATS mos)"
}

# blind transfer (RFC 3515, RFC 5589 §6): alice calls bob, bob REFERs
# alice to carol at 1 s and hangs up on the final NOTIFY (200); alice's
# second call, to carol, carries audio both ways
transfer_test() {
    a=$BASE b=$((BASE + 2)) c=$((BASE + 4)) d=$LOG/transfer tfail=0
    BASE=$((BASE + 6))
    mkdir -p "$d"
    "$UA" --listen 127.0.0.1:$c --user carol --auto-answer 100 --max-calls 1 --timeout 20 --log \
        > "$d/carol.out" 2>&1 &
    cpid=$!
    "$UA" --listen 127.0.0.1:$b --user bob --auto-answer 100 --max-calls 1 --timeout 20 --log \
        --transfer "sip:carol@127.0.0.1:$c@1" > "$d/bob.out" 2>&1 &
    bpid=$!
    sleep 0.3
    "$UA" --listen 127.0.0.1:$a --user alice --call "sip:bob@127.0.0.1:$b" --hangup-after 3 \
        --exit-when-done --timeout 20 --log > "$d/alice.out" 2>&1
    arc=$?
    wait $bpid
    brc=$?
    wait $cpid
    crc=$?
    [ "$arc$brc$crc" = 000 ] || bad transfer "exit codes alice $arc bob $brc carol $crc"
    grep -q "^LOG .* -> .* REFER sip:alice@" "$d/bob.out" || bad transfer "bob sent no REFER"
    grep -q "^TRANSFER call=1 role=transferee refer_to=<sip:carol@" "$d/alice.out" || bad transfer "alice saw no REFER"
    grep -q "^TRANSFER call=1 role=transferor notify=200" "$d/bob.out" || bad transfer "bob got no NOTIFY 200"
    [ "$(field "$d/bob.out" SUMMARY transfer_status)" = 200 ] || bad transfer "bob's transfer_status"
    grep -q "^CALL call=1 role=uac result=ok status=0 cause=remote-bye" "$d/alice.out" || bad transfer "alice's first call not ended by bob"
    grep -q "^CALL call=2 role=uac result=ok" "$d/alice.out" || bad transfer "alice's call to carol"
    ge "$(field "$d/carol.out" STATS rx_packets)" 100 || bad transfer "carol heard too little"
    [ $tfail = 0 ] && echo "sipua transfer: REFER, NOTIFY 180/200, call to carol: ok"
}

refuse_test() {
    "$UA" --listen 127.0.0.1:$BASE --wav tests/sipua/tone-16k.wav > "$LOG/refuse.out" 2>&1
    rc=$?
    [ $rc = 3 ] && grep -q "needs 8000 Hz" "$LOG/refuse.out" && echo "sipua refuse: 16 kHz WAV refused" ||
        bad refuse "exit $rc: $(cat "$LOG/refuse.out")"
}

call_test udp udp pcmu
call_test tcp tcp pcma
reject_test
loss_test
transfer_test
refuse_test
if [ $fail = 0 ]; then echo "sipua: all passed"; else echo "sipua: failures (see $LOG)"; fi
exit $fail
