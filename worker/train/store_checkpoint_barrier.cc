#include "worker/train/store_checkpoint_barrier.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::worker {

absl::StatusOr<std::vector<std::string>> StoreCheckpointBarrier::AllGather(
    absl::string_view key, int rank, std::string payload, absl::Duration timeout) {
  if (rank < 0 || rank >= world_size_) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint barrier: rank ", rank, " outside world size ", world_size_));
  }
  RETURN_IF_ERROR(store_->Set(absl::StrCat(key, "/r", rank), payload));
  std::vector<std::string> keys;
  for (int r = 0; r < world_size_; ++r) keys.push_back(absl::StrCat(key, "/r", r));
  const absl::Time deadline = clock_->Now() + timeout;
  while (true) {
    if (cancelled_.load()) return absl::AbortedError("checkpoint barrier: cancelled");
    const absl::Duration left = deadline - clock_->Now();
    absl::Status waited = store_->Wait(keys, std::min(left, kCancelPollInterval));
    if (waited.ok()) break;
    if (!absl::IsDeadlineExceeded(waited) || left <= kCancelPollInterval) return waited;
  }
  std::vector<std::string> payloads;
  for (const std::string& k : keys) {
    ASSIGN_OR_RETURN(std::string value, store_->Get(k));
    payloads.push_back(std::move(value));
  }
  return payloads;
}

}  // namespace flyover::worker
