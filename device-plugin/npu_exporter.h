// NpuExporter: npu-exporter's metrics for this node's dies, in a prometheus-cpp registry
// (common/metrics_server.h serves it on /metrics).
//
//   machine_npu_nums                              dies on the node
//   npu_chip_info_health_status                   1 healthy, 0 out of service
//   npu_chip_info_error_code                      the first active fault code (hex, as a number)
//   npu_chip_info_utilization                     percent
//   npu_chip_info_hbm_total_memory                MB
//   npu_chip_info_hbm_used_memory                 MB
//   npu_chip_info_temperature                     degrees Celsius
//   npu_chip_info_power                           watts
//   npu_chip_info_hbm_ecc_single_bit_error_cnt    since the source started
//   npu_chip_info_hbm_ecc_double_bit_error_cnt
//   npu_chip_info_network_status                  1 ok, 0 network fault
//   npu_chip_info_link_status                     1 up, 0 down
//
// Per-die series carry labels id, model_name ("Ascend910C"), and pod_name, namespace,
// container_name of the pod holding the die ("" when free). Refresh() rewrites every
// series from the source and the plugin's allocations; Start() does so within `poll` of each
// source change and every `resync`.
//
// Ownership: borrows the source and the plugin. Thread-safety: Refresh is serialised;
// Start/Stop from one thread.
#ifndef FLYOVER_DEVICE_PLUGIN_NPU_EXPORTER_H_
#define FLYOVER_DEVICE_PLUGIN_NPU_EXPORTER_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "device-plugin/npu_plugin.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace flyover::deviceplugin {

class NpuExporter {
 public:
  NpuExporter(NpuDevicePlugin* plugin, prometheus::Registry* registry,
              absl::Duration poll = absl::Milliseconds(200),
              absl::Duration resync = absl::Seconds(5));
  ~NpuExporter();  // Stop()s
  NpuExporter(const NpuExporter&) = delete;
  NpuExporter& operator=(const NpuExporter&) = delete;

  void Refresh() ABSL_LOCKS_EXCLUDED(mu_);
  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Family = prometheus::Family<prometheus::Gauge>;
  Family* Define(prometheus::Registry* registry, const std::string& name,
                 const std::string& help);
  void Set(Family* family, const prometheus::Labels& labels, double value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  NpuDevicePlugin* const plugin_;
  const absl::Duration poll_;
  const absl::Duration resync_;
  absl::Mutex mu_;
  std::map<std::string, Family*> families_;  // by metric name, fixed after construction
  std::vector<std::pair<Family*, prometheus::Gauge*>> series_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_NPU_EXPORTER_H_
