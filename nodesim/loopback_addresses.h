// LoopbackAddressPool: one IPv4 loopback address per process pod, so that pods sharing this
// host each listen on their own address (an agent's :9400 in every pod) the way pods on a
// cluster each have their own IP. Linux routes all of 127.0.0.0/8 to `lo`, so any
// 127.<a>.<b>.<c> can be bound without configuration.
//
// Addresses are 127.<a>.<b>.<c> with a from `first_octet` (1 by default, so never
// 127.0.0.1, the node's own address) to 255, b 0..255 and c 1..254 (no .0 or .255, which
// read like network and broadcast addresses). Acquire() hands out the next address not in
// use, going round the range before it reuses one (a just released address is the last to
// come back), and the same owner (a pod: key and uid) keeps its address until Release().
// LoopbackAddressLease releases on destruction.
//
// Errors: ResourceExhausted when every address is taken.
// Thread-safety: thread-safe.
#ifndef FLYOVER_NODESIM_LOOPBACK_ADDRESSES_H_
#define FLYOVER_NODESIM_LOOPBACK_ADDRESSES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace flyover::nodesim {

class LoopbackAddressPool {
 public:
  explicit LoopbackAddressPool(int first_octet = 1)
      : first_octet_(static_cast<uint32_t>(first_octet < 1 ? 1 : first_octet)),
        capacity_((256 - first_octet_) * 256 * kHostsPerBlock) {}

  [[nodiscard]] absl::StatusOr<std::string> Acquire(const std::string& owner)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (auto it = by_owner_.find(owner); it != by_owner_.end()) return Format(it->second);
    if (taken_.size() >= capacity_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("pod IP: all ", capacity_, " loopback addresses are in use"));
    }
    while (taken_.contains(next_)) next_ = (next_ + 1) % capacity_;
    const uint32_t index = next_;
    next_ = (next_ + 1) % capacity_;
    taken_.insert(index);
    by_owner_[owner] = index;
    return Format(index);
  }

  void Release(const std::string& owner) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = by_owner_.find(owner);
    if (it == by_owner_.end()) return;
    taken_.erase(it->second);
    by_owner_.erase(it);
  }

  size_t InUse() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return taken_.size();
  }

 private:
  static constexpr uint32_t kHostsPerBlock = 254;  // c = 1..254

  std::string Format(uint32_t index) const {
    const uint32_t c = 1 + index % kHostsPerBlock;
    const uint32_t b = (index / kHostsPerBlock) % 256;
    const uint32_t a = first_octet_ + index / (kHostsPerBlock * 256);
    return absl::StrCat("127.", a, ".", b, ".", c);
  }

  const uint32_t first_octet_;
  const uint32_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, uint32_t> by_owner_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint32_t> taken_ ABSL_GUARDED_BY(mu_);
  uint32_t next_ ABSL_GUARDED_BY(mu_) = 0;
};

// Holds one owner's address and releases it when destroyed. Keeps the pool alive.
class LoopbackAddressLease {
 public:
  LoopbackAddressLease(std::shared_ptr<LoopbackAddressPool> pool, std::string owner,
                       std::string address)
      : pool_(std::move(pool)), owner_(std::move(owner)), address_(std::move(address)) {}
  ~LoopbackAddressLease() {
    if (pool_ != nullptr) pool_->Release(owner_);
  }
  LoopbackAddressLease(const LoopbackAddressLease&) = delete;
  LoopbackAddressLease& operator=(const LoopbackAddressLease&) = delete;

  const std::string& address() const { return address_; }

 private:
  std::shared_ptr<LoopbackAddressPool> pool_;
  std::string owner_;
  std::string address_;
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_LOOPBACK_ADDRESSES_H_
