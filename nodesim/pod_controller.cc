#include "nodesim/pod_controller.h"

#include <utility>

#include "common/log.h"
#include "common/status.h"
#include "kube/api/core/pod.h"
#include "kube/cache/rest_lister_watcher.h"
#include "kube/client/resource.h"
#include "nodesim/pod_status.h"

namespace flyover::nodesim {
namespace {

const log::Logger& Logger() {
  static const log::Logger* logger = new log::Logger("nodesim.pods");
  return *logger;
}

}  // namespace

PodController::PodController(kube::RestClient* client, const std::vector<SimNodeSpec>* nodes,
                             PodRuntime* simulated, PodRuntime* process,
                             PodControllerOptions options)
    : client_(client),
      nodes_(nodes),
      simulated_(simulated),
      process_(process),
      options_(std::move(options)) {
  for (size_t i = 0; i < nodes_->size(); ++i) {
    node_index_[(*nodes_)[i].name] = NodeRef{&(*nodes_)[i], static_cast<int>(i)};
  }
  auto lister_watcher = std::make_shared<kube::RestListerWatcher>(
      client_, kube::PodsResource(),
      kube::RestListerWatcherOptions{.field_selector = "spec.nodeName!="});
  informer_ = std::make_unique<kube::SharedInformer>(
      lister_watcher, kube::SharedInformerOptions{.resource = "pods",
                                                  .clock = options_.clock,
                                                  .registry = options_.registry,
                                                  .transform = kube::StripManagedFields});
}

PodController::~PodController() { Stop(); }

const NodeRef* PodController::FindNode(absl::string_view name) const {
  auto it = node_index_.find(name);
  return it == node_index_.end() ? nullptr : &it->second;
}

absl::Status PodController::Start() {
  ASSIGN_OR_RETURN(controller_,
                   kube::Controller::Create(
                       {.name = "nodesim-pods",
                        .max_concurrent_reconciles = options_.workers,
                        .clock = options_.clock,
                        .registry = options_.registry,
                        .cache_sync_timeout = options_.cache_sync_timeout},
                       [this](const std::string& key) { return Reconcile(key); }));
  RETURN_IF_ERROR(controller_->Watch(informer_.get(), [this](kube::JsonView pod) {
    std::vector<std::string> keys;
    if (FindNode(pod["spec"]["nodeName"].string_value()) == nullptr) return keys;
    keys.push_back(kube::JoinKey(pod["metadata"]["namespace"].string_value(),
                                 pod["metadata"]["name"].string_value()));
    return keys;
  }));
  informer_->Start();
  if (!informer_->WaitForCacheSync(options_.cache_sync_timeout)) {
    return absl::DeadlineExceededError("pods: the informer did not sync");
  }
  worker_thread_ = std::thread([this] {
    if (absl::Status status = controller_->Start(&stop_); !status.ok()) {
      Logger().Error(status, "pod controller stopped");
    }
  });
  return absl::OkStatus();
}

void PodController::Stop() {
  stop_.Stop();
  if (worker_thread_.joinable()) worker_thread_.join();
  informer_->Stop();
}

absl::StatusOr<kube::Result> PodController::Reconcile(const std::string& key) {
  kube::ObjectPtr object = informer_->store().Get(key);
  if (object == nullptr) {
    simulated_->Forget(key);
    if (process_ != nullptr) process_->Forget(key);
    return kube::Result{};
  }
  ASSIGN_OR_RETURN(kube::core::Pod pod, kube::core::DecodePod(object->ToJson()));
  const NodeRef* node = FindNode(pod.spec.node_name);
  if (node == nullptr) return kube::Result{};
  if (options_.chaos != nullptr && options_.chaos->Silenced(node->spec->name)) {
    return kube::Result{.requeue_after = options_.silence_recheck};
  }
  absl::StatusOr<PodMode> mode = ResolvePodMode(pod, node->spec->mode);
  if (!mode.ok()) {
    Logger().Warn("pod left alone", {{"pod", key}, {"error", mode.status()}});
    return kube::Result{};
  }
  if (*mode == PodMode::kProcess) {
    if (process_ == nullptr) {
      Logger().Warn("process mode is not available; pod left alone", {{"pod", key}});
      return kube::Result{};
    }
    return process_->Sync(key, pod, *node);
  }
  return simulated_->Sync(key, pod, *node);
}

}  // namespace flyover::nodesim
