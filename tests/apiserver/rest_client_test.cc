// Flyover's own Kubernetes client (kube/client) against flyover-apiserver in process: the
// operator's and scheduler's calls — create, get, list pages, conflicts, patches, apply,
// binding, delete and watch — work end to end over HTTP and SQLite.
#include "kube/client/rest_client.h"

#include <stop_token>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "apiserver/server/api_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/resource.h"
#include "tests/apiserver/server_process.h"

namespace flyover::apiserver::testing {
namespace {

using json = nlohmann::json;

json Pod(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "t"}}}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
}

class RestClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start({.data_dir = dir_.path()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    absl::StatusOr<std::unique_ptr<kube::RestClient>> client =
        kube::NewRestClient({.server = server_->url()});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  TempDir dir_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<kube::RestClient> client_;
};

TEST_F(RestClientTest, WritesReadsAndConflicts) {
  const kube::ResourceDescriptor& pods = kube::PodsResource();
  absl::StatusOr<json> created = client_->Create(pods, "default", Pod("a"));
  ASSERT_TRUE(created.ok()) << created.status();
  absl::StatusOr<json> got = client_->Get(pods, "default", "a");
  ASSERT_TRUE(got.ok()) << got.status();
  json stale = *got;
  json changed = *got;
  changed["metadata"]["labels"]["v"] = "1";
  ASSERT_TRUE(client_->Update(pods, changed).ok());
  stale["metadata"]["labels"]["v"] = "2";
  EXPECT_TRUE(absl::IsAborted(client_->Update(pods, stale).status()));
  EXPECT_TRUE(absl::IsAlreadyExists(client_->Create(pods, "default", Pod("a")).status()));
  EXPECT_TRUE(absl::IsNotFound(client_->Get(pods, "default", "zz").status()));
  absl::StatusOr<json> patched = client_->Patch(
      pods, "default", "a", {{"spec", {{"containers", {{{"name", "side"}, {"image", "x"}}}}}}},
      {.type = kube::PatchType::kStrategicMerge});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["spec"]["containers"].size(), 2u);
  ASSERT_TRUE(client_->Bind("default", "a", "node-1").ok());
  EXPECT_EQ((*client_->Get(pods, "default", "a"))["spec"]["nodeName"], "node-1");
  EXPECT_FALSE(client_->Bind("default", "a", "node-2").ok());
  json applied = Pod("b");
  ASSERT_TRUE(client_->Apply(pods, applied, {.field_manager = "test"}).ok());
  ASSERT_TRUE(client_->Delete(pods, "default", "a").ok());
  EXPECT_TRUE(absl::IsNotFound(client_->Get(pods, "default", "a").status()));
}

TEST_F(RestClientTest, ListsInPagesAndWatchesFromTheListsVersion) {
  const kube::ResourceDescriptor& pods = kube::PodsResource();
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(client_->Create(pods, "default", Pod(absl::StrCat("p", i))).ok());
  }
  absl::StatusOr<kube::ObjectList> page = client_->ListPage(pods, "default", {.limit = 3});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 3u);
  EXPECT_FALSE(page->continue_token.empty());
  absl::StatusOr<kube::ObjectList> all = client_->List(pods, "default", {.limit = 3});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->items.size(), 7u);

  std::stop_source stop;
  std::vector<std::string> seen;
  std::thread writer([&] { (void)client_->Create(pods, "default", Pod("late")); });
  absl::Status watched = client_->Watch(
      pods, "default", {.resource_version = all->resource_version, .timeout = absl::Seconds(10)},
      [&](kube::WatchStreamEvent event) {
        if (event.type == kube::WatchStreamEventType::kAdded) {
          seen.push_back(event.object["metadata"]["name"].get<std::string>());
          stop.request_stop();
        }
        return absl::OkStatus();
      },
      stop.get_token());
  writer.join();
  EXPECT_THAT(seen, ::testing::ElementsAre("late"));
}

}  // namespace
}  // namespace flyover::apiserver::testing
