// How objects and lists go on the wire: as JSON, or as meta.k8s.io/v1 Tables when the
// client's Accept header asks for them (kubectl get). Custom resources are served with the
// apiVersion of the request (every served version shares one storage, without conversion).
//
// Thread-safety: free functions.
#ifndef FLYOVER_APISERVER_SERVER_RESPONSE_ENCODING_H_
#define FLYOVER_APISERVER_SERVER_RESPONSE_ENCODING_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "apiserver/discovery/resource_registry.h"
#include "apiserver/discovery/table.h"
#include "apiserver/server/http_types.h"
#include "apiserver/server/object_service.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

struct ReadFormat {
  bool table = false;
  discovery::IncludeObject include_object = discovery::IncludeObject::kMetadata;
};

// From the Accept header and the includeObject parameter (400 if that is not valid).
[[nodiscard]] absl::StatusOr<ReadFormat> ReadFormatOf(const HttpRequest& request);

// Sets apiVersion to the requested version for custom resources.
void ForVersion(const discovery::ResourceInfo& resource, nlohmann::json& object);

// One object, as JSON or as a one-row Table. Warnings become Warning headers.
HttpResponse ObjectResponse(int status, const discovery::ResourceInfo& resource,
                            nlohmann::json object, const ReadFormat& format, absl::Time now,
                            const std::vector<std::string>& warnings = {});

// A list (kind <Kind>List with metadata.resourceVersion, continue and remainingItemCount),
// or a Table.
HttpResponse ListResponse(const discovery::ResourceInfo& resource, ListResult list,
                          const ReadFormat& format, absl::Time now);

// The same list as JSON, from the stored bytes: each item is its stored JSON with
// metadata.resourceVersion spliced in, parsed only if its bytes are not the plain object
// ForStorage() writes (and for custom resources, whose apiVersion ForVersion() sets).
// Clients decode the same list ListResponse() would send; keys may come in another order.
HttpResponse StoredListResponse(const discovery::ResourceInfo& resource, StoredListResult list);

// `object` (a JSON object's text) with metadata.resourceVersion set to `revision`, added as
// metadata's first member or replacing the one there; nullopt if `object` is not a JSON
// object with an object-valued "metadata" member (the caller then parses it).
std::optional<std::string> SpliceResourceVersion(absl::string_view object, int64_t revision);

// "299 - \"<message>\"": an HTTP Warning header value (RFC 7234), as kubectl prints them.
std::string WarningHeader(absl::string_view message);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_RESPONSE_ENCODING_H_
