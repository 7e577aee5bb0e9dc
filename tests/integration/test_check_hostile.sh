#!/usr/bin/env bash
# test_check_hostile.sh: `tiaki check` on the world's hostile and odd
# domains (a 4 KB TXT record in many strings, an SPF record longer than
# TK_TXT_RECORD_MAX, non-ASCII and invalid UTF-8 bytes, a NUL byte, 70 TXT
# records at one name, terminal escape sequences, a CNAME loop, odd case and spacing, a dead
# delegation). Whatever tiaki thinks of them, it must not crash or hang,
# must print valid JSON (UTF-8, escaped), and must judge the odd record
# with a finding rather than fall over.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need_world
need_tiaki

HOSTILE=(hostile-long-txt.govt.nz hostile-long-spf.govt.nz hostile-nonascii.govt.nz
    hostile-nul.govt.nz hostile-escape.govt.nz hostile-many-txt.govt.nz hostile-cname-loop.govt.nz
    odd-case.govt.nz parked-odd-spacing.govt.nz dead.govt.nz)
R=(--resolver "$RESOLVER" --timeout 5 --no-probe)

# no_crash NAME WHAT: the run ended by itself (no signal, no timeout).
no_crash() {
    if [ "$RC" -lt 124 ]; then
        ok "$2: exit $RC (no crash, no hang)"
    else
        not_ok "$2: exit $RC (killed by a signal or timed out)"
        show_err "$1"
    fi
}

# valid_json NAME DOMAIN...: the run printed UTF-8 JSON Lines, one
# well-formed object per DOMAIN.
valid_json() {
    local name=$1
    shift
    "$PY" "$LIB/tiaki_json.py" validate "$TMP/$name.out" "$@" >"$TMP/$name.validate" 2>&1 || true
    tally "$TMP/$name.validate"
}

# finding NAME DOMAIN RULE NOT...: the domain has a finding for RULE whose
# status is none of NOT.
finding() {
    local name=$1 domain=$2 rule=$3 got s
    shift 3
    got=$("$PY" "$LIB/tiaki_json.py" status "$TMP/$name.out" "$domain" "$rule")
    if [ "$got" = none ]; then
        not_ok "$domain: no $rule finding"
        return
    fi
    for s in "$@"; do
        if [ "$got" = "$s" ]; then
            not_ok "$domain $rule: $got"
            return
        fi
    done
    ok "$domain $rule: a finding ($got)"
}

# One domain at a time: a crash is pinned to its domain.
for d in "${HOSTILE[@]}"; do
    n=one-${d%%.*}
    run_tiaki "$n" check "${R[@]}" --format json "$d"
    no_crash "$n" "$d alone"
    valid_json "$n" "$d"
done

finding one-hostile-long-spf hostile-long-spf.govt.nz SPF-PRESENT pass
finding one-hostile-nonascii hostile-nonascii.govt.nz SPF-PRESENT pass unknown
finding one-hostile-nul hostile-nul.govt.nz SPF-PRESENT pass unknown
finding one-hostile-escape hostile-escape.govt.nz SPF-PRESENT pass unknown
finding one-hostile-many-txt hostile-many-txt.govt.nz SPF-PRESENT
finding one-hostile-long-txt hostile-long-txt.govt.nz SPF-PRESENT fail unknown
finding one-hostile-cname-loop hostile-cname-loop.govt.nz DMARC-PRESENT pass

# All together, in every output format.
for fmt in json csv text; do
    run_tiaki "all-$fmt" check "${R[@]}" --format "$fmt" "${HOSTILE[@]}"
    no_crash "all-$fmt" "all hostile domains, --format $fmt"
    if [ -s "$TMP/all-$fmt.out" ]; then
        ok "all hostile domains, --format $fmt: output"
    else
        not_ok "all hostile domains, --format $fmt: no output"
    fi
done
valid_json all-json "${HOSTILE[@]}"

# The bytes of the odd records never reach the terminal raw: the output
# is UTF-8 with no control character but tab, CR and LF (no NUL, no ESC
# sequence from a hostile record).
for fmt in json csv text; do
    bad=$("$PY" - "$TMP/all-$fmt.out" <<'PYEOF'
import sys
data = open(sys.argv[1], "rb").read()
try:
    data.decode("utf-8")
except UnicodeDecodeError as e:
    print("invalid UTF-8 at byte %d" % e.start)
ctl = sorted({b for b in data if b < 0x20 and b not in (9, 10, 13)} | ({0x7f} & set(data)))
if ctl:
    print("control bytes " + " ".join("0x%02x" % b for b in ctl))
PYEOF
)
    if [ -z "$bad" ]; then
        ok "--format $fmt: UTF-8, no control characters"
    else
        not_ok "--format $fmt: $bad"
    fi
done

finish
