// ParseRankTable: the strict reader of rank_table.h. Every error names the field's path.
#include <set>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "nlohmann/json.hpp"
#include "worker/ranktable/rank_table.h"

namespace flyover::worker {
namespace {

using nlohmann::json;

absl::Status FieldError(absl::string_view path, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("rank table: ", path, ": ", reason));
}

std::string Join(absl::string_view parent, absl::string_view key) {
  return parent.empty() ? std::string(key) : absl::StrCat(parent, ".", key);
}

absl::StatusOr<const json*> Field(const json& object, absl::string_view parent,
                                  const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return FieldError(Join(parent, key), "required field is missing");
  return &*it;
}

absl::StatusOr<std::string> StringField(const json& object, absl::string_view parent,
                                        const char* key) {
  ASSIGN_OR_RETURN(const json* value, Field(object, parent, key));
  if (!value->is_string()) return FieldError(Join(parent, key), "must be a string");
  return value->get<std::string>();
}

// Ids and counts: JSON strings holding a non-negative decimal integer.
absl::StatusOr<int> IntStringField(const json& object, absl::string_view parent,
                                   const char* key) {
  ASSIGN_OR_RETURN(std::string text, StringField(object, parent, key));
  int number = 0;
  if (!absl::SimpleAtoi(text, &number) || number < 0) {
    return FieldError(Join(parent, key),
                      absl::StrCat("must be a non-negative integer in a string, got \"", text,
                                   "\""));
  }
  return number;
}

absl::StatusOr<const json*> ArrayField(const json& object, absl::string_view parent,
                                       const char* key) {
  ASSIGN_OR_RETURN(const json* value, Field(object, parent, key));
  if (!value->is_array()) return FieldError(Join(parent, key), "must be an array");
  return value;
}

absl::Status RequireObject(const json& value, absl::string_view path) {
  if (!value.is_object()) return FieldError(path.empty() ? "<root>" : path, "must be an object");
  return absl::OkStatus();
}

absl::StatusOr<RankTableDevice> ParseDevice(const json& value, const std::string& path,
                                            RankTableVersion version) {
  RETURN_IF_ERROR(RequireObject(value, path));
  RankTableDevice device;
  ASSIGN_OR_RETURN(device.device_id, IntStringField(value, path, "device_id"));
  ASSIGN_OR_RETURN(device.device_ip, StringField(value, path, "device_ip"));
  ASSIGN_OR_RETURN(device.rank_id, IntStringField(value, path, "rank_id"));
  if (version == RankTableVersion::kV1_2) {
    ASSIGN_OR_RETURN(device.super_device_id, IntStringField(value, path, "super_device_id"));
  }
  return device;
}

absl::StatusOr<RankTableServer> ParseServer(const json& value, const std::string& path,
                                            RankTableVersion version) {
  RETURN_IF_ERROR(RequireObject(value, path));
  RankTableServer server;
  ASSIGN_OR_RETURN(server.server_id, StringField(value, path, "server_id"));
  ASSIGN_OR_RETURN(server.host_ip, StringField(value, path, "host_ip"));
  ASSIGN_OR_RETURN(server.container_ip, StringField(value, path, "container_ip"));
  ASSIGN_OR_RETURN(const json* devices, ArrayField(value, path, "device"));
  if (devices->empty()) return FieldError(Join(path, "device"), "must not be empty");
  for (size_t i = 0; i < devices->size(); ++i) {
    ASSIGN_OR_RETURN(RankTableDevice device,
                     ParseDevice((*devices)[i], absl::StrCat(path, ".device[", i, "]"), version));
    server.devices.push_back(device);
  }
  return server;
}

absl::StatusOr<RankTableSuperPod> ParseSuperPod(const json& value, const std::string& path,
                                                const std::set<std::string>& known_servers) {
  RETURN_IF_ERROR(RequireObject(value, path));
  RankTableSuperPod pod;
  ASSIGN_OR_RETURN(pod.super_pod_id, StringField(value, path, "super_pod_id"));
  ASSIGN_OR_RETURN(const json* servers, ArrayField(value, path, "server_list"));
  for (size_t i = 0; i < servers->size(); ++i) {
    const std::string server_path = absl::StrCat(path, ".server_list[", i, "]");
    RETURN_IF_ERROR(RequireObject((*servers)[i], server_path));
    ASSIGN_OR_RETURN(std::string id, StringField((*servers)[i], server_path, "server_id"));
    if (!known_servers.count(id)) {
      return FieldError(Join(server_path, "server_id"),
                        absl::StrCat("\"", id, "\" is not in the top-level server_list"));
    }
    pod.server_ids.push_back(std::move(id));
  }
  return pod;
}

// Rank ids are exactly 0..N-1, each once. Server ids may repeat: it is the node's address,
// shared by pods on one node (each pod is its own server_list entry).
absl::Status CheckRanks(const RankTable& table) {
  const int world = table.WorldSize();
  std::set<int> seen;
  for (size_t s = 0; s < table.servers.size(); ++s) {
    const auto& devices = table.servers[s].devices;
    for (size_t d = 0; d < devices.size(); ++d) {
      const std::string path = absl::StrCat("server_list[", s, "].device[", d, "].rank_id");
      if (devices[d].rank_id >= world) {
        return FieldError(path, absl::StrCat(devices[d].rank_id, " is not below the world size ",
                                             world));
      }
      if (!seen.insert(devices[d].rank_id).second) {
        return FieldError(path, absl::StrCat("duplicate rank ", devices[d].rank_id));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RankTableStatus> ParseStatus(const json& root) {
  ASSIGN_OR_RETURN(std::string status, StringField(root, "", "status"));
  if (status == "completed") return RankTableStatus::kCompleted;
  if (status == "initializing") return RankTableStatus::kInitializing;
  return FieldError("status",
                    absl::StrCat("must be \"initializing\" or \"completed\", got \"", status, "\""));
}

absl::StatusOr<RankTableVersion> ParseVersion(const json& root) {
  ASSIGN_OR_RETURN(std::string version, StringField(root, "", "version"));
  if (version == "1.0") return RankTableVersion::kV1_0;
  if (version == "1.2") return RankTableVersion::kV1_2;
  return FieldError("version", absl::StrCat("must be \"1.0\" or \"1.2\", got \"", version, "\""));
}

absl::Status ParseServers(const json& root, RankTable& table) {
  ASSIGN_OR_RETURN(const int server_count, IntStringField(root, "", "server_count"));
  ASSIGN_OR_RETURN(const json* servers, ArrayField(root, "", "server_list"));
  if (static_cast<size_t>(server_count) != servers->size()) {
    return FieldError("server_count", absl::StrCat("is ", server_count, " but server_list has ",
                                                   servers->size(), " entries"));
  }
  if (servers->empty()) return FieldError("server_list", "must not be empty");
  for (size_t i = 0; i < servers->size(); ++i) {
    ASSIGN_OR_RETURN(RankTableServer server, ParseServer((*servers)[i],
                                                         absl::StrCat("server_list[", i, "]"),
                                                         table.version));
    table.servers.push_back(std::move(server));
  }
  return absl::OkStatus();
}

absl::Status ParseSuperPods(const json& root, RankTable& table) {
  std::set<std::string> known;
  for (const RankTableServer& server : table.servers) known.insert(server.server_id);
  ASSIGN_OR_RETURN(const json* pods, ArrayField(root, "", "super_pod_list"));
  for (size_t i = 0; i < pods->size(); ++i) {
    ASSIGN_OR_RETURN(RankTableSuperPod pod,
                     ParseSuperPod((*pods)[i], absl::StrCat("super_pod_list[", i, "]"), known));
    table.super_pods.push_back(std::move(pod));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RankTable> ParseRankTable(absl::string_view text) {
  json root = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return absl::InvalidArgumentError("rank table: not valid JSON");
  RETURN_IF_ERROR(RequireObject(root, ""));
  RankTable table;
  ASSIGN_OR_RETURN(table.status, ParseStatus(root));
  if (table.status == RankTableStatus::kInitializing && !root.contains("server_list")) {
    return table;
  }
  ASSIGN_OR_RETURN(table.version, ParseVersion(root));
  RETURN_IF_ERROR(ParseServers(root, table));
  if (table.version == RankTableVersion::kV1_2) RETURN_IF_ERROR(ParseSuperPods(root, table));
  RETURN_IF_ERROR(CheckRanks(table));
  return table;
}

}  // namespace flyover::worker
