#include "nodesim/device_manager.h"

#include <sys/un.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "device-plugin/api/protocol.h"

namespace flyover::nodesim {
namespace {

// A plugin's error, its code kept, prefixed with the call that failed.
absl::Status CallError(absl::string_view call, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(call, ": ", status.message()));
}

absl::Status CheckSocketPath(const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("device plugin dir: socket path ", path,
                                                   " is longer than a unix socket allows (",
                                                   sizeof(sockaddr_un::sun_path) - 1, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DeviceManager>> DeviceManager::Start(DeviceManagerOptions options) {
  if (options.device_plugin_dir.empty()) {
    return absl::InvalidArgumentError("device_plugin_dir: must not be empty");
  }
  std::error_code error;
  std::filesystem::create_directories(options.device_plugin_dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("device plugin dir ", options.device_plugin_dir, ": ", error.message()));
  }
  std::unique_ptr<DeviceManager> manager(new DeviceManager(std::move(options)));
  if (absl::Status path = CheckSocketPath(manager->socket_path()); !path.ok()) return path;
  DeviceManager* self = manager.get();
  absl::StatusOr<std::unique_ptr<deviceplugin::KubeletRegistrationServer>> kubelet =
      deviceplugin::KubeletRegistrationServer::Start(
          {.device_plugin_dir = manager->options_.device_plugin_dir,
           .client = {.rpc_timeout = manager->options_.rpc_timeout},
           .on_devices = [self](const std::string& resource,
                                const deviceplugin::DeviceList& devices) {
             self->OnDevices(resource, devices);
           }});
  if (!kubelet.ok()) return kubelet.status();
  manager->kubelet_ = std::move(*kubelet);
  manager->kubelet_for_callbacks_.store(manager->kubelet_.get());
  log::Info("device manager serving",
            {{"node", manager->options_.node_name}, {"socket", manager->socket_path()}});
  return manager;
}

DeviceManager::DeviceManager(DeviceManagerOptions options) : options_(std::move(options)) {}

DeviceManager::~DeviceManager() { Shutdown(); }

void DeviceManager::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  // Joins every watch thread, so no OnDevices() runs after this.
  if (kubelet_ != nullptr) kubelet_->Shutdown();
}

std::string DeviceManager::socket_path() const {
  return deviceplugin::JoinSocketPath(options_.device_plugin_dir, deviceplugin::kKubeletSocketName);
}

bool DeviceManager::StreamOpen(const std::string& resource) const {
  deviceplugin::KubeletRegistrationServer* kubelet = kubelet_for_callbacks_.load();
  if (kubelet == nullptr) return true;  // a list streamed before Start() returned
  std::shared_ptr<deviceplugin::PluginClient> client = kubelet->Plugin(resource);
  return client != nullptr && client->watching();
}

void DeviceManager::OnDevices(const std::string& resource,
                              const deviceplugin::DeviceList& devices) {
  // The plugin client reports the end of its stream as an empty list.
  const bool gone = devices.empty() && !StreamOpen(resource);
  {
    absl::MutexLock lock(&mu_);
    if (gone) {
      table_.MarkAllUnhealthy(resource);
    } else {
      table_.SetDevices(resource, devices);
    }
  }
  if (gone) {
    log::Warn("device plugin gone", {{"node", options_.node_name}, {"resource", resource}});
  }
  NotifyResources();
}

void DeviceManager::NotifyResources() {
  absl::MutexLock notify(&notify_mu_);
  ResourceCountMap counts = Resources();
  if (notified_.has_value() && *notified_ == counts) return;
  notified_ = counts;
  if (options_.on_resources) options_.on_resources(counts);
}

ResourceCountMap DeviceManager::Resources() const {
  absl::MutexLock lock(&mu_);
  return table_.Counts();
}

bool DeviceManager::WaitForResources(const std::function<bool(const ResourceCountMap&)>& predicate,
                                     absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto holds = [this, &predicate]()
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return predicate(table_.Counts()); };
  return mu_.AwaitWithTimeout(absl::Condition(&holds), timeout);
}

bool DeviceManager::IsDeviceResource(absl::string_view resource) const {
  if (table_.Knows(resource)) return true;
  if (std::find(options_.expected_resources.begin(), options_.expected_resources.end(), resource) !=
      options_.expected_resources.end()) {
    return true;
  }
  return kubelet_ != nullptr && kubelet_->Plugin(resource) != nullptr;
}

absl::StatusOr<PodDevices> DeviceManager::Allocate(const kube::core::Pod& pod) {
  const std::string key = PodKey(pod);
  absl::MutexLock admission(&allocate_mu_);
  absl::StatusOr<std::vector<DeviceRequest>> requests;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) {
      return absl::UnavailableError(absl::StrCat("pod ", key, ": the device manager of node ",
                                                 options_.node_name, " is shut down"));
    }
    auto held = pods_.find(key);
    if (held != pods_.end() && held->second.uid == pod.metadata.uid) return held->second;
    if (held != pods_.end()) pods_.erase(held);  // an earlier pod of that name is gone
    table_.Release(key);
    requests = PodDeviceRequests(pod, [this](absl::string_view resource) {
      mu_.AssertHeld();
      return IsDeviceResource(resource);
    });
  }
  if (!requests.ok()) return requests.status();
  PodDevices result{.uid = pod.metadata.uid};
  for (const DeviceRequest& request : *requests) {
    if (result.containers.empty() || result.containers.back().container != request.container) {
      result.containers.push_back({.container = request.container});
    }
    absl::Status status = AllocateContainer(key, request, &result.containers.back());
    if (!status.ok()) {
      absl::MutexLock lock(&mu_);
      table_.Release(key);
      return DeviceError(status, pod, request.container, request.resource);
    }
  }
  if (!result.containers.empty()) {
    absl::MutexLock lock(&mu_);
    pods_[key] = result;
  }
  return result;
}

absl::Status DeviceManager::AllocateContainer(const std::string& pod_key,
                                              const DeviceRequest& request, ContainerDevices* out) {
  absl::StatusOr<deviceplugin::RegisteredPlugin> plugin = kubelet_->Registration(request.resource);
  if (!plugin.ok()) return absl::UnavailableError("no device plugin has registered");
  if (!plugin->client->watching()) {
    return absl::UnavailableError(
        absl::StrCat("the device plugin is gone (", plugin->client->watch_status().message(), ")"));
  }
  absl::StatusOr<std::vector<std::string>> ids = ChooseDevices(*plugin, request);
  if (!ids.ok()) return ids.status();
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status held = table_.Hold(request.resource, *ids, pod_key); !held.ok()) return held;
  }
  absl::StatusOr<v1beta1::AllocateResponse> response =
      plugin->client->Allocate(std::vector<std::vector<std::string>>{*ids});
  if (!response.ok()) return CallError("Allocate", response.status());
  if (response->container_responses_size() != 1) {
    return absl::InternalError(absl::StrCat("Allocate: the plugin answered ",
                                            response->container_responses_size(),
                                            " container responses to 1 request"));
  }
  if (plugin->options.pre_start_required()) {
    absl::Status started = plugin->client->PreStartContainer(*ids);
    if (!started.ok()) return CallError("PreStartContainer", started);
  }
  out->device_ids[request.resource] = *ids;
  MergeAllocateResponse(response->container_responses(0), out);
  log::Info("devices allocated", {{"node", options_.node_name},
                                  {"pod", pod_key},
                                  {"container", request.container},
                                  {"resource", request.resource},
                                  {"devices", absl::StrJoin(*ids, ",")}});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> DeviceManager::ChooseDevices(
    const deviceplugin::RegisteredPlugin& plugin, const DeviceRequest& request) {
  std::vector<std::string> free;
  int64_t healthy = 0;
  int64_t held = 0;
  {
    absl::MutexLock lock(&mu_);
    free = table_.Free(request.resource);
    ResourceCountMap counts = table_.Counts();
    auto count = counts.find(request.resource);
    if (count != counts.end()) healthy = count->second.allocatable;
    held = table_.HeldCount(request.resource);
  }
  if (static_cast<int64_t>(free.size()) < request.count) {
    return absl::FailedPreconditionError(absl::StrCat("requested ", request.count, " devices, ",
                                                      free.size(), " healthy and free (", healthy,
                                                      " healthy, ", held, " held by pods)"));
  }
  if (plugin.options.get_preferred_allocation_available()) {
    absl::StatusOr<v1beta1::PreferredAllocationResponse> answer =
        plugin.client->GetPreferredAllocation(PreferredRequest(free, request.count));
    if (!answer.ok()) return CallError("GetPreferredAllocation", answer.status());
    if (answer->container_responses_size() == 1) {
      const auto& ids = answer->container_responses(0).deviceids();
      std::vector<std::string> preferred(ids.begin(), ids.end());
      if (IsValidPick(preferred, free, request.count)) return preferred;
    }
    log::Warn("preferred allocation ignored",
              {{"node", options_.node_name}, {"resource", request.resource}});
  }
  return std::vector<std::string>(free.begin(), free.begin() + request.count);
}

void DeviceManager::Release(const std::string& pod_key) {
  absl::MutexLock lock(&mu_);
  table_.Release(pod_key);
  pods_.erase(pod_key);
}

std::optional<PodDevices> DeviceManager::Allocation(const std::string& pod_key) const {
  absl::MutexLock lock(&mu_);
  auto it = pods_.find(pod_key);
  if (it == pods_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, std::string> DeviceManager::Holders(const std::string& resource) const {
  absl::MutexLock lock(&mu_);
  return table_.Holders(resource);
}

}  // namespace flyover::nodesim
