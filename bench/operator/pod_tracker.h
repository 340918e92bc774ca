// PodTracker: when each pod of namespace "default" was first seen created, bound (spec.nodeName
// set) and Running, by this process's clock, from one informer (list + watch) on the pods.
// The benchmark reads its snapshots instead of listing 1,024 pods in a loop, which would load
// the API server it measures.
//
// Thread-safety: the informer's thread records, any thread reads.
#ifndef FLYOVER_BENCH_OPERATOR_POD_TRACKER_H_
#define FLYOVER_BENCH_OPERATOR_POD_TRACKER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/cache/shared_informer.h"
#include "kube/client/rest_client.h"

namespace flyover::bench {

struct TrackedPod {
  std::string job;      // label training.flyover.dev/job-name ("" for other pods)
  int rank = -1;        // label training.flyover.dev/rank-index
  int generation = -1;  // label training.flyover.dev/generation
  std::string node;
  absl::Time created = absl::InfinitePast();
  std::optional<absl::Time> bound, running, deleted;
};

// What a set of pods reached, and when the last of them did.
struct Milestones {
  int pods = 0, bound = 0, running = 0;
  absl::Time last_created = absl::InfinitePast();
  absl::Time last_bound = absl::InfinitePast();
  absl::Time last_running = absl::InfinitePast();
};

class PodTracker {
 public:
  explicit PodTracker(kube::RestClient* client);
  ~PodTracker();
  // Starts the informer and waits for its first list.
  [[nodiscard]] bool Start(absl::Duration timeout);

  // Live (not deleted) pods whose name starts with `prefix`.
  Milestones Of(const std::string& prefix) const ABSL_LOCKS_EXCLUDED(mu_);
  // The live pods of `job`, by name.
  std::map<std::string, TrackedPod> PodsOf(const std::string& job) const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits until `done(tracker)` or `timeout`; false on timeout.
  template <typename Done>
  bool WaitFor(absl::Duration timeout, Done done) const {
    for (absl::Time end = absl::Now() + timeout; absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(5))) {
      if (done(*this)) return true;
    }
    return done(*this);
  }

 private:
  void Record(const kube::ObjectPtr& pod, bool deleted) ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, TrackedPod> pods_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<kube::SharedInformer> informer_;
};

}  // namespace flyover::bench

#endif  // FLYOVER_BENCH_OPERATOR_POD_TRACKER_H_
