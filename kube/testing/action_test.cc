// Actions: what the fake records, how matchers select them, and the failures and reactors
// that answer matching requests.
#include "kube/testing/action.h"

#include <memory>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/api_status.h"
#include "kube/testing/fake_api_server.h"

namespace flyover::kube::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

json ActionPod(const std::string& name, const std::string& ns = "ml") {
  return {{"metadata", {{"name", name}, {"namespace", ns}}}, {"spec", json::object()}};
}

TEST(ActionTest, ToStringNamesVerbResourceAndTarget) {
  EXPECT_EQ((Action{.verb = "create", .resource = "pods", .namespace_ = "ml", .name = "a"}).ToString(),
            "create pods ml/a");
  EXPECT_EQ((Action{.verb = "update", .resource = "pods", .subresource = "status", .namespace_ = "ml",
                    .name = "a"})
                .ToString(),
            "update pods/status ml/a");
  EXPECT_EQ((Action{.verb = "delete", .resource = "nodes", .name = "n1"}).ToString(), "delete nodes n1");
  EXPECT_EQ((Action{.verb = "list", .resource = "pods", .namespace_ = "ml"}).ToString(), "list pods ml");
  EXPECT_EQ((Action{.verb = "watch", .resource = "pods"}).ToString(), "watch pods");
}

TEST(ActionTest, MatchersSelectByEveryFieldAndWrites) {
  const Action status{.verb = "update", .resource = "pods", .subresource = "status",
                      .namespace_ = "ml", .name = "a"};
  EXPECT_TRUE(ActionMatcher{}.Matches(status));
  EXPECT_TRUE((ActionMatcher{.verb = "write"}).Matches(status));
  EXPECT_FALSE((ActionMatcher{.verb = "write"}).Matches(Action{.verb = "get"}));
  EXPECT_TRUE((ActionMatcher{.resource = "pods", .subresource = "status"}).Matches(status));
  EXPECT_FALSE((ActionMatcher{.resource = "pods", .subresource = ""}).Matches(status));
  EXPECT_FALSE((ActionMatcher{.namespace_ = "other"}).Matches(status));
  EXPECT_FALSE((ActionMatcher{.name = "b"}).Matches(status));
}

class FakeApiActionsTest : public ::testing::Test {
 protected:
  FakeApiServer api_;
  std::unique_ptr<RestClient> client_ = api_.NewClient();
};

TEST_F(FakeApiActionsTest, RecordsEveryRequestInOrder) {
  ASSERT_TRUE(client_->Create(PodsResource(), "ml", ActionPod("a")).ok());
  json pod = client_->Get(PodsResource(), "ml", "a").value();
  ASSERT_TRUE(client_->UpdateStatus(PodsResource(), pod).ok());
  ASSERT_TRUE(client_->Patch(PodsResource(), "ml", "a", {{"metadata", {{"labels", {{"x", "1"}}}}}}).ok());
  ASSERT_TRUE(client_->Bind("ml", "a", "n1").ok());
  ASSERT_TRUE(client_->List(NodesResource(), "").ok());
  EXPECT_TRUE(absl::IsNotFound(client_->Delete(PodsResource(), "ml", "zz")));
  EXPECT_THAT(api_.ActionStrings(),
              ElementsAre("create pods ml/a", "get pods ml/a", "update pods/status ml/a",
                          "patch pods ml/a", "create pods/binding ml/a", "list nodes",
                          "delete pods ml/zz"));
  EXPECT_THAT(api_.ActionStrings({.verb = "write", .subresource = ""}),
              ElementsAre("create pods ml/a", "patch pods ml/a", "delete pods ml/zz"));
  const Action patch = api_.Actions({.verb = "patch"}).at(0);
  EXPECT_EQ(patch.patch_type, "merge");
  EXPECT_EQ(patch.body["metadata"]["labels"]["x"], "1");
  api_.ClearActions();
  EXPECT_TRUE(api_.Actions().empty());
}

TEST_F(FakeApiActionsTest, FailNextAnswersTheNextMatchingRequestsOnly) {
  api_.FailNext({.verb = "create", .resource = "pods"}, 500, 2);
  EXPECT_EQ(client_->Create(PodsResource(), "ml", ActionPod("a")).status().code(),
            absl::StatusCode::kUnavailable);
  ASSERT_TRUE(client_->Create(ConfigMapsResource(), "ml", ActionPod("cm")).ok());  // not matched
  EXPECT_EQ(client_->Create(PodsResource(), "ml", ActionPod("a")).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE(api_.Get(PodsResource(), "ml", "a").has_value());
  ASSERT_TRUE(client_->Create(PodsResource(), "ml", ActionPod("a")).ok());  // used up
  EXPECT_EQ(api_.Actions({.verb = "create", .resource = "pods"}).size(), 3u);  // failed ones too
}

TEST_F(FakeApiActionsTest, InjectsConflictsReasonsAndTransportErrors) {
  ASSERT_TRUE(client_->Create(PodsResource(), "ml", ActionPod("a")).ok());
  json pod = *api_.Get(PodsResource(), "ml", "a");
  api_.FailNext({.verb = "update", .name = "a"}, 409);
  EXPECT_TRUE(IsConflict(client_->Update(PodsResource(), pod).status()));
  api_.FailNextWith({.verb = "create"}, StatusResponse(409, "AlreadyExists"));
  EXPECT_TRUE(absl::IsAlreadyExists(client_->Create(PodsResource(), "ml", ActionPod("b")).status()));
  api_.FailNextWithError({.resource = "pods"}, absl::UnavailableError("connection refused"));
  absl::Status refused = client_->Get(PodsResource(), "ml", "a").status();
  EXPECT_TRUE(absl::IsUnavailable(refused));
  EXPECT_THAT(refused.message(), ::testing::HasSubstr("connection refused"));
  api_.FailNext({.verb = "list"}, 410);
  EXPECT_TRUE(IsGoneOrExpired(client_->ListPage(PodsResource(), "ml").status()));
  EXPECT_TRUE(client_->Update(PodsResource(), pod).ok());  // nothing left injected
}

TEST_F(FakeApiActionsTest, ReactorsAnswerOrLetThrough) {
  ASSERT_TRUE(api_.Create(PodsResource(), ActionPod("real")).ok());
  api_.AddReactor({.verb = "get", .resource = "pods"}, [this](const Action& action)
                                                           -> std::optional<InjectedResponse> {
    if (action.name != "canned") return std::nullopt;
    // Reactors run without the server's lock: they may read it.
    json answer = *api_.Get(PodsResource(), "ml", "real");
    answer["metadata"]["name"] = "canned";
    return InjectedResponse{.code = 200, .body = answer};
  });
  EXPECT_EQ(client_->Get(PodsResource(), "ml", "canned").value()["metadata"]["name"], "canned");
  EXPECT_TRUE(client_->Get(PodsResource(), "ml", "real").ok());
  api_.ClearReactors();
  EXPECT_TRUE(absl::IsNotFound(client_->Get(PodsResource(), "ml", "canned").status()));
}

TEST_F(FakeApiActionsTest, WaitForActionsSeesRequestsFromOtherThreads) {
  std::thread writer([this] { (void)client_->Create(PodsResource(), "ml", ActionPod("a")); });
  EXPECT_TRUE(api_.WaitForActions({.verb = "create"}, 1));
  writer.join();
  EXPECT_FALSE(api_.WaitForActions({.verb = "delete"}, 1, absl::Milliseconds(1)));
}

}  // namespace
}  // namespace flyover::kube::testing
