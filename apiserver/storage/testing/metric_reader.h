// Reads one series out of a prometheus::Registry, for tests that assert on metrics: counters
// and gauges as their value, histograms as their sample count. nullopt when the family or the
// exact label set does not exist. Thread-safe.
#ifndef FLYOVER_APISERVER_STORAGE_TESTING_METRIC_READER_H_
#define FLYOVER_APISERVER_STORAGE_TESTING_METRIC_READER_H_

#include <map>
#include <optional>
#include <string>

#include "prometheus/registry.h"

namespace flyover::apiserver::storage::testing {

[[nodiscard]] std::optional<double> ReadMetric(
    const prometheus::Registry& registry, const std::string& name,
    const std::map<std::string, std::string>& labels = {});

}  // namespace flyover::apiserver::storage::testing

#endif  // FLYOVER_APISERVER_STORAGE_TESTING_METRIC_READER_H_
