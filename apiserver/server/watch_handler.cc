#include "apiserver/server/watch_handler.h"

#include <random>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/server/object_meta.h"
#include "apiserver/server/response_encoding.h"
#include "apiserver/storage/errors.h"
#include "kube/api/json_util.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

constexpr char kWatchContentType[] = "application/json;stream=watch";
constexpr absl::Duration kIdleHeartbeat = absl::Seconds(15);
constexpr absl::Duration kMaxWait = absl::Seconds(5);
constexpr size_t kBatch = 256;

absl::Duration StreamTimeout(const ListParams& params) {
  if (params.timeout_seconds) return absl::Seconds(*params.timeout_seconds);
  static thread_local std::mt19937 random{std::random_device{}()};
  return absl::Seconds(1800 + static_cast<int>(random() % 1800));
}

// Encodes events for one stream: JSON or Table objects, resourceVersion set.
class EventEncoder {
 public:
  EventEncoder(const discovery::ResourceInfo& resource, bool table,
               discovery::IncludeObject include)
      : resource_(resource), table_(table), include_(include) {}

  std::string Event(absl::string_view type, json object, int64_t revision) {
    SetResourceVersion(object, revision);
    ForVersion(resource_, object);
    if (table_) {
      object = discovery::RenderTable(resource_, {std::move(object)}, absl::Now(),
                                      {include_, first_table_});
      first_table_ = false;
    }
    return Line(type, object);
  }

  std::string Bookmark(int64_t revision, bool initial_events_end) {
    json object = {{"kind", resource_.kind},
                   {"apiVersion", resource_.GroupVersion()},
                   {"metadata", {{"resourceVersion", absl::StrCat(revision)}}}};
    if (initial_events_end) {
      object["metadata"]["annotations"] = {{"k8s.io/initial-events-end", "true"}};
    }
    return Line("BOOKMARK", object);
  }

  static std::string Error(const json& status) {
    return absl::StrCat("{\"type\":\"ERROR\",\"object\":", SerializeStatus(status), "}\n");
  }

 private:
  static std::string Line(absl::string_view type, const json& object) {
    return absl::StrCat("{\"type\":\"", type, "\",\"object\":", kube::DumpJson(object), "}\n");
  }

  const discovery::ResourceInfo& resource_;
  const bool table_;
  const discovery::IncludeObject include_;
  bool first_table_ = true;
};

storage::WatchPredicate PredicateFor(const ListRequest& request) {
  if (request.labels.Empty() && request.fields.Empty()) return nullptr;
  return [labels = request.labels, fields = request.fields](absl::string_view bytes) {
    const json object = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    return object.is_object() && labels.MatchesObject(object) && fields.Matches(object);
  };
}

json ExpiredEventStatus(const absl::Status& error, std::optional<int64_t> requested,
                        int64_t oldest) {
  if (requested) return ExpiredStatus(TooOldResourceVersionMessage(*requested, oldest));
  return ExpiredStatus(error.message());
}

// Everything one stream needs once the response has been returned.
struct Stream {
  WatchContext context;
  WatchRequest request;
  std::shared_ptr<const void> keep_alive;
  std::unique_ptr<storage::Watcher> watcher;  // null: only `initial` (an error) is sent
  std::vector<std::string> initial;           // lines sent before the live events
  bool counted = false;                       // WatchStarted() was called

  ~Stream() {
    if (watcher != nullptr) context.watches->Remove(watcher.get());
    if (counted) context.metrics->WatchEnded();
  }

  void Run(StreamSink& sink) {
    int64_t sent = 0;
    for (const std::string& line : initial) {
      if (!sink.write(line)) return;
      ++sent;
    }
    if (watcher == nullptr) return;
    EventEncoder encoder(*request.resource, request.table, request.include_object);
    const absl::Time deadline = absl::Now() + StreamTimeout(request.params);
    absl::Time last_write = absl::Now();
    while (!sink.stopping()) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      absl::StatusOr<std::vector<storage::WatchEvent>> batch =
          watcher->NextBatch(kBatch, std::min(left, kMaxWait));
      if (!batch.ok()) {
        if (storage::IsExpired(batch.status())) {
          sink.write(EventEncoder::Error(ExpiredStatus(batch.status().message())));
        }
        break;
      }
      std::string chunk;
      for (const storage::WatchEvent& event : *batch) chunk += Encode(encoder, event);
      if (chunk.empty() && absl::Now() - last_write >= kIdleHeartbeat) chunk = "\n";
      if (chunk.empty()) continue;
      if (!sink.write(chunk)) break;
      last_write = absl::Now();
      sent += static_cast<int64_t>(batch->size());
    }
    if (context.metrics != nullptr) context.metrics->WatchEventsSent(sent);
  }

  static std::string Encode(EventEncoder& encoder, const storage::WatchEvent& event) {
    if (event.type == storage::WatchEventType::kBookmark) {
      return encoder.Bookmark(event.revision, false);
    }
    json object = json::parse(event.object(), nullptr, /*allow_exceptions=*/false);
    if (!object.is_object()) return "";
    return encoder.Event(storage::WatchEventTypeName(event.type), std::move(object),
                         event.revision);
  }
};

// Lists the current state as ADDED lines; returns the snapshot's revision.
absl::StatusOr<int64_t> InitialEvents(const WatchContext& context, const WatchRequest& request,
                                      std::vector<std::string>& lines) {
  ListRequest list = request.params.request;
  list.limit = 0;
  list.continue_token.clear();
  list.exact_revision.reset();
  absl::StatusOr<ListResult> result =
      context.objects->List(*request.resource, request.namespace_, list);
  if (!result.ok()) return result.status();
  EventEncoder encoder(*request.resource, request.table, request.include_object);
  for (json& item : result->items) {
    absl::StatusOr<std::optional<int64_t>> rv = ResourceVersionOf(item);
    const int64_t revision = rv.ok() && *rv ? **rv : result->revision;
    lines.push_back(encoder.Event("ADDED", std::move(item), revision));
  }
  if (request.params.send_initial_events.value_or(false) && request.params.allow_bookmarks) {
    lines.push_back(encoder.Bookmark(result->revision, true));
  }
  return result->revision;
}

}  // namespace

bool ActiveWatches::Add(storage::Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  if (stopped_) {
    watcher->Stop();
    return false;
  }
  watchers_.insert(watcher);
  return true;
}

void ActiveWatches::Remove(storage::Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(watcher);
}

void ActiveWatches::StopAll() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  for (storage::Watcher* watcher : watchers_) watcher->Stop();
}

size_t ActiveWatches::size() const {
  absl::MutexLock lock(&mu_);
  return watchers_.size();
}

HttpResponse ServeWatch(const WatchContext& context, WatchRequest request,
                        std::shared_ptr<const void> keep_alive) {
  storage::Store& store = *context.objects->store();
  const ListParams& params = request.params;
  const bool initial = params.send_initial_events.value_or(!params.resource_version ||
                                                           *params.resource_version == 0);
  auto stream = std::make_shared<Stream>();
  stream->context = context;
  std::optional<int64_t> from = params.resource_version;
  if (initial) {
    absl::StatusOr<int64_t> revision = InitialEvents(context, request, stream->initial);
    if (!revision.ok()) return ErrorResponse(revision.status());
    from = *revision;
  } else if (from && *from == 0) {
    from = store.CurrentRevision();
  } else if (from && !AwaitRevision(store, *from)) {
    return StatusResponse(TimeoutStatus(
        absl::StrCat("Too large resource version: ", *from, ", current: ", store.CurrentRevision()),
        1));
  }
  storage::WatchOptions options;
  options.resource = StorageResource(*request.resource);
  options.namespace_ = request.resource->namespaced ? request.namespace_ : "";
  options.from_revision = from;
  options.predicate = PredicateFor(params.request);
  options.bookmarks = params.allow_bookmarks;
  absl::StatusOr<std::unique_ptr<storage::Watcher>> watcher = store.Watch(std::move(options));
  if (storage::IsExpired(watcher.status())) {
    stream->initial = {
        EventEncoder::Error(ExpiredEventStatus(watcher.status(), from, store.CompactRevision()))};
  } else if (!watcher.ok()) {
    return ErrorResponse(watcher.status());
  } else {
    stream->watcher = *std::move(watcher);
    context.watches->Add(stream->watcher.get());
  }
  stream->context = context;
  if (context.metrics != nullptr) {
    context.metrics->WatchStarted();
    stream->counted = true;
  }
  stream->request = std::move(request);
  stream->keep_alive = std::move(keep_alive);
  HttpResponse response;
  response.content_type = kWatchContentType;
  response.stream = [stream](StreamSink& sink) { stream->Run(sink); };
  return response;
}

}  // namespace flyover::apiserver
