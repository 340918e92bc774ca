#include "operator/pod_expectations.h"

#include "gtest/gtest.h"

namespace flyover::op {
namespace {

using nlohmann::json;

const absl::Time kCreatedAt = absl::FromUnixSeconds(1795000000);

json Pod(const std::string& name, const std::string& uid, bool being_deleted = false) {
  json pod = {{"metadata", {{"namespace", "ns"}, {"name", name}, {"uid", uid}}}};
  if (being_deleted) pod["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z";
  return pod;
}

TEST(PodExpectationsTest, ACreationIsPendingUntilThePodIsListedOrObserved) {
  PodExpectations expect;
  expect.ExpectCreations("ns.job", {"ns/a", "ns/b"}, kCreatedAt);
  EXPECT_FALSE(expect.Satisfied("ns.job", {}, kCreatedAt));
  EXPECT_FALSE(expect.Satisfied("ns.job", {Pod("a", "1")}, kCreatedAt));
  expect.ObserveAdd(PodMarkOf(Pod("b", "2")));
  EXPECT_TRUE(expect.Satisfied("ns.job", {}, kCreatedAt));
}

TEST(PodExpectationsTest, APodCreatedAndDeletedBeforeAnyListCountsAsSeen) {
  PodExpectations expect;
  expect.ExpectCreations("ns.job", {"ns/a"}, kCreatedAt);
  expect.ObserveDelete(PodMarkOf(Pod("a", "1")));
  EXPECT_TRUE(expect.Satisfied("ns.job", {}, kCreatedAt));
}

TEST(PodExpectationsTest, AGracefulDeletionIsSatisfiedByADeletionTimestamp) {
  PodExpectations expect;
  expect.ExpectDeletions("ns.job", {"1", "2"}, /*until_gone=*/false, kCreatedAt);
  EXPECT_FALSE(expect.Satisfied("ns.job", {Pod("a", "1"), Pod("b", "2")}, kCreatedAt));
  expect.ObserveUpdate(PodMarkOf(Pod("a", "1", /*being_deleted=*/true)));
  EXPECT_FALSE(expect.Satisfied("ns.job", {Pod("b", "2")}, kCreatedAt));
  EXPECT_TRUE(expect.Satisfied("ns.job", {Pod("b", "2", /*being_deleted=*/true)}, kCreatedAt));
}

TEST(PodExpectationsTest, ADeletedPodMissingFromTheListIsGone) {
  PodExpectations expect;
  expect.ExpectDeletions("ns.job", {"1"}, /*until_gone=*/true, kCreatedAt);
  EXPECT_FALSE(expect.Satisfied("ns.job", {Pod("a", "1", true)}, kCreatedAt));
  EXPECT_TRUE(expect.Satisfied("ns.job", {Pod("b", "2")}, kCreatedAt));
}

TEST(PodExpectationsTest, AForcedDeletionWaitsForThePodToGo) {
  PodExpectations expect;
  expect.ExpectDeletions("ns.job", {"1"}, /*until_gone=*/true, kCreatedAt);
  expect.ObserveUpdate(PodMarkOf(Pod("a", "1", /*being_deleted=*/true)));
  EXPECT_FALSE(expect.Satisfied("ns.job", {Pod("a", "1", true)}, kCreatedAt));
  expect.ObserveDelete(PodMarkOf(Pod("a", "1", true)));
  EXPECT_TRUE(expect.Satisfied("ns.job", {}, kCreatedAt));
}

TEST(PodExpectationsTest, ExpectationsExpireAfterTheTtl) {
  PodExpectations expect(absl::Seconds(30));
  expect.ExpectCreations("ns.job", {"ns/a"}, kCreatedAt);
  EXPECT_FALSE(expect.Satisfied("ns.job", {}, kCreatedAt + absl::Seconds(29)));
  EXPECT_TRUE(expect.Satisfied("ns.job", {}, kCreatedAt + absl::Seconds(30)));
}

TEST(PodExpectationsTest, JobsAreIndependentAndForgetDropsOnlyOne) {
  PodExpectations expect;
  expect.ExpectCreations("ns.one", {"ns/a"}, kCreatedAt);
  expect.ExpectCreations("ns.two", {"ns/b"}, kCreatedAt);
  EXPECT_TRUE(expect.Satisfied("ns.three", {}, kCreatedAt));
  expect.Forget("ns.one");
  EXPECT_TRUE(expect.Satisfied("ns.one", {}, kCreatedAt));
  EXPECT_FALSE(expect.Satisfied("ns.two", {}, kCreatedAt));
}

}  // namespace
}  // namespace flyover::op
