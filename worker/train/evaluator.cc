#include "worker/train/evaluator.h"

#include <vector>

#include "common/status.h"
#include "worker/data/tokenizer.h"

namespace flyover::worker {
namespace {

// Generates answer_length + 1 tokens after each prompt; returns how many match the answer
// followed by <eos>.
absl::StatusOr<int64_t> DecodeBatch(TransformerLm& model, const ArithmeticDataset& dataset,
                                    const std::vector<ArithmeticProblem>& problems) {
  const int batch = static_cast<int>(problems.size());
  const int vocab = model.config().vocab;
  std::vector<std::vector<int32_t>> sequences;
  for (const ArithmeticProblem& p : problems) {
    std::vector<int32_t> tokens = dataset.Tokens(p);
    tokens.resize(dataset.prompt_length());
    sequences.push_back(std::move(tokens));
  }
  for (int k = 0; k <= dataset.answer_length(); ++k) {
    const int length = static_cast<int>(sequences[0].size());
    std::vector<int32_t> inputs;
    for (const auto& s : sequences) inputs.insert(inputs.end(), s.begin(), s.end());
    ASSIGN_OR_RETURN(std::vector<float> logits, model.Logits(batch, length, inputs));
    for (int b = 0; b < batch; ++b) {
      const float* row = &logits[(static_cast<size_t>(b) * length + length - 1) * vocab];
      int32_t best = 0;
      for (int32_t v = 1; v < vocab; ++v) {
        if (row[v] > row[best]) best = v;
      }
      sequences[b].push_back(best);
    }
  }
  int64_t correct = 0;
  for (int b = 0; b < batch; ++b) {
    correct += sequences[b] == dataset.Tokens(problems[b]) ? 1 : 0;
  }
  return correct;
}

}  // namespace

absl::StatusOr<EvalResult> EvaluateExactMatch(TransformerLm& model,
                                              const ArithmeticDataset& dataset,
                                              Communicator& comm, int batch) {
  std::vector<ArithmeticProblem> mine;
  for (size_t i = 0; i < dataset.eval().size(); ++i) {
    if (static_cast<int>(i % comm.size()) == comm.rank()) mine.push_back(dataset.eval()[i]);
  }
  float counts[2] = {0, static_cast<float>(mine.size())};
  for (size_t start = 0; start < mine.size(); start += batch) {
    const size_t end = std::min(mine.size(), start + static_cast<size_t>(batch));
    ASSIGN_OR_RETURN(int64_t correct,
                     DecodeBatch(model, dataset, {mine.begin() + start, mine.begin() + end}));
    counts[0] += static_cast<float>(correct);
  }
  RETURN_IF_ERROR(comm.AllReduce(absl::MakeSpan(counts, 2)));
  return EvalResult{static_cast<int64_t>(counts[0]), static_cast<int64_t>(counts[1])};
}

}  // namespace flyover::worker
