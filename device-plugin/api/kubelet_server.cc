#include "device-plugin/api/kubelet_server.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "device-plugin/api/protocol.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace flyover::deviceplugin {

class KubeletRegistrationServer::Service final : public v1beta1::Registration::Service {
 public:
  explicit Service(KubeletRegistrationServer* owner) : owner_(owner) {}

  grpc::Status Register(grpc::ServerContext*, const v1beta1::RegisterRequest* request,
                        v1beta1::Empty*) override {
    return ToGrpcStatus(owner_->Accept(*request));
  }

 private:
  KubeletRegistrationServer* const owner_;
};

absl::StatusOr<std::unique_ptr<KubeletRegistrationServer>> KubeletRegistrationServer::Start(
    KubeletServerOptions options) {
  if (options.device_plugin_dir.empty()) {
    return absl::InvalidArgumentError("device_plugin_dir: must not be empty");
  }
  std::unique_ptr<KubeletRegistrationServer> kubelet(
      new KubeletRegistrationServer(std::move(options)));
  const std::string path = kubelet->socket_path();
  ::unlink(path.c_str());  // a stale socket from an earlier run blocks the bind
  grpc::ServerBuilder builder;
  builder.AddListeningPort(UnixTarget(path), grpc::InsecureServerCredentials());
  builder.RegisterService(kubelet->service_.get());
  kubelet->server_ = builder.BuildAndStart();
  if (kubelet->server_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("kubelet socket ", path, ": cannot listen"));
  }
  return kubelet;
}

KubeletRegistrationServer::KubeletRegistrationServer(KubeletServerOptions options)
    : options_(std::move(options)), service_(std::make_unique<Service>(this)) {}

KubeletRegistrationServer::~KubeletRegistrationServer() { Shutdown(); }

std::string KubeletRegistrationServer::socket_path() const {
  return JoinSocketPath(options_.device_plugin_dir, kKubeletSocketName);
}

absl::Status KubeletRegistrationServer::Accept(const v1beta1::RegisterRequest& request) {
  absl::Status valid =
      ValidateRegistration(request.version(), request.endpoint(), request.resource_name());
  if (!valid.ok()) return valid;
  absl::StatusOr<std::unique_ptr<PluginClient>> client = PluginClient::Connect(
      JoinSocketPath(options_.device_plugin_dir, request.endpoint()), options_.client);
  if (!client.ok()) return client.status();
  std::shared_ptr<PluginClient> shared = std::move(*client);
  std::shared_ptr<PluginClient> replaced;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return absl::UnavailableError("kubelet: shutting down");
    RegisteredPlugin& plugin = plugins_[request.resource_name()];
    replaced = std::move(plugin.client);
    plugin = {request.resource_name(), request.endpoint(), request.options(), shared};
    ++registrations_[request.resource_name()];
  }
  if (replaced != nullptr) replaced->Stop();
  auto on_devices = options_.on_devices;
  std::string resource = request.resource_name();
  return shared->StartWatch([on_devices, resource](const DeviceList& devices) {
    if (on_devices) on_devices(resource, devices);
  });
}

void KubeletRegistrationServer::Shutdown() {
  std::map<std::string, RegisteredPlugin, std::less<>> plugins;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
    plugins.swap(plugins_);
  }
  if (server_ != nullptr) server_->Shutdown();
  for (auto& [name, plugin] : plugins) plugin.client->Stop();
  ::unlink(socket_path().c_str());
}

std::shared_ptr<PluginClient> KubeletRegistrationServer::Plugin(
    absl::string_view resource_name) const {
  absl::MutexLock lock(&mu_);
  auto it = plugins_.find(resource_name);
  return it == plugins_.end() ? nullptr : it->second.client;
}

absl::StatusOr<RegisteredPlugin> KubeletRegistrationServer::Registration(
    absl::string_view resource_name) const {
  absl::MutexLock lock(&mu_);
  auto it = plugins_.find(resource_name);
  if (it == plugins_.end()) {
    return absl::NotFoundError(absl::StrCat("resource ", resource_name, ": not registered"));
  }
  return it->second;
}

bool KubeletRegistrationServer::WaitForPlugin(absl::string_view resource_name,
                                              absl::Duration timeout, int count) const {
  absl::MutexLock lock(&mu_);
  auto registered = [this, resource_name, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = registrations_.find(resource_name);
    return it != registrations_.end() && it->second >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&registered), timeout);
}

int KubeletRegistrationServer::registrations(absl::string_view resource_name) const {
  absl::MutexLock lock(&mu_);
  auto it = registrations_.find(resource_name);
  return it == registrations_.end() ? 0 : it->second;
}

}  // namespace flyover::deviceplugin
