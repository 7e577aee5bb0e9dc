#!/usr/bin/env bash
# test_reports.sh: `tiaki reports` end to end: every parsedmarc sample
# ingested (or rejected for its stated reason), duplicates kept once,
# re-ingesting changes nothing, a gzip bomb and an entity bomb refused in
# bounded time, the large sample's figures against python's own reading,
# readiness and sources over it, DKIM selectors fed to the inventory, and
# ingestion from the world's IMAP server (Dovecot, 127.77.0.143).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need_world
need_tiaki

SAMPLES=$TIAKI_SHARED/testdata/reports/parsedmarc-samples
LARGE="$SAMPLES/aggregate/!large-example.com!1711897200!1711983600.xml"
DB=sqlite:$TMP/reports.db
R=(--resolver "$RESOLVER" --timeout 2)

# ingested_field NAME WORD: the number before WORD in run NAME's summary line.
ingested() {
    grep -o "[0-9]* $2" "$TMP/$1.out" | head -n 1 | cut -d' ' -f1
}

# ---- every sample
run_tiaki add inventory add example.com --agency "Example Agency" --db "$DB"
run_tiaki all reports ingest "$SAMPLES" --db "$DB"
expect_rc all 1 "ingesting the samples (one is broken XML)"
# 24 DMARC payloads: nice-input.xml.gz and .zip repeat nice-input.xml
# (google.com, the same report id and dates), invalid_utf_8.xml repeats
# !example.com!1538204542!1538463818.xml (same reporter, id and begin, one
# byte changed), and invalid_xml.xml is not XML.
expect_eq "DMARC reports kept" "$(ingested all 'DMARC reports')" 20
expect_eq "duplicates" "$(ingested all duplicates)" 3
expect_eq "rejected" "$(ingested all rejected)" 1
check "the rejected one is invalid_xml.xml, with the reason" \
    grep -q 'invalid_xml.xml.*not well-formed' "$TMP/all.err"
expect_eq "TLS-RPT reports kept" "$(ingested all 'TLS-RPT reports')" 4
# Report by report: records and messages against python's own reading.
"$PY" "$LIB/report_counts.py" "${DB#sqlite:}" "$SAMPLES" >"$TMP/counts.txt" 2>&1 || true
tally "$TMP/counts.txt"
# TLS-RPT: failed sessions, summed, against python's reading of the samples.
want_failed=$("$PY" - "$SAMPLES/smtp_tls" <<'EOF2'
import email, glob, json, os, sys, zlib
total = 0
def add(doc):
    global total
    for pol in doc.get("policies", []):
        for fd in pol.get("failure-details", []) or []:
            total += int(fd.get("failed-session-count", 0))
for path in glob.glob(os.path.join(sys.argv[1], "*")):
    raw = open(path, "rb").read()
    if path.endswith(".json"):
        add(json.loads(raw))
        continue
    for part in email.message_from_bytes(raw).walk():
        data = part.get_payload(decode=True) or b""
        if data[:2] == b"\x1f\x8b":
            data = zlib.decompressobj(47).decompress(data)
        if data.lstrip()[:1] == b"{":
            add(json.loads(data))
print(total)
EOF2
)
run_tiaki tls reports tlsrpt --format json --db "$DB"
got_failed=$("$PY" -c 'import json,sys
print(sum(json.loads(l)["sessions"] for l in open(sys.argv[1]) if l.strip()))' "$TMP/tls.out")
expect_eq "TLS-RPT: failed sessions (python's sum)" "$got_failed" "$want_failed"

run_tiaki again reports ingest "$SAMPLES" --db "$DB"
expect_eq "re-ingesting keeps no DMARC report again" "$(ingested again 'DMARC reports')" 0
expect_eq "re-ingesting keeps no TLS-RPT report again" "$(ingested again 'TLS-RPT reports')" 0
expect_eq "re-ingesting: every kept report is a duplicate" "$(ingested again duplicates)" 27

# ---- the large sample, against python's reading of the same file
DB2=sqlite:$TMP/large.db
run_tiaki large reports ingest "$LARGE" --db "$DB2"
expect_rc large 0 "the large sample"
read -r want_msgs want_ips want_pass <<<"$("$PY" - "$LARGE" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
msgs, ips, dpass = 0, set(), 0
for rec in root.iter("record"):
    row = rec.find("row")
    n = int(row.findtext("count"))
    msgs += n
    ips.add(row.findtext("source_ip").strip())
    pe = row.find("policy_evaluated")
    if (pe.findtext("dkim") or "").strip().lower() == "pass" or \
       (pe.findtext("spf") or "").strip().lower() == "pass":
        dpass += n
print(msgs, len(ips), dpass)
EOF
)"
run_tiaki sum reports summary --domain example.com --format json --db "$DB2"
got=$("$PY" -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(sum(r["messages"] for r in rows), sum(r["dmarc_pass"] for r in rows))' "$TMP/sum.out")
expect_eq "large sample: messages and DMARC passes (python's count)" "$got" "$want_msgs $want_pass"
run_tiaki src reports sources --domain example.com --format json "${R[@]}" --db "$DB2"
expect_eq "large sample: sending sources" "$(grep -c . "$TMP/src.out")" "$want_ips"
run_tiaki ready reports readiness --domain example.com --format json "${R[@]}" --db "$DB2"
check "readiness gives a verdict for both moves" \
    grep -Eq '"spf_all":"(ready|not ready)","dmarc_reject":"(ready|not ready)"' "$TMP/ready.out"
run_tiaki readyt reports readiness --domain example.com "${R[@]}" --db "$DB2"
check "readiness in text names the moves" grep -q 'SPF -all .*DMARC p=reject' "$TMP/readyt.out"

# ---- DKIM selectors seen in reports reach the inventory
run_tiaki inv inventory list --format csv --db "$DB"
check "example.com has selectors from the reports" \
    bash -c "grep '^example.com,' '$TMP/inv.out' | cut -d, -f4 | grep -q '[a-z0-9]'"

# ---- hostile input: bounded
"$PY" - "$TMP/bomb.xml.gz" <<'EOF'
import gzip, sys
with gzip.open(sys.argv[1], "wb", compresslevel=9) as f:
    f.write(b"<feedback>")
    block = b" " * (1 << 20)
    for _ in range(256):
        f.write(block)
EOF
cat >"$TMP/lol.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<feedback><report_metadata><org_name>&lol4;</org_name></report_metadata></feedback>
EOF
run_tiaki bomb reports ingest "$TMP/bomb.xml.gz" "$TMP/lol.xml" --max-size 1 --db "$DB"
check "the gzip bomb is stopped at --max-size" grep -q 'bomb.xml.gz.*larger than' "$TMP/bomb.err"
check "the entity bomb is refused" grep -qi 'lol.xml.*\(DTD\|DOCTYPE\)' "$TMP/bomb.err"
if [ "$SECS" -le 20 ]; then ok "hostile reports refused in ${SECS}s"; else not_ok "hostile reports took ${SECS}s"; fi

# ---- IMAP (the world's Dovecot)
IMAP_URL=$(cat "$WORLD_STATE/imap")
IMAP_ADDR=$(cat "$WORLD_STATE/imap-connect")
DB3=sqlite:$TMP/imap.db
TIAKI_IMAP_PASSWORD=tiaki-test run_tiaki imap reports ingest "$IMAP_URL" --all \
    --imap-connect "$IMAP_ADDR" --ca-file "$WORLD_SRC/pki/ca.pem" --db "$DB3"
expect_rc imap 0 "ingesting the world's IMAP mailbox"
# Seeded: three aggregate report mails, Google's TLS-RPT mail, one failure report.
expect_eq "IMAP: DMARC reports" "$(ingested imap 'DMARC reports')" 3
expect_eq "IMAP: TLS-RPT reports" "$(ingested imap 'TLS-RPT reports')" 1
run_tiaki imapbad reports ingest "$IMAP_URL" --all --imap-connect "$IMAP_ADDR" --db "$DB3"
check "IMAP without a password is refused with the way to give one" \
    grep -q 'TIAKI_IMAP_PASSWORD' "$TMP/imapbad.err"

finish
