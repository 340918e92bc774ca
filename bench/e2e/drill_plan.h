// The fault drill's pure parts: which faults to inject at which steps, and the
// distributions of the times measured.
//
// A plan is `count` faults at distinct random steps in [first, last], at least `spacing`
// steps apart (so each recovery can finish before the next fault), in step order. Kinds
// are drawn at random from `kinds`; when count >= kinds.size() every kind occurs at least
// once. The same seed gives the same plan (std::mt19937_64).
//
// Percentiles are nearest-rank: p-th percentile = the ceil(p/100 * n)-th smallest sample.
#ifndef FLYOVER_BENCH_E2E_DRILL_PLAN_H_
#define FLYOVER_BENCH_E2E_DRILL_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::drill {

enum class FaultKind { kRankKill, kPodDelete, kNodeStop, kDeviceEcc };

// "rank-kill", "pod-delete", "node-stop", "device-ecc".
[[nodiscard]] std::string KindName(FaultKind kind);

// A comma-separated list of kind names; InvalidArgument naming the unknown one.
[[nodiscard]] absl::StatusOr<std::vector<FaultKind>> ParseKinds(absl::string_view csv);

struct PlannedFault {
  int64_t step = 0;
  FaultKind kind = FaultKind::kRankKill;
};

struct PlanOptions {
  int count = 5;
  std::vector<FaultKind> kinds;
  int64_t first = 0;
  int64_t last = 0;
  int64_t spacing = 1;
  uint64_t seed = 1;
};

// InvalidArgument when the faults cannot fit ((count-1) * spacing > last - first) or no
// kinds are given.
[[nodiscard]] absl::StatusOr<std::vector<PlannedFault>> PlanFaults(const PlanOptions& options);

struct Distribution {
  int n = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

[[nodiscard]] Distribution Summarize(std::vector<double> samples);

// "n=7 p50=0.41 p90=0.92 p99=1.30 max=1.30" (seconds, two decimals); "n=0" when empty.
[[nodiscard]] std::string FormatDistribution(const Distribution& d);

}  // namespace flyover::drill

#endif  // FLYOVER_BENCH_E2E_DRILL_PLAN_H_
