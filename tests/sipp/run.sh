#!/bin/sh
# tests/sipp/run.sh - the RFC 3262 / 3311 / 4028 SIPp scenarios of this
# directory against tests/sipp/ua_driver.c (a UDP UA on sip_dialog.h).
# Exit 0 when every scenario's call succeeds. Run from the repository root.
set -u
TOP=$(pwd)
B=${B:-build}
PORT=${PORT:-15090}
mkdir -p "$B/sipp-ext"
cc -std=c99 -O1 -g -Wall -Wextra -Werror -pedantic -I. tests/sipp/ua_driver.c -o "$B/ua_driver" || exit 1
"$B/ua_driver" --port "$PORT" --calls 3 2> "$B/sipp-ext/driver.log" &
pid=$!
sleep 0.3
fail=0
for f in uac_100rel uac_update uac_timer; do
    if (cd "$B/sipp-ext" && timeout 60 sipp -sf "$TOP/tests/sipp/$f.xml" -m 1 -p $((PORT + 1)) \
        -timeout 30s -timeout_error -trace_err -nostdin 127.0.0.1:"$PORT" > "$f.log" 2>&1); then
        echo "sipp $f: ok"
    else
        echo "sipp $f: FAILED; see $B/sipp-ext/$f.log"
        fail=1
    fi
done
kill "$pid" 2> /dev/null
wait "$pid" 2> /dev/null
exit $fail
