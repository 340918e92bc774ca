// What server-side apply and field tracking need to know about a served resource: its
// FieldSchema (field_schema.h; the strategic-merge table for built-in kinds, the CRD
// version's schema for custom resources) and which fields a write on an endpoint may own
// (status only on the status subresource; everything but status on the main resource of a
// kind with a status subresource).
//
// Thread-safety: free functions. The schema refers to `resource`, which must outlive it.
#ifndef FLYOVER_APISERVER_SERVER_APPLY_SCHEMA_H_
#define FLYOVER_APISERVER_SERVER_APPLY_SCHEMA_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "apiserver/discovery/resource_registry.h"
#include "apiserver/semantics/field_manager.h"
#include "apiserver/semantics/field_schema.h"

namespace flyover::apiserver {

[[nodiscard]] std::unique_ptr<FieldSchema> FieldSchemaFor(const discovery::ResourceInfo& resource);

[[nodiscard]] TrackedFields TrackedFor(const discovery::ResourceInfo& resource,
                                       absl::string_view subresource);

// A write by `manager` on `resource`/`subresource` at `now`; `schema` must outlive it.
[[nodiscard]] FieldManagerRequest FieldManagerRequestFor(const discovery::ResourceInfo& resource,
                                                         absl::string_view subresource,
                                                         std::string manager, absl::Time now,
                                                         const FieldSchema* schema);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_APPLY_SCHEMA_H_
