#include "apiserver/semantics/merge_patch.h"

#include <string>
#include <tuple>
#include <vector>

#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/json_body.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

// RFC 7386 appendix A, then the shapes kubectl sends with --type=merge.
TEST(MergePatchTest, AppliesAsTheRfcSays) {
  const std::vector<std::tuple<std::string, std::string, std::string>> table = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", R"(null)", R"(null)"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
      {R"({"metadata":{"labels":{"app":"web","tier":"db"}}})",
       R"({"metadata":{"labels":{"tier":null,"canary":"true"}}})",
       R"({"metadata":{"labels":{"app":"web","canary":"true"}}})"},
      {R"({"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}}})",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"b","image":"x"}]}}}})",
       R"({"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"b","image":"x"}]}}}})"},
      {R"({"a":1})", R"({})", R"({"a":1})"},
      {R"({"a":{"b":1}})", R"({"a":[null]})", R"({"a":[null]})"},
  };
  for (const auto& [target, patch, expected] : table) {
    SCOPED_TRACE(target + " + " + patch);
    absl::StatusOr<json> result = ApplyMergePatch(json::parse(target), json::parse(patch));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, json::parse(expected));
  }
}

TEST(MergePatchTest, RejectsDocumentsNestedTooDeeply) {
  json deep = json::object();
  for (size_t i = 0; i < kMaxJsonNestingDepth + 1; ++i) deep = json{{"a", deep}};
  absl::StatusOr<json> result = ApplyMergePatch(json::object(), deep);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(StatusFromAbsl(result.status())["code"], 400);
  EXPECT_THAT(std::string(result.status().message()), testing::HasSubstr("nested deeper"));
  EXPECT_FALSE(ApplyMergePatch(deep, json::object()).ok());
}

TEST(MergePatchTest, CreateMergePatchInvertsApply) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {R"({"a":1,"b":{"c":2,"d":3}})", R"({"a":1,"b":{"c":5},"e":[1]})"},
      {R"({"a":{"b":1}})", R"({"a":"flat"})"},
      {R"({"a":[1,2]})", R"({"a":[2]})"},
      {R"({})", R"({"x":{"y":{"z":true}}})"},
      {R"({"x":1})", R"({})"},
      {R"({"a":1})", R"([1])"},
  };
  for (const auto& [original, modified] : table) {
    SCOPED_TRACE(original + " -> " + modified);
    const json before = json::parse(original);
    const json after = json::parse(modified);
    json patch = CreateMergePatch(before, after);
    absl::StatusOr<json> result = ApplyMergePatch(before, patch);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(*result, after);
  }
  EXPECT_EQ(CreateMergePatch(json::parse(R"({"a":1,"b":2})"), json::parse(R"({"a":1,"b":3})")),
            json::parse(R"({"b":3})"));
}

TEST(JsonBodyTest, ParsesAndReportsBadSyntax) {
  absl::StatusOr<json> ok = ParseJsonBody(R"({"a":[1,2]})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["a"][1], 2);
  absl::StatusOr<json> bad = ParseJsonBody("{\"a\":", "patch");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              testing::StartsWith("error decoding patch: parse error at line 1"));
  EXPECT_EQ(StatusFromAbsl(bad.status())["reason"], "BadRequest");
  EXPECT_FALSE(ParseJsonBody("").ok());
  EXPECT_FALSE(ParseJsonBody("{} {}").ok());
  EXPECT_FALSE(ParseJsonBody(std::string(kMaxJsonNestingDepth + 1, '[') +
                             std::string(kMaxJsonNestingDepth + 1, ']'))
                   .ok());
  EXPECT_TRUE(ParseJsonBody(std::string(kMaxJsonNestingDepth, '[') +
                            std::string(kMaxJsonNestingDepth, ']'))
                  .ok());
}

TEST(JsonBodyTest, NestingDepth) {
  EXPECT_EQ(NestingDepth(json(1)), 0u);
  EXPECT_EQ(NestingDepth(json::array()), 1u);
  EXPECT_EQ(NestingDepth(json::parse(R"({"a":[1,{"b":[]}],"c":2})")), 4u);
  EXPECT_TRUE(CheckNestingDepth(json::parse("[[1]]"), "x", 2).ok());
  EXPECT_FALSE(CheckNestingDepth(json::parse("[[[1]]]"), "x", 2).ok());
}

}  // namespace
}  // namespace flyover::apiserver
