#include "device-plugin/fault_publisher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/status.h"
#include "kube/api/core/object_codecs.h"
#include "kube/client/typed_client.h"
#include "openssl/evp.h"

namespace flyover::deviceplugin {
namespace {

using topology::DieSet;

std::string DeviceName(topology::DieId die) {
  return absl::StrCat(topology::kDeviceNamePrefix, die);
}

nlohmann::json FaultEntry(const DieStatus& status) {
  std::vector<std::string> codes;
  nlohmann::json times = nlohmann::json::object();
  for (const ActiveFault& fault : status.faults) {
    if (std::find(codes.begin(), codes.end(), fault.code) == codes.end()) {
      codes.push_back(fault.code);
    }
    times[fault.code] = {{"fault_time", absl::ToUnixMillis(fault.since)},
                         {"fault_level", std::string(FaultLevelName(fault.level))}};
  }
  const std::string level(FaultLevelName(status.WorstLevel()));
  return {{"fault_type", status.NetworkHealthy() ? "CardUnhealthy" : "CardNetworkUnhealthy"},
          {"npu_name", DeviceName(status.die)},
          {"large_model_fault_level", level},
          {"fault_level", level},
          {"fault_handling", level},
          {"fault_code", absl::StrJoin(codes, ",")},
          {"fault_time_and_level_map", times}};
}

bool SameFault(const ActiveFault& a, const ActiveFault& b) {
  return a.kind == b.kind && a.level == b.level;
}

void AddMissing(const DieStatus& from, const DieStatus* other, bool occurred,
                std::vector<FaultChange>* out) {
  for (const ActiveFault& fault : from.faults) {
    const bool present =
        other != nullptr && std::any_of(other->faults.begin(), other->faults.end(),
                                        [&](const ActiveFault& f) { return SameFault(f, fault); });
    if (!present) out->push_back({from.die, fault, occurred});
  }
}

}  // namespace

kube::core::ConfigMap BuildDeviceInfo(absl::string_view node_name,
                                      const NodeDescription& description,
                                      const std::vector<DieStatus>& statuses, absl::Time now) {
  DieSet healthy, unhealthy, network_unhealthy;
  nlohmann::json faults = nlohmann::json::array();
  for (const DieStatus& status : statuses) {
    (status.Healthy() ? healthy : unhealthy).Insert(status.die);
    if (!status.NetworkHealthy()) network_unhealthy.Insert(status.die);
    if (!status.faults.empty()) faults.push_back(FaultEntry(status));
  }
  const std::string resource(topology::kResourceName);
  nlohmann::json device_info = {
      {"DeviceInfo",
       {{"DeviceList",
         {{resource, healthy.ToDeviceNames()},
          {resource + "-Unhealthy", unhealthy.ToDeviceNames()},
          {resource + "-NetworkUnhealthy", network_unhealthy.ToDeviceNames()},
          {resource + "-Fault", faults.dump()}}},
        {"UpdateTime", absl::ToUnixSeconds(now)}}}};
  device_info["CheckCode"] = DeviceInfoCheckCode(device_info["DeviceInfo"]);
  kube::core::ConfigMap config_map;
  config_map.metadata.name = absl::StrCat(kDeviceInfoPrefix, node_name);
  config_map.metadata.namespace_ = std::string(kDeviceInfoNamespace);
  config_map.metadata.labels["app.kubernetes.io/managed-by"] = "flyover-device-plugin";
  config_map.data["DeviceInfoCfg"] = device_info.dump();
  config_map.data["SuperPodID"] = absl::StrCat(description.super_pod_id);
  config_map.data["ServerIndex"] = absl::StrCat(description.server_index);
  return config_map;
}

std::string DeviceInfoCheckCode(const nlohmann::json& device_info) {
  const std::string text = device_info.dump();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return "";
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::vector<FaultChange> DiffFaults(const std::vector<DieStatus>& before,
                                    const std::vector<DieStatus>& after) {
  auto find = [](const std::vector<DieStatus>& list, topology::DieId die) -> const DieStatus* {
    for (const DieStatus& status : list) {
      if (status.die == die) return &status;
    }
    return nullptr;
  };
  std::vector<FaultChange> changes;
  for (const DieStatus& status : after) AddMissing(status, find(before, status.die), true, &changes);
  for (const DieStatus& status : before) AddMissing(status, find(after, status.die), false, &changes);
  return changes;
}

FaultPublisher::FaultPublisher(NpuSource* source, kube::RestClient* client,
                               kube::EventRecorder* recorder, Clock* clock,
                               FaultPublisherOptions options)
    : source_(source), client_(client), recorder_(recorder), clock_(clock),
      options_(std::move(options)) {}

FaultPublisher::~FaultPublisher() { Stop(); }

absl::Status FaultPublisher::WriteConfigMap(const kube::core::ConfigMap& desired) {
  kube::TypedClient<kube::core::ConfigMap> config_maps(client_);
  absl::StatusOr<kube::core::ConfigMap> current =
      config_maps.Get(desired.metadata.namespace_, desired.metadata.name);
  if (absl::IsNotFound(current.status())) return config_maps.Create(desired).status();
  if (!current.ok()) return current.status();
  current->data = desired.data;
  current->metadata.labels = desired.metadata.labels;
  return config_maps.Update(*current).status();
}

absl::Status FaultPublisher::PublishOnce() {
  absl::MutexLock lock(&publish_mu_);
  std::vector<DieStatus> statuses = source_->Statuses();
  RETURN_IF_ERROR(WriteConfigMap(
      BuildDeviceInfo(options_.node_name, source_->description(), statuses, clock_->Now())));
  const kube::ObjectReference node{.api_version = "v1", .kind = "Node",
                                   .name = options_.node_name};
  for (const FaultChange& change : DiffFaults(published_, statuses)) {
    const absl::string_view assertion = change.occurred ? "Occur" : "Recovery";
    recorder_->Event(
        node, change.occurred ? kube::EventType::kWarning : kube::EventType::kNormal, assertion,
        absl::StrCat("device fault, nodeName:", options_.node_name, ", assertion:", assertion,
                     ", deviceID:", change.die, ", faultCodes:", change.fault.code,
                     ", faultLevelName:", FaultLevelName(change.fault.level),
                     ", alarmRaisedTime:",
                     absl::FormatTime("%Y-%m-%d %H:%M:%S", change.fault.since,
                                      absl::UTCTimeZone())));
  }
  published_ = std::move(statuses);
  return absl::OkStatus();
}

void FaultPublisher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void FaultPublisher::Loop() {
  uint64_t seen = 0;
  absl::Time last = absl::InfinitePast();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    const uint64_t now = source_->WaitForChange(seen, options_.poll);
    if (now == seen && absl::Now() - last < options_.resync) continue;
    absl::Status status = PublishOnce();
    if (!status.ok()) {
      log::Warn("publishing NPU faults failed; retrying", {{"error", status}});
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.poll);
      continue;
    }
    seen = now;
    last = absl::Now();
  }
}

void FaultPublisher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace flyover::deviceplugin
