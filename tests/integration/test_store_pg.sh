#!/usr/bin/env bash
# test_store_pg.sh: the store's unit tests (tests/unit/test_store.c) on the
# world's PostgreSQL. test_store runs every back-end test on SQLite, and on
# PostgreSQL when TIAKI_TEST_PG names a database; this sets it to the
# world's (STATEDIR/postgresql) and runs the binary. Its tests work in a
# schema of their own (tiaki_test_store), so other tests using the world's
# database at the same time are not disturbed.
#
# ctest sets TEST_STORE (the test_store binary) and WORLD_STATE; run by
# hand, the defaults are build/tests/test_store and build/world.
set -euo pipefail

TIAKI_SOURCE=${TIAKI_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WORLD_STATE=${WORLD_STATE:-$TIAKI_SOURCE/build/world}
TEST_STORE=${TEST_STORE:-$TIAKI_SOURCE/build/tests/test_store}

if [ ! -s "$WORLD_STATE/postgresql" ]; then
    echo "FAIL: the world's PostgreSQL is not running ($WORLD_STATE/postgresql missing):" \
        "tests/world/world.sh start $WORLD_STATE"
    exit 1
fi
if [ ! -x "$TEST_STORE" ]; then
    echo "FAIL: no test_store binary at $TEST_STORE (make build)"
    exit 1
fi
TIAKI_TEST_PG=$(cat "$WORLD_STATE/postgresql")
export TIAKI_TEST_PG
echo "TIAKI_TEST_PG=$TIAKI_TEST_PG"
exec "$TEST_STORE"
