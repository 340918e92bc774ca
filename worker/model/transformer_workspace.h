// The activation buffers of TransformerLm (internal to worker/model/). Sized for
// `batch_capacity` sequences of the model's max_length; a smaller (batch, length) uses
// the prefix of each buffer, which is the packed tensor of that shape.
#ifndef FLYOVER_WORKER_MODEL_TRANSFORMER_WORKSPACE_H_
#define FLYOVER_WORKER_MODEL_TRANSFORMER_WORKSPACE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "worker/model/transformer_lm.h"

namespace flyover::worker {

struct LayerActivations {
  DeviceBuffer x_in;    // [R, C] the block's input (residual stream)
  DeviceBuffer h1;      // [R, C] ln1(x_in)
  DeviceBuffer mean1, rstd1;  // [R]
  DeviceBuffer qkv;     // [B, T, 3H, D]
  DeviceBuffer qkv_s;   // [B, 3H, T, D]
  DeviceBuffer probs;   // [B, H, T, T] attention probabilities
  DeviceBuffer att_s;   // [B, H, T, D]
  DeviceBuffer att;     // [B, T, H, D] = [R, C]
  DeviceBuffer x_mid;   // [R, C] after the attention residual
  DeviceBuffer h2;      // [R, C] ln2(x_mid)
  DeviceBuffer mean2, rstd2;  // [R]
  DeviceBuffer fc;      // [R, 4C] before GELU
  DeviceBuffer act;     // [R, 4C] after GELU
};

struct TransformerLm::Workspace {
  int batch_capacity = 0;
  std::vector<LayerActivations> layers;
  DeviceBuffer x_final, hf, meanf, rstdf;  // final residual, ln_f output, its stats
  DeviceBuffer logits, dlogits;            // [R, V]
  DeviceBuffer mask;                       // [R]
  DeviceBuffer loss_sum;                   // [1]
  // Backward scratch.
  DeviceBuffer dx, dh, datt, dwide, dqkv, dqkv_s, dprobs, datt_s;
  std::vector<DeviceBuffer> owned;  // every buffer above, to free
};

// Allocates a workspace for `batch` sequences; frees what it allocated on failure.
[[nodiscard]] absl::StatusOr<std::unique_ptr<TransformerLm::Workspace>> AllocateWorkspace(
    NpuBackend& npu, const TransformerConfig& config, int batch);
// Frees every buffer of `ws`; returns the first error.
[[nodiscard]] absl::Status FreeWorkspace(NpuBackend& npu, TransformerLm::Workspace& ws);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_MODEL_TRANSFORMER_WORKSPACE_H_
