#!/usr/bin/env bash
# test_check_formats.sh: the output formats of `tiaki check` agree with
# each other. For a few world domains (email and parked, passing and
# failing), --format csv has a header and exactly one row per domain and
# rule that --format json reports, with the same status; --format text
# names every domain and every rule.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need_world
need_tiaki

DOMAINS=(good.govt.nz spf-softfail.govt.nz dmarc-seed.govt.nz parked.govt.nz payme.good.govt.nz)
R=(--resolver "$RESOLVER" --timeout 5 --no-probe)

# The exit code does not depend on the format: some domains fail, so 1.
for fmt in json csv text; do
    run_tiaki "$fmt" check "${R[@]}" --format "$fmt" "${DOMAINS[@]}"
    if [ "$RC" = 1 ]; then
        ok "--format $fmt: exit 1"
    else
        not_ok "--format $fmt: exit $RC, want 1"
        show_err "$fmt"
    fi
done

"$PY" - "$TMP/json.out" "$TMP/csv.out" "$TMP/text.out" "${DOMAINS[@]}" >"$TMP/formats.txt" 2>&1 <<'PYEOF' || true
import csv
import io
import json
import sys

jpath, cpath, tpath, domains = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
passed = failed = 0


def ok(msg):
    global passed
    passed += 1
    print("ok: " + msg)


def fail(msg):
    global failed
    failed += 1
    print("FAIL: " + msg)


# What JSON says: (domain, rule) -> status.
want = {}
try:
    for line in open(jpath, "rb").read().decode("utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            for f in obj.get("findings", []):
                want[(obj["domain"].lower().rstrip("."), f["rule"])] = f["status"]
except (ValueError, KeyError, TypeError, AttributeError) as e:
    fail("--format json output unusable (%s); csv/text not compared" % e)
    print("counts %d %d" % (passed, failed))
    sys.exit(1)
for d in domains:
    if any(k[0] == d for k in want):
        ok("json has findings for %s" % d)
    else:
        fail("json has no findings for %s" % d)

# CSV: a header naming domain, rule and status; one row per (domain, rule).
try:
    rows = list(csv.reader(io.StringIO(open(cpath, "rb").read().decode("utf-8"), newline="")))
except (UnicodeDecodeError, csv.Error) as e:
    rows = []
    fail("--format csv is not UTF-8 CSV: %s" % e)
rows = [r for r in rows if r]
if not rows:
    fail("--format csv printed nothing")
else:
    header = [h.strip().lower() for h in rows[0]]
    cols = {}
    for name in ("domain", "rule", "status"):
        if name in header:
            cols[name] = header.index(name)
    if len(cols) == 3:
        ok("csv header: %s" % ",".join(rows[0]))
        seen = {}
        for r in rows[1:]:
            if len(r) != len(header):
                fail("csv row with %d fields, header has %d: %s" % (len(r), len(header), r))
                continue
            key = (r[cols["domain"]].lower().rstrip("."), r[cols["rule"]])
            seen.setdefault(key, []).append(r[cols["status"]])
        for key, status in sorted(want.items()):
            got = seen.get(key)
            if got is None:
                fail("csv has no row for %s %s" % key)
            elif len(got) > 1:
                fail("csv has %d rows for %s %s" % ((len(got),) + key))
            elif got[0] != status:
                fail("csv says %s %s is %s, json says %s" % (key + (got[0], status)))
            else:
                ok("csv %s %s %s" % (key + (status,)))
        for key in sorted(set(seen) - set(want)):
            fail("csv row %s %s is not in the json output" % key)
    else:
        fail("csv header lacks domain, rule or status: %s" % rows[0])

# Text: every domain and every rule named.
try:
    text = open(tpath, "rb").read().decode("utf-8")
except UnicodeDecodeError as e:
    text = ""
    fail("--format text is not UTF-8: %s" % e)
low = text.lower()
for d in domains:
    if d in low:
        ok("text names %s" % d)
    else:
        fail("text does not name %s" % d)
for rule in sorted({r for _, r in want}):
    if rule in text:
        ok("text names rule %s" % rule)
    else:
        fail("text does not name rule %s" % rule)
print("counts %d %d" % (passed, failed))
PYEOF
tally "$TMP/formats.txt"

finish
