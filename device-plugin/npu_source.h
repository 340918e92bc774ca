// NpuSource: where the device plugin learns which NPU dies a node has and how they are.
// EmulatedNpuSource (emulated_npu_source.h) is the one this tree ships; FakeNpuSource
// (fake_npu_source.h) serves unit tests; a DCMI-backed source for real 910C hardware would
// implement the same interface (docs/design/device-plugin.md says what it would do).
//
// Change notification is a generation number that grows on every health change; consumers
// (ListAndWatch streams, the fault publisher) wait on it with WaitForChange and then read
// Statuses(). ChangeNotifier implements that part for sources.
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef FLYOVER_DEVICE_PLUGIN_NPU_SOURCE_H_
#define FLYOVER_DEVICE_PLUGIN_NPU_SOURCE_H_

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/topology.h"
#include "device-plugin/device_description.h"
#include "device-plugin/fault_model.h"

namespace flyover::deviceplugin {

// What npu-exporter reports of one die.
struct DieTelemetry {
  topology::DieId die = 0;
  double temperature_celsius = 0;
  double power_watts = 0;
  double utilization_percent = 0;
  int64_t hbm_total_bytes = 0;
  int64_t hbm_used_bytes = 0;
  int64_t ecc_single_bit_errors = 0;  // since the source started
  int64_t ecc_double_bit_errors = 0;
  bool link_up = true;
};

class NpuSource {
 public:
  virtual ~NpuSource() = default;

  // Fixed for the source's lifetime.
  virtual const NodeDescription& description() const = 0;
  // One status per described die, in id order.
  virtual std::vector<DieStatus> Statuses() = 0;
  // One entry per described die, in id order.
  virtual std::vector<DieTelemetry> Telemetry() = 0;
  // Grows by at least one on every change of Statuses().
  virtual uint64_t generation() = 0;
  // Blocks until generation() != seen or `timeout` (real time) passes; the generation then.
  virtual uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) = 0;
};

// The generation counter sources embed. Thread-safe.
class ChangeNotifier {
 public:
  void Bump() ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t generation() const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_NPU_SOURCE_H_
