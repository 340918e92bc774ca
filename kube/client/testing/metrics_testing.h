// Reading metric values back from a prometheus::Registry in tests.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_METRICS_TESTING_H_
#define FLYOVER_KUBE_CLIENT_TESTING_METRICS_TESTING_H_

#include <map>
#include <string>

#include "prometheus/registry.h"

namespace flyover::kube::testing {

// The value of the counter (or a histogram's sample count) `name` whose labels include
// all of `labels`; -1 when no such series exists.
inline double MetricValue(const prometheus::Registry& registry, const std::string& name,
                          const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      size_t matched = 0;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        auto it = labels.find(label.name);
        if (it != labels.end() && it->second == label.value) ++matched;
      }
      if (matched != labels.size()) continue;
      if (family.type == prometheus::MetricType::Histogram) {
        return static_cast<double>(metric.histogram.sample_count);
      }
      return metric.counter.value;
    }
  }
  return -1;
}

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_CLIENT_TESTING_METRICS_TESTING_H_
