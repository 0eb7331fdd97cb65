#!/usr/bin/env bash
# build.sh OUT - build helm-render (main.go beside this script) into OUT, offline, from
# Debian's Go and its packaged sprig and yaml sources (GOPATH mode, no module
# download); installs those Debian packages first when they are missing (as root).
# The Go build cache goes beside OUT (OUT.go-cache), never into the repository.
set -euo pipefail

out=${1:?usage: build.sh OUT}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

missing=()
command -v go >/dev/null || missing+=(golang-go)
[[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ]] ||
    missing+=(golang-github-masterminds-sprig-dev)
[[ -d /usr/share/gocode/src/gopkg.in/yaml.v2 ]] || missing+=(golang-gopkg-yaml.v2-dev)
if ((${#missing[@]})); then
	[[ $(id -u) -eq 0 ]] || { echo "helm-render: install ${missing[*]}" >&2; exit 1; }
	echo "helm-render: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
mkdir -p "$(dirname "$out")"
cd "$here"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$out.go-cache" GOFLAGS='' \
    go build -o "$out" .
