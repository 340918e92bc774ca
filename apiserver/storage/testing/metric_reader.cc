#include "apiserver/storage/testing/metric_reader.h"

#include "prometheus/metric_family.h"

namespace flyover::apiserver::storage::testing {

std::optional<double> ReadMetric(const prometheus::Registry& registry, const std::string& name,
                                 const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> have;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        have[label.name] = label.value;
      }
      if (have != labels) continue;
      switch (family.type) {
        case prometheus::MetricType::Counter:
          return metric.counter.value;
        case prometheus::MetricType::Gauge:
          return metric.gauge.value;
        case prometheus::MetricType::Histogram:
          return static_cast<double>(metric.histogram.sample_count);
        default:
          return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

}  // namespace flyover::apiserver::storage::testing
