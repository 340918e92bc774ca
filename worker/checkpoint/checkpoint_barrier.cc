#include "worker/checkpoint/checkpoint_barrier.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flyover::worker {

InProcessBarrier::InProcessBarrier(int world_size, Clock* clock)
    : world_size_(world_size), clock_(clock) {}

absl::StatusOr<std::vector<std::string>> InProcessBarrier::AllGather(absl::string_view key,
                                                                     int rank,
                                                                     std::string payload,
                                                                     absl::Duration timeout) {
  if (rank < 0 || rank >= world_size_) {
    return absl::InvalidArgumentError(
        absl::StrCat("barrier ", key, ": rank ", rank, " outside [0, ", world_size_, ")"));
  }
  const std::string name(key);
  absl::MutexLock lock(&mu_);
  Round& round = rounds_[name];  // stable: rounds_ is node-based
  if (round.payloads.empty()) {
    round.payloads.resize(world_size_);
    round.arrived.resize(world_size_, false);
  }
  if (round.arrived[rank]) {
    return absl::InvalidArgumentError(
        absl::StrCat("barrier ", key, ": rank ", rank, " arrived twice"));
  }
  round.arrived[rank] = true;
  round.payloads[rank] = std::move(payload);
  round.complete = ++round.arrivals == world_size_;

  if (!clock_->AwaitWithTimeout(&mu_, absl::Condition(&round.complete), timeout)) {
    round.arrived[rank] = false;
    round.payloads[rank].clear();
    const int arrived = --round.arrivals;
    if (arrived == 0) rounds_.erase(name);
    return absl::DeadlineExceededError(absl::StrCat("barrier ", key, ": ", arrived + 1, " of ",
                                                    world_size_, " ranks arrived within ",
                                                    absl::FormatDuration(timeout)));
  }
  std::vector<std::string> result = round.payloads;
  if (++round.departures == world_size_) rounds_.erase(name);
  return result;
}

}  // namespace flyover::worker
