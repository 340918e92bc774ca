// Manager: runs a component's runnables (informers, controllers, servers) for the life of
// the process, after controller-runtime's manager.
//
//   auto registry = std::make_shared<prometheus::Registry>();  // shared with the elector
//   Manager manager({.name = "flyover-operator", .metrics_server = {.port = 8080},
//                    .registry = registry},
//                   std::move(elector));                      // elector may be null
//   RETURN_IF_ERROR(manager.Add(InformerFactoryRunnable(&factory)));
//   RETURN_IF_ERROR(manager.Add(std::move(job_controller)));
//   StopSignal stop;
//   ASSIGN_OR_RETURN(auto signals, ShutdownSignalHandler::Install(&stop));
//   return manager.Run(&stop);
//
// Run():
//   1. serves /metrics, /healthz and /readyz (common/metrics_server.h) on the registry it
//      owns (or was given); components register their metrics in registry();
//   2. starts every runnable that does not need leader election (caches) at once, each on
//      a thread of its own;
//   3. with a LeaderElector, campaigns and starts the leader-only runnables (controllers)
//      when elected; without one, starts them at once;
//   4. runs until `stop` is signalled, a runnable returns an error, or leadership is lost;
//   5. shuts down gracefully: stops the leader-only runnables and waits for them, then
//      ends the election (releasing the lease, so that a standby takes over at once only
//      after our controllers have stopped), then stops the caches and waits for them, all
//      within `graceful_shutdown_timeout` (real time); then stops serving.
// It returns OK after a requested stop, the first runnable error (annotated with its
// name), Aborted when leadership was lost (the process should exit and restart, as
// controller-runtime's managers do), or DeadlineExceeded when runnables did not stop in
// time; their threads are then left running detached, and the process should exit.
//
// Readiness (/readyz): "informer-sync" fails until every runnable that needs no leader
// election reports Ready(); "leader-election" fails when the election has ended, and, with
// `ready_only_when_leading`, also while this replica is a standby. That option is off by
// default: a rolling update waits for new pods to become ready, and a standby never leads
// while the old leader runs. Components can add their own checks.
//
// Thread-safety: Add() and AddReadinessCheck() before Run(); Run() once; the accessors from
// any thread.
#ifndef FLYOVER_KUBE_CONTROLLER_MANAGER_H_
#define FLYOVER_KUBE_CONTROLLER_MANAGER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "common/metrics_server.h"
#include "kube/cache/stop_signal.h"
#include "kube/controller/leader_elector.h"
#include "kube/controller/runnable.h"
#include "prometheus/registry.h"

namespace flyover::kube {

struct ManagerOptions {
  std::string name = "manager";  // for logs
  // Serve /metrics, /healthz and /readyz while running.
  bool serve_metrics = true;
  MetricsServerOptions metrics_server;
  // Null: the manager creates one.
  std::shared_ptr<prometheus::Registry> registry;
  // How long stopping may take, from the start of shutdown to the last runnable's exit.
  absl::Duration graceful_shutdown_timeout = absl::Seconds(30);
  // /readyz fails while this replica does not lead (see above).
  bool ready_only_when_leading = false;
};

class Manager {
 public:
  // `elector` may be null: then every runnable starts at once.
  explicit Manager(ManagerOptions options, std::unique_ptr<LeaderElector> elector = nullptr);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // InvalidArgument for a null runnable; FailedPrecondition once Run() has been called.
  [[nodiscard]] absl::Status Add(std::shared_ptr<Runnable> runnable) ABSL_LOCKS_EXCLUDED(mu_);
  // As MetricsServer::AddReadinessCheck.
  [[nodiscard]] absl::Status AddReadinessCheck(absl::string_view name,
                                               std::function<absl::Status()> check);

  // See above. FailedPrecondition when called twice; the metrics server's error when it
  // cannot serve.
  [[nodiscard]] absl::Status Run(StopSignal* stop) ABSL_LOCKS_EXCLUDED(mu_);

  [[nodiscard]] const std::shared_ptr<prometheus::Registry>& registry() const {
    return registry_;
  }
  // Whether this replica leads (always true without an elector, once running).
  [[nodiscard]] bool IsLeader() const ABSL_LOCKS_EXCLUDED(mu_);
  // The port /metrics is served on while running; 0 otherwise.
  [[nodiscard]] int metrics_port() const { return metrics_server_.port(); }
  // What /readyz reports now.
  [[nodiscard]] std::vector<MetricsServer::CheckResult> CheckReadiness() const {
    return metrics_server_.RunReadinessChecks();
  }

 private:
  struct State;  // shared with the runnables' threads, which may outlive a timed-out Run()

  absl::Status CachesReady() const ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status LeaderElectionReady() const;
  void StartGroup(bool leader_group) ABSL_LOCKS_EXCLUDED(mu_);
  void RunElection();
  absl::Status WaitForExitCause(StopSignal* stop);
  absl::Status ShutDown(absl::Status cause);
  bool WaitGroup(bool leader_group, absl::Time deadline);
  void JoinOrDetachThreads(bool detach) ABSL_LOCKS_EXCLUDED(mu_);
  // The body of a runnable's thread; `state` keeps what it touches alive.
  static void RunOne(const std::shared_ptr<State>& state,
                     const std::shared_ptr<Runnable>& runnable, bool leader_group);

  const ManagerOptions options_;
  const std::shared_ptr<prometheus::Registry> registry_;
  const std::unique_ptr<LeaderElector> elector_;
  const std::shared_ptr<State> state_;
  const log::Logger logger_;

  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<Runnable>> runnables_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  bool run_called_ ABSL_GUARDED_BY(mu_) = false;
  std::thread elector_thread_;  // touched only by the thread in Run()

  // Last, so that it is destroyed first: its readiness checks read the members above.
  MetricsServer metrics_server_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_MANAGER_H_
