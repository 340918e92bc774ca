#include "apiserver/semantics/label_selector.h"

#include <string>
#include <vector>

#include "apiserver/semantics/api_status_builder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;
using testing::HasSubstr;
using testing::StartsWith;

TEST(LabelSelectorTest, ParsesToCanonicalForm) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"", ""},
      {"a=b", "a=b"},
      {"a==b", "a==b"},
      {"a!=b", "a!=b"},
      {"a in (x,y)", "a in (x,y)"},
      {"a notin (y,x,y)", "a notin (x,y)"},
      {"a", "a"},
      {"!a", "!a"},
      {" a = b ,\tc ", "a=b,c"},
      {"x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"},
      {"a in (,x)", "a in (,x)"},
      {"a in (x,)", "a in (,x)"},
      {"b=2,a=1", "a=1,b=2"},
      {"a=", "a="},
      {"a=,b", "a=,b"},
      {"in in (in,notin)", "in in (in,notin)"},
      {"a=in", "a=in"},
      {"a>5,b<10", "a>5,b<10"},
      {"example.com/key=Value_1.x", "example.com/key=Value_1.x"},
      {"a=b,a!=c", "a=b,a!=c"},
  };
  for (const auto& [input, canonical] : table) {
    SCOPED_TRACE(input);
    absl::StatusOr<LabelSelector> selector = LabelSelector::Parse(input);
    ASSERT_TRUE(selector.ok()) << selector.status();
    EXPECT_EQ(selector->String(), canonical);
    // The canonical form parses to the same selector.
    absl::StatusOr<LabelSelector> again = LabelSelector::Parse(canonical);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->requirements(), selector->requirements());
  }
}

TEST(LabelSelectorTest, EmptySelectorMatchesEverything) {
  absl::StatusOr<LabelSelector> selector = LabelSelector::Parse("");
  ASSERT_TRUE(selector.ok());
  EXPECT_TRUE(selector->Empty());
  EXPECT_TRUE(selector->Matches(json::object()));
  EXPECT_TRUE(selector->Matches(nullptr));
}

TEST(LabelSelectorTest, RejectsMalformedSelectorsWithTheServersReason) {
  const std::string key_reason =
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
      "and end with an alphanumeric character";
  const std::vector<std::pair<std::string, std::string>> table = {
      {"a in x", "unable to parse requirement: found 'x' expected: '('"},
      {"a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"},
      {"a=b c", "found 'c', expected: ',' or 'end of string'"},
      {"a=b=c", "found '=', expected: ',' or 'end of string'"},
      {"a=b,", "found '', expected: identifier after ','"},
      {"a=b,,c", "found ',', expected: identifier after ','"},
      {",a", "found ',', expected: !, identifier, or 'end of string'"},
      {"=a", "found '=', expected: !, identifier, or 'end of string'"},
      {"!", "unable to parse requirement: found '', expected: identifier"},
      {"!!a", "unable to parse requirement: found '!', expected: identifier"},
      {"!a=b", "found '=', expected: ',' or 'end of string'"},
      {"a in (x", "unable to parse requirement: found '', expected: ',' or ')'"},
      {"a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"},
      {"a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"},
      {"a in (x,=)", "unable to parse requirement: found '=', expected: ',', or identifier"},
      {"a=(b)", "unable to parse requirement: found '(', expected: identifier"},
      {"a in", "unable to parse requirement: found '' expected: '('"},
      {"-a=b", "unable to parse requirement: key: Invalid value: \"-a\": " + key_reason},
      {"a/b/c", "unable to parse requirement: key: Invalid value: \"a/b/c\": prefix part"},
      {"a=-b",
       "unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label must "
       "be an empty string"},
      {"a in (ok,-b)", "values[0][a]: Invalid value: \"-b\""},
      {"a=" + std::string(64, 'v'), "must be no more than 63 characters"},
      {"a>b",
       "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' "
       "operators, the value must be an integer"},
      {"a<", "for 'Gt', 'Lt' operators, the value must be an integer"},
  };
  for (const auto& [input, reason] : table) {
    SCOPED_TRACE(input);
    absl::StatusOr<LabelSelector> selector = LabelSelector::Parse(input);
    ASSERT_FALSE(selector.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(selector.status()));
    const std::string message(selector.status().message());
    EXPECT_THAT(message, StartsWith("invalid label selector \"" + input + "\": "));
    EXPECT_THAT(message, HasSubstr(reason));
    json status = StatusFromAbsl(selector.status());
    EXPECT_EQ(status["code"], 400);
    EXPECT_EQ(status["reason"], "BadRequest");
    EXPECT_EQ(status["message"], message);
  }
}

TEST(LabelSelectorTest, MatchesLabels) {
  struct Case {
    std::string selector;
    json labels;
    bool matches;
  };
  const std::vector<Case> table = {
      {"a=b", {{"a", "b"}}, true},
      {"a==b", {{"a", "b"}}, true},
      {"a=b", {{"a", "c"}}, false},
      {"a=b", json::object(), false},
      {"a!=b", json::object(), true},
      {"a!=b", {{"a", "b"}}, false},
      {"a!=b", {{"a", "c"}}, true},
      {"a in (x,y)", {{"a", "y"}}, true},
      {"a in (x,y)", {{"a", "z"}}, false},
      {"a in (x,y)", json::object(), false},
      {"a notin (x)", json::object(), true},
      {"a notin (x)", {{"a", "x"}}, false},
      {"a notin (x)", {{"a", "y"}}, true},
      {"a", {{"a", ""}}, true},
      {"a", json::object(), false},
      {"!a", json::object(), true},
      {"!a", {{"a", "x"}}, false},
      {"a>5", {{"a", "6"}}, true},
      {"a>5", {{"a", "5"}}, false},
      {"a>5", {{"a", "x"}}, false},
      {"a>5", json::object(), false},
      {"a<5", {{"a", "-4"}}, true},
      {"a<5", {{"a", "+4"}}, true},
      {"a<5", {{"a", " 4"}}, false},
      {"a=", {{"a", ""}}, true},
      {"a=", json::object(), false},
      {"a in ()", {{"a", ""}}, true},
      {"a=b,c", {{"a", "b"}, {"c", "d"}}, true},
      {"a=b,c", {{"a", "b"}}, false},
      {"a=1", {{"a", 1}}, false},  // not a string: present, equal to nothing
      {"a", {{"a", 1}}, true},
      {"a!=1", {{"a", 1}}, true},
      {"!a", nullptr, true},
      {"a=b", nullptr, false},
      {"a=b", json::array({"a"}), false},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.selector + " on " + c.labels.dump());
    absl::StatusOr<LabelSelector> selector = LabelSelector::Parse(c.selector);
    ASSERT_TRUE(selector.ok()) << selector.status();
    EXPECT_EQ(selector->Matches(c.labels), c.matches);
  }
}

TEST(LabelSelectorTest, MatchesObjectsByMetadataLabels) {
  absl::StatusOr<LabelSelector> selector = LabelSelector::Parse("app=web,!canary");
  ASSERT_TRUE(selector.ok());
  EXPECT_TRUE(selector->MatchesObject(json::parse(R"({"metadata":{"labels":{"app":"web"}}})")));
  EXPECT_FALSE(selector->MatchesObject(
      json::parse(R"({"metadata":{"labels":{"app":"web","canary":"1"}}})")));
  EXPECT_FALSE(selector->MatchesObject(json::parse(R"({"metadata":{}})")));
  EXPECT_FALSE(selector->MatchesObject(json("pod")));
  absl::StatusOr<LabelSelector> absent = LabelSelector::Parse("!app");
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->MatchesObject(json::object()));
  EXPECT_TRUE(absent->MatchesObject(json::parse(R"({"metadata":{"name":"x"}})")));
}

TEST(LabelSelectorTest, ConvertsMetaV1LabelSelectors) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {R"({})", ""},
      {R"({"matchLabels":{"app":"web","tier":"db"}})", "app=web,tier=db"},
      {R"({"matchExpressions":[{"key":"tier","operator":"In","values":["b","a"]}]})",
       "tier in (a,b)"},
      {R"({"matchExpressions":[{"key":"tier","operator":"NotIn","values":["a"]}]})",
       "tier notin (a)"},
      {R"({"matchExpressions":[{"key":"gpu","operator":"Exists"}]})", "gpu"},
      {R"({"matchExpressions":[{"key":"gpu","operator":"DoesNotExist","values":null}]})",
       "!gpu"},
      {R"({"matchLabels":{"z":"1"},"matchExpressions":[{"key":"a","operator":"Exists"}]})",
       "a,z=1"},
      {R"({"matchLabels":null,"matchExpressions":null})", ""},
  };
  for (const auto& [input, canonical] : table) {
    SCOPED_TRACE(input);
    absl::StatusOr<LabelSelector> selector = LabelSelector::FromJson(json::parse(input));
    ASSERT_TRUE(selector.ok()) << selector.status();
    EXPECT_EQ(selector->String(), canonical);
    EXPECT_FALSE(selector->MatchesNothing());
  }
}

TEST(LabelSelectorTest, NullMetaV1SelectorMatchesNothing) {
  absl::StatusOr<LabelSelector> selector = LabelSelector::FromJson(nullptr);
  ASSERT_TRUE(selector.ok());
  EXPECT_TRUE(selector->MatchesNothing());
  EXPECT_FALSE(selector->Empty());
  EXPECT_FALSE(selector->Matches(json::object()));
  EXPECT_FALSE(LabelSelector::Nothing().Matches({{"a", "b"}}));
}

TEST(LabelSelectorTest, MetaV1SelectorsMatchLikeTheirStrings) {
  absl::StatusOr<LabelSelector> selector = LabelSelector::FromJson(json::parse(
      R"({"matchLabels":{"app":"web"},
          "matchExpressions":[{"key":"zone","operator":"NotIn","values":["a"]}]})"));
  ASSERT_TRUE(selector.ok());
  EXPECT_TRUE(selector->Matches({{"app", "web"}}));
  EXPECT_TRUE(selector->Matches({{"app", "web"}, {"zone", "b"}}));
  EXPECT_FALSE(selector->Matches({{"app", "web"}, {"zone", "a"}}));
  EXPECT_FALSE(selector->Matches({{"app", "db"}}));
}

TEST(LabelSelectorTest, RejectsInvalidMetaV1Selectors) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {R"([])", "must be an object or null"},
      {R"({"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]})",
       "\"Gt\" is not a valid label selector operator"},
      {R"({"matchExpressions":[{"key":"a","operator":"In"}]})",
       "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"},
      {R"({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]})",
       "values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist"},
      {R"({"matchExpressions":[{"key":"-a","operator":"Exists"}]})",
       "key: Invalid value: \"-a\": name part must consist"},
      {R"({"matchExpressions":[{"key":"a","operator":"In","values":[1]}]})",
       "values: Invalid value: 1: must be a string"},
      {R"({"matchExpressions":[{"key":"a","operator":"In","values":"x"}]})",
       "values: must be a list of strings"},
      {R"({"matchExpressions":[{"key":1,"operator":"In","values":["x"]}]})",
       "key and operator must be strings"},
      {R"({"matchExpressions":["a"]})", "each entry must be an object"},
      {R"({"matchExpressions":{}})", "matchExpressions: must be a list"},
      {R"({"matchLabels":[]})", "matchLabels: must be an object"},
      {R"({"matchLabels":{"a":1}})", "matchLabels[a]: Invalid value: 1: must be a string"},
      {R"({"matchLabels":{"a":"-x"}})", "values[0][a]: Invalid value: \"-x\""},
  };
  for (const auto& [input, reason] : table) {
    SCOPED_TRACE(input);
    absl::StatusOr<LabelSelector> selector = LabelSelector::FromJson(json::parse(input));
    ASSERT_FALSE(selector.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(selector.status()));
    EXPECT_THAT(std::string(selector.status().message()), HasSubstr(reason));
  }
}

TEST(LabelSelectorTest, RequirementErrorsAggregateLikeKube) {
  absl::StatusOr<LabelRequirement> requirement =
      MakeLabelRequirement("-a", LabelOperator::kEquals, {"x", "y"});
  ASSERT_FALSE(requirement.ok());
  const std::string message(requirement.status().message());
  EXPECT_THAT(message, StartsWith("[key: Invalid value: \"-a\""));
  EXPECT_THAT(message, HasSubstr(", values: Invalid value: [\"x\",\"y\"]: exact-match "
                                 "compatibility requires one single value]"));
}

TEST(LabelSelectorTest, RequirementStrings) {
  const std::vector<std::pair<LabelRequirement, std::string>> table = {
      {{"a", LabelOperator::kEquals, {"b"}}, "a=b"},
      {{"a", LabelOperator::kDoubleEquals, {"b"}}, "a==b"},
      {{"a", LabelOperator::kNotEquals, {"b"}}, "a!=b"},
      {{"a", LabelOperator::kIn, {"b", "c"}}, "a in (b,c)"},
      {{"a", LabelOperator::kNotIn, {"b"}}, "a notin (b)"},
      {{"a", LabelOperator::kExists, {}}, "a"},
      {{"a", LabelOperator::kDoesNotExist, {}}, "!a"},
      {{"a", LabelOperator::kGreaterThan, {"1"}}, "a>1"},
      {{"a", LabelOperator::kLessThan, {"1"}}, "a<1"},
  };
  for (const auto& [requirement, text] : table) EXPECT_EQ(requirement.String(), text);
}

}  // namespace
}  // namespace flyover::apiserver
