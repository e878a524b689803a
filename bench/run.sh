#!/bin/sh
# bench/run.sh - cvoip's sip_parse() against sofia-sip, libosip2 and libre.
#
# Builds one program per parser (bench_sip.c, peer_*.c, all on the shared
# harness bench_common.h), checks that they all extract the same fields
# from every message of bench/msgs, then measures each:
#   - wall time: `prog time N`, N calibrated so one repetition takes about
#     TARGET_MS; the program repeats it 11 times and reports the median
#     ns/message and MB/s;
#   - instructions: `prog count N` under callgrind (see below).
# and prints a table with ratios against cvoip. See bench/README.md.
#
# Environment: CC (gcc), CG_ROUNDS (200), TARGET_MS (100),
# BENCH_DIR (build/bench).
set -u
cd "$(dirname "$0")/.." || exit 2

CC=${CC:-gcc}
CG_ROUNDS=${CG_ROUNDS:-200}
TARGET_MS=${TARGET_MS:-100}
B=${BENCH_DIR:-build/bench}
MSGS=bench/msgs
CFLAGS="-std=c99 -O2 -Wall -Wextra"
mkdir -p "$B"

nmsgs=$(ls $MSGS/*.sip | wc -l)
nbytes=$(cat $MSGS/*.sip | wc -c)
echo "== corpus: $nmsgs messages, $nbytes bytes ($MSGS)"

# name | source | pkg-config module ("-" for none)
progs="cvoip bench_sip.c -
sofia-sip peer_sofia.c sofia-sip-ua
osip2 peer_osip.c libosip2
libre peer_re.c libre"

# ---- build ------------------------------------------------------------------
built=""
notes=""
echo "$progs" > "$B/progs"
while read -r name src pkg; do
    flags="" libs=""
    if [ "$pkg" != "-" ]; then
        if ! pkg-config --exists "$pkg" 2>/dev/null; then
            notes="$notes
  $name: skipped, pkg-config $pkg not found (install: sh scripts/deps.sh bench)"
            continue
        fi
        flags=$(pkg-config --cflags "$pkg") libs=$(pkg-config --libs "$pkg")
        name_v="$name $(pkg-config --modversion "$pkg")"
    else
        name_v="$name (../sip.h)"
    fi
    echo "== build $name_v: $CC $CFLAGS bench/$src"
    # shellcheck disable=SC2086
    if $CC $CFLAGS $flags "bench/$src" -o "$B/$name" $libs 2>"$B/$name.build.log"; then
        built="$built $name"
        [ -s "$B/$name.build.log" ] && cat "$B/$name.build.log"
    else
        head -40 "$B/$name.build.log"
        notes="$notes
  $name: skipped, build failed (log: $B/$name.build.log)"
    fi
done < "$B/progs"
[ -n "$built" ] || { echo "nothing built"; exit 1; }

# ---- sanity: every parser must extract the same fields ----------------------
# Reference: cvoip when built, else the first peer built.
status=0
ref=""
for n in $built; do
    "$B/$n" check "$MSGS" > "$B/$n.check" 2>&1 || true
    if grep -q "PARSE FAILED" "$B/$n.check"; then
        echo "!! $n failed to parse:"; grep "PARSE FAILED" "$B/$n.check"
        status=1
    fi
    [ -z "$ref" ] && ref=$n
done
echo "== check: extracted fields per message ($ref)"
cat "$B/$ref.check"
for n in $built; do
    [ "$n" = "$ref" ] && continue
    if diff "$B/$ref.check" "$B/$n.check" > "$B/$n.check.diff"; then
        echo "   $n: same fields as $ref"
    else
        echo "!! $n: fields differ from $ref:"; cat "$B/$n.check.diff"
        notes="$notes
  $n: extracted fields differ from $ref (see $B/$n.check.diff)"
        status=1
    fi
done

# ---- wall time ----------------------------------------------------------------
# Calibrate: a short run gives ns/msg; N rounds make one repetition last
# about TARGET_MS. The program itself does one warm-up round and reports
# the median of 11 repetitions.
for n in $built; do
    ns=$("$B/$n" time 5 "$MSGS" | sed -n 's/.*: \([0-9.]*\) ns\/msg.*/\1/p')
    [ -n "$ns" ] || { echo "!! $n: calibration failed"; status=1; continue; }
    rounds=$(awk -v ns="$ns" -v m="$nmsgs" -v t="$TARGET_MS" \
        'BEGIN { r = int(t * 1e6 / (ns * m)); if (r < 5) r = 5; print r }')
    echo "== time $n ($rounds rounds x 11)"
    "$B/$n" time "$rounds" "$MSGS" | tee "$B/$n.time"
done

# ---- instructions ------------------------------------------------------------
# callgrind counts every instruction the process runs, including loading
# the corpus, library start-up and any lazy first-use work of a parser. To
# count only the steady per-message work we run the program twice:
#   A: count 1                (start-up + loading + 1 round)
#   B: count 1+CG_ROUNDS      (start-up + loading + 1+CG_ROUNDS rounds)
# B - A is exactly CG_ROUNDS rounds of parse + read + free, and
#   instr/msg = (B - A) / (CG_ROUNDS * messages).
have_vg=1
command -v valgrind >/dev/null 2>&1 || { have_vg=0; notes="$notes
  instructions not counted: valgrind not installed"; }
cg_total() { sed -n 's/^summary: *//p' "$1"; }
if [ $have_vg = 1 ]; then
    for n in $built; do
        echo "== callgrind $n (1 and $((CG_ROUNDS + 1)) rounds)"
        valgrind --tool=callgrind --callgrind-out-file="$B/cg.$n.a" \
            "$B/$n" count 1 "$MSGS" > /dev/null 2> "$B/cg.$n.a.log"
        valgrind --tool=callgrind --callgrind-out-file="$B/cg.$n.b" \
            "$B/$n" count $((CG_ROUNDS + 1)) "$MSGS" > /dev/null 2> "$B/cg.$n.b.log"
        a=$(cg_total "$B/cg.$n.a") b=$(cg_total "$B/cg.$n.b")
        if [ -z "$a" ] || [ -z "$b" ]; then
            echo "!! $n: callgrind failed (see $B/cg.$n.*.log)"; status=1; continue
        fi
        awk -v a="$a" -v b="$b" -v r="$CG_ROUNDS" -v m="$nmsgs" \
            'BEGIN { printf "%.0f\n", (b - a) / (r * m) }' > "$B/$n.ir"
        echo "   $(cat "$B/$n.ir") instructions/message"
    done
fi

# ---- table ------------------------------------------------------------------
# Ratios are peer / cvoip: how many times more time or instructions the
# peer needs per message than cvoip (> 1 means cvoip is faster).
val() { [ -s "$1" ] && cat "$1" || echo "-"; }
for n in $built; do
    ns=$(sed -n 's/.*: \([0-9.]*\) ns\/msg.*/\1/p' "$B/$n.time" 2>/dev/null)
    mbs=$(sed -n 's/.* \([0-9.]*\) MB\/s.*/\1/p' "$B/$n.time" 2>/dev/null)
    echo "$n ${ns:--} ${mbs:--} $(val "$B/$n.ir")"
done > "$B/results"

echo
echo "== results: $nmsgs messages, $nbytes bytes; gcc -O2; median of 11 timings"
awk '
    { name[NR] = $1; ns[NR] = $2; mbs[NR] = $3; ir[NR] = $4
      if ($1 == "cvoip") { cns = $2; cir = $4 } }
    function ratio(v, c) {
        if (v == "-" || c == "" || c == "-" || c + 0 == 0) return "-"
        return sprintf("%.1fx", v / c)
    }
    END {
        fmt = "%-10s | %12s | %9s | %10s | %11s | %11s\n"
        printf fmt, "parser", "ns/msg (med)", "MB/s", "instr/msg", "time/cvoip", "instr/cvoip"
        printf "-----------+--------------+-----------+------------+-------------+------------\n"
        for (i = 1; i <= NR; i++)
            printf fmt, name[i], ns[i], mbs[i], ir[i], ratio(ns[i], cns), ratio(ir[i], cir)
        # goal: >= 8x less time and >= 10x fewer instructions than the best peer
        bt = ""; bi = ""
        for (i = 1; i <= NR; i++) {
            if (name[i] == "cvoip") continue
            if (ns[i] != "-" && (bt == "" || ns[i] + 0 < ns[bt] + 0)) bt = i
            if (ir[i] != "-" && (bi == "" || ir[i] + 0 < ir[bi] + 0)) bi = i
        }
        if (cns == "" || cns == "-" || bt == "") { print "\ngoal: not evaluated (cvoip or peers missing)"; exit }
        printf "\ngoal: time  >= 8x  vs fastest peer (%s): %.1fx %s\n", name[bt],
            ns[bt] / cns, (ns[bt] / cns >= 8 ? "MET" : "NOT MET")
        if (bi != "" && cir != "" && cir != "-")
            printf "goal: instr >= 10x vs leanest peer (%s): %.1fx %s\n", name[bi],
                ir[bi] / cir, (ir[bi] / cir >= 10 ? "MET" : "NOT MET")
    }' "$B/results"
[ -n "$notes" ] && echo "
notes:$notes"
exit $status
