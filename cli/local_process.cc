#include "cli/local_process.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/daemon.h"
#include "common/status.h"

namespace flyover::cli {

std::optional<pid_t> RunningPid(const LocalLayout& layout, const Component& component) {
  std::optional<pid_t> pid = ReadPidFile(layout.PidFile(component.name));
  if (pid && IsRunning(*pid, component.binary)) return pid;
  return std::nullopt;
}

absl::StatusOr<std::pair<pid_t, bool>> EnsureComponent(const LocalLayout& layout,
                                                       const Component& c,
                                                       const std::vector<std::string>& argv,
                                                       std::ostream& err) {
  if (std::optional<pid_t> pid = RunningPid(layout, c)) {
    err << c.name << ": already running (pid " << *pid << "), left alone\n";
    return std::make_pair(*pid, false);
  }
  if (!std::filesystem::exists(argv[0])) {
    return absl::NotFoundError(absl::StrCat(c.name, ": no binary at ", argv[0]));
  }
  ASSIGN_OR_RETURN(pid_t pid, SpawnDaemon(argv, layout.Log(c.name)));
  RETURN_IF_ERROR(WritePidFile(layout.PidFile(c.name), pid));
  err << c.name << ": started (pid " << pid << ", log " << layout.Log(c.name) << ")\n";
  return std::make_pair(pid, true);
}

absl::Status WaitFor(const std::string& what, pid_t pid, absl::Time deadline,
                     const std::function<absl::Status()>& ready) {
  for (;; absl::SleepFor(absl::Milliseconds(50))) {
    absl::Status status = ready();
    if (status.ok()) return status;
    if (!IsRunning(pid)) return absl::UnavailableError(absl::StrCat(what, ": the process exited"));
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(what, ": not ready in time (", status.message(), ")"));
    }
  }
}

bool StopComponent(const LocalLayout& layout, const Component& c, std::ostream& err) {
  std::optional<pid_t> pid = RunningPid(layout, c);
  if (!pid) {
    err << c.name << ": not running\n";
  } else if (StopProcess(*pid, absl::Seconds(15))) {
    err << c.name << ": stopped (pid " << *pid << ")\n";
  } else {
    err << c.name << ": pid " << *pid << " would not stop\n";
    return false;
  }
  std::filesystem::remove(layout.PidFile(c.name));
  return true;
}

}  // namespace flyover::cli
