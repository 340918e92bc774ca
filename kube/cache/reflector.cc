#include "kube/cache/reflector.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flyover::kube {
namespace {

uint64_t PickSeed(uint64_t seed) { return seed != 0 ? seed : std::random_device()(); }

std::string ResourceVersionField(const nlohmann::json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto rv = meta->find("resourceVersion");
  return rv != meta->end() && rv->is_string() ? rv->get<std::string>() : "";
}

}  // namespace

Reflector::Reflector(std::string resource, ListerWatcher* lister_watcher, ReflectorSink* sink,
                     ReflectorOptions options, Clock* clock, TransformFunc transform,
                     InformerMetrics* metrics)
    : resource_(std::move(resource)),
      lister_watcher_(lister_watcher),
      sink_(sink),
      options_(std::move(options)),
      clock_(clock),
      transform_(std::move(transform)),
      metrics_(metrics),
      logger_(log::Logger("kube.reflector").WithValues({{"resource", resource_}})),
      random_(PickSeed(options_.seed)),
      backoff_(options_.backoff, clock_, random_()) {}

std::string Reflector::LastSyncResourceVersion() const {
  absl::MutexLock lock(&mu_);
  return last_sync_rv_;
}

void Reflector::Run(StopSignal* stop) {
  bool need_list = true;
  while (!stop->stopped()) {
    if (need_list) {
      if (absl::Status s = ListAndReplace(); !s.ok()) {
        logger_.Error(s, "list failed");
        stop->WaitFor(clock_, backoff_.Next());
        continue;
      }
      need_list = false;
    }
    const std::optional<WatchEndReason> end = WatchOnce(stop);
    if (!end.has_value()) return;  // stopped
    if (metrics_ != nullptr) metrics_->WatchEnded(*end);
    if (*end == WatchEndReason::kClosed) continue;
    if (*end == WatchEndReason::kExpired) need_list = true;
    stop->WaitFor(clock_, backoff_.Next());
  }
}

absl::Status Reflector::ListAndReplace() {
  ListOptions options;
  options.timeout = options_.list_timeout;
  if (!rv_unavailable_) {
    const std::string rv = LastSyncResourceVersion();
    options.resource_version = rv.empty() ? "0" : rv;
  }
  if (listed_once_ && metrics_ != nullptr) metrics_->Relisted();
  // Items are packed as they arrive; they reach the sink only if the whole list succeeds.
  std::vector<ObjectPtr> objects;
  int skipped = 0;
  absl::StatusOr<std::string> rv = lister_watcher_->ListInto(options, [&](nlohmann::json item) {
    absl::StatusOr<ObjectPtr> object = MakeCachedObject(std::move(item), transform_);
    if (object.ok()) {
      objects.push_back(*std::move(object));
    } else {
      ++skipped;
    }
  });
  if (metrics_ != nullptr) metrics_->Listed(rv.ok());
  if (!rv.ok()) {
    // Asking for an expired RV again would fail again: fall back to the newest state.
    if (IsResourceExpired(rv.status())) rv_unavailable_ = true;
    return rv.status();
  }
  if (skipped > 0) logger_.Error("list items skipped: no name or not JSON", {{"count", skipped}});
  sink_->Replace(std::move(objects), *rv);
  watermark_ = std::nullopt;
  Advance(*rv);
  listed_once_ = true;
  rv_unavailable_ = false;
  logger_.Debug("listed", {{"resourceVersion", *rv}});
  return absl::OkStatus();
}

std::optional<WatchEndReason> Reflector::WatchOnce(StopSignal* stop) {
  WatchOptions options;
  options.resource_version = LastSyncResourceVersion();
  options.timeout = RandomWatchTimeout();
  options.allow_bookmarks = options_.allow_bookmarks;
  if (metrics_ != nullptr) metrics_->Watched();
  const absl::Time start = clock_->Now();
  int events = 0;
  const absl::Status status = lister_watcher_->Watch(
      options,
      [&](WatchEvent event) {
        ++events;
        return HandleEvent(std::move(event));
      },
      stop);
  if (stop->stopped()) return std::nullopt;
  if (IsResourceExpired(status)) {
    logger_.Info("watch expired; relisting", {{"resourceVersion", options.resource_version}});
    return WatchEndReason::kExpired;
  }
  if (!status.ok()) {
    logger_.Error(status, "watch failed", {{"resourceVersion", options.resource_version}});
    return WatchEndReason::kError;
  }
  if (events == 0 && clock_->Now() - start < options_.min_watch_duration) {
    logger_.Warn("watch closed at once without events",
                 {{"resourceVersion", options.resource_version}});
    return WatchEndReason::kTooShort;
  }
  return WatchEndReason::kClosed;
}

absl::Status Reflector::HandleEvent(WatchEvent event) {
  if (metrics_ != nullptr) metrics_->Event(event.type);
  switch (event.type) {
    case WatchEventType::kError:
      return StatusFromErrorEvent(event.object);
    case WatchEventType::kBookmark: {
      const std::string rv = ResourceVersionField(event.object);
      if (!rv.empty() && !IsStale(rv)) Advance(rv);
      return absl::OkStatus();
    }
    case WatchEventType::kAdded:
    case WatchEventType::kModified:
    case WatchEventType::kDeleted:
      break;
  }
  return HandleObjectEvent(event.type, std::move(event.object));
}

absl::Status Reflector::HandleObjectEvent(WatchEventType type, nlohmann::json object) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(WatchEventTypeName(type), " watch event without an object"));
  }
  const std::string rv = ResourceVersionField(object);
  if (IsStale(rv)) {
    if (metrics_ != nullptr) metrics_->StaleEvent();
    logger_.Debug("stale watch event dropped", {{"resourceVersion", rv}});
    return absl::OkStatus();
  }
  absl::StatusOr<ObjectPtr> cached = MakeCachedObject(std::move(object), transform_);
  if (cached.ok()) {
    sink_->Apply(type, *std::move(cached));
  } else {
    logger_.Error(cached.status(), "watch event skipped", {{"resourceVersion", rv}});
  }
  if (!rv.empty()) Advance(rv);
  return absl::OkStatus();
}

bool Reflector::IsStale(absl::string_view rv) const {
  const std::optional<uint64_t> parsed = ParseResourceVersion(rv);
  return parsed.has_value() && watermark_.has_value() && *parsed <= *watermark_;
}

void Reflector::Advance(const std::string& rv) {
  if (std::optional<uint64_t> parsed = ParseResourceVersion(rv)) watermark_ = parsed;
  absl::MutexLock lock(&mu_);
  last_sync_rv_ = rv;
}

absl::Duration Reflector::RandomWatchTimeout() {
  const double factor = 1.0 + std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  // Whole seconds, as timeoutSeconds carries them.
  return absl::Seconds(
      static_cast<int64_t>(absl::ToDoubleSeconds(options_.min_watch_timeout) * factor));
}

}  // namespace flyover::kube
