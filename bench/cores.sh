#!/bin/sh
# bench/cores.sh - the stateful cores, each a standalone program in bench/:
# bench_<name>.c built with gcc -O2 against the headers only, run once, its
# lines printed. Programs that need arguments or libraries list them here.
#
# Environment: CC (gcc), BENCH_DIR (build/bench).
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-gcc}
B=${BENCH_DIR:-build/bench}
mkdir -p "$B"
status=0
for src in bench/bench_*.c; do
    name=$(basename "$src" .c)
    case $name in bench_sip | bench_cc | bench_relay) continue ;; esac   # run by run.sh, cc.sh, relay.sh
    args="" libs=""
    case $name in
    bench_registrar) args=1000000 ;;
    esac
    echo "== $name"
    # shellcheck disable=SC2086
    if ! $CC -std=c99 -O2 -Wall -Wextra -I. "$src" -o "$B/$name" $libs 2> "$B/$name.build.log"; then
        head -20 "$B/$name.build.log"
        status=1
        continue
    fi
    # shellcheck disable=SC2086
    "$B/$name" $args || { echo "!! $name failed"; status=1; }
done
exit $status
