// The informer half of the protocol suites (protocol_suite.h): RestListerWatcher and a
// SharedInformer over it, against any ApiBackend. Its cases (informer_protocol_suite.cc,
// the OBJECT library kube_cache_protocol_suite) write pods in namespace "ns" through a
// RestClient and remember the state the informer must reach.
//
// Thread-safety: the fixture runs on the test thread.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_INFORMER_PROTOCOL_SUITE_H_
#define FLYOVER_KUBE_CLIENT_TESTING_INFORMER_PROTOCOL_SUITE_H_

#include <map>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "kube/cache/rest_lister_watcher.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/api_backend.h"
#include "kube/client/testing/protocol_suite.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::testing {

class InformerProtocolTest : public ::testing::TestWithParam<ApiBackendFactory> {
 protected:
  void SetUp() override;

  // Creates pod ns/<name> labelled v=<version>, or patches the label if it exists; returns
  // the stored object and records its resourceVersion in expected_.
  nlohmann::json Put(const std::string& name, const std::string& version = "1");
  // Deletes ns/<name>; returns the deletion's resourceVersion.
  std::string Remove(const std::string& name);

  std::unique_ptr<ApiBackend> backend_;
  std::unique_ptr<RestClient> client_;
  std::shared_ptr<RestListerWatcher> lw_;  // namespace "ns", pages of two
  std::map<std::string, std::string> expected_;  // "ns/name" -> resourceVersion
};

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_CLIENT_TESTING_INFORMER_PROTOCOL_SUITE_H_
