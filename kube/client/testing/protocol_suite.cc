#include "kube/client/testing/protocol_suite.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kube/client/testing/metrics_testing.h"

namespace flyover::kube::testing {

using nlohmann::json;

std::string BackendName(const ::testing::TestParamInfo<ApiBackendFactory>& info) {
  return info.param.name;
}

json TestPod(const std::string& name, const std::string& ns, json labels) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", std::move(labels)}}},
          {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
}

std::vector<std::string> Names(const std::vector<json>& items) {
  std::vector<std::string> names;
  for (const json& item : items) names.push_back(item["metadata"]["name"]);
  return names;
}

std::string Rv(const json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  return object["metadata"].value("resourceVersion", "");
}

int64_t RvNumber(const std::string& resource_version) {
  int64_t value = 0;
  return absl::SimpleAtoi(resource_version, &value) ? value : -1;
}

absl::Status EventRecorder::Record(const WatchStreamEvent& event) {
  if (event.type == WatchStreamEventType::kBookmark && !keep_bookmarks_) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  const json name = event.object.value(json::json_pointer("/metadata/name"), json(""));
  events_.push_back(absl::StrCat(WatchStreamEventTypeName(event.type), " ",
                                 name.is_string() ? name.get<std::string>() : "", "@",
                                 event.ResourceVersion()));
  return absl::OkStatus();
}

WatchHandler EventRecorder::Handler() {
  return [this](WatchStreamEvent event) { return Record(event); };
}

bool EventRecorder::WaitFor(size_t count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return events_.size() >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

std::vector<std::string> EventRecorder::events() {
  absl::MutexLock lock(&mu_);
  return events_;
}

void ApiProtocolTest::SetUp() {
  backend_ = GetParam().make();
  ASSERT_NE(backend_, nullptr) << "backend " << GetParam().name << " did not start";
  client_ = MakeClient();
  ASSERT_NE(client_, nullptr);
}

std::unique_ptr<RestClient> ApiProtocolTest::MakeClient(RestClientOptions options) {
  options.rate_limit.qps = 0;
  options.metrics_registry = registry_;
  absl::StatusOr<std::unique_ptr<RestClient>> client =
      NewRestClient(RestConfig{.server = backend_->url()}, options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

void ApiProtocolTest::CreateNamespace(const std::string& name) {
  json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  absl::StatusOr<json> created = client_->Create(NamespacesResource(), "", ns);
  ASSERT_TRUE(created.ok()) << created.status();
}

json ApiProtocolTest::CreatePod(const json& pod) {
  absl::StatusOr<json> created =
      client_->Create(PodsResource(), pod["metadata"]["namespace"].get<std::string>(), pod);
  EXPECT_TRUE(created.ok()) << created.status();
  return created.ok() ? *created : json();
}

double ApiProtocolTest::Metric(const std::string& name,
                               const std::map<std::string, std::string>& labels) {
  return MetricValue(*registry_, name, labels);
}

}  // namespace flyover::kube::testing
