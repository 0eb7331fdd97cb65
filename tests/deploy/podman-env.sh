#!/usr/bin/env bash
# podman-env.sh - prepare this machine's podman for the deploy tests, then make sure the
# base image `debian:bookworm-slim` exists (image registries cannot be reached here: it
# is made with debootstrap from the Debian mirror apt already uses, and imported under
# that name, so deploy/container/Dockerfile builds unchanged).
#
# Idempotent, and quick once done: the imported image stays in podman's storage, and
# its tarball is cached in $PXTC_DEPLOY_CACHE (default /var/cache/pxtc-deploy) so that a
# reset storage is refilled in seconds. Needs root (podman's rootful storage, apt).
#
# Configuration written (only when it is not there already), as this machine needs:
# runc (crun fails on hybrid cgroups), cgroupfs, and no default ulimits (podman's
# defaults exceed the hard limits here).
set -euo pipefail

CACHE=${PXTC_DEPLOY_CACHE:-/var/cache/pxtc-deploy}
BASE=docker.io/library/debian:bookworm-slim

say() { printf 'podman-env: %s\n' "$*"; }
die() { printf 'podman-env: error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (rootful podman storage)"

# podman and its runtime, compose, debootstrap; for the Helm chart's test, Go with the
# sprig and yaml sources (tests/deploy/helm-render) and yamllint
packages=(podman runc catatonit uidmap slirp4netns fuse-overlayfs debootstrap docker-compose
    golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev yamllint)
need=()
for p in "${packages[@]}"; do
	[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) == "install ok installed" ]] ||
	    need+=("$p")
done
if ((${#need[@]})); then
	say "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${need[@]}"
fi

conf=/etc/containers/containers.conf
if ! grep -q '^runtime *= *"runc"' "$conf" 2>/dev/null; then
	say "writing $conf (runc, cgroupfs, no default ulimits)"
	mkdir -p /etc/containers
	cat >"$conf" <<-'CONF'
	# written by pxtc's tests/deploy/podman-env.sh for this kind of machine
	[containers]
	default_ulimits = []

	[engine]
	runtime = "runc"
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	CONF
fi

# slim ROOT - what the published slim image does: no apt lists or downloaded packages,
# and dpkg told to leave out documentation, man pages and translations from now on
slim() {
	local root=$1
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
	    "$root"/var/cache/apt/archives/*.deb "$root"/usr/share/man/* "$root"/usr/share/info/* \
	    "$root"/usr/share/doc/* "$root"/usr/share/locale/*
	mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
	cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<-'DPKG'
	path-exclude /usr/share/doc/*
	path-include /usr/share/doc/*/copyright
	path-exclude /usr/share/man/*
	path-exclude /usr/share/info/*
	path-exclude /usr/share/locale/*
	path-exclude /usr/share/groff/*
	path-exclude /usr/share/linda/*
	path-exclude /usr/share/lintian/*
	DPKG
	# and apt keeps no downloaded package once installed, nor its binary caches
	mkdir -p "$root/etc/apt/apt.conf.d"
	cat >"$root/etc/apt/apt.conf.d/slim-no-cache" <<-'APT'
	DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
	Dir::Cache::pkgcache "";
	Dir::Cache::srcpkgcache "";
	APT
}

if podman image exists "$BASE"; then
	exit 0
fi
mkdir -p "$CACHE"
tarball=$CACHE/debian-bookworm-slim.tar
if [[ ! -s $tarball ]]; then
	# the mirror apt uses (deb822 sources first, then the one-line form)
	mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[[ -n $mirror ]] || mirror=$(awk '$1 == "deb" && $3 ~ /^bookworm/ { print $2; exit }' \
	    /etc/apt/sources.list 2>/dev/null || true)
	[[ -n $mirror ]] || die "no Debian mirror found in apt's sources"
	root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
	trap 'rm -rf "$root"' EXIT
	say "debootstrap --variant=minbase bookworm (about 2 minutes, once)"
	debootstrap --variant=minbase bookworm "$root" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
	    die "debootstrap failed: see $CACHE/debootstrap.log"
	slim "$root"
	tar -C "$root" -c . >"$tarball.tmp"
	mv -f "$tarball.tmp" "$tarball"
	rm -rf "$root"
	trap - EXIT
fi
say "importing $BASE from $tarball"
podman import "$tarball" "$BASE" >/dev/null
