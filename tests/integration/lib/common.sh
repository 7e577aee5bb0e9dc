# common.sh: what every integration test script shares (sourced, not run):
# where tiaki, the repo and the running world are, a pass/fail tally that
# ends in the "N passed, M failed" line CI reads, and a guarded way to run
# tiaki (a hang or a crash is a failure, never a stuck ctest).
#
# ctest sets TIAKI (the binary), WORLD_STATE (the running world's state
# directory) and TIAKI_SOURCE (the repo root). Run by hand, the defaults
# are build/tiaki and build/world (what `make world-start` starts).

TIAKI_SOURCE=${TIAKI_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
TIAKI=${TIAKI:-$TIAKI_SOURCE/build/tiaki}
WORLD_STATE=${WORLD_STATE:-$TIAKI_SOURCE/build/world}
WORLD_SRC=$TIAKI_SOURCE/tests/world
LIB=$TIAKI_SOURCE/tests/integration/lib
# Debian's python3 (no pip packages needed), not a pyenv one on PATH.
PY=/usr/bin/python3
# Longest one tiaki run may take before it counts as hung.
TIAKI_RUN_LIMIT=${TIAKI_RUN_LIMIT:-300}

PASSED=0
FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tiaki-it.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok() {
    PASSED=$((PASSED + 1))
    echo "ok: $*"
}

not_ok() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $*"
}

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# tally FILE: show what a helper printed into FILE and add its counts: its
# last "counts PASSED FAILED" line, else its ok:/FAIL: lines.
tally() {
    local n counts
    grep -v '^counts ' "$1" || true
    counts=$(grep -E '^counts [0-9]+ [0-9]+$' "$1" | tail -n 1)
    if [ -n "$counts" ]; then
        set -- $counts
        PASSED=$((PASSED + $2))
        FAILED=$((FAILED + $3))
        return 0
    fi
    n=$(grep -c '^ok: ' "$1" || true)
    PASSED=$((PASSED + n))
    n=$(grep -c '^FAIL: ' "$1" || true)
    FAILED=$((FAILED + n))
}

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}

# need_world: the world must be running; sets RESOLVER.
need_world() {
    if [ ! -s "$WORLD_STATE/resolver" ]; then
        not_ok "the world is not running ($WORLD_STATE/resolver missing): tests/world/world.sh start $WORLD_STATE"
        finish
        exit 1
    fi
    RESOLVER=$(cat "$WORLD_STATE/resolver")
}

# need_tiaki: the binary must exist.
need_tiaki() {
    if [ ! -x "$TIAKI" ]; then
        not_ok "no tiaki binary at $TIAKI (make build)"
        finish
        exit 1
    fi
}

# run_tiaki NAME ARG...: run tiaki with ARGs; stdout in $TMP/NAME.out,
# stderr in $TMP/NAME.err, exit code in RC, seconds taken in SECS. A run
# that outlives TIAKI_RUN_LIMIT is killed (RC 124 or 137).
run_tiaki() {
    local name=$1 start
    shift
    start=$(date +%s)
    set +e
    timeout -k 5 "$TIAKI_RUN_LIMIT" "$TIAKI" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    RC=$?
    set -e
    SECS=$(($(date +%s) - start))
    echo "# tiaki $* -> exit $RC in ${SECS}s"
}

# expect_eq WHAT GOT WANT: ok when GOT is WANT.
expect_eq() {
    if [ "$2" = "$3" ]; then ok "$1: $2"; else not_ok "$1: got $2, want $3"; fi
}

# expect_rc NAME WANT WHAT: the last run_tiaki (NAME) exited WANT.
expect_rc() {
    if [ "$RC" = "$2" ]; then
        ok "$3: exit $RC"
    else
        not_ok "$3: exit $RC, want $2"
        show_err "$1"
    fi
}

# status_of NAME DOMAIN RULE: the status of one finding in run NAME.
status_of() {
    "$PY" "$LIB/tiaki_json.py" status "$TMP/$1.out" "$2" "$3"
}

# show_err NAME: the first lines of a run's stderr, for a failure report.
show_err() {
    [ -s "$TMP/$1.err" ] && sed -n '1,10s/^/#   stderr: /p' "$TMP/$1.err"
    return 0
}
