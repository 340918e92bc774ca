// Runnable: something the Manager (manager.h) runs on a thread of its own for the life of
// the process, after controller-runtime's manager.Runnable: informers, controllers,
// servers, periodic jobs.
//
//   manager.Add(InformerRunnable("pods", pods_informer));         // runs on every replica
//   manager.Add(std::move(controller));                            // runs only on the leader
//   manager.Add(MakeRunnable("gc", /*need_leader_election=*/true,
//                            [&](StopSignal* stop) { return RunGc(stop); }));
//
// Start() blocks until `stop` is signalled and returns OK then; returning an error (at any
// time) makes the Manager shut everything down and report it. Returning OK early is
// allowed (a one-shot task). NeedLeaderElection() decides whether the Manager starts it
// only while this process leads (controllers, the default) or at once on every replica
// (caches). Ready() feeds the Manager's /readyz (caches report whether they have synced).
//
// Thread-safety: Start() runs on its own thread; Name(), NeedLeaderElection() and Ready()
// may be called from any thread at any time and must not block.
#ifndef FLYOVER_KUBE_CONTROLLER_RUNNABLE_H_
#define FLYOVER_KUBE_CONTROLLER_RUNNABLE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "kube/cache/informer_factory.h"
#include "kube/cache/shared_informer.h"
#include "kube/cache/stop_signal.h"

namespace flyover::kube {

class Runnable {
 public:
  virtual ~Runnable() = default;

  [[nodiscard]] virtual absl::Status Start(StopSignal* stop) = 0;
  [[nodiscard]] virtual std::string Name() const = 0;
  [[nodiscard]] virtual bool NeedLeaderElection() const { return true; }
  // OK when ready; otherwise why not (e.g. Unavailable: "cache not synced").
  [[nodiscard]] virtual absl::Status Ready() const { return absl::OkStatus(); }
};

// A Runnable made of a function.
[[nodiscard]] std::shared_ptr<Runnable> MakeRunnable(
    std::string name, bool need_leader_election,
    std::function<absl::Status(StopSignal* stop)> start);

// Starts `informer` (borrowed; it must outlive the runnable), waits for the stop and stops
// it. Runs on every replica; ready once the informer has synced.
[[nodiscard]] std::shared_ptr<Runnable> InformerRunnable(std::string name,
                                                         SharedInformer* informer);

// As InformerRunnable, for every informer of `factory` (borrowed): Start() starts those
// created so far and later ones as they are created; ready once all have synced.
[[nodiscard]] std::shared_ptr<Runnable> InformerFactoryRunnable(SharedInformerFactory* factory);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_RUNNABLE_H_
