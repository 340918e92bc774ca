#include "device-plugin/api/plugin_client.h"

#include <chrono>
#include <utility>

#include "absl/time/clock.h"
#include "device-plugin/api/protocol.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace flyover::deviceplugin {

absl::StatusOr<std::unique_ptr<PluginClient>> PluginClient::Connect(std::string socket_path,
                                                                    PluginClientOptions options) {
  if (socket_path.empty()) return absl::InvalidArgumentError("socket_path: must not be empty");
  return std::unique_ptr<PluginClient>(new PluginClient(std::move(socket_path), options));
}

PluginClient::PluginClient(std::string socket_path, PluginClientOptions options)
    : socket_path_(std::move(socket_path)),
      options_(options),
      channel_(grpc::CreateChannel(UnixTarget(socket_path_), grpc::InsecureChannelCredentials())),
      stub_(v1beta1::DevicePlugin::NewStub(channel_)) {}

PluginClient::~PluginClient() { Stop(); }

void PluginClient::ConfigureUnary(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(options_.rpc_timeout));
  context->set_wait_for_ready(true);
}

absl::StatusOr<v1beta1::DevicePluginOptions> PluginClient::GetDevicePluginOptions() {
  grpc::ClientContext context;
  ConfigureUnary(&context);
  v1beta1::DevicePluginOptions response;
  absl::Status status =
      FromGrpcStatus(stub_->GetDevicePluginOptions(&context, v1beta1::Empty(), &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1beta1::PreferredAllocationResponse> PluginClient::GetPreferredAllocation(
    const v1beta1::PreferredAllocationRequest& request) {
  grpc::ClientContext context;
  ConfigureUnary(&context);
  v1beta1::PreferredAllocationResponse response;
  absl::Status status =
      FromGrpcStatus(stub_->GetPreferredAllocation(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1beta1::AllocateResponse> PluginClient::Allocate(
    const v1beta1::AllocateRequest& request) {
  grpc::ClientContext context;
  ConfigureUnary(&context);
  v1beta1::AllocateResponse response;
  absl::Status status = FromGrpcStatus(stub_->Allocate(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1beta1::AllocateResponse> PluginClient::Allocate(
    const std::vector<std::vector<std::string>>& container_device_ids) {
  v1beta1::AllocateRequest request;
  for (const std::vector<std::string>& ids : container_device_ids) {
    v1beta1::ContainerAllocateRequest* container = request.add_container_requests();
    for (const std::string& id : ids) container->add_devices_ids(id);
  }
  return Allocate(request);
}

absl::Status PluginClient::PreStartContainer(const std::vector<std::string>& device_ids) {
  grpc::ClientContext context;
  ConfigureUnary(&context);
  v1beta1::PreStartContainerRequest request;
  for (const std::string& id : device_ids) request.add_devices_ids(id);
  v1beta1::PreStartContainerResponse response;
  return FromGrpcStatus(stub_->PreStartContainer(&context, request, &response));
}

absl::Status PluginClient::StartWatch(DevicesCallback callback) {
  absl::MutexLock lock(&mu_);
  if (started_) return absl::FailedPreconditionError("ListAndWatch: already started");
  started_ = true;
  watching_ = true;
  watch_thread_ = std::thread([this, cb = std::move(callback)] { WatchLoop(cb); });
  return absl::OkStatus();
}

void PluginClient::WatchLoop(DevicesCallback callback) {
  // No deadline: the stream lives as long as the plugin. The connect itself waits.
  watch_context_.set_wait_for_ready(true);
  std::unique_ptr<grpc::ClientReader<v1beta1::ListAndWatchResponse>> reader =
      stub_->ListAndWatch(&watch_context_, v1beta1::Empty());
  v1beta1::ListAndWatchResponse response;
  while (reader->Read(&response)) {
    Publish(DeviceList(response.devices().begin(), response.devices().end()), callback);
  }
  absl::Status status = FromGrpcStatus(reader->Finish());
  if (status.ok()) status = absl::UnavailableError("ListAndWatch: the plugin closed the stream");
  {
    absl::MutexLock lock(&mu_);
    watching_ = false;
    watch_status_ = status;
  }
  Publish(DeviceList(), callback);
}

void PluginClient::Publish(DeviceList devices, const DevicesCallback& callback) {
  {
    absl::MutexLock lock(&mu_);
    devices_ = devices;
    ++updates_;
  }
  if (callback) callback(devices);
}

void PluginClient::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    if (!started_) return;
  }
  watch_context_.TryCancel();
  if (watch_thread_.joinable()) watch_thread_.join();
}

DeviceList PluginClient::devices() const {
  absl::MutexLock lock(&mu_);
  return devices_;
}

int PluginClient::updates() const {
  absl::MutexLock lock(&mu_);
  return updates_;
}

bool PluginClient::WaitForDevices(const std::function<bool(const DeviceList&)>& predicate,
                                  absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto holds = [this, &predicate]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return predicate(devices_);
  };
  return mu_.AwaitWithTimeout(absl::Condition(&holds), timeout);
}

bool PluginClient::watching() const {
  absl::MutexLock lock(&mu_);
  return watching_;
}

absl::Status PluginClient::watch_status() const {
  absl::MutexLock lock(&mu_);
  return watch_status_;
}

}  // namespace flyover::deviceplugin
