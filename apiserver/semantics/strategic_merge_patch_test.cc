// Strategic merge patch: merging by the kinds' schemas. Directives and ordering are in
// strategic_merge_directives_test.cc.
#include "apiserver/semantics/strategic_merge_patch.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

const GroupKind kPod{"", "Pod"};
const GroupKind kNode{"", "Node"};
const GroupKind kDeployment{"apps", "Deployment"};

struct Case {
  std::string name;
  GroupKind kind;
  std::string original;
  std::string patch;
  std::string expected;
};

void ExpectCases(const std::vector<Case>& table) {
  for (const Case& c : table) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<json> result =
        ApplyStrategicMergePatch(json::parse(c.original), json::parse(c.patch), c.kind);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, json::parse(c.expected)) << result->dump();
  }
}

TEST(StrategicMergePatchTest, ObjectsMergeAndNullDeletes) {
  ExpectCases({
      {"label added", kPod, R"({"metadata":{"labels":{"a":"1"}}})",
       R"({"metadata":{"labels":{"b":"2"}}})", R"({"metadata":{"labels":{"a":"1","b":"2"}}})"},
      {"label removed", kPod, R"({"metadata":{"labels":{"a":"1","b":"2"}}})",
       R"({"metadata":{"labels":{"a":null}}})", R"({"metadata":{"labels":{"b":"2"}}})"},
      {"null for an absent member", kPod, R"({"a":1})", R"({"b":null})", R"({"a":1})"},
      {"scalar replaced", kDeployment, R"({"spec":{"replicas":3}})",
       R"({"spec":{"replicas":5}})", R"({"spec":{"replicas":5}})"},
      {"type changes", kPod, R"({"spec":{"x":{"a":1}}})", R"({"spec":{"x":"flat"}})",
       R"({"spec":{"x":"flat"}})"},
      {"new values lose their nulls", kPod, R"({})", R"({"spec":{"n":{"a":null,"b":[null]}}})",
       R"({"spec":{"n":{"b":[null]}}})"},
      {"configmap data", {"", "ConfigMap"}, R"({"data":{"a":"1"}})",
       R"({"data":{"b":"2","a":null}})", R"({"data":{"b":"2"}})"},
      {"empty patch", kPod, R"({"a":1})", R"({})", R"({"a":1})"},
      {"null patch", kPod, R"({"a":1})", R"(null)", R"({"a":1})"},
  });
}

TEST(StrategicMergePatchTest, PodSpecListsMergeByKey) {
  ExpectCases({
      {"container merged by name", kPod,
       R"({"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}})",
       R"({"spec":{"containers":[{"name":"b","image":"z"}]}})",
       R"({"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"z"}]}})"},
      // A new element lands ahead of the object's remaining ones, as kube-apiserver puts it.
      {"container added", kPod, R"({"spec":{"containers":[{"name":"a"}]}})",
       R"({"spec":{"containers":[{"name":"c","image":"w"}]}})",
       R"({"spec":{"containers":[{"name":"c","image":"w"},{"name":"a"}]}})"},
      {"env merged by name", kPod,
       R"({"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},
                                                  {"name":"Y","value":"2"}]}]}})",
       R"({"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"3"}]}]}})",
       R"({"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},
                                                  {"name":"Y","value":"3"}]}]}})"},
      {"ports merged by containerPort", kPod,
       R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"http"}]}]}})",
       R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"protocol":"TCP"},
                                                    {"containerPort":443}]}]}})",
       R"({"spec":{"containers":[{"name":"a","ports":[
           {"containerPort":80,"name":"http","protocol":"TCP"},{"containerPort":443}]}]}})"},
      {"volumeMounts merged by mountPath", kPod,
       R"({"spec":{"initContainers":[{"name":"i","volumeMounts":[{"mountPath":"/d","name":"v"}]}]}})",
       R"({"spec":{"initContainers":[{"name":"i","volumeMounts":[{"mountPath":"/d","readOnly":true}]}]}})",
       R"({"spec":{"initContainers":[{"name":"i","volumeMounts":[
           {"mountPath":"/d","name":"v","readOnly":true}]}]}})"},
      {"volumes and imagePullSecrets by name", kPod,
       R"({"spec":{"volumes":[{"name":"v","emptyDir":{}}],"imagePullSecrets":[{"name":"r1"}]}})",
       R"({"spec":{"volumes":[{"name":"w","emptyDir":{}}],"imagePullSecrets":[{"name":"r2"}]}})",
       R"({"spec":{"volumes":[{"name":"w","emptyDir":{}},{"name":"v","emptyDir":{}}],
                   "imagePullSecrets":[{"name":"r2"},{"name":"r1"}]}})"},
      {"ephemeral containers by name", kPod,
       R"({"spec":{"ephemeralContainers":[{"name":"dbg","image":"a"}]}})",
       R"({"spec":{"ephemeralContainers":[{"name":"dbg2","image":"b"}]}})",
       R"({"spec":{"ephemeralContainers":[{"name":"dbg2","image":"b"},{"name":"dbg","image":"a"}]}})"},
      {"tolerations are replaced", kPod,
       R"({"spec":{"tolerations":[{"key":"a","operator":"Exists"}]}})",
       R"({"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}})",
       R"({"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}})"},
      {"lists without a strategy are replaced", kPod,
       R"({"spec":{"readinessGates":[{"conditionType":"a"}],"containers":[{"name":"a","args":["x"]}]}})",
       R"({"spec":{"readinessGates":[{"conditionType":"b"}],"containers":[{"name":"a","args":["y"]}]}})",
       R"({"spec":{"readinessGates":[{"conditionType":"b"}],"containers":[{"name":"a","args":["y"]}]}})"},
      {"status conditions by type", kPod,
       R"({"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Scheduled","status":"True"}]}})",
       R"({"status":{"conditions":[{"type":"Ready","status":"True"}]}})",
       R"({"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Scheduled","status":"True"}]}})"},
  });
}

TEST(StrategicMergePatchTest, MetadataListsForEveryKind) {
  for (const GroupKind& kind : {kPod, kDeployment, GroupKind{"", "Secret"},
                                GroupKind{"coordination.k8s.io", "Lease"}}) {
    SCOPED_TRACE(kind.String());
    ExpectCases({
        {"finalizers are a set", kind, R"({"metadata":{"finalizers":["a","b"]}})",
         R"({"metadata":{"finalizers":["b","c"]}})",
         R"({"metadata":{"finalizers":["a","b","c"]}})"},
        {"ownerReferences by uid", kind,
         R"({"metadata":{"ownerReferences":[{"uid":"1","name":"x"},{"uid":"2","name":"y"}]}})",
         R"({"metadata":{"ownerReferences":[{"uid":"2","controller":true}]}})",
         R"({"metadata":{"ownerReferences":[{"uid":"1","name":"x"},
                                            {"uid":"2","name":"y","controller":true}]}})"},
    });
  }
}

TEST(StrategicMergePatchTest, PodTemplatesInsideWorkloads) {
  const std::string original = R"({"containers":[{"name":"a","image":"x"}]})";
  const std::string patch = R"({"containers":[{"name":"b","image":"y"}]})";
  const std::string merged = R"({"containers":[{"name":"b","image":"y"},{"name":"a","image":"x"}]})";
  auto wrap = [](const std::string& prefix, const std::string& inner, const std::string& suffix) {
    return prefix + inner + suffix;
  };
  struct Where {
    GroupKind kind;
    std::string prefix;
    std::string suffix;
  };
  const std::vector<Where> table = {
      {kDeployment, R"({"spec":{"template":{"spec":)", "}}}"},
      {{"apps", "StatefulSet"}, R"({"spec":{"template":{"spec":)", "}}}"},
      {{"apps", "DaemonSet"}, R"({"spec":{"template":{"spec":)", "}}}"},
      {{"apps", "ReplicaSet"}, R"({"spec":{"template":{"spec":)", "}}}"},
      {{"batch", "Job"}, R"({"spec":{"template":{"spec":)", "}}}"},
      {{"", "ReplicationController"}, R"({"spec":{"template":{"spec":)", "}}}"},
      {{"batch", "CronJob"}, R"({"spec":{"jobTemplate":{"spec":{"template":{"spec":)", "}}}}}"},
      {{"", "PodTemplate"}, R"({"template":{"spec":)", "}}"},
  };
  for (const Where& where : table) {
    ExpectCases({{where.kind.String(), where.kind, wrap(where.prefix, original, where.suffix),
                  wrap(where.prefix, patch, where.suffix),
                  wrap(where.prefix, merged, where.suffix)}});
  }
  // A Pod's template path means nothing special for a Deployment, and the reverse.
  ExpectCases({{"pod path in a deployment", kDeployment, R"({"spec":{"containers":[{"name":"a"}]}})",
                R"({"spec":{"containers":[{"name":"b"}]}})",
                R"({"spec":{"containers":[{"name":"b"}]}})"}});
}

TEST(StrategicMergePatchTest, NodesServicesAndServiceAccounts) {
  ExpectCases({
      {"taints are replaced, as kubectl taint expects", kNode,
       R"({"spec":{"taints":[{"key":"a","effect":"NoSchedule"}]}})",
       R"({"spec":{"taints":[{"key":"b","effect":"NoSchedule"}]}})",
       R"({"spec":{"taints":[{"key":"b","effect":"NoSchedule"}]}})"},
      {"node conditions and addresses by type", kNode,
       R"({"status":{"conditions":[{"type":"Ready","status":"True"}],
                     "addresses":[{"type":"InternalIP","address":"10.0.0.1"}]}})",
       R"({"status":{"conditions":[{"type":"MemoryPressure","status":"False"}],
                     "addresses":[{"type":"Hostname","address":"n1"}]}})",
       R"({"status":{"conditions":[{"type":"MemoryPressure","status":"False"},
                                   {"type":"Ready","status":"True"}],
                     "addresses":[{"type":"Hostname","address":"n1"},
                                  {"type":"InternalIP","address":"10.0.0.1"}]}})"},
      {"podCIDRs are a set", kNode, R"({"spec":{"podCIDRs":["10.0.0.0/24"]}})",
       R"({"spec":{"podCIDRs":["10.0.0.0/24","fd00::/64"]}})",
       R"({"spec":{"podCIDRs":["10.0.0.0/24","fd00::/64"]}})"},
      {"service ports by port", {"", "Service"},
       R"({"spec":{"ports":[{"port":80,"targetPort":8080}]}})",
       R"({"spec":{"ports":[{"port":80,"name":"http"},{"port":443}]}})",
       R"({"spec":{"ports":[{"port":80,"targetPort":8080,"name":"http"},{"port":443}]}})"},
      {"service account secrets by name", {"", "ServiceAccount"},
       R"({"secrets":[{"name":"a"}]})", R"({"secrets":[{"name":"b"}]})",
       R"({"secrets":[{"name":"b"},{"name":"a"}]})"},
      {"job conditions by type", {"batch", "Job"},
       R"({"status":{"conditions":[{"type":"Complete","status":"False"}]}})",
       R"({"status":{"conditions":[{"type":"Failed","status":"True"}]}})",
       R"({"status":{"conditions":[{"type":"Failed","status":"True"},
                                   {"type":"Complete","status":"False"}]}})"},
  });
}

TEST(StrategicMergePatchTest, CustomResourcesAreRejectedWith415) {
  const GroupKind job{"training.flyover.dev", "PostTrainingJob"};
  EXPECT_FALSE(SupportsStrategicMergePatch(job));
  EXPECT_FALSE(SupportsStrategicMergePatch({"", ""}));
  EXPECT_TRUE(SupportsStrategicMergePatch(kPod));
  EXPECT_TRUE(SupportsStrategicMergePatch({"apiextensions.k8s.io", "CustomResourceDefinition"}));
  absl::StatusOr<json> result =
      ApplyStrategicMergePatch(json::object(), json::parse(R"({"spec":{}})"), job);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(result.status()));
  json status = StatusFromAbsl(result.status());
  EXPECT_EQ(status["code"], 415);
  EXPECT_EQ(status["reason"], "UnsupportedMediaType");
  EXPECT_EQ(status["message"],
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, "
            "application/apply-patch+yaml");
  EXPECT_EQ(StatusFromAbsl(StrategicMergePatchUnsupportedError(job)), status);
}

TEST(StrategicMergePatchTest, PatchMustBeAnObject) {
  for (const auto& [patch, type] : std::vector<std::pair<std::string, std::string>>{
           {"[]", "array"}, {"\"x\"", "string"}, {"1", "number"}, {"true", "bool"}}) {
    absl::StatusOr<json> result = ApplyStrategicMergePatch(json::object(), json::parse(patch), kPod);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().message(),
              "json: cannot unmarshal " + type + " into Go value of type map[string]interface {}");
    EXPECT_EQ(StatusFromAbsl(result.status())["code"], 400);
  }
}

}  // namespace
}  // namespace flyover::apiserver
