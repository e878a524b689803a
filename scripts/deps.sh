#!/bin/sh
# deps.sh GROUP...: make sure the Debian packages a make target needs are
# installed. As root it installs what is missing (apt-get update first);
# otherwise it prints the one apt-get line needed and fails.
set -e
pkgs=""
for g in "$@"; do
    case "$g" in
    build) pkgs="$pkgs gcc make libpcap-dev libsndfile1-dev libssl-dev" ;;
    test)  pkgs="$pkgs gcc make clang libclang-rt-14-dev libcriterion-dev pkg-config libssl-dev libsrtp2-dev libpcap-dev libsndfile1-dev tshark sip-tester" ;;
    demo)  pkgs="$pkgs tshark" ;;
    fuzz)  pkgs="$pkgs clang libclang-rt-14-dev" ;;
    bench) pkgs="$pkgs gcc valgrind libsofia-sip-ua-dev libosip2-dev libre-dev libortp-dev gnuplot-nox pkg-config sip-tester kamailio rtpengine-daemon python3" ;;
    interop) pkgs="$pkgs baresip-core linphone-cli sipvicious tshark python3" ;;
    amalg) pkgs="$pkgs gcc g++ clang" ;;
    *) echo "deps.sh: unknown group $g" >&2; exit 2 ;;
    esac
done
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "deps.sh: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $missing >/dev/null
else
    echo "deps.sh: missing packages; run:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
fi
