// ParamLayout: where each tensor of the decoder-only transformer lives in the ONE flat fp32
// parameter vector (the vector the optimizer shards and the checkpoint stores). Tensors are
// laid out in this order, each packed row-major:
//   tok_emb [V, C], pos_emb [T, C],
//   per layer: ln1 gamma [C], ln1 beta [C], w_qkv [C, 3C], b_qkv [3C], w_o [C, C], b_o [C],
//              ln2 gamma [C], ln2 beta [C], w_fc [C, 4C], b_fc [4C], w_proj [4C, C], b_proj [C],
//   lnf gamma [C], lnf beta [C], head [V, C] (only when the head is untied).
// Linear weights are [in, out] (y = x W + b). A tied head reuses tok_emb.
// Thread-safety: plain value.
#ifndef FLYOVER_WORKER_MODEL_PARAM_LAYOUT_H_
#define FLYOVER_WORKER_MODEL_PARAM_LAYOUT_H_

#include <cstdint>
#include <vector>

namespace flyover::worker {

struct TransformerConfig {
  int layers = 2;
  int hidden = 64;       // C
  int heads = 4;         // H; divides C
  int vocab = 32;        // V
  int max_length = 32;   // T, positions
  bool tie_embeddings = true;
};

// Offsets (elements) of one block's tensors.
struct LayerOffsets {
  int64_t ln1_g, ln1_b, w_qkv, b_qkv, w_o, b_o, ln2_g, ln2_b, w_fc, b_fc, w_proj, b_proj;
};

struct ParamLayout {
  int64_t tok_emb = 0;
  int64_t pos_emb = 0;
  std::vector<LayerOffsets> layers;
  int64_t lnf_g = 0;
  int64_t lnf_b = 0;
  int64_t head = 0;  // == tok_emb when tied
  int64_t total = 0;

  static ParamLayout For(const TransformerConfig& config);
};

// Deterministic initial parameters from `seed` (SplitMix64 + Box-Muller, so the same on
// every platform): embeddings and weights N(0, 0.02^2), the two residual projections
// (w_o, w_proj) scaled by 1/sqrt(2 x layers), layer-norm gammas 1, biases and betas 0.
std::vector<float> InitialParameters(const TransformerConfig& config, uint64_t seed);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_MODEL_PARAM_LAYOUT_H_
