#!/usr/bin/env bash
# The file cache of media URLs against a local HTTP server (tests/http/fetch_server.py):
# a download and a hit, ten processes asking at once, LRU eviction that spares leased
# files, every download failure leaving nothing behind, the private-address guard
# (direct, by name, and behind a redirect), no userinfo in messages, the HTTP client's
# streaming receiver, `pxtc cache`.
# No database is needed: the driver (test_file_cache) runs one operation per process.
source "$(dirname "$0")/lib.sh"
: "${PXT_TEST_FILE_CACHE:?}" "${PXT_SOURCE_DIR:?}"
T=$PXT_TEST_FILE_CACHE
command -v python3 >/dev/null || fail "python3 is missing"

SRV_PID=
HOLD_PID=
it_extra_cleanup() {
	local p
	for p in $HOLD_PID $SRV_PID; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}

F="$IT_WORK/files"
LOG="$IT_WORK/requests.log"
CACHE="$PIXELTABLE_HOME/file_cache"
mkdir -p "$F"
python3 "$PXT_SOURCE_DIR/tests/http/fetch_server.py" --root "$F" --log "$LOG" \
	--port-file "$IT_WORK/port" >"$IT_WORK/server.out" 2>&1 &
SRV_PID=$!
it_track "$SRV_PID"
for _ in $(seq 100); do [ -s "$IT_WORK/port" ] && break; sleep 0.1; done
[ -s "$IT_WORK/port" ] || { cat "$IT_WORK/server.out"; fail "the HTTP server did not start"; }
PORT=$(cat "$IT_WORK/port")
BASE="http://127.0.0.1:$PORT"
# the test's own server is on loopback: allowed unless a case says otherwise
export PIXELTABLE_FETCH_ALLOW_PRIVATE=true

# requests PATH: how many times the server was asked for PATH
requests() { grep -c -x -F "GET $1" "$LOG" || true; }
# get URL: expect success; sets $path
get_ok() {
	local out
	out=$("$T" get "$1") || fail "get $1: $out"
	path=${out#OK }
}
# get_err CODE URL [DRIVER-ARGS...]: expect the error CODE; sets $out
get_err() {
	local code=$1 rc=0; shift
	out=$("$T" get "$@") || rc=$?
	[ "$rc" = 1 ] || fail "get $*: exit $rc (expected 1): $out"
	case "$out" in "ERR $code "*) ;; *) fail "get $*: expected $code, got: $out" ;; esac
}
entries() { find "$CACHE" -type f 2>/dev/null | grep -c -E '/[0-9a-f]{64}(\.[a-z0-9]+)?$' || true; }
# no_leftovers N: exactly N entries, and no temporary or lock file
no_leftovers() {
	local stray
	stray=$(find "$CACHE" -type f \( -name '*.tmp.*' -o -name '*.lock' \) 2>/dev/null)
	[ -z "$stray" ] || fail "left behind: $stray"
	[ "$(entries)" = "$1" ] || { find "$CACHE" -type f; fail "expected $1 entries"; }
}

# --- the address table ---------------------------------------------------------------
"$T" addr >"$IT_WORK/addr.out" 2>&1 || { cat "$IT_WORK/addr.out"; fail "address table"; }

# --- a download, then a hit ----------------------------------------------------------
printf 'hello from the file cache\n' >"$F/a.txt"
get_ok "$BASE/files/a.txt"
first=$path
case "$first" in "$CACHE"/[0-9a-f][0-9a-f]/*.txt) ;; *) fail "entry path: $first" ;; esac
[[ "$(basename "$first")" =~ ^[0-9a-f]{64}\.txt$ ]] || fail "entry name: $first"
[ "$(basename "$(dirname "$first")")" = "$(basename "$first" | cut -c1-2)" ] || fail "shard: $first"
cmp -s "$F/a.txt" "$first" || fail "cached content differs"
get_ok "$BASE/files/a.txt"
[ "$path" = "$first" ] || fail "hit gave another path: $path"
[ "$(requests /files/a.txt)" = 1 ] || { cat "$LOG"; fail "a hit went to the server"; }
no_leftovers 1

# --- ten processes at once download once ------------------------------------------------
head -c 200000 /dev/urandom >"$F/race.bin"
out=$("$T" race "$BASE/files/race.bin?delay=1" 10) || fail "race: $out"
cmp -s "$F/race.bin" "${out#OK }" || fail "raced entry differs"
[ "$(requests '/files/race.bin?delay=1')" = 1 ] || { cat "$LOG"; fail "raced URL downloaded more than once"; }
no_leftovers 2

# --- failures leave nothing ------------------------------------------------------------
get_err PXT_EUPSTREAM "$BASE/fail"
[[ "$out" == *"HTTP 500"* ]] || fail "500 not named: $out"
no_leftovers 2
out=$(SERVER_REQUEST_TIMEOUT_S=2 "$T" get "$BASE/slow") && fail "slow: $out"
[[ "$out" == "ERR PXT_ETIMEOUT "* ]] || fail "slow: $out"
no_leftovers 2
out=$(PIXELTABLE_FILE_CACHE_SIZE_G=0.001 "$T" get "$BASE/huge?n=2000000") && fail "huge: $out"
[[ "$out" == "ERR PXT_ETOOLARGE "* ]] || fail "huge (Content-Length): $out"
no_leftovers 2
out=$(PIXELTABLE_FILE_CACHE_SIZE_G=0.001 "$T" get "$BASE/stream?n=2000000") && fail "stream: $out"
[[ "$out" == "ERR PXT_ETOOLARGE "* ]] || fail "huge (chunked): $out"
no_leftovers 2
get_err PXT_EUPSTREAM "$BASE/redirect/6"
[[ "$out" == *"more than 5 redirects"* ]] || fail "redirects: $out"
no_leftovers 2
get_ok "$BASE/redirect/5"
[ "$(cat "$path")" = arrived ] || fail "5 redirects not followed"
no_leftovers 3
get_err PXT_EUPSTREAM "$BASE/to?url=ftp://127.0.0.1/x"
get_err PXT_EINVAL "ftp://127.0.0.1/x"
get_err PXT_EINVAL "file:///etc/passwd"
get_err PXT_EINVAL "not a url"
no_leftovers 3

# --- private addresses -----------------------------------------------------------------
printf 'private\n' >"$F/b.txt"
export PIXELTABLE_FETCH_ALLOW_PRIVATE=false
get_err PXT_EPERM "$BASE/files/b.txt"
want="refusing to fetch $BASE/files/b.txt: 127.0.0.1 is a loopback address; set [pixeltable] fetch_allow_private to allow it"
[ "$out" = "ERR PXT_EPERM $want" ] || fail "refusal message: $out"
get_err PXT_EPERM "http://localhost:$PORT/files/b.txt"
get_err PXT_EPERM "http://[::1]:$PORT/files/b.txt"
get_err PXT_EPERM "http://[::ffff:127.0.0.1]:$PORT/files/b.txt"
get_err PXT_EPERM "http://10.0.0.1/x"
[[ "$out" == *"10.0.0.1 is a private address"* ]] || fail "10/8: $out"
get_err PXT_EPERM "http://169.254.169.254/latest/meta-data/"
[[ "$out" == *"is a link-local address"* ]] || fail "metadata address: $out"
# a redirect from an allowed first hop (the driver lets this one address through)
out=$("$T" getx "127.0.0.1:$PORT" "$BASE/redirect/1") || fail "allowed first hop: $out"
for target in "http://169.254.169.254/latest/meta-data/" "http://[::1]:$PORT/files/b.txt" \
    "http://localhost:1/files/b.txt"; do
	out=$("$T" getx "127.0.0.1:$PORT" "$BASE/to?url=$target") && fail "redirect to $target: $out"
	[[ "$out" == "ERR PXT_EPERM refusing to fetch $BASE/to: "* ]] || fail "redirect to $target: $out"
done
[ "$(requests /files/b.txt)" = 0 ] || { cat "$LOG"; fail "a refused address was reached"; }
no_leftovers 4
# userinfo (and the query) never appear in messages
get_err PXT_EPERM "http://alice:s3cr3t@127.0.0.1:$PORT/files/b.txt?token=t0ken"
[[ "$out" != *s3cr3t* && "$out" != *alice* && "$out" != *t0ken* ]] || fail "secret in message: $out"
export PIXELTABLE_FETCH_ALLOW_PRIVATE=true
get_err PXT_EUPSTREAM "http://alice:s3cr3t@127.0.0.1:$PORT/fail?token=t0ken"
[[ "$out" != *s3cr3t* && "$out" != *alice* && "$out" != *t0ken* ]] || fail "secret in message: $out"
get_ok "$BASE/files/b.txt"
[ "$(requests /files/b.txt)" = 1 ] || fail "allowed private fetch"
no_leftovers 5
# the HTTP client's streaming receiver gets every piece, and can stop the transfer
head -c 300000 /dev/urandom >"$F/s.bin"
out=$("$T" stream "$BASE/files/s.bin" "$IT_WORK/s.out" 0) || fail "stream: $out"
[ "$out" = "OK 300000" ] && cmp -s "$F/s.bin" "$IT_WORK/s.out" || fail "stream: $out"
out=$("$T" stream "$BASE/files/s.bin" "$IT_WORK/s.out" 1000) && fail "stream stop: $out"
[ "$out" = "ERR PXT_ETOOLARGE stream: more than 1000 bytes" ] || fail "stream stop: $out"

# --- eviction: least recently used first, never a leased file --------------------------
expect_exit 0 "$PXTC" cache clear
no_leftovers 0
for e in e1 e2 e3 e4; do head -c 300000 /dev/urandom >"$F/$e.bin"; done
export PIXELTABLE_FILE_CACHE_SIZE_G=0.001	# 1 MB: three of them
"$T" hold "$BASE/files/e2.bin" "$IT_WORK/release" >"$IT_WORK/hold.out" &
HOLD_PID=$!
it_track "$HOLD_PID"
for _ in $(seq 100); do grep -q '^OK ' "$IT_WORK/hold.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^OK ' "$IT_WORK/hold.out" || { cat "$IT_WORK/hold.out"; fail "hold"; }
e2=$(sed -n 's/^OK //p' "$IT_WORK/hold.out")
get_ok "$BASE/files/e1.bin"; e1=$path
get_ok "$BASE/files/e3.bin"; e3=$path
get_ok "$BASE/files/e1.bin"	# e1 is now the most recently used; e2 the least
get_ok "$BASE/files/e4.bin"; e4=$path
[ -f "$e1" ] || fail "the most recently used entry was evicted"
[ -f "$e2" ] || fail "a leased entry was evicted"
[ ! -e "$e3" ] || fail "the least recently used unleased entry was kept"
[ -f "$e4" ] || fail "the new entry was evicted"
[ "$(requests /files/e1.bin)" = 1 ] || fail "e1 fetched twice"
expect_exit 0 "$PXTC" cache stats
grep -q '^files *3$' "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "stats after eviction"; }
grep -q '^bytes *900000$' "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "stats bytes"; }
grep -q '^limit *1000000 ' "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "stats limit"; }
# an evicted file is fetched again, transparently, and the cache stays within its bound
get_ok "$BASE/files/e3.bin"
[ -f "$path" ] && cmp -s "$path" "$F/e3.bin" || fail "e3 fetched again: wrong content"
[ "$(requests /files/e3.bin)" = 2 ] || fail "the evicted e3 was not fetched again"
[ ! -e "$e1" ] || fail "the least recently used entry (e1) was kept past the bound"
expect_exit 0 "$PXTC" cache stats
grep -q '^bytes *900000$' "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "over the bound after a re-fetch"; }
expect_exit 0 "$PXTC" cache clear
[ -f "$e2" ] || fail "clear removed a leased entry"
no_leftovers 1
touch "$IT_WORK/release"
wait "$HOLD_PID" || fail "hold exited non-zero"
HOLD_PID=
expect_exit 0 "$PXTC" cache clear
grep -q '^evicted 1 files (300000 bytes); 0 files, 0 bytes left$' "$IT_WORK/out" ||
	{ cat "$IT_WORK/out"; fail "clear output"; }
no_leftovers 0
unset PIXELTABLE_FILE_CACHE_SIZE_G

# --- pxtc cache evict SIZE, stale leftovers, usage -------------------------------------
get_ok "$BASE/files/e1.bin"; e1=$path
get_ok "$BASE/files/e3.bin"; e3=$path
get_ok "$BASE/files/e4.bin"; e4=$path
shard="$CACHE/ab"
mkdir -p "$shard"
hex=$(printf 'a%.0s' $(seq 64))
touch -d '2 hours ago' "$shard/$hex.tmp.99999"
touch "$shard/$hex.tmp.99998" "$shard/$hex.bin.lock"
PIXELTABLE_FILE_CACHE_LEASE_S=3600 expect_exit 0 "$PXTC" cache evict 650K
grep -q '^evicted 1 files (300000 bytes); 2 files, 600000 bytes left$' "$IT_WORK/out" ||
	{ cat "$IT_WORK/out"; fail "evict output"; }
[ ! -e "$e1" ] && [ -f "$e3" ] && [ -f "$e4" ] || fail "evict 650K kept the wrong files"
[ ! -e "$shard/$hex.tmp.99999" ] || fail "a stale temporary file was kept"
[ -e "$shard/$hex.tmp.99998" ] || fail "a fresh temporary file was removed"
[ ! -e "$shard/$hex.bin.lock" ] || fail "an unheld lock file was kept"
rm -f "$shard/$hex.tmp.99998"
expect_exit 2 "$PXTC" cache
expect_exit 2 "$PXTC" cache evict lots
expect_exit 2 "$PXTC" cache frobnicate
expect_exit 0 "$PXTC" cache evict
grep -q '^evicted 0 files' "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "evict within bounds"; }
no_leftovers 2
echo "file cache: all cases passed"
