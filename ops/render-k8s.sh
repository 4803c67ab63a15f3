#!/usr/bin/env bash
# Prints the rendered Kubernetes manifests of the gateway.
#
#   ops/render-k8s.sh [kustomization dir, default k8s]
#   KUBECTL=/path/to/kubectl ops/render-k8s.sh k8s/overlays/backlog-autoscaling
#
# k8s/kustomization.yaml generates its ConfigMap from ../conf/gateway.yaml, outside
# the kustomization root, so this runs
#   kubectl kustomize --load-restrictor LoadRestrictionsNone DIR
# kubectl before 1.21 (Debian's kubernetes-client 1.20 bundles kustomize 2) has no
# such flag and refuses the file. For it, the tree is copied into a scratch folder
# with conf/gateway.yaml placed inside the base and the one path that names it
# rewritten; the rendered objects are the same.
set -euo pipefail

project=$(cd "$(dirname "$0")/.." && pwd)
kubectl=${KUBECTL:-kubectl}
target=${1:-k8s}
conf_path='../conf/gateway.yaml'

cd "$project"
case "$target" in
  k8s|k8s/*) ;;
  *) echo "render-k8s: $target is not under k8s/" >&2; exit 2 ;;
esac

if "$kubectl" kustomize --help 2>/dev/null | grep -q -- '--load-restrictor'; then
  exec "$kubectl" kustomize --load-restrictor LoadRestrictionsNone "$target"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cp -R k8s "$scratch/k8s"
cp conf/gateway.yaml "$scratch/k8s/gateway.yaml"
if ! grep -q -F "=$conf_path" "$scratch/k8s/kustomization.yaml"; then
  echo "render-k8s: k8s/kustomization.yaml no longer names $conf_path" >&2
  exit 1
fi
sed -i "s|=$conf_path|=gateway.yaml|" "$scratch/k8s/kustomization.yaml"

"$kubectl" kustomize "$scratch/$target"
