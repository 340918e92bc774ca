#include "apiserver/semantics/field_schema.h"

#include "absl/strings/str_split.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

// ObjectMeta's list types, which every kind shares.
bool MetadataList(absl::string_view path, ListShape* shape) {
  if (path == "metadata.finalizers") {
    *shape = {ListType::kSet, {}};
    return true;
  }
  if (path == "metadata.ownerReferences") {
    *shape = {ListType::kMap, {"uid"}};
    return true;
  }
  return false;
}

// The schema of what an array holds, or the node itself when it is not an array.
const json* ThroughItems(const json* node) {
  while (node != nullptr && node->value("type", "") == "array") {
    auto items = node->find("items");
    node = items != node->end() && items->is_object() ? &*items : nullptr;
  }
  return node;
}

}  // namespace

ListShape BuiltinFieldSchema::ListAt(absl::string_view path) const {
  const ListStrategy* strategy = schema_->Find(path);
  if (strategy == nullptr || !strategy->merge) return {};
  if (strategy->merge_key.empty()) return {ListType::kSet, {}};
  return {ListType::kMap, {strategy->merge_key}};
}

const json* CrdFieldSchema::NodeAt(absl::string_view path) const {
  const json* node = schema_->is_object() ? schema_ : nullptr;
  for (absl::string_view segment : absl::StrSplit(path, '.')) {
    node = ThroughItems(node);
    if (node == nullptr) return nullptr;
    auto properties = node->find("properties");
    if (properties != node->end() && properties->is_object() &&
        properties->contains(std::string(segment))) {
      node = &(*properties)[std::string(segment)];
      continue;
    }
    auto additional = node->find("additionalProperties");
    node = additional != node->end() && additional->is_object() ? &*additional : nullptr;
  }
  return node;
}

ListShape CrdFieldSchema::ListAt(absl::string_view path) const {
  ListShape shape;
  if (MetadataList(path, &shape)) return shape;
  const json* node = NodeAt(path);
  if (node == nullptr) return shape;
  const std::string type = node->value("x-kubernetes-list-type", "atomic");
  if (type == "set") return {ListType::kSet, {}};
  if (type != "map") return shape;
  shape.type = ListType::kMap;
  const json keys = node->value("x-kubernetes-list-map-keys", json::array());
  for (const json& key : keys) {
    if (key.is_string()) shape.keys.push_back(key.get<std::string>());
  }
  if (shape.keys.empty()) shape.type = ListType::kAtomic;
  return shape;
}

bool CrdFieldSchema::AtomicObjectAt(absl::string_view path) const {
  if (path == "metadata" || path.substr(0, 9) == "metadata.") return false;
  const json* node = ThroughItems(NodeAt(path));
  return node != nullptr && node->value("x-kubernetes-map-type", "") == "atomic";
}

}  // namespace flyover::apiserver
