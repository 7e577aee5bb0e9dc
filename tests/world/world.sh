#!/usr/bin/env bash
# world.sh: starts, stops and reports on tiaki's simulated internet, the
# real servers the integration tests run against (ARCHITECTURE.md, "The
# simulated internet"). No mocks: tiaki talks DNS to a real recursive
# resolver, which talks to a real authoritative server.
#
#   world.sh start  STATEDIR   (re)start every component; wait until each answers
#   world.sh stop   STATEDIR   stop every component started from STATEDIR
#   world.sh status STATEDIR   say what runs; exit 0 only when all of it does
#
# Runs as root (real ports 53, 25, 443). Everything it writes
# (configurations rendered from templates/, zone copies, pid files, logs,
# queues, mailboxes) lives in STATEDIR; it binds only the addresses of the
# plan below, never 0.0.0.0 or 127.0.0.1 (and of IPv6 only ::1, which lo has
# already: loopback has no other IPv6 address to give a host). On start it
# writes STATEDIR/resolver (what tests pass to `tiaki check --resolver`),
# STATEDIR/nsd (the authoritative server), STATEDIR/trust-anchor (the
# DNSSEC trust anchor of the signed test zones, for libunbound's
# ub_ctx_add_ta_file) and STATEDIR/postgresql (the URL of an empty
# database for `tiaki --db`) and STATEDIR/imap (the URL of the report
# mailbox, imaps://dmarc@imap.reports.example/INBOX, reached at the address
# in STATEDIR/imap-connect; password tiaki-test). TLS clients trust
# tests/world/pki/ca.pem (`tiaki check --ca-file`).
#
# Address plan, 127.77.0.0/24 (each host its own loopback address):
#   127.77.0.53  NSD, authoritative for every tests/world/zones/*.zone
#                (zones with a key in dnssec/ are served signed)
#   127.77.0.54  unbound, recursive, a stub-zone per test zone -> NSD
#   127.77.0.25  mx1.good.govt.nz   } Postfix :25, mail hosts of good.govt.nz
#   127.77.0.26  mx2.good.govt.nz   } (and of the sts-* domains): TLS 1.2+, required
#   127.77.0.30  govt-nz.mail.protection.outlook.com, the shared MX of the
#                DNS test domains: Postfix :25, good settings
#   127.77.0.31  mx.reports.example, the external DMARC report receiver
#   127.77.0.40  PostgreSQL :5432, database tiaki owned by role tiaki (no
#                password: trust from 127.77.0.0/24), made empty at every start
#   127.77.0.43  nginx :443, every mta-sts.<domain> policy host (SNI)
#   127.77.0.60  mx.tls-legacy.govt.nz      Postfix: also TLS 1.0 and 1.1
#   127.77.0.61  mx.tls-none.govt.nz        Postfix: no STARTTLS
#   127.77.0.62  mx.tls-wrongname.govt.nz   Postfix: certificate for wrong.example.org
#   127.77.0.63  mx.tls-optional.govt.nz    Postfix: TLS offered, not required
#   127.77.0.64  mx.tls-expired.govt.nz     Postfix: expired certificate
#   127.77.0.65  mx.tls-selfsigned.govt.nz  Postfix: self-signed certificate
#   127.77.0.66  mx.wild.govt.nz            Postfix: *.wild.govt.nz certificate
#   127.77.0.67  mx.dane.govt.nz, mx.dane-unsigned.govt.nz  Postfix: pinned by TLSA
#   127.77.0.68  mx.bad.dane.govt.nz        Postfix: TLSA matches nothing
#   127.77.0.69  mx.dual.govt.nz  } Postfix, one dual-stack host: good on
#   ::1          mx.dual.govt.nz  } 127.77.0.69, also TLS 1.0 and 1.1 on [::1]:25
#   127.77.0.70  mx.silent.govt.nz   } hostile_smtp.py :25: says nothing,
#   127.77.0.71  mx.trickle.govt.nz  } a greeting a byte at a time forever,
#   127.77.0.72  mx.drop.govt.nz     } drops the TLS handshake,
#   127.77.0.73  mx.garbage.govt.nz  } binary garbage for a banner
#   127.77.0.74  mx.refused.govt.nz: nothing listens there (connection refused)
#   127.77.0.80  payme.good.govt.nz (a parked sub-domain's single A record)
#   127.77.0.99  ns1.dead.govt.nz: nothing listens there, ever
#   127.77.0.143 imap.reports.example: Dovecot, IMAP :143 (STARTTLS) and
#                :993 (TLS), user dmarc, an INBOX of report mails seeded at start
# Postfix's 127.77.0.x addresses are added to lo (label lo:tiaki; Postfix
# refuses addresses no interface has) and removed on stop; ::1 is lo's own,
# never added or removed (start fails when lo has no ::1).
#
# Components: one set of functions per component, COMP_start, COMP_stop,
# COMP_status (prints one line, true when running) and COMP_logs; the
# COMPONENTS list gives the start order (stop runs in reverse). Adding a
# server is adding its functions and its name to the list.
set -euo pipefail

WORLD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NSD_ADDR=127.77.0.53
RESOLVER_ADDR=127.77.0.54
NGINX_ADDR=127.77.0.43
PG_ADDR=127.77.0.40
PG_PORT=5432
DOVECOT_ADDR=127.77.0.143
# The hostile SMTP servers: KIND@HOST=ADDR (tests/world/hostile_smtp.py).
HOSTILE_LISTEN=(silent@mx.silent.govt.nz=127.77.0.70 trickle@mx.trickle.govt.nz=127.77.0.71
    drop@mx.drop.govt.nz=127.77.0.72 garbage@mx.garbage.govt.nz=127.77.0.73)
# The label of the addresses world.sh adds to lo (for Postfix).
LO_LABEL=lo:tiaki
PKI_DIR=$WORLD_DIR/pki
POLICY_DIR=$WORLD_DIR/policies
COMPONENTS=(nsd unbound postfix hostile nginx postgres dovecot)

# How long start waits for a server to answer: READY_TRIES x 0.2 s.
READY_TRIES=50
# How long stop waits for a process to exit after SIGTERM: x 0.1 s.
STOP_TRIES=50

STATE=

die() {
    echo "world.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: world.sh {start|stop|status} STATEDIR" >&2
    exit 2
}

# ---------------------------------------------------------------- helpers

# render TEMPLATE OUT [SED-OPTION...]: copy a template, filling in @STATE@,
# @NSD_ADDR@, @RESOLVER_ADDR@, @NGINX_ADDR@, @PKI@ and @POLICIES@ (and
# what the SED-OPTIONs add).
render() {
    local in=$1 out=$2
    shift 2
    sed -e "s|@STATE@|$STATE|g" -e "s|@NSD_ADDR@|$NSD_ADDR|g" \
        -e "s|@RESOLVER_ADDR@|$RESOLVER_ADDR|g" -e "s|@NGINX_ADDR@|$NGINX_ADDR|g" \
        -e "s|@PKI@|$PKI_DIR|g" -e "s|@POLICIES@|$POLICY_DIR|g" "$@" "$in" >"$out"
}

# zone_names: the zones of the world, one per tests/world/zones/NAME.zone.
zone_names() {
    local f
    for f in "$WORLD_DIR"/zones/*.zone; do
        basename "$f" .zone
    done
}

# pids_running ARG...: the pids of live processes whose command line holds
# every ARG as a whole argument (the program and its configuration file in
# STATEDIR). Daemons' pid files can be stale or missing after a crash; the
# command line names exactly what this state directory started, and forked
# children (NSD's server and xfrd) share it.
pids_running() {
    local p a arg found
    local -a argv
    for p in /proc/[0-9]*; do
        { mapfile -d '' -t argv <"$p/cmdline"; } 2>/dev/null || continue
        found=1
        for a in "$@"; do
            found=0
            for arg in "${argv[@]}"; do
                [ "$arg" = "$a" ] && { found=1; break; }
            done
            [ $found = 1 ] || break
        done
        [ $found = 1 ] && [ ${#argv[@]} -gt 0 ] && echo "${p#/proc/}"
    done
    return 0
}

# stop_processes NAME ARG...: SIGTERM what pids_running ARG... finds, wait,
# then SIGKILL what is left.
stop_processes() {
    local name=$1 i pids
    shift
    pids=$(pids_running "$@")
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < STOP_TRIES; i++)); do
        pids=$(pids_running "$@")
        [ -n "$pids" ] || { echo "world: $name stopped"; return 0; }
        sleep 0.1
    done
    echo "world: $name did not exit on SIGTERM; SIGKILL $pids" >&2
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.2
}

# port_users ADDR PORT: the sockets (and their processes) bound to ADDR:PORT.
port_users() {
    ss -Hlnptu "src $1:$2" 2>/dev/null || true
}

# world_state_of PID: the state directory of the world that process PID
# belongs to, or nothing when it is not a world's server: NSD or unbound
# (their configuration file), Postfix (MAIL_CONFIG=STATEDIR/postfix/conf in its
# environment), hostile_smtp.py (--pidfile STATEDIR/hostile.pid), nginx
# (-c STATEDIR/nginx/nginx.conf), PostgreSQL (-D STATEDIR/postgres/data),
# Dovecot (-c STATEDIR/dovecot/dovecot.conf). Each configuration says
# "tiaki's test world".
world_state_of() {
    local pid=$1 conf dir=""
    conf=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | grep -E '/(nsd|unbound)\.conf$' | head -n 1) || true
    if [ -n "$conf" ]; then
        dir=$(dirname "$conf")
    else
        conf=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | sed -n 's|^MAIL_CONFIG=||p' | head -n 1) || true
        if [ -n "$conf" ]; then
            dir=$(dirname "$(dirname "$conf")") conf=$conf/main.cf
        else
            conf=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | grep -E '/hostile\.pid$' | head -n 1) || true
            [ -z "$conf" ] || dir=$(dirname "$conf") conf=$dir/nsd.conf
            if [ -z "$conf" ]; then
                conf=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -oE -- '-c [^ ]*/nginx/nginx\.conf' | cut -c4-) || true
                [ -z "$conf" ] || dir=$(dirname "$(dirname "$conf")")
            fi
            if [ -z "$conf" ]; then
                conf=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | grep -E '/postgres/data$' | head -n 1) || true
                [ -z "$conf" ] || dir=$(dirname "$(dirname "$conf")") conf=$(dirname "$conf")/postgresql.conf
            fi
            if [ -z "$conf" ]; then
                conf=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | grep -E '/dovecot/dovecot\.conf$' | head -n 1) || true
                [ -z "$conf" ] || dir=$(dirname "$(dirname "$conf")")
            fi
        fi
    fi
    [ -n "$conf" ] && [ -f "$conf" ] && grep -q "tiaki's test world" "$conf" && echo "$dir"
    return 0
}

# stop_other_world ADDR PORT: the world's addresses are fixed, so there is
# one world per machine. When a world started from another state directory
# (another build tree) holds ADDR:PORT, stop it with its own world.sh stop;
# anything else holding the address is left alone (start then fails).
stop_other_world() {
    local pid dir
    for pid in $(port_users "$1" "$2" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
        dir=$(world_state_of "$pid")
        if [ -z "$dir" ] || [ "$dir" = "$STATE" ]; then continue; fi
        echo "world: stopping the world of $dir (it holds $1:$2; one world per machine)"
        "$WORLD_DIR/world.sh" stop "$dir" >/dev/null || true
        return 0
    done
    return 0
}

# answers SERVER NAME TYPE [DIG-OPTION...]: true when SERVER answers
# NAME/TYPE with NOERROR and at least one answer record.
answers() {
    local server=$1 name=$2 type=$3 out
    shift 3
    out=$(dig +time=1 +tries=1 "$@" "@$server" "$name" "$type" 2>&1) || return 1
    grep -q 'status: NOERROR' <<<"$out" || return 1
    grep -Eq 'ANSWER: [1-9]' <<<"$out"
}

# wait_answers SERVER NAME TYPE [DIG-OPTION...]: answers, retried
# READY_TRIES times.
wait_answers() {
    local i
    for ((i = 0; i < READY_TRIES; i++)); do
        answers "$@" && return 0
        sleep 0.2
    done
    return 1
}

# fail_start COMPONENT MESSAGE: print the logs of every component, stop
# what was started, exit non-zero.
fail_start() {
    local comp
    echo "world.sh: $1 did not start: $2" >&2
    for comp in "${COMPONENTS[@]}"; do
        "${comp}_logs" >&2 || true
    done
    cmd_stop >&2 || true
    exit 1
}

# show_log TITLE FILE: the end of one log file, under a heading.
show_log() {
    [ -f "$2" ] || return 0
    echo "---- $1 ($2, last 40 lines)"
    tail -n 40 "$2"
}

# status_line NAME WHAT PID...: one line saying whether component NAME
# runs (it does when PIDs are given); exits 1 when it does not.
status_line() {
    local name=$1 what=$2
    shift 2
    if [ $# -gt 0 ]; then
        echo "$name: running (pids $*), $what"
    else
        echo "$name: stopped"
        return 1
    fi
}

# component_status NAME CONF WHAT: whether the server NAME started with
# CONF runs.
component_status() {
    # shellcheck disable=SC2046
    status_line "$1" "$3" $(pids_running "$1" "$2")
}

# stop_pids NAME PIDFILE PID...: stop a component's processes (if any)
# and forget its pid file.
stop_pids() {
    local name=$1 pidfile=$2
    shift 2
    [ $# -gt 0 ] || return 0
    kill_and_wait "$name" "$@"
    rm -f "$pidfile"
    echo "world: $name stopped"
}

# pids_with_env VAR=VALUE: the pids of live processes whose environment
# holds VAR=VALUE (Postfix's master and every child it starts carry
# MAIL_CONFIG=<its configuration directory>).
pids_with_env() {
    local p
    for p in /proc/[0-9]*; do
        tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qxF -- "$1" && echo "${p#/proc/}"
    done
    return 0
}

# pids_cmdline_has TEXT: the pids of live processes whose command line (its
# arguments joined by spaces) contains TEXT. nginx rewrites its command
# line into one string, "nginx: master process nginx -c CONF".
pids_cmdline_has() {
    local p
    for p in /proc/[0-9]*; do
        tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$1" && echo "${p#/proc/}"
    done
    return 0
}

# proc_stat PID: "COMM STATE SESSION" of a process, from /proc/PID/stat
# (COMM may hold spaces; it is read up to the last ")"); nothing when the
# process is gone.
proc_stat() {
    local line comm
    local -a f
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 0
    comm=${line#*(}
    comm=${comm%)*}
    read -r -a f <<<"${line##*) }"
    echo "${comm// /_} ${f[0]} ${f[3]}"
}

# alive PID: true while the process runs (a zombie waiting for its parent
# to reap it, which can take seconds here, counts as gone).
alive() {
    local -a st
    read -r -a st <<<"$(proc_stat "$1")"
    [ ${#st[@]} = 3 ] && [ "${st[1]}" != Z ]
}

# pids_in_session COMM SID...: the live processes named COMM in one of the
# sessions SID. A daemon that calls setsid() (nginx) leads a session of its
# own pid, and its workers stay in it even when it dies.
pids_in_session() {
    local comm=$1 p sid
    local -a st
    shift
    [ $# -gt 0 ] || return 0
    for p in /proc/[0-9]*; do
        read -r -a st <<<"$(proc_stat "${p#/proc/}")"
        if [ ${#st[@]} != 3 ] || [ "${st[0]}" != "$comm" ] || [ "${st[1]}" = Z ]; then continue; fi
        for sid in "$@"; do
            [ "${st[2]}" = "$sid" ] && echo "${p#/proc/}"
        done
    done
    return 0
}

# kill_and_wait NAME PID...: SIGTERM the PIDs, wait, SIGKILL what is left.
kill_and_wait() {
    local name=$1 i left p
    shift
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null || true
    for ((i = 0; i < STOP_TRIES; i++)); do
        left=""
        for p in "$@"; do alive "$p" && left+="$p "; done
        [ -n "$left" ] || return 0
        sleep 0.1
    done
    echo "world: $name did not exit on SIGTERM; SIGKILL $left" >&2
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    sleep 0.2
}

# wait_listening ADDR PORT: true once something listens on ADDR:PORT (TCP).
wait_listening() {
    local i
    for ((i = 0; i < READY_TRIES; i++)); do
        [ -n "$(ss -Hltn "src $1:$2" 2>/dev/null)" ] && return 0
        sleep 0.2
    done
    return 1
}

# smtp_banner ADDR: the first 4 bytes a server on ADDR:25 sends (2 s at most).
smtp_banner() {
    # shellcheck disable=SC2016
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/25" && head -c 4 <&3' _ "$1" 2>/dev/null || true
}

# lo_add ADDR: give lo the address ADDR/32 (label LO_LABEL) unless it has it.
# An IPv6 ADDR ([::1]) is only looked for: lo's own, never added.
lo_add() {
    case $1 in
    \[*\])
        ip -6 -o addr show dev lo | grep -qF " ${1:1:-1}/" ;;
    *)
        ip -4 -o addr show dev lo | grep -qF " $1/" && return 0
        ip addr add "$1/32" dev lo label "$LO_LABEL" ;;
    esac
}

# lo_remove_all: remove every address world.sh added to lo.
lo_remove_all() {
    local a
    for a in $(ip -4 -o addr show dev lo label "$LO_LABEL" 2>/dev/null | awk '{print $4}'); do
        ip addr del "$a" dev lo 2>/dev/null || true
    done
}

# ---------------------------------------------------------------- nsd

nsd_conf() { echo "$STATE/nsd.conf"; }

# DNSSEC signatures made at start are valid from INCEPTION to EXPIRY, so the
# signed zones never go stale in a test's lifetime.
SIG_INCEPTION=20240101000000
SIG_EXPIRY=20500101000000

# zone_keys ZONE: the key basenames in dnssec/ of ZONE (K<zone>.+alg+id),
# none for an unsigned zone.
zone_keys() {
    local f
    for f in "$WORLD_DIR"/dnssec/K"$1".+*.private; do
        [ -e "$f" ] && echo "${f%.private}"
    done
    return 0
}

# sign_zones: every zone with keys in dnssec/ is signed (ldns-signzone,
# NSEC) into its copy in STATEDIR/zones, which NSD serves; the trust
# anchors (dnssec/*.anchor, zone-file DS records) go to
# STATEDIR/trust-anchor, and in delv's trust-anchors{} format (from the
# public keys) to STATEDIR/trust-anchor.delv.
sign_zones() {
    local zone keys
    for zone in $(zone_names); do
        keys=$(zone_keys "$zone")
        [ -n "$keys" ] || continue
        # shellcheck disable=SC2086
        ldns-signzone -i "$SIG_INCEPTION" -e "$SIG_EXPIRY" -o "$zone" \
            -f "$STATE/zones/$zone.zone" "$WORLD_DIR/zones/$zone.zone" $keys \
            >>"$STATE/nsd.start.out" 2>&1 ||
            fail_start nsd "ldns-signzone $zone: $(tail -n 5 "$STATE/nsd.start.out")"
    done
    cat "$WORLD_DIR"/dnssec/*.anchor >"$STATE/trust-anchor" 2>/dev/null || : >"$STATE/trust-anchor"
    {
        echo "trust-anchors {"
        cat "$WORLD_DIR"/dnssec/K*.key 2>/dev/null | awk '$3 == "DNSKEY" && $4 == 257 {
            printf "\t\"%s\" static-key %s %s %s \"%s\";\n", $1, $4, $5, $6, $7 }'
        echo "};"
    } >"$STATE/trust-anchor.delv"
}

nsd_start() {
    local conf zone z
    conf=$(nsd_conf)
    rm -rf "$STATE/zones" && mkdir -p "$STATE/zones" "$STATE/nsd.d"
    cp "$WORLD_DIR"/zones/*.zone "$STATE/zones/"
    : >"$STATE/nsd.start.out"
    sign_zones
    render "$WORLD_DIR/templates/nsd.conf.in" "$conf"
    for zone in $(zone_names); do
        printf '\nzone:\n\tname: "%s"\n\tzonefile: "%s.zone"\n' "$zone" "$zone" >>"$conf"
    done
    if [ ! -f "$STATE/nsd.d/nsd_control.pem" ]; then
        nsd-control-setup -d "$STATE/nsd.d" >"$STATE/nsd.d/control-setup.out" 2>&1 ||
            fail_start nsd "nsd-control-setup failed: $(cat "$STATE/nsd.d/control-setup.out")"
    fi
    nsd-checkconf "$conf" >>"$STATE/nsd.start.out" 2>&1 ||
        fail_start nsd "nsd-checkconf $conf: $(cat "$STATE/nsd.start.out")"
    for zone in $(zone_names); do
        z="$STATE/zones/$zone.zone"
        nsd-checkzone "$zone" "$z" >>"$STATE/nsd.start.out" 2>&1 ||
            fail_start nsd "nsd-checkzone $zone: $(tail -n 5 "$STATE/nsd.start.out")"
    done
    : >"$STATE/nsd.log"
    nsd -c "$conf" >>"$STATE/nsd.start.out" 2>&1 ||
        fail_start nsd "nsd exited $?: $(cat "$STATE/nsd.start.out")"
    for zone in $(zone_names); do
        wait_answers "$NSD_ADDR" "$zone" SOA +norecurse ||
            fail_start nsd "no answer from $NSD_ADDR for $zone SOA"
    done
}

nsd_stop() {
    stop_processes nsd nsd "$(nsd_conf)"
    rm -f "$STATE/nsd.pid"
}

nsd_status() { component_status nsd "$(nsd_conf)" "authoritative on $NSD_ADDR:53"; }

nsd_logs() {
    show_log "nsd start" "$STATE/nsd.start.out"
    show_log "nsd log" "$STATE/nsd.log"
}

# ---------------------------------------------------------------- unbound

unbound_conf() { echo "$STATE/unbound.conf"; }

unbound_start() {
    local conf zone locals="" stubs=""
    conf=$(unbound_conf)
    render "$WORLD_DIR/templates/root.hints.in" "$STATE/root.hints"
    for zone in $(zone_names); do
        locals+=$(printf '\tlocal-zone: "%s." transparent' "$zone")$'\n'
        stubs+=$(printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: %s\n\tstub-prime: no' \
            "$zone" "$NSD_ADDR")$'\n\n'
    done
    render "$WORLD_DIR/templates/unbound.conf.in" "$conf.tmp"
    while IFS= read -r line; do
        case $line in
        @LOCAL_ZONES@) printf '%s' "$locals" ;;
        @STUB_ZONES@) printf '%s' "$stubs" ;;
        *) printf '%s\n' "$line" ;;
        esac
    done <"$conf.tmp" >"$conf"
    rm -f "$conf.tmp"
    unbound-checkconf "$conf" >"$STATE/unbound.start.out" 2>&1 ||
        fail_start unbound "unbound-checkconf $conf: $(cat "$STATE/unbound.start.out")"
    : >"$STATE/unbound.log"
    unbound -c "$conf" >>"$STATE/unbound.start.out" 2>&1 ||
        fail_start unbound "unbound exited $?: $(cat "$STATE/unbound.start.out")"
    wait_answers "$RESOLVER_ADDR" _dmarc.good.govt.nz TXT ||
        fail_start unbound "no answer from $RESOLVER_ADDR for _dmarc.good.govt.nz TXT"
    for zone in $(zone_names); do
        wait_answers "$RESOLVER_ADDR" "$zone" SOA ||
            fail_start unbound "no answer from $RESOLVER_ADDR for $zone SOA"
    done
}

unbound_stop() {
    stop_processes unbound unbound "$(unbound_conf)"
    rm -f "$STATE/unbound.pid"
}

unbound_status() { component_status unbound "$(unbound_conf)" "recursive on $RESOLVER_ADDR:53"; }

unbound_logs() {
    show_log "unbound start" "$STATE/unbound.start.out"
    show_log "unbound log" "$STATE/unbound.log"
}

# ---------------------------------------------------------------- postfix

# The instance: configuration in STATEDIR/postfix/conf (Postfix wants its
# configuration directory owned by root throughout, so the queue and data
# directories, owned by postfix, sit beside it), queue, data, log.
postfix_dir() { echo "$STATE/postfix/conf"; }

# postfix_addrs: the listener addresses of templates/postfix-master.cf.in,
# 127.77.0.x and [::1] (IPv6 in brackets, as Postfix and ss write it).
postfix_addrs() {
    grep -oE '^(127\.77\.0\.[0-9]+|\[::1\]):25 ' "$WORLD_DIR/templates/postfix-master.cf.in" |
        sed 's/:25 $//'
}

# postfix_pids: every process of the instance in STATEDIR/postfix.
postfix_pids() { pids_with_env "MAIL_CONFIG=$(postfix_dir)"; }

postfix_start() {
    local dir addr uid gid
    dir=$(postfix_dir)
    mkdir -p "$dir" "$STATE/postfix/queue" "$STATE/postfix/data" "$STATE/mail"
    chown postfix:postfix "$STATE/postfix/data"
    # The virtual mailbox's owner (virtual(8) will not deliver as root).
    uid=$(id -u nobody) gid=$(id -g nobody)
    chown "$uid:$gid" "$STATE/mail"
    render "$WORLD_DIR/templates/postfix-main.cf.in" "$dir/main.cf" \
        -e "s|@POSTFIX_ADDRS@|$(postfix_addrs | paste -sd, | sed 's/,/, /g')|" \
        -e "s|@MAIL_UID@|$uid|" -e "s|@MAIL_GID@|$gid|"
    render "$WORLD_DIR/templates/postfix-master.cf.in" "$dir/master.cf"
    for addr in $(postfix_addrs); do
        case $addr in
        \[*) lo_add "$addr" || fail_start postfix "lo has no ${addr:1:-1} (IPv6 off?); world.sh never adds it" ;;
        *) lo_add "$addr" || fail_start postfix "cannot add $addr to lo" ;;
        esac
    done
    : >"$STATE/postfix/maillog"
    : >"$dir/start.out"
    postfix -c "$dir" start >>"$dir/start.out" 2>&1 ||
        fail_start postfix "postfix start: $(cat "$dir/start.out"); postconf: $(postconf -c "$dir" -n 2>&1 | grep -i -E 'warn|fatal|error' | head -n 5)"
    for addr in $(postfix_addrs); do
        wait_listening "$addr" 25 || fail_start postfix "nothing listens on $addr:25"
    done
    [ "$(smtp_banner 127.77.0.25)" = "220 " ] || fail_start postfix "no 220 banner from 127.77.0.25:25"
}

postfix_stop() {
    local dir pids
    dir=$(postfix_dir)
    pids=$(postfix_pids)
    if [ -n "$pids" ]; then
        if [ -f "$dir/main.cf" ] && postfix -c "$dir" status >/dev/null 2>&1; then
            postfix -c "$dir" stop >>"$dir/start.out" 2>&1 || true
        fi
        # postfix stop returns before every child has gone, and a crashed
        # master leaves them behind: what is left of the instance is killed.
        # shellcheck disable=SC2046
        kill_and_wait postfix $(postfix_pids)
        echo "world: postfix stopped"
    fi
    lo_remove_all
}

postfix_status() {
    local dir pids=""
    dir=$(postfix_dir)
    if [ -f "$dir/main.cf" ] && postfix -c "$dir" status >/dev/null 2>&1; then
        pids=$(postfix_pids)
    fi
    # shellcheck disable=SC2086
    status_line postfix "MX hosts on $(postfix_addrs | paste -sd ' ') :25" $pids
}

postfix_logs() {
    show_log "postfix start" "$(postfix_dir)/start.out"
    show_log "postfix log" "$STATE/postfix/maillog"
}

# ---------------------------------------------------------------- hostile

# Matched by its pid file alone: a world started from another tree runs
# another copy of hostile_smtp.py, and stop_other_world must stop it too.
hostile_pids() { pids_running "$STATE/hostile.pid"; }

# hostile_addrs: the addresses hostile_smtp.py listens on.
hostile_addrs() {
    local l
    for l in "${HOSTILE_LISTEN[@]}"; do echo "${l##*=}"; done
}

hostile_start() {
    local l args=() addr
    for l in "${HOSTILE_LISTEN[@]}"; do args+=(--listen "$l"); done
    rm -f "$STATE/hostile.pid"
    : >"$STATE/hostile.log"
    : >"$STATE/hostile.start.out"
    setsid /usr/bin/python3 "$WORLD_DIR/hostile_smtp.py" "${args[@]}" \
        --pidfile "$STATE/hostile.pid" --log "$STATE/hostile.log" \
        </dev/null >>"$STATE/hostile.start.out" 2>&1 &
    for addr in $(hostile_addrs); do
        wait_listening "$addr" 25 || fail_start hostile "nothing listens on $addr:25"
    done
    [ "$(smtp_banner 127.77.0.72)" = "220 " ] || fail_start hostile "no 220 banner from 127.77.0.72:25"
}

# shellcheck disable=SC2046
hostile_stop() { stop_pids hostile "$STATE/hostile.pid" $(hostile_pids); }

# shellcheck disable=SC2046
hostile_status() {
    status_line hostile "hostile SMTP on $(hostile_addrs | paste -sd ' ') :25" $(hostile_pids)
}

hostile_logs() {
    show_log "hostile start" "$STATE/hostile.start.out"
    show_log "hostile log" "$STATE/hostile.log"
}

# ---------------------------------------------------------------- nginx

nginx_conf() { echo "$STATE/nginx/nginx.conf"; }

# nginx_pids: the master started with STATEDIR's configuration and its
# workers: every nginx process in the master's session (the pid file's, or
# the one whose command line names the configuration), so that workers
# left behind by a master that crashed are found too.
nginx_pids() {
    local sids
    sids=$(pids_cmdline_has "-c $(nginx_conf)")
    [ -s "$STATE/nginx/nginx.pid" ] && sids+=" $(cat "$STATE/nginx/nginx.pid")"
    # shellcheck disable=SC2086
    pids_in_session nginx $sids | sort -un
}

# nginx_policy_servers: a plain server block for every policies/<domain>.txt
# whose host has no hand-written block in the template; with the shared
# mta-sts.pem, or pki/mta-sts.<domain>.pem where the host has its own (one
# added after mta-sts.pem was made: pki/make-pki.sh).
nginx_policy_servers() {
    local f domain host
    for f in "$POLICY_DIR"/*.txt; do
        domain=$(basename "$f" .txt)
        host=mta-sts.$domain
        grep -qE "server_name +$host;" "$WORLD_DIR/templates/nginx.conf.in" && continue
        printf '\t# %s: policies/%s.txt\n' "$domain" "$domain"
        printf '\tserver {\n\t\tlisten %s:443 ssl;\n\t\tserver_name %s;\n' "$NGINX_ADDR" "$host"
        if [ -f "$PKI_DIR/$host.pem" ]; then
            printf '\t\tssl_certificate %s;\n\t\tssl_certificate_key %s;\n' \
                "$PKI_DIR/$host.pem" "$PKI_DIR/$host.key"
        fi
        printf '\t\tlocation = /.well-known/mta-sts.txt {\n\t\t\tdefault_type text/plain;\n'
        printf '\t\t\talias %s;\n\t\t}\n' "$f"
        printf '\t\tlocation / {\n\t\t\treturn 404;\n\t\t}\n\t}\n\n'
    done
}

nginx_start() {
    local conf dir line
    conf=$(nginx_conf)
    dir=$STATE/nginx
    mkdir -p "$dir/tmp"
    render "$WORLD_DIR/templates/nginx.conf.in" "$conf.tmp"
    while IFS= read -r line; do
        case $line in
        @POLICY_SERVERS@) nginx_policy_servers ;;
        *) printf '%s\n' "$line" ;;
        esac
    done <"$conf.tmp" >"$conf"
    rm -f "$conf.tmp"
    : >"$dir/error.log"
    nginx -t -q -c "$conf" -e "$dir/error.log" >"$dir/start.out" 2>&1 ||
        fail_start nginx "nginx -t: $(cat "$dir/start.out") $(tail -n 5 "$dir/error.log")"
    nginx -c "$conf" -e "$dir/error.log" >>"$dir/start.out" 2>&1 ||
        fail_start nginx "nginx exited $?: $(cat "$dir/start.out") $(tail -n 5 "$dir/error.log")"
    wait_listening "$NGINX_ADDR" 443 || fail_start nginx "nothing listens on $NGINX_ADDR:443"
}

# shellcheck disable=SC2046
nginx_stop() { stop_pids nginx "$STATE/nginx/nginx.pid" $(nginx_pids); }

# shellcheck disable=SC2046
nginx_status() { status_line nginx "MTA-STS policy hosts on $NGINX_ADDR:443" $(nginx_pids); }

nginx_logs() {
    show_log "nginx start" "$STATE/nginx/start.out"
    show_log "nginx error log" "$STATE/nginx/error.log"
    show_log "nginx access log" "$STATE/nginx/access.log"
}

# ---------------------------------------------------------------- postgres

# The cluster: STATEDIR/postgres (owned by the postgres user: initdb and the
# server refuse to run as root) holds the configuration rendered from
# templates/, the unix socket, the logs, and data/, the cluster initdb
# made. data/ is kept across starts (initdb takes seconds, a start a
# fraction of one); the database tiaki is dropped and made again at every
# start, so tests begin with an empty store.
postgres_dir() { echo "$STATE/postgres"; }

# postgres_bin: the server's bin directory, the newest installed.
postgres_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] && [ -x "$d/postgres" ] && echo "$d"
}

# postgres_pids: the postmaster of STATEDIR's cluster (started with
# -D STATEDIR/postgres/data) and its children.
postgres_pids() {
    local master p
    master=$(pids_running "$(postgres_dir)/data" | head -n 1)
    [ -n "$master" ] || return 0
    echo "$master"
    for p in /proc/[0-9]*; do
        grep -qx "PPid:[[:space:]]*$master" "$p/status" 2>/dev/null && echo "${p#/proc/}"
    done
    return 0
}

# user_traverse USER DIR: USER (a server's unprivileged user) must reach
# DIR; a parent that lets only its owner in gets search permission for
# others (o+x: enter, not list), said on stdout.
user_traverse() {
    local user=$1 d=$2
    runuser -u "$user" -- test -x "$d" && return 0
    while [ "$d" != / ]; do
        d=$(dirname "$d")
        if ! runuser -u "$user" -- test -x "$d"; then
            chmod o+x "$d" && echo "world: gave others search permission on $d (the $user user reaches $2)"
        fi
    done
    runuser -u "$user" -- test -x "$2"
}

# postgres_psql SQL: run SQL as the superuser over the unix socket.
postgres_psql() {
    runuser -u postgres -- "$(postgres_bin)/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$(postgres_dir)" -p "$PG_PORT" -U postgres -d postgres -c "$1"
}

postgres_start() {
    local dir bin
    dir=$(postgres_dir)
    bin=$(postgres_bin) || fail_start postgres "no PostgreSQL server in /usr/lib/postgresql: run 'make deps'"
    id postgres >/dev/null 2>&1 || fail_start postgres "no postgres user: run 'make deps'"
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 0700 "$dir"
    user_traverse postgres "$dir" || fail_start postgres "the postgres user cannot reach $dir"
    : >"$dir/start.out"
    chown postgres:postgres "$dir/start.out"
    if [ ! -f "$dir/data/PG_VERSION" ] || [ "$(cat "$dir/data/PG_VERSION")" != "$(basename "$(dirname "$bin")")" ]; then
        rm -rf "$dir/data"
        runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
            --locale=C --no-sync --no-instructions >>"$dir/start.out" 2>&1 ||
            fail_start postgres "initdb: $(tail -n 5 "$dir/start.out")"
    fi
    render "$WORLD_DIR/templates/postgresql.conf.in" "$dir/postgresql.conf" \
        -e "s|@PG_ADDR@|$PG_ADDR|g" -e "s|@PG_PORT@|$PG_PORT|g"
    render "$WORLD_DIR/templates/pg_hba.conf.in" "$dir/pg_hba.conf" -e "s|@PG_ADDR@|$PG_ADDR|g"
    : >"$dir/pg_ident.conf"
    : >"$dir/postgres.log"
    chown postgres:postgres "$dir/postgresql.conf" "$dir/pg_hba.conf" "$dir/pg_ident.conf" "$dir/postgres.log"
    # Clients connecting to PG_ADDR come from it (pg_hba.conf) once lo has it.
    lo_add "$PG_ADDR" || fail_start postgres "cannot add $PG_ADDR to lo"
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
        -o "-c config_file=$dir/postgresql.conf" start >>"$dir/start.out" 2>&1 ||
        fail_start postgres "pg_ctl start: $(tail -n 5 "$dir/start.out")"
    wait_listening "$PG_ADDR" "$PG_PORT" || fail_start postgres "nothing listens on $PG_ADDR:$PG_PORT"
    {
        postgres_psql "DROP DATABASE IF EXISTS tiaki WITH (FORCE)" &&
            postgres_psql "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tiaki') THEN CREATE ROLE tiaki LOGIN; END IF; END \$\$" &&
            postgres_psql "CREATE DATABASE tiaki OWNER tiaki"
    } >>"$dir/start.out" 2>&1 || fail_start postgres "making the database tiaki: $(tail -n 5 "$dir/start.out")"
}

postgres_stop() {
    local dir pids
    dir=$(postgres_dir)
    pids=$(postgres_pids)
    [ -n "$pids" ] || return 0
    runuser -u postgres -- "$(postgres_bin)/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop \
        >>"$dir/start.out" 2>&1 || true
    # shellcheck disable=SC2046
    kill_and_wait postgres $(postgres_pids)
    echo "world: postgres stopped"
}

# shellcheck disable=SC2046
postgres_status() {
    status_line postgres "PostgreSQL on $PG_ADDR:$PG_PORT, database tiaki" $(postgres_pids)
}

postgres_logs() {
    show_log "postgres start" "$(postgres_dir)/start.out"
    show_log "postgres log" "$(postgres_dir)/postgres.log"
}

# ---------------------------------------------------------------- dovecot

# imap.reports.example, the mailbox an agency's aggregate and TLS reports
# arrive in (`tiaki reports ingest imaps://...`): Dovecot run from its own
# configuration, templates/dovecot.conf.in rendered into STATEDIR/dovecot
# (base_dir, state_dir, logs, the passwd-file and the Maildirs all in
# there; nothing of /etc/dovecot is read). The mailbox is emptied and
# seeded again at every start, so tests begin with the same INBOX.
dovecot_dir() { echo "$STATE/dovecot"; }
dovecot_conf() { echo "$STATE/dovecot/dovecot.conf"; }

# The one user (password in plain text in STATEDIR/dovecot/passwd: a test
# world protects nothing) and the system user that owns the mail (Dovecot
# will not give mail access as root).
DOVECOT_USER=dmarc
DOVECOT_PASSWORD=tiaki-test
DOVECOT_MAIL_USER=nobody

# The report mails seeded into the INBOX, from the parsedmarc samples
# (../shared/testdata/reports/parsedmarc-samples): aggregate reports mailed
# by Google (zip attachment), Mimecast (a gzip body) and another reporter,
# Google's TLS-RPT report, and a DMARC failure report (no aggregate report
# in it). TIAKI_SHARED names the shared folder when it is elsewhere.
DOVECOT_SEEDS=(
    "aggregate/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml"
    aggregate/mimecast-weird-gzip.eml
    aggregate/twilight.eml
    smtp_tls/google.com_smtp_tls_report.eml
    failure/dmarc_ruf_report_linkedin.eml
)

# dovecot_pids: the master started with STATEDIR's configuration (or named
# by its pid file) and every process of its session whose title is one of
# the instance's (dovecot-tiaki-world/...): the master calls setsid(), and
# its children stay in the session even when it dies.
dovecot_pids() {
    local sids p sid title
    local -a st
    sids=$(pids_running "$(dovecot_conf)")
    [ -s "$STATE/dovecot/run/master.pid" ] && sids+=" $(cat "$STATE/dovecot/run/master.pid")"
    [ -n "${sids// /}" ] || return 0
    for p in /proc/[0-9]*; do
        read -r -a st <<<"$(proc_stat "${p#/proc/}")"
        if [ ${#st[@]} != 3 ] || [ "${st[1]}" = Z ]; then continue; fi
        for sid in $sids; do
            [ "${st[2]}" = "$sid" ] || continue
            title=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || true
            case $title in
            *"dovecot -c $(dovecot_conf) " | dovecot-tiaki-world/*) echo "${p#/proc/}" ;;
            esac
        done
    done | sort -un
    return 0
}

# dovecot_seed: an empty Maildir for the user, with DOVECOT_SEEDS delivered
# to new/ under unique Maildir names (TIME.PPID_QN.HOST,S=SIZE), with
# CRLF line ends: the bytes IMAP hands out are the bytes of the file.
# STATEDIR/dovecot/seeded lists them in delivery (and UID) order:
# file name, size, sample.
dovecot_seed() {
    local dir mail samples f i=0 name now size
    dir=$(dovecot_dir)
    mail=$dir/mail/$DOVECOT_USER
    samples=${TIAKI_SHARED:-$WORLD_DIR/../../../shared}/testdata/reports/parsedmarc-samples
    rm -rf "$dir/mail"
    mkdir -p "$mail/new" "$mail/cur" "$mail/tmp"
    : >"$dir/seeded"
    now=$(date +%s)
    for f in "${DOVECOT_SEEDS[@]}"; do
        if [ ! -f "$samples/$f" ]; then
            echo "world: dovecot: no sample $samples/$f; the INBOX goes without it" >&2
            continue
        fi
        i=$((i + 1))
        name=$now.P$$Q$i.imap.reports.example
        LC_ALL=C sed -e 's/\r$//' -e 's/$/\r/' "$samples/$f" >"$mail/tmp/$name"
        size=$(stat -c %s "$mail/tmp/$name")
        mv "$mail/tmp/$name" "$mail/new/$name,S=$size"
        printf '%s\t%s\t%s\n' "$name,S=$size" "$size" "$f" >>"$dir/seeded"
    done
    chown -R "$DOVECOT_MAIL_USER:$(id -gn "$DOVECOT_MAIL_USER")" "$dir/mail"
    chmod -R go-rwx "$dir/mail"
}

# imap_greeting ADDR PORT: the first 4 bytes a server on ADDR:PORT sends
# (2 s at most; PORT 143, in the clear: "* OK").
imap_greeting() {
    # shellcheck disable=SC2016
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2" && head -c 4 <&3' _ "$1" "$2" 2>/dev/null || true
}

dovecot_start() {
    local dir conf
    dir=$(dovecot_dir)
    conf=$(dovecot_conf)
    command -v dovecot >/dev/null || fail_start dovecot "no dovecot: run 'make deps'"
    { id dovecot && id dovenull; } >/dev/null 2>&1 ||
        fail_start dovecot "no dovecot or dovenull user: run 'make deps'"
    mkdir -p "$dir/state"
    chmod 0755 "$dir"
    # The mail processes (DOVECOT_MAIL_USER) and the auth process (user
    # dovecot, reading the passwd-file) work below STATEDIR.
    user_traverse "$DOVECOT_MAIL_USER" "$dir" || fail_start dovecot "$DOVECOT_MAIL_USER cannot reach $dir"
    user_traverse dovecot "$dir" || fail_start dovecot "the dovecot user cannot reach $dir"
    render "$WORLD_DIR/templates/dovecot.conf.in" "$conf" -e "s|@DOVECOT_ADDR@|$DOVECOT_ADDR|g" \
        -e "s|@MAIL_USER@|$DOVECOT_MAIL_USER|g" -e "s|@MAIL_GROUP@|$(id -gn "$DOVECOT_MAIL_USER")|g"
    printf '%s:{PLAIN}%s\n' "$DOVECOT_USER" "$DOVECOT_PASSWORD" >"$dir/passwd"
    chown root:dovecot "$dir/passwd"
    chmod 0640 "$dir/passwd"
    dovecot_seed
    : >"$dir/dovecot.log"
    : >"$dir/start.out"
    dovecot -c "$conf" >>"$dir/start.out" 2>&1 ||
        fail_start dovecot "dovecot exited $?: $(cat "$dir/start.out") $(tail -n 5 "$dir/dovecot.log")"
    wait_listening "$DOVECOT_ADDR" 143 || fail_start dovecot "nothing listens on $DOVECOT_ADDR:143"
    wait_listening "$DOVECOT_ADDR" 993 || fail_start dovecot "nothing listens on $DOVECOT_ADDR:993"
    [ "$(imap_greeting "$DOVECOT_ADDR" 143)" = "* OK" ] ||
        fail_start dovecot "no * OK greeting from $DOVECOT_ADDR:143"
}

# shellcheck disable=SC2046
dovecot_stop() { stop_pids dovecot "$STATE/dovecot/run/master.pid" $(dovecot_pids); }

# shellcheck disable=SC2046
dovecot_status() {
    status_line dovecot "IMAP imap.reports.example on $DOVECOT_ADDR:143 (STARTTLS) and :993 (TLS)" \
        $(dovecot_pids)
}

dovecot_logs() {
    show_log "dovecot start" "$(dovecot_dir)/start.out"
    show_log "dovecot log" "$(dovecot_dir)/dovecot.log"
}

# ---------------------------------------------------------------- commands

cmd_start() {
    local comp addr port users
    [ "$(id -u)" = 0 ] || die "start needs root (the servers bind ports 53, 25, 443, 143 and 993)"
    for tool in nsd nsd-control-setup nsd-checkconf nsd-checkzone ldns-signzone unbound \
        unbound-checkconf dig ss ip postfix nginx dovecot timeout runuser /usr/bin/python3; do
        command -v "$tool" >/dev/null || die "$tool not found: run 'make deps'"
    done
    cmd_stop >/dev/null
    for addr in "$NSD_ADDR:53" "$RESOLVER_ADDR:53" "$NGINX_ADDR:443" "$PG_ADDR:$PG_PORT" \
        "$DOVECOT_ADDR:143" "$DOVECOT_ADDR:993" $(postfix_addrs | sed 's/$/:25/') $(hostile_addrs | sed 's/$/:25/'); do
        port=${addr##*:} addr=${addr%:*}
        stop_other_world "$addr" "$port"
        users=$(port_users "$addr" "$port")
        [ -z "$users" ] || die "$addr:$port is already in use:
$users"
    done
    # A server bound to every address at one of the world's ports (a
    # distribution's own unbound, dnsmasq, Postfix or nginx) keeps the
    # world from binding its own.
    for port in 53 25 443 "$PG_PORT" 143 993; do
        users=$(ss -Hlnptu "sport = :$port" 2>/dev/null | awk -v p=":$port" '$5 == "0.0.0.0" p || $5 == "*" p || $5 == "[::]" p' || true)
        [ -z "$users" ] || die "a server listens on every address at port $port; stop it first:
$users"
    done
    rm -f "$STATE/resolver" "$STATE/nsd" "$STATE/postgresql" "$STATE/imap" "$STATE/imap-connect"
    for comp in "${COMPONENTS[@]}"; do
        "${comp}_start"
    done
    echo "$RESOLVER_ADDR" >"$STATE/resolver"
    echo "$NSD_ADDR" >"$STATE/nsd"
    echo "postgresql://tiaki@$PG_ADDR:$PG_PORT/tiaki" >"$STATE/postgresql"
    echo "imaps://$DOVECOT_USER@imap.reports.example/INBOX" >"$STATE/imap"
    echo "$DOVECOT_ADDR" >"$STATE/imap-connect"
    for comp in "${COMPONENTS[@]}"; do
        echo "world: $("${comp}_status")"
    done
    echo "world: zones $(zone_names | tr '\n' ' ')"
    echo "world: state in $STATE; tiaki check --resolver $(cat "$STATE/resolver")"
}

cmd_stop() {
    local i
    for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
        "${COMPONENTS[$i]}_stop"
    done
    rm -f "$STATE/resolver" "$STATE/nsd" "$STATE/postgresql" "$STATE/imap" "$STATE/imap-connect"
}

cmd_status() {
    local comp rc=0
    for comp in "${COMPONENTS[@]}"; do
        "${comp}_status" || rc=1
    done
    return $rc
}

[ $# = 2 ] || usage
case $1 in
start | stop | status) ;;
*) usage ;;
esac
mkdir -p "$2"
STATE=$(cd "$2" && pwd)
"cmd_$1"
