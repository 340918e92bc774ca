// JSON merge patch (RFC 7386), as kube-apiserver applies application/merge-patch+json.
//
// An object patch merges into the target member by member: null removes a member, an
// object merges recursively (into {} when the target member is not an object), anything
// else replaces. A patch that is not an object replaces the whole target. Lists are
// always replaced: merge patch knows no merge keys (strategic_merge_patch.h does).
//
// The result need not be a valid object of the target's kind (the patch may drop "kind"
// or turn the document into an array); the caller decodes and validates it as kube-apiserver
// does after patching. Free functions; thread-safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_MERGE_PATCH_H_
#define FLYOVER_APISERVER_SEMANTICS_MERGE_PATCH_H_

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

// Applies `patch` to `target`. Fails only when either document is nested deeper than
// kMaxJsonNestingDepth (InvalidArgument with a 400 BadRequest payload).
[[nodiscard]] absl::StatusOr<nlohmann::json> ApplyMergePatch(const nlohmann::json& target,
                                                             const nlohmann::json& patch);

// The merge patch that turns `original` into `modified` (RFC 7386 section 3's inverse):
// changed members with their new values, removed members as null. Useful for tests and
// for computing what a client-side apply sends.
[[nodiscard]] nlohmann::json CreateMergePatch(const nlohmann::json& original,
                                              const nlohmann::json& modified);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_MERGE_PATCH_H_
