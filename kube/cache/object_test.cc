#include "kube/cache/object.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/objects.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::Optional;
using ::testing::Pair;

TEST(ObjectKeyTest, IsNamespaceSlashNameOrJustTheName) {
  auto ns = PackedJson::Pack(MakeObject({.namespace_ = "ns", .name = "a"}));
  auto cluster = PackedJson::Pack(MakeObject({.kind = "Node", .name = "n1"}));
  EXPECT_EQ(ObjectKey(ns->view()).value_or(""), "ns/a");
  EXPECT_EQ(ObjectKey(cluster->view()).value_or(""), "n1");
  auto nameless = PackedJson::Pack(json::parse(R"({"metadata": {"namespace": "ns"}})"));
  EXPECT_EQ(ObjectKey(nameless->view()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(JoinKey("ns", "a"), "ns/a");
  EXPECT_EQ(JoinKey("", "a"), "a");
  EXPECT_THAT(SplitKey("ns/a"), Pair("ns", "a"));
  EXPECT_THAT(SplitKey("a"), Pair("", "a"));
}

TEST(ResourceVersionTest, ParsesDecimalNumbersOnly) {
  EXPECT_THAT(ParseResourceVersion("12345"), Optional(12345u));
  EXPECT_EQ(ParseResourceVersion(""), std::nullopt);
  EXPECT_EQ(ParseResourceVersion("abc"), std::nullopt);
  EXPECT_EQ(ParseResourceVersion("-1"), std::nullopt);
}

TEST(MakeCachedObjectTest, TransformsAndPacks) {
  json pod = MakeWorkerPod({.index = 1, .resource_version = "7"});
  absl::StatusOr<ObjectPtr> cached = MakeCachedObject(pod, StripManagedFields);
  ASSERT_TRUE(cached.ok()) << cached.status();
  EXPECT_FALSE((**cached)["metadata"].contains("managedFields"));
  EXPECT_EQ(ResourceVersionOf((*cached)->view()), "7");
  EXPECT_FALSE(UidOf((*cached)->view()).empty());
  pod["metadata"].erase("managedFields");
  EXPECT_EQ((*cached)->ToJson(), pod);
}

TEST(MakeCachedObjectTest, RejectsObjectsItCannotKey) {
  EXPECT_EQ(MakeCachedObject(json::array(), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeCachedObject(json::parse(R"({"metadata": {"name": 5}})"), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(StripManagedFieldsTest, LeavesOtherObjectsAlone) {
  json odd = json::parse(R"({"metadata": "not an object"})");
  StripManagedFields(odd);
  EXPECT_EQ(odd["metadata"], "not an object");
}

}  // namespace
}  // namespace flyover::kube
