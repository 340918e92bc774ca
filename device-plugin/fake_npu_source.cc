#include "device-plugin/fake_npu_source.h"

#include <utility>

namespace flyover::deviceplugin {

FakeNpuSource::FakeNpuSource(NodeDescription description) : description_(std::move(description)) {
  for (const DieDescription& die : description_.dies) {
    statuses_.push_back({.die = die.id});
    telemetry_.push_back({.die = die.id, .hbm_total_bytes = die.hbm_bytes});
  }
}

void FakeNpuSource::SetStatus(DieStatus status) {
  {
    absl::MutexLock lock(&mu_);
    for (DieStatus& current : statuses_) {
      if (current.die == status.die) current = status;
    }
  }
  notifier_.Bump();
}

void FakeNpuSource::SetHealthy(topology::DieId die, bool healthy) {
  DieStatus status{.die = die};
  if (!healthy) {
    const FaultSpec& spec = SpecOf(FaultKind::kHbmEccDoubleBit);
    status.faults.push_back({spec.kind, std::string(spec.code), spec.level, absl::UnixEpoch()});
  }
  SetStatus(status);
}

void FakeNpuSource::SetTelemetry(DieTelemetry telemetry) {
  absl::MutexLock lock(&mu_);
  for (DieTelemetry& current : telemetry_) {
    if (current.die == telemetry.die) current = telemetry;
  }
}

std::vector<DieStatus> FakeNpuSource::Statuses() {
  absl::MutexLock lock(&mu_);
  return statuses_;
}

std::vector<DieTelemetry> FakeNpuSource::Telemetry() {
  absl::MutexLock lock(&mu_);
  return telemetry_;
}

}  // namespace flyover::deviceplugin
