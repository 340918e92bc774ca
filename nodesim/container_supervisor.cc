#include "nodesim/container_supervisor.h"

#include <signal.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "kube/api/meta.h"

namespace flyover::nodesim {

using kube::core::ContainerStateTerminated;

bool ShouldRestart(const std::string& policy, int exit_code) {
  if (policy == "Never") return false;
  if (policy == "OnFailure") return exit_code != 0;
  return true;  // "Always", the default
}

absl::Duration RestartBackoff(int restarts, const SupervisorOptions& options) {
  absl::Duration delay = options.initial_backoff;
  for (int i = 0; i < restarts && delay < options.max_backoff; ++i) delay *= 2;
  return std::min(delay, options.max_backoff);
}

ContainerSupervisor::ContainerSupervisor(ContainerLaunch launch, std::string restart_policy,
                                         SupervisorOptions options,
                                         std::function<void()> on_change)
    : launch_(std::move(launch)),
      restart_policy_(std::move(restart_policy)),
      options_(options),
      on_change_(std::move(on_change)) {
  status_.name = launch_.name;
  status_.state.waiting = kube::core::ContainerStateWaiting{.reason = "ContainerCreating"};
  status_.rest = {{"image", launch_.image}, {"imageID", ""}};
}

ContainerSupervisor::~ContainerSupervisor() {
  Terminate();
  Kill();
  Join();
}

void ContainerSupervisor::Start() {
  std::error_code error;
  std::filesystem::create_directories(launch_.log_dir, error);
  thread_ = std::thread([this] { Run(); });
}

void ContainerSupervisor::Join() {
  if (thread_.joinable()) thread_.join();
}

void ContainerSupervisor::Terminate() {
  absl::MutexLock lock(&mu_);
  terminating_ = true;
  if (process_ != nullptr) process_->Signal(SIGTERM);
}

void ContainerSupervisor::Kill() {
  absl::MutexLock lock(&mu_);
  terminating_ = true;
  if (process_ != nullptr) process_->Signal(SIGKILL);
}

bool ContainerSupervisor::Signal(int signal) {
  absl::MutexLock lock(&mu_);
  if (process_ == nullptr) return false;
  process_->Signal(signal);
  return true;
}

kube::core::ContainerStatus ContainerSupervisor::Status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

bool ContainerSupervisor::Finished() const {
  absl::MutexLock lock(&mu_);
  return finished_;
}

bool ContainerSupervisor::Running() const {
  absl::MutexLock lock(&mu_);
  return process_ != nullptr;
}

std::string ContainerSupervisor::LogPath(bool previous) const {
  absl::MutexLock lock(&mu_);
  int run = status_.restart_count - (previous ? 1 : 0);
  if (run < 0) return "";
  return absl::StrCat(launch_.log_dir, "/", run, ".log");
}

ContainerStateTerminated ContainerSupervisor::RunOnce(int run) {
  absl::Time started = options_.clock->Now();
  LaunchSpec spec{launch_.argv, launch_.env, launch_.cwd,
                  absl::StrCat(launch_.log_dir, "/", run, ".log"), options_.clock};
  absl::StatusOr<std::unique_ptr<LaunchedProcess>> process = LaunchedProcess::Start(spec);
  auto finish = [&](int code, std::string reason, std::string message) {
    ContainerStateTerminated t{.exit_code = code, .reason = std::move(reason),
                               .message = std::move(message)};
    t.rest = {{"startedAt", kube::FormatKubeTime(started)},
              {"finishedAt", kube::FormatKubeTime(options_.clock->Now())}};
    return t;
  };
  if (!process.ok()) return finish(128, "StartError", std::string(process.status().message()));
  {
    absl::MutexLock lock(&mu_);
    process_ = process->get();
    if (terminating_) process_->Signal(SIGTERM);
    status_.state = {};
    status_.state.running = kube::core::ContainerStateRunning{.started_at = started};
    status_.ready = true;
    status_.rest["started"] = true;
  }
  on_change_();
  int code = ExitCodeOf((*process)->Wait());
  {
    absl::MutexLock lock(&mu_);
    process_ = nullptr;
  }
  return finish(code, code == 0 ? "Completed" : "Error", "");
}

bool ContainerSupervisor::WaitBackoff(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  options_.clock->AwaitWithTimeout(&mu_, absl::Condition(&terminating_), delay);
  return !terminating_;
}

void ContainerSupervisor::Run() {
  int crashes = 0;  // restarts since the last long run: the backoff's exponent
  for (int run = 0;; ++run) {
    absl::Time started = options_.clock->Now();
    ContainerStateTerminated exit = RunOnce(run);
    if (options_.clock->Now() - started >= options_.backoff_reset) crashes = 0;
    absl::Duration delay;
    {
      absl::MutexLock lock(&mu_);
      status_.ready = false;
      status_.rest["started"] = false;
      status_.state = {};
      if (terminating_ || !ShouldRestart(restart_policy_, exit.exit_code)) {
        status_.state.terminated = exit;
        finished_ = true;
      } else {
        status_.last_state = {};
        status_.last_state.terminated = exit;
        delay = RestartBackoff(crashes++, options_);
        status_.state.waiting = kube::core::ContainerStateWaiting{
            .reason = "CrashLoopBackOff",
            .message = absl::StrCat("back-off ", absl::FormatDuration(delay),
                                    " restarting failed container=", launch_.name)};
      }
    }
    on_change_();
    if (Finished()) return;
    if (!WaitBackoff(delay)) {
      {
        absl::MutexLock lock(&mu_);
        status_.state = {};
        status_.state.terminated = exit;
        finished_ = true;
      }
      on_change_();
      return;
    }
    absl::MutexLock lock(&mu_);
    ++status_.restart_count;
  }
}

}  // namespace flyover::nodesim
