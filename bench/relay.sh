#!/bin/sh
# bench/relay.sh - media_relay.h: forwarded packets per second, instructions
# per forwarded RTP packet (callgrind, rounds 1 and 1+CG_ROUNDS subtracted,
# minus the harness's own loop), bytes per session. One line per figure.
#
# Environment: CC (gcc), CG_ROUNDS (20), BENCH_DIR (build/bench).
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-gcc}
CG_ROUNDS=${CG_ROUNDS:-20}
B=${BENCH_DIR:-build/bench}
mkdir -p "$B"
echo "== build bench_relay"
$CC -std=c99 -O2 -Wall -Wextra -I. bench/bench_relay.c -o "$B/bench_relay" || exit 1
"$B/bench_relay" time || exit 1
if command -v valgrind > /dev/null 2>&1; then
    ir() { # workload rounds -> total instructions
        valgrind --tool=callgrind --callgrind-out-file="$B/cg.relay.$1.$2" "$B/bench_relay" count "$1" "$2" \
            > /dev/null 2> "$B/cg.relay.log" || return 1
        sed -n 's/^summary: *//p' "$B/cg.relay.$1.$2"
    }
    fa=$(ir fwd 1) fb=$(ir fwd $((CG_ROUNDS + 1))) na=$(ir null 1) nb=$(ir null $((CG_ROUNDS + 1)))
    awk -v fa="$fa" -v fb="$fb" -v na="$na" -v nb="$nb" -v r="$CG_ROUNDS" 'BEGIN {
        printf "relay: instructions per forwarded RTP packet: %.0f (callgrind, harness subtracted)\n",
               ((fb - fa) - (nb - na)) / (r * 1000) }'
else
    echo "relay: instructions per forwarded RTP packet: not counted (valgrind missing)"
fi
"$B/bench_relay" mem
