// ServiceAccount and the rbac.authorization.k8s.io/v1 kinds: their definitions (required
// fields, the atomic roleRef, merge keys) and their place in OpenAPI v2 (JSON and the
// protobuf kubectl 1.20 reads) and v3.
#include <string>
#include <vector>

#include "apiserver/discovery/builtin_kind_schemas.h"
#include "apiserver/discovery/openapi.h"
#include "apiserver/discovery/openapi_proto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

constexpr char kRbac[] = "rbac.authorization.k8s.io";

const json& Definition(const std::string& name) { return BuiltinDefinitions().at(name); }

TEST(RbacSchemasTest, DefinitionNamesFollowKubeApiserver) {
  EXPECT_EQ(BuiltinDefinitionName(kRbac, "Role"), "io.k8s.api.rbac.v1.Role");
  EXPECT_EQ(BuiltinDefinitionName(kRbac, "ClusterRoleBinding"),
            "io.k8s.api.rbac.v1.ClusterRoleBinding");
  EXPECT_EQ(BuiltinDefinitionName("", "ServiceAccount"), "io.k8s.api.core.v1.ServiceAccount");
  EXPECT_EQ(BuiltinDefinitionName(kRbac, "Policy"), "");
  const ResourceRegistry registry = ResourceRegistry::WithBuiltins();
  for (const char* plural : {"roles", "clusterroles", "rolebindings", "clusterrolebindings"}) {
    const ResourceInfo* resource = registry.Find(kRbac, "v1", plural);
    ASSERT_NE(resource, nullptr) << plural;
    ASSERT_NE(BuiltinKindSchema(*resource), nullptr) << plural;
    EXPECT_EQ((*BuiltinKindSchema(*resource))["x-kubernetes-group-version-kind"][0]["group"],
              kRbac);
  }
}

TEST(RbacSchemasTest, RulesAndBindingsDeclareTheirFieldsAndRequiredOnes) {
  const json& rule = Definition("io.k8s.api.rbac.v1.PolicyRule");
  EXPECT_EQ(rule["required"], json::array({"verbs"}));
  std::vector<std::string> fields;
  for (const auto& [name, schema] : rule["properties"].items()) fields.push_back(name);
  EXPECT_THAT(fields, ::testing::ElementsAre("apiGroups", "nonResourceURLs", "resourceNames",
                                             "resources", "verbs"));
  const json& ref = Definition("io.k8s.api.rbac.v1.RoleRef");
  EXPECT_EQ(ref["required"], json::parse(R"(["apiGroup", "kind", "name"])"));
  EXPECT_EQ(ref["x-kubernetes-map-type"], "atomic");
  EXPECT_EQ(Definition("io.k8s.api.rbac.v1.Subject")["required"],
            json::parse(R"(["kind", "name"])"));
  for (const char* binding : {"io.k8s.api.rbac.v1.RoleBinding",
                              "io.k8s.api.rbac.v1.ClusterRoleBinding"}) {
    EXPECT_EQ(Definition(binding)["required"], json::array({"roleRef"})) << binding;
  }
  const json& cluster_role = Definition("io.k8s.api.rbac.v1.ClusterRole")["properties"];
  EXPECT_EQ(cluster_role["aggregationRule"]["$ref"],
            "#/definitions/io.k8s.api.rbac.v1.AggregationRule");
  EXPECT_TRUE(Definition("io.k8s.api.rbac.v1.Role")["properties"].contains("rules"));
  const json& sa = Definition("io.k8s.api.core.v1.ServiceAccount")["properties"];
  EXPECT_EQ(sa["automountServiceAccountToken"]["type"], "boolean");
  EXPECT_EQ(sa["secrets"]["x-kubernetes-patch-merge-key"], "name");
}

TEST(RbacSchemasTest, OpenApiV2CarriesTheKindsAndTheirReferences) {
  const json doc = OpenApiV2Document(ResourceRegistry::WithBuiltins());
  const json& defs = doc["definitions"];
  for (const char* name :
       {"io.k8s.api.rbac.v1.ClusterRole", "io.k8s.api.rbac.v1.ClusterRoleList",
        "io.k8s.api.rbac.v1.AggregationRule", "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
        "io.k8s.api.rbac.v1.Subject", "io.k8s.api.core.v1.ServiceAccountList",
        "io.k8s.api.core.v1.LocalObjectReference"}) {
    EXPECT_TRUE(defs.contains(name)) << name;
  }
  // kubectl 1.20's reader: objects with properties carry no type.
  EXPECT_FALSE(defs["io.k8s.api.rbac.v1.PolicyRule"].contains("type"));
  const std::string proto = OpenApiV2Protobuf(doc);
  EXPECT_THAT(proto, HasSubstr("io.k8s.api.rbac.v1.RoleBinding"));
  EXPECT_THAT(proto, HasSubstr("nonResourceURLs"));
}

TEST(RbacSchemasTest, OpenApiV3DocumentOfTheGroupAllowsServerSideFieldValidation) {
  absl::StatusOr<json> doc = OpenApiV3Document(ResourceRegistry::WithBuiltins(), kRbac, "v1");
  ASSERT_TRUE(doc.ok()) << doc.status();
  const json& patch =
      (*doc)["paths"]["/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"],
            json::parse(R"({"group": "rbac.authorization.k8s.io", "kind": "ClusterRoleBinding",
                            "version": "v1"})"));
  std::vector<std::string> params;
  for (const json& p : patch["parameters"]) params.push_back(p["name"]);
  EXPECT_THAT(params, IsSupersetOf({"name", "fieldValidation"}));
  const json& schemas = (*doc)["components"]["schemas"];
  EXPECT_TRUE(schemas.contains("io.k8s.api.rbac.v1.PolicyRule"));
  EXPECT_TRUE(schemas.contains("io.k8s.api.rbac.v1.RoleRef"));
  EXPECT_TRUE((*doc)["paths"].contains(
      "/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/{name}"));
}

}  // namespace
}  // namespace flyover::apiserver::discovery
