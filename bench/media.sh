#!/bin/sh
# bench/media.sh - rtp.h's media receive path against oRTP and libre.
#
# Workloads (bench/media_common.h): rtp (RTP header parse), rtcp (SR+SDES
# compound walk), recv (parse + per-source statistics + jitter buffer).
# Each library is one program; their checksums of the extracted fields must
# agree. Wall time: median of 11 timed repetitions (ns/packet). Instructions:
# callgrind, rounds 1 and 1+CG_ROUNDS subtracted (steady state only), minus
# the harness's own loop ("base" for rtp/rtcp, "null" for recv).
#
# Environment: CC (gcc), CG_ROUNDS (20), BENCH_DIR (build/bench).
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-gcc}
CG_ROUNDS=${CG_ROUNDS:-20}
B=${BENCH_DIR:-build/bench}
CFLAGS="-std=c99 -O2 -Wall -Wextra"
mkdir -p "$B"
status=0 notes="" built=""

# name | source | pkg-config module | extra libraries
progs="cvoip media_cvoip.c - -
oRTP media_ortp.c ortp -lbctoolbox
libre media_re.c libre -"
echo "$progs" > "$B/media.progs"
while read -r name src pkg extra; do
    flags="" libs=""
    if [ "$pkg" != "-" ]; then
        if ! pkg-config --exists "$pkg" 2>/dev/null; then
            notes="$notes
  $name: skipped, pkg-config $pkg not found (sh scripts/deps.sh bench)"
            continue
        fi
        flags=$(pkg-config --cflags "$pkg") libs=$(pkg-config --libs "$pkg")
        [ "$extra" != "-" ] && libs="$libs $extra"
        ver=$(pkg-config --modversion "$pkg")
    else
        ver="(../rtp.h)"
    fi
    echo "== build $name $ver"
    # shellcheck disable=SC2086
    if $CC $CFLAGS $flags "bench/$src" -o "$B/media-$name" $libs 2>"$B/media-$name.log"; then
        built="$built $name"
    else
        head -20 "$B/media-$name.log"; status=1
    fi
done < "$B/media.progs"

echo "== check: checksums of the extracted fields"
for n in $built; do
    "$B/media-$n" check > "$B/media-$n.check"
    echo "   $n: $(tr '\n' ' ' < "$B/media-$n.check")"
done
ref=$(echo $built | cut -d' ' -f1)
for n in $built; do
    for w in rtp rtcp; do
        a=$(grep "^$w:" "$B/media-$ref.check") b=$(grep "^$w:" "$B/media-$n.check")
        [ "$a" = "$b" ] || { echo "!! $n $w differs from $ref"; status=1; }
    done
done

ir() { # prog workload -> instructions per packet (steady state)
    valgrind --tool=callgrind --callgrind-out-file="$B/cg.m.a" "$B/media-$1" count "$2" 1 \
        > /dev/null 2> "$B/cg.m.a.log" || return 1
    valgrind --tool=callgrind --callgrind-out-file="$B/cg.m.b" "$B/media-$1" count "$2" \
        $((CG_ROUNDS + 1)) > /dev/null 2> "$B/cg.m.b.log" || return 1
    a=$(sed -n 's/^summary: *//p' "$B/cg.m.a") b=$(sed -n 's/^summary: *//p' "$B/cg.m.b")
    awk -v a="$a" -v b="$b" -v r="$CG_ROUNDS" 'BEGIN { printf "%.1f", (b - a) / (r * 1000) }'
}
ns() { # prog workload rounds -> median ns/packet
    "$B/media-$1" time "$2" "$3" | sed -n 's/.*: \([0-9.]*\) ns\/packet.*/\1/p'
}

have_vg=1
command -v valgrind > /dev/null 2>&1 || { have_vg=0; notes="$notes
  instructions not counted: valgrind missing"; }
: > "$B/media.results"
for n in $built; do
    base="" null=""
    if [ $have_vg = 1 ]; then base=$(ir "$n" base) null=$(ir "$n" null); fi
    for w in rtp rtcp recv; do
        case $w in recv) r=20 ;; *) r=200 ;; esac
        t=$(ns "$n" "$w" "$r")
        [ -n "$t" ] || { echo "   $n $w: not measured"; continue; }
        i="-"
        if [ $have_vg = 1 ]; then
            raw=$(ir "$n" "$w")
            sub=$base; [ "$w" = recv ] && sub=$null
            i=$(awk -v a="$raw" -v b="$sub" 'BEGIN { printf "%.0f", a - b }')
        fi
        echo "$w $n $t $i" | tee -a "$B/media.results"
    done
done

echo
echo "== media results: ns/packet (median of 11), instructions/packet (callgrind, harness subtracted)"
awk '
    { k = $1 SUBSEP $2; ns[k] = $3; ir[k] = $4; if (!($2 in seen)) { seen[$2] = 1; names[++nn] = $2 } }
    END {
        split("rtp rtcp recv", ws, " ")
        printf "%-6s", "work"
        for (j = 1; j <= nn; j++) printf " | %-8s ns   instr", names[j]
        printf "\n"
        for (i = 1; i <= 3; i++) {
            printf "%-6s", ws[i]
            for (j = 1; j <= nn; j++) {
                k = ws[i] SUBSEP names[j]
                printf " | %10s %7s", (k in ns ? ns[k] : "-"), (k in ir ? ir[k] : "-")
            }
            printf "\n"
        }
        c1 = "rtp" SUBSEP "cvoip"; c2 = "rtcp" SUBSEP "cvoip"
        if (c1 in ir) printf "\ngoal: RTP parse <= 60 instructions/packet: %s %s\n", ir[c1], (ir[c1] + 0 <= 60 ? "MET" : "NOT MET")
        if (c2 in ir) printf "goal: SR+SDES compound <= 300 instructions: %s %s\n", ir[c2], (ir[c2] + 0 <= 300 ? "MET" : "NOT MET")
    }' "$B/media.results"
[ -n "$notes" ] && echo "
notes:$notes"
exit $status
