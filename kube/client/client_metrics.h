// RestClientMetrics: the REST client's Prometheus metrics.
//
//   flyover_rest_client_requests_total{verb,resource,code}       counter
//       every HTTP attempt, retries included; code is the HTTP status or "<error>" when
//       no response arrived
//   flyover_rest_client_request_duration_seconds{verb,resource}  histogram
//       one attempt, from sending to the whole response; watches are counted above but
//       not timed here (they last minutes by design)
//   flyover_rest_client_rate_limiter_duration_seconds{verb,resource}  histogram
//       time spent waiting for the client-side rate limiter
//   flyover_rest_client_watch_restarts_total{resource,reason}    counter
//       a watch reconnected: reason "closed" (the server ended it) or "error"
//   flyover_rest_client_relists_total{resource,reason}           counter
//       a full list had to be redone: "watch_expired" (410 on a watch),
//       "continue_expired" (410 on a continue token)
//
// verb is one of get, list, watch, create, update, patch, apply, delete; resource is
// ResourceDescriptor::QualifiedName() with "/<subresource>" when one is addressed. The
// label sets of a resource (all verbs, all reasons) are created at zero the first time
// the resource is used (InitResource), as the house rule asks.
//
// Ownership: shares the registry. Thread-safety: all methods are safe to call concurrently.
#ifndef FLYOVER_KUBE_CLIENT_CLIENT_METRICS_H_
#define FLYOVER_KUBE_CLIENT_CLIENT_METRICS_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace flyover::kube {

class RestClientMetrics {
 public:
  // InvalidArgument if the registry holds a same-named family of another type.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RestClientMetrics>> Create(
      std::shared_ptr<prometheus::Registry> registry);

  // Creates every label set of `resource` at zero; cheap after the first call.
  void InitResource(absl::string_view resource) ABSL_LOCKS_EXCLUDED(mu_);

  // `http_code` 0 means no response.
  void RecordRequest(absl::string_view verb, absl::string_view resource, int http_code,
                     absl::Duration latency);
  void RecordWatchRequest(absl::string_view resource, int http_code);
  void RecordRateLimiterWait(absl::string_view verb, absl::string_view resource,
                             absl::Duration wait);
  void RecordWatchRestart(absl::string_view resource, absl::string_view reason);
  void RecordRelist(absl::string_view resource, absl::string_view reason);

 private:
  explicit RestClientMetrics(std::shared_ptr<prometheus::Registry> registry);

  const std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* duration_ = nullptr;
  prometheus::Family<prometheus::Histogram>* rate_limiter_ = nullptr;
  prometheus::Family<prometheus::Counter>* watch_restarts_ = nullptr;
  prometheus::Family<prometheus::Counter>* relists_ = nullptr;

  absl::Mutex mu_;
  absl::flat_hash_set<std::string> initialised_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_CLIENT_METRICS_H_
