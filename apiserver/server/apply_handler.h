// Server-side apply over HTTP: PATCH with Content-Type application/apply-patch+yaml.
//
// The body (YAML or JSON, one object) is the applied configuration; its apiVersion and
// kind must be the resource's (400 otherwise). fieldManager is required and force is read
// as apply_options.h says; dryRun and fieldValidation as for any write. The configuration
// is applied to the stored object with field ownership (apiserver/semantics/
// field_manager.h), then admitted like any update (strategy.h): 200 with the object.
// When the object does not exist the apply creates it (201); on the status subresource
// that is 404. Conflicts with other managers are 409 with one cause per field.
//
// Thread-safety: ServeApply is thread-safe (ObjectService is).
#ifndef FLYOVER_APISERVER_SERVER_APPLY_HANDLER_H_
#define FLYOVER_APISERVER_SERVER_APPLY_HANDLER_H_

#include "absl/time/time.h"
#include "apiserver/discovery/resource_registry.h"
#include "apiserver/server/http_types.h"
#include "apiserver/server/object_service.h"
#include "apiserver/server/request_info.h"

namespace flyover::apiserver {

struct ApplyCall {
  ObjectService& objects;
  const HttpRequest& request;
  const RequestInfo& info;  // verb "patch", with namespace, name and subresource
  const discovery::ResourceInfo& resource;
  absl::Time now;
};

// Whether `request`'s Content-Type is application/apply-patch+yaml (parameters ignored).
[[nodiscard]] bool IsApplyPatch(const HttpRequest& request);

[[nodiscard]] HttpResponse ServeApply(const ApplyCall& call);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_APPLY_HANDLER_H_
