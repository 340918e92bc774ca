// coordination.k8s.io/v1 Lease (leader election, node heartbeats). Lease times are metav1.MicroTime (microsecond precision); every spec field is optional,
// as in the API, so an absent field stays absent. Unmodelled fields are kept in `rest`;
// unknown fields are not errors.
//
// Plain values; thread-compatible.
#ifndef FLYOVER_KUBE_API_CORE_LEASE_H_
#define FLYOVER_KUBE_API_CORE_LEASE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/api/meta.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::core {

inline constexpr char kLeaseApiVersion[] = "coordination.k8s.io/v1";

struct LeaseSpec {
  std::optional<std::string> holder_identity;
  std::optional<int32_t> lease_duration_seconds;
  std::optional<absl::Time> acquire_time;  // MicroTime
  std::optional<absl::Time> renew_time;    // MicroTime
  std::optional<int32_t> lease_transitions;
  nlohmann::json rest;  // strategy, preferredHolder

  bool operator==(const LeaseSpec&) const = default;
};

struct Lease {
  ObjectMeta metadata;
  nlohmann::json metadata_rest;
  LeaseSpec spec;
  nlohmann::json rest;

  bool operator==(const Lease&) const = default;
};

[[nodiscard]] absl::StatusOr<Lease> DecodeLease(const nlohmann::json& value);
[[nodiscard]] nlohmann::json EncodeLease(const Lease& lease);

}  // namespace flyover::kube::core

#endif  // FLYOVER_KUBE_API_CORE_LEASE_H_
