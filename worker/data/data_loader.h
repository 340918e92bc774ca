// DataLoader: the order in which training problems are seen, and how each global batch is
// split among data-parallel ranks and micro-batches.
//
// Order: epoch e visits the training set in a permutation drawn (Fisher-Yates, SplitMix64)
// from the RNG state the epoch started with; the state then carries on to the next epoch.
// The cursor (epoch, position) and that RNG state are the loader's whole state: Save*()
// return them as bytes and Restore() puts them back, after which the loader yields exactly
// the examples it would have yielded.
//
// Sharding: a step consumes one global batch of G = micro x ranks x accumulation examples,
// identical for every rank. Example i of the global batch belongs to micro-step
// i / (micro x ranks) and rank (i / micro) % ranks. Every rank advances the cursor by G,
// so every rank holds the same cursor.
//
// Masking: a micro-batch's inputs are tokens [0, L-1) of each example and its targets
// tokens [1, L); targets inside the prompt are -1 with mask 0 (not trained on), answer and
// <eos> targets have mask 1.
//
// Thread-safety: thread-compatible.
#ifndef FLYOVER_WORKER_DATA_DATA_LOADER_H_
#define FLYOVER_WORKER_DATA_DATA_LOADER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/data/arithmetic_dataset.h"

namespace flyover::worker {

// One rank's micro-batch: `batch` sequences of `length` tokens, row-major.
struct MicroBatch {
  int batch = 0;
  int length = 0;
  std::vector<int32_t> inputs;   // batch * length
  std::vector<int32_t> targets;  // batch * length; -1 = ignored
  std::vector<float> mask;       // batch * length; 1 where the loss counts
  // Tokens with mask 1.
  int64_t masked_in() const;
};

// The micro-batch of `problems` (all of one dataset).
MicroBatch MakeMicroBatch(const ArithmeticDataset& dataset,
                          const std::vector<ArithmeticProblem>& problems);

struct DataLoaderOptions {
  int micro_batch = 4;
  int world_size = 1;
  int rank = 0;
  int accumulation = 1;  // micro-steps per step
  uint64_t seed = 42;
};

class DataLoader {
 public:
  // Borrows `dataset`, which must outlive the loader. InvalidArgument for bad options.
  [[nodiscard]] static absl::StatusOr<DataLoader> Create(const ArithmeticDataset* dataset,
                                                         const DataLoaderOptions& options);

  // The next global batch, cut into this rank's `accumulation` micro-batches (in order).
  std::vector<MicroBatch> NextStep();

  std::string SaveCursor() const;
  std::string SaveRngState() const;
  // InvalidArgument if the bytes do not parse or do not fit the dataset.
  [[nodiscard]] absl::Status Restore(absl::string_view cursor, absl::string_view rng_state);

  int64_t global_batch() const {
    return int64_t{options_.micro_batch} * options_.world_size * options_.accumulation;
  }
  uint64_t epoch() const { return epoch_; }
  uint64_t position() const { return position_; }

 private:
  DataLoader(const ArithmeticDataset* dataset, const DataLoaderOptions& options);
  // Draws the permutation of the current epoch from epoch_rng_.
  void Shuffle();
  // The next example's index in the training set.
  uint32_t NextIndex();

  const ArithmeticDataset* dataset_;
  DataLoaderOptions options_;
  uint64_t epoch_ = 0;
  uint64_t position_ = 0;    // within the epoch's permutation
  uint64_t epoch_rng_ = 0;   // the RNG state at the start of the current epoch
  std::vector<uint32_t> order_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_DATA_DATA_LOADER_H_
