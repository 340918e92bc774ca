#include "operator/testing/job_fixtures.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kube/client/resource.h"

namespace flyover::op::testing {

nlohmann::json JobJson(const std::string& name, int32_t replicas, int32_t npus, int64_t steps) {
  return {{"apiVersion", "training.flyover.dev/v1alpha1"},
          {"kind", "PostTrainingJob"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", replicas},
            {"npusPerReplica", npus},
            {"template",
             {{"spec",
               {{"containers",
                 {{{"name", "worker"},
                   {"image", "flyover/worker:0.1.0"},
                   {"command", {"flyover-worker", "agent"}}}}}}}}},
            {"training", {{"steps", steps}}}}}};
}

nlohmann::json NodeJson(const std::string& name, const std::string& ip,
                        const std::string& super_pod_id, int32_t server_index,
                        bool super_pod_node) {
  nlohmann::json labels = {{"accelerator", "huawei-Ascend910"},
                           {"node.kubernetes.io/npu.chip.name", "910C"},
                           {"huawei.com/topotree.superpodid", super_pod_id},
                           {"huawei.com/topotree.serverid", absl::StrCat(server_index)}};
  if (super_pod_node) labels["accelerator-type"] = "module-a3-16-super-pod";
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"status",
           {{"addresses", {{{"type", "InternalIP"}, {"address", ip}}}},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

absl::Status BindPod(kube::RestClient& client, const std::string& ns, const std::string& pod,
                     const std::string& node, const std::vector<int>& dies,
                     const std::string& super_pod_id) {
  std::vector<std::string> names;
  for (int die : dies) names.push_back(absl::StrCat("Ascend910-", die));
  const nlohmann::json patch = {{"metadata",
                                 {{"annotations",
                                   {{"huawei.com/Ascend910", absl::StrJoin(names, ",")},
                                    {"scheduling.flyover.dev/super-pod-id", super_pod_id}}}}}};
  absl::StatusOr<nlohmann::json> patched = client.Patch(kube::PodsResource(), ns, pod, patch);
  if (!patched.ok()) return patched.status();
  return client.Bind(ns, pod, node);
}

Heartbeat HeartbeatOf(const std::string& pod, int32_t rank_index, int32_t generation, int32_t npus,
                      const std::string& state, int64_t step) {
  Heartbeat heartbeat{.pod = pod, .rank_index = rank_index, .generation = generation};
  for (int32_t local = 0; local < npus; ++local) {
    heartbeat.ranks.push_back({.rank = rank_index * npus + local,
                               .state = state,
                               .step = step,
                               .loss = 1.5,
                               .step_millis = 40.0});
  }
  return heartbeat;
}

}  // namespace flyover::op::testing
