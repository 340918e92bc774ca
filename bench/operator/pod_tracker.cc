#include "bench/operator/pod_tracker.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "kube/cache/event_handler.h"
#include "kube/cache/rest_lister_watcher.h"
#include "kube/client/resource.h"

namespace flyover::bench {
namespace {

int IntLabel(const kube::PackedJson& pod, const char* key) {
  int value = -1;
  if (!absl::SimpleAtoi(pod["metadata"]["labels"][key].string_value(), &value)) return -1;
  return value;
}

}  // namespace

PodTracker::PodTracker(kube::RestClient* client) {
  auto lw = std::make_shared<kube::RestListerWatcher>(client, kube::PodsResource());
  informer_ =
      std::make_unique<kube::SharedInformer>(lw, kube::SharedInformerOptions{.resource = "pods"});
  (void)informer_->AddEventHandler(
      std::make_shared<kube::FuncEventHandler>(kube::FuncEventHandler::Funcs{
          .on_add = [this](const kube::ObjectPtr& pod, bool) { Record(pod, false); },
          .on_update = [this](const kube::ObjectPtr&,
                              const kube::ObjectPtr& pod) { Record(pod, false); },
          .on_delete = [this](const kube::ObjectPtr& pod, bool) { Record(pod, true); }}));
}

PodTracker::~PodTracker() { informer_->Stop(); }

bool PodTracker::Start(absl::Duration timeout) {
  informer_->Start();
  return informer_->WaitForCacheSync(timeout);
}

void PodTracker::Record(const kube::ObjectPtr& object, bool deleted) {
  const kube::PackedJson& pod = *object;
  const std::string name(pod["metadata"]["name"].string_value());
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  auto [it, added] = pods_.try_emplace(name);
  TrackedPod& tracked = it->second;
  if (added || tracked.deleted.has_value()) {
    tracked = TrackedPod{};
    tracked.created = now;
    tracked.job =
        std::string(pod["metadata"]["labels"]["training.flyover.dev/job-name"].string_value());
    tracked.rank = IntLabel(pod, "training.flyover.dev/rank-index");
    tracked.generation = IntLabel(pod, "training.flyover.dev/generation");
  }
  const absl::string_view node = pod["spec"]["nodeName"].string_value();
  if (!node.empty() && !tracked.bound.has_value()) {
    tracked.bound = now;
    tracked.node = std::string(node);
  }
  if (pod["status"]["phase"].string_value() == "Running" && !tracked.running.has_value()) {
    tracked.running = now;
  }
  if (deleted) tracked.deleted = now;
}

Milestones PodTracker::Of(const std::string& prefix) const {
  Milestones m;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, pod] : pods_) {
    if (pod.deleted.has_value() || !absl::StartsWith(name, prefix)) continue;
    ++m.pods;
    m.last_created = std::max(m.last_created, pod.created);
    if (pod.bound.has_value()) {
      ++m.bound;
      m.last_bound = std::max(m.last_bound, *pod.bound);
    }
    if (pod.running.has_value()) {
      ++m.running;
      m.last_running = std::max(m.last_running, *pod.running);
    }
  }
  return m;
}

std::map<std::string, TrackedPod> PodTracker::PodsOf(const std::string& job) const {
  std::map<std::string, TrackedPod> found;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, pod] : pods_) {
    if (!pod.deleted.has_value() && pod.job == job) found.emplace(name, pod);
  }
  return found;
}

}  // namespace flyover::bench
