// The kube client's protocol suites: behaviour cases written once and run against every
// ApiBackend (api_backend.h). A test binary instantiates them for its backend:
//
//   INSTANTIATE_TEST_SUITE_P(Scripted, ApiProtocolTest,
//                            ::testing::Values(testing::ScriptedBackendFactory()),
//                            testing::BackendName);
//
// ApiProtocolTest holds the REST, list, watch and typed-client cases (rest_protocol_suite.cc,
// list_protocol_suite.cc, watch_protocol_suite.cc, typed_protocol_suite.cc: the OBJECT library
// kube_client_protocol_suite); the informer cases (informer_protocol_suite.cc) use
// InformerProtocolTest in kube_cache_protocol_suite. The suites' sources must be linked
// into each test binary as objects, so that their registrations are not dropped.
//
// The cases write through the client only (never behind the server's back) and compare
// resourceVersions only with ones the server returned, so they hold on any server. Time is
// real: watches end by timeoutSeconds, backoff sleeps are the client's defaults.
//
// Thread-safety: the fixture runs on the test thread; EventRecorder is thread-safe.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_PROTOCOL_SUITE_H_
#define FLYOVER_KUBE_CLIENT_TESTING_PROTOCOL_SUITE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/api_backend.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"

namespace flyover::kube::testing {

// The parameter's name, for INSTANTIATE_TEST_SUITE_P.
std::string BackendName(const ::testing::TestParamInfo<ApiBackendFactory>& info);

// A pod with one container, as a client would create it.
nlohmann::json TestPod(const std::string& name, const std::string& ns = "default",
                       nlohmann::json labels = nlohmann::json::object());
std::vector<std::string> Names(const std::vector<nlohmann::json>& items);
std::string Rv(const nlohmann::json& object);
// Numeric resourceVersion (both backends use integers); -1 if it is not one.
int64_t RvNumber(const std::string& resource_version);

// Collects "TYPE name@rv" per event from a watch on another thread.
class EventRecorder {
 public:
  explicit EventRecorder(bool keep_bookmarks = false) : keep_bookmarks_(keep_bookmarks) {}
  absl::Status Record(const WatchStreamEvent& event) ABSL_LOCKS_EXCLUDED(mu_);
  WatchHandler Handler();
  // Waits (real time, up to `timeout`) until `count` events have arrived.
  bool WaitFor(size_t count, absl::Duration timeout = absl::Seconds(15)) ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<std::string> events() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const bool keep_bookmarks_;
  absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
};

class ApiProtocolTest : public ::testing::TestWithParam<ApiBackendFactory> {
 protected:
  void SetUp() override;

  // A client of the backend with the limiter off and metrics in registry_.
  std::unique_ptr<RestClient> MakeClient(RestClientOptions options = {});
  ApiBackend& backend() { return *backend_; }
  // Creates namespace `name` (servers refuse objects in a namespace that does not exist).
  void CreateNamespace(const std::string& name);
  // Creates `pod` in its namespace; fails the test if refused.
  nlohmann::json CreatePod(const nlohmann::json& pod);
  double Metric(const std::string& name, const std::map<std::string, std::string>& labels);

  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<ApiBackend> backend_;
  std::unique_ptr<RestClient> client_;
};

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_CLIENT_TESTING_PROTOCOL_SUITE_H_
