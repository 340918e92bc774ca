#include "scheduler/binder/gang_binder.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "kube/api/scheduling_annotations.h"
#include "kube/cache/object.h"

namespace flyover::sched {

std::vector<PodBinding> BindingsFor(const std::string& namespace_, const GangPlacement& placement) {
  std::vector<PodBinding> bindings;
  bindings.reserve(placement.pods.size());
  for (const PodPlacement& pod : placement.pods) {
    PodBinding binding{.namespace_ = namespace_, .name = pod.pod_name, .node = pod.node};
    binding.annotations[std::string(topology::kAnnotationDevices)] = pod.dies.ToDeviceNames();
    binding.annotations[std::string(topology::kAnnotationRankIndex)] = absl::StrCat(pod.rank_index);
    binding.annotations[kube::scheduling::kAnnotationSuperPodId] = absl::StrCat(pod.super_pod_id);
    binding.annotations[kube::scheduling::kAnnotationLogicalSuperPod] =
        absl::StrCat(pod.logical_super_pod_index);
    bindings.push_back(std::move(binding));
  }
  return bindings;
}

GangBinder::GangBinder(kube::RestClient* client, GangBinderOptions options)
    : client_(client), options_(options) {}

absl::Status GangBinder::BindPod(const PodBinding& pod) const {
  absl::Status status = client_->Bind(pod.namespace_, pod.name, pod.node,
                                      {.annotations = pod.annotations, .uid = pod.uid});
  if (!status.ok()) return Annotate(status, absl::StrCat("binding to node ", pod.node));
  return absl::OkStatus();
}

GangBindResult GangBinder::BindGang(const std::vector<PodBinding>& pods) const {
  absl::Mutex mu;
  GangBindResult result;
  std::vector<bool> done(pods.size(), false);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (size_t i = next++; i < pods.size() && !failed.load(); i = next++) {
      absl::Status status = BindPod(pods[i]);
      absl::MutexLock lock(&mu);
      if (status.ok()) {
        done[i] = true;
        result.bound.push_back(kube::JoinKey(pods[i].namespace_, pods[i].name));
      } else if (!failed.exchange(true)) {
        result.error = status;
        result.failed_pod = kube::JoinKey(pods[i].namespace_, pods[i].name);
      }
    }
  };
  const size_t threads =
      std::min(pods.size(), static_cast<size_t>(std::max(1, options_.max_parallel)));
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(worker);
  worker();
  for (std::thread& t : workers) t.join();
  for (size_t i = 0; i < pods.size(); ++i) {
    if (!done[i]) result.not_bound.push_back(kube::JoinKey(pods[i].namespace_, pods[i].name));
  }
  return result;
}

}  // namespace flyover::sched
