#include "apiserver/discovery/resource_registry.h"

#include <string>
#include <vector>

#include "apiserver/discovery/testing_crd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct BuiltinCase {
  const char* group;
  const char* plural;
  const char* kind;
  bool namespaced;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;
};

TEST(ResourceRegistryTest, BuiltinsHaveKubectlNames) {
  const ResourceRegistry registry = ResourceRegistry::WithBuiltins();
  const std::vector<BuiltinCase> cases = {
      {"", "namespaces", "Namespace", false, {"ns"}, {}, {"status"}},
      {"", "nodes", "Node", false, {"no"}, {}, {"status"}},
      {"", "pods", "Pod", true, {"po"}, {"all"}, {"binding", "log", "status"}},
      {"", "services", "Service", true, {"svc"}, {"all"}, {"status"}},
      {"", "configmaps", "ConfigMap", true, {"cm"}, {}, {}},
      {"", "secrets", "Secret", true, {}, {}, {}},
      {"", "events", "Event", true, {"ev"}, {}, {}},
      {"events.k8s.io", "events", "Event", true, {"ev"}, {}, {}},
      {"", "serviceaccounts", "ServiceAccount", true, {"sa"}, {}, {}},
      {"rbac.authorization.k8s.io", "roles", "Role", true, {}, {}, {}},
      {"rbac.authorization.k8s.io", "rolebindings", "RoleBinding", true, {}, {}, {}},
      {"rbac.authorization.k8s.io", "clusterroles", "ClusterRole", false, {}, {}, {}},
      {"rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", false, {}, {},
       {}},
      {"coordination.k8s.io", "leases", "Lease", true, {}, {}, {}},
      {"apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition", false,
       {"crd", "crds"}, {"api-extensions"}, {"status"}},
  };
  for (const BuiltinCase& c : cases) {
    SCOPED_TRACE(c.plural);
    const ResourceInfo* r = registry.Find(c.group, "v1", c.plural);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->kind, c.kind);
    EXPECT_EQ(r->list_kind, std::string(c.kind) + "List");
    EXPECT_EQ(r->namespaced, c.namespaced);
    EXPECT_EQ(r->short_names, c.short_names);
    EXPECT_EQ(r->categories, c.categories);
    std::vector<std::string> subresources;
    for (const Subresource& s : r->subresources) subresources.push_back(s.name);
    EXPECT_EQ(subresources, c.subresources);
    EXPECT_FALSE(r->IsCustom());
  }
}

TEST(ResourceRegistryTest, GroupsAreOrderedCoreFirst) {
  const ResourceRegistry registry = testing::RegistryWithPostTrainingJob();
  std::vector<std::string> groups;
  for (const GroupVersions& g : registry.Groups()) groups.push_back(g.group);
  EXPECT_THAT(groups, ElementsAre("", "events.k8s.io", "rbac.authorization.k8s.io",
                                  "coordination.k8s.io", "apiextensions.k8s.io",
                                  "training.flyover.dev"));
}

TEST(ResourceRegistryTest, VersionPriorityFollowsKubernetes) {
  std::vector<std::string> versions = {"v1alpha1", "foo", "v2", "v1beta2", "v1", "v11alpha2",
                                       "v1beta1", "bar", "v10"};
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return VersionPreferred(a, b); });
  EXPECT_THAT(versions, ElementsAre("v10", "v2", "v1", "v1beta2", "v1beta1", "v11alpha2",
                                    "v1alpha1", "bar", "foo"));
}

TEST(ResourceRegistryTest, PostTrainingJobCrdRegistersFromCrdsDirectory) {
  const ResourceRegistry registry = testing::RegistryWithPostTrainingJob();
  const ResourceInfo* ptj = registry.Find("training.flyover.dev", "v1alpha1", "posttrainingjobs");
  ASSERT_NE(ptj, nullptr);
  EXPECT_EQ(ptj->kind, "PostTrainingJob");
  EXPECT_EQ(ptj->list_kind, "PostTrainingJobList");
  EXPECT_EQ(ptj->singular, "posttrainingjob");
  EXPECT_TRUE(ptj->namespaced);
  EXPECT_THAT(ptj->short_names, ElementsAre("ptj"));
  EXPECT_THAT(ptj->categories, ElementsAre("flyover"));
  EXPECT_EQ(ptj->crd_name, "posttrainingjobs.training.flyover.dev");
  ASSERT_EQ(ptj->subresources.size(), 1u);
  EXPECT_EQ(ptj->subresources[0].name, "status");
  EXPECT_EQ(ptj->subresources[0].kind, "PostTrainingJob");
  ASSERT_EQ(ptj->printer_columns.size(), 8u);
  EXPECT_EQ(ptj->printer_columns[0], (PrinterColumn{"Phase", "string", "", "", ".status.phase", 0}));
  EXPECT_EQ(ptj->printer_columns[4].priority, 1);
  EXPECT_EQ(ptj->schema["properties"]["spec"]["required"][0], "replicas");
  EXPECT_EQ(registry.FindByKind("training.flyover.dev", "v1alpha1", "PostTrainingJob"), ptj);
}

json MinimalCrd() {
  return json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Cluster",
             "names": {"kind": "Widget", "plural": "widgets"},
             "versions": [
               {"name": "v1beta1", "served": true, "storage": false},
               {"name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}, "scale": {}}},
               {"name": "v1alpha1", "served": false, "storage": false}]}})");
}

TEST(ResourceRegistryTest, CrdDefaultsNamesAndSkipsUnservedVersions) {
  ResourceRegistry registry;
  ASSERT_TRUE(registry.AddCustomResource(MinimalCrd()).ok());
  ASSERT_EQ(registry.resources().size(), 2u);
  const ResourceInfo* v1 = registry.Find("example.com", "v1", "widgets");
  ASSERT_NE(v1, nullptr);
  EXPECT_EQ(v1->singular, "widget");
  EXPECT_EQ(v1->list_kind, "WidgetList");
  EXPECT_FALSE(v1->namespaced);
  ASSERT_EQ(v1->subresources.size(), 2u);
  EXPECT_EQ(v1->subresources[0], (Subresource{"scale", "Scale", "autoscaling", "v1",
                                              {"get", "patch", "update"}}));
  EXPECT_EQ(registry.Find("example.com", "v1alpha1", "widgets"), nullptr);
  EXPECT_THAT(registry.Groups()[0].versions, ElementsAre("v1", "v1beta1"));
}

TEST(ResourceRegistryTest, ReRegisteringACrdReplacesItsVersions) {
  ResourceRegistry registry;
  ASSERT_TRUE(registry.AddCustomResource(MinimalCrd()).ok());
  json crd = MinimalCrd();
  crd["spec"]["versions"][0]["served"] = false;
  ASSERT_TRUE(registry.AddCustomResource(crd).ok());
  EXPECT_EQ(registry.Find("example.com", "v1beta1", "widgets"), nullptr);
  EXPECT_NE(registry.Find("example.com", "v1", "widgets"), nullptr);
  for (json& version : crd["spec"]["versions"]) version["served"] = false;
  ASSERT_TRUE(registry.AddCustomResource(crd).ok());
  EXPECT_TRUE(registry.resources().empty());  // serving nothing withdraws everything
  ASSERT_TRUE(registry.AddCustomResource(MinimalCrd()).ok());
  ASSERT_TRUE(registry.RemoveCustomResource("widgets.example.com").ok());
  EXPECT_TRUE(registry.resources().empty());
  EXPECT_TRUE(absl::IsNotFound(registry.RemoveCustomResource("widgets.example.com")));
}

struct BadCrdCase {
  const char* name;
  const char* json_patch;  // merged into MinimalCrd()
  const char* message;
};

TEST(ResourceRegistryTest, BadCrdsNameTheField) {
  const std::vector<BadCrdCase> cases = {
      {"no plural", R"({"spec": {"names": {"plural": null}}})", "spec.names.plural: is required"},
      {"no group", R"({"spec": {"group": ""}})", "spec.group: is required"},
      {"bad scope", R"({"spec": {"scope": "Galaxy"}})", "spec.scope: must be Namespaced or Cluster"},
      {"wrong name", R"({"metadata": {"name": "w.example.com"}})",
       "metadata.name: must be spec.names.plural"},
      {"short names", R"({"spec": {"names": {"shortNames": "w"}}})",
       "spec.names.shortNames: must be a list of strings"},
      {"no versions", R"({"spec": {"versions": []}})", "spec.versions: must list"},
  };
  for (const BadCrdCase& c : cases) {
    SCOPED_TRACE(c.name);
    json crd = MinimalCrd();
    crd.merge_patch(json::parse(c.json_patch));
    ResourceRegistry registry;
    absl::Status status = registry.AddCustomResource(crd);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message));
    EXPECT_TRUE(registry.resources().empty());
  }
}

TEST(ResourceRegistryTest, PrinterColumnsAreChecked) {
  json crd = MinimalCrd();
  crd["spec"]["versions"][1]["additionalPrinterColumns"] =
      json::parse(R"([{"name": "A", "type": "string", "jsonPath": ".status.conditions[?(@.type=='Ready')].status"},
                      {"name": "B", "type": "string", "jsonPath": ".spec[0"}])");
  ResourceRegistry registry;
  absl::Status status = registry.AddCustomResource(crd);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("spec.versions[1].additionalPrinterColumns[1].jsonPath"));
  crd["spec"]["versions"][1]["additionalPrinterColumns"][1]["jsonPath"] = ".spec.size";
  crd["spec"]["versions"][1]["additionalPrinterColumns"][1]["type"] = "text";
  status = registry.AddCustomResource(crd);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("additionalPrinterColumns[1].type: must be one of"));
  crd["spec"]["versions"][1]["additionalPrinterColumns"][1]["type"] = "integer";
  EXPECT_TRUE(registry.AddCustomResource(crd).ok());  // the filter is kept, printed empty
}

TEST(ResourceRegistryTest, ConflictsWithServedResourcesAreRejected) {
  ResourceRegistry registry = ResourceRegistry::WithBuiltins();
  json crd = MinimalCrd();
  crd["metadata"]["name"] = "pods.";
  crd["spec"]["group"] = "";
  EXPECT_FALSE(registry.AddCustomResource(crd).ok());
  ResourceInfo pods;
  pods.version = "v1";
  pods.kind = "Pod";
  pods.plural = "pods";
  EXPECT_TRUE(absl::IsAlreadyExists(registry.Add(pods)));
  EXPECT_TRUE(absl::IsInvalidArgument(registry.Add(ResourceInfo{})));
}

}  // namespace
}  // namespace flyover::apiserver::discovery
