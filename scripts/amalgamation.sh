#!/bin/sh
# Every header with every implementation macro in one translation unit:
# gcc and clang, C99 and C11, -Wall -Wextra -Werror -pedantic
# -Wsign-conversion; the declarations also as C++; each header alone; and a
# link test that calls one function of each header (a misspelt
# ..._IMPLEMENTATION macro fails to link).
set -e
cd "$(dirname "$0")/.."
out=build/amalg
mkdir -p $out
W="-Wall -Wextra -Werror -pedantic -Wsign-conversion -Wshadow"
headers=$(ls *.h)
n=0
# the four link builds (the slow part) two at a time: one per core
pids=""
for cc in gcc clang; do
    for std in c99 c11; do
        $cc -std=$std $W -O1 -I. tests/compile/all_impl.c tests/compile/link_test.c -o $out/link_${cc}_${std} &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p"; done  # a failed build fails the script (set -e)
    pids=""
done
for cc in gcc clang; do
    for std in c99 c11; do
        $out/link_${cc}_${std}
        n=$((n + 1))
    done
done
for h in $headers; do
    b=$(echo "$h" | sed 's/\.h$//')
    printf '#define CVOIP_IMPLEMENTATION\n#include "%s"\n' "$h" > $out/alone_$b.c
    # each header's private-linkage switch is its name in capitals:
    # sip.h -> SIP_STATIC, rtcp_feedback.h -> RTCP_FEEDBACK_STATIC
    printf '#define CVOIP_IMPLEMENTATION\n#define %s_STATIC\n#include "%s"\n' \
        "$(echo "$b" | tr a-z A-Z)" "$h" > $out/static_$b.c
    # the two builds of a header side by side (one per core)
    gcc -std=c99 $W -I. -c $out/alone_$b.c -o $out/alone_$b.o &
    p1=$!
    gcc -std=c99 $W -Wno-unused-function -I. -c $out/static_$b.c -o $out/static_$b.o &
    p2=$!
    wait $p1
    wait $p2
    n=$((n + 2))
done
for cxx in g++ clang++; do
    $cxx -std=c++11 -Wall -Wextra -Werror -pedantic -I. -fsyntax-only tests/compile/decls.cpp &
    p1=$!
    # the implementations too, so a C++ project can hold the one TU
    $cxx -std=c++11 -Wall -Wextra -Werror -I. -x c++ -fsyntax-only tests/compile/all_impl.c &
    p2=$!
    wait $p1
    wait $p2
    n=$((n + 2))
done
# the optional SRTP backend of rtp.h (libsrtp2 headers): compiles clean too
for cc in gcc clang; do
    $cc -std=c99 $W -DRTP_USE_SRTP -I. -c tests/compile/all_impl.c -o $out/srtp_$cc.o
    n=$((n + 1))
done
for cxx in g++ clang++; do
    $cxx -std=c++11 -Wall -Wextra -Werror -pedantic -DRTP_USE_SRTP -I. -fsyntax-only tests/compile/decls.cpp
    $cxx -std=c++11 -Wall -Wextra -Werror -DRTP_USE_SRTP -I. -x c++ -fsyntax-only tests/compile/all_impl.c
    n=$((n + 2))
done
echo "amalgamation: $n builds passed (gcc/clang x C99/C11 link tests, each header alone and static, C++ declarations, RTP_USE_SRTP)"
