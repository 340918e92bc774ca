#include "apiserver/server/apply_schema.h"

#include <utility>

#include "apiserver/server/object_meta.h"
#include "apiserver/server/strategy.h"

namespace flyover::apiserver {

std::unique_ptr<FieldSchema> FieldSchemaFor(const discovery::ResourceInfo& resource) {
  if (const PatchSchema* builtin = PatchSchemaFor(ToGroupKind(resource))) {
    return std::make_unique<BuiltinFieldSchema>(builtin);
  }
  return std::make_unique<CrdFieldSchema>(&resource.schema);
}

TrackedFields TrackedFor(const discovery::ResourceInfo& resource, absl::string_view subresource) {
  if (subresource == "status") return TrackedFields::kStatusOnly;
  return HasStatusSubresource(resource) ? TrackedFields::kAllButStatus : TrackedFields::kAll;
}

FieldManagerRequest FieldManagerRequestFor(const discovery::ResourceInfo& resource,
                                           absl::string_view subresource, std::string manager,
                                           absl::Time now, const FieldSchema* schema) {
  FieldManagerRequest request;
  request.manager = std::move(manager);
  request.api_version = resource.GroupVersion();
  request.subresource = std::string(subresource);
  request.time = Timestamp(now);
  request.schema = schema;
  request.tracked = TrackedFor(resource, subresource);
  return request;
}

}  // namespace flyover::apiserver
