#!/usr/bin/env bash
# The object-store client (app/lib/media/objstore_int.h) against real local servers that check
# signatures (tests/objstore/peers.sh): S3 on s3rver, GCS through the same s3rver's S3
# API, Azure Blob on azurite, once with the account key and once with only a SAS
# token. Each store, in the driver test_objstore: put and get back byte for byte,
# presigned GET and PUT fetched by curl, a changed signature and an expired URL refused,
# delete twice, a wrong secret kept out of messages, missing credentials. Then each
# store's objects are read by a client that is not pxtc (curl's own SigV4, SharedKey
# in Node), and pxtc reads theirs. Offline: AWS's documented presigned URL, URL rules.
# No database is needed. Skips (77) only without node (fails without it under CI=true);
# the packages of tests/ are installed by deploy/install-deps.sh, or here when
# tests/node_modules is stale.
source "$(dirname "$0")/lib.sh"
it_need_node
: "${PXT_TEST_OBJSTORE:?}" "${PXT_SOURCE_DIR:?}"
T=$PXT_TEST_OBJSTORE
command -v curl >/dev/null || fail "curl is missing"
source "$PXT_SOURCE_DIR/tests/objstore/peers.sh"

DONE=
it_extra_cleanup() {
	if [ -z "$DONE" ]; then
		objstore_peers_logs
		if [ -n "${PXT_ARTIFACTS:-}" ] && [ -n "${OBJSTORE_DIR:-}" ] &&
		    [ -s "$OBJSTORE_DIR/azurite-debug.log" ]; then
			mkdir -p "$PXT_ARTIFACTS"
			cp "$OBJSTORE_DIR/azurite-debug.log" "$PXT_ARTIFACTS/objstore-azurite-debug.log" || true
			echo "azurite's debug log: $PXT_ARTIFACTS/objstore-azurite-debug.log" >&2
		fi
	fi
	objstore_peers_stop
}

# run NAME ARGS...: the driver, its output shown, failing the test when it fails
run() {
	local name=$1 rc=0
	shift
	"$T" "$@" >"$IT_WORK/$name.out" 2>&1 || rc=$?
	cat "$IT_WORK/$name.out"
	[ $rc = 0 ] || fail "$name (exit $rc)"
}

# --- offline: SigV4 against AWS's example, the URL rules ----------------------------
run offline offline

# --- the servers (in this test's home, so a clean-up after a timeout finds them) ----
objstore_peers_start "$PIXELTABLE_HOME/objstore" || fail "object-store peers did not start"
echo "s3rver on $S3_ENDPOINT, azurite on $AZURE_ENDPOINT"
az() { node "$PXT_SOURCE_DIR/tests/objstore/azure_container.js" "$@"; }

# the peers refuse what is not signed, or signed with another key
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary x "$S3_ENDPOINT/pxt-media/anon.txt")
[ "$code" = 403 ] || fail "s3rver took an unsigned PUT ($code)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$AZURE_ENDPOINT/pxt-media?restype=container&comp=list")
[ "$code" = 403 ] || fail "azurite listed a container without a signature ($code)"
AZURE_ACCOUNT_KEY=$(printf 'not the key of this account at all' | base64 -w0) az list pxt-media \
	>"$IT_WORK/wrongkey.out" 2>&1 && fail "azurite listed a container with a wrong key"
grep -q 'HTTP 403' "$IT_WORK/wrongkey.out" || { cat "$IT_WORK/wrongkey.out"; fail "wrong key"; }

# --- each store, all the way round -----------------------------------------------
run s3 store s3 s3://pxt-media/it
run gcs store gcs gs://pxt-gcs/it
run azure store azure az://pxt-media/it
# only a SAS token (made by the Node script), no account key
sas=$(az sas pxt-media) || fail "SAS token"
key=$AZURE_ACCOUNT_KEY
unset AZURE_ACCOUNT_KEY
export AZURE_SAS_TOKEN=$sas
run azure-sas store azure-sas az://pxt-media/sas
unset AZURE_SAS_TOKEN
export AZURE_ACCOUNT_KEY=$key

# --- another client reads what pxtc wrote, and pxtc reads what it wrote -----------
printf 'written by pxtc\n' >"$IT_WORK/mine.txt"
printf 'written by another client\n' >"$IT_WORK/theirs.txt"
EMPTY_SHA=$(printf '' | sha256sum | cut -d' ' -f1)
# s3_curl METHOD PATH [FILE]: curl's own SigV4 (it does not add the payload hash)
s3_curl() {
	local method=$1 path=$2 file=${3:-} sha=$EMPTY_SHA args=()
	if [ -n "$file" ]; then
		sha=$(sha256sum "$file" | cut -d' ' -f1)
		args=(--data-binary "@$file")
	fi
	curl -s -o "$IT_WORK/s3curl.out" -w '%{http_code}' -X "$method" "${args[@]}" \
		--aws-sigv4 "aws:amz:us-east-1:s3" -u "S3RVER:S3RVER" \
		-H "x-amz-content-sha256: $sha" "$S3_ENDPOINT$path"
}
for pair in "s3 s3://pxt-media /pxt-media" "gcs gs://pxt-gcs /pxt-gcs"; do
	set -- $pair
	expect_exit 0 "$T" put "$2/cross/mine.txt" "$IT_WORK/mine.txt"
	code=$(s3_curl GET "$3/cross/mine.txt")
	[ "$code" = 200 ] || { cat "$IT_WORK/s3curl.out"; fail "$1: curl GET of pxtc's object: $code"; }
	cmp -s "$IT_WORK/s3curl.out" "$IT_WORK/mine.txt" || fail "$1: pxtc's object differs"
	code=$(s3_curl PUT "$3/cross/theirs.txt" "$IT_WORK/theirs.txt")
	[ "$code" = 200 ] || { cat "$IT_WORK/s3curl.out"; fail "$1: curl PUT: $code"; }
	rm -f "$IT_WORK/got.txt"
	expect_exit 0 "$T" get "$2/cross/theirs.txt" "$IT_WORK/got.txt"
	cmp -s "$IT_WORK/got.txt" "$IT_WORK/theirs.txt" || fail "$1: curl's object read back differs"
done
expect_exit 0 "$T" put "az://pxt-media/cross/mine.txt" "$IT_WORK/mine.txt"
az get pxt-media cross/mine.txt "$IT_WORK/az.out" || fail "azure: Node GET of pxtc's blob"
cmp -s "$IT_WORK/az.out" "$IT_WORK/mine.txt" || fail "azure: pxtc's blob differs"
az list pxt-media >"$IT_WORK/list.out" || fail "azure: list"
grep -qx 'cross/mine.txt' "$IT_WORK/list.out" || { cat "$IT_WORK/list.out"; fail "azure: not listed"; }
# a blob written with the Node SAS, read by pxtc with the account key
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'x-ms-blob-type: BlockBlob' \
	--data-binary "@$IT_WORK/theirs.txt" "$AZURE_ENDPOINT/pxt-media/cross/theirs.txt?$sas")
[ "$code" = 201 ] || fail "azure: PUT with the Node SAS: $code"
rm -f "$IT_WORK/got.txt"
expect_exit 0 "$T" get "az://pxt-media/cross/theirs.txt" "$IT_WORK/got.txt"
cmp -s "$IT_WORK/got.txt" "$IT_WORK/theirs.txt" || fail "azure: the SAS-written blob differs"

DONE=1
echo "object stores: all cases passed"
