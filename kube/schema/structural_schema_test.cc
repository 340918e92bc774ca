#include "kube/schema/structural_schema.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::kube::schema {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const json kSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
    "spec": {
      "type": "object",
      "required": ["size"],
      "properties": {
        "size": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 10},
        "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "default": 0.5},
        "mode": {"type": "string", "enum": ["Fast", "Safe"], "default": "Safe"},
        "path": {"type": "string", "pattern": "^/", "maxLength": 8},
        "tags": {"type": "array", "x-kubernetes-list-type": "set", "maxItems": 3,
                 "items": {"type": "string"}},
        "ports": {"type": "array", "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["name"],
                  "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "port": {"type": "integer", "default": 80}}}},
        "limits": {"type": "object", "additionalProperties": {"type": "integer"}},
        "nested": {"type": "object", "default": {}, "properties": {
          "inner": {"type": "object", "default": {}, "properties": {
            "depth": {"type": "integer", "default": 2}}}}},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "maybe": {"type": "string", "nullable": true},
        "port": {"x-kubernetes-int-or-string": true}
      }
    }
  }
})");

std::vector<std::string> ValidationErrors(const json& value) {
  ErrorList errors;
  Validate(kSchema, value, &errors);
  return errors.Strings();
}

TEST(ApplyDefaultsTest, FillsNestedDefaultsInsideDefaultedObjects) {
  json value = {{"spec", {{"size", 3}, {"ports", {{{"name", "http"}}}}}}};
  ApplyDefaults(kSchema, &value);
  EXPECT_EQ(value["spec"]["ratio"], 0.5);
  EXPECT_EQ(value["spec"]["mode"], "Safe");
  EXPECT_EQ(value["spec"]["nested"]["inner"]["depth"], 2);
  EXPECT_EQ(value["spec"]["ports"][0]["port"], 80);
  EXPECT_FALSE(value["spec"].contains("path"));
}

TEST(ApplyDefaultsTest, KeepsGivenValues) {
  json value = {{"spec", {{"size", 3}, {"mode", "Fast"}, {"nested", {{"inner", {{"depth", 9}}}}}}}};
  ApplyDefaults(kSchema, &value);
  EXPECT_EQ(value["spec"]["mode"], "Fast");
  EXPECT_EQ(value["spec"]["nested"]["inner"]["depth"], 9);
}

TEST(PruneTest, DropsUndeclaredFieldsButKeepsApiServerFieldsAndPreservedOnes) {
  json value = {{"apiVersion", "x/v1"}, {"kind", "K"}, {"metadata", {{"name", "a"}}},
                {"spec", {{"size", 1}, {"bogus", 1}, {"free", {{"anything", {{"goes", 1}}}}},
                          {"nested", {{"inner", {{"depth", 1}, {"extra", 2}}}}}}},
                {"junk", true}};
  std::vector<std::string> removed = Prune(kSchema, &value);
  EXPECT_THAT(removed, UnorderedElementsAre("spec.bogus", "spec.nested.inner.extra", "junk"));
  EXPECT_EQ(value["spec"]["free"]["anything"]["goes"], 1);
  EXPECT_EQ(value["metadata"]["name"], "a");
}

TEST(ValidateTest, AcceptsAValidObject) {
  json value = {{"apiVersion", "x/v1"}, {"metadata", {{"name", "a"}}},
                {"spec", {{"size", 3}, {"ratio", 0.1}, {"mode", "Fast"}, {"path", "/a"},
                          {"tags", {"a", "b"}}, {"limits", {{"cpu", 2}}}, {"maybe", nullptr},
                          {"port", "http"}, {"free", {{"x", 1}}}}}};
  EXPECT_THAT(ValidationErrors(value), IsEmpty());
}

TEST(ValidateTest, ReportsEveryKindOfViolation) {
  json value = {{"spec", {{"ratio", 0}, {"mode", "Slow"}, {"path", "relative/and/long"},
                          {"tags", {"a", "a", "b", "c"}}, {"limits", {{"cpu", "2"}}},
                          {"ports", {{{"name", "h"}}, {{"name", "h"}}}}, {"port", 1.5},
                          {"unknown", 1}}}};
  EXPECT_THAT(ValidationErrors(value),
              UnorderedElementsAre(
                  "spec.size: Required value",
                  "spec.ratio: Invalid value: 0: should be greater than 0",
                  "spec.mode: Unsupported value: \"Slow\": supported values: \"Fast\", \"Safe\"",
                  "spec.path: Too long: may not be longer than 8",
                  "spec.path: Invalid value: \"relative/and/long\": should match '^/'",
                  "spec.tags: Invalid value: 4: must have at most 3 items",
                  "spec.tags[1]: Duplicate value: \"a\"",
                  "spec.limits.cpu: Invalid value: \"2\": must be of type integer, not string",
                  "spec.ports[1]: Duplicate value: {\"name\":\"h\"}",
                  "spec.port: Invalid value: 1.5: must be an integer or a string",
                  "spec.unknown: Unknown field"));
}

TEST(ValidateTest, BoundsAndFormats) {
  EXPECT_THAT(ValidationErrors({{"spec", {{"size", 0}}}}),
              ElementsAre("spec.size: Invalid value: 0: should be greater than or equal to 1"));
  EXPECT_THAT(ValidationErrors({{"spec", {{"size", 11}}}}),
              ElementsAre("spec.size: Invalid value: 11: should be less than or equal to 10"));
  EXPECT_THAT(ValidationErrors({{"spec", {{"size", "3"}}}}),
              ElementsAre("spec.size: Invalid value: \"3\": must be of type integer, not string"));
  EXPECT_THAT(ValidationErrors({{"spec", nullptr}}),
              ElementsAre("spec: Invalid value: null: must not be null"));
}

TEST(CrdVersionSchemaTest, FindsTheVersionOrSaysWhy) {
  json crd = {{"spec", {{"versions", {{{"name", "v1"}, {"schema", {{"openAPIV3Schema", kSchema}}}}}}}}};
  ASSERT_TRUE(CrdVersionSchema(crd, "v1").ok());
  EXPECT_EQ(CrdVersionSchema(crd, "v2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(CrdVersionSchema(json::object(), "v1").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MalformedSchemaTest, NeverThrows) {
  const json bad = json::parse(R"({"type": "object", "properties": {"a": 5, "b": {"minimum": "x"}}})");
  json value = {{"a", 1}, {"b", 2}};
  ErrorList errors;
  EXPECT_NO_THROW(Validate(bad, value, &errors));
  EXPECT_NO_THROW(ApplyDefaults(bad, &value));
  EXPECT_NO_THROW(Prune(bad, &value));
}

}  // namespace
}  // namespace flyover::kube::schema
