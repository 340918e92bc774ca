#include "apiserver/semantics/json_patch.h"

#include <string>
#include <tuple>
#include <vector>

#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/json_body.h"
#include "apiserver/semantics/json_pointer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;
using testing::HasSubstr;

// RFC 6902 appendix A's successful examples, then what kubectl users write.
TEST(JsonPatchTest, AppliesOperations) {
  const std::vector<std::tuple<std::string, std::string, std::string>> table = {
      {R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])",
       R"({"baz":"qux","foo":"bar"})"},
      {R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])",
       R"({"foo":["bar","qux","baz"]})"},
      {R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])", R"({"foo":"bar"})"},
      {R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])",
       R"({"foo":["bar","baz"]})"},
      {R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])",
       R"({"baz":"boo","foo":"bar"})"},
      {R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
       R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
       R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"},
      {R"({"foo":["all","grass","cows","eat"]})",
       R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
       R"({"foo":["all","cows","eat","grass"]})"},
      {R"({"baz":"qux","foo":["a",2,"c"]})",
       R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
       R"({"baz":"qux","foo":["a",2,"c"]})"},
      {R"({"foo":"bar"})", R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
       R"({"foo":"bar","child":{"grandchild":{}}})"},
      {R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])",
       R"({"foo":"bar","baz":"qux"})"},
      {R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])",
       R"({"/":9,"~1":10})"},
      {R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
       R"({"foo":["bar",["abc","def"]]})"},
      // Beyond the RFC's examples.
      {R"({"a":1})", R"([])", R"({"a":1})"},
      {R"({"a":1})", R"([{"op":"add","path":"","value":[1]}])", R"([1])"},
      {R"({"a":1})", R"([{"op":"replace","path":"","value":{"b":2}}])", R"({"b":2})"},
      {R"({"a":[1]})", R"([{"op":"add","path":"/a/1","value":2}])", R"({"a":[1,2]})"},
      {R"({"a":{"b":1}})", R"([{"op":"add","path":"/a/b","value":null}])",
       R"({"a":{"b":null}})"},
      {R"({"a":{"b":[1,2]}})", R"([{"op":"copy","from":"/a/b","path":"/c"}])",
       R"({"a":{"b":[1,2]},"c":[1,2]})"},
      {R"({"a":1})", R"([{"op":"move","from":"/a","path":"/a"}])", R"({"a":1})"},
      {R"({"a":{"b":1}})", R"([{"op":"move","from":"/a/b","path":"/a"}])", R"({"a":1})"},
      {R"({"a":1.0})", R"([{"op":"test","path":"/a","value":1}])", R"({"a":1.0})"},
      {R"({"a":{"x":1,"y":[1,2]}})", R"([{"op":"test","path":"/a","value":{"y":[1,2],"x":1}}])",
       R"({"a":{"x":1,"y":[1,2]}})"},
      {R"({"":{"":1}})", R"([{"op":"replace","path":"//","value":2}])", R"({"":{"":2}})"},
      {R"({"metadata":{"labels":{}}})",
       R"([{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"web"}])",
       R"({"metadata":{"labels":{"app.kubernetes.io/name":"web"}}})"},
      {R"({"spec":{"replicas":2}})",
       R"([{"op":"test","path":"/spec/replicas","value":2},
           {"op":"replace","path":"/spec/replicas","value":5}])",
       R"({"spec":{"replicas":5}})"},
      {R"({"spec":{"containers":[{"name":"a","env":[]}]}})",
       R"([{"op":"add","path":"/spec/containers/0/env/-","value":{"name":"X","value":"1"}}])",
       R"({"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"}]}]}})"},
  };
  for (const auto& [document, patch, expected] : table) {
    SCOPED_TRACE(document + " + " + patch);
    absl::StatusOr<json> result = ApplyJsonPatch(json::parse(document), json::parse(patch));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, json::parse(expected));
  }
}

TEST(JsonPatchTest, OperationsThatDoNotApplyAre422WithTheirReason) {
  const std::vector<std::tuple<std::string, std::string, std::string>> table = {
      {R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])",
       "json patch operation 0 (test /baz): test failed"},
      {R"({"foo":"bar"})", R"([{"op":"add","path":"/baz/bat","value":"qux"}])",
       "(add /baz/bat): the parent does not exist"},
      {R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":"10"}])", "test failed"},
      {R"({"a":1})", R"([{"op":"remove","path":"/b"}])", "(remove /b): the path does not exist"},
      {R"({"a":[1]})", R"([{"op":"remove","path":"/a/1"}])", "the path does not exist"},
      {R"({"a":[1]})", R"([{"op":"remove","path":"/a/-"}])", "the path does not exist"},
      {R"({"a":[1,2]})", R"([{"op":"remove","path":"/a/01"}])", "the path does not exist"},
      {R"({"a":[1]})", R"([{"op":"add","path":"/a/2","value":0}])",
       "array index \"2\" is out of range"},
      {R"({"a":[1]})", R"([{"op":"add","path":"/a/x","value":0}])",
       "array index \"x\" is out of range"},
      {R"({"a":1})", R"([{"op":"replace","path":"/b","value":0}])", "the path does not exist"},
      {R"({"a":1})", R"([{"op":"remove","path":""}])", "cannot remove the whole document"},
      {R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])",
       "cannot move a value into one of its own children"},
      {R"({"a":1})", R"([{"op":"move","from":"/x","path":"/y"}])",
       "(move /y): the \"from\" path does not exist"},
      {R"({"a":1})", R"([{"op":"copy","from":"/x","path":"/y"}])",
       "the \"from\" path does not exist"},
      {R"({"a":1})", R"([{"op":"test","path":"/x","value":1}])", "the path does not exist"},
      {R"({"a":"s"})", R"([{"op":"add","path":"/a/b","value":1}])", "the parent does not exist"},
      {R"({"a":1})", R"([{"op":"frobnicate","path":"/a"}])",
       "json patch operation 0: \"op\" must be one of add, remove, replace, move, copy, test"},
      {R"({"a":1})", R"([{"path":"/a"}])", "\"op\" must be one of"},
      {R"({"a":1})", R"([{"op":"add","value":1}])", "\"path\" must be a string JSON pointer"},
      {R"({"a":1})", R"([{"op":"add","path":5,"value":1}])", "\"path\" must be a string"},
      {R"({"a":1})", R"([{"op":"add","path":"/b"}])", "(add): missing \"value\""},
      {R"({"a":1})", R"([{"op":"copy","path":"/b"}])", "\"from\" must be a string JSON pointer"},
      {R"({"a":1})", R"([{"op":"add","path":"a","value":1}])",
       "invalid JSON pointer \"a\": must be empty or start with '/'"},
      {R"({"a":1})", R"([{"op":"add","path":"/~2","value":1}])",
       "'~' must be followed by '0' or '1'"},
      {R"({"a":1})",
       R"([{"op":"replace","path":"/a","value":2},{"op":"test","path":"/a","value":1}])",
       "json patch operation 1 (test /a): test failed"},
  };
  for (const auto& [document, patch, reason] : table) {
    SCOPED_TRACE(document + " + " + patch);
    absl::StatusOr<json> result = ApplyJsonPatch(json::parse(document), json::parse(patch));
    ASSERT_FALSE(result.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(result.status()));
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(reason));
    json status = StatusFromAbsl(result.status());
    EXPECT_EQ(status["code"], 422);
    EXPECT_EQ(status["reason"], "Invalid");
    EXPECT_EQ(status["message"], kUnprocessableEntityMessage);
    EXPECT_EQ(status["details"]["causes"][0]["message"], std::string(result.status().message()));
  }
}

TEST(JsonPatchTest, MalformedPatchesAreBadRequests) {
  for (const char* patch : {R"({"op":"add"})", R"("x")", R"([1])", R"([{"op":"test"},[]])"}) {
    SCOPED_TRACE(patch);
    absl::StatusOr<json> result = ApplyJsonPatch(json::object(), json::parse(patch));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(StatusFromAbsl(result.status())["code"], 400);
  }
}

TEST(JsonPatchTest, LimitsOperationsLikeKubeApiserver) {
  json patch = json::array();
  for (int i = 0; i < 4; ++i) patch.push_back({{"op", "test"}, {"path", ""}, {"value", 1}});
  absl::StatusOr<json> result = ApplyJsonPatch(json(1), patch, {.max_operations = 3});
  ASSERT_FALSE(result.ok());
  json status = StatusFromAbsl(result.status());
  EXPECT_EQ(status["code"], 413);
  EXPECT_EQ(status["message"],
            "Request entity too large: The allowed maximum operations in a JSON patch is 3, "
            "got 4");
  EXPECT_TRUE(ApplyJsonPatch(json(1), patch).ok());
}

TEST(JsonPatchTest, BoundsWhatCopiesCanCreate) {
  // Each copy doubles the document; without a bound a short patch exhausts memory.
  json patch = json::array();
  for (int i = 0; i < 64; ++i) patch.push_back({{"op", "copy"}, {"from", ""}, {"path", "/a/-"}});
  absl::StatusOr<json> result =
      ApplyJsonPatch(json::parse(R"({"a":[1,2,3]})"), patch, {.max_copied_values = 1000});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(StatusFromAbsl(result.status())["code"], 413);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("more than 1000 values"));
}

TEST(JsonPatchTest, BoundsNesting) {
  std::string path;
  for (size_t i = 0; i < kMaxJsonNestingDepth; ++i) path += "/a";
  absl::StatusOr<json> result = ApplyJsonPatch(
      json::object(), json::array({{{"op", "add"}, {"path", path}, {"value", json::array()}}}));
  ASSERT_FALSE(result.ok());  // the parent does not exist, but the depth is checked first
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("nested deeper than"));
}

TEST(JsonPatchTest, TheDocumentIsUntouchedOnFailure) {
  const json document = json::parse(R"({"a":1})");
  absl::StatusOr<json> result = ApplyJsonPatch(
      document, json::parse(R"([{"op":"remove","path":"/a"},{"op":"test","path":"/a","value":1}])"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(document, json::parse(R"({"a":1})"));
}

TEST(JsonPointerTest, ParsesAndFormats) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> table = {
      {"", {}},
      {"/", {""}},
      {"/a/b", {"a", "b"}},
      {"/a~1b/c~0d", {"a/b", "c~d"}},
      {"/~01", {"~1"}},
      {"//x/", {"", "x", ""}},
  };
  for (const auto& [pointer, tokens] : table) {
    SCOPED_TRACE(pointer);
    absl::StatusOr<std::vector<std::string>> parsed = ParseJsonPointer(pointer);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, tokens);
    EXPECT_EQ(FormatJsonPointer(tokens), pointer);
  }
  for (const char* bad : {"a", "/~", "/~2", "/a~"}) EXPECT_FALSE(ParseJsonPointer(bad).ok());
}

TEST(JsonPointerTest, ArrayIndexes) {
  EXPECT_EQ(ParseArrayIndex("0"), 0u);
  EXPECT_EQ(ParseArrayIndex("17"), 17u);
  for (const char* bad : {"", "-", "01", "1a", "-1", "+1", "99999999999999999999999"}) {
    EXPECT_FALSE(ParseArrayIndex(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace flyover::apiserver
