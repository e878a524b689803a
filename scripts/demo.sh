#!/bin/sh
# `make demo`: the main job. Until the server and the user agent land
# (issue 6), this runs what exists: sipmsg over the RFC 4475 torture
# messages, printing each verdict.
set -e
cd "$(dirname "$0")/.."
echo "cvoip demo: sipmsg on the RFC 4475 torture corpus (a call through sipd arrives with sipd/sipua)"
for f in tests/corpus/rfc4475/*.dat; do
    if build/sipmsg "$f" >/dev/null 2>&1; then v="valid  "; else v="invalid"; fi
    printf '%s  %s\n' "$v" "$(basename "$f")"
done
