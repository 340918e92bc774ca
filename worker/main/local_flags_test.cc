#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/main/commands.h"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;

TEST(LocalFlagsTest, ParsesBothFlagForms) {
  absl::StatusOr<LocalFlags> flags =
      ParseLocalFlags({"--ranks", "4", "--ranks-per-pod=2", "--config", "c.yaml",
                       "--work-dir=/w", "--kill-rank", "3", "--kill-at-step=17"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->ranks, 4);
  EXPECT_EQ(flags->ranks_per_pod, 2);
  EXPECT_EQ(flags->config, "c.yaml");
  EXPECT_EQ(flags->work_dir, "/w");
  EXPECT_EQ(flags->kill_rank, 3);
  EXPECT_EQ(flags->kill_at_step, 17);
  EXPECT_EQ(flags->job, "local");
}

TEST(LocalFlagsTest, RanksPerPodDefaultsToOnePod) {
  absl::StatusOr<LocalFlags> flags = ParseLocalFlags({"--ranks=3", "--config=c"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->ranks_per_pod, 3);
}

TEST(LocalFlagsTest, ErrorsNameTheFlag) {
  EXPECT_THAT(ParseLocalFlags({"--config=c"}).status().message(), HasSubstr("--ranks: required"));
  EXPECT_THAT(ParseLocalFlags({"--ranks=4"}).status().message(), HasSubstr("--config: required"));
  EXPECT_THAT(ParseLocalFlags({"--ranks=4", "--config=c", "--ranks-per-pod=3"}).status().message(),
              HasSubstr("--ranks-per-pod: 3 must divide --ranks (4)"));
  EXPECT_THAT(ParseLocalFlags({"--ranks=x"}).status().message(),
              HasSubstr("--ranks: must be an integer"));
  EXPECT_THAT(ParseLocalFlags({"--ranks=2", "--config=c", "--kill-rank=1"}).status().message(),
              HasSubstr("--kill-at-step: give it with --kill-rank or --kill-pod"));
  EXPECT_THAT(ParseLocalFlags({"--ranks=4", "--ranks-per-pod=2", "--config=c", "--kill-pod=2",
                               "--kill-at-step=1"}).status().message(),
              HasSubstr("--kill-pod: 2 is not a pod of 2"));
  EXPECT_THAT(ParseLocalFlags({"--ranks=4", "--config=c", "--kill-pod=0", "--kill-rank=1",
                               "--kill-at-step=1"}).status().message(),
              HasSubstr("give one of them"));
  absl::StatusOr<LocalFlags> pod = ParseLocalFlags(
      {"--ranks=4", "--ranks-per-pod=2", "--config=c", "--kill-pod=1", "--kill-at-step=9"});
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->kill_pod, 1);
  EXPECT_THAT(ParseLocalFlags({"--ranks=2", "--config=c", "--kill-rank=2", "--kill-at-step=1"})
                  .status().message(),
              HasSubstr("--kill-rank: 2 is not a rank of 2"));
  EXPECT_THAT(ParseLocalFlags({"--bogus=1"}).status().message(), HasSubstr("--bogus: unknown flag"));
  EXPECT_THAT(ParseLocalFlags({"--ranks"}).status().message(), HasSubstr("--ranks: needs a value"));
  EXPECT_THAT(ParseLocalFlags({"stray"}).status().message(), HasSubstr("unexpected argument"));
}

}  // namespace
}  // namespace flyover::worker
