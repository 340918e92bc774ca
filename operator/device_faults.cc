// DeviceInfoHandler and DeviceFaults (device_health.h).
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "operator/device_health.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

std::string PodField(const nlohmann::json& pod, const char* section, const char* key) {
  if (!pod.contains(section) || !pod[section].is_object()) return "";
  const nlohmann::json& object = pod[section];
  return object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

std::string DiesOf(const nlohmann::json& pod) {
  if (!pod.contains("metadata")) return "";
  return PodField(pod["metadata"], "annotations", "huawei.com/Ascend910");
}

kube::FaultRecord DieFaultRecord(const nlohmann::json& pod, const std::string& node,
                                 int32_t rank, const std::string& die, const DieFault* fault,
                                 absl::Time now) {
  kube::FaultRecord record;
  record.fault_class = kFaultDeviceFault;
  record.pod = PodField(pod, "metadata", "name");
  record.node = node;
  record.rank = rank;
  record.message = absl::StrCat("die ", die, " on node ", node, " is unhealthy");
  if (fault != nullptr && !fault->codes.empty()) {
    absl::StrAppend(&record.message, " (fault codes ", fault->codes, ")");
  }
  record.detected_at = now;
  if (fault != nullptr && fault->since.has_value()) {
    record.detection_millis = std::max<int64_t>(0, absl::ToInt64Milliseconds(now - *fault->since));
  }
  return record;
}

class Handler final : public kube::ResourceEventHandler {
 public:
  Handler(DeviceHealth* health, std::function<void()> on_change)
      : health_(health), on_change_(std::move(on_change)) {}

  void OnAdd(const kube::ObjectPtr& object, bool) override { Apply(object); }
  void OnUpdate(const kube::ObjectPtr&, const kube::ObjectPtr& object) override { Apply(object); }
  void OnDelete(const kube::ObjectPtr& object, bool) override {
    absl::StatusOr<NodeDeviceReport> report = ParseDeviceInfo(object->ToJson());
    if (report.ok() && health_->Remove(report->node)) Changed();
  }

 private:
  void Apply(const kube::ObjectPtr& object) {
    absl::StatusOr<NodeDeviceReport> report = ParseDeviceInfo(object->ToJson());
    if (absl::IsNotFound(report.status())) return;  // another ConfigMap
    if (!report.ok()) {
      log::Warn("ignoring a malformed device report", {{"error", report.status().ToString()}});
      return;
    }
    if (health_->Update(std::move(*report))) Changed();
  }
  void Changed() {
    if (on_change_) on_change_();
  }

  DeviceHealth* const health_;
  const std::function<void()> on_change_;
};

}  // namespace

std::shared_ptr<kube::ResourceEventHandler> DeviceInfoHandler(DeviceHealth* health,
                                                              std::function<void()> on_change) {
  return std::make_shared<Handler>(health, std::move(on_change));
}

std::vector<kube::FaultRecord> DeviceFaults(const std::map<int32_t, nlohmann::json>& pods,
                                            int32_t npus_per_replica, const DeviceHealth& health,
                                            absl::Time now) {
  std::vector<kube::FaultRecord> faults;
  for (const auto& [rank_index, pod] : pods) {
    const std::string node = PodField(pod, "spec", "nodeName");
    if (node.empty()) continue;
    std::optional<NodeDeviceReport> report = health.Node(node);
    if (!report.has_value() || report->unhealthy.empty()) continue;
    int32_t local = 0;
    for (absl::string_view entry : absl::StrSplit(DiesOf(pod), ',', absl::SkipWhitespace())) {
      const std::string die(absl::StripAsciiWhitespace(entry));
      const int32_t rank = rank_index * npus_per_replica + local++;
      if (!report->unhealthy.contains(die)) continue;
      auto fault = report->faults.find(die);
      faults.push_back(DieFaultRecord(pod, node, rank, die,
                                      fault == report->faults.end() ? nullptr : &fault->second,
                                      now));
    }
  }
  return faults;
}

}  // namespace flyover::op
