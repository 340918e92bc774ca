// NodeHeartbeater: registers the simulated nodes and keeps them alive as a kubelet does —
// a Lease in kube-node-lease renewed every `lease_interval`, and a node status heartbeat
// (conditions' lastHeartbeatTime) every `status_interval`.
//
// Renewals are spread: node i of N first renews at start + interval * i / N, so 1,024
// nodes renew evenly across the interval instead of in one burst. Each renewal is one
// merge patch (no read first). A lease or node that has vanished is created again.
// `workers` threads share the nodes (node i goes to worker i % workers); each sleeps on
// the injected clock until its next due renewal. A renewal that falls more than one
// interval behind (a slow server) is rescheduled from now rather than replayed.
//
// A node that the ChaosState silences skips its renewals (its lease goes stale) and
// resumes at its next due time once the fault is cleared.
//
// Errors: RegisterAll() returns the first failure with the node's name; failures of
// renewals are logged and counted and retried at the next due time.
//
// Ownership: borrows the RestClient and the clock, which must outlive it.
// Thread-safety: Start()/Stop() from one thread; counters may be read from any thread.
#ifndef FLYOVER_NODESIM_NODE_HEARTBEATER_H_
#define FLYOVER_NODESIM_NODE_HEARTBEATER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/cache/stop_signal.h"
#include "kube/client/rest_client.h"
#include "nodesim/chaos_state.h"
#include "nodesim/node_object.h"
#include "nodesim/topology_config.h"

namespace flyover::nodesim {

struct HeartbeatOptions {
  absl::Duration lease_interval = absl::Seconds(10);
  // The kubelet reports status every 5 min when nothing changed (nodeStatusReportFrequency).
  absl::Duration status_interval = absl::Minutes(5);
  int workers = 2;
  Clock* clock = RealClock();  // not owned
  // Nodes it silences (stopped, partitioned) skip their renewals; null: none.
  const ChaosState* chaos = nullptr;  // not owned
};

// Node `index` of `count`'s first renewal, as an offset from the start: interval*index/count.
[[nodiscard]] absl::Duration SpreadOffset(int index, int count, absl::Duration interval);

class NodeHeartbeater {
 public:
  NodeHeartbeater(kube::RestClient* client, std::vector<SimNodeSpec> nodes,
                  NodeObjectOptions node_options, HeartbeatOptions options);
  ~NodeHeartbeater();
  NodeHeartbeater(const NodeHeartbeater&) = delete;
  NodeHeartbeater& operator=(const NodeHeartbeater&) = delete;

  // Creates (or, when present, updates) every Node, its status and its Lease.
  [[nodiscard]] absl::Status RegisterAll();
  // Starts the renewal threads.
  void Start();
  // Stops and joins them. Idempotent.
  void Stop();

  int64_t lease_renewals() const { return lease_renewals_.load(); }
  int64_t status_updates() const { return status_updates_.load(); }
  int64_t failures() const { return failures_.load(); }
  const std::vector<SimNodeSpec>& nodes() const { return nodes_; }

 private:
  [[nodiscard]] absl::Status RegisterNode(const SimNodeSpec& spec);
  [[nodiscard]] absl::Status EnsureLease(const std::string& name, const std::string& uid);
  [[nodiscard]] absl::Status RenewLease(const SimNodeSpec& spec);
  [[nodiscard]] absl::Status ReportStatus(const SimNodeSpec& spec);
  int WorkerCount() const;
  void RunWorker(int worker);

  kube::RestClient* const client_;
  const std::vector<SimNodeSpec> nodes_;
  const NodeObjectOptions node_options_;
  const HeartbeatOptions options_;
  kube::StopSignal stop_;
  std::vector<std::thread> threads_;
  std::atomic<int64_t> lease_renewals_{0};
  std::atomic<int64_t> status_updates_{0};
  std::atomic<int64_t> failures_{0};
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_NODE_HEARTBEATER_H_
