// LocalSupervisor: an in-process stand-in for the operator's supervision endpoint, for
// standalone runs (`flyover-worker local`) where one agent per emulated pod runs in this
// process. It serves the rank table and answers heartbeats the way the operator's
// in-place recovery does: when any pod reports a failed rank of the current generation,
// the generation goes up by one and every pod gets RestartInPlace in it, resuming from the
// oldest checkpoint step the pods last reported (absent: the trainer's newest). With
// resume_newest (cross-pod in-memory replicas are on) the command names no step: the
// ranks take the newest complete state, memory first (rank_main.h). After
// max_restarts restarts it sends no more commands, and the agents give up on their own.
//
// Thread-safety: safe to use from the agents' threads at once.
#ifndef FLYOVER_WORKER_AGENT_LOCAL_SUPERVISOR_H_
#define FLYOVER_WORKER_AGENT_LOCAL_SUPERVISOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "worker/agent/supervision_client.h"

namespace flyover::worker {

class LocalSupervisor {
 public:
  LocalSupervisor(std::string rank_table, int pods, int max_restarts,
                  bool resume_newest = false);
  ~LocalSupervisor();

  // The client of pod `rank_index` (0 <= rank_index < pods); owned by the supervisor.
  SupervisionClient& ClientFor(int rank_index);

  int restarts() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t generation() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  class PodClient;

  absl::StatusOr<std::vector<Command>> OnHeartbeat(int pod, const Heartbeat& heartbeat)
      ABSL_LOCKS_EXCLUDED(mu_);
  void RestartAll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string rank_table_;
  const int max_restarts_;
  const bool resume_newest_;
  std::vector<std::unique_ptr<PodClient>> clients_;

  mutable absl::Mutex mu_;
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  int restarts_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int, std::optional<int64_t>> checkpoints_ ABSL_GUARDED_BY(mu_);
  std::map<int, std::vector<Command>> outbox_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_LOCAL_SUPERVISOR_H_
