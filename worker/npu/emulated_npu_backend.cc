// EmulatedNpuBackend: lifecycle, memory, streams, faults and the kernel launcher. The
// kernel entry points are in emulated_npu_kernels.cc.
#include "worker/npu/emulated_npu_backend.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "worker/npu/cpu_kernels.h"

namespace flyover::worker {

absl::StatusOr<std::unique_ptr<EmulatedNpuBackend>> EmulatedNpuBackend::Create(
    const EmulatedNpuBackendOptions& options) {
  if (options.die_id < 0) return absl::InvalidArgumentError("die_id must be >= 0");
  if (options.hbm_bytes <= 0) return absl::InvalidArgumentError("hbm_bytes must be positive");
  if (!(options.max_gflops >= 0)) {
    return absl::InvalidArgumentError("max_gflops must be >= 0 (0 = no cap)");
  }
  if (options.clock == nullptr) return absl::InvalidArgumentError("clock must not be null");
  RETURN_IF_ERROR(cpu::PinBlasToOneThread());
  return std::unique_ptr<EmulatedNpuBackend>(new EmulatedNpuBackend(options));
}

EmulatedNpuBackend::EmulatedNpuBackend(const EmulatedNpuBackendOptions& options)
    : options_(options), memory_(options.hbm_bytes), engine_(options.clock) {
  absl::MutexLock lock(&mu_);
  health_.die_id = options.die_id;
  max_gflops_ = options.max_gflops;
  UpdateEngineLocked();
}

EmulatedNpuBackend::~EmulatedNpuBackend() = default;

// ---- Faults and throttle ----------------------------------------------------------------------

absl::Status EmulatedNpuBackend::InjectEccError(DeviceBuffer buffer) {
  return memory_.MarkEccError(buffer);
}

void EmulatedNpuBackend::InjectEccErrorOnNextRead() { pending_ecc_.store(true); }

void EmulatedNpuBackend::SetHang(bool hang) {
  absl::MutexLock lock(&mu_);
  hook_hang_ = hang;
  UpdateEngineLocked();
}

void EmulatedNpuBackend::SetSlowdown(double factor) {
  absl::MutexLock lock(&mu_);
  hook_slowdown_ = factor >= 1.0 ? factor : 1.0;
  UpdateEngineLocked();
}

void EmulatedNpuBackend::SetComputeRateLimit(double gflops) {
  absl::MutexLock lock(&mu_);
  max_gflops_ = gflops > 0 ? gflops : 0;
  UpdateEngineLocked();
}

void EmulatedNpuBackend::UpdateEngineLocked() {
  engine_.SetHang(hook_hang_ || source_hang_);
  engine_.SetPacing(max_gflops_, hook_slowdown_ * source_slowdown_);
}

absl::Status EmulatedNpuBackend::BeginStep(int64_t step) {
  if (options_.fault_source == nullptr) return absl::OkStatus();
  absl::StatusOr<DieState> state = options_.fault_source->Poll(options_.die_id, step);
  if (!state.ok()) {
    return Annotate(state.status(), absl::StrCat("poll NPU faults for die ", options_.die_id,
                                                 " at step ", step));
  }
  ApplyDieState(*state);
  return absl::OkStatus();
}

void EmulatedNpuBackend::ApplyDieState(const DieState& state) {
  std::vector<NpuFault> new_ecc;
  {
    absl::MutexLock lock(&mu_);
    absl::flat_hash_set<std::string> listed;
    bool hang = false;
    double slowdown = 1.0;
    for (const NpuFault& fault : state.faults) {
      switch (fault.kind) {
        case NpuFaultKind::kHang:
          hang = true;
          break;
        case NpuFaultKind::kSlow:
        case NpuFaultKind::kOverheat:
          slowdown *= fault.slowdown >= 1.0 ? fault.slowdown : 1.0;
          break;
        case NpuFaultKind::kHbmEccDoubleBit:
          listed.insert(fault.code);
          if (!seen_ecc_codes_.contains(fault.code)) new_ecc.push_back(fault);
          break;
        default:
          break;
      }
    }
    if (hang != source_hang_) {
      log::Warn(hang ? "npu die hang begins" : "npu die hang ends",
                {{"die", options_.die_id}});
    }
    seen_ecc_codes_ = std::move(listed);
    source_hang_ = hang;
    source_slowdown_ = slowdown;
    health_ = state;
    health_.die_id = options_.die_id;
    UpdateEngineLocked();
  }
  for (const NpuFault& fault : new_ecc) {
    log::Warn("npu hbm ecc error injected",
              {{"die", options_.die_id}, {"code", fault.code},
               {"buffer", fault.buffer_id.has_value() ? absl::StrCat(*fault.buffer_id)
                                                      : std::string("next read")}});
    if (!fault.buffer_id.has_value()) {
      pending_ecc_.store(true);
    } else if (absl::Status marked = memory_.MarkEccError(DeviceBuffer{*fault.buffer_id, 0});
               !marked.ok()) {
      log::Warn("npu ecc fault names no live buffer", {{"code", fault.code}, {"error", marked}});
    }
  }
}

DieState EmulatedNpuBackend::Health() {
  absl::MutexLock lock(&mu_);
  return health_;
}

// ---- Memory ---------------------------------------------------------------------------------

absl::StatusOr<DeviceBuffer> EmulatedNpuBackend::Allocate(int64_t bytes) {
  return memory_.Allocate(bytes);
}

absl::Status EmulatedNpuBackend::Free(DeviceBuffer buffer) { return memory_.Free(buffer); }

MemoryStats EmulatedNpuBackend::GetMemoryStats() { return memory_.Stats(); }

void EmulatedNpuBackend::ResetPeakMemory() { memory_.ResetPeak(); }

// ---- Streams and events -----------------------------------------------------------------------

absl::StatusOr<StreamHandle> EmulatedNpuBackend::CreateStream() { return engine_.CreateStream(); }

absl::Status EmulatedNpuBackend::DestroyStream(StreamHandle stream) {
  return engine_.DestroyStream(stream);
}

absl::Status EmulatedNpuBackend::SynchronizeStream(StreamHandle stream,
                                                   const SyncOptions& options) {
  return engine_.Synchronize(stream, options);
}

absl::Status EmulatedNpuBackend::ResetStream(StreamHandle stream) { return engine_.Reset(stream); }

absl::StatusOr<EventHandle> EmulatedNpuBackend::CreateEvent() { return engine_.CreateEvent(); }

absl::Status EmulatedNpuBackend::DestroyEvent(EventHandle event) {
  return engine_.DestroyEvent(event);
}

absl::Status EmulatedNpuBackend::RecordEvent(EventHandle event, StreamHandle stream) {
  return engine_.Record(event, stream);
}

absl::Status EmulatedNpuBackend::StreamWaitEvent(StreamHandle stream, EventHandle event) {
  return engine_.Wait(stream, event);
}

absl::Status EmulatedNpuBackend::SynchronizeEvent(EventHandle event, const SyncOptions& options) {
  return engine_.SynchronizeEvent(event, options);
}

absl::StatusOr<bool> EmulatedNpuBackend::QueryEvent(EventHandle event) {
  return engine_.QueryEvent(event);
}

// ---- Kernel launch ----------------------------------------------------------------------------

absl::Status EmulatedNpuBackend::Launch(StreamHandle stream, const char* name, double flops,
                                        std::initializer_list<Arg> args, Body body) {
  std::vector<ResolvedSlice> slices;
  std::vector<bool> read;
  slices.reserve(args.size());
  for (const Arg& arg : args) {
    const std::string what = absl::StrCat(name, " ", arg.what);
    if (arg.want >= 0 && arg.slice.size != arg.want) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": slice has ", arg.slice.size, " elements, the shape needs ", arg.want));
    }
    ASSIGN_OR_RETURN(ResolvedSlice resolved, memory_.Resolve(arg.slice, what));
    slices.push_back(std::move(resolved));
    read.push_back(arg.read);
  }
  DeviceOp op;
  op.name = name;
  op.flops = flops;
  op.run = [this, slices = std::move(slices), read = std::move(read),
            body = std::move(body)]() -> absl::Status {
    RETURN_IF_ERROR(CheckEcc(slices, read));
    std::vector<float*> data;
    data.reserve(slices.size());
    for (const ResolvedSlice& slice : slices) data.push_back(slice.data());
    body(data);
    return absl::OkStatus();
  };
  return engine_.Enqueue(stream, std::move(op));
}

namespace {

absl::Status EccError(const Allocation& allocation) {
  return absl::DataLossError(absl::StrCat(
      "uncorrectable HBM ECC error (double-bit) in device buffer ", allocation.id(), " (",
      allocation.size() * static_cast<int64_t>(sizeof(float)), " bytes)"));
}

}  // namespace

absl::Status EmulatedNpuBackend::CheckEcc(const std::vector<ResolvedSlice>& slices,
                                          const std::vector<bool>& read) {
  const ResolvedSlice* first_read = nullptr;
  for (size_t i = 0; i < slices.size(); ++i) {
    if (!read[i]) continue;
    if (slices[i].allocation->ecc_error()) return EccError(*slices[i].allocation);
    if (first_read == nullptr) first_read = &slices[i];
  }
  if (first_read != nullptr && pending_ecc_.load() && pending_ecc_.exchange(false)) {
    first_read->allocation->set_ecc_error(true);
    return EccError(*first_read->allocation);
  }
  return absl::OkStatus();
}

}  // namespace flyover::worker
