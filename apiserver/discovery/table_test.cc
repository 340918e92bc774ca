#include "apiserver/discovery/table.h"

#include <string>
#include <vector>

#include "apiserver/discovery/age.h"
#include "apiserver/discovery/testing_crd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);  // 2027-01-15T08:00:00Z

std::string Ago(absl::Duration d) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", kNow - d, absl::UTCTimeZone());
}

TEST(AgeTest, HumanDurationMatchesKubectl) {
  const std::vector<std::pair<absl::Duration, const char*>> cases = {
      {absl::Seconds(-5), "<invalid>"}, {absl::Seconds(-1), "0s"},     {absl::Seconds(0), "0s"},
      {absl::Seconds(5), "5s"},         {absl::Seconds(119), "119s"}, {absl::Seconds(120), "2m"},
      {absl::Seconds(182), "3m2s"},     {absl::Minutes(10), "10m"},    {absl::Minutes(179), "179m"},
      {absl::Minutes(180), "3h"},       {absl::Minutes(185), "3h5m"},  {absl::Hours(10), "10h"},
      {absl::Hours(47), "47h"},         {absl::Hours(48), "2d"},       {absl::Hours(100), "4d4h"},
      {absl::Hours(24 * 30), "30d"},    {absl::Hours(24 * 800), "2y70d"},
      {absl::Hours(24 * 365 * 9), "9y"},
  };
  for (const auto& [duration, want] : cases) {
    EXPECT_EQ(HumanDuration(duration), want) << absl::FormatDuration(duration);
  }
  EXPECT_EQ(AgeSince(json(Ago(absl::Seconds(42))), kNow), "42s");
  EXPECT_EQ(AgeSince(json("2027-01-15T07:59:59.500000Z"), kNow), "0s");
  EXPECT_EQ(AgeSince(json(), kNow), "<unknown>");
  EXPECT_EQ(AgeSince(json("yesterday"), kNow), "<unknown>");
}

std::vector<std::string> ColumnNames(const json& table) {
  std::vector<std::string> out;
  for (const json& c : table["columnDefinitions"]) out.push_back(c["name"]);
  return out;
}

class TableTest : public ::testing::Test {
 protected:
  const ResourceInfo& Resource(const char* group, const char* version, const char* plural) {
    const ResourceInfo* r = registry_.Find(group, version, plural);
    EXPECT_NE(r, nullptr) << plural;
    return *r;
  }
  json Cells(const char* group, const char* plural, const json& object) {
    return TableRow(Resource(group, "v1", plural), object, kNow, IncludeObject::kNone)["cells"];
  }
  ResourceRegistry registry_ = testing::RegistryWithPostTrainingJob();
};

json RunningPod() {
  return {{"metadata", {{"name", "worker-0"}, {"namespace", "default"}, {"uid", "u1"},
                        {"creationTimestamp", Ago(absl::Hours(100))}}},
          {"spec", {{"nodeName", "node-a"},
                    {"containers", json::array({{{"name", "a"}}, {{"name", "b"}}})},
                    {"readinessGates", json::array({{{"conditionType", "x/ok"}}})}}},
          {"status",
           {{"phase", "Running"},
            {"podIP", "10.0.0.5"},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}},
                                        {{"type", "x/ok"}, {"status", "True"}}})},
            {"containerStatuses",
             json::array({{{"name", "a"}, {"ready", true}, {"restartCount", 2},
                           {"state", {{"running", json::object()}}},
                           {"lastState", {{"terminated", {{"exitCode", 1},
                                                          {"finishedAt", Ago(absl::Seconds(182))}}}}}},
                          {{"name", "b"}, {"ready", false}, {"restartCount", 1},
                           {"state", {{"running", json::object()}}}}})}}}};
}

TEST_F(TableTest, PodColumnsAndRunningRow) {
  json table = RenderTable(Resource("", "v1", "pods"), {RunningPod()}, kNow);
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["apiVersion"], "meta.k8s.io/v1");
  EXPECT_THAT(ColumnNames(table),
              ::testing::ElementsAre("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                     "Nominated Node", "Readiness Gates"));
  std::vector<int> priorities;
  for (const json& c : table["columnDefinitions"]) priorities.push_back(c["priority"]);
  EXPECT_THAT(priorities, ::testing::ElementsAre(0, 0, 0, 0, 0, 1, 1, 1, 1));
  EXPECT_EQ(table["columnDefinitions"][0]["format"], "name");
  EXPECT_EQ(table["rows"][0]["cells"],
            json::parse(R"j(["worker-0", "1/2", "Running", "3 (3m2s ago)", "4d4h", "10.0.0.5",
                            "node-a", "<none>", "1/1"])j"));
  EXPECT_EQ(table["rows"][0]["object"],
            json::parse(R"({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                            "metadata": {"name": "worker-0", "namespace": "default", "uid": "u1",
                                         "creationTimestamp": "2027-01-11T04:00:00Z"}})"));
}

struct PodStatusCase {
  const char* name;
  const char* patch;  // merged into a bare pod
  const char* status;
};

TEST_F(TableTest, PodStatusFollowsKubectlRules) {
  const std::vector<PodStatusCase> cases = {
      {"pending", R"({"status": {"phase": "Pending"}})", "Pending"},
      {"evicted", R"({"status": {"phase": "Failed", "reason": "Evicted"}})", "Evicted"},
      {"crash loop", R"({"status": {"phase": "Running", "containerStatuses": [
          {"name": "a", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}})",
       "CrashLoopBackOff"},
      {"completed", R"({"status": {"phase": "Succeeded", "containerStatuses": [
          {"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}})",
       "Completed"},
      {"killed", R"({"status": {"phase": "Failed", "containerStatuses": [
          {"name": "a", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}})", "Signal:9"},
      {"exit code", R"({"status": {"phase": "Failed", "containerStatuses": [
          {"name": "a", "state": {"terminated": {"exitCode": 3}}}]}})", "ExitCode:3"},
      {"init running", R"({"spec": {"initContainers": [{"name": "i"}, {"name": "j"}]},
          "status": {"phase": "Pending", "initContainerStatuses": [
          {"name": "i", "state": {"terminated": {"exitCode": 0}}},
          {"name": "j", "state": {"running": {}}}]}})", "Init:1/2"},
      {"init failed", R"({"spec": {"initContainers": [{"name": "i"}]},
          "status": {"phase": "Pending", "initContainerStatuses": [
          {"name": "i", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}})",
       "Init:Error"},
      {"init waiting", R"({"spec": {"initContainers": [{"name": "i"}]},
          "status": {"phase": "Pending", "initContainerStatuses": [
          {"name": "i", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}})",
       "Init:ImagePullBackOff"},
      {"terminating", R"({"metadata": {"deletionTimestamp": "2027-01-15T08:00:00Z"},
          "status": {"phase": "Running"}})", "Terminating"},
      {"node lost", R"({"metadata": {"deletionTimestamp": "2027-01-15T08:00:00Z"},
          "status": {"phase": "Running", "reason": "NodeLost"}})", "Unknown"},
  };
  for (const PodStatusCase& c : cases) {
    SCOPED_TRACE(c.name);
    json pod = {{"metadata", {{"name", "p"}}}, {"spec", {{"containers", json::array({{{"name", "a"}}})}}}};
    pod.merge_patch(json::parse(c.patch));
    EXPECT_EQ(Cells("", "pods", pod)[2], c.status);
  }
}

TEST_F(TableTest, NodeRow) {
  json node = json::parse(R"({"metadata": {"name": "n1", "labels": {
      "node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/control-plane": ""}},
      "spec": {"unschedulable": true},
      "status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                {"type": "Ready", "status": "True"}],
                 "addresses": [{"type": "InternalIP", "address": "192.0.2.1"}],
                 "nodeInfo": {"kubeletVersion": "v1.31.0", "osImage": "Debian 12",
                              "kernelVersion": "6.1", "containerRuntimeVersion": "flyover://1"}}})");
  EXPECT_EQ(Cells("", "nodes", node),
            json::parse(R"(["n1", "Ready,SchedulingDisabled", "control-plane,worker", "<unknown>",
                            "v1.31.0", "192.0.2.1", "<none>", "Debian 12", "6.1", "flyover://1"])"));
  EXPECT_EQ(Cells("", "nodes", json::parse(R"({"metadata": {"name": "n2"}})"))[1], "Unknown");
  EXPECT_EQ(Cells("", "nodes", json::parse(R"({"status": {"conditions": [
      {"type": "Ready", "status": "Unknown"}]}})"))[1], "NotReady");
}

struct CellsCase {
  const char* group;
  const char* plural;
  std::vector<std::string> columns;
  const char* object;
  const char* cells;
};

TEST_F(TableTest, OtherBuiltinRows) {
  const std::string created = Ago(absl::Seconds(30));
  const std::vector<CellsCase> cases = {
      {"", "services", {"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"},
       R"({"metadata": {"name": "job"}, "spec": {"type": "NodePort", "clusterIP": "10.96.0.7",
           "ports": [{"port": 80, "nodePort": 30080}, {"port": 53, "protocol": "UDP"}],
           "selector": {"app": "x", "job": "y"}}})",
       R"(["job", "NodePort", "10.96.0.7", "<none>", "80:30080/TCP,53/UDP", "<unknown>", "app=x,job=y"])"},
      {"", "services", {},
       R"({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIP": "None"}})",
       R"(["lb", "LoadBalancer", "None", "<pending>", "<none>", "<unknown>", "<none>"])"},
      {"", "configmaps", {"Name", "Data", "Age"},
       R"({"metadata": {"name": "cm"}, "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}})",
       R"(["cm", 3, "<unknown>"])"},
      {"", "secrets", {"Name", "Type", "Data", "Age"},
       R"({"metadata": {"name": "s"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}})",
       R"(["s", "kubernetes.io/tls", 2, "<unknown>"])"},
      {"", "namespaces", {"Name", "Status", "Age"},
       R"({"metadata": {"name": "default"}, "status": {"phase": "Active"}})",
       R"(["default", "Active", "<unknown>"])"},
      {"coordination.k8s.io", "leases", {"Name", "Holder", "Age"},
       R"({"metadata": {"name": "flyover-scheduler"}, "spec": {"holderIdentity": "sched-1"}})",
       R"(["flyover-scheduler", "sched-1", "<unknown>"])"},
      {"", "serviceaccounts", {"Name", "Secrets", "Age"},
       R"({"metadata": {"name": "flyover-operator"}, "secrets": [{"name": "token"}]})",
       R"(["flyover-operator", 1, "<unknown>"])"},
      {"rbac.authorization.k8s.io", "clusterroles", {"Name", "Created At"},
       R"({"metadata": {"name": "reader", "creationTimestamp": "2026-01-02T03:04:05Z"}})",
       R"(["reader", "2026-01-02T03:04:05Z"])"},
      {"rbac.authorization.k8s.io", "rolebindings",
       {"Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"},
       R"({"metadata": {"name": "rb"}, "roleRef": {"kind": "ClusterRole", "name": "reader"},
           "subjects": [{"kind": "User", "name": "ann"}, {"kind": "Group", "name": "ops"},
                        {"kind": "ServiceAccount", "name": "op", "namespace": "flyover"},
                        {"kind": "User", "name": "bob"}]})",
       R"(["rb", "ClusterRole/reader", "<unknown>", "ann, bob", "ops", "flyover/op"])"},
      {"apiextensions.k8s.io", "customresourcedefinitions", {"Name", "Created At"},
       R"({"metadata": {"name": "posttrainingjobs.training.flyover.dev",
                        "creationTimestamp": "2026-01-02T03:04:05Z"}})",
       R"(["posttrainingjobs.training.flyover.dev", "2026-01-02T03:04:05Z"])"},
  };
  for (const CellsCase& c : cases) {
    SCOPED_TRACE(c.plural);
    const ResourceInfo& r = Resource(c.group, "v1", c.plural);
    if (!c.columns.empty()) {
      EXPECT_EQ(ColumnNames(RenderTable(r, {}, kNow)), c.columns);
    }
    EXPECT_EQ(TableRow(r, json::parse(c.object), kNow, IncludeObject::kNone)["cells"],
              json::parse(c.cells));
  }
}

TEST_F(TableTest, EventsOfBothGroups) {
  json core = json::parse(R"({"metadata": {"name": "job.1"}, "type": "Warning", "reason": "NPUFault",
      "message": " die 3 ECC error \n", "count": 4,
      "involvedObject": {"kind": "Pod", "name": "worker-0", "fieldPath": "spec.containers{w}"},
      "source": {"component": "flyover-operator", "host": "node-a"}})");
  core["firstTimestamp"] = Ago(absl::Minutes(5));
  core["lastTimestamp"] = Ago(absl::Seconds(10));
  EXPECT_EQ(Cells("", "events", core),
            json::parse(R"(["10s", "Warning", "NPUFault", "pod/worker-0", "spec.containers{w}",
                            "flyover-operator, node-a", "die 3 ECC error", "5m", 4, "job.1"])"));
  json modern = json::parse(R"({"metadata": {"name": "job.2"}, "type": "Normal", "reason": "Scheduled",
      "note": "placed", "regarding": {"kind": "PostTrainingJob", "name": "llama"},
      "reportingController": "flyover-scheduler"})");
  modern["eventTime"] = Ago(absl::Seconds(7));
  const ResourceInfo& events = Resource("events.k8s.io", "v1", "events");
  EXPECT_THAT(ColumnNames(RenderTable(events, {}, kNow)),
              ::testing::ElementsAre("Last Seen", "Type", "Reason", "Object", "Subobject",
                                     "Source", "Message", "First Seen", "Count", "Name"));
  EXPECT_EQ(TableRow(events, modern, kNow, IncludeObject::kNone)["cells"],
            json::parse(R"(["7s", "Normal", "Scheduled", "posttrainingjob/llama", "",
                            "flyover-scheduler", "placed", "7s", 1, "job.2"])"));
}

TEST_F(TableTest, PostTrainingJobPrinterColumnsFromTheCrd) {
  const ResourceInfo& ptj = Resource("training.flyover.dev", "v1alpha1", "posttrainingjobs");
  json running = json::parse(R"({"metadata": {"name": "llama-sft"},
      "spec": {"replicas": 64, "npusPerReplica": 16},
      "status": {"phase": "Running", "step": 420, "totalSteps": 1000,
                 "restarts": {"total": 2}, "placement": {"superPodsSpanned": 2}}})");
  running["metadata"]["creationTimestamp"] = Ago(absl::Hours(10));
  json fresh = json::parse(R"({"metadata": {"name": "new"}, "spec": {"replicas": 1}})");
  json table = RenderTable(ptj, {running, fresh}, kNow, {IncludeObject::kObject, true},
                           {{"resourceVersion", "77"}});
  EXPECT_THAT(ColumnNames(table), ::testing::ElementsAre("Name", "Phase", "Step", "Total",
                                                         "Restarts", "Replicas", "NPUs",
                                                         "SuperPods", "Age"));
  EXPECT_EQ(table["columnDefinitions"][1],
            json::parse(R"({"name": "Phase", "type": "string", "format": "", "priority": 0,
                "description": "Custom resource definition column (in JSONPath format): .status.phase"})"));
  EXPECT_EQ(table["columnDefinitions"][8]["type"], "date");
  EXPECT_EQ(table["columnDefinitions"][5]["priority"], 1);
  EXPECT_EQ(table["rows"][0]["cells"],
            json::parse(R"(["llama-sft", "Running", 420, 1000, 2, 64, 16, 2, "10h"])"));
  EXPECT_EQ(table["rows"][1]["cells"],
            json::parse(R"(["new", null, null, null, null, 1, null, null, null])"));
  EXPECT_EQ(table["rows"][0]["object"], running);
  EXPECT_EQ(table["metadata"], json::parse(R"({"resourceVersion": "77"})"));
}

TEST_F(TableTest, CustomCellsConvertByColumnType) {
  ResourceRegistry registry;
  json crd = json::parse(R"({"metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"kind": "Widget", "plural": "widgets"},
             "versions": [{"name": "v1", "served": true, "storage": true,
               "additionalPrinterColumns": [
                 {"name": "Int", "type": "integer", "jsonPath": ".spec.n"},
                 {"name": "Num", "type": "number", "jsonPath": ".spec.n"},
                 {"name": "Bool", "type": "boolean", "jsonPath": ".spec.on"},
                 {"name": "Str", "type": "string", "jsonPath": ".spec.tags"},
                 {"name": "When", "type": "date", "jsonPath": ".spec.when"},
                 {"name": "First", "type": "string", "jsonPath": ".spec.tags[0]"},
                 {"name": "Filter", "type": "string", "jsonPath": ".spec.tags[?(@ == 'a')]"},
                 {"name": "Wrong", "type": "integer", "jsonPath": ".spec.on", "priority": 2}]}]}})");
  ASSERT_TRUE(registry.AddCustomResource(crd).ok());
  json widget = json::parse(R"({"metadata": {"name": "w"},
      "spec": {"n": 2.5, "on": true, "tags": ["a", "b"], "when": "not a time"}})");
  EXPECT_EQ(TableRow(*registry.Find("example.com", "v1", "widgets"), widget, kNow,
                     IncludeObject::kNone)["cells"],
            json::parse(R"(["w", 2, 2.5, true, "[\"a\",\"b\"]", "<invalid>", "a", null, null])"));
}

TEST_F(TableTest, IncludeObjectAndHeaders) {
  const ResourceInfo& cms = Resource("", "v1", "configmaps");
  json cm = json::parse(R"({"metadata": {"name": "cm"}, "data": {}})");
  EXPECT_FALSE(TableRow(cms, cm, kNow, IncludeObject::kNone).contains("object"));
  EXPECT_EQ(TableRow(cms, cm, kNow, IncludeObject::kObject)["object"], cm);
  json watch_event = RenderTable(cms, {cm}, kNow, {IncludeObject::kMetadata, false});
  EXPECT_EQ(watch_event["columnDefinitions"], json::array());
  EXPECT_EQ(watch_event["rows"].size(), 1u);
  EXPECT_EQ(TableColumns(cms).size(), 3u);

  EXPECT_EQ(*ParseIncludeObject(""), IncludeObject::kMetadata);
  EXPECT_EQ(*ParseIncludeObject("None"), IncludeObject::kNone);
  EXPECT_EQ(*ParseIncludeObject("Object"), IncludeObject::kObject);
  EXPECT_TRUE(absl::IsInvalidArgument(ParseIncludeObject("All").status()));
}

}  // namespace
}  // namespace flyover::apiserver::discovery
