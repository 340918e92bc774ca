#include "kube/cache/testing/fake_informer.h"

#include <memory>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/objects.h"
#include "kube/cache/testing/recording_handler.h"

namespace flyover::kube {
namespace {

using ::testing::ElementsAre;

TEST(FakeInformerTest, ChangesReachTheStoreAndHandlers) {
  FakeClock clock;
  FakeInformer pods(&clock, {.resource = "pods"});
  auto handler = std::make_shared<RecordingHandler>();
  pods.informer().AddEventHandler(handler);
  ASSERT_TRUE(pods.Start().ok());
  ASSERT_TRUE(pods.Create(MakeObject({.namespace_ = "ns", .name = "a"})).ok());
  EXPECT_NE(pods.informer().store().Get("ns/a"), nullptr);
  ASSERT_TRUE(pods.Delete("ns/a").ok());
  EXPECT_EQ(pods.informer().store().Get("ns/a"), nullptr);
  EXPECT_EQ(pods.Update(MakeObject({.namespace_ = "ns", .name = "a"})).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(pods.WaitForHandlers());
  EXPECT_THAT(handler->Strings(), ElementsAre("add ns/a@101", "delete ns/a@102"));
}

TEST(FakeInformerTest, RecoversFromServerFaults) {
  FakeClock clock;
  FakeInformer pods(&clock);
  ASSERT_TRUE(pods.Start().ok());
  pods.server().EndWatches(absl::UnavailableError("reset"));
  ASSERT_TRUE(pods.server().Create(MakeObject({.namespace_ = "ns", .name = "a"})).ok());
  pods.server().Compact();  // the informer's resume point is gone: it must relist
  ASSERT_TRUE(pods.Settle());
  EXPECT_EQ(pods.informer().store().size(), 1);
  EXPECT_EQ(pods.server().CountCalls(FakeListerWatcher::Call::Kind::kList), 2);
}

}  // namespace
}  // namespace flyover::kube
