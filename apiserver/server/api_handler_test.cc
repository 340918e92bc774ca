// Routing, discovery, tables, patches, bindings and errors through ApiHandler.
#include <string>

#include "absl/strings/str_cat.h"
#include "apiserver/discovery/media_type.h"
#include "apiserver/server/testing/api_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using ::flyover::apiserver::testing::PodJson;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kPods[] = "/api/v1/namespaces/default/pods";
constexpr char kTableAccept[] = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

TEST(ApiHandlerTest, ServesVersionDiscoveryAndOpenApi) {
  ApiFixture api;
  EXPECT_EQ(ApiFixture::Json(api.Call("GET", "/version"))["major"], "1");
  EXPECT_EQ(ApiFixture::Json(api.Call("GET", "/api"))["kind"], "APIVersions");
  EXPECT_EQ(ApiFixture::Json(api.Call("GET", "/apis"))["kind"], "APIGroupList");
  EXPECT_EQ(ApiFixture::Json(api.Call("GET", "/api/v1"))["kind"], "APIResourceList");
  HttpResponse aggregated = api.Call(
      "GET", "/apis", "",
      {{"accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"}});
  EXPECT_EQ(aggregated.content_type, discovery::kAggregatedDiscoveryContentType);
  HttpResponse proto =
      api.Call("GET", "/openapi/v2", "",
               {{"accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}});
  EXPECT_EQ(proto.status, 200);
  EXPECT_EQ(proto.content_type, discovery::kOpenApiV2ProtobufContentType);
  EXPECT_EQ(ApiFixture::Json(api.Call("GET", "/openapi/v2"))["swagger"], "2.0");
  EXPECT_TRUE(ApiFixture::Json(api.Call("GET", "/openapi/v3"))["paths"].contains("api/v1"));
  EXPECT_EQ(api.Call("GET", "/openapi/v3/api/v1?hash=x").status, 200);
  EXPECT_EQ(api.Call("GET", "/apis/nope.io/v1").status, 404);
  EXPECT_EQ(api.Call("GET", "/healthz").body, "ok");
  EXPECT_THAT(api.Call("GET", "/readyz?verbose").body, HasSubstr("readyz check passed"));
  EXPECT_THAT(api.Call("GET", "/metrics").body, HasSubstr("flyover_apiserver_requests_total"));
}

TEST(ApiHandlerTest, AnswersTablesToKubectlGet) {
  ApiFixture api;
  ASSERT_EQ(api.Call("POST", kPods, PodJson("a")).status, 201);
  const json list = ApiFixture::Json(api.Call("GET", kPods, "", {{"accept", kTableAccept}}));
  EXPECT_EQ(list["kind"], "Table");
  ASSERT_EQ(list["rows"].size(), 1u);
  EXPECT_EQ(list["rows"][0]["cells"][0], "a");
  const json one =
      ApiFixture::Json(api.Call("GET", absl::StrCat(kPods, "/a"), "", {{"accept", kTableAccept}}));
  EXPECT_EQ(one["kind"], "Table");
}

TEST(ApiHandlerTest, AppliesEveryPatchType) {
  ApiFixture api;
  ASSERT_EQ(api.Call("POST", kPods, PodJson("a")).status, 201);
  const std::string pod = absl::StrCat(kPods, "/a");
  HttpResponse merge = api.Call("PATCH", pod, R"({"metadata":{"labels":{"m":"1"}}})",
                                {{"content-type", "application/merge-patch+json"}});
  EXPECT_EQ(ApiFixture::Json(merge)["metadata"]["labels"]["m"], "1");
  HttpResponse json_patch =
      api.Call("PATCH", pod, R"([{"op":"add","path":"/metadata/labels/j","value":"2"}])",
               {{"content-type", "application/json-patch+json"}});
  EXPECT_EQ(ApiFixture::Json(json_patch)["metadata"]["labels"]["j"], "2");
  HttpResponse strategic =
      api.Call("PATCH", pod, R"({"spec":{"containers":[{"name":"side","image":"x"}]}})",
               {{"content-type", "application/strategic-merge-patch+json"}});
  EXPECT_EQ(ApiFixture::Json(strategic)["spec"]["containers"].size(), 2u);
  HttpResponse unknown = api.Call("PATCH", pod, "{}", {{"content-type", "application/x-unknown"}});
  EXPECT_EQ(unknown.status, 415);
  HttpResponse bad_op = api.Call("PATCH", pod, R"([{"op":"remove","path":"/nope"}])",
                                 {{"content-type", "application/json-patch+json"}});
  EXPECT_EQ(bad_op.status, 422);
}

// The same manager applying again owns only what it applies now: data.a, applied before
// and no longer, is removed (apply_test.cc covers several managers and conflicts).
TEST(ApiHandlerTest, ApplyPatchCreatesThenKeepsOnlyWhatTheManagerApplies) {
  ApiFixture api;
  const std::string path = absl::StrCat("/api/v1/namespaces/default/configmaps/c?fieldManager=t");
  HttpResponse created = api.Call("PATCH", path,
                                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                                  "data: {a: '1'}\n",
                                  {{"content-type", "application/apply-patch+yaml"}});
  EXPECT_EQ(created.status, 201) << created.body;
  HttpResponse merged =
      api.Call("PATCH", path, R"({"apiVersion":"v1","kind":"ConfigMap","data":{"b":"2"}})",
               {{"content-type", "application/apply-patch+yaml"}});
  EXPECT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(ApiFixture::Json(merged)["data"], json({{"b", "2"}}));
}

TEST(ApiHandlerTest, BindsAPodOnce) {
  ApiFixture api;
  ASSERT_EQ(api.Call("POST", kPods, PodJson("a")).status, 201);
  const std::string binding = absl::StrCat(kPods, "/a/binding");
  HttpResponse bound =
      api.Call("POST", binding, R"({"kind":"Binding","target":{"kind":"Node","name":"n1"}})");
  EXPECT_EQ(bound.status, 201) << bound.body;
  const json pod = ApiFixture::Json(api.Call("GET", absl::StrCat(kPods, "/a")));
  EXPECT_EQ(pod["spec"]["nodeName"], "n1");
  EXPECT_EQ(pod["status"]["conditions"][0]["type"], "PodScheduled");
  HttpResponse again = api.Call("POST", binding, R"({"target":{"name":"n2"}})");
  EXPECT_EQ(again.status, 409);
  EXPECT_THAT(again.body, HasSubstr(R"(already assigned to node \"n1\")"));
  EXPECT_EQ(
      api.Call("POST", absl::StrCat(kPods, "/zz/binding"), R"({"target":{"name":"n"}})").status,
      404);
  EXPECT_EQ(api.Call("POST", binding, R"({"target":{}})").status, 422);
}

// kube-apiserver copies a Binding's annotations onto the pod in the same write, so a
// scheduler's placement annotations and spec.nodeName arrive together.
TEST(ApiHandlerTest, BindingCopiesItsAnnotationsInOneWrite) {
  ApiFixture api;
  json pod = json::parse(PodJson("a"));
  pod["metadata"]["annotations"] = {{"keep", "me"}, {"dies", "old"}};
  ASSERT_EQ(api.Call("POST", kPods, pod.dump()).status, 201);
  const int64_t before = api.store().CurrentRevision();
  auto watcher = api.store().Watch({.resource = "pods", .from_revision = before});
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  const json annotations = {{"dies", "0,1"}, {"rank", "3"}};
  const json binding = {{"kind", "Binding"},
                        {"metadata", {{"name", "a"}, {"annotations", annotations}}},
                        {"target", {{"kind", "Node"}, {"name", "n1"}}}};
  HttpResponse bound = api.Call("POST", absl::StrCat(kPods, "/a/binding"), binding.dump());
  ASSERT_EQ(bound.status, 201) << bound.body;
  EXPECT_EQ(api.store().CurrentRevision(), before + 1) << "one storage write";
  auto events = (*watcher)->NextBatch(16, absl::Milliseconds(200));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u) << "one watch event";
  auto more = (*watcher)->NextBatch(16, absl::Milliseconds(100));
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_TRUE(more->empty()) << "and no second one";
  EXPECT_THAT(std::string((*events)[0].object()), HasSubstr("n1"));
  EXPECT_THAT(std::string((*events)[0].object()), HasSubstr("0,1"));
  const json got = ApiFixture::Json(api.Call("GET", absl::StrCat(kPods, "/a")));
  EXPECT_EQ(got["spec"]["nodeName"], "n1");
  EXPECT_EQ(got["metadata"]["annotations"],
            (json{{"keep", "me"}, {"dies", "0,1"}, {"rank", "3"}}))
      << "overwritten, added, others kept";
}

TEST(ApiHandlerTest, BindingRefusesAnotherUidAndABoundPod) {
  ApiFixture api;
  const json created = ApiFixture::Json(api.Call("POST", kPods, PodJson("a")));
  const std::string uid = created["metadata"]["uid"];
  const std::string path = absl::StrCat(kPods, "/a/binding");
  json binding = {{"metadata", {{"name", "a"}, {"uid", "another"}, {"annotations", {{"x", "y"}}}}},
                  {"target", {{"name", "n1"}}}};
  HttpResponse other = api.Call("POST", path, binding.dump());
  EXPECT_EQ(other.status, 409);
  EXPECT_THAT(other.body, HasSubstr("UID in precondition: another"));
  json pod = ApiFixture::Json(api.Call("GET", absl::StrCat(kPods, "/a")));
  EXPECT_FALSE(pod["spec"].contains("nodeName"));
  EXPECT_FALSE(pod["metadata"].contains("annotations")) << "a refused Binding writes nothing";
  binding["metadata"]["uid"] = uid;
  EXPECT_EQ(api.Call("POST", path, binding.dump()).status, 201);
  binding["metadata"]["annotations"]["x"] = "z";
  binding["target"]["name"] = "n2";
  EXPECT_EQ(api.Call("POST", path, binding.dump()).status, 409);
  pod = ApiFixture::Json(api.Call("GET", absl::StrCat(kPods, "/a")));
  EXPECT_EQ(pod["spec"]["nodeName"], "n1");
  EXPECT_EQ(pod["metadata"]["annotations"]["x"], "y");
}

TEST(ApiHandlerTest, RefusesUnknownPathsVerbsAndMediaTypes) {
  ApiFixture api;
  EXPECT_EQ(api.Call("GET", "/api/v1/namespaces/default/widgets").status, 404);
  EXPECT_EQ(api.Call("GET", "/api/v1/namespaces/default/pods/a/exec").status, 404);
  EXPECT_EQ(api.Call("GET", "/nowhere").status, 404);
  EXPECT_EQ(api.Call("DELETE", "/api/v1/namespaces").status, 405);
  HttpResponse proto =
      api.Call("POST", kPods, "k8s\x01", {{"content-type", "application/vnd.kubernetes.protobuf"}});
  EXPECT_EQ(proto.status, 415);
  HttpResponse text = api.Call("POST", kPods, "x", {{"content-type", "text/plain"}});
  EXPECT_EQ(text.status, 415);
  HttpResponse yaml =
      api.Call("POST", kPods, "apiVersion: v1\nkind: Pod\nmetadata: {name: from-yaml}\nspec: {}\n",
               {{"content-type", "application/yaml"}});
  EXPECT_EQ(yaml.status, 201) << yaml.body;
}

// What `kubectl create configmap c --from-literal=a=b` sends with kubectl 1.32: the k8s
// envelope (runtime.Unknown) around a protobuf ConfigMap.
std::string Field(int number, const std::string& bytes) {
  return std::string(1, static_cast<char>(number << 3 | 2)) +
         std::string(1, static_cast<char>(bytes.size())) + bytes;
}

TEST(ApiHandlerTest, DecodesProtobufConfigMaps) {
  ApiFixture api;
  const std::string meta = Field(1, "c") + Field(11, Field(1, "app") + Field(2, "x"));
  const std::string config_map = Field(1, meta) + Field(2, Field(1, "a") + Field(2, "b"));
  const std::string type_meta = Field(1, "v1") + Field(2, "ConfigMap");
  const std::string body = std::string("k8s\0", 4) + Field(1, type_meta) + Field(2, config_map) +
                           Field(4, "application/vnd.kubernetes.protobuf");
  HttpResponse created = api.Call("POST", "/api/v1/namespaces/default/configmaps", body,
                                  {{"content-type", "application/vnd.kubernetes.protobuf"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json object = ApiFixture::Json(created);
  EXPECT_EQ(object["metadata"]["name"], "c");
  EXPECT_EQ(object["metadata"]["labels"]["app"], "x");
  EXPECT_EQ(object["data"]["a"], "b");
}

TEST(ApiHandlerTest, DeletesCollectionsBySelector) {
  ApiFixture api;
  ASSERT_EQ(api.Call("POST", kPods, PodJson("a", {{"app", "x"}})).status, 201);
  ASSERT_EQ(api.Call("POST", kPods, PodJson("b", {{"app", "y"}})).status, 201);
  const json deleted =
      ApiFixture::Json(api.Call("DELETE", absl::StrCat(kPods, "?labelSelector=app=x")));
  ASSERT_EQ(deleted["items"].size(), 1u);
  EXPECT_EQ(deleted["items"][0]["metadata"]["name"], "a");
  EXPECT_EQ(ApiFixture::Json(api.Call("GET", kPods))["items"].size(), 1u);
}

}  // namespace
}  // namespace flyover::apiserver
