#include "device-plugin/npu_exporter.h"

#include "device-plugin/fake_npu_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(NpuExporterTest, ExportsNpuExporterNamesWithPodLabels) {
  FakeNpuSource source;
  source.SetTelemetry({.die = 2, .temperature_celsius = 41, .power_watts = 300,
                       .hbm_total_bytes = int64_t{64} << 30, .ecc_double_bit_errors = 1,
                       .link_up = false});
  source.SetHealthy(2, false);
  NpuDevicePlugin plugin(&source, nullptr);
  v1beta1::AllocateRequest request;
  request.add_container_requests()->add_devices_ids("Ascend910-5");
  ASSERT_TRUE(plugin.Allocate(request).ok());
  prometheus::Registry registry;
  NpuExporter exporter(&plugin, &registry);
  exporter.Refresh();
  const std::string text = Scrape(registry);
  EXPECT_THAT(text, HasSubstr("machine_npu_nums 16"));
  const std::string die2 =
      R"({container_name="",id="2",model_name="Ascend910C",namespace="",pod_name=""})";
  EXPECT_THAT(text, HasSubstr("npu_chip_info_health_status" + die2 + " 0"));
  EXPECT_THAT(text, HasSubstr("npu_chip_info_error_code" + die2 + " 2162263042"));  // 0x80E18402
  EXPECT_THAT(text, HasSubstr("npu_chip_info_hbm_total_memory" + die2 + " 65536"));
  EXPECT_THAT(text, HasSubstr("npu_chip_info_temperature" + die2 + " 41"));
  EXPECT_THAT(text, HasSubstr("npu_chip_info_hbm_ecc_double_bit_error_cnt" + die2 + " 1"));
  EXPECT_THAT(text, HasSubstr("npu_chip_info_link_status" + die2 + " 0"));
  EXPECT_THAT(text, HasSubstr("npu_chip_info_health_status{container_name=\"\",id=\"3\""));
  for (const char* name : {"utilization", "hbm_used_memory", "power", "network_status",
                           "hbm_ecc_single_bit_error_cnt"}) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat("npu_chip_info_", name, "{"))) << name;
  }

  source.SetHealthy(2, true);
  exporter.Refresh();
  EXPECT_THAT(Scrape(registry), HasSubstr("npu_chip_info_health_status" + die2 + " 1"));
}

TEST(NpuExporterTest, LabelsTheDiesAPodHolds) {
  FakeNpuSource source;
  struct OnePod final : PodLookup {
    absl::StatusOr<std::vector<NodePod>> PodsOnNode() override {
      return std::vector<NodePod>{{"ml", "w-0", "worker", 1, "Ascend910-7", absl::UnixEpoch()}};
    }
  } lookup;
  NpuDevicePlugin plugin(&source, &lookup);
  v1beta1::AllocateRequest request;
  request.add_container_requests()->add_devices_ids("Ascend910-0");
  ASSERT_TRUE(plugin.Allocate(request).ok());
  prometheus::Registry registry;
  NpuExporter exporter(&plugin, &registry);
  exporter.Start();
  exporter.Stop();
  const std::string text = Scrape(registry);
  EXPECT_THAT(text, HasSubstr(R"(npu_chip_info_health_status{container_name="worker",id="7",)"
                              R"(model_name="Ascend910C",namespace="ml",pod_name="w-0"} 1)"));
  EXPECT_THAT(text, Not(HasSubstr(R"(id="0",model_name="Ascend910C",namespace="ml")")));
}

}  // namespace
}  // namespace flyover::deviceplugin
