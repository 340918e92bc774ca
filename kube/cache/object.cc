#include "kube/cache/object.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace flyover::kube {

void StripManagedFields(nlohmann::json& object) {
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object()) {
    meta->erase("managedFields");
  }
}

absl::StatusOr<std::string> ObjectKey(JsonView object) {
  const JsonView meta = object["metadata"];
  const absl::string_view name = meta["name"].string_value();
  if (name.empty()) {
    return absl::InvalidArgumentError("object has no metadata.name");
  }
  return JoinKey(meta["namespace"].string_value(), name);
}

std::string JoinKey(absl::string_view namespace_, absl::string_view name) {
  if (namespace_.empty()) return std::string(name);
  return absl::StrCat(namespace_, "/", name);
}

std::pair<std::string, std::string> SplitKey(absl::string_view key) {
  const size_t slash = key.find('/');
  if (slash == absl::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

absl::string_view ResourceVersionOf(JsonView object) {
  return object["metadata"]["resourceVersion"].string_value();
}

absl::string_view UidOf(JsonView object) { return object["metadata"]["uid"].string_value(); }

std::optional<uint64_t> ParseResourceVersion(absl::string_view rv) {
  uint64_t value = 0;
  if (rv.empty() || !absl::SimpleAtoi(rv, &value)) return std::nullopt;
  return value;
}

absl::StatusOr<ObjectPtr> MakeCachedObject(nlohmann::json object, const TransformFunc& transform) {
  if (!object.is_object()) return absl::InvalidArgumentError("object is not a JSON object");
  if (transform) transform(object);
  absl::StatusOr<PackedJson> packed = PackedJson::Pack(object);
  if (!packed.ok()) return packed.status();
  if (absl::StatusOr<std::string> key = ObjectKey(packed->view()); !key.ok()) {
    return key.status();
  }
  return std::make_shared<const PackedJson>(*std::move(packed));
}

}  // namespace flyover::kube
