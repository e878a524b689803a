#!/bin/sh
# sipmsg on the corpus: exit 0 for every message RFC 4475/5118 call valid,
# 1 for every invalid one, 2 on usage errors; --json output is valid JSON.
set -u
cd "$(dirname "$0")/.."
bin=build/sipmsg
pass=0 fail=0
check() { # expected-exit description command...
    want=$1; what=$2; shift 2
    "$@" >/dev/null 2>&1; got=$?
    if [ "$got" = "$want" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what: exit $got, want $want"; fi
}
c=tests/corpus/rfc4475
for f in wsinv intmeth esc01 escnull esc02 lwsdisp longreq dblreq semiuri transports mpart01 \
         unreason noreason baddate badbranch insuf unkscm novelsc unksm2 bext01 invut regaut01 \
         bcast zeromf cparam01 cparam02 regescrt sdp01 inv2543; do
    want=0; [ "$f" = insuf ] && want=1   # §3.3.1: missing Call-ID/From/To is a 400
    check $want "RFC 4475 $f" $bin $c/$f.dat
done
for f in badinv01 clerr ncl scalar02 scalarlg quotbal ltgtruri lwsruri lwsstart trws escruri \
         regbadct badaspec baddn badvers mismatch01 mismatch02 bigcode multi01 mcl01; do
    check 1 "RFC 4475 $f" $bin $c/$f.dat
done
for f in tests/corpus/rfc5118/wire/*.sip; do
    want=0; case $f in *ipv6-bad*) want=1 ;; esac
    check $want "RFC 5118 $(basename $f)" $bin $f
done
check 1 "one invalid among valid files" $bin $c/wsinv.dat $c/badvers.dat $c/esc01.dat
check 0 "stdin" sh -c "$bin - < $c/wsinv.dat"
check 2 "no arguments" $bin
check 2 "unknown option" $bin --frobnicate $c/wsinv.dat
check 2 "unreadable file" $bin /nonexistent/file
if command -v python3 >/dev/null 2>&1; then
    check 0 "--json is valid JSON" sh -c "$bin --json $c/*.dat | python3 -m json.tool"
fi
echo "sipmsg: $pass passed, $fail failed"
[ "$fail" = 0 ]
