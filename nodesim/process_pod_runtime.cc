#include "nodesim/process_pod_runtime.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "kube/client/api_status.h"
#include "nodesim/pod_path.h"
#include "nodesim/pod_status.h"
#include "nodesim/pod_volumes.h"
#include "nodesim/simulated_pod_runtime.h"

namespace flyover::nodesim {
namespace {

using kube::core::ContainerStatus;
using kube::core::Pod;

const log::Logger& Logger() {
  static const log::Logger* logger = new log::Logger("nodesim.process");
  return *logger;
}

// The node's address (hostIP); each pod gets its own loopback address (podIP).
constexpr char kHostIp[] = "127.0.0.1";

EnvList BaseEnv(const Pod& pod, const ChaosState* chaos) {
  EnvList env;
  const char* host_path = std::getenv("PATH");
  env.emplace_back("PATH", PrependToPath(OwnBinaryDirectory(), host_path ? host_path : ""));
  for (const char* name : {"HOME", "LANG", "TMPDIR", "LD_LIBRARY_PATH"}) {
    if (const char* value = std::getenv(name)) env.emplace_back(name, value);
  }
  env.emplace_back("HOSTNAME", pod.metadata.name);
  if (chaos != nullptr) {
    env.emplace_back("FLYOVER_SLOW_FACTOR", absl::StrCat(chaos->SlowFactor(pod.spec.node_name)));
    std::string path = chaos->SlowFactorPath(pod.spec.node_name);
    if (!path.empty()) env.emplace_back("FLYOVER_SLOW_FACTOR_FILE", path);
  }
  return env;
}

std::string PhaseOf(const std::vector<ContainerStatus>& statuses, bool all_finished) {
  if (!all_finished) {
    for (const ContainerStatus& s : statuses) {
      if (s.state.running || s.restart_count > 0 || s.state.terminated) return kube::core::kPodRunning;
    }
    return kube::core::kPodPending;
  }
  for (const ContainerStatus& s : statuses) {
    if (!s.state.terminated || s.state.terminated->exit_code != 0) return kube::core::kPodFailed;
  }
  return kube::core::kPodSucceeded;
}

}  // namespace

struct ProcessPodRuntime::PodState {
  ~PodState() { containers.clear(); }  // joins the supervisors before anything else goes
  // Released once the pod has ended (guarded by the runtime's mu_ after StartPod), at the
  // latest when the last process is gone: declared first, destroyed last.
  std::unique_ptr<LoopbackAddressLease> address;
  std::string ip;  // the pod's address, for its status
  Pod pod;
  std::string dir;
  absl::Time start;
  std::vector<std::unique_ptr<ContainerSupervisor>> containers;
  absl::Mutex report_mu;  // serialises status writes of this pod
  std::atomic<bool> silent{false};  // the pod left the API: no more status writes
  std::atomic<bool> held{false};    // a status write was held back (node silenced)
  bool terminating = false;         // guarded by the runtime's mu_
};

absl::Duration GracePeriod(const Pod& pod, absl::Duration fallback) {
  if (pod.metadata.deletion_grace_period_seconds) {
    return absl::Seconds(*pod.metadata.deletion_grace_period_seconds);
  }
  if (pod.spec.termination_grace_period_seconds) {
    return absl::Seconds(*pod.spec.termination_grace_period_seconds);
  }
  return fallback;
}

ProcessPodRuntime::ProcessPodRuntime(kube::RestClient* client, ObjectSource* source,
                                     ProcessRuntimeOptions options)
    : client_(client),
      source_(source),
      options_(std::move(options)),
      addresses_(std::make_shared<LoopbackAddressPool>()) {}

ProcessPodRuntime::~ProcessPodRuntime() {
  std::vector<std::thread> terminators;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [key, state] : pods_) {
      state->silent = true;
      for (auto& c : state->containers) c->Kill();
    }
    pods_.clear();
    terminators.swap(terminators_);
  }
  for (std::thread& t : terminators) t.join();
}

absl::StatusOr<kube::Result> ProcessPodRuntime::Sync(const std::string& key, const Pod& pod,
                                                     const NodeRef&) {
  const bool terminal =
      pod.status.phase == kube::core::kPodSucceeded || pod.status.phase == kube::core::kPodFailed;
  if (terminal && options_.devices != nullptr) options_.devices->Release(key);
  bool delete_now = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = pods_.find(key);
    // Its processes have ended for good: the address may serve another pod.
    if (terminal && it != pods_.end() && it->second->pod.metadata.uid == pod.metadata.uid) {
      it->second->address.reset();
    }
    if (it != pods_.end() && it->second->pod.metadata.uid != pod.metadata.uid) {
      BeginTermination(it->second, options_.default_grace_period, false);
      pods_.erase(it);
      it = pods_.end();
    }
    if (pod.metadata.deletion_timestamp.has_value()) {
      delete_now = it == pods_.end();
      if (!delete_now && !it->second->terminating) {
        BeginTermination(it->second, GracePeriod(pod, options_.default_grace_period), true);
      }
      if (!delete_now) return kube::Result{};
    } else if (it != pods_.end()) {
      return kube::Result{};
    }
  }
  if (delete_now) {  // nothing of it runs here
    RETURN_IF_ERROR(FinishDeletion(client_, pod));
    return kube::Result{};
  }
  if (terminal) return kube::Result{};
  RETURN_IF_ERROR(StartPod(key, pod));
  return kube::Result{};
}

void ProcessPodRuntime::Forget(const std::string& key) {
  if (options_.devices != nullptr) options_.devices->Release(key);
  absl::MutexLock lock(&mu_);
  auto it = pods_.find(key);
  if (it == pods_.end()) return;
  it->second->silent = true;
  if (!it->second->terminating) {
    BeginTermination(it->second, GracePeriod(it->second->pod, options_.default_grace_period),
                     false);
  }
  pods_.erase(it);
}

absl::StatusOr<std::vector<ContainerLaunch>> ProcessPodRuntime::PrepareContainers(
    const Pod& pod, const std::string& pod_dir, const std::string& pod_ip,
    const PodDevices& devices) {
  ASSIGN_OR_RETURN(auto volumes, WriteVolumes(pod, pod_dir, source_));
  // The addresses the status will report, known before the containers start (as a
  // kubelet knows them): the downward API's status.podIP and status.hostIP read these.
  Pod addressed = pod;
  addressed.status.pod_ip = pod_ip;
  addressed.status.host_ip = kHostIp;
  std::vector<ContainerLaunch> launches;
  for (const kube::core::Container& container : pod.spec.containers) {
    if (container.command.empty() && container.args.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "containers[", container.name,
          "].command: process mode needs a command (an image's entrypoint is not known here)"));
    }
    ASSIGN_OR_RETURN(std::vector<Mount> mounts, ContainerMounts(container, volumes));
    ASSIGN_OR_RETURN(EnvList pod_env, ResolveEnv(addressed, container, source_));
    EnvList env = BaseEnv(pod, options_.chaos);
    // The device plugins' env comes before the pod's, as the kubelet orders them.
    if (const ContainerDevices* held = devices.Find(container.name); held != nullptr) {
      for (const auto& [name, value] : held->envs) env.emplace_back(name, value);
    }
    for (auto& [name, value] : pod_env) env.emplace_back(name, RewriteMountPaths(value, mounts));
    ContainerLaunch launch{.name = container.name, .image = container.image,
                           .env = env, .cwd = pod_dir,
                           .log_dir = absl::StrCat(pod_dir, "/logs/", container.name)};
    for (const auto* list : {&container.command, &container.args}) {
      for (const std::string& arg : *list) {
        launch.argv.push_back(RewriteMountPaths(ExpandVars(arg, env), mounts));
      }
    }
    launches.push_back(std::move(launch));
  }
  return launches;
}

absl::Status ProcessPodRuntime::StartPod(const std::string& key, const Pod& pod) {
  auto state = std::make_shared<PodState>();
  state->pod = pod;
  state->start = options_.clock->Now();
  state->dir = absl::StrCat(options_.data_dir, "/pods/", pod.metadata.namespace_, "_",
                            pod.metadata.name, "_", pod.metadata.uid);
  absl::StatusOr<std::string> ip =
      addresses_->Acquire(absl::StrCat(key, "/", pod.metadata.uid));
  if (!ip.ok()) return Annotate(ip.status(), absl::StrCat("pod ", key));
  state->address = std::make_unique<LoopbackAddressLease>(
      addresses_, absl::StrCat(key, "/", pod.metadata.uid), *ip);
  state->ip = *ip;
  PodDevices devices;
  if (options_.devices != nullptr) {
    absl::StatusOr<PodDevices> allocated = options_.devices->Allocate(pod);
    if (!allocated.ok()) return RejectPod(key, pod, allocated.status());
    devices = *std::move(allocated);
  }
  absl::StatusOr<std::vector<ContainerLaunch>> launches =
      PrepareContainers(pod, state->dir, state->ip, devices);
  if (!launches.ok()) {
    std::vector<ContainerStatus> waiting;
    for (const auto& c : pod.spec.containers) {
      ContainerStatus s{.name = c.name};
      s.state.waiting = kube::core::ContainerStateWaiting{
          .reason = "CreateContainerConfigError",
          .message = std::string(launches.status().message())};
      waiting.push_back(std::move(s));
    }
    (void)PatchPodStatus(client_, pod, ProcessStatusPatch(kube::core::kPodPending, waiting,
                                                          state->start, state->ip, kHostIp,
                                                          state->start));
    return Annotate(launches.status(), absl::StrCat("pod ", key));
  }
  PodState* raw = state.get();
  for (ContainerLaunch& launch : *launches) {
    state->containers.push_back(std::make_unique<ContainerSupervisor>(
        std::move(launch), pod.spec.restart_policy, options_.supervisor,
        [this, raw] { ReportStatus(raw); }));
  }
  {
    absl::MutexLock lock(&mu_);
    pods_[key] = state;
  }
  Logger().Info("starting pod", {{"pod", key}, {"ip", state->ip}, {"dir", state->dir}});
  for (auto& c : state->containers) c->Start();
  return absl::OkStatus();
}

absl::Status ProcessPodRuntime::RejectPod(const std::string& key, const Pod& pod,
                                          const absl::Status& error) {
  Logger().Warn("pod rejected", {{"pod", key}, {"reason", kUnexpectedAdmissionError},
                                 {"error", error}});
  // Failed for good once written; a failed write is retried by the controller.
  return PatchPodStatus(client_, pod, AdmissionErrorStatusPatch(error));
}

void ProcessPodRuntime::ReportStatus(PodState* state) {
  absl::MutexLock lock(&state->report_mu);
  if (state->silent) return;
  if (options_.chaos != nullptr && options_.chaos->Silenced(state->pod.spec.node_name)) {
    state->held = true;
    return;
  }
  state->held = false;
  std::vector<ContainerStatus> statuses;
  bool all_finished = true;
  for (const auto& c : state->containers) {
    statuses.push_back(c->Status());
    all_finished = all_finished && c->Finished();
  }
  absl::Time now = options_.clock->Now();
  absl::Status status = PatchPodStatus(
      client_, state->pod,
      ProcessStatusPatch(PhaseOf(statuses, all_finished), statuses, state->start, state->ip,
                         kHostIp, now));
  if (!status.ok() && !absl::IsNotFound(status)) {
    Logger().Warn("status update failed", {{"pod", state->pod.metadata.name}, {"error", status}});
  }
}

void ProcessPodRuntime::BeginTermination(std::shared_ptr<PodState> state, absl::Duration grace,
                                         bool delete_after) {
  state->terminating = true;
  terminators_.emplace_back([this, state = std::move(state), grace, delete_after] {
    Terminate(state, grace, delete_after);
  });
}

void ProcessPodRuntime::Terminate(std::shared_ptr<PodState> state, absl::Duration grace,
                                  bool delete_after) {
  for (auto& c : state->containers) c->Terminate();
  absl::Time deadline = options_.clock->Now() + grace;
  auto all_finished = [&] {
    for (auto& c : state->containers) {
      if (!c->Finished()) return false;
    }
    return true;
  };
  while (!all_finished() && options_.clock->Now() < deadline) {
    options_.clock->SleepFor(std::min(absl::Milliseconds(20), deadline - options_.clock->Now()));
  }
  for (auto& c : state->containers) c->Kill();
  for (auto& c : state->containers) c->Join();
  if (!delete_after) return;
  if (absl::Status status = FinishDeletion(client_, state->pod); !status.ok()) {
    Logger().Warn("deleting pod failed", {{"pod", state->pod.metadata.name}, {"error", status}});
  }
}

absl::StatusOr<ContainerLogRef> ProcessPodRuntime::ContainerLog(const std::string& key,
                                                                const std::string& container,
                                                                bool previous) {
  std::shared_ptr<PodState> state;
  {
    absl::MutexLock lock(&mu_);
    auto it = pods_.find(key);
    if (it == pods_.end()) {
      return absl::NotFoundError(absl::StrCat("pod ", key, " is not running on this nodesim"));
    }
    state = it->second;
  }
  for (auto& c : state->containers) {
    if (c->name() != container) continue;
    std::string path = c->LogPath(previous);
    if (path.empty() || !std::filesystem::exists(path)) {
      return absl::NotFoundError(absl::StrCat("container ", container, " of pod ", key,
                                              previous ? " has no previous run" : " has no log yet"));
    }
    ContainerSupervisor* raw = c.get();
    return ContainerLogRef{path, [state, raw, previous] { return !previous && raw->Running(); }};
  }
  return absl::NotFoundError(absl::StrCat("container ", container, " is not in pod ", key));
}

std::vector<std::shared_ptr<ProcessPodRuntime::PodState>> ProcessPodRuntime::PodsOn(
    const std::string& node) {
  std::vector<std::shared_ptr<PodState>> pods;
  absl::MutexLock lock(&mu_);
  for (const auto& [key, state] : pods_) {
    if (state->pod.spec.node_name == node) pods.push_back(state);
  }
  return pods;
}

absl::StatusOr<int> ProcessPodRuntime::SignalPod(const std::string& key, int signal) {
  std::shared_ptr<PodState> state;
  {
    absl::MutexLock lock(&mu_);
    auto it = pods_.find(key);
    if (it != pods_.end()) state = it->second;
  }
  int signalled = 0;
  if (state != nullptr) {
    for (auto& c : state->containers) signalled += c->Signal(signal) ? 1 : 0;
  }
  if (signalled == 0) {
    return absl::NotFoundError(absl::StrCat(key, ": no process of this pod runs here"));
  }
  return signalled;
}

int ProcessPodRuntime::SignalNodePods(const std::string& node, int signal) {
  int signalled = 0;
  for (const auto& state : PodsOn(node)) {
    for (auto& c : state->containers) signalled += c->Signal(signal) ? 1 : 0;
  }
  return signalled;
}

void ProcessPodRuntime::ReportNodePods(const std::string& node) {
  for (const auto& state : PodsOn(node)) {
    if (state->held) ReportStatus(state.get());
  }
}

}  // namespace flyover::nodesim
