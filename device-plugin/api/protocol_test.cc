#include "device-plugin/api/protocol.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::HasSubstr;

TEST(ProtocolTest, JoinSocketPathUsesOneSlash) {
  EXPECT_EQ(JoinSocketPath("/var/lib/kubelet/device-plugins/", "kubelet.sock"),
            "/var/lib/kubelet/device-plugins/kubelet.sock");
  EXPECT_EQ(JoinSocketPath("/d", "/a.sock"), "/d/a.sock");
  EXPECT_EQ(UnixTarget("/d/a.sock"), "unix:/d/a.sock");
}

TEST(ProtocolTest, StatusConversionKeepsCodeAndMessage) {
  absl::Status status = absl::FailedPreconditionError("die Ascend910-3 is taken");
  grpc::Status grpc_status = ToGrpcStatus(status);
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(grpc_status.error_message(), "die Ascend910-3 is taken");
  EXPECT_EQ(FromGrpcStatus(grpc_status), status);
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(ProtocolTest, ValidateRegistrationNamesTheField) {
  EXPECT_TRUE(ValidateRegistration("v1beta1", "npu.sock", "huawei.com/Ascend910").ok());
  EXPECT_THAT(ValidateRegistration("v1alpha", "npu.sock", "huawei.com/Ascend910").message(),
              HasSubstr("version"));
  EXPECT_THAT(ValidateRegistration("v1beta1", "a/npu.sock", "huawei.com/Ascend910").message(),
              HasSubstr("endpoint"));
  EXPECT_THAT(ValidateRegistration("v1beta1", "", "huawei.com/Ascend910").message(),
              HasSubstr("endpoint"));
  for (const char* bad : {"Ascend910", "/Ascend910", "huawei.com/", "a/b/c"}) {
    EXPECT_THAT(ValidateRegistration("v1beta1", "npu.sock", bad).message(),
                HasSubstr("resource_name"))
        << bad;
  }
}

}  // namespace
}  // namespace flyover::deviceplugin
