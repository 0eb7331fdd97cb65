#!/usr/bin/env bash
# Routers build out of tree against an installed pxtc: with pkg-config and with the
# CMake package; the worker loads both.
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
