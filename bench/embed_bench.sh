#!/usr/bin/env bash
# embed_bench.sh - the offline embedder (embed_text) on CHUNKS chunks of about CHARS
# characters: the batch form as an insert calls it (vectors and their array text),
# and the hashing alone. Target: 10,000 chunks of ~500 characters in under 2 s.
#
# It copies the build's libpxt into a temporary folder (a build running beside this
# one cannot swap the library under the run), builds bench/embed_bench.c against
# that copy, runs ROUNDS rounds and reports the median. No database, no network.
#
#   bench/embed_bench.sh [-n CHUNKS] [-c CHARS] [-r ROUNDS] [-o REPORT.md] [--no-build]
# Environment: CHUNKS (10000), CHARS (500), ROUNDS (5), TARGET_S (2), BUILD (build),
# STRICT=1 (exit 3 when the target is missed). Needs cmake, cc, pkg-config and the
# libpq development files (pxt's headers include libpq-fe.h).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
CHUNKS=${CHUNKS:-10000}
CHARS=${CHARS:-500}
ROUNDS=${ROUNDS:-5}
TARGET_S=${TARGET_S:-2}
STRICT=${STRICT:-0}
REPORT_OUT=
DO_BUILD=1
CMDLINE="bench/embed_bench.sh $*"
WORK=

log() { printf '%s embed_bench.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case $1 in
	-n) CHUNKS=${2:?}; shift 2 ;;
	-c) CHARS=${2:?}; shift 2 ;;
	-r) ROUNDS=${2:?}; shift 2 ;;
	-o) REPORT_OUT=${2:?}; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	-h|--help) usage 0 ;;
	*) log "unknown argument: $1"; usage 2 ;;
	esac
done
for v in CHUNKS CHARS ROUNDS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done

cleanup() { [ -z "$WORK" ] || rm -rf "$WORK"; }
trap cleanup EXIT
WORK=$(mktemp -d /tmp/pxt-bench-embed.XXXXXX)

for f in cmake cc pkg-config; do command -v "$f" >/dev/null || die "missing: $f"; done
pkg-config --exists libpq || die "missing the libpq development files (libpq-dev)"
if [ $DO_BUILD -eq 1 ]; then
	log "building pxtc ($BUILD)"
	cmake --build "$BUILD" -j2 --target pxt_static >&2
fi
# the embedders' header is internal (libpxt.so does not export it): the library's
# objects (libpxt_static.a)
[ -f "$BUILD/app/libpxt_static.a" ] || die "$BUILD/app/libpxt_static.a is missing: build pxtc first"
cp "$BUILD/app/libpxt_static.a" "$WORK/libpxt_static.a"
# shellcheck disable=SC2046
cc -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -I"$ROOT/app/include" -I"$ROOT/app/lib" \
    $(pkg-config --cflags libpq) -o "$WORK/embed_bench" "$ROOT/bench/embed_bench.c" \
    -rdynamic -Wl,--whole-archive "$WORK/libpxt_static.a" -Wl,--no-whole-archive \
    $(pkg-config --libs libpq yajl libcrypto libxml-2.0 libcurl) -ldl -lm
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "embed_bench -n $CHUNKS -c $CHARS -r $ROUNDS"
# from $WORK: no stray .env of the caller's folder
(cd "$WORK" && ./embed_bench -n "$CHUNKS" -c "$CHARS" -r "$ROUNDS") | tee "$WORK/results.txt" >&2

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" "$WORK/results.txt"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
udf=$(field udf_s | median)
hash=$(field hash_s | median)
verdict=$(awk -v v="$udf" -v t="$TARGET_S" 'BEGIN { print (v < t) ? "met" : "NOT met" }')
{
	echo "## embed_text (offline embedder), $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(uname -sr)"
	echo "- command: \`$CMDLINE\` (CHUNKS=$CHUNKS CHARS=$CHARS ROUNDS=$ROUNDS), medians of $ROUNDS rounds, one thread"
	echo "- input: $(field bytes | head -n1) bytes of generated English-like text"
	echo "- load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "| part | seconds (median) | seconds per round | chunks/s |"
	echo "|---|---:|---|---:|"
	echo "| embed_text batch: vectors and their array text | $udf | $(field udf_s | paste -sd/ | sed 's|/| / |g') | $(awk -v n="$CHUNKS" -v s="$udf" 'BEGIN { printf "%.0f", n / s }') |"
	echo "| pxt_embed_hash alone (no text written) | $hash | $(field hash_s | paste -sd/ | sed 's|/| / |g') | $(awk -v n="$CHUNKS" -v s="$hash" 'BEGIN { printf "%.0f", n / s }') |"
	echo
	echo "Target: $CHUNKS chunks in under $TARGET_S s: **$verdict** ($udf s)."
} >"$WORK/report.md"
cat "$WORK/report.md"
[ -z "$REPORT_OUT" ] || cp "$WORK/report.md" "$REPORT_OUT"
if [ "$STRICT" = 1 ] && [ "$verdict" != met ]; then
	log "the target was missed (STRICT=1)"
	exit 3
fi
