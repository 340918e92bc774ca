#include "nodesim/device_request.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::nodesim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

kube::core::Container ContainerWith(std::string name, kube::core::ResourceList limits,
                                    kube::core::ResourceList requests = {}) {
  kube::core::Container container;
  container.name = std::move(name);
  container.resources.limits = std::move(limits);
  container.resources.requests = std::move(requests);
  return container;
}

kube::core::Pod PodWith(std::vector<kube::core::Container> containers) {
  kube::core::Pod pod;
  pod.metadata.namespace_ = "ml";
  pod.metadata.name = "w-0";
  pod.spec.containers = std::move(containers);
  return pod;
}

bool IsNpu(absl::string_view resource) { return resource == "huawei.com/Ascend910"; }

TEST(PodDeviceRequestsTest, TakesLimitsElseRequestsOfDeviceResourcesOnly) {
  kube::core::Pod pod = PodWith({
      ContainerWith("a", {{"huawei.com/Ascend910", "2"}, {"cpu", "4"}}),
      ContainerWith("b", {}, {{"huawei.com/Ascend910", "1"}}),
      ContainerWith("c", {{"huawei.com/Ascend910", "0"}}),
  });
  absl::StatusOr<std::vector<DeviceRequest>> requests = PodDeviceRequests(pod, IsNpu);
  ASSERT_TRUE(requests.ok()) << requests.status();
  EXPECT_THAT(*requests, ElementsAre(DeviceRequest{"a", "huawei.com/Ascend910", 2},
                                     DeviceRequest{"b", "huawei.com/Ascend910", 1}));
}

TEST(PodDeviceRequestsTest, MalformedOrNegativeCountNamesPodContainerAndResource) {
  absl::Status bad =
      PodDeviceRequests(PodWith({ContainerWith("a", {{"huawei.com/Ascend910", "two"}})}), IsNpu)
          .status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("pod ml/w-0: container a: huawei.com/Ascend910: "));
  absl::Status negative =
      PodDeviceRequests(PodWith({ContainerWith("a", {{"huawei.com/Ascend910", "-1"}})}), IsNpu)
          .status();
  EXPECT_EQ(negative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(negative.message(), HasSubstr("negative count -1"));
}

TEST(MergeAllocateResponseTest, FirstPluginsValuesWinAsInTheKubelet) {
  ::v1beta1::ContainerAllocateResponse first;
  (*first.mutable_envs())["ASCEND_VISIBLE_DEVICES"] = "0,1";
  (*first.mutable_annotations())["a"] = "1";
  auto* device = first.add_devices();
  device->set_container_path("/dev/davinci0");
  device->set_host_path("/run/npu/davinci0");
  device->set_permissions("rw");
  auto* mount = first.add_mounts();
  mount->set_container_path("/usr/local/Ascend");
  mount->set_host_path("/opt/ascend");
  mount->set_read_only(true);
  ::v1beta1::ContainerAllocateResponse second = first;
  (*second.mutable_envs())["ASCEND_VISIBLE_DEVICES"] = "9";
  (*second.mutable_envs())["OTHER"] = "x";
  second.mutable_devices(0)->set_host_path("/elsewhere");

  ContainerDevices merged;
  MergeAllocateResponse(first, &merged);
  MergeAllocateResponse(second, &merged);
  EXPECT_EQ(merged.envs.at("ASCEND_VISIBLE_DEVICES"), "0,1");
  EXPECT_EQ(merged.envs.at("OTHER"), "x");
  EXPECT_EQ(merged.annotations.at("a"), "1");
  EXPECT_THAT(merged.devices, ElementsAre(HostDevice{"/dev/davinci0", "/run/npu/davinci0", "rw"}));
  EXPECT_THAT(merged.mounts, ElementsAre(HostMount{"/usr/local/Ascend", "/opt/ascend", true}));
}

TEST(PreferredAllocationTest, AsksForCountAmongTheFreeAndChecksTheAnswer) {
  v1beta1::PreferredAllocationRequest request = PreferredRequest({"a", "b", "c"}, 2);
  ASSERT_EQ(request.container_requests_size(), 1);
  EXPECT_THAT(request.container_requests(0).available_deviceids(), ElementsAre("a", "b", "c"));
  EXPECT_EQ(request.container_requests(0).allocation_size(), 2);
  EXPECT_TRUE(request.container_requests(0).must_include_deviceids().empty());
  const std::vector<std::string> free = {"a", "b", "c"};
  EXPECT_TRUE(IsValidPick({"c", "a"}, free, 2));
  EXPECT_FALSE(IsValidPick({"c"}, free, 2));
  EXPECT_FALSE(IsValidPick({"c", "c"}, free, 2));
  EXPECT_FALSE(IsValidPick({"c", "z"}, free, 2));
}

TEST(PodDevicesTest, FindsContainerEntries) {
  PodDevices pod{.uid = "u", .containers = {{.container = "a"}, {.container = "b"}}};
  ASSERT_NE(pod.Find("b"), nullptr);
  EXPECT_EQ(pod.Find("b")->container, "b");
  EXPECT_EQ(pod.Find("c"), nullptr);
}

TEST(DeviceErrorTest, KeepsCodeAndPrefixesContext) {
  absl::Status status =
      DeviceError(absl::UnavailableError("gone"), PodWith({}), "worker", "huawei.com/Ascend910");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "pod ml/w-0: container worker: huawei.com/Ascend910: gone");
}

TEST(AdmissionErrorStatusPatchTest, FailsThePodWithTheKubeletsReason) {
  nlohmann::json patch = AdmissionErrorStatusPatch(absl::FailedPreconditionError("no dies"));
  EXPECT_EQ(patch["status"]["phase"], "Failed");
  EXPECT_EQ(patch["status"]["reason"], "UnexpectedAdmissionError");
  EXPECT_EQ(patch["status"]["message"], "Pod was rejected: no dies");
}

}  // namespace
}  // namespace flyover::nodesim
