// TransformerLm's attention (forward and backward) and the backward pass. Attention is
// composed per batch item from batched GEMMs over the H heads (npu_backend.h).
#include <cmath>

#include "common/status.h"
#include "worker/model/linear_ops.h"
#include "worker/model/transformer_lm.h"
#include "worker/model/transformer_workspace.h"

namespace flyover::worker {
namespace {

// C[batch] = op(A[batch]) op(B[batch]) over `heads` matrices of packed [rows, cols] shapes.
absl::Status HeadGemm(NpuBackend& npu, StreamHandle s, bool ta, bool tb, int64_t heads,
                      int64_t m, int64_t n, int64_t k, DeviceSlice a, DeviceSlice b,
                      DeviceSlice c) {
  GemmArgs g;
  g.trans_a = ta;
  g.trans_b = tb;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = a;
  g.b = b;
  g.c = c;
  g.batch = heads;
  g.stride_a = m * k;
  g.stride_b = n * k;
  g.stride_c = m * n;
  return npu.Gemm(s, g);
}

}  // namespace

absl::Status TransformerLm::AttentionForward(int layer, int batch, int length) {
  const int64_t h = config_.heads, d = config_.hidden / config_.heads, t = length;
  const int64_t htd = h * t * d, htt = h * t * t;
  LayerActivations& a = ws_->layers[layer];
  NpuBackend& npu = *backend_;
  // [B, T, 3H, D] -> [B, 3H, T, D]: per item Q, K, V each [H, T, D].
  RETURN_IF_ERROR(npu.SwapAxes12(stream_, batch, t, 3 * h, d, Head(a.qkv, 3 * batch * htd),
                                 Head(a.qkv_s, 3 * batch * htd)));
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t base = b * 3 * htd;
    RETURN_IF_ERROR(HeadGemm(npu, stream_, false, true, h, t, t, d, a.qkv_s.Slice(base, htd),
                             a.qkv_s.Slice(base + htd, htd), a.probs.Slice(b * htt, htt)));
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  DeviceSlice probs = Head(a.probs, batch * htt);
  RETURN_IF_ERROR(npu.Softmax(stream_, batch * h * t, t, scale, /*causal=*/true, probs, probs));
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t base = b * 3 * htd;
    RETURN_IF_ERROR(HeadGemm(npu, stream_, false, false, h, t, d, t, a.probs.Slice(b * htt, htt),
                             a.qkv_s.Slice(base + 2 * htd, htd), a.att_s.Slice(b * htd, htd)));
  }
  // [B, H, T, D] -> [B, T, H, D] = [R, C].
  return npu.SwapAxes12(stream_, batch, h, t, d, Head(a.att_s, batch * htd),
                        Head(a.att, batch * htd));
}

absl::Status TransformerLm::AttentionBackward(int layer, int batch, int length) {
  const int64_t h = config_.heads, d = config_.hidden / config_.heads, t = length;
  const int64_t htd = h * t * d, htt = h * t * t;
  LayerActivations& a = ws_->layers[layer];
  NpuBackend& npu = *backend_;
  Workspace& w = *ws_;
  RETURN_IF_ERROR(npu.SwapAxes12(stream_, batch, t, h, d, Head(w.datt, batch * htd),
                                 Head(w.datt_s, batch * htd)));
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t base = b * 3 * htd;
    DeviceSlice d_out = w.datt_s.Slice(b * htd, htd);
    // dP = dO V^T; dV = P^T dO.
    RETURN_IF_ERROR(HeadGemm(npu, stream_, false, true, h, t, t, d, d_out,
                             a.qkv_s.Slice(base + 2 * htd, htd), w.dprobs.Slice(b * htt, htt)));
    RETURN_IF_ERROR(HeadGemm(npu, stream_, true, false, h, t, d, t, a.probs.Slice(b * htt, htt),
                             d_out, w.dqkv_s.Slice(base + 2 * htd, htd)));
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  DeviceSlice dprobs = Head(w.dprobs, batch * htt);
  RETURN_IF_ERROR(npu.SoftmaxBackward(stream_, batch * h * t, t, scale,
                                      Head(a.probs, batch * htt), dprobs, dprobs));
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t base = b * 3 * htd;
    DeviceSlice ds = w.dprobs.Slice(b * htt, htt);
    // dQ = dS K; dK = dS^T Q.
    RETURN_IF_ERROR(HeadGemm(npu, stream_, false, false, h, t, d, t, ds,
                             a.qkv_s.Slice(base + htd, htd), w.dqkv_s.Slice(base, htd)));
    RETURN_IF_ERROR(HeadGemm(npu, stream_, true, false, h, t, d, t, ds, a.qkv_s.Slice(base, htd),
                             w.dqkv_s.Slice(base + htd, htd)));
  }
  return npu.SwapAxes12(stream_, batch, 3 * h, t, d, Head(w.dqkv_s, 3 * batch * htd),
                        Head(w.dqkv, 3 * batch * htd));
}

absl::Status TransformerLm::Backward(int batch, int length, absl::Span<const int32_t> inputs,
                                     absl::Span<const int32_t> targets, float grad_scale) {
  const int64_t c = config_.hidden, v = config_.vocab, r = int64_t{batch} * length;
  NpuBackend& npu = *backend_;
  Workspace& w = *ws_;
  DeviceSlice dlogits = Head(w.dlogits, r * v), dx = Head(w.dx, r * c);
  RETURN_IF_ERROR(npu.CrossEntropyBackward(stream_, v, targets, Head(w.logits, r * v),
                                           Head(w.mask, r), grad_scale, dlogits));
  GemmArgs dhead;  // dHead [V, C] += dlogits^T hf
  dhead.trans_a = true;
  dhead.m = v;
  dhead.n = c;
  dhead.k = r;
  dhead.beta = 1.0f;
  dhead.a = dlogits;
  dhead.b = Head(w.hf, r * c);
  dhead.c = grads_.Slice(layout_.head, v * c);
  RETURN_IF_ERROR(npu.Gemm(stream_, dhead));
  GemmArgs dhf;  // dhf [r, C] = dlogits Head
  dhf.m = r;
  dhf.n = c;
  dhf.k = v;
  dhf.a = dlogits;
  dhf.b = params_.Slice(layout_.head, v * c);
  dhf.c = dx;
  RETURN_IF_ERROR(npu.Gemm(stream_, dhf));
  RETURN_IF_ERROR(npu.LayerNormBackward(
      stream_, r, c, Head(w.x_final, r * c), params_.Slice(layout_.lnf_g, c), Head(w.meanf, r),
      Head(w.rstdf, r), dx, dx, grads_.Slice(layout_.lnf_g, c), grads_.Slice(layout_.lnf_b, c),
      /*accumulate=*/true));
  for (int l = config_.layers - 1; l >= 0; --l) RETURN_IF_ERROR(BackwardBlock(l, batch, length));
  RETURN_IF_ERROR(npu.EmbeddingBackward(stream_, inputs, v, c, dx,
                                        grads_.Slice(layout_.tok_emb, v * c), true));
  std::vector<int32_t> positions(r);
  for (int64_t i = 0; i < r; ++i) positions[i] = static_cast<int32_t>(i % length);
  return npu.EmbeddingBackward(stream_, positions, config_.max_length, c, dx,
                               grads_.Slice(layout_.pos_emb, int64_t{config_.max_length} * c),
                               true);
}

// On entry w.dx holds d(loss)/d(block output); on return d(loss)/d(block input).
absl::Status TransformerLm::BackwardBlock(int layer, int batch, int length) {
  const int64_t c = config_.hidden, r = int64_t{batch} * length;
  const LayerOffsets& o = layout_.layers[layer];
  LayerActivations& a = ws_->layers[layer];
  Workspace& w = *ws_;
  NpuBackend& npu = *backend_;
  auto p = [this](int64_t offset, int64_t n) { return params_.Slice(offset, n); };
  auto g = [this](int64_t offset, int64_t n) { return grads_.Slice(offset, n); };
  DeviceSlice dx = Head(w.dx, r * c), dh = Head(w.dh, r * c), dwide = Head(w.dwide, 4 * r * c);
  // MLP: x_out = x_mid + proj(gelu(fc(ln2(x_mid)))).
  RETURN_IF_ERROR(LinearBackward(npu, stream_, r, 4 * c, c, Head(a.act, 4 * r * c),
                                 p(o.w_proj, 4 * c * c), dx, dwide, g(o.w_proj, 4 * c * c),
                                 g(o.b_proj, c)));
  RETURN_IF_ERROR(npu.GeluBackward(stream_, Head(a.fc, 4 * r * c), dwide, dwide));
  RETURN_IF_ERROR(LinearBackward(npu, stream_, r, c, 4 * c, Head(a.h2, r * c),
                                 p(o.w_fc, 4 * c * c), dwide, dh, g(o.w_fc, 4 * c * c),
                                 g(o.b_fc, 4 * c)));
  RETURN_IF_ERROR(npu.LayerNormBackward(stream_, r, c, Head(a.x_mid, r * c), p(o.ln2_g, c),
                                        Head(a.mean2, r), Head(a.rstd2, r), dh, dh,
                                        g(o.ln2_g, c), g(o.ln2_b, c), true));
  RETURN_IF_ERROR(npu.Add(stream_, dx, dh, dx));
  // Attention: x_mid = x_in + o(attention(qkv(ln1(x_in)))).
  RETURN_IF_ERROR(LinearBackward(npu, stream_, r, c, c, Head(a.att, r * c), p(o.w_o, c * c), dx,
                                 Head(w.datt, r * c), g(o.w_o, c * c), g(o.b_o, c)));
  RETURN_IF_ERROR(AttentionBackward(layer, batch, length));
  RETURN_IF_ERROR(LinearBackward(npu, stream_, r, c, 3 * c, Head(a.h1, r * c),
                                 p(o.w_qkv, 3 * c * c), Head(w.dqkv, 3 * r * c), dh,
                                 g(o.w_qkv, 3 * c * c), g(o.b_qkv, 3 * c)));
  RETURN_IF_ERROR(npu.LayerNormBackward(stream_, r, c, Head(a.x_in, r * c), p(o.ln1_g, c),
                                        Head(a.mean1, r), Head(a.rstd1, r), dh, dh,
                                        g(o.ln1_g, c), g(o.ln1_b, c), true));
  return npu.Add(stream_, dx, dh, dx);
}

}  // namespace flyover::worker
