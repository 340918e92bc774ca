#include "nodesim/device_test_plugin.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "device-plugin/api/protocol.h"

namespace flyover::nodesim {

void TestDevicePlugin::Add(const std::string& id) {
  absl::MutexLock lock(&mu_);
  v1beta1::Device device;
  device.set_id(id);
  device.set_health(std::string(deviceplugin::kHealthy));
  devices_.push_back(device);
  ++version_;
}

void TestDevicePlugin::SetHealth(const std::string& id, bool healthy) {
  absl::MutexLock lock(&mu_);
  for (v1beta1::Device& device : devices_) {
    if (device.id() == id) {
      device.set_health(std::string(healthy ? deviceplugin::kHealthy : deviceplugin::kUnhealthy));
    }
  }
  ++version_;
}

void TestDevicePlugin::PreferFromEnd() {
  absl::MutexLock lock(&mu_);
  preference_ = Preference::kFromEnd;
}

void TestDevicePlugin::PreferInvalid() {
  absl::MutexLock lock(&mu_);
  preference_ = Preference::kInvalid;
}

void TestDevicePlugin::RefuseDevice(const std::string& id) {
  absl::MutexLock lock(&mu_);
  refused_ = id;
}

int TestDevicePlugin::allocate_calls() const {
  absl::MutexLock lock(&mu_);
  return allocate_calls_;
}

std::vector<std::string> TestDevicePlugin::pre_started() const {
  absl::MutexLock lock(&mu_);
  return pre_started_;
}

grpc::Status TestDevicePlugin::GetDevicePluginOptions(grpc::ServerContext*, const v1beta1::Empty*,
                                                      v1beta1::DevicePluginOptions* options) {
  options->set_get_preferred_allocation_available(true);
  return grpc::Status::OK;
}

grpc::Status TestDevicePlugin::ListAndWatch(
    grpc::ServerContext* context, const v1beta1::Empty*,
    grpc::ServerWriter<v1beta1::ListAndWatchResponse>* writer) {
  int sent = -1;
  while (!context->IsCancelled()) {
    v1beta1::ListAndWatchResponse response;
    {
      absl::MutexLock lock(&mu_);
      auto changed = [this, &sent]()
                         ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return version_ != sent; };
      // Wakes up now and then to notice a cancelled stream.
      if (!mu_.AwaitWithTimeout(absl::Condition(&changed), absl::Milliseconds(20))) continue;
      sent = version_;
      for (const v1beta1::Device& device : devices_) *response.add_devices() = device;
    }
    if (!writer->Write(response)) break;
  }
  return grpc::Status::OK;
}

grpc::Status TestDevicePlugin::GetPreferredAllocation(
    grpc::ServerContext*, const v1beta1::PreferredAllocationRequest* request,
    v1beta1::PreferredAllocationResponse* response) {
  absl::MutexLock lock(&mu_);
  for (const auto& container : request->container_requests()) {
    v1beta1::ContainerPreferredAllocationResponse* answer = response->add_container_responses();
    if (preference_ == Preference::kInvalid) {
      answer->add_deviceids("not-offered");
      continue;
    }
    const auto& offered = container.available_deviceids();
    for (int i = offered.size() - 1;
         i >= 0 && answer->deviceids_size() < container.allocation_size(); --i) {
      answer->add_deviceids(offered[i]);
    }
  }
  return grpc::Status::OK;
}

grpc::Status TestDevicePlugin::Allocate(grpc::ServerContext*,
                                        const v1beta1::AllocateRequest* request,
                                        v1beta1::AllocateResponse* response) {
  absl::MutexLock lock(&mu_);
  ++allocate_calls_;
  for (const auto& container : request->container_requests()) {
    const auto& ids = container.devices_ids();
    if (std::find(ids.begin(), ids.end(), refused_) != ids.end()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          absl::StrCat(refused_, " refused"));
    }
    v1beta1::ContainerAllocateResponse* answer = response->add_container_responses();
    (*answer->mutable_envs())["WIDGETS"] = absl::StrJoin(ids, ",");
    for (const std::string& id : ids) {
      v1beta1::DeviceSpec* device = answer->add_devices();
      device->set_container_path(absl::StrCat("/dev/", id));
      device->set_host_path(absl::StrCat("/run/widgets/", id));
      device->set_permissions("rw");
    }
    v1beta1::Mount* mount = answer->add_mounts();
    mount->set_container_path("/widgets");
    mount->set_host_path("/run/widgets");
    mount->set_read_only(true);
  }
  return grpc::Status::OK;
}

grpc::Status TestDevicePlugin::PreStartContainer(grpc::ServerContext*,
                                                 const v1beta1::PreStartContainerRequest* request,
                                                 v1beta1::PreStartContainerResponse*) {
  absl::MutexLock lock(&mu_);
  pre_started_.push_back(absl::StrJoin(request->devices_ids(), ","));
  return grpc::Status::OK;
}

}  // namespace flyover::nodesim
