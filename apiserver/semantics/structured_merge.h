// Structured merge: the operations on objects that server-side apply is made of, driven by
// a FieldSchema (field_schema.h).
//
//   FieldsOf      the fields an object sets: every scalar, null, empty object, atomic list
//                 and atomic object is a member; an element of a set or map list is a
//                 member itself (v:/k:) and its fields below it. Nulls and lists count as
//                 kube's typed walk counts them (an empty granular list sets nothing).
//   MergeApplied  an applied configuration merged into a live object: objects member by
//                 member, map lists by key (shared elements merged, in the applied order,
//                 live-only elements kept in place), set lists as a union, atomic lists and
//                 scalars replaced. Nulls in the configuration are dropped first.
//   Compare       what changed from one object to another, as field sets: added, removed,
//                 and modified (a member present in both whose value differs: scalars,
//                 atomic lists and objects compared whole).
//   RemoveFields  deletes the given members from an object (object members, or list
//                 elements by key or value).
//
// Errors (InvalidArgument with a 422 payload naming the field): a map-list element without
// a key field or two elements with the same key, a set list holding an object or a
// duplicate. Depth is bounded by the caller (json_body.h). Free functions; thread-safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_STRUCTURED_MERGE_H_
#define FLYOVER_APISERVER_SEMANTICS_STRUCTURED_MERGE_H_

#include "absl/status/statusor.h"
#include "apiserver/semantics/field_schema.h"
#include "apiserver/semantics/field_set.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

[[nodiscard]] absl::StatusOr<FieldSet> FieldsOf(const nlohmann::json& object,
                                                const FieldSchema& schema);

// FieldsOf an applied configuration, which must not list an element twice (422).
[[nodiscard]] absl::StatusOr<FieldSet> AppliedFieldsOf(const nlohmann::json& config,
                                                       const FieldSchema& schema);

[[nodiscard]] absl::StatusOr<nlohmann::json> MergeApplied(const nlohmann::json& live,
                                                          const nlohmann::json& applied,
                                                          const FieldSchema& schema);

struct Comparison {
  FieldSet added;
  FieldSet removed;
  FieldSet modified;

  [[nodiscard]] bool Empty() const { return added.Empty() && removed.Empty() && modified.Empty(); }
};

[[nodiscard]] absl::StatusOr<Comparison> Compare(const nlohmann::json& before,
                                                 const nlohmann::json& after,
                                                 const FieldSchema& schema);

// Removes every member of `fields` from `object` (a member whose parent is gone is skipped).
void RemoveFields(nlohmann::json& object, const FieldSet& fields);

// The value at `path` in `object`, or nullptr.
[[nodiscard]] const nlohmann::json* ValueAt(const nlohmann::json& object, const FieldPath& path);

// The drop of every null member of the objects in `value`, recursively (lists included).
[[nodiscard]] nlohmann::json WithoutNulls(const nlohmann::json& value);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_STRUCTURED_MERGE_H_
