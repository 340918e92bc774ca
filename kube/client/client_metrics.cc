#include "kube/client/client_metrics.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/metrics_server.h"

namespace flyover::kube {
namespace {

constexpr const char* kVerbs[] = {"get",    "list",  "watch", "create",
                                  "update", "patch", "apply", "delete"};
constexpr const char* kRestartReasons[] = {"closed", "error"};
constexpr const char* kRelistReasons[] = {"watch_expired", "continue_expired"};

std::string CodeLabel(int http_code) {
  return http_code == 0 ? std::string("<error>") : absl::StrCat(http_code);
}

}  // namespace

RestClientMetrics::RestClientMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)) {}

absl::StatusOr<std::unique_ptr<RestClientMetrics>> RestClientMetrics::Create(
    std::shared_ptr<prometheus::Registry> registry) {
  std::unique_ptr<RestClientMetrics> metrics(new RestClientMetrics(std::move(registry)));
  prometheus::Registry& r = *metrics->registry_;
  try {
    metrics->requests_ = &prometheus::BuildCounter()
                              .Name("flyover_rest_client_requests_total")
                              .Help("HTTP requests to the Kubernetes API by verb, resource and code.")
                              .Register(r);
    metrics->duration_ = &prometheus::BuildHistogram()
                              .Name("flyover_rest_client_request_duration_seconds")
                              .Help("Latency of Kubernetes API requests by verb and resource.")
                              .Register(r);
    metrics->rate_limiter_ = &prometheus::BuildHistogram()
                                  .Name("flyover_rest_client_rate_limiter_duration_seconds")
                                  .Help("Time requests waited for the client-side rate limiter.")
                                  .Register(r);
    metrics->watch_restarts_ = &prometheus::BuildCounter()
                                    .Name("flyover_rest_client_watch_restarts_total")
                                    .Help("Watches reconnected, by resource and reason.")
                                    .Register(r);
    metrics->relists_ = &prometheus::BuildCounter()
                             .Name("flyover_rest_client_relists_total")
                             .Help("Full relists forced by an expired resourceVersion or "
                                   "continue token.")
                             .Register(r);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("registering REST client metrics: ", e.what()));
  }
  return metrics;
}

void RestClientMetrics::InitResource(absl::string_view resource) {
  {
    absl::MutexLock lock(&mu_);
    if (!initialised_.insert(std::string(resource)).second) return;
  }
  const std::string r(resource);
  for (const char* verb : kVerbs) {
    duration_->Add({{"verb", verb}, {"resource", r}}, DefaultLatencyBuckets());
    rate_limiter_->Add({{"verb", verb}, {"resource", r}}, DefaultLatencyBuckets());
  }
  for (const char* reason : kRestartReasons) watch_restarts_->Add({{"resource", r}, {"reason", reason}});
  for (const char* reason : kRelistReasons) relists_->Add({{"resource", r}, {"reason", reason}});
}

void RestClientMetrics::RecordRequest(absl::string_view verb, absl::string_view resource,
                                      int http_code, absl::Duration latency) {
  const std::string v(verb), r(resource);
  requests_->Add({{"verb", v}, {"resource", r}, {"code", CodeLabel(http_code)}}).Increment();
  duration_->Add({{"verb", v}, {"resource", r}}, DefaultLatencyBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
}

void RestClientMetrics::RecordWatchRequest(absl::string_view resource, int http_code) {
  requests_->Add({{"verb", "watch"}, {"resource", std::string(resource)},
                  {"code", CodeLabel(http_code)}})
      .Increment();
}

void RestClientMetrics::RecordRateLimiterWait(absl::string_view verb, absl::string_view resource,
                                              absl::Duration wait) {
  rate_limiter_->Add({{"verb", std::string(verb)}, {"resource", std::string(resource)}},
                     DefaultLatencyBuckets())
      .Observe(absl::ToDoubleSeconds(wait));
}

void RestClientMetrics::RecordWatchRestart(absl::string_view resource, absl::string_view reason) {
  watch_restarts_->Add({{"resource", std::string(resource)}, {"reason", std::string(reason)}})
      .Increment();
}

void RestClientMetrics::RecordRelist(absl::string_view resource, absl::string_view reason) {
  relists_->Add({{"resource", std::string(resource)}, {"reason", std::string(reason)}}).Increment();
}

}  // namespace flyover::kube
