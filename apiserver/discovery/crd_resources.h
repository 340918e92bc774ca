// Reads a CustomResourceDefinition (apiextensions.k8s.io/v1, as JSON) into the resources it
// serves: one ResourceInfo per version with `served: true`, carrying the CRD's names,
// scope, subresources (status, scale), additionalPrinterColumns and openAPIV3Schema.
//
// Checks what discovery and printing rely on and names the field on error, e.g.
// "spec.versions[1].additionalPrinterColumns[0].jsonPath: JSONPath ...: unclosed '['".
// Printer-column paths that use JSONPath features beyond jsonpath.h's subset are kept
// (they print as empty cells). Pure function.
#ifndef FLYOVER_APISERVER_DISCOVERY_CRD_RESOURCES_H_
#define FLYOVER_APISERVER_DISCOVERY_CRD_RESOURCES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

[[nodiscard]] absl::StatusOr<std::vector<ResourceInfo>> ResourcesFromCrd(
    const nlohmann::json& crd);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_CRD_RESOURCES_H_
