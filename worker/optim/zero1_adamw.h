// Zero1AdamW: data-parallel AdamW with ZeRO-1 sharded optimizer state. Every rank holds the
// full flat parameter and gradient vectors on its NPU; the AdamW moments m and v exist only
// for the rank's shard, ShardOf(N, world, rank) (communicator.h). One Step():
//   1. ReduceScatter of the gradients: the rank's shard becomes the sum over ranks, folded
//      in rank order (bit-identical on every run for the same world size);
//   2. global gradient norm: each rank's sum of squares of its reduced shard, AllReduced;
//      clipping scales the gradient by clip / norm when norm > clip (clip <= 0: never);
//   3. the fused AdamW kernel on the shard with the schedule's rate (lr_schedule.h);
//   4. AllGather of the parameters, so every rank holds the updated full vector.
// Collectives run on host copies (the Communicator works on host memory).
// AdamW constants: beta1 0.9, beta2 0.99, eps 1e-8; weight decay applies to every element.
//
// Errors: the backend's (DataLoss on an ECC error...) or the communicator's (Aborted,
// DeadlineExceeded); after an error the parameters are unspecified: restart from a
// checkpoint.
// Ownership: borrows backend and communicator (must outlive it); owns m and v.
// Thread-safety: thread-compatible.
#ifndef FLYOVER_WORKER_OPTIM_ZERO1_ADAMW_H_
#define FLYOVER_WORKER_OPTIM_ZERO1_ADAMW_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "worker/comm/communicator.h"
#include "worker/npu/npu_backend.h"
#include "worker/optim/lr_schedule.h"

namespace flyover::worker {

struct Zero1AdamWOptions {
  LrSchedule schedule;
  double weight_decay = 0.01;
  double grad_clip_norm = 1.0;  // <= 0: no clipping
  float beta1 = 0.9f;
  float beta2 = 0.99f;
  float eps = 1e-8f;
};

// What one step did.
struct OptimizerStepStats {
  float grad_norm = 0;   // before clipping
  float clip_scale = 1;  // applied to the gradient
  float lr = 0;
};

class Zero1AdamW {
 public:
  // InvalidArgument for num_params < 1; the backend's error if m and v cannot be allocated.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Zero1AdamW>> Create(
      NpuBackend* backend, Communicator* comm, int64_t num_params,
      const Zero1AdamWOptions& options);
  Zero1AdamW(const Zero1AdamW&) = delete;
  Zero1AdamW& operator=(const Zero1AdamW&) = delete;
  ~Zero1AdamW();

  // Updates `params` (the full vector) from `grads` (this rank's local gradient sum; its
  // shard is overwritten with the reduced gradient). Both hold num_params elements.
  [[nodiscard]] absl::StatusOr<OptimizerStepStats> Step(DeviceBuffer params, DeviceBuffer grads);

  // Updates done so far (the schedule position).
  int64_t step() const { return step_; }
  ShardRange shard() const { return shard_; }
  // The moments of the shard, on the host.
  [[nodiscard]] absl::StatusOr<std::vector<float>> GetM() { return Download(m_); }
  [[nodiscard]] absl::StatusOr<std::vector<float>> GetV() { return Download(v_); }
  // Puts back a saved state; m and v hold shard().size elements each.
  [[nodiscard]] absl::Status Restore(int64_t step, absl::Span<const float> m,
                                     absl::Span<const float> v);

 private:
  Zero1AdamW(NpuBackend* backend, Communicator* comm, int64_t num_params,
             const Zero1AdamWOptions& options);
  absl::StatusOr<std::vector<float>> Download(DeviceBuffer buffer);
  absl::Status ReduceGradients(DeviceBuffer grads);
  absl::StatusOr<float> GlobalNorm(DeviceBuffer grads);
  absl::Status GatherParameters(DeviceBuffer params);
  DeviceSlice ShardOfBuffer(DeviceBuffer buffer) const;

  NpuBackend* const backend_;
  Communicator* const comm_;
  const int64_t num_params_;
  const Zero1AdamWOptions options_;
  const ShardRange shard_;
  StreamHandle stream_;
  DeviceBuffer m_, v_, norm_;
  std::vector<float> host_;  // num_params staging for the collectives
  int64_t step_ = 0;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_OPTIM_ZERO1_ADAMW_H_
