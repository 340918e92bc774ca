// Object semantics through the request handler: what create, update, delete and list do to
// objects, with an in-memory store.
#include <string>

#include "absl/strings/str_cat.h"
#include "apiserver/server/testing/api_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using ::flyover::apiserver::testing::PodJson;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kServicePods[] = "/api/v1/namespaces/default/pods";

class ObjectServiceTest : public ::testing::Test {
 protected:
  json MustCreatePod(const std::string& name, json labels = json::object()) {
    HttpResponse response = api_.Call("POST", kServicePods, PodJson(name, labels));
    EXPECT_EQ(response.status, 201) << response.body;
    return ApiFixture::Json(response);
  }

  ApiFixture api_;
};

TEST_F(ObjectServiceTest, CreateSetsServerFields) {
  const json pod = MustCreatePod("a");
  EXPECT_EQ(pod["metadata"]["namespace"], "default");
  EXPECT_EQ(pod["metadata"]["generation"], 1);
  EXPECT_EQ(pod["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(pod["metadata"]["creationTimestamp"].get<std::string>().empty());
  EXPECT_EQ(pod["status"]["phase"], "Pending");
  const json got = ApiFixture::Json(api_.Call("GET", absl::StrCat(kServicePods, "/a")));
  EXPECT_EQ(got["metadata"]["resourceVersion"], pod["metadata"]["resourceVersion"]);
  EXPECT_EQ(got["metadata"]["uid"], pod["metadata"]["uid"]);
}

TEST_F(ObjectServiceTest, GenerateNameAddsASuffix) {
  HttpResponse response =
      api_.Call("POST", kServicePods, R"({"metadata":{"generateName":"w-"},"spec":{"containers":[]}})");
  ASSERT_EQ(response.status, 201) << response.body;
  const std::string name = ApiFixture::Json(response)["metadata"]["name"];
  EXPECT_EQ(name.size(), 7u);
  EXPECT_EQ(name.substr(0, 2), "w-");
}

TEST_F(ObjectServiceTest, CreateRefusesMissingNamespacesDuplicatesAndBadNames) {
  HttpResponse missing = api_.Call("POST", "/api/v1/namespaces/nope/pods", PodJson("a"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr(R"(namespaces \"nope\" not found)"));
  MustCreatePod("a");
  HttpResponse duplicate = api_.Call("POST", kServicePods, PodJson("a"));
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_THAT(duplicate.body, HasSubstr(R"(pods \"a\" already exists)"));
  HttpResponse bad = api_.Call("POST", kServicePods, PodJson("Bad_Name"));
  EXPECT_EQ(bad.status, 422);
  EXPECT_THAT(bad.body, HasSubstr("metadata.name: Invalid value"));
  HttpResponse wrong_kind =
      api_.Call("POST", kServicePods, R"({"kind":"Service","metadata":{"name":"x"}})");
  EXPECT_EQ(wrong_kind.status, 400);
}

TEST_F(ObjectServiceTest, DryRunWritesNothing) {
  const int64_t before = api_.store().CurrentRevision();
  HttpResponse response = api_.Call("POST", absl::StrCat(kServicePods, "?dryRun=All"), PodJson("a"));
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(api_.store().CurrentRevision(), before);
  EXPECT_EQ(api_.Call("GET", absl::StrCat(kServicePods, "/a")).status, 404);
}

TEST_F(ObjectServiceTest, UpdateWithStaleResourceVersionConflicts) {
  json pod = MustCreatePod("a");
  pod["metadata"]["labels"] = {{"x", "1"}};
  HttpResponse first = api_.Call("PUT", absl::StrCat(kServicePods, "/a"), pod.dump());
  ASSERT_EQ(first.status, 200) << first.body;
  pod["metadata"]["labels"] = {{"x", "2"}};
  HttpResponse stale = api_.Call("PUT", absl::StrCat(kServicePods, "/a"), pod.dump());
  EXPECT_EQ(stale.status, 409);
  EXPECT_THAT(stale.body, HasSubstr("the object has been modified"));
}

TEST_F(ObjectServiceTest, GenerationCountsSpecChangesOnly) {
  json pod = MustCreatePod("a");
  pod["metadata"]["labels"] = {{"x", "1"}};
  pod = ApiFixture::Json(api_.Call("PUT", absl::StrCat(kServicePods, "/a"), pod.dump()));
  EXPECT_EQ(pod["metadata"]["generation"], 1);
  pod["spec"]["restartPolicy"] = "Never";
  pod = ApiFixture::Json(api_.Call("PUT", absl::StrCat(kServicePods, "/a"), pod.dump()));
  EXPECT_EQ(pod["metadata"]["generation"], 2);
  // Unchanged: no write, same resourceVersion.
  json again = ApiFixture::Json(api_.Call("PUT", absl::StrCat(kServicePods, "/a"), pod.dump()));
  EXPECT_EQ(again["metadata"]["resourceVersion"], pod["metadata"]["resourceVersion"]);
}

TEST_F(ObjectServiceTest, StatusSubresourceChangesOnlyStatus) {
  json pod = MustCreatePod("a");
  json changed = pod;
  changed["status"]["phase"] = "Running";
  changed["spec"]["restartPolicy"] = "Never";
  json via_status =
      ApiFixture::Json(api_.Call("PUT", absl::StrCat(kServicePods, "/a/status"), changed.dump()));
  EXPECT_EQ(via_status["status"]["phase"], "Running");
  EXPECT_FALSE(via_status["spec"].contains("restartPolicy"));
  via_status["status"]["phase"] = "Failed";
  json via_main = ApiFixture::Json(api_.Call("PUT", absl::StrCat(kServicePods, "/a"), via_status.dump()));
  EXPECT_EQ(via_main["status"]["phase"], "Running");
}

TEST_F(ObjectServiceTest, FinalizersHoldDeletionUntilRemoved) {
  HttpResponse created =
      api_.Call("POST", kServicePods, R"({"metadata":{"name":"a","finalizers":["x/y"]},"spec":{}})");
  ASSERT_EQ(created.status, 201);
  json deleting = ApiFixture::Json(api_.Call("DELETE", absl::StrCat(kServicePods, "/a")));
  EXPECT_TRUE(deleting["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(deleting["metadata"]["deletionGracePeriodSeconds"], 0);
  EXPECT_EQ(api_.Call("GET", absl::StrCat(kServicePods, "/a")).status, 200);
  HttpResponse add =
      api_.Call("PATCH", absl::StrCat(kServicePods, "/a"), R"({"metadata":{"finalizers":["x/y","z/w"]}})",
                {{"content-type", "application/merge-patch+json"}});
  EXPECT_EQ(add.status, 422);
  EXPECT_THAT(add.body, HasSubstr("no new finalizers can be added"));
  HttpResponse removed =
      api_.Call("PATCH", absl::StrCat(kServicePods, "/a"), R"({"metadata":{"finalizers":null}})",
                {{"content-type", "application/merge-patch+json"}});
  EXPECT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(api_.Call("GET", absl::StrCat(kServicePods, "/a")).status, 404);
}

TEST_F(ObjectServiceTest, DeletePreconditionsAndSystemNamespaces) {
  const json pod = MustCreatePod("a");
  HttpResponse wrong_uid =
      api_.Call("DELETE", absl::StrCat(kServicePods, "/a"), R"({"preconditions":{"uid":"other"}})");
  EXPECT_EQ(wrong_uid.status, 409);
  HttpResponse deleted =
      api_.Call("DELETE", absl::StrCat(kServicePods, "/a"),
                json{{"preconditions", {{"uid", pod["metadata"]["uid"]}}}}.dump());
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(api_.Call("DELETE", "/api/v1/namespaces/default").status, 403);
}

TEST_F(ObjectServiceTest, TerminatingNamespaceRefusesNewContent) {
  ASSERT_EQ(api_.Call("POST", "/api/v1/namespaces", R"({"metadata":{"name":"ns1"}})").status, 201);
  json ns = ApiFixture::Json(api_.Call("DELETE", "/api/v1/namespaces/ns1"));
  EXPECT_EQ(ns["status"]["phase"], "Terminating");
  HttpResponse refused = api_.Call("POST", "/api/v1/namespaces/ns1/pods", PodJson("a"));
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(refused.body, HasSubstr("because it is being terminated"));
}

TEST_F(ObjectServiceTest, ListFiltersAndPaginatesAcrossFilteredPages) {
  for (int i = 0; i < 10; ++i) {
    MustCreatePod(absl::StrCat("p", i), {{"parity", i % 2 == 0 ? "even" : "odd"}});
  }
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    std::string path = absl::StrCat(kServicePods, "?labelSelector=parity=even&limit=2");
    if (!token.empty()) absl::StrAppend(&path, "&continue=", token);
    const json list = ApiFixture::Json(api_.Call("GET", path));
    ASSERT_EQ(list["kind"], "PodList");
    for (const json& item : list["items"]) names.push_back(item["metadata"]["name"]);
    token = list["metadata"].value("continue", "");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_THAT(names, ::testing::ElementsAre("p0", "p2", "p4", "p6", "p8"));
  const json odd =
      ApiFixture::Json(api_.Call("GET", absl::StrCat(kServicePods, "?fieldSelector=metadata.name=p3")));
  ASSERT_EQ(odd["items"].size(), 1u);
}

}  // namespace
}  // namespace flyover::apiserver
