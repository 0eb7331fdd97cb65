#!/usr/bin/env bash
# image.sh - build pxtc's two images from deploy/container/Dockerfile with podman:
# localhost/pxtc:test (target full: PostgreSQL included) and localhost/pxtc-slim:test
# (target slim). `--format docker` keeps the HEALTHCHECK; `--network host` lets the
# build's apt-get and npm reach their registries as the host does. Layers are cached by
# podman, so a second run after a source change rebuilds only pxtc's own layers.
# Prints each image's size. Run tests/deploy/podman-env.sh first (make test-deploy does).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tag=${PXTC_IMAGE_TAG:-test}
log=${PXTC_IMAGE_LOG:-/tmp/pxtc-image-build.log}
say() { printf 'image: %s\n' "$*"; }

build() {
	local target=$1 name=$2 t0=$SECONDS
	say "building $name:$tag (target $target; log $log)"
	if ! podman build --format docker --network host --layers \
	    -f "$top/deploy/container/Dockerfile" --target "$target" \
	    -t "localhost/$name:$tag" "$top" >>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		printf 'image: error: podman build of target %s failed (log %s)\n' "$target" "$log" >&2
		exit 1
	fi
	say "$name:$tag built in $((SECONDS - t0))s, $(podman image inspect --format '{{.Size}}' \
	    "localhost/$name:$tag" | awk '{ printf "%.1f MB", $1 / 1e6 }')"
}

: >"$log"
build slim pxtc-slim
build full pxtc
