// Protocol suite, REST verbs: RestClient's writes and reads of single objects against any
// ApiBackend (protocol_suite.h). Lists are in list_protocol_suite.cc.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/api_status.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/protocol_suite.h"

namespace flyover::kube::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_P(ApiProtocolTest, CreateGetListDelete) {
  CreateNamespace("other");
  json created = CreatePod(TestPod("a"));
  EXPECT_FALSE(Rv(created).empty());
  EXPECT_FALSE(created["metadata"].value("uid", "").empty());
  CreatePod(TestPod("b"));
  json last = CreatePod(TestPod("c", "other"));

  absl::StatusOr<json> got = client_->Get(PodsResource(), "default", "a");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)["metadata"]["uid"], created["metadata"]["uid"]);

  absl::StatusOr<ObjectList> in_default = client_->List(PodsResource(), "default");
  ASSERT_TRUE(in_default.ok()) << in_default.status();
  EXPECT_THAT(Names(in_default->items), ElementsAre("a", "b"));
  EXPECT_EQ(in_default->items[0]["kind"], "Pod");
  EXPECT_EQ(in_default->resource_version, Rv(last));  // nothing was written since
  absl::StatusOr<ObjectList> everywhere = client_->List(PodsResource(), "");
  ASSERT_TRUE(everywhere.ok()) << everywhere.status();
  EXPECT_THAT(Names(everywhere->items), ElementsAre("a", "b", "c"));

  // "a" is not bound to a node, so it goes at once (no graceful termination).
  ASSERT_TRUE(client_->Delete(PodsResource(), "default", "a").ok());
  absl::Status gone = client_->Get(PodsResource(), "default", "a").status();
  EXPECT_TRUE(absl::IsNotFound(gone)) << gone;
  EXPECT_THAT(gone.message(), HasSubstr("pods \"a\" not found"));
  ASSERT_TRUE(GetApiStatus(gone).has_value());
  EXPECT_EQ(GetApiStatus(gone)->reason, "NotFound");
  EXPECT_TRUE(absl::IsNotFound(client_->Delete(PodsResource(), "default", "a")));
  EXPECT_EQ(Metric("flyover_rest_client_requests_total",
                   {{"verb", "get"}, {"resource", "pods"}, {"code", "404"}}),
            1);
  EXPECT_EQ(Metric("flyover_rest_client_requests_total",
                   {{"verb", "create"}, {"resource", "pods"}, {"code", "201"}}),
            3);
}

TEST_P(ApiProtocolTest, AlreadyExistsAndConflictAreDistinct) {
  CreatePod(TestPod("a"));
  absl::Status exists = client_->Create(PodsResource(), "default", TestPod("a")).status();
  EXPECT_TRUE(absl::IsAlreadyExists(exists)) << exists;
  EXPECT_FALSE(IsConflict(exists));

  json current = *client_->Get(PodsResource(), "default", "a");
  json stale = current;
  current["metadata"]["labels"]["v"] = "1";
  absl::StatusOr<json> updated = client_->Update(PodsResource(), current);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_NE(Rv(*updated), Rv(stale));
  stale["metadata"]["labels"]["v"] = "2";
  absl::Status conflict = client_->Update(PodsResource(), stale).status();
  EXPECT_TRUE(absl::IsAborted(conflict)) << conflict;
  EXPECT_TRUE(IsConflict(conflict));
  ASSERT_TRUE(GetApiStatus(conflict).has_value());
  EXPECT_EQ(GetApiStatus(conflict)->code, 409);
  EXPECT_EQ((*client_->Get(PodsResource(), "default", "a"))["metadata"]["labels"]["v"], "1");
}

TEST_P(ApiProtocolTest, StatusSubresourceWritesOnlyStatus) {
  json pod = CreatePod(TestPod("a"));
  pod["status"] = {{"phase", "Running"}};
  pod["spec"]["nodeName"] = "ignored";
  absl::StatusOr<json> updated = client_->UpdateStatus(PodsResource(), pod);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ((*updated)["status"]["phase"], "Running");
  EXPECT_FALSE((*updated)["spec"].contains("nodeName"));

  absl::StatusOr<json> patched =
      client_->Patch(PodsResource(), "default", "a", {{"status", {{"phase", "Succeeded"}}}},
                     PatchOptions{.subresource = "status"});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["status"]["phase"], "Succeeded");
  // A main-resource write keeps the status.
  json main = *patched;
  main["status"] = {{"phase", "Failed"}};
  absl::StatusOr<json> main_written = client_->Update(PodsResource(), main);
  ASSERT_TRUE(main_written.ok()) << main_written.status();
  EXPECT_EQ((*main_written)["status"]["phase"], "Succeeded");
}

TEST_P(ApiProtocolTest, MergePatchAndDryRun) {
  CreatePod(TestPod("a", "default", {{"x", "1"}}));
  absl::StatusOr<json> patched = client_->Patch(
      PodsResource(), "default", "a", {{"metadata", {{"labels", {{"x", nullptr}, {"y", "2"}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["metadata"]["labels"], json({{"y", "2"}}));

  absl::StatusOr<json> dry =
      client_->Create(PodsResource(), "default", TestPod("b"), WriteOptions{.dry_run = true});
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ((*dry)["metadata"]["name"], "b");
  EXPECT_TRUE(absl::IsNotFound(client_->Get(PodsResource(), "default", "b").status()));
  absl::StatusOr<json> dry_patch =
      client_->Patch(PodsResource(), "default", "a", {{"metadata", {{"labels", {{"z", "3"}}}}}},
                     PatchOptions{.dry_run = true});
  ASSERT_TRUE(dry_patch.ok()) << dry_patch.status();
  EXPECT_EQ((*dry_patch)["metadata"]["labels"]["z"], "3");
  ASSERT_TRUE(client_->Delete(PodsResource(), "default", "a", DeleteOptions{.dry_run = true}).ok());
  absl::StatusOr<json> still = client_->Get(PodsResource(), "default", "a");
  ASSERT_TRUE(still.ok()) << still.status();
  EXPECT_EQ((*still)["metadata"]["labels"], json({{"y", "2"}}));
  EXPECT_EQ(Rv(*still), Rv(*patched));
}

TEST_P(ApiProtocolTest, ServerSideApplyWithFieldManagersAndForce) {
  if (!backend().capabilities().apply_field_ownership) {
    GTEST_SKIP() << "backend lacks capability apply_field_ownership";
  }
  json config = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "cm"}, {"namespace", "default"}}},
                 {"data", {{"replicas", "2"}}}};
  const ResourceDescriptor& configmaps = ConfigMapsResource();
  EXPECT_TRUE(absl::IsInvalidArgument(client_->Apply(configmaps, config, ApplyOptions{}).status()));

  absl::StatusOr<json> first = client_->Apply(configmaps, config, {.field_manager = "alice"});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)["data"]["replicas"], "2");
  // The owner may change its own field.
  config["data"]["replicas"] = "3";
  ASSERT_TRUE(client_->Apply(configmaps, config, {.field_manager = "alice"}).ok());

  config["data"]["replicas"] = "4";
  absl::Status conflict = client_->Apply(configmaps, config, {.field_manager = "bob"}).status();
  EXPECT_TRUE(IsConflict(conflict)) << conflict;
  EXPECT_THAT(conflict.message(), HasSubstr("conflict with \"alice\""));
  EXPECT_THAT(conflict.message(), HasSubstr(".data.replicas"));
  EXPECT_EQ((*client_->Get(configmaps, "default", "cm"))["data"]["replicas"], "3");

  absl::StatusOr<json> forced =
      client_->Apply(configmaps, config, {.field_manager = "bob", .force = true});
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ((*forced)["data"]["replicas"], "4");
  // Ownership moved: now alice conflicts with bob.
  config["data"]["replicas"] = "5";
  absl::Status back = client_->Apply(configmaps, config, {.field_manager = "alice"}).status();
  EXPECT_TRUE(IsConflict(back)) << back;
  EXPECT_THAT(back.message(), HasSubstr("conflict with \"bob\""));
}

TEST_P(ApiProtocolTest, ServerSideApplyCreatesAndMergesDisjointFields) {
  json config = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "cm"}, {"namespace", "default"}}},
                 {"data", {{"a", "1"}}}};
  ASSERT_TRUE(client_->Apply(ConfigMapsResource(), config, {.field_manager = "alice"}).ok());
  json other = config;
  other["data"] = {{"b", "2"}};
  absl::StatusOr<json> merged = client_->Apply(ConfigMapsResource(), other, {.field_manager = "bob"});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ((*merged)["data"], json({{"a", "1"}, {"b", "2"}}));
}

TEST_P(ApiProtocolTest, BindAssignsThePodOnce) {
  CreatePod(TestPod("a"));
  ASSERT_TRUE(client_->Bind("default", "a", "node-1").ok());
  EXPECT_EQ((*client_->Get(PodsResource(), "default", "a"))["spec"]["nodeName"], "node-1");
  absl::Status again = client_->Bind("default", "a", "node-2");
  EXPECT_TRUE(IsConflict(again)) << again;
  EXPECT_EQ((*client_->Get(PodsResource(), "default", "a"))["spec"]["nodeName"], "node-1");
  absl::Status missing = client_->Bind("default", "missing", "node-1");
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
}

TEST_P(ApiProtocolTest, BindCopiesTheBindingsAnnotationsOntoThePod) {
  json pod = TestPod("a");
  pod["metadata"]["annotations"] = {{"keep", "1"}, {"rank", "old"}};
  CreatePod(pod);
  const std::string uid = (*client_->Get(PodsResource(), "default", "a"))["metadata"].value(
      "uid", "");
  absl::Status wrong_uid = client_->Bind("default", "a", "node-1", {.uid = uid + "-other"});
  EXPECT_TRUE(IsConflict(wrong_uid)) << wrong_uid;
  ASSERT_TRUE(client_->Bind("default", "a", "node-1",
                            {.annotations = {{"rank", "3"}, {"dies", "Ascend910-0"}}, .uid = uid})
                  .ok());
  json bound = *client_->Get(PodsResource(), "default", "a");
  EXPECT_EQ(bound["spec"]["nodeName"], "node-1");
  EXPECT_EQ(bound["metadata"]["annotations"],
            json({{"keep", "1"}, {"rank", "3"}, {"dies", "Ascend910-0"}}));
}

}  // namespace
}  // namespace flyover::kube::testing
