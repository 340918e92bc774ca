// RestClient::ListPage, List and Watch: the reads a reflector is built from.
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/client/api_status.h"
#include "kube/client/rest_client.h"
#include "kube/client/rest_client_internal.h"

namespace flyover::kube {
namespace {

QueryBuilder ListQuery(const RestListOptions& options) {
  QueryBuilder query;
  query.Add("labelSelector", options.label_selector)
      .Add("fieldSelector", options.field_selector)
      .Add("continue", options.continue_token)
      .Add("resourceVersion", options.resource_version)
      .Add("resourceVersionMatch", options.resource_version_match);
  if (options.limit > 0) query.Add("limit", absl::StrCat(options.limit));
  return query;
}

std::string WatchPath(const ResourceDescriptor& resource, absl::string_view ns,
                      const RestWatchOptions& options) {
  QueryBuilder query;
  query.Add("watch", "true")
      .Add("labelSelector", options.label_selector)
      .Add("fieldSelector", options.field_selector)
      .Add("resourceVersion", options.resource_version);
  if (options.allow_bookmarks) query.Add("allowWatchBookmarks", "true");
  const int64_t timeout_seconds = absl::ToInt64Seconds(options.timeout);
  if (timeout_seconds > 0) query.Add("timeoutSeconds", absl::StrCat(timeout_seconds));
  return CollectionPath(resource, ns) + query.Build();
}

}  // namespace

absl::StatusOr<ObjectList> RestClient::ListPage(const ResourceDescriptor& resource,
                                                absl::string_view ns, const RestListOptions& options) {
  internal::Call call = internal::MakeCall("list", resource, "", "GET",
                                           CollectionPath(resource, ns) + ListQuery(options).Build());
  ASSIGN_OR_RETURN(HttpResponse response, Do(std::move(call)));
  return DecodeList(response.body);
}

absl::StatusOr<ObjectList> RestClient::List(const ResourceDescriptor& resource,
                                            absl::string_view ns, const RestListOptions& options) {
  RestListOptions page = options;
  page.continue_token.clear();
  ObjectList all;
  for (;;) {
    absl::StatusOr<ObjectList> result = ListPage(resource, ns, page);
    if (!result.ok()) {
      if (page.continue_token.empty() || !IsGoneOrExpired(result.status())) {
        return result.status();
      }
      // The token outlived the server's compaction window. Start over with one
      // unpaginated list, as client-go's pager does: paging again could expire again.
      if (metrics_ != nullptr) {
        metrics_->RecordRelist(internal::ResourceLabel(resource, ""), "continue_expired");
      }
      page = options;
      page.continue_token.clear();
      page.limit = 0;
      all = ObjectList();
      continue;
    }
    all.resource_version = std::move(result->resource_version);
    if (all.items.empty()) {
      all.items = std::move(result->items);
    } else {
      all.items.insert(all.items.end(), std::make_move_iterator(result->items.begin()),
                       std::make_move_iterator(result->items.end()));
    }
    if (result->continue_token.empty()) return all;
    page.continue_token = std::move(result->continue_token);
    page.resource_version.clear();  // the token pins the version
    page.resource_version_match.clear();
  }
}

absl::Status RestClient::Watch(const ResourceDescriptor& resource, absl::string_view ns,
                               const RestWatchOptions& options, const WatchHandler& handler,
                               std::stop_token stop) {
  const std::string label = internal::ResourceLabel(resource, "");
  if (metrics_ != nullptr) metrics_->InitResource(label);
  const absl::Time deadline = options_.clock->Now() + options_.timeout;
  ASSIGN_OR_RETURN(absl::Duration waited, limiter_.Wait(deadline));
  if (metrics_ != nullptr) metrics_->RecordRateLimiterWait("watch", label, waited);

  HttpRequest request;
  request.method = "GET";
  request.path = WatchPath(resource, ns, options);
  request.headers.emplace_back("Accept", "application/json");
  RETURN_IF_ERROR(Authorize(&request));
  const absl::Duration server_timeout =
      options.timeout > absl::ZeroDuration() ? options.timeout : absl::Hours(1);
  request.timeout = server_timeout + options_.watch_read_slack;

  WatchDecoder decoder(options_.watch_decoder);
  std::vector<WatchStreamEvent> events;
  absl::Status ended;  // why on_chunk stopped the stream
  auto on_chunk = [&](absl::string_view chunk) {
    absl::Status decoded = decoder.Feed(chunk, &events);
    for (WatchStreamEvent& event : events) {
      if (event.type == WatchStreamEventType::kError) {
        ended = ToAbslStatus(ApiStatus::FromJson(event.object));
        if (ended.ok()) ended = absl::UnknownError("watch ERROR event with a success Status");
        break;
      }
      ended = handler(std::move(event));
      if (!ended.ok()) break;
    }
    events.clear();
    if (ended.ok()) ended = decoded;
    return ended.ok();
  };
  absl::StatusOr<HttpResponse> response = transport_->Stream(request, on_chunk, stop);
  if (metrics_ != nullptr) metrics_->RecordWatchRequest(label, response.ok() ? response->status : 0);
  if (!ended.ok()) return ended;
  if (!response.ok()) return Annotate(response.status(), absl::StrCat("watch ", label));
  if (response->status < 200 || response->status >= 300) {
    if (response->status == 401 && tokens_ != nullptr) tokens_->Invalidate();
    return StatusFromHttpResponse(response->status, response->body);
  }
  return decoder.Finish();
}

}  // namespace flyover::kube
