#include "scheduler/scheduling_loop.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "scheduler/gang_request_builder.h"

namespace flyover::sched {
namespace {

const log::Logger& Logger() {
  static const log::Logger* logger = new log::Logger("scheduler");
  return *logger;
}

}  // namespace

SchedulingLoop::SchedulingLoop(SchedulingParts parts, SchedulingLoopOptions options)
    : parts_(parts), options_(std::move(options)) {
  for (int i = 0; i < std::max(1, options_.bind_workers); ++i) {
    workers_.emplace_back([this] { BindWorker(); });
  }
}

SchedulingLoop::~SchedulingLoop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

void SchedulingLoop::Run(kube::StopSignal* stop) {
  kube::StopSignal::Registration closer = stop->OnStop([this] { parts_.queue->Close(); });
  absl::Time next_housekeeping = options_.clock->Now();
  while (!stop->stopped()) {
    if (options_.clock->Now() >= next_housekeeping) {
      Housekeeping();
      next_housekeeping = options_.clock->Now() + options_.housekeeping_interval;
    }
    std::optional<std::string> key = parts_.queue->Pop(options_.housekeeping_interval);
    if (key.has_value()) ScheduleOne(*key);
  }
  (void)WaitForBindings(absl::Seconds(30));
}

void SchedulingLoop::Housekeeping() {
  if (parts_.cache->CleanupExpired() > 0) parts_.queue->OnClusterChange();
  parts_.metrics->SetQueueSizes(parts_.queue->active_size(), parts_.queue->unschedulable_size());
  parts_.metrics->SetFragmentedFreeDies(FragmentedFreeDies(parts_.cache->Snapshot()));
}

void SchedulingLoop::ScheduleOne(const std::string& key) {
  const absl::Time started = options_.clock->Now();
  std::optional<PendingGang> gang = parts_.collector->Get(key);
  if (!gang.has_value()) {  // no pods left
    parts_.reporter->Forget(key);
    parts_.queue->Done(key, GangOutcome::kScheduled);
    return;
  }
  ClusterSnapshot snapshot = parts_.cache->Snapshot();
  GangRequest request = BuildGangRequest(*gang, snapshot);
  // Every pod assumed or bound already, or members still missing (counting those bound): the
  // next pod event re-adds the gang.
  if (request.pods.empty() || static_cast<int>(request.pods.size()) < request.min_member) {
    parts_.queue->Done(key, GangOutcome::kScheduled);
    return;
  }
  for (const PodInfo& pod : gang->pods) {
    if (!pod.parse_error.ok()) {  // a malformed annotation: say so, on the pod and the job
      Unschedulable(*gang, Annotate(pod.parse_error, absl::StrCat("pod ", pod.name)));
      return;
    }
  }
  absl::StatusOr<GangPlacement> placement = parts_.core->PlaceGang(snapshot, request);
  if (!placement.ok()) {
    Unschedulable(*gang, placement.status());
    return;
  }
  parts_.metrics->ObservePlacement(options_.clock->Now() - started, *placement);
  if (absl::Status status = parts_.core->Commit(request, *placement); !status.ok()) {
    Logger().Warn("reserve failed; retrying the gang", {{"gang", key}, {"error", status}});
    parts_.metrics->CountAttempt("error");
    parts_.queue->Done(key, GangOutcome::kError);
    return;
  }
  Submit([this, gang = *std::move(gang), request = std::move(request),
          placement = *std::move(placement), started] { Bind(gang, request, placement, started); });
}

void SchedulingLoop::Unschedulable(const PendingGang& gang, const absl::Status& status) {
  const bool retriable = IsUnschedulable(status) || absl::IsInvalidArgument(status);
  parts_.metrics->CountAttempt(retriable ? "unschedulable" : "error");
  if (retriable) {
    Logger().Info("gang unschedulable", {{"gang", gang.key}, {"reason", status.message()}});
    if (absl::Status report =
            parts_.reporter->ReportUnschedulable(gang, std::string(status.message()));
        !report.ok()) {
      Logger().Warn("reporting an unschedulable gang failed",
                    {{"gang", gang.key}, {"error", report}});
    }
  } else {
    Logger().Warn("placement failed", {{"gang", gang.key}, {"error", status}});
  }
  parts_.queue->Done(gang.key, retriable ? GangOutcome::kUnschedulable : GangOutcome::kError);
}

void SchedulingLoop::Bind(const PendingGang& gang, const GangRequest& request,
                          const GangPlacement& placement, absl::Time started) {
  GangBindResult result = parts_.binder->BindGang(BindingsFor(gang.namespace_, placement));
  for (const std::string& pod : result.bound) parts_.cache->FinishBinding(pod);
  if (!result.ok()) {
    for (const std::string& pod : result.not_bound) parts_.cache->ForgetPod(pod);
    Logger().Warn("gang binding failed",
                  {{"gang", gang.key}, {"pod", result.failed_pod}, {"error", result.error}});
    parts_.reporter->ReportBindFailure(gang, result);
    parts_.metrics->CountAttempt("bind_error");
    parts_.queue->Done(gang.key, GangOutcome::kError);
    return;
  }
  parts_.metrics->CountAttempt("scheduled");
  parts_.metrics->ObserveGangBound(options_.clock->Now() - started, request.pods.size());
  if (absl::Status report = parts_.reporter->ReportScheduled(gang); !report.ok()) {
    Logger().Warn("reporting a scheduled gang failed", {{"gang", gang.key}, {"error", report}});
  }
  parts_.queue->Done(gang.key, GangOutcome::kScheduled);
  // Pods left over (the rest of a gang completed pod by pod) go again.
  if (parts_.collector->Get(gang.key).has_value()) {
    parts_.queue->Add(gang.key, {.replacement = gang.replacement, .created = gang.created});
  }
}

void SchedulingLoop::Submit(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(task));
}

void SchedulingLoop::BindWorker() {
  for (;;) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](SchedulingLoop* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->stopping_ || !self->tasks_.empty();
          },
          this));
      if (tasks_.empty()) return;  // stopping, nothing left
      task = std::move(tasks_.front());
      tasks_.pop_front();
      ++running_;
    }
    task();
    absl::MutexLock lock(&mu_);
    --running_;
  }
}

bool SchedulingLoop::WaitForBindings(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(
      absl::Condition(
          +[](SchedulingLoop* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->tasks_.empty() && self->running_ == 0;
          },
          this),
      timeout);
}

}  // namespace flyover::sched
