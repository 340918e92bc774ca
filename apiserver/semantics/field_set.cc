#include "apiserver/semantics/field_set.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "apiserver/semantics/json_body.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

constexpr char kSelf[] = ".";

absl::Status BadElement(absl::string_view where, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", why));
}

// The canonical form of one fieldsV1 key (JSON in k:/v: re-serialised with sorted members).
absl::StatusOr<std::string> CanonicalElement(const std::string& key) {
  if (key.size() < 2 || key[1] != ':') {
    return absl::InvalidArgumentError("a path element must start with f:, k:, v: or i:");
  }
  const std::string body = key.substr(2);
  switch (key[0]) {
    case 'f':
      return key;
    case 'i': {
      int64_t index = 0;
      if (!absl::SimpleAtoi(body, &index) || index < 0) {
        return absl::InvalidArgumentError("an index must be a non-negative integer");
      }
      return absl::StrCat("i:", index);
    }
    case 'k':
    case 'v': {
      absl::StatusOr<json> value = ParseJsonBody(body, "path element");
      if (!value.ok()) return absl::InvalidArgumentError(value.status().message());
      if (key[0] == 'k' && !value->is_object()) {
        return absl::InvalidArgumentError("keys must be an object");
      }
      return absl::StrCat(key.substr(0, 2), value->dump());
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown path element kind \"", key.substr(0, 1), "\""));
  }
}

absl::Status ParseInto(const json& fields, const std::string& where, FieldSet* set,
                       FieldPath& prefix) {
  if (!fields.is_object()) return BadElement(where, "must be an object");
  if (fields.empty() && !prefix.empty()) set->Insert(prefix);
  for (const auto& [key, value] : fields.items()) {
    const std::string here = where.empty() ? key : absl::StrCat(where, ".", key);
    if (key == kSelf) {
      if (!value.is_object() || !value.empty()) return BadElement(here, "must be {}");
      if (!prefix.empty()) set->Insert(prefix);
      continue;
    }
    absl::StatusOr<std::string> element = CanonicalElement(key);
    if (!element.ok()) return BadElement(here, element.status().message());
    prefix.push_back(*std::move(element));
    RETURN_IF_ERROR(ParseInto(value, here, set, prefix));
    prefix.pop_back();
  }
  return absl::OkStatus();
}

std::string RenderElement(const std::string& element) {
  const absl::string_view body = absl::string_view(element).substr(2);
  switch (element[0]) {
    case 'f':
      return absl::StrCat(".", body);
    case 'i':
      return absl::StrCat("[", body, "]");
    case 'v':
      return absl::StrCat("[=", body, "]");
    default: {
      const json keys = json::parse(body, nullptr, /*allow_exceptions=*/false);
      std::vector<std::string> parts;
      if (keys.is_object()) {
        for (const auto& [name, value] : keys.items()) {
          parts.push_back(absl::StrCat(name, "=", value.dump()));
        }
      }
      return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
    }
  }
}

}  // namespace

std::string FieldElement(absl::string_view name) { return absl::StrCat("f:", name); }
std::string KeyElement(const json& keys) { return absl::StrCat("k:", keys.dump()); }
std::string ValueElement(const json& value) { return absl::StrCat("v:", value.dump()); }

std::string PathString(const FieldPath& path) {
  std::string out;
  for (const std::string& element : path) absl::StrAppend(&out, RenderElement(element));
  return out;
}

absl::StatusOr<FieldSet> FieldSet::FromFieldsV1(const json& fields) {
  FieldSet set;
  FieldPath prefix;
  RETURN_IF_ERROR(ParseInto(fields, "", &set, prefix));
  return set;
}

json FieldSet::ToFieldsV1() const {
  json out = json::object();
  for (const auto& [element, child] : children_) {
    json value = child.ToFieldsV1();
    if (child.member_ && !child.children_.empty()) value[kSelf] = json::object();
    out[element] = std::move(value);
  }
  return out;
}

void FieldSet::Insert(const FieldPath& path) {
  FieldSet* node = this;
  for (const std::string& element : path) node = &node->children_[element];
  node->member_ = true;
}

bool FieldSet::Has(const FieldPath& path) const {
  const FieldSet* node = this;
  for (const std::string& element : path) {
    node = node->Child(element);
    if (node == nullptr) return false;
  }
  return node->member_;
}

bool FieldSet::HasAtOrBelow(const FieldPath& path) const {
  const FieldSet* node = this;
  for (const std::string& element : path) {
    node = node->Child(element);
    if (node == nullptr) return false;
  }
  return !node->Empty();
}

FieldSet FieldSet::Union(const FieldSet& other) const {
  FieldSet out = *this;
  out.member_ = member_ || other.member_;
  for (const auto& [element, child] : other.children_) {
    auto it = out.children_.find(element);
    out.children_[element] = it == out.children_.end() ? child : it->second.Union(child);
  }
  return out;
}

FieldSet FieldSet::Difference(const FieldSet& other) const {
  FieldSet out;
  out.member_ = member_ && !other.member_;
  for (const auto& [element, child] : children_) {
    const FieldSet* theirs = other.Child(element);
    FieldSet rest = theirs == nullptr ? child : child.Difference(*theirs);
    if (!rest.Empty()) out.children_.emplace(element, std::move(rest));
  }
  return out;
}

FieldSet FieldSet::Intersection(const FieldSet& other) const {
  FieldSet out;
  out.member_ = member_ && other.member_;
  for (const auto& [element, child] : children_) {
    const FieldSet* theirs = other.Child(element);
    if (theirs == nullptr) continue;
    FieldSet both = child.Intersection(*theirs);
    if (!both.Empty()) out.children_.emplace(element, std::move(both));
  }
  return out;
}

std::vector<FieldPath> FieldSet::Members() const {
  std::vector<FieldPath> out;
  FieldPath prefix;
  CollectMembers(prefix, &out);
  return out;
}

void FieldSet::CollectMembers(FieldPath& prefix, std::vector<FieldPath>* out) const {
  if (member_) out->push_back(prefix);
  for (const auto& [element, child] : children_) {
    prefix.push_back(element);
    child.CollectMembers(prefix, out);
    prefix.pop_back();
  }
}

const FieldSet* FieldSet::Child(const std::string& element) const {
  auto it = children_.find(element);
  return it == children_.end() ? nullptr : &it->second;
}

}  // namespace flyover::apiserver
