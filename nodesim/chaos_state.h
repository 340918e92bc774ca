// ChaosState: the faults injected into simulated nodes (chaos_actions.h), read by the parts
// of nodesim that act for a node.
//
//   stopped      a dead host: no lease renewals, no node or pod status writes, and the
//                node's process pods are frozen (SIGSTOP) until resumed.
//   partitioned  the node cannot reach the API server: no lease renewals and no status
//                writes, but its processes keep running (and may talk to each other).
//   slow factor  how much slower than normal the node's pods should run (1 = normal). It
//                is written to <slow_factor_dir>/<node>.slow-factor as one decimal number
//                and a newline; process pods find that path in FLYOVER_SLOW_FACTOR_FILE
//                (and the factor at their start in FLYOVER_SLOW_FACTOR). A missing file
//                means 1. Workers re-read the file to notice changes.
//
// Silenced() is on every heartbeat's and pod sync's path, so it costs one atomic load
// while no node has a fault. Thread-safety: thread-safe.
#ifndef FLYOVER_NODESIM_CHAOS_STATE_H_
#define FLYOVER_NODESIM_CHAOS_STATE_H_

#include <atomic>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace flyover::nodesim {

enum class NodeFault { kNone, kStopped, kPartitioned };

[[nodiscard]] absl::string_view NodeFaultName(NodeFault fault);

class ChaosState {
 public:
  // `slow_factor_dir` "" keeps slow factors in memory only (no files).
  explicit ChaosState(std::string slow_factor_dir = "");

  void SetFault(const std::string& node, NodeFault fault) ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] NodeFault Fault(absl::string_view node) const ABSL_LOCKS_EXCLUDED(mu_);
  // Stopped or partitioned: nodesim must not talk to the API server for this node.
  [[nodiscard]] bool Silenced(absl::string_view node) const ABSL_LOCKS_EXCLUDED(mu_);

  // InvalidArgument unless factor >= 1 (a finite number); Internal when the file cannot
  // be written.
  [[nodiscard]] absl::Status SetSlowFactor(const std::string& node, double factor)
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] double SlowFactor(absl::string_view node) const ABSL_LOCKS_EXCLUDED(mu_);
  // The file of the node's slow factor; "" without a slow_factor_dir.
  [[nodiscard]] std::string SlowFactorPath(absl::string_view node) const;

  // {"sp0-node01": {"fault": "stopped", "slowFactor": 1}, ...} for nodes with any fault.
  [[nodiscard]] nlohmann::json ToJson() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    NodeFault fault = NodeFault::kNone;
    double slow_factor = 1;
  };
  void Refresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string slow_factor_dir_;
  std::atomic<int> silenced_nodes_{0};
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_CHAOS_STATE_H_
