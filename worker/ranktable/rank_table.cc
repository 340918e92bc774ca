#include "worker/ranktable/rank_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace flyover::worker {

using nlohmann::json;

int RankTable::WorldSize() const {
  int world = 0;
  for (const RankTableServer& server : servers) world += static_cast<int>(server.devices.size());
  return world;
}

std::vector<std::string> RankTable::ServerIds() const {
  std::vector<std::string> ids;
  for (const RankTableServer& server : servers) ids.push_back(server.server_id);
  return ids;
}

absl::string_view RankTableStatusName(RankTableStatus status) {
  return status == RankTableStatus::kCompleted ? "completed" : "initializing";
}

absl::string_view RankTableVersionName(RankTableVersion version) {
  return version == RankTableVersion::kV1_2 ? "1.2" : "1.0";
}

namespace {

json DeviceJson(const RankTableDevice& device, RankTableVersion version) {
  json out = {{"device_id", absl::StrCat(device.device_id)},
              {"device_ip", device.device_ip},
              {"rank_id", absl::StrCat(device.rank_id)}};
  if (version == RankTableVersion::kV1_2) {
    out["super_device_id"] = absl::StrCat(device.super_device_id);
  }
  return out;
}

json ServerJson(const RankTableServer& server, RankTableVersion version) {
  json devices = json::array();
  for (const RankTableDevice& device : server.devices) {
    devices.push_back(DeviceJson(device, version));
  }
  return {{"server_id", server.server_id},
          {"host_ip", server.host_ip},
          {"container_ip", server.container_ip},
          {"device", std::move(devices)}};
}

json SuperPodJson(const RankTableSuperPod& pod) {
  json servers = json::array();
  for (const std::string& id : pod.server_ids) servers.push_back({{"server_id", id}});
  return {{"super_pod_id", pod.super_pod_id}, {"server_list", std::move(servers)}};
}

}  // namespace

std::string SerializeRankTable(const RankTable& table) {
  json servers = json::array();
  for (const RankTableServer& server : table.servers) {
    servers.push_back(ServerJson(server, table.version));
  }
  json out = {{"status", std::string(RankTableStatusName(table.status))},
              {"version", std::string(RankTableVersionName(table.version))},
              {"server_count", absl::StrCat(table.servers.size())},
              {"server_list", std::move(servers)}};
  if (table.version == RankTableVersion::kV1_2) {
    json pods = json::array();
    for (const RankTableSuperPod& pod : table.super_pods) pods.push_back(SuperPodJson(pod));
    out["super_pod_list"] = std::move(pods);
  }
  return out.dump(2) + "\n";
}

absl::StatusOr<LocalRanks> FindLocalRanks(const RankTable& table, int rank_index,
                                          int npus_per_pod) {
  if (table.status != RankTableStatus::kCompleted) {
    return absl::FailedPreconditionError("rank table: status is not \"completed\"");
  }
  if (rank_index < 0 || npus_per_pod <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rank table: rank index ", rank_index, " and NPUs per pod ", npus_per_pod,
        " must be >= 0 and > 0"));
  }
  const int first = rank_index * npus_per_pod;
  for (const RankTableServer& server : table.servers) {
    const bool mine = std::any_of(server.devices.begin(), server.devices.end(),
                                  [&](const RankTableDevice& d) { return d.rank_id == first; });
    if (!mine) continue;
    LocalRanks local{.server = &server, .devices = server.devices};
    std::sort(local.devices.begin(), local.devices.end(),
              [](const RankTableDevice& a, const RankTableDevice& b) {
                return a.rank_id < b.rank_id;
              });
    for (int i = 0; i < static_cast<int>(local.devices.size()); ++i) {
      if (i >= npus_per_pod || local.devices[i].rank_id != first + i) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rank table: server \"", server.server_id, "\" must hold exactly ranks ", first,
            "..", first + npus_per_pod - 1, " (rank index ", rank_index, " x ", npus_per_pod,
            " NPUs per pod)"));
      }
    }
    if (static_cast<int>(local.devices.size()) != npus_per_pod) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rank table: server \"", server.server_id, "\" has ", local.devices.size(),
          " devices, the pod expects ", npus_per_pod));
    }
    return local;
  }
  return absl::InvalidArgumentError(absl::StrCat("rank table: no server holds rank ", first,
                                                 " (rank index ", rank_index, ")"));
}

}  // namespace flyover::worker
