#include "worker/npu/npu_fault.h"

namespace flyover::worker {

absl::string_view NpuFaultKindName(NpuFaultKind kind) {
  switch (kind) {
    case NpuFaultKind::kHbmEccDoubleBit:
      return "HbmEccDoubleBit";
    case NpuFaultKind::kHang:
      return "Hang";
    case NpuFaultKind::kSlow:
      return "Slow";
    case NpuFaultKind::kLinkDown:
      return "LinkDown";
    case NpuFaultKind::kOverheat:
      return "Overheat";
    case NpuFaultKind::kOther:
      break;
  }
  return "Other";
}

NpuFaultKind ParseNpuFaultKind(absl::string_view name) {
  for (NpuFaultKind kind : {NpuFaultKind::kHbmEccDoubleBit, NpuFaultKind::kHang,
                            NpuFaultKind::kSlow, NpuFaultKind::kLinkDown,
                            NpuFaultKind::kOverheat}) {
    if (name == NpuFaultKindName(kind)) return kind;
  }
  return NpuFaultKind::kOther;
}

absl::string_view DieHealthName(DieHealth health) {
  return health == DieHealth::kHealthy ? "Healthy" : "Unhealthy";
}

}  // namespace flyover::worker
