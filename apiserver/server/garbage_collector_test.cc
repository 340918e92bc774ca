// The garbage collector's passes: owner references with each propagation policy,
// namespace termination, and the background thread reacting to deletions.
#include <string>

#include "absl/strings/str_cat.h"
#include "apiserver/server/testing/api_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using json = nlohmann::json;

constexpr char kConfigMaps[] = "/api/v1/namespaces/default/configmaps";

class GarbageCollectorTest : public ::testing::Test {
 protected:
  json Create(const std::string& name, const json& owner = nullptr,
              const std::string& ns = "default") {
    json object = {{"metadata", {{"name", name}}}, {"data", {{"k", "v"}}}};
    if (!owner.is_null()) {
      object["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"},
                                                {"kind", "ConfigMap"},
                                                {"name", owner["metadata"]["name"]},
                                                {"uid", owner["metadata"]["uid"]}}};
    }
    HttpResponse response =
        api_.Call("POST", absl::StrCat("/api/v1/namespaces/", ns, "/configmaps"), object.dump());
    EXPECT_EQ(response.status, 201) << response.body;
    return ApiFixture::Json(response);
  }

  int Status(const std::string& name, const std::string& ns = "default") {
    return api_.Call("GET", absl::StrCat("/api/v1/namespaces/", ns, "/configmaps/", name)).status;
  }

  void Delete(const std::string& name, const std::string& policy) {
    HttpResponse response = api_.Call("DELETE", absl::StrCat(kConfigMaps, "/", name),
                                      json{{"propagationPolicy", policy}}.dump());
    ASSERT_EQ(response.status, 200) << response.body;
  }

  void Passes(int count) {
    for (int i = 0; i < count; ++i) ASSERT_TRUE(api_.gc().RunOnce().ok());
  }

  ApiFixture api_;
};

TEST_F(GarbageCollectorTest, BackgroundDeletionCascades) {
  const json owner = Create("owner");
  const json child = Create("child", owner);
  Create("grandchild", child);
  Create("unrelated");
  Delete("owner", "Background");
  Passes(2);
  EXPECT_EQ(Status("child"), 404);
  EXPECT_EQ(Status("grandchild"), 404);
  EXPECT_EQ(Status("unrelated"), 200);
}

TEST_F(GarbageCollectorTest, OrphanKeepsDependentsWithoutTheReference) {
  const json owner = Create("owner");
  Create("child", owner);
  Delete("owner", "Orphan");
  EXPECT_EQ(Status("owner"), 200);  // held by the orphan finalizer
  Passes(1);
  EXPECT_EQ(Status("owner"), 404);
  const json child = ApiFixture::Json(api_.Call("GET", absl::StrCat(kConfigMaps, "/child")));
  EXPECT_FALSE(child["metadata"].contains("ownerReferences"));
}

TEST_F(GarbageCollectorTest, ForegroundRemovesDependentsFirst) {
  const json owner = Create("owner");
  Create("child", owner);
  Delete("owner", "Foreground");
  Passes(1);
  EXPECT_EQ(Status("child"), 404);
  EXPECT_EQ(Status("owner"), 200);
  Passes(1);
  EXPECT_EQ(Status("owner"), 404);
}

TEST_F(GarbageCollectorTest, DropsReferencesToMissingOwnersWhenOthersRemain) {
  const json alive = Create("alive");
  json child = {{"metadata",
                 {{"name", "child"},
                  {"ownerReferences",
                   {{{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"name", "alive"},
                     {"uid", alive["metadata"]["uid"]}},
                    {{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"name", "gone"},
                     {"uid", "00000000-0000-4000-8000-000000000000"}}}}}}};
  ASSERT_EQ(api_.Call("POST", kConfigMaps, child.dump()).status, 201);
  Passes(1);
  const json after = ApiFixture::Json(api_.Call("GET", absl::StrCat(kConfigMaps, "/child")));
  ASSERT_EQ(after["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_EQ(after["metadata"]["ownerReferences"][0]["name"], "alive");
}

TEST_F(GarbageCollectorTest, TerminatingNamespaceIsEmptiedThenRemoved) {
  ASSERT_EQ(api_.Call("POST", "/api/v1/namespaces", R"({"metadata":{"name":"ns1"}})").status, 201);
  Create("a", nullptr, "ns1");
  ASSERT_EQ(api_.Call("DELETE", "/api/v1/namespaces/ns1").status, 200);
  Passes(2);
  EXPECT_EQ(Status("a", "ns1"), 404);
  EXPECT_EQ(api_.Call("GET", "/api/v1/namespaces/ns1").status, 404);
}

TEST_F(GarbageCollectorTest, BackgroundThreadActsOnDeletions) {
  GarbageCollector gc(&api_.objects(),
                      {.resync_interval = absl::Hours(1), .debounce = absl::Milliseconds(1)});
  gc.Start();
  const json owner = Create("owner");
  Create("child", owner);
  Delete("owner", "Background");
  gc.Poke();  // the fixture's ObjectService pokes a counter, not this collector
  for (int i = 0; i < 500 && Status("child") != 404; ++i) absl::SleepFor(absl::Milliseconds(2));
  EXPECT_EQ(Status("child"), 404);
  gc.Stop();
}

}  // namespace
}  // namespace flyover::apiserver
