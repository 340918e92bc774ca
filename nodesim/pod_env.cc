#include "nodesim/pod_env.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/api/core/object_codecs.h"
#include "kube/client/typed_client.h"

namespace flyover::nodesim {
namespace {

using kube::core::Pod;
using nlohmann::json;

// "metadata.labels['app']" -> "app" when `text` has the form prefix['key'].
std::optional<std::string> SubscriptKey(absl::string_view text, absl::string_view prefix) {
  if (!absl::StartsWith(text, prefix)) return std::nullopt;
  absl::string_view rest = text.substr(prefix.size());
  if (rest.size() < 4 || !absl::StartsWith(rest, "['") || !absl::EndsWith(rest, "']")) {
    return std::nullopt;
  }
  return std::string(rest.substr(2, rest.size() - 4));
}

std::string ValueOr(const std::map<std::string, std::string>& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? "" : it->second;
}

// configMapKeyRef / secretKeyRef: the value, or nullopt for an optional one that is absent.
absl::StatusOr<std::optional<std::string>> KeyRef(const json& ref, bool secret,
                                                  const std::string& ns, ObjectSource* source) {
  std::string name = ref.value("name", "");
  std::string key = ref.value("key", "");
  bool optional = ref.value("optional", false);
  absl::StatusOr<std::string> value;
  if (secret) {
    absl::StatusOr<kube::core::Secret> s = source->GetSecret(ns, name);
    value = s.ok() ? kube::core::SecretValue(*s, key) : absl::StatusOr<std::string>(s.status());
  } else {
    absl::StatusOr<kube::core::ConfigMap> cm = source->GetConfigMap(ns, name);
    if (!cm.ok()) {
      value = cm.status();
    } else if (auto it = cm->data.find(key); it != cm->data.end()) {
      value = it->second;
    } else {
      value = absl::NotFoundError(absl::StrCat("key \"", key, "\" not found"));
    }
  }
  if (absl::IsNotFound(value.status()) && optional) return std::nullopt;
  if (!value.ok()) {
    return Annotate(value.status(),
                    absl::StrCat(secret ? "secret " : "configmap ", ns, "/", name, " key ", key));
  }
  return std::optional<std::string>(*value);
}

absl::StatusOr<std::optional<std::string>> ValueFrom(const Pod& pod, const json& from,
                                                     ObjectSource* source) {
  if (from.contains("fieldRef")) {
    ASSIGN_OR_RETURN(std::string value,
                     DownwardField(pod, from["fieldRef"].value("fieldPath", "")));
    return std::optional<std::string>(value);
  }
  if (from.contains("configMapKeyRef")) {
    return KeyRef(from["configMapKeyRef"], false, pod.metadata.namespace_, source);
  }
  if (from.contains("secretKeyRef")) {
    return KeyRef(from["secretKeyRef"], true, pod.metadata.namespace_, source);
  }
  return absl::InvalidArgumentError(
      "valueFrom: only fieldRef, configMapKeyRef and secretKeyRef are supported");
}

}  // namespace

absl::StatusOr<kube::core::ConfigMap> ApiObjectSource::GetConfigMap(const std::string& ns,
                                                                    const std::string& name) {
  return kube::TypedClient<kube::core::ConfigMap>(client_).Get(ns, name);
}

absl::StatusOr<kube::core::Secret> ApiObjectSource::GetSecret(const std::string& ns,
                                                              const std::string& name) {
  return kube::TypedClient<kube::core::Secret>(client_).Get(ns, name);
}

std::string ExpandVars(absl::string_view text, const EnvList& env) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    size_t close = text[i + 1] == '(' ? text.find(')', i + 2) : absl::string_view::npos;
    if (close == absl::string_view::npos) {
      out += text[i];
      continue;
    }
    absl::string_view name = text.substr(i + 2, close - i - 2);
    const std::string* value = nullptr;
    for (const auto& [k, v] : env) {
      if (k == name) value = &v;
    }
    out += value != nullptr ? *value : std::string(text.substr(i, close - i + 1));
    i = close;
  }
  return out;
}

absl::StatusOr<std::string> DownwardField(const Pod& pod, absl::string_view path) {
  if (path == "metadata.name") return pod.metadata.name;
  if (path == "metadata.namespace") return pod.metadata.namespace_;
  if (path == "metadata.uid") return pod.metadata.uid;
  if (path == "spec.nodeName") return pod.spec.node_name;
  if (path == "spec.serviceAccountName") return pod.spec.rest.value("serviceAccountName", "");
  if (path == "status.podIP") return pod.status.pod_ip;
  if (path == "status.hostIP") return pod.status.host_ip;
  if (auto key = SubscriptKey(path, "metadata.annotations")) {
    return ValueOr(pod.metadata.annotations, *key);
  }
  if (auto key = SubscriptKey(path, "metadata.labels")) return ValueOr(pod.metadata.labels, *key);
  return absl::InvalidArgumentError(
      absl::StrCat("fieldRef.fieldPath: \"", path, "\" is not a supported downward API field"));
}

absl::StatusOr<EnvList> ResolveEnv(const Pod& pod, const kube::core::Container& container,
                                   ObjectSource* source) {
  EnvList env;
  for (size_t i = 0; i < container.env.size(); ++i) {
    const kube::core::EnvVar& var = container.env[i];
    std::string field = absl::StrCat("containers[", container.name, "].env[", i, "] (", var.name,
                                     ")");
    if (!var.rest.is_object() || !var.rest.contains("valueFrom")) {
      env.emplace_back(var.name, ExpandVars(var.value, env));
      continue;
    }
    absl::StatusOr<std::optional<std::string>> value =
        ValueFrom(pod, var.rest["valueFrom"], source);
    if (!value.ok()) return Annotate(value.status(), field);
    if (value->has_value()) env.emplace_back(var.name, **value);
  }
  return env;
}

}  // namespace flyover::nodesim
