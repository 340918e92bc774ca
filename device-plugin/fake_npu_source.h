// FakeNpuSource: an NpuSource whose statuses and telemetry a test sets directly. Every
// SetStatus bumps the generation, as a real source does on a change.
//
// Thread-safety: all methods are safe from any thread.
#ifndef FLYOVER_DEVICE_PLUGIN_FAKE_NPU_SOURCE_H_
#define FLYOVER_DEVICE_PLUGIN_FAKE_NPU_SOURCE_H_

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "device-plugin/npu_source.h"

namespace flyover::deviceplugin {

class FakeNpuSource final : public NpuSource {
 public:
  explicit FakeNpuSource(NodeDescription description = DefaultNodeDescription());

  // Replaces the status of `status.die` (ignored if the die is not described).
  void SetStatus(DieStatus status) ABSL_LOCKS_EXCLUDED(mu_);
  // Marks `die` Unhealthy (a RestartNPU double-bit ECC fault) or clears its faults.
  void SetHealthy(topology::DieId die, bool healthy) ABSL_LOCKS_EXCLUDED(mu_);
  void SetTelemetry(DieTelemetry telemetry) ABSL_LOCKS_EXCLUDED(mu_);

  const NodeDescription& description() const override { return description_; }
  std::vector<DieStatus> Statuses() override ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<DieTelemetry> Telemetry() override ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t generation() override { return notifier_.generation(); }
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) override {
    return notifier_.WaitForChange(seen, timeout);
  }

 private:
  const NodeDescription description_;
  ChangeNotifier notifier_;
  absl::Mutex mu_;
  std::vector<DieStatus> statuses_ ABSL_GUARDED_BY(mu_);
  std::vector<DieTelemetry> telemetry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_FAKE_NPU_SOURCE_H_
