#include "worker/checkpoint/manifest.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "worker/checkpoint/commit_protocol.h"
#include "worker/checkpoint/layout.h"
#include "worker/checkpoint/test_util.h"

namespace flyover::worker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Manifest SampleManifest() {
  Manifest m{.step = 200, .world_size = 3, .num_elements = 10, .lr_schedule_step = 7};
  m.shards = {{0, ShardFileName(0, 3), 100, 0xdeadbeef, {0, 4}},
              {1, ShardFileName(1, 3), 90, 17, {4, 7}},
              {2, ShardFileName(2, 3), 90, 4294967295u, {7, 10}}};
  return m;
}

// `manifest`'s JSON after `edit`, with the checksum recomputed so only `edit` is wrong.
std::string EditedAndResealed(const Manifest& manifest,
                              const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(EncodeManifest(manifest));
  j.erase("checksum");
  edit(j);
  j["checksum"] = Crc32(0, j.dump());
  return j.dump();
}

TEST(ManifestTest, RoundTrips) {
  const Manifest m = SampleManifest();
  absl::StatusOr<Manifest> parsed = ParseManifest(EncodeManifest(m), "p");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, m);
}

TEST(ManifestTest, NotJsonIsDataLoss) {
  absl::StatusOr<Manifest> parsed = ParseManifest("{\"step\": 2", "dir/MANIFEST.json");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(parsed.status().message(), HasSubstr("dir/MANIFEST.json: "));
}

TEST(ManifestTest, AChangedDigitFailsTheChecksum) {
  std::string text = EncodeManifest(SampleManifest());
  const size_t at = text.find("200");
  ASSERT_NE(at, std::string::npos);
  text[at] = '3';
  absl::StatusOr<Manifest> parsed = ParseManifest(text, "p");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(parsed.status().message(), HasSubstr("checksum mismatch"));
}

TEST(ManifestTest, UnknownVersionIsInvalidArgument) {
  const std::string text =
      EditedAndResealed(SampleManifest(), [](nlohmann::json& j) { j["version"] = 2; });
  absl::StatusOr<Manifest> parsed = ParseManifest(text, "p");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("manifest version 2"));
}

TEST(ManifestTest, MissingFieldIsDataLoss) {
  const std::string text =
      EditedAndResealed(SampleManifest(), [](nlohmann::json& j) { j.erase("world_size"); });
  EXPECT_EQ(ParseManifest(text, "p").status().code(), absl::StatusCode::kDataLoss);
}

TEST(ManifestTest, RangesMustTile) {
  Manifest gap = SampleManifest();
  gap.shards[1].range = {5, 7};
  EXPECT_THAT(ValidateManifest(gap, "p").message(), HasSubstr("gap or overlap at element 4"));
  Manifest overlap = SampleManifest();
  overlap.shards[1].range = {3, 7};
  EXPECT_EQ(ValidateManifest(overlap, "p").code(), absl::StatusCode::kDataLoss);
  Manifest short_end = SampleManifest();
  short_end.num_elements = 11;
  EXPECT_THAT(ValidateManifest(short_end, "p").message(), HasSubstr("end at 10, expected 11"));
  Manifest empty_ranges = SampleManifest();
  empty_ranges.shards[1].range = {4, 4};
  empty_ranges.shards[2].range = {4, 10};
  EXPECT_TRUE(ValidateManifest(empty_ranges, "p").ok());
}

TEST(ManifestTest, ShardsMustBeInRankOrderWithPlainNames) {
  Manifest swapped = SampleManifest();
  std::swap(swapped.shards[0], swapped.shards[1]);
  EXPECT_THAT(ValidateManifest(swapped, "p").message(), HasSubstr("shard 0 names rank 1"));
  Manifest escape = SampleManifest();
  escape.shards[2].file = "../step-1/shard";
  EXPECT_THAT(ValidateManifest(escape, "p").message(), HasSubstr("bad file name"));
  Manifest missing = SampleManifest();
  missing.shards.pop_back();
  EXPECT_THAT(ValidateManifest(missing, "p").message(), HasSubstr("world size 3 with 2 shards"));
}

TEST(LayoutTest, StepDirNamesAreCanonical) {
  EXPECT_EQ(StepDirName(123), "step-000000000123");
  EXPECT_EQ(ParseStepDirName("step-000000000123"), 123u);
  EXPECT_EQ(ParseStepDirName(StepDirName(1234567890123456ULL)), 1234567890123456ULL);
  EXPECT_EQ(ParseStepDirName("step-123"), std::nullopt);
  EXPECT_EQ(ParseStepDirName("step-00000000012a"), std::nullopt);
  EXPECT_EQ(ParseStepDirName("step-"), std::nullopt);
  EXPECT_EQ(ParseStepDirName("MANIFEST.json"), std::nullopt);
  EXPECT_EQ(ShardFileName(3, 4), "shard-00003-of-00004.bin");
}

class ListStepDirsTest : public testing::CheckpointTest {};

TEST_F(ListStepDirsTest, ListsStepDirectoriesAscending) {
  SubDir(StepDirName(20));
  SubDir(StepDirName(3));
  SubDir("step-7");
  SubDir("other");
  absl::StatusOr<std::vector<uint64_t>> steps = ListStepDirs(base_, root_);
  ASSERT_TRUE(steps.ok()) << steps.status();
  EXPECT_THAT(*steps, ElementsAre(3, 20));
  absl::StatusOr<std::vector<uint64_t>> none = ListStepDirs(base_, root_ + "/missing");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(PhaseReportTest, RoundTrips) {
  const PhaseReport ok{.status = absl::OkStatus(), .shard = SampleManifest().shards[2]};
  absl::StatusOr<PhaseReport> decoded = DecodePhaseReport(EncodePhaseReport(ok));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(decoded->status.ok());
  EXPECT_EQ(decoded->shard, ok.shard);

  const PhaseReport failed{.status = absl::ResourceExhaustedError("disk \"full\"")};
  decoded = DecodePhaseReport(EncodePhaseReport(failed));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->status, failed.status);
  EXPECT_FALSE(decoded->shard.has_value());
  EXPECT_FALSE(DecodePhaseReport("nonsense").ok());
}

}  // namespace
}  // namespace flyover::worker
