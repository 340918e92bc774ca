#include "worker/main/local_report.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/atomic_file.h"
#include "nlohmann/json.hpp"

namespace flyover::worker {

std::string DoubleBits(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  return absl::StrFormat("%016x", bits);
}

void LocalRunReport::Record(int rank, int64_t generation, const ProgressLine& line) {
  absl::MutexLock lock(&mu_);
  if (line.step.has_value() && line.loss.has_value()) {
    auto& ranks = losses_[*line.step];
    auto it = ranks.find(rank);
    if (it != ranks.end() && DoubleBits(it->second) != DoubleBits(*line.loss)) {
      ++replay_mismatches_;
    }
    ranks[rank] = *line.loss;
    if (generation > 0) {
      auto [resumed, fresh] = resumed_from_.try_emplace(generation, *line.step - 1);
      if (!fresh) resumed->second = std::min(resumed->second, *line.step - 1);
    }
    if (rank == 0) {
      absl::FPrintF(out_, "step %d loss %.6f (%.1f ms, generation %d)\n", *line.step,
                    *line.loss, line.step_millis.value_or(0), generation);
    }
  }
  if (rank != 0) return;
  if (line.checkpoint.has_value()) absl::FPrintF(out_, "checkpoint at step %d\n", *line.checkpoint);
  if (line.eval_phase.has_value()) {
    eval_[*line.eval_phase] = line.eval_accuracy.value_or(0);
    absl::FPrintF(out_, "eval %s: accuracy %.3f (%d examples)\n", *line.eval_phase,
                  line.eval_accuracy.value_or(0), line.eval_examples.value_or(0));
  }
  std::fflush(out_);
}

absl::Status LocalRunReport::Finish(FileSystem& fs, const std::string& summary_path,
                                    int exit_code, int restarts, int64_t generation) {
  absl::MutexLock lock(&mu_);
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& [step, ranks] : losses_) {
    nlohmann::json bits = nlohmann::json::array();
    for (int rank = 0; rank < world_size_; ++rank) {
      auto it = ranks.find(rank);
      bits.push_back(it == ranks.end() ? nlohmann::json(nullptr) : nlohmann::json(DoubleBits(it->second)));
    }
    auto first = ranks.find(0);
    steps.push_back({{"step", step},
                     {"loss", first == ranks.end() ? nlohmann::json(nullptr) : nlohmann::json(first->second)},
                     {"lossBits", std::move(bits)}});
  }
  nlohmann::json summary = {{"exitCode", exit_code}, {"restarts", restarts},
                                  {"generation", generation},
                                  {"replayMismatches", replay_mismatches_},
                                  {"eval", eval_}, {"resumedFrom", nlohmann::json::object()},
                                  {"steps", std::move(steps)}};
  for (const auto& [gen, step] : resumed_from_) summary["resumedFrom"][absl::StrCat(gen)] = step;
  const double last_loss = losses_.empty() || !losses_.rbegin()->second.count(0)
                               ? 0 : losses_.rbegin()->second.at(0);
  absl::FPrintF(out_, "summary: exit code %d, %d steps, final loss %.6f, %d restarts, "
                "replay mismatches %d, eval before %.3f after %.3f\n",
                exit_code, losses_.size(), last_loss, restarts, replay_mismatches_,
                eval_.count("before") ? eval_.at("before") : -1.0,
                eval_.count("after") ? eval_.at("after") : -1.0);
  std::fflush(out_);
  return WriteFileAtomically(fs, summary_path, summary.dump(1) + "\n");
}

}  // namespace flyover::worker
