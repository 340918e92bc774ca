// The rank table (`hccl.json`) in MindCluster's formats, versions 1.0 and 1.2
// (docs/design/supervision.md, ASCEND.md): which pods ("servers") take part in a job, the
// dies ("devices") of each and the global rank each die runs.
//
//   {"status": "completed", "version": "1.0", "server_count": "2",
//    "server_list": [{"server_id": "pod-0", "host_ip": "10.0.0.1", "container_ip": "10.1.0.1",
//                     "device": [{"device_id": "0", "device_ip": "10.2.0.1", "rank_id": "0"}]}]}
//
// Version 1.2 adds "super_device_id" to every device and a top-level
// "super_pod_list": [{"super_pod_id": "0", "server_list": [{"server_id": "pod-0"}]}].
// Ids and counts are JSON strings holding decimal integers, as MindCluster writes them.
//
// Parsing is strict: a missing field, a field of the wrong type, an unknown status or
// version, a count that disagrees with its list, a duplicate or out-of-range rank is an
// InvalidArgument error whose message names the field by its path
// ("server_list[1].device[0].rank_id: ..."). Unknown fields are ignored, so tables from
// newer writers still load. Server ids may repeat: the id is the node's address, and one
// node can hold several of the job's pods. A table whose status is "initializing" may
// omit everything but status (MindCluster writes `{"status": "initializing"}` first).
//
// Thread-safety: plain values and pure functions.
#ifndef FLYOVER_WORKER_RANKTABLE_RANK_TABLE_H_
#define FLYOVER_WORKER_RANKTABLE_RANK_TABLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::worker {

enum class RankTableStatus { kInitializing, kCompleted };
enum class RankTableVersion { kV1_0, kV1_2 };

struct RankTableDevice {
  int device_id = 0;         // the die's id on its node
  std::string device_ip;
  int rank_id = 0;           // global rank
  int super_device_id = -1;  // version 1.2 only; -1 when absent
};

struct RankTableServer {
  std::string server_id;
  std::string host_ip;
  std::string container_ip;
  std::vector<RankTableDevice> devices;  // in file order
};

struct RankTableSuperPod {
  std::string super_pod_id;
  std::vector<std::string> server_ids;
};

struct RankTable {
  RankTableStatus status = RankTableStatus::kInitializing;
  RankTableVersion version = RankTableVersion::kV1_0;
  std::vector<RankTableServer> servers;     // server list order
  std::vector<RankTableSuperPod> super_pods;  // version 1.2 only

  // Number of devices across all servers: the job's world size.
  int WorldSize() const;
  // The server ids in server list order (repeated for pods that share a node).
  std::vector<std::string> ServerIds() const;
};

// "initializing" / "completed", "1.0" / "1.2".
absl::string_view RankTableStatusName(RankTableStatus status);
absl::string_view RankTableVersionName(RankTableVersion version);

// Parses and checks a rank table as described above.
[[nodiscard]] absl::StatusOr<RankTable> ParseRankTable(absl::string_view text);

// The JSON text of `table` (ids and counts as strings), which ParseRankTable reads back.
std::string SerializeRankTable(const RankTable& table);

// One pod's share of the table: the devices whose ranks are
// [rank_index × npus_per_pod, (rank_index + 1) × npus_per_pod), sorted by rank, and the
// server holding them. InvalidArgument unless the table is completed, those ranks all
// exist, and they sit on one server that holds nothing else.
struct LocalRanks {
  const RankTableServer* server = nullptr;     // points into the table
  std::vector<RankTableDevice> devices;        // local index = position
};
[[nodiscard]] absl::StatusOr<LocalRanks> FindLocalRanks(const RankTable& table, int rank_index,
                                                        int npus_per_pod);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_RANKTABLE_RANK_TABLE_H_
