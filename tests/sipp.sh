#!/bin/sh
# tests/sipp.sh - SIPp (Debian sip-tester), a peer nobody here wrote, drives
# examples/sipecho on loopback:
#   1. the built-in uac scenario over UDP;
#   2. the same over TCP;
#   3. UDP with -lost 10 (10 % of SIPp's messages dropped in both
#      directions): every call must still complete through the RFC 3261
#      §17 retransmissions of both sides;
#   4. tests/sipp/uac_100rel.xml, uac_update.xml, uac_timer.xml against
#      tests/sipp/ua_driver.c (tests/sipp/run.sh).
# Exit 0 when every run reports all calls successful. Run from the
# repository root after `make build/sipecho` (make test does both).
set -u
B=${B:-build}
ECHO=$B/sipecho
CALLS=${SIPP_CALLS:-40}
command -v sipp > /dev/null 2>&1 || { echo "sipp: not installed (apt-get install sip-tester)"; exit 1; }
[ -x "$ECHO" ] || { echo "sipp: $ECHO not built"; exit 1; }
LOG=$B/sipp
rm -rf "$LOG"
mkdir -p "$LOG"
fail=0

run() { # name transport(u1|t1) port extra...
    name=$1 tp=$2 port=$3
    shift 3
    "$ECHO" --port "$port" > "$LOG/$name.echo.log" 2>&1 &
    pid=$!
    sleep 0.3
    # -l: at most 10 calls at once; -r 20 calls/s; -d 200: the uac pause
    # before BYE; -timeout bounds a stuck run.
    if (cd "$LOG" && timeout 120 sipp -sn uac 127.0.0.1:"$port" -t "$tp" -m "$CALLS" -l 10 \
        -r 20 -d 200 -timeout 90s -timeout_error -trace_err -trace_stat -stf "$name.stat.csv" \
        -nostdin "$@" > "$name.sipp.log" 2>&1); then
        echo "sipp $name: $CALLS calls, all successful"
    else
        rc=$?
        echo "sipp $name: FAILED (exit $rc); see $LOG/$name.*"
        tail -5 "$LOG/$name.sipp.log"
        ls "$LOG"/*errors* > /dev/null 2>&1 && tail -20 "$LOG"/*errors*
        fail=1
    fi
    kill "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
}

run udp u1 15060
run tcp t1 15062
run udp-lost10 u1 15064 -lost 10
# 4. RFC 3262 (PRACK), RFC 3311 (UPDATE), RFC 4028 (session timer)
#    scenarios against tests/sipp/ua_driver.c, a UA on sip_dialog.h
B="$B" sh tests/sipp/run.sh || fail=1
if [ $fail = 0 ]; then echo "sipp: all runs passed"; else echo "sipp: failures"; fi
exit $fail
