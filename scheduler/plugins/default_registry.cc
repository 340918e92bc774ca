#include "scheduler/plugins/default_registry.h"

#include "scheduler/plugins/basic_plugins.h"
#include "scheduler/plugins/super_pod.h"

namespace flyover::sched::plugins {

std::unique_ptr<Registry> NewDefaultRegistry() {
  auto registry = std::make_unique<Registry>();
  registry->Add(std::make_unique<PrioritySort>());
  registry->Add(std::make_unique<Gang>());
  registry->Add(std::make_unique<Health>());
  registry->Add(std::make_unique<NodeResources>());
  registry->Add(std::make_unique<Ascend910c>(), /*score_weight=*/1);
  registry->Add(std::make_unique<SuperPod>());
  return registry;
}

}  // namespace flyover::sched::plugins
