#include "worker/model/transformer_workspace.h"

#include "common/status.h"

namespace flyover::worker {
namespace {

class Allocator {
 public:
  Allocator(NpuBackend& npu, TransformerLm::Workspace& ws) : npu_(npu), ws_(ws) {}
  absl::Status Take(DeviceBuffer& out, int64_t elements) {
    ASSIGN_OR_RETURN(out, npu_.Allocate(elements * static_cast<int64_t>(sizeof(float))));
    ws_.owned.push_back(out);
    return absl::OkStatus();
  }

 private:
  NpuBackend& npu_;
  TransformerLm::Workspace& ws_;
};

absl::Status AllocateAll(Allocator& a, const TransformerConfig& config, int batch,
                         TransformerLm::Workspace& ws) {
  const int64_t t = config.max_length, c = config.hidden, h = config.heads;
  const int64_t r = int64_t{batch} * t, attn = int64_t{batch} * h * t * t;
  ws.layers.resize(config.layers);
  for (LayerActivations& l : ws.layers) {
    for (DeviceBuffer* rc : {&l.x_in, &l.h1, &l.att_s, &l.att, &l.x_mid, &l.h2}) {
      RETURN_IF_ERROR(a.Take(*rc, r * c));
    }
    for (DeviceBuffer* rows : {&l.mean1, &l.rstd1, &l.mean2, &l.rstd2}) {
      RETURN_IF_ERROR(a.Take(*rows, r));
    }
    RETURN_IF_ERROR(a.Take(l.qkv, r * 3 * c));
    RETURN_IF_ERROR(a.Take(l.qkv_s, r * 3 * c));
    RETURN_IF_ERROR(a.Take(l.probs, attn));
    RETURN_IF_ERROR(a.Take(l.fc, r * 4 * c));
    RETURN_IF_ERROR(a.Take(l.act, r * 4 * c));
  }
  for (DeviceBuffer* rc : {&ws.x_final, &ws.hf, &ws.dx, &ws.dh, &ws.datt, &ws.datt_s}) {
    RETURN_IF_ERROR(a.Take(*rc, r * c));
  }
  for (DeviceBuffer* rows : {&ws.meanf, &ws.rstdf, &ws.mask}) RETURN_IF_ERROR(a.Take(*rows, r));
  RETURN_IF_ERROR(a.Take(ws.logits, r * config.vocab));
  RETURN_IF_ERROR(a.Take(ws.dlogits, r * config.vocab));
  RETURN_IF_ERROR(a.Take(ws.loss_sum, 1));
  RETURN_IF_ERROR(a.Take(ws.dwide, r * 4 * c));
  RETURN_IF_ERROR(a.Take(ws.dqkv, r * 3 * c));
  RETURN_IF_ERROR(a.Take(ws.dqkv_s, r * 3 * c));
  return a.Take(ws.dprobs, attn);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TransformerLm::Workspace>> AllocateWorkspace(
    NpuBackend& npu, const TransformerConfig& config, int batch) {
  auto ws = std::make_unique<TransformerLm::Workspace>();
  ws->batch_capacity = batch;
  Allocator allocator(npu, *ws);
  if (absl::Status s = AllocateAll(allocator, config, batch, *ws); !s.ok()) {
    FreeWorkspace(npu, *ws).IgnoreError();
    return s;
  }
  return ws;
}

absl::Status FreeWorkspace(NpuBackend& npu, TransformerLm::Workspace& ws) {
  absl::Status first;
  for (DeviceBuffer b : ws.owned) first.Update(npu.Free(b));
  ws.owned.clear();
  return first;
}

}  // namespace flyover::worker
