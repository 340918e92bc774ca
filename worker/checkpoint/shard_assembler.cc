#include "worker/checkpoint/shard_assembler.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "worker/checkpoint/shard_format.h"

namespace flyover::worker {
namespace {

// DataLoss naming the first header field that differs from the manifest.
absl::Status CheckHeader(const ShardHeader& h, const Manifest& m, const ShardInfo& info,
                         absl::string_view name) {
  auto mismatch = [&](absl::string_view field, auto header_value, auto manifest_value) {
    return absl::DataLossError(absl::StrCat(name, ": header says ", field, " ", header_value,
                                            ", manifest says ", manifest_value));
  };
  if (h.step != m.step) return mismatch("step", h.step, m.step);
  if (h.world_size != m.world_size) return mismatch("world size", h.world_size, m.world_size);
  if (h.rank != info.rank) return mismatch("rank", h.rank, info.rank);
  if (h.num_elements != m.num_elements) {
    return mismatch("num_elements", h.num_elements, m.num_elements);
  }
  if (h.range != info.range) {
    return mismatch("range begin/end", absl::StrCat(h.range.begin, "/", h.range.end),
                    absl::StrCat(info.range.begin, "/", info.range.end));
  }
  if (h.lr_schedule_step != m.lr_schedule_step) {
    return mismatch("lr_schedule_step", h.lr_schedule_step, m.lr_schedule_step);
  }
  return absl::OkStatus();
}

void CopyShardFloats(absl::string_view from, uint64_t first, uint64_t count, float* to) {
  if (count > 0) std::memcpy(to, from.data() + first * sizeof(float), count * sizeof(float));
}

}  // namespace

absl::StatusOr<ShardAssembler> ShardAssembler::Create(const Manifest& manifest,
                                                      const LoadRequest& request,
                                                      std::string source) {
  if (request.world_size < 1 || request.rank < 0 || request.rank >= request.world_size) {
    return absl::InvalidArgumentError(absl::StrCat("load request: rank ", request.rank,
                                                   " of world size ", request.world_size));
  }
  const ElementRange range =
      request.optimizer_range.value_or(
          EvenPartition(manifest.num_elements, request.world_size, request.rank));
  if (range.begin > range.end || range.end > manifest.num_elements) {
    return absl::InvalidArgumentError(absl::StrCat("load request: optimizer range [", range.begin,
                                                   ", ", range.end, ") outside [0, ",
                                                   manifest.num_elements, ")"));
  }
  ShardAssembler assembler;
  assembler.manifest_ = manifest;
  assembler.added_.assign(manifest.shards.size(), false);
  RestoredState& state = assembler.state_;
  state.step = manifest.step;
  state.lr_schedule_step = manifest.lr_schedule_step;
  state.saved_world_size = manifest.world_size;
  state.num_elements = manifest.num_elements;
  state.params.resize(manifest.num_elements);
  state.range = range;
  state.adam_m.resize(range.size());
  state.adam_v.resize(range.size());
  state.rng_states.resize(manifest.shards.size());
  state.data_cursors.resize(manifest.shards.size());
  state.source = std::move(source);
  return assembler;
}

absl::StatusOr<ShardView> VerifyShard(const Manifest& manifest, int rank,
                                      absl::string_view bytes, absl::string_view name) {
  if (rank < 0 || static_cast<size_t>(rank) >= manifest.shards.size()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": rank ", rank, " is not in the manifest"));
  }
  const ShardInfo& info = manifest.shards[rank];
  if (bytes.size() != info.bytes) {
    return absl::DataLossError(absl::StrCat(name, ": size ", bytes.size(),
                                            " bytes, manifest says ", info.bytes));
  }
  absl::StatusOr<ShardView> view = ParseShard(bytes, name);
  if (!view.ok()) return view.status();
  if (view->file_crc32 != info.crc32) {
    return absl::DataLossError(absl::StrCat(name, ": checksum mismatch: computed ",
                                            view->file_crc32, ", manifest says ", info.crc32));
  }
  if (absl::Status status = CheckHeader(view->header, manifest, info, name); !status.ok()) {
    return status;
  }
  return view;
}

absl::Status ShardAssembler::Add(int rank, absl::string_view bytes, absl::string_view name) {
  absl::StatusOr<ShardView> view = VerifyShard(manifest_, rank, bytes, name);
  if (!view.ok()) return view.status();
  const ShardInfo& info = manifest_.shards[rank];
  const ElementRange have = info.range;
  CopyShardFloats(view->params, 0, have.size(), state_.params.data() + have.begin);
  const ElementRange want = state_.range;
  const uint64_t lo = std::max(have.begin, want.begin);
  const uint64_t hi = std::min(have.end, want.end);
  if (lo < hi) {
    CopyShardFloats(view->adam_m, lo - have.begin, hi - lo, state_.adam_m.data() + (lo - want.begin));
    CopyShardFloats(view->adam_v, lo - have.begin, hi - lo, state_.adam_v.data() + (lo - want.begin));
  }
  state_.rng_states[rank] = std::string(view->rng_state);
  state_.data_cursors[rank] = std::string(view->data_cursor);
  added_[rank] = true;
  return absl::OkStatus();
}

absl::StatusOr<RestoredState> ShardAssembler::Finish() && {
  for (size_t r = 0; r < added_.size(); ++r) {
    if (!added_[r]) {
      return absl::FailedPreconditionError(
          absl::StrCat(state_.source, ": shard of rank ", r, " was never added"));
    }
  }
  return std::move(state_);
}

}  // namespace flyover::worker
