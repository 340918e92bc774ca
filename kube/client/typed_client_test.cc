#include "kube/client/typed_client.h"

#include <stop_token>
#include <thread>

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

TEST_F(TypedClientTest, CreateGetUpdateStatusList) {
  TypedClient<PostTrainingJob> jobs(rest_.get());
  absl::StatusOr<PostTrainingJob> created = jobs.Create(job_);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->metadata.uid.empty());
  EXPECT_FALSE(created->metadata.resource_version.empty());
  EXPECT_EQ(created->spec, job_.spec);
  EXPECT_EQ(server_.requests().back().path,
            "/apis/training.flyover.dev/v1alpha1/namespaces/default/posttrainingjobs");

  absl::StatusOr<PostTrainingJob> got = jobs.Get("default", "minimal");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, *created);

  PostTrainingJob running = *got;
  running.status.phase = JobPhase::kRunning;
  running.spec.replicas = 99;  // ignored by the status subresource
  absl::StatusOr<PostTrainingJob> updated = jobs.UpdateStatus(running);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->status.phase, JobPhase::kRunning);
  EXPECT_EQ(updated->spec.replicas, job_.spec.replicas);

  absl::StatusOr<TypedList<PostTrainingJob>> list = jobs.List("default");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].status.phase, JobPhase::kRunning);
  EXPECT_EQ(list->resource_version, updated->metadata.resource_version);

  EXPECT_TRUE(jobs.Delete("default", "minimal").ok());
  EXPECT_TRUE(absl::IsNotFound(jobs.Get("default", "minimal").status()));
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

TEST_F(TypedClientTest, WatchDecodesEventsAndPassesBookmarks) {
  TypedClient<PostTrainingJob> jobs(rest_.get());
  ASSERT_TRUE(jobs.Create(job_).ok());
  std::stop_source stop;
  std::vector<TypedWatchEvent<PostTrainingJob>> events;
  absl::Status status = jobs.Watch(
      "default", {.resource_version = "0"},
      [&](TypedWatchEvent<PostTrainingJob> event) {
        events.push_back(std::move(event));
        if (events.size() == 1) server_.SendBookmark();
        if (events.size() == 2) stop.request_stop();
        return absl::OkStatus();
      },
      stop.get_token());
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, WatchStreamEventType::kAdded);
  EXPECT_EQ(events[0].object.metadata.name, "minimal");
  EXPECT_EQ(events[1].type, WatchStreamEventType::kBookmark);
  EXPECT_FALSE(events[1].resource_version.empty());
}

}  // namespace
}  // namespace flyover::kube
