# bench/lib.sh: what the benchmark scripts share (sourced, not run):
# number formatting, arithmetic, the machine's load, an NSD of the
# benchmark's own on a loopback address (state in the caller's directory,
# stopped by nsd_stop), and a PostgreSQL cluster of its own (pg_own,
# stopped by pg_stop). Field notes: ../shared/design/FIELD-NOTES.md.

# fmt NUMBER [DECIMALS]: a number with thousands separators.
fmt() { LC_ALL=C awk -v x="$1" -v d="${2:-0}" 'BEGIN {
    s = sprintf("%." d "f", x); n = split(s, p, "."); i = p[1]; neg = "";
    if (substr(i, 1, 1) == "-") { neg = "-"; i = substr(i, 2) }
    o = ""; while (length(i) > 3) { o = "," substr(i, length(i) - 2) o; i = substr(i, 1, length(i) - 3) }
    o = neg i o; if (n > 1) o = o "." p[2]; print o }'; }

# calc EXPR: floating-point arithmetic.
calc() { LC_ALL=C awk "BEGIN { printf \"%.6f\", $1 }"; }

# median X...: the middle of the numbers given (the lower of the two
# middle ones for an even count).
median() { printf '%s\n' "$@" | LC_ALL=C sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

now_ns() { date +%s%N; }

section() { printf '\n== %s\n' "$*"; }

# busy: the load average and what else is using the CPUs (the figures
# assume an otherwise idle machine; say so when it is not).
busy() {
    local others
    others=$(top -b -n 2 -d 0.5 -w 200 2>/dev/null | awk '/^top -/ { n++ }
        n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 20 { printf "%s%s (pid %s, %s%% CPU)", sep, $12, $1, $9; sep = ", " }')
    echo "  load average $(cut -d' ' -f1-3 /proc/loadavg)${others:+; busy: $others}"
}

# nsd_start STATE ADDR CONTROL_PORT SERVERS ZONE...: an NSD authoritative
# for each ZONE (zone file STATE/zones/ZONE.zone) on ADDR:53, every file
# in STATE; waits until it answers the first zone's SOA. Sets NSD_PID and
# NSD_CONF. Debian's NSD rate-limits responses (RRL, 200/s per /24):
# every query here comes from 127.0.0.1, so RRL is off.
nsd_start() {
    local state=$1 addr=$2 port=$3 servers=$4 z i t0
    shift 4
    NSD_CONF=$state/nsd.conf
    NSD_ADDR=$addr
    cat >"$NSD_CONF" <<EOF
# nsd.conf of a tiaki benchmark: a loopback address of its own, every
# file in $state.
server:
	ip-address: $addr
	port: 53
	do-ip4: yes
	do-ip6: no
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$state/zones"
	zonelistfile: "$state/zone.list"
	xfrdfile: "$state/xfrd.state"
	xfrdir: "$state"
	pidfile: "$state/nsd.pid"
	logfile: "$state/nsd.log"
	verbosity: 1
	server-count: $servers
	reuseport: yes
	hide-version: yes
	identity: "tiaki-bench"
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	zonefiles-write: 0

remote-control:
	control-enable: yes
	control-interface: $addr
	control-port: $port
	server-key-file: "$state/nsd_server.key"
	server-cert-file: "$state/nsd_server.pem"
	control-key-file: "$state/nsd_control.key"
	control-cert-file: "$state/nsd_control.pem"
EOF
    for z in "$@"; do
        printf '\nzone:\n\tname: "%s"\n\tzonefile: "%s.zone"\n' "$z" "$z" >>"$NSD_CONF"
    done
    nsd-control-setup -d "$state" >"$state/control-setup.out" 2>&1 ||
        die "nsd-control-setup failed: $(cat "$state/control-setup.out")"
    nsd-checkconf "$NSD_CONF" || die "nsd-checkconf failed"
    t0=$(now_ns)
    nsd -c "$NSD_CONF" >"$state/nsd.start.out" 2>&1 ||
        die "nsd failed to start: $(cat "$state/nsd.start.out") $(tail -5 "$state/nsd.log" 2>/dev/null)"
    for i in $(seq 600); do
        [ -s "$state/nsd.pid" ] && NSD_PID=$(cat "$state/nsd.pid")
        if [ -n "${NSD_PID:-}" ] &&
            [ "$(dig +short +norecurse +time=1 +tries=1 @"$addr" "$1" SOA 2>/dev/null)" != "" ]; then
            break
        fi
        [ "$i" = 600 ] && die "NSD gave no answer for $1 SOA in 60 s: $(tail -5 "$state/nsd.log")"
        sleep 0.1
    done
    echo "NSD pid $NSD_PID on $addr answering after $(calc "($(now_ns) - $t0) / 1e9" | xargs printf '%.1f') s"
}

# nsd_stop: stops the NSD of nsd_start, if it runs. The pid file names
# one NSD process; the others follow it out.
nsd_stop() {
    local i
    if [ -n "${NSD_PID:-}" ] && kill -0 "$NSD_PID" 2>/dev/null; then
        kill "$NSD_PID" 2>/dev/null || true
        for i in $(seq 50); do
            kill -0 "$NSD_PID" 2>/dev/null || ss -Hlnu "src $NSD_ADDR:53" | grep -q . || break
            sleep 0.1
        done
    fi
}

# nsd_queries: the questions NSD has answered so far.
nsd_queries() {
    nsd-control -c "$NSD_CONF" stats_noreset 2>/dev/null | sed -n 's/^num\.queries=//p'
}

# port53_free ADDR: dies when something already listens on ADDR:53.
port53_free() {
    if ss -Hlnu "src $1:53" 2>/dev/null | grep -q . || ss -Hlnt "src $1:53" 2>/dev/null | grep -q .; then
        die "something already listens on $1:53: $(ss -Hlnup "src $1:53" | head -1)"
    fi
}

# pg_own ADDR PORT NAME: a PostgreSQL cluster of the benchmark's own in a
# new directory under /tmp, listening on ADDR:PORT only, with the
# server's default durability (fsync on, synchronous_commit on); a
# database "bench". Sets PG_URL, PG_DIR, PG_BIN and PG_WHAT. Needs root
# (initdb runs as the postgres user) and the postgresql package.
pg_own() {
    local addr=$1 port=$2 ver
    [ "$(id -u)" = 0 ] || die "a PostgreSQL cluster of its own needs root (initdb runs as postgres); or give --pg URL"
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || die "no PostgreSQL server (make deps)"
    id postgres >/dev/null 2>&1 || die "no postgres user (make deps)"
    PG_DIR=$(mktemp -d "/tmp/tiaki-$3-pg.XXXXXX")
    chown postgres:postgres "$PG_DIR"
    chmod 0700 "$PG_DIR"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
        --locale=C --no-instructions >"$PG_DIR/initdb.out" 2>&1 ||
        die "initdb: $(tail -n 5 "$PG_DIR/initdb.out")"
    # initdb trusts 127.0.0.1; a client of ADDR may come from ADDR itself
    # (when ADDR is on an interface), so trust that too.
    echo "host all all $addr/32 trust" >>"$PG_DIR/data/pg_hba.conf"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 30 \
        -o "-c listen_addresses=$addr -c port=$port -c unix_socket_directories=$PG_DIR -c shared_buffers=256MB -c max_wal_size=2GB" \
        start >"$PG_DIR/start.out" 2>&1 || die "pg_ctl start: $(tail -n 5 "$PG_DIR/start.out" "$PG_DIR/postgres.log")"
    runuser -u postgres -- "$PG_BIN/psql" -X -q -h "$PG_DIR" -p "$port" -U postgres -d postgres \
        -c "CREATE DATABASE bench" >/dev/null || die "cannot make the database bench"
    ver=$(runuser -u postgres -- "$PG_BIN/postgres" --version)
    PG_WHAT="$ver, a cluster of its own at $addr:$port (fsync on, synchronous_commit on)"
    PG_URL="postgresql://postgres@$addr:$port/bench"
}

# pg_stop: stops the cluster of pg_own, if it runs (its directory stays).
pg_stop() {
    if [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

# pg_cpu_ms: CPU milliseconds the cluster pg_own started has used so far
# (the postmaster, the children it reaped, the children alive): a
# backend's CPU for a connection that has ended is in its parent's.
pg_cpu_ms() {
    local pm t=0 p f
    pm=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
    for p in $pm $(pgrep -P "$pm"); do
        read -r -a f <"/proc/$p/stat" 2>/dev/null || continue
        t=$((t + f[13] + f[14] + f[15] + f[16]))
    done
    echo $((t * 1000 / $(getconf CLK_TCK)))
}
