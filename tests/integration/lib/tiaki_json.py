#!/usr/bin/python3
"""tiaki_json.py: reads what `tiaki check --format json` printed (JSON
Lines: one object per domain) and judges it for the integration tests.

  tiaki_json.py compare EXPECTED.tsv OUTPUT.jsonl [DOMAIN...]
      every expected.tsv row (of the DOMAINs given, else all) against the
      output: one check per row, plus per domain: exactly one object,
      well-formed findings, the profile, and `compliant` where the rows
      decide it. Each mismatch names domain, rule, expected, got, evidence.
  tiaki_json.py validate OUTPUT.jsonl [DOMAIN...]
      the output is UTF-8 JSON Lines of well-formed domain objects, with
      one object for each DOMAIN given.
  tiaki_json.py status OUTPUT.jsonl DOMAIN RULE
      prints the status of one finding ("none" when absent).
  tiaki_json.py field OUTPUT.jsonl DOMAIN KEY
      prints one top-level value of a domain's object as JSON.

Prints "ok: ..." and "FAIL: ..." lines and, last, "counts PASSED FAILED".
Uses only the standard library of Debian's python3.
"""
import json
import sys

from tally import Tally

STATUSES = {"pass", "fail", "warn", "unknown"}
EMAIL_RULES = ["TLSRPT", "SPF-PRESENT", "SPF-HARDFAIL", "DKIM-SIGNED", "DMARC-PRESENT",
               "DMARC-REJECT", "DMARC-ADKIM-STRICT", "DMARC-RUA", "MTA-STS-TXT"]
PARKED_RULES = ["PARKED-SPF", "PARKED-DKIM", "PARKED-DMARC", "PARKED-NULL-MX"]
# Judged only when tiaki probes (not --no-probe).
TRANSPORT_RULES = ["TLS-MIN-1.2", "TLS-REQUIRED", "TLS-CERT", "MTA-STS-ENFORCE", "DANE"]
SHOULD_RULES = {"DMARC-ADKIM-STRICT", "PARKED-NULL-MX", "TLS-CERT", "DANE"}
FINDING_KEYS = ("rule", "level", "status", "evidence", "remediation")


def load_jsonl(path, tally):
    """Objects by domain; every malformed line is one failure."""
    objs = {}
    dups = set()
    with open(path, "rb") as f:
        data = f.read()
    for n, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            tally.fail("output line %d is not UTF-8 (%s): %r" % (n, e, raw[:120]))
            continue
        try:
            obj = json.loads(text)
        except ValueError as e:
            tally.fail("output line %d is not JSON (%s): %s" % (n, e, text[:200]))
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("domain"), str):
            tally.fail("output line %d is not an object with a \"domain\": %s" % (n, text[:200]))
            continue
        d = obj["domain"].lower().rstrip(".")
        if d in objs:
            dups.add(d)
        objs[d] = obj
    for d in sorted(dups):
        tally.fail("%s: more than one object in the output" % d)
    return objs


def well_formed(d, obj, tally):
    """The object has the documented shape; returns findings by rule."""
    problems = []
    for key, kind in (("profile", str), ("compliant", bool), ("findings", list),
                      ("records", dict)):
        if not isinstance(obj.get(key), kind):
            problems.append("%r is not a %s" % (key, kind.__name__))
    by_rule = {}
    for i, f in enumerate(obj.get("findings") or []):
        if not isinstance(f, dict):
            problems.append("finding %d is not an object" % i)
            continue
        missing = [k for k in FINDING_KEYS if k not in f]
        if missing:
            problems.append("finding %d (%s) lacks %s" % (i, f.get("rule"), ", ".join(missing)))
        if f.get("status") not in STATUSES:
            problems.append("finding %d (%s) has status %r" % (i, f.get("rule"), f.get("status")))
        rule = f.get("rule")
        if rule in by_rule:
            problems.append("rule %s appears twice" % rule)
        by_rule[rule] = f
    if problems:
        tally.fail("%s: malformed object: %s" % (d, "; ".join(problems)))
    else:
        tally.ok("%s: well-formed, %d findings" % (d, len(by_rule)), quiet=True)
    return by_rule


def read_expected(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or parts[2] not in STATUSES:
                raise SystemExit("%s:%d: not domain<TAB>rule<TAB>status: %r" % (path, n, line))
            rows.append((parts[0].lower(), parts[1], parts[2]))
    return rows


def short(text, n=300):
    text = "" if text is None else str(text)
    return text if len(text) <= n else text[:n] + "..."


def cmd_compare(expected_path, jsonl, domains):
    t = Tally()
    rows = read_expected(expected_path)
    want = [d.lower() for d in domains]
    if want:
        rows = [r for r in rows if r[0] in want]
    objs = load_jsonl(jsonl, t)
    by_domain = {}
    for d, rule, status in rows:
        by_domain.setdefault(d, []).append((rule, status))
    for d in sorted(by_domain):
        exp = by_domain[d]
        obj = objs.get(d)
        if obj is None:
            t.fail("%s: no object in the output (%d expected findings not checked)" % (d, len(exp)))
            t.failed += len(exp) - 1
            continue
        found = well_formed(d, obj, t)
        matched = 0
        for rule, status in exp:
            f = found.get(rule)
            if f is None:
                t.fail("%s %s: expected %s, got no finding" % (d, rule, status))
            elif f.get("status") != status:
                t.fail("%s %s: expected %s, got %s; evidence: %s" % (
                    d, rule, status, f.get("status"), short(f.get("evidence"))))
            else:
                matched += 1
                t.passed += 1
        rules = {r for r, _ in exp}
        profile = "parked" if rules & set(PARKED_RULES) else "email"
        if obj.get("profile") != profile:
            t.fail("%s: expected profile %s, got %s" % (d, profile, json.dumps(obj.get("profile"))))
        else:
            t.passed += 1
        # compliant: every MUST rule of the profile passes. Decided when a
        # MUST row is not pass, or when every rule of the profile has a row.
        statuses = dict(exp)
        judged = PARKED_RULES if profile == "parked" else list(EMAIL_RULES)
        if any(r in statuses for r in TRANSPORT_RULES):
            judged += TRANSPORT_RULES
        must = [r for r in judged if r not in SHOULD_RULES]
        if any(statuses.get(r, "pass") != "pass" for r in must):
            want_compliant = False
        elif all(r in statuses for r in must):
            want_compliant = True
        else:
            want_compliant = None
        if want_compliant is not None:
            if obj.get("compliant") is not want_compliant:
                t.fail("%s: expected compliant %s, got %s" % (
                    d, json.dumps(want_compliant), json.dumps(obj.get("compliant"))))
            else:
                t.passed += 1
        if matched == len(exp):
            print("ok: %s: %d rules as expected" % (d, matched))
    return t.end()


def cmd_validate(jsonl, domains):
    t = Tally()
    objs = load_jsonl(jsonl, t)
    if not objs and not domains:
        t.fail("no domain object in the output")
    for d, obj in sorted(objs.items()):
        well_formed(d, obj, t)
    for d in domains:
        if d.lower() in objs:
            t.ok("%s: one object in the output" % d)
        else:
            t.fail("%s: no object in the output" % d)
    return t.end()


def cmd_status(jsonl, domain, rule):
    t = Tally()
    obj = load_jsonl(jsonl, t).get(domain.lower())
    for f in (obj or {}).get("findings") or []:
        if isinstance(f, dict) and f.get("rule") == rule:
            print(f.get("status"))
            return 0
    print("none")
    return 0


def cmd_field(jsonl, domain, key):
    t = Tally()
    obj = load_jsonl(jsonl, t).get(domain.lower())
    print(json.dumps((obj or {}).get(key)))
    return 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "compare":
        return cmd_compare(argv[2], argv[3], argv[4:])
    if len(argv) >= 3 and argv[1] == "validate":
        return cmd_validate(argv[2], argv[3:])
    if len(argv) == 5 and argv[1] == "status":
        return cmd_status(argv[2], argv[3], argv[4])
    if len(argv) == 5 and argv[1] == "field":
        return cmd_field(argv[2], argv[3], argv[4])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
