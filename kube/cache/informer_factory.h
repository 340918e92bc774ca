// SharedInformerFactory: hands out one SharedInformer per resource, so that every controller
// in a process that watches pods shares a single list/watch and cache (client-go's
// SharedInformerFactory).
//
//   SharedInformerFactory factory({.clock = clock, .registry = registry});
//   SharedInformer* pods = factory.InformerFor("pods", [&] { return MakePodListerWatcher(); });
//   pods->AddEventHandler(handler);
//   factory.Start();
//   for (const auto& [resource, synced] : factory.WaitForCacheSync(absl::Seconds(30))) ...
//
// Informers live as long as the factory. Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_KUBE_CACHE_INFORMER_FACTORY_H_
#define FLYOVER_KUBE_CACHE_INFORMER_FACTORY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/cache/lister_watcher.h"
#include "kube/cache/shared_informer.h"
#include "prometheus/registry.h"

namespace flyover::kube {

struct SharedInformerFactoryOptions {
  Clock* clock = RealClock();  // not owned
  std::shared_ptr<prometheus::Registry> registry;
  ReflectorOptions reflector;
  // Applied to every informer's objects unless InformerFor() is given its own.
  TransformFunc transform;
};

class SharedInformerFactory {
 public:
  using ListerWatcherFactory = std::function<std::shared_ptr<ListerWatcher>()>;

  explicit SharedInformerFactory(SharedInformerFactoryOptions options = {});
  ~SharedInformerFactory();  // Shutdown()
  SharedInformerFactory(const SharedInformerFactory&) = delete;
  SharedInformerFactory& operator=(const SharedInformerFactory&) = delete;

  // The informer for `resource`. The first call creates it from make() with `indexers` (and
  // `transform`, or the factory's); later calls return the same informer and ignore the
  // rest. Informers created after Start() start at once. Never null.
  SharedInformer* InformerFor(const std::string& resource, const ListerWatcherFactory& make,
                              const Indexers& indexers = {}, TransformFunc transform = nullptr)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Starts every informer not yet started.
  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  // Waits up to `timeout` (real time, shared by all) for every informer; resource -> synced.
  [[nodiscard]] std::map<std::string, bool> WaitForCacheSync(absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Stops every informer. Idempotent.
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const SharedInformerFactoryOptions options_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<SharedInformer>> informers_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_INFORMER_FACTORY_H_
