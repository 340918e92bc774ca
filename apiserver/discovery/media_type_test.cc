#include "apiserver/discovery/media_type.h"

#include "gtest/gtest.h"

namespace flyover::apiserver::discovery {
namespace {

constexpr char kKubectlDiscovery[] =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
constexpr char kKubectlTable[] =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
    "g=meta.k8s.io,application/json";

TEST(MediaTypeTest, ParsesRangesAndParameters) {
  std::vector<MediaRange> ranges = ParseAccept(" Application/JSON ; AS=Table; v=\"v1\" , */*");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].type, "application/json");
  EXPECT_EQ(ranges[0].params.at("as"), "Table");
  EXPECT_EQ(ranges[0].params.at("v"), "v1");
  EXPECT_EQ(ranges[1].type, "*/*");
  EXPECT_TRUE(ParseAccept("").empty());
}

TEST(MediaTypeTest, RecognisesWhatKubectlAsksFor) {
  EXPECT_TRUE(AcceptsAggregatedDiscovery(kKubectlDiscovery));
  EXPECT_TRUE(AcceptsAggregatedDiscovery(
      "application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io"));
  EXPECT_FALSE(AcceptsAggregatedDiscovery(
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"));
  EXPECT_FALSE(AcceptsAggregatedDiscovery("application/json, */*"));

  EXPECT_TRUE(AcceptsOpenApiV2Protobuf("application/com.github.proto-openapi.spec.v2@v1.0+protobuf"));
  EXPECT_TRUE(AcceptsOpenApiV2Protobuf("application/com.github.proto-openapi.spec.v2.v1.0+protobuf"));
  EXPECT_FALSE(AcceptsOpenApiV2Protobuf("application/json"));

  EXPECT_TRUE(AcceptsTable(kKubectlTable));
  EXPECT_FALSE(AcceptsTable("application/json;as=Table;v=v1beta1;g=meta.k8s.io"));
  EXPECT_FALSE(AcceptsTable(kKubectlDiscovery));
}

}  // namespace
}  // namespace flyover::apiserver::discovery
