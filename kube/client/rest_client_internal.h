// Helpers shared by the RestClient's source files; not part of its interface.
#ifndef FLYOVER_KUBE_CLIENT_REST_CLIENT_INTERNAL_H_
#define FLYOVER_KUBE_CLIENT_REST_CLIENT_INTERNAL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/client/http_transport.h"
#include "kube/client/resource.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::internal {

// One request, with the labels its metrics are recorded under.
struct Call {
  std::string verb;      // get, list, create, ...
  std::string resource;  // "pods", "posttrainingjobs.training.flyover.dev/status"
  HttpRequest request;
};

[[nodiscard]] std::string ResourceLabel(const ResourceDescriptor& resource,
                                        absl::string_view subresource);
[[nodiscard]] Call MakeCall(absl::string_view verb, const ResourceDescriptor& resource,
                            absl::string_view subresource, absl::string_view method,
                            std::string path);
// dryRun and fieldManager.
[[nodiscard]] QueryBuilder WriteQuery(const WriteOptions& options);
void SetJsonBody(const nlohmann::json& body, absl::string_view content_type,
                 HttpRequest* request);
[[nodiscard]] const char* PatchContentType(PatchType type);

struct ObjectKey {
  std::string ns;
  std::string name;
};
// metadata.namespace and metadata.name; InvalidArgument when the name (or, for a
// namespaced resource, the namespace) is missing.
[[nodiscard]] absl::StatusOr<ObjectKey> KeyOf(const ResourceDescriptor& resource,
                                              const nlohmann::json& object);
// A meta/v1 DeleteOptions body.
[[nodiscard]] nlohmann::json DeleteOptionsBody(const DeleteOptions& options);

}  // namespace flyover::kube::internal

#endif  // FLYOVER_KUBE_CLIENT_REST_CLIENT_INTERNAL_H_
