#include "apiserver/semantics/field_selector.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;
using testing::ElementsAre;

const GroupResource kSelectorPods{"", "pods"};
const GroupResource kNodes{"", "nodes"};
const GroupResource kEvents{"", "events"};
const GroupResource kSecrets{"", "secrets"};
const GroupResource kConfigMaps{"", "configmaps"};
const GroupResource kSelectorJobs{"batch", "jobs"};
const GroupResource kTrainingJobs{"training.flyover.dev", "posttrainingjobs"};

json Pod() {
  return json::parse(R"({
    "metadata": {"name": "web-0", "namespace": "prod", "labels": {"app": "web"}},
    "spec": {"nodeName": "node-7", "schedulerName": "flyover-scheduler",
             "restartPolicy": "Never", "serviceAccountName": "trainer",
             "hostNetwork": true},
    "status": {"phase": "Running", "podIP": "10.0.0.9",
               "podIPs": [{"ip": "10.0.0.9"}, {"ip": "fd00::9"}],
               "nominatedNodeName": "node-8"}})");
}

TEST(FieldSelectorTest, ParsesToCanonicalForm) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"", ""},
      {"metadata.name=web-0", "metadata.name=web-0"},
      {"metadata.name==web-0", "metadata.name=web-0"},
      {"metadata.name!=web-0", "metadata.name!=web-0"},
      {"status.phase=Running,spec.nodeName=n1", "spec.nodeName=n1,status.phase=Running"},
      {"spec.host=n1", "spec.nodeName=n1"},
      {"spec.nodeName=", "spec.nodeName="},
      {",metadata.name=a,", "metadata.name=a"},
      {R"(metadata.name=a\,b\=c\\d)", R"(metadata.name=a\,b\=c\\d)"},
  };
  for (const auto& [input, canonical] : table) {
    SCOPED_TRACE(input);
    absl::StatusOr<FieldSelector> selector = FieldSelector::Parse(input, kSelectorPods);
    ASSERT_TRUE(selector.ok()) << selector.status();
    EXPECT_EQ(selector->String(), canonical);
  }
}

TEST(FieldSelectorTest, UnescapesValues) {
  absl::StatusOr<FieldSelector> selector =
      FieldSelector::Parse(R"(metadata.name=a\,b\=c\\d)", kSelectorPods);
  ASSERT_TRUE(selector.ok());
  EXPECT_THAT(selector->requirements(),
              ElementsAre(FieldRequirement{"metadata.name", true, R"(a,b=c\d)"}));
  EXPECT_TRUE(selector->Matches({{"metadata", {{"name", R"(a,b=c\d)"}}}}));
}

TEST(FieldSelectorTest, RejectsMalformedSelectorsAsBadRequest) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"},
      {"a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"},
      {"metadata.name=a=b", "invalid field selector: unescaped character in value: 61"},
      {R"(metadata.name=a\x)", R"(invalid field selector: invalid escape sequence: \x)"},
      {R"(metadata.name=a\)", R"(invalid field selector: invalid escape sequence: \)"},
      {"spec.foo=x", "field label not supported: spec.foo"},
      {"metadata.name=a,spec.foo=x", "field label not supported: spec.foo"},
      {" metadata.name=a", "field label not supported:  metadata.name"},
      {"=x", "field label not supported: "},
      // Terms are checked in sorted order, as the server sorts them.
      {"z=1,b=2", "field label not supported: b"},
  };
  for (const auto& [input, message] : table) {
    SCOPED_TRACE(input);
    absl::StatusOr<FieldSelector> selector = FieldSelector::Parse(input, kSelectorPods);
    ASSERT_FALSE(selector.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(selector.status()));
    EXPECT_EQ(selector.status().message(), message);
    json status = StatusFromAbsl(selector.status());
    EXPECT_EQ(status["code"], 400);
    EXPECT_EQ(status["reason"], "BadRequest");
    EXPECT_EQ(status["message"], message);
  }
}

TEST(FieldSelectorTest, ResourcesWithoutTheirOwnFieldsUseTheDefaultMessage) {
  for (const GroupResource& resource : {kConfigMaps, kTrainingJobs}) {
    SCOPED_TRACE(resource.String());
    absl::StatusOr<FieldSelector> selector = FieldSelector::Parse("spec.x=1", resource);
    ASSERT_FALSE(selector.ok());
    EXPECT_EQ(selector.status().message(),
              R"("spec.x" is not a known field selector: only "metadata.name", )"
              R"("metadata.namespace")");
    EXPECT_TRUE(FieldSelector::Parse("metadata.namespace=a,metadata.name=b", resource).ok());
  }
}

TEST(FieldSelectorTest, SupportedLabelsPerResource) {
  const std::vector<std::pair<GroupResource, std::vector<std::string>>> table = {
      {kSelectorPods,
       {"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
        "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
        "status.podIP", "status.nominatedNodeName"}},
      {kNodes, {"metadata.name", "spec.unschedulable"}},
      {{"", "namespaces"}, {"metadata.name", "status.phase"}},
      {kSecrets, {"metadata.name", "metadata.namespace", "type"}},
      {{"", "services"}, {"metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"}},
      {{"apps", "replicasets"}, {"metadata.name", "metadata.namespace", "status.replicas"}},
      {kSelectorJobs, {"metadata.name", "metadata.namespace", "status.successful"}},
      {kConfigMaps, {"metadata.name", "metadata.namespace"}},
      {kTrainingJobs, {"metadata.name", "metadata.namespace"}},
      // The same resource name in another group is another resource.
      {{"example.com", "pods"}, {"metadata.name", "metadata.namespace"}},
  };
  for (const auto& [resource, labels] : table) {
    SCOPED_TRACE(resource.String());
    EXPECT_EQ(SupportedFieldLabels(resource), labels);
  }
  const std::vector<std::string> event_labels = SupportedFieldLabels(kEvents);
  for (const char* label : {"involvedObject.kind", "involvedObject.namespace",
                            "involvedObject.name", "involvedObject.uid", "reason", "source",
                            "type", "reportingComponent", "metadata.namespace"}) {
    EXPECT_THAT(event_labels, testing::Contains(label));
  }
  EXPECT_FALSE(FieldSelector::Parse("metadata.namespace=x", kNodes).ok());
}

TEST(FieldSelectorTest, ReadsSelectableValuesLikeTheRegistries) {
  struct Case {
    GroupResource resource;
    json object;
    std::string label;
    std::string value;
  };
  const std::vector<Case> table = {
      {kSelectorPods, Pod(), "metadata.name", "web-0"},
      {kSelectorPods, Pod(), "metadata.namespace", "prod"},
      {kSelectorPods, Pod(), "spec.nodeName", "node-7"},
      {kSelectorPods, Pod(), "spec.schedulerName", "flyover-scheduler"},
      {kSelectorPods, Pod(), "spec.restartPolicy", "Never"},
      {kSelectorPods, Pod(), "spec.serviceAccountName", "trainer"},
      {kSelectorPods, Pod(), "spec.hostNetwork", "true"},
      {kSelectorPods, Pod(), "status.phase", "Running"},
      {kSelectorPods, Pod(), "status.podIP", "10.0.0.9"},
      {kSelectorPods, Pod(), "status.nominatedNodeName", "node-8"},
      {kSelectorPods, json::object(), "spec.nodeName", ""},
      {kSelectorPods, json::object(), "spec.hostNetwork", "false"},
      {kSelectorPods, json::parse(R"({"status":{"podIP":"1.2.3.4"}})"), "status.podIP", "1.2.3.4"},
      {kSelectorPods, json::parse(R"({"status":{"podIP":"1.2.3.4","podIPs":[{"ip":"5.6.7.8"}]}})"),
       "status.podIP", "5.6.7.8"},
      {kNodes, json::parse(R"({"spec":{"unschedulable":true}})"), "spec.unschedulable", "true"},
      {kNodes, json::parse(R"({"spec":{}})"), "spec.unschedulable", "false"},
      {kEvents, json::parse(R"({"source":{"component":"kubelet"}})"), "source", "kubelet"},
      {kEvents, json::parse(R"({"involvedObject":{"kind":"Pod","uid":"u1"}})"),
       "involvedObject.uid", "u1"},
      {kEvents, json::parse(R"({"type":"Warning","reason":"Failed"})"), "type", "Warning"},
      {kSecrets, json::parse(R"({"type":"Opaque"})"), "type", "Opaque"},
      {kSelectorJobs, json::parse(R"({"status":{"succeeded":3}})"), "status.successful", "3"},
      {kSelectorJobs, json::object(), "status.successful", "0"},
      {{"apps", "replicasets"}, json::parse(R"({"status":{"replicas":2}})"), "status.replicas",
       "2"},
      {kSelectorPods, json::parse(R"({"spec":{"nodeName":7}})"), "spec.nodeName", ""},
      {kSelectorPods, json("not an object"), "metadata.name", ""},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.resource.String() + " " + c.label);
    std::optional<std::string> value = SelectableFieldValue(c.object, c.resource, c.label);
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(*value, c.value);
  }
  EXPECT_FALSE(SelectableFieldValue(Pod(), kSelectorPods, "spec.foo").has_value());
}

TEST(FieldSelectorTest, MatchesObjects) {
  struct Case {
    GroupResource resource;
    std::string selector;
    json object;
    bool matches;
  };
  const json unschedulable = json::parse(R"({"metadata":{"name":"n1"},
                                             "spec":{"unschedulable":true}})");
  const std::vector<Case> table = {
      {kSelectorPods, "", Pod(), true},
      {kSelectorPods, "spec.nodeName=node-7", Pod(), true},
      {kSelectorPods, "spec.nodeName=node-8", Pod(), false},
      {kSelectorPods, "spec.nodeName!=node-8", Pod(), true},
      {kSelectorPods, "spec.nodeName=", Pod(), false},
      {kSelectorPods, "spec.nodeName=", json::object(), true},
      {kSelectorPods, "spec.nodeName!=", json::object(), false},
      {kSelectorPods, "status.phase!=Succeeded,status.phase!=Failed", Pod(), true},
      {kSelectorPods, "status.phase!=Running,status.phase!=Failed", Pod(), false},
      {kSelectorPods, "metadata.namespace=prod,metadata.name=web-0", Pod(), true},
      {kSelectorPods, "spec.host=node-7", Pod(), true},
      {kSelectorPods, "spec.hostNetwork=true", Pod(), true},
      {kNodes, "spec.unschedulable=true", unschedulable, true},
      {kNodes, "spec.unschedulable=false", unschedulable, false},
      {kNodes, "spec.unschedulable!=true", json::object(), true},
      {kEvents, "involvedObject.kind=Pod,type=Warning",
       json::parse(R"({"involvedObject":{"kind":"Pod"},"type":"Warning"})"), true},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.resource.String() + " " + c.selector);
    absl::StatusOr<FieldSelector> selector = FieldSelector::Parse(c.selector, c.resource);
    ASSERT_TRUE(selector.ok()) << selector.status();
    EXPECT_EQ(selector->Matches(c.object), c.matches);
  }
}

TEST(FieldSelectorTest, ExactMatchForIndexes) {
  absl::StatusOr<FieldSelector> selector =
      FieldSelector::Parse("spec.nodeName=n1,metadata.name!=x", kSelectorPods);
  ASSERT_TRUE(selector.ok());
  EXPECT_EQ(selector->RequiresExactMatch("spec.nodeName"), "n1");
  EXPECT_EQ(selector->RequiresExactMatch("metadata.name"), std::nullopt);
  EXPECT_EQ(selector->RequiresExactMatch("status.phase"), std::nullopt);
  EXPECT_TRUE(FieldSelector().Empty());
  EXPECT_TRUE(FieldSelector().Matches(json::object()));
}

TEST(FieldSelectorTest, ConvertFieldLabel) {
  EXPECT_EQ(*ConvertFieldLabel(kSelectorPods, "spec.host"), "spec.nodeName");
  EXPECT_EQ(*ConvertFieldLabel(kSelectorPods, "status.phase"), "status.phase");
  EXPECT_FALSE(ConvertFieldLabel(kNodes, "spec.host").ok());
  EXPECT_FALSE(ConvertFieldLabel(kSecrets, "spec.host").ok());
}

}  // namespace
}  // namespace flyover::apiserver
