#!/usr/bin/env bash
# config_keys_readme.sh - the README's table of configuration keys must be the one
# `pxtc config --keys-markdown` prints from libpxt's table of keys
# (app/lib/config/config_keys.c). The table sits between the two marker lines below.
#
#   config_keys_readme.sh PXTC README.md           compare; exit 1 with a diff when they differ
#   config_keys_readme.sh PXTC README.md --write   put the printed table into the README
set -euo pipefail

[[ $# -eq 2 || ( $# -eq 3 && $3 == --write ) ]] ||
	{ echo "usage: $0 PXTC README.md [--write]" >&2; exit 2; }
pxtc=$1 readme=$2 write=${3:-}
begin='<!-- config-keys: printed by `pxtc config --keys-markdown`, do not edit -->'
end='<!-- /config-keys -->'

[[ $(grep -cxF -- "$begin" "$readme") == 1 && $(grep -cxF -- "$end" "$readme") == 1 ]] ||
	{ echo "$readme: needs the lines '$begin' and '$end' once each" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$pxtc" config --keys-markdown >"$work/printed"
[[ -s $work/printed ]] || { echo "pxtc config --keys-markdown printed nothing" >&2; exit 1; }
awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' \
	"$readme" >"$work/readme"

if [[ $write == --write ]]; then
	awk -v b="$begin" -v e="$end" -v f="$work/printed" '
		$0 == e { while ((getline l < f) > 0) print l; on = 0 }
		!on { print }
		$0 == b { on = 1 }' "$readme" >"$work/new"
	cat "$work/new" >"$readme"
	echo "$readme: table of $(($(wc -l <"$work/printed") - 2)) keys written"
	exit 0
fi
if ! diff -u --label "README.md" --label "pxtc config --keys-markdown" \
	"$work/readme" "$work/printed"; then
	echo "the README's table of configuration keys is out of date: run" >&2
	echo "  tests/unit/config_keys_readme.sh build/app/pxtc README.md --write" >&2
	exit 1
fi
echo "README.md: the table of $(($(wc -l <"$work/printed") - 2)) configuration keys is current"
