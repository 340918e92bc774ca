// List bodies served from the stored bytes (StoredListResponse, SpliceResourceVersion): they
// decode to exactly the list the parsing path (ObjectService::List + ListResponse) sends.
#include "apiserver/server/response_encoding.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "apiserver/server/testing/api_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using ::flyover::apiserver::testing::PodJson;
using json = nlohmann::json;

json Parse(const std::string& text) { return json::parse(text, nullptr, false); }

TEST(SpliceResourceVersionTest, AddsItAsMetadatasFirstMember) {
  EXPECT_EQ(SpliceResourceVersion(R"({"kind":"Pod","metadata":{"name":"a"},"spec":{}})", 7),
            R"({"kind":"Pod","metadata":{"resourceVersion":"7","name":"a"},"spec":{}})");
  EXPECT_EQ(SpliceResourceVersion(R"({"metadata":{}})", 12),
            R"({"metadata":{"resourceVersion":"12"}})");
  EXPECT_EQ(SpliceResourceVersion(R"( { "metadata" : { } } )", 3),
            R"( { "metadata" : {"resourceVersion":"3" } } )");
}

TEST(SpliceResourceVersionTest, ReplacesOneAlreadyThere) {
  EXPECT_EQ(SpliceResourceVersion(R"({"metadata":{"name":"a","resourceVersion":"1"}})", 9),
            R"({"metadata":{"name":"a","resourceVersion":"9"}})");
}

TEST(SpliceResourceVersionTest, FindsTheTopLevelMetadataPastTrickyValues) {
  const std::string object =
      R"({"a":"}\"metadata\":{","b":[{"metadata":{"x":1}},"]"],"c":-1.5e3,"d":null,)"
      R"("metadata":{"annotations":{"k":"{\"resourceVersion\":\"0\"}"}},"z":true})";
  std::optional<std::string> spliced = SpliceResourceVersion(object, 42);
  ASSERT_TRUE(spliced.has_value());
  json expected = Parse(object);
  expected["metadata"]["resourceVersion"] = "42";
  EXPECT_EQ(Parse(*spliced), expected);
}

TEST(SpliceResourceVersionTest, LeavesWhatItCannotReadToTheParser) {
  for (const char* object : {"", "[]", "{}", R"({"metadata":"x"})", R"({"metadata":[]})",
                             R"({"a":"unterminated)", R"({"a" 1,"metadata":{}})",
                             R"({"a":{"b":1,"metadata":{}})"}) {
    EXPECT_EQ(SpliceResourceVersion(object, 1), std::nullopt) << object;
  }
}

class StoredListResponseTest : public ::testing::Test {
 protected:
  const discovery::ResourceInfo& Pods() {
    snapshot_ = api_.registry().Snapshot();
    const discovery::ResourceInfo* pods = snapshot_->registry().Find("", "v1", "pods");
    EXPECT_NE(pods, nullptr);
    return *pods;
  }

  ApiFixture api_;
  std::shared_ptr<const RegistrySnapshot> snapshot_;
};

TEST_F(StoredListResponseTest, DecodesToTheListTheParsingPathSends) {
  for (int i = 0; i < 5; ++i) {
    json pod = Parse(PodJson(absl::StrCat("p", i), {{"app", i % 2 ? "odd" : "even"}}));
    pod["metadata"]["annotations"] = {{"note", "quote \" brace } \\ \u00e9"}};
    ASSERT_EQ(api_.Call("POST", "/api/v1/namespaces/default/pods", pod.dump()).status, 201);
  }
  for (const ListRequest& request :
       {ListRequest{}, ListRequest{.limit = 2}, ListRequest{.limit = 10}}) {
    absl::StatusOr<ListResult> parsed = api_.objects().List(Pods(), "default", request);
    absl::StatusOr<StoredListResult> stored = api_.objects().ListStored(Pods(), "default", request);
    ASSERT_TRUE(parsed.ok() && stored.ok());
    const json expected = Parse(ListResponse(Pods(), *parsed, {}, absl::Now()).body);
    const json served = Parse(StoredListResponse(Pods(), *stored).body);
    ASSERT_FALSE(served.is_discarded());
    EXPECT_EQ(served, expected);
    EXPECT_FALSE(served["items"][0]["metadata"]["resourceVersion"].get<std::string>().empty());
  }
}

TEST_F(StoredListResponseTest, SelectorsAndLimitsMatchOverHttp) {
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(api_.Call("POST", "/api/v1/namespaces/default/pods",
                        PodJson(absl::StrCat("p", i), {{"app", i % 2 ? "odd" : "even"}}))
                  .status,
              201);
  }
  const json even = ApiFixture::Json(
      api_.Call("GET", "/api/v1/namespaces/default/pods?labelSelector=app=even&limit=2"));
  ASSERT_EQ(even["items"].size(), 2u);
  EXPECT_EQ(even["items"][1]["metadata"]["name"], "p2");
  EXPECT_FALSE(even["metadata"].contains("remainingItemCount"));  // never with selectors
  const json limited =
      ApiFixture::Json(api_.Call("GET", "/api/v1/namespaces/default/pods?limit=4"));
  ASSERT_EQ(limited["items"].size(), 4u);
  EXPECT_EQ(limited["metadata"]["remainingItemCount"], 2);
  const json named = ApiFixture::Json(
      api_.Call("GET", "/api/v1/pods?fieldSelector=metadata.name=p5"));
  ASSERT_EQ(named["items"].size(), 1u);
  EXPECT_EQ(named["items"][0]["metadata"]["labels"]["app"], "odd");
}

}  // namespace
}  // namespace flyover::apiserver
