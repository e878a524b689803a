#!/bin/bash
# bench/sipd.sh - examples/sipd against Debian's kamailio (calls) and
# rtpengine (media relay), the same load for both, on loopback.
#
# Calls: a SIPp uas registers as bob (digest), a SIPp uac calls bob as
# alice through the proxy (bench/sipp/*.xml): INVITE with SDP, 407, ACK,
# INVITE with Proxy-Authorization, 100, 180, 200 with SDP, ACK, BYE, 200:
# the proxy checks a digest, looks bob up, forwards 6 messages, Record-
# Routes. Both challenge with MD5 only (SIPp answers no SHA-256 digest:
# sipd --auth-algs md5), the digest-uri the Request-URI (SIPp's default,
# sip:host:port, is refused by sipd, RFC 2617 §3.2.2.5; kamailio does not
# compare them). sipd runs with --no-relay (the SDP passes untouched), kamailio
# with bench/kamailio.cfg and ONE SIP worker (-n 1: sipd is one process;
# several kamailio workers also reorder a 180 after its 200 and a BYE before
# its ACK, which SIPp's scenarios count as failures).
#   - CPU seconds per 1000 calls: utime+stime of the server's processes
#     (/proc/PID/stat, all kamailio processes) before and after CALLS calls
#     at CPS calls/s; the median of 3 runs;
#   - highest zero-failure rate: CPS = 100, 200, 400, ... for STEP seconds
#     each until a step has a failed call, or does not finish within 1.5x
#     its time (the server, or SIPp on the same 2 cores, cannot keep up).
# Media: STREAMS calls, each with RTP both ways at PPS packets/s (bench/
# rtpblast.c, rtp.h), for BLAST seconds, through
#   - sipd's relay: the calls set up through sipd with SIP
#     (bench/media_setup.py sipd), the INVITE and 200 carry the relay's ports;
#   - rtpengine in userspace (--table=-1, foreground), offers and answers
#     over its ng protocol (bench/media_setup.py rtpengine);
#   CPU seconds per 1000 forwarded packets (received by rtpblast), median
#   of 3 blasts.
# Goals (reported, not asserted): at most half kamailio's CPU per call, a
# higher zero-failure rate than kamailio, at most half rtpengine's CPU per
# packet. The load generators share the 2 cores with the server measured,
# so the rates are those of this machine with SIPp on it.
#
# Environment: SIPD (build/sipd), CALLS (2000), CPS (200), STEP (10),
# MAX_CPS (12800), STREAMS (50), PPS (50), BLAST (10), BENCH_DIR
# (build/bench), IOP_KEEP=1 keeps the logs.
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/iop_lib.sh
SIPD=${SIPD:-build/sipd}
CALLS=${CALLS:-2000}
CPS=${CPS:-200}
STEP=${STEP:-10}
MAX_CPS=${MAX_CPS:-12800}
STREAMS=${STREAMS:-50}
PPS=${PPS:-50}
BLAST=${BLAST:-10}
B=${BENCH_DIR:-build/bench}
HZ=$(getconf CLK_TCK)
SC=bench/sipp
mkdir -p "$B"
iop_tmpdir bench-sipd
T=$IOP_TMP
trap 'iop_cleanup' EXIT
trap 'exit 130' INT TERM
notes=""
note() { notes="$notes
  $*"; }

have_sipd=1 have_kam=1 have_rtpe=1
[ -x "$SIPD" ] || { have_sipd=0; note "sipd: $SIPD not built (make $SIPD)"; }
command -v kamailio > /dev/null 2>&1 || { have_kam=0; note "kamailio: not installed (sh scripts/deps.sh interop)"; }
command -v rtpengine > /dev/null 2>&1 || { have_rtpe=0; note "rtpengine: not installed (rtpengine-daemon)"; }
command -v sipp > /dev/null 2>&1 || { echo "bench/sipd: sipp not installed"; exit 1; }
echo "== build rtpblast"
gcc -std=c99 -O2 -Wall -Wextra -I. bench/rtpblast.c -o "$B/rtpblast" || exit 1

# Ports: server P, SIPp uas P+1, register P+2, uac P+3, media_setup P+4/5,
# ng P+6, relay P+100..P+399, rtpblast P+400..P+599, rtpengine P+600..P+999.
P=$(iop_free_base 1000) || { echo "bench/sipd: no free ports"; exit 1; }

# ---- servers ---------------------------------------------------------------------------
SRV_PID="" SRV_NAME=""
# pids: the server and, for kamailio, its children
srv_pids() {
    local d pp
    echo "$SRV_PID"
    for d in /proc/[0-9]*; do
        pp=$(sed 's/.*) //' "$d/stat" 2> /dev/null | awk '{ print $2 }')
        [ "$pp" = "$SRV_PID" ] && echo "${d#/proc/}"
    done
}
srv_ticks() { iop_cpu_ticks $(srv_pids); }

start_sipd() { # log extra-args
    local log=$1
    shift
    SRV_NAME=sipd
    iop_bg "$log" "$SIPD" --addr 127.0.0.1 --port "$P" --tls-port 0 --ws-port 0 --wss-port 0 \
        --log 0 --auth-algs md5 "$@"
    SRV_PID=$IOP_LAST
    iop_wait_port "$P" 10 || { cat "$log"; return 1; }
}
start_kamailio() {
    SRV_NAME=kamailio
    mkdir -p "$T/kam"
    iop_bg "$T/kamailio.log" kamailio -f bench/kamailio.cfg -DD -E -l "udp:127.0.0.1:$P" -n 1 \
        -m 256 -M 16 -Y "$T/kam"
    SRV_PID=$IOP_LAST
    iop_wait_port "$P" 10 || { cat "$T/kamailio.log"; return 1; }
    sleep 0.3
}
stop_srv() {
    [ -n "$SRV_PID" ] && iop_stop "$SRV_PID" 10
    SRV_PID=""
}

# ---- calls -----------------------------------------------------------------------------------
UAS_PID=""
start_callee() {
    iop_bg "$T/uas.log" sipp -sf $SC/uas.xml -i 127.0.0.1 -p $((P + 1)) -nostdin -trace_err \
        -error_file "$T/uas.$SRV_NAME.errors"
    UAS_PID=$IOP_LAST
    sleep 0.3
    timeout 20 sipp -sf $SC/register.xml -i 127.0.0.1 -p $((P + 2)) -s bob -au bob -ap bobpw \
        -key contact 127.0.0.1:$((P + 1)) -m 1 -nostdin 127.0.0.1:$P > "$T/register.log" 2>&1 ||
        { echo "   registration failed:"; tail -5 "$T/register.log"; return 1; }
}
stop_callee() { [ -n "$UAS_PID" ] && iop_stop "$UAS_PID" 5; UAS_PID=""; }

# run_calls RATE N -> "ok failed seconds" of one SIPp uac run
run_calls() {
    local rate=$1 n=$2 t0 t1 out="$T/uac.$SRV_NAME.$1.$2.log"
    t0=$(date +%s.%N)
    timeout $((n / rate * 3 + 30)) sipp -sf $SC/uac.xml -i 127.0.0.1 -p $((P + 3)) -s bob -au alice \
        -ap alicepw -auth_uri "bob@127.0.0.1:$P" -r "$rate" -m "$n" -recv_timeout 10s -nostdin -trace_err \
        -error_file "$T/uac.$SRV_NAME.errors" 127.0.0.1:$P > "$out" 2>&1
    t1=$(date +%s.%N)
    local ok fl
    ok=$(awk -F'|' '/Successful call/ { gsub(/ /, "", $3); v = $3 } END { print v + 0 }' "$out")
    fl=$(awk -F'|' '/Failed call/ { gsub(/ /, "", $3); v = $3 } END { print v + 0 }' "$out")
    echo "$ok $fl $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
}

median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

# bench_calls NAME: CPU per 1000 calls (median of 3), then the rate steps
bench_calls() {
    local name=$1 i r ok fl secs a b v vals="" best=0
    echo "== $name: CPU per 1000 calls ($CALLS calls at $CPS/s, 3 runs)"
    for i in 1 2 3; do
        a=$(srv_ticks)
        read -r ok fl secs <<< "$(run_calls "$CPS" "$CALLS")"
        b=$(srv_ticks)
        v=$(awk -v t=$((b - a)) -v hz="$HZ" -v n="$ok" 'BEGIN { printf "%.4f", n ? t / hz / (n / 1000) : -1 }')
        echo "   run $i: $ok ok, $fl failed in $secs s; $((b - a)) ticks: $v CPU s / 1000 calls"
        [ "$fl" = 0 ] && [ "$ok" = "$CALLS" ] || note "$name: CPU run $i had $fl failed calls"
        vals="$vals $v"
    done
    eval "CPU_$name=$(median3 $vals)"
    echo "== $name: highest zero-failure rate ($STEP s per step)"
    r=100
    while [ $r -le "$MAX_CPS" ]; do
        read -r ok fl secs <<< "$(run_calls "$r" $((r * STEP)))"
        local slow
        slow=$(awk -v s="$secs" -v t="$STEP" 'BEGIN { print (s > t * 1.5 + 2) ? 1 : 0 }')
        echo "   $r calls/s: $ok ok, $fl failed, $secs s$([ "$slow" = 1 ] && echo ' (could not keep up)')"
        [ "$fl" = 0 ] && [ "$ok" = $((r * STEP)) ] && [ "$slow" = 0 ] || break
        best=$r
        r=$((r * 2))
        sleep 1 # let retransmission timers of the last step drain
    done
    eval "RATE_$name=$best"
}

CPU_sipd=- CPU_kamailio=- RATE_sipd=- RATE_kamailio=- PKT_sipd=- PKT_rtpengine=-
if [ $have_sipd = 1 ]; then
    if start_sipd "$T/sipd-calls.log" --no-relay && start_callee; then bench_calls sipd; else note "sipd: setup failed"; fi
    stop_callee
    stop_srv
    grep -E "^sipd: (statistics|uptime)" "$T/sipd-calls.log" | sed 's/^/   /'
fi
if [ $have_kam = 1 ]; then
    if start_kamailio && start_callee; then bench_calls kamailio; else note "kamailio: setup failed"; fi
    stop_callee
    stop_srv
fi

# ---- media ----------------------------------------------------------------------------------
# blast3 NAME PID: 3 blasts over $T/streams; CPU per 1000 forwarded packets
blast3() {
    local name=$1 pid=$2 i a b out fwd v vals=""
    echo "== $name: CPU per 1000 forwarded RTP packets ($STREAMS calls x 2 directions x $PPS packets/s, $BLAST s, 3 runs)"
    for i in 1 2 3; do
        a=$(iop_cpu_ticks "$pid")
        out=$(timeout $((BLAST + 20)) "$B/rtpblast" "$BLAST" "$PPS" < "$T/streams")
        b=$(iop_cpu_ticks "$pid")
        fwd=$(echo "$out" | sed -n 's/.* received \([0-9]*\) .*/\1/p')
        v=$(awk -v t=$((b - a)) -v hz="$HZ" -v n="${fwd:-0}" 'BEGIN { printf "%.4f", n ? t / hz / (n / 1000) : -1 }')
        echo "   run $i: $out; $((b - a)) ticks: $v CPU s / 1000 packets"
        vals="$vals $v"
    done
    eval "PKT_$name=$(median3 $vals)"
}

if [ $have_sipd = 1 ]; then
    if start_sipd "$T/sipd-relay.log" --relay-ports "$((P + 100))-$((P + 399))" &&
        timeout 60 python3 bench/media_setup.py sipd "$P" "$STREAMS" $((P + 400)) $((P + 500)) $((P + 4)) \
            > "$T/streams" 2> "$T/setup.log" && [ "$(wc -l < "$T/streams")" = "$STREAMS" ]; then
        blast3 sipd "$SRV_PID"
    else
        note "sipd relay: setup failed ($(tail -1 "$T/setup.log"))"
    fi
    stop_srv
    grep -E "^sipd: relay leg" "$T/sipd-relay.log" | sed 's/^/   /'
fi
if [ $have_rtpe = 1 ]; then
    # userspace only (--table=-1: no kernel forwarding module), its own
    # config (none), in the foreground
    iop_bg "$T/rtpengine.log" rtpengine --config-file=none --table=-1 --interface=127.0.0.1 \
        --listen-ng=127.0.0.1:$((P + 6)) --foreground --log-stderr --log-level=4 \
        --port-min=$((P + 600)) --port-max=$((P + 999))
    RTPE_PID=$IOP_LAST
    sleep 1
    if kill -0 "$RTPE_PID" 2> /dev/null &&
        timeout 60 python3 bench/media_setup.py rtpengine $((P + 6)) "$STREAMS" $((P + 400)) $((P + 500)) \
            > "$T/streams" 2> "$T/setup.log" && [ "$(wc -l < "$T/streams")" = "$STREAMS" ]; then
        blast3 rtpengine "$RTPE_PID"
    else
        note "rtpengine: did not start or set up ($(tail -1 "$T/rtpengine.log") $(tail -1 "$T/setup.log"))"
    fi
    iop_stop "$RTPE_PID" 5
fi

# ---- table ------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a <= 0) print "-"; else printf "%.2fx", b / a }'; }
echo
echo "== results (CPU seconds: utime+stime from /proc; medians of 3)"
printf '%-36s | %10s | %10s | %s\n' "figure" "sipd" "peer" "peer/sipd"
printf '%-36s | %10s | %10s | %s\n' "CPU s per 1000 calls (kamailio)" "$CPU_sipd" "$CPU_kamailio" "$(ratio "$CPU_sipd" "$CPU_kamailio")"
printf '%-36s | %10s | %10s | %s\n' "zero-failure calls/s (kamailio)" "$RATE_sipd" "$RATE_kamailio" "$(ratio "$RATE_kamailio" "$RATE_sipd" | sed 's/x$/x (sipd\/peer)/')"
printf '%-36s | %10s | %10s | %s\n' "CPU s per 1000 RTP pkts (rtpengine)" "$PKT_sipd" "$PKT_rtpengine" "$(ratio "$PKT_sipd" "$PKT_rtpengine")"
goal() { # text met
    echo "goal: $1: $2"
}
if [ "$CPU_sipd" != - ] && [ "$CPU_kamailio" != - ]; then
    goal "at most half kamailio's CPU per call" "$(awk -v a="$CPU_sipd" -v b="$CPU_kamailio" 'BEGIN { print (a * 2 <= b) ? "MET" : "NOT MET" }')"
fi
if [ "$RATE_sipd" != - ] && [ "$RATE_kamailio" != - ]; then
    goal "higher zero-failure rate than kamailio" "$([ "$RATE_sipd" -gt "$RATE_kamailio" ] && echo MET || echo "NOT MET$([ "$RATE_sipd" = "$RATE_kamailio" ] && echo ' (equal: both limited by the same step or by SIPp)')")"
fi
if [ "$PKT_sipd" != - ] && [ "$PKT_rtpengine" != - ]; then
    goal "at most half rtpengine's CPU per packet" "$(awk -v a="$PKT_sipd" -v b="$PKT_rtpengine" 'BEGIN { print (a * 2 <= b) ? "MET" : "NOT MET" }')"
fi
[ -n "$notes" ] && echo "
notes:$notes"
exit 0
