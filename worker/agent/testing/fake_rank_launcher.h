// FakeRankLauncher: a RankLauncher without processes, for the agent's unit tests. The test
// queues lines and exits (Emit, Exit); Poll hands out what is queued, first calling the
// optional `on_poll` script, and advances the SteppingClock by the timeout when nothing is
// queued. SIGTERM and SIGKILL make a running slot exit with that signal (when
// exit_on_term is set); every Start and Signal is recorded.
// Thread-safety: single-threaded, like the agent's use of a launcher.
#ifndef FLYOVER_WORKER_AGENT_TESTING_FAKE_RANK_LAUNCHER_H_
#define FLYOVER_WORKER_AGENT_TESTING_FAKE_RANK_LAUNCHER_H_

#include <signal.h>

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "worker/agent/rank_launcher.h"
#include "worker/agent/testing/stepping_clock.h"

namespace flyover::worker::testing {

class FakeRankLauncher final : public RankLauncher {
 public:
  explicit FakeRankLauncher(SteppingClock* clock) : clock_(clock) {}

  absl::Status Start(const RankLaunchSpec& spec) override {
    if (running_[spec.local_rank]) return absl::FailedPreconditionError("slot busy");
    running_[spec.local_rank] = true;
    starts.push_back(spec);
    return absl::OkStatus();
  }
  absl::Status Signal(int local_rank, int signal) override {
    if (!running_[local_rank]) return absl::NotFoundError("not running");
    signals.emplace_back(local_rank, signal);
    if (exit_on_term && (signal == SIGTERM || signal == SIGKILL) && !exiting_[local_rank]) {
      exiting_[local_rank] = true;
      events_.push_back({.kind = LauncherEvent::Kind::kExit, .local_rank = local_rank,
                         .signal = signal});
    }
    return absl::OkStatus();
  }
  std::vector<LauncherEvent> Poll(absl::Duration timeout) override {
    ++polls;
    timeouts.push_back(timeout);
    if (on_poll) on_poll(*this);
    if (events_.empty()) {
      clock_->Advance(timeout);
      return {};
    }
    std::vector<LauncherEvent> out(events_.begin(), events_.end());
    events_.clear();
    for (const LauncherEvent& event : out) {
      if (event.kind == LauncherEvent::Kind::kExit) {
        running_[event.local_rank] = false;
        exiting_[event.local_rank] = false;
      }
    }
    return out;
  }
  bool Running(int local_rank) const override {
    auto it = running_.find(local_rank);
    return it != running_.end() && it->second;
  }

  void Emit(int local_rank, std::string line) {
    events_.push_back({.local_rank = local_rank, .line = std::move(line)});
  }
  void Step(int local_rank, int64_t step, double loss) {
    Emit(local_rank, absl::StrCat(R"({"step": )", step, R"(, "loss": )", loss,
                                  R"(, "stepMillis": 10})"));
  }
  void Exit(int local_rank, int code) {
    exiting_[local_rank] = true;
    events_.push_back({.kind = LauncherEvent::Kind::kExit, .local_rank = local_rank,
                       .exit_code = code});
  }
  // The value of `name` in the environment of the n-th Start, or "<unset>".
  std::string EnvOf(size_t start, const std::string& name) const {
    for (const auto& [key, value] : starts.at(start).env) {
      if (key == name) return value;
    }
    return "<unset>";
  }

  std::vector<RankLaunchSpec> starts;
  std::vector<std::pair<int, int>> signals;
  std::function<void(FakeRankLauncher&)> on_poll;
  bool exit_on_term = true;
  int polls = 0;
  std::vector<absl::Duration> timeouts;  // of every Poll

 private:
  SteppingClock* clock_;
  std::map<int, bool> running_;
  std::map<int, bool> exiting_;
  std::deque<LauncherEvent> events_;
};

}  // namespace flyover::worker::testing

#endif  // FLYOVER_WORKER_AGENT_TESTING_FAKE_RANK_LAUNCHER_H_
