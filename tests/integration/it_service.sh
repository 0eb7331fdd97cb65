#!/usr/bin/env bash
# The TOML service file: the reference app's routes as declared (pxtc serve --dry-run
# and pxtc routes print the table the workers serve: the data router's query routes
# beside the service file's table routes), and every kind of mistake
# stopping start-up with the file, line, column and a precise message. The routes
# themselves are driven over HTTP by it_stack and it_compute.
source "$(dirname "$0")/lib.sh"
: "${PXTC_WORKER:?}" "${PXT_TEST_ROUTERS:?}" "${PXT_ROUTERS:?}"

expect_exit 0 "$PXTC_SETUP"
expect_exit 0 "$PXTC" serve --dry-run
grep -Eq '^GET +/api/data/documents/\{uuid\}/chunks +query +document_chunks +data$' "$IT_WORK/out" ||
	{ cat "$IT_WORK/out"; fail "chunks route (registered by the data router)"; }
grep -Eq '^POST +/api/data/images +insert +app/images +.*service.toml:[0-9]+$' "$IT_WORK/out" ||
	fail "images insert (declared in the service file)"
grep -q "ok: 31 routes" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "route count"; }
expect_exit 0 "$PXTC" routes
expect_exit 2 "$PXTC" serve bogus

# bad FILE EXPECTED-MESSAGE: a service file made of stdin must stop the worker so
bad() {
	local file="$IT_WORK/bad.toml"
	cat >"$file"
	SERVER_SERVICE_FILE="$file" expect_exit 1 "$PXTC_WORKER" --check
	grep -qF -- "$1" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "message: $1"; }
}
bad "bad.toml:3:9: unknown key 'prefx' in a service" <<'EOF'
[[service]]
name = "x"
prefx = "/x"
EOF
bad "bad.toml:5:10: unknown key 'inputz' in a route" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "insert"
inputz = ["a"]
EOF
bad "bad.toml:6:9: table 'app/nope' does not exist (did the setup program run?)" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "insert"
path = "/a"
table = "app/nope"
EOF
bad "bad.toml:7:23: table 'app/documents' has no column 'titel'" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "insert"
path = "/a"
table = "app/documents"
inputs = ["document", "titel"]
EOF
bad "bad.toml:7:11: column 'text' of 'app/documents' is computed and cannot be an input" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "insert"
path = "/a"
table = "app/documents"
inputs = ["text"]
EOF
bad "duplicate route /x/a: registered by router 'x' and again by router 'x'" <<'EOF'
[[service]]
name = "x"
prefix = "/x"
[[service.routes]]
type = "delete"
path = "/a"
table = "app/documents"
[[service.routes]]
type = "update"
path = "/a"
table = "app/images"
EOF
SERVER_ROUTERS="data.so,$PXT_TEST_ROUTERS/probe.so" \
bad "duplicate route /api/probe/by_document: registered by router 'probe' and again by router 'mine'" <<'EOF'
[[service]]
name = "mine"
prefix = "/api/probe"
[[service.routes]]
type = "query"
path = "/by_document"
method = "get"
query = "list_documents"
EOF
bad "bad.toml:6:9: no query named 'nope'" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "query"
path = "/q"
query = "nope"
EOF
bad "bad.toml:4:8: unknown route type 'upsert'" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "upsert"
path = "/q"
EOF
bad "bad.toml:7:23: a delete route takes no 'return_fileresponse' (its keys: type, path, public, background, table, match_columns)" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "delete"
path = "/d"
table = "app/documents"
return_fileresponse = true
EOF
bad "bad.toml:7:17: an insert route takes no 'match_columns'" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "insert"
path = "/d"
table = "app/documents"
match_columns = ["uuid"]
EOF
bad "bad.toml:6:11: a delete route takes no 'outputs'" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "delete"
path = "/d"
outputs = ["uuid"]
table = "app/documents"
EOF
bad "bad.toml:7:15: an update route takes no 'now_columns'" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "update"
path = "/d"
table = "app/documents"
now_columns = ["timestamp"]
EOF
bad "uploadfile_inputs: column 'metadata' is Json, not a media column" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "insert"
path = "/d"
table = "app/documents"
uploadfile_inputs = ["metadata"]
EOF
bad "bad.toml:6:9: 'app/chunks' is a view" <<'EOF'
[[service]]
name = "x"
[[service.routes]]
type = "insert"
path = "/c"
table = "app/chunks"
EOF
bad "bad.toml:2:8: expected a value" <<'EOF'
[[service]]
name = 
EOF
bad "bad.toml:1:10: unknown key 'routes' in the service file" <<'EOF'
routes = 1
EOF

# the reference file with a service whose host and port are ignored, with a warning
cat "$PXT_ROUTERS/service.toml" >"$IT_WORK/ok.toml"
cat >>"$IT_WORK/ok.toml" <<'EOF'

[[service]]
name = "extra"
host = "0.0.0.0"
port = 8000
prefix = "/api/extra"

[[service.routes]]
type = "query"
path = "/recent"
query = "list_documents"
one_row = false
public = true
EOF
SERVER_SERVICE_FILE="$IT_WORK/ok.toml" expect_exit 0 "$PXTC_WORKER" --routes
grep -q "ok.toml:.*'host' is ignored: nginx owns the socket" "$IT_WORK/out" || fail "host warning"
grep -Eq '^POST +/api/extra/recent +query +list_documents +.*ok.toml:[0-9]+ \(public\)$' "$IT_WORK/out" ||
	{ cat "$IT_WORK/out"; fail "extra route"; }
# no service file at all: only the C routes (four system routes, the data router's
# eight queries, the search router's three, the agent router's two)
SERVER_SERVICE_FILE= expect_exit 0 "$PXTC_WORKER" --check
grep -q "ok: 17 routes" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "no service file"; }
