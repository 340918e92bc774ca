#include "worker/ranktable/local_rank_table.h"

#include "absl/strings/str_cat.h"

namespace flyover::worker {

absl::StatusOr<RankTable> GenerateLocalRankTable(const LocalRankTableOptions& options) {
  if (options.ranks < 1 || options.ranks_per_pod < 1 ||
      options.ranks % options.ranks_per_pod != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ranks: ", options.ranks, " must be a positive multiple of ranks per pod (",
        options.ranks_per_pod, ")"));
  }
  RankTable table{.status = RankTableStatus::kCompleted, .version = options.version};
  RankTableSuperPod super_pod{.super_pod_id = "0"};
  for (int pod = 0; pod < options.ranks / options.ranks_per_pod; ++pod) {
    RankTableServer server{.server_id = absl::StrCat("pod-", pod),
                           .host_ip = options.host_ip,
                           .container_ip = options.host_ip};
    for (int local = 0; local < options.ranks_per_pod; ++local) {
      const int rank = pod * options.ranks_per_pod + local;
      server.devices.push_back(
          {.device_id = local,
           .device_ip = options.host_ip,
           .rank_id = rank,
           .super_device_id = options.version == RankTableVersion::kV1_2 ? rank : -1});
    }
    super_pod.server_ids.push_back(server.server_id);
    table.servers.push_back(std::move(server));
  }
  if (options.version == RankTableVersion::kV1_2) table.super_pods.push_back(super_pod);
  return table;
}

}  // namespace flyover::worker
