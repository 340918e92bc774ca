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
  local runs=${FLYOVER_FUZZ_RUNS:-50000} rc=0
  for f in build-san/fuzz/*; do
    [ -x "$f" ] || continue
    local name corpus seeds=()
    name=$(basename "$f")
    corpus="build-san/corpus/$name"
    mkdir -p "$corpus"
    [ -d "tests/fuzz-seeds/$name" ] && seeds=("tests/fuzz-seeds/$name")
    log "fuzzing $name for $runs runs"
    if "$f" -runs="$runs" -max_len=4096 -rss_limit_mb=3072 "$corpus" "${seeds[@]}" \
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
  log "validating the example jobs (parse, default, validate)"
  build/bin/flyover validate deploy/examples/*.yaml
  log "rejecting the invalid examples, each with its documented error"
  build/bin/flyover validate --expect-invalid deploy/examples/invalid/*.yaml

  DEMO_DIR=$(mktemp -d -t flyover-demo.XXXXXX)
  log "flyover local up: control plane, CRDs, 2 super-pods x 4 Ascend nodes running pods as processes, device plugins, scheduler, operator (in $DEMO_DIR)"
  trap 'build/bin/flyover local down --data-dir "$DEMO_DIR" >/dev/null 2>&1 || true' EXIT
  eval "$(build/bin/flyover local up --data-dir "$DEMO_DIR" --mode process --super-pods 2 --nodes-per-super-pod 4)"
  build/bin/flyover local status --data-dir "$DEMO_DIR"
  log "kubectl get nodes (Ascend 910C nodes with their super-pod labels and 16 dies each)"
  kubectl get nodes -L huawei.com/topotree.superpodid -L accelerator-type
  log "an invalid job is refused at admission, as kubectl shows it"
  if kubectl apply -f deploy/examples/invalid/npus-odd.yaml; then
    echo "error: the invalid job was accepted" >&2; return 1
  fi
  # The pods are processes on this host: keep their checkpoints in the demo's directory.
  log "kubectl apply -f deploy/examples/tiny.yaml (checkpoints in $DEMO_DIR/checkpoints)"
  sed "s|^  checkpoint:\$|  checkpoint:\n    path: $DEMO_DIR/checkpoints|" deploy/examples/tiny.yaml |
    kubectl apply -f -
  demo_follow_job tiny 600 200
  log "a fault: kubectl delete pod tiny-1-g0 while it trains; the operator replaces it and the job resumes from its checkpoint"
  kubectl delete pod tiny-1-g0 --wait=false
  demo_follow_job tiny 600
  log "kubectl get pods (one pod per rank index, bound by flyover-scheduler; tiny-1 replaced)"
  kubectl get pods -o wide
  log "the job's status: placement, evaluation before/after, the fault with its detection and recovery"
  kubectl get posttrainingjob tiny -o jsonpath='{.status}' | /usr/bin/python3 -m json.tool
}

# demo_follow_job <name> <timeout seconds> [step]: prints `kubectl get ptj` until the job
# finishes, or until it has passed `step` when one is given.
demo_follow_job() {
  local name=$1 deadline=$((SECONDS + $2)) until_step=${3:-} phase="" step=0
  while [ $SECONDS -lt $deadline ]; do
    phase=$(kubectl get posttrainingjob "$name" -o jsonpath='{.status.phase}')
    step=$(kubectl get posttrainingjob "$name" -o jsonpath='{.status.step}')
    kubectl get posttrainingjob "$name" --no-headers
    case $phase in Succeeded) return 0 ;; Failed) return 1 ;; esac
    if [ -n "$until_step" ] && [ "${step:-0}" -ge "$until_step" ]; then return 0; fi
    sleep 2
  done
  echo "error: job $name still $phase after $2 s" >&2
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
