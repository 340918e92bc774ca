// PluginServer: serves an NpuDevicePlugin on <device_plugin_dir>/<endpoint> over gRPC and
// keeps it registered with the kubelet.
//
// Start() listens and starts a keeper thread that, every options.check_interval:
//   * restarts the gRPC server if the plugin's socket file has gone (a restarting kubelet
//     deletes the sockets in its directory);
//   * registers (RegisterWithKubelet) when kubelet.sock exists and is not the file last
//     registered with (another inode or change time, or it was seen missing: the kubelet
//     restarted), retrying failures each tick.
// Start() makes the first registration attempt itself and returns its result only as a log
// line: a missing kubelet is not an error, the keeper keeps trying.
//
// Thread-safety: all methods are safe from any thread. Ownership: borrows the plugin.
#ifndef FLYOVER_DEVICE_PLUGIN_PLUGIN_SERVER_H_
#define FLYOVER_DEVICE_PLUGIN_PLUGIN_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "device-plugin/npu_plugin.h"
#include "grpcpp/server.h"

namespace flyover::deviceplugin {

struct PluginServerOptions {
  std::string device_plugin_dir = "/var/lib/kubelet/device-plugins/";
  std::string endpoint = "flyover-ascend910.sock";
  std::string resource_name = "huawei.com/Ascend910";
  // Deadline of one Register call.
  absl::Duration register_timeout = absl::Seconds(5);
  // How often the keeper checks the sockets.
  absl::Duration check_interval = absl::Seconds(1);
};

class PluginServer {
 public:
  PluginServer(NpuDevicePlugin* plugin, PluginServerOptions options);
  ~PluginServer();  // Stop()s
  PluginServer(const PluginServer&) = delete;
  PluginServer& operator=(const PluginServer&) = delete;

  // Unavailable if the socket cannot be bound; FailedPrecondition if started.
  [[nodiscard]] absl::Status Start() ABSL_LOCKS_EXCLUDED(mu_);
  // Stops the keeper and the gRPC server (open streams are cancelled), removes the socket.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  // Successful registrations so far.
  int registrations() const ABSL_LOCKS_EXCLUDED(mu_);
  std::string socket_path() const;

 private:
  class GrpcService;
  struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    int64_t change_ns = 0;  // st_ctim: inode numbers are reused after a delete
    bool operator==(const FileId&) const = default;
  };

  absl::Status Serve() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ShutdownGrpc() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void KeepRegistered() ABSL_LOCKS_EXCLUDED(mu_);
  void CheckOnce() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  NpuDevicePlugin* const plugin_;
  const PluginServerOptions options_;
  mutable absl::Mutex mu_;
  std::unique_ptr<GrpcService> service_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<grpc::Server> server_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool registered_ ABSL_GUARDED_BY(mu_) = false;
  FileId registered_with_ ABSL_GUARDED_BY(mu_);
  int registrations_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread keeper_;
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_PLUGIN_SERVER_H_
