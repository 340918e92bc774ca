// The request path shared by every verb, and the verbs that read or write one object.
// List() and Watch() live in rest_client_list_watch.cc.
#include "kube/client/rest_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/posix_file_system.h"
#include "common/status.h"
#include "kube/client/api_status.h"
#include "kube/client/httplib_transport.h"
#include "kube/client/rest_client_internal.h"

namespace flyover::kube {

using nlohmann::json;
using internal::Call;

RestClient::RestClient(std::unique_ptr<HttpTransport> transport,
                       std::unique_ptr<TokenSource> tokens, RestClientOptions options,
                       std::string default_namespace)
    : transport_(std::move(transport)),
      tokens_(std::move(tokens)),
      options_(std::move(options)),
      default_namespace_(std::move(default_namespace)),
      limiter_(options_.rate_limit, options_.clock != nullptr ? options_.clock : RealClock()) {
  if (options_.clock == nullptr) options_.clock = RealClock();
  if (options_.file_system == nullptr) options_.file_system = DefaultFileSystem();
  if (options_.metrics_registry != nullptr) {
    absl::StatusOr<std::unique_ptr<RestClientMetrics>> metrics =
        RestClientMetrics::Create(options_.metrics_registry);
    if (metrics.ok()) {
      metrics_ = *std::move(metrics);
    } else {
      log::Error(metrics.status(), "REST client metrics disabled");
    }
  }
}

RestClient::~RestClient() = default;

absl::Status RestClient::Authorize(HttpRequest* request) {
  if (tokens_ == nullptr) return absl::OkStatus();
  absl::StatusOr<std::string> token = tokens_->Token();
  if (!token.ok()) return Annotate(token.status(), "reading the bearer token");
  if (!token->empty()) request->headers.emplace_back("Authorization", "Bearer " + *token);
  return absl::OkStatus();
}

// Whether to retry after the server's Retry-After, and if so, sleeps first. client-go
// retries 429 and 5xx only when the server says when to.
bool RestClient::RetryAfter(const HttpResponse& response, int attempt, absl::Time deadline) {
  if (attempt >= options_.max_retries) return false;
  if (response.status != 429 && response.status < 500) return false;
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(response.Header("Retry-After"), &seconds) || seconds < 0) return false;
  const absl::Duration wait = std::min(absl::Seconds(seconds), options_.max_retry_after);
  if (options_.clock->Now() + wait > deadline) return false;
  options_.clock->SleepFor(wait);
  return true;
}

absl::StatusOr<HttpResponse> RestClient::Do(internal::Call call) {
  if (metrics_ != nullptr) metrics_->InitResource(call.resource);
  const absl::Time deadline = options_.clock->Now() + options_.timeout;
  bool reauthorized = false;
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(absl::Duration waited, limiter_.Wait(deadline));
    if (metrics_ != nullptr) metrics_->RecordRateLimiterWait(call.verb, call.resource, waited);
    HttpRequest request = call.request;
    RETURN_IF_ERROR(Authorize(&request));
    request.timeout = std::max(deadline - options_.clock->Now(), absl::Milliseconds(1));
    const absl::Time start = absl::Now();
    absl::StatusOr<HttpResponse> response = transport_->Send(request);
    if (metrics_ != nullptr) {
      metrics_->RecordRequest(call.verb, call.resource, response.ok() ? response->status : 0,
                              absl::Now() - start);
    }
    if (!response.ok()) {
      return Annotate(response.status(), absl::StrCat(call.verb, " ", call.resource));
    }
    if (response->status >= 200 && response->status < 300) return response;
    if (response->status == 401 && tokens_ != nullptr && !reauthorized) {
      tokens_->Invalidate();  // a rotated token file is re-read before the retry
      reauthorized = true;
      --attempt;
      continue;
    }
    if (RetryAfter(*response, attempt, deadline)) continue;
    return StatusFromHttpResponse(response->status, response->body);
  }
}

absl::StatusOr<json> RestClient::DoJson(internal::Call call) {
  ASSIGN_OR_RETURN(HttpResponse response, Do(std::move(call)));
  json parsed = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::DataLossError(absl::StrCat("response is not valid JSON (",
                                            response.body.size(), " bytes)"));
  }
  return parsed;
}

absl::StatusOr<json> RestClient::Get(const ResourceDescriptor& resource, absl::string_view ns,
                                     absl::string_view name, const GetOptions& options) {
  std::string path = ObjectPath(resource, ns, name) +
                     QueryBuilder().Add("resourceVersion", options.resource_version).Build();
  return DoJson(internal::MakeCall("get", resource, "", "GET", std::move(path)));
}

absl::StatusOr<json> RestClient::Create(const ResourceDescriptor& resource, absl::string_view ns,
                                        const json& object, const WriteOptions& options) {
  std::string path = CollectionPath(resource, ns) + internal::WriteQuery(options).Build();
  internal::Call call = internal::MakeCall("create", resource, "", "POST", std::move(path));
  internal::SetJsonBody(object, "application/json", &call.request);
  return DoJson(std::move(call));
}

absl::StatusOr<json> RestClient::Put(const ResourceDescriptor& resource, const json& object,
                                     absl::string_view subresource, const WriteOptions& options) {
  ASSIGN_OR_RETURN(internal::ObjectKey key, internal::KeyOf(resource, object));
  std::string path = ObjectPath(resource, key.ns, key.name, subresource) +
                     internal::WriteQuery(options).Build();
  internal::Call call = internal::MakeCall("update", resource, subresource, "PUT", std::move(path));
  internal::SetJsonBody(object, "application/json", &call.request);
  return DoJson(std::move(call));
}

absl::StatusOr<json> RestClient::Update(const ResourceDescriptor& resource, const json& object,
                                        const WriteOptions& options) {
  return Put(resource, object, "", options);
}

absl::StatusOr<json> RestClient::UpdateStatus(const ResourceDescriptor& resource,
                                              const json& object, const WriteOptions& options) {
  return Put(resource, object, "status", options);
}

absl::StatusOr<json> RestClient::Patch(const ResourceDescriptor& resource, absl::string_view ns,
                                       absl::string_view name, const json& patch,
                                       const PatchOptions& options) {
  QueryBuilder query = internal::WriteQuery({options.dry_run, options.field_manager});
  std::string path = ObjectPath(resource, ns, name, options.subresource) + query.Build();
  internal::Call call = internal::MakeCall("patch", resource, options.subresource, "PATCH", std::move(path));
  internal::SetJsonBody(patch, internal::PatchContentType(options.type), &call.request);
  return DoJson(std::move(call));
}

absl::StatusOr<json> RestClient::Apply(const ResourceDescriptor& resource, const json& object,
                                       const ApplyOptions& options) {
  if (options.field_manager.empty()) {
    return absl::InvalidArgumentError("server-side apply needs a field manager");
  }
  ASSIGN_OR_RETURN(internal::ObjectKey key, internal::KeyOf(resource, object));
  QueryBuilder query = internal::WriteQuery({options.dry_run, options.field_manager});
  if (options.force) query.Add("force", "true");
  std::string path = ObjectPath(resource, key.ns, key.name, options.subresource) + query.Build();
  internal::Call call = internal::MakeCall("apply", resource, options.subresource, "PATCH", std::move(path));
  // JSON is YAML: the apply content type takes either.
  internal::SetJsonBody(object, "application/apply-patch+yaml", &call.request);
  return DoJson(std::move(call));
}

absl::Status RestClient::Delete(const ResourceDescriptor& resource, absl::string_view ns,
                                absl::string_view name, const DeleteOptions& options) {
  internal::Call call = internal::MakeCall("delete", resource, "", "DELETE", ObjectPath(resource, ns, name));
  internal::SetJsonBody(internal::DeleteOptionsBody(options), "application/json", &call.request);
  return Do(std::move(call)).status();
}

absl::Status RestClient::Bind(absl::string_view ns, absl::string_view pod, absl::string_view node,
                              const BindOptions& options) {
  const ResourceDescriptor& pods = PodsResource();
  json binding = {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", pod}, {"namespace", ns}}},
                  {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
  if (!options.annotations.empty()) binding["metadata"]["annotations"] = options.annotations;
  if (!options.uid.empty()) binding["metadata"]["uid"] = options.uid;
  std::string path =
      ObjectPath(pods, ns, pod, "binding") + internal::WriteQuery(options.write).Build();
  internal::Call call = internal::MakeCall("create", pods, "binding", "POST", std::move(path));
  internal::SetJsonBody(binding, "application/json", &call.request);
  return Do(std::move(call)).status();
}

absl::StatusOr<std::unique_ptr<RestClient>> NewRestClient(const RestConfig& config,
                                                          RestClientOptions options) {
  HttplibTransportOptions transport_options;
  transport_options.connect_timeout = options.connect_timeout;
  transport_options.user_agent = options.user_agent;
  ASSIGN_OR_RETURN(std::unique_ptr<HttplibTransport> transport,
                   HttplibTransport::Create(config, transport_options));
  Clock* clock = options.clock != nullptr ? options.clock : RealClock();
  FileSystem* fs = options.file_system != nullptr ? options.file_system : DefaultFileSystem();
  std::unique_ptr<TokenSource> tokens;
  if (!config.bearer_token.empty()) {
    tokens = std::make_unique<StaticTokenSource>(config.bearer_token);
  } else if (!config.bearer_token_file.empty()) {
    tokens = std::make_unique<FileTokenSource>(fs, clock, config.bearer_token_file,
                                               options.token_refresh_interval);
  }
  return std::make_unique<RestClient>(std::move(transport), std::move(tokens), std::move(options),
                                      config.default_namespace);
}

}  // namespace flyover::kube
