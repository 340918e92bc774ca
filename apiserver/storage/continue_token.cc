#include "apiserver/storage/continue_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace flyover::apiserver::storage {
namespace {

constexpr absl::string_view kVersionPrefix = "1:";

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("continue: malformed token (", why, "); start a new list without it"));
}

}  // namespace

std::string EncodeContinueToken(const ContinueToken& token) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kVersionPrefix, token.revision, ":", token.last_key));
}

absl::StatusOr<ContinueToken> DecodeContinueToken(absl::string_view token) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) return Malformed("not base64url");
  absl::string_view rest = text;
  if (!absl::ConsumePrefix(&rest, kVersionPrefix)) return Malformed("unknown version");
  const size_t colon = rest.find(':');
  if (colon == absl::string_view::npos) return Malformed("no key");
  ContinueToken decoded;
  if (!absl::SimpleAtoi(rest.substr(0, colon), &decoded.revision) || decoded.revision < 0) {
    return Malformed("bad revision");
  }
  decoded.last_key = std::string(rest.substr(colon + 1));
  if (decoded.last_key.empty()) return Malformed("empty key");
  return decoded;
}

}  // namespace flyover::apiserver::storage
