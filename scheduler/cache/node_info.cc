#include "scheduler/cache/node_info.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kube/api/core/quantity.h"
#include "nlohmann/json.hpp"

namespace flyover::sched {
namespace {

int LabelInt(const std::map<std::string, std::string>& labels, absl::string_view key) {
  auto it = labels.find(std::string(key));
  if (it == labels.end()) return -1;
  absl::StatusOr<int> value = topology::ParseTopologyLabel(key, it->second);
  return value.ok() ? *value : -1;
}

int64_t QuantityOf(kube::JsonView quantity, bool milli) {
  if (quantity.is_missing()) return 0;
  std::string text = quantity.is_string() ? std::string(quantity.string_value())
                                          : absl::StrCat(quantity.int_value().value_or(0));
  absl::StatusOr<int64_t> value =
      milli ? kube::core::QuantityMilliValue(text) : kube::core::QuantityValue(text);
  return value.ok() && *value > 0 ? *value : 0;
}

std::optional<TaintEffect> ParseEffect(absl::string_view effect) {
  if (effect == "NoSchedule") return TaintEffect::kNoSchedule;
  if (effect == "NoExecute") return TaintEffect::kNoExecute;
  if (effect == "PreferNoSchedule") return TaintEffect::kPreferNoSchedule;
  return std::nullopt;
}

bool ConditionTrue(kube::JsonView conditions, absl::string_view type) {
  for (kube::JsonView condition : conditions.elements()) {
    if (condition["type"].string_value() == type) {
      return condition["status"].string_value() == "True";
    }
  }
  return false;
}

absl::StatusOr<topology::DieSet> DieList(const nlohmann::json& list, absl::string_view key) {
  auto it = list.find(std::string(key));
  if (it == list.end()) return topology::DieSet();
  if (!it->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("DeviceInfoCfg ", key, ": not a string"));
  }
  absl::StatusOr<topology::DieSet> dies =
      topology::DieSet::ParseDeviceNames(it->get<std::string>());
  if (!dies.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("DeviceInfoCfg ", key, ": ", dies.status().message()));
  }
  return dies;
}

}  // namespace

absl::StatusOr<NodeInfo> ParseNodeInfo(kube::JsonView node) {
  NodeInfo info;
  info.name = std::string(node["metadata"]["name"].string_value());
  if (info.name.empty()) return absl::InvalidArgumentError("node metadata.name: missing");
  for (const auto& [key, value] : node["metadata"]["labels"].members()) {
    info.labels.emplace(std::string(key), std::string(value.string_value()));
  }
  info.super_pod_id = LabelInt(info.labels, topology::kLabelSuperPodId);
  info.server_id = LabelInt(info.labels, topology::kLabelServerId);
  info.rack_id = LabelInt(info.labels, topology::kLabelRackId);
  kube::JsonView allocatable = node["status"]["allocatable"];
  info.allocatable.cpu_millis = QuantityOf(allocatable["cpu"], /*milli=*/true);
  info.allocatable.memory_bytes = QuantityOf(allocatable["memory"], false);
  info.allocatable.pods = QuantityOf(allocatable["pods"], false);
  info.allocatable.dies = std::min<int64_t>(QuantityOf(allocatable[topology::kResourceName], false),
                                            topology::kDiesPerNode);
  info.healthy =
      topology::DieSet::FromMask(static_cast<uint16_t>((1u << info.allocatable.dies) - 1));
  info.ready = ConditionTrue(node["status"]["conditions"], "Ready");
  info.unschedulable = node["spec"]["unschedulable"].bool_value();
  for (kube::JsonView taint : node["spec"]["taints"].elements()) {
    std::optional<TaintEffect> effect = ParseEffect(taint["effect"].string_value());
    if (!effect.has_value()) continue;
    info.taints.push_back({std::string(taint["key"].string_value()),
                           std::string(taint["value"].string_value()), *effect});
  }
  return info;
}

std::string DeviceInfoNodeName(absl::string_view namespace_, absl::string_view name) {
  if (namespace_ != kDeviceInfoNamespace || !absl::StartsWith(name, kDeviceInfoPrefix)) {
    return "";
  }
  return std::string(name.substr(kDeviceInfoPrefix.size()));
}

absl::StatusOr<topology::DieSet> ParseUnhealthyDies(kube::JsonView config_map) {
  kube::JsonView text = config_map["data"]["DeviceInfoCfg"];
  if (text.is_missing()) return topology::DieSet();
  nlohmann::json cfg = nlohmann::json::parse(text.string_value(), nullptr, false);
  if (cfg.is_discarded() || !cfg.is_object()) {
    return absl::InvalidArgumentError("data.DeviceInfoCfg: not a JSON object");
  }
  const nlohmann::json list = cfg["DeviceInfo"]["DeviceList"];
  if (!list.is_object()) {
    return absl::InvalidArgumentError("data.DeviceInfoCfg DeviceInfo.DeviceList: not an object");
  }
  const std::string resource(topology::kResourceName);
  absl::StatusOr<topology::DieSet> unhealthy = DieList(list, resource + "-Unhealthy");
  if (!unhealthy.ok()) return unhealthy.status();
  absl::StatusOr<topology::DieSet> network = DieList(list, resource + "-NetworkUnhealthy");
  if (!network.ok()) return network.status();
  return *unhealthy | *network;
}

}  // namespace flyover::sched
