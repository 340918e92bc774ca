// Strategic merge patch for built-in kinds, as kube-apiserver applies
// application/strategic-merge-patch+json — what kubectl sends for apply, patch, label,
// annotate, taint, scale and edit.
//
// Like a JSON merge patch (null deletes a member, objects merge member by member, scalars
// replace), except that lists follow the kind's schema (strategic_merge_schema.h): a
// list with patchStrategy "merge" merges its elements by the merge key (an element in the
// patch merges into the object's element with the same key, or is appended), a list of
// primitives with "merge" is a set union, and any other list is replaced. Directives:
//   {"$patch": "replace"}               in an object: the object becomes the patch's;
//                                       as a list element: the list becomes the patch's
//   {"$patch": "delete"}                in an object: the object becomes {}; as a list
//                                       element with the merge key: that element goes
//   {"$patch": "merge"}                 the default, accepted anywhere
//   "$deleteFromPrimitiveList/<field>"  values removed from the primitive list <field>
//   "$setElementOrder/<field>"          the order of <field> after merging: elements named
//                                       there come in that order, the object's other
//                                       elements keep their place relative to them
//   "$retainKeys": [...]                members of the object not listed are cleared; the
//                                       patch may set only listed members
// Nulls inside values that are new to the object are dropped, and directives never reach
// the result. Element order follows kube-apiserver: the patch's elements come in patch
// order, and an element only the object has stays ahead of a patched element only when
// both were in the object in that order, so an element new to the list lands before the
// object's remaining ones.
//
// Errors are InvalidArgument carrying the Status to answer with: 415 UnsupportedMediaType
// for kinds that do not support strategic merge (custom resources; the message is the
// server's: "the body of the request was in an unknown format - accepted media types
// include: application/json-patch+json, application/merge-patch+json,
// application/apply-patch+yaml"); 422 for "lists of lists are not supported" and
// "patch content doesn't match retainKeys list"; 400 BadRequest for malformed patches
// (unknown $patch values, directives of the wrong type, a list element without its merge
// key), where kube-apiserver answers some of these with a 500.
//
// Free functions; thread-safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_STRATEGIC_MERGE_PATCH_H_
#define FLYOVER_APISERVER_SEMANTICS_STRATEGIC_MERGE_PATCH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/strategic_merge_schema.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

// The patch media types a custom resource accepts, as the 415 lists them.
[[nodiscard]] const std::vector<std::string>& CustomResourcePatchMediaTypes();

// The 415 UnsupportedMediaType error kube-apiserver answers a strategic merge patch of a
// custom resource with.
[[nodiscard]] absl::Status StrategicMergePatchUnsupportedError(const GroupKind& kind);

// Applies `patch` (an object; null is an empty patch) to `original`, an object of `kind`.
[[nodiscard]] absl::StatusOr<nlohmann::json> ApplyStrategicMergePatch(
    const nlohmann::json& original, const nlohmann::json& patch, const GroupKind& kind);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_STRATEGIC_MERGE_PATCH_H_
