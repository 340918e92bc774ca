#include "operator/device_health.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace flyover::op {
namespace {

constexpr char kResource[] = "huawei.com/Ascend910";

std::set<std::string> DeviceNames(const std::string& list) {
  std::set<std::string> names;
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    names.insert(std::string(absl::StripAsciiWhitespace(name)));
  }
  return names;
}

// The faulty dies of a huawei.com/Ascend910-Fault list (a JSON string).
absl::StatusOr<std::map<std::string, DieFault>> ParseFaultList(const std::string& text) {
  std::map<std::string, DieFault> faults;
  if (text.empty()) return faults;
  const nlohmann::json list = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!list.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("data.DeviceInfoCfg.DeviceInfo.DeviceList.", kResource,
                     "-Fault: is not a JSON list"));
  }
  for (const nlohmann::json& entry : list) {
    if (!entry.is_object() || !entry.value("npu_name", nlohmann::json()).is_string()) continue;
    DieFault& fault = faults[entry["npu_name"].get<std::string>()];
    const nlohmann::json codes = entry.value("fault_code", nlohmann::json());
    if (codes.is_string()) fault.codes = codes.get<std::string>();
    const nlohmann::json times = entry.value("fault_time_and_level_map", nlohmann::json());
    if (!times.is_object()) continue;
    for (const auto& [code, detail] : times.items()) {
      if (!detail.is_object() || !detail.value("fault_time", nlohmann::json()).is_number()) {
        continue;
      }
      const absl::Time since = absl::FromUnixMillis(detail["fault_time"].get<int64_t>());
      fault.since = std::min(fault.since.value_or(since), since);
    }
  }
  return faults;
}

std::string StringAt(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

}  // namespace

absl::StatusOr<NodeDeviceReport> ParseDeviceInfo(const nlohmann::json& config_map) {
  const nlohmann::json metadata = config_map.value("metadata", nlohmann::json::object());
  const std::string name = StringAt(metadata, "name");
  if (StringAt(metadata, "namespace") != kDeviceInfoNamespace ||
      !absl::StartsWith(name, kDeviceInfoPrefix)) {
    return absl::NotFoundError(absl::StrCat("metadata.name: ", name, " is not a device report"));
  }
  NodeDeviceReport report{.node = name.substr(std::char_traits<char>::length(kDeviceInfoPrefix))};
  const std::string text = StringAt(config_map.value("data", nlohmann::json::object()),
                                    "DeviceInfoCfg");
  const nlohmann::json cfg = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const nlohmann::json* list = nullptr;
  if (cfg.is_object() && cfg.contains("DeviceInfo") && cfg["DeviceInfo"].is_object() &&
      cfg["DeviceInfo"].contains("DeviceList") && cfg["DeviceInfo"]["DeviceList"].is_object()) {
    list = &cfg["DeviceInfo"]["DeviceList"];
  }
  if (list == nullptr) {
    return absl::InvalidArgumentError(
        "data.DeviceInfoCfg: is not a JSON object with DeviceInfo.DeviceList");
  }
  report.unhealthy = DeviceNames(StringAt(*list, "huawei.com/Ascend910-Unhealthy"));
  absl::StatusOr<std::map<std::string, DieFault>> faults =
      ParseFaultList(StringAt(*list, "huawei.com/Ascend910-Fault"));
  if (!faults.ok()) return faults.status();
  report.faults = std::move(*faults);
  return report;
}

bool DeviceHealth::Update(NodeDeviceReport report) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(report.node);
  const bool changed = it == nodes_.end() ? !report.unhealthy.empty()
                                          : it->second.unhealthy != report.unhealthy;
  const std::string node = report.node;
  nodes_[node] = std::move(report);
  return changed;
}

bool DeviceHealth::Remove(const std::string& node) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return false;
  const bool had_unhealthy = !it->second.unhealthy.empty();
  nodes_.erase(it);
  return had_unhealthy;
}

std::optional<NodeDeviceReport> DeviceHealth::Node(const std::string& node) const {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return std::nullopt;
  return it->second;
}

}  // namespace flyover::op
