// EmulatedNpuBackend's kernel entry points: check shapes, then Launch the CPU kernel.
// Nominal FLOP counts (for the throttle) are per element unless stated: elementwise 1,
// GELU 8 (backward 12), softmax 5, layer norm 8 (backward 12), cross-entropy 4 per logit,
// AdamW 12; copies and fills 0.
#include <algorithm>
#include <climits>
#include <cstring>
#include <initializer_list>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "worker/npu/cpu_kernels.h"
#include "worker/npu/emulated_npu_backend.h"

namespace flyover::worker {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 40;

// The product of `dims`; InvalidArgument for a negative or absurdly large shape.
absl::StatusOr<int64_t> Elements(const char* kernel, std::initializer_list<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return absl::InvalidArgumentError(absl::StrCat(kernel, ": negative dimension ", d));
    if (d != 0 && n > kMaxElements / d) {
      return absl::InvalidArgumentError(absl::StrCat(kernel, ": shape too large"));
    }
    n *= d;
  }
  return n;
}

absl::Status CheckIds(const char* kernel, absl::Span<const int32_t> ids, int32_t low,
                      int64_t vocab) {
  if (vocab <= 0 || vocab > INT32_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(kernel, ": vocab ", vocab, " out of range"));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < low || ids[i] >= vocab) {
      return absl::InvalidArgumentError(absl::StrCat(kernel, ": id ", ids[i], " at position ", i,
                                                     " outside [", low, ", ", vocab, ")"));
    }
  }
  return absl::OkStatus();
}

bool Overlap(const DeviceSlice& a, const DeviceSlice& b) {
  return a.buffer.id == b.buffer.id && a.offset < b.offset + b.size &&
         b.offset < a.offset + a.size;
}

absl::Status CheckGemm(const GemmArgs& args, const cpu::GemmShape& s) {
  if (args.m < 0 || args.n < 0 || args.k < 0 || args.batch < 1) {
    return absl::InvalidArgumentError("gemm: m, n, k must be >= 0 and batch >= 1");
  }
  const int64_t a_cols = s.trans_a ? s.m : s.k;
  const int64_t b_cols = s.trans_b ? s.k : s.n;
  if (s.lda < std::max<int64_t>(1, a_cols) || s.ldb < std::max<int64_t>(1, b_cols) ||
      s.ldc < std::max<int64_t>(1, s.n)) {
    return absl::InvalidArgumentError("gemm: a leading dimension is smaller than its row");
  }
  for (int64_t v : {s.m, s.n, s.k, s.lda, s.ldb, s.ldc}) {
    if (v > INT_MAX) return absl::InvalidArgumentError("gemm: dimension exceeds BLAS int range");
  }
  if (s.stride_a < 0 || s.stride_b < 0 || s.stride_c < 0) {
    return absl::InvalidArgumentError("gemm: negative batch stride");
  }
  const std::pair<const char*, std::pair<const DeviceSlice*, int64_t>> operands[] = {
      {"a", {&args.a, cpu::GemmExtentA(s)}},
      {"b", {&args.b, cpu::GemmExtentB(s)}},
      {"c", {&args.c, cpu::GemmExtentC(s)}}};
  for (const auto& [name, operand] : operands) {
    if (operand.first->size < operand.second) {
      return absl::InvalidArgumentError(absl::StrCat("gemm ", name, ": slice has ",
                                                     operand.first->size, " elements, the "
                                                     "shape needs ", operand.second));
    }
  }
  if (Overlap(args.c, args.a) || Overlap(args.c, args.b)) {
    return absl::InvalidArgumentError("gemm: c overlaps a or b");
  }
  return absl::OkStatus();
}

}  // namespace

// ---- Copies ------------------------------------------------------------------------------------

absl::Status EmulatedNpuBackend::CopyHostToDevice(StreamHandle stream,
                                                  absl::Span<const float> src, DeviceSlice dst) {
  ASSIGN_OR_RETURN(ResolvedSlice target, memory_.Resolve(dst, "copy_h2d dst"));
  const bool whole = target.offset == 0 && target.size == target.allocation->size();
  std::shared_ptr<Allocation> allocation = target.allocation;
  std::vector<float> staged(src.begin(), src.end());
  return Launch(stream, "copy_h2d", 0, {{"dst", dst, static_cast<int64_t>(src.size()), false}},
                [staged = std::move(staged), allocation, whole](const std::vector<float*>& p) {
                  cpu::Copy(static_cast<int64_t>(staged.size()), staged.data(), p[0]);
                  if (whole) allocation->set_ecc_error(false);  // rewritten: error gone
                });
}

absl::Status EmulatedNpuBackend::CopyDeviceToHost(StreamHandle stream, DeviceSlice src,
                                                  absl::Span<float> dst) {
  const int64_t n = static_cast<int64_t>(dst.size());
  float* out = dst.data();
  return Launch(stream, "copy_d2h", 0, {{"src", src, n, true}},
                [n, out](const std::vector<float*>& p) { cpu::Copy(n, p[0], out); });
}

absl::Status EmulatedNpuBackend::CopyDeviceToDevice(StreamHandle stream, DeviceSlice src,
                                                    DeviceSlice dst) {
  const int64_t n = src.size;
  return Launch(stream, "copy_d2d", 0, {{"src", src, -1, true}, {"dst", dst, n, false}},
                [n](const std::vector<float*>& p) { cpu::Copy(n, p[0], p[1]); });
}

absl::Status EmulatedNpuBackend::Fill(StreamHandle stream, DeviceSlice out, float value) {
  const int64_t n = out.size;
  return Launch(stream, "fill", 0, {{"out", out, -1, false}},
                [n, value](const std::vector<float*>& p) { cpu::Fill(n, value, p[0]); });
}

// ---- Dense algebra -----------------------------------------------------------------------------

absl::Status EmulatedNpuBackend::Gemm(StreamHandle stream, const GemmArgs& args) {
  const cpu::GemmShape s = cpu::ResolveGemmShape(args);
  RETURN_IF_ERROR(CheckGemm(args, s));
  const double flops = 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) *
                       static_cast<double>(s.k) * static_cast<double>(s.batch);
  return Launch(stream, "gemm", flops,
                {{"a", args.a, -1, true}, {"b", args.b, -1, true},
                 {"c", args.c, -1, args.beta != 0.0f}},
                [s](const std::vector<float*>& p) { cpu::Gemm(s, p[0], p[1], p[2]); });
}

absl::Status EmulatedNpuBackend::Add(StreamHandle stream, DeviceSlice x, DeviceSlice y,
                                     DeviceSlice out) {
  const int64_t n = x.size;
  return Launch(stream, "add", n, {{"x", x, -1, true}, {"y", y, n, true}, {"out", out, n, false}},
                [n](const std::vector<float*>& p) { cpu::Add(n, p[0], p[1], p[2]); });
}

absl::Status EmulatedNpuBackend::Mul(StreamHandle stream, DeviceSlice x, DeviceSlice y,
                                     DeviceSlice out) {
  const int64_t n = x.size;
  return Launch(stream, "mul", n, {{"x", x, -1, true}, {"y", y, n, true}, {"out", out, n, false}},
                [n](const std::vector<float*>& p) { cpu::Mul(n, p[0], p[1], p[2]); });
}

absl::Status EmulatedNpuBackend::Scale(StreamHandle stream, float alpha, DeviceSlice x,
                                       DeviceSlice out) {
  const int64_t n = x.size;
  return Launch(stream, "scale", n, {{"x", x, -1, true}, {"out", out, n, false}},
                [n, alpha](const std::vector<float*>& p) { cpu::Scale(n, alpha, p[0], p[1]); });
}

absl::Status EmulatedNpuBackend::Axpy(StreamHandle stream, float alpha, DeviceSlice x,
                                      DeviceSlice y) {
  const int64_t n = x.size;
  return Launch(stream, "axpy", 2.0 * n, {{"x", x, -1, true}, {"y", y, n, true}},
                [n, alpha](const std::vector<float*>& p) { cpu::Axpy(n, alpha, p[0], p[1]); });
}

absl::Status EmulatedNpuBackend::AddBias(StreamHandle stream, int64_t rows, int64_t cols,
                                         DeviceSlice x, DeviceSlice bias, DeviceSlice out) {
  ASSIGN_OR_RETURN(const int64_t n, Elements("add_bias", {rows, cols}));
  return Launch(stream, "add_bias", n,
                {{"x", x, n, true}, {"bias", bias, cols, true}, {"out", out, n, false}},
                [rows, cols](const std::vector<float*>& p) {
                  cpu::AddBias(rows, cols, p[0], p[1], p[2]);
                });
}

absl::Status EmulatedNpuBackend::SumRows(StreamHandle stream, int64_t rows, int64_t cols,
                                         DeviceSlice x, DeviceSlice out, bool accumulate) {
  ASSIGN_OR_RETURN(const int64_t n, Elements("sum_rows", {rows, cols}));
  return Launch(stream, "sum_rows", n, {{"x", x, n, true}, {"out", out, cols, accumulate}},
                [rows, cols, accumulate](const std::vector<float*>& p) {
                  cpu::SumRows(rows, cols, p[0], p[1], accumulate);
                });
}

// ---- Activations and normalisation -------------------------------------------------------------

absl::Status EmulatedNpuBackend::Gelu(StreamHandle stream, DeviceSlice x, DeviceSlice out) {
  const int64_t n = x.size;
  return Launch(stream, "gelu", 8.0 * n, {{"x", x, -1, true}, {"out", out, n, false}},
                [n](const std::vector<float*>& p) { cpu::Gelu(n, p[0], p[1]); });
}

absl::Status EmulatedNpuBackend::GeluBackward(StreamHandle stream, DeviceSlice x, DeviceSlice dy,
                                              DeviceSlice dx) {
  const int64_t n = x.size;
  return Launch(stream, "gelu_backward", 12.0 * n,
                {{"x", x, -1, true}, {"dy", dy, n, true}, {"dx", dx, n, false}},
                [n](const std::vector<float*>& p) { cpu::GeluBackward(n, p[0], p[1], p[2]); });
}

absl::Status EmulatedNpuBackend::Softmax(StreamHandle stream, int64_t rows, int64_t cols,
                                         float scale, bool causal, DeviceSlice x,
                                         DeviceSlice out) {
  ASSIGN_OR_RETURN(const int64_t n, Elements("softmax", {rows, cols}));
  if (cols == 0 && rows > 0) return absl::InvalidArgumentError("softmax: cols must be > 0");
  return Launch(stream, "softmax", 5.0 * n, {{"x", x, n, true}, {"out", out, n, false}},
                [rows, cols, scale, causal](const std::vector<float*>& p) {
                  cpu::Softmax(rows, cols, scale, causal, p[0], p[1]);
                });
}

absl::Status EmulatedNpuBackend::SoftmaxBackward(StreamHandle stream, int64_t rows, int64_t cols,
                                                 float scale, DeviceSlice y, DeviceSlice dy,
                                                 DeviceSlice dx) {
  ASSIGN_OR_RETURN(const int64_t n, Elements("softmax_backward", {rows, cols}));
  return Launch(stream, "softmax_backward", 4.0 * n,
                {{"y", y, n, true}, {"dy", dy, n, true}, {"dx", dx, n, false}},
                [rows, cols, scale](const std::vector<float*>& p) {
                  cpu::SoftmaxBackward(rows, cols, scale, p[0], p[1], p[2]);
                });
}

absl::Status EmulatedNpuBackend::LayerNorm(StreamHandle stream, int64_t rows, int64_t cols,
                                           float eps, DeviceSlice x, DeviceSlice gamma,
                                           DeviceSlice beta, DeviceSlice out, DeviceSlice mean,
                                           DeviceSlice rstd) {
  ASSIGN_OR_RETURN(const int64_t n, Elements("layer_norm", {rows, cols}));
  if (cols == 0 && rows > 0) return absl::InvalidArgumentError("layer_norm: cols must be > 0");
  if (!(eps > 0)) return absl::InvalidArgumentError("layer_norm: eps must be > 0");
  return Launch(stream, "layer_norm", 8.0 * n,
                {{"x", x, n, true}, {"gamma", gamma, cols, true}, {"beta", beta, cols, true},
                 {"out", out, n, false}, {"mean", mean, rows, false}, {"rstd", rstd, rows, false}},
                [rows, cols, eps](const std::vector<float*>& p) {
                  cpu::LayerNorm(rows, cols, eps, p[0], p[1], p[2], p[3], p[4], p[5]);
                });
}

absl::Status EmulatedNpuBackend::LayerNormBackward(StreamHandle stream, int64_t rows,
                                                   int64_t cols, DeviceSlice x, DeviceSlice gamma,
                                                   DeviceSlice mean, DeviceSlice rstd,
                                                   DeviceSlice dy, DeviceSlice dx,
                                                   DeviceSlice dgamma, DeviceSlice dbeta,
                                                   bool accumulate) {
  ASSIGN_OR_RETURN(const int64_t n, Elements("layer_norm_backward", {rows, cols}));
  return Launch(stream, "layer_norm_backward", 12.0 * n,
                {{"x", x, n, true}, {"gamma", gamma, cols, true}, {"mean", mean, rows, true},
                 {"rstd", rstd, rows, true}, {"dy", dy, n, true}, {"dx", dx, n, false},
                 {"dgamma", dgamma, cols, accumulate}, {"dbeta", dbeta, cols, accumulate}},
                [rows, cols, accumulate](const std::vector<float*>& p) {
                  cpu::LayerNormBackward(rows, cols, p[0], p[1], p[2], p[3], p[4], p[5], p[6],
                                         p[7], accumulate);
                });
}

absl::Status EmulatedNpuBackend::SwapAxes12(StreamHandle stream, int64_t d0, int64_t d1,
                                            int64_t d2, int64_t d3, DeviceSlice x,
                                            DeviceSlice out) {
  ASSIGN_OR_RETURN(const int64_t n, Elements("swap_axes12", {d0, d1, d2, d3}));
  if (n > 0 && Overlap(x, out)) return absl::InvalidArgumentError("swap_axes12: out overlaps x");
  return Launch(stream, "swap_axes12", 0, {{"x", x, n, true}, {"out", out, n, false}},
                [d0, d1, d2, d3](const std::vector<float*>& p) {
                  cpu::SwapAxes12(d0, d1, d2, d3, p[0], p[1]);
                });
}

// ---- Embedding and loss ------------------------------------------------------------------------

absl::Status EmulatedNpuBackend::Embedding(StreamHandle stream, absl::Span<const int32_t> ids,
                                           int64_t vocab, int64_t dim, DeviceSlice table,
                                           DeviceSlice out) {
  RETURN_IF_ERROR(CheckIds("embedding", ids, 0, vocab));
  ASSIGN_OR_RETURN(const int64_t table_n, Elements("embedding", {vocab, dim}));
  ASSIGN_OR_RETURN(const int64_t n, Elements("embedding", {static_cast<int64_t>(ids.size()), dim}));
  return Launch(stream, "embedding", 0, {{"table", table, table_n, true}, {"out", out, n, false}},
                [ids = std::vector<int32_t>(ids.begin(), ids.end()),
                 dim](const std::vector<float*>& p) { cpu::Embedding(ids, dim, p[0], p[1]); });
}

absl::Status EmulatedNpuBackend::EmbeddingBackward(StreamHandle stream,
                                                   absl::Span<const int32_t> ids, int64_t vocab,
                                                   int64_t dim, DeviceSlice dout,
                                                   DeviceSlice dtable, bool accumulate) {
  RETURN_IF_ERROR(CheckIds("embedding_backward", ids, 0, vocab));
  ASSIGN_OR_RETURN(const int64_t table_n, Elements("embedding_backward", {vocab, dim}));
  ASSIGN_OR_RETURN(const int64_t n,
                   Elements("embedding_backward", {static_cast<int64_t>(ids.size()), dim}));
  return Launch(stream, "embedding_backward", n,
                {{"dout", dout, n, true}, {"dtable", dtable, table_n, accumulate}},
                [ids = std::vector<int32_t>(ids.begin(), ids.end()), vocab, dim,
                 accumulate](const std::vector<float*>& p) {
                  cpu::EmbeddingBackward(ids, vocab, dim, p[0], p[1], accumulate);
                });
}

absl::Status EmulatedNpuBackend::CrossEntropy(StreamHandle stream, int64_t vocab,
                                              absl::Span<const int32_t> targets,
                                              DeviceSlice logits, DeviceSlice mask,
                                              DeviceSlice losses, DeviceSlice loss_sum) {
  RETURN_IF_ERROR(CheckIds("cross_entropy", targets, -1, vocab));
  const int64_t rows = static_cast<int64_t>(targets.size());
  ASSIGN_OR_RETURN(const int64_t n, Elements("cross_entropy", {rows, vocab}));
  std::vector<int32_t> ids(targets.begin(), targets.end());
  if (losses.size == 0) {  // no per-token output
    return Launch(stream, "cross_entropy", 4.0 * n,
                  {{"logits", logits, n, true}, {"mask", mask, rows, true},
                   {"loss_sum", loss_sum, 1, false}},
                  [ids = std::move(ids), vocab](const std::vector<float*>& p) {
                    cpu::CrossEntropy(vocab, ids, p[0], p[1], nullptr, p[2]);
                  });
  }
  return Launch(stream, "cross_entropy", 4.0 * n,
                {{"logits", logits, n, true}, {"mask", mask, rows, true},
                 {"losses", losses, rows, false}, {"loss_sum", loss_sum, 1, false}},
                [ids = std::move(ids), vocab](const std::vector<float*>& p) {
                  cpu::CrossEntropy(vocab, ids, p[0], p[1], p[2], p[3]);
                });
}

absl::Status EmulatedNpuBackend::CrossEntropyBackward(StreamHandle stream, int64_t vocab,
                                                      absl::Span<const int32_t> targets,
                                                      DeviceSlice logits, DeviceSlice mask,
                                                      float grad_scale, DeviceSlice dlogits) {
  RETURN_IF_ERROR(CheckIds("cross_entropy_backward", targets, -1, vocab));
  const int64_t rows = static_cast<int64_t>(targets.size());
  ASSIGN_OR_RETURN(const int64_t n, Elements("cross_entropy_backward", {rows, vocab}));
  return Launch(stream, "cross_entropy_backward", 4.0 * n,
                {{"logits", logits, n, true}, {"mask", mask, rows, true},
                 {"dlogits", dlogits, n, false}},
                [ids = std::vector<int32_t>(targets.begin(), targets.end()), vocab,
                 grad_scale](const std::vector<float*>& p) {
                  cpu::CrossEntropyBackward(vocab, ids, p[0], p[1], grad_scale, p[2]);
                });
}

// ---- Optimizer ---------------------------------------------------------------------------------

absl::Status EmulatedNpuBackend::SumOfSquares(StreamHandle stream, DeviceSlice x,
                                              DeviceSlice out, bool accumulate) {
  const int64_t n = x.size;
  return Launch(stream, "sum_of_squares", 2.0 * n,
                {{"x", x, -1, true}, {"out", out, 1, accumulate}},
                [n, accumulate](const std::vector<float*>& p) {
                  cpu::SumOfSquares(n, p[0], p[1], accumulate);
                });
}

absl::Status EmulatedNpuBackend::AdamW(StreamHandle stream, const AdamWArgs& args,
                                       DeviceSlice param, DeviceSlice grad, DeviceSlice m,
                                       DeviceSlice v) {
  if (args.step < 1) return absl::InvalidArgumentError("adamw: step counts from 1");
  const int64_t n = param.size;
  return Launch(stream, "adamw", 12.0 * n,
                {{"param", param, -1, true}, {"grad", grad, n, true}, {"m", m, n, true},
                 {"v", v, n, true}},
                [n, args](const std::vector<float*>& p) {
                  cpu::AdamW(n, args, p[0], p[1], p[2], p[3]);
                });
}

}  // namespace flyover::worker
