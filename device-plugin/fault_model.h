// The fault model of the emulated NPUs: what can be injected, the MindCluster fault code and
// level each kind carries, and which levels take a die out of service.
//
//   kind                  code      level           scope  reported as
//   hbm_ecc_single_bit    80E18401  NotHandleFault  die    CardUnhealthy (die stays Healthy)
//   hbm_ecc_double_bit    80E18402  RestartNPU      die    CardUnhealthy
//   link_down             81078603  PreSeparateNPU  die    CardNetworkUnhealthy
//   chip_hang             80C98009  RestartNPU      chip   CardUnhealthy (both dies)
//   overheat              80E38003  SubHealthFault  chip   CardUnhealthy (dies stay Healthy)
//
// Codes are 8-hex-digit strings in MindCluster's format; the table is this emulation's.
// Escalation: a second hbm_ecc_double_bit on one chip within 24 h isolates the chip: both
// dies get ManuallySeparateNPU until the isolation is cleared by hand (EmulatedNpuSource).
// A die is Unhealthy to the kubelet when its worst active level is RestartNPU or above.
//
// Pure values and functions; safe from any thread.
#ifndef FLYOVER_DEVICE_PLUGIN_FAULT_MODEL_H_
#define FLYOVER_DEVICE_PLUGIN_FAULT_MODEL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/topology.h"

namespace flyover::deviceplugin {

enum class FaultKind { kHbmEccSingleBit, kHbmEccDoubleBit, kLinkDown, kChipHang, kOverheat };

// MindCluster's fault handling levels, mildest first.
enum class FaultLevel {
  kNotHandleFault,
  kSubHealthFault,
  kRestartRequest,
  kRestartBusiness,
  kFreeRestartNPU,
  kRestartNPU,
  kPreSeparateNPU,
  kSeparateNPU,
  kManuallySeparateNPU,
};

struct FaultSpec {
  FaultKind kind;
  absl::string_view name;  // "hbm_ecc_double_bit": the fault-control API's spelling
  absl::string_view code;  // "80E18402"
  FaultLevel level;
  bool whole_chip;  // hits both dies of the chip
  bool network;     // a parameter-plane network fault (NetworkUnhealthy)
};

// The escalation rule: this many double-bit ECC faults on one chip within the window.
inline constexpr int kEccFaultsToIsolate = 2;
inline constexpr absl::Duration kEccEscalationWindow = absl::Hours(24);

const FaultSpec& SpecOf(FaultKind kind);
const std::vector<FaultSpec>& AllFaultSpecs();
// Parses FaultSpec::name; InvalidArgument listing the known names otherwise.
[[nodiscard]] absl::StatusOr<FaultKind> ParseFaultKind(absl::string_view name);
// "RestartNPU", ...
absl::string_view FaultLevelName(FaultLevel level);
// Whether a die whose worst fault has `level` is Unhealthy to the kubelet.
constexpr bool LevelTakesDieOutOfService(FaultLevel level) {
  return level >= FaultLevel::kRestartNPU;
}

// One fault active on a die.
struct ActiveFault {
  FaultKind kind = FaultKind::kHbmEccSingleBit;
  std::string code;
  FaultLevel level = FaultLevel::kNotHandleFault;
  absl::Time since;
  bool operator==(const ActiveFault&) const = default;
};

// The health of one die as a source reports it.
struct DieStatus {
  topology::DieId die = 0;
  std::vector<ActiveFault> faults;  // in the order they happened
  bool isolated = false;            // its chip is isolated (escalation)

  // NotHandleFault when there is no fault.
  FaultLevel WorstLevel() const;
  bool Healthy() const { return !LevelTakesDieOutOfService(WorstLevel()); }
  bool NetworkHealthy() const;
  bool operator==(const DieStatus&) const = default;
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_FAULT_MODEL_H_
