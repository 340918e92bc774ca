#include "kube/testing/action.h"

#include "absl/strings/str_cat.h"

namespace flyover::kube::testing {

std::string Action::ToString() const {
  std::string out = absl::StrCat(verb, " ", resource);
  if (!subresource.empty()) absl::StrAppend(&out, "/", subresource);
  if (!namespace_.empty() && !name.empty()) {
    absl::StrAppend(&out, " ", namespace_, "/", name);
  } else if (!namespace_.empty() || !name.empty()) {
    absl::StrAppend(&out, " ", namespace_, name);
  }
  return out;
}

bool Action::IsWrite() const {
  return verb == "create" || verb == "update" || verb == "patch" || verb == "delete";
}

bool ActionMatcher::Matches(const Action& action) const {
  if (verb == "write") {
    if (!action.IsWrite()) return false;
  } else if (!verb.empty() && verb != action.verb) {
    return false;
  }
  if (!resource.empty() && resource != action.resource) return false;
  if (subresource.has_value() && *subresource != action.subresource) return false;
  if (!namespace_.empty() && namespace_ != action.namespace_) return false;
  return name.empty() || name == action.name;
}

}  // namespace flyover::kube::testing
