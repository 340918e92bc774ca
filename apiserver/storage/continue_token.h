// Continue tokens for paginated lists: the snapshot revision the first page was read at and the
// last key returned, so that every page of one list reads the same snapshot.
//
// The token is opaque to clients: base64url of "1:<revision>:<last key>", where the key is
// relative to the list's scope prefix (so a token cannot reach outside the resource it came
// from). Decoding a token that is not one of ours is InvalidArgument naming "continue".
//
// Thread-safety: pure functions.
#ifndef FLYOVER_APISERVER_STORAGE_CONTINUE_TOKEN_H_
#define FLYOVER_APISERVER_STORAGE_CONTINUE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::apiserver::storage {

struct ContinueToken {
  int64_t revision = 0;  // the list's snapshot
  std::string last_key;  // the last key returned, without the scope prefix; never empty

  friend bool operator==(const ContinueToken&, const ContinueToken&) = default;
};

std::string EncodeContinueToken(const ContinueToken& token);
[[nodiscard]] absl::StatusOr<ContinueToken> DecodeContinueToken(absl::string_view token);

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_CONTINUE_TOKEN_H_
