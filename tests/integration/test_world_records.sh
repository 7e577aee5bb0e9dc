#!/usr/bin/env bash
# test_world_records.sh: checks the simulated internet itself, before any
# tiaki test leans on it: every record of tests/world/zones resolves through
# the world's unbound exactly as written, the dead delegation gives SERVFAIL
# in bounded time, names outside the world get NXDOMAIN without a query
# leaving the machine, large answers go over TCP, and the servers bind only
# the world's own addresses (127.77.0.x, and [::1]:25 for the dual-stack
# mx.dual.govt.nz; never 0.0.0.0 or 127.0.0.1).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need_world

"$PY" "$LIB/world_records.py" "$WORLD_SRC/zones" "$RESOLVER" >"$TMP/records.txt" 2>&1 || true
tally "$TMP/records.txt"

# Every socket of the world's processes is on one of its addresses.
status=$("$WORLD_SRC/world.sh" status "$WORLD_STATE" 2>&1) || true
pids=$(grep -o 'pids [0-9 ]*' <<<"$status" | sed 's/pids //' | tr ' ' '\n' | grep . || true)
if [ -z "$pids" ]; then
    not_ok "world.sh status names no running process: $status"
else
    bad=""
    nsock=0
    while read -r line; do
        for p in $pids; do
            if grep -q "pid=$p," <<<"$line"; then
                nsock=$((nsock + 1))
                addr=$(awk '{print $5}' <<<"$line")
                case $addr in
                127.77.0.*:* | '[::1]:25') ;;
                *) bad+="$addr " ;;
                esac
            fi
        done
    done < <(ss -Hlntup)
    if [ -z "$bad" ] && [ "$nsock" -gt 0 ]; then
        ok "the world's $nsock listening sockets are all on 127.77.0.x (or [::1]:25)"
    else
        not_ok "the world listens on other addresses: ${bad:-no socket found}"
    fi
fi

finish
