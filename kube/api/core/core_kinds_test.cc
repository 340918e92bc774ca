#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/core/config_map.h"
#include "kube/api/core/core_testing.h"
#include "kube/api/core/event.h"
#include "kube/api/core/lease.h"
#include "kube/api/core/namespace.h"
#include "kube/api/core/node.h"
#include "kube/api/core/quantity.h"
#include "kube/api/core/service.h"

namespace flyover::kube::core {
namespace {

using ::testing::HasSubstr;
using testing::LoadFixture;

// Decodes the fixture with `decode`, encodes it back and compares the JSON text.
template <typename Decode, typename Encode>
void ExpectRoundTrip(const std::string& fixture_name, Decode decode, Encode encode) {
  const nlohmann::json fixture = LoadFixture(fixture_name);
  ASSERT_TRUE(fixture.is_object()) << fixture_name;
  auto decoded = decode(fixture);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(encode(*decoded).dump(), fixture.dump()) << fixture_name;
}

TEST(CoreKindsTest, RoundTripsServerObjectsByteForByte) {
  ExpectRoundTrip("node.json", DecodeNode, EncodeNode);
  ExpectRoundTrip("service.json", DecodeService, EncodeService);
  ExpectRoundTrip("config_map.json", DecodeConfigMap, EncodeConfigMap);
  ExpectRoundTrip("secret.json", DecodeSecret, EncodeSecret);
  ExpectRoundTrip("event.json", DecodeEvent, EncodeEvent);
  ExpectRoundTrip("lease.json", DecodeLease, EncodeLease);
  ExpectRoundTrip("namespace.json", DecodeNamespace, EncodeNamespace);
}

TEST(CoreKindsTest, NodeFields) {
  absl::StatusOr<Node> node = DecodeNode(LoadFixture("node.json"));
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_TRUE(IsReady(*node));
  EXPECT_TRUE(node->spec.unschedulable);
  ASSERT_EQ(node->spec.taints.size(), 2u);
  EXPECT_EQ(node->spec.taints[0].value, "present");
  EXPECT_EQ(node->spec.taints[1].effect, "NoExecute");
  EXPECT_EQ(ResourceValue(node->status.allocatable, "huawei.com/Ascend910").value(), 16);
  EXPECT_EQ(ResourceMilliValue(node->status.capacity, "cpu").value(), 192000);
  EXPECT_EQ(NodeAddressOf(*node, "InternalIP"), "10.0.3.17");
  const NodeCondition* ready = FindNodeCondition(node->status, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->last_heartbeat_time, absl::FromUnixSeconds(1795457080));
  node->status.conditions[1].status = ConditionStatus::kUnknown;
  EXPECT_FALSE(IsReady(*node));
  EXPECT_FALSE(IsReady(Node{}));
}

TEST(CoreKindsTest, ServiceFields) {
  absl::StatusOr<Service> service = DecodeService(LoadFixture("service.json"));
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_TRUE(service->IsHeadless());
  ASSERT_EQ(service->spec.ports.size(), 2u);
  EXPECT_EQ(service->spec.ports[0].target_port, IntOrString{29500});
  EXPECT_EQ(service->spec.ports[1].target_port, IntOrString{std::string("supervision")});
  EXPECT_EQ(service->spec.selector.at("training.flyover.dev/job"), "llama-sft");
}

TEST(CoreKindsTest, SecretValuesDecodeFromBase64) {
  absl::StatusOr<Secret> secret = DecodeSecret(LoadFixture("secret.json"));
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(secret->type, "kubernetes.io/service-account-token");
  EXPECT_EQ(SecretValue(*secret, "token").value(), "s3cr3t-t0ken");
  EXPECT_EQ(SecretValue(*secret, "missing").status().code(), absl::StatusCode::kNotFound);
  SetSecretValue(&*secret, "bin", std::string("\0\1\2", 3));
  EXPECT_EQ(secret->data.at("bin"), "AAEC");
  EXPECT_EQ(SecretValue(*secret, "bin").value(), std::string("\0\1\2", 3));
  secret->data["bad"] = "not base64!";
  EXPECT_EQ(SecretValue(*secret, "bad").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CoreKindsTest, EventAndLeaseFields) {
  absl::StatusOr<Event> event = DecodeEvent(LoadFixture("event.json"));
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->involved_object.kind, "PostTrainingJob");
  EXPECT_EQ(event->count, 3);
  EXPECT_EQ(event->source.component, "flyover-operator");
  EXPECT_TRUE(event->rest.contains("eventTime"));

  absl::StatusOr<Lease> lease = DecodeLease(LoadFixture("lease.json"));
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ(lease->spec.lease_duration_seconds, 15);
  EXPECT_EQ(absl::ToUnixMicros(*lease->spec.renew_time) % 1000000, 321);
  EXPECT_EQ(lease->spec.holder_identity, "flyover-operator-6d4f9c-x2b7k_2f1c");

  absl::StatusOr<Namespace> ns = DecodeNamespace(LoadFixture("namespace.json"));
  ASSERT_TRUE(ns.ok()) << ns.status();
  EXPECT_EQ(ns->phase, kNamespaceActive);
}

TEST(CoreKindsTest, WrongTypesAreErrorsByPath) {
  nlohmann::json node = LoadFixture("node.json");
  node["spec"]["unschedulable"] = "yes";
  node["status"]["capacity"]["cpu"] = 192;
  EXPECT_THAT(DecodeNode(node).status().message(),
              HasSubstr("Node \"node-a17\" is invalid: [spec.unschedulable: Invalid value: "
                        "\"yes\": must be a boolean, status.capacity"));

  nlohmann::json service = LoadFixture("service.json");
  service["spec"]["ports"][1]["targetPort"] = true;
  EXPECT_THAT(DecodeService(service).status().message(),
              HasSubstr("spec.ports[1].targetPort: Invalid value: true: must be an integer or "
                        "a string"));

  nlohmann::json lease = LoadFixture("lease.json");
  lease["spec"]["renewTime"] = "soon";
  lease["apiVersion"] = "v1";
  const std::string message(DecodeLease(lease).status().message());
  EXPECT_THAT(message, HasSubstr("Lease.coordination.k8s.io \"flyover-operator\" is invalid"));
  EXPECT_THAT(message, HasSubstr("apiVersion: Invalid value: \"v1\""));
  EXPECT_THAT(message, HasSubstr("spec.renewTime: Invalid value: \"soon\""));

  nlohmann::json event = LoadFixture("event.json");
  event["count"] = "3";
  EXPECT_THAT(DecodeEvent(event).status().message(), HasSubstr("count: Invalid value"));
  EXPECT_THAT(DecodeConfigMap({{"data", {{"k", 1}}}}).status().message(),
              HasSubstr("data[k]"));
  EXPECT_THAT(DecodeNamespace({{"status", {{"phase", 1}}}}).status().message(),
              HasSubstr("status.phase: Invalid value: 1"));
}

}  // namespace
}  // namespace flyover::kube::core
