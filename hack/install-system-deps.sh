#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks run for real:
# PostgreSQL (native server for multi-connection and performance work),
# Prometheus + promtool, Alertmanager + amtool, Chromium for browser tests,
# the ShellCheck linter for the scripts that cannot run here (hack/e2e-kind.sh),
# and buildah + runc + debootstrap to build the Dockerfile without Docker
# (hack/build-image-local.sh).
# Idempotent: a package whose command is already present is skipped, so a warm
# machine makes no apt call at all.
set -euo pipefail

declare -A want=(
  [postgres]="postgresql"
  [prometheus]="prometheus"
  [promtool]="prometheus"
  [prometheus-alertmanager]="prometheus-alertmanager"
  [amtool]="prometheus-alertmanager"
  [chromium]="chromium"
  [shellcheck]="shellcheck"
  [buildah]="buildah"
  [runc]="runc"
  [debootstrap]="debootstrap"
)
# Debian puts the PostgreSQL server outside PATH.
have() {
  case "$1" in
    postgres) compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || command -v postgres >/dev/null ;;
    *) command -v "$1" >/dev/null || [[ -x "/usr/sbin/$1" ]] ;;
  esac
}

missing=()
for cmd in "${!want[@]}"; do
  have "$cmd" || missing+=("${want[$cmd]}")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "install-system-deps: installing ${pkgs[*]}" >&2
sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# --no-install-recommends keeps chromium from pulling a desktop; policy-rc.d
# stops the packages' own services from starting (tests start their own).
printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
$sudo chmod +x /usr/sbin/policy-rc.d
$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
$sudo rm -f /usr/sbin/policy-rc.d
# Debian starts these as services when systemd is present; tests own their instances.
for svc in prometheus prometheus-alertmanager prometheus-node-exporter postgresql; do
  $sudo service "$svc" stop >/dev/null 2>&1 || true
done
