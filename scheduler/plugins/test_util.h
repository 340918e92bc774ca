// Shared by the plugin tests: the default scheduler with the given options.
#ifndef FLYOVER_SCHEDULER_PLUGINS_TEST_UTIL_H_
#define FLYOVER_SCHEDULER_PLUGINS_TEST_UTIL_H_

#include <memory>

#include "gtest/gtest.h"
#include "scheduler/framework/framework.h"
#include "scheduler/plugins/default_registry.h"

namespace flyover::sched::plugins {

inline std::unique_ptr<Scheduler> DefaultScheduler(SchedulerOptions options = {}) {
  auto scheduler = Scheduler::Create(NewDefaultRegistry(), options);
  EXPECT_TRUE(scheduler.ok()) << scheduler.status();
  return scheduler.ok() ? std::move(*scheduler) : nullptr;
}

}  // namespace flyover::sched::plugins

#endif  // FLYOVER_SCHEDULER_PLUGINS_TEST_UTIL_H_
