#include "kube/controller/event_correlator.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1767225600);

KubeEvent Event(absl::string_view reason, absl::string_view message, absl::Time at,
                absl::string_view object = "job-a", int64_t nanos = 0) {
  ObjectReference ref{.api_version = "training.flyover.dev/v1alpha1",
                      .kind = "PostTrainingJob",
                      .namespace_ = "research",
                      .name = std::string(object),
                      .uid = absl::StrCat("uid-", object)};
  return MakeEvent(ref, EventType::kNormal, reason, message, {"flyover-operator", "node-1"}, at,
                   nanos == 0 ? absl::ToUnixNanos(at) : nanos);
}

TEST(EventCorrelatorTest, IdenticalEventsBecomeCountPatchesOfTheFirst) {
  EventCorrelator correlator;
  EventCorrelator::Result first = correlator.Correlate(Event("Started", "go", kT0));
  EXPECT_FALSE(first.skip);
  EXPECT_FALSE(first.patch.has_value());
  EXPECT_EQ(first.event.count, 1);
  const std::string name = first.event.name;

  EventCorrelator::Result second =
      correlator.Correlate(Event("Started", "go", kT0 + absl::Seconds(30)));
  ASSERT_TRUE(second.patch.has_value());
  EXPECT_EQ(second.event.name, name);
  EXPECT_EQ(second.event.count, 2);
  EXPECT_EQ(second.event.first_timestamp, kT0);
  EXPECT_EQ(second.event.last_timestamp, kT0 + absl::Seconds(30));
  EXPECT_EQ(*second.patch, (nlohmann::json{{"count", 2},
                                           {"lastTimestamp", "2026-01-01T00:00:30Z"},
                                           {"message", "go"}}));

  EventCorrelator::Result third = correlator.Correlate(Event("Started", "go", kT0));
  EXPECT_EQ(third.event.count, 3);
}

TEST(EventCorrelatorTest, DifferentMessagesAreDifferentEvents) {
  EventCorrelator correlator;
  EXPECT_FALSE(correlator.Correlate(Event("Started", "a", kT0)).patch.has_value());
  EXPECT_FALSE(correlator.Correlate(Event("Started", "b", kT0)).patch.has_value());
  EXPECT_FALSE(correlator.Correlate(Event("Started", "a", kT0, "job-b")).patch.has_value());
}

TEST(EventCorrelatorTest, SpamFilterAllowsTheBurstThenOneEveryFiveMinutes) {
  EventCorrelator correlator;
  for (int i = 0; i < 25; ++i) {
    EXPECT_FALSE(correlator.Correlate(Event("Fault", absl::StrCat("rank ", i), kT0)).skip) << i;
  }
  EXPECT_TRUE(correlator.Correlate(Event("Fault", "rank 25", kT0)).skip);
  EXPECT_TRUE(correlator.Correlate(Event("Fault", "rank 26", kT0 + absl::Seconds(299))).skip);
  EXPECT_FALSE(correlator.Correlate(Event("Fault", "rank 27", kT0 + absl::Seconds(300))).skip);
  EXPECT_TRUE(correlator.Correlate(Event("Fault", "rank 28", kT0 + absl::Seconds(300))).skip);
  // Buckets are per object and reason.
  EXPECT_FALSE(correlator.Correlate(Event("Other", "x", kT0 + absl::Seconds(300))).skip);
  EXPECT_FALSE(
      correlator.Correlate(Event("Fault", "x", kT0 + absl::Seconds(300), "job-b")).skip);
}

TEST(EventCorrelatorTest, FilteredEventsDoNotCount) {
  EventCorrelator correlator({.spam_burst = 1, .spam_qps = 1.0 / 300});
  EXPECT_FALSE(correlator.Correlate(Event("Fault", "same", kT0)).skip);
  EXPECT_TRUE(correlator.Correlate(Event("Fault", "same", kT0)).skip);
  EventCorrelator::Result later =
      correlator.Correlate(Event("Fault", "same", kT0 + absl::Minutes(5)));
  EXPECT_FALSE(later.skip);
  EXPECT_EQ(later.event.count, 2);
}

TEST(EventCorrelatorTest, UpdateStateAdoptsTheStoredName) {
  EventCorrelator correlator;
  KubeEvent written = correlator.Correlate(Event("Started", "go", kT0)).event;
  written.name = "renamed";
  written.resource_version = "77";
  correlator.UpdateState(written);
  EventCorrelator::Result again = correlator.Correlate(Event("Started", "go", kT0));
  EXPECT_EQ(again.event.name, "renamed");
  EXPECT_EQ(again.event.resource_version, "77");
}

TEST(EventCorrelatorTest, CachesForgetTheLeastRecentlyUsed) {
  EventCorrelator correlator({.cache_size = 2});
  ASSERT_FALSE(correlator.Correlate(Event("A", "m", kT0)).patch.has_value());
  ASSERT_FALSE(correlator.Correlate(Event("B", "m", kT0)).patch.has_value());
  ASSERT_TRUE(correlator.Correlate(Event("A", "m", kT0)).patch.has_value());  // A is recent
  ASSERT_FALSE(correlator.Correlate(Event("C", "m", kT0)).patch.has_value());  // evicts B
  EXPECT_TRUE(correlator.Correlate(Event("A", "m", kT0)).patch.has_value());
  EXPECT_FALSE(correlator.Correlate(Event("B", "m", kT0)).patch.has_value());
}

TEST(EventTest, MakeEventNamesAndPlacesTheEventLikeClientGo) {
  KubeEvent event = Event("Started", "go", kT0, "job-a", 0x1234abcd);
  EXPECT_EQ(event.name, "job-a.1234abcd");
  EXPECT_EQ(event.namespace_, "research");
  nlohmann::json json = event.ToJson();
  EXPECT_EQ(json["involvedObject"]["kind"], "PostTrainingJob");
  EXPECT_EQ(json["involvedObject"]["uid"], "uid-job-a");
  EXPECT_EQ(json["source"]["component"], "flyover-operator");
  EXPECT_EQ(json["source"]["host"], "node-1");
  EXPECT_EQ(json["type"], "Normal");
  EXPECT_EQ(json["firstTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(json["count"], 1);

  ObjectReference node{.api_version = "v1", .kind = "Node", .name = "n1"};
  EXPECT_EQ(MakeEvent(node, EventType::kWarning, "R", "m", {}, kT0, 1).namespace_, "default");
}

TEST(EventTest, MessagesAreCutWithoutSplittingCharacters) {
  std::string message(1023, 'x');
  message += "\xC3\xA9";  // 'é' straddles the 1024-byte limit
  KubeEvent event = MakeEvent({.kind = "Pod", .name = "p"}, EventType::kNormal, "R", message, {},
                              kT0, 1);
  EXPECT_EQ(event.message, std::string(1023, 'x'));
}

TEST(EventTest, ReferenceToReadsTheObjectAndRequiresKindAndName) {
  nlohmann::json pod = {{"apiVersion", "v1"}, {"kind", "Pod"},
                        {"metadata", {{"name", "w-0"}, {"namespace", "ns"}, {"uid", "u"},
                                      {"resourceVersion", "9"}}}};
  absl::StatusOr<ObjectReference> ref = ReferenceTo(pod);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(*ref, (ObjectReference{.api_version = "v1", .kind = "Pod", .namespace_ = "ns",
                                   .name = "w-0", .uid = "u", .resource_version = "9"}));
  absl::StatusOr<PackedJson> packed = PackedJson::Pack(pod);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(ReferenceTo(packed->view()).value(), *ref);

  pod.erase("kind");
  EXPECT_THAT(ReferenceTo(pod).status().message(), ::testing::HasSubstr("kind"));
}

}  // namespace
}  // namespace flyover::kube
