// CustomResourceDefinitions and custom resources: registration, status, schema admission,
// PostTrainingJob validation with the examples' expected messages, and CRD deletion.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "apiserver/server/testing/api_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/yaml.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kCrds[] = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
constexpr char kJobs[] = "/apis/training.flyover.dev/v1alpha1/namespaces/default/posttrainingjobs";
constexpr char kWidgets[] = "/apis/example.com/v1/namespaces/default/widgets";

std::string ReadText(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

json YamlFile(const std::string& path) {
  absl::StatusOr<std::vector<json>> documents = kube::ParseYamlDocuments(ReadText(path));
  EXPECT_TRUE(documents.ok() && documents->size() == 1) << path;
  return documents.ok() && !documents->empty() ? documents->front() : json();
}

json WidgetCrd() {
  return json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
      "names": {"kind": "Widget", "plural": "widgets"},
      "versions": [{"name": "v1", "served": true, "storage": true,
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {
          "spec": {"type": "object", "properties": {
            "size": {"type": "integer", "minimum": 1, "default": 3}}}}}}}]}})");
}

class CustomResourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpResponse ptj = api_.Call(
        "POST", kCrds, YamlFile("crds/training.flyover.dev_posttrainingjobs.yaml").dump());
    ASSERT_EQ(ptj.status, 201) << ptj.body;
    crd_ = ApiFixture::Json(ptj);
    ASSERT_EQ(api_.Call("POST", kCrds, WidgetCrd().dump()).status, 201);
  }

  ApiFixture api_;
  json crd_;
};

TEST_F(CustomResourceTest, CrdIsEstablishedAndServed) {
  const json& conditions = crd_["status"]["conditions"];
  ASSERT_EQ(conditions.size(), 2u);
  EXPECT_EQ(conditions[0]["type"], "NamesAccepted");
  EXPECT_EQ(conditions[1]["type"], "Established");
  EXPECT_EQ(conditions[1]["status"], "True");
  EXPECT_EQ(crd_["status"]["acceptedNames"]["shortNames"], json({"ptj"}));
  EXPECT_EQ(crd_["status"]["storedVersions"], json({"v1alpha1"}));
  EXPECT_EQ(ApiFixture::Json(api_.Call("GET", kJobs))["kind"], "PostTrainingJobList");
  EXPECT_EQ(api_.Call("GET", "/apis/training.flyover.dev/v1alpha1").status, 200);
}

TEST_F(CustomResourceTest, JobsAreDefaultedAndStatusIsASubresource) {
  json job = YamlFile("deploy/examples/tiny.yaml");
  job["status"] = {{"phase", "Running"}};
  HttpResponse created =
      api_.Call("POST", absl::StrCat(kJobs, "?fieldValidation=Strict"), job.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const json stored = ApiFixture::Json(created);
  EXPECT_FALSE(stored.contains("status"));
  EXPECT_EQ(stored["spec"]["faultTolerance"]["maxRestarts"], 10);  // a CRD default
  HttpResponse status =
      api_.Call("PATCH", absl::StrCat(kJobs, "/tiny/status"), R"({"status":{"phase":"Running"}})",
                {{"content-type", "application/merge-patch+json"}});
  EXPECT_EQ(ApiFixture::Json(status)["status"]["phase"], "Running") << status.body;
  HttpResponse strategic = api_.Call("PATCH", absl::StrCat(kJobs, "/tiny"), "{}",
                                     {{"content-type", "application/strategic-merge-patch+json"}});
  EXPECT_EQ(strategic.status, 415);
}

// Every invalid example is refused with each message its "# expect:" lines document.
TEST_F(CustomResourceTest, InvalidExamplesAreRefusedWithTheirMessages) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator("deploy/examples/invalid")) {
    const std::string path = entry.path().string();
    const std::string text = ReadText(path);
    HttpResponse response =
        api_.Call("POST", absl::StrCat(kJobs, "?fieldValidation=Strict"), YamlFile(path).dump());
    EXPECT_EQ(response.status, 422) << path << ": " << response.body;
    const std::string message = ApiFixture::Json(response).value("message", "");
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (!absl::ConsumePrefix(&line, "# expect: ")) continue;
      EXPECT_THAT(message, HasSubstr(std::string(line))) << path;
    }
    ++files;
  }
  EXPECT_GE(files, 10);
}

TEST_F(CustomResourceTest, SchemaPrunesDefaultsAndValidates) {
  const std::string widget = R"({"metadata":{"name":"w"},"spec":{"extra":1}})";
  HttpResponse strict =
      api_.Call("POST", absl::StrCat(kWidgets, "?fieldValidation=Strict"), widget);
  EXPECT_EQ(strict.status, 400);
  EXPECT_THAT(strict.body, HasSubstr(R"(unknown field \"spec.extra\")"));
  HttpResponse warned = api_.Call("POST", kWidgets, widget);
  ASSERT_EQ(warned.status, 201) << warned.body;
  ASSERT_EQ(warned.headers.size(), 1u);
  EXPECT_THAT(warned.headers[0].second, HasSubstr("unknown field"));
  const json stored = ApiFixture::Json(warned);
  EXPECT_EQ(stored["spec"], json({{"size", 3}}));
  HttpResponse invalid =
      api_.Call("POST", kWidgets, R"({"metadata":{"name":"v"},"spec":{"size":0}})");
  EXPECT_EQ(invalid.status, 422);
  EXPECT_THAT(invalid.body, HasSubstr("spec.size"));
}

TEST_F(CustomResourceTest, DeletingACrdUnservesItAndCollectsItsResources) {
  ASSERT_EQ(api_.Call("POST", kWidgets, R"({"metadata":{"name":"w"}})").status, 201);
  HttpResponse deleted = api_.Call("DELETE", absl::StrCat(kCrds, "/widgets.example.com"));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(api_.Call("GET", kWidgets).status, 404);
  ASSERT_TRUE(api_.gc().RunOnce().ok());
  ASSERT_TRUE(api_.gc().RunOnce().ok());
  EXPECT_EQ(api_.Call("GET", absl::StrCat(kCrds, "/widgets.example.com")).status, 404);
  EXPECT_TRUE(api_.store().List({.resource = "widgets.example.com"})->items.empty());
  // Created again, the resource starts empty.
  ASSERT_EQ(api_.Call("POST", kCrds, WidgetCrd().dump()).status, 201);
  EXPECT_TRUE(ApiFixture::Json(api_.Call("GET", kWidgets))["items"].empty());
}

}  // namespace
}  // namespace flyover::apiserver
