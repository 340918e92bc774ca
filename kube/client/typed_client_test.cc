// TypedClient against the scripted API server: what only a script can set up (an object
// the server stores but the typed codec refuses). The behaviour cases are in the protocol
// suites (testing/typed_protocol_suite.cc).
#include "kube/client/typed_client.h"

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_testing.h"
#include "kube/client/testing/scripted_api_server.h"

namespace flyover::kube {
namespace {

using ::testing::HasSubstr;
using testing::ScriptedApiServer;

class TypedClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddResource(PostTrainingJobsResource());
    ASSERT_TRUE(server_.Start().ok());
    auto client = NewRestClient(RestConfig{.server = server_.url()},
                                RestClientOptions{.rate_limit = {.qps = 0}, .clock = &clock_});
    ASSERT_TRUE(client.ok()) << client.status();
    rest_ = *std::move(client);
    absl::StatusOr<PostTrainingJob> job =
        ObjectCodec<PostTrainingJob>::Decode(testing::MinimalJobJson());
    ASSERT_TRUE(job.ok()) << job.status();
    job_ = *job;
  }

  FakeClock clock_;
  ScriptedApiServer server_;
  std::unique_ptr<RestClient> rest_;
  PostTrainingJob job_;
};

TEST_F(TypedClientTest, CreatePostsToTheGroupVersionPath) {
  TypedClient<PostTrainingJob> jobs(rest_.get());
  ASSERT_TRUE(jobs.Create(job_).ok());
  EXPECT_EQ(server_.requests().back().path,
            "/apis/training.flyover.dev/v1alpha1/namespaces/default/posttrainingjobs");
}

TEST_F(TypedClientTest, AnObjectThatDoesNotDecodeNamesTheField) {
  nlohmann::json bad = testing::MinimalJobJson();
  bad["spec"]["replicas"] = "two";
  server_.Upsert(PostTrainingJobsResource(), bad);
  TypedClient<PostTrainingJob> jobs(rest_.get());
  absl::Status status = jobs.Get("default", "minimal").status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("spec.replicas"));
}

}  // namespace
}  // namespace flyover::kube
