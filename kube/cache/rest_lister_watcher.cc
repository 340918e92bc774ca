#include "kube/cache/rest_lister_watcher.h"

#include <stop_token>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kube/client/api_status.h"
#include "kube/client/watch_decoder.h"

namespace flyover::kube {
namespace {

uint64_t PickSeed(uint64_t seed) { return seed != 0 ? seed : std::random_device()(); }

WatchEventType ToWatchEventType(WatchStreamEventType type) {
  switch (type) {
    case WatchStreamEventType::kAdded:
      return WatchEventType::kAdded;
    case WatchStreamEventType::kModified:
      return WatchEventType::kModified;
    case WatchStreamEventType::kDeleted:
      return WatchEventType::kDeleted;
    case WatchStreamEventType::kBookmark:
      return WatchEventType::kBookmark;
    case WatchStreamEventType::kError:
      break;
  }
  return WatchEventType::kError;
}

}  // namespace

absl::Status ToListerWatcherStatus(const absl::Status& status) {
  if (status.ok()) return status;
  if (IsGoneOrExpired(status)) {
    absl::Status expired = ResourceExpiredError(status.message());
    if (auto api = status.GetPayload(kApiStatusPayloadUrl)) {
      expired.SetPayload(kApiStatusPayloadUrl, *api);
    }
    return expired;
  }
  if (absl::IsCancelled(status)) {
    return absl::UnavailableError(absl::StrCat("stream cut short: ", status.message()));
  }
  return status;
}

RestListerWatcher::RestListerWatcher(RestClient* client, ResourceDescriptor resource,
                                     RestListerWatcherOptions options)
    : client_(client),
      resource_(std::move(resource)),
      options_(std::move(options)),
      random_(PickSeed(options_.seed)) {}

absl::StatusOr<ListResult> RestListerWatcher::List(const ListOptions& options) {
  ListResult result;
  absl::StatusOr<std::string> rv =
      ListInto(options, [&result](nlohmann::json item) { result.items.push_back(std::move(item)); });
  if (!rv.ok()) return rv.status();
  result.resource_version = *std::move(rv);
  return result;
}

absl::StatusOr<std::string> RestListerWatcher::ListInto(const ListOptions& options,
                                                        ListItemSink sink) {
  Clock* clock = client_->clock();
  const absl::Time deadline = clock->Now() + options.timeout;
  RestListOptions page;
  page.label_selector = options_.label_selector;
  page.field_selector = options_.field_selector;
  page.limit = options_.page_size;
  page.resource_version = options.resource_version;
  for (int pages = 0;; ++pages) {
    if (pages > 0 && clock->Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrFormat("listing %s: not done after %d pages within %s", resource_.QualifiedName(),
                          pages, absl::FormatDuration(options.timeout)));
    }
    absl::StatusOr<ObjectList> result = client_->ListPage(resource_, options_.namespace_, page);
    if (!result.ok()) return ToListerWatcherStatus(result.status());
    for (nlohmann::json& item : result->items) sink(std::move(item));
    if (result->continue_token.empty()) return std::move(result->resource_version);
    page.continue_token = std::move(result->continue_token);
    page.resource_version.clear();  // the continue token pins the version
  }
}

absl::Status RestListerWatcher::Watch(const WatchOptions& options, WatchEventSink sink,
                                      StopSignal* stop) {
  std::stop_source cancel;
  // Destroyed before `cancel`: once it is gone the callback never runs again.
  StopSignal::Registration registration = stop->OnStop([&cancel] { cancel.request_stop(); });

  RestWatchOptions watch;
  watch.label_selector = options_.label_selector;
  watch.field_selector = options_.field_selector;
  watch.resource_version = options.resource_version;
  watch.allow_bookmarks = options.allow_bookmarks;
  watch.timeout = WatchTimeout(options.timeout);
  absl::Status sink_status;
  const absl::Status status = client_->Watch(
      resource_, options_.namespace_, watch,
      [&](WatchStreamEvent event) {
        sink_status = sink(WatchEvent{ToWatchEventType(event.type), std::move(event.object)});
        return sink_status;
      },
      cancel.get_token());
  registration.Reset();
  if (stop->stopped()) return absl::OkStatus();
  if (!sink_status.ok()) return sink_status;
  return ToListerWatcherStatus(status);
}

absl::Duration RestListerWatcher::WatchTimeout(absl::Duration requested) {
  if (requested > absl::ZeroDuration()) return requested;
  double factor;
  {
    absl::MutexLock lock(&mu_);
    factor = 1.0 + std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  }
  // Whole seconds, as timeoutSeconds carries them; never past 2 * min.
  const int64_t seconds =
      static_cast<int64_t>(absl::ToDoubleSeconds(options_.min_watch_timeout) * factor);
  return absl::Seconds(seconds);
}

}  // namespace flyover::kube
