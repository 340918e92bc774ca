// FakeApiServer: watch streams. Each watch runs on the thread that called the transport's
// Stream(); it waits on the shared state's mutex for changes and hands each event line to the
// client's chunk handler with the mutex released.
#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kube/testing/fake_api_internal.h"

namespace flyover::kube::testing::internal {
namespace {

using nlohmann::json;

std::string EventLine(absl::string_view type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump(-1, ' ', false,
                                                       json::error_handler_t::replace) +
         "\n";
}

bool MatchesFields(const json& object, const std::string& selector) {
  absl::StatusOr<bool> match = MatchesFieldSelector(object, selector);
  return match.ok() && *match;
}

// Whether the watch has something to do: lines to hand over, changes to look at, or an end.
bool Ready(const FakeApiState& s, const WatchState& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
  return w.end != WatchState::End::kNone || !w.pending.empty() || w.expire || w.finish ||
         s.store.resource_version() > w.cursor ||
         (w.bookmarks && w.bookmark_generation != s.bookmark_generation);
}

// Fills the watch's pending lines with what it should send next.
void Prepare(FakeApiState& s, WatchState& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
  if (w.expire && !w.finish) {
    w.expire = false;
    w.finish = true;
    w.pending.push_back(EventLine(
        "ERROR", StatusResult(410, "Expired", "too old resource version: the watch expired").body));
    return;
  }
  CollectChanges(s, w);
  if (!w.finish && w.bookmarks && w.bookmark_generation != s.bookmark_generation) {
    w.bookmark_generation = s.bookmark_generation;
    const json bookmark = {{"kind", w.resource->kind},
                           {"apiVersion", w.resource->ApiVersion()},
                           {"metadata", {{"resourceVersion", absl::StrCat(w.cursor)}}}};
    w.pending.push_back(EventLine("BOOKMARK", bookmark));
  }
}

absl::StatusOr<HttpResponse> Ended(WatchState::End end) {
  switch (end) {
    case WatchState::End::kDropped:
      return absl::UnavailableError("connection reset: the fake API server dropped the watch");
    case WatchState::End::kCancelled:
      return absl::CancelledError("stream stopped");
    case WatchState::End::kClosed:
    case WatchState::End::kNone:
      break;
  }
  return JsonResponse(200, json());
}

// Hands event lines to the client until the watch ends.
absl::StatusOr<HttpResponse> Pump(FakeApiState& s, WatchState& w, const BodyChunkHandler& on_chunk,
                                  const std::stop_token& stop) ABSL_LOCKS_EXCLUDED(s.mu) {
  for (;;) {
    std::vector<std::string> lines;
    {
      absl::MutexLock lock(&s.mu);
      w.delivering = false;
      auto ready = [&s, &w] {
        s.mu.AssertHeld();
        return Ready(s, w);
      };
      s.mu.Await(absl::Condition(&ready));
      if (w.end != WatchState::End::kNone) return Ended(w.end);
      if (w.pending.empty() && w.finish) return Ended(WatchState::End::kClosed);
      Prepare(s, w);
      lines.swap(w.pending);
      w.delivering = !lines.empty();
    }
    for (const std::string& line : lines) {
      if (stop.stop_requested()) return Ended(WatchState::End::kCancelled);
      if (!on_chunk(line)) return Ended(WatchState::End::kClosed);
    }
  }
}

// Sets the watch up from the request; an error answer if the request is bad.
std::optional<absl::StatusOr<HttpResponse>> Open(FakeApiState& s, const Request& req, WatchState& w)
    ABSL_LOCKS_EXCLUDED(s.mu) {
  w.resource = req.resource;
  w.ns = req.resource->namespaced ? req.ns : "";
  w.label_selector = req.Param("labelSelector");
  w.field_selector = req.Param("fieldSelector");
  w.bookmarks = req.Param("allowWatchBookmarks") == "true";
  for (const absl::Status& bad : {MatchesLabelSelector(json::object(), w.label_selector).status(),
                                  MatchesFieldSelector(json::object(), w.field_selector).status()}) {
    if (!bad.ok()) return JsonResponse(400, StatusForCode(400, bad.message()).body);
  }
  const std::string rv = req.Param("resourceVersion");
  absl::MutexLock lock(&s.mu);
  if (s.shut_down) return absl::UnavailableError("connection refused: the fake API server is gone");
  if (rv.empty() || rv == "0") {
    for (const StoredEvent& event : s.store.CurrentState(*w.resource, w.ns, w.label_selector)) {
      if (MatchesFields(event.object, w.field_selector)) {
        w.pending.push_back(EventLine("ADDED", event.object));
      }
    }
    w.cursor = s.store.resource_version();
  } else if (!absl::SimpleAtoi(rv, &w.cursor)) {
    return JsonResponse(400, StatusForCode(400, absl::StrCat("invalid resourceVersion \"", rv, "\"")).body);
  }
  w.bookmark_generation = s.bookmark_generation;
  s.watches.push_back(&w);
  return std::nullopt;
}

}  // namespace

void CollectChanges(FakeApiState& s, WatchState& w) {
  if (w.finish) return;
  StoreResult gone;
  absl::StatusOr<std::vector<StoredEvent>> events =
      s.store.EventsAfter(*w.resource, w.ns, w.cursor, w.label_selector, &gone);
  if (!events.ok()) {
    w.pending.push_back(EventLine(
        "ERROR", gone.body.is_null() ? StatusForCode(500, events.status().message()).body : gone.body));
    w.finish = true;
    return;
  }
  for (const StoredEvent& event : *events) {
    if (MatchesFields(event.object, w.field_selector)) {
      w.pending.push_back(EventLine(WatchStreamEventTypeName(event.type), event.object));
    }
  }
  w.cursor = std::max(w.cursor, s.store.resource_version());
}

bool CaughtUp(const FakeApiState& s, const WatchState& w) {
  return w.end == WatchState::End::kNone && !w.delivering && w.pending.empty() && !w.expire &&
         !w.finish && w.cursor >= s.store.resource_version() &&
         (!w.bookmarks || w.bookmark_generation == s.bookmark_generation);
}

absl::StatusOr<HttpResponse> ServeWatch(FakeApiState& s, const Request& req,
                                        const BodyChunkHandler& on_chunk, std::stop_token stop) {
  WatchState w;
  if (std::optional<absl::StatusOr<HttpResponse>> refused = Open(s, req, w)) return *refused;
  absl::StatusOr<HttpResponse> result;
  {
    // Destroyed before `w` is unregistered, and never with the mutex held: its destructor
    // waits for a callback in progress, which takes the mutex.
    std::stop_callback on_stop(stop, [&s, &w] {
      absl::MutexLock lock(&s.mu);
      if (w.end == WatchState::End::kNone) w.end = WatchState::End::kCancelled;
    });
    result = Pump(s, w, on_chunk, stop);
  }
  absl::MutexLock lock(&s.mu);
  s.watches.remove(&w);
  return result;
}

}  // namespace flyover::kube::testing::internal
