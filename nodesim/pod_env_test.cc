#include "nodesim/pod_env.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nodesim/pod_volumes.h"

namespace flyover::nodesim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// ConfigMaps and Secrets from maps.
class MapSource final : public ObjectSource {
 public:
  absl::StatusOr<kube::core::ConfigMap> GetConfigMap(const std::string& ns,
                                                     const std::string& name) override {
    if (name != "cfg") return absl::NotFoundError("configmaps \"" + name + "\" not found");
    kube::core::ConfigMap cm;
    cm.metadata.namespace_ = ns;
    cm.data = {{"lr", "0.001"}, {"run.sh", "echo hi"}};
    return cm;
  }
  absl::StatusOr<kube::core::Secret> GetSecret(const std::string&, const std::string& name) override {
    if (name != "creds") return absl::NotFoundError("secrets \"" + name + "\" not found");
    kube::core::Secret secret;
    kube::core::SetSecretValue(&secret, "token", "s3cr3t");
    return secret;
  }
};

kube::core::EnvVar From(const std::string& name, nlohmann::json value_from) {
  return {.name = name, .rest = {{"valueFrom", std::move(value_from)}}};
}

kube::core::Pod TestPod() {
  kube::core::Pod pod;
  pod.metadata.name = "w-3";
  pod.metadata.namespace_ = "ml";
  pod.metadata.uid = "u-1";
  pod.metadata.labels = {{"app", "sft"}};
  pod.metadata.annotations = {{"hccl/rankIndex", "3"}};
  pod.spec.node_name = "sp0-node01";
  pod.status.pod_ip = "127.0.0.1";
  return pod;
}

TEST(ExpandVars, ExpandsKnownVariablesOnly) {
  EnvList env = {{"A", "1"}, {"B", "two"}, {"A", "3"}};
  EXPECT_EQ(ExpandVars("$(A)-$(B)-$(C)-$$(A)-$", env), "3-two-$(C)-$(A)-$");
}

TEST(ResolveEnv, ReadsValuesDownwardApiAndReferences) {
  kube::core::Container c{.name = "main"};
  c.env = {{.name = "BASE", .value = "/data"},
           {.name = "OUT", .value = "$(BASE)/out"},
           From("POD", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}),
           From("NS", {{"fieldRef", {{"fieldPath", "metadata.namespace"}}}}),
           From("UID", {{"fieldRef", {{"fieldPath", "metadata.uid"}}}}),
           From("NODE", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}),
           From("IP", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}),
           From("RANK", {{"fieldRef", {{"fieldPath", "metadata.annotations['hccl/rankIndex']"}}}}),
           From("APP", {{"fieldRef", {{"fieldPath", "metadata.labels['app']"}}}}),
           From("LR", {{"configMapKeyRef", {{"name", "cfg"}, {"key", "lr"}}}}),
           From("TOKEN", {{"secretKeyRef", {{"name", "creds"}, {"key", "token"}}}}),
           From("OPT", {{"secretKeyRef", {{"name", "nope"}, {"key", "x"}, {"optional", true}}}})};
  MapSource source;
  absl::StatusOr<EnvList> env = ResolveEnv(TestPod(), c, &source);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_THAT(*env, ElementsAre(Pair("BASE", "/data"), Pair("OUT", "/data/out"),
                                Pair("POD", "w-3"), Pair("NS", "ml"), Pair("UID", "u-1"),
                                Pair("NODE", "sp0-node01"), Pair("IP", "127.0.0.1"),
                                Pair("RANK", "3"), Pair("APP", "sft"), Pair("LR", "0.001"),
                                Pair("TOKEN", "s3cr3t")));
}

TEST(ResolveEnv, NamesTheVariableThatFails) {
  MapSource source;
  kube::core::Container c{.name = "main"};
  c.env = {From("X", {{"configMapKeyRef", {{"name", "cfg"}, {"key", "missing"}}}})};
  EXPECT_THAT(ResolveEnv(TestPod(), c, &source).status().message(),
              HasSubstr("containers[main].env[0] (X): configmap ml/cfg key missing"));
  c.env = {From("Y", {{"fieldRef", {{"fieldPath", "spec.hostname"}}}})};
  EXPECT_THAT(ResolveEnv(TestPod(), c, &source).status().message(),
              HasSubstr("\"spec.hostname\" is not a supported downward API field"));
}

TEST(RewriteMountPaths, ReplacesWholePathPrefixesOnly) {
  std::vector<Mount> mounts = {{"/etc/config", "/tmp/p/volumes/cfg"},
                               {"/etc/config/deep", "/tmp/p/volumes/deep"}};
  EXPECT_EQ(RewriteMountPaths("cat /etc/config/run.sh", mounts), "cat /tmp/p/volumes/cfg/run.sh");
  EXPECT_EQ(RewriteMountPaths("/etc/config", mounts), "/tmp/p/volumes/cfg");
  EXPECT_EQ(RewriteMountPaths("/etc/config/deep/x", mounts), "/tmp/p/volumes/deep/x");
  EXPECT_EQ(RewriteMountPaths("/etc/configs/x /x/etc/config", mounts),
            "/etc/configs/x /x/etc/config");
  EXPECT_EQ(RewriteMountPaths("--file=/etc/config/a", mounts), "--file=/tmp/p/volumes/cfg/a");
}

}  // namespace
}  // namespace flyover::nodesim
