# tests/iop_lib.sh - shared helpers of tests/interop.sh, tests/sipvicious.sh
# and bench/sipd.sh (bash; sourced, not run). Everything here is about
# running other people's programs robustly on a small shared machine:
# free ports, child processes that never outlive the script, waits that
# always end.

# Child processes started with `iop_bg`, killed by iop_cleanup.
IOP_PIDS=""
IOP_TMP=""

# iop_tmpdir NAME: a fresh temporary directory in $IOP_TMP (removed at exit
# unless IOP_KEEP=1).
iop_tmpdir() {
    IOP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cvoip-$1.XXXXXX") || exit 2
}

iop_cleanup() {
    local p
    for p in $IOP_PIDS; do kill -TERM "$p" 2> /dev/null; done
    sleep 0.3
    for p in $IOP_PIDS; do kill -KILL "$p" 2> /dev/null; wait "$p" 2> /dev/null; done
    IOP_PIDS=""
    if [ -n "$IOP_TMP" ] && [ "${IOP_KEEP:-0}" != 1 ]; then rm -rf "$IOP_TMP"; fi
}

# iop_bg LOG CMD...: start CMD in the background (its own process group
# is not needed: every program we start is one process or kills its own
# children on SIGTERM), stdout+stderr to LOG; its pid in IOP_LAST.
iop_bg() {
    local log=$1
    shift
    "$@" <&0 > "$log" 2>&1 &
    IOP_LAST=$!
    IOP_PIDS="$IOP_PIDS $IOP_LAST"
}

# iop_stop PID [SECONDS]: SIGTERM, wait up to SECONDS (5) for it to exit,
# then SIGKILL. Returns its exit status (or 137).
iop_stop() {
    local pid=$1 t=${2:-5} i=0
    kill -TERM "$pid" 2> /dev/null
    while kill -0 "$pid" 2> /dev/null && [ $i -lt $((t * 10)) ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
}

# iop_wait_for FILE REGEX SECONDS [N]: wait until FILE has N (1) lines
# matching the extended REGEX. SECONDS may have one decimal. 0 found,
# 1 timed out.
iop_wait_for() {
    local f=$1 re=$2 n=${4:-1} i=0 t10
    t10=$(awk -v t="$3" 'BEGIN { printf "%d", t * 10 }')
    while :; do
        [ "$(grep -E -c -- "$re" "$f" 2> /dev/null)" -ge "$n" ] 2> /dev/null && return 0
        [ $i -ge "$t10" ] && return 1
        sleep 0.1
        i=$((i + 1))
    done
}

# iop_wait_port PORT SECONDS: wait until something listens on PORT
# (TCP or UDP). 0 found, 1 timed out.
iop_wait_port() {
    local i=0 t10
    t10=$(awk -v t="$2" 'BEGIN { printf "%d", t * 10 }')
    until iop__used_ports | grep -q -x "$1"; do
        [ $i -ge "$t10" ] && return 1
        sleep 0.1
        i=$((i + 1))
    done
}

# iop_count FILE REGEX: how many lines of FILE match.
iop_count() {
    grep -E -c -- "$2" "$1" 2> /dev/null || true
}

# Ports in use (TCP or UDP, any address), from /proc (no ss/netstat needed).
iop__used_ports() {
    local f sl addr rest
    for f in /proc/net/tcp /proc/net/udp /proc/net/tcp6 /proc/net/udp6; do
        [ -r "$f" ] || continue
        while read -r sl addr rest; do
            case "$addr" in *:*) echo $((16#${addr##*:})) ;; esac
        done < "$f"
    done
}

# iop_free_base N: print a base port B such that B..B+N-1 are all free,
# chosen pseudo-randomly in 21000..59000 so parallel runs rarely collide.
iop_free_base() {
    local n=$1 tries=0 base used
    used=" $(iop__used_ports | sort -un | tr '\n' ' ') "
    while [ $tries -lt 50 ]; do
        base=$(((RANDOM * 32768 + RANDOM) % 38000 + 21000))
        base=$((base - base % 10))
        local p=$base ok=1
        while [ $p -lt $((base + n)) ]; do
            case "$used" in *" $p "*) ok=0; break ;; esac
            p=$((p + 1))
        done
        [ $ok = 1 ] && { echo "$base"; return 0; }
        tries=$((tries + 1))
    done
    return 1
}

# iop_cpu_ticks PID...: utime+stime of the given processes in clock ticks
# (/proc/PID/stat fields 14 and 15; the command name may hold spaces, so
# the fields are counted after the last ')').
iop_cpu_ticks() {
    local p total=0 rest
    for p in "$@"; do
        rest=$(sed 's/.*) //' "/proc/$p/stat" 2> /dev/null) || continue
        # after "pid (comm) ": field 3 is state, so utime is the 12th, stime the 13th
        set -- $rest
        total=$((total + ${12} + ${13}))
    done
    echo $total
}
