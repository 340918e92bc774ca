// FakeNpuFaultSource: an NpuFaultSource whose answers a test sets directly.
//
// SetDieState(state) makes every later Poll for state.die_id return it (whatever the
// step); SetError(status) makes every Poll fail with it until cleared with OkStatus.
// Polls are counted and the last step seen is kept, so a test can check when the backend
// polled.
//
// Thread-safety: every method is safe to call from any thread.
#ifndef FLYOVER_WORKER_NPU_FAKE_NPU_FAULT_SOURCE_H_
#define FLYOVER_WORKER_NPU_FAKE_NPU_FAULT_SOURCE_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "worker/npu/npu_fault.h"

namespace flyover::worker {

class FakeNpuFaultSource final : public NpuFaultSource {
 public:
  absl::StatusOr<DieState> Poll(int die_id, int64_t step) override ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    ++polls_;
    last_step_ = step;
    if (!error_.ok()) return error_;
    auto it = states_.find(die_id);
    if (it != states_.end()) return it->second;
    DieState healthy;
    healthy.die_id = die_id;
    return healthy;
  }

  void SetDieState(DieState state) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    states_[state.die_id] = std::move(state);
  }
  // Back to healthy for `die_id`.
  void ClearDie(int die_id) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    states_.erase(die_id);
  }
  void SetError(absl::Status error) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    error_ = std::move(error);
  }
  int64_t polls() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return polls_;
  }
  int64_t last_step() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return last_step_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<int, DieState> states_ ABSL_GUARDED_BY(mu_);
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  int64_t polls_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_step_ ABSL_GUARDED_BY(mu_) = -1;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_NPU_FAKE_NPU_FAULT_SOURCE_H_
