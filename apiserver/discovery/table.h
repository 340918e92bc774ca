// meta.k8s.io/v1 Table responses: what `kubectl get` (without -o yaml/json) prints. kubectl
// asks with Accept: application/json;as=Table;v=v1;g=meta.k8s.io (AcceptsTable in
// media_type.h) on GET of a collection, of one object, and on watches (`-w`, where each
// event's object is a Table with one row).
//
// Columns follow kubectl's familiar ones for the built-ins (pods: NAME READY STATUS
// RESTARTS AGE, and IP NODE NOMINATED NODE READINESS GATES with -o wide; nodes, services,
// configmaps, secrets, events, leases, namespaces, CRDs), and a CRD's
// additionalPrinterColumns for custom resources (NAME, AGE when it has none). As in
// kube-apiserver, every column is always sent; columns with priority > 0 are the ones
// kubectl shows only with -o wide. Ages and `date` columns are rendered relative to `now`.
//
// Each row carries the object per `includeObject`: PartialObjectMetadata (the default,
// "Metadata"), the full object ("Object", which kubectl asks for with --sort-by), or
// nothing ("None"). Pure functions.
#ifndef FLYOVER_APISERVER_DISCOVERY_TABLE_H_
#define FLYOVER_APISERVER_DISCOVERY_TABLE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

enum class IncludeObject { kNone, kMetadata, kObject };

// The `includeObject` query parameter: "" or "Metadata", "None", "Object"; InvalidArgument
// otherwise.
[[nodiscard]] absl::StatusOr<IncludeObject> ParseIncludeObject(absl::string_view value);

struct TableOptions {
  IncludeObject include_object = IncludeObject::kMetadata;
  // Watches send the column definitions with the first event only, as kube-apiserver does.
  bool include_column_definitions = true;
};

// The columnDefinitions of `resource`: [{name, type, format, description, priority}].
nlohmann::json TableColumns(const ResourceInfo& resource);

// One row: {"cells": [...], "object": ...} (no "object" for IncludeObject::kNone).
nlohmann::json TableRow(const ResourceInfo& resource, const nlohmann::json& object,
                        absl::Time now, IncludeObject include_object);

// A Table of `objects` (a list's items, or a single object). `list_metadata` is the
// list's metadata (resourceVersion, continue, remainingItemCount), copied to the Table.
nlohmann::json RenderTable(const ResourceInfo& resource, const std::vector<nlohmann::json>& objects,
                           absl::Time now, const TableOptions& options = {},
                           const nlohmann::json& list_metadata = nlohmann::json::object());

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_TABLE_H_
