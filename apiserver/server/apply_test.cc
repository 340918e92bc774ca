// Server-side apply through HTTP requests: field ownership between managers, conflicts and
// force, kubectl's YAML bodies, creation, the status subresource and the errors; and the
// Update entries the strategy records for other writes.
//
// Every request goes through ApiHandler, which hands apply patches to ServeApply.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "apiserver/server/apply_handler.h"
#include "apiserver/server/object_meta.h"
#include "apiserver/server/patch.h"
#include "apiserver/server/strategy.h"
#include "apiserver/server/testing/api_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using ::flyover::apiserver::testing::PodJson;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kConfigMap[] = "/api/v1/namespaces/default/configmaps/c";
constexpr char kPod[] = "/api/v1/namespaces/default/pods/p";

// PATCH `path`?`query` with an apply body, through ApiHandler as a client's request goes.
HttpResponse Apply(ApiFixture& api, const std::string& path, const std::string& query,
                   const std::string& body) {
  return api.Call("PATCH", query.empty() ? path : absl::StrCat(path, "?", query), body,
                  {{"content-type", "application/apply-patch+yaml"},
                   {"user-agent", "kubectl/v1.32.0 (linux/amd64)"}});
}

std::string ConfigMap(const std::string& data) {
  return absl::StrCat(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":)",
                      data, "}");
}

// The fieldsV1 of `manager`'s entry, or null.
json FieldsOf(const json& object, const std::string& manager) {
  for (const json& entry : object["metadata"].value("managedFields", json::array())) {
    if (entry["manager"] == manager) return entry["fieldsV1"];
  }
  return nullptr;
}

TEST(ApplyTest, TwoManagersApplyDisjointFieldsAndBothKeepThem) {
  ApiFixture api;
  HttpResponse created = Apply(api, kConfigMap, "fieldManager=alice", ConfigMap(R"({"a":"1"})"));
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_EQ(Apply(api, kConfigMap, "fieldManager=bob", ConfigMap(R"({"b":"2"})")).status, 200);
  HttpResponse again = Apply(api, kConfigMap, "fieldManager=alice", ConfigMap(R"({"a":"3"})"));
  ASSERT_EQ(again.status, 200) << again.body;
  const json object = ApiFixture::Json(api.Call("GET", kConfigMap));
  EXPECT_EQ(object["data"], json({{"a", "3"}, {"b", "2"}}));
  EXPECT_EQ(FieldsOf(object, "alice"), json::parse(R"({"f:data": {"f:a": {}}})"));
  EXPECT_EQ(FieldsOf(object, "bob"), json::parse(R"({"f:data": {"f:b": {}}})"));
  const json& entry = object["metadata"]["managedFields"][0];
  EXPECT_EQ(entry["operation"], "Apply");
  EXPECT_EQ(entry["apiVersion"], "v1");
  EXPECT_EQ(entry["fieldsType"], "FieldsV1");
  EXPECT_FALSE(entry["time"].get<std::string>().empty());
}

TEST(ApplyTest, ConflictIs409WithCausesAndForceMovesOwnership) {
  ApiFixture api;
  ASSERT_EQ(Apply(api, kConfigMap, "fieldManager=alice", ConfigMap(R"({"a":"1"})")).status, 201);
  HttpResponse conflict = Apply(api, kConfigMap, "fieldManager=bob", ConfigMap(R"({"a":"2"})"));
  ASSERT_EQ(conflict.status, 409) << conflict.body;
  const json status = ApiFixture::Json(conflict);
  EXPECT_EQ(status["reason"], "Conflict");
  EXPECT_EQ(status["message"], "Apply failed with 1 conflict: conflict with \"alice\": .data.a");
  EXPECT_EQ(status["details"]["causes"],
            json::parse(R"([{"reason": "FieldManagerConflict",
                             "message": "conflict with \"alice\"", "field": ".data.a"}])"));
  EXPECT_EQ(ApiFixture::Json(api.Call("GET", kConfigMap))["data"]["a"], "1");

  HttpResponse forced =
      Apply(api, kConfigMap, "fieldManager=bob&force=true", ConfigMap(R"({"a":"2"})"));
  ASSERT_EQ(forced.status, 200) << forced.body;
  const json object = ApiFixture::Json(forced);
  EXPECT_EQ(object["data"]["a"], "2");
  EXPECT_EQ(FieldsOf(object, "bob"), json::parse(R"({"f:data": {"f:a": {}}})"));
  EXPECT_EQ(FieldsOf(object, "alice"), nullptr);  // nothing left: the entry goes
}

// What `kubectl apply --server-side -f pod.yaml` sends, edited between two runs.
TEST(ApplyTest, KubectlYamlAppliesMergeContainersByNameAndDropRemovedFields) {
  ApiFixture api;
  const std::string first =
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: x, tier: web}\n"
      "spec:\n  containers:\n  - name: main\n    image: busybox\n    env:\n"
      "    - {name: A, value: '1'}\n";
  ASSERT_EQ(Apply(api, kPod, "fieldManager=kubectl&fieldValidation=Strict", first).status, 201);
  const std::string second =
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: x}\n"
      "spec:\n  containers:\n  - name: main\n    image: busybox:2\n";
  HttpResponse applied = Apply(api, kPod, "fieldManager=kubectl", second);
  ASSERT_EQ(applied.status, 200) << applied.body;
  const json pod = ApiFixture::Json(applied);
  EXPECT_EQ(pod["metadata"]["labels"], json({{"app", "x"}}));
  EXPECT_EQ(pod["spec"]["containers"], json::parse(R"([{"name": "main", "image": "busybox:2"}])"));
  EXPECT_EQ(FieldsOf(pod, "kubectl"), json::parse(R"({
    "f:metadata": {"f:labels": {"f:app": {}}},
    "f:spec": {"f:containers": {"k:{\"name\":\"main\"}": {".": {}, "f:name": {}, "f:image": {}}}}})"));
  EXPECT_EQ(pod["status"]["phase"], "Pending");  // the main resource leaves status alone
}

TEST(ApplyTest, StatusSubresourceAppliesStatusOnly) {
  ApiFixture api;
  ASSERT_EQ(api.Call("POST", "/api/v1/namespaces/default/pods", PodJson("p")).status, 201);
  HttpResponse applied =
      Apply(api, absl::StrCat(kPod, "/status"), "fieldManager=kubelet",
            R"({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"x":"y"}},
                "status":{"phase":"Running"}})");
  ASSERT_EQ(applied.status, 200) << applied.body;
  const json pod = ApiFixture::Json(applied);
  EXPECT_EQ(pod["status"]["phase"], "Running");
  EXPECT_FALSE(pod["metadata"]["labels"].contains("x"));
  // The create recorded its own Update entry; the status apply adds kubelet's Apply entry,
  // which owns status fields only.
  const json& entries = pod["metadata"]["managedFields"];
  ASSERT_EQ(entries.size(), 2u) << pod.dump();
  const auto kubelet = std::find_if(entries.begin(), entries.end(), [](const json& entry) {
    return entry["manager"] == "kubelet";
  });
  ASSERT_NE(kubelet, entries.end()) << pod.dump();
  EXPECT_EQ((*kubelet)["operation"], "Apply");
  EXPECT_EQ((*kubelet)["subresource"], "status");
  EXPECT_EQ((*kubelet)["fieldsV1"], json::parse(R"({"f:status": {"f:phase": {}}})"));
  EXPECT_EQ(Apply(api, "/api/v1/namespaces/default/pods/none/status", "fieldManager=kubelet",
                  R"({"apiVersion":"v1","kind":"Pod","status":{"phase":"Running"}})")
                .status,
            404);
}

TEST(ApplyTest, RefusesAppliesWithoutManagerOrWithTheWrongType) {
  ApiFixture api;
  HttpResponse no_manager = Apply(api, kConfigMap, "", ConfigMap("{}"));
  EXPECT_EQ(no_manager.status, 422);
  EXPECT_EQ(ApiFixture::Json(no_manager)["message"],
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required "
            "for apply patch");
  HttpResponse bad_force = Apply(api, kConfigMap, "fieldManager=a&force=maybe", ConfigMap("{}"));
  EXPECT_EQ(bad_force.status, 400);
  HttpResponse wrong_version = Apply(api, kConfigMap, "fieldManager=a",
                                     R"({"apiVersion":"v2","kind":"ConfigMap"})");
  EXPECT_EQ(wrong_version.status, 400);
  EXPECT_THAT(wrong_version.body, HasSubstr("Incorrect version specified in apply patch"));
  HttpResponse managed = Apply(api, kConfigMap, "fieldManager=a",
                               R"({"apiVersion":"v1","kind":"ConfigMap",
                                   "metadata":{"managedFields":[{"manager":"x"}]}})");
  EXPECT_EQ(managed.status, 400);
  HttpResponse other_name = Apply(api, kConfigMap, "fieldManager=a",
                                  R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"}})");
  EXPECT_EQ(other_name.status, 400);
  HttpResponse duplicate = Apply(api, kPod, "fieldManager=a",
                                 R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[
                                     {"name":"c","image":"i"},{"name":"c","image":"j"}]}})");
  EXPECT_EQ(duplicate.status, 422) << duplicate.body;
  EXPECT_EQ(api.Call("GET", kConfigMap).status, 404);  // nothing half-written
}

TEST(ApplyTest, UpdatesKeepManagedFieldsTheyDoNotSend) {
  ApiFixture api;
  ASSERT_EQ(Apply(api, kConfigMap, "fieldManager=alice", ConfigMap(R"({"a":"1"})")).status, 201);
  json object = ApiFixture::Json(api.Call("GET", kConfigMap));
  object["metadata"].erase("managedFields");
  object["data"]["b"] = "2";
  HttpResponse put = api.Call("PUT", kConfigMap, object.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(FieldsOf(ApiFixture::Json(put), "alice"), json::parse(R"({"f:data": {"f:a": {}}})"));
}

TEST(ApplyTest, StrategyRecordsUpdateEntriesForTheirManager) {
  ApiFixture api;
  const discovery::ResourceInfo* config_maps =
      api.registry().Snapshot()->registry().Find("", "v1", "configmaps");
  ASSERT_NE(config_maps, nullptr);
  AdmissionContext context{config_maps, &api.registry(), FieldValidation::kWarn, absl::Now()};
  context.field_manager = "kubectl-create";
  json object = json::parse(R"({"metadata": {"name": "c", "namespace": "default"},
                                "data": {"a": "1"}})");
  ASSERT_TRUE(AdmitCreate(context, object).ok());
  EXPECT_EQ(FieldsOf(object, "kubectl-create"), json::parse(R"({"f:data": {"f:a": {}}})"));
  EXPECT_EQ(object["metadata"]["managedFields"][0]["operation"], "Update");

  json updated = object;
  updated["data"]["b"] = "2";
  context.field_manager = "kubectl-edit";
  ASSERT_TRUE(AdmitUpdate(context, object, updated, "").ok());
  EXPECT_EQ(FieldsOf(updated, "kubectl-edit"), json::parse(R"({"f:data": {"f:b": {}}})"));
  EXPECT_EQ(FieldsOf(updated, "kubectl-create"), json::parse(R"({"f:data": {"f:a": {}}})"));

  json bad = updated;
  bad["metadata"]["managedFields"][0]["operation"] = "Merge";
  absl::Status refused = AdmitUpdate(context, updated, bad, "");
  EXPECT_EQ(StatusFromAbsl(refused)["code"], 422);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("metadata.managedFields[0].operation"));
}

// An apply body must never be merged without field ownership: only ServeApply applies it.
TEST(ApplyTest, ApplyPatchRefusesApplyBodies) {
  ApiFixture api;
  std::shared_ptr<const RegistrySnapshot> snapshot = api.registry().Snapshot();
  const discovery::ResourceInfo* config_maps = snapshot->registry().Find("", "v1", "configmaps");
  ASSERT_NE(config_maps, nullptr);
  absl::StatusOr<ParsedPatch> patch =
      ParsePatch(*config_maps, "application/apply-patch+yaml", ConfigMap(R"({"a":"1"})"));
  ASSERT_TRUE(patch.ok()) << patch.status();
  EXPECT_TRUE(absl::IsInternal(ApplyPatch(*config_maps, *patch, json::object()).status()));
}

}  // namespace
}  // namespace flyover::apiserver
