#include "apiserver/discovery/discovery.h"

#include <string>
#include <vector>

#include "apiserver/discovery/testing_crd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

// The entry of `list` whose `key` is `value`, or null.
json EntryWith(const json& list, const char* key, const std::string& value) {
  for (const json& item : list) {
    if (item.value(key, "") == value) return item;
  }
  return nullptr;
}

class DiscoveryTest : public ::testing::Test {
 protected:
  ResourceRegistry registry_ = testing::RegistryWithPostTrainingJob();
};

TEST_F(DiscoveryTest, Version) {
  EXPECT_EQ(VersionDocument(), json::parse(R"({
    "major": "1", "minor": "31", "gitVersion": "v1.31.0+flyover", "gitCommit": "",
    "gitTreeState": "clean", "buildDate": "1970-01-01T00:00:00Z", "goVersion": "",
    "compiler": "", "platform": "linux/amd64"})"));
}

TEST_F(DiscoveryTest, ApiVersions) {
  EXPECT_EQ(ApiVersionsDocument(registry_, "127.0.0.1:6443"), json::parse(R"({
    "kind": "APIVersions", "versions": ["v1"],
    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]})"));
}

TEST_F(DiscoveryTest, CoreResourceListHasResourcesAndSubresources) {
  absl::StatusOr<json> doc = ApiResourceListDocument(registry_, "", "v1");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ((*doc)["kind"], "APIResourceList");
  EXPECT_EQ((*doc)["groupVersion"], "v1");
  const json& resources = (*doc)["resources"];
  EXPECT_EQ(EntryWith(resources, "name", "pods"), json::parse(R"({
    "name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
    "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    "shortNames": ["po"], "categories": ["all"]})"));
  EXPECT_EQ(EntryWith(resources, "name", "pods/status"), json::parse(R"({
    "name": "pods/status", "singularName": "", "namespaced": true, "kind": "Pod",
    "verbs": ["get", "patch", "update"]})"));
  EXPECT_EQ(EntryWith(resources, "name", "pods/binding")["verbs"], json::array({"create"}));
  EXPECT_EQ(EntryWith(resources, "name", "pods/log")["verbs"], json::array({"get"}));
  EXPECT_EQ(EntryWith(resources, "name", "nodes/status")["kind"], "Node");
  EXPECT_EQ(EntryWith(resources, "name", "namespaces")["namespaced"], false);
  EXPECT_FALSE(EntryWith(resources, "name", "secrets").contains("shortNames"));
}

TEST_F(DiscoveryTest, CustomResourceListComesFromTheCrd) {
  absl::StatusOr<json> doc = ApiResourceListDocument(registry_, "training.flyover.dev", "v1alpha1");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(*doc, json::parse(R"({
    "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "training.flyover.dev/v1alpha1",
    "resources": [
      {"name": "posttrainingjobs", "singularName": "posttrainingjob", "namespaced": true,
       "kind": "PostTrainingJob",
       "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
       "shortNames": ["ptj"], "categories": ["flyover"]},
      {"name": "posttrainingjobs/status", "singularName": "", "namespaced": true,
       "kind": "PostTrainingJob", "verbs": ["get", "patch", "update"]}]})"));
}

TEST_F(DiscoveryTest, GroupListAndGroup) {
  json list = ApiGroupListDocument(registry_);
  EXPECT_EQ(list["kind"], "APIGroupList");
  std::vector<std::string> names;
  for (const json& g : list["groups"]) names.push_back(g["name"]);
  EXPECT_THAT(names, ::testing::ElementsAre("events.k8s.io", "rbac.authorization.k8s.io",
                                            "coordination.k8s.io", "apiextensions.k8s.io",
                                            "training.flyover.dev"));
  const json expected_group = json::parse(R"({
    "name": "training.flyover.dev",
    "versions": [{"groupVersion": "training.flyover.dev/v1alpha1", "version": "v1alpha1"}],
    "preferredVersion": {"groupVersion": "training.flyover.dev/v1alpha1", "version": "v1alpha1"}})");
  EXPECT_EQ(list["groups"][4], expected_group);
  absl::StatusOr<json> group = ApiGroupDocument(registry_, "training.flyover.dev");
  ASSERT_TRUE(group.ok());
  json with_kind = expected_group;
  with_kind["kind"] = "APIGroup";
  with_kind["apiVersion"] = "v1";
  EXPECT_EQ(*group, with_kind);
}

TEST_F(DiscoveryTest, UnknownGroupsAndVersionsAreNotFound) {
  EXPECT_TRUE(absl::IsNotFound(ApiGroupDocument(registry_, "apps").status()));
  EXPECT_TRUE(absl::IsNotFound(ApiGroupDocument(registry_, "").status()));
  EXPECT_TRUE(absl::IsNotFound(ApiResourceListDocument(registry_, "", "v2").status()));
  EXPECT_TRUE(
      absl::IsNotFound(ApiResourceListDocument(registry_, "training.flyover.dev", "v1").status()));
}

TEST_F(DiscoveryTest, AggregatedLegacyRootHoldsTheCoreGroup) {
  json doc = AggregatedDiscoveryDocument(registry_, DiscoveryRoot::kLegacy);
  EXPECT_EQ(doc["kind"], "APIGroupDiscoveryList");
  EXPECT_EQ(doc["apiVersion"], "apidiscovery.k8s.io/v2");
  ASSERT_EQ(doc["items"].size(), 1u);
  const json& core = doc["items"][0];
  EXPECT_EQ(core["metadata"], json::parse(R"({"creationTimestamp": null})"));
  ASSERT_EQ(core["versions"].size(), 1u);
  EXPECT_EQ(core["versions"][0]["version"], "v1");
  EXPECT_EQ(core["versions"][0]["freshness"], "Current");
  EXPECT_EQ(EntryWith(core["versions"][0]["resources"], "resource", "pods"), json::parse(R"({
    "resource": "pods", "responseKind": {"group": "", "version": "v1", "kind": "Pod"},
    "scope": "Namespaced", "singularResource": "pod",
    "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    "shortNames": ["po"], "categories": ["all"],
    "subresources": [
      {"subresource": "binding", "responseKind": {"group": "", "version": "v1", "kind": "Binding"},
       "verbs": ["create"]},
      {"subresource": "log", "responseKind": {"group": "", "version": "v1", "kind": "Pod"},
       "verbs": ["get"]},
      {"subresource": "status", "responseKind": {"group": "", "version": "v1", "kind": "Pod"},
       "verbs": ["get", "patch", "update"]}]})"));
}

TEST_F(DiscoveryTest, AggregatedApisRootHoldsTheNamedGroups) {
  json doc = AggregatedDiscoveryDocument(registry_, DiscoveryRoot::kApis);
  ASSERT_EQ(doc["items"].size(), 5u);
  const json& ptj_group = doc["items"][4];
  EXPECT_EQ(ptj_group["metadata"]["name"], "training.flyover.dev");
  const json& ptj = ptj_group["versions"][0]["resources"][0];
  EXPECT_EQ(ptj["resource"], "posttrainingjobs");
  EXPECT_EQ(ptj["scope"], "Namespaced");
  EXPECT_EQ(ptj["responseKind"], json::parse(R"({"group": "training.flyover.dev",
                                                 "version": "v1alpha1", "kind": "PostTrainingJob"})"));
  EXPECT_EQ(ptj["shortNames"], json::array({"ptj"}));
  EXPECT_EQ(ptj["categories"], json::array({"flyover"}));
  EXPECT_EQ(ptj["subresources"][0]["subresource"], "status");
  const json& crds = EntryWith(doc["items"][3]["versions"][0]["resources"], "resource",
                               "customresourcedefinitions");
  EXPECT_EQ(crds["scope"], "Cluster");
}

}  // namespace
}  // namespace flyover::apiserver::discovery
