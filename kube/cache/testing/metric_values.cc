#include "kube/cache/testing/metric_values.h"

#include <vector>

#include "prometheus/metric_family.h"

namespace flyover::kube {
namespace {

const prometheus::ClientMetric* Find(const std::vector<prometheus::MetricFamily>& families,
                                     const std::string& name,
                                     const std::map<std::string, std::string>& labels,
                                     prometheus::MetricType* type) {
  for (const prometheus::MetricFamily& family : families) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> have;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        have.emplace(label.name, label.value);
      }
      if (have != labels) continue;
      *type = family.type;
      return &metric;
    }
  }
  return nullptr;
}

}  // namespace

std::optional<double> MetricValue(const prometheus::Registry& registry, const std::string& name,
                                  const std::map<std::string, std::string>& labels) {
  const std::vector<prometheus::MetricFamily> families = registry.Collect();
  prometheus::MetricType type;
  const prometheus::ClientMetric* metric = Find(families, name, labels, &type);
  if (metric == nullptr) return std::nullopt;
  switch (type) {
    case prometheus::MetricType::Counter:
      return metric->counter.value;
    case prometheus::MetricType::Gauge:
      return metric->gauge.value;
    case prometheus::MetricType::Histogram:
      return static_cast<double>(metric->histogram.sample_count);
    default:
      return std::nullopt;
  }
}

std::optional<double> SampleSum(const prometheus::Registry& registry, const std::string& name,
                                const std::map<std::string, std::string>& labels) {
  const std::vector<prometheus::MetricFamily> families = registry.Collect();
  prometheus::MetricType type;
  const prometheus::ClientMetric* metric = Find(families, name, labels, &type);
  if (metric == nullptr || type != prometheus::MetricType::Histogram) return std::nullopt;
  return metric->histogram.sample_sum;
}

}  // namespace flyover::kube
