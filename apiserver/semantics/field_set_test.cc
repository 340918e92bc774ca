// FieldSet: fieldsV1 round trips, set algebra, and the path form conflicts print.
#include "apiserver/semantics/field_set.h"

#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

const FieldPath kImage = {FieldElement("spec"), FieldElement("containers"),
                          KeyElement({{"name", "c"}}), FieldElement("image")};
const FieldPath kContainer = {FieldElement("spec"), FieldElement("containers"),
                              KeyElement({{"name", "c"}})};

TEST(FieldSetTest, WritesFieldsV1WithSelfMarkers) {
  FieldSet set;
  set.Insert(kImage);
  set.Insert(kContainer);
  set.Insert({FieldElement("data"), FieldElement("a")});
  EXPECT_EQ(set.ToFieldsV1(), json::parse(R"({
    "f:data": {"f:a": {}},
    "f:spec": {"f:containers": {"k:{\"name\":\"c\"}": {".": {}, "f:image": {}}}}})"));
}

TEST(FieldSetTest, ParsesWhatItWrites) {
  const json fields = json::parse(R"({
    "f:metadata": {"f:labels": {".": {}, "f:app": {}}, "f:finalizers": {"v:\"x\"": {}}},
    "f:spec": {"f:args": {"i:0": {}}, "f:containers": {"k:{ \"name\" : \"c\" }": {".": {}}}}})");
  absl::StatusOr<FieldSet> set = FieldSet::FromFieldsV1(fields);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->Has({FieldElement("metadata"), FieldElement("labels")}));
  EXPECT_TRUE(set->Has({FieldElement("metadata"), FieldElement("labels"), FieldElement("app")}));
  EXPECT_FALSE(set->Has({FieldElement("metadata")}));
  EXPECT_TRUE(set->Has(kContainer));  // key JSON re-serialised canonically
  EXPECT_TRUE(set->Has({FieldElement("spec"), FieldElement("args"), "i:0"}));
  absl::StatusOr<FieldSet> again = FieldSet::FromFieldsV1(set->ToFieldsV1());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *set);
}

TEST(FieldSetTest, RefusesMalformedFieldsV1NamingTheKey) {
  absl::StatusOr<FieldSet> bad_kind = FieldSet::FromFieldsV1(json::parse(R"({"f:a":{"x:y":{}}})"));
  EXPECT_FALSE(bad_kind.ok());
  EXPECT_NE(bad_kind.status().message().find("f:a.x:y"), std::string::npos)
      << bad_kind.status();
  EXPECT_FALSE(FieldSet::FromFieldsV1(json::parse(R"({"k:[1]":{}})")).ok());
  EXPECT_FALSE(FieldSet::FromFieldsV1(json::parse(R"({"f:a":{".":{"f:b":{}}}})")).ok());
  EXPECT_FALSE(FieldSet::FromFieldsV1(json::parse(R"({"i:-1":{}})")).ok());
  EXPECT_FALSE(FieldSet::FromFieldsV1(json::parse(R"({"f:a":1})")).ok());
}

TEST(FieldSetTest, UnionDifferenceIntersection) {
  FieldSet a, b;
  a.Insert({FieldElement("x")});
  a.Insert(kImage);
  b.Insert(kImage);
  b.Insert({FieldElement("y")});
  FieldSet both = a.Intersection(b);
  EXPECT_EQ(both.Members(), std::vector<FieldPath>{kImage});
  FieldSet only_a = a.Difference(b);
  EXPECT_EQ(only_a.Members(), std::vector<FieldPath>{{FieldElement("x")}});
  EXPECT_EQ(a.Union(b).Members().size(), 3u);
  EXPECT_TRUE(a.HasAtOrBelow(kContainer));
  EXPECT_FALSE(only_a.HasAtOrBelow(kContainer));
  EXPECT_TRUE(a.Difference(a).Empty());
}

TEST(FieldSetTest, RendersPathsAsConflictsPrintThem) {
  EXPECT_EQ(PathString(kImage), ".spec.containers[name=\"c\"].image");
  EXPECT_EQ(PathString({FieldElement("spec"), FieldElement("ports"),
                        KeyElement({{"containerPort", 80}, {"protocol", "TCP"}})}),
            ".spec.ports[containerPort=80,protocol=\"TCP\"]");
  EXPECT_EQ(PathString({FieldElement("metadata"), FieldElement("finalizers"), ValueElement("a")}),
            ".metadata.finalizers[=\"a\"]");
  EXPECT_EQ(PathString({FieldElement("args"), "i:2"}), ".args[2]");
}

}  // namespace
}  // namespace flyover::apiserver
