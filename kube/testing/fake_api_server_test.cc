// FakeApiServer: kube-apiserver's object semantics, through the real RestClient and
// TypedClient, with no sockets.
#include "kube/testing/fake_api_server.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_testing.h"
#include "kube/client/api_status.h"
#include "kube/client/typed_client.h"

namespace flyover::kube::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

json Pod(const std::string& name, const std::string& ns = "ml", json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"spec", {{"containers", {{{"name", "w"}, {"image", "w:1"}}}}}}};
}

std::vector<std::string> Names(const std::vector<json>& objects) {
  std::vector<std::string> names;
  for (const json& object : objects) names.push_back(object["metadata"]["name"]);
  return names;
}

class FakeApiServerTest : public ::testing::Test {
 protected:
  FakeApiServer api_;
  std::unique_ptr<RestClient> client_ = api_.NewClient();
};

TEST_F(FakeApiServerTest, CreateSetsServerFieldsAndRejectsDuplicates) {
  absl::StatusOr<json> created = client_->Create(PodsResource(), "ml", Pod("a"));
  ASSERT_TRUE(created.ok()) << created.status();
  const json& meta = (*created)["metadata"];
  EXPECT_FALSE(meta["uid"].get<std::string>().empty());
  EXPECT_EQ(meta["resourceVersion"], std::to_string(api_.resource_version()));
  EXPECT_EQ(meta["generation"], 1);
  EXPECT_TRUE(meta.contains("creationTimestamp"));
  EXPECT_EQ(client_->Get(PodsResource(), "ml", "a").value(), *created);
  EXPECT_TRUE(absl::IsAlreadyExists(client_->Create(PodsResource(), "ml", Pod("a")).status()));
  EXPECT_TRUE(absl::IsNotFound(client_->Get(PodsResource(), "ml", "zz").status()));
  EXPECT_TRUE(absl::IsNotFound(client_->Delete(PodsResource(), "ml", "zz")));
}

TEST_F(FakeApiServerTest, UpdatesAreConditionalAndBumpGenerationOnSpecChanges) {
  json pod = client_->Create(PodsResource(), "ml", Pod("a")).value();
  json relabelled = pod;
  relabelled["metadata"]["labels"]["x"] = "1";
  json updated = client_->Update(PodsResource(), relabelled).value();
  EXPECT_EQ(updated["metadata"]["generation"], 1);  // metadata only
  EXPECT_NE(updated["metadata"]["resourceVersion"], pod["metadata"]["resourceVersion"]);
  absl::Status stale = client_->Update(PodsResource(), relabelled).status();  // old version
  EXPECT_TRUE(IsConflict(stale)) << stale;
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  updated["spec"]["nodeName"] = "n1";
  EXPECT_EQ(client_->Update(PodsResource(), updated).value()["metadata"]["generation"], 2);
}

TEST_F(FakeApiServerTest, StatusSubresourceSeparatesStatusFromTheRest) {
  json pod = client_->Create(PodsResource(), "ml", Pod("a")).value();
  pod["status"] = {{"phase", "Running"}};
  pod["spec"]["nodeName"] = "ignored";
  json after = client_->UpdateStatus(PodsResource(), pod).value();
  EXPECT_EQ(after["status"]["phase"], "Running");
  EXPECT_FALSE(after["spec"].contains("nodeName"));
  EXPECT_EQ(after["metadata"]["generation"], 1);
  after["status"]["phase"] = "Failed";  // main-resource writes keep the stored status
  EXPECT_EQ(client_->Update(PodsResource(), after).value()["status"]["phase"], "Running");
  json patched = client_->Patch(PodsResource(), "ml", "a", {{"status", {{"phase", "Succeeded"}}}},
                                {.subresource = "status"}).value();
  EXPECT_EQ(patched["status"]["phase"], "Succeeded");
}

TEST_F(FakeApiServerTest, MergeJsonAndStrategicPatches) {
  ASSERT_TRUE(client_->Create(PodsResource(), "ml", Pod("a")).ok());
  json merged = client_->Patch(PodsResource(), "ml", "a", {{"metadata", {{"labels", {{"m", "1"}}}}}})
                    .value();
  EXPECT_EQ(merged["metadata"]["labels"]["m"], "1");
  json ops = json::array({{{"op", "add"}, {"path", "/metadata/labels/j"}, {"value", "2"}}});
  json patched = client_->Patch(PodsResource(), "ml", "a", ops, {.type = PatchType::kJsonPatch}).value();
  EXPECT_EQ(patched["metadata"]["labels"]["j"], "2");
  json failing = json::array({{{"op", "test"}, {"path", "/metadata/labels/j"}, {"value", "9"}}});
  absl::Status status =
      client_->Patch(PodsResource(), "ml", "a", failing, {.type = PatchType::kJsonPatch}).status();
  EXPECT_TRUE(IsInvalid(status)) << status;
  json strategic = client_->Patch(PodsResource(), "ml", "a", {{"metadata", {{"labels", {{"s", "3"}}}}}},
                                  {.type = PatchType::kStrategicMerge})
                       .value();
  EXPECT_EQ(strategic["metadata"]["labels"].size(), 3u);
  EXPECT_TRUE(absl::IsNotFound(client_->Patch(PodsResource(), "ml", "zz", json::object()).status()));
}

TEST_F(FakeApiServerTest, ApplyOwnsFieldsAndBindAssignsOnce) {
  json applied = client_->Apply(PodsResource(), Pod("a"), {.field_manager = "op"}).value();
  EXPECT_EQ(applied["metadata"]["name"], "a");
  json mine = Pod("a");
  mine["spec"]["containers"][0]["image"] = "w:2";
  EXPECT_TRUE(IsConflict(client_->Apply(PodsResource(), mine, {.field_manager = "other"}).status()));
  ASSERT_TRUE(client_->Bind("ml", "a", "node-7").ok());
  EXPECT_EQ((*api_.Get(PodsResource(), "ml", "a"))["spec"]["nodeName"], "node-7");
  EXPECT_TRUE(IsConflict(client_->Bind("ml", "a", "node-8")));
}

TEST_F(FakeApiServerTest, FinalizersHoldADeletionUntilTheLastIsRemoved) {
  json pod = Pod("a");
  pod["metadata"]["finalizers"] = {"flyover.dev/cleanup"};
  ASSERT_TRUE(client_->Create(PodsResource(), "ml", pod).ok());
  ASSERT_TRUE(client_->Delete(PodsResource(), "ml", "a").ok());
  json marked = client_->Get(PodsResource(), "ml", "a").value();
  ASSERT_TRUE(marked["metadata"].contains("deletionTimestamp"));
  json cleared = marked;
  cleared["metadata"].erase("deletionTimestamp");  // the server keeps it anyway
  json kept = client_->Update(PodsResource(), cleared).value();
  EXPECT_EQ(kept["metadata"]["deletionTimestamp"], marked["metadata"]["deletionTimestamp"]);
  ASSERT_TRUE(client_->Patch(PodsResource(), "ml", "a", {{"metadata", {{"finalizers", nullptr}}}}).ok());
  EXPECT_TRUE(absl::IsNotFound(client_->Get(PodsResource(), "ml", "a").status()));
}

TEST_F(FakeApiServerTest, ListsBySelectorNamespaceAndPage) {
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE(client_->Create(PodsResource(), "ml", Pod(name, "ml", {{"app", name}})).ok());
  }
  ASSERT_TRUE(client_->Create(PodsResource(), "other", Pod("d", "other")).ok());
  EXPECT_THAT(Names(client_->List(PodsResource(), "ml").value().items), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Names(client_->List(PodsResource(), "").value().items), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(Names(client_->List(PodsResource(), "ml", {.label_selector = "app!=b"}).value().items),
              ElementsAre("a", "c"));
  EXPECT_THAT(
      Names(client_->List(PodsResource(), "", {.field_selector = "metadata.namespace=other"}).value().items),
      ElementsAre("d"));
  ObjectList page = client_->ListPage(PodsResource(), "ml", {.limit = 2}).value();
  EXPECT_THAT(Names(page.items), ElementsAre("a", "b"));
  api_.ExpireContinueTokens();
  absl::Status expired =
      client_->ListPage(PodsResource(), "ml", {.continue_token = page.continue_token}).status();
  EXPECT_TRUE(IsGoneOrExpired(expired)) << expired;
  EXPECT_EQ(client_->List(PodsResource(), "ml", {.label_selector = "x in (a)"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(FakeApiServerTest, ClusterScopedResourcesDryRunAndUnknownResources) {
  json node = {{"metadata", {{"name", "n1"}}}};
  ASSERT_TRUE(client_->Create(NodesResource(), "", node).ok());
  EXPECT_TRUE(client_->Get(NodesResource(), "", "n1").ok());
  ASSERT_TRUE(client_->Create(PodsResource(), "ml", Pod("dry"), {.dry_run = true}).ok());
  EXPECT_FALSE(api_.Get(PodsResource(), "ml", "dry").has_value());
  EXPECT_EQ(client_->Create(PodsResource(), "", Pod("no-ns", "")).status().code(),
            absl::StatusCode::kUnimplemented);
  ResourceDescriptor widgets{"example.com", "v1", "widgets", "Widget", true};
  EXPECT_TRUE(absl::IsNotFound(client_->List(widgets, "ml").status()));
  api_.AddResource(widgets);
  EXPECT_TRUE(client_->List(widgets, "ml").ok());
}

TEST_F(FakeApiServerTest, TypedClientsWorkUnchanged) {
  TypedClient<PostTrainingJob> jobs(client_.get());
  absl::StatusOr<PostTrainingJob> job = ObjectCodec<PostTrainingJob>::Decode(MinimalJobJson());
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(jobs.Create(*job).ok());
  absl::StatusOr<PostTrainingJob> read = jobs.Get("default", "minimal");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->metadata.generation, 1);
  EXPECT_EQ(jobs.List("default").value().items.size(), 1u);
}

TEST_F(FakeApiServerTest, SeedingAndReadingBypassActionsAndNameMissingFields) {
  ASSERT_TRUE(api_.Create(PodsResource(), Pod("a")).ok());
  json with_status = Pod("a");
  with_status["status"] = {{"phase", "Running"}};
  json upserted = api_.Upsert(PodsResource(), with_status).value();
  EXPECT_EQ(upserted["status"]["phase"], "Running");
  EXPECT_EQ((*api_.Get(PodsResource(), "ml", "a"))["status"]["phase"], "Running");
  EXPECT_THAT(Names(api_.List(PodsResource())), ElementsAre("a"));
  EXPECT_EQ(api_.List(PodsResource())[0]["kind"], "Pod");
  EXPECT_THAT(api_.Create(PodsResource(), Pod("b", "")).status().message(),
              HasSubstr("metadata.namespace is required"));
  EXPECT_THAT(api_.Upsert(PodsResource(), {{"metadata", json::object()}}).status().message(),
              HasSubstr("metadata.name is required"));
  ASSERT_TRUE(api_.Delete(PodsResource(), "ml", "a").ok());
  EXPECT_TRUE(absl::IsNotFound(api_.Delete(PodsResource(), "ml", "a")));
  EXPECT_THAT(api_.Actions(), IsEmpty());
}

TEST_F(FakeApiServerTest, ClientsOutliveTheServer) {
  auto api = std::make_unique<FakeApiServer>();
  std::unique_ptr<RestClient> client = api->NewClient();
  api.reset();
  EXPECT_EQ(client->Get(PodsResource(), "ml", "a").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace flyover::kube::testing
