#include "device-plugin/emulated_npu_source.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace flyover::deviceplugin {
namespace {

constexpr double kNominalTemperature = 40;
constexpr double kOverheatTemperature = 105;
constexpr double kNominalPower = 300;

bool HasKind(const DieStatus& status, FaultKind kind) {
  return std::any_of(status.faults.begin(), status.faults.end(),
                     [kind](const ActiveFault& f) { return f.kind == kind; });
}

}  // namespace

EmulatedNpuSource::EmulatedNpuSource(NodeDescription description, Clock* clock)
    : description_(std::move(description)), clock_(clock) {
  for (const DieDescription& die : description_.dies) dies_[die.id].status.die = die.id;
}

absl::Status EmulatedNpuSource::CheckDie(topology::DieId die) const {
  if (description_.FindDie(die) != nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("die: ", die, " is not on this node (dies: ", description_.DieIds().ToIdList(),
                   ")"));
}

std::vector<topology::DieId> EmulatedNpuSource::ChipDies(topology::DieId die) const {
  std::vector<topology::DieId> dies;
  for (topology::DieId id : {die & ~1, die | 1}) {
    if (description_.FindDie(id) != nullptr) dies.push_back(id);
  }
  return dies;
}

void EmulatedNpuSource::AddFault(topology::DieId die, const FaultSpec& spec, FaultLevel level,
                                 absl::Time now) {
  std::vector<ActiveFault>& faults = dies_[die].status.faults;
  auto same = std::find_if(faults.begin(), faults.end(), [&](const ActiveFault& f) {
    return f.kind == spec.kind && f.level == level;
  });
  if (same != faults.end()) return;  // already active: keeps its first time
  faults.push_back({spec.kind, std::string(spec.code), level, now});
}

void EmulatedNpuSource::RecordEccAndEscalate(topology::DieId die, absl::Time now) {
  std::deque<absl::Time>& history = ecc_history_[topology::ChipOfDie(die)];
  history.push_back(now);
  while (!history.empty() && now - history.front() > kEccEscalationWindow) history.pop_front();
  if (static_cast<int>(history.size()) < kEccFaultsToIsolate) return;
  const FaultSpec& spec = SpecOf(FaultKind::kHbmEccDoubleBit);
  for (topology::DieId id : ChipDies(die)) {
    dies_[id].status.isolated = true;
    AddFault(id, spec, FaultLevel::kManuallySeparateNPU, now);
  }
  log::Warn("chip isolated after repeated HBM ECC faults",
            {{"chip", topology::ChipOfDie(die)}, {"faults", static_cast<int>(history.size())}});
}

absl::Status EmulatedNpuSource::InjectFault(topology::DieId die, FaultKind kind) {
  if (absl::Status ok = CheckDie(die); !ok.ok()) return ok;
  const FaultSpec& spec = SpecOf(kind);
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    std::vector<topology::DieId> targets =
        spec.whole_chip ? ChipDies(die) : std::vector<topology::DieId>{die};
    for (topology::DieId id : targets) AddFault(id, spec, spec.level, now);
    if (kind == FaultKind::kHbmEccSingleBit) ++dies_[die].ecc_single;
    if (kind == FaultKind::kHbmEccDoubleBit) {
      ++dies_[die].ecc_double;
      RecordEccAndEscalate(die, now);
    }
  }
  log::Info("fault injected", {{"die", die}, {"fault", spec.name}, {"code", spec.code}});
  notifier_.Bump();
  return absl::OkStatus();
}

absl::Status EmulatedNpuSource::Recover(topology::DieId die, bool clear_isolation) {
  if (absl::Status ok = CheckDie(die); !ok.ok()) return ok;
  {
    absl::MutexLock lock(&mu_);
    if (dies_[die].status.isolated && !clear_isolation) {
      return absl::FailedPreconditionError(absl::StrCat(
          "die ", die, ": chip ", topology::ChipOfDie(die),
          " is isolated after repeated HBM ECC faults; recover it with clear_isolation"));
    }
    for (topology::DieId id : ChipDies(die)) {
      DieStatus& status = dies_[id].status;
      const bool own = id == die;
      std::erase_if(status.faults, [&](const ActiveFault& f) {
        return own || SpecOf(f.kind).whole_chip || (clear_isolation && status.isolated &&
                                                    f.level == FaultLevel::kManuallySeparateNPU);
      });
      if (clear_isolation) status.isolated = false;
    }
    if (clear_isolation) ecc_history_.erase(topology::ChipOfDie(die));
  }
  log::Info("die recovered", {{"die", die}, {"clear_isolation", clear_isolation}});
  notifier_.Bump();
  return absl::OkStatus();
}

std::vector<DieStatus> EmulatedNpuSource::Statuses() {
  absl::MutexLock lock(&mu_);
  std::vector<DieStatus> out;
  for (const auto& [id, state] : dies_) out.push_back(state.status);
  return out;
}

std::vector<DieTelemetry> EmulatedNpuSource::Telemetry() {
  absl::MutexLock lock(&mu_);
  std::vector<DieTelemetry> out;
  for (const auto& [id, state] : dies_) {
    const bool hot = HasKind(state.status, FaultKind::kOverheat);
    out.push_back({.die = id,
                   .temperature_celsius = hot ? kOverheatTemperature : kNominalTemperature,
                   .power_watts = kNominalPower,
                   .hbm_total_bytes = description_.FindDie(id)->hbm_bytes,
                   .ecc_single_bit_errors = state.ecc_single,
                   .ecc_double_bit_errors = state.ecc_double,
                   .link_up = !HasKind(state.status, FaultKind::kLinkDown)});
  }
  return out;
}

}  // namespace flyover::deviceplugin
