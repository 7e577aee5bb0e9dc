#!/usr/bin/env bash
# test_check_world.sh: `tiaki check` against the simulated internet. Checks
# every verdict in tests/world/expected.tsv (written from
# FRAMEWORK-RULES.md, not from tiaki's output) against the JSON Lines tiaki
# prints for the whole inventory, then the options and exit codes:
# 0 every domain compliant, 1 any not, 2 usage error, 3 nothing checked.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need_world
need_tiaki

INVENTORY=$WORLD_SRC/inventory.csv
EXPECTED=$WORLD_SRC/expected.tsv
R=(--resolver "$RESOLVER" --no-probe)

# field_of NAME DOMAIN KEY: one top-level value of a domain's object.
field_of() {
    "$PY" "$LIB/tiaki_json.py" field "$TMP/$1.out" "$2" "$3"
}

# ---- every expected verdict, from one run over the whole inventory
run_tiaki all check "${R[@]}" --inventory "$INVENTORY" --format json
expect_rc all 1 "the whole inventory (some domains are not compliant)"
"$PY" "$LIB/tiaki_json.py" compare "$EXPECTED" "$TMP/all.out" >"$TMP/compare.txt" 2>&1 || true
tally "$TMP/compare.txt"
# Every inventory domain has a result, expected.tsv rows or not.
inv_domains=$(tail -n +2 "$INVENTORY" | cut -d, -f1)
# shellcheck disable=SC2086
"$PY" "$LIB/tiaki_json.py" validate "$TMP/all.out" $inv_domains >"$TMP/validate.txt" 2>&1 || true
tally "$TMP/validate.txt"

# ---- exit codes
run_tiaki good check "${R[@]}" --format json good.govt.nz
expect_rc good 0 "good.govt.nz alone (compliant)"
expect_eq "good.govt.nz compliant" "$(field_of good good.govt.nz compliant)" true
expect_eq "good.govt.nz profile" "$(field_of good good.govt.nz profile)" '"email"'

run_tiaki two check "${R[@]}" --format json good.govt.nz spf-softfail.govt.nz
expect_rc two 1 "good.govt.nz and spf-softfail.govt.nz (one not compliant)"
expect_eq "spf-softfail.govt.nz SPF-HARDFAIL" "$(status_of two spf-softfail.govt.nz SPF-HARDFAIL)" fail

run_tiaki badopt check "${R[@]}" --no-such-option good.govt.nz
expect_rc badopt 2 "an unknown option"

run_tiaki nodomain check "${R[@]}" --format json
expect_rc nodomain 2 "no domain and no inventory"

run_tiaki badformat check "${R[@]}" --format yaml good.govt.nz
expect_rc badformat 2 "an unknown --format"

run_tiaki badprofile check "${R[@]}" --profile webmail good.govt.nz
expect_rc badprofile 2 "an unknown --profile"

run_tiaki dead check "${R[@]}" --format json --timeout 5 dead.govt.nz
expect_rc dead 3 "only dead.govt.nz (nothing could be checked)"
if [ "$SECS" -le 60 ]; then
    ok "dead.govt.nz with --timeout 5 took ${SECS}s (bounded)"
else
    not_ok "dead.govt.nz with --timeout 5 took ${SECS}s (over 60s)"
fi
bad=$(grep -o '"status": *"\(pass\|fail\|warn\)"' "$TMP/dead.out" | head -n 3 || true)
if [ -z "$bad" ]; then
    ok "dead.govt.nz: no finding is pass, fail or warn"
else
    not_ok "dead.govt.nz: findings other than unknown: $bad"
fi

run_tiaki dead1 check "${R[@]}" --format json --timeout 1 dead.govt.nz
expect_rc dead1 3 "dead.govt.nz with --timeout 1"
if [ "$SECS" -le 30 ]; then
    ok "dead.govt.nz with --timeout 1 took ${SECS}s"
else
    not_ok "dead.govt.nz with --timeout 1 took ${SECS}s (over 30s)"
fi

run_tiaki deadgood check "${R[@]}" --format json --timeout 5 dead.govt.nz good.govt.nz
expect_rc deadgood 1 "dead.govt.nz and good.govt.nz (one checked, unknown is not compliant)"

# ---- --profile
run_tiaki asparked check "${R[@]}" --format json --profile parked good.govt.nz
expect_rc asparked 1 "good.govt.nz judged --profile parked"
expect_eq "good.govt.nz --profile parked: profile" "$(field_of asparked good.govt.nz profile)" '"parked"'
expect_eq "good.govt.nz --profile parked: PARKED-SPF" "$(status_of asparked good.govt.nz PARKED-SPF)" fail

run_tiaki asemail check "${R[@]}" --format json --profile email parked.govt.nz
expect_rc asemail 1 "parked.govt.nz judged --profile email"
expect_eq "parked.govt.nz --profile email: profile" "$(field_of asemail parked.govt.nz profile)" '"email"'
expect_eq "parked.govt.nz --profile email: SPF-HARDFAIL" "$(status_of asemail parked.govt.nz SPF-HARDFAIL)" pass
expect_eq "parked.govt.nz --profile email: TLSRPT" "$(status_of asemail parked.govt.nz TLSRPT)" fail

run_tiaki inferred check "${R[@]}" --format json parked.govt.nz payme.good.govt.nz
expect_eq "parked.govt.nz inferred profile" "$(field_of inferred parked.govt.nz profile)" '"parked"'
expect_eq "payme.good.govt.nz (a single A record) inferred profile" \
    "$(field_of inferred payme.good.govt.nz profile)" '"parked"'

# ---- --dkim-selector and inventory selectors
run_tiaki nosel check "${R[@]}" --format json dkim-inventory.govt.nz
expect_eq "dkim-inventory.govt.nz, selector not given: DKIM-SIGNED" \
    "$(status_of nosel dkim-inventory.govt.nz DKIM-SIGNED)" unknown
run_tiaki sel check "${R[@]}" --format json --dkim-selector tk2024a dkim-inventory.govt.nz
expect_eq "dkim-inventory.govt.nz --dkim-selector tk2024a: DKIM-SIGNED" \
    "$(status_of sel dkim-inventory.govt.nz DKIM-SIGNED)" pass
expect_rc sel 0 "dkim-inventory.govt.nz --dkim-selector tk2024a (compliant)"
run_tiaki sel2 check "${R[@]}" --format json --dkim-selector nosuchkey --dkim-selector tk2024a \
    dkim-inventory.govt.nz
expect_eq "dkim-inventory.govt.nz --dkim-selector nosuchkey --dkim-selector tk2024a: DKIM-SIGNED" \
    "$(status_of sel2 dkim-inventory.govt.nz DKIM-SIGNED)" fail

# ---- the bulk flag comes only from the inventory
run_tiaki bulk check "${R[@]}" --format json dmarc-relaxed-bulk.govt.nz
expect_eq "dmarc-relaxed-bulk.govt.nz without the inventory: DMARC-ADKIM-STRICT" \
    "$(status_of bulk dmarc-relaxed-bulk.govt.nz DMARC-ADKIM-STRICT)" warn

# ---- names are case-insensitive and may end in a dot
run_tiaki case check "${R[@]}" --format json GOOD.Govt.NZ.
expect_rc case 0 "GOOD.Govt.NZ. (case and trailing dot)"

finish
