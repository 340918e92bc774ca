#include "kube/api/meta.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/names.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

ObjectMeta DecodeMeta(const json& j, ErrorList* errors) {
  ObjectMeta meta;
  ReadValue(j, FieldPath("metadata"), errors, &meta);
  return meta;
}

TEST(ObjectMetaTest, RoundTripsEveryField) {
  const json input = json::parse(R"({
    "name": "a", "generateName": "a-", "namespace": "ns", "uid": "u-1",
    "resourceVersion": "17", "generation": 2,
    "creationTimestamp": "2026-11-23T18:00:00Z", "deletionTimestamp": "2026-11-23T18:05:00Z",
    "deletionGracePeriodSeconds": 30,
    "labels": {"app": "x"}, "annotations": {"k": "v"},
    "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "u-2",
                         "controller": true, "blockOwnerDeletion": true}],
    "finalizers": ["f"], "managedFields": [{"manager": "kubectl"}]
  })");
  ErrorList errors;
  ObjectMeta meta = DecodeMeta(input, &errors);
  ASSERT_TRUE(errors.empty()) << errors.Strings()[0];
  EXPECT_EQ(json(meta), input);
}

TEST(ObjectMetaTest, OmitsEmptyFields) {
  ObjectMeta meta;
  meta.name = "a";
  EXPECT_EQ(json(meta).dump(), R"({"name":"a"})");
}

TEST(ObjectMetaTest, ReportsUnknownFieldsAndWrongTypes) {
  ErrorList errors;
  DecodeMeta(json::parse(R"({"name": 5, "lables": {}, "labels": {"a": 1}})"), &errors);
  EXPECT_THAT(errors.Strings(),
              ::testing::UnorderedElementsAre("metadata.name: Invalid value: 5: must be a string",
                                              "metadata.labels[a]: Invalid value: 1: must be a string",
                                              "metadata.lables: Unknown field"));
}

TEST(ObjectMetaTest, TimeIsRfc3339WithSecondPrecision) {
  ErrorList errors;
  ObjectMeta meta = DecodeMeta(json::parse(R"({"creationTimestamp": "2026-11-23T19:00:00.75+01:00"})"),
                               &errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(FormatKubeTime(*meta.creation_timestamp), "2026-11-23T18:00:00Z");
  DecodeMeta(json::parse(R"({"creationTimestamp": "yesterday"})"), &errors);
  EXPECT_THAT(errors.Strings()[0], HasSubstr("must be an RFC 3339 time"));
}

TEST(ConditionTest, SetConditionKeepsTransitionTimeUnlessStatusChanges) {
  const absl::Time t1 = absl::FromUnixSeconds(1000);
  const absl::Time t2 = absl::FromUnixSeconds(2000);
  std::vector<Condition> conditions;
  EXPECT_TRUE(SetCondition(&conditions, {"Ready", ConditionStatus::kFalse, 1, {}, "Init", ""}, t1));
  EXPECT_FALSE(SetCondition(&conditions, {"Ready", ConditionStatus::kFalse, 1, {}, "Init", ""}, t2));
  EXPECT_EQ(conditions[0].last_transition_time, t1);
  EXPECT_TRUE(SetCondition(&conditions, {"Ready", ConditionStatus::kFalse, 1, {}, "Waiting", ""}, t2));
  EXPECT_EQ(conditions[0].last_transition_time, t1);
  EXPECT_TRUE(SetCondition(&conditions, {"Ready", ConditionStatus::kTrue, 1, {}, "Up", ""}, t2));
  EXPECT_EQ(conditions[0].last_transition_time, t2);
  ASSERT_NE(FindCondition(conditions, "Ready"), nullptr);
  EXPECT_EQ(FindCondition(conditions, "Ready")->reason, "Up");
  EXPECT_EQ(FindCondition(conditions, "Other"), nullptr);
}

TEST(ConditionTest, StatusMustBeTrueFalseOrUnknown) {
  ErrorList errors;
  Condition c;
  ReadValue(json::parse(R"({"type": "Ready", "status": "yes"})"), FieldPath("c"), &errors, &c);
  EXPECT_THAT(errors.Strings(),
              ::testing::ElementsAre("c.status: Unsupported value: \"yes\": supported values: "
                                     "\"True\", \"False\", \"Unknown\""));
}

TEST(NamesTest, Dns1123) {
  EXPECT_EQ(CheckDns1123Label("tiny-job-0"), "");
  EXPECT_NE(CheckDns1123Label("Tiny"), "");
  EXPECT_NE(CheckDns1123Label("-a"), "");
  EXPECT_NE(CheckDns1123Label(std::string(64, 'a')), "");
  EXPECT_EQ(CheckDns1123Subdomain("a.b-c.d"), "");
  EXPECT_NE(CheckDns1123Subdomain("a..b"), "");
  EXPECT_NE(CheckDns1123Subdomain(""), "");
  EXPECT_EQ(CheckQualifiedName("app.kubernetes.io/name"), "");
  EXPECT_EQ(CheckQualifiedName("Team_A"), "");
  EXPECT_NE(CheckQualifiedName("a/b/c"), "");
  EXPECT_NE(CheckQualifiedName("_x"), "");
  EXPECT_EQ(CheckLabelValue(""), "");
  EXPECT_NE(CheckLabelValue("a b"), "");
}

TEST(ValidateObjectMetaTest, NeedsANameAndValidLabels) {
  ObjectMeta meta;
  meta.labels = {{"bad key!", "v"}, {"ok", "bad value!"}};
  ErrorList errors;
  ValidateObjectMeta(meta, true, NameFormat::kDns1123Subdomain, FieldPath("metadata"), &errors);
  EXPECT_THAT(errors.Strings(),
              ::testing::ElementsAre(
                  "metadata.name: Required value: name or generateName is required",
                  HasSubstr("metadata.labels: Invalid value: \"bad key!\""),
                  HasSubstr("metadata.labels[ok]: Invalid value: \"bad value!\"")));
}

TEST(ValidateObjectMetaTest, ClusterScopedObjectsHaveNoNamespace) {
  ObjectMeta meta;
  meta.name = "node-1";
  meta.namespace_ = "default";
  ErrorList errors;
  ValidateObjectMeta(meta, false, NameFormat::kDns1123Subdomain, FieldPath("metadata"), &errors);
  EXPECT_THAT(errors.Strings(),
              ::testing::ElementsAre("metadata.namespace: Forbidden: not allowed on this type"));
}

}  // namespace
}  // namespace flyover::kube
