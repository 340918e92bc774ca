// The one reduction every Flyover collective performs, shared by all Communicator
// implementations so that they agree bit for bit.
//
// SumInRankOrder computes, for each element i,
//   out[i] = ((inputs[0][i] + inputs[1][i]) + inputs[2][i]) + ... + inputs[W-1][i]
// in IEEE binary32 with round-to-nearest: a left fold in the order the inputs are given
// (callers give them in rank order). Float addition is not associative, so the order is
// the contract: the fold runs per element in that order however the loop is blocked or
// vectorised (vectorisation runs across elements, never across inputs), and Flyover is
// never built with -ffast-math or -fassociative-math, which would allow reassociation.
// On x86-64 float arithmetic is SSE (no x87 extended precision), so the result is the same
// on every run and every machine of the architecture.
//
// Thread-safety: a pure function; callers provide disjoint outputs per thread.
#ifndef FLYOVER_WORKER_COMM_RANK_ORDER_SUM_H_
#define FLYOVER_WORKER_COMM_RANK_ORDER_SUM_H_

#include <cstddef>

#include "absl/types/span.h"

namespace flyover::worker {

// `inputs` holds W >= 1 pointers to n floats each; `out` receives n floats. `out` may
// equal any input pointer (every element is read from all inputs before it is written),
// but must not overlap an input at another offset.
void SumInRankOrder(absl::Span<const float* const> inputs, size_t n, float* out);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_RANK_ORDER_SUM_H_
