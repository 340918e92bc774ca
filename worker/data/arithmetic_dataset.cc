#include "worker/data/arithmetic_dataset.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "worker/data/tokenizer.h"

namespace flyover::worker {
namespace {

int DigitsOf(int64_t value) {
  int digits = 1;
  while (value >= 10) {
    value /= 10;
    ++digits;
  }
  return digits;
}

ArithmeticProblem Draw(uint64_t& state, int32_t max_operand) {
  const uint64_t range = static_cast<uint64_t>(max_operand) + 1;
  ArithmeticProblem p;
  p.a = static_cast<int32_t>(SplitMix64(state) % range);
  p.b = static_cast<int32_t>(SplitMix64(state) % range);
  return p;
}

uint64_t KeyOf(const ArithmeticProblem& p) {
  return (static_cast<uint64_t>(p.a) << 32) | static_cast<uint32_t>(p.b);
}

}  // namespace

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

absl::StatusOr<ArithmeticDataset> ArithmeticDataset::Create(
    const ArithmeticDatasetOptions& options) {
  if (options.max_operand < 1 || options.max_operand > 99999999) {
    return absl::InvalidArgumentError("training.dataset.maxOperand: must be in [1, 99999999]");
  }
  if (options.train_examples < 1) {
    return absl::InvalidArgumentError("training.dataset.trainExamples: must be >= 1");
  }
  const double distinct = static_cast<double>(options.max_operand + 1) *
                          static_cast<double>(options.max_operand + 1);
  if (options.eval_examples < 0 || options.eval_examples > distinct / 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training.dataset.evalExamples: must be in [0, ", static_cast<int64_t>(distinct / 2),
        "] (half of the distinct problems for maxOperand ", options.max_operand, ")"));
  }
  ArithmeticDataset dataset(DigitsOf(options.max_operand));
  uint64_t state = options.seed;
  absl::flat_hash_set<uint64_t> held_out;
  while (static_cast<int32_t>(dataset.eval_.size()) < options.eval_examples) {
    const ArithmeticProblem p = Draw(state, options.max_operand);
    if (held_out.insert(KeyOf(p)).second) dataset.eval_.push_back(p);
  }
  dataset.train_.reserve(options.train_examples);
  while (static_cast<int32_t>(dataset.train_.size()) < options.train_examples) {
    const ArithmeticProblem p = Draw(state, options.max_operand);
    if (!held_out.contains(KeyOf(p))) dataset.train_.push_back(p);
  }
  return dataset;
}

std::string ArithmeticDataset::PromptText(const ArithmeticProblem& p) const {
  return absl::StrFormat("%0*d+%0*d=", operand_width_, p.a, operand_width_, p.b);
}

std::string ArithmeticDataset::AnswerText(const ArithmeticProblem& p) const {
  return absl::StrFormat("%0*d", operand_width_ + 1, p.a + p.b);
}

std::vector<int32_t> ArithmeticDataset::Tokens(const ArithmeticProblem& p) const {
  // Every character is a digit, '+' or '=': Encode cannot fail.
  std::vector<int32_t> tokens = *Encode(PromptText(p) + AnswerText(p));
  tokens.push_back(kEosToken);
  return tokens;
}

}  // namespace flyover::worker
