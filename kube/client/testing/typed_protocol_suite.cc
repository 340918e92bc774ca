// Protocol suite, typed half: TypedClient<PostTrainingJob> against any ApiBackend.
#include <stop_token>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_testing.h"
#include "kube/client/object_codec.h"
#include "kube/client/testing/protocol_suite.h"
#include "kube/client/typed_client.h"

namespace flyover::kube::testing {
namespace {

PostTrainingJob MinimalJob() {
  absl::StatusOr<PostTrainingJob> job = ObjectCodec<PostTrainingJob>::Decode(MinimalJobJson());
  EXPECT_TRUE(job.ok()) << job.status();
  return job.ok() ? *job : PostTrainingJob{};
}

TEST_P(ApiProtocolTest, TypedClientCreatesGetsUpdatesStatusListsAndDeletes) {
  TypedClient<PostTrainingJob> jobs(client_.get());
  const PostTrainingJob job = MinimalJob();
  absl::StatusOr<PostTrainingJob> created = jobs.Create(job);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->metadata.uid.empty());
  EXPECT_FALSE(created->metadata.resource_version.empty());
  EXPECT_EQ(created->spec, job.spec);

  absl::StatusOr<PostTrainingJob> got = jobs.Get("default", "minimal");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, *created);

  PostTrainingJob running = *got;
  running.status.phase = JobPhase::kRunning;
  running.spec.replicas = 4;  // ignored by the status subresource
  absl::StatusOr<PostTrainingJob> updated = jobs.UpdateStatus(running);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->status.phase, JobPhase::kRunning);
  EXPECT_EQ(updated->spec.replicas, job.spec.replicas);

  absl::StatusOr<TypedList<PostTrainingJob>> list = jobs.List("default");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].status.phase, JobPhase::kRunning);
  EXPECT_EQ(list->resource_version, updated->metadata.resource_version);

  EXPECT_TRUE(jobs.Delete("default", "minimal").ok());
  absl::Status gone = jobs.Get("default", "minimal").status();
  EXPECT_TRUE(absl::IsNotFound(gone)) << gone;
}

TEST_P(ApiProtocolTest, TypedWatchDecodesEventsAndPassesBookmarks) {
  TypedClient<PostTrainingJob> jobs(client_.get());
  ASSERT_TRUE(jobs.Create(MinimalJob()).ok());
  std::stop_source stop;
  std::vector<TypedWatchEvent<PostTrainingJob>> events;
  absl::Status status = jobs.Watch(
      "default", {.resource_version = "0"},
      [&](TypedWatchEvent<PostTrainingJob> event) {
        events.push_back(std::move(event));
        if (events.size() == 1) backend().RequestBookmark();
        if (events.size() == 2) stop.request_stop();
        return absl::OkStatus();
      },
      stop.get_token());
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, WatchStreamEventType::kAdded);
  EXPECT_EQ(events[0].object.metadata.name, "minimal");
  EXPECT_EQ(events[0].object.spec.replicas, 2);
  EXPECT_EQ(events[1].type, WatchStreamEventType::kBookmark);
  EXPECT_GE(RvNumber(events[1].resource_version), RvNumber(events[0].resource_version));
}

}  // namespace
}  // namespace flyover::kube::testing
