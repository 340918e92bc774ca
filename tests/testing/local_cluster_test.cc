#include "tests/testing/local_cluster.h"

#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/resource.h"
#include "kube/client/testing/temp_dir.h"
#include "kube/testing/fake_api_server.h"

namespace flyover::local_cluster {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// Writes one container log of the pod directory `pod_dir` (nodesim's <ns>_<pod>_<uid>).
void WriteWorkerLog(const kube::testing::TempDir& dir, const std::string& pod_dir,
                    const std::string& text) {
  const std::string logs = absl::StrCat("nodesim/pods/", pod_dir, "/logs/worker");
  std::filesystem::create_directories(absl::StrCat(dir.path(), "/", logs));
  dir.Write(absl::StrCat(logs, "/0.log"), text);
}

std::string RankExit(int rank, int exit_code, const std::string& loss) {
  return absl::StrCat("level=info msg=\"rank exited\" pod=p rank=", rank, " exit_code=", exit_code,
                      " signal=0 step=300 loss=", loss, "\n");
}

TEST(LocalClusterTest, FinalLossIsRankZerosCleanExitInTheJobsRankZeroPods) {
  kube::testing::TempDir dir;
  EXPECT_EQ(FinalLossOfRankZero(dir.path(), "default", "tiny"), std::nullopt);  // no pods yet
  WriteWorkerLog(dir, "default_tiny-0-g0_u1",
                 RankExit(0, 1, "9.5") + RankExit(1, 0, "8.5") + RankExit(0, 0, "0.25"));
  WriteWorkerLog(dir, "default_tiny-1-g0_u2", RankExit(0, 0, "7.5"));        // rank 1's pod
  WriteWorkerLog(dir, "ml_tiny-0-g0_u3", RankExit(0, 0, "6.5"));             // another namespace
  WriteWorkerLog(dir, "default_tiny-chaos-0-g0_u4", RankExit(0, 0, "5.5"));  // another job
  EXPECT_EQ(FinalLossOfRankZero(dir.path(), "default", "tiny"), "0.25");
  EXPECT_EQ(FinalLossOfRankZero(dir.path(), "ml", "tiny"), "6.5");
  EXPECT_EQ(FinalLossOfRankZero(dir.path(), "default", "other"), std::nullopt);
}

TEST(LocalClusterTest, ComponentLogsShowTheTailOfEachComponent) {
  kube::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/logs");
  dir.Write("logs/nodesim.log", "early nodesim line\nlate nodesim line\n");
  dir.Write("logs/operator.log", "operator line\n");
  LocalCluster cluster({.flyover_binary = "flyover", .data_dir = dir.path(), .log_tail_bytes = 18});
  const std::string logs = cluster.ComponentLogs();
  EXPECT_THAT(logs, HasSubstr("--- nodesim.log (tail)\nlate nodesim line\n"));
  EXPECT_THAT(logs, Not(HasSubstr("early")));
  EXPECT_THAT(logs, HasSubstr("--- scheduler.log (tail)\n\n"));  // missing: empty
  EXPECT_THAT(logs, HasSubstr("--- operator.log (tail)\noperator line\n"));
}

TEST(LocalClusterTest, CommandsCarryTheDataDirAndTheirOutput) {
  kube::testing::TempDir dir;
  // `echo` stands in for the flyover binary: the command line comes back on stdout.
  LocalCluster cluster({.flyover_binary = "echo",
                        .data_dir = dir.path() + "/cluster",
                        .up_timeout = absl::Seconds(120)});
  const CommandRun up = cluster.Up(2, 4);
  EXPECT_EQ(up.code, 0);
  EXPECT_EQ(up.out, absl::StrCat("local up --data-dir ", dir.path(),
                                 "/cluster --super-pods 2 --nodes-per-super-pod 4 --mode process"
                                 " --lease-interval 1s --timeout 120s\n"));
  EXPECT_EQ(cluster.Down().out, absl::StrCat("local down --data-dir ", dir.path(), "/cluster\n"));
  const CommandRun failed = LocalCluster({.flyover_binary = "sh -c 'echo oops >&2; exit 3' --",
                                          .data_dir = dir.path() + "/cluster",
                                          .stderr_file = dir.path() + "/err.txt"})
                                .Flyover("x");
  EXPECT_EQ(failed.code, 3);
  EXPECT_EQ(failed.err, "oops\n");
  EXPECT_EQ(ReadWholeFile(dir.path() + "/err.txt"), "oops\n");
}

TEST(LocalClusterTest, ClientNeedsTheClustersKubeconfig) {
  kube::testing::TempDir dir;
  LocalCluster cluster({.flyover_binary = "flyover", .data_dir = dir.path()});
  EXPECT_FALSE(cluster.Client().ok());
}

TEST(LocalClusterTest, PidsUnderFindsProcessesByWorkingDirectory) {
  kube::testing::TempDir dir;
  EXPECT_TRUE(PidsUnder(dir.path()).empty());
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  EXPECT_THAT(PidsUnder(cwd), ::testing::Contains(getpid()));
}

TEST(LocalClusterTest, WaitForJobReturnsTheFirstObjectThatIsDoneOrTheLastAtTimeout) {
  kube::testing::FakeApiServer api;
  const json job = {{"apiVersion", "training.flyover.dev/v1alpha1"},
                    {"kind", "PostTrainingJob"},
                    {"metadata", {{"name", "tiny"}, {"namespace", "default"}}},
                    {"spec", {{"replicas", 1}}}};
  ASSERT_TRUE(api.Create(kube::PostTrainingJobsResource(), job).ok());
  std::unique_ptr<kube::RestClient> client = api.NewClient();
  const json done = WaitForJob(*client, "default", "tiny", absl::Seconds(5),
                               [](const json& j) { return j["metadata"]["name"] == "tiny"; });
  EXPECT_EQ(done["metadata"]["name"], "tiny");
  const json last = WaitForJob(*client, "default", "tiny", absl::Milliseconds(300),
                               [](const json&) { return false; });
  EXPECT_EQ(last["spec"]["replicas"], 1);
  EXPECT_TRUE(WaitForJob(*client, "default", "absent", absl::Milliseconds(1),
                         [](const json&) { return true; })
                  .is_null());
}

}  // namespace
}  // namespace flyover::local_cluster
