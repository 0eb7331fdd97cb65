#!/usr/bin/env bash
# The worker's start-up checks: the reference routers load; a router built for an older
# ABI, against newer headers (a larger struct), with a router name or a route that is
# taken stops the worker with the file named; one built against older headers (a
# smaller struct) loads, the fields it lacks read as zero.
# Then the request path in process (test_http: routing, table routes, queries, errors).
source "$(dirname "$0")/lib.sh"
: "${PXTC_WORKER:?}" "${PXT_TEST_ROUTERS:?}" "${PXT_ROUTERS:?}" "${PXT_TEST_HTTP:?}" "${PXT_TEST_WIRE:?}"

expect_exit 0 "$PXTC_SETUP"
SERVER_ROUTERS_DIR="$PXT_ROUTERS" expect_exit 0 "$PXTC_WORKER" --check
grep -q "ok: 31 routes" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "route count"; }

SERVER_ROUTERS="$PXT_TEST_ROUTERS/bad_abi.so" expect_exit 1 "$PXTC_WORKER" --check
grep -q "router $PXT_TEST_ROUTERS/bad_abi.so: built for router ABI 2" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "ABI message"; }
grep -q "this pxtc has ABI 3 .*: rebuild it against these headers" "$IT_WORK/out" || fail "expected ABI or rebuild not named"

SERVER_SERVICE_FILE= SERVER_ROUTERS="$PXT_TEST_ROUTERS/old_size.so" expect_exit 0 "$PXTC_WORKER" --check
grep -q "ok: 5 routes" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "smaller router struct"; }

SERVER_ROUTERS="$PXT_TEST_ROUTERS/new_size.so" expect_exit 1 "$PXTC_WORKER" --check
grep -q "router $PXT_TEST_ROUTERS/new_size.so: struct size [0-9]* is larger than this pxtc's" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "larger router struct"; }

SERVER_ROUTERS="$PXT_TEST_ROUTERS/probe.so,$PXT_TEST_ROUTERS/dup_name.so" expect_exit 1 "$PXTC_WORKER" --check
grep -q "router $PXT_TEST_ROUTERS/dup_name.so: a router named 'probe' is already loaded from $PXT_TEST_ROUTERS/probe.so" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "duplicate router name"; }

SERVER_ROUTERS="$PXT_ROUTERS/data.so,$PXT_TEST_ROUTERS/dup_route.so" expect_exit 1 "$PXTC_WORKER" --check
grep -q "duplicate route /api/data/documents" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "duplicate message"; }

SERVER_ROUTERS_DIR=/nonexistent expect_exit 1 "$PXTC_WORKER" --check
grep -q "routers_dir '/nonexistent' cannot be read" "$IT_WORK/out" || fail "missing dir"
# the same rule for UDF modules: a udf_dir that is set and missing is an error
PIXELTABLE_UDF_DIR=/nonexistent expect_exit 1 "$PXTC_WORKER" --check
grep -q "\[pixeltable\] udf_dir '/nonexistent' cannot be read" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "missing udf_dir"; }

PIXELTABLE_DB_START_TIMEOUT_S=20 "$PXT_TEST_HTTP"

# the worker binary over the FastCGI wire, without nginx
SERVER_ROUTERS_DIR="$PXT_ROUTERS" SERVER_MAX_JSON_BODY_MB=0.01 "$PXT_TEST_WIRE"
