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

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace flyover::nodesim {

class LoopbackAddressPool {
 public:
  // `first_octet` below 1 is taken as 1.
  explicit LoopbackAddressPool(int first_octet = 1);

  // The address of `owner`: the one it already holds, else the next free one.
  [[nodiscard]] absl::StatusOr<std::string> Acquire(const std::string& owner)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Frees `owner`'s address; nothing when it holds none.
  void Release(const std::string& owner) ABSL_LOCKS_EXCLUDED(mu_);
  // How many addresses are held.
  size_t InUse() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  std::string Format(uint32_t index) const;

  const uint32_t first_octet_;
  const uint32_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, uint32_t> by_owner_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint32_t> taken_ ABSL_GUARDED_BY(mu_);
  uint32_t next_ ABSL_GUARDED_BY(mu_) = 0;
};

// Holds one owner's address and releases it when destroyed. Keeps the pool alive; a null
// pool releases nothing.
class LoopbackAddressLease {
 public:
  LoopbackAddressLease(std::shared_ptr<LoopbackAddressPool> pool, std::string owner,
                       std::string address);
  ~LoopbackAddressLease();
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
