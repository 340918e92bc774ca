#include "apiserver/discovery/crd_resources.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "apiserver/discovery/jsonpath.h"
#include "common/status.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

absl::Status FieldError(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

const json* Member(const json& object, absl::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

// A string member; "" when absent; an error when present but not a string, or when
// required and empty.
absl::StatusOr<std::string> StringField(const json& object, absl::string_view key,
                                        absl::string_view path, bool required) {
  const json* value = Member(object, key);
  if (value == nullptr || value->is_null()) {
    if (required) return FieldError(path, "is required");
    return std::string();
  }
  if (!value->is_string()) return FieldError(path, "must be a string");
  std::string out = value->get<std::string>();
  if (required && out.empty()) return FieldError(path, "is required");
  return out;
}

absl::StatusOr<std::vector<std::string>> StringList(const json& object, absl::string_view key,
                                                    absl::string_view path) {
  std::vector<std::string> out;
  const json* value = Member(object, key);
  if (value == nullptr || value->is_null()) return out;
  if (!value->is_array()) return FieldError(path, "must be a list of strings");
  for (const json& item : *value) {
    if (!item.is_string()) return FieldError(path, "must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

absl::StatusOr<PrinterColumn> ReadColumn(const json& column, const std::string& path) {
  if (!column.is_object()) return FieldError(path, "must be an object");
  PrinterColumn out;
  ASSIGN_OR_RETURN(out.name, StringField(column, "name", path + ".name", true));
  ASSIGN_OR_RETURN(out.type, StringField(column, "type", path + ".type", true));
  ASSIGN_OR_RETURN(out.format, StringField(column, "format", path + ".format", false));
  ASSIGN_OR_RETURN(out.description,
                             StringField(column, "description", path + ".description", false));
  ASSIGN_OR_RETURN(out.json_path,
                             StringField(column, "jsonPath", path + ".jsonPath", true));
  static constexpr absl::string_view kTypes[] = {"integer", "number", "string", "boolean",
                                                 "date"};
  if (std::find(std::begin(kTypes), std::end(kTypes), out.type) == std::end(kTypes)) {
    return FieldError(path + ".type", "must be one of integer, number, string, boolean, date");
  }
  if (const json* priority = Member(column, "priority"); priority && !priority->is_null()) {
    if (!priority->is_number_integer() || priority->get<int64_t>() < 0 ||
        priority->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return FieldError(path + ".priority", "must be a non-negative integer");
    }
    out.priority = priority->get<int>();
  }
  absl::StatusOr<std::vector<JsonPathStep>> parsed = ParseJsonPath(out.json_path);
  if (!parsed.ok() && absl::IsInvalidArgument(parsed.status())) {
    return FieldError(path + ".jsonPath", parsed.status().message());
  }
  return out;
}

std::vector<Subresource> ReadSubresources(const json& version, const std::string& kind) {
  std::vector<Subresource> out;
  const json* subresources = Member(version, "subresources");
  if (subresources == nullptr) return out;
  if (Member(*subresources, "scale") != nullptr) {
    out.push_back({"scale", "Scale", "autoscaling", "v1", {"get", "patch", "update"}});
  }
  if (Member(*subresources, "status") != nullptr) {
    out.push_back({"status", kind, "", "", {"get", "patch", "update"}});
  }
  return out;
}

absl::StatusOr<ResourceInfo> ReadVersion(const json& version, const std::string& path,
                                         const ResourceInfo& base) {
  if (!version.is_object()) return FieldError(path, "must be an object");
  ResourceInfo r = base;
  ASSIGN_OR_RETURN(r.version, StringField(version, "name", path + ".name", true));
  r.subresources = ReadSubresources(version, r.kind);
  if (const json* columns = Member(version, "additionalPrinterColumns"); columns != nullptr) {
    if (!columns->is_array()) return FieldError(path + ".additionalPrinterColumns", "must be a list");
    for (size_t i = 0; i < columns->size(); ++i) {
      ASSIGN_OR_RETURN(
          PrinterColumn column,
          ReadColumn((*columns)[i], absl::StrCat(path, ".additionalPrinterColumns[", i, "]")));
      r.printer_columns.push_back(std::move(column));
    }
  }
  if (const json* schema = Member(version, "schema"); schema != nullptr) {
    if (const json* v3 = Member(*schema, "openAPIV3Schema"); v3 != nullptr) r.schema = *v3;
  }
  return r;
}

// Everything but the per-version parts: names, scope, group.
absl::StatusOr<ResourceInfo> ReadNames(const json& crd) {
  ResourceInfo r;
  r.verbs = StandardVerbs();
  const json* spec = Member(crd, "spec");
  if (spec == nullptr || !spec->is_object()) return FieldError("spec", "is required");
  const json* metadata = Member(crd, "metadata");
  ASSIGN_OR_RETURN(r.crd_name, StringField(metadata ? *metadata : json::object(), "name",
                                                     "metadata.name", true));
  ASSIGN_OR_RETURN(r.group, StringField(*spec, "group", "spec.group", true));
  const json* names = Member(*spec, "names");
  if (names == nullptr || !names->is_object()) return FieldError("spec.names", "is required");
  ASSIGN_OR_RETURN(r.kind, StringField(*names, "kind", "spec.names.kind", true));
  ASSIGN_OR_RETURN(r.plural, StringField(*names, "plural", "spec.names.plural", true));
  ASSIGN_OR_RETURN(r.singular,
                             StringField(*names, "singular", "spec.names.singular", false));
  ASSIGN_OR_RETURN(r.list_kind,
                             StringField(*names, "listKind", "spec.names.listKind", false));
  ASSIGN_OR_RETURN(r.short_names,
                             StringList(*names, "shortNames", "spec.names.shortNames"));
  ASSIGN_OR_RETURN(r.categories,
                             StringList(*names, "categories", "spec.names.categories"));
  if (r.singular.empty()) r.singular = absl::AsciiStrToLower(r.kind);
  if (r.list_kind.empty()) r.list_kind = r.kind + "List";
  if (r.crd_name != absl::StrCat(r.plural, ".", r.group)) {
    return FieldError("metadata.name", absl::StrCat("must be spec.names.plural + \".\" + "
                                                    "spec.group (",
                                                    r.plural, ".", r.group, ")"));
  }
  ASSIGN_OR_RETURN(std::string scope, StringField(*spec, "scope", "spec.scope", true));
  if (scope != "Namespaced" && scope != "Cluster") {
    return FieldError("spec.scope", "must be Namespaced or Cluster");
  }
  r.namespaced = scope == "Namespaced";
  return r;
}

}  // namespace

absl::StatusOr<std::vector<ResourceInfo>> ResourcesFromCrd(const json& crd) {
  ASSIGN_OR_RETURN(ResourceInfo base, ReadNames(crd));
  const json* versions = Member(*Member(crd, "spec"), "versions");
  if (versions == nullptr || !versions->is_array() || versions->empty()) {
    return FieldError("spec.versions", "must list at least one version");
  }
  std::vector<ResourceInfo> out;
  for (size_t i = 0; i < versions->size(); ++i) {
    const json& version = (*versions)[i];
    const std::string path = absl::StrCat("spec.versions[", i, "]");
    ASSIGN_OR_RETURN(ResourceInfo r, ReadVersion(version, path, base));
    const json* served = Member(version, "served");
    if (served != nullptr && !served->is_boolean()) return FieldError(path + ".served", "must be a boolean");
    if (served != nullptr && served->get<bool>()) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace flyover::apiserver::discovery
