#include "common/topology.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::topology {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int kMaskCount = 1 << kDiesPerNode;  // 65,536 possible free sets

DieSet Mask(int mask) { return DieSet::FromMask(static_cast<uint16_t>(mask)); }

// Independent of DieSet's bit tricks: a die is "half" if it is free and its sibling is not.
bool SiblingFree(int mask, int die) { return ((mask >> (die ^ 1)) & 1) != 0; }
bool IsFree(int mask, int die) { return ((mask >> die) & 1) != 0; }

// True if `mask` never holds one die of a chip without the other.
bool IsWholeChips(int mask) {
  for (int chip = 0; chip < kChipsPerNode; ++chip) {
    const int bits = (mask >> (2 * chip)) & 3;
    if (bits == 1 || bits == 2) return false;
  }
  return true;
}

int PopCount(int mask) {
  int n = 0;
  for (int die = 0; die < kDiesPerNode; ++die) n += IsFree(mask, die) ? 1 : 0;
  return n;
}

std::vector<int> Ids(int mask) {
  std::vector<int> ids;
  for (int die = 0; die < kDiesPerNode; ++die) {
    if (IsFree(mask, die)) ids.push_back(die);
  }
  return ids;
}

// ---- Ids and constants --------------------------------------------------------------------

TEST(DieIdTest, ChipsPairAdjacentDies) {
  for (int die = 0; die < kDiesPerNode; ++die) {
    EXPECT_EQ(ChipOfDie(die), die / 2);
    EXPECT_EQ(ChipOfDie(SiblingDie(die)), ChipOfDie(die));
    EXPECT_NE(SiblingDie(die), die);
    EXPECT_TRUE(IsValidDieId(die));
  }
  EXPECT_EQ(SiblingDie(0), 1);
  EXPECT_EQ(SiblingDie(7), 6);
  EXPECT_FALSE(IsValidDieId(-1));
  EXPECT_FALSE(IsValidDieId(16));
  static_assert(kDiesPerNode == 16 && kChipsPerNode == 8 && kDiesPerChip == 2);
}

TEST(ConstantsTest, MatchMindClusterNames) {
  EXPECT_EQ(kResourceName, "huawei.com/Ascend910");
  EXPECT_EQ(kDeviceNamePrefix, "Ascend910-");
  EXPECT_EQ(kLabelAccelerator, "accelerator");
  EXPECT_EQ(kAcceleratorAscend910, "huawei-Ascend910");
  EXPECT_EQ(kLabelAcceleratorType, "accelerator-type");
  EXPECT_EQ(kAcceleratorTypeA3SuperPod, "module-a3-16-super-pod");
  EXPECT_EQ(kLabelChipName, "node.kubernetes.io/npu.chip.name");
  EXPECT_EQ(kChipName910C, "910C");
  EXPECT_EQ(kLabelSuperPodId, "huawei.com/topotree.superpodid");
  EXPECT_EQ(kLabelRackId, "huawei.com/topotree.rackid");
  EXPECT_EQ(kLabelServerId, "huawei.com/topotree.serverid");
  EXPECT_EQ(kAnnotationDevices, "huawei.com/Ascend910");
  EXPECT_EQ(kAnnotationRankIndex, "hccl/rankIndex");
  EXPECT_EQ(kDefaultSuperPodNodes, 48);
  EXPECT_EQ(kDefaultSpareNodes, 2);
  EXPECT_EQ(kHbmBytesPerDie, int64_t{64} * 1024 * 1024 * 1024);
}

// ---- DieSet -------------------------------------------------------------------------------

TEST(DieSetTest, BuildsAndQueries) {
  DieSet set = DieSet::Of({3, 0, 3});
  EXPECT_EQ(set.Count(), 2);
  EXPECT_EQ(set.mask(), 0b1001);
  EXPECT_TRUE(set.Contains(0));
  EXPECT_TRUE(set.Contains(3));
  EXPECT_FALSE(set.Contains(1));
  EXPECT_FALSE(set.Contains(-1));
  EXPECT_FALSE(set.Contains(16));
  set.Insert(15);
  set.Erase(0);
  EXPECT_EQ(set, DieSet::Of({3, 15}));
  EXPECT_TRUE(DieSet().empty());
  EXPECT_EQ(DieSet::All().Count(), 16);
  EXPECT_EQ(DieSet::Chip(2), DieSet::Of({4, 5}));
  EXPECT_TRUE(DieSet::Chip(8).empty());
  EXPECT_TRUE(DieSet::Chip(-1).empty());
  EXPECT_TRUE(DieSet::All().ContainsAll(set));
  EXPECT_FALSE(set.ContainsAll(DieSet::All()));
  EXPECT_TRUE(set.ContainsAll(DieSet()));
}

TEST(DieSetTest, OutOfRangeIdsLeaveTheMaskAlone) {
  DieSet set = DieSet::Of({-1, 16, 100, 2});
  EXPECT_EQ(set, DieSet::Of({2}));
  set.Erase(-5);
  set.Erase(40);
  EXPECT_EQ(set, DieSet::Of({2}));
}

TEST(DieSetTest, SetOperations) {
  const DieSet a = DieSet::Of({0, 1, 2});
  const DieSet b = DieSet::Of({2, 3});
  EXPECT_EQ(a | b, DieSet::Of({0, 1, 2, 3}));
  EXPECT_EQ(a & b, DieSet::Of({2}));
  EXPECT_EQ(a - b, DieSet::Of({0, 1}));
  EXPECT_EQ(b - a, DieSet::Of({3}));
}

TEST(DieSetTest, IteratesInIdOrder) {
  EXPECT_THAT(DieSet::Of({9, 0, 15, 4}).ToVector(), ElementsAre(0, 4, 9, 15));
  EXPECT_THAT(DieSet().ToVector(), IsEmpty());
  std::vector<int> seen;
  for (DieId die : DieSet::All()) seen.push_back(die);
  EXPECT_EQ(seen.size(), 16u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  static_assert(std::forward_iterator<DieSet::Iterator>);
  const DieSet set = DieSet::Of({1, 5});
  EXPECT_EQ(std::distance(set.begin(), set.end()), 2);
}

TEST(DieSetTest, IterationMatchesMaskForEveryMask) {
  for (int mask = 0; mask < kMaskCount; ++mask) {
    ASSERT_EQ(Mask(mask).ToVector(), Ids(mask)) << mask;
    ASSERT_EQ(Mask(mask).Count(), PopCount(mask)) << mask;
  }
}

TEST(DieSetTest, WholeAndHalfChipDiesForEveryMask) {
  for (int mask = 0; mask < kMaskCount; ++mask) {
    const DieSet set = Mask(mask);
    const DieSet whole = set.WholeChipDies();
    const DieSet half = set.HalfChipDies();
    ASSERT_EQ(whole | half, set) << mask;
    ASSERT_TRUE((whole & half).empty()) << mask;
    for (int die = 0; die < kDiesPerNode; ++die) {
      const bool free = IsFree(mask, die);
      ASSERT_EQ(whole.Contains(die), free && SiblingFree(mask, die)) << mask << " die " << die;
      ASSERT_EQ(half.Contains(die), free && !SiblingFree(mask, die)) << mask << " die " << die;
    }
  }
}

TEST(DieSetTest, FormatsMindClusterDeviceNames) {
  EXPECT_EQ(DieSet::Of({3, 0}).ToDeviceNames(), "Ascend910-0,Ascend910-3");
  EXPECT_EQ(DieSet::Of({15}).ToDeviceNames(), "Ascend910-15");
  EXPECT_EQ(DieSet().ToDeviceNames(), "");
  EXPECT_EQ(DieSet::Of({3, 0, 10}).ToIdList(), "0,3,10");
  EXPECT_EQ(testing::PrintToString(DieSet::Of({1, 2})), "{1,2}");
  EXPECT_EQ(testing::PrintToString(DieSet()), "{}");
}

TEST(DieSetTest, ParseRoundTripsEveryMask) {
  for (int mask = 0; mask < kMaskCount; ++mask) {
    const std::string names = Mask(mask).ToDeviceNames();
    absl::StatusOr<DieSet> parsed = DieSet::ParseDeviceNames(names);
    ASSERT_TRUE(parsed.ok()) << names << ": " << parsed.status();
    ASSERT_EQ(*parsed, Mask(mask)) << names;
  }
}

TEST(DieSetTest, ParseAcceptsAnyOrder) {
  absl::StatusOr<DieSet> parsed = DieSet::ParseDeviceNames("Ascend910-12,Ascend910-3,Ascend910-0");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, DieSet::Of({0, 3, 12}));
}

struct BadList {
  const char* input;
  const char* message;  // the whole expected message
};

TEST(DieSetTest, ParseRejectsMalformedUnknownAndDuplicateIds) {
  const BadList cases[] = {
      {",", "device list \",\": entry 1 is empty"},
      {"Ascend910-0,", "device list \"Ascend910-0,\": entry 2 is empty"},
      {"Ascend910-0,,Ascend910-1", "device list \"Ascend910-0,,Ascend910-1\": entry 2 is empty"},
      {"Ascend310-1", "device list entry 1 \"Ascend310-1\": want \"Ascend910-<die id>\""},
      {"ascend910-1", "device list entry 1 \"ascend910-1\": want \"Ascend910-<die id>\""},
      {"1", "device list entry 1 \"1\": want \"Ascend910-<die id>\""},
      {" Ascend910-1", "device list entry 1 \" Ascend910-1\": want \"Ascend910-<die id>\""},
      {"Ascend910-0, Ascend910-1",
       "device list entry 2 \" Ascend910-1\": want \"Ascend910-<die id>\""},
      {"Ascend910-", "device list entry 1 \"Ascend910-\": the die id must be digits only, "
                     "without sign or leading zeros"},
      {"Ascend910-x", "device list entry 1 \"Ascend910-x\": the die id must be digits only, "
                      "without sign or leading zeros"},
      {"Ascend910--1", "device list entry 1 \"Ascend910--1\": the die id must be digits only, "
                       "without sign or leading zeros"},
      {"Ascend910-+1", "device list entry 1 \"Ascend910-+1\": the die id must be digits only, "
                       "without sign or leading zeros"},
      {"Ascend910-01", "device list entry 1 \"Ascend910-01\": the die id must be digits only, "
                       "without sign or leading zeros"},
      {"Ascend910-1 ", "device list entry 1 \"Ascend910-1 \": the die id must be digits only, "
                       "without sign or leading zeros"},
      {"Ascend910-16",
       "device list entry 1 \"Ascend910-16\": unknown die id (a 910C node has dies 0..15)"},
      {"Ascend910-0,Ascend910-99999999999999",
       "device list entry 2 \"Ascend910-99999999999999\": unknown die id (a 910C node has "
       "dies 0..15)"},
      {"Ascend910-1,Ascend910-2,Ascend910-1",
       "device list entry 3 \"Ascend910-1\": die 1 is listed twice"},
      {"Ascend910-\n", "device list entry 1 \"Ascend910-\\n\": the die id must be digits only, "
                       "without sign or leading zeros"},
  };
  for (const BadList& bad : cases) {
    absl::StatusOr<DieSet> parsed = DieSet::ParseDeviceNames(bad.input);
    ASSERT_FALSE(parsed.ok()) << bad.input;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad.input;
    EXPECT_EQ(parsed.status().message(), bad.message) << bad.input;
  }
}

TEST(DieSetTest, ParseErrorsQuoteLongInputOnlyInPart) {
  const std::string huge = absl::StrCat("Ascend910-0,", std::string(10000, 'x'));
  absl::StatusOr<DieSet> parsed = DieSet::ParseDeviceNames(huge);
  ASSERT_FALSE(parsed.ok());
  EXPECT_LT(parsed.status().message().size(), 200u);
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("...\""));
}

// ---- ValidateNpuRequest ---------------------------------------------------------------------

TEST(ValidateNpuRequestTest, FollowsThe910CRulesForEveryCount) {
  for (int pods = 1; pods <= 4; ++pods) {
    for (int npus = -2; npus <= 20; ++npus) {
      const bool want_ok = (npus == 1 && pods == 1) || (npus >= 2 && npus <= 16 && npus % 2 == 0);
      const absl::Status status = ValidateNpuRequest(npus, pods);
      EXPECT_EQ(status.ok(), want_ok) << npus << " NPUs x " << pods << " pods: " << status;
      if (!want_ok) {
        EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      }
    }
  }
}

TEST(ValidateNpuRequestTest, MessagesSayWhatIsAllowed) {
  EXPECT_EQ(ValidateNpuRequest(1, 4).message(),
            "1 NPU (huawei.com/Ascend910) per pod is allowed only for a single-pod job, and this "
            "job has 4 pods; request an even number from 2 to 16 (whole 910C chips)");
  EXPECT_EQ(ValidateNpuRequest(3, 2).message(),
            "huawei.com/Ascend910 per pod must be an even number from 2 to 16 (whole 910C chips); "
            "got 3");
  EXPECT_EQ(ValidateNpuRequest(17, 1).message(),
            "huawei.com/Ascend910 per pod must be an even number from 2 to 16 (whole 910C chips), "
            "or 1 for a single-pod job; got 17");
  EXPECT_EQ(ValidateNpuRequest(0, 1).message(),
            "huawei.com/Ascend910 per pod must be an even number from 2 to 16 (whole 910C chips), "
            "or 1 for a single-pod job; got 0");
  EXPECT_EQ(ValidateNpuRequest(2, 0).message(), "a job has at least 1 pod; got 0");
  EXPECT_EQ(ValidateNpuRequest(2, 0).code(), absl::StatusCode::kInvalidArgument);
}

// ---- ChooseDies ---------------------------------------------------------------------------------

TEST(ChooseDiesTest, MultiDieRequestsTakeWholeFreeChipsLowestFirst) {
  EXPECT_EQ(ChooseDies(DieSet::All(), 2), DieSet::Of({0, 1}));
  EXPECT_EQ(ChooseDies(DieSet::All(), 16), DieSet::All());
  EXPECT_EQ(ChooseDies(DieSet::Of({1, 2, 3}), 2), DieSet::Of({2, 3}));
  EXPECT_EQ(ChooseDies(DieSet::Of({0, 1, 3, 4, 5, 6, 7}), 4), DieSet::Of({0, 1, 4, 5}));
  // Four free dies, but no chip wholly free: no choice.
  EXPECT_EQ(ChooseDies(DieSet::Of({0, 2, 4, 6}), 2), std::nullopt);
  EXPECT_EQ(ChooseDies(DieSet::Of({0, 1, 2}), 4), std::nullopt);
}

TEST(ChooseDiesTest, OneDiePrefersTheOtherHalfOfAHalfUsedChip) {
  EXPECT_EQ(ChooseDies(DieSet::Of({0, 1, 3}), 1), DieSet::Of({3}));
  EXPECT_EQ(ChooseDies(DieSet::Of({0, 1, 2, 3, 14}), 1), DieSet::Of({14}));
  EXPECT_EQ(ChooseDies(DieSet::Of({5, 9}), 1), DieSet::Of({5}));
  EXPECT_EQ(ChooseDies(DieSet::Of({0, 1, 2, 3}), 1), DieSet::Of({0}));
  EXPECT_EQ(ChooseDies(DieSet::All(), 1), DieSet::Of({0}));
  EXPECT_EQ(ChooseDies(DieSet(), 1), std::nullopt);
}

TEST(ChooseDiesTest, CountsTheRulesRejectNeverFit) {
  for (int count : {-1, 0, 3, 5, 15, 17, 18, 32}) {
    for (int mask = 0; mask < kMaskCount; ++mask) {
      ASSERT_EQ(ChooseDies(Mask(mask), count), std::nullopt) << count << " from " << mask;
      ASSERT_EQ(NodeFitScore(Mask(mask), count), 0) << count << " from " << mask;
    }
  }
}

// Every valid choice of `count` dies, in "lowest ids first" order (lexicographic on the sorted
// id lists): for count 1 any single die, otherwise unions of count/2 whole chips.
std::vector<int> ValidChoicesInPreferenceOrder(int count) {
  std::vector<int> choices;
  for (int mask = 0; mask < kMaskCount; ++mask) {
    if (PopCount(mask) == count && (count == 1 || IsWholeChips(mask))) choices.push_back(mask);
  }
  std::sort(choices.begin(), choices.end(), [](int a, int b) { return Ids(a) < Ids(b); });
  return choices;
}

bool IsSubset(int part, int whole) { return (part & ~whole) == 0; }

// Checks ChooseDies against a brute-force oracle for every one of the 65,536 free sets.
void CheckAgainstOracle(int count) {
  const std::vector<int> choices = ValidChoicesInPreferenceOrder(count);
  for (int free = 0; free < kMaskCount; ++free) {
    std::optional<int> want;
    std::optional<int> fallback;  // count 1: the first die of a wholly free chip
    for (int choice : choices) {
      if (!IsSubset(choice, free)) continue;
      if (count == 1 && SiblingFree(free, Ids(choice)[0])) {
        if (!fallback.has_value()) fallback = choice;
        continue;  // a half-chip die, if any, outranks it
      }
      want = choice;
      break;
    }
    if (!want.has_value()) want = fallback;
    const std::optional<DieSet> got = ChooseDies(Mask(free), count);
    ASSERT_EQ(got.has_value(), want.has_value()) << count << " from " << Mask(free);
    if (!got.has_value()) continue;
    const int got_mask = got->mask();
    ASSERT_TRUE(IsSubset(got_mask, free)) << "non-free die: " << *got << " from " << Mask(free);
    ASSERT_EQ(got->Count(), count) << *got << " from " << Mask(free);
    if (count % 2 == 0) {
      ASSERT_TRUE(IsWholeChips(got_mask)) << "split chip: " << *got << " from " << Mask(free);
    }
    ASSERT_EQ(got_mask, *want) << count << " from " << Mask(free) << ": got " << *got
                               << ", want " << Mask(*want);
    ASSERT_EQ(ChooseDies(Mask(free), count), got) << "not deterministic";
  }
}

TEST(ChooseDiesTest, MatchesBruteForceForEveryFreeSetOneDie) { CheckAgainstOracle(1); }
TEST(ChooseDiesTest, MatchesBruteForceForEveryFreeSetTwoDies) { CheckAgainstOracle(2); }
TEST(ChooseDiesTest, MatchesBruteForceForEveryFreeSetFourDies) { CheckAgainstOracle(4); }
TEST(ChooseDiesTest, MatchesBruteForceForEveryFreeSetSixToSixteenDies) {
  for (int count = 6; count <= 16; count += 2) CheckAgainstOracle(count);
}

TEST(ChooseDiesTest, NulloptExactlyWhenTooFewWholeChipsForEveryFreeSet) {
  for (int free = 0; free < kMaskCount; ++free) {
    int whole_chips = 0;
    for (int chip = 0; chip < kChipsPerNode; ++chip) {
      whole_chips += ((free >> (2 * chip)) & 3) == 3 ? 1 : 0;
    }
    ASSERT_EQ(ChooseDies(Mask(free), 1).has_value(), free != 0);
    for (int count = 2; count <= 16; count += 2) {
      ASSERT_EQ(ChooseDies(Mask(free), count).has_value(), whole_chips >= count / 2)
          << count << " from " << Mask(free);
    }
  }
}

TEST(ChooseDiesTest, OneDieNeverSplitsAChipWhileAHalfChipIsFree) {
  for (int free = 1; free < kMaskCount; ++free) {
    bool any_half = false;
    for (int die : Ids(free)) any_half = any_half || !SiblingFree(free, die);
    const DieId die = *ChooseDies(Mask(free), 1)->begin();
    ASSERT_EQ(!SiblingFree(free, die), any_half) << "chose " << die << " from " << Mask(free);
  }
}

// ---- NodeFitScore -------------------------------------------------------------------------------

TEST(NodeFitScoreTest, PrefersExactFitThenLessLeftoverThenWholeChipLeftover) {
  // Exact fit scores the maximum.
  EXPECT_EQ(NodeFitScore(DieSet::Of({4, 5}), 2), kMaxNodeFitScore);
  EXPECT_EQ(NodeFitScore(DieSet::Of({7}), 1), kMaxNodeFitScore);
  EXPECT_EQ(NodeFitScore(DieSet::All(), 16), 144);
  // One leftover die beats two.
  EXPECT_GT(NodeFitScore(DieSet::Of({0, 1, 2}), 2), NodeFitScore(DieSet::Of({0, 1, 2, 3}), 2));
  // Same leftover size: a whole leftover chip beats two split halves.
  EXPECT_EQ(NodeFitScore(DieSet::Of({0, 1, 2, 3}), 2), 126);
  EXPECT_EQ(NodeFitScore(DieSet::Of({0, 1, 2, 4}), 2), 124);
  // 1-die: taking a half chip leaves whole chips behind.
  EXPECT_EQ(NodeFitScore(DieSet::Of({0, 1, 3}), 1), 126);
  EXPECT_EQ(NodeFitScore(DieSet::All(), 1), 8);
  EXPECT_EQ(NodeFitScore(DieSet(), 1), 0);
  EXPECT_EQ(NodeFitScore(DieSet::Of({0, 2}), 2), 0);
}

TEST(NodeFitScoreTest, FollowsTheDocumentedFormulaForEveryFreeSet) {
  // (leftover dies, leftover split dies) -> score, over every free set and valid count.
  std::map<std::pair<int, int>, int> score_of;
  for (int free = 0; free < kMaskCount; ++free) {
    for (int count = 1; count <= 16; count += (count == 1 ? 1 : 2)) {
      const int score = NodeFitScore(Mask(free), count);
      const std::optional<DieSet> chosen = ChooseDies(Mask(free), count);
      if (!chosen.has_value()) {
        ASSERT_EQ(score, 0);
        continue;
      }
      const int leftover = free & ~chosen->mask();
      int split = 0;
      for (int die : Ids(leftover)) split += SiblingFree(leftover, die) ? 0 : 1;
      const int left = PopCount(leftover);
      ASSERT_EQ(score, 9 * (16 - left) - split) << count << " from " << Mask(free);
      ASSERT_GE(score, 8);
      ASSERT_LE(score, kMaxNodeFitScore);
      ASSERT_EQ(score == kMaxNodeFitScore, PopCount(free) == count) << Mask(free);
      score_of[{left, split}] = score;
    }
  }
  // Ordered by (leftover, split) ascending, scores fall strictly: leftover size dominates,
  // split chips break ties.
  int previous = kMaxNodeFitScore + 1;
  for (const auto& [key, score] : score_of) {
    EXPECT_LT(score, previous) << "leftover " << key.first << " split " << key.second;
    previous = score;
  }
  EXPECT_EQ(score_of.size(), 37u);  // every reachable (leftover, split) pair
}

// ---- Rank ids -----------------------------------------------------------------------------------

TEST(RankIdTest, IsRankIndexTimesNpusPlusLocalIndex) {
  EXPECT_EQ(*RankId(0, 16, 0), 0);
  EXPECT_EQ(*RankId(0, 16, 15), 15);
  EXPECT_EQ(*RankId(3, 16, 5), 53);
  EXPECT_EQ(*RankId(7, 2, 1), 15);
  EXPECT_EQ(*RankId(0, 1, 0), 0);
}

TEST(RankIdTest, RejectsOutOfRangeInputs) {
  EXPECT_EQ(RankId(-1, 16, 0).status().message(), "rank index -1 is negative");
  EXPECT_EQ(RankId(0, 0, 0).status().message(), "NPUs per pod 0 is outside 1..16");
  EXPECT_EQ(RankId(0, 17, 0).status().message(), "NPUs per pod 17 is outside 1..16");
  EXPECT_EQ(RankId(0, 8, 8).status().message(), "local device index 8 is outside 0..7");
  EXPECT_EQ(RankId(0, 8, -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RankId(2000000000, 16, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*RankId(2147483647 / 16, 16, 15), 2147483647 / 16 * 16 + 15);
}

TEST(RankIdTest, OfDieUsesThePositionInThePodsDieList) {
  const DieSet pod = DieSet::Of({4, 5, 6, 7});
  EXPECT_EQ(*RankIdOfDie(2, pod, 4), 8);
  EXPECT_EQ(*RankIdOfDie(2, pod, 6), 10);
  EXPECT_EQ(*RankIdOfDie(2, pod, 7), 11);
  EXPECT_EQ(*RankIdOfDie(0, DieSet::All(), 15), 15);
  EXPECT_EQ(RankIdOfDie(2, pod, 3).status().message(),
            "die 3 is not among the pod's dies 4,5,6,7");
  EXPECT_EQ(RankIdOfDie(2, pod, 99).status().code(), absl::StatusCode::kInvalidArgument);
  // Every die of a full node, ranks consecutive.
  int expected = 5 * 16;
  for (DieId die : DieSet::All()) EXPECT_EQ(*RankIdOfDie(5, DieSet::All(), die), expected++);
}

TEST(ParseTest, RankIndexIsACanonicalNonNegativeInteger) {
  EXPECT_EQ(*ParseRankIndex("0"), 0);
  EXPECT_EQ(*ParseRankIndex("127"), 127);
  EXPECT_EQ(*ParseRankIndex("2147483647"), 2147483647);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "01", "1a", "2147483648", "1e3"}) {
    absl::StatusOr<int> parsed = ParseRankIndex(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ParseRankIndex("x").status().message(),
            "hccl/rankIndex=\"x\" is not a non-negative integer");
}

TEST(ParseTest, TopologyLabelsNameTheLabel) {
  EXPECT_EQ(*ParseTopologyLabel(kLabelSuperPodId, "3"), 3);
  EXPECT_EQ(ParseTopologyLabel(kLabelRackId, "rack-1").status().message(),
            "label huawei.com/topotree.rackid=\"rack-1\" is not a non-negative integer");
}

// ---- ClusterTopology ----------------------------------------------------------------------------

NodeTopology Node(std::string name, int super_pod, int server = -1) {
  NodeTopology node;
  node.name = std::move(name);
  node.super_pod_id = super_pod;
  node.server_id = server;
  return node;
}

TEST(NodeTopologyTest, DescribesA910CNode) {
  const NodeTopology node;
  EXPECT_EQ(node.dies(), 16);
  EXPECT_EQ(node.chips(), 8);
  EXPECT_EQ(node.AllDies(), DieSet::All());
  EXPECT_EQ(node.hbm_bytes_per_die, kHbmBytesPerDie);
  EXPECT_EQ(node.super_pod_id, -1);
}

TEST(ClusterTopologyTest, GroupsNodesBySuperPod) {
  absl::StatusOr<ClusterTopology> cluster = ClusterTopology::Create(
      {Node("c", 1, 0), Node("b", 0, 1), Node("a", 0, 0), Node("d", 1, 1), Node("e", 7)});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  ASSERT_EQ(cluster->super_pods().size(), 3u);
  EXPECT_EQ(cluster->super_pods()[0].id, 0);
  EXPECT_EQ(cluster->super_pods()[1].id, 1);
  EXPECT_EQ(cluster->super_pods()[2].id, 7);
  std::vector<std::string> names;
  for (size_t index : cluster->super_pods()[0].nodes) names.push_back(cluster->nodes()[index].name);
  EXPECT_THAT(names, ElementsAre("a", "b"));
  ASSERT_NE(cluster->FindNode("d"), nullptr);
  EXPECT_EQ(cluster->FindNode("d")->super_pod_id, 1);
  EXPECT_EQ(cluster->FindNode("d")->server_id, 1);
  EXPECT_EQ(cluster->FindNode("zz"), nullptr);
  EXPECT_EQ(cluster->FindNode(""), nullptr);
  ASSERT_NE(cluster->FindSuperPod(7), nullptr);
  EXPECT_EQ(cluster->FindSuperPod(7)->nodes.size(), 1u);
  EXPECT_EQ(cluster->FindSuperPod(2), nullptr);
  EXPECT_EQ(cluster->options().max_nodes, 48);
  EXPECT_EQ(cluster->options().spare_nodes, 2);

  // Copies stay self-consistent (indices, not pointers).
  const ClusterTopology copy = *cluster;
  EXPECT_EQ(copy.FindNode("a")->server_id, 0);
}

TEST(ClusterTopologyTest, AcceptsAFullSuperPodAndRejectsOneNodeMore) {
  std::vector<NodeTopology> nodes;
  for (int i = 0; i < 48; ++i) nodes.push_back(Node(absl::StrCat("n", i), 0, i));
  EXPECT_TRUE(ClusterTopology::Create(nodes).ok());
  nodes.push_back(Node("n48", 0, 48));
  EXPECT_EQ(ClusterTopology::Create(nodes).status().message(),
            "super-pod 0 has more than 48 nodes");
  EXPECT_TRUE(ClusterTopology::Create(nodes, SuperPodOptions{.max_nodes = 64}).ok());
}

TEST(ClusterTopologyTest, RejectsInconsistentNodes) {
  EXPECT_EQ(ClusterTopology::Create({Node("", 0)}).status().message(), "a node has no name");
  EXPECT_EQ(ClusterTopology::Create({Node("a", -1)}).status().message(),
            "node a has no super-pod id (huawei.com/topotree.superpodid)");
  EXPECT_EQ(ClusterTopology::Create({Node("a", 0), Node("a", 1)}).status().message(),
            "node a is listed twice");
  EXPECT_EQ(ClusterTopology::Create({Node("a", 0, 3), Node("b", 0, 3)}).status().message(),
            "nodes a and b of super-pod 0 share server id 3");
  EXPECT_TRUE(ClusterTopology::Create({Node("a", 0, 3), Node("b", 1, 3)}).ok());
  EXPECT_TRUE(ClusterTopology::Create({Node("a", 0), Node("b", 0)}).ok());
  EXPECT_EQ(ClusterTopology::Create({}, SuperPodOptions{.max_nodes = 4, .spare_nodes = 4})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ClusterTopology::Create({}, SuperPodOptions{.max_nodes = 0}).ok());
  EXPECT_FALSE(ClusterTopology::Create({}, SuperPodOptions{.spare_nodes = -1}).ok());
  EXPECT_TRUE(ClusterTopology::Create({}).ok());
}

// ---- SummarizeCapacity --------------------------------------------------------------------------

TEST(SummarizeCapacityTest, CountsPerSuperPod) {
  const std::vector<NodeCapacityView> view = {
      {.super_pod_id = 3, .free = DieSet::All()},
      {.super_pod_id = 0, .free = DieSet::All()},
      {.super_pod_id = 0, .free = DieSet::All()},
      {.super_pod_id = 0, .free = DieSet::All()},
      {.super_pod_id = 0, .free = DieSet::Of({0, 1, 2})},           // 1 whole chip + 1 half
      {.super_pod_id = 0, .free = DieSet::All(), .schedulable = false},  // cordoned
      {.super_pod_id = 0, .free = DieSet()},
  };
  const CapacitySummary summary = SummarizeCapacity(view);
  ASSERT_EQ(summary.super_pods.size(), 2u);
  const SuperPodCapacity& sp0 = summary.super_pods[0];
  EXPECT_EQ(sp0.super_pod_id, 0);
  EXPECT_EQ(sp0.nodes, 6);
  EXPECT_EQ(sp0.schedulable_nodes, 5);
  EXPECT_EQ(sp0.wholly_free_nodes, 3);
  EXPECT_EQ(sp0.free_dies, 3 * 16 + 3);
  EXPECT_EQ(sp0.free_whole_chips, 3 * 8 + 1);
  EXPECT_EQ(sp0.placeable_free_nodes, 1);
  EXPECT_EQ(sp0.fragmented_free_dies(), 3);
  const SuperPodCapacity& sp3 = summary.super_pods[1];
  EXPECT_EQ(sp3.super_pod_id, 3);
  EXPECT_EQ(sp3.wholly_free_nodes, 1);
  EXPECT_EQ(sp3.placeable_free_nodes, 0);
  EXPECT_EQ(summary.largest_free_block, 3);
  EXPECT_EQ(summary.largest_free_block_super_pod, 0);
  EXPECT_EQ(summary.largest_placeable_block, 1);
  EXPECT_EQ(summary.largest_placeable_block_super_pod, 0);
  EXPECT_EQ(summary.total_free_dies, 4 * 16 + 3);
  EXPECT_EQ(summary.total_wholly_free_nodes, 4);
}

TEST(SummarizeCapacityTest, LargestBlockIsTheBestSuperPod) {
  // Two full super-pods: 40 and 30 wholly free nodes. A 64-node job fits in neither.
  std::vector<NodeCapacityView> view;
  for (int sp = 0; sp < 2; ++sp) {
    for (int i = 0; i < 48; ++i) {
      const bool free = i < (sp == 0 ? 30 : 40);
      view.push_back({.super_pod_id = sp, .free = free ? DieSet::All() : DieSet::Of({0})});
    }
  }
  const CapacitySummary summary = SummarizeCapacity(view);
  EXPECT_EQ(summary.largest_free_block, 40);
  EXPECT_EQ(summary.largest_free_block_super_pod, 1);
  EXPECT_EQ(summary.largest_placeable_block, 38);
  EXPECT_EQ(summary.largest_placeable_block_super_pod, 1);
  EXPECT_EQ(summary.super_pods[0].fragmented_free_dies(), 18);
  EXPECT_EQ(SummarizeCapacity(view, 0).largest_placeable_block, 40);
}

TEST(SummarizeCapacityTest, TiesGoToTheLowestIdAndEmptyViewsHaveNoBlock) {
  const std::vector<NodeCapacityView> view = {
      {.super_pod_id = 5, .free = DieSet::All()},
      {.super_pod_id = 2, .free = DieSet::All()},
  };
  const CapacitySummary summary = SummarizeCapacity(view, /*spare_nodes_per_super_pod=*/-3);
  EXPECT_EQ(summary.largest_free_block, 1);
  EXPECT_EQ(summary.largest_free_block_super_pod, 2);
  EXPECT_EQ(summary.largest_placeable_block, 1);  // negative spares count as 0

  const std::vector<NodeCapacityView> busy = {{.super_pod_id = 4, .free = DieSet::Of({1})}};
  EXPECT_EQ(SummarizeCapacity(busy).largest_free_block, 0);
  EXPECT_EQ(SummarizeCapacity(busy).largest_free_block_super_pod, 4);

  const CapacitySummary empty = SummarizeCapacity({});
  EXPECT_THAT(empty.super_pods, IsEmpty());
  EXPECT_EQ(empty.largest_free_block, 0);
  EXPECT_EQ(empty.largest_free_block_super_pod, -1);
  EXPECT_EQ(empty.largest_placeable_block_super_pod, -1);
  EXPECT_EQ(empty.total_free_dies, 0);
}

}  // namespace
}  // namespace flyover::topology
