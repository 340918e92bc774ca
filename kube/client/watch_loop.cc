#include "kube/client/watch_loop.h"

#include <utility>

#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "kube/client/api_status.h"
#include "kube/client/rest_client_internal.h"

namespace flyover::kube {
namespace {

// A watch that ends this fast without events is treated as failed, as client-go does, so
// a server that closes watches at once is not hammered.
constexpr absl::Duration kShortWatch = absl::Seconds(1);

bool IsTerminal(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsUnimplemented(status) ||
         absl::IsCancelled(status);
}

// Sleeps `duration` on `clock`; returns false at once if `stop` is requested meanwhile.
bool SleepUnlessStopped(Clock* clock, absl::Duration duration, const std::stop_token& stop) {
  absl::Mutex mu;
  bool stopped = false;
  std::stop_callback on_stop(stop, [&] {
    absl::MutexLock lock(&mu);
    stopped = true;
  });
  absl::MutexLock lock(&mu);
  clock->AwaitWithTimeout(&mu, absl::Condition(&stopped), duration);
  return !stopped;
}

}  // namespace

absl::Status RunResumingWatch(RestClient* client, const ResourceDescriptor& resource,
                              absl::string_view ns, std::string resource_version,
                              const ResumingWatchOptions& options, const WatchHandler& handler,
                              std::stop_token stop, std::string* last_resource_version) {
  Clock* clock = client->clock();
  RandomSource random = options.random ? options.random : DefaultRandomSource();
  WatchBackoff backoff(options.backoff, clock, random);
  const std::string label = internal::ResourceLabel(resource, "");
  const log::Logger logger = log::Logger("kube.watch").WithValues({{"resource", label}});
  absl::Status result;
  while (!stop.stop_requested()) {
    RestWatchOptions watch;
    watch.label_selector = options.label_selector;
    watch.field_selector = options.field_selector;
    watch.allow_bookmarks = options.allow_bookmarks;
    watch.resource_version = resource_version;
    watch.timeout = options.min_watch_timeout * (1.0 + random());
    int64_t events = 0;
    absl::Status handler_error;
    const absl::Time start = clock->Now();
    absl::Status status = client->Watch(
        resource, ns, watch,
        [&](WatchStreamEvent event) {
          ++events;
          std::string rv = event.ResourceVersion();
          handler_error = handler(std::move(event));
          if (handler_error.ok() && !rv.empty()) resource_version = std::move(rv);
          return handler_error;
        },
        stop);
    if (stop.stop_requested()) break;
    if (!handler_error.ok()) {
      result = std::move(handler_error);
      break;
    }
    if (IsGoneOrExpired(status)) {
      if (client->metrics() != nullptr) client->metrics()->RecordRelist(label, "watch_expired");
      result = status;
      break;
    }
    if (status.ok() && events == 0 && clock->Now() - start < kShortWatch) {
      status = absl::UnavailableError("watch closed immediately without events");
    }
    if (status.ok()) {
      if (client->metrics() != nullptr) client->metrics()->RecordWatchRestart(label, "closed");
      continue;
    }
    if (IsTerminal(status)) {
      result = status;
      break;
    }
    if (client->metrics() != nullptr) client->metrics()->RecordWatchRestart(label, "error");
    const absl::Duration delay = backoff.Next();
    logger.Warn("watch failed, reconnecting",
                {{"error", status}, {"delay", delay}, {"resourceVersion", resource_version}});
    if (!SleepUnlessStopped(clock, delay, stop)) break;
  }
  if (last_resource_version != nullptr) *last_resource_version = resource_version;
  if (result.ok()) result = absl::CancelledError("watch stopped");
  return result;
}

}  // namespace flyover::kube
