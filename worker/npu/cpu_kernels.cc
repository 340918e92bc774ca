// Element-wise, normalisation, loss and optimizer kernels. Formulas: npu_backend.h.
#include "worker/npu/cpu_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace flyover::worker::cpu {

void Fill(int64_t n, float value, float* out) { std::fill(out, out + n, value); }

void Copy(int64_t n, const float* x, float* out) {
  if (n > 0 && x != out) std::memmove(out, x, static_cast<size_t>(n) * sizeof(float));
}

void Add(int64_t n, const float* x, const float* y, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] + y[i];
}

void Mul(int64_t n, const float* x, const float* y, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * y[i];
}

void Scale(int64_t n, float alpha, const float* x, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = alpha * x[i];
}

void Axpy(int64_t n, float alpha, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

void AddBias(int64_t rows, int64_t cols, const float* x, const float* bias, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = x[r * cols + c] + bias[c];
  }
}

void SumRows(int64_t rows, int64_t cols, const float* x, float* out, bool accumulate) {
  std::vector<double> sum(static_cast<size_t>(cols), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) sum[c] += x[r * cols + c];
  }
  for (int64_t c = 0; c < cols; ++c) {
    out[c] = static_cast<float>((accumulate ? out[c] : 0.0) + sum[c]);
  }
}

namespace {
constexpr float kGeluC = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kGeluA = 0.044715f;
}  // namespace

void Gelu(int64_t n, const float* x, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float t = std::tanh(kGeluC * (v + kGeluA * v * v * v));
    out[i] = 0.5f * v * (1.0f + t);
  }
}

void GeluBackward(int64_t n, const float* x, const float* dy, float* dx) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float t = std::tanh(kGeluC * (v + kGeluA * v * v * v));
    const float du = kGeluC * (1.0f + 3.0f * kGeluA * v * v);
    const float d = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du;
    dx[i] = dy[i] * d;
  }
}

void Softmax(int64_t rows, int64_t cols, float scale, bool causal, const float* x, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = out + r * cols;
    // Under the causal mask, row r is query position r % cols and sees keys 0..that.
    const int64_t visible = causal ? (r % cols) + 1 : cols;
    float max = -INFINITY;
    for (int64_t c = 0; c < visible; ++c) max = std::max(max, scale * xr[c]);
    double sum = 0.0;
    for (int64_t c = 0; c < visible; ++c) {
      yr[c] = std::exp(scale * xr[c] - max);
      sum += yr[c];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t c = 0; c < visible; ++c) yr[c] *= inv;
    for (int64_t c = visible; c < cols; ++c) yr[c] = 0.0f;
  }
}

void SoftmaxBackward(int64_t rows, int64_t cols, float scale, const float* y, const float* dy,
                     float* dx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* dyr = dy + r * cols;
    double dot = 0.0;
    for (int64_t c = 0; c < cols; ++c) dot += static_cast<double>(yr[c]) * dyr[c];
    const float s = static_cast<float>(dot);
    float* dxr = dx + r * cols;
    for (int64_t c = 0; c < cols; ++c) dxr[c] = scale * yr[c] * (dyr[c] - s);
  }
}

void LayerNorm(int64_t rows, int64_t cols, float eps, const float* x, const float* gamma,
               const float* beta, float* out, float* mean, float* rstd) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    double sum = 0.0;
    for (int64_t c = 0; c < cols; ++c) sum += xr[c];
    const double mu = sum / static_cast<double>(cols);
    double sq = 0.0;
    for (int64_t c = 0; c < cols; ++c) sq += (xr[c] - mu) * (xr[c] - mu);
    const float rs = static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(cols) + eps));
    const float m = static_cast<float>(mu);
    mean[r] = m;
    rstd[r] = rs;
    float* yr = out + r * cols;
    for (int64_t c = 0; c < cols; ++c) yr[c] = (xr[c] - m) * rs * gamma[c] + beta[c];
  }
}

void LayerNormBackward(int64_t rows, int64_t cols, const float* x, const float* gamma,
                       const float* mean, const float* rstd, const float* dy, float* dx,
                       float* dgamma, float* dbeta, bool accumulate) {
  std::vector<double> dg(static_cast<size_t>(cols), 0.0);
  std::vector<double> db(static_cast<size_t>(cols), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    const float* dyr = dy + r * cols;
    double sum_g = 0.0;
    double sum_gx = 0.0;
    for (int64_t c = 0; c < cols; ++c) {
      const float xhat = (xr[c] - mean[r]) * rstd[r];
      const float g = dyr[c] * gamma[c];
      sum_g += g;
      sum_gx += static_cast<double>(g) * xhat;
      dg[c] += static_cast<double>(dyr[c]) * xhat;
      db[c] += dyr[c];
    }
    const float a = static_cast<float>(sum_g / static_cast<double>(cols));
    const float b = static_cast<float>(sum_gx / static_cast<double>(cols));
    float* dxr = dx + r * cols;
    for (int64_t c = 0; c < cols; ++c) {
      const float xhat = (xr[c] - mean[r]) * rstd[r];
      dxr[c] = rstd[r] * (dyr[c] * gamma[c] - a - xhat * b);
    }
  }
  for (int64_t c = 0; c < cols; ++c) {
    dgamma[c] = static_cast<float>((accumulate ? dgamma[c] : 0.0) + dg[c]);
    dbeta[c] = static_cast<float>((accumulate ? dbeta[c] : 0.0) + db[c]);
  }
}

void SwapAxes12(int64_t d0, int64_t d1, int64_t d2, int64_t d3, const float* x, float* out) {
  for (int64_t a = 0; a < d0; ++a) {
    for (int64_t b = 0; b < d1; ++b) {
      for (int64_t c = 0; c < d2; ++c) {
        const float* src = x + ((a * d1 + b) * d2 + c) * d3;
        float* dst = out + ((a * d2 + c) * d1 + b) * d3;
        std::memcpy(dst, src, static_cast<size_t>(d3) * sizeof(float));
      }
    }
  }
}

void Embedding(absl::Span<const int32_t> ids, int64_t dim, const float* table, float* out) {
  for (size_t i = 0; i < ids.size(); ++i) {
    std::memcpy(out + static_cast<int64_t>(i) * dim, table + ids[i] * dim,
                static_cast<size_t>(dim) * sizeof(float));
  }
}

void EmbeddingBackward(absl::Span<const int32_t> ids, int64_t vocab, int64_t dim,
                       const float* dout, float* dtable, bool accumulate) {
  if (!accumulate) std::fill(dtable, dtable + vocab * dim, 0.0f);
  // Token order, one token at a time: a repeated id always sums in the same order.
  for (size_t i = 0; i < ids.size(); ++i) {
    Axpy(dim, 1.0f, dout + static_cast<int64_t>(i) * dim, dtable + ids[i] * dim);
  }
}

namespace {

// log(sum(exp(row))) with the max subtracted; sum in double.
float LogSumExp(int64_t n, const float* row) {
  float max = -INFINITY;
  for (int64_t c = 0; c < n; ++c) max = std::max(max, row[c]);
  double sum = 0.0;
  for (int64_t c = 0; c < n; ++c) sum += std::exp(row[c] - max);
  return max + static_cast<float>(std::log(sum));
}

}  // namespace

void CrossEntropy(int64_t vocab, absl::Span<const int32_t> targets, const float* logits,
                  const float* mask, float* losses, float* loss_sum) {
  double total = 0.0;
  for (size_t i = 0; i < targets.size(); ++i) {
    const float* row = logits + static_cast<int64_t>(i) * vocab;
    float loss = 0.0f;
    if (targets[i] >= 0 && mask[i] != 0.0f) {
      loss = mask[i] * (LogSumExp(vocab, row) - row[targets[i]]);
    }
    if (losses != nullptr) losses[i] = loss;
    total += loss;
  }
  *loss_sum = static_cast<float>(total);
}

void CrossEntropyBackward(int64_t vocab, absl::Span<const int32_t> targets, const float* logits,
                          const float* mask, float grad_scale, float* dlogits) {
  for (size_t i = 0; i < targets.size(); ++i) {
    const float* row = logits + static_cast<int64_t>(i) * vocab;
    float* drow = dlogits + static_cast<int64_t>(i) * vocab;
    if (targets[i] < 0 || mask[i] == 0.0f) {
      std::fill(drow, drow + vocab, 0.0f);
      continue;
    }
    const float lse = LogSumExp(vocab, row);
    const float w = grad_scale * mask[i];
    for (int64_t c = 0; c < vocab; ++c) drow[c] = w * std::exp(row[c] - lse);
    drow[targets[i]] -= w;
  }
}

void SumOfSquares(int64_t n, const float* x, float* out, bool accumulate) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  *out = static_cast<float>((accumulate ? *out : 0.0) + sum);
}

void AdamW(int64_t n, const AdamWArgs& args, float* param, const float* grad, float* m,
           float* v) {
  const double t = static_cast<double>(args.step);
  const float bc1 = static_cast<float>(1.0 - std::pow(static_cast<double>(args.beta1), t));
  const float bc2 = static_cast<float>(1.0 - std::pow(static_cast<double>(args.beta2), t));
  const float decay = 1.0f - args.lr * args.weight_decay;
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i] * args.grad_scale;
    m[i] = args.beta1 * m[i] + (1.0f - args.beta1) * g;
    v[i] = args.beta2 * v[i] + (1.0f - args.beta2) * g * g;
    const float denom = std::sqrt(v[i] / bc2) + args.eps;
    param[i] = param[i] * decay - args.lr * (m[i] / bc1) / denom;
  }
}

}  // namespace flyover::worker::cpu
