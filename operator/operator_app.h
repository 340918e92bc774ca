// OperatorApp: flyover-operator assembled — the supervision endpoint, the PostTrainingJob
// controller over job and pod informers (the pods of jobs only: label
// training.flyover.dev/job-name), node and node-Lease informers from which the reconciler
// reads pods, nodes and Leases without a request (cached_cluster_view.h; a node that stops
// being Ready enqueues the jobs with pods on it at once), an informer on the device
// plugins' reports (ConfigMaps in kube-system: device_health.h; a change of a node's
// unhealthy dies enqueues every job; it does not gate readiness), the event recorder and the metrics, run by a
// kube::Manager (informers on every replica, the controller only while leading; the
// endpoint answers only while leading and /readyz follows leadership). The binary
// (main/operator_main.cc) and tests/operator/ run the same assembly.
//
// Lifecycle: Create() starts the supervision endpoint (so its port, and the URL pods are
// told, are known before any pod is created); Run() blocks until `stop` (or a runnable
// error, or lost leadership: Aborted), then stops the endpoint.
// Thread-safety: Run() once; the accessors from any thread. Borrows the client.
#ifndef FLYOVER_OPERATOR_OPERATOR_APP_H_
#define FLYOVER_OPERATOR_OPERATOR_APP_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/metrics_server.h"
#include "kube/cache/shared_informer.h"
#include "kube/cache/stop_signal.h"
#include "kube/client/rest_client.h"
#include "kube/controller/controller.h"
#include "kube/controller/event_recorder.h"
#include "kube/controller/event_sink.h"
#include "kube/controller/leader_elector.h"
#include "kube/controller/manager.h"
#include "operator/cached_cluster_view.h"
#include "operator/device_health.h"
#include "operator/job_reconciler.h"
#include "operator/operator_metrics.h"
#include "operator/pod_expectations.h"
#include "operator/supervision/supervision_server.h"

namespace flyover::op {

struct OperatorAppOptions {
  SupervisionServerOptions supervision;
  // FLYOVER_SUPERVISION_URL for a bound port; empty function: http://<bind address>:<port>.
  std::function<std::string(int port)> supervision_url;
  bool serve_metrics = true;
  MetricsServerOptions metrics_server;
  int workers = 4;
  std::string identity = "flyover-operator";  // the Events' source.host
  // Null: no leader election (this replica always leads).
  std::unique_ptr<kube::LeaderElector> elector;
  JobReconcilerOptions reconciler;  // its pods.supervision_url is filled in by Create()
};

class OperatorApp {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<OperatorApp>> Create(
      kube::RestClient* client, OperatorAppOptions options);
  ~OperatorApp();

  [[nodiscard]] absl::Status Run(kube::StopSignal* stop);

  int supervision_port() const { return server_->port(); }
  const std::string& supervision_url() const { return url_; }
  SupervisionRegistry& registry() { return registry_; }
  std::shared_ptr<prometheus::Registry> metrics_registry() const { return prometheus_; }

 private:
  OperatorApp() = default;
  absl::Status Assemble(kube::RestClient* client, OperatorAppOptions options);
  // The pod, node and node-Lease informers and the cluster view over them.
  absl::Status MakeClusterCaches(kube::RestClient* client);

  std::shared_ptr<prometheus::Registry> prometheus_;
  kube::LeaderElector* leader_ = nullptr;
  SupervisionRegistry registry_;
  std::unique_ptr<SupervisionServer> server_;
  std::string url_;
  std::unique_ptr<kube::RestEventSink> sink_;
  std::unique_ptr<kube::SinkEventRecorder> recorder_;
  std::unique_ptr<OperatorMetrics> metrics_;
  std::unique_ptr<JobReconciler> reconciler_;
  std::unique_ptr<kube::SharedInformer> jobs_;
  std::unique_ptr<kube::SharedInformer> pods_;
  std::unique_ptr<kube::SharedInformer> nodes_;
  std::unique_ptr<kube::SharedInformer> node_leases_;
  PodExpectations pod_expectations_;
  std::unique_ptr<CachedClusterView> cluster_view_;
  DeviceHealth device_health_;
  std::unique_ptr<kube::SharedInformer> device_reports_;
  std::unique_ptr<kube::Manager> manager_;
};

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_OPERATOR_APP_H_
