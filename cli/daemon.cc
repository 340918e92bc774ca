#include "cli/daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace flyover::cli {
namespace {

// The process state letter of /proc/<pid>/stat ('R', 'S', 'Z', ...), or 0 if none.
char ProcessState(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos || paren + 2 >= text.size()) return 0;
  return text[paren + 2];
}

void ReapIfChild(pid_t pid) {
  int status = 0;
  (void)waitpid(pid, &status, WNOHANG);
}

bool WaitGone(pid_t pid, absl::Duration timeout) {
  for (absl::Time end = absl::Now() + timeout;; absl::SleepFor(absl::Milliseconds(20))) {
    ReapIfChild(pid);
    if (!IsRunning(pid)) return true;
    if (absl::Now() >= end) return false;
  }
}

}  // namespace

absl::StatusOr<pid_t> SpawnDaemon(const std::vector<std::string>& argv,
                                  const std::string& log_path) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("log ", log_path, ": ", std::strerror(errno)));
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::InternalError(absl::StrCat("fork for ", argv[0], ": ", std::strerror(errno)));
  }
  if (pid == 0) {  // child: only async-signal-safe calls from here
    setsid();
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log_fd);
  return pid;
}

bool IsRunning(pid_t pid, const std::string& binary) {
  if (pid <= 0) return false;
  char state = ProcessState(pid);
  if (state == 0 || state == 'Z' || state == 'X') return false;
  if (binary.empty()) return true;
  std::error_code error;
  std::filesystem::path exe =
      std::filesystem::read_symlink(absl::StrCat("/proc/", pid, "/exe"), error);
  if (error) return false;
  // A rebuilt binary shows as "<name> (deleted)".
  std::string name = exe.filename().string();
  return absl::StripSuffix(name, " (deleted)") == binary;
}

std::optional<pid_t> ReadPidFile(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  int pid = 0;
  if (!absl::SimpleAtoi(text, &pid) || pid <= 0) return std::nullopt;
  return pid;
}

absl::Status WritePidFile(const std::string& path, pid_t pid) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << pid << "\n";
    if (!out) return absl::InternalError(absl::StrCat("pid file ", temp, ": cannot write"));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("pid file ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

bool StopProcess(pid_t pid, absl::Duration grace) {
  if (!IsRunning(pid)) return true;
  kill(pid, SIGTERM);
  if (WaitGone(pid, grace)) return true;
  kill(-pid, SIGKILL);  // its session's process group: children too
  kill(pid, SIGKILL);
  return WaitGone(pid, absl::Seconds(5));
}

absl::StatusOr<int> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  int error = errno;
  close(fd);
  if (!ok) return absl::UnavailableError(absl::StrCat("127.0.0.1:0: ", std::strerror(error)));
  return static_cast<int>(ntohs(address.sin_port));
}

std::string SelfDirectory() {
  std::error_code error;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? "." : exe.parent_path().string();
}

}  // namespace flyover::cli
