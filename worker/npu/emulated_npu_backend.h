// EmulatedNpuBackend: an NpuBackend that runs on the CPU. Host memory stands in for HBM
// (DeviceMemory), one thread per stream runs the kernels in order (StreamEngine), and the
// kernels are the fp32 CPU routines of cpu_kernels.h with GEMM on OpenBLAS.
//
// Determinism: Create() pins OpenBLAS to one thread (openblas_set_num_threads(1),
// process-wide; code in the same process must not raise it again), so every cblas_sgemm
// runs on the calling stream thread as a fixed sequence of operations; every other kernel
// reduces in a fixed order. The same inputs therefore give the same bits on every run and
// under any interleaving of streams, on one machine type. OpenBLAS picks its kernels by CPU
// (BlasCoreName()); to get equal bits across CPU models pin them with OPENBLAS_CORETYPE.
//
// Throttle and faults (see npu_fault.h for what each fault does):
//   * Options::max_gflops caps the die's compute rate: a kernel of F nominal FLOP occupies
//     the die for at least F / cap, shared across streams (StreamEngine pacing).
//   * BeginStep(step) polls Options::fault_source and applies the die's state.
//   * The hooks below inject the same effects directly (tests, chaos tooling). Hooks and
//     the source combine: the die hangs if either says so; slowdowns multiply.
//
// Ownership: owns its memory, streams and threads; borrows Options::clock and
// Options::fault_source, which must outlive it. Destruction stops every stream, dropping
// queued work.
// Thread-safety: every method may be called from any thread.
#ifndef FLYOVER_WORKER_NPU_EMULATED_NPU_BACKEND_H_
#define FLYOVER_WORKER_NPU_EMULATED_NPU_BACKEND_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "worker/npu/device_memory.h"
#include "worker/npu/npu_backend.h"
#include "worker/npu/stream_engine.h"

namespace flyover::worker {

struct EmulatedNpuBackendOptions {
  // The die id on the node, as in ASCEND_VISIBLE_DEVICES; selects the fault source's die.
  int die_id = 0;
  // HBM capacity. 64 GiB per 910C die.
  int64_t hbm_bytes = int64_t{64} << 30;
  // Compute-rate cap in GFLOP/s; 0 = run as fast as the CPU allows.
  double max_gflops = 0;
  // Time source for synchronisation timeouts and the throttle. Not owned; never null.
  Clock* clock = RealClock();
  // Where faults come from; not owned; null = none (the hooks still work).
  NpuFaultSource* fault_source = nullptr;
};

class EmulatedNpuBackend final : public NpuBackend {
 public:
  // InvalidArgument for bad options; FailedPrecondition if OpenBLAS cannot be pinned.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EmulatedNpuBackend>> Create(
      const EmulatedNpuBackendOptions& options);
  ~EmulatedNpuBackend() override;

  // ---- Fault and throttle hooks ----
  // The next kernel that reads `buffer` fails with DataLoss (and so does every later one,
  // until a host-to-device copy rewrites the whole buffer or it is freed). The mark is set
  // at once: a whole-buffer copy still queued will clear it when it runs.
  [[nodiscard]] absl::Status InjectEccError(DeviceBuffer buffer);
  // The next kernel that reads any buffer fails so, on its first input buffer.
  void InjectEccErrorOnNextRead();
  // While set, no stream makes progress.
  void SetHang(bool hang);
  // Kernels take `factor` (>= 1) times longer.
  void SetSlowdown(double factor);
  // GFLOP/s cap; 0 removes it.
  void SetComputeRateLimit(double gflops);

  // ---- NpuBackend ----
  using NpuBackend::SynchronizeEvent;   // the overloads with default SyncOptions
  using NpuBackend::SynchronizeStream;
  int die_id() const override { return options_.die_id; }
  absl::Status BeginStep(int64_t step) override;
  DieState Health() override;

  absl::StatusOr<DeviceBuffer> Allocate(int64_t bytes) override;
  absl::Status Free(DeviceBuffer buffer) override;
  MemoryStats GetMemoryStats() override;
  void ResetPeakMemory() override;

  absl::StatusOr<StreamHandle> CreateStream() override;
  absl::Status DestroyStream(StreamHandle stream) override;
  absl::Status SynchronizeStream(StreamHandle stream, const SyncOptions& options) override;
  absl::Status ResetStream(StreamHandle stream) override;
  absl::StatusOr<EventHandle> CreateEvent() override;
  absl::Status DestroyEvent(EventHandle event) override;
  absl::Status RecordEvent(EventHandle event, StreamHandle stream) override;
  absl::Status StreamWaitEvent(StreamHandle stream, EventHandle event) override;
  absl::Status SynchronizeEvent(EventHandle event, const SyncOptions& options) override;
  absl::StatusOr<bool> QueryEvent(EventHandle event) override;

  absl::Status CopyHostToDevice(StreamHandle stream, absl::Span<const float> src,
                                DeviceSlice dst) override;
  absl::Status CopyDeviceToHost(StreamHandle stream, DeviceSlice src,
                                absl::Span<float> dst) override;
  absl::Status CopyDeviceToDevice(StreamHandle stream, DeviceSlice src, DeviceSlice dst) override;
  absl::Status Fill(StreamHandle stream, DeviceSlice out, float value) override;

  absl::Status Gemm(StreamHandle stream, const GemmArgs& args) override;
  absl::Status Add(StreamHandle stream, DeviceSlice x, DeviceSlice y, DeviceSlice out) override;
  absl::Status Mul(StreamHandle stream, DeviceSlice x, DeviceSlice y, DeviceSlice out) override;
  absl::Status Scale(StreamHandle stream, float alpha, DeviceSlice x, DeviceSlice out) override;
  absl::Status Axpy(StreamHandle stream, float alpha, DeviceSlice x, DeviceSlice y) override;
  absl::Status AddBias(StreamHandle stream, int64_t rows, int64_t cols, DeviceSlice x,
                       DeviceSlice bias, DeviceSlice out) override;
  absl::Status SumRows(StreamHandle stream, int64_t rows, int64_t cols, DeviceSlice x,
                       DeviceSlice out, bool accumulate) override;
  absl::Status Gelu(StreamHandle stream, DeviceSlice x, DeviceSlice out) override;
  absl::Status GeluBackward(StreamHandle stream, DeviceSlice x, DeviceSlice dy,
                            DeviceSlice dx) override;
  absl::Status Softmax(StreamHandle stream, int64_t rows, int64_t cols, float scale, bool causal,
                       DeviceSlice x, DeviceSlice out) override;
  absl::Status SoftmaxBackward(StreamHandle stream, int64_t rows, int64_t cols, float scale,
                               DeviceSlice y, DeviceSlice dy, DeviceSlice dx) override;
  absl::Status LayerNorm(StreamHandle stream, int64_t rows, int64_t cols, float eps,
                         DeviceSlice x, DeviceSlice gamma, DeviceSlice beta, DeviceSlice out,
                         DeviceSlice mean, DeviceSlice rstd) override;
  absl::Status LayerNormBackward(StreamHandle stream, int64_t rows, int64_t cols, DeviceSlice x,
                                 DeviceSlice gamma, DeviceSlice mean, DeviceSlice rstd,
                                 DeviceSlice dy, DeviceSlice dx, DeviceSlice dgamma,
                                 DeviceSlice dbeta, bool accumulate) override;
  absl::Status SwapAxes12(StreamHandle stream, int64_t d0, int64_t d1, int64_t d2, int64_t d3,
                          DeviceSlice x, DeviceSlice out) override;
  absl::Status Embedding(StreamHandle stream, absl::Span<const int32_t> ids, int64_t vocab,
                         int64_t dim, DeviceSlice table, DeviceSlice out) override;
  absl::Status EmbeddingBackward(StreamHandle stream, absl::Span<const int32_t> ids,
                                 int64_t vocab, int64_t dim, DeviceSlice dout,
                                 DeviceSlice dtable, bool accumulate) override;
  absl::Status CrossEntropy(StreamHandle stream, int64_t vocab, absl::Span<const int32_t> targets,
                            DeviceSlice logits, DeviceSlice mask, DeviceSlice losses,
                            DeviceSlice loss_sum) override;
  absl::Status CrossEntropyBackward(StreamHandle stream, int64_t vocab,
                                    absl::Span<const int32_t> targets, DeviceSlice logits,
                                    DeviceSlice mask, float grad_scale,
                                    DeviceSlice dlogits) override;
  absl::Status SumOfSquares(StreamHandle stream, DeviceSlice x, DeviceSlice out,
                            bool accumulate) override;
  absl::Status AdamW(StreamHandle stream, const AdamWArgs& args, DeviceSlice param,
                     DeviceSlice grad, DeviceSlice m, DeviceSlice v) override;

 private:
  // One buffer argument of a kernel: checked against `want` elements (-1: any size) and
  // looked up at enqueue. `read` arguments are checked for ECC errors before the kernel.
  struct Arg {
    const char* what;
    DeviceSlice slice;
    int64_t want;
    bool read;
  };
  // The kernel body gets the data pointers of `args`, in order.
  using Body = std::function<void(const std::vector<float*>&)>;

  explicit EmulatedNpuBackend(const EmulatedNpuBackendOptions& options);

  // Validates and resolves `args`, then enqueues `body` as kernel `name` on `stream`.
  absl::Status Launch(StreamHandle stream, const char* name, double flops,
                      std::initializer_list<Arg> args, Body body);
  // DataLoss if a read buffer carries an ECC error (or a pending one lands on it).
  absl::Status CheckEcc(const std::vector<ResolvedSlice>& slices,
                        const std::vector<bool>& read);
  void ApplyDieState(const DieState& state) ABSL_LOCKS_EXCLUDED(mu_);
  void UpdateEngineLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const EmulatedNpuBackendOptions options_;
  DeviceMemory memory_;
  std::atomic<bool> pending_ecc_{false};

  absl::Mutex mu_;
  DieState health_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> seen_ecc_codes_ ABSL_GUARDED_BY(mu_);
  bool hook_hang_ ABSL_GUARDED_BY(mu_) = false;
  bool source_hang_ ABSL_GUARDED_BY(mu_) = false;
  double hook_slowdown_ ABSL_GUARDED_BY(mu_) = 1.0;
  double source_slowdown_ ABSL_GUARDED_BY(mu_) = 1.0;
  double max_gflops_ ABSL_GUARDED_BY(mu_) = 0;

  // Last member: destroyed first, so stream threads stop before what they use goes away.
  StreamEngine engine_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_NPU_EMULATED_NPU_BACKEND_H_
