#include "apiserver/storage/continue_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::storage {
namespace {

TEST(ContinueTokenTest, RoundTrips) {
  const ContinueToken token{42, "default/worker-7"};
  absl::StatusOr<ContinueToken> decoded = DecodeContinueToken(EncodeContinueToken(token));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, token);
}

TEST(ContinueTokenTest, KeysWithColonsRoundTrip) {
  const ContinueToken token{7, "ns/a:b:c"};
  EXPECT_EQ(*DecodeContinueToken(EncodeContinueToken(token)), token);
}

TEST(ContinueTokenTest, ForeignTokensAreInvalidArgumentNamingContinue) {
  for (const std::string& bad :
       {std::string("%%%"), absl::WebSafeBase64Escape("2:5:a"), absl::WebSafeBase64Escape("1:x:a"),
        absl::WebSafeBase64Escape("1:5"), absl::WebSafeBase64Escape("1:5:"),
        absl::WebSafeBase64Escape("1:-3:a")}) {
    absl::StatusOr<ContinueToken> decoded = DecodeContinueToken(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(decoded.status().message(), "continue: ")) << decoded.status();
  }
}

}  // namespace
}  // namespace flyover::apiserver::storage
