// The math of the emulated NPU's kernels on plain host pointers. EmulatedNpuBackend runs
// these on its stream threads after checking shapes and buffers; tests call them directly
// for finite-difference gradient checks. Shapes, layouts and formulas are documented once,
// on the matching NpuBackend method (worker/npu/npu_backend.h); arguments here follow the
// same order. Callers guarantee sizes; nothing here checks them.
//
// Determinism: every function is single-threaded and reduces in a fixed index order
// (row-major, ascending), accumulating in double where a sum spans a whole row or tensor,
// so the same inputs give the same bits on every run. Gemm calls OpenBLAS, which must be
// pinned to one thread (PinBlasToOneThread) for the same guarantee.
//
// Aliasing: `out` may equal an input only where the NpuBackend method says so.
//
// Thread-safety: the functions are reentrant; concurrent calls on disjoint outputs are safe.
#ifndef FLYOVER_WORKER_NPU_CPU_KERNELS_H_
#define FLYOVER_WORKER_NPU_CPU_KERNELS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "worker/npu/npu_types.h"

namespace flyover::worker::cpu {

// Sets OpenBLAS to run every call on the calling thread only (openblas_set_num_threads(1))
// and checks that it took. Idempotent; process-wide. FailedPrecondition if the BLAS in use
// still reports more than one thread.
[[nodiscard]] absl::Status PinBlasToOneThread();
// The OpenBLAS core type in use (e.g. "Haswell", "SkylakeX"): its kernels fix the bits.
const char* BlasCoreName();

// The layout of GemmArgs without the buffers: leading dimensions and strides resolved.
struct GemmShape {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f, beta = 0.0f;
  int64_t lda = 0, ldb = 0, ldc = 0;
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;
};
// Fills in packed leading dimensions and strides (the 0s of GemmArgs).
GemmShape ResolveGemmShape(const GemmArgs& args);
// Elements of each operand that `shape` touches, from the start of its slice.
int64_t GemmExtentA(const GemmShape& shape);
int64_t GemmExtentB(const GemmShape& shape);
int64_t GemmExtentC(const GemmShape& shape);

void Gemm(const GemmShape& shape, const float* a, const float* b, float* c);

void Fill(int64_t n, float value, float* out);
void Copy(int64_t n, const float* x, float* out);
void Add(int64_t n, const float* x, const float* y, float* out);
void Mul(int64_t n, const float* x, const float* y, float* out);
void Scale(int64_t n, float alpha, const float* x, float* out);
void Axpy(int64_t n, float alpha, const float* x, float* y);

void AddBias(int64_t rows, int64_t cols, const float* x, const float* bias, float* out);
void SumRows(int64_t rows, int64_t cols, const float* x, float* out, bool accumulate);

void Gelu(int64_t n, const float* x, float* out);
void GeluBackward(int64_t n, const float* x, const float* dy, float* dx);

void Softmax(int64_t rows, int64_t cols, float scale, bool causal, const float* x, float* out);
void SoftmaxBackward(int64_t rows, int64_t cols, float scale, const float* y, const float* dy,
                     float* dx);

void LayerNorm(int64_t rows, int64_t cols, float eps, const float* x, const float* gamma,
               const float* beta, float* out, float* mean, float* rstd);
void LayerNormBackward(int64_t rows, int64_t cols, const float* x, const float* gamma,
                       const float* mean, const float* rstd, const float* dy, float* dx,
                       float* dgamma, float* dbeta, bool accumulate);

void SwapAxes12(int64_t d0, int64_t d1, int64_t d2, int64_t d3, const float* x, float* out);

void Embedding(absl::Span<const int32_t> ids, int64_t dim, const float* table, float* out);
void EmbeddingBackward(absl::Span<const int32_t> ids, int64_t vocab, int64_t dim,
                       const float* dout, float* dtable, bool accumulate);

void CrossEntropy(int64_t vocab, absl::Span<const int32_t> targets, const float* logits,
                  const float* mask, float* losses, float* loss_sum);
void CrossEntropyBackward(int64_t vocab, absl::Span<const int32_t> targets, const float* logits,
                          const float* mask, float grad_scale, float* dlogits);

void SumOfSquares(int64_t n, const float* x, float* out, bool accumulate);

void AdamW(int64_t n, const AdamWArgs& args, float* param, const float* grad, float* m,
           float* v);

}  // namespace flyover::worker::cpu

#endif  // FLYOVER_WORKER_NPU_CPU_KERNELS_H_
