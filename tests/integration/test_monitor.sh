#!/usr/bin/env bash
# test_monitor.sh: the monitoring service end to end, on SQLite and on
# PostgreSQL (the world's, 127.77.0.40), against the world's
# monitor.govt.nz zone (tests/world/zones/monitor.govt.nz.zone):
#   - inventory import; a first scan: three new domains, no regression;
#   - a DNS outage (every question times out): no event at all;
#   - SPF -all -> ~all at spf.monitor.govt.nz and DMARC p=reject -> p=none
#     at dmarc.monitor.govt.nz (the state directory's copy of the zone,
#     reloaded in NSD): exactly those two regressions, each alerted once by
#     mail (the world's Postfix, STARTTLS, into STATEDIR/mail/alerts) and by
#     webhook (alert_receiver.py), listed by `tiaki changes` and counted by
#     `tiaki report`; a scan after that adds nothing and alerts nothing;
#   - SIGKILL at several points of a scan: every kept snapshot is whole,
#     nothing is half-written, and the resumed scan completes; a scan
#     killed holding claims and started again at once takes them back
#     (its process is gone) rather than wait out their lease;
#   - PostgreSQL only: two workers share one scan (no domain twice), and a
#     worker killed holding claims has them reclaimed after its lease.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need_world
need_tiaki

ZONE=$WORLD_STATE/zones/monitor.govt.nz.zone
NSD_CONF=$WORLD_STATE/nsd.conf
MAILBOX=$WORLD_STATE/mail/alerts
PGURL=$(cat "$WORLD_STATE/postgresql" 2>/dev/null || true)
HOOK_ADDR=127.77.0.81
HOOK_PORT=8081
R=(--resolver "$RESOLVER" --timeout 3 --no-probe -q)
cp "$ZONE" "$TMP/zone.orig"

restore_zone() {
    cp "$TMP/zone.orig" "$ZONE"
    nsd-control -c "$NSD_CONF" reload monitor.govt.nz >/dev/null 2>&1 || true
}
cleanup_monitor() {
    restore_zone
    [ -s "$TMP/hook.pid" ] && kill "$(cat "$TMP/hook.pid")" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup_monitor EXIT

# wait_txt NAME PATTERN: until the world's resolver answers NAME's TXT with
# PATTERN (after a zone reload).
wait_txt() {
    local i
    for ((i = 0; i < 50; i++)); do
        dig +short +time=1 +tries=1 "@$RESOLVER" "$1" TXT | grep -q -- "$2" && return 0
        sleep 0.2
    done
    return 1
}

# mails: how many alert mails the mailbox holds (mbox "From " lines).
mails() {
    local n
    n=$(grep -c '^From ' "$MAILBOX" 2>/dev/null) || true
    echo "${n:-0}"
}
hooks() {
    local n
    n=$(grep -c . "$TMP/hook.out" 2>/dev/null) || true
    echo "${n:-0}"
}

count_events() { # NAME KIND: events of KIND in run NAME's JSON Lines
    grep -c "\"kind\":\"$2\"" "$TMP/$1.out" || true
}

write_config() {
    cat >"$TMP/tiaki.conf" <<EOF
[alerts]
smtp_url = smtp://mx1.good.govt.nz:25
smtp_connect = 127.77.0.25
smtp_starttls = yes
ca_file = $WORLD_SRC/pki/ca.pem
mail_from = tiaki@monitor.govt.nz
to_contact = yes
webhook_url = http://$HOOK_ADDR:$HOOK_PORT/tiaki
EOF
}

start_receiver() {
    : >"$TMP/hook.out"
    "$PY" "$LIB/../alert_receiver.py" --addr "$HOOK_ADDR" --port "$HOOK_PORT" \
        --out "$TMP/hook.out" --pidfile "$TMP/hook.pid" >"$TMP/hook.log" 2>&1 &
    for _ in $(seq 50); do
        [ -s "$TMP/hook.pid" ] && ss -Hltn "src $HOOK_ADDR:$HOOK_PORT" | grep -q . && return 0
        sleep 0.1
    done
    not_ok "the webhook receiver did not start: $(cat "$TMP/hook.log")"
}

# suite BACKEND DB: the scenario on one store.
suite() {
    local b=$1 db=$2 m0 h0
    local C=(--config "$TMP/tiaki.conf" --db "$db")
    restore_zone
    m0=$(mails)
    h0=$(hooks)

    run_tiaki "$b-import" inventory import "$WORLD_SRC/inventory-monitor.csv" "${C[@]}"
    expect_rc "$b-import" 0 "$b: inventory import"
    run_tiaki "$b-list" inventory list --format csv "${C[@]}"
    expect_eq "$b: inventory list has the three domains" "$(grep -c 'monitor.govt.nz' "$TMP/$b-list.out")" 3

    run_tiaki "$b-scan1" scan "${R[@]}" "${C[@]}"
    expect_rc "$b-scan1" 0 "$b: first scan complete"
    run_tiaki "$b-ch1" changes --format json "${C[@]}"
    expect_rc "$b-ch1" 0 "$b: after the first scan no regression"
    expect_eq "$b: first scan: new-domain events" "$(count_events "$b-ch1" new-domain)" 3

    # A DNS outage: every question times out; nothing may change.
    run_tiaki "$b-outage" scan --resolver 127.77.0.99 --timeout 1 --no-probe -q "${C[@]}"
    run_tiaki "$b-ch2" changes --format json "${C[@]}"
    expect_eq "$b: a DNS outage adds no event" "$(grep -c . "$TMP/$b-ch2.out")" 3

    sed -i -e '/^\$ORIGIN spf\.monitor/,/^\$ORIGIN/ s/-all"/~all"/' \
        -e '/^\$ORIGIN dmarc\.monitor/,/^\$ORIGIN/ s/p=reject;/p=none;/' "$ZONE"
    nsd-control -c "$NSD_CONF" reload monitor.govt.nz >/dev/null
    check "$b: the changed SPF record is served" wait_txt spf.monitor.govt.nz '~all'
    check "$b: the changed DMARC record is served" wait_txt _dmarc.dmarc.monitor.govt.nz 'p=none'

    run_tiaki "$b-scan3" scan "${R[@]}" "${C[@]}"
    expect_rc "$b-scan3" 0 "$b: scan after the change complete"
    run_tiaki "$b-reg" changes --kind regression --format json "${C[@]}"
    expect_rc "$b-reg" 1 "$b: tiaki changes exits 1 when it lists a regression"
    expect_eq "$b: exactly two regressions" "$(grep -c . "$TMP/$b-reg.out")" 2
    check "$b: regression SPF-HARDFAIL at spf.monitor.govt.nz" \
        grep -q '"domain":"spf.monitor.govt.nz".*"rule":"SPF-HARDFAIL","from":"pass","to":"fail"' "$TMP/$b-reg.out"
    check "$b: regression DMARC-REJECT at dmarc.monitor.govt.nz" \
        grep -q '"domain":"dmarc.monitor.govt.nz".*"rule":"DMARC-REJECT","from":"pass","to":"fail"' "$TMP/$b-reg.out"
    run_tiaki "$b-since" changes --since 1h --agency "Ministry of Sender Policy" "${C[@]}"
    check "$b: text changes for one agency name both regressions" \
        grep -q 'regression.*spf.monitor.govt.nz.*SPF-HARDFAIL pass -> fail' "$TMP/$b-since.out"
    expect_eq "$b: alert mails for the two regressions" "$(($(mails) - m0))" 2
    expect_eq "$b: webhook posts for the two regressions" "$(($(hooks) - h0))" 2
    check "$b: an alert mail names the rule and the fix" \
        grep -q 'SPF-HARDFAIL' "$MAILBOX"

    run_tiaki "$b-scan4" scan "${R[@]}" "${C[@]}"
    run_tiaki "$b-reg2" changes --kind regression --format json "${C[@]}"
    expect_eq "$b: a scan with nothing new adds no regression" "$(grep -c . "$TMP/$b-reg2.out")" 2
    expect_eq "$b: and sends no alert again" "$(($(mails) - m0)) $(($(hooks) - h0))" "2 2"
    expect_eq "$b: scan 4 found what scan 3 found and keeps none of it again" \
        "$(db_count "$b" "$db" "SELECT count(*) FROM snapshots WHERE content_id IS NOT NULL
            AND observation = '' AND scan_id = (SELECT max(id) FROM scans)")" 3
    run_tiaki "$b-alerts" alerts "${C[@]}"
    expect_eq "$b: tiaki alerts lists four sent alerts" "$(grep -c '^sent' "$TMP/$b-alerts.out")" 4

    run_tiaki "$b-report" report --format json "${C[@]}"
    expect_rc "$b-report" 1 "$b: report (two domains not compliant)"
    if "$PY" - "$TMP/$b-report.out" <<'EOF'; then
import json, sys
r = json.load(open(sys.argv[1]))
txt = json.dumps(r)
assert r["total"]["domains"] == 3 and r["total"]["compliant"] == 1, r["total"]
nc = sorted(d["domain"] for d in r["non_compliant"])
assert nc == ["dmarc.monitor.govt.nz", "spf.monitor.govt.nz"], nc
EOF
        ok "$b: the report counts 1 of 3 compliant and lists the two domains"
    else
        not_ok "$b: the report's figures are wrong: $(head -c 600 "$TMP/$b-report.out")"
    fi
    run_tiaki "$b-html" report --format html --output "$TMP/$b-report.html" "${C[@]}"
    check "$b: the HTML report names spf.monitor.govt.nz" grep -q 'spf.monitor.govt.nz' "$TMP/$b-report.html"
    check "$b: the HTML report loads nothing from elsewhere" \
        bash -c "! grep -Eiq '<script|src=\"https?:|href=\"https?:' '$TMP/$b-report.html'"
    restore_zone
}

# kill_suite BACKEND DB: SIGKILL a scan at several points; then check.
kill_suite() {
    local b=$1 db=$2 delay
    local C=(--config "$TMP/tiaki.conf" --db "$db")
    run_tiaki "$b-kimport" inventory import "$WORLD_SRC/inventory.csv" "${C[@]}"
    for delay in 0.05 0.2 0.5 1; do
        timeout -s KILL "$delay" "$TIAKI" scan "${R[@]}" -j 4 --lease 1 "${C[@]}" \
            >/dev/null 2>&1 || true
    done
    sleep 2.2 # the killed scans' claims expire (--lease 1, kept in whole seconds)
    run_tiaki "$b-resume" scan "${R[@]}" --lease 1 "${C[@]}"
    expect_rc "$b-resume" 0 "$b: the scan killed four times is resumed and completes"
    check "$b: after SIGKILL every snapshot is whole" store_whole "$b" "$db"
    takeback "$b" "$db"
}

# takeback BACKEND DB: a scan killed while it holds claims and started
# again at once (default lease, 300 s) takes its claims back, as their
# process is gone, and completes.
takeback() {
    local b=$1 db=$2 pid
    local C=(--config "$TMP/tiaki.conf" --db "$db")
    local OPEN="SELECT count(*) FROM scan_batches WHERE worker IS NOT NULL AND done_at IS NULL"
    "$TIAKI" scan --new "${R[@]}" -j 1 --batch 1 "${C[@]}" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 200); do
        [ "$(db_count "$b" "$db" "$OPEN")" -gt 0 ] && break
        sleep 0.02
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    check "$b: the killed scan left claims" test "$(db_count "$b" "$db" "$OPEN")" -gt 0
    run_tiaki "$b-takeback" scan "${R[@]}" "${C[@]}"
    expect_rc "$b-takeback" 0 "$b: a scan killed holding claims is started again and completes at once"
    check "$b: ...having taken back the claims of the killed process" \
        grep -q "took back the claims of .*:$pid (no such process)" "$TMP/$b-takeback.err"
    check "$b: ...and every snapshot is whole" store_whole "$b" "$db"
}

# db_count BACKEND DB SQL: the number SQL selects.
db_count() {
    if [ "$1" = sqlite ]; then
        sqlite3 "${2#sqlite:}" "$3"
    else
        psql -X -A -t "$2" -c "$3"
    fi
}

# store_whole BACKEND DB: no snapshot without findings (its own, or those
# of the snapshot whose content it shares), no queue batch closed with a
# domain it has no snapshot of, no queue left of a scan that ended, one
# snapshot per domain and scan, and each scan's done count is its
# snapshots.
store_whole() {
    local each="unnest(b.domains) AS u (id)" id=u.id
    [ "$1" = sqlite ] && each="json_each(b.domains) u" id=u.value
    local q="SELECT
      (SELECT count(*) FROM snapshots s WHERE NOT EXISTS (SELECT 1 FROM findings f
          WHERE f.snapshot_id = COALESCE(s.content_id, s.id))),
      (SELECT count(*) FROM scan_batches b WHERE b.done_at IS NOT NULL AND EXISTS
          (SELECT 1 FROM $each WHERE NOT EXISTS (SELECT 1 FROM snapshots s
           WHERE s.scan_id = b.scan_id AND s.domain_id = $id))),
      (SELECT count(*) FROM scan_batches b JOIN scans c ON c.id = b.scan_id
          WHERE c.state <> 'running'),
      (SELECT count(*) FROM (SELECT scan_id, domain_id FROM snapshots GROUP BY scan_id, domain_id HAVING count(*) > 1) d),
      (SELECT count(*) FROM scans c WHERE c.done <> (SELECT count(*) FROM snapshots s WHERE s.scan_id = c.id))"
    local out
    if [ "$1" = sqlite ]; then
        out=$(sqlite3 "${2#sqlite:}" "PRAGMA integrity_check;" "$q;" | tr '\n|' '  ')
        [ "$out" = "ok 0 0 0 0 0 " ] || { echo "# store check: $out"; return 1; }
    else
        out=$(psql -X -A -t -F ' ' "$2" -c "$q" | tr '\n' ' ')
        [ "$out" = "0 0 0 0 0 " ] || { echo "# store check: $out"; return 1; }
    fi
}

# workers_suite DB (PostgreSQL): two workers, one scan.
workers_suite() {
    local db=$1 pid_w pid_c n dup workers total state
    local C=(--config "$TMP/tiaki.conf" --db "$db")
    local LAST="(SELECT max(id) FROM scans)"
    total=$(psql -X -A -t "$db" -c "SELECT count(*) FROM domains WHERE removed_at IS NULL")

    # A worker killed while it holds claims: they are taken over after its lease.
    "$TIAKI" scan --worker --wait 20 "${R[@]}" -j 1 --batch 16 "${C[@]}" >/dev/null 2>&1 &
    pid_w=$!
    "$TIAKI" scan --new "${R[@]}" -j 1 --batch 2 --lease 3 "${C[@]}" >"$TMP/coord.out" 2>&1 &
    pid_c=$!
    sleep 1
    kill -KILL "$pid_w" 2>/dev/null || true
    wait "$pid_c" || true
    sleep 4.2 # its claims expire (--lease 3, kept in whole seconds)
    run_tiaki pg-reclaim scan "${R[@]}" --lease 3 "${C[@]}"
    expect_rc pg-reclaim 0 "pg: the scan whose worker was killed holding claims completes"
    n=$(psql -X -A -t "$db" -c "SELECT count(*) FROM snapshots WHERE scan_id = $LAST")
    expect_eq "pg: ...with every domain checked once" "$n" "$total"

    # Two live workers share one scan.
    "$TIAKI" scan --worker --wait 20 "${R[@]}" -j 2 --batch 2 "${C[@]}" >"$TMP/w2.out" 2>&1 &
    pid_w=$!
    run_tiaki pg-coord scan --new "${R[@]}" -j 1 --batch 1 "${C[@]}"
    wait "$pid_w" || true
    n=$(psql -X -A -t "$db" -c "SELECT count(*) FROM snapshots WHERE scan_id = $LAST")
    dup=$(psql -X -A -t "$db" -c "SELECT count(*) FROM (SELECT domain_id FROM snapshots WHERE scan_id = $LAST GROUP BY domain_id HAVING count(*) > 1) d")
    # Each says how many domains it kept ("this run kept N").
    workers=$(cat "$TMP/pg-coord.out" "$TMP/w2.out" | grep -o 'this run kept [0-9]*' |
        awk '$4 > 0 { n++; sum += $4 } END { print n "/" sum }')
    state=$(psql -X -A -t "$db" -c "SELECT state FROM scans WHERE id = $LAST")
    expect_eq "pg: two workers: every domain checked once, the scan complete" "$n/$dup/$state" "$total/0/complete"
    expect_eq "pg: two workers: both kept some, together every domain" "$workers" "2/$total"
}

# monitor_suite DB: the daemon scans on its interval and stops cleanly on
# SIGTERM.
monitor_suite() {
    local db=$1 pid rc=0 scans
    "$TIAKI" monitor --interval 2s "${R[@]}" --config "$TMP/tiaki.conf" --db "$db" \
        >"$TMP/monitor.out" 2>"$TMP/monitor.err" &
    pid=$!
    sleep 3.5
    kill -TERM "$pid"
    wait "$pid" || rc=$?
    expect_eq "monitor: exit status after SIGTERM" "$rc" 0
    check "monitor: logged its second scan and its stop" \
        grep -q 'scan 2 ended' "$TMP/monitor.err"
    check "monitor: said it stopped" grep -q 'stopped after' "$TMP/monitor.err"
    scans=$(sqlite3 "${db#sqlite:}" "SELECT count(*) FROM scans WHERE state = 'complete'")
    check "monitor: two scans or more kept ($scans)" test "$scans" -ge 2
}

write_config
start_receiver

suite sqlite "sqlite:$TMP/tiaki.db"
kill_suite sqlite "sqlite:$TMP/kill.db"
monitor_suite "sqlite:$TMP/tiaki.db"

if [ -n "$PGURL" ]; then
    # A database of its own: other tests use the world's at the same time.
    base=${PGURL%/*}
    admin=postgresql://postgres@${base#*@}/postgres
    for name in tiaki_monitor tiaki_kill; do
        psql -X -q "$admin" -c "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1
        psql -X -q "$admin" -c "CREATE DATABASE $name OWNER tiaki" >/dev/null
    done
    suite pg "$base/tiaki_monitor"
    kill_suite pg "$base/tiaki_kill"
    workers_suite "$base/tiaki_kill"
else
    not_ok "no PostgreSQL in the world ($WORLD_STATE/postgresql missing)"
fi

finish
