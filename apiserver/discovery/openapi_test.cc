#include "apiserver/discovery/openapi.h"

#include <string>

#include "absl/strings/match.h"
#include "apiserver/discovery/builtin_kind_schemas.h"
#include "apiserver/discovery/openapi_convert.h"
#include "apiserver/discovery/testing_crd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

constexpr char kPtj[] = "dev.flyover.training.v1alpha1.PostTrainingJob";

class OpenApiTest : public ::testing::Test {
 protected:
  ResourceRegistry registry_ = testing::RegistryWithPostTrainingJob();
};

TEST_F(OpenApiTest, V2HasBuiltinAndCustomDefinitions) {
  json doc = OpenApiV2Document(registry_);
  EXPECT_EQ(doc["swagger"], "2.0");
  EXPECT_EQ(doc["info"], json::parse(R"({"title": "Kubernetes", "version": "v1.31.0+flyover"})"));
  const json& defs = doc["definitions"];
  for (const char* name :
       {"io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.PodList", "io.k8s.api.core.v1.Node",
        "io.k8s.api.core.v1.Service", "io.k8s.api.core.v1.ConfigMap", "io.k8s.api.core.v1.Secret",
        "io.k8s.api.core.v1.Namespace", "io.k8s.api.core.v1.Event", "io.k8s.api.events.v1.Event",
        "io.k8s.api.coordination.v1.Lease", "io.k8s.api.core.v1.ServiceAccount",
        "io.k8s.api.rbac.v1.Role", "io.k8s.api.rbac.v1.ClusterRole",
        "io.k8s.api.rbac.v1.RoleBinding", "io.k8s.api.rbac.v1.ClusterRoleBindingList",
        "io.k8s.api.rbac.v1.PolicyRule", "io.k8s.api.rbac.v1.RoleRef",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", kPtj,
        "dev.flyover.training.v1alpha1.PostTrainingJobList"}) {
    EXPECT_TRUE(defs.contains(name)) << name;
  }
  EXPECT_EQ(defs["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"],
            json::parse(R"([{"group": "", "kind": "Pod", "version": "v1"}])"));
  EXPECT_EQ(defs[kPtj]["x-kubernetes-group-version-kind"],
            json::parse(R"([{"group": "training.flyover.dev", "kind": "PostTrainingJob",
                             "version": "v1alpha1"}])"));
}

TEST_F(OpenApiTest, BuiltinKindSchemaIsThePublishedDefinitionOfBuiltinKindsOnly) {
  const ResourceInfo* pods = registry_.Find("", "v1", "pods");
  ASSERT_NE(pods, nullptr);
  const json* pod = BuiltinKindSchema(*pods);
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod, &BuiltinDefinitions().at("io.k8s.api.core.v1.Pod"));
  EXPECT_TRUE(pod->at("properties").contains("spec"));
  const ResourceInfo* ptj = registry_.FindByKind("training.flyover.dev", "v1alpha1",
                                                 "PostTrainingJob");
  ASSERT_NE(ptj, nullptr);
  EXPECT_EQ(BuiltinKindSchema(*ptj), nullptr);
}

// The shapes kubectl 1.20's proto model accepts (openapi_convert.h).
TEST_F(OpenApiTest, V2SchemasHaveTheShapeOldKubectlReads) {
  const json defs = OpenApiV2Document(registry_)["definitions"];
  const json& pod = defs["io.k8s.api.core.v1.Pod"];
  EXPECT_FALSE(pod.contains("type"));  // object with properties: no type
  EXPECT_EQ(pod["properties"]["metadata"]["$ref"],
            "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  const json& containers = defs["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
  EXPECT_EQ(containers["type"], "array");
  EXPECT_EQ(containers["x-kubernetes-patch-merge-key"], "name");
  EXPECT_EQ(containers["x-kubernetes-patch-strategy"], "merge");
  const json& labels = defs["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]["labels"];
  EXPECT_EQ(labels, json::parse(R"({"type": "object", "additionalProperties": {"type": "string"},
    "description": "Key/value pairs used to organise and select objects."})"));
  const json& affinity = defs["io.k8s.api.core.v1.PodSpec"]["properties"]["affinity"];
  EXPECT_FALSE(affinity.contains("type"));  // free-form: anything validates
  EXPECT_FALSE(affinity.contains("x-kubernetes-preserve-unknown-fields"));

  const json& spec = defs[kPtj]["properties"]["spec"];
  EXPECT_FALSE(spec.contains("type"));
  EXPECT_EQ(spec["properties"]["replicas"]["type"], "integer");
  EXPECT_EQ(spec["properties"]["replicas"]["format"], "int32");
  EXPECT_FALSE(spec["properties"]["replicas"].contains("minimum"));
  EXPECT_FALSE(spec.contains("x-kubernetes-validations"));
  const json template_schema = {
      {"description", "The worker pod's template (a core/v1 PodTemplateSpec). Flyover adds the "
                      "NPU resources, rank environment and scheduling fields."}};
  EXPECT_EQ(spec["properties"]["template"], template_schema);
  EXPECT_EQ(defs[kPtj]["properties"]["metadata"]["$ref"],
            "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_EQ(spec["required"], json::parse(R"(["replicas", "npusPerReplica", "template", "training"])"));
}

struct V2Case {
  const char* name;
  const char* in;
  const char* want;
};

TEST(OpenApiConvertTest, V2ConversionTable) {
  const std::vector<V2Case> cases = {
      {"primitive", R"({"type": "string", "format": "date-time", "nullable": true})",
       R"({"type": "string", "format": "date-time"})"},
      {"enum kept", R"({"type": "string", "enum": ["A", "B"]})",
       R"({"type": "string", "enum": ["A", "B"]})"},
      {"object", R"({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]})",
       R"({"properties": {"a": {"type": "integer"}}, "required": ["a"]})"},
      {"map", R"({"type": "object", "additionalProperties": {"type": "integer"}})",
       R"({"type": "object", "additionalProperties": {"type": "integer"}})"},
      {"open map", R"({"type": "object", "additionalProperties": true})", R"({})"},
      {"empty object", R"({"type": "object"})", R"({})"},
      {"preserve", R"({"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                      "properties": {"a": {"type": "string"}}})", R"({})"},
      {"int-or-string", R"({"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}]})",
       R"({})"},
      {"array", R"({"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"})",
       R"({"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"})"},
      {"array without items", R"({"type": "array"})", R"({})"},
      {"ref", R"({"$ref": "#/definitions/X", "description": "d"})",
       R"({"$ref": "#/definitions/X", "description": "d"})"},
  };
  for (const V2Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ToOpenApiV2Schema(json::parse(c.in)), json::parse(c.want));
  }
}

TEST(OpenApiConvertTest, V3MovesReferencesAndWrapsThoseWithSiblings) {
  json in = json::parse(R"({"type": "object", "properties": {
      "a": {"$ref": "#/definitions/X"},
      "b": {"$ref": "#/definitions/Y", "description": "d"},
      "c": {"type": "array", "items": {"$ref": "#/definitions/Z"}}}})");
  EXPECT_EQ(ToOpenApiV3Schema(in), json::parse(R"({"type": "object", "properties": {
      "a": {"$ref": "#/components/schemas/X"},
      "b": {"allOf": [{"$ref": "#/components/schemas/Y"}], "description": "d"},
      "c": {"type": "array", "items": {"$ref": "#/components/schemas/Z"}}}})"));
}

TEST_F(OpenApiTest, V3IndexListsEveryGroupVersion) {
  json index = OpenApiV3Index(registry_);
  std::vector<std::string> paths;
  for (const auto& [path, entry] : index["paths"].items()) {
    paths.push_back(path);
    std::string url = entry["serverRelativeURL"];
    EXPECT_TRUE(absl::StartsWith(url, "/openapi/v3/" + path + "?hash=")) << url;
  }
  EXPECT_THAT(paths, ::testing::UnorderedElementsAre(
                         "api/v1", "apis/events.k8s.io/v1", "apis/rbac.authorization.k8s.io/v1",
                         "apis/coordination.k8s.io/v1",
                         "apis/apiextensions.k8s.io/v1", "apis/training.flyover.dev/v1alpha1"));
  EXPECT_EQ(OpenApiV3Index(registry_), index);  // stable hashes
}

TEST_F(OpenApiTest, V3DocumentOfTheCustomGroup) {
  absl::StatusOr<json> doc = OpenApiV3Document(registry_, "training.flyover.dev", "v1alpha1");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ((*doc)["openapi"], "3.0.0");
  const json& paths = (*doc)["paths"];
  const std::string item =
      "/apis/training.flyover.dev/v1alpha1/namespaces/{namespace}/posttrainingjobs/{name}";
  ASSERT_TRUE(paths.contains(item));
  const json& patch = paths[item]["patch"];
  EXPECT_EQ(patch["x-kubernetes-action"], "patch");
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"],
            json::parse(R"({"group": "training.flyover.dev", "kind": "PostTrainingJob",
                            "version": "v1alpha1"})"));
  std::vector<std::string> params;
  for (const json& p : patch["parameters"]) params.push_back(p["name"]);
  EXPECT_THAT(params, ::testing::IsSupersetOf({"name", "namespace", "fieldValidation"}));
  EXPECT_FALSE(patch["requestBody"]["content"].contains("application/strategic-merge-patch+json"));
  EXPECT_TRUE(paths.contains("/apis/training.flyover.dev/v1alpha1/posttrainingjobs"));
  EXPECT_TRUE(paths.contains(item + "/status"));

  const json& schemas = (*doc)["components"]["schemas"];
  ASSERT_TRUE(schemas.contains(kPtj));
  EXPECT_EQ(schemas[kPtj]["properties"]["metadata"],
            json::parse(R"({"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],
                            "description": "Standard object metadata."})"));
  EXPECT_EQ(schemas[kPtj]["properties"]["spec"]["properties"]["replicas"]["minimum"], 1);
  EXPECT_TRUE(schemas.contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  EXPECT_TRUE(schemas.contains("io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"));
  EXPECT_FALSE(schemas.contains("io.k8s.api.core.v1.Pod"));
}

TEST_F(OpenApiTest, V3CoreDocumentReachesEveryReferencedSchema) {
  absl::StatusOr<json> doc = OpenApiV3Document(registry_, "", "v1");
  ASSERT_TRUE(doc.ok()) << doc.status();
  const json& schemas = (*doc)["components"]["schemas"];
  for (const char* name : {"io.k8s.api.core.v1.PodSpec", "io.k8s.api.core.v1.Container",
                           "io.k8s.api.core.v1.EnvVar", "io.k8s.api.core.v1.ServiceSpec"}) {
    EXPECT_TRUE(schemas.contains(name)) << name;
  }
  const json& pods = (*doc)["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"];
  EXPECT_TRUE(pods["patch"]["requestBody"]["content"].contains(
      "application/strategic-merge-patch+json"));
  EXPECT_EQ((*doc)["paths"]["/api/v1/nodes/{name}"]["get"]["operationId"], "readNode");
  EXPECT_TRUE(absl::IsNotFound(OpenApiV3Document(registry_, "apps", "v1").status()));
}

}  // namespace
}  // namespace flyover::apiserver::discovery
