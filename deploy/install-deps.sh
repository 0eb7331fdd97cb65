#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages pxtc needs to build, test and run.
# Used by `make run`, `make test`, .ci/run and the Dockerfile. Installs only what is
# missing (apt-get update first, --no-install-recommends); needs root (or sudo) only
# when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config   # toolchain (CMake >= 3.25)
  libpq-dev                          # libpq >= 15
  libyajl-dev libfcgi-dev            # JSON (yajl >= 2.1), FastCGI (libfcgi >= 2.4)
  libssl-dev                         # libcrypto >= 3.0: signed media URLs
  libxml2-dev                        # libxml2 >= 2.9: HTML documents
  libpoppler-glib-dev libvips-dev    # PDF (poppler-glib >= 22.02), images (vips >= 8.14)
  libvips-tools groff poppler-utils  # tests: make images, PDFs; pdfinfo checks them
  nginx-light spawn-fcgi multiwatch curl  # the local stack; curl for tests and demo data
  postgresql-15 postgresql-client-15 # the embedded server's binaries, psql for tests
  clang libclang-rt-14-dev           # libFuzzer targets
  passwd procps ca-certificates      # useradd for the service user; pgrep in tests
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
# pxtc runs its own cluster: keep Debian from creating and starting a default one
if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
  "${sudo[@]}" mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | "${sudo[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
