#include "worker/model/transformer_lm.h"

#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "worker/model/linear_ops.h"
#include "worker/model/transformer_workspace.h"

namespace flyover::worker {
namespace {

constexpr float kLayerNormEps = 1e-5f;

absl::Status ValidateConfig(const TransformerConfig& c) {
  if (c.layers < 1) return absl::InvalidArgumentError("model.layers: must be >= 1");
  if (c.hidden < 1) return absl::InvalidArgumentError("model.hiddenSize: must be >= 1");
  if (c.heads < 1 || c.hidden % c.heads != 0) {
    return absl::InvalidArgumentError("model.heads: must be >= 1 and divide hiddenSize");
  }
  if (c.vocab < 2) return absl::InvalidArgumentError("model.vocabSize: must be >= 2");
  if (c.max_length < 1) return absl::InvalidArgumentError("model.sequenceLength: must be >= 1");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TransformerLm>> TransformerLm::Create(
    NpuBackend* backend, const TransformerConfig& config) {
  RETURN_IF_ERROR(ValidateConfig(config));
  std::unique_ptr<TransformerLm> model(new TransformerLm(backend, config));
  ASSIGN_OR_RETURN(model->stream_, backend->CreateStream());
  const int64_t bytes = model->layout_.total * static_cast<int64_t>(sizeof(float));
  ASSIGN_OR_RETURN(model->params_, backend->Allocate(bytes));
  ASSIGN_OR_RETURN(model->grads_, backend->Allocate(bytes));
  return model;
}

TransformerLm::TransformerLm(NpuBackend* backend, const TransformerConfig& config)
    : backend_(backend), config_(config), layout_(ParamLayout::For(config)) {}

TransformerLm::~TransformerLm() {
  if (ws_ != nullptr) FreeWorkspace(*backend_, *ws_).IgnoreError();
  if (params_.valid()) backend_->Free(params_).IgnoreError();
  if (grads_.valid()) backend_->Free(grads_).IgnoreError();
  if (stream_.id != 0) backend_->DestroyStream(stream_).IgnoreError();
}

absl::Status TransformerLm::SetParameters(absl::Span<const float> values) {
  if (static_cast<int64_t>(values.size()) != layout_.total) {
    return absl::InvalidArgumentError(absl::StrCat("parameters: ", values.size(),
                                                   " values, the model has ", layout_.total));
  }
  RETURN_IF_ERROR(backend_->CopyHostToDevice(stream_, values, params_));
  return backend_->SynchronizeStream(stream_);
}

absl::StatusOr<std::vector<float>> TransformerLm::GetParameters() {
  std::vector<float> values(layout_.total);
  RETURN_IF_ERROR(backend_->CopyDeviceToHost(stream_, params_, absl::MakeSpan(values)));
  RETURN_IF_ERROR(backend_->SynchronizeStream(stream_));
  return values;
}

absl::StatusOr<std::vector<float>> TransformerLm::GetGradients() {
  std::vector<float> values(layout_.total);
  RETURN_IF_ERROR(backend_->CopyDeviceToHost(stream_, grads_, absl::MakeSpan(values)));
  RETURN_IF_ERROR(backend_->SynchronizeStream(stream_));
  return values;
}

absl::Status TransformerLm::ZeroGrads() { return backend_->Fill(stream_, grads_, 0.0f); }

absl::Status TransformerLm::CheckInputs(int batch, int length, absl::Span<const int32_t> inputs,
                                        absl::Span<const int32_t> targets,
                                        absl::Span<const float> mask, bool with_targets) const {
  if (batch < 1 || length < 1 || length > config_.max_length) {
    return absl::InvalidArgumentError(absl::StrCat("batch ", batch, " x length ", length,
                                                   ": length must be in [1, ",
                                                   config_.max_length, "]"));
  }
  const size_t n = static_cast<size_t>(batch) * length;
  if (inputs.size() != n || (with_targets && (targets.size() != n || mask.size() != n))) {
    return absl::InvalidArgumentError(absl::StrCat("inputs/targets/mask: need ", n, " each"));
  }
  for (int32_t id : inputs) {
    if (id < 0 || id >= config_.vocab) {
      return absl::InvalidArgumentError(absl::StrCat("inputs: token ", id, " outside vocab"));
    }
  }
  for (int32_t id : targets) {
    if (id < -1 || id >= config_.vocab) {
      return absl::InvalidArgumentError(absl::StrCat("targets: token ", id, " outside vocab"));
    }
  }
  return absl::OkStatus();
}

absl::Status TransformerLm::EnsureWorkspace(int batch, int /*length*/) {
  if (ws_ != nullptr && ws_->batch_capacity >= batch) return absl::OkStatus();
  if (ws_ != nullptr) {
    RETURN_IF_ERROR(backend_->SynchronizeStream(stream_));
    RETURN_IF_ERROR(FreeWorkspace(*backend_, *ws_));
    ws_.reset();
  }
  ASSIGN_OR_RETURN(ws_, AllocateWorkspace(*backend_, config_, batch));
  return absl::OkStatus();
}

absl::Status TransformerLm::Forward(int batch, int length, absl::Span<const int32_t> inputs) {
  RETURN_IF_ERROR(EnsureWorkspace(batch, length));
  const int64_t c = config_.hidden, r = int64_t{batch} * length;
  NpuBackend& npu = *backend_;
  DeviceSlice x0 = Head(ws_->layers[0].x_in, r * c);
  RETURN_IF_ERROR(npu.Embedding(stream_, inputs, config_.vocab, c,
                                params_.Slice(layout_.tok_emb, int64_t{config_.vocab} * c), x0));
  std::vector<int32_t> positions(r);
  for (int64_t i = 0; i < r; ++i) positions[i] = static_cast<int32_t>(i % length);
  DeviceSlice pos = Head(ws_->dx, r * c);  // scratch until backward
  RETURN_IF_ERROR(npu.Embedding(stream_, positions, config_.max_length, c,
                                params_.Slice(layout_.pos_emb, int64_t{config_.max_length} * c),
                                pos));
  RETURN_IF_ERROR(npu.Add(stream_, x0, pos, x0));
  for (int l = 0; l < config_.layers; ++l) RETURN_IF_ERROR(ForwardBlock(l, batch, length));
  RETURN_IF_ERROR(npu.LayerNorm(stream_, r, c, kLayerNormEps, Head(ws_->x_final, r * c),
                                params_.Slice(layout_.lnf_g, c), params_.Slice(layout_.lnf_b, c),
                                Head(ws_->hf, r * c), Head(ws_->meanf, r),
                                Head(ws_->rstdf, r)));
  GemmArgs head;  // logits [r, V] = hf [r, C] head^T
  head.trans_b = true;
  head.m = r;
  head.n = config_.vocab;
  head.k = c;
  head.a = Head(ws_->hf, r * c);
  head.b = params_.Slice(layout_.head, int64_t{config_.vocab} * c);
  head.c = Head(ws_->logits, r * config_.vocab);
  return npu.Gemm(stream_, head);
}

absl::Status TransformerLm::ForwardBlock(int layer, int batch, int length) {
  const int64_t c = config_.hidden, r = int64_t{batch} * length;
  const LayerOffsets& o = layout_.layers[layer];
  LayerActivations& a = ws_->layers[layer];
  NpuBackend& npu = *backend_;
  auto p = [this](int64_t offset, int64_t n) { return params_.Slice(offset, n); };
  RETURN_IF_ERROR(npu.LayerNorm(stream_, r, c, kLayerNormEps, Head(a.x_in, r * c),
                                p(o.ln1_g, c), p(o.ln1_b, c), Head(a.h1, r * c),
                                Head(a.mean1, r), Head(a.rstd1, r)));
  RETURN_IF_ERROR(LinearForward(npu, stream_, r, c, 3 * c, Head(a.h1, r * c),
                                p(o.w_qkv, 3 * c * c), p(o.b_qkv, 3 * c), Head(a.qkv, 3 * r * c)));
  RETURN_IF_ERROR(AttentionForward(layer, batch, length));
  DeviceSlice x_mid = Head(a.x_mid, r * c);
  RETURN_IF_ERROR(LinearForward(npu, stream_, r, c, c, Head(a.att, r * c), p(o.w_o, c * c),
                                p(o.b_o, c), x_mid));
  RETURN_IF_ERROR(npu.Add(stream_, x_mid, Head(a.x_in, r * c), x_mid));
  RETURN_IF_ERROR(npu.LayerNorm(stream_, r, c, kLayerNormEps, x_mid, p(o.ln2_g, c),
                                p(o.ln2_b, c), Head(a.h2, r * c), Head(a.mean2, r),
                                Head(a.rstd2, r)));
  RETURN_IF_ERROR(LinearForward(npu, stream_, r, c, 4 * c, Head(a.h2, r * c),
                                p(o.w_fc, 4 * c * c), p(o.b_fc, 4 * c), Head(a.fc, 4 * r * c)));
  RETURN_IF_ERROR(npu.Gelu(stream_, Head(a.fc, 4 * r * c), Head(a.act, 4 * r * c)));
  const bool last = layer + 1 == config_.layers;
  DeviceSlice x_out = Head(last ? ws_->x_final : ws_->layers[layer + 1].x_in, r * c);
  RETURN_IF_ERROR(LinearForward(npu, stream_, r, 4 * c, c, Head(a.act, 4 * r * c),
                                p(o.w_proj, 4 * c * c), p(o.b_proj, c), x_out));
  return npu.Add(stream_, x_out, x_mid, x_out);
}

absl::Status TransformerLm::LossSum(int batch, int length, absl::Span<const int32_t> targets,
                                    absl::Span<const float> mask) {
  const int64_t r = int64_t{batch} * length;
  RETURN_IF_ERROR(backend_->CopyHostToDevice(stream_, mask, Head(ws_->mask, r)));
  return backend_->CrossEntropy(stream_, config_.vocab, targets,
                                Head(ws_->logits, r * config_.vocab), Head(ws_->mask, r),
                                DeviceSlice(), Head(ws_->loss_sum, 1));
}

absl::StatusOr<float> TransformerLm::ReadLossSum() {
  float loss_sum = 0;
  RETURN_IF_ERROR(backend_->CopyDeviceToHost(stream_, Head(ws_->loss_sum, 1),
                                             absl::MakeSpan(&loss_sum, 1)));
  RETURN_IF_ERROR(backend_->SynchronizeStream(stream_));
  return loss_sum;
}

absl::StatusOr<float> TransformerLm::ForwardBackward(int batch, int length,
                                                     absl::Span<const int32_t> inputs,
                                                     absl::Span<const int32_t> targets,
                                                     absl::Span<const float> mask,
                                                     float grad_scale) {
  RETURN_IF_ERROR(CheckInputs(batch, length, inputs, targets, mask, true));
  RETURN_IF_ERROR(Forward(batch, length, inputs));
  RETURN_IF_ERROR(LossSum(batch, length, targets, mask));
  RETURN_IF_ERROR(Backward(batch, length, inputs, targets, grad_scale));
  return ReadLossSum();
}

absl::StatusOr<float> TransformerLm::Loss(int batch, int length,
                                          absl::Span<const int32_t> inputs,
                                          absl::Span<const int32_t> targets,
                                          absl::Span<const float> mask) {
  RETURN_IF_ERROR(CheckInputs(batch, length, inputs, targets, mask, true));
  RETURN_IF_ERROR(Forward(batch, length, inputs));
  RETURN_IF_ERROR(LossSum(batch, length, targets, mask));
  return ReadLossSum();
}

absl::StatusOr<std::vector<float>> TransformerLm::Logits(int batch, int length,
                                                         absl::Span<const int32_t> inputs) {
  RETURN_IF_ERROR(CheckInputs(batch, length, inputs, {}, {}, false));
  RETURN_IF_ERROR(Forward(batch, length, inputs));
  std::vector<float> logits(static_cast<size_t>(batch) * length * config_.vocab);
  RETURN_IF_ERROR(backend_->CopyDeviceToHost(
      stream_, Head(ws_->logits, static_cast<int64_t>(logits.size())), absl::MakeSpan(logits)));
  RETURN_IF_ERROR(backend_->SynchronizeStream(stream_));
  return logits;
}

}  // namespace flyover::worker
