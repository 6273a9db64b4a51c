#!/usr/bin/env bash
# Builds the Dockerfile without Docker, with buildah (Debian), and prints the
# image's root filesystem, mounted, for the local node to run pods from.
#
# The Dockerfile's base, node:24.21.0-bookworm-slim, lives on Docker Hub,
# which this machine cannot reach. Its stand-in is built here from the same
# parts: Debian bookworm (debootstrap --variant=minbase) plus the Node 24.21.0
# binary of the `node` npm package and npm. The Dockerfile itself is unchanged;
# only its NODE_IMAGE build argument points at the stand-in.
#
# Usage: hack/build-image-local.sh            build (cached), print the mounted rootfs
#        IMAGE=localhost/wearable:dev ...     the tag to build (default shown)
# Afterwards: buildah rm wearable-local-node  (unmounts it)
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin" # debootstrap

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
IMAGE="${IMAGE:-localhost/wearable:dev}"
NODE_VERSION="$("$repo/node_modules/.bin/node" --version)"
BASE="localhost/node-base:${NODE_VERSION#v}-bookworm-slim"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/wearable-pipeline/image-base"

log() { echo "build-image-local: $*" >&2; }

if ! buildah inspect --type image "$BASE" >/dev/null 2>&1; then
  log "building the base stand-in $BASE (Debian bookworm minbase + Node ${NODE_VERSION})"
  rootfs="$cache/bookworm-minbase"
  if [[ ! -x "$rootfs/bin/sh" ]]; then
    rm -rf "$rootfs" && mkdir -p "$cache"
    debootstrap --variant=minbase bookworm "$rootfs.tmp" http://deb.debian.org/debian >&2
    mv "$rootfs.tmp" "$rootfs"
  fi
  ctr="$(buildah from scratch)"
  mnt="$(buildah mount "$ctr")"
  cp -a "$rootfs/." "$mnt/"
  install -m 0755 "$(readlink -f "$repo/node_modules/.bin/node")" "$mnt/usr/local/bin/node"
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$mnt/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$ctr"
  buildah commit -q "$ctr" "$BASE" >/dev/null
  buildah rm "$ctr" >/dev/null
fi

# A TLS-intercepting proxy between this machine and the npm registry needs its
# CA inside the build too; nothing of it stays in the image (mounts only).
ca_args=()
ca="${NODE_EXTRA_CA_CERTS:-}"
if [[ -n "$ca" && -f "$ca" ]]; then
  npmrc="$cache/npmrc"
  mkdir -p "$cache" && printf 'cafile=/etc/ssl/certs/build-ca.crt\n' > "$npmrc"
  ca_args=(-v "$ca:/etc/ssl/certs/build-ca.crt:ro" -v "$npmrc:/root/.npmrc:ro")
fi

# runc, explicitly: with crun also installed (podman pulls it in), buildah would
# pick crun, which refuses this machine's hybrid cgroup v1/v2 layout.
runtime="$(command -v runc || true)"
[[ -n "$runtime" ]] || { log "runc is missing: run hack/install-system-deps.sh"; exit 1; }

log "building $IMAGE from the Dockerfile (base $BASE)"
buildah bud --runtime "$runtime" --quiet --network host --pull-never --layers=false "${ca_args[@]}" \
  --build-arg "NODE_IMAGE=$BASE" -t "$IMAGE" "$repo" >/dev/null

# One working container, named, replaced on every run: its mounted root is what pods run from.
buildah rm wearable-local-node >/dev/null 2>&1 || true
buildah from --quiet --pull-never --name wearable-local-node "$IMAGE" >/dev/null
buildah mount wearable-local-node
