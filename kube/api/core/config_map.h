// core/v1 ConfigMap and Secret: the operator's rank-table ConfigMap and the Secrets
// components read (tokens, certificates). Secret.data holds base64 text exactly as the API
// carries it; SecretValue and SetSecretValue convert to and from raw bytes. Unmodelled
// fields (immutable, ...) are kept in `rest`; unknown fields are not errors.
//
// Plain values; thread-compatible.
#ifndef FLYOVER_KUBE_API_CORE_CONFIG_MAP_H_
#define FLYOVER_KUBE_API_CORE_CONFIG_MAP_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/api/meta.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::core {

struct ConfigMap {
  ObjectMeta metadata;
  nlohmann::json metadata_rest;
  std::map<std::string, std::string> data;
  std::map<std::string, std::string> binary_data;  // base64, as the API carries it
  nlohmann::json rest;

  bool operator==(const ConfigMap&) const = default;
};

struct Secret {
  ObjectMeta metadata;
  nlohmann::json metadata_rest;
  std::string type;                                // "Opaque", "kubernetes.io/tls", ...
  std::map<std::string, std::string> data;         // base64, as the API carries it
  std::map<std::string, std::string> string_data;  // write-only plain text
  nlohmann::json rest;

  bool operator==(const Secret&) const = default;
};

[[nodiscard]] absl::StatusOr<ConfigMap> DecodeConfigMap(const nlohmann::json& value);
[[nodiscard]] nlohmann::json EncodeConfigMap(const ConfigMap& config_map);
[[nodiscard]] absl::StatusOr<Secret> DecodeSecret(const nlohmann::json& value);
[[nodiscard]] nlohmann::json EncodeSecret(const Secret& secret);

// The decoded bytes of data[key]: NotFound when absent, InvalidArgument when the value
// is not base64.
[[nodiscard]] absl::StatusOr<std::string> SecretValue(const Secret& secret,
                                                      absl::string_view key);
// Sets data[key] to the base64 of `bytes`.
void SetSecretValue(Secret* secret, absl::string_view key, absl::string_view bytes);

}  // namespace flyover::kube::core

#endif  // FLYOVER_KUBE_API_CORE_CONFIG_MAP_H_
