#include "apiserver/server/server_metrics.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "apiserver/discovery/resource_registry.h"
#include "common/metrics_server.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"

namespace flyover::apiserver {
namespace {

const std::vector<std::string>& Verbs() {
  static const auto* verbs = new std::vector<std::string>{
      "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
  return *verbs;
}

std::vector<std::string> BuiltinResources() {
  std::vector<std::string> out;
  const discovery::ResourceRegistry builtins = discovery::ResourceRegistry::WithBuiltins();
  for (const discovery::ResourceInfo& r : builtins.resources()) {
    out.push_back(r.group.empty() ? r.plural : absl::StrCat(r.plural, ".", r.group));
  }
  return out;
}

}  // namespace

ServerMetrics::ServerMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      requests_(prometheus::BuildCounter()
                    .Name("flyover_apiserver_requests_total")
                    .Help("API requests answered, by verb, resource and HTTP code.")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("flyover_apiserver_request_duration_seconds")
                   .Help("Time to answer an API request (watches: to set up the stream).")
                   .Register(*registry_)),
      watches_(prometheus::BuildGauge()
                   .Name("flyover_apiserver_watches")
                   .Help("Watch streams open now.")
                   .Register(*registry_)
                   .Add({})),
      watch_events_(prometheus::BuildCounter()
                        .Name("flyover_apiserver_watch_events_total")
                        .Help("Events sent on watch streams.")
                        .Register(*registry_)
                        .Add({})) {
  (void)InitLabelSets(
      requests_,
      LabelProduct({{"verb", Verbs()}, {"resource", BuiltinResources()}, {"code", {"200"}}}));
  (void)InitLabelSets(latency_, LabelProduct({{"verb", Verbs()}}), DefaultLatencyBuckets());
}

void ServerMetrics::ObserveRequest(absl::string_view verb, absl::string_view resource, int code,
                                   absl::Duration latency) {
  requests_
      .Add({{"verb", std::string(verb)},
            {"resource", std::string(resource)},
            {"code", absl::StrCat(code)}})
      .Increment();
  latency_.Add({{"verb", std::string(verb)}}, DefaultLatencyBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace flyover::apiserver
