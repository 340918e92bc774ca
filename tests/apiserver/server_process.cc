#include "tests/apiserver/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace flyover::apiserver::testing {

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "flyover-apiserver-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ServerBinary() { return FLYOVER_APISERVER_BINARY; }

absl::StatusOr<ServerProcess> ServerProcess::Start(const std::string& data_dir,
                                                   const std::vector<std::string>& extra_flags) {
  int out[2];
  if (pipe(out) != 0) return absl::InternalError("pipe failed");
  ServerProcess server;
  server.kubeconfig_ = absl::StrCat(data_dir, "/kubeconfig");
  std::vector<std::string> args = {ServerBinary(),     "--data-dir",      data_dir, "--port", "0",
                                   "--kubeconfig-out", server.kubeconfig_};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  server.pid_ = fork();
  const std::string log_path = absl::StrCat(data_dir, "/server.log");
  if (server.pid_ == 0) {
    const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd >= 0) dup2(log_fd, STDERR_FILENO);
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  // The first line on stdout is "serving <url>".
  std::string line;
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(out[0]);
  absl::string_view url = line;
  if (!absl::ConsumePrefix(&url, "serving ")) {
    return absl::UnavailableError(absl::StrCat("server did not start: \"", line, "\""));
  }
  server.url_ = std::string(url);
  const size_t colon = server.url_.rfind(':');
  if (!absl::SimpleAtoi(server.url_.substr(colon + 1), &server.port_)) {
    return absl::InternalError(absl::StrCat("no port in ", server.url_));
  }
  return server;
}

ServerProcess::ServerProcess(ServerProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      url_(std::move(other.url_)),
      port_(other.port_),
      kubeconfig_(std::move(other.kubeconfig_)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Signal(SIGKILL);
}

int ServerProcess::Signal(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string KubectlBinary() {
  const char* override_binary = std::getenv("FLYOVER_KUBECTL");
  return override_binary != nullptr && *override_binary != '\0' ? override_binary : "kubectl";
}

CommandResult Kubectl(const ServerProcess& server, const std::string& args) {
  return RunCommand(
      absl::StrCat(KubectlBinary(), " --kubeconfig ", server.kubeconfig(), " ", args));
}

}  // namespace flyover::apiserver::testing
