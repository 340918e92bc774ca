#include "scheduler/flyover_scheduler.h"

#include <utility>

#include "common/status.h"
#include "kube/cache/rest_lister_watcher.h"
#include "kube/client/resource.h"
#include "scheduler/cache/cache_handlers.h"
#include "scheduler/cache/node_info.h"
#include "scheduler/cache_reserve_plugin.h"
#include "scheduler/plugins/default_registry.h"

namespace flyover::sched {
namespace {

GangQueueOptions QueueOptions(const FlyoverSchedulerOptions& options) {
  GangQueueOptions queue = options.queue;
  queue.clock = options.clock;
  return queue;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FlyoverScheduler>> FlyoverScheduler::Create(
    kube::RestClient* client, kube::EventRecorder* recorder, FlyoverSchedulerOptions options) {
  if (client == nullptr || recorder == nullptr) {
    return absl::InvalidArgumentError("FlyoverScheduler: client and recorder are required");
  }
  // The reserve plugin needs the cache, which lives in the scheduler: create the core after.
  std::unique_ptr<FlyoverScheduler> scheduler(
      new FlyoverScheduler(client, recorder, std::move(options), nullptr));
  std::unique_ptr<Registry> registry = plugins::NewDefaultRegistry();
  registry->Add(std::make_unique<CacheReservePlugin>(&scheduler->cache_));
  ASSIGN_OR_RETURN(scheduler->core_,
                   Scheduler::Create(std::move(registry), scheduler->options_.core));
  scheduler->loop_ = std::make_unique<SchedulingLoop>(
      SchedulingParts{.core = scheduler->core_.get(),
                      .cache = &scheduler->cache_,
                      .collector = &scheduler->collector_,
                      .queue = &scheduler->queue_,
                      .binder = &scheduler->binder_,
                      .reporter = &scheduler->reporter_,
                      .metrics = &scheduler->metrics_},
      SchedulingLoopOptions{.clock = scheduler->options_.clock,
                            .bind_workers = scheduler->options_.bind_workers});
  scheduler->RegisterHandlers();
  return scheduler;
}

FlyoverScheduler::FlyoverScheduler(kube::RestClient* client, kube::EventRecorder* recorder,
                                   FlyoverSchedulerOptions options, std::unique_ptr<Scheduler> core)
    : options_(std::move(options)),
      client_(client),
      factory_({.clock = options_.clock,
                .registry = options_.registry,
                .transform = kube::StripManagedFields}),
      cache_({.clock = options_.clock, .assume_ttl = options_.assume_ttl}),
      collector_(options_.scheduler_name),
      queue_(QueueOptions(options_)),
      binder_(client, {.max_parallel = options_.bind_parallelism}),
      reporter_(client, recorder, options_.clock),
      metrics_(options_.registry),
      core_(std::move(core)) {}

FlyoverScheduler::~FlyoverScheduler() { Stop(); }

void FlyoverScheduler::RegisterHandlers() {
  auto informer = [this](const kube::ResourceDescriptor& resource, std::string ns) {
    return factory_.InformerFor(resource.plural, [this, resource, ns] {
      return std::make_shared<kube::RestListerWatcher>(
          client_, resource, kube::RestListerWatcherOptions{.namespace_ = ns});
    });
  };
  auto on_change = [this] { queue_.OnClusterChange(); };
  registrations_.push_back(informer(kube::NodesResource(), "")
                               ->AddEventHandler(MakeNodeCacheHandler(&cache_, on_change)));
  registrations_.push_back(informer(kube::ConfigMapsResource(), std::string(kDeviceInfoNamespace))
                               ->AddEventHandler(MakeDeviceInfoCacheHandler(&cache_, on_change)));
  registrations_.push_back(
      informer(kube::PodsResource(), "")
          ->AddEventHandler(std::make_shared<kube::FuncEventHandler>(kube::FuncEventHandler::Funcs{
              .on_add = [this](const kube::ObjectPtr& pod, bool) { OnPod(pod); },
              .on_update = [this](const kube::ObjectPtr&,
                                  const kube::ObjectPtr& pod) { OnPod(pod); },
              .on_delete = [this](const kube::ObjectPtr& pod, bool) { OnPodDeleted(pod); }})));
}

void FlyoverScheduler::Enqueue(const std::string& key) {
  std::optional<GangSummary> gang = collector_.Summary(key);
  if (!gang.has_value()) {
    queue_.Remove(key);
  } else if (gang->pods >= gang->min_member || (gang->in_gang && cache_.PlacedInGang(key) > 0)) {
    queue_.Add(key, {.replacement = gang->replacement,
                     .priority = gang->priority,
                     .created = gang->created});
  }
}

void FlyoverScheduler::OnPod(const kube::ObjectPtr& object) {
  absl::StatusOr<PodInfo> pod = ParsePodInfo(object->view());
  if (!pod.ok()) return;
  const uint64_t before = cache_.generation();
  cache_.UpsertPod(*pod);
  if (std::optional<std::string> key = collector_.OnPod(*pod); key.has_value()) Enqueue(*key);
  if (cache_.generation() != before) queue_.OnClusterChange();
}

void FlyoverScheduler::OnPodDeleted(const kube::ObjectPtr& object) {
  absl::StatusOr<std::string> pod_key = kube::ObjectKey(object->view());
  if (!pod_key.ok()) return;
  const uint64_t before = cache_.generation();
  cache_.DeletePod(*pod_key);
  if (std::optional<std::string> key = collector_.OnPodDeleted(*pod_key); key.has_value()) {
    Enqueue(*key);
  }
  if (cache_.generation() != before) queue_.OnClusterChange();
}

absl::Status FlyoverScheduler::WaitForSync() {
  const absl::Time deadline = absl::Now() + options_.cache_sync_timeout;
  for (const auto& [resource, synced] : factory_.WaitForCacheSync(options_.cache_sync_timeout)) {
    if (!synced) return absl::DeadlineExceededError(resource + ": the informer did not sync");
  }
  for (const kube::HandlerRegistration& registration : registrations_) {
    while (!registration.HasSynced()) {
      if (absl::Now() >= deadline) {
        return absl::DeadlineExceededError("the cache did not take in the initial state");
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
  }
  return absl::OkStatus();
}

absl::Status FlyoverScheduler::RunLoop(kube::StopSignal* stop) {
  RETURN_IF_ERROR(WaitForSync());
  loop_->Run(stop);
  return absl::OkStatus();
}

std::shared_ptr<kube::Runnable> FlyoverScheduler::LoopRunnable() {
  return kube::MakeRunnable("scheduling-loop", /*need_leader_election=*/true,
                            [this](kube::StopSignal* stop) { return RunLoop(stop); });
}

absl::Status FlyoverScheduler::Start() {
  factory_.Start();
  RETURN_IF_ERROR(WaitForSync());
  loop_thread_ = std::thread([this] { (void)RunLoop(&stop_); });
  return absl::OkStatus();
}

void FlyoverScheduler::Stop() {
  stop_.Stop();
  if (loop_thread_.joinable()) loop_thread_.join();
  factory_.Shutdown();
}

}  // namespace flyover::sched
