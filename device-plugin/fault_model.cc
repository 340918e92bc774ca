#include "device-plugin/fault_model.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flyover::deviceplugin {

const std::vector<FaultSpec>& AllFaultSpecs() {
  static const std::vector<FaultSpec> kSpecs = {
      {FaultKind::kHbmEccSingleBit, "hbm_ecc_single_bit", "80E18401",
       FaultLevel::kNotHandleFault, false, false},
      {FaultKind::kHbmEccDoubleBit, "hbm_ecc_double_bit", "80E18402", FaultLevel::kRestartNPU,
       false, false},
      {FaultKind::kLinkDown, "link_down", "81078603", FaultLevel::kPreSeparateNPU, false, true},
      {FaultKind::kChipHang, "chip_hang", "80C98009", FaultLevel::kRestartNPU, true, false},
      {FaultKind::kOverheat, "overheat", "80E38003", FaultLevel::kSubHealthFault, true, false},
  };
  return kSpecs;
}

const FaultSpec& SpecOf(FaultKind kind) { return AllFaultSpecs()[static_cast<size_t>(kind)]; }

absl::StatusOr<FaultKind> ParseFaultKind(absl::string_view name) {
  std::vector<absl::string_view> names;
  for (const FaultSpec& spec : AllFaultSpecs()) {
    if (spec.name == name) return spec.kind;
    names.push_back(spec.name);
  }
  return absl::InvalidArgumentError(absl::StrCat("fault: unknown kind \"", name,
                                                 "\"; want one of ", absl::StrJoin(names, ", ")));
}

absl::string_view FaultLevelName(FaultLevel level) {
  switch (level) {
    case FaultLevel::kNotHandleFault: return "NotHandleFault";
    case FaultLevel::kSubHealthFault: return "SubHealthFault";
    case FaultLevel::kRestartRequest: return "RestartRequest";
    case FaultLevel::kRestartBusiness: return "RestartBusiness";
    case FaultLevel::kFreeRestartNPU: return "FreeRestartNPU";
    case FaultLevel::kRestartNPU: return "RestartNPU";
    case FaultLevel::kPreSeparateNPU: return "PreSeparateNPU";
    case FaultLevel::kSeparateNPU: return "SeparateNPU";
    case FaultLevel::kManuallySeparateNPU: return "ManuallySeparateNPU";
  }
  return "Unknown";
}

FaultLevel DieStatus::WorstLevel() const {
  FaultLevel worst = FaultLevel::kNotHandleFault;
  for (const ActiveFault& fault : faults) worst = std::max(worst, fault.level);
  return worst;
}

bool DieStatus::NetworkHealthy() const {
  return std::none_of(faults.begin(), faults.end(),
                      [](const ActiveFault& f) { return SpecOf(f.kind).network; });
}

}  // namespace flyover::deviceplugin
