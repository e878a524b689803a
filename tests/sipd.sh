#!/bin/sh
# tests/sipd.sh - SIPp (Debian sip-tester) against examples/sipd on loopback,
# every call through the proxy, the digest server and the relay:
#   1. REGISTER with digest (401, then SIPp's [authentication]);
#   2. a registered SIPp uas called by a SIPp uac (407, then credentials);
#   3. 486 from the callee; 4. CANCEL while ringing;
#   5. forking to two contacts of one user: one answers, the other gets
#      the proxy's CANCEL;
#   6. 1,000 calls at 50 calls/s, no failure allowed;
#   7. 10 % loss (-lost 10) on the caller's side: every call completes
#      through the retransmissions of SIPp and of sipd's transactions
#      (SIPp 3.6's uas aborts a call when a retransmitted INVITE arrives
#      after its lost 200, so the callee side stays lossless);
#   8. WebSocket and TLS listeners answer a REGISTER with 401 (python3);
#   9. SIGTERM: sipd exits 0 and prints its statistics.
# SIPp 3.6 computes MD5 only and takes the first challenge, so sipd runs
# with --auth-algs md5 here (its default offers SHA-256 first, then MD5).
# Exit 0 when everything passed. Run from the repository root after
# `make build/sipd` (make test-sipd does both).
set -u
B=${B:-build}
SIPD=$B/sipd
X=tests/sipp
LOG=$B/sipd-test
MASS=${SIPD_MASS_CALLS:-1000}
LOSS=${SIPD_LOSS_CALLS:-40}
command -v sipp > /dev/null 2>&1 || { echo "sipd: sipp not installed (apt-get install sip-tester)"; exit 1; }
[ -x "$SIPD" ] || { echo "sipd: $SIPD not built"; exit 1; }
rm -rf "$LOG"
mkdir -p "$LOG"
# ports of our own (make test runs next to other jobs): SIP at BASE,
# TLS/WS/WSS at BASE+2..4, SIPp at BASE+10.., SIPp media at BASE+20..
BASE=$((30000 + ($$ % 400) * 50))
RLO=$((52000 + ($$ % 30) * 400))
P=$BASE
fail=0
ok() { echo "sipd: $1: ok"; }
bad() { echo "sipd: $1: FAILED"; fail=1; }

"$SIPD" --port $P --tls-port $((P + 2)) --ws-port $((P + 3)) --wss-port $((P + 4)) \
    --relay-ports $RLO-$((RLO + 399)) --auth-algs md5 --log 1 > "$LOG/sipd.log" 2>&1 &
spid=$!
sleep 0.3
kill -0 $spid 2> /dev/null || { echo "sipd: did not start"; cat "$LOG/sipd.log"; exit 1; }

# sipp NAME SCENARIO LOCALPORT args... : one SIPp run in $LOG, its exit status
sipp_run() {
    name=$1 scen=$2 lp=$3
    shift 3
    (cd "$LOG" && exec timeout 150 sipp -sf "$scen" 127.0.0.1:$P -p "$lp" -mp $((P + 20 + 4 * (lp - P - 10))) \
        -nostdin -trace_err -trace_stat -stf "$name.csv" -timeout 140s -timeout_error "$@" \
        > "$name.log" 2>&1)
}
# uac NAME SCENARIO CALLEE args...: alice calls; the digest uri must be the
# Request-URI (SIPp's default is sip:remote_ip:remote_port)
uac() {
    n=$1 s=$2 c=$3
    shift 3
    sipp_run "$n" "$PWD/$X/$s.xml" $UAC -s "$c" -au alice -ap alicepw -auth_uri "$c@127.0.0.1" "$@"
}
register() { # user localport
    sipp_run "reg-$1-$2" "$PWD/$X/sipd_register.xml" "$2" -s "$1" -au "$1" -ap "$1pw" -m 1
}
wait_ok() { # pid name
    if wait "$1"; then return 0; fi
    echo "  (see $LOG/$2.log)"
    tail -3 "$LOG/$2.log"
    ls "$LOG"/*errors.log > /dev/null 2>&1 && tail -5 "$LOG"/*errors.log
    return 1
}

U1=$((P + 10)) U2=$((P + 11)) U3=$((P + 12)) U4=$((P + 13)) UAC=$((P + 14))

# 1. REGISTER with digest authentication
if register bob $U1 && register carol $U2 && register dave $U3; then ok "REGISTER with digest (bob, carol, dave)"
else bad "REGISTER with digest"; fi

# 2. a call to a registered uas through the proxy and the relay
sipp_run uas-call "$PWD/$X/sipd_uas.xml" $U1 -m 1 -d 0 &
u=$!
sleep 0.2
if uac uac-call sipd_uac bob -m 1 -d 300 &&
    wait_ok $u uas-call; then ok "authenticated call alice -> bob"
else bad "authenticated call alice -> bob"; wait $u; fi

# 3. 486
sipp_run uas-486 "$PWD/$X/sipd_uas_486.xml" $U2 -m 1 &
u=$!
sleep 0.2
if uac uac-486 sipd_uac_486 carol -m 1 &&
    wait_ok $u uas-486; then ok "486 Busy Here from carol"
else bad "486"; wait $u; fi

# 4. CANCEL
sipp_run uas-cancel "$PWD/$X/sipd_uas_ring.xml" $U3 -m 1 &
u=$!
sleep 0.2
if uac uac-cancel sipd_uac_cancel dave -m 1 &&
    wait_ok $u uas-cancel; then ok "CANCEL while dave rings"
else bad "CANCEL"; wait $u; fi

# 5. forking: bob registered twice; U1 answers, U4 rings and is cancelled
if register bob $U4; then
    sipp_run uas-fork-answer "$PWD/$X/sipd_uas.xml" $U1 -m 1 -d 0 &
    u1=$!
    sipp_run uas-fork-ring "$PWD/$X/sipd_uas_ring.xml" $U4 -m 1 &
    u2=$!
    sleep 0.2
    if uac uac-fork sipd_uac bob -m 1 -d 300 &&
        wait_ok $u1 uas-fork-answer && wait_ok $u2 uas-fork-ring; then ok "forking to two contacts of bob (one answers, one cancelled)"
    else bad "forking"; wait $u1; wait $u2; fi
else bad "second registration of bob"; fi

# 6. MASS calls at 50 calls/s to dave
t0=$(date +%s)
sipp_run uas-mass "$PWD/$X/sipd_uas.xml" $U3 -m $MASS -d 0 &
u=$!
sleep 0.2
if uac uac-mass sipd_uac dave -m $MASS -r 50 \
    -l 400 -d 100 && wait_ok $u uas-mass &&
    grep -q "Successful call.*| *$MASS *$" "$LOG/uac-mass.log"; then
    ok "$MASS calls at 50 calls/s, all successful ($(($(date +%s) - t0)) s)"
else bad "$MASS calls at 50 calls/s"; wait $u; fi

# 7. 10 % loss between the caller and sipd (both directions)
sipp_run uas-loss "$PWD/$X/sipd_uas.xml" $U3 -m $LOSS -d 0 &
u=$!
sleep 0.2
if uac uac-loss sipd_uac dave -m $LOSS -r 10 \
    -l 100 -d 100 -lost 10 && wait_ok $u uas-loss &&
    grep -q "Successful call.*| *$LOSS *$" "$LOG/uac-loss.log"; then
    ok "$LOSS calls with 10 % loss on the caller side, all complete"
else bad "$LOSS calls with 10 % loss"; wait $u; fi

# 8. WebSocket and TLS listeners (python3's socket and ssl modules)
if command -v python3 > /dev/null 2>&1; then
    if python3 - $P "$LOG" << 'EOF'
import base64, os, socket, ssl, sys
p = int(sys.argv[1])
def reg(tp, port):
    return ("REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bK-%s\r\n"
            "From: <sip:bob@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: %s@t\r\n"
            "CSeq: 1 REGISTER\r\nContact: <sip:bob@127.0.0.1:%d;transport=%s>\r\nMax-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n" % (tp, port, tp, tp, port, tp.lower())).encode()
def ws(sock, port, tp):
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n" % key).encode())
    r = b""
    while b"\r\n\r\n" not in r:
        r += sock.recv(4096)
    assert r.startswith(b"HTTP/1.1 101"), r
    m = reg(tp, port)
    mask = os.urandom(4)
    hdr = bytes([0x81, 0x80 | 126]) + len(m).to_bytes(2, "big") + mask
    sock.sendall(hdr + bytes(b ^ mask[i % 4] for i, b in enumerate(m)))
    def get(n):
        b = b""
        while len(b) < n:
            c = sock.recv(n - len(b))
            assert c, "closed"
            b += c
        return b
    h = get(2)
    n = h[1] & 127
    if n == 126:
        n = int.from_bytes(get(2), "big")
    return get(n)
def stream(sock, port, tp):
    sock.sendall(reg(tp, port))
    return sock.recv(65536)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
for name, port, wrap, fn in (("TCP", p, False, stream), ("TLS", p + 2, True, stream),
                             ("WS", p + 3, False, ws), ("WSS", p + 4, True, ws)):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if wrap:
        s = ctx.wrap_socket(s)
    r = fn(s, s.getsockname()[1], name)
    assert r.startswith(b"SIP/2.0 401"), (name, r[:80])
    print("sipd:   %s: %s" % (name, r.split(b"\r\n")[0].decode()))
    s.close()
EOF
    then ok "TCP, TLS, WS and WSS listeners answer REGISTER with 401"
    else bad "TCP/TLS/WS/WSS listeners"; fi
fi

# 9. clean exit with statistics
kill -TERM $spid
if wait $spid && grep -q "sipd: statistics" "$LOG/sipd.log"; then ok "SIGTERM: exit 0, statistics printed"
else bad "SIGTERM exit"; fi
grep -E "^sipd: (statistics|uptime|relay leg)" "$LOG/sipd.log"
if [ $fail = 0 ]; then echo "sipd: all passed"; else echo "sipd: failures (logs in $LOG)"; fi
exit $fail
