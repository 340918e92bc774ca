// Strategic merge patch: objects and directives. Lists are in strategic_merge_list.cc.
#include "apiserver/semantics/strategic_merge_patch.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "apiserver/semantics/json_body.h"
#include "apiserver/semantics/strategic_merge_internal.h"
#include "common/status.h"
#include "kube/api/json_util.h"

namespace flyover::apiserver {
namespace smp_internal {
namespace {

using nlohmann::json;

// "$retainKeys": clear the members of `original` the list does not name; the patch itself
// may only set listed members.
absl::Status ApplyRetainKeys(json* original, const json& patch, const std::string& path) {
  auto directive = patch.find(kRetainKeysDirective);
  if (directive == patch.end()) return absl::OkStatus();
  if (!directive->is_array()) return BadPatch("invalid patch format of retainKeys");
  absl::flat_hash_set<std::string> keep;
  for (const json& key : *directive) {
    if (key.is_string()) keep.insert(key.get<std::string>());
  }
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null() || IsDirectiveKey(key)) continue;
    if (!keep.contains(key)) {
      return UnprocessablePatch("patch content doesn't match retainKeys list", path);
    }
  }
  for (auto it = original->begin(); it != original->end();) {
    it = keep.contains(it.key()) ? std::next(it) : original->erase(it);
  }
  return absl::OkStatus();
}

// "$setElementOrder/<field>": merges <field> (if the patch has it) and orders the result.
// Returns false when the patch's <field> is not a list, leaving it to the member loop.
absl::StatusOr<bool> MergeOrderedField(json* original, const json& patch,
                                       const std::string& field, const json& order,
                                       const std::string& path, const PatchSchema& schema) {
  if (!order.is_array()) return BadPatch("invalid patch format of setElementOrder list");
  auto patch_value = patch.find(field);
  if (patch_value != patch.end() && !patch_value->is_array()) return false;
  auto current = original->find(field);
  const bool has_list = current != original->end() && current->is_array();
  const json server_order = has_list ? *current : json::array();
  json merged;
  if (patch_value == patch.end()) {
    if (!has_list) return true;
    merged = server_order;
  } else if (has_list) {
    ASSIGN_OR_RETURN(merged, MergeListField(server_order, *patch_value, path, schema));
  } else {
    merged = CleanPatchValue(*patch_value);
  }
  const ListStrategy* strategy = schema.Find(path);
  (*original)[field] = OrderElements(merged, order, server_order,
                                     strategy != nullptr ? strategy->merge_key : "");
  return true;
}

absl::Status MergeMember(json* original, const std::string& key, const json& value,
                         const std::string& path, const PatchSchema& schema) {
  if (value.is_null()) {
    original->erase(key);
    return absl::OkStatus();
  }
  auto current = original->find(key);
  if (current == original->end()) {
    (*original)[key] = CleanPatchValue(value);
  } else if (current->is_object() && value.is_object()) {
    ASSIGN_OR_RETURN(*current, MergeObject(std::move(*current), value, path, schema));
  } else if (current->is_array() && value.is_array()) {
    ASSIGN_OR_RETURN(*current, MergeListField(std::move(*current), value, path, schema));
  } else {
    *current = CleanPatchValue(value);
  }
  return absl::OkStatus();
}

absl::Status DeleteFromPrimitiveLists(json* original, const json& patch) {
  for (const auto& [key, values] : patch.items()) {
    if (!absl::StartsWith(key, kDeleteFromPrimitiveListPrefix)) continue;
    if (!values.is_array()) return BadPatch("invalid patch format of primitive list");
    auto list = original->find(key.substr(sizeof(kDeleteFromPrimitiveListPrefix) - 1));
    if (list == original->end() || !list->is_array()) continue;
    json kept = json::array();
    for (json& element : *list) {
      if (std::find(values.begin(), values.end(), element) == values.end()) {
        kept.push_back(std::move(element));
      }
    }
    *list = std::move(kept);
  }
  return absl::OkStatus();
}

}  // namespace

bool IsDirectiveKey(absl::string_view key) {
  return key == kPatchDirective || key == kRetainKeysDirective ||
         absl::StartsWith(key, kDeleteFromPrimitiveListPrefix) ||
         absl::StartsWith(key, kSetElementOrderPrefix);
}

std::string ChildPath(absl::string_view path, absl::string_view field) {
  return path.empty() ? std::string(field) : absl::StrCat(path, ".", field);
}

json CleanPatchValue(const json& value) {
  if (value.is_array()) {
    json out = json::array();
    for (const json& element : value) {
      if (element.is_object() && element.contains(kPatchDirective)) continue;
      out.push_back(CleanPatchValue(element));
    }
    return out;
  }
  if (!value.is_object()) return value;
  auto directive = value.find(kPatchDirective);
  if (directive != value.end() && *directive == "delete") return json::object();
  json out = json::object();
  for (const auto& [key, member] : value.items()) {
    if (member.is_null() || IsDirectiveKey(key)) continue;
    out[key] = CleanPatchValue(member);
  }
  return out;
}

absl::StatusOr<json> MergeObject(json original, const json& patch, const std::string& path,
                                 const PatchSchema& schema) {
  if (auto directive = patch.find(kPatchDirective); directive != patch.end()) {
    if (*directive == "replace") return CleanPatchValue(patch);
    if (*directive == "delete") return json::object();
    if (*directive != "merge") {
      return BadPatch(absl::StrCat("unknown patch type: ", kube::DumpJson(*directive),
                                   " in map: ", kube::DumpJson(patch)));
    }
  }
  if (!original.is_object()) original = json::object();
  RETURN_IF_ERROR(ApplyRetainKeys(&original, patch, path));
  std::set<std::string> ordered;
  for (const auto& [key, order] : patch.items()) {
    if (!absl::StartsWith(key, kSetElementOrderPrefix)) continue;
    const std::string field = key.substr(sizeof(kSetElementOrderPrefix) - 1);
    ASSIGN_OR_RETURN(bool handled, MergeOrderedField(&original, patch, field, order,
                                                     ChildPath(path, field), schema));
    if (handled) ordered.insert(field);
  }
  for (const auto& [key, value] : patch.items()) {
    if (IsDirectiveKey(key) || ordered.contains(key)) continue;
    RETURN_IF_ERROR(MergeMember(&original, key, value, ChildPath(path, key), schema));
  }
  RETURN_IF_ERROR(DeleteFromPrimitiveLists(&original, patch));
  return original;
}

absl::Status BadPatch(absl::string_view message) {
  return ToAbslStatus(BadRequestStatus(message));
}

absl::Status UnprocessablePatch(absl::string_view message, absl::string_view path) {
  return UnprocessableEntityError(message, path);
}

}  // namespace smp_internal

const std::vector<std::string>& CustomResourcePatchMediaTypes() {
  static const auto* const kTypes = new std::vector<std::string>{
      "application/json-patch+json", "application/merge-patch+json",
      "application/apply-patch+yaml"};
  return *kTypes;
}

absl::Status StrategicMergePatchUnsupportedError(const GroupKind& kind) {
  (void)kind;  // the server's message does not name the kind
  return ToAbslStatus(UnsupportedMediaTypeStatus(CustomResourcePatchMediaTypes()));
}

absl::StatusOr<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& original,
                                                        const nlohmann::json& patch,
                                                        const GroupKind& kind) {
  const PatchSchema* schema = PatchSchemaFor(kind);
  if (schema == nullptr) return StrategicMergePatchUnsupportedError(kind);
  if (patch.is_null()) return original;
  if (!patch.is_object()) {
    const char* type = patch.is_array() ? "array" : patch.is_string() ? "string"
                       : patch.is_boolean() ? "bool" : "number";
    return smp_internal::BadPatch(absl::StrCat(
        "json: cannot unmarshal ", type, " into Go value of type map[string]interface {}"));
  }
  RETURN_IF_ERROR(CheckNestingDepth(patch, "patch"));
  RETURN_IF_ERROR(CheckNestingDepth(original, "object"));
  return smp_internal::MergeObject(original, patch, "", *schema);
}

}  // namespace flyover::apiserver
