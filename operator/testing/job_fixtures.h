// Fixtures for the operator's tests: jobs, Ascend nodes, and what a scheduler and an agent
// do (bind a pod with its dies; post a heartbeat), over any RestClient — the fake API server
// in unit tests, flyover-apiserver in tests/operator/.
#ifndef FLYOVER_OPERATOR_TESTING_JOB_FIXTURES_H_
#define FLYOVER_OPERATOR_TESTING_JOB_FIXTURES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"
#include "operator/supervision/heartbeat.h"

namespace flyover::op::testing {

// A valid job of `replicas` pods x `npus` NPUs, `steps` steps, in namespace "default".
nlohmann::json JobJson(const std::string& name, int32_t replicas = 2, int32_t npus = 2,
                       int64_t steps = 100);

// A Ready 910C node with MindCluster's 910C labels; `super_pod_node` false makes
// it a plain 910 node (no accelerator-type label).
nlohmann::json NodeJson(const std::string& name, const std::string& ip,
                        const std::string& super_pod_id, int32_t server_index,
                        bool super_pod_node = true);

// What flyover-scheduler does: annotate the pod with its dies and super-pod, then POST
// pods/binding to `node`.
absl::Status BindPod(kube::RestClient& client, const std::string& ns, const std::string& pod,
                     const std::string& node, const std::vector<int>& dies,
                     const std::string& super_pod_id = "0");

// A heartbeat of `pod` with `npus` ranks in `state` at `step`.
Heartbeat HeartbeatOf(const std::string& pod, int32_t rank_index, int32_t generation, int32_t npus,
                      const std::string& state, int64_t step);

}  // namespace flyover::op::testing

#endif  // FLYOVER_OPERATOR_TESTING_JOB_FIXTURES_H_
