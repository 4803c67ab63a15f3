#!/usr/bin/env bash
# Installs the tools that the ops checks (KubernetesManifestsTest,
# PrometheusRulesTest) need on a Debian 12 machine, as root. Safe to run again:
# it installs only what is missing and runs `apt-get update` at most once, only
# when a package it needs is not in the local lists.
#
#   promtool  from Debian's `prometheus` package. The package also brings the
#             Prometheus server, whose default port 9090 is the gateway's
#             management port: the server is kept from starting and left disabled.
#   kubectl   any version that has `kubectl kustomize`. Machines built from our
#             image have Google's `kubectl` package (1.3x, kustomize 5); a fresh
#             Debian gets Debian's `kubernetes-client` (1.20, kustomize 2), which
#             ops/render-k8s.sh also supports.
#   node, npm and the npm packages of src/test/node (express, standardwebhooks) for
#             the Node webhook receivers of the signature tests: `npm ci` from the
#             committed lock file, run only when node_modules is missing or was
#             installed from another lock file.
#   chromium  Debian's `chromium`, for the dashboard's browser test
#             (DashboardBrowserTest drives it headless over the DevTools protocol).
set -euo pipefail

project_root=$(cd "$(dirname "$0")/.." && pwd)

apt_updated=no

log() { echo "install-test-tools: $*"; }

# True when apt knows an installable version of package $1.
apt_has_candidate() {
  local candidate
  candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
  [[ -n "$candidate" && "$candidate" != "(none)" ]]
}

apt_update_once() {
  if [[ "$apt_updated" == no ]]; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=yes
  fi
}

apt_install() {
  local package
  for package in "$@"; do
    apt_has_candidate "$package" || apt_update_once
  done
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

require_root() {
  if [[ "$(id -u)" != 0 ]]; then
    log "$1 is missing and installing it needs root; run this script as root" >&2
    exit 1
  fi
}

# Debian's postinst starts the daemon through invoke-rc.d. A policy-rc.d that
# answers 101 forbids that, the same way container images do; ours is removed
# again on exit unless one was already there.
forbid_service_starts() {
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
}

# Stops the packaged Prometheus service if it runs, and keeps it off at boot.
# Only the service of the package is touched (its pid file), never a Prometheus
# that a test started itself.
keep_prometheus_service_off() {
  if [[ -d /run/systemd/system ]]; then
    systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  else
    if [[ -f /run/prometheus/prometheus.pid ]]; then
      log "stopping the prometheus service that the package started"
      /etc/init.d/prometheus stop || true
    fi
    deb-systemd-helper disable prometheus.service >/dev/null 2>&1 || true
  fi
  if [[ -x /etc/init.d/prometheus ]]; then
    update-rc.d prometheus disable >/dev/null 2>&1 || true
  fi
}

install_promtool() {
  if ! command -v promtool >/dev/null; then
    require_root promtool
    forbid_service_starts
    apt_install prometheus
  fi
  if dpkg-query -W -f='${Status}' prometheus 2>/dev/null | grep -q 'ok installed'; then
    keep_prometheus_service_off
  fi
  log "$(promtool --version 2>&1 | head -n 1)"
}

install_kubectl() {
  if ! command -v kubectl >/dev/null; then
    require_root kubectl
    apt_install kubernetes-client
  fi
  if ! kubectl kustomize --help >/dev/null 2>&1; then
    log "$(command -v kubectl) has no 'kustomize' command" >&2
    exit 1
  fi
  log "kubectl $(kubectl version --client 2>/dev/null | head -n 1)"
}

# node_modules/.lock-sha256 holds the hash of the lock file it was installed from.
install_node_receivers() {
  local folder="$project_root/src/test/node"
  local stamp="$folder/node_modules/.lock-sha256"
  local wanted
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    require_root "node and npm"
    apt_install nodejs npm
  fi
  wanted=$(sha256sum "$folder/package-lock.json" | cut -d ' ' -f 1)
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    log "npm packages of src/test/node are up to date"
  else
    log "npm ci in src/test/node"
    (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$wanted" > "$stamp"
  fi
  log "node $(node --version), npm $(npm --version)"
}

install_chromium() {
  if ! command -v chromium >/dev/null; then
    require_root chromium
    apt_install chromium
  fi
  log "$(chromium --version 2>/dev/null | head -n 1)"
}

install_promtool
install_kubectl
install_node_receivers
install_chromium
