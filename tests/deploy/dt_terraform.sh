#!/usr/bin/env bash
# dt_terraform.sh - the Terraform module deploy/terraform/modules/pxtc and its EKS, GKE
# and AKS examples are formatted as `terraform fmt` writes them, and every chart key
# they set by name exists in the chart's values.yaml.
#
# Only what runs offline: `terraform init` and `terraform validate` need the helm,
# random, aws, google and azurerm providers from a registry this machine cannot
# reach, so they are not run here (deploy/terraform/README.md says so). Proves:
#   - `terraform fmt -check -recursive deploy/terraform` passes (and the check is not
#     vacuous: a misformatted copy fails it);
#   - each dotted chart key the Terraform code passes to Helm ("media.urlSecret",
#     "media.gcs.secret", ...) is a key of deploy/helm/pxtc/values.yaml, so a renamed
#     value cannot leave the module setting nothing.
# Needs /usr/local/bin/terraform (or terraform on PATH); node and tests/node_modules.
# shellcheck disable=SC2015,SC2016  # `check && pass || fail`: pass never fails; JS in quotes
set -euo pipefail

SRC=${PXT_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TF_DIR=$SRC/deploy/terraform
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0

say() { printf 'dt_terraform: %s\n' "$*"; }
pass() { PASSED=$((PASSED + 1)); printf '  ok   %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf '  FAIL %s\n' "$1"; }

# find_terraform - the terraform binary, or fail naming where it was looked for
find_terraform() {
	TERRAFORM=$(command -v terraform || true)
	[[ -n $TERRAFORM ]] || [[ ! -x /usr/local/bin/terraform ]] || TERRAFORM=/usr/local/bin/terraform
	[[ -n $TERRAFORM ]] || { say "error: no terraform on PATH or in /usr/local/bin"; exit 1; }
}

# tf_fmt_check DIR - terraform fmt -check -recursive DIR (its CLI-config warning aside)
tf_fmt_check() {
	TF_CLI_CONFIG_FILE=/dev/null "$TERRAFORM" fmt -check -recursive -diff "$1" >"$WORK/fmt.out" 2>&1
}

main() {
	local t0=$SECONDS
	find_terraform
	say "$("$TERRAFORM" version 2>/dev/null | head -n 1)"

	if tf_fmt_check "$TF_DIR"; then
		pass "terraform fmt -check -recursive deploy/terraform"
	else
		cat "$WORK/fmt.out"
		fail "terraform fmt -check: files to reformat"
	fi
	local n
	n=$(find "$TF_DIR" -name '*.tf' | wc -l)
	((n >= 12)) && pass "$n .tf files (module and three examples)" || fail "only $n .tf files"
	for d in modules/pxtc examples/eks examples/gke examples/aks; do
		[[ -s $TF_DIR/$d/main.tf && -s $TF_DIR/$d/versions.tf ]] &&
		    pass "$d has main.tf and versions.tf" || fail "$d lacks main.tf or versions.tf"
	done

	# the check fails on a misformatted copy
	cp -r "$TF_DIR" "$WORK/tf"
	sed -i 's/^  source = /  source      =   /' "$WORK/tf/examples/eks/main.tf"
	if tf_fmt_check "$WORK/tf"; then
		fail "terraform fmt -check accepted a misformatted file"
	else
		pass "terraform fmt -check refuses a misformatted file"
	fi

	# every dotted chart key named in the Terraform code is in values.yaml
	grep -rhoE '"[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+"[[:space:]]*=' "$TF_DIR" --include='*.tf' |
	    sed -E 's/^"([^"]+)".*/\1/' | sort -u >"$WORK/keys"
	n=$(wc -l <"$WORK/keys")
	((n >= 5)) && pass "$n chart keys named in the Terraform code" || fail "only $n chart keys found"
	if node --input-type=module -e '
		import { readFileSync } from "node:fs";
		import { parse } from "yaml";
		const values = parse(readFileSync(process.argv[1], "utf8"));
		let bad = 0;
		for (const key of readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean)) {
			let v = values;
			for (const part of key.split(".")) v = v?.[part];
			if (v === undefined) { console.log(`  no value ${key} in values.yaml`); bad++; }
		}
		process.exit(bad ? 1 : 0);
	' "$SRC/deploy/helm/pxtc/values.yaml" "$WORK/keys" 2>&1; then
		pass "each is a key of deploy/helm/pxtc/values.yaml: $(paste -sd' ' "$WORK/keys")"
	else
		fail "chart keys missing from values.yaml"
	fi

	say "$PASSED passed, $FAILED failed ($((SECONDS - t0)) s)"
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	((FAILED == 0))
}

# node resolves the yaml package from tests/node_modules
cd "$SRC/tests"
main "$@"
