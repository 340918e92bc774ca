#include "cli/daemon.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "kube/client/testing/temp_dir.h"

namespace flyover::cli {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Daemon, SpawnsInItsOwnSessionLogsAndStops) {
  kube::testing::TempDir dir;
  std::string log = dir.path() + "/sleeper.log";
  absl::StatusOr<pid_t> pid =
      SpawnDaemon({"/bin/sh", "-c", "echo started; exec sleep 30"}, log);
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_TRUE(IsRunning(*pid));
  for (absl::Time end = absl::Now() + absl::Seconds(10);
       ReadFile(log).empty() && absl::Now() < end;) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(ReadFile(log), "started\n");
  EXPECT_EQ(getsid(*pid), *pid);  // its own session
  // The log line comes before the shell execs sleep: wait (bounded) for the exec.
  for (absl::Time end = absl::Now() + absl::Seconds(10);
       !IsRunning(*pid, "sleep") && absl::Now() < end;) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(IsRunning(*pid, "sleep"));
  EXPECT_FALSE(IsRunning(*pid, "flyover-apiserver"));  // a reused pid is not ours
  EXPECT_TRUE(StopProcess(*pid, absl::Seconds(5)));
  EXPECT_FALSE(IsRunning(*pid));
}

TEST(Daemon, KillsAProcessThatIgnoresSigterm) {
  kube::testing::TempDir dir;
  absl::StatusOr<pid_t> pid = SpawnDaemon(
      {"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"},
      dir.path() + "/stubborn.log");
  ASSERT_TRUE(pid.ok()) << pid.status();
  for (absl::Time end = absl::Now() + absl::Seconds(10);
       ReadFile(dir.path() + "/stubborn.log").empty() && absl::Now() < end;) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  absl::Time start = absl::Now();
  EXPECT_TRUE(StopProcess(*pid, absl::Milliseconds(300)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_FALSE(IsRunning(*pid));
}

TEST(Daemon, PidFilesRoundTripAndRejectGarbage) {
  kube::testing::TempDir dir;
  std::string path = dir.path() + "/x.pid";
  EXPECT_FALSE(ReadPidFile(path).has_value());
  ASSERT_TRUE(WritePidFile(path, 4242).ok());
  EXPECT_EQ(ReadPidFile(path), 4242);
  dir.Write("bad.pid", "not a pid\n");
  EXPECT_FALSE(ReadPidFile(dir.path() + "/bad.pid").has_value());
  EXPECT_FALSE(IsRunning(0));
}

TEST(Daemon, FreeLoopbackPortCanBeBound) {
  absl::StatusOr<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_GT(*port, 0);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(*port));
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  close(fd);
}

}  // namespace
}  // namespace flyover::cli
