// Exact-match evaluation: greedy decoding of held-out arithmetic problems. A problem is
// correct when the model, given the prompt, generates exactly the answer's digits and then
// <eos>. The problems are split over the data-parallel ranks (problem i goes to rank
// i mod world size) and the counts are summed with an AllReduce, so every rank returns
// the same result.
// Thread-safety: uses `model` and `comm` exclusively for the duration of the call.
#ifndef FLYOVER_WORKER_TRAIN_EVALUATOR_H_
#define FLYOVER_WORKER_TRAIN_EVALUATOR_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "worker/comm/communicator.h"
#include "worker/data/arithmetic_dataset.h"
#include "worker/model/transformer_lm.h"

namespace flyover::worker {

struct EvalResult {
  int64_t correct = 0;
  int64_t examples = 0;
  double accuracy() const {
    return examples == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(examples);
  }
};

// `batch`: problems decoded together.
[[nodiscard]] absl::StatusOr<EvalResult> EvaluateExactMatch(TransformerLm& model,
                                                            const ArithmeticDataset& dataset,
                                                            Communicator& comm, int batch = 64);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_EVALUATOR_H_
