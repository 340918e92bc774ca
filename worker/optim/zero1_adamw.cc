#include "worker/optim/zero1_adamw.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::worker {

absl::StatusOr<std::unique_ptr<Zero1AdamW>> Zero1AdamW::Create(NpuBackend* backend,
                                                               Communicator* comm,
                                                               int64_t num_params,
                                                               const Zero1AdamWOptions& options) {
  if (num_params < 1) return absl::InvalidArgumentError("optimizer: num_params must be >= 1");
  std::unique_ptr<Zero1AdamW> opt(new Zero1AdamW(backend, comm, num_params, options));
  ASSIGN_OR_RETURN(opt->stream_, backend->CreateStream());
  // At least one element, so a rank with an empty shard still has valid buffers.
  const int64_t bytes = std::max<int64_t>(1, static_cast<int64_t>(opt->shard_.size)) * 4;
  ASSIGN_OR_RETURN(opt->m_, backend->Allocate(bytes));
  ASSIGN_OR_RETURN(opt->v_, backend->Allocate(bytes));
  ASSIGN_OR_RETURN(opt->norm_, backend->Allocate(4));
  return opt;
}

Zero1AdamW::Zero1AdamW(NpuBackend* backend, Communicator* comm, int64_t num_params,
                       const Zero1AdamWOptions& options)
    : backend_(backend),
      comm_(comm),
      num_params_(num_params),
      options_(options),
      shard_(ShardOf(static_cast<size_t>(num_params), comm->size(), comm->rank())),
      host_(num_params) {}

Zero1AdamW::~Zero1AdamW() {
  for (DeviceBuffer b : {m_, v_, norm_}) {
    if (b.valid()) backend_->Free(b).IgnoreError();
  }
  if (stream_.id != 0) backend_->DestroyStream(stream_).IgnoreError();
}

DeviceSlice Zero1AdamW::ShardOfBuffer(DeviceBuffer buffer) const {
  return buffer.Slice(static_cast<int64_t>(shard_.offset), static_cast<int64_t>(shard_.size));
}

absl::StatusOr<std::vector<float>> Zero1AdamW::Download(DeviceBuffer buffer) {
  std::vector<float> out(shard_.size);
  if (out.empty()) return out;
  RETURN_IF_ERROR(backend_->CopyDeviceToHost(stream_, buffer.Slice(0, out.size()),
                                             absl::MakeSpan(out)));
  RETURN_IF_ERROR(backend_->SynchronizeStream(stream_));
  return out;
}

absl::Status Zero1AdamW::Restore(int64_t step, absl::Span<const float> m,
                                 absl::Span<const float> v) {
  if (m.size() != shard_.size || v.size() != shard_.size) {
    return absl::InvalidArgumentError(absl::StrCat("optimizer state: m has ", m.size(),
                                                   " and v ", v.size(), " elements, the shard ",
                                                   shard_.size));
  }
  step_ = step;
  if (shard_.size == 0) return absl::OkStatus();
  RETURN_IF_ERROR(backend_->CopyHostToDevice(stream_, m, m_.Slice(0, m.size())));
  RETURN_IF_ERROR(backend_->CopyHostToDevice(stream_, v, v_.Slice(0, v.size())));
  return backend_->SynchronizeStream(stream_);
}

absl::Status Zero1AdamW::ReduceGradients(DeviceBuffer grads) {
  RETURN_IF_ERROR(backend_->CopyDeviceToHost(stream_, grads, absl::MakeSpan(host_)));
  RETURN_IF_ERROR(backend_->SynchronizeStream(stream_));
  RETURN_IF_ERROR(comm_->ReduceScatter(absl::MakeSpan(host_)));
  if (shard_.size == 0) return absl::OkStatus();
  return backend_->CopyHostToDevice(
      stream_, absl::MakeConstSpan(host_).subspan(shard_.offset, shard_.size),
      ShardOfBuffer(grads));
}

absl::StatusOr<float> Zero1AdamW::GlobalNorm(DeviceBuffer grads) {
  float sum_sq = 0;
  if (shard_.size > 0) {
    RETURN_IF_ERROR(backend_->SumOfSquares(stream_, ShardOfBuffer(grads), norm_, false));
    RETURN_IF_ERROR(backend_->CopyDeviceToHost(stream_, norm_, absl::MakeSpan(&sum_sq, 1)));
    RETURN_IF_ERROR(backend_->SynchronizeStream(stream_));
  }
  RETURN_IF_ERROR(comm_->AllReduce(absl::MakeSpan(&sum_sq, 1)));
  return std::sqrt(sum_sq);
}

absl::Status Zero1AdamW::GatherParameters(DeviceBuffer params) {
  if (shard_.size > 0) {
    RETURN_IF_ERROR(backend_->CopyDeviceToHost(
        stream_, ShardOfBuffer(params),
        absl::MakeSpan(host_).subspan(shard_.offset, shard_.size)));
    RETURN_IF_ERROR(backend_->SynchronizeStream(stream_));
  }
  RETURN_IF_ERROR(comm_->AllGather(absl::MakeSpan(host_)));
  RETURN_IF_ERROR(backend_->CopyHostToDevice(stream_, host_, params));
  return backend_->SynchronizeStream(stream_);
}

absl::StatusOr<OptimizerStepStats> Zero1AdamW::Step(DeviceBuffer params, DeviceBuffer grads) {
  if (params.size != num_params_ || grads.size != num_params_) {
    return absl::InvalidArgumentError(absl::StrCat("optimizer: params/grads must hold ",
                                                   num_params_, " elements"));
  }
  RETURN_IF_ERROR(ReduceGradients(grads));
  OptimizerStepStats stats;
  ASSIGN_OR_RETURN(stats.grad_norm, GlobalNorm(grads));
  const double clip = options_.grad_clip_norm;
  if (clip > 0 && stats.grad_norm > clip) {
    stats.clip_scale = static_cast<float>(clip / (static_cast<double>(stats.grad_norm) + 1e-6));
  }
  stats.lr = options_.schedule.At(step_ + 1);
  if (shard_.size > 0) {
    AdamWArgs args;
    args.lr = stats.lr;
    args.beta1 = options_.beta1;
    args.beta2 = options_.beta2;
    args.eps = options_.eps;
    args.weight_decay = static_cast<float>(options_.weight_decay);
    args.grad_scale = stats.clip_scale;
    args.step = step_ + 1;
    const int64_t n = static_cast<int64_t>(shard_.size);
    RETURN_IF_ERROR(backend_->AdamW(stream_, args, ShardOfBuffer(params), ShardOfBuffer(grads),
                                    m_.Slice(0, n), v_.Slice(0, n)));
  }
  RETURN_IF_ERROR(GatherParameters(params));
  ++step_;
  return stats;
}

}  // namespace flyover::worker
