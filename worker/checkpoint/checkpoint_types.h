// The values a checkpoint holds and hands back, shared by the writer, the loader and the
// in-memory replicas. The on-disk format is docs/design/checkpoint.md.
//
// A data-parallel ZeRO-1 rank holds the full flat fp32 parameter vector (N elements,
// identical on every rank) and the AdamW moments m and v for its own range [begin, end)
// of that vector. RankStateView describes that state without owning it (the writer copies
// it); RestoredState is what a loader returns, owned, for one rank of the world size the
// run resumes at (which may differ from the saved one).
#ifndef FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_TYPES_H_
#define FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace flyover::worker {

// A half-open range [begin, end) of elements of the flat parameter vector.
struct ElementRange {
  uint64_t begin = 0;
  uint64_t end = 0;

  uint64_t size() const { return end - begin; }
  friend bool operator==(const ElementRange&, const ElementRange&) = default;
};

// The even ZeRO-1 partition of `num_elements` over `world_size` ranks: the first
// num_elements % world_size ranks get one element more. Requires 0 <= rank < world_size.
ElementRange EvenPartition(uint64_t num_elements, int world_size, int rank);

// One rank's training state at one step, borrowed from the trainer. Every span and view
// must stay valid and unchanged for the duration of the call it is passed to (for
// CheckpointWriter::Snapshot, only until Snapshot returns).
struct RankStateView {
  uint64_t step = 0;
  // Position of the learning-rate schedule (usually the optimizer step).
  uint64_t lr_schedule_step = 0;
  int world_size = 1;
  int rank = 0;
  // The full flat parameter vector; its size is N.
  absl::Span<const float> params;
  // This rank's optimizer range; adam_m and adam_v hold exactly range.size() elements.
  ElementRange range;
  absl::Span<const float> adam_m;
  absl::Span<const float> adam_v;
  // Opaque per-rank bytes: the RNG state and the data loader's cursor.
  absl::string_view rng_state;
  absl::string_view data_cursor;
};

// InvalidArgument naming the field if `state` is inconsistent: world size < 1, rank out of
// range, range outside [0, N), or moment sizes that do not match the range.
[[nodiscard]] absl::Status ValidateRankState(const RankStateView& state);

// Which state a loader should return: rank `rank` of a run at `world_size`, with the
// optimizer moments for `optimizer_range` (default: EvenPartition(N, world_size, rank)).
struct LoadRequest {
  int world_size = 1;
  int rank = 0;
  std::optional<ElementRange> optimizer_range;
};

// A verified checkpoint, resharded for one LoadRequest.
struct RestoredState {
  uint64_t step = 0;
  uint64_t lr_schedule_step = 0;
  // The world size the checkpoint was saved at.
  int saved_world_size = 0;
  uint64_t num_elements = 0;
  // All N parameters.
  std::vector<float> params;
  // The requested optimizer range and its moments.
  ElementRange range;
  std::vector<float> adam_m;
  std::vector<float> adam_v;
  // Indexed by saved rank (saved_world_size entries). With an unchanged world size, rank r
  // resumes from rng_states[r] and data_cursors[r]; otherwise the trainer maps them.
  std::vector<std::string> rng_states;
  std::vector<std::string> data_cursors;
  // Where it came from: the step directory, or "replicas of job <job>".
  std::string source;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_TYPES_H_
