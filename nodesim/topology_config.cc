#include "nodesim/topology_config.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"
#include "kube/api/yaml.h"
#include "nlohmann/json.hpp"

namespace flyover::nodesim {
namespace {

using nlohmann::json;

absl::Status AppendSuperPod(int id, int nodes, PodMode mode, std::vector<SimNodeSpec>* out) {
  for (int i = 0; i < nodes; ++i) {
    out->push_back({.name = SimNodeName(id, i),
                    .super_pod_id = id,
                    .rack_id = i / kNodesPerRack,
                    .server_id = i,
                    .mode = mode});
  }
  if (out->size() > static_cast<size_t>(kMaxNodes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("topology: ", out->size(), " nodes exceed the limit of ", kMaxNodes));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> NonNegativeInt(const json& object, absl::string_view key,
                                   absl::string_view path, int fallback) {
  auto it = object.find(std::string(key));
  if (it == object.end()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > kMaxNodes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, key, ": must be an integer from 0 to ", kMaxNodes, ", got ", it->dump()));
  }
  return it->get<int>();
}

absl::StatusOr<PodMode> ModeOf(const json& object, absl::string_view path, PodMode fallback) {
  auto it = object.find("mode");
  if (it == object.end()) return fallback;
  std::string field = absl::StrCat(path, "mode");
  if (!it->is_string()) return absl::InvalidArgumentError(field + ": must be a string");
  return ParsePodMode(it->get<std::string>(), field);
}

absl::Status AppendListed(const json& list, PodMode mode, std::vector<SimNodeSpec>* out) {
  if (!list.is_array()) return absl::InvalidArgumentError("superPodList: must be a list");
  std::set<int> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string path = absl::StrCat("superPodList[", i, "].");
    if (!list[i].is_object()) return absl::InvalidArgumentError(path + ": must be a mapping");
    ASSIGN_OR_RETURN(int id, NonNegativeInt(list[i], "id", path, static_cast<int>(i)));
    ASSIGN_OR_RETURN(int nodes, NonNegativeInt(list[i], "nodes", path, -1));
    if (nodes < 1) return absl::InvalidArgumentError(path + "nodes: required, at least 1");
    ASSIGN_OR_RETURN(PodMode sp_mode, ModeOf(list[i], path, mode));
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, "id: super-pod ", id, " listed twice"));
    }
    RETURN_IF_ERROR(AppendSuperPod(id, nodes, sp_mode, out));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PodMode> ParsePodMode(absl::string_view text, absl::string_view field) {
  if (text == "simulated") return PodMode::kSimulated;
  if (text == "process") return PodMode::kProcess;
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": must be \"simulated\" or \"process\", got \"", text, "\""));
}

absl::string_view PodModeName(PodMode mode) {
  return mode == PodMode::kProcess ? "process" : "simulated";
}

std::string SimNodeName(int super_pod_id, int index) {
  return absl::StrFormat("sp%d-node%02d", super_pod_id, index);
}

absl::StatusOr<std::vector<SimNodeSpec>> TopologyFromCounts(int super_pods,
                                                            int nodes_per_super_pod,
                                                            PodMode mode) {
  if (super_pods < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("super-pods: must be at least 1, got ", super_pods));
  }
  if (nodes_per_super_pod < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("nodes-per-super-pod: must be at least 1, got ", nodes_per_super_pod));
  }
  if (static_cast<int64_t>(super_pods) * nodes_per_super_pod > kMaxNodes) {
    return absl::InvalidArgumentError(absl::StrCat("topology: ", super_pods, " x ",
                                                   nodes_per_super_pod, " nodes exceed the limit of ",
                                                   kMaxNodes));
  }
  std::vector<SimNodeSpec> nodes;
  for (int sp = 0; sp < super_pods; ++sp) {
    RETURN_IF_ERROR(AppendSuperPod(sp, nodes_per_super_pod, mode, &nodes));
  }
  return nodes;
}

absl::StatusOr<std::vector<SimNodeSpec>> ParseTopologyYaml(absl::string_view text) {
  ASSIGN_OR_RETURN(std::vector<json> docs, kube::ParseYamlDocuments(text));
  if (docs.size() != 1 || !docs[0].is_object()) {
    return absl::InvalidArgumentError("topology: must be one YAML mapping");
  }
  const json& doc = docs[0];
  for (const auto& [key, value] : doc.items()) {
    if (key != "mode" && key != "superPods" && key != "nodesPerSuperPod" &&
        key != "superPodList") {
      return absl::InvalidArgumentError(absl::StrCat(key, ": unknown field"));
    }
  }
  ASSIGN_OR_RETURN(PodMode mode, ModeOf(doc, "", PodMode::kSimulated));
  if (doc.contains("superPodList")) {
    if (doc.contains("superPods") || doc.contains("nodesPerSuperPod")) {
      return absl::InvalidArgumentError(
          "superPodList: give either superPodList or superPods/nodesPerSuperPod, not both");
    }
    std::vector<SimNodeSpec> nodes;
    RETURN_IF_ERROR(AppendListed(doc["superPodList"], mode, &nodes));
    if (nodes.empty()) return absl::InvalidArgumentError("superPodList: must not be empty");
    return nodes;
  }
  ASSIGN_OR_RETURN(int super_pods, NonNegativeInt(doc, "superPods", "", 0));
  ASSIGN_OR_RETURN(int per_super_pod, NonNegativeInt(doc, "nodesPerSuperPod", "", 48));
  return TopologyFromCounts(super_pods, per_super_pod, mode);
}

}  // namespace flyover::nodesim
