#!/usr/bin/env bash
# test_check_transport.sh: `tiaki check` connecting to the world's mail
# and policy hosts. Every verdict of tests/world/expected-transport.tsv
# (TLS-MIN-1.2, TLS-REQUIRED, TLS-CERT, MTA-STS-ENFORCE, DANE, written from
# FRAMEWORK-RULES.md and the world's configuration, not from tiaki's
# output) against one run over tests/world/inventory-transport.csv; then
# the hostile hosts cost bounded time, the trust options (--ca-file,
# --ca-only, --trust-anchor) change exactly what they should, and
# --no-probe leaves the transport rules out.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need_world
need_tiaki

INVENTORY=$WORLD_SRC/inventory-transport.csv
EXPECTED=$WORLD_SRC/expected-transport.tsv
CA=$WORLD_SRC/pki/ca.pem
ANCHOR=$WORLD_STATE/trust-anchor
# Five seconds per connection: the hostile hosts (silent, trickle) cost
# that once each, not once per TLS version.
R=(--resolver "$RESOLVER" --timeout 5 --probe-timeout 5)
TRUST=(--ca-file "$CA" --trust-anchor "$ANCHOR")

for f in "$INVENTORY" "$EXPECTED" "$CA" "$ANCHOR"; do
    if [ ! -s "$f" ]; then
        not_ok "missing $f (is the world's transport part running?)"
        finish
        exit 1
    fi
done

# ---- every expected verdict, from one run over the transport inventory
run_tiaki all check "${R[@]}" "${TRUST[@]}" --inventory "$INVENTORY" --format json
expect_rc all 1 "the transport inventory (some domains are not compliant)"
"$PY" "$LIB/tiaki_json.py" compare "$EXPECTED" "$TMP/all.out" >"$TMP/compare.txt" 2>&1 || true
tally "$TMP/compare.txt"
# Silent and trickling hosts each cost one --probe-timeout, in parallel
# with everything else: the whole inventory stays well inside a minute.
if [ "$SECS" -le 60 ]; then
    ok "the whole transport inventory, hostile hosts included, took ${SECS}s (bounded)"
else
    not_ok "the whole transport inventory took ${SECS}s (over 60s)"
fi

# ---- good.govt.nz is compliant with the probes too
run_tiaki good check "${R[@]}" "${TRUST[@]}" --format json good.govt.nz
expect_rc good 0 "good.govt.nz with probes (compliant)"
for rule in TLS-MIN-1.2 TLS-REQUIRED TLS-CERT MTA-STS-ENFORCE; do
    expect_eq "good.govt.nz $rule" "$(status_of good good.govt.nz "$rule")" pass
done
# The probes' facts are in the records: both MX hosts, their addresses.
if "$PY" - "$TMP/good.out" <<'EOF'; then
import json, sys
o = json.loads(open(sys.argv[1]).readline())
hosts = {h["name"]: h for h in o["records"]["mx_hosts"]}
assert set(hosts) == {"mx1.good.govt.nz", "mx2.good.govt.nz"}, hosts.keys()
p = hosts["mx1.good.govt.nz"]["probes"][0]
assert p["address"] == "127.77.0.25", p["address"]
assert p["starttls"] == "yes" and p["tls"] == "yes", p
assert p["protocol"] in ("TLSv1.2", "TLSv1.3"), p["protocol"]
assert p["versions"]["TLSv1.0"]["accepted"] == "no", p["versions"]
assert p["chain_trusted"] and p["name_matches"] and p["in_date"], p
assert o["records"]["mta_sts_policy"]["http_code"] == 200
EOF
    ok "good.govt.nz: the JSON records hold both MX hosts' probes and the policy fetch"
else
    not_ok "good.govt.nz: the JSON records of the probes are not as expected"
fi

# ---- trust: without the test CA nothing of the world is trusted
run_tiaki noca check "${R[@]}" --format json good.govt.nz
expect_eq "good.govt.nz without --ca-file: TLS-CERT" "$(status_of noca good.govt.nz TLS-CERT)" fail
expect_eq "good.govt.nz without --ca-file: MTA-STS-ENFORCE" \
    "$(status_of noca good.govt.nz MTA-STS-ENFORCE)" fail
# ...but a certificate is TLS-CERT's business only: TLS itself still passes.
expect_eq "good.govt.nz without --ca-file: TLS-MIN-1.2" "$(status_of noca good.govt.nz TLS-MIN-1.2)" pass
run_tiaki caonly check "${R[@]}" --ca-file "$CA" --ca-only --format json good.govt.nz
expect_eq "good.govt.nz --ca-file --ca-only: TLS-CERT" "$(status_of caonly good.govt.nz TLS-CERT)" pass
run_tiaki badca check "${R[@]}" --ca-file /nonexistent/ca.pem good.govt.nz
expect_rc badca 2 "--ca-file naming a missing file"
run_tiaki caonly2 check "${R[@]}" --ca-only good.govt.nz
expect_rc caonly2 2 "--ca-only without --ca-file"

# ---- DANE needs validation: without the anchor TLSA answers are not secure
run_tiaki noanchor check "${R[@]}" --ca-file "$CA" --format json dane.govt.nz
expect_eq "dane.govt.nz without --trust-anchor: DANE" "$(status_of noanchor dane.govt.nz DANE)" unknown

# ---- hostile hosts: bounded, never a crash
for d in silent.govt.nz trickle.govt.nz; do
    run_tiaki "h-$d" check "${R[@]}" "${TRUST[@]}" --format json "$d"
    if [ "$RC" = 1 ] && [ "$SECS" -le 20 ]; then
        ok "$d: exit 1 in ${SECS}s (one 5 s probe deadline, not one per TLS version)"
    else
        not_ok "$d: exit $RC in ${SECS}s (want 1 within 20 s)"
        show_err "h-$d"
    fi
done

# ---- --no-probe: DNS rules only
run_tiaki noprobe check "${R[@]}" --no-probe --format json good.govt.nz
expect_rc noprobe 0 "good.govt.nz --no-probe"
for rule in TLS-MIN-1.2 TLS-REQUIRED TLS-CERT MTA-STS-ENFORCE DANE; do
    expect_eq "good.govt.nz --no-probe: $rule" "$(status_of noprobe good.govt.nz "$rule")" none
done
expect_eq "good.govt.nz --no-probe: SPF-HARDFAIL" "$(status_of noprobe good.govt.nz SPF-HARDFAIL)" pass
run_tiaki noprobetext check "${R[@]}" --no-probe --format text good.govt.nz
check "--no-probe text output says the transport rules were not judged" \
    grep -q 'not judged for 1 domain (--no-probe)' "$TMP/noprobetext.out"

# ---- text output shows the transport rules
run_tiaki text check "${R[@]}" "${TRUST[@]}" --format text tls-legacy.govt.nz
check "text output: TLS-MIN-1.2 row for tls-legacy.govt.nz" \
    grep -Eq 'fail +MUST +TLS-MIN-1.2 .*accepts TLSv1\.[01]' "$TMP/text.out"

finish
