#include "apiserver/discovery/table.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "apiserver/discovery/age.h"
#include "apiserver/discovery/jsonpath.h"
#include "apiserver/discovery/table_printers.h"
#include "kube/api/json_util.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

// A custom column's cell, converted by the column's type as kube-apiserver does; null
// when the path selects nothing or the value does not fit the type.
json CustomCell(const PrinterColumn& column, const json* value, absl::Time now) {
  if (value == nullptr || value->is_null()) return nullptr;
  if (column.type == "integer") {
    if (value->is_number()) return static_cast<int64_t>(value->get<double>());
    return nullptr;
  }
  if (column.type == "number") return value->is_number() ? json(value->get<double>()) : json();
  if (column.type == "boolean") return value->is_boolean() ? *value : json();
  if (column.type == "date") {
    if (!value->is_string()) return nullptr;
    if (!ParseTimestamp(value->get<std::string>())) return "<invalid>";
    return AgeSince(*value, now);
  }
  // string: strings as they are, anything else as JSONPath prints it (JSON text).
  return value->is_string() ? *value : json(kube::DumpJson(*value));
}

json PartialObjectMetadata(const json& object) {
  return {{"kind", "PartialObjectMetadata"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", object.is_object() && object.contains("metadata") ? object["metadata"]
                                                                        : json::object()}};
}

TablePrinter DefaultPrinter() {
  return {json::array({NameColumn(), AgeColumn()}), [](const json& o, absl::Time now) {
            return json::array({StringAt(o, {"metadata", "name"}),
                                AgeSince(At(o, {"metadata", "creationTimestamp"}), now)});
          }};
}

json Row(const TablePrinter& printer, const json& object, absl::Time now,
         IncludeObject include_object) {
  json row = {{"cells", printer.cells(object, now)}};
  if (include_object == IncludeObject::kMetadata) row["object"] = PartialObjectMetadata(object);
  if (include_object == IncludeObject::kObject) row["object"] = object;
  return row;
}

TablePrinter PrinterFor(const ResourceInfo& resource) {
  if (resource.IsCustom()) return CustomResourcePrinter(resource);
  if (const TablePrinter* builtin = BuiltinPrinter(resource.group, resource.kind)) return *builtin;
  return DefaultPrinter();
}

}  // namespace

json Column(const char* name, const char* type, const char* format, const char* description,
            int priority) {
  return {{"name", name},
          {"type", type},
          {"format", format},
          {"description", description},
          {"priority", priority}};
}

json NameColumn() {
  return Column("Name", "string", "name",
                "Name must be unique within a namespace; it identifies the object.");
}

json AgeColumn() {
  return Column("Age", "string", "",
                "CreationTimestamp is when the server created the object (RFC 3339, UTC).");
}

const json& At(const json& object, std::initializer_list<const char*> path) {
  static const json* const kNull = new json();
  const json* current = &object;
  for (const char* key : path) {
    if (!current->is_object()) return *kNull;
    auto it = current->find(key);
    if (it == current->end()) return *kNull;
    current = &*it;
  }
  return *current;
}

std::string StringAt(const json& object, std::initializer_list<const char*> path,
                     const std::string& fallback) {
  const json& value = At(object, path);
  return value.is_string() && !value.get<std::string>().empty() ? value.get<std::string>()
                                                                : fallback;
}

TablePrinter CustomResourcePrinter(const ResourceInfo& resource) {
  if (resource.printer_columns.empty()) return DefaultPrinter();
  json columns = json::array({NameColumn()});
  for (const PrinterColumn& c : resource.printer_columns) {
    std::string description = c.description.empty()
                                  ? absl::StrCat("Custom resource definition column (in "
                                                 "JSONPath format): ",
                                                 c.json_path)
                                  : c.description;
    columns.push_back({{"name", c.name},
                       {"type", c.type},
                       {"format", c.format},
                       {"description", description},
                       {"priority", c.priority}});
  }
  // Paths are parsed once; one this subset cannot evaluate prints as an empty cell.
  std::vector<std::pair<PrinterColumn, absl::StatusOr<std::vector<JsonPathStep>>>> specs;
  for (const PrinterColumn& c : resource.printer_columns) {
    specs.emplace_back(c, ParseJsonPath(c.json_path));
  }
  return {columns, [specs](const json& object, absl::Time now) {
            json cells = json::array({StringAt(object, {"metadata", "name"})});
            for (const auto& [column, path] : specs) {
              cells.push_back(path.ok() ? CustomCell(column, EvaluateJsonPath(*path, object), now)
                                        : json());
            }
            return cells;
          }};
}

absl::StatusOr<IncludeObject> ParseIncludeObject(absl::string_view value) {
  if (value.empty() || value == "Metadata") return IncludeObject::kMetadata;
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return absl::InvalidArgumentError(
      absl::StrCat("includeObject: must be None, Metadata or Object, not \"", value, "\""));
}

json TableColumns(const ResourceInfo& resource) { return PrinterFor(resource).columns; }

json TableRow(const ResourceInfo& resource, const json& object, absl::Time now,
              IncludeObject include_object) {
  return Row(PrinterFor(resource), object, now, include_object);
}

json RenderTable(const ResourceInfo& resource, const std::vector<json>& objects, absl::Time now,
                 const TableOptions& options, const json& list_metadata) {
  TablePrinter printer = PrinterFor(resource);
  json rows = json::array();
  for (const json& object : objects) {
    rows.push_back(Row(printer, object, now, options.include_object));
  }
  return {{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", list_metadata.is_object() ? list_metadata : json::object()},
                {"columnDefinitions",
                 options.include_column_definitions ? printer.columns : json::array()},
                {"rows", rows}};
}

}  // namespace flyover::apiserver::discovery
