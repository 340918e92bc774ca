// SupervisionRegistry: what the operator knows about its jobs that is not in the API —
// each job's supervision token, its current generation and pods, its rank table once
// built, the newest heartbeat of every pod, the commands waiting for each pod, and the
// faults detected from heartbeats. The reconciler (job_reconciler.h) writes the job side;
// the supervision endpoint (supervision_server.h) serves it to agents.
//
// Jobs are keyed by their id, "<namespace>.<name>" (FLYOVER_JOB). Registering a newer
// generation drops the older generation's rank table, heartbeats and commands; heartbeats
// naming an older generation are refused with Aborted (the endpoint's 409) unless a
// RestartInPlace into the current generation is waiting for their pod: then the heartbeat
// is not recorded and that command is returned.
//
// Faults (fault_detector.h) are recorded once per (class, pod, rank, generation) — a
// Straggler once per episode — oldest first, at most kMaxFaults per job.
//
// Ownership: borrows the Clock, which must outlive it. Thread-safety: all methods are
// thread-safe; AwaitRankTable blocks (on the clock) without holding up other calls.
#ifndef FLYOVER_OPERATOR_SUPERVISION_SUPERVISION_REGISTRY_H_
#define FLYOVER_OPERATOR_SUPERVISION_SUPERVISION_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/api/post_training_job.h"
#include "nlohmann/json.hpp"
#include "operator/supervision/fault_detector.h"
#include "operator/supervision/heartbeat.h"

namespace flyover::op {

inline constexpr size_t kMaxFaults = 32;

struct JobRegistration {
  std::string token;
  int32_t generation = 0;
  std::vector<std::string> pods;  // the current generation's pods; index = rank index
  kube::FaultToleranceSpec fault_tolerance;
};

struct PodProgress {
  Heartbeat last;
  absl::Time received_at;
  int64_t step = 0;            // the lowest step of its ranks
  absl::Time step_changed_at;  // when `step` last grew (or the first heartbeat)
  // The lowest step any of the pod's Running ranks reported in this generation (a rank still
  // starting does not count): where the pod resumed. A `step` past it is the first step completed in this generation (recovery time
  // ends there); goodput counts the steps redone from it.
  std::optional<int64_t> baseline_step;
};

// A snapshot of one job's current generation.
struct JobProgress {
  int32_t generation = 0;
  std::vector<std::string> pods;
  absl::Time registered_at;                       // when this generation was registered
  std::map<std::string, PodProgress> heartbeats;  // by pod name
  std::vector<double> step_millis;                // recent step times, newest last
  std::optional<nlohmann::json> rank_table;
  std::vector<Evaluation> evaluations;
};

class SupervisionRegistry {
 public:
  explicit SupervisionRegistry(Clock* clock = RealClock(),
                               StragglerOptions straggler_options = {})
      : clock_(clock), straggler_options_(straggler_options) {}
  SupervisionRegistry(const SupervisionRegistry&) = delete;
  SupervisionRegistry& operator=(const SupervisionRegistry&) = delete;

  // Adds the job, updates its token and pods, or moves it to a newer generation.
  void RegisterJob(const std::string& job, JobRegistration registration) ABSL_LOCKS_EXCLUDED(mu_);
  void ForgetJob(const std::string& job) ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] std::optional<std::string> Token(const std::string& job) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Stores the completed table of `generation` (ignored if the job has moved on) and wakes
  // long polls.
  void PublishRankTable(const std::string& job, int32_t generation, nlohmann::json table)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The completed table, waiting (by the clock) until `deadline` for it. NotFound when the
  // job is unknown or the table is not complete by then; Unavailable after Shutdown().
  [[nodiscard]] absl::StatusOr<nlohmann::json> AwaitRankTable(const std::string& job,
                                                              absl::Time deadline)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Records `heartbeat` and returns the commands pending for its pod. NotFound for an
  // unknown job; Aborted for a superseded generation with no RestartInPlace into the
  // current generation pending for the pod (with one, it is returned and the heartbeat is
  // not recorded); InvalidArgument
  // naming the field for
  // a pod or rank index that is not the job's, or a generation newer than the job's.
  [[nodiscard]] absl::StatusOr<std::vector<Command>> RecordHeartbeat(const std::string& job,
                                                                     const Heartbeat& heartbeat)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Queues `command` (id assigned, returned) for `pod`; it is returned with every heartbeat
  // of the pod for `retention`. NotFound for an unknown job or pod.
  [[nodiscard]] absl::StatusOr<std::string> AddCommand(const std::string& job,
                                                       const std::string& pod, Command command,
                                                       absl::Duration retention = absl::Seconds(30))
      ABSL_LOCKS_EXCLUDED(mu_);

  [[nodiscard]] std::optional<JobProgress> Progress(const std::string& job) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Records a fault detected elsewhere (pod failed, node NotReady, a stall). Returns false
  // if the same (class, pod, rank) was already recorded in this generation.
  bool RecordFault(const std::string& job, kube::FaultRecord fault) ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] std::vector<kube::FaultRecord> Faults(const std::string& job) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Called (without the registry's lock) with the job id after every recorded heartbeat
  // and fault: the operator enqueues the job's reconcile.
  void SetListener(std::function<void(const std::string& job)> listener) ABSL_LOCKS_EXCLUDED(mu_);

  // Wakes every AwaitRankTable with Unavailable, now and later.
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_);

  Clock* clock() const { return clock_; }

 private:
  struct PendingCommand {
    std::string pod;
    Command command;
    absl::Time expires;
  };
  struct Job {
    JobRegistration registration;
    JobProgress progress;
    std::vector<PendingCommand> commands;
    std::vector<kube::FaultRecord> faults;
    std::set<std::string> fault_keys;
    StragglerState stragglers;
    int64_t next_command = 1;
  };

  bool RecordFaultLocked(Job& job, kube::FaultRecord fault) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static std::vector<Command> PendingFor(Job& job, const std::string& pod, absl::Time now);
  void Notify(const std::string& job) ABSL_LOCKS_EXCLUDED(mu_);

  Clock* const clock_;
  const StragglerOptions straggler_options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Job> jobs_ ABSL_GUARDED_BY(mu_);
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void(const std::string&)> listener_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_SUPERVISION_SUPERVISION_REGISTRY_H_
