#include "operator/operator_app.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "kube/api/scheduling_annotations.h"
#include "kube/cache/object.h"
#include "kube/cache/rest_lister_watcher.h"
#include "kube/client/resource.h"
#include "kube/controller/handlers.h"
#include "kube/controller/runnable.h"

namespace flyover::op {
namespace {

// "<namespace>.<name>" -> "<namespace>/<name>" (namespaces hold no dots).
std::string KeyOfJobId(const std::string& id) {
  std::string key = id;
  if (size_t dot = key.find('.'); dot != std::string::npos) key[dot] = '/';
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<OperatorApp>> OperatorApp::Create(kube::RestClient* client,
                                                                 OperatorAppOptions options) {
  std::unique_ptr<OperatorApp> app(new OperatorApp());
  RETURN_IF_ERROR(app->Assemble(client, std::move(options)));
  return app;
}

OperatorApp::~OperatorApp() {
  registry_.SetListener(nullptr);
  if (server_ != nullptr) server_->Stop();
}

absl::Status OperatorApp::Assemble(kube::RestClient* client, OperatorAppOptions options) {
  prometheus_ = std::make_shared<prometheus::Registry>();
  leader_ = options.elector.get();
  kube::LeaderElector* leader = leader_;
  server_ = std::make_unique<SupervisionServer>(
      &registry_, [leader] { return leader == nullptr || leader->IsLeader(); },
      options.supervision);
  ASSIGN_OR_RETURN(int port, server_->Start());
  url_ = options.supervision_url
             ? options.supervision_url(port)
             : absl::StrCat("http://", options.supervision.bind_address, ":", port);
  sink_ = std::make_unique<kube::RestEventSink>(client);
  ASSIGN_OR_RETURN(recorder_,
                   kube::SinkEventRecorder::Create(sink_.get(), {.component = "flyover-operator",
                                                                 .host = options.identity,
                                                                 .registry = prometheus_}));
  metrics_ = std::make_unique<OperatorMetrics>(*prometheus_);
  options.reconciler.pods.supervision_url = url_;
  options.reconciler.device_health = &device_health_;
  RETURN_IF_ERROR(MakeClusterCaches(client));
  options.reconciler.cluster_view = cluster_view_.get();
  options.reconciler.pod_expectations = &pod_expectations_;
  SupervisionServer* server = server_.get();
  reconciler_ = std::make_unique<JobReconciler>(
      client, &registry_, recorder_.get(), metrics_.get(), options.reconciler,
      [server](const std::string& id) { server->ForgetRendezvous(id); });
  jobs_ = std::make_unique<kube::SharedInformer>(
      std::make_shared<kube::RestListerWatcher>(client, kube::PostTrainingJobsResource()),
      kube::SharedInformerOptions{.resource = "posttrainingjobs", .registry = prometheus_});
  device_reports_ = std::make_unique<kube::SharedInformer>(
      std::make_shared<kube::RestListerWatcher>(
          client, kube::ConfigMapsResource(),
          kube::RestListerWatcherOptions{.namespace_ = kDeviceInfoNamespace}),
      kube::SharedInformerOptions{.resource = "configmaps", .registry = prometheus_});
  JobReconciler* reconciler = reconciler_.get();
  ASSIGN_OR_RETURN(std::shared_ptr<kube::Controller> controller,
                   kube::Controller::Create({.name = "posttrainingjob",
                                             .max_concurrent_reconciles = options.workers,
                                             .registry = prometheus_},
                                            [reconciler](const std::string& key) {
                                              return reconciler->Reconcile(key);
                                            }));
  RETURN_IF_ERROR(controller->Watch(jobs_.get(), kube::EnqueueObject()));
  RETURN_IF_ERROR(
      controller->Watch(pods_.get(), kube::EnqueueOwner({.api_group = kube::kPostTrainingJobGroup,
                                                         .kind = kube::kPostTrainingJobKind})));
  kube::SharedInformer* jobs = jobs_.get();
  pods_->AddEventHandler(pod_expectations_.Handler());
  nodes_->AddEventHandler(NodeLostHandler(
      pods_.get(), [c = controller.get()](const std::string& key) { c->Enqueue(key); }));
  device_reports_->AddEventHandler(
      DeviceInfoHandler(&device_health_, [jobs, c = controller.get()] {
        for (const std::string& key : jobs->store().ListKeys()) c->Enqueue(key);
      }));
  registry_.SetListener(
      [c = controller.get()](const std::string& id) { c->Enqueue(KeyOfJobId(id)); });
  manager_ =
      std::make_unique<kube::Manager>(kube::ManagerOptions{.name = "flyover-operator",
                                                           .serve_metrics = options.serve_metrics,
                                                           .metrics_server = options.metrics_server,
                                                           .registry = prometheus_,
                                                           .ready_only_when_leading = true},
                                      std::move(options.elector));
  RETURN_IF_ERROR(manager_->Add(kube::InformerRunnable("posttrainingjobs", jobs_.get())));
  RETURN_IF_ERROR(manager_->Add(kube::InformerRunnable("pods", pods_.get())));
  RETURN_IF_ERROR(manager_->Add(kube::InformerRunnable("nodes", nodes_.get())));
  RETURN_IF_ERROR(manager_->Add(kube::InformerRunnable("node-leases", node_leases_.get())));
  // Device reports add a fault signal; they do not gate readiness (a cluster that denies
  // the operator kube-system's ConfigMaps still runs jobs, with the agents' health alone).
  kube::SharedInformer* reports = device_reports_.get();
  RETURN_IF_ERROR(manager_->Add(kube::MakeRunnable(
      "device-reports", /*need_leader_election=*/false, [reports](kube::StopSignal* stop) {
        reports->Start();
        (void)stop->WaitFor(RealClock(), absl::InfiniteDuration());
        reports->Stop();
        return absl::OkStatus();
      })));
  // Process mode: the shared supervision address is held only while leading
  // (supervision_server.h).
  if (options.supervision.listen_only_while_leading) {
    RETURN_IF_ERROR(manager_->Add(kube::MakeRunnable(
        "supervision-listener", /*need_leader_election=*/true, [server](kube::StopSignal* stop) {
          if (absl::Status listening = server->Listen(); !listening.ok()) return listening;
          (void)stop->WaitFor(RealClock(), absl::InfiniteDuration());
          server->Stop();
          return absl::OkStatus();
        })));
  }
  return manager_->Add(std::move(controller));
}

absl::Status OperatorApp::MakeClusterCaches(kube::RestClient* client) {
  pods_ = std::make_unique<kube::SharedInformer>(
      std::make_shared<kube::RestListerWatcher>(
          client, kube::PodsResource(),
          kube::RestListerWatcherOptions{.label_selector = kube::scheduling::kLabelJobName}),
      kube::SharedInformerOptions{.resource = "pods",
                                  .registry = prometheus_,
                                  .indexers = PodIndexers(),
                                  .transform = kube::StripManagedFields});
  nodes_ = std::make_unique<kube::SharedInformer>(
      std::make_shared<kube::RestListerWatcher>(client, kube::NodesResource()),
      kube::SharedInformerOptions{
          .resource = "nodes", .registry = prometheus_, .transform = kube::StripManagedFields});
  node_leases_ = std::make_unique<kube::SharedInformer>(
      std::make_shared<kube::RestListerWatcher>(
          client, kube::LeasesResource(),
          kube::RestListerWatcherOptions{.namespace_ = kNodeLeaseNamespace}),
      kube::SharedInformerOptions{
          .resource = "leases", .registry = prometheus_, .transform = kube::StripManagedFields});
  cluster_view_ = std::make_unique<CachedClusterView>(pods_.get(), nodes_.get(),
                                                      node_leases_.get(), client);
  return absl::OkStatus();
}

absl::Status OperatorApp::Run(kube::StopSignal* stop) {
  log::Info("flyover-operator running", {{"supervision_url", url_}});
  absl::Status result = manager_->Run(stop);
  registry_.SetListener(nullptr);
  server_->Stop();
  (void)recorder_->Flush(absl::Seconds(2));
  return result;
}

}  // namespace flyover::op
