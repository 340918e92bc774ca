// FieldSchema: what server-side apply needs to know about the shape of a kind — how each
// list is merged and identified, and which objects are atomic.
//
// Lists are one of:
//   atomic  replaced whole by an apply; owned as one field (the default)
//   set     scalars merged as a set; each element owned as v:<value>
//   map     objects merged by their key fields; each element owned as k:{<keys>}
// Objects are granular (merged and owned member by member) unless atomic.
//
// Paths are dotted field names from the object's root, where entering a list element adds
// no segment (as in strategic_merge_schema.h): "spec.template.spec.containers.env".
//
// Two sources:
//   BuiltinFieldSchema  built-in kinds: the strategic-merge table (merge key → map list
//                       keyed by it; merge without key → set; anything else atomic)
//   CrdFieldSchema      custom resources: the CRD version's openAPIV3Schema, reading
//                       x-kubernetes-list-type (atomic, set, map), x-kubernetes-list-map-keys
//                       and x-kubernetes-map-type: atomic; metadata follows ObjectMeta's
//                       rules (finalizers a set, ownerReferences a map keyed by uid).
//
// Thread-safety: immutable after construction; lookups are thread-safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_FIELD_SCHEMA_H_
#define FLYOVER_APISERVER_SEMANTICS_FIELD_SCHEMA_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "apiserver/semantics/strategic_merge_schema.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

enum class ListType { kAtomic, kSet, kMap };

struct ListShape {
  ListType type = ListType::kAtomic;
  std::vector<std::string> keys;  // kMap only: the key fields, in the schema's order
};

class FieldSchema {
 public:
  virtual ~FieldSchema() = default;
  [[nodiscard]] virtual ListShape ListAt(absl::string_view path) const = 0;
  // Whether the object at `path` is owned and replaced whole.
  [[nodiscard]] virtual bool AtomicObjectAt(absl::string_view path) const = 0;
};

class BuiltinFieldSchema : public FieldSchema {
 public:
  // `schema` (never null) must outlive this object.
  explicit BuiltinFieldSchema(const PatchSchema* schema) : schema_(schema) {}
  ListShape ListAt(absl::string_view path) const override;
  bool AtomicObjectAt(absl::string_view) const override { return false; }

 private:
  const PatchSchema* const schema_;
};

class CrdFieldSchema : public FieldSchema {
 public:
  // `open_api_v3_schema`: the version's schema.openAPIV3Schema (null JSON: every list
  // atomic); it must outlive this object.
  explicit CrdFieldSchema(const nlohmann::json* open_api_v3_schema)
      : schema_(open_api_v3_schema) {}
  ListShape ListAt(absl::string_view path) const override;
  bool AtomicObjectAt(absl::string_view path) const override;

 private:
  // The schema node at `path` (nullptr when the schema does not describe it).
  const nlohmann::json* NodeAt(absl::string_view path) const;

  const nlohmann::json* const schema_;
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_FIELD_SCHEMA_H_
