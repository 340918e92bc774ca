#include "kube/api/yaml.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json One(const std::string& text) {
  absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments(text);
  EXPECT_TRUE(docs.ok()) << docs.status();
  EXPECT_EQ(docs->size(), 1u);
  return docs->empty() ? json() : (*docs)[0];
}

TEST(YamlTest, ResolvesPlainScalarsAsKubectlDoes) {
  json j = One(R"(
int: 42
negative: -7
hex: 0x1f
octal: 0o17
float: 0.003
exp: 1e3
yes_bool: yes
off_bool: off
true_bool: true
null_value: ~
empty:
string: hello world
quoted_int: "42"
single_quoted_bool: 'true'
version: 1.0.0
)");
  EXPECT_EQ(j["int"], 42);
  EXPECT_TRUE(j["int"].is_number_integer());
  EXPECT_EQ(j["negative"], -7);
  EXPECT_EQ(j["hex"], 31);
  EXPECT_EQ(j["octal"], 15);
  EXPECT_TRUE(j["float"].is_number_float());
  EXPECT_DOUBLE_EQ(j["float"].get<double>(), 0.003);
  EXPECT_TRUE(j["exp"].is_number_float());
  EXPECT_EQ(j["yes_bool"], true);
  EXPECT_EQ(j["off_bool"], false);
  EXPECT_EQ(j["true_bool"], true);
  EXPECT_TRUE(j["null_value"].is_null());
  EXPECT_TRUE(j["empty"].is_null());
  EXPECT_EQ(j["string"], "hello world");
  EXPECT_EQ(j["quoted_int"], "42");
  EXPECT_EQ(j["single_quoted_bool"], "true");
  EXPECT_EQ(j["version"], "1.0.0");
}

TEST(YamlTest, HugeIntegersBecomeUnsignedOrFloat) {
  json j = One("a: 18446744073709551615\nb: 99999999999999999999\nc: -9223372036854775808\n");
  EXPECT_TRUE(j["a"].is_number_unsigned());
  EXPECT_TRUE(j["b"].is_number_float());
  EXPECT_EQ(j["c"].get<int64_t>(), INT64_MIN);
}

TEST(YamlTest, SplitsDocumentsAndSkipsEmptyOnes) {
  absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments("a: 1\n---\n---\nb: [1, {c: d}]\n");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1], json::parse(R"({"b": [1, {"c": "d"}]})"));
}

TEST(YamlTest, SyntaxErrorsNameTheLine) {
  absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments("a: 1\nb: [1, 2\n");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(docs.status().message(), HasSubstr("line"));
}

TEST(YamlTest, NonScalarKeysAreRejected) {
  absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments("? [a, b]\n: c\n");
  ASSERT_FALSE(docs.ok());
  EXPECT_THAT(docs.status().message(), HasSubstr("map keys must be scalars"));
}

TEST(YamlTest, AliasBombIsBounded) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = c;
  }
  absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments(bomb);
  ASSERT_FALSE(docs.ok());
  EXPECT_THAT(docs.status().message(), HasSubstr("expands to more than"));
}

TEST(YamlTest, NodeBudgetCoversTheWholeStream) {
  // Three documents of 40 nodes each: within a per-document budget of 100, not within
  // a stream budget of 100.
  std::string doc = "[";
  for (int i = 0; i < 39; ++i) doc += i ? ", x" : "x";
  doc += "]\n";
  const std::string stream = doc + "---\n" + doc + "---\n" + doc;
  ASSERT_TRUE(ParseYamlDocuments(doc, {.max_nodes = 100}).ok());
  absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments(stream, {.max_nodes = 100});
  ASSERT_FALSE(docs.ok());
  EXPECT_THAT(docs.status().message(), HasSubstr("expands to more than 100 nodes"));
}

// yaml-cpp 0.7 alone loops forever on these, producing empty documents without end.
TEST(YamlTest, StrayTopLevelCommaIsAnErrorNotAHang) {
  for (const char* text : {",", "[1],x", "{a: 1},b", "\"x\",y", "[1]\n,x"}) {
    absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments(text);
    ASSERT_FALSE(docs.ok()) << text;
    EXPECT_THAT(docs.status().message(), HasSubstr("line")) << text;
  }
}

TEST(YamlTest, AnchorsAndAliasesExpand) {
  json j = One("base: &b {cpu: 2, tags: [red, blue]}\ncopy: *b\n");
  EXPECT_EQ(j["copy"], j["base"]);
  EXPECT_EQ(j["copy"]["tags"][1], "blue");
}

TEST(YamlTest, RecursiveAliasIsAnError) {
  absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments("a: &a [1, *a]\n");
  ASSERT_FALSE(docs.ok());
}

TEST(YamlTest, NonScalarOrNullKeysAreRejected) {
  EXPECT_FALSE(ParseYamlDocuments("? [a]\n: 1\n").ok());
  EXPECT_FALSE(ParseYamlDocuments("{: 1}\n").ok());
}

TEST(YamlTest, DeepNestingIsBounded) {
  std::string deep(300, '[');
  deep += std::string(300, ']');
  absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments(deep);
  ASSERT_FALSE(docs.ok());
}

TEST(YamlTest, JsonToYamlRoundTrips) {
  const json value = json::parse(R"({
    "s": "plain", "looks_like_int": "42", "looks_like_bool": "yes", "empty": "",
    "n": 3, "f": 0.5, "b": false, "z": null, "list": [1, "two", {"k": "v"}], "obj": {}
  })");
  absl::StatusOr<std::vector<json>> back = ParseYamlDocuments(JsonToYaml(value));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)[0], value);
}

TEST(YamlTest, MissingFileIsNotFound) {
  EXPECT_EQ(ReadYamlFile("/nonexistent/x.yaml").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace flyover::kube
