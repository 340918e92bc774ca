// fieldValidation (Warn, the default; Strict; Ignore) for custom resources (pruned against
// their CRD schema) and built-in kinds (builtin_fields.h), on create, update and patch.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "apiserver/server/testing/api_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using json = nlohmann::json;

constexpr char kValidationPods[] = "/api/v1/namespaces/default/pods";
constexpr char kValidationCrds[] = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
constexpr char kGadgets[] = "/apis/example.com/v1/namespaces/default/gadgets";

std::vector<std::string> Warnings(const HttpResponse& response) {
  std::vector<std::string> out;
  for (const auto& [name, value] : response.headers) {
    if (name == "Warning") out.push_back(value);
  }
  return out;
}

json PodWithUnknownFields(const std::string& name) {
  return {{"metadata", {{"name", name}}},
          {"spec",
           {{"foo", 1},
            {"affinity", {{"anything", {{"goes", true}}}}},  // free-form: kept
            {"containers", {{{"name", "c"}, {"image", "busybox"}, {"bar", "x"}}}}}}};
}

class FieldValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const json crd = json::parse(R"({
      "metadata": {"name": "gadgets.example.com"},
      "spec": {"group": "example.com", "scope": "Namespaced",
        "names": {"kind": "Gadget", "plural": "gadgets"},
        "versions": [{"name": "v1", "served": true, "storage": true,
          "schema": {"openAPIV3Schema": {"type": "object", "properties": {
            "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}}]}})");
    ASSERT_EQ(api_.Call("POST", kValidationCrds, crd.dump()).status, 201);
  }

  ApiFixture api_;
};

TEST_F(FieldValidationTest, CustomResourcesWarnByDefault) {
  HttpResponse created =
      api_.Call("POST", kGadgets, R"({"metadata":{"name":"g"},"spec":{"size":1,"foo":2}})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_THAT(Warnings(created), ElementsAre(R"(299 - "unknown field \"spec.foo\"")"));
  EXPECT_EQ(ApiFixture::Json(created)["spec"], json({{"size", 1}}));
}

TEST_F(FieldValidationTest, CustomResourcesStrictNamesEveryUnknownField) {
  HttpResponse refused = api_.Call("POST", absl::StrCat(kGadgets, "?fieldValidation=Strict"),
                                   R"({"metadata":{"name":"g"},"spec":{"foo":1,"bar":2},"x":3})");
  EXPECT_EQ(refused.status, 400);
  const std::string message = ApiFixture::Json(refused)["message"];
  EXPECT_THAT(message, HasSubstr("strict decoding error: "));
  for (const char* field : {"spec.foo", "spec.bar", "x"}) {
    EXPECT_THAT(message, HasSubstr(absl::StrCat("unknown field \"", field, "\""))) << message;
  }
  EXPECT_EQ(api_.Call("GET", absl::StrCat(kGadgets, "/g")).status, 404);
}

TEST_F(FieldValidationTest, CustomResourcesIgnoreDropsSilently) {
  HttpResponse created = api_.Call("POST", absl::StrCat(kGadgets, "?fieldValidation=Ignore"),
                                   R"({"metadata":{"name":"g"},"spec":{"foo":1}})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_THAT(Warnings(created), ::testing::IsEmpty());
  EXPECT_FALSE(ApiFixture::Json(created)["spec"].contains("foo"));
}

TEST_F(FieldValidationTest, BuiltinKindsWarnAndDropUnknownFields) {
  HttpResponse created = api_.Call("POST", kValidationPods, PodWithUnknownFields("a").dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_THAT(Warnings(created),
              UnorderedElementsAre(R"(299 - "unknown field \"spec.foo\"")",
                                   R"(299 - "unknown field \"spec.containers[0].bar\"")"));
  const json pod = ApiFixture::Json(api_.Call("GET", absl::StrCat(kValidationPods, "/a")));
  EXPECT_FALSE(pod["spec"].contains("foo"));
  EXPECT_FALSE(pod["spec"]["containers"][0].contains("bar"));
  EXPECT_EQ(pod["spec"]["affinity"]["anything"]["goes"], true);
}

TEST_F(FieldValidationTest, BuiltinKindsStrictRefusesNamingEveryField) {
  HttpResponse refused = api_.Call("POST", absl::StrCat(kValidationPods, "?fieldValidation=Strict"),
                                   PodWithUnknownFields("a").dump());
  EXPECT_EQ(refused.status, 400);
  const std::string message = ApiFixture::Json(refused)["message"];
  EXPECT_THAT(message, HasSubstr(R"(Pod in version "v1" cannot be handled as a Pod: strict )"
                                 R"(decoding error: )"));
  EXPECT_THAT(message, HasSubstr(R"(unknown field "spec.foo")"));
  EXPECT_THAT(message, HasSubstr(R"(unknown field "spec.containers[0].bar")"));
  EXPECT_EQ(api_.Call("GET", absl::StrCat(kValidationPods, "/a")).status, 404);
}

TEST_F(FieldValidationTest, BuiltinKindsIgnoreDropsSilently) {
  HttpResponse created = api_.Call("POST", absl::StrCat(kValidationPods, "?fieldValidation=Ignore"),
                                   PodWithUnknownFields("a").dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_THAT(Warnings(created), ::testing::IsEmpty());
  EXPECT_FALSE(ApiFixture::Json(created)["spec"].contains("foo"));
}

TEST_F(FieldValidationTest, UpdatesAndPatchesOfBuiltinKindsAreCheckedToo) {
  ASSERT_EQ(api_.Call("POST", "/api/v1/namespaces/default/configmaps",
                      R"({"metadata":{"name":"c"},"data":{"k":"v"}})")
                .status,
            201);
  const std::string path = "/api/v1/namespaces/default/configmaps/c";
  HttpResponse patched = api_.Call("PATCH", path, R"({"extra":{"a":1},"data":{"k":"w"}})",
                                   {{"content-type", "application/merge-patch+json"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_THAT(Warnings(patched), ElementsAre(R"(299 - "unknown field \"extra\"")"));
  EXPECT_EQ(ApiFixture::Json(patched)["data"]["k"], "w");
  HttpResponse strict = api_.Call("PUT", absl::StrCat(path, "?fieldValidation=Strict"),
                                  R"({"metadata":{"name":"c"},"data":{"k":"v"},"bogus":true})");
  EXPECT_EQ(strict.status, 400);
  EXPECT_THAT(strict.body, HasSubstr(R"(unknown field \"bogus\")"));
}

TEST_F(FieldValidationTest, NodeStatusTheKubeletWritesIsKept) {
  const json node = {{"metadata", {{"name", "n1"}}},
                     {"spec", {{"podCIDR", "10.0.0.0/24"}}},
                     {"status",
                      {{"addresses", {{{"type", "InternalIP"}, {"address", "10.0.0.1"}}}},
                       {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", 10250}}}}},
                       {"capacity", {{"huawei.com/Ascend910", "16"}}}}}};
  HttpResponse created = api_.Call("POST", "/api/v1/nodes", node.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_THAT(Warnings(created), ::testing::IsEmpty());
  EXPECT_EQ(ApiFixture::Json(created)["status"], node["status"]);
}

}  // namespace
}  // namespace flyover::apiserver
