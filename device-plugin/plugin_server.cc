#include "device-plugin/plugin_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "device-plugin/api/api.grpc.pb.h"
#include "device-plugin/api/protocol.h"
#include "device-plugin/api/registration_client.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace flyover::deviceplugin {

// The gRPC face of the plugin; a new one per server, since gRPC binds a service to one.
class PluginServer::GrpcService final : public v1beta1::DevicePlugin::Service {
 public:
  explicit GrpcService(NpuDevicePlugin* plugin) : plugin_(plugin) {}

  grpc::Status GetDevicePluginOptions(grpc::ServerContext*, const v1beta1::Empty*,
                                      v1beta1::DevicePluginOptions* out) override {
    *out = plugin_->GetOptions();
    return grpc::Status::OK;
  }
  grpc::Status ListAndWatch(grpc::ServerContext* context, const v1beta1::Empty*,
                            grpc::ServerWriter<v1beta1::ListAndWatchResponse>* writer) override {
    plugin_->StreamDevices(
        [writer](const v1beta1::ListAndWatchResponse& list) { return writer->Write(list); },
        [context] { return context->IsCancelled(); });
    return grpc::Status::OK;
  }
  grpc::Status GetPreferredAllocation(grpc::ServerContext*,
                                      const v1beta1::PreferredAllocationRequest* request,
                                      v1beta1::PreferredAllocationResponse* out) override {
    return Answer(plugin_->GetPreferredAllocation(*request), out);
  }
  grpc::Status Allocate(grpc::ServerContext*, const v1beta1::AllocateRequest* request,
                        v1beta1::AllocateResponse* out) override {
    return Answer(plugin_->Allocate(*request), out);
  }
  grpc::Status PreStartContainer(grpc::ServerContext*, const v1beta1::PreStartContainerRequest*,
                                 v1beta1::PreStartContainerResponse*) override {
    return grpc::Status::OK;
  }

 private:
  template <typename T>
  static grpc::Status Answer(absl::StatusOr<T> result, T* out) {
    if (!result.ok()) return ToGrpcStatus(result.status());
    *out = std::move(*result);
    return grpc::Status::OK;
  }
  NpuDevicePlugin* const plugin_;
};

namespace {

// The identity of the file at `path`, or nullopt if there is none.
template <typename FileId>
std::optional<FileId> Identify(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return FileId{info.st_dev, info.st_ino,
                int64_t{info.st_ctim.tv_sec} * 1000000000 + info.st_ctim.tv_nsec};
}

}  // namespace

PluginServer::PluginServer(NpuDevicePlugin* plugin, PluginServerOptions options)
    : plugin_(plugin), options_(std::move(options)) {}

PluginServer::~PluginServer() { Stop(); }

std::string PluginServer::socket_path() const {
  return JoinSocketPath(options_.device_plugin_dir, options_.endpoint);
}

absl::Status PluginServer::Serve() {
  const std::string path = socket_path();
  ::unlink(path.c_str());
  service_ = std::make_unique<GrpcService>(plugin_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(UnixTarget(path), grpc::InsecureServerCredentials());
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("plugin socket ", path, ": cannot listen"));
  }
  log::Info("device plugin serving", {{"socket", path}});
  return absl::OkStatus();
}

void PluginServer::ShutdownGrpc() {
  if (server_ == nullptr) return;
  // Open ListAndWatch streams end when cancelled; give in-flight unary calls a moment.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  server_->Wait();
  server_.reset();
  service_.reset();
}

absl::Status PluginServer::Start() {
  absl::MutexLock lock(&mu_);
  if (started_) return absl::FailedPreconditionError("plugin server: already started");
  if (absl::Status served = Serve(); !served.ok()) return served;
  started_ = true;
  CheckOnce();
  keeper_ = std::thread([this] { KeepRegistered(); });
  return absl::OkStatus();
}

void PluginServer::CheckOnce() {
  const std::string own = socket_path();
  if (!Identify<FileId>(own).has_value()) {
    log::Warn("plugin socket removed; serving again", {{"socket", own}});
    ShutdownGrpc();
    if (absl::Status served = Serve(); !served.ok()) {
      log::Error(served, "cannot serve the plugin socket");
      return;
    }
    registered_ = false;  // the kubelet forgot us with our socket
  }
  const std::string kubelet = JoinSocketPath(options_.device_plugin_dir, kKubeletSocketName);
  std::optional<FileId> current = Identify<FileId>(kubelet);
  if (!current.has_value()) {
    registered_ = false;  // the kubelet is away; register with the next one
    return;
  }
  if (registered_ && *current == registered_with_) return;
  v1beta1::RegisterRequest request;
  request.set_version(std::string(kApiVersion));
  request.set_endpoint(options_.endpoint);
  request.set_resource_name(options_.resource_name);
  *request.mutable_options() = plugin_->GetOptions();
  absl::Status status =
      RegisterWithKubelet(options_.device_plugin_dir, request, options_.register_timeout);
  if (!status.ok()) {
    log::Warn("registration with the kubelet failed; retrying", {{"error", status}});
    return;
  }
  registered_ = true;
  registered_with_ = *current;
  ++registrations_;
  log::Info("registered with the kubelet",
            {{"resource", options_.resource_name}, {"registrations", registrations_}});
}

void PluginServer::KeepRegistered() {
  absl::MutexLock lock(&mu_);
  while (true) {
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.check_interval)) return;
    CheckOnce();
  }
}

void PluginServer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  if (keeper_.joinable()) keeper_.join();
  absl::MutexLock lock(&mu_);
  ShutdownGrpc();
  ::unlink(socket_path().c_str());
}

int PluginServer::registrations() const {
  absl::MutexLock lock(&mu_);
  return registrations_;
}

}  // namespace flyover::deviceplugin
