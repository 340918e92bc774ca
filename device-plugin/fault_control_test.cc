#include "device-plugin/fault_control.h"

#include <httplib.h>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::HasSubstr;

class FaultControlTest : public ::testing::Test {
 protected:
  FaultControlResponse Call(absl::string_view method, absl::string_view path,
                            absl::string_view body = "") {
    return HandleFaultControl(&source_, method, path, body);
  }
  FakeClock clock_;
  EmulatedNpuSource source_{DefaultNodeDescription(), &clock_};
};

TEST_F(FaultControlTest, InjectsAndRecovers) {
  FaultControlResponse injected = Call("POST", "/faults", R"({"die": 5, "fault": "chip_hang"})");
  ASSERT_EQ(injected.code, 200) << injected.body.dump();
  EXPECT_FALSE(injected.body["dies"][4]["healthy"].get<bool>());
  EXPECT_EQ(injected.body["dies"][5]["faults"][0]["code"], "80C98009");
  EXPECT_EQ(injected.body["dies"][5]["faults"][0]["level"], "RestartNPU");
  FaultControlResponse recovered = Call("POST", "/recover", R"({"die": 5})");
  ASSERT_EQ(recovered.code, 200);
  EXPECT_TRUE(recovered.body["dies"][4]["healthy"].get<bool>());
  EXPECT_EQ(Call("GET", "/faults").body["dies"].size(), 16u);
}

TEST_F(FaultControlTest, BadRequestsSayWhy) {
  EXPECT_THAT(Call("POST", "/faults", "not json").body["error"].get<std::string>(),
              HasSubstr("body"));
  EXPECT_THAT(Call("POST", "/faults", R"({"die": "3"})").body["error"].get<std::string>(),
              HasSubstr("die"));
  FaultControlResponse unknown_kind = Call("POST", "/faults", R"({"die": 3, "fault": "x"})");
  EXPECT_EQ(unknown_kind.code, 400);
  EXPECT_THAT(unknown_kind.body["error"].get<std::string>(), HasSubstr("unknown kind"));
  EXPECT_EQ(Call("POST", "/faults", R"({"die": 99, "fault": "overheat"})").code, 400);
  EXPECT_EQ(Call("DELETE", "/faults").code, 404);
  EXPECT_EQ(Call("POST", "/recover", R"({"die": 1, "clearIsolation": 1})").code, 400);
}

TEST_F(FaultControlTest, RecoveringAnIsolatedChipNeedsClearIsolation) {
  ASSERT_EQ(Call("POST", "/faults", R"({"die": 0, "fault": "hbm_ecc_double_bit"})").code, 200);
  ASSERT_EQ(Call("POST", "/faults", R"({"die": 1, "fault": "hbm_ecc_double_bit"})").code, 200);
  EXPECT_EQ(Call("POST", "/recover", R"({"die": 0})").code, 409);
  EXPECT_EQ(Call("POST", "/recover", R"({"die": 0, "clearIsolation": true})").code, 200);
}

TEST_F(FaultControlTest, ServesOverLoopbackHttp) {
  FaultControlServer server(&source_);
  absl::StatusOr<int> port = server.Start(0);
  ASSERT_TRUE(port.ok()) << port.status();
  httplib::Client client("127.0.0.1", *port);
  auto response = client.Post("/faults", R"({"die": 9, "fault": "link_down"})",
                              "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_FALSE(source_.Statuses()[9].NetworkHealthy());
  auto listed = client.Get("/faults");
  ASSERT_TRUE(listed);
  EXPECT_THAT(listed->body, HasSubstr("81078603"));
  server.Stop();
  server.Stop();
}

}  // namespace
}  // namespace flyover::deviceplugin
