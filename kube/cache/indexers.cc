#include "kube/cache/indexers.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flyover::kube {

std::vector<std::string> IndexByNamespace(JsonView object) {
  const absl::string_view ns = object["metadata"]["namespace"].string_value();
  if (ns.empty()) return {};
  return {std::string(ns)};
}

std::vector<std::string> IndexByControllerUid(JsonView object) {
  for (JsonView ref : object["metadata"]["ownerReferences"].elements()) {
    if (ref["controller"].bool_value() && !ref["uid"].string_value().empty()) {
      return {std::string(ref["uid"].string_value())};
    }
  }
  return {};
}

std::vector<std::string> IndexByLabels(JsonView object) {
  std::vector<std::string> values;
  for (const auto& [key, value] : object["metadata"]["labels"].members()) {
    if (value.is_string()) values.push_back(LabelIndexValue(key, value.string_value()));
  }
  return values;
}

IndexFunc IndexByLabel(std::string key) {
  return [key = std::move(key)](JsonView object) -> std::vector<std::string> {
    const JsonView value = object["metadata"]["labels"][key];
    if (!value.is_string()) return {};
    return {std::string(value.string_value())};
  };
}

std::string LabelIndexValue(absl::string_view key, absl::string_view value) {
  return absl::StrCat(key, "=", value);
}

}  // namespace flyover::kube
