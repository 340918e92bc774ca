#include "nodesim/device_table.h"

#include "device-plugin/api/protocol.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::nodesim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kWidget[] = "example.com/widget";

deviceplugin::DeviceList Devices(std::vector<std::pair<std::string, bool>> ids) {
  deviceplugin::DeviceList devices;
  for (const auto& [id, healthy] : ids) {
    ::v1beta1::Device device;
    device.set_id(id);
    device.set_health(std::string(healthy ? deviceplugin::kHealthy : deviceplugin::kUnhealthy));
    devices.push_back(device);
  }
  return devices;
}

TEST(DeviceTableTest, CapacityCountsAllAllocatableTheHealthy) {
  DeviceTable table;
  EXPECT_FALSE(table.Knows(kWidget));
  table.SetDevices(kWidget, Devices({{"w-0", true}, {"w-1", false}, {"w-2", true}}));
  EXPECT_TRUE(table.Knows(kWidget));
  EXPECT_EQ(table.Counts().at(kWidget), (ResourceCounts{3, 2}));
  ASSERT_TRUE(table.Hold(kWidget, {"w-0"}, "ml/a").ok());
  EXPECT_EQ(table.Counts().at(kWidget), (ResourceCounts{3, 2}));  // held still allocatable
  EXPECT_THAT(table.Free(kWidget), ElementsAre("w-2"));
  table.MarkAllUnhealthy(kWidget);
  EXPECT_EQ(table.Counts().at(kWidget), (ResourceCounts{3, 0}));
  EXPECT_THAT(table.Free(kWidget), IsEmpty());
}

TEST(DeviceTableTest, HoldRefusesUnknownUnhealthyHeldAndRepeatedIdsAtomically) {
  DeviceTable table;
  table.SetDevices(kWidget, Devices({{"w-0", true}, {"w-1", false}, {"w-2", true}}));
  ASSERT_TRUE(table.Hold(kWidget, {"w-0"}, "ml/a").ok());
  struct Case {
    std::vector<std::string> ids;
    const char* message;
  } cases[] = {{{"w-2", "w-9"}, "device w-9 is not listed"},
               {{"w-2", "w-1"}, "device w-1 is Unhealthy"},
               {{"w-2", "w-0"}, "device w-0 is already held by ml/a"},
               {{"w-2", "w-2"}, "device w-2 is named twice"}};
  for (const Case& c : cases) {
    absl::Status status = table.Hold(kWidget, c.ids, "ml/b");
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
  EXPECT_EQ(table.Hold("example.com/other", {"x"}, "ml/b").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(table.Knows("example.com/other"));
  EXPECT_EQ(table.Holders(kWidget), (std::map<std::string, std::string>{{"w-0", "ml/a"}}));
}

TEST(DeviceTableTest, HoldsOutliveRelistingUntilReleased) {
  DeviceTable table;
  table.SetDevices(kWidget, Devices({{"w-0", true}, {"w-1", true}}));
  ASSERT_TRUE(table.Hold(kWidget, {"w-1"}, "ml/a").ok());
  table.SetDevices(kWidget, Devices({{"w-0", true}}));
  EXPECT_EQ(table.HeldCount(kWidget), 1);
  table.SetDevices(kWidget, Devices({{"w-0", true}, {"w-1", true}}));
  EXPECT_THAT(table.Free(kWidget), ElementsAre("w-0"));
  table.Release("ml/a");
  EXPECT_THAT(table.Free(kWidget), ElementsAre("w-0", "w-1"));
  EXPECT_EQ(table.HeldCount(kWidget), 0);
}

}  // namespace
}  // namespace flyover::nodesim
