#include "worker/comm/rank_order_sum.h"

#include <algorithm>
#include <cstring>

namespace flyover::worker {
namespace {

// Small enough to stay in L1 beside one block of each input, large enough to amortise
// the loop over inputs.
constexpr size_t kBlock = 1024;

}  // namespace

void SumInRankOrder(absl::Span<const float* const> inputs, size_t n, float* out) {
  if (inputs.empty() || n == 0) return;
  float acc[kBlock];
  for (size_t begin = 0; begin < n; begin += kBlock) {
    const size_t count = std::min(kBlock, n - begin);
    std::memcpy(acc, inputs[0] + begin, count * sizeof(float));
    for (size_t j = 1; j < inputs.size(); ++j) {
      const float* in = inputs[j] + begin;
      for (size_t i = 0; i < count; ++i) acc[i] += in[i];
    }
    std::memcpy(out + begin, acc, count * sizeof(float));
  }
}

}  // namespace flyover::worker
