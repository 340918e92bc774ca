// DeviceNodeStatus: writes what the device managers count (device_manager.h) into the Nodes'
// status, as the kubelet does after a device plugin's list changes: one JSON merge patch of
// pods' resources per node on the status subresource,
//
//   {"status": {"capacity":    {"huawei.com/Ascend910": "16"},
//               "allocatable": {"huawei.com/Ascend910": "15"}}}
//
// touching only the device resources (cpu, memory, pods stay as the heartbeater wrote them).
// Update() only records the newest counts of a node and wakes a worker thread, so a plugin's
// watch thread never waits for the API server; changes that arrive before the worker runs
// coalesce (the newest wins). A failed patch is retried after retry_interval unless newer
// counts replaced it; a node the ChaosState silences (stopped, partitioned) is not written
// until the fault is cleared (rechecked every retry_interval); a Node that does not exist
// is skipped (the heartbeater recreates it, with the counts, see NodeDeviceCounts()).
//
// Ownership: borrows the RestClient and the ChaosState (may be null).
// Thread-safety: all methods are thread-safe; Start()/Stop() from one thread.
#ifndef FLYOVER_NODESIM_DEVICE_NODE_STATUS_H_
#define FLYOVER_NODESIM_DEVICE_NODE_STATUS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"
#include "nodesim/chaos_state.h"
#include "nodesim/device_table.h"

namespace flyover::nodesim {

// The status merge patch for `counts` (see above).
[[nodiscard]] nlohmann::json DeviceStatusPatch(const ResourceCountMap& counts);

struct DeviceNodeStatusOptions {
  absl::Duration retry_interval = absl::Seconds(1);
  const ChaosState* chaos = nullptr;  // not owned; null: no node is silenced
};

class DeviceNodeStatus {
 public:
  DeviceNodeStatus(kube::RestClient* client, DeviceNodeStatusOptions options);
  ~DeviceNodeStatus();  // Stop()s
  DeviceNodeStatus(const DeviceNodeStatus&) = delete;
  DeviceNodeStatus& operator=(const DeviceNodeStatus&) = delete;

  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  // Stops the worker; counts not yet written are dropped. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // `node`'s device resources are now `counts` (a DeviceManager's on_resources).
  void Update(const std::string& node, const ResourceCountMap& counts) ABSL_LOCKS_EXCLUDED(mu_);
  // The newest counts given for `node`, written or not (for the heartbeater's own patches).
  [[nodiscard]] std::optional<ResourceCountMap> Latest(const std::string& node) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Waits (real time) until `counts` are the last counts written for `node`; whether they
  // were within `timeout`.
  [[nodiscard]] bool WaitForWritten(const std::string& node, const ResourceCountMap& counts,
                                    absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(mu_);

  int64_t patches() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t failures() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  // Writes one node's counts; false to retry later.
  bool Write(const std::string& node, const ResourceCountMap& counts) ABSL_LOCKS_EXCLUDED(mu_);

  kube::RestClient* const client_;
  const DeviceNodeStatusOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, ResourceCountMap> latest_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ResourceCountMap> pending_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ResourceCountMap> written_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t patches_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread worker_;
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_DEVICE_NODE_STATUS_H_
