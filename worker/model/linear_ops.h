// Building blocks of the transformer on an NpuBackend stream: a dense layer's forward and
// backward pass, and slicing helpers. A dense layer is y = x W + b with x [rows, in],
// W [in, out] (row-major), b [out].
// Thread-safety: stateless functions; the stream orders the work they enqueue.
#ifndef FLYOVER_WORKER_MODEL_LINEAR_OPS_H_
#define FLYOVER_WORKER_MODEL_LINEAR_OPS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "worker/npu/npu_backend.h"

namespace flyover::worker {

// The first `count` elements of `buffer`.
inline DeviceSlice Head(DeviceBuffer buffer, int64_t count) { return buffer.Slice(0, count); }

// y = x W + b.
[[nodiscard]] absl::Status LinearForward(NpuBackend& npu, StreamHandle stream, int64_t rows,
                                         int64_t in, int64_t out, DeviceSlice x, DeviceSlice w,
                                         DeviceSlice b, DeviceSlice y);

// dW += x^T dy; db += sum_rows dy; dx = dy W^T (dx must not alias dy).
[[nodiscard]] absl::Status LinearBackward(NpuBackend& npu, StreamHandle stream, int64_t rows,
                                          int64_t in, int64_t out, DeviceSlice x, DeviceSlice w,
                                          DeviceSlice dy, DeviceSlice dx, DeviceSlice dw,
                                          DeviceSlice db);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_MODEL_LINEAR_OPS_H_
