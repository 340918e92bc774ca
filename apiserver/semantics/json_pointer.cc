#include "apiserver/semantics/json_pointer.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flyover::apiserver {

absl::StatusOr<std::vector<std::string>> ParseJsonPointer(absl::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON pointer \"", pointer, "\": must be empty or start with '/'"));
  }
  for (absl::string_view raw : absl::StrSplit(pointer.substr(1), '/')) {
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token.push_back(raw[i]);
        continue;
      }
      if (i + 1 == raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid JSON pointer \"", pointer, "\": '~' must be followed by '0' or '1'"));
      }
      token.push_back(raw[++i] == '0' ? '~' : '/');
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

std::string FormatJsonPointer(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& token : tokens) {
    out.push_back('/');
    for (char c : token) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out.push_back(c);
      }
    }
  }
  return out;
}

std::optional<size_t> ParseArrayIndex(absl::string_view token) {
  if (token.empty() || (token.size() > 1 && token.front() == '0')) return std::nullopt;
  size_t value = 0;
  for (char c : token) {
    if (!absl::ascii_isdigit(c)) return std::nullopt;
    const size_t digit = static_cast<size_t>(c - '0');
    if (value > (std::numeric_limits<size_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace flyover::apiserver
