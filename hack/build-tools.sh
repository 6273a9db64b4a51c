#!/usr/bin/env bash
# Builds the pinned Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager), kubectl and helm from the Go module proxy.
#
# Binaries are cached OUTSIDE the repo, keyed by version, so a fresh clone (CI)
# reuses a warm cache and a cold machine builds once:
#   ${XDG_CACHE_HOME:-~/.cache}/wearable-pipeline/tools-<key>/bin
# A user who already has envtest assets (setup-envtest) sets KUBEBUILDER_ASSETS,
# and those binaries are used instead of building.
#
# Usage: hack/build-tools.sh            build what is missing, print the bin dir
#        hack/build-tools.sh --print    only print the bin dir (no build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION=v1.34.2
ETCD_VERSION=v3.6.13
HELM_VERSION=v3.19.0
key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/wearable-pipeline"
bin="${cache_root}/tools-${key}/bin"

if [[ "${1:-}" == "--print" ]]; then echo "$bin"; exit 0; fi
mkdir -p "$bin"

log() { echo "build-tools: $*" >&2; }

# The version a binary must report to be used in place of a build.
want_version() {
  case "$1" in
    etcd) echo "${ETCD_VERSION#v}" ;;
    helm) echo "$HELM_VERSION" ;;
    *) echo "$K8S_VERSION" ;;
  esac
}
reported_version() {
  case "$1" in
    kubectl) "$2" version --client 2>/dev/null | head -1 ;;
    helm) "$2" version --short 2>/dev/null ;;
    *) "$2" --version 2>/dev/null | head -1 ;;
  esac
}

# Prefer binaries a user already has (envtest assets, or PATH when the version
# matches the pin) over a rebuild.
adopt() {
  local name="$1" candidate
  [[ -x "$bin/$name" ]] && return 0
  for candidate in "${KUBEBUILDER_ASSETS:+${KUBEBUILDER_ASSETS}/$name}" "$(command -v "$name" || true)"; do
    [[ -n "$candidate" && -x "$candidate" ]] || continue
    if reported_version "$name" "$candidate" | grep -qF "$(want_version "$name")"; then
      ln -sf "$candidate" "$bin/$name"; log "using $candidate ($(want_version "$name"))"; return 0
    fi
    log "ignoring $candidate: not version $(want_version "$name")"
  done
  return 1
}

go_build() { # dir name pkg ldflags
  local dir="$1" name="$2" pkg="$3" ldflags="$4"
  adopt "$name" && return 0
  log "building $name ($pkg) — first run only, cached in $bin"
  local start=$SECONDS
  (cd "$here/tools/$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-s -w $ldflags" -o "$bin/$name.tmp" "$pkg")
  mv "$bin/$name.tmp" "$bin/$name"
  log "built $name in $((SECONDS - start))s"
}

minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
kv="-X k8s.io/component-base/version.gitVersion=${K8S_VERSION} \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor} \
-X k8s.io/component-base/version.gitTreeState=clean \
-X k8s.io/client-go/pkg/version.gitVersion=${K8S_VERSION} \
-X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"

go_build etcd etcd go.etcd.io/etcd/server/v3 ""
go_build kubernetes kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$kv"
go_build kubernetes kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$kv"
go_build kubernetes kubectl k8s.io/kubernetes/cmd/kubectl "$kv"
go_build helm helm helm.sh/helm/v3/cmd/helm "-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"

# Lint tools live in their own versioned folder, so adding or bumping one
# never invalidates the control-plane build above.
ACTIONLINT_VERSION=v1.7.12
lint_bin="${cache_root}/tools-actionlint-${ACTIONLINT_VERSION}/bin"
if [[ ! -x "$lint_bin/actionlint" ]]; then
  log "building actionlint ${ACTIONLINT_VERSION} — first run only, cached in $lint_bin"
  mkdir -p "$lint_bin"
  (cd "$here/tools/actionlint" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-s -w -X github.com/rhysd/actionlint.version=${ACTIONLINT_VERSION}" -o "$lint_bin/actionlint.tmp" github.com/rhysd/actionlint/cmd/actionlint)
  mv "$lint_bin/actionlint.tmp" "$lint_bin/actionlint"
fi
ln -sf "$lint_bin/actionlint" "$bin/actionlint"

echo "$bin"
