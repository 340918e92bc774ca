#include "worker/agent/local_supervisor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace flyover::worker {

class LocalSupervisor::PodClient final : public SupervisionClient {
 public:
  PodClient(LocalSupervisor& supervisor, int pod) : supervisor_(supervisor), pod_(pod) {}
  absl::StatusOr<std::string> FetchRankTable(absl::Duration) override {
    return supervisor_.rank_table_;
  }
  absl::StatusOr<std::vector<Command>> SendHeartbeat(const Heartbeat& heartbeat) override {
    return supervisor_.OnHeartbeat(pod_, heartbeat);
  }

 private:
  LocalSupervisor& supervisor_;
  const int pod_;
};

LocalSupervisor::LocalSupervisor(std::string rank_table, int pods, int max_restarts,
                                 bool resume_newest)
    : rank_table_(std::move(rank_table)),
      max_restarts_(max_restarts),
      resume_newest_(resume_newest) {
  for (int pod = 0; pod < pods; ++pod) clients_.push_back(std::make_unique<PodClient>(*this, pod));
}

LocalSupervisor::~LocalSupervisor() = default;

SupervisionClient& LocalSupervisor::ClientFor(int rank_index) { return *clients_.at(rank_index); }

int LocalSupervisor::restarts() const {
  absl::MutexLock lock(&mu_);
  return restarts_;
}

int64_t LocalSupervisor::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

absl::StatusOr<std::vector<Command>> LocalSupervisor::OnHeartbeat(int pod,
                                                                  const Heartbeat& heartbeat) {
  absl::MutexLock lock(&mu_);
  if (heartbeat.generation == generation_) {
    checkpoints_[pod] = heartbeat.last_checkpoint_step;
    const bool failed = std::any_of(
        heartbeat.events.begin(), heartbeat.events.end(), [](const RankExitEvent& event) {
          return event.signal.has_value() || event.exit_code.value_or(0) != 0;
        });
    if (failed && restarts_ < max_restarts_) RestartAll();
    if (failed && restarts_ >= max_restarts_ && heartbeat.generation == generation_) {
      log::Error("rank failed and no restarts are left", {{"pod", pod}, {"restarts", restarts_}});
    }
  }
  return std::exchange(outbox_[pod], {});
}

void LocalSupervisor::RestartAll() {
  std::optional<int64_t> resume;
  for (int pod = 0; pod < static_cast<int>(clients_.size()); ++pod) {
    auto it = checkpoints_.find(pod);
    if (resume_newest_ || it == checkpoints_.end() || !it->second.has_value()) {
      resume.reset();
      break;
    }
    resume = resume.has_value() ? std::min(*resume, *it->second) : *it->second;
  }
  ++generation_;
  ++restarts_;
  log::Info("restarting ranks in place", {{"generation", generation_},
                                          {"resume_step", resume ? absl::StrCat(*resume) : "newest"}});
  for (int pod = 0; pod < static_cast<int>(clients_.size()); ++pod) {
    outbox_[pod].push_back({.id = absl::StrCat("restart-", generation_),
                            .kind = CommandKind::kRestartInPlace,
                            .generation = generation_,
                            .resume_step = resume});
  }
}

}  // namespace flyover::worker
