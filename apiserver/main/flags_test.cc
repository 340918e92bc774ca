#include "apiserver/main/flags.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<ApiServerFlags> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "flyover-apiserver");
  return ParseFlags(static_cast<int>(args.size()), args.data());
}

TEST(FlagsTest, ReadsBothSpellingsAndDefaults) {
  absl::StatusOr<ApiServerFlags> flags =
      Parse({"--data-dir=/tmp/d", "--port", "0", "--token=t", "--kubeconfig-out", "k"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->data_dir, "/tmp/d");
  EXPECT_EQ(flags->port, 0);
  EXPECT_EQ(flags->token, "t");
  EXPECT_EQ(flags->kubeconfig_out, "k");
  EXPECT_EQ(flags->bind_address, "127.0.0.1");
  EXPECT_EQ(flags->log_format, "logfmt");
}

TEST(FlagsTest, RefusesUnknownFlagsBadPortsAndMissingDataDir) {
  EXPECT_THAT(Parse({"--data-dir=d", "--bogus=1"}).status().message(),
              HasSubstr("unknown flag --bogus"));
  EXPECT_THAT(Parse({"--data-dir=d", "--port=70000"}).status().message(), HasSubstr("--port"));
  EXPECT_THAT(Parse({"--port=1"}).status().message(), HasSubstr("--data-dir is required"));
  EXPECT_THAT(Parse({"--data-dir"}).status().message(), HasSubstr("missing value"));
}

TEST(FlagsTest, HelpNeedsNothingElseAndDocumentsEveryFlag) {
  absl::StatusOr<ApiServerFlags> flags = Parse({"--help"});
  ASSERT_TRUE(flags.ok());
  EXPECT_TRUE(flags->help);
  for (const char* flag :
       {"--data-dir", "--kubeconfig-out", "--port", "--bind-address", "--tls-cert-file",
        "--tls-private-key-file", "--token", "--log-format"}) {
    EXPECT_THAT(UsageText(), HasSubstr(flag));
  }
}

}  // namespace
}  // namespace flyover::apiserver
