// SchedulingLoop: flyover-scheduler's cycle. One thread pops ready gangs from the GangQueue
// and, for each:
//   1. reads the gang's pending pods (GangCollector) and a snapshot of the cache;
//   2. builds the core's GangRequest and calls Scheduler::PlaceGang;
//   3. unschedulable (or a request that can never be placed): reports it (GangReporter:
//      pod condition, Event, job condition) and parks the gang (backoff, retried on change).
//      A gang with a timeout (scheduling.flyover.dev/gang-timeout-seconds) that has not been
//      placed whole since its first failed attempt is retried when the timeout runs out, and
//      from then on reported with the timeout in the message. It holds nothing meanwhile: the
//      core places all pods or none and only a whole placement is assumed, so the timeout has no
//      reservation to release; the gang stays queued, with backoff;
//   4. placed: Scheduler::Commit, whose Reserve plugin (CacheReservePlugin) assumes the pods,
//      then hands the binding to a pool of bind workers and goes on with the next gang. A
//      gang's key stays "in flight" in the queue until its binding ends, so it is never
//      scheduled twice at once.
// Bind workers (GangBinder) POST bindings carrying the placement annotations (one write per
// pod); on success the cache starts the assumed pods' TTL and the job's condition becomes
// Schedulable=True; on failure the unbound pods' assumptions are forgotten, a BindFailed
// Event goes on the job, and the gang is retried after backoff (its bound pods stay bound and
// count towards min-member).
// Housekeeping every `housekeeping_interval`: expired assumptions, metric gauges, the gang
// timeout clocks of gangs that no longer exist.
//
// Ownership: borrows every part; they must outlive the loop. Thread-safety: Run() once from
// one thread; ScheduleOne() is for tests that drive the loop by hand (never with Run()).
#ifndef FLYOVER_SCHEDULER_SCHEDULING_LOOP_H_
#define FLYOVER_SCHEDULER_SCHEDULING_LOOP_H_

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/cache/stop_signal.h"
#include "scheduler/binder/gang_binder.h"
#include "scheduler/cache/cluster_cache.h"
#include "scheduler/framework/framework.h"
#include "scheduler/queue/gang_collector.h"
#include "scheduler/queue/gang_queue.h"
#include "scheduler/report/gang_reporter.h"
#include "scheduler/scheduler_metrics.h"

namespace flyover::sched {

struct SchedulingParts {
  Scheduler* core = nullptr;
  ClusterCache* cache = nullptr;
  GangCollector* collector = nullptr;
  GangQueue* queue = nullptr;
  GangBinder* binder = nullptr;
  GangReporter* reporter = nullptr;
  SchedulerMetrics* metrics = nullptr;
};

struct SchedulingLoopOptions {
  Clock* clock = RealClock();
  // Gangs whose bindings may be in flight at once.
  int bind_workers = 4;
  absl::Duration housekeeping_interval = absl::Seconds(1);
};

class SchedulingLoop {
 public:
  SchedulingLoop(SchedulingParts parts, SchedulingLoopOptions options = {});
  ~SchedulingLoop();  // stops the bind workers after their current gang
  SchedulingLoop(const SchedulingLoop&) = delete;
  SchedulingLoop& operator=(const SchedulingLoop&) = delete;

  // Schedules until `stop` is signalled (closing the queue), then waits for bindings.
  void Run(kube::StopSignal* stop);
  // One attempt for the gang `key` (popped from the queue by the caller).
  void ScheduleOne(const std::string& key);
  // Waits (real time) until no binding is queued or running.
  [[nodiscard]] bool WaitForBindings(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);
  void Housekeeping();

 private:
  void Submit(std::function<void()> task) ABSL_LOCKS_EXCLUDED(mu_);
  void BindWorker() ABSL_LOCKS_EXCLUDED(mu_);
  void Unschedulable(const PendingGang& gang, const absl::Status& status);
  // When the gang's first attempt began (now for a first attempt); forgotten once placed.
  absl::Time WaitingSince(const std::string& key, absl::Time now) ABSL_LOCKS_EXCLUDED(waiting_mu_);
  void StopWaiting(const std::string& key) ABSL_LOCKS_EXCLUDED(waiting_mu_);
  // Drops the first-attempt times of gangs whose pods are all gone (deleted while parked).
  void ForgetGoneGangs() ABSL_LOCKS_EXCLUDED(waiting_mu_);
  void Bind(const PendingGang& gang, const GangRequest& request, const GangPlacement& placement,
            absl::Time started);

  const SchedulingParts parts_;
  const SchedulingLoopOptions options_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
  absl::Mutex waiting_mu_;
  std::map<std::string, absl::Time> waiting_since_ ABSL_GUARDED_BY(waiting_mu_);
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_SCHEDULING_LOOP_H_
