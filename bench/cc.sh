#!/bin/sh
# bench/cc.sh - congestion control on the link simulator: builds
# bench/bench_cc.c, runs its four scenarios (ramp, step, loss, remb), prints the
# figures, and draws build/bench/cc.png with gnuplot (target vs capacity
# over time, and queueing delay, one row per scenario).
# Environment: CC (gcc), BENCH_DIR (build/bench).
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-gcc}
B=${BENCH_DIR:-build/bench}
mkdir -p "$B"
$CC -std=c99 -O2 -Wall -Wextra -I. bench/bench_cc.c -o "$B/bench_cc" || exit 1
"$B/bench_cc" "$B/cc.tsv"
status=$?
if command -v gnuplot >/dev/null 2>&1; then
    for s in ramp step loss remb; do
        awk -v s="$s" -F'\t' '$1 == s' "$B/cc.tsv" > "$B/cc.$s.tsv"
    done
    gnuplot <<GP || status=1
set terminal pngcairo size 1200,1300 font ",10" noenhanced
set output "$B/cc.png"
set multiplot layout 4,1 title "rtcp_feedback.h GCC estimator on tests/linksim.h (1200-octet packets, 50 ms one way, TWCC every 100 ms)"
set datafile separator "\t"
set xlabel "time (s)"
set ylabel "kbit/s"
set y2label "queueing delay (ms)"
set y2tics
set ytics nomirror
set key top left
set grid
set yrange [0:*]
set y2range [0:*]
set title "ramp: 1 Mbit/s"
plot "$B/cc.ramp.tsv" using 2:(\$3/1000) with steps lw 2 title "capacity", \
     "" using 2:(\$4/1000) with lines lw 2 title "target", \
     "" using 2:6 axes x1y2 with lines title "queueing delay"
set title "step: 1 Mbit/s -> 500 kbit/s at 20 s"
plot "$B/cc.step.tsv" using 2:(\$3/1000) with steps lw 2 title "capacity", \
     "" using 2:(\$4/1000) with lines lw 2 title "target", \
     "" using 2:6 axes x1y2 with lines title "queueing delay"
set title "loss: 1 Mbit/s, max 600 kbit/s, 2% random loss from 10 s"
set y2range [0:50]
plot "$B/cc.loss.tsv" using 2:(\$3/1000) with steps lw 2 title "capacity", \
     "" using 2:(\$4/1000) with lines lw 2 title "target", \
     "" using 2:6 axes x1y2 with lines title "queueing delay"
set y2range [0:*]
set title "remb: the sender follows the receive-side REMB; 1 Mbit/s -> 500 kbit/s at 30 s"
plot "$B/cc.remb.tsv" using 2:(\$3/1000) with steps lw 2 title "capacity", \
     "" using 2:(\$4/1000) with lines lw 2 title "REMB / target", \
     "" using 2:6 axes x1y2 with lines title "queueing delay"
unset multiplot
GP
    [ -s "$B/cc.png" ] && echo "== plot: $B/cc.png"
else
    echo "gnuplot not found: no plot (install gnuplot-nox)"
fi
exit $status
