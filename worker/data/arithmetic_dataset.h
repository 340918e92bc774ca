// ArithmeticDataset: generated supervised fine-tuning problems "a+b=" with answer a+b,
// for 0 <= a, b <= maxOperand. Operands are zero-padded to the width of maxOperand and
// answers to one digit more ("07+35=" -> "042"), so every example has the same length
// and greedy decoding runs in batches; the example is prompt, answer, <eos>.
//
// Deterministic by seed: the held-out set (evalExamples distinct problems) is drawn first,
// then trainExamples training problems, each rejected and redrawn if it is held out, so the
// two sets never overlap (training problems may repeat among themselves). Generation uses
// SplitMix64, not <random>'s distributions, so the sets are the same on every platform.
//
// Thread-safety: immutable after Create.
#ifndef FLYOVER_WORKER_DATA_ARITHMETIC_DATASET_H_
#define FLYOVER_WORKER_DATA_ARITHMETIC_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace flyover::worker {

struct ArithmeticProblem {
  int32_t a = 0;
  int32_t b = 0;
  friend bool operator==(const ArithmeticProblem&, const ArithmeticProblem&) = default;
};

struct ArithmeticDatasetOptions {
  int32_t train_examples = 20000;
  int32_t eval_examples = 200;
  int32_t max_operand = 99;
  uint64_t seed = 42;
};

// SplitMix64: one step of Steele et al.'s generator; advances `state`.
uint64_t SplitMix64(uint64_t& state);

class ArithmeticDataset {
 public:
  // InvalidArgument naming the field when the held-out set cannot be drawn (evalExamples
  // more than half of the (maxOperand+1)^2 distinct problems) or a count is negative.
  [[nodiscard]] static absl::StatusOr<ArithmeticDataset> Create(
      const ArithmeticDatasetOptions& options);

  const std::vector<ArithmeticProblem>& train() const { return train_; }
  const std::vector<ArithmeticProblem>& eval() const { return eval_; }

  // Tokens of the prompt "aa+bb=" and of the answer "ccc" followed by <eos>.
  int prompt_length() const { return 2 * operand_width_ + 2; }
  int answer_length() const { return operand_width_ + 1; }
  // prompt + answer + <eos>.
  int example_length() const { return prompt_length() + answer_length() + 1; }

  std::string PromptText(const ArithmeticProblem& p) const;
  std::string AnswerText(const ArithmeticProblem& p) const;
  // The full token sequence of `p`: prompt, answer, <eos>.
  std::vector<int32_t> Tokens(const ArithmeticProblem& p) const;

 private:
  explicit ArithmeticDataset(int operand_width) : operand_width_(operand_width) {}

  int operand_width_;
  std::vector<ArithmeticProblem> train_;
  std::vector<ArithmeticProblem> eval_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_DATA_ARITHMETIC_DATASET_H_
