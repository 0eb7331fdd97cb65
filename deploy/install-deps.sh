#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages pxtc needs to build, test and run,
# then the npm packages of deploy/docs (the /docs page) and tests/ (test peers).
# Used by `make run`, `make test`, .ci/run and the Dockerfile. Installs only what is
# missing (apt-get update first, --no-install-recommends); needs root (or sudo) only
# when a Debian package is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config   # toolchain (CMake >= 3.25)
  libpq-dev                          # libpq >= 15
  libyajl-dev libfcgi-dev            # JSON (yajl >= 2.1), FastCGI (libfcgi >= 2.4)
  libssl-dev                         # libcrypto >= 3.0: signed media URLs
  libcurl4-openssl-dev               # libcurl >= 7.88: downloading media URLs
  libxml2-dev                        # libxml2 >= 2.9: HTML documents
  libpoppler-glib-dev libvips-dev    # PDF (poppler-glib >= 22.02), images (vips >= 8.14)
  libsqlite3-dev                     # SQLite >= 3.31: export_sql to an SQLite file
  libvips-tools groff poppler-utils  # tests: make images, PDFs; pdfinfo checks them
  sqlite3                            # tests: reading what export_sql wrote
  nginx-light spawn-fcgi multiwatch curl  # the local stack; curl for tests and demo data
  postgresql-15 postgresql-client-15 # the embedded server's binaries, psql for tests
  clang libclang-rt-14-dev           # libFuzzer targets
  passwd procps ca-certificates      # useradd for the service user; pgrep in tests
  chromium                           # tests: the /docs page in a headless browser
  wrk                                # the benchmarks (their --smoke runs are tests)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# Node.js (>= 18) and npm install the npm packages below: Debian's nodejs and npm,
# unless a node (which may bring its own npm) is there already
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [[ ${#missing[@]} -gt 0 ]]; then
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
fi

# npm packages, exact versions pinned by each folder's package-lock.json: the runtime
# package in deploy/docs (swagger-ui-dist, served at /docs) apart from the test peers
# in tests/ (an OpenAPI validator, playwright-core driving Debian's chromium, and the
# object-store peers: the S3 server @20minutes/s3rver, which checks SigV4, and the
# Azure Blob emulator azurite). `npm ci` runs only when node_modules is missing or older than the lock file; no install
# scripts run and no browser is downloaded.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for dir in "$top/deploy/docs" "$top/tests"; do
  [[ -e $dir/package-lock.json ]] || continue   # (a copy of this script alone)
  stamp=$dir/node_modules/.package-lock.json
  [[ -e $stamp && ! $dir/package-lock.json -nt $stamp ]] && continue
  echo "install-deps: npm ci in ${dir#"$top"/}"
  npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --include=dev --loglevel=error
done
