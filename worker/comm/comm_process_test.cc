// Real processes: N copies of comm_rank_helper rendezvous through a FileRendezvousStore in
// a temporary directory and AllReduce over loopback TCP; one of them may die mid-run.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/posix_file_system.h"
#include "gtest/gtest.h"
#include "worker/comm/comm_process_test_data.h"
#include "worker/comm/comm_test_util.h"

extern char** environ;

namespace flyover::worker {
namespace {

constexpr char kHelper[] = FLYOVER_COMM_RANK_HELPER;

pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawn(&pid, kHelper, nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

// The exit code of `pid`, or -1 if it has not exited by `deadline` (it is then killed).
int WaitForExit(pid_t pid, absl::Time deadline) {
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (done < 0) return -1;
    if (absl::Now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    absl::SleepFor(absl::Milliseconds(5));  // polling a child's exit, bounded by deadline
  }
}

struct RankRun {
  int exit_code = -1;
  std::string output;
};

// Runs `size` helper processes of one job and returns each rank's exit code and output.
std::vector<RankRun> RunRanks(int size, size_t elements, int exit_after_barrier_rank) {
  const std::string dir = testing::MakeTempDir();
  std::vector<pid_t> pids;
  for (int r = 0; r < size; ++r) {
    std::vector<std::string> args = {
        kHelper, absl::StrCat("--store_dir=", dir, "/store"), "--job=proc-test",
        "--generation=0", absl::StrCat("--rank=", r), absl::StrCat("--size=", size),
        absl::StrCat("--elements=", elements), absl::StrCat("--output=", dir, "/out", r)};
    if (r == exit_after_barrier_rank) args.push_back("--exit_after_barrier");
    pids.push_back(Spawn(args));
    EXPECT_GT(pids.back(), 0) << "cannot spawn " << kHelper;
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  std::vector<RankRun> runs(size);
  for (int r = 0; r < size; ++r) {
    runs[r].exit_code = pids[r] > 0 ? WaitForExit(pids[r], deadline) : -1;
    runs[r].output =
        DefaultFileSystem()->ReadFile(absl::StrCat(dir, "/out", r)).value_or("<no output>");
  }
  return runs;
}

TEST(CommProcessTest, AllReduceAcrossProcessesMatchesTheReferenceBitForBit) {
  const int size = 3;
  const size_t n = 100003;
  const std::vector<RankRun> runs = RunRanks(size, n, /*exit_after_barrier_rank=*/-1);
  std::vector<std::vector<float>> inputs;
  for (int r = 0; r < size; ++r) inputs.push_back(testing::ProcessTestData(r, n));
  const std::vector<float> expected = testing::ReferenceSum(inputs);
  for (int r = 0; r < size; ++r) {
    ASSERT_EQ(runs[r].exit_code, 0) << "rank " << r << ": " << runs[r].output;
    ASSERT_EQ(runs[r].output.size(), n * sizeof(float)) << "rank " << r;
    EXPECT_EQ(std::memcmp(runs[r].output.data(), expected.data(), n * sizeof(float)), 0)
        << "rank " << r;
  }
}

TEST(CommProcessTest, PeersOfAProcessThatDiesAreAbortedQuickly) {
  const absl::Time start = absl::Now();
  const std::vector<RankRun> runs = RunRanks(3, 1 << 20, /*exit_after_barrier_rank=*/2);
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));  // not the 20 s collective timeout
  EXPECT_EQ(runs[2].exit_code, 0) << runs[2].output;
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(runs[r].exit_code, 2) << "rank " << r << ": " << runs[r].output;
    EXPECT_TRUE(absl::StartsWith(runs[r].output, "ERROR ABORTED")) << runs[r].output;
  }
}

}  // namespace
}  // namespace flyover::worker
