// The default plugin set of flyover-scheduler, in call order:
//   QueueSort  priority_sort (higher priority, then older, then name)
//   PreFilter  gang (waits for min member); the request's shape and the per-pod die rules are
//              checked by ValidateGangRequest before any plugin runs
//   Permit     gang (the placement covers every pod)
//   Filter     health (Ready, cordon, taints/tolerations, selector, required affinity),
//              node_resources (dies, cpu, memory, pod count), ascend910c (whole chips)
//   Score      ascend910c best fit (weight 1)
//   Place      super_pod: logical super-pods packed into physical super-pods (see
//              docs/design/scheduler.md), spare nodes, replacements.
// The caller adds its own Reserve/Permit/Bind plugins before Scheduler::Create.
#ifndef FLYOVER_SCHEDULER_PLUGINS_DEFAULT_REGISTRY_H_
#define FLYOVER_SCHEDULER_PLUGINS_DEFAULT_REGISTRY_H_

#include <memory>

#include "scheduler/framework/framework.h"

namespace flyover::sched::plugins {

std::unique_ptr<Registry> NewDefaultRegistry();

}  // namespace flyover::sched::plugins

#endif  // FLYOVER_SCHEDULER_PLUGINS_DEFAULT_REGISTRY_H_
