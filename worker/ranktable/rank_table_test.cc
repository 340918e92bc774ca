#include "worker/ranktable/rank_table.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kV10[] = R"({
  "status": "completed", "version": "1.0", "server_count": "2",
  "server_list": [
    {"server_id": "pod-b", "host_ip": "10.0.0.2", "container_ip": "10.1.0.2",
     "device": [{"device_id": "4", "device_ip": "10.2.0.5", "rank_id": "3"},
                {"device_id": "5", "device_ip": "10.2.0.6", "rank_id": "2"}]},
    {"server_id": "pod-a", "host_ip": "10.0.0.1", "container_ip": "10.1.0.1",
     "device": [{"device_id": "0", "device_ip": "10.2.0.1", "rank_id": "0"},
                {"device_id": "1", "device_ip": "10.2.0.2", "rank_id": "1"}]}]})";

constexpr char kV12[] = R"({
  "status": "completed", "version": "1.2", "server_count": "1",
  "server_list": [
    {"server_id": "n0", "host_ip": "10.0.0.1", "container_ip": "10.1.0.1",
     "device": [{"device_id": "0", "device_ip": "10.2.0.1", "rank_id": "0",
                 "super_device_id": "7"}]}],
  "super_pod_list": [{"super_pod_id": "sp-1", "server_list": [{"server_id": "n0"}]}]})";

std::string ErrorOf(absl::string_view text) {
  absl::StatusOr<RankTable> table = ParseRankTable(text);
  EXPECT_FALSE(table.ok()) << text;
  EXPECT_TRUE(absl::IsInvalidArgument(table.status())) << table.status();
  return std::string(table.status().message());
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(RankTableTest, ParsesVersion10WithServerOrderAndWorldSize) {
  absl::StatusOr<RankTable> table = ParseRankTable(kV10);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->status, RankTableStatus::kCompleted);
  EXPECT_EQ(table->version, RankTableVersion::kV1_0);
  EXPECT_EQ(table->WorldSize(), 4);
  EXPECT_THAT(table->ServerIds(), ElementsAre("pod-b", "pod-a"));
  EXPECT_EQ(table->servers[0].devices[0].device_id, 4);
  EXPECT_EQ(table->servers[0].devices[0].device_ip, "10.2.0.5");
  EXPECT_EQ(table->servers[0].container_ip, "10.1.0.2");
}

TEST(RankTableTest, ParsesVersion12SuperDevicesAndSuperPods) {
  absl::StatusOr<RankTable> table = ParseRankTable(kV12);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->version, RankTableVersion::kV1_2);
  EXPECT_EQ(table->servers[0].devices[0].super_device_id, 7);
  ASSERT_EQ(table->super_pods.size(), 1u);
  EXPECT_EQ(table->super_pods[0].super_pod_id, "sp-1");
  EXPECT_THAT(table->super_pods[0].server_ids, ElementsAre("n0"));
}

TEST(RankTableTest, InitializingTableMayCarryOnlyItsStatus) {
  absl::StatusOr<RankTable> table = ParseRankTable(R"({"status": "initializing"})");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->status, RankTableStatus::kInitializing);
  EXPECT_EQ(table->WorldSize(), 0);
}

TEST(RankTableTest, SerializeRoundTripsBothVersions) {
  for (const char* text : {kV10, kV12}) {
    absl::StatusOr<RankTable> table = ParseRankTable(text);
    ASSERT_TRUE(table.ok()) << table.status();
    absl::StatusOr<RankTable> again = ParseRankTable(SerializeRankTable(*table));
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(SerializeRankTable(*again), SerializeRankTable(*table));
    EXPECT_EQ(again->ServerIds(), table->ServerIds());
  }
}

TEST(RankTableTest, ErrorsNameTheMissingField) {
  EXPECT_THAT(ErrorOf(Replace(kV10, R"("device_ip": "10.2.0.6", )", "")),
              HasSubstr("server_list[0].device[1].device_ip: required field is missing"));
  EXPECT_THAT(ErrorOf(Replace(kV10, R"("status": "completed", )", "")),
              HasSubstr("status: required field is missing"));
  EXPECT_THAT(ErrorOf(Replace(kV12, R"("super_device_id")", R"("other")")),
              HasSubstr("server_list[0].device[0].super_device_id: required field is missing"));
  EXPECT_THAT(ErrorOf(Replace(kV12, R"("super_pod_list")", R"("other")")),
              HasSubstr("super_pod_list: required field is missing"));
}

TEST(RankTableTest, ErrorsNameTheMistypedField) {
  EXPECT_THAT(ErrorOf(Replace(kV10, R"("rank_id": "3")", R"("rank_id": 3)")),
              HasSubstr("server_list[0].device[0].rank_id: must be a string"));
  EXPECT_THAT(ErrorOf(Replace(kV10, R"("device_id": "4")", R"("device_id": "four")")),
              HasSubstr("server_list[0].device[0].device_id: must be a non-negative integer"));
  EXPECT_THAT(ErrorOf(Replace(kV10, R"("server_count": "2")", R"("server_count": "3")")),
              HasSubstr("server_count: is 3 but server_list has 2 entries"));
  EXPECT_THAT(ErrorOf(Replace(kV10, R"("version": "1.0")", R"("version": "2.0")")),
              HasSubstr("version: must be \"1.0\" or \"1.2\""));
  EXPECT_THAT(ErrorOf(Replace(kV10, R"("completed")", R"("done")")),
              HasSubstr("status: must be \"initializing\" or \"completed\""));
  EXPECT_THAT(ErrorOf("[]"), HasSubstr("<root>: must be an object"));
  EXPECT_THAT(ErrorOf("{"), HasSubstr("not valid JSON"));
}

TEST(RankTableTest, RejectsDuplicateAndOutOfRangeRanksAndUnknownSuperPodServers) {
  EXPECT_THAT(ErrorOf(Replace(kV10, R"("rank_id": "2")", R"("rank_id": "3")")),
              HasSubstr("server_list[0].device[1].rank_id: duplicate rank 3"));
  EXPECT_THAT(ErrorOf(Replace(kV10, R"("rank_id": "2")", R"("rank_id": "9")")),
              HasSubstr("9 is not below the world size 4"));
  EXPECT_THAT(ErrorOf(Replace(kV12, R"([{"server_id": "n0"}])", R"([{"server_id": "n9"}])")),
              HasSubstr("super_pod_list[0].server_list[0].server_id: \"n9\" is not"));
}

TEST(RankTableTest, FindLocalRanksPicksThePodsDevicesInRankOrder) {
  absl::StatusOr<RankTable> table = ParseRankTable(kV10);
  ASSERT_TRUE(table.ok()) << table.status();
  absl::StatusOr<LocalRanks> local = FindLocalRanks(*table, 1, 2);
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_EQ(local->server->server_id, "pod-b");
  ASSERT_EQ(local->devices.size(), 2u);
  EXPECT_EQ(local->devices[0].rank_id, 2);
  EXPECT_EQ(local->devices[0].device_id, 5);
  EXPECT_EQ(local->devices[1].rank_id, 3);
  local = FindLocalRanks(*table, 0, 2);
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_EQ(local->server->server_id, "pod-a");
}

TEST(RankTableTest, PodsOnOneNodeShareAServerIdAndKeepTheirOwnRanks) {
  // The server id is the node's address: two pods on one node repeat it.
  absl::StatusOr<RankTable> table =
      ParseRankTable(Replace(kV10, R"("server_id": "pod-a")", R"("server_id": "pod-b")"));
  ASSERT_TRUE(table.ok()) << table.status();
  absl::StatusOr<LocalRanks> second = FindLocalRanks(*table, 0, 2);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->server, &table->servers[1]);
  EXPECT_EQ(second->devices[0].rank_id, 0);
}

TEST(RankTableTest, FindLocalRanksRejectsMismatchedLayouts) {
  absl::StatusOr<RankTable> table = ParseRankTable(kV10);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(FindLocalRanks(*table, 2, 2).status().message(), HasSubstr("no server holds rank 4"));
  EXPECT_THAT(FindLocalRanks(*table, 0, 4).status().message(), HasSubstr("has 2 devices"));
  EXPECT_THAT(FindLocalRanks(*table, 0, 1).status().message(),
              HasSubstr("must hold exactly ranks 0..0"));
  absl::StatusOr<RankTable> pending = ParseRankTable(R"({"status": "initializing"})");
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(FindLocalRanks(*pending, 0, 1).status()));
}

}  // namespace
}  // namespace flyover::worker
