// FaultPublisher: tells the cluster about NPU faults the way MindCluster's device plugin
// does, so that schedulers and tools reading MindCluster's objects work unchanged.
//
// ConfigMap kube-system/mindx-dl-deviceinfo-<node>, data:
//   DeviceInfoCfg  {"DeviceInfo": {"DeviceList": {
//                     "huawei.com/Ascend910": "<healthy dies>",
//                     "huawei.com/Ascend910-Unhealthy": "<dies out of service>",
//                     "huawei.com/Ascend910-NetworkUnhealthy": "<dies with network faults>",
//                     "huawei.com/Ascend910-Fault": "<JSON list, one entry per faulty die:
//                        fault_type, npu_name, large_model_fault_level, fault_level,
//                        fault_handling, fault_code, fault_time_and_level_map>"},
//                   "UpdateTime": <unix seconds>},
//                  "CheckCode": "<hex SHA-256 of the DeviceInfo object's JSON>"}
//   SuperPodID, ServerIndex  from the node description
// Die lists are "Ascend910-0,Ascend910-1" strings. Readers that verify CheckCode (as
// MindCluster's do) hash the DeviceInfo object exactly as it appears in DeviceInfoCfg.
//
// Events: one per fault that appears (reason Occur, type Warning) or clears (reason
// Recovery, type Normal), about the Node, with MindCluster's message fields (nodeName,
// assertion, deviceID, faultCodes, faultLevelName, alarmRaisedTime).
//
// Start() runs a thread that publishes at start, within options.poll of each change of the
// source, and every options.resync; a failed write is retried on the next tick.
//
// Ownership: borrows the source, the client, the recorder and the clock.
// Thread-safety: PublishOnce and Start/Stop may be called from any thread (serialised).
#ifndef FLYOVER_DEVICE_PLUGIN_FAULT_PUBLISHER_H_
#define FLYOVER_DEVICE_PLUGIN_FAULT_PUBLISHER_H_

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "device-plugin/npu_source.h"
#include "kube/api/core/config_map.h"
#include "kube/client/rest_client.h"
#include "kube/controller/event_recorder.h"

namespace flyover::deviceplugin {

inline constexpr absl::string_view kDeviceInfoNamespace = "kube-system";
inline constexpr absl::string_view kDeviceInfoPrefix = "mindx-dl-deviceinfo-";

struct FaultPublisherOptions {
  std::string node_name;
  absl::Duration poll = absl::Milliseconds(200);
  absl::Duration resync = absl::Minutes(1);
};

// The ConfigMap's content for these statuses (pure).
// The CheckCode of a DeviceInfo object: hex SHA-256 of its compact JSON ("" if hashing fails).
[[nodiscard]] std::string DeviceInfoCheckCode(const nlohmann::json& device_info);

kube::core::ConfigMap BuildDeviceInfo(absl::string_view node_name,
                                      const NodeDescription& description,
                                      const std::vector<DieStatus>& statuses, absl::Time now);

// A fault that appeared or cleared between two status snapshots.
struct FaultChange {
  topology::DieId die = 0;
  ActiveFault fault;
  bool occurred = true;  // false: recovered
};
std::vector<FaultChange> DiffFaults(const std::vector<DieStatus>& before,
                                    const std::vector<DieStatus>& after);

class FaultPublisher {
 public:
  FaultPublisher(NpuSource* source, kube::RestClient* client, kube::EventRecorder* recorder,
                 Clock* clock, FaultPublisherOptions options);
  ~FaultPublisher();  // Stop()s
  FaultPublisher(const FaultPublisher&) = delete;
  FaultPublisher& operator=(const FaultPublisher&) = delete;

  // Writes the ConfigMap for the current statuses and records Events for the faults that
  // changed since the last successful publish. Errors are the API client's.
  [[nodiscard]] absl::Status PublishOnce() ABSL_LOCKS_EXCLUDED(mu_);
  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Status WriteConfigMap(const kube::core::ConfigMap& desired);
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);

  NpuSource* const source_;
  kube::RestClient* const client_;
  kube::EventRecorder* const recorder_;
  Clock* const clock_;
  const FaultPublisherOptions options_;
  absl::Mutex publish_mu_;  // serialises PublishOnce
  std::vector<DieStatus> published_ ABSL_GUARDED_BY(publish_mu_);
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_FAULT_PUBLISHER_H_
