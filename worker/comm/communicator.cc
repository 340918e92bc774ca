#include "worker/comm/communicator.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::worker {

ShardRange ShardOf(size_t n, int world_size, int rank) {
  if (world_size < 1 || rank < 0 || rank >= world_size) std::abort();  // a caller bug
  const uint64_t w = static_cast<uint64_t>(world_size);
  const uint64_t r = static_cast<uint64_t>(rank);
  const uint64_t begin = r * n / w;
  const uint64_t end = (r + 1) * n / w;
  return ShardRange{static_cast<size_t>(begin), static_cast<size_t>(end - begin)};
}

const char* CollectiveName(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::kAllReduce:
      return "AllReduce";
    case CollectiveKind::kReduceScatter:
      return "ReduceScatter";
    case CollectiveKind::kAllGather:
      return "AllGather";
    case CollectiveKind::kBroadcast:
      return "Broadcast";
    case CollectiveKind::kBarrier:
      return "Barrier";
  }
  return "Unknown";
}

absl::Status Communicator::Deadline(const CallOptions& call, absl::Time* deadline) const {
  const absl::Duration timeout = call.timeout.value_or(default_timeout_);
  if (timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("collective timeout must be positive, got ", absl::FormatDuration(timeout)));
  }
  *deadline = clock_->Now() + timeout;
  return absl::OkStatus();
}

absl::Status Communicator::AllReduce(absl::Span<float> data, const CallOptions& call) {
  absl::Time deadline;
  RETURN_IF_ERROR(Deadline(call, &deadline));
  if (data.empty()) return absl::OkStatus();
  return DoAllReduce(data, deadline);
}

absl::Status Communicator::ReduceScatter(absl::Span<float> data, const CallOptions& call) {
  absl::Time deadline;
  RETURN_IF_ERROR(Deadline(call, &deadline));
  if (data.empty()) return absl::OkStatus();
  return DoReduceScatter(data, deadline);
}

absl::Status Communicator::AllGather(absl::Span<float> data, const CallOptions& call) {
  absl::Time deadline;
  RETURN_IF_ERROR(Deadline(call, &deadline));
  if (data.empty()) return absl::OkStatus();
  return DoAllGather(data, deadline);
}

absl::Status Communicator::Broadcast(absl::Span<float> data, int root, const CallOptions& call) {
  return BroadcastBytes(
      absl::MakeSpan(reinterpret_cast<uint8_t*>(data.data()), data.size() * sizeof(float)), root,
      call);
}

absl::Status Communicator::BroadcastBytes(absl::Span<uint8_t> data, int root,
                                          const CallOptions& call) {
  if (root < 0 || root >= size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("broadcast root ", root, " is outside [0, ", size(), ")"));
  }
  absl::Time deadline;
  RETURN_IF_ERROR(Deadline(call, &deadline));
  if (data.empty()) return absl::OkStatus();
  return DoBroadcast(data, root, deadline);
}

absl::Status Communicator::Barrier(const CallOptions& call) {
  absl::Time deadline;
  RETURN_IF_ERROR(Deadline(call, &deadline));
  return DoBarrier(deadline);
}

}  // namespace flyover::worker
