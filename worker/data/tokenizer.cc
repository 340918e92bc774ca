#include "worker/data/tokenizer.h"

#include "absl/strings/str_cat.h"

namespace flyover::worker {
namespace {

constexpr int32_t kFirstDigit = 2;
constexpr int32_t kPlus = 12;
constexpr int32_t kMinus = 13;
constexpr int32_t kEquals = 14;

int32_t IdOf(char c) {
  if (c >= '0' && c <= '9') return kFirstDigit + (c - '0');
  if (c == '+') return kPlus;
  if (c == '-') return kMinus;
  if (c == '=') return kEquals;
  return -1;
}

}  // namespace

absl::StatusOr<std::vector<int32_t>> Encode(absl::string_view text) {
  std::vector<int32_t> ids;
  ids.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const int32_t id = IdOf(text[i]);
    if (id < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("text[", i, "]: character '", text.substr(i, 1), "' is not in the vocabulary"));
    }
    ids.push_back(id);
  }
  return ids;
}

std::string Decode(const std::vector<int32_t>& ids) {
  std::string text;
  for (int32_t id : ids) {
    if (id == kEosToken) break;
    if (id == kPadToken) continue;
    if (id >= kFirstDigit && id < kFirstDigit + 10) {
      text += static_cast<char>('0' + (id - kFirstDigit));
    } else if (id == kPlus) {
      text += '+';
    } else if (id == kMinus) {
      text += '-';
    } else if (id == kEquals) {
      text += '=';
    } else {
      text += '?';
    }
  }
  return text;
}

}  // namespace flyover::worker
