// What a REST call addresses: a resource type (ResourceDescriptor), and the URL paths and
// query strings kube-apiserver expects for it.
//
//   core:    /api/v1/namespaces/{ns}/pods/{name}[/{subresource}]
//   groups:  /apis/{group}/{version}/namespaces/{ns}/{plural}/{name}[/{subresource}]
//   cluster-scoped resources drop the namespaces/{ns} segment; listing a namespaced
//   resource with an empty namespace lists all namespaces.
//
// Plain values; thread-compatible.
#ifndef FLYOVER_KUBE_CLIENT_RESOURCE_H_
#define FLYOVER_KUBE_CLIENT_RESOURCE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace flyover::kube {

struct ResourceDescriptor {
  std::string group;    // "" for the core group
  std::string version;  // "v1", "v1alpha1"
  std::string plural;   // "pods", "posttrainingjobs"
  std::string kind;     // "Pod", "PostTrainingJob"
  bool namespaced = true;

  // "v1" or "group/version", as in an object's apiVersion.
  [[nodiscard]] std::string ApiVersion() const;
  // "pods" or "posttrainingjobs.training.flyover.dev": the name kube-apiserver uses in
  // messages and the `resource` label of the client's metrics.
  [[nodiscard]] std::string QualifiedName() const;

  bool operator==(const ResourceDescriptor&) const = default;
};

// Descriptors for the resources Flyover's components use.
[[nodiscard]] const ResourceDescriptor& PodsResource();
[[nodiscard]] const ResourceDescriptor& NodesResource();
[[nodiscard]] const ResourceDescriptor& NamespacesResource();
[[nodiscard]] const ResourceDescriptor& ServicesResource();
[[nodiscard]] const ResourceDescriptor& ConfigMapsResource();
[[nodiscard]] const ResourceDescriptor& SecretsResource();
[[nodiscard]] const ResourceDescriptor& EventsResource();  // core/v1 Events
[[nodiscard]] const ResourceDescriptor& LeasesResource();  // coordination.k8s.io/v1
[[nodiscard]] const ResourceDescriptor& PostTrainingJobsResource();

// The collection path (list, create, watch). `ns` is ignored for cluster-scoped
// resources; empty means all namespaces.
[[nodiscard]] std::string CollectionPath(const ResourceDescriptor& resource, absl::string_view ns);

// The path of one object, optionally of one of its subresources ("status", "binding").
[[nodiscard]] std::string ObjectPath(const ResourceDescriptor& resource, absl::string_view ns,
                                     absl::string_view name, absl::string_view subresource = "");

// Builds a query string; parameters with empty values are left out.
class QueryBuilder {
 public:
  QueryBuilder& Add(absl::string_view key, absl::string_view value);
  // "?a=1&b=x%2Cy", or "" when nothing was added.
  [[nodiscard]] std::string Build() const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// Percent-encodes everything but RFC 3986 unreserved characters.
[[nodiscard]] std::string UrlEncode(absl::string_view text);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_RESOURCE_H_
