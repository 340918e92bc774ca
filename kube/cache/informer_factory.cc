#include "kube/cache/informer_factory.h"

#include <utility>

namespace flyover::kube {

SharedInformerFactory::SharedInformerFactory(SharedInformerFactoryOptions options)
    : options_(std::move(options)) {}

SharedInformerFactory::~SharedInformerFactory() { Shutdown(); }

SharedInformer* SharedInformerFactory::InformerFor(const std::string& resource,
                                                   const ListerWatcherFactory& make,
                                                   const Indexers& indexers,
                                                   TransformFunc transform) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<SharedInformer>& informer = informers_[resource];
  if (informer == nullptr) {
    SharedInformerOptions options;
    options.resource = resource;
    options.clock = options_.clock;
    options.registry = options_.registry;
    options.reflector = options_.reflector;
    options.indexers = indexers;
    options.transform = transform ? std::move(transform) : options_.transform;
    informer = std::make_unique<SharedInformer>(make(), std::move(options));
    if (started_) informer->Start();
  }
  return informer.get();
}

void SharedInformerFactory::Start() {
  absl::MutexLock lock(&mu_);
  started_ = true;
  for (auto& [resource, informer] : informers_) informer->Start();
}

std::map<std::string, bool> SharedInformerFactory::WaitForCacheSync(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::map<std::string, SharedInformer*> informers;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [resource, informer] : informers_) informers.emplace(resource, informer.get());
  }
  std::map<std::string, bool> synced;
  for (const auto& [resource, informer] : informers) {
    synced[resource] = informer->WaitForCacheSync(deadline - absl::Now());
  }
  return synced;
}

void SharedInformerFactory::Shutdown() {
  absl::MutexLock lock(&mu_);
  for (auto& [resource, informer] : informers_) informer->Stop();
}

}  // namespace flyover::kube
