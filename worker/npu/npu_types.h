// Value types of the NPU backend (worker/npu/npu_backend.h): handles to device memory,
// streams and events, and the argument structs of the larger kernels.
//
// Handles are plain values: copying one does not copy or own what it names. Ids are never
// reused within one backend, so a handle to a freed buffer or destroyed stream is detected
// (NotFound) rather than silently naming something else. Id 0 is never issued.
//
// Element type: every device buffer holds fp32. Integer tensors (token ids, targets) are
// produced by the host data loader and travel as kernel arguments (copied at enqueue).
//
// Thread-safety: plain values; safe to copy between threads.
#ifndef FLYOVER_WORKER_NPU_NPU_TYPES_H_
#define FLYOVER_WORKER_NPU_NPU_TYPES_H_

#include <cstdint>

#include "absl/time/time.h"

namespace flyover::worker {

struct DeviceSlice;

// A whole device allocation of `size` fp32 elements.
struct DeviceBuffer {
  uint64_t id = 0;
  int64_t size = 0;  // elements

  bool valid() const { return id != 0; }
  int64_t bytes() const { return size * static_cast<int64_t>(sizeof(float)); }
  // Elements [offset, offset + count) of this buffer. Bounds are checked where it is used.
  DeviceSlice Slice(int64_t offset, int64_t count) const;
};

// A contiguous range of fp32 elements inside one device buffer: what kernels read and
// write. A DeviceBuffer converts to the slice covering all of it.
struct DeviceSlice {
  DeviceSlice() = default;
  DeviceSlice(DeviceBuffer b)  // NOLINT: implicit on purpose, a buffer is its whole slice
      : buffer(b), offset(0), size(b.size) {}
  DeviceSlice(DeviceBuffer b, int64_t off, int64_t count) : buffer(b), offset(off), size(count) {}

  DeviceBuffer buffer;
  int64_t offset = 0;  // elements from the start of `buffer`
  int64_t size = 0;    // elements
};

inline DeviceSlice DeviceBuffer::Slice(int64_t offset, int64_t count) const {
  return DeviceSlice(*this, offset, count);
}

// An in-order queue of device work (worker/npu/npu_backend.h, "Streams and events").
struct StreamHandle {
  uint64_t id = 0;
};

// A marker recorded on a stream; completes when the stream reaches it.
struct EventHandle {
  uint64_t id = 0;
};

// Accounting of emulated HBM, in bytes.
struct MemoryStats {
  int64_t capacity = 0;        // HBM size of the die
  int64_t in_use = 0;          // sum of live allocations
  int64_t peak = 0;            // highest in_use since creation or ResetPeakMemory()
  int64_t free = 0;            // capacity - in_use
  int64_t live_buffers = 0;    // number of live allocations
};

// Options of every host-side wait (SynchronizeStream, SynchronizeEvent).
struct SyncOptions {
  // How long to wait for the device before giving up with DeadlineExceeded. The default is
  // generous for CPU-emulated kernels; a hung die is noticed after this long.
  absl::Duration timeout = absl::Seconds(60);
};

// C = alpha * op(A) * op(B) + beta * C, for `batch` independent matrix triples, where
// op(X) is X or X^T. All matrices are row-major (C order):
//   op(A) is m x k: A is stored m x k (lda >= k), or k x m with trans_a (lda >= m);
//   op(B) is k x n: B is stored k x n (ldb >= n), or n x k with trans_b (ldb >= k);
//   C is m x n (ldc >= n).
// ld* is the distance in elements between consecutive rows of the stored matrix; 0 means
// packed (the stored row length). Batch item i starts at i * stride_* elements from the
// start of its slice; a stride of 0 means packed (rows * ld of that matrix). beta == 0
// ignores C's old contents (NaN in C does not propagate), as BLAS specifies.
// C must not overlap A or B.
struct GemmArgs {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  float alpha = 1.0f;
  float beta = 0.0f;
  DeviceSlice a;
  DeviceSlice b;
  DeviceSlice c;
  int64_t lda = 0;
  int64_t ldb = 0;
  int64_t ldc = 0;
  int64_t batch = 1;
  int64_t stride_a = 0;
  int64_t stride_b = 0;
  int64_t stride_c = 0;
};

// Hyper-parameters of one fused AdamW step (Loshchilov & Hutter, decoupled weight decay):
//   g = grad * grad_scale                       (grad_scale carries gradient clipping)
//   p = p * (1 - lr * weight_decay)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   p = p - lr * (m / (1 - beta1^step)) / (sqrt(v / (1 - beta2^step)) + eps)
// `step` counts from 1 (the first update), as the bias correction requires.
struct AdamWArgs {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.01f;
  float grad_scale = 1.0f;
  int64_t step = 1;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_NPU_NPU_TYPES_H_
