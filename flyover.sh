#!/usr/bin/env bash
# The front door. `./flyover.sh demo` runs the main job; `./flyover.sh test` builds and
# passes every test. Both install what they need first (Debian packages, idempotent).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
JOBS=${FLYOVER_JOBS:-$(nproc)}

# Debian 12 packages the build and the tests use.
PACKAGES=(
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev
  libabsl-dev nlohmann-json3-dev libyaml-cpp-dev libcpp-httplib-dev libssl-dev
  prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  libopenblas-dev libgloo-dev zlib1g-dev libsqlite3-dev sqlite3
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  golang-go golang-github-masterminds-sprig-dev python3-kubernetes python3-yaml
  prometheus
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  # kubectl: any recent client on the PATH will do; otherwise Debian's own.
  command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# configure <build-dir> [cmake args...]
configure() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  fi
}

build_main() {
  configure build
  log "building (build/)"
  cmake --build build -j "$JOBS" "$@"
}

# Runs ctest and records "passed failed" for the final tally.
TALLY_PASSED=0
TALLY_FAILED=0
run_ctest() {
  local out rc=0
  out=$(mktemp)
  ctest --test-dir "$@" --output-on-failure -j "$JOBS" --timeout 600 2>&1 | tee "$out" || rc=$?
  local line total failed
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -1 || true)
  rm -f "$out"
  if [ -z "$line" ]; then
    TALLY_FAILED=$((TALLY_FAILED + 1)); return 1
  fi
  failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  TALLY_PASSED=$((TALLY_PASSED + total - failed))
  TALLY_FAILED=$((TALLY_FAILED + failed))
  return $rc
}

# The sanitizer build: clang with ASan, UBSan and libFuzzer coverage. It runs the unit
# tests, then a short run of every fuzzer over tests/fuzz-seeds/<fuzzer>/.
configure_sanitizer_build() {
  configure build-san -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DFLYOVER_FUZZ=ON \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
}

run_fuzzers() {
  # Each fuzzer runs for FLYOVER_FUZZ_RUNS inputs or FLYOVER_FUZZ_SECONDS, whichever ends first.
  local runs=${FLYOVER_FUZZ_RUNS:-50000} seconds=${FLYOVER_FUZZ_SECONDS:-20} rc=0
  for f in build-san/fuzz/*; do
    [ -x "$f" ] || continue
    local name corpus seeds=()
    name=$(basename "$f")
    corpus="build-san/corpus/$name"
    mkdir -p "$corpus"
    [ -d "tests/fuzz-seeds/$name" ] && seeds=("tests/fuzz-seeds/$name")
    log "fuzzing $name for $runs runs or $seconds s"
    if "$f" -runs="$runs" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=3072 "$corpus" "${seeds[@]}" \
        > "build-san/$name.log" 2>&1; then
      TALLY_PASSED=$((TALLY_PASSED + 1))
      grep -E '^Done [0-9]+ runs' "build-san/$name.log" || tail -1 "build-san/$name.log"
    else
      TALLY_FAILED=$((TALLY_FAILED + 1)); rc=1
      tail -40 "build-san/$name.log"
    fi
  done
  return $rc
}

cmd_test() {
  install_deps
  build_main
  log "tests (build/)"
  local rc=0
  run_ctest build || rc=1
  log "unit tests under ASan + UBSan, then fuzzers (build-san/)"
  configure_sanitizer_build
  cmake --build build-san -j "$JOBS" --target unit_tests fuzzers
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest build-san -L unit || rc=1
  run_fuzzers || rc=1
  [ "$TALLY_FAILED" -eq 0 ] || rc=1
  echo "flyover: $TALLY_PASSED passed, $TALLY_FAILED failed"
  return $rc
}

cmd_demo() {
  install_deps
  build_main --target flyover flyover-apiserver flyover-nodesim flyover-device-plugin \
    flyover-scheduler flyover-operator flyover-worker
  demo_run build/bin
}

# demo_run <bin dir>: the demo on the binaries in <bin dir>.
demo_run() {
  local bin=$1 rc=0
  DEMO_BIN=$bin
  log "validating the example jobs (parse, default, validate)"
  "$bin/flyover" validate deploy/examples/*.yaml
  log "rejecting the invalid examples, each with its documented error"
  "$bin/flyover" validate --expect-invalid deploy/examples/invalid/*.yaml

  DEMO_DIR=$(mktemp -d -t flyover-demo.XXXXXX)
  log "flyover local up: control plane, CRDs, 2 super-pods x 4 Ascend nodes running pods as processes, device plugins, scheduler, operator (in $DEMO_DIR)"
  trap '"$DEMO_BIN/flyover" local down --data-dir "$DEMO_DIR" >/dev/null 2>&1 || true' EXIT
  eval "$("$bin/flyover" local up --data-dir "$DEMO_DIR" --mode process --super-pods 2 --nodes-per-super-pod 4)"
  "$bin/flyover" local status --data-dir "$DEMO_DIR"
  log "kubectl get nodes (Ascend 910C nodes with their super-pod labels and 16 dies each)"
  kubectl get nodes -L huawei.com/topotree.superpodid -L accelerator-type
  log "an invalid job is refused at admission, as kubectl shows it"
  if kubectl apply -f deploy/examples/invalid/npus-odd.yaml; then
    echo "error: the invalid job was accepted" >&2; return 1
  fi
  # The pods are processes on this host: keep their checkpoints in the demo's directory. 900
  # steps rather than 600: room after the third fault for its recovery (the third restart
  # waits out a 4 s backoff) on a machine that trains fast.
  log "kubectl apply -f deploy/examples/tiny.yaml (900 steps; checkpoints in $DEMO_DIR/checkpoints)"
  sed -e "s|^  checkpoint:\$|  checkpoint:\n    path: $DEMO_DIR/checkpoints|" \
    -e "s|^    steps: 600\$|    steps: 900|" deploy/examples/tiny.yaml |
    kubectl apply -f -
  log "flyover follow tiny: a progress bar while it trains; faults are injected along the way"
  demo_inject_faults "$bin" tiny &
  local injector=$!
  "$bin/flyover" follow tiny --timeout 5m || rc=$?
  wait "$injector" || rc=1
  log "kubectl get pods (one pod per rank index, bound by flyover-scheduler; replaced pods have a new generation)"
  kubectl get pods -o wide
  return $rc
}

# demo_note <text>: a log line that does not break the progress bar on a terminal.
demo_note() {
  if [ -t 1 ]; then printf '\r\033[K' >&2; fi
  log "$*"
}

# demo_inject_faults <bin dir> <job>: a pod delete, a rank kill and a device ECC error, each
# once the job is Running past its step (and so recovered from the fault before).
demo_inject_faults() {
  local bin=$1 job=$2 pod node dies pid
  demo_wait_step "$job" 150 || return 0
  read -r pod node dies < <(demo_pod "$job" 1)
  demo_note "fault: kubectl delete pod $pod; the operator replaces it on a spare node and the job resumes from its checkpoint"
  kubectl delete pod "$pod" --wait=false >/dev/null
  demo_wait_step "$job" 300 || return 0
  read -r pod node dies < <(demo_pod "$job" 0)
  if ! pid=$(demo_rank_pid "$pod"); then
    echo "error: no rank process of pod $pod found under $DEMO_DIR/nodesim/pods" >&2; return 1
  fi
  demo_note "fault: kill -9 $pid, a rank process of pod $pod; the operator restarts the pod's ranks in place"
  kill -9 "$pid"
  demo_wait_step "$job" 450 || return 0
  read -r pod node dies < <(demo_pod "$job" 1)
  demo_note "fault: a double-bit HBM ECC error on die ${dies%%,*} of $node, held by pod $pod; the pod is rescheduled off that die"
  "$bin/flyover" chaos --data-dir "$DEMO_DIR" npu-fault "$node" --die "${dies%%,*}" --kind hbm_ecc_double_bit >/dev/null
}

# demo_wait_step <job> <step>: waits (up to 2 min) until the job is Running at or past
# <step>; fails when it finishes or the time is up.
demo_wait_step() {
  local job=$1 deadline=$((SECONDS + 120)) state
  while [ $SECONDS -lt $deadline ]; do
    state=$(kubectl get posttrainingjob "$job" -o jsonpath='{.status.phase} {.status.step}')
    case $state in
      Succeeded*|Failed*) return 1 ;;
      "Running "*) state=${state#Running }; [ "${state:-0}" -ge "$2" ] && return 0 ;;
    esac
    sleep 0.5
  done
  return 1
}

# demo_pod <job> <rank index>: "<pod> <node> <dies>" of the Running pod serving that rank
# (dies as the device plugin annotated them: 0,1).
demo_pod() {
  kubectl get pods -l training.flyover.dev/job-name="$1" -o json | /usr/bin/python3 -c '
import json, sys
rank = sys.argv[1]
pods = [p for p in json.load(sys.stdin)["items"]
        if p["metadata"].get("annotations", {}).get("hccl/rankIndex") == rank
        and p.get("status", {}).get("phase") == "Running"
        and "deletionTimestamp" not in p["metadata"]]
pods.sort(key=lambda p: p["metadata"]["creationTimestamp"])
p = pods[-1]
dies = p["metadata"]["annotations"].get("huawei.com/Ascend910", "")
print(p["metadata"]["name"], p["spec"]["nodeName"],
      ",".join(d.rsplit("-", 1)[-1] for d in dies.split(",") if d))' "$2"
}

# demo_rank_pid <pod>: the pid of a rank process (`flyover-worker rank`) of the pod; nodesim
# runs a pod's processes in its directory (pods/<namespace>_<pod>_<uid>), so they are found
# by their working directory.
demo_rank_pid() {
  local dir="$DEMO_DIR/nodesim/pods/default_${1}_" p cwd
  for p in /proc/[0-9]*; do
    cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
    case $cwd in "$dir"*) ;; *) continue ;; esac
    if [ "$(tr '\0' '\n' < "$p/cmdline" 2>/dev/null | sed -n 2p)" = rank ]; then
      echo "${p#/proc/}"; return 0
    fi
  done
  return 1
}

usage() {
  cat <<USAGE
usage: ./flyover.sh <command>
  demo    install, build and run the main job (see README.md)
  test    install, build and pass every test (unit, sanitizer, fuzz)
  build   install and build into build/
  deps    install the Debian packages the build needs
USAGE
}

case "${1:-}" in
  demo) cmd_demo ;;
  test) cmd_test ;;
  build) install_deps; build_main ;;
  deps) install_deps ;;
  *) usage; exit 2 ;;
esac
