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
#                        [--smoke]
# --smoke checks in a second that it still works (200 chunks, one round).
# Environment: CHUNKS (10000), CHARS (500), ROUNDS (5), TARGET_S (2), BUILD (build),
# STRICT=1 (exit 3 when the target is missed). Needs cmake, cc, pkg-config and the
# libpq development files (pxt's headers include libpq-fe.h). Shares bench/lib.sh.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init embed_bench.sh
CHUNKS=${CHUNKS:-10000}
CHARS=${CHARS:-500}
ROUNDS=${ROUNDS:-5}
TARGET_S=${TARGET_S:-2}
CMDLINE="bench/embed_bench.sh $*"
smoke_settings() { CHUNKS=200 ROUNDS=1; }

while [ $# -gt 0 ]; do
	case $1 in
	-n) CHUNKS=${2:?}; shift 2 ;;
	-c) CHARS=${2:?}; shift 2 ;;
	-r) ROUNDS=${2:?}; shift 2 ;;
	*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
	esac
done
need_int CHUNKS CHARS ROUNDS
bench_begin embed

need_tools cmake cc pkg-config
need_pc libpq
build_pxtc pxt_static
# the embedders' header is internal (libpxt.so does not export it): the library's objects
copy_libpxt_static "$WORK"
# shellcheck disable=SC2046,SC2086
cc_bench c11 -I"$ROOT/app/include" -I"$ROOT/app/lib" \
    $(pkg-config --cflags libpq) -o "$WORK/embed_bench" "$ROOT/bench/embed_bench.c" \
    $PXT_INTERNAL_LIBS
log "embed_bench -n $CHUNKS -c $CHARS -r $ROUNDS"
# from $WORK: no stray .env of the caller's folder
in_work ./embed_bench -n "$CHUNKS" -c "$CHARS" -r "$ROUNDS" | tee "$WORK/results.txt" >&2

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" "$WORK/results.txt"; }
udf=$(field udf_s | median)
hash=$(field hash_s | median)
verdict=$(verdict "$udf" lt "$TARGET_S")
[ "$verdict" = met ] || MISSED=1
{
	echo "## embed_text (offline embedder), $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	machine_line
	echo "- command: \`$CMDLINE\` (CHUNKS=$CHUNKS CHARS=$CHARS ROUNDS=$ROUNDS), medians of $ROUNDS rounds, one thread"
	echo "- input: $(field bytes | head -n1) bytes of generated English-like text"
	load_line
	echo
	echo "| part | seconds (median) | seconds per round | chunks/s |"
	echo "|---|---:|---|---:|"
	echo "| embed_text batch: vectors and their array text | $udf | $(field udf_s | paste -sd/ | sed 's|/| / |g') | $(awk -v n="$CHUNKS" -v s="$udf" 'BEGIN { printf "%.0f", n / s }') |"
	echo "| pxt_embed_hash alone (no text written) | $hash | $(field hash_s | paste -sd/ | sed 's|/| / |g') | $(awk -v n="$CHUNKS" -v s="$hash" 'BEGIN { printf "%.0f", n / s }') |"
	echo
	echo "Target: $CHUNKS chunks in under $TARGET_S s: **$verdict** ($udf s)."
} >"$WORK/report.md"
report_out
bench_end
