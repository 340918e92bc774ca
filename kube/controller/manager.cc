#include "kube/controller/manager.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"

namespace flyover::kube {

struct Manager::State {
  // Whether Run() should begin shutting down.
  bool ExitCause() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return stop_requested || elector_done || !first_error.ok();
  }
  bool GroupDone(bool leader_group) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return running[leader_group ? 1 : 0] == 0;
  }

  StopSignal leader_stop;   // the leader-only runnables
  StopSignal cache_stop;    // the others
  StopSignal elector_stop;  // the election

  absl::Mutex mu;
  bool stop_requested ABSL_GUARDED_BY(mu) = false;
  bool elector_done ABSL_GUARDED_BY(mu) = false;
  absl::Status elector_status ABSL_GUARDED_BY(mu);
  bool leaders_started ABSL_GUARDED_BY(mu) = false;
  bool shutting_down ABSL_GUARDED_BY(mu) = false;
  absl::Status first_error ABSL_GUARDED_BY(mu);
  int running[2] ABSL_GUARDED_BY(mu) = {0, 0};  // [caches, leader-only]
};

Manager::Manager(ManagerOptions options, std::unique_ptr<LeaderElector> elector)
    : options_(std::move(options)),
      registry_(options_.registry != nullptr ? options_.registry
                                             : std::make_shared<prometheus::Registry>()),
      elector_(std::move(elector)),
      state_(std::make_shared<State>()),
      logger_(log::Logger("manager").WithValues({{"manager", options_.name}})),
      metrics_server_(registry_, options_.metrics_server) {
  // The names are fixed and distinct, so these cannot fail.
  (void)metrics_server_.AddReadinessCheck("informer-sync", [this] { return CachesReady(); });
  (void)metrics_server_.AddReadinessCheck("leader-election",
                                          [this] { return LeaderElectionReady(); });
}

Manager::~Manager() { JoinOrDetachThreads(/*detach=*/false); }

absl::Status Manager::Add(std::shared_ptr<Runnable> runnable) {
  if (runnable == nullptr) return absl::InvalidArgumentError("manager: runnable must not be null");
  absl::MutexLock lock(&mu_);
  if (run_called_) {
    return absl::FailedPreconditionError(
        absl::StrCat("manager: cannot add runnable ", runnable->Name(), " after Run()"));
  }
  runnables_.push_back(std::move(runnable));
  return absl::OkStatus();
}

absl::Status Manager::AddReadinessCheck(absl::string_view name,
                                        std::function<absl::Status()> check) {
  return metrics_server_.AddReadinessCheck(name, std::move(check));
}

bool Manager::IsLeader() const {
  if (elector_ != nullptr) return elector_->IsLeader();
  absl::MutexLock lock(&state_->mu);
  return state_->leaders_started && !state_->shutting_down;
}

absl::Status Manager::CachesReady() const {
  std::vector<std::string> not_ready;
  absl::MutexLock lock(&mu_);
  for (const std::shared_ptr<Runnable>& runnable : runnables_) {
    if (runnable->NeedLeaderElection()) continue;
    if (absl::Status ready = runnable->Ready(); !ready.ok()) {
      not_ready.push_back(std::string(ready.message()));
    }
  }
  if (not_ready.empty()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrJoin(not_ready, "; "));
}

absl::Status Manager::LeaderElectionReady() const {
  if (elector_ == nullptr) return absl::OkStatus();
  {
    absl::MutexLock lock(&state_->mu);
    if (state_->elector_done) {
      return absl::UnavailableError(
          absl::StrCat("leader election ended: ", state_->elector_status.ToString()));
    }
  }
  if (options_.ready_only_when_leading && !elector_->IsLeader()) {
    std::string leader = elector_->Leader();
    return absl::UnavailableError(
        absl::StrCat("not leading; the leader is ", leader.empty() ? "unknown" : leader));
  }
  return absl::OkStatus();
}

absl::Status Manager::Run(StopSignal* stop) {
  {
    absl::MutexLock lock(&mu_);
    if (run_called_) return absl::FailedPreconditionError("manager: Run() called twice");
    run_called_ = true;
  }
  if (options_.serve_metrics) {
    absl::StatusOr<int> port = metrics_server_.Start();
    if (!port.ok()) return Annotate(port.status(), "manager: serving metrics");
    logger_.Info("serving metrics and health probes", {{"port", *port}});
  }
  StartGroup(/*leader_group=*/false);
  if (elector_ != nullptr) {
    elector_thread_ = std::thread([this] { RunElection(); });
  } else {
    StartGroup(/*leader_group=*/true);
  }
  absl::Status cause = WaitForExitCause(stop);
  return ShutDown(std::move(cause));
}

void Manager::StartGroup(bool leader_group) {
  std::vector<std::shared_ptr<Runnable>> group;
  absl::MutexLock lock(&mu_);
  for (const std::shared_ptr<Runnable>& runnable : runnables_) {
    if (runnable->NeedLeaderElection() == leader_group) group.push_back(runnable);
  }
  {
    absl::MutexLock state_lock(&state_->mu);
    if (leader_group) {
      if (state_->shutting_down || state_->leaders_started) return;
      state_->leaders_started = true;
    }
    state_->running[leader_group ? 1 : 0] += static_cast<int>(group.size());
  }
  logger_.Info(leader_group ? "starting leader-only runnables" : "starting runnables",
               {{"count", group.size()}});
  for (std::shared_ptr<Runnable>& runnable : group) {
    threads_.emplace_back([state = state_, runnable = std::move(runnable), leader_group] {
      RunOne(state, runnable, leader_group);
    });
  }
}

void Manager::RunElection() {
  LeaderCallbacks callbacks{
      .on_started_leading = [this] { StartGroup(/*leader_group=*/true); },
      // Controllers must not act once another replica may lead.
      .on_stopped_leading = [this] { state_->leader_stop.Stop(); },
      .on_new_leader =
          [this](const std::string& leader) {
            logger_.Info("leader observed", {{"leader", leader}});
          },
  };
  absl::Status status = elector_->Run(&state_->elector_stop, callbacks);
  absl::MutexLock lock(&state_->mu);
  state_->elector_done = true;
  state_->elector_status = std::move(status);
}

absl::Status Manager::WaitForExitCause(StopSignal* stop) {
  std::shared_ptr<State> state = state_;
  StopSignal::Registration on_stop = stop->OnStop([state] {
    absl::MutexLock lock(&state->mu);
    state->stop_requested = true;
  });
  absl::MutexLock lock(&state->mu);
  state->mu.Await(absl::Condition(state.get(), &State::ExitCause));
  if (!state->first_error.ok()) return state->first_error;
  if (state->elector_done && !state->stop_requested) {
    return state->elector_status.ok()
               ? absl::AbortedError("manager: leader election ended unexpectedly")
               : state->elector_status;
  }
  return absl::OkStatus();
}

absl::Status Manager::ShutDown(absl::Status cause) {
  logger_.Info("shutting down", {{"cause", cause}});
  const absl::Time deadline = absl::Now() + options_.graceful_shutdown_timeout;
  {
    absl::MutexLock lock(&state_->mu);
    state_->shutting_down = true;
  }
  state_->leader_stop.Stop();
  bool stopped_in_time = WaitGroup(/*leader_group=*/true, deadline);
  state_->elector_stop.Stop();
  if (elector_thread_.joinable()) elector_thread_.join();
  state_->cache_stop.Stop();
  stopped_in_time = WaitGroup(/*leader_group=*/false, deadline) && stopped_in_time;
  JoinOrDetachThreads(/*detach=*/!stopped_in_time);
  metrics_server_.Stop();
  if (!cause.ok()) return cause;
  if (!stopped_in_time) {
    return absl::DeadlineExceededError(
        absl::StrCat("manager: runnables did not stop within ",
                     absl::FormatDuration(options_.graceful_shutdown_timeout)));
  }
  logger_.Info("stopped");
  return absl::OkStatus();
}

bool Manager::WaitGroup(bool leader_group, absl::Time deadline) {
  absl::MutexLock lock(&state_->mu);
  auto done = [this, leader_group]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu) {
    return state_->GroupDone(leader_group);
  };
  if (state_->mu.AwaitWithDeadline(absl::Condition(&done), deadline)) return true;
  logger_.Error("runnables did not stop in time",
                {{"leader_only", leader_group},
                 {"still_running", state_->running[leader_group ? 1 : 0]}});
  return false;
}

void Manager::JoinOrDetachThreads(bool detach) {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    threads.swap(threads_);
  }
  for (std::thread& thread : threads) {
    if (!thread.joinable()) continue;
    if (detach) {
      thread.detach();
    } else {
      thread.join();
    }
  }
}

void Manager::RunOne(const std::shared_ptr<State>& state,
                     const std::shared_ptr<Runnable>& runnable, bool leader_group) {
  StopSignal* stop = leader_group ? &state->leader_stop : &state->cache_stop;
  absl::Status status = runnable->Start(stop);
  absl::MutexLock lock(&state->mu);
  --state->running[leader_group ? 1 : 0];
  if (!status.ok() && state->first_error.ok()) {
    state->first_error = Annotate(status, absl::StrCat("runnable ", runnable->Name()));
  }
}

}  // namespace flyover::kube
