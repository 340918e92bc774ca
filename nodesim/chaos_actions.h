// ChaosActions: the faults `flyover chaos` injects, applied to a running nodesim.
//
//   KillPod(ns/name)        SIGKILL the pod's container processes (process pods only); the
//                           pod's restartPolicy then applies, as after any crash.
//   StopNode(node)          a dead host: ChaosState kStopped (no lease renewals, no status
//                           writes) and the node's process pods frozen with SIGSTOP.
//   PartitionNode(node)     ChaosState kPartitioned: no lease renewals, no status writes;
//                           processes keep running.
//   SlowNode(node, factor)  sets the node's slow factor (chaos_state.h says where pods read it).
//   ResumeNode(node)        clears all of the above: SIGCONT for a stopped node, slow
//                           factor back to 1, and the pods' current status written at once.
//
// Every successful injection is appended to the chaos log as one line
//   2026-01-01T00:00:00.123Z action=stop-node target=sp0-node01 detail="..."
// (UTC, RFC 3339 with milliseconds) and returned as a ChaosRecord, so fault detection
// times can be measured from it. Errors: NotFound for an unknown node, or a pod with no
// process here (simulated pods have none); InvalidArgument for a bad argument;
// FailedPrecondition when this nodesim runs no process pods at all.
//
// Ownership: borrows the state, the runtime (may be null) and the clock.
// Thread-safety: thread-safe (injections are serialised).
#ifndef FLYOVER_NODESIM_CHAOS_ACTIONS_H_
#define FLYOVER_NODESIM_CHAOS_ACTIONS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "nlohmann/json.hpp"
#include "nodesim/chaos_state.h"
#include "nodesim/topology_config.h"

namespace flyover::nodesim {

// What the actions need from the process runtime (ProcessPodRuntime implements it).
class ChaosTarget {
 public:
  virtual ~ChaosTarget() = default;
  // Sends `signal` to every container process of pod `key`; the number signalled, or
  // NotFound when no process of that pod runs here.
  [[nodiscard]] virtual absl::StatusOr<int> SignalPod(const std::string& key, int signal) = 0;
  // Sends `signal` to every container process of the pods on `node`; the number signalled.
  virtual int SignalNodePods(const std::string& node, int signal) = 0;
  // Writes the current status of the pods on `node` (after a silence).
  virtual void ReportNodePods(const std::string& node) = 0;
};

struct ChaosRecord {
  absl::Time time;
  std::string action;  // "kill-pod", "stop-node", ...
  std::string target;  // "ns/name" or the node
  std::string detail;
  [[nodiscard]] nlohmann::json ToJson() const;
  [[nodiscard]] std::string LogLine() const;  // with its newline
};

// RFC 3339 in UTC with milliseconds: "2026-01-01T00:00:00.123Z".
[[nodiscard]] std::string FormatMillis(absl::Time time);

struct ChaosActionsOptions {
  std::string log_path;  // "" = no log file
  Clock* clock = RealClock();  // not owned
};

class ChaosActions {
 public:
  ChaosActions(ChaosState* state, ChaosTarget* target, const std::vector<SimNodeSpec>& nodes,
               ChaosActionsOptions options);

  [[nodiscard]] absl::StatusOr<ChaosRecord> KillPod(const std::string& key);
  [[nodiscard]] absl::StatusOr<ChaosRecord> StopNode(const std::string& node);
  [[nodiscard]] absl::StatusOr<ChaosRecord> PartitionNode(const std::string& node);
  [[nodiscard]] absl::StatusOr<ChaosRecord> SlowNode(const std::string& node, double factor);
  [[nodiscard]] absl::StatusOr<ChaosRecord> ResumeNode(const std::string& node);

  const ChaosState& state() const { return *state_; }

 private:
  absl::Status CheckNode(const std::string& node) const;
  absl::StatusOr<ChaosRecord> Record(std::string action, std::string target, std::string detail)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ChaosState* const state_;
  ChaosTarget* const target_;
  absl::flat_hash_set<std::string> nodes_;
  const ChaosActionsOptions options_;
  absl::Mutex mu_;
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_CHAOS_ACTIONS_H_
