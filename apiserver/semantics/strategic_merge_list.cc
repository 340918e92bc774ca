// Strategic merge patch: lists. Merging by key, set union of primitives, the list-level
// $patch directives and the element order the server produces.
#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "apiserver/semantics/strategic_merge_internal.h"
#include "common/status.h"
#include "kube/api/json_util.h"

namespace flyover::apiserver::smp_internal {
namespace {

using nlohmann::json;

// Element "types" as Go's reflection sees decoded JSON: all numbers are one type.
int TypeClass(const json& value) {
  if (value.is_number()) return 1;
  return static_cast<int>(value.type()) + 10;
}

absl::Status CheckElementTypes(const json& original, const json& patch,
                               const std::string& path, bool* objects) {
  const json* first = nullptr;
  for (const json* list : {&original, &patch}) {
    for (const json& element : *list) {
      if (element.is_array()) return UnprocessablePatch("lists of lists are not supported", path);
      if (first == nullptr) {
        first = &element;
      } else if (TypeClass(element) != TypeClass(*first)) {
        return BadPatch(absl::StrCat("list element types are not identical in ", path));
      }
    }
  }
  *objects = first != nullptr && first->is_object();
  return absl::OkStatus();
}

// The position of `item` in `list`, by merge key (objects) or by value; -1 if absent.
std::ptrdiff_t IndexOf(const json& list, const json& item, const std::string& merge_key) {
  const json* key = nullptr;
  if (!merge_key.empty()) {
    if (!item.is_object()) return -1;
    auto it = item.find(merge_key);
    if (it == item.end()) return -1;
    key = &*it;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const json& candidate = list[i];
    if (key == nullptr) {
      if (candidate == item) return static_cast<std::ptrdiff_t>(i);
    } else if (candidate.is_object()) {
      auto it = candidate.find(merge_key);
      if (it != candidate.end() && *it == *key) return static_cast<std::ptrdiff_t>(i);
    }
  }
  return -1;
}

void SortByIndexIn(std::vector<json>* items, const json& order, const std::string& merge_key) {
  auto rank = [&](const json& item) {
    std::ptrdiff_t index = IndexOf(order, item, merge_key);
    return index < 0 ? static_cast<std::ptrdiff_t>(order.size()) : index;
  };
  std::stable_sort(items->begin(), items->end(),
                   [&](const json& a, const json& b) { return rank(a) < rank(b); });
}

// The list-level directives of a patch list of objects.
struct PatchElements {
  std::vector<const json*> items;  // the elements that are not directives
  bool replace = false;
};

absl::StatusOr<PatchElements> ApplyListDirectives(json* original, const json& patch,
                                                  const std::string& merge_key) {
  PatchElements elements;
  for (const json& element : patch) {
    auto directive = element.find(kPatchDirective);
    if (directive == element.end()) {
      elements.items.push_back(&element);
    } else if (*directive == "delete") {
      auto key = element.find(merge_key);
      if (key == element.end()) {
        return BadPatch(absl::StrCat("map: ", kube::DumpJson(element),
                                     " does not contain declared merge key: ", merge_key));
      }
      json kept = json::array();
      for (json& item : *original) {
        auto item_key = item.is_object() ? item.find(merge_key) : item.end();
        const bool matches = item.is_object() && item_key != item.end() && *item_key == *key;
        if (!matches) kept.push_back(std::move(item));
      }
      *original = std::move(kept);
    } else if (*directive == "replace") {
      elements.replace = true;
    } else if (*directive != "merge") {
      return BadPatch(absl::StrCat("unknown patch type: ", kube::DumpJson(*directive),
                                   " in map: ", kube::DumpJson(element)));
    }
  }
  return elements;
}

absl::StatusOr<json> MergeObjectList(json original, const json& patch,
                                     const std::string& merge_key, const std::string& path,
                                     const PatchSchema& schema) {
  if (merge_key.empty()) {
    return BadPatch(absl::StrCat("cannot merge lists without merge key for ", path));
  }
  ASSIGN_OR_RETURN(PatchElements elements, ApplyListDirectives(&original, patch, merge_key));
  json patch_items = json::array();
  for (const json* item : elements.items) patch_items.push_back(*item);
  if (elements.replace) return CleanPatchValue(patch_items);
  const json server_order = original;
  for (const json& item : patch_items) {
    if (!item.contains(merge_key)) {
      return BadPatch(absl::StrCat("map: ", kube::DumpJson(item),
                                   " does not contain declared merge key: ", merge_key));
    }
    const std::ptrdiff_t index = IndexOf(original, item, merge_key);
    if (index < 0) {
      original.push_back(CleanPatchValue(item));
    } else {
      json& target = original[static_cast<size_t>(index)];
      ASSIGN_OR_RETURN(target, MergeObject(std::move(target), item, path, schema));
    }
  }
  return OrderElements(original, patch_items, server_order, merge_key);
}

json MergePrimitiveList(const json& original, const json& patch) {
  json merged = json::array();
  for (const json* list : {&original, &patch}) {
    for (const json& element : *list) {
      if (IndexOf(merged, element, "") < 0) merged.push_back(element);
    }
  }
  return OrderElements(merged, patch, original, "");
}

}  // namespace

json OrderElements(const json& merged, const json& order, const json& server_order,
                   const std::string& merge_key) {
  std::vector<json> patched;
  std::vector<json> server_only;
  for (const json& element : merged) {
    (IndexOf(order, element, merge_key) >= 0 ? patched : server_only).push_back(element);
  }
  SortByIndexIn(&patched, order, merge_key);
  SortByIndexIn(&server_only, server_order, merge_key);
  // kube-apiserver's interleaving: a server-only element goes first only when both it and
  // the next patched element are in the object's list and it came first there.
  json out = json::array();
  size_t i = 0;
  size_t j = 0;
  while (i < server_only.size() || j < patched.size()) {
    bool take_server = j == patched.size();
    if (!take_server && i < server_only.size()) {
      const std::ptrdiff_t left = IndexOf(server_order, server_only[i], merge_key);
      const std::ptrdiff_t right = IndexOf(server_order, patched[j], merge_key);
      take_server = left >= 0 && right >= 0 && left < right;
    }
    out.push_back(std::move(take_server ? server_only[i++] : patched[j++]));
  }
  return out;
}

absl::StatusOr<json> MergeListField(json original, const json& patch, const std::string& path,
                                    const PatchSchema& schema) {
  const ListStrategy* strategy = schema.Find(path);
  if (strategy == nullptr || !strategy->merge) return CleanPatchValue(patch);
  if (original.empty() && patch.empty()) return original;
  bool objects = false;
  RETURN_IF_ERROR(CheckElementTypes(original, patch, path, &objects));
  if (!objects) return MergePrimitiveList(original, patch);
  return MergeObjectList(std::move(original), patch, strategy->merge_key, path, schema);
}

}  // namespace flyover::apiserver::smp_internal
