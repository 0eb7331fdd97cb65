#!/usr/bin/env bash
# Four setup programs started at once on a fresh home agree on one server and leave
# exactly one catalog; four `pxtc db start` at once also agree.
source "$(dirname "$0")/lib.sh"

pids=()
for i in 1 2 3 4; do
	"$PXTC_SETUP" >"$IT_WORK/setup.$i" 2>&1 & pids+=($!)
done
for i in 0 1 2 3; do
	wait "${pids[$i]}" || { cat "$IT_WORK/setup.$((i + 1))" >&2; fail "setup $((i + 1)) failed"; }
done
[ "$(pgrep -c -f -- "-D $PIXELTABLE_HOME/pgdata")" = 1 ] || fail "not exactly one postmaster"
[ "$(q "SELECT count(*) FROM pxt_catalog.dirs")" = 1 ] || fail "dirs"
[ "$(q "SELECT count(*) FROM pxt_catalog.tables")" = 5 ] || fail "tables"
[ "$(q "SELECT count(*) FROM pxt_catalog.columns")" = 32 ] || fail "columns: $(q "SELECT count(*) FROM pxt_catalog.columns")"
# exactly one run made the changes: one creator, three "in sync"
[ "$(cat "$IT_WORK"/setup.* | grep -c 'in sync')" = 3 ] || { cat "$IT_WORK"/setup.*; fail "not 3 in-sync runs"; }
expect_exit 0 "$PXTC_SETUP" --dry-run

"$PXTC" db stop >/dev/null
pids=()
for i in 1 2 3 4; do "$PXTC" db start >"$IT_WORK/start.$i" 2>&1 & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent db start failed"; done
[ "$(pgrep -c -f -- "-D $PIXELTABLE_HOME/pgdata")" = 1 ] || fail "not one postmaster after restart"
