#include "kube/controller/controller.h"

#include <exception>
#include <thread>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/cache/event_handler.h"

namespace flyover::kube {
namespace {

constexpr char kTerminalPayloadUrl[] = "type.flyover.dev/controller.TerminalError";
constexpr absl::Duration kSyncPollInterval = absl::Milliseconds(10);

}  // namespace

absl::Status TerminalError(absl::Status status) {
  if (status.ok()) return status;
  status.SetPayload(kTerminalPayloadUrl, absl::Cord("terminal"));
  return status;
}

bool IsTerminalError(const absl::Status& status) {
  return status.GetPayload(kTerminalPayloadUrl).has_value() ||
         absl::IsInvalidArgument(status) || absl::IsFailedPrecondition(status);
}

absl::StatusOr<std::unique_ptr<Controller>> Controller::Create(ControllerOptions options,
                                                               ReconcileFunc reconcile) {
  auto invalid = [&](absl::string_view field, absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("controller \"", options.name, "\" ", field, ": ", why));
  };
  if (options.name.empty()) return invalid("name", "must not be empty");
  if (!reconcile) return invalid("reconcile", "must be given");
  if (options.clock == nullptr) return invalid("clock", "must be given");
  if (options.max_concurrent_reconciles < 1) {
    return invalid("max_concurrent_reconciles", "must be at least 1");
  }
  std::unique_ptr<RateLimiter> limiter = std::move(options.rate_limiter);
  return std::unique_ptr<Controller>(
      new Controller(std::move(options), std::move(limiter), std::move(reconcile)));
}

Controller::Controller(ControllerOptions options, std::unique_ptr<RateLimiter> limiter,
                       ReconcileFunc reconcile)
    : options_(std::move(options)),
      reconcile_(std::move(reconcile)),
      logger_(log::Logger("controller").WithValues({{"controller", options_.name}})),
      metrics_(options_.registry, options_.name, options_.max_concurrent_reconciles),
      queue_(WorkQueueOptions{.name = options_.name,
                              .registry = options_.registry,
                              .clock = options_.clock},
             std::move(limiter)) {}

Controller::~Controller() {
  std::vector<WatchedInformer> watches;
  {
    absl::MutexLock lock(&mu_);
    watches.swap(watches_);
  }
  for (WatchedInformer& watch : watches) watch.informer->RemoveEventHandler(watch.registration);
}

absl::Status Controller::Watch(SharedInformer* informer, KeyMapper map) {
  if (informer == nullptr || !map) {
    return absl::InvalidArgumentError(
        absl::StrCat("controller \"", options_.name, "\" watch: informer and mapper required"));
  }
  auto handler = std::make_shared<FuncEventHandler>(FuncEventHandler::Funcs{
      .on_add = [this, map](const ObjectPtr& object, bool) { EnqueueAll(map(object->view())); },
      .on_update =
          [this, map](const ObjectPtr& old_object, const ObjectPtr& new_object) {
            EnqueueAll(map(old_object->view()));
            EnqueueAll(map(new_object->view()));
          },
      .on_delete = [this, map](const ObjectPtr& object, bool) { EnqueueAll(map(object->view())); },
  });
  HandlerRegistration registration = informer->AddEventHandler(std::move(handler));
  absl::MutexLock lock(&mu_);
  watches_.push_back({informer, std::move(registration)});
  return absl::OkStatus();
}

void Controller::EnqueueAll(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) queue_.Add(key);
}

absl::Status Controller::Start(StopSignal* stop) {
  {
    absl::MutexLock lock(&mu_);
    if (started_) {
      return absl::FailedPreconditionError(
          absl::StrCat("controller \"", options_.name, "\" was already started"));
    }
    started_ = true;
  }
  RETURN_IF_ERROR(WaitForCacheSync(stop));
  if (stop->stopped()) return absl::OkStatus();
  logger_.Info("starting workers", {{"workers", options_.max_concurrent_reconciles}});
  std::vector<std::thread> workers;
  for (int i = 0; i < options_.max_concurrent_reconciles; ++i) {
    workers.emplace_back([this, stop] { Worker(stop); });
  }
  stop->WaitFor(RealClock(), absl::InfiniteDuration());
  logger_.Info("stopping workers; waiting for reconciles in progress");
  queue_.ShutDown();
  for (std::thread& worker : workers) worker.join();
  logger_.Info("all workers finished");
  return absl::OkStatus();
}

bool Controller::CachesSynced() const {
  absl::MutexLock lock(&mu_);
  for (const WatchedInformer& watch : watches_) {
    if (!watch.informer->HasSynced() || !watch.registration.HasSynced()) return false;
  }
  return true;
}

absl::Status Controller::WaitForCacheSync(StopSignal* stop) {
  const absl::Time deadline = absl::Now() + options_.cache_sync_timeout;
  while (!CachesSynced()) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("controller \"", options_.name, "\": caches not synced within ",
                       absl::FormatDuration(options_.cache_sync_timeout)));
    }
    // Polled, as client-go's WaitForCacheSync does; the stop signal ends the wait at once.
    if (stop->WaitFor(RealClock(), kSyncPollInterval)) return absl::OkStatus();
  }
  return absl::OkStatus();
}

void Controller::Worker(StopSignal* stop) {
  while (std::optional<std::string> key = queue_.Get()) {
    if (!stop->stopped()) ProcessKey(*key);
    queue_.Done(*key);
  }
}

absl::StatusOr<Result> Controller::CallReconcile(const std::string& key) {
  try {
    return reconcile_(key);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("reconcile threw: ", e.what()));
  } catch (...) {
    return absl::InternalError("reconcile threw a non-standard exception");
  }
}

void Controller::ProcessKey(const std::string& key) {
  metrics_.WorkerStarted();
  const absl::Time start = options_.clock->Now();
  absl::StatusOr<Result> result = CallReconcile(key);
  const absl::Duration took = options_.clock->Now() - start;
  metrics_.WorkerFinished();
  if (!result.ok()) {
    const bool terminal = IsTerminalError(result.status());
    logger_.Error(result.status(), "reconciler error", {{"key", key}, {"terminal", terminal}});
    metrics_.Error(terminal);
    metrics_.Observe(ReconcileResult::kError, took);
    if (terminal) {
      queue_.Forget(key);
    } else {
      queue_.AddRateLimited(key);
    }
  } else if (result->requeue_after > absl::ZeroDuration()) {
    metrics_.Observe(ReconcileResult::kRequeueAfter, took);
    queue_.Forget(key);
    queue_.AddAfter(key, result->requeue_after);
  } else if (result->requeue) {
    metrics_.Observe(ReconcileResult::kRequeue, took);
    queue_.AddRateLimited(key);
  } else {
    metrics_.Observe(ReconcileResult::kSuccess, took);
    queue_.Forget(key);
  }
}

}  // namespace flyover::kube
