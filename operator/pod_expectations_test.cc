#include "operator/pod_expectations.h"

#include "gtest/gtest.h"

namespace flyover::op {
namespace {

using nlohmann::json;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

json Pod(const std::string& name, const std::string& uid, bool being_deleted = false) {
  json pod = {{"metadata", {{"namespace", "ns"}, {"name", name}, {"uid", uid}}}};
  if (being_deleted) pod["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z";
  return pod;
}

TEST(PodExpectationsTest, ACreationIsPendingUntilThePodIsListedOrObserved) {
  PodExpectations expect;
  expect.ExpectCreations("ns.job", {"ns/a", "ns/b"}, kNow);
  EXPECT_FALSE(expect.Satisfied("ns.job", {}, kNow));
  EXPECT_FALSE(expect.Satisfied("ns.job", {Pod("a", "1")}, kNow));
  expect.ObserveAdd(Pod("b", "2"));
  EXPECT_TRUE(expect.Satisfied("ns.job", {}, kNow));
}

TEST(PodExpectationsTest, APodCreatedAndDeletedBeforeAnyListCountsAsSeen) {
  PodExpectations expect;
  expect.ExpectCreations("ns.job", {"ns/a"}, kNow);
  expect.ObserveDelete(Pod("a", "1"));
  EXPECT_TRUE(expect.Satisfied("ns.job", {}, kNow));
}

TEST(PodExpectationsTest, AGracefulDeletionIsSatisfiedByADeletionTimestamp) {
  PodExpectations expect;
  expect.ExpectDeletions("ns.job", {"1", "2"}, /*until_gone=*/false, kNow);
  EXPECT_FALSE(expect.Satisfied("ns.job", {Pod("a", "1"), Pod("b", "2")}, kNow));
  expect.ObserveUpdate(Pod("a", "1", /*being_deleted=*/true));
  EXPECT_FALSE(expect.Satisfied("ns.job", {Pod("b", "2")}, kNow));
  EXPECT_TRUE(expect.Satisfied("ns.job", {Pod("b", "2", /*being_deleted=*/true)}, kNow));
}

TEST(PodExpectationsTest, ADeletedPodMissingFromTheListIsGone) {
  PodExpectations expect;
  expect.ExpectDeletions("ns.job", {"1"}, /*until_gone=*/true, kNow);
  EXPECT_FALSE(expect.Satisfied("ns.job", {Pod("a", "1", true)}, kNow));
  EXPECT_TRUE(expect.Satisfied("ns.job", {Pod("b", "2")}, kNow));
}

TEST(PodExpectationsTest, AForcedDeletionWaitsForThePodToGo) {
  PodExpectations expect;
  expect.ExpectDeletions("ns.job", {"1"}, /*until_gone=*/true, kNow);
  expect.ObserveUpdate(Pod("a", "1", /*being_deleted=*/true));
  EXPECT_FALSE(expect.Satisfied("ns.job", {Pod("a", "1", true)}, kNow));
  expect.ObserveDelete(Pod("a", "1", true));
  EXPECT_TRUE(expect.Satisfied("ns.job", {}, kNow));
}

TEST(PodExpectationsTest, ExpectationsExpireAfterTheTtl) {
  PodExpectations expect(absl::Seconds(30));
  expect.ExpectCreations("ns.job", {"ns/a"}, kNow);
  EXPECT_FALSE(expect.Satisfied("ns.job", {}, kNow + absl::Seconds(29)));
  EXPECT_TRUE(expect.Satisfied("ns.job", {}, kNow + absl::Seconds(30)));
}

TEST(PodExpectationsTest, JobsAreIndependentAndForgetDropsOnlyOne) {
  PodExpectations expect;
  expect.ExpectCreations("ns.one", {"ns/a"}, kNow);
  expect.ExpectCreations("ns.two", {"ns/b"}, kNow);
  EXPECT_TRUE(expect.Satisfied("ns.three", {}, kNow));
  expect.Forget("ns.one");
  EXPECT_TRUE(expect.Satisfied("ns.one", {}, kNow));
  EXPECT_FALSE(expect.Satisfied("ns.two", {}, kNow));
}

}  // namespace
}  // namespace flyover::op
