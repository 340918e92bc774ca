// FieldSet: a set of field paths in an object, in the form server-side apply records them
// in metadata.managedFields[].fieldsV1.
//
// A path is a sequence of elements, each a fieldsV1 key:
//   "f:<name>"        a member of an object ("f:spec", "f:replicas")
//   "k:<json object>" the element of an associative list with these key values
//                     ("k:{\"name\":\"c\"}"; the JSON has sorted members)
//   "v:<json value>"  the element of a set list with this value ("v:\"a\"")
//   "i:<index>"       the element of a list at this index (not produced here; accepted)
// The set is a tree: every node may itself be a member (a path ending there) and may have
// children. In fieldsV1 a member leaf is {}, and a member with children carries ".": {}
// beside them, e.g. {"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{}}}}}.
//
// PathString renders a path as kube-apiserver prints it in conflicts:
// .spec.containers[name="c"].image, .metadata.finalizers[="a"], .spec.args[0].
//
// Thread-compatible value type.
#ifndef FLYOVER_APISERVER_SEMANTICS_FIELD_SET_H_
#define FLYOVER_APISERVER_SEMANTICS_FIELD_SET_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

using FieldPath = std::vector<std::string>;

// Path elements.
[[nodiscard]] std::string FieldElement(absl::string_view name);
// `keys`: the key fields of an associative list element, e.g. {"name":"c"}.
[[nodiscard]] std::string KeyElement(const nlohmann::json& keys);
[[nodiscard]] std::string ValueElement(const nlohmann::json& value);

// ".spec.containers[name=\"c\"].image".
[[nodiscard]] std::string PathString(const FieldPath& path);

class FieldSet {
 public:
  // Parses fieldsV1. InvalidArgument names the offending key, e.g.
  // `f:spec.x:y: unknown path element kind "x"`.
  [[nodiscard]] static absl::StatusOr<FieldSet> FromFieldsV1(const nlohmann::json& fields);
  [[nodiscard]] nlohmann::json ToFieldsV1() const;

  void Insert(const FieldPath& path);
  [[nodiscard]] bool Has(const FieldPath& path) const;
  // Whether `path` or any path below it is a member.
  [[nodiscard]] bool HasAtOrBelow(const FieldPath& path) const;
  [[nodiscard]] bool Empty() const { return !member_ && children_.empty(); }

  [[nodiscard]] FieldSet Union(const FieldSet& other) const;
  // The members of this set that are not members of `other` (paths compared exactly).
  [[nodiscard]] FieldSet Difference(const FieldSet& other) const;
  [[nodiscard]] FieldSet Intersection(const FieldSet& other) const;

  // Every member, parents before children, children in key order.
  [[nodiscard]] std::vector<FieldPath> Members() const;

  // The node at `element` below the root, or nullptr.
  [[nodiscard]] const FieldSet* Child(const std::string& element) const;
  [[nodiscard]] bool member() const { return member_; }
  [[nodiscard]] const std::map<std::string, FieldSet>& children() const { return children_; }

  bool operator==(const FieldSet&) const = default;

 private:
  void CollectMembers(FieldPath& prefix, std::vector<FieldPath>* out) const;

  bool member_ = false;
  std::map<std::string, FieldSet> children_;
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_FIELD_SET_H_
