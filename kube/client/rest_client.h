// RestClient: the Kubernetes REST API over an HttpTransport, on unstructured objects
// (nlohmann::json). TypedClient<T> (typed_client.h) layers typed objects on top.
//
//   auto client = NewRestClient(config, {.rate_limit = {.qps = 20, .burst = 40}});
//   ASSIGN_OR_RETURN(nlohmann::json pod, (*client)->Get(PodsResource(), "default", "a"));
//
// Every call: waits for the client-side rate limiter (QPS/burst, can be off), sends the
// bearer token, and maps a refusal to an absl::Status that keeps the server's Status
// object (api_status.h: NotFound, AlreadyExists, Aborted for conflicts, OutOfRange for 410,
// InvalidArgument for 422, Unavailable for 429/5xx...). 429, and 5xx with Retry-After,
// are retried after the Retry-After delay, up to `max_retries` times, sleeping on the
// injected Clock. A 401 with a token file re-reads the file and retries once.
// RestClientOptions::timeout bounds the whole call, limiter wait and retries included;
// when a Retry-After sleep would overrun it, the call returns the 429's error instead.
//
// List() follows continue tokens to the end; if a token has expired (410) it starts over
// with one unpaginated list, as client-go's pager does. List() and Watch() together are
// what a reflector needs (ListerWatcher); RunResumingWatch (watch_loop.h) adds
// reconnection, resume and backoff on top of Watch().
//
// Ownership: the client owns its transport and token source; it borrows the Clock and
// FileSystem in its options, which must outlive it. Thread-safety: all methods are safe
// to call concurrently.
#ifndef FLYOVER_KUBE_CLIENT_REST_CLIENT_H_
#define FLYOVER_KUBE_CLIENT_REST_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/file_system.h"
#include "kube/client/client_metrics.h"
#include "kube/client/config.h"
#include "kube/client/http_transport.h"
#include "kube/client/list_decoder.h"
#include "kube/client/request_rate_limiter.h"
#include "kube/client/resource.h"
#include "kube/client/token_source.h"
#include "kube/client/watch_decoder.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"

namespace flyover::kube {

struct RestClientOptions {
  // Bounds each call (not watches): rate-limiter wait, attempts and Retry-After sleeps.
  absl::Duration timeout = absl::Seconds(30);
  // client-go's defaults: 5 QPS, burst 10. qps <= 0 turns the limiter off.
  RequestRateLimiterOptions rate_limit;
  // Retries of a 429 (or 5xx with Retry-After) after the server's Retry-After delay.
  int max_retries = 10;
  // Longest single Retry-After sleep honoured.
  absl::Duration max_retry_after = absl::Seconds(60);
  WatchDecoderOptions watch_decoder;
  // A watch's socket read timeout is its timeoutSeconds plus this.
  absl::Duration watch_read_slack = absl::Seconds(30);
  // How often a token file is re-read (token_source.h).
  absl::Duration token_refresh_interval = absl::Minutes(1);
  // Borrowed; nullptr means RealClock() / DefaultFileSystem().
  Clock* clock = nullptr;
  FileSystem* file_system = nullptr;
  // Where the metrics go (client_metrics.h); nullptr records nothing.
  std::shared_ptr<prometheus::Registry> metrics_registry;
  // For NewRestClient's HttplibTransport.
  absl::Duration connect_timeout = absl::Seconds(10);
  std::string user_agent = "flyover/0.1";
};

struct GetOptions {
  std::string resource_version;  // "" = most recent; "0" = any (may be served from cache)
};

struct RestListOptions {
  std::string label_selector;    // "app=web,tier!=db"
  std::string field_selector;    // "spec.nodeName=node-1"
  int64_t limit = 0;             // page size; 0 = no paging
  std::string continue_token;    // ListPage(): the page to fetch
  std::string resource_version;  // "" = most recent (consistent read); "0" = any
  std::string resource_version_match;  // "NotOlderThan" / "Exact" / ""
};

struct RestWatchOptions {
  std::string label_selector;
  std::string field_selector;
  // Start after this version; "" or "0" starts with ADDED events for the current state.
  std::string resource_version;
  bool allow_bookmarks = true;
  // The server ends the watch after this (timeoutSeconds, whole seconds); zero = never.
  absl::Duration timeout = absl::Minutes(5);
};

struct WriteOptions {
  bool dry_run = false;        // dryRun=All: validated and admitted, not persisted
  std::string field_manager;   // recorded in managedFields
};

// A Binding's optional parts. kube-apiserver (and flyover-apiserver) copy `annotations` onto
// the pod in the same write that sets spec.nodeName: existing keys are overwritten, the pod's
// other annotations kept. With `uid` set only the pod with that UID is bound (409 Conflict if
// the pod was recreated under the same name).
struct BindOptions {
  std::map<std::string, std::string> annotations;
  std::string uid;
  WriteOptions write;
};

enum class PatchType { kMerge, kStrategicMerge, kJsonPatch };

struct PatchOptions {
  PatchType type = PatchType::kMerge;
  std::string subresource;     // "" or "status"
  bool dry_run = false;
  std::string field_manager;
};

struct ApplyOptions {
  std::string field_manager;   // required
  bool force = false;          // take ownership of conflicting fields
  std::string subresource;     // "" or "status"
  bool dry_run = false;
};

struct DeleteOptions {
  bool dry_run = false;
  std::optional<int64_t> grace_period_seconds;
  std::string propagation_policy;  // "Foreground", "Background", "Orphan" or ""
  std::string precondition_uid;
  std::string precondition_resource_version;
};

namespace internal {
struct Call;  // one request with its metric labels (rest_client_internal.h)
}  // namespace internal

// Receives each ADDED/MODIFIED/DELETED/BOOKMARK event; a non-OK return ends the watch.
using WatchHandler = std::function<absl::Status(WatchStreamEvent event)>;

class RestClient {
 public:
  // `transport` must not be null; `tokens` may be (no Authorization header).
  RestClient(std::unique_ptr<HttpTransport> transport, std::unique_ptr<TokenSource> tokens,
             RestClientOptions options, std::string default_namespace = "default");
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  [[nodiscard]] absl::StatusOr<nlohmann::json> Get(const ResourceDescriptor& resource,
                                                   absl::string_view ns, absl::string_view name,
                                                   const GetOptions& options = {});
  // One page, as the options ask.
  [[nodiscard]] absl::StatusOr<ObjectList> ListPage(const ResourceDescriptor& resource,
                                                    absl::string_view ns,
                                                    const RestListOptions& options = {});
  // Every page (options.limit is the page size; continue_token is ignored).
  [[nodiscard]] absl::StatusOr<ObjectList> List(const ResourceDescriptor& resource,
                                                absl::string_view ns,
                                                const RestListOptions& options = {});
  [[nodiscard]] absl::StatusOr<nlohmann::json> Create(const ResourceDescriptor& resource,
                                                      absl::string_view ns,
                                                      const nlohmann::json& object,
                                                      const WriteOptions& options = {});
  // PUT; namespace and name come from the object's metadata, and a metadata
  // resourceVersion makes it conditional (a stale one is a conflict: Aborted).
  [[nodiscard]] absl::StatusOr<nlohmann::json> Update(const ResourceDescriptor& resource,
                                                      const nlohmann::json& object,
                                                      const WriteOptions& options = {});
  [[nodiscard]] absl::StatusOr<nlohmann::json> UpdateStatus(const ResourceDescriptor& resource,
                                                            const nlohmann::json& object,
                                                            const WriteOptions& options = {});
  [[nodiscard]] absl::StatusOr<nlohmann::json> Patch(const ResourceDescriptor& resource,
                                                     absl::string_view ns, absl::string_view name,
                                                     const nlohmann::json& patch,
                                                     const PatchOptions& options = {});
  // Server-side apply of `object` (which names itself). InvalidArgument without a field
  // manager.
  [[nodiscard]] absl::StatusOr<nlohmann::json> Apply(const ResourceDescriptor& resource,
                                                     const nlohmann::json& object,
                                                     const ApplyOptions& options);
  [[nodiscard]] absl::Status Delete(const ResourceDescriptor& resource, absl::string_view ns,
                                    absl::string_view name, const DeleteOptions& options = {});
  // POST pods/binding: assigns the pod to the node (what a scheduler does), with the
  // options' annotations in the same write.
  [[nodiscard]] absl::Status Bind(absl::string_view ns, absl::string_view pod,
                                  absl::string_view node, const BindOptions& options = {});

  // One watch: streams events to `handler` until the server ends it (OK: resume from
  // the last resourceVersion seen), `stop` is requested (Cancelled), the handler fails
  // (its error), the server sends an ERROR event or refuses the watch (its Status:
  // IsGoneOrExpired for 410, meaning relist), or the stream breaks (Unavailable,
  // DataLoss, ResourceExhausted: reconnect).
  [[nodiscard]] absl::Status Watch(const ResourceDescriptor& resource, absl::string_view ns,
                                   const RestWatchOptions& options, const WatchHandler& handler,
                                   std::stop_token stop);

  const std::string& default_namespace() const { return default_namespace_; }
  Clock* clock() const { return options_.clock; }
  // nullptr when the options gave no registry.
  RestClientMetrics* metrics() const { return metrics_.get(); }

 private:
  absl::StatusOr<HttpResponse> Do(internal::Call call);
  absl::StatusOr<nlohmann::json> DoJson(internal::Call call);
  absl::Status Authorize(HttpRequest* request);
  bool RetryAfter(const HttpResponse& response, int attempt, absl::Time deadline);
  absl::StatusOr<nlohmann::json> Put(const ResourceDescriptor& resource,
                                     const nlohmann::json& object, absl::string_view subresource,
                                     const WriteOptions& options);

  const std::unique_ptr<HttpTransport> transport_;
  const std::unique_ptr<TokenSource> tokens_;
  RestClientOptions options_;
  const std::string default_namespace_;
  RequestRateLimiter limiter_;
  std::unique_ptr<RestClientMetrics> metrics_;
};

// A RestClient over HttplibTransport for `config`: TLS and credentials as the config
// says, the token file re-read as it rotates.
[[nodiscard]] absl::StatusOr<std::unique_ptr<RestClient>> NewRestClient(
    const RestConfig& config, RestClientOptions options = {});

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_REST_CLIENT_H_
