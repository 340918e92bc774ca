// EmulatedNpuSource: CPU-emulated 910C dies described by a NodeDescription, with faults
// injected through a function API (and FaultControlServer's HTTP endpoint over it).
//
// InjectFault(die, kind) adds the fault of fault_model.h's table to the die (to both dies
// of its chip for chip-scope kinds) and counts ECC errors. Escalation: when a chip has had
// kEccFaultsToIsolate double-bit ECC faults within kEccEscalationWindow by the clock, it is
// isolated: both dies carry a ManuallySeparateNPU fault and stay Unhealthy until Recover is
// called with clear_isolation. Recover(die) clears the die's faults (chip-scope faults on
// both dies of the chip).
//
// Telemetry is synthetic: 40 °C and 300 W nominal, 105 °C while overheated; HBM total from
// the description; ECC counters count injections since start.
//
// Ownership: borrows the clock, which must outlive the source.
// Thread-safety: all methods are safe from any thread.
#ifndef FLYOVER_DEVICE_PLUGIN_EMULATED_NPU_SOURCE_H_
#define FLYOVER_DEVICE_PLUGIN_EMULATED_NPU_SOURCE_H_

#include <deque>
#include <map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "device-plugin/npu_source.h"

namespace flyover::deviceplugin {

class EmulatedNpuSource final : public NpuSource {
 public:
  EmulatedNpuSource(NodeDescription description, Clock* clock);

  // InvalidArgument if `die` is not described.
  [[nodiscard]] absl::Status InjectFault(topology::DieId die, FaultKind kind)
      ABSL_LOCKS_EXCLUDED(mu_);
  // InvalidArgument if `die` is not described; FailedPrecondition if its chip is isolated
  // and `clear_isolation` is false.
  [[nodiscard]] absl::Status Recover(topology::DieId die, bool clear_isolation = false)
      ABSL_LOCKS_EXCLUDED(mu_);

  const NodeDescription& description() const override { return description_; }
  std::vector<DieStatus> Statuses() override ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<DieTelemetry> Telemetry() override ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t generation() override { return notifier_.generation(); }
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) override {
    return notifier_.WaitForChange(seen, timeout);
  }

 private:
  struct DieState {
    DieStatus status;
    int64_t ecc_single = 0;
    int64_t ecc_double = 0;
  };

  absl::Status CheckDie(topology::DieId die) const;
  // The described dies of `die`'s chip (one or two).
  std::vector<topology::DieId> ChipDies(topology::DieId die) const;
  void AddFault(topology::DieId die, const FaultSpec& spec, FaultLevel level, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records a double-bit ECC fault on the chip; isolates it when the rule says so.
  void RecordEccAndEscalate(topology::DieId die, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const NodeDescription description_;
  Clock* const clock_;
  ChangeNotifier notifier_;
  absl::Mutex mu_;
  std::map<topology::DieId, DieState> dies_ ABSL_GUARDED_BY(mu_);
  std::map<topology::ChipId, std::deque<absl::Time>> ecc_history_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_EMULATED_NPU_SOURCE_H_
