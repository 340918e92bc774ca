#include "device-plugin/emulated_npu_source.h"

#include "common/fake_clock.h"
#include "device-plugin/fake_npu_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::HasSubstr;

class EmulatedNpuSourceTest : public ::testing::Test {
 protected:
  DieStatus StatusOf(topology::DieId die) { return source_.Statuses()[die]; }

  FakeClock clock_;
  EmulatedNpuSource source_{DefaultNodeDescription(), &clock_};
};

TEST_F(EmulatedNpuSourceTest, StartsHealthy) {
  ASSERT_EQ(source_.Statuses().size(), 16u);
  for (const DieStatus& status : source_.Statuses()) EXPECT_TRUE(status.Healthy());
}

TEST_F(EmulatedNpuSourceTest, FaultsCarryCodeLevelAndScope) {
  const uint64_t before = source_.generation();
  ASSERT_TRUE(source_.InjectFault(4, FaultKind::kHbmEccDoubleBit).ok());
  EXPECT_GT(source_.generation(), before);
  DieStatus die4 = StatusOf(4);
  ASSERT_EQ(die4.faults.size(), 1u);
  EXPECT_EQ(die4.faults[0].code, "80E18402");
  EXPECT_EQ(die4.WorstLevel(), FaultLevel::kRestartNPU);
  EXPECT_FALSE(die4.Healthy());
  EXPECT_TRUE(StatusOf(5).Healthy());  // die scope

  ASSERT_TRUE(source_.InjectFault(6, FaultKind::kChipHang).ok());  // chip scope
  EXPECT_FALSE(StatusOf(6).Healthy());
  EXPECT_FALSE(StatusOf(7).Healthy());

  ASSERT_TRUE(source_.InjectFault(8, FaultKind::kHbmEccSingleBit).ok());
  EXPECT_TRUE(StatusOf(8).Healthy());  // corrected: reported, not out of service
  EXPECT_EQ(StatusOf(8).WorstLevel(), FaultLevel::kNotHandleFault);
  EXPECT_EQ(source_.Telemetry()[8].ecc_single_bit_errors, 1);

  ASSERT_TRUE(source_.InjectFault(10, FaultKind::kLinkDown).ok());
  EXPECT_FALSE(StatusOf(10).NetworkHealthy());
  EXPECT_FALSE(source_.Telemetry()[10].link_up);

  ASSERT_TRUE(source_.InjectFault(12, FaultKind::kOverheat).ok());
  EXPECT_TRUE(StatusOf(13).Healthy());
  EXPECT_EQ(StatusOf(13).WorstLevel(), FaultLevel::kSubHealthFault);
  EXPECT_GT(source_.Telemetry()[13].temperature_celsius, 100);
}

TEST_F(EmulatedNpuSourceTest, UnknownDieIsRefused) {
  absl::Status status = source_.InjectFault(16, FaultKind::kChipHang);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("die: 16"));
  EXPECT_EQ(source_.Recover(-1).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EmulatedNpuSourceTest, RecoverClearsDieAndChipFaults) {
  ASSERT_TRUE(source_.InjectFault(2, FaultKind::kChipHang).ok());
  ASSERT_TRUE(source_.InjectFault(2, FaultKind::kHbmEccDoubleBit).ok());
  ASSERT_TRUE(source_.Recover(2).ok());
  EXPECT_TRUE(StatusOf(2).faults.empty());
  EXPECT_TRUE(StatusOf(3).faults.empty());
}

TEST_F(EmulatedNpuSourceTest, TwoEccFaultsOnAChipWithin24hIsolateIt) {
  ASSERT_TRUE(source_.InjectFault(0, FaultKind::kHbmEccDoubleBit).ok());
  ASSERT_TRUE(source_.Recover(0).ok());
  clock_.Advance(absl::Hours(23));
  ASSERT_TRUE(source_.InjectFault(1, FaultKind::kHbmEccDoubleBit).ok());
  for (topology::DieId die : {0, 1}) {
    EXPECT_TRUE(StatusOf(die).isolated) << die;
    EXPECT_EQ(StatusOf(die).WorstLevel(), FaultLevel::kManuallySeparateNPU) << die;
    EXPECT_FALSE(StatusOf(die).Healthy()) << die;
  }
  absl::Status refused = source_.Recover(0);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("isolated"));
  ASSERT_TRUE(source_.Recover(0, /*clear_isolation=*/true).ok());
  EXPECT_TRUE(StatusOf(0).Healthy());
  // Die 1 keeps its own double-bit fault until it is recovered itself.
  EXPECT_FALSE(StatusOf(1).isolated);
  EXPECT_EQ(StatusOf(1).WorstLevel(), FaultLevel::kRestartNPU);
}

TEST_F(EmulatedNpuSourceTest, EccFaultsMoreThan24hApartDoNotIsolate) {
  ASSERT_TRUE(source_.InjectFault(0, FaultKind::kHbmEccDoubleBit).ok());
  ASSERT_TRUE(source_.Recover(0).ok());
  clock_.Advance(absl::Hours(24) + absl::Seconds(1));
  ASSERT_TRUE(source_.InjectFault(0, FaultKind::kHbmEccDoubleBit).ok());
  EXPECT_FALSE(StatusOf(0).isolated);
  EXPECT_EQ(StatusOf(0).WorstLevel(), FaultLevel::kRestartNPU);
  // Single-bit (corrected) errors never count towards isolation.
  ASSERT_TRUE(source_.InjectFault(2, FaultKind::kHbmEccSingleBit).ok());
  ASSERT_TRUE(source_.InjectFault(2, FaultKind::kHbmEccSingleBit).ok());
  EXPECT_FALSE(StatusOf(2).isolated);
}

TEST_F(EmulatedNpuSourceTest, WaitForChangeReturnsNewGeneration) {
  const uint64_t seen = source_.generation();
  EXPECT_EQ(source_.WaitForChange(seen, absl::Milliseconds(1)), seen);
  ASSERT_TRUE(source_.InjectFault(0, FaultKind::kOverheat).ok());
  EXPECT_NE(source_.WaitForChange(seen, absl::Seconds(1)), seen);
}

TEST(FakeNpuSourceTest, SetHealthyTogglesHealthAndBumpsGeneration) {
  FakeNpuSource source;
  const uint64_t before = source.generation();
  source.SetHealthy(3, false);
  EXPECT_FALSE(source.Statuses()[3].Healthy());
  source.SetHealthy(3, true);
  EXPECT_TRUE(source.Statuses()[3].Healthy());
  EXPECT_EQ(source.generation(), before + 2);
}

TEST(FaultModelTest, ParsesKindsAndNamesLevels) {
  for (const FaultSpec& spec : AllFaultSpecs()) {
    absl::StatusOr<FaultKind> kind = ParseFaultKind(spec.name);
    ASSERT_TRUE(kind.ok());
    EXPECT_EQ(*kind, spec.kind);
    EXPECT_EQ(spec.code.size(), 8u);
  }
  EXPECT_THAT(ParseFaultKind("meltdown").status().message(), HasSubstr("hbm_ecc_double_bit"));
  EXPECT_EQ(FaultLevelName(FaultLevel::kPreSeparateNPU), "PreSeparateNPU");
}

}  // namespace
}  // namespace flyover::deviceplugin
