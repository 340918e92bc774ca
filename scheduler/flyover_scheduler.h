// FlyoverScheduler: flyover-scheduler assembled: informers (Nodes, Pods, kube-system
// ConfigMaps) feeding the ClusterCache and the GangCollector, the GangQueue, the core
// (default plugins plus CacheReservePlugin), the binder, the reporter, the metrics, and the
// SchedulingLoop.
//
//   ASSIGN_OR_RETURN(auto scheduler, FlyoverScheduler::Create(client, recorder, options));
//   manager.Add(kube::InformerFactoryRunnable(scheduler->factory()));  // every replica
//   manager.Add(scheduler->LoopRunnable());                            // the leader only
// or, in tests, Start() / Stop().
//
// Pod events go to the cache first, then to the collector; a gang with min-member pods goes
// on the queue; a change to nodes, device health or bound pods retries parked gangs.
//
// Ownership: borrows the client and the recorder, which must outlive it. Thread-safety:
// Start/Stop from one thread; the accessors from any.
#ifndef FLYOVER_SCHEDULER_FLYOVER_SCHEDULER_H_
#define FLYOVER_SCHEDULER_FLYOVER_SCHEDULER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "kube/api/scheduling_annotations.h"
#include "kube/cache/informer_factory.h"
#include "kube/client/rest_client.h"
#include "kube/controller/event_recorder.h"
#include "kube/controller/runnable.h"
#include "prometheus/registry.h"
#include "scheduler/scheduling_loop.h"

namespace flyover::sched {

struct FlyoverSchedulerOptions {
  std::string scheduler_name = kube::scheduling::kSchedulerName;
  Clock* clock = RealClock();
  std::shared_ptr<prometheus::Registry> registry;  // null: metrics not exported
  SchedulerOptions core;
  GangQueueOptions queue;  // its clock is replaced by `clock`
  absl::Duration assume_ttl = absl::Seconds(30);
  int bind_parallelism = 16;  // pods of one gang bound at once
  int bind_workers = 16;      // gangs bound at once
  absl::Duration cache_sync_timeout = absl::Seconds(60);
};

class FlyoverScheduler {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FlyoverScheduler>> Create(
      kube::RestClient* client, kube::EventRecorder* recorder, FlyoverSchedulerOptions options);
  ~FlyoverScheduler();  // Stop()
  FlyoverScheduler(const FlyoverScheduler&) = delete;
  FlyoverScheduler& operator=(const FlyoverScheduler&) = delete;

  [[nodiscard]] kube::SharedInformerFactory* factory() { return &factory_; }
  // Runs the scheduling loop until stopped; waits for the caches to sync first.
  [[nodiscard]] std::shared_ptr<kube::Runnable> LoopRunnable();

  // Starts informers and the loop on threads of its own (for tests and benchmarks).
  [[nodiscard]] absl::Status Start();
  void Stop();

  [[nodiscard]] ClusterCache& cache() { return cache_; }
  [[nodiscard]] GangQueue& queue() { return queue_; }

 private:
  FlyoverScheduler(kube::RestClient* client, kube::EventRecorder* recorder,
                   FlyoverSchedulerOptions options, std::unique_ptr<Scheduler> core);
  void RegisterHandlers();
  void OnPod(const kube::ObjectPtr& pod);
  void OnPodDeleted(const kube::ObjectPtr& pod);
  void Enqueue(const std::string& key);
  absl::Status RunLoop(kube::StopSignal* stop);
  // Informers synced and every handler told of the initial state (handlers run on threads of
  // their own, so a synced store alone does not mean the cache has every node yet).
  absl::Status WaitForSync();

  const FlyoverSchedulerOptions options_;
  kube::RestClient* const client_;
  kube::SharedInformerFactory factory_;
  ClusterCache cache_;
  GangCollector collector_;
  GangQueue queue_;
  GangBinder binder_;
  GangReporter reporter_;
  SchedulerMetrics metrics_;
  std::unique_ptr<Scheduler> core_;
  std::unique_ptr<SchedulingLoop> loop_;  // created once core_ exists
  std::vector<kube::HandlerRegistration> registrations_;
  kube::StopSignal stop_;
  std::thread loop_thread_;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_FLYOVER_SCHEDULER_H_
