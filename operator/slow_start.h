// SlowStartBatches: many independent API writes (a job's pods) issued concurrently, in
// batches that double in size — 1, 2, 4, ... — as the Kubernetes Job and ReplicaSet
// controllers create pods: when the writes are refused (quota, admission, a bad spec) the
// first error costs one request, not a thousand, and when they succeed the batches soon run
// at full width.
//
//   std::vector<absl::Status> results = SlowStartBatches(pods.size(), 8, [&](size_t i) {
//     return CreateOne(pods[i]);
//   });
//
// Every call of a batch runs, on up to `max_parallel` threads (at least 1); no batch starts
// after one with an error. The result has one status per index: the call's, or Cancelled for
// calls never made.
//
// Thread-safety: `call` runs on several threads at once and must be safe to.
#ifndef FLYOVER_OPERATOR_SLOW_START_H_
#define FLYOVER_OPERATOR_SLOW_START_H_

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/status/status.h"

namespace flyover::op {

[[nodiscard]] std::vector<absl::Status> SlowStartBatches(
    size_t count, int max_parallel, const std::function<absl::Status(size_t index)>& call);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_SLOW_START_H_
