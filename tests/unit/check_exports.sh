#!/usr/bin/env bash
# libpxt exports only its API: every symbol `nm -D --defined-only` shows in the shared
# library is a function declared (with PXT_API) in a public header.
#   check_exports.sh LIBPXT_SO INCLUDE_DIR
set -euo pipefail
lib=${1:?libpxt.so}
include=${2:?the folder of the public headers}

# Declared: the name before the first '(' of each PXT_API line of the headers.
declared=$(sed -n 's/^PXT_API \([^(]*\)(.*/\1/p' "$include"/*.h |
	awk '{ n = $NF; sub(/^\**/, "", n); print n }' | sort -u)
[ -n "$declared" ] || { echo "no PXT_API declarations in $include" >&2; exit 1; }

exported=$(nm -D --defined-only "$lib")
[ -n "$exported" ] || { echo "$lib exports nothing" >&2; exit 1; }
bad=0
# what is not a function (data, absolute symbols)
if notfn=$(awk '$2 != "T" { print $3 " (" $2 ")" }' <<<"$exported") && [ -n "$notfn" ]; then
	echo "exported but not a function:" $notfn >&2
	bad=1
fi
# functions no public header declares
if undeclared=$(awk '{ print $3 }' <<<"$exported" | sort -u | comm -23 - <(echo "$declared")) &&
	[ -n "$undeclared" ]; then
	echo "exported but not declared in a public header:" $undeclared >&2
	bad=1
fi
[ "$bad" = 0 ] || exit 1
echo "ok: $(wc -l <<<"$exported") exported functions, all declared in $include"
