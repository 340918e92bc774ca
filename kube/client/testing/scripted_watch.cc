// ScriptedApiServer: watch streams.
#include <utility>

#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kube/client/testing/scripted_api_server.h"
#include "kube/client/testing/scripted_api_server_internal.h"

namespace flyover::kube::testing {
namespace {

using nlohmann::json;

std::string EventLine(absl::string_view type, const json& object) {
  json event = {{"type", type}, {"object", object}};
  return event.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

void ScriptedApiServer::StartWatch(const Route& route, const httplib::Request& req,
                                   httplib::Response& res) {
  ++watch_requests_;
  auto stream = std::make_shared<WatchStream>();
  stream->resource = *route.resource;
  stream->ns = route.ns;
  stream->label_selector = req.get_param_value("labelSelector");
  stream->bookmarks = req.get_param_value("allowWatchBookmarks") == "true";
  int64_t timeout_seconds = 3600;
  if (req.has_param("timeoutSeconds")) {
    (void)absl::SimpleAtoi(req.get_param_value("timeoutSeconds"), &timeout_seconds);
  }
  stream->deadline = absl::Now() + absl::Seconds(timeout_seconds);
  stream->bookmark_generation = bookmark_generation_;
  stream->close_generation = close_generation_;
  for (auto it = raw_watches_.begin(); it != raw_watches_.end(); ++it) {
    if (absl::StartsWith(req.path, it->path_prefix)) {
      stream->raw = std::move(it->chunks);
      stream->raw_abrupt = it->abrupt;
      raw_watches_.erase(it);
      break;
    }
  }
  const std::string rv = req.get_param_value("resourceVersion");
  if (stream->raw.empty() && (rv.empty() || rv == "0")) {
    for (const StoredEvent& event : store_.CurrentState(*route.resource, route.ns,
                                                        stream->label_selector)) {
      absl::StrAppend(&stream->pending, EventLine("ADDED", event.object));
    }
    stream->cursor = store_.resource_version();
  } else if (stream->raw.empty() && !absl::SimpleAtoi(rv, &stream->cursor)) {
    res.status = 400;
    res.set_content(StatusResult(400, "BadRequest", "invalid resourceVersion").body.dump(),
                    "application/json");
    return;
  }
  ++open_watches_;
  res.status = 200;
  res.set_chunked_content_provider(
      "application/json",
      [this, stream](size_t, httplib::DataSink& sink) { return PumpWatch(*stream, sink); },
      [this](bool) {
        absl::MutexLock lock(&mu_);
        --open_watches_;
      });
}

// Collects what the stream should write next; called with the lock held once the stream
// has something to say.
std::string ScriptedApiServer::PendingWatchOutput(WatchStream& s) {
  std::string out = std::move(s.pending);
  s.pending.clear();
  if (!s.raw.empty()) {
    if (s.raw_next < s.raw.size()) out += s.raw[s.raw_next++];
    if (s.raw_next == s.raw.size()) (s.raw_abrupt ? s.abort : s.finished) = true;
    return out;
  }
  s.seen_changes = changes_;
  StoreResult gone;
  absl::StatusOr<std::vector<StoredEvent>> events =
      store_.EventsAfter(s.resource, s.ns, s.cursor, s.label_selector, &gone);
  if (!events.ok()) {
    out += EventLine("ERROR", gone.body.is_null()
                                  ? StatusResult(500, "InternalError",
                                                 std::string(events.status().message())).body
                                  : gone.body);
    s.finished = true;
    return out;
  }
  for (const StoredEvent& event : *events) {
    absl::string_view type = WatchStreamEventTypeName(event.type);
    out += EventLine(type, event.object);
    s.cursor = event.resource_version;
  }
  if (s.bookmarks && s.bookmark_generation != bookmark_generation_) {
    s.bookmark_generation = bookmark_generation_;
    s.cursor = store_.resource_version();
    json bookmark = {{"kind", s.resource.kind},
                     {"apiVersion", s.resource.ApiVersion()},
                     {"metadata", {{"resourceVersion", absl::StrCat(s.cursor)}}}};
    out += EventLine("BOOKMARK", bookmark);
  }
  return out;
}

// Writes the stream's next output, or a heartbeat newline when nothing happened for a
// while. Returns false to cut the connection (server stopping, client gone).
bool ScriptedApiServer::PumpWatch(WatchStream& s, httplib::DataSink& sink) {
  std::string out;
  bool end = false;
  {
    absl::MutexLock lock(&mu_);
    auto ready = [this, &s]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || close_generation_ != s.close_generation || !s.pending.empty() ||
             s.raw_next < s.raw.size() || changes_ != s.seen_changes ||
             (s.bookmarks && bookmark_generation_ != s.bookmark_generation);
    };
    mu_.AwaitWithDeadline(absl::Condition(&ready),
                          std::min(s.deadline, absl::Now() + options_.watch_heartbeat));
    if (stopping_) return false;
    if (close_generation_ != s.close_generation || absl::Now() >= s.deadline) {
      end = true;
    } else if (ready()) {
      out = PendingWatchOutput(s);
    }
  }
  if (!out.empty() && !sink.write(out.data(), out.size())) return false;
  if (s.abort) return false;
  if (end || s.finished) {
    sink.done();
    return true;
  }
  if (out.empty() && !sink.write("\n", 1)) return false;
  return true;
}

}  // namespace flyover::kube::testing
