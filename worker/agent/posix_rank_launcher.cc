#include "worker/agent/posix_rank_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

extern char** environ;

namespace flyover::worker {
namespace {

constexpr size_t kMaxLine = 1 << 20;

// The launcher's environment with `overrides` applied (an empty value removes a name).
std::vector<std::string> BuildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const char* eq = std::strchr(*entry, '=');
    if (eq != nullptr) env[std::string(*entry, static_cast<size_t>(eq - *entry))] = eq + 1;
  }
  for (const auto& [name, value] : overrides) {
    if (value.empty()) {
      env.erase(name);
    } else {
      env[name] = value;
    }
  }
  env["FLYOVER_REPORT_FD"] = absl::StrCat(kReportFd);
  std::vector<std::string> out;
  for (const auto& [name, value] : env) out.push_back(absl::StrCat(name, "=", value));
  return out;
}

LauncherEvent LineEvent(int local_rank, std::string line) {
  LauncherEvent event;
  event.local_rank = local_rank;
  event.line = std::move(line);
  return event;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// A close-on-exec pipe whose write end is above kReportFd, so dup2 onto kReportFd in the
// child always clears close-on-exec.
absl::Status MakeReportPipe(int& read_fd, int& write_fd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe2");
  read_fd = fds[0];
  write_fd = ::fcntl(fds[1], F_DUPFD_CLOEXEC, 10);
  const int saved = errno;
  ::close(fds[1]);
  if (write_fd < 0) {
    ::close(read_fd);
    return ErrnoToStatus(saved, "fcntl(F_DUPFD_CLOEXEC)");
  }
  ::fcntl(read_fd, F_SETFL, ::fcntl(read_fd, F_GETFL) | O_NONBLOCK);
  return absl::OkStatus();
}

}  // namespace

PosixRankLauncher::~PosixRankLauncher() {
  for (auto& [slot, process] : processes_) {
    if (process.running) {
      ::kill(process.pid, SIGKILL);
      int status = 0;
      ::waitpid(process.pid, &status, 0);
    }
    if (process.read_fd >= 0) ::close(process.read_fd);
  }
}

absl::Status PosixRankLauncher::Start(const RankLaunchSpec& spec) {
  Process& process = processes_[spec.local_rank];
  if (process.running) {
    return absl::FailedPreconditionError(
        absl::StrCat("rank slot ", spec.local_rank, " is still running"));
  }
  if (spec.argv.empty()) return absl::InvalidArgumentError("rank argv: must not be empty");
  if (process.read_fd >= 0) ::close(process.read_fd);
  process = Process{};
  int write_fd = -1;
  RETURN_IF_ERROR(MakeReportPipe(process.read_fd, write_fd));
  std::vector<std::string> argv_strings = spec.argv;
  std::vector<std::string> env_strings = BuildEnvironment(spec.env);
  std::vector<char*> argv = Pointers(argv_strings);
  std::vector<char*> envp = Pointers(env_strings);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_fd, kReportFd);
  const int error = ::posix_spawn(&process.pid, argv[0], &actions, nullptr, argv.data(),
                                  envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(write_fd);
  if (error != 0) {
    ::close(process.read_fd);
    process.read_fd = -1;
    return ErrnoToStatus(error, absl::StrCat("spawn ", spec.argv[0]));
  }
  process.running = true;
  return absl::OkStatus();
}

absl::Status PosixRankLauncher::Signal(int local_rank, int signal) {
  auto it = processes_.find(local_rank);
  if (it == processes_.end() || !it->second.running) {
    return absl::NotFoundError(absl::StrCat("rank slot ", local_rank, " is not running"));
  }
  if (::kill(it->second.pid, signal) != 0) return ErrnoToStatus(errno, "kill");
  return absl::OkStatus();
}

bool PosixRankLauncher::Running(int local_rank) const {
  auto it = processes_.find(local_rank);
  return it != processes_.end() && it->second.running;
}

void PosixRankLauncher::Drain(int local_rank, Process& process,
                              std::vector<LauncherEvent>& out) {
  char buffer[65536];
  while (process.read_fd >= 0) {
    const ssize_t n = ::read(process.read_fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;  // EAGAIN: nothing more for now
    if (n == 0) {
      ::close(process.read_fd);
      process.read_fd = -1;
      break;
    }
    process.partial.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = process.partial.find('\n')) != std::string::npos) {
      out.push_back(LineEvent(local_rank, process.partial.substr(0, newline)));
      process.partial.erase(0, newline + 1);
    }
    if (process.partial.size() > kMaxLine) {
      process.partial.resize(kMaxLine);
      out.push_back(LineEvent(local_rank, std::move(process.partial)));
      process.partial = std::string();
    }
  }
}

void PosixRankLauncher::ReapExits(std::vector<LauncherEvent>& out) {
  for (auto& [slot, process] : processes_) {
    if (!process.running) continue;
    int status = 0;
    if (::waitpid(process.pid, &status, WNOHANG) != process.pid) continue;
    process.running = false;
    Drain(slot, process, out);
    if (!process.partial.empty()) {
      out.push_back(LineEvent(slot, std::move(process.partial)));
      process.partial = std::string();
    }
    LauncherEvent exit{.kind = LauncherEvent::Kind::kExit, .local_rank = slot};
    if (WIFEXITED(status)) exit.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
    out.push_back(std::move(exit));
  }
}

std::vector<LauncherEvent> PosixRankLauncher::Poll(absl::Duration timeout) {
  std::vector<pollfd> fds;
  std::vector<int> slots;
  bool unwatched_running = false;
  for (auto& [slot, process] : processes_) {
    if (process.read_fd >= 0) {
      fds.push_back({.fd = process.read_fd, .events = POLLIN, .revents = 0});
      slots.push_back(slot);
    } else if (process.running) {
      unwatched_running = true;
    }
  }
  // A rank whose pipe is closed can only be seen exiting by waitpid: poll it often.
  absl::Duration wait = timeout;
  if (unwatched_running) wait = std::min(wait, absl::Milliseconds(20));
  const int ready = ::poll(fds.data(), fds.size(),
                           static_cast<int>(absl::ToInt64Milliseconds(std::max(wait, absl::ZeroDuration()))));
  std::vector<LauncherEvent> out;
  for (size_t i = 0; ready > 0 && i < fds.size(); ++i) {
    if (fds[i].revents != 0) Drain(slots[i], processes_[slots[i]], out);
  }
  ReapExits(out);
  return out;
}

}  // namespace flyover::worker
