#include "worker/data/data_loader.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace flyover::worker {

int64_t MicroBatch::masked_in() const {
  int64_t n = 0;
  for (float m : mask) n += m != 0 ? 1 : 0;
  return n;
}

MicroBatch MakeMicroBatch(const ArithmeticDataset& dataset,
                          const std::vector<ArithmeticProblem>& problems) {
  MicroBatch mb;
  mb.batch = static_cast<int>(problems.size());
  mb.length = dataset.example_length() - 1;
  const int first_trained = dataset.prompt_length() - 1;  // predicts the first answer token
  for (const ArithmeticProblem& p : problems) {
    const std::vector<int32_t> tokens = dataset.Tokens(p);
    for (int t = 0; t < mb.length; ++t) {
      mb.inputs.push_back(tokens[t]);
      const bool trained = t >= first_trained;
      mb.targets.push_back(trained ? tokens[t + 1] : -1);
      mb.mask.push_back(trained ? 1.0f : 0.0f);
    }
  }
  return mb;
}

absl::StatusOr<DataLoader> DataLoader::Create(const ArithmeticDataset* dataset,
                                              const DataLoaderOptions& options) {
  if (dataset == nullptr || dataset->train().empty()) {
    return absl::InvalidArgumentError("dataset: must hold training problems");
  }
  if (options.micro_batch < 1 || options.world_size < 1 || options.accumulation < 1 ||
      options.rank < 0 || options.rank >= options.world_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data loader: micro batch ", options.micro_batch, ", world size ", options.world_size,
        ", rank ", options.rank, ", accumulation ", options.accumulation, " do not fit"));
  }
  DataLoader loader(dataset, options);
  loader.epoch_rng_ = options.seed ^ 0x5eedda7a5eedda7aULL;
  loader.Shuffle();
  return loader;
}

DataLoader::DataLoader(const ArithmeticDataset* dataset, const DataLoaderOptions& options)
    : dataset_(dataset), options_(options) {}

void DataLoader::Shuffle() {
  order_.resize(dataset_->train().size());
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<uint32_t>(i);
  uint64_t state = epoch_rng_;
  for (size_t i = order_.size(); i > 1; --i) {
    const size_t j = SplitMix64(state) % i;
    std::swap(order_[i - 1], order_[j]);
  }
}

uint32_t DataLoader::NextIndex() {
  if (position_ == order_.size()) {
    // The next epoch starts from the state the shuffle left, advanced once more.
    uint64_t state = epoch_rng_;
    epoch_rng_ = SplitMix64(state);
    ++epoch_;
    position_ = 0;
    Shuffle();
  }
  return order_[position_++];
}

std::vector<MicroBatch> DataLoader::NextStep() {
  const int per_micro_step = options_.micro_batch * options_.world_size;
  std::vector<std::vector<ArithmeticProblem>> mine(options_.accumulation);
  for (int64_t i = 0; i < global_batch(); ++i) {
    const ArithmeticProblem& p = dataset_->train()[NextIndex()];
    const int64_t micro_step = i / per_micro_step;
    const int64_t owner = (i / options_.micro_batch) % options_.world_size;
    if (owner == options_.rank) mine[micro_step].push_back(p);
  }
  std::vector<MicroBatch> batches;
  for (const auto& problems : mine) batches.push_back(MakeMicroBatch(*dataset_, problems));
  return batches;
}

std::string DataLoader::SaveCursor() const {
  return nlohmann::json{{"epoch", epoch_}, {"position", position_}}.dump();
}

std::string DataLoader::SaveRngState() const {
  return nlohmann::json{{"splitmix64", epoch_rng_}}.dump();
}

absl::Status DataLoader::Restore(absl::string_view cursor, absl::string_view rng_state) {
  using json = nlohmann::json;
  const json c = json::parse(cursor, nullptr, false);
  const json r = json::parse(rng_state, nullptr, false);
  if (!c.is_object() || !c.contains("epoch") || !c.contains("position") ||
      !c["epoch"].is_number_unsigned() || !c["position"].is_number_unsigned()) {
    return absl::InvalidArgumentError("data cursor: must be {\"epoch\": n, \"position\": n}");
  }
  if (!r.is_object() || !r.contains("splitmix64") || !r["splitmix64"].is_number_unsigned()) {
    return absl::InvalidArgumentError("rng state: must be {\"splitmix64\": n}");
  }
  const uint64_t position = c["position"].get<uint64_t>();
  if (position > dataset_->train().size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data cursor.position: ", position, " is past the ", dataset_->train().size(),
        " training problems"));
  }
  epoch_ = c["epoch"].get<uint64_t>();
  epoch_rng_ = r["splitmix64"].get<uint64_t>();
  position_ = position;
  Shuffle();
  return absl::OkStatus();
}

}  // namespace flyover::worker
