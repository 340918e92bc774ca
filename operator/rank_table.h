// The rank table (hccl.json, MindCluster format 1.0 / 1.2) of one job generation, built from its
// bound pods and their nodes once every pod is bound and its dies are known.
//
// Version "1.2" when every node is a 910C super-pod node (accelerator-type
// module-a3-16-super-pod), which adds super_device_id per device and super_pod_list;
// otherwise "1.0". One server_list entry per pod, in rank-index order: server_id and
// host_ip are the node's InternalIP, container_ip the pod IP (the node's IP until the pod
// has one). rank_id = rankIndex x npusPerReplica + local index, local indexes in die-id
// order. Ids and counts are strings, as MindCluster writes them.
//
// Device IPs and super_device_ids are not published through the API today: a pod may carry
// them in its "ascend.kubectl.kubernetes.io/ascend-910-configuration" annotation (the
// MindCluster device plugin's form: {"devices": [{"device_id", "device_ip",
// "super_device_id"}]}); without it they are derived (DerivedDeviceIp,
// DerivedSuperDeviceId), as the emulated device plugin numbers them.
//
// Pure functions; thread-compatible.
#ifndef FLYOVER_OPERATOR_RANK_TABLE_H_
#define FLYOVER_OPERATOR_RANK_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace flyover::op {

inline constexpr char kDeviceConfigAnnotation[] =
    "ascend.kubectl.kubernetes.io/ascend-910-configuration";

struct RankTableNode {
  std::string name;
  std::string ip;            // InternalIP
  std::string super_pod_id;  // huawei.com/topotree.superpodid; "" if unlabelled
  int32_t server_index = 0;  // huawei.com/topotree.serverid
  bool super_pod_node = false;
};

struct RankTablePod {
  int32_t rank_index = 0;
  std::string name;
  std::string ip;                // status.podIP; may be empty
  std::vector<int32_t> dies;     // from the huawei.com/Ascend910 annotation, ascending
  nlohmann::json device_config;  // the ascend-910-configuration annotation, parsed; or null
  RankTableNode node;
};

// Reads what the rank table needs from a bound pod and its node (both as API JSON). Returns
// nullopt while the pod is unbound or its dies are not annotated; InvalidArgument naming
// the field for an unparseable annotation or rank index.
absl::StatusOr<std::optional<RankTablePod>> RankTablePodFrom(const nlohmann::json& pod,
                                                             const nlohmann::json& node);
RankTableNode RankTableNodeFrom(const nlohmann::json& node);

// The completed rank table. `pods` must hold exactly rank indexes 0..replicas-1, each with
// npus_per_replica dies; InvalidArgument says which does not.
absl::StatusOr<nlohmann::json> BuildRankTable(std::vector<RankTablePod> pods, int32_t replicas,
                                              int32_t npus_per_replica);

// {"status": "initializing", "version": "1.0", ...}: what a ConfigMap mirror holds before
// the table is complete.
nlohmann::json InitializingRankTable();

std::string DerivedDeviceIp(int32_t die);
int32_t DerivedSuperDeviceId(int32_t server_index, int32_t die);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_RANK_TABLE_H_
