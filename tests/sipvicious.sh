#!/bin/bash
# tests/sipvicious.sh - SIPVicious 0.3.3 (Debian sipvicious: svmap, svwar,
# svcrack; Python 3 scripts in /usr/bin), the usual SIP scanning kit,
# against examples/sipd:
#   1. svmap finds sipd on its port;
#   2. user enumeration does not work: sipd's answers (status line, header
#      names, challenge parameters) to REGISTER, INVITE and OPTIONS for the
#      demo users and for users that do not exist are the same (a probe of
#      ours compares them), and svwar finds none of them;
#   3. password guessing is slowed down (sip_auth_server.h: after
#      max_failures (5) failures per (source, user) each further attempt
#      waits a delay that doubles from 1 s): svcrack with a dictionary that
#      holds alice's password at position 40 (of 3000) runs for CRACK seconds; a
#      capture (tshark) counts the guesses sipd actually checked (answered
#      401/407 again) and the ones it refused (403/429/503) per second.
#      Checked: svcrack does not find the password; checked guesses at
#      most 5 in the first second and at most 5 + log2(CRACK) + 2 in all;
#      refused guesses > 0.
# sipd runs with --auth-algs md5: svcrack 0.3.3 reads only the first
# challenge and knows only MD5; sipd's default SHA-256 first challenge
# makes it stop with "Unknown algorithm" (which defeats it too, but says
# nothing about the limiter).
#
# Environment: B (build), CRACK (12 seconds), IOP_KEEP=1,
# INTEROP_SERVER=kamailio runs the same against bench/kamailio.cfg, which
# has no limiter: a reference where svcrack does find the password (the
# limiter checks are reported, not asserted).
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/iop_lib.sh
B=${B:-build}
CRACK=${CRACK:-12}
SERVER=${INTEROP_SERVER:-sipd}
SIPD=$B/sipd

for t in svmap svwar svcrack tshark python3; do
    command -v $t > /dev/null 2>&1 || { echo "sipvicious: $t not installed (sh scripts/deps.sh interop)"; exit 1; }
done
if [ "$SERVER" = sipd ]; then
    [ -x "$SIPD" ] || { echo "sipvicious: $SIPD not built"; exit 1; }
fi

iop_tmpdir sipvicious
T=$IOP_TMP
trap 'iop_cleanup' EXIT
trap 'exit 130' INT TERM
fail=0
bad() { echo "sipvicious: FAIL: $*"; fail=1; }
# sipvicious keeps sessions in ~/.sipvicious
export HOME=$T

# ports: the server P, the tools' local ports P+10..P+19, the relay P+20..P+39
P=$(iop_free_base 40) || { echo "sipvicious: no free ports"; exit 1; }

if [ "$SERVER" = sipd ]; then
    iop_bg "$T/server.log" "$SIPD" --addr 127.0.0.1 --port "$P" --tls-port 0 --ws-port 0 \
        --wss-port 0 --relay-ports "$((P + 20))-$((P + 39))" --auth-algs md5 --log 2
    SERVER_PID=$IOP_LAST
    iop_wait_for "$T/server.log" "listening on" 10 || { cat "$T/server.log"; echo "sipvicious: sipd did not start"; exit 1; }
else
    mkdir -p "$T/kam"
    iop_bg "$T/server.log" kamailio -f bench/kamailio.cfg -DD -E -l "udp:127.0.0.1:$P" -n 1 -m 32 -M 4 -Y "$T/kam"
    SERVER_PID=$IOP_LAST
    iop_wait_for "$T/server.log" "^Aliases:" 10 || { cat "$T/server.log"; echo "sipvicious: kamailio did not start"; exit 1; }
    sleep 0.5
fi

# ---- 1. svmap ---------------------------------------------------------------------
timeout 30 svmap -P $((P + 10)) -p "$P" 127.0.0.1 > "$T/svmap.log" 2>&1
if grep -q "127.0.0.1:$P " "$T/svmap.log"; then
    echo "sipvicious: svmap found $(grep "127.0.0.1:$P " "$T/svmap.log" | tr -s ' |' ' ')"
else
    bad "svmap did not find the server"; cat "$T/svmap.log"
fi

# ---- 2. enumeration ------------------------------------------------------------------
USERS="alice bob carol dave zed mallory admin 1000"
printf '%s\n' $USERS > "$T/users.txt"
# Our probe: each method for each user, the answer reduced to what does not
# change between two identical requests (status line, header names in
# order, the challenge's parameter names and realm/algorithm/qop values).
python3 - "$P" $((P + 11)) $USERS > "$T/probe.log" 2>&1 << 'EOF'
import random, re, socket, sys
port, lport, users = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", lport))
s.settimeout(2.0)

def ask(method, user):
    tag, cid, br = (random.getrandbits(48) for _ in range(3))
    msg = ("%s sip:%s@127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%x;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:%s@127.0.0.1>;tag=%x\r\n"
           "To: <sip:%s@127.0.0.1>\r\n"
           "Call-ID: %x@probe\r\n"
           "CSeq: 1 %s\r\n"
           "Contact: <sip:%s@127.0.0.1:%d>\r\n"
           "Content-Length: 0\r\n\r\n") % (
        method, user if method != "REGISTER" else "", port, lport, br, user, tag, user, cid,
        method, user, lport)
    if method == "REGISTER":
        msg = msg.replace("REGISTER sip:@", "REGISTER sip:", 1)
    s.sendto(msg.encode(), ("127.0.0.1", port))
    while True:
        try:
            r = s.recv(65535).decode("utf-8", "replace")
        except socket.timeout:
            return "(no answer)"
        if " 100 " in r.split("\r\n")[0]:
            continue
        break
    if method == "INVITE":  # finish the transaction: ACK a final answer
        head = r.split("\r\n\r\n")[0].split("\r\n")
        to = [h for h in head if h.lower().startswith(("to:", "t:"))]
        ack = msg.replace("INVITE", "ACK").replace("CSeq: 1 ACK", "CSeq: 1 ACK")
        if to:
            ack = re.sub(r"\r\nTo: [^\r]*", "\r\n" + to[0], ack)
        s.sendto(ack.encode(), ("127.0.0.1", port))
    head = r.split("\r\n\r\n")[0].split("\r\n")
    names = [h.split(":")[0].strip().lower() for h in head[1:]]
    ch = [h for h in head[1:] if h.lower().startswith(("www-authenticate", "proxy-authenticate"))]
    chs = []
    for c in ch:
        params = dict((k.lower(), v.strip('"')) for k, v in re.findall(r'([A-Za-z-]+)=("[^"]*"|[^,\s]+)', c))
        chs.append(",".join(sorted(params)) + " realm=%s algorithm=%s qop=%s" % (
            params.get("realm"), params.get("algorithm"), params.get("qop")))
    return "%s | %s | %s" % (head[0], " ".join(names), " ; ".join(chs))

ok = True
for m in ("REGISTER", "INVITE", "OPTIONS"):
    seen = {}
    for u in users:
        seen.setdefault(ask(m, u), []).append(u)
    for a, us in seen.items():
        print("%-8s %-32s -> %s" % (m, ",".join(us), a))
    if len(seen) != 1:
        ok = False
        print("%s: the answers differ between users" % m)
sys.exit(0 if ok else 1)
EOF
probe=$?
sed 's/^/  /' "$T/probe.log"
[ $probe = 0 ] && echo "sipvicious: same answers for existing and unknown users (REGISTER, INVITE, OPTIONS)" ||
    bad "answers tell users apart"
# one source port per method: svwar does not ACK the INVITE run's 407s, and
# their retransmissions (RFC 3261 17.2.1, up to 32 s) must not reach the
# next run as answers to its names
k=0
for m in REGISTER INVITE OPTIONS; do
    k=$((k + 1))
    timeout 60 svwar -P $((P + 15 + k)) -p "$P" -d "$T/users.txt" -m $m --force --maximumtime=3 127.0.0.1 > "$T/svwar.$m.log" 2>&1
    found=""
    for u in $USERS; do
        grep -E -q "^\| *$u *\|" "$T/svwar.$m.log" && found="$found $u"
    done
    if [ -z "$found" ]; then
        echo "sipvicious: svwar -m $m: $(grep -E -o 'found nothing|Bad user = [^-]*' "$T/svwar.$m.log" | head -2 | tr '\n' ' ')"
    else
        # all found with one status is no information either; a subset is
        n=$(echo $found | wc -w)
        st=$(grep -E "^\| *($(echo $found | tr ' ' '|')) *\|" "$T/svwar.$m.log" | awk -F'|' '{ print $3 }' | sort -u | wc -l)
        if [ "$n" = "$(echo $USERS | wc -w)" ] && [ "$st" = 1 ]; then
            echo "sipvicious: svwar -m $m: every name 'found' with one answer (no information)"
        else
            bad "svwar -m $m told users apart:$found"
            cat "$T/svwar.$m.log"
        fi
    fi
done

# ---- 3. svcrack --------------------------------------------------------------------------
python3 -c '
for i in range(3000):
    print("alicepw" if i == 39 else "guess%03d" % i)' > "$T/passwords.txt"
timeout $((CRACK + 20)) tshark -i lo -f "udp port $P" -a duration:$((CRACK + 3)) -w "$T/crack.pcap" > "$T/tshark.log" 2>&1 &
TS_PID=$!
IOP_PIDS="$IOP_PIDS $TS_PID"
iop_wait_for "$T/tshark.log" "Capturing on" 10 || true
sleep 0.5
timeout $((CRACK + 15)) svcrack -P $((P + 13)) -p "$P" -u alice -d "$T/passwords.txt" \
    --maximumtime=$CRACK 127.0.0.1 > "$T/svcrack.log" 2>&1 &
SV_PID=$!
sleep "$CRACK"
kill -INT $SV_PID 2> /dev/null
wait $SV_PID 2> /dev/null
wait $TS_PID 2> /dev/null
tail -3 "$T/svcrack.log" | sed 's/^/  svcrack: /'
cracked=0
grep -q "alicepw" "$T/svcrack.log" && cracked=1
# requests with credentials and what answered them, by Call-ID and CSeq
tshark -r "$T/crack.pcap" -Y sip -T fields -E separator='|' -e frame.time_relative -e sip.Method \
    -e sip.Status-Code -e sip.Call-ID -e sip.CSeq -e sip.Authorization > "$T/crack.txt" 2> /dev/null
python3 - "$T/crack.txt" "$CRACK" > "$T/crack.sum" << 'EOF'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
req, t0 = {}, None
checked, refused, per_s = 0, 0, {}
for r in rows:
    if len(r) < 6:
        continue
    t, meth, code, cid, cseq, auth = float(r[0]), r[1], r[2], r[3], r[4], r[5]
    if meth:
        if auth:
            req[(cid, cseq)] = t
            if t0 is None:
                t0 = t
        continue
    if (cid, cseq) not in req or not code:
        continue
    sec = int(req.pop((cid, cseq)) - t0)
    c = per_s.setdefault(sec, [0, 0])
    if code in ("401", "407", "200"):
        checked += 1; c[0] += 1
    elif code in ("403", "429", "503"):
        refused += 1; c[1] += 1
print("checked %d refused %d first_second %d" % (checked, refused, per_s.get(0, [0, 0])[0]))
print("per second (checked/refused): " + " ".join("%d:%d/%d" % (s, c[0], c[1]) for s, c in sorted(per_s.items())))
EOF
sed 's/^/  /' "$T/crack.sum"
read -r _ checked _ refused _ first < "$T/crack.sum"
limit=$(awk -v t="$CRACK" 'BEGIN { n = 0; while ((2 ^ n) < t) n++; print 5 + n + 2 }')
if [ "$SERVER" = sipd ]; then
    [ $cracked = 0 ] || bad "svcrack found alice's password"
    [ "${first:-99}" -le 5 ] || bad "svcrack had ${first:-?} guesses checked in its first second (> 5)"
    [ "${checked:-99}" -le "$limit" ] || bad "svcrack had ${checked:-?} guesses checked in ${CRACK} s (> $limit)"
    [ "${refused:-0}" -gt 0 ] || bad "sipd refused no guess"
    [ $fail = 0 ] && echo "sipvicious: svcrack slowed to $checked checked guesses in $CRACK s ($refused refused), password not found"
else
    echo "sipvicious: reference server: svcrack $([ $cracked = 1 ] && echo found || echo did not find) the password; $checked checked, $refused refused"
fi

iop_stop "$SERVER_PID" 10
if [ $fail = 0 ]; then
    echo "sipvicious: passed"
else
    IOP_KEEP=1
    echo "sipvicious: logs in $T (kept)"
    tail -20 "$T/server.log"
fi
exit $fail
