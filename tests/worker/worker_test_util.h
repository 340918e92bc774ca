// Helpers of the worker's binary tests: temporary directories, spawning flyover-worker
// with extra environment, waiting for it with a bound, and a free loopback port.
#ifndef FLYOVER_TESTS_WORKER_WORKER_TEST_UTIL_H_
#define FLYOVER_TESTS_WORKER_WORKER_TEST_UTIL_H_

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/time/clock.h"

extern char** environ;

namespace flyover::testing {

inline std::string MakeTempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  return ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
}

// Spawns `argv` with `extra_env` in front of this process's environment; -1 on failure.
inline pid_t SpawnWithEnv(std::vector<std::string> argv, std::vector<std::string> extra_env) {
  for (char** e = environ; *e != nullptr; ++e) extra_env.push_back(*e);
  std::vector<char*> envp, args;
  for (std::string& e : extra_env) envp.push_back(e.data());
  for (std::string& a : argv) args.push_back(a.data());
  envp.push_back(nullptr);
  args.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), envp.data()) != 0) return -1;
  return pid;
}

// The exit code of `pid` (128 + signal when killed), or -1 after SIGKILL if it runs past
// `timeout`.
inline int WaitForExit(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    absl::SleepFor(absl::Milliseconds(20));  // polling a child's exit, bounded above
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A loopback TCP port that was free a moment ago (for a server in a child process).
inline int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace flyover::testing

#endif  // FLYOVER_TESTS_WORKER_WORKER_TEST_UTIL_H_
