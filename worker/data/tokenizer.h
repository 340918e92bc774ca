// Tokenizer: the fixed character vocabulary of the arithmetic SFT task. One token per
// character; ids are stable (checkpoints and tests rely on them):
//   0 <pad>   1 <eos>   2..11 '0'..'9'   12 '+'   13 '-'   14 '='
// A model's vocabSize must be at least kTokenizerVocabSize.
// Thread-safety: stateless functions.
#ifndef FLYOVER_WORKER_DATA_TOKENIZER_H_
#define FLYOVER_WORKER_DATA_TOKENIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::worker {

inline constexpr int32_t kPadToken = 0;
inline constexpr int32_t kEosToken = 1;
inline constexpr int32_t kTokenizerVocabSize = 15;

// The ids of `text`'s characters; InvalidArgument naming the first character outside
// the vocabulary.
[[nodiscard]] absl::StatusOr<std::vector<int32_t>> Encode(absl::string_view text);
// The characters of `ids`; <pad> is dropped, decoding stops at <eos>; ids outside the
// vocabulary decode as '?'.
std::string Decode(const std::vector<int32_t>& ids);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_DATA_TOKENIZER_H_
