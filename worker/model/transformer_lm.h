// TransformerLm: a small decoder-only transformer language model (GPT-2 style) that runs
// its forward and backward passes on an NpuBackend: token + position embeddings, `layers`
// pre-LN blocks (causal multi-head self-attention, GELU MLP, residuals), a final layer
// norm and a linear head (tied to the token embedding by default). Layout of the weights:
// param_layout.h.
//
// Parameters and gradients are each ONE device buffer of ParamLayout::total fp32
// elements (params() and grads()), so the optimizer can shard them and the checkpoint can
// store them as one vector. ForwardBackward *adds* into grads(); ZeroGrads() clears them.
//
// Activations live in a workspace sized for the largest (batch, length) seen so far;
// a call with a larger batch reallocates it (ResourceExhausted if HBM is too small).
// All work runs on one stream, in a fixed order: the same inputs give the same bits.
//
// Ownership: borrows the backend (must outlive the model); owns its buffers and frees
// them on destruction. Thread-safety: thread-compatible (one caller at a time).
#ifndef FLYOVER_WORKER_MODEL_TRANSFORMER_LM_H_
#define FLYOVER_WORKER_MODEL_TRANSFORMER_LM_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "worker/model/param_layout.h"
#include "worker/npu/npu_backend.h"

namespace flyover::worker {

class TransformerLm {
 public:
  // InvalidArgument naming the field for a bad config; the backend's error otherwise.
  // Parameters start as zeros: call SetParameters.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TransformerLm>> Create(
      NpuBackend* backend, const TransformerConfig& config);
  TransformerLm(const TransformerLm&) = delete;
  TransformerLm& operator=(const TransformerLm&) = delete;
  ~TransformerLm();

  const TransformerConfig& config() const { return config_; }
  const ParamLayout& layout() const { return layout_; }
  int64_t num_parameters() const { return layout_.total; }
  DeviceBuffer params() const { return params_; }
  DeviceBuffer grads() const { return grads_; }
  StreamHandle stream() const { return stream_; }

  [[nodiscard]] absl::Status SetParameters(absl::Span<const float> values);
  [[nodiscard]] absl::StatusOr<std::vector<float>> GetParameters();
  [[nodiscard]] absl::StatusOr<std::vector<float>> GetGradients();
  [[nodiscard]] absl::Status ZeroGrads();

  // One micro-batch: `batch` sequences of `length` tokens (inputs, targets with -1 =
  // ignored, mask of per-token loss weights; all batch*length). Runs forward and backward,
  // adding grad_scale x d(loss_sum)/d(params) into grads(); returns loss_sum, the sum of
  // the masked per-token cross-entropies. InvalidArgument for bad shapes or token ids.
  [[nodiscard]] absl::StatusOr<float> ForwardBackward(int batch, int length,
                                                      absl::Span<const int32_t> inputs,
                                                      absl::Span<const int32_t> targets,
                                                      absl::Span<const float> mask,
                                                      float grad_scale);
  // Forward only: loss_sum as above, gradients untouched.
  [[nodiscard]] absl::StatusOr<float> Loss(int batch, int length,
                                           absl::Span<const int32_t> inputs,
                                           absl::Span<const int32_t> targets,
                                           absl::Span<const float> mask);
  // Forward only: the logits, [batch * length, vocab] on the host.
  [[nodiscard]] absl::StatusOr<std::vector<float>> Logits(int batch, int length,
                                                          absl::Span<const int32_t> inputs);

  struct Workspace;  // the activation buffers; defined in transformer_workspace.h

 private:
  TransformerLm(NpuBackend* backend, const TransformerConfig& config);
  absl::Status CheckInputs(int batch, int length, absl::Span<const int32_t> inputs,
                           absl::Span<const int32_t> targets, absl::Span<const float> mask,
                           bool with_targets) const;
  absl::Status EnsureWorkspace(int batch, int length);
  // Embeddings, blocks, final norm and head: leaves logits in the workspace.
  absl::Status Forward(int batch, int length, absl::Span<const int32_t> inputs);
  absl::Status ForwardBlock(int layer, int batch, int length);
  absl::Status LossSum(int batch, int length, absl::Span<const int32_t> targets,
                       absl::Span<const float> mask);
  absl::Status Backward(int batch, int length, absl::Span<const int32_t> inputs,
                        absl::Span<const int32_t> targets, float grad_scale);
  absl::Status BackwardBlock(int layer, int batch, int length);
  absl::Status AttentionForward(int layer, int batch, int length);
  absl::Status AttentionBackward(int layer, int batch, int length);
  absl::StatusOr<float> ReadLossSum();

  NpuBackend* const backend_;
  const TransformerConfig config_;
  const ParamLayout layout_;
  StreamHandle stream_;
  DeviceBuffer params_;
  DeviceBuffer grads_;
  std::unique_ptr<Workspace> ws_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_MODEL_TRANSFORMER_LM_H_
