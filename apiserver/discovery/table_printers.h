// The column sets behind table.h: one printer per built-in kind, one built from a CRD's
// additionalPrinterColumns, and helpers the printers share. Internal to
// apiserver/discovery.
#ifndef FLYOVER_APISERVER_DISCOVERY_TABLE_PRINTERS_H_
#define FLYOVER_APISERVER_DISCOVERY_TABLE_PRINTERS_H_

#include <functional>
#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

struct TablePrinter {
  nlohmann::json columns;  // columnDefinitions
  // The cells of one object's row, one per column.
  std::function<nlohmann::json(const nlohmann::json& object, absl::Time now)> cells;
};

// The printer of a built-in kind; nullptr when the kind has none.
const TablePrinter* BuiltinPrinter(absl::string_view group, absl::string_view kind);

// Printers of core/v1 Pod and Node (table_pods.cc), and of both Event kinds
// (table_events.cc).
TablePrinter PodPrinter();
TablePrinter NodePrinter();
TablePrinter EventPrinter();
// Printers of ServiceAccount, Role and ClusterRole, and both binding kinds (table_rbac.cc).
TablePrinter ServiceAccountPrinter();
TablePrinter RolePrinter();
TablePrinter BindingPrinter();

// NAME plus the CRD's columns, or NAME, AGE without any.
TablePrinter CustomResourcePrinter(const ResourceInfo& resource);

// {name, type, format, description, priority}
nlohmann::json Column(const char* name, const char* type, const char* format,
                      const char* description, int priority = 0);
nlohmann::json NameColumn();
nlohmann::json AgeColumn();

// obj[a][b]... as a string, or `fallback` when absent or not a string.
std::string StringAt(const nlohmann::json& object, std::initializer_list<const char*> path,
                     const std::string& fallback = "");
// The member at the path, or null.
const nlohmann::json& At(const nlohmann::json& object, std::initializer_list<const char*> path);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_TABLE_PRINTERS_H_
