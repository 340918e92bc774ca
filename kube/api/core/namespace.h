// core/v1 Namespace: its phase (Active, Terminating). Every other field (spec.finalizers,
// status.conditions, ...) is kept in `rest` / `status_rest` and written back on encode;
// unknown fields are not errors.
//
// Plain values; thread-compatible.
#ifndef FLYOVER_KUBE_API_CORE_NAMESPACE_H_
#define FLYOVER_KUBE_API_CORE_NAMESPACE_H_

#include <string>

#include "absl/status/statusor.h"
#include "kube/api/meta.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::core {

// Namespace.status.phase values.
inline constexpr char kNamespaceActive[] = "Active";
inline constexpr char kNamespaceTerminating[] = "Terminating";

struct Namespace {
  ObjectMeta metadata;
  nlohmann::json metadata_rest;
  std::string phase;           // status.phase
  nlohmann::json status_rest;  // status.conditions, ...
  nlohmann::json rest;         // spec (finalizers), ...

  bool operator==(const Namespace&) const = default;
};

[[nodiscard]] absl::StatusOr<Namespace> DecodeNamespace(const nlohmann::json& value);
[[nodiscard]] nlohmann::json EncodeNamespace(const Namespace& ns);

}  // namespace flyover::kube::core

#endif  // FLYOVER_KUBE_API_CORE_NAMESPACE_H_
