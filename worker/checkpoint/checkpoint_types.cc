#include "worker/checkpoint/checkpoint_types.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace flyover::worker {

ElementRange EvenPartition(uint64_t num_elements, int world_size, int rank) {
  const uint64_t w = static_cast<uint64_t>(world_size);
  const uint64_t r = static_cast<uint64_t>(rank);
  const uint64_t base = num_elements / w;
  const uint64_t extra = num_elements % w;
  const uint64_t begin = r * base + std::min(r, extra);
  return ElementRange{begin, begin + base + (r < extra ? 1 : 0)};
}

absl::Status ValidateRankState(const RankStateView& state) {
  if (state.world_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat("world_size ", state.world_size, " < 1"));
  }
  if (state.rank < 0 || state.rank >= state.world_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", state.rank, " outside [0, ", state.world_size, ")"));
  }
  const uint64_t n = state.params.size();
  if (state.range.begin > state.range.end || state.range.end > n) {
    return absl::InvalidArgumentError(absl::StrCat("range [", state.range.begin, ", ",
                                                   state.range.end, ") outside [0, ", n, ")"));
  }
  if (state.adam_m.size() != state.range.size() || state.adam_v.size() != state.range.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("adam_m has ", state.adam_m.size(), " and adam_v ", state.adam_v.size(),
                     " elements; the range holds ", state.range.size()));
  }
  return absl::OkStatus();
}

}  // namespace flyover::worker
