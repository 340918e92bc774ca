// GEMM on OpenBLAS, and the pinning that makes it deterministic.
//
// Why one thread: a multi-threaded OpenBLAS splits C among its threads by a partition that
// depends on the thread count, and edge blocks take different micro-kernels, so the bits
// of C could depend on how many threads OpenBLAS was given. With one thread, sgemm on the
// calling thread is a fixed sequence of operations for a given shape on a given CPU core
// type; each stream thread of the emulated NPU calls it independently.
#include <cblas.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "worker/npu/cpu_kernels.h"

namespace flyover::worker::cpu {

absl::Status PinBlasToOneThread() {
  openblas_set_num_threads(1);
  const int threads = openblas_get_num_threads();
  if (threads != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "OpenBLAS still uses ", threads, " threads after openblas_set_num_threads(1); GEMM "
        "results would not be bit-for-bit reproducible"));
  }
  return absl::OkStatus();
}

const char* BlasCoreName() { return openblas_get_corename(); }

GemmShape ResolveGemmShape(const GemmArgs& args) {
  GemmShape s;
  s.trans_a = args.trans_a;
  s.trans_b = args.trans_b;
  s.m = args.m;
  s.n = args.n;
  s.k = args.k;
  s.alpha = args.alpha;
  s.beta = args.beta;
  s.batch = args.batch;
  // Stored shapes: A is m x k (k x m transposed), B is k x n (n x k transposed).
  const int64_t a_rows = args.trans_a ? args.k : args.m;
  const int64_t a_cols = args.trans_a ? args.m : args.k;
  const int64_t b_rows = args.trans_b ? args.n : args.k;
  const int64_t b_cols = args.trans_b ? args.k : args.n;
  s.lda = args.lda != 0 ? args.lda : std::max<int64_t>(1, a_cols);
  s.ldb = args.ldb != 0 ? args.ldb : std::max<int64_t>(1, b_cols);
  s.ldc = args.ldc != 0 ? args.ldc : std::max<int64_t>(1, args.n);
  s.stride_a = args.stride_a != 0 ? args.stride_a : a_rows * s.lda;
  s.stride_b = args.stride_b != 0 ? args.stride_b : b_rows * s.ldb;
  s.stride_c = args.stride_c != 0 ? args.stride_c : args.m * s.ldc;
  return s;
}

namespace {

int64_t Extent(int64_t batch, int64_t stride, int64_t rows, int64_t cols, int64_t ld) {
  if (batch == 0 || rows == 0 || cols == 0) return 0;
  return (batch - 1) * stride + (rows - 1) * ld + cols;
}

}  // namespace

int64_t GemmExtentA(const GemmShape& s) {
  return s.trans_a ? Extent(s.batch, s.stride_a, s.k, s.m, s.lda)
                   : Extent(s.batch, s.stride_a, s.m, s.k, s.lda);
}

int64_t GemmExtentB(const GemmShape& s) {
  return s.trans_b ? Extent(s.batch, s.stride_b, s.n, s.k, s.ldb)
                   : Extent(s.batch, s.stride_b, s.k, s.n, s.ldb);
}

int64_t GemmExtentC(const GemmShape& s) { return Extent(s.batch, s.stride_c, s.m, s.n, s.ldc); }

void Gemm(const GemmShape& s, const float* a, const float* b, float* c) {
  if (s.m == 0 || s.n == 0) return;
  for (int64_t i = 0; i < s.batch; ++i) {
    cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans,
                s.trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(s.m),
                static_cast<blasint>(s.n), static_cast<blasint>(s.k), s.alpha,
                a + i * s.stride_a, static_cast<blasint>(s.lda), b + i * s.stride_b,
                static_cast<blasint>(s.ldb), s.beta, c + i * s.stride_c,
                static_cast<blasint>(s.ldc));
  }
}

}  // namespace flyover::worker::cpu
