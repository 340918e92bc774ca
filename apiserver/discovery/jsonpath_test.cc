#include "apiserver/discovery/jsonpath.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

const json& Sample() {
  static const json* sample = new json(json::parse(R"({
    "metadata": {"name": "job", "creationTimestamp": "2026-01-01T00:00:00Z",
                 "labels": {"app.kubernetes.io/name": "flyover"}},
    "spec": {"a": {"b": 7}, "list": [1, 2, 3]},
    "status": {"phase": "Running", "conditions": [{"type": "Ready"}, {"type": "Done"}]}})"));
  return *sample;
}

struct EvalCase {
  const char* path;
  json want;  // null = selects nothing
};

TEST(JsonPathTest, EvaluatesTheSubset) {
  const std::vector<EvalCase> cases = {
      {".status.phase", "Running"},
      {"{.status.phase}", "Running"},
      {"$.status.phase", "Running"},
      {".spec.a.b", 7},
      {".metadata.creationTimestamp", "2026-01-01T00:00:00Z"},
      {".status.conditions[1].type", "Done"},
      {".status.conditions[-1].type", "Done"},
      {".spec.list[0]", 1},
      {".metadata.labels.app\\.kubernetes\\.io/name", "flyover"},
      {".metadata.labels['app.kubernetes.io/name']", "flyover"},
      {".spec.a", json{{"b", 7}}},
      {".status.missing", nullptr},
      {".spec.list[3]", nullptr},
      {".spec.a[0]", nullptr},
      {".status.phase.deeper", nullptr},
  };
  for (const EvalCase& c : cases) {
    SCOPED_TRACE(c.path);
    absl::StatusOr<std::vector<JsonPathStep>> steps = ParseJsonPath(c.path);
    ASSERT_TRUE(steps.ok()) << steps.status();
    const json* got = EvaluateJsonPath(*steps, Sample());
    if (c.want.is_null()) {
      EXPECT_EQ(got, nullptr);
    } else {
      ASSERT_NE(got, nullptr);
      EXPECT_EQ(*got, c.want);
    }
  }
}

TEST(JsonPathTest, RejectsMalformedAndFlagsUnsupported) {
  for (const char* bad : {"", "status.phase", ".a[", ".a[x]", "{.a", ".a..b.", ".", ".a b"}) {
    SCOPED_TRACE(bad);
    absl::StatusOr<std::vector<JsonPathStep>> steps = ParseJsonPath(bad);
    EXPECT_FALSE(steps.ok());
  }
  for (const char* unsupported : {".items[*].name", "..name", ".a[?(@.x==1)]", ".a[0:2]",
                                  ".a[0,1]", ".a.*"}) {
    SCOPED_TRACE(unsupported);
    EXPECT_TRUE(absl::IsUnimplemented(ParseJsonPath(unsupported).status()));
  }
  EXPECT_THAT(std::string(ParseJsonPath(".a[").status().message()),
              ::testing::HasSubstr("unclosed '['"));
}

}  // namespace
}  // namespace flyover::apiserver::discovery
