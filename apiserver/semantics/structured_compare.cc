// Compare, ValueAt and RemoveFields of structured_merge.h.
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "apiserver/semantics/structured_merge.h"
#include "apiserver/semantics/structured_merge_internal.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace ssa_internal {

using nlohmann::json;

namespace {

bool MatchesKeys(const json& item, const json& keys) {
  if (!item.is_object()) return false;
  for (const auto& [name, value] : keys.items()) {
    auto it = item.find(name);
    if (it == item.end() || *it != value) return false;
  }
  return true;
}

// The index in `list` of the element named by a k:/v:/i: element, or -1.
int64_t IndexInList(const json& list, const std::string& element) {
  if (!list.is_array() || element.size() < 2) return -1;
  const absl::string_view body = absl::string_view(element).substr(2);
  if (element[0] == 'i') {
    int64_t index = -1;
    if (!absl::SimpleAtoi(body, &index) || index < 0 ||
        index >= static_cast<int64_t>(list.size())) {
      return -1;
    }
    return index;
  }
  const json wanted = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (wanted.is_discarded()) return -1;
  for (size_t i = 0; i < list.size(); ++i) {
    const bool match = element[0] == 'k' ? MatchesKeys(list[i], wanted) : list[i] == wanted;
    if (match) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace

const json* Step(const json& value, const std::string& element) {
  if (element.rfind("f:", 0) == 0) {
    if (!value.is_object()) return nullptr;
    auto it = value.find(element.substr(2));
    return it == value.end() ? nullptr : &*it;
  }
  const int64_t index = IndexInList(value, element);
  return index < 0 ? nullptr : &value[static_cast<size_t>(index)];
}

}  // namespace ssa_internal

namespace {

using nlohmann::json;
using ssa_internal::Step;

// Removes the value one element below `value`.
void Erase(json& value, const std::string& element) {
  if (element.rfind("f:", 0) == 0) {
    if (value.is_object()) value.erase(element.substr(2));
    return;
  }
  const int64_t index = ssa_internal::IndexInList(value, element);
  if (index >= 0) value.erase(static_cast<size_t>(index));
}

// Adds to `modified` the leaf members of `both` whose values differ.
void CollectModified(const FieldSet& both, const json& before, const json& after, FieldPath& path,
                     FieldSet* modified) {
  if (both.member() && both.children().empty()) {
    if (before != after) modified->Insert(path);
    return;
  }
  for (const auto& [element, child] : both.children()) {
    const json* old_value = Step(before, element);
    const json* new_value = Step(after, element);
    if (old_value == nullptr || new_value == nullptr) continue;
    path.push_back(element);
    CollectModified(child, *old_value, *new_value, path, modified);
    path.pop_back();
  }
}

void RemoveIn(json& value, const FieldSet& fields) {
  for (const auto& [element, child] : fields.children()) {
    if (child.member()) {
      Erase(value, element);
      continue;
    }
    // Step finds the child without changing anything; `value` itself is mutable.
    json* sub = const_cast<json*>(Step(value, element));
    if (sub != nullptr) RemoveIn(*sub, child);
  }
}

}  // namespace

const json* ValueAt(const json& object, const FieldPath& path) {
  const json* value = &object;
  for (const std::string& element : path) {
    value = Step(*value, element);
    if (value == nullptr) return nullptr;
  }
  return value;
}

absl::StatusOr<Comparison> Compare(const json& before, const json& after,
                                   const FieldSchema& schema) {
  ASSIGN_OR_RETURN(FieldSet old_fields, FieldsOf(before, schema));
  ASSIGN_OR_RETURN(FieldSet new_fields, FieldsOf(after, schema));
  Comparison out;
  out.added = new_fields.Difference(old_fields);
  out.removed = old_fields.Difference(new_fields);
  FieldPath path;
  CollectModified(new_fields.Intersection(old_fields), before, after, path, &out.modified);
  return out;
}

void RemoveFields(json& object, const FieldSet& fields) { RemoveIn(object, fields); }

}  // namespace flyover::apiserver
