#!/usr/bin/env bash
# helm_apply_test: starts flyover-apiserver (port 0, a fresh data directory), renders the chart
# with default values and applies it with kubectl (apply_check.py): the CRDs, then every object
# whose kind the server serves, each read back (ServiceAccounts and RBAC must be among them); the
# others (apps, policy) must be refused as unknown kinds.
# Usage: apply_test.sh <flyover-apiserver binary> <work dir>   (KUBECTL: kubectl to use)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
apiserver=${1:?usage: apply_test.sh <flyover-apiserver> <work dir>}
work=${2:?usage: apply_test.sh <flyover-apiserver> <work dir>}
kubectl=${KUBECTL:-$(command -v kubectl || true)}
[[ -x "$kubectl" ]] || { echo "helm_apply_test: no kubectl on the PATH (set KUBECTL)" >&2; exit 1; }
export PYTHONDONTWRITEBYTECODE=1
rm -rf "$work/data" "$work/kubeconfig"
mkdir -p "$work"
RENDER_BUILD_DIR=$work/render "$here/render.sh" --out "$work/flyover.yaml"
"$apiserver" --data-dir "$work/data" --port 0 --kubeconfig-out "$work/kubeconfig" \
  > "$work/apiserver.out" 2> "$work/apiserver.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  [[ -s "$work/kubeconfig" ]] && "$kubectl" --kubeconfig "$work/kubeconfig" get --raw /readyz \
    >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { echo "flyover-apiserver exited:" >&2; cat "$work/apiserver.log" >&2; exit 1; }
  sleep 0.1
done
/usr/bin/python3 "$here/apply_check.py" "$work/flyover.yaml" "$work/kubeconfig" "$kubectl"
echo "helm_apply_test: passed with $("$kubectl" version --client 2>/dev/null | head -1)"
