#!/usr/bin/env bash
# An installed pxtc: routers build out of tree against it, with pkg-config and with the
# CMake package, the worker loads both; and `pxtc serve` starts, reports and stops the
# stack from a moved copy of the prefix alone.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}"

prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion pxt)" = "0.1.0" ] || fail "pkg-config version"
cc -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \
  $(pkg-config --cflags pxt) -o "$IT_WORK/hello.so" "$PXT_SOURCE_DIR/tests/outoftree/hello.c" \
  $(pkg-config --libs pxt) || fail "pkg-config build"
nm -D --defined-only "$IT_WORK/hello.so" | grep -q ' T pxt_router_entry$' || fail "entry not exported"
[ "$(nm -D --defined-only "$IT_WORK/hello.so" | grep -c ' T ')" = 1 ] || fail "more than the entry exported"

cmake -S "$PXT_SOURCE_DIR/tests/outoftree" -B "$IT_WORK/oot" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null || fail "cmake configure"
cmake --build "$IT_WORK/oot" >/dev/null || fail "cmake build"

expect_exit 0 "$PXTC_SETUP"
SERVER_SERVICE_FILE= SERVER_ROUTERS="$IT_WORK/hello.so" expect_exit 0 "$prefix/bin/pxtc-worker" --check
grep -q "ok: 5 routes" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "pkg-config router"; }
SERVER_SERVICE_FILE= SERVER_ROUTERS="$IT_WORK/oot/hello.so" expect_exit 0 "$prefix/bin/pxtc-worker" --check
grep -q "loaded router hello" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "cmake router"; }

# `pxtc serve` from the installed copy alone: the stack script (libexec/pxtc), the nginx
# template, demo data and /docs (share/pxtc), the routers and service file (lib/pxtc)
# all come from the prefix; no checkout is involved
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
expect_exit 2 "$prefix/bin/pxtc" serve bogus
grep -q "usage: pxtc serve \[ROLE\]" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "serve usage"; }
[ -x "$prefix/libexec/pxtc/pxtc-stack" ] && [ -r "$prefix/share/pxtc/nginx.conf.example" ] &&
    [ -d "$prefix/share/pxtc/demo" ] || fail "the installed copy lacks the stack's files"
it_extra_cleanup() { env -u PXTC_BIN_DIR "$prefix/bin/pxtc" serve stop >/dev/null 2>&1 || true; }
port=$(free_port) || fail "no free port"
export SERVER_PORT=$port
# a copy of the install elsewhere: the prefix is found from the program, not from a path
# compiled in
cp -a "$prefix" "$IT_WORK/moved"
chmod -R a+rX "$IT_WORK/moved"
prefix=$IT_WORK/moved
(cd / && env -u PXTC_BIN_DIR -u SERVER_ROUTERS_DIR -u SERVER_SERVICE_FILE -u PIXELTABLE_UDF_DIR \
    SERVER_WORKERS=1 PXTC_STACK_NO_DEMO=1 "$prefix/bin/pxtc" serve start) \
    >"$IT_WORK/serve.log" 2>&1 || { cat "$IT_WORK/serve.log"; fail "pxtc serve start (installed)"; }
grep -q "nginx: http://127.0.0.1:$port" "$IT_WORK/serve.log" || { cat "$IT_WORK/serve.log"; fail "serve log"; }
grep -q "$prefix/share/pxtc/nginx.conf.example" "$PIXELTABLE_HOME/run/nginx.conf" ||
    fail "nginx.conf was not rendered from the installed template"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/health")" = 200 ] ||
    fail "installed stack: /api/health"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/docs/")" = 200 ] ||
    fail "installed stack: /docs (share/pxtc/docs)"
curl -s "http://127.0.0.1:$port/api/data/list/documents" | grep -q '"rows"' ||
    fail "installed stack: the service file's routes"
(cd / && env -u PXTC_BIN_DIR "$prefix/bin/pxtc" serve status) >"$IT_WORK/out" 2>&1 ||
    { cat "$IT_WORK/out"; fail "pxtc serve status"; }
(cd / && env -u PXTC_BIN_DIR "$prefix/bin/pxtc" serve live all) || fail "pxtc serve live all"
(cd / && env -u PXTC_BIN_DIR "$prefix/bin/pxtc" serve stop) >"$IT_WORK/out" 2>&1 ||
    { cat "$IT_WORK/out"; fail "pxtc serve stop"; }
(cd / && env -u PXTC_BIN_DIR "$prefix/bin/pxtc" serve live all) && fail "live after stop"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/health")" = 000 ] ||
    fail "something still answers after pxtc serve stop"
echo "ok: pxtc serve from an installed copy"
