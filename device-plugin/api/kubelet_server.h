// KubeletRegistrationServer: the kubelet's half of device-plugin registration, for a kubelet
// that is not the real one (flyover-nodesim) and for the plugin's tests. It serves the
// Registration service on <device_plugin_dir>/kubelet.sock; each accepted Register request
// gets a PluginClient (plugin_client.h) for <device_plugin_dir>/<endpoint> with its
// ListAndWatch stream opened, replacing (and stopping) the client of an earlier registration
// of the same resource, as the kubelet does when a plugin restarts.
//
//   ASSIGN_OR_RETURN(auto kubelet, KubeletRegistrationServer::Start({.device_plugin_dir = dir}));
//   kubelet->WaitForPlugin("huawei.com/Ascend910", absl::Seconds(5));
//   std::shared_ptr<PluginClient> npu = kubelet->Plugin("huawei.com/Ascend910");
//
// Register fails with InvalidArgument for an unsupported version, a bad endpoint or
// resource name (protocol.h ValidateRegistration).
//
// Thread-safety: all methods may be called from any thread. on_devices runs on a plugin's
// watch thread, without any lock of this class held.
// Ownership: Shutdown() (or the destructor) stops the gRPC server and every plugin client and
// removes kubelet.sock.
#ifndef FLYOVER_DEVICE_PLUGIN_API_KUBELET_SERVER_H_
#define FLYOVER_DEVICE_PLUGIN_API_KUBELET_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "device-plugin/api/api.grpc.pb.h"
#include "device-plugin/api/plugin_client.h"
#include "grpcpp/server.h"

namespace flyover::deviceplugin {

struct KubeletServerOptions {
  // Directory holding kubelet.sock and the plugins' sockets. Must exist.
  std::string device_plugin_dir;
  PluginClientOptions client;
  // Called with every device list a registered plugin streams (and an empty list when its
  // stream ends), tagged with the plugin's resource name. May be empty.
  std::function<void(const std::string& resource_name, const DeviceList& devices)> on_devices;
};

// What the kubelet knows of one registered plugin.
struct RegisteredPlugin {
  std::string resource_name;
  std::string endpoint;  // socket file name inside device_plugin_dir
  v1beta1::DevicePluginOptions options;
  std::shared_ptr<PluginClient> client;
};

class KubeletRegistrationServer {
 public:
  // Removes a stale kubelet.sock, listens on a new one and serves. InvalidArgument for an
  // empty directory; Unavailable if the socket cannot be bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KubeletRegistrationServer>> Start(
      KubeletServerOptions options);
  ~KubeletRegistrationServer();
  KubeletRegistrationServer(const KubeletRegistrationServer&) = delete;
  KubeletRegistrationServer& operator=(const KubeletRegistrationServer&) = delete;

  // Stops serving, stops every plugin client, removes kubelet.sock. Idempotent.
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_);

  // The client of the latest registration of `resource_name`, or null.
  std::shared_ptr<PluginClient> Plugin(absl::string_view resource_name) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // The latest registration of `resource_name`; NotFound if it never registered.
  [[nodiscard]] absl::StatusOr<RegisteredPlugin> Registration(
      absl::string_view resource_name) const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits (real time) until `resource_name` has been registered at least `count` times.
  [[nodiscard]] bool WaitForPlugin(absl::string_view resource_name, absl::Duration timeout,
                                   int count = 1) const ABSL_LOCKS_EXCLUDED(mu_);
  // Accepted Register calls of `resource_name` so far.
  int registrations(absl::string_view resource_name) const ABSL_LOCKS_EXCLUDED(mu_);
  std::string socket_path() const;

 private:
  class Service;

  explicit KubeletRegistrationServer(KubeletServerOptions options);
  absl::Status Accept(const v1beta1::RegisterRequest& request) ABSL_LOCKS_EXCLUDED(mu_);

  const KubeletServerOptions options_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;

  mutable absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, RegisteredPlugin, std::less<>> plugins_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int, std::less<>> registrations_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_API_KUBELET_SERVER_H_
