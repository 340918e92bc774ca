// PluginClient: the kubelet's side of one device plugin's connection. It dials the plugin's
// unix socket and calls GetDevicePluginOptions, GetPreferredAllocation, Allocate and
// PreStartContainer, and keeps ListAndWatch open on a background thread, holding the latest
// device list and calling a callback on every list the plugin streams.
//
//   ASSIGN_OR_RETURN(auto client, PluginClient::Connect("/dp/ascend.sock", {}));
//   client->StartWatch([](const DeviceList& devices) { UpdateAllocatable(devices); });
//   client->WaitForDevices([](const DeviceList& d) { return d.size() == 16; }, absl::Seconds(5));
//   ASSIGN_OR_RETURN(v1beta1::AllocateResponse r, client->Allocate({{"Ascend910-0"}}));
//
// Every unary call carries options.rpc_timeout as its deadline and waits for the socket to
// accept within that deadline. Errors are the plugin's gRPC status as an absl::Status (same
// code and message); DeadlineExceeded or Unavailable when the plugin does not answer.
//
// When the ListAndWatch stream ends (the plugin exits, or Stop()), the device list becomes
// empty, the callback is called with the empty list (the kubelet then has none of the
// resource to give), and watch_status() tells why. A new registration gets a new client.
//
// Thread-safety: all methods may be called from any thread. The callback runs on the watch
// thread, one call at a time, without any lock of this class held; it must not call Stop().
// Ownership: the destructor Stop()s and joins the watch thread.
#ifndef FLYOVER_DEVICE_PLUGIN_API_PLUGIN_CLIENT_H_
#define FLYOVER_DEVICE_PLUGIN_API_PLUGIN_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "device-plugin/api/api.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace flyover::deviceplugin {

using DeviceList = std::vector<v1beta1::Device>;

struct PluginClientOptions {
  // Deadline of each unary call, including the wait for the socket to accept.
  absl::Duration rpc_timeout = absl::Seconds(10);
};

class PluginClient {
 public:
  using DevicesCallback = std::function<void(const DeviceList& devices)>;

  // Creates a client for the plugin serving on `socket_path` (the channel connects lazily,
  // so this succeeds even before the plugin listens). InvalidArgument for an empty path.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PluginClient>> Connect(
      std::string socket_path, PluginClientOptions options = {});
  ~PluginClient();
  PluginClient(const PluginClient&) = delete;
  PluginClient& operator=(const PluginClient&) = delete;

  [[nodiscard]] absl::StatusOr<v1beta1::DevicePluginOptions> GetDevicePluginOptions();
  [[nodiscard]] absl::StatusOr<v1beta1::PreferredAllocationResponse> GetPreferredAllocation(
      const v1beta1::PreferredAllocationRequest& request);
  [[nodiscard]] absl::StatusOr<v1beta1::AllocateResponse> Allocate(
      const v1beta1::AllocateRequest& request);
  // One container request per element: the device ids for that container.
  [[nodiscard]] absl::StatusOr<v1beta1::AllocateResponse> Allocate(
      const std::vector<std::vector<std::string>>& container_device_ids);
  [[nodiscard]] absl::Status PreStartContainer(const std::vector<std::string>& device_ids);

  // Opens ListAndWatch on a background thread. FailedPrecondition if already started.
  [[nodiscard]] absl::Status StartWatch(DevicesCallback callback = nullptr)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Cancels the stream and joins the watch thread. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // The latest list streamed (empty before the first and after the stream ended).
  DeviceList devices() const ABSL_LOCKS_EXCLUDED(mu_);
  // How many lists the plugin has streamed so far.
  int updates() const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits (real time) until `predicate(devices())` holds; whether it did within `timeout`.
  [[nodiscard]] bool WaitForDevices(const std::function<bool(const DeviceList&)>& predicate,
                                    absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(mu_);
  // Whether the watch stream is open.
  bool watching() const ABSL_LOCKS_EXCLUDED(mu_);
  // Why the stream ended: OK while open or before it started.
  absl::Status watch_status() const ABSL_LOCKS_EXCLUDED(mu_);
  const std::string& socket_path() const { return socket_path_; }

 private:
  PluginClient(std::string socket_path, PluginClientOptions options);
  void ConfigureUnary(grpc::ClientContext* context) const;
  void WatchLoop(DevicesCallback callback);
  void Publish(DeviceList devices, const DevicesCallback& callback) ABSL_LOCKS_EXCLUDED(mu_);

  const std::string socket_path_;
  const PluginClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1beta1::DevicePlugin::Stub> stub_;

  mutable absl::Mutex mu_;
  DeviceList devices_ ABSL_GUARDED_BY(mu_);
  int updates_ ABSL_GUARDED_BY(mu_) = 0;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool watching_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status watch_status_ ABSL_GUARDED_BY(mu_);
  grpc::ClientContext watch_context_;  // cancelled by Stop()
  std::thread watch_thread_;
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_API_PLUGIN_CLIENT_H_
