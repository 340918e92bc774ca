// Structured merge: field sets of objects, merging applied configurations by list type,
// comparisons and field removal, for built-in kinds and CRD schemas.
#include "apiserver/semantics/structured_merge.h"

#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

const BuiltinFieldSchema& PodSchema() {
  static const BuiltinFieldSchema schema(PatchSchemaFor({"", "Pod"}));
  return schema;
}

const CrdFieldSchema& WidgetSchema() {
  static const json* const open_api = new json(json::parse(R"({"type": "object", "properties": {
    "spec": {"type": "object", "properties": {
      "ports": {"type": "array", "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["port", "protocol"],
                "items": {"type": "object"}},
      "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
      "args": {"type": "array", "items": {"type": "string"}},
      "selector": {"type": "object", "x-kubernetes-map-type": "atomic"}}}}})"));
  static const CrdFieldSchema schema(open_api);
  return schema;
}

TEST(StructuredMergeTest, FieldsOfAPodUseKeysForContainersAndEnv) {
  const json pod = json::parse(R"({"metadata": {"labels": {"app": "x"}, "annotations": {}},
    "spec": {"containers": [{"name": "c", "image": "i",
                             "env": [{"name": "A", "value": "1"}]}],
             "tolerations": [{"key": "k"}]}})");
  absl::StatusOr<FieldSet> fields = FieldsOf(pod, PodSchema());
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ(fields->ToFieldsV1(), json::parse(R"({
    "f:metadata": {"f:annotations": {}, "f:labels": {"f:app": {}}},
    "f:spec": {"f:containers": {"k:{\"name\":\"c\"}": {".": {}, "f:name": {}, "f:image": {},
                 "f:env": {"k:{\"name\":\"A\"}": {".": {}, "f:name": {}, "f:value": {}}}}},
               "f:tolerations": {}}})"));
}

TEST(StructuredMergeTest, FieldsOfACustomResourceFollowTheCrdSchema) {
  const json widget = json::parse(R"({"spec": {
    "ports": [{"port": 80, "protocol": "TCP", "name": "web"}], "tags": ["a", "b"],
    "args": ["x"], "selector": {"a": "b"}}})");
  absl::StatusOr<FieldSet> fields = FieldsOf(widget, WidgetSchema());
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ(fields->ToFieldsV1(), json::parse(R"({"f:spec": {
    "f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}, "f:protocol": {},
                                                         "f:name": {}}},
    "f:tags": {"v:\"a\"": {}, "v:\"b\"": {}}, "f:args": {}, "f:selector": {}}})"));
}

TEST(StructuredMergeTest, AppliedListsMustNameKeysOnceEach) {
  absl::StatusOr<FieldSet> missing =
      AppliedFieldsOf(json::parse(R"({"spec": {"containers": [{"image": "i"}]}})"), PodSchema());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("omits key field \"name\""), std::string::npos);
  absl::StatusOr<FieldSet> duplicate = AppliedFieldsOf(
      json::parse(R"({"spec": {"containers": [{"name": "c"}, {"name": "c"}]}})"), PodSchema());
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.status().message().find("duplicate entries for [name=\"c\"]"),
            std::string::npos)
      << duplicate.status();
}

TEST(StructuredMergeTest, MergesAssociativeListsByKeyAndReplacesAtomicOnes) {
  const json live = json::parse(R"({"spec": {
    "containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2", "tty": true}],
    "tolerations": [{"key": "x"}]}})");
  const json applied = json::parse(R"({"spec": {
    "containers": [{"name": "b", "image": "3"}, {"name": "c", "image": "4"}],
    "tolerations": [{"key": "y"}], "hostname": null}})");
  absl::StatusOr<json> merged = MergeApplied(live, applied, PodSchema());
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(*merged, json::parse(R"({"spec": {
    "containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "3", "tty": true},
                   {"name": "c", "image": "4"}],
    "tolerations": [{"key": "y"}]}})"));
}

TEST(StructuredMergeTest, MergesSetsAsUnionsAndAtomicMapsWhole) {
  const json live = json::parse(R"({"spec": {"tags": ["a"], "selector": {"x": "1"}}})");
  const json applied = json::parse(R"({"spec": {"tags": ["b", "a"], "selector": {"y": "2"}}})");
  absl::StatusOr<json> merged = MergeApplied(live, applied, WidgetSchema());
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ((*merged)["spec"]["tags"], json({"b", "a"}));
  EXPECT_EQ((*merged)["spec"]["selector"], json({{"y", "2"}}));
}

TEST(StructuredMergeTest, ComparesAddedRemovedAndModifiedFields) {
  const json before = json::parse(R"({"data": {"a": "1", "b": "2"}, "spec": {"containers": [
    {"name": "c", "image": "old"}]}})");
  const json after = json::parse(R"({"data": {"a": "1", "c": "3"}, "spec": {"containers": [
    {"name": "c", "image": "new"}]}})");
  absl::StatusOr<Comparison> changes = Compare(before, after, PodSchema());
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_EQ(changes->added.Members(),
            std::vector<FieldPath>({{FieldElement("data"), FieldElement("c")}}));
  EXPECT_EQ(changes->removed.Members(),
            std::vector<FieldPath>({{FieldElement("data"), FieldElement("b")}}));
  EXPECT_EQ(changes->modified.Members(),
            std::vector<FieldPath>({{FieldElement("spec"), FieldElement("containers"),
                                     KeyElement({{"name", "c"}}), FieldElement("image")}}));
}

TEST(StructuredMergeTest, RemovesMembersAndListElements) {
  json object = json::parse(R"({"data": {"a": "1", "b": "2"}, "spec": {
    "containers": [{"name": "c"}, {"name": "d"}]}, "metadata": {"finalizers": ["x", "y"]}})");
  FieldSet remove;
  remove.Insert({FieldElement("data"), FieldElement("a")});
  remove.Insert({FieldElement("spec"), FieldElement("containers"), KeyElement({{"name", "c"}})});
  remove.Insert({FieldElement("metadata"), FieldElement("finalizers"), ValueElement("y")});
  remove.Insert({FieldElement("nothing"), FieldElement("here")});
  RemoveFields(object, remove);
  EXPECT_EQ(object, json::parse(R"({"data": {"b": "2"}, "spec": {"containers": [{"name": "d"}]},
                                    "metadata": {"finalizers": ["x"]}})"));
}

}  // namespace
}  // namespace flyover::apiserver
