#include "kube/controller/handlers.h"

#include <utility>

#include "kube/cache/object.h"

namespace flyover::kube {

absl::string_view ApiGroupOf(absl::string_view api_version) {
  const size_t slash = api_version.find('/');
  return slash == absl::string_view::npos ? absl::string_view() : api_version.substr(0, slash);
}

KeyMapper EnqueueObject() {
  return [](JsonView object) -> std::vector<std::string> {
    absl::StatusOr<std::string> key = ObjectKey(object);
    if (!key.ok()) return {};
    return {*std::move(key)};
  };
}

std::vector<std::string> OwnerKeys(JsonView object, const OwnerMatch& match) {
  std::vector<std::string> keys;
  const absl::string_view ns = object["metadata"]["namespace"].string_value();
  for (JsonView ref : object["metadata"]["ownerReferences"].elements()) {
    if (match.only_controller && !ref["controller"].bool_value()) continue;
    if (ref["kind"].string_value() != match.kind) continue;
    if (ApiGroupOf(ref["apiVersion"].string_value()) != match.api_group) continue;
    const absl::string_view name = ref["name"].string_value();
    if (name.empty()) continue;
    keys.push_back(match.cluster_scoped ? std::string(name) : JoinKey(ns, name));
  }
  return keys;
}

KeyMapper EnqueueOwner(OwnerMatch match) {
  return [match = std::move(match)](JsonView object) { return OwnerKeys(object, match); };
}

}  // namespace flyover::kube
