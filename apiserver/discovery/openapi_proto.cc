#include "apiserver/discovery/openapi_proto.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "kube/api/json_util.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

// Field numbers of gnostic's OpenAPIv2.proto (package openapi.v2).
namespace field {
constexpr int kDocumentSwagger = 1, kDocumentInfo = 2, kDocumentDefinitions = 9;
constexpr int kInfoTitle = 1, kInfoVersion = 2;
constexpr int kNamedName = 1, kNamedValue = 2;            // NamedSchema, NamedAny
constexpr int kRepeatedEntries = 1;                       // Definitions, Properties
constexpr int kAnyYaml = 2;                               // Any
constexpr int kAdditionalSchema = 1, kAdditionalBool = 2;  // AdditionalPropertiesItem
constexpr int kTypeItemValue = 1, kItemsItemSchema = 1;
constexpr int kSchemaRef = 1, kSchemaFormat = 2, kSchemaTitle = 3, kSchemaDescription = 4,
              kSchemaRequired = 19, kSchemaAdditionalProperties = 21, kSchemaType = 22,
              kSchemaItems = 23, kSchemaProperties = 25, kSchemaVendorExtension = 31;
}  // namespace field

constexpr int kWireVarint = 0;
constexpr int kWireBytes = 2;

class Writer {
 public:
  void Varint(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  void Tag(int number, int wire_type) { Varint((static_cast<uint64_t>(number) << 3) | wire_type); }
  void Bytes(int number, const std::string& bytes) {
    Tag(number, kWireBytes);
    Varint(bytes.size());
    out_ += bytes;
  }
  void String(int number, const json& value) {
    if (value.is_string()) Bytes(number, value.get<std::string>());
  }
  void Bool(int number, bool value) {
    Tag(number, kWireVarint);
    Varint(value ? 1 : 0);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string EncodeSchema(const json& schema);

std::string EncodeNamed(const std::string& name, const std::string& value) {
  Writer w;
  w.Bytes(field::kNamedName, name);
  w.Bytes(field::kNamedValue, value);
  return w.Take();
}

std::string EncodeSchemaMap(const json& map) {
  Writer w;
  for (const auto& [name, schema] : map.items()) {
    w.Bytes(field::kRepeatedEntries, EncodeNamed(name, EncodeSchema(schema)));
  }
  return w.Take();
}

std::string EncodeAdditionalProperties(const json& value) {
  Writer w;
  if (value.is_boolean()) {
    w.Bool(field::kAdditionalBool, value.get<bool>());
  } else {
    w.Bytes(field::kAdditionalSchema, EncodeSchema(value));
  }
  return w.Take();
}

std::string EncodeVendorExtension(const std::string& name, const json& value) {
  Writer any;
  any.Bytes(field::kAnyYaml, kube::DumpJson(value));  // JSON is valid YAML
  return EncodeNamed(name, any.Take());
}

void EncodeSchemaFields(const json& schema, Writer* w) {
  if (auto it = schema.find("$ref"); it != schema.end()) w->String(field::kSchemaRef, *it);
  if (auto it = schema.find("format"); it != schema.end()) w->String(field::kSchemaFormat, *it);
  if (auto it = schema.find("title"); it != schema.end()) w->String(field::kSchemaTitle, *it);
  if (auto it = schema.find("description"); it != schema.end()) {
    w->String(field::kSchemaDescription, *it);
  }
  if (auto it = schema.find("required"); it != schema.end() && it->is_array()) {
    for (const json& name : *it) w->String(field::kSchemaRequired, name);
  }
  if (auto it = schema.find("additionalProperties"); it != schema.end()) {
    w->Bytes(field::kSchemaAdditionalProperties, EncodeAdditionalProperties(*it));
  }
  if (auto it = schema.find("type"); it != schema.end() && it->is_string()) {
    Writer type;
    type.String(field::kTypeItemValue, *it);
    w->Bytes(field::kSchemaType, type.Take());
  }
  if (auto it = schema.find("items"); it != schema.end() && it->is_object()) {
    Writer items;
    items.Bytes(field::kItemsItemSchema, EncodeSchema(*it));
    w->Bytes(field::kSchemaItems, items.Take());
  }
  if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) {
    w->Bytes(field::kSchemaProperties, EncodeSchemaMap(*it));
  }
}

std::string EncodeSchema(const json& schema) {
  Writer w;
  if (!schema.is_object()) return w.Take();
  EncodeSchemaFields(schema, &w);
  for (const auto& [key, value] : schema.items()) {
    if (absl::StartsWith(key, "x-")) {
      w.Bytes(field::kSchemaVendorExtension, EncodeVendorExtension(key, value));
    }
  }
  return w.Take();
}

}  // namespace

std::string OpenApiV2Protobuf(const json& v2_document) {
  Writer doc;
  if (!v2_document.is_object()) return doc.Take();
  if (auto it = v2_document.find("swagger"); it != v2_document.end()) {
    doc.String(field::kDocumentSwagger, *it);
  }
  if (auto it = v2_document.find("info"); it != v2_document.end() && it->is_object()) {
    Writer info;
    if (it->contains("title")) info.String(field::kInfoTitle, (*it)["title"]);
    if (it->contains("version")) info.String(field::kInfoVersion, (*it)["version"]);
    doc.Bytes(field::kDocumentInfo, info.Take());
  }
  if (auto it = v2_document.find("definitions"); it != v2_document.end() && it->is_object()) {
    doc.Bytes(field::kDocumentDefinitions, EncodeSchemaMap(*it));
  }
  return doc.Take();
}

}  // namespace flyover::apiserver::discovery
