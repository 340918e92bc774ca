// PATCH requests: the mutation a patch body means, chosen by its Content-Type as
// kube-apiserver does:
//   application/json-patch+json             RFC 6902 JSON patch
//   application/merge-patch+json            RFC 7386 JSON merge patch
//   application/strategic-merge-patch+json  strategic merge patch (built-in kinds only;
//                                           custom resources answer 415)
//   application/apply-patch+yaml            server-side apply: ParsePatch reads the applied
//                                           configuration (YAML or JSON, one object).
//                                           Applying it with field ownership (managedFields,
//                                           conflicts, force, removal of dropped fields)
//                                           needs the request's fieldManager and is
//                                           apply_handler.h's job; ApplyPatch refuses it
//                                           (Internal) rather than merge it without owners.
// Anything else is 415 UnsupportedMediaType listing the accepted types.
//
// Thread-safety: free functions; the returned mutation is immutable.
#ifndef FLYOVER_APISERVER_SERVER_PATCH_H_
#define FLYOVER_APISERVER_SERVER_PATCH_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "apiserver/discovery/resource_registry.h"
#include "apiserver/server/object_service.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

enum class PatchType { kJson, kMerge, kStrategic, kApply };

struct ParsedPatch {
  PatchType type = PatchType::kMerge;
  nlohmann::json body;  // the patch document (for apply: the applied object)
};

// Reads the patch type from `content_type` (parameters ignored) and parses `body`.
[[nodiscard]] absl::StatusOr<ParsedPatch> ParsePatch(const discovery::ResourceInfo& resource,
                                                     absl::string_view content_type,
                                                     absl::string_view body);

// The object `patch` makes of `current`.
[[nodiscard]] absl::StatusOr<nlohmann::json> ApplyPatch(const discovery::ResourceInfo& resource,
                                                        const ParsedPatch& patch,
                                                        const nlohmann::json& current);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_PATCH_H_
