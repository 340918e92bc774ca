#include "kube/controller/leader_election_flags.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kube/controller/lease_lock.h"

namespace flyover::kube {
namespace {

absl::Status FlagError(const char* flag, const std::string& reason) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", reason));
}

}  // namespace

absl::Status ValidateLeaderElectionTiming(const LeaderElectionTiming& timing) {
  const absl::Duration lease = timing.lease_duration;
  if (lease < absl::Seconds(1) || lease != absl::Trunc(lease, absl::Seconds(1))) {
    return FlagError("leader-elect-lease-duration",
                     absl::StrCat(absl::FormatDuration(lease), " is not a whole number of seconds"));
  }
  if (lease <= timing.renew_deadline) {
    return FlagError("leader-elect-lease-duration",
                     absl::StrCat(absl::FormatDuration(lease), " must be greater than "
                                  "--leader-elect-renew-deadline (",
                                  absl::FormatDuration(timing.renew_deadline), ")"));
  }
  if (timing.renew_deadline <= timing.retry_period * kLeaderElectJitter) {
    return FlagError("leader-elect-renew-deadline",
                     absl::StrCat(absl::FormatDuration(timing.renew_deadline),
                                  " must be greater than --leader-elect-retry-period (",
                                  absl::FormatDuration(timing.retry_period), ") x ",
                                  kLeaderElectJitter, " jitter"));
  }
  return absl::OkStatus();
}

LeaderElectionConfig LeaderElectionConfigFor(std::string identity,
                                             const LeaderElectionTiming& timing,
                                             std::shared_ptr<prometheus::Registry> registry) {
  LeaderElectionConfig config{.identity = std::move(identity),
                              .lease_duration = timing.lease_duration,
                              .renew_deadline = timing.renew_deadline,
                              .retry_period = timing.retry_period,
                              .jitter_factor = kLeaderElectJitter,
                              .registry = std::move(registry)};
  config.observe_period = std::min(config.observe_period, config.retry_period);
  return config;
}

absl::StatusOr<std::unique_ptr<LeaderElector>> NewRestLeaseElector(
    RestClient* client, const std::string& namespace_, const std::string& lease_name,
    std::string identity, const LeaderElectionTiming& timing,
    std::shared_ptr<prometheus::Registry> registry) {
  auto lock = std::make_unique<RestLeaseLock>(client, namespace_, lease_name);
  absl::StatusOr<std::unique_ptr<LeaseLeaderElector>> elector = LeaseLeaderElector::Create(
      std::move(lock), LeaderElectionConfigFor(std::move(identity), timing, std::move(registry)));
  if (!elector.ok()) return elector.status();
  return std::unique_ptr<LeaderElector>(*std::move(elector));
}

}  // namespace flyover::kube
