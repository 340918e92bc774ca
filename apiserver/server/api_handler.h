// ApiHandler: the front of flyover-apiserver's request handling. Classifies each request
// (request_info.h) and routes it: resource requests to ResourceHandler; discovery and
// OpenAPI to discovery_handler.h; /healthz, /livez, /readyz (each with ?verbose, kube's
// "[+]check ok" listing) and /metrics (Prometheus text) here. Anything else is 404. Every
// request is counted in ServerMetrics and logged at debug level.
//
// Thread-safety: Handle() is thread-safe.
#ifndef FLYOVER_APISERVER_SERVER_API_HANDLER_H_
#define FLYOVER_APISERVER_SERVER_API_HANDLER_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "apiserver/server/http_types.h"
#include "apiserver/server/object_service.h"
#include "apiserver/server/registry_state.h"
#include "apiserver/server/resource_handler.h"
#include "apiserver/server/server_metrics.h"
#include "apiserver/server/watch_handler.h"

namespace flyover::apiserver {

// A named readiness check for /readyz: OK when ready.
struct HealthCheck {
  std::string name;
  std::function<absl::Status()> check;
};

class ApiHandler {
 public:
  // Every pointer must outlive the handler; `metrics` may be null (then /metrics is 404).
  ApiHandler(ObjectService* objects, ActiveWatches* watches, ServerMetrics* metrics,
             std::vector<HealthCheck> readiness = {});

  HttpResponse Handle(const HttpRequest& request);

 private:
  HttpResponse Route(const HttpRequest& request, std::string& verb, std::string& resource);
  HttpResponse Health(const HttpRequest& request, bool readiness) const;

  ObjectService* const objects_;
  ServerMetrics* const metrics_;
  const std::vector<HealthCheck> readiness_;
  ResourceHandler resources_;
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_API_HANDLER_H_
