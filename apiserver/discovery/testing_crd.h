// Test helper: the PostTrainingJob CRD from crds/, and a registry of the built-ins plus it.
// Tests run with the repository root as working directory.
#ifndef FLYOVER_APISERVER_DISCOVERY_TESTING_CRD_H_
#define FLYOVER_APISERVER_DISCOVERY_TESTING_CRD_H_

#include <vector>

#include "apiserver/discovery/resource_registry.h"
#include "gtest/gtest.h"
#include "kube/api/yaml.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery::testing {

inline nlohmann::json PostTrainingJobCrd() {
  absl::StatusOr<std::vector<nlohmann::json>> docs =
      kube::ReadYamlFile("crds/training.flyover.dev_posttrainingjobs.yaml");
  EXPECT_TRUE(docs.ok()) << docs.status();
  if (!docs.ok() || docs->empty()) return nlohmann::json::object();
  return docs->front();
}

inline ResourceRegistry RegistryWithPostTrainingJob() {
  ResourceRegistry registry = ResourceRegistry::WithBuiltins();
  absl::Status status = registry.AddCustomResource(PostTrainingJobCrd());
  EXPECT_TRUE(status.ok()) << status;
  return registry;
}

}  // namespace flyover::apiserver::discovery::testing

#endif  // FLYOVER_APISERVER_DISCOVERY_TESTING_CRD_H_
