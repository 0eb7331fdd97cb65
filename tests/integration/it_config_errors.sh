#!/usr/bin/env bash
# A malformed config.toml or .env stops every pxtc program with one line naming the
# file, line and column, and a non-zero exit; a home the service user cannot enter is
# reported with the fix.
source "$(dirname "$0")/lib.sh"

printf '[server]\nport = 80\nworkers = = 2\n' >"$PIXELTABLE_HOME/config.toml"
expect_exit 1 "$PXTC_SETUP"
[ "$(wc -l <"$IT_WORK/out")" = 1 ] || { cat "$IT_WORK/out"; fail "not one line"; }
grep -q "config.toml:3:11: " "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "position"; }
expect_exit 1 "$PXTC" db start
grep -q "config.toml:3:" "$IT_WORK/out" || fail "db start position"

printf '[server]\nport = "eighty"\n' >"$PIXELTABLE_HOME/config.toml"
expect_exit 1 "$PXTC" config
grep -q "config.toml:2:8: \[server\] port must be an integer, got string" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "type"; }
rm "$PIXELTABLE_HOME/config.toml"

printf 'OK=1\nexport BAD KEY=2\n' >.env
expect_exit 1 "$PXTC_SETUP"
[ "$(wc -l <"$IT_WORK/out")" = 1 ] || { cat "$IT_WORK/out"; fail "not one line (.env)"; }
grep -q "^pxtc-setup: .env:2:" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail ".env position"; }
printf 'SERVER_PORT=0\n' >.env
expect_exit 1 "$PXTC" config
grep -q ".env:1: SERVER_PORT: \[server\] port must be between 1 and 65535" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail ".env value"; }
# the real environment wins over .env
SERVER_PORT=8081 expect_exit 0 "$PXTC" config
grep -q "\[server\] port = 8081  (environment SERVER_PORT)" "$IT_WORK/out" || fail "env precedence"
rm .env

# secrets are never printed
PIXELTABLE_API_KEY=s3cret-value expect_exit 0 "$PXTC" config
grep -q s3cret-value "$IT_WORK/out" && fail "secret printed"

if [ "$(id -u)" = 0 ]; then
	locked=$(mktemp -d /tmp/pxt-locked.XXXXXX)
	it_track_dir "$locked"
	chmod 0700 "$locked"
	PIXELTABLE_HOME="$locked/home" expect_exit 1 "$PXTC" db start
	grep -q "which user 'pxtc' cannot enter" "$IT_WORK/out" || { cat "$IT_WORK/out"; rm -rf "$locked"; fail "traversal message"; }
	grep -q "chmod o+x $locked" "$IT_WORK/out" || { rm -rf "$locked"; fail "fix not named"; }
	rm -rf "$locked"
fi

# a system folder is never taken over as a home
PIXELTABLE_HOME=/usr expect_exit 1 "$PXTC" db start
grep -q "PIXELTABLE_HOME '/usr' is a system folder" "$IT_WORK/out" || fail "system folder"
