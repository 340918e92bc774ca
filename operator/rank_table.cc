#include "operator/rank_table.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/topology.h"

namespace flyover::op {
namespace {

std::string Label(const nlohmann::json& object, absl::string_view key) {
  const nlohmann::json labels =
      object.value("metadata", nlohmann::json::object()).value("labels", nlohmann::json::object());
  return labels.is_object() ? labels.value(std::string(key), "") : "";
}

std::string Annotation(const nlohmann::json& object, absl::string_view key) {
  const nlohmann::json annotations = object.value("metadata", nlohmann::json::object())
                                         .value("annotations", nlohmann::json::object());
  return annotations.is_object() ? annotations.value(std::string(key), "") : "";
}

std::string InternalIp(const nlohmann::json& node) {
  const nlohmann::json addresses =
      node.value("status", nlohmann::json::object()).value("addresses", nlohmann::json::array());
  if (!addresses.is_array()) return "";
  for (const nlohmann::json& address : addresses) {
    if (address.value("type", "") == "InternalIP") return address.value("address", "");
  }
  return "";
}

// The device_ip and super_device_id of `die`: the device-plugin annotation's, else derived.
std::pair<std::string, int32_t> DeviceAddress(const RankTablePod& pod, int32_t die) {
  std::string ip = DerivedDeviceIp(die);
  int32_t super_id = DerivedSuperDeviceId(pod.node.server_index, die);
  if (pod.device_config.is_object() && pod.device_config.contains("devices") &&
      pod.device_config["devices"].is_array()) {
    for (const nlohmann::json& device : pod.device_config["devices"]) {
      if (device.value("device_id", "") != absl::StrCat(die)) continue;
      ip = device.value("device_ip", ip);
      int32_t parsed = 0;
      if (absl::SimpleAtoi(device.value("super_device_id", ""), &parsed)) super_id = parsed;
    }
  }
  return {ip, super_id};
}

nlohmann::json ServerEntry(const RankTablePod& pod, int32_t npus, bool v12) {
  nlohmann::json devices = nlohmann::json::array();
  for (size_t local = 0; local < pod.dies.size(); ++local) {
    const int32_t die = pod.dies[local];
    const auto [ip, super_id] = DeviceAddress(pod, die);
    nlohmann::json device = {
        {"device_id", absl::StrCat(die)},
        {"device_ip", ip},
        {"rank_id", absl::StrCat(pod.rank_index * npus + static_cast<int32_t>(local))}};
    if (v12) device["super_device_id"] = absl::StrCat(super_id);
    devices.push_back(std::move(device));
  }
  return {{"server_id", pod.node.ip},
          {"host_ip", pod.node.ip},
          {"container_ip", pod.ip.empty() ? pod.node.ip : pod.ip},
          {"device", std::move(devices)}};
}

nlohmann::json SuperPodList(const std::vector<RankTablePod>& pods) {
  std::map<std::string, std::vector<std::string>> servers_by_super_pod;
  std::set<std::pair<std::string, std::string>> seen;
  for (const RankTablePod& pod : pods) {
    if (seen.insert({pod.node.super_pod_id, pod.node.ip}).second) {
      servers_by_super_pod[pod.node.super_pod_id].push_back(pod.node.ip);
    }
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [super_pod, servers] : servers_by_super_pod) {
    nlohmann::json server_list = nlohmann::json::array();
    for (const std::string& server : servers) server_list.push_back({{"server_id", server}});
    list.push_back({{"super_pod_id", super_pod}, {"server_list", std::move(server_list)}});
  }
  return list;
}

absl::Status CheckMembers(const std::vector<RankTablePod>& pods, int32_t replicas, int32_t npus) {
  if (static_cast<int32_t>(pods.size()) != replicas) {
    return absl::InvalidArgumentError(
        absl::StrCat("pods: have ", pods.size(), " bound pods, want ", replicas));
  }
  for (int32_t i = 0; i < replicas; ++i) {
    if (pods[i].rank_index != i) {
      return absl::InvalidArgumentError(absl::StrCat("pods: rank index ", i, " is missing"));
    }
    if (static_cast<int32_t>(pods[i].dies.size()) != npus) {
      return absl::InvalidArgumentError(absl::StrCat("pods[", i, "] (", pods[i].name, "): has ",
                                                     pods[i].dies.size(), " dies, want ", npus));
    }
  }
  return absl::OkStatus();
}

}  // namespace

RankTableNode RankTableNodeFrom(const nlohmann::json& node) {
  RankTableNode out;
  out.name = node.value("metadata", nlohmann::json::object()).value("name", "");
  out.ip = InternalIp(node);
  if (out.ip.empty()) out.ip = out.name;
  out.super_pod_id = Label(node, topology::kLabelSuperPodId);
  int32_t server = 0;
  if (absl::SimpleAtoi(Label(node, topology::kLabelServerId), &server)) out.server_index = server;
  out.super_pod_node =
      Label(node, topology::kLabelAcceleratorType) == topology::kAcceleratorTypeA3SuperPod;
  return out;
}

absl::StatusOr<std::optional<RankTablePod>> RankTablePodFrom(const nlohmann::json& pod,
                                                             const nlohmann::json& node) {
  const std::string node_name = pod.value("spec", nlohmann::json::object()).value("nodeName", "");
  const std::string devices = Annotation(pod, topology::kAnnotationDevices);
  if (node_name.empty() || devices.empty()) return std::nullopt;
  RankTablePod out;
  out.name = pod["metadata"].value("name", "");
  const std::string rank = Annotation(pod, topology::kAnnotationRankIndex);
  if (!absl::SimpleAtoi(rank, &out.rank_index) || out.rank_index < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metadata.annotations[hccl/rankIndex]: Invalid value: \"", rank, "\" on pod ", out.name));
  }
  absl::StatusOr<topology::DieSet> dies = topology::DieSet::ParseDeviceNames(devices);
  if (!dies.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metadata.annotations[huawei.com/Ascend910] of pod ", out.name, ": ",
                     dies.status().message()));
  }
  for (topology::DieId die : dies->ToVector()) out.dies.push_back(die);
  out.ip = pod.value("status", nlohmann::json::object()).value("podIP", "");
  const std::string config = Annotation(pod, kDeviceConfigAnnotation);
  if (!config.empty()) out.device_config = nlohmann::json::parse(config, nullptr, false);
  out.node = RankTableNodeFrom(node);
  return out;
}

absl::StatusOr<nlohmann::json> BuildRankTable(std::vector<RankTablePod> pods, int32_t replicas,
                                              int32_t npus_per_replica) {
  std::sort(pods.begin(), pods.end(), [](const RankTablePod& a, const RankTablePod& b) {
    return a.rank_index < b.rank_index;
  });
  if (absl::Status status = CheckMembers(pods, replicas, npus_per_replica); !status.ok()) {
    return status;
  }
  const bool v12 = std::all_of(pods.begin(), pods.end(),
                               [](const RankTablePod& pod) { return pod.node.super_pod_node; });
  nlohmann::json servers = nlohmann::json::array();
  for (const RankTablePod& pod : pods) servers.push_back(ServerEntry(pod, npus_per_replica, v12));
  nlohmann::json table = {{"status", "completed"},
                          {"version", v12 ? "1.2" : "1.0"},
                          {"server_count", absl::StrCat(pods.size())},
                          {"server_list", std::move(servers)}};
  if (v12) table["super_pod_list"] = SuperPodList(pods);
  return table;
}

nlohmann::json InitializingRankTable() {
  return {{"status", "initializing"},
          {"version", "1.0"},
          {"server_count", "0"},
          {"server_list", nlohmann::json::array()}};
}

std::string DerivedDeviceIp(int32_t die) { return absl::StrCat("192.168.100.", 100 + die); }

int32_t DerivedSuperDeviceId(int32_t server_index, int32_t die) {
  return server_index * topology::kDiesPerNode + die;
}

}  // namespace flyover::op
