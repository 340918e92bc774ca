// NPU faults as the emulated backend consumes them, and NpuFaultSource, the seam they come
// through.
//
// A fault source answers one question: what is the state of die D at training step S?
// EmulatedNpuBackend asks at every BeginStep(S) and turns the answer into behaviour:
//
//   kind              effect on the emulated die
//   HbmEccDoubleBit   the next kernel that reads the named buffer (or, with no buffer, the
//                     next kernel that reads any buffer) fails with DataLoss naming the
//                     buffer; the stream is poisoned. Edge-triggered: applied once when a
//                     fault with a new `code` appears, not again while it stays listed.
//   Hang              no stream makes progress while listed; synchronisation ends in
//                     DeadlineExceeded. Level-triggered.
//   Slow              kernels take `slowdown` times longer. Level-triggered.
//   Overheat          thermal throttling: as Slow (default slowdown 2). Level-triggered.
//   LinkDown          no effect on compute; reported by Health() for the collectives.
//   anything else     kOther: reported by Health(), no effect.
// Several Slow/Overheat faults multiply their slowdowns.
//
// Implementations, by mechanism: EnvNpuFaultSource (a spec string, normally the
// FLYOVER_NPU_FAULT environment variable; env_npu_fault_source.h), FileNpuFaultSource
// (polls the device plugin's JSON device-state file; file_npu_fault_source.h) and
// FakeNpuFaultSource (set by tests; fake_npu_fault_source.h).
//
// Thread-safety: implementations must be safe to call from any thread.
#ifndef FLYOVER_WORKER_NPU_NPU_FAULT_H_
#define FLYOVER_WORKER_NPU_NPU_FAULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::worker {

enum class NpuFaultKind { kHbmEccDoubleBit, kHang, kSlow, kLinkDown, kOverheat, kOther };

// "HbmEccDoubleBit", "Hang", "Slow", "LinkDown", "Overheat", "Other".
absl::string_view NpuFaultKindName(NpuFaultKind kind);
// The names above (exact case), kOther for any other name.
NpuFaultKind ParseNpuFaultKind(absl::string_view name);

struct NpuFault {
  NpuFaultKind kind = NpuFaultKind::kOther;
  // Identifies one occurrence (e.g. the device error code plus a sequence number); a fault
  // whose code was not listed at the previous poll is new. Required to be non-empty.
  std::string code;
  // The MindCluster fault level the device plugin assigned ("RestartNPU", ...); may be empty.
  std::string level;
  // kSlow / kOverheat: kernels take this many times longer (>= 1).
  double slowdown = 1.0;
  // kHbmEccDoubleBit: the device buffer hit; unset means the next buffer a kernel reads.
  std::optional<uint64_t> buffer_id;

  friend bool operator==(const NpuFault&, const NpuFault&) = default;
};

enum class DieHealth { kHealthy, kUnhealthy };

// "Healthy", "Unhealthy".
absl::string_view DieHealthName(DieHealth health);

struct DieState {
  int die_id = 0;
  DieHealth health = DieHealth::kHealthy;
  std::vector<NpuFault> faults;

  friend bool operator==(const DieState&, const DieState&) = default;
};

class NpuFaultSource {
 public:
  virtual ~NpuFaultSource() = default;

  // The state of die `die_id` as of training step `step`. Sources that observe live state
  // (the device-state file) ignore `step`. A die the source knows nothing of is Healthy
  // with no faults. An error means the state could not be read; the caller keeps the
  // state it had.
  [[nodiscard]] virtual absl::StatusOr<DieState> Poll(int die_id, int64_t step) = 0;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_NPU_NPU_FAULT_H_
