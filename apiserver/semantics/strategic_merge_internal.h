// Internal to strategic_merge_patch.cc and strategic_merge_list.cc: the recursive steps of
// strategic merge patch. Not for use outside apiserver/semantics.
//
// `path` is the dotted path of the value being merged (strategic_merge_schema.h). Every
// function takes the object's value by value and returns the merged value; recursion
// follows the patch, whose depth the caller has bounded.
#ifndef FLYOVER_APISERVER_SEMANTICS_STRATEGIC_MERGE_INTERNAL_H_
#define FLYOVER_APISERVER_SEMANTICS_STRATEGIC_MERGE_INTERNAL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "apiserver/semantics/strategic_merge_schema.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::smp_internal {

inline constexpr char kPatchDirective[] = "$patch";
inline constexpr char kRetainKeysDirective[] = "$retainKeys";
inline constexpr char kDeleteFromPrimitiveListPrefix[] = "$deleteFromPrimitiveList/";
inline constexpr char kSetElementOrderPrefix[] = "$setElementOrder/";

// "$patch", "$retainKeys", "$deleteFromPrimitiveList/..." or "$setElementOrder/...".
[[nodiscard]] bool IsDirectiveKey(absl::string_view key);
[[nodiscard]] std::string ChildPath(absl::string_view path, absl::string_view field);

// A patch value placed where the object has nothing: directives and nulls removed.
[[nodiscard]] nlohmann::json CleanPatchValue(const nlohmann::json& value);

// Merges a patch object into an object (a non-object counts as {}).
[[nodiscard]] absl::StatusOr<nlohmann::json> MergeObject(nlohmann::json original,
                                                         const nlohmann::json& patch,
                                                         const std::string& path,
                                                         const PatchSchema& schema);

// Merges a patch list into a list by the field's strategy (replace when it has none).
[[nodiscard]] absl::StatusOr<nlohmann::json> MergeListField(nlohmann::json original,
                                                            const nlohmann::json& patch,
                                                            const std::string& path,
                                                            const PatchSchema& schema);

// Reorders `merged`: elements found in `order` first in that order, the others keep their
// positions in `server_order` relative to them. `merge_key` identifies objects; empty
// compares whole values.
[[nodiscard]] nlohmann::json OrderElements(const nlohmann::json& merged,
                                           const nlohmann::json& order,
                                           const nlohmann::json& server_order,
                                           const std::string& merge_key);

// Errors with the Status payload to answer with.
[[nodiscard]] absl::Status BadPatch(absl::string_view message);
[[nodiscard]] absl::Status UnprocessablePatch(absl::string_view message,
                                              absl::string_view path);

}  // namespace flyover::apiserver::smp_internal

#endif  // FLYOVER_APISERVER_SEMANTICS_STRATEGIC_MERGE_INTERNAL_H_
