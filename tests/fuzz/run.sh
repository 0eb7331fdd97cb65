#!/usr/bin/env bash
# run.sh FUZZER CORPUS_DIR - replay a fuzz target's corpus, then fuzz for a few seconds.
# New inputs go to a temporary folder, never into the source tree; a crash fails the test
# and its reproducer is kept in the build folder (fuzz-crash-*) for the report.
set -euo pipefail
fuzzer=$1 corpus=$2
secs=${PXT_FUZZ_SECONDS:-5}
[ -n "$secs" ] || secs=5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fuzzer" -runs=0 "$corpus"
"$fuzzer" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$PWD/fuzz-crash-" -print_final_stats=1 "$work" "$corpus"
