#include "kube/api/core/config_map.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "kube/api/core/core_json.h"

namespace flyover::kube::core {

absl::StatusOr<ConfigMap> DecodeConfigMap(const nlohmann::json& value) {
  ErrorList errors;
  ConfigMap config_map;
  PartialReader r(value, FieldPath(), &errors);
  r.Expect("apiVersion", "v1");
  r.Expect("kind", "ConfigMap");
  ReadMetadataField(r, &config_map.metadata, &config_map.metadata_rest);
  r.Field("data", &config_map.data);
  r.Field("binaryData", &config_map.binary_data);
  config_map.rest = r.Rest();
  if (!errors.empty()) return DecodeStatus(errors, "ConfigMap", config_map.metadata);
  return config_map;
}

nlohmann::json EncodeConfigMap(const ConfigMap& config_map) {
  nlohmann::json j = FromRest(config_map.rest);
  j["apiVersion"] = "v1";
  j["kind"] = "ConfigMap";
  j["metadata"] = EncodeMetadata(config_map.metadata, config_map.metadata_rest);
  SetUnlessEmpty(j, "data", config_map.data);
  SetUnlessEmpty(j, "binaryData", config_map.binary_data);
  return j;
}

absl::StatusOr<Secret> DecodeSecret(const nlohmann::json& value) {
  ErrorList errors;
  Secret secret;
  PartialReader r(value, FieldPath(), &errors);
  r.Expect("apiVersion", "v1");
  r.Expect("kind", "Secret");
  ReadMetadataField(r, &secret.metadata, &secret.metadata_rest);
  r.Field("type", &secret.type);
  r.Field("data", &secret.data);
  r.Field("stringData", &secret.string_data);
  secret.rest = r.Rest();
  if (!errors.empty()) return DecodeStatus(errors, "Secret", secret.metadata);
  return secret;
}

nlohmann::json EncodeSecret(const Secret& secret) {
  nlohmann::json j = FromRest(secret.rest);
  j["apiVersion"] = "v1";
  j["kind"] = "Secret";
  j["metadata"] = EncodeMetadata(secret.metadata, secret.metadata_rest);
  SetUnlessEmpty(j, "type", secret.type);
  SetUnlessEmpty(j, "data", secret.data);
  SetUnlessEmpty(j, "stringData", secret.string_data);
  return j;
}

absl::StatusOr<std::string> SecretValue(const Secret& secret, absl::string_view key) {
  auto it = secret.data.find(std::string(key));
  if (it == secret.data.end()) {
    return absl::NotFoundError(
        absl::StrCat("secret \"", secret.metadata.name, "\" has no key \"", key, "\""));
  }
  std::string bytes;
  if (!absl::Base64Unescape(it->second, &bytes)) {
    return absl::InvalidArgumentError(absl::StrCat("secret \"", secret.metadata.name,
                                                   "\" data[", key, "] is not base64"));
  }
  return bytes;
}

void SetSecretValue(Secret* secret, absl::string_view key, absl::string_view bytes) {
  secret->data[std::string(key)] = absl::Base64Escape(bytes);
}

}  // namespace flyover::kube::core
