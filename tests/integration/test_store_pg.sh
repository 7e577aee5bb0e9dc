#!/usr/bin/env bash
# test_store_pg.sh: the store's unit tests (tests/unit/test_store.c and
# tests/unit/test_store_reports.c) on the world's PostgreSQL. Each runs
# every back-end test on SQLite, and on PostgreSQL when TIAKI_TEST_PG names
# a database; this sets it to the world's (STATEDIR/postgresql) and runs
# both binaries, one after the other. Their tests work in schemas of their
# own (tiaki_test_store, tiaki_test_store_reports), so other tests using
# the world's database at the same time are not disturbed.
#
# ctest sets TEST_STORE and TEST_STORE_REPORTS (the binaries) and
# WORLD_STATE; run by hand, the defaults are build/tests/test_store,
# build/tests/test_store_reports and build/world.
set -euo pipefail

TIAKI_SOURCE=${TIAKI_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WORLD_STATE=${WORLD_STATE:-$TIAKI_SOURCE/build/world}
TEST_STORE=${TEST_STORE:-$TIAKI_SOURCE/build/tests/test_store}
TEST_STORE_REPORTS=${TEST_STORE_REPORTS:-$TIAKI_SOURCE/build/tests/test_store_reports}

if [ ! -s "$WORLD_STATE/postgresql" ]; then
    echo "FAIL: the world's PostgreSQL is not running ($WORLD_STATE/postgresql missing):" \
        "tests/world/world.sh start $WORLD_STATE"
    exit 1
fi
for bin in "$TEST_STORE" "$TEST_STORE_REPORTS"; do
    if [ ! -x "$bin" ]; then
        echo "FAIL: no test binary at $bin (make build)"
        exit 1
    fi
done
TIAKI_TEST_PG=$(cat "$WORLD_STATE/postgresql")
export TIAKI_TEST_PG
echo "TIAKI_TEST_PG=$TIAKI_TEST_PG"
"$TEST_STORE"
exec "$TEST_STORE_REPORTS"
