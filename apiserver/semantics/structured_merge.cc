#include "apiserver/semantics/structured_merge.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/structured_merge_internal.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace ssa_internal {

using nlohmann::json;

std::string Dotted(absl::string_view path, absl::string_view field) {
  return path.empty() ? std::string(field) : absl::StrCat(path, ".", field);
}

absl::StatusOr<std::string> ElementOf(const json& item, const ListShape& shape,
                                      absl::string_view path) {
  if (shape.type == ListType::kSet) {
    if (item.is_object() || item.is_array()) {
      return UnprocessableEntityError(
          absl::StrCat(".", path, ": a set list may hold only scalar values"), path);
    }
    return ValueElement(item);
  }
  if (!item.is_object()) {
    return UnprocessableEntityError(
        absl::StrCat(".", path, ": an associative list may hold only objects"), path);
  }
  json keys = json::object();
  for (const std::string& key : shape.keys) {
    auto it = item.find(key);
    if (it == item.end() || it->is_null()) {
      return UnprocessableEntityError(
          absl::StrCat(".", path,
                       ": associative list with keys has an element that omits key field \"",
                       key, "\""),
          path);
    }
    keys[key] = *it;
  }
  return KeyElement(keys);
}

}  // namespace ssa_internal

namespace {

using nlohmann::json;
using ssa_internal::Dotted;
using ssa_internal::ElementOf;

absl::Status Collect(const json& value, const std::string& dotted, FieldPath& path,
                     const FieldSchema& schema, bool strict, FieldSet* out);

absl::Status CollectList(const json& list, const std::string& dotted, FieldPath& path,
                         const FieldSchema& schema, bool strict, FieldSet* out) {
  const ListShape shape = schema.ListAt(dotted);
  if (shape.type == ListType::kAtomic) {
    out->Insert(path);
    return absl::OkStatus();
  }
  absl::flat_hash_set<std::string> seen;
  for (const json& item : list) {
    ASSIGN_OR_RETURN(std::string element, ElementOf(item, shape, dotted));
    if (!seen.insert(element).second) {
      if (!strict) continue;
      FieldPath duplicate{element};
      return UnprocessableEntityError(
          absl::StrCat(".", dotted, ": duplicate entries for ", PathString(duplicate)), dotted);
    }
    path.push_back(std::move(element));
    out->Insert(path);
    if (shape.type == ListType::kMap) {
      RETURN_IF_ERROR(Collect(item, dotted, path, schema, strict, out));
    }
    path.pop_back();
  }
  return absl::OkStatus();
}

absl::Status Collect(const json& value, const std::string& dotted, FieldPath& path,
                     const FieldSchema& schema, bool strict, FieldSet* out) {
  if (value.is_array()) return CollectList(value, dotted, path, schema, strict, out);
  if (!value.is_object()) {
    out->Insert(path);
    return absl::OkStatus();
  }
  if (!path.empty() && (value.empty() || schema.AtomicObjectAt(dotted))) {
    out->Insert(path);
    return absl::OkStatus();
  }
  for (const auto& [key, member] : value.items()) {
    path.push_back(FieldElement(key));
    RETURN_IF_ERROR(Collect(member, Dotted(dotted, key), path, schema, strict, out));
    path.pop_back();
  }
  return absl::OkStatus();
}

absl::StatusOr<json> Merge(const json& live, const json& applied, const std::string& dotted,
                           const FieldSchema& schema);

// Elements by identity; later duplicates are ignored.
absl::StatusOr<std::vector<std::pair<std::string, const json*>>> Identify(
    const json& list, const ListShape& shape, const std::string& dotted) {
  std::vector<std::pair<std::string, const json*>> out;
  for (const json& item : list) {
    ASSIGN_OR_RETURN(std::string element, ElementOf(item, shape, dotted));
    out.emplace_back(std::move(element), &item);
  }
  return out;
}

// Live-only elements stay where they are; shared and applied-only ones follow the applied
// order (structured-merge-diff's interleaving).
absl::StatusOr<json> MergeList(const json& live, const json& applied, const std::string& dotted,
                               const FieldSchema& schema, const ListShape& shape) {
  ASSIGN_OR_RETURN(auto lhs, Identify(live, shape, dotted));
  ASSIGN_OR_RETURN(auto rhs, Identify(applied, shape, dotted));
  absl::flat_hash_map<std::string, const json*> live_by_id, applied_by_id;
  for (const auto& [id, item] : lhs) live_by_id.emplace(id, item);
  for (const auto& [id, item] : rhs) applied_by_id.emplace(id, item);
  std::set<std::string> emitted;
  json out = json::array();
  size_t l = 0, r = 0;
  while (l < lhs.size() || r < rhs.size()) {
    if (l < lhs.size()) {
      const std::string& id = lhs[l].first;
      if (emitted.count(id)) {
        ++l;
        continue;
      }
      if (!applied_by_id.contains(id)) {
        out.push_back(*lhs[l].second);
        emitted.insert(id);
        ++l;
        continue;
      }
    }
    if (r == rhs.size()) break;
    const std::string& id = rhs[r++].first;
    if (!emitted.insert(id).second) continue;
    auto in_live = live_by_id.find(id);
    const json& config = *applied_by_id[id];
    if (in_live == live_by_id.end() || shape.type == ListType::kSet) {
      out.push_back(config);
    } else {
      ASSIGN_OR_RETURN(json merged, Merge(*in_live->second, config, dotted, schema));
      out.push_back(std::move(merged));
    }
  }
  return out;
}

absl::StatusOr<json> Merge(const json& live, const json& applied, const std::string& dotted,
                           const FieldSchema& schema) {
  if (applied.is_object() && live.is_object() && !schema.AtomicObjectAt(dotted)) {
    json out = live;
    for (const auto& [key, value] : applied.items()) {
      auto it = live.find(key);
      if (it == live.end()) {
        out[key] = value;
      } else {
        ASSIGN_OR_RETURN(out[key], Merge(*it, value, Dotted(dotted, key), schema));
      }
    }
    return out;
  }
  if (applied.is_array() && live.is_array()) {
    const ListShape shape = schema.ListAt(dotted);
    if (shape.type != ListType::kAtomic) return MergeList(live, applied, dotted, schema, shape);
  }
  return applied;
}

}  // namespace

absl::StatusOr<FieldSet> FieldsOf(const json& object, const FieldSchema& schema) {
  FieldSet out;
  FieldPath path;
  RETURN_IF_ERROR(Collect(object, "", path, schema, /*strict=*/false, &out));
  return out;
}

absl::StatusOr<FieldSet> AppliedFieldsOf(const json& config, const FieldSchema& schema) {
  FieldSet out;
  FieldPath path;
  RETURN_IF_ERROR(Collect(config, "", path, schema, /*strict=*/true, &out));
  return out;
}

absl::StatusOr<json> MergeApplied(const json& live, const json& applied,
                                  const FieldSchema& schema) {
  return Merge(live, WithoutNulls(applied), "", schema);
}

json WithoutNulls(const json& value) {
  if (value.is_array()) {
    json out = json::array();
    for (const json& item : value) out.push_back(WithoutNulls(item));
    return out;
  }
  if (!value.is_object()) return value;
  json out = json::object();
  for (const auto& [key, member] : value.items()) {
    if (!member.is_null()) out[key] = WithoutNulls(member);
  }
  return out;
}

}  // namespace flyover::apiserver
