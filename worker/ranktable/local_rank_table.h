// A rank table for a standalone run (`flyover-worker local`): `ranks` ranks on
// ranks / ranks_per_pod emulated pods on this host. Server i is "pod-<i>" with devices
// 0..ranks_per_pod-1 and ranks i × ranks_per_pod + local index; every address is
// `host_ip`. Version 1.2 puts every pod in super-pod "0" and sets super_device_id = rank.
#ifndef FLYOVER_WORKER_RANKTABLE_LOCAL_RANK_TABLE_H_
#define FLYOVER_WORKER_RANKTABLE_LOCAL_RANK_TABLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "worker/ranktable/rank_table.h"

namespace flyover::worker {

struct LocalRankTableOptions {
  int ranks = 1;
  int ranks_per_pod = 1;
  RankTableVersion version = RankTableVersion::kV1_0;
  std::string host_ip = "127.0.0.1";
};

// InvalidArgument unless ranks >= 1, ranks_per_pod >= 1 and ranks_per_pod divides ranks.
[[nodiscard]] absl::StatusOr<RankTable> GenerateLocalRankTable(
    const LocalRankTableOptions& options);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_RANKTABLE_LOCAL_RANK_TABLE_H_
