// NpuBackend: one NPU die as the training loop sees it — device memory, in-order streams
// with events, and the fp32 kernels of a decoder-only transformer's forward and backward
// pass plus the optimizer.
//
// Implementations, by mechanism: EmulatedNpuBackend (worker/npu/emulated_npu_backend.h),
// which runs everything on the CPU and doubles as the backend of tests. A real Ascend
// backend (CANN/ACL) would implement the same interface.
//
// ---- Memory ----
// Allocate(bytes) returns a DeviceBuffer of bytes/4 fp32 elements, zero-filled, counted
// against the die's HBM capacity; over capacity it is ResourceExhausted naming requested
// and free bytes. Free returns the bytes. Kernels address DeviceSlices (a buffer, or a
// range of one), so a flat parameter buffer can be cut into tensors and shards.
//
// ---- Streams and events ----
// Work enqueued on a stream runs in enqueue order, asynchronously; streams run
// concurrently and order against each other only through events (RecordEvent on one,
// StreamWaitEvent on another). Enqueue calls check arguments at once (InvalidArgument,
// NotFound for dead buffers, OutOfRange for slices outside their buffer) and enqueue
// nothing on error. Errors that happen on the device (DataLoss for an ECC error) poison
// the stream: SynchronizeStream returns the error, so does every later enqueue on the
// stream, until ResetStream. Host waits take SyncOptions and end in DeadlineExceeded.
//
// ---- Kernels ----
// All tensors are fp32, row-major (last index fastest). "[r, c]" below is a slice of
// exactly r*c elements. Outputs are overwritten unless `accumulate` (or GEMM's beta) says
// otherwise. An output may alias an input only where "in place" is stated. Every kernel is
// deterministic: the same inputs give the same bits on every run, whatever the timing or
// the number of streams (reductions run in a fixed order; GEMM on single-threaded OpenBLAS).
//
// Attention is composed from these kernels rather than fused, per layer and batch item
// with H heads of size D over T positions (Q, K, V as [H, T, D] after SwapAxes12):
//   S = Q K^T (Gemm, batch H, trans_b)     P = Softmax(S, scale 1/sqrt(D), causal)
//   O = P V   (Gemm, batch H)
//   dP = dO V^T, dV = P^T dO, dS = SoftmaxBackward(P, dP, scale), dQ = dS K, dK = dS^T Q.
//
// Thread-safety: every method may be called from any thread. Ordering is only what the
// streams give: work on different streams touching the same memory needs an event.
#ifndef FLYOVER_WORKER_NPU_NPU_BACKEND_H_
#define FLYOVER_WORKER_NPU_NPU_BACKEND_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "worker/npu/npu_fault.h"
#include "worker/npu/npu_types.h"

namespace flyover::worker {

class NpuBackend {
 public:
  virtual ~NpuBackend() = default;

  // ---- Die ----------------------------------------------------------------------------------
  virtual int die_id() const = 0;
  // Call at the start of every training step: polls the fault source (if any) for `step`
  // and applies what it reports. An error from the source leaves the previous state.
  [[nodiscard]] virtual absl::Status BeginStep(int64_t step) = 0;
  // The die's state as of the last BeginStep (Healthy with no faults before any).
  virtual DieState Health() = 0;

  // ---- Memory -------------------------------------------------------------------------------
  [[nodiscard]] virtual absl::StatusOr<DeviceBuffer> Allocate(int64_t bytes) = 0;
  [[nodiscard]] virtual absl::Status Free(DeviceBuffer buffer) = 0;
  virtual MemoryStats GetMemoryStats() = 0;
  virtual void ResetPeakMemory() = 0;

  // ---- Streams and events -------------------------------------------------------------------
  [[nodiscard]] virtual absl::StatusOr<StreamHandle> CreateStream() = 0;
  // Drops work not yet started, waits for a running kernel.
  [[nodiscard]] virtual absl::Status DestroyStream(StreamHandle stream) = 0;
  // Blocks until everything enqueued before the call has run; returns the stream's error.
  [[nodiscard]] virtual absl::Status SynchronizeStream(StreamHandle stream,
                                                       const SyncOptions& options) = 0;
  // With the default SyncOptions.
  [[nodiscard]] absl::Status SynchronizeStream(StreamHandle stream) {
    return SynchronizeStream(stream, SyncOptions{});
  }
  // Drops queued work and clears the stream's error.
  [[nodiscard]] virtual absl::Status ResetStream(StreamHandle stream) = 0;
  [[nodiscard]] virtual absl::StatusOr<EventHandle> CreateEvent() = 0;
  [[nodiscard]] virtual absl::Status DestroyEvent(EventHandle event) = 0;
  // The event completes when `stream` reaches this point (with the stream's error, if any).
  [[nodiscard]] virtual absl::Status RecordEvent(EventHandle event, StreamHandle stream) = 0;
  // Work enqueued on `stream` after this waits for the event's latest record.
  [[nodiscard]] virtual absl::Status StreamWaitEvent(StreamHandle stream, EventHandle event) = 0;
  // Blocks until the event's latest record completed; returns that record's status.
  [[nodiscard]] virtual absl::Status SynchronizeEvent(EventHandle event,
                                                      const SyncOptions& options) = 0;
  // With the default SyncOptions.
  [[nodiscard]] absl::Status SynchronizeEvent(EventHandle event) {
    return SynchronizeEvent(event, SyncOptions{});
  }
  // Whether the latest record completed (true if never recorded). Does not block.
  [[nodiscard]] virtual absl::StatusOr<bool> QueryEvent(EventHandle event) = 0;

  // ---- Copies -------------------------------------------------------------------------------
  // dst = src; dst.size == src.size(). `src` is copied at enqueue: the caller may reuse it.
  [[nodiscard]] virtual absl::Status CopyHostToDevice(StreamHandle stream,
                                                      absl::Span<const float> src,
                                                      DeviceSlice dst) = 0;
  // dst = src when the stream gets there; `dst` must stay valid until the stream is
  // synchronised (or an event recorded after the copy completed).
  [[nodiscard]] virtual absl::Status CopyDeviceToHost(StreamHandle stream, DeviceSlice src,
                                                      absl::Span<float> dst) = 0;
  // dst = src; equal sizes; may overlap.
  [[nodiscard]] virtual absl::Status CopyDeviceToDevice(StreamHandle stream, DeviceSlice src,
                                                        DeviceSlice dst) = 0;
  // out[i] = value.
  [[nodiscard]] virtual absl::Status Fill(StreamHandle stream, DeviceSlice out, float value) = 0;

  // ---- Dense algebra ------------------------------------------------------------------------
  // Batched, strided C = alpha * op(A) op(B) + beta * C via cblas_sgemm; layout: GemmArgs.
  // 2*m*n*k*batch FLOP.
  [[nodiscard]] virtual absl::Status Gemm(StreamHandle stream, const GemmArgs& args) = 0;

  // Element-wise over n = x.size elements; all slices the same size; in place allowed.
  // out = x + y.
  [[nodiscard]] virtual absl::Status Add(StreamHandle stream, DeviceSlice x, DeviceSlice y,
                                         DeviceSlice out) = 0;
  // out = x * y.
  [[nodiscard]] virtual absl::Status Mul(StreamHandle stream, DeviceSlice x, DeviceSlice y,
                                         DeviceSlice out) = 0;
  // out = alpha * x.
  [[nodiscard]] virtual absl::Status Scale(StreamHandle stream, float alpha, DeviceSlice x,
                                           DeviceSlice out) = 0;
  // y += alpha * x (y is read and written).
  [[nodiscard]] virtual absl::Status Axpy(StreamHandle stream, float alpha, DeviceSlice x,
                                          DeviceSlice y) = 0;

  // x, out: [rows, cols]; bias: [cols]. out[r, c] = x[r, c] + bias[c]. In place allowed.
  [[nodiscard]] virtual absl::Status AddBias(StreamHandle stream, int64_t rows, int64_t cols,
                                             DeviceSlice x, DeviceSlice bias,
                                             DeviceSlice out) = 0;
  // x: [rows, cols]; out: [cols]. out[c] (+)= sum_r x[r, c] — the bias gradient.
  [[nodiscard]] virtual absl::Status SumRows(StreamHandle stream, int64_t rows, int64_t cols,
                                             DeviceSlice x, DeviceSlice out,
                                             bool accumulate) = 0;

  // ---- Activations and normalisation -------------------------------------------------------
  // GELU, tanh form: out = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Equal sizes;
  // in place allowed.
  [[nodiscard]] virtual absl::Status Gelu(StreamHandle stream, DeviceSlice x,
                                          DeviceSlice out) = 0;
  // dx = dy * GELU'(x). Equal sizes; dx may alias dy.
  [[nodiscard]] virtual absl::Status GeluBackward(StreamHandle stream, DeviceSlice x,
                                                  DeviceSlice dy, DeviceSlice dx) = 0;

  // x, out: [rows, cols]. Softmax over the last dim of z = scale * x. With `causal`, row r
  // is query position r % cols of a [..., T, T] score tensor (cols == T) and sees only
  // columns 0..r % cols; masked outputs are exactly 0. In place allowed.
  [[nodiscard]] virtual absl::Status Softmax(StreamHandle stream, int64_t rows, int64_t cols,
                                             float scale, bool causal, DeviceSlice x,
                                             DeviceSlice out) = 0;
  // y (the Softmax output), dy, dx: [rows, cols].
  // dx = scale * y * (dy - sum_c(y * dy)) row-wise. Masked positions (y = 0) get 0.
  // dx may alias dy.
  [[nodiscard]] virtual absl::Status SoftmaxBackward(StreamHandle stream, int64_t rows,
                                                     int64_t cols, float scale, DeviceSlice y,
                                                     DeviceSlice dy, DeviceSlice dx) = 0;

  // x, out: [rows, cols]; gamma, beta: [cols]; mean, rstd: [rows] (saved for backward).
  // mean = avg_c x; rstd = 1 / sqrt(avg_c (x - mean)^2 + eps) (biased variance);
  // out = (x - mean) * rstd * gamma + beta. out may alias x.
  [[nodiscard]] virtual absl::Status LayerNorm(StreamHandle stream, int64_t rows, int64_t cols,
                                               float eps, DeviceSlice x, DeviceSlice gamma,
                                               DeviceSlice beta, DeviceSlice out,
                                               DeviceSlice mean, DeviceSlice rstd) = 0;
  // x, dy, dx: [rows, cols]; gamma, dgamma, dbeta: [cols]; mean, rstd: [rows] from forward.
  // dx = rstd * (g - avg_c g - xhat * avg_c(g * xhat)) with g = dy * gamma,
  // xhat = (x - mean) * rstd; dgamma (+)= sum_r dy * xhat; dbeta (+)= sum_r dy.
  // dx may alias dy.
  [[nodiscard]] virtual absl::Status LayerNormBackward(
      StreamHandle stream, int64_t rows, int64_t cols, DeviceSlice x, DeviceSlice gamma,
      DeviceSlice mean, DeviceSlice rstd, DeviceSlice dy, DeviceSlice dx, DeviceSlice dgamma,
      DeviceSlice dbeta, bool accumulate) = 0;

  // x: [d0, d1, d2, d3] -> out: [d0, d2, d1, d3] (e.g. [B, T, H, D] <-> [B, H, T, D]).
  // Its own backward with d1 and d2 exchanged. No aliasing.
  [[nodiscard]] virtual absl::Status SwapAxes12(StreamHandle stream, int64_t d0, int64_t d1,
                                                int64_t d2, int64_t d3, DeviceSlice x,
                                                DeviceSlice out) = 0;

  // ---- Embedding and loss -------------------------------------------------------------------
  // ids: n host token ids in [0, vocab), copied at enqueue; table: [vocab, dim];
  // out: [n, dim]. out[i, :] = table[ids[i], :].
  [[nodiscard]] virtual absl::Status Embedding(StreamHandle stream, absl::Span<const int32_t> ids,
                                               int64_t vocab, int64_t dim, DeviceSlice table,
                                               DeviceSlice out) = 0;
  // dout: [n, dim]; dtable: [vocab, dim]. dtable (+)= scatter-add of dout rows by id, in
  // token order (deterministic for repeated ids).
  [[nodiscard]] virtual absl::Status EmbeddingBackward(StreamHandle stream,
                                                       absl::Span<const int32_t> ids,
                                                       int64_t vocab, int64_t dim,
                                                       DeviceSlice dout, DeviceSlice dtable,
                                                       bool accumulate) = 0;

  // targets: n host ids in [0, vocab) or -1 (ignored), copied at enqueue; logits:
  // [n, vocab]; mask: [n] per-token loss weights (0 = not trained on, e.g. prompt tokens);
  // losses: [n] or an empty slice (not written); loss_sum: [1].
  // losses[i] = mask[i] * (logsumexp(logits[i, :]) - logits[i, targets[i]]), 0 where the
  // mask is 0 or the target -1; loss_sum = sum_i losses[i]. The mean loss is
  // loss_sum / (number of masked-in tokens), which the caller knows from the host mask.
  [[nodiscard]] virtual absl::Status CrossEntropy(StreamHandle stream, int64_t vocab,
                                                  absl::Span<const int32_t> targets,
                                                  DeviceSlice logits, DeviceSlice mask,
                                                  DeviceSlice losses, DeviceSlice loss_sum) = 0;
  // dlogits: [n, vocab] = grad_scale * mask[i] * (softmax(logits[i, :]) - onehot(targets[i])),
  // 0 rows where ignored — the gradient of grad_scale * loss_sum. For a mean loss pass
  // grad_scale = 1 / (masked-in tokens, over all data-parallel ranks).
  [[nodiscard]] virtual absl::Status CrossEntropyBackward(StreamHandle stream, int64_t vocab,
                                                          absl::Span<const int32_t> targets,
                                                          DeviceSlice logits, DeviceSlice mask,
                                                          float grad_scale,
                                                          DeviceSlice dlogits) = 0;

  // ---- Optimizer ----------------------------------------------------------------------------
  // out: [1]. out (+)= sum_i x[i]^2, summed in double in index order — for the global
  // gradient norm (accumulate over tensors, all-reduce, sqrt on the host).
  [[nodiscard]] virtual absl::Status SumOfSquares(StreamHandle stream, DeviceSlice x,
                                                  DeviceSlice out, bool accumulate) = 0;
  // One fused AdamW step on a parameter shard; param, grad, m, v: equal sizes; param, m and
  // v are updated in place. Formula: AdamWArgs. InvalidArgument for step < 1.
  [[nodiscard]] virtual absl::Status AdamW(StreamHandle stream, const AdamWArgs& args,
                                           DeviceSlice param, DeviceSlice grad, DeviceSlice m,
                                           DeviceSlice v) = 0;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_NPU_NPU_BACKEND_H_
