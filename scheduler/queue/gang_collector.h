// GangCollector: groups the pods waiting for this scheduler into schedulable units.
//
//   * Pods carrying scheduling.flyover.dev/gang form one unit per (namespace, gang), keyed
//     "<namespace>/<gang>". The unit is ready once min-member pods exist (the largest
//     min-member any of its pods states).
//   * A replacement pod (scheduling.flyover.dev/replacement: "true") is a unit of its own,
//     "<namespace>/<pod>#replacement", ready at once: it is placed alone, beside its running gang.
//   * A pod without a gang annotation is a unit of one, "<namespace>/<pod>#pod".
// '#' cannot occur in Kubernetes names, so the three kinds of keys never collide.
//
// Only pods for which PodInfo::IsPendingFor(scheduler_name) holds are collected; an update that
// binds or deletes a pod removes it. Units are returned with their pods sorted by rank (pods
// without a rank last, by name).
//
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_SCHEDULER_QUEUE_GANG_COLLECTOR_H_
#define FLYOVER_SCHEDULER_QUEUE_GANG_COLLECTOR_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "scheduler/cache/pod_info.h"

namespace flyover::sched {

struct PendingGang {
  std::string key;
  std::string namespace_;
  std::string gang;  // the gang annotation; "" for a lone pod
  std::string job;   // the PostTrainingJob to report on; "" = none
  bool replacement = false;
  int min_member = 1;
  int priority = 0;                             // the highest spec.priority of its pods
  absl::Time created = absl::InfiniteFuture();  // the oldest pod's creation
  std::vector<PodInfo> pods;

  [[nodiscard]] bool Ready() const { return static_cast<int>(pods.size()) >= min_member; }
};

// What the queue needs of a unit, without copying its pods.
struct GangSummary {
  int pods = 0;
  int min_member = 1;
  bool replacement = false;
  bool in_gang = false;  // a gang annotation (not a lone pod)
  int priority = 0;
  absl::Time created = absl::InfiniteFuture();
};

// The unit key of a pod (see the file comment).
[[nodiscard]] std::string GangUnitKey(const PodInfo& pod);

class GangCollector {
 public:
  explicit GangCollector(std::string scheduler_name);

  // Applies a pod's new state; returns the key of the unit it (now or formerly) belongs to,
  // or nullopt when the pod is not and was not collected.
  std::optional<std::string> OnPod(const PodInfo& pod) ABSL_LOCKS_EXCLUDED(mu_);
  // Removes a deleted pod; returns its unit's key when it was collected.
  std::optional<std::string> OnPodDeleted(const std::string& pod_key) ABSL_LOCKS_EXCLUDED(mu_);

  // The unit's current pods (nullopt when none are pending).
  [[nodiscard]] std::optional<PendingGang> Get(const std::string& key) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // The unit's size and order, in O(its pods) without copies (nullopt when none are pending).
  [[nodiscard]] std::optional<GangSummary> Summary(const std::string& key) const
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] std::vector<std::string> Keys() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Erase(const std::string& pod_key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string scheduler_name_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::map<std::string, PodInfo>> units_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> unit_of_pod_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_QUEUE_GANG_COLLECTOR_H_
