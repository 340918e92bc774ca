#include "apiserver/semantics/merge_patch.h"

#include <utility>

#include "apiserver/semantics/json_body.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

// RFC 7386 section 2, on a target we own. Recursion depth is bounded by the patch's.
void MergeInto(json* target, const json& patch) {
  if (!patch.is_object()) {
    *target = patch;
    return;
  }
  if (!target->is_object()) *target = json::object();
  for (const auto& [name, value] : patch.items()) {
    if (value.is_null()) {
      target->erase(name);
      continue;
    }
    MergeInto(&(*target)[name], value);
  }
}

}  // namespace

absl::StatusOr<json> ApplyMergePatch(const json& target, const json& patch) {
  RETURN_IF_ERROR(CheckNestingDepth(patch, "patch"));
  RETURN_IF_ERROR(CheckNestingDepth(target, "object"));
  json result = target;
  MergeInto(&result, patch);
  return result;
}

json CreateMergePatch(const json& original, const json& modified) {
  if (!original.is_object() || !modified.is_object()) return modified;
  json patch = json::object();
  for (const auto& [name, value] : original.items()) {
    if (!modified.contains(name)) patch[name] = nullptr;
  }
  for (const auto& [name, value] : modified.items()) {
    auto before = original.find(name);
    if (before == original.end()) {
      patch[name] = value;
    } else if (*before != value) {
      patch[name] = before->is_object() && value.is_object() ? CreateMergePatch(*before, value)
                                                            : value;
    }
  }
  return patch;
}

}  // namespace flyover::apiserver
