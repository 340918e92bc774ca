// Reads single series out of a prometheus::Registry, for tests that assert on metrics.
//
//   EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_adds_total", {{"name", "q"}}), 2);
//
// Counters and gauges read as their value, histograms as their sample count (SampleSum()
// gives the sum). nullopt when the family or the exact label set does not exist. Safe from
// any thread.
#ifndef FLYOVER_KUBE_CACHE_TESTING_METRIC_VALUES_H_
#define FLYOVER_KUBE_CACHE_TESTING_METRIC_VALUES_H_

#include <map>
#include <optional>
#include <string>

#include "prometheus/registry.h"

namespace flyover::kube {

[[nodiscard]] std::optional<double> MetricValue(const prometheus::Registry& registry,
                                                const std::string& name,
                                                const std::map<std::string, std::string>& labels);
[[nodiscard]] std::optional<double> SampleSum(const prometheus::Registry& registry,
                                              const std::string& name,
                                              const std::map<std::string, std::string>& labels);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_TESTING_METRIC_VALUES_H_
