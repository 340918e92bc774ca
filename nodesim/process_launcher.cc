#include "nodesim/process_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "nodesim/log_format.h"

namespace flyover::nodesim {
namespace {

// argv[0] itself when it has a '/', else the first executable of that name on PATH.
std::string ResolveExecutable(const std::string& name, const EnvList& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path;
  if (const char* own = std::getenv("PATH")) path = own;
  for (const auto& [k, v] : env) {
    if (k == "PATH") path = v;
  }
  if (path.empty()) path = "/usr/local/bin:/usr/bin:/bin";
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

// The child side of fork(): only async-signal-safe calls. Reports exec's errno on
// `report_fd` (close-on-exec, so a successful exec closes it empty).
[[noreturn]] void RunChild(const char* path, char* const* argv, char* const* envp,
                           const char* cwd, int out_fd, int err_fd, int report_fd) {
  setpgid(0, 0);
  int devnull = open("/dev/null", O_RDONLY);
  dup2(devnull, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (*cwd == '\0' || chdir(cwd) == 0) execve(path, argv, envp);
  int error = errno;
  [[maybe_unused]] ssize_t n = write(report_fd, &error, sizeof(error));
  _exit(127);
}

void FlushLines(std::string* pending, const char* stream, bool at_eof, int log_fd, Clock* clock) {
  size_t start = 0;
  for (size_t nl; (nl = pending->find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = FormatLogLine(
        {clock->Now(), stream, false, pending->substr(start, nl - start)});
    [[maybe_unused]] ssize_t n = write(log_fd, line.data(), line.size());
  }
  pending->erase(0, start);
  if (at_eof && !pending->empty()) {
    std::string line = FormatLogLine({clock->Now(), stream, false, *pending});
    [[maybe_unused]] ssize_t n = write(log_fd, line.data(), line.size());
    pending->clear();
  }
}

}  // namespace

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 255;
}

absl::StatusOr<std::unique_ptr<LaunchedProcess>> LaunchedProcess::Start(const LaunchSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return absl::InvalidArgumentError("command: no command to run (command and args are empty)");
  }
  std::string path = ResolveExecutable(spec.argv[0], spec.env);
  std::vector<std::string> env_text;
  for (const auto& [k, v] : spec.env) env_text.push_back(absl::StrCat(k, "=", v));
  std::vector<char*> argv, envp;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  for (const std::string& e : env_text) envp.push_back(const_cast<char*>(e.c_str()));
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  int out[2], err[2], report[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) {
    return ErrnoToStatus(errno, "pipe");
  }
  pid_t pid = fork();
  if (pid < 0) return ErrnoToStatus(errno, "fork");
  if (pid == 0) RunChild(path.c_str(), argv.data(), envp.data(), spec.cwd.c_str(), out[1], err[1],
                         report[1]);
  setpgid(pid, pid);  // also here, so that signals sent right away reach the group
  close(out[1]);
  close(err[1]);
  close(report[1]);
  int exec_errno = 0;
  ssize_t got = read(report[0], &exec_errno, sizeof(exec_errno));
  close(report[0]);
  auto process = std::unique_ptr<LaunchedProcess>(new LaunchedProcess(pid, out[0], err[0], spec));
  if (got == sizeof(exec_errno)) {
    process->Wait();
    return ErrnoToStatus(exec_errno, absl::StrCat("exec ", spec.argv[0]));
  }
  return process;
}

LaunchedProcess::LaunchedProcess(pid_t pid, int out_fd, int err_fd, const LaunchSpec& spec)
    : pid_(pid) {
  pump_ = std::thread([this, out_fd, err_fd, path = spec.log_path, clock = spec.clock] {
    Pump(out_fd, err_fd, path, clock);
  });
}

LaunchedProcess::~LaunchedProcess() {
  if (!reaped_.load()) {
    Signal(SIGKILL);
    Wait();
  }
  if (pump_.joinable()) pump_.join();
}

void LaunchedProcess::Pump(int out_fd, int err_fd, std::string log_path, Clock* clock) {
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string pending[2];
  const char* streams[2] = {"stdout", "stderr"};
  char buffer[8192];
  for (int open_fds = 2; open_fds > 0;) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) pending[i].append(buffer, static_cast<size_t>(n));
      FlushLines(&pending[i], streams[i], n <= 0, log_fd, clock);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  if (log_fd >= 0) close(log_fd);
}

int LaunchedProcess::Wait() {
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_.store(true);
  kill(-pid_, SIGKILL);  // what is left of the container's processes
  if (pump_.joinable()) pump_.join();
  return status;
}

void LaunchedProcess::Signal(int signal) {
  if (!reaped_.load()) kill(-pid_, signal);
}

}  // namespace flyover::nodesim
