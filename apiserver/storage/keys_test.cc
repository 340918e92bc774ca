#include "apiserver/storage/keys.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::storage {
namespace {

using ::testing::HasSubstr;

MATCHER_P(InvalidArgumentWith, text, "") {
  return arg.code() == absl::StatusCode::kInvalidArgument &&
         absl::string_view(arg.message()).find(text) != absl::string_view::npos;
}

TEST(KeysTest, ValidKeysPass) {
  EXPECT_TRUE(ValidateKey({"pods", "default", "worker-0"}).ok());
  EXPECT_TRUE(ValidateKey({"nodes", "", "node-1"}).ok());
  EXPECT_TRUE(ValidateKey({"posttrainingjobs.training.flyover.dev", "ns", "job"}).ok());
}

TEST(KeysTest, EmptyPartsNameTheirField) {
  EXPECT_THAT(ValidateKey({"pods", "default", ""}), InvalidArgumentWith("name: must not be empty"));
  EXPECT_THAT(ValidateKey({"", "default", "a"}),
              InvalidArgumentWith("resource: must not be empty"));
}

TEST(KeysTest, LongPartsNameTheirFieldAndLimit) {
  const std::string long_name(kMaxNameBytes + 1, 'a');
  EXPECT_THAT(ValidateKey({"pods", "default", long_name}),
              InvalidArgumentWith("name: must be no more than 253 bytes, got 254"));
  EXPECT_THAT(ValidateKey({"pods", std::string(300, 'n'), "a"}), InvalidArgumentWith("namespace"));
  EXPECT_THAT(ValidateKey({std::string(300, 'r'), "", "a"}), InvalidArgumentWith("resource"));
  EXPECT_TRUE(ValidateKey({"pods", "default", std::string(kMaxNameBytes, 'a')}).ok());
}

TEST(KeysTest, SlashesAndNulAreRefused) {
  EXPECT_THAT(ValidateKey({"pods", "default", "a/b"}),
              InvalidArgumentWith("name: must not contain '/'"));
  EXPECT_THAT(ValidateKey({"pods", "de/fault", "a"}), InvalidArgumentWith("namespace"));
  EXPECT_THAT(ValidateKey({"pods", "default", std::string("a\0b", 3)}),
              InvalidArgumentWith("name: must not contain NUL"));
}

TEST(KeysTest, ValuesMustBeNonEmptyAndAtMostThreeMebibytes) {
  EXPECT_THAT(ValidateValue(""), InvalidArgumentWith("value: must not be empty"));
  EXPECT_TRUE(ValidateValue(std::string(kMaxValueBytes, 'x')).ok());
  EXPECT_THAT(ValidateValue(std::string(kMaxValueBytes + 1, 'x')),
              InvalidArgumentWith("value: must be no more than 3145728 bytes"));
}

TEST(KeysTest, EncodeDecodeRoundTrips) {
  for (const ObjectKey& key : {ObjectKey{"pods", "default", "a"}, ObjectKey{"nodes", "", "n1"}}) {
    absl::StatusOr<ObjectKey> decoded = DecodeKey(EncodeKey(key));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, key);
  }
  EXPECT_EQ(EncodeKey({"pods", "default", "a"}), "/pods/default/a");
  EXPECT_EQ(EncodeKey({"nodes", "", "n1"}), "/nodes//n1");
}

TEST(KeysTest, DecodeRefusesForeignStrings) {
  EXPECT_FALSE(DecodeKey("pods/default/a").ok());
  EXPECT_FALSE(DecodeKey("/pods/a").ok());
  EXPECT_THAT(DecodeKey("/pods/default/").status(), InvalidArgumentWith("name"));
}

TEST(KeysTest, ScopePrefixesCoverExactlyTheirKeys) {
  const std::string all = ScopePrefix("pods", "");
  const std::string one = ScopePrefix("pods", "default");
  EXPECT_EQ(all, "/pods/");
  EXPECT_EQ(one, "/pods/default/");
  EXPECT_EQ(PrefixEnd(all), "/pods0");
  const std::string key = EncodeKey({"pods", "default", "zzz"});
  EXPECT_TRUE(key >= one && key < PrefixEnd(one));
  const std::string other = EncodeKey({"pods", "default2", "a"});
  EXPECT_FALSE(other >= one && other < PrefixEnd(one));
  EXPECT_FALSE(EncodeKey({"podsx", "", "a"}) < PrefixEnd(all));
}

TEST(KeysTest, DescribeKeyReadsNaturally) {
  EXPECT_EQ(DescribeKey({"pods", "default", "a"}), "pods default/a");
  EXPECT_EQ(DescribeKey({"nodes", "", "n1"}), "nodes n1");
  EXPECT_THAT(DescribeKey({"pods", "x", "y"}), HasSubstr("x/y"));
}

}  // namespace
}  // namespace flyover::apiserver::storage
