#!/bin/sh
# tests/sipp_sipua.sh - SIPp (Debian sip-tester), a peer nobody here
# wrote, against examples/sipua on loopback, with the scenarios of
# tests/sipp/:
#   sipua as UAS (SIPp uac -> sipua --auto-answer):
#     plain call (built-in uac, UDP and TCP); CANCEL after 180 (sipua
#     answers 200 and 487); 486 (sipua --reject 486); re-INVITE hold from
#     SIPp (sipua answers recvonly); reliable 183 and PRACK (RFC 3262),
#     UPDATE (RFC 3311), session timer (RFC 4028) with the scenarios of
#     the PRACK work;
#   sipua as UAC (sipua --call -> SIPp uas):
#     plain call (built-in uas over UDP, uas_plain.xml over TCP); 401
#     and 407 (qop=auth) challenges then accepted (SIPp verifies the
#     digest of the 401 answer, user alice / secret, and the fields of the
#     407 answer); a wrong password
#     (SIPp refuses it, sipua exits 1); hold and resume re-INVITEs;
#     re-INVITE glare (491 both ways, then sipua's retry accepted);
#     a call through an outbound proxy (the INVITE for sip:bob@192.0.2.1
#     goes to SIPp); blind transfer (REFER checked by SIPp, 202, NOTIFY
#     with a sipfrag 200, then sipua's BYE); REGISTER with digest, then
#     the unregistration at exit.
#   (sipua --call is used in each UAC run except the REGISTER one.)
# Each run checks SIPp's exit status (0: every call successful), sipua's
# exit status and its CALL line. Run from the repository root after
# `make build/sipua` (make test does both). Ports: a block chosen from
# the shell's pid.
set -u
B=${B:-build}
case "$B" in /*) UA=$B/sipua ;; *) UA=$(pwd)/$B/sipua ;; esac
SC=$(pwd)/tests/sipp
command -v sipp > /dev/null 2>&1 || { echo "sipp_sipua: sipp not installed (apt-get install sip-tester)"; exit 1; }
[ -x "$UA" ] || { echo "sipp_sipua: $UA not built"; exit 1; }
LOG=$B/sipp-sipua
rm -rf "$LOG"
mkdir -p "$LOG"
LOG=$(cd "$LOG" && pwd)
BASE=$((30000 + ($$ % 1000) * 20))
fail=0 runs=0
SIPP_WANT=0 # SIPp's expected exit status

field() { grep "^$2 " "$1" | head -1 | sed -n "s/.* $3=\([^ ]*\).*/\1/p"; }

# report NAME SIPP-RC UA-RC WANT-UA-RC [grep pattern that must be in sipua's output]...
report() {
    name=$1 src=$2 urc=$3 want=$4
    shift 4
    ok=1 why=""
    [ "$src" = "$SIPP_WANT" ] || { ok=0; why="sipp exit $src (want $SIPP_WANT)"; }
    [ "$urc" = "$want" ] || { ok=0; why="$why sipua exit $urc (want $want)"; }
    for pat in "$@"; do
        grep -q -- "$pat" "$LOG/$name.sipua.log" || { ok=0; why="$why; no '$pat' in sipua output"; }
    done
    runs=$((runs + 1))
    if [ $ok = 1 ]; then
        echo "sipp_sipua $name: ok"
    else
        echo "sipp_sipua $name: FAILED ($why); see $LOG/$name.*"
        tail -5 "$LOG/$name.sipp.log"
        cat "$LOG"/"$name"*errors* 2> /dev/null | tail -20
        tail -20 "$LOG/$name.sipua.log"
        fail=1
    fi
}

# sipua as UAS: sipua NAME-ARGS..., then sipp with the scenario.
# uas NAME TP(u1|t1) WANT-UA-RC "SIPUA ARGS" SIPP-SCENARIO-ARGS... -- PATTERNS...
uas() {
    name=$1 tp=$2 want=$3 uargs=$4
    shift 4
    p_ua=$BASE p_sipp=$((BASE + 2)) mp=$((BASE + 4))
    BASE=$((BASE + 10))
    sargs=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do sargs="$sargs $1"; shift; done
    [ $# -gt 0 ] && shift
    uatp=udp
    [ "$tp" = t1 ] && uatp=tcp
    # shellcheck disable=SC2086
    "$UA" --listen 127.0.0.1:$p_ua --transport $uatp --max-calls 1 --no-audio-check --timeout 30 --log \
        $uargs > "$LOG/$name.sipua.log" 2>&1 &
    upid=$!
    sleep 0.3
    # shellcheck disable=SC2086
    (cd "$LOG" && timeout 60 sipp $sargs 127.0.0.1:$p_ua -i 127.0.0.1 -p $p_sipp -mp $mp -t "$tp" \
        -m 1 -timeout ${SIPP_TO:-30}s -timeout_error -trace_err -nostdin > "$name.sipp.log" 2>&1)
    src=$?
    wait $upid
    report "$name" $src $? "$want" "$@"
}

# sipua as UAC: sipp with the scenario in the background, then sipua
# (@SIPP@ in the sipua arguments is SIPp's port).
# uac NAME TP WANT-UA-RC "SIPUA ARGS" SIPP-SCENARIO-ARGS... -- PATTERNS...
uac() {
    name=$1 tp=$2 want=$3 uargs=$4
    shift 4
    p_ua=$BASE p_sipp=$((BASE + 2)) mp=$((BASE + 4))
    BASE=$((BASE + 10))
    sargs=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do sargs="$sargs $1"; shift; done
    [ $# -gt 0 ] && shift
    uatp=udp
    [ "$tp" = t1 ] && uatp=tcp
    # shellcheck disable=SC2086
    (cd "$LOG" && exec timeout 60 sipp $sargs -i 127.0.0.1 -p $p_sipp -mp $mp -t "$tp" -m 1 \
        -timeout 30s -timeout_error -trace_err -nostdin > "$name.sipp.log" 2>&1) &
    spid=$!
    sleep 0.5
    uargs=$(echo "$uargs" | sed "s/@SIPP@/$p_sipp/g")
    callarg="--call sip:svc@127.0.0.1:$p_sipp"
    case "$uargs" in *--register* | *--call*) callarg="" ;; esac
    # shellcheck disable=SC2086
    "$UA" --listen 127.0.0.1:$p_ua --transport $uatp $callarg --no-audio-check \
        --exit-when-done --timeout 30 --log $uargs > "$LOG/$name.sipua.log" 2>&1
    urc=$?
    wait $spid
    report "$name" $? $urc "$want" "$@"
}

# --- sipua as UAS ---
uas uas-plain-udp u1 0 "--auto-answer 100" -sn uac -d 500 -- "result=ok"
uas uas-plain-tcp t1 0 "--auto-answer 100" -sn uac -d 500 -- "result=ok" "/TCP INVITE"
uas uas-cancel u1 1 "--auto-answer 3000" -sf "$SC/uac_cancel.xml" -- \
    "cause=remote-cancel" "SIP/2.0 487"
uas uas-486 u1 0 "--reject 486" -sf "$SC/uac_486.xml" -- "result=rejected status=486" "SIP/2.0 486"
uas uas-hold u1 0 "--auto-answer 100" -sf "$SC/uac_hold.xml" -- "result=ok" "recvonly"
# RFC 3262 / 3311 / 4028 scenarios (tests/sipp/uac_100rel.xml,
# uac_update.xml, uac_timer.xml)
uas uas-100rel u1 0 "--auto-answer 100 --100rel" -sf "$SC/uac_100rel.xml" -- \
    "SIP/2.0 183" "PRACK call=1" "result=ok"
uas uas-update u1 0 "--auto-answer 100 --100rel --session-expires 90" -sf "$SC/uac_update.xml" -- \
    "<- 127.0.0.1:[0-9]*/UDP UPDATE " "recvonly" "result=ok"
uas uas-timer u1 0 "--auto-answer 100 --session-expires 90" -sf "$SC/uac_timer.xml" -- \
    "SESSION_TIMER call=1 expires=90 refresher=peer" "result=ok"
# RFC 4028 §10: sipua as the refresher sends its UPDATE refresh at 45 s
SIPP_TO=70 uas uas-timer-refresh u1 0 "--auto-answer 100 --session-expires 90 --timeout 70" \
    -sf "$SC/uac_timer_refresh.xml" -- "SESSION_TIMER call=1 expires=90 refresher=us" \
    "^LOG *4[56]\.[0-9]* -> 127.0.0.1:[0-9]*/UDP UPDATE " "result=ok"
SIPP_TO=30
# --- sipua as UAC ---
uac uac-plain-udp u1 0 "--hangup-after 1" -sn uas -- "result=ok"
uac uac-plain-tcp t1 0 "--hangup-after 1" -sf "$SC/uas_plain.xml" -- "result=ok" "/TCP INVITE"
uac uac-401 u1 0 "--user alice --password secret --hangup-after 1" -sf "$SC/uas_auth.xml" -- \
    "SIP/2.0 401" "result=ok"
uac uac-407 u1 0 "--user alice --password secret --hangup-after 1" -sf "$SC/uas_auth407.xml" -- \
    "SIP/2.0 407" "result=ok"
uac uac-proxy u1 0 "--call sip:bob@192.0.2.1 --outbound-proxy sip:127.0.0.1:@SIPP@;lr --hangup-after 1" \
    -sf "$SC/uas_plain.xml" -- "-> 127.0.0.1:[0-9]*/UDP INVITE sip:bob@192.0.2.1 " "result=ok"
uac uac-refer u1 0 "--transfer sip:carol@192.0.2.9@1" -sf "$SC/uas_refer.xml" -- \
    "-> 127.0.0.1:[0-9]*/UDP REFER " "TRANSFER call=1 role=transferor notify=200" "transfer_status=200"
uac uac-register u1 0 "--register sip:127.0.0.1:@SIPP@ --user alice --password secret" \
    -sf "$SC/uas_register.xml" -- "REG result=ok" "sipua: unregistered"
# a wrong password: SIPp answers 403 and fails its call on purpose (exit 1)
SIPP_WANT=1
uac uac-401-wrong u1 1 "--user alice --password wrong --hangup-after 1" -sf "$SC/uas_auth.xml" -- \
    "status=403"
SIPP_WANT=0
uac uac-hold u1 0 "--hold 1 --resume 2 --hangup-after 3" -sf "$SC/uas_hold.xml" -- \
    "result=ok" "reinvites=2"
uac uac-glare u1 0 "--hold 1 --hangup-after 7" -sf "$SC/uas_glare.xml" -- \
    "-> 127.0.0.1:[0-9]*/UDP SIP/2.0 491" "<- 127.0.0.1:[0-9]*/UDP SIP/2.0 491" "result=ok" "reinvites=1"
if [ $fail = 0 ]; then echo "sipp_sipua: $runs runs passed"; else echo "sipp_sipua: failures"; fi
exit $fail
