// A container's environment as the kubelet builds it: `value` (with $(VAR) references to
// earlier variables expanded), and `valueFrom` — fieldRef (the downward API:
// metadata.name, metadata.namespace, metadata.uid, spec.nodeName, spec.serviceAccountName,
// status.podIP, status.hostIP, metadata.annotations['k'], metadata.labels['k']),
// configMapKeyRef and secretKeyRef (honouring `optional`).
//
// ConfigMaps and Secrets are read through an ObjectSource, so tests need no API.
// Errors: InvalidArgument / NotFound naming the variable (env[i]) and the reason.
// Pure functions apart from the ObjectSource; thread-compatible.
#ifndef FLYOVER_NODESIM_POD_ENV_H_
#define FLYOVER_NODESIM_POD_ENV_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/api/core/config_map.h"
#include "kube/api/core/pod.h"
#include "kube/client/rest_client.h"

namespace flyover::nodesim {

// Where ConfigMaps and Secrets come from.
class ObjectSource {
 public:
  virtual ~ObjectSource() = default;
  [[nodiscard]] virtual absl::StatusOr<kube::core::ConfigMap> GetConfigMap(
      const std::string& ns, const std::string& name) = 0;
  [[nodiscard]] virtual absl::StatusOr<kube::core::Secret> GetSecret(const std::string& ns,
                                                                     const std::string& name) = 0;
};

// An ObjectSource reading from the API server. Borrows the client.
class ApiObjectSource final : public ObjectSource {
 public:
  explicit ApiObjectSource(kube::RestClient* client) : client_(client) {}
  absl::StatusOr<kube::core::ConfigMap> GetConfigMap(const std::string& ns,
                                                     const std::string& name) override;
  absl::StatusOr<kube::core::Secret> GetSecret(const std::string& ns,
                                               const std::string& name) override;

 private:
  kube::RestClient* const client_;
};

using EnvList = std::vector<std::pair<std::string, std::string>>;

// Expands $(NAME) from `env` (the last definition wins), as the kubelet does: $$ is a
// literal $, and a reference to an undefined variable is left as written.
[[nodiscard]] std::string ExpandVars(absl::string_view text, const EnvList& env);

// The value of a downward-API fieldPath of `pod`; InvalidArgument for an unsupported path.
[[nodiscard]] absl::StatusOr<std::string> DownwardField(const kube::core::Pod& pod,
                                                        absl::string_view field_path);

// The container's environment, in declaration order.
[[nodiscard]] absl::StatusOr<EnvList> ResolveEnv(const kube::core::Pod& pod,
                                                 const kube::core::Container& container,
                                                 ObjectSource* source);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_POD_ENV_H_
