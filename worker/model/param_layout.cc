#include "worker/model/param_layout.h"

#include <cmath>

#include "worker/data/arithmetic_dataset.h"

namespace flyover::worker {
namespace {

class Normal {
 public:
  explicit Normal(uint64_t seed) : state_(seed) {}
  float Next(float stddev) {
    // Box-Muller on two uniforms in (0, 1].
    const double u1 = (static_cast<double>(SplitMix64(state_) >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(SplitMix64(state_) >> 11) * 0x1.0p-53;
    return static_cast<float>(stddev * std::sqrt(-2.0 * std::log(u1)) *
                              std::cos(2.0 * M_PI * u2));
  }

 private:
  uint64_t state_;
};

void FillNormal(std::vector<float>& p, int64_t offset, int64_t count, float stddev,
                Normal& normal) {
  for (int64_t i = 0; i < count; ++i) p[offset + i] = normal.Next(stddev);
}

void FillConstant(std::vector<float>& p, int64_t offset, int64_t count, float value) {
  for (int64_t i = 0; i < count; ++i) p[offset + i] = value;
}

}  // namespace

ParamLayout ParamLayout::For(const TransformerConfig& config) {
  const int64_t c = config.hidden, v = config.vocab, t = config.max_length;
  ParamLayout layout;
  int64_t next = 0;
  auto take = [&next](int64_t count) {
    const int64_t offset = next;
    next += count;
    return offset;
  };
  layout.tok_emb = take(v * c);
  layout.pos_emb = take(t * c);
  for (int l = 0; l < config.layers; ++l) {
    LayerOffsets o;
    o.ln1_g = take(c);
    o.ln1_b = take(c);
    o.w_qkv = take(c * 3 * c);
    o.b_qkv = take(3 * c);
    o.w_o = take(c * c);
    o.b_o = take(c);
    o.ln2_g = take(c);
    o.ln2_b = take(c);
    o.w_fc = take(c * 4 * c);
    o.b_fc = take(4 * c);
    o.w_proj = take(4 * c * c);
    o.b_proj = take(c);
    layout.layers.push_back(o);
  }
  layout.lnf_g = take(c);
  layout.lnf_b = take(c);
  layout.head = config.tie_embeddings ? layout.tok_emb : take(v * c);
  layout.total = next;
  return layout;
}

std::vector<float> InitialParameters(const TransformerConfig& config, uint64_t seed) {
  const ParamLayout layout = ParamLayout::For(config);
  const int64_t c = config.hidden, v = config.vocab, t = config.max_length;
  const float stddev = 0.02f;
  const float residual = stddev / std::sqrt(2.0f * static_cast<float>(config.layers));
  std::vector<float> p(layout.total, 0.0f);
  Normal normal(seed ^ 0x1a2b3c4d5e6f7081ULL);
  FillNormal(p, layout.tok_emb, v * c, stddev, normal);
  FillNormal(p, layout.pos_emb, t * c, stddev, normal);
  for (const LayerOffsets& o : layout.layers) {
    FillConstant(p, o.ln1_g, c, 1.0f);
    FillNormal(p, o.w_qkv, c * 3 * c, stddev, normal);
    FillNormal(p, o.w_o, c * c, residual, normal);
    FillConstant(p, o.ln2_g, c, 1.0f);
    FillNormal(p, o.w_fc, c * 4 * c, stddev, normal);
    FillNormal(p, o.w_proj, 4 * c * c, residual, normal);
  }
  FillConstant(p, layout.lnf_g, c, 1.0f);
  if (!config.tie_embeddings) FillNormal(p, layout.head, v * c, stddev, normal);
  return p;
}

}  // namespace flyover::worker
