#!/usr/bin/env bash
# Renders helm/flyover with default values (release "flyover", namespace "flyover-system"),
# the equivalent of `helm template flyover helm/flyover -n flyover-system --include-crds`,
# with the Go renderer in tests/helm/render/ (text/template + sprig, built offline from
# Debian's golang packages).
#
#   render.sh [--out FILE]   render to FILE (default: stdout)
#   render.sh --write        regenerate deploy/manifests/flyover.yaml
#
# RENDER_BUILD_DIR (default /tmp/flyover-helm-render) holds the renderer binary and Go cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${RENDER_BUILD_DIR:-/tmp/flyover-helm-render}
out=/dev/stdout
case "${1:-}" in
  --write) out=$root/deploy/manifests/flyover.yaml ;;
  --out) out=$2 ;;
  "") ;;
  *) echo "usage: render.sh [--out FILE | --write]" >&2; exit 2 ;;
esac
mkdir -p "$build"
( cd "$here/render" &&
  GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off GOCACHE="$build/gocache" \
    go build -o "$build/render" . )
header="# Generated from helm/flyover with default values by tests/helm/render.sh; do not edit.
# Equivalent to: helm template flyover helm/flyover --namespace flyover-system --include-crds"
rendered=$("$build/render" --chart "$root/helm/flyover" --release flyover --namespace flyover-system)
printf '%s\n%s\n' "$header" "$rendered" > "$out"
