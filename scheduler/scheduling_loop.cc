#include "scheduler/scheduling_loop.h"

#include <iterator>
#include <map>
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

// The longest gang timeout its pods state (zero: none).
absl::Duration GangTimeout(const PendingGang& gang) {
  absl::Duration timeout = absl::ZeroDuration();
  for (const PodInfo& pod : gang.pods) timeout = std::max(timeout, pod.gang.timeout);
  return timeout;
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
  ForgetGoneGangs();
  parts_.metrics->SetQueueSizes(parts_.queue->active_size(), parts_.queue->unschedulable_size());
  parts_.metrics->SetFragmentedFreeDies(FragmentedFreeDies(parts_.cache->Snapshot()));
}

void SchedulingLoop::ScheduleOne(const std::string& key) {
  const absl::Time started = options_.clock->Now();
  std::optional<PendingGang> gang = parts_.collector->Get(key);
  if (!gang.has_value()) {  // no pods left
    StopWaiting(key);
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

absl::Time SchedulingLoop::WaitingSince(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&waiting_mu_);
  return waiting_since_.try_emplace(key, now).first->second;
}

void SchedulingLoop::StopWaiting(const std::string& key) {
  absl::MutexLock lock(&waiting_mu_);
  waiting_since_.erase(key);
}

void SchedulingLoop::ForgetGoneGangs() {
  absl::MutexLock lock(&waiting_mu_);
  for (auto it = waiting_since_.begin(); it != waiting_since_.end();) {
    const bool gone = !parts_.collector->Summary(it->first).has_value();
    it = gone ? waiting_since_.erase(it) : std::next(it);
  }
}

void SchedulingLoop::Unschedulable(const PendingGang& gang, const absl::Status& reason) {
  const absl::Time now = options_.clock->Now();
  const absl::Time since = WaitingSince(gang.key, now);
  const absl::Duration timeout = GangTimeout(gang);
  absl::Status status = reason;
  absl::Time wake_by = absl::InfiniteFuture();
  if (timeout > absl::ZeroDuration() && IsUnschedulable(reason)) {
    if (now - since >= timeout) {
      status = UnschedulableError(absl::StrCat(
          reason.message(), "; not placed whole within its gang timeout of ",
          absl::FormatDuration(timeout), ", it holds no resources and stays queued"));
    } else {
      wake_by = since + timeout;  // retried then, to report the timeout
    }
  }
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
  parts_.queue->Done(gang.key, retriable ? GangOutcome::kUnschedulable : GangOutcome::kError,
                     wake_by);
}

void SchedulingLoop::Bind(const PendingGang& gang, const GangRequest& request,
                          const GangPlacement& placement, absl::Time started) {
  std::map<std::string, std::string> uid_of;
  for (const PodInfo& pod : gang.pods) uid_of[pod.name] = pod.uid;
  std::vector<PodBinding> bindings = BindingsFor(gang.namespace_, placement);
  // Bind the pods that were placed, not namesakes created since.
  for (PodBinding& binding : bindings) binding.uid = uid_of[binding.name];
  GangBindResult result = parts_.binder->BindGang(bindings);
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
  StopWaiting(gang.key);
  parts_.metrics->CountAttempt("scheduled");
  parts_.metrics->ObserveGangBound(options_.clock->Now() - started, request.pods.size());
  if (absl::Status report = parts_.reporter->ReportScheduled(gang); !report.ok()) {
    Logger().Warn("reporting a scheduled gang failed", {{"gang", gang.key}, {"error", report}});
  }
  parts_.queue->Done(gang.key, GangOutcome::kScheduled);
  // Pods left over (the rest of a gang completed pod by pod) go again.
  if (parts_.collector->Get(gang.key).has_value()) {
    parts_.queue->Add(gang.key, {.replacement = gang.replacement,
                                 .priority = gang.priority,
                                 .created = gang.created});
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
