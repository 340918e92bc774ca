// DeviceMemory: the emulated HBM of one die. Host memory stands in for device memory;
// what is emulated is the capacity, the accounting and the handle discipline.
//
// Allocate(bytes) hands out a DeviceBuffer of bytes / 4 fp32 elements, zero-filled (so a
// run never depends on leftover bytes), and counts `bytes` against the capacity. Ids are
// never reused. Free releases the accounting at once; the host memory itself lives on
// while a queued kernel still holds the Allocation (Resolve hands out shared ownership),
// so freeing a buffer that pending work uses is memory-safe, though its results are lost.
//
// ECC emulation: an Allocation carries an "uncorrectable ECC error" mark. A kernel that
// reads a marked buffer fails with DataLoss (EmulatedNpuBackend checks the mark). A
// host-to-device copy that overwrites the whole buffer clears it, as rewriting a DRAM
// page does; freeing drops it with the buffer.
//
// Errors: ResourceExhausted when the capacity (or the host) cannot hold the request, with
// the requested and free bytes in the message; InvalidArgument for a size that is not a
// positive multiple of 4; NotFound for an unknown or freed buffer; OutOfRange for a slice
// outside its buffer.
//
// Thread-safety: every method is safe to call from any thread. The table and counters are
// guarded by mu_; an Allocation's data is synchronised by the streams that use it.
#ifndef FLYOVER_WORKER_NPU_DEVICE_MEMORY_H_
#define FLYOVER_WORKER_NPU_DEVICE_MEMORY_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "worker/npu/npu_types.h"

namespace flyover::worker {

// One live or recently freed device allocation. Owns its host memory.
class Allocation {
 public:
  Allocation(uint64_t id, int64_t size, float* data) : id_(id), size_(size), data_(data) {}
  Allocation(const Allocation&) = delete;
  Allocation& operator=(const Allocation&) = delete;
  ~Allocation();

  uint64_t id() const { return id_; }
  int64_t size() const { return size_; }  // elements
  float* data() const { return data_; }

  bool ecc_error() const { return ecc_error_.load(std::memory_order_acquire); }
  void set_ecc_error(bool value) { ecc_error_.store(value, std::memory_order_release); }

 private:
  const uint64_t id_;
  const int64_t size_;
  float* const data_;
  std::atomic<bool> ecc_error_{false};
};

// A DeviceSlice whose buffer has been looked up: holds the allocation alive.
struct ResolvedSlice {
  std::shared_ptr<Allocation> allocation;
  int64_t offset = 0;
  int64_t size = 0;

  float* data() const { return allocation->data() + offset; }
  uint64_t buffer_id() const { return allocation->id(); }
};

class DeviceMemory {
 public:
  explicit DeviceMemory(int64_t capacity_bytes) : capacity_(capacity_bytes) {}
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;

  [[nodiscard]] absl::StatusOr<DeviceBuffer> Allocate(int64_t bytes) ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] absl::Status Free(DeviceBuffer buffer) ABSL_LOCKS_EXCLUDED(mu_);

  // Looks up `slice`'s buffer. `what` names the argument in error messages ("gemm a").
  [[nodiscard]] absl::StatusOr<ResolvedSlice> Resolve(const DeviceSlice& slice,
                                                      absl::string_view what) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Marks `buffer` as holding an uncorrectable ECC error. NotFound if it is not live.
  [[nodiscard]] absl::Status MarkEccError(DeviceBuffer buffer) ABSL_LOCKS_EXCLUDED(mu_);

  MemoryStats Stats() const ABSL_LOCKS_EXCLUDED(mu_);
  void ResetPeak() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const int64_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<Allocation>> live_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t in_use_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t peak_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_NPU_DEVICE_MEMORY_H_
