// The query parameters of writes that concern field ownership, read as kube-apiserver
// reads them:
//   fieldManager  who makes the change. Required for apply (application/apply-patch+yaml):
//                 without it the request is 422 `PatchOptions.meta.k8s.io "" is invalid:
//                 fieldManager: Required value: is required for apply patch`. At most 128
//                 printable characters.
//   force         apply only ("true"/"false"): take conflicting fields over. On any other
//                 patch it is 422 "force: Forbidden: may not be specified for non-apply
//                 patch".
// Writes other than apply are attributed to fieldManager, else to the program name of the
// User-Agent ("kubectl/v1.32.0 (linux/amd64) ..." → "kubectl"), else to "unknown".
//
// Thread-safety: free functions.
#ifndef FLYOVER_APISERVER_SERVER_APPLY_OPTIONS_H_
#define FLYOVER_APISERVER_SERVER_APPLY_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "apiserver/server/http_types.h"

namespace flyover::apiserver {

struct PatchOwnership {
  std::string field_manager;
  bool force = false;
};

// The ownership options of a PATCH; `apply` says whether it is an apply patch.
[[nodiscard]] absl::StatusOr<PatchOwnership> ParsePatchOwnership(const HttpRequest& request,
                                                                 bool apply);

// The manager a create, update or non-apply patch is recorded under (see above).
[[nodiscard]] std::string UpdateManagerOf(const HttpRequest& request);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_APPLY_OPTIONS_H_
