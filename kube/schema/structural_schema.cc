#include "kube/schema/structural_schema.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <regex>
#include <set>

#include "absl/strings/str_cat.h"
#include "kube/api/json_util.h"

namespace flyover::kube::schema {
namespace {

using nlohmann::json;

bool PreservesUnknown(const json& schema) {
  return schema.value("x-kubernetes-preserve-unknown-fields", false);
}

const json* Properties(const json& schema) {
  auto it = schema.find("properties");
  return it != schema.end() && it->is_object() ? &*it : nullptr;
}

const json* AdditionalProperties(const json& schema) {
  auto it = schema.find("additionalProperties");
  return it != schema.end() && it->is_object() ? &*it : nullptr;
}

const json* Items(const json& schema) {
  auto it = schema.find("items");
  return it != schema.end() && it->is_object() ? &*it : nullptr;
}

bool IsApiServerField(const std::string& key) {
  return key == "apiVersion" || key == "kind" || key == "metadata";
}

void DefaultsAt(const json& schema, json* value) {
  if (!schema.is_object()) return;
  if (value->is_object()) {
    if (const json* props = Properties(schema)) {
      for (const auto& [key, prop] : props->items()) {
        if (!value->contains(key) && prop.contains("default")) (*value)[key] = prop["default"];
      }
      for (const auto& [key, prop] : props->items()) {
        if (value->contains(key)) DefaultsAt(prop, &(*value)[key]);
      }
    } else if (const json* additional = AdditionalProperties(schema)) {
      for (auto& [key, v] : value->items()) DefaultsAt(*additional, &v);
    }
  } else if (value->is_array()) {
    if (const json* items = Items(schema)) {
      for (json& v : *value) DefaultsAt(*items, &v);
    }
  }
}

void PruneAt(const json& schema, json* value, const FieldPath& path, bool root,
             std::vector<std::string>* removed) {
  if (!schema.is_object()) return;
  if (value->is_object()) {
    const json* props = Properties(schema);
    const json* additional = AdditionalProperties(schema);
    if (PreservesUnknown(schema) && props == nullptr && additional == nullptr) return;
    std::vector<std::string> drop;
    for (auto& [key, v] : value->items()) {
      if (root && IsApiServerField(key)) continue;
      if (props != nullptr && props->contains(key)) {
        PruneAt((*props)[key], &v, path.Child(key), false, removed);
      } else if (additional != nullptr) {
        PruneAt(*additional, &v, path.Child(key), false, removed);
      } else if (!PreservesUnknown(schema)) {
        drop.push_back(key);
      }
    }
    for (const std::string& key : drop) {
      removed->push_back(path.Child(key).String());
      value->erase(key);
    }
  } else if (value->is_array()) {
    if (const json* items = Items(schema)) {
      for (size_t i = 0; i < value->size(); ++i) {
        PruneAt(*items, &(*value)[i], path.Index(i), false, removed);
      }
    }
  }
}

std::string JsonTypeName(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "boolean";
  return v.type_name();
}

bool HasType(const json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  return true;  // no type: anything goes
}

class Validator {
 public:
  explicit Validator(ErrorList* errors) : errors_(errors) {}

  void Check(const json& schema, const json& value, const FieldPath& path, bool root) {
    if (!schema.is_object()) return;
    if (value.is_null()) {
      if (!schema.value("nullable", false)) errors_->Invalid(path, value, "must not be null");
      return;
    }
    if (!CheckType(schema, value, path)) return;
    CheckEnum(schema, value, path);
    if (value.is_number()) CheckNumber(schema, value, path);
    if (value.is_string()) CheckString(schema, value, path);
    if (value.is_array()) CheckArray(schema, value, path);
    if (value.is_object()) CheckObject(schema, value, path, root);
  }

 private:
  bool CheckType(const json& schema, const json& value, const FieldPath& path) {
    if (schema.value("x-kubernetes-int-or-string", false)) {
      if (value.is_number_integer() || value.is_string()) return true;
      errors_->Invalid(path, value, "must be an integer or a string");
      return false;
    }
    const std::string type = schema.value("type", "");
    if (HasType(value, type)) return true;
    errors_->Invalid(path, value,
                     absl::StrCat("must be of type ", type, ", not ", JsonTypeName(value)));
    return false;
  }

  void CheckEnum(const json& schema, const json& value, const FieldPath& path) {
    auto it = schema.find("enum");
    if (it == schema.end() || !it->is_array()) return;
    for (const json& allowed : *it) {
      if (allowed == value) return;
    }
    std::vector<std::string> names;
    for (const json& allowed : *it) {
      names.push_back(allowed.is_string() ? allowed.get<std::string>() : DumpJson(allowed));
    }
    errors_->NotSupported(path, value, names);
  }

  void CheckNumber(const json& schema, const json& value, const FieldPath& path) {
    const double v = value.get<double>();
    if (auto it = schema.find("minimum"); it != schema.end() && it->is_number()) {
      const bool exclusive = schema.value("exclusiveMinimum", false);
      if (exclusive ? v <= it->get<double>() : v < it->get<double>()) {
        errors_->Invalid(path, value,
                         absl::StrCat("should be greater than ", exclusive ? "" : "or equal to ",
                                      it->dump()));
      }
    }
    if (auto it = schema.find("maximum"); it != schema.end() && it->is_number()) {
      const bool exclusive = schema.value("exclusiveMaximum", false);
      if (exclusive ? v >= it->get<double>() : v > it->get<double>()) {
        errors_->Invalid(path, value,
                         absl::StrCat("should be less than ", exclusive ? "" : "or equal to ",
                                      it->dump()));
      }
    }
    const std::string format = schema.value("format", "");
    if (format == "int32" && value.is_number_integer() &&
        (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())) {
      errors_->Invalid(path, value, "out of range for int32");
    }
  }

  void CheckString(const json& schema, const json& value, const FieldPath& path) {
    const std::string& s = value.get_ref<const std::string&>();
    if (auto it = schema.find("maxLength"); it != schema.end() && it->is_number_unsigned()) {
      if (s.size() > it->get<size_t>()) errors_->TooLong(path, it->get<size_t>());
    }
    if (auto it = schema.find("minLength"); it != schema.end() && it->is_number_unsigned()) {
      if (s.size() < it->get<size_t>()) {
        errors_->Invalid(path, value, absl::StrCat("should be at least ", it->dump(), " chars long"));
      }
    }
    if (auto it = schema.find("pattern"); it != schema.end() && it->is_string()) {
      try {
        if (!std::regex_search(s, std::regex(it->get<std::string>(), std::regex::ECMAScript))) {
          errors_->Invalid(path, value,
                           absl::StrCat("should match '", it->get<std::string>(), "'"));
        }
      } catch (const std::regex_error&) {
        errors_->Invalid(path, value, "schema pattern is not a valid regular expression");
      }
    }
  }

  void CheckArray(const json& schema, const json& value, const FieldPath& path) {
    if (auto it = schema.find("maxItems"); it != schema.end() && it->is_number_unsigned()) {
      if (value.size() > it->get<size_t>()) {
        errors_->Invalid(path, value.size(), absl::StrCat("must have at most ", it->dump(), " items"));
      }
    }
    if (auto it = schema.find("minItems"); it != schema.end() && it->is_number_unsigned()) {
      if (value.size() < it->get<size_t>()) {
        errors_->Invalid(path, value.size(), absl::StrCat("must have at least ", it->dump(), " items"));
      }
    }
    CheckListType(schema, value, path);
    if (const json* items = Items(schema)) {
      for (size_t i = 0; i < value.size(); ++i) Check(*items, value[i], path.Index(i), false);
    }
  }

  void CheckListType(const json& schema, const json& value, const FieldPath& path) {
    const std::string list_type = schema.value("x-kubernetes-list-type", "");
    if (list_type != "set" && list_type != "map") return;
    std::set<std::string> seen;
    for (size_t i = 0; i < value.size(); ++i) {
      json key = value[i];
      if (list_type == "map" && schema.contains("x-kubernetes-list-map-keys")) {
        key = json::object();
        for (const json& k : schema["x-kubernetes-list-map-keys"]) {
          const std::string name = k.get<std::string>();
          if (value[i].is_object() && value[i].contains(name)) key[name] = value[i][name];
        }
      }
      if (!seen.insert(DumpJson(key)).second) errors_->Duplicate(path.Index(i), key);
    }
  }

  void CheckObject(const json& schema, const json& value, const FieldPath& path, bool root) {
    if (auto it = schema.find("required"); it != schema.end() && it->is_array()) {
      for (const json& name : *it) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          errors_->Required(path.Child(name.get<std::string>()));
        }
      }
    }
    const json* props = Properties(schema);
    const json* additional = AdditionalProperties(schema);
    for (const auto& [key, v] : value.items()) {
      if (root && IsApiServerField(key)) continue;
      if (props != nullptr && props->contains(key)) {
        Check((*props)[key], v, path.Child(key), false);
      } else if (additional != nullptr) {
        Check(*additional, v, path.Child(key), false);
      } else if (!PreservesUnknown(schema)) {
        errors_->UnknownField(path.Child(key));
      }
    }
  }

  ErrorList* errors_;
};

}  // namespace

void ApplyDefaults(const json& schema, json* value) { DefaultsAt(schema, value); }

std::vector<std::string> Prune(const json& schema, json* value) {
  std::vector<std::string> removed;
  PruneAt(schema, value, FieldPath(), /*root=*/true, &removed);
  return removed;
}

void Validate(const json& schema, const json& value, ErrorList* errors) {
  Validator(errors).Check(schema, value, FieldPath(), /*root=*/true);
}

absl::StatusOr<json> CrdVersionSchema(const json& crd, absl::string_view version) {
  const json* versions = nullptr;
  if (crd.is_object() && crd.contains("spec") && crd["spec"].is_object() &&
      crd["spec"].contains("versions") && crd["spec"]["versions"].is_array()) {
    versions = &crd["spec"]["versions"];
  }
  if (versions == nullptr) return absl::InvalidArgumentError("CRD has no spec.versions");
  for (const json& v : *versions) {
    if (!v.is_object() || v.value("name", "") != version) continue;
    const json* schema = nullptr;
    if (v.contains("schema") && v["schema"].is_object() &&
        v["schema"].contains("openAPIV3Schema")) {
      schema = &v["schema"]["openAPIV3Schema"];
    }
    if (schema == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("CRD version ", version, " has no schema.openAPIV3Schema"));
    }
    return *schema;
  }
  return absl::NotFoundError(absl::StrCat("CRD has no version ", version));
}

}  // namespace flyover::kube::schema
