#include "worker/npu/device_memory.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace flyover::worker {

Allocation::~Allocation() { std::free(data_); }

absl::StatusOr<DeviceBuffer> DeviceMemory::Allocate(int64_t bytes) {
  if (bytes <= 0 || bytes % static_cast<int64_t>(sizeof(float)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "device allocation of ", bytes, " bytes: size must be a positive multiple of 4 (fp32)"));
  }
  uint64_t id = 0;
  {
    absl::MutexLock lock(&mu_);
    if (bytes > capacity_ - in_use_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "out of device memory: requested ", bytes, " bytes, ", capacity_ - in_use_,
          " bytes free of ", capacity_, " (", in_use_, " in use in ", live_.size(),
          " buffers)"));
    }
    in_use_ += bytes;  // reserve before the (slow, unlocked) host allocation
    id = next_id_++;
  }
  const int64_t elements = bytes / static_cast<int64_t>(sizeof(float));
  // calloc: zero-filled, and large blocks come lazily from mmap.
  auto* data = static_cast<float*>(std::calloc(static_cast<size_t>(elements), sizeof(float)));
  absl::MutexLock lock(&mu_);
  if (data == nullptr) {
    in_use_ -= bytes;
    return absl::ResourceExhaustedError(absl::StrCat(
        "out of host memory backing the emulated device: requested ", bytes, " bytes, ",
        capacity_ - in_use_, " bytes of device memory free"));
  }
  live_[id] = std::make_shared<Allocation>(id, elements, data);
  peak_ = std::max(peak_, in_use_);
  return DeviceBuffer{id, elements};
}

absl::Status DeviceMemory::Free(DeviceBuffer buffer) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(buffer.id);
  if (it == live_.end()) {
    return absl::NotFoundError(
        absl::StrCat("free of device buffer ", buffer.id, ": not a live buffer"));
  }
  in_use_ -= it->second->size() * static_cast<int64_t>(sizeof(float));
  live_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<ResolvedSlice> DeviceMemory::Resolve(const DeviceSlice& slice,
                                                    absl::string_view what) const {
  std::shared_ptr<Allocation> allocation;
  {
    absl::MutexLock lock(&mu_);
    auto it = live_.find(slice.buffer.id);
    if (it == live_.end()) {
      return absl::NotFoundError(absl::StrCat(what, ": device buffer ", slice.buffer.id,
                                              " is not live (never allocated or freed)"));
    }
    allocation = it->second;
  }
  if (slice.offset < 0 || slice.size < 0 || slice.offset > allocation->size() ||
      slice.size > allocation->size() - slice.offset) {
    return absl::OutOfRangeError(absl::StrCat(
        what, ": slice [", slice.offset, ", ", slice.offset, "+", slice.size,
        ") is outside device buffer ", slice.buffer.id, " of ", allocation->size(),
        " elements"));
  }
  return ResolvedSlice{std::move(allocation), slice.offset, slice.size};
}

absl::Status DeviceMemory::MarkEccError(DeviceBuffer buffer) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(buffer.id);
  if (it == live_.end()) {
    return absl::NotFoundError(
        absl::StrCat("ECC injection: device buffer ", buffer.id, " is not live"));
  }
  it->second->set_ecc_error(true);
  return absl::OkStatus();
}

MemoryStats DeviceMemory::Stats() const {
  absl::MutexLock lock(&mu_);
  return MemoryStats{capacity_, in_use_, peak_, capacity_ - in_use_,
                     static_cast<int64_t>(live_.size())};
}

void DeviceMemory::ResetPeak() {
  absl::MutexLock lock(&mu_);
  peak_ = in_use_;
}

}  // namespace flyover::worker
