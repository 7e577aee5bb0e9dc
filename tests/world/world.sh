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
# Runs as root (real port 53). Everything it writes (configurations
# rendered from templates/, zone copies, pid files, logs, keys) lives in
# STATEDIR; it binds only the addresses of the plan below, never 0.0.0.0
# or 127.0.0.1. On start it writes STATEDIR/resolver (what tests pass to
# `tiaki check --resolver`) and STATEDIR/nsd (the authoritative server).
#
# Address plan, 127.77.0.0/24 (each host its own loopback address):
#   127.77.0.53  NSD, authoritative for every tests/world/zones/*.zone
#   127.77.0.54  unbound, recursive, a stub-zone per test zone -> NSD
#   127.77.0.25  mx1.good.govt.nz   } mail hosts of good.govt.nz (later: Postfix :25)
#   127.77.0.26  mx2.good.govt.nz   }
#   127.77.0.30  govt-nz.mail.protection.outlook.com, the shared MX of the test domains
#   127.77.0.31  mx.reports.example, the external DMARC report receiver
#   127.77.0.43  mta-sts.good.govt.nz (later: nginx :443)
#   127.77.0.80  payme.good.govt.nz (a parked sub-domain's single A record)
#   127.77.0.99  ns1.dead.govt.nz: nothing listens there, ever
#
# Components: one set of functions per component, COMP_start, COMP_stop,
# COMP_status (prints one line, true when running) and COMP_logs; the
# COMPONENTS list gives the start order (stop runs in reverse). Adding a
# server (nginx for MTA-STS, Postfix MX hosts) is adding its functions
# and its name to the list.
set -euo pipefail

WORLD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NSD_ADDR=127.77.0.53
RESOLVER_ADDR=127.77.0.54
COMPONENTS=(nsd unbound)

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

# render TEMPLATE OUT: copy a template, filling in @STATE@, @NSD_ADDR@ and
# @RESOLVER_ADDR@.
render() {
    sed -e "s|@STATE@|$STATE|g" -e "s|@NSD_ADDR@|$NSD_ADDR|g" \
        -e "s|@RESOLVER_ADDR@|$RESOLVER_ADDR|g" "$1" >"$2"
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

# stop_other_world ADDR PORT: the world's addresses are fixed, so there is
# one world per machine. When a world started from another state directory
# (another build tree) holds ADDR:PORT, stop it with its own world.sh stop;
# anything else holding the address is left alone (start then fails).
stop_other_world() {
    local pid conf dir
    for pid in $(port_users "$1" "$2" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
        conf=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -E '/(nsd|unbound)\.conf$' | head -n 1) || true
        [ -n "$conf" ] && [ -f "$conf" ] || continue
        grep -q "tiaki's test world" "$conf" || continue
        dir=$(dirname "$conf")
        [ "$dir" != "$STATE" ] || continue
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

# component_status NAME CONF WHAT: one line saying whether the server
# NAME started with CONF runs; exits 1 when it does not.
component_status() {
    local pids
    pids=$(pids_running "$1" "$2" | tr '\n' ' ')
    if [ -n "$pids" ]; then
        echo "$1: running (pids ${pids% }), $3"
    else
        echo "$1: stopped"
        return 1
    fi
}

# ---------------------------------------------------------------- nsd

nsd_conf() { echo "$STATE/nsd.conf"; }

nsd_start() {
    local conf zone z
    conf=$(nsd_conf)
    rm -rf "$STATE/zones" && mkdir -p "$STATE/zones" "$STATE/nsd.d"
    cp "$WORLD_DIR"/zones/*.zone "$STATE/zones/"
    render "$WORLD_DIR/templates/nsd.conf.in" "$conf"
    for zone in $(zone_names); do
        printf '\nzone:\n\tname: "%s"\n\tzonefile: "%s.zone"\n' "$zone" "$zone" >>"$conf"
    done
    if [ ! -f "$STATE/nsd.d/nsd_control.pem" ]; then
        nsd-control-setup -d "$STATE/nsd.d" >"$STATE/nsd.d/control-setup.out" 2>&1 ||
            fail_start nsd "nsd-control-setup failed: $(cat "$STATE/nsd.d/control-setup.out")"
    fi
    nsd-checkconf "$conf" >"$STATE/nsd.start.out" 2>&1 ||
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

# ---------------------------------------------------------------- commands

cmd_start() {
    local comp addr users
    [ "$(id -u)" = 0 ] || die "start needs root (the servers bind port 53)"
    for tool in nsd nsd-control-setup nsd-checkconf nsd-checkzone unbound unbound-checkconf dig ss; do
        command -v "$tool" >/dev/null || die "$tool not found: run 'make deps'"
    done
    cmd_stop >/dev/null
    for addr in "$NSD_ADDR" "$RESOLVER_ADDR"; do
        stop_other_world "$addr" 53
        users=$(port_users "$addr" 53)
        [ -z "$users" ] || die "$addr:53 is already in use:
$users"
    done
    # A server bound to every address at port 53 (a distribution's own
    # unbound or dnsmasq) keeps the world from binding its own.
    users=$(ss -Hlnptu 'sport = :53' 2>/dev/null | awk '$5 ~ /^(0\.0\.0\.0|\*|\[::\]):53$/' || true)
    [ -z "$users" ] || die "a server listens on every address at port 53; stop it first:
$users"
    rm -f "$STATE/resolver" "$STATE/nsd"
    for comp in "${COMPONENTS[@]}"; do
        "${comp}_start"
    done
    echo "$RESOLVER_ADDR" >"$STATE/resolver"
    echo "$NSD_ADDR" >"$STATE/nsd"
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
    rm -f "$STATE/resolver" "$STATE/nsd"
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
