#include "bench/e2e/drill_plan.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace flyover::drill {
namespace {

constexpr FaultKind kAllKinds[] = {FaultKind::kRankKill, FaultKind::kPodDelete,
                                   FaultKind::kNodeStop, FaultKind::kDeviceEcc};

double Percentile(const std::vector<double>& sorted, double p) {
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

std::string KindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kRankKill:
      return "rank-kill";
    case FaultKind::kPodDelete:
      return "pod-delete";
    case FaultKind::kNodeStop:
      return "node-stop";
    case FaultKind::kDeviceEcc:
      return "device-ecc";
  }
  return "?";
}

absl::StatusOr<std::vector<FaultKind>> ParseKinds(absl::string_view csv) {
  std::vector<FaultKind> kinds;
  for (absl::string_view name : absl::StrSplit(csv, ',', absl::SkipEmpty())) {
    const auto* found = std::find_if(std::begin(kAllKinds), std::end(kAllKinds),
                                     [&](FaultKind k) { return KindName(k) == name; });
    if (found == std::end(kAllKinds)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--kinds: unknown fault kind \"", name, "\" (rank-kill, pod-delete, node-stop, device-ecc)"));
    }
    kinds.push_back(*found);
  }
  if (kinds.empty()) return absl::InvalidArgumentError("--kinds: no fault kind given");
  return kinds;
}

absl::StatusOr<std::vector<PlannedFault>> PlanFaults(const PlanOptions& options) {
  if (options.kinds.empty()) return absl::InvalidArgumentError("kinds: none given");
  if (options.count < 0) return absl::InvalidArgumentError("count: must be >= 0");
  const int64_t room = options.last - options.first -
                       std::max(0, options.count - 1) * options.spacing;
  if (room < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "steps: ", options.count, " faults ", options.spacing, " steps apart do not fit in [",
        options.first, ", ", options.last, "]"));
  }
  std::mt19937_64 random(options.seed);
  std::uniform_int_distribution<int64_t> offset(0, room);
  std::vector<int64_t> offsets(options.count);
  for (int64_t& o : offsets) o = offset(random);
  std::sort(offsets.begin(), offsets.end());
  // Every kind once (when there is room for all), then random kinds, in a random order.
  std::vector<FaultKind> kinds;
  for (size_t i = 0; i < options.kinds.size() && kinds.size() < offsets.size(); ++i) {
    kinds.push_back(options.kinds[i]);
  }
  std::uniform_int_distribution<size_t> pick(0, options.kinds.size() - 1);
  while (kinds.size() < offsets.size()) kinds.push_back(options.kinds[pick(random)]);
  std::shuffle(kinds.begin(), kinds.end(), random);
  std::vector<PlannedFault> plan;
  for (int i = 0; i < options.count; ++i) {
    plan.push_back({.step = options.first + offsets[i] + i * options.spacing, .kind = kinds[i]});
  }
  return plan;
}

Distribution Summarize(std::vector<double> samples) {
  Distribution d;
  d.n = static_cast<int>(samples.size());
  if (samples.empty()) return d;
  std::sort(samples.begin(), samples.end());
  d.p50 = Percentile(samples, 50);
  d.p90 = Percentile(samples, 90);
  d.p99 = Percentile(samples, 99);
  d.max = samples.back();
  return d;
}

std::string FormatDistribution(const Distribution& d) {
  if (d.n == 0) return "n=0";
  return absl::StrFormat("n=%d p50=%.2f p90=%.2f p99=%.2f max=%.2f", d.n, d.p50, d.p90, d.p99,
                         d.max);
}

}  // namespace flyover::drill
