// Test helpers for the core codecs: loading JSON fixtures from kube/api/core/testdata/
// (tests run with the repository root as working directory).
#ifndef FLYOVER_KUBE_API_CORE_CORE_TESTING_H_
#define FLYOVER_KUBE_API_CORE_CORE_TESTING_H_

#include <fstream>
#include <string>

#include "nlohmann/json.hpp"

namespace flyover::kube::core::testing {

// The fixture's JSON; null (and a test failure from the caller's checks) when unreadable.
inline nlohmann::json LoadFixture(const std::string& name) {
  std::ifstream in("kube/api/core/testdata/" + name);
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

}  // namespace flyover::kube::core::testing

#endif  // FLYOVER_KUBE_API_CORE_CORE_TESTING_H_
