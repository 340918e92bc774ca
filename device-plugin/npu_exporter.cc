#include "device-plugin/npu_exporter.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace flyover::deviceplugin {
namespace {

constexpr double kBytesPerMb = 1024.0 * 1024.0;

const char* const kPerDieMetrics[][2] = {
    {"npu_chip_info_health_status", "Whether the die is healthy (1) or out of service (0)."},
    {"npu_chip_info_error_code", "The first active fault code of the die, 0 if none."},
    {"npu_chip_info_utilization", "AI core utilisation of the die, percent."},
    {"npu_chip_info_hbm_total_memory", "HBM of the die, MB."},
    {"npu_chip_info_hbm_used_memory", "HBM in use on the die, MB."},
    {"npu_chip_info_temperature", "Die temperature, degrees Celsius."},
    {"npu_chip_info_power", "Die power draw, watts."},
    {"npu_chip_info_hbm_ecc_single_bit_error_cnt", "Corrected HBM ECC errors."},
    {"npu_chip_info_hbm_ecc_double_bit_error_cnt", "Uncorrectable HBM ECC errors."},
    {"npu_chip_info_network_status", "Parameter-plane network of the die: 1 ok, 0 faulty."},
    {"npu_chip_info_link_status", "Network link of the die: 1 up, 0 down."},
};

}  // namespace

NpuExporter::NpuExporter(NpuDevicePlugin* plugin, prometheus::Registry* registry,
                         absl::Duration poll, absl::Duration resync)
    : plugin_(plugin), poll_(poll), resync_(resync) {
  Define(registry, "machine_npu_nums", "NPU dies on this node.");
  for (const auto& metric : kPerDieMetrics) Define(registry, metric[0], metric[1]);
}

NpuExporter::~NpuExporter() { Stop(); }

NpuExporter::Family* NpuExporter::Define(prometheus::Registry* registry, const std::string& name,
                                         const std::string& help) {
  Family* family = &prometheus::BuildGauge().Name(name).Help(help).Register(*registry);
  families_[name] = family;
  return family;
}

void NpuExporter::Set(Family* family, const prometheus::Labels& labels, double value) {
  prometheus::Gauge* gauge = &family->Add(labels);
  gauge->Set(value);
  series_.emplace_back(family, gauge);
}

void NpuExporter::Refresh() {
  NpuSource* source = plugin_->source();
  const std::vector<DieStatus> statuses = source->Statuses();
  const std::vector<DieTelemetry> telemetry = source->Telemetry();
  const std::map<topology::DieId, Holder> holders = plugin_->Allocations();
  const std::string model = absl::StrCat("Ascend", source->description().chip_name);
  absl::MutexLock lock(&mu_);
  for (auto& [family, gauge] : series_) family->Remove(gauge);
  series_.clear();
  Set(families_["machine_npu_nums"], {}, static_cast<double>(statuses.size()));
  for (size_t i = 0; i < statuses.size() && i < telemetry.size(); ++i) {
    const DieStatus& status = statuses[i];
    const DieTelemetry& t = telemetry[i];
    auto holder = holders.find(status.die);
    const Holder none;
    const Holder& h = holder == holders.end() ? none : holder->second;
    const prometheus::Labels labels = {{"id", absl::StrCat(status.die)}, {"model_name", model},
                                       {"pod_name", h.pod}, {"namespace", h.namespace_},
                                       {"container_name", h.container}};
    const double code =
        status.faults.empty() ? 0 : std::strtoull(status.faults[0].code.c_str(), nullptr, 16);
    const double values[] = {status.Healthy() ? 1.0 : 0.0, code, t.utilization_percent,
                             t.hbm_total_bytes / kBytesPerMb, t.hbm_used_bytes / kBytesPerMb,
                             t.temperature_celsius, t.power_watts,
                             static_cast<double>(t.ecc_single_bit_errors),
                             static_cast<double>(t.ecc_double_bit_errors),
                             status.NetworkHealthy() ? 1.0 : 0.0, t.link_up ? 1.0 : 0.0};
    for (size_t m = 0; m < std::size(kPerDieMetrics); ++m) {
      Set(families_[kPerDieMetrics[m][0]], labels, values[m]);
    }
  }
}

void NpuExporter::Start() {
  Refresh();
  thread_ = std::thread([this] {
    uint64_t seen = plugin_->source()->generation();
    absl::Time last = absl::Now();
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
      }
      const uint64_t now = plugin_->source()->WaitForChange(seen, poll_);
      if (now == seen && absl::Now() - last < resync_) continue;
      seen = now;
      last = absl::Now();
      Refresh();
    }
  });
}

void NpuExporter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace flyover::deviceplugin
