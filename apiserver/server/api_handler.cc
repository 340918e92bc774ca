#include "apiserver/server/api_handler.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "apiserver/server/discovery_handler.h"
#include "apiserver/server/request_info.h"
#include "common/log.h"
#include "prometheus/text_serializer.h"

namespace flyover::apiserver {
namespace {

bool UnderPath(absl::string_view path, absl::string_view root) {
  return path == root || absl::StartsWith(path, absl::StrCat(root, "/"));
}

}  // namespace

ApiHandler::ApiHandler(ObjectService* objects, ActiveWatches* watches, ServerMetrics* metrics,
                       std::vector<HealthCheck> readiness)
    : objects_(objects),
      metrics_(metrics),
      readiness_(std::move(readiness)),
      resources_(objects, watches, metrics) {}

HttpResponse ApiHandler::Handle(const HttpRequest& request) {
  const absl::Time start = absl::Now();
  std::string verb = absl::AsciiStrToLower(request.method);
  std::string resource;
  HttpResponse response = Route(request, verb, resource);
  const absl::Duration elapsed = absl::Now() - start;
  if (metrics_ != nullptr) metrics_->ObserveRequest(verb, resource, response.status, elapsed);
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug(
        "request",
        {{"verb", verb}, {"path", request.path}, {"code", response.status}, {"latency", elapsed}});
  }
  return response;
}

HttpResponse ApiHandler::Route(const HttpRequest& request, std::string& verb,
                               std::string& resource) {
  absl::StatusOr<RequestInfo> info =
      ParseRequestInfo(request.method, request.path, request.Param("watch"));
  if (!info.ok()) return ErrorResponse(absl::NotFoundError(info.status().message()));
  if (info->is_resource_request) {
    verb = info->verb;
    std::shared_ptr<const RegistrySnapshot> snapshot = objects_->registry()->Snapshot();
    // Only served resources get their own series: request paths must not mint labels.
    if (snapshot->registry().Find(info->group, info->version, info->resource) != nullptr) {
      resource =
          info->group.empty() ? info->resource : absl::StrCat(info->resource, ".", info->group);
      if (info->subresource == "status" || info->subresource == "binding" ||
          info->subresource == "log") {
        absl::StrAppend(&resource, "/", info->subresource);
      }
    }
    return resources_.Handle(request, *info, std::move(snapshot));
  }
  const absl::string_view path = request.path;
  if (UnderPath(path, "/healthz") || UnderPath(path, "/livez")) return Health(request, false);
  if (UnderPath(path, "/readyz")) return Health(request, true);
  if (path == "/metrics" && metrics_ != nullptr) {
    HttpResponse response =
        TextResponse(200, prometheus::TextSerializer().Serialize(metrics_->registry()->Collect()));
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return response;
  }
  if (std::optional<HttpResponse> document =
          ServeDiscovery(request, *objects_->registry()->Snapshot())) {
    return *std::move(document);
  }
  return ErrorResponse(absl::NotFoundError("the server could not find the requested resource"));
}

HttpResponse ApiHandler::Health(const HttpRequest& request, bool readiness) const {
  std::string report = "[+]ping ok\n";
  bool healthy = true;
  if (readiness) {
    for (const HealthCheck& check : readiness_) {
      const absl::Status status = check.check();
      healthy = healthy && status.ok();
      absl::StrAppend(&report, status.ok() ? "[+]" : "[-]", check.name,
                      status.ok() ? " ok" : absl::StrCat(" failed: ", status.ToString()), "\n");
    }
  }
  const char* kind = readiness ? "readyz" : "healthz";
  if (!healthy) return TextResponse(503, absl::StrCat(report, kind, " check failed\n"));
  if (request.HasParam("verbose"))
    return TextResponse(200, absl::StrCat(report, kind, " check passed\n"));
  return TextResponse(200, "ok");
}

}  // namespace flyover::apiserver
