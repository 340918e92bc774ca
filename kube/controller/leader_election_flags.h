// The leader-election timing that flyover-operator and flyover-scheduler take as flags
// (--leader-elect-lease-duration, --leader-elect-renew-deadline, --leader-elect-retry-period;
// client-go's defaults 15 s / 10 s / 2 s), checked against the rules
// LeaseLeaderElector::Create() enforces (leader_elector.h) with errors naming the flag, and
// the LeaderElectionConfig both binaries build from it.
//
// Pure functions; thread-compatible.
#ifndef FLYOVER_KUBE_CONTROLLER_LEADER_ELECTION_FLAGS_H_
#define FLYOVER_KUBE_CONTROLLER_LEADER_ELECTION_FLAGS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/status/statusor.h"
#include "kube/client/rest_client.h"
#include "kube/controller/leader_elector.h"

namespace flyover::kube {

// The elector's jitter on acquire retries (LeaderElectionConfig::jitter_factor).
inline constexpr double kLeaderElectJitter = 1.2;

struct LeaderElectionTiming {
  absl::Duration lease_duration = absl::Seconds(15);
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
};

// InvalidArgument naming the flag unless the lease duration is a whole number of seconds
// (at least 1) and lease duration > renew deadline > retry period * kLeaderElectJitter.
[[nodiscard]] absl::Status ValidateLeaderElectionTiming(const LeaderElectionTiming& timing);

// The elector's configuration for `identity` with `timing`: jitter kLeaderElectJitter, the
// default observe period cut to the retry period. `registry` may be null.
[[nodiscard]] LeaderElectionConfig LeaderElectionConfigFor(
    std::string identity, const LeaderElectionTiming& timing,
    std::shared_ptr<prometheus::Registry> registry);

// A LeaseLeaderElector for `identity` on the Lease `namespace_`/`lease_name` through
// `client` (not owned), configured by LeaderElectionConfigFor. InvalidArgument as
// LeaseLeaderElector::Create.
[[nodiscard]] absl::StatusOr<std::unique_ptr<LeaderElector>> NewRestLeaseElector(
    RestClient* client, const std::string& namespace_, const std::string& lease_name,
    std::string identity, const LeaderElectionTiming& timing,
    std::shared_ptr<prometheus::Registry> registry);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_LEADER_ELECTION_FLAGS_H_
