// Helpers for the flyover-apiserver integration tests: a scratch directory, the server as a
// child process on port 0 (its URL read from its "serving <url>" line), and shell commands
// (kubectl) run to completion with their combined output.
//
// Not thread-safe, except RunCommand, which may run on several threads at once.
#ifndef FLYOVER_TESTS_APISERVER_SERVER_PROCESS_H_
#define FLYOVER_TESTS_APISERVER_SERVER_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace flyover::apiserver::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// flyover-apiserver running as a child process.
class ServerProcess {
 public:
  // Starts the server binary with --data-dir `data_dir` --port 0 --kubeconfig-out
  // <data_dir>/kubeconfig plus `extra_flags`, and waits for its URL. Its log goes to
  // <data_dir>/server.log.
  static absl::StatusOr<ServerProcess> Start(const std::string& data_dir,
                                             const std::vector<std::string>& extra_flags = {});
  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&&) = delete;
  ~ServerProcess();  // SIGKILLs and reaps the process if still running

  const std::string& url() const { return url_; }
  int port() const { return port_; }
  const std::string& kubeconfig() const { return kubeconfig_; }
  pid_t pid() const { return pid_; }

  // Sends `signal` and waits for the process to exit; returns its wait status.
  int Signal(int signal);

 private:
  ServerProcess() = default;

  pid_t pid_ = -1;
  std::string url_;
  int port_ = 0;
  std::string kubeconfig_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh -c, output captured.
CommandResult RunCommand(const std::string& command);

// The kubectl to run: $FLYOVER_KUBECTL if set (e.g. a specific kubectl.1.32), else
// "kubectl" from the PATH.
std::string KubectlBinary();

// "<kubectl> --kubeconfig <kubeconfig> <args>", run to completion.
CommandResult Kubectl(const ServerProcess& server, const std::string& args);

// The path of the flyover-apiserver binary under test.
std::string ServerBinary();

}  // namespace flyover::apiserver::testing

#endif  // FLYOVER_TESTS_APISERVER_SERVER_PROCESS_H_
