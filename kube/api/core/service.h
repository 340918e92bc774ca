// core/v1 Service, typed for the operator's headless Service per job: clusterIP ("None"
// for headless), selector and ports. Unmodelled fields (type, sessionAffinity, status,
// ...) are kept in `rest` and written back on encode; unknown fields are not errors.
//
// Plain values; thread-compatible.
#ifndef FLYOVER_KUBE_API_CORE_SERVICE_H_
#define FLYOVER_KUBE_API_CORE_SERVICE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kube/api/core/core_json.h"
#include "kube/api/meta.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::core {

// spec.clusterIP of a headless Service.
inline constexpr char kClusterIpNone[] = "None";

struct ServicePort {
  std::string name;
  int32_t port = 0;
  std::optional<IntOrString> target_port;  // a number or a container port name
  nlohmann::json rest;                     // protocol, nodePort, appProtocol

  bool operator==(const ServicePort&) const = default;
};

struct ServiceSpec {
  std::string cluster_ip;
  std::map<std::string, std::string> selector;
  std::vector<ServicePort> ports;
  nlohmann::json rest;  // type, clusterIPs, publishNotReadyAddresses, ...

  bool operator==(const ServiceSpec&) const = default;
};

struct Service {
  ObjectMeta metadata;
  nlohmann::json metadata_rest;
  ServiceSpec spec;
  nlohmann::json rest;  // status, ...

  [[nodiscard]] bool IsHeadless() const { return spec.cluster_ip == kClusterIpNone; }
  bool operator==(const Service&) const = default;
};

[[nodiscard]] absl::StatusOr<Service> DecodeService(const nlohmann::json& value);
[[nodiscard]] nlohmann::json EncodeService(const Service& service);

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ServicePort* out);
void to_json(nlohmann::json& j, const ServicePort& port);

}  // namespace flyover::kube::core

#endif  // FLYOVER_KUBE_API_CORE_SERVICE_H_
