#!/usr/bin/env bash
# helm_chart_test: renders the chart with default values and checks it (check_chart.py), after
# checking that the checks themselves catch what they claim to (check_chart_test.py).
# Usage: run_test.sh <build dir for the renderer>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export RENDER_BUILD_DIR=${1:?usage: run_test.sh <build dir>}
python=/usr/bin/python3  # Debian's, with python3-kubernetes and python3-yaml
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree
cd "$here"
"$python" check_chart_test.py
"$here/render.sh" --out "$RENDER_BUILD_DIR/flyover.yaml"
"$python" check_chart.py "$root" "$RENDER_BUILD_DIR/flyover.yaml" "$root/deploy/manifests/flyover.yaml"
# Every optional part switched on: those templates must render valid objects too.
"$RENDER_BUILD_DIR/render" --chart "$root/helm/flyover" --values "$here/all-features-values.yaml" \
  > "$RENDER_BUILD_DIR/all-features.yaml"
"$python" check_chart.py "$root" "$RENDER_BUILD_DIR/all-features.yaml"
# The PodMonitor's namespaceSelector: the default selects every namespace; a user's list
# replaces it (Helm's merge would otherwise keep `any: true`, which wins over the list).
pod_monitor_selector() {  # <rendered file>; prints the PodMonitor's namespaceSelector as JSON
  "$python" -c 'import json, sys, yaml
objs = [o for o in yaml.safe_load_all(open(sys.argv[1])) if o and o.get("kind") == "PodMonitor"]
print(json.dumps([o["spec"]["namespaceSelector"] for o in objs]))' "$1"
}
printf 'podMonitor: {enabled: true}\n' > "$RENDER_BUILD_DIR/podmonitor-values.yaml"
"$RENDER_BUILD_DIR/render" --chart "$root/helm/flyover" --values "$RENDER_BUILD_DIR/podmonitor-values.yaml" \
  > "$RENDER_BUILD_DIR/podmonitor.yaml"
for case in "podmonitor.yaml:[{\"any\": true}]" "all-features.yaml:[{\"matchNames\": [\"training\"]}]"; do
  got=$(pod_monitor_selector "$RENDER_BUILD_DIR/${case%%:*}")
  [[ $got == "${case#*:}" ]] || { echo "${case%%:*}: PodMonitor namespaceSelector $got, want ${case#*:}" >&2; exit 1; }
done
# Values the chart must refuse, each with a message naming the value.
expect_refusal() {  # <values YAML> <expected message>
  local values=$RENDER_BUILD_DIR/refused-values.yaml err
  printf '%s\n' "$1" > "$values"
  if err=$("$RENDER_BUILD_DIR/render" --chart "$root/helm/flyover" --values "$values" 2>&1 >/dev/null); then
    echo "rendered with $1; want a refusal: $2" >&2; exit 1
  fi
  grep -qF "$2" <<<"$err" || { echo "refusal of $1 says: $err; want: $2" >&2; exit 1; }
}
expect_refusal 'image: {registry: ""}' "image.registry: set the registry"
expect_refusal 'scheduler: {superPod: {size: 4, sparesPerSuperPod: 4}}' \
  "scheduler.superPod.sparesPerSuperPod: must be less than scheduler.superPod.size"
echo "helm_chart_test: all checks passed"
