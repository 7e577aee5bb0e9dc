# tiaki: top-level wrapper around CMake.
#   make deps   install the Debian packages tiaki needs (idempotent)
#   make        build build/tiaki
#   make test   deps + build + every test (unit, fuzz replay, integration)
#   make demo   deps + build + start the test world + tiaki check on it
#   make fuzz   libFuzzer builds of every parser harness (clang)
#   make bench  the benchmarks in bench/ (figures, not tests): DNS check,
#               TLS probes, the store, report ingest, SPF and DKIM

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

# Libraries (ARCHITECTURE.md), servers of the test world, peers and tools.
DEB_PACKAGES = build-essential cmake pkg-config clang \
	libunbound-dev libevent-dev libssl-dev libcurl4-openssl-dev libexpat1-dev libjansson-dev \
	libarchive-dev zlib1g-dev libgmime-3.0-dev libpsl-dev publicsuffix libsqlite3-dev \
	libpq-dev libmilter-dev libmicrohttpd-dev libinih-dev libcmocka-dev libyaml-dev \
	nsd unbound dnsperf ldnsutils dnsutils iproute2 python3 time openssl coreutils gawk \
	nginx-light postfix postgresql sqlite3 dovecot-imapd \
	opendkim opendkim-tools python3-dkim python3-nacl python3-dnspython \
	libopendkim-dev spfquery python3-spf libresolv-wrapper

.PHONY: all build deps test demo fuzz bench clean world-start world-stop

all: build

# Packages that bring a service of their own must not leave it running on
# every address, where the world binds its own: postfix unconfigured, no
# PostgreSQL cluster, and the distribution's dovecot neither started
# during the install (a policy-rc.d, when the machine has none) nor
# enabled at boot (it would hold *:143 and *:993, which 127.77.0.143 needs);
# the same for opendkim (a peer of the DKIM interop test, run as a tool
# by opendkim-testmsg, never as the distribution's milter daemon).
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections; \
		mkdir -p /etc/postgresql-common && [ -f /etc/postgresql-common/createcluster.conf ] || \
			echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\n# make deps: no dovecot or opendkim started while installing (world.sh runs its own)\nfor a; do case $$a in dovecot*|opendkim*) exit 101;; esac; done\nexit 0\n' >/usr/sbin/policy-rc.d; \
			chmod 755 /usr/sbin/policy-rc.d; trap 'rm -f /usr/sbin/policy-rc.d' EXIT INT TERM; fi; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confold $$missing; \
		rc=$$?; \
		case " $$missing " in *" dovecot-imapd "*) \
			if [ -d /run/systemd/system ]; then systemctl disable --now dovecot.service dovecot.socket; \
			else /etc/init.d/dovecot stop; update-rc.d dovecot disable; fi >/dev/null 2>&1 || true;; \
		esac; \
		case " $$missing " in *" opendkim "*) \
			if [ -d /run/systemd/system ]; then systemctl disable --now opendkim.service; \
			else /etc/init.d/opendkim stop; update-rc.d opendkim disable; fi >/dev/null 2>&1 || true;; \
		esac; \
		exit $$rc; \
	else echo "deps: all packages present"; fi

build:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: deps build
	tests/world/world.sh start $(BUILD)/world
	@for inv in inventory.csv inventory-transport.csv; do \
		echo "==== tiaki check --inventory tests/world/$$inv"; \
		$(BUILD)/tiaki check --resolver $$(cat $(BUILD)/world/resolver) \
			--ca-file tests/world/pki/ca.pem --trust-anchor $(BUILD)/world/trust-anchor \
			--probe-timeout 5 --inventory tests/world/$$inv --format text; \
		rc=$$?; echo; echo "tiaki check exited $$rc (0 all compliant, 1 some not, 3 nothing checked)."; \
	done
	@echo "The world is still running; 'make world-stop' stops it."

world-start: build
	tests/world/world.sh start $(BUILD)/world

world-stop:
	tests/world/world.sh stop $(BUILD)/world

fuzz:
	CC=clang cmake -S . -B build-fuzz -DTIAKI_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build-fuzz -j $(JOBS)
	@echo "harnesses: build-fuzz/tests/fuzz/fuzz_*  (run one on a copy of its corpus: mkdir -p /tmp/c && cp tests/fuzz/corpus/spf/* /tmp/c && build-fuzz/tests/fuzz/fuzz_spf /tmp/c)"

bench: build
	bench/check-throughput --scan --memory
	bench/probe-throughput
	bench/scan-store
	bench/report-ingest
	bench/auth-throughput

clean:
	rm -rf $(BUILD) build-fuzz
